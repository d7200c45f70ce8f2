//! The plan editor: name, type, target, roles, and ordered steps (moved with buttons, not by
//! dragging). Checked by the domain before anything is saved.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use uuid::Uuid;

use crate::domain::drill::{format_target, parse_target, DrillPlan, PlanProblem, PlanStep, PlanType, Text, BUILT_IN_ROLES, MAX_INTERVAL_MONTHS, MAX_TARGET_MIN, PLAN_NAME_MAX, ROLE_NAME_MAX, STEP_TEXT_MAX};
use crate::domain::record::Record;
use crate::ui::context::use_app;
use crate::ui::drills::{data, plan_type_text, role_text};
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::{fill, problem_text};

fn blank_plan() -> DrillPlan {
    DrillPlan {
        key: String::new(),
        name: Text::default(),
        plan_type: PlanType::Other,
        target_min: 15,
        roles: BUILT_IN_ROLES.iter().map(|r| (*r).to_owned()).collect(),
        steps: vec![blank_step("commander")],
        retired: false,
        builtin_revision: 0,
        interval_months: None,
    }
}

fn blank_step(role: &str) -> PlanStep {
    PlanStep { id: Uuid::now_v7(), text: Text::default(), role: role.to_owned(), target_min: None, target_sec: None, critical: false, certified: false }
}

#[component]
pub fn PlanEditorPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let params = use_params_map();
    let query = use_query_map();
    let navigate = StoredValue::new_local(use_navigate());
    let plan = RwSignal::new(None::<DrillPlan>);
    let existing = RwSignal::new(None::<Record>);
    let problems = RwSignal::new(Vec::<PlanProblem>::new());
    let saving = RwSignal::new(false);
    let new_role = RwSignal::new(String::new());
    // Step targets as typed ("0:30" stays "0:30" while it is typed); a text that does not
    // read as a time is kept here and marked, not thrown away.
    let target_typed = RwSignal::new(std::collections::HashMap::<Uuid, (String, Option<crate::domain::validation::Problem>)>::new());

    // Read once the plans are in (not on every later change: that would wipe the edits).
    let ready = crate::ui::live::drills_ready(ctx);
    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        let id = params.with(|p| p.get("id")).unwrap_or_default();
        let copy = query.with(|q| q.get("copy")).and_then(|c| Uuid::parse_str(&c).ok());
        spawn_local(async move {
            let plans = data::plans(ctx);
            let lang = ctx.lang.get_untracked();
            let found = |id: Uuid| plans.iter().find(|(r, _)| r.id == id).cloned();
            match Uuid::parse_str(&id).ok().and_then(found) {
                Some((record, p)) => {
                    existing.set(Some(record));
                    plan.set(Some(p));
                }
                None => {
                    let mut p = match copy.and_then(found) {
                        Some((_, mut p)) => {
                            let name = fill(t_string!(i18n, drills.copy_of), "name", p.name.get(lang));
                            p.name = Text::same(&name);
                            p.retired = false;
                            p
                        }
                        None => blank_plan(),
                    };
                    for s in &mut p.steps {
                        s.id = Uuid::now_v7();
                    }
                    plan.set(Some(p));
                }
            }
        });
    });

    // Opened from a run's "Edit the plan": the changes that run asks for, beside the form.
    let asked = Memo::new(move |_| {
        let run = query.with(|q| q.get("run")).and_then(|r| Uuid::parse_str(&r).ok())?;
        ctx.cache.with(|c| c.run(run).map(|r| {
            let lang = ctx.lang.get();
            let date = crate::domain::locale::format_date(lang, crate::domain::locale::to_local(r.1.started_at, r.1.utc_offset_min).date_naive());
            (date, r.1.state(r.1.started_at).revisions.into_iter().map(|(_, _, text)| text).collect::<Vec<_>>())
        }))
    });
    let edit = move |f: &dyn Fn(&mut DrillPlan)| plan.update(|p| if let Some(p) = p { f(p) });
    let lang = move || ctx.lang.get();
    // A text typed on the tablet is the plan's text in both languages.
    let set_text = |t: &mut Text, v: &str| *t = Text::same(v);

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let Some(p) = plan.get_untracked() else { return };
        let unreadable: Vec<PlanProblem> = target_typed.with_untracked(|typed| {
            p.steps.iter().enumerate().filter_map(|(i, s)| typed.get(&s.id).and_then(|(_, problem)| *problem).map(|pr| PlanProblem::StepTarget(i, pr))).collect()
        });
        let mut found = p.validate().err().unwrap_or_default();
        found.retain(|x| !matches!(x, PlanProblem::StepTarget(i, _) if unreadable.iter().any(|u| matches!(u, PlanProblem::StepTarget(j, _) if j == i))));
        found.extend(unreadable);
        if !found.is_empty() {
            problems.set(found);
            return;
        }
        problems.set(Vec::new());
        saving.set(true);
        let record = existing.get_untracked();
        spawn_local(async move {
            match data::save_plan(ctx, record, &p).await {
                Ok(_) => navigate.with_value(|n| n("/drills", Default::default())),
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            saving.set(false);
        });
    };

    let step_problem = move |i: usize| {
        problems.with(|ps| {
            ps.iter()
                .filter_map(|p| match p {
                    PlanProblem::StepText(j, pr) | PlanProblem::StepTarget(j, pr) if *j == i => Some(problem_text(i18n, *pr)),
                    PlanProblem::StepRole(j) if *j == i => Some(t_string!(i18n, drills.role_missing).to_string()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    let step_ids = move || plan.with(|p| p.as_ref().map(|p| p.steps.iter().map(|s| s.id).collect::<Vec<_>>()).unwrap_or_default());
    let index_of = move |id: Uuid| plan.with(|p| p.as_ref().and_then(|p| p.steps.iter().position(|s| s.id == id)).unwrap_or(0));
    let step_field = move |id: Uuid, f: &dyn Fn(&PlanStep) -> String| plan.with(|p| p.as_ref().and_then(|p| p.steps.iter().find(|s| s.id == id).map(f)).unwrap_or_default());
    let edit_step = move |id: Uuid, f: &dyn Fn(&mut PlanStep)| edit(&|p| if let Some(s) = p.steps.iter_mut().find(|s| s.id == id) { f(s) });

    view! {
        <section class="plan-editor" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, drills.editor)}</h1>
            {move || asked.get().filter(|(_, list)| !list.is_empty()).map(|(date, list)| view! {
                <section class="card" aria-labelledby="asked-title" data-testid="asked-revisions">
                    <h2 id="asked-title">{fill(t_string!(i18n, drills.revisions_from_run), "date", &date)}</h2>
                    <ul>{list.into_iter().map(|text| view! { <li>{text}</li> }).collect_view()}</ul>
                </section>
            })}
            <Show when=move || plan.with(Option::is_some) fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                <form autocomplete="off" class="card" on:submit=on_submit novalidate=true data-testid="plan-form">
                    <div class="field-grid">
                        <div class="field" class:field-invalid=move || problems.with(|ps| ps.iter().any(|p| matches!(p, PlanProblem::Name(_))))>
                            <label for="plan-name">{t!(i18n, drills.name)}</label>
                            <input id="plan-name" type="text" autocomplete="off" maxlength=PLAN_NAME_MAX
                                prop:value=move || plan.with(|p| p.as_ref().map(|p| p.name.get(lang()).to_owned()).unwrap_or_default())
                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|p| set_text(&mut p.name, &v)) }/>
                            <p class="field-error" aria-live="polite">{move || problems.with(|ps| ps.iter().find_map(|p| match p { PlanProblem::Name(pr) => Some(problem_text(i18n, *pr)), _ => None }))}</p>
                        </div>
                        <div class="field">
                            <label for="plan-type">{t!(i18n, drills.plan_type_label)}</label>
                            <select id="plan-type" prop:value=move || plan.with(|p| p.as_ref().map(|p| p.plan_type.key()).unwrap_or_default())
                                on:change=move |ev| { let v = event_target_value(&ev); edit(&|p| if let Some(t) = PlanType::from_key(&v) { p.plan_type = t }) }>
                                {PlanType::ALL.into_iter().map(|t| view! { <option value=t.key()>{move || plan_type_text(i18n, t)}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="plan-target">{t!(i18n, drills.target)}</label>
                            <input id="plan-target" type="number" min="1" max=MAX_TARGET_MIN inputmode="numeric"
                                prop:value=move || plan.with(|p| p.as_ref().map(|p| p.target_min.to_string()).unwrap_or_default())
                                on:input=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(0); edit(&|p| p.target_min = v) }/>
                            <p class="field-error" aria-live="polite">{move || problems.with(|ps| ps.iter().find_map(|p| match p { PlanProblem::Target(pr) => Some(problem_text(i18n, *pr)), _ => None }))}</p>
                        </div>
                        <div class="field">
                            <label for="plan-interval">{t!(i18n, drills.interval)}</label>
                            <input id="plan-interval" type="number" min="1" max=MAX_INTERVAL_MONTHS inputmode="numeric"
                                prop:value=move || plan.with(|p| p.as_ref().map(|p| p.interval().to_string()).unwrap_or_default())
                                on:input=move |ev| { let v = event_target_value(&ev).trim().parse().unwrap_or(0); edit(&|p| p.interval_months = Some(v)) }/>
                            <p class="field-error" aria-live="polite">{move || problems.with(|ps| ps.iter().find_map(|p| match p { PlanProblem::Interval(pr) => Some(problem_text(i18n, *pr)), _ => None }))}</p>
                        </div>
                    </div>
                    <fieldset class="roles">
                        <legend>{t!(i18n, drills.roles)}</legend>
                        {move || {
                            let roles = plan.with(|p| p.as_ref().map(|p| p.roles.clone()).unwrap_or_default());
                            let mut all: Vec<String> = BUILT_IN_ROLES.iter().map(|r| (*r).to_owned()).collect();
                            all.extend(roles.iter().filter(|r| !BUILT_IN_ROLES.contains(&r.as_str())).cloned());
                            all.into_iter().map(|r| {
                                let on = roles.contains(&r);
                                let id = format!("role-{r}");
                                let r2 = r.clone();
                                view! {
                                    <label class="check">
                                        <input type="checkbox" id=id prop:checked=on on:change=move |ev| {
                                            let checked = event_target_checked(&ev);
                                            edit(&|p| { p.roles.retain(|x| *x != r2); if checked { p.roles.push(r2.clone()) } })
                                        }/>
                                        <span>{role_text(i18n, &r)}</span>
                                    </label>
                                }
                            }).collect_view()
                        }}
                        <div class="inline-add">
                            <label for="new-role" class="visually-hidden">{t!(i18n, drills.new_role)}</label>
                            <input id="new-role" type="text" autocomplete="off" maxlength=ROLE_NAME_MAX placeholder=move || t_string!(i18n, drills.new_role)
                                prop:value=move || new_role.get() on:input=move |ev| new_role.set(event_target_value(&ev))/>
                            <button type="button" class="btn" on:click=move |_| {
                                let name = new_role.get_untracked().trim().to_owned();
                                if !name.is_empty() {
                                    edit(&|p| if !p.roles.contains(&name) { p.roles.push(name.clone()) });
                                    new_role.set(String::new());
                                }
                            }>{t!(i18n, drills.add_role)}</button>
                        </div>
                    </fieldset>
                    <h2>{t!(i18n, drills.steps)}</h2>
                    <p class="field-error" aria-live="polite">{move || problems.with(|ps| ps.contains(&PlanProblem::NoSteps)).then(|| t_string!(i18n, drills.no_steps))}</p>
                    <ol class="step-editor" data-testid="step-editor">
                        <For each=step_ids key=|id| *id children=move |id: Uuid| {
                            let n = move || index_of(id) + 1;
                            let text_id = format!("step-text-{id}");
                            let role_id = format!("step-role-{id}");
                            let target_id = format!("step-target-{id}");
                            view! {
                                <li class="step-edit">
                                    <div class="field">
                                        <label for=text_id.clone()>{move || fill(t_string!(i18n, drills.step_n), "n", &n().to_string())}" · "{t!(i18n, drills.step_text)}</label>
                                        <textarea id=text_id rows="2" maxlength=STEP_TEXT_MAX
                                            prop:value=move || step_field(id, &|s| s.text.get(lang()).to_owned())
                                            on:input=move |ev| { let v = event_target_value(&ev); edit_step(id, &|s| set_text(&mut s.text, &v)) }></textarea>
                                    </div>
                                    <div class="step-edit-row">
                                        <div class="field">
                                            <label for=role_id.clone()>{t!(i18n, drills.step_role)}</label>
                                            <select id=role_id prop:value=move || step_field(id, &|s| s.role.clone())
                                                on:change=move |ev| { let v = event_target_value(&ev); edit_step(id, &|s| s.role = v.clone()) }>
                                                <option value="">"—"</option>
                                                {move || plan.with(|p| p.as_ref().map(|p| p.roles.clone()).unwrap_or_default()).into_iter().map(|r| {
                                                    let selected = step_field(id, &|s| s.role.clone()) == r;
                                                    view! { <option value=r.clone() selected=selected>{role_text(i18n, &r)}</option> }
                                                }).collect_view()}
                                            </select>
                                        </div>
                                        <div class="field">
                                            <label for=target_id.clone()>{t!(i18n, drills.step_target)}</label>
                                            <input id=target_id.clone() type="text" autocomplete="off" maxlength="8" aria-describedby=format!("{target_id}-hint")
                                                prop:value=move || target_typed.with(|t| t.get(&id).map(|x| x.0.clone()))
                                                    .unwrap_or_else(|| step_field(id, &|s| s.target_seconds().map(format_target).unwrap_or_default()))
                                                on:input=move |ev| {
                                                    let v = event_target_value(&ev);
                                                    let parsed = parse_target(&v);
                                                    target_typed.update(|t| { t.insert(id, (v.clone(), parsed.err())); });
                                                    if let Ok(seconds) = parsed { edit_step(id, &|s| s.set_target_seconds(seconds)) }
                                                }/>
                                            <p class="field-hint" id=format!("{target_id}-hint")>{t!(i18n, drills.step_target_hint)}</p>
                                        </div>
                                        <label class="check">
                                            <input type="checkbox" prop:checked=move || step_field(id, &|s| s.critical.to_string()) == "true"
                                                on:change=move |ev| { let c = event_target_checked(&ev); edit_step(id, &|s| s.critical = c) }/>
                                            <span>{t!(i18n, drills.critical)}</span>
                                        </label>
                                        <label class="check">
                                            <input type="checkbox" prop:checked=move || step_field(id, &|s| s.certified.to_string()) == "true"
                                                on:change=move |ev| { let c = event_target_checked(&ev); edit_step(id, &|s| s.certified = c) }/>
                                            <span>{t!(i18n, drills.certified)}</span>
                                        </label>
                                    </div>
                                    <p class="field-error" aria-live="polite">{move || step_problem(index_of(id))}</p>
                                    <div class="card-actions">
                                        <button type="button" class="btn" aria-label=move || fill(t_string!(i18n, drills.move_up), "n", &n().to_string())
                                            on:click=move |_| { let i = index_of(id); edit(&|p| p.move_step(i, -1)) }>"↑"</button>
                                        <button type="button" class="btn" aria-label=move || fill(t_string!(i18n, drills.move_down), "n", &n().to_string())
                                            on:click=move |_| { let i = index_of(id); edit(&|p| p.move_step(i, 1)) }>"↓"</button>
                                        <button type="button" class="btn btn-danger" aria-label=move || fill(t_string!(i18n, drills.remove_step), "n", &n().to_string())
                                            on:click=move |_| edit(&|p| p.steps.retain(|s| s.id != id))>"×"</button>
                                    </div>
                                </li>
                            }
                        }/>
                    </ol>
                    <div class="form-actions">
                        <button type="button" class="btn" on:click=move |_| edit(&|p| { let role = p.roles.first().cloned().unwrap_or_default(); p.steps.push(blank_step(&role)) })>
                            {t!(i18n, drills.add_step)}
                        </button>
                        <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get()>{t!(i18n, drills.save_plan)}</button>
                        <p class="form-status" role="status">{move || (!problems.with(Vec::is_empty)).then(|| t_string!(i18n, drills.fix_plan))}</p>
                    </div>
                </form>
            </Show>
        </section>
    }
}
