//! Site, device and staff roster: who is using this tablet, where.
//!
//! The device identity is kept apart from the site settings on purpose: site settings and
//! the roster travel between tablets (head office sends them out), the device id never does
//! — it is what makes ticket numbers and export files from two tablets distinguishable.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ticket::{default_categories, CategoryEntry, CATEGORY_NAME_MAX};
use super::triage::SlaPolicy;
pub use super::vocab::{Department, StaffRole};
use super::validation::{required_text, Problem};

pub const SITE_NAME_MAX: usize = 60;
pub const SITE_CODE_MAX: usize = 8;
pub const DEVICE_NAME_MAX: usize = 40;
pub const STAFF_NAME_MAX: usize = 40;

/// Generated once on first start and never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceIdentity {
    pub id: Uuid,
    pub name: String,
}

impl DeviceIdentity {
    pub fn new(id: Uuid) -> Self {
        DeviceIdentity { id, name: String::new() }
    }

    /// A short code for humans (ticket numbers, file names): the last six hex digits of
    /// the id, upper case. They are random bits of the UUID v7, so among 300 tablets of one
    /// site the chance that two share a code is under 0.3 %; the full id stays the real key.
    pub fn short_code(&self) -> String {
        let hex = self.id.simple().to_string();
        hex[hex.len() - 6..].to_ascii_uppercase()
    }
}

/// One person on the roster. Removing someone only retires them (`active = false`): their
/// name must still resolve in the history of tickets they handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: Uuid,
    pub name: String,
    pub role: StaffRole,
    pub department: Department,
    pub active: bool,
}

/// Settings shared by every tablet on a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    pub site_name: String,
    /// Short upper-case code used in ticket numbers and file names, e.g. `DH01`.
    pub site_code: String,
    pub roster: Vec<StaffMember>,
    /// The category list of the intake form (built-ins plus the site's own).
    #[serde(default = "default_categories")]
    pub categories: Vec<CategoryEntry>,
    /// Response and resolution hours per priority.
    #[serde(default)]
    pub sla: SlaPolicy,
    /// The standard the supervisor is measured against (工作标准); companies differ.
    #[serde(default)]
    pub targets: KpiTargets,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            site_name: String::new(),
            site_code: String::new(),
            roster: Vec::new(),
            categories: default_categories(),
            sla: SlaPolicy::default(),
            targets: KpiTargets::default(),
        }
    }
}

/// KPI targets. Percentages are whole numbers; hours and counts are limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KpiTargets {
    /// Customer satisfaction, at least this share of return visits satisfied.
    pub satisfaction_pct: u32,
    /// Complaints resolved within `complaint_hours`, at least this share.
    pub complaints_in_time_pct: u32,
    /// A complaint is handled in time within this many hours (hold time not counted).
    pub complaint_hours: u32,
    /// A ticket is responded to in time within this many hours.
    pub response_hours: u32,
    /// Responded in time, at least this share.
    pub response_pct: u32,
    /// Resolved or closed of received, at least this share.
    pub completion_pct: u32,
    /// Tickets handled per day, at least.
    pub per_day: u32,
    /// Complaints per month, at most.
    pub complaints_per_month: u32,
    /// A report of the same category at the same unit or place within this many days of an
    /// earlier one is a repeat problem (residents' records, issue 21).
    pub repeat_days: u32,
    /// Residents' personal data is kept this many months after a ticket is closed, then
    /// purged ([`super::retention`]).
    pub retention_months: u32,
    /// Data accuracy ([`super::kpi::accuracy`]), at least this share.
    pub accuracy_pct: u32,
}

impl Default for KpiTargets {
    /// The standard in the domain notes: 95 %, 100 % within 48 h, 24 h response, 95 %
    /// completion, ≥ 30 a day, ≤ 10 complaints a month.
    fn default() -> Self {
        KpiTargets {
            satisfaction_pct: 95,
            complaints_in_time_pct: 100,
            complaint_hours: 48,
            response_hours: 24,
            response_pct: 100,
            completion_pct: 95,
            per_day: 30,
            complaints_per_month: 10,
            repeat_days: super::places::REPEAT_DAYS_DEFAULT,
            retention_months: super::retention::RETENTION_MONTHS_DEFAULT,
            accuracy_pct: 99,
        }
    }
}

/// One editable target: its key in forms and messages, and its allowed range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetField {
    SatisfactionPct,
    ComplaintsInTimePct,
    ComplaintHours,
    ResponseHours,
    ResponsePct,
    CompletionPct,
    PerDay,
    ComplaintsPerMonth,
    RepeatDays,
    RetentionMonths,
    AccuracyPct,
}

impl TargetField {
    pub const ALL: [TargetField; 11] = [
        TargetField::SatisfactionPct,
        TargetField::ComplaintsInTimePct,
        TargetField::ComplaintHours,
        TargetField::ResponseHours,
        TargetField::ResponsePct,
        TargetField::CompletionPct,
        TargetField::PerDay,
        TargetField::ComplaintsPerMonth,
        TargetField::RepeatDays,
        TargetField::RetentionMonths,
        TargetField::AccuracyPct,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TargetField::SatisfactionPct => "satisfaction_pct",
            TargetField::ComplaintsInTimePct => "complaints_in_time_pct",
            TargetField::ComplaintHours => "complaint_hours",
            TargetField::ResponseHours => "response_hours",
            TargetField::ResponsePct => "response_pct",
            TargetField::CompletionPct => "completion_pct",
            TargetField::PerDay => "per_day",
            TargetField::ComplaintsPerMonth => "complaints_per_month",
            TargetField::RepeatDays => "repeat_days",
            TargetField::RetentionMonths => "retention_months",
            TargetField::AccuracyPct => "accuracy_pct",
        }
    }

    /// Allowed values: percentages 1–100, hours 1–720 (30 days), counts 0–10,000.
    pub fn range(self) -> (u32, u32) {
        match self {
            TargetField::ComplaintHours | TargetField::ResponseHours => (1, 720),
            TargetField::PerDay | TargetField::ComplaintsPerMonth => (0, 10_000),
            TargetField::RepeatDays => (super::places::REPEAT_DAYS_MIN, super::places::REPEAT_DAYS_MAX),
            TargetField::RetentionMonths => (super::retention::RETENTION_MONTHS_MIN, super::retention::RETENTION_MONTHS_MAX),
            _ => (1, 100),
        }
    }

    pub fn get(self, t: &KpiTargets) -> u32 {
        match self {
            TargetField::SatisfactionPct => t.satisfaction_pct,
            TargetField::ComplaintsInTimePct => t.complaints_in_time_pct,
            TargetField::ComplaintHours => t.complaint_hours,
            TargetField::ResponseHours => t.response_hours,
            TargetField::ResponsePct => t.response_pct,
            TargetField::CompletionPct => t.completion_pct,
            TargetField::PerDay => t.per_day,
            TargetField::ComplaintsPerMonth => t.complaints_per_month,
            TargetField::RepeatDays => t.repeat_days,
            TargetField::RetentionMonths => t.retention_months,
            TargetField::AccuracyPct => t.accuracy_pct,
        }
    }

    /// Parses and range-checks a typed value and stores it in `t`.
    pub fn set(self, t: &mut KpiTargets, raw: &str) -> Result<(), Problem> {
        let (min, max) = self.range();
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Required);
        }
        let value: u32 = raw.parse().map_err(|_| Problem::OutOfRange { min, max })?;
        if !(min..=max).contains(&value) {
            return Err(Problem::OutOfRange { min, max });
        }
        let slot = match self {
            TargetField::SatisfactionPct => &mut t.satisfaction_pct,
            TargetField::ComplaintsInTimePct => &mut t.complaints_in_time_pct,
            TargetField::ComplaintHours => &mut t.complaint_hours,
            TargetField::ResponseHours => &mut t.response_hours,
            TargetField::ResponsePct => &mut t.response_pct,
            TargetField::CompletionPct => &mut t.completion_pct,
            TargetField::PerDay => &mut t.per_day,
            TargetField::ComplaintsPerMonth => &mut t.complaints_per_month,
            TargetField::RepeatDays => &mut t.repeat_days,
            TargetField::RetentionMonths => &mut t.retention_months,
            TargetField::AccuracyPct => &mut t.accuracy_pct,
        };
        *slot = value;
        Ok(())
    }
}

impl SiteSettings {
    pub fn active_categories(&self) -> impl Iterator<Item = &CategoryEntry> {
        self.categories.iter().filter(|c| c.active)
    }

    /// Adds a site category named `name` under `key`. Names must be unique among the custom
    /// categories (case-insensitive), so the list never shows two alike.
    pub fn add_category(&mut self, key: String, name: &str) -> Result<(), Problem> {
        let name = required_text(name, CATEGORY_NAME_MAX)?;
        if self.categories.iter().any(|c| !c.is_built_in() && c.name.to_lowercase() == name.to_lowercase()) {
            return Err(Problem::Duplicate);
        }
        self.categories.push(CategoryEntry { key, name, active: true });
        Ok(())
    }

    /// Takes a category off the intake form (or puts it back). Tickets keep it.
    pub fn set_category_active(&mut self, key: &str, active: bool) {
        if let Some(c) = self.categories.iter_mut().find(|c| c.key == key) {
            c.active = active;
        }
    }

    /// Takes in site settings sent in a file (head office sending its roster, categories,
    /// hours and targets back to the tablets), when the user chooses to apply them: staff and
    /// categories are merged by id/key (the file's entry replaces the same one, others are
    /// kept), hours and targets come from the file, and the site's name and code only when
    /// this tablet has none yet.
    pub fn apply_from_file(&mut self, other: &SiteSettings) {
        for member in &other.roster {
            match self.roster.iter_mut().find(|m| m.id == member.id) {
                Some(m) => *m = member.clone(),
                None => self.roster.push(member.clone()),
            }
        }
        for category in &other.categories {
            match self.categories.iter_mut().find(|c| c.key == category.key) {
                Some(c) => *c = category.clone(),
                None => self.categories.push(category.clone()),
            }
        }
        self.sla = other.sla.clone();
        self.targets = other.targets;
        if !self.is_configured() && other.is_configured() {
            self.site_name = other.site_name.clone();
            self.site_code = other.site_code.clone();
        }
    }

    /// Whether the first-run setup has been done (the header asks for it until then).
    pub fn is_configured(&self) -> bool {
        !self.site_name.is_empty() && !self.site_code.is_empty()
    }

    pub fn active_staff(&self) -> impl Iterator<Item = &StaffMember> {
        self.roster.iter().filter(|m| m.active)
    }

    pub fn staff(&self, id: Uuid) -> Option<&StaffMember> {
        self.roster.iter().find(|m| m.id == id)
    }
}

/// Which settings field a problem belongs to, so the form can show it beside that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsField {
    SiteName,
    SiteCode,
    DeviceName,
}

/// What the site form holds before it is accepted (also its draft).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteForm {
    pub site_name: String,
    pub site_code: String,
    pub device_name: String,
}

/// Validated values of the site form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFormValues {
    pub site_name: String,
    pub site_code: String,
    pub device_name: String,
}

impl SiteForm {
    /// Checks every field and reports all problems at once, so the user fixes them in one
    /// pass. The site code is upper-cased: staff type `dh01` as often as `DH01`.
    pub fn validate(&self) -> Result<SiteFormValues, Vec<(SettingsField, Problem)>> {
        let mut problems = Vec::new();
        let site_name = required_text(&self.site_name, SITE_NAME_MAX)
            .map_err(|p| problems.push((SettingsField::SiteName, p)))
            .ok();
        let site_code = validate_site_code(&self.site_code)
            .map_err(|p| problems.push((SettingsField::SiteCode, p)))
            .ok();
        let device_name = required_text(&self.device_name, DEVICE_NAME_MAX)
            .map_err(|p| problems.push((SettingsField::DeviceName, p)))
            .ok();
        match (site_name, site_code, device_name) {
            (Some(site_name), Some(site_code), Some(device_name)) if problems.is_empty() => {
                Ok(SiteFormValues { site_name, site_code, device_name })
            }
            _ => Err(problems),
        }
    }
}

/// 2 to 8 letters or digits, stored upper case.
pub fn validate_site_code(raw: &str) -> Result<String, Problem> {
    let code = required_text(raw, SITE_CODE_MAX)?.to_ascii_uppercase();
    if code.chars().count() < 2 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Problem::InvalidFormat);
    }
    Ok(code)
}

/// Compares names the way people do: ignoring surrounding space, letter case and
/// full-width/half-width spaces inside.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split(|c: char| c.is_whitespace() || c == '\u{3000}')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// Checks a staff name for the roster. `editing` is the id of the member being renamed, so
/// keeping one's own name is not a duplicate. Retired members' names may be reused.
pub fn validate_staff_name(
    settings: &SiteSettings,
    raw: &str,
    editing: Option<Uuid>,
) -> Result<String, Problem> {
    let name = required_text(raw, STAFF_NAME_MAX)?;
    let taken = settings
        .active_staff()
        .any(|m| Some(m.id) != editing && same_name(&m.name, &name));
    if taken {
        return Err(Problem::Duplicate);
    }
    Ok(name)
}

impl SiteSettings {
    /// Adds a new active member after validation; returns the new member's id.
    pub fn add_staff(
        &mut self,
        id: Uuid,
        name: &str,
        role: StaffRole,
        department: Department,
    ) -> Result<Uuid, Problem> {
        let name = validate_staff_name(self, name, None)?;
        self.roster.push(StaffMember { id, name, role, department, active: true });
        Ok(id)
    }

    /// Changes a member's name, role and department.
    pub fn update_staff(
        &mut self,
        id: Uuid,
        name: &str,
        role: StaffRole,
        department: Department,
    ) -> Result<(), Problem> {
        let name = validate_staff_name(self, name, Some(id))?;
        let member = self.roster.iter_mut().find(|m| m.id == id).ok_or(Problem::InvalidFormat)?;
        member.name = name;
        member.role = role;
        member.department = department;
        Ok(())
    }

    /// Retires a member: hidden from pickers, kept for history.
    pub fn retire_staff(&mut self, id: Uuid) {
        if let Some(member) = self.roster.iter_mut().find(|m| m.id == id) {
            member.active = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn settings_from_a_file_merge_the_roster_and_categories() {
        let mut tablet = SiteSettings { site_name: "东湖花园".into(), site_code: "DH01".into(), ..SiteSettings::default() };
        tablet.add_staff(id(1), "王伟", StaffRole::Patrol, Department::Security).unwrap();
        tablet.add_staff(id(2), "李娜", StaffRole::CustomerService, Department::CustomerService).unwrap();
        let mut office = SiteSettings { site_name: "总部".into(), site_code: "HQ".into(), ..SiteSettings::default() };
        office.add_staff(id(2), "李娜（组长）", StaffRole::Supervisor, Department::CustomerService).unwrap();
        office.add_staff(id(3), "张敏", StaffRole::Technician, Department::Engineering).unwrap();
        office.add_category("k1".into(), "电动车充电").unwrap();
        office.targets.per_day = 40;
        tablet.apply_from_file(&office);
        assert_eq!(tablet.roster.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), vec!["王伟", "李娜（组长）", "张敏"]);
        assert!(tablet.categories.iter().any(|c| c.key == "k1"));
        assert_eq!(tablet.targets.per_day, 40);
        assert_eq!((tablet.site_name.as_str(), tablet.site_code.as_str()), ("东湖花园", "DH01"), "a configured tablet keeps its site");
        let mut fresh = SiteSettings::default();
        fresh.apply_from_file(&office);
        assert_eq!(fresh.site_code, "HQ");
        let before = tablet.clone();
        tablet.apply_from_file(&office);
        assert_eq!(tablet, before, "applying twice changes nothing");
    }

    #[test]
    fn kpi_targets_default_to_the_standard_and_check_their_ranges() {
        let mut t = KpiTargets::default();
        assert_eq!((t.satisfaction_pct, t.complaints_in_time_pct, t.complaint_hours, t.response_hours), (95, 100, 48, 24));
        assert_eq!((t.completion_pct, t.per_day, t.complaints_per_month), (95, 30, 10));
        // Settings saved before targets existed read with the defaults.
        let old: SiteSettings = serde_json::from_str(r#"{"site_name":"a","site_code":"B","roster":[]}"#).unwrap();
        assert_eq!(old.targets, KpiTargets::default());
        assert_eq!(TargetField::SatisfactionPct.set(&mut t, " 90 "), Ok(()));
        assert_eq!(t.satisfaction_pct, 90);
        assert_eq!(TargetField::SatisfactionPct.set(&mut t, "101"), Err(Problem::OutOfRange { min: 1, max: 100 }));
        assert_eq!(TargetField::ComplaintHours.set(&mut t, "0"), Err(Problem::OutOfRange { min: 1, max: 720 }));
        assert_eq!(TargetField::PerDay.set(&mut t, "-3"), Err(Problem::OutOfRange { min: 0, max: 10_000 }));
        assert_eq!(TargetField::PerDay.set(&mut t, "abc"), Err(Problem::OutOfRange { min: 0, max: 10_000 }));
        assert_eq!(TargetField::PerDay.set(&mut t, ""), Err(Problem::Required));
        assert_eq!(t.satisfaction_pct, 90, "a refused value leaves the old one");
        for f in TargetField::ALL {
            assert_eq!(f.get(&KpiTargets::default()), f.get(&KpiTargets::default()));
            let (min, max) = f.range();
            assert!(f.set(&mut t, &max.to_string()).is_ok() && f.set(&mut t, &min.to_string()).is_ok());
            assert_eq!(f.get(&t), min, "{}", f.key());
        }
    }

    #[test]
    fn site_form_reports_every_problem() {
        let form = SiteForm { site_name: " ".into(), site_code: "a b".into(), device_name: "".into() };
        let problems = form.validate().unwrap_err();
        assert_eq!(
            problems,
            vec![
                (SettingsField::SiteName, Problem::Required),
                (SettingsField::SiteCode, Problem::InvalidFormat),
                (SettingsField::DeviceName, Problem::Required),
            ]
        );
    }

    #[test]
    fn site_form_normalises() {
        let form = SiteForm {
            site_name: " 东湖花园 ".into(),
            site_code: "dh01".into(),
            device_name: "前台平板".into(),
        };
        let v = form.validate().unwrap();
        assert_eq!(v.site_name, "东湖花园");
        assert_eq!(v.site_code, "DH01");
    }

    #[test]
    fn site_code_rules() {
        assert_eq!(validate_site_code("A"), Err(Problem::InvalidFormat));
        assert_eq!(validate_site_code("ABCDEFGHI"), Err(Problem::TooLong { max: 8 }));
        assert_eq!(validate_site_code("东湖"), Err(Problem::InvalidFormat));
        assert_eq!(validate_site_code("x9"), Ok("X9".into()));
    }

    #[test]
    fn roster_refuses_duplicates_but_allows_own_name_and_retired_names() {
        let mut s = SiteSettings::default();
        s.add_staff(id(1), "王伟", StaffRole::Patrol, Department::Security).unwrap();
        assert_eq!(
            s.add_staff(id(2), " 王伟 ", StaffRole::Technician, Department::Engineering),
            Err(Problem::Duplicate)
        );
        s.add_staff(id(3), "Li Na", StaffRole::Supervisor, Department::CustomerService).unwrap();
        assert_eq!(
            s.add_staff(id(4), "li  na", StaffRole::Patrol, Department::Security),
            Err(Problem::Duplicate)
        );
        // Renaming to one's own name is fine.
        s.update_staff(id(1), "王伟", StaffRole::Supervisor, Department::Security).unwrap();
        assert_eq!(s.staff(id(1)).unwrap().role, StaffRole::Supervisor);
        // Renaming to someone else's is not.
        assert_eq!(
            s.update_staff(id(1), "LI NA", StaffRole::Patrol, Department::Security),
            Err(Problem::Duplicate)
        );
        s.retire_staff(id(1));
        assert_eq!(s.active_staff().count(), 1);
        assert!(s.staff(id(1)).is_some(), "retired members stay for history");
        s.add_staff(id(5), "王伟", StaffRole::Patrol, Department::Security).unwrap();
    }

    #[test]
    fn empty_and_long_names_are_refused() {
        let mut s = SiteSettings::default();
        assert_eq!(s.add_staff(id(1), "  ", StaffRole::Patrol, Department::Security), Err(Problem::Required));
        let long = "x".repeat(STAFF_NAME_MAX + 1);
        assert_eq!(
            s.add_staff(id(1), &long, StaffRole::Patrol, Department::Security),
            Err(Problem::TooLong { max: STAFF_NAME_MAX })
        );
        assert!(s.roster.is_empty());
    }

    #[test]
    fn settings_round_trip_through_json() {
        let mut s = SiteSettings { site_name: "东湖花园".into(), site_code: "DH01".into(), roster: vec![], ..SiteSettings::default() };
        s.add_staff(id(7), "张敏", StaffRole::CustomerService, Department::CustomerService).unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"customer_service\""));
        let back: SiteSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn device_short_code_is_last_six_hex_upper() {
        let d = DeviceIdentity::new(Uuid::from_u128(0x12abcdef));
        assert_eq!(d.short_code(), "ABCDEF");
    }

    #[test]
    fn role_and_department_keys_round_trip() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::from_key(r.key()), Some(r));
        }
        for d in Department::ALL {
            assert_eq!(Department::from_key(d.key()), Some(d));
        }
    }

    #[test]
    fn site_categories_are_added_once_and_retired_not_deleted() {
        let mut s = SiteSettings::default();
        assert_eq!(s.active_categories().count(), 11);
        s.add_category("c-1".into(), " 充电桩 ").unwrap();
        assert_eq!(s.add_category("c-2".into(), "充电桩"), Err(Problem::Duplicate));
        assert_eq!(s.add_category("c-3".into(), ""), Err(Problem::Required));
        assert_eq!(s.add_category("c-4".into(), &"长".repeat(CATEGORY_NAME_MAX + 1)), Err(Problem::TooLong { max: CATEGORY_NAME_MAX }));
        s.set_category_active("c-1", false);
        s.set_category_active("lift", false);
        assert_eq!(s.active_categories().count(), 10);
        assert_eq!(s.categories.len(), 12, "retired entries stay for old tickets");
    }

    #[test]
    fn settings_saved_before_categories_existed_get_the_defaults() {
        let old = r#"{"site_name":"东湖花园","site_code":"DH01","roster":[]}"#;
        let s: SiteSettings = serde_json::from_str(old).unwrap();
        assert_eq!(s.categories, default_categories());
        assert_eq!(s.sla, SlaPolicy::default());
    }
}
