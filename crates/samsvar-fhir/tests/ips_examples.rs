//! Evidence (c): the official hl7.fhir.uv.ips 2.0.0 examples validate with zero errors
//! against their IPS profiles, and mutated copies fail for the right reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_fhir::outcome::render_text;
use samsvar_fhir::validator::{collect_inputs, expression_of};
use serde_json::{Value, json};

const IPS_BUNDLE: &str = "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips";
const IPS_PATIENT: &str = "http://hl7.org/fhir/uv/ips/StructureDefinition/Patient-uv-ips";

fn examples() -> Vec<std::path::PathBuf> {
    let dir = common::package_folder(common::IPS).join("example");
    collect_inputs(&[dir]).unwrap()
}

fn load(name: &str) -> Value {
    let path = examples()
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy() == name)
        .unwrap_or_else(|| panic!("IPS example {name} not found"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The profile an example claims: its meta.profile, or the IPS Bundle for documents.
fn profile_of(v: &Value) -> Option<String> {
    if v["resourceType"] == "Bundle" && v["type"] == "document" {
        return Some(IPS_BUNDLE.to_string());
    }
    v["meta"]["profile"][0].as_str().map(str::to_string)
}

#[test]
fn ips_examples_have_zero_errors() {
    let validator = common::ips_validator();
    let files = examples();
    assert!(
        files.len() >= 40,
        "expected the IPS examples, found {}",
        files.len()
    );
    let mut failing = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let profile = profile_of(&value);
        let report = validator.validate_bytes(&bytes, profile.as_deref());
        if !report.is_valid() {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            failing.push(render_text(&format!("{name} against {profile:?}"), &report));
        }
    }
    println!(
        "{} IPS examples checked, {} with errors",
        files.len(),
        failing.len()
    );
    assert!(
        failing.is_empty(),
        "IPS examples with errors:\n{}",
        failing.join("\n")
    );
}

fn errors_of(v: &Value, profile: &str) -> Vec<(String, String)> {
    let report = common::ips_validator().validate(v, Some(profile));
    report
        .errors()
        .map(|i| (i.rule.to_string(), expression_of(i).to_string()))
        .collect()
}

#[test]
fn patient_without_name_fails_cardinality() {
    let mut p = load("Patient-66033.json");
    p.as_object_mut().unwrap().remove("name");
    let errors = errors_of(&p, IPS_PATIENT);
    assert!(
        errors
            .iter()
            .any(|(rule, expr)| rule == "cardinality" && expr == "Patient.name"),
        "{errors:?}"
    );
}

#[test]
fn patient_with_bad_birth_date_fails_type() {
    let mut p = load("Patient-66033.json");
    p["birthDate"] = json!("31.12.1990");
    let errors = errors_of(&p, IPS_PATIENT);
    assert!(
        errors.iter().any(|(rule, _)| rule == "type-date"),
        "{errors:?}"
    );
}

#[test]
fn document_without_composition_fails_slice_cardinality() {
    let mut b = load("Bundle-bundle-minimal.json");
    let entries = b["entry"].as_array_mut().unwrap();
    entries.retain(|e| e["resource"]["resourceType"] != "Composition");
    let errors = errors_of(&b, IPS_BUNDLE);
    assert!(
        errors
            .iter()
            .any(|(rule, _)| rule == "slice-cardinality" || rule == "bdl-9" || rule == "bdl-11"),
        "{errors:?}"
    );
}

#[test]
fn document_with_invalid_status_in_entry_fails_binding() {
    let mut b = load("Bundle-bundle-minimal.json");
    for e in b["entry"].as_array_mut().unwrap() {
        if e["resource"]["resourceType"] == "Composition" {
            e["resource"]["status"] = json!("not-a-status");
        }
    }
    let errors = errors_of(&b, IPS_BUNDLE);
    assert!(
        errors
            .iter()
            .any(|(rule, expr)| rule == "binding" && expr.ends_with("resource.status")),
        "{errors:?}"
    );
}

#[test]
fn document_with_unknown_element_in_entry_fails_structure() {
    let mut b = load("Bundle-bundle-minimal.json");
    b["entry"][1]["resource"]["notAnElement"] = json!(true);
    let errors = errors_of(&b, IPS_BUNDLE);
    assert!(
        errors.iter().any(|(rule, expr)| rule == "unknown-element"
            && expr.starts_with("Bundle.entry[1].resource")),
        "{errors:?}"
    );
}
