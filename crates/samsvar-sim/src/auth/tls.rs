//! HTTPS for the simulators: a throw-away CA, a server certificate for loopback and a
//! client certificate, generated per run, so TLS and mutual TLS are tested for real.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::rustls;

/// PEM material for one simulator run.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    pub ca_cert_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

/// Paths of the material once written to a folder (what a samsvar.toml points at).
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub ca_cert: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("failed to generate certificates: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("failed to configure TLS: {0}")]
    Config(String),
    #[error("failed to write TLS material to `{path}`: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl TlsMaterial {
    /// A CA named `issuer`, a server certificate for `localhost` and `127.0.0.1`, and a
    /// client certificate, all signed by the CA.
    pub fn generate(issuer: &str) -> Result<Self, TlsError> {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate()?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, issuer);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;

        let server_key = KeyPair::generate()?;
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "samsvar simulator");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params.signed_by(&server_key, &ca_cert, &ca_key)?;

        let client_key = KeyPair::generate()?;
        let mut client_params = CertificateParams::new(Vec::<String>::new())?;
        client_params
            .distinguished_name
            .push(DnType::CommonName, "samsvar test client");
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params.signed_by(&client_key, &ca_cert, &ca_key)?;

        Ok(Self {
            ca_cert_pem: ca_cert.pem(),
            server_cert_pem: server_cert.pem(),
            server_key_pem: server_key.serialize_pem(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
        })
    }

    /// Writes the CA certificate and the client certificate and key to `dir`.
    pub fn write_client_files(&self, dir: &Path) -> Result<TlsFiles, TlsError> {
        let write = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|source| TlsError::Write {
                path: path.clone(),
                source,
            })?;
            Ok::<_, TlsError>(path)
        };
        Ok(TlsFiles {
            ca_cert: write("sim-ca.pem", &self.ca_cert_pem)?,
            client_cert: write("sim-client.pem", &self.client_cert_pem)?,
            client_key: write("sim-client.key", &self.client_key_pem)?,
        })
    }

    /// A rustls server configuration: TLS 1.2 and 1.3 only; with `require_client_cert`,
    /// clients must present a certificate signed by the CA (mutual TLS).
    pub fn server_config(
        &self,
        require_client_cert: bool,
    ) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
        let cfg_err = |e: &dyn std::fmt::Display| TlsError::Config(e.to_string());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.server_cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| cfg_err(&e))?;
        let key = PrivateKeyDer::from_pem_slice(self.server_key_pem.as_bytes())
            .map_err(|e| cfg_err(&e))?;
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
            .map_err(|e| cfg_err(&e))?;
        let builder = if require_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            for ca in CertificateDer::pem_slice_iter(self.ca_cert_pem.as_bytes()) {
                roots
                    .add(ca.map_err(|e| cfg_err(&e))?)
                    .map_err(|e| cfg_err(&e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|e| cfg_err(&e))?;
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let mut config = builder
            .with_single_cert(certs, key)
            .map_err(|e| cfg_err(&e))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}
