//! Exports in the console: each purpose's privacy budget (spent and remaining, as a chart with
//! its numbers), the exports made with what each achieved in words, a form to export a saved
//! segment under a purpose's export policy, and the files while their retention lasts.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use custos_service::exports::{BudgetView, ExportInput, ExportStatus, ExportView};
use serde::Deserialize;
use serde_json::Value;

use crate::{
    Web, charts,
    format::{When, label_of},
    layout::{OrRefuse, Page, Refusal, html},
    session::{Can, CsrfForm, Posted, ReadExports, WriteExports},
};

struct ExportRow {
    export_id: String,
    when: When,
    purpose: String,
    segment: String,
    what: String,
    achieved: String,
    people: String,
    status: String,
    available: bool,
    kept_until: When,
    sha256: String,
    sha_short: String,
}

struct Choice {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    page: Page,
    chart: String,
    exports: Vec<ExportRow>,
    segments: Vec<Choice>,
    purposes: Vec<Choice>,
    can_export: bool,
}

/// Why people were left out, in words.
fn left_out(excluded: &Value) -> String {
    let Some(map) = excluded.as_object() else { return String::new() };
    map.iter()
        .map(|(code, n)| {
            let why = if code == "segment_filter" {
                "outside the segment's filter".to_owned()
            } else {
                label_of::<custos_service::gate::ReasonCode>(code).to_lowercase()
            };
            format!("{} ({why})", n.as_u64().unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What an export achieved, in a sentence.
fn achieved(v: &ExportView) -> String {
    let r = &v.report;
    if v.release == "statistics" {
        let dp = &r["dp"];
        let budget = match (dp["epsilon"].as_f64(), dp["rho"].as_f64()) {
            (Some(e), _) => format!("ε = {e}"),
            (_, Some(rho)) => format!("ρ = {rho}"),
            _ => String::new(),
        };
        return format!(
            "Private {} for {} declared groups of {}; {budget}; noise scale {:.2}.",
            dp["statistic"].as_str().unwrap_or("figures"),
            dp["keys"].as_u64().unwrap_or_default(),
            category_words(dp["segment_by"].as_str().unwrap_or_default()),
            dp["count_noise"].as_f64().unwrap_or_default()
        );
    }
    let a = &r["anonymity"];
    let mut s = format!(
        "Every group of people who look alike has at least {} (required {}); {} of {} rows withheld; {:.0} % of the detail generalized away.",
        a["k"].as_u64().unwrap_or_default(),
        a["k_required"].as_u64().unwrap_or_default(),
        a["suppressed"].as_u64().unwrap_or_default(),
        a["rows"].as_u64().unwrap_or_default() + a["suppressed"].as_u64().unwrap_or_default(),
        a["information_loss"]["value"].as_f64().unwrap_or_default() * 100.0
    );
    for sens in a["sensitive"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            " {} takes at least {} values in every group (t = {:.2}).",
            capitalized(&category_words(sens["attribute"].as_str().unwrap_or_default())),
            sens["l"].as_u64().unwrap_or_default(),
            sens["t"].as_f64().unwrap_or_default()
        ));
    }
    s
}

fn capitalized(words: &str) -> String {
    let mut c = words.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn category_words(key: &str) -> String {
    match key {
        // Decision fields (custos_service::exports::DECISION_FIELDS) in people's words.
        "decision.outcome" => "the latest decision's outcome".to_owned(),
        "decision.score" => "the latest decision's score".to_owned(),
        _ => custos_core::data_category_name(key).map_or_else(|| key.to_owned(), str::to_owned),
    }
}

fn budget_rows(budgets: &[BudgetView]) -> Vec<charts::BudgetBar> {
    budgets
        .iter()
        .map(|b| charts::BudgetBar {
            label: b.purpose.clone(),
            spent: b.spent,
            total: b.total,
            unit: if b.currency == "rho" { "ρ" } else { "ε" },
        })
        .collect()
}

pub(crate) async fn list(State(web): State<Web>, Can(staff, _): Can<ReadExports>) -> Result<Response, Refusal> {
    let exports = web.service.exports();
    let budgets = exports.budgets().await.or_refuse(&staff)?;
    let made = exports.list().await.or_refuse(&staff)?;
    let segments = exports.segments().await.or_refuse(&staff)?;
    let policies = exports.policies().await.or_refuse(&staff)?;
    let purposes = web.service.purposes().all().await.or_refuse(&staff)?;
    let purpose_name =
        |key: &str| purposes.iter().find(|p| p.purpose.purpose.as_str() == key).map_or_else(|| key.to_owned(), |p| p.purpose.name.clone());
    let segment_name =
        |id: &str| segments.iter().find(|s| s.segment_id.to_string() == id).map_or_else(|| id.to_owned(), |s| s.name.clone());
    let mut rows = budget_rows(&budgets);
    for r in &mut rows {
        r.label = purpose_name(&r.label);
    }
    let page = ExportsPage {
        page: Page::staff(&staff, "/console/exports"),
        chart: if rows.is_empty() {
            "<p>No purpose has a privacy budget yet: a privacy officer sets one in the purpose's export policy.</p>".to_owned()
        } else {
            charts::budgets("Privacy budget per purpose: spent and remaining", &rows)
        },
        exports: made
            .iter()
            .map(|v| ExportRow {
                export_id: v.export_id.to_string(),
                when: When::moment(&v.created_at),
                purpose: purpose_name(&v.purpose),
                segment: segment_name(&v.segment_id.to_string()),
                what: format!(
                    "{} as {}{}",
                    if v.release == "statistics" { "Private statistics" } else { "Anonymized rows" },
                    v.format.to_uppercase(),
                    v.recipient.as_ref().map(|r| format!(", to vendor {r}")).unwrap_or_default()
                ),
                achieved: achieved(v),
                people: match v.report["selection"]["included"].as_u64() {
                    Some(n) => {
                        let out = left_out(&v.report["selection"]["excluded"]);
                        if out.is_empty() { format!("{n} included") } else { format!("{n} included; left out: {out}") }
                    }
                    None => "Not reported for a private release".to_owned(),
                },
                status: label_of::<ExportStatus>(&v.status),
                available: v.status == "available",
                kept_until: When::deadline(&v.retain_until),
                sha256: v.file_sha256.clone(),
                sha_short: v.file_sha256.chars().take(12).collect(),
            })
            .collect(),
        segments: segments.iter().map(|s| Choice { value: s.segment_id.to_string(), label: s.name.clone() }).collect(),
        purposes: policies.iter().map(|p| Choice { value: p.purpose.clone(), label: purpose_name(&p.purpose) }).collect(),
        can_export: staff.session.may(custos_service::permissions::Action::Write, custos_service::permissions::Resource::Exports),
    };
    Ok(html(StatusCode::OK, page.render()))
}

/// The export form.
#[derive(Deserialize)]
pub(crate) struct ExportForm {
    csrf: String,
    purpose: String,
    segment_id: String,
    format: String,
}

impl CsrfForm for ExportForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn create(State(web): State<Web>, posted: Posted<WriteExports, ExportForm>) -> Result<Response, Refusal> {
    let (staff, f) = (posted.staff, posted.form);
    let input = ExportInput { purpose: f.purpose, segment_id: f.segment_id, format: Some(f.format), recipient: None, tcf_vendor_id: None };
    let v = web.service.exports().export(input, &format!("staff:{}", staff.session.user_id)).await.or_refuse(&staff)?;
    Ok(Redirect::to(&format!("/console/exports#export-{}", v.export_id)).into_response())
}

pub(crate) async fn file(State(web): State<Web>, Can(staff, _): Can<ReadExports>, Path(id): Path<String>) -> Result<Response, Refusal> {
    let (bytes, format) = web.service.exports().file(&id).await.or_refuse(&staff)?;
    Ok(export_file_response(&id, bytes, &format))
}

/// An export's file as a download (the API's and the console's): its media type, a name made
/// of the export's id, and never cached.
pub fn export_file_response(export_id: &str, bytes: Vec<u8>, format: &str) -> Response {
    let (content_type, ext) =
        if format == "parquet" { ("application/vnd.apache.parquet", "parquet") } else { ("text/csv; charset=utf-8", "csv") };
    let name = format!("export-{}.{ext}", export_id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"));
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_as_words() {
        assert_eq!(capitalized(&category_words("decision.outcome")), "The latest decision's outcome");
        assert_eq!(category_words("decision.score"), "the latest decision's score");
        assert_eq!(category_words("user.contact.email"), "User Contact Email");
        assert_eq!(category_words("not.a.category"), "not.a.category", "an unknown key is shown as it is");
        assert_eq!(capitalized(""), "");
    }
}
