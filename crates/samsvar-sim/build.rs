//! Embeds the synthetic test population (`fixtures/` at the workspace root) into the
//! simulator, so that `samsvar serve --sim` and `run --target sim` serve the same patients
//! and documents the EHDS suites name, from any working directory. The list of files comes
//! from `fixtures/index.json`, so adding a fixture needs no change here.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let fixtures = manifest_dir.join("../../fixtures");
    let index_path = fixtures.join("index.json");
    println!("cargo:rerun-if-changed={}", index_path.display());
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("fixtures.rs");
    let generated = match fs::read_to_string(&index_path) {
        Ok(text) => generate(&fixtures, &index_path, &text),
        Err(err) => panic!("failed to read {}: {err}", index_path.display()),
    };
    if let Err(err) = fs::write(&out, generated) {
        panic!("failed to write {}: {err}", out.display());
    }
}

fn generate(fixtures: &Path, index_path: &Path, text: &str) -> String {
    let index: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(err) => panic!("{} is not JSON: {err}", index_path.display()),
    };
    let mut files = Vec::new();
    for list in [
        "patients",
        "practitioners",
        "practitionerRoles",
        "organizations",
        "documents",
    ] {
        for item in index[list].as_array().into_iter().flatten() {
            if let Some(file) = item["file"].as_str() {
                files.push(file.to_string());
            }
        }
    }
    let mut code = String::new();
    let _ = writeln!(
        code,
        "pub(crate) const INDEX: &str = include_str!({:?});",
        index_path.display().to_string()
    );
    code.push_str("pub(crate) const FILES: &[(&str, &str)] = &[\n");
    for file in files {
        let path = fixtures.join(&file);
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            code,
            "    ({file:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    code
}
