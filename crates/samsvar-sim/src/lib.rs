//! Reference SUT simulators (FHIR R4 server, XDS.b registry/repository) with switchable
//! defects, so that passing and failing runs can be shown and tested over real sockets.
//!
//! All simulators started together share one loopback listener and are told apart by path:
//! the FHIR server lives under [`fhir::MOUNT`] (`http://HOST:PORT/fhir`). Use
//! [`fhir::FhirSim::builder`] for one simulator with typed defects, or [`start`] with a
//! [`Selection`] and defect names (what `samsvar serve` and `--target sim` do).

pub mod arr;
pub mod auth;
mod dicom_codes;
pub mod fhir;
pub mod recording;
mod server;
mod wire;
pub mod xds;

pub use server::{Endpoint, ResetConnection, SimError, SimHandle, serve, serve_tls};

use std::fmt;
use std::str::FromStr;

/// Which simulators to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    Fhir,
    Xds,
    All,
}

impl Selection {
    pub const NAMES: &'static [&'static str] = &["fhir", "xds", "all"];
}

impl FromStr for Selection {
    type Err = SimError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fhir" => Ok(Selection::Fhir),
            "xds" => Ok(Selection::Xds),
            "all" => Ok(Selection::All),
            other => {
                let hint =
                    samsvar_diagnostics::did_you_mean(other, Selection::NAMES.iter().copied())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                Err(SimError::Selection(format!(
                    "unknown simulator `{other}`{hint}; choose one of: fhir, xds, all"
                )))
            }
        }
    }
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Selection::Fhir => "fhir",
            Selection::Xds => "xds",
            Selection::All => "all",
        })
    }
}

/// One documented defect of one simulator (for help texts and docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefectInfo {
    pub simulator: &'static str,
    pub name: &'static str,
    pub description: &'static str,
}

/// Every defect of every simulator, in documentation order.
pub fn defect_catalogue() -> Vec<DefectInfo> {
    fhir::Defect::ALL
        .iter()
        .map(|d| DefectInfo {
            simulator: "fhir",
            name: d.name(),
            description: d.description(),
        })
        .chain(xds::Defect::ALL.iter().map(|d| DefectInfo {
            simulator: "xds",
            name: d.name(),
            description: d.description(),
        }))
        .collect()
}

/// A help paragraph listing every defect, one per line (used by `samsvar serve --help`).
pub fn defects_help() -> String {
    let catalogue = defect_catalogue();
    let width = catalogue.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let mut text = String::from("Switch on a documented misbehaviour (repeatable). Defects:\n");
    for d in catalogue {
        text.push_str(&format!(
            "  {:width$}  [{}] {}\n",
            d.name, d.simulator, d.description
        ));
    }
    text
}

/// Settings for [`start_with`] / [`routes_with`] beyond selection and defects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartOptions {
    /// An audit record repository: every AuditEvent the FHIR simulator records is also sent
    /// there (see [`fhir::FhirSimBuilder::audit_push_to`]).
    pub audit_push: Option<fhir::AuditPush>,
}

/// Start the selected simulators on one listener at `addr` with the named defects.
/// A defect name must belong to one of the selected simulators.
pub async fn start(
    selection: Selection,
    addr: &str,
    defect_names: &[impl AsRef<str>],
) -> Result<SimHandle, SimError> {
    start_with(selection, addr, defect_names, &StartOptions::default()).await
}

/// [`start`] with [`StartOptions`].
pub async fn start_with(
    selection: Selection,
    addr: &str,
    defect_names: &[impl AsRef<str>],
    options: &StartOptions,
) -> Result<SimHandle, SimError> {
    let (router, mounts) = routes_with(selection, defect_names, options)?;
    server::serve(addr, router, &mounts).await
}

/// Where each simulator is mounted: (target name, path prefix).
pub type Mounts = Vec<(&'static str, &'static str)>;

/// The routes of the selected simulators with the named defects, not yet served (so that
/// `samsvar serve --require-auth` can put an authorization server in front of them).
pub fn routes(
    selection: Selection,
    defect_names: &[impl AsRef<str>],
) -> Result<(axum::Router, Mounts), SimError> {
    routes_with(selection, defect_names, &StartOptions::default())
}

/// [`routes`] with [`StartOptions`].
pub fn routes_with(
    selection: Selection,
    defect_names: &[impl AsRef<str>],
    options: &StartOptions,
) -> Result<(axum::Router, Mounts), SimError> {
    // Each simulator contributes its routes (under its own path) and endpoints; the XDS
    // simulator slots in here the same way, on the same listener.
    let mut fhir_defects = Vec::new();
    let mut xds_defects = Vec::new();
    for name in defect_names {
        // XDS defect names all start with `xds-`.
        if name
            .as_ref()
            .trim()
            .to_ascii_lowercase()
            .starts_with("xds-")
        {
            let defect = name
                .as_ref()
                .parse::<xds::Defect>()
                .map_err(|e| SimError::Defect(e.to_string()))?;
            xds_defects.push(defect);
            continue;
        }
        let defect = name
            .as_ref()
            .parse::<fhir::Defect>()
            .map_err(|e| SimError::Defect(e.to_string()))?;
        fhir_defects.push(defect);
    }
    let mut router = axum::Router::new();
    let mut mounts = Vec::new();
    if matches!(selection, Selection::Fhir | Selection::All) {
        let mut fhir = fhir::FhirSim::builder()
            .defects(&fhir_defects)
            .seed_fixtures(true);
        if let Some(push) = &options.audit_push {
            fhir = fhir.audit_push_to(push.clone());
        }
        router = router.merge(fhir.router());
        mounts.push((fhir::TARGET, fhir::MOUNT));
    }
    if matches!(selection, Selection::Xds | Selection::All) {
        router = router.merge(xds::XdsSim::builder().defects(&xds_defects).router());
        mounts.extend(xds::MOUNTS);
    }
    Ok((router, mounts))
}
