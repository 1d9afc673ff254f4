//! `conforms_to` assertions: the runner asks, samsvar-fhir's native validator answers.

use samsvar_fhir::Validator;
use samsvar_fhir::package::Cache;
use samsvar_record::Diagnostic;
use samsvar_runner::ProfileValidator;
use samsvar_suite::Loaded;
use samsvar_suite::model::{AssertionKind, Group, Item, Step};
use serde_json::Value;
use std::sync::Arc;

/// The native validator behind the runner's extension point.
pub struct FhirProfiles {
    validator: Validator,
}

impl ProfileValidator for FhirProfiles {
    fn validate(
        &self,
        resource: &Value,
        text: &[u8],
        profile: &str,
    ) -> Result<Vec<Diagnostic>, String> {
        if !self.validator.definitions().has_structure(profile) {
            return Err(format!(
                "unknown profile {profile}: install the package that defines it (`--package ID@VERSION`)"
            ));
        }
        let report = self
            .validator
            .validate_parsed_text(resource, text, Some(profile));
        Ok(report.issues)
    }
}

/// Does any step of these suites assert `conforms_to`?
pub fn needed(suites: &[Loaded]) -> bool {
    fn steps_need(steps: &[Step]) -> bool {
        steps.iter().any(|s| {
            s.assertions
                .iter()
                .any(|a| matches!(a.kind, AssertionKind::ConformsTo { .. }))
        })
    }
    fn group_needs(g: &Group) -> bool {
        g.items.iter().any(|item| match item {
            Item::Group(g) => group_needs(g),
            Item::Test(t) => steps_need(&t.steps),
        })
    }
    suites.iter().any(|l| {
        let s = &l.suite;
        steps_need(&s.setup) || steps_need(&s.teardown) || group_needs(&s.root)
    })
}

/// The packages the suites declare (`packages:`), as installer specs, each with the id
/// of the suite that declares it; in suite order, without repeats.
pub fn declared(suites: &[Loaded]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for l in suites {
        for p in &l.suite.packages {
            let spec = p.install_spec();
            if !out.iter().any(|(s, _)| s == &spec) {
                out.push((spec, l.suite.meta.id.value.clone()));
            }
        }
    }
    out
}

/// The validator and the packages it validates with (exact versions, dependencies included).
pub type LoadedValidator = (
    Arc<dyn ProfileValidator>,
    Vec<samsvar_evidence::model::PackageDigest>,
);

/// Finds in the shared cache (pinned by `samsvar.lock` in the current folder, when there is
/// one), or installs, R4 core plus `packages`, and compiles the validator. Package
/// installation blocks on its own runtime, so it runs on a plain thread.
pub fn load(packages: Vec<String>) -> Result<LoadedValidator, String> {
    let handle = std::thread::spawn(move || {
        let cache = Cache::at_default_location();
        crate::commands::validate::load_definitions_listed(&cache, &packages, None)
            .map_err(|e| format!("{e:#}"))
    });
    let (defs, listed) = handle
        .join()
        .map_err(|_| "failed to load FHIR packages: the loader thread panicked".to_string())??;
    let validator: Arc<dyn ProfileValidator> = Arc::new(FhirProfiles {
        validator: Validator::new(Arc::new(defs)),
    });
    Ok((validator, listed))
}
