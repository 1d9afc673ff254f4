//! The XDS XML parser, the SOAP envelope reader and the metadata rules (what a registry or
//! repository sends): never panic, and an error says something.
fn main() {
    let limits = samsvar_xds::XmlLimits::default();
    afl::fuzz!(|data: &[u8]| {
        if let Err(e) = samsvar_xds::xml::parse(data, &limits) {
            assert!(!e.to_string().is_empty());
        }
        if let Err(e) = samsvar_xds::soap::read_envelope(data, &limits) {
            assert!(!e.to_string().is_empty());
        }
        let _ = samsvar_xds::validate_submission(data, &[]);
    });
}
