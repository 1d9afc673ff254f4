//! The embedded catalogue is every file of requirements/, satisfies its schema, and
//! resolves the ids the shipped suites cite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_requirements::{Catalogue, CatalogueError, Level};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_catalogue_file_is_embedded() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("requirements"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = Catalogue::embedded_files()
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    assert_eq!(embedded, on_disk);
    assert!(!embedded.is_empty());
}

#[test]
fn every_embedded_file_satisfies_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("requirements/schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for (name, text) in Catalogue::embedded_files() {
        let value: serde_json::Value = serde_norway::from_str(text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn a_known_id_resolves_to_its_title_level_and_source() {
    let catalogue = Catalogue::embedded().unwrap();
    let entry = catalogue.get("IHE-ITI-XDS.b:TF-1:10").unwrap();
    assert_eq!(
        entry.requirement.title,
        "XDS.b actors implement the transactions the profile requires of them"
    );
    assert_eq!(entry.requirement.level, Level::Shall);
    assert_eq!(
        entry.requirement.source.url,
        "https://profiles.ihe.net/ITI/TF/Volume1/ch-10.html"
    );
    assert_eq!(entry.document.key, "ITI-TF-1.ch10");
    assert!(catalogue.get("NO-SUCH:REQ").is_none());
}

#[test]
fn every_see_also_id_exists() {
    let catalogue = Catalogue::embedded().unwrap();
    for req in catalogue.requirements() {
        for other in &req.see_also {
            assert!(
                catalogue.get(other).is_some(),
                "{}: see_also {other}",
                req.id
            );
        }
    }
}

#[test]
fn broken_catalogues_are_refused_naming_the_file() {
    let doc = "documents: [{key: D, title: T, version: '1', url: 'https://x', read: r, provenance: spec}]";
    let req = |id: &str, docu: &str| {
        format!(
            "requirements: [{{id: {id}, title: A title, source: {{document: {docu}, section: s, url: 'https://x'}}, level: SHALL, summary: a summary of it}}]"
        )
    };
    let ok = format!("catalogue: 1\n{doc}\n{}", req("A-1", "D"));
    assert!(Catalogue::parse_files([("a.yaml", ok.as_str())]).is_ok());

    let unknown = format!("catalogue: 1\n{doc}\n{}", req("A-1", "E"));
    assert!(matches!(
        Catalogue::parse_files([("a.yaml", unknown.as_str())]),
        Err(CatalogueError::UnknownDocument { .. })
    ));
    let other = format!(
        "catalogue: 1\n{}\n{}",
        doc.replace("key: D", "key: D2"),
        req("A-1", "D2")
    );
    let err =
        Catalogue::parse_files([("a.yaml", ok.as_str()), ("b.yaml", other.as_str())]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "requirements/b.yaml: requirement `A-1` is also defined in requirements/a.yaml"
    );
    let v2 = ok.replace("catalogue: 1", "catalogue: 2");
    assert!(matches!(
        Catalogue::parse_files([("a.yaml", v2.as_str())]),
        Err(CatalogueError::Version { found: 2, .. })
    ));
    let typo = ok.replace("summary:", "sumary:");
    assert!(matches!(
        Catalogue::parse_files([("a.yaml", typo.as_str())]),
        Err(CatalogueError::Parse { .. })
    ));
}
