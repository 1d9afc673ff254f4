//! Package installation against a real npm-protocol registry served on loopback: the
//! metadata documents and tarballs are built here, served over a real socket with axum.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use samsvar_fhir::package::{
    Cache, InstallOptions, InstallOutcome, Lock, PackageError, PackageSpec, Registries,
    install_all, install_blocking, resolve_locked,
};
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::Ordering;

mod registry;

use registry::*;

async fn install(
    cache: &Cache,
    reg: &Registries,
    specs: &[&str],
) -> Result<InstallOutcome, PackageError> {
    let specs: Vec<PackageSpec> = specs
        .iter()
        .map(|s| PackageSpec::parse(s).unwrap())
        .collect();
    install_all(cache, reg, &specs, &InstallOptions::default()).await
}

/// Names in the cache root, to prove nothing half-done is left behind.
fn cache_entries(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

// ---------- tests ----------

#[tokio::test(flavor = "multi_thread")]
async fn resolves_dependencies_with_nearest_versions_and_the_r4_core_substitution() {
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
    reg.publish("acme.base", "2.0.0", package("acme.base", "2.0.0", &[]));
    reg.publish(
        "acme.base",
        "2.1.3",
        package("acme.base", "2.1.3", &[("acme.leaf", "^1.0.0")]),
    );
    reg.publish("acme.base", "3.0.0", package("acme.base", "3.0.0", &[]));
    reg.publish("acme.leaf", "1.2.0", package("acme.leaf", "1.2.0", &[]));
    reg.publish("acme.leaf", "1.4.0", package("acme.leaf", "1.4.0", &[]));
    reg.publish("acme.leaf", "2.0.0", package("acme.leaf", "2.0.0", &[]));
    reg.publish_empty("hl7.fhir.r4.core");
    let examples = package("hl7.fhir.r4.examples", "4.0.1", &[]);
    reg.publish("hl7.fhir.r4.examples", "4.0.1", examples.clone());

    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    let outcome = install(&cache, &reg.registries(), &["acme.ig@1.0.0"])
        .await
        .unwrap();

    let got: Vec<String> = outcome
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.package.id, p.package.version))
        .collect();
    assert_eq!(
        got,
        [
            "acme.ig@1.0.0",
            "acme.base@2.1.3",
            "hl7.fhir.r4.examples@4.0.1",
            "acme.leaf@1.4.0"
        ]
    );

    let base = &outcome.packages[1];
    assert_eq!(base.requested, ["acme.base@2.1.0"]);
    assert!(
        base.notes[0].contains("nearest available version 2.1.3"),
        "{:?}",
        base.notes
    );
    assert_eq!(base.required_by, ["acme.ig@1.0.0"]);

    let core = &outcome.packages[2];
    assert_eq!(
        core.substituted_for.as_deref(),
        Some("hl7.fhir.r4.core@4.0.1")
    );
    assert_eq!(core.sha256.as_deref(), Some(sha256_hex(&examples).as_str()));
    assert_eq!(core.integrity.as_deref(), Some(sri(&examples).as_str()));

    assert_eq!(outcome.missing.len(), 1);
    assert_eq!(outcome.missing[0].id, "acme.gone");
    assert!(outcome.warnings.iter().any(|w| w.contains("acme.gone")));

    // Standard cache layout with samsvar's origin marker.
    assert!(
        dir.path()
            .join("acme.ig#1.0.0/package/package.json")
            .is_file()
    );
    assert!(
        dir.path()
            .join(
                "hl7.fhir.r4.examples#4.0.1/package/StructureDefinition-hl7.fhir.r4.examples.json"
            )
            .is_file()
    );
    let origin = cache.origin("hl7.fhir.r4.examples", "4.0.1").unwrap();
    assert_eq!(origin.sha256, sha256_hex(&examples));
    assert!(origin.source.starts_with(&reg.base));

    // A second install is served from the cache: no tarball is fetched again.
    let before = reg.tarball_hits();
    let again = install(&cache, &reg.registries(), &["acme.ig@1.0.0"])
        .await
        .unwrap();
    assert_eq!(again.packages.len(), 4);
    assert!(again.packages.iter().all(|p| p.from_cache));
    assert_eq!(reg.tarball_hits(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_a_lock_file_that_resolves_back_to_the_cache() {
    let reg = TestRegistry::start().await;
    let ig = package("acme.ig", "1.0.0", &[("hl7.fhir.r4.core", "4.0.1")]);
    reg.publish("acme.ig", "1.0.0", ig.clone());
    reg.publish(
        "hl7.fhir.r4.examples",
        "4.0.1",
        package("hl7.fhir.r4.examples", "4.0.1", &[]),
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("cache"));
    let outcome = install(&cache, &reg.registries(), &["acme.ig@1.0.0"])
        .await
        .unwrap();

    let lock_path = dir.path().join("samsvar.lock");
    let mut lock = Lock::load_or_default(&lock_path).unwrap();
    lock.merge(&outcome);
    lock.save(&lock_path).unwrap();

    let text = std::fs::read_to_string(&lock_path).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["lockVersion"], 1);
    let ig_entry = &doc["packages"][0];
    assert_eq!(ig_entry["id"], "acme.ig");
    assert_eq!(ig_entry["version"], "1.0.0");
    assert_eq!(
        ig_entry["source"],
        format!("{}/tarballs/acme.ig-1.0.0.tgz", reg.base)
    );
    assert_eq!(ig_entry["integrity"], sri(&ig));
    assert_eq!(ig_entry["sha256"], sha256_hex(&ig));
    assert_eq!(ig_entry["dependencies"]["hl7.fhir.r4.core"], "4.0.1");
    let core_entry = &doc["packages"][1];
    assert_eq!(core_entry["id"], "hl7.fhir.r4.examples");
    assert_eq!(core_entry["substitutedFor"], "hl7.fhir.r4.core@4.0.1");
    assert_eq!(core_entry["requiredBy"][0], "acme.ig@1.0.0");

    let loaded = Lock::load(&lock_path).unwrap();
    assert_eq!(loaded, lock);
    let resolved = resolve_locked(&loaded, &cache).unwrap();
    assert_eq!(resolved.len(), 2);
    assert_eq!(resolved[0].id, "acme.ig");
    assert_eq!(
        resolved[0].sha256.as_deref(),
        Some(sha256_hex(&ig).as_str())
    );
    assert!(resolved[0].path().join("package/package.json").is_file());

    // A cache whose record disagrees with the lock is refused, as is a missing package.
    let mut tampered = loaded.clone();
    tampered.packages[0].sha256 = Some("00".repeat(32));
    let err = resolve_locked(&tampered, &cache).unwrap_err();
    assert!(matches!(err, PackageError::LockedMismatch { .. }), "{err}");
    let empty = Cache::new(dir.path().join("empty"));
    let err = resolve_locked(&loaded, &empty).unwrap_err();
    assert!(
        err.to_string()
            .contains("failed to find locked package `acme.ig@1.0.0`"),
        "{err}"
    );

    // Not a lock file: clear error naming the file.
    std::fs::write(&lock_path, "not json").unwrap();
    let err = Lock::load(&lock_path).unwrap_err().to_string();
    assert!(
        err.starts_with("failed to read the lock file") && err.contains("samsvar.lock"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_a_tarball_whose_digest_does_not_match() {
    let reg = TestRegistry::start().await;
    let real = package("acme.ig", "1.0.0", &[]);
    let other = package("acme.ig", "1.0.1", &[]);
    reg.publish_with("acme.ig", "1.0.0", real, Some(sri(&other)), None);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    let err = install(&cache, &reg.registries(), &["acme.ig@1.0.0"])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(
            err,
            PackageError::IntegrityMismatch {
                algorithm: "sha512",
                ..
            }
        ),
        "{text}"
    );
    assert!(
        text.contains("failed to verify the integrity of package `acme.ig@1.0.0`"),
        "{text}"
    );
    assert!(text.contains("/tarballs/acme.ig-1.0.0.tgz"), "{text}");
    assert!(cache.installed("acme.ig", "1.0.0").is_none());
    assert!(
        cache_entries(dir.path()).is_empty(),
        "{:?}",
        cache_entries(dir.path())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn falls_back_to_sha1_when_the_registry_has_no_sri() {
    let reg = TestRegistry::start().await;
    let good = package("acme.good", "1.0.0", &[]);
    reg.publish_with(
        "acme.good",
        "1.0.0",
        good.clone(),
        None,
        Some(sha1_hex(&good)),
    );
    let bad = package("acme.bad", "1.0.0", &[]);
    reg.publish_with(
        "acme.bad",
        "1.0.0",
        bad,
        None,
        Some(sha1_hex(b"something else")),
    );
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    install(&cache, &reg.registries(), &["acme.good@1.0.0"])
        .await
        .unwrap();
    assert!(cache.installed("acme.good", "1.0.0").is_some());
    let err = install(&cache, &reg.registries(), &["acme.bad@1.0.0"])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PackageError::IntegrityMismatch {
                algorithm: "sha1",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_path_traversal_absolute_paths_and_links() {
    let reg = TestRegistry::start().await;
    let cases = [
        (
            "evil.dotdot",
            hostile_tgz("package/../../escaped.json", tar::EntryType::Regular, None),
            "outside the package",
        ),
        (
            "evil.absolute",
            hostile_tgz("/tmp/samsvar-escaped.json", tar::EntryType::Regular, None),
            "outside the package",
        ),
        (
            "evil.symlink",
            hostile_tgz(
                "package/link.json",
                tar::EntryType::Symlink,
                Some("/etc/passwd"),
            ),
            "symbolic link",
        ),
        (
            "evil.hardlink",
            hostile_tgz(
                "package/hard.json",
                tar::EntryType::Link,
                Some("/etc/passwd"),
            ),
            "hard link",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("cache"));
    for (id, tarball, expected) in cases {
        reg.publish(id, "1.0.0", tarball);
        let err = install(&cache, &reg.registries(), &[&format!("{id}@1.0.0")])
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, PackageError::Extract { .. }), "{id}: {text}");
        assert!(text.contains(expected), "{id}: {text}");
        assert!(text.contains(&format!("{id}@1.0.0")), "{id}: {text}");
    }
    assert!(!dir.path().join("escaped.json").exists());
    assert!(!Path::new("/tmp/samsvar-escaped.json").exists());
    assert!(
        cache_entries(cache.root()).is_empty(),
        "{:?}",
        cache_entries(cache.root())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refuses_a_package_over_the_size_limit() {
    let reg = TestRegistry::start().await;
    let big = tgz(&[
        (
            "package/package.json",
            br#"{"name":"acme.big","version":"1.0.0"}"#.to_vec(),
        ),
        ("package/big.json", vec![b' '; 200_000]),
    ]);
    reg.publish("acme.big", "1.0.0", big);
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    let mut options = InstallOptions::default();
    options.limits.max_unpacked_bytes = 100_000;
    let spec = PackageSpec::parse("acme.big@1.0.0").unwrap();
    let err = install_all(&cache, &reg.registries(), &[spec], &options)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("exceed the limit of 100000 bytes"),
        "{err}"
    );
    assert!(cache_entries(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_installs_of_the_same_package_leave_one_complete_copy() {
    let reg = TestRegistry::start().await;
    // Many files, so the unpacking windows of the installers overlap.
    let mut files: Vec<(String, Vec<u8>)> = (0..400)
        .map(|i| {
            (
                format!("package/Patient-{i}.json"),
                format!("{{\"resourceType\":\"Patient\",\"id\":\"p{i}\"}}").into_bytes(),
            )
        })
        .collect();
    files.push((
        "package/package.json".into(),
        br#"{"name":"acme.many","version":"1.0.0"}"#.to_vec(),
    ));
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(p, d)| (p.as_str(), d.clone())).collect();
    reg.publish("acme.many", "1.0.0", tgz(&refs));
    let dir = tempfile::tempdir().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let cache = Cache::new(dir.path());
        let registries = reg.registries();
        tasks.push(tokio::spawn(async move {
            let spec = PackageSpec::parse("acme.many@1.0.0").unwrap();
            install_all(&cache, &registries, &[spec], &InstallOptions::default()).await
        }));
    }
    for t in tasks {
        let outcome = t.await.unwrap().unwrap();
        assert_eq!(outcome.packages[0].package.version, "1.0.0");
    }
    assert_eq!(cache_entries(dir.path()), ["acme.many#1.0.0"]);
    let count = std::fs::read_dir(dir.path().join("acme.many#1.0.0/package"))
        .unwrap()
        .count();
    assert_eq!(count, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn tries_registries_in_order_and_reports_an_unreachable_one_clearly() {
    let empty = TestRegistry::start().await;
    let full = TestRegistry::start().await;
    full.publish("acme.ig", "1.0.0", package("acme.ig", "1.0.0", &[]));
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    let both = Registries::new([&empty.base, &closed, &full.base]);
    let outcome = install(&cache, &both, &["acme.ig@1.0.0"]).await.unwrap();
    assert_eq!(
        outcome.packages[0].registry.as_deref(),
        Some(full.base.as_str())
    );
    assert_eq!(empty.hits.load(Ordering::SeqCst), 1);

    let err = install(&cache, &Registries::new([&closed]), &["acme.other@1.0.0"])
        .await
        .unwrap_err();
    assert!(err.is_network(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("failed to reach any registry for package `acme.other@1.0.0`"),
        "{text}"
    );
    assert!(text.contains(&closed), "{text}");

    let err = install(&cache, &full.registries(), &["acme.nothing@1.0.0"])
        .await
        .unwrap_err();
    assert!(matches!(err, PackageError::NotFound { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn installs_from_a_local_tarball_and_a_folder() {
    let reg = TestRegistry::start().await;
    reg.publish("acme.dep", "1.0.0", package("acme.dep", "1.0.0", &[]));
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("cache"));

    let tgz_path = dir.path().join("local.tgz");
    let bytes = package("acme.local", "0.1.0", &[("acme.dep", "1.0.0")]);
    std::fs::write(&tgz_path, &bytes).unwrap();
    let outcome = install(&cache, &reg.registries(), &[tgz_path.to_str().unwrap()])
        .await
        .unwrap();
    assert_eq!(outcome.packages.len(), 2);
    assert_eq!(outcome.packages[0].package.id, "acme.local");
    assert_eq!(
        outcome.packages[0].sha256.as_deref(),
        Some(sha256_hex(&bytes).as_str())
    );
    assert!(outcome.packages[0].source.starts_with("file:"));
    assert_eq!(outcome.packages[1].package.id, "acme.dep");

    let folder = dir.path().join("ig-output");
    std::fs::create_dir_all(folder.join("package")).unwrap();
    std::fs::write(
        folder.join("package/package.json"),
        r#"{"name":"acme.folder","version":"2.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        folder.join("package/ValueSet-x.json"),
        r#"{"resourceType":"ValueSet"}"#,
    )
    .unwrap();
    let outcome = install(&cache, &reg.registries(), &[folder.to_str().unwrap()])
        .await
        .unwrap();
    let p = &outcome.packages[0];
    assert_eq!(
        (p.package.id.as_str(), p.package.version.as_str()),
        ("acme.folder", "2.0.0")
    );
    assert!(p.source.starts_with("dir:"));
    assert!(
        cache
            .root()
            .join("acme.folder#2.0.0/package/ValueSet-x.json")
            .is_file()
    );

    // A folder with a link out of it is refused.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc/passwd", folder.join("package/link.json")).unwrap();
        let err = install(&cache, &reg.registries(), &[folder.to_str().unwrap()])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}

/// Runs that share a cache each install the same local `.tgz` (`--package x.tgz`): the
/// package already there with the same bytes stays in place, so a run reading it never
/// finds it gone; a tarball with other bytes under the same version replaces it.
#[tokio::test(flavor = "multi_thread")]
async fn reinstalling_the_same_local_tarball_leaves_the_package_in_place() {
    let reg = TestRegistry::start().await;
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path().join("cache"));
    let tgz_path = dir.path().join("local.tgz");
    std::fs::write(&tgz_path, package("acme.local", "0.1.0", &[])).unwrap();
    let spec = tgz_path.to_str().unwrap().to_string();
    install(&cache, &reg.registries(), &[&spec]).await.unwrap();
    let manifest = cache.root().join("acme.local#0.1.0/package/package.json");
    let reader = {
        let manifest = manifest.clone();
        std::thread::spawn(move || {
            // Read the package for as long as the installers below run.
            (0..20_000).filter(|_| !manifest.is_file()).count()
        })
    };
    for _ in 0..20 {
        install(&cache, &reg.registries(), &[&spec]).await.unwrap();
    }
    assert_eq!(
        reader.join().unwrap(),
        0,
        "the package went missing while reinstalled"
    );

    // Other bytes, same id and version: the new package replaces the old one.
    let other = tgz(&[
        (
            "package/package.json",
            br#"{"name":"acme.local","version":"0.1.0"}"#.to_vec(),
        ),
        (
            "package/ValueSet-new.json",
            br#"{"resourceType":"ValueSet"}"#.to_vec(),
        ),
    ]);
    std::fs::write(&tgz_path, &other).unwrap();
    let outcome = install(&cache, &reg.registries(), &[&spec]).await.unwrap();
    assert_eq!(
        outcome.packages[0].sha256.as_deref(),
        Some(sha256_hex(&other).as_str())
    );
    assert!(
        cache
            .root()
            .join("acme.local#0.1.0/package/ValueSet-new.json")
            .is_file()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resolves_tags_and_ranges_and_rejects_nonsense() {
    let reg = TestRegistry::start().await;
    reg.publish("acme.ig", "1.0.0", package("acme.ig", "1.0.0", &[]));
    reg.publish("acme.ig", "1.1.0", package("acme.ig", "1.1.0", &[]));
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    let o = install(&cache, &reg.registries(), &["acme.ig@current"])
        .await
        .unwrap();
    assert_eq!(o.packages[0].package.version, "1.1.0");
    assert!(
        o.warnings.iter().any(|w| w.contains("CI build")),
        "{:?}",
        o.warnings
    );
    let o = install(&cache, &reg.registries(), &["acme.ig@~1.0.0"])
        .await
        .unwrap();
    assert_eq!(o.packages[0].package.version, "1.0.0");
    let o = install(&cache, &reg.registries(), &["acme.ig"])
        .await
        .unwrap();
    assert_eq!(o.packages[0].package.version, "1.1.0");
    let err = install(&cache, &reg.registries(), &["acme.ig@>>1"])
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("failed to parse package spec `acme.ig@>>1`"),
        "{err}"
    );
}

#[test]
fn install_blocking_works_outside_a_runtime() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let reg = runtime.block_on(async {
        let reg = TestRegistry::start().await;
        reg.publish("acme.ig", "1.0.0", package("acme.ig", "1.0.0", &[]));
        reg
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::new(dir.path());
    let spec = PackageSpec::parse("acme.ig@1.0.0").unwrap();
    let installed = install_blocking(&cache, &reg.registries(), &spec).unwrap();
    assert_eq!(installed.len(), 1);
    assert_eq!(installed[0].manifest.name, "acme.ig");
    assert_eq!(
        cache.installed("acme.ig", "1.0.0").unwrap().dir,
        installed[0].dir
    );
    assert_eq!(cache.list().unwrap().len(), 1);
}
