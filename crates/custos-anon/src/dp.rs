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
    let mask = u64::MAX >> (bound - 1).leading_zeros().min(63);
    let mask = if bound == 1 { 0 } else { mask };
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
}
