//! Protocol version 2: an account's devices and their sealed states (`docs/sync-protocol.md`,
//! "Version 2"). The server keeps ciphertext it cannot open, in chunks; it checks only sizes,
//! counts, the hash of what was uploaded, and the key check that tells a device holding
//! another key so before it uploads anything.
//!
//! Path segments are checked here, so that a malformed one gets a `400` in the error shape
//! (axum's own rejection is plain text) and no message repeats it.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::store::{Account, MAX_CHUNKS, MAX_CHUNK_BYTES};
use crate::wire::{self, device_id_ok, whole_number, MAX_GENERATION};
use crate::{account_of, error, internal, is_json, read_body, AppState};

const DEVICE_ID_RULE: &str = "deviceId: 8 to 64 characters of A-Z, a-z, 0-9 or '-'";
const GENERATION_RULE: &str = "generation: a whole number from 0 to 9007199254740991";
const INDEX_RULE: &str = "index: a whole number from 0 to 4095";
/// The body of a JSON request here is small: a name and a hash.
const JSON_BODY_LIMIT: usize = 4096;

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid", message)
}

fn unauthorized() -> Response {
    error(StatusCode::UNAUTHORIZED, "unauthorized", "Missing account.")
}

/// The device id from a path, or the rule it breaks.
fn device_id(raw: &str) -> Result<&str, &'static str> {
    if device_id_ok(raw) {
        Ok(raw)
    } else {
        Err(DEVICE_ID_RULE)
    }
}

/// The device id, generation and (when given) chunk index from a state path, or the rule one
/// of them breaks.
fn state_path(device: &str, generation: &str, index: Option<&str>) -> Result<(String, i64, i64), &'static str> {
    let device = device_id(device)?.to_string();
    let generation = whole_number(generation, MAX_GENERATION).ok_or(GENERATION_RULE)?;
    let index = match index {
        Some(raw) => whole_number(raw, MAX_CHUNKS - 1).ok_or(INDEX_RULE)?,
        None => 0,
    };
    Ok((device, generation, index))
}

fn path_problem() -> Response {
    invalid("The path is not /v2/devices/{deviceId}[/state/{generation}/{index} or /commit].")
}

/// `application/octet-stream`, with any parameters, as `is_json` reads types.
fn is_octet_stream(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/octet-stream"))
}

fn not_json() -> Response {
    error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "Send the body as application/json.")
}

fn audit(state: &AppState, account: &Account, op: &str, details: &str) {
    (state.audit)(&format!(
        "audit account={} op={op} at={} {details}",
        account.name,
        kith::time::iso(state.clock.now())
    ));
}

/// `PUT /v2/devices/{deviceId}`: registers the device, or renames it and marks it seen.
pub(crate) async fn register(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let Some(account) = account_of(request.extensions()) else { return unauthorized() };
    let Ok(Path(raw)) = path else { return path_problem() };
    let device = match device_id(&raw) {
        Ok(d) => d.to_string(),
        Err(rule) => return invalid(rule),
    };
    if !is_json(request.headers()) {
        return not_json();
    }
    let body = match read_body(&state, request, JSON_BODY_LIMIT, "send a name and a key check only").await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let registration = match wire::parse_device(&body) {
        Ok(r) => r,
        Err(message) => return invalid(&message),
    };
    let now = state.clock.now();
    match state.store.register_device(&account, &device, &registration.name, &registration.key_check, now).await {
        Ok(registered) => {
            // The device's name is the user's words: the audit names the device by its id only.
            audit(&state, &account, "device-register", &format!("device={device}"));
            Json(registered).into_response()
        }
        Err(e) => internal(e),
    }
}

/// `GET /v2/devices`: every device of the account, with its committed state's size and hash.
pub(crate) async fn list(State(state): State<AppState>, request: Request) -> Response {
    let Some(account) = account_of(request.extensions()) else { return unauthorized() };
    match state.store.devices(&account).await {
        Ok(devices) => Json(json!({ "devices": devices })).into_response(),
        Err(e) => internal(e),
    }
}

/// `DELETE /v2/devices/{deviceId}`: forgets the device, its state and its chunks.
pub(crate) async fn forget(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let Some(account) = account_of(request.extensions()) else { return unauthorized() };
    let Ok(Path(raw)) = path else { return path_problem() };
    let device = match device_id(&raw) {
        Ok(d) => d,
        Err(rule) => return invalid(rule),
    };
    match state.store.forget_device(&account, device, state.clock.now()).await {
        Ok(()) => {
            audit(&state, &account, "device-forget", &format!("device={device}"));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => internal(e),
    }
}

/// `PUT /v2/devices/{deviceId}/state/{generation}/{index}`: one chunk of a state being uploaded.
pub(crate) async fn put_chunk(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
    request: Request,
) -> Response {
    let Some(account) = account_of(request.extensions()) else { return unauthorized() };
    let Ok(Path((device, generation, index))) = path else { return path_problem() };
    let (device, generation, index) = match state_path(&device, &generation, Some(&index)) {
        Ok(parsed) => parsed,
        Err(rule) => return invalid(rule),
    };
    if !is_octet_stream(request.headers()) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send a chunk as application/octet-stream.",
        );
    }
    let data = match read_body(&state, request, MAX_CHUNK_BYTES, "a chunk is at most 524288 bytes (512 KiB)").await {
        Ok(body) => body,
        Err(response) => return response,
    };
    if data.is_empty() {
        return invalid("A chunk holds at least one byte.");
    }
    let now = state.clock.now();
    match state
        .store
        .put_chunk(&account, &device, generation, index, data.to_vec(), now, state.config.max_state_bytes)
        .await
    {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => internal(e),
    }
}

/// `POST /v2/devices/{deviceId}/state/{generation}/commit`: makes the uploaded generation the
/// device's state.
pub(crate) async fn commit(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Response {
    let Some(account) = account_of(request.extensions()) else { return unauthorized() };
    let Ok(Path((device, generation))) = path else { return path_problem() };
    let (device, generation, _) = match state_path(&device, &generation, None) {
        Ok(parsed) => parsed,
        Err(rule) => return invalid(rule),
    };
    if !is_json(request.headers()) {
        return not_json();
    }
    let body = match read_body(&state, request, JSON_BODY_LIMIT, "send chunks and sha256 only").await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let commit = match wire::parse_commit(&body) {
        Ok(c) => c,
        Err(message) => return invalid(&message),
    };
    let now = state.clock.now();
    let max = state.config.max_state_bytes;
    match state.store.commit_state(&account, &device, generation, commit.chunks, &commit.sha256, now, max).await {
        Ok(committed) => {
            let sizes = format!(
                "device={device} generation={generation} chunks={} bytes={}",
                commit.chunks,
                committed.bytes.unwrap_or(0)
            );
            audit(&state, &account, "state-commit", &sizes);
            Json(committed).into_response()
        }
        Err(e) => internal(e),
    }
}

/// `GET /v2/devices/{deviceId}/state/{generation}/{index}`: a chunk of the committed state.
pub(crate) async fn get_chunk(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
    request: Request,
) -> Response {
    let Some(account) = account_of(request.extensions()) else { return unauthorized() };
    let Ok(Path((device, generation, index))) = path else { return path_problem() };
    let (device, generation, index) = match state_path(&device, &generation, Some(&index)) {
        Ok(parsed) => parsed,
        Err(rule) => return invalid(rule),
    };
    match state.store.chunk(&account, &device, generation, index).await {
        Ok(Some(data)) => {
            let mut response = data.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            response
        }
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "not_found",
            "That chunk is not part of the device's committed state; read the device list again.",
        ),
        Err(e) => internal(e),
    }
}
