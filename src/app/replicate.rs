//! Live replication with a CouchDB database (issue 20): push the tablet's changes, pull the
//! server's, settle revision conflicts with the app's merge. Written over the store traits and
//! [`CouchApi`], tested natively against [`crate::store::couch::MemoryCouch`] with the
//! connection cut at every call (`tests/replicate.rs`); the browser's client over `fetch`
//! is the next step (docs/replication.md).
//!
//! Every step can be cut and run again: a revision is the same for the same record on the
//! same parent, merging is idempotent, and a checkpoint is written on both sides only after
//! its batch is stored on both — a pass cut anywhere resumes, losing and duplicating nothing.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use futures::channel::mpsc::{unbounded, UnboundedReceiver};
use futures::StreamExt;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::domain::clock::Stamp;
use crate::domain::couch::{ChangesResponse, photo_doc, photo_doc_id, photo_from_doc, photo_rev, push_doc_json, doc_id, from_doc, missing_from_revs_diff, next_rev, pull_progress, rev_hash, rev_pos, short_hash, parse_doc_id, push_doc, replication_id, resolve, resume_from, rev_of, Checkpoint, Direction, DocProblem};
use crate::domain::record::{Record, RecordKind};
use crate::store::couch::{CouchApi, CouchError, ReplicaStore};
use crate::store::{PageWanted, RecordStore, StoreError};

/// Records per batch, each way (CouchDB's own replicator sends 500 a batch; a batch costs a
/// few round trips and a checkpoint on both sides whatever its size, and 1,000 records are
/// about 1 MB).
pub const BATCH: usize = 1000;

/// Changes per `_changes` page of a pull. The server's cost is mostly per request and per
/// page for a page of this size (79,446 changes without documents: 2.9 s in pages of 1,000,
/// 2.2 s in pages of 5,000, on pouchdb-server); the documents a page lacks are fetched a
/// [`BATCH`] at a time, and the page ends where [`PULL_PAGE`] of them are wanted.
pub const CHANGES_PAGE: usize = 5 * BATCH;

/// Changes per `_changes` page of a pull that carries the documents (a new tablet's first
/// pull, another tablet's edits). Each document is held as a JSON tree until it is read, a
/// few times its size as received, and up to three pages are held at once (one stored, one
/// read, one fetched): pages of 5,000 left a new tablet's wasm memory at 105.9 MB after
/// pulling 10,000 tickets, against 41.8 MB once reloaded, and the wasm never gives memory
/// back.
pub const PULL_PAGE: usize = BATCH;

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
    pass_showing(store, couch, device, url, now, &|_| {}, &|_| {}).await
}

/// [`pass`], telling `progress` after every batch, and `stored` the records each batch of
/// the pull wrote here, as stored, once its transaction has committed: the live cache applies
/// exactly these, batch by batch, so what a pass cut half-way stored is shown too.
pub async fn pass_showing<S: RecordStore + ReplicaStore, C: CouchApi>(
    store: &S,
    couch: &C,
    device: Uuid,
    url: &str,
    now: chrono::DateTime<chrono::Utc>,
    progress: &dyn Fn(Progress),
    stored: &dyn Fn(&[Record]),
) -> Result<PassReport, ReplicateError> {
    // Read before the push reads anything: the same mark after the pull says nothing but the
    // pull wrote records here meanwhile.
    let mark_before = store.local_write_mark().await?;
    let pushed_revs = RefCell::new(HashMap::new());
    let pull_id = replication_id(device, url, Direction::Pull);
    let (went_up, batches_up) = unbounded();
    let push = async {
        // Owned here, so the echo's reader hears the push end when it does.
        let went_up = went_up;
        push_remembering(store, couch, device, url, progress, &pushed_revs, &HashSet::new(), &|docs| {
            let _ = went_up.unbounded_send(docs);
        })
        .await
    };
    let (pushed, echo_read_to) = futures::future::join(push, read_past_echo(store, couch, &pull_id, &pushed_revs, batches_up)).await;
    let mut report = PassReport { pushed: pushed?, ..PassReport::default() };
    let mut on_server = HashSet::new();
    let pushed_revs = pushed_revs.into_inner();
    pull(store, couch, device, url, now, &mut report, progress, stored, &pushed_revs, echo_read_to, &mut on_server).await?;
    // What a pull merged here (local edits the server had not seen) goes up at once; what
    // it stored as the server has it is only passed over, and without reading it back when
    // nothing else was written here since the push began.
    if store.local_write_mark().await? == mark_before && store.queued_for_push().await?.is_empty() {
        pass_over_pulled(store, couch, device, url, &on_server).await?;
    } else {
        report.pushed += push_remembering(store, couch, device, url, progress, &RefCell::new(pushed_revs), &on_server, &|_| {}).await?;
    }
    Ok(report)
}

/// The push after a pull when every record written here since the pass's push began was
/// stored by the pull as the server has it: the push went through everything before, so
/// what lies after its checkpoint is those records, and the checkpoint moves past them
/// unread (reading back a new tablet's first pull of a year's records took 2.7 s, only to
/// pass over every one).
async fn pass_over_pulled<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, device: Uuid, url: &str, on_server: &HashSet<(RecordKind, Uuid, Stamp)>) -> Result<(), ReplicateError> {
    let Some(highest) = on_server.iter().map(|(_, _, stamp)| stamp.to_string()).max() else {
        return Ok(());
    };
    let id = replication_id(device, url, Direction::Push);
    let since = checkpoints(store, couch, &id).await?;
    if since.as_str().is_none_or(|since| highest.as_str() > since) {
        checkpoint(store, couch, &id, Value::String(highest)).await?;
    }
    Ok(())
}

/// The stamp the push has reached: what is written after it is waiting to go up.
pub async fn pushed_until<S: ReplicaStore>(store: &S, device: Uuid, url: &str) -> Result<Option<Stamp>, StoreError> {
    let checkpoint = store.load_checkpoint(&replication_id(device, url, Direction::Push)).await?;
    Ok(checkpoint.and_then(|c| c.last_seq.as_str().and_then(|s| s.parse::<Stamp>().ok())))
}

/// How many records wait to go up: changed after the push checkpoint, and queued by imports
/// (those stamped after the checkpoint are counted once).
pub async fn waiting<S: RecordStore + ReplicaStore>(store: &S, device: Uuid, url: &str) -> Result<usize, StoreError> {
    let since = pushed_until(store, device, url).await?;
    let changed = store.change_summary(since).await?.count;
    let queued = store.queued_for_push().await?.into_iter().filter(|(_, _, stamp)| since.is_some_and(|s| *stamp <= s)).count();
    Ok(changed + queued)
}

async fn checkpoints<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, id: &str) -> Result<Value, ReplicateError> {
    let (local, remote) = futures::future::join(store.load_checkpoint(id), couch.get_local(id)).await;
    Ok(resume_from(local?.as_ref(), remote?.as_ref()))
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
    push_remembering(store, couch, device, url, progress, &RefCell::new(HashMap::new()), &HashSet::new(), &|_| {}).await
}

/// One batch ready to send: its documents at their next revisions, and where it ends.
struct Prepared {
    /// Each document as JSON.
    docs: Vec<String>,
    revs: Vec<(String, String)>,
    photos: Vec<String>,
    /// The batch's records that an import queued: off the queue once the batch is up.
    queued: Vec<(RecordKind, Uuid, Stamp)>,
    /// The push checkpoint once the batch is up; `None` for queued records stamped before
    /// the checkpoint, which do not move it.
    last: Option<String>,
}

/// The server revisions remembered for these documents; none looked up on a tablet that
/// remembers none (a revision thought unknown is only fetched or asked about once more).
async fn remembered<S: ReplicaStore>(store: &S, ids: &[String], knows_any: bool) -> Result<Vec<Option<String>>, ReplicateError> {
    Ok(if knows_any && !ids.is_empty() { store.known_revs(ids).await? } else { vec![None; ids.len()] })
}

/// The tablet's changes after the push checkpoint, in the `updated_at` index's order across
/// every kind, read a page per kind at a time: a first push of 10,000 tickets starts sending
/// at once (reading them all first kept the server waiting 3 s) and never holds them all in
/// memory, which the wasm keeps at its highest mark.
///
/// The kinds are read together, as they stood at one moment (a "look"): every kind with
/// nothing left to take is read again in each look, even one that had ended, because this
/// tablet may have written to it since. A record written after a look is stamped after
/// everything there was then, so a look in which every kind ended leaves nothing behind the
/// stamps taken; a kind that ended in an earlier look is not trusted once records of a later
/// look are taken (its new records may be older than them, and the checkpoint would pass
/// them by).
struct Changes {
    kinds: Vec<KindPages>,
    /// The highest stamp read (skipped records included): once every kind is read to its
    /// end, the push has gone through it.
    read_through: Option<Stamp>,
    /// How many looks have been taken.
    looks: u32,
}

struct KindPages {
    kind: RecordKind,
    after: Option<Stamp>,
    /// What the pull just stored as the server has it, left out unread.
    skip: HashSet<(Uuid, Stamp)>,
    /// Read and not yet taken, each with its stamp's text (the index's order).
    read: std::collections::VecDeque<(String, Record)>,
    /// The look in which this kind was last read and had nothing after that page.
    ended_in: Option<u32>,
}

impl Changes {
    fn after(since: Option<Stamp>, skip: &HashSet<(RecordKind, Uuid, Stamp)>) -> Changes {
        let kinds = RecordKind::ALL
            .into_iter()
            .map(|kind| KindPages { kind, after: since, skip: skip.iter().filter(|(k, _, _)| *k == kind).map(|(_, id, stamp)| (*id, *stamp)).collect(), read: Default::default(), ended_in: None })
            .collect();
        Changes { kinds, read_through: None, looks: 0 }
    }

    /// The next change in stamp order, taking a new look once a kind has nothing left to
    /// take and did not end in the latest look.
    async fn next<S: RecordStore>(&mut self, store: &S) -> Result<Option<Record>, StoreError> {
        // Pages wholly skipped are looked past until one has a record or the kind ends.
        while self.kinds.iter().any(|p| p.read.is_empty() && p.ended_in != Some(self.looks)) {
            self.look(store).await?;
        }
        let oldest = self.kinds.iter_mut().filter(|p| !p.read.is_empty()).min_by(|a, b| a.read[0].0.cmp(&b.read[0].0));
        Ok(oldest.and_then(|p| p.read.pop_front()).map(|(_, record)| record))
    }

    /// Reads the next page of every kind with nothing left to take, in one look.
    async fn look<S: RecordStore>(&mut self, store: &S) -> Result<(), StoreError> {
        self.looks += 1;
        let empty: Vec<usize> = (0..self.kinds.len()).filter(|&i| self.kinds[i].read.is_empty()).collect();
        let wanted: Vec<PageWanted<'_>> = empty.iter().map(|&i| PageWanted { kind: self.kinds[i].kind, after: self.kinds[i].after, skip: &self.kinds[i].skip }).collect();
        let pages = store.changed_pages(&wanted, BATCH).await?;
        for (i, page) in empty.into_iter().zip(pages) {
            let kind = &mut self.kinds[i];
            if page.ended {
                kind.ended_in = Some(self.looks);
            }
            if let Some(last) = page.last {
                kind.after = Some(last);
                if self.read_through.is_none_or(|t| t.to_string() < last.to_string()) {
                    self.read_through = Some(last);
                }
            }
            kind.read.extend(page.records.into_iter().map(|r| (r.updated_at.to_string(), r)));
        }
        Ok(())
    }
}

/// What the push goes through: the changes after its checkpoint, and before them the records
/// imports queued that are stamped before it.
struct PushSource<'a> {
    changes: Changes,
    early: Vec<Record>,
    queued: &'a HashSet<(RecordKind, Uuid)>,
    on_server: &'a HashSet<(RecordKind, Uuid, Stamp)>,
    /// Queued records found on the server already (the pull just stored them as it has
    /// them): off the queue at the end.
    passed_over: Vec<(RecordKind, Uuid, Stamp)>,
}

impl PushSource<'_> {
    /// The next batch's records and the stamp the push has gone through with them.
    async fn next_batch<S: RecordStore>(&mut self, store: &S) -> Result<(Vec<Record>, Option<Stamp>), StoreError> {
        if !self.early.is_empty() {
            let take = self.early.len().min(BATCH);
            return Ok((self.early.drain(..take).collect(), None));
        }
        let mut records = Vec::new();
        let mut last = None;
        while records.len() < BATCH {
            let Some(record) = self.changes.next(store).await? else {
                // Every kind read to its end: through the highest stamp read, records left
                // out unread included.
                last = last.max(self.changes.read_through.take());
                break;
            };
            last = Some(record.updated_at);
            // Stored as the server has it (a queued record, so read): passed over.
            if self.on_server.contains(&(record.kind, record.id, record.updated_at)) {
                if self.queued.contains(&(record.kind, record.id)) {
                    self.passed_over.push((record.kind, record.id, record.updated_at));
                }
                continue;
            }
            records.push(record);
        }
        Ok((records, last))
    }
}

/// `in_push`: the revisions prepared earlier in this push, by document; a record changed
/// again while the push runs comes round a second time and goes up on the revision sent
/// before (the earlier batch is not remembered yet while this one is prepared).
async fn prepare<S: ReplicaStore>(
    store: &S,
    batch: Vec<Record>,
    last: Option<Stamp>,
    knows_any: bool,
    queued: &HashSet<(RecordKind, Uuid)>,
    in_push: &mut HashMap<String, String>,
) -> Result<Prepared, ReplicateError> {
    let ids: Vec<String> = batch.iter().map(|r| doc_id(r.kind, r.id)).collect();
    let known = remembered(store, &ids, knows_any).await?;
    let mut docs = Vec::new();
    let mut revs = Vec::new();
    for ((record, doc_id), known) in batch.iter().zip(ids).zip(known) {
        let parent = in_push.get(&doc_id).cloned().or(known);
        let (rev, doc) = push_doc_json(record, parent.as_deref());
        // The server already holds this very record (it came from there).
        if parent.as_deref().is_some_and(|p| rev_hash(p) == rev_hash(&rev)) {
            continue;
        }
        docs.push(doc);
        in_push.insert(doc_id.clone(), rev.clone());
        revs.push((doc_id, rev));
    }
    let queued = batch.iter().filter(|r| queued.contains(&(r.kind, r.id))).map(|r| (r.kind, r.id, r.updated_at)).collect();
    Ok(Prepared { docs, revs, photos: crate::domain::export::photo_refs(&batch), queued, last: last.map(|s| s.to_string()) })
}

/// Sends what the server lacks of a batch (a batch retried after a cut sends nothing twice).
/// Into a database that held none of the app's documents when the push began, the batch goes
/// without asking first: `new_edits: false` stores a revision once however often it is sent.
async fn send<C: CouchApi>(couch: &C, batch: &Prepared, ask_first: bool) -> Result<usize, ReplicateError> {
    if batch.docs.is_empty() {
        return Ok(0);
    }
    if !ask_first {
        couch.bulk_docs_json(&batch.docs).await?;
        return Ok(batch.docs.len());
    }
    let mut ask = serde_json::Map::new();
    for (doc_id, rev) in &batch.revs {
        ask.insert(doc_id.clone(), json!([rev]));
    }
    let missing: HashSet<(String, String)> = missing_from_revs_diff(&couch.revs_diff(&Value::Object(ask)).await?).into_iter().collect();
    let docs: Vec<String> = batch.docs.iter().zip(&batch.revs).filter(|(_, key)| missing.contains(*key)).map(|(doc, _)| doc.clone()).collect();
    if !docs.is_empty() {
        couch.bulk_docs_json(&docs).await?;
    }
    Ok(missing.len())
}

/// A batch on the server: its revisions remembered, then its photos, then its checkpoint.
/// Runs while the next batch is sent.
async fn settle_batch<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, id: &str, batch: &Prepared) -> Result<(), ReplicateError> {
    store.remember_revs(&batch.revs).await?;
    // The batch's photos after its records (a tablet pulling meanwhile shows the tickets
    // first), before its checkpoint (a pass cut here sends them next time).
    push_photos(store, couch, &batch.photos).await?;
    store.unqueue(&batch.queued).await?;
    match &batch.last {
        Some(last) => checkpoint(store, couch, id, Value::String(last.clone())).await,
        None => Ok(()),
    }
}

/// The push, telling `pushed_revs` each revision as it is sent (the pull that follows skips
/// them without reading the store) and `went_up` how many documents each batch held once the
/// server has it. While the server takes one batch the next is read and hashed, and the one
/// before is checkpointed.
#[allow(clippy::too_many_arguments)]
async fn push_remembering<S: RecordStore + ReplicaStore, C: CouchApi>(
    store: &S,
    couch: &C,
    device: Uuid,
    url: &str,
    progress: &dyn Fn(Progress),
    pushed_revs: &RefCell<HashMap<String, String>>,
    on_server: &HashSet<(RecordKind, Uuid, Stamp)>,
    went_up: &dyn Fn(usize),
) -> Result<usize, ReplicateError> {
    let id = replication_id(device, url, Direction::Push);
    // What imports queued, whatever its stamps: a file relayed from a tablet without a
    // network reaches the server through this one. Those stamped after the checkpoint come
    // with the changes.
    let (since, queued) = futures::future::join(checkpoints(store, couch, &id), store.queued_for_push()).await;
    let since = since?.as_str().and_then(|s| s.parse::<Stamp>().ok());
    let after = |r: &Record| since.is_none_or(|s| r.updated_at.to_string() > s.to_string());
    let queued: HashSet<(RecordKind, Uuid)> = queued?.into_iter().map(|(kind, id, _)| (kind, id)).collect();
    let mut early = Vec::new();
    if since.is_some() && !queued.is_empty() {
        let keys: Vec<(RecordKind, Uuid)> = queued.iter().copied().collect();
        early.extend(store.get_many(&keys).await?.into_iter().flatten().filter(|r| !after(r)));
    }
    // Queued records are read (to be taken off the queue), the rest of what the pull stored
    // as the server has it is left out unread.
    let unread: HashSet<(RecordKind, Uuid, Stamp)> = on_server.iter().filter(|(kind, id, _)| !queued.contains(&(*kind, *id))).copied().collect();
    let early_count = early.len();
    let mut source = PushSource { changes: Changes::after(since, &unread), early, queued: &queued, on_server, passed_over: Vec::new() };
    // How many to send (counted from the index, not read): for the screen, and whether to
    // ask `_revs_diff` before each batch. A first push (no checkpoint) asks the server
    // instead whether the database holds records, and starts sending meanwhile: counting a
    // year of records took 0.4 s, and the server waited.
    let left_to_send = |waiting: usize| waiting.saturating_sub(on_server.iter().filter(|(_, _, stamp)| since.is_none_or(|s| stamp.to_string() > s.to_string())).count());
    let count = Box::pin(async { Ok::<_, ReplicateError>(store.change_summary(since).await?.count + early_count) });
    // `counting`: the count still to come, while a first push's first batch goes.
    let (mut counting, mut of, ask_first, knows_any, first) = if since.is_none() {
        let (holds, knew_any, first) = futures::future::join3(couch.holds_records(), store.knows_any_rev(), source.next_batch(store)).await;
        // Into a database holding none of the app's records, nothing needs asking about.
        (Some(count), None, holds?, knew_any?, first?)
    } else {
        // A later push (a few records) counts before reading, as it did: reading at once,
        // an edit saved just after the app started (its storage busy loading) missed this
        // push and waited for the one after the pull — tablet to tablet 1.9 s, not 0.9 s.
        let (counted, knew_any) = futures::future::join(count, store.knows_any_rev()).await;
        let of = left_to_send(counted?);
        // A push of many batches asks once whether the database is empty (a server database
        // made again); a single batch asks `_revs_diff` as it would anyway.
        let ask_first = of <= BATCH || couch.holds_records().await?;
        let knows_any = of == 0 || knew_any?;
        (None, Some(of), ask_first, knows_any, source.next_batch(store).await?)
    };
    let mut in_push = HashMap::new();
    let mut pushed = 0;
    let mut done = 0;
    let mut next = match first {
        (batch, None) if batch.is_empty() => None,
        (batch, last) => Some(prepare(store, batch, last, knows_any, &queued, &mut in_push).await?),
    };
    let mut sent_before: Option<Prepared> = None;
    while let Some(current) = next.take() {
        if let Some(of) = of {
            progress(Progress::Pushing { done, of: of.max(done) });
        }
        let count_now = counting.take();
        let counted = async move {
            match count_now {
                Some(c) => Some(c.await),
                None => None,
            }
        };
        let following = async {
            match source.next_batch(store).await? {
                (batch, None) if batch.is_empty() => Ok::<_, ReplicateError>(None),
                (batch, last) => prepare(store, batch, last, knows_any, &queued, &mut in_push).await.map(Some),
            }
        };
        let before = async {
            match &sent_before {
                Some(batch) => settle_batch(store, couch, &id, batch).await,
                None => Ok(()),
            }
        };
        // Told before it goes: the echo's reader may see the batch in `_changes` before
        // `_bulk_docs` answers.
        pushed_revs.borrow_mut().extend(current.revs.iter().cloned());
        let (sent, following, settled, counted) = futures::future::join4(send(couch, &current, ask_first), following, before, counted).await;
        if let Some(waiting) = counted {
            let counted = left_to_send(waiting?);
            of = Some(counted);
            progress(Progress::Pushing { done, of: counted.max(done) });
        }
        settled?;
        pushed += sent?;
        next = following?;
        done += current.docs.len();
        went_up(current.docs.len());
        sent_before = Some(current);
    }
    if let Some(last) = &sent_before {
        settle_batch(store, couch, &id, last).await?;
    }
    store.unqueue(&source.passed_over).await?;
    Ok(pushed)
}

/// Photos per `_bulk_docs`: a photo is up to a few hundred KB.
const PHOTO_BATCH: usize = 10;

/// Sends the server the photos it lacks of these (a photo not stored here is skipped: the
/// tablet that took it sends it).
async fn push_photos<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, shas: &[String]) -> Result<(), ReplicateError> {
    for chunk in shas.chunks(PHOTO_BATCH) {
        let mut ask = serde_json::Map::new();
        for sha in chunk {
            ask.insert(photo_doc_id(sha), json!([photo_rev(sha)]));
        }
        let missing = missing_from_revs_diff(&couch.revs_diff(&Value::Object(ask)).await?);
        let mut docs = Vec::new();
        for (id, _) in missing {
            let Some(sha) = id.strip_prefix("photo:") else { continue };
            if let Some((mime, bytes)) = store.photo_bytes(sha).await? {
                docs.push(photo_doc(sha, &mime, &bytes));
            }
        }
        if !docs.is_empty() {
            couch.bulk_docs(&docs).await?;
        }
    }
    Ok(())
}

/// Fetches the photos named by a batch of changes that are not stored here, each checked
/// against its id before it is kept.
async fn pull_photos<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, shas: &[String], report: &mut PassReport) -> Result<(), ReplicateError> {
    let mut fetched = Vec::new();
    for sha in store.missing_photos(shas).await? {
        let id = photo_doc_id(&sha);
        let Some(doc) = couch.get_with_attachments(&id).await? else { continue };
        match photo_from_doc(&doc) {
            Ok(photo) => fetched.push(photo),
            Err(problem) => report.refused.push((id, DocProblem::Photo(problem))),
        }
        if fetched.len() >= PHOTO_BATCH {
            store.put_photos(&std::mem::take(&mut fetched)).await?;
        }
    }
    if !fetched.is_empty() {
        store.put_photos(&fetched).await?;
    }
    Ok(())
}

/// A deletion of a losing leaf, on that leaf: deterministic like every revision written.
fn deletion(doc_id: &str, loser: &str) -> Value {
    let hash = short_hash(format!("deleted {loser}").as_bytes());
    let pos = rev_pos(loser) + 1;
    json!({ "_id": doc_id, "_rev": format!("{pos}-{hash}"), "_deleted": true, "_revisions": { "start": pos, "ids": [hash, rev_hash(loser)] } })
}

/// A batch of the server's changes, with the documents the tablet lacks already fetched.
struct Fetched {
    changes: ChangesResponse,
    /// Record documents with more than one live leaf: settled while processing.
    conflicted: Vec<String>,
    /// Taken when read, so a page waiting to be stored holds its records, not their JSON.
    docs: Vec<Value>,
    /// The page's limit, for telling whether more follow when the server does not say.
    limit: usize,
    /// At least half its changes were records this tablet lacks: the next page is read with
    /// the documents.
    dense: bool,
}

impl Fetched {
    fn more_after(&self) -> bool {
        more_after(&self.changes, self.limit)
    }
}

/// With `with_docs` the changes carry their documents (a pull with no echo of this pass's
/// push to pass over, or past it where others' records are dense), and only what they do
/// not carry is asked for with `_bulk_get`.
async fn fetch_batch<S: ReplicaStore, C: CouchApi>(store: &S, couch: &C, since: &Value, limit: usize, pushed_revs: &HashMap<String, String>, with_docs: bool, knows_any: bool) -> Result<Fetched, ReplicateError> {
    let mut changes = couch.changes(since, limit, with_docs).await?;
    // What this pass just pushed comes back first: skipped without reading the store.
    let records: Vec<usize> = changes
        .results
        .iter()
        .enumerate()
        .filter(|(_, c)| parse_doc_id(&c.id).is_some())
        .filter(|(_, c)| !(c.changes.len() == 1 && pushed_revs.get(&c.id).is_some_and(|rev| c.changes.first().is_some_and(|r| &r.rev == rev))))
        .map(|(i, _)| i)
        .collect();
    let ids: Vec<String> = records.iter().map(|&i| changes.results[i].id.clone()).collect();
    let known = remembered(store, &ids, knows_any).await?;
    let mut conflicted = Vec::new();
    let mut wanted = Vec::new();
    let mut docs = Vec::new();
    let mut cut_after = None;
    for (&i, known) in records.iter().zip(&known) {
        if docs.len() + wanted.len() + conflicted.len() >= PULL_PAGE {
            cut_after = Some(i - 1);
            break;
        }
        let change = &mut changes.results[i];
        if change.changes.len() > 1 {
            conflicted.push(change.id.clone());
            continue;
        }
        let Some(rev) = change.changes.first().map(|c| c.rev.clone()) else { continue };
        if known.as_deref() == Some(rev.as_str()) {
            continue;
        }
        // The body that came with the change, if it is that very revision (taken, not
        // copied: nothing reads it from the change again).
        match change.doc.take() {
            Some(doc) if rev_of(&doc) == Some(rev.as_str()) => docs.push(doc),
            _ => wanted.push((change.id.clone(), rev)),
        }
    }
    // A page without documents (after this pass's push) ends where a pull page's worth of
    // records is wanted from it: the rest is read as the next page, so a tablet back after
    // weeks offline holds no more than a first pull does.
    if let Some(last) = cut_after {
        let dropped = changes.results.len() - (last + 1);
        changes.results.truncate(last + 1);
        if let Some(change) = changes.results.last() {
            changes.last_seq = change.seq.clone();
        }
        changes.pending = Some(changes.pending.unwrap_or(0) + dropped as u64);
    }
    // Bodies of what is known already or settled from its leaves are not read.
    for change in &mut changes.results {
        change.doc = None;
    }
    let dense = 2 * (docs.len() + wanted.len() + conflicted.len()) >= changes.results.len();
    for wanted in wanted.chunks(BATCH) {
        docs.extend(couch.bulk_get(wanted).await?);
    }
    Ok(Fetched { changes, conflicted, docs, limit, dense })
}

/// While a push runs, reads the server's changes after the pull checkpoint as each page's
/// worth of batches has gone up, and returns how far they were nothing but this push coming
/// back (each the document's only leaf at the revision just sent): the pull starts there
/// instead of reading a first push's echo back after it (4.3–5.5 s for a year's records on
/// a slow machine; read meanwhile, the server's quiet moments between batches take part of
/// it). It stops at the first page holding anything else, or when the push ends, and writes
/// nothing; the pull checkpoints. A failed read only stops it: the pull reads from where it
/// got.
async fn read_past_echo<S: ReplicaStore, C: CouchApi>(
    store: &S,
    couch: &C,
    id: &str,
    pushed_revs: &RefCell<HashMap<String, String>>,
    mut batches_up: UnboundedReceiver<usize>,
) -> Option<Value> {
    let mut since: Option<Value> = None;
    let mut read_to = None;
    let mut unread = 0;
    while let Some(docs) = batches_up.next().await {
        unread += docs;
        if unread < CHANGES_PAGE {
            continue;
        }
        unread = 0;
        let mut from = match since.take() {
            Some(from) => from,
            None => checkpoints(store, couch, id).await.ok()?,
        };
        loop {
            let Ok(page) = couch.changes(&from, CHANGES_PAGE, false).await else { return read_to };
            let all_echo = {
                let pushed = pushed_revs.borrow();
                page.results.iter().all(|c| passed_over_by_pull(c, &pushed))
            };
            if !all_echo {
                return read_to;
            }
            from = page.last_seq.clone();
            if !page.results.is_empty() {
                read_to = Some(from.clone());
            }
            if page.results.is_empty() || !more_after(&page, CHANGES_PAGE) {
                break;
            }
        }
        since = Some(from);
    }
    read_to
}

/// Whether the pull would take nothing from this change: a record this push just sent, as
/// the document's only leaf, or a document the pull does not replicate (a design document).
/// A photo may be one this tablet lacks.
fn passed_over_by_pull(change: &crate::domain::couch::Change, pushed_revs: &HashMap<String, String>) -> bool {
    if parse_doc_id(&change.id).is_some() {
        matches!(change.changes.as_slice(), [only] if pushed_revs.get(&change.id) == Some(&only.rev))
    } else {
        !change.id.starts_with("photo:")
    }
}

/// A batch's records as they are to be stored: checked, conflicts settled.
#[derive(Default)]
struct ReadBatch {
    incoming: Vec<(Record, String, String)>,
    refused: Vec<(String, DocProblem)>,
    settled: usize,
}

/// Settles a batch's conflicts and checks its documents as strictly as a file's records.
/// Writes nothing here: it runs while the batch before is being stored.
async fn read_batch<C: CouchApi>(couch: &C, now: chrono::DateTime<chrono::Utc>, fetched: &mut Fetched) -> Result<ReadBatch, ReplicateError> {
    let mut read_batch = ReadBatch::default();
    let mut incoming: BTreeMap<String, (Record, String)> = BTreeMap::new();
    for doc_id in &fetched.conflicted {
        let leaves = couch.leaves(doc_id).await?;
        let mut read = Vec::new();
        for leaf in &leaves {
            match (rev_of(leaf), from_doc(leaf, now)) {
                (Some(rev), Ok(record)) => read.push((rev.to_owned(), record)),
                (_, Err(problem)) => read_batch.refused.push((doc_id.clone(), problem)),
                (None, Ok(_)) => {}
            }
        }
        if let Some(settled) = resolve(&read) {
            let mut docs = vec![push_doc(&settled.merged, Some(&settled.write_on))];
            docs.extend(settled.delete.iter().map(|loser| deletion(doc_id, loser)));
            couch.bulk_docs(&docs).await?;
            let (rev, _) = next_rev(&settled.merged, Some(&settled.write_on));
            incoming.insert(doc_id.clone(), (settled.merged, rev));
            read_batch.settled += 1;
        } else if let Some((rev, record)) = read.into_iter().next() {
            incoming.insert(doc_id.clone(), (record, rev));
        }
    }
    for doc in std::mem::take(&mut fetched.docs) {
        let Some(doc_id) = doc.get("_id").and_then(Value::as_str).map(str::to_owned) else { continue };
        match (rev_of(&doc).map(str::to_owned), from_doc(&doc, now)) {
            (Some(rev), Ok(record)) => {
                incoming.insert(doc_id, (record, rev));
            }
            // A losing leaf deleted by a settled conflict is not a record.
            (_, Err(DocProblem::CouchDeleted)) => {}
            (_, Err(problem)) => read_batch.refused.push((doc_id, problem)),
            (None, Ok(_)) => {}
        }
    }
    read_batch.incoming = incoming.into_iter().map(|(id, (record, rev))| (record, id, rev)).collect();
    Ok(read_batch)
}

/// Stores a read batch's records and its photos, and tells the live cache. Returns where the
/// pull checkpoint goes now that they are stored: the checkpoint is written while the next
/// batch is stored.
#[allow(clippy::too_many_arguments)]
async fn store_batch<S: RecordStore + ReplicaStore, C: CouchApi>(
    store: &S,
    couch: &C,
    fetched: &Fetched,
    read: ReadBatch,
    first_pull: bool,
    report: &mut PassReport,
    stored: &dyn Fn(&[Record]),
    on_server: &mut HashSet<(RecordKind, Uuid, Stamp)>,
) -> Result<Option<Value>, ReplicateError> {
    let changes = &fetched.changes;
    report.refused.extend(read.refused);
    report.settled += read.settled;
    let items = read.incoming;
    let pulled = if items.is_empty() { Default::default() } else { store.store_pulled(&items, first_pull).await? };
    on_server.extend(pulled.as_on_server);
    let written = pulled.written;
    // The batch's photos once its records are stored, before its checkpoint.
    let photos: Vec<String> = changes.results.iter().filter_map(|c| c.id.strip_prefix("photo:").map(str::to_owned)).collect();
    pull_photos(store, couch, &photos, report).await?;
    report.pulled += written.len();
    let wrote_any = !written.is_empty() || !items.is_empty() || !photos.is_empty();
    if !written.is_empty() {
        stored(&written);
    }
    report.last_seq = changes.last_seq.clone();
    // A batch of nothing new (the echo of this tablet's own push) needs no checkpoint of
    // its own: cut before the next, it is read again and skipped again.
    Ok((wrote_any || !fetched.more_after()).then(|| changes.last_seq.clone()))
}

/// The next page from the page reader with its documents read, `None` past the last. It
/// runs while the batch before is being stored: checking is the page's work, storing mostly
/// the browser's.
async fn next_read<C: CouchApi>(couch: &C, now: chrono::DateTime<chrono::Utc>, pages_in: &mut futures::channel::mpsc::Receiver<Result<Fetched, ReplicateError>>) -> Result<Option<(Fetched, ReadBatch)>, ReplicateError> {
    match pages_in.next().await {
        Some(Ok(mut fetched)) if !fetched.changes.results.is_empty() => {
            let read = read_batch(couch, now, &mut fetched).await?;
            Ok(Some((fetched, read)))
        }
        Some(Ok(_)) | None => Ok(None),
        Some(Err(e)) => Err(e),
    }
}

fn more_after(changes: &ChangesResponse, limit: usize) -> bool {
    match changes.pending {
        Some(pending) => pending > 0,
        None => changes.results.len() >= limit,
    }
}

/// The server's changes after the pull checkpoint, a batch at a time. The pages are read
/// ahead of the batches being checked and stored: the next page is asked for as soon as the
/// last one has come, not once the batch before it is stored too, so the server answers
/// while the tablet writes (on two cores both wait on each other otherwise: each page came
/// 0.5–1.2 s after it was asked for, and the tablet sat idle for most of that). A page is
/// sent only when the one before has been taken, so at most three are held: the batch being
/// stored (its records), the next one being checked, and one fetched or waiting (a page of
/// [`PULL_PAGE`] changes with their documents is about 1 MB as received).
#[allow(clippy::too_many_arguments)]
async fn pull<S: RecordStore + ReplicaStore, C: CouchApi>(
    store: &S,
    couch: &C,
    device: Uuid,
    url: &str,
    now: chrono::DateTime<chrono::Utc>,
    report: &mut PassReport,
    progress: &dyn Fn(Progress),
    stored: &dyn Fn(&[Record]),
    pushed_revs: &HashMap<String, String>,
    echo_read_to: Option<Value>,
    on_server: &mut HashSet<(RecordKind, Uuid, Stamp)>,
) -> Result<(), ReplicateError> {
    use futures::SinkExt;
    let id = replication_id(device, url, Direction::Pull);
    let past_echo = echo_read_to.is_some();
    let since = match echo_read_to {
        Some(since) => since,
        None => checkpoints(store, couch, &id).await?,
    };
    let update_seq = couch.update_seq().await?;
    report.last_seq = since.clone();
    progress(Progress::Pulling { percent: pull_progress(&since, &update_seq) });
    // Asked once, before this pull remembers anything: a document comes once per pull.
    let knows_any = store.knows_any_rev().await?;
    // A tablet that never replicated and holds no record (a new tablet joining): what comes
    // is written without looking first for what cannot be there.
    let first_pull = !knows_any && store.highest_stamp().await?.is_none();
    // No room: a page sent waits in the channel until it is taken, and only then is the
    // next one fetched.
    let (mut pages_out, mut pages_in) = futures::channel::mpsc::channel::<Result<Fetched, ReplicateError>>(0);
    let read_pages = async move {
        let mut since = since;
        let mut with_docs = pushed_revs.is_empty();
        loop {
            let limit = if with_docs { PULL_PAGE } else { CHANGES_PAGE };
            let fetched = fetch_batch(store, couch, &since, limit, pushed_revs, with_docs, knows_any).await;
            // Past this pass's echo, where the changes are mostly others' records (a tablet
            // back after weeks away), they come with their documents, a page of 1,000 read
            // once and nothing asked for by id: pages of 5,000 cut where 1,000 records were
            // wanted made a returning tablet's pull of a year's records 54–64 s, against
            // 47–56 s before the cut and 51–54 s this way. Where they are mostly known, back
            // to without.
            if let Ok(f) = &fetched {
                with_docs = f.dense;
            }
            let next = fetched.as_ref().ok().filter(|f| f.more_after() && !f.changes.results.is_empty()).map(|f| f.changes.last_seq.clone());
            // The batches stopped (stored up to a failure, or cut): no more reading.
            if pages_out.send(fetched).await.is_err() {
                return;
            }
            match next {
                Some(next) => since = next,
                None => return,
            }
        }
    };
    let store_pages = async move {
        let mut current = match pages_in.next().await {
            Some(Ok(fetched)) if fetched.changes.results.is_empty() => {
                if past_echo {
                    // Nothing after the echo: the checkpoint goes past it, or the next pass reads it again.
                    checkpoint(store, couch, &id, fetched.changes.last_seq.clone()).await?;
                }
                return Ok(());
            }
            Some(Ok(mut fetched)) => {
                let read = read_batch(couch, now, &mut fetched).await?;
                (fetched, read)
            }
            Some(Err(e)) => return Err(e),
            None => return Ok(()),
        };
        // The checkpoint of the batch stored before, written while this one is stored: one
        // after another, each page waited for both sides' checkpoint writes too (pages of
        // 1,000 made that 80 waits for a year's records).
        let mut due: Option<Value> = None;
        loop {
            let (fetched, read) = current;
            let checkpointed = async {
                match due.take() {
                    Some(seq) => checkpoint(store, couch, &id, seq).await,
                    None => Ok(()),
                }
            };
            let (done, next, checkpointed) = futures::future::join3(store_batch(store, couch, &fetched, read, first_pull, report, stored, on_server), next_read(couch, now, &mut pages_in), checkpointed).await;
            checkpointed?;
            due = done?;
            progress(Progress::Pulling { percent: pull_progress(&fetched.changes.last_seq, &update_seq) });
            match next {
                Ok(Some(next)) => current = next,
                // What was stored is checkpointed even when the next page failed.
                ended => {
                    if let Some(seq) = due {
                        checkpoint(store, couch, &id, seq).await?;
                    }
                    return ended.map(|_| ());
                }
            }
        }
    };
    let ((), stored_pages) = futures::future::join(read_pages, store_pages).await;
    stored_pages
}
