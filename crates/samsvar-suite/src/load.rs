//! Loading a suite: read, parse, check structure, lower to the model, check semantics.

use crate::check as semantic;
use crate::lower::Lower;
use crate::model::Suite;
use crate::structure;
use crate::yaml;
use samsvar_diagnostics::{Diagnostic, SourceMap, render_all};
use std::path::{Path, PathBuf};

/// The file name of a suite inside a suite folder.
pub const SUITE_FILE: &str = "suite.yaml";

/// A suite that loaded without errors.
#[derive(Debug)]
pub struct Loaded {
    /// The suite file and any templated fixture files, for rendering diagnostics and
    /// locating model spans.
    pub sources: SourceMap,
    pub suite: Suite,
    /// Warnings found (they never block loading).
    pub warnings: Vec<Diagnostic>,
}

/// Why a suite could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("failed to read suite {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to find a suite at {}: expected a suite file or a folder containing {SUITE_FILE}", path.display())]
    NotFound { path: PathBuf },
    /// The suite has errors; `diagnostics` holds every problem found (errors and warnings).
    #[error("failed to load suite {}: {} error(s)", path.display(), diagnostics.iter().filter(|d| d.is_error()).count())]
    Invalid {
        path: PathBuf,
        sources: SourceMap,
        diagnostics: Vec<Diagnostic>,
    },
}

impl LoadError {
    /// Every diagnostic rendered as `file:line:col` with carets and hints, or the error
    /// message when there are no diagnostics (unreadable file).
    pub fn render(&self) -> String {
        match self {
            LoadError::Invalid {
                sources,
                diagnostics,
                ..
            } => render_all(sources, diagnostics),
            other => format!("error: {other}\n"),
        }
    }
}

/// The outcome of checking a suite: all diagnostics, and the suite when it has no errors.
#[derive(Debug)]
pub struct Checked {
    pub path: PathBuf,
    pub sources: SourceMap,
    pub suite: Option<Suite>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The suite file a `SUITE` argument names: the file itself, or `suite.yaml` in a folder.
pub fn suite_file(path: &Path) -> Result<PathBuf, LoadError> {
    if path.is_dir() {
        let file = path.join(SUITE_FILE);
        if file.is_file() {
            return Ok(file);
        }
    } else if path.is_file() {
        return Ok(path.to_path_buf());
    }
    Err(LoadError::NotFound {
        path: path.to_path_buf(),
    })
}

/// Loads a suite (a suite folder or a suite file). Errors carry every problem found.
pub fn load(path: impl AsRef<Path>) -> Result<Loaded, LoadError> {
    let checked = check(path)?;
    match checked.suite {
        Some(suite) if !checked.diagnostics.iter().any(Diagnostic::is_error) => Ok(Loaded {
            sources: checked.sources,
            suite,
            warnings: checked.diagnostics,
        }),
        _ => Err(LoadError::Invalid {
            path: checked.path,
            sources: checked.sources,
            diagnostics: checked.diagnostics,
        }),
    }
}

/// Checks a suite and returns every diagnostic; fails only when it cannot be read.
pub fn check(path: impl AsRef<Path>) -> Result<Checked, LoadError> {
    let file = suite_file(path.as_ref())?;
    let text = std::fs::read_to_string(&file).map_err(|source| LoadError::Read {
        path: file.clone(),
        source,
    })?;
    Ok(check_source(&file, text))
}

/// Checks suite text as if read from `path` (fixtures resolve against its folder).
pub fn check_source(path: &Path, text: String) -> Checked {
    let mut sources = SourceMap::new();
    let file = sources.add(path, text);
    let text = sources
        .get(file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let mut diags = Vec::new();
    let suite = yaml::parse(file, &text, &mut diags).map(|root| {
        if root.as_map().is_none() {
            diags.push(Diagnostic::error(
                "wrong-type",
                root.span,
                "a suite file is a mapping with `suite:`, `targets:`, `tests:` and so on",
            ));
        }
        structure::check(&root, &mut diags);
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut lower = Lower {
            src: &text,
            suite_path: path.to_path_buf(),
            base_dir,
            sources: &mut sources,
            diags: &mut diags,
            fixtures: Vec::new(),
        };
        let mut suite = lower.suite(&root);
        semantic::check(&mut suite, &sources, &mut diags);
        suite
    });
    if suite.is_none() && diags.is_empty() {
        diags.push(Diagnostic::error(
            "empty-suite",
            samsvar_diagnostics::Span::new(file, 0, 0),
            "the suite file is empty",
        ));
    }
    diags.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
    diags.dedup();
    debug_assert!(
        diags
            .iter()
            .all(|d| crate::rules::rule(&d.rule).is_some_and(|r| r.severity == d.severity)),
        "a diagnostic whose code or severity is not in rules::RULES: {diags:?}"
    );
    Checked {
        path: path.to_path_buf(),
        sources,
        suite,
        diagnostics: diags,
    }
}
