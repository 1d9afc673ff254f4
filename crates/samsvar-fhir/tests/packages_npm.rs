//! Installs `hl7.fhir.uv.ips@2.0.0` with its dependencies from the real npm registry.
//! Needs network access to https://registry.npmjs.org (CI has it). When the network is
//! down this test FAILS, with a message saying so: it is never silently skipped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_fhir::package::{
    Cache, InstallOptions, Lock, PackageSpec, Registries, install_all_blocking, resolve_locked,
};

#[test]
fn installs_ips_2_0_0_with_dependencies_from_the_npm_registry() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("packages"));
    let spec = PackageSpec::parse("hl7.fhir.uv.ips@2.0.0").unwrap();
    let outcome = match install_all_blocking(
        &cache,
        &Registries::npm(),
        &[spec],
        &InstallOptions::default(),
    ) {
        Ok(o) => o,
        Err(e) => panic!(
            "installing hl7.fhir.uv.ips@2.0.0 from https://registry.npmjs.org failed \
             (this test needs network access to the npm registry): {e}"
        ),
    };
    let ids: Vec<String> = outcome
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.package.id, p.package.version))
        .collect();
    assert_eq!(ids[0], "hl7.fhir.uv.ips@2.0.0", "{ids:?}");
    let ips = &outcome.packages[0];
    assert_eq!(
        ips.integrity.as_deref(),
        Some(
            "sha512-4PWToJ9b1FgXsm9DIvHiU6HO9Z5m75jxk0e0MXOmhFlf2m2slk/d6RoiSYIChKJlvmtJ7GbRftt7PphlwmZcbQ=="
        )
    );
    // Every dependency IPS declares is either installed or reported missing with a reason.
    for (dep, version) in &ips.package.manifest.dependencies {
        let request = format!("{dep}@{version}");
        let installed = outcome
            .packages
            .iter()
            .any(|p| p.requested.contains(&request));
        let missing = outcome.missing.iter().any(|m| &m.id == dep);
        assert!(
            installed || missing,
            "dependency {request} neither installed nor reported: {ids:?}"
        );
    }
    // R4 core definitions are present: the real package (if a registry had it) or the
    // recorded substitute.
    let core = outcome
        .packages
        .iter()
        .find(|p| p.requested.iter().any(|r| r == "hl7.fhir.r4.core@4.0.1"))
        .expect("R4 core definitions installed");
    if core.package.id != "hl7.fhir.r4.core" {
        assert_eq!(core.package.id, "hl7.fhir.r4.examples");
        assert_eq!(
            core.substituted_for.as_deref(),
            Some("hl7.fhir.r4.core@4.0.1")
        );
    }
    assert!(
        core.package
            .package_dir()
            .join("StructureDefinition-Patient.json")
            .is_file()
    );
    assert!(
        ips.package
            .package_dir()
            .join("StructureDefinition-Bundle-uv-ips.json")
            .is_file()
    );

    // The lock records every package with its digests and resolves back.
    let mut lock = Lock::default();
    lock.merge(&outcome);
    let resolved = resolve_locked(&lock, &cache).unwrap();
    assert_eq!(resolved.len(), outcome.packages.len());
    assert!(
        lock.packages
            .iter()
            .all(|p| p.sha256.as_deref().is_some_and(|s| s.len() == 64))
    );
    assert!(lock.packages.iter().all(|p| {
        p.integrity
            .as_deref()
            .is_some_and(|s| s.starts_with("sha512-"))
    }));
}
