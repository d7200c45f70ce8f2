//! The run's written record (演练记录表): what was saved, shown as text (and printed on the A4
//! report), the form that fills it in until the commander signs, the lift contractor's
//! arrival, the changes the plan needs, and the sign-off.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use uuid::Uuid;

use crate::app::drills::RecordError;
use crate::domain::drill::record::{times_the_contractor, Notice, RecordProblem, RunRecord, SignOffProblem, Team, CONTRACTOR_ARRIVAL_MIN, EVACUATED_MAX, HEADCOUNT_MAX, NOTICE_HOW_MAX, PERSON_MAX, SCENARIO_MAX, WEATHER_MAX};
use crate::domain::drill::{DrillPlan, DrillRun, RunChange, RunState};
use crate::domain::locale::format_datetime;
use crate::domain::validation::Problem;
use crate::ui::context::use_app;
use crate::ui::drills::{data, role_text};
use crate::ui::i18n::{t_string, use_i18n, I18n};
use crate::ui::widgets::{fill, problem_text};

/// The record as the form edits it: a team row for every role of the plan but the
/// commander's (who has a field of their own), in the plan's order.
pub fn with_plan_roles(record: &RunRecord, plan: &DrillPlan) -> RunRecord {
    let mut teams: Vec<Team> = plan
        .roles
        .iter()
        .filter(|r| *r != "commander")
        .map(|role| record.teams.iter().find(|t| &t.role == role).cloned().unwrap_or(Team { role: role.clone(), lead: String::new(), headcount: 0 }))
        .collect();
    teams.extend(record.teams.iter().filter(|t| !plan.roles.contains(&t.role)).cloned());
    RunRecord { teams, ..record.clone() }
}

fn notice_text(i18n: I18n, notice: Notice) -> &'static str {
    match notice {
        Notice::Announced => t_string!(i18n, drills.notice_announced),
        Notice::Unannounced => t_string!(i18n, drills.notice_unannounced),
    }
}

fn or_not_given(i18n: I18n, text: &str) -> String {
    if text.trim().is_empty() { t_string!(i18n, drills.not_given).to_owned() } else { text.to_owned() }
}

/// What the record card is typing and saying. Held by the run page: the card is drawn anew
/// whenever the run changes (a check-off, its own save, another tab), and must not lose it.
#[derive(Clone, Copy)]
pub struct RecordForm {
    pub draft: RwSignal<Option<RunRecord>>,
    pub problems: RwSignal<Vec<RecordProblem>>,
    pub message: RwSignal<Option<String>>,
    pub revision: RwSignal<String>,
}

impl Default for RecordForm {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordForm {
    pub fn new() -> RecordForm {
        RecordForm { draft: RwSignal::new(None), problems: RwSignal::new(Vec::new()), message: RwSignal::new(None), revision: RwSignal::new(String::new()) }
    }
}

/// One field of the record form: its text's longest length, or a number's largest value.
/// Plain function pointers, not closures: one copy of the code serves every field.
#[component]
fn RecordField(
    form: RecordForm,
    id: &'static str,
    label: &'static str,
    max: usize,
    get: fn(&RunRecord) -> String,
    set: fn(&mut RunRecord, String),
    problem: fn(&RecordProblem) -> Option<Problem>,
    #[prop(optional)] number: bool,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let value = move || form.draft.with(|d| d.as_ref().map(get).unwrap_or_default());
    let on_input = move |ev: web_sys::Event| {
        let v = event_target_value(&ev);
        form.draft.update(|d| if let Some(d) = d { set(d, v) });
    };
    let error = move || form.problems.with(|ps| ps.iter().find_map(problem).map(|p| problem_text(i18n, p)));
    let control = if multiline {
        view! { <textarea id=id rows="2" maxlength=max prop:value=value on:input=on_input></textarea> }.into_any()
    } else if number {
        view! { <input id=id type="number" min="0" max=max inputmode="numeric" prop:value=value on:input=on_input/> }.into_any()
    } else {
        view! { <input id=id type="text" autocomplete="off" maxlength=max prop:value=value on:input=on_input/> }.into_any()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {control}
            <p class="field-error" aria-live="polite">{error}</p>
        </div>
    }
}

#[component]
pub fn RunRecordCard(run_id: Uuid, run: DrillRun, state: RunState, form: RecordForm, busy: RwSignal<bool>, append: Callback<RunChange>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let lang = ctx.lang.get_untracked();
    let offset = run.utc_offset_min;
    let RecordForm { draft, problems, message, revision } = form;
    let editable = run.record_editable();
    let finished = state.finished.is_some();
    let saved = run.record.clone();

    let edit = move |f: &dyn Fn(&mut RunRecord)| draft.update(|d| if let Some(d) = d { f(d) });
    let field = move |f: &dyn Fn(&RunRecord) -> String| draft.with(|d| d.as_ref().map(f).unwrap_or_default());
    let problem_of = move |pick: &dyn Fn(&RecordProblem) -> Option<Problem>| problems.with(|ps| ps.iter().find_map(pick).map(|p| problem_text(i18n, p)));

    let failed = move |e: RecordError| match e {
        RecordError::Invalid(ps) => {
            problems.set(ps);
            message.set(Some(t_string!(i18n, drills.fix_plan).to_owned()));
        }
        RecordError::Closed | RecordError::CannotSign(SignOffProblem::AlreadySigned) => message.set(Some(t_string!(i18n, drills.record_closed).to_owned())),
        RecordError::CannotSign(SignOffProblem::NotFinished) => message.set(Some(t_string!(i18n, drills.sign_needs_finish).to_owned())),
        RecordError::CannotSign(SignOffProblem::NoCommander) => message.set(Some(t_string!(i18n, drills.sign_needs_commander).to_owned())),
        RecordError::Gone => message.set(Some(t_string!(i18n, drills.not_found).to_owned())),
        RecordError::Store(e) => ctx.storage_error.set(Some(e)),
    };
    let plan_for_save = run.plan.clone();
    let save = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        let Some(record) = draft.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        if let Err(ps) = record.clone().tidied().validate() {
            problems.set(ps);
            message.set(Some(t_string!(i18n, drills.fix_plan).to_owned()));
            return;
        }
        busy.set(true);
        message.set(None);
        let plan = plan_for_save.clone();
        spawn_local(async move {
            match data::save_record(ctx, run_id, record.clone()).await {
                Ok(()) => {
                    problems.set(Vec::new());
                    draft.set(Some(with_plan_roles(&record.tidied(), &plan)));
                    message.set(Some(t_string!(i18n, drills.record_saved).to_owned()));
                }
                Err(e) => failed(e),
            }
            busy.set(false);
        });
    };
    let sign = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            if let Err(e) = data::sign_off(ctx, run_id).await {
                failed(e);
            }
            busy.set(false);
        });
    };

    let contractor = times_the_contractor(&run).then(|| {
        let arrived = state.contractor_arrived.map(|at| {
            let minutes = (at - run.started_at).num_minutes();
            let text = fill(&fill(t_string!(i18n, drills.contractor_arrived), "time", &format_datetime(lang, at, offset)), "min", &minutes.to_string());
            (text, minutes > CONTRACTOR_ARRIVAL_MIN)
        });
        let waiting = arrived.is_none() && !finished;
        view! {
            <dt>{t_string!(i18n, drills.contractor)}</dt>
            <dd data-testid="record-contractor">
                {match arrived {
                    Some((text, late)) => view! {
                        {text}
                        {late.then(|| view! { " · "<strong class="tag tag-late">{fill(t_string!(i18n, drills.contractor_late), "limit", &CONTRACTOR_ARRIVAL_MIN.to_string())}</strong> })}
                    }.into_any(),
                    None => view! { {t_string!(i18n, drills.contractor_waiting)} }.into_any(),
                }}
                {waiting.then(|| view! {
                    " "<button type="button" class="btn no-print" prop:disabled=move || busy.get()
                        on:click=move |_| append.run(RunChange::ContractorArrived)>{t_string!(i18n, drills.contractor_button)}</button>
                })}
            </dd>
        }
    });

    let teams_text: Vec<String> = saved
        .teams
        .iter()
        .map(|t| fill(&fill(&fill(t_string!(i18n, drills.team_line), "role", &role_text(i18n, &t.role)), "lead", &or_not_given(i18n, &t.lead)), "count", &t.headcount.to_string()))
        .collect();
    let signed = state.signed_off.clone();
    let sign_blocked = if !finished {
        Some(t_string!(i18n, drills.sign_needs_finish))
    } else if saved.commander.trim().is_empty() {
        Some(t_string!(i18n, drills.sign_needs_commander))
    } else {
        None
    };
    let plan_id = run.plan_id;

    view! {
        <section class="card run-record" aria-labelledby="record-title" data-testid="run-record">
            <h2 id="record-title">{t_string!(i18n, drills.record)}</h2>
            <dl class="record-facts">
                <dt>{t_string!(i18n, drills.organiser)}</dt><dd data-testid="record-organiser">{or_not_given(i18n, &saved.organiser)}</dd>
                <dt>{t_string!(i18n, drills.commander)}</dt><dd data-testid="record-commander">{or_not_given(i18n, &saved.commander)}</dd>
                <dt>{t_string!(i18n, drills.teams)}</dt>
                <dd>
                    {if teams_text.is_empty() {
                        view! { <span>{t_string!(i18n, drills.not_given)}</span> }.into_any()
                    } else {
                        view! { <ul data-testid="record-teams">{teams_text.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}</ul> }.into_any()
                    }}
                    {(!saved.teams.is_empty()).then(|| view! { <p data-testid="record-headcount">{fill(t_string!(i18n, drills.headcount_total), "count", &saved.headcount().to_string())}</p> })}
                </dd>
                <dt>{t_string!(i18n, drills.evacuated)}</dt><dd data-testid="record-evacuated">{saved.evacuated.map(|n| n.to_string()).unwrap_or_else(|| t_string!(i18n, drills.not_given).to_owned())}</dd>
                <dt>{t_string!(i18n, drills.scenario)}</dt><dd data-testid="record-scenario" class="summary-text">{or_not_given(i18n, &saved.scenario)}</dd>
                <dt>{t_string!(i18n, drills.notice)}</dt>
                <dd data-testid="record-notice">
                    {saved.notice.map(|n| notice_text(i18n, n).to_owned()).unwrap_or_else(|| t_string!(i18n, drills.not_given).to_owned())}
                    {(!saved.notice_how.is_empty()).then(|| format!(" · {}", saved.notice_how))}
                </dd>
                <dt>{t_string!(i18n, drills.weather)}</dt><dd data-testid="record-weather">{or_not_given(i18n, &saved.weather)}</dd>
                {contractor}
                <dt>{t_string!(i18n, drills.revisions)}</dt>
                <dd>
                    {if state.revisions.is_empty() {
                        view! { <span>{t_string!(i18n, drills.none)}</span> }.into_any()
                    } else {
                        view! { <ul data-testid="record-revisions">{state.revisions.iter().map(|(_, _, text)| view! { <li>{text.clone()}</li> }).collect_view()}</ul> }.into_any()
                    }}
                </dd>
                <dt>{t_string!(i18n, drills.sign_off)}</dt>
                <dd data-testid="record-signed">{match &signed {
                    Some(s) => fill(&fill(t_string!(i18n, drills.signed_off), "name", &s.name), "time", &format_datetime(lang, s.at, offset)),
                    None => t_string!(i18n, drills.not_signed).to_owned(),
                }}</dd>
            </dl>
            {editable.then(|| view! {
                <div class="inline-add no-print" data-testid="revision-form">
                    <label class="visually-hidden" for="run-revision">{t_string!(i18n, drills.revision_text)}</label>
                    <input id="run-revision" type="text" autocomplete="off" maxlength="200" placeholder=t_string!(i18n, drills.revision_text)
                        prop:value=move || revision.get() on:input=move |ev| revision.set(event_target_value(&ev))/>
                    <button type="button" class="btn" prop:disabled=move || busy.get() on:click=move |_| {
                        let text = revision.get_untracked().trim().to_owned();
                        if !text.is_empty() { append.run(RunChange::Revision { text }); revision.set(String::new()) }
                    }>{t_string!(i18n, drills.add_revision)}</button>
                    <A href=format!("/drills/plan/{plan_id}?run={run_id}") attr:class="btn">{t_string!(i18n, drills.edit_plan_now)}</A>
                </div>
            })}
            {editable.then(|| view! {
                <form autocomplete="off" class="record-form no-print" novalidate=true data-testid="record-form" on:submit=save>
                    <div class="field-grid">
                        <RecordField form=form id="rec-organiser" label=t_string!(i18n, drills.organiser) max=PERSON_MAX
                            get=|r| r.organiser.clone() set=|r, v| r.organiser = v problem=|p| match p { RecordProblem::Organiser(x) => Some(*x), _ => None }/>
                        <RecordField form=form id="rec-commander" label=t_string!(i18n, drills.commander) max=PERSON_MAX
                            get=|r| r.commander.clone() set=|r, v| r.commander = v problem=|p| match p { RecordProblem::Commander(x) => Some(*x), _ => None }/>
                        <RecordField form=form id="rec-weather" label=t_string!(i18n, drills.weather) max=WEATHER_MAX
                            get=|r| r.weather.clone() set=|r, v| r.weather = v problem=|p| match p { RecordProblem::Weather(x) => Some(*x), _ => None }/>
                        <RecordField form=form id="rec-evacuated" label=t_string!(i18n, drills.evacuated) max=EVACUATED_MAX as usize number=true
                            get=|r| r.evacuated.map(|n| n.to_string()).unwrap_or_default() set=|r, v| r.evacuated = v.trim().parse().ok()
                            problem=|p| match p { RecordProblem::Evacuated(x) => Some(*x), _ => None }/>
                    </div>
                    <RecordField form=form id="rec-scenario" label=t_string!(i18n, drills.scenario) max=SCENARIO_MAX multiline=true
                        get=|r| r.scenario.clone() set=|r, v| r.scenario = v problem=|p| match p { RecordProblem::Scenario(x) => Some(*x), _ => None }/>
                    <fieldset class="choices">
                        <legend>{t_string!(i18n, drills.notice)}</legend>
                        {Notice::ALL.into_iter().map(|n| {
                            let id = format!("rec-notice-{}", n.key());
                            let for_id = id.clone();
                            view! {
                                <label for=for_id class="choice-item">
                                    <input type="radio" name="rec-notice" id=id prop:checked=move || draft.with(|d| d.as_ref().and_then(|r| r.notice)) == Some(n)
                                        on:change=move |_| edit(&|r| r.notice = Some(n))/>
                                    <span class="choice">{notice_text(i18n, n)}</span>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <RecordField form=form id="rec-notice-how" label=t_string!(i18n, drills.notice_how) max=NOTICE_HOW_MAX
                        get=|r| r.notice_how.clone() set=|r, v| r.notice_how = v problem=|p| match p { RecordProblem::NoticeHow(x) => Some(*x), _ => None }/>
                    <table class="kpi-table team-table">
                        <caption>{t_string!(i18n, drills.teams)}</caption>
                        <thead><tr>
                            <th scope="col">{t_string!(i18n, drills.team_col)}</th>
                            <th scope="col">{t_string!(i18n, drills.lead_col)}</th>
                            <th scope="col">{t_string!(i18n, drills.headcount_col)}</th>
                        </tr></thead>
                        <tbody>
                            {draft.with_untracked(|d| d.as_ref().map(|r| r.teams.iter().map(|t| t.role.clone()).collect::<Vec<_>>()).unwrap_or_default()).into_iter().enumerate().map(|(i, role)| {
                                let name = role_text(i18n, &role);
                                let (r1, r2) = (role.clone(), role.clone());
                                let team_field = move |role: &str, f: &dyn Fn(&Team) -> String| field(&|r| r.teams.iter().find(|t| t.role == role).map(f).unwrap_or_default());
                                let (ra, rb) = (role.clone(), role.clone());
                                view! {
                                    <tr>
                                        <th scope="row">{name.clone()}</th>
                                        <td>
                                            <input type="text" autocomplete="off" maxlength=PERSON_MAX aria-label=fill(t_string!(i18n, drills.team_lead), "role", &name)
                                                prop:value=move || team_field(&ra, &|t| t.lead.clone())
                                                on:input=move |ev| { let v = event_target_value(&ev); edit(&|r| if let Some(t) = r.teams.iter_mut().find(|t| t.role == r1) { t.lead = v.clone() }) }/>
                                            <p class="field-error" aria-live="polite">{move || problem_of(&|p| match p { RecordProblem::TeamLead(j, x) if *j == i => Some(*x), _ => None })}</p>
                                        </td>
                                        <td>
                                            <input type="number" min="0" max=HEADCOUNT_MAX inputmode="numeric" aria-label=fill(t_string!(i18n, drills.team_headcount), "role", &name)
                                                prop:value=move || team_field(&rb, &|t| t.headcount.to_string())
                                                on:input=move |ev| { let v = event_target_value(&ev).trim().parse().unwrap_or(0); edit(&|r| if let Some(t) = r.teams.iter_mut().find(|t| t.role == r2) { t.headcount = v }) }/>
                                            <p class="field-error" aria-live="polite">{move || problem_of(&|p| match p { RecordProblem::Headcount(j, x) if *j == i => Some(*x), _ => None })}</p>
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    <div class="form-actions">
                        <button type="submit" class="btn btn-primary" prop:disabled=move || busy.get()>{t_string!(i18n, drills.save_record)}</button>
                    </div>
                </form>
            })}
            {(finished && signed.is_none()).then(|| view! {
                <div class="form-actions no-print">
                    <button type="button" class="btn btn-primary" data-testid="sign-off" prop:disabled=move || busy.get() || sign_blocked.is_some()
                        aria-describedby="sign-off-why" on:click=sign>{t_string!(i18n, drills.sign_off)}</button>
                    <p id="sign-off-why" class="field-hint">{sign_blocked}</p>
                </div>
            })}
            <p class="form-status no-print" role="status" data-testid="record-status">{move || message.get()}</p>
        </section>
    }
}
