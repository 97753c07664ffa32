//! The identity benchmark's inputs, shared by `benches/identity.rs` and
//! `examples/identity_scale.rs` (and the same as `www/bench-identity.js`): `people` people, each
//! a phone-number author in a WhatsApp group, a mail address in an mbox, and a vCard with both.

/// `(file name, bytes)` of the three files.
pub fn files(people: usize) -> Vec<(&'static str, Vec<u8>)> {
    let (mut chat, mut mail, mut cards) = (String::new(), String::new(), String::new());
    for i in 0..people {
        let (minute, hour, day) = (i % 60, 8 + (i / 60) % 12, 1 + (i / 720) % 28);
        let phone = format!("+44 7700 9{i:05}");
        chat.push_str(&format!("{day:02}/03/2024, {hour:02}:{minute:02} - {phone}: hello from {i}\n"));
        chat.push_str(&format!("{day:02}/03/2024, {hour:02}:{minute:02} - Sam Lee: hi\n"));
        mail.push_str(&format!(
            "From {i}@xxx Fri Mar 08 08:00:00 +0000 2024\nFrom: Person {i} <person{i}@example.com>\nTo: Sam Lee <sam@example.com>\nDate: Fri, 08 Mar 2024 08:{minute:02}:00 +0000\nMessage-ID: <m{i}@example.com>\nSubject: hi\n\nbody\n\n"
        ));
        cards.push_str(&format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person {i}\r\nTEL;TYPE=CELL:{phone}\r\nEMAIL:person{i}@example.com\r\nEND:VCARD\r\n"
        ));
    }
    vec![
        ("WhatsApp Chat with Friends.txt", chat.into_bytes()),
        ("mail.mbox", mail.into_bytes()),
        ("contacts.vcf", cards.into_bytes()),
    ]
}
