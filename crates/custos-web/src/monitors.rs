//! Monitors in the console: the list, and per monitor the trend of its last windows (features
//! that drifted, accuracy) as charts with their numbers, and its alerts.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};

use crate::{
    Web, charts,
    format::{When, thousands},
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, ReadMonitors},
};

struct MonitorRow {
    id: String,
    name: String,
    watches: String,
    reference: String,
}

#[derive(Template)]
#[template(path = "monitors.html")]
struct ListPage {
    page: Page,
    monitors: Vec<MonitorRow>,
}

fn watches(m: &custos_service::monitors::MonitorRecord) -> String {
    match (&m.model, &m.purpose) {
        (Some(model), Some(purpose)) => format!("model {model} under {purpose}"),
        (Some(model), None) => format!("model {model}"),
        (None, Some(purpose)) => format!("decisions under {purpose}"),
        (None, None) => "all decisions".into(),
    }
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadMonitors>) -> Result<Response, Refusal> {
    let monitors = web.service.monitors().list().await.or_refuse(&staff)?;
    let page = ListPage {
        page: Page::staff(&staff, "/console/monitors"),
        monitors: monitors
            .iter()
            .map(|m| MonitorRow {
                id: m.monitor_id.to_string(),
                name: m.name.clone(),
                watches: watches(m),
                reference: format!("{} to {}", When::date(&m.reference_from).text, When::date(&m.reference_to).text),
            })
            .collect(),
    };
    Ok(html(StatusCode::OK, page.render()))
}

struct WindowRow {
    window: String,
    rows: String,
    drifted: String,
    accuracy: String,
}

#[derive(Template)]
#[template(path = "monitor.html")]
struct MonitorPage {
    page: Page,
    name: String,
    watches: String,
    reference: String,
    length: String,
    drift_chart: String,
    accuracy_chart: String,
    windows: Vec<WindowRow>,
    alerts: Vec<(String, String, String)>,
}

pub(crate) async fn page(State(web): State<Web>, Can(staff, _): Can<ReadMonitors>, Path(id): Path<String>) -> Result<Response, Refusal> {
    let monitors = web.service.monitors();
    let m = monitors.get(&id).await.or_refuse(&staff)?;
    let windows = monitors.windows(&id, Some(14), None).await.or_refuse(&staff)?;
    let alerts = web.service.alerts().list(Some(custos_core::AlertSource::Monitor), None, 200).await.or_refuse(&staff)?;
    let label = |w: &custos_service::monitors::WindowSummary| When::moment(&w.window.to).text;
    let drift_points: Vec<(String, f64)> = windows.iter().map(|w| (label(w), w.drifted.len() as f64)).collect();
    let accuracy_points: Vec<(String, f64)> =
        windows.iter().filter_map(|w| w.performance.as_ref().map(|p| (label(w), p.accuracy.value * 100.0))).collect();
    let page = MonitorPage {
        page: Page::staff(&staff, "/console/monitors"),
        name: m.name.clone(),
        watches: watches(&m),
        reference: format!("{} to {}", When::moment(&m.reference_from).text, When::moment(&m.reference_to).text),
        length: m.window_length.clone(),
        drift_chart: charts::trend("Inputs that drifted, by window", "Inputs that drifted", &drift_points),
        accuracy_chart: charts::trend("Accuracy at the decision threshold, by window (%)", "Accuracy (%)", &accuracy_points),
        windows: windows
            .iter()
            .rev()
            .map(|w| WindowRow {
                window: format!("{} to {}", When::moment(&w.window.from).text, When::moment(&w.window.to).text),
                rows: format!("{}{}", thousands(w.window.rows), if w.window.truncated { " (first read)" } else { "" }),
                drifted: if w.features == 0 {
                    "Nothing to compare".into()
                } else if w.drifted.is_empty() {
                    format!("None of {}", w.features)
                } else {
                    w.drifted.join(", ")
                },
                accuracy: w.performance.as_ref().map_or_else(
                    || "—".into(),
                    |p| format!("{:.1}%{}", p.accuracy.value * 100.0, if p.estimated { " (estimated from the scores)" } else { "" }),
                ),
            })
            .collect(),
        alerts: alerts
            .iter()
            .filter(|a| a.about == m.monitor_id.to_string())
            .map(|a| (When::moment(&a.fired_at).text, crate::format::label(a.state).to_owned(), a.message.clone()))
            .collect(),
    };
    Ok(html(StatusCode::OK, page.render()))
}
