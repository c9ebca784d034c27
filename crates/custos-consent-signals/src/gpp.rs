//! GPP strings (IAB Tech Lab Global Privacy Platform): the header with its Fibonacci-coded
//! section ids, then one encoded section per id, joined by `~`. The US sections are read
//! from field tables (`SECTIONS`); `tcfeuv2` is a TC string ([`crate::tcf`]); `uspv1` is the
//! four-character US Privacy string.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::{
    Checks, Decoded, Mode, Rule, Violation,
    bits::{Reader, Writer},
};

/// Section ids of the sections this codec reads.
pub const TCFEUV2: u16 = 2;
/// The header's own id (its type field).
const HEADER: u64 = 3;
/// `uspv1`, the US Privacy string.
pub const USPV1: u16 = 6;
/// `tcfcav1`, IAB Canada's TCF.
pub const TCFCAV1: u16 = 5;

/// A decoded GPP string: the header and each section's fields by the section's API prefix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GppString {
    /// The header.
    pub header: Header,
    /// Each section's fields (`tcfeuv2`, `usnat`, ...), in the header's order of ids.
    pub sections: BTreeMap<String, Value>,
}

/// The GPP header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always 1.
    pub version: u8,
    /// The ids of the sections present, ascending.
    pub section_ids: Vec<u16>,
}

/// How a field is packed.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// An unsigned number of this many bits.
    Int(u32),
    /// `n` numbers of this many bits each.
    List(usize, u32),
}

/// A field: its name (snake_case), packing, and the values the specification defines.
#[derive(Debug, Clone, Copy)]
struct Field {
    name: &'static str,
    kind: Kind,
    min: u64,
    max: u64,
}

/// A 2-bit value: 0 not applicable, 1 and 2 (3 is undefined).
const fn two(name: &'static str) -> Field {
    Field { name, kind: Kind::Int(2), min: 0, max: 2 }
}
/// `n` 2-bit values.
const fn list(name: &'static str, n: usize) -> Field {
    Field { name, kind: Kind::List(n, 2), min: 0, max: 2 }
}

/// One version of a US section: its fields after `version`, and whether it may carry the GPC
/// sub-section.
#[derive(Debug, Clone, Copy)]
struct Layout {
    version: u64,
    fields: &'static [Field],
    gpc: bool,
    /// The version field's name (`mspa_version` in the 2025 drafts).
    version_field: &'static str,
    /// A sub-section without a type field holding these fields (the 2025 drafts' sensitive-data
    /// consents), if the section has one.
    sensitive: Option<&'static [Field]>,
}

/// A US section.
#[derive(Debug, Clone, Copy)]
struct Section {
    id: u16,
    name: &'static str,
    layouts: &'static [Layout],
}

/// Whether the transaction is covered by the MSPA: 1 yes, 2 no (0 is not allowed).
const MSPA_COVERED: Field = Field { name: "mspa_covered_transaction", kind: Kind::Int(2), min: 1, max: 2 };
const MSPA: [Field; 3] = [MSPA_COVERED, two("mspa_opt_out_option_mode"), two("mspa_service_provider_mode")];

macro_rules! fields {
    ($($f:expr),* $(,)?) => { &[$($f,)* MSPA[0], MSPA[1], MSPA[2]] };
}

/// The state laws of 2023 on share one layout: processing notice, sale and targeted-advertising
/// notices and opt-outs, `sdp` sensitive-data values, the children's field, additional
/// processing consent, the MSPA fields.
macro_rules! later_state {
    ($id:expr, $name:literal, $gpc:expr, $sdp:expr, $child:expr) => {
        Section {
            id: $id,
            name: $name,
            layouts: &[Layout {
                version: 1,
                gpc: $gpc,
                version_field: "version",
                sensitive: None,
                fields: fields![
                    two("processing_notice"),
                    two("sale_opt_out_notice"),
                    two("targeted_advertising_opt_out_notice"),
                    two("sale_opt_out"),
                    two("targeted_advertising_opt_out"),
                    list("sensitive_data_processing", $sdp),
                    $child,
                    two("additional_data_processing_consent"),
                ],
            }],
        }
    };
}

/// The US national and state sections, field by field (GPP US section specifications).
const SECTIONS: &[Section] = &[
    Section {
        id: 7,
        name: "usnat",
        layouts: &[
            Layout {
                version: 1,
                gpc: true,
                version_field: "version",
                sensitive: None,
                fields: fields![
                    two("sharing_notice"),
                    two("sale_opt_out_notice"),
                    two("sharing_opt_out_notice"),
                    two("targeted_advertising_opt_out_notice"),
                    two("sensitive_data_processing_opt_out_notice"),
                    two("sensitive_data_limit_use_notice"),
                    two("sale_opt_out"),
                    two("sharing_opt_out"),
                    two("targeted_advertising_opt_out"),
                    list("sensitive_data_processing", 12),
                    list("known_child_sensitive_data_consents", 2),
                    two("personal_data_consents"),
                ],
            },
            Layout {
                version: 2,
                gpc: true,
                version_field: "version",
                sensitive: None,
                fields: fields![
                    two("sharing_notice"),
                    two("sale_opt_out_notice"),
                    two("sharing_opt_out_notice"),
                    two("targeted_advertising_opt_out_notice"),
                    two("sensitive_data_processing_opt_out_notice"),
                    two("sensitive_data_limit_use_notice"),
                    two("sale_opt_out"),
                    two("sharing_opt_out"),
                    two("targeted_advertising_opt_out"),
                    list("sensitive_data_processing", 16),
                    list("known_child_sensitive_data_consents", 3),
                    two("personal_data_consents"),
                ],
            },
        ],
    },
    Section {
        id: 8,
        name: "usca",
        layouts: &[Layout {
            version: 1,
            gpc: true,
            version_field: "version",
            sensitive: None,
            fields: fields![
                two("sale_opt_out_notice"),
                two("sharing_opt_out_notice"),
                two("sensitive_data_limit_use_notice"),
                two("sale_opt_out"),
                two("sharing_opt_out"),
                list("sensitive_data_processing", 9),
                list("known_child_sensitive_data_consents", 2),
                two("personal_data_consents"),
            ],
        }],
    },
    Section {
        id: 9,
        name: "usva",
        layouts: &[Layout {
            version: 1,
            gpc: false,
            version_field: "version",
            sensitive: None,
            fields: fields![
                two("sharing_notice"),
                two("sale_opt_out_notice"),
                two("targeted_advertising_opt_out_notice"),
                two("sale_opt_out"),
                two("targeted_advertising_opt_out"),
                list("sensitive_data_processing", 8),
                two("known_child_sensitive_data_consents"),
            ],
        }],
    },
    Section {
        id: 10,
        name: "usco",
        layouts: &[Layout {
            version: 1,
            gpc: true,
            version_field: "version",
            sensitive: None,
            fields: fields![
                two("sharing_notice"),
                two("sale_opt_out_notice"),
                two("targeted_advertising_opt_out_notice"),
                two("sale_opt_out"),
                two("targeted_advertising_opt_out"),
                list("sensitive_data_processing", 7),
                two("known_child_sensitive_data_consents"),
            ],
        }],
    },
    Section {
        id: 11,
        name: "usut",
        layouts: &[Layout {
            version: 1,
            gpc: false,
            version_field: "version",
            sensitive: None,
            fields: fields![
                two("sharing_notice"),
                two("sale_opt_out_notice"),
                two("targeted_advertising_opt_out_notice"),
                two("sensitive_data_processing_opt_out_notice"),
                two("sale_opt_out"),
                two("targeted_advertising_opt_out"),
                list("sensitive_data_processing", 8),
                two("known_child_sensitive_data_consents"),
            ],
        }],
    },
    Section {
        id: 12,
        name: "usct",
        layouts: &[Layout {
            version: 1,
            gpc: true,
            version_field: "version",
            sensitive: None,
            fields: fields![
                two("sharing_notice"),
                two("sale_opt_out_notice"),
                two("targeted_advertising_opt_out_notice"),
                two("sale_opt_out"),
                two("targeted_advertising_opt_out"),
                list("sensitive_data_processing", 8),
                list("known_child_sensitive_data_consents", 3),
            ],
        }],
    },
    later_state!(13, "usfl", false, 8, list("known_child_sensitive_data_consents", 3)),
    Section {
        id: 14,
        name: "usmt",
        layouts: &[Layout {
            version: 1,
            gpc: true,
            version_field: "version",
            sensitive: None,
            fields: fields![
                two("sharing_notice"),
                two("sale_opt_out_notice"),
                two("targeted_advertising_opt_out_notice"),
                two("sale_opt_out"),
                two("targeted_advertising_opt_out"),
                list("sensitive_data_processing", 8),
                list("known_child_sensitive_data_consents", 3),
                two("additional_data_processing_consent"),
            ],
        }],
    },
    later_state!(15, "usor", true, 11, list("known_child_sensitive_data_consents", 3)),
    later_state!(16, "ustx", true, 8, two("known_child_sensitive_data_consents")),
    later_state!(17, "usde", true, 9, list("known_child_sensitive_data_consents", 5)),
    Section {
        id: 18,
        name: "usia",
        layouts: &[Layout {
            version: 1,
            gpc: true,
            version_field: "version",
            sensitive: None,
            fields: fields![
                two("processing_notice"),
                two("sale_opt_out_notice"),
                two("targeted_advertising_opt_out_notice"),
                two("sensitive_data_opt_out_notice"),
                two("sale_opt_out"),
                two("targeted_advertising_opt_out"),
                list("sensitive_data_processing", 8),
                two("known_child_sensitive_data_consents"),
            ],
        }],
    },
    later_state!(19, "usne", true, 8, two("known_child_sensitive_data_consents")),
    later_state!(20, "usnh", true, 8, list("known_child_sensitive_data_consents", 3)),
    later_state!(21, "usnj", true, 10, list("known_child_sensitive_data_consents", 5)),
    later_state!(22, "ustn", true, 8, two("known_child_sensitive_data_consents")),
    later_state!(23, "usmn", true, 8, two("known_child_sensitive_data_consents")),
    Section {
        id: 24,
        name: "usmd",
        layouts: &[Layout { version: 1, gpc: true, version_field: "mspa_version", sensitive: None, fields: &DRAFT_MD }],
    },
    Section {
        id: 25,
        name: "usin",
        layouts: &[Layout {
            version: 1,
            gpc: false,
            version_field: "mspa_version",
            sensitive: Some(&DRAFT_SENSITIVE),
            fields: &DRAFT_CHILD,
        }],
    },
    Section {
        id: 26,
        name: "usky",
        layouts: &[Layout {
            version: 1,
            gpc: false,
            version_field: "mspa_version",
            sensitive: Some(&DRAFT_SENSITIVE),
            fields: &DRAFT_CHILD,
        }],
    },
    Section {
        id: 27,
        name: "usri",
        layouts: &[Layout {
            version: 1,
            gpc: false,
            version_field: "mspa_version",
            sensitive: Some(&DRAFT_SENSITIVE),
            fields: &DRAFT_CHILD,
        }],
    },
];

/// Maryland (2025 draft, as the reference library writes it: no section header).
const DRAFT_MD: [Field; 8] = [
    MSPA_COVERED,
    two("mspa_mode"),
    two("processing_notice"),
    two("sale_opt_out_notice"),
    two("targeted_advertising_opt_out_notice"),
    two("sale_opt_out"),
    two("targeted_advertising_opt_out"),
    two("additional_data_processing_consent"),
];
/// Indiana, Kentucky, Rhode Island (2025 drafts): Maryland's fields and the children's consents.
const DRAFT_CHILD: [Field; 9] = [
    MSPA_COVERED,
    two("mspa_mode"),
    two("processing_notice"),
    two("sale_opt_out_notice"),
    two("targeted_advertising_opt_out_notice"),
    two("sale_opt_out"),
    two("targeted_advertising_opt_out"),
    two("known_child_sensitive_data_consents"),
    two("additional_data_processing_consent"),
];
/// Their optional sub-section: eight sensitive-data consents, no type field.
const DRAFT_SENSITIVE: [Field; 1] = [list("sensitive_data_processing", 8)];

/// The header and US sections are padded to whole bytes, then whole characters, as the
/// reference library writes them (the specification pads to whole characters only: decoding
/// accepts both). TC strings inside GPP keep their own padding.
const ALIGN: usize = 8;

fn section_by_id(id: u16) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.id == id)
}

fn section_by_name(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.name == name)
}

/// The API prefix of a section id this codec reads.
pub fn section_name(id: u16) -> Option<&'static str> {
    match id {
        TCFEUV2 => Some("tcfeuv2"),
        TCFCAV1 => Some("tcfcav1"),
        USPV1 => Some("uspv1"),
        _ => section_by_id(id).map(|s| s.name),
    }
}

fn section_id(name: &str) -> Option<u16> {
    match name {
        "tcfeuv2" => Some(TCFEUV2),
        "tcfcav1" => Some(TCFCAV1),
        "uspv1" => Some(USPV1),
        _ => section_by_name(name).map(|s| s.id),
    }
}

/// Decodes a GPP string.
pub fn decode(s: &str, mode: Mode) -> Result<Decoded<GppString>, Violation> {
    let mut checks = Checks::new(mode);
    if s.is_empty() {
        return Err(Violation::new(Rule::Empty, "the string is empty"));
    }
    let mut parts = s.split('~');
    let mut r = Reader::new(parts.next().unwrap_or_default())?;
    let kind = r.read(6, "header.type")?;
    if kind != HEADER {
        return Err(Violation::new(Rule::WrongHeaderType, format!("the header's type is {kind}, not 3")));
    }
    let version = r.read(6, "header.version")?;
    if version != 1 {
        return Err(Violation::new(Rule::WrongVersion, format!("GPP version {version}: only version 1 is read")));
    }
    let section_ids = fibonacci_range(&mut r, &mut checks)?;
    if let Err(v) = r.finish(24) {
        checks.flag(v)?;
    }
    let encoded: Vec<&str> = parts.collect();
    if encoded.len() != section_ids.len() {
        return Err(Violation::new(
            Rule::SectionCountMismatch,
            format!("the header lists {} sections and the string holds {}", section_ids.len(), encoded.len()),
        ));
    }
    let mut sections = BTreeMap::new();
    for (&id, text) in section_ids.iter().zip(encoded) {
        let value = match id {
            TCFEUV2 => {
                let d = crate::tcf::decode(text, mode)?;
                checks.found.extend(d.violations);
                serde_json::to_value(d.value).map_err(|e| Violation::new(Rule::NotEncodable, e.to_string()))?
            }
            USPV1 => usp(text)?,
            TCFCAV1 => crate::ca::decode(text, &mut checks)?,
            _ => match section_by_id(id) {
                Some(section) => decode_section(section, text, &mut checks)?,
                None => {
                    checks.flag(Violation::new(Rule::UnknownSection, format!("section id {id} is not one this codec reads")))?;
                    continue;
                }
            },
        };
        let name = section_name(id).unwrap_or("unknown");
        sections.insert(name.to_owned(), value);
    }
    Ok(Decoded { value: GppString { header: Header { version: 1, section_ids }, sections }, violations: checks.found })
}

/// The header's section ids: `NumRanges` (12 bits), then per entry `IsRange` and
/// Fibonacci-coded offsets from the previous id.
fn fibonacci_range(r: &mut Reader, checks: &mut Checks) -> Result<Vec<u16>, Violation> {
    let n = r.read(12, "header.section_ids")?;
    let mut out: Vec<u16> = Vec::new();
    let mut last = 0u64;
    for _ in 0..n {
        let is_range = r.bit("header.section_ids")?;
        let start = last + fibonacci(r)?;
        let end = if is_range { start + fibonacci(r)? } else { start };
        if end > u64::from(u16::MAX) || end - start > 64 {
            return Err(Violation::new(Rule::BadFibonacci, format!("section ids {start}-{end} are out of range")));
        }
        if start <= last && !out.is_empty() {
            checks.flag(Violation::new(Rule::BadFibonacci, "section ids are not ascending"))?;
        }
        for id in start..=end {
            out.push(id as u16);
        }
        last = end;
    }
    Ok(out)
}

/// One Fibonacci-coded positive integer (Zeckendorf bits, least significant first, ended by a
/// second consecutive 1).
pub(crate) fn fibonacci(r: &mut Reader) -> Result<u64, Violation> {
    let (mut a, mut b) = (1u64, 2u64);
    let mut value = 0u64;
    let mut previous = false;
    for _ in 0..40 {
        let bit = r.bit("header.section_ids").map_err(|_| Violation::new(Rule::BadFibonacci, "a Fibonacci code runs past the end"))?;
        if bit && previous {
            return Ok(value);
        }
        if bit {
            value += a;
        }
        previous = bit;
        (a, b) = (b, a + b);
    }
    Err(Violation::new(Rule::BadFibonacci, "a Fibonacci code without its terminating 11"))
}

pub(crate) fn push_fibonacci(w: &mut Writer, value: u64) {
    let mut fibs = vec![1u64, 2];
    while fibs[fibs.len() - 1] <= value {
        let next = fibs[fibs.len() - 1] + fibs[fibs.len() - 2];
        fibs.push(next);
    }
    let mut bits = vec![false; fibs.len()];
    let mut rest = value;
    for i in (0..fibs.len()).rev() {
        if fibs[i] <= rest {
            bits[i] = true;
            rest -= fibs[i];
        }
    }
    let top = bits.iter().rposition(|b| *b).unwrap_or(0);
    for &b in &bits[..=top] {
        w.push_bit(b);
    }
    w.push_bit(true);
}

/// The US Privacy string: version 1, then notice, opt-out and LSPA covered, each `Y`, `N` or `-`.
fn usp(text: &str) -> Result<Value, Violation> {
    let b = text.as_bytes();
    if b.len() < 4 {
        return Err(Violation::new(Rule::Truncated, format!("`uspv1` {text:?} has {} of its 4 characters", b.len())));
    }
    if b.len() > 4 {
        return Err(Violation::new(Rule::TrailingData, format!("`uspv1` {text:?} has more than its 4 characters")));
    }
    // Version 1, then notice, opt-out of sale and LSPA coverage, each Y, N or - (not applicable).
    if b[0] != b'1' || !b[1..].iter().all(|c| matches!(c, b'Y' | b'N' | b'-')) {
        return Err(Violation::new(
            Rule::BadFieldValue,
            format!("`uspv1` {text:?} is not a US Privacy string (`1`, then three of Y, N and -)"),
        ));
    }
    let c = |i: usize| (b[i] as char).to_string();
    Ok(json!({"version": 1, "notice": c(1), "opt_out_sale": c(2), "lspa_covered": c(3)}))
}

fn decode_section(section: &Section, text: &str, checks: &mut Checks) -> Result<Value, Violation> {
    let mut segments = text.split('.');
    let mut r = Reader::new(segments.next().unwrap_or_default())?;
    let version = r.read(6, "version")?;
    let Some(layout) = section.layouts.iter().find(|l| l.version == version) else {
        return Err(Violation::new(Rule::BadFieldValue, format!("`{}` has no version {version}", section.name)));
    };
    let mut map = Map::new();
    map.insert(layout.version_field.into(), json!(version));
    read_fields(section, layout.fields, &mut r, &mut map, checks)?;
    if let Err(v) = r.finish(24) {
        checks.flag(v)?;
    }
    let mut gpc_included = false;
    if let Some(fields) = layout.sensitive {
        // One optional sub-section without a type field.
        let part = segments.next();
        map.insert("sensitive_data_consent_segment_included".into(), json!(part.is_some()));
        if let Some(part) = part {
            if part.is_empty() {
                return Err(Violation::new(Rule::Truncated, format!("`{}` has an empty sub-section", section.name)));
            }
            let mut r = Reader::new(part)?;
            read_fields(section, fields, &mut r, &mut map, checks)?;
            if let Err(v) = r.finish(24) {
                checks.flag(v)?;
            }
        }
        if segments.next().is_some() {
            checks.flag(Violation::new(Rule::BadSegmentType, format!("`{}` holds one sub-section at most", section.name)))?;
        }
        return Ok(Value::Object(map));
    }
    for segment in segments {
        if segment.is_empty() {
            return Err(Violation::new(Rule::Truncated, format!("`{}` has an empty sub-section", section.name)));
        }
        let mut r = Reader::new(segment)?;
        let kind = r.read(2, "subsection_type")?;
        if kind != 1 || !layout.gpc || gpc_included {
            checks
                .flag(Violation::new(Rule::BadSegmentType, format!("`{}` cannot hold a sub-section of type {kind} here", section.name)))?;
            continue;
        }
        gpc_included = true;
        map.insert("gpc".into(), json!(r.bit("gpc")?));
        if let Err(v) = r.finish(24) {
            checks.flag(v)?;
        }
    }
    if layout.gpc {
        // Whether the GPC sub-section was sent, and when it was, its type and the signal.
        map.insert("gpc_segment_included".into(), json!(gpc_included));
        if gpc_included {
            map.insert("gpc_segment_type".into(), json!(1));
        }
    }
    Ok(Value::Object(map))
}

fn read_fields(
    section: &Section,
    fields: &[Field],
    r: &mut Reader,
    map: &mut Map<String, Value>,
    checks: &mut Checks,
) -> Result<(), Violation> {
    for f in fields {
        let value = match f.kind {
            Kind::Int(bits) => {
                let v = r.read(bits, f.name)?;
                check_value(section, f, v, checks)?;
                json!(v)
            }
            Kind::List(n, bits) => {
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    let v = r.read(bits, f.name)?;
                    check_value(section, f, v, checks)?;
                    items.push(json!(v));
                }
                Value::Array(items)
            }
        };
        map.insert(f.name.into(), value);
    }
    Ok(())
}

fn check_value(section: &Section, f: &Field, v: u64, checks: &mut Checks) -> Result<(), Violation> {
    if v < f.min || v > f.max {
        checks.flag(Violation::new(
            Rule::BadFieldValue,
            format!("`{}.{}` holds {v}; the specification defines {}-{}", section.name, f.name, f.min, f.max),
        ))?;
    }
    Ok(())
}

/// Encodes a GPP string: the header, then each section in ascending id order.
pub fn encode(g: &GppString) -> Result<String, Violation> {
    let bad = |why: String| Violation::new(Rule::NotEncodable, why);
    let mut ids: Vec<(u16, &String, &Value)> = Vec::new();
    for (name, value) in &g.sections {
        let id = section_id(name).ok_or_else(|| bad(format!("`{name}` is not a section this codec writes")))?;
        ids.push((id, name, value));
    }
    ids.sort_by_key(|(id, _, _)| *id);
    let listed: Vec<u16> = ids.iter().map(|(id, _, _)| *id).collect();
    if g.header.section_ids != listed {
        return Err(bad(format!("the header lists sections {:?} and the value holds {listed:?}", g.header.section_ids)));
    }
    let mut out = encode_header(&listed);
    for (id, name, value) in ids {
        out.push('~');
        match id {
            TCFEUV2 => {
                let tc: crate::TcString = serde_json::from_value(value.clone()).map_err(|e| bad(format!("`tcfeuv2`: {e}")))?;
                out.push_str(&crate::tcf::encode(&tc)?);
            }
            TCFCAV1 => out.push_str(&crate::ca::encode(value)?),
            USPV1 => {
                let get = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("");
                let text = format!("1{}{}{}", get("notice"), get("opt_out_sale"), get("lspa_covered"));
                usp(&text)?;
                out.push_str(&text);
            }
            _ => {
                let section = section_by_id(id).ok_or_else(|| bad(format!("`{name}` cannot be written")))?;
                out.push_str(&encode_section(section, value)?);
            }
        }
    }
    Ok(out)
}

/// A Fibonacci range (the header's section ids, IAB Canada's vendor sets): `NumEntries` (12
/// bits), then per run of consecutive ids an `IsRange` bit and Fibonacci offsets from the
/// previous id (a range's end as its length past the start).
pub(crate) fn push_fibonacci_range(w: &mut Writer, ids: &[u16]) {
    let runs = crate::tcf::runs(ids);
    w.push(runs.len() as u64, 12);
    let mut last = 0u64;
    for (start, end) in runs {
        w.push_bit(start != end);
        push_fibonacci(w, u64::from(start) - last);
        if start != end {
            push_fibonacci(w, u64::from(end - start));
        }
        last = u64::from(end);
    }
}

/// The header for these section ids (ascending): ranges of consecutive ids, each as Fibonacci
/// offsets from the previous id.
pub(crate) fn encode_header(ids: &[u16]) -> String {
    let mut w = Writer::default();
    w.push(HEADER, 6);
    w.push(1, 6);
    push_fibonacci_range(&mut w, ids);
    w.base64(ALIGN)
}

fn write_fields(
    fields: &[Field],
    value: &Value,
    w: &mut Writer,
    number: &dyn Fn(&Value, &Field) -> Result<u64, Violation>,
    bad: &dyn Fn(String) -> Violation,
) -> Result<(), Violation> {
    for f in fields {
        let v = value.get(f.name).ok_or_else(|| bad(format!("`{}` is required", f.name)))?;
        match f.kind {
            Kind::Int(bits) => w.push(number(v, f)?, bits),
            Kind::List(n, bits) => {
                let items = v.as_array().filter(|a| a.len() == n).ok_or_else(|| bad(format!("`{}` must list {n} values", f.name)))?;
                for item in items {
                    w.push(number(item, f)?, bits);
                }
            }
        }
    }
    Ok(())
}

fn encode_section(section: &Section, value: &Value) -> Result<String, Violation> {
    let bad = |why: String| Violation::new(Rule::NotEncodable, format!("`{}`: {why}", section.name));
    let version_field = section.layouts[0].version_field;
    let version = value.get(version_field).and_then(Value::as_u64).ok_or_else(|| bad(format!("`{version_field}` is required")))?;
    let layout = section.layouts.iter().find(|l| l.version == version).ok_or_else(|| bad(format!("no version {version}")))?;
    let number = |v: &Value, f: &Field| -> Result<u64, Violation> {
        let n = v.as_u64().ok_or_else(|| bad(format!("`{}` must be a number", f.name)))?;
        let bits = match f.kind {
            Kind::Int(b) | Kind::List(_, b) => b,
        };
        if n >> bits != 0 {
            return Err(bad(format!("`{}` holds {n}, more than {bits} bits", f.name)));
        }
        Ok(n)
    };
    let mut w = Writer::default();
    w.push(version, 6);
    write_fields(layout.fields, value, &mut w, &number, &bad)?;
    let mut out = w.base64(ALIGN);
    if let Some(fields) = layout.sensitive
        && value.get("sensitive_data_consent_segment_included").and_then(Value::as_bool).unwrap_or(false)
    {
        let mut w = Writer::default();
        write_fields(fields, value, &mut w, &number, &bad)?;
        out.push('.');
        out.push_str(&w.base64(ALIGN));
    }
    if layout.gpc && value.get("gpc_segment_included").and_then(Value::as_bool).unwrap_or(false) {
        let mut w = Writer::default();
        w.push(1, 2);
        w.push_bit(value.get("gpc").and_then(Value::as_bool).unwrap_or(false));
        out.push('.');
        out.push_str(&w.base64(ALIGN));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fibonacci_codes_round_trip() {
        for v in 1..200u64 {
            let mut w = Writer::default();
            push_fibonacci(&mut w, v);
            let mut r = Reader::new(&w.base64(6)).expect("b64");
            assert_eq!(fibonacci(&mut r).expect("code"), v);
        }
    }

    #[test]
    fn a_usnat_string_round_trips() {
        let mut section = Map::new();
        section.insert("version".into(), json!(1));
        for f in SECTIONS[0].layouts[0].fields {
            let v = match f.kind {
                Kind::Int(_) => json!(1),
                Kind::List(n, _) => Value::Array(vec![json!(2); n]),
            };
            section.insert(f.name.into(), v);
        }
        section.insert("gpc_segment_type".into(), json!(1));
        section.insert("gpc_segment_included".into(), json!(true));
        section.insert("gpc".into(), json!(true));
        let g = GppString {
            header: Header { version: 1, section_ids: vec![USPV1, 7] },
            sections: BTreeMap::from([
                ("usnat".to_owned(), Value::Object(section)),
                ("uspv1".to_owned(), json!({"version": 1, "notice": "Y", "opt_out_sale": "N", "lspa_covered": "-"})),
            ]),
        };
        let s = encode(&g).expect("encodes");
        let d = decode(&s, Mode::Strict).expect("strict");
        assert_eq!(d.value, g);
        assert_eq!(encode(&d.value).expect("again"), s);
    }

    #[test]
    fn reference_vectors_decode_in_both_paddings() {
        // A usnat v1 section padded to whole characters (the specification's padding), as
        // Google's consent SDK sends it, and the reference library's defaults.
        let d = decode("DBABL~BVQqAAAAAg", Mode::Strict).expect("usnat v1").value;
        assert_eq!(d.header.section_ids, vec![7]);
        let usnat = &d.sections["usnat"];
        assert_eq!((usnat["version"].as_u64(), usnat["sharing_notice"].as_u64()), (Some(1), Some(1)));
        assert_eq!(usnat["gpc_segment_included"], false);
        for (name, id, section) in [
            ("usca", 8, "BAAAAABA.QA"),
            ("usva", 9, "BAAAABA"),
            ("usco", 10, "BAAAAEA.QA"),
            ("usut", 11, "BAAAAAQA"),
            ("usct", 12, "BAAAAAEA.QA"),
            ("usfl", 13, "BAAAAABA"),
            ("usmt", 14, "BAAAAABA.QA"),
            ("usor", 15, "BAAAAAABAA.QA"),
            ("ustx", 16, "BAAAAAQA.QA"),
            ("usde", 17, "BAAAAAABAA.QA"),
            ("usia", 18, "BAAAAAQA.QA"),
            ("usne", 19, "BAAAAAQA.QA"),
            ("usnh", 20, "BAAAAABA.QA"),
            ("usnj", 21, "BAAAAAAAQA.QA"),
            ("ustn", 22, "BAAAAAQA.QA"),
            ("usmn", 23, "BAAAAAQA.QA"),
        ] {
            let s = format!("{}~{section}", encode_header(&[id]));
            let d = decode(&s, Mode::Strict).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(d.value.sections[name]["mspa_covered_transaction"], 1, "{name}");
            assert_eq!(encode(&d.value).expect("encodes"), s, "{name} round trips");
        }
    }

    #[test]
    fn bad_values_and_counts_are_named() {
        assert_eq!(decode("DBABL~BVQqAAAAAg~BAAA", Mode::Strict).err().map(|v| v.rule), Some(Rule::SectionCountMismatch));
        assert_eq!(encode_header(&[2]), "DBABMA", "the reference library's padding");
        assert_eq!(encode_header(&[2, 7, 8, 9, 10]), "DBACOMw");
        let usp = |s: &str| decode(&format!("{}~{s}", encode_header(&[USPV1])), Mode::Strict).err().map(|v| v.rule);
        assert_eq!(usp("1Y-x"), Some(Rule::BadFieldValue));
        assert_eq!(usp("1YN"), Some(Rule::Truncated));
        assert_eq!(usp("2YNN"), Some(Rule::BadFieldValue));
        assert_eq!(usp("1---"), None);
        assert_eq!(decode("CBABL", Mode::Strict).err().map(|v| v.rule), Some(Rule::WrongHeaderType));
    }
}
