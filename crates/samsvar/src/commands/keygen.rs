//! `samsvar keygen --out KEY.pem [--alg ed25519|es256]`: a PKCS#8 private key for
//! signing evidence, and its public key next to it as KEY.pub.pem.

use crate::exit::Exit;
use clap::Args;
use samsvar_evidence::{Algorithm, SigningKey};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the private key (PEM, PKCS#8); the public key goes to <stem>.pub.pem.
    #[arg(long)]
    pub out: PathBuf,
    /// Signature algorithm: ed25519 (EdDSA) or es256 (ECDSA P-256).
    #[arg(long, default_value = "ed25519")]
    pub alg: String,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
}

/// `KEY.pem` → `KEY.pub.pem`.
pub fn public_path(private: &Path) -> PathBuf {
    let stem = private
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    private.with_file_name(format!("{stem}.pub.pem"))
}

pub fn run(args: KeygenArgs) -> anyhow::Result<Exit> {
    let Some(alg) = Algorithm::from_cli(&args.alg) else {
        eprintln!(
            "error: --alg `{}` is not supported; choose ed25519 or es256",
            args.alg
        );
        return Ok(Exit::Usage);
    };
    let public = public_path(&args.out);
    for path in [&args.out, &public] {
        if path.exists() && !args.force {
            eprintln!(
                "error: {} exists; pass --force to replace it",
                path.display()
            );
            return Ok(Exit::Usage);
        }
    }
    let key = SigningKey::generate(alg)
        .map_err(|e| anyhow::anyhow!("failed to generate the key: {e}"))?;
    let private_pem = key
        .to_pkcs8_pem()
        .map_err(|e| anyhow::anyhow!("failed to encode the key: {e}"))?;
    let public_pem = key
        .verifying_key()
        .to_spki_pem()
        .map_err(|e| anyhow::anyhow!("failed to encode the public key: {e}"))?;
    write_private(&args.out, private_pem.as_bytes())?;
    std::fs::write(&public, public_pem)
        .map_err(|e| anyhow::anyhow!("failed to write {}: {e}", public.display()))?;
    println!("private key: {} ({})", args.out.display(), alg.jws_name());
    println!("public key:  {}", public.display());
    println!("kid:         {}", key.verifying_key().thumbprint());
    Ok(Exit::Ok)
}

/// Writes the private key readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("failed to write {}: {e}", path.display()))?;
    file.write_all(bytes)
        .map_err(|e| anyhow::anyhow!("failed to write {}: {e}", path.display()))?;
    Ok(())
}
