//! Spreadsheets for head office (Excel lives there): CSV in UTF-8 with a byte-order mark, so
//! Excel reads Chinese, and every text cell neutralised against formula injection — a cell
//! a resident typed as `=HYPERLINK(…)` must stay text when someone opens the file.

/// One cell: text, a number, or a local date and time — typed, so Excel can sum and sort.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// Local time (spreadsheets have no time zones); CSV writes `YYYY-MM-DD HH:MM`.
    Date(chrono::NaiveDateTime),
    Empty,
}

/// One sheet of a workbook (also one CSV file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sheet {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

/// Text that a spreadsheet would read as a formula (or a DDE command) gets a leading
/// apostrophe: `=`, `+`, `-`, `@`, tab and carriage return are the triggers.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

fn field(cell: &Cell) -> String {
    let text = match cell {
        Cell::Number(n) if n.is_finite() => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", *n as i64)
            } else {
                format!("{n}")
            }
        }
        Cell::Number(_) | Cell::Empty => String::new(),
        Cell::Date(d) => d.format("%Y-%m-%d %H:%M").to_string(),
        Cell::Text(t) => neutralise(t),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A CSV file: BOM, header row, rows, CRLF line ends (RFC 4180).
pub fn csv(headers: &[String], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = headers.iter().map(|h| field(&Cell::Text(h.clone()))).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&row.iter().map(field).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// An Excel name for a sheet: at most 31 characters, none of `[]:*?/\\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name.chars().map(|c| if "[]:*?/\\".contains(c) { '_' } else { c }).take(31).collect();
    if clean.trim().is_empty() { "Sheet".into() } else { clean }
}

/// An XLSX workbook, one worksheet per sheet: bold frozen header row, numbers as numbers,
/// dates as dates, text neutralised like the CSV (and written as strings, never formulas).
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet_name(&sheet.name)).map_err(err)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, neutralise(h), &bold).map_err(err)?;
            ws.set_column_width(c as u16, 16).map_err(err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(err)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => drop(ws.write_string(r, c, neutralise(t)).map_err(err)?),
                    Cell::Number(n) if n.is_finite() => drop(ws.write_number(r, c, *n).map_err(err)?),
                    Cell::Date(d) => {
                        use chrono::{Datelike, Timelike};
                        let excel = rust_xlsxwriter::ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .and_then(|x| x.and_hms(d.hour() as u16, d.minute() as u8, d.second()))
                            .map_err(err)?;
                        ws.write_datetime_with_format(r, c, &excel, &date).map_err(err)?;
                    }
                    Cell::Number(_) | Cell::Empty => {}
                }
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_triggers_are_neutralised_and_plain_text_is_not() {
        for t in ["=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"] {
            assert!(neutralise(t).starts_with('\''), "{t:?}");
        }
        for t in ["漏水", "1-1-101", "a=b", ""] {
            assert_eq!(neutralise(t), t);
        }
    }

    #[test]
    fn workbook_is_a_zip_with_one_sheet_per_kind() {
        let when = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap().and_hms_opt(9, 30, 0).unwrap();
        let sheets = vec![
            Sheet { name: "工单".into(), headers: vec!["编号".into(), "时间".into(), "评分".into()], rows: vec![vec!["=1+1".into(), Cell::Date(when), Cell::Number(5.0)]] },
            Sheet { name: "a/b:c".into(), headers: vec!["x".into()], rows: vec![] },
        ];
        let bytes = workbook(&sheets).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }

    #[test]
    fn csv_has_a_bom_quotes_and_numbers() {
        let bytes = csv(
            &["编号".into(), "描述".into(), "评分".into()],
            &[
                vec!["T-1".into(), "漏水, \"急\"\n二楼".into(), Cell::Number(5.0)],
                vec!["T-2".into(), "=1+1".into(), Cell::Number(-2.5)],
            ],
        );
        assert_eq!(&bytes[..3], b"\xef\xbb\xbf");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "编号,描述,评分\r\nT-1,\"漏水, \"\"急\"\"\n二楼\",5\r\nT-2,'=1+1,-2.5\r\n");
    }
}
