//! Validation runs over real HTTP on both backends: a set uploaded as a multipart form is sealed
//! on disk, validated in the background with progress, its report hashed into the ledger and
//! the set deleted (or kept sealed for its retention, then deleted); an approval cites it and
//! the model card shows its verdict. Bad forms change nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use custos_core::Role;
use custos_testkit::{Backend, TestServer, backend_tests};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

const OFFERS: &str = "marketing.advertising.first_party.targeted";
const CANARY: &str = "canary-7q3x-validation";

fn set_csv() -> String {
    let mut csv = String::from("income,debt_ratio,sex,approved,note\n");
    let mut state = 99u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for i in 0..600 {
        let income = 20_000.0 + 60_000.0 * next();
        let debt = next();
        let z = 0.00005 * (income - 50_000.0) - 2.0 * (debt - 0.5);
        let approved = u8::from(next() < 1.0 / (1.0 + (-z).exp()));
        csv.push_str(&format!("{income:.2},{debt:.4},{},{approved},{CANARY}\n", i % 2));
    }
    csv
}

fn model(sex: f64) -> String {
    format!(
        r#"{{"type": "logistic", "features": ["income", "debt_ratio", "sex"], "coefficients": [0.00005, -2.0, {sex}], "intercept": -1.5, "feature_means": [50000, 0.5, 0.5]}}"#
    )
}

fn form(model_id: &str, extra: &[(&str, &str)], file: Option<(&str, String)>) -> Form {
    let mut f = Form::new().text("model_id", model_id.to_owned()).text("label", "approved").text("protected", "sex");
    for (k, v) in extra {
        f = f.text((*k).to_owned(), (*v).to_owned());
    }
    if let Some((name, body)) = file {
        f = f.part("file", Part::bytes(body.into_bytes()).file_name(name.to_owned()));
    }
    f
}

async fn upload(s: &TestServer, key: &str, form: Form) -> (u16, Value) {
    let r = s.client.post(format!("{}/v1/validations", s.base_url)).bearer_auth(key).multipart(form).send().await.expect("upload");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn finished(s: &TestServer, key: &str, id: &str) -> Value {
    for _ in 0..600 {
        let (st, v) = s.call(Method::GET, &format!("/v1/validations/{id}"), Some(key), None).await;
        assert_eq!(st, 200, "{v}");
        if v["state"] == "succeeded" || v["state"] == "failed" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("validation {id} did not finish");
}

async fn leaf(s: &TestServer, index: u64) -> Value {
    let (_, entry) = s.get(&format!("/v1/ledger/entries/{index}")).await;
    let bytes = data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

async fn validations_are_the_evidence_approvals_cite(backend: Backend) {
    let Some(s) = TestServer::start_strict(backend).await else { return };
    let (st, _) = s
        .post("/v1/purposes", json!({"key": OFFERS, "name": "Offers", "legal_basis": "contract", "data_categories": ["user.financial"], "retention_days": 365}))
        .await;
    assert_eq!(st, 201);
    let owner = s.person("owner@example.com", &[Role::ModelOwner], &["approvals:read", "approvals:write", "models:read"]).await;
    let register = |version: &str, sex: f64| {
        let body = json!({"name": "credit", "version": version, "model": model(sex), "owner": "owner@example.com", "purpose": OFFERS});
        let s = &s;
        async move {
            let (st, m) = s.post("/v1/models", body).await;
            assert_eq!(st, 201, "{m}");
            m["model_id"].as_str().expect("id").to_owned()
        }
    };
    let biased = register("1", 1.5).await;
    let fair = register("2", 0.0).await;
    let key = s.key(&["validations:write"]).await;

    // Scope and bad forms: refused, nothing kept.
    let (st, _) = upload(&s, &s.key(&["models:read"]).await, form(&biased, &[], None)).await;
    assert_eq!(st, 403);
    for (f, field) in [
        (form(&biased, &[], None), "file"),
        (form(&biased, &[("colour", "red")], Some(("set.csv", set_csv()))), "colour"),
        (form(&biased, &[], Some(("set.xlsx", set_csv()))), "file"),
        (form("not-an-id", &[], Some(("set.csv", set_csv()))), "model_id"),
        (form(&biased, &[("monotone", "income=sideways")], Some(("set.csv", set_csv()))), "monotone"),
        (form(&biased, &[("monotone", "shoe_size=increasing")], Some(("set.csv", set_csv()))), "monotone"),
        (form(&biased, &[("policy", "{\"max_dpd\": \"low\"}")], Some(("set.csv", set_csv()))), "policy"),
        (form(&biased, &[("retention_days", "400")], Some(("set.csv", set_csv()))), "retention_days"),
        (form(&biased, &[("threshold", "2")], Some(("set.csv", set_csv()))), "threshold"),
        (form(&biased, &[], Some(("set.csv", set_csv()))).text("late", "x"), "late"),
    ] {
        let (st, problem) = upload(&s, &key, f).await;
        assert_eq!((st, problem["field"].as_str()), (400, Some(field)), "{problem}");
    }
    let (st, problem) = upload(&s, &key, form("01a236da-e535-701c-a7f8-d9201e55519a", &[], Some(("set.csv", set_csv())))).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("model_id")), "{problem}");
    let dir = std::env::temp_dir().join("custos-validations");

    // A run: queued, then its report; the set is gone when it ends.
    let (st, started) = upload(
        &s,
        &key,
        form(&biased, &[("monotone", "income=increasing"), ("policy", "{\"min_group_n\": 10}")], Some(("set.csv", set_csv()))),
    )
    .await;
    assert_eq!(st, 202, "{started}");
    let id = started["validation_id"].as_str().expect("id").to_owned();
    assert_eq!(leaf(&s, started["receipt"]["leaf_index"].as_u64().expect("receipt")).await["event"], "validation.started");
    let done = finished(&s, &key, &id).await;
    assert_eq!(
        (done["state"].as_str(), done["passed"].as_bool(), done["rows"].as_u64()),
        (Some("succeeded"), Some(false), Some(600)),
        "{done}"
    );
    let flip = done["report"]["flips"].as_array().expect("flips").iter().find(|f| f["kind"] == "attribute").expect("flip test").clone();
    assert!(flip["flips"].as_u64().expect("n") > 10, "{flip}");
    assert_eq!(done["report"]["policy"]["min_group_n"], 10);
    assert!(done["set_kept_until"].is_null());
    assert!(!dir.join(format!("{id}.sealed")).exists(), "the set is deleted when the run ends");
    assert!(!done.to_string().contains(CANARY), "the report holds aggregates only");

    // Kept for a day: sealed (no plaintext on disk), then deleted by the retention run.
    let (st, kept) =
        upload(&s, &key, form(&fair, &[("retention_days", "1"), ("policy", "{\"max_group_ece\": 0.15}")], Some(("kept.csv", set_csv()))))
            .await;
    assert_eq!(st, 202, "{kept}");
    let kept_id = kept["validation_id"].as_str().expect("id").to_owned();
    let kept = finished(&s, &key, &kept_id).await;
    assert_eq!((kept["state"].as_str(), kept["passed"].as_bool()), (Some("succeeded"), Some(true)), "{kept}");
    let file = dir.join(format!("{kept_id}.sealed"));
    let raw = std::fs::read(&file).expect("kept sealed");
    assert!(!raw.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()), "sealed at rest");
    s.db.execute(&format!("UPDATE validations SET retain_until = '2026-01-01T00:00:00.000000Z' WHERE validation_id = '{kept_id}'")).await;
    let report = s.service.retention().run(custos_core::now()).await.expect("retention");
    assert_eq!(report.validation_sets, 1);
    assert!(!file.exists(), "deleted when its retention ended");

    // A run that cannot read its set fails with the reason, and keeps nothing.
    let (st, broken) = upload(&s, &key, form(&fair, &[("protected", "religion")], Some(("set.csv", set_csv())))).await;
    assert_eq!(st, 202);
    let broken_id = broken["validation_id"].as_str().expect("id").to_owned();
    let broken = finished(&s, &key, &broken_id).await;
    assert!(broken["state"] == "failed" && broken["error"].as_str().unwrap_or_default().contains("religion"), "{broken}");
    assert!(!dir.join(format!("{broken_id}.sealed")).exists());

    // Without a policy in the request, the AI system's applies.
    let (st, system) = s
        .post(
            "/v1/ai-systems",
            json!({"name": "Credit", "description": "Card offers", "business_owner": "Head of cards", "models": ["credit"],
                   "validation_policy": {"min_group_n": 1000}}),
        )
        .await;
    assert_eq!(st, 201, "{system}");
    let (st, problem) = s
        .post("/v1/ai-systems", json!({"name": "Bad", "description": "x", "business_owner": "x", "validation_policy": {"max_dpd": 3}}))
        .await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("validation_policy")), "{problem}");
    let (st, by_system) = upload(&s, &key, form(&fair, &[], Some(("set.csv", set_csv())))).await;
    assert_eq!(st, 202, "{by_system}");
    let by_system = finished(&s, &key, by_system["validation_id"].as_str().expect("id")).await;
    assert_eq!(by_system["report"]["policy"]["min_group_n"], 1000, "{by_system}");
    assert_eq!(by_system["request"]["policy_source"], "ai_system");
    assert_eq!(done["request"]["policy_source"], "request");
    assert!(
        by_system["report"]["checks"].as_array().expect("checks").iter().any(|c| c["check"] == "representation" && c["passed"] == false)
    );
    // A fairness audit may ask for revalidation only of a model it names.
    let (st, problem) =
        s.post("/v1/fairness/audits", json!({"sensitive": ["user.demographic.gender"], "requires_revalidation": true})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("requires_revalidation")), "{problem}");

    // Approvals cite finished runs of the same version; the card shows the verdict.
    let ask = |model_id: &str, validation: &str| json!({"model_id": model_id, "validation_id": validation});
    let (st, problem) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask(&biased, &kept_id))).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("validation_id")), "another version's report: {problem}");
    let (st, problem) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask(&fair, &broken_id))).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("validation_id")), "a failed run: {problem}");
    let (st, request) = s.call(Method::POST, "/v1/approvals", Some(&owner), Some(ask(&biased, &id))).await;
    assert_eq!(st, 201, "{request}");
    let event = leaf(&s, request["receipt"]["leaf_index"].as_u64().expect("receipt")).await;
    assert_eq!(event["validation"]["report_sha256"], done["report_sha256"], "{event}");
    assert_eq!(event["validation"]["passed"], false);
    let card = s.client.get(format!("{}/v1/models/{biased}/card", s.base_url)).bearer_auth(&owner).send().await.expect("card");
    let card = card.text().await.expect("text");
    assert!(card.contains("FAILED") && card.contains("FAIL flip\\_test"), "{card}");

    // The compliance control: an approved version needs a passing report younger than its AI
    // system's limit. Both versions approved (as sign-off would leave them): version 1 has only a
    // failing report, version 2 a passing one.
    let system_id = system["ai_system_id"].as_str().expect("id");
    let (st, patched) = s
        .call(
            Method::PATCH,
            &format!("/v1/ai-systems/{system_id}"),
            Some(&s.admin_key),
            Some(json!({"validation_policy": {"max_report_age_days": 30}})),
        )
        .await;
    assert_eq!(st, 200, "{patched}");
    let (st, problem) = s
        .call(
            Method::PATCH,
            &format!("/v1/ai-systems/{system_id}"),
            Some(&s.admin_key),
            Some(json!({"validation_policy": {"max_report_age_days": 0}})),
        )
        .await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("validation_policy")), "{problem}");
    s.db.execute("UPDATE models SET state = 'approved' WHERE name = 'credit'").await;
    let compliance = s.service.compliance();
    let control = |at: custos_core::Timestamp| {
        let compliance = &compliance;
        async move {
            compliance.evaluate("on_demand", "test", at).await.expect("run");
            let e = compliance.evidence(Some("models_validated_and_assessed"), 1).await.expect("evidence").remove(0);
            (e.passed, e.summary)
        }
    };
    let now = custos_core::now();
    let (passed, summary) = control(now).await;
    assert!(!passed && summary.contains("credit 1 (no passing validation report)") && !summary.contains("credit 2"), "{summary}");
    s.db.execute(&format!("UPDATE models SET state = 'retired' WHERE model_id = '{biased}'")).await;
    let (passed, summary) = control(now + chrono::Duration::minutes(1)).await;
    assert!(passed, "version 2's passing report is current: {summary}");
    let (passed, summary) = control(now + chrono::Duration::days(31)).await;
    assert!(!passed && summary.contains("credit 2 (its newest passing report") && summary.contains("older than 30 days"), "{summary}");
}

backend_tests!(validations_are_the_evidence_approvals_cite);
