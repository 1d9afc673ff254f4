//! Canonical JSON (RFC 8785, JCS): the exact bytes that are hashed and signed.

use crate::error::{EvidenceError, Result};
use serde::Serialize;

/// Serializes `value` in RFC 8785 canonical form: members sorted by UTF-16 code
/// units, no insignificant whitespace, ECMAScript number formatting.
pub fn to_canonical_vec<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| EvidenceError::Canonical(e.to_string()))
}

/// `true` when `bytes` are valid JSON already in canonical form.
pub fn is_canonical(bytes: &[u8]) -> bool {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(value) => to_canonical_vec(&value).is_ok_and(|c| c == bytes),
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
}
