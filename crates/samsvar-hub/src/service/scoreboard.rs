//! The scoreboard: systems × profile/actor, each cell rolled up from the newest run of
//! every suite that applies; the drill-down per system and suite; the requirement ×
//! system matrix; CSV and JSON exports of both.

use super::Hub;
use crate::auth::{Actor, Role};
use crate::db::{ActorClaim, LatestRun, SuiteRow, SystemRow};
use crate::error::{HubError, HubResult};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One suite's standing for one system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Fail,
    NotRun,
    Stale,
    Pass,
    Verified,
    /// The system does not claim this profile/actor.
    NotClaimed,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::NotRun => "not run",
            Status::Stale => "stale",
            Status::Pass => "pass",
            Status::Verified => "verified",
            Status::NotClaimed => "—",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SuiteStatus {
    pub suite_ref: i64,
    pub suite_id: String,
    pub version: String,
    pub status: Status,
    pub label: &'static str,
    pub run_id: Option<i64>,
    pub run_version: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub status: Status,
    pub label: &'static str,
    pub suites: Vec<SuiteStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub system_id: i64,
    pub system: String,
    pub version: String,
    pub organisation: String,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scoreboard {
    pub event_id: i64,
    pub event: String,
    pub columns: Vec<ActorClaim>,
    pub rows: Vec<Row>,
    pub counts: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub event_id: i64,
    pub systems: Vec<(i64, String)>,
    /// requirement → per system (in `systems` order): `pass`, `fail`, or empty (no run).
    pub rows: Vec<(String, Vec<String>)>,
}

impl Hub {
    pub async fn scoreboard(&self, actor: &Actor, event_id: i64) -> HubResult<Scoreboard> {
        if actor.is(Role::Authority) {
            return Err(HubError::Forbidden(
                "the authority reviews submitted dossiers".into(),
            ));
        }
        let event = self.db.event(event_id).await?;
        let systems = self.db.systems(Some(event_id), actor.org_scope()).await?;
        let suites: HashMap<i64, SuiteRow> = self
            .db
            .suites(event_id)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let suite_actors = self.db.suite_actors(event_id).await?;
        let mut suites_of: BTreeMap<ActorClaim, Vec<i64>> = BTreeMap::new();
        for sa in &suite_actors {
            suites_of
                .entry(ActorClaim {
                    profile: sa.profile.clone(),
                    actor: sa.actor.clone(),
                })
                .or_default()
                .push(sa.suite_ref);
        }
        let mut claims: HashMap<i64, BTreeSet<ActorClaim>> = HashMap::new();
        for sa in self.db.system_actors(event_id).await? {
            claims.entry(sa.system_id).or_default().insert(ActorClaim {
                profile: sa.profile,
                actor: sa.actor,
            });
        }
        let columns: Vec<ActorClaim> = {
            let mut all: BTreeSet<ActorClaim> = suites_of.keys().cloned().collect();
            all.extend(claims.values().flatten().cloned());
            all.into_iter().collect()
        };
        let latest: HashMap<(i64, i64), LatestRun> = self
            .db
            .latest_runs(event_id)
            .await?
            .into_iter()
            .map(|r| ((r.system_id, r.suite_ref), r))
            .collect();
        let orgs: HashMap<i64, String> = self
            .db
            .organisations()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
        let mut rows = Vec::with_capacity(systems.len());
        for system in &systems {
            let claimed = claims.get(&system.id);
            let cells = columns
                .iter()
                .map(|column| {
                    if !claimed.is_some_and(|c| c.contains(column)) {
                        return Cell {
                            status: Status::NotClaimed,
                            label: Status::NotClaimed.label(),
                            suites: Vec::new(),
                        };
                    }
                    let statuses: Vec<SuiteStatus> = suites_of
                        .get(column)
                        .into_iter()
                        .flatten()
                        .filter_map(|suite_ref| suites.get(suite_ref))
                        .map(|suite| suite_status(suite, latest.get(&(system.id, suite.id))))
                        .collect();
                    let status = roll_up(statuses.iter().map(|s| s.status));
                    *counts.entry(status.label()).or_default() += 1;
                    Cell {
                        status,
                        label: status.label(),
                        suites: statuses,
                    }
                })
                .collect();
            rows.push(Row {
                system_id: system.id,
                system: system.name.clone(),
                version: system.version.clone(),
                organisation: orgs.get(&system.org_id).cloned().unwrap_or_default(),
                cells,
            });
        }
        Ok(Scoreboard {
            event_id,
            event: event.name,
            columns,
            rows,
            counts,
        })
    }

    /// The drill-down: every suite in play for one system, with its status and run.
    pub async fn system_standing(
        &self,
        actor: &Actor,
        system: &SystemRow,
    ) -> HubResult<Vec<SuiteStatus>> {
        actor.see_system(system)?;
        let applicable = self.applicable_suites(system).await?;
        let latest: HashMap<i64, LatestRun> = self
            .db
            .latest_runs(system.event_id)
            .await?
            .into_iter()
            .filter(|r| r.system_id == system.id)
            .map(|r| (r.suite_ref, r))
            .collect();
        Ok(self
            .db
            .suites(system.event_id)
            .await?
            .iter()
            .filter(|s| applicable.contains(&s.id))
            .map(|s| suite_status(s, latest.get(&s.id)))
            .collect())
    }

    pub async fn requirement_matrix(&self, actor: &Actor, event_id: i64) -> HubResult<Matrix> {
        if actor.is(Role::Authority) {
            return Err(HubError::Forbidden(
                "the authority reviews submitted dossiers".into(),
            ));
        }
        self.db.event(event_id).await?;
        let systems = self.db.systems(Some(event_id), actor.org_scope()).await?;
        let index: HashMap<i64, usize> =
            systems.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let mut rows: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for cell in self.db.requirement_cells(event_id).await? {
            let Some(&i) = index.get(&cell.system_id) else {
                continue;
            };
            let row = rows
                .entry(cell.requirement)
                .or_insert_with(|| vec![String::new(); systems.len()]);
            let merged = match (row[i].as_str(), cell.outcome.as_str()) {
                ("fail", _) | (_, "fail") | (_, "error") => "fail",
                ("", o) => o,
                (existing, _) => existing,
            };
            row[i] = merged.to_string();
        }
        Ok(Matrix {
            event_id,
            systems: systems
                .iter()
                .map(|s| (s.id, format!("{} {}", s.name, s.version)))
                .collect(),
            rows: rows.into_iter().collect(),
        })
    }
}

fn suite_status(suite: &SuiteRow, latest: Option<&LatestRun>) -> SuiteStatus {
    let status = match latest {
        None => Status::NotRun,
        Some(run) if run.suite_version != suite.version => Status::Stale,
        Some(run) => match (
            run.override_state.as_deref().unwrap_or(&run.state),
            run.signed_off_at,
        ) {
            ("passed", Some(_)) => Status::Verified,
            ("passed", None) => Status::Pass,
            _ => Status::Fail,
        },
    };
    SuiteStatus {
        suite_ref: suite.id,
        suite_id: suite.suite_id.clone(),
        version: suite.version.clone(),
        status,
        label: status.label(),
        run_id: latest.map(|r| r.id),
        run_version: latest.map(|r| r.suite_version.clone()),
    }
}

/// A cell fails when any suite fails; otherwise it is as good as its weakest suite.
fn roll_up(statuses: impl Iterator<Item = Status>) -> Status {
    statuses.min().unwrap_or(Status::NotRun)
}

impl Scoreboard {
    pub fn to_csv(&self) -> HubResult<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec![
            "organisation".to_string(),
            "system".into(),
            "version".into(),
        ];
        header.extend(
            self.columns
                .iter()
                .map(|c| format!("{}/{}", c.profile, c.actor)),
        );
        w.write_record(&header).map_err(HubError::internal)?;
        for row in &self.rows {
            let mut record = vec![
                row.organisation.clone(),
                row.system.clone(),
                row.version.clone(),
            ];
            record.extend(row.cells.iter().map(|c| match c.status {
                Status::NotClaimed => String::new(),
                s => s.label().to_string(),
            }));
            w.write_record(&record).map_err(HubError::internal)?;
        }
        let bytes = w.into_inner().map_err(HubError::internal)?;
        String::from_utf8(bytes).map_err(HubError::internal)
    }
}

impl Matrix {
    pub fn to_csv(&self) -> HubResult<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["requirement".to_string()];
        header.extend(self.systems.iter().map(|(_, name)| name.clone()));
        w.write_record(&header).map_err(HubError::internal)?;
        for (requirement, cells) in &self.rows {
            let mut record = vec![requirement.clone()];
            record.extend(cells.iter().map(|c| {
                if c.is_empty() {
                    "not run".to_string()
                } else {
                    c.clone()
                }
            }));
            w.write_record(&record).map_err(HubError::internal)?;
        }
        let bytes = w.into_inner().map_err(HubError::internal)?;
        String::from_utf8(bytes).map_err(HubError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_suite_fails_the_cell_and_stale_beats_pass() {
        assert_eq!(
            roll_up([Status::Pass, Status::Fail, Status::Verified].into_iter()),
            Status::Fail
        );
        assert_eq!(
            roll_up([Status::Pass, Status::Stale].into_iter()),
            Status::Stale
        );
        assert_eq!(
            roll_up([Status::Verified, Status::Verified].into_iter()),
            Status::Verified
        );
        assert_eq!(
            roll_up([Status::Verified, Status::Pass].into_iter()),
            Status::Pass
        );
        assert_eq!(
            roll_up([Status::Pass, Status::NotRun].into_iter()),
            Status::NotRun
        );
        assert_eq!(roll_up(std::iter::empty()), Status::NotRun);
    }
}
