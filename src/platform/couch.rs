//! The CouchDB replication protocol over the browser's `fetch` (issue 20): the
//! [`CouchApi`] the replicator runs on in the app. A request that gets no answer is
//! [`CouchError::Offline`] (retried later); an answer of 400 or more is
//! [`CouchError::Refused`] with the server's reason.

use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::domain::couch::{ChangesResponse, Checkpoint, CouchConfig};
use crate::store::couch::{CouchApi, CouchError};

/// One site database on a server: `https://couch.example.com/patroldesk-dh01`.
#[derive(Debug, Clone)]
pub struct FetchCouch {
    base: String,
    /// Where `_session` is: the database's address without its last part.
    server: String,
    /// `Bearer …` (a JWT); `None` with CouchDB's cookie session.
    authorization: Option<String>,
    /// The revision of each `_local` checkpoint this client last wrote: the next write goes
    /// on it without reading it first (one request per batch fewer).
    local_revs: std::rc::Rc<std::cell::RefCell<std::collections::HashMap<String, String>>>,
}

fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).as_string().unwrap_or_default()
}

impl FetchCouch {
    pub fn new(config: &CouchConfig) -> FetchCouch {
        FetchCouch { base: config.database().to_owned(), server: config.server().to_owned(), authorization: config.authorization(), local_revs: Default::default() }
    }

    /// Opens CouchDB's cookie session: the password is sent this once, the requests after
    /// carry the `AuthSession` cookie the server set.
    pub async fn open_session(&self, user: &str, password: &str) -> Result<(), CouchError> {
        let url = format!("{}/_session", self.server);
        self.send(&url, "POST", Some(&json!({ "name": user, "password": password })), None).await.map(|_| ())
    }

    /// Another database on the same server, with the same sign-in (head office's sites).
    pub fn sibling(&self, database: &str) -> FetchCouch {
        FetchCouch { base: format!("{}/{database}", self.server), server: self.server.clone(), authorization: self.authorization.clone(), local_revs: Default::default() }
    }

    /// A view's (or any document's) answer, `path` below the database; a 404 is refused.
    pub async fn read(&self, path: &str) -> Result<Value, CouchError> {
        self.ask_database("GET", &format!("/{path}"), None).await
    }

    /// A request whose 404 can only mean the database is not there (deleted on the server,
    /// or a mistyped name): refused with the server's reason. Read as an answer, its error
    /// object would say "missing field" or, for a push, nothing at all.
    async fn ask_database(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, CouchError> {
        match self.request(method, path, body).await? {
            (404, json) => Err(not_found(&json)),
            (_, json) => Ok(json),
        }
    }

    /// Ends the cookie session (the server forgets the cookie's user for this browser).
    pub async fn close_session(&self) -> Result<(), CouchError> {
        let url = format!("{}/_session", self.server);
        self.send(&url, "DELETE", None, None).await.map(|_| ())
    }

    /// Waits (long-poll, up to `timeout_ms`) until the database changes after `since`, or
    /// `abort` is signalled (a local change to push, "Sync now", going offline).
    pub async fn wait_for_changes(&self, since: &Value, timeout_ms: u32, abort: &web_sys::AbortSignal) -> Result<(), CouchError> {
        let since = match since {
            Value::String(s) => encode(s),
            other => encode(&other.to_string()),
        };
        let url = format!("{}/_changes?feed=longpoll&limit=1&since={since}&timeout={timeout_ms}", self.base);
        self.send(&url, "GET", None, Some(abort)).await.map(|_| ())
    }

    async fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), CouchError> {
        self.send(&format!("{}{path}", self.base), method, body, None).await
    }

    async fn send(&self, url: &str, method: &str, body: Option<&Value>, abort: Option<&web_sys::AbortSignal>) -> Result<(u16, Value), CouchError> {
        let bytes = body.map(serde_json::to_vec).transpose().map_err(|_| CouchError::Offline)?;
        self.send_bytes(url, method, bytes.as_deref(), abort).await
    }

    async fn send_bytes(&self, url: &str, method: &str, body: Option<&[u8]>, abort: Option<&web_sys::AbortSignal>) -> Result<(u16, Value), CouchError> {
        let (status, bytes) = self.fetch_bytes(url, method, body, abort).await?;
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status >= 400 && status != 404 {
            return Err(refusal(status, &json));
        }
        Ok((status, json))
    }

    /// A database's answer read straight into `T`, not through a JSON tree first (a pull's
    /// pages of changes are megabytes of documents); a 404 is refused as in [`Self::ask_database`].
    async fn ask_database_as<T: serde::de::DeserializeOwned>(&self, path: &str, what: &str) -> Result<T, CouchError> {
        let (status, bytes) = self.fetch_bytes(&format!("{}{path}", self.base), "GET", None, None).await?;
        if status >= 400 {
            let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            return Err(if status == 404 { not_found(&json) } else { refusal(status, &json) });
        }
        serde_json::from_slice(&bytes).map_err(|e| CouchError::Refused(format!("{what}: {e}")))
    }

    /// The answer's status and bytes; a proxy answering for the server (502–504) is the
    /// server not reached.
    async fn fetch_bytes(&self, url: &str, method: &str, body: Option<&[u8]>, abort: Option<&web_sys::AbortSignal>) -> Result<(u16, Vec<u8>), CouchError> {
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        if let Some(signal) = abort {
            init.set_signal(Some(signal));
        }
        let headers = web_sys::Headers::new().map_err(|_| CouchError::Offline)?;
        let _ = headers.set("accept", "application/json");
        if let Some(auth) = &self.authorization {
            let _ = headers.set("authorization", auth);
        } else {
            init.set_credentials(web_sys::RequestCredentials::Include);
        }
        if let Some(body) = body {
            let _ = headers.set("content-type", "application/json");
            // Bytes, not a string: a string would be decoded from the wasm's UTF-8 into the
            // page's UTF-16 and encoded back by fetch (a megabyte a batch). In a Blob: fetch
            // copies an array's bytes into the request before it returns (8 ms a megabyte,
            // 1.3 s of a first push), a Blob's it hands on; the request is done 3–4× sooner.
            let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(body));
            let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(|_| CouchError::Offline)?;
            init.set_body(&blob.into());
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or(CouchError::Offline)?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await.map_err(|_| CouchError::Offline)?.unchecked_into();
        // Read as bytes for the same reason: a pull's answers are megabytes of documents.
        let buffer = JsFuture::from(response.array_buffer().map_err(|_| CouchError::Offline)?).await.map_err(|_| CouchError::Offline)?;
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        let status = response.status();
        // A proxy in front of CouchDB answering for it: CouchDB itself did not answer.
        if matches!(status, 502..=504) {
            return Err(CouchError::Offline);
        }
        Ok((status, bytes))
    }
}

/// A refusal with the server's reason.
fn refusal(status: u16, json: &Value) -> CouchError {
    let reason = json.get("reason").and_then(Value::as_str).or_else(|| json.get("error").and_then(Value::as_str)).unwrap_or("");
    CouchError::Refused(format!("{status} {reason}").trim().to_owned())
}

impl FetchCouch {
    /// Creates the database if it is not there (412: it is). For tests: on a real server an
    /// administrator creates site databases with the server kit.
    pub async fn create_database(&self) -> Result<(), CouchError> {
        match self.request("PUT", "", None).await {
            Ok(_) => Ok(()),
            Err(CouchError::Refused(reason)) if reason.starts_with("412") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl CouchApi for FetchCouch {
    async fn get_with_attachments(&self, id: &str) -> Result<Option<Value>, CouchError> {
        let (status, json) = self.request("GET", &format!("/{}?attachments=true", encode(id)), None).await?;
        Ok((status != 404).then_some(json))
    }

    async fn holds_records(&self) -> Result<bool, CouchError> {
        // The app's ids begin with a lowercase kind (`ticket:…`, `photo:…`); design documents
        // (`_design/…`) sort before "a" in both raw and ICU collation.
        let json = self.ask_database("GET", "/_all_docs?startkey=%22a%22&limit=1", None).await?;
        Ok(json.get("rows").and_then(Value::as_array).is_some_and(|rows| !rows.is_empty()))
    }

    async fn update_seq(&self) -> Result<Value, CouchError> {
        Ok(self.ask_database("GET", "", None).await?.get("update_seq").cloned().unwrap_or(Value::Null))
    }

    async fn changes(&self, since: &Value, limit: usize, with_docs: bool) -> Result<ChangesResponse, CouchError> {
        let since = match since {
            Value::String(s) => encode(s),
            other => encode(&other.to_string()),
        };
        let docs = if with_docs { "&include_docs=true" } else { "" };
        self.ask_database_as(&format!("/_changes?style=all_docs&since={since}&limit={limit}{docs}"), "_changes").await
    }

    async fn revs_diff(&self, request: &Value) -> Result<Value, CouchError> {
        self.ask_database("POST", "/_revs_diff", Some(request)).await
    }

    async fn bulk_get(&self, wanted: &[(String, String)]) -> Result<Vec<Value>, CouchError> {
        let docs: Vec<Value> = wanted.iter().map(|(id, rev)| json!({ "id": id, "rev": rev })).collect();
        let json = self.ask_database("POST", "/_bulk_get?revs=true", Some(&json!({ "docs": docs }))).await?;
        Ok(json
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|r| r.get("docs").and_then(Value::as_array).cloned().unwrap_or_default())
            .filter_map(|d| d.get("ok").cloned())
            .collect())
    }

    async fn bulk_docs(&self, docs: &[Value]) -> Result<(), CouchError> {
        let docs: Vec<String> = docs.iter().map(Value::to_string).collect();
        self.bulk_docs_json(&docs).await
    }

    async fn bulk_docs_json(&self, docs: &[String]) -> Result<(), CouchError> {
        let mut body = Vec::with_capacity(docs.iter().map(|d| d.len() + 1).sum::<usize>() + 32);
        body.extend_from_slice(b"{\"new_edits\":false,\"docs\":[");
        for (n, doc) in docs.iter().enumerate() {
            if n > 0 {
                body.push(b',');
            }
            body.extend_from_slice(doc.as_bytes());
        }
        body.extend_from_slice(b"]}");
        let (status, json) = self.send_bytes(&format!("{}/_bulk_docs", self.base), "POST", Some(&body), None).await?;
        if status == 404 {
            return Err(not_found(&json));
        }
        // With `new_edits: false` CouchDB lists only what it refused.
        if let Some(refused) = json.as_array().and_then(|items| items.iter().find(|i| i.get("error").is_some())) {
            return Err(CouchError::Refused(refused.get("reason").and_then(Value::as_str).unwrap_or("refused").to_owned()));
        }
        Ok(())
    }

    async fn leaves(&self, id: &str) -> Result<Vec<Value>, CouchError> {
        let (status, json) = self.request("GET", &format!("/{}?open_revs=all", encode(id)), None).await?;
        if status == 404 {
            return Ok(Vec::new());
        }
        Ok(json
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("ok").cloned())
            .filter(|d| d.get("_deleted") != Some(&Value::Bool(true)))
            .collect())
    }

    async fn get_local(&self, id: &str) -> Result<Option<Checkpoint>, CouchError> {
        let (status, json) = self.request("GET", &format!("/_local/{}", encode(id)), None).await?;
        if status == 404 {
            return Ok(None);
        }
        Ok(serde_json::from_value(json).ok())
    }

    async fn put_local(&self, id: &str, checkpoint: &Checkpoint) -> Result<(), CouchError> {
        let path = format!("/_local/{}", encode(id));
        let body = serde_json::to_value(checkpoint).map_err(|e| CouchError::Refused(e.to_string()))?;
        let remembered = self.local_revs.borrow().get(id).cloned();
        let put = |rev: Option<String>| {
            let mut doc = body.clone();
            if let Some(rev) = rev {
                doc["_rev"] = Value::String(rev);
            }
            doc
        };
        let written = match remembered {
            Some(rev) => match self.request("PUT", &path, Some(&put(Some(rev)))).await {
                // Written meanwhile by another tab or tablet session: read it and go again.
                Err(CouchError::Refused(reason)) if reason.starts_with("409") => None,
                other => Some(other?),
            },
            None => None,
        };
        let (_, answer) = match written {
            Some(answer) => answer,
            None => {
                let (status, current) = self.request("GET", &path, None).await?;
                let rev = (status != 404).then(|| current.get("_rev").and_then(Value::as_str).map(str::to_owned)).flatten();
                self.request("PUT", &path, Some(&put(rev))).await?
            }
        };
        if let Some(rev) = answer.get("rev").and_then(Value::as_str) {
            self.local_revs.borrow_mut().insert(id.to_owned(), rev.to_owned());
        }
        Ok(())
    }
}

fn not_found(json: &Value) -> CouchError {
    CouchError::Refused(format!("404 {}", json.get("reason").and_then(Value::as_str).unwrap_or("not found")))
}
