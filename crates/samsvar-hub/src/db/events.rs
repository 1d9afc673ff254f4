//! Events, the suites in play, systems and what they claim, and the blob store.

use super::{ActorClaim, Db, Event, IdRow, SuiteActor, SuiteRow, SystemActor, SystemRow, now_ms};
use crate::error::HubResult;
use sqlx::FromRow;

/// What registering (or refreshing) a suite stores.
#[derive(Debug, Clone)]
pub struct NewSuite<'a> {
    pub event_id: i64,
    pub suite_id: &'a str,
    pub title: &'a str,
    pub version: &'a str,
    pub digest: &'a str,
    pub archive_digest: &'a str,
    pub source_path: &'a str,
    pub targets: &'a str,
}

/// What registering a system stores.
#[derive(Debug, Clone)]
pub struct NewSystem<'a> {
    pub event_id: i64,
    pub org_id: i64,
    pub name: &'a str,
    pub version: &'a str,
    pub reference: &'a str,
    pub endpoints: &'a str,
    pub sim_defects: &'a str,
}

#[derive(FromRow)]
struct BlobBytes {
    bytes: Vec<u8>,
}

impl Db {
    pub async fn create_event(&self, name: &str, description: &str) -> HubResult<i64> {
        let row: IdRow = sqlx::query_as(
            "INSERT INTO events (name, description, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(description)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    pub async fn events(&self) -> HubResult<Vec<Event>> {
        Ok(sqlx::query_as("SELECT * FROM events ORDER BY id")
            .fetch_all(&self.pool)
            .await?)
    }

    pub async fn event(&self, id: i64) -> HubResult<Event> {
        Ok(sqlx::query_as("SELECT * FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Adds the suite to the event, or replaces its version, digest and snapshot.
    pub async fn upsert_suite(&self, s: &NewSuite<'_>) -> HubResult<i64> {
        let existing: Option<IdRow> =
            sqlx::query_as("SELECT id FROM suites WHERE event_id = $1 AND suite_id = $2")
                .bind(s.event_id)
                .bind(s.suite_id)
                .fetch_optional(&self.pool)
                .await?;
        if let Some(row) = existing {
            sqlx::query(
                "UPDATE suites SET title = $1, version = $2, digest = $3, archive_digest = $4, \
                 source_path = $5, targets = $6, updated_at = $7 WHERE id = $8",
            )
            .bind(s.title)
            .bind(s.version)
            .bind(s.digest)
            .bind(s.archive_digest)
            .bind(s.source_path)
            .bind(s.targets)
            .bind(now_ms())
            .bind(row.id)
            .execute(&self.pool)
            .await?;
            return Ok(row.id);
        }
        let row: IdRow = sqlx::query_as(
            "INSERT INTO suites (event_id, suite_id, title, version, digest, archive_digest, \
             source_path, targets, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(s.event_id)
        .bind(s.suite_id)
        .bind(s.title)
        .bind(s.version)
        .bind(s.digest)
        .bind(s.archive_digest)
        .bind(s.source_path)
        .bind(s.targets)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    pub async fn set_suite_actors(&self, suite_ref: i64, claims: &[ActorClaim]) -> HubResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM suite_actors WHERE suite_ref = $1")
            .bind(suite_ref)
            .execute(&mut *tx)
            .await?;
        for c in claims {
            sqlx::query("INSERT INTO suite_actors (suite_ref, profile, actor) VALUES ($1, $2, $3)")
                .bind(suite_ref)
                .bind(&c.profile)
                .bind(&c.actor)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn suites(&self, event_id: i64) -> HubResult<Vec<SuiteRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM suites WHERE event_id = $1 ORDER BY suite_id")
                .bind(event_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn suite(&self, id: i64) -> HubResult<SuiteRow> {
        Ok(sqlx::query_as("SELECT * FROM suites WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn suite_by_suite_id(
        &self,
        event_id: i64,
        suite_id: &str,
    ) -> HubResult<Option<SuiteRow>> {
        Ok(
            sqlx::query_as("SELECT * FROM suites WHERE event_id = $1 AND suite_id = $2")
                .bind(event_id)
                .bind(suite_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn suite_actors(&self, event_id: i64) -> HubResult<Vec<SuiteActor>> {
        Ok(sqlx::query_as(
            "SELECT suite_actors.* FROM suite_actors JOIN suites ON suites.id = suite_actors.suite_ref \
             WHERE suites.event_id = $1 ORDER BY profile, actor, suite_ref",
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn create_system(&self, s: &NewSystem<'_>, claims: &[ActorClaim]) -> HubResult<i64> {
        let mut tx = self.pool.begin().await?;
        let row: IdRow = sqlx::query_as(
            "INSERT INTO systems (event_id, org_id, name, version, reference, endpoints, sim_defects, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(s.event_id)
        .bind(s.org_id)
        .bind(s.name)
        .bind(s.version)
        .bind(s.reference)
        .bind(s.endpoints)
        .bind(s.sim_defects)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        for c in claims {
            sqlx::query(
                "INSERT INTO system_actors (system_id, profile, actor) VALUES ($1, $2, $3)",
            )
            .bind(row.id)
            .bind(&c.profile)
            .bind(&c.actor)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(row.id)
    }

    /// Systems of an event; of one organisation only when `org_id` is given.
    pub async fn systems(
        &self,
        event_id: Option<i64>,
        org_id: Option<i64>,
    ) -> HubResult<Vec<SystemRow>> {
        let rows = sqlx::query_as(
            "SELECT * FROM systems WHERE ($1 = 0 OR event_id = $1) AND ($2 = 0 OR org_id = $2) \
             ORDER BY name, version, id",
        )
        .bind(event_id.unwrap_or(0))
        .bind(org_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    pub async fn system(&self, id: i64) -> HubResult<SystemRow> {
        Ok(sqlx::query_as("SELECT * FROM systems WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn system_actors(&self, event_id: i64) -> HubResult<Vec<SystemActor>> {
        Ok(sqlx::query_as(
            "SELECT system_actors.* FROM system_actors JOIN systems ON systems.id = system_actors.system_id \
             WHERE systems.event_id = $1 ORDER BY system_id, profile, actor",
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn actors_of_system(&self, system_id: i64) -> HubResult<Vec<ActorClaim>> {
        Ok(sqlx::query_as(
            "SELECT profile, actor FROM system_actors WHERE system_id = $1 ORDER BY profile, actor",
        )
        .bind(system_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Stores bytes under their sha256 (idempotent).
    pub async fn put_blob(&self, digest: &str, bytes: &[u8]) -> HubResult<()> {
        let exists: Option<(String,)> =
            sqlx::query_as("SELECT digest FROM blobs WHERE digest = $1")
                .bind(digest)
                .fetch_optional(&self.pool)
                .await?;
        if exists.is_none() {
            let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
            let result = sqlx::query("INSERT INTO blobs (digest, size, bytes) VALUES ($1, $2, $3)")
                .bind(digest)
                .bind(size)
                .bind(bytes.to_vec())
                .execute(&self.pool)
                .await;
            match result {
                Ok(_) => {}
                // Another writer stored the same bytes first: content addressing makes that fine.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    pub async fn blob(&self, digest: &str) -> HubResult<Vec<u8>> {
        let row: BlobBytes = sqlx::query_as("SELECT bytes FROM blobs WHERE digest = $1")
            .bind(digest)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.bytes)
    }
}
