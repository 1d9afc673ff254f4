//! Resolving installed packages with no registry reachable: the cache's versions stand in
//! for the registry's listing, and a `samsvar.lock` pins every choice so nothing is asked.
//! The registry is a real loopback server for the first install, then a closed port.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_fhir::package::{
    Cache, InstallOptions, InstallOutcome, Lock, PackageError, PackageSpec, Registries, install_all,
};
use std::sync::Arc;

mod registry;

use registry::*;

/// A registry URL on a port nobody listens on.
fn closed_registry() -> Registries {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    Registries::new([url])
}

async fn install(
    cache: &Cache,
    reg: &Registries,
    options: &InstallOptions,
) -> Result<InstallOutcome, PackageError> {
    let specs = [PackageSpec::parse("acme.ig@1.0.0").unwrap()];
    install_all(cache, reg, &specs, options).await
}

fn versions(outcome: &InstallOutcome) -> Vec<String> {
    let mut got: Vec<String> = outcome
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.package.id, p.package.version))
        .collect();
    got.sort();
    got
}

/// acme.ig needs R4 core (served as the examples package), a version of acme.base that was
/// never published (2.1.3 is the nearest) and a package no registry has.
async fn installed_once(cache: &Cache) -> InstallOutcome {
    let reg = TestRegistry::start().await;
    reg.publish(
        "acme.ig",
        "1.0.0",
        package(
            "acme.ig",
            "1.0.0",
            &[
                ("hl7.fhir.r4.core", "4.0.1"),
                ("acme.base", "2.1.0"),
                ("acme.gone", "1.0.0"),
            ],
        ),
    );
    reg.publish("acme.base", "2.1.3", package("acme.base", "2.1.3", &[]));
    reg.publish_empty("hl7.fhir.r4.core");
    reg.publish(
        "hl7.fhir.r4.examples",
        "4.0.1",
        package("hl7.fhir.r4.examples", "4.0.1", &[]),
    );
    let outcome = install(cache, &reg.registries(), &InstallOptions::default())
        .await
        .unwrap();
    assert_eq!(outcome.missing.len(), 1, "{:?}", outcome.missing);
    outcome
}

const EXPECTED: [&str; 3] = [
    "acme.base@2.1.3",
    "acme.ig@1.0.0",
    "hl7.fhir.r4.examples@4.0.1",
];

#[tokio::test(flavor = "multi_thread")]
async fn offline_the_cache_answers_nearest_versions_and_substitutions() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    installed_once(&cache).await;
    let offline = closed_registry();

    // A reader of the cache (validate, run) gets the same packages, with the unreachable
    // registry and the missing dependency said in warnings.
    let reader = InstallOptions {
        skip_unreachable_dependencies: true,
        ..InstallOptions::default()
    };
    let outcome = install(&cache, &offline, &reader).await.unwrap();
    assert_eq!(versions(&outcome), EXPECTED);
    let base = outcome
        .packages
        .iter()
        .find(|p| p.package.id == "acme.base")
        .unwrap();
    assert!(
        base.notes.iter().any(
            |n| n.contains("no registry could be reached for acme.base@2.1.0")
                && n.contains("using acme.base@2.1.3 from the cache")
        ),
        "{:?}",
        base.notes
    );
    assert_eq!(outcome.missing.len(), 1);
    assert_eq!(outcome.missing[0].id, "acme.gone");
    assert!(
        outcome.missing[0]
            .reason
            .contains("no registry could be reached"),
        "{}",
        outcome.missing[0].reason
    );

    // An installer must not end incomplete because of the network: the dependency it
    // cannot decide about is an error naming it.
    let err = install(&cache, &offline, &InstallOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_network(), "{err}");
    assert!(
        err.to_string()
            .contains("failed to reach any registry for package `acme.gone@1.0.0`"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_pins_every_choice_and_nothing_is_asked() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    let first = installed_once(&cache).await;
    let mut lock = Lock::default();
    lock.merge(&first);

    let pinned = InstallOptions {
        lock: Some(Arc::new(lock.clone())),
        ..InstallOptions::default()
    };
    let outcome = install(&cache, &closed_registry(), &pinned).await.unwrap();
    assert_eq!(versions(&outcome), EXPECTED);
    // No lookup was tried: no warning speaks of an unreachable registry.
    assert!(
        outcome
            .warnings
            .iter()
            .all(|w| !w.contains("could be reached") && !w.contains("unreachable")),
        "{:?}",
        outcome.warnings
    );
    let examples = outcome
        .packages
        .iter()
        .find(|p| p.package.id == "hl7.fhir.r4.examples")
        .unwrap();
    assert_eq!(
        examples.substituted_for.as_deref(),
        Some("hl7.fhir.r4.core@4.0.1")
    );
    assert!(
        outcome.missing[0]
            .reason
            .contains("the lock file records it as missing"),
        "{}",
        outcome.missing[0].reason
    );

    // A cached copy that is not the locked tarball is refused, naming both digests.
    let base = lock
        .packages
        .iter_mut()
        .find(|p| p.id == "acme.base")
        .unwrap();
    base.sha256 = Some("0".repeat(64));
    let tampered = InstallOptions {
        lock: Some(Arc::new(lock)),
        ..InstallOptions::default()
    };
    let err = install(&cache, &closed_registry(), &tampered)
        .await
        .unwrap_err();
    assert!(matches!(err, PackageError::LockedMismatch { .. }), "{err}");
    assert!(err.to_string().contains("acme.base@2.1.3"), "{err}");
}
