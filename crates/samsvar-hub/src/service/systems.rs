//! Systems (product, version, endpoints, claimed profiles/actors) and vendors' keys.

use super::{Hub, required};
use crate::auth::{Actor, Role};
use crate::db::{ActorClaim, NewSystem, SigningKeyRow, SystemRow};
use crate::error::{HubError, HubResult};
use crate::evidence_adapter;
use std::collections::BTreeMap;

/// What registering a system takes.
#[derive(Debug, Clone, Default)]
pub struct SystemForm {
    pub event_id: i64,
    /// The organisation; a vendor's own is used whatever is given.
    pub org_id: Option<i64>,
    pub name: String,
    pub version: String,
    pub reference: String,
    /// Target name → base URL, or `sim` for the built-in simulator.
    pub endpoints: BTreeMap<String, String>,
    pub sim_defects: Vec<String>,
    pub claims: Vec<ActorClaim>,
}

impl Hub {
    pub async fn register_system(&self, actor: &Actor, form: &SystemForm) -> HubResult<i64> {
        let org_id = match actor.role {
            Role::Vendor => actor
                .org_id
                .ok_or(HubError::Forbidden("no organisation".into()))?,
            Role::Organiser => form
                .org_id
                .ok_or_else(|| HubError::bad("choose the organisation the system belongs to"))?,
            _ => {
                return Err(HubError::Forbidden(
                    "only organisers and vendors register systems".into(),
                ));
            }
        };
        self.db.event(form.event_id).await?;
        self.db.organisation(org_id).await?;
        check_endpoints(&form.endpoints, &form.sim_defects)?;
        if form.claims.is_empty() {
            return Err(HubError::bad("claim at least one profile/actor"));
        }
        let endpoints = serde_json::to_string(&form.endpoints).map_err(HubError::internal)?;
        let defects = serde_json::to_string(&form.sim_defects).map_err(HubError::internal)?;
        self.db
            .create_system(
                &NewSystem {
                    event_id: form.event_id,
                    org_id,
                    name: &required("product name", &form.name)?,
                    version: &required("version", &form.version)?,
                    reference: form.reference.trim(),
                    endpoints: &endpoints,
                    sim_defects: &defects,
                },
                &form.claims,
            )
            .await
    }

    pub async fn systems(&self, actor: &Actor, event_id: Option<i64>) -> HubResult<Vec<SystemRow>> {
        if actor.is(Role::Authority) {
            return Ok(Vec::new());
        }
        self.db.systems(event_id, actor.org_scope()).await
    }

    /// One system, 404 when the caller may not see it.
    pub async fn system(&self, actor: &Actor, id: i64) -> HubResult<SystemRow> {
        let system = self.db.system(id).await?;
        actor.see_system(&system)?;
        Ok(system)
    }

    /// Registers a public key the organisation signs its self-test bundles with.
    pub async fn add_key(
        &self,
        actor: &Actor,
        org_id: Option<i64>,
        pem: &str,
        label: &str,
    ) -> HubResult<String> {
        let org = match actor.role {
            Role::Vendor => actor
                .org_id
                .ok_or(HubError::Forbidden("no organisation".into()))?,
            Role::Organiser => org_id.ok_or_else(|| HubError::bad("choose the organisation"))?,
            _ => {
                return Err(HubError::Forbidden(
                    "only organisers and vendors register keys".into(),
                ));
            }
        };
        self.db.organisation(org).await?;
        let key = evidence_adapter::parse_public_key(pem).map_err(HubError::bad)?;
        let label = if label.trim().is_empty() {
            key.kid.clone()
        } else {
            label.trim().to_string()
        };
        self.db
            .add_signing_key(Some(org), &key.kid, &key.pem, &label)
            .await?;
        Ok(key.kid)
    }

    pub async fn keys(&self, actor: &Actor, org_id: i64) -> HubResult<Vec<SigningKeyRow>> {
        if actor.is(Role::Vendor) && actor.org_id != Some(org_id) {
            return Err(HubError::NotFound);
        }
        self.db.signing_keys(Some(org_id)).await
    }
}

/// Endpoints are URLs without credentials, or `sim`; run secrets never go in the database.
fn check_endpoints(endpoints: &BTreeMap<String, String>, defects: &[String]) -> HubResult<()> {
    if endpoints.is_empty() {
        return Err(HubError::bad(
            "give at least one endpoint (NAME=URL, or NAME=sim)",
        ));
    }
    let mut sim = 0;
    for (name, value) in endpoints {
        if name.trim().is_empty() {
            return Err(HubError::bad("an endpoint needs a target name"));
        }
        if value == "sim" {
            sim += 1;
            continue;
        }
        let url = url::Url::parse(value)
            .map_err(|e| HubError::bad(format!("endpoint {name}: `{value}` is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HubError::bad(format!(
                "endpoint {name}: only http and https URLs"
            )));
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(HubError::bad(format!(
                "endpoint {name}: no credentials or query in the URL; the hub never stores run secrets — put them in the worker's secrets folder (docs/hub.md)"
            )));
        }
    }
    if sim > 0 && sim != endpoints.len() {
        return Err(HubError::bad("either every endpoint is `sim` or none is"));
    }
    if sim == 0 && !defects.is_empty() {
        return Err(HubError::bad(
            "simulator defects apply only to `sim` endpoints",
        ));
    }
    Ok(())
}

/// `fhir=https://…` lines → endpoints.
pub fn parse_endpoints(text: &str) -> HubResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for line in text
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (name, url) = line
            .split_once('=')
            .ok_or_else(|| HubError::bad(format!("`{line}` is not NAME=URL")))?;
        out.insert(name.trim().to_string(), url.trim().to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_refused() {
        let ok = parse_endpoints("fhir=https://ehr.example.org/fhir").unwrap_or_default();
        assert!(check_endpoints(&ok, &[]).is_ok());
        let secret =
            parse_endpoints("fhir=https://user:pw@ehr.example.org/fhir").unwrap_or_default();
        assert!(check_endpoints(&secret, &[]).is_err());
        let token =
            parse_endpoints("fhir=https://ehr.example.org/fhir?token=abc").unwrap_or_default();
        assert!(check_endpoints(&token, &[]).is_err());
        let mixed = parse_endpoints("fhir=sim, xds=https://x.example.org").unwrap_or_default();
        assert!(check_endpoints(&mixed, &[]).is_err());
        let sim = parse_endpoints("fhir=sim").unwrap_or_default();
        assert!(check_endpoints(&sim, &["no-etag".into()]).is_ok());
        assert!(check_endpoints(&ok, &["no-etag".into()]).is_err());
    }
}
