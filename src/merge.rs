//! One person across sources: which handles (a WhatsApp author, a Telegram user, a mail
//! address, a contacts-file card…) are the same person, why, and what the user decided.
//!
//! Three kinds of evidence, in order of trust:
//! - **The user's word** ([`Decision`]): merges, splits, rejected suggestions and corrections,
//!   kept as an ordered log. Contacts are a pure function of the imported data and this log,
//!   so undoing a decision (removing it from the log) restores exactly the contacts before it.
//! - **Exact evidence, applied automatically**: a shared phone number (E.164) or email address
//!   (canonical form), or a name that appears exactly once in the user's contacts files and
//!   exactly once among one source's people.
//! - **Likeness, only suggested** ([`Suggestion`]): the same name in two sources with nothing
//!   shared, a name and its initial form ("Ann L." / "Ann Lee"), names that differ only by
//!   accents or capitals. Never merged without the user.
//!
//! Decisions name handles by identity key, never by contact id: ids follow membership, keys are
//! what re-imports reproduce, so decisions survive re-imports and snapshot round trips.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

use crate::identity::{canonical_email_borrowed, fnv1a};
use crate::model::{Source, Sources};

/// Something the user decided about who is who. Undoing it removes it from the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Its number, unique in this engine's log (undo names it).
    pub id: u64,
    /// When it was made, seconds since the epoch (as the host said).
    pub at: i64,
    /// What was decided.
    pub kind: DecisionKind,
}

/// What the user decided. Handles are named by identity key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionKind {
    /// These two handles' people are one (a manual merge, or an accepted suggestion).
    Merge {
        /// A handle of the first person.
        a: String,
        /// A handle of the second person.
        b: String,
        /// Whether it was kith's suggestion, accepted.
        suggested: bool,
    },
    /// A suggestion that these two handles' people are one was wrong: it does not come back.
    Reject {
        /// A handle of the first person.
        a: String,
        /// A handle of the second person.
        b: String,
    },
    /// This handle is not the person it was merged into: it stands alone, and no automatic
    /// evidence joins it to anyone again. `keep` are the other members at the time, kept
    /// together (they may have been joined only through the split handle).
    Split {
        /// The handle taken out.
        key: String,
        /// The rest of the person, who stay one.
        keep: Vec<String>,
    },
    /// The person holding this handle is called `name`.
    Rename {
        /// A handle of the person.
        key: String,
        /// The name the user gave.
        name: String,
    },
    /// The person holding this handle has this phone (E.164) too.
    AddPhone {
        /// A handle of the person.
        key: String,
        /// `+digits`.
        phone: String,
    },
    /// This phone is not the person's: it is dropped from every handle that was theirs.
    RemovePhone {
        /// A handle of the person.
        key: String,
        /// `+digits`.
        phone: String,
        /// The person's handles at the time.
        members: Vec<String>,
    },
    /// The person holding this handle has this email address too.
    AddEmail {
        /// A handle of the person.
        key: String,
        /// The address, lower case.
        email: String,
    },
    /// This address is not the person's.
    RemoveEmail {
        /// A handle of the person.
        key: String,
        /// The address, lower case.
        email: String,
        /// The person's handles at the time.
        members: Vec<String>,
    },
}

impl DecisionKind {
    /// A stable code for the kind, for the JS side.
    pub fn code(&self) -> &'static str {
        match self {
            DecisionKind::Merge { suggested: true, .. } => "acceptSuggestion",
            DecisionKind::Merge { .. } => "merge",
            DecisionKind::Reject { .. } => "rejectSuggestion",
            DecisionKind::Split { .. } => "split",
            DecisionKind::Rename { .. } => "rename",
            DecisionKind::AddPhone { .. } => "addPhone",
            DecisionKind::RemovePhone { .. } => "removePhone",
            DecisionKind::AddEmail { .. } => "addEmail",
            DecisionKind::RemoveEmail { .. } => "removeEmail",
        }
    }
}

/// A handle as the grouping sees it: its key, name, sources, and normalised phones and emails.
#[derive(Debug, Clone)]
pub(crate) struct HandleInfo {
    pub(crate) key: String,
    pub(crate) name: String,
    pub(crate) sources: Sources,
    /// E.164 (moved into [`Grouping::phones`] by [`group`]).
    pub(crate) phones: Vec<String>,
    /// Lower case, as given; compared in canonical form ([`crate::identity::canonical_email`])
    /// (moved into [`Grouping::emails`] by [`group`]).
    pub(crate) emails: Vec<String>,
}

impl HandleInfo {
    fn is_card(&self) -> bool {
        self.sources.len() == 1 && self.sources.contains(Source::Contacts)
    }
}

/// Why two handles are one person.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reason {
    /// The user merged them (or accepted kith's suggestion).
    User,
    /// They share this phone number.
    Phone(String),
    /// They share this email address.
    Email(String),
    /// The name appears once in the contacts files and once among the source's people.
    NameInContacts(String),
}

impl Reason {
    /// The reason in words, for the contact's detail.
    pub(crate) fn words(&self) -> String {
        // Joined by hand, not by `format!`: every merged contact of every view has its reasons
        // in words, and the formatting machinery costs more than the copying.
        let joined = |parts: &[&str]| {
            let mut words = String::with_capacity(parts.iter().map(|p| p.len()).sum());
            parts.iter().for_each(|p| words.push_str(p));
            words
        };
        match self {
            Reason::User => "you merged them".to_string(),
            Reason::Phone(p) => joined(&["same phone number ", p]),
            Reason::Email(e) => joined(&["same email address ", e]),
            Reason::NameInContacts(n) => joined(&["same name as in your contacts, “", n, "”"]),
        }
    }
}

/// Handles grouped into people.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grouping {
    /// Each person's handles (indexes into the input), in anchor order: the first is the
    /// person's anchor, whose contact id the person takes.
    pub(crate) persons: Vec<Vec<usize>>,
    /// Per person, why its handles are one, each reason once.
    pub(crate) reasons: Vec<Vec<Reason>>,
    /// Per handle, the person it is in.
    pub(crate) person_of: Vec<usize>,
    /// Per person, the name the user gave, if any.
    pub(crate) names: Vec<Option<String>>,
    /// Per handle, its phones with the user's corrections applied.
    pub(crate) phones: Vec<Vec<String>>,
    /// Per handle, its emails with the user's corrections applied (compared in canonical
    /// form, [`crate::identity::canonical_email_borrowed`], which nearly always borrows them).
    pub(crate) emails: Vec<Vec<String>>,
}

/// The rank of a handle's kind in choosing a person's anchor: WhatsApp keys first (contact ids
/// existed before any other source, and synced records carry them), contacts-file cards last.
fn anchor_rank(key: &str) -> u8 {
    match key.split_once(':').map(|(prefix, _)| prefix) {
        Some("tel" | "name") => 0,
        Some("telegram") => 1,
        Some("messenger") => 2,
        Some("instagram") => 3,
        Some("email") => 4,
        Some("linkedin") => 5,
        Some("contacts") => 7,
        _ => 6,
    }
}

struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind { parent: (0..n).collect() }
    }
    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index becomes the root, so the result does not depend on edge order.
            let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[high] = low;
        }
    }
}

/// What the decision log says, replayed in order. (Plain lists: the log is short, and every
/// distinct map type costs the wasm build several kilobytes.)
#[derive(Default)]
struct Replayed<'a> {
    detached: Vec<&'a str>,
    manual: Vec<(&'a str, &'a str)>,
    added_phones: Vec<(&'a str, &'a str)>,
    added_emails: Vec<(&'a str, &'a str)>,
    removed: Vec<(&'a str, &'a str)>,
    names: Vec<(&'a str, &'a str)>,
    /// Pairs of handles the user said are not one person (rejections and splits).
    apart: Vec<(&'a str, &'a str)>,
}

fn replay(decisions: &[Decision]) -> Replayed<'_> {
    let mut r = Replayed::default();
    for d in decisions {
        match &d.kind {
            DecisionKind::Merge { a, b, .. } => r.manual.push((a, b)),
            DecisionKind::Reject { a, b } => r.apart.push((a, b)),
            DecisionKind::Split { key, keep } => {
                r.detached.push(key);
                r.manual.retain(|(a, b)| a != key && b != key);
                r.manual.extend(keep.windows(2).map(|w| (w[0].as_str(), w[1].as_str())));
                r.apart.extend(keep.iter().map(|k| (key.as_str(), k.as_str())));
            }
            DecisionKind::Rename { key, name } => r.names.push((key, name)),
            DecisionKind::AddPhone { key, phone } => r.added_phones.push((key, phone)),
            DecisionKind::AddEmail { key, email } => r.added_emails.push((key, email)),
            DecisionKind::RemovePhone { phone, members, .. } => {
                r.added_phones.retain(|(_, p)| p != phone);
                r.removed.extend(members.iter().map(|m| (m.as_str(), phone.as_str())));
            }
            DecisionKind::RemoveEmail { email, members, .. } => {
                r.added_emails.retain(|(_, e)| e != email);
                r.removed.extend(members.iter().map(|m| (m.as_str(), email.as_str())));
            }
        }
    }
    r
}

/// A name for exact comparison: lower case, single spaces.
pub(crate) fn exact_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_exact_name(name, &mut out);
    out
}

/// Appends [`exact_name`]'s form of `name` to `out`: the grouping writes every handle's into one
/// String rather than one each.
fn push_exact_name(name: &str, out: &mut String) {
    let start = out.len();
    if name.is_ascii() {
        // Nearly every name: words are split at ASCII's white space (what `split_whitespace`
        // finds there) and lower-cased in place, without decoding characters.
        for word in name.split(|c: char| c.is_ascii_whitespace() || c == '\u{b}').filter(|w| !w.is_empty()) {
            if out.len() > start {
                out.push(' ');
            }
            out.push_str(word);
        }
        out[start..].make_ascii_lowercase();
        return;
    }
    for word in name.split_whitespace() {
        if out.len() > start {
            out.push(' ');
        }
        if word.is_ascii() {
            out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
}

/// Latin letters with accents, and the letters they are written as without (lower case only:
/// folding lower-cases first). Covers Latin-1 and Latin Extended-A, where the names kith sees
/// differ by accents; other scripts compare as they are.
const ACCENTS: &str = "àa áa âa ãa äa åa æae çc èe ée êe ëe ìi íi îi ïi ðd ñn òo óo ôo õo öo øo ùu úu ûu üu ýy ÿy ßss \
œoe āa ăa ąa ćc ĉc ċc čc ďd đd ēe ĕe ėe ęe ěe ĝg ğg ġg ģg ĥh ħh ĩi īi ĭi įi ıi ĵj ķk ĺl ļl ľl ŀl łl ńn ņn ňn ōo \
ŏo őo ŕr ŗr řr śs ŝs şs šs ţt ťt ŧt ũu ūu ŭu ůu űu ųu ŵw ŷy źz żz žz șs țt";

/// A name with case and accents folded away: "Zoë  LEE" → "zoe lee".
pub fn folded_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in exact_name(name).chars() {
        if c.is_ascii() {
            out.push(c);
            continue;
        }
        match ACCENTS.split(' ').find(|pair| pair.starts_with(c)) {
            Some(pair) => out.push_str(&pair[c.len_utf8()..]),
            None => out.push(c),
        }
    }
    out
}

/// Removes repeats from `items`, first occurrences kept in order, repeats judged by `key`:
/// O(n log n), for people of thousands of handles.
pub(crate) fn retain_first_of_each<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    // A person has a few numbers and addresses: comparing each with those kept before it costs
    // less than sorting, and needs no allocation. Kept items move down in order.
    if items.len() <= FEW {
        let mut kept = 0;
        for i in 0..items.len() {
            let k = key(&items[i]);
            if !items[..kept].iter().any(|earlier| key(earlier) == k) {
                items.swap(kept, i);
                kept += 1;
            }
        }
        items.truncate(kept);
        return;
    }
    let mut order: Vec<(K, usize)> = items.iter().enumerate().map(|(i, item)| (key(item), i)).collect();
    crate::sort::sort(&mut order);
    let mut keep = vec![false; items.len()];
    for same in order.chunk_by(|a, b| a.0 == b.0) {
        keep[same[0].1] = true;
    }
    // `retain` visits the items once each, in order.
    let mut at = 0;
    items.retain(|_| {
        at += 1;
        keep[at - 1]
    });
}

/// Up to this many items, [`retain_first_of_each`] compares each with every other (at most 120 pairs).
const FEW: usize = 16;

/// Whether a name is a person's name rather than a number or an address standing in for one.
pub(crate) fn is_real_name(name: &str) -> bool {
    !name.trim().is_empty() && !crate::identity::is_phone_number(name) && !name.contains('@')
}

/// The handles the decision log names, by key: resolved with one pass over the handles, since
/// the log names few of the thousands there are.
struct Named<'a> {
    /// `(key, handle index)`, sorted by key.
    found: Vec<(&'a str, usize)>,
}

impl<'a> Named<'a> {
    fn new(handles: &[HandleInfo], replayed: &Replayed<'a>) -> Self {
        let mut wanted: Vec<&'a str> = Vec::new();
        let pairs =
            [&replayed.manual, &replayed.added_phones, &replayed.added_emails, &replayed.removed, &replayed.names];
        for list in pairs.into_iter().chain([&replayed.apart]) {
            wanted.extend(list.iter().flat_map(|&(a, b)| [a, b]));
        }
        wanted.extend(replayed.detached.iter().copied());
        crate::sort::sort(&mut wanted);
        wanted.dedup();
        let mut found = Vec::new();
        if !wanted.is_empty() {
            for (i, h) in handles.iter().enumerate() {
                if let Ok(at) = wanted.binary_search(&h.key.as_str()) {
                    found.push((wanted[at], i));
                }
            }
            crate::sort::sort(&mut found);
        }
        Named { found }
    }

    fn get(&self, key: &str) -> Option<usize> {
        self.found.binary_search_by(|(k, _)| (*k).cmp(key)).ok().map(|at| self.found[at].1)
    }
}

/// Groups handles into people by the user's decisions and exact evidence. The handles' phones
/// and emails move into the grouping, with the user's corrections applied.
pub(crate) fn group(handles: &mut [HandleInfo], decisions: &[Decision]) -> Grouping {
    let replayed = replay(decisions);
    let named = Named::new(handles, &replayed);
    let find = |key: &str| named.get(key);
    let mut sets = UnionFind::new(handles.len());
    let mut edges: Vec<(usize, Reason)> = Vec::new();
    let mut detached = vec![false; handles.len()];
    for i in replayed.detached.iter().filter_map(|k| find(k)) {
        detached[i] = true;
    }

    // Phones and emails, as the user corrected them.
    let mut phones: Vec<Vec<String>> = handles.iter_mut().map(|h| std::mem::take(&mut h.phones)).collect();
    let mut emails: Vec<Vec<String>> = handles.iter_mut().map(|h| std::mem::take(&mut h.emails)).collect();
    let handles = &*handles;
    for (list, added) in [(&mut phones, &replayed.added_phones), (&mut emails, &replayed.added_emails)] {
        for &(key, value) in added {
            if let Some(i) = find(key) {
                list[i].push(value.to_string());
            }
        }
    }
    for &(key, value) in &replayed.removed {
        if let Some(i) = find(key) {
            phones[i].retain(|v| v != value);
            emails[i].retain(|v| v != value);
        }
    }

    join_shared_values(&phones, &emails, &detached, &mut sets, &mut edges);
    if handles.iter().any(HandleInfo::is_card) {
        join_names_in_contacts(handles, &detached, &mut sets, &mut edges);
    }

    // The user's merges.
    for &(a, b) in &replayed.manual {
        if let (Some(i), Some(j)) = (find(a), find(b)) {
            sets.union(i, j);
            edges.push((i, Reason::User));
        }
    }

    // Each person's size first, so that each list of members is made at its size.
    let roots: Vec<usize> = (0..handles.len()).map(|i| sets.find(i)).collect();
    let mut size_of_root = vec![0; handles.len()];
    for &root in &roots {
        size_of_root[root] += 1;
    }
    let mut person_of_root = vec![usize::MAX; handles.len()];
    let mut persons: Vec<Vec<usize>> = Vec::new();
    let mut person_of = vec![0; handles.len()];
    for (i, &root) in roots.iter().enumerate() {
        if person_of_root[root] == usize::MAX {
            person_of_root[root] = persons.len();
            persons.push(Vec::with_capacity(size_of_root[root]));
        }
        person_of[i] = person_of_root[root];
        persons[person_of[i]].push(i);
    }
    // One buffer ranks every person's members, which are put back in place.
    let mut ranked: Vec<(u8, u64, usize)> = Vec::new();
    for members in &mut persons {
        if members.len() > 1 {
            // Contact ids are the FNV-1a hash in fixed-width hex: comparing hashes orders as ids.
            ranked.clear();
            ranked.extend(members.iter().map(|&i| (anchor_rank(&handles[i].key), fnv1a(handles[i].key.as_bytes()), i)));
            crate::sort::sort(&mut ranked);
            members.clear();
            members.extend(ranked.iter().map(|&(_, _, i)| i));
        }
    }
    // Sorted, then each reason once: a crafted file can join thousands of handles by one
    // number, and a `contains` per edge would be quadratic in them.
    let mut reasons: Vec<Vec<Reason>> = vec![Vec::new(); persons.len()];
    for (i, reason) in edges {
        reasons[person_of[i]].push(reason);
    }
    for list in &mut reasons {
        crate::sort::sort(list);
        list.dedup();
    }
    let mut names: Vec<Option<String>> = vec![None; persons.len()];
    for &(key, name) in &replayed.names {
        if let Some(i) = find(key) {
            names[person_of[i]] = Some(name.to_string());
        }
    }
    Grouping { persons, person_of, reasons, names, phones, emails }
}

/// Joins handles that share a phone or an address (exact evidence). Detached handles take
/// none. Every value a handle shares with an earlier one is a reason, joined or not, so the
/// reasons do not depend on the order handles come in. Phones start with `+` and addresses
/// hold an `@`: one map serves both.
fn join_shared_values(
    phones: &[Vec<String>],
    emails: &[Vec<String>],
    detached: &[bool],
    sets: &mut UnionFind,
    edges: &mut Vec<(usize, Reason)>,
) {
    // Addresses are compared in canonical form, listed in handle order (the form borrows the
    // address where it is its own, as nearly always).
    let canonical: Vec<(usize, Cow<str>)> = (0..emails.len())
        .filter(|&i| !detached[i])
        .flat_map(|i| emails[i].iter().filter_map(|e| canonical_email_borrowed(e)).map(move |c| (i, c)))
        .collect();
    let values = phones.iter().map(Vec::len).sum::<usize>() + canonical.len();
    let mut first_with: HashMap<&str, usize> = HashMap::with_capacity(values);
    let mut canonical_rest = canonical.as_slice();
    for i in (0..phones.len()).filter(|&i| !detached[i]) {
        let own = canonical_rest.iter().take_while(|(of, _)| *of == i).count();
        let (addresses, rest) = canonical_rest.split_at(own);
        canonical_rest = rest;
        for v in phones[i].iter().map(String::as_str).chain(addresses.iter().map(|(_, c)| c.as_ref())) {
            // One hash per value: the entry both finds an earlier holder and records the first.
            match first_with.entry(v) {
                Entry::Occupied(first) => {
                    sets.union(i, *first.get());
                    let reason =
                        if v.starts_with('+') { Reason::Phone(v.to_string()) } else { Reason::Email(v.to_string()) };
                    edges.push((i, reason));
                }
                Entry::Vacant(none_yet) => {
                    none_yet.insert(i);
                }
            }
        }
    }
}

/// Joins a handle to the one card with its name when the name is found once in the contacts
/// files and once among one of the handle's sources (see the module's doc).
fn join_names_in_contacts(
    handles: &[HandleInfo],
    detached: &[bool],
    sets: &mut UnionFind,
    edges: &mut Vec<(usize, Reason)>,
) {
    // Every real name in exact form, written one after another into one String.
    let mut text = String::with_capacity(handles.iter().map(|h| h.name.len()).sum());
    let mut exact: Vec<Option<std::ops::Range<usize>>> = Vec::with_capacity(handles.len());
    for h in handles {
        exact.push(is_real_name(&h.name).then(|| {
            let start = text.len();
            push_exact_name(&h.name, &mut text);
            start..text.len()
        }));
    }
    // Each distinct name once, with how many handles of each source have it: one lookup per
    // handle, the name's sources counted beside it.
    let mut slot_of: HashMap<&str, usize> = HashMap::with_capacity(handles.len());
    let mut counts: Vec<NameCount> = Vec::new();
    let mut slots: Vec<usize> = vec![usize::MAX; handles.len()];
    for (i, h) in handles.iter().enumerate() {
        let Some(range) = &exact[i] else { continue };
        let slot = *slot_of.entry(&text[range.clone()]).or_insert_with(|| {
            counts.push(NameCount::default());
            counts.len() - 1
        });
        let count = &mut counts[slot];
        if h.is_card() {
            if count.of[Source::Contacts as usize] == 0 {
                count.first_card = i;
            }
            count.of[Source::Contacts as usize] += 1;
        } else {
            h.sources.iter().filter(|&s| s != Source::Contacts).for_each(|s| count.of[s as usize] += 1);
        }
        slots[i] = slot;
    }
    for (i, h) in handles.iter().enumerate() {
        if h.is_card() || detached[i] || slots[i] == usize::MAX {
            continue;
        }
        let count = &counts[slots[i]];
        let once_in_a_source = h.sources.iter().any(|s| s != Source::Contacts && count.of[s as usize] == 1);
        let card = count.first_card;
        if once_in_a_source
            && count.of[Source::Contacts as usize] == 1
            && !detached[card]
            && sets.find(i) != sets.find(card)
        {
            sets.union(i, card);
            edges.push((i, Reason::NameInContacts(handles[card].name.clone())));
        }
    }
}

/// How many handles of each source have a name (cards counted as [`Source::Contacts`], other
/// handles under their other sources), and the first card that has it.
#[derive(Default)]
struct NameCount {
    of: [u32; Source::ALL.len()],
    first_card: usize,
}

/// kith's guess that two contacts are one person, with its reasons in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Stable while both people stay as they are: a hash of their anchor keys.
    pub id: String,
    /// The two people's anchor keys.
    pub keys: [String; 2],
    /// Why kith thinks so, in words.
    pub reasons: Vec<String>,
}

/// How alike two names are, if they are alike enough to suggest.
fn likeness(a: &str, b: &str) -> Option<String> {
    if a == b {
        return Some(format!("same name, “{a}”"));
    }
    if exact_name(a) == exact_name(b) {
        return Some(format!("same name apart from capitals: “{a}” and “{b}”"));
    }
    let (fa, fb) = (folded_name(a), folded_name(b));
    if fa == fb {
        return Some(format!("same name apart from accents: “{a}” and “{b}”"));
    }
    let initial_of = |short: &str, long: &str| {
        let (s, l): (Vec<&str>, Vec<&str>) = (short.split(' ').collect(), long.split(' ').collect());
        let [first_s, .., last_s] = s.as_slice() else { return false };
        let [first_l, .., last_l] = l.as_slice() else { return false };
        let initial = last_s.trim_end_matches('.');
        s.len() == l.len()
            && first_s == first_l
            && s[1..s.len() - 1] == l[1..l.len() - 1]
            && initial.chars().count() == 1
            && last_l.chars().count() > 1
            && last_l.starts_with(initial)
    };
    if initial_of(&fa, &fb) {
        return Some(format!("“{a}” may be short for “{b}”"));
    }
    if initial_of(&fb, &fa) {
        return Some(format!("“{b}” may be short for “{a}”"));
    }
    None
}

/// People with more names alike than this in one bucket are not paired: a name that common
/// ("Mum", "John") says nothing, and pairing them would be quadratic.
const MAX_ALIKE: usize = 12;

/// Suggestions between the grouped people, strongest evidence first, without those the user
/// rejected or split apart.
pub(crate) fn suggestions(handles: &[HandleInfo], grouping: &Grouping, decisions: &[Decision]) -> Vec<Suggestion> {
    let replayed = replay(decisions);
    let persons = &grouping.persons;
    let named = Named::new(handles, &replayed);
    let person_of_key = |key: &str| named.get(key).map(|i| grouping.person_of[i]);
    let mut apart: Vec<(usize, usize)> = replayed
        .apart
        .iter()
        .filter_map(|(a, b)| Some((person_of_key(a)?, person_of_key(b)?)))
        .flat_map(|(p, q)| [(p, q), (q, p)])
        .collect();
    crate::sort::sort(&mut apart);
    let sources: Vec<Sources> =
        persons.iter().map(|members| members.iter().flat_map(|&i| handles[i].sources.iter()).collect()).collect();
    // Bucket people by folded first name and the first letter of the last word: names alike
    // by case, accents or an initial share a bucket.
    let mut entries: Vec<(String, usize, usize)> = Vec::new();
    for (p, members) in persons.iter().enumerate() {
        for &i in members.iter().filter(|&&i| is_real_name(&handles[i].name)) {
            let folded = folded_name(&handles[i].name);
            let words: Vec<&str> = folded.split(' ').collect();
            let bucket = match words.as_slice() {
                [first, .., last] => format!("{first} {}", last.chars().next().unwrap_or(' ')),
                _ => folded.clone(),
            };
            entries.push((bucket, p, i));
        }
    }
    crate::sort::sort_by(&mut entries, |a, b| a < b);
    let mut found: Vec<((usize, usize), String)> = Vec::new();
    for bucket in entries.chunk_by(|a, b| a.0 == b.0) {
        let people = crate::sort::set_of(bucket.iter().map(|e| e.1)).len();
        if !(2..=MAX_ALIKE).contains(&people) {
            continue;
        }
        for (x, &(_, p, i)) in bucket.iter().enumerate() {
            for &(_, q, j) in &bucket[x + 1..] {
                let pair = if p < q { (p, q) } else { (q, p) };
                if p == q || apart.binary_search(&pair).is_ok() || !sources[p].is_disjoint(sources[q]) {
                    continue;
                }
                if let Some(reason) = likeness(&handles[i].name, &handles[j].name) {
                    let (mut a, mut b) = (sources[pair.0], sources[pair.1]);
                    if a > b {
                        std::mem::swap(&mut a, &mut b);
                    }
                    found.push((pair, format!("{reason}, in {} and {}", source_words(a), source_words(b))));
                }
            }
        }
    }
    crate::sort::sort_by(&mut found, |a, b| a < b);
    found.dedup();
    let mut out: Vec<Suggestion> = found
        .chunk_by(|a, b| a.0 == b.0)
        .map(|same| {
            let (p, q) = same[0].0;
            let mut keys = [handles[persons[p][0]].key.clone(), handles[persons[q][0]].key.clone()];
            if keys[0] > keys[1] {
                keys.swap(0, 1);
            }
            let id = format!("s{:016x}", fnv1a(format!("{}\n{}", keys[0], keys[1]).as_bytes()));
            Suggestion { id, keys, reasons: same.iter().map(|(_, r)| r.clone()).collect() }
        })
        .collect();
    // The same name first, then the weaker likenesses; by id within each, for a stable order.
    let strength = |s: &Suggestion| !s.reasons.iter().any(|r| r.starts_with("same name,"));
    crate::sort::sort_by(&mut out, |a, b| (strength(a), &a.id) < (strength(b), &b.id));
    out
}

/// Sources in words: "WhatsApp and Telegram".
fn source_words(sources: Sources) -> String {
    let names: Vec<&str> = sources.iter().map(|s| s.display_name()).collect();
    match names.as_slice() {
        [] => "no source".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(key: &str, name: &str, source: Source, phones: &[&str], emails: &[&str]) -> HandleInfo {
        HandleInfo {
            key: key.into(),
            name: name.into(),
            sources: [source].into_iter().collect(),
            phones: phones.iter().map(|s| s.to_string()).collect(),
            emails: emails.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Groups a copy: `group` moves the handles' phones and emails out.
    fn grouped(handles: &[HandleInfo], decisions: &[Decision]) -> Grouping {
        group(&mut handles.to_vec(), decisions)
    }

    fn keys_of(handles: &[HandleInfo], g: &Grouping) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> =
            g.persons.iter().map(|p| p.iter().map(|&i| handles[i].key.clone()).collect()).collect();
        out.sort();
        out
    }

    fn decision(id: u64, kind: DecisionKind) -> Decision {
        Decision { id, at: 0, kind }
    }

    #[test]
    fn shared_phone_or_email_is_one_person_anchored_on_whatsapp() {
        let handles = vec![
            handle(
                "contacts:ann lee <ann@example.com>",
                "Ann Lee",
                Source::Contacts,
                &["+447700900123"],
                &["ann@example.com"],
            ),
            handle("email:ann@example.com", "Ann", Source::Email, &[], &["ann@example.com"]),
            handle("tel:+447700900123", "+44 7700 900123", Source::WhatsApp, &["+447700900123"], &[]),
            handle("telegram:user9", "Bob", Source::Telegram, &["+15550100199"], &[]),
        ];
        let g = grouped(&handles, &[]);
        assert_eq!(g.persons.len(), 2);
        let ann = g.persons.iter().position(|p| p.len() == 3).expect("Ann is one person");
        assert_eq!(handles[g.persons[ann][0]].key, "tel:+447700900123", "the WhatsApp key anchors the id");
        let reasons = &g.reasons[ann];
        assert!(reasons.contains(&Reason::Phone("+447700900123".into())), "{reasons:?}");
        assert!(reasons.contains(&Reason::Email("ann@example.com".into())), "{reasons:?}");
    }

    #[test]
    fn a_name_once_in_the_cards_and_once_in_a_source_is_one_person() {
        let mut handles = vec![
            handle("contacts:ann lee", "Ann Lee", Source::Contacts, &[], &[]),
            handle("name:ann lee", "Ann Lee", Source::WhatsApp, &[], &[]),
            handle("telegram:user1", "Bob Stone", Source::Telegram, &[], &[]),
            handle("contacts:bob stone", "Bob Stone", Source::Contacts, &[], &[]),
            handle("contacts:bob stone 2", "Bob Stone", Source::Contacts, &[], &[]),
        ];
        let g = grouped(&handles, &[]);
        assert_eq!(g.persons.len(), 4, "Bob is twice in the cards: no automatic merge; {:?}", keys_of(&handles, &g));
        assert!(g.reasons.iter().flatten().any(|r| *r == Reason::NameInContacts("Ann Lee".into())));
        // A second Ann Lee in WhatsApp makes the name ambiguous there.
        handles.push(handle("tel:+15550100100", "Ann Lee", Source::WhatsApp, &[], &[]));
        assert_eq!(grouped(&handles, &[]).persons.len(), 6);
    }

    #[test]
    fn split_detaches_and_keeps_the_rest_together_and_undo_restores() {
        let handles = vec![
            handle("tel:+447700900123", "+447700900123", Source::WhatsApp, &["+447700900123"], &[]),
            handle("contacts:ann", "Ann", Source::Contacts, &["+447700900123"], &["ann@example.com"]),
            handle("email:ann@example.com", "Ann", Source::Email, &[], &["ann@example.com"]),
        ];
        let before = keys_of(&handles, &grouped(&handles, &[]));
        assert_eq!(before.len(), 1);
        // The card is what links the two; split it out and the other two stay one.
        let split = decision(
            1,
            DecisionKind::Split {
                key: "contacts:ann".into(),
                keep: vec!["tel:+447700900123".into(), "email:ann@example.com".into()],
            },
        );
        let after = keys_of(&handles, &grouped(&handles, std::slice::from_ref(&split)));
        assert_eq!(
            after,
            vec![vec!["contacts:ann".to_string()], vec!["tel:+447700900123".into(), "email:ann@example.com".into()]]
        );
        // A merge after the split joins the card again.
        let merge = decision(
            2,
            DecisionKind::Merge { a: "contacts:ann".into(), b: "email:ann@example.com".into(), suggested: false },
        );
        assert_eq!(keys_of(&handles, &grouped(&handles, &[split.clone(), merge])).len(), 1);
        assert_eq!(keys_of(&handles, &grouped(&handles, &[])), before, "no decisions: as before");
    }

    #[test]
    fn removing_a_phone_unlinks_what_it_linked() {
        let handles = vec![
            handle("tel:+447700900123", "+447700900123", Source::WhatsApp, &["+447700900123"], &[]),
            handle("contacts:ann", "Ann", Source::Contacts, &["+447700900123"], &[]),
        ];
        let remove = decision(
            1,
            DecisionKind::RemovePhone {
                key: "contacts:ann".into(),
                phone: "+447700900123".into(),
                members: vec!["contacts:ann".into()],
            },
        );
        assert_eq!(grouped(&handles, &[remove]).persons.len(), 2);
        let add = decision(2, DecisionKind::AddPhone { key: "contacts:ann".into(), phone: "+447700900123".into() });
        assert_eq!(grouped(&handles, &[add]).persons.len(), 1);
    }

    #[test]
    fn suggestions_by_name_with_reasons_and_rejections_stick() {
        let handles = vec![
            handle("name:ann lee", "Ann Lee", Source::WhatsApp, &[], &[]),
            handle("telegram:user1", "Ann Lee", Source::Telegram, &[], &[]),
            handle("messenger:zoe", "Zoë Park", Source::Messenger, &[], &[]),
            handle("email:zoe@example.com", "Zoe Park", Source::Email, &[], &["zoe@example.com"]),
            handle("instagram:bo", "Bo K.", Source::Instagram, &[], &[]),
            handle("linkedin:bo", "Bo Kim", Source::LinkedIn, &[], &[]),
            handle("telegram:user2", "Cy Ray", Source::Telegram, &[], &[]),
            handle("telegram:user3", "Cy Ray", Source::Telegram, &[], &[]),
        ];
        let g = grouped(&handles, &[]);
        assert_eq!(g.persons.len(), handles.len(), "likeness never merges");
        let found = suggestions(&handles, &g, &[]);
        let reasons: Vec<&str> = found.iter().map(|s| s.reasons[0].as_str()).collect();
        assert_eq!(found.len(), 3, "{reasons:?}");
        assert_eq!(reasons[0], "same name, “Ann Lee”, in WhatsApp and Telegram");
        assert!(
            reasons.contains(&"same name apart from accents: “Zoë Park” and “Zoe Park”, in Messenger and Email"),
            "{reasons:?}"
        );
        assert!(reasons.contains(&"“Bo K.” may be short for “Bo Kim”, in Instagram and LinkedIn"), "{reasons:?}");
        let ann = found[0].clone();
        let reject = decision(1, DecisionKind::Reject { a: ann.keys[0].clone(), b: ann.keys[1].clone() });
        let again = suggestions(&handles, &g, &[reject]);
        assert_eq!(again.len(), 2);
        assert!(again.iter().all(|s| s.id != ann.id));
    }

    #[test]
    fn retain_first_of_each_keeps_first_occurrences_in_order_few_or_many() {
        // Lengths either side of the point where comparing every pair gives way to sorting.
        for len in [0, 1, 2, FEW - 1, FEW, FEW + 1, 3 * FEW] {
            let items: Vec<(usize, u32)> = (0..len).map(|i| (i, (i as u32 * 7 + 3) % 5)).collect();
            let mut want: Vec<(usize, u32)> = Vec::new();
            for &item in &items {
                if !want.iter().any(|w| w.1 == item.1) {
                    want.push(item);
                }
            }
            let mut kept = items.clone();
            retain_first_of_each(&mut kept, |item| item.1);
            assert_eq!(kept, want, "{len} items");
        }
    }

    #[test]
    fn reasons_in_words() {
        assert_eq!(Reason::User.words(), "you merged them");
        assert_eq!(Reason::Phone("+447700900123".into()).words(), "same phone number +447700900123");
        assert_eq!(Reason::Email("ann@example.com".into()).words(), "same email address ann@example.com");
        assert_eq!(Reason::NameInContacts("Zoë".into()).words(), "same name as in your contacts, “Zoë”");
    }

    #[test]
    fn exact_names_written_one_after_another_are_each_their_own() {
        let mut text = String::from("x");
        push_exact_name("  Ann   LEE ", &mut text);
        push_exact_name("ΟΔΥΣΣΕΥΣ Ζοë", &mut text);
        push_exact_name("", &mut text);
        assert_eq!(text, format!("x{}{}", exact_name("  Ann   LEE "), exact_name("ΟΔΥΣΣΕΥΣ Ζοë")));
        assert_eq!(exact_name("  Ann   LEE "), "ann lee");
        // Every kind of white space, ASCII or not, against the plain definition.
        for name in [
            "Ann\u{b}Lee\u{c}X\tY\r\nZ",
            "Ann\u{1c}Lee\u{1f}",
            " \t ",
            "",
            "ANN",
            "Ann\u{a0}Lee Zoë",
            "Ann\u{2009}LEE\u{3000}Σ",
            "ΟΔΥΣΣΕΥΣ  x",
        ] {
            let plain: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
            assert_eq!(exact_name(name), plain.join(" "), "{name:?}");
        }
    }

    #[test]
    fn folding() {
        assert_eq!(folded_name("  Zoë   LEE "), "zoe lee");
        assert_eq!(folded_name("Łukasz Żółć"), "lukasz zolc");
        assert_eq!(folded_name("Ἀθηνᾶ"), "ἀθηνᾶ", "other scripts compare as they are");
    }
}
