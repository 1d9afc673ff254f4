//! Picking a version from what a registry offers: exact, tag, npm-style range, and the
//! lenient fallback to the nearest version when an exact version was never published.

use semver::{Version, VersionReq};
use std::collections::BTreeMap;

/// The outcome of choosing a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub version: String,
    /// Set when the choice is not what was asked for literally; it explains why (a warning).
    pub note: Option<String>,
}

/// What kind of version request a string is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Exact(String),
    /// `latest`, `current`, `dev` or another dist-tag.
    Tag(String),
    Range(Vec<VersionReq>),
}

impl Request {
    pub fn parse(text: &str) -> Result<Request, String> {
        let text = text.trim();
        if text.is_empty() || text == "*" || text == "x" {
            return Ok(Request::Tag("latest".into()));
        }
        if text.chars().all(|c| c.is_ascii_alphabetic()) {
            return Ok(Request::Tag(text.to_ascii_lowercase()));
        }
        if lenient(text).is_some() && !is_rangy(text) {
            return Ok(Request::Exact(text.to_string()));
        }
        let mut alternatives = Vec::new();
        for alt in text.split("||") {
            let normalised = normalise_range(alt);
            let req = VersionReq::parse(&normalised).map_err(|e| {
                format!("`{text}` is neither a version nor a range I understand ({e})")
            })?;
            alternatives.push(req);
        }
        Ok(Request::Range(alternatives))
    }

    /// True for a literal version: the only kind a cache lookup can answer without a registry.
    pub fn exact(&self) -> Option<&str> {
        match self {
            Request::Exact(v) => Some(v),
            _ => None,
        }
    }
}

fn is_rangy(text: &str) -> bool {
    text.contains(['^', '~', '<', '>', '=', '*', ' ', '|', ','])
        || text.split(['.', '-']).take(3).any(|p| p == "x" || p == "X")
        || text
            .split('-')
            .next()
            .is_some_and(|core| core.split('.').count() < 3)
}

/// npm writes comparators separated by spaces and `x` wildcards; the semver crate wants
/// commas and `*`.
fn normalise_range(alt: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for token in alt.split_whitespace() {
        if token
            .chars()
            .all(|c| matches!(c, '<' | '>' | '=' | '^' | '~'))
        {
            pending_op.push_str(token);
            continue;
        }
        let token: String = token
            .split('.')
            .map(|p| if p == "x" || p == "X" { "*" } else { p })
            .collect::<Vec<_>>()
            .join(".");
        parts.push(format!("{}{}", std::mem::take(&mut pending_op), token));
    }
    // A bare `1.2` in npm means `~1.2` style "any patch"; semver treats it as `^1.2`;
    // make it explicit so both agree.
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| {
            let starts_with_digit = p.chars().next().is_some_and(|c| c.is_ascii_digit());
            if starts_with_digit && !p.contains('*') && p.split('.').count() < 3 {
                format!("~{p}")
            } else if starts_with_digit && !p.contains('*') {
                format!("={p}")
            } else {
                p
            }
        })
        .collect();
    parts.join(", ")
}

/// Parses FHIR-ish versions: semver, or `1.0` / `1` padded with zeros.
pub fn lenient(text: &str) -> Option<Version> {
    if let Ok(v) = Version::parse(text) {
        return Some(v);
    }
    let (core, pre) = match text.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (text, None),
    };
    let nums: Vec<&str> = core.split('.').collect();
    if nums.is_empty()
        || nums.len() > 3
        || nums
            .iter()
            .any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut padded: Vec<&str> = nums.clone();
    while padded.len() < 3 {
        padded.push("0");
    }
    let mut s = padded.join(".");
    if let Some(pre) = pre {
        s.push('-');
        s.push_str(pre);
    }
    Version::parse(&s).ok()
}

/// Chooses a version of `package` from `available` for `request`.
/// Returns `None` when nothing at all is available.
pub fn select(
    package: &str,
    request: &Request,
    available: &[String],
    tags: &BTreeMap<String, String>,
) -> Option<Selection> {
    if available.is_empty() {
        return None;
    }
    let parsed: Vec<(Version, &String)> = available
        .iter()
        .filter_map(|s| lenient(s).map(|v| (v, s)))
        .collect();
    let highest_stable = || {
        parsed
            .iter()
            .filter(|(v, _)| v.pre.is_empty())
            .max_by(|a, b| a.0.cmp(&b.0))
            .or_else(|| parsed.iter().max_by(|a, b| a.0.cmp(&b.0)))
            .map(|(_, s)| (*s).clone())
            .or_else(|| available.last().cloned())
    };
    match request {
        Request::Exact(want) => {
            if available.iter().any(|v| v == want) {
                return Some(Selection {
                    version: want.clone(),
                    note: None,
                });
            }
            let wanted = lenient(want)?;
            let chosen = nearest(&wanted, &parsed)?;
            Some(Selection {
                note: Some(format!(
                    "{package}@{want} is not published; using the nearest available version {chosen} (available: {})",
                    available.join(", ")
                )),
                version: chosen,
            })
        }
        Request::Tag(tag) => {
            let tagged = tags.get(tag).filter(|v| available.contains(v)).cloned();
            let latest = tags
                .get("latest")
                .filter(|v| available.contains(v))
                .cloned()
                .or_else(highest_stable)?;
            match (tag.as_str(), tagged) {
                (_, Some(v)) if tag == "latest" => Some(Selection {
                    version: v,
                    note: None,
                }),
                (_, Some(v)) => Some(Selection {
                    note: Some(format!(
                        "{package}@{tag} resolved through the registry tag to {v}"
                    )),
                    version: v,
                }),
                ("current" | "dev", None) => Some(Selection {
                    note: Some(format!(
                        "{package}@{tag} names a CI build, which registries do not publish; using the latest published version {latest}"
                    )),
                    version: latest,
                }),
                ("latest", None) => Some(Selection {
                    version: latest,
                    note: None,
                }),
                (_, None) => Some(Selection {
                    note: Some(format!(
                        "{package}@{tag}: the registry has no tag `{tag}`; using the latest published version {latest}"
                    )),
                    version: latest,
                }),
            }
        }
        Request::Range(alternatives) => {
            let matching = parsed
                .iter()
                .filter(|(v, _)| alternatives.iter().any(|r| r.matches(v)))
                .max_by(|a, b| a.0.cmp(&b.0));
            if let Some((_, s)) = matching {
                return Some(Selection {
                    version: (*s).clone(),
                    note: None,
                });
            }
            let latest = highest_stable()?;
            Some(Selection {
                note: Some(format!(
                    "no version of {package} matches the range; using the latest published version {latest} (available: {})",
                    available.join(", ")
                )),
                version: latest,
            })
        }
    }
}

/// Same major.minor with the highest patch; else, in the same major and then overall, the
/// lowest version above the wanted one, or failing that the highest below it.
fn nearest(wanted: &Version, parsed: &[(Version, &String)]) -> Option<String> {
    let same_minor = parsed
        .iter()
        .filter(|(v, _)| v.major == wanted.major && v.minor == wanted.minor)
        .max_by(|a, b| (a.0.pre.is_empty(), &a.0).cmp(&(b.0.pre.is_empty(), &b.0)));
    if let Some((_, s)) = same_minor {
        return Some((*s).clone());
    }
    let pick = |pool: Vec<&(Version, &String)>| -> Option<String> {
        let above = pool
            .iter()
            .filter(|(v, _)| v > wanted)
            .min_by(|a, b| a.0.cmp(&b.0));
        let below = pool
            .iter()
            .filter(|(v, _)| v < wanted)
            .max_by(|a, b| a.0.cmp(&b.0));
        above.or(below).map(|(_, s)| (*s).clone())
    };
    pick(
        parsed
            .iter()
            .filter(|(v, _)| v.major == wanted.major)
            .collect(),
    )
    .or_else(|| pick(parsed.iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avail(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn pick(req: &str, list: &[&str]) -> Option<String> {
        let r = Request::parse(req).ok()?;
        select("p", &r, &avail(list), &BTreeMap::new()).map(|s| s.version)
    }

    #[test]
    fn exact_and_nearest() {
        assert_eq!(pick("1.0.0", &["1.0.0", "1.0.1"]).as_deref(), Some("1.0.0"));
        assert_eq!(
            pick("1.0.0", &["1.0.2", "1.0.1", "1.1.0"]).as_deref(),
            Some("1.0.2")
        );
        assert_eq!(pick("6.5.0", &["7.0.1"]).as_deref(), Some("7.0.1"));
        assert_eq!(
            pick("5.2.0", &["5.3.0-ballot-tc1"]).as_deref(),
            Some("5.3.0-ballot-tc1")
        );
        assert_eq!(
            pick("2.5.0", &["1.0.0", "2.1.0", "2.7.0", "3.0.0"]).as_deref(),
            Some("2.7.0")
        );
        assert_eq!(
            pick("2.9.0", &["1.0.0", "2.1.0", "2.7.0", "3.0.0"]).as_deref(),
            Some("2.7.0")
        );
        assert_eq!(
            pick("4.0.0", &["1.0.0", "3.0.0", "5.0.0"]).as_deref(),
            Some("5.0.0")
        );
        assert_eq!(pick("9.0.0", &["1.0.0", "2.1.0"]).as_deref(), Some("2.1.0"));
    }

    #[test]
    fn ranges_and_tags() {
        assert_eq!(
            pick("^1.0.0", &["1.0.0", "1.4.0", "2.0.0"]).as_deref(),
            Some("1.4.0")
        );
        assert_eq!(
            pick("1.0.x", &["1.0.0", "1.0.3", "1.1.0"]).as_deref(),
            Some("1.0.3")
        );
        assert_eq!(
            pick(">=1.1.0 <2.0.0", &["1.0.0", "1.4.0", "2.0.0"]).as_deref(),
            Some("1.4.0")
        );
        assert_eq!(
            pick("1.0", &["1.0.0", "1.0.3", "1.1.0"]).as_deref(),
            Some("1.0.3")
        );
        assert_eq!(
            pick("current", &["1.0.0", "2.0.0-ballot", "1.5.0"]).as_deref(),
            Some("1.5.0")
        );
        assert_eq!(
            pick("latest", &["1.0.0", "1.5.0"]).as_deref(),
            Some("1.5.0")
        );
        assert!(Request::parse("!!").is_err());
    }
}
