//! Events and the suites in play.

use super::{Hub, required};
use crate::auth::Actor;
use crate::db::{ActorClaim, Event, NewSuite, SuiteActor, SuiteRow};
use crate::error::{HubError, HubResult};
use crate::suite_adapter;
use std::path::{Component, Path};

impl Hub {
    pub async fn create_event(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
    ) -> HubResult<i64> {
        actor.require_organiser()?;
        self.db
            .create_event(&required("event name", name)?, description.trim())
            .await
    }

    /// Every signed-in role sees the list of events (names only say what is on).
    pub async fn events(&self, _actor: &Actor) -> HubResult<Vec<Event>> {
        self.db.events().await
    }

    pub async fn event(&self, _actor: &Actor, id: i64) -> HubResult<Event> {
        self.db.event(id).await
    }

    /// Puts the suite folder `path` (relative to the hub's suites folder) in play for
    /// the given profile/actor pairs; again later, it records the suite's new version,
    /// which makes earlier runs stale.
    pub async fn add_suite(
        &self,
        actor: &Actor,
        event_id: i64,
        path: &str,
        claims: &[ActorClaim],
    ) -> HubResult<i64> {
        actor.require_organiser()?;
        self.db.event(event_id).await?;
        let relative = Path::new(path.trim());
        if path.trim().is_empty()
            || relative
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(HubError::bad(format!(
                "suite path `{path}` must be a folder name relative to the hub's suites folder ({})",
                self.config.suites_dir.display()
            )));
        }
        if claims.is_empty() {
            return Err(HubError::bad(
                "name at least one profile/actor the suite applies to",
            ));
        }
        let folder = self.config.suites_dir.join(relative);
        let snapshot = tokio::task::spawn_blocking(move || suite_adapter::snapshot(&folder))
            .await
            .map_err(HubError::internal)?
            .map_err(HubError::bad)?;
        self.db
            .put_blob(&snapshot.digest, &snapshot.archive)
            .await?;
        let targets = serde_json::to_string(&snapshot.targets).map_err(HubError::internal)?;
        let suite_ref = self
            .db
            .upsert_suite(&NewSuite {
                event_id,
                suite_id: &snapshot.suite_id,
                title: &snapshot.title,
                version: &snapshot.version,
                digest: &snapshot.digest,
                archive_digest: &snapshot.digest,
                source_path: path.trim(),
                targets: &targets,
            })
            .await?;
        self.db.set_suite_actors(suite_ref, claims).await?;
        Ok(suite_ref)
    }

    pub async fn suites(&self, _actor: &Actor, event_id: i64) -> HubResult<Vec<SuiteRow>> {
        self.db.suites(event_id).await
    }

    pub async fn suite_actors(&self, event_id: i64) -> HubResult<Vec<SuiteActor>> {
        self.db.suite_actors(event_id).await
    }
}

/// `IHE XDS.b/Document Repository, FHIR R4/Server` → claims. One pair per line or comma.
pub fn parse_claims(text: &str) -> HubResult<Vec<ActorClaim>> {
    let mut claims = Vec::new();
    for item in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let Some((profile, actor)) = item.split_once('/') else {
            return Err(HubError::bad(format!(
                "`{item}` is not PROFILE/ACTOR (for example `FHIR R4 REST/Server`)"
            )));
        };
        let claim = ActorClaim {
            profile: required("profile", profile)?,
            actor: required("actor", actor)?,
        };
        if !claims.contains(&claim) {
            claims.push(claim);
        }
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_parse_from_a_list() {
        let claims =
            parse_claims("FHIR R4 REST/Server, IHE XDS.b/Document Repository\nFHIR R4 REST/Server")
                .unwrap_or_default();
        assert_eq!(claims.len(), 2);
        assert_eq!(claims[1].actor, "Document Repository");
        assert!(parse_claims("no slash").is_err());
    }
}
