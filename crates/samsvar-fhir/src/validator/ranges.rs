//! `minValue[x]`, `maxValue[x]` and `maxDecimalPlaces`: numbers, dates and times, and
//! quantities (directly when the units agree, after a metric-prefix conversion when they
//! differ only by prefix, not at all otherwise).

use crate::definitions::model::ElementDef;
use serde_json::Value;
use std::cmp::Ordering;

/// What a range check found.
pub(crate) enum RangeFinding {
    /// The value is outside the range (an error).
    Outside(String),
    /// The value cannot be compared with the limit (a warning).
    Incomparable(String),
}

/// Checks a primitive value against its element's limits.
pub(crate) fn check_primitive(code: &str, value: &Value, elem: &ElementDef) -> Vec<RangeFinding> {
    let mut out = Vec::new();
    for (limit, is_min) in [(&elem.min_value, true), (&elem.max_value, false)] {
        let Some((_, limit)) = limit else { continue };
        let ordering = match code {
            "integer" | "positiveInt" | "unsignedInt" | "decimal" | "integer64" => {
                match (value.as_f64(), limit.as_f64()) {
                    (Some(v), Some(l)) => v.partial_cmp(&l),
                    _ => None,
                }
            }
            "date" | "dateTime" | "instant" => match (value.as_str(), limit.as_str()) {
                (Some(v), Some(l)) => compare_date_times(v, l),
                _ => None,
            },
            "time" => match (value.as_str(), limit.as_str()) {
                (Some(v), Some(l)) => Some(v.cmp(l)),
                _ => None,
            },
            _ => None,
        };
        if let Some(finding) = judge(ordering, is_min, &display(value), &display(limit)) {
            out.push(finding);
        }
    }
    if code == "decimal"
        && let Some(places) = elem.max_decimal_places
        && let Some(m) = too_many_decimal_places(value, places)
    {
        out.push(RangeFinding::Outside(format!("{m} (maxDecimalPlaces)")));
    }
    out
}

/// "1.234 has 3 decimal places; at most 2 are allowed" when a number has more than `places`.
pub(crate) fn too_many_decimal_places(value: &Value, places: u32) -> Option<String> {
    let Value::Number(n) = value else { return None };
    let text = n.to_string();
    let found = text.split_once('.').map_or(0, |(_, frac)| frac.len());
    (found > places as usize)
        .then(|| format!("{text} has {found} decimal places; at most {places} are allowed"))
}

/// Checks a Quantity (or Age, Duration, …) against its element's limits.
pub(crate) fn check_quantity(value: &Value, elem: &ElementDef) -> Vec<RangeFinding> {
    let mut out = Vec::new();
    for (limit, is_min) in [(&elem.min_value, true), (&elem.max_value, false)] {
        let Some((_, limit)) = limit else { continue };
        let (Some(v), Some(l)) = (quantity(value), quantity(limit)) else {
            continue;
        };
        let ordering = match compare_quantities(&v, &l) {
            Some(o) => o,
            None => {
                out.push(RangeFinding::Incomparable(format!(
                    "{} cannot be compared with the {} of {} (different units)",
                    v.shown(),
                    if is_min { "minimum" } else { "maximum" },
                    l.shown()
                )));
                continue;
            }
        };
        if let Some(f) = judge(Some(ordering), is_min, &v.shown(), &l.shown()) {
            out.push(f);
        }
    }
    if let (Some(places), Some(number)) = (elem.max_decimal_places, value.get("value"))
        && let Some(m) = too_many_decimal_places(number, places)
    {
        out.push(RangeFinding::Outside(format!("{m} (maxDecimalPlaces)")));
    }
    out
}

fn judge(
    ordering: Option<Ordering>,
    is_min: bool,
    value: &str,
    limit: &str,
) -> Option<RangeFinding> {
    match (ordering?, is_min) {
        (Ordering::Less, true) => Some(RangeFinding::Outside(format!(
            "{value} is less than the minimum value {limit} (minValue)"
        ))),
        (Ordering::Greater, false) => Some(RangeFinding::Outside(format!(
            "{value} is greater than the maximum value {limit} (maxValue)"
        ))),
        _ => None,
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Quantity<'a> {
    value: f64,
    system: Option<&'a str>,
    code: Option<&'a str>,
    unit: Option<&'a str>,
}

impl Quantity<'_> {
    fn shown(&self) -> String {
        match self.code.or(self.unit) {
            Some(u) => format!("{} {u}", self.value),
            None => self.value.to_string(),
        }
    }
}

fn quantity(v: &Value) -> Option<Quantity<'_>> {
    Some(Quantity {
        value: v.get("value")?.as_f64()?,
        system: v.get("system").and_then(Value::as_str),
        code: v.get("code").and_then(Value::as_str),
        unit: v.get("unit").and_then(Value::as_str),
    })
}

const UCUM: &str = "http://unitsofmeasure.org";

/// Compares two quantities when their units agree, or are UCUM units that differ only by
/// a metric prefix (`g` and `kg`); `None` when they cannot be compared.
fn compare_quantities(a: &Quantity<'_>, b: &Quantity<'_>) -> Option<Ordering> {
    if a.system == b.system && a.code == b.code && (a.code.is_some() || a.unit == b.unit) {
        return a.value.partial_cmp(&b.value);
    }
    if a.system != Some(UCUM) || b.system != Some(UCUM) {
        return None;
    }
    let (fa, base_a) = metric_split(a.code?)?;
    let (fb, base_b) = metric_split(b.code?)?;
    if base_a != base_b {
        return None;
    }
    (a.value * fa).partial_cmp(&(b.value * fb))
}

/// Orders two Quantity JSON values, or says why they cannot be compared.
pub(crate) fn compare_quantity_values(a: &Value, b: &Value) -> Result<Ordering, String> {
    let (Some(qa), Some(qb)) = (quantity(a), quantity(b)) else {
        return Err("a quantity without a value".into());
    };
    if qa.code.is_none() || qb.code.is_none() {
        return Err("no coded (UCUM) unit is given".into());
    }
    compare_quantities(&qa, &qb).ok_or_else(|| "the units are not comparable".into())
}

/// UCUM metric prefixes (longest first so `da` wins over `d`).
const PREFIXES: &[(&str, f64)] = &[
    ("da", 1e1),
    ("Y", 1e24),
    ("Z", 1e21),
    ("E", 1e18),
    ("P", 1e15),
    ("T", 1e12),
    ("G", 1e9),
    ("M", 1e6),
    ("k", 1e3),
    ("h", 1e2),
    ("d", 1e-1),
    ("c", 1e-2),
    ("m", 1e-3),
    ("u", 1e-6),
    ("n", 1e-9),
    ("p", 1e-12),
    ("f", 1e-15),
    ("a", 1e-18),
];

/// UCUM base units that take metric prefixes (the common ones in clinical data).
const METRIC_UNITS: &[&str] = &[
    "g", "m", "L", "l", "s", "mol", "Pa", "Hz", "J", "W", "V", "A", "K", "cal", "eq", "U", "kat",
    "bar", "N",
];

/// `kg` → (1000, `g`); `g` → (1, `g`); a unit that is not metric → `None`.
fn metric_split(code: &str) -> Option<(f64, &str)> {
    if METRIC_UNITS.contains(&code) {
        return Some((1.0, code));
    }
    PREFIXES.iter().find_map(|(p, f)| {
        code.strip_prefix(p)
            .filter(|base| METRIC_UNITS.contains(base))
            .map(|base| (*f, base))
    })
}

/// Orders two FHIR date/dateTime/instant values; `None` when their precisions differ and
/// the shared part is equal (FHIRPath's "cannot tell").
pub(crate) fn compare_date_times(a: &str, b: &str) -> Option<Ordering> {
    let (da, ta) = a.split_once('T').map_or((a, None), |(d, t)| (d, Some(t)));
    let (db, tb) = b.split_once('T').map_or((b, None), |(d, t)| (d, Some(t)));
    if let (Some(ta), Some(tb)) = (ta, tb) {
        return instant_seconds(da, ta)?.partial_cmp(&instant_seconds(db, tb)?);
    }
    let shared = da.len().min(db.len());
    match da[..shared].cmp(&db[..shared]) {
        Ordering::Equal if da.len() == db.len() && ta.is_none() && tb.is_none() => {
            Some(Ordering::Equal)
        }
        Ordering::Equal => None,
        other => Some(other),
    }
}

/// Seconds since 0000-03-01 (any fixed origin works for ordering) of a full date and a
/// time with an optional zone; `None` when the text is not of that form.
fn instant_seconds(date: &str, time: &str) -> Option<f64> {
    let mut d = date.split('-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let (clock, offset) = split_zone(time)?;
    let mut parts = clock.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let min: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next().unwrap_or("0").parse().ok()?;
    // Days from civil (proleptic Gregorian), shifted so that March is month 0.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let days =
        365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) + (153 * m + 2) / 5 + day
            - 1;
    Some(days as f64 * 86_400.0 + h * 3600.0 + min * 60.0 + s - offset)
}

/// `10:00:00+02:00` → (`10:00:00`, 7200 s); `Z` and no zone are UTC.
fn split_zone(time: &str) -> Option<(&str, f64)> {
    if let Some(clock) = time.strip_suffix('Z') {
        return Some((clock, 0.0));
    }
    match time.rfind(['+', '-']) {
        Some(i) => {
            let (clock, zone) = time.split_at(i);
            let sign = if zone.starts_with('-') { -1.0 } else { 1.0 };
            let (h, m) = zone[1..].split_once(':')?;
            let (h, m): (f64, f64) = (h.parse().ok()?, m.parse().ok()?);
            Some((clock, sign * (h * 3600.0 + m * 60.0)))
        }
        None => Some((time, 0.0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_different_precision_compare_on_what_they_share() {
        assert_eq!(
            compare_date_times("2024-01-01", "2025-01-01"),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare_date_times("2025", "2024-12-31"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare_date_times("2024", "2024-06-01"), None);
        assert_eq!(
            compare_date_times("2024-06-01", "2024-06-01"),
            Some(Ordering::Equal)
        );
        assert_eq!(
            compare_date_times("2024-06-01T10:00:00+02:00", "2024-06-01T09:00:00Z"),
            Some(Ordering::Less)
        );
    }

    #[test]
    fn metric_prefixes_convert_and_other_units_do_not() {
        let q = |v: f64, c: &'static str| Quantity {
            value: v,
            system: Some(UCUM),
            code: Some(c),
            unit: None,
        };
        assert_eq!(
            compare_quantities(&q(11000.0, "g"), &q(10.0, "kg")),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_quantities(&q(-1.0, "g"), &q(0.0, "kg")),
            Some(Ordering::Less)
        );
        assert_eq!(compare_quantities(&q(5.0, "kg"), &q(10.0, "[mi_i]")), None);
        assert_eq!(
            compare_quantities(&q(5.0, "dL"), &q(1.0, "L")),
            Some(Ordering::Less)
        );
    }
}
