//! The values the native evaluator works with: borrowed input elements and computed
//! primitives.

use std::borrow::Cow;

use serde_json::{Number, Value};

/// One item of a FHIRPath collection.
#[derive(Clone, Debug)]
pub(super) enum Item<'a> {
    /// An element of the input, borrowed. `value` is `None` for a primitive that has only
    /// its `_name` sibling (an extension, no value); `shadow` is that sibling; `ty` is the
    /// type named by a choice element's key (`valueQuantity` → `Quantity`).
    Node {
        value: Option<&'a Value>,
        shadow: Option<&'a Value>,
        ty: Option<&'a str>,
    },
    Bool(bool),
    Int(i64),
    Dec(f64),
    Str(Cow<'a, str>),
}

/// A primitive as FHIRPath compares it.
#[derive(Clone, Copy, Debug)]
pub(super) enum Prim<'x> {
    Bool(bool),
    Int(i64),
    Dec(f64),
    Str(&'x str),
}

impl<'x> Prim<'x> {
    pub(super) fn number(self) -> Option<f64> {
        match self {
            // Precision loss past 2^53 does not matter for the values FHIR carries.
            #[allow(clippy::cast_precision_loss)]
            Prim::Int(i) => Some(i as f64),
            Prim::Dec(d) => Some(d),
            _ => None,
        }
    }
}

impl<'a> Item<'a> {
    pub(super) fn node(value: &'a Value) -> Self {
        Item::Node {
            value: Some(value),
            shadow: None,
            ty: None,
        }
    }

    /// The primitive this item is, if it is one (a complex element or a primitive
    /// without a value is not).
    pub(super) fn prim(&self) -> Option<Prim<'_>> {
        match self {
            Item::Bool(b) => Some(Prim::Bool(*b)),
            Item::Int(i) => Some(Prim::Int(*i)),
            Item::Dec(d) => Some(Prim::Dec(*d)),
            Item::Str(s) => Some(Prim::Str(s)),
            Item::Node { value, .. } => match (*value)? {
                Value::Bool(b) => Some(Prim::Bool(*b)),
                Value::String(s) => Some(Prim::Str(s)),
                Value::Number(n) => Some(number(n)),
                _ => None,
            },
        }
    }

    /// The JSON object of a complex element.
    pub(super) fn object(&self) -> Option<&'a serde_json::Map<String, Value>> {
        match self {
            Item::Node {
                value: Some(Value::Object(map)),
                ..
            } => Some(map),
            _ => None,
        }
    }

    /// The type of this item when it is known without a model: a resource's
    /// `resourceType`, or a choice element's key suffix.
    pub(super) fn type_name(&self) -> Option<&'a str> {
        match self {
            Item::Node { ty: Some(t), .. } => Some(t),
            Item::Node { value, .. } => (*value)?.get("resourceType")?.as_str(),
            _ => None,
        }
    }

    /// The item as the JSON the engine adapter returns.
    pub(super) fn to_json(&self) -> Option<Value> {
        Some(match self {
            Item::Node { value, .. } => (*value)?.clone(),
            Item::Bool(b) => Value::Bool(*b),
            Item::Int(i) => Value::from(*i),
            Item::Dec(d) => Value::Number(Number::from_f64(*d)?),
            Item::Str(s) => Value::String(s.to_string()),
        })
    }
}

fn number(n: &Number) -> Prim<'static> {
    match n.as_i64() {
        Some(i) => Prim::Int(i),
        None => Prim::Dec(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Does `s` look like a FHIR date, dateTime, instant or time? Such strings compare by
/// FHIRPath's temporal rules (precision, time zones), which only the engine implements.
pub(super) fn temporal_like(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    (digits(0..4) && (b.len() == 4 || b[4] == b'-')) || (digits(0..2) && b.get(2) == Some(&b':'))
}

/// Temporal strings that compare correctly as text: same length and the same time zone
/// (a date, or a dateTime with identical offsets).
pub(super) fn temporal_comparable_as_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && zone(a) == zone(b)
}

fn zone(s: &str) -> &str {
    if !s.contains('T') {
        return "";
    }
    if let Some(stripped) = s.strip_suffix('Z') {
        return &s[stripped.len()..];
    }
    let tail = s.len().saturating_sub(6);
    match s.as_bytes().get(tail) {
        Some(b'+' | b'-') => &s[tail..],
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporal_strings_are_recognised() {
        assert!(temporal_like("2020"));
        assert!(temporal_like("2020-01-02T10:00:00Z"));
        assert!(temporal_like("10:30"));
        assert!(!temporal_like("20200"));
        assert!(!temporal_like("abc"));
        assert!(!temporal_like("1.0.2"));
    }

    #[test]
    fn only_same_shape_temporals_compare_as_text() {
        assert!(temporal_comparable_as_text("2020-01-02", "2021-03-04"));
        assert!(!temporal_comparable_as_text("2020-01", "2021-03-04"));
        assert!(temporal_comparable_as_text(
            "2020-01-02T10:00:00+01:00",
            "2020-01-02T11:00:00+01:00"
        ));
        assert!(!temporal_comparable_as_text(
            "2020-01-02T10:00:00+01:00",
            "2020-01-02T10:00:00+02:00"
        ));
        assert!(!temporal_comparable_as_text(
            "2020-01-02T10:00:00Z",
            "2020-01-02T10:00:00+01:00"
        ));
    }
}
