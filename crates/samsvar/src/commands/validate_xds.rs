//! `samsvar validate file.xml`: XDS.b metadata validation of ITI-41 submissions (a SOAP
//! envelope, a ProvideAndRegisterDocumentSetRequest, a SubmitObjectsRequest or a bare
//! RegistryObjectList). Rule ids: docs/xds.md.

use crate::exit::Exit;
use std::path::{Path, PathBuf};

/// `true` when every input is an `.xml` file (those go to the XDS validator).
pub fn all_xml(inputs: &[PathBuf]) -> bool {
    !inputs.is_empty()
        && inputs
            .iter()
            .all(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")))
}

/// Validate each file; exit 1 when any has an error finding, 2 when a file cannot be read.
pub fn run(inputs: &[PathBuf], json: bool) -> anyhow::Result<Exit> {
    let mut any_error = false;
    let mut reports = Vec::new();
    for path in inputs {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: failed to read {}: {e}", path.display());
                return Ok(Exit::Usage);
            }
        };
        let findings = samsvar_xds::validate_submission(&bytes, &[]);
        any_error |= !samsvar_xds::validate::is_valid(&findings);
        if json {
            reports.push(serde_json::json!({
                "file": path.display().to_string(),
                "valid": samsvar_xds::validate::is_valid(&findings),
                "findings": samsvar_xds::render_json(&findings),
            }));
        } else {
            print_text(path, &findings);
        }
    }
    if json {
        let out = if reports.len() == 1 {
            reports.remove(0)
        } else {
            serde_json::Value::Array(reports)
        };
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(if any_error { Exit::Failed } else { Exit::Ok })
}

fn print_text(path: &Path, findings: &[samsvar_xds::Diagnostic]) {
    if samsvar_xds::validate::is_valid(findings) && findings.is_empty() {
        println!("{}: valid XDS metadata", path.display());
        return;
    }
    println!("{}:", path.display());
    for f in findings {
        let pos = match f.position() {
            Some(p) => format!("{}:{}:{}: ", path.display(), p.line, p.col),
            None => String::new(),
        };
        println!("  {pos}{} [{}] {}", f.severity, f.rule, f.message);
        let xpath = f
            .payload()
            .and_then(|p| p.xpath.as_deref())
            .unwrap_or_default();
        println!("    at {xpath}");
    }
    print!("  {}", samsvar_diagnostics::count_line(findings));
}
