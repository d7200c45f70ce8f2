//! Attaching photos to a form: take or pick, process on the device, show thumbnails that can
//! be removed before saving. The photos are stored only when the form is saved.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::domain::photo::MAX_PER_TICKET;
use crate::platform::photos::{self, Photo, PhotoError, MAX_INPUT_MB};
use crate::ui::i18n::{t_string, use_i18n};
use crate::ui::widgets::fill;

/// A processed photo and the object URL its thumbnail shows.
#[derive(Clone)]
pub struct Attached {
    pub photo: Photo,
    pub url: String,
}

/// Photos attached to a form so far. Local: Blobs cannot leave the browser thread.
pub type AttachedPhotos = RwSignal<Vec<Attached>, LocalStorage>;

/// Releases the thumbnails' object URLs (after saving, or when the form goes away).
pub fn clear(photos: AttachedPhotos) {
    for a in photos.get_untracked() {
        photos::revoke(&a.url);
    }
    photos.set(Vec::new());
}

/// The photo control. `busy` is true while files are being processed, so the form can
/// wait for them before saving.
#[component]
pub fn PhotoPicker(
    /// Element id of the file input that picks photos already taken; the camera's is
    /// `{id}-camera`.
    id: &'static str,
    photos: AttachedPhotos,
    busy: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let messages = RwSignal::new(Vec::<String>::new());
    let camera_id = format!("{id}-camera");

    let on_change = move |ev: web_sys::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let files: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // Cleared so choosing the same file again fires `change` again.
        input.set_value("");
        if files.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        messages.set(Vec::new());
        spawn_local(async move {
            let mut notes = Vec::new();
            for file in files {
                let name = file.name();
                if photos.with_untracked(Vec::len) >= MAX_PER_TICKET {
                    notes.push(fill(t_string!(i18n, intake.photo_limit), "max", &MAX_PER_TICKET.to_string()));
                    break;
                }
                match photos::process(&file).await {
                    Ok(photo) => {
                        let known = photos.with_untracked(|v| v.iter().any(|a| a.photo.meta.sha256 == photo.meta.sha256));
                        if known {
                            notes.push(t_string!(i18n, intake.photo_duplicate).to_string());
                        } else if let Some(url) = photos::object_url(&photo.blob) {
                            photos.update(|v| v.push(Attached { photo, url }));
                        }
                    }
                    Err(PhotoError::NotImage) => notes.push(fill(t_string!(i18n, intake.photo_not_image), "name", &name)),
                    Err(PhotoError::TooLarge) => notes.push(fill(
                        &fill(t_string!(i18n, intake.photo_too_large), "name", &name),
                        "max",
                        &MAX_INPUT_MB.to_string(),
                    )),
                    Err(PhotoError::Failed(_)) => notes.push(fill(t_string!(i18n, intake.photo_failed), "name", &name)),
                }
            }
            messages.set(notes);
            busy.set(false);
        });
    };

    on_cleanup(move || {
        if let Some(list) = photos.try_get_untracked() {
            for a in list {
                photos::revoke(&a.url);
            }
        }
    });

    let remove = move |index: usize| {
        photos.update(|v| {
            if index < v.len() {
                let removed = v.remove(index);
                photos::revoke(&removed.url);
            }
        });
    };

    view! {
        <fieldset class="photos">
            <legend>{move || t_string!(i18n, intake.photos)}</legend>
            <ul class="photo-list" data-testid="photo-list">
                {move || photos.get().into_iter().enumerate().map(|(i, a)| {
                    let n = (i + 1).to_string();
                    let alt = fill(t_string!(i18n, intake.photo_alt), "n", &n);
                    let label = fill(t_string!(i18n, intake.remove_photo), "n", &n);
                    view! {
                        <li class="photo-item">
                            <img src=a.url alt=alt width=a.photo.meta.width height=a.photo.meta.height/>
                            <button type="button" class="btn btn-danger photo-remove" aria-label=label
                                on:click=move |_| remove(i)>"×"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            // Two ways in: the camera at once, or a photo already taken (with `capture` alone an
            // Android tablet opened only the camera). Each input lies invisible over its button,
            // so a tap lands on the input itself.
            <div class="photo-buttons">
                <label class="btn photo-add" class:disabled=move || busy.get()>
                    <input id=camera_id type="file" class="photo-input" accept="image/*" capture="environment"
                        prop:disabled=move || busy.get() on:change=on_change/>
                    <span>{move || if busy.get() { t_string!(i18n, intake.photo_working) } else { t_string!(i18n, intake.take_photo) }}</span>
                </label>
                <label class="btn photo-add" class:disabled=move || busy.get()>
                    <input id=id type="file" class="photo-input" accept="image/*" multiple=true
                        prop:disabled=move || busy.get() on:change=on_change/>
                    <span>{move || if busy.get() { t_string!(i18n, intake.photo_working) } else { t_string!(i18n, intake.add_photo) }}</span>
                </label>
            </div>
            <ul class="photo-messages" role="alert" data-testid="photo-messages">
                {move || messages.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
        </fieldset>
    }
}
