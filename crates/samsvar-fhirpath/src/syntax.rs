//! Turning the engine's syntax errors into byte-located [`SyntaxError`]s.
//!
//! rh-fhirpath reports where parsing stopped only as text: either "Unexpected
//! characters: REST" (the unparsed rest of the input) or nom's debug form
//! `Error { input: "REST", code: … }`. REST is always a suffix of what the engine
//! parsed, so its start is recovered as a byte offset by measuring from the end.
//! Comments were blanked beforehand (see `scan`), so offsets match the original text.

use crate::SyntaxError;

/// Locates the engine's complaint about `blanked` (the expression with comments blanked).
pub(crate) fn locate(blanked: &str, engine_message: &str) -> SyntaxError {
    let trimmed_end = blanked.trim_end();
    let rest = unparsed_rest(engine_message);
    let offset = rest
        .as_deref()
        .map(str::trim)
        .filter(|r| trimmed_end.ends_with(r))
        .map(|r| trimmed_end.len() - r.len());
    match offset {
        Some(offset) if offset < trimmed_end.len() => {
            let token_len = token_len(&trimmed_end[offset..]);
            SyntaxError {
                offset,
                len: token_len,
                message: format!("unexpected `{}`", &trimmed_end[offset..offset + token_len]),
            }
        }
        // Parsing ran out of input: the problem is at the end.
        Some(_) => SyntaxError {
            offset: trimmed_end.len(),
            len: 0,
            message: "unexpected end of expression".into(),
        },
        None => SyntaxError {
            offset: blanked.len() - blanked.trim_start().len(),
            len: trimmed_end.trim_start().len(),
            message: format!("invalid FHIRPath syntax ({engine_message})"),
        },
    }
}

/// The unparsed rest of the input named in an engine message, if it names one.
fn unparsed_rest(message: &str) -> Option<String> {
    if let Some(pos) = message.find("Unexpected characters: ") {
        return Some(message[pos + "Unexpected characters: ".len()..].to_string());
    }
    let start = message.find("input: \"")? + "input: \"".len();
    unescape_debug_str(&message[start..])
}

/// Reads a Rust `{:?}`-escaped string body up to its closing quote.
fn unescape_debug_str(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '0' => out.push('\0'),
                'u' => {
                    let hex: String = chars
                        .by_ref()
                        .skip_while(|c| *c == '{')
                        .take_while(|c| *c != '}')
                        .collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                other => out.push(other),
            },
            other => out.push(other),
        }
    }
    None
}

/// Length in bytes of the token starting `rest`: an identifier/number, or one character.
fn token_len(rest: &str) -> usize {
    let word: usize = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum();
    if word > 0 {
        word
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unexpected_characters_are_measured_from_the_end() {
        let e = locate("name..given", "Unexpected characters: ..given");
        assert_eq!((e.offset, e.len), (4, 1));
        assert_eq!(e.message, "unexpected `.`");
    }

    #[test]
    fn nom_debug_input_is_unescaped() {
        let msg = r#"Parse error: Error(Error { input: "'a\"b\n", code: Char })"#;
        let e = locate("x + 'a\"b\n", msg);
        assert_eq!(e.offset, 4);
    }

    #[test]
    fn unknown_messages_cover_the_whole_expression() {
        let e = locate("  abc  ", "something else");
        assert_eq!((e.offset, e.len), (2, 3));
    }
}
