//! Photos as the tablet's camera produces them (4000 × 3000, 5 MB) are far too big to keep by
//! the hundred: each is decoded, downscaled to at most 1600 px on its long side, re-encoded
//! as JPEG and keyed by the SHA-256 of the result, so the same photo is stored once.

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, ImageBitmap, ImageEncodeOptions, OffscreenCanvas, OffscreenCanvasRenderingContext2d};

use crate::domain::photo::fitted_size;
use crate::domain::ticket::PhotoRef;

/// Files above this are refused before decoding (a phone photo is 3–8 MB; 25 MB is not a
/// photo, or not one the tablet should decode).
pub const MAX_INPUT_MB: u32 = 25;
const JPEG_QUALITY: f64 = 0.82;

/// Why a file could not become a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoError {
    NotImage,
    TooLarge,
    /// The browser could not process it (out of memory, no canvas support).
    Failed(String),
}

/// A processed photo, ready to store with its ticket.
#[derive(Clone)]
pub struct Photo {
    pub blob: Blob,
    pub meta: PhotoRef,
}

fn failed(e: JsValue) -> PhotoError {
    PhotoError::Failed(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

pub async fn process(file: &File) -> Result<Photo, PhotoError> {
    if file.size() > f64::from(MAX_INPUT_MB) * 1024.0 * 1024.0 {
        return Err(PhotoError::TooLarge);
    }
    let mime = file.type_();
    // Some cameras leave the type empty; let the decoder decide then.
    if !mime.is_empty() && !mime.starts_with("image/") {
        return Err(PhotoError::NotImage);
    }
    let window = web_sys::window().ok_or(PhotoError::Failed("no window".into()))?;
    let promise = window.create_image_bitmap_with_blob(file).map_err(|_| PhotoError::NotImage)?;
    let bitmap: ImageBitmap = JsFuture::from(promise).await.map_err(|_| PhotoError::NotImage)?.unchecked_into();
    let (w, h) = fitted_size(bitmap.width(), bitmap.height());
    let canvas = OffscreenCanvas::new(w, h).map_err(failed)?;
    let context: OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(failed)?
        .ok_or(PhotoError::Failed("no 2d context".into()))?
        .unchecked_into();
    context.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(w), f64::from(h)).map_err(failed)?;
    bitmap.close();
    let options = ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(JPEG_QUALITY);
    let blob: Blob = JsFuture::from(canvas.convert_to_blob_with_options(&options).map_err(failed)?)
        .await
        .map_err(failed)?
        .unchecked_into();
    let sha256 = sha256_hex(&blob).await?;
    let bytes = blob.size() as u32;
    Ok(Photo { blob, meta: PhotoRef { sha256, width: w, height: h, bytes } })
}

async fn sha256_hex(blob: &Blob) -> Result<String, PhotoError> {
    let buffer: ArrayBuffer = JsFuture::from(blob.array_buffer()).await.map_err(failed)?.unchecked_into();
    let subtle = web_sys::window()
        .ok_or(PhotoError::Failed("no window".into()))?
        .crypto()
        .map_err(failed)?
        .subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_buffer_source("SHA-256", &buffer).map_err(failed)?)
        .await
        .map_err(failed)?;
    let bytes = Uint8Array::new(&digest).to_vec();
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// An object URL to show a Blob in an `<img>`; revoke it when the image goes away.
pub fn object_url(blob: &Blob) -> Option<String> {
    web_sys::Url::create_object_url_with_blob(blob).ok()
}

pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}
