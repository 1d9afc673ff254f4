#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The native evaluator: what it answers, what it leaves to the engine, and that the two
//! agree where both answer.

use samsvar_fhirpath::{Expression, Variables};
use serde_json::{Value, json};

fn observation() -> Value {
    json!({
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "valueQuantity": {"value": 72, "unit": "/min"},
        "effectivePeriod": {"start": "2024-01-02", "end": "2024-01-03"},
        "component": [
            {"code": {"text": "a"}, "valueString": "x"},
            {"code": {"text": "b"}}
        ],
        "note": [{"text": "one", "_text": {"extension": [{"url": "u", "valueBoolean": true}]}}],
        "contained": [{"resourceType": "Patient", "id": "p"}]
    })
}

/// The native answer, which must exist and equal the engine's.
fn native(src: &str) -> Vec<Value> {
    let input = observation();
    let mut vars = Variables::new();
    vars.insert_ref("resource", &input);
    let expr = Expression::parse(src).unwrap();
    let answer = expr
        .evaluate_natively(&input, &vars)
        .unwrap_or_else(|| panic!("`{src}` should be answered natively"));
    let reference = expr.evaluate_by_engine(&input, &vars).unwrap();
    // The engine reads every Quantity.value as a decimal (72.0); natively it stays the
    // number the payload holds (72). Equal as FHIRPath values.
    assert_eq!(
        as_f64(&answer),
        as_f64(&reference),
        "`{src}`: native and engine differ"
    );
    answer
}

fn as_f64(values: &[Value]) -> Vec<Value> {
    values
        .iter()
        .map(|v| match v.as_f64() {
            Some(f) if v.is_number() => json!(f),
            _ => v.clone(),
        })
        .collect()
}

fn deferred(src: &str) -> bool {
    let input = observation();
    let expr = Expression::parse(src).unwrap();
    expr.evaluate_natively(&input, &Variables::new()).is_none()
}

#[test]
fn navigation_finds_choices_primitive_extensions_and_the_type_name() {
    assert_eq!(native("value.value"), [json!(72)]);
    assert_eq!(native("Observation.status"), [json!("final")]);
    assert_eq!(native("component.value"), [json!("x")]);
    // The engine does not reach a primitive's extensions in its `_text` sibling; the
    // spec says `text.extension` does.
    let input = observation();
    let ext = Expression::parse("note.text.extension.url").unwrap();
    assert_eq!(
        ext.evaluate_natively(&input, &Variables::new()),
        Some(vec![json!("u")])
    );
    assert_eq!(native("note.text.hasValue()"), [json!(true)]);
    assert_eq!(native("contained.id"), [json!("p")]);
    assert_eq!(native("value is Quantity"), [json!(true)]);
    assert_eq!(native("contained.first() is Patient"), [json!(true)]);
    assert_eq!(native("contained.ofType(Organization).count()"), [json!(0)]);
}

#[test]
fn three_valued_logic() {
    assert_eq!(
        native("missing.exists() and status = 'final'"),
        [json!(false)]
    );
    assert_eq!(native("missing = 1 or status = 'final'"), [json!(true)]);
    assert_eq!(
        native("missing = 1 and status = 'final'"),
        Vec::<Value>::new()
    );
    assert_eq!(native("missing = 1 implies false"), Vec::<Value>::new());
    assert_eq!(native("status = 'x' implies missing = 1"), [json!(true)]);
    assert_eq!(native("(status = 'final') xor (id = 'o1')"), [json!(false)]);
}

#[test]
fn iteration_sees_this_index_and_resource() {
    assert_eq!(
        native("component.where(code.text = 'b').code.text"),
        [json!("b")]
    );
    assert_eq!(native("component.select($index)"), [json!(0), json!(1)]);
    assert_eq!(
        native("component.all(%resource.status = 'final')"),
        [json!(true)]
    );
    assert_eq!(
        native("contained.where(('#' + id) in ('#p' | '#q')).count()"),
        [json!(1)]
    );
    assert_eq!(
        native("code.coding.code.matches('^[0-9]+-[0-9]$')"),
        [json!(true)]
    );
    assert_eq!(
        native("effective.start <= effective.end"),
        [json!(true)],
        "dates of the same shape compare as text"
    );
}

#[test]
fn what_needs_types_or_dates_goes_to_the_engine() {
    assert!(deferred("effective.start < @2025-01-01"), "date literal");
    assert!(
        deferred("effective.start < '2024-01'"),
        "dates of different precision"
    );
    assert!(deferred("value > 10 'min'"), "quantity literal");
    assert!(deferred("value is Age"), "profiles of Quantity");
    assert!(
        deferred("status is string"),
        "primitive type without a model"
    );
    assert!(
        deferred("today() > @2000-01-01"),
        "clock and date arithmetic"
    );
    assert!(deferred("1.8 - 1.2 = 0.6"), "decimal arithmetic");
    assert!(
        deferred("component.where(code)"),
        "criterion that is not a boolean"
    );
    // Deferred, and still answered: through the engine.
    let expr = Expression::parse("effective.start < @2025-01-01").unwrap();
    assert_eq!(expr.evaluate(&observation()).unwrap(), [json!(true)]);
}
