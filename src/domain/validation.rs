//! The vocabulary of input problems shared by every form. Components map a [`Problem`] to
//! a message in the user's language; the domain never produces display text itself, so the
//! same rule reads correctly in zh-CN and English.

use serde::{Deserialize, Serialize};

/// What is wrong with one field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// Empty after trimming white space.
    Required,
    /// Longer than `max` characters (characters, not bytes: Chinese text counts fairly).
    TooLong { max: usize },
    /// Another entry already uses this value.
    Duplicate,
    /// Present but not of the expected shape (e.g. a site code with spaces).
    InvalidFormat,
    /// A time later than now.
    InFuture,
    /// A date further back than `days` days.
    TooOld { days: u32 },
    /// A number outside what the field allows.
    OutOfRange { min: u32, max: u32 },
}

/// Trims `raw` and checks it is present and at most `max` characters long.
pub fn required_text(raw: &str, max: usize) -> Result<String, Problem> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    if text.chars().count() > max {
        return Err(Problem::TooLong { max });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts() {
        assert_eq!(required_text("  东区 ", 10), Ok("东区".to_owned()));
    }

    #[test]
    fn blank_is_required() {
        assert_eq!(required_text(" \t ", 10), Err(Problem::Required));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // Ten Chinese characters are thirty bytes but exactly at the limit.
        assert!(required_text("一二三四五六七八九十", 10).is_ok());
        assert_eq!(required_text("一二三四五六七八九十一", 10), Err(Problem::TooLong { max: 10 }));
    }
}
