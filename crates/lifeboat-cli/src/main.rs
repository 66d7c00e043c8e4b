//! `lifeboat-cli`: the command line alone — the same commands as `lifeboat <subcommand>`, in a binary that links no
//! GUI library. For servers and scripts: it runs where WebKitGTK is not installed, starts faster, and an upload's
//! memory is the engine's own rather than that of a hundred and more desktop libraries loaded for nothing.

use std::process::ExitCode;

fn main() -> ExitCode {
    lifeboat_cli::run(std::env::args_os())
}
