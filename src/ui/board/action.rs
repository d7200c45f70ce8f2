//! The dialog for one workflow step: the fields that step needs, checked by the domain
//! (allowed from this status, by this role, fields filled) before anything is written.

use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::domain::settings::{Department, StaffRole};
use crate::domain::ticket::department_for;
use crate::domain::triage::{Level, Priority};
use crate::app::workflow::StepError;
use crate::domain::workflow::{check, offered_actions, Action, ActionField, ContactMethod, HoldReason, Refusal, Step, NOTE_MAX};
use crate::ui::board::data::perform;
use crate::ui::context::use_app;
use crate::ui::i18n::{t_string, use_i18n, I18n};
use crate::ui::settings::department_text;
use crate::ui::widgets::terms::{action_text, hold_text, level_text, method_text, status_text};
use crate::ui::widgets::{fill, problem_text};

/// A step the user chose: which ticket (by id: the dialog follows the ticket in the cache,
/// so a change made meanwhile in another tab is shown, not a reason to close), which action.
pub type PendingAction = RwSignal<Option<(Uuid, Step)>>;

fn refusal_text(i18n: I18n, refusal: Refusal) -> String {
    match refusal {
        Refusal::NotAllowed { .. } => t_string!(i18n, act.not_allowed).to_string(),
        Refusal::NeedsSupervisor => t_string!(i18n, act.needs_supervisor).to_string(),
        Refusal::Invalid(field, problem) => {
            let label = match field {
                ActionField::Note => t_string!(i18n, act.note),
                ActionField::WorkDone => t_string!(i18n, act.work_done),
                ActionField::Score => t_string!(i18n, act.score),
            };
            format!("{label}: {}", problem_text(i18n, problem))
        }
    }
}

/// Renders the dialog while `pending` holds a step; `on_done` gets the confirmation text.
#[component]
pub fn ActionDialog(pending: PendingAction, #[prop(into)] on_done: Callback<String>) -> impl IntoView {
    view! {
        {move || pending.get().map(|(id, step)| view! { <ActionForm id=id step=step pending=pending on_done=on_done/> })}
    }
}

#[component]
fn ActionForm(id: Uuid, step: Step, pending: PendingAction, on_done: Callback<String>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let dialog = NodeRef::<Dialog>::new();
    // The ticket as the cache has it now, and as it was when the dialog opened.
    let current = Memo::new(move |_| ctx.cache.with(|c| c.ticket(id).cloned()));
    let Some(item) = current.get_untracked() else {
        pending.set(None);
        return ().into_any();
    };
    let opened_at = item.updated_at;
    let state = &item.state;
    let urgency = RwSignal::new(state.urgency);
    let importance = RwSignal::new(state.importance);
    let supervisor = ctx.role() == Some(StaffRole::Supervisor);
    // The department follows the category unless the ticket already has one; the people
    // offered are that department's, so the two cannot disagree. A department of one is
    // preselected.
    let department = RwSignal::new(state.department.unwrap_or_else(|| department_for(&item.ticket.category, item.ticket.kind)));
    let people_of = move |d: Department| ctx.site.with_untracked(|s| s.active_staff().filter(|m| m.department == d).map(|m| m.id).collect::<Vec<_>>());
    let default_person = move |d: Department, current: Option<Uuid>| {
        let people = people_of(d);
        match current {
            Some(c) if people.contains(&c) => Some(c),
            _ if people.len() == 1 => Some(people[0]),
            _ => None,
        }
    };
    let assignee = RwSignal::new(default_person(department.get_untracked(), state.assignee));
    // Which button sent the form: the step alone, or with the step that usually follows
    // (assess and dispatch; a supervisor's return visit and close) in one go.
    let with_next = RwSignal::new(false);
    let reason = RwSignal::new(HoldReason::Parts);
    let work_done = RwSignal::new(String::new());
    let cause = RwSignal::new(String::new());
    let method = RwSignal::new(ContactMethod::Phone);
    let score = RwSignal::new(5u8);
    let comment = RwSignal::new(String::new());
    let visitor = RwSignal::new(ctx.on_duty.get_untracked());
    let note = RwSignal::new(String::new());
    let refusal = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let kind = item.ticket.kind;
    let number = item.ticket.number.clone();
    // Changed since the dialog opened (another tab or tablet stepped it): say so, keep what
    // was typed, and check the step against the new state.
    let changed = move || current.with(|c| match c {
        None => Some(t_string!(i18n, act.gone).to_string()),
        Some(now) if now.updated_at != opened_at => {
            let mut text = fill(t_string!(i18n, act.changed), "status", status_text(i18n, now.state.status));
            if !offered_actions(now.state.status, kind).contains(&step) {
                text = format!("{text} {}", t_string!(i18n, act.not_allowed));
            }
            Some(text)
        }
        Some(_) => None,
    });
    let still_possible = move || current.with(|c| c.as_ref().is_some_and(|now| offered_actions(now.state.status, kind).contains(&step)));

    // Opened as a modal once mounted: focus moves in, Escape closes, the page behind is inert.
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            if !d.open() {
                let _ = d.show_modal();
            }
        }
    });
    let close = move || {
        if let Some(d) = dialog.get_untracked() {
            d.close();
        }
        pending.set(None);
    };

    let build = move || -> Vec<(Action, String)> {
        let note = note.get_untracked();
        let main = match step {
            Step::Assess => {
                let p = Priority::from_triage(urgency.get_untracked(), importance.get_untracked());
                let hours = ctx.site.with_untracked(|s| s.sla.hours_for(kind, p));
                Action::Assess { urgency: urgency.get_untracked(), importance: importance.get_untracked(), priority: p, hours }
            }
            Step::Dispatch => Action::Dispatch { department: department.get_untracked(), assignee: assignee.get_untracked() },
            Step::Reassign => Action::Reassign { department: department.get_untracked(), assignee: assignee.get_untracked() },
            Step::Start => Action::Start,
            Step::Hold => Action::Hold { reason: reason.get_untracked() },
            Step::Resume => Action::Resume,
            Step::Resolve => Action::Resolve { work_done: work_done.get_untracked(), cause: cause.get_untracked() },
            Step::ReturnVisit => Action::ReturnVisit {
                method: method.get_untracked(),
                score: score.get_untracked(),
                comment: comment.get_untracked(),
                visitor: visitor.get_untracked(),
            },
            Step::Close => Action::Close,
            Step::Reopen => Action::Reopen,
        };
        let next = match step {
            _ if !with_next.get_untracked() => None,
            Step::Assess => Some(Action::Dispatch { department: department.get_untracked(), assignee: assignee.get_untracked() }),
            Step::ReturnVisit => Some(Action::Close),
            _ => None,
        };
        std::iter::once((main, note)).chain(next.map(|a| (a, String::new()))).collect()
    };

    let number_for_submit = number.clone();
    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let steps = build();
        // The fields are checked here for a quick answer; the use case checks again against
        // the ticket as stored when it writes.
        let Some(mut status) = current.with_untracked(|c| c.as_ref().map(|i| i.state.status)) else {
            refusal.set(Some(t_string!(i18n, act.gone).to_string()));
            return;
        };
        for (action, text) in &steps {
            match check(status, kind, action, text, ctx.role()) {
                Ok(next) => status = next,
                Err(r) => {
                    refusal.set(Some(refusal_text(i18n, r)));
                    return;
                }
            }
        }
        refusal.set(None);
        saving.set(true);
        let number = number_for_submit.clone();
        spawn_local(async move {
            match perform(ctx, id, steps).await {
                Ok(reached) => {
                    let msg = fill(&fill(t_string!(i18n, act.saved), "number", &number), "status", status_text(i18n, reached));
                    close();
                    on_done.run(msg);
                }
                // The dialog stays open with what was typed; nothing was written.
                Err(StepError::Refused(r)) => {
                    refusal.try_set(Some(refusal_text(i18n, r)));
                    saving.try_set(false);
                }
                Err(StepError::Gone) => {
                    refusal.try_set(Some(t_string!(i18n, act.gone).to_string()));
                    saving.try_set(false);
                }
                Err(StepError::Store(e)) => {
                    ctx.storage_error.set(Some(e));
                    saving.try_set(false);
                }
            }
        });
    };

    // `only`: the people of the department chosen beside it (dispatch); anyone otherwise.
    let staff_options = move |only: Option<Department>| {
        ctx.site.with(|s| {
            s.active_staff()
                .filter(|m| only.is_none_or(|d| m.department == d))
                .map(|m| (m.id, format!("{} · {}", m.name, department_text(i18n, m.department))))
                .collect::<Vec<_>>()
        })
    };
    let person_select = move |id: &'static str, label: &'static str, signal: RwSignal<Option<Uuid>>, only: Option<RwSignal<Department>>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id prop:value=move || signal.get().map(|u| u.to_string()).unwrap_or_default()
                    on:change=move |ev| signal.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                    <option value="">{move || t_string!(i18n, act.assignee_none)}</option>
                    {move || staff_options(only.map(|d| d.get())).into_iter().map(|(id, name)| {
                        let selected = signal.get_untracked() == Some(id);
                        view! { <option value=id.to_string() selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
    };
    let level_choice = move |name: &'static str, signal: RwSignal<Level>| {
        Level::ALL
            .into_iter()
            .map(move |l| {
                let id = format!("act-{name}-{}", if l == Level::High { "high" } else { "low" });
                view! {
                    <label for=id.clone() class="choice-item">
                        <input type="radio" name=name id=id.clone() prop:checked=move || signal.get() == l on:change=move |_| signal.set(l)/>
                        <span class="choice">{move || level_text(i18n, l)}</span>
                    </label>
                }
            })
            .collect_view()
    };

    let dispatch_fields = move || view! {
        <div class="field">
            <label for="act-department">{t_string!(i18n, board.department)}</label>
            <select id="act-department" prop:value=move || department.get().key()
                on:change=move |ev| if let Some(d) = Department::from_key(&event_target_value(&ev)) {
                    department.set(d);
                    assignee.set(default_person(d, assignee.get_untracked()));
                }>
                {Department::ALL.into_iter().map(|d| view! {
                    <option value=d.key() selected=move || department.get_untracked() == d>{department_text(i18n, d)}</option>
                }).collect_view()}
            </select>
        </div>
        {person_select("act-assignee", t_string!(i18n, board.assignee), assignee, Some(department))}
    };

    let fields = match step {
        Step::Assess => view! {
            <div class="choices" role="radiogroup" aria-labelledby="act-urgency-label">
                <span id="act-urgency-label" class="choices-label">{t_string!(i18n, intake.urgency)}</span>
                {level_choice("urgency", urgency)}
            </div>
            <div class="choices" role="radiogroup" aria-labelledby="act-importance-label">
                <span id="act-importance-label" class="choices-label">{t_string!(i18n, intake.importance)}</span>
                {level_choice("importance", importance)}
            </div>
            <p class="priority-preview" aria-live="polite">{move || {
                let p = Priority::from_triage(urgency.get(), importance.get());
                let h = ctx.site.with(|s| s.sla.hours_for(kind, p));
                let t = fill(t_string!(i18n, act.priority_hours), "priority", p.label());
                fill(&fill(&t, "respond", &h.respond.to_string()), "resolve", &h.resolve.to_string())
            }}</p>
            // Used by "Assess and dispatch"; "Confirm" assesses only.
            <fieldset class="dispatch-now">
                <legend>{t_string!(i18n, act.dispatch_to)}</legend>
                {dispatch_fields()}
            </fieldset>
        }.into_any(),
        Step::Dispatch | Step::Reassign => dispatch_fields().into_any(),
        Step::Hold => view! {
            <div class="field">
                <label for="act-reason">{t_string!(i18n, act.reason)}</label>
                <select id="act-reason" on:change=move |ev| if let Some(r) = HoldReason::from_key(&event_target_value(&ev)) { reason.set(r) }>
                    {HoldReason::ALL.into_iter().map(|r| view! { <option value=r.key()>{hold_text(i18n, r)}</option> }).collect_view()}
                </select>
            </div>
        }.into_any(),
        Step::Resolve => view! {
            <div class="field">
                <label for="act-work-done">{t_string!(i18n, act.work_done)}<span class="field-required">{format!(" ({})", t_string!(i18n, intake.required_mark))}</span></label>
                <textarea id="act-work-done" rows="3" maxlength=NOTE_MAX aria-required="true"
                    prop:value=move || work_done.get() on:input=move |ev| work_done.set(event_target_value(&ev))></textarea>
            </div>
            <div class="field">
                <label for="act-cause">{t_string!(i18n, act.cause)}</label>
                <input id="act-cause" type="text" autocomplete="off" maxlength=NOTE_MAX prop:value=move || cause.get() on:input=move |ev| cause.set(event_target_value(&ev))/>
            </div>
        }.into_any(),
        Step::ReturnVisit => view! {
            <div class="field">
                <label for="act-method">{t_string!(i18n, act.method)}</label>
                <select id="act-method" on:change=move |ev| if let Some(m) = ContactMethod::from_key(&event_target_value(&ev)) { method.set(m) }>
                    {ContactMethod::ALL.into_iter().map(|m| view! { <option value=m.key()>{method_text(i18n, m)}</option> }).collect_view()}
                </select>
            </div>
            <fieldset class="choices">
                <legend>{t_string!(i18n, act.score)}</legend>
                {(1..=5u8).map(|n| {
                    let id = format!("act-score-{n}");
                    view! {
                        <label for=id.clone() class="choice-item">
                            <input type="radio" name="score" id=id.clone() prop:checked=move || score.get() == n on:change=move |_| score.set(n)/>
                            <span class="choice">{fill(t_string!(i18n, act.score_n), "n", &n.to_string())}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            <div class="field">
                <label for="act-comment">{t_string!(i18n, act.comment)}</label>
                <textarea id="act-comment" rows="2" maxlength=NOTE_MAX prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            </div>
            {person_select("act-visitor", t_string!(i18n, act.visitor), visitor, None)}
        }.into_any(),
        _ => ().into_any(),
    };
    let note_label = move || {
        let required = step.needs_note(reason.get());
        if required { t_string!(i18n, act.note_required) } else { t_string!(i18n, act.note) }
    };
    // The step that usually follows, offered as a second button: dispatch after assessing;
    // closing after a return visit, for a supervisor (the one who may close).
    let next_label = match step {
        Step::Assess => Some(t_string!(i18n, act.assess_dispatch)),
        Step::ReturnVisit if supervisor => Some(t_string!(i18n, act.visit_close)),
        _ => None,
    };
    let title = fill(&fill(t_string!(i18n, act.title), "action", action_text(i18n, step.key())), "number", &number);

    view! {
        <dialog node_ref=dialog class="quick-dialog action-dialog" aria-labelledby="act-title"
            on:close=move |_| pending.set(None)>
            <form autocomplete="off" on:submit=on_submit novalidate=true data-testid="action-form">
                <h2 id="act-title">{title}</h2>
                {fields}
                <div class="field">
                    <label for="act-note">{note_label}</label>
                    <textarea id="act-note" rows="2" maxlength=NOTE_MAX prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </div>
                {move || changed().map(|text| view! { <p class="notice notice-warn" role="status" data-testid="action-changed">{text}</p> })}
                <p class="field-error" role="alert" data-testid="action-refusal">{move || refusal.get()}</p>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get() || !still_possible()
                        on:click=move |_| with_next.set(false)>{t_string!(i18n, act.confirm)}</button>
                    {next_label.map(|label| view! {
                        <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get() || !still_possible()
                            on:click=move |_| with_next.set(true)>{label}</button>
                    })}
                    <button type="button" class="btn" on:click=move |_| close()>{t_string!(i18n, act.cancel)}</button>
                </div>
            </form>
        </dialog>
    }
    .into_any()
}

/// A step's button. A step that is the supervisor's (close, reopen) shows, to anyone else on
/// duty, disabled with the reason beside it, instead of being refused after Confirm.
/// `number` names the ticket in the button's name where several tickets' buttons are shown.
#[component]
pub fn StepButton(
    ticket: Uuid,
    step: Step,
    pending: PendingAction,
    #[prop(optional)] number: Option<String>,
    #[prop(optional)] small: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let key = step.key();
    let allowed = move || {
        !step.needs_supervisor()
            || ctx.on_duty.get().and_then(|id| ctx.site.with(|s| s.staff(id).map(|m| m.role))) == Some(StaffRole::Supervisor)
    };
    let why_id = format!("why-{key}-{ticket}");
    let described_by = why_id.clone();
    let label = move || {
        number.as_ref().map(|n| fill(&fill(t_string!(i18n, act.title), "action", action_text(i18n, key)), "number", n))
    };
    view! {
        <span class="step-button">
            <button type="button" class=if small { "btn btn-small" } else { "btn" } data-action=key aria-label=label
                prop:disabled=move || !allowed() aria-describedby=move || (!allowed()).then(|| described_by.clone())
                on:click=move |_| pending.set(Some((ticket, step)))>{move || action_text(i18n, key)}</button>
            <Show when=move || !allowed()>
                <span class="step-why" id=why_id.clone()>{move || t_string!(i18n, act.supervisor_only)}</span>
            </Show>
        </span>
    }
}
