//! The committed `docs/suite.schema.json` must equal the generated schema.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[test]
fn committed_schema_matches_generated() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/suite.schema.json");
    let generated = serde_json::to_string_pretty(&samsvar_suite::suite_schema()).unwrap() + "\n";
    if std::env::var_os("SAMSVAR_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/suite.schema.json is out of date with the suite format.\n\
         Regenerate it with one of:\n  \
         cargo run -p samsvar -- suites schema > docs/suite.schema.json\n  \
         SAMSVAR_UPDATE_SCHEMA=1 cargo test -p samsvar-suite --test schema_file"
    );
}

#[test]
fn schema_compiles_and_accepts_the_example_suite() {
    let schema = samsvar_suite::suite_schema();
    // The draft the schema names (`$schema`), as an editor would pick it.
    let validator = jsonschema::validator_for(&schema).unwrap();
    // The example suite, as JSON, is valid against the schema an editor would use.
    let doc = serde_json::json!({
        "suite": { "id": "s", "version": "1", "title": "t" },
        "targets": { "fhir": { "kind": "fhir" } },
        "tests": [
            { "id": "a", "steps": [ { "request": "GET {{fhir}}/metadata", "assert": [ { "status": 200 } ] } ] },
            { "group": "g", "tests": [] }
        ]
    });
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let bad = serde_json::json!({ "suite": { "id": "s", "version": "1", "title": "t" }, "tests": [ { "id": "a", "stpes": [] } ] });
    assert!(!validator.is_valid(&bad));
}
