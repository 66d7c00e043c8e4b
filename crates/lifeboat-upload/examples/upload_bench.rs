//! Throughput and memory of the upload engine against this machine's limits, printed as ratios.
//!
//! ```text
//! cargo run --release -p lifeboat-upload --example upload_bench -- --size 1GiB [--chunk 64MiB] [--dir /tmp]
//! ```
//!
//! On a generated file of `--size` random bytes it measures, in one run:
//! - the CRC-32 pass the upload makes (`lifeboat_archive::crc32_file`) against a plain read of the same file
//!   (both from the page cache after a warm-up read);
//! - the GCS upload path (`upload_to_signed_url`, chunked as configured, and as one single chunk) into a minimal
//!   draining loopback sink, against `curl -T` of the same file to the same sink;
//! - peak resident memory (`VmHWM`) before and after the uploads.
//!
//! It prints figures; it asserts nothing.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use lifeboat_upload::{upload_to_signed_url, CancellationToken, SignedUrlOptions, CHUNK_QUANTUM, DEFAULT_CHUNK_SIZE};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const GIB: f64 = (1u64 << 30) as f64;

fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: f64 = n.parse().ok()?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => GIB,
        "gb" => 1e9,
        _ => return None,
    };
    Some((n * mult) as u64)
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into())
}

/// Writes `len` pseudo-random bytes (xorshift; incompressible enough, and fast).
fn generate(path: &Path, len: u64) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(4 << 20, std::fs::File::create(path)?);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut buf = vec![0u8; 4 << 20];
    let mut left = len;
    while left > 0 {
        for word in buf.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(buf.len() as u64) as usize;
        out.write_all(&buf[..n])?;
        left -= n as u64;
    }
    out.flush()
}

fn plain_read(path: &Path) -> std::io::Result<f64> {
    let start = Instant::now();
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 4 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    Ok(total as f64 / start.elapsed().as_secs_f64())
}

fn crc_pass(path: &Path) -> Result<f64, lifeboat_archive::InspectError> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let start = Instant::now();
    lifeboat_archive::crc32_file(path, |_| {})?;
    Ok(len as f64 / start.elapsed().as_secs_f64())
}

/// A minimal HTTP/1.1 sink speaking just enough GCS: POST → 201 + Location; PUT → drain the body, then 308
/// with Range for a chunk that does not reach the end, 200 otherwise (also for a plain `curl -T`).
async fn sink(listener: TcpListener) {
    while let Ok((conn, _)) = listener.accept().await {
        tokio::spawn(async move {
            let _ = serve(conn).await;
        });
    }
}

async fn serve(conn: TcpStream) -> std::io::Result<()> {
    let port = conn.local_addr()?.port();
    let mut reader = BufReader::with_capacity(256 * 1024, conn);
    let mut drain = vec![0u8; 256 * 1024];
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let (mut length, mut range, mut expect) = (0u64, None::<String>, false);
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "content-range" => range = Some(value.trim().to_string()),
                "expect" => expect = value.trim().eq_ignore_ascii_case("100-continue"),
                _ => {}
            }
        }
        if expect {
            reader.get_mut().write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
        }
        let mut left = length;
        while left > 0 {
            let want = left.min(drain.len() as u64) as usize;
            let n = reader.read(&mut drain[..want]).await?;
            if n == 0 {
                return Ok(());
            }
            left -= n as u64;
        }
        let response = if request_line.starts_with("POST") {
            format!("HTTP/1.1 201 Created\r\nLocation: http://127.0.0.1:{port}/session\r\nContent-Length: 0\r\n\r\n")
        } else {
            // "bytes A-B/N": 308 unless B is the last byte.
            let partial = range.as_deref().and_then(|r| {
                let (span, total) = r.strip_prefix("bytes ")?.split_once('/')?;
                let (_, last) = span.split_once('-')?;
                let (last, total): (u64, u64) = (last.parse().ok()?, total.parse().ok()?);
                (last + 1 < total).then_some(last)
            });
            match partial {
                Some(last) => {
                    format!("HTTP/1.1 308 Resume Incomplete\r\nRange: bytes=0-{last}\r\nContent-Length: 0\r\n\r\n")
                }
                None => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_string(),
            }
        };
        reader.get_mut().write_all(response.as_bytes()).await?;
    }
}

async fn ours(path: &Path, port: u16, chunk: u64) -> Result<f64, lifeboat_upload::UploadError> {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let options = SignedUrlOptions { chunk_size: chunk, ..SignedUrlOptions::default() };
    let url = format!("http://127.0.0.1:{port}/start");
    let start = Instant::now();
    let report = upload_to_signed_url(path, &url, options, |_| {}, CancellationToken::new()).await?;
    let secs = start.elapsed().as_secs_f64();
    if report.bytes_sent_total != len {
        eprintln!("warning: sent {} bytes of {len}", report.bytes_sent_total);
    }
    Ok(len as f64 / secs)
}

fn curl(path: &Path, port: u16) -> Option<f64> {
    let len = std::fs::metadata(path).ok()?.len();
    let start = Instant::now();
    let status = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-T"])
        .arg(path)
        .arg(format!("http://127.0.0.1:{port}/put"))
        .status()
        .ok()?;
    status.success().then(|| len as f64 / start.elapsed().as_secs_f64())
}

fn rate(bps: f64) -> String {
    format!("{:>8.2} GiB/s", bps / GIB)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut size = 1u64 << 30;
    let mut chunk = DEFAULT_CHUNK_SIZE;
    let mut dir: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--size" => size = parse_size(&value).ok_or("unreadable --size")?,
            "--chunk" => chunk = parse_size(&value).ok_or("unreadable --chunk")?,
            "--dir" => dir = Some(value.into()),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let tmp = match &dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let path = tmp.path().join("bench.bin");
    println!("generating {:.2} GiB in {} …", size as f64 / GIB, tmp.path().display());
    generate(&path, size)?;
    let rss_start = status_kib("VmHWM:");

    plain_read(&path)?; // warm the page cache
    let read = plain_read(&path)?.max(plain_read(&path)?);
    let crc = crc_pass(&path)?.max(crc_pass(&path)?);
    println!("\nchecksum pass (page cache)");
    println!("  plain read (4 MiB buffers)      {}", rate(read));
    println!("  crc32_file (what run() uses)    {}", rate(crc));
    println!("  ratio crc / read                {:>8.2}", crc / read);

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(sink(listener));
    let rss_before_upload = status_kib("VmHWM:");
    let chunked = ours(&path, port, chunk).await?;
    let whole = ours(&path, port, size.div_ceil(CHUNK_QUANTUM) * CHUNK_QUANTUM).await?;
    let rss_after_upload = status_kib("VmHWM:");
    let curl = tokio::task::spawn_blocking({
        let path = path.clone();
        move || curl(&path, port)
    })
    .await?;
    println!("\nupload to a draining loopback sink");
    println!("  lifeboat, {:>4} MiB chunks       {}", chunk >> 20, rate(chunked));
    println!("  lifeboat, one chunk              {}", rate(whole));
    match curl {
        Some(c) => {
            println!("  curl -T                          {}", rate(c));
            println!("  ratio lifeboat chunked / curl    {:>8.2}", chunked / c);
            println!("  ratio lifeboat one chunk / curl  {:>8.2}", whole / c);
        }
        None => println!("  curl -T                          (curl not available)"),
    }
    println!("\nmemory (VmHWM, peak resident)");
    println!("  after generating the file        {}", mib(rss_start));
    println!("  before the uploads               {}", mib(rss_before_upload));
    println!("  after the uploads                {}", mib(rss_after_upload));
    println!("  file size                        {:.1} MiB", size as f64 / (1024.0 * 1024.0));
    Ok(())
}
