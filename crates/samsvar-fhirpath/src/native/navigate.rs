//! Moving through the borrowed input: members, choice elements, children, descendants.

use serde_json::{Map, Value};

use super::item::Item;

/// The FHIR R4 data types a choice element (`value[x]`) can carry, as its JSON key
/// suffix. Limiting choice lookup to these keeps `binding.value` from finding `valueSet`.
const CHOICE_TYPES: &[&str] = &[
    "Base64Binary",
    "Boolean",
    "Canonical",
    "Code",
    "Date",
    "DateTime",
    "Decimal",
    "Id",
    "Instant",
    "Integer",
    "Markdown",
    "Oid",
    "PositiveInt",
    "String",
    "Time",
    "UnsignedInt",
    "Uri",
    "Url",
    "Uuid",
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "CodeableConcept",
    "Coding",
    "ContactPoint",
    "Count",
    "Distance",
    "Duration",
    "HumanName",
    "Identifier",
    "Money",
    "Period",
    "Quantity",
    "Range",
    "Ratio",
    "Reference",
    "SampledData",
    "Signature",
    "Timing",
    "ContactDetail",
    "Contributor",
    "DataRequirement",
    "Expression",
    "ParameterDefinition",
    "RelatedArtifact",
    "TriggerDefinition",
    "UsageContext",
    "Dosage",
    "Meta",
];

/// Appends the `name` children of `item` to `out`.
pub(super) fn member<'a>(item: &Item<'a>, name: &str, out: &mut Vec<Item<'a>>) {
    match item {
        Item::Node {
            value: Some(Value::Object(obj)),
            ..
        } => {
            if obj.get("resourceType").and_then(Value::as_str) == Some(name) {
                // `Patient.name` on a Patient: the type name selects the resource itself.
                out.push(item.clone());
            } else {
                object_member(obj, name, out);
            }
        }
        // A primitive's own children (`id`, `extension`) live in its `_name` sibling.
        Item::Node {
            shadow: Some(Value::Object(shadow)),
            ..
        } => object_member(shadow, name, out),
        _ => {}
    }
}

fn object_member<'a>(obj: &'a Map<String, Value>, name: &str, out: &mut Vec<Item<'a>>) {
    let value = obj.get(name);
    let shadow = shadow_of(obj, name, value);
    if value.is_some() || shadow.is_some() {
        push_values(value, shadow, None, out);
        return;
    }
    for (key, value) in obj {
        if let Some(suffix) = key.strip_prefix(name)
            && CHOICE_TYPES.contains(&suffix)
        {
            let shadow = shadow_of(obj, key, Some(value));
            push_values(Some(value), shadow, Some(suffix), out);
            return;
        }
    }
}

/// The `_name` sibling of a primitive (objects have none, so it is not looked up).
fn shadow_of<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    value: Option<&'a Value>,
) -> Option<&'a Value> {
    let primitive = match value {
        None => true,
        Some(Value::Array(items)) => !items.iter().any(Value::is_object),
        Some(v) => !v.is_object(),
    };
    if !primitive {
        return None;
    }
    let mut key = String::with_capacity(name.len() + 1);
    key.push('_');
    key.push_str(name);
    obj.get(&key).filter(|v| !v.is_null())
}

/// One item per value (arrays flattened, JSON `null` placeholders dropped unless their
/// `_name` entry carries an extension), each with its shadow.
fn push_values<'a>(
    value: Option<&'a Value>,
    shadow: Option<&'a Value>,
    ty: Option<&'a str>,
    out: &mut Vec<Item<'a>>,
) {
    match (value, shadow) {
        (Some(Value::Array(items)), shadow) => {
            for (i, v) in items.iter().enumerate() {
                let sh = shadow
                    .and_then(|s| s.as_array())
                    .and_then(|s| s.get(i))
                    .filter(|s| !s.is_null());
                push_one(Some(v), sh, ty, out);
            }
        }
        (None, Some(Value::Array(shadows))) => {
            for sh in shadows.iter().filter(|s| !s.is_null()) {
                push_one(None, Some(sh), ty, out);
            }
        }
        (value, shadow) => push_one(value, shadow, ty, out),
    }
}

fn push_one<'a>(
    value: Option<&'a Value>,
    shadow: Option<&'a Value>,
    ty: Option<&'a str>,
    out: &mut Vec<Item<'a>>,
) {
    let value = value.filter(|v| !v.is_null());
    if value.is_none() && shadow.is_none() {
        return;
    }
    out.push(Item::Node { value, shadow, ty });
}

/// Appends the children of `item` (every element it holds, in document order).
pub(super) fn children<'a>(item: &Item<'a>, out: &mut Vec<Item<'a>>) {
    let obj = match item {
        Item::Node {
            value: Some(Value::Object(obj)),
            ..
        } => obj,
        Item::Node {
            shadow: Some(Value::Object(shadow)),
            ..
        } => shadow,
        _ => return,
    };
    for (key, value) in obj {
        if key == "resourceType" {
            continue;
        }
        if let Some(base) = key.strip_prefix('_') {
            // The sibling of a primitive; only a primitive with no value is its own child.
            if !obj.contains_key(base) {
                push_values(None, Some(value), None, out);
            }
            continue;
        }
        let shadow = shadow_of(obj, key, Some(value));
        push_values(Some(value), shadow, None, out);
    }
}

/// Appends every descendant of the items, level by level as `repeat(children())` does.
pub(super) fn descendants<'a>(items: &[Item<'a>], out: &mut Vec<Item<'a>>) {
    let mut level = items.to_vec();
    while !level.is_empty() {
        let mut next = Vec::new();
        for item in &level {
            children(item, &mut next);
        }
        out.extend(next.iter().cloned());
        level = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(items: &[Item<'_>]) -> Vec<Value> {
        items.iter().filter_map(Item::to_json).collect()
    }

    #[test]
    fn choice_elements_are_found_by_type_suffix_only() {
        let obs = json!({"valueQuantity": {"value": 1}, "valueSet": "x"});
        let mut out = Vec::new();
        member(&Item::node(&obs), "value", &mut out);
        assert_eq!(names(&out), [json!({"value": 1})]);
        assert_eq!(out[0].type_name(), Some("Quantity"));
        let binding = json!({"valueSet": "http://x"});
        let mut out = Vec::new();
        member(&Item::node(&binding), "value", &mut out);
        assert!(out.is_empty(), "valueSet is not a choice of value: {out:?}");
    }

    #[test]
    fn primitive_arrays_keep_their_extensions_aligned() {
        let name = json!({
            "given": ["A", null, "C"],
            "_given": [null, {"extension": [{"url": "u"}]}, null]
        });
        let mut given = Vec::new();
        member(&Item::node(&name), "given", &mut given);
        assert_eq!(given.len(), 3);
        assert_eq!(
            given[1].prim().map(|_| ()),
            None,
            "the middle one has no value"
        );
        let mut ext = Vec::new();
        member(&given[1], "extension", &mut ext);
        assert_eq!(names(&ext), [json!({"url": "u"})]);
    }

    #[test]
    fn descendants_go_level_by_level_and_skip_resource_type() {
        let r = json!({"resourceType": "Patient", "a": {"b": 1}, "c": 2});
        let mut out = Vec::new();
        descendants(&[Item::node(&r)], &mut out);
        assert_eq!(names(&out), [json!({"b": 1}), json!(2), json!(1)]);
    }
}
