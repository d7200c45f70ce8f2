//! Sample data (演示数据) for a first look: tickets and drill runs generated on the device
//! from a fixed seed, written in small batches so progress shows, and removed again for
//! good. Sample records never travel in an export.

use crate::app::Changed;
use crate::domain::record::Record;
use crate::domain::sample::{drill_run_record, is_sample_staff, run_count, sample_roster, ticket_records, SampleSpec, SAMPLE_DEVICE};
use crate::domain::settings::SiteSettings;
use crate::store::{RecordStore, SettingsStore, StoreError};

/// Tickets written per transaction: small enough that progress moves several times a second.
pub const BATCH: usize = 100;

/// How far loading got.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleLoaded {
    pub tickets: usize,
    /// The settings as written when sample staff were added (an empty roster gets them, so
    /// the log per person shows something).
    pub site: Option<SiteSettings>,
    /// The write that stopped it; the batches before it stay, each whole.
    pub failed: Option<StoreError>,
}

/// The settings with the sample roster, when the roster is empty (sample tickets are handled
/// by named people); `None` when there is a roster already.
pub fn roster_for_sample(site: &SiteSettings, chinese: bool) -> Option<SiteSettings> {
    site.roster.is_empty().then(|| SiteSettings { roster: sample_roster(chinese), ..site.clone() })
}

/// Writes the sample in batches of [`BATCH`] tickets (the drill runs with the last), and
/// hands each committed batch to `after_batch(changed, done, total)`, which may yield to
/// the page between batches.
pub async fn load_sample<S: RecordStore + SettingsStore>(
    store: &S,
    site: &SiteSettings,
    mut spec: SampleSpec,
    chinese: bool,
    mut after_batch: impl AsyncFnMut(&Changed, usize, usize),
) -> Result<SampleLoaded, StoreError> {
    let new_site = roster_for_sample(site, chinese);
    if let Some(s) = &new_site {
        store.save_site(s).await?;
    }
    let roster = new_site.as_ref().unwrap_or(site).roster.clone();
    spec.staff = roster.into_iter().filter(|m| m.active).collect();
    let mut written = 0;
    let mut failed = None;
    while written < spec.tickets {
        let end = (written + BATCH).min(spec.tickets);
        let mut batch: Vec<Record> = (written..end).flat_map(|i| ticket_records(&spec, i)).collect();
        if end == spec.tickets {
            batch.extend((0..run_count(&spec)).map(|i| drill_run_record(&spec, i)));
        }
        if let Err(e) = store.put_many(&batch).await {
            failed = Some(e);
            break;
        }
        written = end;
        after_batch(&Changed::of(batch), written, spec.tickets).await;
    }
    Ok(SampleLoaded { tickets: written, site: new_site, failed })
}

/// What removing the sample did.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRemoved {
    pub records: usize,
    /// The settings as written when sample staff were taken off the roster.
    pub site: Option<SiteSettings>,
}

/// Deletes every sample record for good (they never travelled, so no tombstone is needed)
/// and the sample staff; everything else stays.
pub async fn remove_sample<S: RecordStore + SettingsStore>(store: &S, site: &SiteSettings) -> Result<SampleRemoved, StoreError> {
    let records = store.purge_device(SAMPLE_DEVICE).await?;
    let mut next = site.clone();
    next.roster.retain(|m| !is_sample_staff(m.id));
    let site = if next.roster.len() != site.roster.len() {
        store.save_site(&next).await?;
        Some(next)
    } else {
        None
    };
    Ok(SampleRemoved { records, site })
}
