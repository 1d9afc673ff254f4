//! Shared test setup: FHIR packages from the npm registry, installed once per test run
//! into a test cache (`$SAMSVAR_TEST_FHIR_CACHE`, default under the target folder).

#![allow(dead_code)]

use samsvar_fhir::package::{Cache, InstallOptions, PackageSpec, Registries, install_all_blocking};
use samsvar_fhir::{Definitions, Validator};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

pub const R4_CORE: &str = "hl7.fhir.r4.examples@4.0.1";
pub const IPS: &str = "hl7.fhir.uv.ips@2.0.0";

pub fn cache() -> Cache {
    let root = std::env::var("SAMSVAR_TEST_FHIR_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fhir-packages"));
    Cache::new(root)
}

/// Installs packages (with dependencies) and returns their folders, roots first.
pub fn install(specs: &[&str]) -> Vec<PathBuf> {
    // Installs from parallel tests in one process would race on the same cache folder.
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let specs: Vec<PackageSpec> = specs
        .iter()
        .map(|s| PackageSpec::parse(s).unwrap())
        .collect();
    let outcome = install_all_blocking(&cache(), &Registries::from_env(), &specs, &InstallOptions::default())
        .unwrap_or_else(|e| {
            panic!(
                "failed to install {specs:?} from the npm registry into {}: {e}\n\
                 (these tests need https://registry.npmjs.org or a filled $SAMSVAR_TEST_FHIR_CACHE)",
                cache().root().display()
            )
        });
    outcome.installed().into_iter().map(|p| p.dir).collect()
}

/// R4 core only.
pub fn core_definitions() -> Arc<Definitions> {
    static DEFS: OnceLock<Arc<Definitions>> = OnceLock::new();
    DEFS.get_or_init(|| Arc::new(Definitions::load(&install(&[R4_CORE])).unwrap()))
        .clone()
}

pub fn core_validator() -> Arc<Validator> {
    static V: OnceLock<Arc<Validator>> = OnceLock::new();
    V.get_or_init(|| Arc::new(Validator::new(core_definitions())))
        .clone()
}

/// IPS 2.0.0 with its dependencies (R4 core loaded after them).
pub fn ips_validator() -> Arc<Validator> {
    static V: OnceLock<Arc<Validator>> = OnceLock::new();
    V.get_or_init(|| {
        let mut dirs = install(&[IPS]);
        dirs.extend(install(&[R4_CORE]));
        Arc::new(Validator::new(Arc::new(Definitions::load(&dirs).unwrap())))
    })
    .clone()
}

/// The folder of an installed package's files (`<dir>/package`).
pub fn package_folder(spec: &str) -> PathBuf {
    install(&[spec])[0].join("package")
}

/// The folder of the hand-made cases (`tests/invalid`): resources and their sidecar
/// expectations, and the test profiles in `profiles/`.
pub fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/invalid")
}

/// R4 core and the test profiles of `tests/invalid/profiles`.
pub fn definitions_with_test_profiles() -> Definitions {
    let mut defs = Definitions::load(&install(&[R4_CORE])).unwrap();
    for entry in std::fs::read_dir(cases_dir().join("profiles")).unwrap() {
        let text = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(defs.add_resource(serde_json::from_slice(&text).unwrap()));
    }
    defs
}
