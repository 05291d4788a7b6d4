//! The cooldown policy as a pure function: a model that failed `failures` times within
//! `window` seconds rests for `cooldown` seconds after the last of those failures. The ledger
//! (another crate) stores failure times across processes and the binary passes them in with
//! the time, so this crate never reads a clock.

use serde::Serialize;

/// When a failing model is rested. `failures == 0` turns cooldowns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CooldownPolicy {
    /// How many failures within `window` start a cooldown.
    pub failures: u32,
    /// Seconds.
    pub window: u64,
    /// Seconds, counted from the failure that completed the count.
    pub cooldown: u64,
}

impl CooldownPolicy {
    /// [`cooling_until`] as the state [`crate::RouteInput::cooling`] answers with.
    pub fn state(&self, failure_times: &[u64], now: u64) -> Option<CooldownState> {
        cooling_until(self, failure_times, now).and_then(|until| CooldownState::at(until, now))
    }
}

/// A model resting until a time; what [`crate::RouteInput::cooling`] answers for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CooldownState {
    /// Unix seconds at which the model may be tried again.
    pub until_unix_s: u64,
    /// Seconds from the caller's `now` to `until_unix_s`, for messages.
    pub remaining_s: u64,
}

impl CooldownState {
    /// The state at `now` for a cooldown ending at `until`; `None` once it has ended.
    pub fn at(until: u64, now: u64) -> Option<CooldownState> {
        (until > now).then(|| CooldownState {
            until_unix_s: until,
            remaining_s: until - now,
        })
    }
}

/// When the model with these failures (unix seconds, any order) may be tried again, if it is
/// resting at `now`. Every run of `policy.failures` failures within `policy.window` seconds
/// (inclusive) rests it until its last failure + `policy.cooldown`; the latest such end wins.
/// O(n log n) for n failures (a sort of a copy).
pub fn cooling_until(policy: &CooldownPolicy, failure_times: &[u64], now: u64) -> Option<u64> {
    let needed = usize::try_from(policy.failures).ok().filter(|&n| n > 0)?;
    let mut times = failure_times.to_vec();
    times.sort_unstable();
    // For each failure as the end of a run, the run's first member is `needed - 1` before it.
    let until = times
        .windows(needed)
        .filter(|run| run[needed - 1] - run[0] <= policy.window)
        .map(|run| run[needed - 1].saturating_add(policy.cooldown))
        .max()?;
    (until > now).then_some(until)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: CooldownPolicy = CooldownPolicy {
        failures: 3,
        window: 60,
        cooldown: 120,
    };

    #[test]
    fn the_table_of_cases() {
        // (failures, now, expected)
        let cases: &[(&[u64], u64, Option<u64>)] = &[
            (&[], 1000, None),
            (&[990, 995], 1000, None),
            (&[940, 970, 1000], 1000, Some(1120)),
            (&[1000, 940, 970], 1050, Some(1120)),
            (&[939, 970, 1000], 1000, None),
            (&[940, 970, 1000], 1120, None),
            (&[940, 970, 1000], 1119, Some(1120)),
            // An old burst that has ended does not count; a later lone failure does not start one.
            (&[100, 101, 102, 1000], 1001, None),
            // Four in a row: the run ending last sets the end.
            (&[900, 910, 920, 930], 1000, Some(1050)),
        ];
        for (failures, now, expected) in cases {
            assert_eq!(
                cooling_until(&POLICY, failures, *now),
                *expected,
                "failures {failures:?} at {now}"
            );
        }
    }

    #[test]
    fn zero_failures_turns_cooldowns_off() {
        let off = CooldownPolicy {
            failures: 0,
            ..POLICY
        };
        assert_eq!(cooling_until(&off, &[1, 2, 3], 3), None);
    }

    #[test]
    fn state_counts_down_to_none() {
        assert_eq!(
            CooldownState::at(1120, 1000),
            Some(CooldownState {
                until_unix_s: 1120,
                remaining_s: 120
            })
        );
        assert_eq!(CooldownState::at(1120, 1120), None);
        assert_eq!(
            POLICY.state(&[940, 970, 1000], 1100).map(|s| s.remaining_s),
            Some(20)
        );
    }
}
