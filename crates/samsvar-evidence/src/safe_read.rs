//! Reading a bundle's files for verification without trusting the file system: a listed
//! file counts only when it is a regular file reached through real folders of the
//! bundle. A symlink (even to an identical copy outside), a FIFO (which would block the
//! read), a device (`/dev/zero` never ends) or a file of another size than the manifest
//! records is refused before any byte is read, so verify cannot be fooled or hung.

use std::io::Read;
use std::path::Path;

/// Why a file of the bundle was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not on disk at all.
    Missing,
    /// On disk but not a plain file of the bundle; the text says what it is.
    Unsafe(String),
    /// A regular file whose size differs from the expected one.
    Size { found: u64 },
}

/// Reads `rel` (a `/`-separated path) under `dir`. `size` is the size the manifest
/// records (a different size is refused without reading); `max` bounds files whose
/// size is not recorded (the record itself, its signature).
pub fn read_regular(
    dir: &Path,
    rel: &str,
    size: Option<u64>,
    max: u64,
) -> Result<Vec<u8>, Refusal> {
    let mut path = dir.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Refusal::Missing),
            Err(e) => return Err(Refusal::Unsafe(format!("cannot be inspected ({e})"))),
        };
        let last = i + 1 == parts.len();
        let kind = meta.file_type();
        if kind.is_symlink() {
            let what = if last {
                "the file".to_string()
            } else {
                format!("its folder `{}`", parts[..=i].join("/"))
            };
            return Err(Refusal::Unsafe(format!(
                "{what} is a symbolic link; listed files must be regular files inside the bundle"
            )));
        }
        if !last && !kind.is_dir() {
            return Err(Refusal::Missing);
        }
        if last && !kind.is_file() {
            return Err(Refusal::Unsafe(format!(
                "is {}, not a regular file",
                describe(&kind)
            )));
        }
        if last {
            let found = meta.len();
            if size.is_some_and(|s| s != found) || (size.is_none() && found > max) {
                return Err(Refusal::Size { found });
            }
        }
    }
    let file =
        std::fs::File::open(&path).map_err(|e| Refusal::Unsafe(format!("unreadable ({e})")))?;
    // The size was checked on the path; read at most that much more in case the file
    // grows between the check and the read.
    let cap = size.unwrap_or(max).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(cap)
        .read_to_end(&mut bytes)
        .map_err(|e| Refusal::Unsafe(format!("unreadable ({e})")))?;
    if bytes.len() as u64 >= cap {
        return Err(Refusal::Size {
            found: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

fn describe(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn regular_files_read_and_everything_else_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/a.txt"), b"abc").unwrap();
        assert_eq!(read_regular(dir, "sub/a.txt", Some(3), 0).unwrap(), b"abc");
        assert_eq!(
            read_regular(dir, "sub/a.txt", Some(4), 0),
            Err(Refusal::Size { found: 3 })
        );
        assert_eq!(
            read_regular(dir, "sub/b.txt", None, 9),
            Err(Refusal::Missing)
        );
        assert_eq!(
            read_regular(dir, "sub/a.txt", None, 2),
            Err(Refusal::Size { found: 3 })
        );

        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("a.txt"), b"abc").unwrap();
        std::os::unix::fs::symlink(outside.path().join("a.txt"), dir.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.join("linked")).unwrap();
        for rel in ["link.txt", "linked/a.txt"] {
            match read_regular(dir, rel, Some(3), 0) {
                Err(Refusal::Unsafe(m)) => assert!(m.contains("symbolic link"), "{rel}: {m}"),
                other => panic!("{rel}: {other:?}"),
            }
        }
        match read_regular(dir, "sub", None, 9) {
            Err(Refusal::Unsafe(m)) => assert!(m.contains("a folder"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        match read_regular(tmp.path(), "pipe", Some(0), 0) {
            Err(Refusal::Unsafe(m)) => assert!(m.contains("FIFO"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
