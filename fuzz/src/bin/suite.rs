//! The suite loader (YAML a user writes): never panics, and a suite it refuses has an
//! error diagnostic.
fn main() {
    let path = std::path::PathBuf::from("suite.yaml");
    afl::fuzz!(|data: &[u8]| {
        let text = String::from_utf8_lossy(data).into_owned();
        let checked = samsvar_suite::check_source(&path, text);
        assert!(
            checked.suite.is_some() || checked.has_errors(),
            "no suite and no error diagnostic"
        );
    });
}
