//! The overview's numbers: the hours of the week of the user's own messages
//! (`ImportReport::your_week_hours`) and everybody's messages per month (`Engine::activity`):
//! `cargo test --test native_activity`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use kith::keep::MonthCount;
use kith::{Engine, FixedZone, ImportReport};

use common::options;

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// 2024-01-01T00:00 (local wall clock in the files below): a Monday.
const MONDAY: i64 = 1_704_067_200;

/// A WhatsApp export of `title` whose lines are `(local seconds since MONDAY, author)`.
fn export(title: &str, messages: &[(i64, &str)]) -> (String, String) {
    let mut text = String::new();
    for (i, &(offset, author)) in messages.iter().enumerate() {
        let t = chrono::DateTime::from_timestamp(MONDAY + offset, 0).expect("time").naive_utc();
        text.push_str(&format!("{} - {author}: CANARY-week-{i} text\n", t.format("%d/%m/%Y, %H:%M")));
    }
    (format!("WhatsApp Chat with {title}.txt"), text)
}

fn import_in(engine: &mut Engine, (name, text): &(String, String), offset_seconds: i32) -> ImportReport {
    let opts = engine.import_options(options());
    engine.import_bytes(name, text.as_bytes(), Box::new(FixedZone(offset_seconds)), opts).expect(name)
}

fn import(engine: &mut Engine, file: &(String, String)) -> ImportReport {
    import_in(engine, file, 0)
}

/// The report's non-zero slots, as `(slot, count)`.
fn slots(report: &ImportReport) -> Vec<(usize, u32)> {
    assert_eq!(report.your_week_hours.len(), 168, "one count per hour of the week");
    report.your_week_hours.iter().enumerate().filter(|(_, &n)| n > 0).map(|(i, &n)| (i, n)).collect()
}

/// The slot of a weekday (Monday 0) and hour.
fn slot(weekday: usize, hour: usize) -> usize {
    weekday * 24 + hour
}

fn ann_chat() -> (String, String) {
    export(
        "Ann",
        &[
            (9 * HOUR, "Ann"),                      // Mon 09h, hers
            (9 * HOUR + 300, "Sam"),                // Mon 09h
            (9 * HOUR + 1_200, "Sam"),              // Mon 09h
            (DAY + 23 * HOUR + 1_800, "Sam"),       // Tue 23h
            (6 * DAY + 23 * HOUR, "Ann"),           // Sun 23h, hers
            (6 * DAY + 23 * HOUR + 59 * 60, "Sam"), // Sun 23h
            (7 * DAY, "Sam"),                       // the next Monday, 00h
        ],
    )
}

#[test]
fn the_users_messages_fall_in_their_local_hour_of_the_week() {
    let mut engine = Engine::new(&["Sam".to_string()]);
    let report = import(&mut engine, &ann_chat());
    assert_eq!(slots(&report), vec![(slot(0, 0), 1), (slot(0, 9), 2), (slot(1, 23), 1), (slot(6, 23), 1)]);
    let ann = engine.contacts(0).into_iter().find(|c| c.name == "Ann").expect("Ann");
    assert_eq!(report.your_week_hours.iter().sum::<u32>(), ann.sent_count, "the user's messages only");
    let json = serde_json::to_string(&report).expect("json");
    assert!(json.contains("\"yourWeekHours\":[1,0,"), "camelCase, Monday 00h first: {json}");
    assert!(!json.contains("CANARY"));
}

#[test]
fn the_hour_is_the_one_the_file_shows_whatever_the_zone() {
    // The same wall-clock lines read two hours east of UTC: the instants move, the hours do not.
    let mut engine = Engine::new(&["Sam".to_string()]);
    let report = import_in(&mut engine, &ann_chat(), 2 * 3_600);
    assert_eq!(slots(&report), vec![(slot(0, 0), 1), (slot(0, 9), 2), (slot(1, 23), 1), (slot(6, 23), 1)]);
    let mut west = Engine::new(&["Sam".to_string()]);
    assert_eq!(slots(&import_in(&mut west, &ann_chat(), -5 * 3_600)), slots(&report));
}

#[test]
fn messages_already_imported_are_not_counted_again() {
    let mut engine = Engine::new(&["Sam".to_string()]);
    import(&mut engine, &ann_chat());
    let again = import(&mut engine, &ann_chat());
    assert!(again.duplicates > 0);
    assert_eq!(slots(&again), vec![], "a re-import adds nothing");
    // A later export of the same chat: only the new message counts.
    let (_, mut text) = ann_chat();
    text.push_str("10/01/2024, 14:05 - Sam: CANARY-week-new\n"); // Wednesday
    let later = import(&mut engine, &("WhatsApp Chat with Ann.txt".to_string(), text));
    assert_eq!(slots(&later), vec![(slot(2, 14), 1)]);
}

#[test]
fn group_messages_count_and_nobody_elses_do() {
    let mut engine = Engine::new(&["Sam".to_string()]);
    let club = export(
        "Book Club",
        &[(2 * DAY + 8 * HOUR, "Ann"), (2 * DAY + 8 * HOUR + 60, "Sam"), (3 * DAY + 20 * HOUR, "Bo"), (4 * DAY, "Sam")],
    );
    let report = import(&mut engine, &club);
    assert!(report.group);
    assert_eq!(slots(&report), vec![(slot(2, 8), 1), (slot(4, 0), 1)]);
}

#[test]
fn writers_not_known_to_be_the_user_are_not_counted() {
    // No owner given, and an export whose file name names nobody (an iOS zip's `_chat.txt`):
    // kith asks which writer is the user.
    let mut engine = Engine::new(&[]);
    let (_, text) = export("", &[(HOUR, "Ann"), (2 * HOUR, "Sam")]);
    let report = import(&mut engine, &("_chat.txt".to_string(), text));
    assert_eq!(report.writers, vec!["Ann".to_string(), "Sam".to_string()]);
    assert_eq!(slots(&report), vec![]);
    // Each writer's hours come with the question, to count once the user answers it.
    let hours = |name: &str| -> Vec<(usize, u32)> {
        let writer = report.writer_week_hours.iter().find(|w| w.name == name).expect("asked about");
        writer.hours.iter().enumerate().filter(|(_, &n)| n > 0).map(|(i, &n)| (i, n)).collect()
    };
    assert_eq!((hours("Ann"), hours("Sam")), (vec![(slot(0, 1), 1)], vec![(slot(0, 2), 1)]));
    assert!(import(&mut Engine::new(&["Sam".into()]), &ann_chat()).writer_week_hours.is_empty());
    // The file name names Ann: the other writer is the user.
    let mut inferred = Engine::new(&[]);
    assert_eq!(
        slots(&import(&mut inferred, &ann_chat())),
        slots(&import(&mut Engine::new(&["Sam".into()]), &ann_chat()))
    );
}

#[test]
fn a_journal_applied_elsewhere_reports_no_hours() {
    let mut page = Engine::new(&["Sam".to_string()]);
    page.set_journaling(true);
    import(&mut page, &ann_chat());
    let mut worker = Engine::new(&["Sam".to_string()]);
    let reports = worker.apply_journal(&page.take_journal()).expect("applies");
    assert_eq!(reports[0].your_week_hours, vec![0; 168], "journals do not carry the hours");
}

#[test]
fn activity_is_every_contacts_history_summed() {
    let mut engine = Engine::new(&["Sam".to_string()]);
    import(&mut engine, &ann_chat());
    import(&mut engine, &export("Bo", &[(DAY, "Bo"), (40 * DAY, "Sam"), (41 * DAY, "Bo")]));
    import(
        &mut engine,
        &export("Book Club", &[(2 * DAY, "Ann"), (2 * DAY + 60, "Sam"), (3 * DAY, "Bo"), (4 * DAY, "Cy")]),
    );
    let month = |month: &str, sent, received, group| MonthCount {
        month: month.into(),
        source: "whatsapp".into(),
        sent,
        received,
        group,
    };
    assert_eq!(engine.activity(None), vec![month("2024-01", 5, 3, 3), month("2024-02", 1, 1, 0)]);
    assert_eq!(engine.activity(Some(54 * 12 + 1)), vec![month("2024-02", 1, 1, 0)], "from February 2024");
    let mut summed = std::collections::BTreeMap::<String, [u32; 3]>::new();
    for c in engine.contacts(0) {
        for m in engine.history(&c.id, None).expect("history") {
            let cell = summed.entry(m.month).or_default();
            cell[0] += m.sent;
            cell[1] += m.received;
            cell[2] += m.group;
        }
    }
    let activity: std::collections::BTreeMap<String, [u32; 3]> =
        engine.activity(None).into_iter().map(|m| (m.month, [m.sent, m.received, m.group])).collect();
    assert_eq!(activity, summed);
}
