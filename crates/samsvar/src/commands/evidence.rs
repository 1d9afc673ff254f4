//! The evidence hook of `samsvar run`: journal subscription before the run, bundle
//! (evidence.json, bodies, TestReports, report.html, signature) after it.

use crate::cli::RunArgs;
use crate::commands::signer::load_signer;
use crate::config::Config;
use samsvar_evidence::BundleOptions;
use samsvar_evidence::declaration::{DeclarationConfig, check_mandatory};
use samsvar_evidence::journal::{Journal, JournalHeader, JournalSink};
use samsvar_evidence::model::PackageDigest;
use samsvar_record::{Redactor, RunRecord, ToolInfo};
use std::path::Path;
use std::sync::Arc;

/// Everything the bundle needs, prepared (and checked) before the run starts.
pub struct EvidenceHook {
    sink: Arc<JournalSink>,
    options: BundleOptions,
}

impl EvidenceHook {
    /// Checks the declaration fields and the signing key, then opens the journal in
    /// `out_dir`. `redactor` is the run's: the journal and the bundle scrub through it.
    /// `validated_with` are the packages the run's validator loaded; when it loaded none,
    /// the evidence lists the packages `samsvar.lock` pins.
    pub fn prepare(
        args: &RunArgs,
        config: &Config,
        redactor: &Redactor,
        out_dir: &Path,
        html: bool,
        validated_with: Vec<PackageDigest>,
    ) -> Result<Self, String> {
        let declaration = match (&config.declaration, args.declaration) {
            (Some(d), flag) if d.enabled || flag => Some(d.clone()),
            (None, true) => Some(DeclarationConfig::default()),
            _ => None,
        };
        if let Some(d) = &declaration {
            check_mandatory(config.sut.as_ref(), d).map_err(|e| format!("error: {e}"))?;
        }
        let signer = load_signer(args.sign_key.as_deref(), args.sign_cert.as_deref())
            .map_err(|e| format!("error: {e:#}"))?;
        let packages = if !validated_with.is_empty() {
            validated_with
        } else {
            match samsvar_evidence::packages::read_lock(Path::new("samsvar.lock")) {
                Some(Ok(p)) => p,
                Some(Err(e)) => {
                    eprintln!(
                        "warning: samsvar.lock not read ({e}); the evidence lists no packages"
                    );
                    Vec::new()
                }
                None => Vec::new(),
            }
        };
        let header = JournalHeader {
            tool: Some(ToolInfo {
                name: "samsvar".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            }),
            sut: config.sut.clone(),
            packages: packages.clone(),
        };
        let journal =
            Journal::create(out_dir, header, redactor).map_err(|e| format!("error: {e}"))?;
        Ok(EvidenceHook {
            sink: Arc::new(JournalSink::new(journal)),
            options: BundleOptions {
                sut: config.sut.clone(),
                packages,
                declaration,
                redactor: redactor.clone(),
                signer,
                html,
                testreports: true,
            },
        })
    }

    /// The sink to subscribe to the runner.
    pub fn sink(&self) -> Arc<JournalSink> {
        Arc::clone(&self.sink)
    }

    /// Writes the bundle; returns the line to print.
    pub fn finish(&self, record: &RunRecord) -> Result<String, String> {
        let summary = self
            .sink
            .finish(record, &self.options)
            .map_err(|e| format!("error: {e}"))?;
        let mut line = format!(
            "evidence: {} ({} files, {})",
            summary.dir.join("evidence.json").display(),
            summary.files,
            match &summary.kid {
                Some(kid) => format!("signed, kid {kid}"),
                None => "unsigned; sign with --sign-key".to_string(),
            }
        );
        if let Some(why) = &summary.declaration_withheld {
            let what = if summary.declaration_written {
                "EHDS declaration"
            } else {
                "no EHDS declaration written"
            };
            line.push_str(&format!("\nwarning: {what}: {why}"));
        }
        Ok(line)
    }
}
