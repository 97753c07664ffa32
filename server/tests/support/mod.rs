//! What the HTTP suites share: a kith-server on a loopback port over a fresh database of either
//! backend, one-request HTTP/1.1 calls, and [`on_both_backends!`], which runs each test body
//! once on SQLite and once on PostgreSQL.
//!
//! PostgreSQL comes from `KITH_TEST_POSTGRES`, a URL of a role that may create databases
//! (`scripts/test` starts a throwaway cluster and sets it). Each test creates its own database
//! in it, so tests run in parallel, and drops it at the end. Without the variable the
//! PostgreSQL variants fail under `CI=true` and are skipped, with a notice, elsewhere.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kith_server::store::{self, Store};
use kith_server::{new_token, token_hash, AppState, Config, ManualClock};
use serde_json::{json, Value};

/// Generates `sqlite::<name>` and `postgres::<name>` tests for each test body `fn <name>(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::support::Backend::Sqlite) } )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(backend) = super::support::Backend::postgres() {
                        super::$name(backend)
                    }
                }
            )*
        }
    };
}

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The variable that names the PostgreSQL cluster the tests may create databases in.
pub const POSTGRES_ENV: &str = "KITH_TEST_POSTGRES";

impl Backend {
    /// PostgreSQL when `KITH_TEST_POSTGRES` is set; a failure under `CI=true` when not, and
    /// otherwise `None` after a notice (a developer without PostgreSQL can still run the rest).
    pub fn postgres() -> Option<Backend> {
        if std::env::var_os(POSTGRES_ENV).is_some() {
            return Some(Backend::Postgres);
        }
        let message = format!(
            "{POSTGRES_ENV} is not set: the PostgreSQL variants of the HTTP tests need a cluster \
             (bash scripts/test native starts one and sets it)"
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{message}");
        }
        eprintln!("skipped: {message}");
        None
    }
}

/// A fresh, empty database: an SQLite file in a temporary folder, or a new PostgreSQL
/// database, dropped when this is.
pub struct Database {
    pub backend: Backend,
    /// What `--db` takes: the file's path, or the database's URL.
    pub url: String,
    /// The SQLite file.
    pub path: PathBuf,
    postgres: Option<(tokio_postgres::Config, String)>,
    _dir: tempfile::TempDir,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

/// A database name no other test uses.
fn unique_name() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    format!("kith_test_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

async fn admin(config: &tokio_postgres::Config) -> tokio_postgres::Client {
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.expect("connect to KITH_TEST_POSTGRES");
    tokio::spawn(connection);
    client
}

impl Database {
    pub fn new(backend: Backend) -> Database {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kith.db");
        match backend {
            Backend::Sqlite => Database { backend, url: path.display().to_string(), path, postgres: None, _dir: dir },
            Backend::Postgres => {
                let base = std::env::var(POSTGRES_ENV).expect(POSTGRES_ENV);
                let config: tokio_postgres::Config = base.parse().expect("KITH_TEST_POSTGRES is a PostgreSQL URL");
                let name = unique_name();
                runtime().block_on(async {
                    admin(&config)
                        .await
                        .batch_execute(&format!("CREATE DATABASE {name}"))
                        .await
                        .expect("create database");
                });
                let url = with_database(&base, &name);
                Database { backend, url, path, postgres: Some((config, name)), _dir: dir }
            }
        }
    }

    /// Everything the database holds that a leak could hide in. SQLite: the file's bytes (so
    /// free pages count too). PostgreSQL: every row of every table, as text.
    pub fn contents(&self) -> String {
        match self.backend {
            Backend::Sqlite => String::from_utf8_lossy(&std::fs::read(&self.path).expect("db file")).to_string(),
            Backend::Postgres => runtime().block_on(async {
                let config: tokio_postgres::Config = self.url.parse().expect("url");
                let client = admin(&config).await;
                let tables = client
                    .query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", &[])
                    .await
                    .expect("tables");
                let mut text = String::new();
                for table in tables {
                    let table: String = table.get(0);
                    // A row as text shows bytea in hex: bytea columns are added as their bytes.
                    let binary: Vec<String> = client
                        .query(
                            "SELECT column_name::text FROM information_schema.columns
                             WHERE table_schema = 'public' AND table_name = $1 AND data_type = 'bytea'",
                            &[&table],
                        )
                        .await
                        .expect("columns")
                        .iter()
                        .map(|r| format!(" || ' ' || encode({}, 'escape')", r.get::<_, String>(0)))
                        .collect();
                    let sql = format!("SELECT t::text{} FROM {table} t", binary.concat());
                    let rows = client.query(&sql, &[]).await.expect("rows");
                    for row in rows {
                        text.push_str(&table);
                        text.push(' ');
                        text.push_str(row.get::<_, &str>(0));
                        text.push('\n');
                    }
                }
                text
            }),
        }
    }

    /// Rows per table, for checks that a deletion left none behind.
    pub fn row_counts(&self) -> Vec<(String, i64)> {
        match self.backend {
            Backend::Sqlite => sqlite_row_counts(&self.path),
            Backend::Postgres => runtime().block_on(async {
                let config: tokio_postgres::Config = self.url.parse().expect("url");
                let client = admin(&config).await;
                let tables = client
                    .query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename", &[])
                    .await
                    .expect("tables");
                let mut counts = Vec::new();
                for table in tables {
                    let table: String = table.get(0);
                    let n: i64 =
                        client.query_one(&format!("SELECT COUNT(*) FROM {table}"), &[]).await.expect("count").get(0);
                    counts.push((table, n));
                }
                counts
            }),
        }
    }
}

fn sqlite_row_counts(path: &std::path::Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    tables
        .into_iter()
        .map(|t| {
            let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0)).expect("count");
            (t, n)
        })
        .collect()
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((config, name)) = self.postgres.take() {
            runtime().block_on(async {
                let _ =
                    admin(&config).await.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            });
        }
    }
}

/// `base` with its database name replaced by `name`.
pub fn with_database(base: &str, name: &str) -> String {
    let (before_query, query) = base.split_once('?').map_or((base, None), |(b, q)| (b, Some(q)));
    let scheme_end = before_query.find("://").map_or(0, |i| i + 3);
    let host_end = before_query[scheme_end..].find('/').map_or(before_query.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &before_query[..host_end]);
    if let Some(q) = query {
        url.push('?');
        url.push_str(q);
    }
    url
}

pub const START: i64 = 1_732_000_000;

/// One kith-server instance on a loopback port, with its own runtime, store (its own
/// connection or pool) and clock, over a shared [`Database`].
pub struct Server {
    pub addr: SocketAddr,
    pub audit: Arc<Mutex<Vec<String>>>,
    pub clock: Arc<ManualClock>,
    pub alice: String,
    pub bob: String,
    pub store: Arc<dyn Store>,
    /// Dropped before the database: it holds the instance's connections.
    runtime: tokio::runtime::Runtime,
    pub db: Arc<Database>,
}

impl Server {
    /// Runs a store call (or any future) on this instance's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Another instance over the same database and tokens, with its own store and clock.
    pub fn twin(&self, config: Config) -> Server {
        let db = Arc::clone(&self.db);
        let (alice, bob) = (self.alice.clone(), self.bob.clone());
        let url = db.url.clone();
        serve_on(db, alice, bob, config, move |runtime| runtime.block_on(store::open(&url)).expect("open"))
    }

    /// The database's contents as text (see [`Database::contents`]).
    pub fn db_contents(&self) -> String {
        self.db.contents()
    }
}

/// A server on a fresh database of `backend`.
pub fn start(backend: Backend, config: Config) -> Server {
    start_with(backend, config, |store| store)
}

/// A server on a fresh database of `backend`, over the store `wrap` makes of the real one.
pub fn start_with(backend: Backend, config: Config, wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>) -> Server {
    let db = Arc::new(Database::new(backend));
    let alice = new_token().expect("token");
    let bob = new_token().expect("token");
    let url = db.url.clone();
    let (a, b) = (token_hash(&alice), token_hash(&bob));
    serve_on(db, alice, bob, config, move |runtime| {
        runtime.block_on(async {
            let store = store::open(&url).await.expect("open");
            store.create_token("alice", &a, START).await.expect("alice");
            store.create_token("bob", &b, START).await.expect("bob");
            wrap(store)
        })
    })
}

fn serve_on(
    db: Arc<Database>,
    alice: String,
    bob: String,
    config: Config,
    open: impl FnOnce(&tokio::runtime::Runtime) -> Arc<dyn Store>,
) -> Server {
    // Two workers: requests and the store's calls run beside the test thread's block_on.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let store = open(&runtime);
    let clock = Arc::new(ManualClock::default());
    clock.advance(START);
    let audit = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&audit);
    let state = AppState::new(
        Arc::clone(&store),
        clock.clone(),
        config,
        Arc::new(move |line: &str| sink.lock().expect("audit").push(line.to_string())),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    runtime.spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        kith_server::net::serve(listener, state, std::future::pending()).await.expect("serve");
    });
    Server { addr, audit, clock, alice, bob, store, runtime, db }
}

pub struct Reply {
    pub status: u16,
    pub headers: String,
    /// The body as text (lossy), for JSON and messages.
    pub body: String,
    /// The body's bytes exactly.
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request on a fresh connection.
pub fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> Reply {
    call_bytes(addr, method, path, token, body.map(str::as_bytes), extra)
}

/// One HTTP/1.1 request with a body of any bytes.
pub fn call_bytes(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
    extra: &[(&str, &str)],
) -> Reply {
    call_on(TcpStream::connect(addr).expect("connect"), addr, method, path, token, body, extra)
}

/// A connection to `addr` from another loopback address, so the server sees a second client.
pub fn connect_from(local: &str, addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let local: SocketAddr = format!("{local}:0").parse().expect("local address");
    socket.bind(&local.into()).expect("bind a second loopback address");
    socket.connect(&addr.into()).expect("connect");
    socket.into()
}

/// One HTTP/1.1 request on `stream`; `Content-Type: application/json` unless `extra` names one.
pub fn call_on(
    mut stream: TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
    extra: &[(&str, &str)],
) -> Reply {
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("read timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or(b"");
    if !body.is_empty() && !extra.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).expect("write");
    // A server that answers before reading the whole body (413) may close early: not an error.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let (headers, body) = match split {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => (&raw[..], &[][..]),
    };
    let headers = String::from_utf8_lossy(headers).to_string();
    let status = headers.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply {
        status,
        headers: headers.to_lowercase(),
        body: String::from_utf8_lossy(body).to_string(),
        bytes: body.to_vec(),
    }
}

pub fn contact(id: &str, name: &str) -> Value {
    json!({
        "id": id, "name": name, "phones": ["+447700900123"], "emails": [], "sources": ["whatsapp"],
        "lastSentAt": "2024-03-05T14:07:00Z", "lastReceivedAt": "2024-03-06T09:00:00Z", "lastInteractionAt": "2024-03-06T09:00:00Z",
        "sentCount": 3, "receivedCount": 4, "groupMessageCount": 0, "cadenceDays": 7.0
    })
}

pub fn push(s: &Server, token: &str, key: &str, upserts: Vec<Value>, deletions: Vec<&str>) -> Reply {
    push_to(s.addr, token, key, upserts, deletions)
}

pub fn push_to(addr: SocketAddr, token: &str, key: &str, upserts: Vec<Value>, deletions: Vec<&str>) -> Reply {
    let body = json!({ "batchKey": key, "upserts": upserts, "deletions": deletions }).to_string();
    call(addr, "POST", "/v1/sync/push", Some(token), Some(&body), &[])
}

pub fn pull_all(s: &Server, token: &str) -> Vec<Value> {
    pull_all_from(s.addr, token)
}

/// Every change from the start, following cursors across pages.
pub fn pull_all_from(addr: SocketAddr, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor = "0".to_string();
    loop {
        let reply = call(addr, "GET", &format!("/v1/sync/pull?since={cursor}&limit=1000"), Some(token), None, &[]);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let page = reply.json();
        all.extend(page["changes"].as_array().cloned().unwrap_or_default());
        cursor = page["cursor"].as_str().expect("cursor").to_string();
        if page["more"] != true {
            return all;
        }
    }
}
