//! "Submit for review": a vendor's dossier of chosen runs, the authority's verification
//! and notes, and the archive that verifies offline.

use super::dossier_archive::{self, BundleFiles, DossierContent};
use super::{Hub, required};
use crate::archive;
use crate::auth::{Actor, Role};
use crate::db::{Dossier, DossierNote, Run, SystemRow};
use crate::error::{HubError, HubResult};
use crate::evidence_adapter::{self, BundleSummary, PolicyVerdict, PublicKey};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct DossierView {
    pub dossier: Dossier,
    pub system: SystemRow,
    pub content: DossierContent,
    pub declaration_draft: String,
    pub notes: Vec<DossierNote>,
}

/// One bundle's check, as the authority's page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BundleCheck {
    pub hub_run: i64,
    pub folder: String,
    pub verdict: PolicyVerdict,
}

impl Hub {
    pub async fn create_dossier(
        &self,
        actor: &Actor,
        system_id: i64,
        title: &str,
        run_ids: &[i64],
    ) -> HubResult<i64> {
        if !actor.is(Role::Vendor) {
            return Err(HubError::Forbidden(
                "a vendor submits its own dossiers".into(),
            ));
        }
        let system = self.system(actor, system_id).await?;
        if run_ids.is_empty() {
            return Err(HubError::bad("choose at least one run"));
        }
        for id in run_ids {
            let (run, _) = self.visible_run(actor, *id).await?;
            if run.system_id != system.id {
                return Err(HubError::bad(format!(
                    "run {id} is not a run of {} {}",
                    system.name, system.version
                )));
            }
            if run.bundle_digest.is_none() || !run.is_finished() {
                return Err(HubError::bad(format!("run {id} has no evidence bundle")));
            }
        }
        let mut ids = run_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        self.db
            .create_dossier(
                system.org_id,
                system.id,
                &required("title", title)?,
                actor.user_id,
                &ids,
            )
            .await
    }

    /// Vendors see their organisation's dossiers, the authority submitted ones,
    /// organisers and monitors every submitted one.
    pub async fn dossiers(&self, actor: &Actor) -> HubResult<Vec<Dossier>> {
        match actor.role {
            Role::Vendor => self.db.dossiers(actor.org_scope()).await,
            _ => self.db.dossiers(None).await,
        }
    }

    async fn visible_dossier(&self, actor: &Actor, id: i64) -> HubResult<Dossier> {
        let dossier = self.db.dossier(id).await?;
        let visible = match actor.role {
            Role::Vendor => actor.org_id == Some(dossier.org_id),
            _ => dossier.state == "submitted",
        };
        if visible {
            Ok(dossier)
        } else {
            Err(HubError::NotFound)
        }
    }

    pub async fn dossier_view(&self, actor: &Actor, id: i64) -> HubResult<DossierView> {
        let dossier = self.visible_dossier(actor, id).await?;
        let system = self.db.system(dossier.system_id).await?;
        let content = self.dossier_content(&dossier, &system).await?;
        Ok(DossierView {
            declaration_draft: dossier_archive::declaration_draft(&content),
            notes: self.db.dossier_notes(id).await?,
            dossier,
            system,
            content,
        })
    }

    async fn dossier_content(
        &self,
        dossier: &Dossier,
        system: &SystemRow,
    ) -> HubResult<DossierContent> {
        let org = self.db.organisation(dossier.org_id).await?;
        let mut runs = Vec::new();
        let mut standards = Vec::new();
        for run in self.db.dossier_runs(dossier.id).await? {
            let summary = run
                .summary
                .as_deref()
                .and_then(|s| serde_json::from_str::<BundleSummary>(s).ok());
            let override_reason = self
                .db
                .reviews(run.id)
                .await?
                .into_iter()
                .rev()
                .find(|r| r.kind == "override")
                .map(|r| {
                    format!(
                        "{} → {} by {}: {}",
                        r.from_state.unwrap_or_default(),
                        r.to_state.unwrap_or_default(),
                        r.author,
                        r.text
                    )
                });
            for sa in self.db.suite_actors(system.event_id).await? {
                if sa.suite_ref == run.suite_ref {
                    let s = format!("{} ({})", sa.profile, sa.actor);
                    if !standards.contains(&s) {
                        standards.push(s);
                    }
                }
            }
            runs.push((run, summary, override_reason));
        }
        Ok(dossier_archive::content(
            dossier, &org, system, &runs, standards,
        ))
    }

    /// Assembles the archive and submits the dossier for review.
    pub async fn submit_dossier(&self, actor: &Actor, id: i64) -> HubResult<String> {
        let dossier = self.visible_dossier(actor, id).await?;
        if !actor.is(Role::Vendor) {
            return Err(HubError::Forbidden(
                "only the vendor submits its dossier".into(),
            ));
        }
        if dossier.state != "draft" {
            return Err(HubError::Conflict(
                "the dossier was submitted already".into(),
            ));
        }
        let system = self.db.system(dossier.system_id).await?;
        let content = self.dossier_content(&dossier, &system).await?;
        let runs = self.db.dossier_runs(id).await?;
        let mut bundles: Vec<BundleFiles> = Vec::new();
        let mut keys = BTreeMap::new();
        let trusted = self.trusted_keys(dossier.org_id).await?;
        for (run, line) in runs.iter().zip(&content.runs) {
            let Some(digest) = &run.bundle_digest else {
                continue;
            };
            let folder = line
                .bundle
                .trim_start_matches("bundles/")
                .trim_end_matches('/')
                .to_string();
            if !bundles.iter().any(|b| b.folder == folder) {
                bundles.push(BundleFiles {
                    folder,
                    archive: self.db.blob(digest).await?,
                });
            }
            if let Some(kid) = &run.signer_kid
                && let Some(key) = trusted.iter().find(|k| &k.kid == kid)
            {
                keys.insert(kid.clone(), key.pem.clone());
            }
        }
        let submitted_at = crate::db::now_ms();
        let bytes = tokio::task::spawn_blocking(move || {
            dossier_archive::build(&content, submitted_at, &bundles, &keys)
        })
        .await
        .map_err(HubError::internal)??;
        let digest = archive::sha256_hex(&bytes);
        self.db.put_blob(&digest, &bytes).await?;
        if !self.db.submit_dossier(id, &digest).await? {
            return Err(HubError::Conflict(
                "the dossier was submitted already".into(),
            ));
        }
        Ok(digest)
    }

    /// The keys a dossier's bundles may be signed with: the vendor's and the hub workers'.
    async fn trusted_keys(&self, org_id: i64) -> HubResult<Vec<PublicKey>> {
        let mut keys: Vec<PublicKey> = Vec::new();
        for k in self
            .db
            .signing_keys(Some(org_id))
            .await?
            .into_iter()
            .chain(self.db.signing_keys(None).await?)
        {
            keys.push(PublicKey {
                kid: k.kid,
                pem: k.public_pem,
            });
        }
        Ok(keys)
    }

    /// The authority's check: every bundle of the submitted archive, as `samsvar verify`
    /// does it, against the keys registered for the vendor and the hub's workers. The
    /// result is kept as a note.
    pub async fn verify_dossier(
        &self,
        actor: &Actor,
        id: i64,
    ) -> HubResult<(bool, Vec<BundleCheck>)> {
        let dossier = self.visible_dossier(actor, id).await?;
        if !matches!(
            actor.role,
            Role::Authority | Role::Organiser | Role::Monitor
        ) {
            return Err(HubError::Forbidden(
                "the authority verifies submitted dossiers".into(),
            ));
        }
        let digest = dossier
            .archive_digest
            .clone()
            .ok_or(HubError::Conflict("the dossier is not submitted".into()))?;
        let bytes = self.db.blob(&digest).await?;
        if archive::sha256_hex(&bytes) != digest {
            return Err(HubError::internal(
                "the stored archive does not match its digest",
            ));
        }
        let keys = self.trusted_keys(dossier.org_id).await?;
        let org = self.db.organisation(dossier.org_id).await?;
        let runs = self.db.dossier_runs(id).await?;
        let checks = tokio::task::spawn_blocking(move || {
            check_archive(&bytes, dossier.id, &runs, &keys, &org.name)
        })
        .await
        .map_err(HubError::internal)??;
        let ok = !checks.is_empty() && checks.iter().all(|c| c.verdict.accepted);
        let mut text = format!("archive sha256 {digest}\n");
        for c in &checks {
            text.push_str(&format!(
                "{}: {}\n{}\n",
                c.folder, c.verdict.reason, c.verdict.report
            ));
        }
        self.db
            .add_dossier_note(id, actor.user_id, "verification", Some(ok), &text)
            .await?;
        Ok((ok, checks))
    }

    pub async fn annotate_dossier(&self, actor: &Actor, id: i64, text: &str) -> HubResult<()> {
        self.visible_dossier(actor, id).await?;
        if actor.is(Role::Vendor) {
            return Err(HubError::Forbidden(
                "notes on a dossier are the reviewers'".into(),
            ));
        }
        self.db
            .add_dossier_note(id, actor.user_id, "note", None, &required("note", text)?)
            .await
    }

    pub async fn dossier_archive(&self, actor: &Actor, id: i64) -> HubResult<(Dossier, Vec<u8>)> {
        let dossier = self.visible_dossier(actor, id).await?;
        let digest = dossier.archive_digest.clone().ok_or(HubError::NotFound)?;
        let bytes = self.db.blob(&digest).await?;
        Ok((dossier, bytes))
    }
}

/// Unpacks the archive and verifies each bundle folder in it.
fn check_archive(
    bytes: &[u8],
    dossier: i64,
    runs: &[Run],
    keys: &[PublicKey],
    org: &str,
) -> HubResult<Vec<BundleCheck>> {
    let staging = tempfile::tempdir().map_err(HubError::internal)?;
    archive::unpack(bytes, staging.path(), u64::MAX).map_err(HubError::internal)?;
    let bundles = staging
        .path()
        .join(format!("dossier-{dossier}"))
        .join("bundles");
    let mut checks = Vec::new();
    let mut folders: Vec<String> = std::fs::read_dir(&bundles)?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    for folder in folders {
        let hub_run = runs
            .iter()
            .find(|r| {
                r.evidence_run_id
                    .as_deref()
                    .map(|id| id.replace(['/', '\\'], "_"))
                    == Some(folder.clone())
            })
            .map(|r| r.id)
            .unwrap_or(0);
        let verdict = evidence_adapter::verify_with_keys(
            &bundles.join(&folder),
            keys,
            &format!("{org}'s or the hub's"),
        );
        checks.push(BundleCheck {
            hub_run,
            folder,
            verdict,
        });
    }
    Ok(checks)
}
