//! Keep in touch: monthly counts (exact under re-import, merge and restore, migrated from
//! version 4 snapshots), goals, snoozes and the attention ranking:
//! `cargo test --test native_keep`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::keep::{KeepChange, MonthCount};
use kith::{Contact, Engine, FixedZone};

use common::{options, Rng};

const DAY: i64 = 86_400;

/// 2024-01-01T00:00Z.
const JAN_2024: i64 = 1_704_067_200;

/// A WhatsApp export between Sam and `name`: `(seconds since JAN_2024, author is Sam)`.
fn chat(name: &str, messages: &[(i64, bool)]) -> (String, String) {
    let mut text = String::new();
    for (i, &(offset, mine)) in messages.iter().enumerate() {
        let t = chrono::DateTime::from_timestamp(JAN_2024 + offset, 0).expect("time").naive_utc();
        let author = if mine { "Sam" } else { name };
        text.push_str(&format!("{} - {author}: CANARY-keep-{i} text\n", t.format("%d/%m/%Y, %H:%M")));
    }
    (format!("WhatsApp Chat with {name}.txt"), text)
}

fn import(engine: &mut Engine, (name, text): &(String, String)) -> kith::ImportReport {
    let opts = engine.import_options(options());
    engine.import_bytes(name, text.as_bytes(), Box::new(FixedZone(0)), opts).expect(name)
}

fn sam() -> Engine {
    Engine::new(&["Sam".to_string()])
}

fn contact<'a>(engine_contacts: &'a [Contact], name: &str) -> &'a Contact {
    engine_contacts.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{name} is a contact"))
}

fn history(engine: &Engine, name: &str) -> Vec<MonthCount> {
    let id = contact(&engine.contacts(0), name).id.clone();
    engine.history(&id, None).expect("a contact's history")
}

fn month(month: &str, source: &str, sent: u32, received: u32, group: u32) -> MonthCount {
    MonthCount { month: month.into(), source: source.into(), sent, received, group }
}

#[test]
fn monthly_counts_are_exact_each_way() {
    let mut engine = sam();
    // January: Ann 2, Sam 1. February: none. March: Ann 1, Sam 2.
    let ann = chat(
        "Ann",
        &[(DAY, false), (DAY + 60, true), (20 * DAY, false), (70 * DAY, true), (71 * DAY, false), (72 * DAY, true)],
    );
    import(&mut engine, &ann);
    assert_eq!(
        history(&engine, "Ann"),
        vec![month("2024-01", "whatsapp", 1, 2, 0), month("2024-03", "whatsapp", 2, 1, 0)]
    );
    let from_march = engine.history(&contact(&engine.contacts(0), "Ann").id, Some(54 * 12 + 2)).expect("history");
    assert_eq!(from_march, vec![month("2024-03", "whatsapp", 2, 1, 0)]);
    assert_eq!(engine.history("c0000000000000000", None), Err(kith::IdentityError::UnknownContact));
}

#[test]
fn monthly_counts_stay_exact_under_reimport_of_overlapping_parts_and_restore() {
    for seed in 1..=30u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let n = 20 + rng.below(200) as usize;
        let mut at = rng.below(40) as i64 * DAY;
        let messages: Vec<(i64, bool)> = (0..n)
            .map(|_| {
                at += 60 + rng.below(9 * DAY as u64) as i64;
                (at, rng.below(2) == 0)
            })
            .collect();
        let whole = chat("Ann", &messages);
        let mut once = sam();
        import(&mut once, &whole);
        let expected = history(&once, "Ann");
        let total =
            |h: &[MonthCount]| h.iter().map(|m| (m.sent, m.received)).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        let c = contact(&once.contacts(0), "Ann").clone();
        assert_eq!(total(&expected), (c.sent_count, c.received_count), "seed {seed}: months add up to the counts");

        // Two overlapping parts, then the whole file again: nothing is counted twice.
        let cut_a = rng.below(n as u64) as usize;
        let cut_b = (cut_a + rng.below((n - cut_a) as u64) as usize).min(n);
        let mut parts = sam();
        import(&mut parts, &chat("Ann", &messages[..cut_b.max(1)]));
        import(&mut parts, &chat("Ann", &messages[cut_a..]));
        import(&mut parts, &whole);
        assert_eq!(history(&parts, "Ann"), expected, "seed {seed}: parts {cut_a}..{cut_b}");
        let restored = Engine::restore(&parts.snapshot()).expect("restores");
        assert_eq!(history(&restored, "Ann"), expected, "seed {seed}: after a snapshot");
    }
}

#[test]
fn a_merged_contact_has_each_sources_months_and_group_messages() {
    let mut engine = sam();
    engine.set_default_country(Some("GB")).expect("GB");
    let wa = chat("+44 7700 900123", &[(DAY, false), (DAY + 60, true), (40 * DAY, false)]);
    import(&mut engine, &wa);
    let mut group = String::new();
    for (i, (day, who)) in [(2, "+44 7700 900123"), (3, "Sam"), (33, "+44 7700 900123"), (34, "Bo")].iter().enumerate()
    {
        group.push_str(&format!("{:02}/01/2024, 10:0{i} - {who}: CANARY-keep-group-{i}\n", day).replace(
            &format!("{:02}/01/2024", day),
            &chrono::DateTime::from_timestamp(JAN_2024 + day * DAY, 0).expect("t").format("%d/%m/%Y").to_string(),
        ));
    }
    import(&mut engine, &("WhatsApp Chat with Book Club.txt".to_string(), group));
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nTEL:07700 900123\r\nNOTE:CANARY-keep-note\r\nEND:VCARD\r\n";
    import(&mut engine, &("contacts.vcf".to_string(), card.to_string()));
    let contacts = engine.contacts(0);
    let ann = contact(&contacts, "Ann Lee");
    assert_eq!(ann.group_message_count, 2);
    assert_eq!(
        engine.history(&ann.id, None).expect("history"),
        vec![month("2024-01", "whatsapp", 1, 1, 1), month("2024-02", "whatsapp", 0, 1, 1)]
    );
    let json = serde_json::to_string(&engine.history(&ann.id, None).expect("history")).expect("json");
    assert!(!json.contains("CANARY"));
    assert!(!String::from_utf8_lossy(&engine.snapshot()).contains("CANARY"));
}

/// The version 4 snapshot a build before monthly counts wrote (`tests/fixtures/snapshots`):
/// the cross-source fixture with GB set and the Bo Kim suggestion accepted.
const V4_SAMPLE: &[u8] = include_bytes!("fixtures/snapshots/v4-cross-source.snap");

fn cross_source_today() -> Engine {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/identity/cross-source");
    let mut engine = Engine::new(&[]);
    engine.set_default_country(Some("GB")).expect("GB");
    for name in [
        "WhatsApp Chat with +44 7700 900123.txt",
        "WhatsApp Chat with Bo Kim.txt",
        "result.json",
        "mail.mbox",
        "contacts.vcf",
    ] {
        let bytes = std::fs::read(dir.join(name)).expect("a fixture");
        engine.import_bytes(name, &bytes, Box::new(FixedZone(0)), options()).expect(name);
    }
    let suggestion = engine.suggestions().into_iter().next().expect("Bo Kim is suggested");
    engine.accept_suggestion(&suggestion.id, 1_700_000_000).expect("accepts");
    engine
}

#[test]
fn a_version_4_snapshot_migrates_with_its_contacts_and_decisions_and_no_months() {
    assert_eq!(V4_SAMPLE[4], 4, "the sample is a version 4 snapshot");
    let migrated = Engine::restore(V4_SAMPLE).expect("v4 restores");
    let today = cross_source_today();
    assert_eq!(migrated.contacts(0), today.contacts(0), "same contacts, merges and ids");
    assert_eq!(migrated.decisions(), today.decisions());
    // The months before the update are not known: the history starts empty, and is not
    // invented by a re-import, whose messages were counted already.
    assert_eq!(history(&migrated, "Ann Lee"), vec![]);
    assert!(!history(&today, "Ann Lee").is_empty());
    let v5 = migrated.snapshot();
    assert_eq!(v5[4], kith::store::SNAPSHOT_VERSION);
    assert_eq!(Engine::restore(&v5).expect("v5").contacts(0), today.contacts(0));
}

#[test]
fn goals_snoozes_and_not_now_change_the_ranking_and_persist() {
    let mut engine = sam();
    // Ann: talked every 2 days until day 20. Bo: waiting on Sam since day 25.
    let ann_messages: Vec<(i64, bool)> = (0..10).map(|i| (i * 2 * DAY, i % 2 == 1)).collect();
    import(&mut engine, &chat("Ann", &ann_messages));
    import(&mut engine, &chat("Bo", &[(DAY, true), (25 * DAY, false)]));
    let now = JAN_2024 + 30 * DAY;
    let ranked = |engine: &Engine| {
        let mut contacts = engine.contacts(now);
        contacts.sort_by(|a, b| b.attention.total_cmp(&a.attention));
        contacts.into_iter().map(|c| (c.name, c.attention, c.attention_reason)).collect::<Vec<_>>()
    };
    assert_eq!(
        ranked(&engine),
        vec![
            ("Bo".to_string(), 10.0, Some("waiting on you 5 days".to_string())),
            ("Ann".to_string(), 6.0, Some("12 days quiet (usually every 2 days)".to_string())),
        ]
    );
    let ann_id = contact(&engine.contacts(now), "Ann").id.clone();
    let bo_id = contact(&engine.contacts(now), "Bo").id.clone();
    assert_eq!(contact(&engine.contacts(now), "Ann").suggested_goal_days, Some(7));

    // A monthly goal: 12 days is not overdue against it.
    engine.keep_in_touch(&ann_id, KeepChange::Goal(Some(30)), now).expect("goal");
    let ann = contact(&engine.contacts(now), "Ann").clone();
    assert_eq!((ann.goal_days, ann.attention, ann.overdue_ratio), (Some(30), 0.0, Some(0.4)));
    // 40 days on, it is, and says so.
    let later = now + 40 * DAY;
    let ann = contact(&engine.contacts(later), "Ann").clone();
    assert_eq!(ann.attention_reason.as_deref(), Some("3 weeks past your monthly goal"));

    // Snoozing Bo takes him out until the date; "not now" on Ann until she next talks.
    engine.keep_in_touch(&bo_id, KeepChange::Snooze(Some(now + 7 * DAY)), now).expect("snooze");
    engine.keep_in_touch(&ann_id, KeepChange::NotNow(true), later).expect("not now");
    let contacts = engine.contacts(later - 35 * DAY);
    assert_eq!(contact(&contacts, "Bo").attention, 0.0);
    assert!(contact(&contacts, "Bo").snoozed_until.is_some());
    assert!(contact(&engine.contacts(later), "Bo").attention >= 10.0, "the snooze ended");
    assert_eq!(contact(&engine.contacts(later), "Ann").attention, 0.0);
    engine.keep_in_touch(&ann_id, KeepChange::Reminders(false), later).expect("no reminders");
    assert!(!contact(&engine.contacts(later), "Ann").reminders);

    // Settings survive a snapshot and a re-import, and a bad one is a named error.
    let mut restored = Engine::restore(&engine.snapshot()).expect("restores");
    assert_eq!(restored.contacts(later), engine.contacts(later));
    import(&mut restored, &chat("Ann", &ann_messages));
    assert_eq!(contact(&restored.contacts(later), "Ann").goal_days, Some(30));
    let before = restored.contacts(later);
    assert_eq!(
        restored.keep_in_touch(&ann_id, KeepChange::Goal(Some(0)), later),
        Err(kith::IdentityError::InvalidGoal)
    );
    assert_eq!(
        restored.keep_in_touch(&ann_id, KeepChange::Snooze(Some(later - 1)), later),
        Err(kith::IdentityError::InvalidSnooze)
    );
    assert_eq!(
        restored.keep_in_touch("c0", KeepChange::Goal(Some(7)), later),
        Err(kith::IdentityError::UnknownContact)
    );
    assert_eq!(restored.contacts(later), before, "a refused setting changes nothing");

    // Clearing everything leaves no setting in effect. What was cleared, and when, is kept
    // (a few bytes): on another device of the account the older settings would otherwise
    // come back when the two devices' states are combined.
    for change in [KeepChange::Goal(None), KeepChange::NotNow(false), KeepChange::Reminders(true)] {
        restored.keep_in_touch(&ann_id, change, later).expect("clears");
    }
    restored.keep_in_touch(&bo_id, KeepChange::Snooze(None), later).expect("wakes");
    let mut fresh = sam();
    import(&mut fresh, &chat("Ann", &ann_messages));
    import(&mut fresh, &chat("Bo", &[(DAY, true), (25 * DAY, false)]));
    assert_eq!(restored.contacts(later), fresh.contacts(later));
    assert_eq!(Engine::restore(&restored.snapshot()).expect("restores").contacts(later), fresh.contacts(later));
    let mut older = fresh;
    older.keep_in_touch(&ann_id, KeepChange::Goal(Some(7)), now).expect("an older goal on another device");
    older.absorb(&restored.device_state()).expect("absorbs");
    assert_eq!(contact(&older.contacts(later), "Ann").goal_days, None, "the later clearing wins");
}

#[test]
fn a_goal_follows_the_person_through_a_merge_and_any_source_resets_it() {
    let mut engine = Engine::new(&["Sam".to_string(), "sam@example.com".to_string()]);
    engine.set_default_country(Some("GB")).expect("GB");
    import(&mut engine, &chat("+44 7700 900123", &[(DAY, false), (2 * DAY, true)]));
    let now = JAN_2024 + 30 * DAY;
    let wa_id = contact(&engine.contacts(now), "+44 7700 900123").id.clone();
    engine.keep_in_touch(&wa_id, KeepChange::Goal(Some(14)), now).expect("goal");
    assert!(contact(&engine.contacts(now), "+44 7700 900123").attention > 1.0);
    // A mail from the same person, found through a card: one contact, the goal kept, and the
    // recent mail resets it.
    let card =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nTEL:+44 7700 900123\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n";
    import(&mut engine, &("contacts.vcf".to_string(), card.to_string()));
    let mail = format!(
        "From ann@example.com Mon Jan 29 10:00:00 2024\nFrom: Ann Lee <ann@example.com>\nTo: Sam <sam@example.com>\nDate: {}\nSubject: hi\n\nCANARY-keep-mail\n",
        chrono::DateTime::from_timestamp(now - DAY, 0).expect("t").to_rfc2822()
    );
    import(&mut engine, &("mail.mbox".to_string(), mail));
    let contacts = engine.contacts(now);
    let ann = contact(&contacts, "Ann Lee");
    assert_eq!(ann.id, wa_id, "the WhatsApp id is kept");
    assert_eq!(ann.goal_days, Some(14));
    // The mail a day ago resets the goal: she is waiting on a reply, no longer overdue.
    assert_eq!(ann.overdue_ratio, Some(0.07));
    assert_eq!((ann.attention, ann.attention_reason.as_deref()), (10.0, Some("waiting on you 1 day")));
}

/// The cross-source fixture with GB set, the Bo Kim suggestion accepted, a live row, a goal for
/// Ann, and a snooze and no reminders for Bo, all set at [`SAMPLE_NOW`]: what the version 5
/// and 6 samples in `tests/fixtures/snapshots` hold (the version 5 one written by the build
/// before keep-in-touch times, from this same sequence).
fn keep_sample_today() -> Engine {
    let mut engine = cross_source_today();
    engine.ingest(
        &[kith::LiveEvent {
            chat: "Bo Kim".into(),
            id: "false_bo@c.us_1".into(),
            direction: "in".into(),
            header: "[21:00, 08/03/2024] Bo Kim: ".into(),
        }],
        Box::new(FixedZone(0)),
        kith::DateOrder::DayMonth,
    );
    let contacts = engine.contacts(SAMPLE_NOW);
    let id = |name: &str| contact(&contacts, name).id.clone();
    engine.keep_in_touch(&id("Ann Lee"), KeepChange::Goal(Some(14)), SAMPLE_NOW).expect("goal");
    engine.keep_in_touch(&id("Bo Kim"), KeepChange::Snooze(Some(SAMPLE_NOW + 30 * DAY)), SAMPLE_NOW).expect("snooze");
    engine.keep_in_touch(&id("Bo Kim"), KeepChange::Reminders(false), SAMPLE_NOW).expect("reminders");
    engine
}

const SAMPLE_NOW: i64 = 1_710_000_000;
const V5_SAMPLE: &[u8] = include_bytes!("fixtures/snapshots/v5-cross-source-keep.snap");
const V6_SAMPLE: &[u8] = include_bytes!("fixtures/snapshots/v6-cross-source-keep.snap");

/// Writes the current build's sample: `SAMPLE_OUT=tests/fixtures/snapshots/vN-….snap cargo
/// test --test native_keep -- --ignored write_the_keep_sample`, when the layout changes.
#[test]
#[ignore]
fn write_the_keep_sample() {
    let out = std::env::var("SAMPLE_OUT").expect("SAMPLE_OUT names the file to write");
    std::fs::write(out, keep_sample_today().snapshot()).expect("written");
}

#[test]
fn a_version_5_snapshot_migrates_with_its_settings_older_than_any_change_since() {
    assert_eq!(V5_SAMPLE[4], 5, "the sample is a version 5 snapshot");
    let migrated = Engine::restore(V5_SAMPLE).expect("v5 restores");
    let today = keep_sample_today();
    let later = SAMPLE_NOW + DAY;
    assert_eq!(migrated.contacts(later), today.contacts(later), "same contacts, goals and snoozes");
    assert_eq!(contact(&migrated.contacts(later), "Ann Lee").goal_days, Some(14));
    // The migrated settings have no time: any change made since, on any device, is later.
    let mut other_device = Engine::restore(V5_SAMPLE).expect("v5 restores");
    let ann = contact(&other_device.contacts(later), "Ann Lee").id.clone();
    other_device.keep_in_touch(&ann, KeepChange::Goal(Some(30)), SAMPLE_NOW - 1_000 * DAY).expect("goal");
    let mut view = Engine::restore(V5_SAMPLE).expect("v5 restores");
    view.absorb(&other_device.device_state()).expect("absorbs");
    assert_eq!(contact(&view.contacts(later), "Ann Lee").goal_days, Some(30));
    let v6 = migrated.snapshot();
    assert_eq!(v6[4], kith::store::SNAPSHOT_VERSION);
    assert_eq!(Engine::restore(&v6).expect("v6").contacts(later), today.contacts(later));
}

#[test]
fn a_version_6_snapshot_restores_with_its_settings_and_their_times() {
    assert_eq!(V6_SAMPLE[4], 6, "the sample is a version 6 snapshot");
    let restored = Engine::restore(V6_SAMPLE).expect("v6 restores");
    let today = keep_sample_today();
    let later = SAMPLE_NOW + DAY;
    assert_eq!(restored.contacts(later), today.contacts(later));
    assert_eq!(restored.decisions(), today.decisions());
    assert_eq!(Engine::restore(&restored.snapshot()).expect("again").snapshot(), restored.snapshot(), "stable");
    // The times came along: a change on another device made before them loses.
    let mut other_device = Engine::restore(V6_SAMPLE).expect("v6 restores");
    let ann = contact(&other_device.contacts(later), "Ann Lee").id.clone();
    other_device.keep_in_touch(&ann, KeepChange::Goal(Some(30)), SAMPLE_NOW - DAY).expect("goal");
    let mut view = Engine::restore(V6_SAMPLE).expect("v6 restores");
    view.absorb(&other_device.device_state()).expect("absorbs");
    assert_eq!(contact(&view.contacts(later), "Ann Lee").goal_days, Some(14));
}
