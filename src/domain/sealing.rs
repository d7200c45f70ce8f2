//! Residents' personal data sealed inside a record (issue 19, encryption at rest): the
//! personal fields of a body leave it for one AES-GCM box under the site's data key, and so
//! does the value of every field write to a personal field. Everything a store indexes or a
//! view needs before unlock — status, category, department, dates, numbers — stays readable.
//!
//! The box carries the record's id inside, so a box moved onto another record does not open
//! there (an attacker who can write the disk cannot swap two residents' names).
//!
//! Sealing is synchronous (RustCrypto's AES-GCM) on purpose: the store seals inside its
//! IndexedDB transaction, which would commit early if it awaited a WebCrypto promise, and
//! unlocking opens every ticket in one batch instead of one promise per box.

use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::keyring::{CryptoError, Key};
use super::record::{Record, RecordKind};

/// The body key (and field-write value key) that holds a sealed box.
pub const SEALED: &str = "sealed";
const ID: &str = "record";
/// The AES-GCM nonce that leads every box.
pub const NONCE_BYTES: usize = 12;
/// How sealed text (a draft, the board summary) starts: plain JSON never does.
pub const SEALED_TEXT: &str = "sealed:";

/// The data key, ready to seal and open, with the device's source of nonces.
pub struct Sealer {
    aead: aes_gcm::Aes256Gcm,
    random: Box<dyn Fn(&mut [u8]) -> Result<(), CryptoError>>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// `random` fills a nonce from a cryptographic source (the browser's `getRandomValues`).
    pub fn new(key: &Key, random: impl Fn(&mut [u8]) -> Result<(), CryptoError> + 'static) -> Sealer {
        Sealer { aead: aes_gcm::Aes256Gcm::new(key.into()), random: Box::new(random) }
    }

    /// AES-256-GCM under a fresh random nonce, which leads the returned bytes (the same form
    /// as the key slots' WebCrypto boxes).
    pub fn seal_bytes(&self, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_BYTES];
        (self.random)(&mut nonce)?;
        let sealed = self.aead.encrypt(&nonce.into(), plain).map_err(|_| CryptoError::Unavailable("AES-GCM".into()))?;
        let mut out = Vec::with_capacity(NONCE_BYTES + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend(sealed);
        Ok(out)
    }

    /// [`CryptoError::Refused`] for another key or bytes changed on disk.
    pub fn open_bytes(&self, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_BYTES {
            return Err(CryptoError::Refused);
        }
        let (nonce, body) = sealed.split_at(NONCE_BYTES);
        self.aead.decrypt(nonce.into(), body).map_err(|_| CryptoError::Refused)
    }

    /// Text (a draft, the board summary) as `sealed:<base64>`.
    pub fn seal_text(&self, text: &str) -> Result<String, CryptoError> {
        Ok(format!("{SEALED_TEXT}{}", b64().encode(self.seal_bytes(text.as_bytes())?)))
    }

    /// The text [`Sealer::seal_text`] sealed; text that is not sealed comes back as it is.
    pub fn open_text(&self, stored: &str) -> Result<String, CryptoError> {
        let Some(boxed) = stored.strip_prefix(SEALED_TEXT) else { return Ok(stored.to_owned()) };
        let bytes = b64().decode(boxed).map_err(|_| CryptoError::Refused)?;
        String::from_utf8(self.open_bytes(&bytes)?).map_err(|_| CryptoError::Refused)
    }

    fn seal_value(&self, id: Uuid, mut fields: Map<String, Value>) -> Result<Value, CryptoError> {
        fields.insert(ID.to_owned(), Value::String(id.to_string()));
        let plain = serde_json::to_vec(&Value::Object(fields)).map_err(|e| CryptoError::Unavailable(e.to_string()))?;
        Ok(Value::String(b64().encode(self.seal_bytes(&plain)?)))
    }

    /// The fields a record's box holds (the body's personal fields), checked to be that
    /// record's.
    pub fn open_fields(&self, id: Uuid, sealed: &Value) -> Result<Map<String, Value>, CryptoError> {
        self.open_value(id, sealed)
    }

    fn open_value(&self, id: Uuid, sealed: &Value) -> Result<Map<String, Value>, CryptoError> {
        let bytes = sealed.as_str().and_then(|s| b64().decode(s).ok()).ok_or(CryptoError::Refused)?;
        let plain = self.open_bytes(&bytes)?;
        let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&plain) else { return Err(CryptoError::Refused) };
        if fields.remove(ID) != Some(Value::String(id.to_string())) {
            return Err(CryptoError::Refused);
        }
        Ok(fields)
    }

    /// The record as it is stored at rest. A record already sealed, or with nothing
    /// personal, comes back as it was.
    pub fn seal(&self, record: &Record) -> Result<Record, CryptoError> {
        let personal = personal_fields(record.kind);
        if personal.is_empty() || is_sealed(record) {
            return Ok(record.clone());
        }
        let mut sealed = record.clone();
        if let Some(body) = sealed.body.as_object_mut() {
            let taken: Map<String, Value> = personal.iter().filter_map(|f| body.remove(*f).map(|v| ((*f).to_owned(), v))).collect();
            if !taken.is_empty() {
                body.insert(SEALED.to_owned(), self.seal_value(record.id, taken)?);
            }
        }
        for write in sealed.writes.iter_mut().filter(|w| personal.contains(&w.field.as_str())) {
            let value = Map::from_iter([(write.field.clone(), std::mem::take(&mut write.value))]);
            write.value = Value::Object(Map::from_iter([(SEALED.to_owned(), self.seal_value(record.id, value)?)]));
        }
        Ok(sealed)
    }

    /// The record as the views read it. [`CryptoError::Refused`] for a wrong key, a box
    /// changed on disk or a box that belongs to another record.
    pub fn open(&self, record: &Record) -> Result<Record, CryptoError> {
        let mut opened = record.clone();
        self.open_in_place(&mut opened)?;
        Ok(opened)
    }

    /// [`Sealer::open`] without a copy (the cold start opens every record once).
    pub fn open_in_place(&self, record: &mut Record) -> Result<(), CryptoError> {
        let id = record.id;
        if let Some(body) = record.body.as_object_mut() {
            if let Some(sealed) = body.remove(SEALED) {
                body.extend(self.open_value(id, &sealed)?);
            }
        }
        for write in record.writes.iter_mut() {
            if let Some(sealed) = write.value.get(SEALED) {
                let mut fields = self.open_value(id, sealed)?;
                write.value = fields.remove(&write.field).ok_or(CryptoError::Refused)?;
            }
        }
        Ok(())
    }
}

/// The body fields of each kind that are residents' personal data (or may quote it: a step's
/// note, a resolution's cause, a return visit's comment live in `note` and `action`).
pub fn personal_fields(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Ticket => &["reporter_name", "phone", "unit", "description"],
        RecordKind::TicketEvent => &["note", "action"],
        // A measure may name a unit and quote a resident in its notes.
        RecordKind::Improvement => &["place", "notes"],
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
