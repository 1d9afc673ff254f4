//! The evidence signer of `samsvar run` and `samsvar report finalize`: a signing key and
//! an optional certificate chain, read before any work starts.

use samsvar_evidence::{Signer, load_signing_key};
use std::path::Path;

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
