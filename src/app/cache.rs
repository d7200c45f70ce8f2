//! The live record cache: what the views show — every live ticket with its derived state
//! (its history inside it), drill plans and runs — loaded once after start and then kept
//! current in place by applying the records each committed write returned, or the records
//! another tab names. The cache is the only writer of what views read, and it never lets an
//! older copy of a record replace a newer one, so a late read cannot undo a later write.
//!
//! Plain Rust (no signals): the UI wraps it in one reactive value (`ui::live`).

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use crate::domain::board::{search_text, sort_items, sort_key, BoardSummary, SortOrder, SummaryCard, COLUMN_PAGE, STATUSES};
use crate::domain::clock::Stamp;
use crate::domain::drill::{built_in_plans, DrillPlan, DrillRun};
use crate::domain::improvement::Improvement;
use crate::domain::places::{is_repeat, place_of, PlaceKey, PlaceTicket};
use crate::domain::record::{Record, RecordKind};
use crate::domain::ticket::Ticket;
use crate::domain::workflow::TicketEvent;
use crate::domain::workflow::{at_a_glance, derive, TicketState};
use crate::store::Row;

/// A ticket as the views show it.
#[derive(Debug, Clone)]
pub struct BoardItem {
    pub id: Uuid,
    pub ticket: Ticket,
    pub state: TicketState,
    /// Whether `state` was derived from the events (otherwise it is the ticket's own copy,
    /// without history, and without clocks for a ticket saved before it kept one).
    pub settled: bool,
    /// [`search_text`] of the ticket, made once per change rather than per keystroke.
    pub search_text: String,
    /// Bumped every time the cache changes this item: cards are keyed by id and revision,
    /// so only the card of a changed ticket is drawn again.
    pub rev: u64,
    pub created_at: Stamp,
    pub updated_at: Stamp,
    pub origin_device: Uuid,
    /// When its typed fields were corrected (data accuracy); empty on a first look.
    pub edits: Vec<crate::domain::record::EditMark>,
}

/// Revisions of items read by key outside the cache: a range of their own, so they never
/// equal a cache revision or each other.
static DIRECT_REV: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 62);

impl BoardItem {
    /// A ticket read by key (with its events by index) before the cache has it settled.
    pub fn from_stored(record: &Record, ticket: Ticket, events: &[(Stamp, TicketEvent)]) -> BoardItem {
        BoardItem {
            id: record.id,
            state: derive(&ticket, events),
            search_text: search_text(&ticket),
            ticket,
            settled: true,
            rev: DIRECT_REV.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            created_at: record.created_at,
            updated_at: record.updated_at,
            origin_device: record.origin_device,
            edits: record.edit_marks(),
        }
    }
}

/// Two items are the same when they are the same revision of the same ticket: the cache
/// bumps the revision on every change, so views compare thousands of items in a memo
/// without comparing their histories field by field.
impl PartialEq for BoardItem {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.rev == other.rev
    }
}

/// What [`RecordCache::apply`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub tickets: Vec<Uuid>,
    pub runs: Vec<Uuid>,
    pub plans: Vec<Uuid>,
    pub measures: Vec<Uuid>,
    /// Records not applied because the cache holds a later version (a late read).
    pub older: usize,
    /// Tickets, steps and measures whose body did not read as their kind (drill plans and
    /// runs are read when a view lists them, [`Unread`]).
    pub unreadable: usize,
}

impl Applied {
    pub fn is_empty(&self) -> bool {
        self.tickets.is_empty() && self.runs.is_empty() && self.plans.is_empty() && self.measures.is_empty()
    }
}

/// A drill plan or run as stored, read as its kind the first time a drills or KPI view asks
/// for it: starting the app reads none, so the first load carries no drill decoding (54 KB
/// of the first view's wasm before optimising). A body that does not read as its kind is
/// left out where plans and runs are listed.
#[derive(Debug, Clone)]
struct Unread<T> {
    record: Record,
    read: std::sync::OnceLock<Option<Arc<(Record, T)>>>,
}

impl<T: serde::de::DeserializeOwned> Unread<T> {
    fn new(record: Record) -> Unread<T> {
        Unread { record, read: std::sync::OnceLock::new() }
    }

    fn read(&self) -> Option<Arc<(Record, T)>> {
        self.read.get_or_init(|| serde_json::from_value::<T>(self.record.body.clone()).ok().map(|body| Arc::new((self.record.clone(), body)))).clone()
    }
}

#[derive(Debug, Clone, Default)]
pub struct RecordCache {
    tickets: HashMap<Uuid, Arc<BoardItem>>,
    /// Events that arrived before the events were loaded: applied again once they are.
    early_events: Vec<Record>,
    events_loaded: bool,
    tickets_loaded: bool,
    drills_loaded: bool,
    plans: HashMap<Uuid, Unread<DrillPlan>>,
    runs: HashMap<Uuid, Unread<DrillRun>>,
    /// Improvement measures (few: a site records a handful a quarter).
    measures: HashMap<Uuid, Arc<(Record, Improvement)>>,
    /// Every stamp of a record the cache has seen deleted, so a late read of the record
    /// before its deletion does not bring it back.
    deleted: HashMap<Uuid, Stamp>,
    rev: u64,
    /// The highest record stamp the cache has taken in: what a summary written from it covers.
    highest: Option<Stamp>,
    /// The board's first look from a summary, while the tickets are still being read.
    preview: Option<BoardSummary>,
    /// Bumped by every change to the tickets.
    generation: u64,
    /// The tickets each recent generation changed, oldest first, without gaps. A generation
    /// before the first one here (a load, a clear) may have changed any ticket.
    ticket_log: std::collections::VecDeque<(u64, Vec<Uuid>)>,
    /// The live tickets of each unit or location (residents' records, issue 21): a place's
    /// history is read from here, never by going through every ticket.
    places: HashMap<PlaceKey, std::collections::HashSet<Uuid>>,
}

/// How many generations [`RecordCache::tickets_changed_since`] can answer for: a view that
/// fell further behind rebuilds what it shows.
const TICKET_LOG: usize = 64;

impl RecordCache {
    pub fn new() -> Self {
        Self::default()
    }

    fn saw(&mut self, stamp: Stamp) {
        self.highest = self.highest.max(Some(stamp));
    }

    /// Everything stored up to `stamp` has been read in (tombstones, which are not loaded,
    /// included): the store's highest stamp, read before the load.
    pub fn covers(&mut self, stamp: Stamp) {
        self.saw(stamp);
    }

    /// Which tickets changed since `generation`; `None` when any may have (a load or a clear
    /// since, or too long ago to say), and what shows them must be rebuilt.
    pub fn tickets_changed_since(&self, generation: u64) -> Option<Vec<Uuid>> {
        if generation == self.generation {
            return Some(Vec::new());
        }
        let first = self.ticket_log.front()?.0;
        if generation + 1 < first || generation > self.generation {
            return None;
        }
        let mut ids: Vec<Uuid> =
            self.ticket_log.iter().filter(|(g, _)| *g > generation).flat_map(|(_, ids)| ids.iter().copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }

    /// The generation of the tickets as they are now.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    fn changed_tickets(&mut self, ids: Vec<Uuid>) {
        self.generation += 1;
        self.ticket_log.push_back((self.generation, ids));
        if self.ticket_log.len() > TICKET_LOG {
            self.ticket_log.pop_front();
        }
    }

    fn changed_all_tickets(&mut self) {
        self.generation += 1;
        self.ticket_log.clear();
    }

    fn next_rev(&mut self) -> u64 {
        self.rev += 1;
        self.rev
    }

    /// The first look: every live ticket with the state its own copy of its progress gives.
    /// Tickets already in the cache with a later stamp (a write applied while this read was
    /// under way) are kept.
    pub fn load_tickets(&mut self, rows: Vec<Row<Ticket>>) {
        for row in rows {
            self.saw(row.updated_at);
            if self.is_newer_here(row.id, row.updated_at) {
                continue;
            }
            let rev = self.next_rev();
            let state = glance(&row.body);
            let item = BoardItem {
                id: row.id,
                search_text: search_text(&row.body),
                ticket: row.body,
                state,
                settled: false,
                rev,
                created_at: row.created_at,
                updated_at: row.updated_at,
                origin_device: row.origin_device,
                edits: row.edits.into_iter().filter(|e| row.purged_at.is_none_or(|p| e.at < p)).collect(),
            };
            self.put_ticket(item);
        }
        self.tickets_loaded = true;
        self.preview = None;
        self.changed_all_tickets();
    }

    /// A cold start's first look: the summary's cards (as first looks, without history) and
    /// its counts, shown until the tickets are read. The caller has checked that it is
    /// current (its `as_of` is the store's highest stamp).
    pub fn load_summary(&mut self, summary: BoardSummary) {
        for card in &summary.first {
            if self.tickets.contains_key(&card.id) {
                continue;
            }
            let rev = self.next_rev();
            let item = BoardItem {
                id: card.id,
                search_text: search_text(&card.ticket),
                state: glance(&card.ticket),
                ticket: card.ticket.clone(),
                settled: false,
                rev,
                created_at: card.created_at,
                updated_at: card.updated_at,
                origin_device: card.origin_device,
                edits: Vec::new(),
            };
            self.put_ticket(item);
        }
        self.preview = Some(summary);
        self.changed_all_tickets();
    }

    /// The summary the board shows its counts from while the tickets are being read.
    pub fn preview(&self) -> Option<&BoardSummary> {
        self.preview.as_ref().filter(|_| !self.tickets_loaded)
    }

    /// The board's summary as the cache holds it now: `None` until every ticket is loaded
    /// (a summary of part of them would be wrong). The tickets' own copies of their
    /// progress are enough: the summary is the board's first look.
    pub fn summary(&self, now: chrono::DateTime<chrono::Utc>) -> Option<BoardSummary> {
        if !self.tickets_loaded {
            return None;
        }
        let as_of = self.highest?;
        let mut counts = Vec::with_capacity(STATUSES.len());
        let mut first = Vec::new();
        for status in STATUSES {
            let mut column: Vec<&Arc<BoardItem>> = self.tickets.values().filter(|i| i.state.status == status).collect();
            counts.push((status, column.len()));
            // Only the first page is kept: find it, then sort just that.
            let key = |i: &&Arc<BoardItem>| sort_key(SortOrder::default(), now, &i.ticket, &i.state);
            if column.len() > COLUMN_PAGE {
                column.select_nth_unstable_by_key(COLUMN_PAGE - 1, key);
                column.truncate(COLUMN_PAGE);
            }
            sort_items(&mut column, SortOrder::default(), now, |i| (&i.ticket, &i.state));
            first.extend(column.into_iter().take(COLUMN_PAGE).map(|i| SummaryCard {
                id: i.id,
                created_at: i.created_at,
                updated_at: i.updated_at,
                origin_device: i.origin_device,
                ticket: i.ticket.clone(),
            }));
        }
        Some(BoardSummary { as_of, counts, first })
    }

    /// Every live event: each ticket's state is derived from its events and holds its history.
    pub fn load_events(&mut self, rows: Vec<Row<TicketEvent>>) {
        let mut by_ticket: HashMap<Uuid, Vec<(Stamp, TicketEvent)>> = HashMap::new();
        for row in rows {
            self.saw(row.updated_at);
            by_ticket.entry(row.body.ticket_id).or_default().push((row.created_at, row.body));
        }
        let ids: Vec<Uuid> = self.tickets.keys().copied().collect();
        for id in ids {
            let events = by_ticket.remove(&id).unwrap_or_default();
            self.settle(id, events);
        }
        self.events_loaded = true;
        self.changed_all_tickets();
        let early = std::mem::take(&mut self.early_events);
        self.apply(&early);
    }

    /// Stored drill plans, runs and improvement measures (all small stores).
    pub fn load_drills(&mut self, plans: Vec<Record>, runs: Vec<Record>, measures: Vec<Record>) {
        self.apply(&plans);
        self.apply(&runs);
        self.apply(&measures);
        self.drills_loaded = true;
    }

    pub fn drills_loaded(&self) -> bool {
        self.drills_loaded
    }

    pub fn tickets_loaded(&self) -> bool {
        self.tickets_loaded
    }

    pub fn events_loaded(&self) -> bool {
        self.events_loaded
    }

    fn is_newer_here(&self, id: Uuid, stamp: Stamp) -> bool {
        self.deleted.get(&id).is_some_and(|d| *d >= stamp)
            || self.tickets.get(&id).is_some_and(|t| t.updated_at > stamp)
            || self.plans.get(&id).is_some_and(|p| p.record.updated_at > stamp)
            || self.runs.get(&id).is_some_and(|r| r.record.updated_at > stamp)
    }

    fn settle(&mut self, id: Uuid, events: Vec<(Stamp, TicketEvent)>) {
        let rev = self.next_rev();
        if let Some(item) = self.tickets.get_mut(&id) {
            let item = Arc::make_mut(item);
            item.state = derive(&item.ticket, &events);
            item.settled = true;
            item.rev = rev;
        }
    }

    /// Applies committed records (tombstones included): a write of this tab, or records
    /// another tab named and this one read. Costs what the records and their tickets'
    /// histories cost, whatever the cache holds.
    pub fn apply(&mut self, records: &[Record]) -> Applied {
        let mut applied = Applied::default();
        // Tickets first, so an event written with its ticket finds it.
        for r in records {
            self.saw(r.updated_at);
        }
        let mut ordered: Vec<&Record> = records.iter().collect();
        ordered.sort_by_key(|r| r.kind != RecordKind::Ticket);
        for record in ordered {
            match record.kind {
                RecordKind::Ticket => self.apply_ticket(record, &mut applied),
                RecordKind::TicketEvent => self.apply_event(record, &mut applied),
                RecordKind::DrillPlan => self.apply_drill(record, &mut applied),
                RecordKind::DrillRun => self.apply_drill(record, &mut applied),
                RecordKind::Improvement => self.apply_measure(record, &mut applied),
            }
        }
        applied.tickets.sort_unstable();
        applied.tickets.dedup();
        if !applied.tickets.is_empty() {
            self.changed_tickets(applied.tickets.clone());
        }
        applied
    }

    fn apply_ticket(&mut self, record: &Record, applied: &mut Applied) {
        if self.is_newer_here(record.id, record.updated_at) {
            applied.older += 1;
            return;
        }
        if record.is_deleted() {
            self.deleted.insert(record.id, record.updated_at);
            if self.take_ticket(record.id) {
                applied.tickets.push(record.id);
            }
            return;
        }
        let Ok(ticket) = serde_json::from_value::<Ticket>(record.body.clone()) else {
            applied.unreadable += 1;
            return;
        };
        let rev = self.next_rev();
        // The events already known stay with the ticket: a ticket's new copy does not
        // change its history.
        let history: Option<Vec<(Stamp, TicketEvent)>> = self
            .tickets
            .get(&record.id)
            .filter(|old| old.settled)
            .map(|old| old.state.history.iter().map(|h| (h.stamp, h.event.clone())).collect());
        let (state, settled) = match history {
            Some(events) => (derive(&ticket, &events), true),
            // A new ticket when the events are loaded: its events come in the same write
            // (or later), and until then it has none.
            None if self.events_loaded && !self.tickets.contains_key(&record.id) => (derive(&ticket, &[]), true),
            None => (glance(&ticket), false),
        };
        let item = BoardItem {
            id: record.id,
            search_text: search_text(&ticket),
            ticket,
            state,
            settled,
            rev,
            created_at: record.created_at,
            updated_at: record.updated_at,
            origin_device: record.origin_device,
            edits: record.edit_marks(),
        };
        self.put_ticket(item);
        applied.tickets.push(record.id);
    }

    /// Keeps a ticket, and its place's list (a ticket whose unit was corrected moves).
    fn put_ticket(&mut self, item: BoardItem) {
        let (id, place) = (item.id, place_of(&item.ticket));
        if let Some(old) = self.tickets.insert(id, Arc::new(item)) {
            let before = place_of(&old.ticket);
            if before != place {
                self.leave_place(before, id);
            }
        }
        if let Some(place) = place {
            self.places.entry(place).or_default().insert(id);
        }
    }

    /// Forgets a ticket (deleted); whether it was here.
    fn take_ticket(&mut self, id: Uuid) -> bool {
        match self.tickets.remove(&id) {
            Some(old) => {
                self.leave_place(place_of(&old.ticket), id);
                true
            }
            None => false,
        }
    }

    fn leave_place(&mut self, place: Option<PlaceKey>, id: Uuid) {
        if let Some(place) = place {
            if let Some(ids) = self.places.get_mut(&place) {
                ids.remove(&id);
                if ids.is_empty() {
                    self.places.remove(&place);
                }
            }
        }
    }

    /// Every live ticket of a unit or location, newest first.
    pub fn at_place(&self, place: &PlaceKey) -> Vec<Arc<BoardItem>> {
        let mut items: Vec<Arc<BoardItem>> = self.places.get(place).into_iter().flatten().filter_map(|id| self.tickets.get(id).cloned()).collect();
        items.sort_by(|a, b| b.ticket.received_at.cmp(&a.ticket.received_at).then(b.id.cmp(&a.id)));
        items
    }

    /// Whether a ticket repeats an earlier report of the same category at its unit or place
    /// within `days` (a repeat problem, flagged on its card).
    pub fn is_repeat(&self, id: Uuid, days: u32) -> bool {
        let Some(item) = self.tickets.get(&id) else { return false };
        let Some(place) = place_of(&item.ticket) else { return false };
        let others = self.places.get(&place).into_iter().flatten().filter_map(|other| self.tickets.get(other)).map(|i| place_ticket(i));
        is_repeat(&place_ticket(item), others, days)
    }

    fn apply_event(&mut self, record: &Record, applied: &mut Applied) {
        if !self.events_loaded {
            self.early_events.push(record.clone());
            return;
        }
        let Some(ticket_id) = record.body.get("ticket_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok()) else {
            // A tombstone's body may be anything; a live event without its ticket is unreadable.
            if !record.is_deleted() {
                applied.unreadable += 1;
            }
            return;
        };
        let Some(item) = self.tickets.get(&ticket_id) else { return };
        if !item.settled {
            return;
        }
        // An event's identity within its ticket is its creation stamp (unique per device).
        let mut events: Vec<(Stamp, TicketEvent)> =
            item.state.history.iter().filter(|h| h.stamp != record.created_at).map(|h| (h.stamp, h.event.clone())).collect();
        if !record.is_deleted() {
            match serde_json::from_value::<TicketEvent>(record.body.clone()) {
                Ok(event) => events.push((record.created_at, event)),
                Err(_) => {
                    applied.unreadable += 1;
                    return;
                }
            }
        }
        self.settle(ticket_id, events);
        applied.tickets.push(ticket_id);
    }

    fn apply_drill(&mut self, record: &Record, applied: &mut Applied) {
        if self.is_newer_here(record.id, record.updated_at) {
            applied.older += 1;
            return;
        }
        let is_plan = record.kind == RecordKind::DrillPlan;
        if record.is_deleted() {
            self.deleted.insert(record.id, record.updated_at);
            let removed = if is_plan { self.plans.remove(&record.id).is_some() } else { self.runs.remove(&record.id).is_some() };
            if removed {
                if is_plan { applied.plans.push(record.id) } else { applied.runs.push(record.id) }
            }
            return;
        }
        if is_plan {
            self.plans.insert(record.id, Unread::new(record.clone()));
            applied.plans.push(record.id);
        } else {
            self.runs.insert(record.id, Unread::new(record.clone()));
            applied.runs.push(record.id);
        }
    }

    fn apply_measure(&mut self, record: &Record, applied: &mut Applied) {
        if self.is_newer_here(record.id, record.updated_at) {
            applied.older += 1;
            return;
        }
        if record.is_deleted() {
            self.deleted.insert(record.id, record.updated_at);
            if self.measures.remove(&record.id).is_some() {
                applied.measures.push(record.id);
            }
            return;
        }
        match serde_json::from_value::<Improvement>(record.body.clone()) {
            Ok(measure) => {
                self.measures.insert(record.id, Arc::new((record.clone(), measure)));
                applied.measures.push(record.id);
            }
            Err(_) => applied.unreadable += 1,
        }
    }

    /// Applies records that replace the cached copies although their stamps are lower (a
    /// repair of stamps from the future, [`crate::app::repair`]): `before` are the copies as
    /// they were, so a ticket keeps its history and an event moved to a new stamp is not
    /// listed twice.
    pub fn replace(&mut self, before: &[Record], after: &[Record]) -> Applied {
        for old in before {
            self.deleted.remove(&old.id);
            match old.kind {
                RecordKind::Ticket => {
                    if let (Some(item), Some(new)) = (self.tickets.get_mut(&old.id), after.iter().find(|r| r.id == old.id)) {
                        Arc::make_mut(item).updated_at = new.updated_at;
                    }
                }
                RecordKind::DrillPlan => drop(self.plans.remove(&old.id)),
                RecordKind::DrillRun => drop(self.runs.remove(&old.id)),
                RecordKind::Improvement => drop(self.measures.remove(&old.id)),
                RecordKind::TicketEvent => {
                    let ticket = old.body.get("ticket_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
                    if let Some(item) = ticket.and_then(|t| self.tickets.get(&t)).filter(|i| i.settled) {
                        let events: Vec<(Stamp, TicketEvent)> =
                            item.state.history.iter().filter(|h| h.stamp != old.created_at).map(|h| (h.stamp, h.event.clone())).collect();
                        let id = item.id;
                        self.settle(id, events);
                    }
                }
            }
        }
        self.apply(after)
    }

    /// Forgets everything (before a reload after a bulk change such as removing sample data).
    pub fn clear(&mut self) {
        let (rev, generation) = (self.rev, self.generation + 1);
        *self = RecordCache { rev, generation, ..RecordCache::default() };
    }

    /// The stamp of the version of a record the cache holds; `None` for events (kept inside
    /// their tickets' histories) and for records it does not hold.
    pub fn stamp_of(&self, kind: RecordKind, id: Uuid) -> Option<Stamp> {
        match kind {
            RecordKind::Ticket => self.tickets.get(&id).map(|t| t.updated_at),
            RecordKind::DrillPlan => self.plans.get(&id).map(|p| p.record.updated_at),
            RecordKind::DrillRun => self.runs.get(&id).map(|r| r.record.updated_at),
            RecordKind::Improvement => self.measures.get(&id).map(|m| m.0.updated_at),
            RecordKind::TicketEvent => None,
        }
    }

    pub fn ticket(&self, id: Uuid) -> Option<&Arc<BoardItem>> {
        self.tickets.get(&id)
    }

    pub fn tickets(&self) -> impl Iterator<Item = &Arc<BoardItem>> {
        self.tickets.values()
    }

    pub fn ticket_count(&self) -> usize {
        self.tickets.len()
    }

    /// The `n` tickets born on `device` most recently, newest first.
    pub fn recent_from(&self, device: Uuid, n: usize) -> Vec<Arc<BoardItem>> {
        let mut mine: Vec<&Arc<BoardItem>> = self.tickets.values().filter(|i| i.origin_device == device).collect();
        let n = n.min(mine.len());
        if n == 0 {
            return Vec::new();
        }
        // Only the first n need sorting.
        mine.select_nth_unstable_by(n - 1, |a, b| b.created_at.cmp(&a.created_at));
        mine.truncate(n);
        mine.sort_by_key(|i| std::cmp::Reverse(i.created_at));
        mine.into_iter().cloned().collect()
    }

    /// Every plan, retired ones too, oldest first. Built-in plans are not stored until someone
    /// edits or retires one (opening the Drills view must not make "changes not yet
    /// exported"); until then they are shown under their fixed ids, stamped at the epoch so
    /// any edit supersedes them.
    pub fn plans(&self) -> Vec<Arc<(Record, DrillPlan)>> {
        let mut plans: Vec<Arc<(Record, DrillPlan)>> = self.plans.values().filter_map(Unread::read).collect();
        let epoch = Stamp { wall_ms: 0, counter: 0, device: Uuid::nil() };
        static BUILT_IN: std::sync::OnceLock<Vec<(Uuid, DrillPlan)>> = std::sync::OnceLock::new();
        for (id, plan) in BUILT_IN.get_or_init(built_in_plans).iter().cloned() {
            if !self.plans.contains_key(&id) && !self.deleted.contains_key(&id) {
                if let Ok(body) = serde_json::to_value(&plan) {
                    plans.push(Arc::new((Record::create_with_id(id, RecordKind::DrillPlan, body, epoch, None), plan)));
                }
            }
        }
        plans.sort_by_key(|p| p.0.created_at);
        plans
    }

    pub fn plan(&self, id: Uuid) -> Option<Arc<(Record, DrillPlan)>> {
        self.plans().into_iter().find(|p| p.0.id == id)
    }

    /// Every improvement measure, the latest start first.
    pub fn measures(&self) -> Vec<Arc<(Record, Improvement)>> {
        let mut measures: Vec<Arc<(Record, Improvement)>> = self.measures.values().cloned().collect();
        measures.sort_by_key(|m| (std::cmp::Reverse(m.1.start), std::cmp::Reverse(m.0.created_at)));
        measures
    }

    pub fn measure(&self, id: Uuid) -> Option<Arc<(Record, Improvement)>> {
        self.measures.get(&id).cloned()
    }

    /// Every run, newest start first.
    pub fn runs(&self) -> Vec<Arc<(Record, DrillRun)>> {
        let mut runs: Vec<Arc<(Record, DrillRun)>> = self.runs.values().filter_map(Unread::read).collect();
        runs.sort_by_key(|r| std::cmp::Reverse(r.1.started_at));
        runs
    }

    pub fn run(&self, id: Uuid) -> Option<Arc<(Record, DrillRun)>> {
        self.runs.get(&id).and_then(Unread::read)
    }
}

/// A ticket's state from the ticket alone; a ticket saved before it kept its progress shows
/// its stored status without clocks until its events are read.
fn glance(ticket: &Ticket) -> TicketState {
    at_a_glance(ticket).unwrap_or_else(|| {
        let mut s = derive(ticket, &[]);
        s.status = ticket.status;
        s
    })
}

/// A ticket as repeat detection sees it.
fn place_ticket(item: &BoardItem) -> PlaceTicket<'_> {
    PlaceTicket { id: item.id, category: &item.ticket.category, received_at: item.ticket.received_at }
}
