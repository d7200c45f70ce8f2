//! The shared vocabulary of the domain: kinds of ticket, statuses, departments, staff roles,
//! triage levels and priorities. A leaf: it imports no other domain module, so the modules
//! that use these words (settings, ticket, triage, workflow) never import each other in a
//! circle. Each is re-exported where it was declared before, so old paths still work.

use serde::{Deserialize, Serialize};

/// What a ticket is about (工单类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// 报修
    Repair,
    /// 投诉
    Complaint,
    /// 咨询
    Inquiry,
    /// 建议
    Suggestion,
    /// 巡查发现: found by staff on patrol; no reporter.
    PatrolIncident,
}

impl TicketKind {
    pub const ALL: [TicketKind; 5] = [
        TicketKind::Repair,
        TicketKind::Complaint,
        TicketKind::Inquiry,
        TicketKind::Suggestion,
        TicketKind::PatrolIncident,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TicketKind::Repair => "repair",
            TicketKind::Complaint => "complaint",
            TicketKind::Inquiry => "inquiry",
            TicketKind::Suggestion => "suggestion",
            TicketKind::PatrolIncident => "patrol_incident",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Lifecycle statuses (the board's columns; transitions arrive with the board).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    New,
    Assessed,
    Dispatched,
    InProgress,
    OnHold,
    Resolved,
    ReturnVisited,
    Closed,
    Reopened,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Patrol,
    CustomerService,
    Technician,
    Supervisor,
}

impl StaffRole {
    pub const ALL: [StaffRole; 4] =
        [StaffRole::Patrol, StaffRole::CustomerService, StaffRole::Technician, StaffRole::Supervisor];

    pub fn key(self) -> &'static str {
        match self {
            StaffRole::Patrol => "patrol",
            StaffRole::CustomerService => "customer_service",
            StaffRole::Technician => "technician",
            StaffRole::Supervisor => "supervisor",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    Engineering,
    Security,
    Cleaning,
    Landscaping,
    CustomerService,
}

impl Department {
    pub const ALL: [Department; 5] = [
        Department::Engineering,
        Department::Security,
        Department::Cleaning,
        Department::Landscaping,
        Department::CustomerService,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Department::Engineering => "engineering",
            Department::Security => "security",
            Department::Cleaning => "cleaning",
            Department::Landscaping => "landscaping",
            Department::CustomerService => "customer_service",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }
}

/// A two-level scale, as most sites use it on paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Low,
    High,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::High, Level::Low];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    /// The triage matrix. Urgency ranks before importance because it is what decides how
    /// fast someone must turn up: water coming through a ceiling (urgent, minor) is answered
    /// before a cracked paving slab (important, not urgent).
    /// - P1: urgent and important (lift entrapment, burst main, fire alarm fault)
    /// - P2: urgent, less important (leak under a sink, a resident locked out)
    /// - P3: important, not urgent (recurring complaint, facade damage)
    /// - P4: neither (a suggestion, a loose bench slat)
    pub fn from_triage(urgency: Level, importance: Level) -> Priority {
        match (urgency, importance) {
            (Level::High, Level::High) => Priority::P1,
            (Level::High, Level::Low) => Priority::P2,
            (Level::Low, Level::High) => Priority::P3,
            (Level::Low, Level::Low) => Priority::P4,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }
}

/// Why work stopped (挂起原因).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// Waiting for parts / 等待配件
    Parts,
    /// Waiting for the resident (access, a decision) / 等待业主
    Resident,
    /// Waiting for another department or contractor / 等待其他部门
    OtherDepartment,
    Other,
}

impl HoldReason {
    pub const ALL: [HoldReason; 4] = [HoldReason::Parts, HoldReason::Resident, HoldReason::OtherDepartment, HoldReason::Other];
    pub fn key(self) -> &'static str {
        match self {
            HoldReason::Parts => "parts",
            HoldReason::Resident => "resident",
            HoldReason::OtherDepartment => "other_department",
            HoldReason::Other => "other",
        }
    }
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}
