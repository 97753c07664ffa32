//! # kith — relationship stats from your own chats, computed on your device
//!
//! kith reads chat exports (WhatsApp today) and turns them into per-contact interaction stats:
//! when you last wrote to someone, when they last wrote to you, how often you talk, who is
//! waiting for your reply. The core is pure Rust with no browser dependency; the `wasm` module
//! (compiled for `wasm32` only) wraps it as the `Kith` class for JavaScript.
//!
//! Privacy is structural: parsers look at message text only to find headers and authors, and
//! nothing they emit has a field that could hold it ([`model::Kind`], [`stats::AuthorStats`]).
//!
//! ```
//! use kith::{Engine, FixedZone, ImportOptions};
//! let mut engine = Engine::new(&["Me".to_string()]);
//! let chat = "18/03/2022, 14:56 - Ann: hi\n18/03/2022, 15:01 - Me: hello\n";
//! let report = engine
//!     .import_bytes("WhatsApp Chat with Ann.txt", chat.as_bytes(), Box::new(FixedZone(0)), ImportOptions::default())
//!     .expect("a valid export");
//! assert_eq!(report.messages, 2);
//! let ann = &engine.contacts(0)[0];
//! assert_eq!((ann.sent_count, ann.received_count), (1, 1));
//! ```

pub mod absorb;
pub mod coverage;
mod crc32;
pub mod decide;
pub mod engine;
pub mod error;
mod fast_hash;
pub mod identity;
pub mod import;
pub mod json;
pub mod keep;
pub mod merge;
pub mod model;
pub mod months;
pub mod phone;
mod sort;
pub mod stats;
pub mod store;
pub mod sync;
pub mod time;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use absorb::AbsorbReport;
pub use decide::{Applied, Correction, DecisionView, PhoneCountry, SuggestionView};
pub use engine::Engine;
pub use error::{IdentityError, ImportError};
pub use import::dates::DateOrder;
pub use import::whatsapp::live::{IngestReport, LiveEvent};
pub use import::ImportOptions;
pub use model::{Contact, ImportReport, Kind, Source, WaitingOn};
pub use time::{FixedZone, LocalZone};
