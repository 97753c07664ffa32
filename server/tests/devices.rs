//! Protocol version 2's device endpoints over real HTTP on loopback, every test on SQLite and
//! on PostgreSQL: `cargo test -p kith-server --test devices` (PostgreSQL from
//! `KITH_TEST_POSTGRES`, as for `tests/http.rs`).

mod support;

use std::collections::HashMap;

use kith_server::store::MAX_CHUNK_BYTES;
use kith_server::Config;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use support::{call, call_bytes, start, Backend, Reply, Server};

const KEY: &str = "00112233445566778899aabbccddeeff";
const OTHER_KEY: &str = "ffeeddccbbaa99887766554433221100";
const LAPTOP: &str = "laptop-0001";
const DESKTOP: &str = "desktop-0002";

fn register(s: &Server, token: &str, device: &str, name: &str, key_check: &str) -> Reply {
    let body = json!({ "name": name, "keyCheck": key_check }).to_string();
    call(s.addr, "PUT", &format!("/v2/devices/{device}"), Some(token), Some(&body), &[])
}

fn devices(s: &Server, token: &str) -> Vec<Value> {
    let reply = call(s.addr, "GET", "/v2/devices", Some(token), None, &[]);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["devices"].as_array().cloned().unwrap_or_default()
}

fn put_chunk(s: &Server, token: &str, device: &str, generation: &str, index: &str, data: &[u8]) -> Reply {
    let path = format!("/v2/devices/{device}/state/{generation}/{index}");
    call_bytes(s.addr, "PUT", &path, Some(token), Some(data), &[("Content-Type", "application/octet-stream")])
}

fn commit(s: &Server, token: &str, device: &str, generation: i64, chunks: i64, sha256: &str) -> Reply {
    let body = json!({ "chunks": chunks, "sha256": sha256 }).to_string();
    call(s.addr, "POST", &format!("/v2/devices/{device}/state/{generation}/commit"), Some(token), Some(&body), &[])
}

fn get_chunk(s: &Server, token: &str, device: &str, generation: i64, index: i64) -> Reply {
    call(s.addr, "GET", &format!("/v2/devices/{device}/state/{generation}/{index}"), Some(token), None, &[])
}

fn sha256_hex(chunks: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for chunk in chunks {
        hasher.update(chunk);
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn code(reply: &Reply) -> String {
    reply.json()["error"]["code"].as_str().unwrap_or("").to_string()
}

/// Uploads `chunks` as `generation` and commits them; returns the commit's answer.
fn upload(s: &Server, token: &str, device: &str, generation: i64, chunks: &[&[u8]]) -> Reply {
    for (i, chunk) in chunks.iter().enumerate() {
        let reply = put_chunk(s, token, device, &generation.to_string(), &i.to_string(), chunk);
        assert_eq!(reply.status, 204, "chunk {i}: {}", reply.body);
    }
    commit(s, token, device, generation, chunks.len() as i64, &sha256_hex(chunks))
}

fn a_device_registers_is_listed_and_is_renamed(b: Backend) {
    let s = start(b, Config::default());
    let reply = register(&s, &s.alice, LAPTOP, "Chrome on Linux", KEY);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let start = s.clock.0.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        reply.json(),
        json!({ "deviceId": LAPTOP, "name": "Chrome on Linux", "createdAt": start, "lastSeenAt": start,
                "generation": 0, "chunks": null, "bytes": null, "sha256": null, "updatedAt": null })
    );
    s.clock.advance(60);
    let renamed = register(&s, &s.alice, LAPTOP, "Work laptop", KEY);
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json()["name"], "Work laptop");
    assert_eq!(renamed.json()["createdAt"], start);
    assert_eq!(renamed.json()["lastSeenAt"], start + 60, "registering again marks the device seen");
    assert_eq!(register(&s, &s.alice, DESKTOP, "Desktop", KEY).status, 200);
    let listed: Vec<Value> = devices(&s, &s.alice).iter().map(|d| d["deviceId"].clone()).collect();
    assert_eq!(listed, vec![json!(LAPTOP), json!(DESKTOP)], "oldest first");
    assert!(devices(&s, &s.bob).is_empty(), "another account sees none of them");
    let audit = s.audit.lock().expect("audit").join("\n");
    assert!(audit.contains("account=alice op=device-register") && audit.contains(LAPTOP), "{audit}");
    assert!(!audit.contains("Work laptop") && !audit.contains(KEY), "no names or key checks in the audit: {audit}");
}

fn the_first_device_sets_the_key_check_and_a_different_one_is_refused(b: Backend) {
    let s = start(b, Config::default());
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", KEY).status, 200);
    let other = register(&s, &s.alice, DESKTOP, "Desktop", OTHER_KEY);
    assert_eq!(other.status, 409, "{}", other.body);
    assert_eq!(code(&other), "key_mismatch");
    assert!(!other.body.contains(OTHER_KEY) && !other.body.contains(KEY), "no key check is echoed");
    assert_eq!(devices(&s, &s.alice).len(), 1, "the mismatched device was not registered");
    let upper = register(&s, &s.alice, DESKTOP, "Desktop", &KEY.to_uppercase());
    assert_eq!(upper.status, 200, "hex in either case is the same key check: {}", upper.body);
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", OTHER_KEY).status, 409, "also for a registered device");
    assert_eq!(register(&s, &s.bob, LAPTOP, "Bob's", OTHER_KEY).status, 200, "each account has its own key check");
}

fn a_forgotten_device_is_gone_and_may_not_return(b: Backend) {
    let s = start(b, Config::default());
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", KEY).status, 200);
    assert_eq!(register(&s, &s.alice, DESKTOP, "Desktop", KEY).status, 200);
    assert_eq!(upload(&s, &s.alice, DESKTOP, 1, &[b"sealed desktop state"]).status, 200);
    // The laptop forgets the desktop.
    assert_eq!(call(s.addr, "DELETE", &format!("/v2/devices/{DESKTOP}"), Some(&s.alice), None, &[]).status, 204);
    let listed: Vec<Value> = devices(&s, &s.alice).iter().map(|d| d["deviceId"].clone()).collect();
    assert_eq!(listed, vec![json!(LAPTOP)]);
    let back = register(&s, &s.alice, DESKTOP, "Desktop", KEY);
    assert_eq!((back.status, code(&back)), (410, "device_forgotten".to_string()), "{}", back.body);
    assert_eq!(put_chunk(&s, &s.alice, DESKTOP, "2", "0", b"more").status, 410);
    assert_eq!(get_chunk(&s, &s.alice, DESKTOP, 1, 0).status, 410);
    assert!(!s.db_contents().contains("sealed desktop state"), "its chunks are deleted");
    assert_eq!(
        call(s.addr, "DELETE", &format!("/v2/devices/{DESKTOP}"), Some(&s.alice), None, &[]).status,
        204,
        "forgetting again changes nothing"
    );
    let never = call(s.addr, "DELETE", "/v2/devices/never-registered", Some(&s.alice), None, &[]);
    assert_eq!((never.status, code(&never)), (404, "not_found".to_string()));
    // A device may forget itself; with none left, the next device sets the key check anew.
    assert_eq!(call(s.addr, "DELETE", &format!("/v2/devices/{LAPTOP}"), Some(&s.alice), None, &[]).status, 204);
    assert_eq!(register(&s, &s.alice, "phone-0003", "Phone", OTHER_KEY).status, 200);
    assert!(s.audit.lock().expect("audit").iter().any(|l| l.contains("op=device-forget") && l.contains(DESKTOP)));
}

fn an_account_has_at_most_16_devices(b: Backend) {
    let s = start(b, Config::default());
    for i in 0..16 {
        assert_eq!(register(&s, &s.alice, &format!("device-{i:04}"), "One of many", KEY).status, 200, "device {i}");
    }
    let over = register(&s, &s.alice, "device-0016", "One too many", KEY);
    assert_eq!((over.status, code(&over)), (403, "too_many_devices".to_string()), "{}", over.body);
    assert_eq!(register(&s, &s.alice, "device-0003", "Renamed", KEY).status, 200, "a registered one still may");
    assert_eq!(call(s.addr, "DELETE", "/v2/devices/device-0000", Some(&s.alice), None, &[]).status, 204);
    assert_eq!(register(&s, &s.alice, "device-0016", "Now it fits", KEY).status, 200);
    assert_eq!(devices(&s, &s.alice).len(), 16);
}

fn a_state_is_uploaded_in_chunks_committed_and_read_back(b: Backend) {
    let s = start(b, Config::default());
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", KEY).status, 200);
    let full: Vec<u8> = (0..MAX_CHUNK_BYTES).map(|i| (i * 7 % 251) as u8).collect();
    let tail: Vec<u8> = vec![0, 1, 2, 255, 254, 0];
    let committed = upload(&s, &s.alice, LAPTOP, 1, &[&full, &tail]);
    assert_eq!(committed.status, 200, "{}", committed.body);
    let device = committed.json();
    assert_eq!(device["generation"], 1);
    assert_eq!(device["chunks"], 2);
    assert_eq!(device["bytes"], MAX_CHUNK_BYTES + tail.len());
    assert_eq!(device["sha256"], sha256_hex(&[&full, &tail]));
    assert_eq!(devices(&s, &s.alice)[0], device, "the list shows the committed state");
    let first = get_chunk(&s, &s.alice, LAPTOP, 1, 0);
    assert_eq!(first.status, 200);
    assert!(first.headers.contains("content-type: application/octet-stream"), "{}", first.headers);
    assert_eq!(first.bytes, full, "the bytes come back exactly");
    assert_eq!(get_chunk(&s, &s.alice, LAPTOP, 1, 1).bytes, tail);
    for (generation, index) in [(2, 0), (0, 0), (1, 2)] {
        let missing = get_chunk(&s, &s.alice, LAPTOP, generation, index);
        assert_eq!((missing.status, code(&missing)), (404, "not_found".to_string()), "{generation}/{index}");
    }
    assert_eq!(get_chunk(&s, &s.bob, LAPTOP, 1, 0).status, 404, "another account cannot read it");
    // A new generation replaces the state whole; the old one is no longer served.
    assert_eq!(upload(&s, &s.alice, LAPTOP, 5, &[b"generation five"]).status, 200);
    assert_eq!(get_chunk(&s, &s.alice, LAPTOP, 1, 0).status, 404);
    assert_eq!(get_chunk(&s, &s.alice, LAPTOP, 5, 0).body, "generation five");
    let audit = s.audit.lock().expect("audit").join("\n");
    assert!(audit.contains(&format!("device={LAPTOP} generation=5 chunks=1 bytes=15")), "{audit}");
}

fn chunk_uploads_are_checked(b: Backend) {
    let s = start(b, Config { body_limit: 4096, ..Config::default() });
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", KEY).status, 200);
    let exactly = vec![7u8; MAX_CHUNK_BYTES];
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "1", "0", &exactly).status, 204, "512 KiB fits, whatever --body-limit");
    let over = put_chunk(&s, &s.alice, LAPTOP, "1", "1", &vec![7u8; MAX_CHUNK_BYTES + 1]);
    assert_eq!((over.status, code(&over)), (413, "too_large".to_string()), "{}", over.body);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "1", "1", b"").status, 400, "empty");
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "1", "4095", b"x").status, 204, "the last index");
    for (generation, index) in [("1", "4096"), ("1", "-1"), ("x", "0"), ("1", "1.0"), ("9007199254740992", "0")] {
        let reply = put_chunk(&s, &s.alice, LAPTOP, generation, index, b"x");
        assert_eq!((reply.status, code(&reply)), (400, "invalid".to_string()), "{generation}/{index}: {}", reply.body);
    }
    let bad_id = put_chunk(&s, &s.alice, "short", "1", "0", b"x");
    assert_eq!(bad_id.status, 400);
    assert!(!bad_id.body.contains("short"), "the path is not echoed: {}", bad_id.body);
    let path = format!("/v2/devices/{LAPTOP}/state/1/2");
    let typed = call_bytes(s.addr, "PUT", &path, Some(&s.alice), Some(b"x"), &[("Content-Type", "text/plain")]);
    assert_eq!((typed.status, code(&typed)), (415, "unsupported_media_type".to_string()));
    let unknown = put_chunk(&s, &s.alice, "not-registered-1", "1", "0", b"x");
    assert_eq!((unknown.status, code(&unknown)), (404, "not_found".to_string()));
    assert_eq!(put_chunk(&s, &s.bob, LAPTOP, "1", "0", b"x").status, 404, "alice's device is not bob's");
}

fn commits_are_complete_atomic_and_never_go_back(b: Backend) {
    let s = start(b, Config::default());
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", KEY).status, 200);
    // A missing chunk, then a wrong hash: nothing is committed.
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "2", "0", b"part zero").status, 204);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "2", "2", b"part two").status, 204);
    let gap = commit(&s, &s.alice, LAPTOP, 2, 3, &sha256_hex(&[b"part zero", b"part one", b"part two"]));
    assert_eq!((gap.status, code(&gap)), (409, "incomplete".to_string()), "{}", gap.body);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "2", "1", b"part one, first try").status, 204);
    let wrong = commit(&s, &s.alice, LAPTOP, 2, 3, &sha256_hex(&[b"part zero", b"part one", b"part two"]));
    assert_eq!((wrong.status, code(&wrong)), (409, "incomplete".to_string()), "{}", wrong.body);
    assert_eq!(devices(&s, &s.alice)[0]["generation"], 0);
    // Writing a chunk again replaces it; a later generation's upload in progress is dropped by
    // the commit, as are chunks beyond the count.
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "2", "1", b"part one").status, 204);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "3", "0", b"upload in progress").status, 204);
    let hash = sha256_hex(&[b"part zero", b"part one"]).to_uppercase();
    let done = commit(&s, &s.alice, LAPTOP, 2, 2, &hash);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["sha256"], hash.to_lowercase());
    let chunks: HashMap<String, i64> = s.db.row_counts().into_iter().collect();
    assert_eq!(chunks.get("device_chunks"), Some(&2), "only the committed generation's chunks stay: {chunks:?}");
    assert!(!s.db_contents().contains("upload in progress"));
    // Never backwards: a commit or an upload at or below the committed generation is stale.
    for generation in [1, 2] {
        let again = commit(&s, &s.alice, LAPTOP, generation, 2, &hash);
        assert_eq!((again.status, code(&again)), (409, "stale".to_string()), "{}", again.body);
        let late = put_chunk(&s, &s.alice, LAPTOP, &generation.to_string(), "0", b"late");
        assert_eq!((late.status, code(&late)), (409, "stale".to_string()));
    }
    assert_eq!(get_chunk(&s, &s.alice, LAPTOP, 2, 1).body, "part one");
    for (body, why) in [
        (json!({ "chunks": 0, "sha256": hash }), "no chunks"),
        (json!({ "chunks": 4097, "sha256": hash }), "too many"),
        (json!({ "chunks": 1.5, "sha256": hash }), "a fraction"),
        (json!({ "chunks": 1, "sha256": "abc" }), "a short hash"),
        (json!({ "chunks": 1 }), "no hash"),
        (json!({ "chunks": 1, "sha256": hash, "extra": 1 }), "an unknown field"),
    ] {
        let path = format!("/v2/devices/{LAPTOP}/state/9/commit");
        let reply = call(s.addr, "POST", &path, Some(&s.alice), Some(&body.to_string()), &[]);
        assert_eq!((reply.status, code(&reply)), (400, "invalid".to_string()), "{why}: {}", reply.body);
    }
    let unknown = commit(&s, &s.alice, "not-registered-1", 1, 1, &hash);
    assert_eq!((unknown.status, code(&unknown)), (404, "not_found".to_string()));
}

fn states_are_held_to_the_size_limit(b: Backend) {
    let s = start(b, Config { max_state_bytes: 1000, ..Config::default() });
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", KEY).status, 200);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "1", "0", &[1u8; 600]).status, 204);
    let over = put_chunk(&s, &s.alice, LAPTOP, "1", "1", &[2u8; 401]);
    assert_eq!((over.status, code(&over)), (403, "quota_exceeded".to_string()), "{}", over.body);
    assert!(over.body.contains("--max-state-bytes"), "{}", over.body);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "1", "0", &[1u8; 900]).status, 204, "a replaced chunk does not count");
    // Abandoned generations count until a commit drops them.
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "2", "0", &[3u8; 200]).status, 403);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "1", "1", &[2u8; 100]).status, 204);
    let hash = sha256_hex(&[&[1u8; 900], &[2u8; 100]]);
    // An instance with a lower limit refuses the commit of what was uploaded under a higher one.
    let strict = s.twin(Config { max_state_bytes: 999, ..Config::default() });
    let refused = commit(&strict, &s.alice, LAPTOP, 1, 2, &hash);
    assert_eq!((refused.status, code(&refused)), (403, "quota_exceeded".to_string()), "{}", refused.body);
    assert_eq!(commit(&s, &s.alice, LAPTOP, 1, 2, &hash).json()["bytes"], 1000);
}

fn account_deletion_and_export_cover_devices_without_their_ciphertext(b: Backend) {
    let s = start(b, Config::default());
    assert_eq!(register(&s, &s.alice, LAPTOP, "Laptop", KEY).status, 200);
    assert_eq!(register(&s, &s.alice, DESKTOP, "Desktop", KEY).status, 200);
    assert_eq!(upload(&s, &s.alice, LAPTOP, 1, &[b"CIPHERTEXT-CANARY-7f3a"]).status, 200);
    assert_eq!(put_chunk(&s, &s.alice, LAPTOP, "2", "0", b"PENDING-CANARY-91c2").status, 204);
    assert_eq!(call(s.addr, "DELETE", &format!("/v2/devices/{DESKTOP}"), Some(&s.alice), None, &[]).status, 204);
    assert_eq!(register(&s, &s.bob, "bobs-device", "Bob's", OTHER_KEY).status, 200);
    assert_eq!(upload(&s, &s.bob, "bobs-device", 1, &[b"BOB-CANARY-5e11"]).status, 200);

    let export = call(s.addr, "GET", "/v1/account/export", Some(&s.alice), None, &[]);
    assert_eq!(export.status, 200);
    let data = export.json();
    assert_eq!(data["keyCheck"], KEY);
    assert_eq!(data["devices"][0]["deviceId"], LAPTOP);
    assert_eq!(data["devices"][0]["bytes"], 22);
    assert_eq!(data["devices"][0]["chunks"], 1);
    assert_eq!(data["forgottenDevices"], json!([DESKTOP]));
    assert!(!export.body.contains("CANARY") && !export.body.contains("Q0lQSEVS"), "no ciphertext in the export");
    assert!(s.db_contents().contains("CIPHERTEXT-CANARY-7f3a"), "positive control: the canary is stored");

    assert_eq!(call(s.addr, "DELETE", "/v1/account", Some(&s.alice), None, &[]).status, 204);
    let text = s.db_contents();
    for gone in ["CIPHERTEXT-CANARY-7f3a", "PENDING-CANARY-91c2", LAPTOP, DESKTOP, KEY] {
        assert!(!text.contains(gone), "{gone} is left after the account's deletion");
    }
    assert!(text.contains("BOB-CANARY-5e11") && text.contains(OTHER_KEY), "bob's devices stay");
    let counts: HashMap<String, i64> = s.db.row_counts().into_iter().collect();
    assert_eq!(counts.get("devices"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("device_chunks"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("forgotten_devices"), Some(&0), "{counts:?}");
}

fn device_bodies_are_checked_and_never_echoed(b: Backend) {
    let s = start(b, Config::default());
    let secret = "meet me at the old station";
    for (body, why) in [
        (json!({ "name": format!("{secret}\nline two"), "keyCheck": KEY }), "a name of two lines"),
        (json!({ "name": "   ", "keyCheck": KEY }), "a blank name"),
        (json!({ "name": "x".repeat(201), "keyCheck": KEY }), "a long name"),
        (json!({ "name": "Laptop", "keyCheck": secret }), "a key check that is not hex"),
        (json!({ "name": "Laptop", "keyCheck": &KEY[..31] }), "a short key check"),
        (json!({ "name": "Laptop" }), "no key check"),
        (json!({ "name": "Laptop", "keyCheck": KEY, "note": secret }), "an unknown field"),
        (json!({ "name": "Laptop", "keyCheck": KEY, secret: 1 }), "an unknown field that is text"),
        (json!([secret]), "not an object"),
    ] {
        let reply = call(s.addr, "PUT", &format!("/v2/devices/{LAPTOP}"), Some(&s.alice), Some(&body.to_string()), &[]);
        assert_eq!((reply.status, code(&reply)), (400, "invalid".to_string()), "{why}: {}", reply.body);
        assert!(!reply.body.contains("station"), "{why} echoed: {}", reply.body);
    }
    let body = json!({ "name": "Laptop", "keyCheck": KEY }).to_string();
    let path = format!("/v2/devices/{LAPTOP}");
    let typed = call(s.addr, "PUT", &path, Some(&s.alice), Some(&body), &[("Content-Type", "text/plain")]);
    assert_eq!(typed.status, 415);
    assert_eq!(call(s.addr, "PUT", &path, None, Some(&body), &[]).status, 401);
    assert!(devices(&s, &s.alice).is_empty(), "nothing was registered");
    assert!(!s.db_contents().contains("station"));
}

fn extensions_may_use_the_device_methods(b: Backend) {
    let s = start(b, Config::default());
    let preflight = call(
        s.addr,
        "OPTIONS",
        &format!("/v2/devices/{LAPTOP}/state/1/0"),
        None,
        None,
        &[("Origin", "chrome-extension://abcdef"), ("Access-Control-Request-Method", "PUT")],
    );
    assert_eq!(preflight.status, 204);
    let methods = preflight.headers.lines().find(|l| l.starts_with("access-control-allow-methods:")).unwrap_or("");
    assert!(methods.contains("put") && methods.contains("delete"), "{}", preflight.headers);
    let wrong = call(s.addr, "POST", &format!("/v2/devices/{LAPTOP}"), Some(&s.alice), None, &[]);
    assert_eq!((wrong.status, code(&wrong)), (405, "method_not_allowed".to_string()));
}

on_both_backends!(
    a_device_registers_is_listed_and_is_renamed,
    the_first_device_sets_the_key_check_and_a_different_one_is_refused,
    a_forgotten_device_is_gone_and_may_not_return,
    an_account_has_at_most_16_devices,
    a_state_is_uploaded_in_chunks_committed_and_read_back,
    chunk_uploads_are_checked,
    commits_are_complete_atomic_and_never_go_back,
    states_are_held_to_the_size_limit,
    account_deletion_and_export_cover_devices_without_their_ciphertext,
    device_bodies_are_checked_and_never_echoed,
    extensions_may_use_the_device_methods,
);
