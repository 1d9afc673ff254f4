//! The FHIR JSON source reader and the validator (what a server sends): never panic, and
//! an error says something.
fn main() {
    let validator =
        samsvar_fhir::Validator::new(std::sync::Arc::new(samsvar_fhir::Definitions::new()));
    afl::fuzz!(|data: &[u8]| {
        match samsvar_fhir::source::parse(data, 1024 * 1024) {
            Ok(_) => {
                let steps = [samsvar_fhir::source::Step::Key("resourceType".into())];
                let _ = samsvar_fhir::source::locate(data, &steps);
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
        let _ = validator.validate_bytes(data, None);
    });
}
