//! Decisions copied between engines by record: how a decision made on the view of several
//! devices (where its contact ids resolve) reaches this device's own knowledge (where they may
//! not), by the handles it names.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::{Correction, Engine, FixedZone, IdentityError};

use common::options;

const NOW: i64 = 1_795_521_600;

fn whatsapp(name: &str) -> (String, String) {
    let text =
        format!("05/03/2024, 10:00 - {name}: hi\n05/03/2024, 10:05 - Sam: hello\n05/03/2024, 10:07 - {name}: ok\n");
    (format!("WhatsApp Chat with {name}.txt"), text)
}

fn mbox(name: &str, address: &str) -> (String, String) {
    let text = format!(
        "From 1@xxx Mon Apr 01 09:00:00 +0000 2024\nFrom: {name} <{address}>\nTo: Sam <sam@example.com>\nDate: Mon, 01 Apr 2024 09:00:00 +0000\nMessage-ID: <a1@example.com>\nSubject: s\n\nbody\n\n"
    );
    ("mail.mbox".to_string(), text)
}

fn import(engine: &mut Engine, (name, text): &(String, String)) {
    engine.import_bytes(name, text.as_bytes(), Box::new(FixedZone(0)), options()).expect("imports");
}

fn own_and_view() -> (Engine, Engine) {
    let mut own = Engine::new(&["Sam".to_string(), "sam@example.com".to_string()]);
    import(&mut own, &whatsapp("Ann Lee"));
    // The view knows more than own: here, a mail only another device imported.
    let mut view = Engine::restore(&own.snapshot()).expect("restores");
    import(&mut view, &mbox("Ann", "ann@example.com"));
    (own, view)
}

fn id_of(engine: &Engine, name: &str) -> String {
    engine.contacts(NOW).into_iter().find(|c| c.name == name).map(|c| c.id).expect(name)
}

#[test]
fn a_merge_made_on_the_view_holds_in_own_knowledge_once_it_knows_both_handles() {
    let (mut own, mut view) = own_and_view();
    let applied = view.merge_contacts(&id_of(&view, "Ann Lee"), &id_of(&view, "Ann"), NOW).expect("merges");
    let record = view.decision_record(Some(applied.decision)).expect("a record");
    own.record_decision(&record).expect("recorded");
    own.record_decision(&record).expect("recorded again");
    assert_eq!(own.decisions().len(), 1, "a decision is recorded once");
    assert_eq!(own.contacts(NOW).len(), 1, "own knowledge has Ann's WhatsApp only, so far");
    import(&mut own, &mbox("Ann", "ann@example.com"));
    let contacts = own.contacts(NOW);
    assert_eq!(contacts.len(), 1, "once own knows the mail too, the merge holds: {contacts:#?}");
    assert_eq!(contacts, view.contacts(NOW));
}

#[test]
fn a_rename_recorded_renames_in_own_knowledge() {
    let (mut own, mut view) = own_and_view();
    let ann = id_of(&view, "Ann Lee");
    view.correct_contact(&ann, Correction::Rename("Annie Lee".into()), NOW).expect("renames");
    own.record_decision(&view.decision_record(None).expect("the latest")).expect("recorded");
    assert_eq!(own.contacts(NOW)[0].name, "Annie Lee");
}

#[test]
fn only_a_decision_own_knowledge_made_can_be_undone_there() {
    let (mut own, mut view) = own_and_view();
    let mine = own.correct_contact(&id_of(&own, "Ann Lee"), Correction::Rename("Annie".into()), NOW).expect("renames");
    let mut view_of_mine = Engine::restore(&own.snapshot()).expect("restores");
    let record = view_of_mine.decision_record(Some(mine.decision)).expect("a record");
    // A decision own never made (the view's, from "another device") is refused by name.
    view.merge_contacts(&id_of(&view, "Ann Lee"), &id_of(&view, "Ann"), NOW + 1).expect("merges");
    let theirs = view.decision_record(None).expect("a record");
    let before = own.contacts(NOW);
    assert_eq!(own.undo_recorded(&theirs).map(|_| ()), Err(IdentityError::MadeOnAnotherDevice));
    assert_eq!(own.contacts(NOW), before, "nothing changed");
    own.undo_recorded(&record).expect("undone");
    assert_eq!(own.contacts(NOW)[0].name, "Ann Lee");
    assert!(own.decisions().is_empty());
    view_of_mine.undo(Some(mine.decision)).expect("undone on the view too");
}

#[test]
fn damaged_records_are_refused_and_change_nothing() {
    let (mut own, mut view) = own_and_view();
    view.merge_contacts(&id_of(&view, "Ann Lee"), &id_of(&view, "Ann"), NOW).expect("merges");
    let record = view.decision_record(None).expect("a record");
    for bad in [&record[..record.len() - 1], &[record.as_slice(), &[0]].concat()[..], &[][..]] {
        assert!(own.record_decision(bad).is_err());
        assert_eq!(own.undo_recorded(bad).map(|_| ()), Err(IdentityError::UnknownDecision));
    }
    assert!(own.decisions().is_empty());
    assert_eq!(view.decision_record(Some(99)), Err(IdentityError::UnknownDecision));
}

#[test]
fn keep_in_touch_settings_recorded_from_the_view_hold_in_own_knowledge_and_the_latest_change_wins() {
    let (mut own, mut view) = own_and_view();
    let ann = id_of(&view, "Ann Lee");
    view.keep_in_touch(&ann, kith::keep::KeepChange::Goal(Some(7)), NOW).expect("a goal");
    own.record_keep(&view.keep_record(&ann, NOW).expect("a record")).expect("recorded");
    assert_eq!(own.contacts(NOW)[0].goal_days, Some(7));
    // An older change recorded later does not undo the newer one.
    let mut older = Engine::restore(&own.snapshot()).expect("restores");
    older.keep_in_touch(&ann, kith::keep::KeepChange::Goal(Some(30)), NOW - 10).expect("a goal");
    own.record_keep(&older.keep_record(&ann, NOW).expect("a record")).expect("recorded");
    assert_eq!(own.contacts(NOW)[0].goal_days, Some(7), "the latest word wins");
    assert!(own.record_keep(&[1, 2, 3]).is_err(), "damaged bytes are refused");
    assert_eq!(own.contacts(NOW)[0].goal_days, Some(7));
    assert_eq!(
        view.keep_record(&id_of(&view, "Ann"), NOW),
        Err(IdentityError::UnknownContact),
        "no settings, no record"
    );
}
