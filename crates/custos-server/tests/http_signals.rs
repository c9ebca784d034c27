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

/// A Global Vendor List file: version, and per vendor the purposes on consent and on
/// legitimate interest.
fn gvl(version: u16, vendors: &[(u16, &[u8], &[u8])]) -> String {
    let vendors: serde_json::Map<String, Value> = vendors
        .iter()
        .map(|(id, purposes, li)| {
            (
                id.to_string(),
                json!({"id": id, "name": format!("Vendor {id}"), "purposes": purposes, "legIntPurposes": li,
                                    "flexiblePurposes": [], "specialPurposes": [1], "features": [], "specialFeatures": []}),
            )
        })
        .collect();
    json!({"gvlSpecificationVersion": 3, "vendorListVersion": version, "tcfPolicyVersion": 5, "lastUpdated": "2025-11-06T16:00:00Z",
           "purposes": {}, "specialPurposes": {}, "features": {}, "specialFeatures": {}, "stacks": {}, "vendors": vendors})
    .to_string()
}

async fn upload(s: &TestServer, key: &str, file: String) -> (u16, Value) {
    let resp = s.client.post(format!("{}/v1/tcf/gvl", s.base_url)).bearer_auth(key).header("content-type", "application/json").body(file);
    let resp = resp.send().await.expect("upload");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

const ALL: &[u8] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

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
    assert_eq!(upload(&s, &s.admin_key, gvl(150, &[(2, ALL, &[]), (6, ALL, &[]), (755, ALL, &[])])).await.0, 201);

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

/// The Global Vendor List: uploaded versions (no download at run time), strings checked against
/// the version they name, and the gate asking what a TCF vendor may receive.
async fn vendor_lists_and_tcf_vendors(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    declare_ads(&s, false, false).await;
    let key = s.key(&["signals:write"]).await;
    let ana = subject(&s, "ana", "DE").await;
    let good = tc_string(&[1, 4], &[]);

    // A version never uploaded: refused in strict mode, accepted with the warning in lenient.
    let (st, problem) = signal(&s, &key, json!({"subject_id": ana, "tc_string": good})).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("tc_string")), "{problem}");
    assert!(problem["detail"].as_str().unwrap_or("").starts_with("gvl_version_unknown"), "{problem}");
    assert!(s.service.signals().of_subject(&ana).await.expect("signals").is_empty(), "nothing stored");
    let (st, problem) = signal(&s, &key, json!({"subject_id": ana, "tc_string": good, "mode": "loose"})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("mode")), "{problem}");

    // Uploads: bad files named, the scope enforced, the same file twice is one version, another
    // file under a stored version a conflict.
    let admin = s.key(&["tcf:admin"]).await;
    for file in ["{}".to_owned(), "not json".to_owned(), gvl(0, &[]), gvl(150, &[(3, &[12], &[])])] {
        let (st, problem) = upload(&s, &admin, file.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some("gvl")), "{file} -> {problem}");
    }
    assert_eq!(upload(&s, &key, gvl(150, &[])).await.0, 403);
    let file = gvl(150, &[(2, ALL, &[]), (6, &[1], &[]), (755, &[1, 3, 4], &[2, 7])]);
    let (st, stored) = upload(&s, &admin, file.clone()).await;
    assert_eq!((st, stored["vendor_list_version"].as_i64(), stored["vendor_count"].as_i64()), (201, Some(150), Some(3)), "{stored}");
    assert!(stored["receipt"]["leaf_index"].is_u64(), "{stored}");
    let (st, again) = upload(&s, &admin, file).await;
    assert_eq!((st, again["file_sha256"].clone()), (200, stored["file_sha256"].clone()), "{again}");
    assert_eq!(upload(&s, &admin, gvl(150, &[(2, ALL, &[])])).await.0, 409);
    let (st, lists) = s.call(Method::GET, "/v1/tcf/gvl", Some(&admin), None).await;
    assert_eq!((st, lists.as_array().map(Vec::len)), (200, Some(1)), "{lists}");

    // A vendor the named version does not hold: refused strictly, a warning leniently.
    let mut stranger = tc(&[1, 4], &[]);
    stranger.vendor_consents.push(900);
    let stranger = tcf::encode(&stranger).expect("encodes");
    let (st, problem) = signal(&s, &key, json!({"subject_id": ana, "tc_string": stranger})).await;
    assert_eq!(st, 422, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or("").starts_with("vendor_not_in_gvl: vendor 900"), "{problem}");
    let (st, v) = signal(&s, &key, json!({"subject_id": ana, "tc_string": stranger, "mode": "lenient"})).await;
    assert_eq!(st, 201, "{v}");
    assert!(v["warnings"][0].as_str().unwrap_or("").starts_with("vendor_not_in_gvl"), "{v}");
    let (st, v) = signal(&s, &key, json!({"subject_id": ana, "tc_string": good})).await;
    assert_eq!((st, v["warnings"].as_array().map(Vec::len)), (201, Some(0)), "{v}");

    // The gate with a TCF vendor as recipient: the purpose (TCF purpose 4) needs the vendor's
    // consent under the latest string, and the list must declare it.
    let to =
        |recipient: Value| json!({"subject_id": ana, "purpose": ADS, "data_categories": ["user.contact.email"], "recipient": recipient});
    let gate = async |recipient: Value| s.post("/v1/gate/check", to(recipient)).await;
    let code = |v: &Value| v["reasons"][0]["code"].as_str().unwrap_or("").to_owned();
    let (st, ok) = gate(json!({"tcf_vendor_id": 755})).await;
    assert_eq!((st, ok["decision"].as_str()), (200, Some("allow")), "{ok}");
    let (_, undeclared) = gate(json!({"tcf_vendor_id": 6})).await;
    assert_eq!((undeclared["decision"].as_str(), code(&undeclared)), (Some("deny"), "tcf_vendor_not_allowed".to_owned()), "{undeclared}");
    assert!(undeclared["reasons"][0]["message"].as_str().unwrap_or("").contains("does not declare purpose 4"), "{undeclared}");
    let (_, no_consent) = gate(json!({"tcf_vendor_id": 3})).await;
    assert!(no_consent["reasons"][0]["message"].as_str().unwrap_or("").contains("neither consent nor legitimate interest"), "{no_consent}");
    // The publisher forbids vendor 755 purpose 4: denied.
    let mut restricted = tc(&[1, 4], &[]);
    restricted.publisher_restrictions = vec![tcf::PublisherRestriction { purpose_id: 4, restriction_type: 0, vendor_ids: vec![755] }];
    let (st, v) = signal(&s, &key, json!({"subject_id": ana, "tc_string": tcf::encode(&restricted).expect("encodes")})).await;
    assert_eq!(st, 201, "{v}");
    let (_, forbidden) = gate(json!({"tcf_vendor_id": 755})).await;
    assert!(forbidden["reasons"][0]["message"].as_str().unwrap_or("").contains("publisher does not allow vendor 755"), "{forbidden}");
    // A subject with no TC string, and a recipient naming nobody.
    let bo = subject(&s, "bo", "DE").await;
    assert_eq!(consent(&s, &bo, "granted").await.0, 201);
    let (_, none) = s
        .post(
            "/v1/gate/check",
            json!({"subject_id": bo, "purpose": ADS, "data_categories": ["user.contact.email"], "recipient": {"tcf_vendor_id": 755}}),
        )
        .await;
    assert!(none["reasons"][0]["message"].as_str().unwrap_or("").contains("No TC string"), "{none}");
    let (st, problem) = gate(json!({})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("recipient")), "{problem}");
    s.stop().await;
}

backend_tests!(signals_are_decoded_stored_and_enforced, vendor_lists_and_tcf_vendors);
