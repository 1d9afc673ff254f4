//! Criterion benches: loading definitions, validating a Patient, validating an IPS Bundle.
//! Packages come from the npm registry into `$SAMSVAR_TEST_FHIR_CACHE` (or a temp cache).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use samsvar_fhir::package::{Cache, InstallOptions, PackageSpec, Registries, install_all_blocking};
use samsvar_fhir::{Definitions, Validator};
use std::path::PathBuf;
use std::sync::Arc;

fn install(specs: &[&str]) -> Vec<PathBuf> {
    let root = std::env::var("SAMSVAR_TEST_FHIR_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("samsvar-bench-fhir-cache"));
    let specs: Vec<PackageSpec> = specs
        .iter()
        .map(|s| PackageSpec::parse(s).unwrap())
        .collect();
    install_all_blocking(
        &Cache::new(root),
        &Registries::from_env(),
        &specs,
        &InstallOptions::default(),
    )
    .expect("failed to install benchmark packages from the npm registry")
    .installed()
    .into_iter()
    .map(|p| p.dir)
    .collect()
}

fn benches(c: &mut Criterion) {
    let mut dirs = install(&["hl7.fhir.uv.ips@2.0.0"]);
    dirs.extend(install(&["hl7.fhir.r4.examples@4.0.1"]));
    c.bench_function("load definitions (R4 core + IPS, indexed)", |b| {
        b.iter(|| Definitions::load(&dirs).unwrap())
    });
    let validator = Validator::new(Arc::new(Definitions::load(&dirs).unwrap()));
    let core = dirs
        .iter()
        .find(|d| d.to_string_lossy().contains("r4.examples"))
        .unwrap();
    let ips = &dirs[0];
    let patient = std::fs::read(core.join("package/Patient-example.json")).unwrap();
    let bundle =
        std::fs::read(ips.join("package/example/Bundle-IPS-examples-Bundle-01.json")).unwrap();
    c.bench_function("validate Patient-example (base)", |b| {
        b.iter(|| validator.validate_bytes(&patient, None))
    });
    let ips_bundle = Some("http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips");
    c.bench_function("validate IPS Bundle-01 (IPS profile)", |b| {
        b.iter(|| validator.validate_bytes(&bundle, ips_bundle))
    });
}

criterion_group!(validator_benches, benches);
criterion_main!(validator_benches);
