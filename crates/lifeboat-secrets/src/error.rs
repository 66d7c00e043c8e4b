//! `SecretError`: every way storing or reading a secret can fail, each with one stable code and one plain message.
//!
//! The message is what a person sees, so it says what happened and what to do; the `detail` is for logs and bug
//! reports. Neither ever holds a secret: details are built from the platform's error text and our own wording, never
//! from a stored value (keyring's `BadEncoding` carries the raw bytes, and serde_json errors can quote the input,
//! so both are reduced to a fixed description before they get here).

/// Why a secret could not be stored, read or forgotten.
///
/// `Display` is the plain-language message for the class of failure and is the same for every error of that class,
/// so the UI and CLI can show it as is; [`SecretError::code`] is a stable identifier for scripts and tests;
/// [`SecretError::detail`] is the platform's own (secret-free) description, for logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// No keyring could be reached: no D-Bus session, no Secret Service provider on it, no default collection, or a
    /// platform failure talking to it.
    #[error(
        "Lifeboat can't reach your system keyring (on Linux, the Secret Service such as GNOME Keyring or KWallet), \
         where it keeps passwords and API secrets. Nothing was changed. You can use the secret \
         for this session only, or start or unlock your keyring and try again."
    )]
    Unavailable {
        /// What the platform reported, for logs.
        detail: String,
    },
    /// The keyring is there but locked, and was not unlocked (including: an unlock prompt went unanswered until the
    /// backend's deadline).
    #[error(
        "Your system keyring is locked, so Lifeboat can't save or read the secret. Unlock it (usually by logging \
         in, or in your keyring app) and try again, or use the secret for this session only."
    )]
    Locked {
        /// What the platform reported, for logs.
        detail: String,
    },
    /// The keyring asked for permission (an unlock prompt) and the request was dismissed or refused.
    #[error(
        "Access to your system keyring was refused (the unlock prompt was dismissed). Try again and allow \
         access, or use the secret for this session only."
    )]
    Denied {
        /// What the platform reported, for logs.
        detail: String,
    },
    /// A stored value exists but cannot be read back as what Lifeboat saved.
    #[error(
        "A secret Lifeboat saved in your system keyring can't be read. Enter it again to replace it; nothing else \
         is affected."
    )]
    Corrupt {
        /// What was wrong with the stored value (never the value itself), for logs.
        detail: String,
    },
    /// Anything else: an unexpected answer from the keyring, or a key the platform refuses.
    #[error(
        "Lifeboat couldn't use your system keyring. Try again; if it keeps failing, use the secret for this \
         session only."
    )]
    Other {
        /// What went wrong, for logs.
        detail: String,
    },
}

impl SecretError {
    /// A stable identifier for the class of failure (`keyring-unavailable`, `keyring-locked`, `keyring-denied`,
    /// `secret-corrupt`, `keyring-error`), for scripts, `--json` output and tests; it never changes with wording.
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::Unavailable { .. } => "keyring-unavailable",
            SecretError::Locked { .. } => "keyring-locked",
            SecretError::Denied { .. } => "keyring-denied",
            SecretError::Corrupt { .. } => "secret-corrupt",
            SecretError::Other { .. } => "keyring-error",
        }
    }

    /// The platform's description of the failure, for logs; never shown as the main message and never a secret.
    pub fn detail(&self) -> &str {
        match self {
            SecretError::Unavailable { detail }
            | SecretError::Locked { detail }
            | SecretError::Denied { detail }
            | SecretError::Corrupt { detail }
            | SecretError::Other { detail } => detail,
        }
    }

    /// Whether keeping the secret for this session only is a sensible offer: the keyring can't be used right now,
    /// but nothing is wrong with the secret itself.
    pub fn suggests_session_only(&self) -> bool {
        matches!(
            self,
            SecretError::Unavailable { .. }
                | SecretError::Locked { .. }
                | SecretError::Denied { .. }
                | SecretError::Other { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_a_distinct_code_and_a_message_that_says_what_to_do() {
        let all = [
            SecretError::Unavailable { detail: "DETAIL-SENTINEL".into() },
            SecretError::Locked { detail: "DETAIL-SENTINEL".into() },
            SecretError::Denied { detail: "DETAIL-SENTINEL".into() },
            SecretError::Corrupt { detail: "DETAIL-SENTINEL".into() },
            SecretError::Other { detail: "DETAIL-SENTINEL".into() },
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(SecretError::code).collect();
        assert_eq!(codes.len(), all.len());
        for err in &all {
            let message = err.to_string();
            assert!(message.contains("keyring"), "{message}");
            assert!(message.contains("again"), "every message says what to do next: {message}");
            assert!(!message.contains("DETAIL-SENTINEL"), "the detail stays out of the message: {message}");
            assert_eq!(err.detail(), "DETAIL-SENTINEL");
        }
        assert!(SecretError::Unavailable { detail: String::new() }.to_string().contains("for this session only"));
        assert!(!SecretError::Corrupt { detail: String::new() }.suggests_session_only());
    }
}
