//! Structural checks: the suite document against the format's JSON Schema, with every
//! schema error mapped back to the YAML node it is about.

use crate::schema::suite_schema;
use crate::yaml::{Node, Value as Yaml};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use samsvar_diagnostics::{Diagnostic, Span};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Where a JSON pointer's node was written: its key (when in a mapping) and its value.
#[derive(Debug, Clone, Copy)]
struct Loc {
    key: Option<Span>,
    value: Span,
}

type Index = HashMap<String, Loc>;

/// The schema and its compiled validator, built once per process.
fn compiled() -> Result<&'static (Value, Validator), String> {
    static COMPILED: OnceLock<Result<(Value, Validator), String>> = OnceLock::new();
    COMPILED
        .get_or_init(|| {
            let schema = suite_schema();
            jsonschema::draft7::new(&schema)
                .map(|v| (schema.clone(), v))
                .map_err(|e| format!("failed to compile the suite schema: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Checks the document's structure; pushes one diagnostic per problem.
pub(crate) fn check(root: &Node, diags: &mut Vec<Diagnostic>) {
    let (schema, validator) = match compiled() {
        Ok(c) => (&c.0, &c.1),
        Err(msg) => {
            diags.push(Diagnostic::error("internal", root.span, msg));
            return;
        }
    };
    // Most suites are valid: check the plain tree first and build the pointer index
    // (a string per node, a tenth of loading a large suite) only to place errors.
    if validator.is_valid(&to_json(root, &mut String::new(), None, None)) {
        return;
    }
    let mut index = Index::new();
    let instance = to_json(root, &mut String::new(), None, Some(&mut index));
    for err in validator.iter_errors(&instance) {
        diags.extend(describe(&err, schema, &index, root.span));
    }
}

/// Converts the YAML tree to JSON, recording every node's location by JSON pointer in
/// `index` when one is given.
fn to_json(
    node: &Node,
    ptr: &mut String,
    key: Option<Span>,
    mut index: Option<&mut Index>,
) -> Value {
    if let Some(index) = index.as_deref_mut() {
        index.insert(
            ptr.clone(),
            Loc {
                key,
                value: node.span,
            },
        );
    }
    let indexed = index.is_some();
    match &node.value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(*b),
        Yaml::Int(i) => Value::Number(Number::from(*i)),
        // Non-finite floats have no JSON form; a string makes type checks still fire.
        Yaml::Float(f) => {
            Number::from_f64(*f).map_or_else(|| Value::String(f.to_string()), Value::Number)
        }
        Yaml::Str(s) => Value::String(s.clone()),
        Yaml::Seq(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let len = ptr.len();
                    if indexed {
                        ptr.push('/');
                        ptr.push_str(&i.to_string());
                    }
                    let v = to_json(item, ptr, None, index.as_deref_mut());
                    ptr.truncate(len);
                    v
                })
                .collect(),
        ),
        Yaml::Map(entries) => {
            let mut map = Map::new();
            for e in entries {
                let len = ptr.len();
                if indexed {
                    ptr.push('/');
                    ptr.push_str(&escape(&e.key));
                }
                let v = to_json(&e.value, ptr, Some(e.key_span), index.as_deref_mut());
                ptr.truncate(len);
                map.insert(e.key.clone(), v);
            }
            Value::Object(map)
        }
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

fn segments(ptr: &str) -> Vec<String> {
    ptr.split('/').skip(1).map(unescape).collect()
}

/// The subschema holding the failing keyword, and the name of the `definitions` entry it is in.
fn keyword_parent<'s>(schema: &'s Value, schema_path: &str) -> (Option<&'s Value>, Option<String>) {
    let segs = segments(schema_path);
    let Some((_, parents)) = segs.split_last() else {
        return (Some(schema), None);
    };
    let mut cur = schema;
    let mut def = None;
    for seg in parents {
        let next = if seg == "$ref" {
            cur.get("$ref").and_then(Value::as_str).and_then(|r| {
                let target = r.strip_prefix('#')?;
                def = target.strip_prefix("/definitions/").map(str::to_string);
                schema.pointer(target)
            })
        } else {
            match cur {
                Value::Object(m) => m.get(seg.as_str()),
                Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            }
        };
        match next {
            Some(n) => cur = n,
            None => return (None, def),
        }
    }
    (Some(cur), def)
}

/// How users call the thing at a JSON pointer: its key, or "item N of `key`".
fn name_of(ptr: &str) -> String {
    let segs = segments(ptr);
    match segs.as_slice() {
        [] => "the suite file".to_string(),
        [.., parent, last] if last.parse::<usize>().is_ok() && !parent.is_empty() => {
            if parent.parse::<usize>().is_ok() {
                format!("item {}", last.parse::<usize>().map_or(0, |i| i + 1))
            } else {
                format!(
                    "item {} of `{parent}`",
                    last.parse::<usize>().map_or(0, |i| i + 1)
                )
            }
        }
        [.., last] => format!("`{last}`"),
    }
}

fn def_label(def: Option<&str>) -> &'static str {
    match def {
        Some("suiteMeta") => " in `suite`",
        Some("target") => " in target",
        Some("input") => " in input",
        Some("ehds") => " in `ehds`",
        Some("group") => " in group",
        Some("test") => " in test",
        Some("step") => " in step",
        Some("request") => " in request",
        Some("capture") => " in capture",
        Some("assertion") => " in assertion",
        Some("retry") => " in `retry`",
        None => " at the top level",
        _ => "",
    }
}

fn json_type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn type_words(kind: &TypeKind) -> String {
    let one = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "object" => "a mapping".to_string(),
        "array" => "a list".to_string(),
        "integer" => "an integer".to_string(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(t) => one(t),
        TypeKind::Multiple(set) => {
            let words: Vec<String> = set.iter().map(|t| one(&t)).collect();
            match words.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                _ => words.join(""),
            }
        }
    }
}

fn describe(
    err: &ValidationError<'_>,
    schema: &Value,
    index: &Index,
    fallback: Span,
) -> Vec<Diagnostic> {
    let ptr = err.instance_path().as_str();
    let loc = index.get(ptr).copied().unwrap_or(Loc {
        key: None,
        value: fallback,
    });
    let (parent, def) = keyword_parent(schema, err.evaluation_path().as_str());
    let custom = parent
        .and_then(|p| p.get("errorMessage"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let name = name_of(ptr);
    let first_line = |span: Span| span;
    let d = match err.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed: Vec<&str> = parent
                .and_then(|p| p.get("properties"))
                .and_then(Value::as_object)
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            return unexpected
                .iter()
                .map(|key| {
                    let span = index
                        .get(&format!("{ptr}/{}", escape(key)))
                        .map_or(loc.value, |l| l.key.unwrap_or(l.value));
                    let d = Diagnostic::error(
                        "unknown-key",
                        span,
                        format!("unknown key `{key}`{}", def_label(def.as_deref())),
                    );
                    if let Some(hint) = indentation_hint(ptr, key) {
                        return d.with_hint(hint);
                    }
                    match crate::suggest::closest(key, allowed.iter().copied()) {
                        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                        None if def.as_deref() == Some("test") && key == "tests" => d.with_hint(
                            "a group of tests is written with `group: <id>` and `tests:`",
                        ),
                        None if !allowed.is_empty() => {
                            d.with_hint(format!("expected one of: {}", allowed.join(", ")))
                        }
                        None => d,
                    }
                })
                .collect();
        }
        ValidationErrorKind::Required { property } => {
            let prop = property.as_str().unwrap_or_default();
            let what = def_label(def.as_deref()).trim_start();
            let mut d = Diagnostic::error(
                "missing-key",
                loc.key.unwrap_or(first_line(loc.value)),
                format!(
                    "missing key `{prop}`{}",
                    if what.is_empty() {
                        String::new()
                    } else {
                        format!(" {what}")
                    }
                ),
            );
            if prop == "id" && def.as_deref() == Some("test") {
                d = d.with_hint("every test needs an `id`; a group is written with `group: <id>`");
            }
            d
        }
        ValidationErrorKind::Type { kind } => {
            let expected = type_words(kind);
            let found = json_type_name(err.instance());
            let d = Diagnostic::error(
                "wrong-type",
                loc.value,
                format!("{name} must be {expected}, found {found}"),
            );
            let segs = segments(ptr);
            let misplaced = match segs.as_slice() {
                [.., parent, key] => indentation_hint(&format!("/{}", escape(parent)), key),
                _ => None,
            };
            let hint = misplaced.or(custom).or_else(|| {
                (expected.contains("string")
                    && matches!(**err.instance(), Value::Number(_) | Value::Bool(_)))
                .then(|| "quote the value to make it a string".to_string())
            });
            match hint {
                Some(h) => d.with_hint(h),
                None => d,
            }
        }
        ValidationErrorKind::Enum { options } => {
            let opts: Vec<&str> = options
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let found = err
                .instance()
                .as_str()
                .map_or_else(|| err.instance().to_string(), str::to_string);
            let d = Diagnostic::error(
                "invalid-value",
                loc.value,
                format!(
                    "{name} must be one of {}; found `{found}`",
                    quoted_list(&opts)
                ),
            );
            if !err.instance().is_string() && !opts.is_empty() {
                // `offer: 1.1` is a YAML number; the allowed values are strings.
                return vec![d.with_hint(
                    custom.unwrap_or_else(|| "quote the value to make it a string".to_string()),
                )];
            }
            match crate::suggest::closest(&found, opts.iter().copied()) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => match custom {
                    Some(h) => d.with_hint(h),
                    None => d,
                },
            }
        }
        ValidationErrorKind::Constant { expected_value } => {
            let d = Diagnostic::error(
                "invalid-value",
                loc.value,
                format!("{name} must be `{expected_value}`"),
            );
            match custom {
                Some(h) => d.with_hint(h),
                None => d,
            }
        }
        ValidationErrorKind::OneOfMultipleValid { .. }
        | ValidationErrorKind::OneOfNotValid { .. } => {
            let keys: Vec<String> = err
                .instance()
                .as_object()
                .map(|m| m.keys().map(|k| format!("`{k}`")).collect())
                .unwrap_or_default();
            let message = custom
                .unwrap_or_else(|| format!("{name} matches none or several of its allowed forms"));
            let d = Diagnostic::error("invalid-value", loc.value, message);
            if keys.is_empty() {
                d
            } else {
                d.with_hint(format!("found {}", keys.join(", ")))
            }
        }
        ValidationErrorKind::Pattern { .. } => {
            let found = err.instance().as_str().unwrap_or_default();
            Diagnostic::error(
                "invalid-value",
                loc.value,
                format!("{name} has an invalid value `{found}`"),
            )
            .with_hint(custom.unwrap_or_else(|| "see docs/suite-language.md".to_string()))
        }
        ValidationErrorKind::MinItems { limit } => Diagnostic::error(
            "invalid-value",
            loc.key.unwrap_or(loc.value),
            format!("{name} needs at least {limit} item(s)"),
        ),
        ValidationErrorKind::MinLength { .. } => Diagnostic::error(
            "invalid-value",
            loc.value,
            format!("{name} must not be empty"),
        ),
        ValidationErrorKind::MinProperties { .. } | ValidationErrorKind::MaxProperties { .. } => {
            let keys: Vec<String> = err
                .instance()
                .as_object()
                .map(|m| m.keys().map(|k| format!("`{k}`")).collect())
                .unwrap_or_default();
            let found = if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            };
            let (message, hint) = match def.as_deref() {
                _ if ptr.ends_with("/fhirpath") => (
                    format!(
                        "{name} takes `expr` and exactly one check (`equals`, `not_equals`, `less_than`, `at_most`, `greater_than`, `at_least`, `matches`, `exists`); found {found}"
                    ),
                    "write a bare expression to check that it is true",
                ),
                _ if ptr.ends_with("/header") => (
                    format!(
                        "{name} takes `name` and at most one check (`exists`, `equals`, `not_equals`, `less_than`, `at_most`, `greater_than`, `at_least`, `matches`); found {found}"
                    ),
                    "write a second assertion for a second check",
                ),
                Some("assertion") => (
                    format!("an assertion holds exactly one check; found {found}"),
                    "write each check as its own list item under `assert:`; only `level`, `verifies` and `description` may stand next to it",
                ),
                Some("capture") => (
                    format!("a capture takes its value from exactly one source; found {found}"),
                    "use one of `fhirpath`, `header` (with `regex` to pick a part of it), `status` or `regex`",
                ),
                _ => (
                    format!("{name} has the wrong number of keys; found {found}"),
                    "see docs/suite-language.md",
                ),
            };
            Diagnostic::error("invalid-value", loc.value, message).with_hint(hint)
        }
        ValidationErrorKind::Minimum { limit } => Diagnostic::error(
            "invalid-value",
            loc.value,
            format!("{name} must be at least {limit}, found {}", err.instance()),
        ),
        ValidationErrorKind::Maximum { limit } => Diagnostic::error(
            "invalid-value",
            loc.value,
            format!("{name} must be at most {limit}, found {}", err.instance()),
        ),
        ValidationErrorKind::PropertyNames { error } => {
            let key = error.instance().as_str().unwrap_or_default();
            let span = index
                .get(&format!("{ptr}/{}", escape(key)))
                .map_or(loc.value, |l| l.key.unwrap_or(l.value));
            let (inner_parent, _) = keyword_parent(schema, err.evaluation_path().as_str());
            let _ = inner_parent;
            Diagnostic::error("invalid-name", span, format!("`{key}` is not a valid name"))
                .with_hint("a name starts with a letter or `_` and holds only letters, digits, `_` and `-`")
        }
        _ => Diagnostic::error("invalid-value", loc.value, format!("{name}: {err}")),
    };
    vec![d]
}

/// Keys of a step: found inside one of its parts, they were most likely indented one
/// level too deep.
const STEP_KEYS: &[&str] = &[
    "name", "request", "xds", "tls", "capture", "assert", "retry",
];

/// When `key` is a step key written inside the step part at `ptr` (`capture`,
/// `request`, …), a hint naming the likely indentation mistake.
fn indentation_hint(ptr: &str, key: &str) -> Option<String> {
    let parent = segments(ptr).pop()?;
    let parts = ["capture", "request", "xds", "tls", "assert"];
    (STEP_KEYS.contains(&key) && parts.contains(&parent.as_str()) && key != parent).then(|| {
        format!(
            "`{key}:` looks indented under `{parent}:`, so it is read as part of `{parent}`; \
             indent `{key}:` like `{parent}:` to make it a key of the step"
        )
    })
}

fn quoted_list(opts: &[&str]) -> String {
    opts.iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
