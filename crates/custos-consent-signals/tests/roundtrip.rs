//! Property tests: every valid value survives encode then strict decode unchanged, and its
//! string survives decode then encode byte for byte.

use std::collections::{BTreeMap, BTreeSet};

use custos_consent_signals::{
    GppString, Mode,
    gpp::{self, Header},
    tcf::{self, PublisherRestriction, PublisherTc, TcString},
};
use proptest::prelude::*;
use serde_json::{Value, json};

fn ids<T: Ord + Copy>(set: BTreeSet<T>) -> Vec<T> {
    set.into_iter().collect()
}

fn vendors() -> impl Strategy<Value = Vec<u16>> {
    prop_oneof![
        // Sparse (ranges win) and dense (bitfields win) sets, and runs.
        prop::collection::btree_set(1u16..3000, 0..60).prop_map(ids),
        prop::collection::btree_set(1u16..400, 100..350).prop_map(ids),
        (1u16..2000, 1u16..300).prop_map(|(s, n)| (s..s.saturating_add(n)).collect()),
    ]
}

fn small(max: u8, allowed: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::btree_set(1u8..=max, 0..=max as usize)
        .prop_map(move |s| s.into_iter().filter(|p| allowed.is_empty() || allowed.contains(p)).collect())
}

fn tc_string() -> impl Strategy<Value = TcString> {
    let core = (
        19_700u64..21_500,
        0u16..4096,
        0u16..4096,
        0u8..64,
        (0u8..26, 0u8..26, 0u8..26, 0u8..26),
        0u16..4096,
        4u8..=5,
        any::<bool>(),
        any::<bool>(),
    );
    let purposes = (small(2, &[]), small(11, &[]), small(11, &[2, 7, 8, 9, 10, 11]));
    let sets = (
        vendors(),
        vendors(),
        prop::collection::vec((1u8..=11, 0u8..=2, vendors()), 0..4),
        vendors(),
        prop::option::of((small(24, &[]), small(24, &[]), 0u8..64)),
    );
    (core, purposes, sets).prop_map(|(core, purposes, sets)| {
        let (day, cmp_id, cmp_version, screen, (l1, l2, c1, c2), vlv, policy, non_standard, one) = core;
        let letters = |a: u8, b: u8| format!("{}{}", char::from(b'A' + a), char::from(b'A' + b));
        let (sf, pc, pli) = purposes;
        let (vc, vli, restrictions, disclosed, publisher) = sets;
        TcString {
            version: 2,
            created: day * 864_000,
            last_updated: day * 864_000,
            cmp_id,
            cmp_version,
            consent_screen: screen,
            consent_language: letters(l1, l2),
            vendor_list_version: vlv,
            tcf_policy_version: policy,
            is_service_specific: true,
            use_non_standard_texts: non_standard,
            special_feature_optins: sf,
            purpose_consents: pc,
            purpose_legitimate_interests: pli,
            purpose_one_treatment: one,
            publisher_cc: letters(c1, c2),
            vendor_consents: vc,
            vendor_legitimate_interests: vli,
            publisher_restrictions: restrictions
                .into_iter()
                .map(|(purpose_id, restriction_type, vendor_ids)| PublisherRestriction { purpose_id, restriction_type, vendor_ids })
                .collect(),
            disclosed_vendors: Some(disclosed),
            publisher_tc: publisher.map(|(c, li, n)| PublisherTc {
                purpose_consents: c,
                purpose_legitimate_interests: li,
                num_custom_purposes: n,
                custom_purpose_consents: (1..=n).filter(|i| i % 3 == 0).collect(),
                custom_purpose_legitimate_interests: (1..=n).filter(|i| i % 5 == 1).collect(),
            }),
        }
    })
}

/// A US section's fields from its decoded defaults, each 2-bit value replaced by a random
/// defined one.
fn usnat(values: Vec<u8>, gpc: Option<bool>, version: u8) -> Value {
    let (sdp, child) = if version == 1 { (12, 2) } else { (16, 3) };
    let mut v = values.into_iter().cycle();
    let mut next = || json!(v.next().unwrap_or(0));
    let mut fields = serde_json::Map::new();
    fields.insert("version".into(), json!(version));
    for name in [
        "sharing_notice",
        "sale_opt_out_notice",
        "sharing_opt_out_notice",
        "targeted_advertising_opt_out_notice",
        "sensitive_data_processing_opt_out_notice",
        "sensitive_data_limit_use_notice",
        "sale_opt_out",
        "sharing_opt_out",
        "targeted_advertising_opt_out",
    ] {
        fields.insert(name.into(), next());
    }
    fields.insert("sensitive_data_processing".into(), Value::Array((0..sdp).map(|_| next()).collect()));
    fields.insert("known_child_sensitive_data_consents".into(), Value::Array((0..child).map(|_| next()).collect()));
    fields.insert("personal_data_consents".into(), next());
    fields.insert("mspa_covered_transaction".into(), json!(1));
    fields.insert("mspa_opt_out_option_mode".into(), next());
    fields.insert("mspa_service_provider_mode".into(), next());
    fields.insert("gpc_segment_included".into(), json!(gpc.is_some()));
    if let Some(gpc) = gpc {
        fields.insert("gpc_segment_type".into(), json!(1));
        fields.insert("gpc".into(), json!(gpc));
    }
    Value::Object(fields)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn tc_strings_round_trip(tc in tc_string()) {
        let s = tcf::encode(&tc).expect("a valid value encodes");
        let d = tcf::decode(&s, Mode::Strict).expect("and decodes strictly");
        prop_assert_eq!(&d.value, &tc);
        prop_assert_eq!(tcf::encode(&d.value).expect("again"), s);
    }

    #[test]
    fn gpp_strings_round_trip(
        values in prop::collection::vec(0u8..=2, 40),
        gpc in prop::option::of(any::<bool>()),
        version in 1u8..=2,
        usp in prop::sample::select(vec!["1YNN", "1NYN", "1-Y-", "1---", "1NNY"]),
        tc in prop::option::of(tc_string()),
    ) {
        let mut sections = BTreeMap::new();
        let mut section_ids = vec![6, 7];
        sections.insert("usnat".to_owned(), usnat(values, gpc, version));
        let b = usp.as_bytes();
        let c = |i: usize| (b[i] as char).to_string();
        sections.insert("uspv1".to_owned(), json!({"version": 1, "notice": c(1), "opt_out_sale": c(2), "lspa_covered": c(3)}));
        if let Some(tc) = tc {
            sections.insert("tcfeuv2".to_owned(), serde_json::to_value(tc).expect("json"));
            section_ids.insert(0, 2);
        }
        let g = GppString { header: Header { version: 1, section_ids }, sections };
        let s = gpp::encode(&g).expect("a valid value encodes");
        let d = gpp::decode(&s, Mode::Strict).expect("and decodes strictly");
        prop_assert_eq!(&d.value, &g);
        prop_assert_eq!(gpp::encode(&d.value).expect("again"), s);
    }

    #[test]
    fn any_text_is_refused_or_read_without_panicking(s in "[A-Za-z0-9_~.\\-]{0,300}") {
        for mode in [Mode::Strict, Mode::Lenient] {
            let _ = custos_consent_signals::decode_json(&s, mode);
        }
    }
}
