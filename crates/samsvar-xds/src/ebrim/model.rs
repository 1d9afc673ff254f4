//! Typed ebRIM registry objects as they appear in XDS.b metadata.

use crate::vocab;
use samsvar_diagnostics::LineCol;
use serde::Serialize;

/// Where an object sits: an XPath-like path plus `line:col` when parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Loc {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line_col: Option<LineCol>,
}

impl Loc {
    pub fn child(&self, step: &str, pos: Option<LineCol>) -> Loc {
        Loc {
            path: format!("{}/{}", self.path, step),
            line_col: pos.or(self.line_col),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Slot {
    pub name: String,
    pub values: Vec<String>,
    #[serde(skip)]
    pub loc: Loc,
}

impl Slot {
    pub fn new(name: &str, values: Vec<String>) -> Self {
        Slot {
            name: name.to_string(),
            values,
            loc: Loc::default(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub id: String,
    pub scheme: Option<String>,
    pub classified_object: String,
    /// `classificationNode` (for SubmissionSet / Folder markers).
    pub node: Option<String>,
    pub node_representation: Option<String>,
    pub name: Option<String>,
    pub slots: Vec<Slot>,
    #[serde(skip)]
    pub loc: Loc,
}

impl Classification {
    pub fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExternalIdentifier {
    pub id: String,
    pub scheme: String,
    pub registry_object: String,
    pub value: String,
    pub name: Option<String>,
    #[serde(skip)]
    pub loc: Loc,
}

/// A coded value: classification node representation, coding scheme, display name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Code {
    pub code: String,
    #[serde(alias = "codingScheme", alias = "system")]
    pub scheme: String,
    #[serde(default, alias = "display")]
    pub display: String,
}

/// Fields shared by ExtrinsicObject and RegistryPackage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegistryObject {
    pub id: String,
    pub lid: Option<String>,
    pub status: Option<String>,
    pub home: Option<String>,
    pub object_type: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub slots: Vec<Slot>,
    pub classifications: Vec<Classification>,
    pub external_identifiers: Vec<ExternalIdentifier>,
    #[serde(skip)]
    pub loc: Loc,
}

impl RegistryObject {
    pub fn slot(&self, name: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.name == name)
    }

    pub fn slot_value(&self, name: &str) -> Option<&str> {
        self.slot(name)
            .and_then(|s| s.values.first())
            .map(String::as_str)
    }

    pub fn external_id(&self, scheme: &str) -> Option<&str> {
        self.external_identifiers
            .iter()
            .find(|e| e.scheme == scheme)
            .map(|e| e.value.as_str())
    }

    pub fn classifications_in<'a>(
        &'a self,
        scheme: &'a str,
    ) -> impl Iterator<Item = &'a Classification> + 'a {
        self.classifications
            .iter()
            .filter(move |c| c.scheme.as_deref() == Some(scheme))
    }

    pub fn code(&self, scheme: &str) -> Option<Code> {
        self.classifications_in(scheme).next().map(|c| Code {
            code: c.node_representation.clone().unwrap_or_default(),
            scheme: c
                .slot("codingScheme")
                .and_then(|s| s.values.first().cloned())
                .unwrap_or_default(),
            display: c.name.clone().unwrap_or_default(),
        })
    }
}

/// An XDS DocumentEntry (`rim:ExtrinsicObject`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExtrinsicObject {
    #[serde(flatten)]
    pub obj: RegistryObject,
    pub mime_type: Option<String>,
}

impl ExtrinsicObject {
    pub fn patient_id(&self) -> Option<&str> {
        self.obj.external_id(vocab::de::PATIENT_ID)
    }
    pub fn unique_id(&self) -> Option<&str> {
        self.obj.external_id(vocab::de::UNIQUE_ID)
    }
}

/// A SubmissionSet or Folder (`rim:RegistryPackage`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegistryPackage {
    #[serde(flatten)]
    pub obj: RegistryObject,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Association {
    pub id: String,
    pub association_type: String,
    pub source: String,
    pub target: String,
    pub status: Option<String>,
    pub slots: Vec<Slot>,
    #[serde(skip)]
    pub loc: Loc,
}

impl Association {
    pub fn slot_value(&self, name: &str) -> Option<&str> {
        self.slots
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.values.first())
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    pub id: String,
    pub home: Option<String>,
}

/// The content of a `rim:RegistryObjectList`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObjectList {
    pub extrinsic_objects: Vec<ExtrinsicObject>,
    pub packages: Vec<RegistryPackage>,
    pub associations: Vec<Association>,
    /// Top-level classifications (e.g. marking a RegistryPackage as SubmissionSet).
    pub classifications: Vec<Classification>,
    pub object_refs: Vec<ObjectRef>,
    #[serde(skip)]
    pub loc: Loc,
}

/// What a RegistryPackage is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageKind {
    SubmissionSet,
    Folder,
    Unknown,
}

impl ObjectList {
    /// Whether the package is marked as SubmissionSet or Folder, by a nested or top-level
    /// classification with the corresponding classificationNode.
    pub fn package_kind(&self, p: &RegistryPackage) -> PackageKind {
        let nested = p.obj.classifications.iter();
        let top = self
            .classifications
            .iter()
            .filter(|c| c.classified_object == p.obj.id);
        for c in nested.chain(top) {
            match c.node.as_deref() {
                Some(vocab::node::SUBMISSION_SET) => return PackageKind::SubmissionSet,
                Some(vocab::node::FOLDER) => return PackageKind::Folder,
                _ => {}
            }
        }
        // Fall back on the identification schemes.
        if p.obj.external_id(vocab::ss::UNIQUE_ID).is_some() {
            PackageKind::SubmissionSet
        } else if p.obj.external_id(vocab::folder::UNIQUE_ID).is_some() {
            PackageKind::Folder
        } else {
            PackageKind::Unknown
        }
    }

    pub fn submission_sets(&self) -> Vec<&RegistryPackage> {
        self.packages
            .iter()
            .filter(|p| self.package_kind(p) == PackageKind::SubmissionSet)
            .collect()
    }

    pub fn folders(&self) -> Vec<&RegistryPackage> {
        self.packages
            .iter()
            .filter(|p| self.package_kind(p) == PackageKind::Folder)
            .collect()
    }

    /// Number of objects of every kind (ObjectRefs included).
    pub fn len(&self) -> usize {
        self.extrinsic_objects.len()
            + self.packages.len()
            + self.associations.len()
            + self.object_refs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Registry response status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResponseStatus {
    Success,
    PartialSuccess,
    Failure,
}

impl ResponseStatus {
    pub fn from_urn(urn: &str) -> Option<Self> {
        match urn.rsplit(':').next()? {
            "Success" => Some(Self::Success),
            "PartialSuccess" => Some(Self::PartialSuccess),
            "Failure" => Some(Self::Failure),
            _ => None,
        }
    }

    pub fn urn(self) -> &'static str {
        match self {
            Self::Success => vocab::response_status::SUCCESS,
            Self::PartialSuccess => vocab::response_status::PARTIAL_SUCCESS,
            Self::Failure => vocab::response_status::FAILURE,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Success => "Success",
            Self::PartialSuccess => "PartialSuccess",
            Self::Failure => "Failure",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegistryError {
    pub error_code: String,
    pub code_context: String,
    /// `Error` or `Warning` (the last segment of the severity URN).
    pub severity: String,
    pub location: Option<String>,
}

/// A RegistryResponse (or the status part of a query/retrieve response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryResponse {
    pub status: ResponseStatus,
    /// The status as written (full URN).
    pub status_urn: String,
    pub errors: Vec<RegistryError>,
}

impl RegistryResponse {
    pub fn success() -> Self {
        RegistryResponse {
            status: ResponseStatus::Success,
            status_urn: ResponseStatus::Success.urn().to_string(),
            errors: Vec::new(),
        }
    }

    pub fn failure(errors: Vec<RegistryError>) -> Self {
        RegistryResponse {
            status: ResponseStatus::Failure,
            status_urn: ResponseStatus::Failure.urn().to_string(),
            errors,
        }
    }

    pub fn error_codes(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.error_code.as_str()).collect()
    }
}
