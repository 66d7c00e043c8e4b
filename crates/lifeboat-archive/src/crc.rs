//! The CRC-32 of a whole file, as the import protocol sends it (`Crc32`, §4.3): CRC-32/ISO-HDLC, the zlib /
//! `java.util.zip.CRC32` one, computed with `crc32fast` (SIMD where the CPU has it).

use std::io::{self, Read};
use std::path::Path;

use crate::error::InspectError;
use crate::open;

/// The read buffer of [`crc32_file`]: 4 MiB, as `neo4j-admin` 5.x uses. Small reads are what made the 4.x
/// client slow (it read byte by byte); past a few MiB the disk, not the syscalls, is the limit.
pub const CRC_BUFFER_SIZE: usize = 4 * 1024 * 1024;

/// Computes the CRC-32 of the file at `path`, reading it once, read-only, in [`CRC_BUFFER_SIZE`] chunks.
///
/// `progress` is called after each chunk with the number of bytes done so far (at most every 4 MiB; throttle
/// further in the UI if needed).
///
/// The checksum must describe exactly the bytes that will be uploaded, so a file that grows, shrinks or is
/// rewritten during the pass (still being copied or downloaded) fails with
/// [`InspectError::ChangedWhileReading`] instead of returning a checksum of a mixture. Opening fails like
/// [`crate::inspect`] does (not found, not readable, not a regular file, symlink loop); a folder is refused as
/// "not a regular file" (resolve it with `inspect` first).
pub fn crc32_file(path: &Path, mut progress: impl FnMut(u64)) -> Result<u32, InspectError> {
    let (file, before) = open::open_regular(path)?;
    let expected = before.len();
    let modified = before.modified().ok();
    let changed = || InspectError::ChangedWhileReading { path: path.to_path_buf() };
    let mut hasher = crc32fast::Hasher::new();
    let mut buf = vec![0u8; CRC_BUFFER_SIZE];
    let mut done: u64 = 0;
    let mut reader = &file;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(InspectError::Io { path: path.to_path_buf(), source: e }),
        };
        done += n as u64;
        if done > expected {
            // Growing while we read: stop now rather than chase an endless download.
            return Err(changed());
        }
        hasher.update(&buf[..n]);
        progress(done);
    }
    let after = file.metadata().map_err(|e| InspectError::from_io(path, e))?;
    if done != expected || after.len() != expected || after.modified().ok() != modified {
        return Err(changed());
    }
    Ok(hasher.finalize())
}
