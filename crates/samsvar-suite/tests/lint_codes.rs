//! docs/suite-language.md shows the table generated from the lint code catalogue.

use std::path::Path;

#[test]
fn the_docs_table_is_the_lint_catalogue() {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/suite-language.md");
    let table = samsvar_suite::rules::markdown_table();
    if let Err(e) =
        samsvar_diagnostics::catalogue::check_generated_block(&doc, "lint-codes", &table)
    {
        panic!("{e}");
    }
}

#[test]
fn codes_are_unique() {
    let rules = samsvar_suite::rules::RULES;
    for (i, r) in rules.iter().enumerate() {
        assert!(
            rules[..i].iter().all(|o| o.code != r.code),
            "{} is listed twice",
            r.code
        );
    }
}
