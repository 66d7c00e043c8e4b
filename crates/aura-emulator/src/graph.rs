//! The graph behind each instance's Query API: nodes (labels, properties) and relationships (type, properties,
//! start and end), in one of two forms.
//!
//! - **Generated** ([`GraphSource::Synthetic`]): an instance whose data came from a seed, a snapshot, a restore or
//!   an uploaded archive has counts only. Its nodes and relationships are derived on the fly from the instance id
//!   and the counts, one page at a time, so a million-node demo instance costs no memory. Node `i` has id `i`;
//!   relationships are sorted by their start node (each starts at or after the one before and ends at most 63 nodes
//!   further on), so deleting the lowest node ids (which is what `MATCH (n) WITH n LIMIT … DETACH DELETE n` does)
//!   removes a prefix of the relationships too, and a partly deleted generated graph is still just two offsets.
//! - **Stored** ([`GraphSource::Stored`]): once a client has emptied an instance (or written into a small
//!   generated graph, which is then materialised), its graph is an explicit one in the [`GraphStore`], kept in
//!   memory and persisted as an append-only log of the writes in `<data dir>/graphs/<instance id>.jsonl`, replayed
//!   at start. A log line is written (not fsynced) after the write is applied, so the graph survives an emulator
//!   restart, not a power cut. The instance's counts in the world state follow the stored graph after every write.
//!
//! Data loaded from an uploaded file whose store the emulator can't count has unknown counts
//! ([`GraphCounts::UNKNOWN`]): it is neither generated nor stored, and the Query API neither lists nor changes it.
//!
//! What a snapshot keeps: the counts only. Restoring (or cloning, or creating from) a snapshot of an instance with
//! a stored graph gives a generated graph of the same size, not the stored nodes; the emulator never copies stored
//! graphs around. An uploaded archive, a restore and an overwrite likewise replace a stored graph with a generated
//! one (and drop the import constraint), as they replace all data in real Aura.
//!
//! Property values are Cypher values ([`Val`]); the Query API shows them as typed JSON (`{"$type","_value"}`) or,
//! by default, as plain JSON.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use crate::error::EmulatorError;
use crate::model::{GraphCounts, World};

/// The label and property a graph import marks its nodes with until the relationships are in.
pub(crate) const IMPORT_LABEL: &str = "__LifeboatImport";
pub(crate) const IMPORT_KEY: &str = "__lifeboat_id";

/// A generated graph larger than this (nodes + relationships) is not materialised for a write; the client must
/// delete it first.
pub(crate) const MATERIALISE_LIMIT: u64 = 50_000;

/// Where an instance's graph comes from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(tag = "source", rename_all = "snake_case")]
pub(crate) enum GraphSource {
    /// Generated from the counts; the offsets move up as a client deletes the lowest ids.
    Synthetic { first_node: u64, first_rel: u64 },
    /// Written by a client; lives in the [`GraphStore`].
    Stored,
}

impl Default for GraphSource {
    fn default() -> Self {
        GraphSource::Synthetic { first_node: 0, first_rel: 0 }
    }
}

/// A Cypher value as the Query API carries it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
    /// Temporal, spatial, duration and byte-array values, kept in the Query API's spelling (`Date`, `"2015-03-26"`).
    Other {
        ty: String,
        text: String,
    },
}

/// The typed-JSON types carried as text.
const TEXT_TYPES: &[&str] =
    &["Base64", "Date", "Time", "LocalTime", "ZonedDateTime", "OffsetDateTime", "LocalDateTime", "Duration", "Point"];

/// A float as Neo4j writes one: decimal between 10⁻³ and 10⁷, else scientific with a mantissa that has a point.
pub(crate) fn format_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let a = x.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        return format!("{x:?}");
    }
    let s = format!("{x:E}");
    match s.split_once('E') {
        Some((m, e)) if !m.contains('.') => format!("{m}.0E{e}"),
        _ => s,
    }
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        "NaN" | "-NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok().filter(|x: &f64| x.is_finite()),
    }
}

impl Val {
    /// Reads a typed-JSON value (`{"$type": "Integer", "_value": "1"}`), strictly, taking its strings (a batch of
    /// rows is moved into the store, never copied).
    pub fn from_typed(v: Value) -> Result<Val, String> {
        let Value::Object(mut obj) = v else { return Err(format!("Not a typed value: {v}")) };
        let (ty, value) = match (obj.remove("$type"), obj.remove("_value")) {
            (Some(Value::String(ty)), Some(value)) if obj.is_empty() => (ty, value),
            (ty, value) => {
                // Put back what was taken, to show the value as it came.
                obj.extend(
                    ty.map(|t| ("$type".to_owned(), t)).into_iter().chain(value.map(|v| ("_value".to_owned(), v))),
                );
                return Err(format!("Not a typed value: {}", Value::Object(obj)));
            }
        };
        let bad = |value: &Value| format!("Invalid {ty} value: {value}");
        Ok(match (ty.as_str(), value) {
            ("Null", Value::Null) => Val::Null,
            ("Boolean", Value::Bool(b)) => Val::Bool(b),
            ("Integer", Value::String(text)) => Val::Int(text.parse().map_err(|_| bad(&Value::String(text.clone())))?),
            ("Float", Value::String(text)) => {
                Val::Float(parse_float(&text).ok_or_else(|| bad(&Value::String(text.clone())))?)
            }
            ("String", Value::String(text)) => Val::Str(text),
            ("List", Value::Array(items)) => {
                Val::List(items.into_iter().map(Val::from_typed).collect::<Result<_, _>>()?)
            }
            ("Map", Value::Object(entries)) => {
                Val::Map(entries.into_iter().map(|(k, v)| Ok((k, Val::from_typed(v)?))).collect::<Result<_, String>>()?)
            }
            (t, Value::String(text)) if TEXT_TYPES.contains(&t) => Val::Other { ty: t.to_string(), text },
            (t, value)
                if matches!(t, "Null" | "Boolean" | "Integer" | "Float" | "String" | "List" | "Map")
                    || TEXT_TYPES.contains(&t) =>
            {
                return Err(bad(&value))
            }
            _ => return Err(format!("Unknown type: {ty}")),
        })
    }

    /// The typed-JSON form.
    pub fn to_typed(&self) -> Value {
        let (ty, value) = match self {
            Val::Null => ("Null", Value::Null),
            Val::Bool(b) => ("Boolean", json!(b)),
            Val::Int(i) => ("Integer", json!(i.to_string())),
            Val::Float(f) => ("Float", json!(format_float(*f))),
            Val::Str(s) => ("String", json!(s)),
            Val::List(items) => ("List", Value::Array(items.iter().map(Val::to_typed).collect())),
            Val::Map(m) => ("Map", Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_typed())).collect())),
            Val::Other { ty, text } => (ty.as_str(), json!(text)),
        };
        json!({ "$type": ty, "_value": value })
    }

    /// Reads a plain-JSON parameter: integral numbers are integers, other numbers floats.
    pub fn from_plain(v: &Value) -> Val {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => n.as_i64().map(Val::Int).unwrap_or_else(|| Val::Float(n.as_f64().unwrap_or(f64::NAN))),
            Value::String(s) => Val::Str(s.clone()),
            Value::Array(items) => Val::List(items.iter().map(Val::from_plain).collect()),
            Value::Object(m) => Val::Map(m.iter().map(|(k, v)| (k.clone(), Val::from_plain(v))).collect()),
        }
    }
}

/// The typed-JSON form, written straight to the serializer: a page of a million values is not first built as a
/// tree of small maps (the emulator stands for Aura, so it must not be slower at this than the client it serves).
impl Serialize for Val {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        match self {
            Val::Null => {
                m.serialize_entry("$type", "Null")?;
                m.serialize_entry("_value", &())?;
            }
            Val::Bool(b) => {
                m.serialize_entry("$type", "Boolean")?;
                m.serialize_entry("_value", b)?;
            }
            Val::Int(i) => {
                m.serialize_entry("$type", "Integer")?;
                m.serialize_entry("_value", &i.to_string())?;
            }
            Val::Float(f) => {
                m.serialize_entry("$type", "Float")?;
                m.serialize_entry("_value", &format_float(*f))?;
            }
            Val::Str(text) => {
                m.serialize_entry("$type", "String")?;
                m.serialize_entry("_value", text)?;
            }
            Val::List(items) => {
                m.serialize_entry("$type", "List")?;
                m.serialize_entry("_value", items)?;
            }
            Val::Map(entries) => {
                m.serialize_entry("$type", "Map")?;
                m.serialize_entry("_value", entries)?;
            }
            Val::Other { ty, text } => {
                m.serialize_entry("$type", ty)?;
                m.serialize_entry("_value", text)?;
            }
        }
        m.end()
    }
}

/// A value in the plain-JSON form, written straight to the serializer: temporal and other text-carried values
/// become their text, as the Query API does.
struct Plain<'a>(&'a Val);

impl Serialize for Plain<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Val::Null => s.serialize_unit(),
            Val::Bool(b) => s.serialize_bool(*b),
            Val::Int(i) => s.serialize_i64(*i),
            Val::Float(f) if f.is_finite() => s.serialize_f64(*f),
            Val::Float(f) => s.serialize_str(&format_float(*f)),
            Val::Str(text) => s.serialize_str(text),
            Val::List(items) => s.collect_seq(items.iter().map(Plain)),
            Val::Map(entries) => s.collect_map(entries.iter().map(|(k, v)| (k, Plain(v)))),
            Val::Other { text, .. } => s.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Val::from_typed(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Properties of a node or relationship.
pub(crate) type Props = BTreeMap<String, Val>;

/// A node: its labels in the order they were set, and its properties.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct NodeRec {
    pub labels: Vec<String>,
    pub props: Props,
}

/// A relationship.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub(crate) struct RelRec {
    #[serde(rename = "type")]
    pub rel_type: String,
    pub start: u64,
    pub end: u64,
    pub props: Props,
}

/// A node as a page shows it.
pub(crate) type NodeRow = (u64, NodeRec);
/// A relationship as a page shows it.
pub(crate) type RelRow = (u64, RelRec);

/// One write, as the log keeps it. Replaying the log applies the same writes in the same order.
#[derive(Serialize, Deserialize, Debug)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Op {
    Nodes {
        items: Vec<(u64, NodeRec)>,
    },
    Rels {
        items: Vec<(u64, RelRec)>,
    },
    /// `DETACH DELETE` of these nodes.
    Delete {
        nodes: Vec<u64>,
    },
    /// The import label and key removed from these nodes.
    Strip {
        nodes: Vec<u64>,
    },
}

/// A node to create from an import row: its import key, labels and properties.
pub(crate) struct NewNode {
    pub key: i64,
    pub labels: Vec<String>,
    pub props: Props,
}

/// A relationship to create from an import row: the import keys of its ends.
pub(crate) struct NewRel {
    pub start: i64,
    pub end: i64,
    pub rel_type: String,
    pub props: Props,
}

/// An explicit graph, with the log that persists it.
#[derive(Default)]
pub(crate) struct StoredGraph {
    nodes: BTreeMap<u64, NodeRec>,
    rels: BTreeMap<u64, RelRec>,
    next_node: u64,
    next_rel: u64,
    /// Import key → node, for the nodes that still carry the import label.
    import_index: HashMap<i64, u64>,
    log: Option<PathBuf>,
}

impl StoredGraph {
    /// Node and relationship counts.
    pub fn counts(&self) -> GraphCounts {
        GraphCounts::new(self.nodes.len() as u64, self.rels.len() as u64)
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Nodes { items } => {
                for (id, node) in items {
                    if let Some(key) = import_key(&node) {
                        self.import_index.insert(key, id);
                    }
                    self.nodes.insert(id, node);
                    self.next_node = self.next_node.max(id + 1);
                }
            }
            Op::Rels { items } => {
                for (id, rel) in items {
                    self.rels.insert(id, rel);
                    self.next_rel = self.next_rel.max(id + 1);
                }
            }
            Op::Delete { nodes } => {
                let gone: std::collections::HashSet<u64> = nodes.iter().copied().collect();
                self.rels.retain(|_, r| !gone.contains(&r.start) && !gone.contains(&r.end));
                for id in nodes {
                    if let Some(node) = self.nodes.remove(&id) {
                        if let Some(key) = import_key(&node) {
                            self.import_index.remove(&key);
                        }
                    }
                }
            }
            Op::Strip { nodes } => {
                for id in nodes {
                    if let Some(node) = self.nodes.get_mut(&id) {
                        if let Some(key) = import_key(node) {
                            self.import_index.remove(&key);
                        }
                        node.labels.retain(|l| l != IMPORT_LABEL);
                        node.props.remove(IMPORT_KEY);
                    }
                }
            }
        }
    }

    /// Appends a write to the log, then applies it (moving its items into the graph: a batch is never copied). A
    /// failed append is logged: the write stays live in memory and is lost only across a restart, as with the
    /// world state.
    fn commit(&mut self, op: Op) {
        if let Some(path) = &self.log {
            let appended = serde_json::to_vec(&op).map_err(std::io::Error::other).and_then(|mut line| {
                line.push(b'\n');
                let mut file = OpenOptions::new().append(true).create(true).open(path)?;
                file.write_all(&line)?;
                file.flush()
            });
            if let Err(e) = appended {
                tracing::error!(path = %path.display(), error = %e, "cannot append to the graph log");
            }
        }
        self.apply(op);
    }

    /// Up to `limit` nodes with an id above `after`, by id.
    pub fn nodes_after(&self, after: i64, limit: usize) -> Vec<NodeRow> {
        let from = u64::try_from(after.saturating_add(1)).unwrap_or(0);
        self.nodes.range(from..).take(limit).map(|(id, n)| (*id, n.clone())).collect()
    }

    /// Up to `limit` relationships with an id above `after`, by id.
    pub fn rels_after(&self, after: i64, limit: usize) -> Vec<RelRow> {
        let from = u64::try_from(after.saturating_add(1)).unwrap_or(0);
        self.rels.range(from..).take(limit).map(|(id, r)| (*id, r.clone())).collect()
    }

    /// `CREATE (n:__LifeboatImport {__lifeboat_id: key}) SET n += props, n:labels` for every row. With the import
    /// constraint, a key already present fails the whole statement before anything is written.
    pub fn create_nodes(&mut self, rows: Vec<NewNode>, unique: bool) -> Result<u64, String> {
        if unique {
            let mut seen = std::collections::HashSet::new();
            for row in &rows {
                if self.import_index.contains_key(&row.key) || !seen.insert(row.key) {
                    return Err(format!(
                        "Node already exists with label `{IMPORT_LABEL}` and property `{IMPORT_KEY}` = {}",
                        row.key
                    ));
                }
            }
        }
        let created = rows.len() as u64;
        let mut items = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            let mut labels = vec![IMPORT_LABEL.to_string()];
            for l in row.labels {
                if !labels.contains(&l) {
                    labels.push(l);
                }
            }
            let mut props = row.props;
            props.insert(IMPORT_KEY.into(), Val::Int(row.key));
            items.push((self.next_node + i as u64, NodeRec { labels, props }));
        }
        self.commit(Op::Nodes { items });
        Ok(created)
    }

    /// Creates a relationship for every row whose two ends carry the import label; rows without both ends match
    /// nothing and create nothing (as `MATCH` drops them). Returns how many were created.
    pub fn create_rels(&mut self, rows: Vec<NewRel>) -> u64 {
        let mut items = Vec::new();
        for row in rows {
            let (Some(&start), Some(&end)) = (self.import_index.get(&row.start), self.import_index.get(&row.end))
            else {
                continue;
            };
            let id = self.next_rel + items.len() as u64;
            items.push((id, RelRec { rel_type: row.rel_type, start, end, props: row.props }));
        }
        let created = items.len() as u64;
        if created > 0 {
            self.commit(Op::Rels { items });
        }
        created
    }

    /// `MATCH (n) WITH n LIMIT $limit DETACH DELETE n`: the lowest node ids go first.
    pub fn delete_first(&mut self, limit: usize) -> u64 {
        let nodes: Vec<u64> = self.nodes.keys().take(limit).copied().collect();
        let deleted = nodes.len() as u64;
        if deleted > 0 {
            self.commit(Op::Delete { nodes });
        }
        deleted
    }

    /// `MATCH (n:__LifeboatImport) WITH n LIMIT $limit REMOVE n:__LifeboatImport, n.__lifeboat_id`.
    pub fn strip_first(&mut self, limit: usize) -> u64 {
        let nodes: Vec<u64> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.labels.iter().any(|l| l == IMPORT_LABEL))
            .map(|(id, _)| *id)
            .take(limit)
            .collect();
        let done = nodes.len() as u64;
        if done > 0 {
            self.commit(Op::Strip { nodes });
        }
        done
    }

    /// Writes a whole generated graph into this (empty) one.
    fn materialise(&mut self, synthetic: &Synthetic) {
        let nodes = synthetic.nodes_after(-1, usize::MAX);
        let rels = synthetic.rels_after(-1, usize::MAX);
        self.commit(Op::Nodes { items: nodes });
        self.commit(Op::Rels { items: rels });
    }
}

fn import_key(node: &NodeRec) -> Option<i64> {
    if !node.labels.iter().any(|l| l == IMPORT_LABEL) {
        return None;
    }
    match node.props.get(IMPORT_KEY) {
        Some(Val::Int(k)) => Some(*k),
        _ => None,
    }
}

/// The stored graphs of every instance whose graph is [`GraphSource::Stored`], behind one async lock: a graph
/// statement holds it from reading the instance's source to updating its counts, so the two never disagree.
pub(crate) struct GraphStore {
    dir: PathBuf,
    graphs: tokio::sync::Mutex<HashMap<String, StoredGraph>>,
}

fn graph_path(dir: &Path, instance_id: &str) -> PathBuf {
    dir.join(format!("{instance_id}.jsonl"))
}

impl GraphStore {
    /// Opens `<data dir>/graphs`: replays the log of every instance with a stored graph (and brings its counts in
    /// the world up to date), and removes logs no instance uses any more (deleted instances, replaced data).
    pub fn open(data_dir: &Path, world: &mut World) -> Result<GraphStore, EmulatorError> {
        let dir = data_dir.join("graphs");
        fs::create_dir_all(&dir).map_err(|source| EmulatorError::DataDir { path: dir.clone(), source })?;
        let mut graphs = HashMap::new();
        for inst in world.instances.iter_mut().filter(|i| i.graph == GraphSource::Stored) {
            let path = graph_path(&dir, &inst.id);
            let graph = load(&path)?;
            inst.counts = graph.counts();
            graphs.insert(inst.id.clone(), graph);
        }
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries.filter_map(Result::ok) {
                let name = entry.file_name().to_string_lossy().into_owned();
                let used = name.strip_suffix(".jsonl").is_some_and(|id| graphs.contains_key(id));
                if !used {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        Ok(GraphStore { dir, graphs: tokio::sync::Mutex::new(graphs) })
    }

    /// Locks every stored graph.
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, HashMap<String, StoredGraph>> {
        self.graphs.lock().await
    }

    /// A new, empty stored graph for an instance (its old log, if any, is truncated).
    pub fn fresh(&self, instance_id: &str) -> StoredGraph {
        let path = graph_path(&self.dir, instance_id);
        if let Err(e) = File::create(&path) {
            tracing::error!(path = %path.display(), error = %e, "cannot create the graph log");
        }
        StoredGraph { log: Some(path), ..Default::default() }
    }

    /// A new stored graph holding a generated one (a write into a small generated graph).
    pub fn materialised(&self, instance_id: &str, synthetic: &Synthetic) -> StoredGraph {
        let mut graph = self.fresh(instance_id);
        graph.materialise(synthetic);
        graph
    }
}

fn load(path: &Path) -> Result<StoredGraph, EmulatorError> {
    let mut graph = StoredGraph { log: Some(path.to_path_buf()), ..Default::default() };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(graph),
        Err(source) => return Err(EmulatorError::ReadState { path: path.to_path_buf(), source }),
    };
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|source| EmulatorError::ReadState { path: path.to_path_buf(), source })?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Op>(&line) {
            Ok(op) => graph.apply(op),
            // A line cut short by a crash mid-append is the last one; what came before stands.
            Err(e) if e.is_eof() => break,
            Err(source) => return Err(EmulatorError::CorruptState { path: path.to_path_buf(), source }),
        }
    }
    Ok(graph)
}

/// A generated graph as of one moment: node ids `first_node..first_node + nodes`, relationship ids
/// `first_rel..first_rel + rels`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Synthetic {
    pub seed: u64,
    pub first_node: u64,
    pub nodes: u64,
    pub first_rel: u64,
    pub rels: u64,
}

const LABELS: &[&str] = &["Person", "Company", "Product", "Order"];
const REL_TYPES: &[&str] = &["KNOWS", "WORKS_AT", "BOUGHT", "RELATED_TO"];
/// How far a generated relationship may reach beyond its start node.
const REACH: u64 = 64;

/// splitmix64: a fast, well-mixed hash of a 64-bit value.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of an instance's generated graph (FNV-1a of its id).
pub(crate) fn seed_of(instance_id: &str) -> u64 {
    instance_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

impl Synthetic {
    pub fn new(instance_id: &str, source: GraphSource, counts: GraphCounts) -> Synthetic {
        let (first_node, first_rel) = match source {
            GraphSource::Synthetic { first_node, first_rel } => (first_node, first_rel),
            GraphSource::Stored => (0, 0),
        };
        // Relationships need nodes to connect.
        let rels = if counts.nodes == 0 { 0 } else { counts.relationships };
        Synthetic { seed: seed_of(instance_id), first_node, nodes: counts.nodes, first_rel, rels }
    }

    fn node(&self, id: u64) -> NodeRec {
        let h = mix(self.seed ^ id.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let label = LABELS[(h % LABELS.len() as u64) as usize];
        let mut labels = vec![label.to_string()];
        if h.is_multiple_of(7) {
            labels.push("Archived".into());
        }
        let mut props = Props::new();
        props.insert("name".into(), Val::Str(format!("{label} {id}")));
        props.insert("visits".into(), Val::Int(((h >> 8) % 10_000) as i64));
        props.insert("score".into(), Val::Float(((h >> 24) % 100_000) as f64 / 100.0));
        props.insert("active".into(), Val::Bool((h >> 40).is_multiple_of(2)));
        let (year, month, day) = (1950 + (h >> 44) % 60, 1 + (h >> 50) % 12, 1 + (h >> 54) % 28);
        props.insert("since".into(), Val::Other { ty: "Date".into(), text: format!("{year}-{month:02}-{day:02}") });
        if h.is_multiple_of(3) {
            props.insert("tags".into(), Val::List(vec![Val::Str("demo".into()), Val::Str(format!("t{}", h % 5))]));
        }
        NodeRec { labels, props }
    }

    /// Relationship `id`: it starts at the node its position falls on (so relationships are sorted by start node)
    /// and ends at most [`REACH`] − 1 nodes further on, within the graph.
    fn rel(&self, id: u64) -> RelRec {
        let index = u128::from(id - self.first_rel);
        let offset = (index * u128::from(self.nodes) / u128::from(self.rels.max(1))) as u64;
        let start = self.first_node + offset.min(self.nodes - 1);
        let h = mix(self.seed.rotate_left(17) ^ id.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let room = (self.first_node + self.nodes - start).min(REACH);
        let end = start + h % room;
        let mut props = Props::new();
        props.insert("since".into(), Val::Int(1990 + ((h >> 8) % 35) as i64));
        props.insert("weight".into(), Val::Float(((h >> 20) % 1000) as f64 / 10.0));
        RelRec { rel_type: REL_TYPES[((h >> 32) % REL_TYPES.len() as u64) as usize].into(), start, end, props }
    }

    pub fn nodes_after(&self, after: i64, limit: usize) -> Vec<NodeRow> {
        let from = u64::try_from(after.saturating_add(1)).unwrap_or(0).max(self.first_node);
        let to = self.first_node + self.nodes;
        (from..to).take(limit).map(|id| (id, self.node(id))).collect()
    }

    pub fn rels_after(&self, after: i64, limit: usize) -> Vec<RelRow> {
        let from = u64::try_from(after.saturating_add(1)).unwrap_or(0).max(self.first_rel);
        let to = self.first_rel + self.rels;
        (from..to).take(limit).map(|id| (id, self.rel(id))).collect()
    }

    /// Deletes the `limit` lowest node ids with their relationships. `None` when that empties the graph; else the
    /// new offsets and counts. Relationships are sorted by start node and never end before they start, so the ones
    /// touching a deleted node are exactly those starting before the new first node: a prefix.
    pub fn delete_first(&self, limit: u64) -> Option<(GraphSource, GraphCounts)> {
        let k = limit.min(self.nodes);
        if k == self.nodes {
            return None;
        }
        // Relationship i starts at node ⌊i·N/R⌋, which is below k exactly when i < ⌈k·R/N⌉.
        let product = u128::from(k) * u128::from(self.rels);
        let d = product.div_ceil(u128::from(self.nodes)) as u64;
        let d = d.min(self.rels);
        Some((
            GraphSource::Synthetic { first_node: self.first_node + k, first_rel: self.first_rel + d },
            GraphCounts::new(self.nodes - k, self.rels - d),
        ))
    }
}

/// `{"fields": […], "values": [[…], …]}` in the requested flavour.
pub(crate) fn data(fields: &'static [&'static str], rows: Vec<Vec<Val>>, typed: bool) -> Data {
    Data { fields, values: rows, typed }
}

/// The `data` of a Query API answer: its fields and rows, serialized typed or plain as asked.
pub(crate) struct Data {
    fields: &'static [&'static str],
    values: Vec<Vec<Val>>,
    typed: bool,
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Row<'a>(&'a [Val], bool);
        impl Serialize for Row<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if self.1 {
                    s.collect_seq(self.0.iter())
                } else {
                    s.collect_seq(self.0.iter().map(Plain))
                }
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("fields", self.fields)?;
        m.serialize_entry("values", &self.values.iter().map(|r| Row(r, self.typed)).collect::<Vec<_>>())?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synthetic(nodes: u64, rels: u64) -> Synthetic {
        Synthetic::new("abcdef01", GraphSource::default(), GraphCounts::new(nodes, rels))
    }

    #[test]
    fn typed_values_round_trip_and_unknown_types_are_refused() {
        let v = json!({"$type": "Map", "_value": {
            "a": {"$type": "Integer", "_value": "-42"},
            "b": {"$type": "Float", "_value": "3.2E9"},
            "c": {"$type": "List", "_value": [{"$type": "String", "_value": "x"}, {"$type": "Null", "_value": null}]},
            "d": {"$type": "Date", "_value": "2015-03-26"},
            "e": {"$type": "Float", "_value": "0.5"},
            "f": {"$type": "Boolean", "_value": true},
        }});
        let val = Val::from_typed(v.clone()).unwrap();
        assert_eq!(val.to_typed(), v);
        assert_eq!(serde_json::to_value(&val).unwrap(), v, "serialized straight, the same typed form");
        let plain = serde_json::to_value(Plain(&val)).unwrap();
        assert_eq!(
            (plain["d"].clone(), plain["a"].clone(), plain["e"].clone()),
            (json!("2015-03-26"), json!(-42), json!(0.5))
        );
        for bad in [
            json!({"$type": "Integer", "_value": 1}),
            json!({"$type": "Widget", "_value": "x"}),
            json!({"$type": "String"}),
            json!("plain"),
        ] {
            assert!(Val::from_typed(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn floats_are_written_as_neo4j_writes_them() {
        assert_eq!(format_float(4.56), "4.56");
        assert_eq!(format_float(1.0), "1.0");
        assert_eq!(format_float(3.2e9), "3.2E9");
        assert_eq!(format_float(2e-7), "2.0E-7");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Infinity");
        for x in [0.001, 9_999_999.5, 1e7, 123.456e-9] {
            assert_eq!(parse_float(&format_float(x)), Some(x));
        }
    }

    #[test]
    fn generated_graphs_are_deterministic_and_well_formed() {
        let g = synthetic(1000, 4000);
        assert_eq!(g.nodes_after(-1, 5), g.nodes_after(-1, 5));
        let all = g.rels_after(-1, usize::MAX);
        assert_eq!(all.len(), 4000);
        let mut last_start = 0;
        for (_, r) in &all {
            assert!(r.start >= last_start, "sorted by start");
            assert!(r.end >= r.start && r.end < 1000 && r.end - r.start < REACH);
            last_start = r.start;
        }
        // Keyset pages line up.
        let page = g.nodes_after(499, 10);
        assert_eq!(page.first().map(|n| n.0), Some(500));
        assert!(g.nodes_after(999, 10).is_empty());
        assert_eq!(synthetic(0, 10).rels, 0, "no relationships without nodes");
    }

    #[test]
    fn deleting_the_lowest_nodes_removes_exactly_the_relationships_touching_them() {
        let g = synthetic(1000, 3333);
        let (source, counts) = g.delete_first(250).unwrap();
        let dead: Vec<_> = g.rels_after(-1, usize::MAX).into_iter().filter(|(_, r)| r.start < 250).collect();
        assert_eq!(counts, GraphCounts::new(750, 3333 - dead.len() as u64));
        let GraphSource::Synthetic { first_node, first_rel } = source else { panic!() };
        assert_eq!((first_node, first_rel), (250, dead.len() as u64));
        let rest = Synthetic::new("abcdef01", source, counts);
        assert!(rest.rels_after(-1, usize::MAX).iter().all(|(_, r)| r.start >= 250 && r.end < 1000));
        assert!(g.delete_first(1000).is_none(), "deleting every node empties the graph");
    }

    #[test]
    fn a_stored_graph_replays_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.jsonl");
        let mut g = StoredGraph { log: Some(path.clone()), ..Default::default() };
        let node = |key, label: &str| NewNode { key, labels: vec![label.into()], props: Props::new() };
        assert_eq!(g.create_nodes(vec![node(10, "A"), node(11, "B"), node(12, "A")], true).unwrap(), 3);
        assert!(g.create_nodes(vec![node(10, "A")], true).is_err(), "the constraint holds");
        let rel = |start, end| NewRel { start, end, rel_type: "R".into(), props: Props::new() };
        assert_eq!(g.create_rels(vec![rel(10, 11), rel(11, 12), rel(12, 99)]), 2, "a missing end matches nothing");
        assert_eq!(g.strip_first(2), 2);
        assert_eq!(g.delete_first(1), 1);
        assert_eq!(g.counts(), GraphCounts::new(2, 1));
        let replayed = load(&path).unwrap();
        assert_eq!(replayed.nodes, g.nodes);
        assert_eq!(replayed.rels, g.rels);
        assert_eq!(replayed.import_index, g.import_index);
        let labels: Vec<_> = replayed.nodes.values().map(|n| n.labels.clone()).collect();
        assert_eq!(labels, [vec!["B".to_string()], vec![IMPORT_LABEL.to_string(), "A".to_string()]]);
    }
}
