//! A minimal Neo4j Query API v2 (`POST /query/{dbid}/db/{database}/query/v2`), enough to verify a restore and to
//! run Lifeboat's logical export and import.
//!
//! Real Aura serves this at `https://<dbid>.databases.neo4j.io/db/<database>/query/v2`; the emulator puts the
//! instance id in the path instead of the host name. It understands a handful of statements, matched
//! case- and whitespace-insensitively:
//!
//! - `RETURN <int> [AS x] [, …]`
//! - `MATCH (n) RETURN count(n|*) [AS x]`
//! - `MATCH ()-[r]->() RETURN count(r|*) [AS x]` (also `()-->()`)
//! - `CALL { <a count query> } CALL { … } RETURN a, b`
//!
//! - the export's keyset-paginated reads and the import's batched `UNWIND` writes, with their parameters (see
//!   [`crate::graph_query`]), against the instance's graph (see [`crate::graph`]).
//!
//! Anything else is a `Neo.ClientError.Statement.SyntaxError`. The count statements ignore parameters, and answer
//! `null` where the emulator doesn't know the counts (an instance loaded from an uploaded file whose store it
//! can't count: real Aura would count the real data; the emulator says it doesn't know). Answers are
//! plain JSON, or typed JSON when `Accept` asks for `application/vnd.neo4j.query`. Basic auth takes the instance's
//! admin credentials or those of a non-admin user added through the control API.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::distr::{Alphanumeric, SampleString};
use serde_json::{json, Value};

use crate::auth::basic_credentials;
use crate::model::{GraphCounts, InstanceStatus};
use crate::server::AppState;

pub(crate) fn query_error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (status, Json(json!({ "errors": [{ "code": code, "message": message.into() }] }))).into_response()
}

/// The media type of typed JSON (also with a version suffix, `….v1.1`).
const TYPED: &str = "application/vnd.neo4j.query";

fn asks_typed(headers: &HeaderMap, name: axum::http::HeaderName) -> bool {
    headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(TYPED))
}

/// A 202 with `data` and a fresh bookmark, in the media type asked for.
pub(crate) fn respond(data: impl serde::Serialize, typed: bool) -> Response {
    /// The answer, serialized straight into the body (never built as a JSON tree first: pages are large).
    #[derive(serde::Serialize)]
    struct Answer<D> {
        data: D,
        bookmarks: [String; 1],
    }
    let bookmark = format!("FB:{}", Alphanumeric.sample_string(&mut rand::rng(), 24));
    let mut response = (StatusCode::ACCEPTED, Json(Answer { data, bookmarks: [bookmark] })).into_response();
    if typed {
        response.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(TYPED));
    }
    response
}

/// `POST /query/{dbid}/db/{database}/query/v2`.
pub(crate) async fn run(
    State(app): State<AppState>,
    Path((dbid, database)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let found = app
        .read(|w, now| {
            Ok(w.instances.iter().find(|i| i.id == dbid).map(|i| {
                let mut users = vec![(i.db_user.clone(), i.db_password.clone())];
                users.extend(i.extra_users.iter().map(|u| (u.user.clone(), u.password.clone())));
                (i.status, users, i.counts_at(now))
            }))
        })
        .await;
    let Ok(Some((status, users, counts))) = found else {
        // Real Aura has no such host at all; a 404 is the closest an HTTP answer gets.
        return query_error(
            StatusCode::NOT_FOUND,
            "Neo.ClientError.Database.DatabaseNotFound",
            format!("No instance {dbid} exists"),
        );
    };
    if status != InstanceStatus::Running {
        return query_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Neo.TransientError.General.DatabaseUnavailable",
            format!("The database is unavailable (instance status: {})", status.as_str()),
        );
    }
    if basic_credentials(&headers).is_none_or(|creds| !users.contains(&creds)) {
        return query_error(
            StatusCode::UNAUTHORIZED,
            "Neo.ClientError.Security.Unauthorized",
            "The client is unauthorized due to authentication failure.",
        );
    }
    if database != "neo4j" {
        return query_error(
            StatusCode::NOT_FOUND,
            "Neo.ClientError.Database.DatabaseNotFound",
            format!("Graph not found: {database}"),
        );
    }
    let typed_in = asks_typed(&headers, axum::http::header::CONTENT_TYPE);
    let typed_out = asks_typed(&headers, axum::http::header::ACCEPT);
    let (statement, params) = match serde_json::from_slice::<Value>(&body) {
        // The parameters are taken out of the body, not copied: a batch of rows can be large.
        Ok(mut v) => match v.get("statement").and_then(Value::as_str).map(str::to_string) {
            Some(s) => (s, v.as_object_mut().and_then(|o| o.remove("parameters"))),
            None => {
                return query_error(
                    StatusCode::BAD_REQUEST,
                    "Neo.ClientError.Request.Invalid",
                    "The request body must contain a \"statement\" string",
                )
            }
        },
        Err(e) => {
            return query_error(
                StatusCode::BAD_REQUEST,
                "Neo.ClientError.Request.Invalid",
                format!("The request body is not valid JSON: {e}"),
            )
        }
    };
    if let Some(graph_statement) = crate::graph_query::recognise(&statement) {
        return crate::graph_query::run(&app, &dbid, graph_statement, params, typed_in, typed_out).await;
    }
    match evaluate(&statement, counts) {
        Ok((fields, row)) => {
            let row: Vec<Value> =
                if typed_out { row.iter().map(|v| crate::graph::Val::from_plain(v).to_typed()).collect() } else { row };
            respond(json!({ "fields": fields, "values": [row] }), typed_out)
        }
        Err(message) => query_error(StatusCode::BAD_REQUEST, "Neo.ClientError.Statement.SyntaxError", message),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Word(String),
    Int(i64),
    Sym(char),
}

pub(crate) fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c == '`' {
            let end = chars[i + 1..].iter().position(|&c| c == '`').ok_or("Unterminated `quoted` identifier")?;
            out.push(Tok::Word(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Tok::Int(text.parse().map_err(|_| format!("Integer too large: {text}"))?));
        } else if "(){}[],-><*:;$.=+".contains(c) {
            out.push(Tok::Sym(c));
            i += 1;
        } else {
            return Err(format!("Invalid input '{c}'"));
        }
    }
    Ok(out)
}

/// What a count sub-query counts.
#[derive(Clone, Copy)]
enum Counted {
    Nodes,
    Relationships,
}

struct Parser<'a> {
    toks: &'a [Tok],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn unsupported(&self) -> String {
        match self.peek() {
            Some(t) => format!("The emulator's Query API does not support this statement (at {t:?})"),
            None => "Unexpected end of statement".to_string(),
        }
    }

    fn keyword(&mut self, kw: &str) -> bool {
        match self.peek() {
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    fn sym(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, c: char) -> Result<(), String> {
        if self.sym(c) {
            Ok(())
        } else {
            Err(self.unsupported())
        }
    }

    fn ident(&mut self) -> Option<String> {
        match self.peek() {
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.pos += 1;
                Some(w)
            }
            _ => None,
        }
    }

    fn alias(&mut self) -> Result<Option<String>, String> {
        if self.keyword("as") {
            self.ident().map(Some).ok_or_else(|| self.unsupported())
        } else {
            Ok(None)
        }
    }

    /// `( [var] )`; labels and properties are not supported since the emulator has no per-label counts.
    fn node(&mut self) -> Result<(), String> {
        self.expect_sym('(')?;
        self.ident();
        self.expect_sym(')')
    }

    /// `MATCH pattern RETURN count(x) [AS alias]` → what is counted, and the column name.
    fn count_query(&mut self) -> Result<(Counted, String), String> {
        if !self.keyword("match") {
            return Err(self.unsupported());
        }
        self.node()?;
        let counted = if self.sym('-') {
            if self.sym('[') {
                self.ident();
                self.expect_sym(']')?;
            }
            self.expect_sym('-')?;
            self.expect_sym('>')?;
            self.node()?;
            Counted::Relationships
        } else {
            Counted::Nodes
        };
        if !self.keyword("return") || !self.keyword("count") {
            return Err(self.unsupported());
        }
        self.expect_sym('(')?;
        let arg = if self.sym('*') { "*".to_string() } else { self.ident().ok_or_else(|| self.unsupported())? };
        self.expect_sym(')')?;
        let name = self.alias()?.unwrap_or(format!("count({arg})"));
        Ok((counted, name))
    }
}

/// Evaluates a supported statement against the instance's counts: the column names and the single row.
fn evaluate(statement: &str, counts: GraphCounts) -> Result<(Vec<String>, Vec<Value>), String> {
    let toks = tokenize(statement)?;
    let toks = toks.strip_suffix(&[Tok::Sym(';')]).unwrap_or(&toks);
    let mut p = Parser { toks, pos: 0 };
    // Counts the emulator doesn't know (data loaded from a file it can't read) are `null`, never a guess.
    let value = |c: Counted| match c {
        _ if !counts.is_known() => Value::Null,
        Counted::Nodes => json!(counts.nodes),
        Counted::Relationships => json!(counts.relationships),
    };
    let mut bound: Vec<(String, Value)> = Vec::new();
    while p.keyword("call") {
        p.expect_sym('{')?;
        let (counted, name) = p.count_query()?;
        p.expect_sym('}')?;
        bound.push((name, value(counted)));
    }
    let mut fields = Vec::new();
    let mut row = Vec::new();
    if bound.is_empty() && matches!(p.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("match")) {
        let (counted, name) = p.count_query()?;
        fields.push(name);
        row.push(value(counted));
    } else {
        if !p.keyword("return") {
            return Err(p.unsupported());
        }
        loop {
            let negative = p.sym('-');
            let (text, v) = match p.peek().cloned() {
                Some(Tok::Int(n)) => {
                    p.pos += 1;
                    let n = if negative { -n } else { n };
                    (n.to_string(), json!(n))
                }
                Some(Tok::Word(w)) if !negative => {
                    p.pos += 1;
                    let v = bound.iter().find(|(name, _)| *name == w).map(|(_, v)| v.clone());
                    (w.clone(), v.ok_or_else(|| format!("Variable `{w}` not defined"))?)
                }
                _ => return Err(p.unsupported()),
            };
            fields.push(p.alias()?.unwrap_or(text));
            row.push(v);
            if !p.sym(',') {
                break;
            }
        }
    }
    if p.pos != toks.len() {
        return Err(p.unsupported());
    }
    Ok((fields, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTS: GraphCounts = GraphCounts::new(12345, 67890);

    fn eval(s: &str) -> (Vec<String>, Vec<Value>) {
        evaluate(s, COUNTS).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn literal_returns() {
        assert_eq!(eval("RETURN 1"), (vec!["1".to_string()], vec![json!(1)]));
        assert_eq!(eval("return 42 as answer;"), (vec!["answer".to_string()], vec![json!(42)]));
        assert_eq!(eval("RETURN 1 AS a, -2 AS b").1, vec![json!(1), json!(-2)]);
    }

    #[test]
    fn counts() {
        assert_eq!(eval("MATCH (n) RETURN count(n)"), (vec!["count(n)".to_string()], vec![json!(12345)]));
        assert_eq!(eval("match ( n )\n return COUNT( * ) AS c").1, vec![json!(12345)]);
        assert_eq!(eval("MATCH ()-[r]->() RETURN count(r) AS rels").1, vec![json!(67890)]);
        assert_eq!(eval("MATCH ()-->() RETURN count(*)").1, vec![json!(67890)]);
    }

    #[test]
    fn combined_verification_query() {
        let q = "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS rels } \
                 RETURN nodes, rels";
        assert_eq!(eval(q), (vec!["nodes".to_string(), "rels".to_string()], vec![json!(12345), json!(67890)]));
        let squashed =
            "CALL{MATCH(n)RETURN count(n)AS nodes}CALL{MATCH()-[r]->()RETURN count(r)AS rels}RETURN nodes,rels";
        assert_eq!(eval(squashed).1, vec![json!(12345), json!(67890)]);
    }

    #[test]
    fn counts_not_known_are_null() {
        let q = "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS rels } \
                 RETURN nodes, rels";
        assert_eq!(evaluate(q, GraphCounts::UNKNOWN).expect("ok").1, vec![Value::Null, Value::Null]);
        assert_eq!(evaluate("RETURN 1", GraphCounts::UNKNOWN).expect("ok").1, vec![json!(1)]);
    }

    #[test]
    fn unsupported_statements_are_syntax_errors() {
        for s in ["", "MATCH (n:Person) RETURN count(n)", "RETURN 'x'", "RETURN nodes", "RETURN 1 RETURN 2", "DROP"] {
            assert!(evaluate(s, COUNTS).is_err(), "{s}");
        }
    }
}
