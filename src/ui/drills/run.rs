//! Running a drill or a real incident: set-up (mode, place, who in which role), then a live
//! checklist whose every tap is stored at once — the run survives reload and tablet sleep,
//! and the elapsed time is computed from the stored start, not counted in memory.

use std::time::Duration as StdDuration;

use chrono::Utc;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::domain::drill::record::{RunRecord, Team};
use crate::ui::drills::record::{with_plan_roles, RecordForm, RunRecordCard};
use crate::domain::drill::{follow_up_ticket, DrillPlan, DrillRun, Evaluation, Participant, RunChange, RunMode, Severity, StepState, StepStatus};
use crate::domain::locale::format_datetime;

use crate::ui::context::use_app;
use crate::ui::drills::{data, evaluation_text, mode_text, role_text, target_text};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::intake::StoredPhoto;
use crate::ui::widgets::fill;
use crate::ui::widgets::terms::{span_text, status_text};

fn severity_text(i18n: I18n, s: Severity) -> &'static str {
    match s {
        Severity::High => t_string!(i18n, drills.sev_high),
        Severity::Medium => t_string!(i18n, drills.sev_medium),
        Severity::Low => t_string!(i18n, drills.sev_low),
    }
}

/// Minutes and seconds (hours when needed) for the live clock.
fn clock_text(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    if s >= 3600 { format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60) } else { format!("{:02}:{:02}", s / 60, s % 60) }
}

#[component]
pub fn StartRunPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let params = use_params_map();
    let navigate = StoredValue::new_local(use_navigate());
    let plan = RwSignal::new(None::<(Uuid, DrillPlan)>);
    let mode = RwSignal::new(RunMode::Drill);
    let location = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<(Uuid, String)>::new());
    let visitors = RwSignal::new(String::new());
    let starting = RwSignal::new(false);

    let ready = crate::ui::live::drills_ready(ctx);
    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        let id = params.with(|p| p.get("id")).and_then(|s| Uuid::parse_str(&s).ok());
        plan.set(id.and_then(|id| ctx.cache.with_untracked(|c| c.plan(id)).map(|p| (p.0.id, p.1.clone()))));
    });

    let begin = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if starting.get_untracked() {
            return;
        }
        let Some((plan_id, plan)) = plan.get_untracked() else { return };
        let site = ctx.site.get_untracked();
        let mut participants: Vec<Participant> = chosen
            .get_untracked()
            .into_iter()
            .filter_map(|(id, role)| site.staff(id).map(|m| Participant { staff: Some(id), name: m.name.clone(), role }))
            .collect();
        participants.extend(
            visitors.get_untracked().split([',', '，', '、']).map(str::trim).filter(|n| !n.is_empty())
                .map(|n| Participant { staff: None, name: n.to_owned(), role: String::new() }),
        );
        // The record starts from who was given which role: the commander by name, each other
        // role a team led by its first member, with its headcount.
        let commander = participants.iter().find(|p| p.role == "commander").map(|p| p.name.clone()).unwrap_or_default();
        let teams = plan
            .roles
            .iter()
            .filter(|r| *r != "commander")
            .map(|role| {
                let members: Vec<&Participant> = participants.iter().filter(|p| &p.role == role).collect();
                Team { role: role.clone(), lead: members.first().map(|p| p.name.clone()).unwrap_or_default(), headcount: members.len() as u32 }
            })
            .collect();
        let run = DrillRun {
            site: site.site_code.clone(),
            record: RunRecord { commander, teams, ..RunRecord::default() }.tidied(),
            plan_id,
            plan,
            mode: mode.get_untracked(),
            location: location.get_untracked().trim().to_owned(),
            participants,
            started_at: Utc::now(),
            utc_offset_min: crate::platform::utc_offset_minutes(),
            events: Vec::new(),
        };
        starting.set(true);
        spawn_local(async move {
            match data::start_run(ctx, &run).await {
                Ok(id) => navigate.with_value(|n| n(&format!("/drills/run/{id}"), Default::default())),
                Err(e) => {
                    ctx.storage_error.set(Some(e));
                    starting.set(false);
                }
            }
        });
    };

    view! {
        <section class="run-setup" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, drills.setup)}</h1>
            {move || plan.get().map(|(_, p)| {
                let roles = p.roles.clone();
                view! {
                    <form autocomplete="off" class="card" on:submit=begin novalidate=true data-testid="run-setup">
                        <h2>{p.name.get(ctx.lang.get_untracked()).to_owned()}</h2>
                        <fieldset class="choices">
                            <legend>{t!(i18n, drills.mode)}</legend>
                            <label for="mode-drill" class="choice-item">
                                <input type="radio" name="mode" id="mode-drill" prop:checked=move || mode.get() == RunMode::Drill on:change=move |_| mode.set(RunMode::Drill)/>
                                <span class="choice">{t!(i18n, drills.mode_drill)}</span>
                            </label>
                            <label for="mode-real" class="choice-item">
                                <input type="radio" name="mode" id="mode-real" prop:checked=move || mode.get() == RunMode::Real on:change=move |_| mode.set(RunMode::Real)/>
                                <span class="choice">{t!(i18n, drills.mode_real)}</span>
                            </label>
                        </fieldset>
                        <div class="field">
                            <label for="run-location">{t!(i18n, drills.location)}</label>
                            <input id="run-location" type="text" autocomplete="off" maxlength="80" prop:value=move || location.get() on:input=move |ev| location.set(event_target_value(&ev))/>
                        </div>
                        <fieldset class="participants">
                            <legend>{t!(i18n, drills.participants)}</legend>
                            {ctx.site.get_untracked().active_staff().cloned().collect::<Vec<_>>().into_iter().map(|m| {
                                let id = m.id;
                                let first = roles.first().cloned().unwrap_or_default();
                                let role_label = fill(t_string!(i18n, drills.participant_role), "name", &m.name);
                                let roles = roles.clone();
                                view! {
                                    <div class="participant-row">
                                        <label class="check">
                                            <input type="checkbox" on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                let role = first.clone();
                                                chosen.update(|c| { c.retain(|(x, _)| *x != id); if on { c.push((id, role)) } });
                                            }/>
                                            <span>{m.name.clone()}</span>
                                        </label>
                                        <select aria-label=role_label on:change=move |ev| {
                                            let v = event_target_value(&ev);
                                            chosen.update(|c| if let Some(e) = c.iter_mut().find(|(x, _)| *x == id) { e.1 = v.clone() });
                                        }>
                                            {roles.iter().map(|r| view! { <option value=r.clone()>{role_text(i18n, r)}</option> }).collect_view()}
                                        </select>
                                    </div>
                                }
                            }).collect_view()}
                            <div class="field">
                                <label for="run-visitors">{t!(i18n, drills.visitors)}</label>
                                <input id="run-visitors" type="text" autocomplete="off" maxlength="200" prop:value=move || visitors.get() on:input=move |ev| visitors.set(event_target_value(&ev))/>
                            </div>
                        </fieldset>
                        <button type="submit" class="btn btn-primary" prop:disabled=move || starting.get()>{t!(i18n, drills.begin)}</button>
                    </form>
                }
            })}
        </section>
    }
}

#[component]
pub fn RunPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let params = use_params_map();
    let loaded = crate::ui::live::drills_ready(ctx);
    let now = RwSignal::new(Utc::now());
    let busy = RwSignal::new(false);
    // What is being typed lives here, outside the view that is rebuilt when the run changes
    // (a check-off, a tab's save), so a rebuild never wipes a half-typed note.
    let owner = StoredValue::new_local(Owner::current());
    let typing: StoredValue<std::collections::HashMap<Uuid, StepFields>> =
        StoredValue::new(Default::default());
    let fields_of = move |step: Uuid| {
        if let Some(f) = typing.with_value(|m| m.get(&step).copied()) {
            return f;
        }
        let make = || (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(false));
        let f = match owner.get_value() {
            Some(o) => o.with(make),
            None => make(),
        };
        typing.update_value(|m| {
            m.insert(step, f);
        });
        f
    };
    let record_form = RecordForm::new();
    let finding_text = RwSignal::new(String::new());
    let finding_severity = RwSignal::new(Severity::Medium);
    let run_note = RwSignal::new(String::new());

    // The live clock: re-reads the time every second; the elapsed time itself always comes
    // from the stored start, so sleep or reload cannot make it drift.
    if let Ok(handle) = set_interval_with_handle(move || { now.try_set(Utc::now()); }, StdDuration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }
    let run_id = move || params.with(|p| p.get("id")).and_then(|s| Uuid::parse_str(&s).ok());
    // The run as the cache has it: a check-off here or in another tab shows at once.
    let run = Memo::new(move |_| {
        let id = run_id()?;
        ctx.cache.with(|c| c.run(id).map(|r| (r.0.clone(), r.1.clone())))
    });
    // Derived once per clock tick or change, not once per step and per tick.
    let run_state = Memo::new(move |_| run.with(|x| x.as_ref().map(|(_, r)| r.state(now.get()))));

    let append = move |change: RunChange| {
        let Some(id) = run_id() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            if let Err(e) = data::append(ctx, id, change).await {
                ctx.storage_error.set(Some(e));
            }
            busy.set(false);
        });
    };

    let photo_problem = RwSignal::new(None::<String>);
    let add_photo = move |step: Uuid, ev: web_sys::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        let Some(id) = run_id() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        photo_problem.set(None);
        spawn_local(async move {
            let name = file.name();
            match crate::platform::photos::process(&file).await {
                Ok(photo) => {
                    let blob = (photo.meta.sha256.clone(), photo.blob.clone());
                    if let Err(e) = data::append_with_photo(ctx, id, RunChange::Photo { step, photo: photo.meta }, Some(blob)).await {
                        ctx.storage_error.set(Some(e));
                    }
                }
                Err(crate::platform::photos::PhotoError::TooLarge) => photo_problem.set(Some(fill(
                    &fill(t_string!(i18n, intake.photo_too_large), "name", &name),
                    "max",
                    &crate::platform::photos::MAX_INPUT_MB.to_string(),
                ))),
                Err(_) => photo_problem.set(Some(fill(t_string!(i18n, intake.photo_not_image), "name", &name))),
            }
            busy.set(false);
        });
    };

    let make_ticket = move |finding: Uuid, text: String, severity: Severity| {
        let Some((record, r)) = run.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let run_id = record.id;
        let plan_name = r.plan.name.get(ctx.lang.get_untracked()).to_owned();
        spawn_local(async move {
            let sla = ctx.site.with_untracked(|site| site.sla.clone());
            let offset = crate::platform::utc_offset_minutes();
            let location = r.location.clone();
            let build = move |number: String| {
                follow_up_ticket(&text, severity, &plan_name, &location, run_id, number, &sla, Utc::now(), offset)
            };
            match crate::ui::intake::save::save_new_ticket_with_id(ctx, build, &[]).await {
                Ok((ticket, number)) => {
                    if let Err(e) = data::append(ctx, run_id, RunChange::FindingTicket { finding, ticket, number }).await {
                        ctx.storage_error.set(Some(e));
                    }
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="drill-run" aria-labelledby="view-title">
            <p class="no-print"><A href="/drills">{t!(i18n, nav.drills)}</A></p>
            <Show when=move || loaded.get() fallback=move || view! { <h1 id="view-title">{t!(i18n, loading)}</h1> }>
                {move || match run.get() {
                    None => view! { <h1 id="view-title">{t!(i18n, drills.not_found)}</h1> }.into_any(),
                    Some((record, r)) => {
                        let lang = ctx.lang.get();
                        let this_run = record.id;
                        // The form starts from the stored record once; later changes of the run
                        // (a check-off, another tab) keep what is being typed.
                        if record_form.draft.with_untracked(Option::is_none) {
                            record_form.draft.set(Some(with_plan_roles(&r.record, &r.plan)));
                        }
                        let offset = r.utc_offset_min;
                        // Read once per change of the run: the form fields below must not be
                        // rebuilt by the clock's tick (that would wipe what is being typed).
                        let st = r.state(now.get_untracked());
                        let finished = st.finished.clone();
                        let is_finished = finished.is_some();
                        let site = ctx.site.get();
                        let who = move |id: Option<Uuid>| id.and_then(|id| site.staff(id).map(|m| m.name.clone())).unwrap_or_else(|| t_string!(i18n, detail.unknown_staff).to_string());
                        let title = fill(&fill(t_string!(i18n, drills.run_of), "plan", r.plan.name.get(lang)), "mode", mode_text(i18n, r.mode));
                        view! {
                            <h1 id="view-title">{title}</h1>
                            <p class="run-facts">{r.location.clone()}" · "{format_datetime(lang, r.started_at, offset)}</p>
                            <p class="run-participants">{t_string!(i18n, drills.participants)}": "
                                {r.participants.iter().map(|p| if p.role.is_empty() { p.name.clone() } else { format!("{} ({})", p.name, role_text(i18n, &p.role)) }).collect::<Vec<_>>().join("、")}
                            </p>
                            <p class="run-clock" data-testid="run-clock" aria-live="off">
                                <span class="clock-label">{t_string!(i18n, drills.elapsed)}</span>
                                <strong data-testid="elapsed">{move || run_state.with(|x| x.as_ref().map(|st| clock_text(st.elapsed)))}</strong>
                                <span>{fill(t_string!(i18n, drills.target_of), "min", &r.plan.target_min.to_string())}</span>
                            </p>
                            {finished.as_ref().map(|(at, e, summary)| view! {
                                <section class="card run-summary" data-testid="run-summary">
                                    <h2>{t_string!(i18n, drills.report)}</h2>
                                    <p>{fill(&fill(t_string!(i18n, drills.finished), "time", &format_datetime(lang, *at, offset)), "evaluation", evaluation_text(i18n, *e))}</p>
                                    <p>{fill(&fill(t_string!(i18n, drills.duration), "time", &span_text(i18n, st.elapsed)), "min", &r.plan.target_min.to_string())}</p>
                                    <p data-testid="run-totals">{fill(&fill(&fill(t_string!(i18n, drills.totals), "done", &st.done.to_string()), "skipped", &st.skipped.to_string()), "late", &st.late.to_string())}</p>
                                    <p class="summary-text">{summary.clone()}</p>
                                    <p class="no-print read-only-note">{t_string!(i18n, drills.read_only)}</p>
                                    <button type="button" class="btn no-print" on:click=|_| crate::platform::print()>{t_string!(i18n, drills.print)}</button>
                                </section>
                            })}
                            <p class="field-error" role="alert" data-testid="run-photo-problem">{move || photo_problem.get()}</p>
                            <ol class="run-steps" data-testid="run-steps">
                                {st.steps.iter().enumerate().map(|(i, s)| {
                                    let status_line = match &s.status {
                                        StepStatus::Done { at, by } => fill(&fill(t_string!(i18n, drills.done_at), "time", &format_datetime(lang, *at, offset)), "name", &who(*by)),
                                        StepStatus::Skipped { reason } => fill(t_string!(i18n, drills.skipped_because), "reason", reason),
                                        StepStatus::Pending => String::new(),
                                    };
                                    // Late or not moves with the clock: one memo per step, so a tick
                                    // redraws a step only when it turns late.
                                    let late = Memo::new(move |_| run_state.with(|x| x.as_ref().is_some_and(|st| st.steps.get(i).is_some_and(|s| s.late))));
                                    view! {
                                        <RunStep number=i + 1 step=s.clone() status_line=status_line late=late finished=is_finished
                                            fields=fields_of(s.step.id) busy=busy append=Callback::new(append)
                                            add_photo=Callback::new(move |(step, ev)| add_photo(step, ev))/>
                                    }
                                }).collect_view()}
                            </ol>
                            <section class="card" aria-labelledby="findings-title">
                                <h2 id="findings-title">{t_string!(i18n, drills.findings)}</h2>
                                <ul class="findings" data-testid="findings">
                                    {st.findings.iter().map(|f| {
                                        let (fid, text, sev) = (f.id, f.text.clone(), f.severity);
                                        let linked = f.ticket.clone().map(|(tid, number)| {
                                            // Its own reactive scope: the tickets arriving must not rebuild the run.
                                            let status = move || ctx.cache.with(|c| c.ticket(tid).map(|i| i.state.status));
                                            view! {
                                                <A href=format!("/ticket/{tid}")>{fill(t_string!(i18n, drills.ticket_made), "number", &number)}</A>
                                                {move || status().map(|s| view! { " · "<span data-testid="finding-ticket-status">{status_text(i18n, s)}</span> })}
                                            }
                                        });
                                        view! {
                                            <li class="finding" data-testid="finding">
                                                <span class="tag">{severity_text(i18n, sev)}</span>" "{text.clone()}" "
                                                {match linked {
                                                    Some(v) => v.into_any(),
                                                    None => view! {
                                                        <button type="button" class="btn no-print" prop:disabled=move || busy.get()
                                                            on:click=move |_| make_ticket(fid, text.clone(), sev)>{t_string!(i18n, drills.make_ticket)}</button>
                                                    }.into_any(),
                                                }}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {(!is_finished).then(|| view! { <FindingForm text=finding_text severity=finding_severity on_add=Callback::new(move |(text, severity)| append(RunChange::Finding { finding: Uuid::now_v7(), text, severity }))/> })}
                            </section>
                            <RunRecordCard run_id=this_run run=r.clone() state=st.clone() form=record_form busy=busy append=Callback::new(append)/>
                            <section class="card" aria-labelledby="notes-title">
                                <h2 id="notes-title">{t_string!(i18n, drills.notes)}</h2>
                                <ul data-testid="run-notes">{st.notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
                                <NoteForm text=run_note on_add=Callback::new(move |text| append(RunChange::Note { step: None, text }))/>
                            </section>
                            {(!is_finished).then(|| view! { <FinishForm on_finish=Callback::new(move |(evaluation, summary)| append(RunChange::Finish { evaluation, summary }))/> })}
                        }.into_any()
                    }
                }}
            </Show>
        </section>
    }
}

/// What is being typed for one step (note, skip reason, whether the skip field is open):
/// held by the run page, so rebuilding a step never wipes it.
type StepFields = (RwSignal<String>, RwSignal<String>, RwSignal<bool>);

/// One step of a running checklist: its text, role and target, what happened to it, and
/// (until the run is finished) check off, skip with a reason, undo, photo and note.
#[component]
fn RunStep(
    number: usize,
    step: StepState,
    status_line: String,
    late: Memo<bool>,
    finished: bool,
    fields: StepFields,
    busy: RwSignal<bool>,
    append: Callback<RunChange>,
    add_photo: Callback<(Uuid, web_sys::Event)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let lang = ctx.lang.get_untracked();
    let n = number.to_string();
    let id = step.step.id;
    let pending = step.status == StepStatus::Pending;
    let (note, skip_reason, skipping) = fields;
    let (n2, n3) = (n.clone(), n.clone());
    view! {
        <li class="run-step" class:done=!pending class:critical=step.step.critical data-testid="run-step" class:late=move || late.get()>
            <p class="step-text">{step.step.text.get(lang).to_owned()}</p>
            <p class="step-meta">{role_text(i18n, &step.step.role)}
                {step.step.target_seconds().map(|t| format!(" · {}", target_text(i18n, t)))}
                {step.step.certified.then(|| view! { " · "<strong class="tag tag-certified">{t_string!(i18n, drills.certified)}</strong> })}
                {move || late.get().then(|| view! { " · "<strong class="tag tag-late">{t_string!(i18n, drills.late)}</strong> })}
            </p>
            <p class="step-status" data-testid="step-status">{status_line}</p>
            {step.notes.iter().map(|t| view! { <p class="timeline-note">{t.clone()}</p> }).collect_view()}
            {(!step.photos.is_empty()).then(|| view! {
                <ul class="photo-list" data-testid="step-photos">
                    {step.photos.iter().map(|p| view! { <li class="photo-item"><StoredPhoto sha256=p.sha256.clone() width=p.width height=p.height/></li> }).collect_view()}
                </ul>
            })}
            {(!finished).then(|| view! {
                <div class="card-actions no-print">
                    {if pending {
                        view! {
                            <button type="button" class="btn btn-primary" aria-label=fill(t_string!(i18n, drills.check_label), "n", &n)
                                prop:disabled=move || busy.get() on:click=move |_| append.run(RunChange::Check { step: id })>{t_string!(i18n, drills.check)}</button>
                            <button type="button" class="btn" aria-label=fill(t_string!(i18n, drills.skip_label), "n", &n)
                                on:click=move |_| skipping.set(true)>{t_string!(i18n, drills.skip)}</button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="btn" aria-label=fill(t_string!(i18n, drills.undo_label), "n", &n)
                                prop:disabled=move || busy.get() on:click=move |_| append.run(RunChange::Undo { step: id })>{t_string!(i18n, drills.undo)}</button>
                        }.into_any()
                    }}
                </div>
                <Show when=move || skipping.get()>
                    <div class="inline-add no-print">
                        <label class="visually-hidden" for=format!("skip-{n2}")>{fill(t_string!(i18n, drills.skip_reason), "n", &n2)}</label>
                        <input id=format!("skip-{n2}") type="text" autocomplete="off" maxlength="200" placeholder=fill(t_string!(i18n, drills.skip_reason), "n", &n2)
                            prop:value=move || skip_reason.get() on:input=move |ev| skip_reason.set(event_target_value(&ev))/>
                        <button type="button" class="btn" on:click=move |_| {
                            let reason = skip_reason.get_untracked().trim().to_owned();
                            if !reason.is_empty() { append.run(RunChange::Skip { step: id, reason }) }
                        }>{t_string!(i18n, act.confirm)}</button>
                    </div>
                </Show>
                <label class="btn photo-add no-print">
                    // No `capture`: the tablet then offers the camera and the photos already taken.
                    <input type="file" class="photo-input" accept="image/*"
                        aria-label=fill(t_string!(i18n, drills.step_photo), "n", &n3)
                        prop:disabled=move || busy.get()
                        on:change=move |ev| add_photo.run((id, ev))/>
                    <span>{fill(t_string!(i18n, drills.step_photo), "n", &n3)}</span>
                </label>
                <div class="inline-add no-print">
                    <label class="visually-hidden" for=format!("note-{n3}")>{fill(t_string!(i18n, drills.step_note), "n", &n3)}</label>
                    <input id=format!("note-{n3}") type="text" autocomplete="off" maxlength="200" placeholder=fill(t_string!(i18n, drills.step_note), "n", &n3)
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                    <button type="button" class="btn" on:click=move |_| {
                        let text = note.get_untracked().trim().to_owned();
                        if !text.is_empty() { append.run(RunChange::Note { step: Some(id), text }); note.set(String::new()) }
                    }>{t_string!(i18n, drills.add_note)}</button>
                </div>
            })}
        </li>
    }
}

#[component]
fn FindingForm(text: RwSignal<String>, severity: RwSignal<Severity>, on_add: Callback<(String, Severity)>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form autocomplete="off" class="inline-add no-print" novalidate=true data-testid="finding-form" on:submit=move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            let t = text.get_untracked().trim().to_owned();
            if !t.is_empty() {
                on_add.run((t, severity.get_untracked()));
                text.set(String::new());
            }
        }>
            <div class="field">
                <label for="finding-text">{t!(i18n, drills.finding_text)}</label>
                <input id="finding-text" type="text" autocomplete="off" maxlength="200" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            </div>
            <div class="field">
                <label for="finding-severity">{t!(i18n, drills.severity)}</label>
                <select id="finding-severity" prop:value=move || severity.get().key()
                    on:change=move |ev| if let Some(s) = Severity::from_key(&event_target_value(&ev)) { severity.set(s) }>
                    {Severity::ALL.into_iter().map(|s| view! { <option value=s.key()>{move || severity_text(i18n, s)}</option> }).collect_view()}
                </select>
            </div>
            <button type="submit" class="btn">{t!(i18n, drills.add_finding)}</button>
        </form>
    }
}

#[component]
fn NoteForm(text: RwSignal<String>, on_add: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <form autocomplete="off" class="inline-add no-print" novalidate=true on:submit=move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            let t = text.get_untracked().trim().to_owned();
            if !t.is_empty() {
                on_add.run(t);
                text.set(String::new());
            }
        }>
            <label class="visually-hidden" for="run-note">{t!(i18n, drills.add_run_note)}</label>
            <input id="run-note" type="text" autocomplete="off" maxlength="500" placeholder=move || t_string!(i18n, drills.add_run_note)
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <button type="submit" class="btn">{t!(i18n, drills.add_note)}</button>
        </form>
    }
}

#[component]
fn FinishForm(on_finish: Callback<(Evaluation, String)>) -> impl IntoView {
    let i18n = use_i18n();
    let evaluation = RwSignal::new(Evaluation::Good);
    let summary = RwSignal::new(String::new());
    view! {
        <form autocomplete="off" class="card no-print" novalidate=true data-testid="finish-form" on:submit=move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            on_finish.run((evaluation.get_untracked(), summary.get_untracked().trim().to_owned()));
        }>
            <h2>{t!(i18n, drills.finish)}</h2>
            <div class="field">
                <label for="run-evaluation">{t!(i18n, drills.evaluation)}</label>
                <select id="run-evaluation" on:change=move |ev| if let Some(e) = Evaluation::from_key(&event_target_value(&ev)) { evaluation.set(e) }>
                    {Evaluation::ALL.into_iter().map(|e| view! { <option value=e.key()>{move || evaluation_text(i18n, e)}</option> }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="run-summary">{t!(i18n, drills.summary)}</label>
                <textarea id="run-summary" rows="3" maxlength="1000" prop:value=move || summary.get() on:input=move |ev| summary.set(event_target_value(&ev))></textarea>
            </div>
            <button type="submit" class="btn btn-primary">{t!(i18n, drills.finish)}</button>
        </form>
    }
}
