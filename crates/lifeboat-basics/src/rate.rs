//! The one rule for "how fast, and how long is left": a rate smoothed over a few seconds, and a time left shown
//! only once that rate has been steady for a while. Uploads (bytes) and data exports and imports (nodes and
//! relationships) all say it this way, so no screen says "less than a minute left" during a stall or after one
//! lucky burst.
//!
//! The rate is an exponentially weighted moving average with a time constant of [`RATE_TAU`], weighted by the
//! time between samples, so bursts (a chunk boundary, a page-cache hit, a fast page) don't make it jump. A time
//! left is given only after the count has moved for [`STEADY_AFTER`] without a pause, and only while the smoothed
//! rate is within [`STEADY_RATIO`] of what it was [`STEADY_CHECK`] before; otherwise the caller says
//! "estimating…".

use std::time::{Duration, Instant};

/// Time constant of the rate's moving average.
pub const RATE_TAU: Duration = Duration::from_secs(3);
/// A time left is shown only after the count has moved this long without a pause: before that it is a guess.
pub const STEADY_AFTER: Duration = Duration::from_secs(5);
/// ...and only while the smoothed rate is within this factor of what it was a couple of seconds before.
pub const STEADY_RATIO: f64 = 1.5;
/// How far apart the rate is compared with itself for [`STEADY_RATIO`].
pub const STEADY_CHECK: Duration = Duration::from_secs(2);

/// A smoothed rate of something counted (bytes, items) and the time left, once steady.
#[derive(Debug, Clone, Default)]
pub struct SteadyRate {
    last_sample: Option<(Instant, u64)>,
    rate: Option<f64>,
    /// Since when the count has moved without a pause (`None`: not yet, or paused).
    moving_since: Option<Instant>,
    /// The smoothed rate at an earlier moment, and the latest verdict of comparing with it.
    checkpoint: Option<(Instant, f64)>,
    steady: bool,
}

impl SteadyRate {
    /// Nothing measured yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Measures afresh from `done` at `now` (a new step, a new half of an export).
    pub fn start_at(&mut self, now: Instant, done: u64) {
        self.forget_rate();
        self.last_sample = Some((now, done));
    }

    /// The count stopped (a wait before a retry): no rate and no time left until it moves again, and the first
    /// sample after the pause is a fresh start, so the pause never counts as slow progress.
    pub fn pause(&mut self) {
        self.forget_rate();
        self.last_sample = None;
    }

    fn forget_rate(&mut self) {
        self.rate = None;
        self.moving_since = None;
        self.checkpoint = None;
        self.steady = false;
    }

    /// The count is `done` at `now`.
    pub fn sample(&mut self, now: Instant, done: u64) {
        match self.last_sample {
            Some((t, before)) if done >= before => {
                let dt = now.saturating_duration_since(t).as_secs_f64();
                if dt > 0.0 {
                    let instant = (done - before) as f64 / dt;
                    let alpha = 1.0 - (-dt / RATE_TAU.as_secs_f64()).exp();
                    self.rate = Some(match self.rate {
                        Some(r) => r + alpha * (instant - r),
                        None => instant,
                    });
                }
            }
            // Going backwards (a restart from zero), or the first sample after a pause: measure afresh.
            _ => self.forget_rate(),
        }
        if self.moving_since.is_none() {
            self.moving_since = Some(now);
        }
        if let Some(rate) = self.rate {
            match self.checkpoint {
                Some((t, _)) if now.saturating_duration_since(t) < STEADY_CHECK => {}
                Some((_, earlier)) => {
                    let ratio = if earlier > 0.0 { rate / earlier } else { f64::INFINITY };
                    self.steady = (1.0 / STEADY_RATIO..=STEADY_RATIO).contains(&ratio);
                    self.checkpoint = Some((now, rate));
                }
                None => self.checkpoint = Some((now, rate)),
            }
        }
        self.last_sample = Some((now, done));
    }

    /// The smoothed rate per second, once there is one.
    pub fn per_sec(&self) -> Option<f64> {
        self.rate
    }

    /// Seconds left to reach `total` from `done`, once the rate is steady; `None` while it is still measured.
    pub fn eta_secs(&self, now: Instant, done: u64, total: u64) -> Option<u64> {
        let moving_long_enough = self.moving_since.is_some_and(|t| now.saturating_duration_since(t) >= STEADY_AFTER);
        if !(moving_long_enough && self.steady) {
            return None;
        }
        let rate = self.rate.filter(|r| *r > 1.0)?;
        Some((total.saturating_sub(done) as f64 / rate).ceil() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn no_time_left_until_the_rate_has_been_steady_for_a_while() {
        let t0 = Instant::now();
        let mut r = SteadyRate::new();
        r.start_at(t0, 0);
        for i in 1..=4u32 {
            r.sample(t0 + S * i, u64::from(i) * 1000);
            assert_eq!(r.eta_secs(t0 + S * i, u64::from(i) * 1000, 100_000), None, "still measuring at {i} s");
        }
        for i in 5..=8u32 {
            r.sample(t0 + S * i, u64::from(i) * 1000);
        }
        let eta = r.eta_secs(t0 + S * 8, 8000, 100_000).expect("steady after 5 s");
        assert!((90..=94).contains(&eta), "92 s at 1,000 a second: {eta}");
        assert!((r.per_sec().unwrap() - 1000.0).abs() < 1.0);
    }

    #[test]
    fn a_pause_drops_the_time_left_until_the_count_moves_steadily_again() {
        let t0 = Instant::now();
        let mut r = SteadyRate::new();
        r.start_at(t0, 0);
        for i in 1..=8u32 {
            r.sample(t0 + S * i, u64::from(i) * 1000);
        }
        assert!(r.eta_secs(t0 + S * 8, 8000, 100_000).is_some());
        r.pause();
        assert_eq!(r.per_sec(), None);
        assert_eq!(r.eta_secs(t0 + S * 30, 8000, 100_000), None);
        r.sample(t0 + S * 30, 8000);
        r.sample(t0 + S * 31, 9000);
        assert_eq!(r.eta_secs(t0 + S * 31, 9000, 100_000), None, "moving again, but not yet for long");
    }

    #[test]
    fn a_rate_that_changes_sharply_is_not_steady() {
        let t0 = Instant::now();
        let mut r = SteadyRate::new();
        r.start_at(t0, 0);
        let mut done = 0;
        for i in 1..=12u32 {
            // Ten times faster every other two seconds.
            done += if (i / 2) % 2 == 0 { 1000 } else { 10_000 };
            r.sample(t0 + S * i, done);
        }
        assert_eq!(r.eta_secs(t0 + S * 12, done, 10_000_000), None);
    }
}
