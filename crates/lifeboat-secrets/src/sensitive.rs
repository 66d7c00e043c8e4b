//! `Sensitive<T>`: a wrapper that keeps secrets out of logs, errors and serialised output.
//!
//! It deliberately implements neither `Serialize` nor a revealing `Debug`/`Display`: the only way to the inner
//! value is [`Sensitive::expose`], which is easy to grep for in review.

use std::fmt;

/// A secret value (API client secret, access token, database password).
///
/// `Debug` and `Display` print `<redacted>`; there is no `Serialize`, so a secret cannot end up in JSON sent to the
/// UI, a journal or the CLI's `--json` output by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    /// Wraps a secret.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Gives read access to the secret. Call it only where the secret is sent to its one legitimate destination.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_secret() {
        let secret = Sensitive::new(String::from("hunter2-canary"));
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            password: Sensitive<String>,
        }
        let shown = format!("{:?}", Holder { password: secret.clone() });
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(secret.expose(), "hunter2-canary");
    }
}
