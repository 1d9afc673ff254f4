//! `Options::security_checks` turns HTML in plain strings from information into errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_fhir::validator::expression_of;
use samsvar_fhir::{Options, Validator, outcome};
use std::sync::Arc;

#[test]
fn security_checks_turn_html_in_strings_into_errors() {
    let strict = Validator::with_options(
        Arc::new(common::definitions_with_test_profiles()),
        Options {
            security_checks: true,
            ..Options::default()
        },
    );
    let bytes = std::fs::read(common::cases_dir().join("security-html-string.json")).unwrap();
    let report = strict.validate_bytes(&bytes, None);
    assert!(
        report
            .errors()
            .any(|i| i.rule == "security-html" && expression_of(i) == "Patient.name[0].text"),
        "{}",
        outcome::render_text("security-html-string", &report)
    );
}
