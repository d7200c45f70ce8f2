//! Settings: site and device, and the staff roster. Every change is validated by the
//! domain, written to IndexedDB, and shown as saved only after the write committed.

mod intake_rules;
pub mod sign_in;
mod targets;
pub use targets::target_label;

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::domain::settings::{
    Department, SettingsField, SiteForm, SiteSettings, StaffRole, DEVICE_NAME_MAX, SITE_CODE_MAX, SITE_NAME_MAX,
    STAFF_NAME_MAX,
};
use crate::domain::validation::Problem;
use crate::app::settings::{edit_roster, EditError, RosterEdit};
use crate::store::StoreError;
use crate::ui::context::{use_app, AppContext};
use crate::ui::i18n::{t, t_string, use_i18n, I18n};
use crate::ui::widgets::draft::{DraftKeeper, DraftOffer};
use crate::ui::widgets::{fill, TextField};

pub fn role_text(i18n: I18n, role: StaffRole) -> &'static str {
    match role {
        StaffRole::Patrol => t_string!(i18n, role.patrol),
        StaffRole::CustomerService => t_string!(i18n, role.customer_service),
        StaffRole::Technician => t_string!(i18n, role.technician),
        StaffRole::Supervisor => t_string!(i18n, role.supervisor),
    }
}

pub fn department_text(i18n: I18n, dept: Department) -> &'static str {
    match dept {
        Department::Engineering => t_string!(i18n, dept.engineering),
        Department::Security => t_string!(i18n, dept.security),
        Department::Cleaning => t_string!(i18n, dept.cleaning),
        Department::Landscaping => t_string!(i18n, dept.landscaping),
        Department::CustomerService => t_string!(i18n, dept.customer_service),
    }
}

/// Writes new site settings and device name; updates the app state only once committed.
/// Saves the site settings for one Settings section: `saving` is set while the write is under
/// way (so a second tap does nothing) and `status` shows `message` once it has committed; a
/// failure is shown by the storage notice.
pub(crate) fn save_section(ctx: AppContext, site: SiteSettings, saving: RwSignal<bool>, status: RwSignal<Option<&'static str>>, message: &'static str) {
    saving.set(true);
    leptos::task::spawn_local(async move {
        match persist(ctx, site, None).await {
            Ok(()) => status.set(Some(message)),
            Err(e) => ctx.storage_error.set(Some(e)),
        }
        saving.set(false);
    });
}

/// Writes new site settings (and the device's new name) through the use case; the app shows
/// them only once committed.
pub(crate) async fn persist(ctx: AppContext, site: SiteSettings, device_name: Option<String>) -> Result<(), StoreError> {
    let store = ctx.store()?;
    let device = ctx.device.get_untracked();
    let renaming = device.as_ref().zip(device_name);
    let (site, renamed) = crate::app::settings::save_site(&store, site, renaming).await?;
    committed(ctx, site, renamed);
    Ok(())
}

/// Settings a use case committed: shown here, announced to the other tabs.
pub(crate) fn committed(ctx: AppContext, site: SiteSettings, device: Option<crate::domain::settings::DeviceIdentity>) {
    ctx.site.set(site);
    crate::platform::broadcast::announce(crate::platform::broadcast::Topic::Settings);
    // The first real save is when to ask the browser to keep our data.
    spawn_local(async {
        crate::platform::health::request_persistence().await;
    });
    if device.is_some() {
        ctx.device.set(device);
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    view! {
        <section class="settings" aria-labelledby="view-title">
            <h1 id="view-title">{t!(i18n, settings.title)}</h1>
            <Show when=move || ctx.loaded.get() fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
              <Show when=move || ctx.may_administer()
                  fallback=move || view! { <p class="notice" data-testid="supervisor-only">{t!(i18n, sign_in.only_supervisor)}</p> }>
                <SiteSection/>
                <RosterSection/>
                <intake_rules::CategoriesSection/>
                <intake_rules::SlaSection/>
                <targets::TargetsSection/>
                <sign_in::SignInSection/>
              </Show>
            </Show>
        </section>
    }
}

#[component]
fn SiteSection() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let site = ctx.site.get_untracked();
    let site_name = RwSignal::new(site.site_name.clone());
    let site_code = RwSignal::new(site.site_code.clone());
    let device_name = RwSignal::new(ctx.device.get_untracked().map(|d| d.name).unwrap_or_default());
    let submitted = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let saved = RwSignal::new(false);

    let form = move || SiteForm { site_name: site_name.get(), site_code: site_code.get(), device_name: device_name.get() };
    let form_untracked = move || SiteForm {
        site_name: site_name.get_untracked(),
        site_code: site_code.get_untracked(),
        device_name: device_name.get_untracked(),
    };
    let draft = DraftKeeper::new("site-settings", form, &form_untracked(), move |restored: SiteForm| {
        site_name.set(restored.site_name);
        site_code.set(restored.site_code);
        device_name.set(restored.device_name);
    });
    // Problems appear after the first submit and then follow the user's typing.
    let problem_of = move |field: SettingsField| {
        Signal::derive(move || {
            if !submitted.get() {
                return None;
            }
            form().validate().err().and_then(|ps| ps.into_iter().find(|(f, _)| *f == field).map(|(_, p)| p))
        })
    };

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        submitted.set(true);
        saved.set(false);
        let values = match form().validate() {
            Ok(values) => values,
            Err(ps) => {
                // Said beside the button too, and the first field to fix gets the focus.
                if let Some((field, _)) = ps.first() {
                    crate::ui::widgets::focus_by_id(match field {
                        SettingsField::SiteName => "site-name",
                        SettingsField::SiteCode => "site-code",
                        SettingsField::DeviceName => "device-name",
                    });
                }
                return;
            }
        };
        let mut site = ctx.site.get_untracked();
        site.site_name = values.site_name.clone();
        site.site_code = values.site_code.clone();
        site_code.set(values.site_code);
        saving.set(true);
        spawn_local(async move {
            match persist(ctx, site, Some(values.device_name)).await {
                Ok(()) => {
                    saved.set(true);
                    draft.saved(&form_untracked());
                }
                Err(e) => ctx.storage_error.set(Some(e)),
            }
            saving.set(false);
        });
    };

    view! {
        <form autocomplete="off" class="card" on:submit=on_submit novalidate=true data-testid="site-form">
            <h2>{t!(i18n, settings.site_section)}</h2>
            <DraftOffer keeper=draft/>
            <TextField id="site-name" value=site_name maxlength=SITE_NAME_MAX
                label=Signal::derive(move || t_string!(i18n, settings.site_name).to_string())
                hint=Signal::derive(move || t_string!(i18n, settings.site_name_hint).to_string())
                problem=problem_of(SettingsField::SiteName)/>
            <TextField id="site-code" value=site_code maxlength=SITE_CODE_MAX
                label=Signal::derive(move || t_string!(i18n, settings.site_code).to_string())
                hint=Signal::derive(move || t_string!(i18n, settings.site_code_hint).to_string())
                problem=problem_of(SettingsField::SiteCode)/>
            <TextField id="device-name" value=device_name maxlength=DEVICE_NAME_MAX
                label=Signal::derive(move || t_string!(i18n, settings.device_name).to_string())
                hint=Signal::derive(move || t_string!(i18n, settings.device_name_hint).to_string())
                problem=problem_of(SettingsField::DeviceName)/>
            <dl class="facts">
                <dt>{t!(i18n, settings.device_id)}</dt>
                <dd data-testid="device-id">{move || ctx.device.get().map(|d| d.id.to_string()).unwrap_or_default()}</dd>
                <dt>{t!(i18n, settings.version)}</dt>
                <dd data-testid="build-id">{crate::platform::build_id()}</dd>
            </dl>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get()>{t!(i18n, settings.save)}</button>
                <span class="saved-note" role="status">{move || saved.get().then(|| t_string!(i18n, settings.saved))}</span>
                <span class="field-error" role="status" data-testid="site-form-problems">{move || {
                    let count = if submitted.get() { form().validate().err().map_or(0, |ps| ps.len()) } else { 0 };
                    (count > 0).then(|| fill(t_string!(i18n, settings.not_saved), "count", &count.to_string()))
                }}</span>
            </div>
        </form>
    }
}

#[component]
fn RosterSection() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(StaffRole::Patrol);
    let dept = RwSignal::new(Department::Security);
    // `Some(id)` while editing an existing member.
    let editing = RwSignal::new(None::<Uuid>);
    let problem = RwSignal::new(None::<Problem>);
    let status = RwSignal::new(None::<&'static str>);
    let saving = RwSignal::new(false);

    // Back to the defaults after every add or edit: the next person's role and department are
    // chosen for them, never carried over from the last one.
    let reset = move || {
        name.set(String::new());
        role.set(StaffRole::Patrol);
        dept.set(Department::Security);
        editing.set(None);
        problem.set(None);
    };

    let save = move |edit: RosterEdit, message: &'static str| {
        saving.set(true);
        spawn_local(async move {
            let result = match ctx.store() {
                Ok(store) => edit_roster(&store, &ctx.site.get_untracked(), edit).await,
                Err(e) => Err(EditError::Store(e)),
            };
            match result {
                Ok(site) => {
                    committed(ctx, site, None);
                    status.set(Some(message));
                    reset();
                }
                Err(EditError::Invalid(p)) => problem.set(Some(p)),
                Err(EditError::Store(e)) => ctx.storage_error.set(Some(e)),
            }
            saving.set(false);
        });
    };

    let on_submit = move |ev: web_sys::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        status.set(None);
        let site = ctx.site.get_untracked();
        let typed = name.get_untracked();
        let editing_id = editing.get_untracked();
        // Checked here too, so the problem shows at once beside the field.
        if let Err(p) = crate::domain::settings::validate_staff_name(&site, &typed, editing_id) {
            problem.set(Some(p));
            return;
        }
        problem.set(None);
        let (role, department) = (role.get_untracked(), dept.get_untracked());
        match editing_id {
            Some(id) => save(RosterEdit::Update { id, name: typed, role, department }, t_string!(i18n, settings.staff_updated)),
            None => save(RosterEdit::Add { id: Uuid::now_v7(), name: typed, role, department }, t_string!(i18n, settings.staff_added)),
        }
    };

    // Once a problem is shown, re-check as the user types so it clears when fixed.
    Effect::new(move |_| {
        let typed = name.get();
        if problem.get_untracked().is_some() {
            let site = ctx.site.get_untracked();
            problem.set(crate::domain::settings::validate_staff_name(&site, &typed, editing.get_untracked()).err());
        }
    });

    let retire = move |id: Uuid| {
        if saving.get_untracked() {
            return;
        }
        if ctx.on_duty.get_untracked() == Some(id) {
            crate::ui::shell::remember(ctx, crate::platform::prefs::store_on_duty(None));
            ctx.on_duty.set(None);
        }
        save(RosterEdit::Retire(id), t_string!(i18n, settings.staff_retired));
    };

    let start_edit = move |id: Uuid| {
        if let Some(m) = ctx.site.get_untracked().staff(id) {
            name.set(m.name.clone());
            role.set(m.role);
            dept.set(m.department);
            editing.set(Some(id));
            problem.set(None);
            crate::ui::widgets::focus_by_id("staff-name");
        }
    };

    let active_members = move || ctx.site.get().active_staff().cloned().collect::<Vec<_>>();

    view! {
        <section class="card" aria-labelledby="roster-title">
            <h2 id="roster-title">{t!(i18n, settings.roster_section)}</h2>
            <Show when=move || ctx.site.get().active_staff().next().is_some()
                fallback=move || view! { <p class="empty">{t!(i18n, settings.roster_empty)}</p> }>
                <ul class="roster" data-testid="roster">
                    <For each=active_members
                        key=|m| (m.id, m.name.clone(), m.role, m.department)
                        children=move |member| {
                            let id = member.id;
                            let member_name = member.name.clone();
                            let edit_name = member.name.clone();
                            view! {
                                <li class="roster-row">
                                    <span class="roster-name">{member_name.clone()}</span>
                                    <span class="roster-meta">
                                        {move || role_text(i18n, member.role)}" · "{move || department_text(i18n, member.department)}
                                    </span>
                                    <button type="button" class="btn"
                                        aria-label=move || fill(t_string!(i18n, settings.edit_label), "name", &edit_name)
                                        on:click=move |_| start_edit(id)>{t!(i18n, settings.edit)}</button>
                                    <button type="button" class="btn btn-danger"
                                        aria-label=move || fill(t_string!(i18n, settings.retire_label), "name", &member_name)
                                        on:click=move |_| retire(id)>{t!(i18n, settings.retire)}</button>
                                </li>
                            }
                        }
                    />
                </ul>
            </Show>
            <form autocomplete="off" class="staff-form" on:submit=on_submit novalidate=true data-testid="staff-form">
                <TextField id="staff-name" value=name maxlength=STAFF_NAME_MAX
                    label=Signal::derive(move || t_string!(i18n, settings.staff_name).to_string())
                    problem=Signal::derive(move || problem.get())/>
                <div class="field">
                    <label for="staff-role">{t!(i18n, settings.role)}</label>
                    <select id="staff-role" prop:value=move || role.get().key()
                        on:change=move |ev| if let Some(r) = StaffRole::from_key(&event_target_value(&ev)) { role.set(r) }>
                        {StaffRole::ALL.into_iter().map(|r| view! {
                            <option value=r.key()>{move || role_text(i18n, r)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="staff-dept">{t!(i18n, settings.department)}</label>
                    <select id="staff-dept" prop:value=move || dept.get().key()
                        on:change=move |ev| if let Some(d) = Department::from_key(&event_target_value(&ev)) { dept.set(d) }>
                        {Department::ALL.into_iter().map(|d| view! {
                            <option value=d.key()>{move || department_text(i18n, d)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" prop:disabled=move || saving.get()>
                        {move || if editing.get().is_some() { t_string!(i18n, settings.save_staff) } else { t_string!(i18n, settings.add_staff) }}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" class="btn" on:click=move |_| reset()>{t!(i18n, settings.cancel)}</button>
                    </Show>
                    <span class="saved-note" role="status">{move || status.get()}</span>
                </div>
            </form>
        </section>
    }
}
