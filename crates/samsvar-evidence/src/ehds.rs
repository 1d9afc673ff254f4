//! EHDS roll-up: results per harmonised component and priority category, and the
//! per-requirement conformity table (requirement id → tests → outcome).

use samsvar_record::{Outcome, RunRecord, Summary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EhdsRollup {
    /// One row per (component, category) pair seen in the run, sorted.
    pub components: Vec<ComponentResult>,
    /// One row per requirement id, sorted.
    pub requirements: Vec<RequirementResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentResult {
    /// `interoperability`, `logging`, or `unmapped` for tests without an EHDS mapping.
    pub component: String,
    pub category: Option<String>,
    /// Counts of the row's tests by outcome.
    #[serde(flatten)]
    pub counts: Summary,
    /// Worst outcome of the required tests in this row (of all, when none is required).
    pub outcome: Outcome,
    #[serde(skip)]
    outcome_from_required: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementResult {
    pub id: String,
    /// What the requirement says and where, from the requirement catalogue; `null` for an
    /// id the catalogue does not hold (format 2.0; absent in older records).
    #[serde(default)]
    pub catalogue: Option<CatalogueRef>,
    pub tests: Vec<TestRef>,
    /// Worst outcome of the required tests verifying this requirement (of all, when none is required).
    pub outcome: Outcome,
}

/// A requirement as the catalogue (requirements/*.yaml) describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueRef {
    pub title: String,
    /// `SHALL`, `SHOULD`, `MAY` or `informative`.
    pub level: String,
    /// The section holding the sentence, and its address.
    pub section: String,
    pub url: String,
    /// The source document: title and exact version.
    pub document: String,
    pub document_version: String,
    /// `false` while no technical specification says how the requirement is met: the
    /// report shows it as information (absent, i.e. `true`, in older records).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub standardised: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl CatalogueRef {
    /// The catalogue's entry for `id`, when the embedded catalogue holds it.
    pub fn lookup(id: &str) -> Option<CatalogueRef> {
        let catalogue = samsvar_requirements::Catalogue::embedded().ok()?;
        let entry = catalogue.get(id)?;
        Some(CatalogueRef {
            title: entry.requirement.title.clone(),
            level: entry.requirement.level.as_str().to_string(),
            section: entry.requirement.source.section.clone(),
            url: entry.requirement.source.url.clone(),
            document: entry.document.title.clone(),
            document_version: entry.document.version.clone(),
            standardised: entry.requirement.standardised,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRef {
    pub suite: String,
    pub test: String,
    pub optional: bool,
    pub outcome: Outcome,
}

pub fn rollup(run: &RunRecord) -> EhdsRollup {
    let mut components: BTreeMap<(String, Option<String>), ComponentResult> = BTreeMap::new();
    let mut requirements: BTreeMap<String, Vec<TestRef>> = BTreeMap::new();

    for entry in run.tests() {
        let (suite_id, test) = (entry.suite.id.as_str(), entry.test);
        let (component, category) = match &test.ehds {
            Some(e) => (e.component.clone(), e.category.clone()),
            None => ("unmapped".to_string(), None),
        };
        let row = components
            .entry((component.clone(), category.clone()))
            .or_insert_with(|| ComponentResult {
                component,
                category,
                counts: Summary::default(),
                outcome: Outcome::Pass,
                outcome_from_required: false,
            });
        row.counts.add(test.outcome);
        // Worst required outcome; rows with only optional tests show their worst outcome.
        let required_seen = row.counts.total > 1 && row.outcome_from_required;
        if !test.optional {
            row.outcome = if required_seen {
                row.outcome.max(test.outcome)
            } else {
                test.outcome
            };
            row.outcome_from_required = true;
        } else if !row.outcome_from_required {
            row.outcome = if row.counts.total > 1 {
                row.outcome.max(test.outcome)
            } else {
                test.outcome
            };
        }
        for req in &test.verifies {
            requirements.entry(req.clone()).or_default().push(TestRef {
                suite: suite_id.to_string(),
                test: test.id.clone(),
                optional: test.optional,
                outcome: test.outcome,
            });
        }
    }

    let requirements = requirements
        .into_iter()
        .map(|(id, tests)| {
            let required = tests
                .iter()
                .filter(|t| !t.optional)
                .map(|t| t.outcome)
                .max();
            let outcome = required
                .or_else(|| tests.iter().map(|t| t.outcome).max())
                .unwrap_or(Outcome::Skip);
            RequirementResult {
                catalogue: CatalogueRef::lookup(&id),
                id,
                tests,
                outcome,
            }
        })
        .collect();
    EhdsRollup {
        components: components.into_values().collect(),
        requirements,
    }
}
