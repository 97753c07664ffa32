//! Storage behind a trait, so PostgreSQL can follow SQLite. Every method is scoped to one
//! account; no query reads or writes across accounts.

use std::path::Path;
use std::sync::Mutex;

use kith::sync::{SyncBatch, SyncContact};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

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

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

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
pub trait Store: Send + Sync {
    /// Creates the account if needed and stores a token hash for it.
    fn create_token(&self, account: &str, token_hash: &str, now: i64) -> Result<(), StoreError>;
    /// The account a token hash belongs to.
    fn account_for(&self, token_hash: &str) -> Result<Option<Account>, StoreError>;
    /// Applies a batch once per batch key. Refused whole, changing nothing, when it would add
    /// contacts beyond `max_contacts` (tombstones count: they are stored too).
    fn push(
        &self,
        account: &Account,
        batch: &SyncBatch,
        now: i64,
        max_contacts: usize,
    ) -> Result<PushResult, StoreError>;
    /// Changes after `since`, at most `limit`.
    fn pull(&self, account: &Account, since: &Cursor, limit: usize) -> Result<PullPage, StoreError>;
    /// Everything stored for the account.
    fn export(&self, account: &Account) -> Result<AccountExport, StoreError>;
    /// Removes the account and every row of it.
    fn delete_account(&self, account: &Account) -> Result<(), StoreError>;
    /// Removes tombstones deleted before `before`; returns how many.
    fn purge_tombstones(&self, before: i64) -> Result<usize, StoreError>;
    /// Forgets batch keys first seen before `before` (a replay after that is applied again);
    /// returns how many.
    fn purge_batches(&self, before: i64) -> Result<usize, StoreError>;
}

/// SQLite storage: one file, created and migrated on open.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
const MIGRATIONS: [&str; 2] = [
    "
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE contacts (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        id TEXT NOT NULL,
        record TEXT,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER,
        PRIMARY KEY (account_id, id)
    );
    CREATE INDEX contacts_by_version ON contacts(account_id, version);
    CREATE INDEX contacts_tombstones ON contacts(deleted_at) WHERE deleted_at IS NOT NULL;
    CREATE TABLE batches (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        batch_key TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, batch_key)
    );
",
    // Batch keys are purged by age.
    "CREATE INDEX batches_by_age ON batches(created_at);",
];

impl SqliteStore {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", dir.display())))?;
        }
        let conn = Connection::open(path)?;
        // secure_delete: deleted rows are overwritten with zeros, so after an account is
        // deleted its data is not left in free pages of the file.
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA journal_mode = DELETE;")?;
        let applied: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            conn.execute_batch(&format!("BEGIN; {migration} PRAGMA user_version = {}; COMMIT;", i + 1))?;
        }
        Ok(SqliteStore { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| StoreError::Database("the database lock was poisoned".into()))
    }
}

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

impl Store for SqliteStore {
    fn create_token(&self, account: &str, token_hash: &str, now: i64) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        tx.execute("INSERT OR IGNORE INTO accounts (name, created_at) VALUES (?1, ?2)", params![account, now])?;
        let id: i64 = tx.query_row("SELECT id FROM accounts WHERE name = ?1", params![account], |r| r.get(0))?;
        tx.execute(
            "INSERT INTO tokens (hash, account_id, created_at) VALUES (?1, ?2, ?3)",
            params![token_hash, id, now],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn account_for(&self, token_hash: &str) -> Result<Option<Account>, StoreError> {
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                "SELECT a.id, a.name FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = ?1",
                params![token_hash],
                |r| Ok(Account { id: r.get(0)?, name: r.get(1)? }),
            )
            .optional()?)
    }

    fn push(
        &self,
        account: &Account,
        batch: &SyncBatch,
        now: i64,
        max_contacts: usize,
    ) -> Result<PushResult, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        let seen: Option<String> = tx
            .query_row(
                "SELECT result FROM batches WHERE account_id = ?1 AND batch_key = ?2",
                params![account.id, batch.batch_key],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(json) = seen {
            let mut result: PushResult =
                serde_json::from_str(&json).map_err(|e| StoreError::Database(e.to_string()))?;
            result.replayed = true;
            return Ok(result);
        }
        // No row: the account was deleted after the token was checked.
        let version: i64 = tx
            .query_row(
                "UPDATE accounts SET version = version + 1 WHERE id = ?1 RETURNING version",
                params![account.id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(StoreError::AccountGone)?;
        let stored = |tx: &rusqlite::Transaction<'_>| -> Result<usize, StoreError> {
            let n: i64 =
                tx.query_row("SELECT COUNT(*) FROM contacts WHERE account_id = ?1", params![account.id], |r| r.get(0))?;
            Ok(n as usize)
        };
        let before = if batch.upserts.is_empty() { 0 } else { stored(&tx)? };
        for contact in &batch.upserts {
            let record = serde_json::to_string(contact).map_err(|e| StoreError::Database(e.to_string()))?;
            tx.execute(
                "INSERT INTO contacts (account_id, id, record, version, updated_at, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
                 ON CONFLICT (account_id, id) DO UPDATE SET record = ?3, version = ?4, updated_at = ?5, deleted_at = NULL",
                params![account.id, contact.id, record, version, now],
            )?;
        }
        if !batch.upserts.is_empty() {
            // Only growth is refused: an account over a lowered quota can still update and delete.
            let after = stored(&tx)?;
            if after > before && after > max_contacts {
                return Err(StoreError::QuotaExceeded { limit: max_contacts });
            }
        }
        let mut deleted = 0;
        for id in &batch.deletions {
            deleted += tx.execute(
                "UPDATE contacts SET record = NULL, version = ?3, updated_at = ?4, deleted_at = ?4
                 WHERE account_id = ?1 AND id = ?2 AND deleted_at IS NULL",
                params![account.id, id, version, now],
            )?;
        }
        let result = PushResult { upserted: batch.upserts.len(), deleted, version, replayed: false };
        let json = serde_json::to_string(&result).map_err(|e| StoreError::Database(e.to_string()))?;
        tx.execute(
            "INSERT INTO batches (account_id, batch_key, result, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![account.id, batch.batch_key, json, now],
        )?;
        tx.commit()?;
        Ok(result)
    }

    fn pull(&self, account: &Account, since: &Cursor, limit: usize) -> Result<PullPage, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, version, record, deleted_at FROM contacts
             WHERE account_id = ?1 AND (version > ?2 OR (version = ?2 AND id > ?3))
             ORDER BY version, id LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![account.id, since.version, since.id, limit as i64 + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
        let mut changes = Vec::new();
        for row in rows {
            let (id, version, record, deleted_at) = row?;
            changes.push(contact_row(id, version, record, deleted_at)?);
        }
        let more = changes.len() > limit;
        changes.truncate(limit);
        let cursor = changes.last().map_or_else(|| since.clone(), |c| Cursor { version: c.version, id: c.id.clone() });
        Ok(PullPage { changes, cursor: cursor.to_string(), more })
    }

    fn export(&self, account: &Account) -> Result<AccountExport, StoreError> {
        let conn = self.conn()?;
        let (created_at, version): (i64, i64) = conn
            .query_row("SELECT created_at, version FROM accounts WHERE id = ?1", params![account.id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or(StoreError::AccountGone)?;
        let mut stmt =
            conn.prepare("SELECT id, version, record, deleted_at FROM contacts WHERE account_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map(params![account.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        let mut contacts = Vec::new();
        for row in rows {
            let (id, version, record, deleted_at) = row?;
            contacts.push(contact_row(id, version, record, deleted_at)?);
        }
        let mut stmt = conn.prepare(
            "SELECT batch_key, created_at FROM batches WHERE account_id = ?1 ORDER BY created_at, batch_key",
        )?;
        let batches =
            stmt.query_map(params![account.id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
        let tokens: i64 =
            conn.query_row("SELECT COUNT(*) FROM tokens WHERE account_id = ?1", params![account.id], |r| r.get(0))?;
        Ok(AccountExport {
            account: account.name.clone(),
            created_at,
            version,
            contacts,
            batches,
            tokens: tokens as usize,
        })
    }

    fn delete_account(&self, account: &Account) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction()?;
        // Explicit deletes rather than relying on cascades alone: every table is named here.
        for sql in [
            "DELETE FROM contacts WHERE account_id = ?1",
            "DELETE FROM batches WHERE account_id = ?1",
            "DELETE FROM tokens WHERE account_id = ?1",
            "DELETE FROM accounts WHERE id = ?1",
        ] {
            tx.execute(sql, params![account.id])?;
        }
        tx.commit()?;
        Ok(())
    }

    fn purge_tombstones(&self, before: i64) -> Result<usize, StoreError> {
        let conn = self.conn()?;
        Ok(conn.execute("DELETE FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < ?1", params![before])?)
    }

    fn purge_batches(&self, before: i64) -> Result<usize, StoreError> {
        let conn = self.conn()?;
        Ok(conn.execute("DELETE FROM batches WHERE created_at < ?1", params![before])?)
    }
}
