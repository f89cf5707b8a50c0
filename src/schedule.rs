//! When is a feed next due: interval, min/max clamp, jitter, exponential
//! backoff on consecutive failures, Retry-After, Cache-Control max-age, RSS
//! `<ttl>` and `sy:updatePeriod`.
//!
//! Pure functions of (settings, outcome, a random sample): no sleeping, no
//! clock, no I/O. The caller adds the delay to "now" and stores the deadline.

use std::time::Duration;

use crate::config::Schedule;

/// What a poll amounted to, as far as scheduling is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The feed answered (200 or 304).
    Healthy {
        /// The interval the feed itself asks for (`<ttl>`, `sy:updatePeriod`).
        requested: Option<Duration>,
        /// `Cache-Control: max-age` of the response.
        max_age: Option<Duration>,
    },
    /// The poll failed; `consecutive` counts this failure too (1 on the first).
    Failed {
        /// Failures in a row, this one included.
        consecutive: u32,
        /// The server's Retry-After, if it sent one.
        retry_after: Option<Duration>,
    },
}

/// The delay until the next poll. `interval` is the feed's own interval (or
/// the default one) and `sample` a uniform random number in [0, 1) for the
/// jitter. A healthy feed's delay is always within [min, max]; a failing
/// one's within [min, max(max, max_backoff)].
pub fn next_delay(
    schedule: &Schedule,
    interval: Duration,
    outcome: Outcome,
    sample: f64,
) -> Duration {
    let (base, ceiling) = match outcome {
        Outcome::Healthy { requested, max_age } => {
            let wanted = [Some(interval), requested, max_age]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(interval);
            (wanted, schedule.max_interval)
        }
        Outcome::Failed {
            consecutive,
            retry_after,
        } => {
            let exponent = consecutive.saturating_sub(1).min(20);
            let backoff = interval
                .saturating_mul(1u32 << exponent)
                .min(schedule.max_backoff);
            let ceiling = schedule.max_backoff.max(schedule.max_interval);
            (backoff.max(retry_after.unwrap_or(Duration::ZERO)), ceiling)
        }
    };
    let jitter = base.mul_f64(schedule.jitter * sample.clamp(0.0, 1.0));
    (base + jitter).clamp(schedule.min_interval, ceiling)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: Duration = Duration::from_secs(300);
    const MAX: Duration = Duration::from_secs(86_400);

    fn schedule(jitter: f64) -> Schedule {
        Schedule {
            default_interval: Duration::from_secs(1800),
            min_interval: MIN,
            max_interval: MAX,
            max_backoff: Duration::from_secs(6 * 3600),
            jitter,
        }
    }

    fn healthy(requested: Option<u64>, max_age: Option<u64>) -> Outcome {
        Outcome::Healthy {
            requested: requested.map(Duration::from_secs),
            max_age: max_age.map(Duration::from_secs),
        }
    }

    #[test]
    fn healthy_feeds_take_the_longest_of_interval_ttl_and_max_age() {
        let s = schedule(0.0);
        let i = Duration::from_secs(1800);
        assert_eq!(next_delay(&s, i, healthy(None, None), 0.5), i);
        assert_eq!(
            next_delay(&s, i, healthy(Some(3600), Some(60)), 0.5),
            Duration::from_secs(3600)
        );
        assert_eq!(
            next_delay(&s, i, healthy(None, Some(7200)), 0.5),
            Duration::from_secs(7200)
        );
        assert_eq!(
            next_delay(&s, i, healthy(Some(10 * 86_400), None), 0.5),
            MAX
        );
        assert_eq!(
            next_delay(&s, Duration::from_secs(1), healthy(None, None), 0.5),
            MIN
        );
    }

    #[test]
    fn jitter_spreads_up_to_its_fraction() {
        let s = schedule(0.1);
        let i = Duration::from_secs(1000);
        assert_eq!(next_delay(&s, i, healthy(None, None), 0.0), i);
        assert_eq!(
            next_delay(&s, i, healthy(None, None), 0.5),
            Duration::from_secs(1050)
        );
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let s = schedule(0.0);
        let i = Duration::from_secs(600);
        let failed = |n, ra: Option<u64>| Outcome::Failed {
            consecutive: n,
            retry_after: ra.map(Duration::from_secs),
        };
        assert_eq!(
            next_delay(&s, i, failed(1, None), 0.0),
            Duration::from_secs(600)
        );
        assert_eq!(
            next_delay(&s, i, failed(2, None), 0.0),
            Duration::from_secs(1200)
        );
        assert_eq!(
            next_delay(&s, i, failed(4, None), 0.0),
            Duration::from_secs(4800)
        );
        assert_eq!(
            next_delay(&s, i, failed(30, None), 0.0),
            Duration::from_secs(6 * 3600)
        );
        assert_eq!(
            next_delay(&s, i, failed(1, Some(3000)), 0.0),
            Duration::from_secs(3000)
        );
    }

    proptest! {
        #[test]
        fn healthy_delay_stays_within_min_and_max(
            interval in 0u64..10_000_000,
            requested in proptest::option::of(0u64..10_000_000),
            max_age in proptest::option::of(0u64..10_000_000),
            jitter in 0.0f64..=0.5,
            sample in 0.0f64..1.0,
        ) {
            let s = schedule(jitter);
            let d = next_delay(&s, Duration::from_secs(interval), healthy(requested, max_age), sample);
            prop_assert!(d >= MIN && d <= MAX, "{d:?}");
        }

        #[test]
        fn failing_delay_stays_within_bounds(
            interval in 0u64..10_000_000,
            consecutive in 1u32..100,
            retry_after in proptest::option::of(0u64..10_000_000),
            sample in 0.0f64..1.0,
        ) {
            let s = schedule(0.2);
            let d = next_delay(&s, Duration::from_secs(interval), Outcome::Failed {
                consecutive,
                retry_after: retry_after.map(Duration::from_secs),
            }, sample);
            prop_assert!(d >= MIN && d <= MAX.max(s.max_backoff), "{d:?}");
        }
    }
}
