//! CRC-32 (IEEE, as zip uses it), slice-by-16: the algorithm of `crc32fast`'s portable path,
//! which is the one it runs on wasm32, so zip entries are checked just as fast.
//!
//! Why not `crc32fast` itself: its 16 tables are a 16 KB constant in the wasm module's data,
//! random-looking bytes that gzip cannot shrink (16 KB of the download). Here the same tables
//! are computed once, on first use, in a few microseconds.

use std::sync::OnceLock;

/// `TABLES[0]` is the byte-at-a-time table; `TABLES[k][b]` is the CRC of byte `b` followed by
/// `k` zero bytes, so 16 bytes are folded in with 16 independent lookups.
type Tables = [[u32; 256]; 16];

static TABLES: OnceLock<Box<Tables>> = OnceLock::new();

fn tables() -> &'static Tables {
    TABLES.get_or_init(|| {
        // Built on the heap: 16 KB is too much for a stack frame in a service worker.
        let mut t: Box<Tables> = vec![[0u32; 256]; 16].into_boxed_slice().try_into().unwrap_or_else(|_| unreachable!());
        for i in 0..256u32 {
            let mut crc = i;
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
            t[0][i as usize] = crc;
        }
        for k in 1..16 {
            for i in 0..256 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            }
        }
        t
    })
}

/// A running CRC-32.
#[derive(Debug, Clone, Default)]
pub(crate) struct Hasher {
    crc: u32,
}

impl Hasher {
    /// The CRC of nothing yet.
    pub(crate) fn new() -> Self {
        Hasher { crc: 0 }
    }

    /// Adds `buf` to the data checked.
    pub(crate) fn update(&mut self, mut buf: &[u8]) {
        let t = tables();
        let mut crc = !self.crc;
        // Four 16-byte steps per iteration, as crc32fast unrolls them.
        while buf.len() >= 64 {
            for _ in 0..4 {
                crc = t[0x0][buf[0xf] as usize]
                    ^ t[0x1][buf[0xe] as usize]
                    ^ t[0x2][buf[0xd] as usize]
                    ^ t[0x3][buf[0xc] as usize]
                    ^ t[0x4][buf[0xb] as usize]
                    ^ t[0x5][buf[0xa] as usize]
                    ^ t[0x6][buf[0x9] as usize]
                    ^ t[0x7][buf[0x8] as usize]
                    ^ t[0x8][buf[0x7] as usize]
                    ^ t[0x9][buf[0x6] as usize]
                    ^ t[0xa][buf[0x5] as usize]
                    ^ t[0xb][buf[0x4] as usize]
                    ^ t[0xc][(buf[0x3] ^ (crc >> 24) as u8) as usize]
                    ^ t[0xd][(buf[0x2] ^ (crc >> 16) as u8) as usize]
                    ^ t[0xe][(buf[0x1] ^ (crc >> 8) as u8) as usize]
                    ^ t[0xf][(buf[0x0] ^ crc as u8) as usize];
                buf = &buf[16..];
            }
        }
        for &b in buf {
            crc = t[0][(crc as u8 ^ b) as usize] ^ (crc >> 8);
        }
        self.crc = !crc;
    }

    /// The CRC of everything added.
    pub(crate) fn finalize(self) -> u32 {
        self.crc
    }
}

#[cfg(test)]
mod tests {
    use super::Hasher;

    fn crc(data: &[u8]) -> u32 {
        let mut h = Hasher::new();
        h.update(data);
        h.finalize()
    }

    #[test]
    fn matches_crc32fast_at_every_length_and_split() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        assert_eq!(crc(b"123456789"), 0xCBF4_3926, "the standard check value");
        assert_eq!(crc(b""), 0);
        for len in 0..data.len() {
            assert_eq!(crc(&data[..len]), crc32fast::hash(&data[..len]), "length {len}");
        }
        for split in [0, 1, 15, 16, 63, 64, 65, 500, 1000] {
            let mut h = Hasher::new();
            h.update(&data[..split]);
            h.update(&data[split..]);
            assert_eq!(h.finalize(), crc32fast::hash(&data), "split at {split}");
        }
    }
}
