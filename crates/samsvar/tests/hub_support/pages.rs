//! The pages in real headless Chromium: sign-in, scoreboard, run and dossier. Pages that
//! need a session are fetched with the session cookie and rendered from a file (they are
//! self-contained: inline CSS, no scripts); the sign-in page is loaded from the server.
//! Screenshots stay in the test's output folder (SAMSVAR_SCREENSHOT_DIR, or
//! target/tmp/hub-pages). With SAMSVAR_REQUIRE_CHROMIUM=1 a missing Chromium fails.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::{Browser, EventIds};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

fn screenshot(chromium: &Path, url: &str, png: &Path, profile: &Path) {
    let out = headless(chromium, profile)
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,1100")
        .arg(url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    assert!(
        bytes.len() > 15_000,
        "{} is suspiciously small ({} bytes): blank page?",
        png.display(),
        bytes.len()
    );
}

/// The DOM as Chromium built it, to check the page parsed as intended.
fn dump_dom(chromium: &Path, url: &str, profile: &Path) -> String {
    let out = headless(chromium, profile)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub async fn check_pages(hub: &str, ids: &EventIds) {
    let organiser = Browser::login(hub, "olga@event.example.org").await;
    let vendor = Browser::login(hub, "ada@nordlys.example.org").await;
    let authority = Browser::login(hub, "tove@authority.example.org").await;
    let pages = [
        (
            "scoreboard",
            &organiser,
            format!("/events/{}/scoreboard", ids.event),
            vec![
                "Nordlys EHR 7.3.0",
                "Fjord Journal 2.0",
                "stale",
                "FHIR R4 REST",
            ],
        ),
        (
            "run",
            &organiser,
            format!("/runs/{}", ids.run_b),
            vec![
                "Run ",
                "PASSED",
                "overridden by a monitor",
                "ruling 3",
                "SIMULATED TARGETS",
            ],
        ),
        (
            "dossier",
            &authority,
            format!("/dossiers/{}", ids.dossier),
            vec![
                "NOT A DECLARATION OF CONFORMITY",
                "Annex IV",
                "verification",
                "download the archive",
            ],
        ),
        (
            "vendor-system",
            &vendor,
            format!("/systems/{}", ids.system_a),
            vec!["Standing per suite", "Queue all that apply"],
        ),
    ];
    let saved = std::env::var_os("SAMSVAR_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hub-pages"));
    std::fs::create_dir_all(&saved).unwrap();
    let mut files = Vec::new();
    for (name, who, path, expected) in &pages {
        let (status, html) = who.page(path).await;
        assert_eq!(status, 200, "{path}");
        for text in expected {
            assert!(html.contains(text), "{path} lacks {text:?}");
        }
        assert!(
            !html.contains("<script"),
            "{path}: pages work without JavaScript"
        );
        let file = saved.join(format!("{name}.html"));
        std::fs::write(&file, &html).unwrap();
        files.push((name.to_string(), file));
    }
    let Some(chromium) = chromium() else {
        let msg = "CHROMIUM MISSING: the hub pages were not rendered; install Debian's `chromium` package";
        assert!(
            std::env::var("SAMSVAR_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "{msg}"
        );
        eprintln!("SKIPPED hub page screenshots — {msg}");
        return;
    };
    let profiles = tempfile::tempdir().unwrap();
    let login_dom = dump_dom(
        &chromium,
        &format!("{hub}/login"),
        &profiles.path().join("dom"),
    );
    assert!(
        login_dom.contains("type=\"password\"") && login_dom.contains("Sign in"),
        "{login_dom}"
    );
    screenshot(
        &chromium,
        &format!("{hub}/login"),
        &saved.join("login.png"),
        &profiles.path().join("login"),
    );
    for (name, file) in &files {
        let url = format!("file://{}", file.display());
        let dom = dump_dom(
            &chromium,
            &url,
            &profiles.path().join(format!("dom-{name}")),
        );
        assert!(dom.contains("<table"), "{name}: the table survived parsing");
        screenshot(
            &chromium,
            &url,
            &saved.join(format!("{name}.png")),
            &profiles.path().join(name),
        );
    }
    eprintln!("hub page screenshots in {}", saved.display());
}
