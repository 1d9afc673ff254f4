//! `{{variable}}` templates inside strings.

use crate::model::{Template, TemplatePart};
use samsvar_diagnostics::{Diagnostic, Span};

/// Where the template's text sits in its source, to give each variable its own span.
pub(crate) trait Locate {
    /// The span of `len` bytes at byte `offset` of the template text.
    fn locate(&self, offset: usize, len: usize) -> Span;
    /// The span of the whole text.
    fn whole(&self) -> Span;
}

/// A template read verbatim from a file (fixture bodies): offsets map one to one.
pub(crate) struct Verbatim {
    pub file: u32,
    pub base: usize,
    pub len: usize,
}

impl Locate for Verbatim {
    fn locate(&self, offset: usize, len: usize) -> Span {
        let start = self.base + offset;
        Span::new(self.file, start, start + len.max(1))
    }

    fn whole(&self) -> Span {
        Span::new(self.file, self.base, self.base + self.len)
    }
}

/// Splits `text` into literals and `{{name}}` references. Malformed placeholders are
/// reported and kept as literal text.
pub(crate) fn parse(text: &str, at: &dyn Locate, diags: &mut Vec<Diagnostic>) -> Template {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = 0;
    while let Some(found) = text[rest..].find("{{") {
        let open = rest + found;
        literal.push_str(&text[rest..open]);
        let Some(close_rel) = text[open + 2..].find("}}") else {
            diags.push(
                Diagnostic::error(
                    "invalid-template",
                    at.locate(open, 2),
                    "unclosed `{{` in template",
                )
                .with_hint("close the variable with `}}`"),
            );
            literal.push_str(&text[open..]);
            rest = text.len();
            break;
        };
        let inner_start = open + 2;
        let inner_end = inner_start + close_rel;
        let inner = &text[inner_start..inner_end];
        let name = inner.trim();
        let name_start = inner_start + (inner.len() - inner.trim_start().len());
        if is_var_name(name) {
            if !literal.is_empty() {
                parts.push(TemplatePart::Literal(std::mem::take(&mut literal)));
            }
            parts.push(TemplatePart::Var {
                name: name.to_string(),
                span: at.locate(name_start, name.len()),
            });
        } else {
            diags.push(
                Diagnostic::error(
                    "invalid-template",
                    at.locate(open, inner_end + 2 - open),
                    format!("`{{{{{inner}}}}}` is not a variable reference"),
                )
                .with_hint("a variable name starts with a letter or `_` and holds only letters, digits, `_` and `-`"),
            );
            literal.push_str(&text[open..inner_end + 2]);
        }
        rest = inner_end + 2;
    }
    literal.push_str(&text[rest..]);
    if !literal.is_empty() {
        parts.push(TemplatePart::Literal(literal));
    }
    Template {
        parts,
        span: at.whole(),
    }
}

/// Parses a template from text without a source position (e.g. a fixture file the runner
/// reads at run time). Malformed placeholders stay literal text.
pub fn from_str(text: &str) -> Template {
    let at = Verbatim {
        file: u32::MAX,
        base: 0,
        len: text.len(),
    };
    parse(text, &at, &mut Vec::new())
}

pub(crate) fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Every variable a template refers to, with its span.
pub(crate) fn vars(t: &Template) -> impl Iterator<Item = (&str, Span)> {
    t.parts.iter().filter_map(|p| match p {
        TemplatePart::Var { name, span } => Some((name.as_str(), *span)),
        TemplatePart::Literal(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(len: usize) -> Verbatim {
        Verbatim {
            file: 0,
            base: 10,
            len,
        }
    }

    #[test]
    fn splits_literals_and_variables() {
        let text = "{{fhir}}/Patient/{{ id }}";
        let mut d = Vec::new();
        let t = parse(text, &at(text.len()), &mut d);
        assert!(d.is_empty());
        assert_eq!(t.parts.len(), 3);
        let v: Vec<_> = vars(&t).collect();
        assert_eq!(v[0], ("fhir", Span::new(0, 12, 16)));
        assert_eq!(v[1], ("id", Span::new(0, 30, 32)));
    }

    #[test]
    fn reports_malformed_placeholders() {
        let mut d = Vec::new();
        parse("a {{ b c }} {{x", &at(15), &mut d);
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|d| d.rule == "invalid-template"));
    }
}
