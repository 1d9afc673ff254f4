//! Whether a run supports a conformity statement at all: only a complete run against
//! real (not simulated) targets in which every required test of each declared harmonised
//! component passed. Anything else is listed, one reason a line, so the section can say
//! plainly why it is not a declaration of conformity.

use samsvar_record::{Completion, Outcome, RunRecord};

/// The EHDS harmonised software components (Art. 25(1)) by the name a suite's `ehds`
/// mapping gives them.
pub const COMPONENTS: [(&str, &str); 2] = [
    (
        "interoperability",
        "European interoperability software component for EHR systems",
    ),
    (
        "logging",
        "European logging software component for EHR systems",
    ),
];

/// The regulation's name of a component (`interoperability` → "European interoperability
/// software component for EHR systems"); unknown names are kept as given.
pub fn component_name(component: &str) -> String {
    COMPONENTS
        .iter()
        .find(|(key, _)| *key == component)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| component.to_string())
}

/// The components the declaration is about: those configured, or else every harmonised
/// component a required test of the run maps to.
pub fn declared_components(run: &RunRecord, configured: &[String]) -> Vec<String> {
    if !configured.is_empty() {
        return configured.to_vec();
    }
    let mut seen: Vec<String> = run
        .tests()
        .filter(|e| !e.test.optional)
        .filter_map(|e| e.test.ehds.as_ref().map(|m| m.component.clone()))
        .filter(|c| COMPONENTS.iter().any(|(key, _)| key == c))
        .collect();
    seen.sort();
    seen.dedup();
    seen
}

/// Every reason the run does not support a conformity statement for `components`; empty
/// when it does.
pub fn obstacles(run: &RunRecord, complete: bool, components: &[String]) -> Vec<String> {
    let mut reasons = Vec::new();
    let simulated: Vec<String> = run
        .targets
        .iter()
        .filter(|t| t.simulated)
        .map(|t| format!("{} = {}", t.name, t.url))
        .collect();
    if !simulated.is_empty() {
        reasons.push(format!(
            "simulated: the run tested samsvar's built-in simulator ({}), not the product",
            simulated.join(", ")
        ));
    }
    if !complete {
        let (mut interrupted, mut not_started) = (0, 0);
        for e in run.tests() {
            match e.test.completion {
                Completion::Interrupted => interrupted += 1,
                Completion::NotStarted => not_started += 1,
                Completion::Finished => {}
            }
        }
        reasons.push(format!(
            "interrupted: the run stopped before it finished ({interrupted} test(s) interrupted, {not_started} never started)"
        ));
    }
    if let Some(sel) = run.selection.as_ref().filter(|s| s.is_partial()) {
        reasons.push(format!(
            "partial: the run was limited with --test {} ({} of {} tests; {} left out)",
            sel.patterns.join(" --test "),
            sel.selected,
            sel.total,
            sel.left_out.len()
        ));
    }
    if components.is_empty() {
        reasons.push(
            "no harmonised component: no test of the run maps to the interoperability or logging component"
                .to_string(),
        );
    }
    for component in components {
        let mut required = 0;
        for e in run.tests().filter(|e| {
            !e.test.optional
                && e.test
                    .ehds
                    .as_ref()
                    .is_some_and(|m| &m.component == component)
        }) {
            required += 1;
            let t = e.test;
            if t.outcome == Outcome::Pass {
                continue;
            }
            let kind = match (t.completion, t.outcome) {
                (Completion::Interrupted, _) => "interrupted",
                (Completion::NotStarted, _) => "not run",
                (_, Outcome::Fail) => "failed",
                (_, Outcome::Error) => "errored",
                (_, Outcome::Skip) => "skipped",
                // A SHOULD or MAY not met is reported, but the essential requirements held.
                (_, Outcome::Pass | Outcome::Warn) => continue,
            };
            reasons.push(format!(
                "{kind}: {}/{} — {} ({})",
                e.suite.id,
                t.id,
                t.reason.as_deref().unwrap_or("no reason recorded"),
                t.location
            ));
        }
        if required == 0 {
            reasons.push(format!(
                "untested: no required test of the {} ran",
                component_name(component)
            ));
        }
    }
    reasons
}
