//! The codecs against strings made by the IAB's own libraries (`@iabtechlabtcf/core`,
//! `@iabgpp/cmpapi`; `testdata/consent-signals/generate.mjs` made them): every valid string
//! decodes strictly to what the library says and re-encodes to itself (or, where the library's
//! range estimate picked the longer encoding, to a shorter string with the same value); every
//! invalid one is refused with its rule, including those the libraries accept.

use std::collections::BTreeMap;

use custos_consent_signals::{Mode, gpp, tcf};
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/consent-signals").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("json")
}

#[test]
fn valid_tc_strings_decode_to_the_librarys_values_and_round_trip() {
    let mut shorter = 0;
    let fixtures = load("tcf_valid.json");
    assert!(fixtures.len() >= 200);
    for f in &fixtures {
        let s = f["string"].as_str().expect("string");
        let d = tcf::decode(s, Mode::Strict).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(serde_json::to_value(&d.value).expect("json"), f["decoded"], "{s}");
        let again = tcf::encode(&d.value).expect("encodes");
        if again != s {
            // Only the vendor-set encoding may differ, and only towards the shorter string.
            assert!(again.len() <= s.len(), "{s} -> {again}");
            assert_eq!(tcf::decode(&again, Mode::Strict).expect("decodes").value, d.value);
            shorter += 1;
        }
    }
    eprintln!("{shorter} of {} library strings re-encode shorter (its range estimate)", fixtures.len());
}

#[test]
fn invalid_tc_strings_are_refused_with_their_rule() {
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for f in load("tcf_invalid.json") {
        let s = f["string"].as_str().expect("string");
        let rule = f["rule"].as_str().expect("rule");
        let got = custos_consent_signals::validate(s, Mode::Strict);
        let e = by_rule.entry(rule.to_owned()).or_default();
        e.0 += 1;
        match got {
            Err(v) if v.rule.as_str() == rule => e.1 += 1,
            other => wrong.push(format!("{rule}: {s} -> {other:?} ({})", f["note"])),
        }
    }
    assert!(wrong.is_empty(), "{} refused with another rule or accepted:\n{}", wrong.len(), wrong.join("\n"));
    assert!(by_rule.len() >= 10, "{by_rule:?}");
}

/// The GPP library names the TC string's fields its own way; the same values under custos's
/// names (`docs/CONSENT_SIGNALS.md`).
fn tcfeuv2_as_custos(lib: &Value) -> Value {
    let mut out = serde_json::Map::new();
    let rename = [
        ("policy_version", "tcf_policy_version"),
        ("use_non_standard_stacks", "use_non_standard_texts"),
        ("publisher_country_code", "publisher_cc"),
        ("vendors_disclosed", "disclosed_vendors"),
    ];
    let publisher = [
        ("publisher_consents", "purpose_consents"),
        ("publisher_legitimate_interests", "purpose_legitimate_interests"),
        ("num_custom_purposes", "num_custom_purposes"),
        ("publisher_custom_consents", "custom_purpose_consents"),
        ("publisher_custom_legitimate_interests", "custom_purpose_legitimate_interests"),
    ];
    let mut pub_tc = serde_json::Map::new();
    for (k, v) in lib.as_object().expect("object") {
        if let Some((_, to)) = publisher.iter().find(|(from, _)| from == k) {
            pub_tc.insert((*to).to_owned(), v.clone());
        } else if k.ends_with("_segment_type") {
            continue;
        } else {
            let name = rename.iter().find(|(from, _)| from == k).map_or(k.as_str(), |(_, to)| to);
            out.insert(name.to_owned(), v.clone());
        }
    }
    if !pub_tc.is_empty() {
        out.insert("publisher_tc".into(), Value::Object(pub_tc));
    }
    Value::Object(out)
}

#[test]
fn valid_gpp_strings_decode_to_the_librarys_values() {
    let mut reencoded_same = 0;
    let fixtures = load("gpp_valid.json");
    assert!(fixtures.len() >= 100);
    let mut sections_seen = std::collections::BTreeSet::new();
    for f in &fixtures {
        let s = f["string"].as_str().expect("string");
        let d = gpp::decode(s, Mode::Strict).unwrap_or_else(|e| panic!("{s}: {e}"));
        let ours = serde_json::to_value(&d.value).expect("json");
        assert_eq!(ours["header"], f["decoded"]["header"], "{s}");
        for (name, theirs) in f["decoded"]["sections"].as_object().expect("sections") {
            sections_seen.insert(name.clone());
            let expected = if name == "tcfeuv2" { tcfeuv2_as_custos(theirs) } else { theirs.clone() };
            assert_eq!(ours["sections"][name], expected, "{name} in {s}");
        }
        let again = gpp::encode(&d.value).expect("encodes");
        assert_eq!(gpp::decode(&again, Mode::Strict).expect("decodes").value, d.value, "{s} -> {again}");
        if again == s {
            reencoded_same += 1;
        }
    }
    eprintln!("{reencoded_same} of {} GPP strings re-encode byte for byte; sections: {sections_seen:?}", fixtures.len());
}

#[test]
fn invalid_gpp_strings_are_refused_with_their_rule() {
    let mut wrong = Vec::new();
    for f in load("gpp_invalid.json") {
        let s = f["string"].as_str().expect("string");
        let rule = f["rule"].as_str().expect("rule");
        match custos_consent_signals::validate(s, Mode::Strict) {
            Err(v) if v.rule.as_str() == rule => {}
            other => wrong.push(format!("{rule}: {s} -> {other:?} ({})", f["note"])),
        }
    }
    assert!(wrong.is_empty(), "{} refused with another rule or accepted:\n{}", wrong.len(), wrong.join("\n"));
}
