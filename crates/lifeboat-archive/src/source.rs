//! Byte sources the structure walkers read from: a range of the file (where skipping is free) or a stream
//! (decompressed data, where skipping means reading and discarding).
//!
//! The walkers in [`crate::zstdwalk`] and [`crate::tar`] only ever read headers and skip payloads, so on a
//! file they touch a few bytes per block; that is what makes the completeness check cheap.

use std::fs::File;
use std::io::{self, BufRead, Read};

/// Why a source could not deliver the bytes asked for.
#[derive(Debug)]
pub(crate) enum SourceError {
    /// The data ended before the structure did: the file was cut off.
    Eof,
    /// A decompressor rejected the data (corrupt stream, checksum mismatch), in its words.
    Corrupt(String),
    /// The operating system failed to read.
    Io(io::Error),
}

impl SourceError {
    /// Sorts an error coming out of a `Read` (file, zstd or gzip decoder) into the three kinds above.
    pub(crate) fn from_read(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::UnexpectedEof {
            Self::Eof
        } else if err.raw_os_error().is_some() {
            Self::Io(err)
        } else {
            // Decoders report bad data as `Other`/`InvalidInput`/`InvalidData` with a message and no OS code.
            Self::Corrupt(err.to_string())
        }
    }
}

/// Something the walkers can read headers from and skip payloads in.
pub(crate) trait Source {
    /// Position relative to where this source started (for messages and bookkeeping).
    fn pos(&self) -> u64;
    /// Fills `buf` completely, or fails with [`SourceError::Eof`].
    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), SourceError>;
    /// Reads up to `buf.len()` bytes; 0 means the end.
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, SourceError>;
    /// Moves `n` bytes forward, or fails with [`SourceError::Eof`] if fewer remain.
    fn skip(&mut self, n: u64) -> Result<(), SourceError>;
    /// Whether no bytes remain.
    fn at_end(&mut self) -> Result<bool, SourceError>;
}

/// Reads `buf.len()` bytes at `offset` without moving any shared cursor (so the file can be shared).
pub(crate) fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
}

/// Reads as many bytes as possible at `offset` (stops early only at the end of the file).
pub(crate) fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match read_at(file, &mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

/// `[start, end)` of a file, read through a small window so that skips within it cost nothing and longer
/// skips cost one positioned read.
pub(crate) struct FileRange<'f> {
    file: &'f File,
    start: u64,
    end: u64,
    pos: u64,
    window: Vec<u8>,
    window_start: u64,
    window_len: usize,
}

impl<'f> FileRange<'f> {
    /// Window size: big enough that the small headers of a well-compressed stream come from memory, small
    /// enough that hopping over big blocks doesn't read what it skips.
    const WINDOW: usize = 64 * 1024;

    pub(crate) fn new(file: &'f File, start: u64, end: u64) -> Self {
        Self { file, start, end, pos: start, window: vec![0; Self::WINDOW], window_start: 0, window_len: 0 }
    }

    /// Absolute offset in the file (for messages and for the test generator's corruptors).
    pub(crate) fn abs_pos(&self) -> u64 {
        self.pos
    }

    fn fill(&mut self, at: u64) -> Result<(), SourceError> {
        let want = (self.end - at).min(Self::WINDOW as u64) as usize;
        let got = read_full_at(self.file, &mut self.window[..want], at).map_err(SourceError::Io)?;
        self.window_start = at;
        self.window_len = got;
        Ok(())
    }
}

impl Source for FileRange<'_> {
    fn pos(&self) -> u64 {
        self.pos - self.start
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), SourceError> {
        if self.end.saturating_sub(self.pos) < buf.len() as u64 {
            return Err(SourceError::Eof);
        }
        let mut done = 0;
        while done < buf.len() {
            let in_window = self.pos >= self.window_start && self.pos < self.window_start + self.window_len as u64;
            if !in_window {
                self.fill(self.pos)?;
                if self.window_len == 0 {
                    // The file shrank since it was measured.
                    return Err(SourceError::Eof);
                }
            }
            let off = (self.pos - self.window_start) as usize;
            let n = (self.window_len - off).min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&self.window[off..off + n]);
            done += n;
            self.pos += n as u64;
        }
        Ok(())
    }

    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, SourceError> {
        let n = (self.end.saturating_sub(self.pos)).min(buf.len() as u64) as usize;
        self.read_exact(&mut buf[..n])?;
        Ok(n)
    }

    fn skip(&mut self, n: u64) -> Result<(), SourceError> {
        if self.end.saturating_sub(self.pos) < n {
            self.pos = self.end;
            return Err(SourceError::Eof);
        }
        self.pos += n;
        Ok(())
    }

    fn at_end(&mut self) -> Result<bool, SourceError> {
        Ok(self.pos >= self.end)
    }
}

/// A stream (usually a decompressor's output); skipping reads and discards.
pub(crate) struct StreamSource<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> StreamSource<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, pos: 0 }
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: BufRead> Source for StreamSource<R> {
    fn pos(&self) -> u64 {
        self.pos
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), SourceError> {
        self.inner.read_exact(buf).map_err(SourceError::from_read)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, SourceError> {
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SourceError::from_read(e)),
            }
        }
    }

    fn skip(&mut self, n: u64) -> Result<(), SourceError> {
        let copied = io::copy(&mut (&mut self.inner).take(n), &mut io::sink()).map_err(SourceError::from_read)?;
        self.pos += copied;
        if copied < n {
            return Err(SourceError::Eof);
        }
        Ok(())
    }

    fn at_end(&mut self) -> Result<bool, SourceError> {
        loop {
            match self.inner.fill_buf() {
                Ok(b) => return Ok(b.is_empty()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SourceError::from_read(e)),
            }
        }
    }
}

/// A plain `Read` over `[start, end)` of a file, for feeding decompressors.
pub(crate) struct RangeReader<'f> {
    file: &'f File,
    pos: u64,
    end: u64,
}

impl<'f> RangeReader<'f> {
    pub(crate) fn new(file: &'f File, start: u64, end: u64) -> Self {
        Self { file, pos: start, end }
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.end.saturating_sub(self.pos)).min(buf.len() as u64) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = read_at(self.file, &mut buf[..n], self.pos)?;
        self.pos += got as u64;
        Ok(got)
    }
}

/// A `Read` over the next `remaining` bytes of a [`Source`], so a decoder can consume part of a walk.
pub(crate) struct SourceReader<'s, S: Source> {
    src: &'s mut S,
    remaining: u64,
}

impl<'s, S: Source> SourceReader<'s, S> {
    pub(crate) fn new(src: &'s mut S, remaining: u64) -> Self {
        Self { src, remaining }
    }

    /// How many of the bytes this reader was given are still unread in the source.
    pub(crate) fn remaining(&self) -> u64 {
        self.remaining
    }
}

impl<S: Source> Read for SourceReader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.remaining.min(buf.len() as u64) as usize;
        if n == 0 {
            return Ok(0);
        }
        let got = self.src.read_some(&mut buf[..n]).map_err(|e| match e {
            SourceError::Eof => io::Error::from(io::ErrorKind::UnexpectedEof),
            SourceError::Corrupt(m) => io::Error::new(io::ErrorKind::InvalidData, m),
            SourceError::Io(e) => e,
        })?;
        if got == 0 {
            // The outer stream ended inside this entry: report it as a cut-off, not as a clean end.
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        self.remaining -= got as u64;
        Ok(got)
    }
}
