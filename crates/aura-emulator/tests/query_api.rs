//! The minimal Query API v2 over real loopback HTTP.

mod common;

use common::Sandbox;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn answers_return_and_count_statements_with_202() {
    let sb = Sandbox::start().await;
    let inst = sb.emu.info().instances.iter().find(|i| i.name == "Staging").unwrap().clone();

    let one = sb.query(&inst.id, &inst.db_user, &inst.db_password, "RETURN 1").await;
    assert_eq!(one.status, StatusCode::ACCEPTED);
    assert_eq!(one.body["data"], json!({"fields": ["1"], "values": [[1]]}));
    assert!(one.body["bookmarks"][0].as_str().unwrap().starts_with("FB:"));
    assert!(one.body.get("errors").is_none());

    let nodes = sb.query(&inst.id, &inst.db_user, &inst.db_password, "MATCH (n) RETURN count(n) AS nodes").await;
    let rels = sb.query(&inst.id, &inst.db_user, &inst.db_password, "MATCH ()-[r]->() RETURN count(r)").await;
    assert_eq!(nodes.body["data"]["fields"], json!(["nodes"]));
    assert_eq!(rels.body["data"]["fields"], json!(["count(r)"]));
    let n = nodes.body["data"]["values"][0][0].as_u64().unwrap();
    let r = rels.body["data"]["values"][0][0].as_u64().unwrap();
    assert!((45_000..55_000).contains(&n), "{n}");
    assert!((170_000..190_000).contains(&r), "{r}");

    let (cn, cr) = sb.counts(&inst.id).await;
    assert!(cn >= n && cn < n + 5 && cr >= r && cr < r + 5);
}

#[tokio::test]
async fn rejects_bad_credentials_unknown_databases_and_statements() {
    let sb = Sandbox::start().await;
    let inst = sb.emu.info().instances[0].clone();

    let unauthorized = sb.query(&inst.id, &inst.db_user, "not-the-password", "RETURN 1").await;
    assert_eq!(unauthorized.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unauthorized.body["errors"][0]["code"], "Neo.ClientError.Security.Unauthorized");
    // Another instance's password does not open this one.
    let other = sb.emu.info().instances[1].clone();
    let crossed = sb.query(&inst.id, &other.db_user, &other.db_password, "RETURN 1").await;
    assert_eq!(crossed.status, StatusCode::UNAUTHORIZED);

    let syntax = sb.query(&inst.id, &inst.db_user, &inst.db_password, "MATCH (n:Person) RETURN n.name").await;
    assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
    assert_eq!(syntax.body["errors"][0]["code"], "Neo.ClientError.Statement.SyntaxError");

    let url = sb.url(&format!("/query/{}/db/movies/query/v2", inst.id));
    let resp = sb
        .http
        .post(url)
        .basic_auth(&inst.db_user, Some(&inst.db_password))
        .json(&json!({"statement": "RETURN 1"}))
        .send()
        .await
        .unwrap();
    let no_db = common::reply(resp).await;
    assert_eq!(no_db.status, StatusCode::NOT_FOUND);
    assert_eq!(no_db.body["errors"][0]["code"], "Neo.ClientError.Database.DatabaseNotFound");

    let nowhere = sb.query("0badf00d", &inst.db_user, &inst.db_password, "RETURN 1").await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    assert!(!nowhere.request_id().is_empty());
}
