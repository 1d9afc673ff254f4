//! The profile validator: compile each profile once, share the compiled trees across
//! threads, walk JSON resources against them.

mod compiled;
mod fhirpath;
mod files;
mod issue;
mod native_invariants;
mod ranges;
pub mod rules;
mod walk;
mod xhtml;

pub use compiled::Compiled;
pub use files::collect_inputs;
pub use issue::{ValidationReport, expression_of};
pub use samsvar_diagnostics::{Diagnostic, IssueType, Severity};

use crate::definitions::{DefinitionError, Definitions};
use crate::source::{self, SourceError};
use crate::terminology::Terminology;
use fhirpath::Expression;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

/// Invariants not evaluated, with the reason. They need facilities an offline validator
/// does not have, are checked natively elsewhere, or FHIRPath without the type model is
/// known to get them wrong (false errors are worse than a check not made). Documented in `docs/validator.md`.
pub const SKIPPED_INVARIANTS: &[(&str, &str)] = &[
    (
        "ele-1",
        "checked natively for every element (faster than FHIRPath)",
    ),
    (
        "ext-1",
        "checked natively: the FHIRPath engine does not see a `_valueX` holding only extensions",
    ),
    (
        "dom-3",
        "checked natively: the expression needs `as(canonical)` on a collection, which the FHIRPath engine refuses",
    ),
    (
        "tst-5",
        "without the type model `response` reads as a choice and `responseCode` is counted too (false errors)",
    ),
    (
        "tst-6",
        "without the type model `response` reads as a choice and `responseCode` is counted too (false errors)",
    ),
    (
        "txt-1",
        "checked natively: the expression calls htmlChecks(), which FHIRPath engines do not implement",
    ),
    (
        "txt-2",
        "checked natively: the expression calls htmlChecks(), which FHIRPath engines do not implement",
    ),
];

/// Published R4 invariants whose expression contradicts their own human text, with the
/// expression the text states (the HL7 validator applies the same corrections).
const CORRECTED_INVARIANTS: &[(&str, &str, &str)] = &[(
    // "If there are more than one enableWhen, enableBehavior must be specified"
    "que-12",
    "enableWhen.count() > 2 implies enableBehavior.exists()",
    "enableWhen.count() > 1 implies enableBehavior.exists()",
)];

fn corrected_invariant<'e>(key: &str, expression: &'e str) -> &'e str {
    CORRECTED_INVARIANTS
        .iter()
        .find(|(k, published, _)| *k == key && *published == expression)
        .map_or(expression, |(_, _, corrected)| corrected)
}

/// Only the first issues of an input get line/column positions.
const MAX_LOCATED_ISSUES: usize = 5000;

/// Tuning for one validator.
#[derive(Debug, Clone)]
pub struct Options {
    /// Evaluate FHIRPath invariants (on by default).
    pub invariants: bool,
    /// Largest input accepted by [`Validator::validate_bytes`].
    pub max_bytes: usize,
    /// Security checks: HTML tags in plain strings are errors, not information.
    pub security_checks: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            invariants: true,
            max_bytes: source::DEFAULT_MAX_BYTES,
            security_checks: false,
        }
    }
}

type CompiledSlot = Result<Arc<Compiled>, DefinitionError>;

/// A validator over a set of definitions. `Send + Sync`: share one (in an `Arc`) across
/// threads; every profile is compiled once, on first use.
pub struct Validator {
    defs: Arc<Definitions>,
    options: Options,
    compiled: RwLock<HashMap<String, CompiledSlot>>,
    expressions: RwLock<HashMap<String, Option<Expression>>>,
    terminology: Terminology,
    invariant_problems: Mutex<BTreeMap<String, String>>,
}

impl Validator {
    pub fn new(defs: Arc<Definitions>) -> Validator {
        Validator::with_options(defs, Options::default())
    }

    pub fn with_options(defs: Arc<Definitions>, options: Options) -> Validator {
        Validator {
            defs,
            options,
            compiled: RwLock::new(HashMap::new()),
            expressions: RwLock::new(HashMap::new()),
            terminology: Terminology::default(),
            invariant_problems: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn definitions(&self) -> &Definitions {
        &self.defs
    }

    pub(crate) fn terminology(&self) -> &Terminology {
        &self.terminology
    }

    pub(crate) fn invariants_enabled(&self) -> bool {
        self.options.invariants
    }

    pub(crate) fn security_checks(&self) -> bool {
        self.options.security_checks
    }

    /// The compiled tree for a profile canonical (compiled on first use).
    pub fn compiled(&self, canonical: &str) -> Result<Arc<Compiled>, DefinitionError> {
        if let Ok(map) = self.compiled.read()
            && let Some(hit) = map.get(canonical)
        {
            return hit.clone();
        }
        let built = self
            .defs
            .structure(canonical)
            .map(|sd| Arc::new(Compiled::new(sd)));
        if matches!(built, Err(DefinitionError::Cycle { .. })) {
            return built;
        }
        if let Ok(mut map) = self.compiled.write() {
            map.entry(canonical.to_string()).or_insert(built.clone());
        }
        built
    }

    /// A compiled invariant, or `None` when it is skipped or does not parse (recorded).
    pub(crate) fn invariant(&self, key: &str, expression: &str) -> Option<Expression> {
        if SKIPPED_INVARIANTS.iter().any(|(k, _)| *k == key) {
            return None;
        }
        let expression = corrected_invariant(key, expression);
        if let Ok(map) = self.expressions.read()
            && let Some(hit) = map.get(expression)
        {
            return hit.clone();
        }
        let parsed = match Expression::parse(expression) {
            Ok(e) => Some(e),
            Err(e) => {
                self.note_invariant_problem(key, &format!("does not parse: {e}"));
                None
            }
        };
        if let Ok(mut map) = self.expressions.write() {
            map.insert(expression.to_string(), parsed.clone());
        }
        parsed
    }

    pub(crate) fn note_invariant_problem(&self, key: &str, problem: &str) {
        if let Ok(mut map) = self.invariant_problems.lock() {
            map.entry(key.to_string())
                .or_insert_with(|| problem.to_string());
        }
    }

    /// Invariants that could not be evaluated so far (key → first problem), beyond
    /// [`SKIPPED_INVARIANTS`]. They are not reported as issues on the resources.
    pub fn invariant_problems(&self) -> BTreeMap<String, String> {
        self.invariant_problems
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// Validates a parsed resource. `profile` replaces `meta.profile` when given.
    pub fn validate(&self, resource: &Value, profile: Option<&str>) -> ValidationReport {
        let (issues, _) = self.walk(resource, profile);
        ValidationReport { issues }
    }

    /// Reads and validates JSON text; issues carry line and column.
    pub fn validate_bytes(&self, bytes: &[u8], profile: Option<&str>) -> ValidationReport {
        // Editors on Windows write a UTF-8 byte order mark; it is not part of the JSON.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let value = match source::parse(bytes, self.options.max_bytes) {
            Ok(v) => v,
            Err(e) => return source_failure(&e),
        };
        let (mut issues, steps) = self.walk(&value, profile);
        let wanted: Vec<Vec<source::Step>> = steps.into_iter().take(MAX_LOCATED_ISSUES).collect();
        for (issue, pos) in issues.iter_mut().zip(source::locate_all(bytes, &wanted)) {
            if let Some(location) = issue.payload_mut() {
                location.position = pos;
            }
        }
        ValidationReport { issues }
    }

    fn walk(
        &self,
        resource: &Value,
        profile: Option<&str>,
    ) -> (Vec<Diagnostic>, Vec<Vec<source::Step>>) {
        let mut walk = walk::Walk::new(self);
        match profile {
            Some(p) => walk.resource(resource, &[p.to_string()], false, false),
            None => walk.resource(resource, &[], true, false),
        }
        let mut seen = HashSet::new();
        let mut issues = Vec::new();
        let mut steps = Vec::new();
        for (mut issue, s) in walk.issues.into_iter().zip(walk.steps) {
            let key = (
                expression_of(&issue).to_string(),
                issue.rule.clone(),
                issue.message.clone(),
            );
            if seen.insert(key) {
                debug_assert!(
                    issue.issue_type == Some(IssueType::Invariant) || rules::is_known(&issue.rule),
                    "rule {} is not in validator::rules",
                    issue.rule
                );
                if let Some(location) = issue.payload_mut() {
                    location.pointer = Some(source::json_pointer(&s));
                }
                issues.push(issue);
                steps.push(s);
            }
        }
        (issues, steps)
    }
}

/// A report holding the single fatal issue of an input that could not be read.
pub fn source_failure(e: &SourceError) -> ValidationReport {
    let rule = match e {
        SourceError::TooLarge { .. } => "size-limit",
        SourceError::DuplicateKey { .. } => "json-duplicate-key",
        SourceError::TooDeep { .. } => "depth",
        SourceError::Syntax { .. } => "json-syntax",
    };
    let issue_type = if matches!(e, SourceError::TooLarge { .. }) {
        IssueType::TooLong
    } else {
        IssueType::Structure
    };
    let mut report = ValidationReport::fatal(issue_type, rule, e.to_string());
    for issue in &mut report.issues {
        if let Some(location) = issue.payload_mut() {
            location.position = e.position();
        }
    }
    report
}
