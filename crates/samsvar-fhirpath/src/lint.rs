//! Mistakes a parser accepts or reports badly, found before an expression is ever run:
//! functions this build cannot evaluate, calls with the wrong number of arguments, and
//! operators borrowed from other languages (`==`, `&&`, `||`). Also lists the `%name`
//! environment variables an expression reads, with their positions.
//!
//! The engine's syntax tree carries no positions, so this is a light token pass over the
//! text (comments blanked, see `scan`): every finding has a byte offset in the source, so
//! a suite lint can put a caret on the exact spot.

use crate::scan;

/// One mistake, located in the expression source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset in the expression source.
    pub offset: usize,
    /// Length in bytes (at least 1).
    pub len: usize,
    pub kind: FindingKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingKind {
    /// A function FHIRPath (as this build evaluates it) does not have.
    UnknownFunction { name: String },
    /// A known function called with a number of arguments outside `min..=max`.
    Arity {
        name: String,
        min: usize,
        max: usize,
        found: usize,
    },
    /// An operator of another language; `instead` is the FHIRPath one.
    Operator {
        found: &'static str,
        instead: &'static str,
    },
}

/// A `%name` an expression reads, located in the source (the span covers the `%`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableUse {
    pub name: String,
    pub offset: usize,
    pub len: usize,
}

/// What [`lint`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lint {
    pub findings: Vec<Finding>,
    pub variables: Vec<VariableUse>,
}

/// Environment variables FHIRPath and FHIR define themselves (besides `%vs-*`, `%ext-*`).
pub const BUILT_IN_VARIABLES: &[&str] = &[
    "resource",
    "rootResource",
    "context",
    "ucum",
    "sct",
    "loinc",
];

/// Whether `%name` is defined by FHIRPath or FHIR rather than by the caller.
pub fn is_built_in_variable(name: &str) -> bool {
    BUILT_IN_VARIABLES.contains(&name) || name.starts_with("vs-") || name.starts_with("ext-")
}

const ANY: usize = usize::MAX;

/// Every function this build evaluates, with its arity (FHIRPath N1 and the FHIR
/// additions the engine implements).
pub const FUNCTIONS: &[(&str, usize, usize)] = &[
    // Existence
    ("empty", 0, 0),
    ("exists", 0, 1),
    ("all", 1, 1),
    ("allTrue", 0, 0),
    ("anyTrue", 0, 0),
    ("allFalse", 0, 0),
    ("anyFalse", 0, 0),
    ("subsetOf", 1, 1),
    ("supersetOf", 1, 1),
    ("count", 0, 0),
    ("distinct", 0, 0),
    ("isDistinct", 0, 0),
    // Filtering and projection
    ("where", 1, 1),
    ("select", 1, 1),
    ("repeat", 1, 1),
    ("ofType", 1, 1),
    // Subsetting
    ("single", 0, 0),
    ("first", 0, 0),
    ("last", 0, 0),
    ("tail", 0, 0),
    ("skip", 1, 1),
    ("take", 1, 1),
    ("intersect", 1, 1),
    ("exclude", 1, 1),
    // Combining
    ("union", 1, 1),
    ("combine", 1, 1),
    // Conversion
    ("iif", 2, 3),
    ("toBoolean", 0, 0),
    ("convertsToBoolean", 0, 0),
    ("toInteger", 0, 0),
    ("convertsToInteger", 0, 0),
    ("toLong", 0, 0),
    ("convertsToLong", 0, 0),
    ("toDate", 0, 0),
    ("convertsToDate", 0, 0),
    ("toDateTime", 0, 0),
    ("convertsToDateTime", 0, 0),
    ("toDecimal", 0, 0),
    ("convertsToDecimal", 0, 0),
    ("toQuantity", 0, 1),
    ("convertsToQuantity", 0, 1),
    ("toString", 0, 0),
    ("convertsToString", 0, 0),
    ("toTime", 0, 0),
    ("convertsToTime", 0, 0),
    // Strings
    ("indexOf", 1, 1),
    ("lastIndexOf", 1, 1),
    ("substring", 1, 2),
    ("startsWith", 1, 1),
    ("endsWith", 1, 1),
    ("contains", 1, 1),
    ("upper", 0, 0),
    ("lower", 0, 0),
    ("replace", 2, 2),
    ("matches", 1, 1),
    ("matchesFull", 1, 1),
    ("replaceMatches", 2, 2),
    ("length", 0, 0),
    ("toChars", 0, 0),
    ("encode", 1, 1),
    ("decode", 1, 1),
    ("escape", 1, 1),
    ("unescape", 1, 1),
    ("trim", 0, 0),
    ("split", 1, 1),
    ("join", 0, 1),
    // Math
    ("abs", 0, 0),
    ("ceiling", 0, 0),
    ("exp", 0, 0),
    ("floor", 0, 0),
    ("ln", 0, 0),
    ("log", 1, 1),
    ("power", 1, 1),
    ("round", 0, 1),
    ("sqrt", 0, 0),
    ("truncate", 0, 0),
    // Tree navigation, utility, types
    ("children", 0, 0),
    ("descendants", 0, 0),
    ("trace", 1, 2),
    ("now", 0, 0),
    ("timeOfDay", 0, 0),
    ("today", 0, 0),
    ("not", 0, 0),
    ("is", 1, 1),
    ("as", 1, 1),
    ("type", 0, 0),
    ("aggregate", 1, 2),
    ("sort", 0, ANY),
    ("lowBoundary", 0, 1),
    ("highBoundary", 0, 1),
    ("precision", 0, 0),
    ("comparable", 1, 1),
    ("yearOf", 0, 0),
    ("monthOf", 0, 0),
    ("dayOf", 0, 0),
    ("hourOf", 0, 0),
    ("minuteOf", 0, 0),
    ("secondOf", 0, 0),
    ("millisecondOf", 0, 0),
    ("timezoneOffsetOf", 0, 0),
    ("dateOf", 0, 0),
    ("timeOf", 0, 0),
    // FHIR additions
    ("extension", 1, 1),
    ("hasValue", 0, 0),
    ("getValue", 0, 0),
    ("conformsTo", 1, 1),
];

/// The names of [`FUNCTIONS`], for "did you mean" hints.
pub fn function_names() -> impl Iterator<Item = &'static str> + Clone {
    FUNCTIONS.iter().map(|(name, _, _)| *name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// A name, plain or `delimited`.
    Name,
    /// A string, number, date/time literal, `%constant` or `$this`-like: ends an operand.
    Operand,
    /// `.`
    Dot,
    Open,
    Close,
    Comma,
    /// Any other operator.
    Operator,
}

struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

/// Finds the mistakes described in the module documentation. An expression whose text
/// cannot even be tokenised (an unterminated string) gives nothing here: the parser
/// reports it.
pub fn lint(src: &str) -> Lint {
    let Ok(text) = scan::blank_comments_and_check(src) else {
        return Lint::default();
    };
    let mut out = Lint::default();
    let tokens = tokenize(&text, &mut out);
    calls(&text, &tokens, &mut out.findings);
    out.findings.sort_by_key(|f| f.offset);
    out
}

fn tokenize(text: &str, out: &mut Lint) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let tok = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'\'' | b'`' => {
                i = quoted_end(bytes, i);
                if c == b'`' { Tok::Name } else { Tok::Operand }
            }
            b'%' => {
                i += 1;
                let name = if matches!(bytes.get(i), Some(b'`' | b'\'')) {
                    let name_start = i + 1;
                    i = quoted_end(bytes, i);
                    text.get(name_start..i.saturating_sub(1))
                        .unwrap_or_default()
                } else {
                    let name_start = i;
                    i = word_end(bytes, i);
                    &text[name_start..i]
                };
                out.variables.push(VariableUse {
                    name: name.to_string(),
                    offset: start,
                    len: i - start,
                });
                Tok::Operand
            }
            b'@' | b'$' => {
                // `$this`, or a date/time literal such as @2024-01-01T10:00:00.000+01:00
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'-' | b':' | b'+')
                        || (bytes[i] == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
                {
                    i += 1;
                }
                Tok::Operand
            }
            b'0'..=b'9' => {
                i = word_end(bytes, i);
                if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i = word_end(bytes, i + 1);
                }
                Tok::Operand
            }
            b'.' => {
                i += 1;
                Tok::Dot
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                Tok::Open
            }
            b')' | b']' | b'}' => {
                i += 1;
                Tok::Close
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                i = word_end(bytes, i);
                Tok::Name
            }
            _ => {
                let pair = text.get(i..i + 2).unwrap_or_default();
                let foreign = match pair {
                    "==" => Some(("==", "=")),
                    "&&" => Some(("&&", "and")),
                    "||" => Some(("||", "or")),
                    _ => None,
                };
                if let Some((found, instead)) = foreign {
                    out.findings.push(Finding {
                        offset: i,
                        len: 2,
                        kind: FindingKind::Operator { found, instead },
                    });
                }
                i += match pair {
                    "==" | "&&" | "||" | "!=" | "!~" | "<=" | ">=" => 2,
                    _ => text[i..].chars().next().map_or(1, char::len_utf8),
                };
                Tok::Operator
            }
        };
        tokens.push(Token { tok, start, end: i });
    }
    tokens
}

/// The end of a `'…'` or `` `…` `` starting at `i` (just past the closing quote).
fn quoted_end(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            c if c == quote => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
    {
        i += 1;
    }
    i
}

/// An open bracket: a function call's (name, where the name is) or a plain one.
struct Frame {
    call: Option<(String, usize, usize)>,
    commas: usize,
    any: bool,
}

/// Checks every function call: known name, and argument count.
fn calls(text: &str, tokens: &[Token], findings: &mut Vec<Finding>) {
    let mut stack: Vec<Frame> = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        if t.tok != Tok::Close
            && let Some(top) = stack.last_mut()
        {
            if t.tok == Tok::Comma {
                top.commas += 1;
            } else {
                top.any = true;
            }
        }
        match t.tok {
            Tok::Open => {
                let call = call_name(text, tokens, k);
                if let Some((name, start, end)) = &call
                    && !FUNCTIONS.iter().any(|(f, _, _)| f == name)
                {
                    findings.push(Finding {
                        offset: *start,
                        len: end - start,
                        kind: FindingKind::UnknownFunction { name: name.clone() },
                    });
                }
                stack.push(Frame {
                    call,
                    commas: 0,
                    any: false,
                });
            }
            Tok::Close => {
                let Some(frame) = stack.pop() else { continue };
                let Some((name, start, end)) = frame.call else {
                    continue;
                };
                let found = if frame.any { frame.commas + 1 } else { 0 };
                if let Some(&(_, min, max)) = FUNCTIONS.iter().find(|(f, _, _)| *f == name)
                    && !(min..=max).contains(&found)
                {
                    findings.push(Finding {
                        offset: start,
                        len: end - start,
                        kind: FindingKind::Arity {
                            name,
                            min,
                            max,
                            found,
                        },
                    });
                }
            }
            _ => {}
        }
    }
}

/// When the `(` at `k` opens a function call, the function's name and where it is.
/// A name after an operand is a word operator (`a and (b)`, `x contains (y)`), not a call.
fn call_name(text: &str, tokens: &[Token], k: usize) -> Option<(String, usize, usize)> {
    if text.as_bytes().get(tokens[k].start) != Some(&b'(') {
        return None;
    }
    let name = tokens.get(k.checked_sub(1)?)?;
    if name.tok != Tok::Name {
        return None;
    }
    let before = k.checked_sub(2).map(|j| tokens[j].tok);
    if matches!(before, Some(Tok::Name | Tok::Operand | Tok::Close)) {
        return None;
    }
    let raw = &text[name.start..name.end];
    let plain = raw.trim_matches('`').to_string();
    Some((plain, name.start, name.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(usize, FindingKind)> {
        lint(src)
            .findings
            .into_iter()
            .map(|f| (f.offset, f.kind))
            .collect()
    }

    #[test]
    fn unknown_functions_are_located() {
        assert_eq!(
            kinds("name.frist().family"),
            [(
                5,
                FindingKind::UnknownFunction {
                    name: "frist".into()
                }
            )]
        );
        assert!(kinds("name.first().family.exists()").is_empty());
    }

    #[test]
    fn word_operators_before_parentheses_are_not_calls() {
        assert!(kinds("active and (gender = 'male')").is_empty());
        assert!(kinds("name.given contains ('Kari')").is_empty());
        assert!(kinds("(a or b) implies (c)").is_empty());
    }

    #[test]
    fn arity_counts_top_level_arguments() {
        assert_eq!(
            kinds("name.where()"),
            [(
                5,
                FindingKind::Arity {
                    name: "where".into(),
                    min: 1,
                    max: 1,
                    found: 0
                }
            )]
        );
        assert!(
            kinds("iif(a.where(b, c), 'x', 'y')").len() == 1,
            "the inner where has 2"
        );
        assert!(kinds("substring(1, 2)").is_empty());
        assert!(kinds("'a,b'.split(',')").is_empty());
    }

    #[test]
    fn foreign_operators_are_named() {
        assert_eq!(
            kinds("id == 'x' && active || false"),
            [
                (
                    3,
                    FindingKind::Operator {
                        found: "==",
                        instead: "="
                    }
                ),
                (
                    10,
                    FindingKind::Operator {
                        found: "&&",
                        instead: "and"
                    }
                ),
                (
                    20,
                    FindingKind::Operator {
                        found: "||",
                        instead: "or"
                    }
                ),
            ]
        );
        assert!(kinds("id != 'x' and a | b").is_empty());
        assert!(
            kinds("'a == b' = x // c && d").is_empty(),
            "strings and comments"
        );
    }

    #[test]
    fn variables_are_listed_with_positions() {
        let l = lint("id = %decoy and %`patient-id`.exists() and %resource.id = %'x'");
        let names: Vec<(&str, usize, usize)> = l
            .variables
            .iter()
            .map(|v| (v.name.as_str(), v.offset, v.len))
            .collect();
        assert_eq!(
            names,
            [
                ("decoy", 5, 6),
                ("patient-id", 16, 13),
                ("resource", 43, 9),
                ("x", 58, 4)
            ]
        );
        assert!(is_built_in_variable("vs-administrative-gender"));
        assert!(!is_built_in_variable("decoy"));
    }

    #[test]
    fn dates_and_this_are_operands() {
        assert!(kinds("birthDate > @2000-01-01 and $this.exists()").is_empty());
    }
}
