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
    /// A device's key check differs from the account's: it holds another sync key.
    KeyMismatch,
    /// The device was forgotten by a device of the account; it must start under a new id.
    DeviceForgotten,
    /// No device of the account has this id.
    DeviceNotFound,
    /// The account has as many devices as it may.
    TooManyDevices {
        /// Most devices per account.
        limit: usize,
    },
    /// A generation at or above the one named is already committed.
    Stale {
        /// The device's committed generation.
        committed: i64,
    },
    /// A commit whose chunks are missing or whose hash differs; says which, without values.
    Incomplete(String),
    /// A state (committed, or uploads in progress) would be larger than allowed.
    StateTooLarge {
        /// Most bytes of one state.
        limit: u64,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Database(e) => write!(f, "storage error: {e}"),
            StoreError::AccountGone => write!(f, "the account no longer exists"),
            StoreError::QuotaExceeded { limit } => write!(f, "the account would hold more than {limit} contacts"),
            StoreError::KeyMismatch => write!(f, "the device's key check differs from the account's"),
            StoreError::DeviceForgotten => write!(f, "the device was forgotten"),
            StoreError::DeviceNotFound => write!(f, "no such device"),
            StoreError::TooManyDevices { limit } => write!(f, "the account has {limit} devices already"),
            StoreError::Stale { committed } => write!(f, "generation {committed} is committed already"),
            StoreError::Incomplete(why) => write!(f, "the state is incomplete: {why}"),
            StoreError::StateTooLarge { limit } => write!(f, "the state would be larger than {limit} bytes"),
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
    /// The account's key check (version 2), set by its first device; null without devices.
    pub key_check: Option<String>,
    /// The account's devices with the sizes of their states (never the sealed bytes).
    pub devices: Vec<Device>,
    /// Ids of forgotten devices, which may not register again.
    pub forgotten_devices: Vec<String>,
}

/// A device of an account (protocol version 2), as `GET /v2/devices` lists it. Times are
/// seconds since the epoch; the state's fields are null until a generation is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// Chosen by the device: 8 to 64 characters of `A-Z a-z 0-9 -`.
    pub device_id: String,
    /// Given by the user.
    pub name: String,
    /// First registered.
    pub created_at: i64,
    /// Last registered again (each sync starts by registering).
    pub last_seen_at: i64,
    /// The committed generation; 0 before the first commit.
    pub generation: i64,
    /// Chunks of the committed state.
    pub chunks: Option<i64>,
    /// Bytes of the committed state.
    pub bytes: Option<i64>,
    /// SHA-256 of the committed state's bytes, lower-case hex.
    pub sha256: Option<String>,
    /// When the committed state was committed.
    pub updated_at: Option<i64>,
}

/// Most devices one account may have (`docs/sync-protocol.md`, version 2).
pub const MAX_DEVICES: usize = 16;
/// Most chunks of one state: indexes run from 0 to 4095.
pub const MAX_CHUNKS: i64 = 4096;
/// Largest chunk, in bytes: 512 KiB.
pub const MAX_CHUNK_BYTES: usize = 512 * 1024;

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

    /// Registers a device, or renames it and marks it seen. The account's key check is set by
    /// the first device of an account that has none; a device whose check differs is refused
    /// ([`StoreError::KeyMismatch`]), as is a forgotten id, or a new device beyond
    /// [`MAX_DEVICES`].
    async fn register_device(
        &self,
        account: &Account,
        device_id: &str,
        name: &str,
        key_check: &str,
        now: i64,
    ) -> Result<Device, StoreError>;
    /// The account's devices, oldest first.
    async fn devices(&self, account: &Account) -> Result<Vec<Device>, StoreError>;
    /// Forgets a device: its state and chunks are deleted and its id remembered as forgotten.
    /// Forgetting a forgotten id again does nothing; an id never registered is
    /// [`StoreError::DeviceNotFound`]. When no device is left, the key check goes too.
    async fn forget_device(&self, account: &Account, device_id: &str, now: i64) -> Result<(), StoreError>;
    /// Stores (or replaces) one chunk of a generation above the committed one. Refused with
    /// [`StoreError::StateTooLarge`] when the device's uploads in progress would exceed
    /// `max_state_bytes`.
    #[allow(clippy::too_many_arguments)]
    async fn put_chunk(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        index: i64,
        data: Vec<u8>,
        now: i64,
        max_state_bytes: u64,
    ) -> Result<(), StoreError>;
    /// Makes `generation` the device's state if chunks `0..chunks` are all there and hash to
    /// `sha256`, atomically, and deletes every other chunk of the device.
    #[allow(clippy::too_many_arguments)]
    async fn commit_state(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        chunks: i64,
        sha256: &str,
        now: i64,
        max_state_bytes: u64,
    ) -> Result<Device, StoreError>;
    /// A chunk of the device's committed generation; `None` for any other generation or index.
    async fn chunk(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        index: i64,
    ) -> Result<Option<Vec<u8>>, StoreError>;
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

/// Lower-case hex, as key checks and hashes are stored and compared.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
