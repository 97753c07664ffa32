//! Several kith-server instances over one database, and a real kith-server process killed
//! mid-push; every test on SQLite and on PostgreSQL: `cargo test -p kith-server --test instances`
//! (PostgreSQL from `KITH_TEST_POSTGRES`, as for `tests/http.rs`).
//!
//! Each instance here has its own runtime, store and connection pool, as separate processes
//! would; they share nothing but the database. The kill test runs the real binary.

mod support;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use kith_server::Config;
use serde_json::{json, Value};
use support::{call, contact, pull_all_from, push_to, start, Backend, Database};

/// Limits out of the way: these tests measure correctness under load, not the limiter.
fn unlimited() -> Config {
    Config { per_address_per_minute: 1_000_000, per_token_per_minute: 1_000_000, ..Config::default() }
}

fn contacts(prefix: &str, n: usize) -> Vec<Value> {
    (0..n).map(|i| contact(&format!("{prefix}-{i}"), &format!("Person {prefix} {i}"))).collect()
}

fn one_batch_key_pushed_16_times_across_two_instances_applies_once(b: Backend) {
    let one = start(b, unlimited());
    let two = one.twin(unlimited());
    let start_together = Arc::new(Barrier::new(16));
    let replies: Vec<Value> = (0..16)
        .map(|i| {
            let addr = if i % 2 == 0 { one.addr } else { two.addr };
            let token = one.alice.clone();
            let start_together = Arc::clone(&start_together);
            std::thread::spawn(move || {
                start_together.wait();
                let reply = push_to(addr, &token, "batch-same-key-0001", contacts("same", 50), vec![]);
                assert_eq!(reply.status, 200, "{}", reply.body);
                reply.json()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().expect("pusher"))
        .collect();
    let applied = replies.iter().filter(|r| r["replayed"] == false).count();
    assert_eq!(applied, 1, "exactly one push applies the batch: {replies:?}");
    assert_eq!(replies.iter().filter(|r| r["replayed"] == true).count(), 15);
    assert!(replies.iter().all(|r| r["version"] == 1 && r["upserted"] == 50), "{replies:?}");
    let all = pull_all_from(two.addr, &one.alice);
    assert_eq!(all.len(), 50);
    assert!(all.iter().all(|c| c["version"] == 1));
    let export = call(one.addr, "GET", "/v1/account/export", Some(&one.alice), None, &[]).json();
    assert_eq!(export["version"], 1, "one version bump");
    assert_eq!(export["batches"].as_array().map(Vec::len), Some(1));
}

/// Four pushers, two on each instance, each pushing 25 batches of 8 new contacts plus an update
/// of one contact from its previous batch, while a puller pages through the feed with small
/// pages from both instances in turn. The feed must be strictly ordered, hold no change twice,
/// and hold every contact at its final version.
fn cursors_never_skip_or_repeat_under_concurrent_pushes_to_two_instances(b: Backend) {
    let one = start(b, unlimited());
    let two = one.twin(unlimited());
    let token = one.alice.clone();
    let pushing_done = Arc::new(AtomicBool::new(false));
    let puller = {
        let (addrs, token, pushing_done) = ([one.addr, two.addr], token.clone(), Arc::clone(&pushing_done));
        std::thread::spawn(move || {
            let mut seen: Vec<(i64, String)> = Vec::new();
            let mut cursor = "0".to_string();
            for page_number in 0.. {
                let done_before = pushing_done.load(Ordering::SeqCst);
                // Small pages cross versions mid-way; large ones keep the puller at the newest
                // commits, where a version committed out of order would be passed over.
                let limit = [7, 1000][page_number % 2];
                let path = format!("/v1/sync/pull?since={cursor}&limit={limit}");
                let reply = call(addrs[page_number / 2 % 2], "GET", &path, Some(&token), None, &[]);
                assert_eq!(reply.status, 200, "{}", reply.body);
                let page = reply.json();
                let changes = page["changes"].as_array().cloned().unwrap_or_default();
                for change in &changes {
                    let id = change["id"].as_str().expect("id").to_string();
                    seen.push((change["version"].as_i64().expect("version"), id));
                }
                cursor = page["cursor"].as_str().expect("cursor").to_string();
                if changes.is_empty() && page["more"] == false && done_before {
                    break;
                }
            }
            seen
        })
    };
    let pushers: Vec<_> = (0..4)
        .map(|p| {
            let addr: SocketAddr = if p % 2 == 0 { one.addr } else { two.addr };
            let token = token.clone();
            std::thread::spawn(move || {
                for n in 0..25 {
                    let mut upserts = contacts(&format!("p{p}-b{n}"), 8);
                    if n > 0 {
                        upserts.push(contact(&format!("p{p}-b{}-0", n - 1), &format!("Updated {p} {n}")));
                    }
                    let reply = push_to(addr, &token, &format!("batch-p{p}-{n:04}"), upserts, vec![]);
                    assert_eq!(reply.status, 200, "{}", reply.body);
                }
            })
        })
        .collect();
    for pusher in pushers {
        pusher.join().expect("pusher");
    }
    pushing_done.store(true, Ordering::SeqCst);
    let seen = puller.join().expect("puller");

    assert!(seen.windows(2).all(|w| w[0] < w[1]), "the feed goes strictly forward in (version, id)");
    let distinct: HashSet<&(i64, String)> = seen.iter().collect();
    assert_eq!(distinct.len(), seen.len(), "no change was seen twice");
    let last: Vec<Value> = pull_all_from(one.addr, &token);
    assert_eq!(last.len(), 4 * 25 * 8, "every contact is stored");
    for change in &last {
        let key = (change["version"].as_i64().expect("version"), change["id"].as_str().expect("id").to_string());
        assert!(distinct.contains(&key), "the puller skipped {key:?}");
    }
    let export = call(two.addr, "GET", "/v1/account/export", Some(&token), None, &[]).json();
    assert_eq!(export["version"], 100, "one version per batch");
}

fn deleting_an_account_on_one_instance_ends_it_on_every_instance(b: Backend) {
    let one = start(b, unlimited());
    let two = one.twin(unlimited());
    assert_eq!(push_to(one.addr, &one.alice, "batch-del-0001", contacts("gone", 5), vec![]).status, 200);
    assert_eq!(push_to(two.addr, &one.bob, "batch-del-0002", contacts("kept", 5), vec![]).status, 200);
    assert_eq!(call(two.addr, "GET", "/v1/sync/pull", Some(&one.alice), None, &[]).status, 200);
    assert_eq!(call(one.addr, "DELETE", "/v1/account", Some(&one.alice), None, &[]).status, 204);
    for addr in [one.addr, two.addr] {
        assert_eq!(call(addr, "GET", "/v1/sync/pull", Some(&one.alice), None, &[]).status, 401);
        assert_eq!(push_to(addr, &one.alice, "batch-del-0003", contacts("late", 1), vec![]).status, 401);
    }
    let text = one.db_contents();
    assert!(!text.contains("Person gone") && !text.contains("batch-del-0001"), "no row of alice is left");
    assert!(text.contains("Person kept"), "bob's rows stay");
    let counts: HashMap<String, i64> = one.db.row_counts().into_iter().collect();
    assert_eq!(counts.get("accounts"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("contacts"), Some(&5), "{counts:?}");
    assert_eq!(counts.get("tokens"), Some(&1), "{counts:?}");
}

fn kith_server(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kith-server"));
    command.args(args);
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// `kith-server serve` on a free port, once it answers its health check.
fn serve(db: &Database) -> (Child, SocketAddr) {
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().expect("addr");
    let child = kith_server(&[
        "serve",
        "--addr",
        &addr.to_string(),
        "--db",
        &db.url,
        "--per-token-per-minute",
        "1000000",
        "--per-address-per-minute",
        "1000000",
    ])
    .stdout(Stdio::null())
    .spawn()
    .expect("spawn kith-server");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "kith-server did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(call(addr, "GET", "/v1/health", None, None, &[]).status, 200);
    (child, addr)
}

/// A real kith-server process, four clients pushing batches, then `kill -9` mid-push. After a
/// restart every acknowledged batch is there at its version, its replay changes nothing, the
/// batches in doubt apply at most once when the clients retry them, and the account's version
/// counts each applied batch once.
fn acknowledged_batches_survive_kill_9_and_none_doubles(b: Backend) {
    let db = Database::new(b);
    let output = kith_server(&["token", "create", "crash", "--db", &db.url]).output().expect("token create");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).expect("utf-8").trim().to_string();
    let (mut child, addr) = serve(&db);

    type Batch = (String, Vec<String>);
    let acknowledged: Arc<Mutex<Vec<(Batch, i64)>>> = Arc::default();
    let in_doubt: Arc<Mutex<Vec<Batch>>> = Arc::default();
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (token, acknowledged, in_doubt) = (token.clone(), Arc::clone(&acknowledged), Arc::clone(&in_doubt));
            std::thread::spawn(move || {
                for n in 0.. {
                    let key = format!("crash-{c}-{n:05}");
                    let upserts = contacts(&format!("k{c}-{n}"), 20);
                    let ids = upserts.iter().map(|u| u["id"].as_str().expect("id").to_string()).collect();
                    let body = json!({ "batchKey": key, "upserts": upserts, "deletions": [] }).to_string();
                    // A raw attempt: a connection the kill cuts gives no status, not a panic.
                    let reply = std::panic::catch_unwind(|| {
                        call(addr, "POST", "/v1/sync/push", Some(&token), Some(&body), &[])
                    });
                    match reply {
                        Ok(r) if r.status == 200 => acknowledged
                            .lock()
                            .expect("acks")
                            .push(((key, ids), r.json()["version"].as_i64().expect("v"))),
                        _ => {
                            in_doubt.lock().expect("doubt").push((key, ids));
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().expect("acks").len() < 40 {
        assert!(Instant::now() < deadline, "the clients made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    for client in clients {
        client.join().expect("client");
    }

    let (mut restarted, addr) = serve(&db);
    let acknowledged = acknowledged.lock().expect("acks").clone();
    let in_doubt = in_doubt.lock().expect("doubt").clone();
    let stored: HashMap<String, i64> = pull_all_from(addr, &token)
        .into_iter()
        .map(|c| (c["id"].as_str().expect("id").to_string(), c["version"].as_i64().expect("version")))
        .collect();
    for ((key, ids), version) in &acknowledged {
        for id in ids {
            assert_eq!(stored.get(id), Some(version), "{id} of acknowledged batch {key}");
        }
        let replay = push_to(addr, &token, key, vec![], vec![]);
        assert_eq!(replay.json()["replayed"], true, "{key} was acknowledged, so it is remembered");
        assert_eq!(replay.json()["version"], *version);
    }
    // The clients retry what they never heard back about: each applies once at most.
    for (key, ids) in &in_doubt {
        let upserts = ids.iter().map(|id| contact(id, "Retried")).collect();
        assert_eq!(push_to(addr, &token, key, upserts, vec![]).status, 200);
    }
    let export = call(addr, "GET", "/v1/account/export", Some(&token), None, &[]).json();
    let batches = export["batches"].as_array().map_or(0, Vec::len);
    assert_eq!(batches, acknowledged.len() + in_doubt.len(), "every batch is stored once");
    assert_eq!(export["version"], batches as i64, "each batch bumped the version once");
    assert_eq!(export["contacts"].as_array().map_or(0, Vec::len), 20 * batches, "no contact doubled or lost");
    restarted.kill().expect("stop");
    restarted.wait().expect("reap");
}

/// The same as `one_batch_key_pushed_16_times_across_two_instances_applies_once`, with two real
/// `kith-server` processes: nothing is shared but the database.
fn one_batch_key_pushed_16_times_across_two_processes_applies_once(b: Backend) {
    let db = Database::new(b);
    let output = kith_server(&["token", "create", "twice", "--db", &db.url]).output().expect("token create");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).expect("utf-8").trim().to_string();
    let (mut first, one) = serve(&db);
    let (mut second, two) = serve(&db);
    let start_together = Arc::new(Barrier::new(16));
    let replies: Vec<Value> = (0..16)
        .map(|i| {
            let addr = if i % 2 == 0 { one } else { two };
            let (token, start_together) = (token.clone(), Arc::clone(&start_together));
            std::thread::spawn(move || {
                start_together.wait();
                let reply = push_to(addr, &token, "batch-two-processes-1", contacts("proc", 50), vec![]);
                assert_eq!(reply.status, 200, "{}", reply.body);
                reply.json()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|h| h.join().expect("pusher"))
        .collect();
    assert_eq!(replies.iter().filter(|r| r["replayed"] == false).count(), 1, "one applies: {replies:?}");
    assert_eq!(replies.iter().filter(|r| r["replayed"] == true).count(), 15);
    let export = call(two, "GET", "/v1/account/export", Some(&token), None, &[]).json();
    assert_eq!(export["version"], 1, "one version bump");
    assert_eq!(export["contacts"].as_array().map(Vec::len), Some(50));
    for child in [&mut first, &mut second] {
        child.kill().expect("stop");
        child.wait().expect("reap");
    }
}

on_both_backends!(
    one_batch_key_pushed_16_times_across_two_processes_applies_once,
    one_batch_key_pushed_16_times_across_two_instances_applies_once,
    cursors_never_skip_or_repeat_under_concurrent_pushes_to_two_instances,
    deleting_an_account_on_one_instance_ends_it_on_every_instance,
    acknowledged_batches_survive_kill_9_and_none_doubles,
);
