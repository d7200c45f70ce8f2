//! Records by unit (住户档案, issue 21): every report of one unit — or, without a unit, one
//! place — newest first, with its status, its return visit and whether it repeats an earlier
//! problem; ready to print on A4 for a resident's request. The place is in the address, so
//! the intake hint and the ticket page link here. Read from the cache's list of that place:
//! it costs the same with a year of tickets. Names and phone numbers are left out: the
//! request is about the unit, and the print may leave the office.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::domain::locale::{format_date, format_datetime};
use crate::domain::places::{earlier_reports, place_typed, repeats, PlaceKey, PlaceTicket};
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{category_text, kind_text, satisfaction_text, status_text};

/// The address of a place's records, as typed (the page reads it into a key).
pub fn records_href(unit: &str, location: &str) -> String {
    let encode = |s: &str| String::from(js_sys::encode_uri_component(s.trim()));
    format!("/records?unit={}&location={}", encode(unit), encode(location))
}

#[component]
pub fn RecordsPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let query = use_query_map();
    let navigate = StoredValue::new_local(use_navigate());
    let typed_unit = Memo::new(move |_| query.with(|q| q.get("unit").unwrap_or_default()));
    let typed_location = Memo::new(move |_| query.with(|q| q.get("location").unwrap_or_default()));
    let place = Memo::new(move |_| place_typed(&typed_unit.get(), &typed_location.get()));
    let unit = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    Effect::new(move |_| {
        unit.set(typed_unit.get());
        location.set(typed_location.get());
    });
    let loaded = Memo::new(move |_| ctx.cache.with(|c| c.events_loaded()));
    let items = Memo::new(move |_| place.get().map(|p| ctx.cache.with(|c| c.at_place(&p))).unwrap_or_default());
    let look_up = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let href = records_href(&unit.get_untracked(), &location.get_untracked());
        navigate.with_value(|n| n(&href, NavigateOptions { replace: true, scroll: false, ..Default::default() }));
    };
    let print = move |_| crate::platform::print();
    let offset = crate::platform::utc_offset_minutes();

    view! {
        <section class="records" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, records.title)}</h1>
            <p class="hint no-print">{t!(i18n, records.intro)}</p>
            <form autocomplete="off" class="log-controls no-print" on:submit=look_up data-testid="records-form">
                <div class="field">
                    <label for="records-unit">{t!(i18n, records.unit)}</label>
                    <input id="records-unit" type="text" autocomplete="off" maxlength=crate::domain::ticket::UNIT_MAX prop:value=move || unit.get() on:input=move |ev| unit.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="records-location">{t!(i18n, records.location)}</label>
                    <input id="records-location" type="text" autocomplete="off" maxlength=crate::domain::ticket::LOCATION_MAX prop:value=move || location.get() on:input=move |ev| location.set(event_target_value(&ev))/>
                </div>
                <button type="submit" class="btn btn-primary">{t!(i18n, records.look_up)}</button>
                <button type="button" class="btn" on:click=print prop:disabled=move || place.with(Option::is_none)>{t!(i18n, records.print)}</button>
            </form>
            {move || match place.get() {
                None => view! { <p data-testid="records-ask">{t!(i18n, records.ask)}</p> }.into_any(),
                Some(key) => {
                    let shown = match &key {
                        PlaceKey::Unit(u) => u.clone(),
                        PlaceKey::Location(l) => l.clone(),
                    };
                    let site = ctx.site.with(|s| s.site_name.clone());
                    let today = format_date(ctx.lang.get(), crate::ui::kpi::local_today());
                    let heading = fill(&fill(t_string!(i18n, records.heading), "place", &shown), "date", &today);
                    let heading = [site, heading].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ");
                    view! {
                        <p class="log-heading" data-testid="records-heading">{heading}</p>
                        <Show when=move || loaded.get() fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                            <PlaceTable items=items offset=offset/>
                        </Show>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn PlaceTable(items: Memo<Vec<std::sync::Arc<crate::app::cache::BoardItem>>>, offset: i32) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    move || {
        let list = items.get();
        if list.is_empty() {
            return view! { <p data-testid="records-none">{t!(i18n, records.none)}</p> }.into_any();
        }
        let lang = ctx.lang.get();
        let days = ctx.site.with(|s| s.targets.repeat_days);
        let repeated = repeats(&list.iter().map(|i| PlaceTicket { id: i.id, category: &i.ticket.category, received_at: i.ticket.received_at }).collect::<Vec<_>>(), days);
        let counts = earlier_reports(list.iter().map(|i| i.state.status));
        let summary = [("total", counts.total), ("open", counts.open), ("repeats", repeated.len()), ("days", days as usize)]
            .into_iter()
            .fold(t_string!(i18n, records.summary).to_owned(), |text, (name, n)| fill(&text, name, &n.to_string()));
        let cats = ctx.site.with(|s| s.categories.clone());
        view! {
            <p class="log-summary" data-testid="records-summary">{summary}</p>
            <table class="kpi-table records-table" data-testid="records-table">
                <thead>
                    <tr>
                        <th scope="col">{t!(i18n, records.number)}</th>
                        <th scope="col">{t!(i18n, records.received)}</th>
                        <th scope="col">{t!(i18n, records.kind)}</th>
                        <th scope="col">{t!(i18n, records.category)}</th>
                        <th scope="col">{t!(i18n, records.status)}</th>
                        <th scope="col">{t!(i18n, records.visit)}</th>
                        <th scope="col">{t!(i18n, records.repeat)}</th>
                    </tr>
                </thead>
                <tbody>
                    {list.iter().map(|item| {
                        let t = &item.ticket;
                        let visit = item.state.return_visit.as_ref().map(|v| format!("{} · {}", v.score, satisfaction_text(i18n, v.satisfaction))).unwrap_or_default();
                        let repeat = repeated.contains(&item.id).then(|| t_string!(i18n, records.repeat)).unwrap_or_default();
                        let number = t.number.clone();
                        view! {
                            <tr data-testid="records-row">
                                <td><A href=format!("/ticket/{}", item.id)>{number}</A></td>
                                <td>{format_datetime(lang, t.received_at, offset)}</td>
                                <td>{kind_text(i18n, t.kind)}</td>
                                <td>{category_text(i18n, &cats, &t.category)}</td>
                                <td>{status_text(i18n, item.state.status)}</td>
                                <td>{visit}</td>
                                <td>{repeat}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    }
}
