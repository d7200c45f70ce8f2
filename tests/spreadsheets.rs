//! The spreadsheets head office opens: an XLSX workbook and a CSV, converted by LibreOffice
//! headless (`soffice --convert-to`) to flat ODS, where Chinese text must be intact, numbers
//! must be numbers, dates dates, and formula text must stay text.

use std::path::Path;
use std::process::Command;

use patroldesk::domain::spreadsheet::{csv, workbook, Cell, Sheet};

fn sheet() -> Sheet {
    let when = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().and_hms_opt(9, 30, 0).unwrap();
    Sheet {
        name: "工单".into(),
        headers: vec!["编号".into(), "描述".into(), "受理时间".into(), "回访评分".into()],
        rows: vec![
            vec!["DH01-A1B2C3-261129-001".into(), "电梯异响，三楼".into(), Cell::Date(when), Cell::Number(5.0)],
            vec!["DH01-A1B2C3-261129-002".into(), "=1+1".into(), Cell::Date(when), Cell::Number(3.5)],
        ],
    }
}

/// Converts `file` to flat ODS with LibreOffice and returns the XML.
fn open_in_libreoffice(file: &Path, csv_filter: bool) -> String {
    let dir = file.parent().unwrap();
    let mut cmd = Command::new("soffice");
    cmd.arg(format!("-env:UserInstallation=file://{}/lo-profile", dir.display())).arg("--headless");
    if csv_filter {
        // Comma, double quote, UTF-8 (76), first line 1.
        cmd.arg("--infilter=CSV:44,34,76,1");
    }
    let out = cmd.arg("--convert-to").arg("fods").arg("--outdir").arg(dir).arg(file).output().expect("soffice runs (make test installs libreoffice-calc-nogui)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(file.with_extension("fods")).expect("converted file")
}

#[test]
fn xlsx_and_csv_open_in_libreoffice_with_chinese_numbers_and_dates() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sheets");
    std::fs::create_dir_all(&dir).unwrap();
    let s = sheet();

    let xlsx = dir.join("tickets.xlsx");
    std::fs::write(&xlsx, workbook(std::slice::from_ref(&s)).unwrap()).unwrap();
    let xml = open_in_libreoffice(&xlsx, false);
    assert!(xml.contains("table:name=\"工单\""), "sheet name in Chinese");
    assert!(xml.contains("电梯异响，三楼"));
    assert!(xml.contains("office:value-type=\"float\" office:value=\"5\""), "a score is a number");
    assert!(xml.contains("office:value-type=\"float\" office:value=\"3.5\""));
    assert!(xml.contains("office:value-type=\"date\" office:date-value=\"2026-11-29T09:30:00\""), "a time is a date");
    assert!(xml.contains("&apos;=1+1") || xml.contains("'=1+1"), "formula text stays text");
    assert!(!xml.contains("table:formula"), "no formula anywhere");

    let csv_path = dir.join("tickets.csv");
    std::fs::write(&csv_path, csv(&s.headers, &s.rows)).unwrap();
    let xml = open_in_libreoffice(&csv_path, true);
    assert!(xml.contains("电梯异响，三楼") && xml.contains("回访评分"), "Chinese intact from the UTF-8 CSV");
    assert!(xml.contains("office:value-type=\"float\" office:value=\"5\""), "numbers read as numbers");
    assert!(!xml.contains("table:formula"));
}
