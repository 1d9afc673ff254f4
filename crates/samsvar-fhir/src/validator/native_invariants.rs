//! Invariants checked in Rust instead of FHIRPath, where FHIRPath without the FHIR type
//! model cannot evaluate the published expression (see docs/validator.md).

use serde_json::Value;
use std::collections::HashSet;

/// `Some(holds)` for an invariant checked here, `None` for one left to FHIRPath.
pub(crate) fn holds(key: &str, input: &Value) -> Option<bool> {
    match key {
        "ext-1" => Some(ext_1(input)),
        "dom-3" => Some(dom_3(input)),
        _ => None,
    }
}

/// ext-1: an extension has nested extensions or a value (`valueX`, or `_valueX` holding
/// only extensions), not both and not neither. (FHIRPath misses the `_valueX` case.)
fn ext_1(input: &Value) -> bool {
    let Value::Object(obj) = input else {
        return true;
    };
    let nested = obj
        .get("extension")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    let valued = obj.keys().any(|k| {
        k.trim_start_matches('_')
            .strip_prefix("value")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
    });
    nested != valued
}

/// dom-3: every contained resource is referred to from elsewhere in the resource
/// (`#id` in a reference, canonical, uri or url), or itself refers to its container
/// (`#`). The published expression needs `as(canonical)` over a collection, which the
/// FHIRPath engine refuses; without the type model every string value stands in for
/// those four types (a non-URI string that is exactly `#id` is not a realistic case).
fn dom_3(input: &Value) -> bool {
    let Some(contained) = input.get("contained").and_then(Value::as_array) else {
        return true;
    };
    if contained.is_empty() {
        return true;
    }
    let mut everywhere = HashSet::new();
    strings(input, &mut everywhere);
    contained.iter().all(|c| {
        let Some(id) = c.get("id").and_then(Value::as_str) else {
            // `'#' + id` is empty: the expression does not select this one.
            return true;
        };
        if everywhere.contains(format!("#{id}").as_str()) {
            return true;
        }
        let mut inside = HashSet::new();
        strings(c, &mut inside);
        inside.contains("#")
    })
}

/// Every string value under `v` (object keys excluded).
fn strings<'a>(v: &'a Value, out: &mut HashSet<&'a str>) {
    match v {
        Value::String(s) => {
            out.insert(s);
        }
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::holds;
    use serde_json::json;

    #[test]
    fn dom_3_needs_a_reference_to_each_contained_resource() {
        let referenced = json!({
            "resourceType": "Observation",
            "contained": [{"resourceType": "Patient", "id": "p"}],
            "subject": {"reference": "#p"}
        });
        assert_eq!(holds("dom-3", &referenced), Some(true));
        let orphan = json!({
            "resourceType": "Observation",
            "contained": [{"resourceType": "Patient", "id": "p"}],
            "subject": {"reference": "Patient/p"}
        });
        assert_eq!(holds("dom-3", &orphan), Some(false));
        let back = json!({
            "resourceType": "Observation",
            "contained": [{"resourceType": "Provenance", "id": "v", "target": [{"reference": "#"}]}]
        });
        assert_eq!(holds("dom-3", &back), Some(true), "refers to its container");
        let canonical = json!({
            "resourceType": "Questionnaire",
            "contained": [{"resourceType": "ValueSet", "id": "vs"}],
            "item": [{"answerValueSet": "#vs"}]
        });
        assert_eq!(holds("dom-3", &canonical), Some(true));
        assert_eq!(
            holds("dom-3", &json!({"resourceType": "Patient"})),
            Some(true)
        );
    }

    #[test]
    fn ext_1_needs_a_value_or_nested_extensions_not_both() {
        assert_eq!(
            holds("ext-1", &json!({"url": "u", "valueString": "x"})),
            Some(true)
        );
        assert_eq!(
            holds(
                "ext-1",
                &json!({"url": "u", "_valueString": {"extension": []}})
            ),
            Some(true)
        );
        assert_eq!(holds("ext-1", &json!({"url": "u"})), Some(false));
        assert_eq!(
            holds(
                "ext-1",
                &json!({"url": "u", "valueString": "x", "extension": [{"url": "v"}]})
            ),
            Some(false)
        );
        assert_eq!(holds("pat-1", &json!({})), None);
    }
}
