//! WhatsApp Web, captured live: the content script reports each message row's metadata
//! attributes, and they are counted through the same collector as an export, deduplicated by
//! the row's id and against exports already imported (and later exports against them).

use super::{header, split_author, RawDate};
use crate::coverage::Covered;
use crate::identity::{clean_name, contact_key, fnv1a};
use crate::import::collect::{Accumulator, ImportDelta, Shape};
use crate::import::dates::{self, DateOrder};
use crate::import::CoverageLookup;
use crate::model::{Kind, Source};
use crate::time::{date_to_days, LocalZone, ZoneCache};
use crate::Engine;

/// One message row seen on WhatsApp Web, as the content script reports it: metadata only.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveEvent {
    /// The open chat's title (`#main header span[title]`).
    pub chat: String,
    /// The row's `data-id` (`true_<chat>@c.us_<id>`), unique per message.
    pub id: String,
    /// `in` or `out`, from the row's `message-in` / `message-out` class.
    pub direction: String,
    /// The row's `data-pre-plain-text`: `[HH:MM, D/M/YYYY] Name: `.
    pub header: String,
}

/// What [`Engine::ingest`] did with a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestReport {
    /// Events counted.
    pub accepted: u32,
    /// Events already counted (same id, or inside an imported export).
    pub duplicates: u32,
    /// Events whose fields did not parse; they are dropped.
    pub rejected: u32,
}

/// One event with its header parsed.
struct Parsed<'e> {
    title: String,
    id: &'e str,
    outgoing: bool,
    date: RawDate,
    seconds: u32,
    author: String,
}

/// Counts a batch of live events into `engine`.
pub(crate) fn ingest(
    engine: &mut Engine,
    events: &[LiveEvent],
    zone: Box<dyn LocalZone>,
    fallback: DateOrder,
) -> IngestReport {
    let mut report = IngestReport::default();
    let mut zone = ZoneCache::new(zone);
    // Parse every header first: the batch's own dates may settle the day/month order.
    let mut order = dates::OrderInference::default();
    let mut parsed = Vec::new();
    for event in events {
        let (normalized, _) = header::normalize_prefix(event.header.as_bytes());
        let outgoing = match event.direction.as_str() {
            "out" => true,
            "in" => false,
            _ => {
                report.rejected += 1;
                continue;
            }
        };
        let Some(h) = header::parse(&normalized) else {
            report.rejected += 1;
            continue;
        };
        let Some((author, _)) = split_author(h.rest) else {
            report.rejected += 1;
            continue;
        };
        if let RawDate::Ambiguous { first, second, year } = h.date {
            order.observe(first, second, year);
        }
        let title = clean_name(&event.chat);
        if title.is_empty() || event.id.is_empty() {
            report.rejected += 1;
            continue;
        }
        parsed.push(Parsed {
            title,
            id: event.id.as_str(),
            outgoing,
            date: h.date,
            seconds: h.seconds_of_day,
            author: clean_name(author),
        });
    }
    if let Some((decided, _)) = order.decided() {
        engine.live_order = Some(decided);
    }
    let date_order = engine.live_order.unwrap_or(fallback);
    let mut titles: Vec<&String> = parsed.iter().map(|p| &p.title).collect();
    crate::sort::sort(&mut titles);
    titles.dedup();
    let titles: Vec<String> = titles.into_iter().cloned().collect();
    for title in titles {
        let chat_id = super::export::chat_id(Some(&title), &[]);
        let key = format!("{}:{}", Source::WhatsApp.as_str(), chat_id);
        let covered = engine.coverage(&key);
        let known_ids = covered.ids.clone();
        // Exports' spans only: live minutes are matched by id, not by minute.
        let mut acc =
            Accumulator::new(Covered { spans: covered.spans, ..Covered::default() }, engine.exclusion_key_list());
        acc.record_minutes();
        let mut names: Vec<(String, String)> = Vec::new();
        let mut ids = Vec::new();
        let mut owners = Vec::new();
        for p in parsed.iter().filter(|p| p.title == title) {
            let hash = fnv1a(p.id.as_bytes());
            if known_ids.binary_search(&hash).is_ok() || ids.contains(&hash) {
                report.duplicates += 1;
                continue;
            }
            let Some(date) = dates::resolve(p.date, Some(date_order)) else {
                report.rejected += 1;
                continue;
            };
            let author_key = contact_key(&p.author);
            let index = match names.iter().position(|(k, _)| *k == author_key) {
                Some(i) => i,
                None => {
                    names.push((author_key.clone(), p.author.clone()));
                    names.len() - 1
                }
            } as u32;
            if p.outgoing {
                owners.push(p.author.clone());
            }
            let at = zone.utc_seconds(date, p.seconds);
            let before = acc.duplicates();
            let local = date_to_days(date) * 86_400 + i64::from(p.seconds);
            acc.add(at, local, Some(index), Kind::Message, &author_key, &p.author, None);
            if acc.duplicates() > before {
                report.duplicates += 1;
            } else {
                report.accepted += 1;
            }
            ids.push(hash);
        }
        if ids.is_empty() {
            continue;
        }
        // The sender of an outgoing row is the user, whatever else the engine thought.
        for owner in owners {
            engine.learn_owner_name(owner);
        }
        let mut delta = acc.into_delta(key, Some(title), Source::WhatsApp, Shape::Unknown, Vec::new(), &names);
        crate::sort::sort(&mut ids);
        ids.dedup();
        delta.ids = ids;
        engine.commit(ImportDelta {
            format: "whatsappWeb".into(),
            chats: vec![delta],
            owners: Vec::new(),
            people: Vec::new(),
            skipped: Default::default(),
            date_order: date_order.code().into(),
            date_order_source: "live".into(),
            warnings: Vec::new(),
        });
    }
    report
}
