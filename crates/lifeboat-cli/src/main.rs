//! `lifeboat-cli`: the command line alone — the same commands as `lifeboat <subcommand>`, in a binary that links no
//! GUI library. For servers and scripts: it runs where WebKitGTK is not installed, starts faster, and an upload's
//! memory is the engine's own rather than that of a hundred and more desktop libraries loaded for nothing.

use std::process::ExitCode;

/// mimalloc, not the system allocator: the sandbox and the data export and import allocate millions of small
/// values (a page's typed JSON), and glibc's malloc spent nearly half the emulator's time in its own bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    lifeboat_cli::run(std::env::args_os())
}
