//! Persistent queries that failed (their log refused an append, the broker
//! went away, ..) are never dropped: each is retried on its own, after a
//! wait that doubles with every failure in a row, while the other queries
//! go on. A success ends the failure.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The wait after a query's first failure.
const FIRST_WAIT: Duration = Duration::from_millis(500);
/// The longest wait between two tries.
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Why a persistent query is not running, and when it is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFailure {
    /// The last failure's message.
    pub message: String,
    /// Failures in a row.
    pub failures: u32,
    retry_at: Instant,
}

impl QueryFailure {
    /// The failure after `previous` (None: the first), failing with `message` at `now`.
    fn after(previous: Option<&QueryFailure>, message: String, now: Instant) -> QueryFailure {
        let failures = previous.map_or(0, |p| p.failures).saturating_add(1);
        let wait = FIRST_WAIT.saturating_mul(1 << (failures - 1).min(16)).min(LONGEST_WAIT);
        QueryFailure { message, failures, retry_at: now + wait }
    }

    /// Whether the query waits still at `now`.
    fn waiting(&self, now: Instant) -> bool {
        now < self.retry_at
    }
}

/// Whether the query `id` failed and waits still at `now`, by the
/// failures of the engine's queries.
pub(super) fn waiting(failing: &BTreeMap<String, QueryFailure>, id: &str, now: Instant) -> bool {
    failing.get(id).is_some_and(|f| f.waiting(now))
}

/// Records that the query `id` failed with `message` at `now`.
pub(super) fn record(failing: &mut BTreeMap<String, QueryFailure>, id: &str, message: String, now: Instant) {
    let failure = QueryFailure::after(failing.get(id), message, now);
    failing.insert(id.to_string(), failure);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_its_longest() {
        let now = Instant::now();
        let mut failure = QueryFailure::after(None, "down".into(), now);
        let mut waits = vec![failure.retry_at - now];
        for _ in 0..10 {
            failure = QueryFailure::after(Some(&failure), "down".into(), now);
            waits.push(failure.retry_at - now);
        }
        assert_eq!(failure.failures, 11);
        assert_eq!(&waits[..4], [500, 1_000, 2_000, 4_000].map(Duration::from_millis));
        assert_eq!(waits.last(), Some(&LONGEST_WAIT));
        assert!(failure.waiting(now) && !failure.waiting(now + LONGEST_WAIT));
    }
}
