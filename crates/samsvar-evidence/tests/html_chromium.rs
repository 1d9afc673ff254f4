//! report.html is self-contained and renders in real headless Chromium (screenshot + PDF).
//! Chromium comes from Debian's `chromium` package. When it is missing the test says so
//! loudly; with SAMSVAR_REQUIRE_CHROMIUM=1 (CI) a missing Chromium fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use samsvar_evidence::declaration::DeclarationConfig;
use samsvar_evidence::{Algorithm, BundleOptions, Signer, SigningKey, SutIdentity, write_bundle};
use samsvar_record::Event;
use std::path::{Path, PathBuf};
use std::process::Command;

fn options(signer: Option<Signer>) -> BundleOptions {
    BundleOptions {
        sut: Some(SutIdentity {
            manufacturer: Some("Acme Health AS".into()),
            manufacturer_address: Some("Storgata 1, 0155 Oslo, Norway".into()),
            product: Some("Acme EHR".into()),
            version: Some("4.2.1".into()),
            reference: Some("ACME-EHR-421-EU".into()),
            endpoints: Default::default(),
        }),
        declaration: Some(DeclarationConfig {
            place: Some("Oslo".into()),
            signatory_name: Some("Kari Nordmann".into()),
            signatory_function: Some("Head of Quality".into()),
            ..Default::default()
        }),
        signer,
        html: true,
        ..Default::default()
    }
}

/// The canned (failing) run against the product, signed, citing a catalogue requirement.
fn bundle(dir: &Path) -> (PathBuf, String) {
    let key = SigningKey::generate(Algorithm::EdDSA).unwrap();
    let kid = key.verifying_key().thumbprint();
    let mut run = common::against_product(common::sample_run(None));
    common::cite(&mut run, "read-patient", "FHIR-R4:http#read");
    let signer = Signer { key, chain: vec![] };
    write_bundle(dir, &run, true, &options(Some(signer))).unwrap();
    (dir.join("report.html"), kid)
}

/// An unsigned run against the simulator that stopped after its first suite.
fn simulated_incomplete_bundle(dir: &Path) -> PathBuf {
    let events: Vec<Event> = common::sample_events(None)
        .into_iter()
        .take_while(|e| !matches!(e, Event::SuiteStarted { suite_id } if suite_id == "lab"))
        .collect();
    write_bundle(dir, &common::fold(events), false, &options(None)).unwrap();
    dir.join("report.html")
}

#[test]
fn report_is_self_contained_and_shows_the_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let (page, _) = bundle(tmp.path());
    let html = std::fs::read_to_string(page).unwrap();
    for forbidden in ["<link", "src=", "@import", "url(", "<iframe", "<img"] {
        assert!(
            !html.contains(forbidden),
            "report.html must not fetch anything: found {forbidden}"
        );
    }
    for expected in [
        "ERROR",
        "1 failed",
        "Acme EHR 4.2.1",
        "create-document",
        "status is 201",
        "suite.yaml:33:9",
        "IPS-002",
        "patient-summary",
        "&quot;resourceType&quot;: &quot;OperationOutcome&quot;",
        "Annex IV",
        "sole responsibility of Acme Health AS",
        "@media print",
    ] {
        assert!(html.contains(expected), "report.html lacks {expected:?}");
    }
}

#[test]
fn the_signature_block_is_at_the_top_with_the_command_that_checks_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (page, kid) = bundle(tmp.path());
    let html = std::fs::read_to_string(page).unwrap();
    let block = html.split("id=\"signature\"").nth(1).unwrap();
    let block = &block[..block.find("</div>").unwrap()];
    assert!(block.contains("SIGNED"), "{block}");
    assert!(block.contains("EdDSA"), "{block}");
    assert!(block.contains(&kid), "{block}");
    assert!(block.contains("samsvar verify . --key"), "{block}");
    assert!(
        html.find("id=\"signature\"").unwrap() < html.find("System under test").unwrap(),
        "the signature block comes first"
    );

    let unsigned = simulated_incomplete_bundle(&tmp.path().join("unsigned"));
    let html = std::fs::read_to_string(unsigned).unwrap();
    let block = html.split("id=\"signature\"").nth(1).unwrap();
    assert!(block.contains("UNSIGNED"), "{block}");
    assert!(
        block.contains("samsvar verify . --integrity-only"),
        "{block}"
    );
}

#[test]
fn every_requirement_links_its_source_and_every_test_its_exchanges() {
    let tmp = tempfile::tempdir().unwrap();
    let (page, _) = bundle(tmp.path());
    // The page escapes `/` in attributes as `&#x2f;`, which a browser reads as `/`.
    let html = std::fs::read_to_string(page)
        .unwrap()
        .replace("&#x2f;", "/");
    // The catalogue's title and the link to the sentence.
    assert!(html.contains("Read returns the current resource with the requested id"));
    assert!(html.contains("href=\"https://hl7.org/fhir/R4/http.html#read\""));
    assert!(
        html.contains("IPS-001</span><br><span class=\"muted\">not in the requirement catalogue")
    );
    // The passing test is linked from the coverage table and its exchange is in the page.
    assert!(html.contains("href=\"#test-ips--read-patient\""));
    let section = html.split("id=\"test-ips--read-patient\"").nth(1).unwrap();
    let section = &section[..section.find("</details>").unwrap()];
    assert!(
        section.contains("GET http://127.0.0.1:8080/fhir/Patient/p1"),
        "{section}"
    );
    assert!(
        section.contains("status is 200"),
        "passing assertions are listed: {section}"
    );
    assert!(
        section.contains("&quot;family&quot;: &quot;Nordmann&quot;"),
        "{section}"
    );
    let digest = samsvar_evidence::digest::sha256_hex(
        br#"{"resourceType":"Patient","id":"p1","name":[{"family":"Nordmann","given":["Kari"]}]}"#,
    );
    assert!(
        section.contains(&format!("href=\"exchanges/{digest}\"")),
        "{section}"
    );
}

#[test]
fn a_simulated_incomplete_run_shows_the_banner_and_the_tests_that_never_ran() {
    let tmp = tempfile::tempdir().unwrap();
    let html = std::fs::read_to_string(simulated_incomplete_bundle(tmp.path())).unwrap();
    assert!(html.contains("SIMULATED TARGETS — not evidence about any product"));
    assert!(
        !html.contains("Annex IV"),
        "no declaration for a simulated run"
    );
    let note = html.split("id=\"incomplete\"").nth(1).unwrap();
    assert!(note.contains("Planned but never run (2)"), "{note}");
    assert!(note.contains("href=\"#test-lab--search-lab\""), "{note}");
}

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output()
            && out.status.success()
        {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !path.is_empty() {
                return Some(PathBuf::from(path));
            }
        }
    }
    None
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn report_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        let msg =
            "CHROMIUM MISSING: report.html was not rendered; install Debian's `chromium` package";
        assert!(
            std::env::var("SAMSVAR_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "{msg}"
        );
        eprintln!("SKIPPED report_renders_in_headless_chromium — {msg}");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (page, _) = bundle(&tmp.path().join("bundle"));
    let url = format!("file://{}", page.display());
    let out_dir = screenshot_dir();
    std::fs::create_dir_all(&out_dir).unwrap();
    let png = out_dir.join("report.png");
    let pdf = out_dir.join("report.pdf");

    let status = headless(&chromium, &tmp.path().join("profile1"))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2000")
        .arg(&url)
        .status()
        .unwrap();
    assert!(status.success(), "chromium screenshot failed: {status}");
    let png_bytes = std::fs::read(&png).unwrap();
    assert!(png_bytes.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        png_bytes.len() > 20_000,
        "screenshot suspiciously small ({} bytes): blank page?",
        png_bytes.len()
    );

    let status = headless(&chromium, &tmp.path().join("profile2"))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg("--no-pdf-header-footer")
        .arg(&url)
        .status()
        .unwrap();
    assert!(status.success(), "chromium print-to-pdf failed: {status}");
    let pdf_bytes = std::fs::read(&pdf).unwrap();
    assert!(pdf_bytes.starts_with(b"%PDF"), "not a PDF");
    assert!(pdf_bytes.len() > 10_000, "PDF suspiciously small");
    eprintln!("screenshots: {}", out_dir.display());
}

/// Screenshots are kept after the test (in SAMSVAR_SCREENSHOT_DIR, else Cargo's
/// per-target temporary folder) so a person can look at them.
fn screenshot_dir() -> PathBuf {
    let dir = std::env::var_os("SAMSVAR_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A link to a passing test opens its section in a real browser: its exchange is one
/// click away. The simulated, incomplete, unsigned page is captured too.
#[test]
fn a_test_link_opens_its_exchanges_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        let msg = "CHROMIUM MISSING: the test links were not followed; install Debian's `chromium` package";
        assert!(
            std::env::var("SAMSVAR_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "{msg}"
        );
        eprintln!("SKIPPED a_test_link_opens_its_exchanges_in_headless_chromium — {msg}");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (page, _) = bundle(&tmp.path().join("bundle"));
    let url = format!("file://{}#test-ips--read-patient", page.display());
    let out = headless(&chromium, &tmp.path().join("profile1"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium --dump-dom failed");
    let dom = String::from_utf8_lossy(&out.stdout);
    let opened = dom
        .split("<details")
        .find(|d| d.contains("id=\"test-ips--read-patient\""))
        .unwrap();
    let tag = &opened[..opened.find('>').unwrap()];
    assert!(
        tag.contains("open"),
        "the linked test is not open: <details{tag}>"
    );
    // Its exchange (the details nested in it) is open too: request and response on screen.
    let from = dom.find("id=\"test-ips--read-patient\"").unwrap();
    let section = &dom[from..];
    let section = &section[..section.find("</details>").unwrap()];
    assert!(
        section.contains("<details open"),
        "the exchange is closed: {section}"
    );
    let closed = dom
        .split("<details")
        .find(|d| d.contains("id=\"test-lab--search-lab\""))
        .unwrap();
    assert!(!closed[..closed.find('>').unwrap()].contains("open"));

    let out_dir = screenshot_dir();
    std::fs::copy(&page, out_dir.join("report.html")).unwrap();
    let png = out_dir.join("report-test-link.png");
    // Tall enough that the link needs no scrolling: headless Chromium screenshots of a
    // page scrolled to a fragment come out blank.
    let status = headless(&chromium, &tmp.path().join("profile2"))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,5200")
        .arg(&url)
        .status()
        .unwrap();
    assert!(status.success());
    let sim = simulated_incomplete_bundle(&tmp.path().join("sim"));
    let png_sim = out_dir.join("report-simulated-incomplete.png");
    let status = headless(&chromium, &tmp.path().join("profile3"))
        .arg(format!("--screenshot={}", png_sim.display()))
        .arg("--window-size=1280,1400")
        .arg(format!("file://{}", sim.display()))
        .status()
        .unwrap();
    assert!(status.success());
    for p in [&png, &png_sim] {
        let bytes = std::fs::read(p).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{}",
            p.display()
        );
    }
    eprintln!("screenshots: {}", out_dir.display());
}
