//! Contact phone numbers as residents give them: mainland mobiles, landlines with an area
//! code, or international numbers. Stored normalised (digits, a leading `+`, one `-` after a
//! landline's area code), so search and de-duplication see one spelling.

use super::validation::Problem;

/// The longest input accepted, separators included.
pub const PHONE_MAX: usize = 24;

/// Normalises and checks a phone number.
///
/// Accepted, with spaces, dashes, dots and brackets as the user likes:
/// - mainland mobile: 11 digits starting `1`, second digit 3–9 (`138 0013 8000`);
///   a `+86` / `0086` prefix is accepted and dropped;
/// - landline: area code `0` + 2–3 digits, then 7–8 digits (`010-6552 9988`,
///   `(0755) 8888 6666`), optionally an extension after `#`/`ext`/`x` of up to 5 digits;
/// - international: `+` or `00` then 8–15 digits (E.164).
pub fn normalize_phone(raw: &str) -> Result<String, Problem> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Problem::Required);
    }
    if text.chars().count() > PHONE_MAX {
        return Err(Problem::TooLong { max: PHONE_MAX });
    }
    let lower = text.to_ascii_lowercase();
    let (main, extension) = match lower.find("ext").or_else(|| lower.find(['#', 'x'])) {
        Some(at) => {
            let ext: String = lower[at..].trim_start_matches(['#', 'x', 'e', 't', '.', ' ']).to_owned();
            (lower[..at].to_owned(), Some(ext))
        }
        None => (lower.clone(), None),
    };
    let plus = main.trim_start().starts_with('+');
    let mut digits = String::new();
    for (i, c) in main.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' => {}
            '+' if i == 0 => {}
            _ => return Err(Problem::InvalidFormat),
        }
    }
    let international = plus || digits.starts_with("00");
    if international {
        let rest = if plus { digits.as_str() } else { &digits[2..] };
        // China's own code: check it as a domestic number.
        if let Some(domestic) = rest.strip_prefix("86") {
            if is_mobile(domestic) && extension.is_none() {
                return Ok(domestic.to_owned());
            }
        }
        if (8..=15).contains(&rest.len()) && !rest.starts_with('0') && extension.is_none() {
            return Ok(format!("+{rest}"));
        }
        return Err(Problem::InvalidFormat);
    }
    if is_mobile(&digits) && extension.is_none() {
        return Ok(digits);
    }
    if let Some(landline) = landline(&digits) {
        return match extension {
            None => Ok(landline),
            Some(ext) if (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_digit()) => {
                Ok(format!("{landline}#{ext}"))
            }
            Some(_) => Err(Problem::InvalidFormat),
        };
    }
    Err(Problem::InvalidFormat)
}

fn is_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// Splits a landline into area code and subscriber number. Area codes are `0` + 2 digits
/// (the big cities: 010, 020–029) or `0` + 3 digits; subscriber numbers have 7–8 digits and
/// do not start with 0 or 1.
fn landline(digits: &str) -> Option<String> {
    if !digits.starts_with('0') {
        return None;
    }
    let two_digit_area = digits.starts_with("010") || digits.starts_with("02");
    let area_len = if two_digit_area { 3 } else { 4 };
    if digits.len() <= area_len {
        return None;
    }
    let (area, number) = digits.split_at(area_len);
    let ok = (7..=8).contains(&number.len()) && !number.starts_with(['0', '1']);
    ok.then(|| format!("{area}-{number}"))
}

/// A stored number as lists and cards show it (只显示任务所需): the first three and the last
/// four digits, the ones between as `*` — `138****5637`, `010-****9988`. A number too short
/// to hide anything shows only its last two digits.
pub fn masked(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let (head, tail) = if digits >= 8 { (3, 4) } else { (0, 2) };
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > digits.saturating_sub(tail) { c } else { '*' }
        })
        .collect()
}

#[cfg(test)]
mod tests {

    #[test]
    fn masked_numbers_keep_the_first_three_and_last_four_digits() {
        assert_eq!(masked("13856375637"), "138****5637");
        assert_eq!(masked("010-65529988"), "010-****9988");
        assert_eq!(masked("0755-88886666"), "075*-****6666");
        assert_eq!(masked("+442071234567"), "+442*****4567");
        assert_eq!(masked("12345"), "***45");
        assert_eq!(masked(""), "");
    }

    use super::*;

    #[test]
    fn valid_numbers_are_normalised() {
        let cases = [
            ("13800138000", "13800138000"),
            ("138 0013 8000", "13800138000"),
            ("138-0013-8000", "13800138000"),
            ("+86 138 0013 8000", "13800138000"),
            ("0086 19912345678", "19912345678"),
            ("010-65529988", "010-65529988"),
            ("010 6552 9988", "010-65529988"),
            ("(0755) 8888 6666", "0755-88886666"),
            ("0571-8765432", "0571-8765432"),
            ("021-64381234 ext 123", "021-64381234#123"),
            ("021-64381234#8", "021-64381234#8"),
            ("+852 2345 6789", "+85223456789"),
            ("+44 20 7946 0958", "+442079460958"),
            ("0044 20 7946 0958", "+442079460958"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_phone(input), Ok(expected.to_owned()), "{input}");
        }
    }

    #[test]
    fn invalid_numbers_are_refused() {
        let cases = [
            "1380013800",      // 10 digits
            "138001380001",    // 12 digits
            "12800138000",     // mobile second digit 2
            "23800138000",     // does not start with 1 or 0
            "6552 9988",       // landline without area code
            "010-0552998",     // subscriber starts with 0
            "0755-123456",     // subscriber too short
            "+12",             // international too short
            "+0123456789",     // country code cannot start with 0
            "1380013800O",     // letter O
            "电话13800138000", // words around it
            "13800138000#12",  // mobiles have no extension
            "021-64381234 ext 123456",
        ];
        for input in cases {
            assert_eq!(normalize_phone(input), Err(Problem::InvalidFormat), "{input}");
        }
        assert_eq!(normalize_phone("   "), Err(Problem::Required));
        assert_eq!(normalize_phone("1 2 3 4 5 6 7 8 9 0 1 2 3 4"), Err(Problem::TooLong { max: PHONE_MAX }));
    }
}
