//! One module per subcommand; each returns the exit code it wants.

use crate::cli::{Cli, Command};
use crate::exit::Exit;

pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Run(args) => anyhow::bail!("`run` is not wired yet: {args:?}"),
        Command::Suites(cmd) => anyhow::bail!("`suites` is not wired yet: {cmd:?}"),
        Command::Serve(args) => anyhow::bail!("`serve` is not wired yet: {args:?}"),
    }
}
