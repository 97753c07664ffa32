//! Just enough of the zip format to find a chat's text inside an export archive and inflate it
//! as a stream: the end-of-central-directory record (zip64 too), the central directory, a local
//! header, and stored or deflated entry data checked against its CRC-32.
//!
//! The functions take byte slices and say which bytes they need next, so the same code serves
//! an in-memory file and a `Blob` read slice by slice from JS.

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZFlush, MZStatus};

use crate::error::ImportError;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIGNATURE: u32 = 0x0606_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
/// Size of the end record without its comment.
const EOCD_LEN: u64 = 22;
/// The end record plus the longest comment it may carry.
pub const MAX_TAIL: u64 = EOCD_LEN + 65_535 + 20;
/// A local header without its name and extra field.
pub const LOCAL_HEADER_LEN: u64 = 30;
/// How many times larger than its compressed data an entry may inflate. Chat exports are
/// text and JSON, which deflate 5–30 times; a bomb's data inflates a thousand times. Entries
/// smaller than [`RATIO_FLOOR`] are not held to it.
pub const MAX_RATIO: u64 = 200;
/// Below this inflated size an entry may have any ratio (a tiny, repetitive file).
pub const RATIO_FLOOR: u64 = 16 * 1024 * 1024;

/// Whether an entry's declared sizes are those of a real file rather than a zip bomb.
pub fn check_ratio(entry: &Entry) -> Result<(), ImportError> {
    if entry.method == 8 && entry.size > RATIO_FLOOR && entry.size / entry.compressed_size.max(1) > MAX_RATIO {
        return Err(ImportError::TooLarge {
            detail: format!(
                "an entry of {} bytes claims to inflate to {} bytes, more than {MAX_RATIO} times its size",
                entry.compressed_size, entry.size
            ),
        });
    }
    Ok(())
}

/// Whether bytes start like a zip archive.
pub fn looks_like_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}

fn corrupt(detail: &str) -> ImportError {
    ImportError::CorruptArchive { detail: detail.to_string() }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([*b.get(at)?, *b.get(at + 1)?, *b.get(at + 2)?, *b.get(at + 3)?]))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(u32_at(b, at)?) | (u64::from(u32_at(b, at + 4)?) << 32))
}

/// Where the central directory is, or where to read the zip64 end record that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directory {
    /// The central directory's offset and size.
    At {
        /// Offset from the start of the file.
        offset: u64,
        /// Size in bytes.
        size: u64,
    },
    /// Read 56 bytes at this offset and pass them to [`parse_zip64_end`].
    Zip64EndAt(u64),
}

/// Finds the end record in the last bytes of the file (`tail` starts at `file_len - tail.len()`).
pub fn locate_directory(tail: &[u8], file_len: u64) -> Result<Directory, ImportError> {
    if (tail.len() as u64) < EOCD_LEN {
        return Err(corrupt("it is too short to be a zip archive"));
    }
    let tail_start = file_len - tail.len() as u64;
    let mut pos = tail.len() - EOCD_LEN as usize;
    loop {
        if u32_at(tail, pos) == Some(EOCD_SIGNATURE) {
            let comment_len = u16_at(tail, pos + 20).unwrap_or(0) as usize;
            if pos + EOCD_LEN as usize + comment_len == tail.len() {
                break;
            }
        }
        if pos == 0 {
            return Err(corrupt("its end record is missing; the file looks truncated"));
        }
        pos -= 1;
    }
    let size = u64::from(u32_at(tail, pos + 12).unwrap_or(0));
    let offset = u64::from(u32_at(tail, pos + 16).unwrap_or(0));
    if (size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF)
        && pos >= 20
        && u32_at(tail, pos - 20) == Some(ZIP64_LOCATOR_SIGNATURE)
    {
        let zip64_end = u64_at(tail, pos - 20 + 8).unwrap_or(u64::MAX);
        return Ok(Directory::Zip64EndAt(zip64_end));
    }
    if offset + size > tail_start + pos as u64 {
        return Err(corrupt("its directory points past the end of the file; the file looks truncated"));
    }
    Ok(Directory::At { offset, size })
}

/// Reads the zip64 end record (56 bytes).
pub fn parse_zip64_end(record: &[u8]) -> Result<Directory, ImportError> {
    if u32_at(record, 0) != Some(ZIP64_EOCD_SIGNATURE) {
        return Err(corrupt("its zip64 end record is missing"));
    }
    let size = u64_at(record, 40).ok_or_else(|| corrupt("its zip64 end record is short"))?;
    let offset = u64_at(record, 48).ok_or_else(|| corrupt("its zip64 end record is short"))?;
    Ok(Directory::At { offset, size })
}

/// One file in the archive, as the central directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path inside the archive.
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    /// Encrypted entries cannot be read.
    pub encrypted: bool,
    /// CRC-32 of the uncompressed data.
    pub crc32: u32,
    /// Compressed size.
    pub compressed_size: u64,
    /// Uncompressed size.
    pub size: u64,
    /// Offset of the local header.
    pub header_offset: u64,
}

/// Lists the archive's entries from its central directory.
pub fn parse_directory(dir: &[u8]) -> Result<Vec<Entry>, ImportError> {
    let mut entries = Vec::new();
    let mut p = 0;
    while p + 46 <= dir.len() {
        if u32_at(dir, p) != Some(CENTRAL_SIGNATURE) {
            return Err(corrupt("its directory is damaged"));
        }
        let field = |at: usize| u32_at(dir, p + at).unwrap_or(0);
        let flags = u16_at(dir, p + 8).unwrap_or(0);
        let method = u16_at(dir, p + 10).unwrap_or(0);
        let name_len = usize::from(u16_at(dir, p + 28).unwrap_or(0));
        let extra_len = usize::from(u16_at(dir, p + 30).unwrap_or(0));
        let comment_len = usize::from(u16_at(dir, p + 32).unwrap_or(0));
        let name_end = p + 46 + name_len;
        let extra_end = name_end + extra_len;
        if extra_end + comment_len > dir.len() {
            return Err(corrupt("its directory is cut short"));
        }
        let mut entry = Entry {
            name: String::from_utf8_lossy(&dir[p + 46..name_end]).into_owned(),
            method,
            encrypted: flags & 1 == 1,
            crc32: field(16),
            compressed_size: u64::from(field(20)),
            size: u64::from(field(24)),
            header_offset: u64::from(field(42)),
        };
        apply_zip64_extra(&mut entry, &dir[name_end..extra_end]);
        entries.push(entry);
        p = extra_end + comment_len;
    }
    Ok(entries)
}

/// Sizes and offsets of 4 GiB and more live in the zip64 extra field, in this order, each
/// present only where the 32-bit field is saturated.
fn apply_zip64_extra(entry: &mut Entry, mut extra: &[u8]) {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0).unwrap_or(0);
        let len = usize::from(u16_at(extra, 2).unwrap_or(0));
        let Some(data) = extra.get(4..4 + len) else {
            return;
        };
        if id == 1 {
            let mut at = 0;
            for field in [&mut entry.size, &mut entry.compressed_size, &mut entry.header_offset] {
                if *field == 0xFFFF_FFFF {
                    if let Some(v) = u64_at(data, at) {
                        *field = v;
                        at += 8;
                    }
                }
            }
        }
        extra = &extra[4 + len..];
    }
}

/// The chat text among an export's entries: `_chat.txt` (iOS), else a `WhatsApp Chat ….txt`
/// (Android with media), else the only `.txt`.
pub fn chat_entry(entries: &[Entry]) -> Result<&Entry, ImportError> {
    let base = |e: &Entry| e.name.rsplit('/').next().unwrap_or("").to_string();
    let texts: Vec<&Entry> = entries.iter().filter(|e| base(e).to_lowercase().ends_with(".txt")).collect();
    let chosen = texts
        .iter()
        .find(|e| base(e) == "_chat.txt")
        .or_else(|| texts.iter().find(|e| crate::import::chat_title(&base(e)).is_some()))
        .or(if texts.len() == 1 { texts.first() } else { None })
        .copied()
        .ok_or(ImportError::NoChatInArchive)?;
    if chosen.encrypted {
        return Err(ImportError::UnsupportedArchive { detail: "password protection".into() });
    }
    if chosen.method != 0 && chosen.method != 8 {
        return Err(ImportError::UnsupportedArchive { detail: format!("compression method {}", chosen.method) });
    }
    Ok(chosen)
}

/// Where the entry's data starts, from its local header (the first 30 bytes of it).
pub fn data_offset(entry: &Entry, local_header: &[u8]) -> Result<u64, ImportError> {
    if u32_at(local_header, 0) != Some(LOCAL_SIGNATURE) {
        return Err(corrupt("an entry's header is missing"));
    }
    let name_len = u64::from(u16_at(local_header, 26).unwrap_or(0));
    let extra_len = u64::from(u16_at(local_header, 28).unwrap_or(0));
    Ok(entry.header_offset + LOCAL_HEADER_LEN + name_len + extra_len)
}

/// Counts output against the limit: inflating stops at the declared size (or the ratio
/// limit) the moment it is passed, not at the end of the entry.
fn count(produced: &mut u64, limit: u64, written: usize) -> Result<(), ImportError> {
    *produced += written as u64;
    if *produced > limit {
        return Err(ImportError::TooLarge {
            detail: format!("an entry inflates past {limit} bytes, more than its directory declares"),
        });
    }
    Ok(())
}

/// Inflates (or passes through) one entry's data as it arrives, checking size and CRC at the end.
pub struct EntryDecoder {
    inflater: Option<Box<InflateState>>,
    out: Vec<u8>,
    crc: crate::crc32::Hasher,
    expected_crc: u32,
    expected_size: u64,
    /// The most this entry may produce: its declared size, and within the ratio limit.
    limit: u64,
    produced: u64,
    done: bool,
}

impl EntryDecoder {
    /// Output is handed on in pieces of this size.
    const OUT_CHUNK: usize = 64 * 1024;

    /// A decoder for `entry`.
    pub fn new(entry: &Entry) -> Self {
        EntryDecoder {
            inflater: (entry.method == 8).then(|| InflateState::new_boxed(DataFormat::Raw)),
            out: vec![0; Self::OUT_CHUNK],
            crc: crate::crc32::Hasher::new(),
            expected_crc: entry.crc32,
            expected_size: entry.size,
            limit: entry.size.min(entry.compressed_size.saturating_mul(MAX_RATIO).max(RATIO_FLOOR)),
            produced: 0,
            done: false,
        }
    }

    /// Decodes the next piece of compressed data, handing the output to `sink`.
    pub fn push(
        &mut self,
        mut input: &[u8],
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let Some(state) = self.inflater.as_mut() else {
            self.crc.update(input);
            count(&mut self.produced, self.limit, input.len())?;
            return sink(input);
        };
        while !input.is_empty() && !self.done {
            let result = inflate(state, input, &mut self.out, MZFlush::None);
            input = &input[result.bytes_consumed..];
            count(&mut self.produced, self.limit, result.bytes_written)?;
            let written = &self.out[..result.bytes_written];
            self.crc.update(written);
            sink(written)?;
            match result.status {
                Ok(MZStatus::StreamEnd) => self.done = true,
                Ok(_) => {}
                Err(_) => return Err(corrupt("the chat's compressed data is damaged")),
            }
            if result.bytes_consumed == 0 && result.bytes_written == 0 {
                break;
            }
        }
        // Output may still be pending in the inflater's window with no new input needed.
        while !self.done {
            let result = inflate(state, &[], &mut self.out, MZFlush::None);
            if result.bytes_written == 0 {
                break;
            }
            count(&mut self.produced, self.limit, result.bytes_written)?;
            let written = &self.out[..result.bytes_written];
            self.crc.update(written);
            sink(written)?;
            if matches!(result.status, Ok(MZStatus::StreamEnd)) {
                self.done = true;
            }
        }
        Ok(())
    }

    /// Checks that the data was complete and intact.
    pub fn finish(self) -> Result<(), ImportError> {
        if self.inflater.is_some() && !self.done {
            return Err(corrupt("the chat's compressed data ends early; the file looks truncated"));
        }
        if self.produced != self.expected_size {
            return Err(corrupt("the chat's size does not match the directory"));
        }
        if self.crc.finalize() != self.expected_crc {
            return Err(corrupt("the chat's checksum does not match"));
        }
        Ok(())
    }
}
