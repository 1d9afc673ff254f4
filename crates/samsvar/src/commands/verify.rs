//! `samsvar verify DIR [--key PUB.pem | --trust CA.pem | --integrity-only]`: recompute
//! every digest of an evidence bundle and check who signed it. Exit 0 verified (or, with
//! `--integrity-only`, intact), 1 changed, unsigned or signed by an unknown key, 2 the
//! command could not run (no folder, unreadable key, unknown evidence format version).

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
    /// Check only that the files match evidence.json; accept an unsigned bundle or one
    /// signed by an unknown key (the verdict says what was not checked).
    #[arg(long, conflicts_with_all = ["key", "trust"])]
    pub integrity_only: bool,
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
    crate::report::stdout(&verification.render(&args.dir, args.integrity_only));
    Ok(if verification.verdict(args.integrity_only).passed() {
        Exit::Ok
    } else {
        Exit::Failed
    })
}
