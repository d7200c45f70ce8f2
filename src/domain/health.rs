//! Rules about the device's storage that the Data view shows.

/// Usage above this share of the quota gets a warning: there is still room to export and
/// clear before saves start failing.
pub const NEARLY_FULL_SHARE: f64 = 0.8;

/// The share of the quota in use, when both figures are known and sensible.
pub fn usage_share(usage: Option<f64>, quota: Option<f64>) -> Option<f64> {
    match (usage, quota) {
        (Some(u), Some(q)) if q > 0.0 && u >= 0.0 => Some(u / q),
        _ => None,
    }
}

pub fn is_nearly_full(usage: Option<f64>, quota: Option<f64>) -> bool {
    usage_share(usage, quota).is_some_and(|s| s > NEARLY_FULL_SHARE)
}

/// Bytes as staff read them: `812 KB`, `1.2 MB`, `3.4 GB` (1024-based, as browsers report).
pub fn format_bytes(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if !bytes.is_finite() || bytes < 0.0 {
        return "—".to_owned();
    }
    if bytes < 1024.0 {
        return format!("{} B", bytes as u64);
    }
    let mut value = bytes / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{} {}", value.round() as u64, UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_only_past_eighty_percent() {
        assert!(!is_nearly_full(Some(80.0), Some(100.0)));
        assert!(is_nearly_full(Some(80.1), Some(100.0)));
        assert!(!is_nearly_full(None, Some(100.0)));
        assert!(!is_nearly_full(Some(5.0), Some(0.0)), "an unknown quota is not a full one");
        assert_eq!(usage_share(Some(1.0), Some(4.0)), Some(0.25));
    }

    #[test]
    fn bytes_read_naturally() {
        assert_eq!(format_bytes(512.0), "512 B");
        assert_eq!(format_bytes(1536.0), "1.5 KB");
        assert_eq!(format_bytes(812.0 * 1024.0), "812 KB");
        assert_eq!(format_bytes(1.26 * 1024.0 * 1024.0 * 1024.0), "1.3 GB");
        assert_eq!(format_bytes(f64::NAN), "—");
    }
}
