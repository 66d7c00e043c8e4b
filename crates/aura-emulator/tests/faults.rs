//! The fault-injection control API: injected statuses, dropped connections, delays, and the request log.

mod common;

use aura_emulator::test_kit::Fault;
use std::time::{Duration, Instant};

use common::Sandbox;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn injected_status_applies_to_the_next_n_matching_requests() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Production");
    sb.arm_fault(Fault::on("GET /v1/instances/{id}").times(2).status(503).retry_after(2)).await;

    // Other routes are untouched.
    assert_eq!(sb.get("/v1/instances").await.status, StatusCode::OK);
    for _ in 0..2 {
        let r = sb.get(&format!("/v1/instances/{id}")).await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers["retry-after"], "2");
        assert!(!r.request_id().is_empty());
        assert!(!r.message().is_empty());
    }
    assert_eq!(sb.get(&format!("/v1/instances/{id}")).await.status, StatusCode::OK);

    // A custom body, and clearing.
    sb.arm_fault(Fault::on("*").times(10).status(500).body(json!({"error": "boom"}))).await;
    let r = sb.get("/v1/tenants").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.body, json!({"error": "boom"}));
    let cleared = sb.control(Method::DELETE, "/_emulator/faults", None).await;
    assert_eq!(cleared.body["data"]["cleared"], 1);
    assert_eq!(sb.get("/v1/tenants").await.status, StatusCode::OK);

    let log = sb.requests().await;
    let faulted: Vec<&Value> = log.iter().filter(|e| e["fault"] == "status").collect();
    assert_eq!(faulted.len(), 3);
    assert!(faulted.iter().all(|e| e["request_id"].as_str().is_some_and(|s| !s.is_empty())));
}

#[tokio::test]
async fn a_dropped_post_takes_effect_but_the_client_gets_no_response() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Staging");
    sb.arm_fault(Fault::on("POST /v1/instances/{id}/snapshots").dropped()).await;
    let before = sb.get(&format!("/v1/instances/{id}/snapshots")).await.body["data"].as_array().unwrap().len();

    let result = sb.http.post(sb.url(&format!("/v1/instances/{id}/snapshots"))).bearer_auth(&sb.token).send().await;
    let err = match result {
        Err(e) => e,
        Ok(resp) => panic!("expected a dropped connection, got {}", resp.status()),
    };
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");

    // The snapshot was started all the same: a blind retry would have made two.
    let after = sb.get(&format!("/v1/instances/{id}/snapshots")).await.body["data"].as_array().unwrap().len();
    assert_eq!(after, before + 1);

    let log = sb.requests().await;
    let posts: Vec<&Value> =
        log.iter().filter(|e| e["method"] == "POST" && e["path"] == format!("/v1/instances/{id}/snapshots")).collect();
    assert_eq!(posts.len(), 1, "{log:?}");
    assert_eq!(posts[0]["dropped"], true);
    assert_eq!(posts[0]["status"], 202);
    assert_eq!(posts[0]["route"], "/v1/instances/{id}/snapshots");

    // The next request goes through normally.
    assert_eq!(sb.post(&format!("/v1/instances/{id}/snapshots"), None).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_dropped_get_looks_like_a_reset_connection() {
    let sb = Sandbox::start().await;
    sb.arm_fault(Fault::on("GET /v1/instances").dropped()).await;
    let result = sb.http.get(sb.url("/v1/instances")).bearer_auth(&sb.token).send().await;
    assert!(result.is_err());
    assert_eq!(sb.get("/v1/instances").await.status, StatusCode::OK);
}

#[tokio::test]
async fn delay_holds_the_response_back() {
    let sb = Sandbox::start().await;
    sb.arm_fault(Fault::on("GET /v1/tenants").delay_ms(300)).await;
    let started = Instant::now();
    let r = sb.get("/v1/tenants").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let log = sb.requests().await;
    assert!(log.iter().any(|e| e["fault"] == "delay" && e["status"] == 200));
}

#[tokio::test]
async fn faults_reach_the_token_endpoint_and_bad_rules_are_refused() {
    let sb = Sandbox::start().await;
    sb.arm_fault(Fault::on("POST /oauth/token").status(429).retry_after(1)).await;
    let info = sb.emu.info();
    let r = sb
        .http
        .post(&info.auth_url)
        .basic_auth(&info.client_id, Some(&info.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    sb.fetch_token().await;

    let bad = sb.control(Method::POST, "/_emulator/faults", Some(json!({"route": "*"}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = sb.control(Method::POST, "/_emulator/faults", Some(json!({"route": "*", "status": 99}))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let listed = sb.control(Method::GET, "/_emulator/faults", None).await;
    assert_eq!(listed.body["data"], json!([]));
}
