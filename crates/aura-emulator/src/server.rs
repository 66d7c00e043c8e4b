//! The HTTP server: shared state, the route table, the front middleware every request passes, and the accept loop.
//!
//! The accept loop is our own (not `axum::serve`) because the `drop` fault needs to close one particular
//! connection without a response, which only the code that owns the connection can do.

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::auth::{RateLimiter, Tokens};
use crate::clock::Timing;
use crate::console::ConsoleTokens;
use crate::error::ApiError;
use crate::faults::{Faults, LogEntry, RequestLog};
use crate::graph::GraphStore;
use crate::model::World;
use crate::objects::ObjectStore;
use crate::store::Store;
use crate::{api, auth, console, export, faults, objects, query};

/// The name of the header carrying the id of every response.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// Everything the handlers share.
pub(crate) struct Shared {
    world: Mutex<Versioned>,
    store: Store,
    pub timing: Timing,
    pub tokens: Tokens,
    pub limiter: RateLimiter,
    pub faults: Faults,
    pub log: RequestLog,
    /// The console import's uploads.
    pub objects: ObjectStore,
    /// The graphs clients wrote through the Query API.
    pub graphs: GraphStore,
    pub console_tokens: ConsoleTokens,
    /// `http://127.0.0.1:PORT`, for the URLs the console hands out.
    pub base_url: String,
    /// Cancelled at shutdown; background work stops with it.
    pub stop: CancellationToken,
}

/// What [`Shared::new`] needs besides the world.
pub(crate) struct Setup {
    pub store: Store,
    pub objects: ObjectStore,
    pub graphs: GraphStore,
    pub timing: Timing,
    pub rate_limit_per_minute: u32,
    pub base_url: String,
    pub stop: CancellationToken,
}

/// What a call does to the saved state.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    /// Reads; saves only what time moved along, or what was noted before.
    None,
    /// Changes, saved before the call returns.
    Now,
    /// Changes, saved by the next save.
    Soon,
}

struct Versioned {
    world: World,
    generation: u64,
    /// Changed by [`Shared::note`] and not yet saved: the next save (a mutation, or a read once
    /// [`NOTED_SAVE_EVERY`] has passed, which the ticker makes) writes it.
    dirty: bool,
    last_save: std::time::Instant,
}

/// Noted changes are saved at most this often while nothing else saves (a burst of graph writes rewrites the state
/// file twice a second, not once per write).
const NOTED_SAVE_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

pub(crate) type AppState = Arc<Shared>;

/// A poisoned lock only means a handler panicked mid-request; the data is still the best we have.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub fn new(world: World, setup: Setup) -> Shared {
        Shared {
            world: Mutex::new(Versioned { world, generation: 0, dirty: false, last_save: std::time::Instant::now() }),
            store: setup.store,
            timing: setup.timing,
            tokens: Tokens::default(),
            limiter: RateLimiter::new(setup.rate_limit_per_minute),
            faults: Faults::default(),
            log: RequestLog::default(),
            objects: setup.objects,
            graphs: setup.graphs,
            console_tokens: ConsoleTokens::default(),
            base_url: setup.base_url,
            stop: setup.stop,
        }
    }

    /// Runs `f` on the up-to-date world and saves it when anything changed. A mutation counts as a change only
    /// when it succeeds, because a failed operation changes nothing (see [`crate::world`]).
    async fn with_world<R>(
        &self,
        change: Change,
        f: impl FnOnce(&mut World, OffsetDateTime) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        let now = OffsetDateTime::now_utc();
        let (result, save) = {
            let mut guard = lock(&self.world);
            let ticked = guard.world.tick(now, self.timing);
            let result = f(&mut guard.world, now);
            if change == Change::Soon && result.is_ok() {
                guard.dirty = true;
            }
            let must = ticked || (change == Change::Now && result.is_ok());
            let noted_due = change == Change::None && guard.dirty && guard.last_save.elapsed() >= NOTED_SAVE_EVERY;
            let save = if must || noted_due {
                guard.dirty = false;
                guard.last_save = std::time::Instant::now();
                guard.generation += 1;
                match serde_json::to_vec_pretty(&guard.world) {
                    Ok(bytes) => Some((guard.generation, bytes)),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot serialise the emulator state");
                        None
                    }
                }
            } else {
                None
            };
            (result, save)
        };
        if let Some((generation, bytes)) = save {
            // The change is live in memory either way; a failed save only loses it across a restart.
            if let Err(e) = self.store.save(generation, bytes).await {
                tracing::error!(error = %e, "cannot save the emulator state");
            }
        }
        result
    }

    /// Reads the up-to-date world.
    pub async fn read<R>(&self, f: impl FnOnce(&World, OffsetDateTime) -> Result<R, ApiError>) -> Result<R, ApiError> {
        self.with_world(Change::None, |w, now| f(w, now)).await
    }

    /// Changes the world and saves it before returning, so an acknowledged change survives a restart.
    pub async fn mutate<R>(
        &self,
        f: impl FnOnce(&mut World, OffsetDateTime) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        self.with_world(Change::Now, f).await
    }

    /// Changes the world in memory and saves it soon (at the next save, at the latest at the ticker's next round):
    /// for bookkeeping that is durable elsewhere already, such as an instance's counts after a write to its graph
    /// (the graph's own log has the write; the counts follow from it). A Query API write is then not slowed by
    /// rewriting the whole state file, which Aura does not do either.
    pub async fn note<R>(
        &self,
        f: impl FnOnce(&mut World, OffsetDateTime) -> Result<R, ApiError>,
    ) -> Result<R, ApiError> {
        self.with_world(Change::Soon, f).await
    }

    /// Advances transitions with no request to trigger them, and saves the result.
    pub async fn tick(&self) {
        let _ = self.read(|_, _| Ok(())).await;
    }

    /// Saves the current world unconditionally (on shutdown).
    pub async fn flush(&self) -> Result<(), crate::EmulatorError> {
        let (generation, bytes) = {
            let mut guard = lock(&self.world);
            guard.generation += 1;
            let bytes = serde_json::to_vec_pretty(&guard.world).map_err(|e| crate::EmulatorError::SaveState {
                path: crate::store::STATE_FILE.into(),
                source: std::io::Error::other(e),
            })?;
            (guard.generation, bytes)
        };
        self.store.save(generation, bytes).await
    }

    /// The data directory (state, uploads, generated exports).
    pub fn data_dir(&self) -> &std::path::Path {
        self.store.dir()
    }

    /// The account's API credentials.
    pub fn account(&self) -> crate::model::Account {
        lock(&self.world).world.account.clone()
    }
}

/// Lets the front middleware close the connection a request came in on.
#[derive(Clone)]
pub(crate) struct ConnAbort(CancellationToken);

/// The whole route table. Path templates here are what fault rules match against.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/oauth/token", post(auth::token))
        .route("/v1/tenants", get(api::list_tenants))
        .route("/v1/tenants/{id}", get(api::get_tenant))
        .route("/v1/tenants/{id}/metrics-integration", get(api::get_metrics_integration))
        .route("/v1/instances", get(api::list_instances).post(api::create_instance))
        .route("/v1/instances/{id}", get(api::get_instance).patch(api::update_instance).delete(api::delete_instance))
        .route("/v1/instances/{id}/pause", post(api::pause_instance))
        .route("/v1/instances/{id}/resume", post(api::resume_instance))
        .route("/v1/instances/{id}/overwrite", post(api::overwrite_instance))
        .route("/v1/instances/{id}/snapshots", get(api::list_snapshots).post(api::create_snapshot))
        .route("/v1/instances/{id}/snapshots/{sid}", get(api::get_snapshot))
        .route("/v1/instances/{id}/snapshots/{sid}/restore", post(api::restore_snapshot))
        .route("/query/{dbid}/db/{database}/query/v2", post(query::run))
        .route("/console/v1/databases/{dbid}/import/auth", post(console::auth))
        .route("/console/v1/databases/{dbid}/import/size", post(console::size))
        .route("/console/v1/databases/{dbid}/import", post(console::initiate_v1))
        .route("/console/v2/databases/{dbid}/import", post(console::initiate_v2))
        .route("/console/v1/databases/{dbid}/import/multipart-upload-status", post(console::multipart_status))
        .route("/console/v1/databases/{dbid}/import/upload-complete", post(console::upload_complete))
        .route("/console/v1/databases/{dbid}/import/status", get(console::status))
        .route("/console/instances/{id}/snapshots", get(export::snapshots_page))
        .route("/console/instances/{id}/snapshots/{sid}/export", get(export::download))
        .route("/objects/gcs/start/{upload}", post(objects::gcs_start))
        .route("/objects/gcs/{session}", put(objects::gcs_put).delete(objects::gcs_cancel))
        .route("/objects/s3/{upload}/{part}", put(objects::s3_put))
        .merge(faults::control_routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

async fn not_found(req: Request) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("No route for {} {}", req.method(), req.uri().path()))
}

/// Every request passes here: it gets a fresh `X-Request-Id`, meets any armed fault, and is logged (control-API
/// requests are neither faulted nor logged, so tests see only client traffic).
async fn front(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let path_and_query = req.uri().path_and_query().map_or_else(|| path.clone(), |p| p.as_str().to_string());
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    let abort = req.extensions().get::<ConnAbort>().cloned();
    let control = path.starts_with(faults::CONTROL_PREFIX);
    let rule = if control { None } else { app.faults.take(method.as_str(), route.as_deref(), &path) };

    let mut fault = None;
    let mut response = match rule {
        None => next.run(req).await,
        Some(rule) => {
            if let Some(ms) = rule.delay_ms {
                fault = Some("delay");
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            let req = if rule.shapes_body() {
                fault = Some(if rule.cut_after_bytes.is_some() { "cut" } else { "stall" });
                req.map(|body| rule.wrap_body(body))
            } else {
                req
            };
            let cut_and_drop = rule.cut_after_bytes.is_some() && rule.status.is_none();
            if rule.drop_unprocessed {
                if let Some(ConnAbort(token)) = abort.clone() {
                    // Closed before the handler runs: nothing happened, and the client cannot tell.
                    app.log.record(LogEntry::new(
                        &method,
                        &path_and_query,
                        route,
                        None,
                        request_id,
                        true,
                        Some("drop_unprocessed"),
                    ));
                    token.cancel();
                    return std::future::pending::<Response>().await;
                }
            }
            let mut response = if rule.drop || cut_and_drop {
                // The request is processed (a dropped POST has taken effect; a cut upload has persisted what it
                // received), then the connection is closed before one byte of the response is written.
                let name = if rule.drop { "drop" } else { "cut" };
                let lost = next.run(req).await;
                if let Some(ConnAbort(token)) = abort {
                    app.log.record(LogEntry::new(
                        &method,
                        &path_and_query,
                        route,
                        Some(lost.status().as_u16()),
                        request_id,
                        true,
                        Some(name),
                    ));
                    token.cancel();
                    return std::future::pending::<Response>().await;
                }
                fault = Some(name);
                lost
            } else if let Some(status) = rule.status {
                if rule.cut_after_bytes.is_some() {
                    // Processed up to the cut (the rest of the body is read and discarded), then answered.
                    let _ = next.run(req).await;
                } else {
                    // Not processed; the body is read away so the client reads the answer, not a broken pipe.
                    fault = Some("status");
                    crate::objects::drain(req.into_body()).await;
                }
                rule.response(status)
            } else {
                next.run(req).await
            };
            if rule.omit_range && response.status() == StatusCode::PERMANENT_REDIRECT {
                fault = Some("omit_range");
                response.headers_mut().remove(axum::http::header::RANGE);
            }
            response
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    if !control {
        let status = Some(response.status().as_u16());
        app.log.record(LogEntry::new(&method, &path_and_query, route, status, request_id, false, fault));
    }
    response
}

/// Accepts connections until `shutdown`, then lets open connections finish (up to a few seconds).
pub(crate) async fn serve(listener: TcpListener, router: Router, shutdown: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone(), shutdown.clone()));
                }
                Err(e) => {
                    // Typically out of file descriptors; back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain).await.is_err() {
        connections.abort_all();
    }
}

async fn serve_connection(stream: TcpStream, router: Router, shutdown: CancellationToken) {
    let _ = stream.set_nodelay(true);
    let abort = CancellationToken::new();
    let tag = ConnAbort(abort.clone());
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(tag.clone());
        let router = router.clone();
        async move { Ok::<_, Infallible>(router.oneshot(req).await.into_response()) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        // Dropping the connection closes the socket with the response unsent.
        _ = abort.cancelled() => {}
        _ = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
