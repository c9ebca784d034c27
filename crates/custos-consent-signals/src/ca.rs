//! `tcfcav1`: IAB Canada's TCF in GPP. Its own layout (express and implied consent, no
//! service-specific flag or publisher country), vendor sets as optimized ranges whose entries
//! are Fibonacci-coded offsets, padded like the US sections.

use serde_json::{Map, Value, json};

use crate::{
    Checks, Rule, Violation,
    bits::{Reader, Writer},
    gpp::fibonacci,
};

const ALIGN: usize = 8;

fn ids_json<T: Into<u64> + Copy>(ids: &[T]) -> Value {
    Value::Array(ids.iter().map(|&i| json!(i.into())).collect())
}

/// A Fibonacci range: `NumEntries` (12 bits), each an `IsRange` bit and Fibonacci offsets from
/// the previous id (the end of a range as its length past the start).
fn fibonacci_ids(r: &mut Reader, field: &'static str, max: Option<u64>, checks: &mut Checks) -> Result<Vec<u16>, Violation> {
    let n = r.read(12, field)?;
    let mut out = Vec::new();
    let mut last = 0u64;
    for _ in 0..n {
        let is_range = r.bit(field)?;
        let start = last + fibonacci(r)?;
        let end = if is_range { start + fibonacci(r)? } else { start };
        if end > u64::from(u16::MAX) || max.is_some_and(|m| end > m) {
            checks.flag(Violation::new(Rule::VendorBeyondMax, format!("`{field}` names vendor {end}, beyond its maximum")))?;
            break;
        }
        for id in start..=end {
            out.push(id as u16);
        }
        last = end;
    }
    Ok(out)
}

/// An optimized range: `MaxId` (16 bits), then a Fibonacci range or a bitfield of `MaxId` bits.
fn optimized(r: &mut Reader, field: &'static str, checks: &mut Checks) -> Result<Vec<u16>, Violation> {
    let max = r.read(16, field)?;
    if r.bit(field)? { fibonacci_ids(r, field, Some(max), checks) } else { r.ids(max as usize, field) }
}

/// `MaxId`, then the Fibonacci range when it is no longer than the bitfield (the reference
/// library's rule: a tie goes to the range).
fn push_optimized(w: &mut Writer, ids: &[u16]) {
    let max = ids.last().copied().unwrap_or(0);
    w.push(u64::from(max), 16);
    let mut range = Writer::default();
    crate::gpp::push_fibonacci_range(&mut range, ids);
    if range.bits() <= usize::from(max) {
        w.push_bit(true);
        crate::gpp::push_fibonacci_range(w, ids);
    } else {
        w.push_bit(false);
        w.push_ids(ids, usize::from(max));
    }
}

/// Decodes a `tcfcav1` section to the reference library's field names (snake_case).
pub(crate) fn decode(text: &str, checks: &mut Checks) -> Result<Value, Violation> {
    let mut m = Map::new();
    let mut parts = text.split('.');
    let mut r = Reader::new(parts.next().unwrap_or_default())?;
    let version = r.read(6, "version")?;
    if version != 1 {
        return Err(Violation::new(Rule::BadFieldValue, format!("`tcfcav1` has no version {version}")));
    }
    m.insert("version".into(), json!(1));
    m.insert("created".into(), json!(crate::time::format(r.read(36, "created")?)));
    m.insert("last_updated".into(), json!(crate::time::format(r.read(36, "last_updated")?)));
    for (name, bits) in [("cmp_id", 12), ("cmp_version", 12), ("consent_screen", 6)] {
        m.insert(name.into(), json!(r.read(bits, name)?));
    }
    m.insert("consent_language".into(), json!(crate::tcf::letters(&mut r, "consent_language", checks)?));
    for (name, bits) in [("vendor_list_version", 12), ("tcf_policy_version", 6)] {
        m.insert(name.into(), json!(r.read(bits, name)?));
    }
    m.insert("use_non_standard_stacks".into(), json!(r.bit("use_non_standard_stacks")?));
    m.insert("special_feature_express_consent".into(), ids_json::<u8>(&r.ids(12, "special_feature_express_consent")?));
    m.insert("purposes_express_consent".into(), ids_json::<u8>(&r.ids(24, "purposes_express_consent")?));
    m.insert("purposes_implied_consent".into(), ids_json::<u8>(&r.ids(24, "purposes_implied_consent")?));
    m.insert("vendor_express_consent".into(), ids_json(&optimized(&mut r, "vendor_express_consent", checks)?));
    m.insert("vendor_implied_consent".into(), ids_json(&optimized(&mut r, "vendor_implied_consent", checks)?));
    let n = r.read(12, "pub_restrictions")?;
    let mut restrictions = Vec::new();
    for _ in 0..n {
        let purpose_id = r.read(6, "pub_restrictions")?;
        let restriction_type = r.read(2, "pub_restrictions")?;
        if restriction_type > 2 {
            checks.flag(Violation::new(Rule::BadFieldValue, format!("restriction type {restriction_type} is reserved")))?;
        }
        let vendor_ids = optimized(&mut r, "pub_restrictions", checks)?;
        restrictions.push(json!({"purpose_id": purpose_id, "restriction_type": restriction_type, "vendor_ids": ids_json(&vendor_ids)}));
    }
    m.insert("pub_restrictions".into(), Value::Array(restrictions));
    if let Err(v) = r.finish(24) {
        checks.flag(v)?;
    }
    let (mut publisher, mut disclosed) = (false, false);
    for part in parts {
        if part.is_empty() {
            return Err(Violation::new(Rule::Truncated, "`tcfcav1` has an empty segment"));
        }
        let mut r = Reader::new(part)?;
        match r.read(3, "segment_type")? {
            3 if !publisher => {
                publisher = true;
                m.insert("pub_purposes_segment_type".into(), json!(3));
                m.insert("pub_purposes_express_consent".into(), ids_json::<u8>(&r.ids(24, "pub_purposes_express_consent")?));
                m.insert("pub_purposes_implied_consent".into(), ids_json::<u8>(&r.ids(24, "pub_purposes_implied_consent")?));
                let n = r.read(6, "num_custom_purposes")?;
                m.insert("num_custom_purposes".into(), json!(n));
                m.insert("custom_purposes_express_consent".into(), ids_json::<u8>(&r.ids(n as usize, "custom_purposes_express_consent")?));
                m.insert("custom_purposes_implied_consent".into(), ids_json::<u8>(&r.ids(n as usize, "custom_purposes_implied_consent")?));
            }
            1 if !disclosed => {
                disclosed = true;
                m.insert("disclosed_vendors_segment_type".into(), json!(1));
                m.insert("disclosed_vendors".into(), ids_json(&optimized(&mut r, "disclosed_vendors", checks)?));
            }
            kind => {
                checks.flag(Violation::new(Rule::BadSegmentType, format!("`tcfcav1` segment type {kind} is unknown or repeated")))?;
                continue;
            }
        }
        if let Err(v) = r.finish(24) {
            checks.flag(v)?;
        }
    }
    Ok(Value::Object(m))
}

/// Encodes a `tcfcav1` section from its decoded fields: core, then the publisher purposes and
/// disclosed vendors segments when their fields are present.
pub(crate) fn encode(v: &Value) -> Result<String, Violation> {
    let bad = |why: String| Violation::new(Rule::NotEncodable, format!("`tcfcav1`: {why}"));
    let num = |k: &str, bits: u32| -> Result<u64, Violation> {
        let n = v.get(k).and_then(Value::as_u64).ok_or_else(|| bad(format!("`{k}` must be a number")))?;
        if n >> bits != 0 {
            return Err(bad(format!("`{k}` does not fit in {bits} bits")));
        }
        Ok(n)
    };
    let list = |x: Option<&Value>, k: &str| -> Result<Vec<u16>, Violation> {
        let a = x.and_then(Value::as_array).ok_or_else(|| bad(format!("`{k}` must be a list of ids")))?;
        let mut ids = a
            .iter()
            .map(|i| i.as_u64().and_then(|i| u16::try_from(i).ok()).filter(|&i| i > 0).ok_or_else(|| bad(format!("`{k}` holds a bad id"))))
            .collect::<Result<Vec<u16>, _>>()?;
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    };
    let small = |w: &mut Writer, k: &str, n: usize| -> Result<(), Violation> {
        let ids = list(v.get(k), k)?;
        if ids.iter().any(|&i| usize::from(i) > n) {
            return Err(bad(format!("`{k}` holds an id above {n}")));
        }
        w.push_ids(&ids, n);
        Ok(())
    };
    let time = |k: &str| -> Result<u64, Violation> {
        v.get(k).and_then(Value::as_str).and_then(crate::time::parse).ok_or_else(|| bad(format!("`{k}` must be an RFC 3339 timestamp")))
    };
    let mut w = Writer::default();
    w.push(1, 6);
    w.push(time("created")?, 36);
    w.push(time("last_updated")?, 36);
    w.push(num("cmp_id", 12)?, 12);
    w.push(num("cmp_version", 12)?, 12);
    w.push(num("consent_screen", 6)?, 6);
    let lang = v.get("consent_language").and_then(Value::as_str).unwrap_or("");
    if lang.len() != 2 || !lang.bytes().all(|c| c.is_ascii_uppercase()) {
        return Err(bad("`consent_language` must be two letters A-Z".into()));
    }
    for c in lang.bytes() {
        w.push(u64::from(c - b'A'), 6);
    }
    w.push(num("vendor_list_version", 12)?, 12);
    w.push(num("tcf_policy_version", 6)?, 6);
    w.push_bit(v.get("use_non_standard_stacks").and_then(Value::as_bool).unwrap_or(false));
    small(&mut w, "special_feature_express_consent", 12)?;
    small(&mut w, "purposes_express_consent", 24)?;
    small(&mut w, "purposes_implied_consent", 24)?;
    push_optimized(&mut w, &list(v.get("vendor_express_consent"), "vendor_express_consent")?);
    push_optimized(&mut w, &list(v.get("vendor_implied_consent"), "vendor_implied_consent")?);
    let restrictions = v.get("pub_restrictions").and_then(Value::as_array).cloned().unwrap_or_default();
    w.push(restrictions.len() as u64, 12);
    for p in &restrictions {
        let purpose =
            p.get("purpose_id").and_then(Value::as_u64).filter(|&x| x < 64).ok_or_else(|| bad("a restriction's `purpose_id`".into()))?;
        let kind = p
            .get("restriction_type")
            .and_then(Value::as_u64)
            .filter(|&x| x < 4)
            .ok_or_else(|| bad("a restriction's `restriction_type`".into()))?;
        w.push(purpose, 6);
        w.push(kind, 2);
        push_optimized(&mut w, &list(p.get("vendor_ids"), "vendor_ids")?);
    }
    let mut out = w.base64(ALIGN);
    if v.get("pub_purposes_segment_type").is_some() {
        let mut w = Writer::default();
        w.push(3, 3);
        small(&mut w, "pub_purposes_express_consent", 24)?;
        small(&mut w, "pub_purposes_implied_consent", 24)?;
        let n = num("num_custom_purposes", 6)?;
        w.push(n, 6);
        small(&mut w, "custom_purposes_express_consent", n as usize)?;
        small(&mut w, "custom_purposes_implied_consent", n as usize)?;
        out.push('.');
        out.push_str(&w.base64(ALIGN));
    }
    if v.get("disclosed_vendors_segment_type").is_some() {
        let mut w = Writer::default();
        w.push(1, 3);
        push_optimized(&mut w, &list(v.get("disclosed_vendors"), "disclosed_vendors")?);
        out.push('.');
        out.push_str(&w.base64(ALIGN));
    }
    Ok(out)
}
