//! Saving a new ticket from the intake form or the quick report: the use case numbers,
//! stamps and stores it with its photos; the cache applies what it stored.

use leptos::prelude::*;

use crate::app::intake;
use crate::domain::ticket::Ticket;
use crate::platform::photos::Photo;
use crate::store::StoreError;
use crate::ui::context::AppContext;
use crate::ui::live;

/// Saves a ticket built by `build` from its number. Returns the number once the
/// transaction has committed; on any error nothing of the ticket is stored.
pub async fn save_new_ticket(ctx: AppContext, build: impl FnOnce(String) -> Ticket, photos: &[Photo]) -> Result<String, StoreError> {
    save_new_ticket_with_id(ctx, build, photos).await.map(|(_, number)| number)
}

/// [`save_new_ticket`], also returning the new ticket's id (to link it from elsewhere).
pub async fn save_new_ticket_with_id(ctx: AppContext, build: impl FnOnce(String) -> Ticket, photos: &[Photo]) -> Result<(uuid::Uuid, String), StoreError> {
    let store = ctx.store()?;
    let device = ctx.device.get_untracked().ok_or_else(|| StoreError::Unavailable("no device identity".into()))?;
    let site = ctx.site.get_untracked();
    let blobs: Vec<_> = photos.iter().map(|p| (p.meta.sha256.clone(), p.blob.clone())).collect();
    let saved = intake::save_ticket(&store, &ctx, ctx.who(), &device, &site, build, &blobs).await?;
    live::commit(ctx, &saved.changed);
    leptos::task::spawn_local(async {
        crate::platform::health::request_persistence().await;
    });
    Ok((saved.id, saved.number))
}
