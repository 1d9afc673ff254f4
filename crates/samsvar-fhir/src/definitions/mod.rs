//! Conformance resources (StructureDefinition, ValueSet, CodeSystem) from package folders,
//! indexed by canonical `url` and `url|version`, parsed lazily on first use.

pub mod index;
pub mod model;
pub mod snapshot;

use model::StructureDef;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

pub use model::{ElementDef, Max};

/// Why a definition could not be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DefinitionError {
    #[error("failed to find definition {0}")]
    NotFound(String),
    #[error("failed to read definition {url} from {path}: {message}")]
    Unreadable {
        url: String,
        path: String,
        message: String,
    },
    #[error("failed to build the snapshot of {url}: its base {base} is not available")]
    MissingBase { url: String, base: String },
    #[error("failed to build the snapshot of {url}: profile derivation forms a cycle ({chain})")]
    Cycle { url: String, chain: String },
    #[error("failed to build the snapshot of {url}: {message}")]
    Snapshot { url: String, message: String },
}

/// Why package folders could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("failed to load package folder {path}: no package/ folder or .json files found")]
    NotAPackage { path: String },
    #[error(transparent)]
    Index(#[from] index::IndexError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    StructureDefinition,
    ValueSet,
    CodeSystem,
    Questionnaire,
}

impl Kind {
    fn of(resource_type: &str) -> Option<Kind> {
        match resource_type {
            "StructureDefinition" => Some(Kind::StructureDefinition),
            "ValueSet" => Some(Kind::ValueSet),
            "CodeSystem" => Some(Kind::CodeSystem),
            "Questionnaire" => Some(Kind::Questionnaire),
            _ => None,
        }
    }

    fn resource_type(self) -> &'static str {
        match self {
            Kind::StructureDefinition => "StructureDefinition",
            Kind::ValueSet => "ValueSet",
            Kind::CodeSystem => "CodeSystem",
            Kind::Questionnaire => "Questionnaire",
        }
    }
}

enum Origin {
    File(PathBuf),
    Memory(Arc<Value>),
}

struct Entry {
    kind: Kind,
    url: String,
    origin: Origin,
    raw: OnceLock<Result<Arc<Value>, DefinitionError>>,
    structure: OnceLock<Result<Arc<StructureDef>, DefinitionError>>,
}

/// All definitions available to the validator. Cheap to share (`Arc<Definitions>`),
/// safe to use from many threads.
#[derive(Default)]
pub struct Definitions {
    entries: Vec<Entry>,
    by_url: HashMap<String, usize>,
    packages: Vec<String>,
}

thread_local! {
    /// Canonicals whose snapshot is being generated on this thread (cycle detection).
    static GENERATING: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl Definitions {
    pub fn new() -> Definitions {
        Definitions::default()
    }

    /// Loads package folders (each either the package root holding `package/`, or the
    /// `package/` folder itself). Earlier folders win when a canonical appears twice.
    pub fn load<P: AsRef<Path>>(dirs: &[P]) -> Result<Definitions, LoadError> {
        let mut defs = Definitions::new();
        for dir in dirs {
            defs.add_package_dir(dir.as_ref())?;
        }
        Ok(defs)
    }

    /// Adds one package folder.
    pub fn add_package_dir(&mut self, dir: &Path) -> Result<(), LoadError> {
        let folder = if dir.join("package").is_dir() {
            dir.join("package")
        } else {
            dir.to_path_buf()
        };
        if !folder.is_dir() {
            return Err(LoadError::NotAPackage {
                path: dir.display().to_string(),
            });
        }
        let name = std::fs::read(folder.join("package.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .map(|p| {
                format!(
                    "{}#{}",
                    p.get("name").and_then(Value::as_str).unwrap_or("?"),
                    p.get("version").and_then(Value::as_str).unwrap_or("?")
                )
            })
            .unwrap_or_else(|| folder.display().to_string());
        self.packages.push(name);
        let index = index::load_or_build(&folder)?;
        for file in index.files {
            let Some(kind) = Kind::of(&file.resource_type) else {
                continue;
            };
            let Some(url) = file.url else { continue };
            self.push(
                kind,
                url,
                file.version,
                Origin::File(folder.join(&file.filename)),
            );
        }
        Ok(())
    }

    /// Adds one conformance resource held in memory (tests, ad-hoc profiles).
    pub fn add_resource(&mut self, resource: Value) -> bool {
        let Some(kind) = resource
            .get("resourceType")
            .and_then(Value::as_str)
            .and_then(Kind::of)
        else {
            return false;
        };
        let Some(url) = resource
            .get("url")
            .and_then(Value::as_str)
            .map(String::from)
        else {
            return false;
        };
        let version = resource
            .get("version")
            .and_then(Value::as_str)
            .map(String::from);
        // In-memory resources take precedence over package content.
        let index = self.entries.len();
        self.push(
            kind,
            url.clone(),
            version,
            Origin::Memory(Arc::new(resource)),
        );
        self.by_url.insert(url, index);
        true
    }

    fn push(&mut self, kind: Kind, url: String, version: Option<String>, origin: Origin) {
        let index = self.entries.len();
        self.by_url.entry(url.clone()).or_insert(index);
        if let Some(v) = version {
            self.by_url.entry(format!("{url}|{v}")).or_insert(index);
        }
        self.entries.push(Entry {
            kind,
            url,
            origin,
            raw: OnceLock::new(),
            structure: OnceLock::new(),
        });
    }

    /// The package ids (`id#version`) loaded, in order.
    pub fn packages(&self) -> &[String] {
        &self.packages
    }

    /// Number of indexed conformance resources.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, canonical: &str, kind: Kind) -> Option<&Entry> {
        let index = self.by_url.get(canonical).or_else(|| {
            // `url|version` we do not have: fall back to any version of the url.
            canonical
                .split_once('|')
                .and_then(|(url, _)| self.by_url.get(url))
        })?;
        let entry = &self.entries[*index];
        (entry.kind == kind).then_some(entry)
    }

    fn raw(entry: &Entry) -> Result<Arc<Value>, DefinitionError> {
        entry
            .raw
            .get_or_init(|| match &entry.origin {
                Origin::Memory(v) => Ok(v.clone()),
                Origin::File(_) => Self::read_file(entry),
            })
            .clone()
    }

    fn read_file(entry: &Entry) -> Result<Arc<Value>, DefinitionError> {
        let Origin::File(path) = &entry.origin else {
            return Err(DefinitionError::NotFound(entry.url.clone()));
        };
        let fail = |message: String| DefinitionError::Unreadable {
            url: entry.url.clone(),
            path: path.display().to_string(),
            message,
        };
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        serde_json::from_slice(&bytes)
            .map(Arc::new)
            .map_err(|e| fail(e.to_string()))
    }

    /// A ValueSet as JSON.
    pub fn value_set(&self, canonical: &str) -> Option<Arc<Value>> {
        Self::raw(self.find(canonical, Kind::ValueSet)?).ok()
    }

    /// A CodeSystem as JSON.
    pub fn code_system(&self, canonical: &str) -> Option<Arc<Value>> {
        Self::raw(self.find(canonical, Kind::CodeSystem)?).ok()
    }

    /// A Questionnaire as JSON.
    pub fn questionnaire(&self, canonical: &str) -> Option<Arc<Value>> {
        Self::raw(self.find(canonical, Kind::Questionnaire)?).ok()
    }

    /// The resource type of the conformance resource with this canonical, of any kind.
    pub fn resource_type_of(&self, canonical: &str) -> Option<&'static str> {
        let plain = canonical.split('|').next().unwrap_or(canonical);
        let index = self
            .by_url
            .get(canonical)
            .or_else(|| self.by_url.get(plain))?;
        Some(self.entries[*index].kind.resource_type())
    }

    /// Whether a ValueSet with this canonical is indexed.
    pub fn has_value_set(&self, canonical: &str) -> bool {
        self.find(canonical, Kind::ValueSet).is_some()
    }

    /// Whether a CodeSystem with this canonical is indexed.
    pub fn has_code_system(&self, canonical: &str) -> bool {
        self.find(canonical, Kind::CodeSystem).is_some()
    }

    /// Whether a StructureDefinition with this canonical is indexed.
    pub fn has_structure(&self, canonical: &str) -> bool {
        self.find(canonical, Kind::StructureDefinition).is_some()
    }

    /// The StructureDefinition for a canonical, with a snapshot (generated if needed).
    pub fn structure(&self, canonical: &str) -> Result<Arc<StructureDef>, DefinitionError> {
        let entry = self
            .find(canonical, Kind::StructureDefinition)
            .ok_or_else(|| DefinitionError::NotFound(canonical.to_string()))?;
        if let Some(done) = entry.structure.get() {
            return done.clone();
        }
        let chain = GENERATING.with(|g| g.borrow().clone());
        if chain.contains(&entry.url) {
            return Err(DefinitionError::Cycle {
                url: entry.url.clone(),
                chain: chain.join(" -> "),
            });
        }
        GENERATING.with(|g| g.borrow_mut().push(entry.url.clone()));
        let built = self.build_structure(entry);
        GENERATING.with(|g| {
            g.borrow_mut().pop();
        });
        // Cycle errors depend on the call chain; keep them out of the cache.
        if matches!(built, Err(DefinitionError::Cycle { .. })) {
            return built;
        }
        entry.structure.get_or_init(|| built).clone()
    }

    /// The base StructureDefinition of a FHIR type (`Patient`, `HumanName`, `string`).
    pub fn type_structure(&self, type_code: &str) -> Result<Arc<StructureDef>, DefinitionError> {
        if type_code.contains(':') {
            return self.structure(type_code);
        }
        self.structure(&format!(
            "http://hl7.org/fhir/StructureDefinition/{type_code}"
        ))
    }

    /// The snapshot elements of `sd` as JSON, for generating a snapshot based on it: the
    /// generated JSON, or the published snapshot read again from its source.
    pub(crate) fn snapshot_json(
        &self,
        sd: &StructureDef,
    ) -> Result<Arc<Vec<Value>>, DefinitionError> {
        if let Some(json) = &sd.generated {
            return Ok(json.clone());
        }
        let entry = self
            .find(&sd.url, Kind::StructureDefinition)
            .ok_or_else(|| DefinitionError::NotFound(sd.url.clone()))?;
        let raw = match &entry.origin {
            Origin::Memory(v) => v.clone(),
            Origin::File(_) => Self::read_file(entry)?,
        };
        Ok(Arc::new(model::element_json(&raw, "snapshot").to_vec()))
    }

    fn build_structure(&self, entry: &Entry) -> Result<Arc<StructureDef>, DefinitionError> {
        // Read without caching the JSON: the parsed StructureDef is what stays in memory.
        let raw = match &entry.origin {
            Origin::Memory(v) => v.clone(),
            Origin::File(_) => match entry.raw.get() {
                Some(r) => r.clone()?,
                None => Self::read_file(entry)?,
            },
        };
        let mut sd = StructureDef::from_json(&raw);
        if sd.snapshot.is_empty() {
            let base_url = sd.base.clone().ok_or_else(|| DefinitionError::Snapshot {
                url: sd.url.clone(),
                message: "it has neither a snapshot nor a baseDefinition".into(),
            })?;
            let base = self.structure(&base_url).map_err(|e| match e {
                DefinitionError::NotFound(_) => DefinitionError::MissingBase {
                    url: sd.url.clone(),
                    base: base_url.clone(),
                },
                DefinitionError::Cycle { chain, .. } => DefinitionError::Cycle {
                    url: sd.url.clone(),
                    chain,
                },
                other => other,
            })?;
            let generated = snapshot::generate(self, &base, &raw)?;
            sd.snapshot = generated.elements;
            sd.generated = Some(Arc::new(generated.json));
            sd.snapshot_problems = generated.problems;
        }
        Ok(Arc::new(sd))
    }
}
