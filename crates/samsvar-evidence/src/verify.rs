//! Offline verification of a bundle: every digest recomputed (changed, missing and
//! added files), the record's canonical form, and the detached signature.

use crate::digest::sha256_hex;
use crate::error::{EvidenceError, Result};
use crate::jws::DetachedJws;
use crate::keys::VerifyingKey;
use crate::manifest::{self, EVIDENCE_JSON, EVIDENCE_JWS};
use crate::model::{EVIDENCE_FORMAT, EVIDENCE_FORMAT_VERSION, Evidence};
use crate::safe_read::{Refusal, read_regular};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Whom to trust for the signature.
#[derive(Debug, Clone)]
pub enum Trust {
    /// No key given: digests are checked, the signature only against its own embedded key.
    None,
    /// The signer's public key.
    Key(VerifyingKey),
    /// CA certificates (DER): the signature's x5c chain must lead to one of them.
    Ca(Vec<Vec<u8>>),
}

/// One thing wrong with a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Changed {
        path: String,
        expected: String,
        found: String,
    },
    Missing {
        path: String,
    },
    Added {
        path: String,
    },
    /// On disk but not a regular file of the bundle (a symlink, a FIFO, a device).
    Unsafe {
        path: String,
        message: String,
    },
    Record {
        path: String,
        message: String,
    },
    Signature {
        path: String,
        message: String,
    },
}

impl Problem {
    pub fn path(&self) -> &str {
        match self {
            Problem::Changed { path, .. }
            | Problem::Missing { path }
            | Problem::Added { path }
            | Problem::Unsafe { path, .. }
            | Problem::Record { path, .. }
            | Problem::Signature { path, .. } => path,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Changed {
                path,
                expected,
                found,
            } => {
                write!(f, "CHANGED  {path} (sha256 {found}, recorded {expected})")
            }
            Problem::Missing { path } => {
                write!(f, "MISSING  {path} (listed in evidence.json, not on disk)")
            }
            Problem::Added { path } => {
                write!(f, "ADDED    {path} (on disk, not listed in evidence.json)")
            }
            Problem::Unsafe { path, message } => write!(f, "UNSAFE   {path}: {message}"),
            Problem::Record { path, message } => write!(f, "INVALID  {path}: {message}"),
            Problem::Signature { path, message } => write!(f, "SIGNATURE {path}: {message}"),
        }
    }
}

/// How the signature was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Valid and checked against the given key or trusted CA.
    Trusted {
        alg: String,
        kid: String,
        signer: String,
    },
    /// Valid against the key embedded in the header, but that key was neither given
    /// (`--key`) nor chained to a trusted CA (`--trust`): anyone could have made it.
    UnknownKey { alg: String, kid: String },
    /// No `evidence.jws` and none was required.
    Unsigned,
    /// Invalid or missing when required (the problem list says why).
    Failed,
}

#[derive(Debug, Clone)]
pub struct Verification {
    pub problems: Vec<Problem>,
    pub files_checked: usize,
    pub signature: SignatureStatus,
    pub run_id: Option<String>,
    pub complete: Option<bool>,
    pub outcome: Option<String>,
    /// `name = url` of every target the run marked simulated.
    pub simulated_targets: Vec<String>,
    /// A record without suites of what a client sent to the simulators (`samsvar serve
    /// --record`): the simulated targets served the system under test, which was the client.
    pub client_session: bool,
    /// `--test` patterns of a run that left tests out (a partial run).
    pub partial: Option<String>,
}

/// What `samsvar verify` concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every file matches a record signed by a key the reviewer vouched for.
    Verified,
    /// Every file matches the record; who wrote it was not checked (`--integrity-only`).
    IntegrityOnly,
    /// Every file matches the record, but there is no signature.
    Unsigned,
    /// Every file matches the record, signed by a key nobody vouched for.
    UnknownKey,
    /// A file or the signature does not match.
    Failed,
}

impl Verdict {
    /// Only a verified bundle (or, when asked for, an intact one) passes.
    pub fn passed(self) -> bool {
        matches!(self, Verdict::Verified | Verdict::IntegrityOnly)
    }
}

impl Verification {
    /// Integrity: every file matches the record and no signature present is broken.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The verdict; `integrity_only` accepts an intact bundle whose signer is not authenticated.
    pub fn verdict(&self, integrity_only: bool) -> Verdict {
        if !self.ok() {
            return Verdict::Failed;
        }
        match &self.signature {
            SignatureStatus::Trusted { .. } => Verdict::Verified,
            _ if integrity_only => Verdict::IntegrityOnly,
            SignatureStatus::Unsigned => Verdict::Unsigned,
            SignatureStatus::UnknownKey { .. } => Verdict::UnknownKey,
            SignatureStatus::Failed => Verdict::Failed,
        }
    }

    /// The human verdict `samsvar verify` prints.
    pub fn render(&self, dir: &Path, integrity_only: bool) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "verifying {}", dir.display());
        if let Some(run_id) = &self.run_id {
            let _ = writeln!(
                out,
                "  run {run_id}: outcome {}, {}",
                self.outcome.as_deref().unwrap_or("?"),
                if self.complete == Some(false) {
                    "INCOMPLETE (finalized from a journal)"
                } else {
                    "complete"
                }
            );
        }
        if self.client_session && !self.simulated_targets.is_empty() {
            let _ = writeln!(
                out,
                "  CLIENT SESSION — the system under test was the client of samsvar's simulators ({}); what it sent, with the findings, is the record's `received`",
                self.simulated_targets.join(", ")
            );
        } else if !self.simulated_targets.is_empty() {
            let _ = writeln!(
                out,
                "  SIMULATED TARGETS — not evidence about any product: {}",
                self.simulated_targets.join(", ")
            );
        }
        if let Some(partial) = &self.partial {
            let _ = writeln!(out, "  PARTIAL RUN — not evidence of conformity: {partial}");
        }
        let _ = writeln!(
            out,
            "  {} file(s) checked against the manifest",
            self.files_checked
        );
        for problem in &self.problems {
            let _ = writeln!(out, "  {problem}");
        }
        let sig = match &self.signature {
            SignatureStatus::Trusted { alg, kid, signer } => {
                format!("valid {alg} signature by {signer} (kid {kid})")
            }
            SignatureStatus::UnknownKey { alg, kid } => format!(
                "valid {alg} signature by kid {kid}, a key neither given with --key nor chained to a CA given with --trust"
            ),
            SignatureStatus::Unsigned => "none (evidence.jws absent)".into(),
            SignatureStatus::Failed => "FAILED".into(),
        };
        let _ = writeln!(out, "  signature: {sig}");
        let verdict = match self.verdict(integrity_only) {
            Verdict::Verified => {
                "VERIFIED — every file matches the record, signed by the key you vouched for".into()
            }
            Verdict::IntegrityOnly => format!(
                "INTEGRITY ONLY — every file matches evidence.json; NOT checked: who wrote the record ({}), so anyone could have edited it and recomputed the digests",
                match &self.signature {
                    SignatureStatus::UnknownKey { kid, .. } => {
                        format!("signed by an unknown key, kid {kid}")
                    }
                    _ => "it is unsigned".to_string(),
                }
            ),
            Verdict::Unsigned => "UNSIGNED — every file matches evidence.json, but nothing shows who wrote it: anyone can edit evidence.json and recompute the digests. Pass --integrity-only to accept that".into(),
            Verdict::UnknownKey => {
                let kid = match &self.signature {
                    SignatureStatus::UnknownKey { kid, .. } => kid.as_str(),
                    _ => "?",
                };
                format!(
                    "SIGNED BY AN UNKNOWN KEY (kid {kid}) — anyone can re-sign an edited bundle with a key of their own: pass the signer's public key with --key PUB.pem or its CA with --trust CA.pem (or --integrity-only to check the files alone)"
                )
            }
            Verdict::Failed => {
                let names: Vec<&str> = self.problems.iter().map(Problem::path).collect();
                format!(
                    "FAILED — {} problem(s): {}",
                    self.problems.len(),
                    names.join(", ")
                )
            }
        };
        let _ = writeln!(out, "verdict: {verdict}");
        out
    }
}

/// Verifies the bundle in `dir`. `Err` only when `dir` itself cannot be read.
pub fn verify_bundle(dir: &Path, trust: &Trust) -> Result<Verification> {
    if !dir.is_dir() {
        return Err(EvidenceError::Parse {
            path: dir.to_path_buf(),
            message: "not a folder".into(),
        });
    }
    let mut problems = Vec::new();
    let on_disk = manifest::list_files(dir)?;
    let folders = manifest::list_folders(dir)?;
    let record_bytes = read_unlisted(dir, EVIDENCE_JSON, MAX_RECORD_BYTES, &mut problems);

    let mut verification = Verification {
        problems: Vec::new(),
        files_checked: 0,
        signature: SignatureStatus::Failed,
        run_id: None,
        complete: None,
        outcome: None,
        simulated_targets: Vec::new(),
        client_session: false,
        partial: None,
    };

    let evidence = record_bytes.as_deref().and_then(|bytes| {
        match check_format_version(bytes).and_then(|()| parse_record(bytes)) {
            Ok(ev) => Some(ev),
            Err(message) => {
                problems.push(Problem::Record {
                    path: EVIDENCE_JSON.into(),
                    message,
                });
                None
            }
        }
    });

    if let Some(evidence) = &evidence {
        verification.run_id = Some(evidence.run.run_id.clone());
        verification.complete = Some(evidence.complete);
        verification.outcome = Some(evidence.run.outcome.to_string());
        verification.simulated_targets = evidence
            .run
            .targets
            .iter()
            .filter(|t| t.simulated)
            .map(|t| format!("{} = {}", t.name, t.url))
            .collect();
        verification.client_session =
            evidence.run.suites.is_empty() && !evidence.run.received.is_empty();
        verification.partial = evidence
            .run
            .selection
            .as_ref()
            .filter(|s| s.is_partial())
            .map(|s| {
                format!(
                    "{} of {} tests, --test {}",
                    s.selected,
                    s.total,
                    s.patterns.join(" --test ")
                )
            });
        let listed: BTreeMap<&str, &crate::model::ManifestEntry> = evidence
            .files
            .iter()
            .map(|e| (e.path.as_str(), e))
            .collect();
        for (path, entry) in &listed {
            if manifest::is_unlisted(path) || path.split('/').any(|p| p == ".." || p.is_empty()) {
                problems.push(Problem::Record {
                    path: EVIDENCE_JSON.into(),
                    message: format!("the manifest lists an invalid path `{path}`"),
                });
                continue;
            }
            match read_regular(dir, path, Some(entry.size), entry.size) {
                Ok(bytes) => {
                    verification.files_checked += 1;
                    let found = sha256_hex(&bytes);
                    if found != entry.sha256 {
                        problems.push(Problem::Changed {
                            path: path.to_string(),
                            expected: entry.sha256.clone(),
                            found,
                        });
                    }
                }
                Err(refusal) => problems.push(refused(path, refusal, &entry.sha256)),
            }
        }
        for path in &on_disk {
            if !manifest::is_unlisted(path) && !listed.contains_key(path.as_str()) {
                problems.push(Problem::Added { path: path.clone() });
            }
        }
        // A folder without any file (an added empty folder) is content the manifest does
        // not cover; a folder holding unlisted files is reported through those files.
        for folder in &folders {
            let prefix = format!("{folder}/");
            if !on_disk.iter().any(|p| p.starts_with(&prefix)) {
                problems.push(Problem::Added { path: prefix });
            }
        }
    }

    verification.signature = check_signature(dir, record_bytes.as_deref(), trust, &mut problems);
    verification.problems = problems;
    Ok(verification)
}

/// The largest `evidence.json` read (bounds memory on a hostile bundle).
pub const MAX_RECORD_BYTES: u64 = 1024 * 1024 * 1024;
/// The largest `evidence.jws` read: a compact JWS with a certificate chain.
pub const MAX_SIGNATURE_BYTES: u64 = 1024 * 1024;

/// Reads the record (not in the manifest, so its size is not known in advance).
fn read_unlisted(dir: &Path, rel: &str, max: u64, problems: &mut Vec<Problem>) -> Option<Vec<u8>> {
    match read_regular(dir, rel, None, max) {
        Ok(b) => Some(b),
        Err(Refusal::Missing) => {
            problems.push(Problem::Missing { path: rel.into() });
            None
        }
        Err(Refusal::Unsafe(message)) => {
            problems.push(Problem::Unsafe {
                path: rel.into(),
                message,
            });
            None
        }
        Err(Refusal::Size { found }) => {
            problems.push(Problem::Record {
                path: rel.into(),
                message: format!("{found} bytes, more than the {max} a record is read up to"),
            });
            None
        }
    }
}

/// The problem a listed file that was not read is.
fn refused(path: &str, refusal: Refusal, expected: &str) -> Problem {
    let path = path.to_string();
    match refusal {
        Refusal::Missing => Problem::Missing { path },
        Refusal::Unsafe(message) => Problem::Unsafe { path, message },
        Refusal::Size { found } => Problem::Changed {
            path,
            expected: expected.to_string(),
            found: format!("not computed: {found} bytes on disk, another size recorded"),
        },
    }
}

/// Refuses a record of a major format version this verifier does not know: its members
/// may mean something else, so checking it as the known major could pass what should fail.
fn check_format_version(bytes: &[u8]) -> std::result::Result<(), String> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(()); // not JSON: reported as an invalid record
    };
    if value.get("format").and_then(|f| f.as_str()) != Some(EVIDENCE_FORMAT) {
        return Ok(()); // not a samsvar record: reported as an invalid record
    }
    let Some(found) = value.get("format_version").and_then(|v| v.as_str()) else {
        return Ok(()); // no version: reported as an invalid record
    };
    let supported = EVIDENCE_FORMAT_VERSION
        .split('.')
        .next()
        .unwrap_or(EVIDENCE_FORMAT_VERSION);
    if found.split('.').next() == Some(supported) {
        return Ok(());
    }
    Err(EvidenceError::UnsupportedFormat {
        found: found.to_string(),
        supported: format!("{supported}.x"),
    }
    .to_string())
}

fn parse_record(bytes: &[u8]) -> std::result::Result<Evidence, String> {
    if !crate::jcs::is_canonical(bytes) {
        return Err(
            "not canonical JSON (RFC 8785): the record was edited or is not a samsvar record"
                .into(),
        );
    }
    serde_json::from_slice::<Evidence>(bytes)
        .map_err(|e| format!("not a samsvar evidence record: {e}"))
}

fn check_signature(
    dir: &Path,
    record: Option<&[u8]>,
    trust: &Trust,
    problems: &mut Vec<Problem>,
) -> SignatureStatus {
    let fail = |problems: &mut Vec<Problem>, message: String| {
        problems.push(Problem::Signature {
            path: EVIDENCE_JWS.into(),
            message,
        });
        SignatureStatus::Failed
    };
    let jws_bytes = match read_regular(dir, EVIDENCE_JWS, None, MAX_SIGNATURE_BYTES) {
        Ok(b) => b,
        Err(Refusal::Unsafe(message)) => {
            problems.push(Problem::Unsafe {
                path: EVIDENCE_JWS.into(),
                message,
            });
            return SignatureStatus::Failed;
        }
        Err(Refusal::Size { found }) => {
            return fail(
                problems,
                format!("{found} bytes, larger than a signature can be ({MAX_SIGNATURE_BYTES})"),
            );
        }
        Err(Refusal::Missing) => {
            return match trust {
                Trust::None => SignatureStatus::Unsigned,
                _ => {
                    problems.push(Problem::Missing {
                        path: EVIDENCE_JWS.into(),
                    });
                    SignatureStatus::Failed
                }
            };
        }
    };
    let jws = match DetachedJws::parse(&jws_bytes) {
        Ok(j) => j,
        Err(e) => return fail(problems, format!("unreadable: {e}")),
    };
    let Some(record) = record else {
        return fail(
            problems,
            "nothing to check: evidence.json is missing".into(),
        );
    };
    let alg = jws.header.alg.clone();
    let kid = jws.header.kid.clone();
    let (key, signer) = match trust {
        Trust::None => match jws.embedded_key() {
            Ok(k) => (k, None),
            Err(e) => return fail(problems, e),
        },
        Trust::Key(key) => {
            if key.thumbprint() != kid {
                return fail(
                    problems,
                    format!(
                        "signed by kid {kid}, not by the given key (kid {})",
                        key.thumbprint()
                    ),
                );
            }
            (key.clone(), Some("the given key".to_string()))
        }
        Trust::Ca(anchors) => {
            let chain = match jws.chain() {
                Ok(c) if !c.is_empty() => c,
                Ok(_) => {
                    return fail(
                        problems,
                        "no x5c certificate chain to check against --trust".into(),
                    );
                }
                Err(e) => return fail(problems, e),
            };
            match crate::certs::verify_chain(&chain, anchors, std::time::SystemTime::now()) {
                Ok(key) => {
                    if key.thumbprint() != kid {
                        return fail(
                            problems,
                            "the x5c certificate does not hold the key named by kid".into(),
                        );
                    }
                    (key, Some(crate::certs::cert_subject(&chain[0])))
                }
                Err(e) => return fail(problems, e),
            }
        }
    };
    match jws.verify(record, &key) {
        Ok(()) => match signer {
            Some(signer) => SignatureStatus::Trusted { alg, kid, signer },
            None => SignatureStatus::UnknownKey { alg, kid },
        },
        Err(e) => fail(
            problems,
            format!("{e}: evidence.json or evidence.jws was changed after signing"),
        ),
    }
}
