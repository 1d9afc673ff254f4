//! Property-based fuzzing of every reader of untrusted input: the suite loader (YAML a
//! user writes), the FHIR JSON source reader and validator, the XDS XML parser and SOAP
//! reader, and the MTOM/multipart decoder (what a server sends). Inputs are seed files
//! from `tests/fuzz_corpus/` mutated by flips, insertions, deletions, repetitions and
//! cuts, plus raw random bytes. Each reader must return (a value or an error) without
//! panicking, an error must say something and a suite not loaded has an error diagnostic; the case count is bounded
//! (`PROPTEST_CASES`, default 256 per reader) so CI runs it in seconds. `scripts/fuzz.sh`
//! runs more cases and reports inputs per second (docs/benchmarks.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::path::{Path, PathBuf};

/// One edit of a seed.
#[derive(Debug, Clone)]
enum Edit {
    Flip {
        at: usize,
        bit: u8,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    /// Repeats a slice many times (deep nesting, long lines, huge counts).
    Repeat {
        at: usize,
        len: usize,
        times: usize,
    },
    Cut {
        at: usize,
    },
}

/// Fragments that matter to the readers, inserted as a whole.
const TOKENS: &[&[u8]] = &[
    b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
    b"&a;",
    b"<![CDATA[",
    b"]]>",
    b"<xop:Include href=\"cid:x\"/>",
    b"\r\n--MIMEBoundary\r\n",
    b"{{",
    b"}}",
    b"- ",
    b": ",
    b"&anchor",
    b"*anchor",
    b"!!binary",
    b"\"\\u0000\"",
    b"[[[[[[[[",
    b"{\"a\":",
    b"\xff\xfe",
    b"\xe2\x80\xae",
    b"\t",
    b"\n",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(at, t)| Edit::Insert {
            at,
            bytes: t.to_vec()
        }),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<usize>(), 1usize..16, 2usize..2000).prop_map(|(at, len, times)| Edit::Repeat {
            at,
            len,
            times
        }),
        any::<usize>().prop_map(|at| Edit::Cut { at }),
    ]
}

fn apply(seed: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for e in edits {
        let n = b.len().max(1);
        match e {
            Edit::Flip { at, bit } => {
                if !b.is_empty() {
                    let i = at % b.len();
                    b[i] ^= 1 << bit;
                }
            }
            Edit::Insert { at, bytes } => {
                let i = at % n.min(b.len() + 1);
                b.splice(i..i, bytes.iter().copied());
            }
            Edit::Delete { at, len } => {
                if !b.is_empty() {
                    let i = at % b.len();
                    let end = (i + len).min(b.len());
                    b.drain(i..end);
                }
            }
            Edit::Repeat { at, len, times } => {
                if !b.is_empty() {
                    let i = at % b.len();
                    let end = (i + len).min(b.len());
                    let piece = b[i..end].to_vec();
                    let copies: Vec<u8> = piece
                        .iter()
                        .copied()
                        .cycle()
                        .take(piece.len() * times)
                        .collect();
                    b.splice(i..i, copies);
                }
            }
            Edit::Cut { at } => {
                let i = at % (b.len() + 1);
                b.truncate(i);
            }
        }
    }
    b
}

fn corpus(kind: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

/// Inputs: a mutated seed, or (one in eight) random bytes.
fn inputs(kind: &str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus(kind);
    let mutated = (
        prop::sample::select(seeds),
        prop::collection::vec(edit(), 1..6),
    )
        .prop_map(|(seed, edits)| apply(&seed, &edits));
    prop_oneof![7 => mutated, 1 => prop::collection::vec(any::<u8>(), 0..512)]
}

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    TestRunner::new(Config {
        cases,
        // Failures are reported with the input; no files are written on CI.
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn suite_loader_never_panics_and_a_refused_suite_has_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("suite.yaml");
    runner()
        .run(&inputs("suite"), |bytes| {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let checked = samsvar_suite::check_source(&path, text);
            if checked.suite.is_none() {
                prop_assert!(checked.has_errors(), "no suite and no error diagnostic");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn fhir_json_reader_and_validator_never_panic() {
    let validator =
        samsvar_fhir::Validator::new(std::sync::Arc::new(samsvar_fhir::Definitions::new()));
    runner()
        .run(&inputs("fhir-json"), |bytes| {
            match samsvar_fhir::source::parse(&bytes, 1024 * 1024) {
                Ok(value) => {
                    let steps = [samsvar_fhir::source::Step::Key("resourceType".into())];
                    let _ = samsvar_fhir::source::locate(&bytes, &steps);
                    let _ = value;
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            let report = validator.validate_bytes(&bytes, None);
            let _ = report;
            Ok(())
        })
        .unwrap();
}

#[test]
fn xds_xml_and_soap_readers_never_panic() {
    let limits = samsvar_xds::XmlLimits::default();
    runner()
        .run(&inputs("xds-xml"), |bytes| {
            if let Err(e) = samsvar_xds::xml::parse(&bytes, &limits) {
                prop_assert!(!e.to_string().is_empty());
            }
            if let Err(e) = samsvar_xds::soap::read_envelope(&bytes, &limits) {
                prop_assert!(!e.to_string().is_empty());
            }
            let _ = samsvar_xds::validate_submission(&bytes, &[]);
            Ok(())
        })
        .unwrap();
}

#[test]
fn mtom_decoder_never_panics() {
    // The seeds are whole HTTP bodies; their Content-Type is the seed's first line.
    let limits = samsvar_xds::XmlLimits::default();
    runner()
        .run(&inputs("mtom"), |bytes| {
            let split = bytes
                .iter()
                .position(|b| *b == b'\n')
                .unwrap_or(bytes.len());
            let content_type = String::from_utf8_lossy(&bytes[..split]).trim().to_string();
            let body = bytes::Bytes::copy_from_slice(bytes.get(split + 1..).unwrap_or_default());
            match samsvar_xds::mtom::decode(Some(&content_type), body, 4 * 1024 * 1024) {
                Ok(decoded) => {
                    let _ = samsvar_xds::client::read_soap(&decoded, &limits);
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
            Ok(())
        })
        .unwrap();
}
