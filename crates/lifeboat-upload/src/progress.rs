//! Progress reporting: the byte meter shared by concurrent requests, and the reporter that turns it into at most
//! ~10 [`UploadProgress`] events a second with a smoothed rate and an ETA.
//!
//! Rates are an exponentially weighted moving average with a time constant of a few seconds, weighted by the
//! time between samples, so bursts (a chunk boundary, page-cache hits) don't make the ETA jump around.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::request::{Step, UploadProgress};

/// Events are at least this far apart (step changes and messages excepted).
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// Time constant of the rate's moving average.
const RATE_TAU_SECS: f64 = 3.0;

/// The caller's progress callback.
pub(crate) type Sink = Arc<dyn Fn(UploadProgress) + Send + Sync>;

/// Bytes of the transfer: acknowledged by the store, plus what requests in flight have sent so far.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    acknowledged: AtomicU64,
    in_flight: AtomicU64,
    sent_total: AtomicU64,
    requests_in_flight: AtomicU32,
    max_requests_in_flight: AtomicU32,
}

impl Meter {
    /// Sets the acknowledged total (GCS: the persisted offset).
    pub fn set_acknowledged(&self, bytes: u64) {
        self.acknowledged.store(bytes, Ordering::Relaxed);
    }

    /// Adds an acknowledged part (S3).
    pub fn add_acknowledged(&self, bytes: u64) {
        self.acknowledged.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Acknowledged bytes.
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged.load(Ordering::Relaxed)
    }

    /// Bytes to show as done: acknowledged plus in flight.
    pub fn shown(&self) -> u64 {
        self.acknowledged.load(Ordering::Relaxed) + self.in_flight.load(Ordering::Relaxed)
    }

    /// Every byte handed to the network in this run, re-sent ones included.
    pub fn sent_total(&self) -> u64 {
        self.sent_total.load(Ordering::Relaxed)
    }

    /// The most data requests that were in flight at once.
    pub fn max_requests_in_flight(&self) -> u32 {
        self.max_requests_in_flight.load(Ordering::Relaxed)
    }

    /// Starts counting one data request; the guard stops counting it when dropped.
    pub fn request(self: &Arc<Self>) -> Arc<RequestMeter> {
        let now = self.requests_in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_requests_in_flight.fetch_max(now, Ordering::Relaxed);
        Arc::new(RequestMeter { meter: self.clone(), sent: AtomicU64::new(0) })
    }
}

/// The bytes one data request has handed to the network; its in-flight share is removed from the meter when
/// the request ends (its bytes then count as acknowledged, or not at all).
#[derive(Debug)]
pub(crate) struct RequestMeter {
    meter: Arc<Meter>,
    sent: AtomicU64,
}

impl RequestMeter {
    /// Counts bytes handed to the network (called by the body stream).
    pub fn add(&self, n: u64) {
        self.sent.fetch_add(n, Ordering::Relaxed);
        self.meter.in_flight.fetch_add(n, Ordering::Relaxed);
        self.meter.sent_total.fetch_add(n, Ordering::Relaxed);
    }

    /// Bytes this request has sent (the stall watchdog samples it).
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

impl Drop for RequestMeter {
    fn drop(&mut self) {
        self.meter.in_flight.fetch_sub(self.sent.load(Ordering::Relaxed), Ordering::Relaxed);
        self.meter.requests_in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug)]
struct State {
    step: Step,
    /// The last byte counts shown, repeated by [`Reporter::note`].
    last_done: u64,
    last_total: u64,
    last_emit: Option<Instant>,
    last_sample: Option<(Instant, u64)>,
    rate: Option<f64>,
}

/// Emits progress events: throttled byte updates with a smoothed rate; immediate step changes and messages.
pub(crate) struct Reporter {
    sink: Sink,
    state: Mutex<State>,
}

impl Reporter {
    pub fn new(sink: Sink) -> Self {
        Reporter {
            sink,
            state: Mutex::new(State {
                step: Step::Auth,
                last_done: 0,
                last_total: 0,
                last_emit: None,
                last_sample: None,
                rate: None,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking callback must not take progress reporting down with it.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Enters a step (always emitted); the rate starts afresh.
    pub fn step(&self, step: Step, bytes_done: u64, bytes_total: u64, message: Option<String>) {
        {
            let mut st = self.lock();
            st.step = step;
            (st.last_done, st.last_total) = (bytes_done, bytes_total);
            st.rate = None;
            st.last_sample = Some((Instant::now(), bytes_done));
            st.last_emit = Some(Instant::now());
        }
        (self.sink)(UploadProgress {
            step,
            bytes_done,
            bytes_total,
            bytes_per_sec: 0.0,
            eta_secs: None,
            estimate: false,
            message,
        });
    }

    /// A message within the current step, with the last byte counts shown (always emitted).
    pub fn note(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(%message, "upload progress note");
        let (step, done, total, rate) = {
            let mut st = self.lock();
            st.last_emit = Some(Instant::now());
            (st.step, st.last_done, st.last_total, st.rate)
        };
        (self.sink)(UploadProgress {
            step,
            bytes_done: done,
            bytes_total: total,
            bytes_per_sec: rate.unwrap_or(0.0),
            eta_secs: eta(rate, done, total),
            estimate: false,
            message: Some(message),
        });
    }

    /// A byte count within the current step; emitted only if the last event is at least [`MIN_INTERVAL`] old.
    pub fn bytes(&self, bytes_done: u64, bytes_total: u64) {
        let now = Instant::now();
        let (step, rate) = {
            let mut st = self.lock();
            if st.last_emit.is_some_and(|t| now.duration_since(t) < MIN_INTERVAL) {
                return;
            }
            match st.last_sample {
                Some((t, b)) if bytes_done >= b => {
                    let dt = now.duration_since(t).as_secs_f64();
                    if dt > 0.0 {
                        let instant = (bytes_done - b) as f64 / dt;
                        let alpha = 1.0 - (-dt / RATE_TAU_SECS).exp();
                        st.rate = Some(match st.rate {
                            Some(r) => r + alpha * (instant - r),
                            None => instant,
                        });
                    }
                }
                // Going backwards (a restart from zero): measure afresh.
                _ => st.rate = None,
            }
            st.last_sample = Some((now, bytes_done));
            st.last_emit = Some(now);
            (st.last_done, st.last_total) = (bytes_done, bytes_total);
            (st.step, st.rate)
        };
        (self.sink)(UploadProgress {
            step,
            bytes_done,
            bytes_total,
            bytes_per_sec: rate.unwrap_or(0.0),
            eta_secs: eta(rate, bytes_done, bytes_total),
            estimate: false,
            message: None,
        });
    }

    /// The import's estimated progress (throttled like [`Reporter::bytes`]).
    pub fn import_estimate(&self, elapsed: Duration, estimate: Duration, full_size: u64, message: Option<String>) {
        let now = Instant::now();
        {
            let mut st = self.lock();
            if message.is_none() && st.last_emit.is_some_and(|t| now.duration_since(t) < MIN_INTERVAL) {
                return;
            }
            st.last_emit = Some(now);
        }
        let total = estimate.as_secs_f64().max(1.0);
        // Never claim done before Aura says so.
        let fraction = (elapsed.as_secs_f64() / total).min(0.99);
        (self.sink)(UploadProgress {
            step: Step::Import,
            bytes_done: (full_size as f64 * fraction) as u64,
            bytes_total: full_size,
            bytes_per_sec: 0.0,
            eta_secs: Some((total - elapsed.as_secs_f64()).max(0.0).ceil() as u64),
            estimate: true,
            message,
        });
    }
}

fn eta(rate: Option<f64>, done: u64, total: u64) -> Option<u64> {
    let rate = rate.filter(|r| *r > 1.0)?;
    Some((total.saturating_sub(done) as f64 / rate).ceil() as u64)
}

/// The protocol's rule of thumb for how long an import takes: 5 minutes plus 3 minutes per GiB of `FullSize`.
pub(crate) fn import_estimate(full_size: u64) -> Duration {
    let gib = full_size as f64 / (1u64 << 30) as f64;
    Duration::from_secs_f64(300.0 + 180.0 * gib)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collecting() -> (Reporter, Arc<Mutex<Vec<UploadProgress>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        (Reporter::new(Arc::new(move |p| s.lock().unwrap().push(p))), seen)
    }

    #[test]
    fn byte_updates_are_throttled_but_steps_and_messages_are_not() {
        let (r, seen) = collecting();
        r.step(Step::Upload, 0, 100, None);
        for i in 0..1000 {
            r.bytes(i, 1000);
        }
        r.note("retrying");
        r.step(Step::Complete, 0, 0, None);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!(seen[1].message.as_deref(), Some("retrying"));
    }

    #[test]
    fn the_rate_is_measured_and_gives_an_eta() {
        let (r, seen) = collecting();
        r.step(Step::Upload, 0, 10_000_000, None);
        std::thread::sleep(MIN_INTERVAL + Duration::from_millis(20));
        r.bytes(1_000_000, 10_000_000);
        let last = seen.lock().unwrap().last().cloned().unwrap();
        assert!(last.bytes_per_sec > 0.0);
        assert!(last.eta_secs.is_some());
        assert!(!last.estimate);
    }

    #[test]
    fn the_import_estimate_follows_the_rule_of_thumb() {
        assert_eq!(import_estimate(0), Duration::from_secs(300));
        assert_eq!(import_estimate(2 << 30), Duration::from_secs(660));
        let (r, seen) = collecting();
        r.import_estimate(Duration::from_secs(60), Duration::from_secs(300), 1000, Some("loading".into()));
        let p = seen.lock().unwrap()[0].clone();
        assert!(p.estimate);
        assert_eq!(p.eta_secs, Some(240));
        assert_eq!(p.bytes_done, 200);
    }

    #[test]
    fn the_meter_counts_in_flight_bytes_until_the_request_ends() {
        let meter = Arc::new(Meter::default());
        {
            let req = meter.request();
            req.add(10);
            assert_eq!(meter.shown(), 10);
            let other = meter.request();
            other.add(5);
            assert_eq!(meter.max_requests_in_flight(), 2);
        }
        assert_eq!(meter.shown(), 0);
        meter.set_acknowledged(7);
        assert_eq!((meter.shown(), meter.sent_total()), (7, 15));
    }
}
