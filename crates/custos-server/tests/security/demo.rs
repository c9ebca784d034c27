//! The demo outbox page lists only the demo's own subjects' codes: a subject created through the
//! API on a demo server never has its e-mail address or code shown there.

use custos_testkit::{Backend, Browser, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_shows_demo_subjects_only() {
    let s = TestServer::start_with(Backend::Sqlite, |state| custos_server::AppState::new(state.service().clone().with_demo_outbox(5)))
        .await
        .expect("sqlite");
    s.service.demo().seed(5, 7, |_| {}).await.expect("seed");
    let (st, body) = s
        .post(
            "/v1/subjects",
            json!({"external_id": "real-customer-1", "jurisdiction": "DE", "data": {"user.contact.email": "real.person@example.com"}}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    // An API subject named like a demo one past the demo's range is not the demo's either.
    let (st, body) = s
        .post(
            "/v1/subjects",
            json!({"external_id": "demo-000005", "jurisdiction": "DE", "data": {"user.contact.email": "lookalike@example.com"}}),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    let mut b = Browser::new(&s);
    for id in ["real-customer-1", "demo-000005", "demo-000001"] {
        let (st, page, _) = b.post("/privacy/start", &[("external_id", id)]).await;
        assert!(st == 200 && page.contains("a code is on its way"), "{id}: {page}");
    }
    s.service.settled().await;
    let (_, page, _) = b.get("/privacy/start").await;
    assert!(!page.contains("real.person@example.com"), "an API subject's address is on the open page");
    assert!(!page.contains("lookalike@example.com"), "a look-alike's address is on the open page");
    assert_eq!(page.matches("<code>").count(), 1, "only the demo subject's code is listed: {page}");
}
