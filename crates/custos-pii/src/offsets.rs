//! Byte offsets (the Rust API) to Unicode code point offsets (JSON, as Presidio reports them)
//! and back, in one pass over the text.

/// Converts sorted-or-not byte offsets to code point offsets, in place. Every offset must lie
/// on a character boundary of `text` (the analyzer's always do).
pub fn bytes_to_code_points(text: &str, offsets: &mut [&mut usize]) {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| *offsets[i]);
    let (mut byte, mut cp) = (0usize, 0usize);
    for i in order {
        let target = *offsets[i];
        if target > byte {
            cp += text[byte..target].chars().count();
            byte = target;
        }
        *offsets[i] = cp;
    }
}

/// The byte offset of code point `cp` in `text` (`None` past the end).
pub fn code_point_to_byte(text: &str, cp: usize) -> Option<usize> {
    if cp == 0 {
        return Some(0);
    }
    match text.char_indices().nth(cp) {
        Some((b, _)) => Some(b),
        None => (text.chars().count() == cp).then_some(text.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_multibyte_text() {
        let t = "Grüße an Zoë: zoë@example.com";
        let start = t.find("zoë@").unwrap_or(0);
        let (mut s, mut e) = (start, t.len());
        bytes_to_code_points(t, &mut [&mut s, &mut e]);
        assert_eq!((s, e), (14, t.chars().count()));
        assert_eq!(code_point_to_byte(t, s), Some(start));
        assert_eq!(code_point_to_byte(t, e), Some(t.len()));
        assert_eq!(code_point_to_byte(t, e + 1), None);
    }
}
