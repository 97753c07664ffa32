//! Fixtures shared by the native and the browser suites, embedded at compile time so the
//! browser tests need no file access.
#![allow(dead_code)]

/// Expected results for every fixture (see its `_about`).
pub const CASES_JSON: &str = include_str!("../fixtures/whatsapp/cases.json");

macro_rules! fixtures {
    ($($file:literal),* $(,)?) => {
        /// Every WhatsApp fixture file, by name.
        pub const FILES: &[(&str, &[u8])] = &[$(($file, include_bytes!(concat!("../fixtures/whatsapp/", $file)))),*];
    };
}

fixtures!(
    "android-24h-dmy.txt",
    "android-with-media-stored.zip",
    "android-12h-mdy-spaces.txt",
    "android-spanish-ampm-mdy.txt",
    "android-spanish-nbsp-pm-dmy.txt",
    "android-dots-no-comma.txt",
    "android-dashes-no-comma.txt",
    "android-year-first-slash.txt",
    "android-lone-year-first-date.txt",
    "android-finnish-klo-dotted-time.txt",
    "ios-seconds-dmy-crlf.txt",
    "ios-seconds-dmy-crlf.zip",
    "ios-group-lrm-mdy.zip",
    "ios-group-lrm-mdy.txt",
    "ios-no-comma.txt",
    "ios-time-first.txt",
    "ios-arabic-indic.txt",
    "ios-buddhist-era.txt",
    "ios-japanese-era.txt",
    "android-month-name-yearless.txt",
    "android-month-name-time-first.txt",
    "android-group-phones-tilde.txt",
    "ios-notices-multilingual-calls.txt",
);

/// The bytes of a fixture file.
pub fn bytes_of(file: &str) -> &'static [u8] {
    FILES
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, bytes)| *bytes)
        .unwrap_or_else(|| panic!("fixture {file} is not embedded"))
}

/// The marker planted in every message body of every fixture.
pub const CANARY: &str = "CANARY-";

/// Compares `actual` against the fields `expected` lists; returns what differs.
pub fn mismatches(expected: &serde_json::Value, actual: &serde_json::Value, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    match expected {
        serde_json::Value::Object(fields) => {
            for (key, want) in fields {
                let got = actual.get(key).unwrap_or(&serde_json::Value::Null);
                out.extend(mismatches(want, got, &format!("{path}.{key}")));
            }
        }
        serde_json::Value::Array(items) if items.iter().any(|i| i.is_object()) => {
            let got = actual.as_array().cloned().unwrap_or_default();
            if got.len() != items.len() {
                out.push(format!("{path}: expected {} items, got {}: {actual}", items.len(), got.len()));
            }
            for (i, (want, have)) in items.iter().zip(got.iter()).enumerate() {
                out.extend(mismatches(want, have, &format!("{path}[{i}]")));
            }
        }
        _ => {
            if expected != actual {
                out.push(format!("{path}: expected {expected}, got {actual}"));
            }
        }
    }
    out
}

/// Import options for the fixtures: day-first fallback, and the "today" of cases.json.
#[cfg(not(target_arch = "wasm32"))]
pub fn options() -> kith::ImportOptions {
    kith::ImportOptions {
        date_order_fallback: kith::DateOrder::DayMonth,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 24).expect("date"),
        exclude: Vec::new(),
        owner: Vec::new(),
    }
}
