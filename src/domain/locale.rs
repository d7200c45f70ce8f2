//! Languages and locale-aware formatting of dates and numbers.
//!
//! Kept in the domain (not left to `Intl` in the browser) so that printed reports, exports
//! and the screen agree, and so the formats are tested natively.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, Timelike, Utc, Weekday};
use serde::{Deserialize, Serialize};

/// The interface languages PatrolDesk ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag, as used in `<html lang>` and the catalogue file names.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, shown in the switch so a user who cannot read the current
    /// language can still find theirs.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// Parses a stored tag; unknown tags give `None` so a corrupt preference falls back to
    /// the browser's language instead of failing.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "zh-CN" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// Picks the interface language from the browser's preference list
    /// (`navigator.languages`, most preferred first). Any Chinese variant selects zh-CN —
    /// staff with a zh-TW or zh-HK tablet read simplified Chinese better than English —
    /// and the first language we support wins.
    pub fn from_browser<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
        for tag in preferred {
            let primary = tag.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
            match primary.as_str() {
                "zh" => return Lang::ZhCn,
                "en" => return Lang::En,
                _ => {}
            }
        }
        Lang::En
    }
}

/// A moment as staff see it: the UTC instant shown at the device's offset.
pub fn to_local(instant: DateTime<Utc>, offset_minutes: i32) -> DateTime<FixedOffset> {
    // An impossible offset (more than a day) is shown as UTC rather than failing.
    let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| Utc.fix());
    instant.with_timezone(&offset)
}

fn weekday_name(lang: Lang, day: Weekday) -> &'static str {
    let i = day.num_days_from_monday() as usize;
    match lang {
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
        Lang::ZhCn => ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"][i],
    }
}

fn month_name(month: u32) -> &'static str {
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        [(month as usize).saturating_sub(1).min(11)]
}

/// A calendar date with its weekday: `2026年11月29日 星期日` / `Sun 29 Nov 2026`.
pub fn format_date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::ZhCn => format!(
            "{}年{}月{}日 {}",
            date.year(),
            date.month(),
            date.day(),
            weekday_name(lang, date.weekday())
        ),
        Lang::En => format!(
            "{} {} {} {}",
            weekday_name(lang, date.weekday()),
            date.day(),
            month_name(date.month()),
            date.year()
        ),
    }
}

/// A moment in local time, 24-hour clock as both languages use on rosters:
/// `2026-11-29 14:05` is written `2026年11月29日 14:05` / `29 Nov 2026, 14:05`.
pub fn format_datetime(lang: Lang, instant: DateTime<Utc>, offset_minutes: i32) -> String {
    let local = to_local(instant, offset_minutes);
    match lang {
        Lang::ZhCn => format!(
            "{}年{}月{}日 {:02}:{:02}",
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute()
        ),
        Lang::En => format!(
            "{} {} {}, {:02}:{:02}",
            local.day(),
            month_name(local.month()),
            local.year(),
            local.hour(),
            local.minute()
        ),
    }
}

/// A number with thousands grouping and a fixed count of decimals. Both languages group by
/// three with commas (GB/T 15835 allows it and supervisors' spreadsheets do it).
pub fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".to_owned();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3);
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let negative = value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    match frac_part {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn browser_language_picks_first_supported() {
        assert_eq!(Lang::from_browser(["zh-CN", "en-US"]), Lang::ZhCn);
        assert_eq!(Lang::from_browser(["zh-TW"]), Lang::ZhCn);
        assert_eq!(Lang::from_browser(["fr-FR", "en-GB", "zh-CN"]), Lang::En);
        assert_eq!(Lang::from_browser(["de"]), Lang::En);
        assert_eq!(Lang::from_browser([]), Lang::En);
        assert_eq!(Lang::from_browser(["ZH_cn"]), Lang::ZhCn);
    }

    #[test]
    fn tags_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("xx"), None);
    }

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(format_date(Lang::ZhCn, d), "2026年11月29日 星期日");
        assert_eq!(format_date(Lang::En, d), "Sun 29 Nov 2026");
    }

    #[test]
    fn datetimes_are_shown_at_the_device_offset() {
        // 23:30 UTC is already the next morning in Shanghai (UTC+8).
        let t = Utc.with_ymd_and_hms(2026, 11, 28, 23, 30, 0).unwrap();
        assert_eq!(format_datetime(Lang::ZhCn, t, 480), "2026年11月29日 07:30");
        assert_eq!(format_datetime(Lang::En, t, 480), "29 Nov 2026, 07:30");
        assert_eq!(format_datetime(Lang::En, t, 0), "28 Nov 2026, 23:30");
        // An impossible offset falls back to UTC rather than panicking.
        assert_eq!(format_datetime(Lang::En, t, 100_000), "28 Nov 2026, 23:30");
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(format_number(0.0, 0), "0");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(format_number(1000.0, 0), "1,000");
        assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_number(-12345.0, 1), "-12,345.0");
        assert_eq!(format_number(-0.001, 1), "0.0");
        assert_eq!(format_number(f64::NAN, 1), "—");
    }
}
