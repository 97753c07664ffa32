//! Importing exports: one [`event::Format`] per source format, recognised by content; one
//! step-by-step [`container`] reader for loose files and archives, used by `importFile` and
//! `importBlob` alike; and the [`collect`] sink that turns events into aggregates.
//!
//! Message text lives only inside a format's parser while a record is looked at; what leaves
//! this module is counts, times and handles.

pub mod collect;
pub mod contacts;
pub mod container;
pub mod csv_stream;
pub mod dates;
pub mod event;
pub mod json_stream;
pub mod linkedin;
pub mod mbox;
pub mod meta;
pub mod telegram;
pub mod whatsapp;
pub mod zip;

use chrono::NaiveDate;

use crate::error::ImportError;
use crate::model::Source;
use crate::time::LocalZone;
pub use collect::{ChatDelta, CoverageLookup, ImportDelta};
use dates::DateOrder;
use event::{Format, FormatContext};
pub use whatsapp::export::chat_title;

/// Choices the user (or the host) makes for an import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Day/month order to assume when a file's dates could be read either way (the user's
    /// locale decides this in the browser: `en-US` reads month first).
    pub date_order_fallback: DateOrder,
    /// Today's date, for exports whose dates carry no year.
    pub today: NaiveDate,
    /// Identity keys ([`crate::identity::contact_key`]) of chats and people not to read: a chat
    /// with such a title is skipped unread, and such a person's messages are dropped before
    /// any counting.
    pub exclude: Vec<String>,
    /// Names, phones and emails the user said are theirs, as given.
    pub owner: Vec<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            date_order_fallback: DateOrder::DayMonth,
            today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            exclude: Vec::new(),
            owner: Vec::new(),
        }
    }
}

/// Names the kind of a file that is plainly not a chat export, from its first bytes.
pub fn sniff_other(head: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 7] = [
        (b"\x89PNG", "it is a PNG image"),
        (b"\xFF\xD8\xFF", "it is a JPEG image"),
        (b"%PDF", "it is a PDF document"),
        (b"\x1F\x8B", "it is gzip-compressed"),
        (b"GIF8", "it is a GIF image"),
        (b"Rar!", "it is a RAR archive"),
        (b"7z\xBC\xAF", "it is a 7-Zip archive"),
    ];
    MAGIC.iter().find(|(magic, _)| head.starts_with(magic)).map(|&(_, what)| what)
}

/// A format recognised in a loose file or an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A WhatsApp chat export.
    WhatsApp,
    /// Messenger or Instagram threads ("Download your information", JSON).
    Meta {
        /// Whether the download is Instagram's (by its paths or name).
        instagram: bool,
    },
    /// A LinkedIn data export.
    LinkedIn,
    /// A Telegram Desktop JSON export (`result.json`, full or one chat).
    Telegram,
    /// Mail: a Google Takeout `.mbox`, or any mbox.
    Mbox,
    /// A contacts file: vCard, or Google Contacts CSV.
    Contacts {
        /// Whether it is (or the archive's contacts files are) CSV rather than vCard.
        csv: bool,
    },
}

/// Whether a file or archive name says Instagram ("instagram-sam-2024….zip").
fn named_instagram(file_name: &str) -> bool {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    base.to_lowercase().starts_with("instagram")
}

/// Recognises a loose file by its first bytes; the name only breaks ties. A file that is none
/// of the structured formats is tried as WhatsApp text, whose parser says `UnknownFormat` when
/// no line looks like a message.
pub fn detect_loose(file_name: &str, head: &[u8]) -> Result<Detected, ImportError> {
    if meta::looks_like_html(head) {
        return Err(ImportError::HtmlExport);
    }
    if telegram::looks_like(file_name, head) {
        return Ok(Detected::Telegram);
    }
    if meta::looks_like(file_name, head) {
        return Ok(Detected::Meta { instagram: named_instagram(file_name) });
    }
    if linkedin::looks_like(file_name, head) {
        return Ok(Detected::LinkedIn);
    }
    if mbox::looks_like(file_name, head) {
        return Ok(Detected::Mbox);
    }
    if let Some(csv) = contacts::looks_like(head) {
        return Ok(Detected::Contacts { csv });
    }
    let first = head.iter().copied().find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    if first == Some(b'{') {
        return Err(ImportError::UnknownFormat {
            detail: "it is JSON, but not a Telegram, Messenger or Instagram export".into(),
        });
    }
    Ok(Detected::WhatsApp)
}

/// Recognises an archive by its entries, and picks the entries to read: a Facebook or
/// Instagram download's thread files, a LinkedIn export's CSVs, mail, a Telegram export, a
/// WhatsApp chat, or — when the archive holds none of those — contacts files (a Google Takeout
/// of Contacts). A WhatsApp zip may carry shared contact cards (`.vcf`) beside its chat: the
/// chat wins.
pub fn detect_archive(file_name: &str, entries: &[zip::Entry]) -> Result<(Detected, Vec<zip::Entry>), ImportError> {
    let pick = |wants: fn(&str) -> bool| -> Vec<zip::Entry> {
        let mut chosen: Vec<zip::Entry> = entries.iter().filter(|e| wants(&e.name)).cloned().collect();
        crate::sort::sort_by(&mut chosen, |a, b| a.name < b.name);
        chosen
    };
    let threads = pick(meta::wants_entry);
    if !threads.is_empty() {
        let instagram =
            named_instagram(file_name) || threads.iter().any(|e| e.name.contains("your_instagram_activity/"));
        return Ok((Detected::Meta { instagram }, threads));
    }
    if entries.iter().any(|e| meta::is_html_thread(&e.name)) {
        return Err(ImportError::HtmlExport);
    }
    let linkedin_files = pick(linkedin::wants_entry);
    if linkedin_files.iter().any(|e| {
        let base = e.name.rsplit('/').next().unwrap_or("").to_lowercase();
        base == "messages.csv" || base == "connections.csv"
    }) {
        return Ok((Detected::LinkedIn, linkedin_files));
    }
    let mail = pick(|path| path.to_lowercase().ends_with(".mbox"));
    if !mail.is_empty() {
        return Ok((Detected::Mbox, mail));
    }
    let telegram_files = pick(telegram::wants_entry);
    if !telegram_files.is_empty() {
        return Ok((Detected::Telegram, telegram_files));
    }
    let contact_files = pick(contacts::wants_entry);
    match zip::chat_entry(entries) {
        Ok(entry) => Ok((Detected::WhatsApp, vec![entry.clone()])),
        Err(ImportError::NoChatInArchive) if !contact_files.is_empty() => {
            let csv = !contact_files.iter().any(|e| !e.name.to_lowercase().ends_with(".csv"));
            Ok((Detected::Contacts { csv }, contact_files))
        }
        Err(e) => Err(e),
    }
}

/// The parser for a detected format, the format's report name and its default source.
pub(crate) fn new_format(
    detected: Detected,
    file_name: &str,
    options: &ImportOptions,
    make_zone: &dyn Fn() -> Box<dyn LocalZone>,
) -> (Box<dyn Format>, &'static str, Source) {
    let ctx = FormatContext {
        file_name: file_name.to_string(),
        zone: make_zone(),
        today: options.today,
        owner: options.owner.clone(),
    };
    match detected {
        Detected::WhatsApp => (
            Box::new(whatsapp::export::WhatsAppFormat::new(ctx, options.date_order_fallback)),
            "whatsapp",
            Source::WhatsApp,
        ),
        Detected::Meta { instagram: true } => (Box::new(meta::MetaFormat::new(ctx)), "instagram", Source::Instagram),
        Detected::Meta { instagram: false } => (Box::new(meta::MetaFormat::new(ctx)), "messenger", Source::Messenger),
        Detected::LinkedIn => (Box::new(linkedin::LinkedInFormat::new(ctx)), "linkedin", Source::LinkedIn),
        Detected::Telegram => (Box::new(telegram::TelegramFormat::new(ctx)), "telegram", Source::Telegram),
        Detected::Mbox => (Box::new(mbox::MboxFormat::new(ctx)), "mbox", Source::Email),
        Detected::Contacts { csv: false } => (Box::new(contacts::ContactsFormat::new(ctx)), "vcard", Source::Contacts),
        Detected::Contacts { csv: true } => {
            (Box::new(contacts::ContactsFormat::new(ctx)), "googleCsv", Source::Contacts)
        }
    }
}

/// Imports a whole file held in memory (any format kith reads, loose or zipped).
pub fn import_bytes(
    file_name: &str,
    bytes: &[u8],
    make_zone: Box<dyn Fn() -> Box<dyn LocalZone>>,
    options: ImportOptions,
    known: &dyn CoverageLookup,
) -> Result<ImportDelta, ImportError> {
    container::read_bytes(file_name, bytes, Box::new(known), options, make_zone)
}
