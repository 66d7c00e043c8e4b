//! A draining loopback sink that speaks just enough of the GCS resumable protocol for
//! [`lifeboat_upload::upload_to_signed_url`], and takes a plain `PUT` (what `curl -T` sends) too. Bodies are read
//! and thrown away: the benchmark measures the client and the loopback, not a disk.
//!
//! - `POST /start` → 201, `Location: /session/{n}`;
//! - `PUT /session/{n}` with `Content-Range: bytes A-B/N` → drains the body, 308 `Range: bytes=0-B`, or 200
//!   `{"size":N}` at the last byte; `bytes */N` is a status query;
//! - `PUT` anywhere else → drains the body, 200 `{"size":…}`.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use axum::Router;
use futures_util::StreamExt;

#[derive(Default)]
struct Sink {
    sessions: Mutex<HashMap<u64, u64>>,
    next: AtomicU64,
    drained: AtomicU64,
}

/// Binds 127.0.0.1:`port` (0: any free port) and serves until the process ends. Returns the bound address once
/// listening (the server runs on a spawned task).
pub async fn start(port: u16) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(Sink::default());
    let app = Router::new()
        .route("/start", post(start_session))
        .route("/session/{id}", put(session_put))
        .fallback(put(plain_put))
        .with_state(state);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("sink stopped: {e}");
        }
    });
    Ok(addr)
}

async fn drain(body: Body, sink: &Sink) -> u64 {
    let mut stream = body.into_data_stream();
    let mut n = 0u64;
    while let Some(Ok(chunk)) = stream.next().await {
        n += chunk.len() as u64;
    }
    sink.drained.fetch_add(n, Ordering::Relaxed);
    n
}

async fn start_session(State(sink): State<Arc<Sink>>, headers: HeaderMap) -> Response {
    let id = sink.next.fetch_add(1, Ordering::Relaxed) + 1;
    sink.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(id, 0);
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    let mut resp = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("http://{host}/session/{id}")) {
        resp.headers_mut().insert("location", v);
    }
    resp
}

fn done(size: u64) -> Response {
    (StatusCode::OK, [("content-type", "application/json")], format!("{{\"size\":\"{size}\"}}")).into_response()
}

fn incomplete(persisted: u64) -> Response {
    let mut resp = StatusCode::PERMANENT_REDIRECT.into_response();
    if persisted > 0 {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes=0-{}", persisted - 1)) {
            resp.headers_mut().insert("range", v);
        }
    }
    resp
}

/// `bytes A-B/N` → (Some((A, B)), N); `bytes */N` → (None, N).
fn content_range(headers: &HeaderMap) -> Option<(Option<(u64, u64)>, u64)> {
    let v = headers.get("content-range")?.to_str().ok()?.trim().strip_prefix("bytes ")?;
    let (range, total) = v.split_once('/')?;
    let total = total.trim().parse().ok()?;
    if range.trim() == "*" {
        return Some((None, total));
    }
    let (a, b) = range.split_once('-')?;
    Some((Some((a.trim().parse().ok()?, b.trim().parse().ok()?)), total))
}

async fn session_put(State(sink): State<Arc<Sink>>, Path(id): Path<u64>, req: Request) -> Response {
    let range = content_range(req.headers());
    let known = sink.sessions.lock().unwrap_or_else(|p| p.into_inner()).get(&id).copied();
    let Some(mut persisted) = known else {
        drain(req.into_body(), &sink).await;
        return StatusCode::NOT_FOUND.into_response();
    };
    let n = drain(req.into_body(), &sink).await;
    match range {
        Some((None, total)) => {
            if persisted >= total {
                return done(total);
            }
            incomplete(persisted)
        }
        Some((Some((a, b)), total)) => {
            if n == b + 1 - a.min(b + 1) {
                persisted = persisted.max(b + 1);
            }
            sink.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(id, persisted);
            if persisted >= total {
                done(total)
            } else {
                incomplete(persisted)
            }
        }
        None => {
            sink.sessions.lock().unwrap_or_else(|p| p.into_inner()).insert(id, n);
            done(n)
        }
    }
}

async fn plain_put(State(sink): State<Arc<Sink>>, req: Request) -> Response {
    let n = drain(req.into_body(), &sink).await;
    done(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse() {
        let mut h = HeaderMap::new();
        h.insert("content-range", HeaderValue::from_static("bytes 0-262143/1000000"));
        assert_eq!(content_range(&h), Some((Some((0, 262_143)), 1_000_000)));
        h.insert("content-range", HeaderValue::from_static("bytes */1000000"));
        assert_eq!(content_range(&h), Some((None, 1_000_000)));
    }

    #[tokio::test]
    async fn the_upload_engine_completes_against_the_sink() {
        let addr = start(0).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.bin");
        std::fs::write(&file, vec![7u8; 700_000]).unwrap();
        let options = lifeboat_upload::SignedUrlOptions {
            chunk_size: lifeboat_upload::CHUNK_QUANTUM,
            ..lifeboat_upload::SignedUrlOptions::default()
        };
        let report = lifeboat_upload::upload_to_signed_url(
            &file,
            &format!("http://{addr}/start"),
            options,
            |_| {},
            lifeboat_upload::CancellationToken::new(),
        )
        .await
        .expect("uploads");
        assert_eq!(report.bytes_sent_total, 700_000);
        assert_eq!(report.bytes_resent, 0);
        assert_eq!(report.sessions_started, 1);
    }
}
