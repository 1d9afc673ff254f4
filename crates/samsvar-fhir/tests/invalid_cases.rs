//! Evidence (b): one hand-made invalid resource per rule, each expecting its specific
//! issue (rule, severity, location), plus snapshots of the full outcomes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_fhir::{Definitions, Severity, Validator, outcome};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

const EX: &str = "http://example.org/fhir/StructureDefinition/";

/// (file stem, profile, expected rule, expected severity, expected expression)
type Case = (
    &'static str,
    Option<&'static str>,
    &'static str,
    Severity,
    &'static str,
);

const CASES: &[Case] = &[
    (
        "unknown-element",
        None,
        "unknown-element",
        Severity::Error,
        "Patient.foo",
    ),
    (
        "cardinality-min",
        None,
        "cardinality",
        Severity::Error,
        "Observation.status",
    ),
    (
        "cardinality-max-profile",
        Some("test-patient"),
        "cardinality",
        Severity::Error,
        "Patient.name",
    ),
    (
        "choice-two-types",
        None,
        "choice",
        Severity::Error,
        "Observation",
    ),
    (
        "type-date",
        None,
        "type-date",
        Severity::Error,
        "Patient.birthDate",
    ),
    (
        "type-datetime",
        None,
        "type-dateTime",
        Severity::Error,
        "Observation.effectiveDateTime",
    ),
    (
        "type-instant",
        None,
        "type-instant",
        Severity::Error,
        "Observation.issued",
    ),
    (
        "type-time",
        None,
        "type-time",
        Severity::Error,
        "Observation.valueTime",
    ),
    ("type-id", None, "type-id", Severity::Error, "Patient.id"),
    (
        "type-uri",
        None,
        "type-uri",
        Severity::Error,
        "Patient.identifier[0].system",
    ),
    (
        "type-url",
        None,
        "type-url",
        Severity::Error,
        "Endpoint.address",
    ),
    (
        "type-canonical",
        None,
        "type-canonical",
        Severity::Error,
        "Patient.meta.profile[0]",
    ),
    (
        "type-oid",
        None,
        "type-uri",
        Severity::Error,
        "Patient.identifier[0].system",
    ),
    (
        "type-uuid",
        None,
        "type-uri",
        Severity::Error,
        "Patient.identifier[0].system",
    ),
    (
        "type-code",
        None,
        "type-code",
        Severity::Error,
        "Patient.gender",
    ),
    (
        "type-string",
        None,
        "type-string",
        Severity::Error,
        "Patient.name[0].family",
    ),
    (
        "type-decimal",
        None,
        "type-decimal",
        Severity::Error,
        "Observation.valueQuantity.value",
    ),
    (
        "type-integer-range",
        None,
        "type-integer",
        Severity::Error,
        "Observation.valueInteger",
    ),
    (
        "type-positiveint",
        None,
        "type-positiveInt",
        Severity::Error,
        "MedicationRequest.dosageInstruction[0].timing.repeat.count",
    ),
    (
        "type-unsignedint",
        None,
        "type-unsignedInt",
        Severity::Error,
        "Patient.photo[0].size",
    ),
    (
        "type-base64",
        None,
        "type-base64Binary",
        Severity::Error,
        "Patient.photo[0].data",
    ),
    (
        "type-boolean",
        None,
        "type-boolean",
        Severity::Error,
        "Patient.active",
    ),
    (
        "type-markdown",
        None,
        "type-markdown",
        Severity::Error,
        "Condition.note[0].text",
    ),
    (
        "primitive-extension-unknown",
        None,
        "unknown-element",
        Severity::Error,
        "Patient.birthDate.foo",
    ),
    (
        "json-null",
        None,
        "json-null",
        Severity::Error,
        "Patient.name[0].given[1]",
    ),
    (
        "json-array",
        None,
        "json-array",
        Severity::Error,
        "Patient.name",
    ),
    (
        "ele-1-empty",
        None,
        "ele-1",
        Severity::Error,
        "Patient.name[0]",
    ),
    (
        "fixed-value",
        Some("test-patient"),
        "fixed",
        Severity::Error,
        "Patient.gender",
    ),
    (
        "pattern-value",
        Some("test-observation"),
        "pattern",
        Severity::Error,
        "Observation.code",
    ),
    (
        "slice-min",
        Some("test-observation"),
        "slice-cardinality",
        Severity::Error,
        "Observation.component",
    ),
    (
        "slice-closed",
        Some("test-observation"),
        "slicing-closed",
        Severity::Error,
        "Observation.component[1]",
    ),
    (
        "slice-ordered",
        Some("test-ordered"),
        "slicing-ordered",
        Severity::Error,
        "Observation.component[1]",
    ),
    (
        "slice-open-at-end",
        Some("test-ordered"),
        "slicing-open-at-end",
        Severity::Error,
        "Observation.component[1]",
    ),
    (
        "slice-type",
        Some("test-value-type"),
        "slicing-closed",
        Severity::Error,
        "Observation.valueString",
    ),
    (
        "slice-exists",
        Some("test-exists"),
        "slice-cardinality",
        Severity::Error,
        "Observation.component",
    ),
    (
        "reference-contained-missing",
        None,
        "reference",
        Severity::Error,
        "Patient.managingOrganization",
    ),
    (
        "reference-type",
        None,
        "reference-type",
        Severity::Error,
        "Patient.managingOrganization",
    ),
    (
        "bundle-reference-type",
        None,
        "reference-type",
        Severity::Error,
        "Bundle.entry[1].resource.subject",
    ),
    (
        "bundle-entry-invalid",
        None,
        "type-date",
        Severity::Error,
        "Bundle.entry[0].resource.birthDate",
    ),
    (
        "contained-invalid",
        None,
        "type-boolean",
        Severity::Error,
        "Patient.contained[0].active",
    ),
    (
        "extension-unknown",
        None,
        "extension-unknown",
        Severity::Warning,
        "Patient.extension[0]",
    ),
    (
        "modifier-extension-unknown",
        None,
        "extension-unknown",
        Severity::Error,
        "Patient.modifierExtension[0]",
    ),
    (
        "extension-context",
        None,
        "extension-context",
        Severity::Warning,
        "Observation.extension[0]",
    ),
    (
        "extension-value-type",
        None,
        "unknown-element",
        Severity::Error,
        "Patient.extension[0].valueString",
    ),
    (
        "invariant-pat-1",
        None,
        "pat-1",
        Severity::Error,
        "Patient.contact[0]",
    ),
    (
        "contained-profiled-no-name",
        Some("test-contained"),
        "cardinality",
        Severity::Error,
        "Patient.contained[0].name",
    ),
    (
        "invariant-ext-1",
        None,
        "ext-1",
        Severity::Error,
        "Patient.extension[0]",
    ),
    (
        "invariant-dom-3",
        None,
        "dom-3",
        Severity::Error,
        "Observation",
    ),
    (
        "invariant-obs-6",
        None,
        "obs-6",
        Severity::Error,
        "Observation",
    ),
    (
        "binding-required-code",
        None,
        "binding",
        Severity::Error,
        "Patient.gender",
    ),
    (
        "binding-required-codeableconcept",
        None,
        "binding",
        Severity::Error,
        "Condition.clinicalStatus",
    ),
    (
        "binding-extensible",
        None,
        "binding",
        Severity::Warning,
        "Patient.maritalStatus",
    ),
    (
        "meta-profile-unknown",
        None,
        "meta-profile",
        Severity::Warning,
        "Patient",
    ),
    (
        "must-support",
        Some("test-patient"),
        "must-support",
        Severity::Information,
        "Patient",
    ),
    (
        "max-length",
        Some("test-patient"),
        "max-length",
        Severity::Error,
        "Patient.name[0].family",
    ),
    (
        "profile-missing-base",
        Some("test-missing-base"),
        "profile",
        Severity::Error,
        "Patient",
    ),
    (
        "profile-cycle",
        Some("test-cycle-a"),
        "profile",
        Severity::Error,
        "Patient",
    ),
    (
        "range-quantity-max",
        None,
        "range",
        Severity::Error,
        "Observation.valueQuantity",
    ),
    (
        "range-datetime-min",
        Some("test-range"),
        "range",
        Severity::Error,
        "Observation.effectiveDateTime",
    ),
    (
        "range-decimal-places",
        Some("test-range"),
        "range",
        Severity::Error,
        "Observation.valueQuantity.value",
    ),
    (
        "coding-unknown-code",
        None,
        "coding-code",
        Severity::Error,
        "Observation.category[0].coding[0].code",
    ),
    (
        "coding-relative-system",
        None,
        "coding-system",
        Severity::Error,
        "Observation.code.coding[0].system",
    ),
    (
        "coding-value-set-as-system",
        None,
        "coding-system",
        Severity::Error,
        "Observation.code.coding[0].system",
    ),
    (
        "coding-wrong-display",
        None,
        "coding-display",
        Severity::Warning,
        "Observation.category[0].coding[0].display",
    ),
    (
        "bundle-fullurl-relative",
        None,
        "bundle-fullurl",
        Severity::Error,
        "Bundle.entry[0]",
    ),
    (
        "bundle-fullurl-mismatch",
        None,
        "bundle-fullurl",
        Severity::Error,
        "Bundle.entry[0]",
    ),
    (
        "bundle-link-twice",
        None,
        "bundle-link",
        Severity::Error,
        "Bundle.link[1]",
    ),
    (
        "bundle-search-no-id",
        None,
        "bundle-search",
        Severity::Error,
        "Bundle.entry[0].resource",
    ),
    (
        "bundle-search-wrong-type",
        None,
        "bundle-search",
        Severity::Error,
        "Bundle.entry[0].resource",
    ),
    (
        "bundle-document-unresolved",
        None,
        "bundle-reference",
        Severity::Error,
        "Bundle.entry[0].resource.section[0].entry[0]",
    ),
    (
        "bundle-reference-ambiguous",
        None,
        "bundle-reference",
        Severity::Error,
        "Bundle.entry[0].resource.subject",
    ),
    (
        "reference-target-profile",
        None,
        "reference-profile",
        Severity::Error,
        "Bundle.entry[0].resource.subject",
    ),
    (
        "narrative-script",
        None,
        "txt-1",
        Severity::Error,
        "Patient.text.div",
    ),
    (
        "narrative-empty",
        None,
        "txt-2",
        Severity::Error,
        "Patient.text.div",
    ),
    (
        "narrative-namespace",
        None,
        "xhtml",
        Severity::Error,
        "Patient.text.div",
    ),
    (
        "narrative-entity",
        None,
        "txt-1",
        Severity::Error,
        "Patient.text.div",
    ),
    (
        "narrative-broken-link",
        None,
        "xhtml-link",
        Severity::Warning,
        "Patient.text.div",
    ),
    (
        "security-html-string",
        None,
        "security-html",
        Severity::Information,
        "Patient.name[0].text",
    ),
    (
        "profile-bad-differential",
        Some("test-bad-differential"),
        "profile",
        Severity::Warning,
        "Patient",
    ),
    (
        "questionnaire-unknown-link",
        None,
        "questionnaire-link",
        Severity::Error,
        "QuestionnaireResponse.item[1]",
    ),
    (
        "questionnaire-answer-type",
        None,
        "questionnaire-answer",
        Severity::Error,
        "QuestionnaireResponse.item[1].answer[0].valueString",
    ),
    (
        "questionnaire-required",
        None,
        "questionnaire-required",
        Severity::Error,
        "QuestionnaireResponse",
    ),
    (
        "questionnaire-option",
        None,
        "questionnaire-option",
        Severity::Error,
        "QuestionnaireResponse.item[2].answer[0].valueCoding",
    ),
    (
        "questionnaire-exclusive",
        None,
        "questionnaire-exclusive",
        Severity::Error,
        "QuestionnaireResponse.item[2].answer[1]",
    ),
    (
        "questionnaire-value",
        None,
        "questionnaire-value",
        Severity::Error,
        "QuestionnaireResponse.item[1].answer[0].valueInteger",
    ),
    (
        "questionnaire-repeats",
        None,
        "questionnaire-repeats",
        Severity::Error,
        "QuestionnaireResponse.item[0]",
    ),
    (
        "questionnaire-enable-when",
        None,
        "questionnaire-enable-when",
        Severity::Error,
        "QuestionnaireResponse.item[4]",
    ),
    (
        "questionnaire-decimal-places",
        None,
        "questionnaire-value",
        Severity::Error,
        "QuestionnaireResponse.item[4].item[0].answer[0].valueDecimal",
    ),
    (
        "questionnaire-ref-missing",
        None,
        "questionnaire-ref",
        Severity::Warning,
        "QuestionnaireResponse",
    ),
    (
        "attachment-size",
        None,
        "attachment",
        Severity::Error,
        "DocumentReference.content[0].attachment.size",
    ),
    (
        "attachment-hash",
        None,
        "attachment",
        Severity::Error,
        "DocumentReference.content[0].attachment.hash",
    ),
    (
        "invariant-que-12",
        None,
        "que-12",
        Severity::Error,
        "Questionnaire.item[2]",
    ),
    (
        "extension-cross-version",
        None,
        "extension-unknown",
        Severity::Warning,
        "DeviceRequest.modifierExtension[0]",
    ),
    (
        "resource-type-unknown",
        None,
        "resource-type",
        Severity::Error,
        "Foo",
    ),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/invalid")
}

/// R4 core and the test profiles.
fn definitions() -> Definitions {
    let mut defs = Definitions::load(&common::install(&[common::R4_CORE])).unwrap();
    for entry in std::fs::read_dir(dir().join("profiles")).unwrap() {
        let text = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(defs.add_resource(serde_json::from_slice(&text).unwrap()));
    }
    defs
}

fn validator() -> Arc<Validator> {
    static V: OnceLock<Arc<Validator>> = OnceLock::new();
    V.get_or_init(|| Arc::new(Validator::new(Arc::new(definitions()))))
        .clone()
}

fn run(stem: &str, profile: Option<&str>) -> samsvar_fhir::ValidationReport {
    let bytes = std::fs::read(dir().join(format!("{stem}.json"))).unwrap();
    let profile = profile.map(|p| format!("{EX}{p}"));
    validator().validate_bytes(&bytes, profile.as_deref())
}

#[test]
fn every_rule_reports_its_specific_issue() {
    let mut failures = Vec::new();
    for (stem, profile, rule, severity, expression) in CASES {
        let report = run(stem, *profile);
        if stem.starts_with("invariant-") && !cfg!(feature = "fhirpath-invariants") {
            println!("{stem}: not checked: built without the fhirpath-invariants feature");
            continue;
        }
        let hit = report
            .issues
            .iter()
            .any(|i| i.rule == *rule && i.severity == *severity && i.expression == *expression);
        if !hit {
            failures.push(format!(
                "{stem}: expected {} [{rule}] @ {expression}, got:\n{}",
                severity.as_str(),
                outcome::render_text(stem, &report)
            ));
        }
        if !stem.starts_with("invariant-") {
            // Invariant outcomes depend on the FHIRPath engine's wording; checked by rule above.
            insta::assert_snapshot!(
                format!("invalid__{stem}"),
                outcome::render_text(stem, &report)
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Resources that must validate with zero errors (against the profile, when given).
const VALID: &[(&str, Option<&str>)] = &[
    ("valid-snomed-unchecked", None),
    // A slice that gives no value for one of two pattern discriminators is not
    // constrained by it.
    (
        "valid-slice-partial-discriminator",
        Some("test-partial-discriminator"),
    ),
    // A resource typed with two profiles conforms to the second only.
    ("valid-either-profile", Some("test-either-profile")),
    // A document whose references resolve by the fullUrl rules, with a narrative link.
    ("valid-document", None),
    // An element typed Practitioner or PractitionerRole, each with its own profile: each
    // entry is walked against the profile of its own type.
    ("valid-staff-bundle", Some("test-staff-bundle")),
    // Every answer fits its item; the disabled required item (enableWhen) is absent.
    ("valid-questionnaire-response", None),
];

#[test]
fn valid_resources_have_no_errors() {
    let mut failures = Vec::new();
    for (stem, profile) in VALID {
        let report = run(stem, *profile);
        if !report.is_valid() {
            failures.push(outcome::render_text(stem, &report));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn security_checks_turn_html_in_strings_into_errors() {
    let strict = Validator::with_options(
        Arc::new(definitions()),
        samsvar_fhir::Options {
            security_checks: true,
            ..samsvar_fhir::Options::default()
        },
    );
    let bytes = std::fs::read(dir().join("security-html-string.json")).unwrap();
    let report = strict.validate_bytes(&bytes, None);
    assert!(
        report
            .errors()
            .any(|i| i.rule == "security-html" && i.expression == "Patient.name[0].text"),
        "{}",
        outcome::render_text("security-html-string", &report)
    );
}

#[test]
fn unchecked_code_systems_are_never_errors() {
    let report = run("valid-snomed-unchecked", None);
    assert!(
        report.is_valid(),
        "{}",
        outcome::render_text("valid-snomed-unchecked", &report)
    );
}

#[test]
fn every_case_file_is_in_the_table() {
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(
                VALID.iter().any(|v| v.0 == stem) || CASES.iter().any(|c| c.0 == stem),
                "{stem}.json has no row in CASES or VALID"
            );
        }
    }
}
