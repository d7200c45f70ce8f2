//! The export file (导出文件): a versioned envelope around the records, photos and site
//! settings a tablet sends to head office (and head office sends back). Read back with every
//! part checked before anything is written: format, schema version (older ones migrated step
//! by step, newer ones refused), payload checksum, and every record against its kind's type,
//! each problem named by the record and its JSON path. The schema is `docs/export.schema.json`.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::clock::Stamp;
use super::drill::{DrillPlan, DrillRun};
use super::record::{Record, RecordKind};
use super::settings::SiteSettings;
use super::ticket::Ticket;
use super::workflow::TicketEvent;

pub const FORMAT: &str = "patroldesk-export";
/// The version written now. Version 1 is a draft envelope (device and site as flat fields)
/// kept as a test fixture; no released app wrote it, but its migration exercises the path.
pub const SCHEMA_VERSION: u32 = 2;
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
    UnknownValue(String),
    UnknownKind(String),
    MissingId,
    Duplicate,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
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
    /// Ends in the middle (a copy cut short).
    Truncated,
    NotJson { line: usize, column: usize },
    /// JSON, but not a PatrolDesk export.
    NotAnExport,
    /// Written by a newer app; update this one first.
    NewerSchema { found: u32, supported: u32 },
    /// The envelope itself is malformed.
    InvalidEnvelope { path: String, kind: RecordProblemKind },
    /// The payload does not match its checksum (damaged or altered).
    BadChecksum,
    /// Encrypted: a passphrase is needed.
    NeedsPassphrase,
    WrongPassphrase,
    /// Encrypted with settings this app does not accept (e.g. too few iterations).
    WeakEncryption,
    /// Counts on the envelope do not match the payload.
    CountsMismatch,
    /// Records (or photos) that do not read as what they claim to be.
    InvalidRecords(Vec<RecordProblem>),
}

fn classify(message: &str) -> RecordProblemKind {
    let between = |s: &str| s.split('`').nth(1).unwrap_or_default().to_owned();
    if message.starts_with("missing field") {
        RecordProblemKind::MissingField(between(message))
    } else if message.starts_with("invalid type") || message.starts_with("invalid length") {
        RecordProblemKind::WrongType
    } else if message.starts_with("unknown variant") || message.starts_with("unknown field") {
        RecordProblemKind::UnknownValue(between(message))
    } else {
        RecordProblemKind::Other(message.split(" at line").next().unwrap_or(message).to_owned())
    }
}

/// Deserialises `value` as `T`, or says where and what is wrong (path under `prefix`).
fn typed<T: for<'de> Deserialize<'de>>(value: &Value, prefix: &str) -> Result<T, (String, RecordProblemKind)> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." || inner.is_empty() { prefix.to_owned() } else { format!("{prefix}.{inner}") };
        (path, classify(&e.inner().to_string()))
    })
}

type Migration = fn(Value) -> Value;

/// Step `n` turns a version `n + 1` file into version `n + 2`.
const MIGRATIONS: [Migration; 1] = [v1_to_v2];

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

/// Reads and checks a file's envelope (not yet its payload).
pub fn read(text: &str) -> Result<Envelope, ImportError> {
    let file: Value = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => ImportError::Truncated,
        _ => ImportError::NotJson { line: e.line(), column: e.column() },
    })?;
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
    match (&envelope.encryption, &envelope.payload, &envelope.ciphertext) {
        (None, Some(_), None) => {}
        (Some(enc), None, Some(_)) => {
            if enc.cipher != "AES-GCM" || enc.kdf != "PBKDF2-SHA-256" || enc.iterations < MIN_ITERATIONS {
                return Err(ImportError::WeakEncryption);
            }
        }
        _ => return Err(ImportError::InvalidEnvelope { path: "payload".into(), kind: RecordProblemKind::MissingField("payload".into()) }),
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

/// Checks the payload: the clear one, or `decrypted` (the text the browser decrypted).
pub fn open(envelope: &Envelope, decrypted: Option<&str>) -> Result<CheckedPayload, ImportError> {
    let value = match (&envelope.payload, decrypted) {
        (Some(v), _) => v.clone(),
        (None, Some(text)) => serde_json::from_str(text).map_err(|_| ImportError::WrongPassphrase)?,
        (None, None) => return Err(ImportError::NeedsPassphrase),
    };
    if sha256_hex(canonical_text(&value).as_bytes()) != envelope.payload_sha256 {
        return Err(ImportError::BadChecksum);
    }
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut seen = HashSet::new();
    let known: Vec<String> = RecordKind::ALL.iter().map(|k| serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()).collect();
    let list = value.get("records").and_then(Value::as_array).cloned().unwrap_or_default();
    if value.get("records").is_none_or(|r| !r.is_array()) {
        problems.push(RecordProblem { index: 0, path: "payload.records".into(), kind: RecordProblemKind::WrongType });
    }
    for (index, raw) in list.iter().enumerate() {
        let at = format!("payload.records[{index}]");
        let problem = |path: String, kind| RecordProblem { index, path, kind };
        if raw.get("id").is_none_or(Value::is_null) {
            problems.push(problem(format!("{at}.id"), RecordProblemKind::MissingId));
            continue;
        }
        if let Some(kind) = raw.get("kind").and_then(Value::as_str) {
            if !known.iter().any(|k| k == kind) {
                problems.push(problem(format!("{at}.kind"), RecordProblemKind::UnknownKind(kind.to_owned())));
                continue;
            }
        }
        let record: Record = match typed(raw, &at) {
            Ok(r) => r,
            Err((path, kind)) => {
                problems.push(problem(path, kind));
                continue;
            }
        };
        let body_at = format!("{at}.body");
        let body_check = match record.kind {
            RecordKind::Ticket => typed::<Ticket>(&record.body, &body_at).map(|_| ()),
            RecordKind::TicketEvent => typed::<TicketEvent>(&record.body, &body_at).map(|_| ()),
            RecordKind::DrillPlan => typed::<DrillPlan>(&record.body, &body_at).map(|_| ()),
            RecordKind::DrillRun => typed::<DrillRun>(&record.body, &body_at).map(|_| ()),
        };
        if let Err((path, kind)) = body_check {
            // A tombstone's body may be whatever it was when deleted; only live records must read.
            if !record.is_deleted() {
                problems.push(problem(path, kind));
                continue;
            }
        }
        if !seen.insert((record.kind, record.id)) {
            problems.push(problem(format!("{at}.id"), RecordProblemKind::Duplicate));
            continue;
        }
        records.push(record);
    }
    let mut photos = Vec::new();
    let photo_list = value.get("photos").and_then(Value::as_array).cloned().unwrap_or_default();
    for (index, raw) in photo_list.iter().enumerate() {
        let at = format!("payload.photos[{index}]");
        match typed::<PhotoData>(raw, &at) {
            Ok(p) => match base64::engine::general_purpose::STANDARD.decode(&p.data) {
                Ok(bytes) if sha256_hex(&bytes) == p.sha256 && p.mime.starts_with("image/") => photos.push((p.sha256, p.mime, bytes)),
                _ => problems.push(RecordProblem { index, path: format!("{at}.data"), kind: RecordProblemKind::Other("photo does not match its sha256".into()) }),
            },
            Err((path, kind)) => problems.push(RecordProblem { index, path, kind }),
        }
    }
    let settings = match value.get("settings") {
        None | Some(Value::Null) => None,
        Some(raw) => match typed::<SiteSettings>(raw, "payload.settings") {
            Ok(s) => Some(s),
            Err((path, kind)) => {
                problems.push(RecordProblem { index: 0, path, kind });
                None
            }
        },
    };
    if !problems.is_empty() {
        problems.truncate(MAX_PROBLEMS);
        return Err(ImportError::InvalidRecords(problems));
    }
    for kind in RecordKind::ALL {
        let n = records.iter().filter(|r| r.kind == kind).count();
        if envelope.counts.get(kind.store_name()).copied().unwrap_or(0) != n {
            return Err(ImportError::CountsMismatch);
        }
    }
    Ok(CheckedPayload { records, photos, settings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sample::{drill_run_record, sample_roster, ticket_records, SampleSpec};
    use chrono::TimeZone;

    pub(crate) fn sample_export(redacted: bool) -> (Envelope, String) {
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
        let spec = SampleSpec { seed: 5, tickets: 20, days: 10, now, offset_min: 480, chinese: true, staff: sample_roster(true) };
        let mut records: Vec<Record> = (0..20).flat_map(|i| ticket_records(&spec, i)).collect();
        records.push(drill_run_record(&spec, 0));
        let photo = vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3];
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
        let payload = open(&read_back, None).unwrap();
        assert_eq!(payload.records.len(), env.counts["tickets"] + env.counts["ticket_events"] + env.counts["drill_runs"]);
        assert_eq!(payload.photos.len(), 1);
        assert_eq!(payload.settings.unwrap().site_code, "DH01");
        assert!(env.until.is_some());
        // Pretty-printed or compact, key order aside, the checksum holds: it is over the canonical text.
        let compact = serde_json::to_string(&serde_json::from_str::<Value>(&text).unwrap()).unwrap();
        assert!(open(&read(&compact).unwrap(), None).is_ok());
    }

    #[test]
    fn redacted_exports_carry_no_names_or_phones() {
        let (_, text) = sample_export(true);
        let payload = open(&read(&text).unwrap(), None).unwrap();
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
        assert_eq!(read(&edit(&|v| v["schema_version"] = 3.into())), Err(ImportError::NewerSchema { found: 3, supported: 2 }));
        assert_eq!(
            read(&edit(&|v| v["exported_at"] = 5.into())),
            Err(ImportError::InvalidEnvelope { path: "exported_at".into(), kind: RecordProblemKind::WrongType })
        );
        // A record's field altered after export: the checksum catches it.
        let altered = edit(&|v| v["payload"]["records"][0]["body"]["description"] = "改过".into());
        assert_eq!(open(&read(&altered).unwrap(), None), Err(ImportError::BadChecksum));
        // The same alterations with the checksum recomputed (a hand-made file): each record problem is named.
        let rehashed = |f: &dyn Fn(&mut Value)| {
            let mut v: Value = serde_json::from_str(&text).unwrap();
            f(&mut v);
            v["payload_sha256"] = sha256_hex(canonical_text(&v["payload"]).as_bytes()).into();
            open(&read(&v.to_string()).unwrap(), None)
        };
        let problem = |r: Result<CheckedPayload, ImportError>| match r {
            Err(ImportError::InvalidRecords(p)) => (p[0].path.clone(), p[0].kind.clone()),
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
            (format!("payload.records[{t}].body"), RecordProblemKind::MissingField("number".into()))
        );
        assert_eq!(
            problem(rehashed(&|v| { let r = v["payload"]["records"][0].clone(); v["payload"]["records"].as_array_mut().unwrap().push(r); })).1,
            RecordProblemKind::Duplicate
        );
        assert_eq!(problem(rehashed(&|v| v["payload"]["photos"][0]["data"] = "AAAA".into())).0, "payload.photos[0].data");
        assert_eq!(rehashed(&|v| { v["payload"]["records"].as_array_mut().unwrap().pop(); }), Err(ImportError::CountsMismatch));
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
        assert!(open(&migrated, None).is_ok());
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
        assert_eq!(open(&read_back, None), Err(ImportError::NeedsPassphrase));
        // The browser's decrypt fails on a wrong key (AES-GCM's tag); the app reports it so.
        let wrong = aes_gcm::Aes256Gcm::new_from_slice(&key("wrong")).unwrap();
        assert!(wrong.decrypt(aes_gcm::Nonce::from_slice(&iv), sealed.as_slice()).is_err());
        let text = String::from_utf8(cipher.decrypt(aes_gcm::Nonce::from_slice(&iv), sealed.as_slice()).unwrap()).unwrap();
        assert_eq!(open(&read_back, Some(&text)).unwrap().records.len(), env.payload.as_ref().unwrap()["records"].as_array().unwrap().len());
        let weak = to_file_text(&seal(env, Encryption { iterations: 1000, ..enc }, &sealed));
        assert_eq!(read(&weak), Err(ImportError::WeakEncryption));
    }
}
