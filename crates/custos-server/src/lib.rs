//! The custos HTTP API.
//!
//! [`router`] builds the axum router over an [`AppState`]; [`serve`] runs it on a listener
//! until a shutdown signal. Handlers are thin: they authenticate, check the scope, extract the
//! request document and call one [`custos_service::Service`] method. Errors are RFC 9457
//! `application/problem+json` documents ([`ApiError`]) with a stable `type` and the name of
//! the offending field; the server never answers 500 for a client's mistake. The OpenAPI 3.1
//! document is generated from the handlers ([`openapi`]) and served at `/openapi.json`.

mod dto;
mod error;
mod extract;
mod guard;
mod listen;
mod metrics;
mod openapi;
mod routes;

use std::{future::Future, sync::Arc, time::Instant};

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    middleware::{self, Next},
    response::Response,
};
use custos_service::Service;

pub use error::ApiError;
pub use listen::{ServeOptions, TlsFiles};
pub use metrics::{Metrics, metrics_router};
pub use openapi::openapi;

/// Largest accepted request body. Personal-data documents are small; anything larger is a
/// mistake or an attack.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    service: Service,
    openapi_json: Arc<String>,
    presidio: PresidioApi,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxies`).
    trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Prometheus metrics (served by [`metrics_router`] on their own address).
    metrics: Arc<Metrics>,
    /// Origins whose pages may run the consent snippet (`--embed-origin`).
    embed_origins: Arc<Vec<String>>,
}

/// Whether Presidio's own paths (`/analyze`, `/anonymize`, ...) are served, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PresidioApi {
    /// Not served (the default).
    #[default]
    Off,
    /// Served; callers present a key with scope `pii`, as on `/v1/pii/*`.
    Authenticated,
    /// Served without authentication. Only for a loopback listener: the CLI refuses it otherwise.
    NoAuth,
}

impl AppState {
    /// State over a service.
    pub fn new(service: Service) -> Self {
        let openapi_json = serde_json::to_string_pretty(&openapi()).unwrap_or_else(|_| "{}".to_owned());
        Self {
            service,
            openapi_json: Arc::new(openapi_json),
            presidio: PresidioApi::Off,
            trusted_proxies: Arc::default(),
            metrics: Arc::default(),
            embed_origins: Arc::default(),
        }
    }

    /// The same state letting pages from these origins (`https://shop.example`, scheme, host
    /// and port as browsers send them in `Origin`) run the consent snippet.
    pub fn with_embed_origins(mut self, origins: Vec<String>) -> Self {
        self.embed_origins = Arc::new(origins);
        self
    }

    pub(crate) fn embed_origins(&self) -> &[String] {
        &self.embed_origins
    }

    /// The same state believing `X-Forwarded-For` from these proxies (addresses or networks):
    /// behind a reverse proxy, the client address (which sign-ins are throttled by) is the last
    /// address in that header not itself a trusted proxy. From any other peer the header is
    /// ignored, so a client cannot choose its own address.
    pub fn with_trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// The same state with Presidio's paths served as `presidio` says.
    pub fn with_presidio_api(mut self, presidio: PresidioApi) -> Self {
        self.presidio = presidio;
        self
    }

    pub(crate) fn presidio_no_auth(&self) -> bool {
        self.presidio == PresidioApi::NoAuth
    }

    /// The service behind the API.
    pub fn service(&self) -> &Service {
        &self.service
    }
}

/// The full router: `/healthz`, `/openapi.json`, the authenticated `/v1` API and the staff
/// console under `/console` (its own sessions, see `custos-web`).
pub fn router(state: AppState) -> Router {
    let console = custos_web::router(state.service().clone());
    let proxies = state.trusted_proxies.clone();
    let metrics = state.metrics.clone();
    let base = if state.presidio == PresidioApi::Off { routes::router() } else { routes::router().merge(routes::presidio_router()) };
    base.layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
        .merge(console)
        // After routing, so a bad path segment is named by its route parameter.
        .route_layer(middleware::from_fn(guard::reject_bad_text))
        .fallback(|| async { ApiError::not_found_route() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(move |request: Request, next: Next| client_address(request, next, proxies.clone())))
        .layer(middleware::from_fn(move |request: Request, next: Next| log_request(request, next, metrics.clone())))
}

/// Serves `router(state)` on `listener` with the default [`ServeOptions`] until `shutdown`
/// resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, ServeOptions::default(), shutdown).await
}

/// Serves `router(state)` on `listener` within `options` (timeouts, connection limit, TLS)
/// until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: AppState,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Checkpoints are published every second while leaves arrive, and once more on the way
    // out, so every change acknowledged before shutdown is covered by a signature.
    let service = state.service().clone();
    let publishing = service.clone();
    let publisher = tokio::spawn(async move { publishing.ledger().run_publisher(std::future::pending()).await });
    // Fairness audits run beside the API; one interrupted by shutdown is queued again at the
    // next start.
    let auditing = service.clone();
    let auditor = tokio::spawn(async move { auditing.fairness().run_worker(std::future::pending()).await });
    let served = listen::run(listener, router(state), options, shutdown).await;
    auditor.abort();
    publisher.abort();
    if let Err(e) = service.ledger().publish_checkpoint().await {
        tracing::error!(error = %e, "publishing the final ledger checkpoint failed");
    }
    served
}

/// Puts the client's address in the request ([`custos_web::ClientAddress`]): the peer, or,
/// when the peer is a trusted proxy, the last address in `X-Forwarded-For` that is not one.
async fn client_address(mut request: Request, next: Next, proxies: Arc<Vec<ipnet::IpNet>>) -> Response {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let trusted = |ip: &std::net::IpAddr| proxies.iter().any(|net| net.contains(ip));
    let client = match peer {
        Some(peer) if trusted(&peer) => {
            let forwarded: Vec<std::net::IpAddr> = request
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse().ok())
                .collect();
            forwarded.iter().rev().find(|ip| !trusted(ip)).or(forwarded.first()).copied().unwrap_or(peer)
        }
        Some(peer) => peer,
        None => {
            request.extensions_mut().insert(custos_web::ClientAddress(None));
            return next.run(request).await;
        }
    };
    request.extensions_mut().insert(custos_web::ClientAddress(Some(client)));
    next.run(request).await
}

/// Headers every answer carries: no MIME sniffing and no referrer (privacy-center links carry a
/// token in their path), and on every HTML page that did not set its own, a content security
/// policy that allows nothing but same-origin styles, images and forms, and no framing.
async fn security_headers(request: Request, next: Next) -> Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("no-referrer"));
    let html = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if html {
        headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ));
        headers.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
    }
    response
}

/// Logs method, route template, status and latency of every request. Never the URI itself:
/// query strings can carry identifiers such as `external_id`.
async fn log_request(request: Request, next: Next, metrics: Arc<Metrics>) -> Response {
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or_else(|| "<unmatched>".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    metrics.request(method.as_str(), &route, status, elapsed.as_secs_f64());
    let micros = elapsed.as_micros();
    if status >= 500 {
        tracing::error!(%method, %route, status, micros, "request failed");
    } else {
        tracing::debug!(%method, %route, status, micros, "request");
    }
    response
}
