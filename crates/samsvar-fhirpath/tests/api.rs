#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The public interface of samsvar-fhirpath, exercised on a small Patient.

use samsvar_fhirpath::{Expression, Variables, as_boolean, display, singleton_boolean};
use serde_json::{Value, json};

fn patient() -> Value {
    json!({
        "resourceType": "Patient",
        "id": "p1",
        "active": true,
        "name": [
            {"use": "official", "family": "Nordmann", "given": ["Ola", "Johan"]},
            {"use": "nickname", "given": ["Olle"]}
        ],
        "telecom": [
            {"system": "phone", "value": "+47 22 00 00 00", "rank": 1},
            {"system": "email", "value": "ola@example.org"}
        ],
        "birthDate": "1980-05-17",
        "multipleBirthInteger": 2,
        "contact": [{"name": {"family": "Nordmann"}}]
    })
}

fn eval(src: &str) -> Vec<Value> {
    Expression::parse(src)
        .unwrap_or_else(|e| panic!("`{src}` should parse: {e}"))
        .evaluate(&patient())
        .unwrap_or_else(|e| panic!("`{src}` should evaluate: {e}"))
}

#[test]
fn property_on_arrays_flattens() {
    assert_eq!(
        eval("name.given"),
        vec![json!("Ola"), json!("Johan"), json!("Olle")]
    );
    assert_eq!(eval("Patient.name.family"), vec![json!("Nordmann")]);
}

#[test]
fn primitives_come_back_as_json_primitives() {
    assert_eq!(eval("active"), vec![json!(true)]);
    assert_eq!(eval("multipleBirthInteger"), vec![json!(2)]);
    assert_eq!(eval("birthDate"), vec![json!("1980-05-17")]);
    assert_eq!(eval("1 + 2"), vec![json!(3)]);
    assert_eq!(eval("'a' + 'b'"), vec![json!("ab")]);
}

#[test]
fn complex_elements_come_back_as_objects() {
    let names = eval("name.where(use = 'nickname')");
    assert_eq!(names, vec![json!({"use": "nickname", "given": ["Olle"]})]);
}

#[test]
fn where_exists_count_and_functions() {
    assert_eq!(
        eval("telecom.where(system = 'email').value"),
        vec![json!("ola@example.org")]
    );
    assert_eq!(
        eval("telecom.where(system = 'fax').exists()"),
        vec![json!(false)]
    );
    assert_eq!(eval("name.exists()"), vec![json!(true)]);
    assert_eq!(eval("name.given.count()"), vec![json!(3)]);
    assert_eq!(eval("name.first().given.first()"), vec![json!("Ola")]);
    assert_eq!(eval("name.given.distinct().count() = 3"), vec![json!(true)]);
    assert_eq!(eval("telecom.all(value.exists())"), vec![json!(true)]);
    assert_eq!(eval("name.family.startsWith('Nord')"), vec![json!(true)]);
    assert_eq!(eval("birthDate < @2000-01-01"), vec![json!(true)]);
    assert_eq!(eval("missing.element"), Vec::<Value>::new());
}

#[test]
fn invariants_as_booleans() {
    let x = Expression::parse("contact.all(name.exists() or telecom.exists())").unwrap();
    assert_eq!(as_boolean(&x.evaluate(&patient()).unwrap()), Some(true));
    let y = Expression::parse("gender.exists()").unwrap();
    assert_eq!(as_boolean(&y.evaluate(&patient()).unwrap()), Some(false));
}

#[test]
fn singleton_boolean_rules() {
    assert_eq!(as_boolean(&[]), None);
    assert_eq!(as_boolean(&[json!(true)]), Some(true));
    assert_eq!(as_boolean(&[json!(false)]), Some(false));
    assert_eq!(as_boolean(&[json!("x")]), Some(true));
    assert_eq!(as_boolean(&[json!(1), json!(2)]), None);
    assert!(singleton_boolean(&[json!(1), json!(2)]).is_err());
}

#[test]
fn display_unquotes_strings_only() {
    assert_eq!(display(&json!("abc")), "abc");
    assert_eq!(display(&json!(1.5)), "1.5");
    assert_eq!(display(&json!(true)), "true");
    assert_eq!(display(&json!({"a": 1})), r#"{"a":1}"#);
}

#[test]
fn environment_variables() {
    let x = Expression::parse("name.where(use = %wanted).given").unwrap();
    let mut vars = Variables::new();
    vars.insert("wanted", json!("nickname"));
    assert_eq!(
        x.evaluate_with(&patient(), &vars).unwrap(),
        vec![json!("Olle")]
    );

    let threshold = Expression::parse("multipleBirthInteger > %min").unwrap();
    let mut vars = Variables::new();
    vars.insert("min", json!(1));
    assert_eq!(
        threshold.evaluate_with(&patient(), &vars).unwrap(),
        vec![json!(true)]
    );
}

#[test]
fn spec_constants_and_undefined_variables() {
    assert_eq!(eval("%ucum"), vec![json!("http://unitsofmeasure.org")]);
    assert_eq!(eval("%loinc"), vec![json!("http://loinc.org")]);
    // The engine treats an undefined %name as empty (documented in docs/design/fhirpath.md).
    assert_eq!(eval("%undefined.exists()"), vec![json!(false)]);
}

#[test]
fn resource_variables_default_to_the_input() {
    for src in ["%resource.id", "%rootResource.id", "%context.id"] {
        assert_eq!(eval(src), vec![json!("p1")], "{src}");
    }
    // An explicit %resource wins (invariants on nested elements).
    let x = Expression::parse("%resource.id").unwrap();
    let mut vars = Variables::new();
    vars.insert(
        "resource",
        json!({"resourceType": "Patient", "id": "outer"}),
    );
    let family = json!({"family": "x"});
    assert_eq!(
        x.evaluate_with(&family, &vars).unwrap(),
        vec![json!("outer")]
    );
}

#[test]
fn syntax_errors_point_at_the_offending_byte() {
    let cases: &[(&str, usize)] = &[
        ("name.given +", 11),
        ("name..given", 4),
        ("name.where(use = 'official'", 10),
        ("name.given 'x'", 11),
        ("name /* note */ ..given", 16),
    ];
    for (src, offset) in cases {
        let err = Expression::parse(src).expect_err(src);
        assert_eq!(err.offset, *offset, "offset for `{src}`: {err:?}");
        assert!(err.offset <= src.len());
        assert!(!err.message.is_empty());
    }
}

#[test]
fn empty_and_garbage_input_are_errors_not_panics() {
    assert!(Expression::parse("").is_err());
    assert!(Expression::parse("   ").is_err());
    assert!(Expression::parse("((((").is_err());
    assert!(Expression::parse("'unterminated").is_err());
    let deep = "(".repeat(5000) + "1" + &")".repeat(5000);
    let _ = Expression::parse(&deep); // must not overflow the stack
}

#[test]
fn expressions_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<Expression>();
    let x = Expression::parse("name.given.count()").unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let x = x.clone();
            std::thread::spawn(move || {
                (0..100)
                    .map(|_| x.evaluate(&patient()).unwrap())
                    .all(|r| r == vec![json!(3)])
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap());
    }
    assert_eq!(x.source(), "name.given.count()");
}

#[test]
fn evaluation_errors_are_reported() {
    // Singleton expected, collection given: an execution error per spec.
    let x = Expression::parse("name.given + 'x'").unwrap();
    assert!(x.evaluate(&patient()).is_err());
}

/// `element.matches('…')` takes a fast path with a regex compiled once; its answers must be
/// the engine's (`(element).matches('…')` is the same expression the engine evaluates).
#[test]
fn the_matches_fast_path_agrees_with_the_engine() {
    let pattern = r#"'[A-Za-z][A-Za-z0-9]*(\\.[a-z][A-Za-z0-9]*(\\[x])?)*'"#;
    let fast = Expression::parse(&format!("path.matches({pattern})")).unwrap();
    let engine = Expression::parse(&format!("(path).matches({pattern})")).unwrap();
    let inputs = [
        json!({ "path": "Patient.name" }),
        json!({ "path": "Observation.value[x]" }),
        json!({ "path": "9Patient" }),
        json!({ "path": "" }),
        json!({ "path": "line1\nline2" }),
        json!({ "other": "Patient" }),
        json!({ "path": ["Patient", "Observation"] }),
        json!("Patient"),
    ];
    for input in inputs {
        let a = fast.evaluate(&input).map_err(|e| e.to_string());
        let b = engine.evaluate(&input).map_err(|e| e.to_string());
        assert_eq!(a.is_ok(), b.is_ok(), "{input}: {a:?} vs {b:?}");
        if let (Ok(a), Ok(b)) = (a, b) {
            assert_eq!(a, b, "{input}");
        }
    }
}

/// Parts that read only variables are evaluated once per `Variables` and remembered; a
/// changed variable is read afresh, and the answers are those of the plain expression.
#[test]
fn remembered_variable_parts_follow_the_variables() {
    let expr = Expression::parse("name.given.all(%resource.name.given contains $this)").unwrap();
    let unhoistable =
        Expression::parse("name.given.all($this.select(%resource).name.given contains $this)")
            .unwrap();
    let mut vars = Variables::new();
    vars.insert(
        "resource",
        json!({ "name": [{ "given": ["Kari", "Ola"] }] }),
    );
    let input = json!({ "name": [{ "given": ["Kari"] }] });
    for _ in 0..2 {
        assert_eq!(expr.evaluate_with(&input, &vars).unwrap(), [json!(true)]);
    }
    vars.insert("resource", json!({ "name": [{ "given": ["Per"] }] }));
    assert_eq!(expr.evaluate_with(&input, &vars).unwrap(), [json!(false)]);
    assert_eq!(
        unhoistable.evaluate_with(&input, &vars).unwrap(),
        expr.evaluate_with(&input, &vars).unwrap()
    );
    // Without %resource set it defaults to the input, which differs per call.
    let none = Variables::new();
    assert_eq!(expr.evaluate_with(&input, &none).unwrap(), [json!(true)]);
    let other = json!({ "name": [{ "given": ["Per", "Kari"] }] });
    assert_eq!(expr.evaluate_with(&other, &none).unwrap(), [json!(true)]);
}
