//! Emergency plans (应急预案) as checklists, and drill runs (演练) derived from their
//! check-off events: who did what when, what was late, what was skipped, what was found.
//! Beside them: the run's written record and sign-off ([`record`]) and when each plan is
//! next due to be drilled ([`schedule`]).

pub mod record;
pub mod schedule;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::locale::Lang;
use super::validation::{required_text, Problem};

pub const PLAN_NAME_MAX: usize = 40;
pub const STEP_TEXT_MAX: usize = 200;
pub const MAX_TARGET_MIN: u32 = 24 * 60;
pub const ROLE_NAME_MAX: usize = 20;
/// The longest drill interval the editor takes: five years.
pub const MAX_INTERVAL_MONTHS: u32 = 60;

/// Text in both interface languages. Built-in plans carry both; a plan written on a tablet
/// carries what was typed in both slots.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn same(text: &str) -> Text {
        Text { en: text.to_owned(), zh: text.to_owned() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        let (first, other) = match lang {
            Lang::En => (&self.en, &self.zh),
            Lang::ZhCn => (&self.zh, &self.en),
        };
        if first.is_empty() { other } else { first }
    }
}

/// The built-in drill roles (names from the catalogues); a plan may add its own by name.
/// `engineering` (工程维修) does the technical work — valves, switch rooms, generators, lift
/// power — which needs certified staff, so it is not left to logistics.
pub const BUILT_IN_ROLES: [&str; 8] =
    ["commander", "communications", "evacuation_guide", "fire_fighting", "cordon", "first_aid", "logistics", "engineering"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanType {
    Fire,
    Lift,
    Flood,
    Power,
    Gas,
    Typhoon,
    Security,
    Other,
}

impl PlanType {
    pub const ALL: [PlanType; 8] =
        [PlanType::Fire, PlanType::Lift, PlanType::Flood, PlanType::Power, PlanType::Gas, PlanType::Typhoon, PlanType::Security, PlanType::Other];
    pub fn key(self) -> &'static str {
        match self {
            PlanType::Fire => "fire",
            PlanType::Lift => "lift",
            PlanType::Flood => "flood",
            PlanType::Power => "power",
            PlanType::Gas => "gas",
            PlanType::Typhoon => "typhoon",
            PlanType::Security => "security",
            PlanType::Other => "other",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    pub id: Uuid,
    pub text: Text,
    /// A role key of the plan (built-in key or a custom role's name).
    pub role: String,
    /// Minutes from the start by which it should be done (rounded up when the target is
    /// in seconds, so an app that knows only minutes still reads a sensible target).
    pub target_min: Option<u32>,
    /// The target in seconds, where whole minutes are too coarse (a generator starts in
    /// seconds). When present it is the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_sec: Option<u32>,
    pub critical: bool,
    /// Work only certified staff may do (持证作业: a licensed electrician, lift workers).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub certified: bool,
}

impl PlanStep {
    /// Seconds from the start by which the step should be done.
    pub fn target_seconds(&self) -> Option<u32> {
        self.target_sec.or(self.target_min.map(|m| m.saturating_mul(60)))
    }

    /// Sets the target from seconds, keeping the minutes an older app reads.
    pub fn set_target_seconds(&mut self, seconds: Option<u32>) {
        self.target_min = seconds.map(|s| s.div_ceil(60));
        self.target_sec = seconds.filter(|s| !s.is_multiple_of(60));
    }
}

/// A plan (the body of a `drill_plan` record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillPlan {
    /// The built-in plan this is (or was copied from), e.g. `fire_evacuation`.
    #[serde(default)]
    pub key: String,
    pub name: Text,
    pub plan_type: PlanType,
    pub target_min: u32,
    pub roles: Vec<String>,
    pub steps: Vec<PlanStep>,
    #[serde(default)]
    pub retired: bool,
    /// The revision of the built-in plan this copy was made from (0: before revisions were
    /// numbered). A built-in plan is stored only once a site edits or retires it; a newer
    /// app's plan is then offered beside the site's copy instead of replacing it.
    #[serde(default)]
    pub builtin_revision: u32,
    /// How often the plan must be drilled; `None` for the default of its type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_months: Option<u32>,
}

#[derive(Deserialize)]
struct BuiltInStep {
    role: String,
    target_s: Option<u32>,
    critical: bool,
    #[serde(default)]
    certified: bool,
    text: Text,
}

#[derive(Deserialize)]
struct BuiltInPlan {
    key: String,
    plan_type: PlanType,
    revision: u32,
    interval_months: u32,
    target_min: u32,
    name: Text,
    roles: Vec<String>,
    steps: Vec<BuiltInStep>,
}

/// The seven plans every site starts with. Step ids are derived from the plan key and
/// position, so every tablet seeds the same ids and runs from different tablets agree.
pub fn built_in_plans() -> Vec<(Uuid, DrillPlan)> {
    let raw: Vec<BuiltInPlan> = serde_json::from_str(include_str!("plans.json")).unwrap_or_default();
    raw.into_iter()
        .map(|p| {
            let plan_id = Uuid::new_v5(&Uuid::NAMESPACE_OID, format!("patroldesk/plan/{}", p.key).as_bytes());
            let steps = p
                .steps
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut step = PlanStep {
                        id: Uuid::new_v5(&plan_id, format!("step/{i}").as_bytes()),
                        text: s.text,
                        role: s.role,
                        target_min: None,
                        target_sec: None,
                        critical: s.critical,
                        certified: s.certified,
                    };
                    step.set_target_seconds(s.target_s);
                    step
                })
                .collect();
            let plan = DrillPlan {
                key: p.key,
                name: p.name,
                plan_type: p.plan_type,
                target_min: p.target_min,
                roles: p.roles,
                steps,
                retired: false,
                builtin_revision: p.revision,
                interval_months: Some(p.interval_months),
            };
            (plan_id, plan)
        })
        .collect()
}

/// A step target as the editor shows it: whole minutes as a number, otherwise `m:ss`.
pub fn format_target(seconds: u32) -> String {
    if seconds.is_multiple_of(60) { (seconds / 60).to_string() } else { format!("{}:{:02}", seconds / 60, seconds % 60) }
}

/// A step target typed in the editor: minutes (`5`), or minutes and seconds (`0:30`,
/// `1:05`); empty for none. `Err` for anything else, so the editor can say so.
pub fn parse_target(text: &str) -> Result<Option<u32>, Problem> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let number = |t: &str| if !t.is_empty() && t.len() <= 5 && t.bytes().all(|b| b.is_ascii_digit()) { t.parse::<u32>().ok() } else { None };
    let seconds = match text.split_once([':', '：']) {
        None => number(text).map(|m| m * 60),
        Some((m, s)) if s.len() == 2 => number(m).zip(number(s).filter(|s| *s < 60)).map(|(m, s)| m * 60 + s),
        Some(_) => None,
    };
    match seconds {
        Some(s) if (1..=MAX_TARGET_MIN * 60).contains(&s) => Ok(Some(s)),
        Some(_) => Err(Problem::OutOfRange { min: 1, max: MAX_TARGET_MIN }),
        None => Err(Problem::InvalidFormat),
    }
}

/// The app's newer version of a built-in plan that a site holds an older stored copy of
/// (edited or retired before this app shipped the revision). The site's copy stays what it
/// is until someone adopts this.
pub fn newer_built_in(id: Uuid, stored: &DrillPlan) -> Option<DrillPlan> {
    let (_, built_in) = built_in_plans().into_iter().find(|(b, _)| *b == id)?;
    (built_in.builtin_revision > stored.builtin_revision).then_some(built_in)
}

/// The built-in plan taken over a site's older copy: its steps and texts, with what the
/// site decided for itself kept (retired or not, its drill interval).
pub fn adopt_built_in(stored: &DrillPlan, built_in: DrillPlan) -> DrillPlan {
    DrillPlan { retired: stored.retired, interval_months: stored.interval_months.or(built_in.interval_months), ..built_in }
}

/// What is wrong with a plan, for the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanProblem {
    Name(Problem),
    Target(Problem),
    Interval(Problem),
    NoSteps,
    /// Step at this position (0-based).
    StepText(usize, Problem),
    StepRole(usize),
    StepTarget(usize, Problem),
}

impl DrillPlan {
    pub fn validate(&self) -> Result<(), Vec<PlanProblem>> {
        let mut problems = Vec::new();
        let in_range = |v: u32| (1..=MAX_TARGET_MIN).contains(&v);
        let range = Problem::OutOfRange { min: 1, max: MAX_TARGET_MIN };
        if let Err(p) = required_text(self.name.get(Lang::ZhCn), PLAN_NAME_MAX) {
            problems.push(PlanProblem::Name(p));
        }
        if !in_range(self.target_min) {
            problems.push(PlanProblem::Target(range));
        }
        if self.interval_months.is_some_and(|m| !(1..=MAX_INTERVAL_MONTHS).contains(&m)) {
            problems.push(PlanProblem::Interval(Problem::OutOfRange { min: 1, max: MAX_INTERVAL_MONTHS }));
        }
        if self.steps.is_empty() {
            problems.push(PlanProblem::NoSteps);
        }
        for (i, step) in self.steps.iter().enumerate() {
            if let Err(p) = required_text(step.text.get(Lang::ZhCn), STEP_TEXT_MAX) {
                problems.push(PlanProblem::StepText(i, p));
            }
            if step.role.is_empty() || !self.roles.contains(&step.role) {
                problems.push(PlanProblem::StepRole(i));
            }
            if step.target_seconds().is_some_and(|t| !(1..=MAX_TARGET_MIN * 60).contains(&t)) {
                problems.push(PlanProblem::StepTarget(i, range));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    /// Moves a step up (`-1`) or down (`+1`); out-of-range moves do nothing.
    pub fn move_step(&mut self, index: usize, delta: i32) {
        let target = index as i64 + i64::from(delta);
        if index < self.steps.len() && target >= 0 && (target as usize) < self.steps.len() {
            self.steps.swap(index, target as usize);
        }
    }
}

/// Drill or the real thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunMode {
    Drill,
    Real,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// From the roster, or `None` for a visitor named by hand.
    pub staff: Option<Uuid>,
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];
    pub fn key(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evaluation {
    Good,
    Acceptable,
    NeedsRedrill,
}

impl Evaluation {
    pub const ALL: [Evaluation; 3] = [Evaluation::Good, Evaluation::Acceptable, Evaluation::NeedsRedrill];
    pub fn key(self) -> &'static str {
        match self {
            Evaluation::Good => "good",
            Evaluation::Acceptable => "acceptable",
            Evaluation::NeedsRedrill => "needs_redrill",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// One thing that happened during a run. Append-only; the run's state is derived from them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub by: Option<Uuid>,
    #[serde(flatten)]
    pub change: RunChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunChange {
    Check { step: Uuid },
    /// Takes back the last check or skip of a step (a mis-tap).
    Undo { step: Uuid },
    Skip { step: Uuid, reason: String },
    Note { step: Option<Uuid>, text: String },
    /// A photo of a step (the Blob is in the `photos` store under its SHA-256).
    Photo { step: Uuid, photo: super::ticket::PhotoRef },
    Finding { finding: Uuid, text: String, severity: Severity },
    /// A finding became a follow-up ticket.
    FindingTicket { finding: Uuid, ticket: Uuid, number: String },
    Finish { evaluation: Evaluation, summary: String },
    /// The lift contractor reached the site (its arrival is timed by the rules).
    ContractorArrived,
    /// A change the plan needs, learnt from this run (修订建议); the event's id names it.
    Revision { text: String },
    /// The commander signs the finished record; after it the record is closed.
    SignOff { name: String, staff: Option<Uuid> },
}

/// A drill run (the body of a `drill_run` record). The plan is copied in, so editing the plan
/// later never rewrites what was drilled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillRun {
    pub plan_id: Uuid,
    pub plan: DrillPlan,
    pub mode: RunMode,
    pub location: String,
    pub participants: Vec<Participant>,
    pub started_at: DateTime<Utc>,
    pub utc_offset_min: i32,
    pub events: Vec<RunEvent>,
    /// The site code the run was held at (empty on runs recorded before sites were kept:
    /// read as the tablet's own site).
    #[serde(default)]
    pub site: String,
    /// What the rules ask a drill record to hold beyond the checklist.
    #[serde(default)]
    pub record: record::RunRecord,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StepStatus {
    Pending,
    Done { at: DateTime<Utc>, by: Option<Uuid> },
    Skipped { reason: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepState {
    pub step: PlanStep,
    pub status: StepStatus,
    /// Done after its target time, or still pending past it.
    pub late: bool,
    pub notes: Vec<String>,
    pub photos: Vec<super::ticket::PhotoRef>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FindingState {
    pub id: Uuid,
    pub text: String,
    pub severity: Severity,
    pub ticket: Option<(Uuid, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    pub steps: Vec<StepState>,
    pub elapsed: Duration,
    pub finished: Option<(DateTime<Utc>, Evaluation, String)>,
    pub findings: Vec<FindingState>,
    /// Notes not tied to a step (appended after finishing too).
    pub notes: Vec<String>,
    pub done: usize,
    pub skipped: usize,
    pub late: usize,
    /// When the lift contractor arrived (the first time it was recorded).
    pub contractor_arrived: Option<DateTime<Utc>>,
    /// Changes the plan needs: (event id, when, text).
    pub revisions: Vec<(Uuid, DateTime<Utc>, String)>,
    pub signed_off: Option<SignedOff>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignedOff {
    pub at: DateTime<Utc>,
    pub name: String,
    pub staff: Option<Uuid>,
}

impl DrillRun {
    fn has(&self, f: impl Fn(&RunChange) -> bool) -> bool {
        self.events.iter().any(|e| f(&e.change))
    }

    pub fn is_finished(&self) -> bool {
        self.has(|c| matches!(c, RunChange::Finish { .. }))
    }

    pub fn is_signed_off(&self) -> bool {
        self.has(|c| matches!(c, RunChange::SignOff { .. }))
    }

    /// Whether a change may still be added. While running: anything but a sign-off. Once
    /// finished: notes, ticket links, plan revisions and the sign-off. Once signed off: only
    /// notes and ticket links (a finding's ticket may be made later).
    pub fn accepts(&self, change: &RunChange) -> bool {
        let always = matches!(change, RunChange::Note { step: None, .. } | RunChange::FindingTicket { .. });
        if self.is_signed_off() {
            always
        } else if self.is_finished() {
            always || matches!(change, RunChange::Revision { .. } | RunChange::SignOff { .. })
        } else {
            !matches!(change, RunChange::SignOff { .. })
        }
    }

    /// Whether the written record may still change: until the commander signs it.
    pub fn record_editable(&self) -> bool {
        !self.is_signed_off()
    }

    /// The run as of `now`: steps, timing, findings. Events are applied in time order (ties by
    /// id), so a merged log gives the same state on every tablet.
    pub fn state(&self, now: DateTime<Utc>) -> RunState {
        let mut events: Vec<&RunEvent> = self.events.iter().collect();
        events.sort_by_key(|e| (e.at, e.id));
        let mut steps: Vec<StepState> = self
            .plan
            .steps
            .iter()
            .map(|s| StepState { step: s.clone(), status: StepStatus::Pending, late: false, notes: Vec::new(), photos: Vec::new() })
            .collect();
        let mut finished = None;
        let mut findings: Vec<FindingState> = Vec::new();
        let mut notes = Vec::new();
        let mut contractor_arrived = None;
        let mut revisions = Vec::new();
        let mut signed_off: Option<SignedOff> = None;
        for e in events {
            let finished_now = finished.is_some();
            match &e.change {
                RunChange::Check { step } if !finished_now => {
                    if let Some(s) = steps.iter_mut().find(|s| s.step.id == *step) {
                        s.status = StepStatus::Done { at: e.at, by: e.by };
                    }
                }
                RunChange::Skip { step, reason } if !finished_now => {
                    if let Some(s) = steps.iter_mut().find(|s| s.step.id == *step) {
                        s.status = StepStatus::Skipped { reason: reason.clone() };
                    }
                }
                RunChange::Undo { step } if !finished_now => {
                    if let Some(s) = steps.iter_mut().find(|s| s.step.id == *step) {
                        s.status = StepStatus::Pending;
                    }
                }
                RunChange::Note { step: Some(step), text } if !finished_now => {
                    if let Some(s) = steps.iter_mut().find(|s| s.step.id == *step) {
                        s.notes.push(text.clone());
                    }
                }
                RunChange::Note { step: None, text } => notes.push(text.clone()),
                RunChange::Photo { step, photo } if !finished_now => {
                    if let Some(s) = steps.iter_mut().find(|s| s.step.id == *step) {
                        if !s.photos.iter().any(|p| p.sha256 == photo.sha256) {
                            s.photos.push(photo.clone());
                        }
                    }
                }
                RunChange::Finding { finding, text, severity } if !finished_now => {
                    findings.push(FindingState { id: *finding, text: text.clone(), severity: *severity, ticket: None })
                }
                RunChange::FindingTicket { finding, ticket, number } => {
                    if let Some(f) = findings.iter_mut().find(|f| f.id == *finding) {
                        f.ticket.get_or_insert((*ticket, number.clone()));
                    }
                }
                RunChange::Finish { evaluation, summary } if !finished_now => finished = Some((e.at, *evaluation, summary.clone())),
                RunChange::ContractorArrived if !finished_now => {
                    contractor_arrived.get_or_insert(e.at);
                }
                RunChange::Revision { text } if signed_off.is_none() => revisions.push((e.id, e.at, text.clone())),
                RunChange::SignOff { name, staff } if finished_now && signed_off.is_none() => {
                    signed_off = Some(SignedOff { at: e.at, name: name.clone(), staff: *staff })
                }
                _ => {}
            }
        }
        let until = finished.as_ref().map_or(now, |f| f.0);
        let elapsed = (until - self.started_at).max(Duration::zero());
        for s in &mut steps {
            let due = s.step.target_seconds().map(|t| self.started_at + Duration::seconds(t.into()));
            s.late = match (&s.status, due) {
                (StepStatus::Done { at, .. }, Some(due)) => *at > due,
                (StepStatus::Pending, Some(due)) => until > due,
                _ => false,
            };
        }
        let done = steps.iter().filter(|s| matches!(s.status, StepStatus::Done { .. })).count();
        let skipped = steps.iter().filter(|s| matches!(s.status, StepStatus::Skipped { .. })).count();
        let late = steps.iter().filter(|s| s.late).count();
        RunState { steps, elapsed, finished, findings, notes, done, skipped, late, contractor_arrived, revisions, signed_off }
    }
}

/// The follow-up ticket for a problem found in a run. High and medium problems are repairs
/// to make (P1 and P3), low ones suggestions (P4); category "other", at the run's location,
/// linked to the run.
#[allow(clippy::too_many_arguments)]
pub fn follow_up_ticket(
    finding: &str,
    severity: Severity,
    plan_name: &str,
    location: &str,
    run_id: Uuid,
    number: String,
    policy: &super::triage::SlaPolicy,
    now: DateTime<Utc>,
    offset_min: i32,
) -> super::ticket::Ticket {
    use super::ticket::{Channel, IntakeForm, TicketKind, ValidIntake};
    use super::triage::Level;
    let (kind, urgency, importance) = match severity {
        Severity::High => (TicketKind::Repair, Level::High, Level::High),
        Severity::Medium => (TicketKind::Repair, Level::Low, Level::High),
        Severity::Low => (TicketKind::Suggestion, Level::Low, Level::Low),
    };
    let form = IntakeForm {
        kind,
        channel: Channel::Patrol,
        category: "other".into(),
        location: location.to_owned(),
        description: format!("{finding} ({plan_name})"),
        urgency,
        importance,
        ..IntakeForm::default()
    };
    let mut ticket = ValidIntake { form, phone: String::new(), received_at: now }.into_ticket(number, policy, offset_min, Vec::new());
    ticket.drill_run = Some(run_id);
    ticket
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 2, 0, 0).unwrap()
    }

    fn run_of(key: &str) -> DrillRun {
        let (plan_id, plan) = built_in_plans().into_iter().find(|(_, p)| p.key == key).unwrap();
        DrillRun { plan_id, plan, mode: RunMode::Drill, location: "3号楼".into(), participants: vec![], started_at: t0(), utc_offset_min: 480, events: vec![], site: String::new(), record: Default::default() }
    }

    fn event(min: i64, n: u128, change: RunChange) -> RunEvent {
        RunEvent { id: Uuid::from_u128(n), at: t0() + Duration::minutes(min), by: Some(Uuid::from_u128(99)), change }
    }

    fn plan(key: &str) -> DrillPlan {
        built_in_plans().into_iter().find(|(_, p)| p.key == key).unwrap().1
    }

    /// The position of the first step whose English text contains `needle`.
    fn at(plan: &DrillPlan, needle: &str) -> usize {
        plan.steps.iter().position(|s| s.text.en.contains(needle)).unwrap_or_else(|| panic!("{}: no step with {needle:?}", plan.key))
    }

    #[test]
    fn seven_built_in_plans_in_both_languages_all_valid() {
        let plans = built_in_plans();
        assert_eq!(plans.len(), 7);
        let keys: Vec<_> = plans.iter().map(|(_, p)| p.key.as_str()).collect();
        assert_eq!(keys, ["fire_evacuation", "lift_entrapment", "burst_pipe", "power_outage", "gas_leak", "typhoon_rainstorm", "security_incident"]);
        for (id, p) in &plans {
            assert_eq!(p.validate(), Ok(()), "{}", p.key);
            assert!(p.steps.len() >= 9, "{} has realistic steps", p.key);
            assert!(p.builtin_revision >= 2, "{}: numbered revision", p.key);
            assert!(p.roles.iter().all(|r| BUILT_IN_ROLES.contains(&r.as_str())));
            let mut previous = 0;
            for s in &p.steps {
                assert!(!s.text.en.is_empty() && s.text.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{}", s.text.en);
                assert!(s.target_seconds().is_none_or(|t| t <= p.target_min * 60), "{}: step target within plan target", p.key);
                // Targets never go backwards down the list: the order is the order of work.
                let t = s.target_seconds().unwrap_or(previous);
                assert!(t >= previous, "{}: {} comes before an earlier target", p.key, s.text.en);
                previous = t;
            }
            // Same ids on every tablet.
            assert_eq!(built_in_plans().iter().find(|(_, q)| q.key == p.key).unwrap().0, *id);
        }
    }

    #[test]
    fn technical_work_is_engineering_and_switchgear_and_lifts_need_certified_staff() {
        for (_, p) in built_in_plans() {
            for s in &p.steps {
                let en = s.text.en.to_lowercase();
                if en.contains("certified") {
                    assert!(s.certified && s.role == "engineering", "{}: {}", p.key, s.text.en);
                }
                if s.certified {
                    assert_eq!(s.role, "engineering", "{}: certified work is engineering's: {}", p.key, s.text.en);
                }
                if ["valve", "power", "generator", "winding", "landing key"].iter().any(|w| en.contains(w)) && s.role == "logistics" {
                    panic!("{}: technical work given to logistics: {}", p.key, s.text.en);
                }
            }
        }
        // The fire broadcast is the control room's, not the evacuation guides'.
        let fire = plan("fire_evacuation");
        assert_eq!(fire.steps[at(&fire, "emergency broadcast")].role, "communications");
    }

    #[test]
    fn fire_119_before_fighting_mini_station_in_three_minutes_fire_floor_first() {
        let fire = plan("fire_evacuation");
        assert_eq!(fire.interval(), 6);
        assert!(at(&fire, "call 119") < at(&fire, "Fight the fire"));
        let station = &fire.steps[at(&fire, "Mini fire station")];
        assert_eq!((station.role.as_str(), station.target_seconds()), ("fire_fighting", Some(180)));
        assert!(at(&fire, "ground floor") < at(&fire, "fire floor first"), "lifts down before the sweep");
        assert!(fire.steps[at(&fire, "fire floor first")].text.en.contains("then the floors above, then the floors below"));
        assert!(at(&fire, "cuts non-fire power") < at(&fire, "fire floor first"));
        assert!(at(&fire, "Protect the scene") < at(&fire, "After the all-clear"));
        assert!(fire.steps.iter().any(|s| s.text.en.contains("fire-safety responsible person")));
    }

    #[test]
    fn lift_release_only_by_two_certified_workers_after_power_is_locked_off() {
        let lift = plan("lift_entrapment");
        let power = at(&lift, "main power is cut");
        let levelled = at(&lift, "landing key");
        let winding = at(&lift, "manual winding");
        assert!(power < levelled && levelled < winding);
        for i in [power, levelled, winding] {
            assert!(lift.steps[i].certified && lift.steps[i].role == "engineering", "{}", lift.steps[i].text.en);
        }
        assert!(lift.steps[levelled].text.en.contains("two or more certified"));
        assert!(lift.steps[winding].text.en.contains("two or more certified"));
        assert!(at(&lift, "keeps talking") < power, "someone stays at the landing from the start");
        assert!(lift.steps[at(&lift, "Notify the lift safety manager")].target_seconds() <= Some(120));
        assert!(lift.steps.iter().any(|s| s.text.en.contains("2 hours or more")), "the reportable limit is named");
    }

    #[test]
    fn flooding_cuts_power_before_anyone_walks_into_water() {
        let flood = plan("burst_pipe");
        let power = at(&flood, "cuts power");
        assert!(flood.steps[power].certified);
        assert!(power < at(&flood, "Close the nearest valve"));
        assert!(flood.steps[power].target_seconds() < flood.steps[at(&flood, "Close the nearest valve")].target_seconds());
        assert!(at(&flood, "police or the residents' committee") > power);
        assert!(at(&flood, "Power back only after an electrician") > at(&flood, "Sandbags"));
    }

    #[test]
    fn power_outage_counts_in_seconds_and_tells_residents_within_ten_minutes() {
        let power = plan("power_outage");
        let generator = &power.steps[at(&power, "generator starts by itself")];
        assert_eq!(generator.target_seconds(), Some(30));
        assert_eq!((generator.target_min, generator.target_sec), (Some(1), Some(30)), "older apps read a whole minute");
        assert_eq!(power.steps[at(&power, "Notice to residents")].target_seconds(), Some(600));
        assert!(power.steps.iter().any(|s| s.text.en.contains("95598")));
    }

    #[test]
    fn gas_valve_is_engineering_and_nobody_rings_or_switches() {
        let gas = plan("gas_leak");
        assert_eq!(gas.steps[at(&gas, "gas valve")].role, "engineering");
        assert!(gas.steps[at(&gas, "Evacuate by knocking")].text.en.contains("never the lift"));
        assert!(at(&gas, "Cordon off") < at(&gas, "gas valve"));
    }

    #[test]
    fn red_warning_clears_the_car_park_before_basement_power_goes() {
        let storm = plan("typhoon_rainstorm");
        let levels: Vec<usize> = ["Blue warning", "Yellow warning", "Orange warning", "Red warning"].iter().map(|l| at(&storm, l)).collect();
        assert!(levels.windows(2).all(|w| w[0] < w[1]), "steps by warning level, in order");
        let roof = &storm.steps[at(&storm, "roof drains")];
        assert!(roof.text.en.contains("before it takes effect"), "roof work only before the warning");
        let car_park = at(&storm, "car park cleared");
        let basement = at(&storm, "cuts basement power");
        assert!(car_park < basement);
        assert!(storm.steps[car_park].text.en.starts_with("Red warning") && storm.steps[basement].text.en.starts_with("Red warning"));
        assert!(storm.steps[basement].certified && storm.steps[basement].text.en.contains("lifts moved up"));
    }

    #[test]
    fn security_staff_do_not_detain_or_search() {
        let sec = plan("security_incident");
        assert!(sec.steps.iter().any(|s| s.text.en.contains("do not detain or search")));
        assert!(at(&sec, "Shift leader") < at(&sec, "Separate the parties"));
    }

    #[test]
    fn a_newer_built_in_plan_is_offered_beside_a_sites_copy_never_over_it() {
        let (id, current) = built_in_plans().remove(0);
        let mut older = current.clone();
        older.builtin_revision = 0;
        older.steps.truncate(3);
        older.retired = true;
        older.interval_months = Some(3);
        let newer = newer_built_in(id, &older).expect("offered");
        assert_eq!(newer, current);
        assert_eq!(newer_built_in(id, &current), None, "a copy of the current revision is up to date");
        assert_eq!(newer_built_in(Uuid::from_u128(5), &older), None, "a site's own plan has no built-in");
        let adopted = adopt_built_in(&older, newer);
        assert_eq!((adopted.steps.len(), adopted.retired, adopted.interval_months), (current.steps.len(), true, Some(3)));
    }

    #[test]
    fn step_targets_are_typed_as_minutes_or_minutes_and_seconds() {
        assert_eq!(parse_target(" 5 "), Ok(Some(300)));
        assert_eq!(parse_target("0:30"), Ok(Some(30)));
        assert_eq!(parse_target("1：05"), Ok(Some(65)), "a full-width colon from a Chinese keyboard");
        assert_eq!(parse_target(""), Ok(None));
        for bad in ["1:5", "1:60", "a", "-1", "1.5", ":30", "1:30:00"] {
            assert_eq!(parse_target(bad), Err(Problem::InvalidFormat), "{bad}");
        }
        assert_eq!(parse_target("0"), Err(Problem::OutOfRange { min: 1, max: MAX_TARGET_MIN }));
        assert_eq!(parse_target("1441"), Err(Problem::OutOfRange { min: 1, max: MAX_TARGET_MIN }));
        for seconds in [30, 60, 65, 600, 86_400] {
            assert_eq!(parse_target(&format_target(seconds)), Ok(Some(seconds)));
        }
        assert_eq!((format_target(30), format_target(300)), ("0:30".to_owned(), "5".to_owned()));
    }

    #[test]
    fn step_targets_in_seconds_round_up_for_older_apps() {
        let mut s = built_in_plans()[0].1.steps[0].clone();
        s.set_target_seconds(Some(90));
        assert_eq!((s.target_min, s.target_sec, s.target_seconds()), (Some(2), Some(90), Some(90)));
        s.set_target_seconds(Some(120));
        assert_eq!((s.target_min, s.target_sec, s.target_seconds()), (Some(2), None, Some(120)));
        s.set_target_seconds(None);
        assert_eq!(s.target_seconds(), None);
        // A step stored by an older app has minutes only.
        let old: PlanStep = serde_json::from_str(r#"{"id":"00000000-0000-0000-0000-000000000001","text":{"en":"a","zh":"甲"},"role":"commander","target_min":3,"critical":true}"#).unwrap();
        assert_eq!((old.target_seconds(), old.certified), (Some(180), false));
    }

    #[test]
    fn plan_validation_and_reordering() {
        let (_, mut p) = built_in_plans().remove(0);
        p.name = Text::same(" ");
        p.steps[1].text = Text::same("");
        p.steps[2].role = "cook".into();
        p.steps[3].target_min = Some(0);
        assert_eq!(
            p.validate(),
            Err(vec![
                PlanProblem::Name(Problem::Required),
                PlanProblem::StepText(1, Problem::Required),
                PlanProblem::StepRole(2),
                PlanProblem::StepTarget(3, Problem::OutOfRange { min: 1, max: MAX_TARGET_MIN }),
            ])
        );
        p.steps.clear();
        p.name = Text::same("夜间演练");
        assert_eq!(p.validate(), Err(vec![PlanProblem::NoSteps]));

        let (_, mut p) = built_in_plans().remove(1);
        let first = p.steps[0].id;
        p.move_step(0, 1);
        assert_eq!(p.steps[1].id, first);
        p.move_step(1, -1);
        assert_eq!(p.steps[0].id, first);
        p.move_step(0, -1);
        assert_eq!(p.steps[0].id, first, "cannot move above the top");
        let last = p.steps.len() - 1;
        p.move_step(last, 1);
        assert_eq!(p.steps.len(), last + 1);
    }

    #[test]
    fn run_timing_lateness_skips_and_undo() {
        let mut run = run_of("lift_entrapment"); // targets 1, 2, 5, 10, 30, 35, 40, 41, 45, 45 min
        let s: Vec<Uuid> = run.plan.steps.iter().map(|s| s.id).collect();
        run.events = vec![
            event(1, 1, RunChange::Check { step: s[0] }),     // on time (target 1)
            event(4, 2, RunChange::Check { step: s[1] }),     // late (target 2)
            event(5, 3, RunChange::Check { step: s[2] }),     // mis-tap …
            event(5, 4, RunChange::Undo { step: s[2] }),      // … taken back
            event(6, 5, RunChange::Check { step: s[2] }),     // late (target 5)
            event(7, 6, RunChange::Skip { step: s[3], reason: "演练不实际拨打".into() }),
        ];
        let st = run.state(t0() + Duration::minutes(10));
        assert_eq!(st.elapsed, Duration::minutes(10));
        assert_eq!((st.done, st.skipped), (3, 1));
        assert_eq!(st.steps.iter().map(|s| s.late).collect::<Vec<_>>(), [false, true, true, false, false, false, false, false, false, false]);
        assert_eq!(st.steps[2].status, StepStatus::Done { at: t0() + Duration::minutes(6), by: Some(Uuid::from_u128(99)) });
        // Pending past its target counts as late while the run goes on.
        let st = run.state(t0() + Duration::minutes(31));
        assert!(st.steps[4].late);
        assert_eq!(st.late, 3);
    }

    #[test]
    fn a_target_in_seconds_is_late_one_second_after() {
        let mut run = run_of("power_outage");
        let generator = run.plan.steps[0].id;
        run.events = vec![RunEvent { id: Uuid::from_u128(1), at: t0() + Duration::seconds(31), by: None, change: RunChange::Check { step: generator } }];
        assert!(run.state(t0() + Duration::minutes(1)).steps[0].late);
        run.events[0].at = t0() + Duration::seconds(30);
        assert!(!run.state(t0() + Duration::minutes(1)).steps[0].late);
    }

    #[test]
    fn contractor_revisions_and_the_commanders_sign_off() {
        let mut run = run_of("lift_entrapment");
        let sign = RunChange::SignOff { name: "李主管".into(), staff: None };
        assert!(!run.accepts(&sign), "no sign-off before the run is finished");
        assert!(run.accepts(&RunChange::ContractorArrived));
        run.events = vec![
            event(22, 1, RunChange::ContractorArrived),
            event(25, 2, RunChange::ContractorArrived),
            event(40, 3, RunChange::Finish { evaluation: Evaluation::Acceptable, summary: String::new() }),
            event(41, 4, RunChange::Revision { text: "维保电话写入预案".into() }),
        ];
        assert!(run.accepts(&RunChange::Revision { text: "x".into() }) && run.accepts(&sign));
        assert!(!run.accepts(&RunChange::ContractorArrived), "finished: the checklist is closed");
        assert!(run.record_editable());
        run.events.push(event(42, 5, sign.clone()));
        run.events.push(event(43, 6, RunChange::Revision { text: "too late".into() }));
        run.events.push(event(44, 7, RunChange::SignOff { name: "someone else".into(), staff: None }));
        let st = run.state(t0() + Duration::hours(2));
        assert_eq!(st.contractor_arrived, Some(t0() + Duration::minutes(22)), "the first arrival counts");
        assert_eq!(st.revisions, vec![(Uuid::from_u128(4), t0() + Duration::minutes(41), "维保电话写入预案".to_owned())]);
        assert_eq!(st.signed_off, Some(SignedOff { at: t0() + Duration::minutes(42), name: "李主管".into(), staff: None }));
        assert!(!run.accepts(&sign) && !run.accepts(&RunChange::Revision { text: "x".into() }) && !run.record_editable());
        assert!(run.accepts(&RunChange::Note { step: None, text: "补充".into() }), "notes stay open");
    }

    #[test]
    fn a_finished_run_is_read_only_except_notes_and_its_duration_stops() {
        let mut run = run_of("gas_leak");
        let s0 = run.plan.steps[0].id;
        let f = Uuid::from_u128(50);
        run.events = vec![
            event(2, 1, RunChange::Check { step: s0 }),
            event(3, 2, RunChange::Finding { finding: f, text: "应急灯不亮".into(), severity: Severity::High }),
            event(12, 3, RunChange::Finish { evaluation: Evaluation::NeedsRedrill, summary: "疏散太慢".into() }),
        ];
        let late_check = RunChange::Check { step: run.plan.steps[1].id };
        assert!(!run.accepts(&late_check));
        assert!(run.accepts(&RunChange::Note { step: None, text: "补充".into() }));
        assert!(run.accepts(&RunChange::FindingTicket { finding: f, ticket: Uuid::from_u128(7), number: "N".into() }));
        // Even if a check arrives later (another tablet), it changes nothing.
        run.events.push(event(20, 4, late_check));
        run.events.push(event(21, 5, RunChange::FindingTicket { finding: f, ticket: Uuid::from_u128(7), number: "DH01-1".into() }));
        let st = run.state(t0() + Duration::hours(5));
        assert_eq!(st.elapsed, Duration::minutes(12), "the clock stops at finish");
        assert_eq!(st.done, 1);
        assert_eq!(st.finished.as_ref().map(|f| f.1), Some(Evaluation::NeedsRedrill));
        assert_eq!(st.findings[0].ticket, Some((Uuid::from_u128(7), "DH01-1".into())));
    }

    #[test]
    fn the_state_does_not_depend_on_the_order_events_arrive_in() {
        let mut run = run_of("fire_evacuation");
        let s: Vec<Uuid> = run.plan.steps.iter().map(|s| s.id).collect();
        let events = vec![
            event(1, 1, RunChange::Check { step: s[0] }),
            event(2, 2, RunChange::Check { step: s[1] }),
            event(2, 3, RunChange::Undo { step: s[1] }),
            event(3, 4, RunChange::Skip { step: s[3], reason: "小火已灭".into() }),
            event(4, 5, RunChange::Note { step: Some(s[4]), text: "广播声音小".into() }),
            event(5, 6, RunChange::Photo { step: s[4], photo: crate::domain::ticket::PhotoRef { sha256: "ab".into(), width: 1600, height: 1200, bytes: 1000 } }),
            event(6, 7, RunChange::Photo { step: s[4], photo: crate::domain::ticket::PhotoRef { sha256: "ab".into(), width: 1600, height: 1200, bytes: 1000 } }),
        ];
        run.events = events.clone();
        let expected = run.state(t0() + Duration::minutes(5));
        assert_eq!(expected.steps[4].photos.len(), 1, "the same photo twice is kept once");
        let mut reversed = events;
        reversed.reverse();
        run.events = reversed;
        assert_eq!(run.state(t0() + Duration::minutes(5)), expected);
    }

    #[test]
    fn findings_become_follow_up_tickets_by_severity() {
        use crate::domain::ticket::{Channel, TicketKind};
        use crate::domain::triage::{Priority, SlaPolicy};
        let run = Uuid::from_u128(3);
        let t = |s| follow_up_ticket("应急灯不亮", s, "消防疏散", "5号楼", run, "N".into(), &SlaPolicy::default(), t0(), 480);
        let high = t(Severity::High);
        assert_eq!((high.kind, high.priority, high.channel, high.drill_run), (TicketKind::Repair, Priority::P1, Channel::Patrol, Some(run)));
        assert_eq!((high.description.as_str(), high.location.as_str(), high.category.as_str()), ("应急灯不亮 (消防疏散)", "5号楼", "other"));
        assert_eq!(t(Severity::Medium).priority, Priority::P3);
        assert_eq!((t(Severity::Low).kind, t(Severity::Low).priority), (TicketKind::Suggestion, Priority::P4));
    }

    #[test]
    fn text_falls_back_to_the_other_language() {
        let t = Text { en: String::new(), zh: "总指挥".into() };
        assert_eq!(t.get(Lang::En), "总指挥");
        assert_eq!(Text::same("x").get(Lang::ZhCn), "x");
    }
}
