//! `body: { size, sha1 }`: the bytes that arrived, counted and hashed, against what the
//! suite expects (often what a DocumentReference says of the document: FHIR's
//! `Attachment.size` and `Attachment.hash`, the SHA-1 in base64).

use super::{ResponseView, Verdict};
use crate::vars::Scope;
use base64::Engine as _;
use samsvar_suite::model::Template;
use sha1::{Digest, Sha1};

pub fn body_digest(
    size: Option<&Template>,
    sha1: Option<&Template>,
    view: &dyn ResponseView,
    scope: &Scope,
) -> Verdict {
    let Some(bytes) = view.bytes() else {
        return Verdict::error(None, "this step has no response body to count or hash");
    };
    let mut expected = Vec::new();
    let mut actual = Vec::new();
    let mut holds = true;
    if let Some(t) = size {
        let want = match scope.render(t) {
            Ok(s) => s,
            Err(e) => return Verdict::error(None, e.to_string()),
        };
        let Ok(n) = want.trim().parse::<u64>() else {
            return Verdict::error(
                Some(want.clone()),
                format!("`size` must be a number of bytes, not `{want}`"),
            );
        };
        holds &= n == bytes.len() as u64;
        expected.push(format!("{n} bytes"));
        actual.push(format!("{} bytes", bytes.len()));
    }
    if let Some(t) = sha1 {
        let want = match scope.render(t) {
            Ok(s) => s,
            Err(e) => return Verdict::error(None, e.to_string()),
        };
        let Some(want_digest) = sha1_of_text(&want) else {
            return Verdict::error(
                Some(want.clone()),
                format!(
                    "`sha1` must be 40 hex digits or the base64 of 20 bytes (as Attachment.hash), not `{want}`"
                ),
            );
        };
        let got = Sha1::digest(bytes);
        holds &= got.as_slice() == want_digest.as_slice();
        // Shown in the form the suite wrote, so that the two can be compared by eye.
        let shown = if want.trim().len() == 40 {
            hex::encode(got)
        } else {
            base64::engine::general_purpose::STANDARD.encode(got)
        };
        expected.push(format!("SHA-1 {}", want.trim()));
        actual.push(format!("SHA-1 {shown}"));
    }
    Verdict::check(holds, expected.join(", "), actual.join(", "))
}

/// The 20 bytes a SHA-1 text stands for: 40 hex digits, or base64 (padding optional).
fn sha1_of_text(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(t).ok();
    }
    let engine = base64::engine::general_purpose::STANDARD;
    let padded = match t.len() % 4 {
        2 => format!("{t}=="),
        3 => format!("{t}="),
        _ => t.to_string(),
    };
    engine.decode(padded).ok().filter(|d| d.len() == 20)
}

#[cfg(test)]
mod tests {
    use super::sha1_of_text;

    #[test]
    fn sha1_texts_are_hex_or_base64_of_twenty_bytes() {
        let from_hex = sha1_of_text("b6926780f5986a7d5ad794ef4eb7093c236206cf").unwrap();
        assert_eq!(
            sha1_of_text("tpJngPWYan1a15TvTrcJPCNiBs8=").unwrap(),
            from_hex
        );
        assert_eq!(
            sha1_of_text("tpJngPWYan1a15TvTrcJPCNiBs8").unwrap(),
            from_hex
        );
        assert_eq!(sha1_of_text("aGVsbG8="), None, "5 bytes are not a SHA-1");
        assert_eq!(sha1_of_text("not base64!"), None);
    }
}
