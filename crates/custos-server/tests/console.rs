//! The staff console over real HTTP (the browser tests in `e2e/` drive the same pages in
//! Chromium): sign-in with argon2id passwords, lockout, sessions, CSRF on every form, role
//! checks, the ledger leaf for each view of a subject, and the request queue's actions.

use custos_testkit::{Backend, Browser, TestServer, backend_tests, urlencoded};
use serde_json::json;

/// A browser signed in to the console as a new staff member with `role`.
async fn signed_in(s: &TestServer, email: &str, role: custos_core::Role) -> Browser {
    let password = "a long staff password";
    s.service.staff().create_user(email, &[role], Some(password.into())).await.expect("user");
    let mut b = Browser::new(s);
    b.login(email, password).await;
    b
}

/// Declares the credit-limit purpose and creates a subject to decide about.
async fn credit_subject(s: &TestServer, external_id: &str) -> serde_json::Value {
    let (st, _) = s
        .post(
            "/v1/purposes",
            serde_json::json!({"purpose": "essential.service.credit_limit", "name": "Credit limits", "legal_basis": "contract",
                               "data_categories": ["user.financial"], "retention_days": 365}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, subject) = s.post("/v1/subjects", serde_json::json!({"external_id": external_id, "jurisdiction": "DE", "data": {}})).await;
    assert_eq!(st, 201, "{subject}");
    subject
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned()
}

async fn console_sign_in_csrf_and_requests(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (_, password) =
        s.service.staff().create_user("Officer@Example.com", &[custos_core::Role::PrivacyOfficer], None).await.expect("user");
    s.service
        .staff()
        .create_user("analyst@example.com", &[custos_core::Role::Analyst], Some("a long analyst password".into()))
        .await
        .expect("user");
    assert!(custos_core::Role::parse("wizard").is_err(), "unknown role");
    assert!(s.service.staff().create_user("x@example.com", &[], None).await.is_err(), "no role");
    assert!(
        s.service.staff().create_user("officer@example.com", &[custos_core::Role::Admin], None).await.is_err(),
        "emails are unique, case-insensitively"
    );

    let mut b = Browser::new(&s);
    let (st, _, location) = b.get("/console").await;
    assert_eq!((st, location.as_deref()), (303, Some("/console/login")), "pages need a session");
    let (st, page, _) = b.get("/console/login").await;
    assert!(st == 200 && page.contains("<label for=\"password\">Password</label>"), "an accessible form");

    // Wrong password: refused with one message; the account stays usable.
    let (st, page, _) = b.post("/console/login", &[("email", "officer@example.com"), ("password", "wrong")]).await;
    assert_eq!(st, 401);
    assert!(page.contains("The email or the password is wrong."));
    let (st, _, _) = b.post("/console/login", &[("email", "nobody@example.com"), ("password", "wrong")]).await;
    assert_eq!(st, 401, "an unknown email gets the same answer");
    assert!(b.cookie.is_none());

    // Right password: a session cookie with the safe attributes, then the overview.
    let resp = b
        .client
        .post(format!("{}/console/login", s.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(urlencoded(&[("email", "officer@example.com"), ("password", password.as_str())]))
        .send()
        .await
        .expect("login");
    assert_eq!(resp.status().as_u16(), 303);
    let set = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/console"] {
        assert!(set.contains(attribute), "{set}");
    }
    b.cookie = Some(set.split(';').next().unwrap_or("").to_owned());
    let (st, page, _) = b.get("/console").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("<h1>Overview</h1>") && page.contains("nothing yet"), "an empty deployment says so");
    let csrf = csrf_of(&page);
    assert!(csrf.len() >= 32);

    // A subject with an open erasure request.
    let (_, subject) = s
        .post("/v1/subjects", json!({"external_id": "cust-7", "jurisdiction": "DE", "data": {"user.contact.email": "c7@example.org"}}))
        .await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    let (_, dsr) = s.post("/v1/dsr", json!({"subject_id": sid, "type": "erasure"})).await;
    let dsr_id = dsr["dsr_id"].as_str().expect("id").to_owned();
    let (_, page, _) = b.get("/console").await;
    assert!(page.contains("<svg") && page.contains("Requests by status"), "charts are SVG: {page}");

    // Search by external id, open the subject: the view is a ledger leaf.
    let (st, page, _) = b.get("/console/subjects?q=cust-7").await;
    assert!(st == 200 && page.contains(&sid), "{page}");
    let before = s.get("/v1/ledger/checkpoint").await;
    let (st, page, _) = b.get(&format!("/console/subjects/{sid}")).await;
    assert!(st == 200 && page.contains("c7@example.org"), "{page}");
    assert!(page.contains("<h2>Consent history</h2>") && page.contains("Gate checks"), "{page}");
    let _ = before;
    let mut found = false;
    for index in (0..200u64).rev() {
        let (st, entry) = s.get(&format!("/v1/ledger/entries/{index}")).await;
        if st != 200 {
            continue;
        }
        let leaf = data_encoding::BASE64.decode(entry["leaf"].as_str().unwrap_or("").as_bytes()).expect("b64");
        let event: serde_json::Value = serde_json::from_slice(&leaf).expect("json");
        if event["event"] == "staff.viewed_subject" {
            assert_eq!(event["subject_id"], sid.as_str());
            assert!(!String::from_utf8_lossy(&leaf).contains("officer@example.com"), "no email in the ledger");
            found = true;
            break;
        }
    }
    assert!(found, "the view of the subject's data is in the ledger");

    // The queue's actions need the session's CSRF token: a forged post changes nothing.
    let (st, page, _) = b.post(&format!("/console/dsr/{dsr_id}/verify"), &[("csrf", "forged")]).await;
    assert_eq!(st, 403, "{page}");
    assert_eq!(s.get(&format!("/v1/dsr/{dsr_id}")).await.1["status"], "pending_verification");
    let (st, _, location) = b.post(&format!("/console/dsr/{dsr_id}/verify"), &[("csrf", csrf.as_str())]).await;
    assert_eq!((st, location.as_deref()), (303, Some("/console/dsr?done=verified")));
    let (st, page, _) = b.get("/console/dsr?done=verified").await;
    assert!(st == 200 && page.contains("Request verified."), "{page}");
    let (st, page, _) = b.post(&format!("/console/dsr/{dsr_id}/complete"), &[("csrf", csrf.as_str())]).await;
    assert!(st == 400 && page.contains("needs an outcome note"), "completing says what was done: {page}");
    assert_eq!(s.get(&format!("/v1/dsr/{dsr_id}")).await.1["status"], "verified", "and nothing happened");
    let (st, _, _) = b.post(&format!("/console/dsr/{dsr_id}/complete"), &[("csrf", csrf.as_str()), ("note", "Erased on request.")]).await;
    assert_eq!(st, 303);
    assert_eq!(s.get(&format!("/v1/dsr/{dsr_id}")).await.1["status"], "completed");
    let (_, page, _) = b.get(&format!("/console/subjects/{sid}")).await;
    assert!(page.contains("<strong>erased</strong>") && !page.contains("c7@example.org"), "erasure really erased");

    // Sweeping expired sessions deletes them and keeps live ones.
    let past = custos_core::now() - chrono::Duration::hours(9);
    let (created, expires) = (custos_core::format_timestamp(&past), custos_core::format_timestamp(&(past + chrono::Duration::hours(8))));
    s.db.execute(&format!(
        "INSERT INTO staff_sessions (token_sha256, user_id, csrf_token, created_at, expires_at) \
         SELECT '0000expired', user_id, 'csrf', '{created}', '{expires}' FROM staff_users WHERE email = 'officer@example.com'"
    ))
    .await;
    assert_eq!(s.service.staff().sweep_sessions().await.expect("sweep"), 1);
    assert_eq!(b.get("/console").await.0, 200, "a live session survives the sweep");

    // Sign out ends the session server-side.
    let old_cookie = b.cookie.clone();
    let (st, _, _) = b.post("/console/logout", &[("csrf", csrf.as_str())]).await;
    assert_eq!(st, 303);
    b.cookie = old_cookie;
    assert_eq!(b.get("/console").await.0, 303, "the old cookie no longer works");

    // Roles: an analyst sees the overview, not subjects.
    let mut a = Browser::new(&s);
    a.post("/console/login", &[("email", "analyst@example.com"), ("password", "a long analyst password")]).await;
    assert_eq!(a.get("/console").await.0, 200);
    assert_eq!(a.get("/console/subjects").await.0, 403);

    // Five failures lock this address out of the account, even for the right password, with
    // the same answer as a wrong password (issue 14: a lock must not tell the account exists,
    // and must not lock the owner out elsewhere: tests/security/signin.rs).
    let mut c = Browser::new(&s);
    for _ in 0..5 {
        assert_eq!(c.post("/console/login", &[("email", "analyst@example.com"), ("password", "nope")]).await.0, 401);
    }
    let (st, page, _) = c.post("/console/login", &[("email", "analyst@example.com"), ("password", "a long analyst password")]).await;
    assert_eq!(st, 401, "locked: {page}");
    assert_eq!(c.get("/console").await.0, 303, "no session");
    s.stop().await;
}

async fn console_administration(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    s.service
        .staff()
        .create_user("admin@example.com", &[custos_core::Role::Admin], Some("a long admin password".into()))
        .await
        .expect("admin");
    s.service
        .staff()
        .create_user("po@example.com", &[custos_core::Role::PrivacyOfficer], Some("a long officer password".into()))
        .await
        .expect("po");
    let mut po = Browser::new(&s);
    po.post("/console/login", &[("email", "po@example.com"), ("password", "a long officer password")]).await;
    assert_eq!(po.get("/console/admin").await.0, 403, "administration needs the admin role");

    let mut b = Browser::new(&s);
    b.post("/console/login", &[("email", "admin@example.com"), ("password", "a long admin password")]).await;
    let (st, page, _) = b.get("/console/admin").await;
    assert_eq!(st, 200, "{page}");
    let csrf = csrf_of(&page);

    // A purpose and a notice version, created from the console, are what the API serves.
    let (st, _, location) = b
        .post(
            "/console/admin/purposes",
            &[
                ("csrf", csrf.as_str()),
                ("purpose", "marketing.communications.email"),
                ("name", "Newsletter"),
                ("legal_basis", "consent"),
                ("data_categories", "user.contact.email"),
                ("retention_days", "365"),
            ],
        )
        .await;
    assert_eq!((st, location.as_deref()), (303, Some("/console/admin?done=purpose+marketing.communications.email+created")));
    let (st, _, _) = b
        .post(
            "/console/admin/notices",
            &[
                ("csrf", csrf.as_str()),
                ("purpose", "marketing.communications.email"),
                ("version", "v1"),
                ("text", "We send a monthly newsletter."),
            ],
        )
        .await;
    assert_eq!(st, 303);
    let (_, notices) = s.get("/v1/notices?purpose=marketing.communications.email").await;
    assert_eq!(notices[0]["text"], "We send a monthly newsletter.", "{notices}");
    let (st, page, _) = b
        .post(
            "/console/admin/purposes",
            &[
                ("csrf", csrf.as_str()),
                ("purpose", "Not A Key"),
                ("name", "x"),
                ("legal_basis", "consent"),
                ("data_categories", "user"),
                ("retention_days", "1"),
            ],
        )
        .await;
    assert_eq!(st, 400, "bad input is a clear error: {page}");

    // An API key created here works at once; revoked, it stops.
    let (st, page, _) =
        b.post("/console/admin/keys", &[("csrf", csrf.as_str()), ("scopes", "subjects:read"), ("label", "from the console")]).await;
    assert_eq!(st, 200);
    let key = page.split("<code id=\"new-key\">").nth(1).and_then(|r| r.split('<').next()).unwrap_or("").to_owned();
    assert!(key.starts_with("custos_"), "{page}");
    assert_eq!(s.call(reqwest::Method::GET, "/v1/subjects", Some(&key), None).await.0, 200);
    let key_id = key.trim_start_matches("custos_").split('_').next().unwrap_or("").to_owned();
    let (st, _, _) = b.post(&format!("/console/admin/keys/{key_id}/revoke"), &[("csrf", csrf.as_str())]).await;
    assert_eq!(st, 303);
    assert_eq!(s.call(reqwest::Method::GET, "/v1/subjects", Some(&key), None).await.0, 401);

    // Verify now.
    let _ = s.service.ledger().publish_checkpoint().await;
    let (st, page, _) = b.post("/console/admin/ledger/verify", &[("csrf", csrf.as_str())]).await;
    assert!(st == 200 && page.contains("Verified:"), "{page}");
    // A forged post changes nothing.
    assert_eq!(b.post("/console/admin/keys", &[("csrf", "forged"), ("scopes", "all")]).await.0, 403);
    s.stop().await;
}

/// A reviewer works a blind review in the console: the queue lists it, the model's outcome is
/// hidden until they record theirs, and the page shows the resolution.
async fn console_blind_review(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let subject = credit_subject(&s, "c-7").await;
    let (st, _) = s
        .post(
            "/v1/review-rules",
            serde_json::json!({"name": "Blind", "conditions": {"purpose": "essential.service.credit_limit"}, "sla_hours": 24, "blind": true}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, d) = s
        .post(
            "/v1/decisions",
            serde_json::json!({"subject_id": subject["subject_id"], "purpose": "essential.service.credit_limit", "model": "limits",
                               "model_version": "2", "outcome": "declined", "score": 0.42}),
        )
        .await;
    let review = d["review"]["review_id"].as_str().expect("pending").to_owned();
    let mut b = signed_in(&s, "rita@example.com", custos_core::Role::Reviewer).await;
    let (st, queue, _) = b.get("/console/reviews").await;
    assert_eq!(st, 200, "{queue}");
    assert!(queue.contains(&format!("/console/reviews/{review}")) && queue.contains("Waiting for a reviewer"), "{queue}");
    assert!(queue.contains(r#"href="/console/reviews""#), "the menu shows Reviews to a reviewer");
    let path = format!("/console/reviews/{review}");
    let (_, page, _) = b.get(&path).await;
    assert!(page.contains("id=\"model-hidden\"") && !page.contains("declined"), "blind: {page}");
    let csrf = b.csrf(&path).await;
    assert_eq!(b.post(&format!("{path}/claim"), &[("csrf", &csrf)]).await.0, 303);
    let (_, page, _) = b.get(&path).await;
    assert!(page.contains("Record my judgement") && !page.contains("declined"), "{page}");
    let form = [("csrf", csrf.as_str()), ("action", "override"), ("outcome", "approved"), ("reason_code", "thin_file"), ("note", "")];
    let (st, _, location) = b.post(&format!("{path}/resolve"), &form).await;
    assert_eq!((st, location.as_deref()), (303, Some(path.as_str())));
    let (_, page, _) = b.get(&path).await;
    assert!(page.contains("id=\"model-outcome\">declined") && page.contains("Resolved: Overridden · approved"), "{page}");
    // A reviewer may not see the request queue or the subjects.
    assert_eq!(b.get("/console/subjects").await.0, 403);
    s.stop().await;
}

/// A request is a case: what was asked (old and new values of a correction), its timeline, and
/// the actions, from the queue's link.
async fn console_request_cases(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let (_, subject) = s
        .post(
            "/v1/subjects",
            serde_json::json!({"external_id": "c-8", "jurisdiction": "DE", "data": {"user.contact.email": "old@example.org"}}),
        )
        .await;
    let sid = subject["subject_id"].as_str().expect("id").to_owned();
    let (st, dsr) = s
        .post(
            "/v1/dsr",
            serde_json::json!({"subject_id": sid, "type": "rectification", "data": {"user.contact.email": "new@example.org"}, "statement": "I moved."}),
        )
        .await;
    assert_eq!(st, 201, "{dsr}");
    let id = dsr["dsr_id"].as_str().expect("id").to_owned();
    assert_eq!(s.post(&format!("/v1/dsr/{id}/verify"), serde_json::json!({"method": "email_link"})).await.0, 200);
    s.service
        .staff()
        .create_user("po2@example.com", &[custos_core::Role::PrivacyOfficer], Some("a long officer password".into()))
        .await
        .expect("user");
    let mut b = Browser::new(&s);
    b.login("po2@example.com", "a long officer password").await;
    let (_, queue, _) = b.get("/console/dsr").await;
    assert!(queue.contains(&format!("href=\"/console/dsr/{id}\"")), "the queue links the case: {queue}");
    let (st, page, _) = b.get(&format!("/console/dsr/{id}")).await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("old@example.org") && page.contains("<strong>new@example.org</strong>"), "old and new side by side: {page}");
    assert!(page.contains("I moved.") && page.contains("Identity verified (email link)") && page.contains("Received"), "{page}");
    let csrf = b.csrf(&format!("/console/dsr/{id}")).await;
    // Take it, note something, then complete it with an outcome note.
    assert_eq!(b.post(&format!("/console/dsr/{id}/take"), &[("csrf", &csrf)]).await.0, 303);
    assert_eq!(b.post(&format!("/console/dsr/{id}/note"), &[("csrf", &csrf), ("note", "Called the customer to confirm.")]).await.0, 303);
    let (st, page, _) = b.post(&format!("/console/dsr/{id}/note"), &[("csrf", &csrf), ("note", "   ")]).await;
    assert_eq!(st, 400, "an empty note is refused: {page}");
    let outcome = [("csrf", csrf.as_str()), ("note", "Corrected the e-mail address.")];
    assert_eq!(b.post(&format!("/console/dsr/{id}/complete"), &outcome).await.0, 303);
    let (_, page, _) = b.get(&format!("/console/dsr/{id}")).await;
    assert!(page.contains("Completed") && !page.contains(">Complete</button>"), "{page}");
    assert!(page.contains("Owner: po2@example.com") && page.contains("Called the customer to confirm."), "{page}");
    assert!(page.contains("Outcome: Corrected the e-mail address.") && page.contains("Note by po2@example.com"), "{page}");
    assert_eq!(s.get(&format!("/v1/subjects/{sid}")).await.1["data"]["user.contact.email"], "new@example.org");
    assert_eq!(b.get("/console/dsr/00000000-0000-7000-8000-000000000000").await.0, 404);
    s.stop().await;
}

/// The audit form offers only what exists: the configured audit-only categories and the
/// outcomes the decision log holds; with no decision there is nothing to start.
async fn console_fairness_form_offers_what_exists(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let b = signed_in(&s, "ana@example.com", custos_core::Role::Analyst).await;
    let (st, page, _) = b.get("/console/fairness").await;
    assert_eq!(st, 200, "{page}");
    assert!(page.contains("nothing to audit") && !page.contains("Start audit</button>"), "{page}");
    assert!(page.contains("<option value=\"user.demographic.gender\">"), "the audit-only categories: {page}");
    let subject = credit_subject(&s, "c-9").await;
    for outcome in ["approved", "approved", "declined"] {
        let (st, _) = s
            .post(
                "/v1/decisions",
                serde_json::json!({"subject_id": subject["subject_id"], "purpose": "essential.service.credit_limit", "model": "limits",
                                   "model_version": "2", "outcome": outcome}),
            )
            .await;
        assert_eq!(st, 201);
    }
    let (_, page, _) = b.get("/console/fairness").await;
    assert!(page.contains("<option value=\"approved\">approved (2 decisions)</option>"), "{page}");
    assert!(page.contains("<option value=\"declined\">declined (1 decision)</option>") && page.contains("Start audit</button>"), "{page}");
}

backend_tests!(
    console_fairness_form_offers_what_exists,
    console_sign_in_csrf_and_requests,
    console_administration,
    console_blind_review,
    console_request_cases
);
