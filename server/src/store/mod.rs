//! Storage behind one trait, [`Store`], with two implementations: [`SqliteStore`] (one file,
//! the default) and [`PostgresStore`] (one database that several kith-server instances may
//! share). Every method is scoped to one account; no query reads or writes across accounts.
//!
//! The trait is asynchronous so that PostgreSQL's network round trips never block the
//! server's runtime; SQLite's calls, which block on disk, run on tokio's blocking threads.

mod postgres;
mod sqlite;

use std::sync::Arc;

use kith::sync::{SyncBatch, SyncContact};
use serde::Serialize;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// Why a store operation did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The database failed (the server's problem, not the request's).
    Database(String),
    /// The account was deleted after its token was checked (a push racing account deletion).
    AccountGone,
    /// The push would take the account over its contact quota.
    QuotaExceeded {
        /// The quota: most contacts, tombstones included.
        limit: usize,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Database(e) => write!(f, "storage error: {e}"),
            StoreError::AccountGone => write!(f, "the account no longer exists"),
            StoreError::QuotaExceeded { limit } => write!(f, "the account would hold more than {limit} contacts"),
        }
    }
}

impl std::error::Error for StoreError {}

/// An account, as a token resolves to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// The name given at `token create`.
    pub name: String,
}

/// What a push did. Stored with the batch key, so a replay returns it unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResult {
    /// Contacts created or replaced.
    pub upserted: usize,
    /// Contacts turned into tombstones.
    pub deleted: usize,
    /// The account's version after the push.
    pub version: i64,
    /// True when this batch key was seen before and nothing changed now.
    pub replayed: bool,
}

/// One contact as pulled: the record (null for a tombstone) and its version.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PulledContact {
    /// Contact id.
    pub id: String,
    /// Server version of this change.
    pub version: i64,
    /// The record; absent for a deleted contact.
    pub contact: Option<SyncContact>,
    /// When it was deleted (seconds since the epoch), for tombstones.
    pub deleted_at: Option<i64>,
}

/// A page of changes after a cursor.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PullPage {
    /// Changes in version order.
    pub changes: Vec<PulledContact>,
    /// Pass as `since` to continue.
    pub cursor: String,
    /// Whether more changes follow.
    pub more: bool,
}

impl PullPage {
    /// A page from up to `limit + 1` rows in feed order: the extra row only says more follow.
    fn from_rows(mut changes: Vec<PulledContact>, since: &Cursor, limit: usize) -> PullPage {
        let more = changes.len() > limit;
        changes.truncate(limit);
        let cursor = changes.last().map_or_else(|| since.clone(), |c| Cursor { version: c.version, id: c.id.clone() });
        PullPage { changes, cursor: cursor.to_string(), more }
    }
}

/// A position in an account's change feed: after this version and, within it, this id.
/// Written `"<version>/<id>"` (`"0/"` is the start); ids cannot contain `/`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cursor {
    /// Version of the last change seen.
    pub version: i64,
    /// Id of the last change seen within that version.
    pub id: String,
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.version, self.id)
    }
}

impl std::str::FromStr for Cursor {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let problem = || "since: a cursor from an earlier pull, or 0".to_string();
        let (version, id) = s.split_once('/').unwrap_or((s, ""));
        // Digits only (no sign, no spaces), and an id as contacts have them, or none.
        let version_ok = (1..=18).contains(&version.len()) && version.bytes().all(|b| b.is_ascii_digit());
        let id_ok =
            id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':');
        if !version_ok || !id_ok {
            return Err(problem());
        }
        let version = version.parse().map_err(|_| problem())?;
        Ok(Cursor { version, id: id.to_string() })
    }
}

/// Everything stored for one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountExport {
    /// Account name.
    pub account: String,
    /// Created (seconds since the epoch).
    pub created_at: i64,
    /// Current version.
    pub version: i64,
    /// Every contact and tombstone.
    pub contacts: Vec<PulledContact>,
    /// Batch keys seen, with when.
    pub batches: Vec<(String, i64)>,
    /// Token count (tokens themselves are stored only as hashes, and not exported).
    pub tokens: usize,
}

/// The operations kith-server needs from a database.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// Creates the account if needed and stores a token hash for it.
    async fn create_token(&self, account: &str, token_hash: &str, now: i64) -> Result<(), StoreError>;
    /// The account a token hash belongs to. Looked up in the database on every request, never
    /// cached: a deleted account's token stops working on every instance at once.
    async fn account_for(&self, token_hash: &str) -> Result<Option<Account>, StoreError>;
    /// Applies a batch once per batch key. Refused whole, changing nothing, when it would add
    /// contacts beyond `max_contacts` (tombstones count: they are stored too).
    async fn push(
        &self,
        account: &Account,
        batch: &SyncBatch,
        now: i64,
        max_contacts: usize,
    ) -> Result<PushResult, StoreError>;
    /// Changes after `since`, at most `limit`.
    async fn pull(&self, account: &Account, since: &Cursor, limit: usize) -> Result<PullPage, StoreError>;
    /// Everything stored for the account.
    async fn export(&self, account: &Account) -> Result<AccountExport, StoreError>;
    /// Removes the account and every row of it.
    async fn delete_account(&self, account: &Account) -> Result<(), StoreError>;
    /// Removes tombstones deleted before `before`; returns how many.
    async fn purge_tombstones(&self, before: i64) -> Result<usize, StoreError>;
    /// Forgets batch keys first seen before `before` (a replay after that is applied again);
    /// returns how many.
    async fn purge_batches(&self, before: i64) -> Result<usize, StoreError>;
}

/// Whether `--db` names a PostgreSQL database (a `postgres://` or `postgresql://` URL) rather
/// than an SQLite file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// Opens the store `--db` names: PostgreSQL for a `postgres://` URL, otherwise an SQLite file
/// at that path. Either is created or migrated to the current schema first.
pub async fn open(db: &str) -> Result<Arc<dyn Store>, StoreError> {
    if is_postgres_url(db) {
        Ok(Arc::new(PostgresStore::connect(db).await?))
    } else {
        let path = std::path::PathBuf::from(db);
        let store = tokio::task::spawn_blocking(move || SqliteStore::open(&path))
            .await
            .map_err(|e| StoreError::Database(format!("the SQLite open task failed: {e}")))??;
        Ok(Arc::new(store))
    }
}

/// A stored record back into a pulled change.
fn contact_row(
    id: String,
    version: i64,
    record: Option<String>,
    deleted_at: Option<i64>,
) -> Result<PulledContact, StoreError> {
    let contact = match record {
        Some(json) => {
            Some(serde_json::from_str(&json).map_err(|e| StoreError::Database(format!("stored record {id}: {e}")))?)
        }
        None => None,
    };
    Ok(PulledContact { id, version, contact, deleted_at })
}
