//! Tickets as intake creates them: kinds, channels, categories, the intake form's rules, and
//! human-readable ticket numbers that stay unique across tablets without a server.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::phone::normalize_phone;
use super::sla::Hold;
use super::triage::{Deadlines, SlaHours, SlaPolicy};
pub use super::vocab::{TicketKind, TicketStatus};
use super::vocab::{Department, HoldReason, Level, Priority};
use super::validation::{required_text, Problem};

pub const REPORTER_MAX: usize = 40;
pub const UNIT_MAX: usize = 40;
pub const LOCATION_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 2000;
pub const CATEGORY_NAME_MAX: usize = 20;
/// How far back a report taken on paper may be dated.
pub const BACKDATE_MAX_DAYS: i64 = 30;
/// Clock drift tolerated for "received at" in the future.
const FUTURE_SLACK_MINUTES: i64 = 5;

impl TicketKind {
    /// Which fields this kind must have. A resident's report needs a name; repairs and
    /// complaints also need a unit and a phone, because someone must go there and call back
    /// for the return visit. A patrol finding needs a location instead.
    pub fn requires(self, field: IntakeField) -> bool {
        use IntakeField::*;
        use TicketKind::*;
        match field {
            ReporterName => self != PatrolIncident,
            Unit | Phone => matches!(self, Repair | Complaint),
            Location => self == PatrolIncident,
            Description | Category | ReceivedAt => true,
        }
    }

    /// Whether the form asks for this field at all (patrol findings have no reporter).
    pub fn asks_for(self, field: IntakeField) -> bool {
        !(self == TicketKind::PatrolIncident && matches!(field, IntakeField::ReporterName | IntakeField::Phone))
    }
}

/// How the report came in (受理渠道).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Phone,
    WalkIn,
    Email,
    Patrol,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Phone, Channel::WalkIn, Channel::Email, Channel::Patrol];

    pub fn key(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::WalkIn => "walk_in",
            Channel::Email => "email",
            Channel::Patrol => "patrol",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// The built-in categories, by key; their names come from the language catalogues. Sites
/// add their own in Settings (those carry their own name).
pub const BUILT_IN_CATEGORIES: [&str; 11] = [
    "plumbing",
    "electrical",
    "lift",
    "doors_locks",
    "public_facilities",
    "cleaning",
    "landscaping",
    "security",
    "noise",
    "parking",
    "other",
];

/// The department a ticket of this category goes to unless someone picks another: the
/// built-in trades by their category, a complaint, inquiry or suggestion about anything else
/// to customer service, the rest (a site's own categories) to engineering.
pub fn department_for(category: &str, kind: TicketKind) -> Department {
    match category {
        "plumbing" | "electrical" | "lift" | "doors_locks" | "public_facilities" => Department::Engineering,
        "cleaning" => Department::Cleaning,
        "landscaping" => Department::Landscaping,
        // 秩序维护: disturbances and the car park are the security team's rounds.
        "security" | "noise" | "parking" => Department::Security,
        _ if matches!(kind, TicketKind::Complaint | TicketKind::Inquiry | TicketKind::Suggestion) => Department::CustomerService,
        _ => Department::Engineering,
    }
}

/// One entry of the site's category list. Retired entries stay so old tickets keep their
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryEntry {
    pub key: String,
    /// The site's own name for a custom category; empty for built-ins (translated).
    #[serde(default)]
    pub name: String,
    pub active: bool,
}

impl CategoryEntry {
    pub fn is_built_in(&self) -> bool {
        self.name.is_empty()
    }
}

pub fn default_categories() -> Vec<CategoryEntry> {
    BUILT_IN_CATEGORIES
        .iter()
        .map(|k| CategoryEntry { key: (*k).to_owned(), name: String::new(), active: true })
        .collect()
}

/// A photo attached to a ticket; the Blob is in the `photos` store under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoRef {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u32,
}

/// A ticket's fields (the body of a `ticket` record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: String,
    /// The code of the site the ticket was taken in at (head office holds several). Empty
    /// on tickets saved before it was kept: [`Ticket::site_code`] then reads it from the
    /// number, which has always begun with it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub site: String,
    pub kind: TicketKind,
    pub status: TicketStatus,
    pub reporter_name: String,
    pub unit: String,
    pub phone: String,
    pub channel: Channel,
    pub category: String,
    pub location: String,
    pub description: String,
    /// When the report was received (UTC), and the device's UTC offset then, in minutes.
    pub received_at: DateTime<Utc>,
    pub utc_offset_min: i32,
    pub urgency: Level,
    pub importance: Level,
    pub priority: Priority,
    pub respond_by: DateTime<Utc>,
    pub resolve_by: DateTime<Utc>,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    pub department: Option<Department>,
    pub assignee: Option<Uuid>,
    /// Saved as a quick patrol report: details still to be added.
    #[serde(default)]
    pub needs_details: bool,
    /// The drill run whose finding this ticket follows up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill_run: Option<Uuid>,
    /// The clocks' inputs as of the last step, copied from the events like `status`, so a
    /// board can be shown from the tickets before their events are read. Missing on
    /// tickets saved before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// What a ticket's clocks need from its events, as of its last step (kept in the ticket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub hours: SlaHours,
    #[serde(default)]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub holds: Vec<Hold>,
    #[serde(default)]
    pub hold_reason: Option<HoldReason>,
    #[serde(default)]
    pub reopen_count: u32,
}

impl Ticket {
    /// The site the ticket belongs to.
    pub fn site_code(&self) -> &str {
        if self.site.is_empty() {
            self.number.split('-').next().unwrap_or("")
        } else {
            &self.site
        }
    }
}

/// The fields of the intake form, for problems shown beside them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntakeField {
    ReporterName,
    Unit,
    Phone,
    Category,
    Location,
    Description,
    ReceivedAt,
}

/// What the intake form holds, as typed (also its draft).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeForm {
    pub kind: TicketKind,
    pub reporter_name: String,
    pub unit: String,
    pub phone: String,
    pub channel: Channel,
    pub category: String,
    pub location: String,
    pub description: String,
    /// Local date-time as a `datetime-local` input gives it (`2026-11-29T14:05`); empty
    /// means "now".
    pub received_at: String,
    pub urgency: Level,
    pub importance: Level,
}

impl Default for IntakeForm {
    fn default() -> Self {
        IntakeForm {
            kind: TicketKind::Repair,
            reporter_name: String::new(),
            unit: String::new(),
            phone: String::new(),
            channel: Channel::Phone,
            category: String::new(),
            location: String::new(),
            description: String::new(),
            received_at: String::new(),
            urgency: Level::Low,
            importance: Level::Low,
        }
    }
}

/// The intake form, checked: everything needed to make a ticket except its number.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidIntake {
    pub form: IntakeForm,
    pub phone: String,
    pub received_at: DateTime<Utc>,
}

fn optional_text(raw: &str, max: usize) -> Result<String, Problem> {
    match required_text(raw, max) {
        Err(Problem::Required) => Ok(String::new()),
        other => other,
    }
}

/// Parses a `datetime-local` value in the device's offset.
pub fn parse_local_datetime(text: &str, offset_min: i32) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Some((naive - Duration::minutes(i64::from(offset_min))).and_utc())
}

impl IntakeForm {
    /// Checks every field for this kind. All problems are returned at once, so the form can
    /// mark each field; nothing is saved unless there are none.
    pub fn validate(
        &self,
        categories: &[CategoryEntry],
        offset_min: i32,
        now: DateTime<Utc>,
    ) -> Result<ValidIntake, Vec<(IntakeField, Problem)>> {
        let kind = self.kind;
        let mut problems = Vec::new();
        let mut out = self.clone();
        let mut text = |field: IntakeField, raw: &str, max: usize| -> String {
            if !kind.asks_for(field) {
                return String::new();
            }
            let checked = if kind.requires(field) { required_text(raw, max) } else { optional_text(raw, max) };
            checked.unwrap_or_else(|p| {
                problems.push((field, p));
                String::new()
            })
        };
        out.reporter_name = text(IntakeField::ReporterName, &self.reporter_name, REPORTER_MAX);
        out.unit = text(IntakeField::Unit, &self.unit, UNIT_MAX);
        out.location = text(IntakeField::Location, &self.location, LOCATION_MAX);
        out.description = text(IntakeField::Description, &self.description, DESCRIPTION_MAX);

        let phone = if !kind.asks_for(IntakeField::Phone) || (self.phone.trim().is_empty() && !kind.requires(IntakeField::Phone)) {
            String::new()
        } else {
            normalize_phone(&self.phone).unwrap_or_else(|p| {
                problems.push((IntakeField::Phone, p));
                String::new()
            })
        };

        if !categories.iter().any(|c| c.active && c.key == self.category) {
            let p = if self.category.is_empty() { Problem::Required } else { Problem::InvalidFormat };
            problems.push((IntakeField::Category, p));
        }

        let received_at = if self.received_at.trim().is_empty() {
            now
        } else {
            match parse_local_datetime(self.received_at.trim(), offset_min) {
                None => {
                    problems.push((IntakeField::ReceivedAt, Problem::InvalidFormat));
                    now
                }
                Some(t) if t > now + Duration::minutes(FUTURE_SLACK_MINUTES) => {
                    problems.push((IntakeField::ReceivedAt, Problem::InFuture));
                    now
                }
                Some(t) if t < now - Duration::days(BACKDATE_MAX_DAYS) => {
                    problems.push((IntakeField::ReceivedAt, Problem::TooOld { days: BACKDATE_MAX_DAYS as u32 }));
                    now
                }
                Some(t) => t,
            }
        };
        if kind == TicketKind::PatrolIncident {
            out.channel = Channel::Patrol;
        }
        if problems.is_empty() {
            Ok(ValidIntake { form: out, phone, received_at })
        } else {
            Err(problems)
        }
    }
}

impl ValidIntake {
    /// The ticket this intake makes, numbered, triaged and with its deadlines.
    pub fn into_ticket(self, number: String, policy: &SlaPolicy, offset_min: i32, photos: Vec<PhotoRef>) -> Ticket {
        let f = self.form;
        let priority = Priority::from_triage(f.urgency, f.importance);
        let Deadlines { respond_by, resolve_by } = policy.deadlines(f.kind, priority, self.received_at);
        Ticket {
            number,
            site: String::new(),
            kind: f.kind,
            status: TicketStatus::New,
            reporter_name: f.reporter_name,
            unit: f.unit,
            phone: self.phone,
            channel: f.channel,
            category: f.category,
            location: f.location,
            description: f.description,
            received_at: self.received_at,
            utc_offset_min: offset_min,
            urgency: f.urgency,
            importance: f.importance,
            priority,
            respond_by,
            resolve_by,
            photos,
            department: None,
            assignee: None,
            needs_details: false,
            drill_run: None,
            progress: None,
        }
        .with_progress(&[])
    }
}

/// A quick patrol report: what a patrol officer can enter with one hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReport {
    pub category: String,
    pub location: String,
    pub note: String,
}

/// A quick patrol report made on the lock screen, sealed to the drop box until someone
/// signs in (then it becomes a ticket received when it was made, by nobody signed in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedReport {
    pub report: QuickReport,
    pub at: DateTime<Utc>,
    pub utc_offset_min: i32,
}

impl QuickReport {
    /// Only the category is required; location and note can be added later (the ticket is
    /// marked as needing details). Triage defaults to low urgency, high importance (P3) until
    /// a supervisor assesses it: a finding on patrol is rarely an emergency (those are
    /// phoned in), but it must not be forgotten.
    pub fn validate(&self, categories: &[CategoryEntry]) -> Result<IntakeForm, Vec<(IntakeField, Problem)>> {
        let mut problems = Vec::new();
        if !categories.iter().any(|c| c.active && c.key == self.category) {
            problems.push((IntakeField::Category, Problem::Required));
        }
        let location = optional_text(&self.location, LOCATION_MAX).unwrap_or_else(|p| {
            problems.push((IntakeField::Location, p));
            String::new()
        });
        let note = optional_text(&self.note, DESCRIPTION_MAX).unwrap_or_else(|p| {
            problems.push((IntakeField::Description, p));
            String::new()
        });
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(IntakeForm {
            kind: TicketKind::PatrolIncident,
            channel: Channel::Patrol,
            category: self.category.clone(),
            location,
            description: note,
            urgency: Level::Low,
            importance: Level::High,
            ..IntakeForm::default()
        })
    }
}

impl Ticket {
    /// A quick report's ticket: validated by [`QuickReport::validate`], so the form is
    /// known good; only the required-field rules of a full intake are skipped.
    pub fn from_quick(form: IntakeForm, number: String, policy: &SlaPolicy, now: DateTime<Utc>, offset_min: i32, photos: Vec<PhotoRef>) -> Ticket {
        let mut t = ValidIntake { form, phone: String::new(), received_at: now }.into_ticket(number, policy, offset_min, photos);
        t.needs_details = true;
        t
    }
}

/// A ticket number people can read out on the phone: site code, the device's code, the
/// local date and that device's sequence for the day, e.g. `DH01-7F3A2C-261129-007`.
/// Unique across tablets without a server because no two devices share a code (the code
/// is random per device, 24 bits) and one device never reuses a sequence number for a day
/// (the counter is incremented in its own transaction before the ticket is written, so a
/// failed save leaves a gap, never a duplicate).
pub fn ticket_number(site_code: &str, device_code: &str, local_date: NaiveDate, sequence: u32) -> String {
    let site = site_or_placeholder(site_code);
    format!("{site}-{device_code}-{}-{sequence:03}", local_date.format("%y%m%d"))
}

/// The site code tickets carry: the configured one, or `SITE` before one is set.
pub fn site_or_placeholder(site_code: &str) -> &str {
    if site_code.is_empty() {
        "SITE"
    } else {
        site_code
    }
}

/// The counter scope for ticket numbers on a local date (one sequence per device per day).
pub fn sequence_scope(local_date: NaiveDate) -> String {
    format!("ticket-seq-{}", local_date.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 6, 0, 0).unwrap()
    }

    fn filled(kind: TicketKind) -> IntakeForm {
        IntakeForm {
            kind,
            reporter_name: "李娜".into(),
            unit: "3-2-1201".into(),
            phone: "138 0013 8000".into(),
            channel: Channel::Phone,
            category: "plumbing".into(),
            location: "".into(),
            description: "厨房水管漏水".into(),
            received_at: "".into(),
            urgency: Level::High,
            importance: Level::High,
        }
    }

    fn problems(form: &IntakeForm) -> Vec<(IntakeField, Problem)> {
        form.validate(&default_categories(), 480, now()).err().unwrap_or_default()
    }

    #[test]
    fn each_kind_needs_its_own_fields() {
        let empty = |kind| IntakeForm { kind, category: "plumbing".into(), ..IntakeForm::default() };
        use IntakeField::*;
        use Problem::Required;
        assert_eq!(
            problems(&empty(TicketKind::Repair)),
            vec![(ReporterName, Required), (Unit, Required), (Description, Required), (Phone, Required)]
        );
        assert_eq!(
            problems(&empty(TicketKind::Complaint)),
            vec![(ReporterName, Required), (Unit, Required), (Description, Required), (Phone, Required)]
        );
        assert_eq!(problems(&empty(TicketKind::Inquiry)), vec![(ReporterName, Required), (Description, Required)]);
        assert_eq!(problems(&empty(TicketKind::Suggestion)), vec![(ReporterName, Required), (Description, Required)]);
        assert_eq!(problems(&empty(TicketKind::PatrolIncident)), vec![(Location, Required), (Description, Required)]);
        for kind in TicketKind::ALL {
            let mut f = filled(kind);
            f.location = "2号楼地下车库".into();
            assert_eq!(problems(&f), vec![], "{kind:?}");
        }
    }

    #[test]
    fn patrol_findings_have_no_reporter_and_come_by_patrol() {
        let mut f = filled(TicketKind::PatrolIncident);
        f.location = "东门".into();
        f.phone = "not a phone".into(); // not asked for, so not checked
        let v = f.validate(&default_categories(), 480, now()).unwrap();
        assert_eq!(v.form.reporter_name, "");
        assert_eq!(v.phone, "");
        assert_eq!(v.form.channel, Channel::Patrol);
    }

    #[test]
    fn optional_phone_is_checked_when_given() {
        let mut f = filled(TicketKind::Inquiry);
        f.phone = "".into();
        assert_eq!(problems(&f), vec![]);
        f.phone = "12345".into();
        assert_eq!(problems(&f), vec![(IntakeField::Phone, Problem::InvalidFormat)]);
    }

    #[test]
    fn lengths_and_categories() {
        let mut f = filled(TicketKind::Repair);
        f.description = "漏".repeat(DESCRIPTION_MAX + 1);
        f.category = "retired".into();
        let mut cats = default_categories();
        cats.push(CategoryEntry { key: "retired".into(), name: "旧".into(), active: false });
        assert_eq!(
            f.validate(&cats, 480, now()).unwrap_err(),
            vec![
                (IntakeField::Description, Problem::TooLong { max: DESCRIPTION_MAX }),
                (IntakeField::Category, Problem::InvalidFormat)
            ]
        );
    }

    #[test]
    fn received_at_is_local_time_and_may_be_backdated_but_not_future() {
        let mut f = filled(TicketKind::Repair);
        // 13:30 in UTC+8 is 05:30 UTC.
        f.received_at = "2026-11-29T13:30".into();
        let v = f.validate(&default_categories(), 480, now()).unwrap();
        assert_eq!(v.received_at, Utc.with_ymd_and_hms(2026, 11, 29, 5, 30, 0).unwrap());
        f.received_at = "2026-11-29T15:00".into();
        assert_eq!(problems(&f), vec![(IntakeField::ReceivedAt, Problem::InFuture)]);
        f.received_at = "2026-10-01T09:00".into();
        assert_eq!(problems(&f), vec![(IntakeField::ReceivedAt, Problem::TooOld { days: 30 })]);
        f.received_at = "yesterday".into();
        assert_eq!(problems(&f), vec![(IntakeField::ReceivedAt, Problem::InvalidFormat)]);
        f.received_at = "".into();
        assert_eq!(f.validate(&default_categories(), 480, now()).unwrap().received_at, now());
    }

    #[test]
    fn a_valid_intake_becomes_a_triaged_ticket() {
        let v = filled(TicketKind::Complaint).validate(&default_categories(), 480, now()).unwrap();
        let t = v.into_ticket("DH01-ABCDEF-261129-001".into(), &SlaPolicy::default(), 480, vec![]);
        assert_eq!(t.priority, Priority::P1);
        assert_eq!(t.status, TicketStatus::New);
        assert_eq!(t.phone, "13800138000");
        assert_eq!(t.respond_by, now() + Duration::hours(1));
        assert_eq!(t.resolve_by, now() + Duration::hours(24));
        let json = serde_json::to_value(&t).unwrap();
        // The fields the storage indexes read.
        assert_eq!(json["status"], "new");
        assert_eq!(json["category"], "plumbing");
        assert!(json["department"].is_null());
        assert_eq!(serde_json::from_value::<Ticket>(json).unwrap(), t);
    }

    #[test]
    fn a_quick_report_needs_only_a_category() {
        let cats = default_categories();
        assert_eq!(
            QuickReport::default().validate(&cats).unwrap_err(),
            vec![(IntakeField::Category, Problem::Required)]
        );
        let form = QuickReport { category: "lift".into(), ..QuickReport::default() }.validate(&cats).unwrap();
        let t = Ticket::from_quick(form, "N".into(), &SlaPolicy::default(), now(), 480, vec![]);
        assert_eq!((t.kind, t.channel, t.priority, t.needs_details), (TicketKind::PatrolIncident, Channel::Patrol, Priority::P3, true));
    }

    #[test]
    fn ticket_numbers_are_unique_across_devices_and_days() {
        use std::collections::HashSet;
        use crate::domain::settings::DeviceIdentity;
        let mut seen = HashSet::new();
        // 300 simulated tablets on two sites, 40 days, 60 tickets a day each: 1.44 million.
        for device in 0..300u128 {
            let id = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | (device * 0x9E37_79B9_7F4A_7C15));
            let code = DeviceIdentity::new(id).short_code();
            let site = if device % 2 == 0 { "DH01" } else { "NS02" };
            for day in 0..40 {
                let date = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap() + Duration::days(day);
                for seq in 1..=60 {
                    assert!(seen.insert(ticket_number(site, &code, date, seq)), "duplicate for device {device}");
                }
            }
        }
        assert_eq!(
            ticket_number("DH01", "7F3A2C", NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(), 7),
            "DH01-7F3A2C-261129-007"
        );
        assert_eq!(ticket_number("DH01", "7F3A2C", NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(), 1234), "DH01-7F3A2C-261129-1234");
    }

    #[test]
    fn a_ticket_goes_to_the_department_of_its_category() {
        assert_eq!(department_for("noise", TicketKind::Complaint), Department::Security);
        assert_eq!(department_for("plumbing", TicketKind::Complaint), Department::Engineering);
        assert_eq!(department_for("cleaning", TicketKind::Repair), Department::Cleaning);
        assert_eq!(department_for("other", TicketKind::Inquiry), Department::CustomerService);
        assert_eq!(department_for("other", TicketKind::Repair), Department::Engineering);
        assert_eq!(department_for("site-own", TicketKind::PatrolIncident), Department::Engineering);
    }
}
