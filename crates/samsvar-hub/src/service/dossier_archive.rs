//! The dossier as one archive that verifies offline: the bundles as they were verified,
//! the signers' public keys, the results summary for the technical documentation (Annex
//! III item 4), the Annex IV declaration draft, and a manifest with every file's sha256.

use crate::archive;
use crate::db::{Dossier, Organisation, Run, SystemRow, format_ms};
use crate::error::{HubError, HubResult};
use crate::evidence_adapter::BundleSummary;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One run as the dossier presents it.
#[derive(Debug, Clone, Serialize)]
pub struct DossierRun {
    pub hub_run: i64,
    pub evidence_run_id: String,
    pub suite: String,
    pub suite_version: String,
    /// The verdict that counts (a monitor's override wins), and the recorded one.
    pub state: String,
    pub recorded_state: String,
    pub override_reason: Option<String>,
    pub signer_kid: Option<String>,
    pub simulated: bool,
    pub complete: bool,
    pub bundle: String,
    pub bundle_archive_sha256: String,
    pub passed: i64,
    pub failed: i64,
    pub errored: i64,
    pub skipped: i64,
}

/// What the results summary and the declaration draft are made from.
#[derive(Debug, Clone, Serialize)]
pub struct DossierContent {
    pub dossier: i64,
    pub title: String,
    pub organisation: String,
    pub manufacturer_address: String,
    pub system: String,
    pub version: String,
    pub reference: String,
    pub runs: Vec<DossierRun>,
    /// requirement → outcome across the runs (`fail` wins).
    pub requirements: BTreeMap<String, String>,
    /// Why this cannot be a declaration of conformity; empty when it can.
    pub not_conformity_because: Vec<String>,
    pub standards: Vec<String>,
}

pub fn content(
    dossier: &Dossier,
    org: &Organisation,
    system: &SystemRow,
    runs: &[(Run, Option<BundleSummary>, Option<String>)],
    standards: Vec<String>,
) -> DossierContent {
    let mut requirements: BTreeMap<String, String> = BTreeMap::new();
    let mut reasons = Vec::new();
    let mut out_runs = Vec::new();
    for (run, summary, override_reason) in runs {
        let summary = summary.clone().unwrap_or_default();
        let state = run.effective_state().to_string();
        if state != "passed" {
            reasons.push(format!(
                "run {} ({}) did not pass: {state}",
                run.id, summary.run_id
            ));
        }
        if run.complete == 0 || !summary.complete {
            reasons.push(format!("run {} is INCOMPLETE (interrupted)", run.id));
        }
        if run.simulated != 0 {
            reasons.push(format!(
                "run {} used SIMULATED TARGETS (samsvar's built-in simulator): not evidence about the product",
                run.id
            ));
        }
        if summary.skipped > 0 {
            reasons.push(format!(
                "run {} skipped {} test(s)",
                run.id, summary.skipped
            ));
        }
        for r in &summary.requirements {
            let entry = requirements
                .entry(r.id.clone())
                .or_insert_with(|| r.outcome.clone());
            if r.outcome != "pass" {
                *entry = r.outcome.clone();
            }
        }
        out_runs.push(DossierRun {
            hub_run: run.id,
            evidence_run_id: summary.run_id.clone(),
            suite: summary
                .suites
                .first()
                .map(|s| s.id.clone())
                .unwrap_or_default(),
            suite_version: run.suite_version.clone(),
            state,
            recorded_state: run.state.clone(),
            override_reason: override_reason.clone(),
            signer_kid: run.signer_kid.clone(),
            simulated: run.simulated != 0,
            complete: run.complete != 0 && summary.complete,
            bundle: format!("bundles/{}/", bundle_folder(run, &summary)),
            bundle_archive_sha256: run.bundle_digest.clone().unwrap_or_default(),
            passed: summary.passed,
            failed: summary.failed,
            errored: summary.errored,
            skipped: summary.skipped,
        });
    }
    if runs.is_empty() {
        reasons.push("the dossier holds no run".into());
    }
    DossierContent {
        dossier: dossier.id,
        title: dossier.title.clone(),
        organisation: org.name.clone(),
        manufacturer_address: org.address.clone(),
        system: system.name.clone(),
        version: system.version.clone(),
        reference: system.reference.clone(),
        runs: out_runs,
        requirements,
        not_conformity_because: reasons,
        standards,
    }
}

pub fn bundle_folder(run: &Run, summary: &BundleSummary) -> String {
    if summary.run_id.is_empty() {
        format!("run-{}", run.id)
    } else {
        summary.run_id.replace(['/', '\\'], "_")
    }
}

/// The Annex IV declaration draft, in Markdown. A conformity statement appears only when
/// every run passed, is complete and tested the product itself (no simulated target).
pub fn declaration_draft(c: &DossierContent) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# EU declaration of conformity — DRAFT (Regulation (EU) 2025/327, Annex IV)\n"
    );
    let _ = writeln!(
        md,
        "Assembled by samsvar hub from dossier {} \"{}\".\n",
        c.dossier, c.title
    );
    let _ = writeln!(
        md,
        "1. EHR system: {} version {} (identifying reference: {})",
        c.system,
        c.version,
        or_blank(&c.reference)
    );
    let _ = writeln!(
        md,
        "2. Manufacturer: {}, {}",
        c.organisation,
        or_blank(&c.manufacturer_address)
    );
    let _ = writeln!(
        md,
        "3. This declaration of conformity is issued under the sole responsibility of {}.",
        c.organisation
    );
    if c.not_conformity_because.is_empty() {
        let _ = writeln!(
            md,
            "4. The EHR system {} version {} is in conformity with the essential requirements laid down in Annex II of Regulation (EU) 2025/327 for the harmonised component(s) tested, complemented by the results in results-summary.json (Art. 40).",
            c.system, c.version
        );
    } else {
        let _ = writeln!(
            md,
            "4. THIS IS NOT A DECLARATION OF CONFORMITY. The results do not support one because:"
        );
        for reason in &c.not_conformity_because {
            let _ = writeln!(md, "   - {reason}");
        }
    }
    let _ = writeln!(md, "5. Standards and common specifications applied:");
    for s in &c.standards {
        let _ = writeln!(md, "   - {s}");
    }
    let _ = writeln!(
        md,
        "6. Place and date of issue, name and function of the signatory: (to be completed by the manufacturer)"
    );
    let _ = writeln!(
        md,
        "7. Additional information: evidence bundles under bundles/, verifiable offline with `samsvar verify` (see README.txt)."
    );
    md
}

/// The results summary (Annex III item 4) as JSON.
pub fn results_summary(c: &DossierContent) -> HubResult<Vec<u8>> {
    let value = serde_json::json!({
        "format": "samsvar-hub-results-summary",
        "format_version": "1.0",
        "system": { "name": c.system, "version": c.version, "reference": c.reference },
        "manufacturer": { "name": c.organisation, "address": c.manufacturer_address },
        "runs": c.runs,
        "requirements": c.requirements,
        "conformity_supported": c.not_conformity_because.is_empty(),
        "not_conformity_because": c.not_conformity_because,
    });
    serde_json::to_vec_pretty(&value).map_err(HubError::internal)
}

/// One bundle to put in the archive.
pub struct BundleFiles {
    pub folder: String,
    pub archive: Vec<u8>,
}

/// Builds the archive. `keys`: kid → public PEM of every signer.
pub fn build(
    c: &DossierContent,
    submitted_at: i64,
    bundles: &[BundleFiles],
    keys: &BTreeMap<String, String>,
) -> HubResult<Vec<u8>> {
    let root = format!("dossier-{}", c.dossier);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for bundle in bundles {
        let staging = tempfile::tempdir().map_err(HubError::internal)?;
        archive::unpack(&bundle.archive, staging.path(), u64::MAX).map_err(HubError::internal)?;
        for rel in archive::list_files(staging.path())? {
            let bytes = std::fs::read(staging.path().join(&rel))?;
            files.push((format!("bundles/{}/{rel}", bundle.folder), bytes));
        }
    }
    for (kid, pem) in keys {
        files.push((format!("keys/{kid}.pub.pem"), pem.clone().into_bytes()));
    }
    files.push(("results-summary.json".into(), results_summary(c)?));
    files.push((
        "declaration-draft.md".into(),
        declaration_draft(c).into_bytes(),
    ));
    files.push(("README.txt".into(), readme(c, submitted_at).into_bytes()));
    let manifest: Vec<serde_json::Value> = files
        .iter()
        .map(|(path, bytes)| serde_json::json!({ "path": path, "sha256": archive::sha256_hex(bytes), "size": bytes.len() }))
        .collect();
    let dossier_json = serde_json::to_vec_pretty(&serde_json::json!({
        "format": "samsvar-hub-dossier",
        "format_version": "1.0",
        "dossier": c.dossier,
        "title": c.title,
        "submitted_at": format_ms(submitted_at),
        "runs": c.runs,
        "files": manifest,
    }))
    .map_err(HubError::internal)?;
    files.push(("dossier.json".into(), dossier_json));

    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (path, bytes) in &files {
        archive::append_bytes(&mut builder, &format!("{root}/{path}"), bytes)?;
    }
    Ok(builder.into_inner()?.finish()?)
}

fn readme(c: &DossierContent, submitted_at: i64) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "samsvar hub dossier {} — {}", c.dossier, c.title);
    let _ = writeln!(
        text,
        "{} {} by {}, submitted {}\n",
        c.system,
        c.version,
        c.organisation,
        format_ms(submitted_at)
    );
    let _ = writeln!(
        text,
        "Verify each bundle offline with the signer's key (obtain the vendor's key from the"
    );
    let _ = writeln!(
        text,
        "vendor through a channel you trust; keys/ holds the keys the hub checked against):\n"
    );
    for run in &c.runs {
        let kid = run.signer_kid.as_deref().unwrap_or("UNSIGNED");
        let _ = writeln!(
            text,
            "  samsvar verify {} --key keys/{kid}.pub.pem",
            run.bundle.trim_end_matches('/')
        );
    }
    let _ = writeln!(
        text,
        "\ndossier.json lists every file of this archive with its sha256."
    );
    let _ = writeln!(
        text,
        "results-summary.json: results for the technical documentation (Annex III item 4)."
    );
    let _ = writeln!(
        text,
        "declaration-draft.md: the Annex IV declaration draft."
    );
    text
}

fn or_blank(s: &str) -> &str {
    if s.trim().is_empty() {
        "(to be completed)"
    } else {
        s
    }
}
