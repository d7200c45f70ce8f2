//! Residents' personal data sealed inside a record (issue 19, encryption at rest): the
//! personal fields of a body leave it for one AES-GCM box under the site's data key, and so
//! does the value of every field write to a personal field. Everything a store indexes or a
//! view needs before unlock — status, category, department, dates, numbers — stays readable.
//!
//! The box carries the record's id inside, so a box moved onto another record does not open
//! there (an attacker who can write the disk cannot swap two residents' names).

use base64::Engine;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::keyring::{Cipher, CryptoError, Key};
use super::record::{Record, RecordKind};

/// The body key (and field-write value key) that holds a sealed box.
pub const SEALED: &str = "sealed";
const ID: &str = "record";

/// The body fields of each kind that are residents' personal data (or may quote it: a step's
/// note, a resolution's cause, a return visit's comment live in `note` and `action`).
pub fn personal_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Ticket => &["reporter_name", "phone", "unit", "description"],
        RecordKind::TicketEvent => &["note", "action"],
        RecordKind::DrillPlan | RecordKind::DrillRun => &[],
    }
}

/// Whether the record holds a sealed box (in its body or a field write).
pub fn is_sealed(record: &Record) -> bool {
    record.body.get(SEALED).is_some() || record.writes.iter().any(|w| w.value.get(SEALED).is_some())
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

async fn seal_value<C: Cipher>(cipher: &C, key: &Key, id: Uuid, mut fields: Map<String, Value>) -> Result<Value, CryptoError> {
    fields.insert(ID.to_owned(), Value::String(id.to_string()));
    let plain = serde_json::to_vec(&Value::Object(fields)).map_err(|e| CryptoError::Unavailable(e.to_string()))?;
    Ok(Value::String(b64().encode(cipher.seal(key, &plain).await?)))
}

async fn open_value<C: Cipher>(cipher: &C, key: &Key, id: Uuid, sealed: &Value) -> Result<Map<String, Value>, CryptoError> {
    let bytes = sealed.as_str().and_then(|s| b64().decode(s).ok()).ok_or(CryptoError::Refused)?;
    let plain = cipher.open(key, &bytes).await?;
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&plain) else { return Err(CryptoError::Refused) };
    if fields.remove(ID) != Some(Value::String(id.to_string())) {
        return Err(CryptoError::Refused);
    }
    Ok(fields)
}

/// The record as it is stored at rest. A record already sealed, or with nothing personal,
/// comes back as it was.
pub async fn seal<C: Cipher>(cipher: &C, key: &Key, record: &Record) -> Result<Record, CryptoError> {
    let personal = personal_fields(record.kind);
    if personal.is_empty() || is_sealed(record) {
        return Ok(record.clone());
    }
    let mut sealed = record.clone();
    if let Some(body) = sealed.body.as_object_mut() {
        let taken: Map<String, Value> = personal.iter().filter_map(|f| body.remove(*f).map(|v| ((*f).to_owned(), v))).collect();
        if !taken.is_empty() {
            body.insert(SEALED.to_owned(), seal_value(cipher, key, record.id, taken).await?);
        }
    }
    for write in sealed.writes.iter_mut().filter(|w| personal.contains(&w.field.as_str())) {
        let value = Map::from_iter([(write.field.clone(), std::mem::take(&mut write.value))]);
        write.value = Value::Object(Map::from_iter([(SEALED.to_owned(), seal_value(cipher, key, record.id, value).await?)]));
    }
    Ok(sealed)
}

/// The record as the views read it. [`CryptoError::Refused`] for a wrong key, a box changed
/// on disk or a box that belongs to another record.
pub async fn open<C: Cipher>(cipher: &C, key: &Key, record: &Record) -> Result<Record, CryptoError> {
    if !is_sealed(record) {
        return Ok(record.clone());
    }
    let mut opened = record.clone();
    if let Some(body) = opened.body.as_object_mut() {
        if let Some(sealed) = body.remove(SEALED) {
            body.extend(open_value(cipher, key, record.id, &sealed).await?);
        }
    }
    for write in opened.writes.iter_mut() {
        if let Some(sealed) = write.value.get(SEALED).cloned() {
            let mut fields = open_value(cipher, key, record.id, &sealed).await?;
            write.value = fields.remove(&write.field).ok_or(CryptoError::Refused)?;
        }
    }
    Ok(opened)
}
