//! Vendors' self-test bundles: unpacked safely, verified against the vendor's registered
//! keys, stored by digest as finished runs — or refused with the reason.

use super::Hub;
use crate::archive;
use crate::auth::{Actor, Role};
use crate::db::{NewRun, RunResult, SystemRow};
use crate::error::{HubError, HubResult};
use crate::evidence_adapter::{self, BundleSummary, PublicKey};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    /// One run per suite in the bundle.
    pub run_ids: Vec<i64>,
    pub bundle_digest: String,
    pub status: String,
    pub reason: String,
}

impl Hub {
    pub async fn upload_bundle(
        &self,
        actor: &Actor,
        system_id: Option<i64>,
        bytes: Vec<u8>,
    ) -> HubResult<Accepted> {
        if !matches!(actor.role, Role::Vendor | Role::Organiser) {
            return Err(HubError::Forbidden(
                "only vendors (and organisers) upload bundles".into(),
            ));
        }
        if bytes.len() > self.config.max_upload {
            return Err(HubError::TooLarge(self.config.max_upload));
        }
        let staging = tempfile::tempdir().map_err(HubError::internal)?;
        let dest = staging.path().to_path_buf();
        let limit = (self.config.max_upload as u64).saturating_mul(8);
        let unpacked = tokio::task::spawn_blocking(move || {
            archive::unpack(&bytes, &dest, limit).map(|()| bytes)
        })
        .await
        .map_err(HubError::internal)?;
        let bytes = match unpacked {
            Ok(bytes) => bytes,
            Err(e) => return Err(self.refuse(actor, None, e.to_string()).await),
        };
        let Some(root) = archive::bundle_root(staging.path()) else {
            return Err(self
                .refuse(actor, None, "the archive holds no evidence.json (pack the bundle folder: tar czf bundle.tgz -C reports RUN-ID)".into())
                .await);
        };
        let summary = match evidence_adapter::summarize(&root) {
            Ok(s) => s,
            Err(e) => return Err(self.refuse(actor, None, e).await),
        };
        let system = self.upload_target(actor, system_id, &summary).await?;
        let org = self.db.organisation(system.org_id).await?;
        let keys: Vec<PublicKey> = self
            .db
            .signing_keys(Some(system.org_id))
            .await?
            .into_iter()
            .map(|k| PublicKey {
                kid: k.kid,
                pem: k.public_pem,
            })
            .collect();
        let check_dir = root.clone();
        let whose = format!("{}'s", org.name);
        let verdict = tokio::task::spawn_blocking(move || {
            evidence_adapter::verify_with_keys(&check_dir, &keys, &whose)
        })
        .await
        .map_err(HubError::internal)?;
        if !verdict.accepted {
            return Err(self
                .refuse(actor, Some(system.org_id), verdict.reason)
                .await);
        }
        // Store the archive as uploaded? No: repack the verified folder, so the stored
        // bytes are exactly the files that were checked, in the hub's deterministic form.
        drop(bytes);
        let mut run_ids = Vec::new();
        let mut digest = String::new();
        for suite in &summary.suites {
            let Some(suite_row) = self
                .db
                .suite_by_suite_id(system.event_id, &suite.id)
                .await?
            else {
                return Err(self
                    .refuse(
                        actor,
                        Some(system.org_id),
                        format!("suite `{}` is not in play at this event", suite.id),
                    )
                    .await);
            };
            // A SHOULD or MAY not met (`warn`) passes, as `samsvar run` exits 0 for it.
            let passed = matches!(summary.outcome.as_str(), "pass" | "warn");
            let mut result = RunResult {
                state: if passed { "passed" } else { "failed" }.into(),
                exit_code: Some(if passed { 0 } else { 1 }),
                complete: true,
                ..Default::default()
            };
            crate::worker::store_bundle(&self.db, &root, &verdict, &mut result)
                .await
                .map_err(HubError::internal)?;
            result.requirements.retain(|(id, _)| {
                summary
                    .requirements
                    .iter()
                    .any(|r| &r.id == id && r.suites.iter().any(|s| s == &suite.id))
            });
            digest = result.bundle_digest.clone().unwrap_or_default();
            let targets: serde_json::Map<String, serde_json::Value> = summary
                .targets
                .iter()
                .map(|t| {
                    (
                        t.name.clone(),
                        serde_json::Value::String(if t.simulated {
                            "sim".into()
                        } else {
                            t.url.clone()
                        }),
                    )
                })
                .collect();
            let targets = serde_json::to_string(&targets).map_err(HubError::internal)?;
            let id = self
                .db
                .insert_uploaded_run(
                    &NewRun {
                        event_id: system.event_id,
                        system_id: system.id,
                        suite_ref: suite_row.id,
                        suite_version: &suite.version,
                        targets: &targets,
                        sim_defects: "[]",
                        queued_by: actor.user_id,
                        max_attempts: 1,
                    },
                    &result,
                )
                .await?;
            run_ids.push(id);
        }
        if run_ids.is_empty() {
            return Err(self
                .refuse(
                    actor,
                    Some(system.org_id),
                    "the bundle records no suite".into(),
                )
                .await);
        }
        Ok(Accepted {
            run_ids,
            bundle_digest: digest,
            status: verdict.status,
            reason: verdict.reason,
        })
    }

    /// The system an upload belongs to: the one given, or the caller's only system matching
    /// the bundle's `[sut]` product and version.
    async fn upload_target(
        &self,
        actor: &Actor,
        system_id: Option<i64>,
        summary: &BundleSummary,
    ) -> HubResult<SystemRow> {
        if let Some(id) = system_id {
            let system = self.db.system(id).await?;
            actor.change_system(&system)?;
            return Ok(system);
        }
        let candidates: Vec<SystemRow> = self
            .db
            .systems(None, actor.org_scope())
            .await?
            .into_iter()
            .filter(|s| {
                summary.sut_product.as_deref() == Some(s.name.as_str())
                    && summary
                        .sut_version
                        .as_deref()
                        .is_none_or(|v| v == s.version)
            })
            .collect();
        match candidates.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(HubError::bad(
                "say which system the bundle is for (system id): its [sut] product/version matches none of yours",
            )),
            _ => Err(HubError::bad(
                "several of your systems match the bundle's [sut]; say which (system id)",
            )),
        }
    }

    async fn refuse(&self, actor: &Actor, org_id: Option<i64>, reason: String) -> HubError {
        let org_id = org_id.or(actor.org_id);
        if let Err(e) = self
            .db
            .record_upload_refusal(org_id, actor.user_id, &reason)
            .await
        {
            tracing::warn!("failed to record an upload refusal: {e}");
        }
        HubError::Refused(reason)
    }
}
