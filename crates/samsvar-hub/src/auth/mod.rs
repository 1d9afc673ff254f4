//! Who is asking: passwords (argon2id), session cookies with a per-session CSRF token, API
//! tokens (random, stored as sha256), sign-in rate limiting, and the roles' rules.

mod actor;
mod password;
mod ratelimit;

pub use actor::{Actor, Role};
pub use password::{hash_password, verify_password};
pub use ratelimit::LoginLimiter;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// The session cookie's name. `__Host-` would demand HTTPS; the hub often runs on loopback.
pub const SESSION_COOKIE: &str = "samsvar_hub_session";

/// Sessions last a working day.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;

/// 32 random bytes, hex: session ids, CSRF tokens, API tokens.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a session id or API token: its sha256. A stolen database
/// gives no usable cookie or token; the values are random, so no slow hash is needed.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// API tokens carry a prefix so they are recognisable in configs and secret scanners.
pub fn new_api_token() -> String {
    format!("svh_{}", random_secret())
}

/// Compares in constant time (CSRF tokens).
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = random_secret();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_secret());
        assert_ne!(secret_hash(&a), a);
        assert!(new_api_token().starts_with("svh_"));
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &random_secret()));
        assert!(!same_secret("ab", "abc"));
    }
}
