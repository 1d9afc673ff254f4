//! `samsvar hub submit DIR --hub URL --token TOKEN [--system ID]`: packs a bundle folder
//! and uploads it; the hub answers with the verification verdict.

use crate::archive;
use std::path::Path;

/// What the hub said.
#[derive(Debug, Clone)]
pub enum SubmitOutcome {
    Accepted(serde_json::Value),
    /// Refused (or another client-side error): the status and the hub's reason.
    Refused(u16, String),
}

pub async fn submit(
    dir: &Path,
    hub: &str,
    token: &str,
    system: Option<i64>,
) -> anyhow::Result<SubmitOutcome> {
    if !dir.join("evidence.json").is_file() {
        anyhow::bail!(
            "{} is not an evidence bundle (no evidence.json)",
            dir.display()
        );
    }
    let bytes = archive::pack_dir(dir, "")
        .map_err(|e| anyhow::anyhow!("failed to pack {}: {e}", dir.display()))?;
    let mut url = url::Url::parse(hub)
        .map_err(|e| anyhow::anyhow!("--hub `{hub}` is not a URL: {e}"))?
        .join("api/v1/bundles")?;
    if let Some(id) = system {
        url.query_pairs_mut().append_pair("system", &id.to_string());
    }
    let response = reqwest::Client::new()
        .post(url.clone())
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "application/gzip")
        .body(bytes)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("failed to reach the hub at {url}: {e}"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if status.is_success() {
        Ok(SubmitOutcome::Accepted(body))
    } else if status.is_client_error() {
        let reason = body["error"]
            .as_str()
            .unwrap_or("no reason given")
            .to_string();
        Ok(SubmitOutcome::Refused(status.as_u16(), reason))
    } else {
        anyhow::bail!(
            "the hub answered {status}: {}",
            body["error"].as_str().unwrap_or("")
        )
    }
}
