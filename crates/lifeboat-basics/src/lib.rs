//! # lifeboat-basics
//!
//! The few things every Lifeboat crate needs and must do the same way, each with one home:
//!
//! - [`backoff`]: exponential backoff with full jitter, the [`RetryPolicy`](backoff::RetryPolicy) of the API client
//!   and of uploads, and the one rule for a server's `Retry-After`.
//! - [`atomic`]: files that are replaced whole or not at all, with one fsync policy.
//! - [`rate`]: how fast something moves and how long is left, shown only once the rate is steady.
//! - [`words`]: how a time (in UTC), a duration, a count and a size are said — in the window, the CLI, reports and
//!   error messages alike. Sizes use binary units, labelled as such (KiB, MiB, GiB), because Aura's own storage and
//!   memory figures are binary: "needs 15.2 GiB" and an instance's "16 GiB" can then be compared at a glance.
//!
//! It sits below every other crate (the inspector, the upload engine, the emulator and the engine all use it), so it
//! depends on nothing of Lifeboat's and does no network I/O. The engine re-exports it as `lifeboat_engine::words`,
//! `lifeboat_engine::backoff` and `lifeboat_engine::journal`.
//!
//! Why not crates? `backoff` is unmaintained and `backon` wants to own the retry loop, while ours must also count
//! "attempts without progress" for uploads; `humansize`/`humantime` each cover one of the four formats with their
//! own wording, and the UI must mirror the wording exactly (a shared fixture checks it). `tempfile`'s `persist`
//! does the rename; the fsync policy around it is ours.

#![warn(missing_docs)]

pub mod atomic;
pub mod backoff;
pub mod rate;
pub mod words;
