//! A small owned XML tree: what the XDS code reads and writes.
//!
//! Parsed trees carry resolved namespace URIs and source positions; built trees carry
//! the namespace URI and a prefix for writing. Both compare by (namespace, local name).

mod parse;
mod write;

pub use parse::{XmlLimits, parse};
use samsvar_diagnostics::LineCol;
pub use write::to_string;

/// An element: name, attributes, children and concatenated text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Namespace URI, empty when unbound.
    pub ns: String,
    /// Prefix used when writing (ignored when reading).
    pub prefix: String,
    pub local: String,
    /// Unqualified attributes in document order (namespace declarations excluded).
    pub attrs: Vec<(String, String)>,
    /// Namespace declarations to write on this element: (prefix, uri).
    pub decls: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Concatenated character data directly inside this element.
    pub text: String,
    /// 1-based line and column of the start tag when parsed.
    pub pos: Option<LineCol>,
}

impl Element {
    /// A new element in namespace `ns`, written as `prefix:local`.
    pub fn new(ns: &str, prefix: &str, local: &str) -> Self {
        Element {
            ns: ns.to_string(),
            prefix: prefix.to_string(),
            local: local.to_string(),
            ..Default::default()
        }
    }

    pub fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set_attr(name, value);
        self
    }

    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.to_string(), value)),
        }
    }

    pub fn child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    pub fn decl(mut self, prefix: &str, uri: &str) -> Self {
        self.decls.push((prefix.to_string(), uri.to_string()));
        self
    }

    pub fn get_attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// Children with this namespace and local name.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, local))
    }

    pub fn first_child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, local))
    }

    /// Depth-first search for the first descendant (or self) with this name.
    pub fn find(&self, ns: &str, local: &str) -> Option<&Element> {
        if self.is(ns, local) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(ns, local))
    }

    /// Trimmed text of the element.
    pub fn text_trimmed(&self) -> &str {
        self.text.trim()
    }

    /// `line:col` when known.
    pub fn position(&self) -> Option<String> {
        self.pos.map(|p| format!("{}:{}", p.line, p.col))
    }

    /// Qualified name as written (prefix:local, or local).
    pub fn qname(&self) -> String {
        if self.prefix.is_empty() {
            self.local.clone()
        } else {
            format!("{}:{}", self.prefix, self.local)
        }
    }
}
