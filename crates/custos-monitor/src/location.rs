//! Location tests for numeric columns: Welch's t-test (unequal variances) and the
//! Mann-Whitney U test (normal approximation with tie and continuity corrections).

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// A test's statistic and two-sided p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TestResult {
    /// The statistic (t for Welch, U of the first sample for Mann-Whitney).
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let ss: f64 = x.iter().map(|v| (v - mean) * (v - mean)).sum();
    (mean, if x.len() > 1 { ss / (n - 1.0) } else { f64::NAN })
}

/// Welch's t-test of equal means (scipy `ttest_ind(equal_var=False)`); `None` with fewer than
/// two values in a sample. Two constant samples give p = 1 when equal and p = 0 when not (a
/// constant that changed is certain drift; scipy answers NaN).
pub fn welch(a: &[f64], b: &[f64]) -> Option<TestResult> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (m1, v1) = mean_var(a);
    let (m2, v2) = mean_var(b);
    welch_from_moments((a.len() as f64, m1, v1), (b.len() as f64, m2, v2))
}

/// Welch's t-test from each sample's size, mean and unbiased variance (what a profile keeps
/// of a column); `None` with fewer than two values in a sample.
pub fn welch_from_moments((n1, m1, v1): (f64, f64, f64), (n2, m2, v2): (f64, f64, f64)) -> Option<TestResult> {
    if n1 < 2.0 || n2 < 2.0 {
        return None;
    }
    let (s1, s2) = (v1 / n1, v2 / n2);
    let se2 = s1 + s2;
    if se2 == 0.0 {
        let same = m1 == m2;
        return Some(TestResult {
            statistic: if same { 0.0 } else { f64::INFINITY.copysign(m1 - m2) },
            p_value: f64::from(u8::from(same)),
        });
    }
    let t = (m1 - m2) / se2.sqrt();
    let df = se2 * se2 / (s1 * s1 / (n1 - 1.0) + s2 * s2 / (n2 - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(TestResult { statistic: t, p_value: (2.0 * dist.sf(t.abs())).min(1.0) })
}

/// The Mann-Whitney U test, two-sided, by the normal approximation with the tie correction
/// and a continuity correction of 1/2 (scipy `mannwhitneyu(method="asymptotic")`). The
/// statistic is U of the first sample. Samples must be NaN-free.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<TestResult> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = a.iter().map(|v| (*v, true)).chain(b.iter().map(|v| (*v, false))).collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let (mut rank_sum, mut ties) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        rank_sum += mid * all[i..=j].iter().filter(|v| v.1).count() as f64;
        i = j + 1;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u1 = rank_sum - n1f * (n1f + 1.0) / 2.0;
    let u2 = n1f * n2f - u1;
    let u = u1.max(u2);
    let mu = n1f * n2f / 2.0;
    let s = (n1f * n2f / 12.0 * ((nf + 1.0) - ties / (nf * (nf - 1.0)))).sqrt();
    let p_value = if s > 0.0 {
        let z = (u - mu - 0.5) / s;
        (2.0 * Normal::standard().sf(z)).clamp(0.0, 1.0)
    } else {
        1.0
    };
    Some(TestResult { statistic: u1, p_value })
}

/// The mean and the sample standard deviation (ddof 0) of a NaN-free sample.
pub fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (mean, (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt())
}
