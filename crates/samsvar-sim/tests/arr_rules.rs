//! The audit record repository's rule registry: docs/audit-repository.md shows the table
//! generated from it, and every requirement a rule cites is in the requirement catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_sim::arr::findings::{RULES, markdown_table};
use std::path::Path;

#[test]
fn the_docs_table_is_the_rule_registry() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/audit-repository.md");
    if let Err(e) =
        samsvar_diagnostics::catalogue::check_generated_block(&doc, "arr-rules", &markdown_table())
    {
        panic!("{e}");
    }
}

#[test]
fn rule_ids_are_unique_and_cite_catalogued_requirements() {
    let catalogue = samsvar_requirements::Catalogue::embedded().unwrap();
    for (i, rule) in RULES.iter().enumerate() {
        assert!(rule.id.starts_with("arr-"), "{}", rule.id);
        assert!(
            RULES[..i].iter().all(|o| o.id != rule.id),
            "{} twice",
            rule.id
        );
        let cited: Vec<&str> = rule
            .source
            .split(", ")
            .filter(|s| !s.contains(' '))
            .collect();
        for id in &cited {
            assert!(
                catalogue.get(id).is_some(),
                "{} cites {id}, which the catalogue lacks",
                rule.id
            );
        }
        assert!(
            !cited.is_empty() || rule.source.starts_with("FHIR R4 AuditEvent"),
            "{} cites no requirement id: {}",
            rule.id,
            rule.source
        );
    }
}
