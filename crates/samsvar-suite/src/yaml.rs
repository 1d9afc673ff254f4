//! A small YAML document tree with byte spans, built from saphyr's event stream.
//!
//! We build our own tree (rather than using a generic loader) to keep the span of every
//! key and value, the scalar style (to point inside quoted strings), to report duplicate
//! keys, and to bound depth and alias expansion on hostile input.

use samsvar_diagnostics::{Diagnostic, Span};

type FileId = u32;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use std::collections::HashMap;

/// Deeper nesting than this is refused (suites are shallow; this keeps recursion bounded).
const MAX_DEPTH: usize = 64;
/// Refuse to expand aliases past this many nodes in total ("billion laughs").
const MAX_NODES: usize = 200_000;

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub value: Value,
    pub span: Span,
    /// The scalar's style and raw text as written (for scalars only).
    pub scalar: Option<(ScalarStyle, String)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The key as text (non-string scalar keys are kept as written).
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match &self.value {
            Value::Int(i) => u64::try_from(*i).ok(),
            _ => None,
        }
    }

    /// The entry for `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// A scalar as text: strings as they are, numbers and booleans as written.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                self.scalar.as_ref().map(|(_, raw)| raw.clone())
            }
            _ => None,
        }
    }

    /// The source span of `len` bytes at byte `offset` inside this scalar's value.
    ///
    /// Exact for plain and quoted scalars written on one line and for literal blocks;
    /// otherwise it finds the value's text in the source, falling back to the node.
    pub fn sub_span(&self, source: &str, offset: usize, len: usize) -> Span {
        let Some(value) = self.as_str() else {
            return self.span;
        };
        let start = self.span.start as usize;
        let end = (self.span.end as usize).min(source.len());
        let Some(raw) = source.get(start..end) else {
            return self.span;
        };
        let offset = offset.min(value.len());
        if let Some((style, _)) = &self.scalar
            && let Some(map) = quoted_offsets(*style, raw)
            && let (Some(&a), Some(&b)) =
                (map.get(offset), map.get((offset + len).min(value.len())))
        {
            return Span::new(self.span.file, start + a, start + b.max(a + 1));
        }
        // The line of the value holding the offset, searched for verbatim in the source.
        let line_start = value[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = value[offset..]
            .find('\n')
            .map_or(value.len(), |i| offset + i);
        let line = &value[line_start..line_end];
        let in_line = offset - line_start;
        let found = if line.is_empty() {
            None
        } else {
            raw.find(line)
        };
        match found {
            Some(at) => {
                let s = start + at + in_line;
                let max_len = line.len().saturating_sub(in_line).max(1);
                Span::new(self.span.file, s, s + len.min(max_len).max(1))
            }
            None => self.span,
        }
    }
}

/// For a quoted scalar on one line: the source offset (within `raw`, quotes included) of
/// every byte offset of its value, plus the end. `None` for other scalars.
fn quoted_offsets(style: ScalarStyle, raw: &str) -> Option<Vec<usize>> {
    if raw.contains('\n') || raw.len() < 2 {
        return None;
    }
    let inner = &raw[1..raw.len() - 1];
    let mut map = Vec::with_capacity(inner.len() + 1);
    let mut chars = inner.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let value_len = match (style, c) {
            (ScalarStyle::SingleQuoted, '\'') => {
                chars.next();
                1
            }
            (ScalarStyle::DoubleQuoted, '\\') => {
                let (_, e) = chars.next()?;
                let hex = match e {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => 0,
                };
                let mut code = 0u32;
                for _ in 0..hex {
                    let (_, h) = chars.next()?;
                    code = code * 16 + h.to_digit(16)?;
                }
                match e {
                    'x' | 'u' | 'U' => char::from_u32(code)?.len_utf8(),
                    '_' => '\u{a0}'.len_utf8(),
                    'N' => '\u{85}'.len_utf8(),
                    'L' => '\u{2028}'.len_utf8(),
                    'P' => '\u{2029}'.len_utf8(),
                    _ => 1,
                }
            }
            (ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, _) => c.len_utf8(),
            _ => return None,
        };
        map.extend(std::iter::repeat_n(1 + i, value_len));
    }
    map.push(raw.len() - 1);
    Some(map)
}

/// Parses one YAML document. Syntax problems end parsing (YAML cannot be recovered
/// reliably); duplicate keys are reported and parsing continues.
pub(crate) fn parse(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        file,
        offsets: &offsets,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        documents: 0,
        nodes: 0,
    };
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(ev) => ev,
            Err(err) => {
                diags.push(scan_error(file, &offsets, &err));
                return None;
            }
        };
        let span = Span::new(
            file,
            offsets.byte(span.start.index()),
            offsets.byte(span.end.index()),
        );
        if let Err(d) = builder.event(event, span, text) {
            diags.push(*d);
            return None;
        }
    }
    if builder.documents > 1 {
        diags.push(Diagnostic::error(
            "yaml-syntax",
            Span::new(file, 0, 0),
            "a suite file holds exactly one YAML document, found more",
        ));
    }
    diags.extend(duplicate_keys(builder.root.as_ref()));
    builder.root
}

fn scan_error(file: FileId, offsets: &CharOffsets, err: &ScanError) -> Diagnostic {
    let at = offsets.byte(err.marker().index());
    Diagnostic::error(
        "yaml-syntax",
        Span::new(file, at, at + 1),
        format!("failed to parse YAML: {}", err.info()),
    )
}

/// Maps saphyr's character indices to byte offsets.
struct CharOffsets {
    /// Byte offset of every character, plus the end; empty when the text is ASCII.
    table: Vec<usize>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        };
        Self {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

enum Frame {
    Seq {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: Span,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    file: FileId,
    offsets: &'a CharOffsets,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    documents: usize,
    nodes: usize,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: Span, text: &str) -> Result<(), Box<Diagnostic>> {
        let _ = self.offsets;
        match event {
            Event::DocumentStart(_) => self.documents += 1,
            Event::Scalar(value, style, anchor, tag) => {
                let raw = text
                    .get(span.start as usize..span.end as usize)
                    .unwrap_or_default()
                    .to_string();
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value = if style == ScalarStyle::Plain && !is_str_tag {
                    resolve_plain(&value)
                } else {
                    Value::Str(value.into_owned())
                };
                let node = Node {
                    value,
                    span,
                    scalar: Some((style, raw)),
                };
                self.remember(anchor, &node);
                self.push(node)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(Frame::Seq {
                    start: span,
                    anchor,
                    items: Vec::new(),
                })?;
            }
            Event::MappingStart(anchor, _) => {
                self.open(Frame::Map {
                    start: span,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                })?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        items,
                    }) => {
                        let node = self.close(start, span, Value::Seq(items));
                        self.remember(anchor, &node);
                        node
                    }
                    Some(Frame::Map {
                        start,
                        anchor,
                        entries,
                        ..
                    }) => {
                        let node = self.close(start, span, Value::Map(entries));
                        self.remember(anchor, &node);
                        node
                    }
                    None => return Ok(()),
                };
                self.push(node)?;
            }
            Event::Alias(id) => {
                let Some(node) = self.anchors.get(&id).cloned() else {
                    return Err(Box::new(Diagnostic::error(
                        "yaml-syntax",
                        span,
                        "failed to resolve a YAML alias: unknown anchor",
                    )));
                };
                self.nodes += count(&node);
                if self.nodes > MAX_NODES {
                    return Err(Box::new(Diagnostic::error(
                        "yaml-too-large",
                        span,
                        format!("failed to expand YAML aliases: more than {MAX_NODES} nodes"),
                    )));
                }
                // Point at the alias, not at the anchored original.
                let node = Node { span, ..node };
                self.push(node)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame) -> Result<(), Box<Diagnostic>> {
        let span = match &frame {
            Frame::Seq { start, .. } | Frame::Map { start, .. } => *start,
        };
        if self.stack.len() >= MAX_DEPTH {
            return Err(Box::new(Diagnostic::error(
                "yaml-too-deep",
                span,
                format!("failed to parse YAML: nested deeper than {MAX_DEPTH} levels"),
            )));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&self, start: Span, end: Span, value: Value) -> Node {
        Node {
            value,
            span: Span::new(self.file, start.start as usize, end.end as usize),
            scalar: None,
        }
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn push(&mut self, node: Node) -> Result<(), Box<Diagnostic>> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Box::new(Diagnostic::error(
                "yaml-too-large",
                node.span,
                format!("failed to parse YAML: more than {MAX_NODES} nodes"),
            )));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push(Entry {
                    key: key_text(&k),
                    key_span: k.span,
                    value: node,
                }),
            },
        }
        Ok(())
    }
}

fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => s.clone(),
        Value::Null => String::new(),
        _ => node
            .scalar
            .as_ref()
            .map_or_else(|| "<complex key>".to_string(), |(_, raw)| raw.clone()),
    }
}

fn count(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(count).sum(),
        Value::Map(entries) => entries.iter().map(|e| 1 + count(&e.value)).sum(),
        _ => 0,
    }
}

/// The YAML 1.2 core schema for plain scalars.
fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = s.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(hex) = s.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = s.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    if looks_like_float(s)
        && let Ok(f) = s.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(s.to_string())
}

fn looks_like_float(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = {
        let mut parts = mantissa.splitn(2, '.');
        let int = parts.next().unwrap_or_default();
        let frac = parts.next();
        int.bytes().all(|b| b.is_ascii_digit())
            && frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
            && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()))
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exp_ok
}

/// Every key written twice in the same mapping (YAML forbids it; silently keeping one
/// would hide an author's mistake).
fn duplicate_keys(root: Option<&Node>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut todo: Vec<&Node> = root.into_iter().collect();
    while let Some(node) = todo.pop() {
        match &node.value {
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => {
                let mut seen: HashMap<&str, Span> = HashMap::new();
                for e in entries {
                    if let Some(first) = seen.get(e.key.as_str()) {
                        out.push(
                            Diagnostic::error(
                                "duplicate-key",
                                e.key_span,
                                format!("duplicate key `{}` in this mapping", e.key),
                            )
                            .with_hint(format!(
                                "`{}` is already set at byte {}; remove one of them",
                                e.key, first.start
                            )),
                        );
                    } else {
                        seen.insert(&e.key, e.key_span);
                    }
                    todo.push(&e.value);
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|d| d.span().map(|s| s.start));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Node {
        let mut d = Vec::new();
        let n = parse(0, text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        n.unwrap()
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn keeps_key_and_value_spans() {
        let text = "a: 1\nb:\n  - \"x y\"\n  - 'z'\n  - plain text\nc: |\n  lit\n";
        let root = parse_ok(text);
        let b = root.get("b").unwrap();
        assert_eq!(slice(text, b.key_span), "b");
        let items = b.value.as_seq().unwrap();
        assert_eq!(items[0].as_str(), Some("x y"));
        assert_eq!(slice(text, items[0].sub_span(text, 2, 1)), "y");
        assert_eq!(slice(text, items[1].sub_span(text, 0, 1)), "z");
        assert_eq!(slice(text, items[2].sub_span(text, 6, 4)), "text");
        let c = root.get("c").unwrap();
        assert_eq!(slice(text, c.value.sub_span(text, 1, 2)), "it");
        assert!(matches!(root.get("a").unwrap().value.value, Value::Int(1)));
        let text = "a: 'it''s x'\nb: \"\\u00e9\\t y\"\n";
        let root = parse_ok(text);
        let a = &root.get("a").unwrap().value;
        assert_eq!(a.as_str(), Some("it's x"));
        assert_eq!(slice(text, a.sub_span(text, 5, 1)), "x");
        let b = &root.get("b").unwrap().value;
        assert_eq!(slice(text, b.sub_span(text, 4, 1)), "y");
    }

    #[test]
    fn resolves_core_schema_scalars() {
        assert!(matches!(resolve_plain("1.0"), Value::Float(_)));
        assert!(matches!(resolve_plain("1.0.0"), Value::Str(_)));
        assert!(matches!(resolve_plain("-12"), Value::Int(-12)));
        assert!(matches!(resolve_plain("~"), Value::Null));
        assert!(matches!(resolve_plain("yes"), Value::Str(_)));
        assert!(matches!(resolve_plain("1e5"), Value::Float(_)));
        assert!(matches!(resolve_plain("e5"), Value::Str(_)));
    }

    #[test]
    fn reports_duplicate_keys_and_bad_syntax() {
        let mut d = Vec::new();
        parse(0, "a: 1\na: 2\n", &mut d);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].rule, "duplicate-key");
        let mut d = Vec::new();
        parse(0, "a: [1, 2\n", &mut d);
        assert_eq!(d[0].rule, "yaml-syntax");
    }

    #[test]
    fn bounds_depth_and_alias_expansion() {
        let mut d = Vec::new();
        let deep = "[".repeat(70) + &"]".repeat(70);
        parse(0, &deep, &mut d);
        assert_eq!(d[0].rule, "yaml-too-deep");
        // Far deeper input is refused by the scanner itself, without a stack overflow.
        let mut d = Vec::new();
        let deeper = "[".repeat(100_000);
        assert!(parse(0, &deeper, &mut d).is_none());
        assert!(d[0].is_error());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h'] {
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let mut d = Vec::new();
        parse(0, &bomb, &mut d);
        assert_eq!(d[0].rule, "yaml-too-large");
    }
}
