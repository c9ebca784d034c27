//! Cryptocurrency addresses: Bitcoin (Base58Check and Bech32) and Ethereum (EIP-55).

use sha2::{Digest as _, Sha256};
use sha3::Keccak256;

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// A Bitcoin address: legacy base58check (P2PKH `1...`, P2SH `3...`) with its double-SHA-256
/// checksum, or a segwit bech32/bech32m `bc1...` address with a valid BCH checksum.
pub fn btc(s: &str) -> bool {
    if s.len() >= 14 && s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("bc1")) {
        return bech32_btc(s);
    }
    base58check_btc(s)
}

fn base58check_btc(s: &str) -> bool {
    if !(25..=35).contains(&s.len()) {
        return false;
    }
    // Big-endian base-256 accumulation of the base58 digits (25 bytes for a payload + checksum).
    let mut bytes = [0u8; 25];
    for c in s.bytes() {
        let Some(v) = BASE58.iter().position(|&x| x == c) else { return false };
        let mut carry = v as u32;
        for byte in bytes.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        if carry != 0 {
            return false;
        }
    }
    let leading_ones = s.bytes().take_while(|&c| c == b'1').count();
    let leading_zeros = bytes.iter().take_while(|&&b| b == 0).count();
    if leading_ones != leading_zeros {
        return false;
    }
    if !matches!(bytes[0], 0x00 | 0x05) {
        return false;
    }
    let first = Sha256::digest(&bytes[..21]);
    let second = Sha256::digest(first);
    second[..4] == bytes[21..]
}

fn bech32_polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3];
    let mut chk = 1u32;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x1ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

fn bech32_btc(s: &str) -> bool {
    const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    if !(14..=90).contains(&s.len()) {
        return false;
    }
    let lower = s.bytes().all(|b| !b.is_ascii_uppercase());
    let upper = s.bytes().all(|b| !b.is_ascii_lowercase());
    if !lower && !upper {
        return false;
    }
    let s = s.to_ascii_lowercase();
    let (hrp, data) = (&s[..2], &s[3..]);
    let mut values = Vec::with_capacity(data.len());
    for c in data.bytes() {
        let Some(v) = CHARSET.iter().position(|&x| x == c) else { return false };
        values.push(v as u8);
    }
    if values.len() < 7 {
        return false;
    }
    let expanded = hrp.bytes().map(|b| b >> 5).chain([0]).chain(hrp.bytes().map(|b| b & 31));
    let pm = bech32_polymod(expanded.chain(values.iter().copied()));
    // Witness version 0 uses bech32 (constant 1), versions 1-16 bech32m.
    let version = values[0];
    let program_chars = values.len() - 1 - 6;
    let program_bytes = program_chars * 5 / 8;
    match version {
        0 => pm == 1 && matches!(program_bytes, 20 | 32),
        1..=16 => pm == 0x2bc8_30a3 && (2..=40).contains(&program_bytes),
        _ => false,
    }
}

/// An Ethereum address: `0x` + 40 hex digits; mixed case must carry a valid EIP-55 checksum
/// (all-lower or all-upper addresses carry none and are accepted on shape alone).
pub fn eth(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 42 || b[0] != b'0' || !matches!(b[1], b'x' | b'X') || !b[2..].iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    let hex = &b[2..];
    let has_lower = hex.iter().any(u8::is_ascii_lowercase);
    let has_upper = hex.iter().any(u8::is_ascii_uppercase);
    if !(has_lower && has_upper) {
        return true;
    }
    eip55_checksum_ok(hex)
}

/// Whether a mixed-case 40-hex-digit address matches its EIP-55 capitalization.
pub fn eip55_checksum_ok(hex: &[u8]) -> bool {
    let lower: Vec<u8> = hex.iter().map(u8::to_ascii_lowercase).collect();
    let hash = Keccak256::digest(&lower);
    hex.iter().enumerate().all(|(i, &c)| {
        if c.is_ascii_digit() {
            return true;
        }
        let nibble = if i % 2 == 0 { hash[i / 2] >> 4 } else { hash[i / 2] & 0x0f };
        (nibble >= 8) == c.is_ascii_uppercase()
    })
}

/// Whether an Ethereum address is mixed case (so its EIP-55 checksum was actually verified).
pub fn eth_is_checksummed(s: &str) -> bool {
    let hex = s.as_bytes().get(2..).unwrap_or_default();
    hex.iter().any(u8::is_ascii_lowercase) && hex.iter().any(u8::is_ascii_uppercase)
}
