//! What the hub does, independent of HTTP: each function takes the signed-in `Actor`,
//! checks what that role may do, and calls the query layer. Pages and API both call these,
//! so a rule enforced for one is enforced for the other.

pub mod accounts;
pub mod dossier_archive;
pub mod dossiers;
pub mod events;
pub mod runs;
pub mod scoreboard;
pub mod systems;
pub mod uploads;

use crate::auth::LoginLimiter;
use crate::db::Db;
use std::path::PathBuf;

/// Settings of the web process.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Suite folders the organiser may put in play live under here.
    pub suites_dir: PathBuf,
    /// Data folder: worker keys, work folders.
    pub data_dir: PathBuf,
    /// Largest upload accepted, bytes (compressed); bundles unpack to at most 8× that.
    pub max_upload: usize,
    /// Attempts a run gets before a lost worker leaves it interrupted.
    pub max_attempts: i64,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
}

impl HubConfig {
    pub fn new(data_dir: PathBuf) -> HubConfig {
        HubConfig {
            suites_dir: PathBuf::from("testsuites"),
            data_dir,
            max_upload: 64 << 20,
            max_attempts: 2,
            secure_cookies: false,
        }
    }
}

/// The shared state of the web process.
#[derive(Debug)]
pub struct Hub {
    pub db: Db,
    pub config: HubConfig,
    pub limiter: LoginLimiter,
}

impl Hub {
    pub fn new(db: Db, config: HubConfig) -> Hub {
        Hub {
            db,
            config,
            limiter: LoginLimiter::default(),
        }
    }
}

/// Trims a required text field, refusing empty ones by name.
pub fn required(name: &str, value: &str) -> crate::error::HubResult<String> {
    let value = value.trim();
    if value.is_empty() {
        Err(crate::error::HubError::bad(format!("{name} is required")))
    } else if value.len() > 2000 {
        Err(crate::error::HubError::bad(format!("{name} is too long")))
    } else {
        Ok(value.to_string())
    }
}
