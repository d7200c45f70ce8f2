//! The tickets this tablet took most recently, so staff can see a save landed (and find a
//! ticket again after a reload) before the board exists.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::locale::format_datetime;
use crate::domain::ticket::Ticket;
use crate::platform::photos;
use crate::store::PhotoStore;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{category_text, kind_text};

const SHOWN: usize = 10;

#[component]
pub fn RecentTickets() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    // Read from the live cache: a save shows here as soon as it commits.
    let tickets = Memo::new(move |_| {
        let Some(device) = ctx.device.with(|d| d.as_ref().map(|d| d.id)) else { return Vec::new() };
        ctx.cache.with(|c| c.recent_from(device, SHOWN).into_iter().map(|i| i.ticket.clone()).collect::<Vec<Ticket>>())
    });

    view! {
        <section class="card recent" aria-labelledby="recent-title">
            <h2 id="recent-title">{t!(i18n, intake.recent)}</h2>
            <Show when=move || tickets.with(|t| !t.is_empty())
                fallback=move || view! { <p>{t!(i18n, intake.recent_empty)}</p> }>
                <ul class="recent-list" data-testid="recent-tickets">
                    <For each=move || tickets.get() key=|t| t.number.clone() children=move |t: Ticket| {
                        // Closures, so that switching language redraws them at once.
                        let key = t.category.clone();
                        let category = move || ctx.site.with(|s| category_text(i18n, &s.categories, &key));
                        let place = if t.unit.is_empty() { t.location.clone() } else { t.unit.clone() };
                        let (received, offset) = (t.received_at, t.utc_offset_min);
                        let when = move || format_datetime(ctx.lang.get(), received, offset);
                        let photo_count = t.photos.len();
                        let first_photo = t.photos.first().map(|p| (p.sha256.clone(), p.width, p.height));
                        view! {
                            <li class="recent-item" data-testid="recent-ticket">
                                {first_photo.map(|(sha, w, h)| view! { <StoredPhoto sha256=sha width=w height=h/> })}
                                <div class="recent-text">
                                    <p class="recent-number">{t.number.clone()}" · "{t.priority.label()}</p>
                                    <p>
                                        <span class="recent-kind">{move || kind_text(i18n, t.kind)}</span>
                                        " · "{category}" · "{place}
                                    </p>
                                    <p class="recent-description">{t.description.clone()}</p>
                                    <p class="recent-meta">
                                        {when}
                                        {(photo_count > 0).then(|| view! {
                                            " · "<span>{move || fill(t_string!(i18n, intake.photo_count), "count", &photo_count.to_string())}</span>
                                        })}
                                        {t.needs_details.then(|| view! { " · "<span class="tag">{move || t_string!(i18n, intake.needs_details)}</span> })}
                                    </p>
                                </div>
                            </li>
                        }
                    }/>
                </ul>
            </Show>
        </section>
    }
}

/// A stored photo, read from IndexedDB by its hash.
#[component]
pub fn StoredPhoto(sha256: String, width: u32, height: u32) -> impl IntoView {
    let ctx = use_app();
    let url = RwSignal::new(None::<String>);
    spawn_local(async move {
        let Some(store) = ctx.store.get_value() else { return };
        if let Ok(Some(blob)) = store.photo(&sha256).await {
            url.set(photos::object_url(&blob));
        }
    });
    on_cleanup(move || {
        if let Some(Some(u)) = url.try_get_untracked() {
            photos::revoke(&u);
        }
    });
    // Decorative beside the ticket's text; the photo count is in the text.
    view! { <img class="thumb" alt="" width=width height=height src=move || url.get() data-testid="stored-photo"/> }
}
