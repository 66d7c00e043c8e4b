// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

/// mimalloc, as in `lifeboat-cli`: the embedded sandbox and the data export and import allocate millions of small
/// values, and glibc's malloc spent nearly half the emulator's time in its own bookkeeping.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One binary: with a subcommand it is the CLI, without one it opens the window.
fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if lifeboat_cli::is_cli_invocation(&args) {
        return lifeboat_cli::run(args);
    }
    lifeboat_app::run();
    ExitCode::SUCCESS
}
