//! Recurring problems on the KPI view (issue 22): places and buildings where one category
//! keeps coming back, categories rising against the period before, causes written again and
//! again — each with the tickets behind it.

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::domain::kpi::{board_link, recurring, Group, Rate, RecurringPlace, Scope};
use crate::domain::locale::format_number;
use crate::domain::improvement::MeasurePlace;
use crate::domain::places::PlaceKey;
use crate::ui::board::data::BoardItem;
use crate::ui::context::{use_app, AppContext};
use crate::ui::i18n::{t_string, use_i18n, I18n};
use crate::ui::widgets::terms::category_text;
use crate::ui::widgets::{fill, fill_count};

/// The tickets behind a row, folded: each opens the ticket. Drawn only once unfolded, so a
/// long list costs nothing until someone asks for it.
fn tickets_list(ctx: AppContext, i18n: I18n, ids: Vec<Uuid>) -> impl IntoView {
    let count = ids.len();
    let open = RwSignal::new(false);
    let links = move || {
        open.get().then(|| {
            ids.iter()
                .map(|id| {
                    let number = ctx.cache.with_untracked(|c| c.ticket(*id).map(|i| i.ticket.number.clone())).unwrap_or_else(|| id.to_string());
                    view! { <li><A href=format!("/ticket/{id}")>{number}</A></li> }
                })
                .collect_view()
        })
    };
    view! {
        <details class="recurring-tickets">
            <summary on:click=move |_| open.update(|o| *o = !*o)>{fill_count(t_string!(i18n, recurring.tickets), count)}</summary>
            <ul>{links}</ul>
        </details>
    }
}

fn place_text(i18n: I18n, place: &PlaceKey, building: bool) -> String {
    match place {
        PlaceKey::Unit(b) if building => fill(t_string!(i18n, recurring.building), "building", b),
        PlaceKey::Unit(u) => u.clone(),
        PlaceKey::Location(l) => l.clone(),
    }
}

fn percent(i18n: I18n, r: Rate) -> String {
    match r.percent() {
        Some(p) => format!("{} % ({}/{})", format_number(p, 0), r.hits, r.of),
        None => t_string!(i18n, kpi.none).to_owned(),
    }
}

/// Rows shown per table, the most frequent first: the rest are counted.
const SHOWN: usize = 20;

/// A recurring place as a measure addresses it.
fn measure_place(place: &PlaceKey, building: bool) -> MeasurePlace {
    match (place, building) {
        (PlaceKey::Unit(b), true) => MeasurePlace::Building(b.clone()),
        (PlaceKey::Unit(u), false) => MeasurePlace::Unit(u.clone()),
        (PlaceKey::Location(l), _) => MeasurePlace::Location(l.clone()),
    }
}

/// "Record a measure" for a recurring problem, for whoever may record one.
fn measure_link(ctx: AppContext, i18n: I18n, category: Option<&str>, place: Option<&MeasurePlace>, cause: Option<&str>, problem: &str) -> impl IntoView {
    ctx.may_administer().then(|| {
        let href = super::measures::new_measure_href(category, place, cause);
        let label = fill(t_string!(i18n, measures.record_for), "problem", problem);
        view! { <A href=href attr:aria-label=label attr:data-testid="recurring-measure">{t_string!(i18n, measures.record)}</A> }
    })
}

#[component]
pub fn RecurringSection(
    /// Every ticket with its derived state.
    items: Signal<Vec<Arc<BoardItem>>>,
    /// The period looked at (compared with the one just before it).
    scope: Memo<Scope>,
) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    // Looked for after the figures are painted: the cards come first when the view opens.
    let after_paint = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        crate::platform::after_paint().await;
        let _ = after_paint.try_set(true);
    });
    let found = Memo::new(move |_| {
        let period = scope.get().period;
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
            recurring(&tickets, period)
        })
    });

    let place_rows = move |list: Vec<RecurringPlace>, building: bool| {
        let cats = ctx.site.with(|s| s.categories.clone());
        list.into_iter()
            .take(SHOWN)
            .map(|p| {
                let place = place_text(i18n, &p.place, building);
                let problem = format!("{place} · {}", category_text(i18n, &cats, &p.category));
                let href = match (&p.place, building) {
                    (PlaceKey::Unit(u), false) => Some(crate::ui::records::records_href(u, "")),
                    (PlaceKey::Location(l), _) => Some(crate::ui::records::records_href("", l)),
                    _ => None,
                };
                let label = fill(t_string!(i18n, records.place_label), "place", &place);
                let count = p.tickets.len();
                view! {
                    <tr data-testid="recurring-place">
                        <th scope="row">{match href {
                            Some(h) => view! { <A href=h attr:aria-label=label>{place}</A> }.into_any(),
                            None => place.into_any(),
                        }}</th>
                        <td>{category_text(i18n, &cats, &p.category)}</td>
                        <td>{count}</td>
                        <td>{tickets_list(ctx, i18n, p.tickets)}</td>
                        <td class="no-print">{measure_link(ctx, i18n, Some(&p.category), Some(&measure_place(&p.place, building)), None, &problem)}</td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <section class="card" aria-labelledby="recurring-title" data-testid="recurring">
            <h2 id="recurring-title">{move || t_string!(i18n, recurring.title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, recurring.hint)}</p>
            {move || {
                let _ = ctx.lang.get();
                if !after_paint.get() {
                    return view! { <p>{t_string!(i18n, loading)}</p> }.into_any();
                }
                let r = found.get();
                if r.is_empty() {
                    return view! { <p data-testid="recurring-none">{t_string!(i18n, recurring.none)}</p> }.into_any();
                }
                let cats = ctx.site.with(|s| s.categories.clone());
                let Scope { period, offset_min: offset, .. } = scope.get();
                let places = (!r.places.is_empty() || !r.buildings.is_empty()).then(|| view! {
                    <h3 id="recurring-places">{t_string!(i18n, recurring.places_title)}</h3>
                    <div class="table-scroll" tabindex="0" role="group" aria-labelledby="recurring-places">
                        <table class="kpi-table">
                            <thead><tr>
                                <th scope="col">{t_string!(i18n, recurring.place)}</th>
                                <th scope="col">{t_string!(i18n, analysis.category)}</th>
                                <th scope="col">{t_string!(i18n, analysis.count)}</th>
                                <th scope="col">{t_string!(i18n, recurring.tickets_col)}</th>
                                <th scope="col" class="no-print">{t_string!(i18n, measures.open)}</th>
                            </tr></thead>
                            <tbody>{place_rows(r.places.clone(), false)}{place_rows(r.buildings.clone(), true)}</tbody>
                        </table>
                    </div>
                });
                let rising = (!r.rising.is_empty()).then(|| view! {
                    <h3 id="recurring-rising">{t_string!(i18n, recurring.rising_title)}</h3>
                    <div class="table-scroll" tabindex="0" role="group" aria-labelledby="recurring-rising">
                        <table class="kpi-table">
                            <thead><tr>
                                <th scope="col">{t_string!(i18n, analysis.category)}</th>
                                <th scope="col">{t_string!(i18n, recurring.now)}</th>
                                <th scope="col">{t_string!(i18n, recurring.before)}</th>
                                <th scope="col">{t_string!(i18n, recurring.dissatisfied_now)}</th>
                                <th scope="col">{t_string!(i18n, recurring.dissatisfied_before)}</th>
                                <th scope="col">{t_string!(i18n, recurring.tickets_col)}</th>
                                <th scope="col" class="no-print">{t_string!(i18n, measures.open)}</th>
                            </tr></thead>
                            <tbody>{r.rising.iter().cloned().map(|c| view! {
                                <tr data-testid="recurring-rising">
                                    <th scope="row">{category_text(i18n, &cats, &c.category)}</th>
                                    <td class=c.volume_rose.then_some("rose")>{c.count}</td>
                                    <td>{c.count_before}</td>
                                    <td class=c.dissatisfaction_rose.then_some("rose")>{percent(i18n, c.dissatisfied)}</td>
                                    <td>{percent(i18n, c.dissatisfied_before)}</td>
                                    // A whole category's tickets: the board shows them, filtered.
                                    <td>{board_link(period, offset, Some(&Group::Category(c.category.clone()))).map(|href| view! {
                                        <A href=href>{fill_count(t_string!(i18n, recurring.tickets), c.tickets.len())}</A>
                                    })}</td>
                                    <td class="no-print">{measure_link(ctx, i18n, Some(&c.category), None, None, &category_text(i18n, &cats, &c.category))}</td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                });
                let causes = (!r.causes.is_empty()).then(|| view! {
                    <h3 id="recurring-causes">{t_string!(i18n, recurring.causes_title)}</h3>
                    <div class="table-scroll" tabindex="0" role="group" aria-labelledby="recurring-causes">
                        <table class="kpi-table">
                            <thead><tr>
                                <th scope="col">{t_string!(i18n, recurring.cause)}</th>
                                <th scope="col">{t_string!(i18n, analysis.count)}</th>
                                <th scope="col">{t_string!(i18n, recurring.tickets_col)}</th>
                                <th scope="col" class="no-print">{t_string!(i18n, measures.open)}</th>
                            </tr></thead>
                            <tbody>{r.causes.iter().take(SHOWN).cloned().map(|c| view! {
                                <tr data-testid="recurring-cause">
                                    <th scope="row">{c.cause.clone()}</th>
                                    <td>{c.tickets.len()}</td>
                                    <td>{tickets_list(ctx, i18n, c.tickets)}</td>
                                    <td class="no-print">{measure_link(ctx, i18n, None, None, Some(&c.cause), &c.cause)}</td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table>
                    </div>
                });
                let hidden = r.places.len().saturating_sub(SHOWN) + r.buildings.len().saturating_sub(SHOWN) + r.causes.len().saturating_sub(SHOWN);
                let more = (hidden > 0).then(|| view! { <p class="field-hint">{fill_count(t_string!(i18n, recurring.more), hidden)}</p> });
                view! { {places}{rising}{causes}{more} }.into_any()
            }}
        </section>
    }
}
