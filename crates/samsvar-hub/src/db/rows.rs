//! Rows as the database returns them. Times are ms since the epoch, flags 0/1 (`BIGINT`
//! in both dialects, so the `Any` driver decodes them the same way).

use serde::{Deserialize, Serialize};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub org_id: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Event {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct SuiteRow {
    pub id: i64,
    pub event_id: i64,
    pub suite_id: String,
    pub title: String,
    pub version: String,
    pub digest: String,
    pub archive_digest: String,
    pub source_path: String,
    /// JSON list of the target names the suite needs.
    pub targets: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ActorClaim {
    pub profile: String,
    pub actor: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct SuiteActor {
    pub suite_ref: i64,
    pub profile: String,
    pub actor: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct SystemRow {
    pub id: i64,
    pub event_id: i64,
    pub org_id: i64,
    pub name: String,
    pub version: String,
    pub reference: String,
    /// JSON object: target name → URL or `sim`.
    pub endpoints: String,
    /// JSON list of simulator defects (only with `sim` endpoints).
    pub sim_defects: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct SystemActor {
    pub system_id: i64,
    pub profile: String,
    pub actor: String,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct SigningKeyRow {
    pub id: i64,
    /// `None`: a key the hub's own workers sign with.
    pub org_id: Option<i64>,
    pub kid: String,
    pub public_pem: String,
    pub label: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Run {
    pub id: i64,
    pub event_id: i64,
    pub system_id: i64,
    pub suite_ref: i64,
    pub suite_version: String,
    pub source: String,
    pub state: String,
    /// JSON object: target name → URL or `sim` (never credentials).
    pub targets: String,
    pub sim_defects: String,
    pub exit_code: Option<i64>,
    pub reason: Option<String>,
    pub attempt: i64,
    pub max_attempts: i64,
    pub worker: Option<String>,
    pub lease_until: Option<i64>,
    pub queued_by: Option<i64>,
    pub queued_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub bundle_digest: Option<String>,
    pub evidence_run_id: Option<String>,
    pub outcome: Option<String>,
    pub signer_kid: Option<String>,
    pub simulated: i64,
    pub complete: i64,
    /// JSON: the bundle summary (tests, counts), see `evidence_adapter::BundleSummary`.
    pub summary: Option<String>,
    pub override_state: Option<String>,
    pub signed_off_by: Option<i64>,
    pub signed_off_at: Option<i64>,
}

impl Run {
    /// The state that counts: a monitor's override wins over the recorded state.
    pub fn effective_state(&self) -> &str {
        self.override_state.as_deref().unwrap_or(&self.state)
    }

    pub fn is_finished(&self) -> bool {
        matches!(
            self.state.as_str(),
            "passed" | "failed" | "error" | "interrupted"
        )
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct RunAttempt {
    pub id: i64,
    pub run_id: i64,
    pub attempt: i64,
    pub worker: String,
    pub started_at: Option<i64>,
    pub ended_at: i64,
    pub result: String,
    pub detail: String,
    pub bundle_digest: Option<String>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Review {
    pub id: i64,
    pub run_id: i64,
    pub user_id: i64,
    pub author: String,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub text: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct Dossier {
    pub id: i64,
    pub org_id: i64,
    pub system_id: i64,
    pub title: String,
    pub state: String,
    pub created_by: i64,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub archive_digest: Option<String>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct DossierNote {
    pub id: i64,
    pub dossier_id: i64,
    pub user_id: i64,
    pub author: String,
    pub kind: String,
    pub ok: Option<i64>,
    pub text: String,
    pub created_at: i64,
}

/// The newest finished run of one system for one suite: one scoreboard input.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct LatestRun {
    pub id: i64,
    pub system_id: i64,
    pub suite_ref: i64,
    pub suite_version: String,
    pub state: String,
    pub override_state: Option<String>,
    pub signed_off_at: Option<i64>,
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct RequirementCell {
    pub system_id: i64,
    pub requirement: String,
    pub outcome: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct IdRow {
    pub id: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct CountRow {
    pub n: i64,
}
