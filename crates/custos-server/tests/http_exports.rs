//! Segment exports and private statistics over HTTP, on SQLite and PostgreSQL: an export policy
//! is set by a privacy officer only, versioned and in the ledger; bad input is named and changes
//! nothing; a segment export passes the gate (subjects without consent are left out, by reason),
//! releases only what the purpose allows and only the policy's fields, and meets the policy's k
//! and l (the file is read back and checked again with the engine); the file is sealed at rest
//! and matches the SHA-256 the ledger holds; a vendor without an agreement gets nothing; private
//! queries spend the purpose's budget until one is refused with the remaining budget stated, a
//! logged policy change resets it; the file is deleted when its retention ends.

mod support;

use custos_core::Role;
use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

const PURPOSE: &str = "marketing.advertising.third_party";

async fn declare(s: &TestServer) {
    let (st, body) = s
        .post(
            "/v1/purposes",
            json!({"key": PURPOSE, "name": "Audiences shared with ad partners", "legal_basis": "consent",
               "data_categories": ["user.demographic", "user.location.imprecise", "user.contact.email"],
               "sale_or_share": true, "profiling": true, "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let (st, body) =
        s.post("/v1/notices", json!({"purpose": PURPOSE, "version": "1", "language": "en", "text": "We share audiences."})).await;
    assert_eq!(st, 201, "{body}");
}

/// `n` subjects in Germany: birth dates over 1960-1999, postal codes in four areas, an interest
/// profile; all but every tenth consent.
async fn people(s: &TestServer, n: usize) -> Vec<String> {
    let interests = ["sports", "travel", "books", "music", "food"];
    let mut ids = Vec::new();
    for i in 0..n {
        let (st, body) = s
            .post(
                "/v1/subjects",
                json!({"external_id": format!("c{i}"), "jurisdiction": "DE",
                   "data": {"user.contact.email": format!("c{i}@example.org"),
                            "user.demographic.date_of_birth": format!("{}-{:02}-{:02}", 1960 + (i * 7) % 40, 1 + i % 12, 1 + i % 28),
                            "user.demographic.gender": if i % 2 == 0 { "female" } else { "male" },
                            "user.location.imprecise": format!("{}{:03}", [10, 20, 80, 50][i % 4], (i * 37) % 1000),
                            "user.demographic.profile": interests[(i * 3) % 5]}}),
            )
            .await;
        assert_eq!(st, 201, "{body}");
        let id = body["subject_id"].as_str().expect("id").to_owned();
        let status = if i % 10 == 9 { "denied" } else { "granted" };
        let (st, body) = s
            .post(
                "/v1/consents",
                json!({"subject_id": id, "purpose": PURPOSE, "status": status, "method": "api", "notice_version": "1", "source": "web"}),
            )
            .await;
        assert_eq!(st, 201, "{body}");
        ids.push(id);
    }
    ids
}

fn rows_policy() -> Value {
    json!({"release": "rows",
           "quasi_identifiers": [
               {"field": "user.demographic.date_of_birth", "hierarchy": "dates"},
               {"field": "user.location.imprecise", "hierarchy": {"prefix": 5}}],
           "sensitive": ["user.demographic.profile"],
           "k": 5, "l": 2, "t": 0.3, "max_suppressed": 0.1,
           "budget": {"epsilon": 1.0},
           "segment_keys": {"user.location.imprecise": ["10", "20", "50", "80", "90"], "user.demographic.profile": ["sports", "travel", "books", "music", "food"]},
           "retention_days": 30})
}

/// The ledger leaf at `receipt`, as text.
async fn leaf_text(s: &TestServer, receipt: &Value) -> String {
    let entry = s.get(&format!("/v1/ledger/entries/{}", receipt["leaf_index"])).await.1;
    let bytes = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
    String::from_utf8(bytes).expect("utf-8")
}

async fn ledger_size(s: &TestServer) -> u64 {
    s.get("/v1/ledger/checkpoint").await.1["tree_size"].as_u64().unwrap_or_default()
}

async fn export_story(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    declare(&s).await;
    let n = 60;
    let ids = people(&s, n).await;
    let dpo = s.person("dpo@example.com", &[Role::PrivacyOfficer], &["exports:admin", "exports:read"]).await;
    let analyst = s.person("ana@example.com", &[Role::Analyst], &["exports:admin"]).await;
    let plain_admin = s.key(&["exports:admin"]).await;
    let writer = s.key(&["exports:write", "exports:read"]).await;
    let reader = s.key(&["exports:read"]).await;
    let querier = s.key(&["dp:query"]).await;
    let path = format!("/v1/export-policies/{PURPOSE}");

    // Only a privacy officer, as a person, sets a policy.
    let body = json!({"policy": rows_policy()});
    assert_eq!(s.call(Method::PUT, &path, Some(&plain_admin), Some(body.clone())).await.0, 403, "a system key is not a person");
    assert_eq!(s.call(Method::PUT, &path, Some(&analyst), Some(body.clone())).await.0, 403, "an analyst is not a privacy officer");
    assert_eq!(s.call(Method::PUT, &path, Some(&writer), Some(body.clone())).await.0, 403, "exports:write is not exports:admin");

    // Bad policies are named and change nothing.
    let size = ledger_size(&s).await;
    let with = |patch: Value| {
        let mut p = rows_policy();
        for (k, v) in patch.as_object().expect("object") {
            p[k] = v.clone();
        }
        json!({"policy": p})
    };
    let many: Vec<Value> = [
        "user.demographic.date_of_birth",
        "user.location.imprecise",
        "user.demographic.age_range",
        "user.demographic.marital_status",
        "user.demographic.profile",
        "user.demographic.language",
        "user.demographic.religious_belief",
        "user.demographic.political_opinion",
        "user.demographic.sexual_orientation",
        "user.contact.address.city",
        "user.contact.address.postal_code",
        "user.contact.address.country",
    ]
    .iter()
    .map(|f| json!({"field": f, "hierarchy": {"tree": [{"a": "b"}, {"b": "c"}, {"c": "d"}]}}))
    .collect();
    for (body, status, field) in [
        (with(json!({"k": 0})), 400, "policy.k"),
        (with(json!({"t": 2.0})), 400, "policy.t"),
        (with(json!({"max_suppressed": 0.9})), 400, "policy.max_suppressed"),
        (with(json!({"budget": {"epsilon": 1.0, "rho": 1.0}})), 400, "policy.budget"),
        (with(json!({"colour": "blue"})), 400, "policy.colour"),
        (with(json!({"quasi_identifiers": [{"field": "user.nonsense", "hierarchy": "dates"}]})), 400, "policy.quasi_identifiers[0].field"),
        (
            with(json!({"quasi_identifiers": [{"field": "user.demographic.date_of_birth", "hierarchy": {"intervals": [10, 5]}}]})),
            400,
            "policy.quasi_identifiers[0].hierarchy",
        ),
        (with(json!({"release": "statistics"})), 400, "policy.statistics"),
        // Twelve quasi-identifiers of five levels each: 244 million generalizations.
        (with(json!({"quasi_identifiers": many})), 400, "policy.quasi_identifiers"),
        // Gender is kept for fairness audits only: never exported.
        (with(json!({"sensitive": ["user.demographic.gender"]})), 422, "policy.sensitive"),
        (with(json!({"sensitive": ["user.financial.credit_card"]})), 422, "policy.sensitive"),
    ] {
        let (st, problem) = s.call(Method::PUT, &path, Some(&dpo), Some(body.clone())).await;
        assert_eq!(st, status, "{body} -> {problem}");
        assert_eq!(problem["field"], field, "{problem}");
    }
    assert_eq!(
        s.call(Method::PUT, "/v1/export-policies/marketing.nothing", Some(&dpo), Some(json!({"policy": rows_policy()}))).await.0,
        404
    );
    assert_eq!(s.call(Method::GET, "/v1/export-policies", Some(&reader), None).await.1, json!([]), "nothing was stored");
    assert_eq!(ledger_size(&s).await, size, "nothing was logged");

    let (st, v1) = s.call(Method::PUT, &path, Some(&dpo), Some(json!({"policy": rows_policy()}))).await;
    assert_eq!(st, 200, "{v1}");
    assert_eq!((v1["version"].as_i64(), v1["budget_epoch"].as_i64()), (Some(1), Some(1)));
    assert!(v1["receipt"]["leaf_index"].is_u64(), "{v1}");
    assert!(v1["created_by"].as_str().unwrap_or_default().starts_with("staff:"), "{v1}");

    // A segment: every German subject, exporting birth date, area and interest.
    let seg = json!({"name": "Germany", "jurisdictions": ["DE"],
                     "fields": ["user.demographic.date_of_birth", "user.location.imprecise", "user.demographic.profile"]});
    assert_eq!(s.call(Method::POST, "/v1/segments", Some(&reader), Some(seg.clone())).await.0, 403);
    for (body, field) in [
        (json!({"name": "x", "fields": []}), "fields"),
        (json!({"name": "x", "fields": ["user.nope"]}), "fields[0]"),
        (json!({"name": "x", "fields": ["user.contact.email"], "jurisdictions": ["Germany"]}), "jurisdictions[0]"),
        (json!({"name": "", "fields": ["user.contact.email"]}), "name"),
        (
            json!({"name": "One person", "fields": ["user.demographic.profile"], "filter": {"user.contact.email": ["c1@example.org"]}}),
            "filter.user.contact.email",
        ),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/segments", Some(&writer), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{body} -> {problem}");
    }
    let (st, segment) = s.call(Method::POST, "/v1/segments", Some(&writer), Some(seg.clone())).await;
    assert_eq!(st, 201, "{segment}");
    let segment_id = segment["segment_id"].as_str().expect("id").to_owned();
    let leaf = leaf_text(&s, &segment["receipt"]).await;
    assert!(leaf.contains("segment.created") && leaf.contains("filter_sha256"), "{leaf}");
    assert_eq!(s.call(Method::POST, "/v1/segments", Some(&writer), Some(seg.clone())).await.0, 409, "names are unique");
    // A segment that would export e-mail addresses (a direct identifier) is refused by the policy.
    let (_, with_email) = s
        .call(
            Method::POST,
            "/v1/segments",
            Some(&writer),
            Some(json!({"name": "Emails", "fields": ["user.contact.email", "user.location.imprecise"]})),
        )
        .await;
    let (st, problem) =
        s.call(Method::POST, "/v1/exports", Some(&writer), Some(json!({"purpose": PURPOSE, "segment_id": with_email["segment_id"]}))).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("segment.fields[0]")), "{problem}");

    // The export.
    for (body, status, field) in [
        (json!({"purpose": PURPOSE, "segment_id": segment_id, "format": "xlsx"}), 400, "format"),
        (json!({"purpose": PURPOSE, "segment_id": "nope"}), 400, "segment_id"),
        (json!({"purpose": "marketing.email", "segment_id": segment_id}), 422, "purpose"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/exports", Some(&writer), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    let (st, export) = s
        .call(Method::POST, "/v1/exports", Some(&writer), Some(json!({"purpose": PURPOSE, "segment_id": segment_id, "format": "csv"})))
        .await;
    assert_eq!(st, 201, "{export}");
    let report = &export["report"];
    assert_eq!(report["selection"]["considered"], n, "{report}");
    assert_eq!(report["selection"]["included"], n - n / 10, "{report}");
    assert_eq!(report["selection"]["excluded"]["consent_denied"], n / 10, "{report}");
    let anonymity = &report["anonymity"];
    assert!(anonymity["k"].as_u64().expect("k") >= 5, "{anonymity}");
    assert!(anonymity["suppressed"].as_u64().expect("suppressed") <= anonymity["suppressed_allowed"].as_u64().expect("allowed"));
    assert!(anonymity["sensitive"][0]["l"].as_u64().expect("l") >= 2, "{anonymity}");
    assert!(anonymity["sensitive"][0]["t"].as_f64().expect("t") <= 0.3, "the search steers by t: {anonymity}");
    assert_eq!(anonymity["information_loss"]["metric"], "precision");
    assert!(report["erasure"].as_str().unwrap_or_default().contains("does not recall"), "{report}");
    assert_eq!(export["status"], "available");
    let id = export["export_id"].as_str().expect("id").to_owned();

    // The file: generalized, only the policy's fields, k holds in it, and its digest is the
    // ledger's.
    let resp = s.client.get(format!("{}/v1/exports/{id}/file", s.base_url)).bearer_auth(&reader).send().await.expect("file");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/csv"));
    let bytes = resp.bytes().await.expect("bytes");
    assert_eq!(data_encoding::HEXLOWER.encode(&Sha256::digest(&bytes)), export["file_sha256"].as_str().expect("sha"));
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("user.demographic.date_of_birth,user.location.imprecise,user.demographic.profile"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len() as u64, anonymity["rows"].as_u64().expect("rows"));
    assert!(!text.contains("@example.org"), "no e-mail address leaves");
    let mut classes = std::collections::BTreeMap::<(String, String), usize>::new();
    for r in &rows {
        *classes.entry((r[0].to_owned(), r[1].to_owned())).or_default() += 1;
    }
    assert!(classes.values().all(|&c| c >= 5), "k = 5 holds in the file itself: {classes:?}");
    assert!(rows.iter().all(|r| r[0].len() < 10), "birth dates are generalized: {rows:?}");
    let leaf = leaf_text(&s, &export["receipt"]).await;
    assert!(leaf.contains(export["file_sha256"].as_str().expect("sha")) && leaf.contains("export.created"), "{leaf}");
    // Sealed at rest: the file on disk holds none of the released text.
    let dir = std::env::temp_dir().join("custos-exports");
    let raw = std::fs::read(dir.join(format!("{id}.sealed"))).expect("sealed file");
    assert!(!raw.windows(10).any(|w| w == &bytes[..10]), "the header is not on disk in clear");

    // Parquet too.
    let (st, parquet) = s
        .call(Method::POST, "/v1/exports", Some(&writer), Some(json!({"purpose": PURPOSE, "segment_id": segment_id, "format": "parquet"})))
        .await;
    assert_eq!(st, 201, "{parquet}");
    let resp = s
        .client
        .get(format!("{}/v1/exports/{}/file", s.base_url, parquet["export_id"].as_str().expect("id")))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("file");
    assert_eq!(&resp.bytes().await.expect("bytes")[..4], b"PAR1");

    // A vendor without an agreement receives nothing.
    let (_, vendor) = s
        .post(
            "/v1/vendors",
            json!({"name": "AdNet", "role": "processor", "country": "IE", "purposes": [PURPOSE],
               "data_categories": ["user.demographic", "user.location.imprecise"]}),
        )
        .await;
    let (st, problem) = s
        .call(
            Method::POST,
            "/v1/exports",
            Some(&writer),
            Some(json!({"purpose": PURPOSE, "segment_id": segment_id, "recipient": {"vendor_id": vendor["vendor_id"]}})),
        )
        .await;
    assert_eq!(st, 422, "every subject is refused: {problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("no subject"), "{problem}");

    // A k the segment cannot reach without suppressing too much is refused.
    let mut strict = rows_policy();
    strict["k"] = json!(200);
    assert_eq!(s.call(Method::PUT, &path, Some(&dpo), Some(json!({"policy": strict}))).await.0, 200);
    let (st, problem) =
        s.call(Method::POST, "/v1/exports", Some(&writer), Some(json!({"purpose": PURPOSE, "segment_id": segment_id}))).await;
    assert_eq!(st, 422, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("cannot be met"), "{problem}");

    // Private queries spend the budget (version 2 kept version 1's budget epoch).
    let versions = s.call(Method::GET, &path, Some(&reader), None).await.1;
    assert_eq!(versions.as_array().map(Vec::len), Some(2));
    assert_eq!(versions[0]["budget_epoch"], 1);
    let query =
        |epsilon: f64| json!({"purpose": PURPOSE, "segment_by": "user.demographic.profile", "statistic": "count", "epsilon": epsilon});
    for (body, status, field) in [
        (
            json!({"purpose": PURPOSE, "segment_by": "user.demographic.date_of_birth", "statistic": "count", "epsilon": 0.1}),
            422,
            "segment_by",
        ),
        (json!({"purpose": PURPOSE, "segment_by": "user.demographic.profile", "statistic": "median", "epsilon": 0.1}), 400, "statistic"),
        (json!({"purpose": PURPOSE, "segment_by": "user.demographic.profile", "statistic": "count"}), 400, "epsilon"),
        (
            json!({"purpose": PURPOSE, "segment_by": "user.demographic.profile", "statistic": "sum", "field": "user.demographic.date_of_birth", "epsilon": 0.1}),
            400,
            "bounds",
        ),
        (json!({"purpose": PURPOSE, "segment_by": "user.demographic.profile", "statistic": "count", "rho": 0.1}), 422, "rho"),
    ] {
        let (st, problem) = s.call(Method::POST, "/v1/dp/query", Some(&querier), Some(body.clone())).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.call(Method::POST, "/v1/dp/query", Some(&reader), Some(query(0.1))).await.0, 403);
    let (st, answer) = s.call(Method::POST, "/v1/dp/query", Some(&querier), Some(query(0.6))).await;
    assert_eq!(st, 200, "{answer}");
    let keys: Vec<&str> =
        answer["segments"].as_array().expect("segments").iter().map(|x| x["segment"].as_str().unwrap_or_default()).collect();
    assert_eq!(keys, ["sports", "travel", "books", "music", "food"], "every declared key, in order");
    let total: i64 = answer["segments"].as_array().expect("segments").iter().map(|x| x["count"].as_i64().unwrap_or_default()).sum();
    assert!((total - (n - n / 10) as i64).abs() < 60, "noisy counts near the truth: {answer}");
    assert_eq!(answer["mechanism"], "laplace");
    assert!((answer["count_noise"].as_f64().expect("noise") - 1.0 / 0.6).abs() < 1e-9, "{answer}");
    assert!((answer["remaining"].as_f64().expect("remaining") - 0.4).abs() < 1e-9, "{answer}");
    // A sum with bounds.
    let (st, sum) = s
        .call(
            Method::POST,
            "/v1/dp/query",
            Some(&querier),
            Some(json!({"purpose": PURPOSE, "segment_by": "user.location.imprecise", "segment_id": segment_id,
            "statistic": "mean", "field": "user.location.imprecise", "bounds": [0, 100], "epsilon": 0.2})),
        )
        .await;
    assert_eq!(st, 200, "{sum}");
    assert!(sum["sum_noise"].as_f64().is_some(), "{sum}");
    // Over budget: refused with what is left, nothing spent.
    let size = ledger_size(&s).await;
    let (st, problem) = s.call(Method::POST, "/v1/dp/query", Some(&querier), Some(query(0.5))).await;
    assert_eq!(st, 422, "{problem}");
    assert_eq!(problem["type"], "urn:custos:problem:privacy-budget-exceeded");
    assert!((problem["remaining"].as_f64().expect("remaining") - 0.2).abs() < 1e-9, "{problem}");
    assert_eq!(problem["currency"], "epsilon");
    assert_eq!(ledger_size(&s).await, size, "a refused query is not a release");
    let budgets = s.call(Method::GET, "/v1/privacy-budgets", Some(&reader), None).await.1;
    assert_eq!(budgets[0]["purpose"], PURPOSE);
    assert!((budgets[0]["spent"].as_f64().expect("spent") - 0.8).abs() < 1e-9, "{budgets}");
    assert_eq!(budgets[0]["queries"], 2);
    assert_eq!(budgets[0]["by_segment"].as_array().map(Vec::len), Some(2), "all subjects, and the segment: {budgets}");
    // Budgets reset only by a logged policy change.
    let (st, v3) = s.call(Method::PUT, &path, Some(&dpo), Some(json!({"policy": rows_policy(), "reset_budget": true}))).await;
    assert_eq!((st, v3["budget_epoch"].as_i64()), (200, Some(3)), "{v3}");
    let leaf = leaf_text(&s, &v3["receipt"]).await;
    assert!(leaf.contains("\"budget_reset\":true"), "{leaf}");
    let (st, answer) = s.call(Method::POST, "/v1/dp/query", Some(&querier), Some(query(0.5))).await;
    assert_eq!(st, 200, "{answer}");
    assert!((answer["remaining"].as_f64().expect("remaining") - 0.5).abs() < 1e-9, "{answer}");

    // Statistics instead of rows, as an export: it spends the same budget.
    let mut stats = rows_policy();
    stats["release"] = json!("statistics");
    stats["statistics"] = json!({"segment_by": "user.location.imprecise", "statistic": "count", "rho": 0.1});
    stats["budget"] = json!({"rho": 1.0});
    assert_eq!(s.call(Method::PUT, &path, Some(&dpo), Some(json!({"policy": stats, "reset_budget": true}))).await.0, 200);
    let (st, dp_export) =
        s.call(Method::POST, "/v1/exports", Some(&writer), Some(json!({"purpose": PURPOSE, "segment_id": segment_id}))).await;
    assert_eq!(st, 201, "{dp_export}");
    assert_eq!(dp_export["release"], "statistics");
    assert_eq!(dp_export["report"]["dp"]["rho"], 0.1);
    let budgets = s.call(Method::GET, "/v1/privacy-budgets", Some(&reader), None).await.1;
    assert_eq!((budgets[0]["currency"].as_str(), budgets[0]["spent"].as_f64()), (Some("rho"), Some(0.1)), "{budgets}");

    // Retention: files go when it ends; the report stays.
    assert_eq!(s.call(Method::GET, "/v1/exports", Some(&reader), None).await.1.as_array().map(Vec::len), Some(3));
    let report = s.service.retention().run(custos_core::now() + chrono::Duration::days(31)).await.expect("retention");
    assert_eq!(report.export_files, 3);
    assert!(!dir.join(format!("{id}.sealed")).exists(), "the sealed file is gone");
    let (st, gone) = s.call(Method::GET, &format!("/v1/exports/{id}"), Some(&reader), None).await;
    assert_eq!((st, gone["status"].as_str()), (200, Some("deleted")), "{gone}");
    assert_eq!(s.call(Method::GET, &format!("/v1/exports/{id}/file"), Some(&reader), None).await.0, 404);
    assert_eq!(s.call(Method::GET, "/v1/exports/not-an-id", Some(&reader), None).await.0, 400);

    // Logged decisions as an export source: each subject's latest standing decision under the
    // purpose. Everyone was first "unlikely"; every third subject later "likely" (that stands).
    for (i, id) in ids.iter().enumerate() {
        let mut outcomes = vec![("unlikely", 0.2)];
        if i % 3 == 0 {
            outcomes.push(("likely", 0.8));
        }
        for (outcome, score) in outcomes {
            let body = json!({"subject_id": id, "purpose": PURPOSE, "model": "propensity", "model_version": "1", "outcome": outcome, "score": score});
            let (st, d) = s.post("/v1/decisions", body).await;
            assert_eq!(st, 201, "{d}");
        }
    }
    let (st, problem) = s
        .call(
            Method::POST,
            "/v1/segments",
            Some(&writer),
            Some(json!({"name": "Bad", "fields": ["decision.nope", "user.location.imprecise"]})),
        )
        .await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("fields[0]")), "{problem}");
    let propensity = json!({"release": "rows",
        "quasi_identifiers": [
            {"field": "user.location.imprecise", "hierarchy": {"prefix": 5}},
            {"field": "decision.score", "hierarchy": {"intervals": [0.5]}}],
        "sensitive": ["decision.outcome"], "k": 5, "l": 2, "max_suppressed": 0.1,
        "budget": {"epsilon": 1.0}, "segment_keys": {"decision.outcome": ["likely", "unlikely"]}});
    let (st, v) = s.call(Method::PUT, &path, Some(&dpo), Some(json!({"policy": propensity, "reset_budget": true}))).await;
    assert_eq!(st, 200, "{v}");
    let (st, seg) = s
        .call(
            Method::POST,
            "/v1/segments",
            Some(&writer),
            Some(json!({"name": "Propensity", "jurisdictions": ["DE"], "fields": ["user.location.imprecise", "decision.score", "decision.outcome"]})),
        )
        .await;
    assert_eq!(st, 201, "{seg}");
    let (st, export) = s
        .call(
            Method::POST,
            "/v1/exports",
            Some(&writer),
            Some(json!({"purpose": PURPOSE, "segment_id": seg["segment_id"], "format": "csv"})),
        )
        .await;
    assert_eq!(st, 201, "{export}");
    let anonymity = &export["report"]["anonymity"];
    assert!(anonymity["k"].as_u64().expect("k") >= 5 && anonymity["sensitive"][0]["l"].as_u64().expect("l") >= 2, "{anonymity}");
    // Decisions never leave for a vendor.
    let (st, problem) = s
        .call(
            Method::POST,
            "/v1/exports",
            Some(&writer),
            Some(json!({"purpose": PURPOSE, "segment_id": seg["segment_id"], "recipient": {"vendor_id": vendor["vendor_id"]}})),
        )
        .await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("segment.fields[1]")), "{problem}");
    let id = export["export_id"].as_str().expect("id");
    let resp = s.client.get(format!("{}/v1/exports/{id}/file", s.base_url)).bearer_auth(&reader).send().await.expect("file");
    let text = resp.text().await.expect("text");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("user.location.imprecise,decision.score,decision.outcome"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(!rows.is_empty() && rows.iter().all(|r| r[2] == "likely" || r[2] == "unlikely"), "{text}");
    // The score decides the outcome, so l = 2 leaves no score in any class: it is withheld.
    assert!(rows.iter().all(|r| r[1] == "*"), "{text}");
    // A private count by outcome: 18 of the 54 included subjects stand at "likely".
    let (st, answer) = s
        .call(
            Method::POST,
            "/v1/dp/query",
            Some(&querier),
            Some(json!({"purpose": PURPOSE, "segment_by": "decision.outcome", "statistic": "count", "epsilon": 0.9})),
        )
        .await;
    assert_eq!(st, 200, "{answer}");
    let count = |k: &str| {
        answer["segments"]
            .as_array()
            .expect("segments")
            .iter()
            .find(|x| x["segment"] == k)
            .and_then(|x| x["count"].as_i64())
            .expect("count")
    };
    assert!((count("likely") - 18).abs() <= 10 && (count("unlikely") - 36).abs() <= 10, "the latest decision stands: {answer}");
}

backend_tests!(export_story);
