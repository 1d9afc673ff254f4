//! Variable scopes and `{{name}}` template rendering.

use samsvar_suite::model::{JsonTemplate, Template, TemplatePart};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A template referred to a variable that has no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to resolve `{{{{{name}}}}}`: variable `{name}` is not defined here{hint}")]
pub struct UndefinedVariable {
    pub name: String,
    hint: String,
}

impl UndefinedVariable {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            hint: String::new(),
        }
    }
}

/// The variables visible to a step: inputs, target URLs, setup captures, the captures of
/// the tests it needs and the captures of earlier steps of its own test.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    values: BTreeMap<String, String>,
    /// Names that were declared as captures but found no value, for a better message.
    uncaptured: BTreeMap<String, String>,
}

impl Scope {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.uncaptured.remove(&name);
        self.values.insert(name, value.into());
    }

    /// Records that a capture named `name` found nothing (and why).
    pub fn set_uncaptured(&mut self, name: impl Into<String>, why: impl Into<String>) {
        let name = name.into();
        self.values.remove(&name);
        self.uncaptured.insert(name, why.into());
    }

    /// Copies every value (and every empty capture) of `other` into this scope.
    pub fn merge_from(&mut self, other: &Scope) {
        for (k, v) in &other.values {
            self.set(k.clone(), v.clone());
        }
        for (k, why) in &other.uncaptured {
            if !self.values.contains_key(k) {
                self.uncaptured.insert(k.clone(), why.clone());
            }
        }
    }

    /// Whether `name` has a value.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// Why the capture `name` found no value, when it ran and found none.
    pub fn why_uncaptured(&self, name: &str) -> Option<&str> {
        self.uncaptured.get(name).map(String::as_str)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    fn lookup(&self, name: &str) -> Result<Cow<'_, str>, UndefinedVariable> {
        if let Some(v) = self.values.get(name) {
            return Ok(Cow::Borrowed(v));
        }
        // A new value at every use, so two creates in one run never collide either.
        if name == "$uuid" {
            return Ok(Cow::Owned(uuid::Uuid::new_v4().to_string()));
        }
        let mut err = UndefinedVariable::new(name);
        if let Some(why) = self.uncaptured.get(name) {
            err.hint = format!(" (its capture found no value: {why})");
        }
        Err(err)
    }

    /// Renders a template, substituting every `{{name}}`.
    pub fn render(&self, t: &Template) -> Result<String, UndefinedVariable> {
        self.render_with(t, |v| v.to_string())
    }

    /// Renders a regex template: each `{{name}}` stands for its value literally (escaped),
    /// so a captured `1.0` matches `1.0` and not `100`.
    pub fn render_regex(&self, t: &Template) -> Result<String, UndefinedVariable> {
        self.render_with(t, regex::escape)
    }

    fn render_with(
        &self,
        t: &Template,
        value: impl Fn(&str) -> String,
    ) -> Result<String, UndefinedVariable> {
        let mut out = String::new();
        for part in &t.parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Var { name, .. } => out.push_str(&value(&self.lookup(name)?)),
            }
        }
        Ok(out)
    }

    /// Renders a JSON template (string leaves are templates) into JSON.
    pub fn render_json(&self, t: &JsonTemplate) -> Result<Value, UndefinedVariable> {
        Ok(match t {
            JsonTemplate::Null => Value::Null,
            JsonTemplate::Bool(b) => Value::Bool(*b),
            JsonTemplate::Number(n) => Value::Number(n.clone()),
            JsonTemplate::String(s) => Value::String(self.render(s)?),
            JsonTemplate::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.render_json(i))
                    .collect::<Result<_, _>>()?,
            ),
            JsonTemplate::Object(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    m.insert(k.clone(), self.render_json(v)?);
                }
                Value::Object(m)
            }
        })
    }

    /// Renders free text (a templated fixture file) with `{{name}}` placeholders.
    pub fn render_text(&self, text: &str) -> Result<String, UndefinedVariable> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open + 2..].find("}}") else {
                break;
            };
            out.push_str(&rest[..open]);
            let name = rest[open + 2..open + 2 + close].trim();
            out.push_str(&self.lookup(name)?);
            rest = &rest[open + 2 + close + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use samsvar_diagnostics::Span;

    fn tpl(parts: Vec<TemplatePart>) -> Template {
        Template {
            parts,
            span: Span::default(),
        }
    }

    #[test]
    fn renders_and_reports_undefined() {
        let mut s = Scope::new();
        s.set("id", "42");
        let t = tpl(vec![
            TemplatePart::Literal("Patient/".into()),
            TemplatePart::Var {
                name: "id".into(),
                span: Span::default(),
            },
        ]);
        assert_eq!(s.render(&t).unwrap(), "Patient/42");
        s.set_uncaptured("id", "header `location` is absent");
        let err = s.render(&t).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to resolve `{{id}}`: variable `id` is not defined here (its capture found no value: header `location` is absent)"
        );
    }

    #[test]
    fn renders_text_placeholders() {
        let mut s = Scope::new();
        s.set("family", "Nordmann");
        assert_eq!(
            s.render_text("{\"family\": \"{{ family }}\", \"x\": \"{{\"}")
                .unwrap(),
            "{\"family\": \"Nordmann\", \"x\": \"{{\"}"
        );
    }
}
