//! Engine values → the JSON values of samsvar's interface.

use rh_fhirpath::FhirPathValue;
use serde_json::{Number, Value, json};

/// Appends `value` (flattening collections) to `out` as JSON.
pub(crate) fn push_json(value: &FhirPathValue, out: &mut Vec<Value>) {
    match value {
        FhirPathValue::Empty => {}
        FhirPathValue::Collection(items) | FhirPathValue::UnorderedCollection(items) => {
            for item in items {
                push_json(item, out);
            }
        }
        FhirPathValue::FhirPrimitive { inner, .. } => push_json(inner, out),
        FhirPathValue::Number(d) => out.push(decimal(&d.to_string())),
        FhirPathValue::Quantity { value, unit } => {
            let mut q = json!({ "value": decimal(&value.to_string()) });
            if let Some(unit) = unit {
                q["unit"] = Value::String(unit.clone());
            }
            out.push(q);
        }
        FhirPathValue::Date(s) | FhirPathValue::DateTime(s) | FhirPathValue::Time(s) => {
            out.push(Value::String(temporal(s)))
        }
        FhirPathValue::TypedDateTime { value, .. } => out.push(Value::String(temporal(value))),
        // A precision keyword on its own (`year`, `month`…) only means something as an
        // argument; as a result it reads best as its name.
        FhirPathValue::DateTimePrecision(p) => {
            out.push(Value::String(format!("{p:?}").to_lowercase()))
        }
        other => out.push(other.to_json()),
    }
}

/// `@2014-01-01T10:00` and `@T10:00` literals come back like FHIR JSON writes them.
fn temporal(s: &str) -> String {
    let s = s.strip_prefix('@').unwrap_or(s);
    s.strip_prefix('T').unwrap_or(s).to_string()
}

/// A decimal as a JSON number (f64: trailing zeros and digits past ~15 are not kept).
fn decimal(text: &str) -> Value {
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or_else(|| Value::String(text.to_string()), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_flatten_and_empty_vanishes() {
        let v = FhirPathValue::Collection(vec![
            FhirPathValue::Integer(1),
            FhirPathValue::Empty,
            FhirPathValue::Collection(vec![FhirPathValue::Boolean(true)]),
        ]);
        let mut out = Vec::new();
        push_json(&v, &mut out);
        assert_eq!(out, vec![json!(1), json!(true)]);
    }

    #[test]
    fn temporals_lose_their_literal_markers() {
        assert_eq!(temporal("@2014-01-01T10:00"), "2014-01-01T10:00");
        assert_eq!(temporal("@T10:00"), "10:00");
        assert_eq!(temporal("1974-12-25"), "1974-12-25");
    }
}
