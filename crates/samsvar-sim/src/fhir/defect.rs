//! The switchable misbehaviours of the FHIR simulator.
//!
//! Names are stable: suites, CI scripts and docs/simulator.md refer to them.

use std::fmt;
use std::str::FromStr;

/// One documented way the FHIR simulator can misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    WrongContentType,
    JsonContentType,
    MissingLocation,
    NoEtag,
    Create200,
    Search500,
    SearchNoTotal,
    SearchIgnoresParams,
    Read404WithoutOutcome,
    IgnoreUpdate,
    NoVersionBump,
    DeleteNoop,
    WrongFhirVersion,
    Slow,
    HugeBody,
    InvalidJson,
    Reset,
    RedirectOffsite,
    SummaryMissingSection,
    TransactionReordered,
    ExactIgnored,
    DocumentAltered,
    AuditNone,
    AuditAgentRolesSwapped,
    AuditNoPatient,
    AuditDelayed,
    AuditSearchIgnoresParams,
    AuditLogNotPatientScoped,
    AuditMhdPlainBalp,
}

impl Defect {
    /// Every defect, in documentation order.
    pub const ALL: &'static [Defect] = &[
        Defect::WrongContentType,
        Defect::JsonContentType,
        Defect::MissingLocation,
        Defect::NoEtag,
        Defect::Create200,
        Defect::Search500,
        Defect::SearchNoTotal,
        Defect::SearchIgnoresParams,
        Defect::Read404WithoutOutcome,
        Defect::IgnoreUpdate,
        Defect::NoVersionBump,
        Defect::DeleteNoop,
        Defect::WrongFhirVersion,
        Defect::Slow,
        Defect::HugeBody,
        Defect::InvalidJson,
        Defect::Reset,
        Defect::RedirectOffsite,
        Defect::SummaryMissingSection,
        Defect::TransactionReordered,
        Defect::ExactIgnored,
        Defect::DocumentAltered,
        Defect::AuditNone,
        Defect::AuditAgentRolesSwapped,
        Defect::AuditNoPatient,
        Defect::AuditDelayed,
        Defect::AuditSearchIgnoresParams,
        Defect::AuditLogNotPatientScoped,
        Defect::AuditMhdPlainBalp,
    ];

    /// The stable kebab-case name used on the command line and in suites.
    pub fn name(self) -> &'static str {
        match self {
            Defect::WrongContentType => "wrong-content-type",
            Defect::JsonContentType => "json-content-type",
            Defect::MissingLocation => "missing-location",
            Defect::NoEtag => "no-etag",
            Defect::Create200 => "create-200",
            Defect::Search500 => "search-500",
            Defect::SearchNoTotal => "search-no-total",
            Defect::SearchIgnoresParams => "search-ignores-params",
            Defect::Read404WithoutOutcome => "read-404-without-outcome",
            Defect::IgnoreUpdate => "ignore-update",
            Defect::NoVersionBump => "no-version-bump",
            Defect::DeleteNoop => "delete-noop",
            Defect::WrongFhirVersion => "wrong-fhir-version",
            Defect::Slow => "slow",
            Defect::HugeBody => "huge-body",
            Defect::InvalidJson => "invalid-json",
            Defect::Reset => "reset",
            Defect::RedirectOffsite => "redirect-offsite",
            Defect::SummaryMissingSection => "summary-missing-section",
            Defect::TransactionReordered => "transaction-reordered",
            Defect::ExactIgnored => "exact-ignored",
            Defect::DocumentAltered => "document-altered",
            Defect::AuditNone => "audit-none",
            Defect::AuditAgentRolesSwapped => "audit-agent-roles-swapped",
            Defect::AuditNoPatient => "audit-no-patient",
            Defect::AuditDelayed => "audit-delayed",
            Defect::AuditSearchIgnoresParams => "audit-search-ignores-params",
            Defect::AuditLogNotPatientScoped => "audit-log-not-patient-scoped",
            Defect::AuditMhdPlainBalp => "audit-mhd-plain-balp",
        }
    }

    /// One line saying what the simulator does wrong.
    pub fn description(self) -> &'static str {
        match self {
            Defect::WrongContentType => {
                "answers with Content-Type text/plain instead of application/fhir+json"
            }
            Defect::JsonContentType => {
                "answers with Content-Type application/json instead of application/fhir+json"
            }
            Defect::MissingLocation => {
                "create (POST, and PUT that creates) omits the Location header"
            }
            Defect::NoEtag => "omits the ETag header on read, create and update",
            Defect::Create200 => "create answers 200 OK instead of 201 Created",
            Defect::Search500 => "every search answers 500 with an exception OperationOutcome",
            Defect::SearchNoTotal => "searchset Bundles carry no `total`",
            Defect::SearchIgnoresParams => {
                "search ignores every parameter and returns all resources of the type"
            }
            Defect::Read404WithoutOutcome => {
                "404 responses have an empty body instead of an OperationOutcome"
            }
            Defect::IgnoreUpdate => "update (PUT) answers 200 with the resource but stores nothing",
            Defect::NoVersionBump => {
                "update stores the change but keeps the old versionId and ETag"
            }
            Defect::DeleteNoop => "delete answers 204 but the resource stays readable",
            Defect::WrongFhirVersion => "the CapabilityStatement declares fhirVersion 3.0.2",
            Defect::Slow => {
                "every request waits 60 s before the status line (twice the default 30 s timeout), then trickles its body one byte per 100 ms"
            }
            Defect::HugeBody => {
                "every answer with a body streams a 200 MiB resource (chunked, no Content-Length)"
            }
            Defect::InvalidJson => "every answer with a body is cut off halfway (truncated JSON)",
            Defect::Reset => "every request gets its connection closed without any response",
            Defect::RedirectOffsite => {
                "every request is redirected (302) to another origin, http://offsite.invalid"
            }
            Defect::SummaryMissingSection => {
                "Patient/$summary leaves out the required allergies section (LOINC 48765-2)"
            }
            Defect::TransactionReordered => {
                "transaction-response entries come in reverse order of the request entries"
            }
            Defect::ExactIgnored => {
                "string search treats `:exact` as the default starts-with match"
            }
            Defect::DocumentAltered => {
                "a document retrieved from its Binary URL is re-encoded (compact JSON), so its bytes no longer match the size and hash it was provided with"
            }
            Defect::AuditNone => {
                "records no AuditEvent for any access; AuditEvent search answers an empty Bundle"
            }
            Defect::AuditAgentRolesSwapped => {
                "AuditEvents carry the client's and the server's agent type codes exchanged (Read: client DCM 110153, server 110152)"
            }
            Defect::AuditNoPatient => {
                "AuditEvents leave out the patient entity (and so are Read/Query/… instead of PatientRead/PatientQuery/…)"
            }
            Defect::AuditDelayed => {
                "AuditEvents are recorded (and pushed) only 60 s after the access, longer than a suite waits"
            }
            Defect::AuditSearchIgnoresParams => {
                "AuditEvent search ignores every parameter and returns all recorded AuditEvents, while its self link lists them as applied"
            }
            Defect::AuditLogNotPatientScoped => {
                "an AuditEvent search with a patient-context token (the person's own access log, EHDS Art. 9) returns other patients' events too: the patient compartment is not applied to AuditEvent"
            }
            Defect::AuditMhdPlainBalp => {
                "MHD transactions are audited with the plain BALP pattern only: ITI-67 and ITI-68 without their ITI event-type subtype, ITI-65 as one BALP Create per entry instead of the Import event"
            }
        }
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defect name that the FHIR simulator does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to recognise FHIR simulator defect `{name}`{}; valid defects: {}", suggestion_text(.suggestion), valid_names())]
pub struct UnknownDefect {
    pub name: String,
    pub suggestion: Option<&'static str>,
}

fn suggestion_text(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

fn valid_names() -> String {
    Defect::ALL
        .iter()
        .map(|d| d.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Defect {
    type Err = UnknownDefect;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Defect::ALL
            .iter()
            .copied()
            .find(|d| d.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownDefect {
                name: wanted.to_string(),
                suggestion: samsvar_diagnostics::did_you_mean(
                    wanted,
                    Defect::ALL.iter().map(|d| d.name()),
                ),
            })
    }
}

/// A set of defects, cheap to copy and test on every request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefectSet(u32);

impl DefectSet {
    pub fn new(defects: &[Defect]) -> Self {
        let mut set = Self::default();
        for d in defects {
            set.0 |= Self::bit(*d);
        }
        set
    }

    fn bit(d: Defect) -> u32 {
        1 << (d as u32)
    }

    pub fn has(self, d: Defect) -> bool {
        self.0 & Self::bit(d) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The active defects in documentation order.
    pub fn to_vec(self) -> Vec<Defect> {
        Defect::ALL
            .iter()
            .copied()
            .filter(|d| self.has(*d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for d in Defect::ALL {
            assert_eq!(d.name().parse::<Defect>(), Ok(*d));
            assert!(seen.insert(d.name()), "duplicate name {}", d.name());
            assert!(!d.description().is_empty());
        }
        assert!(Defect::ALL.len() < 32, "DefectSet is a u32 bitmask");
    }

    #[test]
    fn unknown_name_suggests_the_closest() {
        let err = "serch-500".parse::<Defect>().unwrap_err();
        assert_eq!(err.suggestion, Some("search-500"));
        let msg = err.to_string();
        assert!(msg.contains("did you mean `search-500`?"), "{msg}");
        assert!(msg.contains("redirect-offsite"), "{msg}");
        let err = "zzzzzzzzzzzz".parse::<Defect>().unwrap_err();
        assert_eq!(err.suggestion, None);
    }

    #[test]
    fn set_membership() {
        let set = DefectSet::new(&[Defect::Slow, Defect::Reset]);
        assert!(set.has(Defect::Slow) && set.has(Defect::Reset));
        assert!(!set.has(Defect::NoEtag));
        assert_eq!(set.to_vec(), vec![Defect::Slow, Defect::Reset]);
    }
}
