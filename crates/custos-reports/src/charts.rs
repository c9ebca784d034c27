//! Inline SVG charts for the console. Each carries its numbers three ways: written beside the
//! bars, in the SVG's `<desc>` (what a screen reader announces with the title), and in a small
//! table under the picture, so they can be read, copied and searched without the picture.
//! Text goes through askama's HTML escaper, the same one the templates use.

use std::fmt::Write as _;

/// Text made safe for HTML and SVG (askama's escaper: `& < > " '`).
pub fn esc(s: &str) -> String {
    askama::filters::escape(s, askama::filters::Html).map(|e| e.to_string()).unwrap_or_default()
}

/// A bar of a rate chart: the label, the rate in [0, 1] and its interval.
pub type RateBar = (String, f64, Option<(f64, f64)>);

const COLORS: &[&str] = &["#1d4f91", "#b3541e", "#6b6b6b", "#2e7d32", "#7b1fa2"];

/// A chart's frame: the figure, the SVG with its title and description, then the table.
fn figure(title: &str, view: (f64, f64), body: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let desc = rows.iter().map(|r| r.join(": ")).collect::<Vec<_>>().join("; ");
    let mut out = format!(
        r#"<figure class="chart"><figcaption>{t}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px"><title>{t}</title><desc>{d}</desc>{body}</svg>"#,
        t = esc(title),
        w = view.0,
        h = view.1,
        d = esc(&desc),
    );
    out.push_str(r#"<table class="chart-numbers cards"><caption>The numbers</caption><thead><tr>"#);
    for h in header {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for (i, cell) in r.iter().enumerate() {
            let _ = write!(out, r#"<td data-label="{}">{}</td>"#, esc(header.get(i).copied().unwrap_or("")), esc(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></figure>");
    out
}

/// One bar per (label, count).
pub fn bars(title: &str, rows: &[(String, u64)]) -> String {
    if rows.is_empty() {
        return format!("<p>{}: nothing yet.</p>", esc(title));
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let (left, width, row_h) = (190.0, 380.0, 24.0);
    let height = 8.0 + row_h * rows.len() as f64;
    let mut body = String::new();
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = (*n as f64 / max * width).max(1.0);
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{w}" height="{}" fill="{}"/><text x="{}" y="{}" font-size="13">{n}</text>"#,
            left - 8.0,
            y + 15.0,
            esc(label),
            row_h - 6.0,
            COLORS[0],
            left + w + 6.0,
            y + 15.0
        );
    }
    let table: Vec<Vec<String>> = rows.iter().map(|(l, n)| vec![l.clone(), n.to_string()]).collect();
    figure(title, (left + width + 80.0, height), &body, &["", "Count"], &table)
}

/// One stacked bar per group of (group, part, count), parts in `order` (with their labels),
/// with a legend.
pub fn stacked(title: &str, rows: &[(String, String, u64)], order: &[(&str, &str)]) -> String {
    let mut groups: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    groups.dedup();
    if groups.is_empty() {
        return format!("<p>{}: nothing yet.</p>", esc(title));
    }
    let count = |g: &str, part: &str| rows.iter().filter(|r| r.0 == g && r.1 == part).map(|r| r.2).sum::<u64>();
    let total = |g: &str| rows.iter().filter(|r| r.0 == g).map(|r| r.2).sum::<u64>();
    let max = groups.iter().map(|g| total(g)).max().unwrap_or(1).max(1) as f64;
    let (left, width, row_h) = (300.0, 340.0, 24.0);
    let height = 30.0 + row_h * groups.len() as f64;
    let mut body = String::new();
    for (k, (_, label)) in order.iter().enumerate() {
        let x = left + 110.0 * k as f64;
        let _ = write!(
            body,
            r#"<rect x="{x}" y="4" width="12" height="12" fill="{}"/><text x="{}" y="15" font-size="12">{}</text>"#,
            COLORS[k % COLORS.len()],
            x + 16.0,
            esc(label)
        );
    }
    for (i, g) in groups.iter().enumerate() {
        let y = 26.0 + row_h * i as f64;
        let _ = write!(body, r#"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"#, left - 8.0, y + 15.0, esc(g));
        let mut x = left;
        for (k, (part, label)) in order.iter().enumerate() {
            let n = count(g, part);
            let w = n as f64 / max * width;
            if n > 0 {
                let _ = write!(
                    body,
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{}" fill="{}"><title>{}: {n}</title></rect>"#,
                    row_h - 6.0,
                    COLORS[k % COLORS.len()],
                    esc(label)
                );
            }
            x += w;
        }
        let _ = write!(body, r#"<text x="{}" y="{}" font-size="12">{}</text>"#, x + 6.0, y + 15.0, total(g));
    }
    let mut header = vec![""];
    header.extend(order.iter().map(|(_, l)| *l));
    header.push("Total");
    let table: Vec<Vec<String>> = groups
        .iter()
        .map(|g| {
            let mut row = vec![(*g).to_owned()];
            row.extend(order.iter().map(|(p, _)| count(g, p).to_string()));
            row.push(total(g).to_string());
            row
        })
        .collect();
    figure(title, (left + width + 90.0, height), &body, &header, &table)
}

/// Rates in [0, 1], one bar per (label, rate, interval), with a percentage axis and the
/// interval drawn as a whisker.
pub fn rates(title: &str, rows: &[RateBar]) -> String {
    if rows.is_empty() {
        return format!("<p>{}: nothing to show.</p>", esc(title));
    }
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let (left, width, row_h) = (230.0, 460.0, 26.0);
    let height = 30.0 + row_h * rows.len() as f64;
    let mut body = String::new();
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = left + tick * width;
        let _ = write!(
            body,
            r##"<line x1="{x}" y1="18" x2="{x}" y2="{height}" stroke="#ddd"/><text x="{x}" y="12" font-size="10" text-anchor="middle">{}</text>"##,
            pct(tick)
        );
    }
    for (i, (label, v, interval)) in rows.iter().enumerate() {
        let y = 22.0 + row_h * i as f64;
        let _ = write!(
            body,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{}" height="{}" fill="#4a7bb7"/>"##,
            left - 8.0,
            y + 14.0,
            esc(label),
            (v * width).max(0.5),
            row_h - 8.0
        );
        if let Some((lo, hi)) = interval {
            let (x1, x2, ym) = (left + lo * width, left + hi * width, y + (row_h - 8.0) / 2.0);
            let _ = write!(
                body,
                r##"<line x1="{x1}" y1="{ym}" x2="{x2}" y2="{ym}" stroke="#222"/><line x1="{x1}" y1="{}" x2="{x1}" y2="{}" stroke="#222"/><line x1="{x2}" y1="{}" x2="{x2}" y2="{}" stroke="#222"/>"##,
                ym - 4.0,
                ym + 4.0,
                ym - 4.0,
                ym + 4.0
            );
        }
        let _ = write!(body, r#"<text x="{}" y="{}" font-size="11">{}</text>"#, left + width + 6.0, y + 14.0, pct(*v));
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|(l, v, i)| {
            vec![l.clone(), pct(*v), i.map_or_else(|| "not defined".to_owned(), |(lo, hi)| format!("{} to {}", pct(lo), pct(hi)))]
        })
        .collect();
    figure(title, (left + width + 70.0, height), &body, &["Group", "Rate", "95% interval"], &table)
}

/// Signed bars, one per (label, value), most important first: attributions toward (right,
/// blue) and against (left, orange) the outcome.
pub fn signed(title: &str, rows: &[(String, f64)]) -> String {
    if rows.is_empty() {
        return format!("<p>{}: nothing to show.</p>", esc(title));
    }
    let max = rows.iter().map(|r| r.1.abs()).fold(0.0f64, f64::max).max(1e-12);
    let (label_w, half, row_h) = (220.0, 200.0, 22.0);
    let mid = label_w + half;
    let height = 8.0 + row_h * rows.len() as f64;
    let mut body = format!(r##"<line x1="{mid}" y1="0" x2="{mid}" y2="{height}" stroke="#888"/>"##);
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = v.abs() / max * half;
        let x = if *v >= 0.0 { mid } else { mid - w };
        let color = if *v >= 0.0 { COLORS[0] } else { COLORS[1] };
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text><rect x="{x}" y="{y}" width="{}" height="{}" fill="{color}"/><text x="{}" y="{}" font-size="12">{:+.4}</text>"#,
            label_w - 6.0,
            y + 14.0,
            esc(label),
            w.max(0.5),
            row_h - 6.0,
            mid + half + 6.0,
            y + 14.0,
            v
        );
    }
    let table: Vec<Vec<String>> = rows.iter().map(|(l, v)| vec![l.clone(), format!("{v:+.4}")]).collect();
    figure(title, (mid + half + 90.0, height), &body, &["Feature", "Attribution"], &table)
}

/// A line of values over time (oldest first) with a value axis and the first and last dates:
/// (date as people read it, value).
pub fn trend(title: &str, value_name: &str, points: &[(String, f64)]) -> String {
    let points: Vec<TrendPoint> = points.iter().map(|(d, v)| TrendPoint { label: d.clone(), value: *v, interval: None }).collect();
    trend_with(title, value_name, "Audit finished", &points, None)
}

/// One point of [`trend_with`].
pub struct TrendPoint {
    /// The date as people read it.
    pub label: String,
    /// The value.
    pub value: f64,
    /// Its 95 % interval, drawn as a band.
    pub interval: Option<(f64, f64)>,
}

/// A line of values over time (oldest first): a value axis, the first and last dates along
/// the bottom, each point's 95 % interval as a shaded band, and an optional threshold as a
/// dashed line with its label. The table below carries every number (intervals included) for
/// screen readers; `when` names its date column.
pub fn trend_with(title: &str, value_name: &str, when: &str, points: &[TrendPoint], threshold: Option<(&str, f64)>) -> String {
    if points.len() < 2 {
        let shown = points.first().map(|p| format!(" ({}: {:.3})", p.label, p.value)).unwrap_or_default();
        return format!("<p>{}: the trend appears after two points{}.</p>", esc(title), esc(&shown));
    }
    let top_value =
        points.iter().map(|p| p.interval.map_or(p.value, |(_, h)| h.max(p.value))).chain(threshold.map(|t| t.1)).fold(0.0f64, f64::max);
    let max = top_value.max(1e-9) * 1.15;
    let (w, h, left, pad) = (600.0, 200.0, 56.0, 30.0);
    let x = |i: usize| left + (w - left - pad) * i as f64 / (points.len() - 1) as f64;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * v.max(0.0) / max;
    let mut body = String::new();
    // Axes: values on the left (0, half, max), dates along the bottom (first and last).
    let _ = write!(
        body,
        r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="#888"/><line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#888"/>"##,
        top = pad,
        bottom = h - pad,
        right = w - pad
    );
    for tick in [0.0, max / 2.0, max] {
        let _ = write!(body, r#"<text x="{}" y="{:.1}" font-size="11" text-anchor="end">{tick:.3}</text>"#, left - 6.0, y(tick) + 4.0);
    }
    let last = points.len() - 1;
    let _ = write!(body, r#"<text x="{}" y="{}" font-size="11">{}</text>"#, left, h - 8.0, esc(&points[0].label));
    let _ = write!(body, r#"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>"#, w - pad, h - 8.0, esc(&points[last].label));
    // One band per run of consecutive points with an interval (a gap is not bridged); a lone
    // point's interval is an error bar.
    let mut run: Vec<(usize, (f64, f64))> = Vec::new();
    let mut runs: Vec<Vec<(usize, (f64, f64))>> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.interval {
            Some(iv) => run.push((i, iv)),
            None => runs.push(std::mem::take(&mut run)),
        }
    }
    runs.push(run);
    for run in runs.iter().filter(|r| !r.is_empty()) {
        if let [(i, (lo, hi))] = run.as_slice() {
            let _ = write!(
                body,
                r#"<line class="interval" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{}" stroke-opacity="0.5" stroke-width="6"/>"#,
                y(*hi),
                y(*lo),
                COLORS[0],
                x = x(*i)
            );
            continue;
        }
        let upper = run.iter().map(|(i, (_, hi))| format!("{:.1},{:.1}", x(*i), y(*hi)));
        let lower = run.iter().rev().map(|(i, (lo, _))| format!("{:.1},{:.1}", x(*i), y(*lo)));
        let outline: Vec<String> = upper.chain(lower).collect();
        let _ = write!(
            body,
            r#"<polygon class="interval" fill="{}" fill-opacity="0.18" stroke="none" points="{}"/>"#,
            COLORS[0],
            outline.join(" ")
        );
    }
    if let Some((name, t)) = threshold {
        let _ = write!(
            body,
            r##"<line class="threshold" x1="{left}" y1="{ty:.1}" x2="{right}" y2="{ty:.1}" stroke="#b00" stroke-dasharray="6 4"/><text x="{right}" y="{ly:.1}" font-size="11" text-anchor="end" fill="#b00">{label}</text>"##,
            ty = y(t),
            right = w - pad,
            ly = y(t) - 4.0,
            label = esc(&format!("{name} {t:.3}"))
        );
    }
    let path: Vec<String> = points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.value))).collect();
    let _ = write!(body, r#"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"#, COLORS[0], path.join(" "));
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            body,
            r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{}: {:.4}</title></circle>"#,
            x(i),
            y(p.value),
            COLORS[0],
            esc(&p.label),
            p.value
        );
    }
    let with_intervals = points.iter().any(|p| p.interval.is_some());
    let table: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            let mut row = vec![p.label.clone(), format!("{:.4}", p.value)];
            if with_intervals {
                row.push(p.interval.map_or_else(|| "—".to_owned(), |(l, h)| format!("{l:.4} to {h:.4}")));
            }
            row
        })
        .collect();
    let headers: Vec<&str> = if with_intervals { vec![when, value_name, "95% interval"] } else { vec![when, value_name] };
    figure(title, (w, h), &body, &headers, &table)
}

/// A 5 x 5 risk matrix: impact along the bottom (1-5), likelihood up the side (1-5), each cell
/// coloured by its score (likelihood times impact) and carrying how many risks sit there;
/// `counts[likelihood - 1][impact - 1]`.
pub fn heat_map(title: &str, counts: &[[u64; 5]; 5]) -> String {
    let (left, top, cell) = (70.0, 10.0, 56.0);
    let mut body = String::new();
    for l in 1..=5u8 {
        for i in 1..=5u8 {
            let score = l * i;
            let fill = match score {
                0..=4 => "#cfe8cf",
                5..=9 => "#f6e7a6",
                10..=14 => "#f4bf8a",
                _ => "#e8958d",
            };
            let x = left + cell * f64::from(i - 1);
            let y = top + cell * f64::from(5 - l);
            let n = counts[usize::from(l - 1)][usize::from(i - 1)];
            let _ =
                write!(body, r##"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>"##);
            if n > 0 {
                let _ = write!(
                    body,
                    r#"<text x="{}" y="{}" font-size="18" font-weight="bold" text-anchor="middle">{n}</text>"#,
                    x + cell / 2.0,
                    y + cell / 2.0 + 6.0
                );
            }
        }
    }
    let bottom = top + cell * 5.0;
    for k in 1..=5u8 {
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" font-size="13" text-anchor="middle">{k}</text><text x="{}" y="{}" font-size="13" text-anchor="end">{k}</text>"#,
            left + cell * (f64::from(k) - 0.5),
            bottom + 18.0,
            left - 8.0,
            top + cell * (5.5 - f64::from(k)) + 5.0
        );
    }
    let _ = write!(
        body,
        r#"<text x="{}" y="{}" font-size="13" text-anchor="middle">Impact</text><text x="16" y="{}" font-size="13" text-anchor="middle" transform="rotate(-90 16 {})">Likelihood</text>"#,
        left + cell * 2.5,
        bottom + 38.0,
        top + cell * 2.5,
        top + cell * 2.5
    );
    let mut rows = Vec::new();
    for l in (1..=5u8).rev() {
        for i in (1..=5u8).rev() {
            let n = counts[usize::from(l - 1)][usize::from(i - 1)];
            if n > 0 {
                rows.push(vec![l.to_string(), i.to_string(), (l * i).to_string(), n.to_string()]);
            }
        }
    }
    figure(title, (left + cell * 5.0 + 10.0, bottom + 48.0), &body, &["Likelihood", "Impact", "Score", "Risks"], &rows)
}

/// One vendor in a data-flow diagram: its name, its role in words, and whether data may flow
/// to it today (with why not).
pub struct FlowTarget {
    /// Its name.
    pub name: String,
    /// Its role in plain words.
    pub role: String,
    /// Why the gate would refuse its declared data today; None when it may receive it.
    pub blocked: Option<String>,
}

/// A data-flow diagram: sources (AI systems) on the left, vendors on the right, one line per
/// flow labelled with the data categories it carries; a vendor data may not reach today is
/// drawn dashed in red. `edges` are (source index, target index, categories).
pub fn flows(title: &str, sources: &[String], targets: &[FlowTarget], edges: &[(usize, usize, String)]) -> String {
    if targets.is_empty() {
        return format!("<p>{}: no vendor yet.</p>", esc(title));
    }
    let (row, box_w, box_h, left, right) = (64.0, 220.0, 44.0, 10.0, 560.0);
    let n = sources.len().max(targets.len()).max(1) as f64;
    let height = 20.0 + row * n;
    let y_of = |i: usize, count: usize| {
        let span = row * count.max(1) as f64;
        10.0 + (height - 20.0 - span) / 2.0 + row * i as f64 + (row - box_h) / 2.0
    };
    let mut body = String::new();
    for (s, t, cats) in edges {
        let (Some(_), Some(target)) = (sources.get(*s), targets.get(*t)) else { continue };
        let (y1, y2) = (y_of(*s, sources.len()) + box_h / 2.0, y_of(*t, targets.len()) + box_h / 2.0);
        let (x1, x2) = (left + box_w, right);
        let (stroke, dash) = if target.blocked.is_some() { ("#b3261e", r#" stroke-dasharray="6 4""#) } else { ("#1d4f91", "") };
        let _ = write!(
            body,
            r#"<path d="M{x1} {y1} C{mx} {y1}, {mx} {y2}, {x2} {y2}" fill="none" stroke="{stroke}" stroke-width="2"{dash}><title>{t}</title></path>"#,
            mx = (x1 + x2) / 2.0,
            t = esc(cats)
        );
    }
    for (i, s) in sources.iter().enumerate() {
        let y = y_of(i, sources.len());
        let _ = write!(
            body,
            r##"<rect x="{left}" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="#eef2f8" stroke="#1d4f91"/><text x="{}" y="{}" font-size="13" text-anchor="middle">{}</text>"##,
            left + box_w / 2.0,
            y + box_h / 2.0 + 5.0,
            esc(&short(s, 30))
        );
    }
    for (i, t) in targets.iter().enumerate() {
        let y = y_of(i, targets.len());
        let (fill, stroke) = if t.blocked.is_some() { ("#fbe9e7", "#b3261e") } else { ("#edf7ed", "#2e7d32") };
        let _ = write!(
            body,
            r#"<rect x="{right}" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" stroke="{stroke}"/><text x="{cx}" y="{}" font-size="13" text-anchor="middle" font-weight="bold">{}</text><text x="{cx}" y="{}" font-size="11" text-anchor="middle">{}</text>"#,
            y + 18.0,
            esc(&short(&t.name, 30)),
            y + 34.0,
            esc(&format!("{}{}", t.role, if t.blocked.is_some() { " · blocked" } else { "" })),
            cx = right + box_w / 2.0,
        );
    }
    let rows: Vec<Vec<String>> = edges
        .iter()
        .filter_map(|(s, t, cats)| {
            let (source, target) = (sources.get(*s)?, targets.get(*t)?);
            Some(vec![
                source.clone(),
                target.name.clone(),
                cats.clone(),
                target.blocked.clone().unwrap_or_else(|| "May receive it".to_owned()),
            ])
        })
        .collect();
    figure(title, (right + box_w + 10.0, height), &body, &["From", "To", "Data categories", "Today"], &rows)
}

/// A purpose's privacy budget for [`budgets`]: spent of total, in its unit (ε or ρ).
pub struct BudgetBar {
    /// The purpose's name.
    pub label: String,
    /// Spent since the last reset.
    pub spent: f64,
    /// The total.
    pub total: f64,
    /// `ε` or `ρ`.
    pub unit: &'static str,
}

/// One bar per budget: the spent part dark, the remaining part light, the figures beside.
pub fn budgets(title: &str, rows: &[BudgetBar]) -> String {
    if rows.is_empty() {
        return format!("<p>{}: nothing yet.</p>", esc(title));
    }
    let (left, width, row_h) = (230.0, 380.0, 26.0);
    let height = 34.0 + row_h * rows.len() as f64;
    let mut body = format!(
        r##"<rect x="{left}" y="2" width="10" height="10" fill="{}"/><text x="{}" y="11" font-size="11">Spent</text><rect x="{}" y="2" width="10" height="10" fill="#c9d6e8"/><text x="{}" y="11" font-size="11">Remaining</text>"##,
        COLORS[0],
        left + 14.0,
        left + 70.0,
        left + 84.0
    );
    let fmt = |v: f64| {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    for (i, b) in rows.iter().enumerate() {
        let y = 22.0 + row_h * i as f64;
        let share = if b.total > 0.0 { (b.spent / b.total).clamp(0.0, 1.0) } else { 1.0 };
        let _ = write!(
            body,
            r##"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{}" height="{}" fill="{}"/><rect x="{}" y="{y}" width="{}" height="{}" fill="#c9d6e8"/><text x="{}" y="{}" font-size="11">{} of {} {} spent</text>"##,
            left - 8.0,
            y + 14.0,
            esc(&short(&b.label, 34)),
            share * width,
            row_h - 8.0,
            COLORS[0],
            left + share * width,
            (1.0 - share) * width,
            row_h - 8.0,
            left + width + 6.0,
            y + 14.0,
            fmt(b.spent),
            fmt(b.total),
            b.unit
        );
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|b| {
            vec![
                b.label.clone(),
                format!("{} {}", fmt(b.spent), b.unit),
                format!("{} {}", fmt((b.total - b.spent).max(0.0)), b.unit),
                format!("{} {}", fmt(b.total), b.unit),
            ]
        })
        .collect();
    figure(title, (left + width + 150.0, height), &body, &["Purpose", "Spent", "Remaining", "Budget"], &table)
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_owned() } else { format!("{}…", s.chars().take(max - 1).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_carry_their_numbers_and_escape_text() {
        let svg = bars("Requests by status", &[("<Pending>".to_owned(), 3), ("Done's".to_owned(), 12)]);
        assert!(svg.contains("&#60;Pending&#62;") && !svg.contains("<Pending>"), "{svg}");
        assert!(svg.contains("Done&#39;s"), "apostrophes are escaped too: {svg}");
        assert!(svg.contains("<desc>&#60;Pending&#62;: 3; Done&#39;s: 12</desc>"), "{svg}");
        assert!(svg.contains(r#"<td data-label="Count">12</td>"#), "{svg}");
        let line = trend("DPD", "Demographic parity difference", &[("1 Dec 2026".into(), 0.1), ("2 Dec 2026".into(), 0.25)]);
        assert!(line.contains(">1 Dec 2026<") && line.contains(">2 Dec 2026<"), "dates on the axis: {line}");
        assert!(line.contains("<td data-label=\"Demographic parity difference\">0.2500</td>"), "{line}");
        let points = [
            TrendPoint { label: "1 Dec".into(), value: 0.9, interval: Some((0.85, 0.95)) },
            TrendPoint { label: "2 Dec".into(), value: 0.7, interval: Some((0.6, 0.8)) },
        ];
        let banded = trend_with("Accuracy", "Accuracy", "Window ending", &points, Some(("Floor", 0.8)));
        assert!(
            banded.contains("class=\"interval\"") && banded.contains("class=\"threshold\"") && banded.contains(">Floor 0.800<"),
            "{banded}"
        );
        assert!(banded.contains("<td data-label=\"95% interval\">0.6000 to 0.8000</td>"), "{banded}");
        assert!(banded.contains("<td data-label=\"Window ending\">2 Dec</td>"), "{banded}");
        let gap = [
            TrendPoint { label: "1 Dec".into(), value: 0.9, interval: Some((0.85, 0.95)) },
            TrendPoint { label: "2 Dec".into(), value: 0.8, interval: None },
            TrendPoint { label: "3 Dec".into(), value: 0.7, interval: Some((0.6, 0.8)) },
        ];
        let gapped = trend_with("Accuracy", "Accuracy", "Window ending", &gap, None);
        assert!(!gapped.contains("<polygon") && gapped.matches("<line class=\"interval\"").count() == 2, "a gap is not bridged: {gapped}");
        assert!(gapped.contains("<td data-label=\"95% interval\">—</td>"), "{gapped}");
        let stacked = stacked("Consents", &[("a".into(), "granted".into(), 2)], &[("granted", "Granted"), ("denied", "Denied")]);
        assert!(stacked.contains("<td data-label=\"Granted\">2</td>") && stacked.contains("<td data-label=\"Total\">2</td>"), "{stacked}");
        let spent = budgets(
            "Budget",
            &[
                BudgetBar { label: "<Ads>".into(), spent: 0.75, total: 2.0, unit: "ε" },
                BudgetBar { label: "Over".into(), spent: 3.0, total: 2.0, unit: "ρ" },
            ],
        );
        assert!(spent.contains("&#60;Ads&#62;") && !spent.contains("<Ads>"), "{spent}");
        assert!(
            spent.contains("<td data-label=\"Remaining\">1.25 ε</td>") && spent.contains("<td data-label=\"Remaining\">0 ρ</td>"),
            "{spent}"
        );
        assert!(spent.contains(">0.75 of 2 ε spent<") && spent.contains(r#"width="142.5""#), "3/8 of the bar is spent: {spent}");
        assert!(spent.contains(r#"<rect x="230" y="48" width="380""#), "an overspent budget fills its bar: {spent}");
    }
}
