//! Everything that differs between SQLite and PostgreSQL, in one place: connection URLs,
//! pool sizes and the queue's claim statement. The migrations differ only in id and blob
//! column types (migrations/sqlite vs migrations/postgres).

use crate::error::{HubError, HubResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of_url(url: &str) -> HubResult<Dialect> {
        if url.starts_with("sqlite:") {
            Ok(Dialect::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Dialect::Postgres)
        } else {
            Err(HubError::bad(format!(
                "unsupported database URL `{}`: use sqlite://FILE or postgres://USER@HOST:PORT/DB",
                redact_url(url)
            )))
        }
    }

    /// SQLite: create the file when it does not exist (`mode=rwc`).
    pub fn connect_url(self, url: &str) -> String {
        match self {
            Dialect::Sqlite if !url.contains('?') => format!("{url}?mode=rwc"),
            _ => url.to_string(),
        }
    }

    pub fn max_connections(self) -> u32 {
        match self {
            // One writer at a time anyway; a few readers for pages.
            Dialect::Sqlite => 4,
            Dialect::Postgres => 8,
        }
    }

    /// The URL without its password, for messages.
    pub fn describe(self, url: &str) -> String {
        redact_url(url)
    }

    /// Claims the oldest queued run for `$1` (worker name) until `$2` (lease end, ms),
    /// starting at `$3` (ms). PostgreSQL skips rows another worker holds, so concurrent
    /// workers never claim the same run and never wait for each other; SQLite has one
    /// writer at a time, which makes the sub-select and the update atomic already.
    pub fn claim_sql(self) -> &'static str {
        match self {
            Dialect::Postgres => {
                "UPDATE runs SET state = 'running', worker = $1, lease_until = $2, started_at = $3, \
                 attempt = attempt + 1 \
                 WHERE id = (SELECT id FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1 \
                 FOR UPDATE SKIP LOCKED) RETURNING id"
            }
            Dialect::Sqlite => {
                "UPDATE runs SET state = 'running', worker = $1, lease_until = $2, started_at = $3, \
                 attempt = attempt + 1 \
                 WHERE id = (SELECT id FROM runs WHERE state = 'queued' ORDER BY id LIMIT 1) \
                 RETURNING id"
            }
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_the_dialect_and_hide_passwords() {
        assert_eq!(
            Dialect::of_url("sqlite://hub.db").ok(),
            Some(Dialect::Sqlite)
        );
        assert_eq!(
            Dialect::of_url("postgres://u:p@127.0.0.1:5432/hub").ok(),
            Some(Dialect::Postgres)
        );
        assert!(Dialect::of_url("mysql://x").is_err());
        assert_eq!(
            redact_url("postgres://u:pw@127.0.0.1:5432/hub"),
            "postgres://u:***@127.0.0.1:5432/hub"
        );
        assert_eq!(
            Dialect::Sqlite.connect_url("sqlite://hub.db"),
            "sqlite://hub.db?mode=rwc"
        );
    }
}
