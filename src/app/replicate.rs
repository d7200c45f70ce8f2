//! Live replication with a CouchDB database (issue 20): push the tablet's changes, pull the
//! server's, settle revision conflicts with the app's merge. Written over the store traits and
//! [`CouchApi`], tested natively against [`crate::store::couch::MemoryCouch`] with the
//! connection cut at every call (`tests/replicate.rs`); the browser's client over `fetch`
//! is the next step (docs/replication.md).
//!
//! Every step can be cut and run again: a revision is the same for the same record on the
//! same parent, merging is idempotent, and a checkpoint is written on both sides only after
//! its batch is stored on both — a pass cut anywhere resumes, losing and duplicating nothing.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::clock::Stamp;
use crate::domain::couch::{doc_id, from_doc, missing_from_revs_diff, next_rev, pull_progress, rev_hash, rev_pos, short_hash, parse_doc_id, push_doc, replication_id, resolve, resume_from, rev_of, Checkpoint, Direction, DocProblem};
use crate::domain::merge::merge;
use crate::domain::record::{Record, RecordKind};
use crate::store::couch::{CouchApi, CouchError, ReplicaStore};
use crate::store::{RecordStore, StoreError};

/// Records per batch, each way.
pub const BATCH: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplicateError {
    #[error(transparent)]
    Couch(#[from] CouchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassReport {
    pub pushed: usize,
    /// Records written here from the server (new, or merged with what was here).
    pub pulled: usize,
    /// Documents whose conflicting revisions were settled.
    pub settled: usize,
    /// Documents from the server not taken, with why (checked as strictly as a file).
    pub refused: Vec<(String, DocProblem)>,
    /// The records the pull wrote here, as stored: the live cache applies exactly these.
    pub written: Vec<Record>,
    /// Where the pull stopped: a continuous sync waits for changes after it.
    pub last_seq: Value,
}

/// How far a pass has come, for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Pushing { done: usize, of: usize },
    /// From the position against the database's `update_seq`, when the server's sequences
    /// say it.
    Pulling { percent: Option<u8> },
}

/// One pass: push, then pull. `now` bounds the stamps taken from the server.
pub async fn pass<S: RecordStore + ReplicaStore, C: CouchApi>(store: &S, couch: &C, device: Uuid, url: &str, now: chrono::DateTime<chrono::Utc>) -> Result<PassReport, ReplicateError> {
    pass_showing(store, couch, device, url, now, &|_| {}).await
}

/// [`pass`], telling `progress` after every batch.
pub async fn pass_showing<S: RecordStore + ReplicaStore, C: CouchApi>(
    store: &S,
    couch: &C,
    device: Uuid,
    url: &str,
    now: chrono::DateTime<chrono::Utc>,
    progress: &dyn Fn(Progress),
) -> Result<PassReport, ReplicateError> {
    let mut report = PassReport { pushed: push_showing(store, couch, device, url, progress).await?, ..PassReport::default() };
    pull(store, couch, device, url, now, &mut report, progress).await?;
    // What a pull merged here (local edits the server had not seen) goes up at once.
    report.pushed += push_showing(store, couch, device, url, progress).await?;
    Ok(report)
}

/// The stamp the push has reached: what is written after it is waiting to go up.
pub async fn pushed_until<S: ReplicaStore>(store: &S, device: Uuid, url: &str) -> Result<Option<Stamp>, StoreError> {
    let checkpoint = store.load_checkpoint(&replication_id(device, url, Direction::Push)).await?;
    Ok(checkpoint.and_then(|c| c.last_seq.as_str().and_then(|s| s.parse::<Stamp>().ok())))
}

async fn checkpoints<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, id: &str) -> Result<Value, ReplicateError> {
    let local = store.load_checkpoint(id).await?;
    let remote = couch.get_local(id).await?;
    Ok(resume_from(local.as_ref(), remote.as_ref()))
}

async fn checkpoint<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, id: &str, last_seq: Value) -> Result<(), ReplicateError> {
    // The server's first: a local checkpoint ahead of the server's would be trusted alone.
    let checkpoint = Checkpoint { last_seq, session_id: id.to_owned() };
    couch.put_local(id, &checkpoint).await?;
    store.save_checkpoint(id, &checkpoint).await?;
    Ok(())
}

/// The tablet's changes after the push checkpoint, a batch at a time.
pub async fn push<S: RecordStore + ReplicaStore, C: CouchApi>(store: &S, couch: &C, device: Uuid, url: &str) -> Result<usize, ReplicateError> {
    push_showing(store, couch, device, url, &|_| {}).await
}

async fn push_showing<S: RecordStore + ReplicaStore, C: CouchApi>(store: &S, couch: &C, device: Uuid, url: &str, progress: &dyn Fn(Progress)) -> Result<usize, ReplicateError> {
    let id = replication_id(device, url, Direction::Push);
    let since = checkpoints(store, couch, &id).await?.as_str().and_then(|s| s.parse::<Stamp>().ok());
    let mut changed: Vec<Record> = Vec::new();
    for kind in RecordKind::ALL {
        changed.extend(store.changed_since(kind, since).await?);
    }
    changed.sort_by_key(|r| r.updated_at);
    let mut pushed = 0;
    for (n, batch) in changed.chunks(BATCH).enumerate() {
        progress(Progress::Pushing { done: n * BATCH, of: changed.len() });
        let ids: Vec<String> = batch.iter().map(|r| doc_id(r.kind, r.id)).collect();
        let known = store.known_revs(&ids).await?;
        let mut docs = Vec::new();
        let mut revs = Vec::new();
        for ((record, doc_id), parent) in batch.iter().zip(&ids).zip(&known) {
            let (rev, _) = next_rev(record, parent.as_deref());
            // The server already holds this very record (it came from there).
            if parent.as_deref().is_some_and(|p| rev_hash(p) == rev_hash(&rev)) {
                continue;
            }
            docs.push(push_doc(record, parent.as_deref()));
            revs.push((doc_id.clone(), rev));
        }
        if !docs.is_empty() {
            // Only what the server lacks (a batch retried after a cut sends nothing twice).
            let mut ask = serde_json::Map::new();
            for (doc_id, rev) in &revs {
                ask.insert(doc_id.clone(), json!([rev]));
            }
            let missing: std::collections::HashSet<(String, String)> = missing_from_revs_diff(&couch.revs_diff(&Value::Object(ask)).await?).into_iter().collect();
            let docs: Vec<Value> = docs.into_iter().zip(&revs).filter(|(_, key)| missing.contains(*key)).map(|(doc, _)| doc).collect();
            if !docs.is_empty() {
                couch.bulk_docs(&docs).await?;
            }
            store.remember_revs(&revs).await?;
            pushed += docs.len();
        }
        let last = batch.last().map(|r| r.updated_at.to_string()).unwrap_or_default();
        checkpoint(store, couch, &id, Value::String(last)).await?;
    }
    Ok(pushed)
}

/// A deletion of a losing leaf, on that leaf: deterministic like every revision written.
fn deletion(doc_id: &str, loser: &str) -> Value {
    let hash = short_hash(format!("deleted {loser}").as_bytes());
    let pos = rev_pos(loser) + 1;
    json!({ "_id": doc_id, "_rev": format!("{pos}-{hash}"), "_deleted": true, "_revisions": { "start": pos, "ids": [hash, rev_hash(loser)] } })
}

/// The server's changes after the pull checkpoint, a batch at a time.
async fn pull<S: RecordStore + ReplicaStore, C: CouchApi>(
    store: &S,
    couch: &C,
    device: Uuid,
    url: &str,
    now: chrono::DateTime<chrono::Utc>,
    report: &mut PassReport,
    progress: &dyn Fn(Progress),
) -> Result<(), ReplicateError> {
    let id = replication_id(device, url, Direction::Pull);
    let mut since = checkpoints(store, couch, &id).await?;
    let update_seq = couch.update_seq().await?;
    loop {
        report.last_seq = since.clone();
        progress(Progress::Pulling { percent: pull_progress(&since, &update_seq) });
        let changes = couch.changes(&since, BATCH).await?;
        if changes.results.is_empty() {
            break;
        }
        let records: Vec<_> = changes.results.iter().filter(|c| parse_doc_id(&c.id).is_some()).collect();
        let ids: Vec<String> = records.iter().map(|c| c.id.clone()).collect();
        let known = store.known_revs(&ids).await?;
        // Settled conflicts first (each pushes its result); then the rest in one `_bulk_get`.
        let mut incoming: BTreeMap<String, (Record, String)> = BTreeMap::new();
        let mut wanted = Vec::new();
        for (change, known) in records.iter().zip(&known) {
            if change.changes.len() > 1 {
                let leaves = couch.leaves(&change.id).await?;
                let mut read = Vec::new();
                for leaf in &leaves {
                    match (rev_of(leaf), from_doc(leaf, now)) {
                        (Some(rev), Ok(record)) => read.push((rev.to_owned(), record)),
                        (_, Err(problem)) => report.refused.push((change.id.clone(), problem)),
                        (None, Ok(_)) => {}
                    }
                }
                if let Some(settled) = resolve(&read) {
                    let mut docs = vec![push_doc(&settled.merged, Some(&settled.write_on))];
                    docs.extend(settled.delete.iter().map(|loser| deletion(&change.id, loser)));
                    couch.bulk_docs(&docs).await?;
                    let (rev, _) = next_rev(&settled.merged, Some(&settled.write_on));
                    incoming.insert(change.id.clone(), (settled.merged, rev));
                    report.settled += 1;
                } else if let Some((rev, record)) = read.into_iter().next() {
                    incoming.insert(change.id.clone(), (record, rev));
                }
                continue;
            }
            let Some(rev) = change.changes.first().map(|c| c.rev.clone()) else { continue };
            if known.as_deref() != Some(rev.as_str()) {
                wanted.push((change.id.clone(), rev));
            }
        }
        if !wanted.is_empty() {
            for doc in couch.bulk_get(&wanted).await? {
                let Some(doc_id) = doc.get("_id").and_then(Value::as_str).map(str::to_owned) else { continue };
                match (rev_of(&doc).map(str::to_owned), from_doc(&doc, now)) {
                    (Some(rev), Ok(record)) => {
                        incoming.insert(doc_id, (record, rev));
                    }
                    // A losing leaf deleted by a settled conflict is not a record.
                    (_, Err(DocProblem::CouchDeleted)) => {}
                    (_, Err(problem)) => report.refused.push((doc_id, problem)),
                    (None, Ok(_)) => {}
                }
            }
        }
        let written = apply(store, &incoming).await?;
        report.pulled += written.len();
        report.written.extend(written);
        let revs: Vec<(String, String)> = incoming.iter().map(|(id, (_, rev))| (id.clone(), rev.clone())).collect();
        store.remember_revs(&revs).await?;
        checkpoint(store, couch, &id, changes.last_seq.clone()).await?;
        since = changes.last_seq;
        report.last_seq = since.clone();
        if changes.pending == Some(0) {
            break;
        }
    }
    Ok(())
}

/// Merges what came from the server with what the tablet holds, in one write.
async fn apply<S: RecordStore>(store: &S, incoming: &BTreeMap<String, (Record, String)>) -> Result<Vec<Record>, ReplicateError> {
    let keys: Vec<(RecordKind, Uuid)> = incoming.values().map(|(r, _)| (r.kind, r.id)).collect();
    let stored = store.get_many(&keys).await?;
    let mut writes = Vec::new();
    for ((record, _), stored) in incoming.values().zip(stored) {
        let merged = match &stored {
            Some(s) => merge(s, record),
            None => record.clone(),
        };
        if stored.as_ref() != Some(&merged) {
            writes.push(merged);
        }
    }
    if !writes.is_empty() {
        store.put_many(&writes).await?;
    }
    Ok(writes)
}
