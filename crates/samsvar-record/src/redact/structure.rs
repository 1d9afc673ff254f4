//! Redaction by name: credential headers, and credential members of JSON bodies, form
//! bodies and URL queries, whatever their value and whether or not it is known.

use super::Redactor;
use crate::REDACTED;
use serde_json::Value;
use std::borrow::Cow;

/// Headers whose values are always credentials.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "dpop",
    "x-api-key",
];

/// Form fields, JSON members and URL query parameters whose values are credentials.
pub const SECRET_FIELDS: &[&str] = &[
    "client_assertion",
    "client_secret",
    "password",
    "access_token",
    "refresh_token",
    "id_token",
    "private_key",
];

pub fn is_secret_header(name: &str) -> bool {
    SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
}

impl Redactor {
    /// A header value as it may be recorded: credential headers whole, others by value.
    pub fn header_value<'a>(&self, name: &str, value: &'a str) -> Cow<'a, str> {
        if is_secret_header(name) {
            Cow::Borrowed(REDACTED)
        } else {
            self.text(value)
        }
    }

    /// A URL as it may be recorded: credential query parameters by name, secrets anywhere.
    pub fn url<'a>(&self, raw: &'a str) -> Cow<'a, str> {
        let by_name = redact_query(raw);
        match self.text(&by_name) {
            Cow::Owned(clean) => Cow::Owned(clean),
            Cow::Borrowed(_) => by_name,
        }
    }

    /// A body as it may be stored: credential members of JSON and form bodies by name,
    /// then secrets anywhere. `None` when nothing changed.
    pub fn body(&self, media_type: Option<&str>, bytes: &[u8]) -> Option<Vec<u8>> {
        let media = media_type.unwrap_or("").to_ascii_lowercase();
        let structural = if media.contains("json") {
            self.json_body(bytes)
        } else if media.contains("x-www-form-urlencoded") {
            form_body(bytes)
        } else {
            None
        };
        match structural {
            Some(s) => Some(self.bytes(&s).unwrap_or(s)),
            None => self.bytes(bytes),
        }
    }

    /// Redacts a JSON value in place: credential members by name, secrets everywhere.
    /// `true` when it changed.
    pub fn json(&self, value: &mut Value) -> bool {
        match value {
            Value::String(s) => self.string(s),
            Value::Array(items) => items.iter_mut().fold(false, |c, v| self.json(v) | c),
            Value::Object(map) => {
                let mut changed = false;
                let mut keys_hold_secrets = false;
                for (key, v) in map.iter_mut() {
                    if is_secret_field(key) && !v.is_null() {
                        changed |= v.as_str() != Some(REDACTED);
                        *v = Value::String(REDACTED.to_string());
                    } else {
                        changed |= self.json(v);
                    }
                    keys_hold_secrets |= self.contains_secret(key.as_bytes());
                }
                // Member names are rebuilt only when one holds a secret (rare): rebuilding
                // every map of a large record cost more than the rest of the walk.
                if keys_hold_secrets {
                    let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                    for (mut key, v) in entries {
                        changed |= self.string(&mut key);
                        map.insert(key, v);
                    }
                }
                changed
            }
            _ => false,
        }
    }

    fn json_body(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        // Parsing every body to look for credential members cost more than the HTTP
        // exchange; most bodies cannot hold one.
        if !may_name_secret_member(bytes) {
            return None;
        }
        let mut value: Value = serde_json::from_slice(bytes).ok()?;
        if !contains_secret_member(&value) {
            return None;
        }
        self.json(&mut value);
        serde_json::to_vec_pretty(&value).ok()
    }
}

/// Credential query parameters of `raw` replaced; the URL is untouched when it has none.
fn redact_query(raw: &str) -> Cow<'_, str> {
    let Some((head, rest)) = raw.split_once('?') else {
        return Cow::Borrowed(raw);
    };
    let (query, fragment) = match rest.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (rest, None),
    };
    let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> =
        form_urlencoded::parse(query.as_bytes()).collect();
    if !pairs.iter().any(|(k, _)| is_secret_field(k)) {
        return Cow::Borrowed(raw);
    }
    let mut out = form_urlencoded::Serializer::for_suffix(format!("{head}?"), head.len() + 1);
    for (k, v) in &pairs {
        let v = if is_secret_field(k) { REDACTED } else { v };
        out.append_pair(k, v);
    }
    let mut url = out.finish();
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    Cow::Owned(url)
}

/// A form body with its credential fields replaced, or `None` when it has none.
fn form_body(bytes: &[u8]) -> Option<Vec<u8>> {
    let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = form_urlencoded::parse(bytes).collect();
    if !pairs.iter().any(|(k, _)| is_secret_field(k)) {
        return None;
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(k, if is_secret_field(k) { REDACTED } else { v });
    }
    Some(out.finish().into_bytes())
}

/// Could `bytes` (JSON) hold a member named like a credential field? Member names may
/// be escaped (`\u0070assword`), so any escape counts as a maybe.
fn may_name_secret_member(bytes: &[u8]) -> bool {
    static NAMES: std::sync::LazyLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::LazyLock::new(|| {
            let mut needles: Vec<&str> = SECRET_FIELDS.to_vec();
            needles.push("\\u");
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(needles)
                .ok()
        });
    match &*NAMES {
        Some(finder) => finder.is_match(bytes),
        None => true,
    }
}

fn contains_secret_member(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(contains_secret_member),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| is_secret_field(k) || contains_secret_member(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credential_fields_are_replaced_in_json_forms_and_urls() {
        let r = Redactor::new();
        let body = br#"{"client_secret":"abc","nested":{"password":"pw"},"keep":"v"}"#;
        let out = r.body(Some("application/json"), body).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            json!({"client_secret": REDACTED, "nested": {"password": REDACTED}, "keep": "v"})
        );
        let form = b"grant_type=client_credentials&client_assertion=eyJ.x.y";
        let out = r
            .body(Some("application/x-www-form-urlencoded"), form)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "grant_type=client_credentials&client_assertion=%5BREDACTED%5D"
        );
        assert!(r.body(Some("application/json"), br#"{"a":1}"#).is_none());
        assert_eq!(
            r.url("https://h/token?access_token=zzz&x=1#top"),
            "https://h/token?access_token=%5BREDACTED%5D&x=1#top"
        );
        assert!(matches!(r.url("https://h/p?a=b%20c"), Cow::Borrowed(_)));
    }

    #[test]
    fn headers_are_redacted_by_name_and_by_value() {
        let r = Redactor::with_values(["tok-12345"]);
        assert_eq!(r.header_value("Authorization", "Bearer x"), REDACTED);
        assert_eq!(r.header_value("x-echo", "v=tok-12345"), "v=[REDACTED]");
        assert_eq!(r.header_value("x-echo", "plain"), "plain");
        assert_eq!(r.url("http://h/p?k=tok-12345"), "http://h/p?k=[REDACTED]");
    }

    #[test]
    fn only_bodies_that_may_name_a_credential_member_are_parsed() {
        assert!(may_name_secret_member(br#"{"Access_Token":"x"}"#));
        assert!(may_name_secret_member(br#"{"p\u0061ssword":"x"}"#));
        assert!(!may_name_secret_member(
            br#"{"resourceType":"Patient","name":[{"family":"Nordmann"}]}"#
        ));
    }
}
