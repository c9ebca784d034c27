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
    let drift_points: Vec<charts::TrendPoint> =
        windows.iter().map(|w| charts::TrendPoint { label: label(w), value: w.drifted.len() as f64, interval: None }).collect();
    let accuracy_points: Vec<charts::TrendPoint> = windows
        .iter()
        .filter_map(|w| {
            w.performance.as_ref().map(|p| charts::TrendPoint {
                label: label(w),
                value: p.accuracy.value * 100.0,
                interval: p.accuracy.low.zip(p.accuracy.high).map(|(l, h)| (l * 100.0, h * 100.0)),
            })
        })
        .collect();
    let floor = m.min_accuracy.map(|a| ("Alert below", a * 100.0));
    let page = MonitorPage {
        page: Page::staff(&staff, "/console/monitors"),
        name: m.name.clone(),
        watches: watches(&m),
        reference: format!("{} to {}", When::moment(&m.reference_from).text, When::moment(&m.reference_to).text),
        length: m.window_length.clone(),
        drift_chart: charts::trend_with("Inputs that drifted, by window", "Inputs that drifted", "Window ending", &drift_points, None),
        accuracy_chart: charts::trend_with(
            "Accuracy at the decision threshold, by window (%), with its 95% interval",
            "Accuracy (%)",
            "Window ending",
            &accuracy_points,
            floor,
        ),
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

/// One input's line in the standalone report.
struct InputLine {
    input: String,
    verdict: &'static str,
    adjusted: String,
    effect: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "monitor_report_standalone.html")]
struct StandaloneMonitorReport {
    css: &'static str,
    name: String,
    watches: String,
    reference: String,
    current: String,
    drift_summary: String,
    effect_chart: String,
    inputs: Vec<InputLine>,
    performance: Vec<(String, String)>,
    performance_note: String,
}

fn interval(e: &custos_monitor::performance::Estimate) -> String {
    match (e.low, e.high) {
        (Some(l), Some(h)) => format!("{:.3} (95% interval {:.3} to {:.3})", e.value, l, h),
        _ => format!("{:.3}", e.value),
    }
}

/// The standalone HTML form of a monitor's report (what `?format=html` answers): the windows
/// in plain dates, the effect size of every input as a chart with its numbers, each input's
/// verdict in words, and the window's performance.
pub fn monitor_report_page(r: &custos_service::monitors::MonitorReport) -> Result<String, askama::Error> {
    let window = |w: &custos_service::monitors::WindowFigures| {
        format!(
            "{} to {} ({} decisions{})",
            When::moment(&w.from).text,
            When::moment(&w.to).text,
            thousands(w.rows),
            if w.truncated { ", the first read" } else { "" }
        )
    };
    let (drift_summary, effect_chart, inputs) = match &r.drift {
        None => ("Nothing to compare: a window has no decisions with inputs.".to_owned(), String::new(), Vec::new()),
        Some(d) => {
            let summary = format!(
                "{} of {} inputs drifted (error rate {} across all inputs, {} correction).",
                d.drifted_columns,
                d.columns.len(),
                d.alpha,
                match d.correction {
                    custos_monitor::Correction::Holm => "Holm's",
                    custos_monitor::Correction::Bh => "Benjamini-Hochberg",
                    custos_monitor::Correction::None => "no",
                }
            );
            let rows: Vec<(String, f64)> = d
                .columns
                .iter()
                .map(|c| (format!("{} ({})", c.column, c.effect_size.method.replace('_', " ")), c.effect_size.value))
                .collect();
            let chart = charts::signed("Effect size of each input", &rows);
            let lines = d
                .columns
                .iter()
                .map(|c| InputLine {
                    input: c.column.clone(),
                    verdict: match c.verdict {
                        custos_monitor::Verdict::Drift => "Drift",
                        custos_monitor::Verdict::DetectableButSmall => "Small but real change",
                        custos_monitor::Verdict::NoDrift => "No drift",
                    },
                    adjusted: if c.p_value_adjusted < 0.001 { "below 0.001".into() } else { format!("{:.3}", c.p_value_adjusted) },
                    effect: format!("{:.4} (drift from {})", c.effect_size.value, c.min_effect),
                    summary: c.summary.clone(),
                })
                .collect();
            (summary, chart, lines)
        }
    };
    let mut performance = Vec::new();
    let mut performance_note =
        "No performance figures: the monitor names no positive outcome, or the decisions carry no scores.".to_owned();
    if let Some(p) = &r.performance {
        performance_note = if p.estimated {
            "Estimated from the scores alone (no outcome recorded yet): right only if the model is calibrated.".to_owned()
        } else {
            format!("Measured on {} decisions with a recorded outcome.", thousands(p.rows))
        };
        performance.push(("Accuracy".to_owned(), interval(&p.accuracy)));
        if let Some(a) = &p.roc_auc {
            performance.push(("ROC AUC".to_owned(), interval(a)));
        }
        if let Some(x) = &p.precision {
            performance.push(("Precision".to_owned(), interval(x)));
        }
        if let Some(x) = &p.recall {
            performance.push(("Recall".to_owned(), interval(x)));
        }
        if let Some(x) = &p.brier {
            performance.push(("Brier score".to_owned(), interval(x)));
        }
        if let Some(x) = p.expected_calibration_error {
            performance.push(("Expected calibration error".to_owned(), format!("{x:.3}")));
        }
    }
    StandaloneMonitorReport {
        css: crate::fairness::REPORT_CSS,
        name: r.monitor.name.clone(),
        watches: watches(&r.monitor),
        reference: window(&r.reference),
        current: window(&r.current),
        drift_summary,
        effect_chart,
        inputs,
        performance,
        performance_note,
    }
    .render()
}
