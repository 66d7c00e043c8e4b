//! Confirmation tokens for destructive steps: prepare → confirm → execute.
//!
//! The engine issues a one-time token when the confirmation dialog opens (or the CLI sees `--confirm RESTORE`);
//! the destructive operation accepts only that token, once, for the target it was issued for. A UI bug therefore
//! cannot skip the dialog: without a token there is nothing to execute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use thiserror::Error;

/// How long a dialog may stay open before its token lapses.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// What a token allows: exactly one destructive operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfirmedAction {
    /// Restore `snapshot_id` over `instance_id`.
    RestoreSnapshot {
        /// The instance to overwrite.
        instance_id: String,
        /// The snapshot to restore.
        snapshot_id: String,
    },
    /// Overwrite `instance_id` with the backup file at `path`.
    RestoreFile {
        /// The instance to overwrite.
        instance_id: String,
        /// The file the user inspected and confirmed.
        path: std::path::PathBuf,
        /// When the file's data is from, as the inspection found (`None`: the file carries no date).
        backup_time: Option<time::OffsetDateTime>,
    },
    /// Replace all data in `instance_id` with the nodes and relationships of the data export at `path`.
    ImportGraph {
        /// The instance to overwrite.
        instance_id: String,
        /// The export file the user chose and confirmed.
        path: std::path::PathBuf,
    },
}

/// Why a token was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ConfirmError {
    /// No such token, or it was used already, or it lapsed.
    #[error("This restore was not confirmed (or the confirmation expired). Nothing was changed. Open the restore dialog and confirm again.")]
    NotConfirmed,
}

impl ConfirmError {
    /// Stable code for the UI.
    pub fn code(&self) -> &'static str {
        "confirmation-required"
    }
}

/// Issues and redeems one-time confirmation tokens.
#[derive(Debug, Default)]
pub struct Confirmations {
    issued: Mutex<HashMap<String, (ConfirmedAction, Instant)>>,
}

impl Confirmations {
    /// A new, empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Issues a token for one action.
    pub fn issue(&self, action: ConfirmedAction) -> String {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        issued.retain(|_, (_, at)| now.duration_since(*at) < TOKEN_LIFETIME);
        issued.insert(token.clone(), (action, now));
        token
    }

    /// Redeems a token: gives its action once; a second call, an unknown or a lapsed token is refused.
    pub fn redeem(&self, token: &str) -> Result<ConfirmedAction, ConfirmError> {
        let mut issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        match issued.remove(token) {
            Some((action, at)) if at.elapsed() < TOKEN_LIFETIME => Ok(action),
            _ => Err(ConfirmError::NotConfirmed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restore() -> ConfirmedAction {
        ConfirmedAction::RestoreSnapshot { instance_id: "i1".into(), snapshot_id: "s1".into() }
    }

    #[test]
    fn a_token_is_redeemed_once_for_its_own_action() {
        let c = Confirmations::new();
        let token = c.issue(restore());
        assert_eq!(c.redeem(&token), Ok(restore()));
        assert_eq!(c.redeem(&token), Err(ConfirmError::NotConfirmed), "second use refused");
    }

    #[test]
    fn without_a_token_nothing_is_confirmed() {
        let c = Confirmations::new();
        c.issue(restore());
        assert_eq!(c.redeem(""), Err(ConfirmError::NotConfirmed));
        assert_eq!(c.redeem("0123456789abcdef0123456789abcdef"), Err(ConfirmError::NotConfirmed));
        assert!(ConfirmError::NotConfirmed.to_string().contains("Nothing was changed"));
    }

    #[test]
    fn tokens_are_unguessable_and_distinct() {
        let c = Confirmations::new();
        let a = c.issue(restore());
        let b = c.issue(restore());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
