//! The user's word on who is who, as engine operations: merge, split, accept or reject a
//! suggestion, correct a contact, undo. Each records a [`Decision`] in the engine's log
//! (persisted in the snapshot) and leaves the imported data alone, so every decision survives
//! re-imports and can be undone exactly.

use serde::Serialize;

use crate::engine::{Engine, PeopleView};
use crate::error::IdentityError;
use crate::identity::{canonical_email, clean_name};
use crate::merge::{self, Decision, DecisionKind};

/// A change the user makes to one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    /// Call them this.
    Rename(String),
    /// They have this phone number too.
    AddPhone(String),
    /// This phone number is not theirs.
    RemovePhone(String),
    /// They have this address too.
    AddEmail(String),
    /// This address is not theirs.
    RemoveEmail(String),
}

/// What a decision did: its number (for undo) and the contact it left, if one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The decision's number; `undo(decision)` takes it back.
    pub decision: u64,
    /// The id of the contact the decision is about, as it is now (a merge's result, the
    /// corrected contact, the handle split off). `None` when it left no contact.
    pub contact_id: Option<String>,
}

/// A contact in a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestedContact {
    /// Contact id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its sources.
    pub sources: Vec<String>,
}

/// Two contacts kith thinks are one person, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuggestionView {
    /// Pass to `acceptSuggestion` or `rejectSuggestion`.
    pub id: String,
    /// The two contacts.
    pub contacts: [SuggestedContact; 2],
    /// Why, in words.
    pub reasons: Vec<String>,
}

/// A decision in the log, for listing and undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionView {
    /// Its number.
    pub id: u64,
    /// `merge`, `acceptSuggestion`, `rejectSuggestion`, `split`, `rename`, `addPhone`,
    /// `removePhone`, `addEmail`, `removeEmail`.
    pub kind: String,
    /// When it was made, ISO 8601.
    pub at: String,
    /// What it did, in words.
    pub summary: String,
}

/// The default country for national phone numbers, and what kith would propose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhoneCountry {
    /// The country the user set (ISO code), if any.
    pub country: Option<String>,
    /// The country most international numbers kith has seen are from.
    pub proposed: Option<String>,
    /// Phone numbers written without a country code, waiting for a country to be matched.
    pub waiting: u32,
}

impl Engine {
    fn record(&mut self, kind: DecisionKind, at: i64) -> u64 {
        let id = self.next_decision.max(1);
        self.next_decision = id + 1;
        self.decisions.push(Decision { id, at, kind });
        id
    }

    /// A decision as bytes, to be copied into another engine with
    /// [`Engine::record_decision`]: the latest when no number is given.
    pub fn decision_record(&self, decision: Option<u64>) -> Result<Vec<u8>, IdentityError> {
        let d = match decision {
            Some(id) => self.decisions.iter().find(|d| d.id == id),
            None => self.decisions.last(),
        }
        .ok_or(IdentityError::UnknownDecision)?;
        Ok(crate::store::encode_decision(d))
    }

    /// Adds a decision made on another engine (the view of several devices) to this one's
    /// log, under this log's next number; one already here (same time and kind) is not added
    /// twice.
    pub fn record_decision(&mut self, record: &[u8]) -> Result<(), crate::store::StoreError> {
        let d = crate::store::decode_decision(record)?;
        if !self.decisions.iter().any(|mine| mine.at == d.at && mine.kind == d.kind) {
            self.record(d.kind, d.at);
        }
        Ok(())
    }

    /// Undoes this engine's copy of a decision given as a record: refused, changing nothing,
    /// when this engine never made it (it came from another device).
    pub fn undo_recorded(&mut self, record: &[u8]) -> Result<Applied, IdentityError> {
        let d = crate::store::decode_decision(record).map_err(|_| IdentityError::UnknownDecision)?;
        let mine = self
            .decisions
            .iter()
            .find(|mine| mine.at == d.at && mine.kind == d.kind)
            .ok_or(IdentityError::MadeOnAnotherDevice)?
            .id;
        self.undo(Some(mine))
    }

    /// The handle keys of the contact with this id, its anchor first.
    pub(crate) fn members_of(view: &PeopleView, contact_id: &str) -> Result<Vec<String>, IdentityError> {
        let at = view.contacts.iter().position(|c| c.id == contact_id).ok_or(IdentityError::UnknownContact)?;
        let person = &view.grouping.persons[view.persons[at]];
        Ok(person.iter().map(|&i| view.handles[i].key.clone()).collect())
    }

    /// The id of the contact holding `key` now.
    fn contact_holding(&self, key: &str) -> Option<String> {
        self.people_view(0).contacts.into_iter().find(|c| c.handles.iter().any(|h| h.key == key)).map(|c| c.id)
    }

    fn applied(&self, decision: u64, key: &str) -> Applied {
        Applied { decision, contact_id: self.contact_holding(key) }
    }

    /// Merges two contacts into one person. The merged contact keeps the id of its first
    /// handle (WhatsApp before other sources, see [`crate::merge`]); the other id disappears,
    /// and the next sync deletes it on the server.
    pub fn merge_contacts(&mut self, a: &str, b: &str, at: i64) -> Result<Applied, IdentityError> {
        let view = self.people_view(0);
        let (first, second) = (Self::members_of(&view, a)?, Self::members_of(&view, b)?);
        if a == b {
            return Err(IdentityError::SameContact);
        }
        let kind = DecisionKind::Merge { a: first[0].clone(), b: second[0].clone(), suggested: false };
        let id = self.record(kind, at);
        Ok(self.applied(id, &first[0]))
    }

    /// Possible duplicates: pairs of contacts kith thinks are one person but will not merge
    /// without the user, each with its reasons in words.
    pub fn suggestions(&self) -> Vec<SuggestionView> {
        let view = self.people_view(0);
        let contact = |i: usize| {
            let c = &view.contacts[i];
            SuggestedContact { id: c.id.clone(), name: c.name.clone(), sources: c.sources.clone() }
        };
        self.suggestions_in(&view)
            .into_iter()
            .map(|(s, pair)| SuggestionView {
                id: s.id,
                contacts: [contact(pair.0), contact(pair.1)],
                reasons: s.reasons,
            })
            .collect()
    }

    /// Suggestions with the positions of their two contacts in `view.contacts`.
    fn suggestions_in(&self, view: &PeopleView) -> Vec<(merge::Suggestion, (usize, usize))> {
        let mut contact_of_person = vec![usize::MAX; view.grouping.persons.len()];
        for (c, &p) in view.persons.iter().enumerate() {
            contact_of_person[p] = c;
        }
        let contact_of_key = |key: &str| {
            let i = view.handles.iter().position(|h| h.key == key)?;
            Some(contact_of_person[view.grouping.person_of[i]]).filter(|&c| c != usize::MAX)
        };
        merge::suggestions(&view.handles, &view.grouping, &self.decisions)
            .into_iter()
            // A person left out of the contacts (the user's own card) is not suggested.
            .filter_map(|s| {
                let pair = (contact_of_key(&s.keys[0])?, contact_of_key(&s.keys[1])?);
                Some((s, pair))
            })
            .collect()
    }

    fn suggestion(&self, id: &str) -> Result<merge::Suggestion, IdentityError> {
        let view = self.people_view(0);
        self.suggestions_in(&view)
            .into_iter()
            .map(|(s, _)| s)
            .find(|s| s.id == id)
            .ok_or(IdentityError::UnknownSuggestion)
    }

    /// Accepts a suggestion: its two contacts become one.
    pub fn accept_suggestion(&mut self, id: &str, at: i64) -> Result<Applied, IdentityError> {
        let [a, b] = self.suggestion(id)?.keys;
        let decision = self.record(DecisionKind::Merge { a: a.clone(), b, suggested: true }, at);
        Ok(self.applied(decision, &a))
    }

    /// Rejects a suggestion: it does not come back.
    pub fn reject_suggestion(&mut self, id: &str, at: i64) -> Result<Applied, IdentityError> {
        let [a, b] = self.suggestion(id)?.keys;
        let decision = self.record(DecisionKind::Reject { a, b }, at);
        Ok(Applied { decision, contact_id: None })
    }

    /// Takes one handle out of a contact: it becomes a contact of its own, and nothing joins
    /// it to the others again automatically. The rest stay one contact.
    pub fn split_contact(&mut self, contact_id: &str, handle_key: &str, at: i64) -> Result<Applied, IdentityError> {
        let members = Self::members_of(&self.people_view(0), contact_id)?;
        if !members.iter().any(|k| k == handle_key) {
            return Err(IdentityError::UnknownHandle);
        }
        if members.len() < 2 {
            return Err(IdentityError::NothingToSplit);
        }
        let keep = members.iter().filter(|k| *k != handle_key).cloned().collect();
        let decision = self.record(DecisionKind::Split { key: handle_key.to_string(), keep }, at);
        Ok(self.applied(decision, handle_key))
    }

    /// Corrects a contact: its name, or a phone or address added or removed. A correction
    /// changes what the next sync sends.
    pub fn correct_contact(
        &mut self,
        contact_id: &str,
        correction: Correction,
        at: i64,
    ) -> Result<Applied, IdentityError> {
        let view = self.people_view(0);
        let members = Self::members_of(&view, contact_id)?;
        let contact = view.contacts.iter().find(|c| c.id == contact_id).ok_or(IdentityError::UnknownContact)?;
        let key = members[0].clone();
        let kind = match correction {
            Correction::Rename(name) => {
                let name = clean_name(&name);
                if name.is_empty() {
                    return Err(IdentityError::EmptyName);
                }
                DecisionKind::Rename { key: key.clone(), name }
            }
            Correction::AddPhone(raw) => DecisionKind::AddPhone { key: key.clone(), phone: self.phone(&raw)? },
            Correction::RemovePhone(raw) => {
                let phone = self.phone(&raw)?;
                if !contact.phones.contains(&phone) {
                    return Err(IdentityError::NotTheirs);
                }
                DecisionKind::RemovePhone { key: key.clone(), phone, members }
            }
            Correction::AddEmail(raw) => {
                canonical_email(&raw).ok_or(IdentityError::InvalidEmail)?;
                DecisionKind::AddEmail { key: key.clone(), email: raw.trim().to_lowercase() }
            }
            Correction::RemoveEmail(raw) => {
                let wanted = canonical_email(&raw).ok_or(IdentityError::InvalidEmail)?;
                let email = contact
                    .emails
                    .iter()
                    .find(|e| canonical_email(e).as_deref() == Some(wanted.as_str()))
                    .ok_or(IdentityError::NotTheirs)?
                    .clone();
                DecisionKind::RemoveEmail { key: key.clone(), email, members }
            }
        };
        let decision = self.record(kind, at);
        Ok(self.applied(decision, &key))
    }

    fn phone(&self, raw: &str) -> Result<String, IdentityError> {
        let country = self.default_country.as_deref().and_then(crate::phone::country);
        crate::phone::normalize(raw, country).ok_or_else(|| IdentityError::InvalidPhone {
            needs_country: country.is_none() && crate::phone::normalize(raw, crate::phone::country("GB")).is_some(),
        })
    }

    /// Takes back a decision (the latest when `decision` is `None`): the contacts are exactly
    /// as if it had never been made.
    pub fn undo(&mut self, decision: Option<u64>) -> Result<Applied, IdentityError> {
        let at = match decision {
            Some(id) => self.decisions.iter().position(|d| d.id == id),
            None => self.decisions.len().checked_sub(1),
        }
        .ok_or(IdentityError::UnknownDecision)?;
        let undone = self.decisions.remove(at);
        let key = match &undone.kind {
            DecisionKind::Merge { a, .. } | DecisionKind::Reject { a, .. } => a,
            DecisionKind::Split { key, .. }
            | DecisionKind::Rename { key, .. }
            | DecisionKind::AddPhone { key, .. }
            | DecisionKind::RemovePhone { key, .. }
            | DecisionKind::AddEmail { key, .. }
            | DecisionKind::RemoveEmail { key, .. } => key,
        };
        Ok(self.applied(undone.id, key))
    }

    /// The decisions made, oldest first, with what each did in words.
    pub fn decisions(&self) -> Vec<DecisionView> {
        let view = self.people_view(0);
        // A name and where it is from: two people of one name are told apart by their sources.
        let name_of = |key: &str| -> String {
            match view.handles.iter().find(|h| h.key == key) {
                Some(h) => {
                    let sources: Vec<&str> = h.sources.iter().map(|s| s.display_name()).collect();
                    format!("{} ({})", h.name, sources.join(", "))
                }
                None => key.to_string(),
            }
        };
        self.decisions
            .iter()
            .map(|d| {
                let summary = match &d.kind {
                    DecisionKind::Merge { a, b, suggested: false } => {
                        format!("Merged {} and {}", name_of(a), name_of(b))
                    }
                    DecisionKind::Merge { a, b, suggested: true } => {
                        format!("Accepted that {} and {} are one person", name_of(a), name_of(b))
                    }
                    DecisionKind::Reject { a, b } => {
                        format!("{} and {} are different people", name_of(a), name_of(b))
                    }
                    DecisionKind::Split { key, .. } => format!("Split {} off", name_of(key)),
                    DecisionKind::Rename { key, name } => format!("Renamed {} to “{name}”", name_of(key)),
                    DecisionKind::AddPhone { key, phone } => format!("Added {phone} to {}", name_of(key)),
                    DecisionKind::RemovePhone { key, phone, .. } => format!("Removed {phone} from {}", name_of(key)),
                    DecisionKind::AddEmail { key, email } => format!("Added {email} to {}", name_of(key)),
                    DecisionKind::RemoveEmail { key, email, .. } => format!("Removed {email} from {}", name_of(key)),
                };
                DecisionView { id: d.id, kind: d.kind.code().to_string(), at: crate::time::iso(d.at), summary }
            })
            .collect()
    }

    /// Sets the country national phone numbers are from (`None` to clear it). Numbers
    /// written without a country code match international ones from then on.
    pub fn set_default_country(&mut self, iso: Option<&str>) -> Result<(), IdentityError> {
        self.default_country = match iso.map(str::trim).filter(|s| !s.is_empty()) {
            Some(code) => Some(crate::phone::country(code).ok_or(IdentityError::UnknownCountry)?.iso.to_string()),
            None => None,
        };
        Ok(())
    }

    /// The default country, kith's proposal for it, and how many numbers wait for one.
    pub fn phone_country(&self) -> PhoneCountry {
        let view = self.people_view(0);
        let international: Vec<&str> = view.grouping.phones.iter().flatten().map(String::as_str).collect();
        let proposed = crate::phone::propose_country(international.into_iter()).map(|c| c.iso.to_string());
        let waiting = if self.default_country.is_some() {
            0
        } else {
            let national = |p: &&String| {
                crate::phone::normalize(p, None).is_none()
                    && crate::phone::normalize(p, crate::phone::country("GB")).is_some()
            };
            self.people.values().flat_map(|p| p.phones.iter()).filter(national).count() as u32
        };
        PhoneCountry { country: self.default_country.clone(), proposed, waiting }
    }
}
