//! A light lexical pass over an expression, done before the engine sees it.
//!
//! It does two jobs the engine does not do for us: it blanks out comments with spaces
//! (so every byte offset the engine reports is an offset in the original text), and it
//! refuses expressions nested or chained deep enough to exhaust the stack of a
//! recursive parser or evaluator (a stack overflow aborts the process; a syntax error
//! does not).

use crate::SyntaxError;

/// Deepest `(`/`[`/`{` nesting accepted. Real constraints nest a handful deep.
pub(crate) const MAX_NESTING: usize = 64;
/// Most path steps and operators accepted in one expression.
pub(crate) const MAX_LINKS: usize = 512;

/// The expression with comments replaced by spaces (newlines kept), same byte length.
pub(crate) fn blank_comments_and_check(src: &str) -> Result<String, SyntaxError> {
    let bytes = src.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    let mut depth = 0usize;
    let mut links = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'`') => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Err(SyntaxError {
                                offset: start,
                                len: src.len() - start,
                                message: "unterminated string or delimited identifier".into(),
                            });
                        }
                        Some(b'\\') => i += 2,
                        Some(&c) if c == quote => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                let end = src[i + 2..].find("*/").map(|p| i + 2 + p + 2);
                let Some(end) = end else {
                    return Err(SyntaxError {
                        offset: start,
                        len: src.len() - start,
                        message: "unterminated comment: `/*` without `*/`".into(),
                    });
                };
                for b in &mut out[start..end] {
                    if *b != b'\n' {
                        *b = b' ';
                    }
                }
                i = end;
            }
            open @ (b'(' | b'[' | b'{') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(SyntaxError {
                        offset: i,
                        len: 1,
                        message: format!(
                            "expression nested too deeply (more than {MAX_NESTING} levels of `{}`)",
                            open as char
                        ),
                    });
                }
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'.' | b'+' | b'-' | b'*' | b'/' | b'|' | b'=' | b'<' | b'>' | b'&' | b'~' => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(SyntaxError {
                        offset: i,
                        len: 1,
                        message: format!(
                            "expression too long (more than {MAX_LINKS} path steps and operators)"
                        ),
                    });
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes were replaced (by ASCII spaces), so this stays valid UTF-8.
    String::from_utf8(out).map_err(|_| SyntaxError {
        offset: 0,
        len: src.len(),
        message: "expression is not valid UTF-8 after removing comments".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_become_spaces_of_the_same_length() {
        let src = "a /* x\ny */ + 1 // tail";
        let out = blank_comments_and_check(src).unwrap();
        assert_eq!(out.len(), src.len());
        assert_eq!(out, "a     \n     + 1        ");
    }

    #[test]
    fn comment_markers_inside_strings_are_text() {
        let src = "'http://x' = `a//b`";
        assert_eq!(blank_comments_and_check(src).unwrap(), src);
    }

    #[test]
    fn unterminated_things_are_located() {
        let e = blank_comments_and_check("1 + /* open").unwrap_err();
        assert_eq!(e.offset, 4);
        let e = blank_comments_and_check("name = 'abc").unwrap_err();
        assert_eq!(e.offset, 7);
    }

    #[test]
    fn deep_nesting_and_long_chains_are_refused() {
        let deep = "(".repeat(MAX_NESTING + 1) + "1" + &")".repeat(MAX_NESTING + 1);
        assert_eq!(
            blank_comments_and_check(&deep).unwrap_err().offset,
            MAX_NESTING
        );
        let long = vec!["a"; MAX_LINKS + 2].join(".");
        assert!(blank_comments_and_check(&long).is_err());
    }
}
