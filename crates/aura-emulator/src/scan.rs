//! Reading an uploaded archive: its CRC32, and the counts marker of an archive the project generated.
//!
//! The emulator does not load a store. For archives the project's generator wrote it takes the counts from the
//! test marker embedded in the archive's content, the ASCII line `lifeboat-test-counts: nodes=<N> relationships=<M>`:
//!
//! - a gzip (`1F 8B`, optionally after a 4-byte `DGV1` prefix) or zstd (`28 B5 2F FD`, optionally after a
//!   `DZV1`/`BZV1`/`BZV2` prefix; concatenated frames included) file is decompressed and the stream searched; a
//!   `BZV3` backup is searched from its first zstd frame (its metadata comes before);
//! - a tar (ustar magic at offset 257), at the top or inside a decompressed stream, is walked entry by entry, and
//!   every entry is searched the same way (so a `.tar` holding a compressed `<db>.dump` works);
//! - anything else is searched as raw bytes; and when a decompressed or tar-walked search found nothing (or the
//!   stream was corrupt), the raw bytes of the whole file are searched too.
//!
//! Every search stops at the first valid marker and reads no further. Without a marker (a real dump) the counts
//! are what the store's records say ([`lifeboat_archive::read_store`]), or not known — never derived from a size.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::PathBuf;

use crate::model::GraphCounts;

/// What precedes the node count.
pub(crate) const MARKER: &[u8] = b"lifeboat-test-counts: nodes=";
const RELATIONSHIPS: &[u8] = b" relationships=";
/// u64::MAX has 20 digits.
const MAX_DIGITS: usize = 20;
const READ_BUFFER: usize = 1 << 20;
/// Nesting of compression and tar layers worth following.
const MAX_DEPTH: u8 = 4;
/// How far into a `BZV3` backup its zstd stream may start (the metadata holds a script of up to 1 MiB).
const BZV3_SEARCH: usize = 2 << 20;

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];

/// A `Read` over several files in sequence: one GCS object, or the parts of an S3 multipart upload in order.
pub(crate) struct Concat {
    paths: VecDeque<PathBuf>,
    current: Option<File>,
}

impl Concat {
    pub fn new(paths: &[PathBuf]) -> Concat {
        Concat { paths: paths.iter().cloned().collect(), current: None }
    }
}

impl Read for Concat {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.current.is_none() {
                let Some(path) = self.paths.pop_front() else { return Ok(0) };
                self.current = Some(File::open(&path)?);
            }
            let n = match self.current.as_mut() {
                Some(file) => file.read(buf)?,
                None => 0,
            };
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            self.current = None;
        }
    }
}

/// The CRC-32 (IEEE, as `java.util.zip.CRC32` and `crc32fast`) and length of the concatenated files.
pub(crate) fn crc32_of(paths: &[PathBuf]) -> io::Result<(u32, u64)> {
    let mut reader = Concat::new(paths);
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 8 << 20];
    let mut len = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((hasher.finalize(), len))
}

/// Searches the concatenated files for the marker (see the module documentation).
pub(crate) fn find_counts(paths: &[PathBuf]) -> io::Result<Option<GraphCounts>> {
    let mut layered = false;
    let found = scan(Box::new(Concat::new(paths)), 0, &mut layered)?;
    if found.is_some() || !layered {
        return Ok(found);
    }
    raw_scan(&mut Concat::new(paths))
}

/// Searches one stream. Errors inside a decompressed or tar layer count as "not found here"; `layered` tells
/// the caller that the raw bytes were not searched, so a raw pass is still worth making.
fn scan(mut reader: Box<dyn Read + '_>, depth: u8, layered: &mut bool) -> io::Result<Option<GraphCounts>> {
    // Enough to see a tar header's magic; the bytes are put back in front of the rest.
    let mut head = Vec::with_capacity(4096);
    (&mut reader).take(4096).read_to_end(&mut head)?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, Cursor::new(&head[..]).chain(reader));
    if depth < MAX_DEPTH {
        if let Some(layer) = Layer::sniff(&head) {
            *layered = true;
            let inner = layer.decoder(reader);
            return Ok(inner.and_then(|r| scan(r, depth + 1, &mut false)).unwrap_or_else(|e| {
                tracing::debug!(error = %e, "cannot decompress an uploaded archive layer");
                None
            }));
        }
        if head.starts_with(b"BZV3") {
            *layered = true;
            return Ok(bzv3(reader, depth).unwrap_or(None));
        }
        if is_tar(&head) {
            *layered = true;
            return Ok(walk_tar(&mut reader, depth).unwrap_or(None));
        }
    }
    raw_scan(&mut reader)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    Gzip,
    Zstd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Layer {
    codec: Codec,
    offset: usize,
}

impl Layer {
    fn sniff(head: &[u8]) -> Option<Layer> {
        let codec_at = |at: usize| {
            let rest = head.get(at..)?;
            if rest.starts_with(&ZSTD_MAGIC) {
                Some(Codec::Zstd)
            } else if rest.starts_with(&GZIP_MAGIC) {
                Some(Codec::Gzip)
            } else {
                None
            }
        };
        if let Some(codec) = codec_at(0) {
            return Some(Layer { codec, offset: 0 });
        }
        let prefixed = [b"DZV1", b"DGV1", b"BZV1", b"BZV2"].iter().any(|p| head.starts_with(&p[..]));
        if prefixed {
            return codec_at(4).map(|codec| Layer { codec, offset: 4 });
        }
        None
    }

    fn decoder<'a, R: BufRead + 'a>(self, mut reader: R) -> io::Result<Box<dyn Read + 'a>> {
        // Skip the format prefix (a BufReader only consumes what it has buffered, so read it away).
        io::copy(&mut (&mut reader).take(self.offset as u64), &mut io::sink())?;
        Ok(match self.codec {
            Codec::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
            // The decoder goes on through concatenated frames (Neo4j's multi-threaded writer makes them).
            Codec::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
        })
    }
}

/// `BZV3 | metadata | zstd(…)`: skips to the first zstd frame and searches its content.
fn bzv3<R: BufRead>(mut reader: R, depth: u8) -> io::Result<Option<GraphCounts>> {
    let mut skipped = 0usize;
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() || skipped > BZV3_SEARCH {
            return Ok(None);
        }
        // Search the carried-over tail plus this buffer, so a magic split across reads is found.
        let mut joined = tail.clone();
        joined.extend_from_slice(buf);
        if let Some(p) = find(&joined, &ZSTD_MAGIC) {
            let in_buf = p as isize - tail.len() as isize;
            let prefix: Vec<u8> = if in_buf < 0 { joined[p..tail.len()].to_vec() } else { Vec::new() };
            reader.consume(in_buf.max(0) as usize);
            let stream = Cursor::new(prefix).chain(reader);
            let decoder = zstd::stream::read::Decoder::new(stream)?;
            return scan(Box::new(decoder), depth + 1, &mut false);
        }
        let n = buf.len();
        tail = joined[joined.len().saturating_sub(ZSTD_MAGIC.len() - 1)..].to_vec();
        reader.consume(n);
        skipped += n;
    }
}

fn is_tar(head: &[u8]) -> bool {
    head.get(257..262) == Some(b"ustar")
}

/// Parses a tar numeric field: octal ASCII, or GNU base-256 when the high bit of the first byte is set.
fn tar_number(field: &[u8]) -> Option<u64> {
    match field.first() {
        Some(b) if b & 0x80 != 0 => {
            let mut v: u64 = u64::from(b & 0x7F);
            for &b in &field[1..] {
                v = v.checked_mul(256)?.checked_add(u64::from(b))?;
            }
            Some(v)
        }
        _ => {
            let text = std::str::from_utf8(field).ok()?;
            let digits = text.trim_matches(|c: char| c == '\0' || c == ' ');
            if digits.is_empty() {
                Some(0)
            } else {
                u64::from_str_radix(digits, 8).ok()
            }
        }
    }
}

/// The `size=` record of a PAX extended header, if any.
fn pax_size(records: &[u8]) -> Option<u64> {
    let text = String::from_utf8_lossy(records);
    text.lines().find_map(|line| {
        let (_, kv) = line.split_once(' ')?;
        kv.strip_prefix("size=")?.trim().parse().ok()
    })
}

/// Walks tar entries and searches each regular file's content.
fn walk_tar<R: Read>(reader: &mut R, depth: u8) -> io::Result<Option<GraphCounts>> {
    let mut header = [0u8; 512];
    let mut size_override: Option<u64> = None;
    loop {
        if !read_full(reader, &mut header)? || header.iter().all(|&b| b == 0) {
            return Ok(None);
        }
        let size = size_override
            .take()
            .or_else(|| tar_number(&header[124..136]))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "tar header with an unreadable size"))?;
        let padded = size.div_ceil(512) * 512;
        match header[156] {
            b'x' if size <= 1 << 20 => {
                let mut records = vec![0u8; padded as usize];
                if !read_full(reader, &mut records)? {
                    return Ok(None);
                }
                size_override = pax_size(&records[..size as usize]);
            }
            b'0' | 0 | b'7' => {
                let mut entry = reader.take(size);
                if let Some(found) = scan(Box::new(&mut entry), depth + 1, &mut false)? {
                    return Ok(Some(found));
                }
                io::copy(&mut entry, &mut io::sink())?;
                io::copy(&mut reader.take(padded - size), &mut io::sink())?;
            }
            _ => {
                io::copy(&mut reader.take(padded), &mut io::sink())?;
            }
        }
    }
}

/// Fills `buf` completely, or reports a clean end of stream before its first byte.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated tar")),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Searches raw bytes, reading only until the first valid marker.
fn raw_scan<R: Read + ?Sized>(reader: &mut R) -> io::Result<Option<GraphCounts>> {
    let mut finder = Finder::default();
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(finder.finish()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(found) = finder.feed(&buf[..n]) {
            return Ok(Some(found));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(p) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + p;
        match haystack.get(at + 1..at + needle.len()) {
            Some(candidate) if candidate == rest => return Some(at),
            // A partial match at the very end: report it so the caller keeps the bytes for the next read.
            None if haystack[at + 1..].iter().zip(rest).all(|(a, b)| a == b) => return Some(at),
            _ => from = at + 1,
        }
    }
    None
}

enum Parse {
    Found(GraphCounts),
    NeedMore,
    Invalid,
}

/// Parses what follows [`MARKER`]: `<N> relationships=<M>` and a non-digit (or the end of the stream).
fn parse_after_marker(rest: &[u8], at_end: bool) -> Parse {
    let number = |s: &[u8]| -> Result<(u64, usize), bool> {
        let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == s.len() && !at_end && digits <= MAX_DIGITS {
            return Err(true);
        }
        if digits == 0 || digits > MAX_DIGITS {
            return Err(false);
        }
        std::str::from_utf8(&s[..digits]).ok().and_then(|t| t.parse().ok()).map(|v| (v, digits)).ok_or(false)
    };
    let (nodes, used) = match number(rest) {
        Ok(v) => v,
        Err(true) => return Parse::NeedMore,
        Err(false) => return Parse::Invalid,
    };
    let rest = &rest[used..];
    let common = rest.len().min(RELATIONSHIPS.len());
    if rest[..common] != RELATIONSHIPS[..common] {
        return Parse::Invalid;
    }
    if rest.len() < RELATIONSHIPS.len() {
        return if at_end { Parse::Invalid } else { Parse::NeedMore };
    }
    match number(&rest[RELATIONSHIPS.len()..]) {
        Ok((relationships, _)) => Parse::Found(GraphCounts::new(nodes, relationships)),
        Err(true) => Parse::NeedMore,
        Err(false) => Parse::Invalid,
    }
}

/// A streaming search for the marker that survives reads splitting it anywhere.
#[derive(Default)]
struct Finder {
    window: Vec<u8>,
}

impl Finder {
    fn feed(&mut self, chunk: &[u8]) -> Option<GraphCounts> {
        self.window.extend_from_slice(chunk);
        self.search(false)
    }

    fn finish(&mut self) -> Option<GraphCounts> {
        self.search(true)
    }

    fn search(&mut self, at_end: bool) -> Option<GraphCounts> {
        let mut from = 0;
        while let Some(p) = find(&self.window[from..], MARKER) {
            let at = from + p;
            let after = at + MARKER.len();
            if after > self.window.len() {
                // Only a prefix of the marker so far.
                self.window.drain(..at);
                return None;
            }
            match parse_after_marker(&self.window[after..], at_end) {
                Parse::Found(counts) => return Some(counts),
                Parse::NeedMore => {
                    self.window.drain(..at);
                    return None;
                }
                Parse::Invalid => from = at + 1,
            }
        }
        let keep = MARKER.len() - 1;
        if self.window.len() > keep {
            self.window.drain(..self.window.len() - keep);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn marker(n: u64, m: u64) -> Vec<u8> {
        format!("lifeboat-test-counts: nodes={n} relationships={m}\n").into_bytes()
    }

    fn tar_entry(name: &str, content: &[u8]) -> Vec<u8> {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", content.len()).as_bytes());
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        let mut out = h.to_vec();
        out.extend_from_slice(content);
        out.resize(out.len().div_ceil(512) * 512, 0);
        out
    }

    fn tar(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, content) in entries {
            out.extend(tar_entry(name, content));
        }
        out.extend([0u8; 1024]);
        out
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        zstd::stream::encode_all(data, 1).unwrap()
    }

    fn counts_in(bytes: &[u8]) -> Option<GraphCounts> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).unwrap();
        find_counts(&[path]).unwrap()
    }

    /// Without the raw fallback: proves the decompressing path found it.
    fn decoded_counts(bytes: &[u8]) -> Option<GraphCounts> {
        let mut layered = false;
        let found = scan(Box::new(bytes), 0, &mut layered).unwrap();
        assert!(layered);
        found
    }

    fn pseudo_random(len: usize) -> Vec<u8> {
        let mut x: u32 = 12345;
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect()
    }

    const EXPECTED: GraphCounts = GraphCounts::new(1234, 56789);

    #[test]
    fn finds_the_marker_in_raw_bytes_across_reads() {
        let mut data = pseudo_random(300_000);
        let m = marker(1234, 56789);
        // Straddle the 256 KiB read boundary.
        let at = (256 << 10) - 20;
        data.splice(at..at, m.iter().copied());
        assert_eq!(counts_in(&data), Some(EXPECTED));
        // At the very end, without a newline.
        let mut tail = b"xx".to_vec();
        tail.extend_from_slice(b"lifeboat-test-counts: nodes=1234 relationships=56789");
        assert_eq!(counts_in(&tail), Some(EXPECTED));
    }

    #[test]
    fn invalid_markers_are_skipped() {
        let mut data = b"lifeboat-test-counts: nodes=x relationships=1 ".to_vec();
        data.extend_from_slice(b"lifeboat-test-counts: nodes=5 relations=1 ");
        data.extend(marker(1234, 56789));
        assert_eq!(counts_in(&data), Some(EXPECTED));
        assert_eq!(counts_in(b"nothing here"), None);
    }

    #[test]
    fn finds_the_marker_in_every_archive_shape() {
        let payload = tar(&[("./neostore", pseudo_random(5000)), ("./counts.txt", marker(1234, 56789))]);
        let mut dump_stream = b"zstd".to_vec();
        dump_stream.extend([0, 0, 0, 1]);
        dump_stream.extend([0u8; 16]);
        dump_stream.extend(&payload);
        let mut dzv1 = b"DZV1".to_vec();
        dzv1.extend(zstd(&dump_stream));
        let mut dgv1 = b"DGV1".to_vec();
        dgv1.extend(gzip(&payload));
        // Concatenated zstd frames, the marker in the second.
        let mut frames = b"DZV1".to_vec();
        frames.extend(zstd(&pseudo_random(70_000)));
        frames.extend(zstd(&marker(1234, 56789)));
        // BZV3: metadata, then zstd.
        let mut bzv3 = b"BZV3\x02".to_vec();
        bzv3.extend(pseudo_random(3000).iter().map(|b| b & 0x7F));
        bzv3.extend(zstd(&dump_stream));
        // An AuraDS .tar (gzip) holding a compressed dump.
        let ds = gzip(&tar(&[("content", b"Some awesome content!".to_vec()), ("foo.dump", dzv1.clone())]));
        let shapes = [
            ("DZV1", dzv1),
            ("DGV1", dgv1),
            ("legacy zstd", zstd(&dump_stream)),
            ("legacy gzip", gzip(&payload)),
            ("concatenated frames", frames),
            ("BZV3", bzv3),
            ("tar.gz with a dump", ds),
            ("plain tar", payload),
        ];
        for (name, bytes) in shapes {
            assert_eq!(decoded_counts(&bytes), Some(EXPECTED), "{name}");
            assert_eq!(counts_in(&bytes), Some(EXPECTED), "{name}");
        }
    }

    #[test]
    fn corrupt_compression_falls_back_to_raw_bytes() {
        let mut data = b"DZV1".to_vec();
        data.extend(ZSTD_MAGIC);
        data.extend(pseudo_random(1000));
        data.extend(marker(1234, 56789));
        assert_eq!(counts_in(&data), Some(EXPECTED));
    }

    #[test]
    fn crc32_matches_the_check_value_across_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, b"1234").unwrap();
        std::fs::write(&b, b"56789").unwrap();
        assert_eq!(crc32_of(&[a, b]).unwrap(), (0xCBF4_3926, 9));
    }
}
