//! Safe, atomic placement of a package into the cache.
//!
//! A tarball is unpacked into a temporary folder inside the cache root (same file system),
//! checked entry by entry (relative paths only, no `..`, no links or devices, bounded size
//! and count), then renamed into `<id>#<version>` in one step. A concurrent installer that
//! loses the race finds the winner's complete folder and uses it.

use super::cache::{ORIGIN_FILE, Origin};
use super::error::PackageError;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use tempfile::TempDir;

/// Bounds that keep a hostile or broken tarball from filling the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest download accepted (compressed bytes).
    pub max_download_bytes: u64,
    /// Largest total size of the unpacked files.
    pub max_unpacked_bytes: u64,
    /// Most entries in one package.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_download_bytes: 1 << 30,
            max_unpacked_bytes: 4 << 30,
            max_entries: 200_000,
        }
    }
}

/// An unpacked package waiting in its temporary folder.
pub struct Staged {
    dir: TempDir,
}

impl Staged {
    pub fn package_dir(&self) -> PathBuf {
        self.dir.path().join("package")
    }
}

fn staging_dir(cache_root: &Path, label: &str) -> Result<TempDir, PackageError> {
    fs::create_dir_all(cache_root)
        .map_err(|e| PackageError::io("create the package cache", cache_root, e))?;
    tempfile::Builder::new()
        .prefix(&format!(".tmp-{}-", label.replace(['@', '#', '/'], "_")))
        .tempdir_in(cache_root)
        .map_err(|e| PackageError::io("create a temporary folder in", cache_root, e))
}

/// Unpacks a gzip'd tar held in memory.
pub fn stage_tarball(
    cache_root: &Path,
    label: &str,
    source_name: &str,
    bytes: &[u8],
    limits: Limits,
) -> Result<Staged, PackageError> {
    let fail = |reason: String| PackageError::Extract {
        package: label.to_string(),
        source_name: source_name.to_string(),
        reason,
    };
    let staged = Staged {
        dir: staging_dir(cache_root, label)?,
    };
    let root = staged.dir.path().to_path_buf();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let entries = archive
        .entries()
        .map_err(|e| fail(format!("not a gzip'd tar archive: {e}")))?;
    let mut total: u64 = 0;
    let mut count: u64 = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| fail(format!("corrupt archive: {e}")))?;
        count += 1;
        if count > limits.max_entries {
            return Err(fail(format!("more than {} entries", limits.max_entries)));
        }
        let raw_path = entry
            .path()
            .map_err(|e| fail(format!("unreadable entry name: {e}")))?
            .into_owned();
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let rel = safe_relative(&raw_path).ok_or_else(|| {
            fail(format!(
                "entry `{}` points outside the package (absolute path or `..`); refusing it",
                raw_path.display()
            ))
        })?;
        if rel.as_os_str().is_empty() {
            continue;
        }
        let target = root.join(&rel);
        if kind.is_dir() {
            fs::create_dir_all(&target).map_err(|e| PackageError::io("create", &target, e))?;
            continue;
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(fail(format!(
                "entry `{}` is a {}; packages may hold only files and folders",
                raw_path.display(),
                describe_kind(kind)
            )));
        }
        let remaining = limits.max_unpacked_bytes.saturating_sub(total);
        let announced = entry.header().size().unwrap_or(0);
        if announced > remaining {
            return Err(fail(format!(
                "unpacked size would exceed the limit of {} bytes (at `{}`)",
                limits.max_unpacked_bytes,
                raw_path.display()
            )));
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|e| PackageError::io("create", parent, e))?;
        }
        let mut out =
            fs::File::create(&target).map_err(|e| PackageError::io("create", &target, e))?;
        let written = std::io::copy(
            &mut (&mut entry).take(remaining.saturating_add(1)),
            &mut out,
        )
        .map_err(|e| fail(format!("failed reading `{}`: {e}", raw_path.display())))?;
        if written > remaining {
            return Err(fail(format!(
                "unpacked size would exceed the limit of {} bytes",
                limits.max_unpacked_bytes
            )));
        }
        total += written;
    }
    normalise_layout(&root).map_err(fail)?;
    Ok(staged)
}

fn describe_kind(kind: tar::EntryType) -> &'static str {
    if kind.is_symlink() {
        "symbolic link"
    } else if kind.is_hard_link() {
        "hard link"
    } else if kind.is_character_special() || kind.is_block_special() {
        "device"
    } else if kind.is_fifo() {
        "named pipe"
    } else {
        "special entry"
    }
}

/// Only plain relative components; `./` is dropped. `None` for anything that could escape.
fn safe_relative(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// FHIR packages keep everything under `package/`. Some hand-made tarballs put
/// `package.json` at the top or in one differently named folder; move it into place.
fn normalise_layout(root: &Path) -> Result<(), String> {
    if root.join("package").join("package.json").is_file() {
        return Ok(());
    }
    let moved = |e: std::io::Error| format!("failed to rearrange the package layout: {e}");
    if root.join("package.json").is_file() {
        let inner = root.join(".package-tmp");
        fs::create_dir(&inner).map_err(moved)?;
        for entry in fs::read_dir(root).map_err(moved)?.flatten() {
            if entry.file_name() != ".package-tmp" {
                fs::rename(entry.path(), inner.join(entry.file_name())).map_err(moved)?;
            }
        }
        fs::rename(&inner, root.join("package")).map_err(moved)?;
        return Ok(());
    }
    let dirs: Vec<PathBuf> = fs::read_dir(root)
        .map_err(moved)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    if let [only] = dirs.as_slice()
        && only.join("package.json").is_file()
    {
        fs::rename(only, root.join("package")).map_err(moved)?;
        return Ok(());
    }
    Err("the archive has no package/package.json".to_string())
}

/// Copies a folder (the one holding `package/`, or `package/` itself) into a staging
/// folder. Returns it with the folder's digest: sha256 over `path NUL sha256(file) LF`
/// lines, sorted by path.
pub fn stage_folder(
    cache_root: &Path,
    label: &str,
    source: &Path,
    limits: Limits,
) -> Result<(Staged, String), PackageError> {
    let fail = |reason: String| PackageError::Extract {
        package: label.to_string(),
        source_name: source.display().to_string(),
        reason,
    };
    let (from, into_package) = if source.join("package").join("package.json").is_file() {
        (source.to_path_buf(), false)
    } else if source.join("package.json").is_file() {
        (source.to_path_buf(), true)
    } else {
        return Err(fail(
            "the folder holds neither package/package.json nor package.json".into(),
        ));
    };
    let staged = Staged {
        dir: staging_dir(cache_root, label)?,
    };
    let dest_root = if into_package {
        staged.dir.path().join("package")
    } else {
        staged.dir.path().to_path_buf()
    };
    let mut files: Vec<(String, String)> = Vec::new();
    let mut total = 0u64;
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let here = from.join(&rel);
        let entries = fs::read_dir(&here).map_err(|e| PackageError::io("read", &here, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| PackageError::io("read", &here, e))?;
            let name = entry.file_name();
            if rel.as_os_str().is_empty() && name == ORIGIN_FILE {
                continue;
            }
            let child_rel = rel.join(&name);
            let meta = fs::symlink_metadata(entry.path())
                .map_err(|e| PackageError::io("inspect", entry.path(), e))?;
            if meta.file_type().is_symlink() {
                return Err(fail(format!(
                    "`{}` is a symbolic link; packages may hold only files and folders",
                    child_rel.display()
                )));
            }
            let dest = dest_root.join(&child_rel);
            if meta.is_dir() {
                fs::create_dir_all(&dest).map_err(|e| PackageError::io("create", &dest, e))?;
                stack.push(child_rel);
            } else if meta.is_file() {
                total += meta.len();
                if total > limits.max_unpacked_bytes || files.len() as u64 >= limits.max_entries {
                    return Err(fail(
                        "the folder is larger than the package size limit".into(),
                    ));
                }
                if let Some(parent) = dest.parent() {
                    fs::create_dir_all(parent)
                        .map_err(|e| PackageError::io("create", parent, e))?;
                }
                let bytes = fs::read(entry.path())
                    .map_err(|e| PackageError::io("read", entry.path(), e))?;
                fs::write(&dest, &bytes).map_err(|e| PackageError::io("write", &dest, e))?;
                let rel_text = child_rel.to_string_lossy().replace('\\', "/");
                files.push((rel_text, hex::encode(Sha256::digest(&bytes))));
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for (path, digest) in &files {
        hasher.update(path.as_bytes());
        hasher.update([0u8]);
        hasher.update(digest.as_bytes());
        hasher.update(b"\n");
    }
    Ok((staged, hex::encode(hasher.finalize())))
}

/// Moves a staged package to `final_dir` in one rename, with its origin marker.
/// If another installer got there first with a complete package, theirs is kept.
pub fn commit(staged: Staged, final_dir: &Path, origin: &Origin) -> Result<(), PackageError> {
    let marker = staged.dir.path().join(ORIGIN_FILE);
    let json = serde_json::to_vec_pretty(origin).map_err(|e| PackageError::Io {
        action: "serialise the origin marker for",
        path: final_dir.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    let mut f = fs::File::create(&marker).map_err(|e| PackageError::io("create", &marker, e))?;
    f.write_all(&json)
        .map_err(|e| PackageError::io("write", &marker, e))?;
    drop(f);
    if final_dir.join("package").join("package.json").is_file() {
        // Someone else installed it meanwhile (or it was there): keep theirs.
        return Ok(());
    }
    if final_dir.exists() {
        // A broken leftover (no package.json): move it aside, then replace it.
        let aside = aside_name(final_dir, "broken");
        fs::rename(final_dir, &aside).map_err(|e| PackageError::io("move aside", final_dir, e))?;
        let _ = fs::remove_dir_all(&aside);
    }
    let tmp = staged.dir.keep();
    match fs::rename(&tmp, final_dir) {
        Ok(()) => Ok(()),
        Err(_) if final_dir.join("package").join("package.json").is_file() => {
            let _ = fs::remove_dir_all(&tmp);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(PackageError::io(
                "move the unpacked package into",
                final_dir,
                e,
            ))
        }
    }
}

/// A hidden sibling name for moving a folder out of the way (`.<name>.<why>-<pid>`);
/// hidden names are never listed as packages.
pub(crate) fn aside_name(dir: &Path, why: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.with_file_name(format!(".{name}.{why}-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_only() {
        assert!(safe_relative(Path::new("package/a.json")).is_some());
        assert!(safe_relative(Path::new("./package/a.json")).is_some());
        assert!(safe_relative(Path::new("../a.json")).is_none());
        assert!(safe_relative(Path::new("package/../../a.json")).is_none());
        assert!(safe_relative(Path::new("/etc/passwd")).is_none());
    }
}
