//! How big a stored photo is: small enough that hundreds fit on a tablet, big enough to read
//! a meter or a crack.

/// The longest side a stored photo may have.
pub const MAX_SIDE: u32 = 1600;

/// Photos a ticket may carry.
pub const MAX_PER_TICKET: usize = 6;

/// The size a `width × height` image is stored at: unchanged if it fits, else scaled so the
/// long side is [`MAX_SIDE`], keeping the aspect ratio.
pub fn fitted_size(width: u32, height: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= MAX_SIDE {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(MAX_SIDE) / f64::from(long);
    let w = ((f64::from(width) * scale).round() as u32).clamp(1, MAX_SIDE);
    let h = ((f64::from(height) * scale).round() as u32).clamp(1, MAX_SIDE);
    (w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_photos_fit_the_long_side_small_ones_stay() {
        assert_eq!(fitted_size(4000, 3000), (1600, 1200));
        assert_eq!(fitted_size(3000, 4000), (1200, 1600));
        assert_eq!(fitted_size(1600, 900), (1600, 900));
        assert_eq!(fitted_size(640, 480), (640, 480));
        assert_eq!(fitted_size(20000, 10), (1600, 1));
        assert_eq!(fitted_size(0, 0), (1, 1));
    }
}
