//! `lifeboat-bench`: the measuring helpers of `scripts/stress/bench.sh` and `scripts/stress/crash-resume.sh`.
//! Every subcommand prints one JSON object on stdout (`rss`: on stderr), figures only: nothing here judges a time.
//!
//! ```text
//! lifeboat-bench gen --size 1GiB --out FILE [--nodes N --relationships M --seed S]   # a valid, incompressible backup
//! lifeboat-bench crc FILE                                  # the CRC-32 pass every upload starts with
//! lifeboat-bench sink [--port 0]                           # a draining GCS-style sink; prints {"url":…} and serves
//! lifeboat-bench signed-upload FILE URL [--chunk-size 64MiB]   # the upload engine's GCS half against a sink
//! lifeboat-bench rss -- CMD ARGS…      # runs CMD (its output untouched), then {"exit","maxRssKiB","secs"} on stderr
//! lifeboat-bench api-rate [--seconds 60]   # Aura API requests while three jobs are watched (real-clock sandbox)
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use lifeboat_archive::testgen::{write_backup, TestArchive, TestVersion};
use lifeboat_stress::parse_size;
use serde_json::json;

#[derive(Debug, Parser)]
#[command(name = "lifeboat-bench", about = "Measuring helpers for the stress scripts")]
struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Writes a valid Neo4j 5 backup of incompressible data (the file is about --size bytes).
    Gen {
        /// Store size (bytes, or e.g. 1GiB).
        #[arg(long, value_parser = parse_size)]
        size: u64,
        /// Where.
        #[arg(long)]
        out: PathBuf,
        /// Node count in the counts marker.
        #[arg(long, default_value_t = 100)]
        nodes: u64,
        /// Relationship count in the counts marker.
        #[arg(long, default_value_t = 50)]
        relationships: u64,
        /// Seed of the random filler.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Computes the file's CRC-32 exactly as an upload does (lifeboat_archive::crc32_file).
    Crc {
        /// The file.
        file: PathBuf,
    },
    /// Serves a draining GCS-style sink on 127.0.0.1 until killed; the first stdout line is {"url": …}.
    Sink {
        /// Port (0: any free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Uploads FILE through a GCS resumable session started on URL (lifeboat_upload::upload_to_signed_url).
    SignedUpload {
        /// The file.
        file: PathBuf,
        /// The signed URL (the sink's …/start).
        url: String,
        /// Chunk size.
        #[arg(long, default_value = "64MiB", value_parser = parse_size)]
        chunk_size: u64,
    },
    /// Counts the Aura API requests of the engine while it watches three jobs (restore, new instance, restore
    /// drill) in a real-clock sandbox with the app's settings.
    ApiRate {
        /// How long to count.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// Runs a command and reports its exit code and peak resident set size (getrusage of the waited child).
    Rss {
        /// The command and its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
        command: Vec<String>,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Cmd::Gen { size, out, nodes, relationships, seed } => gen(size, out, nodes, relationships, seed),
        Cmd::Crc { file } => crc(file),
        Cmd::Sink { port } => sink(port),
        Cmd::SignedUpload { file, url, chunk_size } => signed_upload(file, url, chunk_size),
        Cmd::Rss { command } => rss(command),
        Cmd::ApiRate { seconds } => api_rate(seconds),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lifeboat-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print(value: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}

fn gen(size: u64, out: PathBuf, nodes: u64, relationships: u64, seed: u64) -> Result<ExitCode, String> {
    let spec = TestArchive {
        nodes,
        relationships,
        approx_size: size,
        incompressible: true,
        seed,
        ..TestArchive::new(TestVersion::Neo4j5)
    };
    let started = Instant::now();
    let w = write_backup(&out, &spec).map_err(|e| format!("{}: {e}", out.display()))?;
    print(json!({
        "file": w.path,
        "fileSize": w.file_size,
        "fullSize": w.full_size,
        "crc32": w.crc32,
        "secs": started.elapsed().as_secs_f64(),
    }));
    Ok(ExitCode::SUCCESS)
}

fn api_rate(seconds: u64) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let rate = runtime.block_on(lifeboat_stress::api_rate::measure(std::time::Duration::from_secs(seconds)))?;
    print(serde_json::to_value(&rate).map_err(|e| e.to_string())?);
    Ok(ExitCode::SUCCESS)
}

fn crc(file: PathBuf) -> Result<ExitCode, String> {
    let size = std::fs::metadata(&file).map_err(|e| format!("{}: {e}", file.display()))?.len();
    let started = Instant::now();
    let crc = lifeboat_archive::crc32_file(&file, |_| {}).map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    print(json!({ "crc32": crc, "bytes": size, "secs": secs, "mbPerSec": size as f64 / 1e6 / secs.max(1e-9) }));
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())
}

fn sink(port: u16) -> Result<ExitCode, String> {
    let rt = runtime()?;
    rt.block_on(async {
        let addr = lifeboat_stress::sink::start(port).await.map_err(|e| e.to_string())?;
        print(json!({ "url": format!("http://{addr}"), "start": format!("http://{addr}/start") }));
        // Serve until killed.
        std::future::pending::<()>().await;
        Ok(ExitCode::SUCCESS)
    })
}

fn signed_upload(file: PathBuf, url: String, chunk_size: u64) -> Result<ExitCode, String> {
    let rt = runtime()?;
    let size = std::fs::metadata(&file).map_err(|e| format!("{}: {e}", file.display()))?.len();
    rt.block_on(async {
        let options = lifeboat_upload::SignedUrlOptions { chunk_size, ..lifeboat_upload::SignedUrlOptions::default() };
        let started = Instant::now();
        let report = lifeboat_upload::upload_to_signed_url(
            &file,
            &url,
            options,
            |_| {},
            lifeboat_upload::CancellationToken::new(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let secs = started.elapsed().as_secs_f64();
        print(json!({
            "bytes": size,
            "secs": secs,
            "mbPerSec": size as f64 / 1e6 / secs.max(1e-9),
            "bytesSent": report.bytes_sent_total,
            "bytesResent": report.bytes_resent,
            "chunkSize": chunk_size,
        }));
        Ok(ExitCode::SUCCESS)
    })
}

fn rss(command: Vec<String>) -> Result<ExitCode, String> {
    let (program, rest) = command.split_first().ok_or("no command")?;
    let started = Instant::now();
    let status = std::process::Command::new(program).args(rest).status().map_err(|e| format!("{program}: {e}"))?;
    let secs = started.elapsed().as_secs_f64();
    // SAFETY: getrusage fills the struct we pass; RUSAGE_CHILDREN covers the child just waited for (our only one).
    let max_kib = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) == 0 {
            usage.ru_maxrss
        } else {
            -1
        }
    };
    eprintln!("{}", json!({ "exit": status.code(), "maxRssKiB": max_kib, "secs": secs }));
    Ok(ExitCode::from(status.code().unwrap_or(1).clamp(0, 255) as u8))
}
