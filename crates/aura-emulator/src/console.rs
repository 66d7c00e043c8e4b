//! The console import API spoken by `neo4j-admin database upload`, under `/console`:
//!
//! | Method | Path | Answer |
//! |---|---|---|
//! | POST | `/console/v1/databases/{dbid}/import/auth` | 200 `{"Token"}`; 401, 403, 404, 409 |
//! | POST | `/console/v1/databases/{dbid}/import/size` | 200 `{}`; 422 `ImportExceedsMaxSize` |
//! | POST | `/console/v2/databases/{dbid}/import` | 202 `{SignedURI, Provider:"GCP"}` or `{SignedLinks, UploadID, TotalParts, Provider:"AWS"}` |
//! | POST | `/console/v1/databases/{dbid}/import` | 202 `{SignedURI, Provider:"GCP"}` (older clients; always GCS) |
//! | POST | `/console/v1/databases/{dbid}/import/multipart-upload-status` | 200 `{Parts:[{PartNumber,ETag}], UploadID, Provider}` |
//! | POST | `/console/v1/databases/{dbid}/import/upload-complete` | 200 `{}`; 400, 409 |
//! | GET | `/console/v1/databases/{dbid}/import/status` | 200 `{Status, Error?, Progress?}` |
//!
//! Auth takes `Authorization: Basic` with the instance's database credentials (the ones the Query API checks) and
//! the `Confirmed` header; it answers a bearer token, valid for an hour (real time) on that instance only, which
//! every other call needs (401 otherwise; `POST /_emulator/tokens/expire` expires these too). Error bodies are
//! `{"Message","Reason","Url"?}`. An unknown instance is a 404 before anything else is checked.
//!
//! Request bodies are parsed leniently: unknown fields are ignored, and every client generation's initiate body
//! is accepted (`{Crc32, DumpSize, FullSize}`, `{Crc32, FullSize}`, `{Crc32, DumpSize}`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::distr::{Alphanumeric, SampleString};
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use crate::auth::basic_credentials;
use crate::error::ConsoleError;
use crate::import::{ImportStart, SUPPORT_URL};
use lifeboat_archive::{Loadable, Refusal};

use crate::model::{GraphCounts, ImportError, ImportVerdict, Provider, World};
use crate::objects::{self, NewUpload, DEFAULT_PART_SIZE};
use crate::scan;
use crate::server::{lock, AppState};

/// Lifetime of a console token.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// What a console token stands for.
#[derive(Clone, Debug)]
pub(crate) struct ConsoleToken {
    dbid: String,
    consent: bool,
    expires_at: Instant,
}

/// Issued console tokens (in memory: a restart invalidates them, and clients authenticate again).
#[derive(Default)]
pub(crate) struct ConsoleTokens {
    issued: Mutex<HashMap<String, ConsoleToken>>,
}

impl ConsoleTokens {
    fn issue(&self, dbid: &str, consent: bool) -> String {
        let token = Alphanumeric.sample_string(&mut rand::rng(), 48);
        let now = Instant::now();
        let mut issued = lock(&self.issued);
        issued.retain(|_, t| t.expires_at + TOKEN_LIFETIME > now);
        issued
            .insert(token.clone(), ConsoleToken { dbid: dbid.to_string(), consent, expires_at: now + TOKEN_LIFETIME });
        token
    }

    /// The live token of `Authorization: Bearer …` for `dbid`.
    fn check(&self, headers: &HeaderMap, dbid: &str) -> Result<ConsoleToken, ConsoleError> {
        let invalid = || ConsoleError::unauthorized("The given authorization token is invalid or has expired");
        let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(invalid)?;
        let token = match header.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => return Err(invalid()),
        };
        let issued = lock(&self.issued);
        match issued.get(token) {
            Some(t) if t.expires_at > Instant::now() && t.dbid == dbid => Ok(t.clone()),
            _ => Err(invalid()),
        }
    }

    /// Expires every console token now; returns how many were live.
    pub fn expire_all(&self) -> usize {
        let now = Instant::now();
        let mut issued = lock(&self.issued);
        let mut live = 0;
        for t in issued.values_mut().filter(|t| t.expires_at > now) {
            t.expires_at = now;
            live += 1;
        }
        live
    }
}

type ConsoleResult = Result<Response, ConsoleError>;

/// Reads the world with a console-shaped error.
async fn read<R>(
    app: &AppState,
    f: impl FnOnce(&World, OffsetDateTime) -> Result<R, ConsoleError>,
) -> Result<R, ConsoleError> {
    app.read(|w, now| Ok(f(w, now))).await?
}

/// Changes the world with a console-shaped error (the console rules change nothing when they fail).
async fn mutate<R>(
    app: &AppState,
    f: impl FnOnce(&mut World, OffsetDateTime) -> Result<R, ConsoleError>,
) -> Result<R, ConsoleError> {
    app.mutate(|w, now| Ok(f(w, now))).await?
}

/// 404 for an unknown instance, then the token.
async fn authorised(app: &AppState, headers: &HeaderMap, dbid: &str) -> Result<ConsoleToken, ConsoleError> {
    read(app, |w, _| w.console_instance(dbid).map(|_| ())).await?;
    app.console_tokens.check(headers, dbid)
}

fn json_body(body: &Bytes) -> Result<Map<String, Value>, ConsoleError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(ConsoleError::bad_request("InvalidRequest", "The request body must be a JSON object")),
        Err(e) => Err(ConsoleError::bad_request("InvalidRequest", format!("The request body is not valid JSON: {e}"))),
    }
}

/// A non-negative integer field (also accepted as a numeric string).
fn number(obj: &Map<String, Value>, field: &str) -> Result<Option<u64>, ConsoleError> {
    let invalid = || ConsoleError::bad_request("InvalidRequest", format!("{field} must be a non-negative integer"));
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(invalid),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| invalid()),
        Some(_) => Err(invalid()),
    }
}

fn required_number(obj: &Map<String, Value>, field: &str) -> Result<u64, ConsoleError> {
    number(obj, field)?.ok_or_else(|| ConsoleError::bad_request("InvalidRequest", format!("{field} is required")))
}

fn crc32_field(obj: &Map<String, Value>) -> Result<u32, ConsoleError> {
    u32::try_from(required_number(obj, "Crc32")?)
        .map_err(|_| ConsoleError::bad_request("InvalidRequest", "Crc32 must be an unsigned 32-bit value"))
}

/// `POST /console/v1/databases/{dbid}/import/auth`.
pub(crate) async fn auth(State(app): State<AppState>, Path(dbid): Path<String>, headers: HeaderMap) -> ConsoleResult {
    read(&app, |w, _| w.console_instance(&dbid).map(|_| ())).await?;
    let (user, password) = basic_credentials(&headers)
        .ok_or_else(|| ConsoleError::unauthorized("Invalid username/password credentials"))?;
    let consent =
        headers.get("confirmed").and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    read(&app, |w, now| w.console_login(now, &dbid, &user, &password, consent)).await?;
    let token = app.console_tokens.issue(&dbid, consent);
    Ok(Json(json!({ "Token": token })).into_response())
}

/// `POST /console/v1/databases/{dbid}/import/size`.
pub(crate) async fn size(
    State(app): State<AppState>,
    Path(dbid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ConsoleResult {
    authorised(&app, &headers, &dbid).await?;
    let full_size = required_number(&json_body(&body)?, "FullSize")?;
    read(&app, |w, _| w.check_fits(&dbid, full_size)).await?;
    Ok(Json(json!({})).into_response())
}

/// `POST /console/v2/databases/{dbid}/import`.
pub(crate) async fn initiate_v2(
    State(app): State<AppState>,
    Path(dbid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ConsoleResult {
    initiate(app, dbid, headers, body, false).await
}

/// `POST /console/v1/databases/{dbid}/import`: the 3.5/4.4/early-5.x initiate, which only reads `SignedURI`.
pub(crate) async fn initiate_v1(
    State(app): State<AppState>,
    Path(dbid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ConsoleResult {
    initiate(app, dbid, headers, body, true).await
}

async fn initiate(app: AppState, dbid: String, headers: HeaderMap, body: Bytes, legacy: bool) -> ConsoleResult {
    authorised(&app, &headers, &dbid).await?;
    let obj = json_body(&body)?;
    let crc32 = crc32_field(&obj)?;
    let dump_size = number(&obj, "DumpSize")?;
    let full_size = match (number(&obj, "FullSize")?, dump_size) {
        (Some(full), _) => full,
        (None, Some(dump)) => dump,
        (None, None) => return Err(ConsoleError::bad_request("InvalidRequest", "FullSize or DumpSize is required")),
    };
    let (provider, part_size) = read(&app, |w, _| {
        w.check_fits(&dbid, full_size)?;
        let inst = w.ready_for_import(&dbid)?;
        let provider = if legacy {
            Provider::Gcp
        } else {
            w.console.provider.unwrap_or_else(|| Provider::for_cloud(&inst.cloud_provider))
        };
        Ok((provider, w.console.part_size.unwrap_or(DEFAULT_PART_SIZE)))
    })
    .await?;
    let upload = app
        .objects
        .initiate(NewUpload { instance_id: dbid.clone(), provider, crc32, dump_size, full_size, part_size })
        .await;
    let expires = OffsetDateTime::now_utc() + time::Duration::days(7);
    let expiration = expires
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap_or_default();
    let body = match provider {
        Provider::Gcp => json!({
            "SignedURI": objects::gcs_start_url(&app.base_url, &upload),
            "Provider": provider.wire(),
            "expiration_date": expiration,
        }),
        Provider::Aws => {
            // A re-run gets the links from the first missing part on (the client counts them from the end).
            let first = upload.first_missing_part().unwrap_or(upload.total_parts + 1);
            let links: Vec<String> =
                (first..=upload.total_parts).map(|p| objects::s3_part_url(&app.base_url, &upload, p)).collect();
            json!({
                "SignedLinks": links,
                "UploadID": upload.id,
                "TotalParts": upload.total_parts,
                "Provider": provider.wire(),
                "expiration_date": expiration,
            })
        }
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

fn upload_not_found() -> ConsoleError {
    ConsoleError::new(StatusCode::NOT_FOUND, "UploadNotFound", "No multipart upload with this UploadID is in progress")
}

/// `POST /console/v1/databases/{dbid}/import/multipart-upload-status`.
pub(crate) async fn multipart_status(
    State(app): State<AppState>,
    Path(dbid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ConsoleResult {
    authorised(&app, &headers, &dbid).await?;
    let obj = json_body(&body)?;
    let upload_id = obj.get("UploadID").and_then(Value::as_str).ok_or_else(upload_not_found)?;
    let upload = app.objects.upload(upload_id).await.ok_or_else(upload_not_found)?;
    if upload.instance_id != dbid
        || upload.provider != Provider::Aws
        || upload.expired
        || upload.state != objects::UploadState::Open
    {
        return Err(upload_not_found());
    }
    let parts: Vec<Value> = upload.parts.iter().map(|(n, p)| json!({ "PartNumber": n, "ETag": p.etag })).collect();
    Ok(Json(json!({ "Parts": parts, "UploadID": upload.id, "Provider": upload.provider.wire() })).into_response())
}

/// `POST /console/v1/databases/{dbid}/import/upload-complete`.
pub(crate) async fn upload_complete(
    State(app): State<AppState>,
    Path(dbid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ConsoleResult {
    let token = authorised(&app, &headers, &dbid).await?;
    read(&app, |w, now| w.check_consent(now, &dbid, token.consent)).await?;
    let obj = json_body(&body)?;
    let crc32 = crc32_field(&obj)?;
    let upload = app.objects.open_upload(&dbid, crc32).await.ok_or_else(|| {
        ConsoleError::bad_request("UnknownUpload", format!("No upload with Crc32 {crc32} was initiated for {dbid}"))
    })?;
    if upload.provider == Provider::Aws {
        check_listed_parts(&obj, &upload)?;
    }
    if let Err(why) = app.objects.object_files(&upload) {
        return Err(ConsoleError::bad_request("UploadIncomplete", why));
    }
    let timing = app.timing;
    let started = mutate(&app, |w, now| w.start_import(now, timing, &dbid, &upload.id, upload.full_size)).await?;
    app.objects.consume(&upload.id).await;
    match started {
        ImportStart::Queued { decided: false } => spawn_verification(app.clone(), dbid, upload.id),
        ImportStart::Queued { decided: true } | ImportStart::NeverStarts => app.objects.discard(&upload.id).await,
    }
    Ok(Json(json!({})).into_response())
}

/// S3's CompleteMultipartUpload checks: the listed parts (when given) must be the stored ones.
fn check_listed_parts(obj: &Map<String, Value>, upload: &objects::Upload) -> Result<(), ConsoleError> {
    if let Some(id) = obj.get("UploadID").and_then(Value::as_str) {
        if id != upload.id {
            return Err(ConsoleError::bad_request("InvalidPart", "The UploadID is not the one of this import"));
        }
    }
    let Some(parts) = obj.get("Parts").and_then(Value::as_array) else { return Ok(()) };
    for part in parts {
        let number = part.get("PartNumber").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
        let etag = part.get("ETag").and_then(Value::as_str);
        let stored = number.and_then(|n| upload.parts.get(&n));
        if stored.is_none_or(|p| etag.is_none_or(|e| e.trim_matches('"') != p.etag.trim_matches('"'))) {
            return Err(ConsoleError::bad_request(
                "InvalidPart",
                format!("One or more of the specified parts could not be found: {part}"),
            ));
        }
    }
    Ok(())
}

/// `GET /console/v1/databases/{dbid}/import/status`.
pub(crate) async fn status(State(app): State<AppState>, Path(dbid): Path<String>, headers: HeaderMap) -> ConsoleResult {
    authorised(&app, &headers, &dbid).await?;
    let view = read(&app, |w, now| w.import_status(&dbid, now)).await?;
    Ok(Json(view).into_response())
}

/// Checks an uploaded archive in the background and hands the verdict to the waiting import; then its files go.
pub(crate) fn spawn_verification(app: AppState, dbid: String, upload_id: String) {
    tokio::spawn(async move {
        let stop = app.stop.clone();
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = verify(&app, &dbid, &upload_id) => {}
        }
    });
}

async fn verify(app: &AppState, dbid: &str, upload_id: &str) {
    let files = match app.objects.upload(upload_id).await {
        Some(upload) => app.objects.object_files(&upload).ok().map(|f| (f, upload.crc32)),
        None => None,
    };
    // The instance's Neo4j version decides which dumps it can load.
    let version = app.read(|w, _| Ok(w.instance(dbid)?.version.clone())).await.unwrap_or_default();
    let verdict = match files {
        None => {
            failure("UploadMissing", "The uploaded file is no longer available. Please upload it again.".to_string())
        }
        Some((files, expected)) => {
            match tokio::task::spawn_blocking(move || check_archive(&files, expected, &version)).await {
                Ok(Ok(verdict)) => verdict,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "cannot read an uploaded archive");
                    failure("InternalError", format!("The uploaded file could not be read: {e}"))
                }
                Err(e) => failure("InternalError", format!("The uploaded file could not be checked: {e}")),
            }
        }
    };
    let _ = app.mutate(|w, _| Ok(w.set_import_verdict(dbid, upload_id, verdict))).await;
    app.objects.discard(upload_id).await;
}

fn failure(reason: &str, message: String) -> ImportVerdict {
    ImportVerdict::Failed { error: ImportError { message, reason: reason.into(), url: SUPPORT_URL.into() } }
}

/// Loads an uploaded archive as Aura would, in three steps:
///
/// 1. its CRC32 must be the one given when the upload was initiated (a mismatch fails the load);
/// 2. the store must be one the instance's Neo4j can load ([`lifeboat_archive::aura_loads`]: no 3.x dump
///    anywhere, no 4.0–4.3 dump into Neo4j 5, no 5 dump into 4) — a dump whose version can't be read is tried;
/// 3. the restored database holds what the archive says: the counts marker of a generated archive, else the
///    node and relationship records its store holds, else counts that are not known. Never a number made up.
///
/// The `loading failed` texts for a refused version are the emulator's own (real Aura's wording for them isn't
/// public); the reason code is `UnsupportedStoreVersion`.
fn check_archive(files: &[std::path::PathBuf], expected: u32, version: &str) -> std::io::Result<ImportVerdict> {
    let (actual, _) = scan::crc32_of(files)?;
    if actual != expected {
        return Ok(failure(
            "ChecksumMismatch",
            format!(
                "The uploaded file is corrupt: its CRC32 is {actual}, not the {expected} given when the upload was \
                 initiated. Please upload it again."
            ),
        ));
    }
    let marker = scan::find_counts(files)?;
    // With a marker only the version is needed, and that is read near the start of the store.
    let store = lifeboat_archive::read_store(scan::Concat::new(files), marker.is_none())?.unwrap_or_default();
    if let Some(refusal) = store.releases.and_then(|r| refusal(r, version)) {
        return Ok(refusal);
    }
    let counts = match (marker, store.counts) {
        (Some(counts), _) => counts,
        (None, Some(c)) => GraphCounts::new(c.nodes, c.relationships),
        (None, None) => GraphCounts::UNKNOWN,
    };
    Ok(ImportVerdict::Loaded { counts })
}

/// The `loading failed` verdict for a dump an instance running Neo4j `version` can't load, if it can't.
fn refusal(dump: lifeboat_archive::Releases, version: &str) -> Option<ImportVerdict> {
    let major: u32 = version.trim().split('.').next().and_then(|m| m.parse().ok())?;
    let target = if major >= 5 { 5 } else { u8::try_from(major).ok()? };
    let name = dump.name();
    let message = match lifeboat_archive::aura_loads(dump, target) {
        Loadable::Yes | Loadable::NotKnown => return None,
        Loadable::No(Refusal::Neo4j3) => format!(
            "The uploaded dump was made with Neo4j {name}, which Neo4j Aura can't load. Migrate it through Neo4j \
             4.4 first: load it into Neo4j 4.4, dump it again, and upload that dump."
        ),
        Loadable::No(Refusal::Before4_4) => format!(
            "The uploaded dump was made with Neo4j {name}. This database runs Neo4j {version}, which only loads \
             dumps from Neo4j 4.4 or later. Load the dump into Neo4j 4.4, dump it again, and upload that dump."
        ),
        Loadable::No(Refusal::Newer) => format!(
            "The uploaded dump was made with Neo4j {name}, newer than the Neo4j {version} this database runs. \
             Upload a dump made with Neo4j {version}."
        ),
    };
    Some(failure("UnsupportedStoreVersion", message))
}
