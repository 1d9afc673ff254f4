//! A tiny npm-protocol registry on a loopback socket (axum), and builders of package
//! tarballs, for the package installation tests.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use flate2::Compression;
use flate2::write::GzEncoder;
use samsvar_fhir::package::Registries;
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct Store {
    docs: HashMap<String, Value>,
    tarballs: HashMap<String, Vec<u8>>,
    tarball_hits: usize,
}

#[derive(Clone)]
pub struct TestRegistry {
    pub base: String,
    pub store: Arc<Mutex<Store>>,
    pub hits: Arc<AtomicUsize>,
}

impl TestRegistry {
    pub async fn start() -> TestRegistry {
        let store = Arc::new(Mutex::new(Store::default()));
        let hits = Arc::new(AtomicUsize::new(0));
        let app = Router::new()
            .route("/{id}", get(metadata))
            .route("/tarballs/{file}", get(tarball))
            .with_state((store.clone(), hits.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestRegistry { base, store, hits }
    }

    pub fn registries(&self) -> Registries {
        Registries::new([&self.base])
    }

    /// Publishes a tarball with correct digests.
    pub fn publish(&self, id: &str, version: &str, tgz: Vec<u8>) {
        let integrity = sri(&tgz);
        let shasum = sha1_hex(&tgz);
        self.publish_with(id, version, tgz, Some(integrity), Some(shasum));
    }

    pub fn publish_with(
        &self,
        id: &str,
        version: &str,
        tgz: Vec<u8>,
        integrity: Option<String>,
        shasum: Option<String>,
    ) {
        let file = format!("{id}-{version}.tgz");
        let mut dist = json!({ "tarball": format!("{}/tarballs/{file}", self.base) });
        if let Some(i) = integrity {
            dist["integrity"] = json!(i);
        }
        if let Some(s) = shasum {
            dist["shasum"] = json!(s);
        }
        let mut store = self.store.lock().unwrap();
        store.tarballs.insert(file, tgz);
        let doc = store
            .docs
            .entry(id.to_string())
            .or_insert_with(|| json!({ "name": id, "dist-tags": {}, "versions": {} }));
        doc["versions"][version] = json!({ "name": id, "version": version, "dist": dist });
        doc["dist-tags"]["latest"] = json!(version);
    }

    /// Answers 200 with no versions, as registry.npmjs.org does for hl7.fhir.r4.core.
    pub fn publish_empty(&self, id: &str) {
        let mut store = self.store.lock().unwrap();
        store.docs.insert(
            id.to_string(),
            json!({ "name": id, "dist-tags": {}, "versions": {} }),
        );
    }

    pub fn tarball_hits(&self) -> usize {
        self.store.lock().unwrap().tarball_hits
    }
}

pub type AppState = (Arc<Mutex<Store>>, Arc<AtomicUsize>);

pub async fn metadata(
    State((store, hits)): State<AppState>,
    UrlPath(id): UrlPath<String>,
) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    match store.lock().unwrap().docs.get(&id) {
        Some(doc) => axum::Json(doc.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "{\"error\":\"Not found\"}").into_response(),
    }
}

pub async fn tarball(
    State((store, _)): State<AppState>,
    UrlPath(file): UrlPath<String>,
) -> Response {
    let mut store = store.lock().unwrap();
    store.tarball_hits += 1;
    match store.tarballs.get(&file) {
        Some(bytes) => bytes.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

// ---------- tarball builders ----------

pub fn sri(bytes: &[u8]) -> String {
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(bytes))
    )
}

pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest as _;
    hex::encode(sha1::Sha1::digest(bytes))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn tgz(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, path, data.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A FHIR package: package.json plus one StructureDefinition.
pub fn package(id: &str, version: &str, deps: &[(&str, &str)]) -> Vec<u8> {
    let deps: serde_json::Map<String, Value> = deps
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let manifest =
        json!({ "name": id, "version": version, "fhirVersions": ["4.0.1"], "dependencies": deps });
    let resource = json!({ "resourceType": "StructureDefinition", "id": id, "url": format!("http://example.org/{id}"), "version": version });
    tgz(&[
        (
            "package/package.json",
            serde_json::to_vec_pretty(&manifest).unwrap(),
        ),
        (
            &format!("package/StructureDefinition-{id}.json"),
            serde_json::to_vec(&resource).unwrap(),
        ),
    ])
}

/// A tarball whose single entry has a raw name (bypassing tar's own path checks) and kind.
pub fn hostile_tgz(name: &str, kind: tar::EntryType, link: Option<&str>) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    let manifest = br#"{"name":"evil.pkg","version":"1.0.0"}"#;
    let mut ok = tar::Header::new_gnu();
    ok.set_size(manifest.len() as u64);
    ok.set_mode(0o644);
    builder
        .append_data(&mut ok, "package/package.json", &manifest[..])
        .unwrap();
    let data = b"pwned";
    let mut header = tar::Header::new_gnu();
    let raw = &mut header.as_old_mut().name;
    raw[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_mode(0o644);
    if let Some(target) = link {
        header.set_link_name(target).unwrap();
        header.set_size(0);
        header.set_cksum();
        builder.append(&header, &[][..]).unwrap();
    } else {
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, &data[..]).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}
