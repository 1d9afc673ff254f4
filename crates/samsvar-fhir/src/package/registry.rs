//! A client for registries speaking the npm protocol: `GET {registry}/{id}` answers a
//! JSON document with `versions.{v}.dist.{tarball,integrity,shasum}` and `dist-tags`.

use super::digest::Expected;
use super::error::PackageError;
use std::collections::BTreeMap;
use std::time::Duration;

/// The public npm registry, where most FHIR IG packages are mirrored.
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org";
/// Comma-separated registry base URLs, tried in order.
pub const REGISTRIES_ENV: &str = "SAMSVAR_FHIR_REGISTRIES";

/// The ordered list of registries to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registries {
    urls: Vec<String>,
}

impl Registries {
    /// Registries tried in the given order (trailing slashes are dropped; blanks ignored).
    pub fn new<I, S>(urls: I) -> Registries
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Registries {
            urls: urls
                .into_iter()
                .map(|u| u.as_ref().trim().trim_end_matches('/').to_string())
                .filter(|u| !u.is_empty())
                .collect(),
        }
    }

    /// Only the npm registry: works wherever only registry.npmjs.org is reachable.
    pub fn npm() -> Registries {
        Registries::new([NPM_REGISTRY])
    }

    /// `$SAMSVAR_FHIR_REGISTRIES` when set and not blank, else [`Registries::npm`].
    pub fn from_env() -> Registries {
        match std::env::var(REGISTRIES_ENV) {
            Ok(v) if !v.trim().is_empty() => Registries::new(v.split(',')),
            _ => Registries::npm(),
        }
    }

    pub fn urls(&self) -> &[String] {
        &self.urls
    }
}

impl Default for Registries {
    fn default() -> Self {
        Registries::from_env()
    }
}

/// One version of a package as a registry describes it.
#[derive(Debug, Clone)]
pub(crate) struct VersionInfo {
    pub tarball: String,
    pub expected: Expected,
}

/// A registry's answer for one package id.
#[derive(Debug, Clone)]
pub(crate) struct Listing {
    pub registry: String,
    pub versions: BTreeMap<String, VersionInfo>,
    /// In the registry's order (npm keeps publication order).
    pub version_order: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

pub(crate) fn http_client() -> Result<reqwest::Client, PackageError> {
    reqwest::Client::builder()
        .user_agent(concat!("samsvar/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| PackageError::Runtime(format!("failed to build the HTTP client: {e}")))
}

/// Outcome of asking every registry about one id.
pub(crate) struct Lookup {
    pub listing: Option<Listing>,
    /// Registries that could not be asked, with why.
    pub unreachable: Vec<String>,
    /// Registries that answered "no such package".
    pub answered: Vec<String>,
}

/// Asks each registry in turn; the first that lists at least one version wins.
pub(crate) async fn look_up(
    client: &reqwest::Client,
    registries: &Registries,
    id: &str,
) -> Result<Lookup, PackageError> {
    let mut lookup = Lookup {
        listing: None,
        unreachable: Vec::new(),
        answered: Vec::new(),
    };
    for registry in registries.urls() {
        let url = format!("{registry}/{id}");
        let response = client
            .get(&url)
            .header(
                reqwest::header::ACCEPT,
                "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8",
            )
            .timeout(Duration::from_secs(120))
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                lookup
                    .unreachable
                    .push(format!("{url}: {}", error_chain(&e)));
                continue;
            }
        };
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            lookup.answered.push(registry.clone());
            continue;
        }
        if !status.is_success() {
            lookup.unreachable.push(format!("{url}: HTTP {status}"));
            continue;
        }
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => {
                lookup
                    .unreachable
                    .push(format!("{url}: {}", error_chain(&e)));
                continue;
            }
        };
        let listing = parse_listing(id, registry, &url, &body)?;
        if listing.versions.is_empty() {
            lookup.answered.push(registry.clone());
            continue;
        }
        lookup.listing = Some(listing);
        return Ok(lookup);
    }
    Ok(lookup)
}

fn parse_listing(
    id: &str,
    registry: &str,
    url: &str,
    body: &[u8],
) -> Result<Listing, PackageError> {
    let bad = |reason: String| PackageError::BadMetadata {
        package: id.to_string(),
        url: url.to_string(),
        reason,
    };
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("not JSON: {e}")))?;
    let mut listing = Listing {
        registry: registry.to_string(),
        versions: BTreeMap::new(),
        version_order: Vec::new(),
        tags: BTreeMap::new(),
    };
    if let Some(tags) = doc.get("dist-tags").and_then(|t| t.as_object()) {
        for (tag, v) in tags {
            if let Some(v) = v.as_str() {
                listing.tags.insert(tag.clone(), v.to_string());
            }
        }
    }
    let Some(versions) = doc.get("versions").and_then(|v| v.as_object()) else {
        return Ok(listing);
    };
    for (version, info) in versions {
        let dist = info.get("dist");
        let tarball = dist
            .and_then(|d| d.get("tarball"))
            .and_then(|t| t.as_str())
            .map(str::to_string);
        let Some(tarball) = tarball else {
            continue; // A version without a tarball cannot be installed; skip it.
        };
        let text = |key: &str| {
            dist.and_then(|d| d.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        listing.version_order.push(version.clone());
        listing.versions.insert(
            version.clone(),
            VersionInfo {
                tarball,
                expected: Expected {
                    integrity: text("integrity"),
                    shasum: text("shasum"),
                },
            },
        );
    }
    Ok(listing)
}

/// Downloads a tarball into memory, refusing anything larger than `max_bytes`.
pub(crate) async fn download(
    client: &reqwest::Client,
    package: &str,
    url: &str,
    max_bytes: u64,
) -> Result<Vec<u8>, PackageError> {
    let fail = |reason: String| PackageError::Download {
        package: package.to_string(),
        what: "the tarball",
        url: url.to_string(),
        reason,
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(fail(
            "the registry gave a tarball URL that is not http(s)".into(),
        ));
    }
    let mut response = client
        .get(url)
        .timeout(Duration::from_secs(900))
        .send()
        .await
        .map_err(|e| fail(error_chain(&e)))?;
    if !response.status().is_success() {
        return Err(fail(format!("HTTP {}", response.status())));
    }
    if let Some(len) = response.content_length()
        && len > max_bytes
    {
        return Err(fail(format!(
            "it is {len} bytes, over the limit of {max_bytes}"
        )));
    }
    let mut body =
        Vec::with_capacity(response.content_length().unwrap_or(0).min(max_bytes) as usize);
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(error_chain(&e)))? {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(fail(format!("it is over the limit of {max_bytes} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// reqwest's Display hides the cause ("error sending request"); include the chain.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
