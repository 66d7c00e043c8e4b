//! The API client against the Aura emulator over real loopback HTTP: how it behaves when Aura misbehaves.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aura_emulator::test_kit::{Control, Fault};
use aura_emulator::{ClockSpeed, EmulatorConfig, RunningEmulator};
use lifeboat_engine::api::{InstanceStatus, OperationAck, SnapshotStatus};
use lifeboat_engine::{ApiCredentials, ApiError, AuraClient, Endpoints, RequestBudget, RetryPolicy, Sensitive};
use serde_json::{json, Value};

async fn emulator(rate_limit_per_minute: u32) -> RunningEmulator {
    aura_emulator::start(EmulatorConfig { clock: ClockSpeed::Fast, rate_limit_per_minute, ..EmulatorConfig::default() })
        .await
        .expect("emulator starts")
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy { max_attempts: 4, base_delay: Duration::from_millis(20), max_delay: Duration::from_secs(5) }
}

fn client_for(emu: &RunningEmulator, secret: &str, retry: RetryPolicy) -> AuraClient {
    let info = emu.info();
    let endpoints = Endpoints {
        api_url: info.api_url.clone(),
        auth_url: info.auth_url.clone(),
        console_url: info.console_url.clone(),
        query_url: info.query_url.clone(),
    };
    let credentials =
        ApiCredentials { client_id: info.client_id.clone(), client_secret: Sensitive::new(secret.into()) };
    AuraClient::with_retry_policy(endpoints, credentials, Arc::new(RequestBudget::default()), retry).expect("client")
}

fn client(emu: &RunningEmulator) -> AuraClient {
    client_for(emu, &emu.info().client_secret.clone(), quick_retries())
}

async fn control(emu: &RunningEmulator, path: &str, body: Value) {
    Control::new(&emu.base_url()).post(path, body).await.expect("the control call succeeds");
}

async fn arm(emu: &RunningEmulator, rule: Fault) {
    Control::new(&emu.base_url()).arm(&rule).await.expect("the emulator arms the rule");
}

/// The emulator's log of requests it received, as `(method, path, status)`.
async fn request_log(emu: &RunningEmulator) -> Vec<(String, String, u16)> {
    let entries = Control::new(&emu.base_url()).requests().await.expect("the request log");
    entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_u64().unwrap_or_default() as u16,
            )
        })
        .collect()
}

fn production_id(emu: &RunningEmulator) -> String {
    emu.info().instances.iter().find(|i| i.name == "Production").expect("demo Production").id.clone()
}

async fn wait_for_status(client: &AuraClient, id: &str, want: InstanceStatus) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let i = client.get_instance(id).await.expect("instance readable");
        if i.status == want {
            return;
        }
        assert!(Instant::now() < deadline, "instance stayed {:?}, wanted {want:?}", i.status);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn lists_the_sandbox_instances_with_live_status_in_plain_words() {
    let emu = emulator(125).await;
    let views = lifeboat_engine::list_instance_views(&client(&emu)).await.expect("listed");
    let mut names: Vec<_> = views.iter().map(|v| v.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["Playground", "Production", "Staging"]);
    let prod = views.iter().find(|v| v.name == "Production").unwrap();
    assert_eq!(prod.tier_label, "Business Critical");
    assert_eq!(prod.status_label, "Running");
    emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_transparently() {
    let emu = emulator(125).await;
    let c = client(&emu);
    c.list_instances(None).await.expect("first call");
    control(&emu, "/_emulator/tokens/expire", json!({})).await;
    c.list_instances(None).await.expect("the call after expiry succeeds without the caller noticing");
    let log = request_log(&emu).await;
    let tokens = log.iter().filter(|(m, p, _)| m == "POST" && p.ends_with("/oauth/token")).count();
    assert_eq!(tokens, 2, "a second token was fetched: {log:?}");
    assert!(log.iter().any(|(_, p, s)| p == "/v1/instances" && *s == 403), "Aura answered 403 once: {log:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_explained_as_a_bad_api_key() {
    let emu = emulator(125).await;
    let c = client_for(&emu, "not-the-secret", quick_retries());
    let err = c.list_instances(None).await.unwrap_err();
    assert!(matches!(err, ApiError::InvalidCredentials { .. }), "{err:?}");
    assert!(err.to_string().contains("API key"));
    assert!(!err.to_string().contains("not-the-secret"), "the secret never appears in an error");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says_then_succeeds() {
    let emu = emulator(125).await;
    let c = client(&emu);
    c.check_credentials().await.unwrap();
    arm(&emu, Fault::on("GET /v1/instances").times(1).status(429).retry_after(1)).await;
    let started = Instant::now();
    c.list_instances(None).await.expect("succeeds after waiting");
    assert!(started.elapsed() >= Duration::from_secs(1), "waited only {:?}", started.elapsed());
    emu.shutdown().await;
}

#[tokio::test]
async fn past_the_accounts_rate_limit_the_error_carries_retry_after() {
    let emu = emulator(3).await;
    let no_retries = RetryPolicy { max_attempts: 1, ..quick_retries() };
    let c = client_for(&emu, &emu.info().client_secret.clone(), no_retries);
    let mut last = Ok(Vec::new());
    for _ in 0..5 {
        last = c.list_instances(None).await;
        if last.is_err() {
            break;
        }
    }
    match last {
        Err(ApiError::RateLimited { retry_after, request_id }) => {
            assert!(retry_after.is_some_and(|d| d > Duration::ZERO), "Retry-After given");
            assert!(request_id.is_some());
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn a_second_operation_during_a_restore_is_a_typed_busy_error() {
    let emu = emulator(125).await;
    let c = client(&emu);
    let id = production_id(&emu);
    let today = c.list_snapshots(&id, None).await.unwrap();
    let snapshot = match today.iter().find(|s| s.status == SnapshotStatus::Completed) {
        Some(s) => s.clone(),
        None => {
            let yesterday = time::OffsetDateTime::now_utc().date().previous_day().unwrap();
            c.list_snapshots(&id, Some(yesterday))
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.status == SnapshotStatus::Completed)
                .unwrap()
        }
    };
    let ack = c.restore_snapshot(&id, &snapshot.snapshot_id).await.expect("restore accepted");
    assert!(ack.request_id.is_some(), "the request id is captured for the history");
    if let OperationAck::Instance(i) = &ack.value {
        assert_eq!(i.status, InstanceStatus::Restoring);
    }
    let err = c.restore_snapshot(&id, &snapshot.snapshot_id).await.unwrap_err();
    match &err {
        ApiError::Busy { reason, request_id, .. } => {
            assert_eq!(reason, "ongoing-database-operation");
            assert!(request_id.is_some());
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    assert!(err.retryable());
    wait_for_status(&c, &id, InstanceStatus::Running).await;
    emu.shutdown().await;
}

#[tokio::test]
async fn a_missing_instance_is_not_found_with_the_request_id() {
    let emu = emulator(125).await;
    let err = client(&emu).get_instance("00000000").await.unwrap_err();
    assert_eq!(err.code(), "not-found");
    assert_eq!(err.reason(), Some("db-not-found"));
    assert!(err.request_id().is_some_and(|r| !r.is_empty()));
    emu.shutdown().await;
}

#[tokio::test]
async fn a_post_is_never_resent_after_the_connection_drops() {
    let emu = emulator(125).await;
    let c = client(&emu);
    let id = production_id(&emu);
    c.check_credentials().await.unwrap();
    arm(&emu, Fault::on("POST /v1/instances/{id}/snapshots").times(1).dropped()).await;
    let err = c.create_snapshot(&id).await.unwrap_err();
    assert!(matches!(err, ApiError::OutcomeUnknown { .. }), "{err:?}");
    assert!(err.to_string().contains("cannot tell whether"), "{err}");
    let posts = request_log(&emu)
        .await
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == &format!("/v1/instances/{id}/snapshots"))
        .count();
    assert_eq!(posts, 1, "the snapshot request was sent exactly once");
    emu.shutdown().await;
}

#[tokio::test]
async fn a_get_is_retried_after_a_dropped_connection_or_a_5xx_burst() {
    let emu = emulator(125).await;
    let c = client(&emu);
    let id = production_id(&emu);
    c.check_credentials().await.unwrap();
    arm(&emu, Fault::on("GET /v1/instances/{id}").times(1).dropped()).await;
    assert_eq!(c.get_instance(&id).await.expect("retried").id, id);
    arm(&emu, Fault::on("GET /v1/instances/{id}").times(2).status(503)).await;
    assert_eq!(c.get_instance(&id).await.expect("retried past two 503s").id, id);
    let gets = request_log(&emu)
        .await
        .into_iter()
        .filter(|(m, p, _)| m == "GET" && p == &format!("/v1/instances/{id}"))
        .count();
    assert_eq!(gets, 5, "1 dropped + 1 ok + 2 × 503 + 1 ok");
    emu.shutdown().await;
}

#[tokio::test]
async fn an_on_demand_snapshot_completes_on_the_fast_clock() {
    let emu = emulator(125).await;
    let c = client(&emu);
    let id = production_id(&emu);
    let sid = c.create_snapshot(&id).await.expect("accepted").value;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = c.get_snapshot(&id, &sid).await.expect("readable");
        if s.status.is_final() {
            assert_eq!(s.status, SnapshotStatus::Completed);
            break;
        }
        assert!(Instant::now() < deadline, "snapshot stuck in {:?}", s.status);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    emu.shutdown().await;
}
