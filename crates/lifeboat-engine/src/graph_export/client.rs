//! The Query API statements of the export and the import, with typed-JSON parameters and answers.
//!
//! Every statement is a constant here, so what Lifeboat sends to a database is reviewable in one place (the
//! emulator matches exactly these). Requests use `Content-Type` and `Accept: application/vnd.neo4j.query`, so
//! property values keep their Cypher types both ways.
//!
//! Retries: a read, a batched delete, an unmarking batch and the `IF [NOT] EXISTS` constraint statements are safe to
//! send again, so they are retried on any transient failure. A batch of creates is sent again only when it
//! provably did not run (the connection was refused, or the answer was 503 or 429): after a lost answer it may have
//! run, and running it twice would duplicate data.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::error::GraphError;
use super::format::{Node, Relationship};
use crate::config::Endpoints;
use crate::verify::{DbLogin, GraphCounts};

/// Both counts in one row; see [`crate::verify`] for why it is written this way.
pub const COUNTS: &str =
    "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS rels } RETURN nodes, rels";
/// A page of nodes after a given id.
pub const NODE_PAGE: &str = "MATCH (n) WHERE id(n) > $after RETURN id(n) AS id, labels(n) AS labels, \
                             properties(n) AS properties ORDER BY id LIMIT $limit";
/// A page of relationships after a given id.
pub const RELATIONSHIP_PAGE: &str = "MATCH (a)-[r]->(b) WHERE id(r) > $after RETURN id(r) AS id, type(r) AS type, \
                                     id(a) AS start, id(b) AS end, properties(r) AS properties ORDER BY id LIMIT $limit";
/// Deletes up to `$limit` nodes with their relationships.
pub const DELETE_BATCH: &str = "MATCH (n) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted";
/// The import's temporary uniqueness constraint (it also indexes the key the relationships are matched by).
pub const CREATE_CONSTRAINT: &str = "CREATE CONSTRAINT lifeboat_import_id IF NOT EXISTS FOR (n:__LifeboatImport) \
                                     REQUIRE n.__lifeboat_id IS UNIQUE";
/// Creates a batch of nodes, marked with the import label and key.
pub const CREATE_NODES: &str = "UNWIND $rows AS row CREATE (n:__LifeboatImport {__lifeboat_id: row.id}) \
                                SET n += row.properties, n:$(row.labels) RETURN count(*) AS created";
/// Creates a batch of relationships between marked nodes.
pub const CREATE_RELATIONSHIPS: &str = "UNWIND $rows AS row MATCH (a:__LifeboatImport {__lifeboat_id: row.start}) \
                                        MATCH (b:__LifeboatImport {__lifeboat_id: row.end}) \
                                        CREATE (a)-[r:$(row.type)]->(b) SET r = row.properties RETURN count(*) AS created";
/// Removes the import marks from up to `$limit` nodes.
pub const STRIP_BATCH: &str = "MATCH (n:__LifeboatImport) WITH n LIMIT $limit \
                               REMOVE n:__LifeboatImport, n.__lifeboat_id RETURN count(*) AS done";
/// Drops the import's constraint.
pub const DROP_CONSTRAINT: &str = "DROP CONSTRAINT lifeboat_import_id IF EXISTS";

const TYPED: &str = "application/vnd.neo4j.query";
/// Attempts for a request that may be sent again.
const ATTEMPTS: u32 = 6;

/// Typed JSON for an integer.
fn int(n: i64) -> Value {
    json!({"$type": "Integer", "_value": n.to_string()})
}

#[cfg(test)]
fn string(s: &str) -> Value {
    json!({"$type": "String", "_value": s})
}

#[cfg(test)]
fn list(items: Vec<Value>) -> Value {
    json!({"$type": "List", "_value": items})
}

fn typed_int(v: &Value) -> Option<i64> {
    match v.get("$type").and_then(Value::as_str) {
        Some("Integer") => v.get("_value")?.as_str()?.parse().ok(),
        // A plain answer (a proxy that dropped the Accept header) is still readable.
        None => v.as_i64(),
        _ => None,
    }
}

fn typed_string(v: &Value) -> Option<String> {
    match v.get("$type").and_then(Value::as_str) {
        Some("String") => v.get("_value")?.as_str().map(str::to_owned),
        _ => None,
    }
}

fn typed_strings(v: &Value) -> Option<Vec<String>> {
    match v.get("$type").and_then(Value::as_str) {
        Some("List") => v.get("_value")?.as_array()?.iter().map(typed_string).collect(),
        _ => None,
    }
}

/// A typed map's entries, taken out of the answer (a page's properties are moved, never copied).
fn into_typed_map(v: Value) -> Option<Map<String, Value>> {
    let Value::Object(mut typed) = v else { return None };
    if typed.get("$type").and_then(Value::as_str) != Some("Map") {
        return None;
    }
    match typed.remove("_value")? {
        Value::Object(entries) => Some(entries),
        _ => None,
    }
}

/// A request's body: the statement and its parameters, serialized once (a batch that is sent again is not
/// serialized again).
fn request_body(statement: &str, parameters: &impl Serialize) -> Result<bytes::Bytes, GraphError> {
    #[derive(Serialize)]
    struct Request<'a, P> {
        statement: &'a str,
        parameters: &'a P,
    }
    serde_json::to_vec(&Request { statement, parameters })
        .map(bytes::Bytes::from)
        .map_err(|e| GraphError::Unexpected { detail: e.to_string() })
}

/// The `rows` parameter of a create statement, as typed JSON, written straight from the file's items (their
/// properties are typed JSON already): `{"rows": {"$type": "List", "_value": [{"$type": "Map", "_value": …}]}}`.
struct Rows<'a, T>(&'a [T]);

/// One item as a typed map of its row's fields.
trait TypedRow {
    fn serialize_fields<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error>;
}

/// `{"$type": T, "_value": V}`.
struct Typed<'a, V: ?Sized>(&'a str, &'a V);

impl<V: Serialize + ?Sized> Serialize for Typed<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("$type", self.0)?;
        m.serialize_entry("_value", self.1)?;
        m.end()
    }
}

impl TypedRow for Node {
    fn serialize_fields<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("id", &Typed("Integer", &self.id.to_string()))?;
        m.serialize_entry(
            "labels",
            &Typed("List", &self.labels.iter().map(|l| Typed("String", l.as_str())).collect::<Vec<_>>()),
        )?;
        m.serialize_entry("properties", &Typed("Map", &self.properties))
    }
}

impl TypedRow for Relationship {
    fn serialize_fields<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("start", &Typed("Integer", &self.start.to_string()))?;
        m.serialize_entry("end", &Typed("Integer", &self.end.to_string()))?;
        m.serialize_entry("type", &Typed("String", self.rel_type.as_str()))?;
        m.serialize_entry("properties", &Typed("Map", &self.properties))
    }
}

/// One row: a typed map of the item's fields.
struct Row<'a, T>(&'a T);

impl<T: TypedRow> Serialize for Row<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Fields<'a, T>(&'a T);
        impl<T: TypedRow> Serialize for Fields<'_, T> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(None)?;
                self.0.serialize_fields(&mut m)?;
                m.end()
            }
        }
        Typed("Map", &Fields(self.0)).serialize(s)
    }
}

impl<T: TypedRow> Serialize for Rows<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct List<'a, T>(&'a [T]);
        impl<T: TypedRow> Serialize for List<'_, T> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(Row))
            }
        }
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("rows", &Typed("List", &List(self.0)))?;
        m.end()
    }
}

/// A Query API answer, as far as Lifeboat reads it: the rows, or the first error.
#[derive(Deserialize, Default)]
struct Answer {
    #[serde(default)]
    data: Option<AnswerData>,
    #[serde(default)]
    errors: Vec<AnswerError>,
}

#[derive(Deserialize)]
struct AnswerData {
    values: Vec<Vec<Value>>,
}

#[derive(Deserialize)]
struct AnswerError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// Whether a failed request may be sent again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resend {
    /// Running it twice does no harm.
    Safe,
    /// Only when it provably did not run.
    OnlyIfNotRun,
}

/// What one attempt came to.
enum Attempt {
    Rows(Vec<Vec<Value>>),
    /// Failed; `not_run` says the server certainly did not execute it.
    Transient {
        detail: String,
        not_run: bool,
    },
}

/// A Query API client for the graph statements of one account's instances.
#[derive(Debug, Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    template: String,
    /// Time spent waiting for answers (sending a request until its whole answer is in), in ns: the Query API's
    /// share of a transfer, for the timings a transfer reports.
    waited_ns: Arc<AtomicU64>,
}

impl GraphClient {
    /// A client for the Query API URL template (`{dbid}` becomes the instance id).
    pub fn new(endpoints: &Endpoints) -> Result<Self, GraphError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("Lifeboat/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // A batch of writes on a busy database can take a while; a page read never should.
            .timeout(Duration::from_secs(300))
            .https_only(!endpoints.is_loopback())
            .build()
            .map_err(|e| GraphError::Unexpected { detail: e.to_string() })?;
        Ok(Self { http, template: endpoints.query_url.clone(), waited_ns: Arc::default() })
    }

    /// How long this client (and its clones) has waited for the Query API's answers so far.
    pub fn time_waiting(&self) -> Duration {
        Duration::from_nanos(self.waited_ns.load(Ordering::Relaxed))
    }

    async fn attempt(&self, instance_id: &str, login: &DbLogin, body: bytes::Bytes) -> Result<Attempt, GraphError> {
        let url = self.template.replace("{dbid}", instance_id);
        let asked = Instant::now();
        let sent = self
            .http
            .post(&url)
            .basic_auth(&login.user, Some(login.password.expose()))
            .header(reqwest::header::CONTENT_TYPE, TYPED)
            .header(reqwest::header::ACCEPT, TYPED)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                let not_run = e.is_connect();
                let detail = if not_run { "could not connect" } else { "the connection failed" };
                return Ok(Attempt::Transient { detail: detail.into(), not_run });
            }
        };
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(GraphError::BadLogin);
        }
        let bytes = response.bytes().await;
        self.waited_ns.fetch_add(u64::try_from(asked.elapsed().as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        let bytes = match bytes {
            Ok(b) => b,
            Err(_) => return Ok(Attempt::Transient { detail: "the answer was cut off".into(), not_run: false }),
        };
        // Read into the answer's shape directly: the rows are taken as they are, never copied out of a whole tree.
        let reply: Answer = serde_json::from_slice(&bytes).unwrap_or_default();
        if let Some(error) = reply.errors.into_iter().next() {
            let code = error.code.unwrap_or_else(|| "unknown".to_owned());
            let message = error.message.unwrap_or_default();
            if code.starts_with("Neo.TransientError") {
                return Ok(Attempt::Transient { detail: code, not_run: true });
            }
            if code == "Neo.ClientError.Security.Unauthorized" {
                return Err(GraphError::BadLogin);
            }
            return Err(GraphError::Refused { code, message });
        }
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Ok(Attempt::Transient { detail: format!("HTTP {}", status.as_u16()), not_run: true });
        }
        if status.is_server_error() {
            return Ok(Attempt::Transient { detail: format!("HTTP {}", status.as_u16()), not_run: false });
        }
        if !status.is_success() {
            return Err(GraphError::Unexpected { detail: format!("HTTP {}", status.as_u16()) });
        }
        let rows = reply.data.ok_or_else(|| GraphError::Unexpected { detail: "no data in the answer".into() })?.values;
        Ok(Attempt::Rows(rows))
    }

    /// Runs a statement with typed parameters; the rows of the answer.
    async fn run(
        &self,
        instance_id: &str,
        login: &DbLogin,
        statement: &str,
        parameters: Map<String, Value>,
        resend: Resend,
    ) -> Result<Vec<Vec<Value>>, GraphError> {
        let body = request_body(statement, &parameters)?;
        self.run_body(instance_id, login, body, resend).await
    }

    /// Sends a request body (sent again as is, within the `resend` rule); the rows of the answer.
    async fn run_body(
        &self,
        instance_id: &str,
        login: &DbLogin,
        body: bytes::Bytes,
        resend: Resend,
    ) -> Result<Vec<Vec<Value>>, GraphError> {
        let mut delay = Duration::from_millis(500);
        for attempt in 1..=ATTEMPTS {
            match self.attempt(instance_id, login, body.clone()).await? {
                Attempt::Rows(rows) => return Ok(rows),
                Attempt::Transient { detail, not_run } => {
                    let may_resend = resend == Resend::Safe || not_run;
                    if !may_resend || attempt == ATTEMPTS {
                        return Err(GraphError::Unavailable { detail });
                    }
                    tracing::debug!(attempt, %detail, "Query API request failed; sending it again");
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(8));
        }
        Err(GraphError::Unavailable { detail: "no answer".into() })
    }

    /// The one integer a counting statement answers.
    async fn count_of(
        &self,
        instance_id: &str,
        login: &DbLogin,
        statement: &str,
        parameters: Map<String, Value>,
        resend: Resend,
    ) -> Result<u64, GraphError> {
        let body = request_body(statement, &parameters)?;
        self.count_of_body(instance_id, login, body, resend).await
    }

    async fn count_of_body(
        &self,
        instance_id: &str,
        login: &DbLogin,
        body: bytes::Bytes,
        resend: Resend,
    ) -> Result<u64, GraphError> {
        let rows = self.run_body(instance_id, login, body, resend).await?;
        rows.first()
            .and_then(|row| row.first())
            .and_then(typed_int)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| GraphError::Unexpected { detail: "the answer was not a count".into() })
    }

    /// Node and relationship counts.
    pub async fn counts(&self, instance_id: &str, login: &DbLogin) -> Result<GraphCounts, GraphError> {
        let rows = self.run(instance_id, login, COUNTS, Map::new(), Resend::Safe).await?;
        let row = rows.first().ok_or_else(|| GraphError::Unexpected { detail: "no counts in the answer".into() })?;
        let number = |i: usize| {
            row.get(i)
                .and_then(typed_int)
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| GraphError::Unexpected { detail: "the counts were not numbers".into() })
        };
        Ok(GraphCounts { nodes: number(0)?, relationships: number(1)? })
    }

    /// Up to `limit` nodes with an id above `after`, by id.
    pub async fn node_page(
        &self,
        instance_id: &str,
        login: &DbLogin,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Node>, GraphError> {
        let params = page_params(after, limit);
        let rows = self.run(instance_id, login, NODE_PAGE, params, Resend::Safe).await?;
        rows.into_iter()
            .map(|row| {
                let mut cells = row.into_iter();
                let parsed = (|| {
                    Some(Node {
                        id: typed_int(&cells.next()?)?,
                        labels: typed_strings(&cells.next()?)?,
                        properties: into_typed_map(cells.next()?)?,
                    })
                })();
                parsed.ok_or_else(|| GraphError::Unexpected { detail: "a node row had an unexpected shape".into() })
            })
            .collect()
    }

    /// Up to `limit` relationships with an id above `after`, by id.
    pub async fn relationship_page(
        &self,
        instance_id: &str,
        login: &DbLogin,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Relationship>, GraphError> {
        let params = page_params(after, limit);
        let rows = self.run(instance_id, login, RELATIONSHIP_PAGE, params, Resend::Safe).await?;
        rows.into_iter()
            .map(|row| {
                let mut cells = row.into_iter();
                let parsed = (|| {
                    Some(Relationship {
                        id: typed_int(&cells.next()?)?,
                        rel_type: typed_string(&cells.next()?)?,
                        start: typed_int(&cells.next()?)?,
                        end: typed_int(&cells.next()?)?,
                        properties: into_typed_map(cells.next()?)?,
                    })
                })();
                parsed.ok_or_else(|| GraphError::Unexpected {
                    detail: "a relationship row had an unexpected shape".into(),
                })
            })
            .collect()
    }

    /// Deletes up to `limit` nodes (and their relationships); how many went.
    pub async fn delete_batch(&self, instance_id: &str, login: &DbLogin, limit: usize) -> Result<u64, GraphError> {
        self.count_of(instance_id, login, DELETE_BATCH, limit_params(limit), Resend::Safe).await
    }

    /// Creates the import's uniqueness constraint (if it is not there yet).
    pub async fn create_constraint(&self, instance_id: &str, login: &DbLogin) -> Result<(), GraphError> {
        self.run(instance_id, login, CREATE_CONSTRAINT, Map::new(), Resend::Safe).await.map(drop)
    }

    /// Drops the import's constraint (if it is there).
    pub async fn drop_constraint(&self, instance_id: &str, login: &DbLogin) -> Result<(), GraphError> {
        self.run(instance_id, login, DROP_CONSTRAINT, Map::new(), Resend::Safe).await.map(drop)
    }

    /// Creates a batch of nodes; how many were created.
    pub async fn create_nodes(&self, instance_id: &str, login: &DbLogin, nodes: &[Node]) -> Result<u64, GraphError> {
        let body = request_body(CREATE_NODES, &Rows(nodes))?;
        self.count_of_body(instance_id, login, body, Resend::OnlyIfNotRun).await
    }

    /// Creates a batch of relationships between imported nodes; how many were created (a relationship whose ends
    /// are not both there is not).
    pub async fn create_relationships(
        &self,
        instance_id: &str,
        login: &DbLogin,
        rels: &[Relationship],
    ) -> Result<u64, GraphError> {
        let body = request_body(CREATE_RELATIONSHIPS, &Rows(rels))?;
        self.count_of_body(instance_id, login, body, Resend::OnlyIfNotRun).await
    }

    /// Removes the import marks from up to `limit` nodes; how many.
    pub async fn strip_batch(&self, instance_id: &str, login: &DbLogin, limit: usize) -> Result<u64, GraphError> {
        self.count_of(instance_id, login, STRIP_BATCH, limit_params(limit), Resend::Safe).await
    }
}

fn limit_params(limit: usize) -> Map<String, Value> {
    let mut params = Map::new();
    params.insert("limit".into(), int(i64::try_from(limit).unwrap_or(i64::MAX)));
    params
}

fn page_params(after: i64, limit: usize) -> Map<String, Value> {
    let mut params = limit_params(limit);
    params.insert("after".into(), int(after));
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The create statements' rows, written straight from the items, are exactly the typed JSON a tree of values
    /// would give.
    #[test]
    fn create_rows_are_the_typed_json_of_the_items() {
        let mut properties = Map::new();
        properties.insert("name".into(), string("Ada"));
        properties.insert("tags".into(), list(vec![string("x")]));
        let node = Node { id: 42, labels: vec!["Person".into(), "Archived".into()], properties: properties.clone() };
        let rel = Relationship { id: 7, rel_type: "KNOWS".into(), start: 42, end: -3, properties };
        let typed_map = |m: Value| json!({"$type": "Map", "_value": m});
        let body: Value =
            serde_json::from_slice(&request_body(CREATE_NODES, &Rows(std::slice::from_ref(&node))).unwrap()).unwrap();
        assert_eq!(body["statement"], CREATE_NODES);
        assert_eq!(
            body["parameters"],
            json!({"rows": list(vec![typed_map(json!({
                "id": int(42),
                "labels": list(vec![string("Person"), string("Archived")]),
                "properties": typed_map(Value::Object(node.properties.clone())),
            }))])})
        );
        let body: Value =
            serde_json::from_slice(&request_body(CREATE_RELATIONSHIPS, &Rows(std::slice::from_ref(&rel))).unwrap())
                .unwrap();
        assert_eq!(
            body["parameters"],
            json!({"rows": list(vec![typed_map(json!({
                "start": int(42),
                "end": int(-3),
                "type": string("KNOWS"),
                "properties": typed_map(Value::Object(rel.properties.clone())),
            }))])})
        );
    }

    #[test]
    fn statements_are_single_lines_with_parameters_not_literals() {
        for s in [
            COUNTS,
            NODE_PAGE,
            RELATIONSHIP_PAGE,
            DELETE_BATCH,
            CREATE_CONSTRAINT,
            CREATE_NODES,
            CREATE_RELATIONSHIPS,
            STRIP_BATCH,
            DROP_CONSTRAINT,
        ] {
            // The Query API refuses literal line breaks inside a statement.
            assert!(!s.contains('\n'), "{s}");
            assert!(!s.contains("  "), "{s}");
        }
    }

    #[test]
    fn typed_answers_are_decoded_and_other_shapes_refused() {
        assert_eq!(typed_int(&int(-5)), Some(-5));
        assert_eq!(typed_int(&json!(7)), Some(7));
        assert_eq!(typed_int(&string("7")), None);
        assert_eq!(typed_strings(&list(vec![string("A"), string("B")])), Some(vec!["A".into(), "B".into()]));
        assert_eq!(typed_strings(&list(vec![int(1)])), None);
        assert!(into_typed_map(json!({"$type": "Map", "_value": {"a": int(1)}})).is_some());
        assert!(into_typed_map(json!({"a": 1})).is_none());
    }
}
