//! The S3 pre-signed multipart upload (`docs/import-protocol.md` §3.6), with parts in parallel.
//!
//! Part `i` (0-based) is bytes `[i·size, (i+1)·size)` with `size = ceil(fileSize / TotalParts)`; the console
//! may hand out only the links of the parts still missing, counted from the end (`first = TotalParts −
//! len(SignedLinks)`). Up to `parallel` parts are in flight at once (a [`Semaphore`] bounds them), each
//! streamed from the file at its offset with a fixed `Content-Length` — so memory is `parallel` read buffers,
//! whatever the part size — and each retried on its own with backoff (S3 keeps nothing of a broken part, so a
//! retry re-sends that part, and only that part). Every acknowledged part is journalled. At the end the
//! console's part listing is the truth that upload-complete is built from.

use std::collections::BTreeMap;
use std::sync::Arc;

use reqwest::header::CONTENT_LENGTH;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::console::{Console, ListedPart};
use crate::error::UploadError;
use crate::http;
use crate::journal::{PartDone, Remote};
use crate::transfer::Transfer;
use lifeboat_basics::backoff::Backoff;

/// The multipart upload the console set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct S3Plan {
    pub upload_id: String,
    pub total_parts: u32,
    /// Index of the part `links[0]` is for.
    pub first_index: u32,
    pub links: Vec<String>,
}

impl S3Plan {
    /// The byte range `(offset, len)` of part index `i`.
    pub fn range(&self, total: u64, i: u32) -> (u64, u64) {
        if self.total_parts <= 1 {
            return (0, total);
        }
        let size = total.div_ceil(u64::from(self.total_parts));
        let offset = (u64::from(i) * size).min(total);
        let len = if i + 1 == self.total_parts { total - offset } else { size.min(total - offset) };
        (offset, len)
    }

    /// The link of part index `i`, if the console gave one.
    fn link(&self, i: u32) -> Option<&str> {
        i.checked_sub(self.first_index).and_then(|k| self.links.get(k as usize)).map(String::as_str)
    }
}

/// How the parts ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum S3End {
    /// Every part is stored; the listing to complete with.
    Done { parts: Vec<ListedPart>, resumed_from: u64 },
    /// The multipart upload no longer exists (expired): start over with a new one.
    Expired,
}

enum PartFailure {
    Expired,
    Fatal(UploadError),
}

/// Uploads the parts not yet done (`done`, by part number) and returns the console's listing of all of them.
pub(crate) async fn upload(
    t: &Transfer,
    console: &mut Console,
    crc32: u32,
    plan: &S3Plan,
    done: &[PartDone],
    parallel: usize,
) -> Result<S3End, UploadError> {
    // Parts before the first link were done in an earlier attempt (the console only lists missing ones).
    let mut stored: BTreeMap<u32, u64> = (0..plan.first_index).map(|i| (i + 1, plan.range(t.total, i).1)).collect();
    for p in done {
        stored.insert(p.part_number, p.size);
    }
    let resumed_from: u64 = stored.values().sum();
    t.meter.set_acknowledged(resumed_from);

    let semaphore = Arc::new(Semaphore::new(parallel.max(1)));
    for round in 0..2 {
        let todo: Vec<u32> = (plan.first_index..plan.total_parts).filter(|i| !stored.contains_key(&(i + 1))).collect();
        if !todo.is_empty() {
            match send_parts(t, plan, &todo, &semaphore, &mut stored).await? {
                None => {}
                Some(PartFailure::Expired) => return Ok(S3End::Expired),
                Some(PartFailure::Fatal(e)) => return Err(e),
            }
        }
        let Some(mut listed) = console.multipart_status(crc32, &plan.upload_id, &t.reporter).await? else {
            return Ok(S3End::Expired);
        };
        listed.sort_by_key(|p| p.number);
        listed.dedup_by_key(|p| p.number);
        let missing: Vec<u32> = (1..=plan.total_parts).filter(|n| !listed.iter().any(|p| p.number == *n)).collect();
        if missing.is_empty() {
            return Ok(S3End::Done { parts: listed, resumed_from });
        }
        // The store lost parts we thought done (or never had them): send those again, once, if we can.
        let can_resend = missing.iter().all(|n| plan.link(n - 1).is_some());
        if round == 1 || !can_resend {
            return Err(UploadError::Protocol {
                step: "upload",
                detail: format!("the storage is missing part(s) {missing:?} of {}", plan.total_parts),
            });
        }
        t.reporter.note(format!("The storage is missing {} part(s); sending them again.", missing.len()));
        for n in &missing {
            stored.remove(n);
        }
        t.meter.set_acknowledged(stored.values().sum());
        t.journal
            .update(move |r| {
                if let Some(Remote::Aws { parts_done, .. }) = &mut r.remote {
                    parts_done.retain(|p| !missing.contains(&p.part_number));
                    r.acknowledged = parts_done.iter().map(|p| p.size).sum();
                }
            })
            .await?;
    }
    Err(UploadError::Internal { detail: "part rounds exhausted".into() })
}

/// Sends `todo` with bounded parallelism; records each stored part. `Some` when a part ended it all.
async fn send_parts(
    t: &Transfer,
    plan: &S3Plan,
    todo: &[u32],
    semaphore: &Arc<Semaphore>,
    stored: &mut BTreeMap<u32, u64>,
) -> Result<Option<PartFailure>, UploadError> {
    let mut tasks = JoinSet::new();
    for &i in todo {
        let Some(link) = plan.link(i) else { continue };
        let (offset, len) = plan.range(t.total, i);
        let (t, link, semaphore) = (t.clone(), link.to_string(), semaphore.clone());
        tasks.spawn(async move {
            // The permit bounds parts in flight, and with them memory and connections.
            let _permit = semaphore
                .acquire_owned()
                .await
                .map_err(|_| PartFailure::Fatal(UploadError::Internal { detail: "part semaphore closed".into() }))?;
            put_part(&t, &link, i + 1, offset, len).await
        });
    }
    // Dropping the set (on error or cancel) aborts every part still running.
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(part)) => {
                stored.insert(part.part_number, part.size);
                t.meter.add_acknowledged(part.size);
                t.journal
                    .update(move |r| {
                        if let Some(Remote::Aws { parts_done, .. }) = &mut r.remote {
                            parts_done.retain(|p| p.part_number != part.part_number);
                            parts_done.push(part);
                            r.acknowledged = parts_done.iter().map(|p| p.size).sum();
                        }
                    })
                    .await?;
            }
            Ok(Err(failure)) => {
                tasks.abort_all();
                return Ok(Some(failure));
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                tasks.abort_all();
                return Err(UploadError::Internal { detail: format!("part task: {e}") });
            }
        }
    }
    Ok(None)
}

/// `PUT` one part, retrying on its own until it is stored or the attempts without progress run out.
async fn put_part(t: &Transfer, link: &str, number: u32, offset: u64, len: u64) -> Result<PartDone, PartFailure> {
    let mut backoff = Backoff::new(t.retry);
    loop {
        t.check_file().await.map_err(PartFailure::Fatal)?;
        let meter = t.meter.request();
        let body = http::file_range(&t.file, offset, len, meter.clone())
            .await
            .map_err(|e| PartFailure::Fatal(UploadError::file_io(&t.file, &e)))?;
        let req = t.http.put(link).header(CONTENT_LENGTH, len).body(body);
        let result = http::send_watched(req, &meter, len, &t.timeouts).await;
        drop(meter);
        let (why, retry_after) = match result {
            Ok(a) if (200..300).contains(&a.status) => {
                let etag = a.header("etag").unwrap_or_default().to_string();
                return Ok(PartDone { part_number: number, etag, size: len });
            }
            Ok(a) if a.status == 404 => return Err(PartFailure::Expired),
            Ok(a) => {
                let detail = http::xml_error(&a.text());
                // S3 answers 400 IncompleteBody/RequestTimeout to a body that broke off: worth another try.
                let broken_body = a.status == 400
                    && detail
                        .as_deref()
                        .is_some_and(|d| d.starts_with("IncompleteBody") || d.starts_with("RequestTimeout"));
                if !http::transient(a.status) && !broken_body {
                    return Err(PartFailure::Fatal(UploadError::StorageRejected {
                        status: a.status,
                        detail,
                        resumable: false,
                    }));
                }
                (format!("HTTP {}", a.status), a.retry_after())
            }
            Err(f) => (f.describe(), None),
        };
        t.check_file().await.map_err(PartFailure::Fatal)?;
        let Some(wait) = backoff.failed(retry_after) else {
            return Err(PartFailure::Fatal(UploadError::UploadStalled {
                attempts: backoff.failures(),
                last: why,
                acknowledged_mib: t.meter.acknowledged() as f64 / (1024.0 * 1024.0),
                total_mib: t.total as f64 / (1024.0 * 1024.0),
                resumable: false,
            }));
        };
        t.pause(wait, format!("Part {number} failed ({why}); sending it again in {}.", http::seconds(wait))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(total_parts: u32, first_index: u32) -> S3Plan {
        S3Plan {
            upload_id: "u".into(),
            total_parts,
            first_index,
            links: (first_index..total_parts).map(|i| format!("https://s3/{}", i + 1)).collect(),
        }
    }

    #[test]
    fn parts_split_the_file_as_the_protocol_does() {
        let p = plan(3, 0);
        // ceil(10 / 3) = 4: 4 + 4 + 2.
        assert_eq!((p.range(10, 0), p.range(10, 1), p.range(10, 2)), ((0, 4), (4, 4), (8, 2)));
        let one = plan(1, 0);
        assert_eq!(one.range(10, 0), (0, 10));
        // The last part takes whatever is left, even when that is nothing.
        let p = plan(4, 0);
        assert_eq!(p.range(9, 3), (9, 0));
        let total: u64 = (0..4).map(|i| p.range(9, i).1).sum();
        assert_eq!(total, 9);
    }

    #[test]
    fn links_count_from_the_end_when_the_console_omits_done_parts() {
        let p = plan(5, 3);
        assert_eq!(p.link(3), Some("https://s3/4"));
        assert_eq!(p.link(4), Some("https://s3/5"));
        assert_eq!(p.link(2), None);
        assert_eq!(p.link(5), None);
    }
}
