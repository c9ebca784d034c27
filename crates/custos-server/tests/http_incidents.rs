//! Incidents and their legal clocks, on SQLite and PostgreSQL: bad input named and changing
//! nothing; a breach's clocks computed from the awareness time and the jurisdictions (GDPR
//! Art. 33 and 34, a US state's residents and attorney general); escalations at 50 %, 80 % and
//! the deadline with an injected clock, once each; a late notification needs its reasons and
//! stops the clock; the AI Act's clocks by role and type; changed facts change the clocks; the
//! console shows the running clocks on the overview.

mod support;

use chrono::{DateTime, Duration, Utc};
use custos_core::{Role, format_timestamp, parse_timestamp};
use custos_service::incidents::{IncidentInput, NotificationInput};
use custos_testkit::{Backend, Browser, TestServer, backend_tests};
use reqwest::Method;
use serde_json::{Value, json};
use support::firing;

fn clock<'a>(incident: &'a Value, duty: &str) -> &'a Value {
    incident["clocks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["duty"] == duty))
        .unwrap_or_else(|| panic!("no clock {duty}: {incident}"))
}

fn duties(incident: &Value) -> Vec<String> {
    let mut d: Vec<String> =
        incident["clocks"].as_array().into_iter().flatten().filter_map(|c| c["duty"].as_str().map(str::to_owned)).collect();
    d.sort();
    d
}

async fn breach_clocks(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let now = custos_core::now();
    // Awareness an hour ago, to the second: every deadline is exact from there.
    let aware: DateTime<Utc> = parse_timestamp(&format!("{}Z", (now - Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S"))).expect("time");
    let good = json!({
        "kind": "personal_data_breach", "title": "Campaign list sent to the wrong agency",
        "description": "A CSV with 300 customers' e-mail addresses and purchase totals went to the wrong agency.",
        "became_aware_at": format_timestamp(&aware), "jurisdictions": ["DE", "FR", "US-TX"], "subjects_affected": 300,
        "risk_to_subjects": "high_risk", "severity": "high", "data_categories": ["user.contact.email"],
    });

    // Bad input: named, nothing stored.
    for (change, status, field) in [
        (json!({"kind": null}), 400, "kind"),
        (json!({"kind": "accident"}), 400, "kind"),
        (json!({"title": ""}), 400, "title"),
        (json!({"description": null}), 400, "description"),
        (json!({"became_aware_at": "yesterday"}), 400, "became_aware_at"),
        (json!({"became_aware_at": "1900-01-01T00:00:00Z"}), 400, "became_aware_at"),
        (json!({"occurred_at": "0001-01-01T00:00:00Z"}), 400, "occurred_at"),
        (json!({"subjects_affected": 20_000_000_000_u64}), 400, "subjects_affected"),
        (json!({"became_aware_at": format_timestamp(&(now + Duration::days(2)))}), 400, "became_aware_at"),
        (json!({"occurred_at": format_timestamp(&(aware + Duration::minutes(5)))}), 400, "occurred_at"),
        (json!({"jurisdictions": ["Germany"]}), 400, "jurisdictions"),
        (json!({"risk_to_subjects": "scary"}), 400, "risk_to_subjects"),
        (json!({"severity": "apocalyptic"}), 400, "severity"),
        (json!({"subject_ids": ["01a236da-e535-701c-a7f8-d9201e55519a"]}), 422, "subject_ids[0]"),
        (json!({"ai_system_ids": ["01a236da-e535-701c-a7f8-d9201e55519a"]}), 422, "ai_system_ids[0]"),
        (json!({"steps_done": ["no_such_step"]}), 400, "steps_done[0]"),
        (json!({"kind": "ai_serious_incident"}), 422, "ai_act_role"),
        (json!({"colour": "red"}), 400, "colour"),
    ] {
        let mut body = good.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (st, problem) = s.post("/v1/incidents", body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(s.get("/v1/incidents").await.1, json!([]));
    let reader = s.key(&["incidents:read"]).await;
    assert_eq!(s.call(Method::POST, "/v1/incidents", Some(&reader), Some(good.clone())).await.0, 403);
    assert_eq!(s.call(Method::GET, "/v1/incidents", Some(&s.key(&["risks:read"]).await), None).await.0, 403);

    let (st, incident) = s.post("/v1/incidents", good.clone()).await;
    assert_eq!(st, 201, "{incident}");
    let id = incident["incident_id"].as_str().expect("id").to_owned();
    // The clocks: one GDPR duty for DE and FR together, the people told without undue delay
    // (high risk), Texas's residents in 60 days and its attorney general in 30 (300 >= 250).
    assert_eq!(duties(&incident), ["gdpr_33_authority", "gdpr_34_subjects", "us_tx_attorney_general", "us_tx_residents"]);
    let art33 = clock(&incident, "gdpr_33_authority");
    assert_eq!(
        (
            art33["due_at"].as_str(),
            art33["period"].as_str(),
            art33["state"].as_str(),
            art33["obligation_id"].as_str(),
            art33["verified"].as_bool()
        ),
        (Some(format_timestamp(&(aware + Duration::hours(72))).as_str()), Some("72 hours"), Some("running"), Some("GDPR-33"), Some(true))
    );
    let art34 = clock(&incident, "gdpr_34_subjects");
    assert_eq!(
        (art34["deadline_type"].as_str(), art34["due_at"].as_str()),
        (Some("without_undue_delay"), Some(format_timestamp(&(aware + Duration::hours(24))).as_str()))
    );
    assert_eq!(clock(&incident, "us_tx_residents")["due_at"], format_timestamp(&(aware + Duration::days(60))));
    assert_eq!(clock(&incident, "us_tx_attorney_general")["verified"], false, "an added entry says it is unchecked");
    assert!(incident["plan"].as_array().is_some_and(|p| p.len() >= 5), "the response plan is attached: {incident}");
    // The ledger has the facts, never what staff wrote.
    let index = incident["receipt"]["leaf_index"].as_u64().expect("receipt");
    let (_, entry) = s.get(&format!("/v1/ledger/entries/{index}")).await;
    let leaf =
        String::from_utf8(data_encoding::BASE64.decode(entry["leaf"].as_str().expect("leaf").as_bytes()).expect("b64")).expect("utf8");
    assert!(leaf.contains("incident.opened") && leaf.contains("high_risk") && !leaf.contains("A CSV with 300"), "{leaf}");
    assert!(!leaf.contains("wrong agency") && leaf.contains("title_sha256"), "the title only hashed: {leaf}");

    // Escalations with an injected clock, at the exact instants, once each however often the
    // timer runs.
    let incidents = s.service.incidents();
    let about = format!("{id}/gdpr_33_authority");
    let at = |d: Duration| aware + d;
    incidents.escalate(at(Duration::hours(23))).await.expect("tick");
    assert_eq!(firing(&s, "incidents").await, vec![], "nothing before half of any period");
    incidents.escalate(at(Duration::hours(24))).await.expect("tick");
    assert_eq!(
        firing(&s, "incidents").await,
        vec![("clock_overdue".into(), format!("{id}/gdpr_34_subjects"))],
        "undue delay: flagged after 24 h"
    );
    incidents.escalate(at(Duration::hours(36) - Duration::seconds(1))).await.expect("tick");
    assert!(!firing(&s, "incidents").await.contains(&("clock_half".into(), about.clone())));
    for _ in 0..2 {
        incidents.escalate(at(Duration::hours(36))).await.expect("tick");
    }
    assert!(firing(&s, "incidents").await.contains(&("clock_half".into(), about.clone())), "half of 72 hours");
    incidents.escalate(at(Duration::minutes(57 * 60 + 36))).await.expect("tick");
    let now_firing = firing(&s, "incidents").await;
    assert!(
        now_firing.contains(&("clock_eighty_percent".into(), about.clone())) && !now_firing.contains(&("clock_half".into(), about.clone())),
        "{now_firing:?}"
    );
    incidents.escalate(at(Duration::hours(72))).await.expect("tick");
    assert!(firing(&s, "incidents").await.contains(&("clock_overdue".into(), about.clone())));
    let (_, alerts) = s.get("/v1/alerts?source=incidents").await;
    let half = alerts.as_array().expect("alerts").iter().filter(|a| a["kind"] == "clock_half" && a["about"] == about.as_str()).count();
    assert_eq!(half, 1, "one alert per level");
    let message =
        alerts.as_array().expect("alerts").iter().find(|a| a["kind"] == "clock_overdue" && a["about"] == about.as_str()).expect("overdue")
            ["message"]
            .clone();
    assert!(message.as_str().unwrap_or_default().contains("supervisory authority"), "{message}");
    assert!(!message.as_str().unwrap_or_default().contains("wrong agency"), "alerts are kept in the clear, without the title: {message}");
    // Raised as a risk, the alert names its incident by title in the register.
    let overdue_id =
        alerts.as_array().expect("alerts").iter().find(|a| a["kind"] == "clock_overdue" && a["about"] == about.as_str()).expect("overdue")
            ["alert_id"]
            .clone();
    s.service
        .staff()
        .create_user("risk.owner@example.com", &[Role::PrivacyOfficer], Some("a long enough password".into()))
        .await
        .expect("user");
    let (st, risk) = s
        .call(Method::POST, "/v1/risks", Some(&s.admin_key), Some(json!({"alert_id": overdue_id, "owner": "risk.owner@example.com"})))
        .await;
    assert_eq!(st, 201, "{risk}");
    assert!(risk["title"].as_str().unwrap_or_default().contains("wrong agency"), "{risk}");

    // Notified 80 hours after awareness: late, so the reasons are required; the clock stops.
    let late = NotificationInput {
        duty: "gdpr_33_authority".into(),
        notified_at: Some(format_timestamp(&at(Duration::hours(80)))),
        reference: Some("DPA-2026-0042".into()),
        ..Default::default()
    };
    let e = incidents.notify_at(&id, late.clone(), "staff:test", at(Duration::hours(81))).await.expect_err("reasons needed");
    assert!(e.to_string().contains("late_reason") || format!("{e:?}").contains("late_reason"), "{e:?}");
    let with_reason = NotificationInput { late_reason: Some("The agency confirmed the deletion only on the third day.".into()), ..late };
    let v = incidents.notify_at(&id, with_reason.clone(), "staff:test", at(Duration::hours(81))).await.expect("recorded");
    assert_eq!(v.notifications[0].late_seconds, Some(8 * 3600));
    assert!(!firing(&s, "incidents").await.iter().any(|(_, a)| *a == about), "the clock's alerts settle");
    assert!(incidents.notify_at(&id, with_reason, "staff:test", at(Duration::hours(82))).await.is_err(), "one notification per duty");
    let (st, problem) = s.post(&format!("/v1/incidents/{id}/notifications"), json!({"duty": "gdpr_99"})).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("duty")), "{problem}");
    let (st, problem) = s.post(&format!("/v1/incidents/{id}/notifications"), json!({"duty": "gdpr_33_authority"})).await;
    assert_eq!(st, 409, "{problem}");
    // On time over HTTP: the residents of Texas told now.
    let (st, told) =
        s.post(&format!("/v1/incidents/{id}/notifications"), json!({"duty": "us_tx_residents", "reference": "letter v1"})).await;
    assert_eq!(st, 201, "{told}");
    assert_eq!(clock(&told, "us_tx_residents")["state"], "notified");
    let (_, read) = s.call(Method::GET, &format!("/v1/incidents/{id}"), Some(&reader), None).await;
    assert_eq!(clock(&read, "gdpr_33_authority")["state"], "notified_late");
    let gdpr = read["notifications"].as_array().and_then(|n| n.iter().find(|n| n["duty"] == "gdpr_33_authority")).expect("recorded");
    assert_eq!(
        (gdpr["late_reason"].as_str(), gdpr["late_seconds"].as_i64()),
        (Some("The agency confirmed the deletion only on the third day."), Some(8 * 3600))
    );

    // Letters need a delivery channel (this server has none).
    let letter = json!({"what_happened": "x", "consequences": "y", "measures": "z", "contact_point": "dpo@example.com"});
    let (st, problem) = s.post(&format!("/v1/incidents/{id}/letters"), letter).await;
    assert_eq!((st, problem["field"].as_str()), (422, Some("delivery")), "{problem}");

    // The incident file for the authority: JSON, and a PDF read back.
    let (st, file) = s.call(Method::GET, &format!("/v1/incidents/{id}/report?format=json"), Some(&reader), None).await;
    assert_eq!((st, file["incident_id"].as_str()), (200, Some(id.as_str())));
    let pdf = reqwest::Client::new()
        .get(format!("{}/v1/incidents/{id}/report?format=pdf", s.base_url))
        .bearer_auth(&reader)
        .send()
        .await
        .expect("pdf");
    assert_eq!(pdf.status(), 200);
    let text = custos_testkit::pdf_text(&pdf.bytes().await.expect("bytes"));
    for expected in
        ["Incident file: Campaign list sent to the wrong agency", "within 72 hours", "supervisory", "Late: The agency confirmed", "GDPR-33"]
    {
        assert!(text.contains(expected), "{expected} in {text}");
    }

    // New facts, new clocks: the risk reassessed as unlikely ends the Art. 34 duty and its alert.
    let (st, changed) = s
        .call(
            Method::PATCH,
            &format!("/v1/incidents/{id}"),
            Some(&s.admin_key),
            Some(json!({"risk_to_subjects": "unlikely", "containment": "The agency deleted the file.", "steps_done": ["contain"]})),
        )
        .await;
    assert_eq!(st, 200, "{changed}");
    assert!(!duties(&changed).contains(&"gdpr_34_subjects".to_owned()), "{changed}");
    assert!(!firing(&s, "incidents").await.iter().any(|(_, a)| a.ends_with("/gdpr_34_subjects")), "its alert settles");
    assert_eq!(
        s.call(Method::PATCH, &format!("/v1/incidents/{id}"), Some(&s.admin_key), Some(json!({"kind": "complaint"}))).await.1["field"],
        "kind"
    );
    s.stop().await;
}

async fn ai_act_clocks(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let aware = custos_core::now() - Duration::hours(2);
    let system = |role: &str| json!({"name": format!("Credit scoring ({role})"), "description": "Scores applicants", "business_owner": "Head of credit", "ai_act_role": role, "jurisdictions": ["DE"]});
    let (_, provider) = s.post("/v1/ai-systems", system("provider")).await;
    let (_, deployer) = s.post("/v1/ai-systems", system("deployer")).await;
    let open = |sys: &Value, kind: Option<&str>| {
        let mut b = json!({"kind": "ai_serious_incident", "title": "Wrongful refusals", "description": "The model refused every applicant over 60.",
                           "became_aware_at": format_timestamp(&aware), "ai_system_ids": [sys["ai_system_id"]]});
        if let Some(k) = kind {
            b["serious_incident_type"] = json!(k);
        }
        b
    };
    // A provider reports to the market surveillance authority: 15 days, 10 on a death, 2 for a
    // widespread infringement; the role comes from the inventory.
    for (kind, days) in [(None, 15), (Some("death"), 10), (Some("widespread_or_critical_infrastructure"), 2)] {
        let (st, i) = s.post("/v1/incidents", open(&provider, kind)).await;
        assert_eq!(st, 201, "{i}");
        assert_eq!(i["ai_act_role"], "provider");
        let report = clock(&i, "aia_73_report");
        assert_eq!(report["due_at"].as_str(), Some(format_timestamp(&(aware + Duration::days(days))).as_str()), "{kind:?}: {report}");
    }
    // A deployer informs the provider immediately (Art. 26(5)).
    let (_, i) = s.post("/v1/incidents", open(&deployer, None)).await;
    assert!(duties(&i).contains(&"aia_26_5_inform_provider".to_owned()) && !duties(&i).contains(&"aia_73_report".to_owned()), "{i}");
    assert_eq!(clock(&i, "aia_26_5_inform_provider")["deadline_type"], "without_undue_delay");
    // A complaint carries no legal clock.
    let (st, c) = s
        .post("/v1/incidents", json!({"kind": "complaint", "title": "Customer complaint about an offer", "description": "Felt pressured."}))
        .await;
    assert_eq!((st, c["clocks"].clone()), (201, json!([])), "{c}");

    // The console: a privacy officer watches the clocks on the overview and the incident page.
    s.service.staff().create_user("olga@example.com", &[Role::PrivacyOfficer], Some("a long enough password".into())).await.expect("user");
    let mut b = Browser::new(&s);
    b.login("olga@example.com", "a long enough password").await;
    let (st, page, _) = b.get("/console").await;
    assert_eq!(st, 200);
    assert!(
        page.contains("Incident deadlines") && page.contains("Notify the provider of the AI system") && page.contains("Wrongful refusals"),
        "{page}"
    );
    let (_, page, _) = b.get(&format!("/console/incidents/{}", i["incident_id"].as_str().expect("id"))).await;
    assert!(page.contains("The model refused every applicant over 60.") && page.contains("Response plan"), "{page}");
    let (_, list, _) = b.get("/console/incidents").await;
    assert!(list.contains("Customer complaint about an offer") && list.contains("No legal deadline"), "{list}");
    s.stop().await;
}

/// The service on its own clock: an incident opened in the past fires what is due at once.
async fn opening_late_escalates_at_once(backend: Backend) {
    let Some(s) = TestServer::start(backend).await else { return };
    let t0 = parse_timestamp("2026-11-02T09:00:00Z").expect("time");
    let input = IncidentInput {
        kind: Some("personal_data_breach".into()),
        title: Some("Laptop stolen".into()),
        description: Some("An unencrypted laptop with a customer export was stolen.".into()),
        became_aware_at: Some(format_timestamp(&t0)),
        jurisdictions: Some(vec!["IE".into()]),
        ..Default::default()
    };
    let v = s.service.incidents().create_at(input, "staff:test", t0 + Duration::hours(60)).await.expect("opened");
    assert_eq!(v.clocks.len(), 1, "risk (not high): the authority only");
    assert!(
        firing(&s, "incidents").await.contains(&("clock_eighty_percent".into(), format!("{}/gdpr_33_authority", v.incident.incident_id)))
    );
    s.stop().await;
}

/// A delivery that keeps the letters it was asked to send.
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

/// The people affected told by a templated letter through the delivery channel; the letters
/// meet the Art. 34 duty and stop its clock.
async fn letters_to_the_people_affected(backend: Backend) {
    let capture = std::sync::Arc::new(Capture::default());
    let delivery = capture.clone();
    let Some(s) =
        TestServer::start_with(backend, move |state| custos_server::AppState::new(state.service().clone().with_code_delivery(delivery)))
            .await
    else {
        return;
    };
    let (_, ann) = s
        .post("/v1/subjects", json!({"external_id": "ann", "jurisdiction": "DE", "data": {"user.contact.email": "ann@example.org"}}))
        .await;
    let (_, bo) = s.post("/v1/subjects", json!({"external_id": "bo", "jurisdiction": "FR", "data": {}})).await;
    let (st, incident) = s
        .post(
            "/v1/incidents",
            json!({"kind": "personal_data_breach", "title": "Statements mailed to the wrong customers", "description": "A print run mixed envelopes.",
                   "subject_ids": [ann["subject_id"], bo["subject_id"]], "risk_to_subjects": "high_risk"}),
        )
        .await;
    assert_eq!(st, 201, "{incident}");
    assert_eq!(incident["jurisdictions"], json!(["DE", "FR"]), "from the subjects");
    let id = incident["incident_id"].as_str().expect("id").to_owned();
    let path = format!("/v1/incidents/{id}/letters");
    let letter = json!({"what_happened": "Your March statement was mailed to another customer.", "consequences": "They could read your balance.",
                        "measures": "We asked them to destroy it; watch for unusual contacts.", "contact_point": "dpo@example.com", "duty": "gdpr_34_subjects"});
    for (change, status, field) in [
        (json!({"what_happened": ""}), 400, "what_happened"),
        (json!({"contact_point": "   "}), 400, "contact_point"),
        (json!({"duty": "gdpr_99"}), 422, "duty"),
        (json!({"colour": "red"}), 400, "colour"),
    ] {
        let mut body = letter.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let (st, problem) = s.post(&path, body.clone()).await;
        assert_eq!((st, problem["field"].as_str()), (status, Some(field)), "{body} -> {problem}");
    }
    assert_eq!(capture.0.lock().expect("lock").len(), 0, "nothing sent on bad input");
    let (st, report) = s.post(&path, letter.clone()).await;
    assert_eq!(st, 200, "{report}");
    assert_eq!((report["sent"].as_u64(), report["no_contact"].as_u64(), report["failed"].as_u64()), (Some(1), Some(1), Some(0)));
    let sent = capture.0.lock().expect("lock").clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "ann@example.org");
    for words in ["Your March statement was mailed to another customer.", "contact: dpo@example.com", "GDPR Art. 34"] {
        assert!(sent[0].1.contains(words), "{words} in {}", sent[0].1);
    }
    assert_eq!(clock(&report["incident"], "gdpr_34_subjects")["state"], "notified");
    assert_eq!(s.post(&path, letter).await.0, 409, "the duty is met already");
    s.stop().await;
}

backend_tests!(breach_clocks, ai_act_clocks, opening_late_escalates_at_once, letters_to_the_people_affected);
