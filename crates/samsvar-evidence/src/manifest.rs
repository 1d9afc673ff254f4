//! The file manifest: every file of a bundle with its sha256, so `verify` can name
//! each changed, missing or added file.

use crate::digest::sha256_hex;
use crate::error::{EvidenceError, Result};
use crate::model::ManifestEntry;
use std::path::Path;

pub const EVIDENCE_JSON: &str = "evidence.json";
pub const EVIDENCE_JWS: &str = "evidence.jws";
pub const JOURNAL: &str = "journal.jsonl";
pub const EXCHANGES_DIR: &str = "exchanges";

/// Files that are not listed in the manifest: the record itself and its signature.
pub fn is_unlisted(rel: &str) -> bool {
    rel == EVIDENCE_JSON || rel == EVIDENCE_JWS
}

/// Every regular file under `dir` (recursively) as `/`-separated relative paths, sorted.
pub fn list_files(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    walk(dir, "", &mut out, &mut Vec::new())?;
    out.sort();
    Ok(out)
}

/// Every folder under `dir` (recursively, not following symlinks), sorted.
pub fn list_folders(dir: &Path) -> Result<Vec<String>> {
    let mut folders = Vec::new();
    walk(dir, "", &mut Vec::new(), &mut folders)?;
    folders.sort();
    Ok(folders)
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>, folders: &mut Vec<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| EvidenceError::io("list", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| EvidenceError::io("list", dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = entry
            .file_type()
            .map_err(|e| EvidenceError::io("inspect", entry.path(), e))?;
        if file_type.is_dir() {
            walk(&entry.path(), &rel, out, folders)?;
            folders.push(rel);
        } else {
            // Regular files and anything else (symlinks, …): all count as bundle content.
            out.push(rel);
        }
    }
    Ok(())
}

/// The manifest of `dir`: every file except `evidence.json` and `evidence.jws`.
pub fn scan(dir: &Path) -> Result<Vec<ManifestEntry>> {
    scan_with(dir, |_| None)
}

/// [`scan`], taking the entry of a file from `known` where it knows it (a body the
/// writer just stored under its digest) instead of reading the file again.
pub(crate) fn scan_with(
    dir: &Path,
    known: impl Fn(&str) -> Option<ManifestEntry>,
) -> Result<Vec<ManifestEntry>> {
    let mut entries = Vec::new();
    for rel in list_files(dir)? {
        if is_unlisted(&rel) {
            continue;
        }
        if let Some(entry) = known(&rel) {
            entries.push(entry);
            continue;
        }
        let path = dir.join(&rel);
        let bytes = std::fs::read(&path).map_err(|e| EvidenceError::io("read", &path, e))?;
        entries.push(ManifestEntry {
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            path: rel,
        });
    }
    Ok(entries)
}
