//! Runs: the durable queue (enqueue, claim, lease, finish, recovery), stored results,
//! reviews, and the reads the scoreboard needs.

use super::{Db, IdRow, LatestRun, RequirementCell, Review, Run, RunAttempt, now_ms};
use crate::error::HubResult;

/// A run to queue (from the hub) or to store (an upload).
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub event_id: i64,
    pub system_id: i64,
    pub suite_ref: i64,
    pub suite_version: &'a str,
    pub targets: &'a str,
    pub sim_defects: &'a str,
    pub queued_by: i64,
    pub max_attempts: i64,
}

/// What a finished attempt (or a verified upload) records.
#[derive(Debug, Clone, Default)]
pub struct RunResult {
    pub state: String,
    pub exit_code: Option<i64>,
    pub reason: Option<String>,
    pub bundle_digest: Option<String>,
    pub evidence_run_id: Option<String>,
    pub outcome: Option<String>,
    pub signer_kid: Option<String>,
    pub simulated: bool,
    pub complete: bool,
    pub summary: Option<String>,
    pub requirements: Vec<(String, String)>,
}

/// Which runs a list shows.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub event_id: Option<i64>,
    pub org_id: Option<i64>,
    pub system_id: Option<i64>,
    pub state: Option<String>,
    pub limit: i64,
}

/// A run found with an expired lease: its worker stopped heartbeating.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Orphan {
    pub id: i64,
    pub attempt: i64,
    pub state: String,
    pub worker: Option<String>,
    pub started_at: Option<i64>,
}

impl Db {
    pub async fn enqueue_run(&self, r: &NewRun<'_>) -> HubResult<i64> {
        let row: IdRow = sqlx::query_as(
            "INSERT INTO runs (event_id, system_id, suite_ref, suite_version, source, state, targets, \
             sim_defects, queued_by, queued_at, max_attempts) \
             VALUES ($1, $2, $3, $4, 'hub', 'queued', $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(r.event_id)
        .bind(r.system_id)
        .bind(r.suite_ref)
        .bind(r.suite_version)
        .bind(r.targets)
        .bind(r.sim_defects)
        .bind(r.queued_by)
        .bind(now_ms())
        .bind(r.max_attempts)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.id)
    }

    /// Stores a verified upload as a finished run.
    pub async fn insert_uploaded_run(&self, r: &NewRun<'_>, result: &RunResult) -> HubResult<i64> {
        let now = now_ms();
        let row: IdRow = sqlx::query_as(
            "INSERT INTO runs (event_id, system_id, suite_ref, suite_version, source, state, targets, \
             sim_defects, queued_by, queued_at, started_at, max_attempts, attempt) \
             VALUES ($1, $2, $3, $4, 'upload', 'running', $5, $6, $7, $8, $8, 1, 1) RETURNING id",
        )
        .bind(r.event_id)
        .bind(r.system_id)
        .bind(r.suite_ref)
        .bind(r.suite_version)
        .bind(r.targets)
        .bind(r.sim_defects)
        .bind(r.queued_by)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        self.finish_run(row.id, None, result).await?;
        Ok(row.id)
    }

    /// Claims the oldest queued run for `worker`; `None` when the queue is empty.
    pub async fn claim_run(&self, worker: &str, lease_ms: i64) -> HubResult<Option<Run>> {
        let now = now_ms();
        let claimed: Option<IdRow> = sqlx::query_as(self.dialect.claim_sql())
            .bind(worker)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        match claimed {
            Some(row) => Ok(Some(self.run(row.id).await?)),
            None => Ok(None),
        }
    }

    /// Extends the lease; `false` when the run is no longer this worker's.
    pub async fn heartbeat(&self, run_id: i64, worker: &str, lease_ms: i64) -> HubResult<bool> {
        let result = sqlx::query(
            "UPDATE runs SET lease_until = $1 WHERE id = $2 AND worker = $3 AND state = 'running'",
        )
        .bind(now_ms() + lease_ms)
        .bind(run_id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Records the result of a running run. With `worker`, only while that worker still
    /// holds it (a worker that lost its lease to recovery must not overwrite the retry).
    pub async fn finish_run(
        &self,
        run_id: i64,
        worker: Option<&str>,
        r: &RunResult,
    ) -> HubResult<bool> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE runs SET state = $1, exit_code = $2, reason = $3, bundle_digest = $4, \
             evidence_run_id = $5, outcome = $6, signer_kid = $7, simulated = $8, complete = $9, \
             summary = $10, finished_at = $11, lease_until = NULL \
             WHERE id = $12 AND state = 'running' AND ($13 = '' OR worker = $13)",
        )
        .bind(&r.state)
        .bind(r.exit_code)
        .bind(r.reason.as_deref())
        .bind(r.bundle_digest.as_deref())
        .bind(r.evidence_run_id.as_deref())
        .bind(r.outcome.as_deref())
        .bind(r.signer_kid.as_deref())
        .bind(i64::from(r.simulated))
        .bind(i64::from(r.complete))
        .bind(r.summary.as_deref())
        .bind(now_ms())
        .bind(run_id)
        .bind(worker.unwrap_or(""))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("DELETE FROM run_requirements WHERE run_id = $1")
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        for (requirement, outcome) in &r.requirements {
            sqlx::query(
                "INSERT INTO run_requirements (run_id, requirement, outcome) VALUES ($1, $2, $3)",
            )
            .bind(run_id)
            .bind(requirement)
            .bind(outcome)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Finds runs whose lease ran out and takes them back: requeued while attempts are
    /// left, `interrupted` otherwise. Each orphan is returned to exactly one caller.
    pub async fn recover_expired(&self) -> HubResult<Vec<Orphan>> {
        let now = now_ms();
        let orphans: Vec<Orphan> = sqlx::query_as(
            "UPDATE runs SET state = CASE WHEN attempt < max_attempts THEN 'queued' ELSE 'interrupted' END, \
             reason = CASE WHEN attempt < max_attempts THEN reason \
                      ELSE 'interrupted: the worker stopped before the run ended' END, \
             finished_at = CASE WHEN attempt < max_attempts THEN NULL ELSE $1 END, \
             lease_until = NULL \
             WHERE state = 'running' AND source = 'hub' AND lease_until < $1 \
             RETURNING id, attempt, state, worker, started_at",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        Ok(orphans)
    }

    pub async fn record_attempt(&self, a: &RunAttempt) -> HubResult<()> {
        sqlx::query(
            "INSERT INTO run_attempts (run_id, attempt, worker, started_at, ended_at, result, detail, bundle_digest) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(a.run_id)
        .bind(a.attempt)
        .bind(&a.worker)
        .bind(a.started_at)
        .bind(a.ended_at)
        .bind(&a.result)
        .bind(&a.detail)
        .bind(a.bundle_digest.as_deref())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Attaches the bundle finalized from a lost attempt's journal.
    pub async fn attach_attempt_bundle(
        &self,
        run_id: i64,
        attempt: i64,
        digest: &str,
    ) -> HubResult<bool> {
        let result = sqlx::query(
            "UPDATE run_attempts SET bundle_digest = $1 WHERE run_id = $2 AND attempt = $3 AND bundle_digest IS NULL",
        )
        .bind(digest)
        .bind(run_id)
        .bind(attempt)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }

    pub async fn attempts(&self, run_id: i64) -> HubResult<Vec<RunAttempt>> {
        Ok(
            sqlx::query_as("SELECT * FROM run_attempts WHERE run_id = $1 ORDER BY attempt, id")
                .bind(run_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn run(&self, id: i64) -> HubResult<Run> {
        Ok(sqlx::query_as("SELECT * FROM runs WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn runs(&self, f: &RunFilter) -> HubResult<Vec<Run>> {
        let limit = if f.limit <= 0 { 200 } else { f.limit };
        Ok(sqlx::query_as(
            "SELECT runs.* FROM runs JOIN systems ON systems.id = runs.system_id \
             WHERE ($1 = 0 OR runs.event_id = $1) AND ($2 = 0 OR systems.org_id = $2) \
             AND ($3 = 0 OR runs.system_id = $3) AND ($4 = '' OR runs.state = $4) \
             ORDER BY runs.id DESC LIMIT $5",
        )
        .bind(f.event_id.unwrap_or(0))
        .bind(f.org_id.unwrap_or(0))
        .bind(f.system_id.unwrap_or(0))
        .bind(f.state.as_deref().unwrap_or(""))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest finished run per system and suite of an event.
    pub async fn latest_runs(&self, event_id: i64) -> HubResult<Vec<LatestRun>> {
        Ok(sqlx::query_as(
            "SELECT r.id, r.system_id, r.suite_ref, r.suite_version, r.state, r.override_state, r.signed_off_at \
             FROM runs r JOIN (SELECT MAX(id) AS id FROM runs WHERE event_id = $1 \
               AND state IN ('passed', 'failed', 'error', 'interrupted') GROUP BY system_id, suite_ref) latest \
             ON latest.id = r.id",
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Requirement outcomes of the newest finished run per system and suite.
    pub async fn requirement_cells(&self, event_id: i64) -> HubResult<Vec<RequirementCell>> {
        Ok(sqlx::query_as(
            // MIN picks the worst outcome: `error` < `fail` < `pass`.
            "SELECT r.system_id, q.requirement, MIN(q.outcome) AS outcome \
             FROM (SELECT MAX(id) AS id FROM runs WHERE event_id = $1 \
               AND state IN ('passed', 'failed', 'error', 'interrupted') GROUP BY system_id, suite_ref) latest \
             JOIN runs r ON r.id = latest.id \
             JOIN run_requirements q ON q.run_id = latest.id GROUP BY r.system_id, q.requirement",
        )
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn add_review(
        &self,
        run_id: i64,
        user_id: i64,
        kind: &str,
        from_state: Option<&str>,
        to_state: Option<&str>,
        text: &str,
    ) -> HubResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO reviews (run_id, user_id, kind, from_state, to_state, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(run_id)
        .bind(user_id)
        .bind(kind)
        .bind(from_state)
        .bind(to_state)
        .bind(text)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        match kind {
            "override" => {
                sqlx::query("UPDATE runs SET override_state = $1 WHERE id = $2")
                    .bind(to_state)
                    .bind(run_id)
                    .execute(&mut *tx)
                    .await?;
            }
            "signoff" => {
                sqlx::query("UPDATE runs SET signed_off_by = $1, signed_off_at = $2 WHERE id = $3")
                    .bind(user_id)
                    .bind(now_ms())
                    .bind(run_id)
                    .execute(&mut *tx)
                    .await?;
            }
            _ => {}
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn reviews(&self, run_id: i64) -> HubResult<Vec<Review>> {
        Ok(sqlx::query_as(
            "SELECT reviews.id, reviews.run_id, reviews.user_id, users.name AS author, reviews.kind, \
             reviews.from_state, reviews.to_state, reviews.text, reviews.created_at \
             FROM reviews JOIN users ON users.id = reviews.user_id WHERE run_id = $1 ORDER BY reviews.id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The monitors' worklist: finished runs nobody has signed off yet, oldest first.
    pub async fn worklist(&self, event_id: Option<i64>) -> HubResult<Vec<Run>> {
        Ok(sqlx::query_as(
            "SELECT * FROM runs WHERE state IN ('passed', 'failed', 'error', 'interrupted') \
             AND signed_off_at IS NULL AND ($1 = 0 OR event_id = $1) ORDER BY id LIMIT 500",
        )
        .bind(event_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Db {
    /// Queued or running runs remain (a draining worker waits for others' leases).
    pub async fn has_unfinished_runs(&self) -> HubResult<bool> {
        let row: super::CountRow =
            sqlx::query_as("SELECT COUNT(*) AS n FROM runs WHERE state IN ('queued', 'running')")
                .fetch_one(&self.pool)
                .await?;
        Ok(row.n > 0)
    }
}
