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
                "kith cannot read this file: {detail}. Pick a chat export: WhatsApp (.txt or .zip), Telegram (result.json), Facebook or Instagram (the JSON download), LinkedIn (the export .zip or messages.csv), or mail (.mbox)."
            ),
            ImportError::CorruptArchive { detail } => write!(
                f,
                "The zip archive is damaged ({detail}). Export the chat again, or unzip it and pick the .txt inside."
            ),
            ImportError::NoChatInArchive => write!(
                f,
                "The zip archive holds no export kith reads (a WhatsApp chat .txt, Facebook or Instagram message threads in JSON, LinkedIn's messages.csv, a Telegram result.json or an .mbox). Pick the archive the app made."
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
