//! The HTML drift report: per column an SVG chart (overlaid histograms of the two samples on
//! shared bins, or the categories' shares side by side) with its numbers in a table for screen
//! readers, the tests, and a plain-language summary.

use std::fmt::Write as _;

use custos_monitor::{ColumnInput, DriftReport, Sample, Verdict};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Bars of one chart: a label and the reference's and current's shares.
fn bars(input: &ColumnInput) -> Vec<(String, f64, f64)> {
    match (&input.reference, &input.current) {
        (Sample::Numeric { values: r, .. }, Sample::Numeric { values: c, .. }) => {
            let (lo, hi) = r.iter().chain(c).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
            if !lo.is_finite() {
                return Vec::new();
            }
            const BINS: usize = 20;
            let width = if hi > lo { (hi - lo) / BINS as f64 } else { 1.0 };
            let hist = |x: &[f64]| {
                let mut h = vec![0u64; BINS];
                for v in x {
                    h[(((v - lo) / width) as usize).min(BINS - 1)] += 1;
                }
                let n = x.len().max(1) as f64;
                h.into_iter().map(move |k| k as f64 / n).collect::<Vec<f64>>()
            };
            let (hr, hc) = (hist(r), hist(c));
            (0..BINS).map(|i| (format!("{:.4} to {:.4}", lo + width * i as f64, lo + width * (i + 1) as f64), hr[i], hc[i])).collect()
        }
        (Sample::Categorical { counts: r, .. }, Sample::Categorical { counts: c, .. }) => {
            let (nr, nc) = (r.values().sum::<u64>().max(1) as f64, c.values().sum::<u64>().max(1) as f64);
            let mut names: Vec<&String> = r.keys().chain(c.keys()).collect();
            names.sort();
            names.dedup();
            // The 20 largest categories by their larger share.
            let mut rows: Vec<(String, f64, f64)> =
                names.into_iter().map(|n| (n.clone(), *r.get(n).unwrap_or(&0) as f64 / nr, *c.get(n).unwrap_or(&0) as f64 / nc)).collect();
            rows.sort_by(|a, b| b.1.max(b.2).total_cmp(&a.1.max(a.2)));
            rows.truncate(20);
            rows
        }
        (Sample::Sketch(r), Sample::Sketch(c)) => {
            let (Some((lo1, hi1)), Some((lo2, hi2))) = (r.quantiles.range(), c.quantiles.range()) else { return Vec::new() };
            let (lo, hi) = (lo1.min(lo2), hi1.max(hi2));
            const BINS: usize = 20;
            let width = if hi > lo { (hi - lo) / BINS as f64 } else { 1.0 };
            let (vr, vc) = (r.quantiles.sorted_view(), c.quantiles.sorted_view());
            // Shares between bin edges from the estimated CDFs (the sketches' rank error applies).
            let share = |v: &custos_monitor::kll::SortedView, i: usize| {
                let below = if i == 0 { 0.0 } else { v.cdf(lo + width * i as f64) };
                let upto = if i + 1 == BINS { 1.0 } else { v.cdf(lo + width * (i + 1) as f64) };
                (upto - below).max(0.0)
            };
            (0..BINS)
                .map(|i| (format!("{:.4} to {:.4}", lo + width * i as f64, lo + width * (i + 1) as f64), share(&vr, i), share(&vc, i)))
                .collect()
        }
        _ => Vec::new(),
    }
}

fn chart(name: &str, rows: &[(String, f64, f64)]) -> String {
    let (w, h, pad) = (640.0, 200.0, 24.0);
    let top = rows.iter().map(|r| r.1.max(r.2)).fold(0.0f64, f64::max).max(1e-9);
    let step = (w - 2.0 * pad) / rows.len().max(1) as f64;
    let mut svg = format!(
        "<svg role=\"img\" aria-labelledby=\"t-{id}\" viewBox=\"0 0 {w} {h}\" width=\"100%\"><title id=\"t-{id}\">Shares of {n} in the reference (grey) and now (blue); the table below holds the numbers</title>",
        id = escape(name),
        n = escape(name)
    );
    let _ = write!(svg, "<line x1=\"{pad}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#333\"/>", y = h - pad, x2 = w - pad);
    for (i, (label, r, c)) in rows.iter().enumerate() {
        let x = pad + step * i as f64;
        let bar = |share: f64| share / top * (h - 2.0 * pad);
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#bbb\"><title>{} reference {:.1}%</title></rect>",
            h - pad - bar(*r),
            step * 0.45,
            bar(*r),
            escape(label),
            r * 100.0
        );
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#2563eb\"><title>{} now {:.1}%</title></rect>",
            x + step * 0.45,
            h - pad - bar(*c),
            step * 0.45,
            bar(*c),
            escape(label),
            c * 100.0
        );
    }
    svg.push_str("</svg>");
    let mut table = String::from("<table class=\"numbers\"><tr><th>Values</th><th>Reference</th><th>Now</th></tr>");
    for (label, r, c) in rows {
        let _ = write!(table, "<tr><td>{}</td><td>{:.1}%</td><td>{:.1}%</td></tr>", escape(label), r * 100.0, c * 100.0);
    }
    table.push_str("</table>");
    format!("{svg}<details><summary>The numbers</summary>{table}</details>")
}

/// The whole page.
pub fn page(report: &DriftReport, inputs: &[ColumnInput]) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Drift report</h1><p>{} of {} columns drifted. Reference: {} rows; now: {} rows. Error rate {} across all columns ({}).</p>",
        report.drifted_columns,
        report.columns.len(),
        report.rows.reference,
        report.rows.current,
        report.alpha,
        match report.correction {
            custos_monitor::Correction::Holm => "Holm's correction: the chance of any false alarm in this report is at most that",
            custos_monitor::Correction::Bh => "Benjamini-Hochberg: the expected share of false alarms among alarms is at most that",
            custos_monitor::Correction::None => "no correction: each column on its own",
        }
    );
    for (c, input) in report.columns.iter().zip(inputs) {
        let label = match c.verdict {
            Verdict::Drift => "Drift",
            Verdict::DetectableButSmall => "Small but real change",
            Verdict::NoDrift => "No drift",
        };
        let _ = write!(body, "<section><h2>{} <small>{}</small></h2><p>{}</p>", escape(&c.column), label, escape(&c.summary));
        body.push_str(&chart(&c.column, &bars(input)));
        body.push_str("<table><tr><th>Test</th><th>Statistic</th><th>p-value</th></tr>");
        for t in &c.tests {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{:.4}</td><td>{:.3e}</td></tr>",
                escape(&t.method.replace('_', " ")),
                t.statistic,
                t.p_value
            );
        }
        let _ = write!(
            body,
            "</table><p>Column p-value {:.3e} (its tests combined), adjusted across columns {:.3e}; {} {:.4} against a smallest effect of {}.</p></section>",
            c.p_value,
            c.p_value_adjusted,
            escape(&c.effect_size.method.replace('_', " ")),
            c.effect_size.value,
            c.min_effect
        );
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Drift report</title><style>body{{font:15px/1.5 system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em}}table{{border-collapse:collapse}}td,th{{padding:2px 8px;text-align:left;border-bottom:1px solid #ddd}}section{{margin:2em 0}}small{{font-weight:normal;color:#555}}</style></head><body>{body}</body></html>\n"
    )
}
