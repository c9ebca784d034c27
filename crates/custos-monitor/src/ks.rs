//! The two-sample Kolmogorov-Smirnov test, two-sided, with the same choice of method as
//! scipy's `ks_2samp(method="auto")`: the exact distribution of the statistic when neither
//! sample has more than [`EXACT_MAX_N`] values, otherwise the distribution of the one-sample
//! statistic for the effective size `round(n1 n2 / (n1 + n2))` (Simard and L'Ecuyer 2011).
//!
//! Ties are handled by evaluating both empirical CDFs at every observed value (right-continuous),
//! so equal values in the two samples never open a gap. The exact p-value treats the samples as
//! continuous (as scipy does): with heavy ties it is conservative.

use crate::sorted_finite;

/// Neither sample larger than this: the exact distribution (scipy's `auto` threshold).
pub const EXACT_MAX_N: usize = 10_000;
/// And the product of the sizes at most this (the exact computation walks a band of the
/// n1 x n2 lattice; beyond it, the asymptotic distribution, which agrees closely there). A
/// bound on what one comparison costs that scipy's `auto` does not have.
pub const EXACT_MAX_PRODUCT: u64 = 10_000_000;

/// How the p-value was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KsMethod {
    /// The exact distribution of the two-sample statistic (lattice paths).
    Exact,
    /// The one-sample Kolmogorov distribution at the effective sample size.
    Asymptotic,
}

/// The result of a two-sample KS test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KsResult {
    /// The largest distance between the two empirical CDFs.
    pub statistic: f64,
    /// The probability of a distance at least as large if both samples came from one
    /// continuous distribution.
    pub p_value: f64,
    /// How `p_value` was computed.
    pub method: KsMethod,
}

/// The two-sided two-sample KS test on already sorted, NaN-free samples; `None` when either is
/// empty.
pub fn ks_2samp_sorted(a: &[f64], b: &[f64], method: Option<KsMethod>) -> Option<KsResult> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    // The largest |c1 * n2 - c2 * n1| over every observed value, in integers.
    let (mut i, mut j) = (0usize, 0usize);
    let mut widest: u128 = 0;
    while i < n1 || j < n2 {
        let v = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => x.min(*y),
            (Some(x), None) => *x,
            (None, Some(y)) => *y,
            (None, None) => break,
        };
        while i < n1 && a[i] <= v {
            i += 1;
        }
        while j < n2 && b[j] <= v {
            j += 1;
        }
        let gap = (i as i128 * n2 as i128 - j as i128 * n1 as i128).unsigned_abs();
        widest = widest.max(gap);
    }
    let g = gcd(n1 as u64, n2 as u64) as u128;
    let exact = n1.max(n2) <= EXACT_MAX_N && (n1 as u64) * (n2 as u64) <= EXACT_MAX_PRODUCT;
    let method = method.unwrap_or(if exact { KsMethod::Exact } else { KsMethod::Asymptotic });
    let statistic = widest as f64 / (n1 as f64 * n2 as f64);
    let p_value = match method {
        KsMethod::Exact => exact_sf(n1 as u64, n2 as u64, (widest / g) as u64, g as u64),
        KsMethod::Asymptotic => {
            let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
            let effective = round_half_even(m * n / (m + n));
            kolmogorov_sf(effective, statistic)
        }
    };
    Some(KsResult { statistic, p_value: p_value.clamp(0.0, 1.0), method })
}

/// The two-sided two-sample KS test; NaNs are dropped first. `None` when a sample is empty.
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Option<KsResult> {
    ks_2samp_sorted(&sorted_finite(a), &sorted_finite(b), None)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// numpy's `round`: halves go to the even neighbour.
fn round_half_even(x: f64) -> f64 {
    x.round_ties_even()
}

/// P(D >= h g / (n1 n2)) for two samples of sizes `n1`, `n2` from one continuous distribution:
/// the share of monotone lattice paths from (0, 0) to (n1, n2) that reach a point with
/// |n2 x - n1 y| >= h g. A random path is a Markov chain (each step draws from what is left), so
/// the mass that leaves the band is summed directly: every term is positive, and small
/// p-values keep their relative precision.
fn exact_sf(n1: u64, n2: u64, h: u64, g: u64) -> f64 {
    if h == 0 {
        return 1.0;
    }
    let (m, n) = (n1 as i128, n2 as i128);
    let bound = h as i128 * g as i128;
    let inside = |x: i128, y: i128| (n * x - m * y).abs() < bound;
    // mass[y] for the current x: probability that the path passes (x, y) without having left.
    let mut mass = vec![0.0f64; n2 as usize + 1];
    let mut next = vec![0.0f64; n2 as usize + 1];
    let mut out = 0.0f64;
    mass[0] = 1.0;
    for x in 0..=m {
        // The band's rows at this x (y with |n x - m y| < bound).
        let lo = ((n * x - bound).div_euclid(m) + 1).max(0);
        let hi = ((n * x + bound - 1).div_euclid(m)).min(n);
        next.iter_mut().for_each(|v| *v = 0.0);
        let mut y = lo;
        while y <= hi {
            let p = mass[y as usize];
            if p != 0.0 {
                let left = ((m - x) + (n - y)) as f64;
                if left > 0.0 {
                    let right = (m - x) as f64 / left;
                    let up = (n - y) as f64 / left;
                    if x < m {
                        if inside(x + 1, y) { next[y as usize] += p * right } else { out += p * right }
                    }
                    if y < n {
                        if inside(x, y + 1) { mass[y as usize + 1] += p * up } else { out += p * up }
                    }
                }
            }
            y += 1;
        }
        std::mem::swap(&mut mass, &mut next);
    }
    out
}

/// P(D_n >= x) for the one-sample two-sided Kolmogorov statistic of `n` values, by the
/// method Simard and L'Ecuyer (2011) recommend for each region (exact at the ends, the
/// Durbin matrix of Marsaglia, Tsang and Wang where it is fast, Smirnov's one-sided formula
/// doubled in the upper tail, the Pelz-Good series for large n).
pub fn kolmogorov_sf(n: f64, x: f64) -> f64 {
    if x.is_nan() || n < 1.0 {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let t = n * x;
    if t <= 1.0 {
        // Ruben and Gambino: P(D_n <= x) = n!/n^n (2t - 1)^n for 1/2n <= x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if n <= 140.0 {
            (1..=n as u64).fold(1.0, |p, i| p * (i as f64 / n) * (2.0 * t - 1.0))
        } else {
            (ln_factorial_over_power(n) + n * (2.0 * t - 1.0).ln()).exp()
        };
        return (1.0 - cdf).clamp(0.0, 1.0);
    }
    if t >= n - 1.0 {
        return (2.0 * (1.0 - x).powf(n)).clamp(0.0, 1.0);
    }
    if n > 1e7 {
        // Sizes only profiles reach (raw samples stop far below): the limiting distribution,
        // in O(1) (Smirnov's exact sum is O(n)); its error shrinks like 1 / sqrt(n).
        let nx2 = t * x;
        if nx2 >= 370.0 {
            return 0.0;
        }
        if nx2 >= 2.2 {
            let tail: f64 = (1..=20).map(|k: i32| f64::from(if k % 2 == 1 { 1 } else { -1 }) * (-2.0 * f64::from(k * k) * nx2).exp()).sum();
            return (2.0 * tail).clamp(0.0, 1.0);
        }
        return (1.0 - pelz_good_cdf(n, x)).clamp(0.0, 1.0);
    }
    if x >= 0.5 {
        return (2.0 * smirnov_sf(n as u64, x)).clamp(0.0, 1.0);
    }
    let nx2 = t * x;
    if n <= 140.0 {
        if nx2 <= 4.0 {
            return (1.0 - durbin_cdf(n as u64, x)).clamp(0.0, 1.0);
        }
        return (2.0 * smirnov_sf(n as u64, x)).clamp(0.0, 1.0);
    }
    if nx2 >= 370.0 {
        return 0.0;
    }
    if nx2 >= 2.2 {
        return (2.0 * smirnov_sf(n as u64, x)).clamp(0.0, 1.0);
    }
    let cdf = if nx2 >= 18.0 {
        1.0
    } else if n <= 100_000.0 && n * x.powf(1.5) <= 1.4 {
        durbin_cdf(n as u64, x)
    } else {
        pelz_good_cdf(n, x)
    };
    (1.0 - cdf).clamp(0.0, 1.0)
}

/// ln(n! / n^n) by Stirling's series with n ln n taken out first (no cancellation).
fn ln_factorial_over_power(n: f64) -> f64 {
    // B_2j / (2j (2j - 1)) for j = 8 .. 1, highest first.
    const C: [f64; 8] = [
        -2.955_065_359_477_124e-2,
        6.410_256_410_256_41e-3,
        -1.917_526_917_526_917_6e-3,
        8.417_508_417_508_417e-4,
        -5.952_380_952_380_952e-4,
        7.936_507_936_507_937e-4,
        -2.777_777_777_777_778e-3,
        8.333_333_333_333_333e-2,
    ];
    let r = 1.0 / n;
    let series = C.iter().fold(0.0, |acc, c| acc * (r * r) + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + r * series
}

/// Smirnov's one-sided P(D+_n >= x) = x sum_j C(n, j) (x + j/n)^(j-1) (1 - x - j/n)^(n-j),
/// summed in logarithms (every term is positive).
pub fn smirnov_sf(n: u64, x: f64) -> f64 {
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let last = (nf * (1.0 - x)).floor() as u64;
    let mut ln_choose = 0.0f64;
    let mut logs = Vec::with_capacity(last as usize + 1);
    for j in 0..=last {
        if j > 0 {
            ln_choose += ((nf - (j - 1) as f64) / j as f64).ln();
        }
        let jn = j as f64 / nf;
        let rest = 1.0 - x - jn;
        let tail = if n == j {
            0.0
        } else if rest <= 0.0 {
            continue;
        } else {
            (n - j) as f64 * rest.ln()
        };
        logs.push(ln_choose + (j as f64 - 1.0) * (x + jn).ln() + tail);
    }
    let top = logs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return 0.0;
    }
    let sum: f64 = logs.iter().map(|l| (l - top).exp()).sum();
    (x.ln() + top + sum.ln()).exp()
}

/// P(D_n <= d) by the Durbin matrix (Marsaglia, Tsang and Wang 2003): write n d = k - h with
/// integer k and 0 <= h < 1; the answer is n!/n^n times the middle entry of H^n for an
/// (2k - 1)-square matrix H, powered by squaring with the exponent kept apart.
pub fn durbin_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut hm = vec![0.0f64; m * m];
    // v[j] = (1 - h^(j+1)) / (j+1)!, w[j] = 1 / j!
    let mut v = vec![0.0; m];
    let mut w = vec![0.0; m];
    let mut fac = 1.0f64;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] = (1.0 - h.powi(j as i32)) * fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r + 1 - i];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let mul = |a: &[f64], b: &[f64]| -> Vec<f64> {
        let mut out = vec![0.0; m * m];
        for r in 0..m {
            for t in 0..m {
                let x = a[r * m + t];
                if x != 0.0 {
                    for c in 0..m {
                        out[r * m + c] += x * b[t * m + c];
                    }
                }
            }
        }
        out
    };
    const SCALE: f64 = 3.402_823_669_209_385e38; // 2^128
    let mut power: Vec<f64> = (0..m * m).map(|i| if i / m == i % m { 1.0 } else { 0.0 }).collect();
    let (mut exp_power, mut exp_h) = (0i64, 0i64);
    let mut left = n;
    while left > 0 {
        if left % 2 == 1 {
            power = mul(&power, &hm);
            exp_power += exp_h;
        }
        hm = mul(&hm, &hm);
        exp_h *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > SCALE {
            hm.iter_mut().for_each(|x| *x /= SCALE);
            exp_h += 128;
        }
        left /= 2;
    }
    let mut p = power[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < 1.0 / SCALE {
            p *= SCALE;
            exp_power -= 128;
        }
    }
    (p * 2f64.powi(exp_power.clamp(-2000, 2000) as i32)).clamp(0.0, 1.0)
}

/// The Pelz-Good (1976) approximation of P(D_n <= x): Kolmogorov's limit with three
/// correction terms in 1/sqrt(n), each written with Jacobi theta functions for small z.
pub fn pelz_good_cdf(n: f64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let z = n.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let (k2a, k2b, k2c) = (6.0 * z6 + 2.0 * z4, (2.0 * z4 - 5.0 * z2) * pi2 / 4.0, pi4 * (1.0 - 2.0 * z2) / 16.0);
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qp = q.powf(8.0 * kk as f64);
        let coeffs = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
        for i in 0..4 {
            k[i] = k[i] * qp + coeffs[i];
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let div = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for i in 0..4 {
        k[i] = k[i] * q * sqrt2pi / div[i];
    }
    let q2 = (-pi2 / 2.0 / z2).exp();
    let (mut extra2, mut extra3) = (0.0, 0.0);
    let sqrt3z = 3f64.sqrt() * z;
    for kk in (1..=maxk).rev() {
        let ks = kk as f64;
        let qp = q2.powf(ks * ks);
        extra2 += ks * ks * qp;
        extra3 += (sqrt3z + PI * ks) * (sqrt3z - PI * ks) * ks * ks * qp;
    }
    k[2] += extra2 * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += extra3 * pi2 * sqrt2pi / (216.0 * z6);
    (0..4).map(|i| k[i] / n.powf(i as f64 / 2.0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistic_counts_ties_once() {
        let r = ks_2samp(&[1.0, 2.0, 2.0, 3.0], &[2.0, 2.0, 4.0, 5.0]).expect("test");
        // CDFs at 1: 1/4 vs 0; at 2: 3/4 vs 2/4; at 3: 1 vs 2/4 -> 1/2.
        assert!((r.statistic - 0.5).abs() < 1e-15);
        assert_eq!(r.method, KsMethod::Exact);
    }

    #[test]
    fn equal_sizes_match_the_closed_form() {
        // P(D_{n,n} >= h/n) = 2 sum_k (-1)^(k+1) C(2n, n - k h) / C(2n, n); n = 5, h = 3.
        let c = |n: u64, k: u64| -> f64 { (1..=k).fold(1.0, |acc, i| acc * (n - k + i) as f64 / i as f64) };
        let closed = 2.0 * c(10, 2) / c(10, 5); // n - h = 2; the next term (n - 2h < 0) vanishes
        assert!((exact_sf(5, 5, 3, 5) - closed).abs() < 1e-15, "{} vs {closed}", exact_sf(5, 5, 3, 5));
    }

    #[test]
    fn huge_sizes_take_constant_time() {
        // Sizes only merged profiles reach: the limiting distribution, no O(n) sum.
        let start = std::time::Instant::now();
        assert_eq!(kolmogorov_sf(1e15, 0.01), 0.0);
        let p = kolmogorov_sf(1e12, 1.2e-6);
        // sqrt(n) x = 1.2: the Kolmogorov limit Q(1.2) = 0.1122.
        assert!((p - 0.1122).abs() < 1e-3, "{p}");
        let tail = kolmogorov_sf(1e12, 2e-6);
        assert!((tail - 2.0 * (-8.0f64).exp()).abs() < 1e-6, "{tail}");
        assert!(start.elapsed() < std::time::Duration::from_millis(50));
    }

    #[test]
    fn empty_is_none() {
        assert!(ks_2samp(&[], &[1.0]).is_none());
        assert!(ks_2samp(&[f64::NAN], &[1.0]).is_none());
    }
}
