//! Keeps a form's unsaved state in the `drafts` store and offers it back after the tab was
//! closed or killed. Writes are debounced while the user types and flushed at once when the
//! page is hidden or torn down (`visibilitychange`, `pagehide`): on a tablet those are the
//! last moments a page is sure to run.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

use crate::domain::draft::Draft;
use crate::domain::locale::format_datetime;
use crate::store::DraftStore;
use crate::ui::context::{use_app, AppContext};
use crate::ui::i18n::{t, t_string, use_i18n};
use crate::ui::widgets::fill;

/// Quiet time after the last keystroke before the draft is written.
const DEBOUNCE_MS: u64 = 600;

/// A form's link to its draft. Copy, so event handlers can hold it.
#[derive(Clone, Copy)]
pub struct DraftKeeper {
    form: StoredValue<String>,
    /// What the form shows when nothing was typed; equal to it means "no draft".
    pristine: StoredValue<Value>,
    /// Typed but not yet written.
    pending: StoredValue<Option<Value>>,
    timer: StoredValue<Option<TimeoutHandle>>,
    /// A draft found at start, waiting for the user to restore or discard it.
    offer: RwSignal<Option<Draft>>,
    /// Set once the stored draft has been looked for (tests wait for it, not for time).
    checked: RwSignal<bool>,
    restore: StoredValue<Option<Callback<Value>>>,
    /// Held here because timers and page events run outside any reactive owner.
    ctx: AppContext,
}

impl DraftKeeper {
    /// Starts keeping a draft of `form`. `current` reads the form's fields (reactively),
    /// `pristine` is what the form starts with, `restore` puts a draft's fields back.
    pub fn new<T>(
        form: impl Into<String>,
        current: impl Fn() -> T + Send + Sync + 'static,
        pristine: &T,
        restore: impl Fn(T) + Send + Sync + 'static,
    ) -> Self
    where
        T: Serialize + DeserializeOwned + 'static,
    {
        let keeper = DraftKeeper {
            ctx: use_app(),
            form: StoredValue::new(form.into()),
            pristine: StoredValue::new(serde_json::to_value(pristine).unwrap_or(Value::Null)),
            pending: StoredValue::new(None),
            timer: StoredValue::new(None),
            offer: RwSignal::new(None),
            checked: RwSignal::new(false),
            restore: StoredValue::new(Some(Callback::new(move |value: Value| {
                // A draft from an older app version may not fit the form any more; then it
                // is not offered rather than half-applied.
                if let Ok(fields) = serde_json::from_value::<T>(value) {
                    restore(fields);
                }
            }))),
        };
        keeper.look_for_saved_draft();

        // Skip the first run: the form's initial state is not something the user typed.
        Effect::new(move |seen: Option<()>| {
            let value = serde_json::to_value(current()).unwrap_or(Value::Null);
            if seen.is_some() {
                keeper.changed(value);
            }
        });
        let flush_on_hide = window_event_listener_untyped("visibilitychange", move |_| {
            let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
            if hidden {
                keeper.flush();
            }
        });
        let flush_on_pagehide = window_event_listener_untyped("pagehide", move |_| keeper.flush());
        on_cleanup(move || {
            keeper.flush();
            flush_on_hide.remove();
            flush_on_pagehide.remove();
        });
        keeper
    }

    fn look_for_saved_draft(self) {
        let ctx = self.ctx;
        let form = self.form.get_value();
        spawn_local(async move {
            // A form mounted before storage opened (the quick report lives in the header)
            // waits for it rather than never offering its draft back.
            let store = loop {
                if let Some(store) = ctx.store.get_value() {
                    break store;
                }
                if ctx.loaded.get_untracked() {
                    self.checked.set(true);
                    return;
                }
                crate::platform::sleep_ms(50).await;
            };
            if let Ok(Some(draft)) = store.load_draft(&form).await {
                // The form may be gone by now (the user moved on).
                if self.pristine.try_with_value(|p| draft.differs_from(p)) == Some(true) {
                    self.offer.set(Some(draft));
                }
            }
            self.checked.set(true);
        });
    }

    fn changed(self, value: Value) {
        self.cancel_timer();
        if self.pristine.with_value(|p| *p == value) {
            // Back to where the form started: nothing to keep, unless a found draft is still
            // on offer (the user has not answered yet).
            self.pending.set_value(None);
            if self.offer.get_untracked().is_none() {
                self.forget();
            }
            return;
        }
        self.pending.set_value(Some(value));
        if let Ok(handle) = set_timeout_with_handle(move || self.flush(), std::time::Duration::from_millis(DEBOUNCE_MS)) {
            self.timer.set_value(Some(handle));
        }
    }

    fn cancel_timer(self) {
        if let Some(handle) = self.timer.try_update_value(|t| t.take()).flatten() {
            handle.clear();
        }
    }

    /// Writes what was typed now, if anything is waiting.
    pub fn flush(self) {
        self.cancel_timer();
        let Some(fields) = self.pending.try_update_value(|p| p.take()).flatten() else { return };
        // A timer may fire after its form was torn down (timers run late when the page was
        // asleep): what it held was already written by the teardown's flush.
        let Some(form) = self.form.try_get_value() else { return };
        let ctx = self.ctx;
        let draft = Draft { form, saved_at_ms: js_sys::Date::now() as i64, fields };
        spawn_local(async move {
            let Some(store) = ctx.store.get_value() else { return };
            if let Err(e) = store.save_draft(&draft).await {
                ctx.storage_error.set(Some(e));
            }
        });
    }

    /// The form was saved (or reset on purpose): drop the draft, and treat `now_showing` as
    /// the form's new starting point.
    pub fn saved<T: Serialize>(self, now_showing: &T) {
        self.cancel_timer();
        self.pending.set_value(None);
        self.pristine.set_value(serde_json::to_value(now_showing).unwrap_or(Value::Null));
        self.offer.set(None);
        self.forget();
    }

    fn forget(self) {
        let ctx = self.ctx;
        let form = self.form.get_value();
        spawn_local(async move {
            if let Some(store) = ctx.store.get_value() {
                if let Err(e) = store.discard_draft(&form).await {
                    ctx.storage_error.set(Some(e));
                }
            }
        });
    }
}

/// Shows a found draft with "Restore" and "Discard". Put it at the top of the form.
#[component]
pub fn DraftOffer(keeper: DraftKeeper) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_app();
    let when = move |draft: &Draft| {
        let instant = chrono::DateTime::from_timestamp_millis(draft.saved_at_ms).unwrap_or_default();
        format_datetime(ctx.lang.get(), instant, crate::platform::utc_offset_minutes())
    };
    view! {
        <span hidden data-testid="draft-checked" data-checked=move || keeper.checked.get().to_string()></span>
        {move || keeper.offer.get().map(|draft| {
            let message = fill(t_string!(i18n, draft.found), "time", &when(&draft));
            let fields = draft.fields.clone();
            view! {
                <div class="notice notice-draft" role="status" data-testid="draft-offer">
                    <span>{message}</span>
                    <button type="button" class="btn btn-primary" on:click=move |_| {
                        if let Some(restore) = keeper.restore.get_value() {
                            restore.run(fields.clone());
                        }
                        keeper.offer.set(None);
                    }>{t!(i18n, draft.restore)}</button>
                    <button type="button" class="btn" on:click=move |_| {
                        keeper.offer.set(None);
                        keeper.forget();
                    }>{t!(i18n, draft.discard)}</button>
                </div>
            }
        })}
    }
}
