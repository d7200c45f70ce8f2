//! The ticket lifecycle (工作流程) as a state machine, and a ticket's current state derived
//! from its append-only events. Events are ordered by their HLC stamp, so the events of two
//! tablets merged in any order give the same state everywhere.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::clock::Stamp;
pub use super::vocab::HoldReason;
use super::vocab::{Department, Level, Priority, StaffRole, TicketKind, TicketStatus};
use super::sla::{clock, Hold, SlaClock};
pub use super::ticket::Progress;
use super::ticket::Ticket;
use super::triage::SlaHours;
use super::validation::{required_text, Problem};

pub const NOTE_MAX: usize = 500;

/// One step in a ticket's history (the body of a `ticket_event` record): intake writes the
/// first, the board every later one. Append-only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub ticket_id: Uuid,
    pub at: DateTime<Utc>,
    pub utc_offset_min: i32,
    pub by: Option<Uuid>,
    pub from: Option<TicketStatus>,
    pub to: TicketStatus,
    #[serde(default)]
    pub note: String,
    /// What happened; events written before actions existed read as `Received`.
    #[serde(default)]
    pub action: Action,
}

impl Ticket {
    /// The ticket with `progress` (and the other copies of what events decide) set from
    /// `events`.
    pub fn with_progress(mut self, events: &[(Stamp, TicketEvent)]) -> Ticket {
        let state = derive(&self, events);
        self.status = state.status;
        self.department = state.department;
        self.assignee = state.assignee;
        self.priority = state.priority;
        self.urgency = state.urgency;
        self.importance = state.importance;
        self.progress = Some(state.progress());
        self
    }
}

/// How the return visit reached the resident (回访方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    Phone,
    Visit,
    Message,
}

impl ContactMethod {
    pub const ALL: [ContactMethod; 3] = [ContactMethod::Phone, ContactMethod::Visit, ContactMethod::Message];
    pub fn key(self) -> &'static str {
        match self {
            ContactMethod::Phone => "phone",
            ContactMethod::Visit => "visit",
            ContactMethod::Message => "message",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// The resident's verdict, from the 1–5 score: 4–5 satisfied (满意), 3 neutral (一般),
/// 1–2 dissatisfied (不满意).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Neutral,
    Dissatisfied,
}

impl Satisfaction {
    pub fn from_score(score: u8) -> Satisfaction {
        match score {
            4.. => Satisfaction::Satisfied,
            3 => Satisfaction::Neutral,
            _ => Satisfaction::Dissatisfied,
        }
    }
}

/// What a ticket event did. Stored inside the event, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    /// Intake created the ticket.
    #[default]
    Received,
    /// Initial assessment (初步评估), with the hours that apply from now on.
    Assess { urgency: Level, importance: Level, priority: Priority, hours: SlaHours },
    /// Dispatched (分派) to a department and optionally a person.
    Dispatch { department: Department, assignee: Option<Uuid> },
    /// Given to someone else without changing the status.
    Reassign { department: Department, assignee: Option<Uuid> },
    Start,
    Hold { reason: HoldReason },
    Resume,
    /// Resolved (解决): what was done and why it happened.
    Resolve { work_done: String, cause: String },
    /// The return visit (回访).
    ReturnVisit { method: ContactMethod, score: u8, comment: String, visitor: Option<Uuid> },
    Close,
    Reopen,
}

impl Action {
    pub fn key(&self) -> &'static str {
        match self {
            Action::Received => "received",
            Action::Assess { .. } => "assess",
            Action::Dispatch { .. } => "dispatch",
            Action::Reassign { .. } => "reassign",
            Action::Start => "start",
            Action::Hold { .. } => "hold",
            Action::Resume => "resume",
            Action::Resolve { .. } => "resolve",
            Action::ReturnVisit { .. } => "return_visit",
            Action::Close => "close",
            Action::Reopen => "reopen",
        }
    }

    /// Closing and reopening are the supervisor's call (advisory: on a shared tablet anyone
    /// can pick a supervisor's name as on duty).
    pub fn needs_supervisor(&self) -> bool {
        matches!(self, Action::Close | Action::Reopen)
    }
}

/// A step staff can take on a ticket: what the board offers as a button and a dialog.
/// Typed, so a new or mistyped step cannot fall through to another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Assess,
    Dispatch,
    Reassign,
    Start,
    Hold,
    Resume,
    Resolve,
    ReturnVisit,
    Close,
    Reopen,
}

impl Step {
    pub const ALL: [Step; 10] =
        [Step::Assess, Step::Dispatch, Step::Reassign, Step::Start, Step::Hold, Step::Resume, Step::Resolve, Step::ReturnVisit, Step::Close, Step::Reopen];

    /// The same key as the action it takes ([`Action::key`]), for catalogues and test ids.
    pub fn key(self) -> &'static str {
        match self {
            Step::Assess => "assess",
            Step::Dispatch => "dispatch",
            Step::Reassign => "reassign",
            Step::Start => "start",
            Step::Hold => "hold",
            Step::Resume => "resume",
            Step::Resolve => "resolve",
            Step::ReturnVisit => "return_visit",
            Step::Close => "close",
            Step::Reopen => "reopen",
        }
    }

    /// Closing and reopening are the supervisor's call (see [`Action::needs_supervisor`]).
    pub fn needs_supervisor(self) -> bool {
        self.sample().needs_supervisor()
    }

    /// Whether the step's note is required: to reopen, and to hold for "another reason"
    /// (the reason is the note). [`check`] enforces it; forms mark the field.
    pub fn needs_note(self, hold_reason: HoldReason) -> bool {
        self == Step::Reopen || (self == Step::Hold && hold_reason == HoldReason::Other)
    }

    /// An action of this step with placeholder fields (for asking the workflow what it allows).
    fn sample(self) -> Action {
        match self {
            Step::Assess => Action::Assess { urgency: Level::Low, importance: Level::Low, priority: Priority::P4, hours: SlaHours { respond: 1, resolve: 1 } },
            Step::Dispatch => Action::Dispatch { department: Department::Engineering, assignee: None },
            Step::Reassign => Action::Reassign { department: Department::Engineering, assignee: None },
            Step::Start => Action::Start,
            Step::Hold => Action::Hold { reason: HoldReason::Parts },
            Step::Resume => Action::Resume,
            Step::Resolve => Action::Resolve { work_done: String::new(), cause: String::new() },
            Step::ReturnVisit => Action::ReturnVisit { method: ContactMethod::Phone, score: 5, comment: String::new(), visitor: None },
            Step::Close => Action::Close,
            Step::Reopen => Action::Reopen,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a move this status allows.
    NotAllowed { from: TicketStatus },
    /// Only a supervisor may do this.
    NeedsSupervisor,
    /// A field of the action is missing or wrong.
    Invalid(ActionField, Problem),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionField {
    Note,
    WorkDone,
    Score,
}

/// The status an action leads to from `from`, or `None` if the move is not allowed.
///
/// new → assessed → dispatched → in progress ⇄ on hold → resolved → return visited → closed;
/// a resolved, visited or closed ticket can be reopened, and is then assessed or dispatched
/// again. Tickets without a resident to call back (patrol findings, inquiries, suggestions)
/// may close straight after they are resolved.
pub fn next_status(from: TicketStatus, action: &Action, kind: TicketKind) -> Option<TicketStatus> {
    use TicketStatus::*;
    let to = match (action, from) {
        (Action::Assess { .. }, New | Reopened | Assessed) => Assessed,
        (Action::Dispatch { .. }, Assessed | Reopened) => Dispatched,
        (Action::Reassign { .. }, Dispatched | InProgress | OnHold) => from,
        (Action::Start, Dispatched) => InProgress,
        (Action::Hold { .. }, Dispatched | InProgress) => OnHold,
        (Action::Resume, OnHold) => InProgress,
        (Action::Resolve { .. }, Dispatched | InProgress) => Resolved,
        (Action::ReturnVisit { .. }, Resolved) => ReturnVisited,
        (Action::Close, ReturnVisited) => Closed,
        (Action::Close, Resolved) if !kind_needs_return_visit(kind) => Closed,
        (Action::Reopen, Resolved | ReturnVisited | Closed) => Reopened,
        _ => return None,
    };
    Some(to)
}

fn kind_needs_return_visit(kind: TicketKind) -> bool {
    matches!(kind, TicketKind::Repair | TicketKind::Complaint)
}

/// The actions offered from a status (their payloads are filled in by the user).
pub fn offered_actions(status: TicketStatus, kind: TicketKind) -> Vec<Step> {
    Step::ALL.into_iter().filter(|step| next_status(status, &step.sample(), kind).is_some()).collect()
}

/// Checks an action the user is about to take: allowed from `from`, by this role, with its
/// fields filled in. The note is the event's free text (required to hold with "other" and to
/// reopen).
pub fn check(from: TicketStatus, kind: TicketKind, action: &Action, note: &str, role: Option<StaffRole>) -> Result<TicketStatus, Refusal> {
    let to = next_status(from, action, kind).ok_or(Refusal::NotAllowed { from })?;
    if action.needs_supervisor() && role != Some(StaffRole::Supervisor) {
        return Err(Refusal::NeedsSupervisor);
    }
    if note.trim().chars().count() > NOTE_MAX {
        return Err(Refusal::Invalid(ActionField::Note, Problem::TooLong { max: NOTE_MAX }));
    }
    match action {
        Action::Hold { reason: HoldReason::Other } | Action::Reopen => {
            required_text(note, NOTE_MAX).map_err(|p| Refusal::Invalid(ActionField::Note, p))?;
        }
        Action::Resolve { work_done, .. } => {
            required_text(work_done, NOTE_MAX).map_err(|p| Refusal::Invalid(ActionField::WorkDone, p))?;
        }
        Action::ReturnVisit { score, .. } if !(1..=5).contains(score) => {
            return Err(Refusal::Invalid(ActionField::Score, Problem::OutOfRange { min: 1, max: 5 }));
        }
        _ => {}
    }
    Ok(to)
}

/// A return visit as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnVisitRecord {
    pub at: DateTime<Utc>,
    pub method: ContactMethod,
    pub score: u8,
    pub satisfaction: Satisfaction,
    pub comment: String,
    pub visitor: Option<Uuid>,
}

/// One event in the history, and whether it took effect.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub stamp: Stamp,
    pub event: TicketEvent,
    /// False for a move that was no longer possible when it arrived (two tablets acted on the
    /// same ticket at once; the earlier stamp won). Kept and shown, never dropped.
    pub applied: bool,
}

/// A ticket's current state, derived from the ticket and its events.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketState {
    pub status: TicketStatus,
    pub department: Option<Department>,
    pub assignee: Option<Uuid>,
    pub urgency: Level,
    pub importance: Level,
    pub priority: Priority,
    pub hours: SlaHours,
    pub received_at: DateTime<Utc>,
    /// The first action after intake (assessment or dispatch): the response.
    pub first_response_at: Option<DateTime<Utc>>,
    /// When it was last resolved (cleared by a reopen).
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub holds: Vec<Hold>,
    pub hold_reason: Option<HoldReason>,
    pub return_visit: Option<ReturnVisitRecord>,
    pub reopen_count: u32,
    pub history: Vec<HistoryEntry>,
}

impl TicketState {
    pub fn progress(&self) -> Progress {
        Progress {
            hours: self.hours,
            first_response_at: self.first_response_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            holds: self.holds.clone(),
            hold_reason: self.hold_reason,
            reopen_count: self.reopen_count,
        }
    }

    pub fn respond_clock(&self, now: DateTime<Utc>) -> SlaClock {
        clock(self.received_at, Duration::hours(self.hours.respond.into()), &[], self.first_response_at, now)
    }

    pub fn resolve_clock(&self, now: DateTime<Utc>) -> SlaClock {
        clock(self.received_at, Duration::hours(self.hours.resolve.into()), &self.holds, self.resolved_at, now)
    }

    /// Open means someone still has to act before it is resolved.
    pub fn is_open(&self) -> bool {
        !matches!(self.status, TicketStatus::Resolved | TicketStatus::ReturnVisited | TicketStatus::Closed)
    }

    /// Overdue on either clock (responding late still counts until someone responds).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        use super::sla::SlaState::Overdue;
        self.respond_clock(now).state == Overdue || self.resolve_clock(now).state == Overdue
    }
}

/// Derives the current state. `events` may come in any order (and may hold the same event
/// twice after a merge: ids are unique, so callers de-duplicate by record id first).
/// A ticket's state from the ticket alone (its copy of what its events decided), without
/// history or return visit: `None` for a ticket saved before it kept that copy.
pub fn at_a_glance(ticket: &Ticket) -> Option<TicketState> {
    let p = ticket.progress.as_ref()?;
    Some(TicketState {
        status: ticket.status,
        department: ticket.department,
        assignee: ticket.assignee,
        urgency: ticket.urgency,
        importance: ticket.importance,
        priority: ticket.priority,
        hours: p.hours,
        received_at: ticket.received_at,
        first_response_at: p.first_response_at,
        resolved_at: p.resolved_at,
        closed_at: p.closed_at,
        holds: p.holds.clone(),
        hold_reason: p.hold_reason,
        return_visit: None,
        reopen_count: p.reopen_count,
        history: Vec::new(),
    })
}

pub fn derive(ticket: &Ticket, events: &[(Stamp, TicketEvent)]) -> TicketState {
    let hours = SlaHours {
        respond: ((ticket.respond_by - ticket.received_at).num_hours().max(1)) as u32,
        resolve: ((ticket.resolve_by - ticket.received_at).num_hours().max(1)) as u32,
    };
    let mut s = TicketState {
        status: TicketStatus::New,
        department: ticket.department,
        assignee: ticket.assignee,
        urgency: ticket.urgency,
        importance: ticket.importance,
        priority: ticket.priority,
        hours,
        received_at: ticket.received_at,
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        holds: Vec::new(),
        hold_reason: None,
        return_visit: None,
        reopen_count: 0,
        history: Vec::with_capacity(events.len()),
    };
    let mut sorted: Vec<&(Stamp, TicketEvent)> = events.iter().collect();
    sorted.sort_by_key(|(stamp, _)| *stamp);
    for (stamp, event) in sorted {
        let applied = match &event.action {
            Action::Received => true,
            action => match next_status(s.status, action, ticket.kind) {
                None => false,
                Some(to) => {
                    apply(&mut s, action, to, event.at);
                    true
                }
            },
        };
        s.history.push(HistoryEntry { stamp: *stamp, event: event.clone(), applied });
    }
    s
}

fn apply(s: &mut TicketState, action: &Action, to: TicketStatus, at: DateTime<Utc>) {
    if s.first_response_at.is_none() && !matches!(action, Action::Received) {
        s.first_response_at = Some(at);
    }
    if s.status == TicketStatus::OnHold && to != TicketStatus::OnHold {
        if let Some(h) = s.holds.last_mut() {
            h.end.get_or_insert(at);
        }
        s.hold_reason = None;
    }
    match action {
        Action::Assess { urgency, importance, priority, hours } => {
            s.urgency = *urgency;
            s.importance = *importance;
            s.priority = *priority;
            s.hours = *hours;
        }
        Action::Dispatch { department, assignee } | Action::Reassign { department, assignee } => {
            s.department = Some(*department);
            s.assignee = *assignee;
        }
        Action::Hold { reason } => {
            s.holds.push(Hold { start: at, end: None });
            s.hold_reason = Some(*reason);
        }
        Action::Resolve { .. } => s.resolved_at = Some(at),
        Action::ReturnVisit { method, score, comment, visitor } => {
            s.return_visit = Some(ReturnVisitRecord {
                at,
                method: *method,
                score: *score,
                satisfaction: Satisfaction::from_score(*score),
                comment: comment.clone(),
                visitor: *visitor,
            });
        }
        Action::Close => s.closed_at = Some(at),
        Action::Reopen => {
            s.reopen_count += 1;
            s.resolved_at = None;
            s.closed_at = None;
        }
        Action::Received | Action::Start | Action::Resume => {}
    }
    s.status = to;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket::{Channel, TicketStatus::*};
    use crate::domain::triage::SlaPolicy;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn ticket(kind: TicketKind) -> Ticket {
        let received = at(1, 9);
        let d = SlaPolicy::default().deadlines(kind, Priority::P4, received);
        Ticket {
            number: "T".into(),
            site: String::new(),
            kind,
            status: New,
            reporter_name: "李娜".into(),
            unit: "3-2-1201".into(),
            phone: "13800138000".into(),
            channel: Channel::Phone,
            category: "plumbing".into(),
            location: String::new(),
            description: "漏水".into(),
            received_at: received,
            utc_offset_min: 480,
            urgency: Level::Low,
            importance: Level::Low,
            priority: Priority::P4,
            respond_by: d.respond_by,
            resolve_by: d.resolve_by,
            photos: vec![],
            department: None,
            assignee: None,
            needs_details: false,
            drill_run: None,
            progress: None,
        }
    }

    fn ev(when: DateTime<Utc>, action: Action) -> TicketEvent {
        TicketEvent { ticket_id: Uuid::nil(), at: when, utc_offset_min: 480, by: None, from: None, to: New, note: String::new(), action }
    }

    fn stamp(ms: i64, device: u128) -> Stamp {
        Stamp { wall_ms: ms, counter: 0, device: Uuid::from_u128(device) }
    }

    fn resolve() -> Action {
        Action::Resolve { work_done: "更换阀门".into(), cause: "老化".into() }
    }

    fn visit(score: u8) -> Action {
        Action::ReturnVisit { method: ContactMethod::Phone, score, comment: String::new(), visitor: None }
    }

    fn assess() -> Action {
        Action::Assess { urgency: Level::High, importance: Level::High, priority: Priority::P1, hours: SlaHours { respond: 1, resolve: 24 } }
    }

    fn dispatch() -> Action {
        Action::Dispatch { department: Department::Engineering, assignee: Some(Uuid::from_u128(7)) }
    }

    #[test]
    fn every_allowed_and_refused_transition() {
        let all_actions = [
            assess(),
            dispatch(),
            Action::Reassign { department: Department::Security, assignee: None },
            Action::Start,
            Action::Hold { reason: HoldReason::Parts },
            Action::Resume,
            resolve(),
            visit(5),
            Action::Close,
            Action::Reopen,
        ];
        let statuses = [New, Assessed, Dispatched, InProgress, OnHold, Resolved, ReturnVisited, Closed, Reopened];
        // (from, action key) → to, for a repair; everything else is refused.
        let allowed: &[(TicketStatus, &str, TicketStatus)] = &[
            (New, "assess", Assessed),
            (Assessed, "assess", Assessed),
            (Reopened, "assess", Assessed),
            (Assessed, "dispatch", Dispatched),
            (Reopened, "dispatch", Dispatched),
            (Dispatched, "reassign", Dispatched),
            (InProgress, "reassign", InProgress),
            (OnHold, "reassign", OnHold),
            (Dispatched, "start", InProgress),
            (Dispatched, "hold", OnHold),
            (InProgress, "hold", OnHold),
            (OnHold, "resume", InProgress),
            (Dispatched, "resolve", Resolved),
            (InProgress, "resolve", Resolved),
            (Resolved, "return_visit", ReturnVisited),
            (ReturnVisited, "close", Closed),
            (Resolved, "reopen", Reopened),
            (ReturnVisited, "reopen", Reopened),
            (Closed, "reopen", Reopened),
        ];
        let mut count = 0;
        for from in statuses {
            for action in &all_actions {
                let expected = allowed.iter().find(|(f, k, _)| *f == from && *k == action.key()).map(|(_, _, to)| *to);
                assert_eq!(next_status(from, action, TicketKind::Repair), expected, "{from:?} {}", action.key());
                count += expected.is_some() as usize;
            }
        }
        assert_eq!(count, allowed.len());
        // Closing straight after resolving: only kinds without a resident to call back.
        for kind in TicketKind::ALL {
            let direct = matches!(kind, TicketKind::Inquiry | TicketKind::Suggestion | TicketKind::PatrolIncident);
            assert_eq!(next_status(Resolved, &Action::Close, kind).is_some(), direct, "{kind:?}");
        }
        assert_eq!(offered_actions(InProgress, TicketKind::Repair), vec![Step::Reassign, Step::Hold, Step::Resolve]);
        // Each step takes the action of its own key, and needs a note exactly where check() asks for one.
        for step in Step::ALL {
            assert_eq!(step.sample().key(), step.key());
            for reason in HoldReason::ALL {
                let action = match step { Step::Hold => Action::Hold { reason }, _ => step.sample() };
                let from = [New, Assessed, Dispatched, InProgress, OnHold, Resolved, ReturnVisited, Closed, Reopened]
                    .into_iter()
                    .find(|f| next_status(*f, &action, TicketKind::Repair).is_some())
                    .unwrap();
                let refused = check(from, TicketKind::Repair, &action, "", Some(StaffRole::Supervisor));
                let note_refused = matches!(refused, Err(Refusal::Invalid(ActionField::Note, _)));
                assert_eq!(note_refused, step.needs_note(reason), "{step:?} {reason:?}");
            }
        }
    }

    #[test]
    fn checks_roles_and_fields() {
        let sup = Some(StaffRole::Supervisor);
        let patrol = Some(StaffRole::Patrol);
        assert_eq!(check(ReturnVisited, TicketKind::Repair, &Action::Close, "", patrol), Err(Refusal::NeedsSupervisor));
        assert_eq!(check(ReturnVisited, TicketKind::Repair, &Action::Close, "", None), Err(Refusal::NeedsSupervisor));
        assert_eq!(check(ReturnVisited, TicketKind::Repair, &Action::Close, "", sup), Ok(Closed));
        assert_eq!(check(Closed, TicketKind::Repair, &Action::Reopen, " ", sup), Err(Refusal::Invalid(ActionField::Note, Problem::Required)));
        assert_eq!(check(Closed, TicketKind::Repair, &Action::Reopen, "又漏了", sup), Ok(Reopened));
        assert_eq!(check(New, TicketKind::Repair, &Action::Start, "", sup), Err(Refusal::NotAllowed { from: New }));
        let empty = Action::Resolve { work_done: " ".into(), cause: String::new() };
        assert_eq!(check(InProgress, TicketKind::Repair, &empty, "", patrol), Err(Refusal::Invalid(ActionField::WorkDone, Problem::Required)));
        assert_eq!(check(Resolved, TicketKind::Repair, &visit(6), "", patrol), Err(Refusal::Invalid(ActionField::Score, Problem::OutOfRange { min: 1, max: 5 })));
        assert_eq!(check(InProgress, TicketKind::Repair, &Action::Hold { reason: HoldReason::Other }, "", patrol), Err(Refusal::Invalid(ActionField::Note, Problem::Required)));
        assert_eq!(check(InProgress, TicketKind::Repair, &Action::Hold { reason: HoldReason::Parts }, "", patrol), Ok(OnHold));
    }

    #[test]
    fn a_full_walk_derives_every_fact() {
        let t = ticket(TicketKind::Repair);
        let events = vec![
            (stamp(1, 1), ev(at(1, 9), Action::Received)),
            (stamp(2, 1), ev(at(1, 9), assess())),
            (stamp(3, 1), ev(at(1, 9), dispatch())),
            (stamp(4, 1), ev(at(1, 10), Action::Start)),
            (stamp(5, 1), ev(at(1, 12), Action::Hold { reason: HoldReason::Parts })),
            (stamp(6, 1), ev(at(2, 12), Action::Resume)),
            (stamp(7, 1), ev(at(2, 14), resolve())),
            (stamp(8, 1), ev(at(3, 9), visit(2))),
            (stamp(9, 1), ev(at(3, 10), Action::Close)),
        ];
        let s = derive(&t, &events);
        assert_eq!(s.status, Closed);
        assert_eq!(s.department, Some(Department::Engineering));
        assert_eq!(s.priority, Priority::P1);
        assert_eq!(s.first_response_at, Some(at(1, 9)));
        assert_eq!(s.holds, vec![Hold { start: at(1, 12), end: Some(at(2, 12)) }]);
        assert_eq!(s.return_visit.as_ref().map(|v| v.satisfaction), Some(Satisfaction::Dissatisfied));
        // P1 after assessment: 24 h to resolve, plus 24 h on hold → due day 3 09:00; resolved
        // day 2 14:00, in time.
        let c = s.resolve_clock(at(20, 0));
        assert_eq!((c.due, c.state), (at(3, 9), crate::domain::sla::SlaState::Met));
        assert!(s.history.iter().all(|h| h.applied));
    }

    #[test]
    fn any_order_of_arrival_gives_the_same_state() {
        let t = ticket(TicketKind::Complaint);
        let events = vec![
            (stamp(1, 1), ev(at(1, 9), Action::Received)),
            (stamp(2, 1), ev(at(1, 10), assess())),
            (stamp(3, 2), ev(at(1, 11), dispatch())),
            (stamp(4, 1), ev(at(1, 12), Action::Start)),
            (stamp(5, 2), ev(at(1, 13), Action::Hold { reason: HoldReason::Resident })),
            (stamp(6, 1), ev(at(1, 15), Action::Resume)),
            (stamp(7, 2), ev(at(1, 16), resolve())),
            (stamp(8, 1), ev(at(1, 17), Action::Reopen)),
            (stamp(9, 2), ev(at(1, 18), dispatch())),
        ];
        let sorted = derive(&t, &events);
        // Every rotation and the reversal of the list.
        for k in 0..events.len() {
            let mut shuffled = events.clone();
            shuffled.rotate_left(k);
            assert_eq!(derive(&t, &shuffled), sorted, "rotation {k}");
            shuffled.reverse();
            assert_eq!(derive(&t, &shuffled), sorted, "reversed rotation {k}");
        }
        assert_eq!(sorted.status, Dispatched);
        assert_eq!(sorted.reopen_count, 1);
        assert_eq!(sorted.resolved_at, None);
    }

    #[test]
    fn two_tablets_acting_at_once_keep_both_events_and_the_earlier_stamp_wins() {
        let t = ticket(TicketKind::Repair);
        // Both tablets saw "in progress": one put it on hold, the other resolved it.
        let events = vec![
            (stamp(1, 1), ev(at(1, 9), dispatch())),
            (stamp(2, 1), ev(at(1, 10), Action::Start)),
            (stamp(3, 2), ev(at(1, 11), resolve())),
            (stamp(3, 1), ev(at(1, 11), Action::Hold { reason: HoldReason::Parts })),
        ];
        let s = derive(&t, &events);
        // New → dispatch is refused (not assessed), so nothing after it applies either way.
        assert_eq!(s.status, New);
        let mut t2 = t.clone();
        t2.status = New;
        let events = vec![
            (stamp(1, 1), ev(at(1, 9), assess())),
            (stamp(2, 1), ev(at(1, 9), dispatch())),
            (stamp(3, 1), ev(at(1, 10), Action::Start)),
            (stamp(4, 2), ev(at(1, 11), resolve())),
            (stamp(4, 1), ev(at(1, 11), Action::Hold { reason: HoldReason::Parts })),
        ];
        let s = derive(&t2, &events);
        // stamp(4, 1) sorts before stamp(4, 2): the hold applies, then resolving from hold is
        // refused but kept in the history.
        assert_eq!(s.status, OnHold);
        assert_eq!(s.history.len(), 5);
        assert_eq!(s.history.iter().filter(|h| !h.applied).count(), 1);
    }

    #[test]
    fn overdue_comes_from_the_clocks() {
        let t = ticket(TicketKind::Repair); // P4: respond 24 h, resolve 72 h, from day 1 09:00
        let s = derive(&t, &[]);
        assert!(!s.is_overdue(at(2, 8)));
        assert!(s.is_overdue(at(2, 10)), "no response within 24 h");
        let s = derive(&t, &[(stamp(1, 1), ev(at(1, 10), Action::Assess { urgency: Level::Low, importance: Level::Low, priority: Priority::P4, hours: SlaHours { respond: 24, resolve: 72 } }))]);
        assert!(!s.is_overdue(at(3, 10)));
        assert!(s.is_overdue(at(4, 10)));
    }
}
