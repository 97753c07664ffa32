//! Contacts as JSON text, for the wasm facade to hand to `JSON.parse`.
//!
//! Why not serde-wasm-bindgen here: it builds each JS object a property at a time across the
//! wasm boundary, and for 10,000 contacts (a few hundred thousand properties) that took longer
//! than computing them. One string and one `JSON.parse` cost a fraction of that. The output is
//! exactly what `Contact`'s `Serialize` gives (a native test compares the two with serde_json).

use crate::model::{Contact, HandleView, WaitingOn};

/// Writes JSON text.
struct Out(String);

impl Out {
    fn raw(&mut self, s: &str) {
        self.0.push_str(s);
    }

    fn string(&mut self, s: &str) {
        self.0.push('"');
        for c in s.chars() {
            match c {
                '"' => self.0.push_str("\\\""),
                '\\' => self.0.push_str("\\\\"),
                '\n' => self.0.push_str("\\n"),
                '\r' => self.0.push_str("\\r"),
                '\t' => self.0.push_str("\\t"),
                c if (c as u32) < 0x20 => self.0.push_str(&format!("\\u{:04x}", c as u32)),
                c => self.0.push(c),
            }
        }
        self.0.push('"');
    }

    fn key(&mut self, first: bool, key: &str) {
        if !first {
            self.0.push(',');
        }
        self.string(key);
        self.0.push(':');
    }

    fn strings<S: AsRef<str>>(&mut self, list: &[S]) {
        self.0.push('[');
        for (i, s) in list.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.string(s.as_ref());
        }
        self.0.push(']');
    }

    fn time(&mut self, t: Option<i64>) {
        match t {
            Some(secs) => self.string(&crate::time::iso(secs)),
            None => self.raw("null"),
        }
    }

    /// A number of a contact: kith rounds each to hundredths at most (ratios and attention),
    /// tenths (reply minutes) or whole days, so it is written from its count of hundredths,
    /// without the general float formatter (5 KB of wasm). `n / 100` is correctly rounded both
    /// when computed and when the text is parsed, so JS reads back the very same double.
    fn number(&mut self, n: Option<f64>) {
        const LIMIT: f64 = 9.0e13;
        match n {
            Some(x) if x.is_finite() && x.abs() < LIMIT => {
                let hundredths = (x * 100.0).round() as i64;
                if hundredths < 0 {
                    self.0.push('-');
                }
                let h = hundredths.unsigned_abs();
                self.0.push_str(&(h / 100).to_string());
                let cents = h % 100;
                if cents != 0 {
                    self.0.push('.');
                    self.0.push(char::from(b'0' + (cents / 10) as u8));
                    if !cents.is_multiple_of(10) {
                        self.0.push(char::from(b'0' + (cents % 10) as u8));
                    }
                }
            }
            _ => self.raw("null"),
        }
    }

    fn count(&mut self, n: u32) {
        self.0.push_str(&n.to_string());
    }

    fn handle(&mut self, h: &HandleView) {
        self.0.push('{');
        self.key(true, "key");
        self.string(&h.key);
        self.key(false, "name");
        self.string(&h.name);
        self.key(false, "sources");
        self.strings(&h.sources);
        self.key(false, "lastInteractionAt");
        self.time(h.last_interaction_at);
        self.0.push('}');
    }

    fn contact(&mut self, c: &Contact) {
        self.0.push('{');
        self.key(true, "id");
        self.string(&c.id);
        self.key(false, "name");
        self.string(&c.name);
        self.key(false, "phones");
        self.strings(&c.phones);
        self.key(false, "emails");
        self.strings(&c.emails);
        self.key(false, "sources");
        self.strings(&c.sources);
        for (key, t) in [
            ("lastSentAt", c.last_sent_at),
            ("lastReceivedAt", c.last_received_at),
            ("lastInteractionAt", c.last_interaction_at),
            ("firstInteractionAt", c.first_interaction_at),
        ] {
            self.key(false, key);
            self.time(t);
        }
        for (key, n) in [
            ("sentCount", c.sent_count),
            ("receivedCount", c.received_count),
            ("callCount", c.call_count),
            ("groupMessageCount", c.group_message_count),
        ] {
            self.key(false, key);
            self.count(n);
        }
        self.key(false, "lastGroupMessageAt");
        self.time(c.last_group_message_at);
        self.key(false, "myReplyMinutes");
        self.number(c.my_reply_minutes);
        self.key(false, "theirReplyMinutes");
        self.number(c.their_reply_minutes);
        self.key(false, "waitingOn");
        match c.waiting_on {
            Some(WaitingOn::Me) => self.string("me"),
            Some(WaitingOn::Them) => self.string("them"),
            None => self.raw("null"),
        }
        self.key(false, "cadenceDays");
        self.number(c.cadence_days);
        self.key(false, "overdueRatio");
        self.number(c.overdue_ratio);
        self.key(false, "connectedAt");
        self.time(c.connected_at);
        self.key(false, "handles");
        self.0.push('[');
        for (i, h) in c.handles.iter().enumerate() {
            if i > 0 {
                self.0.push(',');
            }
            self.handle(h);
        }
        self.0.push(']');
        self.key(false, "mergedBecause");
        self.strings(&c.merged_because);
        self.key(false, "goalDays");
        self.number(c.goal_days.map(f64::from));
        self.key(false, "suggestedGoalDays");
        self.number(c.suggested_goal_days.map(f64::from));
        self.key(false, "snoozedUntil");
        self.time(c.snoozed_until);
        self.key(false, "notNow");
        self.raw(if c.not_now { "true" } else { "false" });
        self.key(false, "reminders");
        self.raw(if c.reminders { "true" } else { "false" });
        self.key(false, "attention");
        self.number(Some(c.attention));
        self.key(false, "attentionReason");
        match &c.attention_reason {
            Some(reason) => self.string(reason),
            None => self.raw("null"),
        }
        self.0.push('}');
    }
}

/// Months of a history as a JSON array, field for field as `MonthCount` serializes (the wasm
/// facade hands it to `JSON.parse`, like the contacts: serde's serializer per type costs more
/// wasm than this).
pub fn months_json(months: &[crate::keep::MonthCount]) -> String {
    let mut out = Out(String::with_capacity(months.len() * 80 + 2));
    out.0.push('[');
    for (i, m) in months.iter().enumerate() {
        if i > 0 {
            out.0.push(',');
        }
        out.0.push('{');
        out.key(true, "month");
        out.string(&m.month);
        out.key(false, "source");
        out.string(&m.source);
        for (key, n) in [("sent", m.sent), ("received", m.received), ("group", m.group)] {
            out.key(false, key);
            out.count(n);
        }
        out.0.push('}');
    }
    out.0.push(']');
    out.0
}

/// The contacts as a JSON array, field for field as `Contact` serializes.
pub fn contacts_json(contacts: &[Contact]) -> String {
    let mut out = Out(String::with_capacity(contacts.len() * 512 + 2));
    out.0.push('[');
    for (i, c) in contacts.iter().enumerate() {
        if i > 0 {
            out.0.push(',');
        }
        out.contact(c);
    }
    out.0.push(']');
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_read_back_as_the_same_double() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut counts: Vec<i64> = (-20_000..20_000).collect();
        counts.extend((0..20_000).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 1_000_000_000_000) as i64 * if x.is_multiple_of(2) { 1 } else { -1 }
        }));
        for n in counts {
            let value = n as f64 / 100.0;
            let mut out = Out(String::new());
            out.number(Some(value));
            assert_eq!(out.0.parse::<f64>().ok(), Some(value), "{n}: {}", out.0);
            let tenths = n as f64 / 10.0;
            let mut out = Out(String::new());
            out.number(Some(tenths));
            assert_eq!(out.0.parse::<f64>().ok(), Some(tenths), "{n}/10: {}", out.0);
        }
        let mut out = Out(String::new());
        out.number(Some(f64::NAN));
        out.number(None);
        assert_eq!(out.0, "nullnull");
    }
}
