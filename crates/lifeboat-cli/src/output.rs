//! How the CLI reports: tables for people, JSON for scripts, one plain line on stderr for failures.

use std::process::ExitCode;

use lifeboat_engine::accounts::WorkspaceError;
use lifeboat_engine::ApiError;
use serde::Serialize;

/// A failed command: the exit code and what to tell the user.
#[derive(Debug)]
pub struct Failure {
    exit: u8,
    code: String,
    message: String,
    retryable: bool,
    request_id: Option<String>,
    /// The JSON output (holding the error) was printed already: one document per run.
    json_printed: bool,
}

#[derive(Serialize)]
struct JsonError<'a> {
    code: &'a str,
    message: &'a str,
    retryable: bool,
    request_id: Option<&'a str>,
}

impl Failure {
    /// No account, or the API key was refused (exit 3).
    pub fn not_configured(message: &str) -> Self {
        Self {
            exit: 3,
            code: "not-configured".into(),
            message: message.into(),
            retryable: false,
            request_id: None,
            json_printed: false,
        }
    }

    /// A local failure that is not the API's (exit 1).
    pub fn local(code: &str, message: impl Into<String>) -> Self {
        Self {
            exit: 1,
            code: code.into(),
            message: message.into(),
            retryable: false,
            request_id: None,
            json_printed: false,
        }
    }

    /// A destructive command without its confirmation (exit 4).
    pub fn needs_confirmation(message: &str) -> Self {
        Self {
            exit: 4,
            code: "confirmation-required".into(),
            message: message.into(),
            retryable: false,
            request_id: None,
            json_printed: false,
        }
    }

    /// `lifeboat status` found objectives that are not met (exit 5); the status itself was printed already.
    pub fn objectives_not_met(message: String, json_printed: bool) -> Self {
        Self { exit: 5, code: "objectives-not-met".into(), message, retryable: false, request_id: None, json_printed }
    }

    /// A job that ended in failure (exit 1). With `--json` the job state was printed already, so only stderr gets
    /// the reason.
    pub fn job(code: String, message: String, retryable: bool, json_printed: bool) -> Self {
        Self { exit: 1, code, message, retryable, request_id: None, json_printed }
    }

    /// The command line itself is wrong (exit 2), e.g. a value that cannot be read.
    pub fn usage(mut self) -> Self {
        self.exit = 2;
        self
    }

    /// Marks that the `--json` document (which carries the reason) was printed already.
    pub fn json_printed(mut self, printed: bool) -> Self {
        self.json_printed = printed;
        self
    }

    /// Prints the failure and gives the exit code.
    pub fn report(self, json: bool) -> ExitCode {
        let line = self.message.replace('\n', " ");
        eprintln!("lifeboat: {line}");
        if json && !self.json_printed {
            let body = JsonError {
                code: &self.code,
                message: &line,
                retryable: self.retryable,
                request_id: self.request_id.as_deref(),
            };
            say!("{}", serde_json::json!({ "error": body }));
        }
        ExitCode::from(self.exit)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        let exit = match e {
            ApiError::InvalidCredentials { .. } => 3,
            _ => 1,
        };
        Self {
            exit,
            code: e.code().into(),
            message: e.user_message(),
            retryable: e.retryable(),
            request_id: e.request_id().map(str::to_owned),
            json_printed: false,
        }
    }
}

impl From<WorkspaceError> for Failure {
    fn from(e: WorkspaceError) -> Self {
        if let WorkspaceError::Api(api) = e {
            return api.into();
        }
        // An account that is not there, or whose key cannot be read, is "not configured" (exit 3).
        let exit = match e {
            WorkspaceError::ConfigWrite(_) | WorkspaceError::Login(_) | WorkspaceError::Starting => 1,
            _ => 3,
        };
        Self {
            exit,
            code: e.code().into(),
            message: e.user_message(),
            retryable: e.retryable(),
            request_id: None,
            json_printed: false,
        }
    }
}

/// Prints one JSON document on a line.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value).map_err(|e| Failure::local("output", e.to_string()))?;
    say!("{text}");
    Ok(())
}

/// Prints rows as aligned columns under a header.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        say!("{}", padded.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Logs to stderr, quiet unless `--verbose` or `RUST_LOG`.
pub fn init_tracing(verbose: bool) {
    let default = if verbose { "info,lifeboat_engine=debug" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
