//! The instance walk: one resource against one compiled profile, element by element.

//!
//! This module holds the walk's state (the path to the element being checked, the
//! resources and Bundles around it) and its entry points: a resource, and conformance of
//! a resource to a profile. Each kind of check lives in a file of its own below.

mod attachment;
mod binding;
mod bundle;
mod bundle_index;
mod coding;
mod elements;
mod extensions;
mod invariants;
mod narrative;
mod questionnaire;
mod references;
mod slicing;
mod values;

use super::Validator;
use super::compiled::Compiled;
use super::fhirpath::Variables;
use crate::source::Step;
use bundle_index::BundleIndex;
use samsvar_diagnostics::{Diagnostic, IssueType, PayloadLocation, Severity};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// Resources nested inside resources (contained, Bundle entries) deeper than this are refused.
const MAX_RESOURCE_DEPTH: usize = 16;
/// Complex elements nested deeper than this are refused.
const MAX_ELEMENT_DEPTH: usize = 64;
/// Reference targets are checked against their profiles this many walks deep: cycles are
/// broken by the conformance memo, but a long chain of references would still recurse once
/// per link and could exhaust the stack.
const MAX_CONFORMANCE_NESTING: usize = 3;

#[derive(Debug, Clone)]
struct Seg {
    name: String,
    index: Option<usize>,
    underscore: bool,
}

/// One instance of an element: its value and/or its `_name` primitive extension part.
#[derive(Clone)]
pub(crate) struct Item<'a> {
    key: &'a str,
    index: Option<usize>,
    type_code: Option<String>,
    value: Option<&'a Value>,
    ext: Option<&'a Value>,
}

struct Frame<'a> {
    resource: &'a Value,
    vars: Option<Arc<Variables<'a>>>,
    contained: bool,
}

pub(crate) struct Walk<'a> {
    v: &'a Validator,
    pub issues: Vec<Diagnostic>,
    pub steps: Vec<Vec<Step>>,
    path: Vec<Seg>,
    frames: Vec<Frame<'a>>,
    /// The Bundles being walked, innermost last, with the index of their frame.
    bundles: Vec<(usize, Arc<BundleIndex<'a>>)>,
    depth: usize,
    /// Profiles a resource was already checked against (slices, reference targets),
    /// shared with the walks those checks start.
    conforms: Rc<RefCell<HashMap<(usize, String), bool>>>,
    /// How many conformance checks (slices, reference targets) this walk is inside.
    nesting: usize,
    /// Link targets of a resource (by address), collected when a narrative link needs them.
    anchors: HashMap<usize, HashSet<String>>,
    must_support_missing: Vec<String>,
}

impl<'a> Walk<'a> {
    pub fn new(v: &'a Validator) -> Walk<'a> {
        Walk {
            v,
            issues: Vec::new(),
            steps: Vec::new(),
            path: Vec::new(),
            frames: Vec::new(),
            bundles: Vec::new(),
            depth: 0,
            conforms: Rc::default(),
            nesting: 0,
            anchors: HashMap::new(),
            must_support_missing: Vec::new(),
        }
    }

    fn expression(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.path.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(&s.name);
            if let Some(ix) = s.index {
                out.push_str(&format!("[{ix}]"));
            }
        }
        out
    }

    fn json_steps(&self) -> Vec<Step> {
        let mut out = Vec::new();
        for s in self.path.iter().skip(1) {
            let key = if s.underscore {
                format!("_{}", s.name)
            } else {
                s.name.clone()
            };
            out.push(Step::Key(key));
            if let Some(ix) = s.index {
                out.push(Step::Index(ix));
            }
        }
        out
    }

    fn issue(&mut self, severity: Severity, code: IssueType, rule: &str, message: String) {
        self.issues.push(
            Diagnostic::new(
                severity,
                rule.to_string(),
                PayloadLocation::expression(self.expression()),
                message,
            )
            .with_issue_type(code),
        );
        self.steps.push(self.json_steps());
    }

    fn error(&mut self, code: IssueType, rule: &str, message: String) {
        self.issue(Severity::Error, code, rule, message);
    }

    fn push(&mut self, name: &str, index: Option<usize>, underscore: bool) {
        self.path.push(Seg {
            name: name.to_string(),
            index,
            underscore,
        });
    }

    fn pop(&mut self) {
        self.path.pop();
    }

    /// Validates a resource; `profiles` (when not empty) replace the base definition.
    pub fn resource(
        &mut self,
        res: &'a Value,
        profiles: &[String],
        honour_meta: bool,
        contained: bool,
    ) {
        let Some(obj) = res.as_object() else {
            self.error(
                IssueType::Structure,
                "resource",
                "expected a resource (a JSON object)".into(),
            );
            return;
        };
        let Some(rt) = obj.get("resourceType").and_then(Value::as_str) else {
            self.error(
                IssueType::Structure,
                "resource",
                "the resource has no resourceType".into(),
            );
            return;
        };
        if self.path.is_empty() {
            self.push(rt, None, false);
        }
        if self.frames.len() >= MAX_RESOURCE_DEPTH {
            self.error(
                IssueType::Structure,
                "depth",
                format!("resources nested more than {MAX_RESOURCE_DEPTH} levels deep"),
            );
            return;
        }
        let base_url = format!("http://hl7.org/fhir/StructureDefinition/{rt}");
        let base = match self.v.compiled(&base_url) {
            Ok(c) if c.sd.kind == "resource" => c,
            _ => {
                self.error(
                    IssueType::Structure,
                    "resource-type",
                    format!("unknown resource type \"{rt}\""),
                );
                return;
            }
        };
        let mut targets: Vec<String> = profiles.to_vec();
        if honour_meta {
            let declared = obj
                .get("meta")
                .and_then(|m| m.get("profile"))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                .unwrap_or_default();
            for p in declared {
                if self.v.definitions().has_structure(p) {
                    if !targets.iter().any(|t| t == p) {
                        targets.push(p.to_string());
                    }
                } else {
                    self.issue(
                        Severity::Warning,
                        IssueType::NotFound,
                        "meta-profile",
                        format!(
                            "profile {p} (meta.profile) is not in the loaded packages; checked against the base definition of {rt} only"
                        ),
                    );
                }
            }
        }
        let vars = self.v.invariants_enabled().then(|| {
            let mut vars = Variables::new();
            vars.insert_ref("resource", res);
            // %rootResource defaults to %resource; only a contained resource has another.
            if contained && let Some(container) = self.frames.last() {
                vars.insert_ref("rootResource", container.resource);
            }
            Arc::new(vars)
        });
        self.frames.push(Frame {
            resource: res,
            vars,
            contained,
        });
        let pushed_bundle = rt == "Bundle";
        if pushed_bundle {
            self.bundles
                .push((self.frames.len() - 1, Arc::new(BundleIndex::new(obj))));
        }
        let saved_ms = std::mem::take(&mut self.must_support_missing);
        let mut compiled: Vec<Arc<Compiled>> = Vec::new();
        for t in &targets {
            match self.v.compiled(t) {
                Ok(c) if c.sd.type_name == rt => {
                    for problem in &c.sd.snapshot_problems {
                        self.issue(
                            Severity::Warning,
                            IssueType::Incomplete,
                            "profile",
                            format!("profile {t}: {problem}; that constraint is not applied"),
                        );
                    }
                    compiled.push(c)
                }
                Ok(c) => self.error(
                    IssueType::Structure,
                    "profile-type",
                    format!(
                        "profile {t} constrains {}, but the resource is a {rt}",
                        c.sd.type_name
                    ),
                ),
                Err(e) => self.error(
                    IssueType::NotFound,
                    "profile",
                    format!("failed to use profile {t}: {e}"),
                ),
            }
        }
        if compiled.is_empty() {
            compiled.push(base);
        }
        for c in &compiled {
            if let Some(root) = c.root() {
                self.object(res, obj, c, root, true);
            }
        }
        if !self.must_support_missing.is_empty() {
            let list = std::mem::take(&mut self.must_support_missing);
            let mut shown: Vec<String> = list.iter().take(12).cloned().collect();
            if list.len() > 12 {
                shown.push(format!("and {} more", list.len() - 12));
            }
            self.issue(
                Severity::Information,
                IssueType::Informational,
                "must-support",
                format!(
                    "{} mustSupport element(s) not present: {}",
                    list.len(),
                    shown.join(", ")
                ),
            );
        }
        self.must_support_missing = saved_ms;
        if rt == "QuestionnaireResponse" {
            self.questionnaire_response(obj);
        }
        if pushed_bundle {
            self.bundle_rules(obj);
            self.bundles.pop();
        }
        self.frames.pop();
    }

    pub(crate) fn conforms(&mut self, value: &'a Value, profile: &str) -> bool {
        let key = (value as *const Value as usize, profile.to_string());
        if let Some(hit) = self.conforms.borrow().get(&key) {
            return *hit;
        }
        // Assumed to conform while it is being checked, so that resources referring to
        // each other do not recurse.
        self.conforms.borrow_mut().insert(key.clone(), true);
        let mut sub = Walk::new(self.v);
        sub.nesting = self.nesting + 1;
        sub.conforms = self.conforms.clone();
        sub.frames = self
            .frames
            .iter()
            .map(|f| Frame {
                resource: f.resource,
                vars: f.vars.clone(),
                contained: f.contained,
            })
            .collect();
        sub.bundles = self.bundles.clone();
        sub.path = vec![Seg {
            name: "x".into(),
            index: None,
            underscore: false,
        }];
        sub.resource(value, &[profile.to_string()], false, false);
        let ok = !sub.issues.iter().any(Diagnostic::is_error);
        self.conforms.borrow_mut().insert(key, ok);
        ok
    }
}
