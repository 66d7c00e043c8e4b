//! The console's snapshot export over real loopback HTTP: the Snapshots page lists every snapshot with an Export
//! link only where Aura would allow one, and the download is a whole, deterministic Neo4j backup holding that
//! snapshot's counts — so exporting and restoring it later is meaningful.

mod common;

use common::Sandbox;
use lifeboat_archive::testgen::read_test_counts;
use lifeboat_archive::{inspect, CheckId, InspectOptions};
use reqwest::StatusCode;
use serde_json::Value;

struct Page {
    status: StatusCode,
    content_type: String,
    text: String,
}

async fn page(sb: &Sandbox, path: &str) -> Page {
    let resp = sb.http.get(sb.url(path)).send().await.unwrap();
    let status = resp.status();
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    Page { status, content_type, text: resp.text().await.unwrap() }
}

/// The page's row for one snapshot.
fn row<'a>(html: &'a str, sid: &str) -> &'a str {
    let start = html.find(&format!("data-snapshot-id=\"{sid}\"")).unwrap_or_else(|| panic!("no row for {sid}"));
    let end = html[start..].find("</tr>").map(|e| start + e).unwrap_or(html.len());
    &html[start..end]
}

/// The completed snapshots of Production over the demo week, split into exportable and not.
async fn production_snapshots(sb: &Sandbox) -> (String, Vec<Value>, Vec<Value>) {
    let id = sb.instance_id("Production");
    let all: Vec<Value> = sb.snapshots_over(&id, 8).await.into_iter().filter(|s| s["status"] == "Completed").collect();
    let (exportable, hourly): (Vec<Value>, Vec<Value>) = all.into_iter().partition(|s| s["exportable"] == true);
    assert!(!exportable.is_empty() && !hourly.is_empty(), "the demo week has dailies and hourlies");
    (id, exportable, hourly)
}

#[tokio::test]
async fn the_snapshots_page_offers_export_only_for_exportable_snapshots() {
    let sb = Sandbox::start().await;
    let (id, exportable, hourly) = production_snapshots(&sb).await;
    let daily = exportable[0]["snapshot_id"].as_str().unwrap();
    let hour = hourly[0]["snapshot_id"].as_str().unwrap();

    let p = page(&sb, &format!("/console/instances/{id}/snapshots?snapshot={daily}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.content_type.starts_with("text/html"), "{}", p.content_type);
    assert!(p.text.contains("Production — Snapshots"));
    let selected = row(&p.text, daily);
    assert!(selected.contains("class=\"selected\""), "the snapshot asked for is marked: {selected}");
    assert!(selected.contains(&format!("href=\"/console/instances/{id}/snapshots/{daily}/export\"")), "{selected}");
    let not = row(&p.text, hour);
    assert!(not.contains("Not exportable") && !not.contains("href="), "{not}");

    let unknown = page(&sb, "/console/instances/ffffffff/snapshots").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.content_type.starts_with("text/html"));
}

#[tokio::test]
async fn an_exportable_snapshot_downloads_as_a_whole_backup_with_its_counts_and_the_same_bytes_every_time() {
    let sb = Sandbox::start().await;
    let (id, exportable, _) = production_snapshots(&sb).await;
    let sid = exportable[0]["snapshot_id"].as_str().unwrap();
    let taken = time::OffsetDateTime::parse(
        exportable[0]["timestamp"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();

    let url = sb.url(&format!("/console/instances/{id}/snapshots/{sid}/export"));
    let resp = sb.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"neo4j-"), "{disposition}");
    assert!(disposition.ends_with(&format!("-{id}.backup\"")), "{disposition}");
    let length: u64 = resp.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let first = resp.bytes().await.unwrap();
    assert_eq!(first.len() as u64, length);
    assert!(length > 3 * 1024 * 1024 && length < 6 * 1024 * 1024, "modest by default: {length}");

    let again = sb.http.get(&url).send().await.unwrap().bytes().await.unwrap();
    assert!(first == again, "deterministic content");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("download.backup");
    std::fs::write(&file, &first).unwrap();
    let report = inspect(&file, &InspectOptions::default()).unwrap();
    assert_eq!(report.format_label, "Neo4j 5 backup, compressed");
    assert_eq!(report.ok(CheckId::Complete), Some(true), "{:?}", report.problems);
    assert_eq!(report.backup_time, Some(taken), "the backup records the snapshot's time");
    let counts = read_test_counts(&file).unwrap().expect("counts marker");
    assert_eq!((counts.nodes, counts.relationships), sb.snapshot_counts(sid).await);

    let small = sb.http.get(format!("{url}?size=65536")).send().await.unwrap().bytes().await.unwrap();
    assert!(small.len() < 128 * 1024, "?size= asks for another store size: {}", small.len());
}

#[tokio::test]
async fn hourly_and_unknown_snapshots_are_refused_with_an_error_page() {
    let sb = Sandbox::start().await;
    let (id, _, hourly) = production_snapshots(&sb).await;
    let hour = hourly[0]["snapshot_id"].as_str().unwrap();
    let refused = page(&sb, &format!("/console/instances/{id}/snapshots/{hour}/export")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.content_type.starts_with("text/html"));
    assert!(refused.text.contains("is not exportable"), "{}", refused.text);

    let missing = page(&sb, &format!("/console/instances/{id}/snapshots/no-such-snapshot/export")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = page(&sb, &format!("/console/instances/{id}/snapshots/{hour}/export?size=lots")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
