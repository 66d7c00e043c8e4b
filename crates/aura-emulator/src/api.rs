//! The Aura API v1 handlers: request parsing and validation, then a call into [`crate::world`].
//!
//! Success bodies are `{"data": …}`; operations that start a transition answer 202, reads 200. Every handler
//! takes a [`Caller`], which enforces the bearer token and the rate limit before anything else happens.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};
use time::macros::format_description;
use time::Date;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::model::{Snapshot, CLOUD_PROVIDERS, INSTANCE_TYPES, MEMORY_SIZES};
use crate::server::AppState;
use crate::world::{NewInstance, OverwriteSource};

/// Aura's console caps instance names at 30 characters.
const MAX_NAME_LEN: usize = 30;

fn data(status: StatusCode, value: Value) -> Response {
    (status, Json(json!({ "data": value }))).into_response()
}

type ApiResult = Result<Response, ApiError>;

pub(crate) async fn list_tenants(State(app): State<AppState>, _: Caller) -> ApiResult {
    let tenants = app.read(|w, _| Ok(w.tenants.iter().map(|t| t.view()).collect::<Vec<_>>())).await?;
    Ok(data(StatusCode::OK, Value::Array(tenants)))
}

pub(crate) async fn get_tenant(State(app): State<AppState>, _: Caller, Path(id): Path<String>) -> ApiResult {
    let tenant = app.read(|w, _| Ok(w.tenant(&id)?.detail_view())).await?;
    Ok(data(StatusCode::OK, tenant))
}

/// The sandbox has no Prometheus endpoint: Aura's answer for a project without one (reason from the reference,
/// message inferred). An unknown tenant is a 404 first.
pub(crate) async fn get_metrics_integration(
    State(app): State<AppState>,
    _: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    app.read(|w, _| w.tenant(&id).map(|_| ())).await?;
    Err(ApiError::new(
        StatusCode::BAD_REQUEST,
        "tenant-incapable-of-action",
        format!("Tenant {id} has no metrics integration: the sandbox serves no metrics"),
    ))
}

pub(crate) async fn list_instances(State(app): State<AppState>, _: Caller, RawQuery(q): RawQuery) -> ApiResult {
    let tenant = query_param(q.as_deref(), "tenantId");
    let list = app.read(|w, _| w.list_instances(tenant.as_deref())).await?;
    Ok(data(StatusCode::OK, Value::Array(list)))
}

pub(crate) async fn get_instance(State(app): State<AppState>, _: Caller, Path(id): Path<String>) -> ApiResult {
    let view = app.read(|w, now| Ok(w.instance(&id)?.full_view(now))).await?;
    Ok(data(StatusCode::OK, view))
}

pub(crate) async fn create_instance(State(app): State<AppState>, _: Caller, body: Bytes) -> ApiResult {
    let req = parse_new_instance(&body)?;
    let timing = app.timing;
    let view = app.mutate(|w, now| w.create_instance(now, timing, req)).await?;
    Ok(data(StatusCode::ACCEPTED, view))
}

/// Only `name` can be changed; any other field is refused rather than silently ignored.
pub(crate) async fn update_instance(
    State(app): State<AppState>,
    _: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let obj = json_object(&body)?;
    if let Some(other) = obj.keys().find(|k| k.as_str() != "name") {
        return Err(ApiError::invalid_field(other, format!("The emulator cannot change {other}; only name")));
    }
    let name = parse_name(&obj)?;
    let view = app.mutate(|w, now| w.rename(now, &id, name)).await?;
    Ok(data(StatusCode::ACCEPTED, view))
}

pub(crate) async fn delete_instance(State(app): State<AppState>, _: Caller, Path(id): Path<String>) -> ApiResult {
    let timing = app.timing;
    let view = app.mutate(|w, now| w.delete(now, timing, &id)).await?;
    Ok(data(StatusCode::ACCEPTED, view))
}

pub(crate) async fn pause_instance(State(app): State<AppState>, _: Caller, Path(id): Path<String>) -> ApiResult {
    let timing = app.timing;
    let view = app.mutate(|w, now| w.pause(now, timing, &id)).await?;
    Ok(data(StatusCode::ACCEPTED, view))
}

pub(crate) async fn resume_instance(State(app): State<AppState>, _: Caller, Path(id): Path<String>) -> ApiResult {
    let timing = app.timing;
    let view = app.mutate(|w, now| w.resume(now, timing, &id)).await?;
    Ok(data(StatusCode::ACCEPTED, view))
}

/// `{"source_instance_id"}` (a fresh snapshot of that instance), `{"source_instance_id", "source_snapshot_id"}`
/// (that instance's snapshot), or `{"source_snapshot_id"}` alone (a snapshot of the instance being overwritten, as
/// `aura-python-sdk` and the Go SDK send for `overwrite_from_snapshot`).
pub(crate) async fn overwrite_instance(
    State(app): State<AppState>,
    _: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let obj = json_object(&body)?;
    let source_id = optional_str(&obj, "source_instance_id")?;
    let source_sid = optional_str(&obj, "source_snapshot_id")?;
    let source = match (source_id, source_sid) {
        (Some(instance), snapshot) => OverwriteSource::Instance { instance, snapshot },
        (None, Some(snapshot)) => OverwriteSource::OwnSnapshot(snapshot),
        (None, None) => {
            return Err(ApiError::invalid_field(
                "source_instance_id",
                "source_instance_id or source_snapshot_id is required",
            ))
        }
    };
    let timing = app.timing;
    let view = app.mutate(|w, now| w.overwrite(now, timing, &id, &source)).await?;
    Ok(data(StatusCode::ACCEPTED, view))
}

/// One UTC day per call (`?date=YYYY-MM-DD`, default today), as Aura pages its snapshot list.
pub(crate) async fn list_snapshots(
    State(app): State<AppState>,
    _: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let day = match query_param(q.as_deref(), "date") {
        Some(s) => Some(parse_day(&s)?),
        None => None,
    };
    let list = app.read(|w, now| w.snapshots_on(&id, day.unwrap_or_else(|| now.date()))).await?;
    Ok(data(StatusCode::OK, Value::Array(list)))
}

pub(crate) async fn get_snapshot(
    State(app): State<AppState>,
    _: Caller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let view = app.read(|w, _| w.snapshot(&id, &sid).map(Snapshot::view)).await?;
    Ok(data(StatusCode::OK, view))
}

pub(crate) async fn create_snapshot(State(app): State<AppState>, _: Caller, Path(id): Path<String>) -> ApiResult {
    let sid = app.mutate(|w, now| w.take_snapshot(now, &id)).await?;
    Ok(data(StatusCode::ACCEPTED, json!({ "snapshot_id": sid })))
}

pub(crate) async fn restore_snapshot(
    State(app): State<AppState>,
    _: Caller,
    Path((id, sid)): Path<(String, String)>,
) -> ApiResult {
    let timing = app.timing;
    let view = app.mutate(|w, now| w.restore(now, timing, &id, &sid)).await?;
    Ok(data(StatusCode::ACCEPTED, view))
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

fn parse_day(s: &str) -> Result<Date, ApiError> {
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map_err(|_| ApiError::invalid_field("date", format!("Invalid date {s:?}: expected YYYY-MM-DD")))
}

/// A JSON object body; an empty body counts as `{}` because several endpoints take none.
fn json_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(ApiError::invalid_request("The request body must be a JSON object")),
        Err(e) => Err(ApiError::invalid_request(format!("The request body is not valid JSON: {e}"))),
    }
}

fn required_str(obj: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    optional_str(obj, field)?.ok_or_else(|| ApiError::invalid_field(field, format!("{field} is required")))
}

fn optional_str(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(_) => Err(ApiError::invalid_field(field, format!("{field} must be a non-empty string"))),
    }
}

fn one_of(obj: &Map<String, Value>, field: &str, allowed: &[&str]) -> Result<String, ApiError> {
    let value = required_str(obj, field)?;
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(ApiError::invalid_field(field, format!("{field} must be one of: {}", allowed.join(", "))))
    }
}

fn parse_name(obj: &Map<String, Value>) -> Result<String, ApiError> {
    let name = required_str(obj, "name")?;
    if name.chars().count() > MAX_NAME_LEN {
        return Err(ApiError::invalid_field("name", format!("name must be at most {MAX_NAME_LEN} characters")));
    }
    Ok(name)
}

fn parse_new_instance(body: &Bytes) -> Result<NewInstance, ApiError> {
    let obj = json_object(body)?;
    let name = parse_name(&obj)?;
    let tenant_id = required_str(&obj, "tenant_id")?;
    let version = one_of(&obj, "version", &["4", "5"])?;
    let cloud_provider = one_of(&obj, "cloud_provider", CLOUD_PROVIDERS)?;
    let region = required_str(&obj, "region")?;
    let instance_type = one_of(&obj, "type", INSTANCE_TYPES)?;
    let memory = one_of(&obj, "memory", MEMORY_SIZES)?;
    let storage = optional_str(&obj, "storage")?;
    if let Some(s) = &storage {
        let gb = s.strip_suffix("GB").and_then(|n| n.parse::<u32>().ok());
        if !gb.is_some_and(|gb| (2..=2048).contains(&gb)) {
            return Err(ApiError::invalid_field("storage", "storage must be between 2GB and 2048GB, e.g. \"16GB\""));
        }
    }
    Ok(NewInstance {
        name,
        tenant_id,
        cloud_provider,
        region,
        instance_type,
        memory,
        storage,
        version,
        source_instance_id: optional_str(&obj, "source_instance_id")?,
        source_snapshot_id: optional_str(&obj, "source_snapshot_id")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Bytes {
        Bytes::from(v.to_string())
    }

    #[test]
    fn create_validation_names_the_field() {
        let err = parse_new_instance(&body(json!({"name": "x"}))).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("tenant_id"));
        let full = json!({"name":"x","tenant_id":"t","version":"5","cloud_provider":"gcp","region":"europe-west1",
            "type":"professional-db","memory":"3GB"});
        assert_eq!(parse_new_instance(&body(full)).unwrap_err().field.as_deref(), Some("memory"));
        assert_eq!(parse_new_instance(&Bytes::from_static(b"[1]")).unwrap_err().status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn dates_must_be_iso_days() {
        assert!(parse_day("2025-02-28").is_ok());
        assert_eq!(parse_day("28/02/2025").unwrap_err().field.as_deref(), Some("date"));
        assert!(parse_day("2025-02-30").is_err());
    }
}
