//! Bad input: each gets a clear fatal issue, no panic, no stack overflow, bounded memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_fhir::{Options, Severity, Validator};
use std::sync::Arc;

fn fatal_rule(report: &samsvar_fhir::ValidationReport) -> (String, String) {
    let issue = report
        .issues
        .iter()
        .find(|i| i.severity == Severity::Fatal)
        .unwrap_or_else(|| panic!("expected a fatal issue, got {:?}", report.issues));
    (issue.rule.to_string(), issue.message.clone())
}

#[test]
fn not_json_is_a_fatal_issue_with_a_position() {
    let v = common::core_validator();
    let report = v.validate_bytes(b"{\"resourceType\": \"Patient\",\n  oops}", None);
    let (rule, message) = fatal_rule(&report);
    assert_eq!(rule, "json-syntax");
    assert!(
        message.starts_with("failed to parse JSON at line 2"),
        "{message}"
    );
}

#[test]
fn a_utf8_byte_order_mark_is_not_an_error() {
    let v = common::core_validator();
    let report = v.validate_bytes(
        b"\xEF\xBB\xBF{\"resourceType\": \"Patient\",\n \"birthDate\": \"1984-05-17\"}",
        None,
    );
    assert!(report.is_valid(), "{:?}", report.issues);
    let bad = v.validate_bytes(
        b"\xEF\xBB\xBF{\"resourceType\": \"Patient\",\n \"birthDate\": 1984}",
        None,
    );
    let line = bad
        .errors()
        .next()
        .map(|i| i.message.clone())
        .unwrap_or_default();
    assert!(!bad.is_valid(), "the content is still checked: {line}");
}

#[test]
fn duplicate_keys_are_an_error() {
    let v = common::core_validator();
    let report = v.validate_bytes(
        b"{\"resourceType\": \"Patient\", \"id\": \"a\", \"id\": \"b\"}",
        None,
    );
    let (rule, message) = fatal_rule(&report);
    assert_eq!(rule, "json-duplicate-key");
    assert!(message.contains("\"id\""), "{message}");
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let v = common::core_validator();
    let mut text = String::from("{\"resourceType\": \"Patient\", \"extension\": ");
    for _ in 0..50_000 {
        text.push_str("[{\"extension\": ");
    }
    text.push_str("[]");
    for _ in 0..50_000 {
        text.push_str("}]");
    }
    text.push('}');
    let (rule, _) = fatal_rule(&v.validate_bytes(text.as_bytes(), None));
    assert_eq!(rule, "depth");
}

#[test]
fn deep_but_parseable_resources_are_walked_safely() {
    // 40 levels of nested extensions: parses, and the walk stays bounded.
    let v = common::core_validator();
    let mut ext = serde_json::json!({"url": "http://example.org/leaf", "valueString": "x"});
    for _ in 0..40 {
        ext = serde_json::json!({"url": "http://example.org/e", "extension": [ext]});
    }
    let p = serde_json::json!({"resourceType": "Patient", "extension": [ext]});
    let report = v.validate(&p, None);
    assert!(report.issues.iter().all(|i| i.severity != Severity::Fatal));
}

#[test]
fn oversized_input_is_refused_before_reading() {
    let defs = common::core_definitions();
    let v = Validator::with_options(
        defs,
        Options {
            max_bytes: 1024,
            ..Options::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    // A sparse 200 MB file: the size check must refuse it without reading it.
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap();
    let report = v.validate_file(&path, None);
    let (rule, message) = fatal_rule(&report);
    assert_eq!(rule, "size-limit");
    assert!(message.contains("exceeds the limit"), "{message}");
    let report = v.validate_bytes(&vec![b' '; 4096], None);
    assert_eq!(fatal_rule(&report).0, "size-limit");
}

#[test]
fn validator_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Validator>();
    assert_send_sync::<Arc<Validator>>();
}
