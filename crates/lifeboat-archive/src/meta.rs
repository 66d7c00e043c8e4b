//! The small binary records at the start of Neo4j archives: backup metadata (§4.4) and the archive size
//! summary that precedes the tar in zstd streams (§4.2). All integers are big-endian.

use std::io::{self, Read};

use crate::fault::Fault;
use crate::source::SourceError;

/// The 4 ASCII bytes every zstd stream Neo4j writes starts with, once decompressed (§4.2).
pub(crate) const ZSTD_PAYLOAD_HEADER: &[u8; 4] = b"zstd";
/// The metadata version byte of backup metadata version 2 (§4.4).
pub(crate) const BACKUP_META_V2: u8 = 0x02;

/// What a `.backup` file says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BackupMeta {
    pub store_engine: String,
    pub store_format: String,
    pub store_major: i8,
    pub store_minor: i8,
    pub database_name: String,
    /// Seconds since the Unix epoch, UTC.
    pub backup_time: i64,
    pub lowest_tx: i64,
    pub highest_tx: i64,
    pub recovered: bool,
    pub compressed: bool,
    pub full: bool,
}

/// The size summary in front of the tar: regular-file count and the sum of their sizes (= `FullSize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArchiveMeta {
    pub files: u64,
    pub bytes: u64,
}

/// A reader that counts what it consumed, to learn where plain metadata ends and the zstd stream begins.
pub(crate) struct Counting<R> {
    pub inner: R,
    pub count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

fn damaged(what: &str) -> Fault {
    Fault::Damaged(format!("the backup's description of itself is unreadable ({what})"))
}

fn read_bytes<const N: usize>(r: &mut impl Read) -> Result<[u8; N], Fault> {
    let mut buf = [0u8; N];
    r.read_exact(&mut buf).map_err(SourceError::from_read)?;
    Ok(buf)
}

fn read_u8(r: &mut impl Read) -> Result<u8, Fault> {
    Ok(read_bytes::<1>(r)?[0])
}

fn read_i32(r: &mut impl Read) -> Result<i32, Fault> {
    Ok(i32::from_be_bytes(read_bytes(r)?))
}

fn read_i64(r: &mut impl Read) -> Result<i64, Fault> {
    Ok(i64::from_be_bytes(read_bytes(r)?))
}

fn read_short_string(r: &mut impl Read) -> Result<String, Fault> {
    let len = read_u8(r)?;
    let mut buf = vec![0u8; usize::from(len)];
    r.read_exact(&mut buf).map_err(SourceError::from_read)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// Reads the 4-byte `zstd` marker that starts every decompressed Neo4j stream.
pub(crate) fn read_payload_header(r: &mut impl Read) -> Result<(), Fault> {
    let header = read_bytes::<4>(r)?;
    if &header != ZSTD_PAYLOAD_HEADER {
        return Err(Fault::Damaged(
            "the compressed data inside isn't laid out the way Neo4j writes it (its 'zstd' header is missing)".into(),
        ));
    }
    Ok(())
}

/// Reads backup metadata version 1 (`BZV1`/`BTV1`), or version 2 when `v2` (the caller has already checked the
/// version byte).
pub(crate) fn read_backup_meta(r: &mut impl Read, v2: bool) -> Result<BackupMeta, Fault> {
    // StoreId
    let store_id_version = read_u8(r)?;
    if store_id_version != 1 {
        return Err(damaged(&format!("unknown store id version {store_id_version}")));
    }
    let _creation_time = read_i64(r)?;
    let _random = read_i64(r)?;
    let store_engine = read_short_string(r)?;
    let store_format = read_short_string(r)?;
    let store_major = read_u8(r)? as i8;
    let store_minor = read_u8(r)? as i8;
    // DatabaseId: a UUID written as its two halves.
    let uuid_len = read_u8(r)?;
    if uuid_len != 16 {
        return Err(damaged(&format!("database id of {uuid_len} bytes")));
    }
    let _uuid = read_bytes::<16>(r)?;
    let database_name = read_short_string(r)?;
    let backup_time = read_i64(r)?;
    let lowest_tx = read_i64(r)?;
    let highest_tx = read_i64(r)?;
    // java.util.BitSet bytes: bit 0 recovered, bit 1 compressed, bit 2 full.
    let flags_len = read_u8(r)?;
    if flags_len > 8 {
        return Err(damaged(&format!("flags of {flags_len} bytes")));
    }
    let mut flags = [0u8; 8];
    r.read_exact(&mut flags[..usize::from(flags_len)]).map_err(SourceError::from_read)?;
    let meta = BackupMeta {
        store_engine,
        store_format,
        store_major,
        store_minor,
        database_name,
        backup_time,
        lowest_tx,
        highest_tx,
        recovered: flags[0] & 0x01 != 0,
        compressed: flags[0] & 0x02 != 0,
        full: flags[0] & 0x04 != 0,
    };
    if v2 {
        skip_key_values(r)?;
    }
    Ok(meta)
}

/// Skips version 2's key/value map (we need none of its values; `metadataScript` may be up to 1 MiB).
fn skip_key_values(r: &mut impl Read) -> Result<(), Fault> {
    const MAX_ENTRIES: i32 = 100_000;
    const MAX_LEN: i32 = 64 * 1024 * 1024;
    let count = read_i32(r)?;
    if !(0..=MAX_ENTRIES).contains(&count) {
        return Err(damaged(&format!("{count} extra entries")));
    }
    for _ in 0..count * 2 {
        let len = read_i32(r)?;
        if !(0..=MAX_LEN).contains(&len) {
            return Err(damaged(&format!("an extra entry of {len} bytes")));
        }
        let copied = io::copy(&mut r.take(len as u64), &mut io::sink()).map_err(SourceError::from_read)?;
        if copied < len as u64 {
            return Err(Fault::Truncated);
        }
    }
    Ok(())
}

/// Reads the archive size summary: version 1, file count, byte count (§4.2).
pub(crate) fn read_archive_meta(r: &mut impl Read) -> Result<ArchiveMeta, Fault> {
    let version = read_i32(r)?;
    if version != 1 {
        return Err(Fault::Damaged(format!(
            "the archive's size summary has a version Lifeboat doesn't know ({version})"
        )));
    }
    let files = read_i64(r)?;
    let bytes = read_i64(r)?;
    if files < 0 || bytes < 0 {
        return Err(Fault::Damaged("the archive's size summary holds negative sizes".into()));
    }
    Ok(ArchiveMeta { files: files as u64, bytes: bytes as u64 })
}

/// Writes backup metadata (version 1 layout, then the empty v2 map when `v2`); the test generator's half.
pub(crate) fn write_backup_meta(out: &mut impl io::Write, meta: &BackupMeta, v2: bool) -> io::Result<()> {
    let name = meta.database_name.as_bytes();
    let engine = meta.store_engine.as_bytes();
    let format = meta.store_format.as_bytes();
    for s in [name, engine, format] {
        if s.len() > 255 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "names in backup metadata are at most 255 bytes"));
        }
    }
    out.write_all(&[1])?;
    out.write_all(&1_700_000_000_000i64.to_be_bytes())?;
    out.write_all(&0x1234_5678_9abc_def0i64.to_be_bytes())?;
    out.write_all(&[engine.len() as u8])?;
    out.write_all(engine)?;
    out.write_all(&[format.len() as u8])?;
    out.write_all(format)?;
    out.write_all(&[meta.store_major as u8, meta.store_minor as u8])?;
    out.write_all(&[16])?;
    out.write_all(&0x0123_4567_89ab_cdefi64.to_be_bytes())?;
    out.write_all(&0x0fed_cba9_8765_4321i64.to_be_bytes())?;
    out.write_all(&[name.len() as u8])?;
    out.write_all(name)?;
    out.write_all(&meta.backup_time.to_be_bytes())?;
    out.write_all(&meta.lowest_tx.to_be_bytes())?;
    out.write_all(&meta.highest_tx.to_be_bytes())?;
    let flags = u8::from(meta.recovered) | (u8::from(meta.compressed) << 1) | (u8::from(meta.full) << 2);
    out.write_all(&[1, flags])?;
    if v2 {
        out.write_all(&0i32.to_be_bytes())?;
    }
    Ok(())
}

/// Writes the archive size summary.
pub(crate) fn write_archive_meta(out: &mut impl io::Write, meta: ArchiveMeta) -> io::Result<()> {
    out.write_all(&1i32.to_be_bytes())?;
    out.write_all(&(meta.files as i64).to_be_bytes())?;
    out.write_all(&(meta.bytes as i64).to_be_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_meta_round_trips() {
        let meta = BackupMeta {
            store_engine: "record".into(),
            store_format: "aligned".into(),
            store_major: 1,
            store_minor: 1,
            database_name: "movies".into(),
            backup_time: 1_717_243_200,
            lowest_tx: 1,
            highest_tx: 42,
            recovered: true,
            compressed: false,
            full: true,
        };
        for v2 in [false, true] {
            let mut buf = Vec::new();
            write_backup_meta(&mut buf, &meta, v2).expect("write");
            let mut r = buf.as_slice();
            assert_eq!(read_backup_meta(&mut r, v2).expect("read"), meta);
            assert!(r.is_empty());
        }
        let mut cut = Vec::new();
        write_backup_meta(&mut cut, &meta, false).expect("write");
        cut.truncate(30);
        assert!(matches!(read_backup_meta(&mut cut.as_slice(), false), Err(Fault::Truncated)));
    }
}
