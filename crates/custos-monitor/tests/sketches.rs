//! Sketches on a million rows: the quantile sketch and the distinct count stay within their
//! documented errors, KS from two sketches stays within its stated bound of the exact KS and
//! is deterministic, shards merge into what one sketch of the union answers, and drift
//! against a profile finds what drift against the raw reference finds.

use custos_monitor::kll::Kll;
use custos_monitor::sketch::NumericSketch;
use custos_monitor::{ColumnInput, ColumnProfile, DriftOptions, Profile, Sample, Verdict, compare};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, LogNormal, StandardNormal};

const ROWS: usize = 1_000_000;

fn lognormal(seed: u64, n: usize, shift: f64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let d = LogNormal::new(0.0, 0.75).expect("valid");
    (0..n).map(|_| d.sample(&mut rng) + shift).collect()
}

fn ks_exact_statistic(a: &[f64], b: &[f64]) -> f64 {
    custos_monitor::ks::ks_2samp(a, b).expect("samples").statistic
}

fn sketch_test(report: &custos_monitor::DriftReport) -> (f64, f64, f64) {
    let t = report.columns[0].tests.iter().find(|t| t.method == "ks_sketch").expect("ks from sketches");
    (t.statistic, t.p_value, t.error_bound.expect("bound"))
}

#[test]
fn ks_from_sketches_stays_within_its_bound_of_the_exact_statistic() {
    let reference = lognormal(1, ROWS, 0.0);
    // A shift of 0.1 (0.087 reference sd): clearly above the 0.05 sd that counts as drift.
    let current = lognormal(2, ROWS / 4, 0.1);
    let exact = ks_exact_statistic(&reference, &current);
    let column = |r: &[f64], c: &[f64]| ColumnInput {
        name: "spend".into(),
        reference: Sample::Sketch(Box::new(NumericSketch::of(r, 0))),
        current: Sample::Sketch(Box::new(NumericSketch::of(c, 0))),
        min_effect: None,
    };
    let report = compare(&mut [column(&reference, &current)], &DriftOptions::default()).expect("report");
    let (statistic, p_value, bound) = sketch_test(&report);
    assert!((statistic - exact).abs() <= bound, "sketch D {statistic} vs exact {exact}, bound {bound}");
    assert!(bound < 0.02, "{bound}");
    assert_eq!(report.columns[0].verdict, Verdict::Drift, "{}", report.columns[0].summary);
    assert!(p_value < 1e-6);
    // The same data give the same figures, bit for bit.
    let again = compare(&mut [column(&reference, &current)], &DriftOptions::default()).expect("report");
    assert_eq!(sketch_test(&again), sketch_test(&report));
    // No drift: the same distribution, other draws.
    let same = lognormal(3, ROWS / 4, 0.0);
    let calm = compare(&mut [column(&reference, &same)], &DriftOptions::default()).expect("report");
    assert_eq!(calm.columns[0].verdict, Verdict::NoDrift, "{}", calm.columns[0].summary);
}

#[test]
fn a_thousand_shards_merge_into_what_one_sketch_answers() {
    let values = lognormal(4, ROWS, 0.0);
    let mut merged = Profile::default();
    let mut whole = ColumnProfile::numeric("spend");
    values.iter().for_each(|v| whole.add_number(Some(*v)));
    for (i, shard) in values.chunks(ROWS / 1000).enumerate() {
        let mut c = ColumnProfile::numeric("spend");
        shard.iter().for_each(|v| c.add_number(Some(*v)));
        let p = Profile { rows: shard.len() as u64, columns: vec![c] };
        if i == 0 { merged = p } else { merged.merge(&p).expect("merge") }
    }
    assert_eq!(merged.rows, ROWS as u64);
    let m = merged.column("spend").expect("column");
    let mut sorted = values.clone();
    sorted.sort_by(f64::total_cmp);
    let (Sample::Sketch(a), Sample::Sketch(b)) = (m.sample(), whole.sample()) else { panic!("sketches") };
    let (va, vb) = (a.quantiles.sorted_view(), b.quantiles.sorted_view());
    for q in 1..100 {
        let x = sorted[q * ROWS / 100];
        let truth = sorted.partition_point(|v| *v <= x) as f64 / ROWS as f64;
        assert!((va.cdf(x) - truth).abs() <= a.quantiles.rank_error(), "merged rank at {q}%");
        assert!((vb.cdf(x) - truth).abs() <= b.quantiles.rank_error(), "single rank at {q}%");
    }
    // Distinct count: 1M distinct doubles, HLL with 2^12 registers (relative standard error
    // 1.04/64 = 1.6 %): within three of them.
    assert!((m.distinct() / ROWS as f64 - 1.0).abs() < 0.05, "{}", m.distinct());
    assert!((whole.distinct() / ROWS as f64 - 1.0).abs() < 0.05, "{}", whole.distinct());
    let (main, distinct) = m.sizes();
    assert!(main + distinct <= 16 * 1024, "{main} + {distinct} bytes");
    // Merging the same shards in the same order again gives the same profile.
    let mut again = Profile::default();
    for (i, shard) in values.chunks(ROWS / 1000).enumerate() {
        let mut c = ColumnProfile::numeric("spend");
        shard.iter().for_each(|v| c.add_number(Some(*v)));
        let p = Profile { rows: shard.len() as u64, columns: vec![c] };
        if i == 0 { again = p } else { again.merge(&p).expect("merge") }
    }
    assert_eq!(again.to_json(), merged.to_json());
}

#[test]
fn a_profile_finds_the_drift_the_raw_reference_finds() {
    let mut rng = StdRng::seed_from_u64(9);
    let reference: Vec<f64> = (0..200_000).map(|_| StandardNormal.sample(&mut rng)).collect();
    let shifted: Vec<f64> = (0..20_000).map(|_| StandardNormal.sample(&mut rng)).map(|v: f64| v + 0.15).collect();
    let mut profile = ColumnProfile::numeric("score");
    reference.iter().for_each(|v| profile.add_number(Some(*v)));
    let from_json = Profile::from_json(&Profile { rows: 200_000, columns: vec![profile] }.to_json(), 10).expect("read back");
    let column = |reference: Sample| ColumnInput {
        name: "score".into(),
        reference,
        current: Sample::Numeric { values: shifted.clone(), missing: 0 },
        min_effect: None,
    };
    let sketched = compare(&mut [column(from_json.columns[0].sample())], &DriftOptions::default()).expect("report");
    let raw = compare(&mut [column(Sample::Numeric { values: reference.clone(), missing: 0 })], &DriftOptions::default()).expect("report");
    assert_eq!(sketched.columns[0].verdict, Verdict::Drift);
    assert_eq!(raw.columns[0].verdict, Verdict::Drift);
    let methods: Vec<&str> = sketched.columns[0].tests.iter().map(|t| t.method.as_str()).collect();
    assert_eq!(methods, ["ks_sketch", "welch_t"]);
    // Welch from the moments equals Welch from the raw values.
    let welch = |r: &custos_monitor::DriftReport| r.columns[0].tests.iter().find(|t| t.method == "welch_t").expect("welch").statistic;
    assert!((welch(&sketched) / welch(&raw) - 1.0).abs() < 1e-9);
    // The Wasserstein effect from quantiles is close to the exact one.
    let (a, b) = (sketched.columns[0].effect_size.value, raw.columns[0].effect_size.value);
    assert!((a - b).abs() < 0.02, "{a} vs {b}");
    // Kll used directly: an empty sketch has no range and no error.
    assert_eq!((Kll::default().range(), Kll::default().rank_error()), (None, 0.0));
}
