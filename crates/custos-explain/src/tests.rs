//! Differential tests: TreeSHAP against Shapley values computed by brute force (every subset of
//! features) on random small trees, and additivity.

use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::shap::{Scratch, interventional, path_dependent};
use crate::tree::{LEAF, Missing, Test, Tree};

const FEATURES: usize = 4;

/// A random tree of at most `depth` levels with consistent covers (a parent's cover is its
/// children's sum), features possibly repeated along a path.
fn random_tree(rng: &mut StdRng, depth: usize) -> Tree {
    fn grow(rng: &mut StdRng, t: &mut Tree, depth: usize) -> (usize, f64) {
        let me = t.len();
        t.left.push(LEAF);
        t.right.push(LEAF);
        t.feature.push(0);
        t.test.push(Test::LessOrEqual(0.0));
        t.default_left.push(rng.random_bool(0.5));
        t.missing.push(Missing::NaN);
        t.value.push(0.0);
        t.cover.push(0.0);
        if depth == 0 || rng.random_bool(0.2) {
            let cover = f64::from(rng.random_range(1..20u32));
            t.value[me] = rng.random_range(-2.0..2.0);
            t.cover[me] = cover;
            return (me, cover);
        }
        t.feature[me] = rng.random_range(0..FEATURES as u32);
        t.test[me] = Test::LessOrEqual(f64::from(rng.random_range(0..4u32)) + 0.5);
        let (l, cl) = grow(rng, t, depth - 1);
        let (r, cr) = grow(rng, t, depth - 1);
        t.left[me] = l as u32;
        t.right[me] = r as u32;
        t.cover[me] = cl + cr;
        (me, cl + cr)
    }
    let mut t = Tree::default();
    grow(rng, &mut t, depth);
    t
}

/// E[f(x) | x_S] with absent features following both children by cover.
fn conditional(t: &Tree, x: &[f64], subset: u32, node: usize) -> f64 {
    if t.is_leaf(node) {
        return t.value[node];
    }
    let f = t.feature[node] as usize;
    if subset >> f & 1 == 1 {
        return conditional(t, x, subset, t.next(node, x[f]));
    }
    let (l, r) = (t.left[node] as usize, t.right[node] as usize);
    (t.cover[l] * conditional(t, x, subset, l) + t.cover[r] * conditional(t, x, subset, r)) / t.cover[node]
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|k| k as f64).product()
}

fn shapley(value: impl Fn(u32) -> f64) -> Vec<f64> {
    let m = FEATURES;
    (0..m)
        .map(|i| {
            let mut phi = 0.0;
            for s in 0u32..(1 << m) {
                if s >> i & 1 == 1 {
                    continue;
                }
                let size = s.count_ones() as usize;
                let w = factorial(size) * factorial(m - size - 1) / factorial(m);
                phi += w * (value(s | 1 << i) - value(s));
            }
            phi
        })
        .collect()
}

fn random_row(rng: &mut StdRng) -> Vec<f64> {
    (0..FEATURES).map(|_| if rng.random_bool(0.1) { f64::NAN } else { f64::from(rng.random_range(0..5u32)) }).collect()
}

#[test]
fn path_dependent_equals_brute_force_shapley() {
    let mut rng = StdRng::seed_from_u64(11);
    for case in 0..400 {
        let tree = random_tree(&mut rng, 1 + case % 5);
        let x = random_row(&mut rng);
        let expected = shapley(|s| conditional(&tree, &x, s, 0));
        let mut phi = vec![0.0; FEATURES];
        path_dependent(&tree, &x, &mut phi, &mut Scratch::new(0));
        for (a, b) in phi.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-9, "case {case}: {phi:?} vs {expected:?}\n{tree:?}");
        }
        let total: f64 = phi.iter().sum::<f64>() + tree.expected_value();
        assert!((total - tree.predict(&x)).abs() < 1e-9, "additivity, case {case}");
    }
}

#[test]
fn interventional_equals_brute_force_shapley() {
    let mut rng = StdRng::seed_from_u64(12);
    for case in 0..300 {
        let tree = random_tree(&mut rng, 1 + case % 5);
        let x = random_row(&mut rng);
        let background: Vec<Vec<f64>> = (0..1 + case % 4).map(|_| random_row(&mut rng)).collect();
        let value = |s: u32| {
            background
                .iter()
                .map(|b| {
                    let mixed: Vec<f64> = (0..FEATURES).map(|f| if s >> f & 1 == 1 { x[f] } else { b[f] }).collect();
                    tree.predict(&mixed)
                })
                .sum::<f64>()
                / background.len() as f64
        };
        let expected = shapley(value);
        let mut phi = vec![0.0; FEATURES];
        for b in &background {
            interventional(&tree, &x, b, &mut phi, 1.0 / background.len() as f64);
        }
        for (a, e) in phi.iter().zip(&expected) {
            assert!((a - e).abs() < 1e-9, "case {case}: {phi:?} vs {expected:?}");
        }
    }
}

#[test]
fn precomputed_tables_equal_the_recursive_algorithm() {
    let mut rng = StdRng::seed_from_u64(13);
    let mut left = Vec::new();
    for case in 0..400 {
        let tree = random_tree(&mut rng, 1 + case % 6);
        let tables = crate::fast::precompute(&tree, usize::MAX).expect("few features");
        let x = random_row(&mut rng);
        let mut fast = vec![0.0; FEATURES];
        crate::fast::shap_row(&tree, &tables, &x, &mut fast, &mut left);
        let mut slow = vec![0.0; FEATURES];
        path_dependent(&tree, &x, &mut slow, &mut Scratch::new(0));
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() < 1e-9, "case {case}: {fast:?} vs {slow:?}");
        }
    }
}

/// Appends a leaf of `value` to `t`.
fn push_leaf(t: &mut Tree, value: f64) {
    t.left.push(LEAF);
    t.right.push(LEAF);
    t.feature.push(0);
    t.test.push(Test::LessOrEqual(0.0));
    t.default_left.push(false);
    t.missing.push(Missing::NaN);
    t.value.push(value);
    t.cover.push(1.0);
}

/// The iterative path-dependent walk on a tree deeper than the recursion tests reach: still
/// additive, and the depth limit is exact.
#[test]
fn deep_chains_are_walked_without_recursion() {
    // A 60-level chain (the default depth limit is 64): split 2k has leaf 2k+1 on the left and
    // split 2k+2 on the right.
    let depth = 60;
    let mut t = Tree::default();
    for level in 0..depth {
        let me = t.len();
        t.left.push((me + 1) as u32);
        t.right.push((me + 2) as u32);
        t.feature.push((level % FEATURES) as u32);
        t.test.push(Test::LessOrEqual(0.5));
        t.default_left.push(true);
        t.missing.push(Missing::NaN);
        t.value.push(0.0);
        t.cover.push(f64::from((depth - level + 1) as u32));
        push_leaf(&mut t, level as f64);
    }
    push_leaf(&mut t, -1.0);
    assert_eq!(t.check(FEATURES, 64).map(|(d, _)| d), Ok(depth));
    let x = [1.0, 0.0, 1.0, 0.0];
    let mut phi = vec![0.0; FEATURES];
    path_dependent(&t, &x, &mut phi, &mut Scratch::new(0));
    // Additivity: attributions plus the expected value give the prediction.
    let total: f64 = phi.iter().sum::<f64>() + t.expected_value();
    assert!((total - t.predict(&x)).abs() < 1e-9, "{total} vs {}", t.predict(&x));
    assert!(matches!(t.check(FEATURES, 59), Err((crate::ModelRule::Depth, _))));
}

#[test]
fn shared_children_cycles_and_bad_numbers_are_refused() {
    let mut rng = StdRng::seed_from_u64(5);
    let base = loop {
        let t = random_tree(&mut rng, 3);
        if t.len() >= 7 {
            break t;
        }
    };
    assert!(base.check(FEATURES, 64).is_ok());
    let internal: Vec<usize> = (0..base.len()).filter(|&i| !base.is_leaf(i)).collect();
    let (a, b) = (internal[0], internal[1]);

    let mut shared = base.clone();
    shared.right[a] = shared.left[b];
    assert!(matches!(shared.check(FEATURES, 64), Err((crate::ModelRule::NotATree, _))), "shared child");

    let mut cycle = base.clone();
    cycle.left[b] = 0;
    assert!(matches!(cycle.check(FEATURES, 64), Err((crate::ModelRule::NotATree, _))), "back to the root");

    let mut self_loop = base.clone();
    self_loop.left[b] = b as u32;
    assert!(matches!(self_loop.check(FEATURES, 64), Err((crate::ModelRule::NotATree, _))), "self loop");

    let mut outside = base.clone();
    outside.right[a] = 10_000;
    assert!(matches!(outside.check(FEATURES, 64), Err((crate::ModelRule::IndexOutOfRange, _))));

    let mut feature = base.clone();
    feature.feature[a] = FEATURES as u32;
    assert!(matches!(feature.check(FEATURES, 64), Err((crate::ModelRule::IndexOutOfRange, _))));

    let mut nan = base.clone();
    nan.test[a] = Test::LessOrEqual(f64::NAN);
    assert!(matches!(nan.check(FEATURES, 64), Err((crate::ModelRule::NonFinite, _))));

    let mut inf_leaf = base.clone();
    let leaf = (0..base.len()).find(|&i| base.is_leaf(i)).expect("a leaf");
    inf_leaf.value[leaf] = f64::INFINITY;
    assert!(matches!(inf_leaf.check(FEATURES, 64), Err((crate::ModelRule::NonFinite, _))));

    let mut negative_cover = base.clone();
    negative_cover.cover[leaf] = -1.0;
    assert!(matches!(negative_cover.check(FEATURES, 64), Err((crate::ModelRule::NonFinite, _))));
}

#[test]
fn tables_stay_inside_their_budget() {
    let mut rng = StdRng::seed_from_u64(21);
    let tree = random_tree(&mut rng, 6);
    let full = crate::fast::precompute(&tree, usize::MAX).expect("tables");
    assert!(full.bytes() > 64);
    assert!(crate::fast::precompute(&tree, full.bytes() - 1).is_none(), "one byte short of the budget");
    assert_eq!(crate::fast::precompute(&tree, full.bytes()).map(|t| t.bytes()), Some(full.bytes()));
}
