//! Two devices of one account: each publishes its own state (`Engine::device_state`), and each
//! computes its view as its own state with the other's absorbed (`Engine::absorb`). The views
//! must agree with each other and with one engine that imported everything:
//! `cargo test --test native_absorb`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::keep::KeepChange;
use kith::store::StoreError;
use kith::{Contact, Correction, DateOrder, Engine, FixedZone, LiveEvent};

use common::{options, Rng};

const DAY: i64 = 86_400;
/// 2024-01-01T00:00Z.
const JAN_2024: i64 = 1_704_067_200;

fn cross_source(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/identity/cross-source");
    std::fs::read(dir.join(name)).expect("a fixture")
}

/// X, Y and Z of the acceptance: three chats from two sources.
const X: &str = "WhatsApp Chat with +44 7700 900123.txt";
const Y: &str = "result.json";
const Z: &str = "WhatsApp Chat with Bo Kim.txt";

fn engine_with(files: &[&str]) -> Engine {
    let mut engine = Engine::new(&[]);
    engine.set_default_country(Some("GB")).expect("GB");
    for name in files {
        let opts = engine.import_options(options());
        engine.import_bytes(name, &cross_source(name), Box::new(FixedZone(0)), opts).expect(name);
    }
    engine
}

/// Bo Kim of the WhatsApp chat (the Telegram export has a Bo Kim of its own).
fn whatsapp_bo(contacts: &[Contact]) -> Option<&Contact> {
    contacts.iter().find(|c| c.handles.iter().any(|h| h.key == "name:bo kim"))
}

/// `own`'s view: its own state restored, the others absorbed in order.
fn view(own: &Engine, others: &[&Engine]) -> Engine {
    let mut view = Engine::restore(&own.device_state()).expect("own state restores");
    for other in others {
        view.absorb(&other.device_state()).expect("absorbs");
    }
    view
}

/// What must agree with a single engine's: counts and times, by contact id.
fn numbers(contacts: &[Contact]) -> Vec<(String, [u32; 4], [Option<i64>; 5])> {
    let mut out: Vec<_> = contacts
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                [c.sent_count, c.received_count, c.call_count, c.group_message_count],
                [
                    c.last_sent_at,
                    c.last_received_at,
                    c.last_interaction_at,
                    c.first_interaction_at,
                    c.last_group_message_at,
                ],
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn two_devices_with_a_shared_export_agree_with_each_other_and_with_one_engine() {
    let a = engine_with(&[X, Z]);
    let b = engine_with(&[Y, Z]);
    let (view_a, view_b) = (view(&a, &[&b]), view(&b, &[&a]));
    assert_eq!(view_a.contacts(0), view_b.contacts(0), "both views: the same ids, names, counts, times");
    let single = engine_with(&[X, Y, Z]);
    assert_eq!(numbers(&view_a.contacts(0)), numbers(&single.contacts(0)));
    // Z was imported on both devices: counted once.
    let bo = |c: &[Contact]| whatsapp_bo(c).map(|c| (c.sent_count, c.received_count));
    assert_eq!(bo(&view_a.contacts(0)), bo(&engine_with(&[Z]).contacts(0)));
    // A reference that can fail: importing Z twice into one engine is not what absorbing did
    // wrong, but adding the two copies' counts would be.
    assert!(bo(&view_a.contacts(0)).is_some_and(|(s, r)| s + r > 0));
}

#[test]
fn absorbing_a_state_again_changes_nothing() {
    let a = engine_with(&[X, Z]);
    let b = engine_with(&[Y, Z]);
    let once = view(&a, &[&b]);
    let mut twice = view(&a, &[&b]);
    let report = twice.absorb(&b.device_state()).expect("absorbs");
    assert_eq!(report.chats_added, 0);
    assert_eq!(twice.contacts(0), once.contacts(0));
    assert_eq!(twice.snapshot(), once.snapshot(), "not a byte changed");
    // Its own state absorbed into itself: the same.
    let mut itself = view(&a, &[]);
    itself.absorb(&a.device_state()).expect("absorbs");
    assert_eq!(itself.contacts(0), a.contacts(0));
}

#[test]
fn the_device_state_has_no_sync_bookkeeping_and_no_message_text() {
    let mut a = engine_with(&[X, Y, Z, "mail.mbox", "contacts.vcf"]);
    let (upserts, _) = a.sync_changes(0);
    a.acknowledge_sync(&kith::sync::SyncBatch {
        batch_key: "batch-0001".into(),
        upserts: upserts.clone(),
        deletions: Vec::new(),
    });
    assert!(a.sync_changes(0).0.is_empty(), "everything acknowledged");
    let state = a.device_state();
    let restored = Engine::restore(&state).expect("a device state is a snapshot");
    assert_eq!(restored.contacts(0), a.contacts(0));
    assert_eq!(restored.sync_changes(0).0.len(), upserts.len(), "nothing acknowledged in it");
    let text = String::from_utf8_lossy(&state);
    // The positive control: names are stored as UTF-8, so a canary in the bytes would show.
    assert!(text.contains("Bo Kim"));
    assert!(!text.contains(common::CANARY), "no message body in a device state");
    // Absorbing keeps this engine's own acknowledgements.
    let mut view = Engine::restore(&a.snapshot()).expect("restores");
    view.absorb(&engine_with(&[Z]).device_state()).expect("absorbs");
    assert!(view.sync_changes(0).0.is_empty());
}

/// A WhatsApp export between Sam and Ann: `(seconds since JAN_2024, author is Sam)`.
fn ann_export(messages: &[(i64, bool)]) -> Vec<u8> {
    let mut text = String::new();
    for (i, &(offset, mine)) in messages.iter().enumerate() {
        let t = chrono::DateTime::from_timestamp(JAN_2024 + offset, 0).expect("time").naive_utc();
        let author = if mine { "Sam" } else { "Ann" };
        text.push_str(&format!("{} - {author}: CANARY-absorb-{i} text\n", t.format("%d/%m/%Y, %H:%M")));
    }
    text.into_bytes()
}

fn sam() -> Engine {
    Engine::new(&["Sam".to_string()])
}

fn import_ann(engine: &mut Engine, messages: &[(i64, bool)]) {
    let opts = engine.import_options(options());
    engine
        .import_bytes("WhatsApp Chat with Ann.txt", &ann_export(messages), Box::new(FixedZone(0)), opts)
        .expect("Ann's export");
}

/// Live rows of the chat with Ann, as WhatsApp Web shows them.
fn ann_live(messages: &[(i64, bool)]) -> Vec<LiveEvent> {
    messages
        .iter()
        .map(|&(offset, mine)| {
            let t = chrono::DateTime::from_timestamp(JAN_2024 + offset, 0).expect("time").naive_utc();
            let author = if mine { "Sam" } else { "Ann" };
            LiveEvent {
                chat: "Ann".into(),
                id: format!("{}_ann@c.us_{offset}", if mine { "true" } else { "false" }),
                direction: if mine { "out" } else { "in" }.into(),
                header: format!("[{}] {author}: ", t.format("%H:%M, %d/%m/%Y")),
            }
        })
        .collect()
}

fn history(engine: &Engine, name: &str) -> Vec<kith::keep::MonthCount> {
    let contacts = engine.contacts(0);
    let id = &contacts.iter().find(|c| c.name == name).expect("a contact").id;
    engine.history(id, None).expect("history")
}

fn ann(engine: &Engine) -> Contact {
    engine.contacts(0).into_iter().find(|c| c.name == "Ann").expect("Ann")
}

#[test]
fn disjoint_exports_of_one_chat_add_up() {
    let january: Vec<(i64, bool)> = (0..10).map(|i| (i * DAY + 3_600, i % 3 == 0)).collect();
    let march: Vec<(i64, bool)> = (60..75).map(|i| (i * DAY + 7_200, i % 2 == 0)).collect();
    let mut a = sam();
    import_ann(&mut a, &january);
    let mut b = sam();
    import_ann(&mut b, &march);
    let (view_a, view_b) = (view(&a, &[&b]), view(&b, &[&a]));
    assert_eq!(view_a.contacts(0), view_b.contacts(0));
    let mut single = sam();
    import_ann(&mut single, &january);
    import_ann(&mut single, &march);
    assert_eq!(numbers(&view_a.contacts(0)), numbers(&single.contacts(0)));
    assert_eq!(ann(&view_a).sent_count + ann(&view_a).received_count, 25);
    assert_eq!(history(&view_a, "Ann"), history(&single, "Ann"));
    assert_eq!(ann(&view_a).cadence_days, ann(&single).cadence_days, "active days united");
}

#[test]
fn live_capture_on_one_device_and_the_export_on_the_other_count_once() {
    // One history of 41 days, some messages at 23:50 UTC, some on a month's last day. The
    // export on A runs to day 20; WhatsApp Web on B saw days 15 to 40: days 15 to 20 are the
    // same messages on both.
    let history_of = |days: std::ops::RangeInclusive<i64>| -> Vec<(i64, bool)> {
        days.map(|i| (i * DAY + if i % 4 == 2 { 23 * 3_600 + 50 * 60 } else { 3_600 * (i % 5) }, i % 3 == 0)).collect()
    };
    let (export, live) = (history_of(0..=20), history_of(15..=40));
    let mut a = sam();
    import_ann(&mut a, &export);
    let mut b = sam();
    b.ingest(&ann_live(&live), Box::new(FixedZone(0)), DateOrder::DayMonth);
    let (view_a, view_b) = (view(&a, &[&b]), view(&b, &[&a]));
    assert_eq!(view_a.contacts(0), view_b.contacts(0));
    // One engine that saw both, in either order.
    let mut export_first = sam();
    import_ann(&mut export_first, &export);
    export_first.ingest(&ann_live(&live), Box::new(FixedZone(0)), DateOrder::DayMonth);
    let mut live_first = sam();
    live_first.ingest(&ann_live(&live), Box::new(FixedZone(0)), DateOrder::DayMonth);
    import_ann(&mut live_first, &export);
    assert_eq!(numbers(&export_first.contacts(0)), numbers(&live_first.contacts(0)), "the reference agrees");
    let counted = ann(&view_a);
    assert_eq!(numbers(&view_a.contacts(0)), numbers(&export_first.contacts(0)));
    assert_eq!(counted.sent_count + counted.received_count, 41, "nothing doubled, nothing after the export lost");
    // Day 40's message, captured live only, at midnight.
    assert_eq!(counted.last_interaction_at, Some(JAN_2024 + 40 * DAY));
    assert_eq!(history(&view_a, "Ann"), history(&export_first, "Ann"), "months exact");
    assert_eq!(counted.cadence_days, ann(&export_first).cadence_days);
    assert_eq!(counted.waiting_on, ann(&export_first).waiting_on);
    // Absorbing again adds nothing.
    let mut again = view(&a, &[&b]);
    again.absorb(&b.device_state()).expect("absorbs");
    assert_eq!(again.contacts(0), view_a.contacts(0));
}

#[test]
fn live_minutes_east_of_utc_land_in_their_local_month() {
    // Captured at UTC+2: 23:30 UTC on 31 January is 1 February there.
    let zone = || Box::new(FixedZone(2 * 3_600));
    let at = 30 * DAY + 23 * 3_600 + 30 * 60;
    let live: Vec<(i64, bool)> = (25..=35).map(|d| (d * DAY + 23 * 3_600 + 30 * 60, d % 2 == 0)).collect();
    let events = |m: &[(i64, bool)]| {
        // Headers are local times: shift by the zone's two hours.
        let mut e = ann_live(&m.iter().map(|&(t, mine)| (t + 2 * 3_600, mine)).collect::<Vec<_>>());
        for (event, (t, _)) in e.iter_mut().zip(m) {
            event.id = format!("id_{t}");
        }
        e
    };
    assert!(live.iter().any(|(t, _)| *t == at));
    let mut a = sam();
    import_ann(&mut a, &[(DAY, false)]);
    let mut b = sam();
    b.ingest(&events(&live), zone(), DateOrder::DayMonth);
    let mut single = sam();
    import_ann(&mut single, &[(DAY, false)]);
    single.ingest(&events(&live), zone(), DateOrder::DayMonth);
    let combined = view(&a, &[&b]);
    assert_eq!(history(&combined, "Ann"), history(&single, "Ann"));
    assert_eq!(numbers(&combined.contacts(0)), numbers(&single.contacts(0)));
}

#[test]
fn exports_that_overlap_in_part_keep_the_wider_and_warn_without_names() {
    let first: Vec<(i64, bool)> = (0..10).map(|i| (i * DAY, i % 2 == 0)).collect();
    let second: Vec<(i64, bool)> = (5..30).map(|i| (i * DAY, i % 2 == 0)).collect();
    // Exports that do not start at the chat's beginning (the user cleared the chat between
    // them, say): neither contains the other.
    let mut a = sam();
    import_ann(&mut a, &first);
    let mut b = sam();
    import_ann(&mut b, &second);
    let mut view_a = view(&a, &[]);
    let report = view_a.absorb(&b.device_state()).expect("absorbs");
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(!report.warnings[0].contains("Ann"), "no names in a warning: {}", report.warnings[0]);
    assert_eq!(ann(&view_a).sent_count + ann(&view_a).received_count, 25, "the wider export");
    assert_eq!(view_a.contacts(0), view(&b, &[&a]).contacts(0));
}

#[test]
fn a_merge_and_a_rename_made_on_one_device_show_on_the_other() {
    let mut a = engine_with(&[X, Z]);
    let b = engine_with(&[Y, Z]);
    // Both devices see Ann's WhatsApp number and, on B, her Telegram; merged on A's view they
    // are one person only once A knows both: A merges its own contacts here, Bo Kim and Ann.
    let contacts = a.contacts(0);
    let bo = whatsapp_bo(&contacts).expect("Bo Kim").id.clone();
    let ann = contacts.iter().find(|c| c.name != "Bo Kim").expect("Ann").id.clone();
    a.correct_contact(&ann, Correction::Rename("Annie".into()), JAN_2024 + 100 * DAY).expect("renames");
    let merged = a.merge_contacts(&bo, &ann, JAN_2024 + 101 * DAY).expect("merges");
    let view_b = view(&b, &[&a]);
    let after = view_b.contacts(0);
    let person = after.iter().find(|c| Some(&c.id) == merged.contact_id.as_ref()).expect("the merged contact on B");
    assert_eq!(person.name, "Annie");
    assert!(person.handles.iter().any(|h| h.name == "Bo Kim"), "{:?}", person.handles);
    assert_eq!(view_b.contacts(0), view(&a, &[&b]).contacts(0));
    assert_eq!(view_b.decisions().len(), 2);
}

#[test]
fn the_later_keep_in_touch_goal_wins_in_both_views() {
    let mut a = engine_with(&[X, Z]);
    let mut b = engine_with(&[Y, Z]);
    let bo_on = |e: &Engine| whatsapp_bo(&e.contacts(0)).expect("Bo Kim").id.clone();
    let (bo_a, bo_b) = (bo_on(&a), bo_on(&b));
    assert_eq!(bo_a, bo_b, "one chat, one id on both devices");
    b.keep_in_touch(&bo_b, KeepChange::Goal(Some(30)), JAN_2024 + 200 * DAY).expect("later goal on B");
    a.keep_in_touch(&bo_a, KeepChange::Goal(Some(7)), JAN_2024 + 100 * DAY).expect("earlier goal on A");
    // A snooze set on A after B's goal: each setting its own latest.
    a.keep_in_touch(&bo_a, KeepChange::Snooze(Some(JAN_2024 + 400 * DAY)), JAN_2024 + 300 * DAY).expect("snooze");
    for v in [view(&a, &[&b]), view(&b, &[&a])] {
        let contacts = v.contacts(JAN_2024 + 301 * DAY);
        let bo = whatsapp_bo(&contacts).expect("Bo Kim");
        assert_eq!(bo.goal_days, Some(30));
        assert_eq!(bo.snoozed_until, Some(JAN_2024 + 400 * DAY));
    }
}

#[test]
fn a_damaged_state_is_refused_by_name_and_changes_nothing() {
    let a = engine_with(&[X, Z]);
    let b = engine_with(&[Y]);
    let state = b.device_state();
    let mut v = view(&a, &[]);
    let before = (v.contacts(0), v.snapshot());
    for cut in 0..state.len() {
        let err = v.absorb(&state[..cut]).expect_err("a truncated state");
        assert_eq!(err.name(), "CorruptSnapshot", "cut at {cut}");
    }
    let mut flipped = state.clone();
    flipped[4] = 99;
    assert_eq!(v.absorb(&flipped), Err(StoreError::UnsupportedVersion { found: 99 }));
    assert_eq!(v.absorb(b"not kith").map_err(|e| e.name()), Err("CorruptSnapshot"));
    let mut stray = state.clone();
    stray.push(0);
    assert!(v.absorb(&stray).is_err());
    assert_eq!((v.contacts(0), v.snapshot()), before, "unchanged by every refusal");
    v.absorb(&state).expect("the whole state absorbs");
    assert_ne!(v.contacts(0), before.0);
}

#[test]
fn any_order_of_absorbing_gives_the_same_contacts() {
    let files = [X, Y, Z, "mail.mbox", "contacts.vcf"];
    let single = engine_with(&files);
    for seed in 1..=12u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        // Three devices, each with a random choice of the files (every file on one at least).
        let mut chosen: Vec<Vec<&str>> = vec![Vec::new(); 3];
        for file in files {
            let mut on = rng.below(7) + 1;
            for device in &mut chosen {
                if on & 1 == 1 {
                    device.push(file);
                }
                on >>= 1;
            }
        }
        let devices: Vec<Engine> = chosen.iter().map(|f| engine_with(f)).collect();
        let mut views = Vec::new();
        for own in 0..3 {
            let mut others: Vec<&Engine> = (0..3).filter(|&d| d != own).map(|d| &devices[d]).collect();
            if rng.below(2) == 1 {
                others.reverse();
            }
            views.push(view(&devices[own], &others));
        }
        let contacts = views[0].contacts(0);
        for (i, v) in views.iter().enumerate().skip(1) {
            assert_eq!(v.contacts(0), contacts, "seed {seed}: device {i} {chosen:?}");
        }
        assert_eq!(numbers(&contacts), numbers(&single.contacts(0)), "seed {seed}: {chosen:?}");
    }
}

#[test]
fn what_the_view_names_does_not_depend_on_which_device_knew_it() {
    // The same handle under two spellings in two chats, one on each device: the view takes a
    // handle's name from the first chat it is in, which must be the same chat on both.
    let chat = |title: &str, lines: &[(&str, &str)]| {
        let text: String = lines
            .iter()
            .enumerate()
            .map(|(i, (day, who))| format!("{day}/02/2024, 10:0{i} - {who}: CANARY-absorb-name-{i}\n"))
            .collect();
        (format!("WhatsApp Chat with {title}.txt"), text)
    };
    let direct = chat("Ann Lee", &[("01", "Ann Lee"), ("02", "Sam")]);
    let group = chat("Book Club", &[("03", "ANN LEE"), ("04", "Bo"), ("05", "Sam")]);
    let with = |files: &[&(String, String)]| {
        let mut e = sam();
        for (name, text) in files {
            let opts = e.import_options(options());
            e.import_bytes(name, text.as_bytes(), Box::new(FixedZone(0)), opts).expect(name);
        }
        e
    };
    let (a, b) = (with(&[&group]), with(&[&direct]));
    let (view_a, view_b) = (view(&a, &[&b]), view(&b, &[&a]));
    assert_eq!(view_a.contacts(0), view_b.contacts(0));
    // Decisions made on both devices apply in the order they were made, on either view: the
    // later rename wins.
    let mut a = a;
    let mut b = b;
    let ann_on =
        |e: &Engine| e.contacts(0).into_iter().find(|c| c.name.eq_ignore_ascii_case("ann lee")).expect("Ann").id;
    let (ann_a, ann_b) = (ann_on(&a), ann_on(&b));
    b.correct_contact(&ann_b, Correction::Rename("Annie".into()), JAN_2024 + 2 * DAY).expect("later");
    a.correct_contact(&ann_a, Correction::Rename("Anna".into()), JAN_2024 + DAY).expect("earlier");
    for v in [view(&a, &[&b]), view(&b, &[&a])] {
        assert!(v.contacts(0).iter().any(|c| c.name == "Annie"), "{:?}", v.contacts(0));
        assert_eq!(v.decisions().iter().map(|d| d.id).collect::<Vec<_>>(), vec![1, 2], "numbered again");
    }
    assert_eq!(view(&a, &[&b]).contacts(0), view(&b, &[&a]).contacts(0));
}
