//! Reading Questionnaire items and response answers: child items, linkIds, flags,
//! answer values, (SDC) extensions, and comparing and showing answer values.

use crate::validator::ranges;
use serde_json::Value;
use std::cmp::Ordering;

pub(super) const EXT: &str = "http://hl7.org/fhir/StructureDefinition/";

pub(super) fn items(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

pub(super) fn link_id(item: &Value) -> Option<&str> {
    item.get("linkId").and_then(Value::as_str)
}

pub(super) fn flag(item: &Value, key: &str) -> bool {
    item.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The `value[x]` of an answer or option: (`valueCoding`, value).
pub(super) fn answer_value(v: &Value) -> Option<(&str, &Value)> {
    v.as_object()?.iter().find_map(|(k, x)| {
        k.strip_prefix("value")
            .filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
            .map(|_| (k.as_str(), x))
    })
}

pub(super) fn extensions<'v>(
    item: &'v Value,
    name: &'v str,
) -> impl Iterator<Item = &'v Value> + 'v {
    items(item.get("extension")).iter().filter(move |e| {
        e.get("url")
            .and_then(Value::as_str)
            .and_then(|u| u.strip_prefix(EXT))
            == Some(name)
    })
}

/// A value of an SDC extension (`http://hl7.org/fhir/uv/sdc/StructureDefinition/<name>`).
pub(super) fn sdc_value<'v>(item: &'v Value, name: &str) -> Option<&'v Value> {
    let url = format!("http://hl7.org/fhir/uv/sdc/StructureDefinition/{name}");
    items(item.get("extension"))
        .iter()
        .find(|e| e.get("url").and_then(Value::as_str) == Some(url.as_str()))
        .and_then(answer_value)
        .map(|(_, v)| v)
}

pub(super) fn ext_value<'v>(item: &'v Value, name: &'v str) -> Option<&'v Value> {
    ext_typed(item, name).map(|(_, v)| v)
}

pub(super) fn ext_typed<'v>(item: &'v Value, name: &'v str) -> Option<(&'v str, &'v Value)> {
    extensions(item, name).find_map(answer_value)
}

/// Two answer values are the same: Codings by system and code, the rest by value.
pub(super) fn same_answer(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y))
            if x.contains_key("code") || y.contains_key("code") =>
        {
            x.get("code") == y.get("code")
                && (x.get("system").is_none()
                    || y.get("system").is_none()
                    || x.get("system") == y.get("system"))
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

pub(super) fn compare_answers(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => {
            ranges::compare_date_times(x, y).or_else(|| Some(x.cmp(y)))
        }
        (Value::Object(_), Value::Object(_)) => ranges::compare_quantity_values(a, b).ok(),
        _ => None,
    }
}

/// Indexes of answers that are exclusive options of the item.
pub(super) fn exclusive_answers(q_item: &Value, answers: &[Value]) -> Vec<usize> {
    let exclusive: Vec<&Value> = items(q_item.get("answerOption"))
        .iter()
        .filter(|o| {
            extensions(o, "questionnaire-optionExclusive")
                .any(|e| e.get("valueBoolean").and_then(Value::as_bool) == Some(true))
        })
        .filter_map(|o| answer_value(o).map(|(_, v)| v))
        .collect();
    answers
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            answer_value(a).is_some_and(|(_, v)| exclusive.iter().any(|x| same_answer(v, x)))
        })
        .map(|(i, _)| i)
        .collect()
}

pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        Value::Object(o) => {
            let code = o.get("code").and_then(Value::as_str);
            let system = o.get("system").and_then(Value::as_str);
            match (o.get("value"), code, system) {
                (Some(n), unit, _) => format!(
                    "{n} {}",
                    unit.or(o.get("unit").and_then(Value::as_str))
                        .unwrap_or_default()
                )
                .trim_end()
                .to_string(),
                (None, Some(c), Some(s)) => format!("{s}#{c}"),
                (None, Some(c), None) => c.to_string(),
                _ => v.to_string(),
            }
        }
        other => other.to_string(),
    }
}
