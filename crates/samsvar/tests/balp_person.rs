//! EHDS Art. 9, the person's own access log: `samsvar serve --require-auth` with a
//! professional client and a patient-context client (`--patient-client`), the balp suite
//! run against it with `samsvar.toml` binding `fhir` and `audit` to the professional's
//! login and `person` to the patient's. The Art. 9 test passes against the simulator and
//! fails when the simulator's AuditEvent search forgets the patient compartment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SECRET: &str = "planted-art9-secret-0815";
/// A patient of the seeded test population (fixtures/population/Patient-ola-hansen.json).
const PERSON: &str = "ola-hansen";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A `samsvar serve` child, killed when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(defects: &[&str]) -> Serve {
    let mut args = vec![
        "serve",
        "--sim",
        "fhir",
        "--addr",
        "127.0.0.1:0",
        "--require-auth",
        "--client-id",
        "vendor-ci",
        "--client-secret-env",
        "ART9_SIM_SECRET",
    ];
    let patient_client = format!("person-app={PERSON}");
    args.extend(["--patient-client", &patient_client]);
    for d in defects {
        args.extend(["--defect", d]);
    }
    let (child, rx) = common::spawn_reading_stderr(
        Command::new(env!("CARGO_BIN_EXE_samsvar"))
            .args(&args)
            .env("ART9_SIM_SECRET", SECRET)
            .stdout(Stdio::null()),
    );
    let mut seen = Vec::new();
    let base = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("serve printed no address: {seen:?}"));
        if let Some(base) = line.strip_prefix("samsvar-sim fhir listening on ") {
            break base.trim().to_string();
        }
        seen.push(line);
    };
    assert!(
        seen.iter()
            .any(|l| l.contains("patient client `person-app` acts for Patient/ola-hansen")),
        "{seen:?}"
    );
    Serve { child, base }
}

/// Both logins on the same FHIR base: samsvar gives a request the credentials of the target
/// its URL names (`{{person}}/…` goes with the person's login), not the first target on
/// the origin.
fn config(base: &str) -> String {
    let auth = |client: &str, scope: &str| {
        let origin = base.trim_end_matches("/fhir");
        format!(
            "type = \"client_credentials\"\nclient_id = \"{client}\"\nclient_secret = {{ env = \"ART9_CLIENT_SECRET\" }}\ntoken_url = \"{origin}/auth/token\"\nscope = \"{scope}\"\n"
        )
    };
    let professional = auth("vendor-ci", "system/*.cruds");
    let person = auth("person-app", "patient/*.rs");
    format!(
        "[targets.fhir]\nurl = \"{base}\"\n\n[targets.fhir.auth]\n{professional}\n\
         [targets.audit]\nurl = \"{base}\"\n\n[targets.audit.auth]\n{professional}\n\
         [targets.person]\nurl = \"{base}\"\n\n[targets.person.auth]\n{person}"
    )
}

struct Outcome {
    code: i32,
    all: String,
    tests: BTreeMap<String, (String, String)>,
}

fn run_balp(dir: &Path, base: &str, person_patient: &str) -> Outcome {
    std::fs::write(dir.join("samsvar.toml"), config(base)).unwrap();
    let root = root();
    let suite = root.join("testsuites/balp");
    let package = root.join("fixtures/packages/ihe.iti.balp-1.1.4.tgz");
    let out = Command::new(env!("CARGO_BIN_EXE_samsvar"))
        .current_dir(dir)
        .args([
            "run",
            suite.to_str().unwrap(),
            "--config",
            "samsvar.toml",
            "--package",
            package.to_str().unwrap(),
            "-i",
            "client_identity=vendor-ci",
            "-i",
            &format!("person_patient={person_patient}"),
            "-i",
            "oauth_client_id=vendor-ci",
            "--out",
            "out",
        ])
        .env("ART9_CLIENT_SECRET", SECRET)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let run_dir = std::fs::read_dir(dir.join("out"))
        .unwrap_or_else(|e| panic!("no run folder ({e}):\n{all}"))
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("no run folder:\n{all}"));
    let record: Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("run.json")).unwrap()).unwrap();
    let tests = common::test_outcomes(&record);
    for (path, bytes) in common::every_file_under(&dir.join("out")) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SECRET),
            "the client secret leaked into {}",
            path.display()
        );
    }
    Outcome {
        code: out.status.code().unwrap_or(-1),
        all,
        tests,
    }
}

#[test]
fn the_person_sees_the_professionals_access_and_only_their_own_events() {
    let sim = serve(&[]);
    let dir = tempfile::tempdir().unwrap();
    let run = run_balp(dir.path(), &sim.base, PERSON);
    let not_passed: Vec<_> = run.tests.iter().filter(|(_, (o, _))| o != "pass").collect();
    assert!(
        not_passed.is_empty() && run.code == 0,
        "{not_passed:?}\n{}",
        run.all
    );
    for id in ["person-context", "person-sees-own-access-log"] {
        assert_eq!(run.tests[id].0, "pass", "{id}\n{}", run.all);
    }
    // The checks that ran cite Art. 9 and Art. 9(2).
    let detail = &run.tests["person-sees-own-access-log"].1;
    assert!(
        detail.contains("EHDS:Art9") && detail.contains("EHDS:Art9:2"),
        "{detail}"
    );
}

#[test]
fn a_log_that_shows_the_person_other_patients_events_fails_the_art9_test() {
    let sim = serve(&["audit-log-not-patient-scoped"]);
    let dir = tempfile::tempdir().unwrap();
    let run = run_balp(dir.path(), &sim.base, PERSON);
    let (outcome, detail) = &run.tests["person-sees-own-access-log"];
    assert_eq!(outcome, "fail", "{}", run.all);
    assert!(
        detail.contains(".all(matches('(^|/)Patient/' + %person_id"),
        "fails on the other patients' events: {detail}"
    );
    // The read itself is still found: only the scoping is wrong.
    let record: Value = serde_json::from_str(detail).unwrap();
    let steps: Vec<&str> = record["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(steps, ["pass", "pass", "fail"], "{detail}");
    // Nothing else fails for it: the defect touches the person's log only.
    for (id, (o, _)) in &run.tests {
        if id != "person-sees-own-access-log" {
            assert!(o != "fail" && o != "error", "{id} ended {o}\n{}", run.all);
        }
    }
    // The group is optional: the run still passes.
    assert_eq!(run.code, 0, "{}", run.all);
}

#[test]
fn without_a_person_patient_the_art9_test_is_skipped_naming_why() {
    let sim = serve(&[]);
    let dir = tempfile::tempdir().unwrap();
    let run = run_balp(dir.path(), &sim.base, "");
    let (outcome, detail) = &run.tests["person-sees-own-access-log"];
    assert_eq!(outcome, "skip", "{}", run.all);
    assert!(
        detail.contains("capture `person_id` of test `person-context`"),
        "{detail}"
    );
    assert_eq!(run.tests["person-context"].0, "fail", "{}", run.all);
    // Both optional in their own right: the EHDS roll-up and the declaration ignore them.
    for id in ["person-context", "person-sees-own-access-log"] {
        assert!(run.tests[id].1.contains("\"optional\":true"), "{id}");
    }
    assert_eq!(run.code, 0, "optional: the run passes\n{}", run.all);
}
