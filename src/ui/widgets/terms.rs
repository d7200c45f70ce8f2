//! The domain's words in the user's language: kinds, channels, categories, levels.

use crate::domain::ticket::{CategoryEntry, Channel, TicketKind, TicketStatus};
use crate::domain::workflow::{ContactMethod, HoldReason, Satisfaction};
use crate::ui::widgets::fill;
use crate::domain::triage::Level;
use crate::ui::i18n::{t_string, I18n};

pub fn kind_text(i18n: I18n, kind: TicketKind) -> &'static str {
    match kind {
        TicketKind::Repair => t_string!(i18n, kind.repair),
        TicketKind::Complaint => t_string!(i18n, kind.complaint),
        TicketKind::Inquiry => t_string!(i18n, kind.inquiry),
        TicketKind::Suggestion => t_string!(i18n, kind.suggestion),
        TicketKind::PatrolIncident => t_string!(i18n, kind.patrol_incident),
    }
}

pub fn channel_text(i18n: I18n, channel: Channel) -> &'static str {
    match channel {
        Channel::Phone => t_string!(i18n, channel.phone),
        Channel::WalkIn => t_string!(i18n, channel.walk_in),
        Channel::Email => t_string!(i18n, channel.email),
        Channel::Patrol => t_string!(i18n, channel.patrol),
    }
}

pub fn level_text(i18n: I18n, level: Level) -> &'static str {
    match level {
        Level::High => t_string!(i18n, intake.high),
        Level::Low => t_string!(i18n, intake.low),
    }
}

/// A built-in category's translated name; `None` for a key that is not built in.
fn built_in_category(i18n: I18n, key: &str) -> Option<&'static str> {
    Some(match key {
        "plumbing" => t_string!(i18n, category.plumbing),
        "electrical" => t_string!(i18n, category.electrical),
        "lift" => t_string!(i18n, category.lift),
        "doors_locks" => t_string!(i18n, category.doors_locks),
        "public_facilities" => t_string!(i18n, category.public_facilities),
        "cleaning" => t_string!(i18n, category.cleaning),
        "landscaping" => t_string!(i18n, category.landscaping),
        "security" => t_string!(i18n, category.security),
        "noise" => t_string!(i18n, category.noise),
        "parking" => t_string!(i18n, category.parking),
        "other" => t_string!(i18n, category.other),
        _ => return None,
    })
}

/// A category's name: the site's own name for custom ones, the translation for built-ins,
/// and the raw key as a last resort (a category from another site's import).
pub fn category_text(i18n: I18n, categories: &[CategoryEntry], key: &str) -> String {
    match categories.iter().find(|c| c.key == key) {
        Some(c) if !c.is_built_in() => c.name.clone(),
        _ => built_in_category(i18n, key).map(str::to_owned).unwrap_or_else(|| key.to_owned()),
    }
}

pub fn status_text(i18n: I18n, status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::New => t_string!(i18n, status.new),
        TicketStatus::Assessed => t_string!(i18n, status.assessed),
        TicketStatus::Dispatched => t_string!(i18n, status.dispatched),
        TicketStatus::InProgress => t_string!(i18n, status.in_progress),
        TicketStatus::OnHold => t_string!(i18n, status.on_hold),
        TicketStatus::Resolved => t_string!(i18n, status.resolved),
        TicketStatus::ReturnVisited => t_string!(i18n, status.return_visited),
        TicketStatus::Closed => t_string!(i18n, status.closed),
        TicketStatus::Reopened => t_string!(i18n, status.reopened),
    }
}

/// An action's name by its key (`workflow::Action::key`).
pub fn action_text(i18n: I18n, key: &str) -> &'static str {
    match key {
        "assess" => t_string!(i18n, action.assess),
        "dispatch" => t_string!(i18n, action.dispatch),
        "reassign" => t_string!(i18n, action.reassign),
        "start" => t_string!(i18n, action.start),
        "hold" => t_string!(i18n, action.hold),
        "resume" => t_string!(i18n, action.resume),
        "resolve" => t_string!(i18n, action.resolve),
        "return_visit" => t_string!(i18n, action.return_visit),
        "close" => t_string!(i18n, action.close),
        "reopen" => t_string!(i18n, action.reopen),
        _ => t_string!(i18n, action.received),
    }
}

pub fn hold_text(i18n: I18n, reason: HoldReason) -> &'static str {
    match reason {
        HoldReason::Parts => t_string!(i18n, hold.parts),
        HoldReason::Resident => t_string!(i18n, hold.resident),
        HoldReason::OtherDepartment => t_string!(i18n, hold.other_department),
        HoldReason::Other => t_string!(i18n, hold.other),
    }
}

pub fn method_text(i18n: I18n, method: ContactMethod) -> &'static str {
    match method {
        ContactMethod::Phone => t_string!(i18n, method.phone),
        ContactMethod::Visit => t_string!(i18n, method.visit),
        ContactMethod::Message => t_string!(i18n, method.message),
    }
}

pub fn satisfaction_text(i18n: I18n, s: Satisfaction) -> &'static str {
    match s {
        Satisfaction::Satisfied => t_string!(i18n, satisfaction.satisfied),
        Satisfaction::Neutral => t_string!(i18n, satisfaction.neutral),
        Satisfaction::Dissatisfied => t_string!(i18n, satisfaction.dissatisfied),
    }
}

/// A span of time for a deadline: days and hours past a day, hours and minutes below.
pub fn span_text(i18n: I18n, span: chrono::Duration) -> String {
    let minutes = span.num_minutes().abs();
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let t = if d > 0 {
        fill(&fill(t_string!(i18n, clock.days), "d", &d.to_string()), "h", &h.to_string())
    } else if h > 0 {
        fill(&fill(t_string!(i18n, clock.hours), "h", &h.to_string()), "m", &m.to_string())
    } else {
        fill(t_string!(i18n, clock.minutes), "m", &m.to_string())
    };
    t
}
