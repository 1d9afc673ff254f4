//! The rules of `serve --record`'s recording layer: docs/simulator.md lists each one as
//! the registry has it, and every requirement a rule cites is in the catalogue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_sim::recording::RULES;
use std::path::Path;

#[test]
fn the_docs_table_lists_every_rule_as_registered() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/simulator.md"),
    )
    .unwrap();
    for rule in RULES {
        let row = format!(
            "| `{}` | {} | {}",
            rule.id,
            rule.severity.as_str(),
            rule.summary
        );
        assert!(doc.contains(&row), "docs/simulator.md lacks the row {row}");
    }
    let rows = doc.lines().filter(|l| l.starts_with("| `serve-")).count();
    assert_eq!(rows, RULES.len(), "a documented rule the registry lacks");
}

#[test]
fn rule_ids_are_unique_and_cite_catalogued_requirements() {
    let catalogue = samsvar_requirements::Catalogue::embedded().unwrap();
    for (i, rule) in RULES.iter().enumerate() {
        assert!(rule.id.starts_with("serve-"), "{}", rule.id);
        assert!(
            RULES[..i].iter().all(|o| o.id != rule.id),
            "{} twice",
            rule.id
        );
        for id in rule.source.split(", ").filter(|s| !s.contains(' ')) {
            assert!(
                catalogue.get(id).is_some(),
                "{} cites {id}, which the catalogue lacks",
                rule.id
            );
        }
    }
}
