//! FHIR package digests from `samsvar.lock`, read leniently: the lock file's exact
//! layout belongs to the packages subsystem, so any JSON or TOML shape whose
//! entries carry an id/name, a version and a digest is accepted.

use crate::model::PackageDigest;
use serde_json::Value;
use std::path::Path;

const ID_KEYS: &[&str] = &["id", "name", "package"];
const DIGEST_KEYS: &[&str] = &[
    "sha256",
    "digest",
    "integrity",
    "shasum",
    "checksum",
    "sha512",
];

/// Reads the packages of a lock file; `None` when the file is absent.
pub fn read_lock(path: &Path) -> Option<Result<Vec<PackageDigest>, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(parse_lock(&text))
}

pub fn parse_lock(text: &str) -> Result<Vec<PackageDigest>, String> {
    let mut out = Vec::new();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        collect_json(&value, None, &mut out);
    } else {
        collect_toml_like(text, &mut out);
    }
    out.sort_by(|a, b| (&a.id, &a.version).cmp(&(&b.id, &b.version)));
    out.dedup();
    Ok(out)
}

fn pick<'a>(get: impl Fn(&str) -> Option<&'a str>, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| get(k))
}

fn collect_json(value: &Value, key_hint: Option<&str>, out: &mut Vec<PackageDigest>) {
    match value {
        Value::Object(map) => {
            let get = |k: &str| map.get(k).and_then(Value::as_str);
            let version = get("version");
            let id = pick(get, ID_KEYS).or(key_hint.and_then(|h| h.split('@').next()));
            if let (Some(id), Some(version)) = (id, version) {
                let digest = pick(get, DIGEST_KEYS).map(str::to_string);
                out.push(PackageDigest {
                    id: id.to_string(),
                    version: version.to_string(),
                    digest,
                });
                return;
            }
            for (k, v) in map {
                collect_json(v, Some(k), out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_json(v, None, out)),
        _ => {}
    }
}

/// Reads `key = "value"` lines grouped by `[table]` / `[[array]]` headers.
fn collect_toml_like(text: &str, out: &mut Vec<PackageDigest>) {
    let mut table: Vec<(String, String)> = Vec::new();
    let flush = |table: &mut Vec<(String, String)>, out: &mut Vec<PackageDigest>| {
        let get = |k: &str| {
            table
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        if let (Some(id), Some(version)) = (pick(get, ID_KEYS), get("version")) {
            out.push(PackageDigest {
                id: id.to_string(),
                version: version.to_string(),
                digest: pick(get, DIGEST_KEYS).map(str::to_string),
            });
        }
        table.clear();
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            flush(&mut table, out);
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.trim();
            if let Some(v) = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                table.push((k.trim().to_string(), v.to_string()));
            }
        }
    }
    flush(&mut table, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_toml_and_json_shapes() {
        let toml = "version = 1\n[[package]]\nid = \"hl7.fhir.r4.core\"\nversion = \"4.0.1\"\nsha256 = \"abc\"\n\n[[package]]\nname = \"hl7.fhir.uv.ips\"\nversion = \"1.1.0\"\n";
        let p = parse_lock(toml).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].id, "hl7.fhir.r4.core");
        assert_eq!(p[0].digest.as_deref(), Some("abc"));
        assert_eq!(p[1].digest, None);

        let json =
            r#"{"packages":{"hl7.fhir.r4.core@4.0.1":{"version":"4.0.1","integrity":"sha512-x"}}}"#;
        let p = parse_lock(json).unwrap();
        assert_eq!(
            p,
            vec![PackageDigest {
                id: "hl7.fhir.r4.core".into(),
                version: "4.0.1".into(),
                digest: Some("sha512-x".into())
            }]
        );
    }
}
