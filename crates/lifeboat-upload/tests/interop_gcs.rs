//! Interoperability with an independent GCS implementation: `gcp-storage-emulator` (PyPI), so the resumable
//! upload is not only compatible with our own reading of the protocol (`docs/object-upload.md` §3).
//!
//! Install and check it by hand:
//!
//! ```text
//! python3 -m pip install gcp-storage-emulator
//! gcp-storage-emulator start --host 127.0.0.1 --port 18444 --in-memory --default-bucket bkt
//! ```
//!
//! The test starts it itself (in-process in a `python3` child, on a free port). Its XML signed-URL initiation
//! is not implemented (501), so the client is handed the JSON-API resumable URL as its "signed URL", as the
//! reference recommends. A tiny TCP proxy in front of it cuts one connection in the middle of a chunk, so the
//! resume path (status query → continue from an arbitrary, unaligned offset) runs against it too.
//!
//! When the emulator is not installed the test says so and passes without checking anything, unless
//! `LIFEBOAT_REQUIRE_GCS_EMULATOR=1` (then it fails). `LIFEBOAT_GCS_EMULATOR_PYTHON` names another Python.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::{archive, fast_retry, MIB};
use lifeboat_upload::{upload_to_signed_url, CancellationToken, SignedUrlOptions, Timeouts, CHUNK_QUANTUM};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const LAUNCHER: &str = r#"
import sys
from gcp_storage_emulator.server import create_server
server = create_server("127.0.0.1", 0, in_memory=True, default_bucket="bkt")
server.start()
print(server._api._httpd.server_address[1], flush=True)
sys.stdin.read()
server.stop()
"#;

fn python() -> String {
    std::env::var("LIFEBOAT_GCS_EMULATOR_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn installed() -> bool {
    Command::new(python())
        .args(["-c", "import gcp_storage_emulator.server"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The emulator in a child process; stopped (stdin closed, then killed) when dropped.
struct GcsEmulator {
    child: Child,
    port: u16,
}

impl GcsEmulator {
    fn start() -> GcsEmulator {
        let mut child = Command::new(python())
            .args(["-c", LAUNCHER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the emulator prints its port");
        let port = line.trim().parse().unwrap_or_else(|_| panic!("not a port: {line:?}"));
        GcsEmulator { child, port }
    }
}

impl Drop for GcsEmulator {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy that forwards client bytes upstream and, when armed, cuts the connection carrying the byte
/// `armed_at + after` (client → server, counted over all connections, which the client uses one at a time).
#[derive(Clone, Default)]
struct CuttingProxy {
    forwarded: Arc<AtomicU64>,
    cut_at: Arc<AtomicU64>,
    cuts: Arc<AtomicU64>,
}

impl CuttingProxy {
    async fn start(upstream: u16) -> (CuttingProxy, u16) {
        let proxy = CuttingProxy::default();
        proxy.cut_at.store(u64::MAX, Ordering::SeqCst);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let p = p.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await {
                        p.pipe(client, server).await;
                    }
                });
            }
        });
        (proxy, port)
    }

    fn arm(&self, after: u64) {
        self.cut_at.store(self.forwarded.load(Ordering::SeqCst) + after, Ordering::SeqCst);
    }

    async fn pipe(&self, client: TcpStream, server: TcpStream) {
        let (mut client_rx, mut client_tx) = client.into_split();
        let (mut server_rx, mut server_tx) = server.into_split();
        let back = tokio::spawn(async move {
            let _ = tokio::io::copy(&mut server_rx, &mut client_tx).await;
        });
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_rx.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let before = self.forwarded.fetch_add(n as u64, Ordering::SeqCst);
            let cut_at = self.cut_at.load(Ordering::SeqCst);
            if before + n as u64 >= cut_at {
                // Forward up to the cut, then drop both directions: a connection dying mid-body.
                let keep = (cut_at.saturating_sub(before)) as usize;
                let _ = server_tx.write_all(&buf[..keep]).await;
                let _ = server_tx.flush().await;
                self.cut_at.store(u64::MAX, Ordering::SeqCst);
                self.cuts.fetch_add(1, Ordering::SeqCst);
                back.abort();
                return;
            }
            if server_tx.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_tx.shutdown().await;
        let _ = back.await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_upload_with_a_cut_mid_chunk_resumes_against_gcp_storage_emulator() {
    if !installed() {
        let required = std::env::var("LIFEBOAT_REQUIRE_GCS_EMULATOR").is_ok_and(|v| v == "1");
        assert!(!required, "gcp-storage-emulator is required: python3 -m pip install gcp-storage-emulator");
        eprintln!("SKIPPED: gcp-storage-emulator is not installed (python3 -m pip install gcp-storage-emulator)");
        return;
    }
    let emulator = tokio::task::spawn_blocking(GcsEmulator::start).await.unwrap();
    let (proxy, proxy_port) = CuttingProxy::start(emulator.port).await;
    let dir = tempfile::tempdir().unwrap();
    // A few MiB with an odd tail, so the last chunk is not 256 KiB-aligned.
    let written = archive(dir.path(), 3 * MIB + 12_345, 1, 2);
    let chunk = CHUNK_QUANTUM;
    // The JSON-API initiation URL stands in for Aura's signed URL; its Location follows our Host, the proxy.
    let signed =
        format!("http://127.0.0.1:{proxy_port}/upload/storage/v1/b/bkt/o?uploadType=resumable&name=lifeboat.backup");
    // Cut the connection 2.5 chunks into the data (plus headers): inside the third chunk.
    proxy.arm(2 * chunk + chunk / 2);
    let options = SignedUrlOptions { chunk_size: chunk, timeouts: Timeouts::default(), retry: fast_retry() };

    let report = upload_to_signed_url(&written.path, &signed, options, |_| {}, CancellationToken::new())
        .await
        .expect("the upload completes against gcp-storage-emulator");

    eprintln!("{report:?}");
    assert_eq!(proxy.cuts.load(Ordering::SeqCst), 1, "the connection was cut once");
    assert_eq!(report.sessions_started, 1);
    assert!(!report.restarted_from_zero);
    assert!(report.bytes_resent <= chunk, "re-sent {} bytes, more than one chunk", report.bytes_resent);

    // Download the object back and compare its CRC-32 with the file's.
    let url = format!("http://127.0.0.1:{}/download/storage/v1/b/bkt/o/lifeboat.backup?alt=media", emulator.port);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = client.get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(body.len() as u64, written.file_size);
    assert_eq!(crc32fast::hash(&body), written.crc32);
}
