//! `samsvar serve --record DIR`: every exchange a client has with the simulators, kept as
//! evidence. One bundle per client, `DIR/<client>/<run-id>/`, in the format `samsvar run`
//! writes (a record without suites whose `received` holds the exchanges with their
//! findings), journaled as the exchanges happen and written when serve stops.
//!
//! Which client an exchange belongs to is decided by `samsvar_sim::recording` (token client
//! id, then `/clients/NAME/` path prefix, then peer IP address).

use samsvar_evidence::journal::{Journal, JournalHeader, now_rfc3339};
use samsvar_evidence::model::SutIdentity;
use samsvar_evidence::{BundleOptions, Signer};
use samsvar_record::{Event, Fold, Redactor, TargetRecord, ToolInfo};
use samsvar_sim::Endpoint;
use samsvar_sim::recording::{ClientBy, Recorded};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The open sessions of one `serve --record`, one per client.
pub struct Sessions {
    dir: PathBuf,
    redactor: Redactor,
    signer: Option<Signer>,
    endpoints: Vec<Endpoint>,
    clients: BTreeMap<String, Session>,
    /// Clients whose journal could not be opened (said once, then their exchanges are
    /// only logged).
    failed: BTreeMap<String, String>,
}

struct Session {
    journal: Journal,
    fold: Fold,
    started: Instant,
    exchanges: usize,
    with_findings: usize,
}

impl Sessions {
    pub fn new(
        dir: &Path,
        redactor: Redactor,
        signer: Option<Signer>,
        endpoints: &[Endpoint],
    ) -> Self {
        Sessions {
            dir: dir.to_path_buf(),
            redactor,
            signer,
            endpoints: endpoints.to_vec(),
            clients: BTreeMap::new(),
            failed: BTreeMap::new(),
        }
    }

    /// Journals one exchange in its client's session (opened at the client's first
    /// exchange) and returns the terminal line for it.
    pub fn on_exchange(&mut self, recorded: Recorded) -> Vec<String> {
        let mut lines = Vec::new();
        let Recorded {
            client,
            by,
            message,
        } = recorded;
        let exchange = &message.exchange;
        let rules: Vec<&str> = message.findings.iter().map(|f| f.rule.as_ref()).collect();
        let mut line = format!(
            "exchange: {} {} {} findings={} client={client}",
            exchange.request.method.as_deref().unwrap_or("-"),
            exchange.request.url.as_deref().unwrap_or("-"),
            exchange
                .status
                .map_or_else(|| "-".to_string(), |s| s.to_string()),
            message.findings.len(),
        );
        if !rules.is_empty() {
            let mut unique: Vec<&str> = Vec::new();
            for rule in rules {
                if !unique.contains(&rule) {
                    unique.push(rule);
                }
            }
            line.push_str(&format!(" [{}]", unique.join(", ")));
        }
        if self.failed.contains_key(&client) {
            lines.push(line);
            return lines;
        }
        if !self.clients.contains_key(&client) {
            match self.open(&client, by) {
                Ok((session, dir)) => {
                    lines.push(format!(
                        "samsvar-sim recording client `{client}` (told by its {}) into {}",
                        by.as_str(),
                        dir.display()
                    ));
                    self.clients.insert(client.clone(), session);
                }
                Err(e) => {
                    lines.push(format!(
                        "error: client `{client}`: failed to start its journal: {e}; its exchanges are not recorded"
                    ));
                    self.failed.insert(client.clone(), e);
                    lines.push(line);
                    return lines;
                }
            }
        }
        if let Some(session) = self.clients.get_mut(&client) {
            session.exchanges += 1;
            if !message.findings.is_empty() {
                session.with_findings += 1;
            }
            let mut message = message;
            // The layer recorded through this redactor; a secret learnt since (a token
            // issued meanwhile) is scrubbed now, as the runner does with its inbox.
            self.redactor.redact_received(&mut message);
            let event = Event::MessageReceived {
                message: Box::new(message),
            };
            session.journal.on_event(&event);
            session.fold.apply(event);
        }
        lines.push(line);
        lines
    }

    fn open(&self, client: &str, by: ClientBy) -> Result<(Session, PathBuf), String> {
        let run_id = samsvar_runner::new_run_id();
        let dir = self.dir.join(folder_name(client)).join(&run_id);
        let tool = ToolInfo {
            name: "samsvar".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        };
        let header = JournalHeader {
            tool: Some(tool.clone()),
            sut: Some(sut(client)),
            packages: Vec::new(),
        };
        let mut journal =
            Journal::create(&dir, header, &self.redactor).map_err(|e| e.to_string())?;
        let prefix = match by {
            ClientBy::Path => format!("{}{client}", samsvar_sim::recording::CLIENTS_PREFIX),
            ClientBy::Token | ClientBy::Peer => String::new(),
        };
        let targets = self
            .endpoints
            .iter()
            .map(|e| TargetRecord {
                name: e.target.to_string(),
                url: with_prefix(&e.base_url, &prefix),
                simulated: true,
            })
            .collect();
        let started = Event::RunStarted {
            run_id,
            started_at: now_rfc3339(),
            tool,
            targets,
            plan: Vec::new(),
            selection: None,
        };
        journal.on_event(&started);
        let mut fold = Fold::new();
        fold.apply(started);
        Ok((
            Session {
                journal,
                fold,
                started: Instant::now(),
                exchanges: 0,
                with_findings: 0,
            },
            dir,
        ))
    }

    /// Ends every session and writes its bundle; returns the lines to print and whether
    /// every bundle was written.
    pub fn finish(self) -> (Vec<String>, bool) {
        let mut lines = Vec::new();
        let mut ok = self.failed.is_empty();
        if self.clients.is_empty() {
            lines.push("samsvar-sim recorded no exchange: no evidence written".to_string());
        }
        for (client, session) in self.clients {
            let Session {
                mut journal,
                mut fold,
                started,
                exchanges,
                with_findings,
            } = session;
            let finished = Event::RunFinished {
                finished_at: now_rfc3339(),
                duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            };
            journal.on_event(&finished);
            fold.apply(finished);
            let record = fold.into_record();
            let options = BundleOptions {
                sut: Some(sut(&client)),
                packages: Vec::new(),
                declaration: None,
                redactor: self.redactor.clone(),
                signer: self.signer.clone(),
                html: true,
                testreports: false,
            };
            match journal.finish(&record, &options) {
                Ok(summary) => lines.push(format!(
                    "evidence: client `{client}`: {} ({exchanges} exchanges, {with_findings} with findings; {} files, {})",
                    summary.dir.join("evidence.json").display(),
                    summary.files,
                    match &summary.kid {
                        Some(kid) => format!("signed, kid {kid}"),
                        None => "unsigned; sign with --sign-key".to_string(),
                    }
                )),
                Err(e) => {
                    ok = false;
                    lines.push(format!(
                        "error: client `{client}`: failed to write its evidence: {e}"
                    ));
                }
            }
        }
        (lines, ok)
    }
}

/// The system under test of a session: the client, by the name serve knows it by.
fn sut(client: &str) -> SutIdentity {
    SutIdentity {
        reference: Some(format!("client {client} of samsvar serve --record")),
        ..SutIdentity::default()
    }
}

/// A folder name for a client (an IPv6 address has `:`; a token client id may hold
/// anything the operator registered).
fn folder_name(client: &str) -> String {
    let name: String = client
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with('.') {
        format!("_{name}")
    } else {
        name
    }
}

/// `http://HOST:PORT/fhir` with `/clients/NAME` after the origin.
fn with_prefix(base: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        return base.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    match base[scheme_end..].find('/') {
        Some(i) => format!(
            "{}{prefix}{}",
            &base[..scheme_end + i],
            &base[scheme_end + i..]
        ),
        None => format!("{base}{prefix}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_prefixes() {
        assert_eq!(folder_name("vendor-a"), "vendor-a");
        assert_eq!(folder_name("::1"), "__1");
        assert_eq!(folder_name(".."), "_..");
        assert_eq!(
            with_prefix("http://127.0.0.1:8080/fhir", "/clients/a"),
            "http://127.0.0.1:8080/clients/a/fhir"
        );
        assert_eq!(with_prefix("http://h/fhir", ""), "http://h/fhir");
    }
}
