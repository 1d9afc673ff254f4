//! Sign-in rate limiting: after `MAX_FAILURES` failed attempts within `WINDOW` for one
//! account name or one client address, further attempts are refused until the window has
//! passed. Kept in memory: the web process is the only one that checks passwords, and a
//! restart forgetting the counters costs an attacker a restart they cannot cause.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    /// `Err(seconds)` when `keys` (e.g. `email:…`, `ip:…`) must wait.
    pub fn check(&self, keys: &[String]) -> Result<(), u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0u64;
        for key in keys {
            if let Some(times) = map.get_mut(key) {
                times.retain(|t| now.duration_since(*t) < WINDOW);
                if times.len() >= MAX_FAILURES {
                    let oldest = times.first().copied().unwrap_or(now);
                    let left = WINDOW.saturating_sub(now.duration_since(oldest));
                    wait = wait.max(left.as_secs().max(1));
                }
            }
        }
        if wait > 0 { Err(wait) } else { Ok(()) }
    }

    pub fn fail(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Bounded memory under a spray of names: forget the oldest state wholesale.
            map.clear();
        }
        for key in keys {
            map.entry(key.clone()).or_default().push(now);
        }
    }

    pub fn succeed(&self, email_key: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(email_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_waits() {
        let limiter = LoginLimiter::default();
        let keys = vec![
            "email:a@example.org".to_string(),
            "ip:127.0.0.1".to_string(),
        ];
        for _ in 0..MAX_FAILURES {
            assert!(limiter.check(&keys).is_ok());
            limiter.fail(&keys);
        }
        assert!(limiter.check(&keys).is_err());
        // Another account from another address is not affected.
        assert!(
            limiter
                .check(&[
                    "email:b@example.org".to_string(),
                    "ip:127.0.0.2".to_string()
                ])
                .is_ok()
        );
    }
}
