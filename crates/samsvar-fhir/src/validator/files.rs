//! Validating files and folders, in parallel.

use super::{IssueType, ValidationReport, Validator};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// Inputs at least this large are validated one after another on one thread while the
/// rest run in parallel. A parsed resource takes four to six times its text in memory,
/// and memory a thread has freed is reused by that thread first: so peak memory follows
/// the largest input, not the number of cores times the largest inputs.
const LARGE_INPUT_BYTES: u64 = 4 * 1024 * 1024;

/// Expands folders into the `.json` files below them (sorted); files are kept as given.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, std::io::Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk_dir(p, &mut found, 0)?;
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("failed to read {}: no such file or folder", p.display()),
            ));
        }
    }
    Ok(out)
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), std::io::Error> {
    if depth > 32 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') || name == "package.json" {
            continue;
        }
        if path.is_dir() {
            walk_dir(&path, out, depth + 1)?;
        } else if name.ends_with(".json") {
            out.push(path);
        }
    }
    Ok(())
}

impl Validator {
    /// Validates one file; an unreadable or oversized file gives a fatal issue.
    pub fn validate_file(&self, path: &Path, profile: Option<&str>) -> ValidationReport {
        let fatal = ValidationReport::fatal;
        match std::fs::metadata(path) {
            Ok(m) if m.len() > self.options.max_bytes as u64 => {
                return fatal(
                    IssueType::TooLong,
                    "size-limit",
                    format!(
                        "failed to read {}: {} bytes exceeds the limit of {} bytes",
                        path.display(),
                        m.len(),
                        self.options.max_bytes
                    ),
                );
            }
            Ok(_) => {}
            Err(e) => {
                return fatal(
                    IssueType::Exception,
                    "io",
                    format!("failed to read {}: {e}", path.display()),
                );
            }
        }
        match std::fs::read(path) {
            Ok(bytes) => self.validate_bytes(&bytes, profile),
            Err(e) => fatal(
                IssueType::Exception,
                "io",
                format!("failed to read {}: {e}", path.display()),
            ),
        }
    }

    /// Validates many files in parallel; results keep the input order.
    pub fn validate_files(
        &self,
        paths: &[PathBuf],
        profile: Option<&str>,
    ) -> Vec<(PathBuf, ValidationReport)> {
        let (large, small): (Vec<usize>, Vec<usize>) = (0..paths.len()).partition(|&i| {
            std::fs::metadata(&paths[i]).is_ok_and(|m| m.len() >= LARGE_INPUT_BYTES)
        });
        let run = |i: &usize| (*i, self.validate_file(&paths[*i], profile));
        let (mut done, rest): (Vec<_>, Vec<_>) = rayon::join(
            || large.iter().map(run).collect(),
            || small.par_iter().map(run).collect(),
        );
        done.extend(rest);
        done.sort_by_key(|(i, _)| *i);
        done.into_iter()
            .map(|(i, report)| (paths[i].clone(), report))
            .collect()
    }
}
