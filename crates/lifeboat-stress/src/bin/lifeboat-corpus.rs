//! `lifeboat-corpus`: generates the bad-file corpus in a temporary folder, runs the real `lifeboat` binary on
//! every case, prints a table and exits non-zero when any case failed. See `lifeboat_stress::corpus`.
//!
//! ```text
//! lifeboat-corpus --lifeboat target/debug/lifeboat          # every case
//! lifeboat-corpus --lifeboat target/debug/lifeboat --short  # the variant of the test command
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lifeboat_stress::corpus::{run, CorpusConfig};

#[derive(Debug, Parser)]
#[command(name = "lifeboat-corpus", about = "Put the lifeboat binary through the bad-file corpus")]
struct Args {
    /// The lifeboat binary to test.
    #[arg(long, env = "LIFEBOAT_BIN", default_value = "target/debug/lifeboat")]
    lifeboat: PathBuf,
    /// Only the quick cases (all inspect cases, two uploads).
    #[arg(long)]
    short: bool,
    /// Skip the upload cases (no sandbox).
    #[arg(long)]
    no_upload: bool,
    /// Keep the generated folder.
    #[arg(long)]
    keep: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lifeboat = std::path::absolute(&args.lifeboat).unwrap_or(args.lifeboat);
    let config = CorpusConfig { lifeboat, short: args.short, no_upload: args.no_upload, keep: args.keep };
    match run(&config, |line| eprintln!("{line}")) {
        Ok(report) => {
            print!("{}", report.render());
            if report.failures() > 0 {
                println!("RESULT: {} case(s) failed", report.failures());
                ExitCode::FAILURE
            } else {
                let gaps = report.outcomes.iter().filter(|o| o.verdict == "GAP").count();
                println!("RESULT: no case failed ({gaps} known gap(s) listed above)");
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("lifeboat-corpus: {e}");
            ExitCode::FAILURE
        }
    }
}
