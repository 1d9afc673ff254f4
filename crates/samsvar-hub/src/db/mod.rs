//! The query layer: one pool for SQLite or PostgreSQL (sqlx's `Any` driver), embedded
//! migrations per dialect, and every SQL statement of the hub in this module's files.
//!
//! Queries are checked at run time (`sqlx::query_as` + `FromRow`), not with the `query!`
//! macros: those need a live database (or committed offline data for two dialects) at build
//! time, and the same statement text serves both databases here. The migrations and the
//! tests against both databases are what keeps the statements honest.

mod accounts;
pub mod dialect;
mod dossiers;
mod events;
mod rows;
mod runs;

pub use dialect::Dialect;
pub use events::{NewSuite, NewSystem};
pub use rows::*;
pub use runs::{NewRun, Orphan, RunFilter, RunResult};

use crate::error::{HubError, HubResult};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A connected, migrated hub database.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    pub dialect: Dialect,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.dialect)
    }
}

impl Db {
    /// Connects to `url` (`sqlite://FILE` or `postgres://…`) and applies pending migrations.
    pub async fn connect(url: &str) -> HubResult<Db> {
        install_default_drivers();
        let dialect = Dialect::of_url(url)?;
        let url = dialect.connect_url(url);
        let mut options = AnyPoolOptions::new()
            .max_connections(dialect.max_connections())
            .acquire_timeout(Duration::from_secs(30));
        if dialect == Dialect::Sqlite {
            // WAL lets pages read while a run result is written; the busy timeout makes a
            // second writer wait instead of failing with "database is locked".
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await.map_err(|e| {
            HubError::internal(format!(
                "failed to open the database {}: {e}",
                dialect.describe(&url)
            ))
        })?;
        let migrator = match dialect {
            Dialect::Sqlite => &SQLITE_MIGRATIONS,
            Dialect::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&pool)
            .await
            .map_err(|e| HubError::internal(format!("failed to migrate the database: {e}")))?;
        Ok(Db { pool, dialect })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch, the hub's one time representation in the database.
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}

/// `2026-12-02 12:16:56 UTC` for pages and exports.
pub fn format_ms(ms: i64) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return ms.to_string();
    };
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.format(&format).unwrap_or_else(|_| ms.to_string())
}

impl Db {
    /// `sqlite` or `postgresql`, for reports.
    pub fn dialect_name(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgresql",
        }
    }
}
