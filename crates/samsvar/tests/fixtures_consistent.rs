//! The synthetic population in `fixtures/` is internally consistent: synthetic Norwegian
//! identifiers with valid check digits, a manifest that lists exactly the files there, documents
//! whose population resources are exact copies of the population files, and references that
//! resolve inside each document. No network, no packages: see fixtures_valid.rs for profiles.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures_support;

use fixtures_support::norwegian_ids::{
    mod11_check_digit, organisation_number, synthetic_person_number,
};
use fixtures_support::{
    Fixtures, POPULATION_LISTS, first_difference, json_files_under, key, references,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const FNR: &str = "urn:oid:2.16.578.1.12.4.1.4.1";
const DNR: &str = "urn:oid:2.16.578.1.12.4.1.4.2";
const HPR: &str = "urn:oid:2.16.578.1.12.4.1.4.4";
const ENH: &str = "urn:oid:2.16.578.1.12.4.1.4.101";
/// HPR has no published test range; the fixtures use numbers from 999 900 000 up (README).
const HPR_FICTITIOUS_FROM: u64 = 999_900_000;

fn str_at<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` missing in {v}"))
}

fn identifiers<'a>(resource: &'a Value, system: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    resource["identifier"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |i| i["system"] == system)
        .filter_map(|i| i["value"].as_str())
}

#[test]
fn the_check_digit_rules_give_the_published_worked_examples() {
    // Brønnøysundregistrene's example: 12345678 gets check digit 5.
    assert_eq!(
        mod11_check_digit(&[1, 2, 3, 4, 5, 6, 7, 8], &[3, 2, 7, 6, 5, 4, 3, 2]),
        Some(5)
    );
    assert!(organisation_number("123456785").is_ok());
    assert!(organisation_number("123456784").is_err());
    // The textbook fødselsnummer example 311299567 + K1 1 + K2 5 (a real-format number, so it
    // must be rejected as not synthetic, and only for that reason).
    let err = synthetic_person_number("31129956715", false).unwrap_err();
    assert!(err.contains("not synthetic"), "{err}");
}

#[test]
fn every_patient_has_one_synthetic_national_number_that_matches_birth_date_and_gender() {
    let fx = Fixtures::load();
    for entry in fx.list("patients") {
        let patient = fx.file(entry);
        let fnr: Vec<&str> = identifiers(&patient, FNR).collect();
        let dnr: Vec<&str> = identifiers(&patient, DNR).collect();
        assert_eq!(
            fnr.len() + dnr.len(),
            1,
            "{}: exactly one fødselsnummer or D-number",
            key(&patient)
        );
        let (number, d_number) = match (fnr.first(), dnr.first()) {
            (Some(n), _) => (*n, false),
            (None, Some(n)) => (*n, true),
            _ => unreachable!(),
        };
        let decoded = synthetic_person_number(number, d_number)
            .unwrap_or_else(|e| panic!("{}: {e}", key(&patient)));
        assert_eq!(
            decoded.birth_date,
            str_at(&patient, "birthDate"),
            "{}: {number} encodes another birth date",
            key(&patient)
        );
        assert_eq!(
            decoded.female,
            patient["gender"] == "female",
            "{}: the ninth digit of {number} gives the other gender",
            key(&patient)
        );
    }
}

#[test]
fn any_single_changed_digit_of_a_fixture_number_is_rejected() {
    let fx = Fixtures::load();
    let mut checked = 0;
    for entry in fx.list("patients") {
        let patient = fx.file(entry);
        for (system, d_number) in [(FNR, false), (DNR, true)] {
            for number in identifiers(&patient, system) {
                for (i, original) in number.char_indices() {
                    for replacement in ('0'..='9').filter(|c| *c != original) {
                        let mut changed = number.to_string();
                        changed.replace_range(i..=i, &replacement.to_string());
                        assert!(
                            synthetic_person_number(&changed, d_number).is_err(),
                            "{changed} (from {number}) passes the check"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 0, "no person numbers were checked");
}

/// `(Type/id, value)` of the one identifier in `system` that each resource of a manifest list
/// has; also checks that no two resources share a value.
fn sole_identifiers(fx: &Fixtures, list: &str, system: &str) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for entry in fx.list(list) {
        let resource = fx.file(entry);
        let values: Vec<&str> = identifiers(&resource, system).collect();
        assert_eq!(
            values.len(),
            1,
            "{}: one {system} identifier",
            key(&resource)
        );
        assert!(
            seen.insert(values[0].to_string()),
            "{system}|{} used twice",
            values[0]
        );
        out.push((key(&resource), values[0].to_string()));
    }
    out
}

#[test]
fn organisation_numbers_have_valid_check_digits_and_are_in_the_synthetic_series() {
    for (k, n) in sole_identifiers(&Fixtures::load(), "organizations", ENH) {
        organisation_number(&n).unwrap_or_else(|e| panic!("{k}: {e}"));
        // Real Enhetsregister numbers start with 8 or 9; Skatteetaten's synthetic ones with 2 or 3.
        assert!(
            n.starts_with('2') || n.starts_with('3'),
            "{k}: {n} is outside the synthetic series (first digit 2 or 3)"
        );
    }
}

#[test]
fn hpr_numbers_are_in_the_range_chosen_as_fictitious() {
    for (k, n) in sole_identifiers(&Fixtures::load(), "practitioners", HPR) {
        let value: u64 = n
            .parse()
            .unwrap_or_else(|_| panic!("{k}: HPR number {n} is not digits"));
        assert!(
            value >= HPR_FICTITIOUS_FROM && n.len() == 9,
            "{k}: {n} is outside 999900000-999999999"
        );
    }
}

#[test]
fn the_manifest_lists_exactly_the_files_in_fixtures() {
    let fx = Fixtures::load();
    let listed: BTreeSet<String> = fx
        .file_entries()
        .into_iter()
        .map(|e| str_at(e, "file").to_string())
        .collect();
    let mut present: BTreeSet<String> = json_files_under(&fx.root, "population")
        .into_iter()
        .collect();
    present.extend(json_files_under(&fx.root, "documents"));
    let unlisted: Vec<_> = present.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&present).collect();
    assert!(unlisted.is_empty(), "files not in index.json: {unlisted:?}");
    assert!(
        missing.is_empty(),
        "index.json lists missing files: {missing:?}"
    );

    let (_, tarballs) = fx.package_specs();
    let listed: BTreeSet<_> = tarballs.iter().cloned().collect();
    let present: BTreeSet<_> = std::fs::read_dir(fx.root.join("packages"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tgz"))
        .collect();
    assert_eq!(
        listed, present,
        "packages/ and index.json `packages` differ"
    );
    assert!(fx.root.join("packages/README.md").is_file());
}

#[test]
fn manifest_ids_are_unique_and_name_the_resources_in_their_files() {
    let fx = Fixtures::load();
    let mut ids = BTreeSet::new();
    for (list, resource_type) in POPULATION_LISTS {
        for entry in fx.list(list) {
            let id = str_at(entry, "id");
            assert!(ids.insert(id.to_string()), "id {id} used twice");
            let resource = fx.file(entry);
            assert_eq!(key(&resource), format!("{resource_type}/{id}"));
            assert_eq!(str_at(entry, "reference"), key(&resource));
            for profile in entry["profiles"].as_array().unwrap() {
                assert!(profile.is_string(), "{id}: profiles are canonical URLs");
            }
        }
    }
    for patient in fx.list("patients") {
        let file = fx.file(patient);
        let system_and_value = |list: &Value| -> Vec<Value> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|i| serde_json::json!({"system": i["system"], "value": i["value"]}))
                .collect()
        };
        assert_eq!(
            system_and_value(&patient["identifiers"]),
            system_and_value(&file["identifier"]),
            "{}: identifiers",
            patient["id"]
        );
        assert_eq!(patient["birthDate"], file["birthDate"]);
        assert_eq!(patient["gender"], file["gender"]);
        assert_eq!(patient["family"], file["name"][0]["family"]);
        assert_eq!(patient["given"], file["name"][0]["given"]);
    }
    for doc in fx.list("documents") {
        let id = str_at(doc, "id");
        assert!(ids.insert(id.to_string()), "id {id} used twice");
    }
}

/// The resource a document's profile applies to: the Bundle, or the entry it names.
fn conforming_resource<'a>(bundle: &'a Value, target: &str) -> &'a Value {
    if target == "Bundle" {
        return bundle;
    }
    entries(bundle)
        .map(|e| &e["resource"])
        .find(|r| key(r) == target)
        .unwrap_or_else(|| panic!("{}: no entry {target}", key(bundle)))
}

fn entries(bundle: &Value) -> impl Iterator<Item = &Value> {
    bundle["entry"].as_array().into_iter().flatten()
}

#[test]
fn documents_carry_what_the_manifest_says() {
    let fx = Fixtures::load();
    let patients: BTreeMap<&str, &Value> = fx
        .list("patients")
        .iter()
        .map(|p| (str_at(p, "reference"), p))
        .collect();
    for doc in fx.list("documents") {
        let bundle = fx.file(doc);
        let id = str_at(doc, "id");
        assert_eq!(key(&bundle), format!("Bundle/{id}"));
        assert_eq!(bundle["identifier"], doc["identifier"], "{id}: identifier");
        let target = conforming_resource(&bundle, str_at(doc, "conformingResource"));
        let profiles = target["meta"]["profile"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            profiles.contains(&doc["profile"]),
            "{id}: {} does not declare {}",
            key(target),
            doc["profile"]
        );
        let first = &bundle["entry"][0]["resource"];
        let subject = first
            .get("subject")
            .unwrap_or_else(|| panic!("{id}: first entry has no subject"));
        assert_eq!(subject["reference"], doc["patient"], "{id}: subject");
        if bundle["type"] == "document" {
            assert_eq!(
                first["resourceType"], "Composition",
                "{id}: Composition first"
            );
            let codings = first["type"]["coding"].as_array().unwrap();
            assert!(
                codings
                    .iter()
                    .any(|c| c["system"] == doc["type"]["system"]
                        && c["code"] == doc["type"]["code"]),
                "{id}: Composition.type lacks {}",
                doc["type"]
            );
        }
        let patient = patients
            .get(str_at(doc, "patient"))
            .unwrap_or_else(|| panic!("{id}: unknown patient {}", doc["patient"]));
        assert!(
            patient["documents"]
                .as_array()
                .unwrap()
                .contains(&Value::from(id)),
            "{id}: not listed under its patient"
        );
    }
    for patient in fx.list("patients") {
        for doc_id in patient["documents"].as_array().unwrap() {
            assert!(
                fx.list("documents")
                    .iter()
                    .any(|d| d["id"] == *doc_id && d["patient"] == patient["reference"]),
                "{}: lists {doc_id}, which is not its document",
                patient["id"]
            );
        }
    }
}

#[test]
fn documents_contain_exact_copies_of_the_population_and_nothing_else_of_those_types() {
    let fx = Fixtures::load();
    let population = fx.population();
    let population_types: BTreeSet<&str> = POPULATION_LISTS.iter().map(|(_, t)| *t).collect();
    let mut first_seen: BTreeMap<String, (String, Value)> = BTreeMap::new();
    for doc in fx.list("documents") {
        let bundle = fx.file(doc);
        let file = str_at(doc, "file");
        for entry in entries(&bundle) {
            let resource = &entry["resource"];
            let k = key(resource);
            match population.get(&k) {
                Some(original) => {
                    if let Some(diff) = first_difference(resource, original) {
                        panic!(
                            "{file}: {k} differs from its population file ({diff}); copy it from there"
                        );
                    }
                }
                None => assert!(
                    !population_types.contains(resource["resourceType"].as_str().unwrap()),
                    "{file}: {k} is not in the population; add it to fixtures/population and index.json"
                ),
            }
            // The same resource in several documents must be the same everywhere.
            match first_seen.get(&k) {
                Some((other, earlier)) => {
                    if let Some(diff) = first_difference(earlier, resource) {
                        panic!("{k} differs between {other} and {file} ({diff})");
                    }
                }
                None => {
                    first_seen.insert(k, (file.to_string(), resource.clone()));
                }
            }
        }
    }
}

#[test]
fn every_reference_in_a_document_resolves_inside_it() {
    let fx = Fixtures::load();
    let base = fx.full_url_base();
    for doc in fx.list("documents") {
        let bundle = fx.file(doc);
        let file = str_at(doc, "file");
        let mut inside = BTreeSet::new();
        for entry in entries(&bundle) {
            let k = key(&entry["resource"]);
            assert_eq!(
                str_at(entry, "fullUrl"),
                format!("{base}/{k}"),
                "{file}: fullUrl of {k}"
            );
            assert!(inside.insert(k.clone()), "{file}: {k} twice");
        }
        for entry in entries(&bundle) {
            for reference in references(&entry["resource"]) {
                let local = reference
                    .strip_prefix(&format!("{base}/"))
                    .unwrap_or(&reference);
                assert!(
                    inside.contains(local),
                    "{file}: {} refers to {reference}, which is not in the document",
                    key(&entry["resource"])
                );
            }
        }
    }
}

fn names(patient: &Value) -> impl Iterator<Item = &str> {
    patient["name"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["family"].as_str())
}

#[test]
fn the_search_cases_hold_for_the_population() {
    let fx = Fixtures::load();
    let patients: Vec<Value> = fx.list("patients").iter().map(|p| fx.file(p)).collect();
    for case in fx.list("searchCases") {
        let expected: BTreeSet<&str> = case["patients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let matching = |pred: &dyn Fn(&Value) -> bool| -> BTreeSet<&str> {
            patients
                .iter()
                .filter(|p| pred(p))
                .map(|p| p["id"].as_str().unwrap())
                .collect()
        };
        let mut constrained = false;
        if let Some(family) = case["family"].as_str() {
            constrained = true;
            assert_eq!(
                matching(&|p| names(p).any(|f| f == family)),
                expected,
                "{case}"
            );
        }
        if let Some(prefix) = case["familyPrefix"].as_str() {
            constrained = true;
            let prefix = prefix.to_lowercase();
            let hits = matching(&|p| names(p).any(|f| f.to_lowercase().starts_with(&prefix)));
            assert_eq!(hits, expected, "{case}");
        }
        if let Some(date) = case["birthDate"].as_str() {
            constrained = true;
            let same_date = matching(&|p| p["birthDate"] == date);
            assert!(expected.is_subset(&same_date), "{case}");
            if case["family"].is_null() {
                assert_eq!(same_date, expected, "{case}");
            }
        }
        if let Some(system) = case["identifierSystem"].as_str() {
            constrained = true;
            assert_eq!(
                matching(&|p| identifiers(p, system).next().is_some()),
                expected,
                "{case}"
            );
        }
        if let Some(count) = case["minAddresses"].as_u64() {
            constrained = true;
            let many = matching(&|p| p["address"].as_array().map_or(0, Vec::len) as u64 >= count);
            assert_eq!(many, expected, "{case}");
        }
        if case["distinctGenders"] == true {
            let genders: BTreeSet<&str> = patients
                .iter()
                .filter(|p| expected.contains(p["id"].as_str().unwrap()))
                .map(|p| p["gender"].as_str().unwrap())
                .collect();
            assert_eq!(genders.len(), expected.len(), "{case}: genders must differ");
        }
        assert!(
            constrained,
            "search case states no checkable property: {case}"
        );
    }
}

/// The MHD suite checks the retrieved document against the size and SHA-1 of the document
/// it provides (inputs `document_size`, `document_sha1`): they must be those of the Binary in
/// its Provide bundle, and the bundle's DocumentReference must state the same.
#[test]
fn the_mhd_suite_knows_the_size_and_sha1_of_the_document_it_provides() {
    use base64::Engine as _;
    use sha1::Digest as _;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loaded = samsvar_suite::load(root.join("testsuites/mhd")).unwrap();
    let default = |name: &str| {
        loaded.suite.inputs[name]
            .default
            .clone()
            .unwrap_or_else(|| panic!("input {name} has no default"))
    };
    let bundle: Value = serde_json::from_slice(
        &std::fs::read(root.join("testsuites/mhd/fixtures/provide-lab-report.json")).unwrap(),
    )
    .unwrap();
    let resource = |rt: &str| {
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["resource"])
            .find(|r| r["resourceType"] == rt)
            .unwrap_or_else(|| panic!("no {rt} in the provide bundle"))
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let data = b64.decode(str_at(resource("Binary"), "data")).unwrap();
    let sha1 = b64.encode(sha1::Sha1::digest(&data));
    assert_eq!(default("document_size"), data.len().to_string());
    assert_eq!(default("document_sha1"), sha1);
    let attachment = &resource("DocumentReference")["content"][0]["attachment"];
    assert_eq!(attachment["size"], data.len());
    assert_eq!(attachment["hash"], sha1);
}
