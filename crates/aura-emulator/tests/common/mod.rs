//! Shared helpers: a fast-clock sandbox and a tiny Aura client over real loopback HTTP.
#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use aura_emulator::test_kit::{Control, Fault};
use aura_emulator::{start, ClockSpeed, EmulatorConfig, RunningEmulator};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

/// Generous: the fast clock finishes every transition in well under a second.
pub const DEADLINE: Duration = Duration::from_secs(15);

pub struct Sandbox {
    pub emu: RunningEmulator,
    pub http: Client,
    pub token: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn request_id(&self) -> String {
        self.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
    }

    pub fn reason(&self) -> &str {
        self.body["errors"][0]["reason"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.body["errors"][0]["message"].as_str().unwrap_or_default()
    }
}

pub fn fast_config() -> EmulatorConfig {
    EmulatorConfig { clock: ClockSpeed::Fast, ..EmulatorConfig::default() }
}

pub fn client() -> Client {
    Client::builder().no_proxy().timeout(Duration::from_secs(30)).build().unwrap()
}

impl Sandbox {
    pub async fn start() -> Sandbox {
        Self::start_with(fast_config()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Sandbox {
        let emu = start(config).await.expect("emulator starts");
        let http = client();
        let mut sb = Sandbox { emu, http, token: String::new() };
        sb.token = sb.fetch_token().await;
        sb
    }

    pub async fn fetch_token(&self) -> String {
        let info = self.emu.info();
        let resp = self
            .http
            .post(&info.auth_url)
            .basic_auth(&info.client_id, Some(&info.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let body: Value = resp.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.base_url(), path)
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.http.request(method, self.url(path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> Reply {
        self.call(Method::POST, path, body).await
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.unwrap()).await
    }

    /// The control API through the test kit (raw calls, to test the control API itself, go through `control`).
    pub fn ctl(&self) -> Control {
        Control::new(&self.emu.base_url())
    }

    pub async fn arm_fault(&self, rule: Fault) {
        self.ctl().arm(&rule).await.expect("the emulator arms the rule");
    }

    pub async fn requests(&self) -> Vec<Value> {
        self.ctl().requests().await.expect("the request log")
    }

    pub async fn state(&self) -> Value {
        self.ctl().state().await.expect("the state")
    }

    pub fn instance_id(&self, name: &str) -> String {
        self.emu.info().instances.iter().find(|i| i.name == name).map(|i| i.id.clone()).expect("demo instance")
    }

    pub async fn instance(&self, id: &str) -> Value {
        let r = self.get(&format!("/v1/instances/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["data"].clone()
    }

    pub async fn wait_status(&self, id: &str, status: &str) -> Value {
        wait_until(|| async {
            let inst = self.instance(id).await;
            (inst["status"] == status).then_some(inst)
        })
        .await
    }

    pub async fn wait_snapshot(&self, id: &str, sid: &str, status: &str) -> Value {
        wait_until(|| async {
            let r = self.get(&format!("/v1/instances/{id}/snapshots/{sid}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            (r.body["data"]["status"] == status).then(|| r.body["data"].clone())
        })
        .await
    }

    /// All snapshots of an instance over the last `days` UTC days (today included).
    pub async fn snapshots_over(&self, id: &str, days: i64) -> Vec<Value> {
        let today = time::OffsetDateTime::now_utc().date();
        let mut all = Vec::new();
        for back in 0..=days {
            let day = today - time::Duration::days(back);
            let r = self.get(&format!("/v1/instances/{id}/snapshots?date={day}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            all.extend(r.body["data"].as_array().cloned().unwrap_or_default());
        }
        all
    }

    /// The recorded graph counts of a snapshot, from the state dump.
    pub async fn snapshot_counts(&self, sid: &str) -> (u64, u64) {
        let state = self.state().await;
        let snap = state["snapshots"].as_array().unwrap().iter().find(|s| s["id"] == sid).expect("snapshot").clone();
        (snap["counts"]["nodes"].as_u64().unwrap(), snap["counts"]["relationships"].as_u64().unwrap())
    }

    pub async fn query(&self, id: &str, user: &str, password: &str, statement: &str) -> Reply {
        let url = self.emu.info().query_url.replace("{dbid}", id);
        let resp = self
            .http
            .post(url)
            .basic_auth(user, Some(password))
            .json(&serde_json::json!({ "statement": statement }))
            .send()
            .await
            .unwrap();
        reply(resp).await
    }

    /// Node and relationship counts through the Query API with the sandbox's credentials.
    pub async fn counts(&self, id: &str) -> (u64, u64) {
        let inst = self.emu.info().instances.iter().find(|i| i.id == id).expect("sandbox instance").clone();
        let r = self
            .query(
                id,
                &inst.db_user,
                &inst.db_password,
                "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS rels } \
                 RETURN nodes, rels",
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        let row = &r.body["data"]["values"][0];
        (row[0].as_u64().unwrap(), row[1].as_u64().unwrap())
    }
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
    Reply { status, headers, body }
}

/// Polls `f` with short sleeps until it yields a value; panics after [`DEADLINE`].
pub async fn wait_until<T, F, Fut>(mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(started.elapsed() < DEADLINE, "condition not met within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
