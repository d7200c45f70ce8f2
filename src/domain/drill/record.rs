//! The written drill record (演练记录) beside the checklist: what the rules and inspections
//! ask a record to show — who organised and who commanded, each team's lead and headcount,
//! how many were evacuated, the simulated scenario, whether people were told in advance and
//! how, the weather — and the commander's sign-off that closes it.

use serde::{Deserialize, Serialize};

use super::{DrillRun, PlanType};
use crate::domain::validation::Problem;

pub const PERSON_MAX: usize = 40;
pub const SCENARIO_MAX: usize = 500;
pub const NOTICE_HOW_MAX: usize = 200;
pub const WEATHER_MAX: usize = 80;
/// More people than any one team on an estate; a typo of an extra digit is caught.
pub const HEADCOUNT_MAX: u32 = 10_000;
pub const EVACUATED_MAX: u32 = 100_000;
/// Minutes within which the lift contractor must arrive in a city (TSG T5002-2017, the lift
/// maintenance rules: 30 min in a municipality or a city with districts, 1 h elsewhere).
pub const CONTRACTOR_ARRIVAL_MIN: i64 = 30;

/// Whether the people in the building were told of the drill beforehand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    Announced,
    Unannounced,
}

impl Notice {
    pub const ALL: [Notice; 2] = [Notice::Announced, Notice::Unannounced];
    pub fn key(self) -> &'static str {
        match self {
            Notice::Announced => "announced",
            Notice::Unannounced => "unannounced",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.key() == key)
    }
}

/// One team of the run: the plan role it acts as, who led it, how many were in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub role: String,
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub headcount: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunRecord {
    #[serde(default)]
    pub organiser: String,
    #[serde(default)]
    pub commander: String,
    #[serde(default)]
    pub teams: Vec<Team>,
    #[serde(default)]
    pub evacuated: Option<u32>,
    #[serde(default)]
    pub scenario: String,
    #[serde(default)]
    pub notice: Option<Notice>,
    #[serde(default)]
    pub notice_how: String,
    #[serde(default)]
    pub weather: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordProblem {
    Organiser(Problem),
    Commander(Problem),
    Scenario(Problem),
    NoticeHow(Problem),
    Weather(Problem),
    /// Team at this position (0-based).
    TeamLead(usize, Problem),
    Headcount(usize, Problem),
    /// The same role given twice.
    TeamRole(usize),
    Evacuated(Problem),
}

fn at_most(text: &str, max: usize) -> Result<(), Problem> {
    if text.trim().chars().count() > max { Err(Problem::TooLong { max }) } else { Ok(()) }
}

impl RunRecord {
    /// Every text within its limit, every number in range, each role once. Nothing here is
    /// required while the drill runs: the record is filled in as things happen.
    pub fn validate(&self) -> Result<(), Vec<RecordProblem>> {
        let mut problems = Vec::new();
        let mut text = |value: &str, max: usize, wrap: fn(Problem) -> RecordProblem| {
            if let Err(p) = at_most(value, max) {
                problems.push(wrap(p));
            }
        };
        text(&self.organiser, PERSON_MAX, RecordProblem::Organiser);
        text(&self.commander, PERSON_MAX, RecordProblem::Commander);
        text(&self.scenario, SCENARIO_MAX, RecordProblem::Scenario);
        text(&self.notice_how, NOTICE_HOW_MAX, RecordProblem::NoticeHow);
        text(&self.weather, WEATHER_MAX, RecordProblem::Weather);
        for (i, team) in self.teams.iter().enumerate() {
            if let Err(p) = at_most(&team.lead, PERSON_MAX) {
                problems.push(RecordProblem::TeamLead(i, p));
            }
            if team.headcount > HEADCOUNT_MAX {
                problems.push(RecordProblem::Headcount(i, Problem::OutOfRange { min: 0, max: HEADCOUNT_MAX }));
            }
            if self.teams[..i].iter().any(|t| t.role == team.role) {
                problems.push(RecordProblem::TeamRole(i));
            }
        }
        if self.evacuated.is_some_and(|n| n > EVACUATED_MAX) {
            problems.push(RecordProblem::Evacuated(Problem::OutOfRange { min: 0, max: EVACUATED_MAX }));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    /// Everyone in the teams.
    pub fn headcount(&self) -> u32 {
        self.teams.iter().map(|t| t.headcount).sum()
    }

    /// The record as it is kept: texts trimmed, teams with nothing in them left out.
    pub fn tidied(mut self) -> RunRecord {
        for t in [&mut self.organiser, &mut self.commander, &mut self.scenario, &mut self.notice_how, &mut self.weather] {
            *t = t.trim().to_owned();
        }
        for team in &mut self.teams {
            team.lead = team.lead.trim().to_owned();
        }
        self.teams.retain(|t| !t.lead.is_empty() || t.headcount > 0);
        self
    }
}

/// Why the commander cannot sign the record yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOffProblem {
    NotFinished,
    NoCommander,
    AlreadySigned,
}

/// What stands in the way of signing: the run must be finished and name its commander, and
/// is signed once.
pub fn sign_off_problem(run: &DrillRun) -> Option<SignOffProblem> {
    if run.is_signed_off() {
        Some(SignOffProblem::AlreadySigned)
    } else if !run.is_finished() {
        Some(SignOffProblem::NotFinished)
    } else if run.record.commander.trim().is_empty() {
        Some(SignOffProblem::NoCommander)
    } else {
        None
    }
}

/// Whether the run is of a plan whose contractor's arrival is timed (lift entrapment).
pub fn times_the_contractor(run: &DrillRun) -> bool {
    run.plan.plan_type == PlanType::Lift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(role: &str, lead: &str, headcount: u32) -> Team {
        Team { role: role.into(), lead: lead.into(), headcount }
    }

    #[test]
    fn a_record_is_checked_field_by_field() {
        let ok = RunRecord {
            organiser: "王经理".into(),
            commander: "李主管".into(),
            teams: vec![team("evacuation_guide", "张三", 6), team("first_aid", "", 2)],
            evacuated: Some(312),
            scenario: "3号楼12层厨房起火，浓烟进入走廊".into(),
            notice: Some(Notice::Unannounced),
            notice_how: String::new(),
            weather: "晴 18°C".into(),
        };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(ok.headcount(), 8);

        let bad = RunRecord {
            organiser: "名".repeat(PERSON_MAX + 1),
            weather: "w".repeat(WEATHER_MAX + 1),
            teams: vec![team("cordon", "", HEADCOUNT_MAX + 1), team("cordon", "x", 1)],
            evacuated: Some(EVACUATED_MAX + 1),
            ..RunRecord::default()
        };
        assert_eq!(
            bad.validate(),
            Err(vec![
                RecordProblem::Organiser(Problem::TooLong { max: PERSON_MAX }),
                RecordProblem::Weather(Problem::TooLong { max: WEATHER_MAX }),
                RecordProblem::Headcount(0, Problem::OutOfRange { min: 0, max: HEADCOUNT_MAX }),
                RecordProblem::TeamRole(1),
                RecordProblem::Evacuated(Problem::OutOfRange { min: 0, max: EVACUATED_MAX }),
            ])
        );
    }

    #[test]
    fn tidying_trims_and_drops_empty_teams() {
        let r = RunRecord { commander: "  李主管 ".into(), teams: vec![team("cordon", " ", 0), team("first_aid", " 王 ", 0)], ..RunRecord::default() }.tidied();
        assert_eq!(r.commander, "李主管");
        assert_eq!(r.teams, vec![team("first_aid", "王", 0)]);
    }

    #[test]
    fn a_record_from_an_older_app_reads_as_empty() {
        let r: RunRecord = serde_json::from_str("{}").unwrap();
        assert_eq!(r, RunRecord::default());
        let r: RunRecord = serde_json::from_str(r#"{"commander":"李","notice":"announced","teams":[{"role":"cordon"}]}"#).unwrap();
        assert_eq!((r.notice, r.teams[0].headcount), (Some(Notice::Announced), 0));
    }
}
