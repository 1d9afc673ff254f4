//! The official FHIRPath test suite (`tests-fhir-r4.xml`): loading, running and scoring.
//!
//! Engine-neutral on purpose: the runner takes a closure, so the same scoring measures
//! every candidate engine and the engine samsvar ships.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::Value;

/// One `<test>` of the suite.
#[derive(Debug, Clone)]
pub struct TestCase {
    pub group: String,
    pub name: String,
    pub input_file: Option<String>,
    pub expression: String,
    /// `syntax`, `semantic`, `execution` or `true` when the expression must fail.
    pub invalid: Option<String>,
    /// The result is to be converted to a boolean before comparing.
    pub predicate: bool,
    /// The expected outputs may come in any order.
    pub unordered: bool,
    pub outputs: Vec<ExpectedOutput>,
}

#[derive(Debug, Clone)]
pub struct ExpectedOutput {
    pub ty: String,
    pub text: String,
}

/// What an engine did with one expression.
pub enum EngineOutcome {
    SyntaxError(String),
    EvalError(String),
    Values(Vec<Value>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    WrongAnswer,
    UnexpectedSyntaxError,
    UnexpectedEvalError,
    MissedError,
    MissingInput,
    Panicked,
}

/// Reads every `<test>` (modeTest entries are engine-mode specific and left out).
pub fn load_tests(path: &Path) -> Result<Vec<TestCase>, String> {
    let xml = std::fs::read_to_string(path)
        .map_err(|e| format!("failed to read {}: {e}", path.display()))?;
    let mut reader = Reader::from_str(&xml);
    let mut tests = Vec::new();
    let mut group = String::new();
    let mut current: Option<TestCase> = None;
    let mut text_target: Option<&'static str> = None;
    let mut text = String::new();
    let mut out_ty = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("failed to parse {}: {e}", path.display()))?;
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let attrs: BTreeMap<String, String> = e
                    .attributes()
                    .filter_map(Result::ok)
                    .map(|a| {
                        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                        let value = a
                            .unescape_value()
                            .map(|v| v.into_owned())
                            .unwrap_or_default();
                        (key, value)
                    })
                    .collect();
                match e.name().as_ref() {
                    b"group" => group = attrs.get("name").cloned().unwrap_or_default(),
                    b"test" => {
                        current = Some(TestCase {
                            group: group.clone(),
                            name: attrs.get("name").cloned().unwrap_or_default(),
                            input_file: attrs.get("inputfile").cloned(),
                            expression: String::new(),
                            invalid: attrs.get("invalid").cloned(),
                            predicate: attrs.get("predicate").is_some_and(|p| p == "true"),
                            unordered: attrs.get("ordered").is_some_and(|p| p == "false"),
                            outputs: Vec::new(),
                        })
                    }
                    b"expression" => {
                        if let (Some(t), Some(inv)) = (current.as_mut(), attrs.get("invalid")) {
                            t.invalid = Some(inv.clone());
                        }
                        text_target = Some("expression");
                        text.clear();
                    }
                    b"output" => {
                        out_ty = attrs.get("type").cloned().unwrap_or_default();
                        text_target = Some("output");
                        text.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(t) if text_target.is_some() => {
                let piece = t
                    .unescape()
                    .map_err(|e| format!("failed to read text in {}: {e}", path.display()))?;
                text.push_str(&piece);
            }
            Event::End(e) => match e.name().as_ref() {
                b"expression" => {
                    if let Some(t) = current.as_mut() {
                        t.expression = text.clone();
                    }
                    text_target = None;
                }
                b"output" => {
                    if let Some(t) = current.as_mut() {
                        t.outputs.push(ExpectedOutput {
                            ty: out_ty.clone(),
                            text: text.clone(),
                        });
                    }
                    text_target = None;
                }
                b"test" => tests.extend(current.take()),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(tests)
}

/// Finds the JSON form of a named XML input (`patient-example.xml` → `patient-example.json`,
/// case-insensitively, in the first directory that has it) and caches parsed inputs.
pub struct Inputs {
    dirs: Vec<PathBuf>,
    cache: BTreeMap<String, Option<Value>>,
}

impl Inputs {
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        Self {
            dirs,
            cache: BTreeMap::new(),
        }
    }

    pub fn get(&mut self, xml_name: &str) -> Option<Value> {
        if let Some(v) = self.cache.get(xml_name) {
            return v.clone();
        }
        let stem = xml_name
            .strip_suffix(".xml")
            .or_else(|| xml_name.strip_suffix(".json"))
            .unwrap_or(xml_name);
        let wanted = format!("{stem}.json").to_ascii_lowercase();
        let found = self.dirs.iter().find_map(|dir| {
            let entries = std::fs::read_dir(dir).ok()?;
            entries
                .filter_map(Result::ok)
                .find(|e| e.file_name().to_string_lossy().to_ascii_lowercase() == wanted)
                .and_then(|e| std::fs::read(e.path()).ok())
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        });
        self.cache.insert(xml_name.to_string(), found.clone());
        found
    }
}

/// Runs one test through `engine` and judges it.
pub fn judge(
    test: &TestCase,
    inputs: &mut Inputs,
    engine: &mut dyn FnMut(&str, &Value) -> EngineOutcome,
) -> (Verdict, String) {
    let input = match &test.input_file {
        Some(name) => match inputs.get(name) {
            Some(v) => v,
            None => return (Verdict::MissingInput, format!("no JSON form of {name}")),
        },
        None => Value::Null,
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        engine(&test.expression, &input)
    }));
    let outcome = match outcome {
        Ok(o) => o,
        Err(_) => return (Verdict::Panicked, "engine panicked".to_string()),
    };
    if test.invalid.is_some() {
        return match outcome {
            EngineOutcome::SyntaxError(_) | EngineOutcome::EvalError(_) => {
                (Verdict::Pass, String::new())
            }
            EngineOutcome::Values(v) => (
                Verdict::MissedError,
                format!("expected an error, got {}", show(&v)),
            ),
        };
    }
    let mut values = match outcome {
        EngineOutcome::SyntaxError(m) => return (Verdict::UnexpectedSyntaxError, m),
        EngineOutcome::EvalError(m) => return (Verdict::UnexpectedEvalError, m),
        EngineOutcome::Values(v) => v,
    };
    if test.predicate {
        let b = match values.as_slice() {
            [] => false,
            [Value::Bool(b)] => *b,
            _ => true,
        };
        values = vec![Value::Bool(b)];
    }
    if matches_all(&test.outputs, &values, test.unordered) {
        (Verdict::Pass, String::new())
    } else {
        let expected: Vec<String> = test
            .outputs
            .iter()
            .map(|o| format!("{}:{}", o.ty, o.text))
            .collect();
        (
            Verdict::WrongAnswer,
            format!("expected [{}], got {}", expected.join(", "), show(&values)),
        )
    }
}

fn show(values: &[Value]) -> String {
    let s = serde_json::to_string(values).unwrap_or_default();
    if s.len() > 200 {
        format!("{}…", &s[..s.floor_char_boundary(200)])
    } else {
        s
    }
}

fn matches_all(expected: &[ExpectedOutput], actual: &[Value], unordered: bool) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    if !unordered {
        return expected.iter().zip(actual).all(|(e, a)| matches_one(e, a));
    }
    let mut used = vec![false; actual.len()];
    expected.iter().all(|e| {
        let hit = actual
            .iter()
            .enumerate()
            .find(|(i, a)| !used[*i] && matches_one(e, a));
        match hit {
            Some((i, _)) => {
                used[i] = true;
                true
            }
            None => false,
        }
    })
}

/// Compares one expected output with one JSON result as samsvar's interface returns it:
/// primitives as JSON primitives, dates and times as strings, Quantity as an object.
fn matches_one(e: &ExpectedOutput, a: &Value) -> bool {
    let text = e.text.trim();
    match effective_type(e, text) {
        "boolean" => a.as_bool() == Some(text == "true"),
        "integer" => a.as_i64().is_some_and(|n| Some(n) == text.parse().ok()),
        "decimal" => a
            .as_f64()
            .is_some_and(|n| text.parse::<f64>().is_ok_and(|t| (t - n).abs() < 1e-9)),
        ty @ ("date" | "dateTime" | "time") => {
            let want = text.trim_start_matches('@');
            let want = if ty == "time" {
                want.trim_start_matches('T')
            } else {
                want
            };
            a.as_str()
                .is_some_and(|s| s.trim_start_matches('@').trim_start_matches('T') == want)
        }
        "Quantity" => {
            let (num, unit) = match text.split_once(' ') {
                Some((n, u)) => (n, u.trim_matches('\'')),
                None => (text, ""),
            };
            let value_ok = a
                .get("value")
                .and_then(Value::as_f64)
                .is_some_and(|v| num.parse::<f64>().is_ok_and(|n| (n - v).abs() < 1e-9));
            let unit_ok = [a.get("unit"), a.get("code")]
                .into_iter()
                .flatten()
                .any(|u| u.as_str() == Some(unit));
            value_ok && unit_ok
        }
        _ => a.as_str() == Some(text),
    }
}

/// The declared output type, or one read off the literal when the suite gives none
/// (a handful of boundary and precision tests leave `type` out).
fn effective_type<'a>(e: &'a ExpectedOutput, text: &str) -> &'a str {
    if !e.ty.is_empty() {
        return &e.ty;
    }
    if text == "true" || text == "false" {
        "boolean"
    } else if text.starts_with("@T") {
        "time"
    } else if text.starts_with('@') {
        if text.contains('T') {
            "dateTime"
        } else {
            "date"
        }
    } else if text.contains(' ') && text.ends_with('\'') {
        "Quantity"
    } else if text.parse::<f64>().is_ok() {
        // untyped numbers are compared by value
        "decimal"
    } else {
        "string"
    }
}

/// Pass/fail counts per group, failures listed, and the overall rate; returns (passed, total).
pub fn run_and_report(
    tests: &[TestCase],
    inputs: &mut Inputs,
    engine: &mut dyn FnMut(&str, &Value) -> EngineOutcome,
    verbose: bool,
) -> (usize, usize) {
    let mut per_group: Vec<(String, usize, usize)> = Vec::new();
    let mut by_verdict: BTreeMap<Verdict, usize> = BTreeMap::new();
    for test in tests {
        let (verdict, detail) = judge(test, inputs, engine);
        *by_verdict.entry(verdict).or_default() += 1;
        if per_group.last().is_none_or(|g| g.0 != test.group) {
            per_group.push((test.group.clone(), 0, 0));
        }
        if let Some(g) = per_group.last_mut() {
            g.2 += 1;
            if verdict == Verdict::Pass {
                g.1 += 1;
            }
        }
        if verdict != Verdict::Pass && verbose {
            println!(
                "  FAIL {}/{} [{verdict:?}] `{}`: {detail}",
                test.group,
                test.name,
                test.expression.replace('\n', " ")
            );
        }
    }
    println!();
    println!("{:<48} {:>6} {:>6}", "group", "pass", "total");
    for (name, pass, total) in &per_group {
        let mark = if pass == total { "" } else { "  <" };
        println!("{name:<48} {pass:>6} {total:>6}{mark}");
    }
    let passed = by_verdict.get(&Verdict::Pass).copied().unwrap_or(0);
    let total = tests.len();
    println!();
    for (v, n) in &by_verdict {
        println!("{v:?}: {n}");
    }
    let rate = if total == 0 {
        0.0
    } else {
        100.0 * passed as f64 / total as f64
    };
    println!("overall: {passed}/{total} passed ({rate:.1}%)");
    (passed, total)
}
