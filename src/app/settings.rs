//! Site settings and the roster (排班名册): each edit validated by the domain, written, and
//! only then handed back for the app to show. Settings are one small record, so an edit
//! writes it whole.

use uuid::Uuid;

use crate::domain::settings::{Department, DeviceIdentity, SiteSettings, StaffRole};
use crate::domain::validation::Problem;
use crate::store::{SettingsStore, StoreError};

/// Why a roster edit was not saved: the entry (shown beside the field) or the storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    Invalid(Problem),
    Store(StoreError),
}

impl From<StoreError> for EditError {
    fn from(e: StoreError) -> Self {
        EditError::Store(e)
    }
}

/// Writes the site settings, and the device's new name when given (the device first: a
/// failure there leaves both as they were). Returns what was committed.
pub async fn save_site<S: SettingsStore>(store: &S, site: SiteSettings, device: Option<(&DeviceIdentity, String)>) -> Result<(SiteSettings, Option<DeviceIdentity>), StoreError> {
    let renamed = match device {
        Some((d, name)) => {
            let mut d = d.clone();
            d.name = name;
            store.save_device(&d).await?;
            Some(d)
        }
        None => None,
    };
    store.save_site(&site).await?;
    Ok((site, renamed))
}

/// One change to the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterEdit {
    Add { id: Uuid, name: String, role: StaffRole, department: Department },
    Update { id: Uuid, name: String, role: StaffRole, department: Department },
    Retire(Uuid),
}

/// Applies a roster edit to `site` and writes it. Returns the settings as committed.
pub async fn edit_roster<S: SettingsStore>(store: &S, site: &SiteSettings, edit: RosterEdit) -> Result<SiteSettings, EditError> {
    let mut next = site.clone();
    match edit {
        RosterEdit::Add { id, name, role, department } => {
            next.add_staff(id, &name, role, department).map_err(EditError::Invalid)?;
        }
        RosterEdit::Update { id, name, role, department } => next.update_staff(id, &name, role, department).map_err(EditError::Invalid)?,
        RosterEdit::Retire(id) => next.retire_staff(id),
    }
    store.save_site(&next).await?;
    Ok(next)
}

/// Keeps the follow-up plan of one row of the analysis table (under the key
/// [`crate::domain::kpi::follow_up_key`] gives it). Returns the text as kept.
pub async fn save_follow_up_plan<S: SettingsStore>(store: &S, key: &str, raw: &str) -> Result<String, EditError> {
    let text = crate::domain::kpi::follow_up_text(raw).map_err(EditError::Invalid)?;
    store.save_follow_up(key, &text).await?;
    Ok(text)
}

/// Merges the settings carried by imported files into this device's (see
/// [`SiteSettings::apply_from_file`]); writes only when something changed. Returns the new
/// settings when they were written.
pub async fn take_settings_from_files<'a, S: SettingsStore>(store: &S, site: &SiteSettings, from_files: impl IntoIterator<Item = &'a SiteSettings>) -> Result<Option<SiteSettings>, StoreError> {
    let mut next = site.clone();
    for other in from_files {
        next.apply_from_file(other);
    }
    if next == *site {
        return Ok(None);
    }
    store.save_site(&next).await?;
    Ok(Some(next))
}
