//! Exponential backoff with full jitter, small enough to read in one go (the `backoff` crate is unmaintained).
//!
//! The random source is a parameter so tests can pin it.

use std::time::Duration;

use rand::Rng;

/// When and how often to retry an idempotent request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// Upper bound of the first delay.
    pub base: Duration,
    /// No delay is ever longer than this (also caps a server's `Retry-After`).
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 5, base: Duration::from_millis(400), cap: Duration::from_secs(30) }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (1 = first retry): uniform in `[0, min(cap, base·2^(attempt-1))]`.
    pub fn delay<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let exp = attempt.saturating_sub(1).min(16);
        let ceiling = self.base.saturating_mul(1u32 << exp).min(self.cap);
        let ms = ceiling.as_millis() as u64;
        Duration::from_millis(if ms == 0 { 0 } else { rng.random_range(0..=ms) })
    }

    /// The delay to use when the server named one (`Retry-After`): the server's, capped, never zero.
    pub fn server_delay(&self, retry_after: Duration) -> Duration {
        retry_after.clamp(Duration::from_millis(100), self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn delays_grow_exponentially_and_stay_under_the_cap() {
        let p = RetryPolicy { max_attempts: 10, base: Duration::from_millis(100), cap: Duration::from_secs(1) };
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 1..10 {
            let ceiling = Duration::from_millis(100 * (1 << (attempt - 1))).min(p.cap);
            for _ in 0..50 {
                assert!(p.delay(attempt, &mut rng) <= ceiling);
            }
        }
    }

    #[test]
    fn jitter_spreads_the_delays() {
        let p = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(1);
        let delays: std::collections::HashSet<_> = (0..20).map(|_| p.delay(3, &mut rng)).collect();
        assert!(delays.len() > 10, "jitter should vary the delays: {delays:?}");
    }

    #[test]
    fn a_servers_retry_after_is_honoured_but_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.server_delay(Duration::from_secs(2)), Duration::from_secs(2));
        assert_eq!(p.server_delay(Duration::from_secs(3600)), p.cap);
    }
}
