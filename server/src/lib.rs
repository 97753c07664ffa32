//! kith-server: the reference sync server. It stores, per account, only what the `SyncContact`
//! allowlist in the `kith` crate defines: contact fields and derived numbers and times; and,
//! for protocol version 2, each device's sealed state, which it cannot read (`src/devices.rs`).
//! The protocol is in `docs/sync-protocol.md` and `docs/openapi.yaml`. The data lives in SQLite
//! or PostgreSQL, behind one trait ([`store`]).
//!
//! Guarantees, each tested in `tests/` on both backends: unknown fields are refused with a 400 that
//! names them, and every field's contents are checked ([`wire`]); error messages never echo a
//! submitted value; every query is scoped to the token's account; tokens are stored only as
//! SHA-256 hashes; bodies over [`Config::body_limit`] get 413; requests over the per-address
//! or per-token limits get 429, failed authentication has its own limit and `/v1/health` none;
//! connections are capped and timed out ([`net`]); an account holds at most
//! [`Config::max_contacts`]; the audit log records who, when, how many and which fields,
//! never values; deleted contacts become tombstones purged after [`Config::tombstone_days`],
//! and batch keys are forgotten after [`Config::batch_key_days`].

mod devices;
pub mod net;
pub mod store;
pub mod wire;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, DefaultBodyLimit, Query, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use kith::sync::{SyncBatch, SYNC_FIELDS};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;
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

/// Server limits and policies. Each has a `kith-server serve` flag (see `main.rs`); the
/// defaults are documented in `docs/sync-protocol.md`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Authenticated requests per minute from one client address.
    pub per_address_per_minute: u32,
    /// Requests per minute with one token.
    pub per_token_per_minute: u32,
    /// Requests per minute from one client address that fail authentication (missing or
    /// unknown token). Counted apart from good traffic, so neither starves the other.
    pub failed_auth_per_minute: u32,
    /// Days a deleted contact is kept as a tombstone (so other devices learn of the deletion)
    /// before it is purged.
    pub tombstone_days: i64,
    /// Days a batch key is remembered: a replay within them changes nothing; after them the key
    /// is purged and a replay is applied again.
    pub batch_key_days: i64,
    /// Most contacts one account may store, tombstones included.
    pub max_contacts: usize,
    /// Largest sealed state of one device (protocol version 2), in bytes; a device's uploads
    /// in progress are held to it too.
    pub max_state_bytes: u64,
    /// Largest pull page.
    pub max_page: usize,
    /// Time for a request's line and headers to arrive (also the longest a kept-alive
    /// connection waits for its next request).
    pub header_timeout: Duration,
    /// Time for a request's body to arrive once its headers have.
    pub body_timeout: Duration,
    /// Longest the server waits on a connection with no byte moving either way.
    pub idle_timeout: Duration,
    /// Most open connections in all.
    pub max_connections: usize,
    /// Most open connections from one address (trusted proxies excepted).
    pub max_connections_per_address: usize,
    /// Addresses of reverse proxies whose `X-Forwarded-For` is believed: for connections from
    /// them, the client address is the last hop that header lists.
    pub trusted_proxies: Vec<IpAddr>,
    /// Chrome extension ids whose origin (`chrome-extension://<id>`) CORS allows. Empty: any
    /// extension origin, Chrome's or Firefox's (the behaviour before this setting existed).
    pub allow_extensions: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            body_limit: 1 << 20,
            per_address_per_minute: 600,
            per_token_per_minute: 300,
            failed_auth_per_minute: 30,
            tombstone_days: 30,
            batch_key_days: 30,
            max_contacts: 100_000,
            max_state_bytes: 64 << 20,
            max_page: 1000,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_address: 32,
            trusted_proxies: Vec::new(),
            allow_extensions: Vec::new(),
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

    /// Purges tombstones and batch keys older than their windows; returns how many of each.
    pub async fn purge(&self) -> Result<(usize, usize), store::StoreError> {
        let now = self.clock.now();
        let tombstones = self.store.purge_tombstones(now - self.config.tombstone_days * 86_400).await?;
        let batches = self.store.purge_batches(now - self.config.batch_key_days * 86_400).await?;
        Ok((tombstones, batches))
    }

    /// The address rate limits count against: the peer's, or, when the peer is a trusted
    /// proxy, the last hop of `X-Forwarded-For` (the one that proxy added; any earlier hops
    /// came from the client and could be anything).
    fn client_address(&self, peer: Option<IpAddr>, headers: &axum::http::HeaderMap) -> String {
        let Some(peer) = peer.map(|p| p.to_canonical()) else {
            return String::new();
        };
        if !self.config.trusted_proxies.contains(&peer) {
            return peer.to_string();
        }
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .and_then(|hop| hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip())));
        forwarded.map_or_else(|| peer.to_string(), |ip| ip.to_canonical().to_string())
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
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": { "code": code, "message": message } }))).into_response()
}

pub(crate) fn internal(e: store::StoreError) -> Response {
    match e {
        store::StoreError::AccountGone => error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "This token's account was deleted. Create a new token with 'kith-server token create <account>'.",
        ),
        store::StoreError::QuotaExceeded { limit } => error(
            StatusCode::FORBIDDEN,
            "quota_exceeded",
            &format!(
                "This account may store at most {limit} contacts (deleted ones count until they are purged); \
                 delete some, or ask the server's operator to raise --max-contacts."
            ),
        ),
        store::StoreError::KeyMismatch => error(
            StatusCode::CONFLICT,
            "key_mismatch",
            "This device holds another sync key than the account's devices; copy the key from the options page of one of them.",
        ),
        store::StoreError::DeviceForgotten => error(
            StatusCode::GONE,
            "device_forgotten",
            "Another device of this account forgot this one; start again under a new device id.",
        ),
        store::StoreError::DeviceNotFound => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "No device of this account has that id; register it with PUT /v2/devices/{deviceId} first.",
        ),
        store::StoreError::TooManyDevices { limit } => error(
            StatusCode::FORBIDDEN,
            "too_many_devices",
            &format!("This account has {limit} devices, the most it may have; forget one of them first."),
        ),
        store::StoreError::Stale { committed } => error(
            StatusCode::CONFLICT,
            "stale",
            &format!("This device's generation {committed} is committed; upload and commit a higher generation."),
        ),
        store::StoreError::Incomplete(why) => error(
            StatusCode::CONFLICT,
            "incomplete",
            &format!("The state cannot be committed: {why}. Upload its chunks again, then commit."),
        ),
        store::StoreError::StateTooLarge { limit } => error(
            StatusCode::FORBIDDEN,
            "quota_exceeded",
            &format!(
                "A device's state may be at most {limit} bytes, and so may its uploads in progress; \
                 ask the server's operator to raise --max-state-bytes."
            ),
        ),
        store::StoreError::Database(_) => {
            eprintln!("kith-server: {e}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "The server could not complete the request; try again later.",
            )
        }
    }
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
        .route("/v2/devices", get(devices::list))
        .route("/v2/devices/{device_id}", put(devices::register).delete(devices::forget))
        .route("/v2/devices/{device_id}/state/{generation}/commit", post(devices::commit))
        .route("/v2/devices/{device_id}/state/{generation}/{index}", put(devices::put_chunk).get(devices::get_chunk))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::from_fn(error_shape))
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .with_state(state)
}

/// 404 and 405 answers from the router come with an empty body: give them the error shape,
/// keeping their headers (405's `Allow`).
async fn error_shape(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let (code, message) = match response.status() {
        StatusCode::NOT_FOUND => ("not_found", "No such endpoint; the API is described in docs/openapi.yaml."),
        StatusCode::METHOD_NOT_ALLOWED => {
            ("method_not_allowed", "This endpoint does not answer that method; see the Allow header.")
        }
        _ => return response,
    };
    let is_json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == b"application/json");
    if is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let shaped = error(parts.status, code, message);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in shaped.headers() {
        parts.headers.insert(name, value.clone());
    }
    Response::from_parts(parts, shaped.into_body())
}

/// CORS for the extension: with `--allow-extension <id>` flags, exactly those Chrome extension
/// origins may call; without any, any extension origin may (`chrome-extension://…` or
/// `moz-extension://…`). A web origin is never named, so pages on the web cannot read responses.
async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned);
    let allowed = origin.filter(|o| origin_allowed(&state.config.allow_extensions, o));
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed.and_then(|o| HeaderValue::from_str(&o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers
            .insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    }
    response
}

fn origin_allowed(ids: &[String], origin: &str) -> bool {
    if ids.is_empty() {
        return origin.starts_with("chrome-extension://") || origin.starts_with("moz-extension://");
    }
    origin.strip_prefix("chrome-extension://").is_some_and(|id| ids.iter().any(|allowed| allowed == id))
}

/// A Chrome extension id: 32 letters `a` to `p` (for `--allow-extension`).
pub fn is_extension_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b))
}

/// Resolves the token to an account, and rate-limits: `/v1/health` never; failed
/// authentication per client address, in its own budget; good traffic per client address and
/// per token.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if request.uri().path() == "/v1/health" {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = state.client_address(peer, request.headers());
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let hash = token_hash(&token);
    let account = if token.is_empty() {
        None
    } else {
        match state.store.account_for(&hash).await {
            Ok(account) => account,
            Err(e) => return internal(e),
        }
    };
    let Some(account) = account else {
        if let Err(wait) = state.spend(format!("authfail:{client}"), state.config.failed_auth_per_minute) {
            return too_many(wait);
        }
        let message = if token.is_empty() {
            "Send your kith token as 'Authorization: Bearer <token>'."
        } else {
            "This token is not valid. Create one with 'kith-server token create <account>'."
        };
        return error(StatusCode::UNAUTHORIZED, "unauthorized", message);
    };
    if let Err(wait) = state.spend(format!("ip:{client}"), state.config.per_address_per_minute) {
        return too_many(wait);
    }
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

pub(crate) fn account_of(headers_ext: &axum::http::Extensions) -> Option<Account> {
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
    if !is_json(request.headers()) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the batch as application/json.",
        );
    }
    let body = match read_body(&state, request, state.config.body_limit, "send smaller batches").await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let batch: SyncBatch = match wire::parse_batch(&body) {
        Ok(b) => b,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid", &message),
    };
    let now = state.clock.now();
    if let Err(e) = state.purge().await {
        return internal(e);
    }
    let result = match state.store.push(&account, &batch, now, state.config.max_contacts).await {
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

/// The request's body, at most `limit` bytes, arriving within the body timeout; otherwise the
/// error answer (`413` with `advice` for the client, `408`, or `400` for a broken connection).
pub(crate) async fn read_body(
    state: &AppState,
    request: Request,
    limit: usize,
    advice: &str,
) -> Result<axum::body::Bytes, Response> {
    match tokio::time::timeout(state.config.body_timeout, axum::body::to_bytes(request.into_body(), limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if !too_large {
                // The connection failed mid-body (the idle timeout, say): nobody may be listening.
                return Err(error(StatusCode::BAD_REQUEST, "invalid", "The body could not be read to its end."));
            }
            Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &format!("The body is over {limit} bytes; {advice}."),
            ))
        }
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            &format!("The body did not arrive within {} seconds; try again.", state.config.body_timeout.as_secs_f64()),
        )),
    }
}

/// `application/json`, exactly, with any parameters (`; charset=utf-8`): a type that only starts
/// with it (`application/jsonx`) is another type.
pub(crate) fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PullQuery {
    since: Option<String>,
    limit: Option<u32>,
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
            "Query parameters: since (a cursor) and limit (a whole number from 1 to 1000) only.",
        );
    };
    let since: Cursor = match query.since.as_deref().unwrap_or("0").parse() {
        Ok(c) => c,
        Err(message) => return error(StatusCode::BAD_REQUEST, "invalid", &message),
    };
    let limit: usize = match query.limit {
        None => 500,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(_) => return error(StatusCode::BAD_REQUEST, "invalid", "limit: a whole number from 1 to 1000."),
    }
    .min(state.config.max_page);
    match state.store.pull(&account, &since, limit).await {
        Ok(page) => Json(page).into_response(),
        Err(e) => internal(e),
    }
}

async fn export(State(state): State<AppState>, request: Request) -> Response {
    let Some(account) = account_of(request.extensions()) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Missing account.");
    };
    (state.audit)(&format!("audit account={} op=export at={}", account.name, kith::time::iso(state.clock.now())));
    match state.store.export(&account).await {
        Ok(data) => Json(data).into_response(),
        Err(e) => internal(e),
    }
}

async fn delete_account(State(state): State<AppState>, request: Request) -> Response {
    let Some(account) = account_of(request.extensions()) else {
        return error(StatusCode::UNAUTHORIZED, "unauthorized", "Missing account.");
    };
    match state.store.delete_account(&account).await {
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
