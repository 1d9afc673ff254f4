//! The instance walk: one resource against one compiled profile, element by element.

use super::Validator;
use super::compiled::{Compiled, NodeId};
use super::fhirpath::Variables;
use super::issue::{Issue, IssueType, Severity};
use crate::definitions::model::{Strength, TypeRef};
use crate::primitives;
use crate::source::Step;
use crate::terminology::Membership;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

#[path = "slicing.rs"]
mod slicing;

#[path = "bundle.rs"]
mod bundle;

#[path = "coding.rs"]
mod coding;

#[path = "attachment.rs"]
mod attachment;

#[path = "questionnaire.rs"]
mod questionnaire;

use bundle::{BundleIndex, Resolution};

/// Resources nested inside resources (contained, Bundle entries) deeper than this are refused.
const MAX_RESOURCE_DEPTH: usize = 16;
/// Complex elements nested deeper than this are refused.
const MAX_ELEMENT_DEPTH: usize = 64;
/// Reference targets are checked against their profiles this many walks deep: cycles are
/// broken by the conformance memo, but a long chain of references would still recurse once
/// per link and could exhaust the stack.
const MAX_CONFORMANCE_NESTING: usize = 3;

/// Properties of one JSON object grouped by child: (name, choice type, value, `_name` part).
type Found<'a> = HashMap<
    NodeId,
    Vec<(
        &'a str,
        Option<String>,
        Option<&'a Value>,
        Option<&'a Value>,
    )>,
>;

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
    pub issues: Vec<Issue>,
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
        self.issues.push(Issue {
            severity,
            code,
            expression: self.expression(),
            line: None,
            col: None,
            message,
            rule: rule.to_string(),
        });
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

    /// Walks the properties of a JSON object against `node`'s children.
    fn object(
        &mut self,
        value: &'a Value,
        obj: &'a Map<String, Value>,
        c: &Arc<Compiled>,
        node: NodeId,
        resource_root: bool,
    ) {
        self.depth += 1;
        if self.depth > MAX_ELEMENT_DEPTH {
            self.error(
                IssueType::Structure,
                "depth",
                format!("elements nested more than {MAX_ELEMENT_DEPTH} levels deep"),
            );
            self.depth -= 1;
            return;
        }
        let (cc, children_of) = self.children_source(c, node);
        let n = &cc.nodes[children_of];
        if obj.is_empty() || (obj.len() == 1 && obj.contains_key("id") && !resource_root) {
            self.error(
                IssueType::Invariant,
                "ele-1",
                "ele-1: All FHIR elements must have a @value or children".into(),
            );
        }
        // Group the properties by the child definition they belong to.
        let mut found: Found<'a> = HashMap::new();
        let mut order: Vec<NodeId> = Vec::new();
        for (key, value) in obj {
            if resource_root && key == "resourceType" {
                continue;
            }
            let (name, is_ext) = match key.strip_prefix('_') {
                Some(base) => (base, true),
                None => (key.as_str(), false),
            };
            let Some((child, type_code)) = n.by_key.get(name) else {
                self.push(key, None, false);
                let hint = self.did_you_mean(&cc, children_of, name);
                self.error(
                    IssueType::Structure,
                    "unknown-element",
                    format!("unrecognized property \"{key}\"{hint}"),
                );
                self.pop();
                continue;
            };
            let list = found.entry(*child).or_insert_with(|| {
                order.push(*child);
                Vec::new()
            });
            let name_ref: &'a str = match obj.get_key_value(name) {
                Some((k, _)) => k.as_str(),
                None => &key[1..],
            };
            if let Some(entry) = list.iter_mut().find(|e| e.0 == name_ref) {
                if is_ext {
                    entry.3 = Some(value);
                } else {
                    entry.2 = Some(value);
                }
            } else {
                let (v, e) = if is_ext {
                    (None, Some(value))
                } else {
                    (Some(value), None)
                };
                list.push((name_ref, type_code.clone(), v, e));
            }
        }
        let children = n.children.clone();
        for child in children {
            let elem = &cc.nodes[child].elem;
            let props = found.remove(&child).unwrap_or_default();
            if props.len() > 1 {
                let names: Vec<&str> = props.iter().map(|p| p.0).collect();
                self.error(
                    IssueType::Structure,
                    "choice",
                    format!(
                        "only one of {} may be present, found {}",
                        elem.name(),
                        names.join(", ")
                    ),
                );
            }
            let repeats = elem.base_max.unwrap_or(elem.max).repeats();
            let mut items: Vec<Item<'a>> = Vec::new();
            for (key, type_code, value, ext) in props.iter().take(1) {
                self.collect_items(key, type_code.clone(), *value, *ext, repeats, &mut items);
            }
            let count = items.len();
            let display = match props.first() {
                Some(p) => p.0.to_string(),
                None => elem.name().trim_end_matches("[x]").to_string(),
            };
            if count < elem.min as usize {
                self.push(&display, None, false);
                self.error(
                    IssueType::Required,
                    "cardinality",
                    format!(
                        "{}: minimum required = {}, but only found {count}",
                        elem.path, elem.min
                    ),
                );
                self.pop();
            }
            if !elem.max.allows(count) {
                self.push(&display, None, false);
                self.error(
                    IssueType::Structure,
                    "cardinality",
                    format!(
                        "{}: maximum allowed = {}, but found {count}",
                        elem.path,
                        elem.max.text()
                    ),
                );
                self.pop();
            }
            if count == 0 && elem.must_support && elem.min == 0 && cc.sd.derivation_constraint {
                self.must_support_missing
                    .push(format!("{}.{}", self.expression(), display));
            }
            if count == 0 {
                continue;
            }
            let sliced = elem.slicing.is_some() && !cc.nodes[child].slices.is_empty();
            if sliced {
                self.slices(&cc, child, &items);
            } else {
                for item in &items {
                    self.item(&cc, child, item);
                }
            }
        }
        self.invariants(c, node, value);
        self.depth -= 1;
    }

    fn did_you_mean(&self, c: &Compiled, node: NodeId, name: &str) -> String {
        let best = c.nodes[node]
            .by_key
            .keys()
            .map(|k| (strsim_distance(k, name), k))
            .filter(|(d, _)| *d <= 2)
            .min();
        match best {
            Some((_, k)) => format!(" (did you mean \"{k}\"?)"),
            None => String::new(),
        }
    }

    fn collect_items(
        &mut self,
        key: &'a str,
        type_code: Option<String>,
        value: Option<&'a Value>,
        ext: Option<&'a Value>,
        repeats: bool,
        items: &mut Vec<Item<'a>>,
    ) {
        if repeats {
            let vals = match value {
                Some(Value::Array(a)) => a.as_slice(),
                Some(_) => {
                    self.push(key, None, false);
                    self.error(
                        IssueType::Structure,
                        "json-array",
                        format!("\"{key}\" repeats, so it must be a JSON array"),
                    );
                    self.pop();
                    std::slice::from_ref(value.unwrap_or(&Value::Null))
                }
                None => &[],
            };
            let exts = match ext {
                Some(Value::Array(a)) => a.as_slice(),
                Some(_) => {
                    self.push(key, None, true);
                    self.error(
                        IssueType::Structure,
                        "json-array",
                        format!("\"_{key}\" must be a JSON array, like \"{key}\""),
                    );
                    self.pop();
                    &[]
                }
                None => &[],
            };
            if vals.is_empty() && exts.is_empty() && value.is_some() {
                self.push(key, None, false);
                self.error(
                    IssueType::Structure,
                    "json-array",
                    format!("\"{key}\" is an empty array; omit the property instead"),
                );
                self.pop();
            }
            let is_array =
                matches!(value, Some(Value::Array(_))) || matches!(ext, Some(Value::Array(_)));
            for i in 0..vals.len().max(exts.len()) {
                let v = vals.get(i).filter(|v| !v.is_null());
                let e = exts.get(i).filter(|v| !v.is_null());
                if v.is_none() && e.is_none() {
                    self.push(key, is_array.then_some(i), false);
                    self.error(
                        IssueType::Structure,
                        "json-null",
                        format!("\"{key}\"[{i}] is null and has no extension"),
                    );
                    self.pop();
                    continue;
                }
                items.push(Item {
                    key,
                    index: is_array.then_some(i),
                    type_code: type_code.clone(),
                    value: v,
                    ext: e,
                });
            }
        } else {
            if matches!(value, Some(Value::Array(_))) {
                self.push(key, None, false);
                self.error(
                    IssueType::Structure,
                    "json-array",
                    format!("\"{key}\" does not repeat, so it must not be a JSON array"),
                );
                self.pop();
                return;
            }
            if matches!(value, Some(Value::Null)) && ext.is_none() {
                self.push(key, None, false);
                self.error(
                    IssueType::Structure,
                    "json-null",
                    format!("\"{key}\" is null; omit the property instead"),
                );
                self.pop();
                return;
            }
            items.push(Item {
                key,
                index: None,
                type_code,
                value: value.filter(|v| !v.is_null()),
                ext,
            });
        }
    }

    /// Where the children of `node` are defined: the node itself, a content reference,
    /// or the definition of its (single) type.
    fn children_source(&self, c: &Arc<Compiled>, node: NodeId) -> (Arc<Compiled>, NodeId) {
        let n = &c.nodes[node];
        if !n.children.is_empty() {
            return (c.clone(), node);
        }
        if let Some(r) = &n.elem.content_reference
            && let Some(target) = c.content_target(r)
        {
            return (c.clone(), target);
        }
        (c.clone(), node)
    }

    fn type_for<'t>(&self, c: &'t Compiled, node: NodeId, item: &Item<'_>) -> Option<&'t TypeRef> {
        let types = &c.nodes[node].elem.types;
        match &item.type_code {
            Some(code) => types.iter().find(|t| &t.code == code),
            // A resource element typed with several resource types (a slice allowing
            // Practitioner or PractitionerRole): the one naming the resource's own type.
            None if types.len() > 1 => item
                .value
                .and_then(|v| v.get("resourceType"))
                .and_then(Value::as_str)
                .and_then(|rt| types.iter().find(|t| t.code == rt))
                .or(types.first()),
            None => types.first(),
        }
    }

    /// Validates one instance of an element.
    pub(crate) fn item(&mut self, c: &Arc<Compiled>, node: NodeId, item: &Item<'a>) {
        self.push(item.key, item.index, false);
        let elem = &c.nodes[node].elem;
        let type_ref = self.type_for(c, node, item).cloned();
        let mut code = type_ref
            .as_ref()
            .map(|t| t.code.as_str())
            .unwrap_or("BackboneElement");
        // R4 declares Resource.id as a plain string; the spec requires the id format.
        if code == "string"
            && c.sd.kind == "resource"
            && elem.path.matches('.').count() == 1
            && elem.path.ends_with(".id")
        {
            code = "id";
        }
        if primitives::is_primitive(code) {
            self.primitive(c, node, code, item);
        } else if let Some(value) = item.value {
            match value.as_object() {
                None => {
                    self.error(
                        IssueType::Structure,
                        "json-type",
                        format!("{} is a {code}, so it must be a JSON object", elem.path),
                    );
                }
                Some(obj) => {
                    if item.ext.is_some() {
                        self.error(
                            IssueType::Structure,
                            "unknown-element",
                            format!("\"_{}\" is only allowed for primitive types", item.key),
                        );
                    }
                    self.complex(c, node, code, type_ref.as_ref(), value, obj);
                }
            }
        }
        self.pop();
    }

    fn primitive(&mut self, c: &Arc<Compiled>, node: NodeId, code: &str, item: &Item<'a>) {
        let elem = &c.nodes[node].elem;
        if let Some(value) = item.value {
            let check = if code == "xhtml" {
                match value.as_str() {
                    Some(s) => {
                        self.narrative(s);
                        Ok(())
                    }
                    None => Err("xhtml must be a string holding a <div> element".to_string()),
                }
            } else {
                primitives::check(code, value)
            };
            if let Err(message) = check {
                self.error(IssueType::Value, &format!("type-{code}"), message);
            }
            if code == "string"
                && let Some(tag) = value.as_str().and_then(super::xhtml::embedded_html)
            {
                // An error only with security checks on: HL7's own examples hold HTML in
                // strings, and it is harmless where strings are escaped when shown.
                let severity = if self.v.security_checks() {
                    Severity::Error
                } else {
                    Severity::Information
                };
                self.issue(
                    severity,
                    IssueType::Security,
                    "security-html",
                    format!("the string holds an HTML tag ({tag}); shown without escaping it would run in a browser"),
                );
            }
            let findings = super::ranges::check_primitive(code, value, elem);
            self.range_findings(findings);
            if let (Some(max), Some(s)) = (elem.max_length, value.as_str())
                && s.chars().count() > max
            {
                self.error(
                    IssueType::TooLong,
                    "max-length",
                    format!("value is longer than maxLength {max}"),
                );
            }
            if let Some(fixed) = &elem.fixed
                && !json_equal(value, fixed)
            {
                self.error(
                    IssueType::Value,
                    "fixed",
                    format!("value must be exactly {fixed}, found {value}"),
                );
            }
            if let Some(pattern) = &elem.pattern
                && !json_equal(value, pattern)
            {
                self.error(
                    IssueType::Value,
                    "pattern",
                    format!("value must be {pattern}, found {value}"),
                );
            }
            if matches!(code, "code" | "string" | "uri")
                && let Some(s) = value.as_str()
            {
                self.binding(c, node, &[(None, s)]);
            }
        } else if elem.fixed.is_some() || elem.pattern.is_some() {
            self.error(
                IssueType::Value,
                "fixed",
                format!(
                    "{} has a fixed value, but only an extension is present",
                    elem.path
                ),
            );
        }
        if let Some(ext) = item.ext {
            self.path.pop();
            self.push(item.key, item.index, true);
            match (
                ext.as_object(),
                self.v
                    .compiled("http://hl7.org/fhir/StructureDefinition/Element"),
            ) {
                (Some(obj), Ok(element)) => {
                    if let Some(root) = element.root() {
                        self.object(ext, obj, &element, root, false);
                    }
                }
                (None, _) => self.error(
                    IssueType::Structure,
                    "json-type",
                    format!("\"_{}\" must be a JSON object", item.key),
                ),
                _ => {}
            }
            self.path.pop();
            self.push(item.key, item.index, false);
        }
    }

    fn complex(
        &mut self,
        c: &Arc<Compiled>,
        node: NodeId,
        code: &str,
        type_ref: Option<&TypeRef>,
        value: &'a Value,
        obj: &'a Map<String, Value>,
    ) {
        let defs = self.v.definitions();
        let elem = &c.nodes[node].elem;
        let abstract_resource = code == "Resource" || code == "DomainResource";
        let resource_typed = abstract_resource
            || self
                .v
                .compiled(&format!("http://hl7.org/fhir/StructureDefinition/{code}"))
                .map(|t| t.sd.kind == "resource")
                .unwrap_or(false);
        // A profile that constrains inside a typed resource element (`Patient.contained`
        // as Practitioner, with rules on its `name`) gives the node children: walk those.
        let is_resource =
            abstract_resource || (resource_typed && c.nodes[node].children.is_empty());
        if is_resource {
            let mut profiles = type_ref.map(|t| t.profiles.clone()).unwrap_or_default();
            // Several profiles on one type: the resource must conform to at least one.
            // Walk the first it conforms to; when none, walk them all to show why.
            if profiles.len() > 1
                && let Some(fit) = profiles.iter().find(|p| self.conforms(value, p)).cloned()
            {
                profiles = vec![fit];
            }
            let contained = elem.path.ends_with(".contained");
            self.resource(value, &profiles, true, contained);
            return;
        }
        let n = &c.nodes[node];
        if !n.children.is_empty() || n.elem.content_reference.is_some() {
            // A resource walked through a profile's children still names its `resourceType`.
            self.object(value, obj, c, node, resource_typed);
        } else {
            let target = match type_ref.and_then(|t| t.profiles.first()) {
                Some(profile) => Some(profile.clone()),
                None if code == "Extension" => {
                    let url = obj.get("url").and_then(Value::as_str).unwrap_or_default();
                    if defs.has_structure(url) {
                        Some(url.to_string())
                    } else if let Some(version) = cross_version(url) {
                        // Defined by the FHIR cross-version rules, not by a package.
                        self.issue(
                            Severity::Warning,
                            IssueType::NotSupported,
                            "extension-unknown",
                            format!(
                                "cross-version extension {url} (FHIR {version}) is not checked"
                            ),
                        );
                        None
                    } else {
                        let modifier = elem.path.ends_with("modifierExtension");
                        self.issue(
                            if modifier {
                                Severity::Error
                            } else {
                                Severity::Warning
                            },
                            IssueType::Structure,
                            "extension-unknown",
                            format!("unknown extension {url}"),
                        );
                        None
                    }
                }
                None => None,
            };
            let target =
                target.unwrap_or_else(|| format!("http://hl7.org/fhir/StructureDefinition/{code}"));
            match self.v.compiled(&target) {
                Ok(tc) => {
                    if let Some(root) = tc.root() {
                        if code == "Extension" {
                            self.extension_context(&tc, &elem.path);
                        }
                        self.object(value, obj, &tc, root, false);
                    }
                }
                Err(e) => self.error(
                    IssueType::NotFound,
                    "type",
                    format!("failed to find the definition of type {code} ({target}): {e}"),
                ),
            }
            // Invariants declared on this element itself (beyond the type's).
            self.invariants(c, node, value);
        }
        if let Some(fixed) = &elem.fixed
            && !json_equal(value, fixed)
        {
            self.error(
                IssueType::Value,
                "fixed",
                format!("value must be exactly {fixed}"),
            );
        }
        if let Some(pattern) = &elem.pattern
            && !json_contains(value, pattern)
        {
            self.error(
                IssueType::Value,
                "pattern",
                format!("value does not match the required pattern {pattern}"),
            );
        }
        match code {
            "Attachment" => self.attachment(obj),
            "Coding" => {
                self.coding(obj);
                let pair = coding_pair(value);
                if let Some(p) = pair {
                    self.binding(c, node, &[p]);
                }
            }
            "CodeableConcept" => {
                let pairs: Vec<(Option<&str>, &str)> = value
                    .get("coding")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(coding_pair).collect())
                    .unwrap_or_default();
                if !pairs.is_empty() {
                    self.binding(c, node, &pairs);
                }
            }
            "Quantity" | "Age" | "Duration" | "Distance" | "Count" | "SimpleQuantity"
            | "MoneyQuantity" => {
                if let Some(p) = coding_pair(value) {
                    self.binding(c, node, &[p]);
                }
                let findings = super::ranges::check_quantity(value, &c.nodes[node].elem);
                self.range_findings(findings);
            }
            "Reference" => {
                let targets = type_ref
                    .map(|t| t.target_profiles.clone())
                    .unwrap_or_default();
                self.reference(obj, &targets);
            }
            _ => {}
        }
    }

    /// A narrative: XHTML rules, then `#` links against the narrative's own anchors and,
    /// failing those, anything with that id in the resource.
    fn narrative(&mut self, div: &str) {
        let scan = super::xhtml::check(div);
        for p in scan.problems {
            let code = if p.rule == "xhtml" {
                IssueType::Structure
            } else {
                IssueType::Invariant
            };
            self.error(code, p.rule, p.message);
        }
        for link in &scan.internal_links {
            if scan.anchors.contains(link) || self.resource_has_anchor(link) {
                continue;
            }
            // A warning: HL7's own published narratives carry such links by the hundred.
            self.issue(
                Severity::Warning,
                IssueType::NotFound,
                "xhtml-link",
                format!("the narrative's hyperlink #{link} does not resolve: no id or name \"{link}\" in the narrative or the resource"),
            );
        }
    }

    /// Whether the resource being walked has `id` anywhere: an element or contained
    /// resource id, or an id or name in any of its narratives.
    fn resource_has_anchor(&mut self, id: &str) -> bool {
        let Some(frame) = self.frames.iter().rev().find(|f| !f.contained) else {
            return false;
        };
        let key = frame.resource as *const Value as usize;
        let resource = frame.resource;
        self.anchors
            .entry(key)
            .or_insert_with(|| anchors_in(resource))
            .contains(id)
    }

    fn range_findings(&mut self, findings: Vec<super::ranges::RangeFinding>) {
        use super::ranges::RangeFinding;
        for f in findings {
            match f {
                RangeFinding::Outside(m) => self.error(IssueType::Value, "range", m),
                RangeFinding::Incomparable(m) => {
                    self.issue(Severity::Warning, IssueType::Value, "range", m)
                }
            }
        }
    }

    /// Checks that an extension is used where its definition allows it.
    fn extension_context(&mut self, ext: &Compiled, element_path: &str) {
        let contexts = &ext.sd.contexts;
        if contexts.is_empty() {
            return;
        }
        // The path of the element that holds the extension (drop `.extension`).
        let host = element_path
            .strip_suffix(".extension")
            .or_else(|| element_path.strip_suffix(".modifierExtension"))
            .unwrap_or(element_path);
        let host_type = self.host_type();
        let ok = contexts.iter().any(|(kind, expr)| match kind.as_str() {
            "element" => {
                expr == "Element"
                    || expr == "Resource"
                    || expr == "DomainResource"
                    || expr == host
                    || expr == &host_type
                    || host.starts_with(&format!("{expr}."))
                    || expr.ends_with(&format!(".{host}"))
                    || expr.starts_with(&format!("{host_type}."))
                    || expr.contains('#')
                    || expr.contains("[x]")
                    || host == "Extension"
            }
            // FHIRPath and nested-extension contexts are not checked.
            _ => true,
        });
        if !ok {
            let allowed: Vec<&str> = contexts.iter().map(|(_, e)| e.as_str()).collect();
            self.issue(
                Severity::Warning,
                IssueType::BusinessRule,
                "extension-context",
                format!(
                    "extension {} is not allowed on {host} (contexts: {})",
                    ext.sd.url,
                    allowed.join(", ")
                ),
            );
        }
    }

    fn host_type(&self) -> String {
        self.frames
            .last()
            .and_then(|f| f.resource.get("resourceType"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn binding(&mut self, c: &Compiled, node: NodeId, codes: &[(Option<&str>, &str)]) {
        let Some(binding) = &c.nodes[node].elem.binding else {
            return;
        };
        if binding.strength == Strength::Example {
            return;
        }
        let Some(vs) = &binding.value_set else { return };
        let expansion = self.v.terminology().expansion(self.v.definitions(), vs);
        let exp = match expansion.as_ref() {
            Ok(e) => e,
            Err(reason) => {
                if binding.strength == Strength::Required {
                    self.issue(
                        Severity::Information,
                        IssueType::NotSupported,
                        "binding",
                        format!("required binding not checked: {reason}"),
                    );
                }
                return;
            }
        };
        let mut unknown = false;
        for (system, code) in codes {
            match exp.contains(*system, code) {
                Membership::Member => return,
                Membership::Unknown(_) => unknown = true,
                Membership::NotMember => {}
            }
        }
        if unknown {
            return;
        }
        let shown: Vec<String> = codes
            .iter()
            .map(|(s, c)| match s {
                Some(s) => format!("{s}#{c}"),
                None => (*c).to_string(),
            })
            .collect();
        let (severity, strength) = match binding.strength {
            Strength::Required => (Severity::Error, "required"),
            Strength::Extensible => (Severity::Warning, "extensible"),
            _ => (Severity::Information, "preferred"),
        };
        self.issue(
            severity,
            IssueType::CodeInvalid,
            "binding",
            format!(
                "{} is not in the value set {vs} ({strength} binding)",
                shown.join(", ")
            ),
        );
    }

    fn reference(&mut self, obj: &Map<String, Value>, targets: &[String]) {
        let Some(r) = obj.get("reference").and_then(Value::as_str) else {
            return;
        };
        let allowed = self.target_types(targets);
        // Resolved once: contained (`#id`), or in the enclosing Bundle.
        let in_bundle = if r.starts_with('#') {
            None
        } else {
            self.bundle_resolution(r)
        };
        let resolved = match &in_bundle {
            Some(Resolution::Found(hit)) => Some(*hit),
            _ if r.starts_with('#') => self.resolve(r),
            _ => None,
        };
        if r.starts_with('#') && r.len() > 1 && resolved.is_none() {
            self.error(
                IssueType::NotFound,
                "reference",
                format!("contained resource {r} not found"),
            );
            return;
        }
        let actual = match resolved {
            Some(res) => res
                .get("resourceType")
                .and_then(Value::as_str)
                .map(str::to_string),
            None => literal_type(r).filter(|t| {
                self.v
                    .definitions()
                    .has_structure(&format!("http://hl7.org/fhir/StructureDefinition/{t}"))
            }),
        };
        if let Some(actual) = actual
            && !allowed.is_empty()
            && !allowed.iter().any(|a| a == &actual || a == "Resource")
        {
            self.error(
                IssueType::Structure,
                "reference-type",
                format!(
                    "reference to a {actual} is not allowed here; allowed: {}",
                    allowed.join(", ")
                ),
            );
        }
        if let Some(res) = resolved {
            self.reference_profiles(r, res, targets);
        }
        if let Some(Resolution::Ambiguous(n)) = in_bundle {
            self.error(
                IssueType::Duplicate,
                "bundle-reference",
                format!("reference {r} matches {n} entries of the Bundle; it must identify one"),
            );
        } else if resolved.is_none() && r.starts_with("urn:uuid:") && !self.bundles.is_empty() {
            self.issue(
                Severity::Warning,
                IssueType::NotFound,
                "reference",
                format!("reference {r} does not resolve to an entry of the Bundle"),
            );
        }
    }

    /// A resolved reference whose targetProfiles are profiles (not just base types) must
    /// conform to one of those for its type.
    fn reference_profiles(&mut self, r: &str, res: &'a Value, targets: &[String]) {
        if self.nesting >= MAX_CONFORMANCE_NESTING {
            return;
        }
        let Some(rt) = res.get("resourceType").and_then(Value::as_str) else {
            return;
        };
        let base = format!("http://hl7.org/fhir/StructureDefinition/{rt}");
        let mut candidates = Vec::new();
        for t in targets {
            let plain = t.split('|').next().unwrap_or(t);
            if plain == base || plain == "http://hl7.org/fhir/StructureDefinition/Resource" {
                return;
            }
            if let Ok(sd) = self.v.definitions().structure(plain)
                && sd.type_name == rt
            {
                candidates.push(plain.to_string());
            }
        }
        if candidates.is_empty() || candidates.iter().any(|p| self.conforms(res, p)) {
            return;
        }
        self.error(
            IssueType::Invalid,
            "reference-profile",
            format!(
                "{r} resolves to a {rt} that does not conform to {}",
                candidates.join(" or ")
            ),
        );
    }

    /// The resource types the target profiles allow; empty (no check) when one of them
    /// is a profile that is not loaded, since its type is then unknown.
    fn target_types(&self, targets: &[String]) -> Vec<String> {
        targets
            .iter()
            .map(|t| self.profile_type(t))
            .collect::<Option<Vec<String>>>()
            .unwrap_or_default()
    }

    /// The type a profile constrains: from its definition, or from a core URL
    /// (`…/StructureDefinition/Patient`); `None` for a profile that is not loaded.
    pub(crate) fn profile_type(&self, canonical: &str) -> Option<String> {
        let plain = canonical.split('|').next().unwrap_or(canonical);
        match self.v.definitions().structure(plain) {
            Ok(sd) => Some(sd.type_name.clone()),
            Err(_) => plain
                .strip_prefix("http://hl7.org/fhir/StructureDefinition/")
                .map(str::to_string),
        }
    }

    /// Resolves a reference against the contained resources and the enclosing Bundle.
    pub(crate) fn resolve(&self, r: &str) -> Option<&'a Value> {
        if let Some(id) = r.strip_prefix('#') {
            // The container: the nearest frame that is not itself contained.
            let container = self.frames.iter().rev().find(|f| !f.contained)?.resource;
            if id.is_empty() {
                return Some(container);
            }
            return container
                .get("contained")
                .and_then(Value::as_array)?
                .iter()
                .find(|c| c.get("id").and_then(Value::as_str) == Some(id));
        }
        match self.bundle_resolution(r)? {
            Resolution::Found(hit) => Some(hit),
            _ => None,
        }
    }

    /// Resolves a reference in the enclosing Bundle, from the entry being walked.
    fn bundle_resolution(&self, r: &str) -> Option<Resolution<'a>> {
        let (frame, index) = self.bundles.last()?;
        let from = self.frames.get(frame + 1).map(|f| f.resource);
        Some(index.resolve(r, from))
    }

    pub(crate) fn invariants(&mut self, c: &Compiled, node: NodeId, input: &Value) {
        if !self.v.invariants_enabled() {
            return;
        }
        let constraints = &c.nodes[node].elem.constraints;
        if constraints.is_empty() {
            return;
        }
        let vars = self.frames.last().and_then(|f| f.vars.clone());
        for k in constraints {
            if k.key == "ele-1" {
                continue;
            }
            if let Some(holds) = super::native_invariants::holds(&k.key, input) {
                if !holds {
                    let severity = if k.error {
                        Severity::Error
                    } else {
                        Severity::Warning
                    };
                    self.issue(
                        severity,
                        IssueType::Invariant,
                        &k.key,
                        format!("constraint failed: {}: {}", k.key, k.human),
                    );
                }
                continue;
            }
            let Some(expr) = &k.expression else { continue };
            let Some(compiled) = self.v.invariant(&k.key, expr) else {
                continue;
            };
            let empty = Variables::new();
            let result = compiled.evaluate_with(input, vars.as_deref().unwrap_or(&empty));
            match result {
                Ok(values) => {
                    if super::fhirpath::as_boolean(&values) == Some(false) {
                        self.issue(
                            if k.error {
                                Severity::Error
                            } else {
                                Severity::Warning
                            },
                            IssueType::Invariant,
                            &k.key,
                            format!("constraint failed: {}: {} ({expr})", k.key, k.human),
                        );
                    }
                }
                Err(e) => self.v.note_invariant_problem(&k.key, &e.to_string()),
            }
        }
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
        let ok = sub.issues.iter().all(|i| i.severity > Severity::Error);
        self.conforms.borrow_mut().insert(key, ok);
        ok
    }
}

/// The FHIR version of a cross-version extension URL
/// (`http://hl7.org/fhir/5.0/StructureDefinition/extension-DeviceRequest.doNotPerform`).
fn cross_version(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://hl7.org/fhir/")?;
    let (version, rest) = rest.split_once('/')?;
    let numeric = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    (numeric && rest.starts_with("StructureDefinition/extension-")).then_some(version)
}

/// Every `id` value in a resource's JSON, and every id or name in its narratives.
fn anchors_in(resource: &Value) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut stack = vec![resource];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    match (k.as_str(), x) {
                        ("id", Value::String(s)) => {
                            out.insert(s.clone());
                        }
                        ("div", Value::String(s)) => out.extend(super::xhtml::check(s).anchors),
                        _ => stack.push(x),
                    }
                }
            }
            Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
    }
    out
}

/// The resource type of a literal reference (`Patient/1`, `http://x/fhir/Patient/1`).
fn literal_type(r: &str) -> Option<String> {
    let plain = r.split("/_history/").next().unwrap_or(r);
    let mut parts = plain.rsplitn(3, '/');
    let _id = parts.next()?;
    let ty = parts.next()?;
    (ty.chars().next()?.is_ascii_uppercase()).then(|| ty.to_string())
}

fn coding_pair(v: &Value) -> Option<(Option<&str>, &str)> {
    let code = v.get("code").and_then(Value::as_str)?;
    Some((v.get("system").and_then(Value::as_str), code))
}

/// JSON equality with numbers compared by value (`1.0` equals `1`).
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Pattern matching: every property of `pattern` is present in `value` (arrays: every
/// pattern item matched by some value item).
pub(crate) fn json_contains(value: &Value, pattern: &Value) -> bool {
    match (value, pattern) {
        (Value::Object(v), Value::Object(p)) => p
            .iter()
            .all(|(k, pv)| v.get(k).is_some_and(|vv| json_contains(vv, pv))),
        (Value::Array(v), Value::Array(p)) => {
            p.iter().all(|pi| v.iter().any(|vi| json_contains(vi, pi)))
        }
        (Value::Array(v), p) => v.iter().any(|vi| json_contains(vi, p)),
        _ => json_equal(value, pattern),
    }
}

fn strsim_distance(a: &str, b: &str) -> usize {
    // Small Levenshtein; names are short.
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        prev = cur;
    }
    prev[b.len()]
}
