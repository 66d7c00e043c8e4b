//! `lifeboat-bench`: the measuring helpers of `scripts/stress/bench.sh` and `scripts/stress/crash-resume.sh`.
//! Every subcommand prints one JSON object on stdout (`rss`: on stderr), figures only: nothing here judges a time.
//!
//! ```text
//! lifeboat-bench gen --size 1GiB --out FILE [--nodes N --relationships M --seed S]   # a valid, incompressible backup
//! lifeboat-bench crc FILE                                  # the CRC-32 pass every upload starts with
//! lifeboat-bench crc-race FILE [--rounds 5]   # dd bs=1M vs the CRC-32 pass vs the old one-buffer loop, in turn
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
    /// Times, in turn and on the same warm file, `dd if=FILE of=/dev/null bs=1M`, the CRC-32 pass
    /// (lifeboat_archive::checksum_file) and the single 4 MiB-buffer loop it replaced; best and median of each.
    CrcRace {
        /// The file (read once first so it is in the page cache).
        file: PathBuf,
        /// Rounds; each runs all three once, in turn, so drift on a shared machine hits all alike.
        #[arg(long, default_value_t = 5)]
        rounds: usize,
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
        Cmd::CrcRace { file, rounds } => crc_race(file, rounds.max(1)),
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

/// The checksum loop uploads used before the pass was split across cores: one thread, one 4 MiB buffer,
/// read-then-hash. Kept here only as the baseline the race compares with.
fn single_buffer_crc(file: &std::path::Path) -> std::io::Result<u32> {
    use std::io::Read;
    let mut f = std::fs::File::open(file)?;
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 4 * 1024 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.finalize())
}

fn crc_race(file: PathBuf, rounds: usize) -> Result<ExitCode, String> {
    let size = std::fs::metadata(&file).map_err(|e| format!("{}: {e}", file.display()))?.len();
    let timed = |f: &mut dyn FnMut() -> Result<(), String>| -> Result<f64, String> {
        let t = Instant::now();
        f()?;
        Ok(t.elapsed().as_secs_f64())
    };
    let mut dd = || -> Result<(), String> {
        let status = std::process::Command::new("dd")
            .arg(format!("if={}", file.display()))
            .args(["of=/dev/null", "bs=1M"])
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("dd: {e}"))?;
        status.success().then_some(()).ok_or_else(|| format!("dd ended with {status}"))
    };
    let expected = single_buffer_crc(&file).map_err(|e| e.to_string())?; // also warms the page cache
    let mut ours = || -> Result<(), String> {
        let sum = lifeboat_archive::checksum_file(&file, |_| {}).map_err(|e| e.to_string())?;
        (sum.crc32 == expected).then_some(()).ok_or_else(|| "the pass and the baseline disagree".to_string())
    };
    let mut old = || single_buffer_crc(&file).map(|_| ()).map_err(|e| e.to_string());
    let (mut t_dd, mut t_ours, mut t_old) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        t_dd.push(timed(&mut dd)?);
        t_ours.push(timed(&mut ours)?);
        t_old.push(timed(&mut old)?);
    }
    // Each round's own ratio: the three runs of a round are adjacent, so they share the machine's load.
    let paired = |a: &[f64], b: &[f64]| {
        let mut r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
        r.sort_by(f64::total_cmp);
        r[r.len() / 2]
    };
    let (pass_paired, old_paired) = (paired(&t_ours, &t_dd), paired(&t_old, &t_dd));
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[0], v[v.len() / 2])
    };
    let ((dd_best, dd_med), (ours_best, ours_med), (old_best, old_med)) =
        (stats(&mut t_dd), stats(&mut t_ours), stats(&mut t_old));
    let mb = |secs: f64| size as f64 / 1e6 / secs.max(1e-9);
    print(json!({
        "bytes": size,
        "rounds": rounds,
        "threads": std::thread::available_parallelism().map_or(1, |n| n.get()).min(lifeboat_archive::CRC_MAX_THREADS),
        "ddSecs": { "best": dd_best, "median": dd_med, "mbPerSec": mb(dd_best) },
        "passSecs": { "best": ours_best, "median": ours_med, "mbPerSec": mb(ours_best) },
        "oldLoopSecs": { "best": old_best, "median": old_med, "mbPerSec": mb(old_best) },
        // Time ratios: ≤ 1.0 means the checksum takes no longer than dd reading the file.
        "passOverDd": { "best": ours_best / dd_best, "median": ours_med / dd_med, "medianOfRounds": pass_paired },
        "oldLoopOverDd": { "best": old_best / dd_best, "median": old_med / dd_med, "medianOfRounds": old_paired },
    }));
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
