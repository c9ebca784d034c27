//! Counterfactuals on a real XGBoost model (the breast-cancer fixture, 100 trees): every
//! change found flips the decision when the row is scored again, moves only actionable
//! features within their bounds and allowed directions, and is no worse than a brute-force
//! scan of each feature alone (fewer features, then a smaller scaled change).

use std::collections::BTreeMap;
use std::path::PathBuf;

use custos_explain::Model;
use custos_explain::counterfactual::{Change, Counterfactual, CounterfactualOptions, counterfactual};
use custos_explain::reasons::{FavorableSide, FeatureDictionary, FeatureText};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/explain").join(name)).expect("fixture")
}

fn rows() -> (Vec<String>, Vec<Vec<f64>>) {
    let text = fixture("cancer.rows.csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().expect("header").split(',').skip(1).map(str::to_owned).collect();
    let rows = lines.map(|l| l.split(',').skip(1).map(|v| v.parse::<f64>().unwrap_or(f64::NAN)).collect()).collect();
    (header, rows)
}

fn text(min: f64, max: f64, change: Change) -> FeatureText {
    FeatureText {
        description: "x".into(),
        higher: "h".into(),
        lower: "l".into(),
        unit: None,
        actionable: true,
        min: Some(min),
        max: Some(max),
        change: Some(change),
    }
}

/// The reference: a brute-force scan over a grid within each actionable feature's bounds and
/// direction, first of each feature alone (400 values), then, if none flips the row, of every
/// pair (60 x 60 values). The fewest features that flip it, the least scaled change among
/// those, and the grid's resolution in that unit (the tolerance allowed to the search, whose
/// values sit just past the trees' thresholds rather than on a grid).
fn scan(model: &Model, row: &[f64], names: &[String], actionable: &BTreeMap<String, FeatureText>) -> Option<(usize, f64, f64)> {
    let axes: Vec<(usize, Vec<f64>, Vec<f64>)> = actionable
        .iter()
        .filter_map(|(name, t)| {
            let i = names.iter().position(|n| n == name)?;
            let (lo, hi) = (t.min?, t.max?);
            let grid = |steps: u32| -> Vec<f64> {
                (0..=steps)
                    .map(|k| lo + (hi - lo) * f64::from(k) / f64::from(steps))
                    .filter(|v| match t.change {
                        Some(Change::Decrease) => *v < row[i],
                        Some(Change::Increase) => *v > row[i],
                        _ => true,
                    })
                    .collect()
            };
            Some((i, grid(400), grid(60)))
        })
        .collect();
    let range = |i: usize| {
        let t = &actionable[&names[i]];
        t.max.unwrap_or(1.0) - t.min.unwrap_or(0.0)
    };
    let flips = |probe: &[f64]| model.predict(probe).expect("p")[0] > 0.5;
    let mut best: Option<f64> = None;
    for (i, fine, _) in &axes {
        for v in fine {
            let mut probe = row.to_vec();
            probe[*i] = *v;
            if flips(&probe) {
                let c = (v - row[*i]).abs() / range(*i);
                best = Some(best.map_or(c, |b: f64| b.min(c)));
            }
        }
    }
    if let Some(b) = best {
        return Some((1, b, 1.0 / 400.0));
    }
    for (a, (i, _, gi)) in axes.iter().enumerate() {
        for (j, _, gj) in &axes[a + 1..] {
            for u in gi {
                for v in gj {
                    let mut probe = row.to_vec();
                    probe[*i] = *u;
                    probe[*j] = *v;
                    if flips(&probe) {
                        let c = (u - row[*i]).abs() / range(*i) + (v - row[*j]).abs() / range(*j);
                        best = Some(best.map_or(c, |b: f64| b.min(c)));
                    }
                }
            }
        }
    }
    best.map(|b| (2, b, 2.0 / 60.0))
}

#[test]
fn tree_counterfactuals_flip_and_respect_the_dictionary() {
    let model = Model::parse(fixture("cancer.xgb.json").as_bytes()).expect("model");
    let (header, rows) = rows();
    let names = model.feature_names().to_vec();
    let actionable: BTreeMap<String, FeatureText> = [
        ("worst_radius", text(5.0, 40.0, Change::Decrease)),
        ("worst_texture", text(5.0, 50.0, Change::Either)),
        ("mean_concave_points", text(0.0, 0.3, Change::Decrease)),
        ("worst_concave_points", text(0.0, 0.4, Change::Either)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let dictionary = FeatureDictionary {
        favorable_outcome: FavorableSide::Higher,
        intro: None,
        features: actionable.clone(),
        outcomes: Default::default(),
        languages: Default::default(),
    };
    let options = CounterfactualOptions::default();
    let (mut found, mut adverse, mut compared) = (0, 0, 0);
    for raw in rows.iter().take(60) {
        // The rows file may order columns differently from the model.
        let row: Vec<f64> = names.iter().map(|n| header.iter().position(|h| h == n).map_or(f64::NAN, |i| raw[i])).collect();
        let before = model.predict(&row).expect("p")[0];
        let reference = if before < 0.5 { scan(&model, &row, &names, &actionable) } else { None };
        match counterfactual(&model, &row, &dictionary, &options) {
            Counterfactual::NotAdverse => assert!(before >= 0.5),
            Counterfactual::Found { changes, prediction, original_prediction, cost, .. } => {
                adverse += 1;
                found += 1;
                if let Some((k, c, step)) = &reference {
                    compared += 1;
                    assert!(changes.len() <= *k, "the scan flips it with {k} feature(s); the search changed {changes:?}");
                    if changes.len() == *k {
                        assert!(cost <= c + step + 1e-9, "the scan's flip costs {c}, the search's {cost}");
                    }
                }
                assert!(before < 0.5 && (original_prediction - before).abs() < 1e-12);
                let mut changed = row.clone();
                for c in &changes {
                    let i = names.iter().position(|n| *n == c.feature).expect("a model feature");
                    let t = &actionable[&c.feature];
                    assert!(c.to >= t.min.expect("min") && c.to <= t.max.expect("max"), "{c:?} out of bounds");
                    if t.change == Some(Change::Decrease) {
                        assert!(c.to < c.from, "{c:?} moved up");
                    }
                    changed[i] = c.to;
                }
                let after = model.predict(&changed).expect("p")[0];
                assert!(after > 0.5 && (after - prediction).abs() < 1e-12, "re-scored {after}");
                assert!(changes.len() <= options.max_features);
            }
            Counterfactual::NotFound { reason, .. } => {
                adverse += 1;
                assert!(reference.is_none(), "the scan found {reference:?}; the search found nothing: {reason}");
                assert!(!reason.is_empty());
            }
        }
    }
    assert!(adverse >= 10, "the fixture has adverse rows: {adverse}");
    assert!(found * 2 >= adverse, "a flip is found for most adverse rows: {found} of {adverse}");
    assert!(compared >= 5, "the brute-force reference compared enough rows: {compared}");
    eprintln!("{adverse} adverse rows, {found} flips found, {compared} compared with the brute-force scan");
}
