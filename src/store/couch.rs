//! What the replicator needs of a CouchDB database (issue 20), declared once: the browser's
//! client over `fetch` implements it against a real server; [`MemoryCouch`] implements the
//! same protocol in memory for native tests, with a cut connection at any call.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::domain::couch::{compare_revs, rev_hash, rev_pos, Change, ChangeRev, ChangesResponse, Checkpoint};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CouchError {
    /// No answer (no network, the server down, a connection cut): retried later.
    #[error("offline")]
    Offline,
    /// The server answered no, with its reason (a validation message, 401, 403).
    #[error("refused: {0}")]
    Refused(String),
}

/// The CouchDB replication protocol's calls on one database.
#[allow(async_fn_in_trait)]
pub trait CouchApi {
    /// `_changes?style=all_docs&since=…&limit=…`, with each winning revision's body when
    /// `with_docs` (`include_docs=true`).
    async fn changes(&self, since: &Value, limit: usize, with_docs: bool) -> Result<ChangesResponse, CouchError>;
    /// `_revs_diff`.
    async fn revs_diff(&self, request: &Value) -> Result<Value, CouchError>;
    /// `_bulk_get` of `(id, rev)` pairs: the documents found.
    async fn bulk_get(&self, wanted: &[(String, String)]) -> Result<Vec<Value>, CouchError>;
    /// `_bulk_docs` with `new_edits: false`.
    async fn bulk_docs(&self, docs: &[Value]) -> Result<(), CouchError>;
    /// [`CouchApi::bulk_docs`] of documents already written as JSON (the push writes each
    /// once, beside its revision's hash, rather than building a tree to write again).
    async fn bulk_docs_json(&self, docs: &[String]) -> Result<(), CouchError> {
        let docs: Vec<Value> = docs.iter().map(|d| serde_json::from_str(d).unwrap_or(Value::Null)).collect();
        self.bulk_docs(&docs).await
    }
    /// The live leaves of a document (`?open_revs=all`, deleted leaves left out).
    async fn leaves(&self, id: &str) -> Result<Vec<Value>, CouchError>;
    async fn get_local(&self, id: &str) -> Result<Option<Checkpoint>, CouchError>;
    async fn put_local(&self, id: &str, checkpoint: &Checkpoint) -> Result<(), CouchError>;
    /// The database's `update_seq` (`GET /db`): how far a pull has to go.
    async fn update_seq(&self) -> Result<Value, CouchError>;
    /// A document with its attachments inline (`?attachments=true`); `None` when missing.
    async fn get_with_attachments(&self, id: &str) -> Result<Option<Value>, CouchError>;
    /// Whether the database holds any of the app's documents (design documents aside): an
    /// empty one needs no `_revs_diff` before a first push.
    async fn holds_records(&self) -> Result<bool, CouchError>;
}

/// One revision of a document: its id, its ancestors (newest first) and its body.
#[derive(Debug, Clone)]
struct Leaf {
    rev: String,
    ancestors: Vec<String>,
    doc: Value,
}

#[derive(Debug, Default)]
struct DocTree {
    leaves: Vec<Leaf>,
    seq: u64,
}

impl DocTree {
    fn knows(&self, rev: &str) -> bool {
        self.leaves.iter().any(|l| l.rev == rev || l.ancestors.iter().any(|a| a == rev))
    }
}

/// A CouchDB database in memory, as the protocol shows it: revision trees kept as leaves with
/// their ancestry, a sequence per change, `_local` documents. `cut_after(n)` makes the n-th
/// call from now fail as a cut connection (before it does anything).
#[derive(Debug, Default)]
pub struct MemoryCouch {
    docs: RefCell<BTreeMap<String, DocTree>>,
    local: RefCell<BTreeMap<String, Checkpoint>>,
    seq: Cell<u64>,
    calls_left: Cell<Option<usize>>,
    pub calls: Cell<usize>,
    /// How many `_revs_diff` were asked.
    pub revs_diffs: Cell<usize>,
    /// How many `_bulk_get` were asked.
    pub bulk_gets: Cell<usize>,
}

impl MemoryCouch {
    pub fn new() -> MemoryCouch {
        MemoryCouch::default()
    }

    /// The next `n` calls answer; the one after is cut.
    pub fn cut_after(&self, n: usize) {
        self.calls_left.set(Some(n));
    }

    fn call(&self) -> Result<(), CouchError> {
        self.calls.set(self.calls.get() + 1);
        match self.calls_left.get() {
            Some(0) => {
                self.calls_left.set(None);
                Err(CouchError::Offline)
            }
            Some(n) => {
                self.calls_left.set(Some(n - 1));
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// The winning revision's document of every record document (what a reader sees).
    pub fn winners(&self) -> BTreeMap<String, Value> {
        self.docs
            .borrow()
            .iter()
            .filter_map(|(id, tree)| {
                let live: Vec<&Leaf> = tree.leaves.iter().filter(|l| l.doc.get("_deleted") != Some(&Value::Bool(true))).collect();
                let winner = live.into_iter().max_by(|a, b| compare_revs(&a.rev, &b.rev))?;
                Some((id.clone(), winner.doc.clone()))
            })
            .collect()
    }

    /// How many documents have more than one live leaf.
    pub fn conflicted(&self) -> usize {
        self.docs.borrow().values().filter(|t| t.leaves.iter().filter(|l| l.doc.get("_deleted") != Some(&Value::Bool(true))).count() > 1).count()
    }

    /// Stores one revision as CouchDB does with `new_edits: false`.
    fn store(&self, doc: &Value) {
        let Some(id) = doc.get("_id").and_then(Value::as_str) else { return };
        let Some(rev) = doc.get("_rev").and_then(Value::as_str) else { return };
        let mut docs = self.docs.borrow_mut();
        let tree = docs.entry(id.to_owned()).or_default();
        if tree.knows(rev) {
            return;
        }
        // Ancestors from `_revisions` (newest first, the first being this revision's own).
        let pos = rev_pos(rev);
        let ancestors: Vec<String> = doc
            .get("_revisions")
            .and_then(|r| r.get("ids"))
            .and_then(Value::as_array)
            .map(|ids| ids.iter().skip(1).enumerate().filter_map(|(i, h)| Some(format!("{}-{}", pos.checked_sub(i as u64 + 1)?, h.as_str()?))).collect())
            .unwrap_or_default();
        let mut body = doc.clone();
        if let Some(o) = body.as_object_mut() {
            o.remove("_revisions");
        }
        tree.leaves.retain(|l| !ancestors.contains(&l.rev));
        tree.leaves.push(Leaf { rev: rev.to_owned(), ancestors, doc: body });
        self.seq.set(self.seq.get() + 1);
        tree.seq = self.seq.get();
    }
}

impl CouchApi for MemoryCouch {
    async fn update_seq(&self) -> Result<Value, CouchError> {
        self.call()?;
        Ok(json!(self.seq.get()))
    }

    async fn changes(&self, since: &Value, limit: usize, with_docs: bool) -> Result<ChangesResponse, CouchError> {
        self.call()?;
        let since = since.as_u64().unwrap_or(0);
        let docs = self.docs.borrow();
        let mut rows: Vec<(&String, &DocTree)> = docs.iter().filter(|(_, t)| t.seq > since).collect();
        rows.sort_by_key(|(_, t)| t.seq);
        let pending = rows.len().saturating_sub(limit) as u64;
        let results: Vec<Change> = rows
            .into_iter()
            .take(limit)
            .map(|(id, tree)| Change {
                seq: json!(tree.seq),
                id: id.clone(),
                changes: tree.leaves.iter().map(|l| ChangeRev { rev: l.rev.clone() }).collect(),
                deleted: false,
                // CouchDB's winner: a live leaf before a deleted one, then the highest revision.
                doc: with_docs
                    .then(|| tree.leaves.iter().max_by(|a, b| a.doc.get("_deleted").is_none().cmp(&b.doc.get("_deleted").is_none()).then_with(|| compare_revs(&a.rev, &b.rev))).map(|l| l.doc.clone()))
                    .flatten(),
            })
            .collect();
        let last_seq = results.last().map_or(json!(since), |c| c.seq.clone());
        Ok(ChangesResponse { results, last_seq, pending: Some(pending) })
    }

    async fn revs_diff(&self, request: &Value) -> Result<Value, CouchError> {
        self.call()?;
        self.revs_diffs.set(self.revs_diffs.get() + 1);
        let docs = self.docs.borrow();
        let mut out = serde_json::Map::new();
        for (id, revs) in request.as_object().into_iter().flatten() {
            let missing: Vec<Value> = revs
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter(|rev| docs.get(id).is_none_or(|t| !t.knows(rev)))
                .map(|r| Value::String(r.to_owned()))
                .collect();
            if !missing.is_empty() {
                out.insert(id.clone(), json!({ "missing": missing }));
            }
        }
        Ok(Value::Object(out))
    }

    async fn bulk_get(&self, wanted: &[(String, String)]) -> Result<Vec<Value>, CouchError> {
        self.call()?;
        self.bulk_gets.set(self.bulk_gets.get() + 1);
        let docs = self.docs.borrow();
        Ok(wanted
            .iter()
            .filter_map(|(id, rev)| {
                let leaf = docs.get(id)?.leaves.iter().find(|l| &l.rev == rev)?;
                // With its revision history, as `_bulk_get?revs=true` sends it.
                let mut doc = leaf.doc.clone();
                let ids: Vec<Value> = std::iter::once(&leaf.rev).chain(&leaf.ancestors).map(|r| Value::String(rev_hash(r).to_owned())).collect();
                doc["_revisions"] = json!({ "start": rev_pos(&leaf.rev), "ids": ids });
                Some(doc)
            })
            .collect())
    }

    async fn bulk_docs(&self, docs: &[Value]) -> Result<(), CouchError> {
        self.call()?;
        for doc in docs {
            self.store(doc);
        }
        Ok(())
    }

    async fn leaves(&self, id: &str) -> Result<Vec<Value>, CouchError> {
        self.call()?;
        Ok(self
            .docs
            .borrow()
            .get(id)
            .map(|t| t.leaves.iter().filter(|l| l.doc.get("_deleted") != Some(&Value::Bool(true))).map(|l| l.doc.clone()).collect())
            .unwrap_or_default())
    }

    async fn get_local(&self, id: &str) -> Result<Option<Checkpoint>, CouchError> {
        self.call()?;
        Ok(self.local.borrow().get(id).cloned())
    }

    async fn get_with_attachments(&self, id: &str) -> Result<Option<Value>, CouchError> {
        self.call()?;
        Ok(self.winners().remove(id))
    }

    async fn put_local(&self, id: &str, checkpoint: &Checkpoint) -> Result<(), CouchError> {
        self.call()?;
        self.local.borrow_mut().insert(id.to_owned(), checkpoint.clone());
        Ok(())
    }

    async fn holds_records(&self) -> Result<bool, CouchError> {
        self.call()?;
        Ok(self.docs.borrow().keys().any(|id| !id.starts_with('_')))
    }
}

/// What a batch from the server did to the tablet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pulled {
    /// Records written (new here, or merged with what was here).
    pub written: Vec<crate::domain::record::Record>,
    /// Records now stored exactly as the server has them: the push need not look at them.
    pub as_on_server: Vec<(crate::domain::record::RecordKind, uuid::Uuid, crate::domain::clock::Stamp)>,
    /// Photos a purge from the server erased here (deleted in the same transaction).
    pub photos_erased: Vec<String>,
    /// A purge reached a record stored here: the board's summary is dropped with it.
    pub erases: bool,
    /// Some record was written merged with what was here (not as the server has it): it
    /// waits to go up, like an edit, and the store's local-write mark changes with it.
    pub merged_here: bool,
}

impl Pulled {
    /// Merges one record from the server with what is stored: the record to write, if any.
    pub fn settle(&mut self, stored: Option<&crate::domain::record::Record>, incoming: &crate::domain::record::Record) -> Option<crate::domain::record::Record> {
        let merged = match stored {
            Some(s) => crate::domain::merge::merge(s, incoming),
            None => incoming.clone(),
        };
        if merged == *incoming {
            self.as_on_server.push((merged.kind, merged.id, merged.updated_at));
        }
        if let Some(s) = stored {
            self.photos_erased.extend(crate::domain::retention::photos_erased(&[s], &merged));
            self.erases |= s.purged_at != merged.purged_at;
        }
        (stored != Some(&merged)).then(|| {
            self.merged_here |= merged != *incoming;
            self.written.push(merged.clone());
            merged
        })
    }
}

/// The settings key queuing a record for the next push ([`ReplicaStore::queued_for_push`]),
/// its value the stamp of the version queued.
pub fn push_queue_key(kind: crate::domain::record::RecordKind, id: uuid::Uuid) -> String {
    format!("{PUSH_QUEUE}{}", crate::domain::couch::doc_id(kind, id))
}

/// The prefix of [`push_queue_key`].
pub const PUSH_QUEUE: &str = "couch-push:";

/// What the replicator keeps on the tablet: the last server revision known per document,
/// and its checkpoints.
#[allow(async_fn_in_trait)]
pub trait ReplicaStore {
    /// Records from the server `(record, document id, revision)`, each merged with what is
    /// stored, written with their revisions in one transaction: a record is never stored
    /// without the revision it came at, nor the revision without it.
    ///
    /// `first_pull`: the tablet held no record when this pull began, so none of these is
    /// likely stored; a store may then write them without reading first, but never over a
    /// record that is there after all (another tab's pull, an import meanwhile): such a batch
    /// is written again the ordinary way.
    async fn store_pulled(&self, incoming: &[(crate::domain::record::Record, String, String)], first_pull: bool) -> Result<Pulled, crate::store::StoreError>;
    /// A value that changes, in the same transaction, with every write of records here
    /// except a pull storing them exactly as the server has them (an edit, an import or its
    /// undo, a purge, a pull's merge; not the sealing of what is stored, which changes no
    /// record). The same value before and after a pull says every record written meanwhile
    /// is on the server as stored: the push after it has nothing to look for.
    async fn local_write_mark(&self) -> Result<Option<String>, crate::store::StoreError>;
    async fn known_revs(&self, doc_ids: &[String]) -> Result<Vec<Option<String>>, crate::store::StoreError>;
    async fn remember_revs(&self, revs: &[(String, String)]) -> Result<(), crate::store::StoreError>;
    /// Whether any server revision is remembered: a tablet that has never replicated knows
    /// none, and a first replication need not look each one up.
    async fn knows_any_rev(&self) -> Result<bool, crate::store::StoreError>;
    async fn load_checkpoint(&self, replication: &str) -> Result<Option<Checkpoint>, crate::store::StoreError>;
    async fn save_checkpoint(&self, replication: &str, checkpoint: &Checkpoint) -> Result<(), crate::store::StoreError>;
    /// Records an import wrote while live sync is set up, waiting to go to the server: their
    /// stamps are their own (older than the push checkpoint, as likely as not), so the
    /// `updated_at` index after the checkpoint does not find them.
    /// Each with the stamp of the version queued.
    async fn queued_for_push(&self) -> Result<Vec<(crate::domain::record::RecordKind, uuid::Uuid, crate::domain::clock::Stamp)>, crate::store::StoreError>;
    /// Takes these off the queue, each only if it is still queued at the version sent (one
    /// imported again meanwhile stays for the next push).
    async fn unqueue(&self, sent: &[(crate::domain::record::RecordKind, uuid::Uuid, crate::domain::clock::Stamp)]) -> Result<(), crate::store::StoreError>;
    /// Which of these photos (by SHA-256) are not stored here.
    async fn missing_photos(&self, shas: &[String]) -> Result<Vec<String>, crate::store::StoreError>;
    /// A stored photo's type and bytes.
    async fn photo_bytes(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, crate::store::StoreError>;
    /// Stores photos `(sha256, type, bytes)` (sealed where residents' data is), in one write.
    async fn put_photos(&self, photos: &[(String, String, Vec<u8>)]) -> Result<(), crate::store::StoreError>;
}
