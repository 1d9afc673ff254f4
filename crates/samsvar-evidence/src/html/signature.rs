//! The signature block at the top of the page: whether the bundle is signed, by which
//! key (algorithm, kid, certificate subject), and the command a reviewer runs to check it.
//! The page is part of what is signed, so it states what the signature will be.

use crate::bundle::Signer;
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct SignatureInfo {
    pub signed: bool,
    /// `EdDSA` or `ES256`.
    pub alg: Option<String>,
    /// RFC 7638 thumbprint of the signer's public key.
    pub kid: Option<String>,
    /// Subject of the signer's certificate, when the signature carries an x5c chain.
    pub subject: Option<String>,
    /// What a reviewer runs in the bundle's folder.
    pub verify_command: String,
}

impl SignatureInfo {
    pub fn of(signer: Option<&Signer>) -> Self {
        let Some(signer) = signer else {
            return SignatureInfo {
                verify_command: "samsvar verify . --integrity-only".to_string(),
                ..Default::default()
            };
        };
        let subject = signer
            .chain
            .first()
            .map(|der| crate::certs::cert_subject(der));
        let verify_command = if subject.is_some() {
            "samsvar verify . --trust CA.pem".to_string()
        } else {
            "samsvar verify . --key SIGNER-PUBLIC-KEY.pem".to_string()
        };
        SignatureInfo {
            signed: true,
            alg: Some(signer.key.algorithm().jws_name().to_string()),
            kid: Some(signer.key.verifying_key().thumbprint()),
            subject,
            verify_command,
        }
    }
}
