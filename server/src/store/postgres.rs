//! PostgreSQL storage: one database that several kith-server instances may share.
//!
//! `tokio-postgres` over a `deadpool-postgres` pool: every query is a network round trip that
//! the runtime awaits, never blocks on. The schema is migrated on connect, under an advisory
//! lock so instances that start together do not race each other's migrations.
//!
//! What holds with several instances on one database, and why:
//! - **A batch key applies once.** `batches` has the primary key `(account_id, batch_key)`, and
//!   a push checks for its key only while holding the account's row lock (below), so a
//!   concurrent push of the same key on another instance waits and then finds it. Should the
//!   insert still collide, the constraint refuses it and the push answers as a replay.
//! - **Versions and cursors never skip or repeat a contact.** See [`PostgresStore::push`].
//! - **A deleted account is gone everywhere at once.** Tokens are looked up in the database on
//!   every request (no instance caches them), and deletion holds the account's row lock, so a
//!   push in flight finishes first and any later one finds no account.

use std::collections::BTreeMap;
use std::time::Duration;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use kith::sync::SyncBatch;
use tokio_postgres::error::SqlState;
use tokio_postgres::{IsolationLevel, NoTls};

use super::{
    contact_row, Account, AccountExport, Cursor, Device, PullPage, PushResult, Store, StoreError, MAX_DEVICES,
};

/// Schema migrations, applied in order; the `schema_version` table records how many ran.
///
/// Ids and batch keys use the `"C"` collation: byte order, as in SQLite, so the pull feed's
/// order and its cursor comparisons are the same on both backends whatever the database's
/// locale.
const MIGRATIONS: [&str; 3] = [
    "
    CREATE TABLE accounts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        version BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE tokens (
        hash TEXT PRIMARY KEY,
        account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL
    );
    CREATE INDEX tokens_by_account ON tokens(account_id);
    CREATE TABLE contacts (
        account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        id TEXT COLLATE \"C\" NOT NULL,
        record TEXT,
        version BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        deleted_at BIGINT,
        PRIMARY KEY (account_id, id)
    );
    CREATE INDEX contacts_by_version ON contacts(account_id, version, id);
    CREATE INDEX contacts_tombstones ON contacts(deleted_at) WHERE deleted_at IS NOT NULL;
    CREATE TABLE batches (
        account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        batch_key TEXT COLLATE \"C\" NOT NULL,
        result TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, batch_key)
    );
    CREATE INDEX batches_by_age ON batches(created_at);
",
    // Protocol version 2: devices, their sealed states in chunks, and forgotten device ids.
    // Chunks are ciphertext: stored out of line and uncompressed (`STORAGE EXTERNAL`), since
    // compressing them would cost time and gain nothing.
    "
    ALTER TABLE accounts ADD COLUMN key_check TEXT;
    CREATE TABLE devices (
        account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        device_id TEXT COLLATE \"C\" NOT NULL,
        name TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        generation BIGINT NOT NULL DEFAULT 0,
        chunks BIGINT,
        bytes BIGINT,
        sha256 TEXT,
        updated_at BIGINT,
        PRIMARY KEY (account_id, device_id)
    );
    CREATE TABLE forgotten_devices (
        account_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        device_id TEXT COLLATE \"C\" NOT NULL,
        forgotten_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, device_id)
    );
    CREATE TABLE device_chunks (
        account_id BIGINT NOT NULL,
        device_id TEXT COLLATE \"C\" NOT NULL,
        generation BIGINT NOT NULL,
        idx BIGINT NOT NULL,
        size BIGINT NOT NULL,
        data BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (account_id, device_id, generation, idx),
        FOREIGN KEY (account_id, device_id) REFERENCES devices(account_id, device_id) ON DELETE CASCADE
    );
    ALTER TABLE device_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
",
    // The quota check reads a count kept with the account instead of counting its contacts on
    // every push, under the account's lock: one row instead of up to --max-contacts.
    "
    ALTER TABLE accounts ADD COLUMN stored_contacts BIGINT NOT NULL DEFAULT 0;
    UPDATE accounts SET stored_contacts = (SELECT COUNT(*) FROM contacts WHERE account_id = accounts.id);
",
];

/// The advisory lock migrations run under (any constant; this one spells "kithmigr").
const MIGRATION_LOCK: i64 = 0x6b69_7468_6d69_6772;

/// Connections per instance. Each push holds one for its transaction; more than the cores of
/// a small database server buys only waiting inside PostgreSQL instead of in the pool.
const POOL_SIZE: usize = 16;

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        // The code and message name the problem; `detail` may quote row values, so it is left out.
        match e.as_db_error() {
            Some(db) => StoreError::Database(format!("PostgreSQL {}: {}", db.code().code(), db.message())),
            None => StoreError::Database(format!("PostgreSQL: {e}")),
        }
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError::Database(format!("PostgreSQL connection pool: {other}")),
        }
    }
}

fn is_unique_violation(e: &tokio_postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// PostgreSQL storage over a connection pool.
pub struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and
    /// migrates it to the current schema. Connections are not encrypted: run the database on
    /// the same host or a private network (or a Unix socket, `?host=/path/to/socket/dir`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        // The URL may hold a password: errors name the problem, never the URL.
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError::Database(format!("--db is not a usable PostgreSQL URL: {e}")))?;
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| StoreError::Database(format!("PostgreSQL connection pool: {e}")))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<Object, StoreError> {
        Ok(self.pool.get().await?)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)").await?;
        let applied: i32 = tx.query_opt("SELECT version FROM schema_version", &[]).await?.map_or(0, |r| r.get(0));
        if applied as usize > MIGRATIONS.len() {
            return Err(StoreError::Database(format!(
                "the database's schema is version {applied}, newer than this kith-server knows ({}); run a newer kith-server",
                MIGRATIONS.len()
            )));
        }
        for migration in MIGRATIONS.iter().skip(applied as usize) {
            tx.batch_execute(migration).await?;
        }
        let current = MIGRATIONS.len() as i32;
        tx.execute("DELETE FROM schema_version", &[]).await?;
        tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[&current]).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The stored result of a batch key, if it was applied.
    async fn stored_result(
        client: &impl GenericClient,
        account: &Account,
        batch_key: &str,
    ) -> Result<Option<PushResult>, StoreError> {
        let row = client
            .query_opt(
                "SELECT result FROM batches WHERE account_id = $1 AND batch_key = $2",
                &[&account.id, &batch_key],
            )
            .await?;
        row.map(|r| {
            let json: String = r.get(0);
            let mut result: PushResult =
                serde_json::from_str(&json).map_err(|e| StoreError::Database(format!("stored batch result: {e}")))?;
            result.replayed = true;
            Ok(result)
        })
        .transpose()
    }
}

const DEVICE_COLUMNS: &str = "device_id, name, created_at, last_seen_at, generation, chunks, bytes, sha256, updated_at";

fn device_row(r: &tokio_postgres::Row) -> Device {
    Device {
        device_id: r.get(0),
        name: r.get(1),
        created_at: r.get(2),
        last_seen_at: r.get(3),
        generation: r.get(4),
        chunks: r.get(5),
        bytes: r.get(6),
        sha256: r.get(7),
        updated_at: r.get(8),
    }
}

async fn devices(client: &impl GenericClient, account: &Account) -> Result<Vec<Device>, StoreError> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 ORDER BY created_at, device_id");
    Ok(client.query(&sql, &[&account.id]).await?.iter().map(device_row).collect())
}

/// The device, or why there is none: forgotten, or never registered. With `lock`, its row is
/// locked until the transaction ends, so uploads and commits of one device take turns.
async fn existing_device(
    client: &impl GenericClient,
    account: &Account,
    device_id: &str,
    lock: bool,
) -> Result<Device, StoreError> {
    let sql = format!(
        "SELECT {DEVICE_COLUMNS} FROM devices WHERE account_id = $1 AND device_id = $2{}",
        if lock { " FOR NO KEY UPDATE" } else { "" }
    );
    if let Some(row) = client.query_opt(&sql, &[&account.id, &device_id]).await? {
        return Ok(device_row(&row));
    }
    let forgotten = client
        .query_opt(
            "SELECT 1 FROM forgotten_devices WHERE account_id = $1 AND device_id = $2",
            &[&account.id, &device_id],
        )
        .await?
        .is_some();
    Err(if forgotten { StoreError::DeviceForgotten } else { StoreError::DeviceNotFound })
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn create_token(&self, account: &str, token_hash: &str, now: i64) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "INSERT INTO accounts (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[&account, &now],
        )
        .await?;
        let id: i64 = tx.query_one("SELECT id FROM accounts WHERE name = $1", &[&account]).await?.get(0);
        tx.execute("INSERT INTO tokens (hash, account_id, created_at) VALUES ($1, $2, $3)", &[&token_hash, &id, &now])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn account_for(&self, token_hash: &str) -> Result<Option<Account>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT a.id, a.name FROM tokens t JOIN accounts a ON a.id = t.account_id WHERE t.hash = $1",
                &[&token_hash],
            )
            .await?;
        Ok(row.map(|r| Account { id: r.get(0), name: r.get(1) }))
    }

    /// Why pulls never skip or repeat a contact under concurrent pushes, on any instance:
    /// 1. A push's first write is `UPDATE accounts SET version = version + 1 … RETURNING
    ///    version`. It takes the account row's lock and holds it until the push commits or
    ///    rolls back, so pushes to one account run one at a time, whichever instance serves
    ///    them; the next push waits, then (read committed) reads the version just committed.
    /// 2. PostgreSQL makes a committed transaction visible to new snapshots before it releases
    ///    its locks. So when push N+1 gets the lock, push N is already visible to everyone.
    /// 3. A pull is one statement, so one snapshot. If it sees any row of version N+1, push
    ///    N+1 had committed before the snapshot, so push N had too: no row of a lower version
    ///    can become visible behind a cursor that has passed it. Each push's rows commit
    ///    together, so a version is never seen in part.
    /// 4. A push that rolls back (a replay found under the lock, the quota, an error) gives its
    ///    number back; no row ever carried it, so no cursor passed it.
    async fn push(
        &self,
        account: &Account,
        batch: &SyncBatch,
        now: i64,
        max_contacts: usize,
    ) -> Result<PushResult, StoreError> {
        let mut client = self.client().await?;
        // A replay is answered without taking the account's lock.
        if let Some(result) = Self::stored_result(&client, account, &batch.batch_key).await? {
            return Ok(result);
        }
        let tx = client.transaction().await?;
        let Some(row) = tx
            .query_opt(
                "UPDATE accounts SET version = version + 1 WHERE id = $1 RETURNING version, stored_contacts",
                &[&account.id],
            )
            .await?
        else {
            // No row: the account was deleted after the token was checked.
            return Err(StoreError::AccountGone);
        };
        let (version, stored): (i64, i64) = (row.get(0), row.get(1));
        // Under the lock: a push of the same key that committed while this one waited is seen now.
        if let Some(result) = Self::stored_result(&tx, account, &batch.batch_key).await? {
            tx.rollback().await?;
            return Ok(result);
        }
        // One statement for all upserts. An id upserted twice in one batch keeps its last
        // record, as writing the upserts one by one would; sorted, so rows lock in one order.
        let mut latest = BTreeMap::new();
        for contact in &batch.upserts {
            latest.insert(contact.id.as_str(), contact);
        }
        let ids: Vec<&str> = latest.keys().copied().collect();
        if !ids.is_empty() {
            let existing: i64 = tx
                .query_one("SELECT COUNT(*) FROM contacts WHERE account_id = $1 AND id = ANY($2)", &[&account.id, &ids])
                .await?
                .get(0);
            // Exact: no other push or purge of this account runs while this one holds its lock.
            let new = ids.len() as i64 - existing;
            // Only growth is refused: an account over a lowered quota can still update and delete.
            if new > 0 {
                if (stored + new) as usize > max_contacts {
                    tx.rollback().await?;
                    return Err(StoreError::QuotaExceeded { limit: max_contacts });
                }
                tx.execute(
                    "UPDATE accounts SET stored_contacts = stored_contacts + $2 WHERE id = $1",
                    &[&account.id, &new],
                )
                .await?;
            }
            let records = latest
                .values()
                .map(|c| serde_json::to_string(c).map_err(|e| StoreError::Database(e.to_string())))
                .collect::<Result<Vec<String>, _>>()?;
            tx.execute(
                "INSERT INTO contacts (account_id, id, record, version, updated_at, deleted_at)
                 SELECT $1, u.id, u.record, $4, $5, NULL FROM UNNEST($2::text[], $3::text[]) AS u(id, record)
                 ON CONFLICT (account_id, id) DO UPDATE
                 SET record = EXCLUDED.record, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, deleted_at = NULL",
                &[&account.id, &ids, &records, &version, &now],
            )
            .await?;
        }
        let deleted = if batch.deletions.is_empty() {
            0
        } else {
            tx.execute(
                "UPDATE contacts SET record = NULL, version = $3, updated_at = $4, deleted_at = $4
                 WHERE account_id = $1 AND id = ANY($2) AND deleted_at IS NULL",
                &[&account.id, &batch.deletions, &version, &now],
            )
            .await? as usize
        };
        let result = PushResult { upserted: batch.upserts.len(), deleted, version, replayed: false };
        let json = serde_json::to_string(&result).map_err(|e| StoreError::Database(e.to_string()))?;
        let recorded = tx
            .execute(
                "INSERT INTO batches (account_id, batch_key, result, created_at) VALUES ($1, $2, $3, $4)",
                &[&account.id, &batch.batch_key, &json, &now],
            )
            .await;
        match recorded {
            Ok(_) => {}
            // The lock makes this unreachable; the constraint makes it harmless if it is not.
            Err(e) if is_unique_violation(&e) => {
                tx.rollback().await?;
                return Self::stored_result(&client, account, &batch.batch_key)
                    .await?
                    .ok_or_else(|| StoreError::Database("a batch key collided, then vanished".into()));
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(result)
    }

    async fn pull(&self, account: &Account, since: &Cursor, limit: usize) -> Result<PullPage, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, version, record, deleted_at FROM contacts
                 WHERE account_id = $1 AND (version, id) > ($2, $3)
                 ORDER BY version, id LIMIT $4",
                &[&account.id, &since.version, &since.id, &(limit as i64 + 1)],
            )
            .await?;
        let changes = rows
            .into_iter()
            .map(|r| contact_row(r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PullPage::from_rows(changes, since, limit))
    }

    async fn export(&self, account: &Account) -> Result<AccountExport, StoreError> {
        let mut client = self.client().await?;
        // One snapshot for every query, so the export is one consistent moment.
        let tx =
            client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await?;
        let row = tx
            .query_opt("SELECT created_at, version FROM accounts WHERE id = $1", &[&account.id])
            .await?
            .ok_or(StoreError::AccountGone)?;
        let (created_at, version): (i64, i64) = (row.get(0), row.get(1));
        let contacts = tx
            .query(
                "SELECT id, version, record, deleted_at FROM contacts WHERE account_id = $1 ORDER BY id",
                &[&account.id],
            )
            .await?
            .into_iter()
            .map(|r| contact_row(r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect::<Result<Vec<_>, _>>()?;
        let batches = tx
            .query(
                "SELECT batch_key, created_at FROM batches WHERE account_id = $1 ORDER BY created_at, batch_key",
                &[&account.id],
            )
            .await?
            .into_iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let tokens: i64 =
            tx.query_one("SELECT COUNT(*) FROM tokens WHERE account_id = $1", &[&account.id]).await?.get(0);
        let key_check: Option<String> =
            tx.query_one("SELECT key_check FROM accounts WHERE id = $1", &[&account.id]).await?.get(0);
        let devices = devices(&tx, account).await?;
        let forgotten_devices = tx
            .query(
                "SELECT device_id FROM forgotten_devices WHERE account_id = $1 ORDER BY forgotten_at, device_id",
                &[&account.id],
            )
            .await?
            .into_iter()
            .map(|r| r.get(0))
            .collect();
        tx.commit().await?;
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

    async fn delete_account(&self, account: &Account) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The account's row lock first: a push in flight on any instance finishes before the
        // rows go, and a push after it finds no account (its version bump matches no row).
        tx.execute("SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", &[&account.id]).await?;
        // Explicit deletes rather than relying on cascades alone: every table is named here.
        for sql in [
            "DELETE FROM device_chunks WHERE account_id = $1",
            "DELETE FROM devices WHERE account_id = $1",
            "DELETE FROM forgotten_devices WHERE account_id = $1",
            "DELETE FROM contacts WHERE account_id = $1",
            "DELETE FROM batches WHERE account_id = $1",
            "DELETE FROM tokens WHERE account_id = $1",
            "DELETE FROM accounts WHERE id = $1",
        ] {
            tx.execute(sql, &[&account.id]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Account by account, each under the account's row lock, as a push takes it: the lock
    /// comes before any contact row in both, so a purge and a push cannot deadlock, and the
    /// account's stored count drops by exactly what went.
    async fn purge_tombstones(&self, before: i64) -> Result<usize, StoreError> {
        let mut client = self.client().await?;
        let due: Vec<i64> = client
            .query(
                "SELECT DISTINCT account_id FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < $1",
                &[&before],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut purged = 0;
        for account_id in due {
            let tx = client.transaction().await?;
            tx.execute("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE", &[&account_id]).await?;
            let n = tx
                .execute(
                    "DELETE FROM contacts WHERE account_id = $1 AND deleted_at IS NOT NULL AND deleted_at < $2",
                    &[&account_id, &before],
                )
                .await?;
            tx.execute(
                "UPDATE accounts SET stored_contacts = stored_contacts - $2 WHERE id = $1",
                &[&account_id, &(n as i64)],
            )
            .await?;
            tx.commit().await?;
            purged += n as usize;
        }
        Ok(purged)
    }

    /// Instances purging at once split the rows (`SKIP LOCKED`) rather than queue behind, or
    /// deadlock with, each other's deletes.
    async fn purge_batches(&self, before: i64) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM batches WHERE (account_id, batch_key) IN (
                     SELECT account_id, batch_key FROM batches WHERE created_at < $1 FOR UPDATE SKIP LOCKED)",
                &[&before],
            )
            .await?;
        Ok(n as usize)
    }

    /// Registrations and forgets of one account take turns on its row lock, so the device
    /// count and the first key check cannot race.
    async fn register_device(
        &self,
        account: &Account,
        device_id: &str,
        name: &str,
        key_check: &str,
        now: i64,
    ) -> Result<Device, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let stored: Option<String> = tx
            .query_opt("SELECT key_check FROM accounts WHERE id = $1 FOR NO KEY UPDATE", &[&account.id])
            .await?
            .ok_or(StoreError::AccountGone)?
            .get(0);
        let forgotten = tx
            .query_opt(
                "SELECT 1 FROM forgotten_devices WHERE account_id = $1 AND device_id = $2",
                &[&account.id, &device_id],
            )
            .await?
            .is_some();
        if forgotten {
            return Err(StoreError::DeviceForgotten);
        }
        match stored {
            Some(check) if check != key_check => return Err(StoreError::KeyMismatch),
            Some(_) => {}
            None => {
                tx.execute("UPDATE accounts SET key_check = $2 WHERE id = $1", &[&account.id, &key_check]).await?;
            }
        }
        let renamed = tx
            .execute(
                "UPDATE devices SET name = $3, last_seen_at = $4 WHERE account_id = $1 AND device_id = $2",
                &[&account.id, &device_id, &name, &now],
            )
            .await?;
        if renamed == 0 {
            let count: i64 =
                tx.query_one("SELECT COUNT(*) FROM devices WHERE account_id = $1", &[&account.id]).await?.get(0);
            if count as usize >= MAX_DEVICES {
                return Err(StoreError::TooManyDevices { limit: MAX_DEVICES });
            }
            tx.execute(
                "INSERT INTO devices (account_id, device_id, name, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)",
                &[&account.id, &device_id, &name, &now],
            )
            .await?;
        }
        let device = existing_device(&tx, account, device_id, false).await?;
        tx.commit().await?;
        Ok(device)
    }

    async fn devices(&self, account: &Account) -> Result<Vec<Device>, StoreError> {
        let client = self.client().await?;
        devices(&client, account).await
    }

    async fn forget_device(&self, account: &Account, device_id: &str, now: i64) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE", &[&account.id]).await?;
        match existing_device(&tx, account, device_id, true).await {
            Err(StoreError::DeviceForgotten) => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        tx.execute("DELETE FROM device_chunks WHERE account_id = $1 AND device_id = $2", &[&account.id, &device_id])
            .await?;
        tx.execute("DELETE FROM devices WHERE account_id = $1 AND device_id = $2", &[&account.id, &device_id]).await?;
        tx.execute(
            "INSERT INTO forgotten_devices (account_id, device_id, forgotten_at) VALUES ($1, $2, $3)",
            &[&account.id, &device_id, &now],
        )
        .await?;
        // With no device left, nothing on the server is sealed with the old key: the next
        // device to register sets the key check afresh.
        tx.execute(
            "UPDATE accounts SET key_check = NULL
             WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM devices WHERE account_id = $1)",
            &[&account.id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let device = existing_device(&tx, account, device_id, true).await?;
        if generation <= device.generation {
            return Err(StoreError::Stale { committed: device.generation });
        }
        // Uploads in progress are bounded like a committed state, so abandoned generations
        // cannot pile up; the chunk this one replaces does not count.
        let pending: i64 = tx
            .query_one(
                "SELECT COALESCE(SUM(size), 0)::BIGINT FROM device_chunks
                 WHERE account_id = $1 AND device_id = $2 AND generation > $3 AND NOT (generation = $4 AND idx = $5)",
                &[&account.id, &device_id, &device.generation, &generation, &index],
            )
            .await?
            .get(0);
        if pending as u64 + data.len() as u64 > max_state_bytes {
            return Err(StoreError::StateTooLarge { limit: max_state_bytes });
        }
        tx.execute(
            "INSERT INTO device_chunks (account_id, device_id, generation, idx, size, data, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (account_id, device_id, generation, idx) DO UPDATE
             SET size = EXCLUDED.size, data = EXCLUDED.data, created_at = EXCLUDED.created_at",
            &[&account.id, &device_id, &generation, &index, &(data.len() as i64), &data, &now],
        )
        .await?;
        tx.commit().await?;
        Ok(())
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
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let device = existing_device(&tx, account, device_id, true).await?;
        if generation <= device.generation {
            return Err(StoreError::Stale { committed: device.generation });
        }
        let row = tx
            .query_one(
                "SELECT COUNT(*), COALESCE(SUM(size), 0)::BIGINT FROM device_chunks
                 WHERE account_id = $1 AND device_id = $2 AND generation = $3 AND idx < $4",
                &[&account.id, &device_id, &generation, &chunks],
            )
            .await?;
        let (present, bytes): (i64, i64) = (row.get(0), row.get(1));
        if present != chunks {
            return Err(StoreError::Incomplete(format!("{} of its {chunks} chunks are missing", chunks - present)));
        }
        if bytes as u64 > max_state_bytes {
            return Err(StoreError::StateTooLarge { limit: max_state_bytes });
        }
        // Hashed inside PostgreSQL: the state's bytes need not cross the network to be checked.
        let actual: String = tx
            .query_one(
                "SELECT encode(sha256(string_agg(data, ''::BYTEA ORDER BY idx)), 'hex') FROM device_chunks
                 WHERE account_id = $1 AND device_id = $2 AND generation = $3 AND idx < $4",
                &[&account.id, &device_id, &generation, &chunks],
            )
            .await?
            .get(0);
        if actual != sha256 {
            return Err(StoreError::Incomplete("the sha256 differs from that of its chunks".into()));
        }
        tx.execute(
            "UPDATE devices SET generation = $3, chunks = $4, bytes = $5, sha256 = $6, updated_at = $7
             WHERE account_id = $1 AND device_id = $2",
            &[&account.id, &device_id, &generation, &chunks, &bytes, &sha256, &now],
        )
        .await?;
        tx.execute(
            "DELETE FROM device_chunks WHERE account_id = $1 AND device_id = $2 AND (generation <> $3 OR idx >= $4)",
            &[&account.id, &device_id, &generation, &chunks],
        )
        .await?;
        let device = existing_device(&tx, account, device_id, false).await?;
        tx.commit().await?;
        Ok(device)
    }

    async fn chunk(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        index: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let client = self.client().await?;
        // One statement: the device's committed generation and the chunk from one snapshot.
        let row = client
            .query_opt(
                "SELECT c.data FROM devices d JOIN device_chunks c
                   ON c.account_id = d.account_id AND c.device_id = d.device_id AND c.generation = d.generation
                 WHERE d.account_id = $1 AND d.device_id = $2 AND d.generation = $3 AND c.idx = $4 AND $4 < d.chunks",
                &[&account.id, &device_id, &generation, &index],
            )
            .await?;
        match row {
            Some(row) => Ok(Some(row.get(0))),
            None => existing_device(&client, account, device_id, false).await.map(|_| None),
        }
    }
}
