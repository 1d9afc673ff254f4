//! The hub's one door into samsvar-evidence: checking a bundle against registered keys,
//! reading the summary the hub stores, and the keys workers sign with. When the evidence
//! crate changes shape, this file is the one to adapt.
//!
//! Policy on top of `verify_bundle`: a bundle counts only when every digest matches AND its
//! signature verifies with one of the keys the hub was given for it (the vendor's registered
//! keys, or the hub workers' keys). "Digests match" alone — an unsigned bundle, or one
//! signed by a key nobody registered — is refused, with the same words `samsvar verify`
//! uses: UNSIGNED, SIGNED BY AN UNKNOWN KEY (kid …).

use samsvar_evidence::jws::DetachedJws;
use samsvar_evidence::manifest::{EVIDENCE_JSON, EVIDENCE_JWS};
use samsvar_evidence::{Algorithm, SigningKey, Trust, VerifyingKey, verify_bundle};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// A public key as the hub stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    /// RFC 7638 thumbprint, the `kid` samsvar puts in its signatures.
    pub kid: String,
    /// SPKI PEM, normalised.
    pub pem: String,
}

/// Parses a PEM public key (or a certificate holding one) a vendor registers.
pub fn parse_public_key(pem: &str) -> Result<PublicKey, String> {
    let key = VerifyingKey::from_pem(pem)
        .or_else(|_| {
            samsvar_evidence::certs::parse_pem_certs(pem).and_then(|certs| match certs.first() {
                Some(der) => samsvar_evidence::certs::cert_public_key(der),
                None => Err("no key or certificate in the PEM text".into()),
            })
        })
        .map_err(|e| {
            format!("not a public key samsvar can verify with (Ed25519 or P-256 PEM): {e}")
        })?;
    Ok(PublicKey {
        kid: key.thumbprint(),
        pem: key.to_spki_pem()?,
    })
}

/// The verdict of the hub's policy on one bundle folder.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyVerdict {
    pub accepted: bool,
    /// `VERIFIED`, `UNSIGNED`, `SIGNED BY AN UNKNOWN KEY`, `FAILED`.
    pub status: String,
    /// One sentence saying why, for refusals and pages.
    pub reason: String,
    pub kid: Option<String>,
    /// The full report, as `samsvar verify` prints it.
    pub report: String,
}

/// Verifies the bundle in `dir` against `keys`.
pub fn verify_with_keys(dir: &Path, keys: &[PublicKey], whose: &str) -> PolicyVerdict {
    let refuse =
        |status: &str, reason: String, kid: Option<String>, report: String| PolicyVerdict {
            accepted: false,
            status: status.to_string(),
            reason,
            kid,
            report,
        };
    if !dir.join(EVIDENCE_JSON).is_file() {
        return refuse(
            "FAILED",
            "not an evidence bundle: evidence.json is missing".into(),
            None,
            String::new(),
        );
    }
    let integrity = match verify_bundle(dir, &Trust::None) {
        Ok(v) => v,
        Err(e) => {
            return refuse(
                "FAILED",
                format!("cannot read the bundle: {e}"),
                None,
                String::new(),
            );
        }
    };
    let jws_bytes = match std::fs::read(dir.join(EVIDENCE_JWS)) {
        Ok(bytes) => bytes,
        Err(_) => {
            let report = integrity.render(Path::new("."), true);
            return refuse(
                "UNSIGNED",
                format!(
                    "UNSIGNED: the bundle has no evidence.jws; the hub accepts only bundles signed with one of {whose} registered keys"
                ),
                None,
                report,
            );
        }
    };
    let kid = match DetachedJws::parse(&jws_bytes) {
        Ok(jws) => jws.header.kid,
        Err(e) => {
            return refuse(
                "FAILED",
                format!("evidence.jws is unreadable: {e}"),
                None,
                integrity.render(Path::new("."), true),
            );
        }
    };
    let Some(known) = keys.iter().find(|k| k.kid == kid) else {
        return refuse(
            "SIGNED BY AN UNKNOWN KEY",
            format!(
                "SIGNED BY AN UNKNOWN KEY (kid {kid}): register the public key with {whose} keys first"
            ),
            Some(kid),
            integrity.render(Path::new("."), true),
        );
    };
    let key = match VerifyingKey::from_pem(&known.pem) {
        Ok(k) => k,
        Err(e) => {
            return refuse(
                "FAILED",
                format!("registered key {kid} is unusable: {e}"),
                Some(kid),
                String::new(),
            );
        }
    };
    let verification = match verify_bundle(dir, &Trust::Key(key)) {
        Ok(v) => v,
        Err(e) => {
            return refuse(
                "FAILED",
                format!("cannot read the bundle: {e}"),
                Some(kid),
                String::new(),
            );
        }
    };
    let report = verification.render(Path::new("."), false);
    if verification.ok() {
        PolicyVerdict {
            accepted: true,
            status: "VERIFIED".into(),
            reason: format!(
                "VERIFIED: every file matches the record, signed by registered key {kid}"
            ),
            kid: Some(kid),
            report,
        }
    } else {
        let problems: Vec<String> = verification
            .problems
            .iter()
            .map(ToString::to_string)
            .collect();
        refuse(
            "FAILED",
            format!("FAILED: {}", problems.join("; ")),
            Some(kid),
            report,
        )
    }
}

/// What the hub keeps of a bundle's record, read from evidence.json.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BundleSummary {
    pub run_id: String,
    /// The system under test as the record names it (`[sut]`), when given.
    pub sut_product: Option<String>,
    pub sut_version: Option<String>,
    /// The run's outcome as the record states it (`pass`, `fail`, `error`, …).
    pub outcome: String,
    pub complete: bool,
    /// Any target was samsvar's built-in simulator.
    pub simulated: bool,
    pub suites: Vec<SuiteRef>,
    pub passed: i64,
    pub failed: i64,
    pub errored: i64,
    pub skipped: i64,
    pub total: i64,
    pub tests: Vec<TestLine>,
    pub requirements: Vec<RequirementLine>,
    pub targets: Vec<TargetLine>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SuiteRef {
    pub id: String,
    pub version: String,
    pub title: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TestLine {
    pub suite: String,
    pub id: String,
    pub outcome: String,
    pub optional: bool,
    pub reason: Option<String>,
    pub verifies: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequirementLine {
    pub id: String,
    pub outcome: String,
    /// Suites whose tests back the requirement.
    pub suites: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TargetLine {
    pub name: String,
    pub url: String,
    pub simulated: bool,
}

/// Reads the summary of the bundle in `dir`.
pub fn summarize(dir: &Path) -> Result<BundleSummary, String> {
    let bytes =
        std::fs::read(dir.join(EVIDENCE_JSON)).map_err(|e| format!("evidence.json: {e}"))?;
    let record: Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("evidence.json is not JSON: {e}"))?;
    let run = &record["run"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let count = |name: &str| run["summary"][name].as_i64().unwrap_or(0);
    let mut summary = BundleSummary {
        run_id: text(&run["run_id"]),
        outcome: text(&run["outcome"]),
        complete: record["complete"].as_bool().unwrap_or(false),
        sut_product: record["sut"]["product"].as_str().map(str::to_string),
        sut_version: record["sut"]["version"].as_str().map(str::to_string),
        passed: count("passed"),
        failed: count("failed"),
        errored: count("errored"),
        skipped: count("skipped"),
        total: count("total"),
        ..Default::default()
    };
    for target in run["targets"].as_array().into_iter().flatten() {
        let simulated = target["simulated"].as_bool().unwrap_or(false);
        summary.simulated |= simulated;
        summary.targets.push(TargetLine {
            name: text(&target["name"]),
            url: text(&target["url"]),
            simulated,
        });
    }
    for suite in run["suites"].as_array().into_iter().flatten() {
        let suite_id = text(&suite["id"]);
        summary.suites.push(SuiteRef {
            id: suite_id.clone(),
            version: text(&suite["version"]),
            title: text(&suite["title"]),
        });
        collect_tests(&suite["root"], &suite_id, &mut summary.tests);
    }
    for requirement in record["ehds"]["requirements"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let mut suites: Vec<String> = requirement["tests"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| text(&t["suite"]))
            .collect();
        suites.sort();
        suites.dedup();
        summary.requirements.push(RequirementLine {
            id: text(&requirement["id"]),
            outcome: text(&requirement["outcome"]),
            suites,
        });
    }
    if summary.run_id.is_empty() {
        return Err("evidence.json has no run id: not a samsvar evidence record".into());
    }
    Ok(summary)
}

/// Tests sit in nested groups (`items` of kind `test` or `group`).
fn collect_tests(group: &Value, suite: &str, out: &mut Vec<TestLine>) {
    for item in group["items"].as_array().into_iter().flatten() {
        if item["kind"].as_str() == Some("test") {
            out.push(TestLine {
                suite: suite.to_string(),
                id: item["id"].as_str().unwrap_or_default().to_string(),
                outcome: item["outcome"].as_str().unwrap_or_default().to_string(),
                optional: item["optional"].as_bool().unwrap_or(false),
                reason: item["reason"].as_str().map(str::to_string),
                verifies: item["verifies"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            });
        } else {
            collect_tests(item, suite, out);
        }
    }
}

/// Creates (when absent) the private key a worker signs its runs with, and returns its
/// public half. The file is written 0600, as `samsvar keygen` does.
pub fn ensure_signing_key(path: &Path) -> Result<PublicKey, String> {
    if !path.exists() {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let key = SigningKey::generate(Algorithm::EdDSA)?;
        let pem = key.to_pkcs8_pem()?;
        write_private(path, pem.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let pem = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = SigningKey::from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
    let public = key.verifying_key();
    Ok(PublicKey {
        kid: public.thumbprint(),
        pem: public.to_spki_pem()?,
    })
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}
