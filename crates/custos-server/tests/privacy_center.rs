//! The customer privacy center over real HTTP: single-use signed links, consents in the
//! notice's words with toggles that the gate obeys at once, Global Privacy Control, the data
//! download, requests, and CSRF on every form.

use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::json;

const ADS: &str = "marketing.advertising.first_party.targeted";

async fn customer_uses_the_privacy_center(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    s.post(
        "/v1/purposes",
        json!({"key": ADS, "name": "Targeted offers", "legal_basis": "consent", "data_categories": ["user.contact.email"], "retention_days": 365}),
    )
    .await;
    s.post("/v1/notices", json!({"purpose": ADS, "version": "2026-11", "language": "en", "text": "We use your e-mail address to send you offers we think you will like."}))
        .await;
    let (_, subject) = s
        .post("/v1/subjects", json!({"external_id": "cust-42", "jurisdiction": "DE", "data": {"user.contact.email": "c42@example.org"}}))
        .await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    s.post(
        "/v1/consents",
        json!({"subject_id": sid, "purpose": ADS, "status": "granted", "method": "web_form", "notice_version": "2026-11"}),
    )
    .await;
    let check = json!({"subject_id": sid, "purpose": ADS, "data_categories": ["user.contact.email"]});
    assert_eq!(s.post("/v1/gate/check", check.clone()).await.1["decision"], "allow");

    // Links: minted with subjects:write, for known subjects only.
    let gate_key = s.key(&["gate"]).await;
    let (st, _) = s.call(Method::POST, "/v1/privacy-center/links", Some(&gate_key), Some(json!({"external_id": "cust-42"}))).await;
    assert_eq!(st, 403);
    let (st, _) = s.post("/v1/privacy-center/links", json!({"external_id": "nobody"})).await;
    assert_eq!(st, 404);
    let (st, link) = s.post("/v1/privacy-center/links", json!({"external_id": "cust-42"})).await;
    assert_eq!(st, 201, "{link}");
    let path = link["path"].as_str().expect("path").to_owned();
    let token = link["token"].as_str().expect("token").to_owned();

    // A tampered token is refused; the real one signs in once.
    let mut b = Browser::new(&s);
    // Change the signature's first character: it carries only signature bits. (The last one
    // also carries base64 padding bits, and changing those makes the token unreadable rather
    // than wrongly signed, depending on the random token.)
    let signature_at = token.rfind('.').expect("a JWT") + 1;
    let mut forged = token.clone();
    let replacement = if token[signature_at..].starts_with('A') { "B" } else { "A" };
    forged.replace_range(signature_at..signature_at + 1, replacement);
    let (st, page, _) = b.get(&format!("/privacy/login?token={forged}")).await;
    assert!(st == 401 && page.contains("wrong signature"), "{page}");
    let resp = b.client.get(format!("{}{path}", s.base_url)).send().await.expect("login");
    assert_eq!(resp.status().as_u16(), 303);
    let set = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(set.contains("HttpOnly") && set.contains("Path=/privacy"), "{set}");
    b.cookie = Some(set.split(';').next().unwrap_or("").to_owned());
    let (st, page, _) = Browser::new(&s).get(&path).await;
    assert!(st == 401 && page.contains("already used"), "single use: {page}");

    // Consents in the notice's words; withdrawing takes effect in the gate at once.
    let (st, page, _) = b.get("/privacy").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("We use your e-mail address to send you offers") && page.contains("Notice version 2026-11"), "{page}");
    assert!(page.contains("<strong class=\"status\">granted</strong>"));
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned();
    let (st, _, _) = b.post("/privacy/consents", &[("csrf", "forged"), ("purpose", ADS), ("status", "withdrawn")]).await;
    assert_eq!(st, 403, "a forged form changes nothing");
    assert_eq!(s.post("/v1/gate/check", check.clone()).await.1["decision"], "allow");
    let (st, _, location) = b.post("/privacy/consents", &[("csrf", csrf.as_str()), ("purpose", ADS), ("status", "withdrawn")]).await;
    assert_eq!((st, location.as_deref()), (303, Some("/privacy?done=withdrawn")));
    assert_eq!(s.post("/v1/gate/check", check.clone()).await.1["decision"], "deny", "the gate obeys the privacy center at once");
    let (_, history) = s.get(&format!("/v1/subjects/{sid}/consents")).await;
    let last = history["history"].as_array().and_then(|h| h.last()).cloned().unwrap_or_default();
    assert_eq!((last["method"].as_str(), last["status"].as_str()), (Some("privacy_center"), Some("withdrawn")), "{history}");

    // Global Privacy Control is shown when the browser sends it.
    let resp = b
        .client
        .get(format!("{}/privacy", s.base_url))
        .header("cookie", b.cookie.clone().unwrap_or_default())
        .header("sec-gpc", "1")
        .send()
        .await
        .expect("gpc");
    assert!(resp.text().await.unwrap_or_default().contains("Global Privacy Control"));

    // My data, and its download.
    let (st, page, _) = b.get("/privacy/data").await;
    assert!(st == 200 && page.contains("c42@example.org"), "{page}");
    let resp = b
        .client
        .get(format!("{}/privacy/data.json", s.base_url))
        .header("cookie", b.cookie.clone().unwrap_or_default())
        .send()
        .await
        .expect("json");
    assert!(resp.headers().get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or("").contains("attachment"));
    let doc: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(doc["subject"]["data"]["user.contact.email"], "c42@example.org");
    // Everything kept about them: consents, decisions, requests and gate checks too.
    for part in ["consents", "decisions", "requests", "gate_checks"] {
        assert!(doc[part].is_array(), "{part} in the download: {doc}");
    }

    // A request from the privacy center lands in the request queue.
    let (st, _, _) = b.post("/privacy/requests", &[("csrf", csrf.as_str()), ("kind", "erasure")]).await;
    assert_eq!(st, 303);
    let (_, list) = s.get(&format!("/v1/dsr?subject_id={sid}")).await;
    assert_eq!(list[0]["type"], "erasure", "{list}");
    // Signed in, the customer is known: the request is verified, not asked to verify again.
    assert_eq!(
        (list[0]["status"].as_str(), list[0]["verification_method"].as_str()),
        (Some("verified"), Some("privacy_center_sign_in")),
        "{list}"
    );
    let (_, page, _) = b.get("/privacy/requests?done=1").await;
    assert!(page.contains("Erase my data") && page.contains("in progress"), "{page}");

    // A correction: a rectification request carrying the new value.
    let (st, _, _) =
        b.post("/privacy/rectify", &[("csrf", csrf.as_str()), ("category", "user.contact.email"), ("value", "new42@example.org")]).await;
    assert_eq!(st, 303);
    let (_, list) = s.get(&format!("/v1/dsr?subject_id={sid}")).await;
    assert!(list.as_array().expect("list").iter().any(|r| r["type"] == "rectification"), "{list}");

    // Contest an automated decision: a request for human review naming it, with a statement.
    let (_, d) = s
        .post("/v1/decisions", json!({"subject_id": sid, "purpose": ADS, "model": "m", "model_version": "1", "outcome": "no_offer"}))
        .await;
    let did = d["decision_id"].as_str().expect("id").to_owned();
    let (_, page, _) = b.get("/privacy/decisions").await;
    assert!(page.contains("Contest this decision") && page.contains(&did), "{page}");
    let (st, _, _) = b
        .post("/privacy/contest", &[("csrf", csrf.as_str()), ("decision_id", did.as_str()), ("statement", "My income changed last month.")])
        .await;
    assert_eq!(st, 303);
    let (_, list) = s.get(&format!("/v1/dsr?subject_id={sid}")).await;
    assert!(list.as_array().expect("list").iter().any(|r| r["type"] == "contest"), "{list}");
    // The customer sees when a person will answer, and cannot contest again meanwhile.
    let (_, page, _) = b.get("/privacy/decisions").await;
    assert!(page.contains("You asked for a review on") && page.contains("a person will answer by"), "{page}");
    assert!(!page.contains(&format!("value=\"{did}\"")), "no second contest while the review is open: {page}");
    // A reviewer answers; the customer reads the outcome and the reason in words.
    let (_, review) = s.get(&format!("/v1/decisions/{did}")).await;
    let review_id = review["review"]["review_id"].as_str().expect("a review").to_owned();
    let reviewer = s.person("rev@example.org", &[custos_core::Role::Reviewer], &["reviews:write"]).await;
    assert_eq!(s.call(reqwest::Method::POST, &format!("/v1/reviews/{review_id}/claim"), Some(&reviewer), None).await.0, 200);
    let verdict = json!({"action": "override", "outcome": "offer", "reason_code": "income_verified"});
    assert_eq!(s.call(reqwest::Method::POST, &format!("/v1/reviews/{review_id}/resolve"), Some(&reviewer), Some(verdict)).await.0, 200);
    let (_, page, _) = b.get("/privacy/decisions").await;
    assert!(page.contains("A person reviewed this decision on") && page.contains("income verified"), "{page}");
    let (st, problem) = s.post("/v1/dsr", json!({"subject_id": sid, "type": "contest"})).await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("decision_id")));
    let (_, other) = s.post("/v1/subjects", json!({"external_id": "someone-else", "jurisdiction": "DE", "data": {}})).await;
    let (st, problem) = s.post("/v1/dsr", json!({"subject_id": other["subject_id"], "type": "contest", "decision_id": did})).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("decision_id")), "only one's own decisions can be contested");

    // Signing out ends the session.
    let cookie = b.cookie.clone();
    b.post("/privacy/logout", &[("csrf", csrf.as_str())]).await;
    b.cookie = cookie;
    // A signed-out customer is led to the code sign-in, not shown an error.
    let (st, _, location) = b.get("/privacy").await;
    assert_eq!((st, location.as_deref()), (303, Some("/privacy/start")), "the old cookie no longer works");
    s.stop().await;
}

/// The e-mail address on file works as well as the customer number, however it is typed.
async fn sign_in_by_email(backend: Backend) {
    let Some((s, capture)) = with_capture(backend).await else { return };
    s.post("/v1/subjects", json!({"external_id": "cust-10", "jurisdiction": "DE", "data": {"user.contact.email": "Ten@Example.org"}}))
        .await;
    let mut by_mail = Browser::new(&s);
    let (st, page, _) = by_mail.post("/privacy/start", &[("external_id", "  ten@example.ORG ")]).await;
    assert!(st == 200 && page.contains("a code is on its way"), "{page}");
    s.service.settled().await;
    let code = capture.codes_to("Ten@Example.org").last().cloned().expect("a code to the address on file");
    let (st, _, location) = by_mail.post("/privacy/code", &[("external_id", "ten@example.org"), ("code", code.as_str())]).await;
    assert_eq!((st, location.as_deref()), (303, Some("/privacy")));

    // A contest answered by a person is told to the customer through the same channel.
    let (_, ten) = s.get("/v1/subjects?external_id=cust-10").await;
    let (st, _) = s
        .post(
            "/v1/purposes",
            json!({"purpose": ADS, "name": "Offers", "legal_basis": "contract", "data_categories": ["user.contact.email"], "retention_days": 30}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, d) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": ten["subject_id"], "purpose": ADS, "model": "m", "model_version": "1", "outcome": "no_offer"}),
        )
        .await;
    let did = d["decision_id"].as_str().expect("decision").to_owned();
    let (st, _) = s.post(&format!("/v1/decisions/{did}/contest"), json!({"statement": "Please look again."})).await;
    assert_eq!(st, 201);
    let (_, got) = s.get(&format!("/v1/decisions/{did}")).await;
    let dsr = s.get(&format!("/v1/dsr?subject_id={}", ten["subject_id"].as_str().expect("id"))).await.1[0]["dsr_id"]
        .as_str()
        .expect("dsr")
        .to_owned();
    assert_eq!(s.post(&format!("/v1/dsr/{dsr}/verify"), json!({"method": "email_link"})).await.0, 200);
    let review = got["review"]["review_id"].as_str().expect("review").to_owned();
    let reviewer = s.person("rev10@example.org", &[custos_core::Role::Reviewer], &["reviews:write"]).await;
    assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/claim"), Some(&reviewer), None).await.0, 200);
    let verdict = json!({"action": "override", "outcome": "offer", "reason_code": "loyal_customer"});
    assert_eq!(s.call(Method::POST, &format!("/v1/reviews/{review}/resolve"), Some(&reviewer), Some(verdict)).await.0, 200);
    s.service.settled().await;
    let told = capture.codes_to("Ten@Example.org");
    assert!(told.iter().any(|m| m.contains("changed to \"offer\"") && m.contains("loyal customer")), "the customer is told: {told:?}");

    // Two customers sharing an address: neither is signed in by it (the answer is the same).
    s.post("/v1/subjects", json!({"external_id": "cust-11", "jurisdiction": "DE", "data": {"user.contact.email": "ten@example.org"}}))
        .await;
    let sent = || capture.codes_to("ten@example.org").len() + capture.codes_to("Ten@Example.org").len();
    let before = sent();
    let (st, page, _) = Browser::new(&s).post("/privacy/start", &[("external_id", "ten@example.org")]).await;
    assert!(st == 200 && page.contains("a code is on its way"), "{page}");
    s.service.settled().await;
    assert_eq!(sent(), before, "an ambiguous address sends nothing");
    s.stop().await;
}

/// A delivery that keeps what it was asked to send (contact, code), for the tests.
#[derive(Debug, Default)]
struct Capture(std::sync::Mutex<Vec<(String, String)>>);

impl custos_service::privacy::CodeDelivery for Capture {
    fn deliver(&self, _external_id: &str, contact: &str, code: &str) -> Result<(), String> {
        self.0.lock().map_err(|e| e.to_string())?.push((contact.to_owned(), code.to_owned()));
        Ok(())
    }

    fn notify(&self, _external_id: &str, contact: &str, message: &str) -> Result<(), String> {
        self.0.lock().map_err(|e| e.to_string())?.push((contact.to_owned(), message.to_owned()));
        Ok(())
    }
}

impl Capture {
    fn codes_to(&self, contact: &str) -> Vec<String> {
        self.0.lock().map(|v| v.iter().filter(|(c, _)| c == contact).map(|(_, code)| code.clone()).collect()).unwrap_or_default()
    }

    fn count(&self) -> usize {
        self.0.lock().map(|v| v.len()).unwrap_or_default()
    }
}

/// A server whose code delivery keeps what it was asked to send.
async fn with_capture(backend: Backend) -> Option<(TestServer, std::sync::Arc<Capture>)> {
    let capture = std::sync::Arc::new(Capture::default());
    let delivery = capture.clone();
    let s =
        TestServer::start_with(backend, move |state| custos_server::AppState::new(state.service().clone().with_code_delivery(delivery)))
            .await?;
    Some((s, capture))
}

/// Sign-in by a one-time code sent to the contact on file.
async fn sign_in_by_code(backend: Backend) {
    let Some((s, capture)) = with_capture(backend).await else { return };
    s.post("/v1/subjects", json!({"external_id": "cust-9", "jurisdiction": "DE", "data": {"user.contact.email": "c9@example.org"}})).await;
    let mut b = Browser::new(&s);
    let (st, page, _) = b.post("/privacy/start", &[("external_id", "cust-9")]).await;
    assert!(st == 200 && page.contains("a code is on its way") && page.contains("name=\"code\""), "{page}");
    // An unknown customer number gets the same answer, and nothing is sent.
    let (st, page, _) = b.post("/privacy/start", &[("external_id", "nobody")]).await;
    assert!(st == 200 && page.contains("a code is on its way"), "{page}");
    // Codes go out after the answer (so its timing does not tell who is a customer).
    s.service.settled().await;
    let codes = capture.codes_to("c9@example.org");
    assert_eq!((codes.len(), capture.count()), (1, 1), "one code, to the contact on file only");
    let code = codes[0].clone();
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (st, page, _) = b.post("/privacy/code", &[("external_id", "cust-9"), ("code", wrong)]).await;
    assert!(st == 401 && page.contains("is wrong or has expired"), "{page}");
    assert!(page.contains(r#"<a href="/privacy/start">Send me a new code</a>"#), "a wrong code leads to a new one: {page}");
    let (st, _, location) = b.post("/privacy/code", &[("external_id", "cust-9"), ("code", code.as_str())]).await;
    assert_eq!((st, location.as_deref()), (303, Some("/privacy")));
    assert_eq!(b.get("/privacy").await.0, 200);
    let mut again = Browser::new(&s);
    assert_eq!(again.post("/privacy/code", &[("external_id", "cust-9"), ("code", code.as_str())]).await.0, 401, "a code works once");

    // Five wrong tries end a code, even before the right one.
    again.post("/privacy/start", &[("external_id", "cust-9")]).await;
    s.service.settled().await;
    let code = capture.codes_to("c9@example.org").last().cloned().unwrap_or_default();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(again.post("/privacy/code", &[("external_id", "cust-9"), ("code", wrong)]).await.0, 401);
    }
    assert_eq!(again.post("/privacy/code", &[("external_id", "cust-9"), ("code", code.as_str())]).await.0, 401);
    // Asking again within a minute sends nothing (no inbox flooding) and answers the same; the
    // locked code stays locked.
    let (st, page, _) = again.post("/privacy/start", &[("external_id", "cust-9")]).await;
    assert!(st == 200 && page.contains("a code is on its way"), "{page}");
    s.service.settled().await;
    assert_eq!(capture.codes_to("c9@example.org").len(), 2, "two codes sent in all, the third request throttled");
    assert_eq!(again.post("/privacy/code", &[("external_id", "cust-9"), ("code", code.as_str())]).await.0, 401, "still locked");

    s.stop().await;

    // Without a delivery configured, codes are off.
    let Some(plain) = TestServer::start(backend).await else { return };
    let mut b = Browser::new(&plain);
    let (st, page, _) = b.post("/privacy/start", &[("external_id", "cust-9")]).await;
    assert!(st == 404 && page.contains("not available"), "{page}");
    plain.stop().await;
}

/// Global Privacy Control end to end (CCPA regulations § 7025): the signal on a gate check or a
/// privacy-center request is recorded once as the customer's opt-out of sale and sharing; the
/// privacy center never shows a sale or sharing purpose as granted under it; allowing one after
/// being shown the conflict wins for that purpose only, and withdrawing brings the signal back.
async fn global_privacy_control_end_to_end(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    const SHARE: &str = "marketing.advertising.third_party.targeted";
    for (key, name, sale) in [(SHARE, "Offers from our partners", true), (ADS, "Targeted offers", false)] {
        let (st, p) = s
            .post(
                "/v1/purposes",
                json!({"key": key, "name": name, "legal_basis": "consent", "data_categories": ["user.contact.email"],
                       "retention_days": 365, "sale_or_share": sale}),
            )
            .await;
        assert_eq!(st, 201, "{p}");
        s.post(
            "/v1/notices",
            json!({"purpose": key, "version": "1", "language": "en", "text": format!("{name}: we use your e-mail address.")}),
        )
        .await;
    }
    let (_, subject) = s
        .post("/v1/subjects", json!({"external_id": "ca-7", "jurisdiction": "US-CA", "data": {"user.contact.email": "ca7@example.org"}}))
        .await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    for key in [SHARE, ADS] {
        let grant = json!({"subject_id": sid, "purpose": key, "status": "granted", "method": "web_form", "notice_version": "1"});
        assert_eq!(s.post("/v1/consents", grant).await.0, 201);
    }
    let gate_key = s.key(&["gate"]).await;
    let check = async |purpose: &str, gpc: bool| -> serde_json::Value {
        let mut req = reqwest::Client::new()
            .post(format!("{}/v1/gate/check", s.base_url))
            .bearer_auth(&gate_key)
            .json(&json!({"subject_id": sid, "purpose": purpose, "data_categories": ["user.contact.email"]}));
        if gpc {
            req = req.header("sec-gpc", "1");
        }
        let resp = req.send().await.expect("check");
        assert_eq!(resp.status().as_u16(), 200);
        resp.json().await.expect("json")
    };
    let leaf = |v: &serde_json::Value| v["receipt"]["leaf_index"].as_u64().expect("a receipt");
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["reasons"].as_array().into_iter().flatten().filter_map(|r| r["code"].as_str().map(str::to_owned)).collect()
    };
    let first = check(SHARE, false).await;
    assert_eq!(first["decision"], "allow", "{first}");
    // The signal: denied, and recorded on the subject in the same request (one ledger event
    // before the check's own).
    let signalled = check(SHARE, true).await;
    assert_eq!((signalled["decision"].as_str(), codes(&signalled)), (Some("deny"), vec!["gpc_opt_out".to_owned()]), "{signalled}");
    assert_eq!(leaf(&signalled), leaf(&first) + 2, "the GPC opt-out and the check");
    assert_eq!(s.get(&format!("/v1/subjects/{sid}")).await.1["gpc"], true);
    // Seen again: nothing more is written; it holds without the header.
    let again = check(SHARE, true).await;
    assert_eq!(leaf(&again), leaf(&signalled) + 1, "no write when nothing changes");
    assert_eq!(check(SHARE, false).await["decision"], "deny", "recorded: it holds without the header");
    assert_eq!(check(ADS, false).await["decision"], "allow", "a purpose that neither sells nor shares is unaffected");

    // The privacy center: the sale/share purpose is not shown as granted, and says why.
    let (_, link) = s.post("/v1/privacy-center/links", json!({"external_id": "ca-7"})).await;
    let mut b = Browser::new(&s);
    let resp = b.client.get(format!("{}{}", s.base_url, link["path"].as_str().expect("path"))).send().await.expect("login");
    b.cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|c| c.split(';').next()).map(str::to_owned);
    let (st, page, _) = b.get("/privacy").await;
    assert_eq!(st, 200, "{page}");
    let section = |page: &str, anchor: &str| -> String {
        page.split(&format!("id=\"purpose-{anchor}\"")).nth(1).and_then(|r| r.split("</section>").next()).unwrap_or("").to_owned()
    };
    let share_anchor = SHARE.replace('.', "-");
    let ads_anchor = ADS.replace('.', "-");
    let shown = section(&page, &share_anchor);
    assert!(!shown.contains(">granted<") && shown.contains("Global Privacy Control signal asks us not to sell or share"), "{shown}");
    assert!(shown.contains("value=\"granted\""), "the button offers to allow it: {shown}");
    assert!(section(&page, &ads_anchor).contains(">granted<"), "{page}");
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned();
    // Allowing it first shows the conflict; nothing is recorded until the customer confirms.
    let before = s.get(&format!("/v1/subjects/{sid}/consents")).await.1["history"].as_array().map_or(0, Vec::len);
    let (st, page, _) = b.post("/privacy/consents", &[("csrf", csrf.as_str()), ("purpose", SHARE), ("status", "granted")]).await;
    assert!(
        st == 200 && page.contains("Your browser asks us not to sell or share your data") && page.contains("Allow it anyway"),
        "{page}"
    );
    assert_eq!(s.get(&format!("/v1/subjects/{sid}/consents")).await.1["history"].as_array().map_or(0, Vec::len), before);
    assert_eq!(check(SHARE, true).await["decision"], "deny");
    let (st, _, location) =
        b.post("/privacy/consents", &[("csrf", csrf.as_str()), ("purpose", SHARE), ("status", "granted"), ("confirm_gpc", "1")]).await;
    assert_eq!((st, location.as_deref()), (303, Some("/privacy?done=granted")));
    // The explicit choice wins for that purpose, even with the header on the request.
    let allowed = check(SHARE, true).await;
    assert_eq!(allowed["decision"], "allow", "{allowed}");
    assert_eq!(codes(&allowed)[0], "consent_overrides_gpc", "{allowed}");
    let (_, consents) = s.get(&format!("/v1/subjects/{sid}/consents")).await;
    let last = consents["history"].as_array().and_then(|h| h.last()).cloned().unwrap_or_default();
    assert_eq!(
        (last["status"].as_str(), last["overrides_gpc"].as_bool(), last["gpc"].as_bool()),
        (Some("granted"), Some(true), Some(false)),
        "{consents}"
    );
    let (_, page, _) = b.get("/privacy").await;
    let shown = section(&page, &share_anchor);
    assert!(shown.contains("allowed by you for this use only") && shown.contains("value=\"withdrawn\""), "{shown}");
    // Withdrawing brings the signal back.
    let (st, _, _) = b.post("/privacy/consents", &[("csrf", csrf.as_str()), ("purpose", SHARE), ("status", "withdrawn")]).await;
    assert_eq!(st, 303);
    let withdrawn = check(SHARE, false).await;
    assert_eq!(withdrawn["decision"], "deny", "{withdrawn}");
    // An API grant cannot claim the override: the signal still decides.
    let grant = json!({"subject_id": sid, "purpose": SHARE, "status": "granted", "method": "web_form", "notice_version": "1", "overrides_gpc": true});
    let (st, _) = s.post("/v1/consents", grant).await;
    assert_eq!(st, 400, "an unknown field");
    assert_eq!(codes(&check(SHARE, false).await), vec!["gpc_opt_out".to_owned()]);

    // A privacy-center visit with the signal records it too (a customer the gate never saw
    // with it), once.
    let (_, other) = s.post("/v1/subjects", json!({"external_id": "ca-8", "jurisdiction": "US-CA", "data": {}})).await;
    let oid = other["subject_id"].as_str().expect("id").to_owned();
    let (_, link) = s.post("/v1/privacy-center/links", json!({"external_id": "ca-8"})).await;
    let mut b = Browser::new(&s);
    b.headers.push(("sec-gpc".into(), "1".into()));
    let resp = b.client.get(format!("{}{}", s.base_url, link["path"].as_str().expect("path"))).send().await.expect("login");
    b.cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|c| c.split(';').next()).map(str::to_owned);
    assert_eq!(s.get(&format!("/v1/subjects/{oid}")).await.1["gpc"], false);
    let (st, page, _) = b.get("/privacy").await;
    assert!(st == 200 && page.contains("Global Privacy Control"), "{page}");
    assert_eq!(s.get(&format!("/v1/subjects/{oid}")).await.1["gpc"], true, "recorded from the privacy center");
    s.stop().await;
}

/// The customer's language: the privacy center speaks the first language of `Accept-Language`
/// it has, shows the notice in that language when one is published (else English), and the
/// consent proof records the language version shown.
async fn customers_language(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    s.post(
        "/v1/purposes",
        json!({"key": ADS, "name": "Targeted offers", "legal_basis": "consent", "data_categories": ["user.contact.email"], "retention_days": 365}),
    )
    .await;
    for (language, text) in
        [("en", "We use your e-mail address to send you offers."), ("de", "Wir nutzen Ihre E-Mail-Adresse für Angebote.")]
    {
        let (st, n) = s.post("/v1/notices", json!({"purpose": ADS, "version": "3", "language": language, "text": text})).await;
        assert_eq!(st, 201, "{n}");
    }
    let (_, subject) = s.post("/v1/subjects", json!({"external_id": "de-1", "jurisdiction": "DE", "data": {}})).await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    let signed_in = async |accept: &str| {
        let (_, link) = s.post("/v1/privacy-center/links", json!({"external_id": "de-1"})).await;
        let mut b = Browser::new(&s);
        b.headers.push(("accept-language".into(), accept.into()));
        let resp = b.client.get(format!("{}{}", s.base_url, link["path"].as_str().expect("path"))).send().await.expect("login");
        b.cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|c| c.split(';').next()).map(str::to_owned);
        b
    };
    let last_language = async || {
        let (_, consents) = s.get(&format!("/v1/subjects/{sid}/consents")).await;
        consents["history"].as_array().and_then(|h| h.last()).and_then(|e| e["notice_language"].as_str()).unwrap_or("").to_owned()
    };
    // German first: German words, the German notice, and the proof says German.
    let mut b = signed_in("de-AT,de;q=0.9,en;q=0.5").await;
    let (st, page, _) = b.get("/privacy").await;
    assert!(st == 200 && page.contains("<html lang=\"de\">") && page.contains("Ihre Einwilligungen"), "{page}");
    assert!(page.contains("Wir nutzen Ihre E-Mail-Adresse") && !page.contains("We use your e-mail address"), "{page}");
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned();
    let (st, _, _) = b.post("/privacy/consents", &[("csrf", csrf.as_str()), ("purpose", ADS), ("status", "granted")]).await;
    assert_eq!(st, 303);
    assert_eq!(last_language().await, "de");
    // French: French words; no French notice, so the English one, and the proof says English.
    let mut b = signed_in("fr-CA, fr;q=0.8").await;
    let (_, page, _) = b.get("/privacy").await;
    assert!(
        page.contains("<html lang=\"fr\">") && page.contains("Vos consentements") && page.contains("We use your e-mail address"),
        "{page}"
    );
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned();
    let (st, _, _) = b.post("/privacy/consents", &[("csrf", csrf.as_str()), ("purpose", ADS), ("status", "withdrawn")]).await;
    assert_eq!(st, 303);
    assert_eq!(last_language().await, "en");
    // A language custos does not speak: English.
    let b = signed_in("ja").await;
    let (_, page, _) = b.get("/privacy").await;
    assert!(page.contains("<html lang=\"en\">") && page.contains("Your consents"), "{page}");

    // In German, dates, request states, data categories and a model's reasons are German too:
    // the model's dictionary carries German words and outcome labels.
    let mut dictionary = json!({
        "favorable_outcome": "higher",
        "features": {
            "income": {"description": "Your income", "higher": "is high", "lower": "is low for this credit line", "unit": "EUR"},
            "debt_ratio": {"description": "Your debt-to-income ratio", "higher": "is high", "lower": "is low", "actionable": true, "min": 0}
        },
        "outcomes": {"declined": "Declined"},
        "languages": {"de": {
            "intro": "Die wichtigsten Gründe waren",
            "features": {
                "income": {"description": "Ihr Einkommen", "higher": "ist hoch", "lower": "ist für diesen Kredit niedrig"},
                "debt_ratio": {"description": "Ihr Verhältnis von Schulden zu Einkommen", "higher": "ist hoch", "lower": "ist niedrig"}
            },
            "outcomes": {"declined": "Abgelehnt"}
        }}
    });
    let file = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain/credit.linear.json"))
        .expect("fixture");
    let model = |dictionary: &serde_json::Value| json!({"name": "credit", "version": "1", "model": file, "dictionary": dictionary, "owner": "risk@example.com"});
    // A translation must give every feature words: a gap is named and nothing is registered.
    dictionary["languages"]["de"]["features"].as_object_mut().expect("features").remove("income");
    let (st, problem) = s.post("/v1/models", model(&dictionary)).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("dictionary.languages.de.features.income")), "{problem}");
    dictionary["languages"]["de"]["features"]["income"] =
        json!({"description": "Ihr Einkommen", "higher": "ist hoch", "lower": "ist für diesen Kredit niedrig"});
    let (st, registered) = s.post("/v1/models", model(&dictionary)).await;
    assert_eq!(st, 201, "{registered}");
    custos_testkit::approve_model(&s.service, registered["model_id"].as_str().expect("id")).await;
    let (st, d) = s
        .post(
            "/v1/decisions",
            json!({"subject_id": sid, "purpose": ADS, "model": "credit", "model_version": "1", "outcome": "declined",
                   "features": {"income": 24000, "debt_ratio": 0.55, "months_at_address": 6, "missed_payments": 0}}),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    let mut b = signed_in("de").await;
    let (_, page, _) = b.get("/privacy/decisions").await;
    assert!(page.contains("Abgelehnt") && !page.contains(">declined<"), "{page}");
    assert!(
        page.contains("Die wichtigsten Gründe waren: Ihr Verhältnis von Schulden zu Einkommen ist hoch; Ihr Einkommen ist für diesen Kredit niedrig; weitere Faktoren des Modells."),
        "features without words are not named: {page}"
    );
    assert!(
        page.contains("Wenn Ihr Verhältnis von Schulden zu Einkommen 0,131 statt 0,55 gewesen wäre, wäre das Ergebnis wahrscheinlich anders ausgefallen."),
        "the counterfactual in German words and numbers: {page}"
    );
    const ENGLISH_MONTHS: [&str; 12] =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
    const GERMAN_MONTHS: [&str; 12] =
        ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"];
    let english_date = |page: &str| {
        ENGLISH_MONTHS
            .iter()
            .chain(&["Jan ", "Feb ", "Mar ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "])
            .any(|m| page.contains(&format!(" {m}")) && !GERMAN_MONTHS.contains(m))
    };
    assert!(GERMAN_MONTHS.iter().any(|m| page.contains(&format!(". {m} "))) && !english_date(&page), "{page}");
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned();
    let (st, _, _) = b.post("/privacy/requests", &[("csrf", csrf.as_str()), ("kind", "access")]).await;
    assert_eq!(st, 303);
    let (_, page, _) = b.get("/privacy/requests").await;
    assert!(page.contains("in Bearbeitung") && !page.contains("Verified"), "{page}");
    assert!(GERMAN_MONTHS.iter().any(|m| page.contains(&format!(". {m} "))) && !english_date(&page), "{page}");
    // The English page of the same decision keeps the dictionary's own words.
    let b = signed_in("en").await;
    let (_, page, _) = b.get("/privacy/decisions").await;
    assert!(page.contains("Declined") && page.contains("The main reasons were: your debt-to-income ratio is high"), "{page}");

    // The customer's stored preference decides when the browser names no language custos
    // speaks; the browser's language comes first. A preference that is not a language tag is
    // refused and changes nothing.
    let (st, problem) = s
        .post(
            "/v1/subjects",
            json!({"external_id": "nl-1", "jurisdiction": "NL", "data": {"user.demographic.language": "Dutch please", "user.contact.email": "nl1@example.org"}}),
        )
        .await;
    assert_eq!((st, problem["field"].as_str()), (400, Some("data.user.demographic.language")), "{problem}");
    let (st, _) = s
        .post(
            "/v1/subjects",
            json!({"external_id": "nl-1", "jurisdiction": "NL", "data": {"user.demographic.language": "nl-BE", "user.contact.email": "nl1@example.org"}}),
        )
        .await;
    assert_eq!(st, 201);
    let sign_in_nl = async |accept: Option<&str>| {
        let (_, link) = s.post("/v1/privacy-center/links", json!({"external_id": "nl-1"})).await;
        let mut b = Browser::new(&s);
        if let Some(accept) = accept {
            b.headers.push(("accept-language".into(), accept.into()));
        }
        let resp = b.client.get(format!("{}{}", s.base_url, link["path"].as_str().expect("path"))).send().await.expect("login");
        b.cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).and_then(|c| c.split(';').next()).map(str::to_owned);
        b
    };
    for accept in [None, Some("ja, zh;q=0.5")] {
        let (_, page, _) = sign_in_nl(accept).await.get("/privacy/data").await;
        assert!(page.contains("<html lang=\"nl\">"), "{accept:?}: {page}");
        let names: serde_json::Value = serde_json::from_str(include_str!("../../custos-web/src/category_names.json")).expect("names");
        let email = names["user.contact.email"]["nl"].as_str().expect("a Dutch name");
        assert!(page.contains(email), "the category in Dutch ({email}): {page}");
    }
    let (_, page, _) = sign_in_nl(Some("fr")).await.get("/privacy").await;
    assert!(page.contains("<html lang=\"fr\">"), "the browser's language first: {page}");
    s.stop().await;
}

/// The consent snippet's API: tokens minted with `consents:write`, calls from allow-listed
/// origins only (CORS), the visitor's language and GPC honoured, answers recorded as from the
/// website; bad tokens and input change nothing.
async fn consent_snippet(backend: Backend) {
    const SHOP: &str = "https://shop.example";
    let Some(s) = TestServer::start_with(backend, |state| state.with_embed_origins(vec![SHOP.into()])).await else { return };
    const SHARE: &str = "marketing.advertising.third_party.targeted";
    for (key, name, sale) in [(ADS, "Targeted offers", false), (SHARE, "Offers from our partners", true)] {
        s.post(
            "/v1/purposes",
            json!({"key": key, "name": name, "legal_basis": "consent", "data_categories": ["user.contact.email"], "retention_days": 365, "sale_or_share": sale}),
        )
        .await;
        s.post("/v1/notices", json!({"purpose": key, "version": "1", "language": "en", "text": format!("{name}: your e-mail address.")}))
            .await;
    }
    let (_, subject) = s.post("/v1/subjects", json!({"external_id": "web-1", "jurisdiction": "US-CA", "data": {}})).await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    // Minting: the scope, a known subject.
    let reader = s.key(&["subjects:read"]).await;
    assert_eq!(s.call(Method::POST, "/v1/consent-tokens", Some(&reader), Some(json!({"external_id": "web-1"}))).await.0, 403);
    assert_eq!(s.post("/v1/consent-tokens", json!({"external_id": "nobody"})).await.0, 404);
    let (st, minted) = s.post("/v1/consent-tokens", json!({"external_id": "web-1"})).await;
    assert_eq!(st, 201, "{minted}");
    let token = minted["token"].as_str().expect("token").to_owned();
    let history = async || s.get(&format!("/v1/subjects/{sid}/consents")).await.1["history"].as_array().map_or(0, Vec::len);

    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, origin: Option<&str>, token: &str, body: Option<serde_json::Value>| {
        let mut req =
            client.request(method, format!("{}/v1/embed/consents", s.base_url)).bearer_auth(token).header("accept-language", "es-ES");
        if let Some(o) = origin {
            req = req.header("origin", o.to_owned());
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req
    };
    // The shop's page: the purposes in Spanish words, CORS for that origin only.
    let resp = call(Method::GET, Some(SHOP), &token, None).send().await.expect("get");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers().get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some(SHOP));
    let doc: serde_json::Value = resp.json().await.expect("json");
    assert_eq!((doc["language"].as_str(), doc["words"]["title"].as_str()), (Some("es"), Some("Sus consentimientos")), "{doc}");
    assert_eq!(doc["purposes"].as_array().map(Vec::len), Some(2), "{doc}");
    let preflight = client
        .request(Method::OPTIONS, format!("{}/v1/embed/consents", s.base_url))
        .header("origin", SHOP)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .expect("preflight");
    assert_eq!(preflight.status().as_u16(), 204);
    assert!(preflight.headers().get("access-control-allow-headers").and_then(|v| v.to_str().ok()).unwrap_or("").contains("authorization"));
    // Another site, a forged or foreign token, bad input: refused, nothing recorded.
    let resp = call(Method::POST, Some("https://evil.example"), &token, Some(json!({"purpose": ADS, "status": "granted"})))
        .send()
        .await
        .expect("post");
    assert!(resp.status().as_u16() == 403 && resp.headers().get("access-control-allow-origin").is_none());
    let (_, link) = s.post("/v1/privacy-center/links", json!({"external_id": "web-1"})).await;
    for bad in [format!("{token}x"), link["token"].as_str().unwrap_or("").to_owned(), String::new()] {
        let resp = call(Method::POST, Some(SHOP), &bad, Some(json!({"purpose": ADS, "status": "granted"}))).send().await.expect("post");
        assert_eq!(resp.status().as_u16(), 400, "a bad token: {bad}");
        assert!(resp.headers().get("access-control-allow-origin").is_some(), "the shop's page can read why");
    }
    for (body, field) in [
        (json!({"purpose": ADS, "status": "maybe"}), "status"),
        (json!({"purpose": ADS}), "status"),
        (json!({"purpose": ADS, "status": "granted", "x": 1}), "x"),
    ] {
        let resp = call(Method::POST, Some(SHOP), &token, Some(body.clone())).send().await.expect("post");
        let problem: serde_json::Value = resp.json().await.unwrap_or_default();
        assert_eq!(problem["field"].as_str(), Some(field), "{body} -> {problem}");
    }
    assert_eq!(history().await, 0, "nothing recorded");
    // An answer: recorded from the website, the gate obeys it.
    let resp = call(Method::POST, Some(SHOP), &token, Some(json!({"purpose": ADS, "status": "granted"}))).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 201);
    let (_, consents) = s.get(&format!("/v1/subjects/{sid}/consents")).await;
    let last = consents["history"].as_array().and_then(|h| h.last()).cloned().unwrap_or_default();
    assert_eq!(
        (last["method"].as_str(), last["source"].as_str()),
        (Some("website"), Some("consent snippet on https://shop.example")),
        "{consents}"
    );
    let check = json!({"subject_id": sid, "purpose": ADS, "data_categories": ["user.contact.email"]});
    assert_eq!(s.post("/v1/gate/check", check).await.1["decision"], "allow");
    // GPC from the visitor's browser: recorded, the sharing purpose needs the confirmation.
    let resp = call(Method::GET, Some(SHOP), &token, None).header("sec-gpc", "1").send().await.expect("get");
    let doc: serde_json::Value = resp.json().await.expect("json");
    let share = doc["purposes"].as_array().and_then(|a| a.iter().find(|p| p["purpose"] == SHARE)).cloned().unwrap_or_default();
    assert_eq!((doc["gpc"].as_bool(), share["gpc_blocks"].as_bool()), (Some(true), Some(true)), "{doc}");
    assert_eq!(s.get(&format!("/v1/subjects/{sid}")).await.1["gpc"], true);
    let resp = call(Method::POST, Some(SHOP), &token, Some(json!({"purpose": SHARE, "status": "granted"})))
        .header("sec-gpc", "1")
        .send()
        .await
        .expect("post");
    let problem: serde_json::Value = resp.json().await.unwrap_or_default();
    assert_eq!(problem["field"].as_str(), Some("confirm_gpc"), "{problem}");
    let resp = call(Method::POST, Some(SHOP), &token, Some(json!({"purpose": SHARE, "status": "granted", "confirm_gpc": true})))
        .header("sec-gpc", "1")
        .send()
        .await
        .expect("post");
    let done: serde_json::Value = resp.json().await.unwrap_or_default();
    assert_eq!(done["overrides_gpc"], true, "{done}");
    // The script itself, for any page to load.
    let resp = client.get(format!("{}/embed/consent.js", s.base_url)).send().await.expect("script");
    assert_eq!(resp.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/javascript; charset=utf-8"));
    assert!(resp.text().await.unwrap_or_default().contains("/v1/embed/consents"));
    s.stop().await;
}

backend_tests!(
    sign_in_by_email,
    customer_uses_the_privacy_center,
    sign_in_by_code,
    global_privacy_control_end_to_end,
    customers_language,
    consent_snippet
);
