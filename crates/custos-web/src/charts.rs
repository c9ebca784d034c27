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
