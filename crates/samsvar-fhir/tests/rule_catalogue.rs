//! docs/validator.md shows the table generated from the validator's rule catalogue.

use samsvar_fhir::validator::rules::{self, RULES};
use std::path::Path;

#[test]
fn the_docs_table_is_the_rule_catalogue() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/validator.md");
    if let Err(e) = samsvar_diagnostics::catalogue::check_generated_block(
        &doc,
        "validator-rules",
        &rules::markdown_table(),
    ) {
        panic!("{e}");
    }
}

#[test]
fn ids_are_unique_and_families_expand() {
    for (i, r) in RULES.iter().enumerate() {
        assert!(
            RULES[..i].iter().all(|o| o.id != r.id),
            "{} is listed twice",
            r.id
        );
    }
    assert!(rules::is_known("type-dateTime"));
    assert!(rules::is_known("cardinality"));
    assert!(!rules::is_known("type-notatype"));
    assert!(!rules::is_known("no-such-rule"));
}
