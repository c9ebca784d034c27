use super::*;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// n rows: x0 uniform in [-2, 2], sex in {0, 1} alternating, x2 = sex + small noise (a proxy),
/// label drawn from the score.
fn dataset(n: usize, sex_is_input: bool) -> Dataset {
    let mut rng = StdRng::seed_from_u64(7);
    let mut rows = Vec::with_capacity(n * 3);
    let mut codes = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let x0: f64 = rng.random_range(-2.0..2.0);
        let sex = (i % 2) as f64;
        let x2 = sex + rng.random_range(-0.1..0.1);
        rows.extend([x0, sex, x2]);
        codes.push((i % 2) as u32);
        labels.push(rng.random_bool(sigmoid(2.0 * x0)));
    }
    Dataset {
        features: vec!["x0".into(), "sex".into(), "x2".into()],
        rows,
        categorical: vec![false, true, false],
        labels: Labels::Binary(labels),
        protected: vec![Protected {
            name: "sex".into(),
            groups: vec!["female".into(), "male".into()],
            codes,
            feature: sex_is_input.then_some(1),
            values: vec![0.0, 1.0],
        }],
        folds: None,
        predictions: None,
    }
}

fn quick() -> Options {
    Options { bootstrap: 50, ..Options::default() }
}

#[test]
fn the_flip_test_counts_exactly_the_rows_a_protected_dependence_flips() {
    let data = dataset(4_000, true);
    let b = 0.8;
    let scorer = move |r: &[f64]| sigmoid(2.0 * r[0] + b * r[1] - b / 2.0);
    let report = validate(&scorer, &data, &quick(), &Policy::default(), &Quiet).expect("report");
    // By hand: a row flips iff its class differs with the other value of `sex`.
    let expected = (0..data.len())
        .filter(|&i| {
            let x0 = data.rows[i * 3];
            let sex = data.rows[i * 3 + 1];
            (2.0 * x0 + b * sex - b / 2.0 >= 0.0) != (2.0 * x0 + b * (1.0 - sex) - b / 2.0 >= 0.0)
        })
        .count() as u64;
    let attribute = report.flips.iter().find(|f| f.kind == "attribute").expect("flip test");
    assert!(expected > 100, "the model depends on sex: {expected}");
    assert_eq!(attribute.flips, expected);
    let high = attribute.rate.high.expect("bound");
    assert!(high > attribute.rate.value && high < 1.0);
    let flip_check = report.checks.iter().find(|c| c.check == "flip_test").expect("check");
    assert!(!flip_check.passed, "{flip_check:?}");
    assert!(!report.passed);

    // Without the dependence nothing flips, and the check passes.
    let fair = |r: &[f64]| sigmoid(2.0 * r[0]);
    let report = validate(&fair, &data, &quick(), &Policy::default(), &Quiet).expect("report");
    let attribute = report.flips.iter().find(|f| f.kind == "attribute").expect("flip test");
    assert_eq!(attribute.flips, 0);
    assert!(report.checks.iter().any(|c| c.check == "flip_test" && c.passed));
    // x2 carries sex: a proxy, tested separately (the fair model ignores it: no flips).
    assert_eq!(report.proxies.iter().map(|p| p.input.as_str()).collect::<Vec<_>>(), ["x2"]);
    assert!(report.proxies[0].cramers_v > 0.9);
    let proxy = report.flips.iter().find(|f| f.kind == "proxy").expect("proxy flip");
    assert_eq!(proxy.flips, 0);
    // A model that reads the proxy flips through it.
    let through_proxy = |r: &[f64]| sigmoid(2.0 * r[0] + 3.0 * r[2] - 1.5);
    let report = validate(&through_proxy, &data, &quick(), &Policy::default(), &Quiet).expect("report");
    assert!(report.flips.iter().find(|f| f.kind == "proxy").expect("proxy flip").flips > 100);
}

#[test]
fn performance_intervals_are_reproducible_and_bracket_the_estimate() {
    let data = dataset(3_000, false);
    let scorer = |r: &[f64]| sigmoid(2.0 * r[0]);
    let a = validate(&scorer, &data, &quick(), &Policy::default(), &Quiet).expect("report");
    let b = validate(&scorer, &data, &Options { threads: 1, ..quick() }, &Policy::default(), &Quiet).expect("report");
    assert_eq!(a.performance, b.performance, "seeded: the same intervals on any number of threads");
    for (name, f) in &a.performance.figures {
        let (low, high) = (f.low.expect("low"), f.high.expect("high"));
        assert!(low <= f.value && f.value <= high, "{name}: {low} <= {} <= {high}", f.value);
    }
    let Labels::Binary(labels) = &data.labels else { unreachable!() };
    let scores: Vec<f64> = (0..data.len()).map(|i| sigmoid(2.0 * data.rows[i * 3])).collect();
    let auc = a.performance.figures.iter().find(|(n, _)| n == "roc_auc").expect("auc").1.value;
    assert!((auc - metrics::roc_auc(&scores, labels).expect("auc")).abs() < 1e-12);
    // A well-specified model is calibrated: Hosmer-Lemeshow does not reject it.
    let hl = a.calibration.as_ref().and_then(|c| c.hosmer_lemeshow).expect("hl");
    assert!(hl.p_value > 0.001 && hl.degrees_of_freedom == 8, "{hl:?}");
    // Folds: one figure set per fold.
    let mut folded = data.clone();
    folded.folds = Some((0..data.len() as u32).map(|i| i % 3).collect());
    let r = validate(&scorer, &folded, &quick(), &Policy::default(), &Quiet).expect("report");
    assert_eq!(r.folds.iter().map(|f| f.fold).collect::<Vec<_>>(), [0, 1, 2]);
    assert_eq!(r.folds[0].performance.rows, 1_000);
}

#[test]
fn noise_and_declared_directions_are_checked() {
    let data = dataset(2_000, false);
    let scorer = |r: &[f64]| sigmoid(2.0 * r[0]);
    let options = Options { monotone: vec![("x0".into(), Direction::Decreasing)], ..quick() };
    let report = validate(&scorer, &data, &options, &Policy::default(), &Quiet).expect("report");
    assert_eq!(report.robustness.len(), 2);
    // Relative noise moves scores in proportion to the level (and barely flips a model whose
    // boundary sits where its input is 0).
    let (small, large) = (&report.robustness[0], &report.robustness[1]);
    assert!(small.mean_score_change > 0.0 && large.mean_score_change > 3.0 * small.mean_score_change, "{:?}", report.robustness);
    assert!(small.flip_rate <= large.flip_rate);
    let m = &report.monotonicity[0];
    assert!(m.violations as f64 > 0.99 * m.rows as f64, "the score rises with x0: {m:?}");
    assert!(report.checks.iter().any(|c| c.check == "monotonicity" && !c.passed));
    let options = Options { monotone: vec![("x0".into(), Direction::Increasing)], ..quick() };
    let report = validate(&scorer, &data, &options, &Policy::default(), &Quiet).expect("report");
    assert_eq!(report.monotonicity[0].violations, 0);
}

#[test]
fn small_groups_fail_representation_and_bad_input_is_refused() {
    let mut data = dataset(100, false);
    let scorer = |r: &[f64]| sigmoid(2.0 * r[0]);
    let policy = Policy { min_group_n: 60, ..Policy::default() };
    let report = validate(&scorer, &data, &quick(), &policy, &Quiet).expect("report");
    let c = report.checks.iter().find(|c| c.check == "representation").expect("check");
    assert!(!c.passed && c.value == Some(50.0), "{c:?}");
    data.rows.pop();
    assert!(matches!(validate(&scorer, &data, &quick(), &policy, &Quiet), Err(ValidateError::Data(_))));
    let data = dataset(100, false);
    let bad = Options { threshold: 2.0, ..quick() };
    assert!(matches!(validate(&scorer, &data, &bad, &policy, &Quiet), Err(ValidateError::Options(_))));
    let bad = Options { monotone: vec![("nope".into(), Direction::Increasing)], ..quick() };
    assert!(matches!(validate(&scorer, &data, &bad, &policy, &Quiet), Err(ValidateError::Options(_))));
}

/// The metrics equal scikit-learn's on the committed fixture (testdata/validate, made by
/// make_fixtures.py with scikit-learn 1.9.1).
#[test]
fn metrics_equal_scikit_learn() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/validate");
    let text = std::fs::read_to_string(dir.join("scores.csv")).expect("fixture");
    let (mut scores, mut labels) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let (s, l) = line.split_once(',').expect("two columns");
        scores.push(s.parse::<f64>().expect("score"));
        labels.push(l.trim() == "1");
    }
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).expect("expected")).expect("json");
    let close = |name: &str, got: f64| {
        let want = expected[name].as_f64().unwrap_or_else(|| panic!("{name} in the fixture"));
        assert!((got - want).abs() <= 1e-9, "{name}: {got} vs scikit-learn {want}");
    };
    close("roc_auc_score", metrics::roc_auc(&scores, &labels).expect("auc"));
    close("brier_score_loss", metrics::brier(&scores, &labels));
    close("log_loss", metrics::log_loss(&scores, &labels));
    let c = metrics::Counts::of(&scores, &labels, 0.5);
    close("accuracy_score", c.accuracy());
    close("precision_score", c.precision());
    close("recall_score", c.recall());
    close("f1_score", c.f1());
    let curve = metrics::calibration_curve(&scores, &labels, 10);
    let prob_true = expected["calibration_curve"]["prob_true"].as_array().expect("prob_true");
    let prob_pred = expected["calibration_curve"]["prob_pred"].as_array().expect("prob_pred");
    assert_eq!(curve.len(), prob_true.len());
    for ((point, t), p) in curve.iter().zip(prob_true).zip(prob_pred) {
        assert!((point.observed - t.as_f64().expect("t")).abs() <= 1e-9, "{point:?} vs {t}");
        assert!((point.mean_score - p.as_f64().expect("p")).abs() <= 1e-9, "{point:?} vs {p}");
    }
    // Scores on the bin edges land where numpy puts them.
    let edges: Vec<f64> = expected["edge_scores"].as_array().expect("edges").iter().filter_map(serde_json::Value::as_f64).collect();
    let edge_labels: Vec<bool> = expected["edge_labels"].as_array().expect("labels").iter().map(|v| v.as_u64() == Some(1)).collect();
    let got: Vec<f64> = metrics::calibration_curve(&edges, &edge_labels, 10).iter().map(|p| p.observed).collect();
    let want: Vec<f64> = expected["edge_curve_prob_true"].as_array().expect("curve").iter().filter_map(serde_json::Value::as_f64).collect();
    assert_eq!(got, want);
    let targets: Vec<f64> = expected["regression"]["targets"].as_array().expect("t").iter().filter_map(serde_json::Value::as_f64).collect();
    let predictions: Vec<f64> =
        expected["regression"]["predictions"].as_array().expect("p").iter().filter_map(serde_json::Value::as_f64).collect();
    close_in(&expected["regression"], "rmse", metrics::rmse(&predictions, &targets));
    close_in(&expected["regression"], "mae", metrics::mae(&predictions, &targets));
}

fn close_in(v: &serde_json::Value, name: &str, got: f64) {
    let want = v[name].as_f64().expect("figure");
    assert!((got - want).abs() <= 1e-9, "{name}: {got} vs {want}");
}

#[test]
fn scores_that_are_not_numbers_are_refused_not_looped_over() {
    let mut data = dataset(200, false);
    let scorer = |r: &[f64]| sigmoid(2.0 * r[0]);
    let mut predictions = vec![0.5; 200];
    predictions[17] = f64::NAN;
    data.predictions = Some(predictions);
    let err = validate(&scorer, &data, &quick(), &Policy::default(), &Quiet).expect_err("refused");
    assert!(err.to_string().contains("row 18"), "{err}");
    data.predictions = None;
    let broken = |r: &[f64]| if r[0] > 1.9 { f64::NAN } else { sigmoid(r[0]) };
    assert!(validate(&broken, &data, &quick(), &Policy::default(), &Quiet).is_err());
    data.folds = Some((0..200).collect());
    assert!(validate(&scorer, &data, &quick(), &Policy::default(), &Quiet).is_err(), "more than 100 folds");
}

#[test]
fn hosmer_lemeshow_keeps_a_group_predicted_all_zero() {
    // The lowest decile is scored 0 but holds positives: infinitely miscalibrated, and every
    // group counts in the degrees of freedom.
    let mut scores = vec![0.0; 10];
    scores.extend((0..90).map(|i| 0.1 + 0.8 * f64::from(i) / 90.0));
    let labels: Vec<bool> = (0..100).map(|i| i < 3 || i % 2 == 0).collect();
    let hl = metrics::hosmer_lemeshow(&scores, &labels, 10).expect("hl");
    assert_eq!(hl.degrees_of_freedom, 8);
    assert!(hl.statistic.is_infinite() && hl.p_value == 0.0, "{hl:?}");
}
