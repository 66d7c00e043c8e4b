//! The Aura console's import API (`docs/import-protocol.md` §3): auth, size check, initiate, S3 part
//! listing, upload-complete and import status, with the protocol's retry rules made safer.
//!
//! - Transient answers (408, 429, 5xx) and connection failures are retried with backoff on every idempotent
//!   call (auth, size, initiate — Aura keys uploads by CRC, so initiating the same file again is harmless —,
//!   part listing, status). upload-complete starts the import, so it is retried only when the server clearly
//!   did not act on it (429, 502, 503, 504, or no connection at all); see [`Console::upload_complete`].
//! - The console token lives about an hour and a big upload takes longer, so a 401 on any call after auth signs
//!   in again once and repeats the call.
//! - Response bodies are parsed leniently (unknown fields ignored, numbers accepted as strings), as the
//!   protocol's own client does; field names are the protocol's PascalCase.

use lifeboat_secrets::Sensitive;
use reqwest::Method;
use serde_json::{json, Value};

use crate::error::UploadError;
use crate::http::{self, Answer, SendFailure};
use crate::progress::Reporter;
use crate::request::{Provider, RetryPolicy, Timeouts};
use crate::target::{check_url, ConsoleTarget};
use lifeboat_basics::backoff::Backoff;

/// Where the console said to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Initiated {
    /// GCS: the signed URL that starts a resumable session.
    Gcp { signed_url: String },
    /// S3: pre-signed part URLs from part index `total_parts - links.len()` on.
    Aws { upload_id: String, total_parts: u32, links: Vec<String> },
}

/// One part as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedPart {
    pub number: u32,
    pub etag: String,
}

/// What the import status says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ImportStatus {
    Running,
    Loading,
    LoadingFailed { message: String, url: Option<String> },
    Other(String),
}

/// What upload-complete did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completed {
    /// 200: the import was triggered.
    Triggered,
    /// An earlier attempt whose answer was lost probably triggered it (the retry found no open upload).
    ProbablyTriggered,
}

/// A console session for one database.
pub(crate) struct Console {
    http: reqwest::Client,
    target: ConsoleTarget,
    username: String,
    password: Sensitive<String>,
    confirmed: bool,
    token: Option<Sensitive<String>>,
    timeouts: Timeouts,
    retry: RetryPolicy,
}

/// Which failures a call retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idempotence {
    /// Safe to repeat: retry transient answers and any connection failure.
    Safe,
    /// Has an effect: retry only answers that say it was not acted on, and failures to connect at all.
    Effectful,
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn num_field(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `{"Message","Reason","Url"}` of an error answer.
fn error_body(a: &Answer) -> (Option<String>, Option<String>, Option<String>) {
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    let get = |k: &str| str_field(&v, k).map(str::to_string);
    (get("Message"), get("Reason"), get("Url"))
}

/// Aura's message of an error answer, or a short excerpt of the body.
fn detail(a: &Answer) -> Option<String> {
    let (message, _, _) = error_body(a);
    message.or_else(|| {
        let text = a.text();
        let text = text.trim();
        (!text.is_empty()).then(|| text.chars().take(200).collect())
    })
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 30) as f64
}

impl Console {
    pub fn new(
        http: reqwest::Client,
        target: ConsoleTarget,
        username: String,
        password: Sensitive<String>,
        confirmed: bool,
        timeouts: Timeouts,
        retry: RetryPolicy,
    ) -> Self {
        Console { http, target, username, password, confirmed, token: None, timeouts, retry }
    }

    /// Signs in (`POST …/import/auth`) with the database credentials and remembers the token.
    pub async fn authenticate(&mut self, reporter: &Reporter) -> Result<(), UploadError> {
        let url = self.target.endpoint("v1", "/auth");
        let mut backoff = Backoff::new(self.retry);
        let answer = loop {
            let req = self
                .http
                .post(&url)
                .basic_auth(&self.username, Some(self.password.expose()))
                .header("Accept", "application/json")
                .header("Confirmed", if self.confirmed { "true" } else { "false" })
                .header("Content-Length", "0");
            match http::send_small(req, &self.timeouts).await {
                Ok(a) if !http::transient(a.status) => break a,
                result => self.wait_or_give_up("sign-in", &mut backoff, result, reporter).await?,
            }
        };
        match answer.status {
            200 => {
                let v: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
                let token = str_field(&v, "Token").ok_or_else(|| UploadError::Protocol {
                    step: "sign-in",
                    detail: "the answer has no Token".into(),
                })?;
                self.token = Some(Sensitive::new(token.to_string()));
                Ok(())
            }
            401 => Err(UploadError::InvalidCredentials),
            403 => Err(UploadError::NotAdmin),
            404 => Err(UploadError::DatabaseNotFound { dbid: self.target.dbid.clone(), step: "sign-in" }),
            409 => Err(UploadError::ConsentRequired),
            status => Err(UploadError::ConsoleRejected { step: "sign-in", status, detail: detail(&answer) }),
        }
    }

    /// Waits before the next attempt of a failed call, or returns the error that ends it.
    async fn wait_or_give_up(
        &self,
        step: &'static str,
        backoff: &mut Backoff,
        result: Result<Answer, SendFailure>,
        reporter: &Reporter,
    ) -> Result<(), UploadError> {
        let (last, retry_after) = match &result {
            Ok(a) => (format!("HTTP {}", a.status), a.retry_after()),
            Err(f) => (f.describe(), None),
        };
        match backoff.failed(retry_after) {
            Some(wait) => {
                tracing::debug!(step, %last, ?wait, "console call failed; retrying");
                reporter.waiting(wait, &format!("the import service did not answer the {step} request ({last})"));
                tokio::time::sleep(wait).await;
                Ok(())
            }
            None => Err(UploadError::ConsoleUnavailable { step, attempts: backoff.failures(), last, resumable: false }),
        }
    }

    /// A bearer-authenticated call with retries and one re-authentication on 401.
    async fn call(
        &mut self,
        step: &'static str,
        method: Method,
        url: String,
        body: Option<Value>,
        idempotence: Idempotence,
        reporter: &Reporter,
    ) -> Result<Answer, UploadError> {
        let mut backoff = Backoff::new(self.retry);
        let mut signed_in_again = false;
        loop {
            if self.token.is_none() {
                self.authenticate(reporter).await?;
            }
            let token = self.token.as_ref().map(|t| t.expose().clone()).unwrap_or_default();
            let mut req =
                self.http.request(method.clone(), &url).bearer_auth(token).header("Accept", "application/json");
            req = match &body {
                Some(b) => req.json(b),
                None => req,
            };
            let result = http::send_small(req, &self.timeouts).await;
            let retry = match result {
                Ok(a) if a.status == 401 && !signed_in_again => {
                    // The token expired during a long upload: sign in again, once.
                    signed_in_again = true;
                    self.token = None;
                    continue;
                }
                Ok(a) if retryable_answer(a.status, idempotence) => Ok(a),
                Ok(a) => return Ok(a),
                Err(f @ SendFailure::Unreachable(_)) => Err(f),
                Err(f) if idempotence == Idempotence::Safe => Err(f),
                Err(f) => {
                    return Err(UploadError::ConsoleUnavailable {
                        step,
                        attempts: 1,
                        last: f.describe(),
                        resumable: false,
                    })
                }
            };
            self.wait_or_give_up(step, &mut backoff, retry, reporter).await?;
        }
    }

    /// `POST …/import/size {"FullSize"}`: does the store fit the instance?
    pub async fn size_check(&mut self, full_size: u64, reporter: &Reporter) -> Result<(), UploadError> {
        let url = self.target.endpoint("v1", "/size");
        let a = self
            .call("size check", Method::POST, url, Some(json!({ "FullSize": full_size })), Idempotence::Safe, reporter)
            .await?;
        match a.status {
            200..=299 => Ok(()),
            422 => Err(too_big(&a, full_size)),
            404 => Err(UploadError::DatabaseNotFound { dbid: self.target.dbid.clone(), step: "size check" }),
            status => Err(UploadError::ConsoleRejected { step: "size check", status, detail: detail(&a) }),
        }
    }

    /// `POST /v2/…/import {"Crc32","DumpSize","FullSize"}`: where to upload. Accepts every response shape the
    /// protocol's clients have seen: `SignedURI` or `SignedLinks[0]` for GCS, `SignedLinks`/`UploadID`/
    /// `TotalParts` for S3, `Provider` in any case (absent: S3 if there is an `UploadID` and no `SignedURI`).
    pub async fn initiate(
        &mut self,
        crc32: u32,
        dump_size: u64,
        full_size: u64,
        reporter: &Reporter,
    ) -> Result<Initiated, UploadError> {
        let url = self.target.endpoint("v2", "");
        let body = json!({ "Crc32": crc32, "DumpSize": dump_size, "FullSize": full_size });
        let a = self.call("upload start", Method::POST, url, Some(body), Idempotence::Safe, reporter).await?;
        match a.status {
            200..=299 => parse_initiated(&a.body),
            422 => Err(too_big(&a, full_size)),
            400 if error_body(&a).1.as_deref() == Some("InvalidDatabaseState") => {
                Err(UploadError::InstanceBusy { detail: detail(&a).unwrap_or_else(|| "Aura says it is busy".into()) })
            }
            status => Err(UploadError::ConsoleRejected { step: "upload start", status, detail: detail(&a) }),
        }
    }

    /// `POST …/import/multipart-upload-status`: the parts S3 holds. `None` when the multipart upload is gone
    /// (expired or replaced), which means starting over.
    pub async fn multipart_status(
        &mut self,
        crc32: u32,
        upload_id: &str,
        reporter: &Reporter,
    ) -> Result<Option<Vec<ListedPart>>, UploadError> {
        let url = self.target.endpoint("v1", "/multipart-upload-status");
        let body = json!({ "Crc32": crc32, "UploadID": upload_id });
        let a = self.call("part listing", Method::POST, url, Some(body), Idempotence::Safe, reporter).await?;
        match a.status {
            200..=299 => {
                let v: Value = serde_json::from_slice(&a.body)
                    .map_err(|e| UploadError::Protocol { step: "part listing", detail: format!("not JSON: {e}") })?;
                let parts = v.get("Parts").and_then(Value::as_array).cloned().unwrap_or_default();
                let mut listed = Vec::with_capacity(parts.len());
                for p in &parts {
                    let number = num_field(p, "PartNumber").and_then(|n| u32::try_from(n).ok());
                    let etag = str_field(p, "ETag");
                    match (number, etag) {
                        (Some(number), Some(etag)) => listed.push(ListedPart { number, etag: etag.to_string() }),
                        _ => {
                            return Err(UploadError::Protocol {
                                step: "part listing",
                                detail: "a part without PartNumber or ETag".into(),
                            })
                        }
                    }
                }
                Ok(Some(listed))
            }
            404 => Ok(None),
            status => Err(UploadError::ConsoleRejected { step: "part listing", status, detail: detail(&a) }),
        }
    }

    /// `POST …/import/upload-complete`: starts the import.
    ///
    /// Retried only when the server plainly did not act (429/502/503/504) or no connection was made. A
    /// connection that broke *after* sending is ambiguous: we ask once more, and if the console then says it has
    /// no open upload with this CRC (400), the first attempt went through and we go on to watch the import
    /// (the start watchdog catches the case where it did not). `sent_before`: an earlier process may have sent
    /// it already (it died before hearing the answer), which is just as ambiguous.
    pub async fn upload_complete(
        &mut self,
        body: Value,
        reporter: &Reporter,
        sent_before: bool,
    ) -> Result<Completed, UploadError> {
        let url = self.target.endpoint("v1", "/upload-complete");
        let mut backoff = Backoff::new(self.retry);
        let mut ambiguous = sent_before;
        loop {
            let result = self
                .call("import start", Method::POST, url.clone(), Some(body.clone()), Idempotence::Effectful, reporter)
                .await;
            let answer = match result {
                Ok(a) => a,
                Err(UploadError::ConsoleUnavailable { last, .. }) if !ambiguous => {
                    // The connection broke mid-call: maybe it arrived, maybe not. Ask again once.
                    ambiguous = true;
                    self.wait_or_give_up("import start", &mut backoff, Err(SendFailure::Transport(last)), reporter)
                        .await?;
                    continue;
                }
                Err(e) => return Err(e),
            };
            return match answer.status {
                200..=299 => Ok(Completed::Triggered),
                400 if ambiguous => Ok(Completed::ProbablyTriggered),
                409 => Err(UploadError::ConsentRequiredAtComplete),
                404 => Err(UploadError::DatabaseNotFound { dbid: self.target.dbid.clone(), step: "import start" }),
                status => Err(UploadError::CompleteRejected { status, detail: detail(&answer), resumable: false }),
            };
        }
    }

    /// `GET …/import/status`.
    pub async fn status(&mut self, reporter: &Reporter) -> Result<ImportStatus, UploadError> {
        let url = self.target.endpoint("v1", "/status");
        let a = self.call("import status", Method::GET, url, None, Idempotence::Safe, reporter).await?;
        if a.status != 200 {
            return Err(UploadError::ConsoleRejected { step: "import status", status: a.status, detail: detail(&a) });
        }
        let v: Value = serde_json::from_slice(&a.body)
            .map_err(|e| UploadError::Protocol { step: "import status", detail: format!("not JSON: {e}") })?;
        let status = str_field(&v, "Status").unwrap_or_default().to_string();
        Ok(match status.as_str() {
            "running" => ImportStatus::Running,
            "loading" | "updating" => ImportStatus::Loading,
            "loading failed" => {
                let error = v.get("Error").cloned().unwrap_or(Value::Null);
                ImportStatus::LoadingFailed {
                    message: str_field(&error, "Message").map(str::to_string).unwrap_or_else(|| {
                        "an unexpected problem occurred; please contact customer support at https://support.neo4j.com"
                            .to_string()
                    }),
                    url: str_field(&error, "Url").map(str::to_string),
                }
            }
            _ => ImportStatus::Other(status),
        })
    }
}

fn retryable_answer(status: u16, idempotence: Idempotence) -> bool {
    match idempotence {
        Idempotence::Safe => http::transient(status),
        Idempotence::Effectful => matches!(status, 429 | 502 | 503 | 504),
    }
}

fn too_big(a: &Answer, full_size: u64) -> UploadError {
    let (message, _reason, url) = error_body(a);
    UploadError::TooBig { needed_gb: gib(full_size), message, url }
}

/// Parses the initiate answer (see [`Console::initiate`]).
pub(crate) fn parse_initiated(body: &[u8]) -> Result<Initiated, UploadError> {
    let bad = |detail: &str| UploadError::Protocol { step: "upload start", detail: detail.to_string() };
    let v: Value = serde_json::from_slice(body).map_err(|_| bad("the answer is not JSON"))?;
    let signed_uri = str_field(&v, "SignedURI").map(str::to_string);
    let links: Vec<String> = v
        .get("SignedLinks")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|l| l.as_str().map(|s| s.trim().to_string())).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let upload_id = match v.get("UploadID") {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let provider = match str_field(&v, "Provider") {
        Some(p) if p.eq_ignore_ascii_case("aws") => Provider::Aws,
        Some(_) => Provider::Gcp,
        None if upload_id.is_some() && signed_uri.is_none() => Provider::Aws,
        None => Provider::Gcp,
    };
    match provider {
        Provider::Gcp => {
            let signed_url = links.first().cloned().or(signed_uri).ok_or_else(|| bad("no signed upload URL"))?;
            check_url(&signed_url, "upload")?;
            Ok(Initiated::Gcp { signed_url })
        }
        Provider::Aws => {
            let upload_id = upload_id.ok_or_else(|| bad("an S3 upload without UploadID"))?;
            let total_parts = num_field(&v, "TotalParts")
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(u32::try_from(links.len()).unwrap_or(u32::MAX))
                .max(1);
            if links.is_empty() || links.len() > total_parts as usize {
                return Err(bad("the S3 part links don't match TotalParts"));
            }
            for link in &links {
                check_url(link, "upload")?;
            }
            Ok(Initiated::Aws { upload_id, total_parts, links })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_initiate_shape_is_understood() {
        let gcp = parse_initiated(br#"{"SignedURI":"https://storage/x?sig=1","Provider":"GCP","expiration_date":"x"}"#);
        assert_eq!(gcp.unwrap(), Initiated::Gcp { signed_url: "https://storage/x?sig=1".into() });
        // Legacy: the first of SignedLinks, provider in lower case.
        let v1 = parse_initiated(br#"{"SignedLinks":["https://storage/a","https://b"],"Provider":"gcp"}"#).unwrap();
        assert_eq!(v1, Initiated::Gcp { signed_url: "https://storage/a".into() });
        // 4.4 shape: only SignedURI.
        assert!(matches!(parse_initiated(br#"{"SignedURI":"https://s/u"}"#).unwrap(), Initiated::Gcp { .. }));
        let aws = parse_initiated(
            br#"{"SignedLinks":["https://s3/2","https://s3/3"],"UploadID":"u1","TotalParts":"3","Provider":"aWs"}"#,
        )
        .unwrap();
        assert_eq!(
            aws,
            Initiated::Aws {
                upload_id: "u1".into(),
                total_parts: 3,
                links: vec!["https://s3/2".into(), "https://s3/3".into()]
            }
        );
        assert!(matches!(
            parse_initiated(br#"{"SignedLinks":["https://s3/1"],"UploadID":"u","TotalParts":1}"#).unwrap(),
            Initiated::Aws { .. }
        ));
    }

    #[test]
    fn unusable_initiate_answers_are_refused_plainly() {
        assert_eq!(parse_initiated(b"").unwrap_err().code(), "protocol");
        assert_eq!(parse_initiated(br#"{"Provider":"GCP"}"#).unwrap_err().code(), "protocol");
        assert_eq!(parse_initiated(br#"{"SignedURI":"http://evil.example/x"}"#).unwrap_err().code(), "insecure-url");
        assert_eq!(
            parse_initiated(
                br#"{"SignedLinks":["https://a","https://b"],"UploadID":"u","TotalParts":1,"Provider":"AWS"}"#
            )
            .unwrap_err()
            .code(),
            "protocol"
        );
    }
}
