//! Exponential backoff with full jitter, counting attempts *without progress*.
//!
//! Small enough to read in one go (the `backoff` crate is unmaintained). Full jitter spreads retries of many
//! clients after a shared outage; resetting on progress (googleapis/java-storage#3040) keeps a long upload over a
//! flaky link alive as long as it advances, while a loop of "PUT fails → query → PUT fails" still ends.

use std::time::Duration;

use rand::Rng;

use crate::request::RetryPolicy;

/// Attempt bookkeeping for one retried operation.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    policy: RetryPolicy,
    /// Failed attempts since the last progress.
    failures: u32,
}

impl Backoff {
    pub fn new(policy: RetryPolicy) -> Self {
        Backoff { policy, failures: 0 }
    }

    /// Records a failure. Returns how long to wait before the next attempt, or `None` when the attempts are used
    /// up. A server's `Retry-After` is honoured (capped by `max_delay`) when it asks for longer than the jitter.
    pub fn failed(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        self.failures += 1;
        if self.failures >= self.policy.max_attempts.max(1) {
            return None;
        }
        let jitter = delay(&self.policy, self.failures, &mut rand::rng());
        Some(match retry_after {
            Some(server) => server.min(self.policy.max_delay).max(jitter),
            None => jitter,
        })
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

/// The delay before retry `k` (1-based): uniform in `[0, min(max_delay, base_delay · 2^(k-1))]`.
pub(crate) fn delay<R: Rng + ?Sized>(policy: &RetryPolicy, k: u32, rng: &mut R) -> Duration {
    let exp = k.saturating_sub(1).min(20);
    let ceiling = policy.base_delay.saturating_mul(1u32 << exp).min(policy.max_delay);
    let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
    Duration::from_micros(if micros == 0 { 0 } else { rng.random_range(0..=micros) })
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
                assert!(delay(&p, k, &mut rng) <= ceiling);
            }
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|_| delay(&p, 4, &mut rng)).collect();
        assert!(spread.len() > 10, "full jitter varies the delays");
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
    fn retry_after_is_honoured_but_capped() {
        let mut b = Backoff::new(policy());
        assert_eq!(b.failed(Some(Duration::from_secs(3600))), Some(Duration::from_secs(1)));
        let d = b.failed(Some(Duration::from_millis(900))).unwrap();
        assert!(d >= Duration::from_millis(900));
    }
}
