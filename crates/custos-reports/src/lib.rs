//! What people read of custos's reports, shared by the console (custos-web), the CLI and the
//! Python package: inline SVG charts that carry their numbers ([`charts`]) and the fairness
//! audit report, as a body for a page or a standalone file. No I/O; askama templates.

use askama::Template;
use custos_fairness::report::{FairnessReport, GroupReport};

pub mod charts;

use charts::RateBar;

/// `1204` as "1,204".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a report says, ready for the template.
pub(crate) struct ReportView {
    summary: String,
    four_fifths: Option<(bool, String)>,
    independence: Option<String>,
    selection_chart: String,
    tpr_chart: String,
    groups: Vec<[String; 7]>,
    disparities: Vec<(String, String)>,
    warnings: Vec<String>,
    rows: String,
    provenance: Vec<(String, String)>,
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn group_label(g: &std::collections::BTreeMap<String, String>) -> String {
    g.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
}

impl ReportView {
    pub(crate) fn of(report: &FairnessReport, provenance: Vec<(String, String)>) -> Self {
        let rates: Vec<(f64, String)> = report.by_group.iter().map(|g| (g.metrics.selection_rate, group_label(&g.group))).collect();
        let lowest = rates.iter().min_by(|a, b| a.0.total_cmp(&b.0)).cloned().unwrap_or_default();
        let highest = rates.iter().max_by(|a, b| a.0.total_cmp(&b.0)).cloned().unwrap_or_default();
        let d = &report.disparities;
        let summary = format!(
            "{} decisions in {} groups ({}). Selection rates range from {} ({}) to {} ({}): a gap of {:.1} percentage points. \
             The largest gap in true or false positive rates between groups (equalized odds difference) is {:.1} points.",
            thousands(report.rows),
            report.by_group.len(),
            report.sensitive.join(" × "),
            pct(lowest.0),
            lowest.1,
            pct(highest.0),
            highest.1,
            d.demographic_parity_difference.unwrap_or(0.0) * 100.0,
            d.equalized_odds_difference.unwrap_or(0.0) * 100.0,
        );
        let four_fifths = d.demographic_parity_ratio.map(|r| {
            if r < 0.8 {
                (false, format!("The lowest selection rate is {:.0}% of the highest (below 80%).", r * 100.0))
            } else {
                (true, format!("The lowest selection rate is {:.0}% of the highest.", r * 100.0))
            }
        });
        let independence = report.independence.as_ref().map(|i| {
            let p = i.p_value;
            format!(
                "Chi-square test of selection against group: p = {} ({}).",
                if p < 0.001 { format!("{p:.2e}") } else { format!("{p:.3}") },
                if p < 0.05 { "the differences are unlikely to be chance" } else { "the differences could be chance" }
            )
        });
        let bars = |metric: &str, value: fn(&GroupReport) -> f64| -> Vec<RateBar> {
            report
                .by_group
                .iter()
                .map(|g| {
                    let interval = g.intervals.get(metric).copied().flatten().map(|i| (i.low, i.high));
                    (group_label(&g.group), value(g), interval)
                })
                .collect()
        };
        let selection = bars("selection_rate", |g| g.metrics.selection_rate);
        let tpr = bars("true_positive_rate", |g| g.metrics.true_positive_rate);
        let metric_names = [
            ("demographic_parity_difference", d.demographic_parity_difference),
            ("demographic_parity_ratio", d.demographic_parity_ratio),
            ("equalized_odds_difference", d.equalized_odds_difference),
            ("equalized_odds_ratio", d.equalized_odds_ratio),
            ("equal_opportunity_difference", d.equal_opportunity_difference),
            ("predictive_parity_difference", d.predictive_parity_difference),
            ("theil_index", d.theil_index),
            ("generalized_entropy_index", d.generalized_entropy_index),
        ];
        Self {
            summary,
            four_fifths,
            independence,
            selection_chart: charts::rates("Selection rate per group (bars) with 95% Wilson intervals", &selection),
            tpr_chart: charts::rates("True positive rate per group with 95% Wilson intervals", &tpr),
            groups: report
                .by_group
                .iter()
                .map(|g| {
                    let m = &g.metrics;
                    [
                        group_label(&g.group),
                        thousands(m.count),
                        pct(m.selection_rate),
                        pct(m.true_positive_rate),
                        pct(m.false_positive_rate),
                        pct(m.precision),
                        pct(m.accuracy),
                    ]
                })
                .collect(),
            disparities: metric_names
                .iter()
                .map(|(k, v)| (k.replace('_', " "), v.map_or_else(|| "not defined".to_owned(), |x| format!("{x:.4}"))))
                .collect(),
            warnings: report.warnings.clone(),
            rows: thousands(report.rows),
            provenance,
        }
    }
}

#[derive(Template)]
#[template(path = "fairness_report_standalone.html")]
struct StandaloneReport {
    r: ReportView,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "fairness_report_body.html")]
struct ReportBody {
    r: ReportView,
}

/// The report's own stylesheet, for standalone copies (files and API answers).
pub const REPORT_CSS: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;overflow-wrap:anywhere}\
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}.fail{color:#a40000}.pass{color:#1b6e1b}\
figcaption{font-weight:600;margin:1rem 0 .3rem}code{background:#f4f4f4;padding:.1rem .3rem}svg{max-width:100%;height:auto}\
table.chart-numbers{font-size:.85rem;color:#555}";

/// The fairness report's body (headline, charts, groups, disparities, warnings, provenance)
/// for a page that brings its own layout (the console).
pub fn fairness_report_body(report: &FairnessReport, provenance: &[(String, String)]) -> Result<String, askama::Error> {
    ReportBody { r: ReportView::of(report, provenance.to_vec()) }.render()
}

/// The standalone fairness report of `report` (one HTML file with its own stylesheet), with
/// where its numbers came from: `custos fairness audit --format html`, the API's
/// `?format=html`, and `Audit.to_html()` in Python.
pub fn fairness_report_file<K: AsRef<str>, V: AsRef<str>>(report: &FairnessReport, provenance: &[(K, V)]) -> Result<String, askama::Error> {
    let provenance = provenance.iter().map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())).collect();
    StandaloneReport { r: ReportView::of(report, provenance), css: REPORT_CSS }.render()
}
