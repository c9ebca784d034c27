//! Slow and greedy clients cannot hold the server: half-sent headers, idle keep-alive
//! connections and bodies that never arrive are cut off by their timeouts, connections past the
//! limit are closed at once, and a request over its time budget is answered 503.

use std::time::{Duration, Instant};

use custos_server::ServeOptions;
use custos_testkit::{Backend, TestServer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

fn quick() -> ServeOptions {
    ServeOptions {
        header_read_timeout: Duration::from_secs(1),
        body_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(5),
        max_connections: 64,
        tls: None,
    }
}

fn addr(s: &TestServer) -> String {
    s.base_url.trim_start_matches("http://").to_owned()
}

/// Reads until the server closes the connection (or `limit` passes); returns what was read
/// and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_idle_connections_and_missing_bodies_are_cut_off() {
    let s = TestServer::start_with_options(Backend::Sqlite, quick()).await.expect("sqlite");
    let address = addr(&s);

    // 50 connections that never finish their headers.
    let mut half = Vec::new();
    for _ in 0..50 {
        let mut c = TcpStream::connect(&address).await.expect("connect");
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("write");
        half.push(c);
    }
    let started = Instant::now();
    for c in &mut half {
        let (_, closed) = read_until_closed(c, Duration::from_secs(8)).await;
        assert!(closed, "a half-sent header was still open after {:?}", started.elapsed());
    }

    // An idle keep-alive connection after a full request.
    let mut c = TcpStream::connect(&address).await.expect("connect");
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut first = [0u8; 12];
    c.read_exact(&mut first).await.expect("response");
    assert_eq!(&first, b"HTTP/1.1 200");
    let (_, closed) = read_until_closed(&mut c, Duration::from_secs(8)).await;
    assert!(closed, "an idle keep-alive connection stayed open");

    // A body announced and never sent.
    let key = s.admin_key.clone();
    let mut c = TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /v1/purposes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"key\":"
    );
    c.write_all(head.as_bytes()).await.expect("write");
    let (answer, closed) = read_until_closed(&mut c, Duration::from_secs(8)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "a missing body: {answer:?} closed={closed}");
    assert!(answer.contains("application/problem+json") && answer.contains("body-timeout"), "{answer}");
    // Nothing was written.
    let (_, purposes) = s.get("/v1/purposes").await;
    assert_eq!(purposes.as_array().map_or(0, Vec::len), 0, "{purposes}");

    // The server still serves.
    let (status, _) = s.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_limit_are_closed_and_slots_come_back() {
    let s = TestServer::start_with_options(Backend::Sqlite, ServeOptions { max_connections: 4, ..quick() }).await.expect("sqlite");
    let address = addr(&s);
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut c = TcpStream::connect(&address).await.expect("connect");
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("write");
        held.push(c);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(&address).await.expect("connect");
    let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let (answer, closed) = read_until_closed(&mut extra, Duration::from_millis(900)).await;
    assert!(closed && answer.is_empty(), "a fifth connection was served: {answer:?}");
    // Once the slow ones time out, the slots are free again.
    for c in &mut held {
        let (_, closed) = read_until_closed(c, Duration::from_secs(8)).await;
        assert!(closed);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, _) = s.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_over_its_budget_is_a_503() {
    let s = TestServer::start_with_options(Backend::Sqlite, ServeOptions { request_timeout: Duration::from_micros(1), ..quick() })
        .await
        .expect("sqlite");
    let (status, problem) = s
        .post(
            "/v1/subjects",
            serde_json::json!({"external_id": "slow-1", "jurisdiction": "DE", "data": {"user.contact.email": "s@example.org"}}),
        )
        .await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(problem["type"], "urn:custos:problem:request-timeout");
}

/// With a certificate and key the server speaks HTTPS (and every answer carries nosniff).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_certificate_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");
    let options = ServeOptions { tls: Some(custos_server::TlsFiles { cert, key }), ..quick() };
    let s = TestServer::start_with_options(Backend::Sqlite, options).await.expect("sqlite");

    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).expect("root");
    let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = TcpStream::connect(addr(&s)).await.expect("connect");
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("TLS handshake");
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut answer = String::new();
    let _ = tls.read_to_string(&mut answer).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-content-type-options: nosniff"), "{answer}");

    // Plain HTTP to the TLS port is not served.
    let mut plain = TcpStream::connect(addr(&s)).await.expect("connect");
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let (answer, _) = read_until_closed(&mut plain, Duration::from_secs(5)).await;
    assert!(!answer.contains("200 OK"), "{answer}");
}

/// Every answer says nosniff; every HTML page carries a content security policy and refuses
/// framing, the standalone fairness report included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_the_security_headers() {
    let s = TestServer::start(Backend::Sqlite).await.expect("sqlite");
    for path in ["/console/login", "/privacy/start", "/openapi.json", "/healthz", "/no/such/page", "/v1/purposes"] {
        let response = s.client.get(format!("{}{path}", s.base_url)).send().await.expect("get");
        let headers = response.headers();
        assert_eq!(headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"), "{path}");
        let html = headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
        if html {
            let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp:?}");
            assert!(headers.get("x-frame-options").is_some(), "{path}");
        }
    }
}
