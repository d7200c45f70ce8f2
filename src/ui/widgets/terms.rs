//! The domain's words in the user's language: kinds, channels, categories, levels.

use crate::domain::ticket::{CategoryEntry, Channel, TicketKind};
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
