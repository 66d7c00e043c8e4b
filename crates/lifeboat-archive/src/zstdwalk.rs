//! Walks a zstd stream's frame and block headers to its end without decompressing anything.
//!
//! Why: a cut-off copy is the most common broken file, and it shows up as a block or checksum that runs past
//! the end of the data. Hopping from header to header finds that in O(number of blocks) small reads, while
//! decompressing a multi-GiB backup would take minutes. Layout per RFC 8878 (frame header descriptor, 3-byte
//! block headers, optional 4-byte content checksum), as summarised in `docs/import-protocol.md` §4.7 step 2.
//!
//! What it can't see: a flipped bit *inside* a block's compressed data, or a wrong content checksum (that needs
//! the decompressed bytes). [`crate::inspect`] decompresses fully for that only when it is cheap (see
//! [`crate::ContentCheck`]).

use crate::fault::Fault;
use crate::source::Source;

/// The largest block the format allows (128 KiB); anything bigger means the header is garbage.
const BLOCK_SIZE_MAX: u32 = 128 * 1024;
const FRAME_MAGIC: u32 = 0xFD2F_B528;
const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;

/// What the walk learned about a well-formed stream.
#[derive(Debug, Default, Clone)]
pub(crate) struct ZstdSummary {
    /// Number of zstd frames (Neo4j's multi-threaded writer may produce several).
    pub frames: u64,
    /// Total number of blocks.
    pub blocks: u64,
    /// Whether every frame carries a content checksum.
    pub all_checksummed: bool,
    /// The position (relative to the source's start) of the last frame's content checksum, if any.
    pub last_checksum_pos: Option<u64>,
}

/// Walks from the source's current position to its end; every byte must belong to a frame.
pub(crate) fn walk<S: Source>(src: &mut S) -> Result<ZstdSummary, Fault> {
    let mut summary = ZstdSummary { all_checksummed: true, ..Default::default() };
    if src.at_end()? {
        // A format magic with nothing after it.
        return Err(Fault::Truncated);
    }
    while !src.at_end()? {
        let at = src.pos();
        let magic = u32::from_le_bytes(read_array(src)?);
        if magic == FRAME_MAGIC {
            walk_frame(src, &mut summary)?;
            summary.frames += 1;
        } else if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC {
            let len = u32::from_le_bytes(read_array(src)?);
            src.skip(u64::from(len))?;
        } else if summary.frames == 0 {
            return Err(Fault::Damaged("the compressed data doesn't start the way zstd data does".into()));
        } else {
            return Err(Fault::Damaged(format!(
                "there are unexpected bytes after the compressed data (from byte {at} of it)"
            )));
        }
    }
    Ok(summary)
}

fn walk_frame<S: Source>(src: &mut S, summary: &mut ZstdSummary) -> Result<(), Fault> {
    let [fhd] = read_array::<S, 1>(src)?;
    let fcs_flag = fhd >> 6;
    let single_segment = fhd & 0x20 != 0;
    let reserved = fhd & 0x08 != 0;
    let has_checksum = fhd & 0x04 != 0;
    let dict_flag = fhd & 0x03;
    if reserved {
        return Err(Fault::Damaged("a frame header inside the compressed data is invalid".into()));
    }
    let window_len = u64::from(!single_segment);
    let dict_len = [0u64, 1, 2, 4][usize::from(dict_flag)];
    let fcs_len = match fcs_flag {
        0 => u64::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    src.skip(window_len + dict_len + fcs_len)?;
    loop {
        let [b0, b1, b2] = read_array::<S, 3>(src)?;
        let header = u32::from(b0) | (u32::from(b1) << 8) | (u32::from(b2) << 16);
        let last = header & 1 != 0;
        let block_type = (header >> 1) & 3;
        let size = header >> 3;
        summary.blocks += 1;
        match block_type {
            // Raw and compressed blocks store `size` bytes; RLE stores one byte repeated `size` times.
            0 | 2 if size > BLOCK_SIZE_MAX => {
                return Err(Fault::Damaged(format!(
                    "a block header inside the compressed data is invalid (near byte {})",
                    src.pos()
                )))
            }
            0 | 2 => src.skip(u64::from(size))?,
            1 => src.skip(1)?,
            _ => {
                return Err(Fault::Damaged(format!(
                    "a block header inside the compressed data is invalid (near byte {})",
                    src.pos()
                )))
            }
        }
        if last {
            break;
        }
    }
    if has_checksum {
        summary.last_checksum_pos = Some(src.pos());
        src.skip(4)?;
    } else {
        summary.all_checksummed = false;
    }
    Ok(())
}

fn read_array<S: Source, const N: usize>(src: &mut S) -> Result<[u8; N], Fault> {
    let mut buf = [0u8; N];
    src.read_exact(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::StreamSource;
    use std::io::Cursor;

    fn compress(data: &[u8]) -> Vec<u8> {
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 1).expect("encoder");
        enc.include_checksum(true).expect("checksum flag");
        std::io::Write::write_all(&mut enc, data).expect("write");
        enc.finish().expect("finish")
    }

    #[test]
    fn walks_concatenated_frames_and_detects_truncation() {
        let mut data = compress(&vec![7u8; 300_000]);
        data.extend(compress(b"second frame"));
        let summary = walk(&mut StreamSource::new(Cursor::new(&data))).expect("valid");
        assert_eq!(summary.frames, 2);
        assert!(summary.all_checksummed);
        for cut in [1, 4, 5, data.len() / 2, data.len() - 1] {
            let r = walk(&mut StreamSource::new(Cursor::new(&data[..cut])));
            assert!(matches!(r, Err(Fault::Truncated)), "cut at {cut}: {r:?}");
        }
        let mut trailing = data.clone();
        trailing.extend_from_slice(b"junk");
        assert!(matches!(walk(&mut StreamSource::new(Cursor::new(&trailing))), Err(Fault::Damaged(_))));
    }
}
