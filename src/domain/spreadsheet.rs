//! Spreadsheets for head office (Excel lives there): CSV in UTF-8 with a byte-order mark, so
//! Excel reads Chinese, and every text cell neutralised against formula injection — a cell
//! a resident typed as `=HYPERLINK(…)` must stay text when someone opens the file.

/// One cell: text, or a number Excel should treat as a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
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
        Cell::Number(_) => String::new(),
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
