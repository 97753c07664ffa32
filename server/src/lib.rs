//! kith-server: the reference sync server. It stores, per account, only what the `SyncContact`
//! allowlist in the `kith` crate defines: contact fields and derived numbers and times.
//! The protocol is in `docs/sync-protocol.md` and `docs/openapi.yaml`.
//!
//! Guarantees, each tested in `tests/http.rs`: unknown fields are refused with a 400 that
//! names them; every query is scoped to the token's account; tokens are stored only as
//! SHA-256 hashes; bodies over [`Config::body_limit`] get 413; requests over the per-address
//! or per-token limits get 429; the audit log records who, when, how many and which fields,
//! never values; deleted contacts become tombstones purged after [`Config::tombstone_days`].

pub mod store;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use kith::sync::{SyncBatch, SYNC_FIELDS};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use store::{Account, Cursor, Store};

/// Where time comes from: the system clock, or a test's hand.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }
}

/// A clock that moves only when told: for tests of retention.
#[derive(Default)]
pub struct ManualClock(pub AtomicI64);

impl ManualClock {
    /// Moves the clock forward.
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Server limits and policies.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Requests per minute from one address.
    pub per_address_per_minute: u32,
    /// Requests per minute with one token.
    pub per_token_per_minute: u32,
    /// Days a deleted contact is kept as a tombstone (so other devices learn of the deletion)
    /// before it is purged.
    pub tombstone_days: i64,
    /// Largest pull page.
    pub max_page: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 1 << 20,
            per_address_per_minute: 600,
            per_token_per_minute: 300,
            tombstone_days: 30,
            max_page: 1000,
        }
    }
}

/// Where audit lines go: stdout in production, a vector in tests.
pub type AuditSink = Arc<dyn Fn(&str) + Send + Sync>;

/// Shared state of the running server.
#[derive(Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    config: Config,
    audit: AuditSink,
    limiter: Arc<Mutex<HashMap<String, (i64, u32)>>>,
}

impl AppState {
    /// State over a store, a clock, limits and an audit sink.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, config: Config, audit: AuditSink) -> Self {
        AppState { store, clock, config, audit, limiter: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Purges tombstones older than the retention window; returns how many.
    pub fn purge(&self) -> Result<usize, store::StoreError> {
        self.store.purge_tombstones(self.clock.now() - self.config.tombstone_days * 86_400)
    }

    /// Counts one request against `key`'s per-minute budget; `Err(seconds)` to wait when over.
    fn spend(&self, key: String, per_minute: u32) -> Result<(), i64> {
        let now = self.clock.now();
        let window = now - now.rem_euclid(60);
        let mut buckets = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            buckets.retain(|_, (w, _)| *w == window);
        }
        let entry = buckets.entry(key).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= per_minute {
            return Err(window + 60 - now);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// A random token, shown once: `kith_` and 64 hex digits (256 bits from the OS).
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("kith_{}", hex(&bytes)))
}

/// What the database keeps of a token: its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An error response: `{"error": {"code", "message"}}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "code": code, "message": message } }))).into_response()
}

fn internal(e: store::StoreError) -> Response {
    eprintln!("kith-server: {e}");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "The server could not complete the request; try again later.")
}

/// The router with every route and middleware.
pub fn app(state: AppState) -> Router {
    let limit = state.config.body_limit;
    Router::new()
        .route("/v1/health", get(|| async { Json(json!({ "ok": true })) }))
        .route("/v1/sync/push", post(push))
        .route("/v1/sync/pull", get(pull))
        .route("/v1/account/export", get(export))
        .route("/v1/account", delete(delete_account))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::from_fn(cors))
        .with_state(state)
}

/// CORS for the extension: an extension origin may call, with the token in a header; no other
/// origin is named, so pages on the web cannot read responses.
async fn cors(request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned);
    let allowed = origin.filter(|o| o.starts_with("chrome-extension://") || o.starts_with("moz-extension://"));
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed.and_then(|o| HeaderValue::from_str(&o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, DELETE, OPTIONS"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    response
}

/// Rate limits by address, then (for authenticated routes) by token; resolves the account.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let address =
        request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_default();
    if let Err(wait) = state.spend(format!("ip:{address}"), state.config.per_address_per_minute) {
        return too_many(wait);
    }
    if request.uri().path() == "/v1/health" {
        return next.run(request).await;
    }
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if token.is_empty() {
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Send your kith token as 'Authorization: Bearer <token>'.",
        );
    }
    let hash = token_hash(&token);
    let account = match state.store.account_for(&hash) {
        Ok(Some(account)) => account,
        Ok(None) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "This token is not valid. Create one with 'kith-server token create <account>'.",
            )
        }
        Err(e) => return internal(e),
    };
    if let Err(wait) = state.spend(format!("token:{hash}"), state.config.per_token_per_minute) {
        return too_many(wait);
    }
    request.extensions_mut().insert(account);
    next.run(request).await
}

fn too_many(wait: i64) -> Response {
    let mut response = error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests; wait and try again.");
    if let Ok(v) = HeaderValue::from_str(&wait.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

fn account_of(headers_ext: &axum::http::Extensions) -> Option<Account> {
    headers_ext.get::<Account>().cloned()
}

/// The names of the fields a batch's upserts carry, for the audit log: never their values.
/// Every upsert has exactly the allowlisted fields (anything else was refused), so the list is
/// the allowlist itself, or nothing for a batch of deletions only.
fn fields_sent(batch: &SyncBatch) -> String {
    if batch.upserts.is_empty() {
        return String::from("-");
    }
    SYNC_FIELDS.join(",")
}

async fn push(State(state): State<AppState>, request: Request) -> Response {
    let Some(account) = account_of(request.extensions()) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Missing account.");
    };
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the batch as application/json.",
        );
    }
    let limit = state.config.body_limit;
    let body = match axum::body::to_bytes(request.into_body(), limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &format!("The body is over {limit} bytes; send smaller batches."),
            )
        }
    };
    let batch: SyncBatch = match parse(&body) {
        Ok(b) => b,
        Err(response) => return *response,
    };
    if let Err(problem) = batch.validate() {
        return error(StatusCode::BAD_REQUEST, "invalid", &problem);
    }
    let now = state.clock.now();
    if let Err(e) = state.purge() {
        return internal(e);
    }
    let result = match state.store.push(&account, &batch, now) {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    (state.audit)(&format!(
        "audit account={} op=push at={} batch={} upserts={} deletions={} replayed={} fields={}",
        account.name,
        kith::time::iso(now),
        batch.batch_key,
        batch.upserts.len(),
        batch.deletions.len(),
        result.replayed,
        fields_sent(&batch)
    ));
    Json(result).into_response()
}

/// Parses JSON strictly; an unknown field (say `messages`) is a 400 that names it.
fn parse(body: &Bytes) -> Result<SyncBatch, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        // serde's message names the field and the expected ones, never a value's content.
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        Box::new(error(StatusCode::BAD_REQUEST, "invalid", &message))
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    since: Option<String>,
    limit: Option<usize>,
}

async fn pull(
    State(state): State<AppState>,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
    request: Request,
) -> Response {
    let Some(account) = account_of(request.extensions()) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Missing account.");
    };
    let Ok(Query(query)) = query else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "Query parameters: since (a cursor) and limit (1 to 1000) only.",
        );
    };
    let since: Cursor = match query.since.as_deref().unwrap_or("0").parse() {
        Ok(c) => c,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid", &message),
    };
    let limit = query.limit.unwrap_or(500).clamp(1, state.config.max_page);
    match state.store.pull(&account, &since, limit) {
        Ok(page) => Json(page).into_response(),
        Err(e) => internal(e),
    }
}

async fn export(State(state): State<AppState>, request: Request) -> Response {
    let Some(account) = account_of(request.extensions()) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Missing account.");
    };
    (state.audit)(&format!("audit account={} op=export at={}", account.name, kith::time::iso(state.clock.now())));
    match state.store.export(&account) {
        Ok(data) => Json(data).into_response(),
        Err(e) => internal(e),
    }
}

async fn delete_account(State(state): State<AppState>, request: Request) -> Response {
    let Some(account) = account_of(request.extensions()) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Missing account.");
    };
    match state.store.delete_account(&account) {
        Ok(()) => {
            (state.audit)(&format!(
                "audit account={} op=delete-account at={}",
                account.name,
                kith::time::iso(state.clock.now())
            ));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => internal(e),
    }
}
