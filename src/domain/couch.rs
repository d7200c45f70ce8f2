//! Records as CouchDB documents (issue 20, live replication), designed so the app's merge
//! stays the truth:
//!
//! - One document per record, `_id` `<kind>:<record id>` (e.g. `ticket:0190…`), the record
//!   nested under `record` so none of its fields can meet CouchDB's own `_` fields.
//! - A revision conflict (two tablets wrote the same record between replications) is
//!   resolved by merging every leaf's record with [`super::merge::merge`] — commutative and
//!   associative, so the result does not depend on which device resolves it or in which
//!   order the leaves come. The merged document is written on the winning leaf (CouchDB's
//!   own rule: the longest revision path, then the highest revision id) and the other leaves
//!   are deleted; with CouchDB's deterministic revision ids two devices resolving the same
//!   conflict write the same revision.
//! - A deletion is the app's tombstone inside the record; a CouchDB `_deleted` document is
//!   never read as a record (it would win over a live edit), only as a leaf to ignore.
//! - What comes from the server is read as strictly as a file: typed, ids canonical, texts
//!   within limits, no stamp more than the skew margin ahead.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use super::export::RecordProblemKind;
use super::record::{Record, RecordKind};

/// The `_id` of a record's document.
pub fn doc_id(kind: RecordKind, id: Uuid) -> String {
    format!("{}:{id}", kind_name(kind))
}

fn kind_name(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Ticket => "ticket",
        RecordKind::TicketEvent => "ticket_event",
        RecordKind::DrillPlan => "drill_plan",
        RecordKind::DrillRun => "drill_run",
        RecordKind::Improvement => "improvement",
    }
}

/// The record a document `_id` names; `None` for any other document (design documents,
/// `_local` checkpoints, ids in another spelling).
pub fn parse_doc_id(text: &str) -> Option<(RecordKind, Uuid)> {
    let (kind, id) = text.split_once(':')?;
    let kind = RecordKind::ALL.into_iter().find(|k| kind_name(*k) == kind)?;
    let id = Uuid::try_parse(id).ok().filter(|u| u.hyphenated().to_string() == id)?;
    Some((kind, id))
}

/// The document for a record, at revision `rev` when it replaces one.
pub fn to_doc(record: &Record, rev: Option<&str>) -> Value {
    let mut doc = json!({ "_id": doc_id(record.kind, record.id), "record": record });
    if let Some(rev) = rev {
        doc["_rev"] = Value::String(rev.to_owned());
    }
    doc
}

/// The revision a tablet writes a record's document at, as a child of `parent` (the last
/// server revision it knows; `None` for a record the server has never had): `(n + 1)-H`, `H`
/// the first 32 hex digits of SHA-256 over the record's JSON, and the `_revisions` that
/// tells CouchDB (with `new_edits: false`) where it hangs. The same record on the same parent
/// gives the same revision on every tablet, so a conflict settled twice is settled once.
pub fn next_rev(record: &Record, parent: Option<&str>) -> (String, Value) {
    rev_of_json(&serde_json::to_string(record).unwrap_or_default(), parent)
}

/// [`next_rev`] from the record's JSON.
fn rev_of_json(record_json: &str, parent: Option<&str>) -> (String, Value) {
    let hash = short_hash(record_json.as_bytes());
    let (n, parent_hash) = match parent {
        Some(p) => (rev_pos(p), Some(rev_hash(p).to_owned())),
        None => (0, None),
    };
    let ids: Vec<Value> = std::iter::once(Value::String(hash.clone())).chain(parent_hash.map(Value::String)).collect();
    (format!("{}-{hash}", n + 1), json!({ "start": n + 1, "ids": ids }))
}

/// A record's document as the tablet pushes it (`new_edits: false`): at [`next_rev`] on
/// `parent`.
pub fn push_doc(record: &Record, parent: Option<&str>) -> Value {
    let (rev, revisions) = next_rev(record, parent);
    let mut doc = to_doc(record, Some(&rev));
    doc["_revisions"] = revisions;
    doc
}

/// [`push_doc`] written as JSON, with its revision: the record is written once, for its
/// revision's hash and into the document (a first push of 10,000 tickets spent 2 s of the
/// tablet's time building and dropping documents as trees).
pub fn push_doc_json(record: &Record, parent: Option<&str>) -> (String, String) {
    let record_json = serde_json::to_string(record).unwrap_or_default();
    let (rev, revisions) = rev_of_json(&record_json, parent);
    let id = Value::String(doc_id(record.kind, record.id));
    let doc = format!(r#"{{"_id":{id},"_rev":"{rev}","_revisions":{revisions},"record":{record_json}}}"#);
    (rev, doc)
}

/// Why a document from the server is not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocProblem {
    /// Not a record's document (a design document, something else in the database).
    NotARecord,
    /// CouchDB's own deletion: the app's deletions are tombstones inside the record.
    CouchDeleted,
    /// The `_id` and the record inside name different records.
    IdMismatch,
    /// The record inside does not pass the import's checks: (path, problem).
    Invalid(Vec<(String, RecordProblemKind)>),
    /// A photo's document that is not a photo the app would store.
    Photo(PhotoProblem),
}

/// A document's revision (`_rev`).
pub fn rev_of(doc: &Value) -> Option<&str> {
    doc.get("_rev").and_then(Value::as_str)
}

/// The record a document from the server holds, checked as strictly as an imported file's.
pub fn from_doc(doc: &Value, now: DateTime<Utc>) -> Result<Record, DocProblem> {
    let id = doc.get("_id").and_then(Value::as_str).ok_or(DocProblem::NotARecord)?;
    let (kind, record_id) = parse_doc_id(id).ok_or(DocProblem::NotARecord)?;
    if doc.get("_deleted").and_then(Value::as_bool) == Some(true) {
        return Err(DocProblem::CouchDeleted);
    }
    let raw = doc.get("record").ok_or_else(|| DocProblem::Invalid(vec![("record".into(), RecordProblemKind::MissingField("record".into()))]))?;
    let record = super::export::check_one_record(raw, "record", now).map_err(DocProblem::Invalid)?;
    if (record.kind, record.id) != (kind, record_id) {
        return Err(DocProblem::IdMismatch);
    }
    Ok(record)
}

/// A revision's position, the `N` of `N-hash`.
pub fn rev_pos(rev: &str) -> u64 {
    rev.split_once('-').and_then(|(n, _)| n.parse().ok()).unwrap_or(0)
}

/// A revision's hash, the `hash` of `N-hash`.
pub fn rev_hash(rev: &str) -> &str {
    rev.split_once('-').map_or(rev, |(_, h)| h)
}

/// The first 32 hex digits of SHA-256: revision hashes and replication ids.
pub fn short_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// A revision id `N-hash` as CouchDB orders them: by `N`, then by the hash as text.
pub fn compare_revs(a: &str, b: &str) -> Ordering {
    (rev_pos(a), rev_hash(a)).cmp(&(rev_pos(b), rev_hash(b)))
}

/// How to settle a document's conflicting leaves.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// Every leaf's record merged.
    pub merged: Record,
    /// The leaf the merged document is written on (CouchDB's winner).
    pub write_on: String,
    /// The other leaves, to be deleted.
    pub delete: Vec<String>,
}

/// Settles the live leaves of one document: `(revision, record)` pairs, in any order.
/// `None` when there is nothing to settle (fewer than two leaves).
pub fn resolve(leaves: &[(String, Record)]) -> Option<Resolution> {
    if leaves.len() < 2 {
        return None;
    }
    let write_on = leaves.iter().map(|(rev, _)| rev).max_by(|a, b| compare_revs(a, b))?.clone();
    // Folded in revision order: any order gives the same record, this one is just fixed.
    let mut sorted: Vec<&(String, Record)> = leaves.iter().collect();
    sorted.sort_by(|a, b| compare_revs(&a.0, &b.0));
    let mut merged = sorted[0].1.clone();
    for (_, record) in &sorted[1..] {
        merged = super::merge::merge(&merged, record);
    }
    let mut delete: Vec<String> = leaves.iter().map(|(rev, _)| rev.clone()).filter(|rev| *rev != write_on).collect();
    delete.sort_by(|a, b| compare_revs(a, b));
    Some(Resolution { merged, write_on, delete })
}

/// The replication's id, the name of its checkpoint (`_local/<id>`) on both sides: the same
/// for the same tablet, database and direction, whatever credentials were used.
pub fn replication_id(device: Uuid, server_db_url: &str, direction: Direction) -> String {
    let without_credentials = match server_db_url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.rsplit_once('@').map_or(rest, |(_, host)| host)),
        None => server_db_url.to_owned(),
    };
    short_hash(format!("patroldesk-replication-v1\n{device}\n{}\n{direction:?}", without_credentials.trim_end_matches('/')).as_bytes())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Tablet to server.
    Push,
    /// Server to tablet.
    Pull,
}

/// The checkpoint kept in `_local/<replication id>` on both sides after every batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last sequence handled (opaque to the replicator: CouchDB's is a string, others'
    /// a number).
    pub last_seq: Value,
    /// Which run wrote it: a checkpoint on one side only from another run is not trusted.
    pub session_id: String,
}

/// The sequence to resume from: the checkpoint's when both sides hold the same, else the
/// start (everything is compared again; nothing is lost, only time).
pub fn resume_from(local: Option<&Checkpoint>, remote: Option<&Checkpoint>) -> Value {
    match (local, remote) {
        (Some(l), Some(r)) if l == r => l.last_seq.clone(),
        _ => Value::from(0),
    }
}

/// One row of `_changes?style=all_docs`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Change {
    pub seq: Value,
    pub id: String,
    pub changes: Vec<ChangeRev>,
    #[serde(default)]
    pub deleted: bool,
    /// The winning revision's body, when asked for (`include_docs=true`).
    #[serde(default)]
    pub doc: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChangeRev {
    pub rev: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChangesResponse {
    pub results: Vec<Change>,
    pub last_seq: Value,
    #[serde(default)]
    pub pending: Option<u64>,
}

/// The `_revs_diff` request for a batch of changes: every revision of every record document
/// (others are not replicated).
pub fn revs_diff_request(changes: &[Change]) -> Value {
    let mut map = serde_json::Map::new();
    for change in changes.iter().filter(|c| parse_doc_id(&c.id).is_some()) {
        let revs: Vec<Value> = change.changes.iter().map(|c| Value::String(c.rev.clone())).collect();
        map.insert(change.id.clone(), Value::Array(revs));
    }
    Value::Object(map)
}

/// The `(id, rev)` pairs `_revs_diff` says the other side is missing, in a fixed order.
pub fn missing_from_revs_diff(response: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = response
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(id, v)| v.get("missing").and_then(Value::as_array).into_iter().flatten().filter_map(|r| Some((id.clone(), r.as_str()?.to_owned()))))
        .collect();
    out.sort();
    out
}

/// A photo's document: `photo:<sha256>`, the image as its one attachment. Photos never
/// change (their id is their content), so every tablet writes the same revision.
pub fn photo_doc_id(sha256: &str) -> String {
    format!("photo:{sha256}")
}

/// The one revision of a photo's document.
pub fn photo_rev(sha256: &str) -> String {
    format!("1-{}", short_hash(format!("photo {sha256}").as_bytes()))
}

/// A photo's document as pushed (`new_edits: false`), the bytes inline in base64.
pub fn photo_doc(sha256: &str, mime: &str, bytes: &[u8]) -> Value {
    use base64::Engine;
    let rev = photo_rev(sha256);
    json!({
        "_id": photo_doc_id(sha256),
        "_rev": rev,
        "_revisions": { "start": 1, "ids": [rev_hash(&rev)] },
        "photo": { "sha256": sha256, "type": mime },
        "_attachments": { "photo": { "content_type": mime, "data": base64::engine::general_purpose::STANDARD.encode(bytes) } },
    })
}

/// Why a photo's document from the server is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoProblem {
    NotAPhoto,
    /// Not an image type the app stores.
    Type,
    TooLarge,
    /// The bytes are not the photo the id names.
    Checksum,
}

/// The photo a document from the server holds (`?attachments=true`), checked like a file's:
/// `(sha256, type, bytes)`.
pub fn photo_from_doc(doc: &Value) -> Result<(String, String, Vec<u8>), PhotoProblem> {
    use base64::Engine;
    use super::export::checks::{MAX_PHOTO_BYTES, PHOTO_TYPES};
    let sha = doc.get("_id").and_then(Value::as_str).and_then(|id| id.strip_prefix("photo:")).ok_or(PhotoProblem::NotAPhoto)?;
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(PhotoProblem::NotAPhoto);
    }
    let attachment = doc.get("_attachments").and_then(|a| a.get("photo")).ok_or(PhotoProblem::NotAPhoto)?;
    let mime = attachment.get("content_type").and_then(Value::as_str).ok_or(PhotoProblem::Type)?;
    if !PHOTO_TYPES.contains(&mime) {
        return Err(PhotoProblem::Type);
    }
    let data = attachment.get("data").and_then(Value::as_str).ok_or(PhotoProblem::NotAPhoto)?;
    if data.len() > MAX_PHOTO_BYTES / 3 * 4 + 4 {
        return Err(PhotoProblem::TooLarge);
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|_| PhotoProblem::NotAPhoto)?;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoProblem::TooLarge);
    }
    if super::export::sha256_hex(&bytes) != sha {
        return Err(PhotoProblem::Checksum);
    }
    Ok((sha.to_owned(), mime.to_owned(), bytes))
}

/// How the tablet signs in to the server. Either way the secret is kept sealed with residents'
/// data, never exported, never logged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouchAuth {
    /// CouchDB's cookie session: the account and password are sent once to `_session`, the
    /// requests after carry only the `AuthSession` cookie (no account: a proxy in front signs in).
    #[default]
    Session,
    /// A JWT issued by the company (CouchDB's `jwt_authentication_handler`), sent as `Bearer`.
    Jwt,
}

/// Where a tablet replicates: one site database and the account it signs in with. Kept
/// sealed with residents' data; never exported, never logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouchConfig {
    /// The site database, e.g. `/couch/patroldesk-dh01` behind the app's own origin (the
    /// app's CSP allows no other), or `https://couch.example.com/patroldesk-dh01` when the
    /// app is built to allow that origin.
    pub url: String,
    #[serde(default)]
    pub auth: CouchAuth,
    #[serde(default)]
    pub user: String,
    /// The password of a cookie session, or the JWT.
    #[serde(default)]
    pub password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigProblem {
    /// Not `http(s)://host/database`.
    Url,
    TooLong,
    /// A JWT is three base64url parts joined by dots.
    Token,
}

pub const CONFIG_TEXT_MAX: usize = 300;
/// A company's JWT with a few roles fits well within this.
pub const TOKEN_MAX: usize = 4096;

impl CouchConfig {
    pub fn check(&self) -> Result<(), ConfigProblem> {
        let secret_max = if self.auth == CouchAuth::Jwt { TOKEN_MAX } else { CONFIG_TEXT_MAX };
        if [&self.url, &self.user].iter().any(|t| t.chars().count() > CONFIG_TEXT_MAX) || self.password.chars().count() > secret_max {
            return Err(ConfigProblem::TooLong);
        }
        // The same origin's proxy (README: `/couch/<database>`) or a server of its own.
        let rest = match self.url.strip_prefix('/') {
            Some(path) => format!("self/{}", path.strip_prefix("couch/").ok_or(ConfigProblem::Url)?),
            None => self.url.strip_prefix("https://").or_else(|| self.url.strip_prefix("http://")).ok_or(ConfigProblem::Url)?.to_owned(),
        };
        let (host, db) = rest.split_once('/').ok_or(ConfigProblem::Url)?;
        let db = db.trim_end_matches('/');
        if host.is_empty() || host.contains('@') || db.is_empty() || db.contains('/') || !db.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(ConfigProblem::Url);
        }
        if self.auth == CouchAuth::Jwt {
            let parts: Vec<&str> = self.password.split('.').collect();
            let base64url = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if parts.len() != 3 || !parts.iter().all(|p| base64url(p)) {
                return Err(ConfigProblem::Token);
            }
        }
        Ok(())
    }

    /// The database's address without a trailing slash.
    pub fn database(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    /// The server the database is on: where `_session` is.
    pub fn server(&self) -> &str {
        let db = self.database();
        db.rsplit_once('/').map_or(db, |(server, _)| server)
    }

    /// The `authorization` header of every request: the JWT, or none with a cookie session.
    pub fn authorization(&self) -> Option<String> {
        (self.auth == CouchAuth::Jwt).then(|| format!("Bearer {}", self.password))
    }

    /// Whether a cookie session has to be opened before replicating.
    pub fn needs_session(&self) -> bool {
        self.auth == CouchAuth::Session && !self.user.is_empty()
    }
}

/// The wait before the n-th retry (0-based) after the server did not answer: 2 s doubling up
/// to 5 minutes, so a tablet in a basement does not drain its battery knocking.
pub fn retry_delay_ms(attempt: u32) -> u32 {
    const FIRST: u32 = 2_000;
    const MOST: u32 = 300_000;
    FIRST.saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX)).min(MOST)
}

/// The number a sequence starts with: CouchDB 3's are `"N-opaque"`, PouchDB's plain numbers.
pub fn seq_number(seq: &Value) -> Option<u64> {
    match seq {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.split('-').next()?.parse().ok(),
        _ => None,
    }
}

/// How far a pull has come, in percent, from its position and the database's `update_seq`.
pub fn pull_progress(since: &Value, update_seq: &Value) -> Option<u8> {
    let (at, end) = (seq_number(since)?, seq_number(update_seq)?);
    if end == 0 {
        return Some(100);
    }
    Some(((at.min(end) * 100) / end) as u8)
}
