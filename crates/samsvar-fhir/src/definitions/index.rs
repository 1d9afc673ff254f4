//! The per-package file index (`package/.index.json`, the standard FHIR package cache
//! format). Packages that ship none get one written on first load, so later loads only
//! read this small file instead of every resource.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexFile {
    #[serde(rename = "index-version")]
    pub index_version: u32,
    pub files: Vec<IndexEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IndexEntry {
    pub filename: String,
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub type_name: Option<String>,
}

/// Only the header fields of a resource; serde skips the rest without building it.
#[derive(Deserialize)]
struct Header {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    id: Option<String>,
    url: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    #[serde(rename = "type")]
    type_name: Option<serde_json::Value>,
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("failed to read package folder {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// Reads `dir/.index.json`, or builds it from the folder's JSON files (and tries to save it).
pub fn load_or_build(dir: &Path) -> Result<IndexFile, IndexError> {
    let index_path = dir.join(".index.json");
    if let Ok(bytes) = std::fs::read(&index_path)
        && let Ok(index) = serde_json::from_slice::<IndexFile>(&bytes)
    {
        return Ok(index);
    }
    let index = build(dir)?;
    if let Ok(text) = serde_json::to_vec(&index) {
        // A read-only cache is fine: we just rebuild next time.
        let tmp = dir.join(format!(".index.json.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, text).is_ok() && std::fs::rename(&tmp, &index_path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    Ok(index)
}

fn build(dir: &Path) -> Result<IndexFile, IndexError> {
    let read_err = |source| IndexError::Read {
        path: dir.display().to_string(),
        source,
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(read_err)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !n.starts_with('.') && n != "package.json")
        .collect();
    names.sort();
    let files = names
        .par_iter()
        .filter_map(|name| {
            let bytes = std::fs::read(dir.join(name)).ok()?;
            let h: Header = serde_json::from_slice(&bytes).ok()?;
            Some(IndexEntry {
                filename: name.clone(),
                resource_type: h.resource_type?,
                id: h.id,
                url: h.url,
                version: h.version,
                kind: h.kind,
                type_name: h.type_name.and_then(|t| t.as_str().map(str::to_string)),
            })
        })
        .collect();
    Ok(IndexFile {
        index_version: 1,
        files,
    })
}
