//! # lifeboat-stress
//!
//! Proof that Lifeboat holds up under stress, in four parts (each also has a short variant for the test command):
//!
//! - **The bad-file corpus** ([`corpus`], bin `lifeboat-corpus`, `scripts/stress/corpus.sh`): more than forty
//!   broken, odd and hostile files and folders generated in a temporary folder — empty, cut off, corrupted,
//!   mislabelled, unreadable, a FIFO, a symlink loop, a file that changes during the upload, non-UTF-8 names …
//!   Each goes through the real `lifeboat` binary (`inspect`, and `upload` against a fast sandbox for some), which
//!   must give a specific plain-language reason, exit non-zero (except the files that are fine), never panic, never
//!   hang, and leave the file's bytes and modification time exactly as they were.
//! - **The soak** ([`soak`], bin `lifeboat-soak`): N uploads through [`lifeboat_upload::run`] against an in-process
//!   fast-clock emulator, each with faults drawn from a seeded random mix (cuts inside a chunk, 5xx bursts, stalls
//!   past the watchdog, 308 without `Range`, 429 with `Retry-After`, lost answers, token and session expiry, a stale
//!   `loading failed`, and a few faults that are fatal by design). Every run is checked: CRC, instance state and
//!   counts, bytes re-sent per fault, restarts from zero, the file untouched.
//! - **Crash-resume** (`scripts/stress/crash-resume.sh`): `kill -9` of `lifeboat upload` at a random point, then
//!   the same command again must resume from its journal.
//! - **Benchmarks** (`scripts/stress/bench.sh`, helpers in bin `lifeboat-bench`): CRC pass vs `cat`, upload vs
//!   `curl -T` to the same draining loopback sink ([`sink`]), a 1 GiB sandbox restore, peak RSS at 1 and 8 GiB.
//!
//! Nothing here asserts on time: the machine is shared, so timings are printed, never judged.

pub mod api_rate;
pub mod corpus;
pub mod guard;
pub mod report;
pub mod sink;
pub mod soak;

/// Parses a size such as `4194304`, `4MiB`, `256KiB`, `1GiB` (binary units; `k`/`m`/`g` too).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("{text:?} is not a size (e.g. 4194304 or 4MiB)"))?;
    let factor: u64 = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{text:?} has an unknown unit; use KiB, MiB or GiB")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_binary_units() {
        assert_eq!(parse_size("4194304"), Ok(4 << 20));
        assert_eq!(parse_size("256KiB"), Ok(256 << 10));
        assert_eq!(parse_size("4MiB"), Ok(4 << 20));
        assert_eq!(parse_size(" 1g "), Ok(1 << 30));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("4 parsecs").is_err());
    }
}
