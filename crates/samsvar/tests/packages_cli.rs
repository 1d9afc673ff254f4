//! `samsvar packages install|list` end to end through the real binary, without network:
//! a local tarball installs (exit 0, progress on stderr, lock file written); a dependency
//! on an unreachable registry is a clear exit 2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use flate2::Compression;
use flate2::write::GzEncoder;
use std::path::Path;
use std::process::{Command, Output};

fn package_tgz(path: &Path, id: &str, deps: &str) {
    let manifest = format!(r#"{{"name":"{id}","version":"1.0.0","dependencies":{{{deps}}}}}"#);
    let resource = br#"{"resourceType":"StructureDefinition","url":"http://example.org/sd","version":"1.0.0","kind":"resource","type":"Patient"}"#;
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (name, data) in [
        ("package/package.json", manifest.as_bytes()),
        ("package/StructureDefinition-sd.json", &resource[..]),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, data).unwrap();
    }
    std::fs::write(path, builder.into_inner().unwrap().finish().unwrap()).unwrap();
}

fn samsvar(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .current_dir(dir)
        .env_remove("SAMSVAR_FHIR_REGISTRIES")
        .env("SAMSVAR_FHIR_CACHE", dir.join("cache"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn installs_a_local_tarball_writes_the_lock_and_lists_it() {
    let dir = tempfile::tempdir().unwrap();
    package_tgz(&dir.path().join("acme.tgz"), "acme.local", "");
    let out = samsvar(dir.path(), &["packages", "install", "acme.tgz"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("installed  acme.local@1.0.0"), "{stderr}");
    assert!(
        dir.path()
            .join("cache/acme.local#1.0.0/package/package.json")
            .is_file()
    );
    assert!(
        dir.path()
            .join("cache/acme.local#1.0.0/package/.index.json")
            .is_file()
    );
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("samsvar.lock")).unwrap()).unwrap();
    assert_eq!(lock["packages"][0]["id"], "acme.local");
    assert_eq!(
        lock["packages"][0]["sha256"].as_str().map(str::len),
        Some(64)
    );

    let out = samsvar(dir.path(), &["packages", "list"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("* acme.local#1.0.0"), "{stdout}");
}

#[test]
fn an_unreachable_registry_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    package_tgz(
        &dir.path().join("acme.tgz"),
        "acme.needy",
        r#""acme.dep":"1.0.0""#,
    );
    let out = samsvar(
        dir.path(),
        &["packages", "install", "--registry", &closed, "acme.tgz"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("failed to reach any registry for package `acme.dep@1.0.0`"),
        "{stderr}"
    );
    assert!(stderr.contains(&closed), "{stderr}");
    assert!(!dir.path().join("samsvar.lock").exists());

    let out = samsvar(dir.path(), &["packages", "install", "no/such/thing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("failed to parse package spec"));
}
