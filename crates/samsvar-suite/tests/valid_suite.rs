//! A full-featured valid suite (the example in docs/suite-language.md) parses into the
//! expected model.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_suite::model::*;
use std::path::Path;

const EXAMPLE: &str = "tests/cases/valid/example";

fn tests_of(group: &Group) -> Vec<&Test> {
    let mut out = Vec::new();
    for item in &group.items {
        match item {
            Item::Test(t) => out.push(t),
            Item::Group(g) => out.extend(tests_of(g)),
        }
    }
    out
}

fn test<'s>(suite: &'s Suite, id: &str) -> &'s Test {
    tests_of(&suite.root)
        .into_iter()
        .find(|t| t.id.value == id)
        .unwrap()
}

fn needs(t: &Test) -> Vec<&str> {
    t.needs.iter().map(|n| n.value.as_str()).collect()
}

fn request(step: &Step) -> &HttpRequest {
    let Action::Http(r) = &step.action else {
        panic!("expected an HTTP step")
    };
    r
}

#[test]
fn example_loads_without_diagnostics() {
    let loaded = samsvar_suite::load(EXAMPLE)
        .map_err(|e| e.render())
        .unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let s = &loaded.suite;
    assert_eq!(s.meta.id.value, "fhir-rest-basics");
    assert_eq!(s.meta.version, "1.0.0");
    assert_eq!(
        s.meta.ehds,
        Some(EhdsMapping {
            component: EhdsComponent::Interoperability,
            category: Some(PriorityCategory::PatientSummary)
        })
    );
    assert_eq!(s.targets["fhir"].kind, TargetKind::Fhir);
    assert_eq!(s.inputs["family"].default.as_deref(), Some("Nordmann"));
    assert_eq!(s.setup.len(), 1);
    assert_eq!(s.teardown.len(), 1);
    assert_eq!(s.base_dir, Path::new(EXAMPLE));
    assert_eq!(s.fixtures.len(), 2, "{:?}", s.fixtures);
    // Spans point into the file: the suite id is on line 3.
    assert_eq!(
        loaded.sources.location(s.meta.id.span),
        format!("{EXAMPLE}/suite.yaml:3:7")
    );
}

#[test]
fn dependencies_are_explicit_and_inferred() {
    let s = samsvar_suite::load(EXAMPLE).unwrap().suite;
    assert_eq!(needs(test(&s, "create-patient")), Vec::<&str>::new());
    // Inferred from {{patient_id}}, captured by create-patient.
    assert_eq!(needs(test(&s, "read-patient")), ["create-patient"]);
    // Explicit first, then inferred.
    assert_eq!(
        needs(test(&s, "update-patient")),
        ["read-patient", "create-patient"]
    );
    assert_eq!(needs(test(&s, "profile-conformance")), ["create-patient"]);
    assert_eq!(needs(test(&s, "unknown-id")), Vec::<&str>::new());
}

#[test]
fn requirements_and_ehds_are_inherited() {
    let s = samsvar_suite::load(EXAMPLE).unwrap().suite;
    let ids = |t: &Test| {
        t.verifies
            .iter()
            .map(|v| v.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(test(&s, "create-patient")),
        ["FHIR-R4-HTTP", "FHIR-R4-HTTP-crud"]
    );
    assert_eq!(
        ids(test(&s, "unknown-id")),
        ["FHIR-R4-HTTP-read-404", "FHIR-R4-HTTP"]
    );
    assert!(test(&s, "profile-conformance").optional);
    assert_eq!(test(&s, "read-patient").ehds, s.meta.ehds);
}

#[test]
fn requests_know_their_target_method_and_body() {
    let s = samsvar_suite::load(EXAMPLE).unwrap().suite;
    let create = request(&test(&s, "create-patient").steps[0]);
    assert_eq!(create.method.value, "POST");
    assert_eq!(create.target.as_ref().unwrap().value, "fhir");
    assert_eq!(create.headers.len(), 2);
    match &create.body {
        Some(Body::File {
            path,
            templated,
            resolved,
        }) => {
            assert_eq!(path.value, Path::new("fixtures/patient.json"));
            assert!(*templated);
            assert!(resolved.is_file());
        }
        other => panic!("expected a file body, got {other:?}"),
    }
    let search = request(&test(&s, "search-patient").steps[0]);
    assert_eq!(search.query.len(), 2);
    let update = request(&test(&s, "update-patient").steps[0]);
    assert!(matches!(
        update.body,
        Some(Body::Json(JsonTemplate::Object(_)))
    ));
    let short = request(&test(&s, "capability-statement").steps[0]);
    assert_eq!(short.method.value, "GET");
    assert_eq!(
        short.url.parts,
        [
            TemplatePart::Var {
                name: "fhir".into(),
                span: short
                    .url
                    .parts
                    .first()
                    .map(|p| match p {
                        TemplatePart::Var { span, .. } => *span,
                        _ => Default::default(),
                    })
                    .unwrap()
            },
            TemplatePart::Literal("/metadata".into())
        ]
    );
}

#[test]
fn captures_and_assertions_are_typed() {
    let s = samsvar_suite::load(EXAMPLE).unwrap().suite;
    let step = &test(&s, "create-patient").steps[0];
    assert!(matches!(&step.captures[0].source, CaptureSource::FhirPath(e) if e.value == "id"));
    assert!(matches!(&step.captures[1].source, CaptureSource::Header(h) if h.value == "Location"));
    let kinds: Vec<&AssertionKind> = test(&s, "capability-statement").steps[0]
        .assertions
        .iter()
        .map(|a| &a.kind)
        .collect();
    assert!(matches!(kinds[0], AssertionKind::Status(c) if c == &[200]));
    assert!(matches!(kinds[1], AssertionKind::ContentType(_)));
    assert!(matches!(kinds[2], AssertionKind::FhirPathTrue(_)));
    assert!(
        matches!(kinds[3], AssertionKind::FhirPathValue { check: ValueCheck::Matches(m), .. } if samsvar_suite::template_from_str("^4\\.0\\.").parts == m.parts)
    );
    assert!(matches!(kinds[4], AssertionKind::ResponseTimeUnder(2000)));
    let read = &test(&s, "read-patient").steps[0].assertions;
    assert!(
        matches!(&read[3].kind, AssertionKind::JsonSchema { resolved, .. } if resolved.is_file())
    );
    let conf = &test(&s, "profile-conformance").steps[0].assertions[0].kind;
    assert!(
        matches!(conf, AssertionKind::ConformsTo { profile, each: None, .. } if profile.value.ends_with("Patient-uv-ips"))
    );
}

/// The whole model, as JSON (spans are not serialised), is a golden file.
#[test]
fn example_model_snapshot() {
    let s = samsvar_suite::load(EXAMPLE).unwrap().suite;
    insta::assert_json_snapshot!("example_model", s);
}

/// The example in docs/suite-language.md is the file tested here, word for word.
#[test]
fn docs_example_is_the_tested_suite() {
    let doc = std::fs::read_to_string("../../docs/suite-language.md").unwrap();
    let section = doc.split("## A complete example").nth(1).unwrap();
    let block = section
        .split("```yaml\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let file = std::fs::read_to_string(format!("{EXAMPLE}/suite.yaml")).unwrap();
    assert_eq!(
        block, file,
        "update tests/cases/valid/example/suite.yaml from the docs example (or vice versa)"
    );
}

#[test]
fn security_checks_are_typed() {
    let s = samsvar_suite::load(EXAMPLE).unwrap().suite;
    let t = test(&s, "access-control");
    assert_eq!(needs(t), ["create-patient"]);
    let [no_token, narrow, probe] = t.steps.as_slice() else {
        panic!("three steps: {:?}", t.steps)
    };
    assert_eq!(
        request(no_token).auth.as_ref().map(|a| &a.value),
        Some(&RequestAuth::None)
    );
    let Some(Spanned {
        value: RequestAuth::Scope(scope),
        ..
    }) = &request(narrow).auth
    else {
        panic!("a scope override: {:?}", request(narrow).auth)
    };
    assert_eq!(
        scope.parts,
        [TemplatePart::Literal("system/Observation.rs".into())]
    );
    let Action::Tls(tls) = &probe.action else {
        panic!("a TLS probe: {:?}", probe.action)
    };
    assert_eq!(tls.offer.value, LegacyTls::Tls11);
    // The suite's only target is filled in by the checker.
    assert_eq!(tls.target.as_ref().map(|t| t.value.as_str()), Some("fhir"));
    assert!(matches!(
        probe.assertions[0].kind,
        AssertionKind::Tls(TlsExpectation::Refused)
    ));
}

/// The checks added for honest verdicts load, and `%name` in FHIRPath makes a test need
/// the test that captures the variable, as `{{name}}` does.
#[test]
fn variables_in_fhirpath_comparisons_and_conforms_each_load() {
    let text = r#"
suite: { id: additions, version: "1", title: additions, verifies: [REQ-1] }
targets: { fhir: { kind: fhir } }
tests:
  - id: create
    steps:
      - request:
          method: POST
          url: "{{fhir}}/Patient"
          json: { resourceType: Patient, identifier: [{ system: "urn:samsvar:run", value: "{{$run_id}}-{{$uuid}}" }] }
        capture:
          decoy: { fhirpath: id }
          version: { fhirpath: meta.versionId }
  - id: search
    steps:
      - request: GET {{fhir}}/Patient?identifier=urn:samsvar:run|{{$run_id}}
        assert:
          - fhirpath: { expr: "entry.resource.where(id = %decoy)", exists: false }
          - fhirpath: { expr: "entry.count()", at_least: 1 }
          - fhirpath: { expr: "entry.first().resource.meta.versionId", not_equals: "{{version}}" }
          - header: { name: Content-Location, matches: '/Patient/{{decoy}}/_history/' }
          - conforms_to: { profile: http://hl7.org/fhir/StructureDefinition/Patient, each: entry.resource }
"#;
    let checked = samsvar_suite::check_source(Path::new("additions.yaml"), text.to_string());
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let suite = checked.suite.unwrap();
    let search = suite.root.tests()[1].clone();
    assert_eq!(
        search
            .needs
            .iter()
            .map(|n| n.value.as_str())
            .collect::<Vec<_>>(),
        ["create"],
        "`%decoy` is create's capture"
    );
    let kinds: Vec<&AssertionKind> = search.steps[0].assertions.iter().map(|a| &a.kind).collect();
    assert!(matches!(
        kinds[1],
        AssertionKind::FhirPathValue {
            check: ValueCheck::Compare(samsvar_suite::model::Ordering::AtLeast, _),
            ..
        }
    ));
    assert!(matches!(
        kinds[2],
        AssertionKind::FhirPathValue {
            check: ValueCheck::NotEquals(_),
            ..
        }
    ));
    assert!(
        matches!(kinds[4], AssertionKind::ConformsTo { each: Some(e), .. } if e.value == "entry.resource")
    );
}

#[test]
fn declared_packages_are_pinned_specs_or_resolved_paths() {
    let loaded = samsvar_suite::load("../../testsuites/ips")
        .map_err(|e| e.render())
        .unwrap();
    let specs: Vec<(String, Option<std::path::PathBuf>)> = loaded
        .suite
        .packages
        .iter()
        .map(|p| (p.install_spec(), p.path.clone()))
        .collect();
    assert_eq!(specs, [("hl7.fhir.uv.ips@2.0.0".to_string(), None)]);

    // A local package resolves against the suite folder.
    let local = PackageRef {
        spec: Spanned::new("pkg/acme.tgz".to_string(), loaded.suite.meta.id.span),
        path: Some(Path::new("suites/x/pkg/acme.tgz").to_path_buf()),
    };
    assert_eq!(local.install_spec(), "suites/x/pkg/acme.tgz");
}

/// `description:` stands next to a check like `level` and `verifies`; it is a template,
/// and its variables are checked (and make tests need each other) like any other.
#[test]
fn assertion_descriptions_are_templates() {
    let text = r#"
suite: { id: described, version: "1", title: described, verifies: [REQ-1] }
targets: { fhir: { kind: fhir } }
tests:
  - id: create
    steps:
      - request: { method: POST, url: "{{fhir}}/Patient", json: { resourceType: Patient } }
        capture:
          pid: { fhirpath: id }
  - id: audit
    steps:
      - request: GET {{fhir}}/AuditEvent
        assert:
          - fhirpath: "entry.resource.where(action = 'R').exists()"
            level: should
            verifies: [REQ-2]
            description: "an audit record for the read of Patient/{{pid}}"
          - status: 200
"#;
    let checked = samsvar_suite::check_source(Path::new("described.yaml"), text.to_string());
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let suite = checked.suite.unwrap();
    let audit = &suite.root.tests()[1];
    assert_eq!(audit.needs.len(), 1, "`{{{{pid}}}}` is create's capture");
    assert_eq!(audit.needs[0].value, "create");
    let [described, plain] = audit.steps[0].assertions.as_slice() else {
        panic!("two assertions")
    };
    assert!(matches!(described.kind, AssertionKind::FhirPathTrue(_)));
    assert_eq!(
        described.level.as_ref().map(|l| l.value),
        Some(Level::Should)
    );
    let parts = &described.description.as_ref().unwrap().parts;
    assert_eq!(
        parts[0],
        TemplatePart::Literal("an audit record for the read of Patient/".into())
    );
    assert!(matches!(&parts[1], TemplatePart::Var { name, .. } if name == "pid"));
    assert!(plain.description.is_none());

    // A variable nobody defines is reported like anywhere else.
    let undefined = text.replace("Patient/{{pid}}", "Patient/{{nobody}}");
    let checked = samsvar_suite::check_source(Path::new("described.yaml"), undefined);
    assert!(
        checked
            .diagnostics
            .iter()
            .any(|d| d.rule == "undefined-variable"),
        "{:#?}",
        checked.diagnostics
    );
}
