//! A SUT that refuses connections, hangs, answers too much or answers garbage: the tests
//! error with the reason, the run ends and the records are written. The simulator runs
//! in this process on an ephemeral loopback port; the real binary is driven against it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{BASICS, samsvar_run};
use samsvar_sim::fhir::Defect;
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn errored_everywhere(run: &common::Run, reason: &str) {
    let all = run.all();
    assert_eq!(run.code, 1, "{all}");
    assert!(all.contains(reason), "expected `{reason}` in\n{all}");
    let record = run.record();
    assert_eq!(record["outcome"], "error", "{all}");
    // Each test that reached the broken server errored; tests that needed a capture it
    // never gave are skipped (one fault, one finding); none is counted as a failure.
    assert!(record["summary"]["errored"].as_u64().unwrap() >= 1, "{all}");
    assert_eq!(record["summary"]["failed"], 0, "{all}");
    let junit = std::fs::read_to_string(run.run_dir().join("junit.xml")).unwrap();
    assert!(junit.contains("<error "), "{junit}");
}

#[test]
fn refused_connection_errors_every_test_with_the_url() {
    // Bind, note the port, close: nothing listens there any more.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/fhir");
    let run = samsvar_run(&[BASICS, "--target", &url]);
    errored_everywhere(&run, &format!("failed to connect to {url}/Patient"));
}

#[test]
fn hanging_server_times_out() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let url = format!("http://127.0.0.1:{port}/fhir");
    let started = Instant::now();
    let run = samsvar_run(&[BASICS, "--target", &url, "--timeout", "200ms"]);
    errored_everywhere(&run, "timed out after 200 ms");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the run must end promptly"
    );
}

#[test]
fn body_over_the_limit_errors() {
    common::with_sim(&[Defect::HugeBody], |url| {
        let run = samsvar_run(&[BASICS, "--target", url, "--max-body", "256KiB"]);
        errored_everywhere(&run, "response body larger than 256 KiB limit");
    });
}

#[test]
fn invalid_json_errors_with_line_and_column() {
    common::with_sim(&[Defect::InvalidJson], |url| {
        let run = samsvar_run(&[BASICS, "--target", url]);
        errored_everywhere(&run, "response body is not JSON: ");
        let all = run.all();
        let re = regex::Regex::new(r"response body is not JSON: .* at \d+:\d+").unwrap();
        assert!(re.is_match(&all), "{all}");
    });
}

#[test]
fn external_simulator_passes() {
    common::with_sim(&[], |url| {
        let run = samsvar_run(&[BASICS, "--target", &format!("fhir={url}")]);
        assert_eq!(run.code, 0, "{}", run.all());
        assert_eq!(run.record()["targets"][0]["simulated"], false);
    });
}

#[test]
fn inputs_flow_from_config_environment_and_flags() {
    common::with_sim(&[], |url| {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("samsvar.toml");
        std::fs::write(
            &config,
            format!("[targets.fhir]\nurl = \"{url}\"\n[inputs]\nfamily = \"FromConfig\"\n"),
        )
        .unwrap();
        let run = samsvar_run(&[
            BASICS,
            "--config",
            config.to_str().unwrap(),
            "-i",
            "patient_identifier=from-flag",
        ]);
        assert_eq!(run.code, 0, "{}", run.all());
        let text = std::fs::read_to_string(run.run_dir().join("run.json")).unwrap();
        assert!(text.contains("FromConfig"), "config input must be used");
    });
}
