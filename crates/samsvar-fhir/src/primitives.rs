//! Lexical rules of the FHIR R4 primitive types (regular expressions and ranges from the
//! specification's datatypes page).

use regex::Regex;
use serde_json::Value;
use std::sync::OnceLock;

/// Whether `code` names a FHIR primitive type.
pub fn is_primitive(code: &str) -> bool {
    matches!(
        code,
        "boolean"
            | "integer"
            | "integer64"
            | "string"
            | "decimal"
            | "uri"
            | "url"
            | "canonical"
            | "base64Binary"
            | "instant"
            | "date"
            | "dateTime"
            | "time"
            | "code"
            | "oid"
            | "id"
            | "markdown"
            | "unsignedInt"
            | "positiveInt"
            | "uuid"
            | "xhtml"
    )
}

struct Patterns {
    date: Regex,
    date_time: Regex,
    instant: Regex,
    time: Regex,
    id: Regex,
    code: Regex,
    oid: Regex,
    uuid: Regex,
    base64: Regex,
    decimal: Regex,
    integer: Regex,
}

/// The compiled patterns, or why one of them did not compile. They are constants, so an
/// `Err` is a programming error (the test below compiles them); validation then reports
/// it as the check's failure instead of aborting the process.
fn patterns() -> Result<&'static Patterns, String> {
    static P: OnceLock<Result<Patterns, String>> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| {
            Regex::new(s).map_err(|e| format!("internal error: a FHIR primitive pattern: {e}"))
        };
        Ok(Patterns {
            date: re(r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$")?,
            date_time: re(r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$")?,
            instant: re(r"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$")?,
            time: re(r"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?$")?,
            id: re(r"^[A-Za-z0-9\-\.]{1,64}$")?,
            code: re(r"^[^\s]+( [^\s]+)*$")?,
            oid: re(r"^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$")?,
            uuid: re(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")?,
            base64: re(r"^(\s*([0-9a-zA-Z+/=]){4}\s*)+$")?,
            decimal: re(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")?,
            integer: re(r"^-?([0]|([1-9][0-9]*))$")?,
        })
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// Checks a primitive's JSON value; returns a message describing the first problem.
/// `raw_number` is the number as written in the source (to keep decimal precision).
pub fn check(type_code: &str, value: &Value) -> Result<(), String> {
    let p = patterns()?;
    match type_code {
        "boolean" => match value {
            Value::Bool(_) => Ok(()),
            _ => Err(format!(
                "boolean must be a JSON true or false, not {}",
                kind(value)
            )),
        },
        "integer" | "positiveInt" | "unsignedInt" => {
            let Value::Number(n) = value else {
                return Err(format!(
                    "{type_code} must be a JSON number, not {}",
                    kind(value)
                ));
            };
            let text = n.to_string();
            if !p.integer.is_match(&text) {
                return Err(format!("{type_code} value {text} is not an integer"));
            }
            let Some(v) = n.as_i64() else {
                return Err(format!("{type_code} value {text} is out of range"));
            };
            if v < i32::MIN as i64 || v > i32::MAX as i64 {
                return Err(format!("{type_code} value {v} is outside the 32-bit range"));
            }
            if type_code == "positiveInt" && v < 1 {
                return Err(format!("positiveInt value {v} must be at least 1"));
            }
            if type_code == "unsignedInt" && v < 0 {
                return Err(format!("unsignedInt value {v} must not be negative"));
            }
            Ok(())
        }
        "integer64" => match value {
            Value::String(s) if p.integer.is_match(s) && s.parse::<i64>().is_ok() => Ok(()),
            _ => Err("integer64 must be a JSON string holding a 64-bit integer".into()),
        },
        "decimal" => match value {
            Value::Number(n) if p.decimal.is_match(&n.to_string()) => Ok(()),
            Value::Number(n) => Err(format!("decimal value {n} is not valid")),
            _ => Err(format!(
                "decimal must be a JSON number, not {}",
                kind(value)
            )),
        },
        _ => {
            let Value::String(s) = value else {
                return Err(format!(
                    "{type_code} must be a JSON string, not {}",
                    kind(value)
                ));
            };
            check_string(type_code, s)
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn check_string(type_code: &str, s: &str) -> Result<(), String> {
    let p = patterns()?;
    let ok = |good: bool, what: &str| {
        if good {
            Ok(())
        } else {
            Err(format!("\"{}\" is not a valid {what}", truncate(s)))
        }
    };
    if s.is_empty() {
        return Err(format!(
            "{type_code} must not be empty (use _{type_code} extensions or omit the element)"
        ));
    }
    match type_code {
        "date" => ok(p.date.is_match(s) && valid_day(s), "date"),
        "dateTime" => ok(p.date_time.is_match(s) && valid_day(s), "dateTime"),
        "instant" => ok(p.instant.is_match(s) && valid_day(s), "instant"),
        "time" => ok(p.time.is_match(s), "time"),
        "id" => ok(p.id.is_match(s), "id (1-64 of A-Z a-z 0-9 - .)"),
        "code" => ok(
            p.code.is_match(s),
            "code (no leading, trailing or double whitespace)",
        ),
        "oid" => ok(p.oid.is_match(s), "oid (urn:oid:...)"),
        "uuid" => ok(p.uuid.is_match(s), "uuid (urn:uuid:, lower-case)"),
        "base64Binary" => ok(p.base64.is_match(s), "base64Binary"),
        "uri" | "url" | "canonical" => ok(
            !s.chars().any(char::is_whitespace)
                && (!s.starts_with("urn:oid:") || p.oid.is_match(s))
                && (!s.starts_with("urn:uuid:") || p.uuid.is_match(s)),
            type_code,
        ),
        "string" | "markdown" => {
            if s.trim().is_empty() {
                Err(format!("{type_code} must contain non-whitespace content"))
            } else if s.len() > 1024 * 1024 {
                Err(format!("{type_code} is longer than 1 MB"))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// Rejects days past the end of their month (`2023-02-30`).
fn valid_day(s: &str) -> bool {
    if s.len() < 10 {
        return true;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        s[0..4].parse::<u32>(),
        s[5..7].parse::<u32>(),
        s[8..10].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    #[test]
    fn every_constant_pattern_compiles() {
        assert!(patterns().is_ok(), "{:?}", patterns().err());
    }

    #[test]
    fn primitive_rules() {
        assert!(check("date", &json!("2020-02-29")).is_ok());
        assert!(check("date", &json!("2021-02-29")).is_err());
        assert!(check("dateTime", &json!("2020-01-01T10:00:00Z")).is_ok());
        assert!(check("dateTime", &json!("2020-01-01T10:00:00")).is_err());
        assert!(check("instant", &json!("2020-01-01")).is_err());
        assert!(check("integer", &json!(3_000_000_000i64)).is_err());
        assert!(check("positiveInt", &json!(0)).is_err());
        assert!(check("unsignedInt", &json!(0)).is_ok());
        assert!(check("decimal", &json!(1.5)).is_ok());
        assert!(check("decimal", &json!("1.5")).is_err());
        assert!(check("code", &json!(" a")).is_err());
        assert!(check("id", &json!("a_b")).is_err());
        assert!(
            check(
                "uuid",
                &json!("urn:uuid:A0000000-0000-0000-0000-000000000000")
            )
            .is_err()
        );
        assert!(check("string", &json!("  ")).is_err());
        assert!(check("boolean", &json!("true")).is_err());
        assert!(check("time", &json!("25:00:00")).is_err());
    }
}
