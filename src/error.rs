//! Typed import errors. Each variant has a stable [`ImportError::name`] that crosses the wasm
//! boundary as the JS `Error.name`, and a message a person can act on.
//!
//! Privacy (P1): no variant carries message text. The only free text in an error is the file
//! name the user chose and fixed wording from this module.

use std::fmt;

/// Why an import failed. A failed import leaves the engine unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The file is empty (zero bytes, or only blank lines).
    Empty,
    /// The bytes are not a format kith reads; `detail` says what they looked like.
    UnknownFormat {
        /// A short description of what was found instead (never file contents).
        detail: String,
    },
    /// A zip archive is damaged or truncated.
    CorruptArchive {
        /// What is wrong with the archive structure.
        detail: String,
    },
    /// A zip archive holds no chat text file.
    NoChatInArchive,
    /// The archive uses a feature kith does not read (encryption, an unknown compression).
    UnsupportedArchive {
        /// Which feature.
        detail: String,
    },
    /// Another import is still running on this engine.
    Busy,
    /// The caller cancelled the import.
    Aborted,
    /// Reading the file failed in the host (browser) before kith saw the bytes.
    ReadFailed {
        /// The host's reason.
        detail: String,
    },
    /// The file is of a format kith reads, but damaged or cut short (truncated JSON, a CSV
    /// row that never ends).
    Malformed {
        /// The format's name as people know it: "Telegram export", "LinkedIn messages.csv"…
        format: &'static str,
        /// What is wrong, in structural terms (never file contents).
        detail: String,
    },
    /// The file is of a format kith reads but holds no conversation (a Telegram export made
    /// without "Personal chats", an archive of Facebook data without messages).
    NoConversations {
        /// The format's name as people know it.
        format: &'static str,
    },
    /// A Facebook or Instagram download in HTML, which kith does not read.
    HtmlExport,
    /// An archive entry inflates beyond its declared size or beyond a sane ratio (a zip bomb).
    TooLarge {
        /// What exceeded which limit.
        detail: String,
    },
}

impl ImportError {
    /// Stable machine-readable name, used as the JS `Error.name`.
    pub fn name(&self) -> &'static str {
        match self {
            ImportError::Empty => "Empty",
            ImportError::UnknownFormat { .. } => "UnknownFormat",
            ImportError::CorruptArchive { .. } => "CorruptArchive",
            ImportError::NoChatInArchive => "NoChatInArchive",
            ImportError::UnsupportedArchive { .. } => "UnsupportedArchive",
            ImportError::Busy => "Busy",
            ImportError::Aborted => "Aborted",
            ImportError::ReadFailed { .. } => "ReadFailed",
            ImportError::Malformed { .. } => "Malformed",
            ImportError::NoConversations { .. } => "NoConversations",
            ImportError::HtmlExport => "HtmlExport",
            ImportError::TooLarge { .. } => "TooLarge",
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Empty => write!(
                f,
                "The file is empty. Export it again from the app (WhatsApp: More > Export chat; Telegram Desktop: Export chat history as JSON) and pick the new file."
            ),
            ImportError::UnknownFormat { detail } => write!(
                f,
                "kith cannot read this file: {detail}. Pick a chat export: WhatsApp (.txt or .zip), Telegram (result.json), Facebook or Instagram (the JSON download), LinkedIn (the export .zip or messages.csv), mail (.mbox), or a contacts file (.vcf, or Google Contacts .csv)."
            ),
            ImportError::CorruptArchive { detail } => write!(
                f,
                "The zip archive is damaged ({detail}). Export the chat again, or unzip it and pick the .txt inside."
            ),
            ImportError::NoChatInArchive => write!(
                f,
                "The zip archive holds no export kith reads (a WhatsApp chat .txt, Facebook or Instagram message threads in JSON, LinkedIn's messages.csv, a Telegram result.json, an .mbox, or a contacts .vcf or .csv). Pick the archive the app made."
            ),
            ImportError::UnsupportedArchive { detail } => write!(
                f,
                "The zip archive uses {detail}, which kith does not read. Unzip it and pick the .txt inside."
            ),
            ImportError::Busy => write!(
                f,
                "Another import is still running. Wait for it to finish, then try again."
            ),
            ImportError::Aborted => write!(f, "The import was cancelled; nothing was changed."),
            ImportError::ReadFailed { detail } => write!(
                f,
                "The browser could not read the file ({detail}). Check that it still exists and pick it again."
            ),
            ImportError::Malformed { format, detail } => write!(
                f,
                "This {format} is damaged ({detail}). Download the export again and pick the new file; nothing was changed."
            ),
            ImportError::NoConversations { format } => write!(
                f,
                "This {format} holds no conversations. Export again with messages (or chats) selected."
            ),
            ImportError::HtmlExport => write!(
                f,
                "This is a Facebook or Instagram download in HTML. kith reads the JSON format: in \"Download your information\", choose Format: JSON, then pick the new file."
            ),
            ImportError::TooLarge { detail } => write!(
                f,
                "The archive is not a real export: {detail}. Nothing was changed; unzip it yourself and pick the chat file inside."
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// Why a decision about who is who (merge, split, correct, undo) could not be made. The
/// engine is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// No contact has this id now (it may have been merged into another since the list was
    /// drawn).
    UnknownContact,
    /// The suggestion no longer stands (its people changed since it was made).
    UnknownSuggestion,
    /// The contact has no such handle.
    UnknownHandle,
    /// No decision has this number, or there is nothing to undo.
    UnknownDecision,
    /// The two are already one contact.
    SameContact,
    /// The contact is one handle: there is nothing to split off.
    NothingToSplit,
    /// Not a phone number kith can read; `needs_country` when it would be, with a country.
    InvalidPhone {
        /// Whether it is a national number and no default country is set.
        needs_country: bool,
    },
    /// Not an email address.
    InvalidEmail,
    /// The contact does not have this phone or address.
    NotTheirs,
    /// A name must have a visible character.
    EmptyName,
    /// Not a country kith knows (an ISO 3166 two-letter code, like `GB`).
    UnknownCountry,
    /// A keep-in-touch goal is a whole number of days from 1 to 3,650.
    InvalidGoal,
    /// A snooze ends in the future, within ten years.
    InvalidSnooze,
    /// The decision was made on another device of the account: it is undone there.
    MadeOnAnotherDevice,
}

impl IdentityError {
    /// Stable machine-readable name, used as the JS `Error.name`.
    pub fn name(&self) -> &'static str {
        match self {
            IdentityError::UnknownContact => "UnknownContact",
            IdentityError::UnknownSuggestion => "UnknownSuggestion",
            IdentityError::UnknownHandle => "UnknownHandle",
            IdentityError::UnknownDecision => "UnknownDecision",
            IdentityError::SameContact => "SameContact",
            IdentityError::NothingToSplit => "NothingToSplit",
            IdentityError::InvalidPhone { .. } => "InvalidPhone",
            IdentityError::InvalidEmail => "InvalidEmail",
            IdentityError::NotTheirs => "NotTheirs",
            IdentityError::EmptyName => "EmptyName",
            IdentityError::UnknownCountry => "UnknownCountry",
            IdentityError::InvalidGoal => "InvalidGoal",
            IdentityError::InvalidSnooze => "InvalidSnooze",
            IdentityError::MadeOnAnotherDevice => "MadeOnAnotherDevice",
        }
    }
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentityError::UnknownContact => "That contact has changed since the list was shown (it may have been merged). Reload the list and try again.",
            IdentityError::UnknownSuggestion => "That suggestion no longer applies: the people in it have changed. Reload the list of possible duplicates.",
            IdentityError::UnknownHandle => "That contact has no such handle. Reload the contact and try again.",
            IdentityError::UnknownDecision => "There is no such change to undo.",
            IdentityError::SameContact => "These are already one contact.",
            IdentityError::NothingToSplit => "This contact is known by one handle only, so there is nothing to split off.",
            IdentityError::InvalidPhone { needs_country: true } => "This number has no country code. Write it with one (+44 …), or set your country in kith's options.",
            IdentityError::InvalidPhone { needs_country: false } => "This is not a phone number kith can read. Write it with its country code, like +44 7700 900123.",
            IdentityError::InvalidEmail => "This is not an email address. Write it like ann@example.com.",
            IdentityError::NotTheirs => "This contact does not have that phone number or address.",
            IdentityError::EmptyName => "A name needs at least one visible character.",
            IdentityError::UnknownCountry => "kith does not know this country. Use its two-letter code, like GB or US.",
            IdentityError::InvalidGoal => "A goal is a number of days from 1 to 3650 (ten years).",
            IdentityError::InvalidSnooze => "A snooze has to end in the future, within ten years. Pick another date.",
            IdentityError::MadeOnAnotherDevice => "This change was made on another of your devices. Undo it there; it then leaves this device at the next sync.",
        })
    }
}

impl std::error::Error for IdentityError {}
