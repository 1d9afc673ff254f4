//! The spellings a secret takes on its way through servers, URLs and documents: what a
//! server that echoes a token may send back, and what must therefore be redacted.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Secrets at least this long are also found inside longer base64 text (a token that a
/// server wrapped in a JWT or a base64 blob), at every byte alignment. Shorter ones
/// would leave too short a fragment to find without hitting ordinary text.
const MIN_LEN_FOR_BASE64_FRAGMENTS: usize = 12;

/// Every spelling of `secret` to redact, without duplicates. Base64 padding is left out:
/// the unpadded text is what any encoder's output contains.
pub fn spellings(secret: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    add(secret.to_string());
    // application/x-www-form-urlencoded (`+` for space) and RFC 3986 (`%20`), in both
    // hex cases since servers differ.
    add(form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    let strict = percent_encode(secret);
    add(strict.to_ascii_lowercase_hex());
    add(strict);
    // JSON string content, with and without the optional `\/`, and escaped twice (a
    // JSON document quoted inside another, as echoing servers do).
    let json = json_escaped(secret);
    add(json.replace('/', "\\/"));
    add(json_escaped(&json));
    add(json);
    add(html_escaped(secret, "&#39;"));
    add(html_escaped(secret, "&#x27;"));
    for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        add(engine.encode(secret));
        if secret.len() >= MIN_LEN_FOR_BASE64_FRAGMENTS {
            for fragment in base64_fragments(engine, secret.as_bytes()) {
                add(fragment);
            }
        }
    }
    out
}

/// The part of the base64 text of `secret` that is the same wherever the secret sits in
/// a longer input: for each of the three byte alignments, the encoding with the
/// characters that also depend on neighbouring bytes cut off at both ends.
fn base64_fragments(engine: &impl Engine, secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut input = vec![0u8; offset];
        input.extend_from_slice(secret);
        let encoded = engine.encode(&input);
        // Characters before the secret's first whole 6-bit group depend on what precedes.
        let head = match offset {
            0 => 0,
            1 => 2,
            _ => 3,
        };
        // A last, partial group depends on what follows.
        let tail = usize::from(input.len() % 3 != 0);
        if encoded.len() > head + tail {
            out.push(encoded[head..encoded.len() - tail].to_string());
        }
    }
    out
}

/// Percent-encodes every byte outside the RFC 3986 unreserved set (`%2F`, `%20`).
fn percent_encode(s: &str) -> String {
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

trait LowerHex {
    fn to_ascii_lowercase_hex(&self) -> String;
}

impl LowerHex for String {
    /// `%2F` → `%2f`, leaving the other characters alone.
    fn to_ascii_lowercase_hex(&self) -> String {
        let mut out = String::with_capacity(self.len());
        let mut chars = self.chars();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '%' {
                for _ in 0..2 {
                    if let Some(h) = chars.next() {
                        out.push(h.to_ascii_lowercase());
                    }
                }
            }
        }
        out
    }
}

/// The secret as it appears inside a JSON string literal.
fn json_escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

/// The secret as HTML text or attribute content; `apostrophe` is how `'` is written.
fn html_escaped(s: &str, apostrophe: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_spellings_are_there() {
        let all = spellings("a/b c+d&'<x>\"");
        for expected in [
            "a/b c+d&'<x>\"",
            "a%2Fb+c%2Bd%26%27%3Cx%3E%22",
            "a%2Fb%20c%2Bd%26%27%3Cx%3E%22",
            "a%2fb%20c%2bd%26%27%3cx%3e%22",
            "a/b c+d&'<x>\\\"",
            "a\\/b c+d&'<x>\\\"",
            "a/b c+d&amp;&#39;&lt;x&gt;&quot;",
            "a/b c+d&amp;&#x27;&lt;x&gt;&quot;",
        ] {
            assert!(all.iter().any(|s| s == expected), "{expected} in {all:?}");
        }
    }

    #[test]
    fn base64_fragments_are_found_inside_longer_base64() {
        let secret = "tok-0123456789-abcdef";
        let needles = spellings(secret);
        for prefix in ["", "x", "xy", "xyz", "{\"access_token\":\""] {
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                let blob = engine.encode(format!("{prefix}{secret}\"}}"));
                assert!(
                    needles.iter().any(|n| blob.contains(n.as_str())),
                    "prefix {prefix:?}: no needle in {blob}"
                );
            }
        }
    }

    #[test]
    fn short_secrets_get_no_base64_fragments() {
        // Only the whole encodings: a fragment of 4 bytes' base64 would be 3 characters.
        let all = spellings("abcd");
        assert!(all.iter().all(|s| s.len() >= 4), "{all:?}");
    }
}
