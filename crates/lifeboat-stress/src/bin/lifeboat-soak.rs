//! `lifeboat-soak`: N uploads through the upload engine against an in-process fast-clock emulator, with faults
//! drawn from a seeded random mix; prints one line per upload, then the tables, and exits non-zero when any check
//! failed. See `lifeboat_stress::soak`.
//!
//! ```text
//! lifeboat-soak --uploads 100 --seed 42 --file-size 4MiB --chunk-size 256KiB
//! lifeboat-soak --short                     # 10 uploads of 2 MiB: the variant of the test command
//! lifeboat-soak --seed 42 --only 17         # reproduce upload #17 of a run
//! ```

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use lifeboat_stress::parse_size;
use lifeboat_stress::soak::{run, SoakConfig};

#[derive(Debug, Parser)]
#[command(name = "lifeboat-soak", about = "Soak the upload engine with seeded random faults")]
struct Args {
    /// How many uploads.
    #[arg(long, default_value_t = 100)]
    uploads: u32,
    /// Seed of every random choice [default: from the clock; printed to reproduce the run].
    #[arg(long)]
    seed: Option<u64>,
    /// Size of each generated backup (bytes, or e.g. 4MiB).
    #[arg(long, default_value = "4MiB", value_parser = parse_size)]
    file_size: u64,
    /// Chunk size (and S3 part size), rounded up to 256 KiB.
    #[arg(long, default_value = "256KiB", value_parser = parse_size)]
    chunk_size: u64,
    /// Share of uploads that go to S3 instead of GCS, in percent.
    #[arg(long, default_value_t = 25)]
    aws_percent: u32,
    /// Share of uploads that get one fault that is fatal by design, in percent.
    #[arg(long, default_value_t = 10)]
    fatal_percent: u32,
    /// At most this many faults per upload.
    #[arg(long, default_value_t = 4)]
    max_faults: u32,
    /// Run only upload number N of the sequence (with the same seed), to reproduce it.
    #[arg(long)]
    only: Option<u32>,
    /// The short variant for the test command: 10 uploads of 2 MiB (seed 7 unless given).
    #[arg(long)]
    short: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(|| {
        if args.short {
            7
        } else {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1)
        }
    });
    let mut config = SoakConfig {
        uploads: args.uploads,
        seed,
        file_size: args.file_size,
        chunk_size: args.chunk_size,
        aws_percent: args.aws_percent.min(100),
        fatal_percent: args.fatal_percent.min(100),
        max_faults: args.max_faults.max(1),
        only: args.only,
        hang_guard: Duration::from_secs(300),
    };
    if args.short {
        config.uploads = 10;
        config.file_size = 2 << 20;
    }
    println!("{}", config.command_line());
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lifeboat-soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(run(config, |line| println!("{line}")));
    match report {
        Ok(report) => {
            println!();
            print!("{}", report.render());
            if report.failures() > 0 {
                println!("\nRESULT: {} upload(s) failed a check", report.failures());
                ExitCode::FAILURE
            } else {
                println!("\nRESULT: all checks passed ({} faults injected)", report.injected());
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("lifeboat-soak: {e}");
            ExitCode::FAILURE
        }
    }
}
