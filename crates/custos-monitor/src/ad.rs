//! The Anderson-Darling k-sample test (Scholz and Stephens 1987, the midrank statistic for
//! data with ties, their equation 7), sensitive to differences in the tails that the KS test
//! misses.
//!
//! The p-value follows Scholz and Stephens' Table 2: the standardized statistic's critical
//! values for seven levels, interpolated by a quadratic in log p (as scipy's
//! `anderson_ksamp` does). Inside the table (p from 0.001 to 0.25) the p-value equals scipy's;
//! outside, where scipy caps it, it is extrapolated along the quadratic's tangent at the
//! table's end (log-linear, so it keeps falling as the statistic grows, and at most 1),
//! because a drift decision across many columns needs p-values below 0.001.

use crate::location::TestResult;

const LEVELS: [f64; 7] = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
const B0: [f64; 7] = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1: [f64; 7] = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2: [f64; 7] = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];

/// The k-sample test on sorted, NaN-free samples; the statistic is the standardized
/// `(A2akN - (k - 1)) / sigma`. `None` with fewer than two samples, an empty sample, fewer
/// than four values in all, or one distinct value only.
pub fn anderson_ksamp(samples: &[&[f64]]) -> Option<TestResult> {
    let k = samples.len();
    if k < 2 || samples.iter().any(|s| s.is_empty()) {
        return None;
    }
    let n_total: usize = samples.iter().map(|s| s.len()).sum();
    if n_total < 4 {
        return None;
    }
    let nf = n_total as f64;
    // One pass over the distinct values of the pooled sample, in order, without building it:
    // at each value v, l = how many values equal v, B = the midrank position of v, and for
    // every sample its count up to v less half its count at v.
    let mut inner = vec![0.0f64; k];
    let mut distinct = 0usize;
    if let [a, b] = samples {
        // Two samples (drift): a plain merge walk.
        let (na, nb) = (a.len() as f64, b.len() as f64);
        let (mut i, mut j) = (0usize, 0usize);
        let (mut ia, mut ib) = (0.0f64, 0.0f64);
        while i < a.len() || j < b.len() {
            let v = if j >= b.len() || (i < a.len() && a[i] <= b[j]) { a[i] } else { b[j] };
            let (si, sj) = (i, j);
            while i < a.len() && a[i] == v {
                i += 1;
            }
            while j < b.len() && b[j] == v {
                j += 1;
            }
            let (ea, eb) = ((i - si) as f64, (j - sj) as f64);
            let l = ea + eb;
            let pos = (si + sj) as f64 + l / 2.0;
            let weight = l / nf / (pos * (nf - pos) - nf * l / 4.0);
            let da = nf * (i as f64 - ea / 2.0) - pos * na;
            let db = nf * (j as f64 - eb / 2.0) - pos * nb;
            ia += weight * da * da;
            ib += weight * db * db;
            distinct += 1;
        }
        inner = vec![ia, ib];
    }
    let mut at = vec![0usize; if k == 2 { 0 } else { k }];
    let mut equal = vec![0usize; k];
    if k != 2 {
        while let Some(v) = samples.iter().zip(&at).filter_map(|(s, i)| s.get(*i)).copied().reduce(f64::min) {
            let before: usize = at.iter().sum();
            for ((s, i), e) in samples.iter().zip(at.iter_mut()).zip(equal.iter_mut()) {
                let start = *i;
                while *i < s.len() && s[*i] <= v {
                    *i += 1;
                }
                *e = *i - start;
            }
            let l: usize = equal.iter().sum();
            let (lf, b) = (l as f64, before as f64 + l as f64 / 2.0);
            let denominator = b * (nf - b) - nf * lf / 4.0;
            for (idx, s) in samples.iter().enumerate() {
                let m = at[idx] as f64 - equal[idx] as f64 / 2.0;
                let num = nf * m - b * s.len() as f64;
                inner[idx] += lf / nf * num * num / denominator;
            }
            distinct += 1;
        }
    }
    if distinct < 2 {
        return None;
    }
    let mut a2: f64 = inner.iter().zip(samples).map(|(x, s)| x / s.len() as f64).sum();
    a2 *= (nf - 1.0) / nf;
    // The variance of A2akN under the null (Scholz and Stephens, eq. 4).
    let kf = k as f64;
    let big_h: f64 = samples.iter().map(|s| 1.0 / s.len() as f64).sum();
    // h = sum_{i=1}^{N-1} 1/i; g = sum_{i=1}^{N-2} sum_{j=i+1}^{N-1} 1/((N-i) j).
    let mut tail = 0.0f64; // sum of 1/j for j from N-1 down to the current index + 1
    let mut g = 0.0f64;
    for i in (2..n_total).rev() {
        // hs_cs[t] = sum_{j=i}^{N-1} 1/j for i = N-1 .. 2; divided by (N - i + 1)... as scipy
        tail += 1.0 / i as f64;
        g += tail / (n_total - i + 1) as f64;
    }
    let h = tail + 1.0;
    let a = (4.0 * g - 6.0) * (kf - 1.0) + (10.0 - 6.0 * g) * big_h;
    let b = (2.0 * g - 4.0) * kf * kf + 8.0 * h * kf + (2.0 * g - 14.0 * h - 4.0) * big_h - 8.0 * h + 4.0 * g - 6.0;
    let c = (6.0 * h + 2.0 * g - 2.0) * kf * kf + (4.0 * h - 4.0 * g + 6.0) * kf + (2.0 * h - 6.0) * big_h + 4.0 * h;
    let d = (2.0 * h + 6.0) * kf * kf - 4.0 * h * kf;
    let sigma2 = (a * nf.powi(3) + b * nf * nf + c * nf + d) / ((nf - 1.0) * (nf - 2.0) * (nf - 3.0));
    if sigma2.is_nan() || sigma2 <= 0.0 {
        return None;
    }
    let m = kf - 1.0;
    let statistic = (a2 - m) / sigma2.sqrt();
    Some(TestResult { statistic, p_value: p_value(statistic, m) })
}

/// The p-value of the standardized statistic for k - 1 = `m`.
fn p_value(t: f64, m: f64) -> f64 {
    let critical: Vec<f64> = (0..7).map(|i| B0[i] + B1[i] / m.sqrt() + B2[i] / m).collect();
    let logs: Vec<f64> = LEVELS.iter().map(|l| l.ln()).collect();
    let [c0, c1, c2] = quadratic_fit(&critical, &logs);
    let fit = |x: f64| c0 + c1 * x + c2 * x * x;
    let slope = |x: f64| c1 + 2.0 * c2 * x;
    let (lo, hi) = (critical[0], critical[6]);
    let log_p = if t < lo {
        fit(lo) + slope(lo) * (t - lo)
    } else if t > hi {
        fit(hi) + slope(hi).min(-1e-9) * (t - hi)
    } else {
        fit(t)
    };
    log_p.exp().clamp(0.0, 1.0)
}

/// Least-squares coefficients [c0, c1, c2] of c0 + c1 x + c2 x^2 (numpy `polyfit(x, y, 2)`,
/// lowest first), by the normal equations on centred x.
fn quadratic_fit(x: &[f64], y: &[f64]) -> [f64; 3] {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let u: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let s = |p: i32| u.iter().map(|v| v.powi(p)).sum::<f64>();
    let t = |p: i32| u.iter().zip(y).map(|(v, w)| v.powi(p) * w).sum::<f64>();
    let m = [[n, s(1), s(2)], [s(1), s(2), s(3)], [s(2), s(3), s(4)]];
    let r = [t(0), t(1), t(2)];
    let det = |a: [[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det(m);
    let solve = |col: usize| {
        let mut a = m;
        for (row, v) in a.iter_mut().zip(r) {
            row[col] = v;
        }
        det(a) / d
    };
    let (a0, a1, a2) = (solve(0), solve(1), solve(2));
    // Back from centred u = x - mean.
    [a0 - a1 * mean + a2 * mean * mean, a1 - 2.0 * a2 * mean, a2]
}
