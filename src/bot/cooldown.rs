//! Per-user cooldowns between searches, in memory and bounded: a user's
//! entry is forgotten once their cooldown has passed, so the map holds at
//! most the users who searched within the last window (plus those since the
//! last sweep), however long the bot runs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Entries before the first sweep; after a sweep, twice what is left.
const FIRST_SWEEP_AT: usize = 256;

pub(super) struct Cooldowns {
    window: Duration,
    last: HashMap<u64, Instant>,
    sweep_at: usize,
}

impl Cooldowns {
    pub(super) fn new(window: Duration) -> Cooldowns {
        Cooldowns {
            window,
            last: HashMap::new(),
            sweep_at: FIRST_SWEEP_AT,
        }
    }

    /// Seconds `user` still has to wait at `now`, or `None` (and the
    /// search counts from `now`).
    pub(super) fn check(&mut self, user: u64, now: Instant) -> Option<u64> {
        if self.window.is_zero() {
            return None;
        }
        if let Some(last) = self.last.get(&user) {
            let wait = self
                .window
                .saturating_sub(now.saturating_duration_since(*last));
            if !wait.is_zero() {
                // Rounded up: "wait 3s" when 2.5 are left.
                return Some(u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX));
            }
        }
        self.last.insert(user, now);
        if self.last.len() >= self.sweep_at {
            let window = self.window;
            self.last
                .retain(|_, t| now.saturating_duration_since(*t) < window);
            // Sweeping again only when the map has doubled keeps each
            // search's share of the sweeping constant.
            self.sweep_at = (self.last.len() * 2).max(FIRST_SWEEP_AT);
        }
        None
    }

    /// Users remembered now.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.last.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_waits_out_the_window() {
        let mut c = Cooldowns::new(Duration::from_secs(3));
        let t = Instant::now();
        assert_eq!(c.check(7, t), None);
        assert_eq!(c.check(7, t + Duration::from_millis(500)), Some(3));
        assert_eq!(c.check(7, t + Duration::from_millis(2500)), Some(1));
        assert_eq!(c.check(7, t + Duration::from_secs(3)), None);
        // Off when the window is zero.
        let mut off = Cooldowns::new(Duration::ZERO);
        assert_eq!(off.check(7, t), None);
        assert_eq!(off.check(7, t), None);
        assert_eq!(off.len(), 0);
    }

    #[test]
    fn users_whose_cooldown_passed_are_forgotten() {
        // A bot that runs for a long time: a million different users, ten
        // a second, a three-second cooldown.
        let mut c = Cooldowns::new(Duration::from_secs(3));
        let start = Instant::now();
        let mut most = 0;
        for user in 0..1_000_000u64 {
            let now = start + Duration::from_millis(user * 100);
            assert_eq!(c.check(user, now), None);
            most = most.max(c.len());
        }
        // Only those of the last window and since the last sweep remain.
        assert!(most <= FIRST_SWEEP_AT, "{most} users remembered");
    }
}
