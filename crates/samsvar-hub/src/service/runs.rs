//! Queueing runs, reading them, and the monitors' reviews.

use super::Hub;
use crate::auth::{Actor, Role};
use crate::db::{NewRun, Review, Run, RunAttempt, RunFilter, SuiteRow, SystemRow};
use crate::error::{HubError, HubResult};
use crate::evidence_adapter::BundleSummary;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Which suites to queue for a system.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Every suite in play that applies to a profile/actor the system claims.
    AllThatApply,
    Suites(Vec<i64>),
}

/// A run with what its page shows.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub run: Run,
    pub system: SystemRow,
    pub organisation: String,
    pub suite: SuiteRow,
    /// The suite's version changed since this run.
    pub stale: bool,
    pub summary: Option<BundleSummary>,
    pub attempts: Vec<RunAttempt>,
    pub reviews: Vec<Review>,
    /// The exit code `samsvar run` gives for this verdict: 0 passed, 1 failed, 2 could not run.
    pub exit_code_semantics: Option<i64>,
}

impl Hub {
    pub async fn queue_runs(
        &self,
        actor: &Actor,
        system_id: i64,
        selection: &Selection,
    ) -> HubResult<Vec<i64>> {
        let system = self.db.system(system_id).await?;
        actor.change_system(&system)?;
        let suites = self.db.suites(system.event_id).await?;
        let chosen: Vec<&SuiteRow> = match selection {
            Selection::AllThatApply => {
                let applicable = self.applicable_suites(&system).await?;
                suites
                    .iter()
                    .filter(|s| applicable.contains(&s.id))
                    .collect()
            }
            Selection::Suites(ids) => {
                let mut chosen = Vec::new();
                for id in ids {
                    let suite = suites.iter().find(|s| s.id == *id).ok_or_else(|| {
                        HubError::bad(format!("suite {id} is not in play at this event"))
                    })?;
                    chosen.push(suite);
                }
                chosen
            }
        };
        if chosen.is_empty() {
            return Err(HubError::bad(
                "no suite applies to the profiles/actors this system claims; choose suites by id",
            ));
        }
        let endpoints: BTreeMap<String, String> =
            serde_json::from_str(&system.endpoints).map_err(HubError::internal)?;
        let simulated = endpoints.values().all(|v| v == "sim");
        let mut ids = Vec::new();
        for suite in chosen {
            let needed: Vec<String> =
                serde_json::from_str(&suite.targets).map_err(HubError::internal)?;
            let mut targets = BTreeMap::new();
            for name in &needed {
                match endpoints.get(name) {
                    Some(url) => {
                        targets.insert(name.clone(), url.clone());
                    }
                    None if simulated => {
                        targets.insert(name.clone(), "sim".to_string());
                    }
                    None => {
                        return Err(HubError::bad(format!(
                            "suite {} needs target `{name}`, which {} {} does not register",
                            suite.suite_id, system.name, system.version
                        )));
                    }
                }
            }
            let targets = serde_json::to_string(&targets).map_err(HubError::internal)?;
            ids.push(
                self.db
                    .enqueue_run(&NewRun {
                        event_id: system.event_id,
                        system_id: system.id,
                        suite_ref: suite.id,
                        suite_version: &suite.version,
                        targets: &targets,
                        sim_defects: &system.sim_defects,
                        queued_by: actor.user_id,
                        max_attempts: self.config.max_attempts,
                    })
                    .await?,
            );
        }
        Ok(ids)
    }

    /// Suites whose profile/actor the system claims.
    pub async fn applicable_suites(&self, system: &SystemRow) -> HubResult<BTreeSet<i64>> {
        let claims = self.db.actors_of_system(system.id).await?;
        let suite_actors = self.db.suite_actors(system.event_id).await?;
        Ok(suite_actors
            .iter()
            .filter(|sa| {
                claims
                    .iter()
                    .any(|c| c.profile == sa.profile && c.actor == sa.actor)
            })
            .map(|sa| sa.suite_ref)
            .collect())
    }

    /// A run the caller may see (404 otherwise), without its page extras.
    pub async fn visible_run(&self, actor: &Actor, id: i64) -> HubResult<(Run, SystemRow)> {
        let run = self.db.run(id).await?;
        let system = self.db.system(run.system_id).await?;
        actor.see_run(&run, &system)?;
        Ok((run, system))
    }

    pub async fn run_view(&self, actor: &Actor, id: i64) -> HubResult<RunView> {
        let (run, system) = self.visible_run(actor, id).await?;
        self.assemble_view(run, system).await
    }

    pub(crate) async fn assemble_view(&self, run: Run, system: SystemRow) -> HubResult<RunView> {
        let suite = self.db.suite(run.suite_ref).await?;
        let organisation = self.db.organisation(system.org_id).await?.name;
        let summary = run
            .summary
            .as_deref()
            .and_then(|s| serde_json::from_str::<BundleSummary>(s).ok());
        Ok(RunView {
            stale: run.is_finished() && run.suite_version != suite.version,
            exit_code_semantics: exit_code_of(run.effective_state()),
            attempts: self.db.attempts(run.id).await?,
            reviews: self.db.reviews(run.id).await?,
            run,
            system,
            organisation,
            suite,
            summary,
        })
    }

    pub async fn runs(&self, actor: &Actor, mut filter: RunFilter) -> HubResult<Vec<Run>> {
        if actor.is(Role::Authority) {
            return Ok(Vec::new());
        }
        filter.org_id = actor.org_scope();
        self.db.runs(&filter).await
    }

    /// The bundle archive (tar.gz) of a run.
    pub async fn run_bundle(&self, actor: &Actor, id: i64) -> HubResult<(Run, Vec<u8>)> {
        let (run, _) = self.visible_run(actor, id).await?;
        let digest = run.bundle_digest.clone().ok_or(HubError::NotFound)?;
        let bytes = self.db.blob(&digest).await?;
        Ok((run, bytes))
    }

    /// Waits until the run has finished or `wait` has passed (the CI endpoint).
    pub async fn wait_for_run(&self, actor: &Actor, id: i64, wait: Duration) -> HubResult<Run> {
        let deadline = Instant::now() + wait;
        loop {
            let (run, _) = self.visible_run(actor, id).await?;
            if run.is_finished() || Instant::now() >= deadline {
                return Ok(run);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A monitor's comment, verdict override (reason required, kept in the history) or
    /// sign-off.
    pub async fn review_run(
        &self,
        actor: &Actor,
        run_id: i64,
        kind: &str,
        to_state: Option<&str>,
        text: &str,
    ) -> HubResult<()> {
        let (run, _) = self.visible_run(actor, run_id).await?;
        actor.require_monitor()?;
        if !run.is_finished() {
            return Err(HubError::Conflict("the run has not finished yet".into()));
        }
        let text = text.trim();
        match kind {
            "comment" if text.is_empty() => Err(HubError::bad("a comment needs text")),
            "comment" => {
                self.db
                    .add_review(run_id, actor.user_id, "comment", None, None, text)
                    .await
            }
            "override" => {
                let to = to_state.unwrap_or("").trim();
                if !matches!(to, "passed" | "failed") {
                    return Err(HubError::bad(
                        "an override sets the verdict to passed or failed",
                    ));
                }
                if text.is_empty() {
                    return Err(HubError::bad("an override needs a reason"));
                }
                if to == run.effective_state() {
                    return Err(HubError::Conflict(format!("the verdict is already {to}")));
                }
                self.db
                    .add_review(
                        run_id,
                        actor.user_id,
                        "override",
                        Some(run.effective_state()),
                        Some(to),
                        text,
                    )
                    .await
            }
            "signoff" => {
                if run.signed_off_at.is_some() {
                    return Err(HubError::Conflict("the run is already signed off".into()));
                }
                self.db
                    .add_review(
                        run_id,
                        actor.user_id,
                        "signoff",
                        Some(run.effective_state()),
                        None,
                        text,
                    )
                    .await
            }
            other => Err(HubError::bad(format!(
                "unknown review `{other}`: comment, override or signoff"
            ))),
        }
    }

    pub async fn worklist(&self, actor: &Actor, event_id: Option<i64>) -> HubResult<Vec<Run>> {
        actor.require_monitor()?;
        self.db.worklist(event_id).await
    }

    /// Queues a finished hub run again, as a new run with the suite's current version;
    /// the old run and its result stay (organiser, or the vendor owning the system).
    pub async fn rerun(&self, actor: &Actor, run_id: i64) -> HubResult<i64> {
        let (run, system) = self.visible_run(actor, run_id).await?;
        actor.change_system(&system)?;
        if run.source != "hub" || !run.is_finished() {
            return Err(HubError::Conflict(
                "only a finished hub run can be run again".into(),
            ));
        }
        let suite = self.db.suite(run.suite_ref).await?;
        self.db
            .enqueue_run(&NewRun {
                event_id: run.event_id,
                system_id: run.system_id,
                suite_ref: run.suite_ref,
                suite_version: &suite.version,
                targets: &run.targets,
                sim_defects: &run.sim_defects,
                queued_by: actor.user_id,
                max_attempts: self.config.max_attempts,
            })
            .await
    }
}

/// `samsvar run`'s exit code for a run's verdict.
pub fn exit_code_of(state: &str) -> Option<i64> {
    match state {
        "passed" => Some(0),
        "failed" => Some(1),
        "error" | "interrupted" => Some(2),
        _ => None,
    }
}
