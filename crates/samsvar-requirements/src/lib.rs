//! The requirement catalogue: every requirement id a suite cites in `verifies:`, with a
//! title, the level its sentence gives (SHALL, SHOULD, MAY, informative) and where that
//! sentence stands in its source document. The files are `requirements/*.yaml` (format
//! `requirements/schema.json`, described in docs/requirements.md); they are embedded at
//! build time, so reports name requirements offline and from any folder.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The only catalogue file format version there is.
pub const CATALOGUE_VERSION: u32 = 1;

/// One catalogue file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueFile {
    pub catalogue: u32,
    pub documents: Vec<Document>,
    pub requirements: Vec<Requirement>,
}

/// A source document (a specification at one exact version).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub key: String,
    pub title: String,
    pub version: String,
    #[serde(default)]
    pub publisher: Option<String>,
    pub url: String,
    /// Where the text the entries were checked against came from.
    pub read: String,
    pub provenance: Provenance,
    #[serde(default)]
    pub note: Option<String>,
}

/// What text an entry was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    Spec,
    Reproduction,
    Secondary,
}

/// The level the cited sentence gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Level {
    #[serde(rename = "SHALL")]
    Shall,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "MAY")]
    May,
    #[serde(rename = "informative")]
    Informative,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Shall => "SHALL",
            Level::Should => "SHOULD",
            Level::May => "MAY",
            Level::Informative => "informative",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Key of a document of the same file.
    pub document: String,
    pub section: String,
    pub url: String,
    #[serde(default)]
    pub read: Option<String>,
    #[serde(default)]
    pub provenance: Option<Provenance>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    pub text: String,
    pub from: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EhdsMapping {
    pub component: String,
    #[serde(default)]
    pub category: Option<String>,
}

/// One citable requirement.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    pub source: Source,
    pub level: Level,
    /// `false` while no technical specification says how the requirement is met: it is
    /// reported as information, never as a failure.
    #[serde(default = "standardised_by_default")]
    pub standardised: bool,
    #[serde(default)]
    pub actor: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub quote: Option<Quote>,
    #[serde(default)]
    pub ehds: Option<EhdsMapping>,
    #[serde(default)]
    pub see_also: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

fn standardised_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("requirements/{file}: {message}")]
    Parse { file: String, message: String },
    #[error(
        "requirements/{file}: catalogue version {found} is not supported (only {CATALOGUE_VERSION})"
    )]
    Version { file: String, found: u32 },
    #[error("requirements/{file}: requirement `{id}` is also defined in requirements/{first}")]
    DuplicateId {
        file: String,
        id: String,
        first: String,
    },
    #[error("requirements/{file}: document key `{key}` is declared twice")]
    DuplicateDocument { file: String, key: String },
    #[error("requirements/{file}: `{id}` cites document `{key}`, which the file does not declare")]
    UnknownDocument {
        file: String,
        id: String,
        key: String,
    },
}

/// The whole catalogue: requirements by id, each with its document.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    documents: BTreeMap<String, Document>,
    requirements: BTreeMap<String, Requirement>,
}

/// A requirement and the document its sentence is in.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub requirement: &'a Requirement,
    pub document: &'a Document,
}

impl Catalogue {
    /// The catalogue built into this binary. It is checked by this crate's tests, so an
    /// error here means a broken build; the error is kept, never hidden.
    pub fn embedded() -> Result<&'static Catalogue, &'static CatalogueError> {
        static EMBEDDED: OnceLock<Result<Catalogue, CatalogueError>> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| Catalogue::parse_files(embedded::FILES.iter().copied()))
            .as_ref()
    }

    /// Names and texts of the embedded files.
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        embedded::FILES
    }

    /// Parses and cross-checks catalogue files given as `(file name, YAML text)`.
    pub fn parse_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalogue, CatalogueError> {
        let mut catalogue = Catalogue::default();
        let mut defined_in: BTreeMap<String, String> = BTreeMap::new();
        for (name, text) in files {
            let file: CatalogueFile =
                serde_norway::from_str(text).map_err(|e| CatalogueError::Parse {
                    file: name.to_string(),
                    message: e.to_string(),
                })?;
            if file.catalogue != CATALOGUE_VERSION {
                return Err(CatalogueError::Version {
                    file: name.to_string(),
                    found: file.catalogue,
                });
            }
            let mut keys = Vec::new();
            for doc in file.documents {
                if catalogue.documents.contains_key(&doc.key) {
                    return Err(CatalogueError::DuplicateDocument {
                        file: name.to_string(),
                        key: doc.key,
                    });
                }
                keys.push(doc.key.clone());
                catalogue.documents.insert(doc.key.clone(), doc);
            }
            for req in file.requirements {
                if !keys.contains(&req.source.document) {
                    return Err(CatalogueError::UnknownDocument {
                        file: name.to_string(),
                        id: req.id,
                        key: req.source.document,
                    });
                }
                if let Some(first) = defined_in.get(&req.id) {
                    return Err(CatalogueError::DuplicateId {
                        file: name.to_string(),
                        id: req.id,
                        first: first.clone(),
                    });
                }
                defined_in.insert(req.id.clone(), name.to_string());
                catalogue.requirements.insert(req.id.clone(), req);
            }
        }
        Ok(catalogue)
    }

    /// The requirement with this id, and its document.
    pub fn get(&self, id: &str) -> Option<Entry<'_>> {
        let requirement = self.requirements.get(id)?;
        let document = self.documents.get(&requirement.source.document)?;
        Some(Entry {
            requirement,
            document,
        })
    }

    pub fn requirements(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.values()
    }

    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        self.documents.values()
    }
}
