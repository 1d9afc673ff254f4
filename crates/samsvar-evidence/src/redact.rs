//! The evidence writer's own secret scrubbing: a second line of defence after the
//! runner's redaction. Every record and every body passes through here before a
//! byte is written, so a secret the runner missed still never reaches the bundle.

use crate::digest::sha256_hex;
use bytes::Bytes;
use samsvar_runner::record::{
    Body, Exchange, GroupRecord, HttpMessage, ItemRecord, REDACTED, RunRecord, StepRecord,
    SuiteRecord, TestRecord,
};
use serde_json::Value;

/// Headers whose values are always credentials.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "dpop",
    "x-api-key",
];

/// Form fields, JSON members and URL query parameters whose values are credentials.
const SECRET_FIELDS: &[&str] = &[
    "client_assertion",
    "client_secret",
    "password",
    "access_token",
    "refresh_token",
    "id_token",
    "private_key",
];

/// Replaces secrets by [`REDACTED`]: known credential headers and fields always,
/// and every configured secret value wherever it appears (exact string match,
/// also in its percent-encoded and JSON-escaped spellings).
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    /// Needles to replace, longest first so a secret containing another is caught whole.
    needles: Vec<Vec<u8>>,
}

impl Scrubber {
    pub fn new<I, S>(secrets: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut needles: Vec<Vec<u8>> = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref();
            // Very short values would redact ordinary text everywhere; the runner's
            // structural redaction still covers them in headers and fields.
            if secret.len() < 4 {
                continue;
            }
            let spellings = [
                secret.to_string(),
                url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>(),
                percent_encode_strict(secret),
                json_escaped(secret),
            ];
            for spelling in spellings {
                if !needles.iter().any(|n| n == spelling.as_bytes()) {
                    needles.push(spelling.into_bytes());
                }
            }
        }
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Scrubber { needles }
    }

    pub fn is_secret_header(name: &str) -> bool {
        SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    pub fn is_secret_field(name: &str) -> bool {
        SECRET_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name))
    }

    /// Replaces every configured secret in `bytes`. Returns `None` when nothing changed.
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut current: Option<Vec<u8>> = None;
        for needle in &self.needles {
            let haystack = current.as_deref().unwrap_or(bytes);
            if let Some(replaced) = replace_all(haystack, needle, REDACTED.as_bytes()) {
                current = Some(replaced);
            }
        }
        current
    }

    pub fn scrub_string(&self, s: &str) -> String {
        match self.scrub_bytes(s.as_bytes()) {
            Some(b) => String::from_utf8_lossy(&b).into_owned(),
            None => s.to_string(),
        }
    }

    fn scrub_opt(&self, s: &mut Option<String>) {
        if let Some(v) = s {
            *v = self.scrub_string(v);
        }
    }

    /// Scrubs a JSON value in place: secret members by name, configured secrets everywhere.
    pub fn scrub_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.scrub_string(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (key, mut v) in entries {
                    if Self::is_secret_field(&key) && !v.is_null() {
                        v = Value::String(REDACTED.to_string());
                    } else {
                        self.scrub_json(&mut v);
                    }
                    map.insert(self.scrub_string(&key), v);
                }
            }
            _ => {}
        }
    }

    /// Scrubs a URL: secret query parameters by name and configured secrets anywhere.
    pub fn scrub_url(&self, raw: &str) -> String {
        let cleaned = match url::Url::parse(raw) {
            Ok(mut parsed) if parsed.query().is_some() => {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if Self::is_secret_field(&k) {
                            REDACTED.to_string()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
                parsed.to_string()
            }
            _ => raw.to_string(),
        };
        self.scrub_string(&cleaned)
    }

    /// Scrubs a body: structural redaction for JSON and form bodies, then the byte scan.
    /// Returns the new bytes when anything changed.
    pub fn scrub_body_bytes(&self, media_type: Option<&str>, bytes: &[u8]) -> Option<Vec<u8>> {
        let media = media_type.unwrap_or("").to_ascii_lowercase();
        let structural = if media.contains("json") {
            self.scrub_json_body(bytes)
        } else if media.contains("x-www-form-urlencoded") {
            Some(self.scrub_form_body(bytes))
        } else {
            None
        };
        let after = structural.as_deref().unwrap_or(bytes);
        let changed_structurally = structural.as_deref().is_some_and(|s| s != bytes);
        match self.scrub_bytes(after) {
            Some(b) => Some(b),
            None if changed_structurally => structural,
            None => None,
        }
    }

    fn scrub_json_body(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        // Parsing every body (several times per run) to look for secret members cost more
        // than the HTTP exchange; most bodies cannot hold one.
        if !may_name_secret_member(bytes) {
            return None;
        }
        let mut value: Value = serde_json::from_slice(bytes).ok()?;
        if !contains_secret_member(&value) {
            return None;
        }
        self.scrub_json(&mut value);
        serde_json::to_vec_pretty(&value).ok()
    }

    fn scrub_form_body(&self, bytes: &[u8]) -> Vec<u8> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(bytes)
            .map(|(k, v)| {
                let v = if Self::is_secret_field(&k) {
                    REDACTED.to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        if !pairs.iter().any(|(k, _)| Self::is_secret_field(k)) {
            return bytes.to_vec();
        }
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes()
    }

    pub fn scrub_message(&self, message: &mut HttpMessage) {
        self.scrub_opt(&mut message.method);
        if let Some(url) = &mut message.url {
            *url = self.scrub_url(url);
        }
        for (name, value) in &mut message.headers {
            if Self::is_secret_header(name) {
                *value = REDACTED.to_string();
            } else {
                *value = self.scrub_string(value);
            }
            *name = self.scrub_string(name);
        }
        if let Some(body) = &mut message.body {
            self.scrub_body(body);
        }
    }

    /// Scrubs the bytes of a body and keeps its digest and size true to the new bytes.
    pub fn scrub_body(&self, body: &mut Body) {
        body.media_type = body.media_type.as_deref().map(|m| self.scrub_string(m));
        if body.bytes.is_empty() {
            return;
        }
        if let Some(new) = self.scrub_body_bytes(body.media_type.as_deref(), &body.bytes) {
            body.sha256 = sha256_hex(&new);
            body.size = new.len() as u64;
            body.bytes = Bytes::from(new);
        }
    }

    pub fn scrub_exchange(&self, exchange: &mut Exchange) {
        self.scrub_message(&mut exchange.request);
        if let Some(response) = &mut exchange.response {
            self.scrub_message(response);
        }
    }

    pub fn scrub_step(&self, step: &mut StepRecord) {
        self.scrub_opt(&mut step.name);
        self.scrub_opt(&mut step.error);
        if let Some(exchange) = &mut step.exchange {
            self.scrub_exchange(exchange);
        }
        for capture in &mut step.captures {
            self.scrub_opt(&mut capture.value);
        }
        for assertion in &mut step.assertions {
            assertion.description = self.scrub_string(&assertion.description);
            self.scrub_opt(&mut assertion.expected);
            self.scrub_opt(&mut assertion.actual);
            self.scrub_opt(&mut assertion.message);
            for issue in &mut assertion.issues {
                issue.message = self.scrub_string(&issue.message);
                issue.location = self.scrub_string(&issue.location);
            }
        }
    }

    pub fn scrub_test(&self, test: &mut TestRecord) {
        self.scrub_opt(&mut test.title);
        self.scrub_opt(&mut test.reason);
        test.steps.iter_mut().for_each(|s| self.scrub_step(s));
    }

    fn scrub_group(&self, group: &mut GroupRecord) {
        self.scrub_opt(&mut group.title);
        for item in &mut group.items {
            match item {
                ItemRecord::Group(g) => self.scrub_group(g),
                ItemRecord::Test(t) => self.scrub_test(t),
            }
        }
    }

    pub fn scrub_suite(&self, suite: &mut SuiteRecord) {
        suite.title = self.scrub_string(&suite.title);
        suite.setup.iter_mut().for_each(|s| self.scrub_step(s));
        suite.teardown.iter_mut().for_each(|s| self.scrub_step(s));
        self.scrub_group(&mut suite.root);
    }

    /// Scrubs a whole run record (structure first; a JSON pass over the serialized
    /// record catches anything else before it is written).
    pub fn scrub_run(&self, run: &mut RunRecord) {
        for target in &mut run.targets {
            target.url = self.scrub_url(&target.url);
        }
        run.suites.iter_mut().for_each(|s| self.scrub_suite(s));
    }
}

/// Could `bytes` (JSON) hold a member named like a secret field? Member names may be
/// escaped (`\u0070assword`), so any escape counts as a maybe.
fn may_name_secret_member(bytes: &[u8]) -> bool {
    static NAMES: std::sync::LazyLock<Option<regex::bytes::Regex>> =
        std::sync::LazyLock::new(|| {
            let alternatives: Vec<String> =
                SECRET_FIELDS.iter().map(|f| regex::escape(f)).collect();
            regex::bytes::Regex::new(&format!(r"(?i-u)\\u|{}", alternatives.join("|"))).ok()
        });
    match &*NAMES {
        Some(rx) => rx.is_match(bytes),
        None => true,
    }
}

fn contains_secret_member(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(contains_secret_member),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| Scrubber::is_secret_field(k) || contains_secret_member(v)),
        _ => false,
    }
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Option<Vec<u8>> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    let mut found = false;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
            found = true;
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    found.then_some(out)
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set (`%20`, not `+`).
fn percent_encode_strict(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The secret as it appears inside a JSON string literal.
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted.trim_matches('"').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn configured_secret_is_replaced_in_all_spellings() {
        let s = Scrubber::new(["s3cr3t/pa ss"]);
        assert_eq!(s.scrub_string("x s3cr3t/pa ss y"), "x [REDACTED] y");
        assert_eq!(s.scrub_string("q=s3cr3t%2Fpa+ss"), "q=[REDACTED]");
        assert_eq!(s.scrub_string("q=s3cr3t%2Fpa%20ss"), "q=[REDACTED]");
        assert_eq!(s.scrub_string("nothing here"), "nothing here");
    }

    #[test]
    fn secret_fields_are_replaced_in_json_forms_and_urls() {
        let s = Scrubber::new(Vec::<String>::new());
        let body = br#"{"client_secret":"abc","nested":{"password":"pw"},"keep":"v"}"#;
        let out = s.scrub_body_bytes(Some("application/json"), body).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            json!({"client_secret": REDACTED, "nested": {"password": REDACTED}, "keep": "v"})
        );

        let form = b"grant_type=client_credentials&client_assertion=eyJ.x.y";
        let out = s
            .scrub_body_bytes(Some("application/x-www-form-urlencoded"), form)
            .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "grant_type=client_credentials&client_assertion=%5BREDACTED%5D"
        );
        assert!(
            s.scrub_body_bytes(Some("application/json"), br#"{"a":1}"#)
                .is_none()
        );
        assert_eq!(
            s.scrub_url("https://h/token?access_token=zzz&x=1"),
            "https://h/token?access_token=%5BREDACTED%5D&x=1"
        );
    }

    #[test]
    fn headers_and_body_digest_follow_scrubbing() {
        let s = Scrubber::new(["tok-12345"]);
        let bytes = Bytes::from_static(b"hello tok-12345");
        let mut msg = HttpMessage {
            method: Some("GET".into()),
            url: Some("http://h/p?k=tok-12345".into()),
            headers: vec![
                ("authorization".into(), "Bearer abc".into()),
                ("x-echo".into(), "tok-12345".into()),
            ],
            body: Some(Body {
                sha256: sha256_hex(&bytes),
                size: bytes.len() as u64,
                media_type: Some("text/plain".into()),
                truncated: false,
                bytes,
            }),
        };
        s.scrub_message(&mut msg);
        assert_eq!(msg.headers[0].1, REDACTED);
        assert_eq!(msg.headers[1].1, REDACTED);
        assert_eq!(msg.url.as_deref(), Some("http://h/p?k=[REDACTED]"));
        let body = msg.body.unwrap();
        assert_eq!(&body.bytes[..], b"hello [REDACTED]");
        assert_eq!(body.sha256, sha256_hex(b"hello [REDACTED]"));
        assert_eq!(body.size, 16);
    }
}

#[cfg(test)]
mod prefilter_tests {
    use super::may_name_secret_member;

    #[test]
    fn only_bodies_that_may_name_a_secret_member_are_parsed() {
        assert!(may_name_secret_member(br#"{"Access_Token":"x"}"#));
        assert!(may_name_secret_member(br#"{"p\u0061ssword":"x"}"#));
        assert!(!may_name_secret_member(
            br#"{"resourceType":"Patient","name":[{"family":"Nordmann"}]}"#
        ));
    }
}
