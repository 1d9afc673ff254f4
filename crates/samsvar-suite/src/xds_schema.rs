//! The XDS parts of the suite schema: the `xds:` step, `{ xds: … }` captures and
//! `- xds: {…}` assertions (docs/xds.md). Added to the schema built in `schema.rs`.

use crate::lower::xds_step::{STORED_QUERIES, XDS_CAPTURES};
use serde_json::{Value, json};

/// Patch the suite schema in place.
pub fn extend(schema: &mut Value) {
    let Some(defs) = schema.get_mut("definitions").and_then(Value::as_object_mut) else {
        return;
    };
    defs.insert("xds".into(), xds_step());
    if let Some(props) = defs
        .get_mut("step")
        .and_then(|s| s.get_mut("properties"))
        .and_then(Value::as_object_mut)
    {
        props.insert("xds".into(), json!({ "$ref": "#/definitions/xds" }));
    }
    if let Some(props) = defs
        .get_mut("capture")
        .and_then(|c| c.get_mut("properties"))
        .and_then(Value::as_object_mut)
    {
        props.insert(
            "xds".into(),
            json!({ "description": "A value from an XDS response (docs/xds.md).", "enum": XDS_CAPTURES }),
        );
    }
    if let Some(props) = defs
        .get_mut("assertion")
        .and_then(|c| c.get_mut("properties"))
        .and_then(Value::as_object_mut)
    {
        props.insert("xds".into(), xds_assertion());
    }
}

fn xds_step() -> Value {
    json!({
        "description": "An IHE XDS.b transaction: ITI-41, ITI-18 or ITI-43 (docs/xds.md).",
        "type": "object",
        "additionalProperties": false,
        "required": ["transaction"],
        "properties": {
            "transaction": { "enum": ["ITI-41", "provide-and-register", "ITI-18", "stored-query", "ITI-43", "retrieve"] },
            "target": { "$ref": "#/definitions/varName" },
            "mtom": { "description": "ITI-41: send documents as MTOM/XOP parts (default true).", "type": "boolean" },
            "timeout_ms": { "type": "integer", "minimum": 1 },
            "submission": {
                "description": "ITI-41: patientId, submissionSet, documents, folder (docs/xds.md).",
                "type": "object",
                "required": ["patientId", "submissionSet", "documents"]
            },
            "fixture": {
                "description": "ITI-41 from a raw SOAP envelope or ProvideAndRegisterDocumentSetRequest file (templated by default).",
                "if": { "type": "string" },
                "then": { "minLength": 1 },
                "else": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["path"],
                    "properties": { "path": { "type": "string", "minLength": 1 }, "templated": { "type": "boolean" } }
                }
            },
            "query": {
                "description": "ITI-18: a stored query by name with its parameters.",
                "type": "object",
                "additionalProperties": false,
                "required": ["name"],
                "properties": {
                    "name": { "anyOf": [{ "enum": STORED_QUERIES }, { "type": "string", "pattern": "^urn:uuid:" }] },
                    "returnType": { "enum": ["LeafClass", "ObjectRef"] },
                    "params": {
                        "type": "object",
                        "additionalProperties": {
                            "type": ["string", "number", "array"],
                            "items": { "type": "string" }
                        }
                    }
                }
            },
            "documents": {
                "description": "ITI-43: the documents to retrieve.",
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["repositoryUniqueId", "documentUniqueId"],
                    "properties": {
                        "repositoryUniqueId": { "type": "string" },
                        "documentUniqueId": { "type": "string" },
                        "homeCommunityId": { "type": "string" }
                    }
                }
            }
        }
    })
}

fn xds_assertion() -> Value {
    json!({
        "description": "A check on an XDS response (docs/xds.md).",
        "type": "object",
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": false,
        "properties": {
            "status": { "enum": ["Success", "Failure", "PartialSuccess"] },
            "error_code": {
                "description": "A registry error code that must be in the RegistryErrorList; a list means any one of them.",
                "oneOf": [
                    { "type": "string", "minLength": 1 },
                    { "type": "array", "minItems": 1, "items": { "type": "string", "minLength": 1 } }
                ]
            },
            "documents": { "type": "integer", "minimum": 0 },
            "metadata_valid": { "const": true },
            "document_sha1": { "type": "string", "minLength": 1 }
        }
    })
}
