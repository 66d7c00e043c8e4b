//! How fast emulated operations run.
//!
//! Wall-clock facts (snapshot timestamps, scheduled snapshot slots, retention, token expiry, the rate-limit window)
//! always follow real UTC time, so that the demo history looks like a real account's. Only the *duration* of a
//! transition (a snapshot being taken, a restore, a pause…) is scaled by the clock speed.

use std::fmt;
use std::str::FromStr;

/// The factor by which [`ClockSpeed::Fast`] divides every emulated duration (a 60 s restore takes 0.3 s).
pub const FAST_FACTOR: f64 = 200.0;

/// How long emulated transitions take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClockSpeed {
    /// Durations as a real Aura account shows them (a restore takes a minute).
    #[default]
    Real,
    /// Every duration divided by [`FAST_FACTOR`]; for tests and quick demos.
    Fast,
}

impl ClockSpeed {
    /// The divisor applied to emulated durations.
    pub fn factor(self) -> f64 {
        match self {
            ClockSpeed::Real => 1.0,
            ClockSpeed::Fast => FAST_FACTOR,
        }
    }
}

impl fmt::Display for ClockSpeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClockSpeed::Real => "real",
            ClockSpeed::Fast => "fast",
        })
    }
}

/// The error of parsing a [`ClockSpeed`] from anything but `real` or `fast`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown clock speed {0:?}: expected \"real\" or \"fast\"")]
pub struct ParseClockSpeedError(pub String);

impl FromStr for ClockSpeed {
    type Err = ParseClockSpeedError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "real" => Ok(ClockSpeed::Real),
            "fast" => Ok(ClockSpeed::Fast),
            _ => Err(ParseClockSpeedError(s.to_string())),
        }
    }
}

/// Emulated durations in seconds of a real Aura account (before scaling).
pub(crate) mod durations {
    pub const SNAPSHOT_PENDING: f64 = 3.0;
    pub const SNAPSHOT_IN_PROGRESS: f64 = 20.0;
    pub const RESTORE: f64 = 60.0;
    pub const OVERWRITE: f64 = 60.0;
    pub const CREATE: f64 = 90.0;
    pub const PAUSE: f64 = 30.0;
    pub const RESUME: f64 = 30.0;
    pub const DELETE: f64 = 20.0;
    /// From upload-complete until the instance shows `loading`.
    pub const IMPORT_QUEUE: f64 = 2.0;
    /// A load takes this long, plus [`IMPORT_PER_GIB`] per GiB of the uncompressed store.
    pub const IMPORT_BASE: f64 = 30.0;
    pub const IMPORT_PER_GIB: f64 = 10.0;

    /// The shortest real time a load lasts, whatever the clock: longer than the 2-second status poll of
    /// `neo4j-admin` and Lifeboat, so `loading` is always observed.
    pub const MIN_OBSERVABLE_LOAD: time::Duration = time::Duration::milliseconds(2500);

    /// The emulated duration of loading a store of `full_size` bytes.
    pub fn import_secs(full_size: u64) -> f64 {
        IMPORT_BASE + IMPORT_PER_GIB * full_size as f64 / (1u64 << 30) as f64
    }
}

/// Turns emulated seconds into the wall-clock span they take at the configured speed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    factor: f64,
}

impl Timing {
    pub fn new(speed: ClockSpeed) -> Self {
        Timing { factor: speed.factor() }
    }

    pub fn span(&self, emulated_secs: f64) -> time::Duration {
        time::Duration::seconds_f64(emulated_secs / self.factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_speeds_and_rejects_others() {
        assert_eq!("real".parse::<ClockSpeed>(), Ok(ClockSpeed::Real));
        assert_eq!("FAST".parse::<ClockSpeed>(), Ok(ClockSpeed::Fast));
        assert!("slow".parse::<ClockSpeed>().is_err());
        assert_eq!(ClockSpeed::Fast.to_string(), "fast");
    }

    #[test]
    fn fast_clock_divides_durations() {
        let t = Timing::new(ClockSpeed::Fast);
        assert_eq!(t.span(60.0), time::Duration::milliseconds(300));
        assert_eq!(Timing::new(ClockSpeed::Real).span(60.0), time::Duration::seconds(60));
    }
}
