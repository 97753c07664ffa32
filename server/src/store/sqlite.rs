//! SQLite storage: one file, created and migrated on open.
//!
//! rusqlite blocks, so every call runs on tokio's blocking threads ([`SqliteStore::run`]); the
//! async handlers never wait on the disk themselves. One connection behind a mutex serialises
//! this process's calls; writes take SQLite's write lock up front (`BEGIN IMMEDIATE`) and a
//! busy timeout waits for it, so two processes on one file also take turns rather than fail.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kith::sync::SyncBatch;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::{contact_row, Account, AccountExport, Cursor, PullPage, PushResult, Store, StoreError};

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

/// SQLite storage: one file, created and migrated on open.
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
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

/// How long a write waits for another process's write lock on the same file.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl SqliteStore {
    /// Opens (creating and migrating) the database at `path`. Blocks: call it before the
    /// runtime starts, or through `spawn_blocking` ([`super::open`] does).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::Database(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // secure_delete: deleted rows are overwritten with zeros, so after an account is
        // deleted its data is not left in free pages of the file.
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA journal_mode = DELETE;")?;
        // The version is read inside the write transaction, so two processes opening one new
        // file at once do not both run the same migration.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let applied: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            tx.execute_batch(&format!("{migration} PRAGMA user_version = {};", i + 1))?;
        }
        tx.commit()?;
        Ok(SqliteStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `work` on the connection on a blocking thread.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().map_err(|_| StoreError::Database("the database lock was poisoned".into()))?;
            work(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Database(format!("an SQLite task failed: {e}")))?
    }
}

fn push(
    conn: &mut Connection,
    account: &Account,
    batch: &SyncBatch,
    now: i64,
    max_contacts: usize,
) -> Result<PushResult, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let seen: Option<String> = tx
        .prepare_cached("SELECT result FROM batches WHERE account_id = ?1 AND batch_key = ?2")?
        .query_row(params![account.id, batch.batch_key], |r| r.get(0))
        .optional()?;
    if let Some(json) = seen {
        let mut result: PushResult = serde_json::from_str(&json).map_err(|e| StoreError::Database(e.to_string()))?;
        result.replayed = true;
        return Ok(result);
    }
    // No row: the account was deleted after the token was checked.
    let version: i64 = tx
        .prepare_cached("UPDATE accounts SET version = version + 1 WHERE id = ?1 RETURNING version")?
        .query_row(params![account.id], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::AccountGone)?;
    if !batch.upserts.is_empty() {
        // Only growth is refused: an account over a lowered quota can still update and delete.
        let mut exists = tx.prepare_cached("SELECT 1 FROM contacts WHERE account_id = ?1 AND id = ?2")?;
        let mut new_ids = std::collections::HashSet::new();
        for contact in &batch.upserts {
            if !exists.exists(params![account.id, contact.id])? {
                new_ids.insert(contact.id.as_str());
            }
        }
        if !new_ids.is_empty() {
            let stored: i64 = tx
                .prepare_cached("SELECT COUNT(*) FROM contacts WHERE account_id = ?1")?
                .query_row(params![account.id], |r| r.get(0))?;
            if stored as usize + new_ids.len() > max_contacts {
                return Err(StoreError::QuotaExceeded { limit: max_contacts });
            }
        }
    }
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO contacts (account_id, id, record, version, updated_at, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
             ON CONFLICT (account_id, id) DO UPDATE SET record = ?3, version = ?4, updated_at = ?5, deleted_at = NULL",
        )?;
        for contact in &batch.upserts {
            let record = serde_json::to_string(contact).map_err(|e| StoreError::Database(e.to_string()))?;
            upsert.execute(params![account.id, contact.id, record, version, now])?;
        }
    }
    let mut deleted = 0;
    {
        let mut delete = tx.prepare_cached(
            "UPDATE contacts SET record = NULL, version = ?3, updated_at = ?4, deleted_at = ?4
             WHERE account_id = ?1 AND id = ?2 AND deleted_at IS NULL",
        )?;
        for id in &batch.deletions {
            deleted += delete.execute(params![account.id, id, version, now])?;
        }
    }
    let result = PushResult { upserted: batch.upserts.len(), deleted, version, replayed: false };
    let json = serde_json::to_string(&result).map_err(|e| StoreError::Database(e.to_string()))?;
    tx.prepare_cached("INSERT INTO batches (account_id, batch_key, result, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![account.id, batch.batch_key, json, now])?;
    tx.commit()?;
    Ok(result)
}

fn pull(conn: &mut Connection, account: &Account, since: &Cursor, limit: usize) -> Result<PullPage, StoreError> {
    let mut stmt = conn.prepare_cached(
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
    Ok(PullPage::from_rows(changes, since, limit))
}

fn export(conn: &mut Connection, account: &Account) -> Result<AccountExport, StoreError> {
    // One read transaction, so the export is one consistent moment.
    let tx = conn.transaction()?;
    let (created_at, version): (i64, i64) = tx
        .query_row("SELECT created_at, version FROM accounts WHERE id = ?1", params![account.id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .ok_or(StoreError::AccountGone)?;
    let mut contacts = Vec::new();
    {
        let mut stmt =
            tx.prepare("SELECT id, version, record, deleted_at FROM contacts WHERE account_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map(params![account.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for row in rows {
            let (id, version, record, deleted_at) = row?;
            contacts.push(contact_row(id, version, record, deleted_at)?);
        }
    }
    let batches = tx
        .prepare("SELECT batch_key, created_at FROM batches WHERE account_id = ?1 ORDER BY created_at, batch_key")?
        .query_map(params![account.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let tokens: i64 =
        tx.query_row("SELECT COUNT(*) FROM tokens WHERE account_id = ?1", params![account.id], |r| r.get(0))?;
    Ok(AccountExport { account: account.name.clone(), created_at, version, contacts, batches, tokens: tokens as usize })
}

fn delete_account(conn: &mut Connection, account: &Account) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
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

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn create_token(&self, account: &str, token_hash: &str, now: i64) -> Result<(), StoreError> {
        let (account, token_hash) = (account.to_owned(), token_hash.to_owned());
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("INSERT OR IGNORE INTO accounts (name, created_at) VALUES (?1, ?2)", params![account, now])?;
            let id: i64 = tx.query_row("SELECT id FROM accounts WHERE name = ?1", params![account], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO tokens (hash, account_id, created_at) VALUES (?1, ?2, ?3)",
                params![token_hash, id, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn account_for(&self, token_hash: &str) -> Result<Option<Account>, StoreError> {
        let token_hash = token_hash.to_owned();
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT a.id, a.name FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = ?1",
                )?
                .query_row(params![token_hash], |r| Ok(Account { id: r.get(0)?, name: r.get(1)? }))
                .optional()?)
        })
        .await
    }

    async fn push(
        &self,
        account: &Account,
        batch: &SyncBatch,
        now: i64,
        max_contacts: usize,
    ) -> Result<PushResult, StoreError> {
        let (account, batch) = (account.clone(), batch.clone());
        self.run(move |conn| push(conn, &account, &batch, now, max_contacts)).await
    }

    async fn pull(&self, account: &Account, since: &Cursor, limit: usize) -> Result<PullPage, StoreError> {
        let (account, since) = (account.clone(), since.clone());
        self.run(move |conn| pull(conn, &account, &since, limit)).await
    }

    async fn export(&self, account: &Account) -> Result<AccountExport, StoreError> {
        let account = account.clone();
        self.run(move |conn| export(conn, &account)).await
    }

    async fn delete_account(&self, account: &Account) -> Result<(), StoreError> {
        let account = account.clone();
        self.run(move |conn| delete_account(conn, &account)).await
    }

    async fn purge_tombstones(&self, before: i64) -> Result<usize, StoreError> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached("DELETE FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < ?1")?
                .execute(params![before])?)
        })
        .await
    }

    async fn purge_batches(&self, before: i64) -> Result<usize, StoreError> {
        self.run(move |conn| {
            Ok(conn.prepare_cached("DELETE FROM batches WHERE created_at < ?1")?.execute(params![before])?)
        })
        .await
    }
}
