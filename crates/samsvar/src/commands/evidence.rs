//! The evidence hook of `samsvar run`: journal subscription before the run, bundle
//! (evidence.json, bodies, TestReports, report.html, signature) after it.

use crate::cli::RunArgs;
use crate::config::Config;
use samsvar_evidence::declaration::{DeclarationConfig, check_mandatory};
use samsvar_evidence::journal::{Journal, JournalHeader, JournalSink};
use samsvar_evidence::{BundleOptions, Signer, load_signing_key};
use samsvar_record::{Redactor, RunRecord, ToolInfo};
use std::path::Path;
use std::sync::Arc;

/// Loads a signing key and optional x5c chain; errors are usage errors.
pub fn load_signer(key: Option<&Path>, cert: Option<&Path>) -> anyhow::Result<Option<Signer>> {
    let Some(key) = key else { return Ok(None) };
    let key = load_signing_key(key)?;
    let chain = match cert {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("failed to read {}: {e}", path.display()))?;
            samsvar_evidence::certs::parse_pem_certs(&text)
                .map_err(|e| anyhow::anyhow!("failed to read {}: {e}", path.display()))?
        }
        None => Vec::new(),
    };
    Ok(Some(Signer { key, chain }))
}

/// Everything the bundle needs, prepared (and checked) before the run starts.
pub struct EvidenceHook {
    sink: Arc<JournalSink>,
    options: BundleOptions,
}

impl EvidenceHook {
    /// Checks the declaration fields and the signing key, then opens the journal in
    /// `out_dir`. `redactor` is the run's: the journal and the bundle scrub through it.
    pub fn prepare(
        args: &RunArgs,
        config: &Config,
        redactor: &Redactor,
        out_dir: &Path,
        html: bool,
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
        let packages = match samsvar_evidence::packages::read_lock(Path::new("samsvar.lock")) {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                eprintln!("warning: samsvar.lock not read ({e}); the evidence lists no packages");
                Vec::new()
            }
            None => Vec::new(),
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
        Ok(format!(
            "evidence: {} ({} files, {})",
            summary.dir.join("evidence.json").display(),
            summary.files,
            match &summary.kid {
                Some(kid) => format!("signed, kid {kid}"),
                None => "unsigned; sign with --sign-key".to_string(),
            }
        ))
    }
}
