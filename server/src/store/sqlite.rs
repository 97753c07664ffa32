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

use sha2::{Digest, Sha256};

use super::{
    contact_row, Account, AccountExport, Cursor, Device, PullPage, PushResult, Store, StoreError, MAX_DEVICES,
};

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
const MIGRATIONS: [&str; 4] = [
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
    // Protocol version 2: devices, their sealed states in chunks, and forgotten device ids.
    "
    ALTER TABLE accounts ADD COLUMN key_check TEXT;
    CREATE TABLE devices (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        device_id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        generation INTEGER NOT NULL DEFAULT 0,
        chunks INTEGER,
        bytes INTEGER,
        sha256 TEXT,
        updated_at INTEGER,
        PRIMARY KEY (account_id, device_id)
    );
    CREATE TABLE forgotten_devices (
        account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        device_id TEXT NOT NULL,
        forgotten_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, device_id)
    );
    CREATE TABLE device_chunks (
        account_id INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        generation INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, device_id, generation, idx),
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE
    );
",
    // The quota check reads a count kept with the account instead of counting its contacts on
    // every push: one row instead of up to --max-contacts.
    "
    ALTER TABLE accounts ADD COLUMN stored_contacts INTEGER NOT NULL DEFAULT 0;
    UPDATE accounts SET stored_contacts = (SELECT COUNT(*) FROM contacts WHERE account_id = accounts.id);
",
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
    let (version, stored): (i64, i64) = tx
        .prepare_cached("UPDATE accounts SET version = version + 1 WHERE id = ?1 RETURNING version, stored_contacts")?
        .query_row(params![account.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or(StoreError::AccountGone)?;
    let mut new_ids = std::collections::HashSet::new();
    {
        let mut exists = tx.prepare_cached("SELECT 1 FROM contacts WHERE account_id = ?1 AND id = ?2")?;
        for contact in &batch.upserts {
            if !exists.exists(params![account.id, contact.id])? {
                new_ids.insert(contact.id.as_str());
            }
        }
    }
    // Only growth is refused: an account over a lowered quota can still update and delete.
    if !new_ids.is_empty() {
        if stored as usize + new_ids.len() > max_contacts {
            return Err(StoreError::QuotaExceeded { limit: max_contacts });
        }
        tx.prepare_cached("UPDATE accounts SET stored_contacts = stored_contacts + ?2 WHERE id = ?1")?
            .execute(params![account.id, new_ids.len() as i64])?;
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
    let key_check: Option<String> =
        tx.query_row("SELECT key_check FROM accounts WHERE id = ?1", params![account.id], |r| r.get(0))?;
    let devices = devices(&tx, account)?;
    let forgotten_devices = tx
        .prepare("SELECT device_id FROM forgotten_devices WHERE account_id = ?1 ORDER BY forgotten_at, device_id")?
        .query_map(params![account.id], |r| r.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(AccountExport {
        account: account.name.clone(),
        created_at,
        version,
        contacts,
        batches,
        tokens: tokens as usize,
        key_check,
        devices,
        forgotten_devices,
    })
}

fn delete_account(conn: &mut Connection, account: &Account) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Explicit deletes rather than relying on cascades alone: every table is named here.
    for sql in [
        "DELETE FROM device_chunks WHERE account_id = ?1",
        "DELETE FROM devices WHERE account_id = ?1",
        "DELETE FROM forgotten_devices WHERE account_id = ?1",
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

const DEVICE_COLUMNS: &str = "device_id, name, created_at, last_seen_at, generation, chunks, bytes, sha256, updated_at";

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    Ok(Device {
        device_id: r.get(0)?,
        name: r.get(1)?,
        created_at: r.get(2)?,
        last_seen_at: r.get(3)?,
        generation: r.get(4)?,
        chunks: r.get(5)?,
        bytes: r.get(6)?,
        sha256: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

fn devices(conn: &Connection, account: &Account) -> Result<Vec<Device>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = ?1 ORDER BY created_at, device_id");
    Ok(conn.prepare_cached(&sql)?.query_map(params![account.id], device_row)?.collect::<Result<_, _>>()?)
}

fn device(conn: &Connection, account: &Account, device_id: &str) -> Result<Option<Device>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = ?1 AND device_id = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![account.id, device_id], device_row).optional()?)
}

fn is_forgotten(conn: &Connection, account: &Account, device_id: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM forgotten_devices WHERE account_id = ?1 AND device_id = ?2")?
        .exists(params![account.id, device_id])?)
}

/// The device, or why there is none: forgotten, or never registered.
fn existing_device(conn: &Connection, account: &Account, device_id: &str) -> Result<Device, StoreError> {
    match device(conn, account, device_id)? {
        Some(device) => Ok(device),
        None if is_forgotten(conn, account, device_id)? => Err(StoreError::DeviceForgotten),
        None => Err(StoreError::DeviceNotFound),
    }
}

fn register_device(
    conn: &mut Connection,
    account: &Account,
    device_id: &str,
    name: &str,
    key_check: &str,
    now: i64,
) -> Result<Device, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stored: Option<String> = tx
        .query_row("SELECT key_check FROM accounts WHERE id = ?1", params![account.id], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::AccountGone)?;
    if is_forgotten(&tx, account, device_id)? {
        return Err(StoreError::DeviceForgotten);
    }
    match stored {
        Some(check) if check != key_check => return Err(StoreError::KeyMismatch),
        Some(_) => {}
        None => {
            tx.execute("UPDATE accounts SET key_check = ?2 WHERE id = ?1", params![account.id, key_check])?;
        }
    }
    let renamed = tx.execute(
        "UPDATE devices SET name = ?3, last_seen_at = ?4 WHERE account_id = ?1 AND device_id = ?2",
        params![account.id, device_id, name, now],
    )?;
    if renamed == 0 {
        let count: i64 =
            tx.query_row("SELECT COUNT(*) FROM devices WHERE account_id = ?1", params![account.id], |r| r.get(0))?;
        if count as usize >= MAX_DEVICES {
            return Err(StoreError::TooManyDevices { limit: MAX_DEVICES });
        }
        tx.execute(
            "INSERT INTO devices (account_id, device_id, name, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![account.id, device_id, name, now],
        )?;
    }
    let device = existing_device(&tx, account, device_id)?;
    tx.commit()?;
    Ok(device)
}

fn forget_device(conn: &mut Connection, account: &Account, device_id: &str, now: i64) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    match existing_device(&tx, account, device_id) {
        Err(StoreError::DeviceForgotten) => return Ok(()),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    tx.execute("DELETE FROM device_chunks WHERE account_id = ?1 AND device_id = ?2", params![account.id, device_id])?;
    tx.execute("DELETE FROM devices WHERE account_id = ?1 AND device_id = ?2", params![account.id, device_id])?;
    tx.execute(
        "INSERT INTO forgotten_devices (account_id, device_id, forgotten_at) VALUES (?1, ?2, ?3)",
        params![account.id, device_id, now],
    )?;
    // With no device left, nothing on the server is sealed with the old key: the next device
    // to register sets the key check afresh.
    tx.execute(
        "UPDATE accounts SET key_check = NULL WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM devices WHERE account_id = ?1)",
        params![account.id],
    )?;
    tx.commit()?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn put_chunk(
    conn: &mut Connection,
    account: &Account,
    device_id: &str,
    generation: i64,
    index: i64,
    data: &[u8],
    now: i64,
    max_state_bytes: u64,
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let device = existing_device(&tx, account, device_id)?;
    if generation <= device.generation {
        return Err(StoreError::Stale { committed: device.generation });
    }
    // Uploads in progress are bounded like a committed state, so abandoned generations cannot
    // pile up; the chunk this one replaces does not count.
    let pending: i64 = tx
        .prepare_cached(
            "SELECT COALESCE(SUM(size), 0) FROM device_chunks
             WHERE account_id = ?1 AND device_id = ?2 AND generation > ?3 AND NOT (generation = ?4 AND idx = ?5)",
        )?
        .query_row(params![account.id, device_id, device.generation, generation, index], |r| r.get(0))?;
    if pending as u64 + data.len() as u64 > max_state_bytes {
        return Err(StoreError::StateTooLarge { limit: max_state_bytes });
    }
    tx.prepare_cached(
        "INSERT INTO device_chunks (account_id, device_id, generation, idx, size, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (account_id, device_id, generation, idx) DO UPDATE
         SET size = excluded.size, data = excluded.data, created_at = excluded.created_at",
    )?
    .execute(params![account.id, device_id, generation, index, data.len() as i64, data, now])?;
    tx.commit()?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn commit_state(
    conn: &mut Connection,
    account: &Account,
    device_id: &str,
    generation: i64,
    chunks: i64,
    sha256: &str,
    now: i64,
    max_state_bytes: u64,
) -> Result<Device, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let device = existing_device(&tx, account, device_id)?;
    if generation <= device.generation {
        return Err(StoreError::Stale { committed: device.generation });
    }
    let (present, bytes): (i64, i64) = tx.query_row(
        "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM device_chunks
         WHERE account_id = ?1 AND device_id = ?2 AND generation = ?3 AND idx < ?4",
        params![account.id, device_id, generation, chunks],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if present != chunks {
        return Err(StoreError::Incomplete(format!("{} of its {chunks} chunks are missing", chunks - present)));
    }
    if bytes as u64 > max_state_bytes {
        return Err(StoreError::StateTooLarge { limit: max_state_bytes });
    }
    // Chunk by chunk, so a large state is never held in memory whole.
    let mut hasher = Sha256::new();
    {
        let mut stmt = tx.prepare(
            "SELECT data FROM device_chunks WHERE account_id = ?1 AND device_id = ?2 AND generation = ?3 AND idx < ?4
             ORDER BY idx",
        )?;
        let mut rows = stmt.query(params![account.id, device_id, generation, chunks])?;
        while let Some(row) = rows.next()? {
            hasher.update(row.get_ref(0)?.as_blob().map_err(|e| StoreError::Database(e.to_string()))?);
        }
    }
    if super::hex(&hasher.finalize()) != sha256 {
        return Err(StoreError::Incomplete("the sha256 differs from that of its chunks".into()));
    }
    tx.execute(
        "UPDATE devices SET generation = ?3, chunks = ?4, bytes = ?5, sha256 = ?6, updated_at = ?7
         WHERE account_id = ?1 AND device_id = ?2",
        params![account.id, device_id, generation, chunks, bytes, sha256, now],
    )?;
    tx.execute(
        "DELETE FROM device_chunks WHERE account_id = ?1 AND device_id = ?2 AND (generation <> ?3 OR idx >= ?4)",
        params![account.id, device_id, generation, chunks],
    )?;
    let device = existing_device(&tx, account, device_id)?;
    tx.commit()?;
    Ok(device)
}

fn chunk(
    conn: &mut Connection,
    account: &Account,
    device_id: &str,
    generation: i64,
    index: i64,
) -> Result<Option<Vec<u8>>, StoreError> {
    let device = existing_device(conn, account, device_id)?;
    if generation != device.generation || index >= device.chunks.unwrap_or(0) {
        return Ok(None);
    }
    Ok(conn
        .prepare_cached(
            "SELECT data FROM device_chunks WHERE account_id = ?1 AND device_id = ?2 AND generation = ?3 AND idx = ?4",
        )?
        .query_row(params![account.id, device_id, generation, index], |r| r.get(0))
        .optional()?)
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
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached(
                "UPDATE accounts SET stored_contacts = stored_contacts - (
                     SELECT COUNT(*) FROM contacts
                     WHERE account_id = accounts.id AND deleted_at IS NOT NULL AND deleted_at < ?1)
                 WHERE id IN (SELECT account_id FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < ?1)",
            )?
            .execute(params![before])?;
            let purged = tx
                .prepare_cached("DELETE FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < ?1")?
                .execute(params![before])?;
            tx.commit()?;
            Ok(purged)
        })
        .await
    }

    async fn purge_batches(&self, before: i64) -> Result<usize, StoreError> {
        self.run(move |conn| {
            Ok(conn.prepare_cached("DELETE FROM batches WHERE created_at < ?1")?.execute(params![before])?)
        })
        .await
    }

    async fn register_device(
        &self,
        account: &Account,
        device_id: &str,
        name: &str,
        key_check: &str,
        now: i64,
    ) -> Result<Device, StoreError> {
        let (account, device_id, name, key_check) =
            (account.clone(), device_id.to_owned(), name.to_owned(), key_check.to_owned());
        self.run(move |conn| register_device(conn, &account, &device_id, &name, &key_check, now)).await
    }

    async fn devices(&self, account: &Account) -> Result<Vec<Device>, StoreError> {
        let account = account.clone();
        self.run(move |conn| devices(conn, &account)).await
    }

    async fn forget_device(&self, account: &Account, device_id: &str, now: i64) -> Result<(), StoreError> {
        let (account, device_id) = (account.clone(), device_id.to_owned());
        self.run(move |conn| forget_device(conn, &account, &device_id, now)).await
    }

    async fn put_chunk(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        index: i64,
        data: Vec<u8>,
        now: i64,
        max_state_bytes: u64,
    ) -> Result<(), StoreError> {
        let (account, device_id) = (account.clone(), device_id.to_owned());
        self.run(move |conn| put_chunk(conn, &account, &device_id, generation, index, &data, now, max_state_bytes))
            .await
    }

    async fn commit_state(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        chunks: i64,
        sha256: &str,
        now: i64,
        max_state_bytes: u64,
    ) -> Result<Device, StoreError> {
        let (account, device_id, sha256) = (account.clone(), device_id.to_owned(), sha256.to_owned());
        self.run(move |conn| {
            commit_state(conn, &account, &device_id, generation, chunks, &sha256, now, max_state_bytes)
        })
        .await
    }

    async fn chunk(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        index: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let (account, device_id) = (account.clone(), device_id.to_owned());
        self.run(move |conn| chunk(conn, &account, &device_id, generation, index)).await
    }
}
