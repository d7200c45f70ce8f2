//! The intake rules a site can change: its category list, and the response and resolution
//! hours per priority.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::ticket::CATEGORY_NAME_MAX;
use crate::domain::triage::{Priority, SlaHours, SlaProblem, MAX_SLA_HOURS};
use crate::domain::validation::Problem;
use crate::ui::context::use_app;
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::settings::{persist, save_section};
use crate::ui::widgets::terms::category_text;
use crate::ui::widgets::{fill, problem_text, TextField};

#[component]
pub fn CategoriesSection() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let status = RwSignal::new(None::<&'static str>);
    let saving = RwSignal::new(false);

    let save = move |site, message: Option<&'static str>| {
        saving.set(true);
        spawn_local(async move {
            match persist(ctx, site, None).await {
                Ok(()) => {
                    status.set(message);
                    if message.is_some() {
                        name.set(String::new());
                    }
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            saving.set(false);
        });
    };

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let mut site = ctx.site.get_untracked();
        let key = format!("site-{}", uuid::Uuid::now_v7().simple());
        match site.add_category(key, &name.get_untracked()) {
            Ok(()) => {
                problem.set(None);
                save(site, Some(t_string!(i18n, categories.added)));
            }
            Err(p) => problem.set(Some(p)),
        }
    };

    let toggle = move |key: String, active: bool| {
        if saving.get_untracked() {
            return;
        }
        let mut site = ctx.site.get_untracked();
        site.set_category_active(&key, active);
        status.set(None);
        save(site, None);
    };

    view! {
        <section class="card" aria-labelledby="categories-title">
            <h2 id="categories-title">{t!(i18n, categories.title)}</h2>
            <p class="field-hint">{t!(i18n, categories.hint)}</p>
            <ul class="category-list" data-testid="category-list">
                {move || {
                    let cats = ctx.site.get().categories;
                    cats.iter().map(|c| {
                        let label = category_text(i18n, &cats, &c.key);
                        let key = c.key.clone();
                        let active = c.active;
                        let action = if active { t_string!(i18n, categories.retire) } else { t_string!(i18n, categories.restore) };
                        let aria = fill(action, "name", &label);
                        let button_text = if active { t_string!(i18n, categories.retire_button) } else { t_string!(i18n, categories.restore_button) };
                        view! {
                            <li class="category-row" class:retired=!active>
                                <span class="category-name">{label.clone()}</span>
                                {(!c.is_built_in()).then(|| view! { <span class="tag">{t_string!(i18n, categories.custom)}</span> })}
                                {(!active).then(|| view! { <span class="tag">{t_string!(i18n, categories.retired)}</span> })}
                                <button type="button" class="btn" class:btn-danger=active aria-label=aria
                                    prop:disabled=move || saving.get()
                                    on:click=move |_| toggle(key.clone(), !active)>{button_text}</button>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            <form autocomplete="off" on:submit=on_submit novalidate=true data-testid="category-form">
                <TextField id="category-name" value=name maxlength=CATEGORY_NAME_MAX
                    label=Signal::derive(move || t_string!(i18n, categories.new_name).to_string())
                    problem=Signal::derive(move || problem.get())/>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get()>{t!(i18n, categories.add)}</button>
                    <span class="saved-note" role="status">{move || status.get()}</span>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn SlaSection() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let initial = ctx.site.get_untracked().sla;
    // One text signal per cell, so a half-typed number is kept as typed.
    let cells: Vec<(RwSignal<String>, RwSignal<String>)> = Priority::ALL
        .into_iter()
        .map(|p| {
            let h = initial.hours(p);
            (RwSignal::new(h.respond.to_string()), RwSignal::new(h.resolve.to_string()))
        })
        .collect();
    let problems = RwSignal::new(Vec::<(Priority, Option<Problem>, Option<SlaProblem>)>::new());
    let status = RwSignal::new(None::<&'static str>);
    let saving = RwSignal::new(false);

    let cells_for_submit = cells.clone();
    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        status.set(None);
        let mut site = ctx.site.get_untracked();
        let range = Problem::OutOfRange { min: 1, max: MAX_SLA_HOURS };
        let mut found = Vec::new();
        for (p, (respond, resolve)) in Priority::ALL.into_iter().zip(&cells_for_submit) {
            let parse = |s: RwSignal<String>| s.get_untracked().trim().parse::<u32>().ok();
            match (parse(*respond), parse(*resolve)) {
                (Some(a), Some(b)) => site.sla.by_priority[p.index()] = SlaHours { respond: a, resolve: b },
                _ => found.push((p, Some(range), None)),
            }
        }
        if found.is_empty() {
            if let Err(ps) = site.sla.validate() {
                found = ps
                    .into_iter()
                    .map(|(p, e)| match e {
                        SlaProblem::OutOfRange => (p, Some(range), None),
                        SlaProblem::ResolveBeforeRespond => (p, None, Some(e)),
                    })
                    .collect();
            }
        }
        if !found.is_empty() {
            problems.set(found);
            return;
        }
        problems.set(Vec::new());
        save_section(ctx, site, saving, status, t_string!(i18n, sla.saved));
    };

    let message_for = move |p: Priority| {
        problems.with(|ps| {
            ps.iter().find(|(q, _, _)| *q == p).map(|(_, problem, sla)| match (problem, sla) {
                (Some(problem), _) => problem_text(i18n, *problem),
                _ => t_string!(i18n, sla.resolve_before_respond).to_string(),
            })
        })
    };

    view! {
        <section class="card" aria-labelledby="sla-title">
            <h2 id="sla-title">{t!(i18n, sla.title)}</h2>
            <p class="field-hint">{t!(i18n, sla.hint)}</p>
            <form autocomplete="off" on:submit=on_submit novalidate=true data-testid="sla-form">
                <table class="sla-table">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, sla.priority)}</th>
                            <th scope="col">{t!(i18n, sla.respond)}</th>
                            <th scope="col">{t!(i18n, sla.resolve)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {Priority::ALL.into_iter().zip(cells).map(|(p, (respond, resolve))| {
                            let error_id = format!("sla-{}-error", p.label());
                            let invalid = move || message_for(p).is_some().then_some("true");
                            view! {
                                <tr>
                                    <th scope="row">{p.label()}</th>
                                    <td>
                                        <input type="number" min="1" max=MAX_SLA_HOURS inputmode="numeric"
                                            id=format!("sla-{}-respond", p.label())
                                            aria-label=move || fill(t_string!(i18n, sla.respond_for), "priority", p.label())
                                            aria-invalid=invalid aria-describedby=error_id.clone()
                                            prop:value=move || respond.get()
                                            on:input=move |ev| respond.set(event_target_value(&ev))/>
                                    </td>
                                    <td>
                                        <input type="number" min="1" max=MAX_SLA_HOURS inputmode="numeric"
                                            id=format!("sla-{}-resolve", p.label())
                                            aria-label=move || fill(t_string!(i18n, sla.resolve_for), "priority", p.label())
                                            aria-invalid=invalid aria-describedby=error_id.clone()
                                            prop:value=move || resolve.get()
                                            on:input=move |ev| resolve.set(event_target_value(&ev))/>
                                        <p class="field-error" id=error_id.clone() aria-live="polite">{move || message_for(p)}</p>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get()>{t!(i18n, sla.save)}</button>
                    <span class="saved-note" role="status">{move || status.get()}</span>
                </div>
            </form>
        </section>
    }
}
