//! The Query API's graph statements (Lifeboat's logical export and import) over real loopback HTTP: generated
//! graphs read page by page, emptied, written with `UNWIND`, persisted across a restart, and replaced by a restore.

mod common;

use aura_emulator::EmulatorConfig;
use common::{fast_config, reply, Reply, Sandbox};
use reqwest::StatusCode;
use serde_json::{json, Value};

const TYPED: &str = "application/vnd.neo4j.query";
const NODES: &str = "MATCH (n) WHERE id(n) > $after RETURN id(n) AS id, labels(n) AS labels, properties(n) AS properties ORDER BY id LIMIT $limit";
const RELS: &str = "MATCH (a)-[r]->(b) WHERE id(r) > $after RETURN id(r) AS id, type(r) AS type, id(a) AS start, id(b) AS end, properties(r) AS properties ORDER BY id LIMIT $limit";
const DELETE: &str = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted";
const CONSTRAINT: &str =
    "CREATE CONSTRAINT lifeboat_import_id IF NOT EXISTS FOR (n:__LifeboatImport) REQUIRE n.__lifeboat_id IS UNIQUE";
const CREATE_NODES: &str = "UNWIND $rows AS row CREATE (n:__LifeboatImport {__lifeboat_id: row.id}) SET n += row.properties, n:$(row.labels) RETURN count(*) AS created";
const CREATE_RELS: &str = "UNWIND $rows AS row MATCH (a:__LifeboatImport {__lifeboat_id: row.start}) MATCH (b:__LifeboatImport {__lifeboat_id: row.end}) CREATE (a)-[r:$(row.type)]->(b) SET r = row.properties RETURN count(*) AS created";
const STRIP: &str =
    "MATCH (n:__LifeboatImport) WITH n LIMIT $limit REMOVE n:__LifeboatImport, n.__lifeboat_id RETURN count(*) AS done";
const DROP: &str = "DROP CONSTRAINT lifeboat_import_id IF EXISTS";

fn int(n: i64) -> Value {
    json!({"$type": "Integer", "_value": n.to_string()})
}

fn string(s: &str) -> Value {
    json!({"$type": "String", "_value": s})
}

fn list(items: Vec<Value>) -> Value {
    json!({"$type": "List", "_value": items})
}

fn map(entries: Value) -> Value {
    json!({"$type": "Map", "_value": entries})
}

/// Runs a statement with typed parameters and a typed answer, as Lifeboat does.
async fn typed(sb: &Sandbox, name: &str, statement: &str, parameters: Value) -> Reply {
    let inst = sb.emu.info().instances.iter().find(|i| i.name == name).unwrap().clone();
    let url = sb.emu.info().query_url.replace("{dbid}", &inst.id);
    let resp = sb
        .http
        .post(url)
        .basic_auth(&inst.db_user, Some(&inst.db_password))
        .header("content-type", TYPED)
        .header("accept", TYPED)
        .body(json!({ "statement": statement, "parameters": parameters }).to_string())
        .send()
        .await
        .unwrap();
    reply(resp).await
}

fn ok(r: &Reply) -> &Value {
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.headers["content-type"], TYPED);
    &r.body["data"]["values"]
}

fn first_int(r: &Reply) -> i64 {
    ok(r)[0][0]["_value"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_generated_graph_is_read_in_keyset_pages_with_typed_values() {
    let sb = Sandbox::start().await;
    let page = typed(&sb, "Playground", NODES, json!({"after": int(-1), "limit": int(100)})).await;
    let rows = ok(&page).as_array().unwrap().clone();
    assert_eq!(page.body["data"]["fields"], json!(["id", "labels", "properties"]));
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[0][0], int(0));
    assert_eq!(rows[0][1]["$type"], "List");
    let props = &rows[0][2]["_value"];
    assert_eq!(props["since"]["$type"], "Date", "temporal values keep their type: {props}");
    assert_eq!(props["score"]["$type"], "Float");

    let next = typed(&sb, "Playground", NODES, json!({"after": int(99), "limit": int(1000)})).await;
    let rest = ok(&next).as_array().unwrap().len() as u64;
    let (nodes, rels) = sb.counts(&sb.instance_id("Playground")).await;
    assert_eq!(100 + rest, nodes, "two pages hold every node");

    let rel_page = typed(&sb, "Playground", RELS, json!({"after": int(-1), "limit": int(5000)})).await;
    let all_rels = ok(&rel_page).as_array().unwrap().clone();
    assert_eq!(all_rels.len() as u64, rels);
    for r in &all_rels {
        let end: u64 = r[3]["_value"].as_str().unwrap().parse().unwrap();
        assert!(end < nodes, "every relationship ends at an existing node");
    }

    // Plain JSON by default: the same page without types.
    let inst = sb.emu.info().instances.iter().find(|i| i.name == "Playground").unwrap().clone();
    let url = sb.emu.info().query_url.replace("{dbid}", &inst.id);
    let plain = reply(
        sb.http
            .post(url)
            .basic_auth(&inst.db_user, Some(&inst.db_password))
            .json(&json!({"statement": NODES, "parameters": {"after": -1, "limit": 1}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(plain.body["data"]["values"][0][0], json!(0));
    assert!(plain.body["data"]["values"][0][2]["since"].is_string());
}

#[tokio::test]
async fn parameters_are_checked_and_other_statements_stay_syntax_errors() {
    let sb = Sandbox::start().await;
    let missing = typed(&sb, "Playground", NODES, json!({"after": int(-1)})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing.body["errors"][0]["code"], "Neo.ClientError.Statement.ParameterMissing");
    let untyped = typed(&sb, "Playground", NODES, json!({"after": -1, "limit": 5})).await;
    assert_eq!(untyped.body["errors"][0]["code"], "Neo.ClientError.Request.Invalid");
    let other = typed(&sb, "Playground", "MATCH (n) DETACH DELETE n", json!({})).await;
    assert_eq!(other.body["errors"][0]["code"], "Neo.ClientError.Statement.SyntaxError");
    // A big generated graph is not written into: it must be emptied first.
    let row = map(json!({"id": int(1), "labels": list(vec![string("X")]), "properties": map(json!({}))}));
    let refused = typed(&sb, "Production", CREATE_NODES, json!({"rows": list(vec![row])})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("delete the data first"));
}

#[tokio::test]
async fn an_import_empties_writes_and_persists_the_graph_and_a_restore_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = EmulatorConfig { data_dir: Some(dir.path().to_path_buf()), ..fast_config() };
    let sb = Sandbox::start_with(config.clone()).await;
    let staging = sb.instance_id("Staging");
    let sid = sb.post(&format!("/v1/instances/{staging}/snapshots"), None).await.body["data"]["snapshot_id"]
        .as_str()
        .unwrap()
        .to_string();
    sb.wait_snapshot(&staging, &sid, "Completed").await;
    let (snap_nodes, snap_rels) = sb.snapshot_counts(&sid).await;

    // Emptying Staging (50k generated nodes) takes a few batches and no memory.
    let mut deleted = 0;
    loop {
        let n = first_int(&typed(&sb, "Staging", DELETE, json!({"limit": int(20_000)})).await);
        if n == 0 {
            break;
        }
        deleted += n as u64;
    }
    assert!(deleted >= snap_nodes);
    assert_eq!(sb.counts(&staging).await, (0, 0));

    assert!(ok(&typed(&sb, "Staging", CONSTRAINT, json!({})).await).as_array().unwrap().is_empty());
    let node = |id: i64, label: &str| {
        map(json!({
            "id": int(id),
            "labels": list(vec![string(label)]),
            "properties": map(json!({"name": string(&format!("n{id}")), "born": {"$type": "Date", "_value": "1990-01-02"}})),
        }))
    };
    let rows: Vec<Value> = (100..110).map(|i| node(i, if i % 2 == 0 { "Even" } else { "Odd" })).collect();
    assert_eq!(first_int(&typed(&sb, "Staging", CREATE_NODES, json!({"rows": list(rows)})).await), 10);
    let again = typed(&sb, "Staging", CREATE_NODES, json!({"rows": list(vec![node(100, "Even")])})).await;
    assert_eq!(again.body["errors"][0]["code"], "Neo.ClientError.Schema.ConstraintValidationFailed");

    let rel = |s: i64, e: i64| {
        map(
            json!({"start": int(s), "end": int(e), "type": string("NEXT"), "properties": map(json!({"w": {"$type": "Float", "_value": "0.5"}}))}),
        )
    };
    let rels: Vec<Value> = vec![rel(100, 101), rel(101, 102), rel(102, 999)];
    assert_eq!(first_int(&typed(&sb, "Staging", CREATE_RELS, json!({"rows": list(rels)})).await), 2);
    assert_eq!(first_int(&typed(&sb, "Staging", STRIP, json!({"limit": int(6)})).await), 6);
    assert_eq!(first_int(&typed(&sb, "Staging", STRIP, json!({"limit": int(6)})).await), 4);
    assert_eq!(first_int(&typed(&sb, "Staging", STRIP, json!({"limit": int(6)})).await), 0);
    ok(&typed(&sb, "Staging", DROP, json!({})).await);
    assert_eq!(sb.counts(&staging).await, (10, 2));

    let page = typed(&sb, "Staging", NODES, json!({"after": int(-1), "limit": int(100)})).await;
    let first = &ok(&page)[0];
    assert_eq!(first[1], list(vec![string("Even")]), "the import label is gone");
    assert_eq!(first[2]["_value"]["born"], json!({"$type": "Date", "_value": "1990-01-02"}));
    assert!(first[2]["_value"].get("__lifeboat_id").is_none());
    let rel_page = typed(&sb, "Staging", RELS, json!({"after": int(-1), "limit": int(100)})).await;
    assert_eq!(ok(&rel_page)[0][4]["_value"]["w"], json!({"$type": "Float", "_value": "0.5"}));
    let instance = sb.instance(&staging).await;

    // The stored graph survives a restart.
    sb.emu.shutdown().await;
    let sb = Sandbox::start_with(config.clone()).await;
    assert_eq!(sb.counts(&staging).await, (10, 2));
    let again = typed(&sb, "Staging", NODES, json!({"after": int(-1), "limit": int(100)})).await;
    assert_eq!(ok(&again)[0], ok(&page)[0]);
    assert_eq!(sb.instance(&staging).await["status"], instance["status"]);

    // A restore brings back a generated graph of the snapshot's size.
    let r = sb.post(&format!("/v1/instances/{staging}/snapshots/{sid}/restore"), None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    sb.wait_status(&staging, "running").await;
    assert_eq!(sb.counts(&staging).await, (snap_nodes, snap_rels));
    sb.emu.shutdown().await;
    let sb = Sandbox::start_with(config).await;
    let logs = dir.path().join("graphs").read_dir().unwrap().count();
    assert_eq!(logs, 0, "the replaced graph's log is removed at the next start");
    assert_eq!(sb.counts(&staging).await, (snap_nodes, snap_rels));
}
