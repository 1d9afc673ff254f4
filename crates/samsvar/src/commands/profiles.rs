//! `conforms_to` assertions: the runner asks, samsvar-fhir's native validator answers.

use samsvar_fhir::Validator;
use samsvar_fhir::package::Cache;
use samsvar_fhir::validator::expression_of;
use samsvar_record::Issue;
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
    fn validate(&self, resource: &Value, profile: &str) -> Result<Vec<Issue>, String> {
        if !self.validator.definitions().has_structure(profile) {
            return Err(format!(
                "unknown profile {profile}: install the package that defines it (`--package ID@VERSION`)"
            ));
        }
        let report = self.validator.validate(resource, Some(profile));
        Ok(report
            .issues
            .into_iter()
            .map(|i| Issue {
                severity: i.severity.as_str().to_string(),
                location: expression_of(&i).to_string(),
                message: i.message,
                rule: Some(i.rule.into_owned()),
            })
            .collect())
    }
}

/// Does any step of these suites assert `conforms_to`?
pub fn needed(suites: &[Loaded]) -> bool {
    fn steps_need(steps: &[Step]) -> bool {
        steps.iter().any(|s| {
            s.assertions
                .iter()
                .any(|a| matches!(a.kind, AssertionKind::ConformsTo(_)))
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

/// Installs (or finds in the shared cache) R4 core plus `packages` and compiles the validator.
/// Package installation blocks on its own runtime, so it runs on a plain thread.
pub fn load(packages: Vec<String>) -> Result<Arc<dyn ProfileValidator>, String> {
    let handle = std::thread::spawn(move || {
        let cache = Cache::at_default_location();
        crate::commands::validate::load_definitions(&cache, &packages).map_err(|e| format!("{e:#}"))
    });
    let defs = handle
        .join()
        .map_err(|_| "failed to load FHIR packages: the loader thread panicked".to_string())??;
    Ok(Arc::new(FhirProfiles {
        validator: Validator::new(Arc::new(defs)),
    }))
}
