//! Contacts files: vCard (2.1, 3.0, 4.0; Android, Gmail, iPhone exports) and Google Contacts
//! CSV (the current and the legacy header), loose or in a Google Takeout zip.
//!
//! A contacts file names people; it holds no conversation. Each card or row becomes one
//! handle of kind [`HandleKind::Contacts`] and one [`PersonDetails`] with every phone and email
//! as given (the engine normalises them and merges the person with the other sources' handles
//! that share a phone or an email). No chats, no events.
//!
//! The handle id must be the same every time the same file is imported, and two different
//! people who share a name must not become one: it is the cleaned full name, then ` <first
//! email>` or, without an email, ` <first phone>` (its digits and `+` only), as in `Ann Lee
//! <ann@example.com>`. A card without a name is known by its first email or phone alone; a card
//! with none of the three is skipped and counted ([`Skip::EmptyCards`]).
//!
//! Privacy: only names, phones and emails leave the parser. Notes, addresses, birthdays,
//! photos, organisations' details and every other field are stepped over without being held
//! (the vCard reader drops their bytes as they stream past; the CSV reader skips their
//! columns), so they reach no handle, name, warning or error.
//!
//! Each file's kind is decided by its first bytes, not its name: `BEGIN:VCARD` (after an
//! optional byte-order mark and white space) is a vCard file, anything else is read as CSV and
//! must start with a Google Contacts header.

mod google_csv;
mod vcard;

use crate::error::ImportError;
use crate::identity::clean_name;
use crate::import::event::{Finished, Format, FormatContext, HandleKind, PersonDetails, Sink, Skip};

/// The format's names in errors, as people know them.
const VCARD_NAME: &str = "vCard contacts file";
const CSV_NAME: &str = "Google Contacts CSV";

/// Phones and emails kept per card: a real card has a handful; a hostile one cannot grow
/// memory beyond this.
const MAX_VALUES: usize = 64;

/// Bytes looked at, at most, before a file's kind is decided (leading blank lines).
const SNIFF_LIMIT: usize = 4096;

/// One card or row: what a contacts file says about one person, before it is reported.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    /// The full name, as the file gives it (cleaned when reported).
    pub name: String,
    /// Phone numbers as given.
    pub phones: Vec<String>,
    /// Email addresses as given.
    pub emails: Vec<String>,
}

impl Card {
    /// Adds a phone as given, trimmed; empty values and values past [`MAX_VALUES`] are dropped.
    pub fn add_phone(&mut self, phone: &str) {
        let phone = phone.trim();
        if !phone.is_empty() && self.phones.len() < MAX_VALUES {
            self.phones.push(phone.to_string());
        }
    }

    /// Adds an email as given, trimmed, without a `mailto:` prefix.
    pub fn add_email(&mut self, email: &str) {
        let email = email.trim();
        let email = match email.get(..7) {
            Some(p) if p.eq_ignore_ascii_case("mailto:") => email[7..].trim(),
            _ => email,
        };
        if !email.is_empty() && self.emails.len() < MAX_VALUES {
            self.emails.push(email.to_string());
        }
    }
}

/// A name as shown: cleaned ([`clean_name`]) and with runs of white space made one space.
pub(crate) fn tidy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for word in clean_name(&raw.replace(['\n', '\r', '\t'], " ")).split(' ').filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A phone's digits and `+` only, for the handle id; `None` when it has no digit.
fn phone_key(phone: &str) -> Option<String> {
    let key: String = phone.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
    key.bytes().any(|b| b.is_ascii_digit()).then_some(key)
}

/// The handle id and display name of a card (see the module docs); `None` for an empty card.
pub(crate) fn identity(card: &Card) -> Option<(String, String)> {
    let name = tidy(&card.name);
    let address = card.emails.first().cloned().or_else(|| card.phones.iter().find_map(|p| phone_key(p)));
    match (name.is_empty(), address) {
        (false, Some(address)) => Some((format!("{name} <{address}>"), name)),
        (false, None) => Some((name.clone(), name)),
        (true, Some(address)) => Some((address.clone(), address)),
        (true, None) => None,
    }
}

/// What is known of the file being read, and how it is being read.
enum FileReader {
    /// Its kind is not known yet: the bytes seen so far.
    Sniffing(Vec<u8>),
    Vcard(Box<vcard::VcardReader>),
    Csv(Box<google_csv::GoogleCsvReader>),
}

/// What one file held, for the report and the end-of-import checks.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    /// Cards or rows reported as people.
    pub people: u32,
    /// Cards or rows with no name, phone or email.
    pub empty: u32,
    /// vCard: cards that began and never ended (the file was cut short).
    pub truncated: u32,
    /// Names, phones or emails absurdly long, skipped.
    pub too_long: u32,
}

/// The contacts-file parser (see the module docs).
pub struct ContactsFormat {
    file: FileReader,
    /// The kind of the file being read, once known.
    csv: Option<bool>,
    total: Tally,
    /// Some file had bytes other than white space.
    saw_content: bool,
}

impl ContactsFormat {
    /// A parser for one import. Contacts carry no times and no owner, so the context is not
    /// needed.
    pub fn new(ctx: FormatContext) -> Self {
        let _ = ctx;
        ContactsFormat {
            file: FileReader::Sniffing(Vec::new()),
            csv: None,
            total: Tally::default(),
            saw_content: false,
        }
    }

    /// Decides the file's kind from `head` (what was buffered) and starts its reader.
    fn start(&mut self, head: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        if looks_like_vcard(head) {
            self.csv = Some(false);
            let mut reader = Box::new(vcard::VcardReader::new());
            reader.push(head, sink);
            self.file = FileReader::Vcard(reader);
        } else {
            self.csv = Some(true);
            let mut reader = Box::new(google_csv::GoogleCsvReader::new());
            reader.push(head, sink)?;
            self.file = FileReader::Csv(reader);
        }
        Ok(())
    }
}

/// Whether the bytes, after an optional byte-order mark and white space, begin a vCard. Needs
/// the whole `BEGIN:VCARD` (case aside) to say yes.
pub fn looks_like_vcard(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    head[start..].get(..11).is_some_and(|b| b.eq_ignore_ascii_case(b"BEGIN:VCARD"))
}

/// Whether `head` is enough to decide a file's kind: false while more bytes could change the
/// answer.
fn decided(head: &[u8]) -> bool {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.len() < 3 && b"\xEF\xBB\xBF".starts_with(head) {
        return false;
    }
    match body.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(start) => body.len() - start >= 11 || head.len() >= SNIFF_LIMIT,
        None => head.len() >= SNIFF_LIMIT,
    }
}

/// Whether a loose file is a contacts file, from its first bytes: a vCard, or a CSV whose
/// header row has Google Contacts' columns. Returns `Some(true)` for CSV, `Some(false)` for a
/// vCard, `None` for anything else.
pub fn looks_like(head: &[u8]) -> Option<bool> {
    if looks_like_vcard(head) {
        return Some(false);
    }
    google_csv::looks_like(head).then_some(true)
}

/// Whether an archive entry is a contacts file to read: a `.vcf` (or `.vcard`) anywhere, or a
/// `.csv` in a folder named for contacts (Takeout's `Takeout/Contacts/<label>/<label>.csv`), so
/// that an archive of unrelated spreadsheets is not taken for contacts.
pub fn wants_entry(path: &str) -> bool {
    let lower = path.to_lowercase();
    if lower.ends_with('/') {
        return false;
    }
    if lower.ends_with(".vcf") || lower.ends_with(".vcard") {
        return true;
    }
    lower.ends_with(".csv") && lower.split(['/', '\\']).rev().skip(1).any(|folder| folder.contains("contacts"))
}

/// Reports one card: its handle and its details; counts an empty one.
pub(crate) fn report(card: Card, tally: &mut Tally, sink: &mut dyn Sink) {
    let Some((id, name)) = identity(&card) else {
        tally.empty += 1;
        return;
    };
    let handle = sink.handle(HandleKind::Contacts, &id, &name);
    sink.person(handle, PersonDetails { phones: card.phones.clone(), emails: card.emails.clone(), connected_at: None });
    tally.people += 1;
}

impl Format for ContactsFormat {
    fn begin_file(&mut self, _path: &str, _sink: &mut dyn Sink) -> Result<(), ImportError> {
        self.file = FileReader::Sniffing(Vec::new());
        self.csv = None;
        Ok(())
    }

    fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        match &mut self.file {
            FileReader::Sniffing(seen) => {
                // Never past the limit, so the decision does not depend on the chunking.
                let room = SNIFF_LIMIT.saturating_sub(seen.len());
                let take = chunk.len().min(room);
                seen.extend_from_slice(&chunk[..take]);
                if !decided(seen) {
                    return Ok(());
                }
                let head = std::mem::take(seen);
                self.start(&head, sink)?;
                self.push(&chunk[take..], sink)
            }
            FileReader::Vcard(reader) => {
                reader.push(chunk, sink);
                Ok(())
            }
            FileReader::Csv(reader) => reader.push(chunk, sink),
        }
    }

    fn end_file(&mut self, sink: &mut dyn Sink) -> Result<(), ImportError> {
        if let FileReader::Sniffing(seen) = &mut self.file {
            let head = std::mem::take(seen);
            let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
            if body.iter().all(|b| b.is_ascii_whitespace()) {
                // An empty file (Takeout writes one for an empty label): nothing to read.
                return Ok(());
            }
            self.start(&head, sink)?;
        }
        let tally = match std::mem::replace(&mut self.file, FileReader::Sniffing(Vec::new())) {
            FileReader::Vcard(mut reader) => reader.finish(sink),
            FileReader::Csv(mut reader) => reader.finish(sink)?,
            FileReader::Sniffing(_) => Tally::default(),
        };
        self.saw_content = true;
        if tally.empty > 0 {
            sink.skipped(Skip::EmptyCards, tally.empty);
        }
        if tally.truncated > 0 {
            sink.skipped(Skip::Unreadable, tally.truncated);
            sink.warn(format!(
                "{} contact card(s) began but never ended (the file looks cut short) and were skipped.",
                tally.truncated
            ));
        }
        if tally.too_long > 0 {
            sink.warn(format!(
                "{} name(s), phone number(s) or email address(es) too long to be real were skipped.",
                tally.too_long
            ));
        }
        self.total.people += tally.people;
        self.total.empty += tally.empty;
        self.total.truncated += tally.truncated;
        self.total.too_long += tally.too_long;
        Ok(())
    }

    fn finish(&mut self, _sink: &mut dyn Sink) -> Result<Finished, ImportError> {
        let total = self.total;
        if !self.saw_content || total.people + total.empty + total.truncated == 0 {
            return Err(ImportError::Empty);
        }
        if total.people + total.empty == 0 {
            // Nothing but a card cut short: the file is damaged, not a list of nobody.
            return Err(ImportError::Malformed {
                format: VCARD_NAME,
                detail: "it ends inside its first card; the file looks cut short".into(),
            });
        }
        Ok(Finished::Done)
    }
}

#[cfg(test)]
mod tests;
