//! X.509 certificates for the optional `x5c` chain and `verify --trust CA.pem`.

use rustls_pki_types::{CertificateDer, UnixTime};
use samsvar_keys::VerifyingKey;
use x509_cert::Certificate;
use x509_cert::der::{Decode, Encode};

/// DER certificates from a PEM file holding one or more `CERTIFICATE` blocks.
pub fn parse_pem_certs(pem: &str) -> Result<Vec<Vec<u8>>, String> {
    let certs = Certificate::load_pem_chain(pem.as_bytes())
        .map_err(|e| format!("not a PEM certificate chain: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in PEM".into());
    }
    certs
        .iter()
        .map(|c| {
            c.to_der()
                .map_err(|e| format!("failed to encode certificate: {e}"))
        })
        .collect()
}

/// The public key of a DER certificate.
pub fn cert_public_key(der: &[u8]) -> Result<VerifyingKey, String> {
    let cert = Certificate::from_der(der).map_err(|e| format!("not a DER certificate: {e}"))?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| format!("failed to read the certificate's key: {e}"))?;
    VerifyingKey::from_spki_der(&spki)
}

/// The subject of a DER certificate, for messages.
pub fn cert_subject(der: &[u8]) -> String {
    Certificate::from_der(der)
        .map(|c| c.tbs_certificate.subject.to_string())
        .unwrap_or_else(|_| "(unreadable certificate)".into())
}

/// Evidence signing certificates carry whatever extended key usage their CA chose;
/// the trust decision rests on the chain to the given anchor.
struct AnyUsage;

impl webpki::ExtendedKeyUsageValidator for AnyUsage {
    fn validate(&self, _iter: webpki::KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

/// Checks that `chain[0]` (the signer) chains to one of `anchors` through `chain[1..]`,
/// at `now`. Returns the signer's public key.
pub fn verify_chain(
    chain: &[Vec<u8>],
    anchors: &[Vec<u8>],
    now: std::time::SystemTime,
) -> Result<VerifyingKey, String> {
    let leaf = chain
        .first()
        .ok_or("the signature carries no x5c certificate chain")?;
    let anchor_ders: Vec<CertificateDer<'_>> = anchors
        .iter()
        .map(|a| CertificateDer::from(a.as_slice()))
        .collect();
    let trust: Vec<_> = anchor_ders
        .iter()
        .map(|a| {
            webpki::anchor_from_trusted_cert(a).map_err(|e| format!("unusable trust anchor: {e}"))
        })
        .collect::<Result<_, _>>()?;
    let leaf_der = CertificateDer::from(leaf.as_slice());
    let ee = webpki::EndEntityCert::try_from(&leaf_der)
        .map_err(|e| format!("unreadable signer certificate: {e}"))?;
    let intermediates: Vec<CertificateDer<'_>> = chain[1..]
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let since_epoch = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| "system clock is before 1970".to_string())?;
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &trust,
        &intermediates,
        UnixTime::since_unix_epoch(since_epoch),
        AnyUsage,
        None,
        None,
    )
    .map_err(|e| {
        format!(
            "certificate chain of {} does not lead to the trusted CA: {e}",
            cert_subject(leaf)
        )
    })?;
    cert_public_key(leaf)
}
