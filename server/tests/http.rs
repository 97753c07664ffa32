//! kith-server over real HTTP on loopback with a temporary SQLite file:
//! `cargo test -p kith-server`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kith_server::store::{SqliteStore, Store};
use kith_server::{app, new_token, token_hash, AppState, Config, ManualClock};
use serde_json::{json, Value};

struct Server {
    addr: SocketAddr,
    db: PathBuf,
    audit: Arc<Mutex<Vec<String>>>,
    clock: Arc<ManualClock>,
    alice: String,
    bob: String,
    _dir: tempfile::TempDir,
}

const START: i64 = 1_732_000_000;

fn start(config: Config) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("kith.db");
    let store = SqliteStore::open(&db).expect("open");
    let alice = new_token().expect("token");
    let bob = new_token().expect("token");
    store.create_token("alice", &token_hash(&alice), START).expect("alice");
    store.create_token("bob", &token_hash(&bob), START).expect("bob");
    let clock = Arc::new(ManualClock::default());
    clock.advance(START);
    let audit = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&audit);
    let state = AppState::new(
        Arc::new(store),
        clock.clone(),
        config,
        Arc::new(move |line: &str| sink.lock().expect("audit").push(line.to_string())),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            axum::serve(listener, app(state).into_make_service_with_connect_info::<SocketAddr>()).await.expect("serve");
        });
    });
    Server { addr, db, audit, clock, alice, bob, _dir: dir }
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request on a fresh connection.
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).expect("write");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Reply { status, headers: headers.to_lowercase(), body: body.to_string() }
}

fn contact(id: &str, name: &str) -> Value {
    json!({
        "id": id, "name": name, "phones": ["+447700900123"], "emails": [], "sources": ["whatsapp"],
        "lastSentAt": "2024-03-05T14:07:00Z", "lastReceivedAt": "2024-03-06T09:00:00Z", "lastInteractionAt": "2024-03-06T09:00:00Z",
        "sentCount": 3, "receivedCount": 4, "groupMessageCount": 0, "cadenceDays": 7.0
    })
}

fn push(s: &Server, token: &str, key: &str, upserts: Vec<Value>, deletions: Vec<&str>) -> Reply {
    let body = json!({ "batchKey": key, "upserts": upserts, "deletions": deletions }).to_string();
    call(s.addr, "POST", "/v1/sync/push", Some(token), Some(&body), &[])
}

fn pull_all(s: &Server, token: &str) -> Vec<Value> {
    let reply = call(s.addr, "GET", "/v1/sync/pull?since=0&limit=1000", Some(token), None, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["changes"].as_array().cloned().unwrap_or_default()
}

fn db_bytes(s: &Server) -> String {
    String::from_utf8_lossy(&std::fs::read(&s.db).expect("db file")).to_string()
}

#[test]
fn happy_path_push_then_pull_in_pages() {
    let s = start(Config::default());
    let reply = push(
        &s,
        &s.alice,
        "batch-0001",
        vec![contact("c1", "Ann Lee"), contact("c2", "Bo"), contact("c3", "Cy")],
        vec![],
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), json!({ "upserted": 3, "deleted": 0, "version": 1, "replayed": false }));
    let all = pull_all(&s, &s.alice);
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["contact"], contact("c1", "Ann Lee"));
    // Pages of two: the cursor continues inside one version without losing a contact.
    let first = call(s.addr, "GET", "/v1/sync/pull?since=0&limit=2", Some(&s.alice), None, &[]).json();
    assert_eq!(first["more"], true);
    let cursor = first["cursor"].as_str().expect("cursor").to_string();
    let second =
        call(s.addr, "GET", &format!("/v1/sync/pull?since={cursor}&limit=2"), Some(&s.alice), None, &[]).json();
    assert_eq!(second["changes"].as_array().map(Vec::len), Some(1));
    assert_eq!(second["changes"][0]["id"], "c3");
    assert_eq!(second["more"], false);
    let audit = s.audit.lock().expect("audit").join("\n");
    assert!(
        audit.contains("account=alice op=push")
            && audit.contains("upserts=3")
            && audit.contains("fields=id,name,phones"),
        "{audit}"
    );
    assert!(!audit.contains("Ann Lee") && !audit.contains("+4477"), "the audit log holds no values: {audit}");
}

#[test]
fn a_replayed_batch_changes_nothing() {
    let s = start(Config::default());
    assert_eq!(push(&s, &s.alice, "batch-0001", vec![contact("c1", "Ann")], vec![]).status, 200);
    let replay = push(&s, &s.alice, "batch-0001", vec![contact("c1", "Ann Changed")], vec![]);
    assert_eq!(replay.status, 200);
    assert_eq!(replay.json(), json!({ "upserted": 1, "deleted": 0, "version": 1, "replayed": true }));
    let all = pull_all(&s, &s.alice);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["contact"]["name"], "Ann");
    assert_eq!(all[0]["version"], 1);
}

#[test]
fn unknown_fields_are_refused_by_name() {
    let s = start(Config::default());
    let smuggled =
        json!({ "batchKey": "batch-0002", "upserts": [], "deletions": [], "messages": ["hello"] }).to_string();
    let reply = call(s.addr, "POST", "/v1/sync/push", Some(&s.alice), Some(&smuggled), &[]);
    assert_eq!(reply.status, 400);
    assert!(
        reply.json()["error"]["message"].as_str().unwrap_or("").contains("unknown field `messages`"),
        "{}",
        reply.body
    );
    let mut with_text = contact("c1", "Ann");
    with_text["text"] = json!("hello there");
    let reply = push(&s, &s.alice, "batch-0003", vec![with_text], vec![]);
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("unknown field `text`"), "{}", reply.body);
    assert!(!reply.body.contains("hello there"), "the error does not echo values");
    let mut bad_time = contact("c1", "Ann");
    bad_time["lastSentAt"] = json!("yesterday");
    let reply = push(&s, &s.alice, "batch-0004", vec![bad_time], vec![]);
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("upserts[0].lastSentAt"), "{}", reply.body);
    assert_eq!(push(&s, &s.alice, "short", vec![], vec![]).status, 400, "batch keys are 8 to 64 characters");
    assert!(pull_all(&s, &s.alice).is_empty(), "nothing was stored");
}

#[test]
fn oversized_bodies_get_413() {
    let s = start(Config { body_limit: 4096, ..Config::default() });
    let many: Vec<Value> = (0..40).map(|i| contact(&format!("c{i}"), "A name long enough to add up")).collect();
    let reply = push(&s, &s.alice, "batch-0005", many, vec![]);
    assert_eq!(reply.status, 413, "{}", reply.body);
    let too_many: Vec<Value> = (0..1001).map(|i| contact(&format!("c{i}"), "x")).collect();
    let big = start(Config { body_limit: 1 << 22, ..Config::default() });
    assert_eq!(push(&big, &big.alice, "batch-0006", too_many, vec![]).status, 400, "count limit");
}

#[test]
fn bad_or_missing_tokens_get_401() {
    let s = start(Config::default());
    assert_eq!(call(s.addr, "GET", "/v1/sync/pull", None, None, &[]).status, 401);
    assert_eq!(call(s.addr, "GET", "/v1/sync/pull", Some("kith_not-a-token"), None, &[]).status, 401);
    assert_eq!(call(s.addr, "GET", "/v1/health", None, None, &[]).status, 200);
}

#[test]
fn another_accounts_data_is_unreachable() {
    let s = start(Config::default());
    assert_eq!(push(&s, &s.bob, "batch-bob-1", vec![contact("shared-id", "Bob's friend")], vec![]).status, 200);
    assert!(pull_all(&s, &s.alice).is_empty(), "alice sees none of bob's contacts");
    // Alice deleting or overwriting the same id touches only her own rows.
    assert_eq!(push(&s, &s.alice, "batch-alice-1", vec![contact("shared-id", "Alice's own")], vec![]).status, 200);
    assert_eq!(push(&s, &s.alice, "batch-alice-2", vec![], vec!["shared-id"]).status, 200);
    let bobs = pull_all(&s, &s.bob);
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0]["contact"]["name"], "Bob's friend");
    // And the same batch key is separate per account.
    assert_eq!(push(&s, &s.alice, "batch-bob-1", vec![], vec![]).json()["replayed"], false);
    let export = call(s.addr, "GET", "/v1/account/export", Some(&s.alice), None, &[]).json();
    assert!(!export.to_string().contains("Bob's friend"));
}

#[test]
fn rate_limits_give_429_above_and_nothing_below() {
    let s = start(Config { per_token_per_minute: 5, per_address_per_minute: 1000, ..Config::default() });
    for i in 0..5 {
        assert_eq!(call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[]).status, 200, "request {i}");
    }
    let over = call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[]);
    assert_eq!(over.status, 429);
    assert!(over.headers.contains("retry-after:"), "{}", over.headers);
    assert_eq!(
        call(s.addr, "GET", "/v1/sync/pull", Some(&s.bob), None, &[]).status,
        200,
        "per token: bob is unaffected"
    );
    s.clock.advance(60);
    assert_eq!(
        call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[]).status,
        200,
        "a new minute, a new budget"
    );
    let by_address = start(Config { per_address_per_minute: 3, ..Config::default() });
    let statuses: Vec<u16> =
        (0..4).map(|_| call(by_address.addr, "GET", "/v1/health", None, None, &[]).status).collect();
    assert_eq!(statuses, vec![200, 200, 200, 429]);
}

#[test]
fn export_then_delete_account_leaves_no_byte_of_it() {
    let s = start(Config::default());
    assert_eq!(push(&s, &s.alice, "batch-0007", vec![contact("c1", "Zelda Uniquename")], vec![]).status, 200);
    assert_eq!(push(&s, &s.bob, "batch-0008", vec![contact("c9", "Bob Keeps")], vec![]).status, 200);
    let export = call(s.addr, "GET", "/v1/account/export", Some(&s.alice), None, &[]);
    assert_eq!(export.status, 200);
    let data = export.json();
    assert_eq!(data["account"], "alice");
    assert_eq!(data["contacts"][0]["contact"]["name"], "Zelda Uniquename");
    assert_eq!(data["batches"][0][0], "batch-0007");
    assert!(!export.body.contains(&s.alice), "tokens are not exported");
    assert!(db_bytes(&s).contains("Zelda Uniquename"));
    assert!(!db_bytes(&s).contains(&s.alice), "the database holds only token hashes");

    assert_eq!(call(s.addr, "DELETE", "/v1/account", Some(&s.alice), None, &[]).status, 204);
    assert_eq!(call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[]).status, 401, "the token is gone too");
    let bytes = db_bytes(&s);
    assert!(!bytes.contains("Zelda Uniquename"), "deleted rows are overwritten (secure_delete)");
    assert!(!bytes.contains("batch-0007"));
    assert!(bytes.contains("Bob Keeps"), "other accounts are untouched");
}

#[test]
fn tombstones_are_kept_then_purged_after_the_window() {
    let s = start(Config { tombstone_days: 30, ..Config::default() });
    assert_eq!(
        push(&s, &s.alice, "batch-0009", vec![contact("c1", "Gone Soon"), contact("c2", "Stays")], vec![]).status,
        200
    );
    let reply = push(&s, &s.alice, "batch-0010", vec![], vec!["c1"]);
    assert_eq!(reply.json()["deleted"], 1);
    let changes = pull_all(&s, &s.alice);
    let tomb = changes.iter().find(|c| c["id"] == "c1").expect("tombstone");
    assert_eq!(tomb["contact"], Value::Null);
    assert_eq!(tomb["deletedAt"], START);
    s.clock.advance(29 * 86_400);
    assert_eq!(push(&s, &s.alice, "batch-0011", vec![], vec![]).status, 200);
    assert_eq!(pull_all(&s, &s.alice).len(), 2, "still inside the window");
    s.clock.advance(2 * 86_400);
    assert_eq!(push(&s, &s.alice, "batch-0012", vec![], vec![]).status, 200);
    let ids: Vec<Value> = pull_all(&s, &s.alice).into_iter().map(|c| c["id"].clone()).collect();
    assert_eq!(ids, vec![json!("c2")]);
    assert!(!db_bytes(&s).contains("Gone Soon"));
}

#[test]
fn sql_looking_and_unicode_names_are_stored_exactly() {
    let s = start(Config::default());
    let names = ["Robert'); DROP TABLE contacts;--", "Zoë 😀 Łódź", "\"quoted\" \\ back", "ممتاز", "名前"];
    let upserts: Vec<Value> = names.iter().enumerate().map(|(i, n)| contact(&format!("c{i}"), n)).collect();
    assert_eq!(push(&s, &s.alice, "batch-0013", upserts, vec![]).status, 200);
    let got: Vec<String> =
        pull_all(&s, &s.alice).iter().map(|c| c["contact"]["name"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(got, names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
}

#[test]
fn cors_answers_extensions_only() {
    let s = start(Config::default());
    let pre = call(
        s.addr,
        "OPTIONS",
        "/v1/sync/push",
        None,
        None,
        &[("Origin", "chrome-extension://abcdef"), ("Access-Control-Request-Method", "POST")],
    );
    assert_eq!(pre.status, 204);
    assert!(pre.headers.contains("access-control-allow-origin: chrome-extension://abcdef"), "{}", pre.headers);
    assert!(pre.headers.contains("access-control-allow-headers: authorization, content-type"));
    let web = call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[("Origin", "https://evil.example")]);
    assert!(!web.headers.contains("access-control-allow-origin"), "{}", web.headers);
}

#[test]
fn tokens_are_random_and_hashed() {
    let a = new_token().expect("a");
    let b = new_token().expect("b");
    assert_ne!(a, b);
    assert!(a.starts_with("kith_") && a.len() == 69);
    assert_eq!(token_hash(&a).len(), 64);
    assert_ne!(token_hash(&a), a);
    let dir = tempfile::tempdir().expect("dir");
    let store = SqliteStore::open(&dir.path().join("k.db")).expect("open");
    store.create_token("carol", &token_hash(&a), START).expect("create");
    assert_eq!(store.account_for(&token_hash(&a)).expect("lookup").map(|acc| acc.name), Some("carol".to_string()));
    assert_eq!(store.account_for(&token_hash(&b)).expect("lookup"), None);
}
