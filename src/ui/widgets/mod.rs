//! Controls shared by every feature.

pub mod draft;
pub mod terms;

use leptos::prelude::*;

use crate::domain::validation::Problem;
use crate::ui::i18n::{t_string, use_i18n, I18n};

/// Fills a `{name}` placeholder in a catalogue string. The catalogues use single braces
/// for values filled here, because leptos_i18n's own interpolation does not produce plain
/// strings (needed for attributes such as `aria-label`) with the `load_locales!` macro.
pub fn fill(template: &str, name: &str, value: &str) -> String {
    template.replace(&format!("{{{name}}}"), value)
}

/// [`fill`] for `{count}`, reading "1 record" rather than "1 records" in English (the
/// Chinese texts have no plural to change).
pub fn fill_count(template: &str, count: usize) -> String {
    let template = if count == 1 { template.replace("{count} records", "{count} record").replace("{count} files", "{count} file") } else { template.to_owned() };
    fill(&template, "count", &count.to_string())
}

/// Moves keyboard focus to the element `id` (the first field with a problem, a dialog's
/// first control); nothing happens if it is not on the page.
pub fn focus_by_id(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The message for a field problem, in the current language.
pub fn problem_text(i18n: I18n, problem: Problem) -> String {
    match problem {
        Problem::Required => t_string!(i18n, problem.required).to_string(),
        Problem::TooLong { max } => fill(t_string!(i18n, problem.too_long), "max", &max.to_string()),
        Problem::Duplicate => t_string!(i18n, problem.duplicate).to_string(),
        Problem::InvalidFormat => t_string!(i18n, problem.invalid_format).to_string(),
        Problem::InFuture => t_string!(i18n, problem.in_future).to_string(),
        Problem::TooOld { days } => fill(t_string!(i18n, problem.too_old), "days", &days.to_string()),
        Problem::OutOfRange { min, max } => {
            fill(&fill(t_string!(i18n, problem.out_of_range), "min", &min.to_string()), "max", &max.to_string())
        }
    }
}

/// A labelled text input with its hint and its problem shown beside it. The problem is
/// linked with `aria-describedby` and marks the input `aria-invalid`, so screen readers
/// announce it with the field.
#[component]
pub fn TextField(
    /// Element id; also the stem of the hint and error ids.
    id: &'static str,
    /// The visible label (already translated, reactive).
    #[prop(into)]
    label: Signal<String>,
    /// Optional hint under the label.
    #[prop(optional, into)]
    hint: Option<Signal<String>>,
    value: RwSignal<String>,
    /// The current problem with this field, if any.
    #[prop(into)]
    problem: Signal<Option<Problem>>,
    #[prop(optional)] maxlength: Option<usize>,
    /// Marks the field as required (a visible word, and `aria-required`).
    #[prop(optional, into)]
    required: Signal<bool>,
    /// The input's type (`text` unless given, e.g. `tel`, `datetime-local`).
    #[prop(optional)]
    input_type: Option<&'static str>,
    /// Which on-screen keyboard a tablet shows (`tel`, `numeric`).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// Renders a multi-line `<textarea>` instead of an input.
    #[prop(optional)]
    multiline: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        let has_hint = hint.is_some();
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if problem.get().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:field-invalid=move || problem.get().is_some()>
            <label for=id>
                {move || label.get()}
                <Show when=move || required.get()>
                    <span class="field-required">{move || format!(" ({})", t_string!(i18n, intake.required_mark))}</span>
                </Show>
            </label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{move || h.get()}</p> })}
            {if multiline {
                view! {
                    <textarea id=id rows="4"
                        maxlength=maxlength.map(|m| m.to_string())
                        aria-required=move || required.get().then_some("true")
                        aria-invalid=move || problem.get().is_some().then_some("true")
                        aria-describedby=described.clone()
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))></textarea>
                }.into_any()
            } else {
                view! {
                    <input id=id type=input_type.unwrap_or("text") autocomplete="off" inputmode=inputmode
                        maxlength=maxlength.map(|m| m.to_string())
                        aria-required=move || required.get().then_some("true")
                        aria-invalid=move || problem.get().is_some().then_some("true")
                        aria-describedby=described.clone()
                        prop:value=move || value.get()
                        on:input=move |ev| value.set(event_target_value(&ev))/>
                }.into_any()
            }}
            <p class="field-error" id=error_id aria-live="polite">
                {move || problem.get().map(|p| problem_text(i18n, p))}
            </p>
        </div>
    }
}
