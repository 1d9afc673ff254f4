//! JUnit XML for CI systems: one `<testsuite>` per suite, one `<testcase>` per test
//! (`classname` = suite id + group path), with `<failure>`, `<error>` and `<skipped>`
//! carrying expected vs actual and the suite location.

use crate::ReportError;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use samsvar_record::{Outcome, RunRecord, StepRecord, SuiteRecord, TestRecord};
use std::fmt::Write as _;

type Xml = Writer<Vec<u8>>;

fn xml_error(e: std::io::Error) -> ReportError {
    ReportError::Render {
        what: "JUnit XML",
        message: e.to_string(),
    }
}

/// Renders the run as JUnit XML.
pub fn render(record: &RunRecord) -> Result<String, ReportError> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(xml_error)?;
    let s = &record.summary;
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "samsvar"));
    root.push_attribute(("tests", s.total.to_string().as_str()));
    root.push_attribute(("failures", s.failed.to_string().as_str()));
    root.push_attribute(("errors", s.errored.to_string().as_str()));
    root.push_attribute(("skipped", s.skipped.to_string().as_str()));
    root.push_attribute(("time", seconds(record.duration_ms).as_str()));
    w.write_event(Event::Start(root)).map_err(xml_error)?;
    for suite in &record.suites {
        write_suite(&mut w, record, suite)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))
        .map_err(xml_error)?;
    let mut text = String::from_utf8(w.into_inner()).map_err(|e| ReportError::Render {
        what: "JUnit XML",
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(text)
}

fn write_suite(w: &mut Xml, record: &RunRecord, suite: &SuiteRecord) -> Result<(), ReportError> {
    let cases: Vec<(String, &TestRecord)> =
        suite.tests().map(|e| (e.group_path(), e.test)).collect();
    let count = |o: Outcome| cases.iter().filter(|(_, t)| t.outcome == o).count();
    let mut el = BytesStart::new("testsuite");
    el.push_attribute(("name", suite.id.as_str()));
    el.push_attribute(("tests", cases.len().to_string().as_str()));
    el.push_attribute(("failures", count(Outcome::Fail).to_string().as_str()));
    el.push_attribute(("errors", count(Outcome::Error).to_string().as_str()));
    el.push_attribute(("skipped", count(Outcome::Skip).to_string().as_str()));
    let total_ms: u64 = cases.iter().map(|(_, t)| t.duration_ms).sum();
    el.push_attribute(("time", seconds(total_ms).as_str()));
    el.push_attribute(("timestamp", record.started_at.as_str()));
    el.push_attribute(("file", suite.path.as_str()));
    w.write_event(Event::Start(el)).map_err(xml_error)?;

    // Setup and teardown problems concern every test; show them as a testcase each.
    for (label, steps) in [("setup", &suite.setup), ("teardown", &suite.teardown)] {
        if let Some(step) = steps.iter().find(|s| s.outcome.is_failure()) {
            write_step_case(w, &suite.id, &format!("({label})"), step)?;
        }
    }
    for (classname, test) in &cases {
        write_case(w, classname, test)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
        .map_err(xml_error)
}

/// What a non-passing test becomes: the child element, its `type` fallback and message.
fn problem_of(test: &TestRecord) -> Option<(&'static str, &'static str, String)> {
    let reason = test.reason.clone().unwrap_or_default();
    let optional = if test.optional {
        " (optional test)"
    } else {
        ""
    };
    match test.outcome {
        Outcome::Pass => None,
        Outcome::Skip => Some(("skipped", "skip", reason)),
        Outcome::Fail => Some(("failure", "fail", format!("{reason}{optional}"))),
        Outcome::Error => Some(("error", "error", format!("{reason}{optional}"))),
    }
}

fn write_case(w: &mut Xml, classname: &str, test: &TestRecord) -> Result<(), ReportError> {
    let mut el = BytesStart::new("testcase");
    el.push_attribute(("name", test.id.as_str()));
    el.push_attribute(("classname", classname));
    el.push_attribute(("time", seconds(test.duration_ms).as_str()));
    el.push_attribute(("file", test.location.as_str()));
    let Some((tag, kind, message)) = problem_of(test) else {
        return w.write_event(Event::Empty(el)).map_err(xml_error);
    };
    w.write_event(Event::Start(el)).map_err(xml_error)?;
    let mut c = BytesStart::new(tag);
    c.push_attribute(("message", message.as_str()));
    if tag == "skipped" {
        w.write_event(Event::Empty(c)).map_err(xml_error)?;
    } else {
        c.push_attribute(("type", first_kind(&test.steps).unwrap_or(kind)));
        w.write_event(Event::Start(c)).map_err(xml_error)?;
        let details = details(&test.steps);
        w.write_event(Event::Text(BytesText::new(&details)))
            .map_err(xml_error)?;
        w.write_event(Event::End(BytesEnd::new(tag)))
            .map_err(xml_error)?;
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))
        .map_err(xml_error)
}

fn write_step_case(
    w: &mut Xml,
    classname: &str,
    name: &str,
    step: &StepRecord,
) -> Result<(), ReportError> {
    let mut el = BytesStart::new("testcase");
    el.push_attribute(("name", name));
    el.push_attribute(("classname", classname));
    el.push_attribute(("time", seconds(step.duration_ms).as_str()));
    el.push_attribute(("file", step.location.as_str()));
    w.write_event(Event::Start(el)).map_err(xml_error)?;
    let tag = if step.outcome == Outcome::Error {
        "error"
    } else {
        "failure"
    };
    let details = details(std::slice::from_ref(step));
    let mut c = BytesStart::new(tag);
    c.push_attribute(("message", details.lines().next().unwrap_or_default().trim()));
    w.write_event(Event::Start(c)).map_err(xml_error)?;
    w.write_event(Event::Text(BytesText::new(&details)))
        .map_err(xml_error)?;
    w.write_event(Event::End(BytesEnd::new(tag)))
        .map_err(xml_error)?;
    w.write_event(Event::End(BytesEnd::new("testcase")))
        .map_err(xml_error)
}

fn first_kind(steps: &[StepRecord]) -> Option<&str> {
    steps
        .iter()
        .flat_map(|s| &s.assertions)
        .find(|a| a.outcome.is_failure())
        .map(|a| a.kind.as_str())
}

/// Every problem of the steps: step errors, failed assertions with expected, actual
/// and the suite location.
fn details(steps: &[StepRecord]) -> String {
    let mut out = String::new();
    for step in steps.iter().filter(|s| s.outcome.is_failure()) {
        let name = step.name.as_deref().unwrap_or("");
        let _ = writeln!(out, "step {} {name} ({})", step.index + 1, step.location);
        if let Some(ex) = &step.exchange {
            let method = ex.request.method.as_deref().unwrap_or("");
            let url = ex.request.url.as_deref().unwrap_or("");
            let status = ex
                .status
                .map_or_else(|| "no response".to_string(), |s| s.to_string());
            let _ = writeln!(out, "  {method} {url} -> {status}");
        }
        if let Some(e) = &step.error {
            let _ = writeln!(out, "  error: {e}");
        }
        for a in step.assertions.iter().filter(|a| a.outcome.is_failure()) {
            let _ = writeln!(out, "  {} [{}] {}", a.outcome, a.kind, a.description);
            if let Some(e) = &a.expected {
                let _ = writeln!(out, "    expected: {e}");
            }
            if let Some(v) = &a.actual {
                let _ = writeln!(out, "    actual:   {v}");
            }
            if let Some(m) = &a.message {
                let _ = writeln!(out, "    message:  {m}");
            }
            for i in a.issues.iter().take(20) {
                let _ = writeln!(out, "    - {} at {}: {}", i.severity, i.location, i.message);
            }
            let _ = writeln!(out, "    at {}", a.location);
        }
    }
    out
}

/// Milliseconds as JUnit seconds, `0.123`.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
