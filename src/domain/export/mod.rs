//! The export file (导出文件): a versioned envelope around the records, photos and site
//! settings a tablet sends to head office (and head office sends back). Read back with every
//! part checked before anything is written: format, schema version (older ones migrated step
//! by step, newer ones refused), payload checksum, and every record against its kind's type,
//! each problem named by the record and its JSON path. The schema is `docs/export.schema.json`.

pub mod checks;
pub mod strict;

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::clock::Stamp;
use super::drill::{DrillPlan, DrillRun};
use super::improvement::Improvement;
use super::record::{Record, RecordKind};
use super::settings::SiteSettings;
use super::ticket::Ticket;
use super::workflow::TicketEvent;

pub const FORMAT: &str = "patroldesk-export";
/// The version written now. Version 1 is a draft envelope (device and site as flat fields)
/// kept as a test fixture; no released app wrote it, but its migration exercises the path.
/// Version 3 adds improvement measures (`improvements` in the counts); a version 2 file
/// (`tests/fixtures/export-v2.json`) reads as one with none.
pub const SCHEMA_VERSION: u32 = 3;
pub const MIN_ITERATIONS: u32 = 600_000;
/// At most this many record problems are listed (the file is refused either way).
pub const MAX_PROBLEMS: usize = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceInfo {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteInfo {
    pub name: String,
    pub code: String,
}

/// How an encrypted payload was sealed: AES-GCM with a key from PBKDF2-SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Encryption {
    pub cipher: String,
    pub kdf: String,
    pub iterations: u32,
    /// Base64.
    pub salt: String,
    pub iv: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub format: String,
    pub schema_version: u32,
    pub app_version: String,
    pub export_id: Uuid,
    pub device: DeviceInfo,
    pub site: SiteInfo,
    pub exported_at: DateTime<Utc>,
    pub utc_offset_min: i32,
    /// Changes after this stamp only (an incremental export); `None` for everything.
    pub since: Option<Stamp>,
    /// The highest stamp included: the next incremental export starts after it.
    pub until: Option<Stamp>,
    /// Reporter names and phone numbers left out.
    pub redacted: bool,
    /// A retention archive: what a purge erased, kept by the supervisor. Opened only by
    /// explicit choice ([`open_archive`]); an ordinary import refuses it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archive: bool,
    pub photos_included: bool,
    /// Records per kind (store names), photos, settings.
    pub counts: BTreeMap<String, usize>,
    /// SHA-256 (hex) of the payload's canonical JSON text (before encryption).
    pub payload_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Base64 of the encrypted payload text, when `encryption` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ciphertext: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoData {
    pub sha256: String,
    pub mime: String,
    /// Base64 of the JPEG.
    pub data: String,
}

impl PhotoData {
    pub fn new(sha256: String, mime: String, bytes: &[u8]) -> PhotoData {
        PhotoData { sha256, mime, data: base64::engine::general_purpose::STANDARD.encode(bytes) }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub records: Vec<Record>,
    #[serde(default)]
    pub photos: Vec<PhotoData>,
    #[serde(default)]
    pub settings: Option<SiteSettings>,
}

/// What goes on the envelope besides the payload.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportMeta {
    pub app_version: String,
    pub export_id: Uuid,
    pub device: DeviceInfo,
    pub site: SiteInfo,
    pub exported_at: DateTime<Utc>,
    pub utc_offset_min: i32,
    pub since: Option<Stamp>,
}

/// The payload's canonical text: compact JSON with object keys sorted (serde_json's `Value`
/// keeps maps sorted), so the checksum can be recomputed from a parsed file.
pub fn canonical_text(payload: &Value) -> String {
    payload.to_string()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    Sha256::digest(bytes).iter().flat_map(|b| [char::from(HEX[usize::from(b >> 4)]), char::from(HEX[usize::from(b & 15)])]).collect()
}

/// Blanks reporter names and phone numbers (also in their edit history) for KPI reporting.
pub fn redact(record: &Record) -> Record {
    let mut r = record.clone();
    if r.kind == RecordKind::Ticket {
        for field in ["reporter_name", "phone"] {
            if let Some(v) = r.body.get_mut(field) {
                *v = Value::String(String::new());
            }
            for w in r.writes.iter_mut().filter(|w| w.field == field) {
                w.value = Value::String(String::new());
            }
        }
    }
    r
}

/// Builds an export: the envelope with the payload in the clear, and the payload's canonical
/// text (which the browser encrypts for an encrypted export, see [`seal`]).
pub fn build(meta: ExportMeta, mut payload: Payload, redacted: bool) -> (Envelope, String) {
    if redacted {
        payload.records = payload.records.iter().map(redact).collect();
    }
    let mut counts: BTreeMap<String, usize> = RecordKind::ALL.iter().map(|k| (k.store_name().to_owned(), 0)).collect();
    for r in &payload.records {
        *counts.entry(r.kind.store_name().to_owned()).or_default() += 1;
    }
    counts.insert("photos".into(), payload.photos.len());
    counts.insert("settings".into(), usize::from(payload.settings.is_some()));
    let until = payload.records.iter().map(|r| r.updated_at).max();
    let photos_included = !payload.photos.is_empty();
    let value = serde_json::to_value(&payload).unwrap_or(Value::Null);
    let text = canonical_text(&value);
    let envelope = Envelope {
        format: FORMAT.into(),
        schema_version: SCHEMA_VERSION,
        app_version: meta.app_version,
        export_id: meta.export_id,
        device: meta.device,
        site: meta.site,
        exported_at: meta.exported_at,
        utc_offset_min: meta.utc_offset_min,
        since: meta.since,
        until: until.or(meta.since),
        redacted,
        archive: false,
        photos_included,
        counts,
        payload_sha256: sha256_hex(text.as_bytes()),
        encryption: None,
        payload: Some(value),
        ciphertext: None,
    };
    (envelope, text)
}

/// Replaces the clear payload with its ciphertext.
pub fn seal(mut envelope: Envelope, encryption: Encryption, ciphertext: &[u8]) -> Envelope {
    envelope.payload = None;
    envelope.encryption = Some(encryption);
    envelope.ciphertext = Some(base64::engine::general_purpose::STANDARD.encode(ciphertext));
    envelope
}

/// The file's text.
pub fn to_file_text(envelope: &Envelope) -> String {
    serde_json::to_string_pretty(envelope).unwrap_or_default()
}

/// Which records an export carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// Everything the device holds.
    All,
    /// The changes after the last export (the watermark).
    SinceLast,
}

/// What the user chose for an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    pub scope: ExportScope,
    pub photos: bool,
    /// Names and phone numbers blanked: a report for KPIs, not a copy of the data.
    pub redacted: bool,
    pub encrypted: bool,
}

/// The shortest passphrase an encrypted export accepts, in characters: long enough that a
/// lost file is not opened by guessing, short enough to say over the phone.
pub const PASSPHRASE_MIN_CHARS: usize = 8;

pub fn passphrase_long_enough(passphrase: &str) -> bool {
    passphrase.chars().count() >= PASSPHRASE_MIN_CHARS
}

/// The export's file name: site, device and local time, then what kind of file it is, so a
/// folder of files from many tablets sorts and reads at a glance.
/// `patroldesk-DH01-3F2A-20261201-0930-changes-encrypted.json`
pub fn file_name(site_code: &str, device_code: &str, local: chrono::NaiveDateTime, options: ExportOptions) -> String {
    let site = if site_code.is_empty() { "SITE" } else { site_code };
    let mut name = format!("patroldesk-{site}-{device_code}-{}", local.format("%Y%m%d-%H%M"));
    if options.scope == ExportScope::SinceLast {
        name.push_str("-changes");
    }
    if options.redacted {
        name.push_str("-redacted");
    }
    if options.encrypted {
        name.push_str("-encrypted");
    }
    name.push_str(".json");
    name
}

/// The photos the live records name (`{"sha256": …, "width": …}` objects anywhere in a
/// body), each once, sorted: what an export with photos carries.
pub fn photo_refs(records: &[Record]) -> Vec<String> {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let (Some(sha), Some(_)) = (map.get("sha256").and_then(|v| v.as_str()), map.get("width")) {
                    out.push(sha.to_owned());
                }
                map.values().for_each(|v| collect(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut shas = Vec::new();
    for r in records.iter().filter(|r| !r.is_deleted()) {
        collect(&r.body, &mut shas);
    }
    shas.sort();
    shas.dedup();
    shas
}

/// What is wrong with one record, in terms the UI can put in either language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordProblemKind {
    MissingField(String),
    WrongType,
    /// A value that is not one of the known ones (`unknown variant`).
    UnknownValue(String),
    /// A field the schema does not allow there.
    UnknownField(String),
    UnknownKind(String),
    MissingId,
    Duplicate,
    /// An id not written as lower-case hyphenated UUID (upper case, braces, `urn:uuid:`).
    NotCanonicalId(String),
    /// A text longer than its form allows, in characters.
    TooLong { max: usize },
    /// A stamp or time further ahead of this device's clock than [`crate::domain::clock::MAX_AHEAD_MS`].
    FromTheFuture { written: String, at: DateTime<Utc> },
    /// A photo whose data is not base64.
    PhotoNotBase64,
    /// A photo of a type the intake does not store.
    PhotoType(String),
    /// A photo whose bytes do not hash to its `sha256`.
    PhotoChecksum,
    PhotoTooLarge { max: usize },
    /// A photo no record of the file refers to.
    PhotoNotReferenced,
    /// A number outside what its form allows.
    OutOfRange { min: u32, max: u32 },
    Other(String),
}

/// Which part of the payload a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Record,
    Photo,
    Settings,
    /// The payload object itself.
    Payload,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    pub part: Part,
    /// Position in `payload.records` (or `payload.photos` for photo problems).
    pub index: usize,
    /// JSON path inside the file, e.g. `payload.records[3].body.received_at`.
    pub path: String,
    pub kind: RecordProblemKind,
}

/// Why a file cannot be imported. Nothing is written in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    /// The device could not read the file at all (moved, removed, or access refused).
    Unreadable,
    /// Larger than [`checks::MAX_FILE_BYTES`].
    TooLarge { bytes: usize, max: usize },
    /// Ends in the middle (a copy cut short).
    Truncated,
    NotJson { line: usize, column: usize },
    /// One object names a key twice: which one is meant cannot be told.
    DuplicateKey { key: String, line: usize, column: usize },
    /// JSON, but not a PatrolDesk export.
    NotAnExport,
    /// Written by a newer app; update this one first.
    NewerSchema { found: u32, supported: u32 },
    /// The envelope itself is malformed.
    InvalidEnvelope { path: String, kind: RecordProblemKind },
    /// Both a readable payload and an encrypted one: the file was altered.
    PayloadAndCiphertext,
    /// The payload does not match its checksum (damaged or altered).
    BadChecksum,
    /// Encrypted: a passphrase is needed.
    NeedsPassphrase,
    WrongPassphrase,
    /// Encrypted with settings this app does not accept (e.g. too few iterations).
    WeakEncryption,
    /// More records than [`checks::MAX_RECORDS`] (or photos than [`checks::MAX_PHOTOS`]).
    TooManyRecords { count: usize, max: usize },
    /// A count on the envelope does not match the payload (`stated` is `None` when missing).
    CountsMismatch { name: String, stated: Option<usize>, found: usize },
    /// Records, photos or settings that do not read as what they claim to be: the first
    /// [`MAX_PROBLEMS`] problems, and how many records and photos had one.
    InvalidRecords { problems: Vec<RecordProblem>, refused: usize },
    /// A retention archive given to an ordinary import (or an export given as an archive).
    Archive { is_archive: bool },
}

fn classify(message: &str) -> RecordProblemKind {
    let between = |s: &str| s.split('`').nth(1).unwrap_or_default().to_owned();
    if message.starts_with("missing field") {
        RecordProblemKind::MissingField(between(message))
    } else if message.starts_with("invalid type") || message.starts_with("invalid length") {
        RecordProblemKind::WrongType
    } else if message.starts_with("unknown variant") {
        RecordProblemKind::UnknownValue(between(message))
    } else if message.starts_with("unknown field") {
        RecordProblemKind::UnknownField(between(message))
    } else {
        RecordProblemKind::Other(message.split(" at line").next().unwrap_or(message).chars().take(200).collect())
    }
}

/// Deserialises `value` as `T`, or says where and what is wrong (path under `prefix`). A
/// field missing at the top is named as the path, so the message never has an empty place.
fn typed<T: for<'de> Deserialize<'de>>(value: &Value, prefix: &str) -> Result<T, (String, RecordProblemKind)> {
    // The plain read first: tracking the path costs on every record of a file and is only
    // needed to say where a bad one went wrong, so it runs only once this read has failed.
    if let Ok(read) = T::deserialize(value) {
        return Ok(read);
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let inner = e.path().to_string();
        let kind = classify(&e.inner().to_string());
        let path = if inner == "." || inner.is_empty() {
            match (&kind, prefix) {
                (RecordProblemKind::MissingField(f), "") => f.clone(),
                (RecordProblemKind::MissingField(f), _) => format!("{prefix}.{f}"),
                _ => prefix.to_owned(),
            }
        } else {
            format!("{prefix}.{inner}")
        };
        (path, kind)
    })
}

type Migration = fn(Value) -> Value;

/// Step `n` turns a version `n + 1` file into version `n + 2`.
const MIGRATIONS: [Migration; 2] = [v1_to_v2, v2_to_v3];

/// Version 1 had the device and site as flat fields.
fn v1_to_v2(mut file: Value) -> Value {
    if let Some(o) = file.as_object_mut() {
        let take = |o: &mut serde_json::Map<String, Value>, k: &str| o.remove(k).unwrap_or(Value::String(String::new()));
        let device = serde_json::json!({ "id": take(o, "device_id"), "name": take(o, "device_name") });
        let site = serde_json::json!({ "name": take(o, "site_name"), "code": take(o, "site_code") });
        o.insert("device".into(), device);
        o.insert("site".into(), site);
        o.insert("schema_version".into(), Value::from(2));
    }
    file
}

/// Version 2 had no improvement measures: its counts say so.
fn v2_to_v3(mut file: Value) -> Value {
    if let Some(o) = file.as_object_mut() {
        if let Some(counts) = o.get_mut("counts").and_then(Value::as_object_mut) {
            counts.entry(RecordKind::Improvement.store_name()).or_insert(Value::from(0));
        }
        o.insert("schema_version".into(), Value::from(3));
    }
    file
}

fn strict_error(e: strict::StrictError) -> ImportError {
    match e {
        strict::StrictError::Truncated => ImportError::Truncated,
        strict::StrictError::NotJson { line, column } => ImportError::NotJson { line, column },
        strict::StrictError::DuplicateKey { key, line, column } => ImportError::DuplicateKey { key, line, column },
    }
}

/// Reads and checks a file's envelope (not yet its payload).
pub fn read(text: &str) -> Result<Envelope, ImportError> {
    if text.len() > checks::MAX_FILE_BYTES {
        return Err(ImportError::TooLarge { bytes: text.len(), max: checks::MAX_FILE_BYTES });
    }
    let file = strict::parse(text).map_err(strict_error)?;
    if file.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(ImportError::NotAnExport);
    }
    let version = file.get("schema_version").and_then(Value::as_u64).ok_or(ImportError::NotAnExport)?;
    let version = u32::try_from(version).unwrap_or(u32::MAX);
    if version > SCHEMA_VERSION {
        return Err(ImportError::NewerSchema { found: version, supported: SCHEMA_VERSION });
    }
    if version == 0 {
        return Err(ImportError::NotAnExport);
    }
    let mut file = file;
    for step in &MIGRATIONS[(version as usize - 1)..] {
        file = step(file);
    }
    let envelope: Envelope = typed(&file, "").map_err(|(path, kind)| ImportError::InvalidEnvelope { path: path.trim_start_matches('.').to_owned(), kind })?;
    let invalid = |path: &str, kind| Err(ImportError::InvalidEnvelope { path: path.into(), kind });
    for (path, id) in [("export_id", &file["export_id"]), ("device.id", &file["device"]["id"])] {
        if let Some(text) = id.as_str().filter(|t| checks::non_canonical_id(t)) {
            return invalid(path, RecordProblemKind::NotCanonicalId(text.chars().take(60).collect()));
        }
    }
    let texts = [
        ("app_version", &envelope.app_version, checks::APP_VERSION_MAX),
        ("device.name", &envelope.device.name, crate::domain::settings::DEVICE_NAME_MAX),
        ("site.name", &envelope.site.name, crate::domain::settings::SITE_NAME_MAX),
        ("site.code", &envelope.site.code, crate::domain::settings::SITE_CODE_MAX),
    ];
    for (path, text, max) in texts {
        if text.chars().count() > max {
            return invalid(path, RecordProblemKind::TooLong { max });
        }
    }
    match (&envelope.encryption, &envelope.payload, &envelope.ciphertext) {
        (None, Some(_), None) => {}
        (Some(enc), None, Some(_)) => {
            if enc.cipher != "AES-GCM" || enc.kdf != "PBKDF2-SHA-256" || enc.iterations < MIN_ITERATIONS {
                return Err(ImportError::WeakEncryption);
            }
        }
        (_, Some(_), Some(_)) => return Err(ImportError::PayloadAndCiphertext),
        (Some(_), Some(_), None) => return invalid("ciphertext", RecordProblemKind::MissingField("ciphertext".into())),
        (Some(_), None, None) => return invalid("ciphertext", RecordProblemKind::MissingField("ciphertext".into())),
        (None, None, Some(_)) => return invalid("encryption", RecordProblemKind::MissingField("encryption".into())),
        (None, None, None) => return invalid("payload", RecordProblemKind::MissingField("payload".into())),
    }
    Ok(envelope)
}

/// A payload that passed every check, ready to merge.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedPayload {
    pub records: Vec<Record>,
    /// (sha256, mime, bytes)
    pub photos: Vec<(String, String, Vec<u8>)>,
    pub settings: Option<SiteSettings>,
}

/// The payload's own fields.
const PAYLOAD_FIELDS: [&str; 3] = ["records", "photos", "settings"];

/// Checks the payload: the clear one, or `decrypted` (the text the browser decrypted), at
/// `now` (this device's clock: no stamp may be further ahead of it than the bound).
pub fn open(envelope: &Envelope, decrypted: Option<&str>, now: DateTime<Utc>) -> Result<CheckedPayload, ImportError> {
    if envelope.archive {
        return Err(ImportError::Archive { is_archive: true });
    }
    open_payload(envelope, decrypted, now)
}

/// [`open`] for a retention archive, opened by explicit choice (and logged by the caller).
pub fn open_archive(envelope: &Envelope, decrypted: Option<&str>, now: DateTime<Utc>) -> Result<CheckedPayload, ImportError> {
    if !envelope.archive {
        return Err(ImportError::Archive { is_archive: false });
    }
    open_payload(envelope, decrypted, now)
}

fn open_payload(envelope: &Envelope, decrypted: Option<&str>, now: DateTime<Utc>) -> Result<CheckedPayload, ImportError> {
    let value = match (&envelope.payload, decrypted) {
        (Some(v), _) => v.clone(),
        (None, Some(text)) => match strict::parse(text) {
            Ok(v) => v,
            Err(e @ strict::StrictError::DuplicateKey { .. }) => return Err(strict_error(e)),
            Err(_) => return Err(ImportError::WrongPassphrase),
        },
        (None, None) => return Err(ImportError::NeedsPassphrase),
    };
    if sha256_hex(canonical_text(&value).as_bytes()) != envelope.payload_sha256 {
        return Err(ImportError::BadChecksum);
    }
    let list = value.get("records").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let photo_list = value.get("photos").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if list.len() > checks::MAX_RECORDS {
        return Err(ImportError::TooManyRecords { count: list.len(), max: checks::MAX_RECORDS });
    }
    if photo_list.len() > checks::MAX_PHOTOS {
        return Err(ImportError::TooManyRecords { count: photo_list.len(), max: checks::MAX_PHOTOS });
    }
    let mut problems = Vec::new();
    // Records and photos with at least one problem (the file is refused for any).
    let mut refused = 0;
    let payload_problem = |path: String, kind| RecordProblem { part: Part::Payload, index: 0, path, kind };
    match value.as_object() {
        Some(fields) => {
            for key in fields.keys().filter(|k| !PAYLOAD_FIELDS.contains(&k.as_str())) {
                problems.push(payload_problem(format!("payload.{}", key.chars().take(60).collect::<String>()), RecordProblemKind::UnknownField(key.chars().take(60).collect())));
            }
            if fields.get("records").is_none_or(|r| !r.is_array()) {
                problems.push(payload_problem("payload.records".into(), RecordProblemKind::WrongType));
            }
            if fields.get("photos").is_some_and(|p| !p.is_array() && !p.is_null()) {
                problems.push(payload_problem("payload.photos".into(), RecordProblemKind::WrongType));
            }
        }
        None => problems.push(payload_problem("payload".into(), RecordProblemKind::WrongType)),
    }
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    let known = known_kinds();
    for (index, raw) in list.iter().enumerate() {
        let at = format!("payload.records[{index}]");
        let before = problems.len();
        let problem = |path: String, kind| RecordProblem { part: Part::Record, index, path, kind };
        if let Some(record) = check_record(raw, &at, known, now, &mut |path, kind| problems.push(problem(path, kind))) {
            if !seen.insert((record.kind, record.id)) {
                problems.push(problem(format!("{at}.id"), RecordProblemKind::Duplicate));
            } else if problems.len() == before {
                records.push(record);
            }
        }
        if problems.len() > before {
            refused += 1;
        }
    }
    // A photo comes with the record that shows it: one that no record of this file names
    // would be stored with nothing to find it by, and no import to undo it with.
    // Only told when every record read: a refused record may be the one that names it.
    let referenced: Option<HashSet<String>> = (refused == 0).then(|| photo_refs(&records).into_iter().collect());
    let mut photos = Vec::new();
    for (index, raw) in photo_list.iter().enumerate() {
        let at = format!("payload.photos[{index}]");
        let problem = |path: String, kind| RecordProblem { part: Part::Photo, index, path, kind };
        match check_photo(raw, &at, &referenced) {
            Ok(p) => photos.push(p),
            Err((path, kind)) => {
                problems.push(problem(path, kind));
                refused += 1;
            }
        }
    }
    let settings = match value.get("settings") {
        None | Some(Value::Null) => None,
        Some(raw) => {
            let mut found = Vec::new();
            checks::walk(raw, "payload.settings", None, &mut found);
            let read = typed::<SiteSettings>(raw, "payload.settings");
            if let Err(e) = &read {
                found.insert(0, e.clone());
            }
            if !found.is_empty() {
                refused += 1;
            }
            problems.extend(found.into_iter().map(|(path, kind)| RecordProblem { part: Part::Settings, index: 0, path, kind }));
            read.ok()
        }
    };
    if !problems.is_empty() {
        problems.truncate(MAX_PROBLEMS);
        return Err(ImportError::InvalidRecords { problems, refused: refused.max(1) });
    }
    // After the records, so that a record from the future is named rather than the envelope
    // stamp it raised.
    let now_ms = now.timestamp_millis();
    if envelope.exported_at.timestamp_millis() > crate::domain::clock::latest_allowed_ms(now_ms) {
        return Err(ImportError::InvalidEnvelope { path: "exported_at".into(), kind: RecordProblemKind::FromTheFuture { written: envelope.exported_at.to_rfc3339(), at: envelope.exported_at } });
    }
    for (path, stamp) in [("since", envelope.since), ("until", envelope.until)] {
        if let Some(s) = stamp.filter(|s| s.is_beyond(now_ms)) {
            return Err(ImportError::InvalidEnvelope { path: path.into(), kind: RecordProblemKind::FromTheFuture { written: s.to_string(), at: s.utc() } });
        }
    }
    let mut found: BTreeMap<String, usize> = RecordKind::ALL.iter().map(|k| (k.store_name().to_owned(), 0)).collect();
    for r in &records {
        *found.entry(r.kind.store_name().to_owned()).or_default() += 1;
    }
    found.insert("photos".into(), photos.len());
    found.insert("settings".into(), usize::from(settings.is_some()));
    for (name, n) in &found {
        let stated = envelope.counts.get(name).copied();
        if stated != Some(*n) {
            return Err(ImportError::CountsMismatch { name: name.clone(), stated, found: *n });
        }
    }
    // A count of something this version does not know must be zero: it stands for nothing here.
    if let Some((name, n)) = envelope.counts.iter().find(|(name, n)| !found.contains_key(*name) && **n != 0) {
        return Err(ImportError::CountsMismatch { name: name.chars().take(60).collect(), stated: Some(*n), found: 0 });
    }
    Ok(CheckedPayload { records, photos, settings })
}

/// One record of a payload, checked: its envelope and body typed, ids canonical, texts within
/// their limits, no stamp from the future. Every problem goes to `report`; the record comes
/// back when it reads (even with problems, to find duplicates).
/// The record kinds' names as files and documents spell them, written out once: a pull
/// checks every document it takes one at a time.
fn known_kinds() -> &'static [String] {
    static KNOWN: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| RecordKind::ALL.iter().map(|k| serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()).collect())
}

/// One record read as strictly as a file's: typed, ids canonical, texts within their limits,
/// no stamp from the future. For records that come by another way than a file (replication).
pub fn check_one_record(raw: &Value, at: &str, now: DateTime<Utc>) -> Result<Record, Vec<(String, RecordProblemKind)>> {
    let known = known_kinds();
    let mut problems = Vec::new();
    let record = check_record(raw, at, known, now, &mut |path, kind| problems.push((path, kind)));
    match record {
        Some(record) if problems.is_empty() => Ok(record),
        _ => Err(problems),
    }
}

fn check_record(raw: &Value, at: &str, known: &[String], now: DateTime<Utc>, report: &mut dyn FnMut(String, RecordProblemKind)) -> Option<Record> {
    if raw.get("id").is_none_or(Value::is_null) {
        report(format!("{at}.id"), RecordProblemKind::MissingId);
        return None;
    }
    if let Some(kind) = raw.get("kind").and_then(Value::as_str) {
        if !known.iter().any(|k| k == kind) {
            report(format!("{at}.kind"), RecordProblemKind::UnknownKind(kind.chars().take(60).collect()));
            return None;
        }
    }
    let record: Record = match typed(raw, at) {
        Ok(r) => r,
        Err((path, kind)) => {
            report(path, kind);
            return None;
        }
    };
    let mut found = Vec::new();
    checks::walk(raw, at, Some(record.kind), &mut found);
    let body_at = format!("{at}.body");
    let body_check = match record.kind {
        RecordKind::Ticket => typed::<Ticket>(&record.body, &body_at).map(|_| ()),
        RecordKind::TicketEvent => typed::<TicketEvent>(&record.body, &body_at).map(|_| ()),
        RecordKind::DrillPlan => typed::<DrillPlan>(&record.body, &body_at).map(|_| ()),
        RecordKind::DrillRun => typed::<DrillRun>(&record.body, &body_at).map(|run| found.extend(run_record_problems(&run, &body_at))),
        RecordKind::Improvement => typed::<Improvement>(&record.body, &body_at).map(|m| found.extend(measure_problems(&m, &body_at))),
    };
    // A tombstone's body may be whatever it was when deleted; only live records must read.
    if let (Err(e), false) = (body_check, record.is_deleted()) {
        found.insert(0, e);
    }
    found.extend(checks::future_in(&record, now).into_iter().map(|(path, kind)| (format!("{at}.{path}"), kind)));
    for (path, kind) in found {
        report(path, kind);
    }
    Some(record)
}

/// A measure held to the rules of the form that records it.
fn measure_problems(m: &Improvement, body_at: &str) -> Vec<(String, RecordProblemKind)> {
    use super::validation::Problem;
    super::improvement::problems(m)
        .into_iter()
        .map(|(field, p)| {
            let kind = match p {
                Problem::Required => RecordProblemKind::MissingField(field.to_owned()),
                Problem::TooLong { max } => RecordProblemKind::TooLong { max },
                Problem::OutOfRange { min, max } => RecordProblemKind::OutOfRange { min, max },
                other => RecordProblemKind::Other(format!("{other:?}")),
            };
            (format!("{body_at}.{field}"), kind)
        })
        .collect()
}

/// A run's written record held to the limits of the form that fills it.
fn run_record_problems(run: &DrillRun, body_at: &str) -> Vec<(String, RecordProblemKind)> {
    use super::drill::record::RecordProblem as P;
    use super::validation::Problem;
    let kind = |p: Problem| match p {
        Problem::TooLong { max } => RecordProblemKind::TooLong { max },
        Problem::OutOfRange { min, max } => RecordProblemKind::OutOfRange { min, max },
        other => RecordProblemKind::Other(format!("{other:?}")),
    };
    let at = |field: String| format!("{body_at}.record.{field}");
    run.record
        .validate()
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|p| match p {
            P::Organiser(x) => (at("organiser".into()), kind(x)),
            P::Commander(x) => (at("commander".into()), kind(x)),
            P::Scenario(x) => (at("scenario".into()), kind(x)),
            P::NoticeHow(x) => (at("notice_how".into()), kind(x)),
            P::Weather(x) => (at("weather".into()), kind(x)),
            P::TeamLead(i, x) => (at(format!("teams[{i}].lead")), kind(x)),
            P::Headcount(i, x) => (at(format!("teams[{i}].headcount")), kind(x)),
            P::TeamRole(i) => (at(format!("teams[{i}].role")), RecordProblemKind::Duplicate),
            P::Evacuated(x) => (at("evacuated".into()), kind(x)),
        })
        .collect()
}

/// One photo of a payload: typed, of a stored type, base64, within the size limit, matching
/// its hash, and named by a record of the file.
fn check_photo(raw: &Value, at: &str, referenced: &Option<HashSet<String>>) -> Result<(String, String, Vec<u8>), (String, RecordProblemKind)> {
    let p: PhotoData = typed(raw, at)?;
    if !checks::PHOTO_TYPES.contains(&p.mime.as_str()) {
        return Err((format!("{at}.mime"), RecordProblemKind::PhotoType(p.mime.chars().take(60).collect())));
    }
    // Base64 is four characters for three bytes: refuse before decoding what is too large.
    if p.data.len() / 4 * 3 > checks::MAX_PHOTO_BYTES + 3 {
        return Err((format!("{at}.data"), RecordProblemKind::PhotoTooLarge { max: checks::MAX_PHOTO_BYTES }));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(&p.data).map_err(|_| (format!("{at}.data"), RecordProblemKind::PhotoNotBase64))?;
    if bytes.len() > checks::MAX_PHOTO_BYTES {
        return Err((format!("{at}.data"), RecordProblemKind::PhotoTooLarge { max: checks::MAX_PHOTO_BYTES }));
    }
    if sha256_hex(&bytes) != p.sha256 {
        return Err((format!("{at}.sha256"), RecordProblemKind::PhotoChecksum));
    }
    if referenced.as_ref().is_some_and(|r| !r.contains(&p.sha256)) {
        return Err((format!("{at}.sha256"), RecordProblemKind::PhotoNotReferenced));
    }
    Ok((p.sha256, p.mime, bytes))
}

#[cfg(test)]
mod refusals;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sample::{drill_run_record, sample_roster, ticket_records, SampleSpec};
    use chrono::TimeZone;

    /// The head office clock the sample files are read at.
    pub(crate) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap()
    }

    pub(crate) fn sample_export(redacted: bool) -> (Envelope, String) {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        let spec = SampleSpec { seed: 5, tickets: 20, days: 10, now, offset_min: 480, chinese: true, staff: sample_roster(true) };
        let mut records: Vec<Record> = (0..20).flat_map(|i| ticket_records(&spec, i)).collect();
        records.push(drill_run_record(&spec, 0));
        let photo = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
        // The first ticket shows the photo: a file carries only photos its records name.
        let shown = records.iter_mut().find(|r| r.kind == RecordKind::Ticket).unwrap();
        shown.body["photos"] = serde_json::json!([{"sha256": sha256_hex(&photo), "width": 640, "height": 480, "bytes": photo.len()}]);
        let payload = Payload {
            records,
            photos: vec![PhotoData { sha256: sha256_hex(&photo), mime: "image/jpeg".into(), data: base64::engine::general_purpose::STANDARD.encode(&photo) }],
            settings: Some(SiteSettings { site_name: "东湖花园".into(), site_code: "DH01".into(), roster: sample_roster(true), ..SiteSettings::default() }),
        };
        let meta = ExportMeta {
            app_version: "0.1.0".into(),
            export_id: Uuid::from_u128(77),
            device: DeviceInfo { id: Uuid::from_u128(5), name: "前台平板".into() },
            site: SiteInfo { name: "东湖花园".into(), code: "DH01".into() },
            exported_at: now,
            utc_offset_min: 480,
            since: None,
        };
        let (env, _) = build(meta, payload, redacted);
        (env.clone(), to_file_text(&env))
    }

    #[test]
    fn an_export_reads_back_whole() {
        let (env, text) = sample_export(false);
        let read_back = read(&text).unwrap();
        assert_eq!(read_back, env);
        let payload = open(&read_back, None, now()).unwrap();
        assert_eq!(payload.records.len(), env.counts["tickets"] + env.counts["ticket_events"] + env.counts["drill_runs"]);
        assert_eq!(payload.photos.len(), 1);
        assert_eq!(payload.settings.unwrap().site_code, "DH01");
        assert!(env.until.is_some());
        // Pretty-printed or compact, key order aside, the checksum holds: it is over the canonical text.
        let compact = serde_json::to_string(&serde_json::from_str::<Value>(&text).unwrap()).unwrap();
        assert!(open(&read(&compact).unwrap(), None, now()).is_ok());
    }

    #[test]
    fn redacted_exports_carry_no_names_or_phones() {
        let (_, text) = sample_export(true);
        let payload = open(&read(&text).unwrap(), None, now()).unwrap();
        for r in payload.records.iter().filter(|r| r.kind == RecordKind::Ticket) {
            assert_eq!(r.body["reporter_name"], "");
            assert_eq!(r.body["phone"], "");
        }
        assert!(!text.contains("先生") && !text.contains("\"138"), "no reporter name or phone anywhere in the file");
    }

    /// Every class of malformed input gets its own error.
    #[test]
    fn malformed_files_get_their_specific_error() {
        let (_, text) = sample_export(false);
        assert_eq!(read(&text[..text.len() / 2]), Err(ImportError::Truncated));
        assert!(matches!(read("{\"format\": patroldesk}"), Err(ImportError::NotJson { line: 1, .. })));
        assert_eq!(read("[1, 2]"), Err(ImportError::NotAnExport));
        assert_eq!(read(r#"{"format": "excalidraw"}"#), Err(ImportError::NotAnExport));
        let edit = |f: &dyn Fn(&mut Value)| {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            f(&mut v);
            v.to_string()
        };
        assert_eq!(read(&edit(&|v| v["schema_version"] = 4.into())), Err(ImportError::NewerSchema { found: 4, supported: 3 }));
        assert_eq!(
            read(&edit(&|v| v["exported_at"] = 5.into())),
            Err(ImportError::InvalidEnvelope { path: "exported_at".into(), kind: RecordProblemKind::WrongType })
        );
        // A record's field altered after export: the checksum catches it.
        let altered = edit(&|v| v["payload"]["records"][0]["body"]["description"] = "改过".into());
        assert_eq!(open(&read(&altered).unwrap(), None, now()), Err(ImportError::BadChecksum));
        // The same alterations with the checksum recomputed (a hand-made file): each record problem is named.
        let rehashed = |f: &dyn Fn(&mut Value)| {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            f(&mut v);
            v["payload_sha256"] = sha256_hex(canonical_text(&v["payload"]).as_bytes()).into();
            open(&read(&v.to_string()).unwrap(), None, now())
        };
        let problem = |r: Result<CheckedPayload, ImportError>| match r {
            Err(ImportError::InvalidRecords { problems: p, .. }) => (p[0].path.clone(), p[0].kind.clone()),
            other => panic!("{:?}", other.err()),
        };
        // Records come event by event, the ticket last: the first ticket is at `t`.
        let v0: Value = serde_json::from_str(&text).unwrap();
        let t = v0["payload"]["records"].as_array().unwrap().iter().position(|r| r["kind"] == "ticket").unwrap();
        let (path, kind) = problem(rehashed(&|v| v["payload"]["records"][t]["body"]["received_at"] = true.into()));
        assert_eq!((path, kind), (format!("payload.records[{t}].body.received_at"), RecordProblemKind::WrongType));
        let last = |v: &Value| v["payload"]["records"].as_array().unwrap().len() - 1;
        let (path, kind) = problem(rehashed(&|v| {
            let i = last(v);
            v["payload"]["records"][i]["body"]["started_at"] = "yesterday".into()
        }));
        assert!(path.ends_with(".body.started_at"), "{path}");
        assert!(matches!(kind, RecordProblemKind::Other(_) | RecordProblemKind::WrongType));
        assert_eq!(problem(rehashed(&|v| v["payload"]["records"][1]["kind"] = "invoice".into())).1, RecordProblemKind::UnknownKind("invoice".into()));
        assert_eq!(problem(rehashed(&|v| { v["payload"]["records"][2].as_object_mut().unwrap().remove("id"); })), ("payload.records[2].id".into(), RecordProblemKind::MissingId));
        assert_eq!(
            problem(rehashed(&|v| { v["payload"]["records"][t]["body"].as_object_mut().unwrap().remove("number"); })),
            (format!("payload.records[{t}].body.number"), RecordProblemKind::MissingField("number".into()))
        );
        assert_eq!(
            problem(rehashed(&|v| { let r = v["payload"]["records"][0].clone(); v["payload"]["records"].as_array_mut().unwrap().push(r); })).1,
            RecordProblemKind::Duplicate
        );
        assert_eq!(problem(rehashed(&|v| v["payload"]["photos"][0]["data"] = "AAAA".into())), ("payload.photos[0].sha256".into(), RecordProblemKind::PhotoChecksum));
        let last_kind = v0["payload"]["records"].as_array().unwrap().last().unwrap()["kind"].as_str().unwrap().to_owned();
        let store = RecordKind::ALL.into_iter().find(|k| serde_json::to_value(k).unwrap() == last_kind.as_str()).unwrap().store_name();
        let stated = v0["counts"][store].as_u64().unwrap() as usize;
        assert_eq!(
            rehashed(&|v| { v["payload"]["records"].as_array_mut().unwrap().pop(); }),
            Err(ImportError::CountsMismatch { name: store.into(), stated: Some(stated), found: stated - 1 })
        );
    }

    /// A file the version 2 app wrote (before improvement measures) reads and opens whole.
    #[test]
    fn a_version_2_file_is_migrated() {
        let text = include_str!("../../../tests/fixtures/export-v2.json");
        let stated: Value = serde_json::from_str(text).unwrap();
        assert_eq!(stated["schema_version"], 2);
        assert!(stated["counts"].get("improvements").is_none());
        let env = read(text).unwrap();
        assert_eq!(env.schema_version, SCHEMA_VERSION);
        assert_eq!(env.counts["improvements"], 0);
        let later = chrono::Utc::now() + chrono::Duration::days(1);
        let payload = open(&env, None, later).unwrap();
        assert_eq!(payload.records.len(), 32);
        assert_eq!(payload.records.iter().filter(|r| r.kind == RecordKind::Ticket).count(), 4);
        // A version 2 file claiming a measure is refused: that version had none to count.
        let mut claimed = stated.clone();
        claimed["counts"]["improvements"] = 1.into();
        assert!(matches!(read(&claimed.to_string()).and_then(|e| open(&e, None, later)), Err(ImportError::CountsMismatch { .. })));
    }

    #[test]
    fn a_version_1_file_is_migrated() {
        let (env, text) = sample_export(false);
        let mut v: Value = serde_json::from_str(&text).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("device");
        o.remove("site");
        o.insert("schema_version".into(), 1.into());
        o.insert("device_id".into(), env.device.id.to_string().into());
        o.insert("device_name".into(), env.device.name.clone().into());
        o.insert("site_name".into(), "东湖花园".into());
        o.insert("site_code".into(), "DH01".into());
        let migrated = read(&v.to_string()).unwrap();
        assert_eq!(migrated, env);
        assert!(open(&migrated, None, now()).is_ok());
    }

    #[test]
    fn encrypted_files_need_the_right_passphrase() {
        use aes_gcm::aead::{Aead, KeyInit};
        let (env, _) = sample_export(false);
        let clear = canonical_text(env.payload.as_ref().unwrap());
        let (salt, iv) = ([7u8; 16], [9u8; 12]);
        let key = |pass: &str| pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(pass.as_bytes(), &salt, MIN_ITERATIONS);
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&key("correct horse")).unwrap();
        let sealed = cipher.encrypt(aes_gcm::Nonce::from_slice(&iv), clear.as_bytes()).unwrap();
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let enc = Encryption { cipher: "AES-GCM".into(), kdf: "PBKDF2-SHA-256".into(), iterations: MIN_ITERATIONS, salt: b64(&salt), iv: b64(&iv) };
        let file = to_file_text(&seal(env.clone(), enc.clone(), &sealed));
        assert!(!file.contains("DEMO-"), "nothing readable without the passphrase");
        let read_back = read(&file).unwrap();
        assert_eq!(open(&read_back, None, now()), Err(ImportError::NeedsPassphrase));
        // The browser's decrypt fails on a wrong key (AES-GCM's tag); the app reports it so.
        let wrong = aes_gcm::Aes256Gcm::new_from_slice(&key("wrong")).unwrap();
        assert!(wrong.decrypt(aes_gcm::Nonce::from_slice(&iv), sealed.as_slice()).is_err());
        let text = String::from_utf8(cipher.decrypt(aes_gcm::Nonce::from_slice(&iv), sealed.as_slice()).unwrap()).unwrap();
        assert_eq!(open(&read_back, Some(&text), now()).unwrap().records.len(), env.payload.as_ref().unwrap()["records"].as_array().unwrap().len());
        let weak = to_file_text(&seal(env, Encryption { iterations: 1000, ..enc }, &sealed));
        assert_eq!(read(&weak), Err(ImportError::WeakEncryption));
    }
}
