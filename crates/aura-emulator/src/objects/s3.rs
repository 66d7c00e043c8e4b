//! The S3-style store (`Provider: "AWS"`), as the console import protocol uses it.
//!
//! The initiate call hands out one pre-signed URL per part, `PUT /objects/s3/{upload}/{part}?partNumber=…&
//! uploadId=…&X-Amz-Signature=…`. A complete body is stored atomically as that part (a re-upload replaces it) and
//! answered **200** with an `ETag`; a cut body stores nothing. An expired or finished upload answers **404
//! NoSuchUpload**. Parts are listed by the console's `multipart-upload-status` and assembled, in part order, at
//! `upload-complete`.

use std::path::Path;

use axum::body::Body;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::header::ETAG;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use rand::distr::{Alphanumeric, SampleString};
use tokio::io::{AsyncWriteExt, BufWriter};

use super::{query_param, reject, remove_quietly, Part, StoreError, Upload, UploadState, WRITE_BUFFER};
use crate::model::Provider;
use crate::server::AppState;

/// The pre-signed URL of one S3 part.
pub(crate) fn s3_part_url(base: &str, upload: &Upload, part: u32) -> String {
    format!(
        "{base}/objects/s3/{id}/{part}?partNumber={part}&uploadId={id}&X-Amz-Algorithm=AWS4-HMAC-SHA256&\
         X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Signature={sig}",
        id = upload.id,
        sig = upload.signature
    )
}

/// `PUT /objects/s3/{upload}/{part}`: stores one part.
pub(crate) async fn s3_put(
    State(app): State<AppState>,
    UrlPath((upload_id, part)): UrlPath<(String, String)>,
    RawQuery(query): RawQuery,
    body: Body,
) -> Response {
    let no_such_upload = || {
        StoreError::new(
            StatusCode::NOT_FOUND,
            "NoSuchUpload",
            "The specified upload does not exist. The upload ID may be invalid, or the upload may have been \
             aborted or completed.",
        )
    };
    let upload = match app.objects.upload(&upload_id).await {
        Some(u) if u.provider == Provider::Aws && u.state == UploadState::Open && !u.expired => u,
        _ => return reject(body, no_such_upload()).await,
    };
    let signed = query_param(query.as_deref(), "X-Amz-Signature").is_some_and(|s| s == upload.signature);
    let same_id = query_param(query.as_deref(), "uploadId").is_none_or(|id| id == upload.id);
    if !signed || !same_id {
        return reject(body, StoreError::bad_signature()).await;
    }
    let number = match part.parse::<u32>() {
        Ok(n) if (1..=upload.total_parts).contains(&n) => n,
        _ => {
            let e = StoreError::invalid(format!(
                "Part number must be an integer between 1 and {}, inclusive",
                upload.total_parts
            ));
            return reject(body, e).await;
        }
    };
    if query_param(query.as_deref(), "partNumber").is_some_and(|p| p != number.to_string()) {
        return reject(body, StoreError::bad_signature()).await;
    }
    let guard = app.objects.lock_for(&format!("s3:{upload_id}:{number}"));
    let _held = guard.lock().await;
    let dir = app.objects.parts_dir(&upload_id);
    let tmp = dir.join(format!(".{number}-{}.tmp", Alphanumeric.sample_string(&mut rand::rng(), 8)));
    let stored = store_part(&dir, &tmp, body).await;
    let (size, crc) = match stored {
        Ok(Some(done)) => done,
        Ok(None) => {
            remove_quietly(&tmp).await;
            let e = StoreError::new(
                StatusCode::BAD_REQUEST,
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length HTTP header.",
            );
            return e.into_response();
        }
        Err(e) => {
            remove_quietly(&tmp).await;
            return StoreError::internal(e).into_response();
        }
    };
    if let Err(e) = tokio::fs::rename(&tmp, app.objects.part_path(&upload_id, number)).await {
        remove_quietly(&tmp).await;
        return StoreError::internal(e).into_response();
    }
    // S3's ETag is the part's MD5; this one has the same shape (32 hex digits, quoted) but is CRC32 and size.
    let etag = format!("\"{crc:08x}{size:024x}\"");
    if !app.objects.record_part(&upload_id, number, Part { size, etag: etag.clone() }).await {
        return no_such_upload().into_response();
    }
    let mut response = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(ETAG, v);
    }
    response
}

/// Streams a part to `tmp`; `None` when the body broke off.
async fn store_part(dir: &Path, tmp: &Path, body: Body) -> std::io::Result<Option<(u64, u32)>> {
    tokio::fs::create_dir_all(dir).await?;
    let file = tokio::fs::File::create(tmp).await?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut hasher = crc32fast::Hasher::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(frame) = stream.next().await {
        let Ok(bytes) = frame else { return Ok(None) };
        hasher.update(&bytes);
        out.write_all(&bytes).await?;
        size += bytes.len() as u64;
    }
    out.flush().await?;
    out.into_inner().sync_all().await?;
    Ok(Some((size, hasher.finalize())))
}
