//! What the dispatch board shows for a filter: the matching tickets sorted, as one list and
//! by column, kept current from the cache by the tickets each change names. Filtering and
//! sorting every ticket again after each step cost most of a step at 50,000 tickets; placing
//! the few changed ones costs the same at any size.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::app::cache::{BoardItem, RecordCache};
use crate::domain::board::{search_terms, sort_items, sort_key, BoardFilter, SortKey, STATUSES};
use crate::domain::ticket::TicketStatus;

/// Whether what the board shows for `filter` moves with the clock: the deadline order (a
/// ticket on hold has its deadline pushed back as time passes) and the overdue filter. The
/// view then refreshes the lists' moment once a minute; otherwise it never needs to.
pub fn moves_with_the_clock(filter: &BoardFilter) -> bool {
    filter.overdue || filter.sort == crate::domain::board::SortOrder::Deadline
}

/// Counters that move when a list changes: a column redraws when its own moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BoardRevisions {
    pub all: u64,
    pub columns: [u64; STATUSES.len()],
}

#[derive(Debug, Default)]
pub struct BoardLists {
    filter: Option<BoardFilter>,
    terms: Vec<String>,
    now: DateTime<Utc>,
    /// The cache generation the lists are current with.
    generation: u64,
    all: Vec<Arc<BoardItem>>,
    columns: [Vec<Arc<BoardItem>>; STATUSES.len()],
    revisions: BoardRevisions,
    rebuilds: u64,
}

fn column_of(status: TicketStatus) -> usize {
    STATUSES.iter().position(|s| *s == status).unwrap_or(0)
}

impl BoardLists {
    pub fn new() -> Self {
        Self::default()
    }

    /// Brings the lists up to date with `cache` under `filter`, judged at `now`, and says
    /// which moved. A new filter or a new `now` sorts everything again; otherwise only the
    /// tickets changed since the last refresh are placed. The caller passes the same `now`
    /// until it wants the clock taken in (see [`moves_with_the_clock`]): re-sorting 50,000
    /// tickets inside a step because a minute had passed cost 0.3 s.
    pub fn refresh(&mut self, cache: &RecordCache, filter: &BoardFilter, now: DateTime<Utc>) -> BoardRevisions {
        let changed = match &self.filter {
            Some(f) if f == filter && now == self.now => cache.tickets_changed_since(self.generation),
            _ => None,
        };
        match changed {
            Some(ids) => self.place(cache, &ids),
            None => self.rebuild(cache, filter, now),
        }
        self.generation = cache.generation();
        self.revisions
    }

    fn matches(&self, item: &BoardItem) -> bool {
        self.filter.as_ref().is_some_and(|f| f.matches_with(&item.ticket, &item.state, &item.search_text, &self.terms, self.now))
    }

    fn key(&self, item: &BoardItem) -> SortKey {
        let order = self.filter.as_ref().map(|f| f.sort).unwrap_or_default();
        sort_key(order, self.now, &item.ticket, &item.state)
    }

    fn rebuild(&mut self, cache: &RecordCache, filter: &BoardFilter, now: DateTime<Utc>) {
        self.filter = Some(filter.clone());
        self.terms = search_terms(&filter.text);
        self.now = now;
        let mut all: Vec<Arc<BoardItem>> = cache.tickets().filter(|i| self.matches(i)).cloned().collect();
        sort_items(&mut all, filter.sort, now, |i| (&i.ticket, &i.state));
        let mut columns: [Vec<Arc<BoardItem>>; STATUSES.len()] = Default::default();
        for item in &all {
            columns[column_of(item.state.status)].push(item.clone());
        }
        self.all = all;
        self.columns = columns;
        self.revisions.all += 1;
        for rev in &mut self.revisions.columns {
            *rev += 1;
        }
        self.rebuilds += 1;
    }

    /// Takes the changed tickets out of wherever they were and puts each back where its
    /// current state sorts, if it still matches.
    fn place(&mut self, cache: &RecordCache, ids: &[Uuid]) {
        if ids.is_empty() {
            return;
        }
        let mut touched = [false; STATUSES.len()];
        let before = self.all.len();
        self.all.retain(|i| ids.binary_search(&i.id).is_err());
        let mut moved = self.all.len() != before;
        for (n, column) in self.columns.iter_mut().enumerate() {
            let before = column.len();
            column.retain(|i| ids.binary_search(&i.id).is_err());
            touched[n] = column.len() != before;
        }
        for id in ids {
            let Some(item) = cache.ticket(*id) else { continue };
            if !self.matches(item) {
                continue;
            }
            let key = self.key(item);
            let at = self.all.partition_point(|i| self.key(i) <= key);
            self.all.insert(at, item.clone());
            let n = column_of(item.state.status);
            let at = self.columns[n].partition_point(|i| self.key(i) <= key);
            self.columns[n].insert(at, item.clone());
            touched[n] = true;
            moved = true;
        }
        if moved {
            self.revisions.all += 1;
        }
        for (n, t) in touched.into_iter().enumerate() {
            if t {
                self.revisions.columns[n] += 1;
            }
        }
    }

    /// Every matching ticket in order (the list view).
    pub fn all(&self) -> &[Arc<BoardItem>] {
        &self.all
    }

    pub fn column(&self, status: TicketStatus) -> &[Arc<BoardItem>] {
        &self.columns[column_of(status)]
    }

    /// The moment the lists are judged at (deadlines, "overdue").
    pub fn judged_at(&self) -> DateTime<Utc> {
        self.now
    }

    /// Whether the lists are for this filter.
    pub fn shows(&self, filter: &BoardFilter) -> bool {
        self.filter.as_ref() == Some(filter)
    }

    /// How many times the lists were built from every ticket (tests: a step places, it
    /// does not rebuild).
    pub fn rebuilds(&self) -> u64 {
        self.rebuilds
    }
}
