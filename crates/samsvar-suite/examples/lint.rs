//! Lints suites without the CLI: `cargo run -p samsvar-suite --example lint -- PATH...`.

// A command-line program: its results go to the terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

fn main() {
    let mut failed = false;
    for arg in std::env::args().skip(1) {
        match samsvar_suite::check(&arg) {
            Ok(c) => {
                failed |= c.has_errors();
                print!(
                    "{}",
                    samsvar_diagnostics::render_all(&c.sources, &c.diagnostics)
                );
            }
            Err(e) => {
                failed = true;
                print!("{}", e.render());
            }
        }
    }
    std::process::exit(if failed { 2 } else { 0 });
}
