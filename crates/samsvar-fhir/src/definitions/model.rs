//! The parts of StructureDefinition / ElementDefinition the validator needs, read from JSON.

use serde_json::Value;

const FHIR_TYPE_EXT: &str = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Max {
    Unbounded,
    N(u32),
}

impl Max {
    pub fn allows(self, count: usize) -> bool {
        match self {
            Max::Unbounded => true,
            Max::N(n) => count <= n as usize,
        }
    }
    pub fn repeats(self) -> bool {
        !matches!(self, Max::N(0) | Max::N(1))
    }
    pub fn text(self) -> String {
        match self {
            Max::Unbounded => "*".into(),
            Max::N(n) => n.to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TypeRef {
    /// The FHIR type code (`string`, `CodeableConcept`, `Resource`, ...).
    pub code: String,
    pub profiles: Vec<String>,
    pub target_profiles: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    Required,
    Extensible,
    Preferred,
    Example,
}

#[derive(Debug, Clone)]
pub struct Binding {
    pub strength: Strength,
    pub value_set: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub key: String,
    pub error: bool,
    pub human: String,
    pub expression: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscriminatorType {
    Value,
    Pattern,
    Type,
    Profile,
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlicingRules {
    Open,
    Closed,
    OpenAtEnd,
}

#[derive(Debug, Clone)]
pub struct Slicing {
    pub discriminators: Vec<(DiscriminatorType, String)>,
    pub ordered: bool,
    pub rules: SlicingRules,
}

#[derive(Debug, Clone)]
pub struct ElementDef {
    pub id: String,
    pub path: String,
    pub slice_name: Option<String>,
    pub min: u32,
    pub max: Max,
    /// `base.max`: whether the element repeats in the base resource (JSON array shape).
    pub base_max: Option<Max>,
    pub types: Vec<TypeRef>,
    pub fixed: Option<Value>,
    pub pattern: Option<Value>,
    pub binding: Option<Binding>,
    pub constraints: Vec<Constraint>,
    pub slicing: Option<Slicing>,
    pub content_reference: Option<String>,
    pub must_support: bool,
    pub max_length: Option<usize>,
    /// `minValue[x]` / `maxValue[x]`, as (type suffix, value): `("Quantity", {...})`.
    pub min_value: Option<(String, Value)>,
    pub max_value: Option<(String, Value)>,
    pub max_decimal_places: Option<u32>,
}

impl ElementDef {
    pub fn from_json(raw: &Value) -> ElementDef {
        let path = str_of(raw, "path").unwrap_or_default();
        let slice_name = str_of(raw, "sliceName");
        let id = str_of(raw, "id").unwrap_or_else(|| match &slice_name {
            Some(s) => format!("{path}:{s}"),
            None => path.clone(),
        });
        let max = match raw.get("max").and_then(Value::as_str) {
            Some("*") | None => Max::Unbounded,
            Some(n) => n.parse().map(Max::N).unwrap_or(Max::Unbounded),
        };
        let parse_max = |m: Option<&str>| match m {
            Some("*") | None => Max::Unbounded,
            Some(n) => n.parse().map(Max::N).unwrap_or(Max::Unbounded),
        };
        let base_max = raw
            .get("base")
            .and_then(|b| b.get("max"))
            .and_then(Value::as_str)
            .map(|m| parse_max(Some(m)));
        let types = raw
            .get("type")
            .and_then(Value::as_array)
            .map(|ts| ts.iter().map(type_ref).collect())
            .unwrap_or_default();
        let (fixed, pattern) = prefixed_values(raw);
        let typed = |prefix: &str| {
            raw.as_object().and_then(|o| {
                o.iter().find_map(|(k, v)| {
                    k.strip_prefix(prefix)
                        .filter(|t| t.starts_with(|c: char| c.is_ascii_uppercase()))
                        .map(|t| (t.to_string(), v.clone()))
                })
            })
        };
        let binding = raw.get("binding").map(|b| Binding {
            strength: match b.get("strength").and_then(Value::as_str) {
                Some("required") => Strength::Required,
                Some("extensible") => Strength::Extensible,
                Some("preferred") => Strength::Preferred,
                _ => Strength::Example,
            },
            value_set: str_of(b, "valueSet").or_else(|| str_of(b, "valueSetUri")),
        });
        let constraints = raw
            .get("constraint")
            .and_then(Value::as_array)
            .map(|cs| {
                cs.iter()
                    .map(|c| Constraint {
                        key: str_of(c, "key").unwrap_or_default(),
                        error: c.get("severity").and_then(Value::as_str) != Some("warning"),
                        human: str_of(c, "human").unwrap_or_default(),
                        expression: str_of(c, "expression"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let slicing = raw.get("slicing").map(|s| Slicing {
            discriminators: s
                .get("discriminator")
                .and_then(Value::as_array)
                .map(|ds| {
                    ds.iter()
                        .map(|d| {
                            let kind = match d.get("type").and_then(Value::as_str) {
                                Some("pattern") => DiscriminatorType::Pattern,
                                Some("type") => DiscriminatorType::Type,
                                Some("profile") => DiscriminatorType::Profile,
                                Some("exists") => DiscriminatorType::Exists,
                                _ => DiscriminatorType::Value,
                            };
                            (kind, str_of(d, "path").unwrap_or_else(|| "$this".into()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            ordered: s.get("ordered").and_then(Value::as_bool).unwrap_or(false),
            rules: match s.get("rules").and_then(Value::as_str) {
                Some("closed") => SlicingRules::Closed,
                Some("openAtEnd") => SlicingRules::OpenAtEnd,
                _ => SlicingRules::Open,
            },
        });
        ElementDef {
            id,
            path,
            slice_name,
            min: raw.get("min").and_then(Value::as_u64).unwrap_or(0) as u32,
            max,
            base_max,
            types,
            fixed,
            pattern,
            binding,
            constraints,
            slicing,
            content_reference: str_of(raw, "contentReference"),
            must_support: raw
                .get("mustSupport")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            max_length: raw
                .get("maxLength")
                .and_then(Value::as_u64)
                .map(|n| n as usize),
            min_value: typed("minValue"),
            max_value: typed("maxValue"),
            max_decimal_places: raw
                .get("maxDecimalPlaces")
                .and_then(Value::as_u64)
                .map(|n| n as u32),
        }
    }

    /// The element's last path segment (`value[x]`, `name`, ...).
    pub fn name(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }

    pub fn is_choice(&self) -> bool {
        self.path.ends_with("[x]")
    }
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn type_ref(t: &Value) -> TypeRef {
    let mut code = str_of(t, "code").unwrap_or_default();
    if code.starts_with("http://hl7.org/fhirpath/System.") {
        // Element.id, Extension.url and primitive `value`s: the real type is in an extension.
        let declared = t
            .get("extension")
            .and_then(Value::as_array)
            .and_then(|exts| {
                exts.iter().find_map(|e| {
                    (e.get("url").and_then(Value::as_str) == Some(FHIR_TYPE_EXT))
                        .then(|| {
                            e.get("valueUrl")
                                .or_else(|| e.get("valueUri"))
                                .and_then(Value::as_str)
                        })
                        .flatten()
                })
            });
        code = match declared {
            Some(d) => d.to_string(),
            None => match code.trim_start_matches("http://hl7.org/fhirpath/System.") {
                "Boolean" => "boolean".into(),
                "Integer" => "integer".into(),
                "Decimal" => "decimal".into(),
                "Date" => "date".into(),
                "DateTime" => "dateTime".into(),
                "Time" => "time".into(),
                _ => "string".into(),
            },
        };
    }
    TypeRef {
        code,
        profiles: strings(t, "profile"),
        target_profiles: strings(t, "targetProfile"),
    }
}

fn prefixed_values(raw: &Value) -> (Option<Value>, Option<Value>) {
    let mut fixed = None;
    let mut pattern = None;
    if let Some(obj) = raw.as_object() {
        for (k, v) in obj {
            if k.starts_with("fixed") && k.len() > 5 {
                fixed = Some(v.clone());
            } else if k.starts_with("pattern") && k.len() > 7 {
                pattern = Some(v.clone());
            }
        }
    }
    (fixed, pattern)
}

/// The `element` array of a StructureDefinition's `snapshot` or `differential`.
pub fn element_json<'a>(raw: &'a Value, key: &str) -> &'a [Value] {
    raw.get(key)
        .and_then(|s| s.get("element"))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A StructureDefinition reduced to what validation needs.
#[derive(Debug, Clone)]
pub struct StructureDef {
    pub url: String,
    pub version: Option<String>,
    pub name: String,
    pub kind: String,
    /// The type constrained (`Patient`, `Extension`, `CodeableConcept`).
    pub type_name: String,
    pub is_abstract: bool,
    pub base: Option<String>,
    pub derivation_constraint: bool,
    pub snapshot: Vec<ElementDef>,
    /// The JSON of a snapshot samsvar generated (snapshot generation of a profile based on
    /// this one reads it); a published snapshot is read again from its file instead, so
    /// that the element JSON is not held in memory twice.
    pub generated: Option<std::sync::Arc<Vec<Value>>>,
    /// Extension contexts: (type, expression).
    pub contexts: Vec<(String, String)>,
    /// Differential elements snapshot generation could not apply (they were skipped).
    pub snapshot_problems: Vec<String>,
}

impl StructureDef {
    pub fn from_json(raw: &Value) -> StructureDef {
        let elements = |key: &str| -> Vec<ElementDef> {
            element_json(raw, key)
                .iter()
                .map(ElementDef::from_json)
                .collect()
        };
        StructureDef {
            url: str_of(raw, "url").unwrap_or_default(),
            version: str_of(raw, "version"),
            name: str_of(raw, "name").unwrap_or_default(),
            kind: str_of(raw, "kind").unwrap_or_default(),
            type_name: str_of(raw, "type").unwrap_or_default(),
            is_abstract: raw
                .get("abstract")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            base: str_of(raw, "baseDefinition"),
            derivation_constraint: raw.get("derivation").and_then(Value::as_str)
                == Some("constraint"),
            snapshot: elements("snapshot"),
            generated: None,
            contexts: raw
                .get("context")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .map(|c| {
                            (
                                str_of(c, "type").unwrap_or_default(),
                                str_of(c, "expression").unwrap_or_default(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
            snapshot_problems: Vec::new(),
        }
    }
}
