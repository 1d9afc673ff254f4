//! Lowering of assertions: status, header and FHIRPath value checks, `conforms_to`, and
//! the checks that need the YAML node itself (FHIRPath syntax and lint with carets inside
//! the expression, templates and regexes).

use super::*;

impl Lower<'_> {
    pub(super) fn assertion(&mut self, node: &Node) -> Option<Assertion> {
        let entries = node.as_map()?;
        // Besides its one check, an assertion may say its level, requirement ids and
        // description.
        let checks: Vec<&Entry> = entries
            .iter()
            .filter(|e| !ASSERTION_MARKS.contains(&e.key.as_str()))
            .collect();
        let [e] = checks.as_slice() else {
            if checks.is_empty() {
                self.diags.push(
                    Diagnostic::error("invalid-value", node.span, "this assertion has no check")
                        .with_hint(
                            "`level`, `verifies` and `description` stand next to a check such as `status: 200`",
                        ),
                );
            }
            return None;
        };
        let v = &e.value;
        let kind = match e.key.as_str() {
            "status" => AssertionKind::Status(match v.as_seq() {
                Some(items) => items.iter().filter_map(status_code).collect(),
                None => vec![status_code(v)?],
            }),
            "header" => {
                let name = str_of(v.get("name"))?;
                AssertionKind::Header {
                    name,
                    check: self.value_check(v).unwrap_or(ValueCheck::Exists(true)),
                }
            }
            "content_type" => AssertionKind::ContentType(self.template(v)),
            "fhirpath" => match v.as_str() {
                Some(expr) => {
                    self.fhirpath(v)?;
                    AssertionKind::FhirPathTrue(Spanned::new(expr.to_string(), v.span))
                }
                None => {
                    let expr = v.get("expr")?;
                    self.fhirpath(&expr.value)?;
                    AssertionKind::FhirPathValue {
                        expr: spanned_str(expr),
                        check: self.value_check(v)?,
                    }
                }
            },
            "response_time_ms" => AssertionKind::ResponseTimeUnder(v.get("max")?.value.as_u64()?),
            "body" => {
                let size = v.get("size").map(|e| self.template(&e.value));
                let sha1 = v.get("sha1").map(|e| self.template(&e.value));
                if size.is_none() && sha1.is_none() {
                    return None;
                }
                AssertionKind::Body { size, sha1 }
            }
            "json_schema" => {
                let path = v.as_str()?;
                let resolved = self.fixture(path, v.span)?;
                self.check_json_schema(&resolved, v.span);
                AssertionKind::JsonSchema {
                    path: Spanned::new(PathBuf::from(path), v.span),
                    resolved,
                }
            }
            "conforms_to" => match v.as_str() {
                Some(profile) => AssertionKind::ConformsTo {
                    profile: Spanned::new(profile.to_string(), v.span),
                    template: self.template(v),
                    each: None,
                },
                None => {
                    let each = match v.get("each") {
                        Some(e) => {
                            self.fhirpath(&e.value)?;
                            Some(spanned_str(e))
                        }
                        None => None,
                    };
                    let profile = v.get("profile")?;
                    AssertionKind::ConformsTo {
                        template: self.template(&profile.value),
                        profile: spanned_str(profile),
                        each,
                    }
                }
            },
            "xds" => self.xds_assertion(v)?,
            "tls" => self.tls_assertion(v)?,
            _ => return None,
        };
        Some(Assertion {
            span: node.span,
            kind,
            level: node.get("level").and_then(level),
            verifies: node
                .get("verifies")
                .map(|e| string_list(&e.value))
                .unwrap_or_default(),
            // Anything but a string is the schema's `invalid-value`.
            description: node
                .get("description")
                .filter(|e| e.value.as_str().is_some())
                .map(|e| self.template(&e.value)),
        })
    }

    /// The one check of a header or FHIRPath assertion (`exists`, `equals`, …).
    fn value_check(&mut self, node: &Node) -> Option<ValueCheck> {
        if let Some(e) = node.get("equals") {
            return Some(ValueCheck::Equals(self.template(&e.value)));
        }
        if let Some(e) = node.get("not_equals") {
            return Some(ValueCheck::NotEquals(self.template(&e.value)));
        }
        for order in Ordering::ALL {
            if let Some(e) = node.get(order.key()) {
                return Some(ValueCheck::Compare(order, self.template(&e.value)));
            }
        }
        if let Some(e) = node.get("matches") {
            let pattern = self.template(&e.value);
            self.regex_template(&e.value, &pattern)?;
            return Some(ValueCheck::Matches(pattern));
        }
        node.get("exists")
            .and_then(|e| e.value.as_bool())
            .map(ValueCheck::Exists)
    }

    /// Checks a FHIRPath expression: no `{{templates}}` (they are not replaced: `%name`
    /// reads a variable), no function this build cannot evaluate or wrong number of
    /// arguments, no `==`/`&&`/`||`, valid syntax. Each problem points at its exact spot.
    /// Records the `%variables` it reads for the semantic checks.
    pub(super) fn fhirpath(&mut self, node: &Node) -> Option<()> {
        let expr = node.as_str()?;
        let before = self.diags.len();
        self.fhirpath_templates(node, expr);
        let lint = samsvar_fhirpath::lint::lint(expr);
        for f in &lint.findings {
            self.diags.push(crate::fhirpath_check::diagnostic(
                f,
                node.sub_span(self.src, f.offset, f.len),
            ));
        }
        if self.diags.len() == before
            && let Err(err) = fhirpath_check::parse(expr)
        {
            self.diags.push(Diagnostic::error(
                "fhirpath-syntax",
                node.sub_span(self.src, err.offset, err.len.max(1)),
                format!("FHIRPath syntax error: {}", err.message),
            ));
        }
        if self.diags.len() > before {
            return None;
        }
        for v in lint.variables {
            if !samsvar_fhirpath::lint::is_built_in_variable(&v.name) {
                let at = node.sub_span(self.src, v.offset, v.len);
                self.fhirpath_vars.push((self.step_span, v.name, at));
            }
        }
        Some(())
    }

    /// `{{name}}` inside an expression is compared as literal text (the trap of
    /// `where(id = '{{decoy}}')` with `exists: false`): an error naming `%name`.
    fn fhirpath_templates(&mut self, node: &Node, expr: &str) {
        let mut from = 0;
        while let Some(found) = expr[from..].find("{{") {
            let open = from + found;
            let close = expr[open..].find("}}").map_or(expr.len(), |c| open + c + 2);
            let name = expr[open..close]
                .trim_start_matches("{{")
                .trim_end_matches("}}")
                .trim();
            let variable = if crate::template::is_var_name(name) && !name.contains('-') {
                format!("%{name}")
            } else {
                format!("%`{name}`")
            };
            self.diags.push(
                Diagnostic::error(
                    "fhirpath-template",
                    node.sub_span(self.src, open, close - open),
                    format!(
                        "`{}` inside a FHIRPath expression is not replaced: it would be compared as literal text",
                        &expr[open..close]
                    ),
                )
                .with_hint(format!(
                    "read the variable as `{variable}`: a FHIRPath environment variable, written without quotes or braces"
                )),
            );
            from = close;
        }
    }

    /// Checks a `matches` regex with `{{variables}}` in it: each variable stands for
    /// literal text, so the pattern is checked with a literal of the same length there.
    fn regex_template(&mut self, node: &Node, pattern: &Template) -> Option<()> {
        let Some(text) = node.as_str() else {
            return Some(());
        };
        if !pattern
            .parts
            .iter()
            .any(|p| matches!(p, TemplatePart::Var { .. }))
        {
            return self.regex(node);
        }
        let mut masked = text.to_string();
        let mut from = 0;
        while let Some(found) = masked[from..].find("{{") {
            let open = from + found;
            let Some(close) = masked[open..].find("}}").map(|c| open + c + 2) else {
                break;
            };
            masked.replace_range(open..close, &"_".repeat(close - open));
            from = close;
        }
        self.regex_text(node, &masked)
    }

    /// Reports an invalid regex, at the offending part of the pattern when known.
    pub(super) fn regex(&mut self, node: &Node) -> Option<()> {
        let pattern = node.as_str()?;
        self.regex_text(node, pattern)
    }

    /// [`Self::regex`] for `pattern`, whose offsets are those of the node's text.
    fn regex_text(&mut self, node: &Node, pattern: &str) -> Option<()> {
        if let Err(err) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
            let span = err.span();
            let d = Diagnostic::error(
                "invalid-regex",
                node.sub_span(
                    self.src,
                    span.start.offset,
                    span.end.offset - span.start.offset,
                ),
                format!("invalid regex: {}", err.kind()),
            );
            self.diags.push(d);
            return None;
        }
        if let Err(err) = regex::Regex::new(pattern) {
            let msg = err.to_string();
            let last = msg.lines().last().unwrap_or_default().trim().to_string();
            self.diags.push(Diagnostic::error(
                "invalid-regex",
                node.span,
                format!("invalid regex: {last}"),
            ));
            return None;
        }
        Some(())
    }
}
