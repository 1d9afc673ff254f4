//! Writes an evidence bundle from a run record: bodies by digest, FHIR TestReports,
//! the HTML report, the file manifest, canonical `evidence.json` and its signature.

use crate::declaration::{self, DeclarationConfig};
use crate::ehds;
use crate::error::{EvidenceError, Result};
use crate::keys::SigningKey;
use crate::manifest::{self, EVIDENCE_JSON, EVIDENCE_JWS, EXCHANGES_DIR};
use crate::model::{
    EVIDENCE_FORMAT, EVIDENCE_FORMAT_VERSION, Evidence, ManifestEntry, PackageDigest, SutIdentity,
    ToolBuild,
};
use samsvar_record::{Body, Redactor, RunRecord, sha256_hex};
use std::path::{Path, PathBuf};

/// A private key and its optional certificate chain (DER, signer first).
#[derive(Debug, Clone)]
pub struct Signer {
    pub key: SigningKey,
    pub chain: Vec<Vec<u8>>,
}

/// What the bundle needs besides the run record.
#[derive(Debug, Clone, Default)]
pub struct BundleOptions {
    pub sut: Option<SutIdentity>,
    pub packages: Vec<PackageDigest>,
    /// `Some` when a declaration was requested; mandatory fields are checked.
    pub declaration: Option<DeclarationConfig>,
    /// The run's redactor: every secret it knows is scrubbed wherever it appears.
    pub redactor: Redactor,
    pub signer: Option<Signer>,
    /// Write `report.html`.
    pub html: bool,
    /// Write `testreport/<suite-id>.json`.
    pub testreports: bool,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct BundleSummary {
    pub dir: PathBuf,
    pub files: usize,
    pub signed: bool,
    pub complete: bool,
    /// `kid` of the signing key, when signed.
    pub kid: Option<String>,
    /// Set when a declaration was requested but is absent or makes no conformity
    /// statement: why, for the terminal.
    pub declaration_withheld: Option<String>,
    /// Whether `evidence.json` holds a declaration section.
    pub declaration_written: bool,
}

/// Builds the bundle in `dir` from `record`. The record is redacted again (a secret
/// learnt after a value was recorded is still caught), and every file already in `dir`
/// (run.json, junit.xml, the journal, bodies) is scrubbed once more and listed in the
/// manifest.
pub fn write_bundle(
    dir: &Path,
    record: &RunRecord,
    complete: bool,
    options: &BundleOptions,
) -> Result<BundleSummary> {
    let store = BodyStore::new(dir.join(EXCHANGES_DIR));
    write_bundle_with(dir, record, complete, options, store)
}

/// [`write_bundle`] with the bodies `store` of this process (the journal's): exchange
/// files it wrote, under the names the final scrub gives their bodies, are neither read
/// back nor hashed again.
pub(crate) fn write_bundle_with(
    dir: &Path,
    record: &RunRecord,
    complete: bool,
    options: &BundleOptions,
    mut store: BodyStore,
) -> Result<BundleSummary> {
    std::fs::create_dir_all(dir).map_err(|e| EvidenceError::io("create", dir, e))?;
    let scrubber = &options.redactor;
    let mut run = record.clone();
    scrubber.redact_run(&mut run);

    // The names of the bodies as scrubbed now, with every secret of the run known.
    let mut clean = std::collections::HashSet::new();
    for body in run.bodies() {
        if let Some(name) = store.put(body, scrubber)? {
            clean.insert(name);
        }
    }
    // A file this process wrote under such a name holds exactly those scrubbed bytes; any
    // other file (one stored before a secret was learnt, one of an earlier process) is
    // read and checked below like every other file.
    let known = |rel: &str| -> Option<ManifestEntry> {
        let name = rel.strip_prefix(EXCHANGES_DIR)?.strip_prefix('/')?;
        let size = store.written(name).filter(|_| clean.contains(name))?;
        Some(ManifestEntry {
            path: rel.to_string(),
            sha256: name.to_string(),
            size,
        })
    };

    let mut sut = options.sut.clone();
    if let Some(sut) = &mut sut
        && sut.endpoints.is_empty()
    {
        sut.endpoints = run
            .targets
            .iter()
            .map(|t| (t.name.clone(), t.url.clone()))
            .collect();
    }
    let ehds = ehds::rollup(&run);
    // A run against the built-in simulator says nothing about a product: no declaration.
    let simulated = run.targets.iter().any(|t| t.simulated);
    let (declaration, declaration_withheld) = match &options.declaration {
        Some(config) if simulated => {
            // The config is still checked: the same config must work against the product.
            declaration::check_mandatory(sut.as_ref(), config)
                .map_err(|e| EvidenceError::Config(e.to_string()))?;
            (
            None,
            Some(
                "the run tested samsvar's built-in simulator (SIMULATED TARGETS — not evidence about any product)"
                    .to_string(),
            ),
            )
        }
        Some(config) => {
            let input = declaration::DeclarationInput {
                sut: sut.as_ref(),
                run: &run,
                complete,
                packages: &options.packages,
                ehds: &ehds,
            };
            let d = declaration::build(config, &input)
                .map_err(|e| EvidenceError::Config(e.to_string()))?;
            let withheld = (!d.conformity_declared).then(|| {
                format!(
                    "written without a conformity statement: {}",
                    d.not_declared_because.join("; ")
                )
            });
            (Some(d), withheld)
        }
        None => (None, None),
    };
    let declaration_written = declaration.is_some();
    let mut evidence = Evidence {
        format: EVIDENCE_FORMAT.to_string(),
        format_version: EVIDENCE_FORMAT_VERSION.to_string(),
        complete,
        tool: ToolBuild::current(&run.tool.name, &run.tool.version),
        sut,
        packages: options.packages.clone(),
        ehds,
        run,
        declaration,
        files: Vec::new(),
    };

    if options.testreports {
        for suite in &evidence.run.suites {
            let report = crate::testreport::build(&evidence, suite);
            let bytes =
                serde_json::to_vec_pretty(&report).map_err(|source| EvidenceError::Json {
                    what: "a TestReport",
                    source,
                })?;
            let name = format!("testreport/{}.json", safe_file_name(&suite.id));
            write_scrubbed(dir, &name, &bytes, scrubber)?;
        }
    }
    if options.html {
        let signature = crate::html::SignatureInfo::of(options.signer.as_ref());
        let html = crate::html::render(&evidence, dir, &signature)?;
        write_scrubbed(dir, crate::html::REPORT_HTML, html.as_bytes(), scrubber)?;
    }

    // Second line of defence: scrub every file that is already there (other reporters' output).
    for rel in manifest::list_files(dir)? {
        if manifest::is_unlisted(&rel) || known(&rel).is_some() {
            continue;
        }
        let path = dir.join(&rel);
        let bytes = std::fs::read(&path).map_err(|e| EvidenceError::io("read", &path, e))?;
        if let Some(clean) = scrubber.bytes(&bytes) {
            write_atomic(&path, &clean)?;
        }
    }

    evidence.files = manifest::scan_with(dir, known)?;
    let canonical = canonical_evidence(&evidence, scrubber)?;
    write_atomic(&dir.join(EVIDENCE_JSON), &canonical)?;

    let jws_path = dir.join(EVIDENCE_JWS);
    let (signed, kid) = match &options.signer {
        Some(signer) => {
            let jws = crate::jws::sign_detached(&canonical, &signer.key, &signer.chain)
                .map_err(EvidenceError::Sign)?;
            write_atomic(&jws_path, jws.as_bytes())?;
            (true, Some(signer.key.verifying_key().thumbprint()))
        }
        None => {
            // A signature of an earlier record would no longer match.
            if jws_path.exists() {
                std::fs::remove_file(&jws_path)
                    .map_err(|e| EvidenceError::io("remove", &jws_path, e))?;
            }
            (false, None)
        }
    };
    Ok(BundleSummary {
        dir: dir.to_path_buf(),
        files: evidence.files.len() + 1 + usize::from(signed),
        signed,
        complete,
        kid,
        declaration_withheld,
        declaration_written,
    })
}

/// The canonical bytes of `evidence`, scrubbed as a JSON tree and checked once more as bytes.
pub fn canonical_evidence(evidence: &Evidence, scrubber: &Redactor) -> Result<Vec<u8>> {
    let mut value = serde_json::to_value(evidence).map_err(|source| EvidenceError::Json {
        what: "the evidence record",
        source,
    })?;
    scrubber.json(&mut value);
    let canonical = crate::jcs::canonical_value(&value)?;
    match scrubber.bytes(&canonical) {
        None => Ok(canonical),
        Some(scrubbed) => {
            // A secret spanning JSON syntax: re-canonicalize what is left.
            let reparsed: serde_json::Value = serde_json::from_slice(&scrubbed).map_err(|e| {
                EvidenceError::Canonical(format!("scrubbing broke the record: {e}"))
            })?;
            crate::jcs::canonical_value(&reparsed)
        }
    }
}

/// The `exchanges/` folder of a bundle: stores each body once under its SHA-256, and
/// remembers what it stored, so a body seen again (the same search answered a hundred
/// times) costs no file system call.
#[derive(Debug)]
pub struct BodyStore {
    dir: PathBuf,
    made: bool,
    /// Name → `Some(size)` for a file this store wrote, `None` for one that was there.
    stored: std::collections::HashMap<String, Option<u64>>,
}

impl BodyStore {
    pub fn new(exchanges: PathBuf) -> Self {
        Self {
            dir: exchanges,
            made: false,
            stored: std::collections::HashMap::new(),
        }
    }

    /// The size of `exchanges/<name>` when this store wrote it.
    fn written(&self, name: &str) -> Option<u64> {
        self.stored.get(name).copied().flatten()
    }

    /// Stores `body` unless it is stored already (bodies without bytes were stored by the
    /// journal). The body was redacted with the record, so its digest names the file;
    /// returns that name (`None` for an empty body).
    pub fn put(&mut self, body: &Body, scrubber: &Redactor) -> Result<Option<String>> {
        if body.bytes.is_empty() {
            return Ok(None);
        }
        // Redacted already; checked again so that no secret is stored under any name.
        let bytes = scrubber
            .bytes(&body.bytes)
            .unwrap_or_else(|| body.bytes.to_vec());
        let name = sha256_hex(&bytes);
        if self.stored.contains_key(&name) {
            return Ok(Some(name));
        }
        if !self.made {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| EvidenceError::io("create", &self.dir, e))?;
            self.made = true;
        }
        let path = self.dir.join(&name);
        let mut wrote = None;
        if !path.exists() {
            // Not fsync'd one by one: that made every step wait for the disk. A killed
            // process loses nothing written (the kernel holds it); the journal is synced
            // at each finished test, and `evidence.json` digests every body, so a body
            // lost to a power cut shows.
            write_atomic_with(&path, &bytes, false)?;
            wrote = Some(bytes.len() as u64);
        }
        self.stored.insert(name.clone(), wrote);
        Ok(Some(name))
    }
}

fn write_scrubbed(dir: &Path, rel: &str, bytes: &[u8], scrubber: &Redactor) -> Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| EvidenceError::io("create", parent, e))?;
    }
    match scrubber.bytes(bytes) {
        Some(clean) => write_atomic(&path, &clean),
        None => write_atomic(&path, bytes),
    }
}

/// Writes via a temporary file and a rename, so a crash never leaves half a file; the
/// file is on disk (fsync) before it gets its name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, bytes, true)
}

fn write_atomic_with(path: &Path, bytes: &[u8], sync: bool) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("samsvar-tmp");
    let mut file = std::fs::File::create(&tmp).map_err(|e| EvidenceError::io("create", &tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| EvidenceError::io("write", &tmp, e))?;
    if sync {
        file.sync_all()
            .map_err(|e| EvidenceError::io("sync", &tmp, e))?;
    }
    drop(file);
    std::fs::rename(&tmp, path).map_err(|e| EvidenceError::io("rename", path, e))
}

/// A suite id usable as a file name (ids are kebab-case already; be safe anyway).
pub fn safe_file_name(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "suite".to_string()
    } else {
        trimmed.to_string()
    }
}
