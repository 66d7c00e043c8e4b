//! Data export and import end to end against the emulator's Query API over loopback: a round trip of a few
//! thousand nodes with equal counts and content digest, damaged files refused before anything is deleted, and an
//! export that fails midway leaving no file under the chosen name.

use aura_emulator::test_kit::{Control, Fault};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lifeboat_engine::graph_export::{self, GraphClient};
use lifeboat_engine::history::HistoryFilter;
use lifeboat_engine::jobs::{JobKind, Outcome, StartError, StepId, StepState};
use lifeboat_engine::{DbLogin, GraphCounts, JobManager, JobState, LoginStore};
use serde_json::json;
use tokio::sync::watch;

mod common;

/// The shared world, with one job manager and a folder for the files.
struct World {
    base: common::World,
    jobs: Arc<JobManager>,
    files: tempfile::TempDir,
}

impl std::ops::Deref for World {
    type Target = common::World;

    fn deref(&self) -> &common::World {
        &self.base
    }
}

async fn world() -> World {
    let base = common::World::start().await;
    let jobs = base.manager();
    World { base, jobs, files: tempfile::tempdir().unwrap() }
}

impl World {
    fn login(&self, id: &str) -> DbLogin {
        self.logins.login(id).unwrap()
    }

    fn client(&self) -> GraphClient {
        GraphClient::new(&self.endpoints).unwrap()
    }

    async fn counts(&self, id: &str) -> GraphCounts {
        self.client().counts(id, &self.login(id)).await.unwrap()
    }

    /// Deletes the lowest node ids of Staging's generated graph until `nodes` are left (with the relationships
    /// between them): a source of a few thousand nodes with the emulator's own varied, typed properties.
    async fn staging_with(&self, nodes: u64) -> String {
        let staging = self.id_of("Staging");
        let now = self.counts(&staging).await;
        let excess = usize::try_from(now.nodes - nodes).unwrap();
        self.client().delete_batch(&staging, &self.login(&staging), excess).await.unwrap();
        assert_eq!(self.counts(&staging).await.nodes, nodes);
        staging
    }

    fn path(&self, name: &str) -> PathBuf {
        self.files.path().join(name)
    }

    async fn export(&self, id: &str, name: &str) -> JobState {
        finished(self.jobs.start_graph_export(id, self.path(name)).await.unwrap()).await
    }

    async fn import(&self, id: &str, path: &Path) -> JobState {
        let plan = self.jobs.plan_graph_import(id, path).await.unwrap();
        finished(self.jobs.start_graph_import(&plan.token, false, Some("Round trip".into())).await.unwrap()).await
    }

    async fn arm(&self, rule: Fault) {
        Control::new(&self.emu.base_url()).arm(&rule).await.expect("the emulator arms the rule");
    }
}

async fn finished(mut rx: watch::Receiver<JobState>) -> JobState {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let state = rx.borrow_and_update().clone();
        if state.outcome.is_some() {
            return state;
        }
        assert!(Instant::now() < deadline, "job did not finish: {state:?}");
        let _ = tokio::time::timeout(Duration::from_millis(500), rx.changed()).await;
    }
}

fn steps(state: &JobState) -> Vec<(&str, StepState)> {
    state.steps.iter().map(|s| (s.id.as_str(), s.state)).collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_few_thousand_nodes_round_trip_with_equal_counts_and_digest() {
    let w = world().await;
    let staging = w.staging_with(3000).await;
    let source = w.counts(&staging).await;
    assert!(source.relationships > 5000, "{source:?}");

    let exported = w.export(&staging, "staging.graph.jsonl.zst").await;
    assert_eq!(exported.outcome, Some(Outcome::Succeeded), "{exported:?}");
    assert_eq!(exported.kind, JobKind::GraphExport);
    assert!(steps(&exported).iter().all(|(_, s)| *s == StepState::Done), "{:?}", steps(&exported));
    assert_eq!(exported.result.file_counts, Some(source));
    assert_eq!((exported.result.counts_before, exported.result.counts_after), (Some(source), Some(source)));
    let a = graph_export::check_file(&w.path("staging.graph.jsonl.zst"), |_, _| {}).unwrap();
    assert_eq!(a.counts, source);
    assert_eq!(Some(a.digest.clone()), exported.result.file_digest);
    assert_eq!(a.header.instance_name, "Staging");

    // Into Playground, which holds other data: it is replaced.
    let playground = w.id_of("Playground");
    let before = w.counts(&playground).await;
    let imported = w.import(&playground, &w.path("staging.graph.jsonl.zst")).await;
    assert_eq!(imported.outcome, Some(Outcome::Succeeded), "{imported:?}");
    assert_eq!(imported.kind, JobKind::GraphImport);
    assert_eq!(imported.result.counts_before, Some(before));
    assert_eq!(imported.result.counts_after, Some(source));
    assert_eq!(imported.step(StepId::SafetySnapshot).unwrap().state, StepState::Skipped);
    assert_eq!(w.counts(&playground).await, source);

    // Exported again, Playground gives the same content: the property checksum is equal.
    let again = w.export(&playground, "playground.graph.jsonl.zst").await;
    assert_eq!(again.outcome, Some(Outcome::Succeeded), "{again:?}");
    let b = graph_export::check_file(&w.path("playground.graph.jsonl.zst"), |_, _| {}).unwrap();
    assert_eq!(b.counts, a.counts);
    assert_eq!(b.digest, a.digest, "the same nodes, relationships and typed properties");
    assert_eq!(names_in(w.files.path()), ["playground.graph.jsonl.zst", "staging.graph.jsonl.zst"], "no temp files");

    // Both directions are in the history, with their files and counts.
    let history = w.jobs.history(&HistoryFilter::default()).unwrap();
    let export_entry = history.iter().find(|e| e.job_id == exported.id).unwrap();
    assert_eq!(export_entry.file_path.as_deref(), Some(w.path("staging.graph.jsonl.zst").to_str().unwrap()));
    assert_eq!(export_entry.file_counts, Some(source));
    let import_entry = history.iter().find(|e| e.job_id == imported.id).unwrap();
    assert_eq!((import_entry.kind, import_entry.outcome), (JobKind::GraphImport, Outcome::Succeeded));
    assert_eq!(import_entry.overwritten, Some(true));
    assert_eq!(import_entry.counts_after, Some(source));
    assert_eq!(import_entry.reason.as_deref(), Some("Round trip"));
    let report = lifeboat_engine::history::report(import_entry);
    assert!(report.contains("# Data import report: Playground"), "{report}");
    assert!(report.contains("staging.graph.jsonl.zst"));
    w.base.emu.shutdown().await;
}

/// The file as text, the way anyone can read it (`zstd -dc FILE`).
fn decompress(path: &Path) -> String {
    let mut text = String::new();
    zstd::Decoder::new(std::fs::File::open(path).unwrap()).unwrap().read_to_string(&mut text).unwrap();
    text
}

fn compress(text: &str, path: &Path) {
    let mut encoder = zstd::Encoder::new(std::fs::File::create(path).unwrap(), 3).unwrap();
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
}

#[tokio::test]
async fn damaged_files_are_refused_before_anything_is_deleted() {
    let w = world().await;
    let source = w.staging_with(3000).await;
    let exported = w.export(&source, "good.graph.jsonl.zst").await;
    assert_eq!(exported.outcome, Some(Outcome::Succeeded), "{exported:?}");
    let good = w.path("good.graph.jsonl.zst");
    let text = decompress(&good);

    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(w.path("cut.graph.jsonl.zst"), &bytes[..bytes.len() / 2]).unwrap();
    compress(&text.replacen("\"version\":1", "\"version\":2", 1), &w.path("newer.graph.jsonl.zst"));
    compress(
        &text.replacen(
            "\"name\":{\"$type\":\"String\",\"_value\":\"",
            "\"name\":{\"$type\":\"String\",\"_value\":\"X",
            1,
        ),
        &w.path("edited.graph.jsonl.zst"),
    );
    std::fs::write(w.path("notes.graph.jsonl.zst"), b"just some notes").unwrap();

    let target = w.id_of("Playground");
    let before = w.counts(&target).await;

    // Each is refused either when the dialog opens (the header already tells: no token, no job) or by the job's
    // full check, before anything is counted, snapshotted or deleted.
    let cases = [
        ("newer.graph.jsonl.zst", "graph-file-version"),
        ("notes.graph.jsonl.zst", "graph-file-not-export"),
        ("cut.graph.jsonl.zst", "graph-file-truncated"),
        ("edited.graph.jsonl.zst", "graph-file-checksum"),
    ];
    for (file, code) in cases {
        let plan = match w.jobs.plan_graph_import(&target, &w.path(file)).await {
            Ok(plan) => plan,
            Err(err) => {
                assert!(matches!(err, StartError::GraphFile(_)), "{file}: {err:?}");
                assert_eq!(err.code(), code, "{file}");
                assert!(err.to_string().contains("Nothing was changed"), "{err}");
                assert!(file.starts_with("newer") || file.starts_with("notes"), "{file}: its header is whole");
                continue;
            }
        };
        assert!(file != "newer.graph.jsonl.zst" && file != "notes.graph.jsonl.zst", "{file} got a token");
        let done = finished(w.jobs.start_graph_import(&plan.token, true, None).await.unwrap()).await;
        assert_eq!(done.outcome, Some(Outcome::Failed), "{file}");
        let error = done.error.clone().unwrap();
        assert_eq!(error.code, code, "{file}: {}", error.message);
        assert!(error.message.contains("Nothing was changed"), "{}", error.message);
        assert_eq!(done.step(StepId::CheckFile).unwrap().state, StepState::Failed);
        for step in [StepId::CountsBefore, StepId::SafetySnapshot, StepId::Delete, StepId::Nodes, StepId::Relationships]
        {
            assert_eq!(done.step(step).unwrap().state, StepState::Pending, "{file}: {step}");
        }
        assert_eq!(w.jobs.history_entry(&done.id).unwrap().overwritten, Some(false));
    }
    assert_eq!(w.counts(&target).await, before, "the target is untouched");
    w.base.emu.shutdown().await;
}

#[tokio::test]
async fn an_export_that_fails_midway_leaves_no_file_under_the_chosen_name() {
    let w = world().await;
    let staging = w.staging_with(4000).await;
    // The count and two pages go through; the third page is refused.
    w.arm(Fault::on("POST /query/{dbid}/db/{database}/query/v2").times(3).delay_ms(1)).await;
    w.arm(Fault::on("POST /query/{dbid}/db/{database}/query/v2").status(400).body(
        json!({"errors": [{"code": "Neo.ClientError.General.ForbiddenReadOnlyDatabase", "message": "injected"}]}),
    ))
    .await;
    let failed = w.export(&staging, "staging.graph.jsonl.zst").await;
    assert_eq!(failed.outcome, Some(Outcome::Failed), "{failed:?}");
    let error = failed.error.clone().unwrap();
    assert_eq!(error.code, "db-refused");
    assert!(error.message.contains("No file was saved"), "{}", error.message);
    assert_eq!(failed.step(StepId::Nodes).unwrap().state, StepState::Failed);
    assert!(names_in(w.files.path()).is_empty(), "neither the file nor a temporary one is left");

    // Cancelling midway leaves nothing either.
    w.arm(Fault::on("POST /query/{dbid}/db/{database}/query/v2").times(50).delay_ms(100)).await;
    let rx = w.jobs.start_graph_export(&staging, w.path("cancelled.graph.jsonl.zst")).await.unwrap();
    let id = rx.borrow().id.clone();
    let mut watching = rx.clone();
    let reading = watching.wait_for(|s| s.step(StepId::Nodes).is_some_and(|n| n.state == StepState::Active));
    tokio::time::timeout(Duration::from_secs(30), reading).await.expect("the export reads nodes").unwrap();
    assert!(w.jobs.cancel(&id));
    let cancelled = finished(rx).await;
    assert_eq!(cancelled.error.as_ref().map(|e| e.code.as_str()), Some("cancelled"));
    assert!(names_in(w.files.path()).is_empty());
    w.base.emu.shutdown().await;
}

#[tokio::test]
async fn every_cypher_value_type_survives_an_import_and_an_export() {
    use lifeboat_engine::graph_export::format::{GraphWriter, Header, Node, Relationship};
    let w = world().await;
    let typed = |t: &str, v: serde_json::Value| json!({"$type": t, "_value": v});
    let mut properties = serde_json::Map::new();
    for (key, value) in [
        ("int", typed("Integer", json!("-9007199254740993"))),
        ("float", typed("Float", json!("3.2E9"))),
        ("text", typed("String", json!("naïve “quotes” \n and a line break"))),
        ("yes", typed("Boolean", json!(true))),
        ("bytes", typed("Base64", json!("A2+/"))),
        ("day", typed("Date", json!("2015-03-26"))),
        ("at", typed("ZonedDateTime", json!("2015-11-21T21:40:32.142Z[Antarctica/Troll]"))),
        ("local", typed("LocalDateTime", json!("2015-07-04T19:32:24"))),
        ("time", typed("Time", json!("12:50:35.556+01:00"))),
        ("span", typed("Duration", json!("P14DT16H12M"))),
        ("where", typed("Point", json!("SRID=4326;POINT (1.2 3.4)"))),
        ("tags", typed("List", json!([typed("String", json!("a")), typed("String", json!("b"))]))),
    ] {
        properties.insert(key.into(), value);
    }
    let file = w.path("types.graph.jsonl.zst");
    {
        let encoder = zstd::Encoder::new(std::fs::File::create(&file).unwrap(), 3).unwrap();
        let mut writer = GraphWriter::new(encoder, &Header::new("elsewhere", "Elsewhere")).unwrap();
        writer
            .node(&Node { id: 10, labels: vec!["Typed".into(), "Sample".into()], properties: properties.clone() })
            .unwrap();
        writer.node(&Node { id: 11, labels: vec![], properties: serde_json::Map::new() }).unwrap();
        writer.relationship(&Relationship { id: 5, rel_type: "HAS".into(), start: 10, end: 11, properties }).unwrap();
        let (encoder, _) = writer.finish().unwrap();
        encoder.finish().unwrap();
    }
    let original = graph_export::check_file(&file, |_, _| {}).unwrap();

    let playground = w.id_of("Playground");
    let imported = w.import(&playground, &file).await;
    assert_eq!(imported.outcome, Some(Outcome::Succeeded), "{imported:?}");
    let exported = w.export(&playground, "back.graph.jsonl.zst").await;
    assert_eq!(exported.outcome, Some(Outcome::Succeeded), "{exported:?}");
    let back = graph_export::check_file(&w.path("back.graph.jsonl.zst"), |_, _| {}).unwrap();
    assert_eq!(back.counts, GraphCounts { nodes: 2, relationships: 1 });
    assert_eq!(back.digest, original.digest, "every value came back with its type and text");
    w.base.emu.shutdown().await;
}
