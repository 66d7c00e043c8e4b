//! The GCS-style store (`Provider: "GCP"`), as the console import protocol uses it.
//!
//! The initiate call hands out a signed start URL, `POST /objects/gcs/start/{upload}?X-Goog-Signature=…`.
//! With `x-goog-resumable: start` it answers **201** and `Location: …/objects/gcs/{session}` (a new session each
//! time). `PUT /objects/gcs/{session}` then follows the resumable protocol:
//!
//! - no `Content-Range`: the body is the whole object; `Content-Range: bytes A-B/N` or `bytes A-B/*`: a chunk;
//!   every chunk but the last must be a multiple of 256 KiB (else **400**, as GCS answers);
//! - a chunk that does not finish the object: **308** with `Range: bytes=0-K` (K+1 bytes persisted), or **no
//!   `Range` at all** while nothing is persisted; the last byte: **200** with a JSON object resource;
//! - a status query (`Content-Length: 0`, `Content-Range: bytes */N` or `bytes */*`): 308 as above, or 200 when
//!   complete (and `bytes */N` with N equal to what is persisted completes the object, as GCS does);
//! - bytes resent below the persisted offset are ignored; a chunk starting beyond it is a 400;
//! - a body cut short (a dropped connection, or the `cut_after_bytes` fault) persists what arrived **in whole
//!   256 KiB units**; the rest is discarded, so a status query may report less than was sent;
//! - a session whose object was completed by *another* session answers **403 AccessDenied** with the
//!   `storage.objects.delete` details, which `neo4j-admin` reads as "already uploaded";
//! - an unknown or cancelled session: **404**; a session older than a week, or expired through
//!   `POST /_emulator/console/expire-sessions`: **410** (or the status that call chose);
//! - `DELETE /objects/gcs/{session}` cancels it: **499**, and the session is gone.

use std::io::SeekFrom;

use axum::body::Body;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::header::{CONTENT_LENGTH, LOCATION, RANGE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::json;
use time::OffsetDateTime;
use tokio::io::{AsyncSeekExt, AsyncWriteExt, BufWriter};

use super::{
    align_down, drain, query_param, reject, Session, StoreError, Upload, UploadState, BUCKET, CHUNK_QUANTUM,
    WRITE_BUFFER,
};
use crate::model::{fmt_ts, Provider};
use crate::server::AppState;

/// The signed start URL of a GCS upload.
pub(crate) fn gcs_start_url(base: &str, upload: &Upload) -> String {
    format!(
        "{base}/objects/gcs/start/{}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Expires=604800&\
         X-Goog-SignedHeaders=content-type%3Bhost%3Bx-goog-resumable&X-Goog-Signature={}",
        upload.id, upload.signature
    )
}

/// `POST /objects/gcs/start/{upload}`: starts a resumable session.
pub(crate) async fn gcs_start(
    State(app): State<AppState>,
    UrlPath(upload_id): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let upload = match app.objects.upload(&upload_id).await {
        Some(u) if u.provider == Provider::Gcp && u.state == UploadState::Open => u,
        _ => {
            let e = StoreError::new(StatusCode::NOT_FOUND, "NoSuchUpload", "The signed URL is not valid.");
            return reject(body, e).await;
        }
    };
    let resumable = headers.get("x-goog-resumable").and_then(|v| v.to_str().ok());
    let signed = query_param(query.as_deref(), "X-Goog-Signature").is_some_and(|s| s == upload.signature);
    if !signed || !resumable.is_some_and(|v| v.trim().eq_ignore_ascii_case("start")) {
        // `x-goog-resumable` is one of the signed headers, so without it the signature does not match either.
        return reject(body, StoreError::bad_signature()).await;
    }
    drain(body).await;
    let session = app.objects.start_session(&upload.id).await;
    let location = format!("{}/objects/gcs/{}", app.base_url, session.id);
    let mut response = (StatusCode::CREATED, [(CONTENT_LENGTH, "0")]).into_response();
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            response.headers_mut().insert(LOCATION, v);
            response
        }
        Err(_) => StoreError::internal(std::io::Error::other("unrepresentable session URL")).into_response(),
    }
}

/// `DELETE /objects/gcs/{session}`: cancels a session (499, as GCS answers).
pub(crate) async fn gcs_cancel(State(app): State<AppState>, UrlPath(session_id): UrlPath<String>) -> Response {
    let guard = app.objects.lock_for(&format!("gcs:{session_id}"));
    let _held = guard.lock().await;
    if app.objects.cancel_session(&session_id).await {
        StatusCode::from_u16(499).unwrap_or(StatusCode::GONE).into_response()
    } else {
        StoreError::no_such_session().into_response()
    }
}

/// A parsed `Content-Range` of a session request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContentRange {
    /// `bytes */N` or `bytes */*`.
    Query { total: Option<u64> },
    /// `bytes A-B/N` or `bytes A-B/*`, B inclusive.
    Chunk { first: u64, last: u64, total: Option<u64> },
}

fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim();
    let rest = rest.get(..6).filter(|p| p.eq_ignore_ascii_case("bytes ")).map(|_| rest[6..].trim())?;
    let (range, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        n => Some(n.parse::<u64>().ok()?),
    };
    match range.trim() {
        "*" => Some(ContentRange::Query { total }),
        r => {
            let (a, b) = r.split_once('-')?;
            let (first, last) = (a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?);
            if first > last || total.is_some_and(|t| last >= t) {
                return None;
            }
            Some(ContentRange::Chunk { first, last, total })
        }
    }
}

/// Where a data request's bytes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Plan {
    start: u64,
    /// Exclusive end, when declared.
    end: Option<u64>,
    total: Option<u64>,
}

impl Plan {
    fn finishes(&self) -> bool {
        match (self.end, self.total) {
            (Some(end), Some(total)) => end == total,
            // A whole-object body of unknown length finishes wherever it ends.
            (None, None) => true,
            _ => false,
        }
    }
}

/// `PUT /objects/gcs/{session}`: data, or a status query.
pub(crate) async fn gcs_put(
    State(app): State<AppState>,
    UrlPath(session_id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let guard = app.objects.lock_for(&format!("gcs:{session_id}"));
    let _held = guard.lock().await;
    let (session, upload) = match app.objects.live_session(&session_id).await {
        Ok(found) => found,
        Err(e) => return reject(body, e).await,
    };
    if upload.object_session.as_ref().is_some_and(|owner| *owner != session.id) {
        return reject(body, StoreError::already_uploaded()).await;
    }
    if session.complete {
        drain(body).await;
        return object_resource(&upload, session.persisted);
    }
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let range = match headers.get("content-range").map(|v| v.to_str().ok().and_then(parse_content_range)) {
        None => None,
        Some(Some(r)) => Some(r),
        Some(None) => return reject(body, StoreError::invalid("Invalid Content-Range header.")).await,
    };
    let plan = match range {
        Some(ContentRange::Query { total }) => {
            drain(body).await;
            return status_query(&app, &session, &upload, total).await;
        }
        Some(ContentRange::Chunk { first, last, total }) => {
            if declared.is_some_and(|len| len != last - first + 1) {
                let e = StoreError::invalid("The Content-Length does not match the Content-Range.");
                return reject(body, e).await;
            }
            Plan { start: first, end: Some(last + 1), total }
        }
        None => Plan { start: 0, end: declared, total: declared },
    };
    if let (Some(known), Some(declared_total)) = (session.total, plan.total) {
        if known != declared_total {
            let e = StoreError::invalid(format!(
                "The total size {declared_total} differs from the {known} declared earlier in this upload."
            ));
            return reject(body, e).await;
        }
    }
    if plan.start > session.persisted {
        let e = StoreError::invalid(format!(
            "Invalid Content-Range: the upload has {} bytes persisted and cannot continue at byte {}.",
            session.persisted, plan.start
        ));
        return reject(body, e).await;
    }
    if let (false, Some(end)) = (plan.finishes(), plan.end) {
        let len = end - plan.start;
        if len % CHUNK_QUANTUM != 0 {
            let e = StoreError::invalid(format!(
                "Invalid request. The number of bytes uploaded is required to be equal or greater than \
                 {CHUNK_QUANTUM}, except for the final request (it's recommended to be the exact multiple of \
                 {CHUNK_QUANTUM}). The received request contained {len} bytes, which does not meet this \
                 requirement."
            ));
            return reject(body, e).await;
        }
    }
    match write_chunk(&app, &session, &upload, plan, body).await {
        Ok(response) => response,
        Err(e) => StoreError::internal(e).into_response(),
    }
}

/// The answer to `bytes */N`: where to resume, or the finished object.
async fn status_query(app: &AppState, session: &Session, upload: &Upload, total: Option<u64>) -> Response {
    if let Some(total) = total {
        if session.total.is_some_and(|known| known != total) || total < session.persisted {
            return StoreError::invalid(format!(
                "The total size {total} does not match the {} bytes of this upload.",
                session.total.unwrap_or(session.persisted)
            ))
            .into_response();
        }
        if total == session.persisted {
            return match app.objects.finalize(session, total).await {
                Ok(()) => object_resource(upload, total),
                Err(e) => StoreError::internal(e).into_response(),
            };
        }
    }
    resume_incomplete(session.persisted)
}

/// 308 Resume Incomplete, with `Range` only when something is persisted.
fn resume_incomplete(persisted: u64) -> Response {
    let mut response = (StatusCode::PERMANENT_REDIRECT, [(CONTENT_LENGTH, "0")]).into_response();
    if persisted > 0 {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", persisted - 1)) {
            response.headers_mut().insert(RANGE, v);
        }
    }
    response
}

/// 200 with the object resource, as the JSON API shows it (the XML API's body is empty; clients ignore it).
fn object_resource(upload: &Upload, size: u64) -> Response {
    let body = json!({
        "kind": "storage#object",
        "bucket": BUCKET,
        "name": format!("imports/{}", upload.id),
        "size": size.to_string(),
        "contentType": "application/octet-stream",
        "timeCreated": fmt_ts(OffsetDateTime::now_utc()),
    });
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    response.headers_mut().insert("x-goog-stored-content-length", HeaderValue::from(size));
    response
}

/// Streams a data request to the session's file and answers as GCS does.
async fn write_chunk(
    app: &AppState,
    session: &Session,
    upload: &Upload,
    plan: Plan,
    body: Body,
) -> std::io::Result<Response> {
    let path = app.objects.session_path(&session.id);
    let persisted = session.persisted;
    let mut file = tokio::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).await?;
    file.set_len(persisted).await?;
    file.seek(SeekFrom::Start(persisted)).await?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut stream = body.into_data_stream();
    // `pos` is the absolute offset of the next body byte; bytes below `persisted` are resent ones, ignored.
    let mut pos = plan.start;
    let mut broken = false;
    let mut too_long = false;
    while let Some(frame) = stream.next().await {
        let Ok(bytes) = frame else {
            broken = true;
            break;
        };
        let mut data = &bytes[..];
        if let Some(end) = plan.end {
            let room = usize::try_from(end - pos).unwrap_or(usize::MAX);
            if data.len() > room {
                too_long = true;
                data = &data[..room];
            }
        }
        let skip = usize::try_from(persisted.saturating_sub(pos)).unwrap_or(usize::MAX).min(data.len());
        pos += skip as u64;
        data = &data[skip..];
        if !data.is_empty() {
            out.write_all(data).await?;
            pos += data.len() as u64;
        }
        if too_long {
            break;
        }
    }
    out.flush().await?;
    let file = out.into_inner();
    let reached = pos.max(persisted);
    let whole = !broken && !too_long && plan.end.is_none_or(|end| pos == end);
    let total = plan.total.or(if plan.end.is_none() && whole { Some(reached) } else { None });
    if whole && plan.finishes() && total == Some(reached) {
        file.sync_all().await?;
        drop(file);
        app.objects.finalize(session, reached).await?;
        return Ok(object_resource(upload, reached));
    }
    // Not finished: only whole 256 KiB units count as persisted.
    let kept = align_down(reached).max(persisted);
    file.set_len(kept).await?;
    file.sync_all().await?;
    drop(file);
    app.objects.record_progress(&session.id, kept, plan.total).await;
    if whole {
        return Ok(resume_incomplete(kept));
    }
    let why = if too_long {
        "The request carried more data than its Content-Range."
    } else {
        "The request body ended before the declared length."
    };
    Ok(StoreError::invalid(why).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse_like_gcs_sends_them() {
        assert_eq!(parse_content_range("bytes */100"), Some(ContentRange::Query { total: Some(100) }));
        assert_eq!(parse_content_range("bytes */*"), Some(ContentRange::Query { total: None }));
        assert_eq!(
            parse_content_range("Bytes 0-262143/*"),
            Some(ContentRange::Chunk { first: 0, last: 262_143, total: None })
        );
        assert_eq!(
            parse_content_range(" bytes 10-19/20 "),
            Some(ContentRange::Chunk { first: 10, last: 19, total: Some(20) })
        );
        for bad in ["bytes 5-4/10", "bytes 0-10/10", "items 0-1/2", "bytes 0-1", "bytes x-1/2", ""] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn plans_know_when_they_finish_the_object() {
        assert!(Plan { start: 0, end: Some(10), total: Some(10) }.finishes());
        assert!(!Plan { start: 0, end: Some(10), total: Some(20) }.finishes());
        assert!(!Plan { start: 0, end: Some(10), total: None }.finishes());
        assert!(Plan { start: 0, end: None, total: None }.finishes());
    }
}
