//! The standalone HTML audit report: a plain-language summary, per-group bar charts with their
//! intervals (inline SVG, no scripts, no network), the four-fifths verdict, the warnings, and
//! the input's fingerprint and the command that produced it.

use serde_json::Value;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn label(group: &Value) -> String {
    group
        .as_object()
        .map_or_else(String::new, |g| g.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(", "))
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

/// A horizontal bar chart of `metric` per group with its interval as a whisker.
fn bar_chart(title: &str, groups: &[Value], metric: &str) -> String {
    let row_h = 26.0;
    let left = 230.0;
    let width = 460.0;
    let height = 30.0 + row_h * groups.len() as f64;
    let mut svg = format!(
        r#"<figure><figcaption>{}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" width="{}" height="{height}" viewBox="0 0 {} {height}">"#,
        esc(title),
        esc(title),
        left + width + 70.0,
        left + width + 70.0
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = left + tick * width;
        svg.push_str(&format!(
            r##"<line x1="{x}" y1="18" x2="{x}" y2="{height}" stroke="#ddd"/><text x="{x}" y="12" font-size="10" text-anchor="middle">{}</text>"##,
            pct(tick)
        ));
    }
    for (i, g) in groups.iter().enumerate() {
        let y = 22.0 + row_h * i as f64;
        let v = g[metric].as_f64().unwrap_or(0.0);
        svg.push_str(&format!(
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{}" height="{}" fill="#4a7bb7"/>"##,
            left - 8.0,
            y + 14.0,
            esc(&label(&g["group"])),
            (v * width).max(0.5),
            row_h - 8.0
        ));
        if let (Some(lo), Some(hi)) = (g["intervals"][metric]["low"].as_f64(), g["intervals"][metric]["high"].as_f64()) {
            let (x1, x2, ym) = (left + lo * width, left + hi * width, y + (row_h - 8.0) / 2.0);
            svg.push_str(&format!(
                r##"<line x1="{x1}" y1="{ym}" x2="{x2}" y2="{ym}" stroke="#222"/><line x1="{x1}" y1="{}" x2="{x1}" y2="{}" stroke="#222"/><line x1="{x2}" y1="{}" x2="{x2}" y2="{}" stroke="#222"/>"##,
                ym - 4.0,
                ym + 4.0,
                ym - 4.0,
                ym + 4.0
            ));
        }
        svg.push_str(&format!(r#"<text x="{}" y="{}" font-size="11">{}</text>"#, left + width + 6.0, y + 14.0, pct(v)));
    }
    svg.push_str("</svg></figure>");
    svg
}

/// Renders a report built by [`crate::report::build`] as a standalone page. `provenance` lists
/// where the numbers came from as (label, text) pairs, e.g. the input file and its SHA-256 and
/// the command that produced it; they are shown verbatim (escaped).
pub fn render(report: &Value, provenance: &[(&str, &str)]) -> String {
    let groups: Vec<Value> = report["by_group"].as_array().cloned().unwrap_or_default();
    let d = &report["disparities"];
    let rates: Vec<(f64, String)> = groups.iter().map(|g| (g["selection_rate"].as_f64().unwrap_or(0.0), label(&g["group"]))).collect();
    let lowest = rates.iter().min_by(|a, b| a.0.total_cmp(&b.0)).cloned().unwrap_or_default();
    let highest = rates.iter().max_by(|a, b| a.0.total_cmp(&b.0)).cloned().unwrap_or_default();
    let ratio = d["demographic_parity_ratio"].as_f64();
    let verdict = match ratio {
        Some(r) if r < 0.8 => format!(
            "<p class=\"fail\"><strong>Four-fifths rule: not met.</strong> The lowest selection rate is {:.0}% of the highest (below 80%).</p>",
            r * 100.0
        ),
        Some(r) => format!(
            "<p class=\"pass\"><strong>Four-fifths rule: met.</strong> The lowest selection rate is {:.0}% of the highest.</p>",
            r * 100.0
        ),
        None => "<p>Four-fifths rule: not defined (no group was selected).</p>".to_owned(),
    };
    let mut html = String::new();
    html.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fairness audit</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:right}td:first-child,th:first-child{text-align:left}.fail{color:#a40000}.pass{color:#1b6e1b}figcaption{font-weight:600;margin:1rem 0 .3rem}code{background:#f4f4f4;padding:.1rem .3rem}</style></head><body>");
    html.push_str("<h1>Fairness audit</h1>");
    html.push_str(&format!(
        "<p>{} decisions in {} groups ({}). Selection rates range from <strong>{}</strong> ({}) to <strong>{}</strong> ({}): a gap of {:.1} percentage points. The largest gap in true or false positive rates between groups (equalized odds difference) is {:.1} points.</p>",
        report["rows"],
        groups.len(),
        esc(&report["sensitive"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" × ")).unwrap_or_default()),
        pct(lowest.0),
        esc(&lowest.1),
        pct(highest.0),
        esc(&highest.1),
        d["demographic_parity_difference"].as_f64().unwrap_or(0.0) * 100.0,
        d["equalized_odds_difference"].as_f64().unwrap_or(0.0) * 100.0,
    ));
    html.push_str(&verdict);
    if let Some(p) = report["independence"]["p_value"].as_f64() {
        html.push_str(&format!(
            "<p>Chi-square test of selection against group: p = {} ({}).</p>",
            if p < 0.001 { format!("{p:.2e}") } else { format!("{p:.3}") },
            if p < 0.05 { "the differences are unlikely to be chance" } else { "the differences could be chance" }
        ));
    }
    html.push_str(&bar_chart("Selection rate per group (bars) with 95% Wilson intervals", &groups, "selection_rate"));
    html.push_str(&bar_chart("True positive rate per group with 95% Wilson intervals", &groups, "true_positive_rate"));
    html.push_str("<h2>Groups</h2><table><tr><th>group</th><th>count</th><th>selection rate</th><th>TPR</th><th>FPR</th><th>precision</th><th>accuracy</th></tr>");
    for g in &groups {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&label(&g["group"])),
            g["count"],
            pct(g["selection_rate"].as_f64().unwrap_or(0.0)),
            pct(g["true_positive_rate"].as_f64().unwrap_or(0.0)),
            pct(g["false_positive_rate"].as_f64().unwrap_or(0.0)),
            pct(g["precision"].as_f64().unwrap_or(0.0)),
            pct(g["accuracy"].as_f64().unwrap_or(0.0)),
        ));
    }
    html.push_str("</table><h2>Disparities</h2><table>");
    for (k, v) in d.as_object().into_iter().flatten() {
        html.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", esc(k), v.as_f64().map_or("n/a".into(), |x| format!("{x:.4}"))));
    }
    html.push_str("</table>");
    let warnings: Vec<&str> = report["warnings"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    if !warnings.is_empty() {
        html.push_str("<h2>Warnings</h2><ul>");
        for w in warnings {
            html.push_str(&format!("<li>{}</li>", esc(w)));
        }
        html.push_str("</ul>");
    }
    html.push_str(&format!("<h2>Provenance</h2><p>{} decisions.</p><dl>", report["rows"]));
    for (label, text) in provenance {
        html.push_str(&format!("<dt>{}</dt><dd><code>{}</code></dd>", esc(label), esc(text)));
    }
    html.push_str("</dl></body></html>\n");
    html
}
