//! Lowering: the YAML tree into the typed model, with the checks that need the YAML
//! node itself (positions inside strings, files next to the suite).
//!
//! Structure was already checked against the JSON Schema; lowering is lenient and skips
//! what is malformed, so the semantic checks can still run on the rest and every
//! problem is reported in one go.

use crate::fhirpath_check;
use crate::model::*;
use crate::template::{self, Locate, Verbatim};
use crate::yaml::{Entry, Node, Value};
use samsvar_diagnostics::{Diagnostic, SourceMap, Span};
use std::path::{Path, PathBuf};

mod assertion;
mod security;
pub(crate) mod xds_step;

pub(crate) struct Lower<'a> {
    pub src: &'a str,
    pub suite_path: PathBuf,
    pub base_dir: PathBuf,
    pub sources: &'a mut SourceMap,
    pub diags: &'a mut Vec<Diagnostic>,
    pub fixtures: Vec<PathBuf>,
    /// The `%variables` FHIRPath expressions read: (the step's span, name, where it is
    /// written), for the semantic checks.
    pub fhirpath_vars: Vec<(Span, String, Span)>,
    /// The span of the step being lowered.
    pub step_span: Span,
}

/// A position inside a YAML scalar, starting `base` bytes into its value.
struct InNode<'n> {
    node: &'n Node,
    src: &'n str,
    base: usize,
    len: usize,
}

impl Locate for InNode<'_> {
    fn locate(&self, offset: usize, len: usize) -> Span {
        self.node.sub_span(self.src, self.base + offset, len)
    }

    fn whole(&self) -> Span {
        if self.base == 0 {
            self.node.span
        } else {
            self.node.sub_span(self.src, self.base, self.len)
        }
    }
}

fn str_of(node: Option<&Entry>) -> Option<String> {
    node.and_then(|e| e.value.as_str()).map(str::to_string)
}

fn bool_of(node: Option<&Entry>) -> bool {
    node.and_then(|e| e.value.as_bool()).unwrap_or(false)
}

fn spanned_str(e: &Entry) -> Spanned<String> {
    Spanned::new(
        e.value.as_str().unwrap_or_default().to_string(),
        e.value.span,
    )
}

impl Lower<'_> {
    pub fn suite(&mut self, root: &Node) -> Suite {
        let meta_node = root.get("suite").map(|e| &e.value);
        let meta = self.meta(meta_node, root.span);
        let targets = root
            .get("targets")
            .and_then(|e| e.value.as_map())
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let kind = match e.value.get("kind").and_then(|k| k.value.as_str()) {
                    Some("xds-registry") => TargetKind::XdsRegistry,
                    Some("xds-repository") => TargetKind::XdsRepository,
                    Some("http") => TargetKind::Http,
                    Some("audit-repository") => TargetKind::AuditRepository,
                    _ => TargetKind::Fhir,
                };
                let decl = TargetDecl {
                    name: Spanned::new(e.key.clone(), e.key_span),
                    kind,
                    description: str_of(e.value.get("description")),
                    optional: bool_of(e.value.get("optional")),
                };
                (e.key.clone(), decl)
            })
            .collect();
        let inputs = root
            .get("inputs")
            .and_then(|e| e.value.as_map())
            .unwrap_or_default()
            .iter()
            .map(|e| {
                let secret = bool_of(e.value.get("secret"));
                let default = e.value.get("default").and_then(|d| d.value.scalar_text());
                if secret && let Some(d) = e.value.get("default") {
                    self.diags.push(
                        Diagnostic::error(
                            "secret-default",
                            d.key_span,
                            format!("secret input `{}` must not have a default in the suite", e.key),
                        )
                        .with_hint("secrets come from the environment or the config file; remove `default`"),
                    );
                }
                let decl = InputDecl {
                    name: Spanned::new(e.key.clone(), e.key_span),
                    description: str_of(e.value.get("description")),
                    default,
                    secret,
                    optional: bool_of(e.value.get("optional")),
                };
                (e.key.clone(), decl)
            })
            .collect();
        let packages = root
            .get("packages")
            .map(|e| self.packages(&e.value))
            .unwrap_or_default();
        let setup = self.steps(root.get("setup").map(|e| &e.value));
        let teardown = self.steps(root.get("teardown").map(|e| &e.value));
        let items = root
            .get("tests")
            .map(|e| self.items(&e.value))
            .unwrap_or_default();
        let root_group = Group {
            id: meta.id.clone(),
            title: Some(meta.title.clone()),
            optional: false,
            ehds: meta.ehds.clone(),
            verifies: meta.verifies.clone(),
            items,
        };
        let mut fixtures = std::mem::take(&mut self.fixtures);
        fixtures.sort();
        fixtures.dedup();
        Suite {
            path: self.suite_path.clone(),
            base_dir: self.base_dir.clone(),
            meta,
            targets,
            inputs,
            packages,
            setup,
            teardown,
            root: root_group,
            fixtures,
        }
    }

    fn meta(&mut self, node: Option<&Node>, fallback: Span) -> SuiteMeta {
        let get = |k: &str| node.and_then(|n| n.get(k));
        SuiteMeta {
            id: get("id").map_or_else(|| Spanned::new(String::new(), fallback), spanned_str),
            version: get("version")
                .and_then(|e| e.value.scalar_text())
                .unwrap_or_default(),
            title: str_of(get("title")).unwrap_or_default(),
            description: str_of(get("description")),
            ehds: get("ehds").and_then(|e| ehds(&e.value)),
            verifies: get("verifies")
                .map(|e| string_list(&e.value))
                .unwrap_or_default(),
        }
    }

    fn items(&mut self, node: &Node) -> Vec<Item> {
        let mut out = Vec::new();
        for item in node.as_seq().unwrap_or_default() {
            if item.as_map().is_none() {
                continue;
            }
            if let Some(g) = item.get("group") {
                out.push(Item::Group(Group {
                    id: spanned_str(g),
                    title: str_of(item.get("title")),
                    optional: bool_of(item.get("optional")),
                    ehds: item.get("ehds").and_then(|e| ehds(&e.value)),
                    verifies: item
                        .get("verifies")
                        .map(|e| string_list(&e.value))
                        .unwrap_or_default(),
                    items: item
                        .get("tests")
                        .map(|e| self.items(&e.value))
                        .unwrap_or_default(),
                }));
            } else {
                out.push(Item::Test(Test {
                    id: item
                        .get("id")
                        .map_or_else(|| Spanned::new(String::new(), item.span), spanned_str),
                    title: str_of(item.get("title")),
                    description: str_of(item.get("description")),
                    optional: bool_of(item.get("optional")),
                    ehds: item.get("ehds").and_then(|e| ehds(&e.value)),
                    verifies: item
                        .get("verifies")
                        .map(|e| string_list(&e.value))
                        .unwrap_or_default(),
                    needs: item
                        .get("needs")
                        .map(|e| string_list(&e.value))
                        .unwrap_or_default(),
                    level: item.get("level").and_then(level),
                    steps: self.steps(item.get("steps").map(|e| &e.value)),
                }));
            }
        }
        out
    }

    fn steps(&mut self, node: Option<&Node>) -> Vec<Step> {
        let Some(items) = node.and_then(Node::as_seq) else {
            return Vec::new();
        };
        items.iter().filter_map(|s| self.step(s)).collect()
    }

    fn step(&mut self, node: &Node) -> Option<Step> {
        node.as_map()?;
        self.step_span = node.span;
        let action = if let Some(request) = node.get("request") {
            Action::Http(self.request(&request.value)?)
        } else if let Some(xds) = node.get("xds") {
            Action::Xds(self.xds_action(&xds.value)?)
        } else {
            Action::Tls(self.tls_probe(&node.get("tls")?.value)?)
        };
        let captures = node
            .get("capture")
            .and_then(|e| e.value.as_map())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| self.capture(e))
            .collect();
        let assertions = node
            .get("assert")
            .and_then(|e| e.value.as_seq())
            .unwrap_or_default()
            .iter()
            .filter_map(|a| self.assertion(a))
            .collect();
        Some(Step {
            name: str_of(node.get("name")),
            span: node.span,
            action,
            captures,
            assertions,
            retry: node.get("retry").and_then(|e| self.retry(e)),
        })
    }

    /// `retry:`. The schema checks the keys and each number's range; what it cannot say
    /// is that the interval must fit in the timeout.
    fn retry(&mut self, e: &Entry) -> Option<Retry> {
        let timeout_ms = e.value.get("timeout_ms")?.value.as_u64()?;
        let interval = e.value.get("interval_ms");
        let interval_ms = match interval {
            Some(i) => i.value.as_u64()?,
            None => Retry::DEFAULT_INTERVAL_MS.min(timeout_ms),
        };
        if interval_ms > timeout_ms {
            let span = interval.map_or(e.key_span, |i| i.value.span);
            self.diags.push(
                Diagnostic::error(
                    "invalid-value",
                    span,
                    format!("`interval_ms` ({interval_ms}) is longer than `timeout_ms` ({timeout_ms}): there would be no second attempt"),
                )
                .with_hint("make `interval_ms` at most `timeout_ms`"),
            );
            return None;
        }
        Some(Retry {
            timeout_ms,
            interval_ms,
            span: e.key_span,
        })
    }

    fn template(&mut self, node: &Node) -> Template {
        let text = node.scalar_text().unwrap_or_default();
        let at = InNode {
            node,
            src: self.src,
            base: 0,
            len: text.len(),
        };
        template::parse(&text, &at, self.diags)
    }

    fn request(&mut self, node: &Node) -> Option<HttpRequest> {
        if let Some(line) = node.as_str() {
            // Short form: `METHOD URL`.
            let method_len = line.find(' ')?;
            let url_start =
                method_len + line[method_len..].len() - line[method_len..].trim_start().len();
            let url_text = line[url_start..].trim_end();
            let at = InNode {
                node,
                src: self.src,
                base: url_start,
                len: url_text.len(),
            };
            let url = template::parse(url_text, &at, self.diags);
            return Some(HttpRequest {
                target: None,
                method: Spanned::new(
                    line[..method_len].to_string(),
                    node.sub_span(self.src, 0, method_len),
                ),
                url,
                headers: Vec::new(),
                query: Vec::new(),
                body: None,
                timeout_ms: None,
                auth: None,
            });
        }
        node.as_map()?;
        let method = node.get("method").map(spanned_str)?;
        let url = self.template(&node.get("url")?.value);
        let target = node.get("target").map(spanned_str);
        let headers = node
            .get("headers")
            .and_then(|e| e.value.as_map())
            .unwrap_or_default()
            .iter()
            .filter(|e| e.value.scalar_text().is_some())
            .map(|e| {
                (
                    Spanned::new(e.key.clone(), e.key_span),
                    self.template(&e.value),
                )
            })
            .collect();
        let mut query = Vec::new();
        for e in node
            .get("query")
            .and_then(|e| e.value.as_map())
            .unwrap_or_default()
        {
            let key = Spanned::new(e.key.clone(), e.key_span);
            match e.value.as_seq() {
                Some(values) => {
                    for v in values.iter().filter(|v| v.scalar_text().is_some()) {
                        query.push((key.clone(), self.template(v)));
                    }
                }
                None if e.value.scalar_text().is_some() => {
                    query.push((key, self.template(&e.value)))
                }
                None => {}
            }
        }
        let body = self.body(node);
        Some(HttpRequest {
            target,
            method,
            url,
            headers,
            query,
            body,
            timeout_ms: node.get("timeout_ms").and_then(|e| e.value.as_u64()),
            auth: node.get("auth").and_then(|e| self.request_auth(&e.value)),
        })
    }

    fn body(&mut self, node: &Node) -> Option<Body> {
        let given: Vec<&Entry> = ["json", "text", "file"]
            .iter()
            .filter_map(|k| node.get(k))
            .collect();
        if let [first, rest @ ..] = given.as_slice() {
            for extra in rest {
                self.diags.push(
                    Diagnostic::error(
                        "conflicting-body",
                        extra.key_span,
                        format!("a request has one body; `{}` is already given", first.key),
                    )
                    .with_hint("keep one of `json`, `text` and `file`"),
                );
            }
        }
        let first = given.first()?;
        match first.key.as_str() {
            "json" => Some(Body::Json(self.json(&first.value))),
            "text" => Some(Body::Text(self.template(&first.value))),
            _ => {
                let (path_node, templated) = match first.value.as_str() {
                    Some(_) => (&first.value, false),
                    None => (
                        &first.value.get("path")?.value,
                        bool_of(first.value.get("templated")),
                    ),
                };
                let path = path_node.as_str()?;
                let resolved = self.fixture(path, path_node.span)?;
                if templated {
                    self.check_templated_file(&resolved);
                }
                Some(Body::File {
                    path: Spanned::new(PathBuf::from(path), path_node.span),
                    resolved,
                    templated,
                })
            }
        }
    }

    /// `packages:` entries: `ID@VERSION` with a version, or a local `.tgz`/folder that exists.
    fn packages(&mut self, node: &Node) -> Vec<PackageRef> {
        let mut out = Vec::new();
        for item in node.as_seq().unwrap_or_default() {
            let Some(text) = item.as_str() else { continue };
            let spec = Spanned::new(text.to_string(), item.span);
            let local = text.ends_with(".tgz")
                || text.ends_with(".tar.gz")
                || text.starts_with('.')
                || text.contains('/');
            if local {
                let resolved = self.base_dir.join(text);
                if resolved.is_file() || resolved.is_dir() {
                    out.push(PackageRef {
                        spec,
                        path: Some(resolved),
                    });
                } else {
                    self.diags.push(
                        Diagnostic::error(
                            "missing-file",
                            item.span,
                            format!(
                                "failed to find package `{text}` (looked at {})",
                                resolved.display()
                            ),
                        )
                        .with_hint("a local package is a .tgz or a package folder, relative to the folder of the suite file"),
                    );
                }
                continue;
            }
            let (id, version) = text.split_once(['@', '#']).unwrap_or((text, ""));
            match (package_id_ok(id), version.trim().is_empty()) {
                (true, false) => out.push(PackageRef { spec, path: None }),
                (true, true) => self.diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        item.span,
                        format!("package `{text}` names no version"),
                    )
                        .with_hint("write ID@VERSION, e.g. hl7.fhir.uv.ips@2.0.0: a pinned version keeps every run on the same definitions"),
                ),
                (false, _) => self.diags.push(
                    Diagnostic::error(
                        "invalid-value",
                        item.span,
                        format!("`{text}` is neither a package ID@VERSION nor a local .tgz or folder"),
                    )
                    .with_hint("write ID@VERSION (e.g. hl7.fhir.uv.ips@2.0.0) or a path such as ./packages/acme.tgz; a version is required so every run uses the same definitions"),
                ),
            }
        }
        out
    }

    /// Resolves a file named in the suite against the suite folder; reports it when missing.
    fn fixture(&mut self, path: &str, span: Span) -> Option<PathBuf> {
        let resolved = self.base_dir.join(path);
        if Path::new(path).is_absolute() {
            self.diags.push(
                Diagnostic::warning(
                    "absolute-path",
                    span,
                    "an absolute path makes the suite unportable",
                )
                .with_hint("write the path relative to the suite folder"),
            );
        }
        if resolved.is_file() {
            self.fixtures.push(resolved.clone());
            Some(resolved)
        } else {
            self.diags.push(
                Diagnostic::error(
                    "missing-file",
                    span,
                    format!(
                        "failed to find file `{path}` (looked at {})",
                        resolved.display()
                    ),
                )
                .with_hint("paths are relative to the folder of the suite file"),
            );
            None
        }
    }

    /// Templated fixture files join the source map so their variables get real positions.
    fn check_templated_file(&mut self, path: &Path) {
        if self.sources.find(path).is_some() {
            return;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let file = self.sources.add(path, text.clone());
        let at = Verbatim {
            file,
            base: 0,
            len: text.len(),
        };
        // Diagnostics for malformed placeholders land in the fixture file; the runner
        // re-parses the file when it sends it.
        template::parse(&text, &at, self.diags);
    }

    fn json(&mut self, node: &Node) -> JsonTemplate {
        match &node.value {
            Value::Null => JsonTemplate::Null,
            Value::Bool(b) => JsonTemplate::Bool(*b),
            Value::Int(i) => JsonTemplate::Number((*i).into()),
            Value::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => JsonTemplate::Number(n),
                None => {
                    self.diags.push(Diagnostic::error(
                        "invalid-value",
                        node.span,
                        "JSON has no infinity or NaN",
                    ));
                    JsonTemplate::Null
                }
            },
            Value::Str(_) => JsonTemplate::String(self.template(node)),
            Value::Seq(items) => JsonTemplate::Array(items.iter().map(|i| self.json(i)).collect()),
            Value::Map(entries) => JsonTemplate::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), self.json(&e.value)))
                    .collect(),
            ),
        }
    }

    fn capture(&mut self, e: &Entry) -> Option<Capture> {
        if let (Some(header), Some(regex)) = (e.value.get("header"), e.value.get("regex")) {
            self.regex(&regex.value)?;
            return Some(Capture {
                name: Spanned::new(e.key.clone(), e.key_span),
                source: CaptureSource::HeaderRegex {
                    header: spanned_str(header),
                    regex: spanned_str(regex),
                },
            });
        }
        let (kind, value) = e
            .value
            .as_map()?
            .first()
            .map(|c| (c.key.as_str(), &c.value))?;
        let source = match kind {
            "fhirpath" => {
                self.fhirpath(value)?;
                CaptureSource::FhirPath(Spanned::new(value.as_str()?.to_string(), value.span))
            }
            "header" => {
                CaptureSource::Header(Spanned::new(value.as_str()?.to_string(), value.span))
            }
            "status" => CaptureSource::Status,
            "xds" => self.xds_capture(value)?,
            "regex" => {
                self.regex(value)?;
                CaptureSource::Regex(Spanned::new(value.as_str()?.to_string(), value.span))
            }
            _ => return None,
        };
        Some(Capture {
            name: Spanned::new(e.key.clone(), e.key_span),
            source,
        })
    }

    fn check_json_schema(&mut self, path: &Path, span: Span) {
        let problem = match std::fs::read_to_string(path) {
            Err(e) => Some(format!("failed to read {}: {e}", path.display())),
            Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
                Err(e) => Some(format!(
                    "failed to parse JSON Schema {}: {e}",
                    path.display()
                )),
                Ok(schema) => jsonschema::validator_for(&schema)
                    .err()
                    .map(|e| format!("failed to compile JSON Schema {}: {e}", path.display())),
            },
        };
        if let Some(msg) = problem {
            self.diags
                .push(Diagnostic::error("invalid-json-schema", span, msg));
        }
    }
}

/// Keys next to an assertion's check that qualify it rather than check something.
pub(crate) const ASSERTION_MARKS: &[&str] = &["level", "verifies", "description"];

/// `level: shall | should | may` (the schema refuses anything else).
fn level(e: &Entry) -> Option<Spanned<Level>> {
    let level = match e.value.as_str()? {
        "shall" => Level::Shall,
        "should" => Level::Should,
        "may" => Level::May,
        _ => return None,
    };
    Some(Spanned::new(level, e.value.span))
}

fn status_code(node: &Node) -> Option<u16> {
    node.as_u64().and_then(|c| u16::try_from(c).ok())
}

/// A FHIR package id: letters, digits, `.`, `-`, `_` (as the package installer checks).
fn package_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn string_list(node: &Node) -> Vec<Spanned<String>> {
    node.as_seq()
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.scalar_text().map(|s| Spanned::new(s, n.span)))
        .collect()
}

fn ehds(node: &Node) -> Option<EhdsMapping> {
    let component = match node.get("component")?.value.as_str()? {
        "interoperability" => EhdsComponent::Interoperability,
        "logging" => EhdsComponent::Logging,
        _ => return None,
    };
    let category = node.get("category").and_then(|c| match c.value.as_str()? {
        "patient-summary" => Some(PriorityCategory::PatientSummary),
        "e-prescription" => Some(PriorityCategory::EPrescription),
        "e-dispensation" => Some(PriorityCategory::EDispensation),
        "laboratory-results" => Some(PriorityCategory::LaboratoryResults),
        "medical-imaging" => Some(PriorityCategory::MedicalImaging),
        "discharge-reports" => Some(PriorityCategory::DischargeReports),
        _ => None,
    });
    Some(EhdsMapping {
        component,
        category,
    })
}
