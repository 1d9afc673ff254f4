//! tar.gz in and out: bundles and suites travel and rest as one archive, stored by digest.
//! Packing is deterministic (sorted paths, zero times, fixed modes) so the same folder
//! always gives the same digest; unpacking refuses links, absolute paths and `..`, and
//! bounds the unpacked size, so a hostile upload cannot write outside its folder or fill
//! the disk.

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every file under `dir`, as tar.gz bytes with paths relative to `dir` (under `prefix/`
/// when given).
pub fn pack_dir(dir: &Path, prefix: &str) -> std::io::Result<Vec<u8>> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for rel in list_files(dir)? {
        let bytes = std::fs::read(dir.join(&rel))?;
        let name = if prefix.is_empty() {
            rel
        } else {
            format!("{prefix}/{rel}")
        };
        append_bytes(&mut builder, &name, &bytes)?;
    }
    builder.into_inner()?.finish()
}

/// Adds one file with fixed metadata.
pub fn append_bytes<W: std::io::Write>(
    builder: &mut tar::Builder<W>,
    name: &str,
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, name, bytes)
}

/// Every regular file under `dir`, `/`-separated relative paths, sorted.
pub fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    list(dir, "", &mut files)?;
    files.sort();
    Ok(files)
}

fn list(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type()?;
        if kind.is_dir() {
            list(&entry.path(), &rel, out)?;
        } else if kind.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

/// Why an archive was refused.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("not a gzip-compressed tar archive: {0}")]
    Format(String),
    #[error("the archive holds `{0}`, which is not a plain relative file path")]
    UnsafePath(String),
    #[error("the archive holds a link or special file (`{0}`); bundles hold only plain files")]
    NotAFile(String),
    #[error("the archive unpacks to more than {0} bytes")]
    TooLarge(u64),
    #[error("failed to write {0}: {1}")]
    Io(String, std::io::Error),
}

/// Unpacks `bytes` into `dest` (which must exist), at most `max_bytes` of file content.
pub fn unpack(bytes: &[u8], dest: &Path, max_bytes: u64) -> Result<(), UnpackError> {
    let mut archive = tar::Archive::new(GzDecoder::new(bytes));
    let entries = archive
        .entries()
        .map_err(|e| UnpackError::Format(e.to_string()))?;
    let mut total: u64 = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| UnpackError::Format(e.to_string()))?;
        let path = entry
            .path()
            .map_err(|e| UnpackError::Format(e.to_string()))?
            .into_owned();
        let shown = path.display().to_string();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            return Err(UnpackError::NotAFile(shown));
        }
        if path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(UnpackError::UnsafePath(shown));
        }
        total = total.saturating_add(entry.size());
        if total > max_bytes {
            return Err(UnpackError::TooLarge(max_bytes));
        }
        let target = dest.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| UnpackError::Io(shown.clone(), e))?;
        }
        let mut content = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut content)
            .map_err(|e| UnpackError::Format(e.to_string()))?;
        std::fs::write(&target, content).map_err(|e| UnpackError::Io(shown, e))?;
    }
    Ok(())
}

/// A bundle archive may hold the bundle at its root or inside one top folder (as
/// `tar czf b.tgz reports/RUN-ID` makes it); returns the folder holding evidence.json.
pub fn bundle_root(dir: &Path) -> Option<std::path::PathBuf> {
    if dir.join("evidence.json").is_file() {
        return Some(dir.to_path_buf());
    }
    let mut subdirs = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false));
    let only = subdirs.next()?;
    if subdirs.next().is_some() {
        return None;
    }
    bundle_root(&only.path())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn packing_is_deterministic_and_round_trips() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("exchanges")).unwrap();
        std::fs::write(src.path().join("evidence.json"), b"{}").unwrap();
        std::fs::write(src.path().join("exchanges/abc"), b"body").unwrap();
        let a = pack_dir(src.path(), "").unwrap();
        let b = pack_dir(src.path(), "").unwrap();
        assert_eq!(sha256_hex(&a), sha256_hex(&b));
        let dest = tempfile::tempdir().unwrap();
        unpack(&a, dest.path(), 1 << 20).unwrap();
        assert_eq!(
            std::fs::read(dest.path().join("exchanges/abc")).unwrap(),
            b"body"
        );
        assert_eq!(bundle_root(dest.path()).unwrap(), dest.path());
        let too_small = tempfile::tempdir().unwrap();
        assert!(matches!(
            unpack(&a, too_small.path(), 3),
            Err(UnpackError::TooLarge(3))
        ));
    }

    #[test]
    fn traversal_and_links_are_refused() {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        let mut header = tar::Header::new_gnu();
        header.set_size(1);
        header.set_entry_type(tar::EntryType::Regular);
        // `append_data` refuses `..` itself, so write the name into the header directly.
        header.as_gnu_mut().unwrap().name[..9].copy_from_slice(b"../escape");
        header.set_cksum();
        builder.append(&header, &b"x"[..]).unwrap();
        let bytes = builder.into_inner().unwrap().finish().unwrap();
        let dest = tempfile::tempdir().unwrap();
        assert!(matches!(
            unpack(&bytes, dest.path(), 1 << 20),
            Err(UnpackError::UnsafePath(_))
        ));

        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        let mut header = tar::Header::new_gnu();
        header.set_size(0);
        header.set_entry_type(tar::EntryType::Symlink);
        builder
            .append_link(&mut header, "evidence.json", "/etc/passwd")
            .unwrap();
        let bytes = builder.into_inner().unwrap().finish().unwrap();
        assert!(matches!(
            unpack(&bytes, dest.path(), 1 << 20),
            Err(UnpackError::NotAFile(_))
        ));
        assert!(matches!(
            unpack(b"not gzip", dest.path(), 1 << 20),
            Err(UnpackError::Format(_))
        ));
    }
}
