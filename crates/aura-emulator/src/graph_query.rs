//! The graph statements of the Query API: exactly the ones Lifeboat's logical export and import send, matched
//! token by token (whitespace-insensitive, keywords case-insensitive), with their parameters. Anything else stays a
//! syntax error (see [`crate::query`]).
//!
//! | statement | parameters | answers |
//! |---|---|---|
//! | `MATCH (n) WHERE id(n) > $after RETURN id(n) AS id, labels(n) AS labels, properties(n) AS properties ORDER BY id LIMIT $limit` | after, limit | a page of nodes, by id |
//! | `MATCH (a)-[r]->(b) WHERE id(r) > $after RETURN id(r) AS id, type(r) AS type, id(a) AS start, id(b) AS end, properties(r) AS properties ORDER BY id LIMIT $limit` | after, limit | a page of relationships |
//! | `MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted` | limit | how many nodes went |
//! | `CREATE CONSTRAINT lifeboat_import_id IF NOT EXISTS FOR (n:__LifeboatImport) REQUIRE n.__lifeboat_id IS UNIQUE` | – | no rows |
//! | `UNWIND $rows AS row CREATE (n:__LifeboatImport {__lifeboat_id: row.id}) SET n += row.properties, n:$(row.labels) RETURN count(*) AS created` | rows: `[{id, labels, properties}]` | nodes created |
//! | `UNWIND $rows AS row MATCH (a:__LifeboatImport {__lifeboat_id: row.start}) MATCH (b:__LifeboatImport {__lifeboat_id: row.end}) CREATE (a)-[r:$(row.type)]->(b) SET r = row.properties RETURN count(*) AS created` | rows: `[{start, end, type, properties}]` | relationships created (a row whose ends are missing creates none) |
//! | `MATCH (n:__LifeboatImport) WITH n LIMIT $limit REMOVE n:__LifeboatImport, n.__lifeboat_id RETURN count(*) AS done` | limit | nodes unmarked |
//! | `DROP CONSTRAINT lifeboat_import_id IF EXISTS` | – | no rows |
//!
//! Parameters come as plain JSON, or as typed JSON when the request's `Content-Type` is
//! `application/vnd.neo4j.query` (or `….v1.1`); answers are typed when `Accept` asks for that type. Each statement
//! is all-or-nothing, like the implicit transaction the real Query API wraps it in: parameters are checked before
//! anything changes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use crate::graph::{
    data, GraphSource, NewNode, NewRel, NodeRow, RelRow, StoredGraph, Synthetic, Val, MATERIALISE_LIMIT,
};
use crate::model::{GraphCounts, InstanceStatus};
use crate::query::{query_error, respond, tokenize, Tok};
use crate::server::AppState;

/// A statement the emulator runs against an instance's graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Statement {
    NodePage,
    RelPage,
    DeleteBatch,
    CreateConstraint,
    CreateNodes,
    CreateRels,
    StripBatch,
    DropConstraint,
}

const TEMPLATES: &[(Statement, &str)] = &[
    (
        Statement::NodePage,
        "MATCH (n) WHERE id(n) > $after RETURN id(n) AS id, labels(n) AS labels, properties(n) AS properties \
         ORDER BY id LIMIT $limit",
    ),
    (
        Statement::RelPage,
        "MATCH (a)-[r]->(b) WHERE id(r) > $after RETURN id(r) AS id, type(r) AS type, id(a) AS start, id(b) AS end, \
         properties(r) AS properties ORDER BY id LIMIT $limit",
    ),
    (Statement::DeleteBatch, "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"),
    (
        Statement::CreateConstraint,
        "CREATE CONSTRAINT lifeboat_import_id IF NOT EXISTS FOR (n:__LifeboatImport) REQUIRE n.__lifeboat_id IS UNIQUE",
    ),
    (
        Statement::CreateNodes,
        "UNWIND $rows AS row CREATE (n:__LifeboatImport {__lifeboat_id: row.id}) SET n += row.properties, \
         n:$(row.labels) RETURN count(*) AS created",
    ),
    (
        Statement::CreateRels,
        "UNWIND $rows AS row MATCH (a:__LifeboatImport {__lifeboat_id: row.start}) \
         MATCH (b:__LifeboatImport {__lifeboat_id: row.end}) CREATE (a)-[r:$(row.type)]->(b) \
         SET r = row.properties RETURN count(*) AS created",
    ),
    (
        Statement::StripBatch,
        "MATCH (n:__LifeboatImport) WITH n LIMIT $limit REMOVE n:__LifeboatImport, n.__lifeboat_id \
         RETURN count(*) AS done",
    ),
    (Statement::DropConstraint, "DROP CONSTRAINT lifeboat_import_id IF EXISTS"),
];

/// Words compared case-insensitively; every other word (variables, labels, keys) must match exactly.
const KEYWORDS: &[&str] = &[
    "match",
    "where",
    "return",
    "as",
    "order",
    "by",
    "limit",
    "with",
    "detach",
    "delete",
    "create",
    "constraint",
    "if",
    "not",
    "exists",
    "for",
    "require",
    "is",
    "unique",
    "unwind",
    "set",
    "remove",
    "drop",
    "id",
    "labels",
    "properties",
    "type",
    "count",
];

fn same(a: &Tok, b: &Tok) -> bool {
    match (a, b) {
        (Tok::Word(x), Tok::Word(y)) if KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

/// The graph statement `statement` is, if it is one.
pub(crate) fn recognise(statement: &str) -> Option<Statement> {
    static COMPILED: OnceLock<Vec<(Statement, Vec<Tok>)>> = OnceLock::new();
    let templates = COMPILED
        .get_or_init(|| TEMPLATES.iter().filter_map(|(s, text)| tokenize(text).ok().map(|toks| (*s, toks))).collect());
    let toks = tokenize(statement).ok()?;
    let toks = toks.strip_suffix(&[Tok::Sym(';')]).unwrap_or(&toks);
    templates
        .iter()
        .find(|(_, t)| t.len() == toks.len() && t.iter().zip(toks).all(|(a, b)| same(b, a)))
        .map(|(s, _)| *s)
}

/// A failed statement: the status and the Neo4j error code.
#[derive(Debug)]
struct Fail {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Fail {
    fn new(code: &'static str, message: impl Into<String>) -> Fail {
        Fail { status: StatusCode::BAD_REQUEST, code, message: message.into() }
    }

    fn type_error(message: impl Into<String>) -> Fail {
        Fail::new("Neo.ClientError.Statement.TypeError", message)
    }
}

/// Runs a recognised statement on instance `dbid` (already authenticated) and answers it.
pub(crate) async fn run(
    app: &AppState,
    dbid: &str,
    statement: Statement,
    params: Option<Value>,
    typed_in: bool,
    typed_out: bool,
) -> Response {
    match execute(app, dbid, statement, params, typed_in).await {
        Ok((fields, rows)) => respond(data(fields, rows, typed_out), typed_out),
        Err(f) => query_error(f.status, f.code, f.message),
    }
}

type Rows = Vec<Vec<Val>>;

async fn execute(
    app: &AppState,
    dbid: &str,
    statement: Statement,
    params: Option<Value>,
    typed_in: bool,
) -> Result<(&'static [&'static str], Rows), Fail> {
    let params = parse_params(params, typed_in)?;
    let one = |n: u64| vec![vec![Val::Int(i64::try_from(n).unwrap_or(i64::MAX))]];
    match statement {
        Statement::NodePage | Statement::RelPage => {
            let after = int_param(&params, "after")?;
            let limit = limit_param(&params)?;
            let graphs = app.graphs.lock().await;
            let (source, counts, _) = current(app, dbid).await?;
            let synthetic = Synthetic::new(dbid, source, counts);
            // A stored source always has its graph in the store (opened at start, created on first write).
            let stored = match source {
                GraphSource::Stored => Some(graphs.get(dbid)),
                GraphSource::Synthetic { .. } => None,
            };
            if statement == Statement::NodePage {
                let page = match stored {
                    Some(graph) => graph.map(|g| g.nodes_after(after, limit)).unwrap_or_default(),
                    None => synthetic.nodes_after(after, limit),
                };
                Ok((&["id", "labels", "properties"], page.into_iter().map(node_row).collect()))
            } else {
                let page = match stored {
                    Some(graph) => graph.map(|g| g.rels_after(after, limit)).unwrap_or_default(),
                    None => synthetic.rels_after(after, limit),
                };
                Ok((&["id", "type", "start", "end", "properties"], page.into_iter().map(rel_row).collect()))
            }
        }
        Statement::DeleteBatch => {
            let limit = limit_param(&params)?;
            let mut graphs = app.graphs.lock().await;
            let (source, counts, _) = current(app, dbid).await?;
            if source == GraphSource::Stored {
                let graph = graphs.entry(dbid.to_string()).or_insert_with(|| app.graphs.fresh(dbid));
                let deleted = graph.delete_first(limit);
                let counts = graph.counts();
                settle(app, dbid, GraphSource::Stored, counts).await?;
                return Ok((&["deleted"], one(deleted)));
            }
            let synthetic = Synthetic::new(dbid, source, counts);
            let deleted = (limit as u64).min(synthetic.nodes);
            match synthetic.delete_first(deleted) {
                None => {
                    graphs.insert(dbid.to_string(), app.graphs.fresh(dbid));
                    settle(app, dbid, GraphSource::Stored, GraphCounts::default()).await?;
                }
                Some((source, counts)) => settle(app, dbid, source, counts).await?,
            }
            Ok((&["deleted"], one(deleted)))
        }
        Statement::CreateConstraint | Statement::DropConstraint => {
            let exists = statement == Statement::CreateConstraint;
            let _graphs = app.graphs.lock().await;
            current(app, dbid).await?;
            app.mutate(|w, _| {
                w.instance_mut(dbid)?.import_constraint = exists;
                Ok(())
            })
            .await
            .map_err(|e| Fail::new("Neo.ClientError.Database.DatabaseNotFound", e.message))?;
            Ok((&[], Vec::new()))
        }
        Statement::CreateNodes => {
            let rows = node_rows(params)?;
            let mut graphs = app.graphs.lock().await;
            let (source, counts, unique) = current(app, dbid).await?;
            let graph = writable(app, &mut graphs, dbid, source, counts)?;
            let created = graph
                .create_nodes(rows, unique)
                .map_err(|m| Fail::new("Neo.ClientError.Schema.ConstraintValidationFailed", m))?;
            let counts = graph.counts();
            settle(app, dbid, GraphSource::Stored, counts).await?;
            Ok((&["created"], one(created)))
        }
        Statement::CreateRels => {
            let rows = rel_rows(params)?;
            let mut graphs = app.graphs.lock().await;
            let (source, counts, _) = current(app, dbid).await?;
            let graph = writable(app, &mut graphs, dbid, source, counts)?;
            let created = graph.create_rels(rows);
            let counts = graph.counts();
            settle(app, dbid, GraphSource::Stored, counts).await?;
            Ok((&["created"], one(created)))
        }
        Statement::StripBatch => {
            let limit = limit_param(&params)?;
            let mut graphs = app.graphs.lock().await;
            let (source, _, _) = current(app, dbid).await?;
            // A generated graph carries no import label, so there is nothing to unmark.
            let done = match (source, graphs.get_mut(dbid)) {
                (GraphSource::Stored, Some(graph)) => graph.strip_first(limit),
                _ => 0,
            };
            Ok((&["done"], one(done)))
        }
    }
}

/// The instance's graph source, counts now, and whether the import constraint exists; 503 unless it runs.
async fn current(app: &AppState, dbid: &str) -> Result<(GraphSource, GraphCounts, bool), Fail> {
    let found = app
        .read(|w, now| {
            let inst = w.instance(dbid)?;
            Ok((inst.status, inst.graph, inst.counts_at(now), inst.import_constraint))
        })
        .await
        .map_err(|e| Fail::new("Neo.ClientError.Database.DatabaseNotFound", e.message))?;
    match found {
        // The emulator has no nodes to serve for data it loaded from a file it couldn't read, and won't pretend.
        (InstanceStatus::Running, _, counts, _) if !counts.is_known() => Err(Fail::new(
            "Neo.ClientError.Statement.ExecutionFailed",
            "This sandbox instance holds data loaded from a file the emulator can't read, so it can't read or \
             change that data here; restore a snapshot or load a file the emulator can read first"
                .to_string(),
        )),
        (InstanceStatus::Running, source, counts, unique) => Ok((source, counts, unique)),
        (status, ..) => Err(Fail {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "Neo.TransientError.General.DatabaseUnavailable",
            message: format!("The database is unavailable (instance status: {})", status.as_str()),
        }),
    }
}

/// The stored graph a write goes to: the instance's own, an empty one in place of an empty generated graph, or a
/// small generated graph materialised. Large generated graphs must be deleted first.
fn writable<'a>(
    app: &AppState,
    graphs: &'a mut std::collections::HashMap<String, StoredGraph>,
    dbid: &str,
    source: GraphSource,
    counts: GraphCounts,
) -> Result<&'a mut StoredGraph, Fail> {
    if source != GraphSource::Stored {
        let synthetic = Synthetic::new(dbid, source, counts);
        let size = synthetic.nodes + synthetic.rels;
        if size > MATERIALISE_LIMIT {
            return Err(Fail::new(
                "Neo.ClientError.Statement.ExecutionFailed",
                format!(
                    "The emulator generates this instance's {} nodes and {} relationships on the fly and writes only \
                     into graphs of at most {MATERIALISE_LIMIT}; delete the data first",
                    synthetic.nodes, synthetic.rels
                ),
            ));
        }
        let graph = if size == 0 { app.graphs.fresh(dbid) } else { app.graphs.materialised(dbid, &synthetic) };
        graphs.insert(dbid.to_string(), graph);
    }
    Ok(graphs.entry(dbid.to_string()).or_insert_with(|| app.graphs.fresh(dbid)))
}

/// Records the graph's new source and counts in the world. Once a client writes, the simulated background writes
/// of a demo instance stop: the admin is replacing the data.
async fn settle(app: &AppState, dbid: &str, source: GraphSource, counts: GraphCounts) -> Result<(), Fail> {
    let apply = |w: &mut crate::model::World, now| {
        let inst = w.instance_mut(dbid)?;
        inst.graph = source;
        inst.counts = counts;
        inst.counts_since = now;
        inst.growth_per_hour = GraphCounts::default();
        Ok(())
    };
    let fail = |e: crate::error::ApiError| Fail::new("Neo.ClientError.Database.DatabaseNotFound", e.message);
    // A stored graph's log holds every write, and its counts follow from it when the emulator starts: new counts
    // are noted and saved soon, so a write is not slowed by rewriting the whole state file. Where the graph comes
    // from (generated, or stored) is saved at once: after a restart, only a stored graph's log is read back.
    let unchanged_source = app.read(|w, _| Ok(w.instance(dbid)?.graph == source)).await.map_err(fail)?;
    if unchanged_source && source == GraphSource::Stored {
        app.note(apply).await.map_err(fail)
    } else {
        app.mutate(apply).await.map_err(fail)
    }
}

fn node_row((id, node): NodeRow) -> Vec<Val> {
    vec![
        Val::Int(id as i64),
        Val::List(node.labels.into_iter().map(Val::Str).collect()),
        Val::Map(node.props.into_iter().filter(|(_, v)| *v != Val::Null).collect()),
    ]
}

fn rel_row((id, rel): RelRow) -> Vec<Val> {
    vec![
        Val::Int(id as i64),
        Val::Str(rel.rel_type),
        Val::Int(rel.start as i64),
        Val::Int(rel.end as i64),
        Val::Map(rel.props.into_iter().filter(|(_, v)| *v != Val::Null).collect()),
    ]
}

fn parse_params(params: Option<Value>, typed: bool) -> Result<BTreeMap<String, Val>, Fail> {
    let Some(params) = params.filter(|p| !p.is_null()) else { return Ok(BTreeMap::new()) };
    let Value::Object(obj) = params else {
        return Err(Fail::new("Neo.ClientError.Request.Invalid", "\"parameters\" must be an object"));
    };
    obj.into_iter()
        .map(|(k, v)| {
            let val = if typed {
                Val::from_typed(v).map_err(|m| Fail::new("Neo.ClientError.Request.Invalid", m))?
            } else {
                Val::from_plain(&v)
            };
            Ok((k, val))
        })
        .collect()
}

fn param<'a>(params: &'a BTreeMap<String, Val>, name: &str) -> Result<&'a Val, Fail> {
    params.get(name).ok_or_else(|| {
        Fail::new("Neo.ClientError.Statement.ParameterMissing", format!("Expected parameter(s): {name}"))
    })
}

fn int_param(params: &BTreeMap<String, Val>, name: &str) -> Result<i64, Fail> {
    match param(params, name)? {
        Val::Int(i) => Ok(*i),
        other => Err(Fail::type_error(format!("Expected ${name} to be an INTEGER, but it was {}", type_name(other)))),
    }
}

fn limit_param(params: &BTreeMap<String, Val>) -> Result<usize, Fail> {
    let limit = int_param(params, "limit")?;
    usize::try_from(limit).map_err(|_| {
        Fail::new("Neo.ClientError.Statement.ArgumentError", format!("LIMIT: Invalid input. '{limit}' is not valid"))
    })
}

fn type_name(v: &Val) -> &'static str {
    match v {
        Val::Null => "NULL",
        Val::Bool(_) => "BOOLEAN",
        Val::Int(_) => "INTEGER",
        Val::Float(_) => "FLOAT",
        Val::Str(_) => "STRING",
        Val::List(_) => "LIST",
        Val::Map(_) => "MAP",
        Val::Other { .. } => "a temporal, spatial or byte value",
    }
}

/// `$rows`: a list of maps.
fn rows_param(mut params: BTreeMap<String, Val>) -> Result<Vec<BTreeMap<String, Val>>, Fail> {
    let rows = params.remove("rows").ok_or_else(|| {
        Fail::new("Neo.ClientError.Statement.ParameterMissing", "Expected parameter(s): rows".to_string())
    })?;
    let Val::List(items) = rows else {
        return Err(Fail::type_error("Expected $rows to be a LIST of MAPs"));
    };
    items
        .into_iter()
        .map(|item| match item {
            Val::Map(m) => Ok(m),
            other => Err(Fail::type_error(format!("Expected each row to be a MAP, but one was {}", type_name(&other)))),
        })
        .collect()
}

fn field<'a>(row: &'a BTreeMap<String, Val>, key: &str) -> &'a Val {
    row.get(key).unwrap_or(&Val::Null)
}

fn row_int(row: &BTreeMap<String, Val>, key: &str) -> Result<i64, Fail> {
    match field(row, key) {
        Val::Int(i) => Ok(*i),
        other => Err(Fail::type_error(format!("Expected row.{key} to be an INTEGER, but it was {}", type_name(other)))),
    }
}

fn name(v: &Val, what: &str) -> Result<String, Fail> {
    match v {
        Val::Str(s) if !s.is_empty() => Ok(s.clone()),
        _ => Err(Fail::type_error(format!("Expected {what} to be a non-empty STRING"))),
    }
}

/// Property values must be scalars or lists of scalars; nulls set nothing.
/// A row's properties, taken out of it (moved, not copied); nulls dropped, as `SET n += map` does.
fn properties(row: &mut BTreeMap<String, Val>) -> Result<BTreeMap<String, Val>, Fail> {
    let Some(Val::Map(props)) = row.remove("properties") else {
        return Err(Fail::type_error("Expected row.properties to be a MAP"));
    };
    let scalar = |v: &Val| !matches!(v, Val::Null | Val::Map(_) | Val::List(_));
    let mut out = BTreeMap::new();
    for (k, v) in props {
        match v {
            Val::Null => {}
            Val::Map(_) => return Err(Fail::type_error(format!("Property values can not be maps (property `{k}`)"))),
            Val::List(ref items) if !items.iter().all(scalar) => {
                return Err(Fail::type_error(format!(
                    "Property values can only be lists of simple values (property `{k}`)"
                )))
            }
            v => {
                out.insert(k, v);
            }
        }
    }
    Ok(out)
}

fn node_rows(params: BTreeMap<String, Val>) -> Result<Vec<NewNode>, Fail> {
    rows_param(params)?
        .into_iter()
        .map(|mut row| {
            let Val::List(labels) = field(&row, "labels") else {
                return Err(Fail::type_error("Expected row.labels to be a LIST of STRINGs"));
            };
            let labels = labels.iter().map(|l| name(l, "each label")).collect::<Result<_, _>>()?;
            let key = row_int(&row, "id")?;
            Ok(NewNode { key, labels, props: properties(&mut row)? })
        })
        .collect()
}

fn rel_rows(params: BTreeMap<String, Val>) -> Result<Vec<NewRel>, Fail> {
    rows_param(params)?
        .into_iter()
        .map(|mut row| {
            Ok(NewRel {
                start: row_int(&row, "start")?,
                end: row_int(&row, "end")?,
                rel_type: name(field(&row, "type"), "row.type")?,
                props: properties(&mut row)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_export_and_import_statements_in_any_spacing_and_keyword_case() {
        for (statement, text) in TEMPLATES {
            assert_eq!(recognise(text), Some(*statement));
            assert_eq!(recognise(&format!("  {}  ;", text.replace(' ', "\n  "))), Some(*statement));
            // Labels and keys are names, not keywords: their case matters.
            if text.contains("__LifeboatImport") {
                assert_eq!(recognise(&text.replace("__LifeboatImport", "__lifeboatimport")), None);
            }
        }
        let squashed = "match(n)where id(n)>$after return id(n)as id,labels(n)as labels,properties(n)as properties \
                        order by id limit $limit";
        assert_eq!(recognise(squashed), Some(Statement::NodePage));
    }

    #[test]
    fn other_statements_are_not_graph_statements() {
        for s in [
            "MATCH (n) RETURN n",
            "MATCH (n) WHERE id(n) > $after RETURN id(n) AS id ORDER BY id LIMIT $limit",
            "MATCH (n) DETACH DELETE n",
            "MATCH (n:Person) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted",
            "DROP CONSTRAINT other IF EXISTS",
            "UNWIND $rows AS row CREATE (n:Other {__lifeboat_id: row.id}) SET n += row.properties, n:$(row.labels) \
             RETURN count(*) AS created",
        ] {
            assert_eq!(recognise(s), None, "{s}");
        }
    }

    #[test]
    fn rows_are_checked_before_anything_is_written() {
        let typed = serde_json::json!({"rows": {"$type": "List", "_value": [{"$type": "Map", "_value": {
            "id": {"$type": "Integer", "_value": "7"},
            "labels": {"$type": "List", "_value": [{"$type": "String", "_value": "Person"}]},
            "properties": {"$type": "Map", "_value": {
                "born": {"$type": "Date", "_value": "1990-01-02"},
                "gone": {"$type": "Null", "_value": null}
            }}
        }}]}});
        let params = parse_params(Some(typed.clone()), true).unwrap();
        let rows = node_rows(params.clone()).unwrap();
        assert_eq!((rows[0].key, rows[0].labels.clone()), (7, vec!["Person".to_string()]));
        assert_eq!(rows[0].props.keys().collect::<Vec<_>>(), ["born"], "nulls set nothing");

        let nested = serde_json::json!({"rows": [{"id": 1, "labels": [], "properties": {"m": {"a": 1}}}]});
        assert!(node_rows(parse_params(Some(nested.clone()), false).unwrap()).is_err());
        let no_label = serde_json::json!({"rows": [{"id": 1, "labels": [""], "properties": {}}]});
        assert!(node_rows(parse_params(Some(no_label.clone()), false).unwrap()).is_err());
        let not_typed = serde_json::json!({"rows": [{"id": 1}]});
        assert!(parse_params(Some(not_typed.clone()), true).is_err(), "typed requests take typed parameters only");
        let negative = parse_params(Some(serde_json::json!({"limit": -1})), false).unwrap();
        assert!(limit_param(&negative).is_err());
    }
}
