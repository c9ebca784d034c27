//! TC strings (IAB Europe Transparency and Consent Framework v2.2 and v2.3): the core segment,
//! Disclosed Vendors and Publisher TC segments, bitfield and range encodings, publisher
//! restrictions.

use serde::{Deserialize, Serialize};

use crate::{
    Checks, Decoded, Mode, Rule, Violation,
    bits::{Reader, Writer},
};

/// Encoders pad each segment's bits to a multiple of 24 (whole bytes and whole characters).
const ALIGN: usize = 24;
/// Purposes the framework defines (v2.2: 1-11).
const PURPOSES: u8 = 11;
/// Special features the framework defines (1-2).
const SPECIAL_FEATURES: u8 = 2;
/// Purposes that may rest on consent only from policy version 4 (TCF v2.2) on.
const CONSENT_ONLY: [u8; 5] = [1, 3, 4, 5, 6];
/// 2026-03-01T00:00:00Z in deciseconds: TCF v2.3 makes the Disclosed Vendors segment mandatory
/// for strings created from then on.
const DISCLOSED_VENDORS_REQUIRED_FROM: u64 = 17_723_232_000;
/// 2023-10-01T00:00:00Z in deciseconds: strings created from then on need policy version 4+.
const POLICY_4_REQUIRED_FROM: u64 = 16_961_184_000;
/// 2022-01-01T00:00:00Z in deciseconds: `created` and `last_updated` are one day-level stamp.
const DAY_STAMPS_FROM: u64 = 16_409_952_000;
/// A day in deciseconds.
const DAY: u64 = 864_000;
/// Segment types after the core segment.
const SEGMENT_DISCLOSED_VENDORS: u64 = 1;
const SEGMENT_ALLOWED_VENDORS: u64 = 2;
const SEGMENT_PUBLISHER_TC: u64 = 3;

/// A decoded TC string. Field names follow the specification (snake_case); ids are 1-based and
/// ascending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcString {
    /// Always 2.
    pub version: u8,
    /// When the string was first created (deciseconds since the epoch; ISO 8601 in JSON).
    #[serde(with = "crate::time")]
    pub created: u64,
    /// When it was last updated.
    #[serde(with = "crate::time")]
    pub last_updated: u64,
    /// The consent management platform's id.
    pub cmp_id: u16,
    /// Its version.
    pub cmp_version: u16,
    /// The screen the consent was captured on.
    pub consent_screen: u8,
    /// Two letters, upper case (`EN`).
    pub consent_language: String,
    /// The Global Vendor List version the string refers to.
    pub vendor_list_version: u16,
    /// The policy version (4: TCF v2.2, 5: TCF v2.3).
    pub tcf_policy_version: u8,
    /// Consent applies to one service only.
    pub is_service_specific: bool,
    /// The publisher customised the standard texts.
    pub use_non_standard_texts: bool,
    /// Special features opted in.
    pub special_feature_optins: Vec<u8>,
    /// Purposes consented to.
    pub purpose_consents: Vec<u8>,
    /// Purposes whose legitimate interest was disclosed and not objected to.
    pub purpose_legitimate_interests: Vec<u8>,
    /// Purpose 1 was not disclosed (publisher in a country that treats it differently).
    pub purpose_one_treatment: bool,
    /// The publisher's country, two letters.
    pub publisher_cc: String,
    /// Vendors consented to.
    pub vendor_consents: Vec<u16>,
    /// Vendors whose legitimate interest was disclosed and not objected to.
    pub vendor_legitimate_interests: Vec<u16>,
    /// The publisher's restrictions, in the string's order.
    pub publisher_restrictions: Vec<PublisherRestriction>,
    /// Vendors disclosed to the user (the Disclosed Vendors segment), if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosed_vendors: Option<Vec<u16>>,
    /// The Publisher TC segment, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher_tc: Option<PublisherTc>,
}

/// What a publisher requires of some vendors for a purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherRestriction {
    /// The purpose.
    pub purpose_id: u8,
    /// 0 not allowed, 1 require consent, 2 require legitimate interest.
    pub restriction_type: u8,
    /// The vendors it applies to.
    pub vendor_ids: Vec<u16>,
}

/// The publisher's own purposes (the Publisher TC segment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherTc {
    /// Standard purposes consented to for the publisher.
    pub purpose_consents: Vec<u8>,
    /// Standard purposes under the publisher's legitimate interest.
    pub purpose_legitimate_interests: Vec<u8>,
    /// How many custom purposes the publisher declares.
    pub num_custom_purposes: u8,
    /// Custom purposes consented to.
    pub custom_purpose_consents: Vec<u8>,
    /// Custom purposes under legitimate interest.
    pub custom_purpose_legitimate_interests: Vec<u8>,
}

/// Decodes a TC string.
pub fn decode(s: &str, mode: Mode) -> Result<Decoded<TcString>, Violation> {
    let mut checks = Checks::new(mode);
    if s.is_empty() {
        return Err(Violation::new(Rule::Empty, "the string is empty"));
    }
    let mut segments = s.split('.');
    let core = segments.next().unwrap_or_default();
    // A segment type (Disclosed Vendors `I`-`P`, Publisher TC `Y`-`f`) where the core belongs,
    // with a core later on: the core is not first.
    let segment_first = |c: u8| matches!(c, b'I'..=b'P' | b'Y'..=b'Z' | b'a'..=b'f');
    if core.bytes().next().is_some_and(segment_first) && s.split('.').skip(1).any(|seg| seg.starts_with('C')) {
        return Err(Violation::new(Rule::BadSegmentType, "the core segment must come first"));
    }
    let mut r = Reader::new(core)?;
    let version = r.read(6, "version")?;
    if version != 2 {
        return Err(Violation::new(Rule::WrongVersion, format!("version {version}: only TCF version 2 strings are read")));
    }
    let created = r.read(36, "created")?;
    let last_updated = r.read(36, "last_updated")?;
    let cmp_id = r.read(12, "cmp_id")? as u16;
    let cmp_version = r.read(12, "cmp_version")? as u16;
    let consent_screen = r.read(6, "consent_screen")? as u8;
    let consent_language = letters(&mut r, "consent_language", &mut checks)?;
    let vendor_list_version = r.read(12, "vendor_list_version")? as u16;
    let tcf_policy_version = r.read(6, "tcf_policy_version")? as u8;
    let is_service_specific = r.bit("is_service_specific")?;
    let use_non_standard_texts = r.bit("use_non_standard_texts")?;
    let special_feature_optins: Vec<u8> = r.ids(12, "special_feature_optins")?;
    let purpose_consents: Vec<u8> = r.ids(24, "purpose_consents")?;
    let purpose_legitimate_interests: Vec<u8> = r.ids(24, "purpose_legitimate_interests")?;
    let purpose_one_treatment = r.bit("purpose_one_treatment")?;
    let publisher_cc = letters(&mut r, "publisher_cc", &mut checks)?;
    let vendor_consents = vendor_section(&mut r, "vendor_consents", &mut checks)?;
    let vendor_legitimate_interests = vendor_section(&mut r, "vendor_legitimate_interests", &mut checks)?;
    let publisher_restrictions = restrictions(&mut r, &mut checks)?;
    if let Err(v) = r.finish(ALIGN) {
        checks.flag(v)?;
    }
    for (ids, field, most) in [
        (&special_feature_optins, "special_feature_optins", SPECIAL_FEATURES),
        (&purpose_consents, "purpose_consents", PURPOSES),
        (&purpose_legitimate_interests, "purpose_legitimate_interests", PURPOSES),
    ] {
        if let Some(id) = ids.iter().find(|&&id| id > most) {
            checks.advise(|| {
                Violation::new(Rule::BadFieldValue, format!("`{field}` sets {id}, which the framework does not define (1-{most})"))
            });
        }
    }
    if !is_service_specific {
        // Global scope ended in September 2021: the policy deems such a string invalid, but the
        // format carries it and the reference library still writes it.
        checks.advise(|| {
            Violation::new(Rule::BadFieldValue, "`is_service_specific` is 0; global-scope strings are invalid since September 2021")
        });
    }
    if created >= POLICY_4_REQUIRED_FROM && tcf_policy_version < 4 {
        checks.flag(Violation::new(
            Rule::WrongVersion,
            format!(
                "policy version {tcf_policy_version} in a string created {}: from October 2023 it must be 4 or later",
                crate::time::format(created)
            ),
        ))?;
    }
    if created >= DAY_STAMPS_FROM && (created != last_updated || created % DAY != 0) {
        checks.advise(|| {
            Violation::new(
                Rule::BadFieldValue,
                format!(
                    "`created` ({}) and `last_updated` ({}) must be the same day-level timestamp (midnight UTC) since 2022",
                    crate::time::format(created),
                    crate::time::format(last_updated)
                ),
            )
        });
    }
    if tcf_policy_version >= 4
        && let Some(p) = purpose_legitimate_interests.iter().find(|p| CONSENT_ONLY.contains(p))
    {
        checks.flag(Violation::new(
            Rule::LegitimateInterestNotAllowed,
            format!("purpose {p} may rest on consent only (policy version {tcf_policy_version})"),
        ))?;
    }

    let mut disclosed_vendors = None;
    let mut publisher_tc = None;
    let mut seen_allowed = false;
    for (i, segment) in segments.enumerate() {
        let mut r = Reader::new(segment)?;
        let kind = r.read(3, "segment_type")?;
        let repeated = || Violation::new(Rule::BadSegmentType, format!("segment type {kind} appears twice"));
        match kind {
            SEGMENT_DISCLOSED_VENDORS => {
                if disclosed_vendors.is_some() {
                    checks.flag(repeated())?;
                }
                disclosed_vendors = Some(vendor_section(&mut r, "disclosed_vendors", &mut checks)?);
            }
            SEGMENT_PUBLISHER_TC => {
                if publisher_tc.is_some() {
                    checks.flag(repeated())?;
                }
                publisher_tc = Some(publisher_segment(&mut r)?);
            }
            SEGMENT_ALLOWED_VENDORS => {
                if seen_allowed {
                    checks.flag(repeated())?;
                }
                seen_allowed = true;
                checks.flag(Violation::new(Rule::BadSegmentType, "an Allowed Vendors segment (type 2), which TCF v2.2 removed"))?;
                // Read past it so its own errors are named.
                vendor_section(&mut r, "allowed_vendors", &mut checks)?;
            }
            _ => {
                checks.flag(Violation::new(Rule::BadSegmentType, format!("segment {} has type {kind}, which is not defined", i + 2)))?;
                continue;
            }
        }
        if let Err(v) = r.finish(ALIGN) {
            checks.flag(v)?;
        }
    }
    if created >= DISCLOSED_VENDORS_REQUIRED_FROM && disclosed_vendors.is_none() {
        checks.flag(Violation::new(
            Rule::DisclosedVendorsMissing,
            format!("created {} without a Disclosed Vendors segment (required from 1 March 2026, TCF v2.3)", crate::time::format(created)),
        ))?;
    }
    let value = TcString {
        version: 2,
        created,
        last_updated,
        cmp_id,
        cmp_version,
        consent_screen,
        consent_language,
        vendor_list_version,
        tcf_policy_version,
        is_service_specific,
        use_non_standard_texts,
        special_feature_optins,
        purpose_consents,
        purpose_legitimate_interests,
        purpose_one_treatment,
        publisher_cc,
        vendor_consents,
        vendor_legitimate_interests,
        publisher_restrictions,
        disclosed_vendors,
        publisher_tc,
    };
    Ok(Decoded { value, violations: checks.found })
}

/// Two letters packed as 6-bit numbers (A = 0).
pub(crate) fn letters(r: &mut Reader, field: &'static str, checks: &mut Checks) -> Result<String, Violation> {
    let mut out = String::with_capacity(2);
    for _ in 0..2 {
        let v = r.read(6, field)? as u8;
        if v > 25 {
            checks.flag(Violation::new(Rule::BadLanguage, format!("`{field}` holds {v}, not a letter A-Z")))?;
            out.push('?');
        } else {
            out.push(char::from(b'A' + v));
        }
    }
    Ok(out)
}

/// A vendor section: `MaxVendorId`, then a bitfield or range entries.
fn vendor_section(r: &mut Reader, field: &'static str, checks: &mut Checks) -> Result<Vec<u16>, Violation> {
    let max = r.read(16, field)? as usize;
    if !r.bit(field)? {
        return r.ids(max, field);
    }
    ranges(r, field, Some(max), checks)
}

/// `NumEntries` range entries; ids outside 1..=max or out of order are violations (lenient mode
/// clamps them, so the result is ascending, unique and at most 65,535 ids whatever the input).
fn ranges(r: &mut Reader, field: &'static str, max: Option<usize>, checks: &mut Checks) -> Result<Vec<u16>, Violation> {
    let n = r.read(12, field)?;
    let mut out: Vec<u16> = Vec::with_capacity(n as usize * 2);
    let mut last = 0usize;
    for _ in 0..n {
        let is_range = r.bit(field)?;
        let start = r.read(16, field)? as usize;
        let end = if is_range { r.read(16, field)? as usize } else { start };
        if start == 0 || max.is_some_and(|m| end > m) {
            checks.flag(Violation::new(
                Rule::VendorBeyondMax,
                format!("`{field}` names vendor {} (ids run from 1 to {})", if start == 0 { 0 } else { end }, max.unwrap_or(65_535)),
            ))?;
        }
        if end < start || start <= last {
            checks.flag(Violation::new(Rule::RangeOutOfOrder, format!("`{field}` entry {start}-{end} after {last}")))?;
        } else if is_range && end == start {
            checks.flag(Violation::new(Rule::RangeOutOfOrder, format!("`{field}` has a range entry {start}-{end} of one id")))?;
        }
        let from = start.max(last + 1).max(1);
        let to = max.map_or(end, |m| end.min(m));
        if from <= to {
            out.extend((from..=to).map(|id| id as u16));
        }
        last = last.max(to);
    }
    Ok(out)
}

fn restrictions(r: &mut Reader, checks: &mut Checks) -> Result<Vec<PublisherRestriction>, Violation> {
    let n = r.read(12, "publisher_restrictions")?;
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let purpose_id = r.read(6, "publisher_restrictions")? as u8;
        let restriction_type = r.read(2, "publisher_restrictions")? as u8;
        if purpose_id == 0 || purpose_id > PURPOSES {
            checks.flag(Violation::new(Rule::BadFieldValue, format!("a publisher restriction for purpose {purpose_id}")))?;
        }
        if restriction_type > 2 {
            checks.flag(Violation::new(Rule::BadFieldValue, format!("restriction type {restriction_type} is reserved")))?;
        }
        let vendor_ids = ranges(r, "publisher_restrictions", None, checks)?;
        out.push(PublisherRestriction { purpose_id, restriction_type, vendor_ids });
    }
    Ok(out)
}

fn publisher_segment(r: &mut Reader) -> Result<PublisherTc, Violation> {
    let purpose_consents = r.ids(24, "publisher_tc.purpose_consents")?;
    let purpose_legitimate_interests = r.ids(24, "publisher_tc.purpose_legitimate_interests")?;
    let num_custom_purposes = r.read(6, "publisher_tc.num_custom_purposes")? as u8;
    let n = usize::from(num_custom_purposes);
    let custom_purpose_consents = r.ids(n, "publisher_tc.custom_purpose_consents")?;
    let custom_purpose_legitimate_interests = r.ids(n, "publisher_tc.custom_purpose_legitimate_interests")?;
    Ok(PublisherTc {
        purpose_consents,
        purpose_legitimate_interests,
        num_custom_purposes,
        custom_purpose_consents,
        custom_purpose_legitimate_interests,
    })
}

/// Encodes a TC string: core segment, then Disclosed Vendors and Publisher TC when present;
/// each vendor set in the shorter of bitfield and range encoding.
pub fn encode(tc: &TcString) -> Result<String, Violation> {
    let bad = |field: &str, why: &str| Violation::new(Rule::NotEncodable, format!("`{field}` {why}"));
    if tc.version != 2 {
        return Err(bad("version", "must be 2"));
    }
    for (field, v, bits) in [
        ("created", tc.created, 36),
        ("last_updated", tc.last_updated, 36),
        ("cmp_id", u64::from(tc.cmp_id), 12),
        ("cmp_version", u64::from(tc.cmp_version), 12),
        ("consent_screen", u64::from(tc.consent_screen), 6),
        ("vendor_list_version", u64::from(tc.vendor_list_version), 12),
        ("tcf_policy_version", u64::from(tc.tcf_policy_version), 6),
    ] {
        if v >> bits != 0 {
            return Err(bad(field, &format!("does not fit in {bits} bits")));
        }
    }
    let mut w = Writer::default();
    w.push(2, 6);
    w.push(tc.created, 36);
    w.push(tc.last_updated, 36);
    w.push(u64::from(tc.cmp_id), 12);
    w.push(u64::from(tc.cmp_version), 12);
    w.push(u64::from(tc.consent_screen), 6);
    push_letters(&mut w, &tc.consent_language, "consent_language")?;
    w.push(u64::from(tc.vendor_list_version), 12);
    w.push(u64::from(tc.tcf_policy_version), 6);
    w.push_bit(tc.is_service_specific);
    w.push_bit(tc.use_non_standard_texts);
    push_small_ids(&mut w, &tc.special_feature_optins, 12, "special_feature_optins")?;
    push_small_ids(&mut w, &tc.purpose_consents, 24, "purpose_consents")?;
    push_small_ids(&mut w, &tc.purpose_legitimate_interests, 24, "purpose_legitimate_interests")?;
    w.push_bit(tc.purpose_one_treatment);
    push_letters(&mut w, &tc.publisher_cc, "publisher_cc")?;
    push_vendors(&mut w, &tc.vendor_consents, "vendor_consents")?;
    push_vendors(&mut w, &tc.vendor_legitimate_interests, "vendor_legitimate_interests")?;
    if tc.publisher_restrictions.len() >= 1 << 12 {
        return Err(bad("publisher_restrictions", "has more than 4,095 entries"));
    }
    w.push(tc.publisher_restrictions.len() as u64, 12);
    for p in &tc.publisher_restrictions {
        if p.purpose_id >= 64 || p.restriction_type > 3 {
            return Err(bad("publisher_restrictions", "has a purpose id above 63 or a restriction type above 3"));
        }
        w.push(u64::from(p.purpose_id), 6);
        w.push(u64::from(p.restriction_type), 2);
        push_ranges(&mut w, &runs(&sorted(&p.vendor_ids, "publisher_restrictions")?), "publisher_restrictions")?;
    }
    let mut out = w.base64(ALIGN);
    if let Some(d) = &tc.disclosed_vendors {
        let mut w = Writer::default();
        w.push(SEGMENT_DISCLOSED_VENDORS, 3);
        push_vendors(&mut w, d, "disclosed_vendors")?;
        out.push('.');
        out.push_str(&w.base64(ALIGN));
    }
    if let Some(p) = &tc.publisher_tc {
        let mut w = Writer::default();
        w.push(SEGMENT_PUBLISHER_TC, 3);
        push_small_ids(&mut w, &p.purpose_consents, 24, "publisher_tc.purpose_consents")?;
        push_small_ids(&mut w, &p.purpose_legitimate_interests, 24, "publisher_tc.purpose_legitimate_interests")?;
        if p.num_custom_purposes >= 64 {
            return Err(bad("publisher_tc.num_custom_purposes", "must be below 64"));
        }
        let n = usize::from(p.num_custom_purposes);
        w.push(n as u64, 6);
        push_small_ids(&mut w, &p.custom_purpose_consents, n, "publisher_tc.custom_purpose_consents")?;
        push_small_ids(&mut w, &p.custom_purpose_legitimate_interests, n, "publisher_tc.custom_purpose_legitimate_interests")?;
        out.push('.');
        out.push_str(&w.base64(ALIGN));
    }
    Ok(out)
}

fn push_letters(w: &mut Writer, s: &str, field: &str) -> Result<(), Violation> {
    let b = s.as_bytes();
    if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
        return Err(Violation::new(Rule::NotEncodable, format!("`{field}` must be two letters A-Z")));
    }
    for c in b {
        w.push(u64::from(c.to_ascii_uppercase() - b'A'), 6);
    }
    Ok(())
}

fn push_small_ids(w: &mut Writer, ids: &[u8], n: usize, field: &str) -> Result<(), Violation> {
    if let Some(id) = ids.iter().find(|&&id| id == 0 || usize::from(id) > n) {
        return Err(Violation::new(Rule::NotEncodable, format!("`{field}` holds {id}; ids run from 1 to {n}")));
    }
    w.push_ids(ids, n);
    Ok(())
}

/// Ascending unique ids, none 0.
fn sorted(ids: &[u16], field: &str) -> Result<Vec<u16>, Violation> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    if v.first() == Some(&0) {
        return Err(Violation::new(Rule::NotEncodable, format!("`{field}` holds 0; vendor ids start at 1")));
    }
    Ok(v)
}

/// Runs of consecutive ascending ids as (start, end).
pub(crate) fn runs(ids: &[u16]) -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = Vec::new();
    for &id in ids {
        match out.last_mut() {
            Some((_, end)) if u32::from(*end) + 1 == u32::from(id) => *end = id,
            _ => out.push((id, id)),
        }
    }
    out
}

fn range_bits(runs: &[(u16, u16)]) -> usize {
    12 + runs.iter().map(|(s, e)| if s == e { 17 } else { 33 }).sum::<usize>()
}

fn push_ranges(w: &mut Writer, runs: &[(u16, u16)], field: &str) -> Result<(), Violation> {
    if runs.len() >= 1 << 12 {
        return Err(Violation::new(Rule::NotEncodable, format!("`{field}` needs more than 4,095 range entries")));
    }
    w.push(runs.len() as u64, 12);
    for &(s, e) in runs {
        w.push_bit(s != e);
        w.push(u64::from(s), 16);
        if s != e {
            w.push(u64::from(e), 16);
        }
    }
    Ok(())
}

/// `MaxVendorId`, then whichever of bitfield and range entries is shorter (a tie: bitfield).
fn push_vendors(w: &mut Writer, ids: &[u16], field: &str) -> Result<(), Violation> {
    let ids = sorted(ids, field)?;
    let max = ids.last().copied().unwrap_or(0);
    w.push(u64::from(max), 16);
    let runs = runs(&ids);
    if range_bits(&runs) < usize::from(max) {
        w.push_bit(true);
        push_ranges(w, &runs, field)
    } else {
        w.push_bit(false);
        w.push_ids(&ids, usize::from(max));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TcString {
        TcString {
            version: 2,
            created: 17_724_096_000,
            last_updated: 17_724_096_000,
            cmp_id: 300,
            cmp_version: 2,
            consent_screen: 1,
            consent_language: "EN".into(),
            vendor_list_version: 150,
            tcf_policy_version: 5,
            is_service_specific: true,
            use_non_standard_texts: false,
            special_feature_optins: vec![1],
            purpose_consents: vec![1, 2, 3, 4, 7],
            purpose_legitimate_interests: vec![2, 7, 10],
            purpose_one_treatment: false,
            publisher_cc: "DE".into(),
            vendor_consents: vec![2, 6, 8, 755],
            vendor_legitimate_interests: (100..300).collect(),
            publisher_restrictions: vec![PublisherRestriction { purpose_id: 2, restriction_type: 1, vendor_ids: vec![8, 9, 10, 40] }],
            disclosed_vendors: Some(vec![2, 6, 8, 755]),
            publisher_tc: Some(PublisherTc {
                purpose_consents: vec![1],
                purpose_legitimate_interests: vec![],
                num_custom_purposes: 2,
                custom_purpose_consents: vec![1],
                custom_purpose_legitimate_interests: vec![],
            }),
        }
    }

    #[test]
    fn encode_then_decode_gives_the_value_back() {
        let tc = sample();
        let s = encode(&tc).expect("encodes");
        assert_eq!(s.split('.').count(), 3);
        let d = decode(&s, Mode::Strict).expect("strict");
        assert_eq!(d.value, tc);
        assert_eq!(encode(&d.value).expect("again"), s);
    }

    #[test]
    fn sparse_sets_use_ranges_and_dense_ones_bitfields() {
        let mut w = Writer::default();
        push_vendors(&mut w, &[1000], "v").expect("one vendor");
        assert_eq!(w.bits(), 16 + 1 + 12 + 17, "one id far out is a range");
        let mut w = Writer::default();
        push_vendors(&mut w, &[1, 3, 5, 7], "v").expect("four vendors");
        assert_eq!(w.bits(), 16 + 1 + 7, "a short bitfield");
    }

    #[test]
    fn rules_broken_are_named_and_lenient_mode_reads_past_them() {
        let mut tc = sample();
        tc.disclosed_vendors = None;
        let s = encode(&tc).expect("encodes");
        assert_eq!(decode(&s, Mode::Strict).err().map(|v| v.rule), Some(Rule::DisclosedVendorsMissing));
        let d = decode(&s, Mode::Lenient).expect("lenient");
        assert_eq!(d.violations.iter().map(|v| v.rule).collect::<Vec<_>>(), vec![Rule::DisclosedVendorsMissing]);
        tc.created = 16_999_200_000;
        tc.last_updated = tc.created;
        tc.purpose_legitimate_interests = vec![3];
        let s = encode(&tc).expect("encodes");
        assert_eq!(decode(&s, Mode::Strict).err().map(|v| v.rule), Some(Rule::LegitimateInterestNotAllowed));
        assert_eq!(decode("", Mode::Lenient).err().map(|v| v.rule), Some(Rule::Empty));
        assert_eq!(decode("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", Mode::Lenient).err().map(|v| v.rule), Some(Rule::WrongVersion));
    }

    #[test]
    fn hostile_ranges_stay_bounded() {
        // 4,095 entries each claiming 1-65535: lenient mode clamps to one pass over the ids.
        let mut w = Writer::default();
        w.push(65_535, 16);
        w.push_bit(true);
        w.push(4095, 12);
        for _ in 0..4095 {
            w.push_bit(true);
            w.push(1, 16);
            w.push(65_535, 16);
        }
        let mut r = Reader::new(&w.base64(ALIGN)).expect("b64");
        let mut checks = Checks::new(Mode::Lenient);
        let ids = vendor_section(&mut r, "v", &mut checks).expect("lenient");
        assert_eq!(ids.len(), 65_535);
        assert!(checks.found.iter().all(|v| v.rule == Rule::RangeOutOfOrder));
    }

    #[test]
    fn the_specifications_example_decodes_leniently() {
        // The TCF specification's own example (its policy version 2 is out of date, so strict
        // mode refuses it, naming the rule).
        let s = "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";
        assert_eq!(decode(s, Mode::Strict).err().map(|v| v.rule), Some(Rule::WrongVersion));
        let d = decode(s, Mode::Lenient).expect("lenient").value;
        assert_eq!((d.cmp_id, d.vendor_list_version, d.tcf_policy_version), (880, 48, 2));
        assert_eq!((d.consent_language.as_str(), d.publisher_cc.as_str()), ("EN", "DE"));
        assert_eq!(crate::time::format(d.created), "2025-06-03T00:00:00.0Z");
        assert_eq!(d.vendor_consents, vec![1, 2, 3, 4]);
        assert_eq!(d.disclosed_vendors, Some(vec![1, 2, 3, 4, 5, 100, 404]));
        assert!(d.publisher_tc.is_some_and(|p| p.purpose_consents.is_empty() && p.num_custom_purposes == 0));
        assert_eq!(encode(&decode(s, Mode::Lenient).expect("lenient").value).expect("encodes"), s, "it is canonical");
    }
}
