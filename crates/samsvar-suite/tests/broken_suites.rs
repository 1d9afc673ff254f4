//! Golden diagnostics for broken suites: every case under `tests/cases/broken/` must
//! report at least one error, and its rendered diagnostics (file:line:col, caret, hint)
//! must match the snapshot in `tests/snapshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_diagnostics::render_all;
use std::path::Path;

fn lint(case: &str) -> String {
    // A relative path keeps the rendered `file:line:col` independent of the checkout.
    let path = Path::new("tests/cases/broken").join(case);
    let checked = samsvar_suite::check(&path).expect("the case exists");
    assert!(checked.has_errors(), "case `{case}` must have errors");
    assert!(
        samsvar_suite::load(&path).is_err(),
        "case `{case}` must not load"
    );
    render_all(&checked.sources, &checked.diagnostics)
}

macro_rules! case {
    ($name:ident, $dir:literal) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!($dir, lint($dir));
        }
    };
}

case!(unknown_key, "unknown-key");
case!(fhirpath_syntax, "fhirpath-syntax");
case!(undefined_variable, "undefined-variable");
case!(missing_fixture, "missing-fixture");
case!(duplicate_ids, "duplicate-ids");
case!(needs_cycle, "needs-cycle");
case!(bad_regex, "bad-regex");
case!(wrong_type, "wrong-type");
case!(yaml_syntax, "yaml-syntax");
case!(targets_and_needs, "targets-and-needs");
case!(security_syntax, "security-syntax");
case!(misfit_checks, "misfit-checks");

/// Every folder under `tests/cases/broken/` has a test above.
#[test]
fn every_case_has_a_test() {
    let source = include_str!("broken_suites.rs");
    for entry in std::fs::read_dir("tests/cases/broken").unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            source.contains(&format!("\"{name}\")")),
            "tests/cases/broken/{name} has no case!(…) line in tests/broken_suites.rs"
        );
    }
}
