//! Write → sign → verify, and every kind of tampering makes verification fail naming the file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rand::{Rng, SeedableRng};
use samsvar_evidence::verify::{Problem, SignatureStatus};
use samsvar_evidence::{
    Algorithm, BundleOptions, Signer, SigningKey, Trust, verify_bundle, write_bundle,
};
use std::path::Path;

fn options(key: &SigningKey) -> BundleOptions {
    BundleOptions {
        signer: Some(Signer {
            key: key.clone(),
            chain: vec![],
        }),
        html: true,
        testreports: true,
        ..Default::default()
    }
}

fn fresh_bundle(dir: &Path, key: &SigningKey) {
    let run = common::sample_run(None);
    // Another reporter's output already in the folder must be covered by the manifest.
    std::fs::write(dir.join("junit.xml"), "<testsuites/>").unwrap();
    let summary = write_bundle(dir, &run, true, &options(key)).unwrap();
    assert!(summary.signed);
}

fn all_files(dir: &Path) -> Vec<String> {
    samsvar_evidence::manifest::list_files(dir).unwrap()
}

#[test]
fn untouched_bundle_verifies_with_both_algorithms() {
    for alg in [Algorithm::EdDSA, Algorithm::ES256] {
        let tmp = tempfile::tempdir().unwrap();
        let key = SigningKey::generate(alg).unwrap();
        fresh_bundle(tmp.path(), &key);
        let files = all_files(tmp.path());
        for expected in [
            "evidence.json",
            "evidence.jws",
            "report.html",
            "junit.xml",
            "testreport/ips.json",
            "testreport/lab.json",
        ] {
            assert!(
                files.contains(&expected.to_string()),
                "{expected} missing from {files:?}"
            );
        }
        assert!(files.iter().any(|f| f.starts_with("exchanges/")));

        let v = verify_bundle(tmp.path(), &Trust::Key(key.verifying_key())).unwrap();
        assert!(v.ok(), "{}", v.render(tmp.path()));
        assert!(matches!(v.signature, SignatureStatus::Trusted { .. }));
        assert_eq!(v.files_checked, files.len() - 2);

        // Without a key: integrity checked, signer not authenticated, still a pass.
        let v = verify_bundle(tmp.path(), &Trust::None).unwrap();
        assert!(v.ok());
        assert!(matches!(
            v.signature,
            SignatureStatus::SelfConsistent { .. }
        ));
        assert!(v.render(tmp.path()).contains("NOT authenticated"));

        // A different key is refused.
        let other = SigningKey::generate(alg).unwrap();
        let v = verify_bundle(tmp.path(), &Trust::Key(other.verifying_key())).unwrap();
        assert!(!v.ok());
        assert_eq!(v.problems[0].path(), "evidence.jws");
    }
}

#[test]
fn flipping_any_single_byte_of_any_file_is_detected() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    fresh_bundle(tmp.path(), &key);
    let trust = Trust::Key(key.verifying_key());
    let files = all_files(tmp.path());
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5a45_5356);
    let mut checked = 0;
    // Every file at least twice (first and last byte), plus random positions.
    let mut cases: Vec<(String, Option<usize>)> = Vec::new();
    for f in &files {
        cases.push((f.clone(), Some(0)));
        cases.push((f.clone(), None));
    }
    for _ in 0..150 {
        cases.push((
            files[rng.gen_range(0..files.len())].clone(),
            Some(usize::MAX),
        ));
    }
    for (file, pos) in cases {
        let path = tmp.path().join(&file);
        let original = std::fs::read(&path).unwrap();
        let pos = match pos {
            Some(usize::MAX) => rng.gen_range(0..original.len()),
            Some(p) => p,
            None => original.len() - 1,
        };
        let mask: u8 = 1 << rng.gen_range(0..8);
        let mut tampered = original.clone();
        tampered[pos] ^= mask;
        std::fs::write(&path, &tampered).unwrap();
        let v = verify_bundle(tmp.path(), &trust).unwrap();
        assert!(
            !v.ok(),
            "flip of bit {mask:#04x} at {file}:{pos} went unnoticed"
        );
        assert!(
            v.problems.iter().any(
                |p| p.path() == file || (file == "evidence.json" && p.path() == "evidence.jws")
            ),
            "flip at {file}:{pos} not attributed: {:?}",
            v.problems
        );
        std::fs::write(&path, &original).unwrap();
        checked += 1;
    }
    assert!(checked >= 150 + 2 * files.len());
    assert!(
        verify_bundle(tmp.path(), &trust).unwrap().ok(),
        "restoring every byte verifies again"
    );
}

#[test]
fn deleted_added_and_renamed_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let key = SigningKey::generate(Algorithm::ES256).unwrap();
    fresh_bundle(tmp.path(), &key);
    let trust = Trust::Key(key.verifying_key());
    let files = all_files(tmp.path());
    let exchange = files
        .iter()
        .find(|f| f.starts_with("exchanges/"))
        .unwrap()
        .clone();

    std::fs::remove_file(tmp.path().join(&exchange)).unwrap();
    let v = verify_bundle(tmp.path(), &trust).unwrap();
    assert_eq!(
        v.problems,
        vec![Problem::Missing {
            path: exchange.clone()
        }]
    );
    assert!(
        v.render(tmp.path())
            .contains(&format!("MISSING  {exchange}"))
    );

    std::fs::write(tmp.path().join("notes.txt"), "added later").unwrap();
    std::fs::create_dir_all(tmp.path().join("exchanges/sub")).unwrap();
    std::fs::write(tmp.path().join("exchanges/sub/x"), "x").unwrap();
    let v = verify_bundle(tmp.path(), &trust).unwrap();
    let names: Vec<&str> = v.problems.iter().map(Problem::path).collect();
    assert!(
        names.contains(&"notes.txt")
            && names.contains(&"exchanges/sub/x")
            && names.contains(&exchange.as_str()),
        "{names:?}"
    );

    std::fs::remove_file(tmp.path().join("evidence.jws")).unwrap();
    let v = verify_bundle(tmp.path(), &trust).unwrap();
    assert!(v.problems.contains(&Problem::Missing {
        path: "evidence.jws".into()
    }));

    std::fs::remove_file(tmp.path().join("evidence.json")).unwrap();
    let v = verify_bundle(tmp.path(), &trust).unwrap();
    assert!(v.problems.contains(&Problem::Missing {
        path: "evidence.json".into()
    }));
}

#[test]
fn unsigned_bundle_verifies_digests_and_fails_when_a_key_is_required() {
    let tmp = tempfile::tempdir().unwrap();
    let run = common::sample_run(None);
    let opts = BundleOptions {
        html: true,
        ..Default::default()
    };
    write_bundle(tmp.path(), &run, true, &opts).unwrap();
    let v = verify_bundle(tmp.path(), &Trust::None).unwrap();
    assert!(v.ok());
    assert_eq!(v.signature, SignatureStatus::Unsigned);
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let v = verify_bundle(tmp.path(), &Trust::Key(key.verifying_key())).unwrap();
    assert_eq!(
        v.problems,
        vec![Problem::Missing {
            path: "evidence.jws".into()
        }]
    );
}

#[test]
fn bodies_are_stored_once_by_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let run = common::sample_run(None);
    write_bundle(tmp.path(), &run, true, &BundleOptions::default()).unwrap();
    for f in all_files(tmp.path())
        .iter()
        .filter(|f| f.starts_with("exchanges/"))
    {
        let bytes = std::fs::read(tmp.path().join(f)).unwrap();
        assert_eq!(
            f.trim_start_matches("exchanges/"),
            samsvar_evidence::digest::sha256_hex(&bytes)
        );
    }
}

/// A CA, and a certificate it issues for the signing key (ES256 and EdDSA alike).
fn ca_and_signer_cert(key: &SigningKey, ca_name: &str) -> (Vec<u8>, Vec<u8>) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let signer_key = KeyPair::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
    let mut params = CertificateParams::new(vec!["evidence-signer.example.no".into()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Vendor AS evidence signer");
    let leaf = params.signed_by(&signer_key, &ca, &ca_key).unwrap();
    (ca.der().to_vec(), leaf.der().to_vec())
}

#[test]
fn a_signature_chained_to_the_trusted_ca_verifies_and_a_stranger_ca_is_refused() {
    for alg in [Algorithm::ES256, Algorithm::EdDSA] {
        let tmp = tempfile::tempdir().unwrap();
        let key = SigningKey::generate(alg).unwrap();
        let (ca, leaf) = ca_and_signer_cert(&key, "Projectathon test CA");
        let run = common::sample_run(None);
        let options = BundleOptions {
            signer: Some(Signer {
                key: key.clone(),
                chain: vec![leaf],
            }),
            ..Default::default()
        };
        write_bundle(tmp.path(), &run, true, &options).unwrap();

        let v = verify_bundle(tmp.path(), &Trust::Ca(vec![ca])).unwrap();
        assert!(v.ok(), "{alg:?}: {}", v.render(tmp.path()));
        assert!(matches!(v.signature, SignatureStatus::Trusted { .. }));

        let (stranger, _) =
            ca_and_signer_cert(&SigningKey::generate(alg).unwrap(), "Some other CA");
        let v = verify_bundle(tmp.path(), &Trust::Ca(vec![stranger])).unwrap();
        assert!(!v.ok(), "{alg:?}: a chain to another CA must not verify");
        assert!(
            v.render(tmp.path())
                .contains("does not lead to the trusted CA"),
            "{}",
            v.render(tmp.path())
        );
    }
}
