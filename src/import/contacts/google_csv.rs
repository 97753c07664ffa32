//! Google Contacts' CSV export, read with the project's streaming CSV reader.
//!
//! Two headers are known, and the columns are found by name, so their order and number do not
//! matter:
//! - current (contacts.google.com): `First Name, Middle Name, Last Name, Phonetic …, Name
//!   Prefix, Name Suffix, Nickname, File As, Organization Name, …, Notes, Photo, Labels,
//!   E-mail 1 - Label, E-mail 1 - Value, …, Phone 1 - Label, Phone 1 - Value, …, Address 1 - …`;
//! - legacy ("Google CSV" of the old Gmail contacts): `Name, Given Name, Additional Name,
//!   Family Name, Yomi Name, …, Notes, …, Group Membership, E-mail 1 - Type, E-mail 1 - Value,
//!   …, Phone 1 - Type, Phone 1 - Value, …`.
//!
//! One cell may hold several values joined by ` ::: ` (a person's two mobile numbers under one
//! label). Only the name columns and the `E-mail n - Value` / `Phone n - Value` columns are
//! kept; `Notes`, addresses, birthdays and the rest are stepped over by the CSV reader without
//! being copied.
//!
//! The name: current exports give First, Middle and Last Name; legacy ones give `Name` (the
//! display name), else Given, Additional and Family Name. Without any, a nickname, `File As`
//! or the organisation's name (a company's card) stands in.

use crate::error::ImportError;
use crate::import::csv_stream::{CsvError, CsvReader, Record};
use crate::import::event::Sink;

use super::{report, Card, Tally, CSV_NAME};

/// Bytes kept of a name cell.
const CAP_NAME: usize = 256;
/// Bytes kept of a phone or email cell (several values may share one).
const CAP_VALUES: usize = 2048;
/// How several values share one cell (` ::: `; the spaces around it are trimmed).
const SEPARATOR: &str = ":::";

/// Where the kept columns are.
#[derive(Debug, Clone, Default)]
struct Columns {
    /// Name parts joined in this order (First, Middle, Last; or Given, Additional, Family).
    parts: Vec<usize>,
    /// A full display name (legacy `Name`), preferred to the parts.
    full: Option<usize>,
    /// Stand-ins when there is no name: Nickname, File As, Organization Name.
    fallbacks: Vec<usize>,
    emails: Vec<usize>,
    phones: Vec<usize>,
}

impl Columns {
    /// The columns of a Google Contacts header; `None` for any other row.
    fn of_header(record: &Record) -> Option<Columns> {
        let names = record.header_names();
        let col = |name: &str| crate::import::csv_stream::column(&names, name);
        let numbered = |what: &str| -> Vec<usize> {
            // `E-mail 1 - Value`, `Phone 12 - Value`: a prefix, a number, the suffix.
            let prefix = format!("{what} ");
            names
                .iter()
                .enumerate()
                .filter(|(_, n)| {
                    n.strip_prefix(&prefix)
                        .and_then(|rest| rest.strip_suffix(" - VALUE"))
                        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                })
                .map(|(i, _)| i)
                .collect()
        };
        let emails = numbered("E-MAIL");
        let phones = numbered("PHONE");
        let current = matches!((col("FIRST NAME"), col("LAST NAME")), (Some(_), Some(_)))
            && (col("MIDDLE NAME").is_some() || col("FILE AS").is_some());
        let legacy = col("NAME").is_some() && col("GIVEN NAME").is_some() && col("FAMILY NAME").is_some();
        if !(current || legacy) || (emails.is_empty() && phones.is_empty() && col("FILE AS").is_none()) {
            // First Name and Last Name alone are in many CSVs (LinkedIn's Profile.csv): Google's
            // need its numbered value columns (or its own `File As`) beside them.
            return None;
        }
        let parts = if current {
            ["FIRST NAME", "MIDDLE NAME", "LAST NAME"].iter().filter_map(|n| col(n)).collect()
        } else {
            ["GIVEN NAME", "ADDITIONAL NAME", "FAMILY NAME"].iter().filter_map(|n| col(n)).collect()
        };
        let full = if legacy && !current { col("NAME") } else { None };
        let fallbacks = ["NICKNAME", "FILE AS", "ORGANIZATION NAME", "ORGANIZATION 1 - NAME"]
            .iter()
            .filter_map(|n| col(n))
            .collect();
        Some(Columns { parts, full, fallbacks, emails, phones })
    }

    fn kept(&self) -> Vec<(usize, usize)> {
        let names = self.parts.iter().chain(self.full.iter()).chain(self.fallbacks.iter());
        let values = self.emails.iter().chain(self.phones.iter());
        names.map(|&c| (c, CAP_NAME)).chain(values.map(|&c| (c, CAP_VALUES))).collect()
    }
}

/// Whether a file's first bytes start with a Google Contacts header row. A head cut inside
/// the header row makes no claim.
pub fn looks_like(head: &[u8]) -> bool {
    let mut reader = CsvReader::new();
    let mut on_record = |record: &mut Record| -> Result<(), bool> { Err(Columns::of_header(record).is_some()) };
    matches!(reader.push(head, &mut on_record), Err(true))
}

/// Reads one Google Contacts CSV file.
pub(crate) struct GoogleCsvReader {
    reader: CsvReader,
    columns: Option<Columns>,
    tally: Tally,
}

fn not_google() -> ImportError {
    ImportError::UnknownFormat { detail: "it is a CSV file without Google Contacts' columns".into() }
}

impl GoogleCsvReader {
    pub(crate) fn new() -> Self {
        GoogleCsvReader { reader: CsvReader::new(), columns: None, tally: Tally::default() }
    }

    pub(crate) fn push(&mut self, chunk: &[u8], sink: &mut dyn Sink) -> Result<(), ImportError> {
        let mut reader = std::mem::take(&mut self.reader);
        let result = reader.push(chunk, &mut |record| self.record(record, sink));
        self.reader = reader;
        result
    }

    pub(crate) fn finish(&mut self, sink: &mut dyn Sink) -> Result<Tally, ImportError> {
        let mut reader = std::mem::take(&mut self.reader);
        let header_seen = self.columns.is_some();
        let result = reader.finish(&mut |record| self.record(record, sink), |e: CsvError| {
            if header_seen {
                ImportError::Malformed { format: CSV_NAME, detail: e.detail() }
            } else {
                not_google()
            }
        });
        self.reader = reader;
        result?;
        if self.columns.is_none() {
            return Err(not_google());
        }
        Ok(std::mem::take(&mut self.tally))
    }

    fn record(&mut self, record: &mut Record, sink: &mut dyn Sink) -> Result<(), ImportError> {
        let Some(columns) = &self.columns else {
            // The header is the first row of Google's files; anything else is another CSV.
            let columns = Columns::of_header(record).ok_or_else(not_google)?;
            record.keep_only(&columns.kept());
            self.columns = Some(columns);
            return Ok(());
        };
        let text = |i: usize| record.text(i).map(|t| t.trim().to_string()).unwrap_or_default();
        let join =
            |cols: &[usize]| cols.iter().map(|&c| text(c)).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(" ");
        let mut name = columns.full.map(text).unwrap_or_default();
        if name.is_empty() {
            name = join(&columns.parts);
        }
        if name.is_empty() {
            name = columns.fallbacks.iter().map(|&c| text(c)).find(|t| !t.is_empty()).unwrap_or_default();
        }
        let mut card = Card { name, ..Card::default() };
        for (cols, is_email) in [(&columns.emails, true), (&columns.phones, false)] {
            for &c in cols {
                let cell = text(c);
                let mut values: Vec<&str> = cell.split(SEPARATOR).collect();
                if record.is_truncated(c) {
                    // The cap cut the cell: its last value may be partial.
                    values.pop();
                    self.tally.too_long += 1;
                }
                for value in values {
                    if is_email {
                        card.add_email(value);
                    } else {
                        card.add_phone(value);
                    }
                }
            }
        }
        report(card, &mut self.tally, sink);
        Ok(())
    }
}
