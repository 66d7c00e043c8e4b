//! The GCS resumable upload (`docs/object-upload.md` §1, `docs/import-protocol.md` §3.5), in chunks.
//!
//! 1. `POST <signed URL>` with `x-goog-resumable: start` → 201 (the XML API) or 200 (JSON API, emulators) with
//!    the session in `Location`.
//! 2. `PUT <session>` with `Content-Range: bytes A-B/N` for each chunk (a multiple of 256 KiB but the last),
//!    streamed from the file. `308` + `Range: bytes=0-K` means K+1 bytes are persisted — possibly fewer than
//!    sent, so the next chunk always starts at K+1, never at "what we wrote"; `308` without `Range` means none.
//!    The last chunk answers 200/201.
//! 3. After **any** failure — connection reset, stall, timeout, 408/429/5xx — back off, then ask
//!    (`PUT`, `Content-Range: bytes */N`) and continue from the answer. The attempt counter starts again
//!    whenever the persisted offset advances, so only a lack of progress ends the upload.
//! 4. 403 AccessDenied "… does not have storage.objects.delete access …" means an earlier run already wrote
//!    the whole object: done. 404/410 on the session means it expired: one fresh session from byte 0, said
//!    out loud in the progress; if the signed URL itself no longer works, the caller asks the console for a new
//!    one.
//!
//! The acknowledged offset is journalled after every chunk, so a restarted app resumes here too.

use std::time::Duration;

use reqwest::header::CONTENT_LENGTH;
use url::Url;

use crate::error::UploadError;
use crate::http::{self, Answer, SendFailure};
use crate::journal::Remote;
use crate::target::check_url;
use crate::transfer::Transfer;
use lifeboat_basics::backoff::Backoff;

/// What a run of the GCS uploader did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GcsRun {
    pub sessions_started: u32,
    pub restarted_from_zero: bool,
    /// Persisted offset when sending began.
    pub resumed_from: u64,
    /// An earlier run had already written the whole object.
    pub already_uploaded: bool,
    /// Why the signed URL refused to start a session (status, storage error), when it did.
    pub refused: Option<(u16, Option<String>)>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GcsEnd {
    /// The object is complete.
    Done(GcsRun),
    /// The signed URL no longer starts sessions (expired or revoked): ask the console for a new one.
    NeedNewSignedUrl(GcsRun),
}

/// The answer to a status query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// This many bytes are persisted.
    At(u64),
    /// The object is complete.
    Complete,
    /// Another session completed the object (GCS's "no delete access" 403).
    AlreadyUploaded,
    /// The session is gone.
    Expired,
}

/// What starting a session gave.
enum Started {
    Session(String),
    AlreadyUploaded,
    Dead(u16, Option<String>),
}

/// Parses `Range: bytes=0-K` into the persisted length K+1.
pub(crate) fn persisted_from_range(range: &str) -> Option<u64> {
    let rest = range.trim().strip_prefix("bytes=")?;
    let (first, last) = rest.split_once('-')?;
    if first.trim() != "0" {
        return None;
    }
    last.trim().parse::<u64>().ok()?.checked_add(1)
}

/// Uploads the transfer's file through the session (resuming it) or a new session on `signed_url`.
///
/// `may_restart`: whether an expired session may be replaced by a fresh one from byte 0 (once per upload).
pub(crate) async fn upload(
    t: &Transfer,
    signed_url: &str,
    session: Option<String>,
    chunk: u64,
    may_restart: bool,
) -> Result<GcsEnd, UploadError> {
    let mut run = GcsRun::default();
    let mut may_restart = may_restart;
    let mut backoff = Backoff::new(t.retry);
    let mut offset = 0;
    let mut session = session;

    if let Some(url) = &session {
        match query(t, url, &mut backoff, 0).await? {
            Position::At(k) => offset = k,
            Position::Complete => {
                run.resumed_from = t.total;
                return finished(t, run).await;
            }
            Position::AlreadyUploaded => {
                run.resumed_from = t.total;
                return already(t, run).await;
            }
            Position::Expired => {
                if !may_restart {
                    return Err(UploadError::SessionExpired);
                }
                may_restart = false;
                t.reporter.note(
                    "The upload session from last time has expired, so the upload starts again from the beginning.",
                );
                run.restarted_from_zero = t.journal.snapshot().acknowledged > 0;
                session = None;
            }
        }
    }
    run.resumed_from = offset;
    let mut session = match session {
        Some(url) => url,
        None => match start(t, signed_url, &mut backoff, &mut run).await? {
            Started::Session(url) => url,
            Started::AlreadyUploaded => return already(t, run).await,
            Started::Dead(status, detail) => {
                tracing::info!(status, ?detail, "the signed URL no longer starts sessions");
                run.refused = Some((status, detail));
                return Ok(GcsEnd::NeedNewSignedUrl(run));
            }
        },
    };
    t.meter.set_acknowledged(offset);

    loop {
        if offset >= t.total {
            // Everything is persisted but the object was not finalised (or the file is empty): a status query
            // with the total completes it.
            match query(t, &session, &mut backoff, offset).await? {
                Position::Complete => return finished(t, run).await,
                Position::AlreadyUploaded => return already(t, run).await,
                Position::Expired => {
                    match restart(t, signed_url, &mut may_restart, &mut run, &mut backoff).await? {
                        Some((url, at)) => (session, offset) = (url, at),
                        None => return Ok(GcsEnd::NeedNewSignedUrl(run)),
                    }
                    continue;
                }
                Position::At(k) if k < offset => {
                    offset = k;
                    record(t, offset).await?;
                    continue;
                }
                Position::At(_) => {
                    return Err(UploadError::Protocol {
                        step: "upload",
                        detail: "the storage holds every byte but does not complete the object".into(),
                    })
                }
            }
        } else {
            t.check_file().await?;
            let len = chunk.min(t.total - offset);
            let result = send_chunk(t, &session, offset, len).await?;
            let (why, retry_after) = match result {
                Ok(a) => match a.status {
                    308 => {
                        let persisted = match a.header("range") {
                            Some(r) => parse_range(r)?,
                            // No Range means nothing is persisted. Throwing away acknowledged progress on one
                            // answer's word is costly, so a status query confirms it first.
                            None if offset + len > 0 => match query(t, &session, &mut backoff, offset).await? {
                                Position::At(k) => k,
                                Position::Complete => return finished(t, run).await,
                                Position::AlreadyUploaded => return already(t, run).await,
                                Position::Expired => {
                                    match restart(t, signed_url, &mut may_restart, &mut run, &mut backoff).await? {
                                        Some((url, at)) => (session, offset) = (url, at),
                                        None => return Ok(GcsEnd::NeedNewSignedUrl(run)),
                                    }
                                    continue;
                                }
                            },
                            None => 0,
                        };
                        if persisted > offset + len {
                            // Claiming bytes we never sent would leave a hole in the object.
                            return Err(UploadError::Protocol {
                                step: "upload",
                                detail: format!("the storage acknowledged {persisted} bytes of {}", offset + len),
                            });
                        }
                        if persisted > offset {
                            offset = advance(t, &mut backoff, persisted).await?;
                            continue;
                        }
                        if persisted < offset {
                            t.reporter.note(format!(
                                "The storage kept less than it had confirmed before; continuing from {}.",
                                Transfer::mib(persisted)
                            ));
                            offset = persisted;
                            record(t, offset).await?;
                        }
                        ("the storage kept none of the last chunk".to_string(), None)
                    }
                    200 | 201 => {
                        check_final_size(&a, t.total)?;
                        return finished(t, run).await;
                    }
                    status if http::already_uploaded(status, &a.text()) => return already(t, run).await,
                    404 | 410 => {
                        match restart(t, signed_url, &mut may_restart, &mut run, &mut backoff).await? {
                            Some((url, at)) => (session, offset) = (url, at),
                            None => return Ok(GcsEnd::NeedNewSignedUrl(run)),
                        }
                        continue;
                    }
                    // 400: e.g. the chunk's start no longer matches what is persisted; a query resyncs us.
                    status if http::transient(status) || status == 400 => (describe_status(&a), a.retry_after()),
                    status => {
                        return Err(UploadError::StorageRejected {
                            status,
                            detail: http::xml_error(&a.text()),
                            resumable: false,
                        })
                    }
                },
                Err(failure) => (failure.describe(), None),
            };
            // Failure: make sure it wasn't the file changing under us, back off, then ask where we stand.
            t.check_file().await?;
            let wait = give_up_or_wait(t, &mut backoff, retry_after, &why, offset)?;
            t.pause(
                wait,
                format!(
                    "The upload was interrupted ({why}); continuing from the last stored byte in {}.",
                    http::seconds(wait)
                ),
            )
            .await;
        }
        match query(t, &session, &mut backoff, offset).await? {
            Position::At(k) if k > offset => offset = advance(t, &mut backoff, k).await?,
            Position::At(k) => {
                if k < offset {
                    offset = k;
                    record(t, offset).await?;
                }
            }
            Position::Complete => return finished(t, run).await,
            Position::AlreadyUploaded => return already(t, run).await,
            Position::Expired => match restart(t, signed_url, &mut may_restart, &mut run, &mut backoff).await? {
                Some((url, at)) => (session, offset) = (url, at),
                None => return Ok(GcsEnd::NeedNewSignedUrl(run)),
            },
        }
    }
}

fn describe_status(a: &Answer) -> String {
    match http::xml_error(&a.text()) {
        Some(detail) => format!("HTTP {}: {detail}", a.status),
        None => format!("HTTP {}", a.status),
    }
}

fn parse_range(range: &str) -> Result<u64, UploadError> {
    persisted_from_range(range).ok_or_else(|| UploadError::Protocol {
        step: "upload",
        detail: format!("the storage answered an unreadable Range header ({range:?})"),
    })
}

/// The final answer's object resource (JSON API) states the object's size: it must be the file's.
fn check_final_size(a: &Answer, total: u64) -> Result<(), UploadError> {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&a.body) else { return Ok(()) };
    let size = match v.get("size") {
        Some(serde_json::Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    match size {
        Some(size) if size != total => Err(UploadError::Protocol {
            step: "upload",
            detail: format!("the storage holds {size} bytes but the file has {total}"),
        }),
        _ => Ok(()),
    }
}

fn give_up_or_wait(
    t: &Transfer,
    backoff: &mut Backoff,
    retry_after: Option<Duration>,
    why: &str,
    offset: u64,
) -> Result<Duration, UploadError> {
    backoff.failed(retry_after).ok_or_else(|| UploadError::UploadStalled {
        attempts: backoff.failures(),
        last: why.to_string(),
        acknowledged_mib: offset as f64 / (1024.0 * 1024.0),
        total_mib: t.total as f64 / (1024.0 * 1024.0),
        resumable: false,
    })
}

/// Progress: the counter of attempts without progress starts again, and the journal records the offset.
async fn advance(t: &Transfer, backoff: &mut Backoff, persisted: u64) -> Result<u64, UploadError> {
    backoff.progressed();
    let persisted = persisted.min(t.total);
    record(t, persisted).await?;
    Ok(persisted)
}

async fn record(t: &Transfer, offset: u64) -> Result<(), UploadError> {
    t.meter.set_acknowledged(offset);
    t.journal.update(move |r| r.acknowledged = offset).await
}

async fn finished(t: &Transfer, run: GcsRun) -> Result<GcsEnd, UploadError> {
    record(t, t.total).await?;
    Ok(GcsEnd::Done(run))
}

async fn already(t: &Transfer, mut run: GcsRun) -> Result<GcsEnd, UploadError> {
    t.reporter.note("The storage already holds the complete file from an earlier attempt; going on to the import.");
    run.already_uploaded = true;
    finished(t, run).await
}

/// Replaces an expired session with a fresh one from byte 0 (once). `None`: the signed URL is dead too.
async fn restart(
    t: &Transfer,
    signed_url: &str,
    may_restart: &mut bool,
    run: &mut GcsRun,
    backoff: &mut Backoff,
) -> Result<Option<(String, u64)>, UploadError> {
    if !*may_restart {
        return Err(UploadError::SessionExpired);
    }
    *may_restart = false;
    t.reporter.note(format!(
        "The upload session expired, so the upload starts again from the beginning ({} will be sent again).",
        Transfer::mib(t.meter.acknowledged())
    ));
    run.restarted_from_zero = true;
    record(t, 0).await?;
    match start(t, signed_url, backoff, run).await? {
        Started::Session(url) => Ok(Some((url, 0))),
        // Nothing of a new session can be complete; treat the 403 as the dead URL it would be.
        Started::AlreadyUploaded => Ok(None),
        Started::Dead(status, detail) => {
            tracing::info!(status, ?detail, "the signed URL no longer starts sessions");
            run.refused = Some((status, detail));
            Ok(None)
        }
    }
}

/// `POST <signed URL>` with `x-goog-resumable: start`; journals the session.
async fn start(
    t: &Transfer,
    signed_url: &str,
    backoff: &mut Backoff,
    run: &mut GcsRun,
) -> Result<Started, UploadError> {
    loop {
        let req =
            t.http.post(signed_url).header("x-goog-resumable", "start").header(CONTENT_LENGTH, "0").body(Vec::new());
        let result = http::send_small(req, &t.timeouts).await;
        let (why, retry_after) = match result {
            Ok(a) if a.status == 200 || a.status == 201 => {
                let location = a.header("location").ok_or_else(|| UploadError::Protocol {
                    step: "upload",
                    detail: "the storage started a session without saying where (no Location)".into(),
                })?;
                // Location is normally absolute; resolve a relative one against the URL we posted to.
                let url = Url::parse(signed_url)
                    .and_then(|base| base.join(location))
                    .map_err(|_| UploadError::Protocol { step: "upload", detail: "an unreadable Location".into() })?;
                let url = check_url(url.as_str(), "upload")?.to_string();
                run.sessions_started += 1;
                let (session, signed) = (url.clone(), signed_url.to_string());
                t.journal
                    .update(move |r| {
                        r.remote = Some(Remote::Gcp { signed_url: signed, session_url: Some(session) });
                        r.sessions_started += 1;
                        r.acknowledged = 0;
                    })
                    .await?;
                return Ok(Started::Session(url));
            }
            Ok(a) if http::already_uploaded(a.status, &a.text()) => return Ok(Started::AlreadyUploaded),
            Ok(a) if http::transient(a.status) => (describe_status(&a), a.retry_after()),
            Ok(a) => return Ok(Started::Dead(a.status, http::xml_error(&a.text()))),
            Err(f) => (f.describe(), None),
        };
        let wait = give_up_or_wait(t, backoff, retry_after, &why, 0)?;
        t.pause(wait, format!("Starting the upload failed ({why}); trying again in {}.", http::seconds(wait))).await;
    }
}

/// `PUT` one chunk, `[offset, offset + len)`, under the stall watchdog. The outer error is for the file (it
/// could not be opened); the inner one is the request's.
async fn send_chunk(
    t: &Transfer,
    session: &str,
    offset: u64,
    len: u64,
) -> Result<Result<Answer, SendFailure>, UploadError> {
    let meter = t.meter.request();
    let body =
        http::file_range(&t.file, offset, len, meter.clone()).await.map_err(|e| UploadError::file_io(&t.file, &e))?;
    let req = t
        .http
        .put(session)
        .header(CONTENT_LENGTH, len)
        .header("Content-Range", format!("bytes {}-{}/{}", offset, offset + len - 1, t.total))
        .body(body);
    Ok(http::send_watched(req, &meter, len, &t.timeouts).await)
}

/// `PUT`, `Content-Range: bytes */N`: where does the session stand? Transient failures are retried under the
/// same attempt counter as the chunks (so "chunk fails → query → chunk fails" cannot loop forever).
async fn query(t: &Transfer, session: &str, backoff: &mut Backoff, offset: u64) -> Result<Position, UploadError> {
    loop {
        let req = t
            .http
            .put(session)
            .header(CONTENT_LENGTH, "0")
            .header("Content-Range", format!("bytes */{}", t.total))
            .body(Vec::new());
        let (why, retry_after) = match http::send_small(req, &t.timeouts).await {
            Ok(a) => match a.status {
                308 => {
                    return Ok(Position::At(match a.header("range") {
                        Some(r) => parse_range(r)?,
                        None => 0,
                    }))
                }
                200 | 201 => {
                    check_final_size(&a, t.total)?;
                    return Ok(Position::Complete);
                }
                404 | 410 => return Ok(Position::Expired),
                status if http::already_uploaded(status, &a.text()) => return Ok(Position::AlreadyUploaded),
                status if http::transient(status) => (describe_status(&a), a.retry_after()),
                status => {
                    return Err(UploadError::StorageRejected {
                        status,
                        detail: http::xml_error(&a.text()),
                        resumable: false,
                    })
                }
            },
            Err(f) => (f.describe(), None),
        };
        let wait = give_up_or_wait(t, backoff, retry_after, &why, offset)?;
        t.pause(
            wait,
            format!(
                "Asking the storage where the upload stands failed ({why}); trying again in {}.",
                http::seconds(wait)
            ),
        )
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_headers_give_the_persisted_length() {
        assert_eq!(persisted_from_range("bytes=0-0"), Some(1));
        assert_eq!(persisted_from_range("bytes=0-262143"), Some(262_144));
        assert_eq!(persisted_from_range(" bytes=0-5767174 "), Some(5_767_175));
        for bad in ["bytes=1-5", "0-5", "bytes=0-", "bytes=0-x", "items=0-4", "bytes=0-18446744073709551615"] {
            assert_eq!(persisted_from_range(bad), None, "{bad}");
        }
    }
}
