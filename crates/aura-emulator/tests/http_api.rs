//! The Aura API v1 surface over real loopback HTTP, on the fast clock.

mod common;

use std::collections::HashSet;

use aura_emulator::EmulatorConfig;
use common::{client, fast_config, reply, Sandbox};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn token_flow_follows_client_credentials_rules() {
    let sb = Sandbox::start().await;
    let info = sb.emu.info().clone();
    let http = client();

    let good = http
        .post(&info.auth_url)
        .basic_auth(&info.client_id, Some(&info.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert!(good.headers().contains_key("x-request-id"));
    let good = reply(good).await;
    assert_eq!(good.status, StatusCode::OK);
    assert_eq!(good.body["expires_in"], 3600);
    assert_eq!(good.body["token_type"], "bearer");
    assert!(good.body["access_token"].as_str().is_some_and(|t| !t.is_empty()));

    let bad = http
        .post(&info.auth_url)
        .basic_auth(&info.client_id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);

    // A JSON body is not a form body.
    let json_body = http
        .post(&info.auth_url)
        .basic_auth(&info.client_id, Some(&info.client_secret))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), StatusCode::BAD_REQUEST);
    let no_body =
        http.post(&info.auth_url).basic_auth(&info.client_id, Some(&info.client_secret)).send().await.unwrap();
    assert_eq!(no_body.status(), StatusCode::NOT_FOUND);
    let wrong_grant = http
        .post(&info.auth_url)
        .basic_auth(&info.client_id, Some(&info.client_secret))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_grant.status(), StatusCode::FORBIDDEN);

    // The token works; no token is 401; an expired token is 403.
    assert_eq!(sb.get("/v1/instances").await.status, StatusCode::OK);
    let anonymous = reply(http.get(sb.url("/v1/instances")).send().await.unwrap()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let expired = sb.control(Method::POST, "/_emulator/tokens/expire", None).await;
    assert_eq!(expired.status, StatusCode::OK);
    assert!(!expired.request_id().is_empty());
    let after = sb.get("/v1/instances").await;
    assert_eq!(after.status, StatusCode::FORBIDDEN);
    assert!(after.message().contains("expired"), "{}", after.body);
    assert!(!after.reason().is_empty());

    let fresh = Sandbox { token: sb.fetch_token().await, ..sb };
    assert_eq!(fresh.get("/v1/instances").await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_response_has_an_envelope_and_a_request_id() {
    let sb = Sandbox::start().await;
    let mut ids = HashSet::new();

    let list = sb.get("/v1/instances").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body["data"].is_array());
    ids.insert(list.request_id());

    let missing = sb.get("/v1/instances/24d18db5").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body, json!({"errors":[{"message":"DB not found: 24d18db5","reason":"db-not-found"}]}));
    ids.insert(missing.request_id());

    let tenant = sb.get("/v1/tenants/00000000-0000-0000-0000-000000000000").await;
    assert_eq!(tenant.status, StatusCode::NOT_FOUND);
    assert_eq!(tenant.reason(), "tenant-not-found");
    ids.insert(tenant.request_id());

    let id = sb.instance_id("Staging");
    let snap = sb.get(&format!("/v1/instances/{id}/snapshots/6f1e0d3c-0000-4000-8000-000000000000")).await;
    assert_eq!(snap.status, StatusCode::NOT_FOUND);
    assert_eq!(snap.reason(), "snapshot-not-found");
    ids.insert(snap.request_id());

    let nowhere = sb.get("/v1/nowhere").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    ids.insert(nowhere.request_id());

    assert_eq!(ids.len(), 5, "request ids are present and unique: {ids:?}");
    assert!(ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let sb = Sandbox::start_with(EmulatorConfig { rate_limit_per_minute: 5, ..fast_config() }).await;
    for _ in 0..5 {
        assert_eq!(sb.get("/v1/instances").await.status, StatusCode::OK);
    }
    let limited = sb.get("/v1/tenants").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = limited.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(limited.reason(), "rate-limit-exceeded");
    assert!(!limited.request_id().is_empty());
    // The token endpoint and the control API are outside the budget.
    sb.fetch_token().await;
    assert_eq!(sb.control(Method::GET, "/_emulator/requests", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn demo_project_has_three_instances_and_a_week_of_history() {
    let sb = Sandbox::start().await;
    let tenants = sb.get("/v1/tenants").await.body["data"].clone();
    assert_eq!(tenants.as_array().unwrap().len(), 1);
    assert_eq!(tenants[0]["name"], "Lifeboat Sandbox");
    let tenant = sb.get(&format!("/v1/tenants/{}", tenants[0]["id"].as_str().unwrap())).await;
    assert!(!tenant.body["data"]["instance_configurations"].as_array().unwrap().is_empty());

    let list = sb.get("/v1/instances").await.body["data"].as_array().cloned().unwrap();
    let names: Vec<_> = list.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Production", "Staging", "Playground"]);
    assert!(list.iter().all(|i| i.get("status").is_none() && i["created_at"].as_str().unwrap().ends_with('Z')));
    let filtered = sb.get(&format!("/v1/instances?tenantId={}", tenants[0]["id"].as_str().unwrap())).await;
    assert_eq!(filtered.body["data"].as_array().unwrap().len(), 3);

    let prod = sb.instance(&sb.instance_id("Production")).await;
    assert_eq!(prod["type"], "business-critical");
    assert_eq!(prod["status"], "running");
    assert_eq!(prod["version"], "5");
    assert_eq!(prod["memory"], "8GB");
    assert_eq!(prod["region"], "europe-west1");
    assert_eq!(prod["connection_url"], format!("neo4j+s://{}.databases.neo4j.io", prod["id"].as_str().unwrap()));
    assert!(prod.get("graph_nodes").is_none());
    let playground = sb.instance(&sb.instance_id("Playground")).await;
    assert_eq!(playground["type"], "free-db");
    assert!(playground.get("graph_nodes").is_some());
    assert_eq!(sb.instance(&sb.instance_id("Staging")).await["type"], "professional-db");

    let snaps = sb.snapshots_over(&sb.instance_id("Production"), 7).await;
    let scheduled: Vec<&Value> = snaps.iter().filter(|s| s["profile"] == "Scheduled").collect();
    assert!(scheduled.iter().any(|s| s["exportable"] == true), "daily snapshots");
    assert!(scheduled.iter().filter(|s| s["exportable"] == false).count() > 100, "hourly snapshots");
    assert_eq!(snaps.iter().filter(|s| s["status"] == "Failed").count(), 1);
    assert_eq!(snaps.iter().filter(|s| s["profile"] == "AdHoc").count(), 2);
    for s in &snaps {
        let ts = s["timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), 20, "{ts}");
        assert!(ts.ends_with('Z'));
        assert!(uuid::Uuid::parse_str(s["snapshot_id"].as_str().unwrap()).is_ok());
    }

    let staging = sb.snapshots_over(&sb.instance_id("Staging"), 7).await;
    assert!((6..=8).contains(&staging.len()), "{} dailies", staging.len());
    assert!(staging.iter().all(|s| s["profile"] == "Scheduled" && s["exportable"] == true));
    let play = sb.snapshots_over(&sb.instance_id("Playground"), 7).await;
    assert_eq!(play.len(), 1);
    assert_eq!(play[0]["profile"], "AdHoc");
}

#[tokio::test]
async fn snapshot_list_is_per_utc_day() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Production");
    let bad = sb.get(&format!("/v1/instances/{id}/snapshots?date=yesterday")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["errors"][0]["field"], "date");

    let day = time::OffsetDateTime::now_utc().date() - time::Duration::days(3);
    let r = sb.get(&format!("/v1/instances/{id}/snapshots?date={day}")).await;
    let list = r.body["data"].as_array().unwrap();
    assert!(list.len() >= 24, "a full day of hourly snapshots, got {}", list.len());
    assert!(list.iter().all(|s| s["timestamp"].as_str().unwrap().starts_with(&day.to_string())));

    let today = time::OffsetDateTime::now_utc().date().to_string();
    let default = sb.get(&format!("/v1/instances/{id}/snapshots")).await.body["data"].clone();
    assert!(default.as_array().unwrap().iter().all(|s| s["timestamp"].as_str().unwrap().starts_with(&today)));
    let ancient = sb.get(&format!("/v1/instances/{id}/snapshots?date=2001-01-01")).await;
    assert_eq!(ancient.body["data"], json!([]));
}

#[tokio::test]
async fn on_demand_snapshot_goes_pending_in_progress_completed() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Staging");
    let created = sb.post(&format!("/v1/instances/{id}/snapshots"), None).await;
    assert_eq!(created.status, StatusCode::ACCEPTED);
    let sid = created.body["data"]["snapshot_id"].as_str().unwrap().to_string();
    assert_eq!(created.body["data"].as_object().unwrap().len(), 1);

    let order = ["Pending", "InProgress", "Completed"];
    let mut seen: Vec<String> = Vec::new();
    let started = std::time::Instant::now();
    let last = loop {
        let r = sb.get(&format!("/v1/instances/{id}/snapshots/{sid}")).await;
        let status = r.body["data"]["status"].as_str().unwrap().to_string();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "Completed" {
            break r.body["data"].clone();
        }
        assert!(started.elapsed() < common::DEADLINE, "still {status}");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    };
    let ranks: Vec<usize> = seen.iter().map(|s| order.iter().position(|o| o == s).expect("known status")).collect();
    assert!(ranks.windows(2).all(|w| w[0] < w[1]), "statuses move forward: {seen:?}");
    assert_eq!(last["profile"], "AdHoc");
    assert_eq!(last["exportable"], true);
    assert_eq!(last["instance_id"], id.as_str());
    let today = sb.get(&format!("/v1/instances/{id}/snapshots")).await.body["data"].clone();
    assert!(today.as_array().unwrap().iter().any(|s| s["snapshot_id"] == sid.as_str()));
}

#[tokio::test]
async fn fail_next_makes_the_next_snapshot_fail() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Staging");
    assert_eq!(sb.control(Method::POST, "/_emulator/transitions/fail-next", None).await.status, StatusCode::OK);
    let sid = sb.post(&format!("/v1/instances/{id}/snapshots"), None).await.body["data"]["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string();
    sb.wait_snapshot(&id, &sid, "Failed").await;
    let next = sb.post(&format!("/v1/instances/{id}/snapshots"), None).await.body["data"]["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string();
    sb.wait_snapshot(&id, &next, "Completed").await;
}

/// An older daily snapshot of Production, to restore from.
async fn old_daily(sb: &Sandbox, id: &str) -> String {
    let day = time::OffsetDateTime::now_utc().date() - time::Duration::days(4);
    let list = sb.get(&format!("/v1/instances/{id}/snapshots?date={day}")).await.body["data"].clone();
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["exportable"] == true && s["status"] == "Completed" && s["profile"] == "Scheduled")
        .map(|s| s["snapshot_id"].as_str().unwrap().to_string())
        .expect("a completed daily four days ago")
}

#[tokio::test]
async fn restore_turns_counts_back_and_conflicts_while_running() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Production");
    let sid = old_daily(&sb, &id).await;
    let (snap_nodes, snap_rels) = sb.snapshot_counts(&sid).await;
    let (before_nodes, _) = sb.counts(&id).await;
    assert!(before_nodes > snap_nodes + 10_000, "the graph grew since: {before_nodes} vs {snap_nodes}");

    let r = sb.post(&format!("/v1/instances/{id}/snapshots/{sid}/restore"), None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["data"]["status"], "restoring");
    assert_eq!(r.body["data"]["id"], id.as_str());

    let again = sb.post(&format!("/v1/instances/{id}/snapshots/{sid}/restore"), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.reason(), "ongoing-database-operation");
    assert_eq!(again.message(), "The database is current undergoing an operation: restoring");
    assert_eq!(sb.post(&format!("/v1/instances/{id}/pause"), None).await.status, StatusCode::CONFLICT);

    sb.wait_status(&id, "running").await;
    let (nodes, rels) = sb.counts(&id).await;
    // The graph keeps growing slowly after the restore; allow a few seconds' worth.
    assert!((snap_nodes..snap_nodes + 10).contains(&nodes), "{nodes} vs snapshot {snap_nodes}");
    assert!((snap_rels..snap_rels + 40).contains(&rels), "{rels} vs snapshot {snap_rels}");
}

#[tokio::test]
async fn create_from_snapshot_needs_an_exportable_snapshot() {
    let sb = Sandbox::start().await;
    let prod = sb.instance_id("Production");
    let tenant_id = sb.instance(&prod).await["tenant_id"].clone();
    let hourly = sb.snapshots_over(&prod, 1).await.into_iter().find(|s| s["exportable"] == false).expect("hourly");
    let hourly_id = hourly["snapshot_id"].as_str().unwrap();
    let body = |sid: &str| {
        json!({"name":"Copy","tenant_id":tenant_id,"version":"5","cloud_provider":"gcp","region":"europe-west1",
               "type":"professional-db","memory":"2GB","source_instance_id":prod,"source_snapshot_id":sid})
    };
    let rejected = sb.post("/v1/instances", Some(body(hourly_id))).await;
    assert_eq!(rejected.status, StatusCode::BAD_REQUEST);
    assert_eq!(rejected.message(), format!("Source snapshot {hourly_id} is not exportable"));

    let missing = sb.post("/v1/instances", Some(json!({"name":"x"}))).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["errors"][0]["field"], "tenant_id");

    let daily = old_daily(&sb, &prod).await;
    let (snap_nodes, snap_rels) = sb.snapshot_counts(&daily).await;
    let created = sb.post("/v1/instances", Some(body(&daily))).await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);
    let data = created.body["data"].clone();
    for key in ["id", "name", "tenant_id", "cloud_provider", "connection_url", "region", "type", "username", "password"]
    {
        assert!(data.get(key).is_some(), "{key} in {data}");
    }
    let new_id = data["id"].as_str().unwrap();
    assert_eq!(sb.instance(new_id).await["status"], "creating");
    sb.wait_status(new_id, "running").await;
    let q = sb
        .query(
            new_id,
            data["username"].as_str().unwrap(),
            data["password"].as_str().unwrap(),
            "MATCH (n) RETURN count(n) AS n",
        )
        .await;
    assert_eq!(q.body["data"]["values"][0][0], snap_nodes);
    let q = sb
        .query(
            new_id,
            data["username"].as_str().unwrap(),
            data["password"].as_str().unwrap(),
            "MATCH ()-[r]->() RETURN count(r)",
        )
        .await;
    assert_eq!(q.body["data"]["values"][0][0], snap_rels);
}

#[tokio::test]
async fn overwrite_copies_an_exportable_snapshot_into_another_instance() {
    let sb = Sandbox::start().await;
    let prod = sb.instance_id("Production");
    let staging = sb.instance_id("Staging");
    let hourly = sb.snapshots_over(&prod, 1).await.into_iter().find(|s| s["exportable"] == false).expect("hourly");
    let refused = sb
        .post(
            &format!("/v1/instances/{staging}/overwrite"),
            Some(json!({"source_instance_id": prod, "source_snapshot_id": hourly["snapshot_id"]})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.message().ends_with("is not exportable"));

    let daily = old_daily(&sb, &prod).await;
    let (snap_nodes, _) = sb.snapshot_counts(&daily).await;
    let r = sb
        .post(
            &format!("/v1/instances/{staging}/overwrite"),
            Some(json!({"source_instance_id": prod, "source_snapshot_id": daily})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["data"]["status"], "overwriting");
    let busy = sb.post(&format!("/v1/instances/{staging}/snapshots/{daily}/restore"), None).await;
    assert!(busy.status == StatusCode::CONFLICT || busy.status == StatusCode::NOT_FOUND);
    sb.wait_status(&staging, "running").await;
    let (nodes, _) = sb.counts(&staging).await;
    assert!((snap_nodes..snap_nodes + 5).contains(&nodes), "{nodes} vs {snap_nodes}");
}

/// The body `aura-python-sdk` and the Go SDK send for `overwrite_from_snapshot`: the snapshot id alone, which names a
/// snapshot of the instance being overwritten.
#[tokio::test]
async fn overwrite_accepts_a_snapshot_of_the_instance_itself_alone() {
    let sb = Sandbox::start().await;
    let prod = sb.instance_id("Production");
    let staging = sb.instance_id("Staging");
    let path = format!("/v1/instances/{prod}/overwrite");
    let overwrite = |body: Value| sb.post(&path, Some(body));

    let none = overwrite(json!({})).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        (none.reason(), none.body["errors"][0]["field"].as_str()),
        ("invalid-request", Some("source_instance_id"))
    );
    let hourly = sb.snapshots_over(&prod, 1).await.into_iter().find(|s| s["exportable"] == false).expect("hourly");
    let refused = overwrite(json!({"source_snapshot_id": hourly["snapshot_id"]})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.message(),
        format!("Source snapshot {} is not exportable", hourly["snapshot_id"].as_str().unwrap())
    );
    // A snapshot of another instance is not one of this instance's.
    let foreign = old_daily(&sb, &staging).await;
    let elsewhere = overwrite(json!({"source_snapshot_id": foreign})).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert_eq!(
        (elsewhere.reason(), elsewhere.body["errors"][0]["field"].as_str()),
        ("snapshot-not-found", Some("source_snapshot_id"))
    );
    assert_eq!(sb.instance(&prod).await["status"], "running", "refused overwrites change nothing");

    let daily = old_daily(&sb, &prod).await;
    let (snap_nodes, _) = sb.snapshot_counts(&daily).await;
    let (before, _) = sb.counts(&prod).await;
    assert!(before > snap_nodes + 10_000, "the graph grew since: {before} vs {snap_nodes}");
    let r = overwrite(json!({"source_snapshot_id": daily})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(
        (r.body["data"]["id"].as_str(), r.body["data"]["status"].as_str()),
        (Some(prod.as_str()), Some("overwriting"))
    );
    sb.wait_status(&prod, "running").await;
    let (nodes, _) = sb.counts(&prod).await;
    assert!((snap_nodes..snap_nodes + 10).contains(&nodes), "{nodes} vs {snap_nodes}");
}

/// Fields that only some tiers have appear only on those tiers, as the live API returns them.
#[tokio::test]
async fn instance_views_carry_the_fields_of_their_tier() {
    let sb = Sandbox::start().await;
    let fields = |v: &Value| {
        ["storage", "graph_nodes", "graph_relationships", "secondaries_count", "cdc_enrichment_mode"]
            .into_iter()
            .filter(|k| v.get(*k).is_some())
            .collect::<Vec<_>>()
    };
    let free = sb.instance(&sb.instance_id("Playground")).await;
    assert_eq!(fields(&free), ["graph_nodes", "graph_relationships"]);
    let pro = sb.instance(&sb.instance_id("Staging")).await;
    assert_eq!(fields(&pro), ["storage"]);
    let bc = sb.instance(&sb.instance_id("Production")).await;
    assert_eq!(fields(&bc), ["storage", "cdc_enrichment_mode"]);

    let tenant_id = bc["tenant_id"].as_str().unwrap().to_string();
    let created = sb
        .post(
            "/v1/instances",
            Some(json!({"name":"VDC","tenant_id":tenant_id,"version":"5","cloud_provider":"gcp",
                        "region":"europe-west1","type":"enterprise-db","memory":"4GB"})),
        )
        .await;
    assert_eq!(created.status, StatusCode::ACCEPTED, "{}", created.body);
    let vdc = sb.wait_status(created.body["data"]["id"].as_str().unwrap(), "running").await;
    assert_eq!(fields(&vdc), ["storage", "secondaries_count", "cdc_enrichment_mode"]);
    for v in [&free, &pro, &bc, &vdc] {
        assert!(v.get("metrics_integration_url").is_none(), "no metrics host to send a token to: {v}");
    }
}

#[tokio::test]
async fn the_sandbox_has_no_metrics_integration() {
    let sb = Sandbox::start().await;
    let tenant = sb.get("/v1/tenants").await.body["data"][0]["id"].as_str().unwrap().to_string();
    let r = sb.get(&format!("/v1/tenants/{tenant}/metrics-integration")).await;
    assert_eq!((r.status, r.reason()), (StatusCode::BAD_REQUEST, "tenant-incapable-of-action"));
    let unknown = sb.get("/v1/tenants/00000000-0000-4000-8000-000000000000/metrics-integration").await;
    assert_eq!((unknown.status, unknown.reason()), (StatusCode::NOT_FOUND, "tenant-not-found"));
    let anonymous = sb.http.get(sb.url(&format!("/v1/tenants/{tenant}/metrics-integration"))).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn free_tier_keeps_only_the_latest_snapshot() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Playground");
    let old = sb.snapshots_over(&id, 7).await;
    assert_eq!(old.len(), 1);
    let old_id = old[0]["snapshot_id"].as_str().unwrap().to_string();

    let sid = sb.post(&format!("/v1/instances/{id}/snapshots"), None).await.body["data"]["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string();
    sb.wait_snapshot(&id, &sid, "Completed").await;
    let gone = sb.get(&format!("/v1/instances/{id}/snapshots/{old_id}")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let now = sb.snapshots_over(&id, 7).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["snapshot_id"], sid.as_str());
}

#[tokio::test]
async fn pause_and_resume_move_through_their_states() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Staging");
    let paused = sb.post(&format!("/v1/instances/{id}/pause"), None).await;
    assert_eq!(paused.status, StatusCode::ACCEPTED);
    assert_eq!(paused.body["data"]["status"], "pausing");
    let during = sb.post(&format!("/v1/instances/{id}/pause"), None).await;
    assert_eq!(during.status, StatusCode::CONFLICT);
    assert_eq!(during.message(), "The database is current undergoing an operation: pausing");

    sb.wait_status(&id, "paused").await;
    assert_eq!(sb.post(&format!("/v1/instances/{id}/pause"), None).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(sb.post(&format!("/v1/instances/{id}/snapshots"), None).await.status, StatusCode::BAD_REQUEST);
    let info = sb.emu.info().instances.iter().find(|i| i.id == id).unwrap().clone();
    let q = sb.query(&id, &info.db_user, &info.db_password, "RETURN 1").await;
    assert_eq!(q.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(q.body["errors"][0]["code"], "Neo.TransientError.General.DatabaseUnavailable");

    let resumed = sb.post(&format!("/v1/instances/{id}/resume"), Some(json!({}))).await;
    assert_eq!(resumed.status, StatusCode::ACCEPTED);
    assert_eq!(resumed.body["data"]["status"], "resuming");
    sb.wait_status(&id, "running").await;
    assert_eq!(sb.post(&format!("/v1/instances/{id}/resume"), None).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn rename_and_delete() {
    let sb = Sandbox::start().await;
    let id = sb.instance_id("Playground");
    let renamed = sb.call(Method::PATCH, &format!("/v1/instances/{id}"), Some(json!({"name": "Sandpit"}))).await;
    assert_eq!(renamed.status, StatusCode::ACCEPTED);
    assert_eq!(sb.instance(&id).await["name"], "Sandpit");
    let refused = sb.call(Method::PATCH, &format!("/v1/instances/{id}"), Some(json!({"memory": "2GB"}))).await;
    assert_eq!(refused.body["errors"][0]["field"], "memory");

    let deleted = sb.call(Method::DELETE, &format!("/v1/instances/{id}"), None).await;
    assert_eq!(deleted.status, StatusCode::ACCEPTED);
    assert_eq!(deleted.body["data"]["status"], "destroying");
    let busy = sb.call(Method::PATCH, &format!("/v1/instances/{id}"), Some(json!({"name": "x"}))).await;
    assert_eq!(busy.status, StatusCode::CONFLICT);
    common::wait_until(|| async {
        (sb.get(&format!("/v1/instances/{id}")).await.status == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
    let list = sb.get("/v1/instances").await.body["data"].clone();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn state_persists_across_restart_with_the_same_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig { data_dir: Some(dir.path().to_path_buf()), ..fast_config() };
    let sb = Sandbox::start_with(config.clone()).await;
    let first_info = sb.emu.info().clone();
    let id = sb.instance_id("Staging");
    let sid = sb.post(&format!("/v1/instances/{id}/snapshots"), None).await.body["data"]["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string();
    sb.call(Method::PATCH, &format!("/v1/instances/{id}"), Some(json!({"name": "Staging 2"}))).await;
    let old_token = sb.token.clone();
    sb.emu.shutdown().await;
    assert!(dir.path().join("state.json").exists());

    let sb = Sandbox::start_with(config).await;
    let info = sb.emu.info();
    assert_eq!(info.client_id, first_info.client_id);
    assert_eq!(info.client_secret, first_info.client_secret);
    let ids: Vec<_> = info.instances.iter().map(|i| (&i.id, &i.db_password)).collect();
    let first_ids: Vec<_> = first_info.instances.iter().map(|i| (&i.id, &i.db_password)).collect();
    assert_eq!(ids, first_ids);
    assert_eq!(sb.instance(&id).await["name"], "Staging 2");
    sb.wait_snapshot(&id, &sid, "Completed").await;
    let stale = Sandbox { token: old_token, ..sb };
    assert_eq!(stale.get("/v1/instances").await.status, StatusCode::FORBIDDEN);
    stale.emu.shutdown().await;

    // Another data dir is another account.
    let other = Sandbox::start().await;
    assert_ne!(other.emu.info().client_id, first_info.client_id);
}

#[tokio::test]
async fn temporary_data_dir_is_removed_on_shutdown() {
    let sb = Sandbox::start().await;
    let dir = sb.emu.data_dir().to_path_buf();
    assert!(dir.join("state.json").exists());
    sb.emu.shutdown().await;
    assert!(!dir.exists());
}
