//! A real PostgreSQL server for a test: `initdb` into a temporary folder, `pg_ctl start` on
//! a free loopback port, one database, stopped when dropped. PostgreSQL refuses to run as
//! root, so as root the server runs as the `postgres` user (Debian's package creates it)
//! through `runuser`.
//!
//! Missing server binaries: with SAMSVAR_REQUIRE_POSTGRES=1 (CI) the test fails; otherwise
//! it says loudly that it did not run.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Postgres {
    _dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    pub url: String,
}

fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file() && p.join("pg_ctl").is_file())
        .collect();
    versions.sort();
    if let Some(newest) = versions.pop() {
        return Some(newest);
    }
    let out = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    path.parent()
        .map(Path::to_path_buf)
        .filter(|p| p.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Starts a server, or explains why not (`None`; panics when CI requires PostgreSQL).
pub fn start(test: &str) -> Option<Postgres> {
    let Some(bin) = bin_dir() else {
        let msg = "POSTGRESQL MISSING: install Debian's `postgresql` package";
        assert!(
            std::env::var("SAMSVAR_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "{msg}"
        );
        eprintln!("SKIPPED {test} — did NOT run against PostgreSQL: {msg}");
        return None;
    };
    let as_postgres = is_root();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    if as_postgres {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&data)
            .status()
            .unwrap();
        assert!(status.success(), "chown the data folder to postgres");
    }
    let mut pg = Postgres {
        _dir: dir,
        data: data.clone(),
        bin,
        as_postgres,
        url: String::new(),
    };
    pg.run(
        "initdb",
        &[
            "-D",
            data.to_str().unwrap(),
            "-U",
            "hub",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = format!(
        "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=100",
        data.display()
    );
    let log = data.join("server.log");
    pg.run(
        "pg_ctl",
        &[
            "-D",
            data.to_str().unwrap(),
            "-l",
            log.to_str().unwrap(),
            "-w",
            "-t",
            "60",
            "-o",
            &options,
            "start",
        ],
    );
    // From here on, dropping `pg` stops the server, even when createdb fails.
    pg.url = format!("postgres://hub@127.0.0.1:{port}/hub");
    pg.run(
        "createdb",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "hub",
            "hub",
        ],
    );
    Some(pg)
}

impl Postgres {
    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.url.is_empty() {
            return;
        }
        let exe = self.bin.join("pg_ctl");
        let data = self.data.display().to_string();
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        };
    }
}
