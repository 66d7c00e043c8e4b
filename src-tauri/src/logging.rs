//! Where the desktop app writes its log: stderr (for whoever started it from a terminal) and a daily file in the
//! OS log folder (Tauri's `app_log_dir`: `~/.local/share/dev.lifeboat.desktop/logs` on Linux), kept for a week,
//! so someone helping a user can ask for it. The folder is remembered for the About dialog.
//!
//! tracing-appender rather than tauri-plugin-log: the engine already speaks `tracing`, and a plugin would add a
//! `log` bridge and webview permissions for something the window never calls.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// The folder the log file is written to, once logging to a file has started.
static FOLDER: OnceLock<PathBuf> = OnceLock::new();

/// What the file records unless `RUST_LOG` says otherwise: Lifeboat's own progress, everyone else's warnings.
const FILE_DEFAULT: &str = "warn,lifeboat=info,lifeboat_app=info,lifeboat_engine=info,lifeboat_archive=info,lifeboat_upload=info,lifeboat_cli=info";

fn filter(default: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
}

/// Starts logging to stderr and to a file in `dir`. When the file cannot be made (a read-only home), the app still
/// runs and logs to stderr; the About dialog then says no log file is written.
pub fn init(dir: &Path) {
    let appender = std::fs::create_dir_all(dir).map_err(|e| e.to_string()).and_then(|()| {
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("lifeboat")
            .filename_suffix("log")
            .max_log_files(7)
            .build(dir)
            .map_err(|e| e.to_string())
    });
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter("warn"));
    // A blocking writer behind a mutex: the log is small, and nothing is lost when the process exits.
    let (file, problem) = match appender {
        Ok(appender) => (
            Some(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(Mutex::new(appender))
                    .with_filter(filter(FILE_DEFAULT)),
            ),
            None,
        ),
        Err(e) => (None, Some(e)),
    };
    let started = tracing_subscriber::registry().with(stderr).with(file).try_init();
    match problem {
        None if started.is_ok() => {
            let _ = FOLDER.set(dir.to_path_buf());
            tracing::info!(version = env!("CARGO_PKG_VERSION"), "Lifeboat started");
        }
        None => {}
        Some(e) => tracing::warn!("no log file is written: {} could not be used ({e})", dir.display()),
    }
}

/// The folder holding the log files, when they are written.
pub fn folder() -> Option<&'static Path> {
    FOLDER.get().map(PathBuf::as_path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_default_file_filter_parses() {
        assert!(tracing_subscriber::EnvFilter::try_new(super::FILE_DEFAULT).is_ok());
    }
}
