//! National identifiers of European countries, with their check digits.

use super::*;

/// A UK National Insurance number: two prefix letters allowed by HMRC, six digits, suffix A-D.
pub fn uk_nino(s: &str) -> bool {
    let Some(v) = alnum_upper(s, 9) else { return false };
    if v.len() != 9 || !v[..2].iter().all(u8::is_ascii_uppercase) || !v[2..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (a, b) = (v[0], v[1]);
    if matches!(a, b'D' | b'F' | b'I' | b'Q' | b'U' | b'V') || matches!(b, b'D' | b'F' | b'I' | b'O' | b'Q' | b'U' | b'V') {
        return false;
    }
    if matches!(&[a, b], b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ") {
        return false;
    }
    matches!(v[8], b'A'..=b'D')
}

/// A German tax identification number (Steuer-ID): 11 digits, first not 0, in the first ten
/// one digit appears twice or three times (the rest at most once), ISO 7064 MOD 11,10 check.
pub fn de_tax_id(s: &str) -> bool {
    let Some(d) = digits(s, 11) else { return false };
    if d.len() != 11 || d[0] == 0 {
        return false;
    }
    let mut counts = [0u8; 10];
    for &x in &d[..10] {
        counts[x as usize] += 1;
    }
    let repeated = counts.iter().filter(|&&c| c >= 2).count();
    if repeated != 1 || counts.iter().any(|&c| c > 3) {
        return false;
    }
    let mut product = 10u32;
    for &x in &d[..10] {
        let mut sum = (u32::from(x) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    check == u32::from(d[10])
}

/// A French social security number (NIR): 13 characters (Corsican departments 2A/2B allowed)
/// plus a two-digit key equal to 97 - (number mod 97).
pub fn fr_nir(s: &str) -> bool {
    let Some(v) = alnum_upper(s, 15) else { return false };
    if v.len() != 15 || !matches!(v[0], b'1' | b'2' | b'7' | b'8') {
        return false;
    }
    let mut body = v[..13].to_vec();
    // Corsica: 2A -> 19, 2B -> 18 for the key computation.
    let corsica = match (body[5], body[6]) {
        (b'2', b'A') => Some(1_000_000u64),
        (b'2', b'B') => Some(2_000_000u64),
        _ => None,
    };
    if corsica.is_some() {
        body[6] = b'0';
    }
    if !body.iter().all(u8::is_ascii_digit) || !v[13..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let month = u32::from(body[3] - b'0') * 10 + u32::from(body[4] - b'0');
    if !(1..=12).contains(&month) && !(20..=42).contains(&month) && month != 99 {
        return false;
    }
    let mut n: u64 = body.iter().fold(0u64, |acc, &x| acc * 10 + u64::from(x - b'0'));
    if let Some(sub) = corsica {
        n -= sub;
    }
    let key = u64::from(v[13] - b'0') * 10 + u64::from(v[14] - b'0');
    97 - n % 97 == key
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// A Spanish DNI/NIF: eight digits and the mod-23 control letter.
pub fn es_nif(s: &str) -> bool {
    let Some(v) = alnum_upper(s, 9) else { return false };
    v.len() == 9 && v[..8].iter().all(u8::is_ascii_digit) && {
        let n = v[..8].iter().fold(0u32, |acc, &x| acc * 10 + u32::from(x - b'0'));
        DNI_LETTERS[(n % 23) as usize] == v[8]
    }
}

/// A Spanish NIE: X/Y/Z, seven digits and the mod-23 control letter (X=0, Y=1, Z=2).
pub fn es_nie(s: &str) -> bool {
    let Some(v) = alnum_upper(s, 9) else { return false };
    if v.len() != 9 || !v[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let lead = match v[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        _ => return false,
    };
    let n = v[1..8].iter().fold(lead, |acc, &x| acc * 10 + u32::from(x - b'0'));
    DNI_LETTERS[(n % 23) as usize] == v[8]
}

/// An Italian codice fiscale: 16 characters (omocodia substitutions allowed) whose final check
/// letter matches the odd/even position tables.
pub fn it_fiscal_code(s: &str) -> bool {
    const ODD: [u32; 26] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
    let Some(v) = alnum_upper(s, 16) else { return false };
    if v.len() != 16 || !v[..6].iter().all(u8::is_ascii_uppercase) || !v[15].is_ascii_uppercase() {
        return false;
    }
    if !v[8].is_ascii_uppercase() || !b"ABCDEHLMPRST".contains(&v[8]) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in v[..15].iter().enumerate() {
        let idx = if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') };
        // Positions are 1-based in the specification: odd positions use the ODD table.
        sum += if i % 2 == 0 { ODD[idx as usize] } else { idx };
    }
    u32::from(v[15] - b'A') == sum % 26
}
