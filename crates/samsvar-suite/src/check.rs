//! Semantic checks across the whole suite: unique ids, defined variables, unique
//! captures, test dependencies (explicit and inferred) and their cycles, targets.

use crate::model::*;
use crate::template::{self, Verbatim};
use samsvar_diagnostics::{Diagnostic, SourceMap, Span};
use std::collections::{HashMap, HashSet};

/// Who captures a variable.
#[derive(Debug, Clone, PartialEq)]
enum Owner {
    Setup(usize),
    Test(String, usize),
    Teardown(usize),
}

/// Where a step sits, to decide which variables it can see.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Setup(usize),
    Test(&'a str, usize),
    Teardown(usize),
}

/// `fhirpath_vars`: the `%variables` FHIRPath expressions read, as (step span, name, span).
pub(crate) fn check(
    suite: &mut Suite,
    sources: &SourceMap,
    fhirpath_vars: &[(Span, String, Span)],
    diags: &mut Vec<Diagnostic>,
) {
    let mut checker = Checker {
        sources,
        diags,
        fhirpath_vars,
        names: HashMap::new(),
        optional_names: HashSet::new(),
        captures: HashMap::new(),
        used: HashSet::new(),
        inferred: HashMap::new(),
    };
    checker.ids(&suite.root);
    checker.declare(suite);
    checker.all_steps(suite);
    checker.needs(suite);
    checker.targets(suite);
    crate::step_fit::check(suite, checker.diags);
    checker.unused(suite);
    checker.requirements(&suite.root, !suite.meta.verifies.is_empty());
    inherit(&mut suite.root, &[], None);
}

struct Checker<'a> {
    sources: &'a SourceMap,
    fhirpath_vars: &'a [(Span, String, Span)],
    diags: &'a mut Vec<Diagnostic>,
    /// Input and target names, with where they are declared.
    names: HashMap<String, (Span, &'static str)>,
    /// Targets and inputs a run may leave without a value (`optional: true`).
    optional_names: HashSet<String>,
    captures: HashMap<String, (Span, Owner)>,
    used: HashSet<String>,
    /// Test id → tests it needs because it uses their captures (first use span).
    inferred: HashMap<String, Vec<(String, Span)>>,
}

fn group_ids(group: &Group, out: &mut Vec<Spanned<String>>) {
    for item in &group.items {
        if let Item::Group(g) = item {
            out.push(g.id.clone());
            group_ids(g, out);
        }
    }
}

fn step_templates(step: &Step) -> Vec<&Template> {
    let mut out = Vec::new();
    if let Action::Xds(XdsAction { input: Some(j), .. }) = &step.action {
        json_templates(j, &mut out);
    }
    if let Action::Http(req) = &step.action {
        out.push(&req.url);
        if let Some(Spanned {
            value: RequestAuth::Scope(t),
            ..
        }) = &req.auth
        {
            out.push(t);
        }
        out.extend(req.headers.iter().map(|(_, t)| t));
        out.extend(req.query.iter().map(|(_, t)| t));
        match &req.body {
            Some(Body::Json(j)) => json_templates(j, &mut out),
            Some(Body::Text(t)) => out.push(t),
            _ => {}
        }
    }
    for a in &step.assertions {
        match &a.kind {
            AssertionKind::ContentType(t) => out.push(t),
            AssertionKind::Header {
                check: ValueCheck::Equals(t),
                ..
            }
            | AssertionKind::FhirPathValue {
                check: ValueCheck::Equals(t),
                ..
            } => out.push(t),
            AssertionKind::Header { check, .. } | AssertionKind::FhirPathValue { check, .. } => {
                match check {
                    ValueCheck::NotEquals(t)
                    | ValueCheck::Matches(t)
                    | ValueCheck::Compare(_, t) => out.push(t),
                    ValueCheck::Exists(_) | ValueCheck::Equals(_) => {}
                }
            }
            AssertionKind::Xds(XdsAssertion::ErrorCode(codes)) => out.extend(codes),
            AssertionKind::Xds(XdsAssertion::DocumentSha1(t)) => out.push(t),
            AssertionKind::Body { size, sha1 } => out.extend(size.iter().chain(sha1)),
            AssertionKind::ConformsTo { template, .. } => out.push(template),
            _ => {}
        }
        out.extend(&a.description);
    }
    out
}

/// Every variable a step uses, with where: its templates and, for a templated fixture
/// file in the source map, the placeholders in that file.
fn step_uses(step: &Step, sources: &SourceMap) -> Vec<(String, Span)> {
    let mut uses: Vec<(String, Span)> = step_templates(step)
        .into_iter()
        .flat_map(|t| template::vars(t).map(|(n, s)| (n.to_string(), s)))
        .collect();
    // Variables inside templated fixture files point into those files.
    if let Action::Http(HttpRequest {
        body:
            Some(Body::File {
                resolved,
                templated: true,
                ..
            }),
        ..
    }) = &step.action
        && let Some(id) = sources.find(resolved)
        && let Some(file) = sources.get(id)
    {
        let at = Verbatim {
            file: id,
            base: 0,
            len: file.text.len(),
        };
        let t = template::parse(&file.text, &at, &mut Vec::new());
        uses.extend(template::vars(&t).map(|(n, s)| (n.to_string(), s)));
    }
    uses
}

/// The variables a test takes from outside itself (inputs, targets, the captures of
/// setup and of other tests), in first-use order: what must be in scope for it to run.
pub fn outside_variables(test: &Test, sources: &SourceMap) -> Vec<String> {
    let mut own: HashSet<&str> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for step in &test.steps {
        for (name, _) in step_uses(step, sources) {
            // Run values (`$uuid`, `$run_id`) come from the runner, never from a test.
            let run_value = crate::model::RUN_VALUES.contains(&name.as_str());
            if !run_value && !own.contains(name.as_str()) && !out.contains(&name) {
                out.push(name);
            }
        }
        own.extend(step.captures.iter().map(|c| c.name.value.as_str()));
    }
    out
}

fn json_templates<'j>(j: &'j JsonTemplate, out: &mut Vec<&'j Template>) {
    match j {
        JsonTemplate::String(t) => out.push(t),
        JsonTemplate::Array(items) => items.iter().for_each(|i| json_templates(i, out)),
        JsonTemplate::Object(entries) => entries.iter().for_each(|(_, v)| json_templates(v, out)),
        _ => {}
    }
}

impl Checker<'_> {
    /// Test and group ids share one namespace and are unique in the suite.
    fn ids(&mut self, root: &Group) {
        let mut all: Vec<Spanned<String>> = root.tests().iter().map(|t| t.id.clone()).collect();
        group_ids(root, &mut all);
        all.sort_by_key(|s| s.span.start);
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for id in &all {
            if id.value.is_empty() {
                continue;
            }
            if id.value == root.id.value {
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-id",
                        id.span,
                        format!("`{}` is the suite's own id", id.value),
                    )
                    .with_hint("give tests and groups ids different from the suite id"),
                );
            }
            match seen.get(id.value.as_str()) {
                Some(first) => {
                    let hint = format!("first used at {}", self.sources.location(*first));
                    self.diags.push(
                        Diagnostic::error(
                            "duplicate-id",
                            id.span,
                            format!("duplicate id `{}`", id.value),
                        )
                        .with_hint(hint),
                    );
                }
                None => {
                    seen.insert(&id.value, id.span);
                }
            }
        }
    }

    /// Records inputs, targets and captures; reports names defined twice.
    fn declare(&mut self, suite: &Suite) {
        for t in suite.targets.values() {
            self.names
                .insert(t.name.value.clone(), (t.name.span, "target"));
            if t.optional {
                self.optional_names.insert(t.name.value.clone());
            }
        }
        for i in suite.inputs.values() {
            if let Some((first, _)) = self.names.get(&i.name.value) {
                let hint = format!(
                    "the target is declared at {}",
                    self.sources.location(*first)
                );
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-variable",
                        i.name.span,
                        format!("input `{}` has the name of a target", i.name.value),
                    )
                    .with_hint(hint),
                );
            } else {
                self.names
                    .insert(i.name.value.clone(), (i.name.span, "input"));
                if i.optional {
                    self.optional_names.insert(i.name.value.clone());
                }
            }
        }
        let mut all: Vec<(&Capture, Owner)> = Vec::new();
        all.extend(
            suite
                .setup
                .iter()
                .enumerate()
                .flat_map(|(i, s)| s.captures.iter().map(move |c| (c, Owner::Setup(i)))),
        );
        for t in suite.root.tests() {
            all.extend(t.steps.iter().enumerate().flat_map(|(i, s)| {
                s.captures
                    .iter()
                    .map(move |c| (c, Owner::Test(t.id.value.clone(), i)))
            }));
        }
        all.extend(
            suite
                .teardown
                .iter()
                .enumerate()
                .flat_map(|(i, s)| s.captures.iter().map(move |c| (c, Owner::Teardown(i)))),
        );
        for (c, owner) in all {
            let name = &c.name.value;
            if let Some((span, kind)) = self.names.get(name) {
                let hint = format!("the {kind} is declared at {}", self.sources.location(*span));
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-variable",
                        c.name.span,
                        format!(
                            "capture `{name}` has the name of {} {kind}",
                            if *kind == "input" { "an" } else { "a" }
                        ),
                    )
                    .with_hint(hint),
                );
            } else if let Some((span, _)) = self.captures.get(name) {
                let hint = format!(
                    "already captured at {}; capture names are unique in a suite so dependencies are unambiguous",
                    self.sources.location(*span)
                );
                self.diags.push(
                    Diagnostic::error(
                        "duplicate-capture",
                        c.name.span,
                        format!("`{name}` is captured twice"),
                    )
                    .with_hint(hint),
                );
            } else {
                self.captures.insert(name.clone(), (c.name.span, owner));
            }
        }
    }

    fn all_steps(&mut self, suite: &Suite) {
        for (i, s) in suite.setup.iter().enumerate() {
            self.step(s, Scope::Setup(i));
        }
        for t in suite.root.tests() {
            for (i, s) in t.steps.iter().enumerate() {
                self.step(s, Scope::Test(&t.id.value, i));
            }
        }
        for (i, s) in suite.teardown.iter().enumerate() {
            self.step(s, Scope::Teardown(i));
        }
    }

    fn step(&mut self, step: &Step, scope: Scope<'_>) {
        for (name, span) in step_uses(step, self.sources) {
            self.use_var(&name, span, scope, false);
        }
        // `%name` in FHIRPath expressions reads the same variables as `{{name}}`. FHIRPath
        // is evaluated on the response, after the step's captures are taken, so a capture
        // of this same step is already there.
        let fhirpath: Vec<(String, Span)> = self
            .fhirpath_vars
            .iter()
            .filter(|(at, _, _)| *at == step.span)
            .map(|(_, name, span)| (name.clone(), *span))
            .collect();
        for (name, span) in fhirpath {
            self.use_var(&name, span, scope, true);
        }
    }

    /// `after_captures`: the use is evaluated on the response, once this step's captures
    /// are taken (FHIRPath), rather than in the request it sends.
    fn use_var(&mut self, name: &str, span: Span, scope: Scope<'_>, after_captures: bool) {
        if name.starts_with('$') {
            if !RUN_VALUES.contains(&name) {
                let d = Diagnostic::error(
                    "unknown-run-value",
                    span,
                    format!("`{name}` is not a run value"),
                );
                self.diags.push(
                    match crate::suggest::closest(name, RUN_VALUES.iter().copied()) {
                        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                        None => d.with_hint("the run values are `$uuid` and `$run_id`"),
                    },
                );
            }
            return;
        }
        self.used.insert(name.to_string());
        if self.names.contains_key(name) {
            let setup_or_teardown = matches!(scope, Scope::Setup(_) | Scope::Teardown(_));
            if setup_or_teardown && self.optional_names.contains(name) {
                let what = self.names.get(name).map_or("value", |(_, what)| *what);
                self.diags.push(
                    Diagnostic::error(
                        "optional-outside-tests",
                        span,
                        format!("setup and teardown cannot use the optional {what} `{name}`: a run may leave it without a value"),
                    )
                    .with_hint("use it in tests only (they are skipped when it has no value), or drop `optional: true`"),
                );
            }
            return;
        }
        let Some((_, owner)) = self.captures.get(name).cloned() else {
            let candidates: Vec<&str> = self
                .names
                .keys()
                .chain(self.captures.keys())
                .map(String::as_str)
                .collect();
            let d = Diagnostic::error(
                "undefined-variable",
                span,
                format!("undefined variable `{name}`"),
            );
            let d = match crate::suggest::closest(name, candidates) {
                Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                None => d.with_hint("declare it under `inputs:` or capture it in an earlier step"),
            };
            self.diags.push(d);
            return;
        };
        let too_late = |what: &str| {
            Diagnostic::error(
                "undefined-variable",
                span,
                format!("`{name}` is not captured yet when this step runs"),
            )
            .with_hint(format!(
                "`{name}` is captured {what}; it can be used from the next step on"
            ))
        };
        match (scope, owner) {
            (Scope::Setup(i), Owner::Setup(j)) | (Scope::Teardown(i), Owner::Teardown(j))
                if j > i || (j == i && !after_captures) =>
            {
                let what = if j == i {
                    "by this same step"
                } else {
                    "by a later step"
                };
                self.diags.push(too_late(what));
            }
            (Scope::Setup(_), Owner::Setup(_))
            | (Scope::Teardown(_), _)
            | (Scope::Test(..), Owner::Setup(_)) => {}
            (Scope::Setup(_), Owner::Test(t, _)) => {
                self.diags.push(
                    Diagnostic::error(
                        "undefined-variable",
                        span,
                        format!("setup cannot use `{name}`: it is captured by test `{t}`, which runs after setup"),
                    ),
                );
            }
            (Scope::Setup(_) | Scope::Test(..), Owner::Teardown(_)) => {
                self.diags.push(Diagnostic::error(
                    "undefined-variable",
                    span,
                    format!("`{name}` is captured in teardown, which runs after every test"),
                ));
            }
            (Scope::Test(me, i), Owner::Test(t, j)) => {
                if me == t {
                    if j > i || (j == i && !after_captures) {
                        let what = if j == i {
                            "by this same step"
                        } else {
                            "by a later step of this test"
                        };
                        self.diags.push(too_late(what));
                    }
                } else {
                    let list = self.inferred.entry(me.to_string()).or_default();
                    if !list.iter().any(|(id, _)| *id == t) {
                        list.push((t, span));
                    }
                }
            }
        }
    }

    /// Checks explicit `needs`, adds inferred ones, and reports dependency cycles.
    fn needs(&mut self, suite: &mut Suite) {
        let test_ids: HashSet<String> = suite
            .root
            .tests()
            .iter()
            .map(|t| t.id.value.clone())
            .collect();
        let mut groups = Vec::new();
        group_ids(&suite.root, &mut groups);
        let group_set: HashSet<&str> = groups.iter().map(|g| g.value.as_str()).collect();
        for t in suite.root.tests_mut() {
            let mut kept = Vec::new();
            for n in std::mem::take(&mut t.needs) {
                if test_ids.contains(&n.value) {
                    if !kept.iter().any(|k: &Spanned<String>| k.value == n.value) {
                        kept.push(n);
                    }
                    continue;
                }
                let d = if group_set.contains(n.value.as_str()) {
                    Diagnostic::error(
                        "unknown-test",
                        n.span,
                        format!("`{}` is a group; `needs` names tests", n.value),
                    )
                    .with_hint("list the tests of the group this test depends on")
                } else {
                    let d = Diagnostic::error(
                        "unknown-test",
                        n.span,
                        format!("no test has the id `{}`", n.value),
                    );
                    match crate::suggest::closest(&n.value, test_ids.iter().map(String::as_str)) {
                        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
                        None => d,
                    }
                };
                self.diags.push(d);
            }
            for (id, span) in self.inferred.remove(&t.id.value).unwrap_or_default() {
                if !kept.iter().any(|k| k.value == id) {
                    kept.push(Spanned::new(id, span));
                }
            }
            t.needs = kept;
        }
        self.cycles(&suite.root);
    }

    fn cycles(&mut self, root: &Group) {
        let tests = root.tests();
        let by_id: HashMap<&str, &Test> = tests.iter().map(|t| (t.id.value.as_str(), *t)).collect();
        // 0 = unvisited, 1 = on the current path, 2 = done.
        let mut state: HashMap<&str, u8> = HashMap::new();
        let mut reported: HashSet<Vec<String>> = HashSet::new();
        for t in &tests {
            let mut path: Vec<(&str, Span)> = Vec::new();
            self.visit(
                t.id.value.as_str(),
                &by_id,
                &mut state,
                &mut path,
                &mut reported,
            );
        }
    }

    fn visit<'t>(
        &mut self,
        id: &'t str,
        by_id: &HashMap<&'t str, &'t Test>,
        state: &mut HashMap<&'t str, u8>,
        path: &mut Vec<(&'t str, Span)>,
        reported: &mut HashSet<Vec<String>>,
    ) {
        match state.get(id) {
            Some(2) => return,
            Some(1) => {
                let Some(start) = path.iter().position(|(p, _)| *p == id) else {
                    return;
                };
                let cycle = &path[start..];
                let mut key: Vec<String> = cycle.iter().map(|(p, _)| p.to_string()).collect();
                key.sort();
                if reported.insert(key) {
                    let mut names: Vec<&str> = cycle.iter().map(|(p, _)| *p).collect();
                    names.push(id);
                    let span = cycle.last().map_or(Span::default(), |(_, s)| *s);
                    self.diags.push(
                        Diagnostic::error(
                            "needs-cycle",
                            span,
                            format!("dependency cycle: {}", names.join(" → ")),
                        )
                        .with_hint("a test cannot (directly or through others) need itself; remove one of these `needs` or captured variables"),
                    );
                }
                return;
            }
            _ => {}
        }
        let Some(test) = by_id.get(id) else {
            return;
        };
        state.insert(id, 1);
        for n in &test.needs {
            if let Some((key, _)) = by_id.get_key_value(n.value.as_str()) {
                path.push((id, n.span));
                self.visit(key, by_id, state, path, reported);
                path.pop();
            }
        }
        state.insert(id, 2);
    }

    /// Every request knows its target: named, inferred from a leading `{{target}}`, or
    /// the suite's only target; absolute URLs need none.
    fn targets(&mut self, suite: &mut Suite) {
        let names: Vec<String> = suite.targets.keys().cloned().collect();
        let mut steps: Vec<&mut Step> = suite
            .setup
            .iter_mut()
            .chain(suite.teardown.iter_mut())
            .collect();
        for t in suite.root.tests_mut() {
            steps.extend(t.steps.iter_mut());
        }
        for step in steps {
            let req = match &mut step.action {
                Action::Http(req) => req,
                Action::Xds(x) => {
                    // XDS steps name their target or use the suite's only one of the right kind.
                    match &x.target {
                        Some(t) if !names.contains(&t.value) => self.diags.push(
                            Diagnostic::error("unknown-target", t.span, format!("the suite declares no target `{}`", t.value))
                                .with_hint("declare it under `targets:` with kind xds-repository or xds-registry"),
                        ),
                        Some(t) => {
                            self.used.insert(t.value.clone());
                        }
                        None => self.used.extend(names.iter().cloned()),
                    }
                    continue;
                }
                Action::Tls(probe) => {
                    self.tls_target(probe, &names, step.span);
                    continue;
                }
            };
            if let Some(t) = &req.target {
                if !names.contains(&t.value) {
                    self.diags.push(unknown_target(t, &names));
                }
                self.used.insert(t.value.clone());
                continue;
            }
            match req.url.parts.first() {
                Some(TemplatePart::Var { name, span }) if names.contains(name) => {
                    req.target = Some(Spanned::new(name.clone(), *span));
                }
                Some(TemplatePart::Var { .. }) => {}
                Some(TemplatePart::Literal(l)) if l.starts_with("http://") || l.starts_with("https://") => {}
                _ => match names.as_slice() {
                    [only] => {
                        self.used.insert(only.clone());
                        req.target = Some(Spanned::new(only.clone(), req.url.span));
                    }
                    [] => self.diags.push(
                        Diagnostic::error("unknown-target", req.url.span, "this URL is relative but the suite declares no target")
                            .with_hint("declare the system under test under `targets:`, or start the URL with `{{target}}`"),
                    ),
                    _ => self.diags.push(
                        Diagnostic::error("ambiguous-target", req.url.span, "this URL is relative and the suite has several targets")
                            .with_hint(format!("start the URL with one of {}, or set `target:`", names.iter().map(|n| format!("`{{{{{n}}}}}`")).collect::<Vec<_>>().join(", "))),
                    ),
                },
            }
        }
    }

    /// A TLS probe names its target or uses the suite's only one.
    fn tls_target(&mut self, probe: &mut TlsProbe, names: &[String], step: Span) {
        match (&probe.target, names) {
            (Some(t), _) if !names.contains(&t.value) => {
                self.diags.push(unknown_target(t, names));
            }
            (Some(t), _) => {
                self.used.insert(t.value.clone());
            }
            (None, [only]) => {
                self.used.insert(only.clone());
                probe.target = Some(Spanned::new(only.clone(), step));
            }
            (None, _) => self.diags.push(
                Diagnostic::error(
                    "ambiguous-target",
                    step,
                    "this TLS probe names no target and the suite does not have exactly one",
                )
                .with_hint("set `target:` in the `tls:` step"),
            ),
        }
    }

    fn unused(&mut self, suite: &Suite) {
        for i in suite.inputs.values() {
            if !self.used.contains(&i.name.value) {
                self.diags.push(Diagnostic::warning(
                    "unused-input",
                    i.name.span,
                    format!("input `{}` is never used", i.name.value),
                ));
            }
        }
        for t in suite.targets.values() {
            if !self.used.contains(&t.name.value) {
                self.diags.push(Diagnostic::warning(
                    "unused-target",
                    t.name.span,
                    format!("target `{}` is never used", t.name.value),
                ));
            }
        }
    }

    /// Warns about tests that trace to no requirement (evidence rolls up per requirement).
    fn requirements(&mut self, group: &Group, inherited: bool) {
        let here = inherited || !group.verifies.is_empty();
        for item in &group.items {
            match item {
                Item::Group(g) => self.requirements(g, here),
                Item::Test(t) if !here && t.verifies.is_empty() => {
                    self.diags.push(
                        Diagnostic::warning(
                            "no-requirement",
                            t.id.span,
                            format!("test `{}` verifies no requirement", t.id.value),
                        )
                        .with_hint("add `verifies: [...]` to the test, its group or the suite"),
                    );
                }
                Item::Test(_) => {}
            }
        }
    }
}

/// `target: NAME` names no declared target; hints the closest name.
fn unknown_target(t: &Spanned<String>, names: &[String]) -> Diagnostic {
    let d = Diagnostic::error(
        "unknown-target",
        t.span,
        format!("the suite declares no target `{}`", t.value),
    );
    match crate::suggest::closest(&t.value, names.iter().map(String::as_str)) {
        Some(s) => d.with_hint(format!("did you mean `{s}`?")),
        None => d.with_hint("declare it under `targets:`"),
    }
}

/// Tests inherit the requirement ids and EHDS mapping of their groups and the suite, and
/// assertions the level of their test, so consumers read the effective values directly.
fn inherit(group: &mut Group, verifies: &[Spanned<String>], ehds: Option<&EhdsMapping>) {
    let mut here: Vec<Spanned<String>> = verifies.to_vec();
    for v in &group.verifies {
        if !here.iter().any(|h| h.value == v.value) {
            here.push(v.clone());
        }
    }
    let ehds = group.ehds.clone().or_else(|| ehds.cloned());
    for item in &mut group.items {
        match item {
            Item::Group(g) => inherit(g, &here, ehds.as_ref()),
            Item::Test(t) => {
                for v in &here {
                    if !t.verifies.iter().any(|h| h.value == v.value) {
                        t.verifies.push(v.clone());
                    }
                }
                if t.ehds.is_none() {
                    t.ehds = ehds.clone();
                }
                // A test's level is the default of each of its assertions.
                if let Some(level) = &t.level {
                    for a in t.steps.iter_mut().flat_map(|s| s.assertions.iter_mut()) {
                        if a.level.is_none() {
                            a.level = Some(level.clone());
                        }
                    }
                }
            }
        }
    }
}
