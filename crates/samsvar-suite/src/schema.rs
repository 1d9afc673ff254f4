//! The JSON Schema of the suite format: the single source of truth for its structure.
//!
//! Suites are checked against it (see `structure.rs`), and it is written to
//! `docs/suite.schema.json` so editors complete and check suites. A test fails when the
//! committed file drifts from [`suite_schema`].

use crate::model::Retry;
use serde_json::{Value, json};

/// The `$id` of the schema.
pub const SCHEMA_ID: &str = "https://samsvar.dev/schemas/suite.schema.json";

/// HTTP methods a request may use.
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Pattern of suite, group and test ids.
pub const ID_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9._-]*$";
/// Pattern of variable names: inputs, targets and captures.
pub const VAR_PATTERN: &str = "^[A-Za-z_][A-Za-z0-9_-]*$";

/// The JSON Schema (draft-07) of a suite file.
///
/// Draft-07 rather than 2020-12: the format needs nothing newer, every editor's YAML
/// support reads it, and compiling the 2020-12 meta-schema (which the validator does
/// once per process to check this schema) cost a quarter of a short run's CPU time.
pub fn suite_schema() -> Value {
    let shorthand = format!("^({}) +\\S+$", METHODS.join("|"));
    let mut schema = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "samsvar suite",
        "description": "A samsvar conformance test suite. Reference: docs/suite-language.md.",
        "type": "object",
        "additionalProperties": false,
        "required": ["suite", "tests"],
        "properties": {
            "suite": { "$ref": "#/definitions/suiteMeta" },
            "targets": {
                "description": "The systems under test this suite talks to, by name. `{{name}}` in a URL is the target's base URL.",
                "type": "object",
                "propertyNames": { "$ref": "#/definitions/varName" },
                "additionalProperties": { "$ref": "#/definitions/target" }
            },
            "inputs": {
                "description": "Values the suite uses as `{{name}}`, overridable from the command line, the config file and the environment.",
                "type": "object",
                "propertyNames": { "$ref": "#/definitions/varName" },
                "additionalProperties": { "$ref": "#/definitions/input" }
            },
            "packages": {
                "description": "FHIR packages the suite's `conforms_to` checks need: `ID@VERSION` (a pinned version), or a `.tgz`/package folder relative to the suite file. `samsvar run` loads them from the package cache (installing what is missing) and stops with exit 2 naming a package it cannot get.",
                "type": "array",
                "items": { "type": "string", "minLength": 1 }
            },
            "setup": {
                "description": "Steps run once before any test; if one fails, every test errors.",
                "$ref": "#/definitions/steps"
            },
            "teardown": {
                "description": "Steps run once after all tests, whatever their outcome.",
                "$ref": "#/definitions/steps"
            },
            "tests": {
                "description": "Tests and groups of tests, run in dependency order.",
                "$ref": "#/definitions/items"
            }
        },
        "definitions": {
            "id": {
                "type": "string",
                "pattern": ID_PATTERN,
                "errorMessage": "an id starts with a letter or digit and holds only letters, digits, `.`, `_` and `-`"
            },
            "varName": {
                "type": "string",
                "pattern": VAR_PATTERN,
                "errorMessage": "a name starts with a letter or `_` and holds only letters, digits, `_` and `-`"
            },
            "requirementIds": {
                "description": "Requirement ids verified (EHDS articles, IHE transactions, profile sections, …).",
                "type": "array",
                "items": { "type": "string", "minLength": 1 }
            },
            "ehds": {
                "description": "Which EHDS harmonised component (and priority category) this covers.",
                "type": "object",
                "additionalProperties": false,
                "required": ["component"],
                "properties": {
                    "component": { "enum": ["interoperability", "logging"] },
                    "category": {
                        "enum": [
                            "patient-summary", "e-prescription", "e-dispensation",
                            "laboratory-results", "medical-imaging", "discharge-reports"
                        ]
                    }
                }
            },
            "suiteMeta": {
                "description": "What this suite is.",
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "version", "title"],
                "properties": {
                    "id": { "$ref": "#/definitions/id" },
                    "version": {
                        "type": "string",
                        "minLength": 1,
                        "errorMessage": "a version is a string; quote it, e.g. \"1.0\""
                    },
                    "title": { "type": "string", "minLength": 1 },
                    "description": { "type": "string" },
                    "ehds": { "$ref": "#/definitions/ehds" },
                    "verifies": { "$ref": "#/definitions/requirementIds" }
                }
            },
            "target": {
                "type": "object",
                "additionalProperties": false,
                "required": ["kind"],
                "properties": {
                    "kind": { "enum": ["fhir", "xds-registry", "xds-repository", "http", "audit-repository"] },
                    "description": { "type": "string" },
                    "optional": {
                        "description": "A run may leave the target unbound; the tests that use it are then skipped with that reason (setup and teardown must not use it).",
                        "type": "boolean"
                    }
                }
            },
            "input": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "description": { "type": "string" },
                    "default": {
                        "description": "Used when no value is given on the command line, in the config file or the environment.",
                        "type": ["string", "number", "boolean"]
                    },
                    "secret": {
                        "description": "Secret inputs come from the environment or config only, never from the suite, and are redacted everywhere.",
                        "type": "boolean"
                    },
                    "optional": {
                        "description": "A run may give the input no value (it has no default); the tests that use it are then skipped with that reason (setup and teardown must not use it).",
                        "type": "boolean"
                    }
                }
            },
            "items": {
                "type": "array",
                "items": { "$ref": "#/definitions/item" }
            },
            "item": {
                "description": "A test (with `id`) or a group of tests (with `group`).",
                "if": { "type": "object", "required": ["group"] },
                "then": { "$ref": "#/definitions/group" },
                "else": { "$ref": "#/definitions/test" }
            },
            "group": {
                "type": "object",
                "additionalProperties": false,
                "required": ["group", "tests"],
                "properties": {
                    "group": { "$ref": "#/definitions/id" },
                    "title": { "type": "string" },
                    "optional": {
                        "description": "Optional groups are reported but never fail their parent or the run.",
                        "type": "boolean"
                    },
                    "ehds": { "$ref": "#/definitions/ehds" },
                    "verifies": { "$ref": "#/definitions/requirementIds" },
                    "tests": { "$ref": "#/definitions/items" }
                }
            },
            "test": {
                "type": "object",
                "additionalProperties": false,
                "required": ["id", "steps"],
                "properties": {
                    "id": { "$ref": "#/definitions/id" },
                    "title": { "type": "string" },
                    "description": { "type": "string" },
                    "optional": {
                        "description": "Optional tests are reported but never fail their parent or the run.",
                        "type": "boolean"
                    },
                    "ehds": { "$ref": "#/definitions/ehds" },
                    "verifies": { "$ref": "#/definitions/requirementIds" },
                    "needs": {
                        "description": "Tests that run first. Tests whose captures this test uses are added automatically; the test is skipped only when a capture it uses was never taken.",
                        "type": "array",
                        "items": { "$ref": "#/definitions/id" }
                    },
                    "level": { "$ref": "#/definitions/level" },
                    "steps": { "$ref": "#/definitions/steps" }
                }
            },
            "steps": {
                "type": "array",
                "minItems": 1,
                "items": { "$ref": "#/definitions/step" }
            },
            "step": {
                "type": "object",
                "additionalProperties": false,
                "oneOf": [
                    { "required": ["request"] },
                    { "required": ["xds"] },
                    { "required": ["tls"] }
                ],
                "errorMessage": "a step has exactly one of `request`, `xds` and `tls`",
                "properties": {
                    "name": { "type": "string" },
                    "tls": {
                        "description": "A TLS handshake offering only a legacy version; passes `- tls: refused` when the server declines it.",
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["offer"],
                        "properties": {
                            "offer": {
                                "description": "The only TLS version offered.",
                                "enum": ["1.0", "1.1"],
                                "errorMessage": "quote the version: `offer: \"1.1\"`"
                            },
                            "target": {
                                "description": "The target whose host and port are probed (default: the suite's only target); its URL must be https.",
                                "$ref": "#/definitions/varName"
                            },
                            "timeout_ms": { "type": "integer", "minimum": 1 }
                        }
                    },
                    "request": {
                        "description": "`METHOD URL` (e.g. `GET {{fhir}}/metadata`), or a mapping for headers, query and body.",
                        "if": { "type": "string" },
                        "then": {
                            "pattern": shorthand,
                            "errorMessage": "a request in short form is `METHOD URL`, e.g. `GET {{fhir}}/metadata`"
                        },
                        "else": { "$ref": "#/definitions/request" }
                    },
                    "capture": {
                        "description": "Values taken from the response, usable as `{{name}}` in later steps and other tests.",
                        "type": "object",
                        "propertyNames": { "$ref": "#/definitions/varName" },
                        "additionalProperties": { "$ref": "#/definitions/capture" }
                    },
                    "assert": {
                        "type": "array",
                        "items": { "$ref": "#/definitions/assertion" }
                    },
                    "retry": { "$ref": "#/definitions/retry" }
                }
            },
            "retry": {
                "description": "Send the request again, `interval_ms` after an attempt whose assertions did not all pass (or that got no response), until they do; no attempt starts later than `timeout_ms` after the first. The step's record is its last attempt. `request` steps only.",
                "type": "object",
                "additionalProperties": false,
                "required": ["timeout_ms"],
                "properties": {
                    "timeout_ms": {
                        "description": "How long after the first attempt another may start.",
                        "type": "integer",
                        "minimum": 1,
                        "maximum": Retry::MAX_TIMEOUT_MS
                    },
                    "interval_ms": {
                        "description": "The wait between attempts (default 500, or `timeout_ms` when shorter); at most `timeout_ms`.",
                        "type": "integer",
                        "minimum": Retry::MIN_INTERVAL_MS
                    }
                }
            },
            "request": {
                "type": "object",
                "additionalProperties": false,
                "required": ["method", "url"],
                "properties": {
                    "target": {
                        "description": "The target this request goes to (default: the one named at the start of the URL, or the suite's only target).",
                        "$ref": "#/definitions/varName"
                    },
                    "method": { "enum": METHODS },
                    "url": { "type": "string", "minLength": 1 },
                    "headers": {
                        "type": "object",
                        "additionalProperties": { "type": ["string", "number", "boolean"] }
                    },
                    "query": {
                        "description": "Query parameters; a list repeats the parameter.",
                        "type": "object",
                        "additionalProperties": {
                            "type": ["string", "number", "boolean", "array"],
                            "items": { "type": ["string", "number", "boolean"] }
                        }
                    },
                    "json": { "description": "A JSON body written as YAML; strings may hold `{{variables}}`." },
                    "text": { "description": "A text body; may hold `{{variables}}`.", "type": "string" },
                    "file": {
                        "description": "A body from a file relative to the suite folder.",
                        "if": { "type": "string" },
                        "then": { "minLength": 1 },
                        "else": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["path"],
                            "properties": {
                                "path": { "type": "string", "minLength": 1 },
                                "templated": {
                                    "description": "Replace `{{variables}}` in the file's text.",
                                    "type": "boolean"
                                }
                            }
                        }
                    },
                    "timeout_ms": {
                        "description": "Overrides the run's per-request timeout.",
                        "type": "integer",
                        "minimum": 1
                    },
                    "auth": {
                        "description": "Instead of the target's credentials: `none` sends none; `{scope: …}` sends a token requested with that scope.",
                        "if": { "type": "string" },
                        "then": {
                            "const": "none",
                            "errorMessage": "write `auth: none` to send no credentials, or `auth: { scope: … }` for a token with another scope"
                        },
                        "else": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["scope"],
                            "properties": {
                                "scope": { "type": "string", "minLength": 1 }
                            }
                        }
                    }
                }
            },
            "capture": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 2,
                "additionalProperties": false,
                "if": { "required": ["header"] },
                "then": { "propertyNames": { "enum": ["header", "regex"] } },
                "else": { "maxProperties": 1 },
                "properties": {
                    "fhirpath": { "description": "FHIRPath over the JSON body; the first value.", "type": "string", "minLength": 1 },
                    "header": { "description": "A response header's value; with `regex`, its group 1 (or the whole match) in that value.", "type": "string", "minLength": 1 },
                    "status": { "description": "The HTTP status code.", "const": true },
                    "regex": { "description": "A regex over the body; group 1, or the whole match.", "type": "string", "minLength": 1 }
                }
            },
            "level": {
                "description": "The requirement level of the spec sentence: `shall` (the default) fails, `should` and `may` warn.",
                "enum": ["shall", "should", "may"]
            },
            "assertion": {
                "description": "One check on the response; each list item holds exactly one, optionally with its `level`, `verifies` and `description`.",
                "type": "object",
                "minProperties": 1,
                "maxProperties": 4,
                "additionalProperties": false,
                "properties": {
                    "level": { "$ref": "#/definitions/level" },
                    "verifies": { "$ref": "#/definitions/requirementIds" },
                    "description": {
                        "description": "What the assertion checks, in words (`{{name}}` variables allowed); shown instead of the generated description.",
                        "type": "string",
                        "minLength": 1
                    },
                    "status": {
                        "description": "The status code, or a list of accepted codes.",
                        "if": { "type": "array" },
                        "then": { "minItems": 1, "items": { "$ref": "#/definitions/statusCode" } },
                        "else": { "$ref": "#/definitions/statusCode" }
                    },
                    "header": {
                        "description": "A response header exists (the default), equals or differs from a value, compares with one in order, or matches a regex.",
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["name"],
                        "maxProperties": 2,
                        "properties": {
                            "name": { "type": "string", "minLength": 1 }
                        }
                    },
                    "content_type": {
                        "description": "The media type of Content-Type, parameters ignored.",
                        "type": "string",
                        "minLength": 1
                    },
                    "fhirpath": {
                        "description": "An expression that must be true, or `{expr, CHECK}` with one of equals, not_equals, less_than, at_most, greater_than, at_least, matches, exists. `%name` reads a variable; `{{name}}` is not replaced inside an expression.",
                        "if": { "type": "string" },
                        "then": { "minLength": 1 },
                        "else": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["expr"],
                            "minProperties": 2,
                            "maxProperties": 2,
                            "properties": {
                                "expr": { "type": "string", "minLength": 1 }
                            }
                        }
                    },
                    "response_time_ms": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["max"],
                        "properties": { "max": { "type": "integer", "minimum": 1 } }
                    },
                    "body": {
                        "description": "The body's bytes as received: `size` their number, `sha1` their SHA-1 (40 hex digits, or base64 as FHIR Attachment.hash writes it). Templates, e.g. values captured from a DocumentReference.",
                        "type": "object",
                        "additionalProperties": false,
                        "minProperties": 1,
                        "properties": {
                            "size": { "type": ["string", "integer"], "minLength": 1, "minimum": 0 },
                            "sha1": { "type": "string", "minLength": 1 }
                        }
                    },
                    "json_schema": {
                        "description": "The JSON body is valid against this JSON Schema file (relative to the suite folder).",
                        "type": "string",
                        "minLength": 1
                    },
                    "conforms_to": {
                        "description": "The JSON body conforms to this FHIR profile (canonical URL); or `{profile, each}`: every value the FHIRPath expression `each` selects (e.g. `entry.resource`) conforms, and it selects at least one.",
                        "if": { "type": "string" },
                        "then": { "minLength": 1 },
                        "else": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["profile"],
                            "properties": {
                                "profile": { "type": "string", "minLength": 1 },
                                "each": { "type": "string", "minLength": 1 }
                            }
                        }
                    },
                    "tls": {
                        "description": "A `tls:` probe step's outcome: the server refused or accepted the offered version.",
                        "enum": ["refused", "accepted"]
                    }
                }
            },
            "statusCode": { "type": "integer", "minimum": 100, "maximum": 599 }
        }
    });
    let assertion = "/definitions/assertion/properties";
    for at in ["/header/properties", "/fhirpath/else/properties"] {
        if let Some(Value::Object(props)) = schema.pointer_mut(&format!("{assertion}{at}")) {
            props.extend(value_checks());
        }
    }
    crate::xds_schema::extend(&mut schema);
    one_check_per_assertion(&mut schema);
    schema
}

/// The checks a header or FHIRPath value assertion takes (one of them).
fn value_checks() -> serde_json::Map<String, Value> {
    let mut checks = serde_json::Map::new();
    checks.insert("exists".into(), json!({ "type": "boolean" }));
    for key in ["equals", "not_equals"] {
        checks.insert(
            key.into(),
            json!({ "type": ["string", "number", "boolean"] }),
        );
    }
    for order in crate::model::Ordering::ALL {
        checks.insert(order.key().into(), json!({ "type": ["string", "number"] }));
    }
    checks.insert("matches".into(), json!({ "type": "string" }));
    checks
}

/// An assertion holds exactly one check: one key, plus its marks (`level`, `verifies`,
/// `description`) when present (so too many keys is reported as "exactly one check").
/// JSON Schema cannot count keys by name, so there is one case per set of marks present.
fn one_check_per_assertion(schema: &mut Value) {
    let marks = crate::lower::ASSERTION_MARKS;
    let cases: Vec<Value> = (0u32..1 << marks.len())
        .map(|set| {
            let (present, absent): (Vec<&str>, Vec<&str>) =
                marks
                    .iter()
                    .enumerate()
                    .fold((vec![], vec![]), |(mut p, mut a), (i, m)| {
                        if set & (1 << i) != 0 {
                            p.push(*m);
                        } else {
                            a.push(*m);
                        }
                        (p, a)
                    });
            let mut when = json!({ "required": present });
            if !absent.is_empty() {
                let any: Vec<Value> = absent.iter().map(|m| json!({ "required": [m] })).collect();
                when["not"] = json!({ "anyOf": any });
            }
            json!({ "if": when, "then": { "maxProperties": present.len() + 1 } })
        })
        .collect();
    schema["definitions"]["assertion"]["allOf"] = Value::Array(cases);
}
