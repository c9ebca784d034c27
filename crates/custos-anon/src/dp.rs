//! Differentially private noise, sampled exactly: the discrete Laplace and discrete Gaussian
//! distributions over the integers by the rejection samplers of Canonne, Kamath and Steinke ("The
//! Discrete Gaussian for Differential Privacy", NeurIPS 2020, Algorithms 1-3). Every step is
//! integer or rational arithmetic on uniformly random integers, so no floating-point rounding can
//! leak through the noise (the attack Mironov showed on textbook floating-point Laplace).
//!
//! Randomness comes from a [`Random`] source: [`OsRandom`] (the operating system's CSPRNG) in the
//! product; tests may pass their own.

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};

use crate::AnonError;

/// A source of uniformly random bytes.
pub trait Random {
    /// Fills `out` with random bytes.
    fn fill(&mut self, out: &mut [u8]) -> Result<(), AnonError>;
}

/// The operating system's cryptographically secure random source (`getrandom`).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&mut self, out: &mut [u8]) -> Result<(), AnonError> {
        getrandom::fill(out).map_err(|_| AnonError::Randomness)
    }
}

/// A uniform integer in `[0, bound)` (`bound > 0`), by rejection: no modulo bias.
pub fn uniform_below(rng: &mut impl Random, bound: &BigUint) -> Result<BigUint, AnonError> {
    if let Some(b) = bound.to_u64() {
        return uniform_below_u64(rng, b).map(BigUint::from);
    }
    let bits = bound.bits();
    let bytes = bits.div_ceil(8) as usize;
    let spare = (bytes as u64 * 8 - bits) as u32;
    let mut buf = vec![0u8; bytes];
    loop {
        rng.fill(&mut buf)?;
        // Big-endian: mask the first byte's unused high bits.
        buf[0] &= 0xFF >> spare;
        let candidate = BigUint::from_bytes_be(&buf);
        if &candidate < bound {
            return Ok(candidate);
        }
    }
}

/// A uniform `u64` in `[0, bound)` (`bound > 0`), by rejection.
fn uniform_below_u64(rng: &mut impl Random, bound: u64) -> Result<u64, AnonError> {
    debug_assert!(bound > 0);
    // The fewest low bits that hold bound - 1 (none for bound 1).
    let mask = if bound == 1 { 0 } else { u64::MAX >> (bound - 1).leading_zeros() };
    loop {
        let mut buf = [0u8; 8];
        rng.fill(&mut buf)?;
        let v = u64::from_le_bytes(buf) & mask;
        if v < bound {
            return Ok(v);
        }
    }
}

/// Bernoulli(`num / den`), `num <= den`, `den > 0`.
fn bernoulli(rng: &mut impl Random, num: &BigUint, den: &BigUint) -> Result<bool, AnonError> {
    Ok(&uniform_below(rng, den)? < num)
}

/// Bernoulli(exp(-`num / den`)) for a non-negative rational (CKS Algorithm 1).
pub fn bernoulli_exp(rng: &mut impl Random, num: &BigUint, den: &BigUint) -> Result<bool, AnonError> {
    if den.is_zero() {
        return Err(AnonError::Parameter("a rational with denominator 0".into()));
    }
    if num <= den {
        // gamma in [0, 1]: count K up while Bernoulli(gamma / K) succeeds; odd K means yes.
        let mut k = BigUint::one();
        loop {
            let d = den * &k;
            if !bernoulli(rng, num, &d)? {
                return Ok(k.is_odd());
            }
            k += 1u32;
        }
    }
    // gamma > 1: exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))).
    let (whole, rest) = num.div_rem(den);
    let one = BigUint::one();
    let mut i = BigUint::zero();
    while i < whole {
        if !bernoulli_exp(rng, &one, &one)? {
            return Ok(false);
        }
        i += 1u32;
    }
    bernoulli_exp(rng, &rest, den)
}

/// A sample of the discrete Laplace distribution with scale `scale_num / scale_den`:
/// P(x) proportional to exp(-|x| / scale) over the integers (CKS Algorithm 2).
pub fn discrete_laplace(rng: &mut impl Random, scale_num: u64, scale_den: u64) -> Result<i64, AnonError> {
    if scale_num == 0 || scale_den == 0 {
        return Err(AnonError::Parameter("the discrete Laplace scale must be positive".into()));
    }
    // In the paper's terms: scale t/s with t = scale_num, s = scale_den.
    let t = BigUint::from(scale_num);
    let one = BigUint::one();
    loop {
        let u = uniform_below_u64(rng, scale_num)?;
        if !bernoulli_exp(rng, &BigUint::from(u), &t)? {
            continue;
        }
        // V: geometric, the number of successes of Bernoulli(exp(-1)) before a failure.
        let mut v: u64 = 0;
        while bernoulli_exp(rng, &one, &one)? {
            v = v.checked_add(1).ok_or(AnonError::Parameter("noise beyond 64 bits".into()))?;
        }
        let x = u128::from(u) + u128::from(scale_num) * u128::from(v);
        let y = x / u128::from(scale_den);
        let negative = uniform_below_u64(rng, 2)? == 1;
        if negative && y == 0 {
            continue;
        }
        let y = i64::try_from(y).map_err(|_| AnonError::Parameter("noise beyond 64 bits".into()))?;
        return Ok(if negative { -y } else { y });
    }
}

/// A sample of the discrete Gaussian distribution with variance parameter
/// `sigma2_num / sigma2_den`: P(x) proportional to exp(-x² / (2 sigma²)) over the integers
/// (CKS Algorithm 3).
pub fn discrete_gaussian(rng: &mut impl Random, sigma2_num: u64, sigma2_den: u64) -> Result<i64, AnonError> {
    if sigma2_num == 0 || sigma2_den == 0 {
        return Err(AnonError::Parameter("the discrete Gaussian's sigma² must be positive".into()));
    }
    // t = floor(sigma) + 1, and floor(sqrt(a/b)) = floor(sqrt(floor(a/b))).
    let t = (sigma2_num / sigma2_den).isqrt() + 1;
    let (a, b, tt) = (BigUint::from(sigma2_num), BigUint::from(sigma2_den), BigUint::from(t));
    // gamma = (|Y| - sigma²/t)² / (2 sigma²) = (|Y| t b - a)² / (2 a b t²).
    let den = BigUint::from(2u32) * &a * &b * &tt * &tt;
    loop {
        let y = discrete_laplace(rng, t, 1)?;
        let ytb = BigUint::from(y.unsigned_abs()) * &tt * &b;
        let diff = if ytb >= a { &ytb - &a } else { &a - &ytb };
        if bernoulli_exp(rng, &(&diff * &diff), &den)? {
            return Ok(y);
        }
    }
}

/// A positive rational parameter given as a decimal (`0.5`, `2`, `1e-3` are not accepted: at
/// most 9 decimal places, no exponent), as numerator and denominator. Exact, so the noise a
/// user asks for is the noise drawn.
pub fn rational(decimal: f64) -> Result<(u64, u64), AnonError> {
    if !decimal.is_finite() || decimal <= 0.0 || decimal > 1e9 {
        return Err(AnonError::Parameter(format!("{decimal} is not a positive number up to 10^9")));
    }
    let den: u64 = 1_000_000_000;
    let num = (decimal * den as f64).round() as u64;
    if num == 0 {
        return Err(AnonError::Parameter(format!("{decimal} is below 10^-9")));
    }
    let g = num.gcd(&den);
    Ok((num / g, den / g))
}

/// How private a sequence of releases is, in the three currencies the accountant keeps.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spend {
    /// Pure epsilon, when every release so far was pure (discrete Laplace); `None` once a
    /// zCDP release (discrete Gaussian) joined.
    pub epsilon: Option<f64>,
    /// Zero-concentrated DP: rho (pure epsilon-DP counts as epsilon²/2).
    pub rho: f64,
}

impl Spend {
    /// Nothing spent.
    pub const NONE: Self = Self { epsilon: Some(0.0), rho: 0.0 };

    /// A pure epsilon-DP release (epsilon-DP implies epsilon²/2-zCDP; Bun and Steinke 2016,
    /// Proposition 1.4).
    pub fn pure(epsilon: f64) -> Self {
        Self { epsilon: Some(epsilon), rho: epsilon * epsilon / 2.0 }
    }

    /// A rho-zCDP release.
    pub fn zcdp(rho: f64) -> Self {
        Self { epsilon: None, rho }
    }

    /// Sequential composition: epsilons add, rhos add.
    pub fn then(self, other: Self) -> Self {
        Self { epsilon: self.epsilon.zip(other.epsilon).map(|(a, b)| a + b), rho: self.rho + other.rho }
    }

    /// The (epsilon, delta)-DP guarantee at `delta`: the pure epsilon when every release was
    /// pure, else the smaller of that and the zCDP conversion rho + 2 sqrt(rho ln(1/delta))
    /// (Bun and Steinke 2016, Proposition 1.3).
    pub fn epsilon_at(self, delta: f64) -> f64 {
        let converted = if delta > 0.0 && delta < 1.0 { self.rho + 2.0 * (self.rho * (1.0 / delta).ln()).sqrt() } else { f64::INFINITY };
        self.epsilon.map_or(converted, |e| e.min(converted))
    }
}

/// The discrete Laplace scale that makes a release of sensitivity `sensitivity` epsilon-DP:
/// `sensitivity / epsilon`.
pub fn laplace_scale(sensitivity: u64, epsilon: f64) -> Result<(u64, u64), AnonError> {
    let (en, ed) = rational(epsilon)?;
    // scale = sensitivity * ed / en.
    let num = u128::from(sensitivity) * u128::from(ed);
    let g = num.gcd(&u128::from(en));
    let num = u64::try_from(num / g).map_err(|_| AnonError::Parameter("the noise scale is too large".into()))?;
    Ok((num, en / g as u64))
}

/// The discrete Gaussian sigma² that makes a release of sensitivity `sensitivity` rho-zCDP:
/// `sensitivity² / (2 rho)` (CKS Theorem 4).
pub fn gaussian_sigma2(sensitivity: u64, rho: f64) -> Result<(u64, u64), AnonError> {
    let (rn, rd) = rational(rho)?;
    let num = u128::from(sensitivity) * u128::from(sensitivity) * u128::from(rd);
    let den = 2 * u128::from(rn);
    let g = num.gcd(&den);
    let num = u64::try_from(num / g).map_err(|_| AnonError::Parameter("the noise scale is too large".into()))?;
    let den = u64::try_from(den / g).map_err(|_| AnonError::Parameter("the noise scale is too small".into()))?;
    Ok((num, den))
}

/// The noise a release uses, and its budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mechanism {
    /// Discrete Laplace noise: pure epsilon-DP.
    Laplace {
        /// The epsilon of the whole release.
        epsilon: f64,
    },
    /// Discrete Gaussian noise: rho-zCDP.
    Gaussian {
        /// The rho of the whole release.
        rho: f64,
    },
}

impl Mechanism {
    /// What the release spends.
    pub fn spend(self) -> Spend {
        match self {
            Self::Laplace { epsilon } => Spend::pure(epsilon),
            Self::Gaussian { rho } => Spend::zcdp(rho),
        }
    }

    /// The same mechanism with `1/parts` of the budget (each of `parts` statistics of one
    /// release gets an equal share; the shares compose back to the whole).
    fn share(self, parts: u32) -> Self {
        match self {
            Self::Laplace { epsilon } => Self::Laplace { epsilon: epsilon / f64::from(parts) },
            Self::Gaussian { rho } => Self::Gaussian { rho: rho / f64::from(parts) },
        }
    }

    /// One noisy integer: `value` plus noise for a statistic of sensitivity `sensitivity`.
    fn release(self, rng: &mut impl Random, value: i64, sensitivity: u64) -> Result<(i64, f64), AnonError> {
        let (noise, scale) = match self {
            Self::Laplace { epsilon } => {
                let (n, d) = laplace_scale(sensitivity, epsilon)?;
                (discrete_laplace(rng, n, d)?, n as f64 / d as f64)
            }
            Self::Gaussian { rho } => {
                let (n, d) = gaussian_sigma2(sensitivity, rho)?;
                (discrete_gaussian(rng, n, d)?, (n as f64 / d as f64).sqrt())
            }
        };
        Ok((value.saturating_add(noise), scale))
    }
}

/// One segment's differentially private figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentFigures {
    /// The segment's key (one of the declared keys).
    pub segment: String,
    /// The noisy count of rows.
    pub count: i64,
    /// The noisy sum of the clamped values, when a sum was asked for.
    pub sum: Option<i64>,
    /// The noisy sum over the noisy count (at least 1), when a sum was asked for.
    pub mean: Option<f64>,
}

/// A release of segment statistics: the figures, the noise scales used and what it spent.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SegmentRelease {
    /// Per declared key, in the order given.
    pub segments: Vec<SegmentFigures>,
    /// The scale of the counts' noise (Laplace scale or Gaussian sigma).
    pub count_noise: f64,
    /// The scale of the sums' noise, when sums were released.
    pub sum_noise: Option<f64>,
    /// Rows whose segment was not a declared key (left out, and not reported per key: their
    /// keys would tell who is in the data). Not noisy: the caller must not publish it.
    pub undeclared_rows: usize,
    /// What the release spent.
    pub spend: Spend,
}

/// Differentially private counts (and, with `values` and `bounds`, sums and means) per segment,
/// for the declared `keys` only: every declared key is reported, held or not, and rows of
/// other keys are left out, so which segments exist is not revealed. Each row is one person's
/// contribution (one row per subject); values are clamped to `bounds` and rounded. With sums,
/// counts and sums get half of the budget each.
pub fn segment_statistics(
    rng: &mut impl Random,
    segment_of_row: &[&str],
    keys: &[String],
    values: Option<(&[f64], (i64, i64))>,
    mechanism: Mechanism,
) -> Result<SegmentRelease, AnonError> {
    if keys.is_empty() {
        return Err(AnonError::Invalid("declare the segment keys to report".into()));
    }
    if let Some((v, (low, high))) = values {
        if v.len() != segment_of_row.len() {
            return Err(AnonError::Invalid("the values and the segments have different lengths".into()));
        }
        if low > high {
            return Err(AnonError::Invalid(format!("the bounds {low}..{high} are reversed")));
        }
    }
    let index: std::collections::HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (k.as_str(), i)).collect();
    let mut counts = vec![0i64; keys.len()];
    let mut sums = vec![0i64; keys.len()];
    let mut undeclared_rows = 0;
    for (row, segment) in segment_of_row.iter().enumerate() {
        let Some(&i) = index.get(segment) else {
            undeclared_rows += 1;
            continue;
        };
        counts[i] += 1;
        if let Some((v, (low, high))) = values {
            // NaN (a missing value) counts as the lower bound.
            let x = if v[row].is_nan() { low } else { (v[row].round() as i64).clamp(low, high) };
            sums[i] = sums[i].saturating_add(x);
        }
    }
    let parts = if values.is_some() { 2 } else { 1 };
    let each = mechanism.share(parts);
    let sensitivity = values.map(|(_, (low, high))| low.unsigned_abs().max(high.unsigned_abs()).max(1));
    let mut segments = Vec::with_capacity(keys.len());
    let (mut count_noise, mut sum_noise) = (0.0, None);
    for (i, key) in keys.iter().enumerate() {
        let (count, scale) = each.release(rng, counts[i], 1)?;
        count_noise = scale;
        let (sum, mean) = match sensitivity {
            Some(s) => {
                let (sum, scale) = each.release(rng, sums[i], s)?;
                sum_noise = Some(scale);
                (Some(sum), Some(sum as f64 / count.max(1) as f64))
            }
            None => (None, None),
        };
        segments.push(SegmentFigures { segment: key.clone(), count, sum, mean });
    }
    Ok(SegmentRelease { segments, count_noise, sum_noise, undeclared_rows, spend: mechanism.spend() })
}

/// A release whose segment keys were read from the data: only keys whose noisy count clears
/// a threshold are reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SelectedRelease {
    /// The keys that cleared the threshold, in key order, with their figures.
    pub release: SegmentRelease,
    /// A key is reported when its noisy count is at least this.
    pub threshold: i64,
    /// The chance that a key held by one person is reported (the delta of the guarantee).
    pub delta: f64,
}

/// The count threshold for partition selection with discrete Laplace noise of scale
/// `scale_num / scale_den`: the smallest tau with P(1 + Z >= tau) <= delta, so a key held by
/// one person (absent from the neighbouring data set) is reported with probability at most
/// delta. With p = exp(-1/scale), P(Z >= m) = p^m / (1 + p) for m >= 1.
pub fn selection_threshold(scale_num: u64, scale_den: u64, delta: f64) -> Result<i64, AnonError> {
    if !(delta > 0.0 && delta < 1.0) {
        return Err(AnonError::Parameter("delta must be between 0 and 1, exclusive".into()));
    }
    if scale_num == 0 || scale_den == 0 {
        return Err(AnonError::Parameter("the discrete Laplace scale must be positive".into()));
    }
    let p = (-(scale_den as f64) / scale_num as f64).exp();
    if p <= 0.0 {
        return Ok(2);
    }
    // In logarithms: ln P(Z >= m) = m ln p - ln(1 + p), so no power overflows at tiny epsilon.
    let (ln_p, ln_den, ln_delta) = (p.ln(), p.ln_1p(), delta.ln());
    let m = ((ln_delta + ln_den) / ln_p).ceil().max(1.0);
    if !m.is_finite() || m >= 1e15 {
        return Err(AnonError::Parameter("epsilon is too small for a usable threshold".into()));
    }
    // Rounding must not make the threshold one too low: step up while the tail is above delta.
    let mut m = m as i64;
    while m as f64 * ln_p - ln_den > ln_delta {
        m += 1;
    }
    Ok(1 + m)
}

/// What a release with partition selection spends: epsilon, with its delta carried in
/// [`SelectedRelease::delta`]. It is not pure and has no zCDP bound, so `rho` is infinite: a
/// zCDP accountant composing it can only refuse, never under-count.
fn selected_spend(epsilon: f64) -> Spend {
    Spend { epsilon: Some(epsilon), rho: f64::INFINITY }
}

/// Differentially private counts (and sums and means, as [`segment_statistics`]) per segment
/// when the keys cannot be declared in advance: DP partition selection by Laplace thresholding
/// (Korolova et al. 2009; Wilson et al. 2020). Each key held in the data gets a noisy count;
/// it is reported only when that count reaches [`selection_threshold`], so a key that one
/// person alone holds appears with probability at most `delta`. Each row is one person, in
/// one segment. The guarantee is (epsilon, delta)-DP; with sums, the counts (and the
/// selection) get half of epsilon, the sums the other half.
pub fn segment_statistics_selected(
    rng: &mut impl Random,
    segment_of_row: &[&str],
    values: Option<(&[f64], (i64, i64))>,
    epsilon: f64,
    delta: f64,
) -> Result<SelectedRelease, AnonError> {
    let parts: u32 = if values.is_some() { 2 } else { 1 };
    let (num, den) = laplace_scale(1, epsilon / f64::from(parts))?;
    let threshold = selection_threshold(num, den, delta)?;
    // Keys from the data, in key order (the data's order would tell who came first).
    let mut keys: Vec<String> = segment_of_row.iter().map(|s| (*s).to_owned()).collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(SelectedRelease {
            release: SegmentRelease {
                segments: Vec::new(),
                count_noise: num as f64 / den as f64,
                sum_noise: None,
                undeclared_rows: 0,
                spend: selected_spend(epsilon),
            },
            threshold,
            delta,
        });
    }
    let mut release = segment_statistics(rng, segment_of_row, &keys, values, Mechanism::Laplace { epsilon })?;
    release.segments.retain(|s| s.count >= threshold);
    release.spend = selected_spend(epsilon);
    Ok(SelectedRelease { release, threshold, delta })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pearson's chi-square statistic of observed counts against expected probabilities over
    /// `support`, with the tails pooled into one bin; and its degrees of freedom.
    fn chi_square(samples: &[i64], support: std::ops::RangeInclusive<i64>, p: impl Fn(i64) -> f64) -> (f64, f64) {
        let n = samples.len() as f64;
        let mut observed = std::collections::BTreeMap::new();
        for &x in samples {
            let key = x.clamp(*support.start() - 1, *support.end() + 1);
            *observed.entry(key).or_insert(0.0) += 1.0;
        }
        let inside: f64 = support.clone().map(&p).sum();
        let mut stat = 0.0;
        let mut bins = 0.0;
        for x in support.clone() {
            let e = n * p(x);
            let o = observed.get(&x).copied().unwrap_or(0.0);
            stat += (o - e) * (o - e) / e;
            bins += 1.0;
        }
        let tail_e = n * (1.0 - inside);
        let tail_o =
            observed.get(&(*support.start() - 1)).copied().unwrap_or(0.0) + observed.get(&(*support.end() + 1)).copied().unwrap_or(0.0);
        if tail_e > 5.0 {
            stat += (tail_o - tail_e) * (tail_o - tail_e) / tail_e;
            bins += 1.0;
        }
        (stat, bins - 1.0)
    }

    /// The chi-square statistic a correct sampler exceeds with probability 1e-6.
    fn critical(df: f64) -> f64 {
        use statrs::distribution::{ChiSquared, ContinuousCDF};
        ChiSquared::new(df).expect("df").inverse_cdf(1.0 - 1e-6)
    }

    #[test]
    fn discrete_laplace_has_its_distribution() {
        let mut rng = OsRandom;
        // Scale 3/2: P(x) = (1 - q) / (1 + q) q^|x| with q = exp(-2/3).
        let q = (-2.0f64 / 3.0).exp();
        let p = |x: i64| (1.0 - q) / (1.0 + q) * q.powi(x.unsigned_abs() as i32);
        let samples: Vec<i64> = (0..20_000).map(|_| discrete_laplace(&mut rng, 3, 2).expect("sample")).collect();
        let (stat, df) = chi_square(&samples, -8..=8, p);
        assert!(stat < critical(df), "chi-square {stat:.1} with {df} degrees of freedom");
        let mean = samples.iter().sum::<i64>() as f64 / samples.len() as f64;
        assert!(mean.abs() < 0.1, "symmetric around 0: mean {mean}");
    }

    #[test]
    fn discrete_gaussian_has_its_distribution() {
        let mut rng = OsRandom;
        for (num, den) in [(9u64, 4u64), (25, 1)] {
            let sigma2 = num as f64 / den as f64;
            let norm: f64 = (-200..=200).map(|x: i64| (-(x * x) as f64 / (2.0 * sigma2)).exp()).sum();
            let p = |x: i64| (-(x * x) as f64 / (2.0 * sigma2)).exp() / norm;
            let samples: Vec<i64> = (0..20_000).map(|_| discrete_gaussian(&mut rng, num, den).expect("sample")).collect();
            let width = (3.0 * sigma2.sqrt()).ceil() as i64;
            let (stat, df) = chi_square(&samples, -width..=width, p);
            assert!(stat < critical(df), "sigma² {sigma2}: chi-square {stat:.1} with {df} degrees of freedom");
            let var = samples.iter().map(|&x| (x * x) as f64).sum::<f64>() / samples.len() as f64;
            // The discrete Gaussian's variance is below sigma² and close to it for sigma >= 1.
            assert!((var - sigma2).abs() < 0.1 * sigma2, "sigma² {sigma2}: variance {var}");
        }
    }

    #[test]
    fn bernoulli_exp_is_exact_in_distribution() {
        let mut rng = OsRandom;
        for (num, den) in [(1u32, 2u32), (3, 1), (7, 3)] {
            let n = 20_000;
            let hits = (0..n).filter(|_| bernoulli_exp(&mut rng, &BigUint::from(num), &BigUint::from(den)).expect("b")).count();
            let p = (-(f64::from(num) / f64::from(den))).exp();
            let sd = (p * (1.0 - p) / n as f64).sqrt();
            let seen = hits as f64 / n as f64;
            assert!((seen - p).abs() < 5.0 * sd, "exp(-{num}/{den}) = {p}: saw {seen}");
        }
    }

    #[test]
    fn uniform_sampling_has_no_bias_and_handles_big_bounds() {
        let mut rng = OsRandom;
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[uniform_below_u64(&mut rng, 3).expect("u") as usize] += 1;
        }
        assert!(counts.iter().all(|&c| (9_400..10_600).contains(&c)), "{counts:?}");
        let big = BigUint::from(u64::MAX) * BigUint::from(3u32);
        for _ in 0..100 {
            assert!(uniform_below(&mut rng, &big).expect("u") < big);
        }
        assert_eq!(uniform_below_u64(&mut rng, 1).expect("u"), 0);
    }

    #[test]
    fn accounting_matches_worked_examples() {
        // Bun and Steinke: rho-zCDP gives (rho + 2 sqrt(rho ln(1/delta)), delta)-DP.
        let s = Spend::zcdp(0.5);
        let expected = 0.5 + 2.0 * (0.5 * (1e6f64).ln()).sqrt();
        assert!((s.epsilon_at(1e-6) - expected).abs() < 1e-12);
        assert!((expected - 5.756).abs() < 1e-3, "{expected}");
        // Pure releases compose by adding epsilons, and count epsilon²/2 in zCDP.
        let two = Spend::pure(0.5).then(Spend::pure(1.0));
        assert_eq!(two.epsilon, Some(1.5));
        assert!((two.rho - 0.625).abs() < 1e-12);
        assert_eq!(two.epsilon_at(1e-6), 1.5, "pure composition is tighter here");
        // One Gaussian release ends pure accounting.
        let mixed = two.then(Spend::zcdp(0.1));
        assert_eq!(mixed.epsilon, None);
        assert!((mixed.rho - 0.725).abs() < 1e-12);
        // Noise for the budget: scale = sensitivity / epsilon; sigma² = sensitivity² / (2 rho).
        assert_eq!(laplace_scale(1, 0.5).expect("scale"), (2, 1));
        assert_eq!(laplace_scale(3, 2.0).expect("scale"), (3, 2));
        assert_eq!(gaussian_sigma2(1, 0.5).expect("sigma"), (1, 1));
        assert_eq!(gaussian_sigma2(2, 0.1).expect("sigma"), (20, 1));
        assert!(rational(0.0).is_err() && rational(-1.0).is_err() && rational(f64::NAN).is_err());
        assert_eq!(rational(0.25).expect("r"), (1, 4));
    }

    #[test]
    fn segment_statistics_report_declared_keys_with_noise_of_the_right_scale() {
        let mut rng = OsRandom;
        let rows: Vec<&str> = std::iter::repeat_n("north", 600).chain(std::iter::repeat_n("south", 400)).chain(["secret"]).collect();
        let values: Vec<f64> = rows.iter().enumerate().map(|(i, _)| (i % 100) as f64 * 20.0).collect();
        let keys = vec!["north".to_owned(), "south".to_owned(), "east".to_owned()];
        let r =
            segment_statistics(&mut rng, &rows, &keys, Some((&values, (0, 1000))), Mechanism::Laplace { epsilon: 1.0 }).expect("release");
        assert_eq!(r.segments.iter().map(|s| s.segment.as_str()).collect::<Vec<_>>(), ["north", "south", "east"]);
        assert_eq!(r.undeclared_rows, 1, "the undeclared key is left out, not reported");
        // Half the budget each: counts at scale 1/0.5 = 2, sums at 1000/0.5 = 2000.
        assert_eq!((r.count_noise, r.sum_noise), (2.0, Some(2000.0)));
        assert_eq!(r.spend, Spend::pure(1.0));
        // Noise of scale 2 is within 40 of the truth except with probability about 2e-9.
        assert!((r.segments[0].count - 600).abs() < 40, "{:?}", r.segments[0]);
        assert!((r.segments[2].count).abs() < 40, "an empty declared key is reported too");
        let r = segment_statistics(&mut rng, &rows, &keys, None, Mechanism::Gaussian { rho: 0.5 }).expect("release");
        assert_eq!((r.count_noise, r.sum_noise), (1.0, None));
        assert_eq!(r.spend, Spend::zcdp(0.5));
        assert!(segment_statistics(&mut rng, &rows, &[], None, Mechanism::Laplace { epsilon: 1.0 }).is_err());
        assert!(segment_statistics(&mut rng, &rows, &keys, Some((&values, (5, 1))), Mechanism::Laplace { epsilon: 1.0 }).is_err());
        assert!(segment_statistics(&mut rng, &rows, &keys, None, Mechanism::Laplace { epsilon: 0.0 }).is_err());
    }

    #[test]
    fn partition_selection_hides_keys_held_by_one_person() {
        // epsilon 1, delta 1e-6: p = e^-1, ln(1e-6 (1 + p)) / ln p = 13.50, so m = 14.
        let (n, d) = laplace_scale(1, 1.0).expect("scale");
        assert_eq!(selection_threshold(n, d, 1e-6).expect("tau"), 15);
        assert!(selection_threshold(n, d, 0.0).is_err() && selection_threshold(n, d, 1.0).is_err());
        // With a large delta, a key of one person shows about as often as P(Z >= m) says, and
        // never more often than delta allows (4,000 releases: 4 standard deviations).
        let delta = 0.05;
        let tau = selection_threshold(n, d, delta).expect("tau");
        let p = (-1.0f64).exp();
        let tail = p.powi((tau - 1) as i32) / (1.0 + p);
        assert!(tail <= delta && tail > delta * p, "tau {tau} is the smallest that works");
        let mut rows: Vec<&str> = vec!["lone"];
        rows.extend(std::iter::repeat_n("crowd", 200));
        let trials = 4_000;
        let mut shown = 0;
        for _ in 0..trials {
            let r = segment_statistics_selected(&mut OsRandom, &rows, None, 1.0, delta).expect("release");
            assert!(r.release.segments.iter().any(|s| s.segment == "crowd"), "200 people clear the threshold");
            shown += usize::from(r.release.segments.iter().any(|s| s.segment == "lone"));
            assert!(r.release.segments.iter().all(|s| s.count >= tau));
        }
        let rate = shown as f64 / f64::from(trials);
        let sd = (tail * (1.0 - tail) / f64::from(trials)).sqrt();
        assert!((rate - tail).abs() < 4.0 * sd, "lone key shown at {rate}, expected {tail}");
        // With sums, the count's half of epsilon sets the threshold.
        let values = vec![10.0; rows.len()];
        let r = segment_statistics_selected(&mut OsRandom, &rows, Some((&values, (0, 100))), 1.0, 1e-6).expect("release");
        let (n2, d2) = laplace_scale(1, 0.5).expect("scale");
        assert_eq!(r.threshold, selection_threshold(n2, d2, 1e-6).expect("tau"));
        assert_eq!((r.release.spend.epsilon, r.release.spend.rho), (Some(1.0), f64::INFINITY), "no zCDP bound is claimed");
        // A tiny epsilon does not overflow the threshold's arithmetic.
        let (n3, d3) = laplace_scale(1, 1e-9).expect("scale");
        let tau = selection_threshold(n3, d3, 1e-6).expect("tau");
        assert!(tau > 10_000_000_000, "{tau}");
    }
}
