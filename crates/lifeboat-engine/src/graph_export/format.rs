//! The `lifeboat-graph` file format (see the [module docs](super)): its records, a writer that adds the footer, and
//! a streaming reader that checks everything the footer promises. Both work on uncompressed lines; the caller wraps
//! them in zstd.

use std::io::{self, BufRead, Read, Write};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::error::GraphFileError;
use crate::verify::GraphCounts;

/// The format's name, in every header.
pub const FORMAT_NAME: &str = "lifeboat-graph";
/// The version written, and the only one read.
pub const FORMAT_VERSION: u32 = 1;
/// How an export file's name ends.
pub const FILE_SUFFIX: &str = ".graph.jsonl.zst";
/// How property values are written: the Query API's typed JSON.
pub const VALUE_ENCODING: &str = "neo4j-query-api-typed-json";
/// The longest line read (a node with very large properties); longer ones are damage, not data.
const MAX_LINE: u64 = 64 << 20;

/// The first line: what the file is and where its data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub version: u32,
    /// The instance exported.
    pub instance_id: String,
    /// Its name at the time.
    pub instance_name: String,
    /// When the export started.
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    /// What wrote the file (`Lifeboat 0.1.0`).
    pub generator: String,
    /// How property values are encoded ([`VALUE_ENCODING`]).
    pub values: String,
}

impl Header {
    /// A header for an export of this instance, now.
    pub fn new(instance_id: &str, instance_name: &str) -> Self {
        Self {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            instance_id: instance_id.to_owned(),
            instance_name: instance_name.to_owned(),
            exported_at: OffsetDateTime::now_utc(),
            generator: concat!("Lifeboat ", env!("CARGO_PKG_VERSION")).to_owned(),
            values: VALUE_ENCODING.to_owned(),
        }
    }
}

/// A node: its source id, labels and typed properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The source database's `id()`.
    pub id: i64,
    /// Labels.
    pub labels: Vec<String>,
    /// Properties, each in typed JSON.
    pub properties: Map<String, Value>,
}

/// A relationship: its source id, type, the source ids of its ends, and typed properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    /// The source database's `id()`.
    pub id: i64,
    /// Its type.
    #[serde(rename = "type")]
    pub rel_type: String,
    /// The start node's id in this file.
    pub start: i64,
    /// The end node's id in this file.
    pub end: i64,
    /// Properties, each in typed JSON.
    pub properties: Map<String, Value>,
}

/// The last line: what the file holds, and the checks that prove it whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Footer {
    /// Node lines.
    pub nodes: u64,
    /// Relationship lines.
    pub relationships: u64,
    /// CRC-32 (IEEE) of every byte before the footer line, 8 lowercase hex digits.
    pub crc32: String,
    /// The content digest (see the module docs), 16 lowercase hex digits.
    pub digest: String,
}

impl Footer {
    /// The counts it states.
    pub fn counts(&self) -> GraphCounts {
        GraphCounts { nodes: self.nodes, relationships: self.relationships }
    }
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RecordOut<'a> {
    Header(&'a Header),
    Node(&'a Node),
    Relationship(&'a Relationship),
    Footer(&'a Footer),
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RecordIn {
    Header(serde::de::IgnoredAny),
    Node(Node),
    Relationship(Relationship),
    Footer(Footer),
}

/// The id- and order-independent content digest: a wrapping sum of one hash per node and relationship.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Digest(u64);

impl Digest {
    /// Adds a node (its sorted labels and its properties).
    pub fn add_node(&mut self, node: &Node) {
        let mut bytes = b"N".to_vec();
        let mut labels: Vec<&String> = node.labels.iter().collect();
        labels.sort();
        for label in labels {
            json_to(label, &mut bytes);
        }
        bytes.push(b'|');
        canonical_map(&node.properties, &mut bytes);
        self.0 = self.0.wrapping_add(hash(&bytes));
    }

    /// Adds a relationship (its type and its properties).
    pub fn add_relationship(&mut self, rel: &Relationship) {
        let mut bytes = b"R".to_vec();
        json_to(&rel.rel_type, &mut bytes);
        bytes.push(b'|');
        canonical_map(&rel.properties, &mut bytes);
        self.0 = self.0.wrapping_add(hash(&bytes));
    }

    /// 16 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// FNV-1a, then splitmix64 so that near-identical records spread over all 64 bits before they are summed.
fn hash(bytes: &[u8]) -> u64 {
    let fnv = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    let mut z = fnv.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Compact JSON of `v`, appended: the same bytes as `Value::to_string`, without the intermediate string.
fn json_to(v: &(impl Serialize + ?Sized), out: &mut Vec<u8>) {
    // Writing JSON into memory cannot fail for these types (strings and JSON values).
    let _ = serde_json::to_writer(&mut *out, v);
}

/// JSON with every object's keys sorted, so equal values give equal bytes whatever order they arrived in.
fn canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Object(m) => canonical_map(m, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                canonical(item, out);
            }
            out.push(b']');
        }
        scalar => json_to(scalar, out),
    }
}

fn canonical_map(m: &Map<String, Value>, out: &mut Vec<u8>) {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    out.push(b'{');
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json_to(k, out);
        out.push(b':');
        canonical(&m[k], out);
    }
    out.push(b'}');
}

/// Writes the lines of one file: the header at once, then nodes, then relationships, then (at
/// [`GraphWriter::finish`]) the footer with the counts and checks.
pub struct GraphWriter<W: Write> {
    out: W,
    crc: crc32fast::Hasher,
    digest: Digest,
    nodes: u64,
    relationships: u64,
}

impl<W: Write> GraphWriter<W> {
    /// Starts a file with its header.
    pub fn new(out: W, header: &Header) -> io::Result<Self> {
        let mut writer =
            Self { out, crc: crc32fast::Hasher::new(), digest: Digest::default(), nodes: 0, relationships: 0 };
        writer.line(&RecordOut::Header(header), true)?;
        Ok(writer)
    }

    fn line(&mut self, record: &RecordOut<'_>, checked: bool) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(record).map_err(io::Error::other)?;
        bytes.push(b'\n');
        if checked {
            self.crc.update(&bytes);
        }
        self.out.write_all(&bytes)
    }

    /// Adds a node. Nodes must all come before the first relationship.
    pub fn node(&mut self, node: &Node) -> io::Result<()> {
        if self.relationships > 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a node after a relationship"));
        }
        self.digest.add_node(node);
        self.nodes += 1;
        self.line(&RecordOut::Node(node), true)
    }

    /// Adds a relationship.
    pub fn relationship(&mut self, rel: &Relationship) -> io::Result<()> {
        self.digest.add_relationship(rel);
        self.relationships += 1;
        self.line(&RecordOut::Relationship(rel), true)
    }

    /// Writes the footer and gives back the output (not flushed beyond what `write_all` did) and the footer.
    pub fn finish(mut self) -> io::Result<(W, Footer)> {
        let footer = Footer {
            nodes: self.nodes,
            relationships: self.relationships,
            crc32: format!("{:08x}", self.crc.clone().finalize()),
            digest: self.digest.hex(),
        };
        self.line(&RecordOut::Footer(&footer), false)?;
        Ok((self.out, footer))
    }
}

/// One node or relationship read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A node line.
    Node(Node),
    /// A relationship line.
    Relationship(Relationship),
}

/// Reads a file line by line, checking its structure as it goes and, at the footer, its counts and checksums.
/// Nothing it returns should be trusted as complete until [`GraphReader::next_item`] has returned `Ok(None)`.
pub struct GraphReader<R: BufRead> {
    input: R,
    header: Header,
    line: u64,
    crc: crc32fast::Hasher,
    digest: Digest,
    nodes: u64,
    relationships: u64,
    footer: Option<Footer>,
    buf: Vec<u8>,
}

/// Maps a read error at a line: an early end is a cut file, the system's errors are unreadable, and the
/// decompressor's own errors are damage (a file that is not zstd at all is told apart before reading).
fn read_error(e: io::Error, line: u64) -> GraphFileError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        GraphFileError::Truncated
    } else if e.raw_os_error().is_some() {
        GraphFileError::Unreadable(e)
    } else {
        GraphFileError::Corrupt { line, detail: format!("it cannot be decompressed: {e}") }
    }
}

impl<R: BufRead> GraphReader<R> {
    /// Reads and checks the header line.
    pub fn open(mut input: R) -> Result<Self, GraphFileError> {
        let mut buf = Vec::new();
        let n = read_line(&mut input, &mut buf).map_err(|e| read_error(e, 1))?;
        if n == 0 {
            return Err(GraphFileError::NotAGraphExport);
        }
        if !buf.ends_with(b"\n") {
            return Err(if buf.len() as u64 > MAX_LINE {
                GraphFileError::NotAGraphExport
            } else {
                GraphFileError::Truncated
            });
        }
        let value: Value = serde_json::from_slice(&buf).map_err(|_| GraphFileError::NotAGraphExport)?;
        if value.get("kind").and_then(Value::as_str) != Some("header")
            || value.get("format").and_then(Value::as_str) != Some(FORMAT_NAME)
        {
            return Err(GraphFileError::NotAGraphExport);
        }
        match value.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(found) if found > u64::from(FORMAT_VERSION) => {
                return Err(GraphFileError::UnsupportedVersion { found })
            }
            _ => return Err(GraphFileError::Corrupt { line: 1, detail: "the header has no valid version".into() }),
        }
        let header: Header = serde_json::from_value(value)
            .map_err(|e| GraphFileError::Corrupt { line: 1, detail: format!("the header is incomplete: {e}") })?;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&buf);
        Ok(Self {
            input,
            header,
            line: 1,
            crc,
            digest: Digest::default(),
            nodes: 0,
            relationships: 0,
            footer: None,
            buf,
        })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// What it reads from.
    pub fn input(&self) -> &R {
        &self.input
    }

    /// The footer, once reached and checked.
    pub fn footer(&self) -> Option<&Footer> {
        self.footer.as_ref()
    }

    fn corrupt(&self, detail: impl Into<String>) -> GraphFileError {
        GraphFileError::Corrupt { line: self.line, detail: detail.into() }
    }

    /// The next node or relationship; `Ok(None)` after a footer that matches everything read, with nothing after it.
    pub fn next_item(&mut self) -> Result<Option<Item>, GraphFileError> {
        if self.footer.is_some() {
            return Ok(None);
        }
        self.buf.clear();
        let n = read_line(&mut self.input, &mut self.buf).map_err(|e| read_error(e, self.line + 1))?;
        if n == 0 || !self.buf.ends_with(b"\n") {
            return Err(if self.buf.len() as u64 > MAX_LINE {
                self.corrupt("a line is impossibly long")
            } else {
                GraphFileError::Truncated
            });
        }
        self.line += 1;
        let record: RecordIn = match serde_json::from_slice(&self.buf) {
            Ok(r) => r,
            Err(e) => return Err(self.corrupt(format!("not a valid record: {e}"))),
        };
        match record {
            RecordIn::Header(_) => Err(self.corrupt("a second header")),
            RecordIn::Node(node) => {
                if self.relationships > 0 {
                    return Err(self.corrupt("a node after the relationships"));
                }
                self.crc.update(&self.buf);
                self.digest.add_node(&node);
                self.nodes += 1;
                Ok(Some(Item::Node(node)))
            }
            RecordIn::Relationship(rel) => {
                self.crc.update(&self.buf);
                self.digest.add_relationship(&rel);
                self.relationships += 1;
                Ok(Some(Item::Relationship(rel)))
            }
            RecordIn::Footer(footer) => {
                if (footer.nodes, footer.relationships) != (self.nodes, self.relationships) {
                    return Err(self.corrupt(format!(
                        "the footer counts {} nodes and {} relationships, the file holds {} and {}",
                        footer.nodes, footer.relationships, self.nodes, self.relationships
                    )));
                }
                let crc = format!("{:08x}", self.crc.clone().finalize());
                if footer.crc32 != crc || footer.digest != self.digest.hex() {
                    return Err(GraphFileError::ChecksumMismatch);
                }
                loop {
                    self.buf.clear();
                    let rest = read_line(&mut self.input, &mut self.buf).map_err(|e| read_error(e, self.line + 1))?;
                    if rest == 0 {
                        break;
                    }
                    if !self.buf.iter().all(u8::is_ascii_whitespace) {
                        return Err(self.corrupt("data after the footer"));
                    }
                }
                self.footer = Some(footer);
                Ok(None)
            }
        }
    }

    /// The length of the line just read, in bytes (for batching by size).
    pub fn last_line_len(&self) -> usize {
        self.buf.len()
    }
}

/// One line, at most [`MAX_LINE`] bytes (a longer one is returned cut, without its newline).
fn read_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut limited = input.by_ref().take(MAX_LINE + 1);
    limited.read_until(b'\n', buf)
}

#[cfg(test)]
mod tests {
    const GOLDEN_NODE: &str = "965d16d9e86ec9f6";
    const GOLDEN_BOTH: &str = "c09b33648fc1eacf";
    use super::*;
    use serde_json::json;

    fn node(id: i64, label: &str, name: &str) -> Node {
        let mut properties = Map::new();
        properties.insert("name".into(), json!({"$type": "String", "_value": name}));
        properties.insert("born".into(), json!({"$type": "Date", "_value": "1990-01-02"}));
        Node { id, labels: vec![label.into()], properties }
    }

    fn rel(id: i64, start: i64, end: i64) -> Relationship {
        let mut properties = Map::new();
        properties.insert("w".into(), json!({"$type": "Float", "_value": "0.5"}));
        Relationship { id, rel_type: "KNOWS".into(), start, end, properties }
    }

    /// The digest of a file must not change between versions of Lifeboat (a copy made today is checked by a later
    /// one): these are the values the first version of the format gave.
    #[test]
    fn the_digest_is_the_formats_own_and_stable_across_versions() {
        let mut d = Digest::default();
        let mut n = node(1, "Person", "Ada \"Countess\" Lovelace ✓");
        n.labels.push("Archived".into());
        n.properties.insert("scores".into(), json!({"$type": "List", "_value": [{"$type": "Float", "_value": "1.5"}, {"$type": "Integer", "_value": "-3"}]}));
        d.add_node(&n);
        assert_eq!(d.hex(), GOLDEN_NODE, "one node");
        d.add_relationship(&rel(7, 1, 1));
        assert_eq!(d.hex(), GOLDEN_BOTH, "and a relationship");
    }

    fn file(nodes: &[Node], rels: &[Relationship]) -> (Vec<u8>, Footer) {
        let mut w = GraphWriter::new(Vec::new(), &Header::new("a1b2c3d4", "Production")).unwrap();
        for n in nodes {
            w.node(n).unwrap();
        }
        for r in rels {
            w.relationship(r).unwrap();
        }
        w.finish().unwrap()
    }

    fn read_all(bytes: &[u8]) -> Result<(Vec<Item>, Footer), GraphFileError> {
        let mut r = GraphReader::open(bytes)?;
        let mut items = Vec::new();
        while let Some(item) = r.next_item()? {
            items.push(item);
        }
        Ok((items, r.footer().cloned().expect("footer after Ok(None)")))
    }

    #[test]
    fn a_written_file_reads_back_with_the_same_items_and_footer() {
        let nodes = [node(0, "Person", "Ada"), node(7, "Company", "Acme")];
        let rels = [rel(3, 0, 7)];
        let (bytes, footer) = file(&nodes, &rels);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text.lines().count(), 5);
        assert!(text.starts_with("{\"kind\":\"header\",\"format\":\"lifeboat-graph\",\"version\":1,"));
        assert!(text.lines().last().unwrap().starts_with("{\"kind\":\"footer\",\"nodes\":2,\"relationships\":1,"));
        let (items, read_footer) = read_all(&bytes).unwrap();
        assert_eq!(read_footer, footer);
        assert_eq!(
            items,
            [Item::Node(nodes[0].clone()), Item::Node(nodes[1].clone()), Item::Relationship(rels[0].clone())]
        );
        assert_eq!(footer.crc32.len(), 8);
        assert_eq!(footer.digest.len(), 16);
    }

    #[test]
    fn the_digest_ignores_ids_order_and_key_order_but_not_content() {
        let a = file(&[node(0, "Person", "Ada"), node(1, "Person", "Bob")], &[rel(0, 0, 1)]).1;
        let mut reordered = node(5, "Person", "Ada");
        let props: Vec<_> = reordered.properties.clone().into_iter().rev().collect();
        reordered.properties = props.into_iter().collect();
        let b = file(&[node(9, "Person", "Bob"), reordered], &[rel(42, 9, 5)]).1;
        assert_eq!(a.digest, b.digest, "same content, other ids and order");
        assert_ne!(a.crc32, b.crc32);
        let c = file(&[node(0, "Person", "Ada"), node(1, "Person", "Bobby")], &[rel(0, 0, 1)]).1;
        assert_ne!(a.digest, c.digest, "one changed property changes the digest");
        let d = file(&[node(0, "Person", "Ada"), node(1, "Person", "Bob")], &[]).1;
        assert_ne!(a.digest, d.digest);
    }

    #[test]
    fn damage_of_every_kind_is_told_apart() {
        let (bytes, _) = file(&[node(0, "Person", "Ada"), node(1, "Person", "Bob")], &[rel(0, 0, 1)]);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();

        // Cut anywhere before the end of the footer: incomplete.
        for cut in [bytes.len() - 1, bytes.len() - 30, lines[0].len() + 10] {
            assert!(matches!(read_all(&bytes[..cut]), Err(GraphFileError::Truncated)), "cut at {cut}");
        }
        // No footer at all.
        let no_footer = format!("{}\n", lines[..4].join("\n"));
        assert!(matches!(read_all(no_footer.as_bytes()), Err(GraphFileError::Truncated)));
        // A changed value keeps the structure but breaks the checksum.
        let tampered = text.replace("\"Ada\"", "\"Eve\"");
        assert!(matches!(read_all(tampered.as_bytes()), Err(GraphFileError::ChecksumMismatch)));
        // A newer version is named.
        let newer = text.replacen("\"version\":1", "\"version\":2", 1);
        assert!(matches!(read_all(newer.as_bytes()), Err(GraphFileError::UnsupportedVersion { found: 2 })));
        // Other files are not exports.
        for other in ["", "hello\n", "{\"kind\":\"header\",\"format\":\"other\",\"version\":1}\n"] {
            assert!(matches!(read_all(other.as_bytes()), Err(GraphFileError::NotAGraphExport)), "{other:?}");
        }
        // Structure: a node after a relationship, a line that is no record, data after the footer.
        let swapped = format!("{}\n{}\n{}\n{}\n{}\n", lines[0], lines[1], lines[3], lines[2], lines[4]);
        assert!(matches!(read_all(swapped.as_bytes()), Err(GraphFileError::Corrupt { line: 4, .. })));
        let junk = format!("{}\n{{\"kind\":\"node\"}}\n", lines[0]);
        assert!(matches!(read_all(junk.as_bytes()), Err(GraphFileError::Corrupt { line: 2, .. })));
        let trailing = format!("{text}{}\n", lines[1]);
        assert!(matches!(read_all(trailing.as_bytes()), Err(GraphFileError::Corrupt { .. })));
        // A footer that miscounts.
        let miscount = text.replace("\"nodes\":2,", "\"nodes\":3,");
        assert!(matches!(read_all(miscount.as_bytes()), Err(GraphFileError::Corrupt { line: 5, .. })));
    }

    #[test]
    fn a_node_after_a_relationship_is_refused_when_writing() {
        let mut w = GraphWriter::new(Vec::new(), &Header::new("i", "n")).unwrap();
        w.relationship(&rel(0, 0, 0)).unwrap();
        assert!(w.node(&node(1, "X", "x")).is_err());
    }
}
