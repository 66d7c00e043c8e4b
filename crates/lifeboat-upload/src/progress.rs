//! Progress reporting: the byte meter shared by concurrent requests, and the reporter that turns it into at most
//! ~10 [`UploadProgress`] events a second with a smoothed rate and an ETA.
//!
//! The rate and the time left follow the one rule of [`lifeboat_basics::rate`]: smoothed over a few seconds, and a
//! time left only once the rate has been steady for a while (a guess that says "less than a minute" for a
//! 25-second stall misleads).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lifeboat_basics::rate::SteadyRate;

use crate::request::{Step, UploadProgress};

/// Events are at least this far apart (step changes and messages excepted).
pub(crate) const MIN_INTERVAL: Duration = Duration::from_millis(100);
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
    rate: SteadyRate,
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
                rate: SteadyRate::new(),
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
            let now = Instant::now();
            st.rate.start_at(now, bytes_done);
            st.last_emit = Some(now);
        }
        (self.sink)(UploadProgress {
            step,
            bytes_done,
            bytes_total,
            bytes_per_sec: 0.0,
            eta_secs: None,
            estimate: false,
            message,
            retry_in_secs: None,
        });
    }

    /// A message within the current step, with the last byte counts shown (always emitted).
    pub fn note(&self, message: impl Into<String>) {
        let message = message.into();
        tracing::info!(%message, "upload progress note");
        let now = Instant::now();
        let (step, done, total, rate, eta_secs) = {
            let mut st = self.lock();
            st.last_emit = Some(now);
            (
                st.step,
                st.last_done,
                st.last_total,
                st.rate.per_sec(),
                st.rate.eta_secs(now, st.last_done, st.last_total),
            )
        };
        (self.sink)(UploadProgress {
            step,
            bytes_done: done,
            bytes_total: total,
            bytes_per_sec: rate.unwrap_or(0.0),
            eta_secs,
            estimate: false,
            message: Some(message),
            retry_in_secs: None,
        });
    }

    /// The transfer stopped and is tried again after `wait` (always emitted). `why` is the technical reason, for
    /// the log only: the window says "Waiting for Aura… retrying in N s" and drops the ETA until bytes move again.
    pub fn waiting(&self, wait: Duration, why: &str) {
        tracing::info!(reason = %why, wait_secs = wait.as_secs_f64(), "upload waiting to retry");
        let (step, done, total) = {
            let mut st = self.lock();
            st.last_emit = Some(Instant::now());
            st.rate.pause();
            (st.step, st.last_done, st.last_total)
        };
        (self.sink)(UploadProgress {
            step,
            bytes_done: done,
            bytes_total: total,
            bytes_per_sec: 0.0,
            eta_secs: None,
            estimate: false,
            message: None,
            retry_in_secs: Some(wait.as_secs_f64().ceil() as u64),
        });
    }

    /// A byte count within the current step; emitted only if the last event is at least [`MIN_INTERVAL`] old.
    pub fn bytes(&self, bytes_done: u64, bytes_total: u64) {
        self.bytes_at(Instant::now(), bytes_done, bytes_total);
    }

    /// [`Reporter::bytes`] as of `now` (the tests move the clock).
    fn bytes_at(&self, now: Instant, bytes_done: u64, bytes_total: u64) {
        let (step, rate, eta_secs) = {
            let mut st = self.lock();
            if st.last_emit.is_some_and(|t| now.duration_since(t) < MIN_INTERVAL) {
                return;
            }
            st.rate.sample(now, bytes_done);
            st.last_emit = Some(now);
            (st.last_done, st.last_total) = (bytes_done, bytes_total);
            (st.step, st.rate.per_sec(), st.rate.eta_secs(now, bytes_done, bytes_total))
        };
        (self.sink)(UploadProgress {
            step,
            bytes_done,
            bytes_total,
            bytes_per_sec: rate.unwrap_or(0.0),
            eta_secs,
            estimate: false,
            message: None,
            retry_in_secs: None,
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
            retry_in_secs: None,
        });
    }
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

    /// Feeds `r` a steady 1 MB/s from `start` for `secs` seconds, ten samples a second; returns the clock after.
    fn steady(r: &Reporter, start: Instant, from: u64, secs: u64) -> Instant {
        let mut now = start;
        for i in 1..=secs * 10 {
            now = start + Duration::from_millis(100 * i + 1);
            r.bytes_at(now, from + i * 100_000, 100_000_000);
        }
        now
    }

    #[test]
    fn the_rate_is_measured_at_once_but_the_eta_waits_until_it_is_steady() {
        let (r, seen) = collecting();
        r.step(Step::Upload, 0, 100_000_000, None);
        let start = Instant::now();
        let now = steady(&r, start, 0, 3);
        let early = seen.lock().unwrap().last().cloned().unwrap();
        assert!(early.bytes_per_sec > 0.0, "the speed shows from the first samples");
        assert_eq!(early.eta_secs, None, "three seconds in, the time left is still being estimated");

        steady(&r, now, 3_000_000, 4);
        let later = seen.lock().unwrap().last().cloned().unwrap();
        let eta = later.eta_secs.expect("after 7 s at a steady rate, a time left");
        assert!((85..=100).contains(&eta), "93 MB left at 1 MB/s: {eta} s");
        assert!(!later.estimate);
    }

    #[test]
    fn a_pause_for_a_retry_says_when_and_drops_the_eta_until_bytes_move_steadily_again() {
        let (r, seen) = collecting();
        r.step(Step::Upload, 0, 100_000_000, None);
        let now = steady(&r, Instant::now(), 0, 8);
        assert!(seen.lock().unwrap().last().unwrap().eta_secs.is_some());

        r.waiting(Duration::from_millis(2500), "HTTP 503 from the storage");
        let paused = seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!(paused.retry_in_secs, Some(3));
        assert_eq!((paused.eta_secs, paused.message.as_deref()), (None, None), "no ETA, no protocol words");
        assert_eq!(paused.bytes_done, 8_000_000, "the bar stays where it was");

        let resumed = now + Duration::from_secs(3);
        steady(&r, resumed, 8_000_000, 2);
        let back = seen.lock().unwrap().last().cloned().unwrap();
        assert_eq!((back.retry_in_secs, back.eta_secs), (None, None), "moving again, but not steady yet");
    }

    #[test]
    fn an_unsteady_rate_gives_no_eta() {
        let (r, seen) = collecting();
        r.step(Step::Upload, 0, 100_000_000, None);
        let start = Instant::now();
        let mut done = 0;
        // Bursts: one second at 8 MB/s, then three at 10 kB/s. The smoothed rate swings about 2× each time.
        for i in 1..=100u64 {
            done += if i % 40 < 10 { 800_000 } else { 1_000 };
            r.bytes_at(start + Duration::from_millis(100 * i + 1), done, 100_000_000);
        }
        let etas: Vec<_> = seen.lock().unwrap().iter().skip(60).map(|p| p.eta_secs).collect();
        assert!(etas.iter().any(Option::is_none), "a swinging rate is not steady: {etas:?}");
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
