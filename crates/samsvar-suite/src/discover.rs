//! Finding suites: folders that hold a `suite.yaml`.

use crate::load::SUITE_FILE;
use std::path::{Path, PathBuf};

/// Deeper folders are not searched (suite trees are shallow; this bounds the walk).
const MAX_DEPTH: usize = 8;

/// The suite files under `root` (or `root` itself when it is a suite file or folder),
/// sorted by path. Unreadable folders are skipped.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if root.is_file() {
        out.push(root.to_path_buf());
    } else {
        walk(root, 0, &mut out);
    }
    out.sort();
    out
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let file = dir.join(SUITE_FILE);
    if file.is_file() {
        out.push(file);
        return;
    }
    if depth >= MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // Symlinked folders are not followed, so a link loop cannot trap the walk.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, depth + 1, out);
        }
    }
}
