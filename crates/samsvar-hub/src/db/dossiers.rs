//! Dossiers: a vendor's chosen runs for one system version, submitted for review.

use super::{Db, Dossier, DossierNote, IdRow, Run, now_ms};
use crate::error::HubResult;

impl Db {
    pub async fn create_dossier(
        &self,
        org_id: i64,
        system_id: i64,
        title: &str,
        created_by: i64,
        run_ids: &[i64],
    ) -> HubResult<i64> {
        let mut tx = self.pool.begin().await?;
        let row: IdRow = sqlx::query_as(
            "INSERT INTO dossiers (org_id, system_id, title, state, created_by, created_at) \
             VALUES ($1, $2, $3, 'draft', $4, $5) RETURNING id",
        )
        .bind(org_id)
        .bind(system_id)
        .bind(title)
        .bind(created_by)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        for run_id in run_ids {
            sqlx::query("INSERT INTO dossier_runs (dossier_id, run_id) VALUES ($1, $2)")
                .bind(row.id)
                .bind(run_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(row.id)
    }

    pub async fn dossier(&self, id: i64) -> HubResult<Dossier> {
        Ok(sqlx::query_as("SELECT * FROM dossiers WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?)
    }

    /// Dossiers of one organisation, or (`org_id` `None`) those submitted for review.
    pub async fn dossiers(&self, org_id: Option<i64>) -> HubResult<Vec<Dossier>> {
        let rows = match org_id {
            Some(org) => {
                sqlx::query_as("SELECT * FROM dossiers WHERE org_id = $1 ORDER BY id DESC")
                    .bind(org)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query_as("SELECT * FROM dossiers WHERE state = 'submitted' ORDER BY id DESC")
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        Ok(rows)
    }

    pub async fn dossier_runs(&self, dossier_id: i64) -> HubResult<Vec<Run>> {
        Ok(sqlx::query_as(
            "SELECT runs.* FROM runs JOIN dossier_runs ON dossier_runs.run_id = runs.id \
             WHERE dossier_runs.dossier_id = $1 ORDER BY runs.id",
        )
        .bind(dossier_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn submit_dossier(&self, id: i64, archive_digest: &str) -> HubResult<bool> {
        let result = sqlx::query(
            "UPDATE dossiers SET state = 'submitted', submitted_at = $1, archive_digest = $2 \
             WHERE id = $3 AND state = 'draft'",
        )
        .bind(now_ms())
        .bind(archive_digest)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn add_dossier_note(
        &self,
        dossier_id: i64,
        user_id: i64,
        kind: &str,
        ok: Option<bool>,
        text: &str,
    ) -> HubResult<()> {
        sqlx::query(
            "INSERT INTO dossier_notes (dossier_id, user_id, kind, ok, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(dossier_id)
        .bind(user_id)
        .bind(kind)
        .bind(ok.map(i64::from))
        .bind(text)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn dossier_notes(&self, dossier_id: i64) -> HubResult<Vec<DossierNote>> {
        Ok(sqlx::query_as(
            "SELECT dossier_notes.id, dossier_notes.dossier_id, dossier_notes.user_id, users.name AS author, \
             dossier_notes.kind, dossier_notes.ok, dossier_notes.text, dossier_notes.created_at \
             FROM dossier_notes JOIN users ON users.id = dossier_notes.user_id \
             WHERE dossier_id = $1 ORDER BY dossier_notes.id",
        )
        .bind(dossier_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
