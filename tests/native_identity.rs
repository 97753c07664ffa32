//! One person across sources, natively: exact merges, suggestions, the user's decisions, and
//! that each survives a snapshot round trip and a re-import, and that undo restores exactly.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::{Contact, Correction, Engine, FixedZone, IdentityError};

use common::options;

const NOW: i64 = 1_795_521_600;

/// A direct WhatsApp chat between the user (Sam) and `name`.
fn whatsapp(name: &str, day: u32) -> (String, String) {
    let text = format!(
        "{day:02}/03/2024, 10:00 - {name}: hi\n{day:02}/03/2024, 10:05 - Sam: hello\n{day:02}/03/2024, 10:07 - {name}: ok\n"
    );
    (format!("WhatsApp Chat with {name}.txt"), text)
}

/// A mail from `address` to the user, and the user's answer.
fn mbox(name: &str, address: &str) -> (String, String) {
    let text = format!(
        "From 1@xxx Mon Apr 01 09:00:00 +0000 2024\nFrom: {name} <{address}>\nTo: Sam <sam@example.com>\nDate: Mon, 01 Apr 2024 09:00:00 +0000\nMessage-ID: <a1@example.com>\nSubject: s\n\nbody\n\n\
From 2@xxx Mon Apr 01 10:00:00 +0000 2024\nFrom: Sam <sam@example.com>\nTo: {name} <{address}>\nDate: Mon, 01 Apr 2024 10:00:00 +0000\nMessage-ID: <a2@example.com>\nSubject: Re: s\n\nbody\n\n"
    );
    ("mail.mbox".to_string(), text)
}

/// LinkedIn connections: `(first, last, email)`.
fn connections(people: &[(&str, &str, &str)]) -> (String, String) {
    let mut text = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n".to_string();
    for (i, (first, last, email)) in people.iter().enumerate() {
        text.push_str(&format!("{first},{last},https://www.linkedin.com/in/p{i},{email},Acme,Engineer,12 Mar 2024\n"));
    }
    ("Connections.csv".to_string(), text)
}

fn import(engine: &mut Engine, (name, text): &(String, String)) {
    engine.import_bytes(name, text.as_bytes(), Box::new(FixedZone(0)), options()).expect("imports");
}

fn engine_with(files: &[(String, String)]) -> Engine {
    let mut engine = Engine::new(&["Sam".to_string(), "sam@example.com".to_string()]);
    for f in files {
        import(&mut engine, f);
    }
    engine
}

fn by_name<'a>(contacts: &'a [Contact], name: &str) -> Vec<&'a Contact> {
    contacts.iter().filter(|c| c.name == name).collect()
}

#[test]
fn a_shared_address_is_one_person_with_combined_stats() {
    let files = [mbox("Ann Lee", "Ann.Lee@Example.com"), connections(&[("Ann", "Lee", "ann.lee@example.com")])];
    let engine = engine_with(&files);
    let contacts = engine.contacts(NOW);
    assert_eq!(contacts.len(), 1, "{contacts:#?}");
    let ann = &contacts[0];
    assert_eq!(ann.sources, vec!["linkedin", "email"]);
    assert_eq!((ann.sent_count, ann.received_count), (1, 1));
    assert_eq!(ann.handles.len(), 2);
    assert!(ann.handles[0].key.starts_with("email:"), "mail anchors before LinkedIn: {:?}", ann.handles);
    assert_eq!(ann.merged_because, vec!["same email address ann.lee@example.com"]);
    assert!(ann.connected_at.is_some(), "the connection date comes along");
}

#[test]
fn a_gmail_address_matches_without_dots_and_tags() {
    let files = [mbox("Bo", "bo.kim+news@googlemail.com"), connections(&[("Bo", "Kim", "bokim@gmail.com")])];
    assert_eq!(engine_with(&files).contacts(NOW).len(), 1);
}

#[test]
fn a_shared_name_is_only_suggested_and_accepting_merges_then_undo_splits() {
    let files = [whatsapp("Ann Lee", 5), connections(&[("Ann", "Lee", "")])];
    let mut engine = engine_with(&files);
    assert_eq!(by_name(&engine.contacts(NOW), "Ann Lee").len(), 2, "a name alone never merges");
    let suggestions = engine.suggestions();
    assert_eq!(suggestions.len(), 1);
    assert_eq!(suggestions[0].reasons, vec!["same name, “Ann Lee”, in WhatsApp and LinkedIn"]);
    let before = engine.contacts(NOW);
    let applied = engine.accept_suggestion(&suggestions[0].id, NOW).expect("accepts");
    let after = engine.contacts(NOW);
    assert_eq!(after.len(), 1);
    assert_eq!(applied.contact_id.as_deref(), Some(after[0].id.as_str()));
    assert_eq!(
        after[0].id,
        before.iter().find(|c| c.sources == vec!["whatsapp"]).map(|c| c.id.clone()).unwrap_or_default(),
        "the WhatsApp id is kept"
    );
    assert_eq!(after[0].merged_because, vec!["you merged them"]);
    assert!(engine.suggestions().is_empty());
    engine.undo(Some(applied.decision)).expect("undoes");
    assert_eq!(engine.contacts(NOW), before, "undo restores exactly");
}

#[test]
fn a_rejected_suggestion_stays_rejected_across_reimport_and_restore() {
    let files = [whatsapp("Ann Lee", 5), connections(&[("Ann", "Lee", "")])];
    let mut engine = engine_with(&files);
    let id = engine.suggestions()[0].id.clone();
    engine.reject_suggestion(&id, NOW).expect("rejects");
    assert!(engine.suggestions().is_empty());
    for f in &files {
        import(&mut engine, f);
    }
    assert!(engine.suggestions().is_empty(), "a re-import does not bring it back");
    let restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert!(restored.suggestions().is_empty(), "nor does a restore");
    assert_eq!(restored.decisions().len(), 1);
    assert_eq!(restored.decisions()[0].summary, "Ann Lee (LinkedIn) and Ann Lee (WhatsApp) are different people");
}

#[test]
fn merges_splits_and_corrections_survive_a_snapshot_and_a_reimport() {
    let files = [whatsapp("Ann Lee", 5), whatsapp("Bo Kim", 6), mbox("Ann", "ann@example.com")];
    let mut engine = engine_with(&files);
    let contacts = engine.contacts(NOW);
    let ann_wa = by_name(&contacts, "Ann Lee")[0].id.clone();
    let ann_mail = by_name(&contacts, "Ann")[0].id.clone();
    let merged = engine.merge_contacts(&ann_wa, &ann_mail, NOW).expect("merges").contact_id.expect("a contact");
    assert_eq!(merged, ann_wa);
    engine.correct_contact(&merged, Correction::Rename("Annie Lee".into()), NOW).expect("renames");
    engine.correct_contact(&merged, Correction::AddPhone("+44 7700 900123".into()), NOW).expect("adds a phone");
    let want = engine.contacts(NOW);
    let annie = by_name(&want, "Annie Lee")[0];
    assert_eq!(annie.phones, vec!["+447700900123"]);
    assert_eq!((annie.sent_count, annie.received_count), (2, 3), "WhatsApp 1+2, mail 1+1");
    let restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(restored.contacts(NOW), want, "a snapshot round trip");
    for f in &files {
        import(&mut engine, f);
    }
    assert_eq!(engine.contacts(NOW), want, "a re-import of every file");
}

#[test]
fn an_absorbed_id_is_sent_as_a_deletion_and_a_rename_as_an_upsert() {
    let files = [whatsapp("Ann Lee", 5), mbox("Ann", "ann@example.com")];
    let mut engine = engine_with(&files);
    let (upserts, _) = engine.sync_changes(NOW);
    engine.acknowledge_sync(&kith::sync::SyncBatch { batch_key: "k1".into(), upserts, deletions: vec![] });
    let contacts = engine.contacts(NOW);
    let (ann, mail) = (by_name(&contacts, "Ann Lee")[0].id.clone(), by_name(&contacts, "Ann")[0].id.clone());
    engine.merge_contacts(&ann, &mail, NOW).expect("merges");
    let (upserts, deletions) = engine.sync_changes(NOW);
    assert_eq!(deletions, vec![mail.clone()], "the absorbed id is deleted on the server");
    assert_eq!(upserts.len(), 1);
    assert_eq!(upserts[0].id, ann);
    assert_eq!((upserts[0].sent_count, upserts[0].received_count), (2, 3), "merged stats");
    engine.acknowledge_sync(&kith::sync::SyncBatch { batch_key: "k2".into(), upserts, deletions });
    engine.correct_contact(&ann, Correction::Rename("Annie".into()), NOW).expect("renames");
    let (upserts, deletions) = engine.sync_changes(NOW);
    assert_eq!((upserts.len(), upserts[0].name.as_str(), deletions.len()), (1, "Annie", 0));
}

#[test]
fn national_numbers_match_once_a_country_is_set() {
    let mut engine = engine_with(&[whatsapp("+44 7700 900123", 5)]);
    let id = engine.contacts(NOW)[0].id.clone();
    assert_eq!(
        engine.correct_contact(&id, Correction::AddPhone("07700 900456".into()), NOW),
        Err(IdentityError::InvalidPhone { needs_country: true })
    );
    let country = engine.phone_country();
    assert_eq!((country.country, country.proposed.as_deref()), (None, Some("GB")), "proposed from +44");
    engine.set_default_country(Some("gb")).expect("a known country");
    engine.correct_contact(&id, Correction::AddPhone("07700 900456".into()), NOW).expect("now it reads");
    assert_eq!(engine.contacts(NOW)[0].phones, vec!["+447700900123", "+447700900456"]);
    assert_eq!(engine.set_default_country(Some("XX")), Err(IdentityError::UnknownCountry));
}

#[test]
fn bad_decisions_are_named_errors_and_change_nothing() {
    let mut engine = engine_with(&[whatsapp("Ann Lee", 5), whatsapp("Bo Kim", 6)]);
    let before = (engine.contacts(NOW), engine.snapshot());
    let ann = by_name(&before.0, "Ann Lee")[0].id.clone();
    let tries: Vec<(Result<kith::Applied, IdentityError>, IdentityError)> = vec![
        (engine.merge_contacts(&ann, &ann, NOW), IdentityError::SameContact),
        (engine.merge_contacts(&ann, "c0000000000000000", NOW), IdentityError::UnknownContact),
        (engine.split_contact(&ann, "name:ann lee", NOW), IdentityError::NothingToSplit),
        (engine.split_contact(&ann, "name:nobody", NOW), IdentityError::UnknownHandle),
        (engine.correct_contact(&ann, Correction::Rename(" \u{200e} ".into()), NOW), IdentityError::EmptyName),
        (engine.correct_contact(&ann, Correction::AddEmail("nope".into()), NOW), IdentityError::InvalidEmail),
        (engine.correct_contact(&ann, Correction::RemoveEmail("x@example.com".into()), NOW), IdentityError::NotTheirs),
        (engine.accept_suggestion("s0", NOW), IdentityError::UnknownSuggestion),
        (engine.undo(None), IdentityError::UnknownDecision),
    ];
    for (got, want) in tries {
        assert_eq!(got, Err(want.clone()), "{}", want.name());
        assert!(!want.to_string().is_empty());
    }
    assert_eq!((engine.contacts(NOW), engine.snapshot()), before, "nothing changed");
}

/// A small deterministic generator, so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn undo_restores_the_previous_contacts_exactly_over_random_sequences() {
    let files = [
        whatsapp("Ann Lee", 5),
        whatsapp("Bo Kim", 6),
        whatsapp("+44 7700 900123", 7),
        mbox("Ann", "ann@example.com"),
        connections(&[("Ann", "Lee", "ann@example.com"), ("Cy", "Ray", "cy@example.com"), ("Bo", "Kim", "")]),
    ];
    // How many of each kind were applied and undone, so the test cannot pass vacuously.
    let mut applied = [0u32; 5];
    let mut undone = 0u32;
    for seed in 1..=40u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut engine = engine_with(&files);
        // Each step's contacts before it, to compare after undoing it.
        let mut history: Vec<Vec<Contact>> = Vec::new();
        for step in 0..25 {
            let contacts = engine.contacts(NOW);
            let pick = |rng: &mut Rng| contacts[rng.below(contacts.len())].clone();
            let kind = rng.below(6);
            let done = match kind {
                0 => {
                    let (a, b) = (pick(&mut rng), pick(&mut rng));
                    engine.merge_contacts(&a.id, &b.id, NOW)
                }
                1 => {
                    let c = pick(&mut rng);
                    let key = c.handles[rng.below(c.handles.len())].key.clone();
                    engine.split_contact(&c.id, &key, NOW)
                }
                2 => engine.correct_contact(&pick(&mut rng).id, Correction::Rename(format!("Name {step}")), NOW),
                3 => {
                    let phone = format!("+4477009001{:02}", rng.below(4));
                    engine.correct_contact(&pick(&mut rng).id, Correction::AddPhone(phone), NOW)
                }
                4 => {
                    let c = pick(&mut rng);
                    match c.phones.first().cloned() {
                        Some(phone) => engine.correct_contact(&c.id, Correction::RemovePhone(phone), NOW),
                        None => engine.correct_contact(&c.id, Correction::AddEmail("ann@example.com".into()), NOW),
                    }
                }
                _ => match history.pop() {
                    Some(previous) => {
                        engine.undo(None).expect("a decision to undo");
                        undone += 1;
                        assert_eq!(engine.contacts(NOW), previous, "seed {seed} step {step}: undo restores exactly");
                        continue;
                    }
                    None => continue,
                },
            };
            match done {
                Ok(_) => {
                    applied[kind] += 1;
                    history.push(contacts);
                }
                Err(_) => assert_eq!(
                    engine.contacts(NOW),
                    contacts,
                    "seed {seed} step {step}: a refused decision changes nothing"
                ),
            }
            let restored = Engine::restore(&engine.snapshot()).expect("restores");
            assert_eq!(restored.contacts(NOW), engine.contacts(NOW), "seed {seed} step {step}: survives a snapshot");
        }
        while let Some(previous) = history.pop() {
            engine.undo(None).expect("undoes");
            assert_eq!(engine.contacts(NOW), previous, "seed {seed}: unwinding");
        }
        assert_eq!(engine.contacts(NOW), engine_with(&files).contacts(NOW), "seed {seed}: all undone is the start");
    }
    assert!(applied.iter().all(|&n| n >= 20), "every kind was applied often: {applied:?}");
    assert!(undone >= 50, "{undone} undone mid-sequence");
}

#[test]
fn cadence_is_measured_over_the_merged_history() {
    // WhatsApp on the 1st, 3rd and 5th; mail on the 2nd, 4th and 6th: every other day in each
    // source, every day together.
    let chat = "01/03/2024, 10:00 - Ann Lee: a\n03/03/2024, 10:00 - Sam: b\n05/03/2024, 10:00 - Ann Lee: c\n";
    let mail = |day: u32, id: u32| {
        format!(
            "From {id}@xxx Mon Mar 0{day} 09:00:00 +0000 2024\nFrom: Ann Lee <ann@example.com>\nTo: Sam <sam@example.com>\nDate: 0{day} Mar 2024 09:00:00 +0000\nMessage-ID: <m{id}@example.com>\nSubject: s\n\nbody\n\n"
        )
    };
    let files = [
        ("WhatsApp Chat with Ann Lee.txt".to_string(), chat.to_string()),
        ("mail.mbox".to_string(), format!("{}{}{}", mail(2, 1), mail(4, 2), mail(6, 3))),
    ];
    let mut engine = engine_with(&files);
    let cadences = |engine: &Engine| {
        let mut c: Vec<Option<f64>> = engine.contacts(NOW).iter().map(|c| c.cadence_days).collect();
        c.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        c
    };
    assert_eq!(cadences(&engine), vec![Some(2.0), Some(2.0)], "apart, each source alone");
    let ids: Vec<String> = engine.contacts(NOW).iter().map(|c| c.id.clone()).collect();
    engine.merge_contacts(&ids[0], &ids[1], NOW).expect("merges");
    assert_eq!(cadences(&engine), vec![Some(1.0)], "together, the days of both");
    let restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(cadences(&restored), vec![Some(1.0)], "the days survive a snapshot");
}

/// The files of `tests/fixtures/identity/cross-source`, in import order.
fn cross_source() -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/identity/cross-source");
    [
        "WhatsApp Chat with +44 7700 900123.txt",
        "WhatsApp Chat with Bo Kim.txt",
        "result.json",
        "mail.mbox",
        "contacts.vcf",
    ]
    .iter()
    .map(|name| (name.to_string(), std::fs::read(dir.join(name)).expect("a fixture")))
    .collect()
}

fn import_all(engine: &mut Engine, files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        engine.import_bytes(name, bytes, Box::new(FixedZone(0)), options()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn one_person_in_whatsapp_telegram_mail_and_a_vcard_is_one_contact_with_exact_combined_stats() {
    let files = cross_source();
    let mut engine = Engine::new(&[]);
    engine.set_default_country(Some("GB")).expect("GB");
    import_all(&mut engine, &files);
    let contacts = engine.contacts(NOW);
    let ann: Vec<&Contact> =
        contacts.iter().filter(|c| c.handles.iter().any(|h| h.key == "tel:+447700900123")).collect();
    assert_eq!(ann.len(), 1, "{contacts:#?}");
    let ann = ann[0];
    assert_eq!(ann.name, "Ann Lee", "the contacts file's name over a phone number");
    assert_eq!(ann.id, kith::identity::contact_id("tel:+447700900123"), "the WhatsApp id is kept");
    assert_eq!(ann.sources, vec!["whatsapp", "telegram", "email", "contacts"]);
    let keys: Vec<&str> = ann.handles.iter().map(|h| h.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "tel:+447700900123",
            "telegram:user6660002",
            "email:ann.lee@example.com",
            "contacts:ann lee <ann.lee@example.com>"
        ]
    );
    assert_eq!(ann.phones, vec!["+447700900123"]);
    assert_eq!(ann.emails, vec!["ann.lee@example.com"]);
    // WhatsApp 1 sent, 2 received; Telegram 2 and 1; mail 1 and 1.
    assert_eq!((ann.sent_count, ann.received_count, ann.call_count), (4, 4, 0));
    let iso = |t: Option<i64>| t.map(kith::time::iso);
    assert_eq!(iso(ann.last_sent_at).as_deref(), Some("2024-03-09T12:00:00Z"), "Telegram");
    assert_eq!(iso(ann.last_received_at).as_deref(), Some("2024-03-08T08:00:00Z"), "mail");
    assert_eq!(iso(ann.first_interaction_at).as_deref(), Some("2024-03-05T09:00:00Z"), "WhatsApp");
    assert_eq!(iso(ann.last_interaction_at).as_deref(), Some("2024-03-09T12:00:00Z"));
    assert_eq!(ann.waiting_on, Some(kith::WaitingOn::Them), "the latest message of any chat is the user's");
    assert_eq!(ann.cadence_days, Some(1.0), "the 5th to the 9th, one day apart across sources");
    let last = |key: &str| ann.handles.iter().find(|h| h.key == key).and_then(|h| iso(h.last_interaction_at));
    assert_eq!(last("tel:+447700900123").as_deref(), Some("2024-03-07T18:30:00Z"));
    assert_eq!(last("contacts:ann lee <ann.lee@example.com>"), None, "a card is not an interaction");
    for reason in ["same phone number +447700900123", "same email address ann.lee@example.com"] {
        assert!(ann.merged_because.iter().any(|r| r == reason), "{reason}: {:?}", ann.merged_because);
    }
    // Bo Kim writes in WhatsApp and in Telegram, with nothing shared: suggested, not merged.
    assert_eq!(contacts.iter().filter(|c| c.name == "Bo Kim").count(), 2);
    let suggestions = engine.suggestions();
    assert_eq!(suggestions.len(), 1, "{suggestions:?}");
    assert_eq!(suggestions[0].reasons, vec!["same name, “Bo Kim”, in WhatsApp and Telegram"]);
    // The same again from a snapshot, and after re-importing every file.
    let want = engine.contacts(NOW);
    assert_eq!(Engine::restore(&engine.snapshot()).expect("restores").contacts(NOW), want);
    import_all(&mut engine, &files);
    assert_eq!(engine.contacts(NOW), want, "a re-import counts nothing twice");
    // No message text anywhere.
    let out = format!("{want:?}{:?}{:?}", engine.suggestions(), engine.decisions());
    let stored = String::from_utf8_lossy(&engine.snapshot()).to_string();
    for text in [out, stored] {
        assert!(!text.contains("CANARY"), "a canary escaped");
    }
}

#[test]
fn without_a_country_the_national_number_waits_and_the_name_in_the_contacts_links_the_card() {
    let mut engine = Engine::new(&[]);
    import_all(&mut engine, &cross_source());
    let waiting = engine.phone_country();
    assert_eq!((waiting.country, waiting.proposed.as_deref(), waiting.waiting), (None, Some("GB"), 1));
    let contacts = engine.contacts(NOW);
    let ann = contacts.iter().find(|c| c.name == "Ann Lee").expect("Ann");
    assert_eq!(ann.handles.len(), 4, "{:?}", ann.merged_because);
    assert!(
        ann.merged_because.iter().any(|r| r == "same name as in your contacts, “Ann Lee”"),
        "{:?}",
        ann.merged_because
    );
    assert!(!ann.merged_because.iter().any(|r| r.starts_with("same phone number") && r.contains("0770")));
}

/// A JSON value with every number as f64: serde_json tells `3` from `3.0`, JavaScript does not.
fn numbers_as_floats(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => n.as_f64().map_or(Value::Null, |f| serde_json::json!(f)),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_floats).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, numbers_as_floats(v))).collect()),
        other => other,
    }
}

#[test]
fn the_json_the_wasm_facade_hands_over_is_exactly_the_serialized_contacts() {
    let mut engine = Engine::new(&[]);
    engine.set_default_country(Some("GB")).expect("GB");
    import_all(&mut engine, &cross_source());
    import(&mut engine, &whatsapp("Zoë \"Quote\" \\ Back 😀", 9));
    import(&mut engine, &connections(&[("Ann\u{7f}", "Lee\u{2028}", "odd@example.com")]));
    let contacts = engine.contacts(NOW);
    assert!(contacts.iter().any(|c| c.my_reply_minutes.is_some() || c.their_reply_minutes.is_some()), "floats covered");
    assert!(contacts.iter().any(|c| c.cadence_days.is_some()));
    let ours: serde_json::Value = serde_json::from_str(&kith::json::contacts_json(&contacts)).expect("valid JSON");
    let serde = serde_json::to_value(&contacts).expect("serializes");
    assert_eq!(numbers_as_floats(ours), numbers_as_floats(serde));
    assert_eq!(kith::json::contacts_json(&[]), "[]");
}
