//! The customer-relations analysis table (客户关系数据分析表), filled from the records; only
//! the follow-up plan (跟进计划) is typed, and it is kept per period and category.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use crate::domain::kpi::{analysis_table, board_link, follow_up_key, Group, Scope};
use crate::domain::locale::format_number;
use crate::store::SettingsStore;
use crate::ui::board::data::BoardItem;
use crate::ui::context::use_app;
use crate::ui::i18n::{t_string, use_i18n};
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::category_text;

/// How long a follow-up plan may be.
use crate::domain::kpi::FOLLOW_UP_MAX as PLAN_MAX;

#[component]
pub fn AnalysisSection(
    /// Every ticket with its derived state.
    items: Signal<Vec<Arc<BoardItem>>>,
    /// The period the table covers.
    scope: Memo<Scope>,
) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let rows = Memo::new(move |_| {
        let period = scope.get().period;
        items.with(|all| {
            let tickets: Vec<_> = all.iter().map(|i| (i.id, &i.ticket, &i.state)).collect();
            analysis_table(&tickets, period)
        })
    });
    // Saved plans by key, and what is being typed (kept apart, so a re-render caused by a
    // new record never wipes half-typed text).
    let saved = RwSignal::new(HashMap::<String, String>::new());
    let typed = RwSignal::new(HashMap::<String, String>::new());
    let saving = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let s = scope.get();
        let keys: Vec<String> = rows.with(|r| r.iter().map(|row| follow_up_key(s.period, s.offset_min, &row.category)).collect());
        spawn_local(async move {
            let Some(store) = ctx.store.get_value() else { return };
            for key in keys {
                // The view may be gone by now (the user moved on): stop quietly.
                match saved.try_with_untracked(|m| m.contains_key(&key)) {
                    None => return,
                    Some(true) => continue,
                    Some(false) => {}
                }
                match store.load_follow_up(&key).await {
                    Ok(text) => saved.update(|m| {
                        m.insert(key, text.unwrap_or_default());
                    }),
                    Err(e) => ctx.storage_error.set(Some(e)),
                }
            }
        });
    });
    let save = move |key: String, label: String| {
        if saving.get_untracked().is_some() {
            return;
        }
        let raw = typed.with_untracked(|m| m.get(&key).cloned()).unwrap_or_default();
        if crate::domain::kpi::follow_up_text(&raw).is_err() {
            status.set(Some(fill(t_string!(i18n, problem.too_long), "max", &PLAN_MAX.to_string())));
            return;
        }
        let store = match ctx.store() {
            Ok(store) => store,
            Err(e) => return ctx.storage_error.set(Some(e)),
        };
        saving.set(Some(key.clone()));
        status.set(None);
        spawn_local(async move {
            match crate::app::settings::save_follow_up_plan(&store, &key, &raw).await {
                Ok(text) => {
                    saved.update(|m| {
                        m.insert(key.clone(), text);
                    });
                    typed.update(|m| {
                        m.remove(&key);
                    });
                    status.set(Some(fill(t_string!(i18n, analysis.saved), "category", &label)));
                }
                Err(crate::app::settings::EditError::Invalid(_)) => {
                    status.set(Some(fill(t_string!(i18n, problem.too_long), "max", &PLAN_MAX.to_string())));
                }
                Err(crate::app::settings::EditError::Store(e)) => ctx.storage_error.set(Some(e)),
            }
            saving.set(None);
        });
    };

    view! {
        <section class="card analysis" aria-labelledby="analysis-title" data-testid="analysis">
            <h2 id="analysis-title">{move || t_string!(i18n, analysis.title)}</h2>
            // Focusable so the keyboard can scroll it; a group, not a second region of the
            // same name inside the section's.
            <div class="table-scroll" tabindex="0" role="group" aria-labelledby="analysis-title">
            <table class="kpi-table analysis-table">
                <thead><tr>
                    <th scope="col">{move || t_string!(i18n, analysis.no)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.category)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.count)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.share)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.feedback)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.status)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.satisfaction)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.days)}</th>
                    <th scope="col">{move || t_string!(i18n, analysis.plan)}</th>
                </tr></thead>
                <tbody>
                    {move || {
                        let s = scope.get();
                        let cats = ctx.site.with(|site| site.categories.clone());
                        let _ = ctx.lang.get();
                        let none = t_string!(i18n, kpi.none);
                        rows.get().into_iter().enumerate().map(|(i, row)| {
                            let key = follow_up_key(s.period, s.offset_min, &row.category);
                            let name = category_text(i18n, &cats, &row.category);
                            let href = board_link(s.period, s.offset_min, Some(&Group::Category(row.category.clone()))).unwrap_or_default();
                            let status_text = fill(&fill(&fill(t_string!(i18n, analysis.status_counts), "open", &row.status.open.to_string()),
                                "resolved", &row.status.resolved.to_string()), "closed", &row.status.closed.to_string());
                            let satisfaction = match (row.satisfaction.percent(), row.mean_score) {
                                (Some(p), Some(score)) => format!("{} % · {}", format_number(p, 1), fill(t_string!(i18n, kpi.mean_score), "score", &format_number(score, 1))),
                                _ => none.to_owned(),
                            };
                            let days = row.mean_days.map(|d| format_number(d, 1)).unwrap_or_else(|| none.to_owned());
                            let input_id = format!("plan-{i}");
                            let plan_label = fill(t_string!(i18n, analysis.plan_for), "category", &name);
                            let save_label = fill(t_string!(i18n, analysis.save_for), "category", &name);
                            let (k1, k2, k3) = (key.clone(), key.clone(), key.clone());
                            let value = move || typed.with(|m| m.get(&k1).cloned()).or_else(|| saved.with(|m| m.get(&k1).cloned())).unwrap_or_default();
                            let busy = move || saving.with(|s| s.as_deref() == Some(k3.as_str()));
                            let label_for_save = name.clone();
                            view! {
                                <tr data-testid="analysis-row">
                                    <td>{i + 1}</td>
                                    <th scope="row"><A href=href attr:title=t_string!(i18n, kpi.show_tickets)>{name}</A></th>
                                    <td>{row.count}</td>
                                    <td>{format!("{} %", format_number(row.share, 1))}</td>
                                    <td><ul class="feedback">{row.feedback.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul></td>
                                    <td>{status_text}</td>
                                    <td>{satisfaction}</td>
                                    <td>{days}</td>
                                    // In a form only so the browser keeps no copy of the text in its
                                    // session file (autocomplete="off" on a form is what stops it).
                                    <td class="plan-cell"><form autocomplete="off" class="plan-form" on:submit=|ev: web_sys::SubmitEvent| ev.prevent_default()>
                                        <textarea id=input_id rows="2" maxlength=PLAN_MAX aria-label=plan_label
                                            prop:value=value
                                            on:input=move |ev| { let v = event_target_value(&ev); typed.update(|m| { m.insert(k2.clone(), v); }); }></textarea>
                                        <button type="button" class="btn" aria-label=save_label prop:disabled=busy
                                            on:click=move |_| save(key.clone(), label_for_save.clone())>{t_string!(i18n, analysis.save)}</button>
                                    </form></td>
                                </tr>
                            }
                        }).collect_view()
                    }}
                </tbody>
            </table>
            </div>
            <p class="saved-note" role="status" data-testid="analysis-status">{move || status.get()}</p>
        </section>
    }
}
