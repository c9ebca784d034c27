//! Seeded simulations of the false-alarm rate and the power of a whole comparison (50
//! numeric columns, Holm across them, alpha 0.05). An alarm is a column whose adjusted p is
//! below alpha, whatever its magnitude.
//!
//! - Drift-free: at most 8 % of windows raise any alarm (5 % plus binomial slack for 200
//!   windows).
//! - A 0.1 sd mean shift in one of the 50 columns, 2,000 current rows against 100,000
//!   reference rows: detected in at least 72 % of windows (80 % power minus slack).
//!
//! CI runs `CUSTOS_SIM_WINDOWS` windows (default 200, the full run, about a minute);
//! `scripts/slow-checks.sh` runs 1,000 with proportionally tighter slack.

use custos_monitor::{ColumnInput, DriftOptions, Sample, compare};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

const COLUMNS: usize = 50;
const REFERENCE_ROWS: usize = 100_000;
const CURRENT_ROWS: usize = 2_000;

fn windows() -> usize {
    std::env::var("CUSTOS_SIM_WINDOWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

fn normals(rng: &mut StdRng, n: usize, shift: f64) -> Vec<f64> {
    (0..n).map(|_| StandardNormal.sample(rng)).map(|v: f64| v + shift).collect()
}

/// The share of windows with any alarm, and the share in which column 0 alarms.
fn run(seed: u64, shift: f64) -> (f64, f64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let reference: Vec<Vec<f64>> = (0..COLUMNS)
        .map(|_| {
            let mut v = normals(&mut rng, REFERENCE_ROWS, 0.0);
            v.sort_by(f64::total_cmp);
            v
        })
        .collect();
    let n = windows();
    let (mut any, mut first) = (0usize, 0usize);
    for _ in 0..n {
        let mut columns: Vec<ColumnInput> = (0..COLUMNS)
            .map(|c| ColumnInput {
                name: format!("x{c}"),
                reference: Sample::Numeric { values: reference[c].clone(), missing: 0 },
                current: Sample::Numeric { values: normals(&mut rng, CURRENT_ROWS, if c == 0 { shift } else { 0.0 }), missing: 0 },
                min_effect: None,
            })
            .collect();
        let report = compare(&mut columns, &DriftOptions::default()).expect("report");
        let alarms: Vec<bool> = report.columns.iter().map(|c| c.p_value_adjusted < report.alpha).collect();
        any += usize::from(alarms.iter().any(|a| *a));
        first += usize::from(alarms[0]);
    }
    (any as f64 / n as f64, first as f64 / n as f64)
}

/// Binomial slack: 2.5 standard errors of a share `p` over `n` windows.
fn slack(p: f64, n: usize) -> f64 {
    2.5 * (p * (1.0 - p) / n as f64).sqrt()
}

#[test]
fn false_alarms_stay_at_alpha_across_50_columns() {
    let n = windows();
    let (any, _) = run(17, 0.0);
    eprintln!("drift-free: {:.1}% of {n} windows raised an alarm", any * 100.0);
    assert!(any <= 0.05 + slack(0.05, n).max(0.03), "false alarms in {:.1}% of windows", any * 100.0);
}

#[test]
fn a_tenth_of_a_standard_deviation_is_found() {
    let n = windows();
    let (_, found) = run(29, 0.1);
    eprintln!("0.1 sd shift: found in {:.1}% of {n} windows", found * 100.0);
    assert!(found >= 0.80 - slack(0.80, n).max(0.08), "found in {:.1}% of windows", found * 100.0);
}

/// The CBPE estimate from a calibrated model's scores alone: over 200 seeded windows of 2,000
/// rows whose outcomes are drawn from the scores, the actual accuracy falls inside the
/// estimate's 95 % interval in at least 90 % of windows, and the estimated AUC is unbiased
/// (mean error under 0.005).
#[test]
fn performance_estimated_without_labels_covers_the_truth() {
    use rand::RngExt as _;
    use rand_distr::Beta;
    let mut rng = StdRng::seed_from_u64(41);
    let beta = Beta::new(2.0, 3.0).expect("beta");
    let (mut covered, mut auc_error) = (0usize, 0.0f64);
    let windows = 200;
    for _ in 0..windows {
        let scores: Vec<f64> = (0..2000).map(|_| beta.sample(&mut rng)).collect();
        let labels: Vec<bool> = scores.iter().map(|p| rng.random_bool(*p)).collect();
        let estimate = custos_monitor::performance::estimated(&scores, 0.5).expect("estimate");
        let truth = custos_monitor::performance::measured(&scores, &labels, 0.5).expect("truth");
        assert!(estimate.estimated);
        let (low, high) = (estimate.accuracy.low.expect("low"), estimate.accuracy.high.expect("high"));
        covered += usize::from(low <= truth.accuracy.value && truth.accuracy.value <= high);
        auc_error += estimate.roc_auc.expect("auc").value - truth.roc_auc.expect("auc").value;
    }
    let share = covered as f64 / windows as f64;
    eprintln!("CBPE: accuracy inside the interval in {:.1}% of windows; mean AUC error {:.4}", share * 100.0, auc_error / windows as f64);
    assert!(share >= 0.90, "{share}");
    assert!((auc_error / windows as f64).abs() < 0.005, "{}", auc_error / windows as f64);
}
