//! XLSX workbooks made in a Web Worker (`src/bin/xlsx_worker.rs`), so the writer is not in
//! the app's first load and a large workbook does not hold up the page. The page sends the
//! sheets as JSON once the worker says it is ready (a message sent before the worker's wasm
//! has started would be dropped); the worker answers with the file's bytes or an error.

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker};

use crate::domain::spreadsheet::{workbook as write_workbook, Sheet};

/// Trunk names the worker's files without a hash; the post-build step gives them this
/// build's and writes the loader's name into this meta tag, so a tab of an older build never
/// starts a newer worker (or the other way round).
const WORKER_META: &str = "meta[name=\"patroldesk-xlsx-worker\"]";
const UNVERSIONED_WORKER_URL: &str = "/xlsx_worker_loader.js";

fn worker_url() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(WORKER_META).ok().flatten())
        .and_then(|meta| meta.get_attribute("content"))
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| UNVERSIONED_WORKER_URL.to_owned())
}
const READY: &str = "ready";

/// Worker side: answers each message (the sheets as JSON) with the workbook's bytes, or
/// with the reason it could not be made.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let made = e
            .data()
            .as_string()
            .ok_or_else(|| "not text".to_owned())
            .and_then(|text| serde_json::from_str::<Vec<Sheet>>(&text).map_err(|e| e.to_string()))
            .and_then(|sheets| write_workbook(&sheets));
        let answer: JsValue = match made {
            Ok(bytes) => Uint8Array::from(bytes.as_slice()).into(),
            Err(reason) => JsValue::from_str(&reason),
        };
        let _ = reply.post_message(&answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str(READY));
}

/// Page side: the workbook of `sheets`, made in a worker started for it and ended after.
pub async fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let text = serde_json::to_string(sheets).map_err(|e| e.to_string())?;
    let worker = Worker::new(&worker_url()).map_err(|e| format!("{e:?}"))?;
    let mut handlers = None;
    let answer = Promise::new(&mut |resolve, reject| {
        let to_worker = worker.clone();
        let failed = reject.clone();
        let mut request = Some(text.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| match request.take() {
            // The first message is the worker saying it is ready.
            Some(sheets) => {
                if let Err(e) = to_worker.post_message(&JsValue::from_str(&sheets)) {
                    let _ = failed.call1(&JsValue::NULL, &e);
                }
            }
            None => {
                let _ = resolve.call1(&JsValue::NULL, &e.data());
            }
        });
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("the workbook worker did not start"));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        handlers = Some((on_message, on_error));
    });
    let answer = wasm_bindgen_futures::JsFuture::from(answer).await;
    worker.terminate();
    drop(handlers);
    match answer {
        Ok(bytes) if bytes.is_instance_of::<Uint8Array>() => Ok(Uint8Array::new(&bytes).to_vec()),
        Ok(reason) => Err(reason.as_string().unwrap_or_else(|| "the workbook could not be made".into())),
        Err(reason) => Err(reason.as_string().unwrap_or_else(|| format!("{reason:?}"))),
    }
}
