//! Canonical JSON (RFC 8785, JCS): the exact bytes that are hashed and signed.
//!
//! Written out here rather than with `serde_json_canonicalizer` (kept as the oracle of
//! the tests below): that crate re-parses every member name to sort it, which made
//! canonicalizing a 1,000-step run's `evidence.json` a tenth of the whole run's time.
//! The rules are short: members sorted by their UTF-16 code units, no whitespace,
//! strings escaped as ECMAScript's `JSON.stringify` does (which is what serde_json
//! writes), numbers in ECMAScript form (ryu-js).

use crate::error::{EvidenceError, Result};
use serde::Serialize;
use serde_json::{Number, Value};

/// Serializes `value` in RFC 8785 canonical form.
pub fn to_canonical_vec<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let value = serde_json::to_value(value).map_err(|e| EvidenceError::Canonical(e.to_string()))?;
    canonical_value(&value)
}

/// The canonical bytes of a JSON tree.
pub fn canonical_value(value: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(4096);
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<()> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out)?,
        Value::String(s) => write_string(s, out)?,
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (i, (name, member)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(name, out)?;
                out.push(b':');
                write_value(member, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

/// Integers an IEEE double holds exactly are written as they are; every other number is
/// the double ECMAScript would print.
fn write_number(n: &Number, out: &mut Vec<u8>) -> Result<()> {
    const EXACT: u64 = 1 << 53;
    if let Some(i) = n.as_u64().filter(|i| *i <= EXACT) {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
    } else if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= EXACT) {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
    } else {
        let f = n
            .as_f64()
            .filter(|f| f.is_finite())
            .ok_or_else(|| EvidenceError::Canonical(format!("{n} has no JSON form")))?;
        out.extend_from_slice(ryu_js::Buffer::new().format_finite(f).as_bytes());
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) -> Result<()> {
    serde_json::to_writer(&mut *out, s).map_err(|e| EvidenceError::Canonical(e.to_string()))
}

/// `true` when `bytes` are valid JSON already in canonical form.
pub fn is_canonical(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => canonical_value(&value).is_ok_and(|c| c == bytes),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(text: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        String::from_utf8(to_canonical_vec(&value).unwrap()).unwrap()
    }

    /// RFC 8785 section 3.2.2 example ("Sample Canonicalization").
    #[test]
    fn rfc8785_sample() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\"string\":\"€$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
        assert_eq!(canon(input), expected);
    }

    /// RFC 8785 section 3.2.3: sorting by UTF-16 code units, not by UTF-8 bytes.
    #[test]
    fn rfc8785_sorting() {
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        let out = canon(input);
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&out)
                .unwrap()
                .values()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
        assert_eq!(
            keys,
            [
                "Carriage Return",
                "One",
                "Control",
                "Latin Small Letter O With Diaeresis",
                "Euro Sign",
                "Emoji: Grinning Face",
                "Hebrew Letter Dalet With Dagesh"
            ]
        );
        // The raw text must be in that order too (serde_json preserves order on parse).
        assert!(out.find("Carriage").unwrap() < out.find("Emoji").unwrap());
        assert!(out.find("Emoji").unwrap() < out.find("Hebrew").unwrap());
    }

    /// RFC 8785 appendix B: ECMAScript number serialization.
    #[test]
    fn rfc8785_numbers() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("1e21", "1e+21"),
            ("1e20", "100000000000000000000"),
            ("9007199254740992", "9007199254740992"),
            ("0.000001", "0.000001"),
            ("1e-7", "1e-7"),
            ("295147905179352830000", "295147905179352830000"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("-1.7976931348623157e308", "-1.7976931348623157e+308"),
            ("4.50", "4.5"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                canon(&format!("[{input}]")),
                format!("[{expected}]"),
                "input {input}"
            );
        }
    }

    #[test]
    fn canonical_check_detects_whitespace_and_order() {
        assert!(is_canonical(br#"{"a":1,"b":[true]}"#));
        assert!(!is_canonical(br#"{"b":1,"a":2}"#));
        assert!(!is_canonical(br#"{"a": 1}"#));
        assert!(!is_canonical(b"not json"));
        assert_eq!(
            to_canonical_vec(&json!({"z": 1, "a": "x"})).unwrap(),
            br#"{"a":"x","z":1}"#
        );
    }

    /// The writer agrees with serde_json_canonicalizer on arbitrary JSON trees.
    mod oracle {
        use super::super::canonical_value;
        use proptest::prelude::*;
        use serde_json::Value;

        fn json() -> impl Strategy<Value = Value> {
            let name = prop_oneof![
                "[a-z]{0,6}",
                "\\PC{0,4}",
                Just("\u{1F600}".to_string()),
                Just("\u{FB33}".to_string()),
                Just("\u{E000}".to_string()),
            ];
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i64>().prop_map(Value::from),
                any::<u64>().prop_map(Value::from),
                any::<f64>()
                    .prop_filter("finite", |f| f.is_finite())
                    .prop_map(Value::from),
                "\\PC{0,8}".prop_map(Value::String),
                "[\\x00-\\x1f\"\\\\/\u{2028}]{0,4}".prop_map(Value::String),
            ];
            leaf.prop_recursive(4, 64, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                    prop::collection::vec((name.clone(), inner), 0..6)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn same_bytes_as_the_reference_crate(value in json()) {
                let ours = canonical_value(&value).unwrap();
                let theirs = serde_json_canonicalizer::to_vec(&value).unwrap();
                prop_assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&theirs));
            }
        }
    }
}
