//! Effect sizes: how large a shift is, whatever its significance. Wasserstein distance normed
//! by the reference's standard deviation, the population stability index on reference-decile
//! bins, and the Jensen-Shannon distance.

/// Proportions are clipped to at least this before PSI's logarithm (an empty bin would make
/// it infinite).
pub const PSI_EPS: f64 = 1e-4;

/// The first Wasserstein distance between two sorted, NaN-free samples: the area between
/// their empirical CDFs (scipy `wasserstein_distance`).
pub fn wasserstein_sorted(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return f64::NAN;
    }
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut area = 0.0;
    let mut prev = a[0].min(b[0]);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.min(*y),
            (Some(x), None) => *x,
            (None, Some(y)) => *y,
            (None, None) => break,
        };
        area += (i as f64 / n1 - j as f64 / n2).abs() * (next - prev);
        while i < a.len() && a[i] <= next {
            i += 1;
        }
        while j < b.len() && b[j] <= next {
            j += 1;
        }
        prev = next;
    }
    area
}

/// The reference's decile edges (numpy's linear percentiles at 10 %, ..., 90 %), without
/// repeats: the one binning PSI and Jensen-Shannon use for numeric columns. Bin i holds the
/// values in (edge[i-1], edge[i]], the first from minus infinity, the last to plus infinity.
pub fn decile_edges(sorted_reference: &[f64]) -> Vec<f64> {
    let n = sorted_reference.len();
    if n == 0 {
        return Vec::new();
    }
    let mut edges: Vec<f64> = (1..10)
        .map(|k| {
            let pos = (n - 1) as f64 * k as f64 / 10.0;
            let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
            let hi = (lo + 1).min(n - 1);
            sorted_reference[lo] + (sorted_reference[hi] - sorted_reference[lo]) * frac
        })
        .collect();
    edges.dedup();
    edges
}

/// Counts of a sorted sample in the bins of `edges` (see [`decile_edges`]).
pub fn bin_counts(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    let mut counts = vec![0u64; edges.len() + 1];
    let mut start = 0usize;
    for (i, e) in edges.iter().enumerate() {
        let end = start + sorted[start..].partition_point(|v| v <= e);
        counts[i] = (end - start) as u64;
        start = end;
    }
    counts[edges.len()] = (sorted.len() - start) as u64;
    counts
}

fn shares(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts.iter().map(|c| if total == 0 { 0.0 } else { *c as f64 / total as f64 }).collect()
}

/// The population stability index sum (c - r) ln(c / r) over bins, shares clipped to
/// [`PSI_EPS`].
pub fn psi(reference: &[u64], current: &[u64]) -> f64 {
    shares(reference)
        .iter()
        .zip(shares(current))
        .map(|(r, c)| {
            let (r, c) = (r.max(PSI_EPS), c.max(PSI_EPS));
            (c - r) * (c / r).ln()
        })
        .sum()
}

/// The Jensen-Shannon distance (base 2, so within [0, 1]) between the two count vectors'
/// distributions (scipy `jensenshannon(p, q, base=2)`).
pub fn jensen_shannon(reference: &[u64], current: &[u64]) -> f64 {
    let (p, q) = (shares(reference), shares(current));
    let kl = |a: &[f64], m: &[f64]| -> f64 { a.iter().zip(m).filter(|(x, _)| **x > 0.0).map(|(x, y)| x * (x / y).log2()).sum() };
    let m: Vec<f64> = p.iter().zip(&q).map(|(a, b)| (a + b) / 2.0).collect();
    ((kl(&p, &m) + kl(&q, &m)) / 2.0).max(0.0).sqrt()
}
