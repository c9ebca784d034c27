//! Tests for categories and rates: the chi-square test of homogeneity of two samples (a
//! 2 x K table, both rows random: not goodness of fit against reference counts taken as exact)
//! and the two-proportion z-test.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

use crate::location::TestResult;

/// Categories whose expected count in either row is below this are merged into one cell
/// before the chi-square test (Cochran's rule), so small counts do not raise false alarms.
pub const MIN_EXPECTED: f64 = 5.0;

/// The chi-square test of homogeneity on two rows of counts over the same categories (scipy
/// `chi2_contingency`, with Yates' correction when one degree of freedom is left). Categories
/// empty in both rows are ignored; `None` when fewer than two categories remain.
pub fn chi2_homogeneity(reference: &[u64], current: &[u64]) -> Option<TestResult> {
    let cells: Vec<(f64, f64)> =
        reference.iter().zip(current).filter(|(r, c)| **r + **c > 0).map(|(r, c)| (*r as f64, *c as f64)).collect();
    if cells.len() < 2 {
        return None;
    }
    let (r1, r2) = cells.iter().fold((0.0, 0.0), |(a, b), (r, c)| (a + r, b + c));
    if r1 == 0.0 || r2 == 0.0 {
        return None;
    }
    let total = r1 + r2;
    let dof = (cells.len() - 1) as f64;
    let yates = cells.len() == 2;
    let mut stat = 0.0;
    for (r, c) in &cells {
        let col = r + c;
        for (observed, row) in [(*r, r1), (*c, r2)] {
            let expected = row * col / total;
            let mut diff = observed - expected;
            if yates {
                diff = diff.signum() * (diff.abs() - 0.5f64.min(diff.abs()));
            }
            stat += diff * diff / expected;
        }
    }
    let p_value = ChiSquared::new(dof).ok()?.sf(stat);
    Some(TestResult { statistic: stat, p_value })
}

/// Merges the categories whose expected count is below [`MIN_EXPECTED`] in either row into
/// one cell (kept only if it has any count); the merged rows, and whether anything merged.
pub fn merge_small(reference: &[u64], current: &[u64]) -> (Vec<u64>, Vec<u64>, bool) {
    let (r1, r2): (u64, u64) = (reference.iter().sum(), current.iter().sum());
    let total = (r1 + r2) as f64;
    let (mut keep_r, mut keep_c, mut other) = (Vec::new(), Vec::new(), (0u64, 0u64));
    let mut merged = false;
    for (r, c) in reference.iter().zip(current) {
        let col = (r + c) as f64;
        let small = total > 0.0 && (r1 as f64 * col / total < MIN_EXPECTED || r2 as f64 * col / total < MIN_EXPECTED);
        if small {
            other.0 += r;
            other.1 += c;
            merged = true;
        } else {
            keep_r.push(*r);
            keep_c.push(*c);
        }
    }
    if other.0 + other.1 > 0 {
        keep_r.push(other.0);
        keep_c.push(other.1);
    }
    (keep_r, keep_c, merged)
}

/// The two-proportion z-test with the pooled proportion: x1 of n1 against x2 of n2. `None`
/// when a sample is empty; p = 1 when both rates are 0 or both are 1.
pub fn two_proportions(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<TestResult> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let pooled = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return Some(TestResult { statistic: 0.0, p_value: 1.0 });
    }
    let z = (p1 - p2) / se;
    Some(TestResult { statistic: z, p_value: (2.0 * Normal::standard().sf(z.abs())).min(1.0) })
}
