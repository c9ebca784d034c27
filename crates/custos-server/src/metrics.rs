//! Prometheus metrics (OpenMetrics text, through `prometheus-client`), served on their own
//! address (`custos serve --metrics-listen`; off by default, loopback recommended: scrapers
//! rarely send bearer tokens, so the address itself is the access control).
//!
//! Counted in process (since start): gate checks by decision and reason, request latency by
//! method, route template and status. Read from the database at each scrape (bounded: two
//! counts, the ledger's size, the newest 50 audits): open and overdue requests, ledger
//! entries, and the selection rate of each group in the newest audit of each scope, for groups
//! at least as large as the audit's minimum group size only.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use axum::{Router, extract::State, http::header, response::IntoResponse, routing::get};
use custos_service::Service;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GateLabels {
    decision: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InputLabels {
    monitor: String,
    input: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MonitorLabels {
    monitor: String,
    estimated: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupLabels {
    purpose: String,
    model: String,
    group: String,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to about 6.5 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

/// The process's metrics.
pub struct Metrics {
    /// One scrape renders at a time (each refills the scrape-time families).
    rendering: std::sync::Mutex<()>,
    registry: Registry,
    gate_checks: Family<GateLabels, Counter>,
    requests: Family<RequestLabels, Histogram, fn() -> Histogram>,
    dsrs_open: Gauge,
    dsrs_overdue: Gauge,
    ledger_entries: Gauge,
    selection_rate: Family<GroupLabels, Gauge<f64, AtomicU64>>,
    input_effect: Family<InputLabels, Gauge<f64, AtomicU64>>,
    input_drift: Family<InputLabels, Gauge>,
    accuracy: Family<MonitorLabels, Gauge<f64, AtomicU64>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("custos");
        let gate_checks = Family::<GateLabels, Counter>::default();
        registry.register("gate_checks", "Gate checks answered since start, by decision and reason", gate_checks.clone());
        let requests = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by method, route template and status",
            requests.clone(),
        );
        let dsrs_open = Gauge::default();
        registry.register("dsrs_open", "Data-subject requests open now", dsrs_open.clone());
        let dsrs_overdue = Gauge::default();
        registry.register("dsrs_overdue", "Open data-subject requests past their due date", dsrs_overdue.clone());
        let ledger_entries = Gauge::default();
        registry.register("ledger_entries", "Leaves in the audit ledger", ledger_entries.clone());
        let selection_rate = Family::<GroupLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "fairness_selection_rate",
            "Selection rate per group in the newest fairness audit of each scope (groups at or above the minimum group size)",
            selection_rate.clone(),
        );
        let input_effect = Family::<InputLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "monitor_input_effect",
            "Effect size of each monitored input in its monitor's latest check (Wasserstein in reference sd, or PSI)",
            input_effect.clone(),
        );
        let input_drift = Family::<InputLabels, Gauge>::default();
        registry.register("monitor_input_drift", "1 when the input drifted in its monitor's latest check, else 0", input_drift.clone());
        let accuracy = Family::<MonitorLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "monitor_accuracy",
            "Accuracy in the monitor's latest window (estimated=\"true\" when from the scores alone)",
            accuracy.clone(),
        );
        Self {
            rendering: std::sync::Mutex::new(()),
            registry,
            gate_checks,
            requests,
            dsrs_open,
            dsrs_overdue,
            ledger_entries,
            selection_rate,
            input_effect,
            input_drift,
            accuracy,
        }
    }
}

impl Metrics {
    /// Counts a gate check: once per reason (`none` for an allow without one).
    pub(crate) fn gate_check(&self, decision: &str, reasons: &[&str]) {
        let decision = decision.to_owned();
        if reasons.is_empty() {
            self.gate_checks.get_or_create(&GateLabels { decision, reason: "none".into() }).inc();
            return;
        }
        for reason in reasons {
            self.gate_checks.get_or_create(&GateLabels { decision: decision.clone(), reason: (*reason).to_owned() }).inc();
        }
    }

    /// Records how long a request took (the route template, never the path: paths carry ids).
    pub(crate) fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        // Methods outside the standard few collapse into one label value (bounded label sets).
        let method = match method {
            "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => method,
            _ => "other",
        };
        self.requests
            .get_or_create(&RequestLabels { method: method.to_owned(), route: route.to_owned(), status: status.to_string() })
            .observe(seconds);
    }

    /// Reads the database-backed figures and renders everything as OpenMetrics text.
    pub async fn render(&self, service: &Service) -> Result<String, String> {
        let g = service.gauges().await.map_err(|e| e.to_string())?;
        self.render_with(&g)
    }

    /// Renders everything with these database-backed figures (what a scrape costs once they
    /// are read; `examples/metrics_bench.rs` times it).
    pub fn render_with(&self, g: &custos_service::gauges::Gauges) -> Result<String, String> {
        let _one = self.rendering.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.dsrs_open.set(clamp(g.dsrs_open));
        self.dsrs_overdue.set(clamp(g.dsrs_overdue));
        self.ledger_entries.set(clamp(g.ledger_entries));
        self.selection_rate.clear();
        for r in &g.selection_rates {
            self.selection_rate
                .get_or_create(&GroupLabels { purpose: r.purpose.clone(), model: r.model.clone(), group: r.group.clone() })
                .set(r.selection_rate);
        }
        self.input_effect.clear();
        self.input_drift.clear();
        self.accuracy.clear();
        for m in &g.monitors {
            for (input, method, value, drift) in &m.inputs {
                let labels = InputLabels { monitor: m.monitor_id.clone(), input: input.clone(), method: method.clone() };
                self.input_effect.get_or_create(&labels).set(*value);
                self.input_drift.get_or_create(&labels).set(i64::from(*drift));
            }
            if let Some((value, estimated)) = m.accuracy {
                self.accuracy.get_or_create(&MonitorLabels { monitor: m.monitor_id.clone(), estimated: estimated.to_string() }).set(value);
            }
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).map_err(|e| e.to_string())?;
        Ok(out)
    }
}

#[derive(Clone)]
struct Scrape {
    metrics: Arc<Metrics>,
    service: Service,
}

async fn scrape(State(s): State<Scrape>) -> axum::response::Response {
    match s.metrics.render(&s.service).await {
        Ok(text) => ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the metrics failed");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "the metrics could not be read\n").into_response()
        }
    }
}

/// The metrics listener's router: `GET /metrics` only.
pub fn metrics_router(state: &crate::AppState) -> Router {
    Router::new().route("/metrics", get(scrape)).with_state(Scrape { metrics: state.metrics.clone(), service: state.service().clone() })
}
