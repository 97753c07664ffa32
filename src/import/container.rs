//! The one reader of files and archives, step by step: it says which byte range it needs next,
//! the host reads it (a slice of memory natively, a `Blob` slice in the browser) and feeds it
//! back. So `importFile` and `importBlob` run the same code, and a zip of hundreds of entries
//! is read once: its directory, then only the entries the detected format wants.

use super::collect::{Collector, CoverageLookup, ImportDelta};
use super::event::{Finished, Format};
use super::zip::{self, Entry, EntryDecoder};
use super::{detect_archive, detect_loose, Detected, ImportOptions};
use crate::error::ImportError;
use crate::time::LocalZone;

/// Bytes looked at to recognise a loose file.
pub const HEAD_BYTES: u64 = 64 * 1024;
/// Bytes of file data asked for at a time.
pub const SLICE_BYTES: u64 = 4 * 1024 * 1024;
/// Bytes of compressed data asked for at a time: each is inflated in one go, so this bounds
/// the work between two chances to cancel (a deflate stream expands at most ~1032 times, and
/// [`zip::MAX_RATIO`] stops far earlier).
pub const COMPRESSED_SLICE_BYTES: u64 = 128 * 1024;

/// What the host should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Read bytes `start..end` of the file (fewer only at its end) and pass them to
    /// [`Session::feed`].
    Read {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// Everything was read: call [`Session::finish`].
    Done,
}

/// One file in the plan: a loose file, or an archive entry.
#[derive(Debug, Clone)]
struct Part {
    path: String,
    /// The archive entry, or `None` for the loose file itself.
    entry: Option<Entry>,
}

enum State {
    Head,
    Tail,
    Zip64End(u64),
    Directory {
        offset: u64,
        size: u64,
    },
    /// About to start part `index`.
    Begin(usize),
    LocalHeader(usize),
    Data {
        index: usize,
        position: u64,
        end: u64,
        decoder: Option<Box<EntryDecoder>>,
    },
    Finish,
    Done,
}

/// One import in progress.
pub struct Session<'k> {
    file_name: String,
    size: u64,
    state: State,
    parts: Vec<Part>,
    format: Option<Box<dyn Format>>,
    collector: Collector<'k>,
    options: ImportOptions,
    make_zone: Box<dyn Fn() -> Box<dyn LocalZone>>,
    /// Bytes of file data read so far, and the total to read, for progress.
    done_bytes: u64,
    total_bytes: u64,
    /// Bytes of stored (not deflated) file data asked for at a time.
    slice_bytes: u64,
}

fn truncated() -> ImportError {
    ImportError::CorruptArchive { detail: "it ends before its data does; the file looks truncated".into() }
}

impl<'k> Session<'k> {
    /// Starts reading a file of `size` bytes named `file_name`. `known` says what the engine
    /// already counted; `make_zone` gives the zone wall-clock times are read in.
    pub fn new(
        file_name: &str,
        size: u64,
        known: Box<dyn CoverageLookup + 'k>,
        options: ImportOptions,
        make_zone: Box<dyn Fn() -> Box<dyn LocalZone>>,
    ) -> Result<Self, ImportError> {
        if size == 0 {
            return Err(ImportError::Empty);
        }
        let collector =
            Collector::new(known, "whatsapp", crate::Source::WhatsApp, options.exclude.clone(), make_zone());
        Ok(Session {
            file_name: file_name.to_string(),
            size,
            state: State::Head,
            parts: Vec::new(),
            format: None,
            collector,
            options,
            make_zone,
            done_bytes: 0,
            total_bytes: size,
            slice_bytes: SLICE_BYTES,
        })
    }

    /// Asks for stored file data `bytes` at a time (at least 64 KiB) instead of
    /// [`SLICE_BYTES`]: a host copying from memory it already holds wants slices that stay in
    /// the processor's cache while they are parsed, where a host reading a file wants few reads.
    pub fn read_slices_of(mut self, bytes: u64) -> Self {
        self.slice_bytes = bytes.max(HEAD_BYTES);
        self
    }

    /// Bytes of data read so far and the total, for a progress bar.
    pub fn progress(&self) -> (u64, u64) {
        (self.done_bytes.min(self.total_bytes), self.total_bytes)
    }

    /// What to read next.
    pub fn next_step(&mut self) -> Result<Step, ImportError> {
        loop {
            let step = match &self.state {
                State::Head => Step::Read { start: 0, end: self.size.min(HEAD_BYTES) },
                State::Tail => Step::Read { start: self.size - self.size.min(zip::MAX_TAIL), end: self.size },
                State::Zip64End(at) => Step::Read { start: *at, end: at.saturating_add(56) },
                State::Directory { offset, size } => Step::Read { start: *offset, end: offset.saturating_add(*size) },
                State::Begin(index) => {
                    let index = *index;
                    self.begin(index)?;
                    continue;
                }
                State::LocalHeader(index) => {
                    let at = self.parts[*index].entry.as_ref().map_or(0, |e| e.header_offset);
                    Step::Read { start: at, end: at.saturating_add(zip::LOCAL_HEADER_LEN) }
                }
                State::Data { position, end, decoder, .. } => {
                    if position >= end {
                        self.end_part()?;
                        continue;
                    }
                    let slice = if decoder.is_some() { COMPRESSED_SLICE_BYTES } else { self.slice_bytes };
                    Step::Read { start: *position, end: (*position + slice).min(*end) }
                }
                State::Finish => {
                    self.finish_pass()?;
                    continue;
                }
                State::Done => Step::Done,
            };
            return Ok(step);
        }
    }

    /// The bytes of the last [`Step::Read`].
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), ImportError> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Head => self.head(bytes),
            State::Tail => match zip::locate_directory(bytes, self.size)? {
                zip::Directory::At { offset, size } => {
                    self.state = State::Directory { offset, size };
                    Ok(())
                }
                zip::Directory::Zip64EndAt(at) => {
                    self.state = State::Zip64End(at);
                    Ok(())
                }
            },
            State::Zip64End(_) => {
                if bytes.len() < 56 {
                    return Err(truncated());
                }
                match zip::parse_zip64_end(bytes)? {
                    zip::Directory::At { offset, size } => {
                        self.state = State::Directory { offset, size };
                        Ok(())
                    }
                    zip::Directory::Zip64EndAt(_) => {
                        Err(ImportError::CorruptArchive { detail: "its zip64 record loops".into() })
                    }
                }
            }
            State::Directory { size, .. } => {
                if (bytes.len() as u64) < size {
                    return Err(truncated());
                }
                self.directory(bytes)
            }
            State::LocalHeader(index) => {
                if (bytes.len() as u64) < zip::LOCAL_HEADER_LEN {
                    return Err(truncated());
                }
                let Some(entry) = self.parts[index].entry.clone() else {
                    return Err(truncated());
                };
                let start = zip::data_offset(&entry, bytes)?;
                let end = start.checked_add(entry.compressed_size).ok_or_else(truncated)?;
                if end > self.size {
                    return Err(truncated());
                }
                let decoder = Some(Box::new(EntryDecoder::new(&entry)));
                self.state = State::Data { index, position: start, end, decoder };
                Ok(())
            }
            State::Data { index, position, end, mut decoder } => {
                let expected =
                    (end - position).min(if decoder.is_some() { COMPRESSED_SLICE_BYTES } else { self.slice_bytes });
                if (bytes.len() as u64) < expected {
                    return Err(if decoder.is_some() {
                        truncated()
                    } else {
                        ImportError::ReadFailed { detail: "the file got shorter while it was read".into() }
                    });
                }
                let (format, collector) = match self.format.as_mut() {
                    Some(f) => (f, &mut self.collector),
                    None => return Err(truncated()),
                };
                match decoder.as_mut() {
                    Some(d) => d.push(bytes, &mut |out| format.push(out, collector))?,
                    None => format.push(bytes, collector)?,
                }
                self.done_bytes += bytes.len() as u64;
                self.state = State::Data { index, position: position + bytes.len() as u64, end, decoder };
                Ok(())
            }
            other => {
                self.state = other;
                Ok(())
            }
        }
    }

    fn head(&mut self, head: &[u8]) -> Result<(), ImportError> {
        if let Some(what) = super::sniff_other(head) {
            return Err(ImportError::UnknownFormat { detail: what.into() });
        }
        if zip::looks_like_zip(head) {
            self.state = State::Tail;
            return Ok(());
        }
        let detected = detect_loose(&self.file_name, head)?;
        self.start_format(detected);
        self.parts = vec![Part { path: self.file_name.clone(), entry: None }];
        self.total_bytes = self.size;
        self.state = State::Begin(0);
        Ok(())
    }

    fn directory(&mut self, bytes: &[u8]) -> Result<(), ImportError> {
        let entries = zip::parse_directory(bytes)?;
        let (detected, chosen) = detect_archive(&self.file_name, &entries)?;
        for entry in &chosen {
            if entry.encrypted {
                return Err(ImportError::UnsupportedArchive { detail: "password protection".into() });
            }
            if entry.method != 0 && entry.method != 8 {
                return Err(ImportError::UnsupportedArchive { detail: format!("compression method {}", entry.method) });
            }
            zip::check_ratio(entry)?;
        }
        self.start_format(detected);
        self.total_bytes = chosen.iter().map(|e| e.compressed_size).sum::<u64>().max(1);
        self.parts = chosen.into_iter().map(|e| Part { path: e.name.clone(), entry: Some(e) }).collect();
        self.state = State::Begin(0);
        Ok(())
    }

    fn start_format(&mut self, detected: Detected) {
        let (format, name, source) = super::new_format(detected, &self.file_name, &self.options, &*self.make_zone);
        self.collector.set_format(name, source);
        self.format = Some(format);
    }

    fn begin(&mut self, index: usize) -> Result<(), ImportError> {
        let Some(part) = self.parts.get(index) else {
            self.state = State::Finish;
            return Ok(());
        };
        let path = part.path.clone();
        let has_entry = part.entry.is_some();
        if let Some(format) = self.format.as_mut() {
            format.begin_file(&path, &mut self.collector)?;
        }
        self.state = if has_entry {
            State::LocalHeader(index)
        } else {
            State::Data { index, position: 0, end: self.size, decoder: None }
        };
        Ok(())
    }

    fn end_part(&mut self) -> Result<(), ImportError> {
        let State::Data { index, decoder, .. } = std::mem::replace(&mut self.state, State::Done) else {
            return Ok(());
        };
        if let Some(d) = decoder {
            d.finish()?;
        }
        if let Some(format) = self.format.as_mut() {
            format.end_file(&mut self.collector)?;
        }
        self.state = State::Begin(index + 1);
        Ok(())
    }

    fn finish_pass(&mut self) -> Result<(), ImportError> {
        let Some(format) = self.format.as_mut() else {
            return Err(ImportError::Empty);
        };
        match format.finish(&mut self.collector)? {
            Finished::Done => self.state = State::Done,
            Finished::AnotherPass => {
                self.done_bytes = 0;
                self.state = State::Begin(0);
            }
        }
        Ok(())
    }

    /// What the import found, once [`Session::next_step`] said [`Step::Done`].
    pub fn finish(self) -> ImportDelta {
        self.collector.finish()
    }
}

/// Runs a whole import over bytes held in memory.
pub fn read_bytes<'k>(
    file_name: &str,
    bytes: &[u8],
    known: Box<dyn CoverageLookup + 'k>,
    options: ImportOptions,
    make_zone: Box<dyn Fn() -> Box<dyn LocalZone>>,
) -> Result<ImportDelta, ImportError> {
    let mut session = Session::new(file_name, bytes.len() as u64, known, options, make_zone)?;
    loop {
        match session.next_step()? {
            Step::Read { start, end } => {
                let start = usize::try_from(start).unwrap_or(usize::MAX).min(bytes.len());
                let end = usize::try_from(end).unwrap_or(usize::MAX).clamp(start, bytes.len());
                session.feed(&bytes[start..end])?;
            }
            Step::Done => return Ok(session.finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::Covered;
    use crate::time::FixedZone;

    struct Nothing;
    impl CoverageLookup for Nothing {
        fn coverage(&self, _: &str) -> Covered {
            Covered::default()
        }
    }

    /// A zip of one deflated entry whose directory declares `declared` as its size.
    fn zip_of(name: &str, data: &[u8], declared: u32) -> Vec<u8> {
        let packed = miniz_oxide::deflate::compress_to_vec(data, 6);
        let crc = crc32fast::hash(data);
        let mut z = Vec::new();
        let header = |z: &mut Vec<u8>, central: bool| {
            z.extend_from_slice(if central { b"PK\x01\x02" } else { b"PK\x03\x04" });
            if central {
                z.extend_from_slice(&20u16.to_le_bytes());
            }
            z.extend_from_slice(&20u16.to_le_bytes());
            z.extend_from_slice(&0u16.to_le_bytes());
            z.extend_from_slice(&8u16.to_le_bytes());
            z.extend_from_slice(&[0; 4]);
            z.extend_from_slice(&crc.to_le_bytes());
            z.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            z.extend_from_slice(&declared.to_le_bytes());
            z.extend_from_slice(&(name.len() as u16).to_le_bytes());
            z.extend_from_slice(&0u16.to_le_bytes());
            if central {
                z.extend_from_slice(&[0; 10]);
                z.extend_from_slice(&0u32.to_le_bytes());
            }
            z.extend_from_slice(name.as_bytes());
        };
        header(&mut z, false);
        z.extend_from_slice(&packed);
        let directory = z.len();
        header(&mut z, true);
        let size = z.len() - directory;
        z.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
        z.extend_from_slice(&(size as u32).to_le_bytes());
        z.extend_from_slice(&(directory as u32).to_le_bytes());
        z.extend_from_slice(&0u16.to_le_bytes());
        z
    }

    fn read(name: &str, bytes: &[u8]) -> Result<ImportDelta, ImportError> {
        read_bytes(name, bytes, Box::new(Nothing), ImportOptions::default(), Box::new(|| Box::new(FixedZone(0))))
    }

    /// Reads `bytes` as a host would, `slice` bytes of file data at a time.
    fn read_in_slices(name: &str, bytes: &[u8], slice: u64) -> Result<ImportDelta, ImportError> {
        let mut session = Session::new(
            name,
            bytes.len() as u64,
            Box::new(Nothing),
            ImportOptions::default(),
            Box::new(|| Box::new(FixedZone(0))),
        )?
        .read_slices_of(slice);
        let mut reads = 0;
        while let Step::Read { start, end } = session.next_step()? {
            assert!(end - start <= slice.max(HEAD_BYTES), "{start}..{end}");
            session.feed(&bytes[start as usize..end as usize])?;
            reads += 1;
        }
        assert!(reads > bytes.len() as u64 / slice.max(HEAD_BYTES), "{reads} reads");
        Ok(session.finish())
    }

    #[test]
    fn small_slices_read_the_same_as_large_ones() {
        let mut text = String::new();
        for i in 0..20_000 {
            let who = ["Ann", "Sam", "Bo Kim"][i % 3];
            text.push_str(&format!("{:02}/03/2020, 10:{:02} - {who}: message {i}\n", 1 + i / 1000, i % 60));
        }
        assert!(text.len() > 600 * 1024, "{}", text.len());
        let whole = read("WhatsApp Chat with Ann.txt", text.as_bytes()).expect("whole");
        for slice in [1, 64 * 1024, 100_000, 256 * 1024] {
            let sliced = read_in_slices("WhatsApp Chat with Ann.txt", text.as_bytes(), slice).expect("sliced");
            assert_eq!(sliced, whole, "slices of {slice}");
        }
        assert_eq!(whole.chats[0].messages, 20_000);
    }

    #[test]
    fn an_entry_that_lies_about_its_size_stops_at_the_declared_size() {
        let mut text = b"01/02/2020, 10:00 - Ann: hi\n".to_vec();
        text.resize(40 * 1024 * 1024, b'a');
        let bomb = zip_of("_chat.txt", &text, 1000);
        assert!(bomb.len() < 200 * 1024, "a small file: {}", bomb.len());
        let err = read("WhatsApp Chat - Ann.zip", &bomb).expect_err("refused");
        assert_eq!(err.name(), "TooLarge", "{err}");
    }

    #[test]
    fn an_entry_that_declares_a_bomb_ratio_is_refused_before_inflating() {
        let zeros = vec![b'0'; 64 * 1024 * 1024];
        let bomb = zip_of("_chat.txt", &zeros, zeros.len() as u32);
        assert!(bomb.len() < 256 * 1024, "{}", bomb.len());
        let err = read("WhatsApp Chat - Ann.zip", &bomb).expect_err("refused");
        assert_eq!(err.name(), "TooLarge", "{err}");
        assert!(err.to_string().contains("times its size"), "{err}");
    }

    #[test]
    fn an_ordinary_zipped_chat_inflates() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!(
                "13/02/2020, 10:{:02} - {}: CANARY-{i}\n",
                i % 60,
                if i % 2 == 0 { "Ann" } else { "Sam" }
            ));
        }
        let zipped = zip_of("_chat.txt", text.as_bytes(), text.len() as u32);
        let delta = read("WhatsApp Chat - Ann.zip", &zipped).expect("reads");
        assert_eq!(delta.chats[0].messages, 2000);
    }
}
