//! `samsvar.toml`: targets, inputs, limits and concurrency for `samsvar run`.
//!
//! ```toml
//! jobs = 4
//!
//! [limits]
//! timeout = "30s"      # per request; "500ms", "2m" also work
//! max_body = "10MiB"   # largest response body read; "512KiB", "1000000" (bytes)
//! max_excerpt = "2KiB" # bytes of a server-sent value kept in reports
//!
//! [targets.fhir]
//! url = "https://fhir.example.org/r4"
//!
//! [inputs]
//! family = "Nordmann"
//! ```
//!
//! Unknown keys are rejected with the file, line and column. Sections are separate
//! structs so later features (target authentication, SUT identity) add fields without
//! touching the others.

use indexmap::IndexMap;
use samsvar_diagnostics::{Diagnostic, SourceMap, Span, render};
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "samsvar.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Tests run concurrently.
    pub jobs: Option<usize>,
    #[serde(default)]
    pub limits: Limits,
    /// Target name → how to reach it.
    #[serde(default)]
    pub targets: IndexMap<String, TargetConfig>,
    /// Input values (override suite defaults; overridden by environment and `-i`).
    #[serde(default)]
    pub inputs: IndexMap<String, InputValue>,
    /// Identity of the system under test, for the evidence (docs/declaration.md).
    #[serde(default)]
    pub sut: Option<samsvar_evidence::SutIdentity>,
    /// The EHDS declaration section (docs/declaration.md).
    #[serde(default)]
    pub declaration: Option<samsvar_evidence::declaration::DeclarationConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Per-request timeout.
    #[serde(default, deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    /// Largest response body read, in bytes.
    #[serde(default, deserialize_with = "size")]
    pub max_body: Option<u64>,
    /// Bytes of a value the server sent (an assertion's actual, a fault reason) kept
    /// in reports.
    #[serde(default, deserialize_with = "size")]
    pub max_excerpt: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Base URL of the target.
    pub url: String,
    /// How to authenticate (docs/authentication.md); secrets come from env or files only.
    #[serde(default)]
    pub auth: samsvar_auth::AuthConfig,
    /// TLS settings: custom CA, client certificate (mutual TLS), minimum version.
    #[serde(default)]
    pub tls: samsvar_auth::TlsConfig,
}

/// An input value: TOML strings, numbers and booleans are all accepted as text.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum InputValue {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl InputValue {
    pub fn as_text(&self) -> String {
        match self {
            InputValue::Text(s) => s.clone(),
            InputValue::Integer(i) => i.to_string(),
            InputValue::Float(f) => f.to_string(),
            InputValue::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The rendered diagnostic (`file:line:col`, caret, hint).
    #[error("failed to load config {}:\n{rendered}", path.display())]
    Invalid { path: PathBuf, rendered: String },
}

/// Loads `path`, or `./samsvar.toml` when `path` is `None` and that file exists.
/// Returns the config and the file it came from.
pub fn load(path: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => {
            let default = PathBuf::from(DEFAULT_CONFIG_FILE);
            if !default.is_file() {
                return Ok((Config::default(), None));
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
        path: path.clone(),
        source,
    })?;
    let config = parse(&path, text)?;
    Ok((config, Some(path)))
}

/// Parses config text as if read from `path`.
pub fn parse(path: &Path, text: String) -> Result<Config, ConfigError> {
    match toml::from_str::<Config>(&text) {
        Ok(c) => {
            if c.jobs == Some(0) {
                return Err(invalid(path, text, None, "`jobs` must be at least 1", None));
            }
            Ok(c)
        }
        Err(e) => {
            let message = e.message().trim().to_string();
            let hint = unknown_key_hint(&message);
            Err(invalid(path, text, e.span(), &message, hint))
        }
    }
}

fn invalid(
    path: &Path,
    text: String,
    span: Option<std::ops::Range<usize>>,
    message: &str,
    hint: Option<String>,
) -> ConfigError {
    let mut map = SourceMap::new();
    let file = map.add(path, text);
    let span = span.map_or(Span::new(file, 0, 0), |r| Span::new(file, r.start, r.end));
    let mut d = Diagnostic::error("config", span, message.to_string());
    if let Some(h) = hint {
        d = d.with_hint(h);
    }
    ConfigError::Invalid {
        path: path.to_path_buf(),
        rendered: render(&map, &d),
    }
}

/// For "unknown field `timeot`, expected `timeout` or `max_body`": "did you mean `timeout`?".
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    samsvar_diagnostics::did_you_mean(key, candidates.iter().copied())
        .map(|c| format!("did you mean `{c}`?"))
        .or_else(|| {
            (!candidates.is_empty()).then(|| format!("known keys here: {}", candidates.join(", ")))
        })
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

fn size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bytes(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Bytes(n) => Ok(Some(n)),
        Raw::Text(t) => parse_size(&t).map(Some).map_err(serde::de::Error::custom),
    }
}

/// `30s`, `500ms`, `2m`, `1.5s`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration; write e.g. `30s` or `500ms`"))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" | "min" => n * 60.0,
        other => {
            return Err(format!(
                "`{other}` is not a duration unit; use ms, s or m (e.g. `30s`)"
            ));
        }
    };
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(format!("`{text}` must be a positive duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `10MiB`, `512KiB`, `1MB`, `1048576`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size; write e.g. `10MiB`"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1024,
        "kb" => 1000,
        "mib" => 1024 * 1024,
        "mb" => 1_000_000,
        "gib" => 1024 * 1024 * 1024,
        other => {
            return Err(format!(
                "`{other}` is not a size unit; use bytes, KiB, MiB or GiB (e.g. `10MiB`)"
            ));
        }
    };
    n.checked_mul(factor)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("`{text}` must be a positive size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let c = parse(
            Path::new("samsvar.toml"),
            "jobs = 3\n[limits]\ntimeout = \"250ms\"\nmax_body = \"1MiB\"\n[targets.fhir]\nurl = \"http://x/fhir\"\n[inputs]\nfamily = \"Nordmann\"\ncount = 2\n".into(),
        )
        .unwrap();
        assert_eq!(c.jobs, Some(3));
        assert_eq!(c.limits.timeout, Some(Duration::from_millis(250)));
        assert_eq!(c.limits.max_body, Some(1024 * 1024));
        assert_eq!(c.targets["fhir"].url, "http://x/fhir");
        assert_eq!(c.inputs["count"].as_text(), "2");
    }

    #[test]
    fn unknown_key_names_file_line_col_and_suggests() {
        let err = parse(
            Path::new("samsvar.toml"),
            "[limits]\ntimeot = \"1s\"\n".into(),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("samsvar.toml:2:1"), "{text}");
        assert!(text.contains("unknown field `timeot`"), "{text}");
        assert!(text.contains("did you mean `timeout`?"), "{text}");
    }

    #[test]
    fn durations_and_sizes() {
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("3 parsecs").is_err());
        assert_eq!(parse_size("512KiB").unwrap(), 512 * 1024);
        assert!(parse_size("0").is_err());
    }
}
