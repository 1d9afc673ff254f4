//! Bounded excerpts of values that come from the system under test. A server decides how
//! long an assertion's `actual`, a SOAP fault reason or an error message is; every
//! renderer (terminal, run.json, JUnit, evidence, TestReport, HTML) copies those values,
//! so each is cut once, where it enters the record, to at most a configured number of
//! bytes. The whole payload stays in the exchange (`exchanges/<sha256>` in the bundle).
//!
//! Control characters a server sends (an ANSI escape in a fault reason) are shown
//! escaped, so a value can neither run past its excerpt nor drive the user's terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Default bytes of a SUT-provided value kept in the record (`--max-excerpt`).
pub const DEFAULT_EXCERPT_BYTES: usize = 2048;

/// Default issues kept per assertion; the rest are counted in one closing issue.
pub const DEFAULT_MAX_ISSUES: usize = 200;

/// `text` cut to at most `limit` bytes (on a character boundary), control characters
/// other than newline and tab escaped, and a note of the size when it was cut:
/// `… [excerpt: 2048 of 9437184 bytes]`.
pub fn excerpt(text: &str, limit: usize) -> Cow<'_, str> {
    let cut = text.len() > limit;
    if !cut && !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 48);
    for c in text[..end].chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    if cut {
        let _ = write!(out, "… [excerpt: {end} of {} bytes]", text.len());
    }
    Cow::Owned(out)
}

/// C0 and C1 control characters and DEL, except newline and tab.
fn needs_escape(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_clean_text_is_borrowed() {
        assert!(matches!(
            excerpt("status 200", 16),
            Cow::Borrowed("status 200")
        ));
    }

    #[test]
    fn long_text_is_cut_with_its_size() {
        let long = "x".repeat(10_000);
        let out = excerpt(&long, 100);
        assert_eq!(
            out,
            format!("{}… [excerpt: 100 of 10000 bytes]", "x".repeat(100))
        );
    }

    #[test]
    fn cuts_on_a_character_boundary() {
        let text = "ææææ"; // two bytes each
        assert_eq!(excerpt(text, 3), "æ… [excerpt: 2 of 8 bytes]");
    }

    #[test]
    fn control_characters_are_escaped_newlines_kept() {
        assert_eq!(
            excerpt("a\u{1b}[31mred\r\nb\tc\u{85}", 100),
            "a\\u{1b}[31mred\\u{d}\nb\tc\\u{85}"
        );
    }
}
