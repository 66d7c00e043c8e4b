//! HTTP plumbing shared by the console client and the object-store uploaders: the client settings, request
//! bodies streamed from the file, the stall watchdog, and reading answers.
//!
//! Two kinds of requests, two kinds of time limits:
//! - small requests (console calls, session starts, status queries) get a whole-request timeout;
//! - data requests never do — a multi-GiB PUT on a slow uplink legitimately takes hours — and are watched
//!   instead: fewer than `stall_min_bytes` handed to the network in `stall_window` aborts the request, and once
//!   the whole body is sent the answer must come within `response`.

use std::collections::VecDeque;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use reqwest::header::HeaderMap;

use crate::error::UploadError;
use crate::progress::RequestMeter;
use crate::request::{Timeouts, READ_BUFFER};

/// Answers are read up to this size (console JSON, storage XML errors); anything longer is cut.
const ANSWER_LIMIT: usize = 1024 * 1024;

/// Builds the HTTP client. No whole-request timeout (data requests are watched instead), no redirects (GCS's
/// 308 "Resume Incomplete" is an answer, not a redirect), TCP keep-alive so a dead path is noticed.
pub(crate) fn client(timeouts: &Timeouts, loopback: bool) -> Result<reqwest::Client, UploadError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("lifeboat/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeouts.connect)
        .tcp_keepalive(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(60));
    if loopback {
        // The sandbox and tests: a system proxy must not intercept 127.0.0.1.
        builder = builder.no_proxy();
    }
    builder.build().map_err(|e| UploadError::Internal { detail: format!("HTTP client: {}", describe(&e)) })
}

/// Why a request got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendFailure {
    /// No connection could be made (refused, DNS, TLS handshake): the request certainly did not arrive.
    Unreachable(String),
    /// The connection broke, or a small request timed out: the request may or may not have arrived.
    Transport(String),
    /// The data request moved too few bytes in the watchdog window.
    Stalled { window: Duration, bytes: u64 },
    /// The body was sent but no answer came in time.
    NoAnswer { waited: Duration },
}

impl SendFailure {
    /// In words, for messages and logs (never contains a URL).
    pub fn describe(&self) -> String {
        match self {
            SendFailure::Unreachable(what) | SendFailure::Transport(what) => what.clone(),
            SendFailure::Stalled { window, bytes } => {
                format!("the transfer stalled: only {bytes} bytes moved in {}", seconds(*window))
            }
            SendFailure::NoAnswer { waited } => format!("no answer {} after the data was sent", seconds(*waited)),
        }
    }
}

/// "1.5 s", "60 s": a duration for messages.
pub(crate) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.1} s")
    } else {
        format!("{} s", s.round())
    }
}

/// A complete answer.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header as a string.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// `Retry-After` in seconds, when the server sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after").and_then(lifeboat_basics::backoff::parse_retry_after)
    }
}

/// Worth retrying: request timeout, rate limit, and server errors.
pub(crate) fn transient(status: u16) -> bool {
    status == 408 || status == 429 || (500..=599).contains(&status)
}

/// A reqwest error in words, without the URL (signed URLs carry credentials in their query).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_request() {
        "the connection broke"
    } else if e.is_decode() {
        "the answer could not be read"
    } else {
        "the request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() || detail.contains("://") {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

impl From<reqwest::Error> for SendFailure {
    fn from(e: reqwest::Error) -> Self {
        if e.is_connect() {
            SendFailure::Unreachable(describe(&e))
        } else {
            SendFailure::Transport(describe(&e))
        }
    }
}

/// Sends a small request with a whole-request timeout and reads the answer.
pub(crate) async fn send_small(req: reqwest::RequestBuilder, timeouts: &Timeouts) -> Result<Answer, SendFailure> {
    let resp = req.timeout(timeouts.request).send().await?;
    read_answer(resp, timeouts.request).await
}

/// Sends a data request whose body is metered by `meter` (`len` bytes), under the stall watchdog.
pub(crate) async fn send_watched(
    req: reqwest::RequestBuilder,
    meter: &RequestMeter,
    len: u64,
    timeouts: &Timeouts,
) -> Result<Answer, SendFailure> {
    let send = req.send();
    tokio::pin!(send);
    let window = timeouts.stall_window.max(Duration::from_millis(40));
    let mut ticker = tokio::time::interval((window / 4).max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut samples: VecDeque<(Instant, u64)> = VecDeque::from([(Instant::now(), 0)]);
    let mut body_sent_at: Option<Instant> = None;
    let resp = loop {
        tokio::select! {
            result = &mut send => break result?,
            _ = ticker.tick() => {
                let now = Instant::now();
                let sent = meter.sent();
                if sent >= len {
                    let since = *body_sent_at.get_or_insert(now);
                    if now.duration_since(since) >= timeouts.response {
                        return Err(SendFailure::NoAnswer { waited: timeouts.response });
                    }
                    continue;
                }
                samples.push_back((now, sent));
                // Keep the newest sample that is at least a window old as the reference point.
                while samples.len() > 1 && now.duration_since(samples[1].0) >= window {
                    samples.pop_front();
                }
                let (then, sent_then) = samples[0];
                let moved = sent.saturating_sub(sent_then);
                if now.duration_since(then) >= window && moved < timeouts.stall_min_bytes {
                    return Err(SendFailure::Stalled { window, bytes: moved });
                }
            }
        }
    };
    read_answer(resp, timeouts.request).await
}

async fn read_answer(mut resp: reqwest::Response, limit: Duration) -> Result<Answer, SendFailure> {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut body = BytesMut::new();
    let read = async {
        while let Some(chunk) = resp.chunk().await.map_err(|e| SendFailure::Transport(describe(&e)))? {
            let room = ANSWER_LIMIT.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room <= chunk.len() {
                break;
            }
        }
        Ok::<(), SendFailure>(())
    };
    match tokio::time::timeout(limit, read).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err(SendFailure::Transport("timed out reading the answer".into())),
    }
    Ok(Answer { status, headers, body: body.freeze() })
}

/// How many reads a request body may run ahead of the network (memory: this many [`READ_BUFFER`]s per request).
const READ_AHEAD: usize = 4;

/// A request body of `len` bytes of the file from `offset`, read with [`READ_BUFFER`]-sized reads and metered as
/// it is handed to the network. Memory: at most [`READ_AHEAD`] buffers, whatever `len` is.
///
/// A reader task runs ahead while the socket writes, as `curl -T` does in one loop: reading and sending overlap,
/// and each byte is copied once, from the kernel straight into the buffer that goes to the network (tokio's own file
/// type would copy it twice). Buffers are allocated on the runtime's threads and only filled on a blocking thread:
/// allocating them on ever-changing blocking threads spreads them over many allocator arenas, and memory then grows
/// with the file size. Dropping the body (a failed or cancelled request) stops the reader at its next buffer. A file
/// that ends early (it shrank) makes the stream fail, so the request fails rather than sending less.
pub(crate) async fn file_range(
    path: &Path,
    offset: u64,
    len: u64,
    meter: Arc<RequestMeter>,
) -> io::Result<reqwest::Body> {
    let path = path.to_path_buf();
    let file = tokio::task::spawn_blocking(move || -> io::Result<std::fs::File> {
        let mut file = std::fs::File::open(&path)?;
        file.seek(SeekFrom::Start(offset))?;
        Ok(file)
    })
    .await
    .map_err(io::Error::other)??;
    Ok(reqwest::Body::wrap_stream(range_stream(file, len, meter)))
}

fn range_stream(
    file: std::fs::File,
    len: u64,
    meter: Arc<RequestMeter>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(READ_AHEAD);
    tokio::spawn(read_ahead(file, len, tx));
    futures_util::stream::unfold((rx, meter), |(mut rx, meter)| async move {
        let item = rx.recv().await?;
        if let Ok(bytes) = &item {
            meter.add(bytes.len() as u64);
        }
        Some((item, (rx, meter)))
    })
}

/// The reader of [`range_stream`]: `len` bytes in [`READ_BUFFER`]s, then the end (or one error).
async fn read_ahead(file: std::fs::File, len: u64, tx: tokio::sync::mpsc::Sender<io::Result<Bytes>>) {
    let mut file = Some(file);
    let mut remaining = len;
    while remaining > 0 {
        let Some(f) = file.take() else { return };
        let want = usize::try_from(remaining).unwrap_or(READ_BUFFER).min(READ_BUFFER);
        let buf = Vec::with_capacity(want);
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = buf;
            let result = (&f).take(want as u64).read_to_end(&mut buf);
            (f, buf, result)
        })
        .await;
        let item = match read {
            Ok((_, _, Ok(0))) => {
                Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file ended early (did it change?)"))
            }
            Ok((f, buf, Ok(n))) => {
                file = Some(f);
                remaining -= n as u64;
                Ok(Bytes::from(buf))
            }
            Ok((_, _, Err(e))) => Err(e),
            Err(e) => Err(io::Error::other(e)),
        };
        let failed = item.is_err();
        // A closed channel: the request was dropped, nobody wants the rest.
        if tx.send(item).await.is_err() || failed {
            return;
        }
    }
}

/// The `<Code>` and `<Details>`/`<Message>` of a GCS/S3 XML error body, for messages. Plain string search: we
/// never feed server XML to a parser (no entity expansion, no DOCTYPE surprises).
pub(crate) fn xml_error(body: &str) -> Option<String> {
    let field = |tag: &str| {
        let open = format!("<{tag}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find(&format!("</{tag}>"))? + start;
        Some(body[start..end].trim().to_string())
    };
    let code = field("Code")?;
    match field("Message") {
        Some(m) if !m.is_empty() => Some(format!("{code}: {m}")),
        _ => Some(code),
    }
}

/// GCS's answer when the object was already written completely by an earlier session and this signed URL may
/// not overwrite it: the upload is done (`docs/import-protocol.md` §3.5).
pub(crate) fn already_uploaded(status: u16, body: &str) -> bool {
    status == 403
        && body.contains("<Code>AccessDenied</Code>")
        && body.contains("does not have storage.objects.delete access")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Meter;
    use futures_util::StreamExt;

    #[test]
    fn transient_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(transient(s), "{s}");
        }
        for s in [200, 308, 400, 401, 403, 404, 410] {
            assert!(!transient(s), "{s}");
        }
    }

    #[test]
    fn storage_errors_are_read_without_an_xml_parser() {
        let body = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code><Message>Access denied.</Message><Details>sa@x.iam.gserviceaccount.com does not have storage.objects.delete access to the Google Cloud Storage object.</Details></Error>";
        assert!(already_uploaded(403, body));
        assert!(!already_uploaded(404, body));
        assert!(!already_uploaded(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>"));
        assert_eq!(xml_error(body).as_deref(), Some("AccessDenied: Access denied."));
        assert_eq!(xml_error("not xml"), None);
    }

    #[tokio::test]
    async fn a_file_range_streams_exactly_its_bytes_in_large_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..(3 * READ_BUFFER + 17)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let meter = Arc::new(Meter::default());
        let req = meter.request();
        let mut file = std::fs::File::open(&path).unwrap();
        file.seek(SeekFrom::Start(5)).unwrap();
        let len = (2 * READ_BUFFER + 3) as u64;
        let pieces: Vec<Bytes> = range_stream(file, len, req.clone()).map(|r| r.unwrap()).collect().await;
        let joined: Vec<u8> = pieces.iter().flat_map(|b| b.iter().copied()).collect();
        assert_eq!(&joined[..], &data[5..5 + len as usize]);
        assert!(pieces.len() <= 4, "reads are large: {}", pieces.len());
        assert_eq!(req.sent(), len);
        // A range past the end fails instead of sending less.
        let mut file = std::fs::File::open(&path).unwrap();
        file.seek(SeekFrom::Start(data.len() as u64 - 10)).unwrap();
        let results: Vec<_> = range_stream(file, 100, meter.request()).collect().await;
        assert!(results.last().unwrap().is_err());
        assert_eq!(results.len(), 2, "the 10 bytes there, then the error, and nothing after it");
    }
}
