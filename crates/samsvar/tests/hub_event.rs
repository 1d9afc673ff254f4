// The shared hub test support prints what it skipped and where screenshots are.
#![allow(clippy::print_stderr)]
//! A whole test event over real HTTP, on SQLite (runs in the web process) and on a real
//! PostgreSQL with two `samsvar hub worker` processes: the organiser sets up the event,
//! two vendors register systems, runs are queued against the built-in simulator, one
//! vendor uploads a good bundle and tampered / unsigned / foreign-signed ones (refused with
//! the reason), a monitor overrides a verdict with a reason, a suite's new version makes
//! results stale, a vendor submits a dossier, the authority verifies it and downloads the
//! archive, which verifies offline with `samsvar verify`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hub_support;

use hub_support::{Api, HubProc, WorkerProc, add_user, postgres, repo_testsuites, samsvar};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Copies the shipped suites the event uses, so the test can publish a new version.
fn suites_copy(dest: &Path) {
    for suite in ["fhir-rest-basics", "xds-b"] {
        copy_dir(&repo_testsuites().join(suite), &dest.join(suite));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Everything the event's participants created, for the checks after the flow.
use hub_support::EventIds;

/// `samsvar run` + `samsvar keygen` as vendor A would on its own machine.
fn self_test(work: &Path, key: Option<&Path>) -> PathBuf {
    let out = work.join(format!(
        "reports-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let mut cmd = samsvar();
    cmd.arg("run")
        .arg(repo_testsuites().join("fhir-rest-basics"))
        .args(["--target", "sim", "--format", "json", "--out"])
        .arg(&out);
    if let Some(key) = key {
        cmd.arg("--sign-key").arg(key);
    }
    let status = cmd.output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

fn keygen(path: &Path) {
    let out = samsvar()
        .arg("keygen")
        .arg("--out")
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success());
}

fn submit(hub: &str, token: &str, dir: &Path, system: i64) -> (i32, String) {
    let out = samsvar()
        .args(["hub", "submit"])
        .arg(dir)
        .args([
            "--hub",
            hub,
            "--token",
            token,
            "--system",
            &system.to_string(),
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

pub async fn drive_event(hub: &str, db: &str, work: &Path, suites: &Path) -> EventIds {
    add_user(db, "olga@event.example.org", "organiser");
    let organiser = Api::login(hub, "olga@event.example.org").await;

    // The organiser: event, suites in play and the actors they apply to, organisations, accounts.
    let event = organiser
        .ok(
            "/api/v1/events",
            json!({ "name": "Projectathon Oslo", "description": "FHIR and XDS.b" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let fhir_suite = organiser
        .ok(&format!("/api/v1/events/{event}/suites"), json!({ "path": "fhir-rest-basics", "applies_to": [{ "profile": "FHIR R4 REST", "actor": "Server" }] }))
        .await["id"]
        .as_i64()
        .unwrap();
    organiser
        .ok(&format!("/api/v1/events/{event}/suites"), json!({ "path": "xds-b", "applies_to": [{ "profile": "IHE XDS.b", "actor": "Document Repository" }] }))
        .await;
    let (status, refused) = organiser
        .post(
            &format!("/api/v1/events/{event}/suites"),
            json!({ "path": "../etc", "applies_to": [{ "profile": "x", "actor": "y" }] }),
        )
        .await;
    assert_eq!(
        status, 400,
        "suite paths stay inside the suites folder: {refused}"
    );
    let org_a = organiser
        .ok(
            "/api/v1/organisations",
            json!({ "name": "Nordlys Health AS", "address": "Storgata 1, Oslo" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let org_b = organiser
        .ok(
            "/api/v1/organisations",
            json!({ "name": "Fjord Journal AB", "address": "Kungsgatan 2, Göteborg" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    for (email, role, org) in [
        ("ada@nordlys.example.org", "vendor", Some(org_a)),
        ("bo@fjord.example.org", "vendor", Some(org_b)),
        ("mona@event.example.org", "monitor", None),
        ("tove@authority.example.org", "authority", None),
    ] {
        organiser
            .ok("/api/v1/users", json!({ "email": email, "name": email.split('@').next().unwrap(), "password": hub_support::PASSWORD, "role": role, "org_id": org }))
            .await;
    }
    let vendor_a = Api::login(hub, "ada@nordlys.example.org").await;
    let vendor_b = Api::login(hub, "bo@fjord.example.org").await;
    let monitor = Api::login(hub, "mona@event.example.org").await;
    let authority = Api::login(hub, "tove@authority.example.org").await;

    // Two vendors register systems: A against the simulator as is, B with a defect.
    let (status, secret) = vendor_a
        .post("/api/v1/systems", json!({ "event_id": event, "name": "Nordlys EHR", "version": "7.3.0", "endpoints": { "fhir": "https://user:pw@ehr.example.org/fhir" }, "claims": [{ "profile": "FHIR R4 REST", "actor": "Server" }] }))
        .await;
    assert_eq!(
        status, 400,
        "credentials in endpoint URLs are refused: {secret}"
    );
    assert!(
        secret["error"]
            .as_str()
            .unwrap()
            .contains("never stores run secrets")
    );
    let system_a = vendor_a
        .ok("/api/v1/systems", json!({ "event_id": event, "name": "Nordlys EHR", "version": "7.3.0", "reference": "NORDLYS-EHR-730", "endpoints": { "fhir": "sim", "xds-repository": "sim", "xds-registry": "sim" }, "claims": [{ "profile": "FHIR R4 REST", "actor": "Server" }, { "profile": "IHE XDS.b", "actor": "Document Repository" }] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let system_b = vendor_b
        .ok("/api/v1/systems", json!({ "event_id": event, "name": "Fjord Journal", "version": "2.0", "endpoints": { "fhir": "sim" }, "sim_defects": ["no-version-bump"], "claims": [{ "profile": "FHIR R4 REST", "actor": "Server" }] }))
        .await["id"]
        .as_i64()
        .unwrap();

    // Runs: A queues all that apply (two suites); B waits for its verdict like a CI job.
    let queued = vendor_a
        .ok(
            "/api/v1/runs",
            json!({ "system_id": system_a, "suites": "all" }),
        )
        .await;
    let a_ids: Vec<i64> = queued["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(a_ids.len(), 2, "both suites apply to A: {queued}");
    let waited = vendor_b
        .ok(
            "/api/v1/runs?wait=240",
            json!({ "system_id": system_b, "suites": [fhir_suite] }),
        )
        .await;
    assert_eq!(waited["finished"], true, "{waited}");
    assert_eq!(
        waited["exit_code"], 1,
        "B's defect fails a required test: {waited}"
    );
    assert_eq!(waited["runs"][0]["state"], "failed");
    let run_b = waited["runs"][0]["id"].as_i64().unwrap();
    let runs_a = vendor_a
        .wait_finished(&a_ids, Duration::from_secs(240))
        .await;
    for run in &runs_a {
        assert_eq!(
            run["run"]["state"], "passed",
            "A passes against the simulator: {}",
            run["run"]
        );
        assert_eq!(run["run"]["simulated"], 1);
        assert!(
            run["run"]["bundle_digest"]
                .as_str()
                .is_some_and(|d| d.len() == 64)
        );
        assert!(run["summary"]["total"].as_i64().unwrap() > 0);
    }
    let run_a = runs_a
        .iter()
        .find(|r| r["suite"]["suite_id"] == "fhir-rest-basics")
        .unwrap()["run"]["id"]
        .as_i64()
        .unwrap();

    // Vendor A's self-test bundles: signed with a registered key (accepted), tampered,
    // unsigned and signed by an unregistered key (each refused with the reason).
    let key = work.join("nordlys.pem");
    keygen(&key);
    let public = std::fs::read_to_string(work.join("nordlys.pub.pem")).unwrap();
    let kid = vendor_a
        .ok(
            "/api/v1/keys",
            json!({ "pem": public, "label": "Nordlys CI" }),
        )
        .await["kid"]
        .as_str()
        .unwrap()
        .to_string();
    let bundle = self_test(work, Some(&key));
    let (code, said) = submit(hub, &vendor_a.token, &bundle, system_a);
    assert_eq!(
        code, 0,
        "a signed bundle with a registered key is accepted: {said}"
    );
    assert!(said.contains("VERIFIED"), "{said}");
    let (_, uploads) = vendor_a
        .get(&format!("/api/v1/runs?system={system_a}"))
        .await;
    let upload_a = uploads
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == "upload")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let tampered = work.join("tampered");
    copy_dir(&bundle, &tampered);
    let exchange = std::fs::read_dir(tampered.join("exchanges"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(
        &exchange,
        b"{\"resourceType\":\"Patient\",\"id\":\"forged\"}",
    )
    .unwrap();
    let (code, said) = submit(hub, &vendor_a.token, &tampered, system_a);
    assert_eq!(code, 1, "a tampered bundle is refused: {said}");
    assert!(
        said.contains("CHANGED") && said.contains("exchanges/"),
        "the reason names the file: {said}"
    );

    let unsigned = self_test(work, None);
    let (code, said) = submit(hub, &vendor_a.token, &unsigned, system_a);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("UNSIGNED"), "{said}");

    let stranger = work.join("stranger.pem");
    keygen(&stranger);
    let foreign = self_test(work, Some(&stranger));
    let (code, said) = submit(hub, &vendor_a.token, &foreign, system_a);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("SIGNED BY AN UNKNOWN KEY"), "{said}");
    assert!(
        !said.contains(&kid),
        "the foreign kid is not the registered one"
    );

    // The monitor overrides B's verdict with a reason; a reason is required; a vendor may not.
    let (status, _) = monitor
        .post(
            &format!("/api/v1/runs/{run_b}/reviews"),
            json!({ "kind": "override", "to_state": "passed", "text": "" }),
        )
        .await;
    assert_eq!(status, 400, "an override needs a reason");
    let (status, _) = vendor_b
        .post(
            &format!("/api/v1/runs/{run_b}/reviews"),
            json!({ "kind": "override", "to_state": "passed", "text": "we disagree" }),
        )
        .await;
    assert_eq!(status, 403, "a vendor cannot override a verdict");
    monitor
        .ok(&format!("/api/v1/runs/{run_b}/reviews"), json!({ "kind": "override", "to_state": "passed", "text": "ETag is optional at this event (organiser's ruling 3)" }))
        .await;
    monitor
        .ok(
            &format!("/api/v1/runs/{run_a}/reviews"),
            json!({ "kind": "signoff", "text": "checked" }),
        )
        .await;
    let (_, view_b) = monitor.get(&format!("/api/v1/runs/{run_b}")).await;
    assert_eq!(
        view_b["run"]["state"], "failed",
        "the recorded verdict stays"
    );
    assert_eq!(view_b["run"]["override_state"], "passed");
    let history = view_b["reviews"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["from_state"], "failed");
    assert!(history[0]["text"].as_str().unwrap().contains("ruling 3"));
    let (_, worklist) = monitor.get("/api/v1/worklist").await;
    assert!(
        worklist
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != run_a),
        "signed-off runs leave the worklist"
    );

    // Scoreboard: A verified (FHIR, signed off) and pass (XDS), B pass after the override.
    let (_, board) = organiser
        .get(&format!("/api/v1/events/{event}/scoreboard"))
        .await;
    let cell = |system: i64, profile: &str| -> String {
        let columns = board["columns"].as_array().unwrap();
        let col = columns
            .iter()
            .position(|c| c["profile"] == profile)
            .unwrap();
        let row = board["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["system_id"] == system)
            .unwrap();
        row["cells"][col]["status"].as_str().unwrap().to_string()
    };
    assert_eq!(
        cell(system_a, "FHIR R4 REST"),
        "pass",
        "A's newest FHIR run is the upload, not signed off"
    );
    assert_eq!(cell(system_a, "IHE XDS.b"), "pass");
    assert_eq!(cell(system_b, "FHIR R4 REST"), "pass");
    assert_eq!(cell(system_b, "IHE XDS.b"), "not-claimed");
    let csv = organiser
        .get_bytes(&format!("/api/v1/events/{event}/scoreboard?format=csv"))
        .await
        .1;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("organisation,system,version,"), "{csv}");
    assert!(
        csv.contains("Fjord Journal AB,Fjord Journal,2.0,pass"),
        "{csv}"
    );
    let (_, matrix) = organiser
        .get(&format!("/api/v1/events/{event}/matrix"))
        .await;
    assert!(
        matrix["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r[0] == "FHIR-R4:http#read"),
        "{matrix}"
    );

    // A new version of a suite makes the results stale.
    let suite_file = suites.join("xds-b/suite.yaml");
    let text = std::fs::read_to_string(&suite_file).unwrap();
    let bumped = text.replacen("version: \"1.0.0\"", "version: \"1.1.0\"", 1);
    assert_ne!(text, bumped, "the xds-b suite declares version 1.0.0");
    std::fs::write(&suite_file, bumped).unwrap();
    organiser
        .ok(&format!("/api/v1/events/{event}/suites"), json!({ "path": "xds-b", "applies_to": [{ "profile": "IHE XDS.b", "actor": "Document Repository" }] }))
        .await;
    let (_, board) = organiser
        .get(&format!("/api/v1/events/{event}/scoreboard"))
        .await;
    let columns = board["columns"].as_array().unwrap();
    let xds = columns
        .iter()
        .position(|c| c["profile"] == "IHE XDS.b")
        .unwrap();
    let row_a = board["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["system_id"] == system_a)
        .unwrap();
    assert_eq!(row_a["cells"][xds]["status"], "stale", "{row_a}");

    // Vendor A: submit for review; the authority verifies and downloads.
    let dossier = vendor_a
        .ok("/api/v1/dossiers", json!({ "system_id": system_a, "title": "Nordlys EHR 7.3.0 — interoperability", "runs": [run_a, upload_a] }))
        .await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = authority.get(&format!("/api/v1/dossiers/{dossier}")).await;
    assert_eq!(status, 404, "a draft is the vendor's own");
    vendor_a
        .ok(&format!("/api/v1/dossiers/{dossier}/submit"), json!({}))
        .await;
    let (_, listed) = authority.get("/api/v1/dossiers").await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == dossier)
    );
    let verified = authority
        .ok(&format!("/api/v1/dossiers/{dossier}/verify"), json!({}))
        .await;
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["bundles"].as_array().unwrap().len(), 2);
    authority
        .ok(
            &format!("/api/v1/dossiers/{dossier}/notes"),
            json!({ "text": "Simulated runs noted; ask for a run against the product." }),
        )
        .await;
    let (_, view) = authority.get(&format!("/api/v1/dossiers/{dossier}")).await;
    assert!(
        view["declaration_draft"]
            .as_str()
            .unwrap()
            .contains("THIS IS NOT A DECLARATION OF CONFORMITY"),
        "simulated runs never yield a declaration"
    );
    assert!(
        view["content"]["not_conformity_because"]
            .to_string()
            .contains("SIMULATED")
    );
    let (status, archive) = authority
        .get_bytes(&format!("/api/v1/dossiers/{dossier}/archive"))
        .await;
    assert_eq!(status, 200);
    verify_offline(&archive, dossier, work);

    EventIds {
        event,
        system_a,
        system_b,
        run_a,
        run_b,
        upload_a,
        dossier,
    }
}

/// Unpacks the dossier archive and runs `samsvar verify` on every bundle with the key the
/// README names.
fn verify_offline(archive: &[u8], dossier: i64, work: &Path) {
    let dest = work.join(format!("offline-{dossier}"));
    std::fs::create_dir_all(&dest).unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(archive))
        .unpack(&dest)
        .unwrap();
    let root = dest.join(format!("dossier-{dossier}"));
    let readme = std::fs::read_to_string(root.join("README.txt")).unwrap();
    let commands: Vec<&str> = readme
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("samsvar verify "))
        .collect();
    assert_eq!(commands.len(), 2, "{readme}");
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let out = samsvar().current_dir(&root).args(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "offline `{command}` failed: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("VERIFIED"), "{text}");
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(root.join("dossier.json")).unwrap()).unwrap();
    for file in manifest["files"].as_array().unwrap() {
        let bytes = std::fs::read(root.join(file["path"].as_str().unwrap())).unwrap();
        let digest = hex_sha256(&bytes);
        assert_eq!(file["sha256"], digest.as_str(), "{}", file["path"]);
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_event_on_sqlite() {
    let work = tempfile::tempdir().unwrap();
    let suites = work.path().join("suites");
    suites_copy(&suites);
    let db = format!("sqlite://{}", work.path().join("hub.db").display());
    let hub = HubProc::start(&db, &work.path().join("data"), &suites, &[]);
    let ids = drive_event(&hub.url, &db, work.path(), &suites).await;
    hub_support::boundaries::check_boundaries(&hub.url, &ids).await;
    hub_support::pages::check_pages(&hub.url, &ids).await;
    hub.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_event_on_postgresql_with_two_workers() {
    let Some(pg) = postgres::start("a_whole_event_on_postgresql_with_two_workers") else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let suites = work.path().join("suites");
    suites_copy(&suites);
    let hub = HubProc::start(&pg.url, &work.path().join("web"), &suites, &[]);
    let _w1 = WorkerProc::start(&pg.url, &work.path().join("worker1"), &[]);
    let _w2 = WorkerProc::start(&pg.url, &work.path().join("worker2"), &[]);
    let ids = drive_event(&hub.url, &pg.url, work.path(), &suites).await;
    hub_support::boundaries::check_boundaries(&hub.url, &ids).await;
    // Both workers registered their keys; the web process ran nothing itself.
    let organiser = Api::login(&hub.url, "olga@event.example.org").await;
    let (_, runs) = organiser
        .get(&format!("/api/v1/runs?event={}", ids.event))
        .await;
    let workers: std::collections::BTreeSet<String> = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["source"] == "hub")
        .map(|r| r["worker"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        !workers.contains(""),
        "every hub run was claimed by a worker: {workers:?}"
    );
    hub.stop();
}
