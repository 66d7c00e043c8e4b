//! The two transfers: an export streamed from the Query API into a file, and an import streamed from a file into
//! the Query API. Compression and file I/O run on blocking threads, joined to the network side by small bounded
//! channels, so memory stays flat (a page or a batch at a time) and no async worker ever waits on the disk.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lifeboat_upload::CancellationToken;
use time::{OffsetDateTime, UtcOffset};
use tokio::sync::mpsc;

use super::client::GraphClient;
use super::error::{GraphError, GraphFileError};
use super::format::{Footer, GraphReader, GraphWriter, Header, Item, Node, Relationship, FILE_SUFFIX};
use crate::verify::{DbLogin, GraphCounts};

/// Nodes or relationships per export page.
pub const PAGE_SIZE: usize = 1000;
/// Rows per import batch, at most.
const BATCH_ROWS: usize = 1000;
/// File bytes per import batch, at most (the typed request is somewhat larger).
const BATCH_BYTES: usize = 512 * 1024;
/// Nodes deleted per statement before an import.
const DELETE_BATCH: usize = 5000;
/// Nodes unmarked per statement after an import.
const STRIP_BATCH: usize = 10_000;
/// zstd level: fast, and still about ten times smaller than the JSON.
const ZSTD_LEVEL: i32 = 3;

/// The name proposed for an export: `Production_2026-11-21T1512Z.graph.jsonl.zst` (instance, UTC time). Characters
/// some file systems refuse become `-`.
pub fn file_name(instance_name: &str, at: OffsetDateTime) -> String {
    let t = at.to_offset(UtcOffset::UTC);
    format!(
        "{}_{:04}-{:02}-{:02}T{:02}{:02}Z{FILE_SUFFIX}",
        file_stem(instance_name),
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The name of a scheduled copy, to the second (a schedule may run twice in a minute when started by hand):
/// `Production_2026-11-21T151203Z.graph.jsonl.zst`.
pub fn file_name_to_the_second(instance_name: &str, at: OffsetDateTime) -> String {
    let t = at.to_offset(UtcOffset::UTC);
    format!(
        "{}_{:04}-{:02}-{:02}T{:02}{:02}{:02}Z{FILE_SUFFIX}",
        file_stem(instance_name),
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An instance name as the start of a file name: characters some file systems refuse become `-`.
fn file_stem(instance_name: &str) -> String {
    let mut name: String =
        instance_name.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name = name.trim_matches('-');
    if name.is_empty() {
        "instance".to_owned()
    } else {
        name.to_owned()
    }
}

/// [`file_name`] for an export starting now.
pub fn file_name_now(instance_name: &str) -> String {
    file_name(instance_name, OffsetDateTime::now_utc())
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Nodes and relationships in the file.
    pub counts: GraphCounts,
    /// The file's content digest.
    pub digest: String,
    /// The file's size (compressed).
    pub bytes: u64,
    /// Where the time went.
    pub timings: TransferTimings,
    /// Relationships left out because the database gained them, to nodes it gained, while it was read (their end
    /// nodes are not in the file).
    pub left_out_relationships: u64,
}

/// Where a transfer's time went: waiting for the Query API, turning its answers into items (or items into
/// requests), turning items into file lines (or lines into items), and compressing and writing (or reading and
/// decompressing) the file. The file side runs on its own thread beside the network side, so the parts may add
/// up to more than the wall time; the largest part is what limits the transfer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferTimings {
    /// Start to end.
    pub wall: Duration,
    /// Sending requests until their whole answers were in.
    pub query_api: Duration,
    /// Reading the answers into nodes and relationships (export), or building the requests (import).
    pub decode: Duration,
    /// Turning items into file lines with the digest (export), or parsing lines back into items (import).
    pub encode: Duration,
    /// zstd and the file: compressing and writing (export), or reading and decompressing (import).
    pub compress: Duration,
}

impl TransferTimings {
    /// Logs the figures (the benchmark reads this line).
    pub fn log(&self, what: &str, entities: u64) {
        let secs = self.wall.as_secs_f64().max(1e-9);
        tracing::info!(
            what,
            entities,
            entities_per_sec = (entities as f64 / secs).round(),
            wall_secs = secs,
            query_api_secs = self.query_api.as_secs_f64(),
            decode_secs = self.decode.as_secs_f64(),
            encode_secs = self.encode.as_secs_f64(),
            compress_secs = self.compress.as_secs_f64(),
            "transfer timings"
        );
    }
}

/// What the export's file side ends with: the temporary file, its footer and size, the time the writer was busy,
/// and the part of that spent in zstd and the file.
type Written = (tempfile::NamedTempFile, Footer, u64, Duration, Duration);

/// A writer (or reader) that adds the time spent in the one it wraps (zstd and the file) to a counter.
struct Timed<W> {
    inner: W,
    spent: Duration,
}

impl<R: Read> Read for Timed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let t = Instant::now();
        let n = self.inner.read(buf);
        self.spent += t.elapsed();
        n
    }
}

impl<W: Write> Write for Timed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let t = Instant::now();
        let n = self.inner.write(buf);
        self.spent += t.elapsed();
        n
    }

    fn flush(&mut self) -> io::Result<()> {
        let t = Instant::now();
        let r = self.inner.flush();
        self.spent += t.elapsed();
        r
    }
}

/// A finished export, fsynced, still under its temporary name next to where it goes. Dropping it deletes it;
/// [`PendingExport::save`] renames it into place.
pub struct PendingExport {
    file: tempfile::NamedTempFile,
    path: PathBuf,
    /// What it holds.
    pub summary: ExportSummary,
}

impl PendingExport {
    /// Moves the file to its final name (replacing a file there, as the save dialog confirmed) and makes the
    /// rename durable.
    pub async fn save(self) -> Result<ExportSummary, GraphError> {
        let PendingExport { file, path, summary } = self;
        tokio::task::spawn_blocking(move || {
            file.persist(&path).map_err(|e| e.error)?;
            if let Some(dir) = path.parent().and_then(|d| File::open(dir_or_here(d)).ok()) {
                // Not every platform lets a directory be synced; the file itself is already on disk.
                let _ = dir.sync_all();
            }
            Ok(summary)
        })
        .await
        .map_err(|e| GraphError::Write(io::Error::other(e)))?
        .map_err(GraphError::Write)
    }
}

impl PendingExport {
    /// Where the finished file waits under its temporary name (to read it back before it is saved).
    pub fn temp_path(&self) -> &Path {
        self.file.path()
    }

    /// Moves the file to its name only if no file has that name (never replacing one), else to the first free
    /// `NAME-2.graph.jsonl.zst`, `NAME-3…`; makes the rename durable. Returns where it went.
    pub async fn save_new(self) -> Result<(PathBuf, ExportSummary), GraphError> {
        let PendingExport { mut file, path, summary } = self;
        tokio::task::spawn_blocking(move || {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let (stem, suffix) = match name.strip_suffix(FILE_SUFFIX) {
                Some(stem) => (stem.to_owned(), FILE_SUFFIX),
                None => (name.clone(), ""),
            };
            for n in 1..1000 {
                let target = if n == 1 { path.clone() } else { path.with_file_name(format!("{stem}-{n}{suffix}")) };
                match file.persist_noclobber(&target) {
                    Ok(_) => {
                        if let Some(dir) = target.parent().and_then(|d| File::open(dir_or_here(d)).ok()) {
                            let _ = dir.sync_all();
                        }
                        return Ok(target);
                    }
                    Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => file = e.file,
                    Err(e) => return Err(e.error),
                }
            }
            Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free file name"))
        })
        .await
        .map_err(|e| GraphError::Write(io::Error::other(e)))?
        .map_err(GraphError::Write)
        .map(|target| (target, summary))
    }
}

fn dir_or_here(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// Which half of the graph a transfer is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    /// Nodes.
    Nodes,
    /// Relationships.
    Relationships,
}

enum Chunk {
    Nodes(Vec<Node>),
    Relationships(Vec<Relationship>),
    Finish,
}

/// Awaits `work` unless the user cancels first.
async fn or_cancel<T>(
    cancel: &CancellationToken,
    work: impl std::future::Future<Output = Result<T, GraphError>>,
) -> Result<T, GraphError> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(GraphError::Cancelled),
        r = work => r,
    }
}

/// Reads every node, then every relationship, of an instance into a temporary file beside `path`, reporting
/// `(half, done)` after every page. The file is complete and fsynced but not yet under its name: check the counts,
/// then [`PendingExport::save`]. On any failure (or cancel) nothing is left behind.
#[allow(clippy::too_many_arguments)] // what to read, with which login, where to, how often to report, when to stop
pub async fn export(
    client: &GraphClient,
    login: &DbLogin,
    instance_id: &str,
    instance_name: &str,
    path: &Path,
    page_size: usize,
    mut progress: impl FnMut(Half, u64) + Send,
    cancel: &CancellationToken,
) -> Result<PendingExport, GraphError> {
    let page_size = page_size.max(1);
    let dir = dir_or_here(path.parent().unwrap_or(Path::new("."))).to_path_buf();
    let header = Header::new(instance_id, instance_name);
    let (tx, mut rx) = mpsc::channel::<Chunk>(2);
    let started = Instant::now();
    let writer = tokio::task::spawn_blocking(move || -> io::Result<Option<Written>> {
        let mut tmp = tempfile::Builder::new().prefix(".lifeboat-export-").suffix(".tmp").tempfile_in(&dir)?;
        let (footer, busy, compress) = {
            let buffered = BufWriter::with_capacity(256 * 1024, tmp.as_file_mut());
            let mut encoder = zstd::Encoder::new(buffered, ZSTD_LEVEL)?;
            encoder.include_checksum(true)?;
            // The lines go through a buffer, so zstd gets large writes and its share can be timed apart.
            let timed = Timed { inner: encoder, spent: Duration::ZERO };
            let mut graph = GraphWriter::new(BufWriter::with_capacity(256 * 1024, timed), &header)?;
            let mut finished = false;
            let mut busy = Duration::ZERO;
            while let Some(chunk) = rx.blocking_recv() {
                let t = Instant::now();
                match chunk {
                    Chunk::Nodes(nodes) => nodes.iter().try_for_each(|n| graph.node(n))?,
                    Chunk::Relationships(rels) => rels.iter().try_for_each(|r| graph.relationship(r))?,
                    Chunk::Finish => {
                        finished = true;
                        break;
                    }
                }
                busy += t.elapsed();
            }
            if !finished {
                // The export stopped: the temporary file is dropped, and so deleted.
                return Ok(None);
            }
            let t = Instant::now();
            let (lines, footer) = graph.finish()?;
            // Hands zstd the last lines (timed), then ends the frame (timed here).
            let timed = lines.into_inner().map_err(|e| e.into_error())?;
            let ending = Instant::now();
            timed.inner.finish()?.flush()?;
            let compress = timed.spent + ending.elapsed();
            busy += t.elapsed();
            (footer, busy, compress)
        };
        tmp.as_file().sync_all()?;
        let bytes = tmp.as_file().metadata()?.len();
        Ok(Some((tmp, footer, bytes, busy, compress)))
    });

    let mut fetching = Duration::ZERO;
    // The highest node id in the file. A database written to while it is read gains nodes after the node half and
    // relationships to them: those relationships would point at nodes the file does not have (and fail its import),
    // so they are left out and counted. New nodes get higher ids than every node read, so this needs no set of ids.
    let mut last_node = -1i64;
    let mut left_out = 0u64;
    let read = async {
        let send = |chunk| async { tx.send(chunk).await.map_err(|_| GraphError::Write(io::Error::other("stopped"))) };
        for half in [Half::Nodes, Half::Relationships] {
            let mut after = -1i64;
            let mut done = 0u64;
            loop {
                let asked = Instant::now();
                let (ids, chunk) = match half {
                    Half::Nodes => {
                        let page = or_cancel(cancel, client.node_page(instance_id, login, after, page_size)).await?;
                        if let Some(last) = page.last() {
                            last_node = last_node.max(last.id);
                        }
                        (page.iter().map(|n| n.id).collect::<Vec<_>>(), Chunk::Nodes(page))
                    }
                    Half::Relationships => {
                        let mut page =
                            or_cancel(cancel, client.relationship_page(instance_id, login, after, page_size)).await?;
                        let ids = page.iter().map(|r| r.id).collect::<Vec<_>>();
                        left_out += keep_connected(&mut page, last_node);
                        (ids, Chunk::Relationships(page))
                    }
                };
                fetching += asked.elapsed();
                // Keyset pagination only works on ids in strictly rising order; anything else would loop or skip.
                for id in &ids {
                    if *id <= after {
                        return Err(GraphError::Unexpected { detail: "the ids did not come in rising order".into() });
                    }
                    after = *id;
                }
                done += ids.len() as u64;
                let empty = match &chunk {
                    Chunk::Nodes(page) => page.is_empty(),
                    Chunk::Relationships(page) => page.is_empty(),
                    Chunk::Finish => true,
                };
                if !empty {
                    send(chunk).await?;
                }
                progress(half, done);
                if ids.len() < page_size {
                    break;
                }
            }
        }
        send(Chunk::Finish).await
    };
    let waited_before = client.time_waiting();
    let read = read.await;
    drop(tx);
    let written = writer.await.map_err(|e| GraphError::Write(io::Error::other(e)))?;
    match (read, written) {
        (Ok(()), Ok(Some((file, footer, bytes, busy, compress)))) => {
            let query_api = client.time_waiting().saturating_sub(waited_before);
            let timings = TransferTimings {
                wall: started.elapsed(),
                query_api,
                decode: fetching.saturating_sub(query_api),
                encode: busy.saturating_sub(compress),
                compress,
            };
            Ok(PendingExport {
                file,
                path: path.to_path_buf(),
                summary: ExportSummary {
                    counts: footer.counts(),
                    digest: footer.digest,
                    bytes,
                    timings,
                    left_out_relationships: left_out,
                },
            })
        }
        // The writer failed first; its error is the cause (the reader only saw the channel close).
        (_, Err(e)) => Err(GraphError::Write(e)),
        (Err(e), _) => Err(e),
        (Ok(()), Ok(None)) => Err(GraphError::Write(io::Error::other("the file writer stopped early"))),
    }
}

/// Drops the relationships with an end above `last_node` (the highest node id in the file); how many went.
fn keep_connected(page: &mut Vec<Relationship>, last_node: i64) -> u64 {
    let before = page.len();
    page.retain(|r| r.start <= last_node && r.end <= last_node);
    (before - page.len()) as u64
}

/// What a checked file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    /// Its header.
    pub header: Header,
    /// Nodes and relationships.
    pub counts: GraphCounts,
    /// Its content digest.
    pub digest: String,
    /// Its size on disk.
    pub bytes: u64,
}

/// Counts the bytes read from the file (for progress).
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

type FileReader = GraphReader<BufReader<Timed<zstd::Decoder<'static, BufReader<Counting<File>>>>>>;

/// Every zstd frame starts with these bytes: a file without them is not an export at all, while one with them that
/// does not decompress is a damaged export.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn open(path: &Path) -> Result<(FileReader, Arc<AtomicU64>, u64), GraphFileError> {
    let mut file = File::open(path).map_err(GraphFileError::Unreadable)?;
    let size = file.metadata().map_err(GraphFileError::Unreadable)?.len();
    let mut magic = [0u8; 4];
    let mut filled = 0;
    while filled < magic.len() {
        match file.read(&mut magic[filled..]).map_err(GraphFileError::Unreadable)? {
            0 => return Err(GraphFileError::NotAGraphExport),
            n => filled += n,
        }
    }
    if magic != ZSTD_MAGIC {
        return Err(GraphFileError::NotAGraphExport);
    }
    file.seek(SeekFrom::Start(0)).map_err(GraphFileError::Unreadable)?;
    let read = Arc::new(AtomicU64::new(0));
    let decoder = zstd::Decoder::new(Counting { inner: file, read: Arc::clone(&read) })
        .map_err(|_| GraphFileError::NotAGraphExport)?;
    let reader =
        GraphReader::open(BufReader::with_capacity(256 * 1024, Timed { inner: decoder, spent: Duration::ZERO }))?;
    Ok((reader, read, size))
}

/// The header of a file and its size, without reading further (for the confirmation dialog).
pub fn read_header(path: &Path) -> Result<(Header, u64), GraphFileError> {
    let (reader, _, size) = open(path)?;
    Ok((reader.header().clone(), size))
}

/// Reads a whole file and checks it (structure, order, counts, CRC-32, digest) without changing anything; reports
/// `(bytes read, file size)` as it goes. Blocking: run it on a blocking thread.
pub fn check_file(path: &Path, mut progress: impl FnMut(u64, u64)) -> Result<FileSummary, GraphFileError> {
    let (mut reader, read, size) = open(path)?;
    let mut items = 0u64;
    while reader.next_item()?.is_some() {
        items += 1;
        if items.is_multiple_of(2000) {
            progress(read.load(Ordering::Relaxed), size);
        }
    }
    progress(size, size);
    let footer = reader.footer().cloned().ok_or(GraphFileError::Truncated)?;
    Ok(FileSummary { header: reader.header().clone(), counts: footer.counts(), digest: footer.digest, bytes: size })
}

/// The stages of an import, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPhase {
    /// Deleting what the instance holds.
    Delete,
    /// Creating the nodes.
    Nodes,
    /// Creating the relationships.
    Relationships,
    /// Removing the import marks and the temporary constraint.
    Finish,
}

/// What an import reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportEvent {
    /// A stage began.
    Started(ImportPhase),
    /// Items done so far in a stage (nodes deleted, nodes or relationships created, nodes unmarked).
    Progress(ImportPhase, u64),
    /// A stage ended.
    Finished(ImportPhase),
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    /// Nodes deleted first.
    pub deleted: u64,
    /// Nodes and relationships created (the file's counts).
    pub created: GraphCounts,
    /// Where the time went (the delete and the unmarking count as waiting for the Query API).
    pub timings: TransferTimings,
}

enum Batch {
    Nodes(Vec<Node>),
    Relationships(Vec<Relationship>),
}

/// Streams a file's nodes and relationships in batches into `tx`; the footer at the end (the file was checked
/// before, but it is read again here and must still be whole).
fn read_batches(path: &Path, tx: mpsc::Sender<Batch>) -> Result<ReadBatches, GraphFileError> {
    let started = Instant::now();
    let mut waiting = Duration::ZERO;
    let (mut reader, _, _) = open(path)?;
    // Sends a batch; the time waiting for the network side to take it is not the reader's.
    let mut send = |batch: Batch| {
        let t = Instant::now();
        let sent = tx.blocking_send(batch).is_ok();
        waiting += t.elapsed();
        sent
    };
    let (mut nodes, mut rels, mut bytes) = (Vec::new(), Vec::new(), 0usize);
    loop {
        let item = reader.next_item()?;
        let line = reader.last_line_len();
        let full = |len: usize, bytes: usize| len >= BATCH_ROWS || bytes >= BATCH_BYTES;
        match item {
            Some(Item::Node(n)) => {
                nodes.push(n);
                bytes += line;
                if full(nodes.len(), bytes) {
                    bytes = 0;
                    if !send(Batch::Nodes(std::mem::take(&mut nodes))) {
                        return Ok(ReadBatches::default());
                    }
                }
            }
            Some(Item::Relationship(r)) => {
                if !nodes.is_empty() {
                    bytes = 0;
                    if !send(Batch::Nodes(std::mem::take(&mut nodes))) {
                        return Ok(ReadBatches::default());
                    }
                }
                rels.push(r);
                bytes += line;
                if full(rels.len(), bytes) {
                    bytes = 0;
                    if !send(Batch::Relationships(std::mem::take(&mut rels))) {
                        return Ok(ReadBatches::default());
                    }
                }
            }
            None => break,
        }
    }
    let last = if !nodes.is_empty() {
        Some(Batch::Nodes(nodes))
    } else {
        (!rels.is_empty()).then_some(Batch::Relationships(rels))
    };
    if let Some(batch) = last {
        if !send(batch) {
            return Ok(ReadBatches::default());
        }
    }
    let decompress = reader.input().get_ref().spent;
    let busy = started.elapsed().saturating_sub(waiting);
    Ok(ReadBatches { footer: reader.footer().cloned(), parse: busy.saturating_sub(decompress), decompress })
}

/// How reading a file for an import ended: its footer (`None`: stopped early), and where the reader's time went.
#[derive(Default)]
struct ReadBatches {
    footer: Option<Footer>,
    parse: Duration,
    decompress: Duration,
}

/// Replaces everything in an instance with the contents of a (checked) file: deletes the data in batches, creates
/// the import constraint, writes nodes then relationships in batched `UNWIND` statements, removes the import marks
/// and the constraint. Reports every stage and batch. The final count check is the caller's.
pub async fn import(
    client: &GraphClient,
    login: &DbLogin,
    instance_id: &str,
    path: &Path,
    mut on_event: impl FnMut(ImportEvent) + Send,
    cancel: &CancellationToken,
) -> Result<ImportSummary, GraphError> {
    let started = Instant::now();
    let waited_before = client.time_waiting();
    let mut building = Duration::ZERO;
    on_event(ImportEvent::Started(ImportPhase::Delete));
    let mut deleted = 0u64;
    loop {
        let n = or_cancel(cancel, client.delete_batch(instance_id, login, DELETE_BATCH)).await?;
        if n == 0 {
            break;
        }
        deleted += n;
        on_event(ImportEvent::Progress(ImportPhase::Delete, deleted));
    }
    on_event(ImportEvent::Finished(ImportPhase::Delete));

    or_cancel(cancel, client.create_constraint(instance_id, login)).await?;
    on_event(ImportEvent::Started(ImportPhase::Nodes));
    let (tx, mut rx) = mpsc::channel::<Batch>(2);
    let file = path.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || read_batches(&file, tx));
    let written = async {
        let (mut nodes, mut rels, mut missing) = (0u64, 0u64, 0u64);
        let mut in_rels = false;
        while let Some(batch) = rx.recv().await {
            match batch {
                Batch::Nodes(batch) => {
                    let (t, w) = (Instant::now(), client.time_waiting());
                    let created = or_cancel(cancel, client.create_nodes(instance_id, login, &batch)).await;
                    // The call's time, less its answer's: building the request.
                    building += t.elapsed().saturating_sub(client.time_waiting().saturating_sub(w));
                    let created = created?;
                    if created != batch.len() as u64 {
                        return Err(GraphError::Unexpected {
                            detail: format!("{created} of {} nodes in a batch were created", batch.len()),
                        });
                    }
                    nodes += created;
                    on_event(ImportEvent::Progress(ImportPhase::Nodes, nodes));
                }
                Batch::Relationships(batch) => {
                    if !in_rels {
                        in_rels = true;
                        on_event(ImportEvent::Finished(ImportPhase::Nodes));
                        on_event(ImportEvent::Started(ImportPhase::Relationships));
                    }
                    let (t, w) = (Instant::now(), client.time_waiting());
                    let created = or_cancel(cancel, client.create_relationships(instance_id, login, &batch)).await;
                    // The call's time, less its answer's: building the request.
                    building += t.elapsed().saturating_sub(client.time_waiting().saturating_sub(w));
                    let created = created?;
                    missing += (batch.len() as u64).saturating_sub(created);
                    rels += created;
                    on_event(ImportEvent::Progress(ImportPhase::Relationships, rels));
                }
            }
        }
        if !in_rels {
            on_event(ImportEvent::Finished(ImportPhase::Nodes));
            on_event(ImportEvent::Started(ImportPhase::Relationships));
        }
        Ok((GraphCounts { nodes, relationships: rels }, missing))
    }
    .await;
    // Stop the reader if the writes failed (it sees the channel close), then hear how the file read ended.
    drop(rx);
    let footer = reader.await.map_err(|e| GraphError::Unexpected { detail: e.to_string() })?;
    let (created, missing) = written?;
    let read = footer?;
    let footer = read.footer.ok_or(GraphFileError::Truncated)?;
    on_event(ImportEvent::Finished(ImportPhase::Relationships));

    on_event(ImportEvent::Started(ImportPhase::Finish));
    let mut unmarked = 0u64;
    loop {
        let n = or_cancel(cancel, client.strip_batch(instance_id, login, STRIP_BATCH)).await?;
        if n == 0 {
            break;
        }
        unmarked += n;
        on_event(ImportEvent::Progress(ImportPhase::Finish, unmarked));
    }
    or_cancel(cancel, client.drop_constraint(instance_id, login)).await?;
    on_event(ImportEvent::Finished(ImportPhase::Finish));

    if missing > 0 {
        return Err(GraphError::MissingEnds { missing });
    }
    if created.nodes != footer.nodes {
        return Err(GraphError::mismatch(footer.counts(), created));
    }
    let query_api = client.time_waiting().saturating_sub(waited_before);
    let timings = TransferTimings {
        wall: started.elapsed(),
        query_api,
        decode: building,
        encode: read.parse,
        compress: read.decompress,
    };
    Ok(ImportSummary { deleted, created, timings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationships_to_nodes_added_after_the_node_half_are_left_out() {
        let rel =
            |id, start, end| Relationship { id, rel_type: "R".into(), start, end, properties: Default::default() };
        let mut page = vec![rel(1, 0, 9), rel(2, 9, 10), rel(3, 11, 2), rel(4, 5, 5)];
        assert_eq!(keep_connected(&mut page, 9), 2);
        assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), [1, 4]);
    }
    use time::macros::datetime;

    #[test]
    fn file_names_say_what_and_when_without_unsafe_characters() {
        let at = datetime!(2026-11-21 15:12:59 +01:00);
        assert_eq!(file_name("Production", at), "Production_2026-11-21T1412Z.graph.jsonl.zst");
        assert_eq!(file_name("a/b: c", at), "a-b-c_2026-11-21T1412Z.graph.jsonl.zst");
        assert_eq!(file_name("///", at), "instance_2026-11-21T1412Z.graph.jsonl.zst");
    }

    fn compressed(text: &[u8]) -> Vec<u8> {
        let mut encoder = zstd::Encoder::new(Vec::new(), 3).unwrap();
        encoder.include_checksum(true).unwrap();
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn sample() -> Vec<u8> {
        let mut w = GraphWriter::new(Vec::new(), &Header::new("i1", "Staging")).unwrap();
        for id in 0..5000 {
            let mut properties = serde_json::Map::new();
            properties.insert("n".into(), serde_json::json!({"$type": "Integer", "_value": id.to_string()}));
            w.node(&Node { id, labels: vec!["L".into()], properties }).unwrap();
        }
        w.finish().unwrap().0
    }

    #[test]
    fn a_whole_file_checks_and_a_cut_or_foreign_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.graph.jsonl.zst");
        let bytes = compressed(&sample());
        std::fs::write(&good, &bytes).unwrap();
        let mut reports = Vec::new();
        let summary = check_file(&good, |done, total| reports.push((done, total))).unwrap();
        assert_eq!(summary.counts, GraphCounts { nodes: 5000, relationships: 0 });
        assert_eq!(summary.header.instance_name, "Staging");
        assert_eq!(reports.last(), Some(&(bytes.len() as u64, bytes.len() as u64)));
        assert_eq!(read_header(&good).unwrap().1, bytes.len() as u64);

        let cut = dir.path().join("cut.graph.jsonl.zst");
        std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
        assert!(matches!(check_file(&cut, |_, _| {}), Err(GraphFileError::Truncated)));

        let plain = dir.path().join("plain.graph.jsonl.zst");
        std::fs::write(&plain, sample()).unwrap();
        assert!(matches!(check_file(&plain, |_, _| {}), Err(GraphFileError::NotAGraphExport)));

        // A flipped byte anywhere after the zstd magic is damage to an export, never "another kind of file".
        for at in [8, bytes.len() / 3, bytes.len() / 2, bytes.len() - 3] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x55;
            let damaged = dir.path().join("damaged.graph.jsonl.zst");
            std::fs::write(&damaged, &flipped).unwrap();
            let e = check_file(&damaged, |_, _| {}).unwrap_err();
            assert!(
                matches!(
                    e,
                    GraphFileError::Corrupt { .. } | GraphFileError::ChecksumMismatch | GraphFileError::Truncated
                ),
                "a flipped byte at {at} is damage: {e:?}"
            );
        }
        assert!(matches!(check_file(&dir.path().join("missing"), |_, _| {}), Err(GraphFileError::Unreadable(_))));
    }
}
