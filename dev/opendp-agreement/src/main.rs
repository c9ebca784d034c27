//! Agreement in distribution between custos's exact samplers (`custos_anon::dp`) and OpenDP's
//! (`opendp::traits::samplers`), both implementing Canonne, Kamath and Steinke (2020).
//!
//! For each distribution, N draws from each library and a two-sample chi-square test of
//! homogeneity over the integers, with the tails pooled so every bin expects at least 20 draws
//! per side; every statistic must stay below the 0.9999 quantile (Wilson-Hilferty). Each sample is
//! also tested against the exact probability mass function, and both samplers are timed.
//!
//! `cargo run --release --manifest-path dev/opendp-agreement/Cargo.toml [draws]`

use std::time::Instant;

use custos_anon::dp::{OsRandom, discrete_gaussian, discrete_laplace};
use dashu::{integer::IBig, rational::RBig};

/// One distribution to compare: its name, custos's sampler, OpenDP's, and its mass function.
struct Case {
    name: &'static str,
    ours: Box<dyn Fn() -> i64>,
    theirs: Box<dyn Fn() -> i64>,
    pmf: Box<dyn Fn(i64) -> f64>,
}

fn to_i64(x: IBig) -> i64 {
    i64::try_from(x).expect("a draw fits 64 bits")
}

fn laplace_pmf(scale: f64) -> impl Fn(i64) -> f64 {
    let p = (-1.0 / scale).exp();
    move |x| (1.0 - p) / (1.0 + p) * p.powi(x.unsigned_abs() as i32)
}

fn gaussian_pmf(sigma: f64) -> impl Fn(i64) -> f64 {
    let weight = move |x: i64| (-((x * x) as f64) / (2.0 * sigma * sigma)).exp();
    let total: f64 = (-2000..=2000).map(weight).sum();
    move |x| weight(x) / total
}

/// The 0.9999 quantile of chi-square with `df` degrees of freedom (Wilson-Hilferty).
fn critical(df: f64) -> f64 {
    let z = 3.719_016;
    let a = 2.0 / (9.0 * df);
    df * (1.0 - a + z * a.sqrt()).powi(3)
}

/// Bins of the support, tails pooled: the values from -m to m where the expected count per
/// side is at least 20, and one bin on each side for the rest.
fn bins(pmf: &dyn Fn(i64) -> f64, n: usize) -> i64 {
    let mut m = 0;
    while pmf(m + 1) * n as f64 >= 20.0 {
        m += 1;
    }
    m
}

fn histogram(draws: &[i64], m: i64) -> Vec<f64> {
    let mut h = vec![0f64; (2 * m + 3) as usize];
    for &x in draws {
        h[(x.clamp(-m - 1, m + 1) + m + 1) as usize] += 1.0;
    }
    h
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let cases = vec![
        Case {
            name: "discrete Laplace, scale 3/2",
            ours: Box::new(|| discrete_laplace(&mut OsRandom, 3, 2).expect("custos")),
            theirs: Box::new(|| {
                to_i64(opendp::traits::samplers::sample_discrete_laplace(RBig::from_parts(3.into(), 2u8.into())).expect("opendp"))
            }),
            pmf: Box::new(laplace_pmf(1.5)),
        },
        Case {
            name: "discrete Laplace, scale 20",
            ours: Box::new(|| discrete_laplace(&mut OsRandom, 20, 1).expect("custos")),
            theirs: Box::new(|| to_i64(opendp::traits::samplers::sample_discrete_laplace(RBig::from(20)).expect("opendp"))),
            pmf: Box::new(laplace_pmf(20.0)),
        },
        Case {
            name: "discrete Gaussian, sigma 3/2",
            ours: Box::new(|| discrete_gaussian(&mut OsRandom, 9, 4).expect("custos")),
            theirs: Box::new(|| {
                to_i64(opendp::traits::samplers::sample_discrete_gaussian(RBig::from_parts(3.into(), 2u8.into())).expect("opendp"))
            }),
            pmf: Box::new(gaussian_pmf(1.5)),
        },
        Case {
            name: "discrete Gaussian, sigma 10",
            ours: Box::new(|| discrete_gaussian(&mut OsRandom, 100, 1).expect("custos")),
            theirs: Box::new(|| to_i64(opendp::traits::samplers::sample_discrete_gaussian(RBig::from(10)).expect("opendp"))),
            pmf: Box::new(gaussian_pmf(10.0)),
        },
    ];
    let mut failed = false;
    println!("{n} draws per library and distribution");
    for case in &cases {
        let started = Instant::now();
        let ours: Vec<i64> = (0..n).map(|_| (case.ours)()).collect();
        let ours_s = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let theirs: Vec<i64> = (0..n).map(|_| (case.theirs)()).collect();
        let theirs_s = started.elapsed().as_secs_f64();
        let m = bins(&*case.pmf, n);
        let (a, b) = (histogram(&ours, m), histogram(&theirs, m));
        // Two samples of equal size: sum (a - b)^2 / (a + b) over bins, df = bins - 1.
        let two: f64 = a.iter().zip(&b).filter(|(x, y)| *x + *y > 0.0).map(|(x, y)| (x - y) * (x - y) / (x + y)).sum();
        let df = (a.len() - 1) as f64;
        // Each against the exact mass function (tails pooled as the bins).
        let expected: Vec<f64> = (-m - 1..=m + 1)
            .map(|x| {
                let tail = |from: i64| (from..from + 4000).map(|y| (case.pmf)(y)).sum::<f64>();
                n as f64 * if x == -m - 1 || x == m + 1 { tail(m + 1) } else { (case.pmf)(x) }
            })
            .collect();
        let exact = |h: &[f64]| h.iter().zip(&expected).map(|(o, e)| (o - e) * (o - e) / e).sum::<f64>();
        let (ours_exact, theirs_exact) = (exact(&a), exact(&b));
        let limit = critical(df);
        let ok = two < limit && ours_exact < limit && theirs_exact < limit;
        failed |= !ok;
        println!(
            "{:<30} bins {:>3}  two-sample chi2 {:>7.1}  custos vs exact {:>7.1}  OpenDP vs exact {:>7.1}  limit {:>6.1}  {}  custos {:.0}/s, OpenDP {:.0}/s",
            case.name,
            a.len(),
            two,
            ours_exact,
            theirs_exact,
            limit,
            if ok { "agree" } else { "DIFFER" },
            n as f64 / ours_s,
            n as f64 / theirs_s,
        );
    }
    if failed {
        eprintln!("the samplers do not agree in distribution");
        std::process::exit(1);
    }
}
