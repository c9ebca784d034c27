//! Whether oversight is real, in the console: each reviewer's and each rule's figures over the
//! last 30 days (reviews, overrides, agreement with the model, time spent, lateness), the
//! rubber-stamp flag, and the weekly trend of agreement and time as charts with their numbers.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use crate::{
    Web, charts,
    format::When,
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, ReadOversight},
};

/// One row of a figures table.
struct Row {
    who: String,
    reviews: u64,
    overrides: String,
    agreement: String,
    median: String,
    p10: String,
    late: String,
    flagged: bool,
}

#[derive(Template)]
#[template(path = "oversight.html")]
struct OversightPage {
    page: Page,
    since: When,
    thresholds: String,
    overall: Row,
    reviewers: Vec<Row>,
    rules: Vec<Row>,
    agreement_chart: String,
    time_chart: String,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn row(who: String, f: &custos_service::oversight::Figures, flagged: bool) -> Row {
    Row {
        who,
        reviews: f.reviews,
        overrides: pct(f.override_rate),
        agreement: pct(f.agreement_rate),
        median: format!("{:.1} s", f.median_seconds),
        p10: format!("{:.1} s", f.p10_seconds),
        late: pct(f.late_share),
        flagged,
    }
}

pub(crate) async fn page(State(web): State<Web>, Can(staff, _): Can<ReadOversight>) -> Result<Response, Refusal> {
    let now = custos_core::now();
    let oversight = web.service.oversight();
    let m = oversight.metrics(None, now).await.or_refuse(&staff)?;
    let trend = oversight.trend(12, now).await.or_refuse(&staff)?;
    let rule_names: std::collections::BTreeMap<String, String> =
        oversight.rules().await.or_refuse(&staff)?.into_iter().map(|r| (r.rule.rule_id.to_string(), r.rule.name)).collect();
    let weeks: Vec<(String, f64)> = trend.iter().map(|w| (When::date(&w.week_start).text, w.figures.agreement_rate * 100.0)).collect();
    let times: Vec<(String, f64)> = trend.iter().map(|w| (When::date(&w.week_start).text, w.figures.median_seconds)).collect();
    let page = OversightPage {
        page: Page::staff(&staff, "/console/oversight"),
        since: When::date(&m.since),
        thresholds: format!(
            "more than {} agreement with the model over at least {} reviews, with a median under {} seconds",
            pct(m.config.agreement_above),
            m.config.min_reviews,
            m.config.median_seconds_below
        ),
        overall: row("Everyone".into(), &m.overall, false),
        reviewers: m
            .reviewers
            .iter()
            .map(|r| row(r.email.clone().unwrap_or_else(|| "a removed account".into()), &r.figures, r.rubber_stamping))
            .collect(),
        rules: m
            .rules
            .iter()
            .map(|r| {
                let name = match r.rule_id {
                    Some(id) => rule_names.get(&id.to_string()).cloned().unwrap_or_else(|| "a deleted rule".into()),
                    None => "Contests and suspensions".into(),
                };
                row(name, &r.figures, false)
            })
            .collect(),
        agreement_chart: charts::trend("Agreement with the model, by week (%)", "Agreement (%)", &weeks),
        time_chart: charts::trend("Median seconds from taking a review to the verdict, by week", "Median seconds", &times),
    };
    Ok(html(StatusCode::OK, page.render()))
}
