//! When each plan is next due to be drilled (演练周期). Fire evacuation every six months
//! (公安部令第61号 art. 40: fire-safety key units drill at least every half year), the others
//! yearly (生产安全事故应急预案管理办法 art. 33: at least one drill of a special plan a year);
//! each plan's interval can be changed in the editor.
//!
//! Only finished drills count: a real incident is not a drill, and a run left unfinished
//! proves nothing. A plan never drilled on a site is due at once.

use std::collections::BTreeMap;

use chrono::{Duration, Months, NaiveDate};
use uuid::Uuid;

use super::{DrillPlan, DrillRun, PlanType, RunMode, Text};
use crate::domain::locale::to_local;

/// How far ahead a drill shows as due soon.
pub const DUE_SOON_DAYS: i64 = 30;

pub fn default_interval_months(plan_type: PlanType) -> u32 {
    match plan_type {
        PlanType::Fire => 6,
        _ => 12,
    }
}

impl DrillPlan {
    /// Months between drills of this plan.
    pub fn interval(&self) -> u32 {
        self.interval_months.unwrap_or_else(|| default_interval_months(self.plan_type))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Never drilled here: due now.
    Never,
    /// The due date has passed.
    Overdue { last: NaiveDate, due: NaiveDate },
    /// Due within [`DUE_SOON_DAYS`], the due date itself included.
    Soon { last: NaiveDate, due: NaiveDate },
    Later { last: NaiveDate, due: NaiveDate },
}

impl Due {
    /// Overdue, or never drilled.
    pub fn is_overdue(self) -> bool {
        matches!(self, Due::Never | Due::Overdue { .. })
    }
}

/// The date `months` after `last` (the last day of a shorter month when the day is not in
/// it: a drill on 31 August is due again by 28 or 29 February).
pub fn next_due(last: NaiveDate, months: u32) -> NaiveDate {
    last.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

pub fn due(interval_months: u32, last: Option<NaiveDate>, today: NaiveDate) -> Due {
    let Some(last) = last else { return Due::Never };
    let due = next_due(last, interval_months);
    if today > due {
        Due::Overdue { last, due }
    } else if today >= due - Duration::days(DUE_SOON_DAYS) {
        Due::Soon { last, due }
    } else {
        Due::Later { last, due }
    }
}

/// The local date a run counts for, if it counts as a drill of its plan.
pub fn drilled_on(run: &DrillRun) -> Option<NaiveDate> {
    (run.mode == RunMode::Drill && run.is_finished()).then(|| to_local(run.started_at, run.utc_offset_min).date_naive())
}

/// One plan at one site.
#[derive(Debug, Clone, PartialEq)]
pub struct DueRow {
    pub site: String,
    pub plan_id: Uuid,
    pub name: Text,
    pub interval_months: u32,
    pub due: Due,
}

/// Every plan in use at every site known here: this tablet's own site, and each site that
/// runs from other tablets came from (head office sees each). A run recorded before runs
/// kept their site counts for `own_site`. Rows by site, then in the plans' order.
pub fn drills_due(plans: &[(Uuid, &DrillPlan)], runs: &[&DrillRun], own_site: &str, today: NaiveDate) -> Vec<DueRow> {
    let site_of = |run: &DrillRun| if run.site.is_empty() { own_site.to_owned() } else { run.site.clone() };
    let mut last: BTreeMap<(String, Uuid), NaiveDate> = BTreeMap::new();
    let mut sites = vec![own_site.to_owned()];
    for run in runs {
        let site = site_of(run);
        if !sites.contains(&site) {
            sites.push(site.clone());
        }
        if let Some(day) = drilled_on(run) {
            let entry = last.entry((site, run.plan_id)).or_insert(day);
            *entry = (*entry).max(day);
        }
    }
    sites[1..].sort();
    sites
        .iter()
        .flat_map(|site| {
            plans.iter().filter(|(_, p)| !p.retired).map(|(id, plan)| DueRow {
                site: site.clone(),
                plan_id: *id,
                name: plan.name.clone(),
                interval_months: plan.interval(),
                due: due(plan.interval(), last.get(&(site.clone(), *id)).copied(), today),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::drill::{built_in_plans, Evaluation, RunChange, RunEvent};
    use chrono::{TimeZone, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fire_every_six_months_the_rest_yearly_unless_the_plan_says() {
        let plans = built_in_plans();
        for (_, p) in &plans {
            let expected = if p.plan_type == PlanType::Fire { 6 } else { 12 };
            assert_eq!(p.interval(), expected, "{}", p.key);
        }
        let mut p = plans[1].1.clone();
        p.interval_months = None;
        assert_eq!(p.interval(), 12, "a plan without an interval takes its type's default");
        p.interval_months = Some(3);
        assert_eq!(p.interval(), 3);
    }

    #[test]
    fn due_at_its_boundaries() {
        let last = d(2026, 1, 15);
        let due_on = d(2026, 7, 15);
        assert_eq!(due(6, Some(last), due_on + Duration::days(1)), Due::Overdue { last, due: due_on });
        assert_eq!(due(6, Some(last), due_on), Due::Soon { last, due: due_on }, "due today is not yet overdue");
        assert_eq!(due(6, Some(last), due_on - Duration::days(DUE_SOON_DAYS)), Due::Soon { last, due: due_on });
        assert_eq!(due(6, Some(last), due_on - Duration::days(DUE_SOON_DAYS + 1)), Due::Later { last, due: due_on });
        assert_eq!(due(12, None, due_on), Due::Never);
        assert!(Due::Never.is_overdue() && !Due::Soon { last, due: due_on }.is_overdue());
        // Months of different lengths: the last day of the shorter month.
        assert_eq!(next_due(d(2025, 8, 31), 6), d(2026, 2, 28));
        assert_eq!(next_due(d(2027, 8, 31), 6), d(2028, 2, 29));
        assert_eq!(next_due(d(2026, 2, 28), 12), d(2027, 2, 28));
        assert_eq!(next_due(d(2026, 12, 31), 1), d(2027, 1, 31));
    }

    fn run(plan: usize, mode: RunMode, site: &str, started: chrono::DateTime<Utc>, finished: bool) -> DrillRun {
        let (plan_id, plan) = built_in_plans().remove(plan);
        let events = if finished {
            vec![RunEvent { id: Uuid::from_u128(1), at: started + Duration::minutes(20), by: None, change: RunChange::Finish { evaluation: Evaluation::Good, summary: String::new() } }]
        } else {
            Vec::new()
        };
        DrillRun { plan_id, plan, mode, location: String::new(), participants: vec![], started_at: started, utc_offset_min: 480, events, site: site.into(), record: Default::default() }
    }

    #[test]
    fn only_finished_drills_count_per_site_on_their_local_date() {
        let plans = built_in_plans();
        let refs: Vec<(Uuid, &DrillPlan)> = plans.iter().map(|(id, p)| (*id, p)).collect();
        let fire = plans[0].0;
        let today = d(2026, 12, 6);
        // 2026-06-05 17:00 UTC is 6 June 01:00 in UTC+8: due again on 6 December, today.
        let at = Utc.with_ymd_and_hms(2026, 6, 5, 17, 0, 0).unwrap();
        let runs = [
            run(0, RunMode::Drill, "", at, true),
            run(0, RunMode::Real, "", Utc.with_ymd_and_hms(2026, 11, 1, 2, 0, 0).unwrap(), true),
            run(0, RunMode::Drill, "", Utc.with_ymd_and_hms(2026, 11, 2, 2, 0, 0).unwrap(), false),
            run(0, RunMode::Drill, "B2", Utc.with_ymd_and_hms(2025, 1, 2, 2, 0, 0).unwrap(), true),
        ];
        let run_refs: Vec<&DrillRun> = runs.iter().collect();
        let rows = drills_due(&refs, &run_refs, "A1", today);
        assert_eq!(rows.len(), 2 * 7, "this site and the site a run came from, every plan");
        let row = |site: &str, plan: Uuid| rows.iter().find(|r| r.site == site && r.plan_id == plan).unwrap().due;
        assert_eq!(row("A1", fire), Due::Soon { last: d(2026, 6, 6), due: d(2026, 12, 6) }, "a real incident and an unfinished drill do not count");
        assert_eq!(row("B2", fire), Due::Overdue { last: d(2025, 1, 2), due: d(2025, 7, 2) });
        assert_eq!(row("A1", plans[1].0), Due::Never);
        assert_eq!(rows[0].site, "A1", "the tablet's own site first");

        let mut retired = plans[1].1.clone();
        retired.retired = true;
        let rows = drills_due(&[(plans[1].0, &retired)], &[], "A1", today);
        assert!(rows.is_empty(), "a retired plan is not due");
    }
}
