//! Test support for the hub: the real `samsvar hub` processes, a real PostgreSQL cluster
//! started for the test, and small HTTP helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod boundaries;
pub mod pages;
pub mod postgres;

/// Everything an event's participants created, for the checks after the flow.
pub struct EventIds {
    pub event: i64,
    pub system_a: i64,
    pub system_b: i64,
    pub run_a: i64,
    pub run_b: i64,
    pub upload_a: i64,
    pub dossier: i64,
}

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "correct-horse-battery";

pub fn samsvar() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_samsvar"));
    cmd.env("NO_COLOR", "1")
        .env_remove("SAMSVAR_HUB_DB")
        .env_remove("SAMSVAR_HUB_TOKEN");
    cmd
}

pub fn repo_testsuites() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testsuites")
}

/// A running `samsvar hub serve`.
pub struct HubProc {
    child: Child,
    pub url: String,
}

impl HubProc {
    pub fn start(db: &str, data: &Path, suites: &Path, extra: &[&str]) -> HubProc {
        let mut child = samsvar()
            .args(["hub", "serve", "--addr", "127.0.0.1:0", "--db", db])
            .arg("--data")
            .arg(data)
            .arg("--suites")
            .arg(suites)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start samsvar hub serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("hub printed its address");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("address in the first line")
            .to_string();
        HubProc { child, url }
    }

    /// SIGTERM and wait: a clean stop.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-s", "TERM", "--"])
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

impl Drop for HubProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `samsvar hub worker` in its own process group (so a test can kill it with
/// its `samsvar run` child, as a machine failure would).
pub struct WorkerProc {
    pub child: Child,
}

impl WorkerProc {
    pub fn start(db: &str, data: &Path, extra: &[&str]) -> WorkerProc {
        use std::os::unix::process::CommandExt;
        let child = samsvar()
            .args(["hub", "worker", "--db", db])
            .arg("--data")
            .arg(data)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .expect("start samsvar hub worker");
        WorkerProc { child }
    }

    /// SIGKILL to the whole process group: the worker and its run die at once.
    pub fn kill_group(&mut self) {
        // `-s KILL --` so the negative group id is never parsed as an option.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--"])
            .arg(format!("-{}", self.child.id()))
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for WorkerProc {
    fn drop(&mut self) {
        self.kill_group();
    }
}

/// Creates the first organiser from the shell, as the guide says.
pub fn add_user(db: &str, email: &str, role: &str) {
    let out = samsvar()
        .args([
            "hub",
            "user",
            "add",
            "--db",
            db,
            "--email",
            email,
            "--name",
            "Olga Organiser",
            "--role",
            role,
        ])
        .env("SAMSVAR_HUB_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hub user add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An API client with a bearer token.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn login(base: &str, email: &str) -> Api {
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/api/v1/tokens"))
            .json(&json!({ "email": email, "password": PASSWORD, "name": "test" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "token for {email}");
        let body: Value = res.json().await.unwrap();
        Api {
            base: base.to_string(),
            token: body["token"].as_str().unwrap().to_string(),
            http,
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.bytes().await.unwrap().to_vec())
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// POST that must succeed; returns the body.
    pub async fn ok(&self, path: &str, body: Value) -> Value {
        let (status, value) = self.post(path, body).await;
        assert!(
            (200..300).contains(&status),
            "POST {path}: {status} {value}"
        );
        value
    }

    /// Waits until every run is finished.
    pub async fn wait_finished(&self, ids: &[i64], within: Duration) -> Vec<Value> {
        let deadline = Instant::now() + within;
        loop {
            let mut runs = Vec::new();
            for id in ids {
                let (status, v) = self.get(&format!("/api/v1/runs/{id}")).await;
                assert_eq!(status, 200, "run {id}: {v}");
                runs.push(v);
            }
            let done = runs.iter().all(|r| {
                matches!(
                    r["run"]["state"].as_str(),
                    Some("passed" | "failed" | "error" | "interrupted")
                )
            });
            if done {
                return runs;
            }
            assert!(Instant::now() < deadline, "runs did not finish: {runs:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

/// A browser-like client: session cookie, CSRF tokens scraped from forms.
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookie: String,
    pub csrf: String,
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF field") + marker.len();
    html[start..start + 64].to_string()
}

fn cookie_named(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

impl Browser {
    pub async fn login(base: &str, email: &str) -> Browser {
        let http = no_redirects();
        let form = http.get(format!("{base}/login")).send().await.unwrap();
        let login_cookie = cookie_named(&form, "samsvar_hub_login").expect("login CSRF cookie");
        let html = form.text().await.unwrap();
        let res = http
            .post(format!("{base}/login"))
            .header("cookie", &login_cookie)
            .form(&[
                ("csrf", csrf_in(&html).as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "sign-in redirects");
        let set = cookie_named(&res, "samsvar_hub_session").expect("session cookie");
        let raw = res
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            raw.contains("HttpOnly") && raw.contains("SameSite=Strict"),
            "cookie flags: {raw}"
        );
        let mut browser = Browser {
            base: base.to_string(),
            http,
            cookie: set,
            csrf: String::new(),
        };
        let page = browser.page("/events").await.1;
        browser.csrf = csrf_in(&page);
        browser
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Posts a form (the CSRF field is added unless `with_csrf` is false).
    pub async fn submit(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        with_csrf: bool,
    ) -> (u16, String) {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if with_csrf {
            all.push(("csrf", self.csrf.as_str()));
        }
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(&all)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = res.text().await.unwrap();
        (status, if status == 303 { location } else { body })
    }
}
