//! The switchable misbehaviours of the XDS.b simulator. Names are stable (docs/xds.md).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Defect {
    DropRequiredSlot,
    WrongHash,
    SoapFault,
    WrongStatus,
    AcceptUnknownPatient,
    PlainRetrieve,
    BillionLaughs,
    Xxe,
}

impl Defect {
    pub const ALL: &'static [Defect] = &[
        Defect::DropRequiredSlot,
        Defect::WrongHash,
        Defect::SoapFault,
        Defect::WrongStatus,
        Defect::AcceptUnknownPatient,
        Defect::PlainRetrieve,
        Defect::BillionLaughs,
        Defect::Xxe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Defect::DropRequiredSlot => "xds-drop-required-slot",
            Defect::WrongHash => "xds-wrong-hash",
            Defect::SoapFault => "xds-soap-fault",
            Defect::WrongStatus => "xds-wrong-status",
            Defect::AcceptUnknownPatient => "xds-accept-unknown-patient",
            Defect::PlainRetrieve => "xds-plain-retrieve",
            Defect::BillionLaughs => "xds-billion-laughs",
            Defect::Xxe => "xds-xxe",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Defect::DropRequiredSlot => {
                "stored query results omit the required creationTime slot of every DocumentEntry"
            }
            Defect::WrongHash => {
                "stored query results report a hash that is not the SHA-1 of the stored document"
            }
            Defect::SoapFault => {
                "ITI-43 Retrieve Document Set answers with a SOAP 1.2 Receiver fault"
            }
            Defect::WrongStatus => {
                "ITI-41 answers Success without errors even when it rejects the submission"
            }
            Defect::AcceptUnknownPatient => {
                "ITI-41 accepts and stores submissions for unknown patient ids"
            }
            Defect::PlainRetrieve => {
                "ITI-43 answers plain SOAP with base64 content instead of MTOM/XOP"
            }
            Defect::BillionLaughs => "every answer is a billion-laughs entity-expansion payload",
            Defect::Xxe => "every answer is an XXE payload referencing file:///etc/passwd",
        }
    }
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A defect name the XDS simulator does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to recognise XDS simulator defect `{name}`{}; valid defects: {}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default(), Defect::ALL.iter().map(|d| d.name()).collect::<Vec<_>>().join(", "))]
pub struct UnknownDefect {
    pub name: String,
    pub suggestion: Option<&'static str>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for d in Defect::ALL {
            assert_eq!(d.name().parse::<Defect>(), Ok(*d));
            assert!(d.name().starts_with("xds-"));
        }
        let err = "xds-wrong-hsh".parse::<Defect>().unwrap_err();
        assert_eq!(err.suggestion, Some("xds-wrong-hash"));
    }
}
