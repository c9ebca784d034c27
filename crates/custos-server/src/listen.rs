//! The connection loop: what one client may hold of the server, and for how long.
//!
//! axum's own `serve` keeps a connection for as long as the client likes: a client that sends
//! half a header, or stays idle between requests, or announces a body it never sends, holds a
//! socket and a task forever, and a thousand of them exhaust the server (issue 14). This loop
//! accepts connections itself and bounds every one of them:
//!
//! - at most [`ServeOptions::max_connections`] at once (past that, new ones are closed at
//!   once, so the ones in progress finish);
//! - request headers must arrive within [`ServeOptions::header_read_timeout`] (hyper's timer),
//!   and a TLS handshake within the same time;
//! - a connection with no bytes in either direction for [`ServeOptions::idle_timeout`] is shut
//!   down gracefully (an idle keep-alive connection closes at once; one with a request in
//!   progress after it), and closed outright if it has not ended one request budget later;
//! - a request body must keep arriving: no gap longer than [`ServeOptions::body_read_timeout`]
//!   between its parts (answered 408);
//! - a request is answered within [`ServeOptions::request_timeout`] or gets a 503 (writes run on
//!   tasks of their own, so a transaction is never cut halfway: it commits or rolls back whole).
//!
//! With a certificate and key ([`TlsFiles`]) the loop speaks HTTPS (rustls); without, plain
//! HTTP, for loopback or behind a TLS-terminating reverse proxy (docs/SECURITY.md).

use std::{
    net::SocketAddr,
    path::PathBuf,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::Body,
    extract::{ConnectInfo, Request},
    middleware::Next,
    response::{IntoResponse, Response},
};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tower::ServiceExt as _;

use crate::ApiError;

/// What one client may hold of the server (see the module docs). Every field has a
/// `custos serve` flag of the same name.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Request headers must arrive within this (and a TLS handshake).
    pub header_read_timeout: Duration,
    /// The longest gap between parts of a request body.
    pub body_read_timeout: Duration,
    /// A connection idle this long (no bytes either way) is closed.
    pub idle_timeout: Duration,
    /// A request is answered within this, or with a 503.
    pub request_timeout: Duration,
    /// Connections served at once; more are closed as they arrive.
    pub max_connections: usize,
    /// Serve HTTPS with this certificate and key.
    pub tls: Option<TlsFiles>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
            max_connections: 1024,
            tls: None,
        }
    }
}

/// A PEM certificate chain and its PEM private key.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The certificate chain (leaf first).
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl TlsFiles {
    /// Reads the files into a rustls server configuration (TLS 1.2 and 1.3, HTTP/1.1).
    pub fn load(&self) -> std::io::Result<Arc<tokio_rustls::rustls::ServerConfig>> {
        use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _};
        let bad = |what: &str, path: &PathBuf, e: &dyn std::fmt::Display| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{what} {}: {e}", path.display()))
        };
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert)
            .map_err(|e| bad("cannot read the certificate", &self.cert, &e))?
            .collect::<Result<_, _>>()
            .map_err(|e| bad("cannot read the certificate", &self.cert, &e))?;
        if certs.is_empty() {
            return Err(bad("no certificate in", &self.cert, &"the file holds no PEM certificate"));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| bad("cannot read the private key", &self.key, &e))?;
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("TLS setup failed for", &self.cert, &e))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| bad("the key does not fit the certificate", &self.key, &e))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// Adds the per-request bounds to a router: the body's gap limit and the request budget.
pub(crate) fn bounded(router: Router, options: &ServeOptions) -> Router {
    let budget = options.request_timeout;
    router
        .layer(axum::middleware::from_fn(move |request: Request, next: Next| within_budget(request, next, budget)))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(options.body_read_timeout))
}

async fn within_budget(request: Request, next: Next, budget: Duration) -> Response {
    match tokio::time::timeout(budget, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::request_timed_out(budget).into_response(),
    }
}

/// Accepts connections on `listener` and serves `router` on each, within `options`, until
/// `shutdown` resolves; then stops accepting, lets requests in progress finish (for at most
/// one request budget) and returns.
pub(crate) async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let tls = match &options.tls {
        Some(files) => Some(tokio_rustls::TlsAcceptor::from(files.load()?)),
        None => None,
    };
    let router = bounded(router, &options);
    let slots = Arc::new(tokio::sync::Semaphore::new(options.max_connections.max(1)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::debug!("connection limit reached; a new connection is closed");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection { router: router.clone(), options: options.clone(), peer, stopped: stopped.clone() };
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => match tokio::time::timeout(connection.options.header_read_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(stream)) => connection.serve(stream).await,
                    Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!("TLS handshake timed out"),
                },
                None => connection.serve(stream).await,
            }
            drop(slot);
        });
    }
    let _ = stop.send(true);
    // Wait for the connections to end: each holds a slot until it is done.
    let all = u32::try_from(options.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(options.request_timeout + Duration::from_secs(5), slots.acquire_many(all)).await;
    Ok(())
}

struct Connection {
    router: Router,
    options: ServeOptions,
    peer: SocketAddr,
    stopped: tokio::sync::watch::Receiver<bool>,
}

impl Connection {
    async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(mut self, stream: S) {
        let started = Instant::now();
        let activity = Arc::new(AtomicU64::new(0));
        let io = ActivityIo { inner: stream, started, last: activity.clone() };
        let router = self.router.clone();
        let peer = self.peer;
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(self.options.header_read_timeout).keep_alive(true);
        let connection = builder.serve_connection(TokioIo::new(io), service);
        tokio::pin!(connection);
        let idle = self.options.idle_timeout;
        let grace = self.options.request_timeout + Duration::from_secs(5);
        let mut closing_since: Option<tokio::time::Instant> = None;
        loop {
            let last = Duration::from_millis(activity.load(Ordering::Relaxed));
            let idle_deadline = tokio::time::Instant::from_std(started + last + idle);
            let hard_deadline = closing_since.map(|t| t + grace);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                changed = self.stopped.changed(), if closing_since.is_none() => {
                    if changed.is_err() || *self.stopped.borrow() {
                        connection.as_mut().graceful_shutdown();
                        closing_since = Some(tokio::time::Instant::now());
                    }
                }
                () = tokio::time::sleep_until(idle_deadline), if closing_since.is_none() => {
                    let quiet = started.elapsed().saturating_sub(Duration::from_millis(activity.load(Ordering::Relaxed)));
                    if quiet >= idle {
                        connection.as_mut().graceful_shutdown();
                        closing_since = Some(tokio::time::Instant::now());
                    }
                }
                () = async { if let Some(t) = hard_deadline { tokio::time::sleep_until(t).await } else { std::future::pending().await } } => {
                    tracing::debug!("a connection outlived its shutdown grace; closing it");
                    return;
                }
            }
        }
    }
}

/// A stream that records when bytes last moved either way (milliseconds since the connection
/// began), for the idle timeout.
struct ActivityIo<S> {
    inner: S,
    started: Instant,
    last: Arc<AtomicU64>,
}

impl<S> ActivityIo<S> {
    fn touch(&self) {
        let millis = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(millis, Ordering::Relaxed);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ActivityIo<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        poll
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ActivityIo<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
