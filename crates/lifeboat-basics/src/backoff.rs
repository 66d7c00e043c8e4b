//! Exponential backoff with full jitter, and the one rule for a server's `Retry-After` — for the Aura API client and
//! for uploads alike. Small enough to read in one go (the `backoff` crate is unmaintained).
//!
//! **Delays.** Before retry `k` (1-based) Lifeboat waits a uniformly random time in
//! `[0, min(max_delay, base_delay · 2^(k-1))]` ("full jitter"): many clients retrying after a shared outage spread
//! out instead of arriving together.
//!
//! **`Retry-After`.** When the server names a delay it is a floor, not a suggestion: Lifeboat waits at least that
//! long, capped at the policy's `max_delay` (a wrong or hostile header must not stall a job for hours), and never
//! less than its own jittered delay for that attempt — so clients all told "1 second" still spread out. Only
//! delta-seconds are read ([`parse_retry_after`]); an HTTP-date, which neither Aura nor the object stores send, is
//! treated as absent.
//!
//! **Attempts.** A [`RetryPolicy`] counts attempts; a [`Backoff`] counts failed attempts *since the last progress*, so
//! a long upload over a flaky link keeps going as long as it advances (googleapis/java-storage#3040), while a loop
//! of "fail → query → fail" still ends.
//!
//! The random source is a parameter of [`RetryPolicy::delay`] so tests can pin it.

use std::time::Duration;

use rand::Rng;

/// When and how often to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (for a [`Backoff`]: attempts without progress).
    pub max_attempts: u32,
    /// Upper bound of the first delay.
    pub base_delay: Duration,
    /// No delay is ever longer than this, a server's `Retry-After` included.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// For Aura API requests: 5 attempts, delays from 0.4 s up to 30 s. A person is usually waiting.
    pub const fn api() -> Self {
        Self { max_attempts: 5, base_delay: Duration::from_millis(400), max_delay: Duration::from_secs(30) }
    }

    /// For data transfers: 12 attempts without progress, delays from 1 s up to 32 s (as gcloud/gsutil), which is
    /// roughly 4–6 minutes of trying before an upload gives up.
    pub const fn transfer() -> Self {
        Self { max_attempts: 12, base_delay: Duration::from_secs(1), max_delay: Duration::from_secs(32) }
    }

    /// The jittered delay before retry number `attempt` (1 = the first retry).
    pub fn delay<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let ceiling = self.base_delay.saturating_mul(1u32 << exp).min(self.max_delay);
        let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(if micros == 0 { 0 } else { rng.random_range(0..=micros) })
    }

    /// How long to wait before retry number `attempt`, given the server's `Retry-After` if it sent one: the rule
    /// of the module documentation.
    pub fn wait<R: Rng + ?Sized>(&self, attempt: u32, retry_after: Option<Duration>, rng: &mut R) -> Duration {
        let jitter = self.delay(attempt, rng);
        match retry_after {
            Some(server) => server.min(self.max_delay).max(jitter),
            None => jitter,
        }
    }
}

/// Reads a `Retry-After` header value: delta-seconds (`"3"`; a decimal fraction such as `"1.5"` is accepted too).
/// An HTTP-date or anything else unreadable is `None`.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs = value.trim().parse::<f64>().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(u32::MAX as f64)))
}

/// Attempt bookkeeping for one retried operation that can make progress (an upload).
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    /// Failed attempts since the last progress.
    failures: u32,
}

impl Backoff {
    /// No failure yet.
    pub fn new(policy: RetryPolicy) -> Self {
        Backoff { policy, failures: 0 }
    }

    /// Records a failure. Returns how long to wait before the next attempt, or `None` when the attempts are used
    /// up.
    pub fn failed(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        self.failures += 1;
        if self.failures >= self.policy.max_attempts.max(1) {
            return None;
        }
        Some(self.policy.wait(self.failures, retry_after, &mut rand::rng()))
    }

    /// Records progress: the next failure starts from the first delay again.
    pub fn progressed(&mut self) {
        self.failures = 0;
    }

    /// Failed attempts since the last progress.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn policy() -> RetryPolicy {
        RetryPolicy { base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1), max_attempts: 4 }
    }

    #[test]
    fn delays_grow_exponentially_under_the_cap_with_jitter() {
        let p = policy();
        let mut rng = StdRng::seed_from_u64(7);
        for k in 1..12 {
            let ceiling = Duration::from_millis(100u64 << (k - 1).min(20)).min(p.max_delay);
            for _ in 0..50 {
                assert!(p.delay(k, &mut rng) <= ceiling);
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| p.delay(4, &mut rng)).collect();
        assert!(spread.len() > 10, "full jitter varies the delays");
    }

    #[test]
    fn retry_after_is_a_floor_capped_by_the_policy_and_never_below_the_jitter() {
        let p = policy();
        let mut rng = StdRng::seed_from_u64(3);
        assert_eq!(p.wait(1, Some(Duration::from_secs(3600)), &mut rng), p.max_delay, "capped");
        for _ in 0..50 {
            assert!(p.wait(3, Some(Duration::from_millis(900)), &mut rng) >= Duration::from_millis(900), "a floor");
            // The server's zero leaves the jitter in charge.
            assert!(p.wait(3, Some(Duration::ZERO), &mut rng) <= Duration::from_millis(400));
        }
    }

    #[test]
    fn retry_after_is_read_as_seconds_only() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("inf"), None);
    }

    #[test]
    fn attempts_run_out_without_progress_and_reset_with_it() {
        let mut b = Backoff::new(policy());
        assert!(b.failed(None).is_some());
        assert!(b.failed(None).is_some());
        assert!(b.failed(None).is_some());
        assert!(b.failed(None).is_none(), "four attempts in all");
        b.progressed();
        assert_eq!(b.failures(), 0);
        assert!(b.failed(None).is_some());
    }

    #[test]
    fn the_two_policies_are_what_their_documentation_says() {
        assert_eq!(RetryPolicy::api().max_attempts, 5);
        assert_eq!(RetryPolicy::transfer().max_delay, Duration::from_secs(32));
    }
}
