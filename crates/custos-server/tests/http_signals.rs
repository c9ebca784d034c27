//! Consent signals on both backends: TC and GPP strings decoded strictly (a broken rule is a
//! 422 naming the field and the rule, and nothing changes), stored sealed, and turned into
//! consent events, objections and opt-outs the gate then enforces; a string that changes
//! nothing writes nothing.

mod support;

use custos_consent_signals::{
    GppString,
    gpp::{self, Header},
    tcf::{self, TcString},
};
use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};
use support::*;

const INSIGHTS: &str = "analytics.reporting.campaign_insights";

/// A TC string of today's kind (policy 5, a Disclosed Vendors segment) with these purposes.
fn tc(consents: &[u8], legitimate: &[u8]) -> TcString {
    let day = 20_400u64 * 864_000; // 2025-11-07, midnight UTC
    TcString {
        version: 2,
        created: day,
        last_updated: day,
        cmp_id: 300,
        cmp_version: 2,
        consent_screen: 1,
        consent_language: "EN".into(),
        vendor_list_version: 150,
        tcf_policy_version: 5,
        is_service_specific: true,
        use_non_standard_texts: false,
        special_feature_optins: vec![],
        purpose_consents: consents.to_vec(),
        purpose_legitimate_interests: legitimate.to_vec(),
        purpose_one_treatment: false,
        publisher_cc: "DE".into(),
        vendor_consents: vec![2, 6, 755],
        vendor_legitimate_interests: vec![],
        publisher_restrictions: vec![],
        disclosed_vendors: Some(vec![2, 6, 755]),
        publisher_tc: None,
    }
}

fn tc_string(consents: &[u8], legitimate: &[u8]) -> String {
    tcf::encode(&tc(consents, legitimate)).expect("encodes")
}

async fn signal(s: &TestServer, key: &str, body: Value) -> (u16, Value) {
    s.call(Method::POST, "/v1/consents/signals", Some(key), Some(body)).await
}

fn effects(v: &Value) -> Vec<(String, String)> {
    v["effects"]
        .as_array()
        .map(|a| {
            a.iter().map(|e| (e["purpose"].as_str().unwrap_or("-").to_owned(), e["effect"].as_str().unwrap_or("").to_owned())).collect()
        })
        .unwrap_or_default()
}

async fn signals_are_decoded_stored_and_enforced(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    declare_ads(&s, true, false).await;
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": INSIGHTS, "name": "Campaign insights", "legal_basis": "legitimate_interest",
                   "data_categories": ["user.demographic"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let key = s.key(&["signals:write"]).await;
    let ana = subject(&s, "ana", "DE").await;

    // Refused, naming the field and the rule; nothing recorded.
    let mut late = tc(&[1, 4], &[]);
    late.created = 20_600 * 864_000; // 2026-05-25: TCF v2.3 needs the Disclosed Vendors segment
    late.last_updated = late.created;
    late.disclosed_vendors = None;
    let late = tcf::encode(&late).expect("encodes");
    let good = tc_string(&[1, 4], &[]);
    for (body, status, field, rule) in [
        (json!({"subject_id": ana}), 400, "tc_string", ""),
        (json!({"subject_id": ana, "tc_string": &good[..40]}), 422, "tc_string", "truncated"),
        (json!({"subject_id": ana, "tc_string": format!("{good}=")}), 422, "tc_string", "bad_base64"),
        (json!({"subject_id": ana, "tc_string": late}), 422, "tc_string", "disclosed_vendors_missing"),
        (json!({"subject_id": ana, "gpp_string": "DBABL~BVQqAAAAAg~BAAA"}), 422, "gpp_string", "section_count_mismatch"),
        (json!({"subject_id": ana, "tc_string": good, "colour": "red"}), 400, "colour", ""),
        (json!({"subject_id": "not-an-id", "tc_string": good}), 400, "subject_id", ""),
    ] {
        let (st, problem) = signal(&s, &key, body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
        assert!(problem["detail"].as_str().unwrap_or("").starts_with(rule), "{problem}");
    }
    assert_eq!(signal(&s, &s.key(&["consents:write"]).await, json!({"subject_id": ana, "tc_string": good})).await.0, 403);
    assert!(s.service.signals().of_subject(&ana).await.expect("signals").is_empty(), "nothing stored");
    assert_eq!(check(&s, &ana, false).await["decision"], "deny", "no consent yet");

    // TCF purpose 4 (personalised ads) consented: the targeted-offers purpose is granted; the
    // campaign-insights purpose rests on legitimate interest, and purpose 9 was objected to.
    let (st, v) = signal(&s, &key, json!({"subject_id": ana, "tc_string": good, "source": "cmp.example"})).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(effects(&v), vec![(INSIGHTS.to_owned(), "objection".to_owned()), (ADS.to_owned(), "granted".to_owned())], "{v}");
    assert_eq!(check(&s, &ana, false).await["decision"], "allow");
    let (_, insights) =
        s.post("/v1/gate/check", json!({"subject_id": ana, "purpose": INSIGHTS, "data_categories": ["user.demographic"]})).await;
    assert_eq!(insights["decision"], "deny", "the objection holds: {insights}");
    // The same string again changes nothing and writes no consent event.
    let (st, again) = signal(&s, &key, json!({"subject_id": ana, "tc_string": good})).await;
    assert_eq!((st, effects(&again)), (201, vec![]), "{again}");
    // Purpose 4 no longer consented: withdrawn, and the gate refuses.
    let (_, v) = signal(&s, &key, json!({"subject_id": ana, "tc_string": tc_string(&[1], &[])})).await;
    assert_eq!(effects(&v), vec![(ADS.to_owned(), "withdrawn".to_owned())], "{v}");
    assert_eq!(check(&s, &ana, false).await["decision"], "deny");
    let (_, consents) = s.get(&format!("/v1/subjects/{ana}/consents")).await;
    let history = consents["history"].as_array().expect("history");
    assert!(history.iter().all(|e| e["method"] == "tcf" && e["notice_version"] == "tcf-signal"), "{consents}");
    assert_eq!(
        history.last().map(|e| &e["notice_text_sha256"]),
        Some(&v["signal_sha256"]),
        "the event points at the stored string: {consents}"
    );

    // Stored sealed: the string is readable through the service, not in the database.
    let stored = s.service.signals().of_subject(&ana).await.expect("signals");
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].2.as_deref(), Some(format!("{good}~~").as_str()));
    let needle = good.as_bytes()[..60].to_vec();
    match backend {
        Backend::Sqlite => {
            let raw = s.db.sqlite_values("SELECT signal_ct FROM consent_signals").await;
            assert!(raw.iter().all(|v| !v.windows(needle.len()).any(|w| w == needle.as_slice())), "sealed at rest");
        }
        Backend::Postgres => assert!(!s.db.postgres_dump().await.contains(&good[..60]), "sealed at rest"),
    }

    // A GPP string from California: usnat says opted out of sale; the subject is opted out and
    // the sale-or-share purpose refused.
    let bo = subject(&s, "bo", "US-CA").await;
    assert_eq!(check(&s, &bo, false).await["decision"], "allow", "opt-out regime: allowed until an opt-out");
    let usnat = gpp::decode("DBABL~BVQqAAAAAg", custos_consent_signals::Mode::Strict).expect("usnat").value.sections["usnat"].clone();
    let mut opted = usnat.clone();
    opted["sale_opt_out"] = json!(1);
    opted["mspa_covered_transaction"] = json!(1);
    let g = GppString { header: Header { version: 1, section_ids: vec![7] }, sections: [("usnat".to_owned(), opted)].into() };
    let gpp_string = gpp::encode(&g).expect("encodes");
    let (st, v) = signal(&s, &key, json!({"subject_id": bo, "gpp_string": gpp_string})).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(effects(&v), vec![(ADS.to_owned(), "denied".to_owned()), ("-".to_owned(), "opted_out_of_sale_or_share".to_owned())], "{v}");
    assert_eq!(check(&s, &bo, false).await["decision"], "deny");
    let (_, subject) = s.get(&format!("/v1/subjects/{bo}")).await;
    assert_eq!(subject["opted_out_of_sale_or_share"], true, "{subject}");

    // The site says it honours GPC, to anyone (GPC specification 3.2).
    let (st, gpc) = s.call(Method::GET, "/.well-known/gpc.json", None, None).await;
    assert_eq!((st, gpc["gpc"].as_bool(), gpc["lastUpdate"].as_str().map(str::len)), (200, Some(true), Some(10)), "{gpc}");
    s.stop().await;
}

backend_tests!(signals_are_decoded_stored_and_enforced);
