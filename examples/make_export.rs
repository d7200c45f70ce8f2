//! Writes an export file of N generated tickets (with their steps) for the benchmarks:
//! `cargo run --release --example make_export -- 10000 out.json [DAYS]` (tickets received over
//! DAYS days, 90 unless given: 1 day leaves most of them open). The records are re-stamped
//! as coming from a real device, so they import like a tablet's file. A fourth argument N
//! makes it the N-th of several tablets (its own device, seed and site code), so files of
//! five sites can be imported together as head office would.

use chrono::Utc;
use patroldesk::domain::export::{build, to_file_text, DeviceInfo, ExportMeta, Payload, SiteInfo};
use patroldesk::domain::sample::{sample_roster, ticket_records, SampleSpec};
use uuid::Uuid;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let out = args.next().unwrap_or_else(|| "export.json".into());
    let days: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(90);
    let tablet: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let device = Uuid::from_u128(0xbe_0c4 + u128::from(tablet) * 0x1_0000);
    let spec = SampleSpec { seed: 42 + tablet, tickets: n, days, now: Utc::now(), offset_min: 480, chinese: true, staff: sample_roster(true) };
    let records = (0..n)
        .flat_map(|i| ticket_records(&spec, i))
        .map(|mut r| {
            r.origin_device = device;
            r.created_at.device = device;
            r.updated_at.device = device;
            r
        })
        .collect();
    let meta = ExportMeta {
        app_version: env!("CARGO_PKG_VERSION").into(),
        export_id: Uuid::now_v7(),
        device: DeviceInfo { id: device, name: "bench tablet".into() },
        site: SiteInfo { name: format!("Bench {tablet}"), code: format!("BEN{tablet}") },
        exported_at: Utc::now(),
        utc_offset_min: 480,
        since: None,
    };
    let (envelope, _) = build(meta, Payload { records, ..Payload::default() }, false);
    std::fs::write(&out, to_file_text(&envelope)).expect("write the file");
    eprintln!("{n} tickets → {out}");
}
