//! Reads and writes just enough of the tar format (POSIX ustar + PAX/GNU extensions) to walk an archive.
//!
//! Why our own: we need to *validate* (header checksums, sizes, the end-of-archive marker) while skipping
//! payloads by seeking, which general tar readers don't expose; and the writer must stream multi-GiB entries
//! from a generator. Neo4j writes tars with Apache commons-compress: ustar headers, PAX records for long
//! names and big numbers, two zero records at the end, zero padding to 10240 bytes (§4.3).

use std::io::{self, Write};

use crate::fault::Fault;
use crate::source::Source;

/// A tar record is 512 bytes.
pub(crate) const RECORD: usize = 512;
/// commons-compress pads archives to this block size (20 records).
const BLOCK: u64 = 10_240;
/// PAX and GNU long-name records are small; a huge one means the header is garbage.
const MAX_EXTENSION_LEN: u64 = 16 * 1024 * 1024;

/// One entry's header, after applying any PAX/GNU overrides.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    pub size: u64,
    pub kind: u8,
}

impl Entry {
    pub(crate) fn is_regular_file(&self) -> bool {
        matches!(self.kind, b'0' | b'\0' | b'7')
    }

    /// The last path component ("./foo/neo4j.dump" → "neo4j.dump").
    pub(crate) fn base_name(&self) -> &str {
        self.name.trim_end_matches('/').rsplit('/').next().unwrap_or(&self.name)
    }
}

/// What a complete walk found.
#[derive(Debug, Default, Clone)]
pub(crate) struct TarSummary {
    /// Number of regular files.
    pub files: u64,
    /// Sum of the regular files' sizes: the uncompressed store size.
    pub bytes: u64,
    /// Every entry's name, in order (capped, for messages).
    pub names: Vec<String>,
}

/// Whether `head` (at least 512 bytes) starts with a plausible tar header: ustar magic, or a valid checksum.
pub(crate) fn looks_like_tar_header(head: &[u8]) -> bool {
    let Some(record) = head.get(..RECORD) else { return false };
    if record.iter().all(|&b| b == 0) {
        return false;
    }
    &record[257..262] == b"ustar" || checksum_ok(record)
}

/// Whether a 512-byte record is a tar header with a correct checksum (what a valid archive must start with).
pub(crate) fn header_valid(record: &[u8]) -> bool {
    record.len() >= RECORD && !record[..RECORD].iter().all(|&b| b == 0) && checksum_ok(&record[..RECORD])
}

/// Compares the stored header checksum with the computed one (the checksum field itself counts as spaces).
/// Old writers summed signed bytes, so either sum is accepted.
fn checksum_ok(record: &[u8]) -> bool {
    let Some(stored) = parse_octal(&record[148..156]) else { return false };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in record.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let trimmed: &[u8] = {
        let start = field.iter().position(|&b| b != b' ' && b != 0)?;
        let end = field[start..].iter().position(|&b| b == b' ' || b == 0).map_or(field.len(), |e| start + e);
        &field[start..end]
    };
    let mut value: u64 = 0;
    for &b in trimmed {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        value = value.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

/// Parses a numeric field: octal text, or (high bit set) big-endian base-256 as GNU/star write big sizes.
fn parse_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|&b| b & 0x80 != 0) {
        if field[0] & 0x40 != 0 {
            return None; // negative
        }
        let mut value: u64 = u64::from(field[0] & 0x3F);
        for &b in &field[1..] {
            value = value.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(value);
    }
    if field.iter().all(|&b| b == 0 || b == b' ') {
        return Some(0);
    }
    parse_octal(field)
}

fn c_string(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn padded(size: u64) -> u64 {
    size.div_ceil(RECORD as u64) * RECORD as u64
}

/// What an entry visitor of [`walk_steps`] wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Go on; the visitor read this many bytes of the entry's data (the walker skips the rest).
    Next(u64),
    /// Stop here: the visitor has learned what it came for (the walk ends without reaching the end marker).
    Stop,
}

/// Walks a tar from the source's current position to its end-of-archive marker.
///
/// `on_entry` sees each entry and may read part of its data from the source, returning how many bytes it
/// consumed; the walker skips the rest. Bytes after the end marker (padding) are not examined.
pub(crate) fn walk<S: Source>(
    src: &mut S,
    mut on_entry: impl FnMut(&Entry, &mut S) -> Result<u64, Fault>,
) -> Result<TarSummary, Fault> {
    walk_steps(src, |entry, src| on_entry(entry, src).map(Step::Next)).map(|(summary, _)| summary)
}

/// [`walk`], with a visitor that may stop the walk early; the flag says whether it did (then the summary
/// covers only the entries seen so far).
pub(crate) fn walk_steps<S: Source>(
    src: &mut S,
    mut on_entry: impl FnMut(&Entry, &mut S) -> Result<Step, Fault>,
) -> Result<(TarSummary, bool), Fault> {
    const NAMES_KEPT: usize = 1000;
    let mut summary = TarSummary::default();
    let mut record = [0u8; RECORD];
    let mut long_name: Option<String> = None;
    let mut pax_path: Option<String> = None;
    let mut pax_size: Option<u64> = None;
    loop {
        let at = src.pos();
        src.read_exact(&mut record)?;
        if record.iter().all(|&b| b == 0) {
            // End of archive: a second zero record, or (leniently) the end of the data.
            if src.at_end()? {
                return Ok((summary, false));
            }
            src.read_exact(&mut record)?;
            if record.iter().all(|&b| b == 0) {
                return Ok((summary, false));
            }
            return Err(Fault::Damaged(format!("the tar archive has a broken end marker (at byte {at})")));
        }
        if !checksum_ok(&record) {
            return Err(Fault::Damaged(format!("a header in the tar archive is corrupt (at byte {at})")));
        }
        let kind = record[156];
        let header_size = parse_number(&record[124..136])
            .ok_or_else(|| Fault::Damaged(format!("a header in the tar archive has an invalid size (at byte {at})")))?;
        let size = pax_size.take().filter(|_| !matches!(kind, b'x' | b'g' | b'L' | b'K')).unwrap_or(header_size);
        match kind {
            b'x' | b'g' | b'L' | b'K' => {
                if size > MAX_EXTENSION_LEN {
                    return Err(Fault::Damaged(format!(
                        "a header in the tar archive has an implausible size (at byte {at})"
                    )));
                }
                let mut data = vec![0u8; size as usize];
                src.read_exact(&mut data)?;
                src.skip(padded(size) - size)?;
                match kind {
                    b'x' => {
                        let (path, size) = parse_pax(&data);
                        pax_path = path.or(pax_path);
                        pax_size = size;
                    }
                    b'L' => long_name = Some(c_string(&data)),
                    _ => {} // global headers and long link names don't affect what we count
                }
                continue;
            }
            _ => {}
        }
        let name = pax_path.take().or_else(|| long_name.take()).unwrap_or_else(|| {
            let name = c_string(&record[0..100]);
            let prefix = if &record[257..262] == b"ustar" { c_string(&record[345..500]) } else { String::new() };
            if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            }
        });
        let entry = Entry { name, size, kind };
        if entry.is_regular_file() {
            summary.files += 1;
            summary.bytes += size;
        }
        // Hard links, directories etc. carry no data whatever their size field says, except regular files.
        let data_len =
            if entry.is_regular_file() || !matches!(kind, b'1' | b'2' | b'3' | b'4' | b'5' | b'6') { size } else { 0 };
        let step = on_entry(&entry, src)?;
        if summary.names.len() < NAMES_KEPT {
            summary.names.push(entry.name);
        }
        match step {
            Step::Next(consumed) => src.skip(padded(data_len).saturating_sub(consumed))?,
            Step::Stop => return Ok((summary, true)),
        }
    }
}

/// Extracts `path` and `size` from PAX extended-header records ("<len> <key>=<value>\n").
fn parse_pax(data: &[u8]) -> (Option<String>, Option<u64>) {
    let mut path = None;
    let mut size = None;
    let mut rest = data;
    while !rest.is_empty() {
        let Some(space) = rest.iter().position(|&b| b == b' ') else { break };
        let Some(len) = std::str::from_utf8(&rest[..space]).ok().and_then(|s| s.parse::<usize>().ok()) else {
            break;
        };
        if len <= space || len > rest.len() {
            break;
        }
        let record = &rest[space + 1..len];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(eq) = record.iter().position(|&b| b == b'=') {
            let (key, value) = (&record[..eq], &record[eq + 1..]);
            match key {
                b"path" => path = Some(String::from_utf8_lossy(value).into_owned()),
                b"size" => size = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()),
                _ => {}
            }
        }
        rest = &rest[len..];
    }
    (path, size)
}

/// Writes a ustar archive entry by entry, streaming each entry's data.
pub(crate) struct TarWriter<W: Write> {
    out: W,
    written: u64,
}

impl<W: Write> TarWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        Self { out, written: 0 }
    }

    /// Writes a header for a regular file of `size` bytes; the caller then writes exactly `size` bytes with
    /// [`data`](Self::data) and calls [`end_entry`](Self::end_entry).
    pub(crate) fn begin_file(&mut self, name: &str, size: u64, mtime: u64) -> io::Result<()> {
        let header = header(name, size, mtime, b'0')?;
        self.out.write_all(&header)?;
        self.written += RECORD as u64;
        Ok(())
    }

    pub(crate) fn data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Pads the entry's data to a whole record.
    pub(crate) fn end_entry(&mut self) -> io::Result<()> {
        let pad = (RECORD as u64 - self.written % RECORD as u64) % RECORD as u64;
        self.out.write_all(&vec![0u8; pad as usize])?;
        self.written += pad;
        Ok(())
    }

    /// Writes a whole small file.
    pub(crate) fn file(&mut self, name: &str, contents: &[u8], mtime: u64) -> io::Result<()> {
        self.begin_file(name, contents.len() as u64, mtime)?;
        self.data(contents)?;
        self.end_entry()
    }

    /// Writes a directory entry.
    pub(crate) fn dir(&mut self, name: &str, mtime: u64) -> io::Result<()> {
        let header = header(name, 0, mtime, b'5')?;
        self.out.write_all(&header)?;
        self.written += RECORD as u64;
        Ok(())
    }

    /// Writes the two zero records and pads to a 10240-byte block, as commons-compress does; returns the
    /// inner writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        let mut end = 2 * RECORD as u64;
        let total = self.written + end;
        end += (BLOCK - total % BLOCK) % BLOCK;
        self.out.write_all(&vec![0u8; end as usize])?;
        Ok(self.out)
    }
}

fn header(name: &str, size: u64, mtime: u64, kind: u8) -> io::Result<[u8; RECORD]> {
    // 11 octal digits: entries stay below 8 GiB, which the generator guarantees by splitting big stores.
    if name.len() > 100 || size >= 8 << 30 {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "tar entry name or size too large for ustar"));
    }
    let mut h = [0u8; RECORD];
    h[..name.len()].copy_from_slice(name.as_bytes());
    let mode: &[u8] = if kind == b'5' { b"0000755\0" } else { b"0000644\0" };
    h[100..108].copy_from_slice(mode);
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(format!("{:011o}\0", mtime & 0o777_7777_7777).as_bytes());
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::StreamSource;
    use std::io::Cursor;

    fn sample() -> Vec<u8> {
        let mut w = TarWriter::new(Vec::new());
        w.dir("./", 0).expect("dir");
        w.file("./a", b"hello", 0).expect("file");
        w.file("./b", &[1u8; 1000], 0).expect("file");
        w.finish().expect("finish")
    }

    #[test]
    fn walks_what_it_writes() {
        let data = sample();
        assert_eq!(data.len() % 10_240, 0);
        let s = walk(&mut StreamSource::new(Cursor::new(&data)), |_, _| Ok(0)).expect("valid");
        assert_eq!((s.files, s.bytes), (2, 1005));
        assert_eq!(s.names, vec!["./", "./a", "./b"]);
    }

    #[test]
    fn finds_bad_checksum_and_cut_off() {
        let mut data = sample();
        data[512 + 3] ^= 0x40; // a name byte of the second header
        let r = walk(&mut StreamSource::new(Cursor::new(&data)), |_, _| Ok(0));
        assert!(matches!(r, Err(Fault::Damaged(ref m)) if m.contains("corrupt")), "{r:?}");
        let data = sample();
        let r = walk(&mut StreamSource::new(Cursor::new(&data[..1024 + 100])), |_, _| Ok(0));
        assert!(matches!(r, Err(Fault::Truncated)), "{r:?}");
    }

    #[test]
    fn reads_pax_and_base256_sizes() {
        assert_eq!(
            parse_pax(b"20 size=12345678901\n17 path=a/b.dump\n"),
            (Some("a/b.dump".into()), Some(12_345_678_901))
        );
        let mut field = [0u8; 12];
        field[0] = 0x80;
        field[11] = 5;
        field[10] = 1;
        assert_eq!(parse_number(&field), Some(261));
    }
}
