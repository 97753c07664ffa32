//! Recognising a Telegram Desktop export from its first bytes, and its entries in an archive.

use crate::import::json_stream::{Flow, Token, Tokenizer};

/// Top-level keys of a full export that only Telegram writes together.
const FULL_EXPORT_KEYS: [&str; 3] = ["personal_information", "chats", "left_chats"];

/// Every top-level key a full export has been seen with.
const ROOT_KEYS: [&str; 10] = [
    "personal_information",
    "profile_pictures",
    "stories",
    "contacts",
    "frequent_contacts",
    "chats",
    "left_chats",
    "other_data",
    "sessions",
    "web_sessions",
];

/// Keys of Meta's (Messenger, Instagram) JSON: such a file is never Telegram's.
const META_KEYS: [&[u8]; 2] = [b"\"participants\"", b"\"sender_name\""];

/// How many top-level keys detection looks at.
const KEYS_LOOKED_AT: usize = 8;

/// Whether `head` (the first up to 64 KiB of a loose file) is a Telegram Desktop JSON export:
/// an object whose first keys are a full export's (`about`, `personal_information`, `chats`)
/// or a single chat's (`type` being a Telegram chat type, with `id` or `messages`). The file
/// name is not needed: a renamed `result.json` is still recognised.
pub fn looks_like(_file_name: &str, head: &[u8]) -> bool {
    if META_KEYS.iter().any(|k| contains(head, k)) {
        return false;
    }
    let mut keys: Vec<String> = Vec::new();
    let mut started = false;
    let mut is_object = false;
    let mut reading_type = false;
    let mut chat_type = false;
    let mut tok = Tokenizer::new(64);
    let read = tok.push(head, &mut |t| {
        if !started {
            started = true;
            is_object = t == Token::BeginObject;
            return if is_object { Flow::Continue } else { Flow::Skip };
        }
        match t {
            Token::Key(k) => {
                if keys.len() < KEYS_LOOKED_AT {
                    keys.push(k.to_string());
                }
                // Only a chat's `type` is looked at; every other value is passed over.
                reading_type = k == "type";
                if reading_type {
                    Flow::Continue
                } else {
                    Flow::Skip
                }
            }
            Token::Str(s) if reading_type => {
                chat_type = is_chat_type(s);
                reading_type = false;
                Flow::Continue
            }
            _ => {
                reading_type = false;
                Flow::Skip
            }
        }
    });
    if read.is_err() || !is_object {
        return false;
    }
    let has = |k: &str| keys.iter().any(|have| have == k);
    // `about` alone is a common word: it counts when what follows it is Telegram's too.
    let about_first =
        keys.first().is_some_and(|k| k == "about") && keys.iter().skip(1).all(|k| ROOT_KEYS.contains(&k.as_str()));
    let full = about_first || FULL_EXPORT_KEYS.iter().any(|k| has(k));
    let single = chat_type && (has("id") || has("messages"));
    full || single
}

/// Whether an archive entry is a Telegram export to read: `result.json` (Telegram Desktop's
/// name for both the full and the single-chat export), in any folder.
pub fn wants_entry(path: &str) -> bool {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    base.eq_ignore_ascii_case("result.json")
}

/// The values of a chat's `type` in Telegram Desktop exports.
fn is_chat_type(s: &str) -> bool {
    matches!(
        s,
        "personal_chat"
            | "bot_chat"
            | "private_group"
            | "private_supergroup"
            | "public_supergroup"
            | "private_channel"
            | "public_channel"
            | "saved_messages"
            | "replies"
    )
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
