//! `samsvar verify DIR [--key PUB.pem | --trust CA.pem]`: recompute every digest of an
//! evidence bundle and check its signature. Exit 0 verified, 1 not, 2 usage error.

use crate::exit::Exit;
use clap::Args;
use samsvar_evidence::{Trust, load_verifying_key, verify_bundle};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The evidence bundle folder (holding evidence.json).
    pub dir: PathBuf,
    /// The signer's public key (PEM, from `samsvar keygen`), or a certificate holding it.
    #[arg(long, conflicts_with = "trust")]
    pub key: Option<PathBuf>,
    /// CA certificate(s) (PEM): the signature's x5c chain must lead to one of them.
    #[arg(long)]
    pub trust: Option<PathBuf>,
}

pub fn run(args: VerifyArgs) -> anyhow::Result<Exit> {
    let trust = match (&args.key, &args.trust) {
        (Some(key), _) => Trust::Key(load_verifying_key(key)?),
        (None, Some(ca)) => {
            let text = std::fs::read_to_string(ca)
                .map_err(|e| anyhow::anyhow!("failed to read {}: {e}", ca.display()))?;
            let certs = samsvar_evidence::certs::parse_pem_certs(&text)
                .map_err(|e| anyhow::anyhow!("failed to read {}: {e}", ca.display()))?;
            Trust::Ca(certs)
        }
        (None, None) => Trust::None,
    };
    if !args.dir.is_dir() {
        anyhow::bail!("failed to verify {}: no such folder", args.dir.display());
    }
    let verification = verify_bundle(&args.dir, &trust)?;
    print!("{}", verification.render(&args.dir));
    Ok(if verification.ok() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}
