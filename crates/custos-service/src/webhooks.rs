//! Webhooks: signed JSON announcements of what oversight (and later every domain) did, queued
//! in the transaction of the change, delivered with retries and backoff, every attempt kept.
//!
//! Signing: `Custos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`, the
//! secret being the text shown once when the endpoint was added. Secrets are derived from the
//! deployment's root secret and the endpoint id, so none is stored. Targets must be `https://`,
//! or on the allow-list (`--webhook-allow-hosts`); an address that is private, loopback,
//! link-local or otherwise not public is refused unless its host is allow-listed, checked when
//! the endpoint is added and again, after resolving the name, at every delivery (the
//! connection then goes to the address that was checked).

use std::net::{IpAddr, SocketAddr};

use custos_core::{Timestamp, WebhookEvent, now};
use custos_store::webhooks::{AttemptRecord, DeliveryRecord, WebhookRecord};
use hmac::{KeyInit as _, Mac as _};
use serde_json::Value;

use crate::{Service, ServiceError};

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: u32 = 8;

/// How long to wait before attempt `n + 1` after `n` failed: 10 s, 20 s, 40 s, ... at most an
/// hour.
pub fn backoff(attempts: u32) -> chrono::Duration {
    chrono::Duration::seconds((10_i64 << attempts.min(12)).min(3600))
}

/// Adds an endpoint.
#[derive(Debug, Clone)]
pub struct WebhookInput {
    /// Where to deliver.
    pub url: String,
    /// Which events (at least one).
    pub events: Vec<WebhookEvent>,
}

/// An endpoint; its secret only in the answer that added it.
#[derive(Debug, Clone)]
pub struct WebhookView {
    /// The endpoint.
    pub webhook: WebhookRecord,
    /// The events it gets.
    pub events: Vec<WebhookEvent>,
    /// The signing secret (shown once).
    pub secret: Option<String>,
}

/// A delivery with its attempts.
pub type DeliveryView = (DeliveryRecord, Vec<AttemptRecord>);

/// Whether an address is one a webhook may not reach unless allow-listed.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// The host and port of a target URL, checked against the scheme rule.
fn target(url: &str, allow: &[String]) -> Result<(url::Url, String, u16, bool), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("is not a URL ({e})"))?;
    let host = parsed.host_str().ok_or("has no host")?.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let port = parsed.port_or_known_default().ok_or("has no port")?;
    let allowed = allow.iter().any(|a| a.eq_ignore_ascii_case(&host));
    match parsed.scheme() {
        "https" => {}
        "http" if allowed => {}
        "http" => return Err(format!("must be https:// (or `{host}` allow-listed with --webhook-allow-hosts)")),
        other => return Err(format!("uses `{other}`; only https:// is allowed")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("must not carry a user name or password".into());
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && is_internal(ip)
        && !allowed
    {
        return Err(format!("points at a private or local address ({ip}); allow-list it with --webhook-allow-hosts"));
    }
    Ok((parsed, host, port, allowed))
}

/// The signature header value of `body` sent at `t` (unix seconds) under `secret`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes()))
}

/// Queues `event` with `payload` for every endpoint that wants it, inside the write that made
/// the change (so an announcement exists exactly when the change does).
pub(crate) async fn announce(tx: &mut custos_store::Tx, event: WebhookEvent, payload: Value, at: &Timestamp) -> Result<(), ServiceError> {
    let endpoints = custos_store::webhooks::live(tx).await?;
    for w in endpoints.iter().filter(|w| w.events.iter().any(|e| e == event.as_str())) {
        let delivery_id = uuid::Uuid::now_v7().to_string();
        let body = serde_json::json!({
            "delivery_id": delivery_id,
            "event": event.as_str(),
            "occurred_at": custos_core::format_timestamp(at),
            "data": payload,
        });
        let record = DeliveryRecord {
            delivery_id,
            webhook_id: w.webhook_id.clone(),
            event: event.as_str().to_owned(),
            body: body.to_string(),
            status: custos_core::DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: *at,
            created_at: *at,
            delivered_at: None,
        };
        custos_store::webhooks::enqueue(tx, &record).await?;
    }
    Ok(())
}

/// Webhook endpoints and their deliveries.
#[derive(Clone, Copy)]
pub struct Webhooks<'a>(pub(crate) &'a Service);

impl Webhooks<'_> {
    fn secret(&self, webhook_id: &str) -> String {
        data_encoding::HEXLOWER.encode(&self.0.store.keyring().digest("webhook-secret", webhook_id.as_bytes()))
    }

    /// Adds an endpoint; the answer carries its signing secret, shown only now.
    pub async fn create(&self, input: WebhookInput) -> Result<WebhookView, ServiceError> {
        if input.url.len() > 2000 {
            return Err(ServiceError::invalid("url", "must be at most 2000 characters"));
        }
        target(&input.url, &self.0.config.webhook_allow_hosts).map_err(|why| ServiceError::invalid("url", why))?;
        if input.events.is_empty() {
            return Err(ServiceError::invalid("events", "name at least one event"));
        }
        let mut events = input.events.clone();
        events.sort();
        events.dedup();
        let record = WebhookRecord {
            webhook_id: uuid::Uuid::now_v7().to_string(),
            url: input.url,
            events: events.iter().map(|e| e.as_str().to_owned()).collect(),
            created_at: now(),
            deleted_at: None,
        };
        self.0.write(async |tx| Ok(custos_store::webhooks::insert(tx, &record).await?)).await?;
        let secret = Some(self.secret(&record.webhook_id));
        Ok(WebhookView { webhook: record, events, secret })
    }

    /// The endpoints in use.
    pub async fn list(&self) -> Result<Vec<WebhookView>, ServiceError> {
        let all = self.0.read(async |tx| Ok(custos_store::webhooks::live(tx).await?)).await?;
        Ok(all
            .into_iter()
            .map(|w| WebhookView {
                events: w.events.iter().filter_map(|e| WebhookEvent::parse(e).ok()).collect(),
                webhook: w,
                secret: None,
            })
            .collect())
    }

    /// Removes an endpoint; what it had pending is not sent.
    pub async fn delete(&self, webhook_id: &str) -> Result<(), ServiceError> {
        let id =
            uuid::Uuid::try_parse(webhook_id).map_err(|_| ServiceError::invalid("webhook_id", "is not a valid id (expected a UUID)"))?;
        let at = now();
        let gone = self.0.write(async |tx| Ok(custos_store::webhooks::delete(tx, &id.to_string(), &at).await?)).await?;
        if gone { Ok(()) } else { Err(ServiceError::NotFound { resource: "webhook" }) }
    }

    /// The latest deliveries to an endpoint (at most 100), newest first, with every attempt.
    pub async fn deliveries(&self, webhook_id: &str) -> Result<Vec<DeliveryView>, ServiceError> {
        let id =
            uuid::Uuid::try_parse(webhook_id).map_err(|_| ServiceError::invalid("webhook_id", "is not a valid id (expected a UUID)"))?;
        self.0.read(async |tx| Ok(custos_store::webhooks::deliveries(tx, &id.to_string(), 100).await?)).await
    }

    /// Sends the deliveries due at `at` (at most 100); returns how many were delivered. A
    /// failure is recorded and retried after [`backoff`], up to [`MAX_ATTEMPTS`].
    pub async fn deliver_due(&self, at: Timestamp) -> Result<usize, ServiceError> {
        let due = self.0.read(async |tx| Ok(custos_store::webhooks::due(tx, &at, 100).await?)).await?;
        let mut delivered = 0;
        for (mut d, url) in due {
            let secret = self.secret(&d.webhook_id);
            let result = send(&url, &d, &secret, &self.0.config.webhook_allow_hosts).await;
            d.attempts += 1;
            let attempt = AttemptRecord {
                delivery_id: d.delivery_id.clone(),
                attempt: d.attempts,
                attempted_at: now(),
                status_code: result.as_ref().ok().copied().or_else(|| result.as_ref().err().and_then(|(c, _)| *c)),
                error: result.as_ref().err().map(|(_, e)| e.clone()),
            };
            if result.is_ok() {
                d.status = custos_core::DeliveryStatus::Delivered;
                d.delivered_at = Some(attempt.attempted_at);
                delivered += 1;
            } else if d.attempts >= MAX_ATTEMPTS {
                d.status = custos_core::DeliveryStatus::Failed;
                tracing::warn!(delivery_id = %d.delivery_id, "webhook delivery given up after {MAX_ATTEMPTS} attempts");
            } else {
                d.next_attempt_at = at + backoff(d.attempts);
            }
            self.0.write(async |tx| Ok(custos_store::webhooks::record_attempt(tx, &d, &attempt).await?)).await?;
        }
        Ok(delivered)
    }
}

/// One attempt: the status code on a 2xx answer, else the status (if any) and what went wrong.
/// The connection goes to the address that was checked (no second lookup to rebind), TLS
/// verified against the system's roots, with no redirects followed, within ten seconds.
async fn send(url: &str, d: &DeliveryRecord, secret: &str, allow: &[String]) -> Result<u16, (Option<u16>, String)> {
    let (parsed, host, port, allowed) = target(url, allow).map_err(|e| (None, format!("the URL {e}")))?;
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((host.as_str(), port)).await.map_err(|e| (None, format!("cannot resolve {host}: {e}")))?.collect();
    let Some(addr) = addrs.first().copied() else { return Err((None, format!("{host} has no address"))) };
    if !allowed && addrs.iter().any(|a| is_internal(a.ip())) {
        return Err((None, format!("{host} resolves to a private or local address; refused")));
    }
    let path = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    let authority = match parsed.port() {
        Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or_default()),
        None => parsed.host_str().unwrap_or_default().to_owned(),
    };
    let t = chrono::Utc::now().timestamp();
    let request = hyper::Request::post(path)
        .header(hyper::header::HOST, authority)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, concat!("custos/", env!("CARGO_PKG_VERSION")))
        .header("custos-event", &d.event)
        .header("custos-delivery", &d.delivery_id)
        .header("custos-signature", signature(secret, t, &d.body))
        .body(http_body_util::Full::new(bytes::Bytes::from(d.body.clone())))
        .map_err(|e| (None, format!("the request could not be built: {e}")))?;
    let https = parsed.scheme() == "https";
    let exchange = async move {
        let stream = tokio::net::TcpStream::connect(addr).await.map_err(|e| (None, format!("cannot connect to {addr}: {e}")))?;
        if https {
            let name = rustls_pki_types::ServerName::try_from(host.clone()).map_err(|e| (None, format!("{host}: {e}")))?;
            let tls = tls_connector()?.connect(name, stream).await.map_err(|e| (None, format!("TLS with {host} failed: {e}")))?;
            exchange(hyper_util::rt::TokioIo::new(tls), request).await
        } else {
            exchange(hyper_util::rt::TokioIo::new(stream), request).await
        }
    };
    let code = tokio::time::timeout(std::time::Duration::from_secs(10), exchange)
        .await
        .map_err(|_| (None, "no answer within 10 seconds".to_owned()))??;
    if (200..300).contains(&code) { Ok(code) } else { Err((Some(code), format!("the endpoint answered {code}"))) }
}

/// Sends one request over an open connection and returns the answer's status.
async fn exchange<IO>(io: IO, request: hyper::Request<http_body_util::Full<bytes::Bytes>>) -> Result<u16, (Option<u16>, String)>
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.map_err(|e| (None, format!("HTTP failed: {e}")))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let response = sender.send_request(request).await.map_err(|e| (None, format!("sending failed: {e}")))?;
    Ok(response.status().as_u16())
}

/// A TLS client trusting the system's certificate authorities (ring, as the server).
fn tls_connector() -> Result<tokio_rustls::TlsConnector, (Option<u16>, String)> {
    static CONFIG: std::sync::OnceLock<Result<std::sync::Arc<tokio_rustls::rustls::ClientConfig>, String>> = std::sync::OnceLock::new();
    let config = CONFIG.get_or_init(|| {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        for cert in found.certs {
            let _ = roots.add(cert);
        }
        if roots.is_empty() {
            return Err("no trusted certificate authorities were found on this system".to_owned());
        }
        let provider = std::sync::Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| std::sync::Arc::new(b.with_root_certificates(roots).with_no_client_auth()))
            .map_err(|e| e.to_string())
    });
    config.as_ref().map(|c| tokio_rustls::TlsConnector::from(c.clone())).map_err(|e| (None, e.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_must_be_public_https_or_allow_listed() {
        let none: Vec<String> = Vec::new();
        assert!(target("https://hooks.example.com/custos", &none).is_ok());
        for bad in [
            "http://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/x",
            "https://[fe80::1]/x",
            "https://[::ffff:192.168.0.1]/x",
            "https://100.64.0.1/x",
            "ftp://example.com/x",
            "https://user:pw@example.com/x",
            "not a url",
        ] {
            assert!(target(bad, &none).is_err(), "{bad}");
        }
        let allow = vec!["127.0.0.1".to_owned()];
        assert!(target("http://127.0.0.1:8080/hook", &allow).is_ok());
        assert!(target("http://10.0.0.1/hook", &allow).is_err());
    }

    #[test]
    fn signatures_are_hmac_of_time_and_body_and_backoff_grows() {
        // RFC 4231-style check: the same inputs, the same MAC; another body, another MAC.
        let a = signature("secret", 1_700_000_000, "{\"a\":1}");
        assert!(a.starts_with("t=1700000000,v1=") && a.len() == "t=1700000000,v1=".len() + 64);
        assert_eq!(a, signature("secret", 1_700_000_000, "{\"a\":1}"));
        assert_ne!(a, signature("secret", 1_700_000_000, "{\"a\":2}"));
        assert_ne!(a, signature("secret", 1_700_000_001, "{\"a\":1}"));
        assert_eq!(backoff(1), chrono::Duration::seconds(20));
        assert_eq!(backoff(20), chrono::Duration::seconds(3600));
    }
}
