//! A small client of the emulator's control API (`/_emulator/…`, see `aura_emulator::faults`): arm and list fault
//! rules, expire tokens and sessions, read the request log and the instances' live state.

use std::time::Duration;

use serde_json::{json, Value};

/// The control API of one emulator.
#[derive(Clone)]
pub struct Control {
    http: reqwest::Client,
    base: String,
}

/// An instance as the emulator sees it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    /// `running`, `loading`, `loading failed`, …
    pub status: String,
    /// Node count.
    pub nodes: u64,
    /// Relationship count.
    pub relationships: u64,
}

impl Control {
    /// A client for the emulator at `base_url` (`http://127.0.0.1:PORT`).
    pub fn new(base_url: &str) -> Control {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Control { http, base: base_url.trim_end_matches('/').to_string() }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut req = self.http.request(method.clone(), format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("{method} {path}: HTTP {status} {body}"));
        }
        Ok(body["data"].clone())
    }

    /// `POST path` with a JSON body; the answer's `data`.
    pub async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    /// `GET path`; the answer's `data`.
    pub async fn get(&self, path: &str) -> Result<Value, String> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// `DELETE path`; the answer's `data`.
    pub async fn delete(&self, path: &str) -> Result<Value, String> {
        self.call(reqwest::Method::DELETE, path, None).await
    }

    /// Arms a fault rule; returns its id.
    pub async fn arm(&self, rule: Value) -> Result<u64, String> {
        let armed = self.post("/_emulator/faults", rule).await?;
        armed["id"].as_u64().ok_or_else(|| format!("no rule id in {armed}"))
    }

    /// Disarms every rule.
    pub async fn clear_faults(&self) -> Result<(), String> {
        self.delete("/_emulator/faults").await.map(|_| ())
    }

    /// The armed rules: `(id, remaining)`.
    pub async fn remaining_faults(&self) -> Result<Vec<(u64, u32)>, String> {
        let rules = self.get("/_emulator/faults").await?;
        Ok(rules
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|r| Some((r["id"].as_u64()?, u32::try_from(r["remaining"].as_u64()?).ok()?)))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Every issued token expires; returns how many console tokens did.
    pub async fn expire_tokens(&self) -> Result<u64, String> {
        let v = self.post("/_emulator/tokens/expire", json!({})).await?;
        Ok(v["console"].as_u64().unwrap_or(0))
    }

    /// Every unfinished GCS session answers `status` (404/410), open S3 uploads 404; returns how many of each.
    pub async fn expire_sessions(&self, status: u16) -> Result<(u64, u64), String> {
        let v = self.post("/_emulator/console/expire-sessions", json!({ "status": status })).await?;
        Ok((v["sessions"].as_u64().unwrap_or(0), v["uploads"].as_u64().unwrap_or(0)))
    }

    /// The request log (the last 1,000 client requests).
    pub async fn requests(&self) -> Result<Vec<Value>, String> {
        Ok(self.get("/_emulator/requests").await?.as_array().cloned().unwrap_or_default())
    }

    /// Forgets the request log.
    pub async fn clear_requests(&self) -> Result<(), String> {
        self.delete("/_emulator/requests").await.map(|_| ())
    }

    /// Forces the upload provider (`"gcp"`/`"aws"`) and the S3 part size of new initiates.
    pub async fn provider(&self, provider: &str, part_size: u64) -> Result<(), String> {
        self.post("/_emulator/console/provider", json!({ "provider": provider, "part_size": part_size }))
            .await
            .map(|_| ())
    }

    /// An instance's status and counts now.
    pub async fn live(&self, id: &str) -> Result<Live, String> {
        let state = self.get("/_emulator/state").await?;
        let live = state["live"].as_array().cloned().unwrap_or_default();
        let inst = live.iter().find(|i| i["id"] == id).ok_or_else(|| format!("instance {id} is not in the state"))?;
        Ok(Live {
            status: inst["status"].as_str().unwrap_or_default().to_string(),
            nodes: inst["counts"]["nodes"].as_u64().unwrap_or(u64::MAX),
            relationships: inst["counts"]["relationships"].as_u64().unwrap_or(u64::MAX),
        })
    }
}
