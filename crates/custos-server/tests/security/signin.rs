//! Sign-in abuse: refusals that tell nothing (the same status, the same page and the same one
//! password check for an unknown email, a wrong password and a locked-out address), lockouts
//! that stop the attacker's address but not the owner, rate limits per client address and for
//! everyone, and client addresses taken from `X-Forwarded-For` only from trusted proxies.

use custos_testkit::{Backend, Browser, TestServer, urlencoded};
use serde_json::json;

async fn server_behind_a_proxy() -> TestServer {
    TestServer::start_with(Backend::Sqlite, |state| state.with_trusted_proxies(vec!["127.0.0.1/32".parse().expect("net")]))
        .await
        .expect("sqlite")
}

/// `POST path` with a form, as the client at `from` behind the proxy: status and body.
async fn post_from(s: &TestServer, from: &str, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = client
        .post(format!("{}{path}", s.base_url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", from)
        .body(urlencoded(form))
        .send()
        .await
        .expect("post");
    (response.status().as_u16(), response.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_uniform_and_lockouts_stop_only_the_attacker() {
    let s = server_behind_a_proxy().await;
    s.service
        .staff()
        .create_user("owner@example.com", &[custos_core::Role::Admin], Some("the owner's long password".into()))
        .await
        .expect("staff");
    let attacker = "203.0.113.5";
    let login = |email: &'static str, password: &'static str| [("email", email), ("password", password)];

    // Five wrong passwords from the attacker's address lock that address out of the account.
    for _ in 0..5 {
        let (status, _) = post_from(&s, attacker, "/console/login", &login("owner@example.com", "guess")).await;
        assert_eq!(status, 401);
    }
    // Now the three refusals: unknown email, wrong password (from a fresh address), and the
    // right password from the locked-out address. Each costs one password check.
    let mut answers = Vec::new();
    for (from, email, password) in [
        ("203.0.113.6", "nobody@example.com", "guess"),
        ("203.0.113.7", "owner@example.com", "guess"),
        (attacker, "owner@example.com", "the owner's long password"),
    ] {
        let before = s.service.staff().password_checks();
        let (status, page) = post_from(&s, from, "/console/login", &[("email", email), ("password", password)]).await;
        assert_eq!(s.service.staff().password_checks() - before, 1, "{email} from {from}: one password check");
        answers.push((status, page.replace(email, "EMAIL")));
    }
    assert_eq!(answers[0].0, 401);
    assert!(answers.iter().all(|a| *a == answers[0]), "the refusals differ: {:#?}", answers.iter().map(|a| a.0).collect::<Vec<_>>());

    // The owner, from their own address, signs in.
    let (status, page) = post_from(&s, "198.51.100.7", "/console/login", &login("owner@example.com", "the owner's long password")).await;
    assert_eq!(status, 303, "the owner is not locked out: {page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // No trusted proxies: whatever X-Forwarded-For says, every attempt is the peer's.
    // The twelve attempts go at once: the per-client burst is 10 and one more comes back every
    // 3 s, so sent one after another on a loaded machine (a debug-build password check each)
    // the bucket could refill between them and the test would say nothing about headers.
    let s = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..12 {
        let url = format!("{}/console/login", s.base_url);
        attempts.spawn(async move {
            let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
            let response = client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-forwarded-for", format!("203.0.113.{i}"))
                .body(urlencoded(&[("email", "x@example.com"), ("password", "y")]))
                .send()
                .await
                .expect("post");
            response.status().as_u16()
        });
    }
    let statuses = attempts.join_all().await;
    assert!(statuses.contains(&429), "rotating a header must not escape the per-client limit: {statuses:?}");
    // Behind a trusted proxy the forwarded addresses are distinct clients.
    let s = server_behind_a_proxy().await;
    for i in 0..12 {
        let (status, _) =
            post_from(&s, &format!("203.0.113.{i}"), "/console/login", &[("email", "x@example.com"), ("password", "y")]).await;
        assert_eq!(status, 401, "client {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_guessing_is_limited_per_client_and_for_everyone() {
    let s = server_behind_a_proxy().await;
    let (st, body) = s
        .post("/v1/subjects", json!({"external_id": "cust-1", "jurisdiction": "DE", "data": {"user.contact.email": "c1@example.org"}}))
        .await;
    assert_eq!(st, 201, "{body}");
    // Sign-in by code is off without a delivery; the limits apply to the guesses anyway.
    let guess = |code: String| vec![("external_id".to_owned(), "cust-1".to_owned()), ("code".to_owned(), code)];
    let mut first_429 = None;
    for i in 0..30 {
        let form = guess(format!("{i:06}"));
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _) = post_from(&s, "203.0.113.9", "/privacy/code", &form).await;
        if status == 429 {
            first_429 = Some(i);
            break;
        }
    }
    let first = first_429.expect("one client's guesses are limited");
    assert!(first <= 12, "a client got {first} guesses in a burst");
    // Many clients together hit the limit for everyone.
    let mut limited = false;
    for i in 0..400 {
        let form = guess("000000".into());
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _) = post_from(&s, &format!("10.{}.{}.1", i / 250, i % 250), "/privacy/code", &form).await;
        if status == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "400 guesses from 400 addresses in a burst were all answered");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_for_a_code_answers_the_same_for_customers_and_strangers() {
    let s = TestServer::start_with(Backend::Sqlite, |state| custos_server::AppState::new(state.service().clone().with_demo_outbox(0)))
        .await
        .expect("sqlite");
    let (st, body) = s
        .post("/v1/subjects", json!({"external_id": "cust-2", "jurisdiction": "DE", "data": {"user.contact.email": "c2@example.org"}}))
        .await;
    assert_eq!(st, 201, "{body}");
    let mut b = Browser::new(&s);
    let (known_status, known_page, _) = b.post("/privacy/start", &[("external_id", "cust-2")]).await;
    let (unknown_status, unknown_page, _) = b.post("/privacy/start", &[("external_id", "stranger-9")]).await;
    assert_eq!(known_status, 200);
    assert_eq!((known_status, known_page.replace("cust-2", "ID")), (unknown_status, unknown_page.replace("stranger-9", "ID")));
}
