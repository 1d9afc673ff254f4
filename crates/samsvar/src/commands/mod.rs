//! One module per subcommand; each returns the exit code it wants.

pub(crate) mod evidence;
pub(crate) mod hub;
pub(crate) mod keygen;
pub(crate) mod packages;
mod profiles;
pub(crate) mod report;
mod run;
mod serve;
mod serve_record;
mod signer;
mod suites;
pub(crate) mod validate;
mod validate_xds;
pub(crate) mod verify;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Suites(cmd) => suites::run(cmd),
        Command::Serve(args) => serve::serve(args),
        Command::Packages(cmd) => packages::run(cmd),
        Command::Validate(args) => validate::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Report(cmd) => report::run(cmd),
        Command::Hub(cmd) => hub::run(cmd),
    }
}
