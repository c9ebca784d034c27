//! Bits in and out of base64url, the way the IAB formats pack them: fields of any width, most
//! significant bit first, six bits per character.

use crate::{Rule, Violation};

/// The value of a base64url character, or 0xFF.
const fn table() -> [u8; 256] {
    let mut t = [0xFFu8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
}
static DECODE: [u8; 256] = table();
const ENCODE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// An id type a bitfield decodes to (`u8` for purposes, at most 64 bits; `u16` for vendors,
/// at most 65,535).
pub(crate) trait Id: Copy {
    /// The id at 1-based position `i` (callers bound `i` by the type's range).
    fn at(i: usize) -> Self;
}

impl Id for u8 {
    #[inline]
    fn at(i: usize) -> Self {
        i as u8
    }
}

impl Id for u16 {
    #[inline]
    fn at(i: usize) -> Self {
        i as u16
    }
}

/// A segment's bits, read front to back.
pub(crate) struct Reader {
    bytes: Vec<u8>,
    len: usize,
    pos: usize,
}

impl Reader {
    /// Unpacks a base64url segment (no `=` padding: the formats forbid it).
    pub(crate) fn new(segment: &str) -> Result<Self, Violation> {
        let s = segment.as_bytes();
        if s.is_empty() {
            return Err(Violation::new(Rule::Empty, "an empty segment"));
        }
        let len = s.len() * 6;
        let mut bytes = Vec::with_capacity(len.div_ceil(8) + 8);
        // Four characters make three bytes; a trailing group of one to three characters makes
        // what bits it has.
        let bad = |i: usize| {
            let c = s[i];
            Violation::new(Rule::BadBase64, format!("character {} ({:?}) is not base64url", i + 1, c as char))
        };
        let mut chunks = s.chunks_exact(4);
        for (k, c) in chunks.by_ref().enumerate() {
            let (a, b, d, e) = (DECODE[c[0] as usize], DECODE[c[1] as usize], DECODE[c[2] as usize], DECODE[c[3] as usize]);
            if (a | b | d | e) & 0xC0 != 0 {
                let i = (0..4).find(|&j| DECODE[c[j] as usize] == 0xFF).unwrap_or(0);
                return Err(bad(k * 4 + i));
            }
            let v = (u32::from(a) << 18) | (u32::from(b) << 12) | (u32::from(d) << 6) | u32::from(e);
            bytes.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
        }
        let mut out = bytes.len();
        bytes.resize(len.div_ceil(8) + 8, 0);
        let rest = chunks.remainder();
        let (mut acc, mut n) = (0u32, 0u32);
        for (j, &c) in rest.iter().enumerate() {
            let v = DECODE[c as usize];
            if v == 0xFF {
                return Err(bad(s.len() - rest.len() + j));
            }
            acc = (acc << 6) | u32::from(v);
            n += 6;
            if n >= 8 {
                n -= 8;
                bytes[out] = (acc >> n) as u8;
                out += 1;
                acc &= (1 << n) - 1;
            }
        }
        if n > 0 {
            bytes[out] = (acc << (8 - n)) as u8;
        }
        Ok(Self { bytes, len, pos: 0 })
    }

    /// Reads `width` bits (at most 56) as an unsigned number.
    #[inline]
    pub(crate) fn read(&mut self, width: u32, field: &'static str) -> Result<u64, Violation> {
        let width_usize = width as usize;
        if self.pos + width_usize > self.len {
            return Err(Violation::new(Rule::Truncated, format!("the string ends inside `{field}`")));
        }
        let byte = self.pos / 8;
        let shift = self.pos % 8;
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.bytes[byte..byte + 8]);
        let w = u64::from_be_bytes(word);
        self.pos += width_usize;
        if width == 0 {
            return Ok(0);
        }
        Ok((w << shift) >> (64 - width))
    }

    /// Reads one bit.
    #[inline]
    pub(crate) fn bit(&mut self, field: &'static str) -> Result<bool, Violation> {
        Ok(self.read(1, field)? == 1)
    }

    /// Reads a bitfield of `n` bits as the 1-based ids of its set bits.
    pub(crate) fn ids<T: Id>(&mut self, n: usize, field: &'static str) -> Result<Vec<T>, Violation> {
        if self.pos + n > self.len {
            return Err(Violation::new(Rule::Truncated, format!("the string ends inside `{field}`")));
        }
        let mut out = Vec::with_capacity((n / 4).max(n.min(32)));
        let mut i = 0;
        while i < n {
            let take = (n - i).min(56) as u32;
            let mut chunk = self.read(take, field)?;
            // Set bits from the most significant: id = i + (take - bit index).
            // Left-align the chunk so each set bit's position from the top is its offset; collect
            // a chunk's ids on the stack, then append them at once.
            chunk <<= 64 - take;
            let mut found = [T::at(0); 56];
            let mut k = 0;
            while chunk != 0 && k < 56 {
                let offset = chunk.leading_zeros() as usize;
                found[k] = T::at(i + offset + 1);
                k += 1;
                chunk &= !(1u64 << (63 - offset));
            }
            out.extend_from_slice(&found[..k]);
            i += take as usize;
        }
        Ok(out)
    }

    /// Checks what is left after the last field: only zero bits, and no more of them than an
    /// encoder's padding to a multiple of `align` bits leaves.
    pub(crate) fn finish(&self, align: usize) -> Result<(), Violation> {
        let padded = self.pos.div_ceil(align) * align;
        let allowed = padded.div_ceil(6) * 6;
        if self.len > allowed.max(self.pos.div_ceil(6) * 6) {
            return Err(Violation::new(Rule::TrailingData, format!("{} characters where the fields need {}", self.len / 6, allowed / 6)));
        }
        let mut p = self.pos;
        while p < self.len {
            let chunk = (self.len - p).min(56);
            let byte = p / 8;
            let mut word = [0u8; 8];
            word.copy_from_slice(&self.bytes[byte..byte + 8]);
            let w = u64::from_be_bytes(word);
            if (w << (p % 8)) >> (64 - chunk) != 0 {
                return Err(Violation::new(
                    Rule::NonzeroPadding,
                    format!("bits after the last field (from bit {}) are not zero", self.pos),
                ));
            }
            p += chunk;
        }
        Ok(())
    }
}

/// Bits written front to back, then packed as base64url.
#[derive(Default)]
pub(crate) struct Writer {
    bytes: Vec<u8>,
    len: usize,
}

impl Writer {
    /// Appends `width` bits of `value` (at most 56 bits; higher bits of `value` are dropped).
    #[inline]
    pub(crate) fn push(&mut self, value: u64, width: u32) {
        for i in (0..width).rev() {
            self.push_bit((value >> i) & 1 == 1);
        }
    }

    /// Appends one bit.
    #[inline]
    pub(crate) fn push_bit(&mut self, bit: bool) {
        if self.len.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if bit {
            let last = self.bytes.len() - 1;
            self.bytes[last] |= 0x80 >> (self.len % 8);
        }
        self.len += 1;
    }

    /// Appends a bitfield of `n` bits with the given 1-based ids set.
    pub(crate) fn push_ids<T: Copy + Into<u64>>(&mut self, ids: &[T], n: usize) {
        let start = self.len;
        for _ in 0..n {
            self.push_bit(false);
        }
        for &id in ids {
            let id = id.into() as usize;
            if id >= 1 && id <= n {
                let p = start + id - 1;
                self.bytes[p / 8] |= 0x80 >> (p % 8);
            }
        }
    }

    /// Bits written.
    pub(crate) fn bits(&self) -> usize {
        self.len
    }

    /// The bits as base64url, padded with zero bits to a multiple of `align` bits.
    pub(crate) fn base64(&self, align: usize) -> String {
        let bits = self.len.div_ceil(align) * align;
        let chars = bits.div_ceil(6);
        let mut out = String::with_capacity(chars);
        for c in 0..chars {
            let mut v = 0u8;
            for b in 0..6 {
                let p = c * 6 + b;
                let bit = p < self.len && self.bytes[p / 8] & (0x80 >> (p % 8)) != 0;
                v = (v << 1) | u8::from(bit);
            }
            out.push(ENCODE[v as usize] as char);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_through_base64url() {
        let mut w = Writer::default();
        w.push(2, 6);
        w.push(0x1_2345_6789, 36);
        w.push_ids(&[1u16, 3, 64, 70], 70);
        let s = w.base64(24);
        assert_eq!(s.len() % 4, 0);
        let mut r = Reader::new(&s).expect("base64url");
        assert_eq!(r.read(6, "v").expect("v"), 2);
        assert_eq!(r.read(36, "t").expect("t"), 0x1_2345_6789);
        assert_eq!(r.ids::<u16>(70, "ids").expect("ids"), vec![1, 3, 64, 70]);
        r.finish(24).expect("zero padding");
    }

    #[test]
    fn bad_characters_and_short_strings_are_named() {
        assert_eq!(Reader::new("AB+C").err().map(|v| v.rule), Some(Rule::BadBase64));
        let mut r = Reader::new("A").expect("one char");
        assert_eq!(r.read(7, "x").err().map(|v| v.rule), Some(Rule::Truncated));
    }
}
