//! TLS settings for a target's HTTP client: custom CAs, client certificates, minimum version.

use crate::{AuthError, TlsConfig};
use std::path::Path;

fn read(path: &Path, what: &str) -> Result<Vec<u8>, AuthError> {
    std::fs::read(path)
        .map_err(|e| AuthError::Tls(format!("failed to read {what} `{}`: {e}", path.display())))
}

/// Applies a target's TLS settings to a reqwest client builder. TLS 1.2 is the floor
/// whatever the configuration says: older versions are refused.
pub fn apply_tls(
    mut builder: reqwest::ClientBuilder,
    cfg: &TlsConfig,
) -> Result<reqwest::ClientBuilder, AuthError> {
    let min = match cfg.min_version.as_deref() {
        None | Some("1.2") => reqwest::tls::Version::TLS_1_2,
        Some("1.3") => reqwest::tls::Version::TLS_1_3,
        Some(other) => {
            return Err(AuthError::Tls(format!(
                "unsupported min_version `{other}`: use \"1.2\" or \"1.3\""
            )));
        }
    };
    builder = builder.min_tls_version(min);
    if let Some(ca) = &cfg.ca_file {
        let pem = read(ca, "CA bundle")?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            AuthError::Tls(format!("failed to parse CA bundle `{}`: {e}", ca.display()))
        })?;
        if certs.is_empty() {
            return Err(AuthError::Tls(format!(
                "CA bundle `{}` holds no certificate",
                ca.display()
            )));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
        if cfg.only_custom_ca {
            builder = builder.tls_built_in_root_certs(false);
        }
    }
    match (&cfg.client_cert, &cfg.client_key) {
        (Some(cert), Some(key)) => {
            let mut pem = read(cert, "client certificate")?;
            pem.push(b'\n');
            pem.extend(read(key, "client key")?);
            let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
                AuthError::Tls(format!(
                    "failed to load client certificate `{}`: {e}",
                    cert.display()
                ))
            })?;
            builder = builder.identity(identity);
        }
        (None, None) => {}
        _ => {
            return Err(AuthError::Tls(
                "mutual TLS needs both `client_cert` and `client_key`".into(),
            ));
        }
    }
    Ok(builder)
}
