//! kith-server over real HTTP on loopback, every test on SQLite and on PostgreSQL:
//! `cargo test -p kith-server` (PostgreSQL from `KITH_TEST_POSTGRES`; `bash scripts/test native`
//! starts a throwaway cluster and sets it). `cargo test -p kith-server sqlite::` runs one backend.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kith::sync::SyncBatch;
use kith_server::store::{Account, AccountExport, Cursor, Device, PullPage, PushResult, Store, StoreError};
use kith_server::{new_token, token_hash, Config};
use serde_json::{json, Value};
use support::{call, call_on, connect_from, contact, pull_all, push, start, start_with, Backend, Server, START};

fn db_bytes(s: &Server) -> String {
    s.db_contents()
}

fn happy_path_push_then_pull_in_pages(b: Backend) {
    let s = start(b, Config::default());
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

fn a_replayed_batch_changes_nothing(b: Backend) {
    let s = start(b, Config::default());
    assert_eq!(push(&s, &s.alice, "batch-0001", vec![contact("c1", "Ann")], vec![]).status, 200);
    let replay = push(&s, &s.alice, "batch-0001", vec![contact("c1", "Ann Changed")], vec![]);
    assert_eq!(replay.status, 200);
    assert_eq!(replay.json(), json!({ "upserted": 1, "deleted": 0, "version": 1, "replayed": true }));
    let all = pull_all(&s, &s.alice);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["contact"]["name"], "Ann");
    assert_eq!(all[0]["version"], 1);
}

fn unknown_fields_are_refused_by_name(b: Backend) {
    let s = start(b, Config::default());
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

fn oversized_bodies_get_413(b: Backend) {
    let s = start(b, Config { body_limit: 4096, ..Config::default() });
    let many: Vec<Value> = (0..40).map(|i| contact(&format!("c{i}"), "A name long enough to add up")).collect();
    let reply = push(&s, &s.alice, "batch-0005", many, vec![]);
    assert_eq!(reply.status, 413, "{}", reply.body);
    let too_many: Vec<Value> = (0..1001).map(|i| contact(&format!("c{i}"), "x")).collect();
    let big = start(b, Config { body_limit: 1 << 22, ..Config::default() });
    assert_eq!(push(&big, &big.alice, "batch-0006", too_many, vec![]).status, 400, "count limit");
}

fn bad_or_missing_tokens_get_401(b: Backend) {
    let s = start(b, Config::default());
    assert_eq!(call(s.addr, "GET", "/v1/sync/pull", None, None, &[]).status, 401);
    assert_eq!(call(s.addr, "GET", "/v1/sync/pull", Some("kith_not-a-token"), None, &[]).status, 401);
    assert_eq!(call(s.addr, "GET", "/v1/health", None, None, &[]).status, 200);
}

fn another_accounts_data_is_unreachable(b: Backend) {
    let s = start(b, Config::default());
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

fn rate_limits_give_429_above_and_nothing_below(b: Backend) {
    let s = start(b, Config { per_token_per_minute: 5, per_address_per_minute: 1000, ..Config::default() });
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
    let by_address = start(b, Config { per_address_per_minute: 3, ..Config::default() });
    let statuses: Vec<u16> = (0..4)
        .map(|i| {
            let token = if i % 2 == 0 { &by_address.alice } else { &by_address.bob };
            call(by_address.addr, "GET", "/v1/sync/pull", Some(token), None, &[]).status
        })
        .collect();
    assert_eq!(statuses, vec![200, 200, 200, 429], "per address, across tokens");
}

fn export_then_delete_account_leaves_no_byte_of_it(b: Backend) {
    let s = start(b, Config::default());
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

fn tombstones_are_kept_then_purged_after_the_window(b: Backend) {
    let s = start(b, Config { tombstone_days: 30, ..Config::default() });
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

fn sql_looking_and_unicode_names_are_stored_exactly(b: Backend) {
    let s = start(b, Config::default());
    let names = ["Robert'); DROP TABLE contacts;--", "Zoë 😀 Łódź", "\"quoted\" \\ back", "ممتاز", "名前"];
    let upserts: Vec<Value> = names.iter().enumerate().map(|(i, n)| contact(&format!("c{i}"), n)).collect();
    assert_eq!(push(&s, &s.alice, "batch-0013", upserts, vec![]).status, 200);
    let got: Vec<String> =
        pull_all(&s, &s.alice).iter().map(|c| c["contact"]["name"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(got, names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
}

fn cors_answers_extensions_only(b: Backend) {
    let s = start(b, Config::default());
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

fn tokens_are_random_and_hashed(backend: Backend) {
    let a = new_token().expect("a");
    let b = new_token().expect("b");
    assert_ne!(a, b);
    assert!(a.starts_with("kith_") && a.len() == 69);
    assert_eq!(token_hash(&a).len(), 64);
    assert_ne!(token_hash(&a), a);
    let s = start(backend, Config::default());
    s.block_on(s.store.create_token("carol", &token_hash(&a), START)).expect("create");
    let found = s.block_on(s.store.account_for(&token_hash(&a))).expect("lookup");
    assert_eq!(found.map(|acc| acc.name), Some("carol".to_string()));
    assert_eq!(s.block_on(s.store.account_for(&token_hash(&b))).expect("lookup"), None);
    assert!(!db_bytes(&s).contains(&a), "only the hash is stored");
}

/// Reads until the server closes `stream` (or `limit` passes); returns what arrived and when.
fn until_closed(stream: &mut TcpStream, limit: Duration) -> (String, Duration, bool) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).expect("read timeout");
    let mut raw = Vec::new();
    let closed = match stream.read_to_end(&mut raw) {
        Ok(_) => true,
        // A reset is a close too (the server closed with the client's bytes unread).
        Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
    };
    (String::from_utf8_lossy(&raw).to_string(), started.elapsed(), closed)
}

fn half_sent_connections_are_cut_off_and_cannot_crowd_out_others(b: Backend) {
    let s = start(
        b,
        Config { header_timeout: Duration::from_secs(1), max_connections_per_address: 8, ..Config::default() },
    );
    // 30 connections from one address that send half a request line and stop.
    let mut held: Vec<TcpStream> = (0..30)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr).expect("connect");
            c.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n").expect("half a request");
            c
        })
        .collect();
    // Another client is served at once, well before the header timeout frees anything.
    let started = Instant::now();
    let reply = call_on(connect_from("127.0.0.2", s.addr), s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(started.elapsed() < Duration::from_millis(700), "served in {:?}", started.elapsed());
    // The connections over the per-address cap are closed at once (with a 503, when the client
    // reads it before the reset); the rest when the header timeout runs out.
    let mut at_once = 0;
    for c in &mut held {
        let (_, waited, closed) = until_closed(c, Duration::from_secs(4));
        assert!(closed, "the server left a half-sent connection open for {waited:?}");
        assert!(waited < Duration::from_secs(3), "closed after {waited:?}");
        if waited < Duration::from_millis(500) {
            at_once += 1;
        }
    }
    assert!(at_once >= 22, "30 connections, 8 allowed per address: {at_once} closed at once");
}

fn idle_connections_and_slow_bodies_time_out(b: Backend) {
    let s = start(b, Config { idle_timeout: Duration::from_millis(300), ..Config::default() });
    // Silent from the start: closed by the idle timeout (the header timeout is 10 s).
    let mut silent = TcpStream::connect(s.addr).expect("connect");
    let (_, waited, closed) = until_closed(&mut silent, Duration::from_secs(3));
    assert!(closed && waited < Duration::from_secs(2), "silent connection: closed={closed} after {waited:?}");
    // Kept alive after an answer, then silent: closed too.
    let mut kept = TcpStream::connect(s.addr).expect("connect");
    kept.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n").expect("request");
    let (text, waited, closed) = until_closed(&mut kept, Duration::from_secs(3));
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(closed && waited < Duration::from_secs(2), "kept-alive connection: closed={closed} after {waited:?}");
    // A body that stops halfway: 408 in the error shape.
    let s = start(b, Config { body_timeout: Duration::from_millis(300), ..Config::default() });
    let mut slow = TcpStream::connect(s.addr).expect("connect");
    let head = format!(
        "POST /v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"batchKey\"",
        s.alice
    );
    slow.write_all(head.as_bytes()).expect("half a body");
    let (text, waited, _) = until_closed(&mut slow, Duration::from_secs(3));
    assert!(text.starts_with("HTTP/1.1 408") && text.contains("\"timeout\""), "after {waited:?}: {text}");
}

fn at_the_connection_cap_new_clients_wait_for_a_slot(b: Backend) {
    let s = start(b, Config { max_connections: 4, header_timeout: Duration::from_millis(300), ..Config::default() });
    let _held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut c = TcpStream::connect(s.addr).expect("connect");
            c.write_all(b"GET /v1/he").expect("half a request");
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    let reply = call(s.addr, "GET", "/v1/health", None, None, &[]);
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() < Duration::from_secs(2), "waited {:?}", started.elapsed());
}

fn field_contents_are_checked_and_never_echoed(b: Backend) {
    let s = start(b, Config::default());
    let secret = "meet me at the old station at noon";
    let cases = [
        ("phones", json!([secret])),
        ("phones", json!(["+44 7700 900123"])),
        ("emails", json!([secret])),
        ("emails", json!(["ann@example.com\nbcc: x"])),
        ("sources", json!([secret])),
        ("lastSentAt", json!(secret)),
        ("lastSentAt", json!("2024-03-05T14:07:00.123456789Z")),
        ("lastSentAt", json!("2024-03-05T15:07:00+01:00")),
        ("lastSentAt", json!("9999-12-31T23:59:59Z")),
        ("lastSentAt", json!("2023-02-29T00:00:00Z")),
        ("sentCount", json!(secret)),
        ("sentCount", json!(3.5)),
        ("sentCount", json!(-1)),
        ("sentCount", json!(4_294_967_296u64)),
        ("cadenceDays", json!(secret)),
        ("cadenceDays", json!(1e300)),
        ("name", json!(format!("{secret}\nsecond line"))),
        ("name", json!("   ")),
        ("id", json!(secret)),
    ];
    for (i, (field, value)) in cases.iter().enumerate() {
        let mut record = contact("c1", "Ann");
        record[*field] = value.clone();
        let reply = push(&s, &s.alice, &format!("batch-bad-{i:03}"), vec![record], vec![]);
        assert_eq!(reply.status, 400, "{field} = {value}: {}", reply.body);
        let message = reply.json()["error"]["message"].as_str().unwrap_or("").to_string();
        assert!(message.starts_with(&format!("upserts[0].{field}")), "{field}: {message}");
        assert!(!reply.body.contains("meet me") && !reply.body.contains("station"), "echoed: {}", reply.body);
    }
    // Missing fields are refused, nullable ones included.
    let mut missing = contact("c1", "Ann");
    missing.as_object_mut().expect("object").remove("cadenceDays");
    let reply = push(&s, &s.alice, "batch-missing", vec![missing], vec![]);
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("upserts[0].cadenceDays: required"), "{}", reply.body);
    // A key that carries text is refused without being repeated; deletions are ids.
    let smuggled = json!({ "batchKey": "batch-key-text", "upserts": [], "deletions": [], secret: 1 }).to_string();
    let reply = call(s.addr, "POST", "/v1/sync/push", Some(&s.alice), Some(&smuggled), &[]);
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("an unknown field") && !reply.body.contains("station"), "{}", reply.body);
    assert_eq!(push(&s, &s.alice, "batch-bad-deletion", vec![], vec![secret]).status, 400);
    assert!(pull_all(&s, &s.alice).is_empty(), "nothing was stored");
    assert!(!db_bytes(&s).contains("station"));
    // What the client sends is accepted, and a count written 3.0 is the integer 3.
    let mut fine = contact("c1", "Ann Lee");
    fine["emails"] = json!(["ann.lee+kith@mail.example.co"]);
    fine["sources"] = json!(["whatsapp", "email", "contacts"]);
    fine["sentCount"] = json!(3.0);
    fine["lastReceivedAt"] = Value::Null;
    let reply = push(&s, &s.alice, "batch-fine", vec![fine], vec![]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(pull_all(&s, &s.alice)[0]["contact"]["sentCount"], json!(3));
}

fn content_types_and_query_limits_match_the_spec(b: Backend) {
    let s = start(b, Config::default());
    let body = json!({ "batchKey": "batch-ctype-1", "upserts": [], "deletions": [] }).to_string();
    for (ctype, status) in [
        ("application/jsonx", 415),
        ("application/json-patch+json", 415),
        ("text/plain", 415),
        ("application/json; charset=utf-8", 200),
        ("Application/JSON", 200),
    ] {
        let reply = call(s.addr, "POST", "/v1/sync/push", Some(&s.alice), Some(&body), &[("Content-Type", ctype)]);
        assert_eq!(reply.status, status, "{ctype}: {}", reply.body);
    }
    for (query, status) in [
        ("limit=1000", 200),
        ("limit=0", 400),
        ("limit=1001", 400),
        ("limit=3.0", 400),
        ("since=-5", 400),
        ("since=0/c1", 200),
        ("since=0/not%20an%20id", 400),
        ("other=1", 400),
    ] {
        let reply = call(s.addr, "GET", &format!("/v1/sync/pull?{query}"), Some(&s.alice), None, &[]);
        assert_eq!(reply.status, status, "{query}: {}", reply.body);
    }
}

fn behind_a_trusted_proxy_limits_count_the_forwarded_client(b: Backend) {
    let proxy = "127.0.0.1".parse().expect("ip");
    let s = start(b, Config { per_address_per_minute: 2, trusted_proxies: vec![proxy], ..Config::default() });
    let from =
        |xff: &str| call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[("X-Forwarded-For", xff)]).status;
    assert_eq!((from("203.0.113.7"), from("203.0.113.7"), from("203.0.113.7")), (200, 200, 429));
    // The proxy appends the address it saw; what the client wrote before it does not count.
    assert_eq!(from("198.51.100.1, 203.0.113.7"), 429);
    assert_eq!(from("203.0.113.8"), 200, "another client has its own budget");
    // From an address that is not the trusted proxy, the header is ignored.
    let other = "127.0.0.9".parse().expect("ip");
    let s = start(b, Config { per_address_per_minute: 2, trusted_proxies: vec![other], ..Config::default() });
    let statuses: Vec<u16> = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
        .iter()
        .map(|xff| call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[("X-Forwarded-For", xff)]).status)
        .collect();
    assert_eq!(statuses, vec![200, 200, 429]);
}

fn failed_authentication_has_its_own_limit_and_health_has_none(b: Backend) {
    let s = start(b, Config { per_address_per_minute: 5, failed_auth_per_minute: 3, ..Config::default() });
    let bad: Vec<u16> =
        (0..4).map(|_| call(s.addr, "GET", "/v1/sync/pull", Some("kith_wrong"), None, &[]).status).collect();
    assert_eq!(bad, vec![401, 401, 401, 429]);
    let good: Vec<u16> =
        (0..5).map(|_| call(s.addr, "GET", "/v1/sync/pull", Some(&s.alice), None, &[]).status).collect();
    assert_eq!(good, vec![200; 5], "failed attempts did not spend good traffic's budget");
    let health: Vec<u16> = (0..20).map(|_| call(s.addr, "GET", "/v1/health", None, None, &[]).status).collect();
    assert_eq!(health, vec![200; 20], "health is never limited");
}

fn the_contact_quota_gives_a_named_403_and_old_batch_keys_are_purged(b: Backend) {
    let s = start(b, Config { max_contacts: 3, batch_key_days: 7, ..Config::default() });
    let three = vec![contact("c1", "A"), contact("c2", "B"), contact("c3", "C")];
    assert_eq!(push(&s, &s.alice, "batch-quota-1", three, vec![]).status, 200);
    let over = push(&s, &s.alice, "batch-quota-2", vec![contact("c4", "D")], vec![]);
    assert_eq!(over.status, 403, "{}", over.body);
    assert_eq!(over.json()["error"]["code"], "quota_exceeded");
    assert!(over.body.contains("at most 3 contacts"), "{}", over.body);
    assert_eq!(pull_all(&s, &s.alice).len(), 3, "the refused batch changed nothing");
    assert_eq!(push(&s, &s.alice, "batch-quota-3", vec![contact("c1", "A again")], vec![]).status, 200, "updates fit");
    assert_eq!(push(&s, &s.bob, "batch-quota-4", vec![contact("c4", "D")], vec![]).status, 200, "per account");
    // Batch keys: remembered inside the window, forgotten after it.
    s.clock.advance(6 * 86_400);
    assert_eq!(push(&s, &s.alice, "batch-quota-1", vec![], vec![]).json()["replayed"], true);
    s.clock.advance(2 * 86_400);
    assert_eq!(push(&s, &s.alice, "batch-later-1", vec![], vec![]).status, 200);
    let export = call(s.addr, "GET", "/v1/account/export", Some(&s.alice), None, &[]).json();
    let keys: Vec<Value> =
        export["batches"].as_array().cloned().unwrap_or_default().iter().map(|b| b[0].clone()).collect();
    assert_eq!(keys, vec![json!("batch-later-1")], "older keys were purged");
    assert!(!db_bytes(&s).contains("batch-quota-1"));
    assert_eq!(push(&s, &s.alice, "batch-quota-1", vec![], vec![]).json()["replayed"], false);
}

fn tombstones_count_against_the_quota_until_purged(b: Backend) {
    let s = start(b, Config { max_contacts: 3, tombstone_days: 30, ..Config::default() });
    let three = vec![contact("c1", "A"), contact("c2", "B"), contact("c3", "C")];
    assert_eq!(push(&s, &s.alice, "batch-tomb-1", three, vec!["c1"]).status, 200);
    assert_eq!(push(&s, &s.alice, "batch-tomb-2", vec![contact("c4", "D")], vec![]).status, 403, "c1 is a tombstone");
    assert_eq!(push(&s, &s.alice, "batch-tomb-3", vec![contact("c1", "A back")], vec![]).status, 200, "not new");
    assert_eq!(push(&s, &s.alice, "batch-tomb-4", vec![], vec!["c1", "c2"]).status, 200);
    s.clock.advance(31 * 86_400);
    // This push purges the two tombstones first, so two new contacts fit, and a third does not.
    let two = vec![contact("c4", "D"), contact("c5", "E")];
    assert_eq!(push(&s, &s.alice, "batch-tomb-5", two, vec![]).status, 200);
    assert_eq!(push(&s, &s.alice, "batch-tomb-6", vec![contact("c6", "F")], vec![]).status, 403);
    let ids: Vec<Value> = pull_all(&s, &s.alice).into_iter().map(|c| c["id"].clone()).collect();
    assert_eq!(ids, vec![json!("c3"), json!("c4"), json!("c5")]);
    // A contact upserted twice in one batch is one new contact.
    let s = start(b, Config { max_contacts: 2, ..Config::default() });
    let twice = vec![contact("c1", "A"), contact("c1", "A again"), contact("c2", "B")];
    assert_eq!(push(&s, &s.alice, "batch-twice-1", twice, vec![]).status, 200);
    assert_eq!(pull_all(&s, &s.alice)[0]["contact"]["name"], "A again", "the last record of an id wins");
    assert_eq!(push(&s, &s.alice, "batch-twice-2", vec![contact("c3", "C")], vec![]).status, 403);
}

/// The real store, but the account is deleted between the token check and the push: the
/// moment a push races `DELETE /v1/account`.
struct DeletedMidway(Arc<dyn Store>);

#[async_trait::async_trait]
impl Store for DeletedMidway {
    async fn create_token(&self, account: &str, token_hash: &str, now: i64) -> Result<(), StoreError> {
        self.0.create_token(account, token_hash, now).await
    }
    async fn account_for(&self, token_hash: &str) -> Result<Option<Account>, StoreError> {
        self.0.account_for(token_hash).await
    }
    async fn push(&self, account: &Account, batch: &SyncBatch, now: i64, max: usize) -> Result<PushResult, StoreError> {
        self.0.delete_account(account).await?;
        self.0.push(account, batch, now, max).await
    }
    async fn pull(&self, account: &Account, since: &Cursor, limit: usize) -> Result<PullPage, StoreError> {
        self.0.pull(account, since, limit).await
    }
    async fn export(&self, account: &Account) -> Result<AccountExport, StoreError> {
        self.0.delete_account(account).await?;
        self.0.export(account).await
    }
    async fn delete_account(&self, account: &Account) -> Result<(), StoreError> {
        self.0.delete_account(account).await
    }
    async fn purge_tombstones(&self, before: i64) -> Result<usize, StoreError> {
        self.0.purge_tombstones(before).await
    }
    async fn purge_batches(&self, before: i64) -> Result<usize, StoreError> {
        self.0.purge_batches(before).await
    }
    async fn register_device(
        &self,
        account: &Account,
        device_id: &str,
        name: &str,
        key_check: &str,
        now: i64,
    ) -> Result<Device, StoreError> {
        self.0.delete_account(account).await?;
        self.0.register_device(account, device_id, name, key_check, now).await
    }
    async fn devices(&self, account: &Account) -> Result<Vec<Device>, StoreError> {
        self.0.devices(account).await
    }
    async fn forget_device(&self, account: &Account, device_id: &str, now: i64) -> Result<(), StoreError> {
        self.0.forget_device(account, device_id, now).await
    }
    async fn put_chunk(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        index: i64,
        data: Vec<u8>,
        now: i64,
        max: u64,
    ) -> Result<(), StoreError> {
        self.0.put_chunk(account, device_id, generation, index, data, now, max).await
    }
    async fn commit_state(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        chunks: i64,
        sha256: &str,
        now: i64,
        max: u64,
    ) -> Result<Device, StoreError> {
        self.0.commit_state(account, device_id, generation, chunks, sha256, now, max).await
    }
    async fn chunk(
        &self,
        account: &Account,
        device_id: &str,
        generation: i64,
        index: i64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.chunk(account, device_id, generation, index).await
    }
}

fn a_push_racing_account_deletion_gets_401_and_404_405_use_the_error_shape(b: Backend) {
    let s = start_with(b, Config::default(), |store| Arc::new(DeletedMidway(store)));
    let reply = push(&s, &s.alice, "batch-race-1", vec![contact("c1", "Ann")], vec![]);
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "unauthorized");
    assert_eq!(call(s.addr, "GET", "/v1/account/export", Some(&s.bob), None, &[]).status, 401);
    let s = start_with(b, Config::default(), |store| Arc::new(DeletedMidway(store)));
    let device = json!({ "name": "Laptop", "keyCheck": "00112233445566778899aabbccddeeff" }).to_string();
    let reply = call(s.addr, "PUT", "/v2/devices/laptop-0001", Some(&s.alice), Some(&device), &[]);
    assert_eq!(reply.status, 401, "a device registering as its account is deleted: {}", reply.body);
    assert!(!db_bytes(&s).contains("laptop-0001"));
    assert!(!db_bytes(&s).contains("batch-race-1"));

    let s = start(b, Config::default());
    let missing = call(s.addr, "GET", "/v1/nothing-here", Some(&s.alice), None, &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "not_found");
    let wrong = call(s.addr, "PATCH", "/v1/sync/push", Some(&s.alice), None, &[]);
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.json()["error"]["code"], "method_not_allowed");
    assert!(wrong.headers.contains("allow: post"), "{}", wrong.headers);
}

fn cors_can_be_limited_to_named_extensions(b: Backend) {
    let ours = "abcdefghijklmnopabcdefghijklmnop";
    let s = start(b, Config { allow_extensions: vec![ours.to_string()], ..Config::default() });
    let origin_of = |origin: &str| {
        call(
            s.addr,
            "OPTIONS",
            "/v1/sync/push",
            None,
            None,
            &[("Origin", origin), ("Access-Control-Request-Method", "POST")],
        )
        .headers
    };
    assert!(origin_of(&format!("chrome-extension://{ours}"))
        .contains(&format!("access-control-allow-origin: chrome-extension://{ours}")));
    for other in ["chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba", "moz-extension://1234", "https://evil.example"]
    {
        assert!(!origin_of(other).contains("access-control-allow-origin"), "{other}");
    }
}

on_both_backends!(
    happy_path_push_then_pull_in_pages,
    a_replayed_batch_changes_nothing,
    unknown_fields_are_refused_by_name,
    oversized_bodies_get_413,
    bad_or_missing_tokens_get_401,
    another_accounts_data_is_unreachable,
    rate_limits_give_429_above_and_nothing_below,
    export_then_delete_account_leaves_no_byte_of_it,
    tombstones_are_kept_then_purged_after_the_window,
    sql_looking_and_unicode_names_are_stored_exactly,
    cors_answers_extensions_only,
    tokens_are_random_and_hashed,
    half_sent_connections_are_cut_off_and_cannot_crowd_out_others,
    idle_connections_and_slow_bodies_time_out,
    at_the_connection_cap_new_clients_wait_for_a_slot,
    field_contents_are_checked_and_never_echoed,
    content_types_and_query_limits_match_the_spec,
    behind_a_trusted_proxy_limits_count_the_forwarded_client,
    failed_authentication_has_its_own_limit_and_health_has_none,
    the_contact_quota_gives_a_named_403_and_old_batch_keys_are_purged,
    tombstones_count_against_the_quota_until_purged,
    a_push_racing_account_deletion_gets_401_and_404_405_use_the_error_shape,
    cors_can_be_limited_to_named_extensions,
);
