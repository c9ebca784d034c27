//! Inline SVG charts for the console: horizontal bars with their values written out, so the
//! numbers are readable without the picture (and by screen readers, from the table-like labels).

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const COLORS: &[&str] = &["#1d4f91", "#b3541e", "#6b6b6b", "#2e7d32", "#7b1fa2"];

/// One bar per (label, count).
pub(crate) fn bars(title: &str, rows: &[(String, u64)]) -> String {
    if rows.is_empty() {
        return format!("<p>{}: nothing yet.</p>", esc(title));
    }
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let (left, width, row_h) = (190.0, 380.0, 24.0);
    let height = 8.0 + row_h * rows.len() as f64;
    let mut svg = format!(
        r#"<figure><figcaption>{t}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" viewBox="0 0 {w} {height}" width="100%" style="max-width:{w}px">"#,
        t = esc(title),
        w = left + width + 80.0
    );
    for (i, (label, n)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        svg.push_str(&format!(
            r##"<text x="{}" y="{}" font-size="13" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}" font-size="13">{n}</text>"##,
            left - 8.0,
            y + 15.0,
            esc(label),
            (*n as f64 / max * width).max(1.0),
            row_h - 6.0,
            COLORS[0],
            left + (*n as f64 / max * width).max(1.0) + 6.0,
            y + 15.0
        ));
    }
    svg.push_str("</svg></figure>");
    svg
}

/// One stacked bar per group of (group, part, count), parts in `order`, with a legend.
pub(crate) fn stacked(title: &str, rows: &[(String, String, u64)], order: &[&str]) -> String {
    let mut groups: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    groups.dedup();
    if groups.is_empty() {
        return format!("<p>{}: nothing yet.</p>", esc(title));
    }
    let total = |g: &str| rows.iter().filter(|r| r.0 == g).map(|r| r.2).sum::<u64>();
    let max = groups.iter().map(|g| total(g)).max().unwrap_or(1).max(1) as f64;
    let (left, width, row_h) = (300.0, 340.0, 24.0);
    let height = 30.0 + row_h * groups.len() as f64;
    let mut svg = format!(
        r#"<figure><figcaption>{t}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" viewBox="0 0 {w} {height}" width="100%" style="max-width:{w}px">"#,
        t = esc(title),
        w = left + width + 90.0
    );
    for (k, part) in order.iter().enumerate() {
        let x = left + 110.0 * k as f64;
        svg.push_str(&format!(
            r#"<rect x="{x}" y="4" width="12" height="12" fill="{}"/><text x="{}" y="15" font-size="12">{}</text>"#,
            COLORS[k % COLORS.len()],
            x + 16.0,
            esc(part)
        ));
    }
    for (i, g) in groups.iter().enumerate() {
        let y = 26.0 + row_h * i as f64;
        svg.push_str(&format!(r#"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>"#, left - 8.0, y + 15.0, esc(g)));
        let mut x = left;
        for (k, part) in order.iter().enumerate() {
            let n = rows.iter().filter(|r| r.0 == *g && r.1 == *part).map(|r| r.2).sum::<u64>();
            let w = n as f64 / max * width;
            if n > 0 {
                svg.push_str(&format!(
                    r#"<rect x="{x}" y="{y}" width="{w}" height="{}" fill="{}"><title>{}: {n}</title></rect>"#,
                    row_h - 6.0,
                    COLORS[k % COLORS.len()],
                    esc(part)
                ));
            }
            x += w;
        }
        svg.push_str(&format!(r#"<text x="{}" y="{}" font-size="12">{}</text>"#, x + 6.0, y + 15.0, total(g)));
    }
    svg.push_str("</svg></figure>");
    svg
}

/// Signed bars, one per (label, value), most important first: attributions toward (right,
/// blue) and against (left, orange) the outcome.
pub(crate) fn signed(title: &str, rows: &[(String, f64)]) -> String {
    if rows.is_empty() {
        return format!("<p>{}: nothing to show.</p>", esc(title));
    }
    let max = rows.iter().map(|r| r.1.abs()).fold(0.0f64, f64::max).max(1e-12);
    let (label_w, half, row_h) = (220.0, 200.0, 22.0);
    let mid = label_w + half;
    let height = 8.0 + row_h * rows.len() as f64;
    let mut svg = format!(
        r##"<figure><figcaption>{t}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" viewBox="0 0 {w} {height}" width="100%" style="max-width:{w}px"><line x1="{mid}" y1="0" x2="{mid}" y2="{height}" stroke="#888"/>"##,
        t = esc(title),
        w = mid + half + 90.0
    );
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let w = v.abs() / max * half;
        let x = if *v >= 0.0 { mid } else { mid - w };
        let color = if *v >= 0.0 { COLORS[0] } else { COLORS[1] };
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text><rect x="{x}" y="{y}" width="{}" height="{}" fill="{color}"/><text x="{}" y="{}" font-size="12">{:+.4}</text>"#,
            label_w - 6.0,
            y + 14.0,
            esc(label),
            w.max(0.5),
            row_h - 6.0,
            mid + half + 6.0,
            y + 14.0,
            v
        ));
    }
    svg.push_str("</svg></figure>");
    svg
}

/// A line of values over time (oldest first), with the points labelled.
pub(crate) fn trend(title: &str, points: &[(String, f64)]) -> String {
    if points.len() < 2 {
        return format!("<p>{}: the trend appears after two audits.</p>", esc(title));
    }
    let max = points.iter().map(|p| p.1).fold(0.0f64, f64::max).max(1e-9) * 1.15;
    let (w, h, pad) = (560.0, 160.0, 30.0);
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (points.len() - 1) as f64;
    let y = |v: f64| h - pad - (h - 2.0 * pad) * v / max;
    let path: Vec<String> = points.iter().enumerate().map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.1))).collect();
    let mut svg = format!(
        r#"<figure><figcaption>{t}</figcaption><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{t}" viewBox="0 0 {w} {h}" width="100%" style="max-width:{w}px"><polyline fill="none" stroke="{c}" stroke-width="2" points="{p}"/>"#,
        t = esc(title),
        c = COLORS[0],
        p = path.join(" ")
    );
    for (i, (label, v)) in points.iter().enumerate() {
        svg.push_str(&format!(
            r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{}: {v:.4}</title></circle><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{v:.3}</text>"#,
            x(i),
            y(*v),
            COLORS[0],
            esc(label),
            x(i),
            y(*v) - 8.0
        ));
    }
    svg.push_str("</svg></figure>");
    svg
}
