//! Sign-in throttling: fixed windows of attempts per key (an account, an IP address), kept in
//! memory per server instance.
//!
//! Per instance is enough against guessing because the lasting defence is in the database:
//! consecutive failures pause the account's sign-in with a growing delay (see
//! `domain::account::sign_in_pause_ms`), which holds across instances. The throttle's job is
//! to make guessing slow and cheap to refuse.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Attempts allowed per window for one key.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub attempts: u32,
    pub window: Duration,
}

/// Counters per key; stale windows are dropped as the map grows.
pub struct Throttle {
    limit: Limit,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Throttle {
    pub fn new(limit: Limit) -> Self {
        Throttle {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt for `key`. `Err(seconds)` when the key is over its limit: the attempt
    /// must be refused and may be retried after that many seconds.
    pub fn hit(&self, key: &str, now: Instant) -> Result<(), u64> {
        self.hit_limit(key, self.limit, now)
    }

    /// Counts an attempt for `key` against `limit` instead of the throttle's own (keys with
    /// limits of their own, such as intake keys).
    pub fn hit_limit(&self, key: &str, limit: Limit, now: Instant) -> Result<(), u64> {
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            let window = limit.window;
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.window {
            *entry = (now, 0);
        }
        if entry.1 >= limit.attempts {
            let left = limit.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Whether `key` is currently over its limit, without counting an attempt.
    pub fn blocked(&self, key: &str, now: Instant) -> Option<u64> {
        let map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let (start, count) = map.get(key)?;
        let elapsed = now.duration_since(*start);
        (elapsed < self.limit.window && *count >= self.limit.attempts)
            .then(|| self.limit.window.saturating_sub(elapsed).as_secs().max(1))
    }

    /// Forgets `key` (after a successful sign-in, its failures no longer count).
    pub fn clear(&self, key: &str) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attempt_over_the_limit_is_refused_until_the_window_ends() {
        let t = Throttle::new(Limit {
            attempts: 3,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.hit("ip:1.2.3.4", t0).is_ok());
        }
        let retry = t
            .hit("ip:1.2.3.4", t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(retry, 50);
        assert!(t.hit("ip:5.6.7.8", t0).is_ok(), "other keys are unaffected");
        assert!(t.hit("ip:1.2.3.4", t0 + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn clearing_a_key_forgets_its_attempts() {
        let t = Throttle::new(Limit {
            attempts: 1,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        t.hit("a", t0).unwrap();
        assert!(t.blocked("a", t0).is_some());
        t.clear("a");
        assert!(t.blocked("a", t0).is_none());
        assert!(t.hit("a", t0).is_ok());
    }
}
