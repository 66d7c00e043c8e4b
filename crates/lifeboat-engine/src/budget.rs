//! The request budget: one per account, shared by everything the app does (browsing, polling, jobs), so that
//! Lifeboat as a whole stays under Aura's limit of 125 requests per minute.
//!
//! It is a sliding one-minute window rather than a token bucket because Aura counts requests per minute; when the
//! server still answers 429 (another tool shares the account), [`RequestBudget::hold_for`] pauses every caller,
//! not just the one that got the 429.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Aura's documented global limit.
pub const AURA_REQUESTS_PER_MINUTE: u32 = 125;
/// What Lifeboat allows itself by default: a little under the limit, leaving room for the console in a browser.
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 115;

const WINDOW: Duration = Duration::from_secs(60);

/// A shared, async request budget. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct RequestBudget {
    per_minute: usize,
    state: Mutex<BudgetState>,
}

#[derive(Debug, Default)]
struct BudgetState {
    sent: VecDeque<Instant>,
    hold_until: Option<Instant>,
}

impl Default for RequestBudget {
    fn default() -> Self {
        Self::per_minute(DEFAULT_REQUESTS_PER_MINUTE)
    }
}

impl RequestBudget {
    /// A budget of `n` requests per rolling minute (at least one).
    pub fn per_minute(n: u32) -> Self {
        Self { per_minute: n.max(1) as usize, state: Mutex::new(BudgetState::default()) }
    }

    /// Waits until one more request fits in the window, then counts it.
    pub async fn acquire(&self) {
        loop {
            let wait_until = {
                let mut st = self.state.lock().await;
                let now = Instant::now();
                while st.sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    st.sent.pop_front();
                }
                match st.hold_until {
                    Some(h) if h > now => Some(h),
                    _ if st.sent.len() < self.per_minute => {
                        st.sent.push_back(now);
                        return;
                    }
                    // The oldest request leaves the window first.
                    _ => st.sent.front().map(|t| *t + WINDOW),
                }
            };
            if let Some(at) = wait_until {
                tokio::time::sleep_until(at).await;
            }
        }
    }

    /// Pauses every caller for `delay` (the server said 429 with `Retry-After`).
    pub async fn hold_for(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut st = self.state.lock().await;
        if st.hold_until.is_none_or(|h| h < until) {
            st.hold_until = Some(until);
        }
    }

    /// Requests counted in the last minute (for diagnostics and the benchmark).
    pub async fn used_in_last_minute(&self) -> usize {
        let mut st = self.state.lock().await;
        let now = Instant::now();
        while st.sent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            st.sent.pop_front();
        }
        st.sent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_past_the_limit_wait_for_the_window_to_slide() {
        let budget = RequestBudget::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            budget.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the first three fit at once");
        budget.acquire().await;
        assert!(start.elapsed() >= WINDOW, "the fourth waits a minute: {:?}", start.elapsed());
        assert_eq!(budget.used_in_last_minute().await, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_pauses_every_caller() {
        let budget = RequestBudget::per_minute(100);
        budget.hold_for(Duration::from_secs(7)).await;
        let start = Instant::now();
        budget.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(7));
        // A shorter hold never shortens a longer one.
        budget.hold_for(Duration::from_secs(20)).await;
        budget.hold_for(Duration::from_secs(1)).await;
        let start = Instant::now();
        budget.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(20));
    }
}
