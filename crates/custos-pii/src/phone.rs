//! Phone number validation against libphonenumber's metadata (the copy the `phonenumber` crate
//! ships), with each region's patterns compiled once into our own automata.
//!
//! Why not `phonenumber::is_valid`: that crate compiles metadata patterns on demand into one
//! process-wide LRU of 100 regexes behind a mutex. Validating numbers of six regions overflows
//! it, so patterns are recompiled continually, and all threads queue on the mutex; measured on
//! the benchmark corpus, phone validation was half of the analyzer's time. The rule applied is
//! libphonenumber's `isValidNumberForRegion`: the national significant number (trunk prefix
//! removed) has a possible length and fully matches one of the region's number types.

use std::sync::{Arc, LazyLock, RwLock};

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input};
use rustc_hash::FxHashMap;

/// One number type of a region: its pattern and possible lengths.
struct NumberType {
    pattern: Regex,
    lengths: Vec<u16>,
}

/// A region's compiled rules.
struct Region {
    general_lengths: Vec<u16>,
    types: Vec<NumberType>,
    national_prefix: Option<String>,
}

fn compile(desc: &Descriptor, fallback_lengths: &[u16]) -> Option<NumberType> {
    let source = format!("(?:{})$", desc.national_number().as_str());
    let pattern = Regex::builder().syntax(syntax::Config::new().ignore_whitespace(true).unicode(false)).build(&source).ok()?;
    let lengths = if desc.possible_length().is_empty() { fallback_lengths.to_vec() } else { desc.possible_length().to_vec() };
    Some(NumberType { pattern, lengths })
}

fn build(meta: &Metadata) -> Region {
    let d = meta.descriptors();
    let general_lengths = d.general().possible_length().to_vec();
    let types = [
        d.fixed_line(),
        d.mobile(),
        d.toll_free(),
        d.premium_rate(),
        d.shared_cost(),
        d.personal_number(),
        d.voip(),
        d.pager(),
        d.uan(),
        d.voicemail(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|desc| compile(desc, &general_lengths))
    .collect();
    Region { general_lengths, types, national_prefix: meta.national_prefix().map(str::to_owned) }
}

static REGIONS: LazyLock<RwLock<FxHashMap<String, Arc<Region>>>> = LazyLock::new(|| RwLock::new(FxHashMap::default()));

/// The compiled rules of the region `id`, looked up in our own (Fx-hashed) cache before the
/// metadata database, whose map hashes every key with SipHash (measured: 2% of the analyzer's
/// time went to hashing region ids).
fn region_by_id(id: &str) -> Option<Arc<Region>> {
    if let Some(r) = REGIONS.read().ok().and_then(|m| m.get(id).cloned()) {
        return Some(r);
    }
    DATABASE.by_id(id).map(region)
}

fn region(meta: &Metadata) -> Arc<Region> {
    if let Some(r) = REGIONS.read().ok().and_then(|m| m.get(meta.id()).cloned()) {
        return r;
    }
    let built = Arc::new(build(meta));
    if let Ok(mut m) = REGIONS.write() {
        m.entry(meta.id().to_owned()).or_insert_with(|| built.clone());
    }
    built
}

impl Region {
    /// Whether some number of the region has `len` digits (its general lengths, else any type's).
    fn possible_length(&self, len: u16) -> bool {
        self.general_lengths.contains(&len) || self.types.iter().any(|t| t.lengths.contains(&len))
    }

    /// Whether `nsn` (national significant number, digits only) is a valid number here.
    fn valid_nsn(&self, nsn: &str) -> bool {
        let len = nsn.len() as u16;
        if !self.general_lengths.is_empty() && !self.general_lengths.contains(&len) {
            return false;
        }
        let input = Input::new(nsn).anchored(Anchored::Yes);
        self.types.iter().any(|t| t.lengths.contains(&len) && t.pattern.is_match(input.clone()))
    }
}

/// Whether `digits` (a number as dialled within `region`, digits only, trunk prefix included
/// if written) is a valid phone number of that region.
pub(crate) fn valid_national(region_id: &str, digits: &str) -> bool {
    let Some(r) = region_by_id(region_id) else { return false };
    if let Some(prefix) = r.national_prefix.as_deref()
        && let Some(rest) = digits.strip_prefix(prefix)
        && r.valid_nsn(rest)
    {
        return true;
    }
    r.valid_nsn(digits)
}

/// Whether `digits` (a national number, trunk prefix and all) has a length numbers of the
/// region can have: a weak reading, for formatted numbers with a context word near them.
pub(crate) fn possible_national(region_id: &str, digits: &str) -> bool {
    let Some(r) = region_by_id(region_id) else { return false };
    let nsn = r.national_prefix.as_deref().and_then(|p| digits.strip_prefix(p)).unwrap_or(digits);
    nsn.len() >= 6 && r.possible_length(nsn.len() as u16)
}

/// The national lengths (numbers after the trunk prefix) some geographic region dials, as a
/// bit set per trunk prefix (`None`: regions without one, or numbers written without it):
/// about twenty distinct prefixes, read from the metadata once, so the question below is a
/// few bit tests rather than a walk over every region.
static NATIONAL_LENGTHS: LazyLock<Vec<(Option<String>, u32)>> = LazyLock::new(|| {
    let mut by_prefix: Vec<(Option<String>, u32)> = Vec::new();
    for m in DATABASE.iter().filter(|m| m.id().len() == 2 && m.id().bytes().all(|b| b.is_ascii_uppercase())) {
        let d = m.descriptors();
        let types = [d.fixed_line(), d.mobile(), d.toll_free(), d.voip(), d.personal_number(), d.uan()];
        let mut bits = d.general().possible_length().iter().fold(0u32, |acc, &l| if l < 32 { acc | 1 << l } else { acc });
        for t in types.into_iter().flatten() {
            bits = t.possible_length().iter().fold(bits, |acc, &l| if l < 32 { acc | 1 << l } else { acc });
        }
        // Every region's numbers may also be written without the trunk prefix.
        for prefix in [m.national_prefix().map(str::to_owned), None] {
            match by_prefix.iter_mut().find(|(p, _)| *p == prefix) {
                Some(entry) => entry.1 |= bits,
                None => by_prefix.push((prefix, bits)),
            }
        }
    }
    by_prefix
});

/// Whether `digits` (a number as written within its own country, trunk prefix included if
/// written) has a length some region's numbers have, counting its trunk prefix only where the
/// region dials one. Weak evidence on its own (most seven- to ten-digit strings qualify), so
/// the analyzer reads such numbers only when they are written in groups and a context word or
/// a telephone label stands near them. Lengths only: compiling every region's patterns costs
/// about a second of start-up in a debug build, and the context carries the evidence anyway.
pub(crate) fn national_length_somewhere(digits: &str) -> bool {
    if !(6..=15).contains(&digits.len()) {
        return false;
    }
    NATIONAL_LENGTHS.iter().any(|(prefix, bits)| {
        let nsn = match prefix {
            Some(p) => match digits.strip_prefix(p.as_str()) {
                Some(rest) => rest,
                None => return false,
            },
            None => digits,
        };
        nsn.len() >= 6 && bits & (1 << nsn.len()) != 0
    })
}

/// Whether `digits` (after a `+`) start with a country code whose numbers can have the
/// remaining length.
pub(crate) fn possible_international(digits: &str) -> bool {
    (1..=3.min(digits.len())).any(|cc_len| {
        let Ok(cc) = digits[..cc_len].parse::<u16>() else { return false };
        let nsn = &digits[cc_len..];
        DATABASE.by_code(&cc).is_some_and(|metas| {
            metas.into_iter().any(|meta| {
                let r = region(meta);
                let len = nsn.strip_prefix('0').filter(|_| r.national_prefix.as_deref() == Some("0")).unwrap_or(nsn).len() as u16;
                len >= 6 && r.possible_length(len)
            })
        })
    })
}

/// Whether `digits` (everything after `+` or `00`, digits only) is a valid international
/// number: a country calling code followed by a valid number of one of its regions (a
/// written trunk `0`, as in `+44 (0)20 ...`, is tolerated).
pub(crate) fn valid_international(digits: &str) -> bool {
    for cc_len in 1..=3.min(digits.len()) {
        let Ok(cc) = digits[..cc_len].parse::<u16>() else { continue };
        let Some(metas) = DATABASE.by_code(&cc) else { continue };
        let nsn = &digits[cc_len..];
        return metas.into_iter().any(|meta| {
            let r = region(meta);
            r.valid_nsn(nsn) || (r.national_prefix.as_deref() == Some("0") && nsn.strip_prefix('0').is_some_and(|rest| r.valid_nsn(rest)))
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_libphonenumber_examples() {
        assert!(valid_national("US", "4155552671"));
        assert!(valid_national("US", "14155552671"));
        assert!(!valid_national("US", "1180023345"));
        assert!(valid_national("GB", "02079460958"));
        assert!(valid_national("DE", "030901820"));
        assert!(valid_national("FR", "0142685300"));
        assert!(valid_national("IT", "0236618250"));
        assert!(valid_national("ES", "912345678"));
        assert!(valid_international("442079460958"));
        assert!(valid_international("4402079460958"));
        assert!(valid_international("14155552671"));
        assert!(!valid_international("999123"));
        // Every region's own example numbers are valid for it.
        for meta in DATABASE.iter().take(60) {
            if let Some(example) = meta.descriptors().fixed_line().and_then(|d| d.example()) {
                let prefix = format!("{}", meta.country_code());
                assert!(valid_international(&format!("{prefix}{example}")), "{} {example}", meta.id());
            }
        }
        // Some region's national length: Bahrain's eight digits, a Zambian number with its
        // trunk 0; not five digits, and not sixteen.
        assert!(national_length_somewhere("36001611"));
        assert!(national_length_somewhere("0211235315"));
        assert!(!national_length_somewhere("78267"));
        assert!(!national_length_somewhere("1234567812345678"));
    }
}
