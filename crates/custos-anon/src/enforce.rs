//! Making a table k-anonymous (and distinct l-diverse) by generalizing quasi-identifiers along
//! hierarchies and suppressing what is left over, with the least information loss.
//!
//! Each quasi-identifier has a [`Hierarchy`]: level 0 is the value itself, each level above is
//! coarser, and the top level is `*` (the column withheld). A **node** of the generalization
//! lattice picks one level per quasi-identifier. A node **satisfies** the target when, after
//! suppressing every row of a class smaller than k (or with fewer than l distinct sensitive
//! values), at most `max_suppressed` rows are suppressed. Satisfaction is monotone (coarser
//! nodes merge classes), so the search visits nodes in ascending loss and skips every node
//! above a satisfying one; the first satisfying node is optimal for the loss metric.
//!
//! **Loss** is ARX's "precision" of the generalization: the mean over quasi-identifiers of
//! level / top level (0: as given, 1: all withheld). Suppression is bounded by the limit, not
//! traded against it; among nodes of equal precision the discernibility metric (sum of squared
//! class sizes, plus rows x suppressed rows) decides.
//!
//! This search is exhaustive with pruning: right for the usual handful of quasi-identifiers
//! (5 columns of 5 levels: 3,125 nodes); `max_nodes` bounds the work, and a search that hits
//! the bound says so instead of answering.

use std::collections::HashMap;

use serde::Serialize;

use crate::{AnonError, check::Column, check::Table};

/// How one quasi-identifier coarsens.
#[derive(Debug, Clone, PartialEq)]
pub enum Hierarchy {
    /// Numbers into intervals: level i (from 1) uses `widths[i-1]` ("[20, 30)"); then `*`.
    Intervals(Vec<f64>),
    /// Text by prefix: level i replaces the last i characters by `*` (postal codes), up to
    /// `levels`; then `*`.
    Prefix {
        /// How many prefix levels.
        levels: usize,
    },
    /// ISO dates (`2026-12-04`): month, quarter, year; then `*`.
    Dates,
    /// A user-given tree: per level, value -> parent (a value missing from a level's map goes
    /// to `*`); then `*`.
    Tree(Vec<HashMap<String, String>>),
}

impl Hierarchy {
    /// Levels including level 0 and the top `*`.
    pub fn levels(&self) -> usize {
        2 + match self {
            Self::Intervals(w) => w.len(),
            Self::Prefix { levels } => *levels,
            Self::Dates => 3,
            Self::Tree(t) => t.len(),
        }
    }

    /// `value` at `level`.
    pub fn generalize(&self, value: &str, level: usize) -> String {
        if level == 0 {
            return value.to_owned();
        }
        if level + 1 >= self.levels() {
            return "*".to_owned();
        }
        match self {
            Self::Intervals(widths) => match value.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let w = widths[level - 1];
                    let low = (x / w).floor() * w;
                    format!("[{}, {})", trim(low), trim(low + w))
                }
                _ => "*".to_owned(),
            },
            Self::Prefix { .. } => {
                let chars: Vec<char> = value.chars().collect();
                let keep = chars.len().saturating_sub(level);
                chars[..keep].iter().collect::<String>() + &"*".repeat(chars.len() - keep)
            }
            Self::Dates => {
                let (y, m) = (value.get(0..4), value.get(5..7).and_then(|m| m.parse::<u32>().ok()));
                match (y, m, level) {
                    (Some(y), Some(m), 1) => format!("{y}-{m:02}"),
                    (Some(y), Some(m), 2) => format!("{y}-Q{}", (m - 1) / 3 + 1),
                    (Some(y), _, 3) => y.to_owned(),
                    _ => "*".to_owned(),
                }
            }
            Self::Tree(levels) => {
                let mut v = value.to_owned();
                for map in &levels[..level] {
                    match map.get(&v) {
                        Some(parent) => v = parent.clone(),
                        None => return "*".to_owned(),
                    }
                }
                v
            }
        }
    }
}

fn trim(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

/// What to reach.
#[derive(Debug, Clone)]
pub struct Target {
    /// Every released class has at least k rows.
    pub k: usize,
    /// With a sensitive attribute: every released class has at least l distinct values.
    pub l: Option<(String, usize)>,
    /// At most this many rows may be suppressed.
    pub max_suppressed: usize,
    /// At most this many lattice nodes are evaluated.
    pub max_nodes: usize,
}

/// The chosen generalization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Per quasi-identifier (in the order given), the level chosen.
    pub levels: Vec<usize>,
    /// Rows suppressed (their classes were too small).
    pub suppressed: usize,
    /// The smallest released class.
    pub k: usize,
    /// Precision loss of the generalization in [0, 1] (what the search minimizes; suppressed
    /// rows are bounded by the limit instead).
    pub precision_loss: f64,
    /// Discernibility: sum of squared class sizes plus rows x suppressed rows.
    pub discernibility: u64,
    /// Lattice nodes evaluated.
    pub evaluated: usize,
    /// Which rows are released (false: suppressed).
    #[serde(skip)]
    pub released: Vec<bool>,
}

/// One quasi-identifier's codes at every level: `codes[level][row]`, and the number of codes.
struct Levels {
    codes: Vec<Vec<u32>>,
    cardinality: Vec<usize>,
}

fn levels_of(column: &Column, hierarchy: &Hierarchy) -> Levels {
    let values: Vec<String> = match column {
        Column::Categorical { codes, values } => codes.iter().map(|&c| values[c as usize].clone()).collect(),
        Column::Numeric(v) => v.iter().map(|x| if x.is_nan() { String::new() } else { trim(*x) }).collect(),
    };
    let mut codes = Vec::with_capacity(hierarchy.levels());
    let mut cardinality = Vec::with_capacity(hierarchy.levels());
    // Generalize each distinct value once per level.
    let mut distinct: HashMap<&str, u32> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    let row_distinct: Vec<u32> = values
        .iter()
        .map(|v| {
            *distinct.entry(v.as_str()).or_insert_with(|| {
                order.push(v.as_str());
                (order.len() - 1) as u32
            })
        })
        .collect();
    for level in 0..hierarchy.levels() {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let map: Vec<u32> = order
            .iter()
            .map(|v| {
                let g = hierarchy.generalize(v, level);
                let next = ids.len() as u32;
                *ids.entry(g).or_insert(next)
            })
            .collect();
        codes.push(row_distinct.iter().map(|&d| map[d as usize]).collect());
        cardinality.push(ids.len());
    }
    Levels { codes, cardinality }
}

/// Finds the least-loss generalization of `quasi` (each with its hierarchy) that meets
/// `target`, or says why none does.
pub fn search(table: &Table, quasi: &[(&str, Hierarchy)], target: &Target) -> Result<Plan, AnonError> {
    if quasi.is_empty() || target.k == 0 {
        return Err(AnonError::Invalid("name quasi-identifiers and a k of at least 1".into()));
    }
    let rows = table.rows();
    let levels: Vec<Levels> = quasi.iter().map(|(n, h)| Ok(levels_of(table.column(n)?, h))).collect::<Result<_, AnonError>>()?;
    let sensitive = match &target.l {
        Some((name, l)) => Some((table.column(name)?.codes().0, *l)),
        None => None,
    };
    let tops: Vec<usize> = quasi.iter().map(|(_, h)| h.levels() - 1).collect();
    // Every node, in ascending precision loss (ties: fewer total levels first).
    let mut nodes: Vec<Vec<usize>> = vec![Vec::new()];
    for &top in &tops {
        nodes = nodes.into_iter().flat_map(|n| (0..=top).map(move |l| [n.clone(), vec![l]].concat())).collect();
    }
    let loss_of = |node: &[usize]| node.iter().zip(&tops).map(|(&l, &t)| l as f64 / t as f64).sum::<f64>() / tops.len() as f64;
    nodes.sort_by(|a, b| loss_of(a).total_cmp(&loss_of(b)).then(a.iter().sum::<usize>().cmp(&b.iter().sum())));
    let mut satisfied: Vec<Vec<usize>> = Vec::new();
    let mut evaluated = 0;
    let mut best: Option<Plan> = None;
    for node in nodes {
        // Above a satisfying node: satisfying, and not better.
        if satisfied.iter().any(|s| s.iter().zip(&node).all(|(a, b)| a <= b)) {
            continue;
        }
        // Past the best loss: done (nodes come in ascending loss).
        if best.as_ref().is_some_and(|b| loss_of(&node) > b.precision_loss + 1e-12) {
            break;
        }
        if evaluated == target.max_nodes {
            return Err(AnonError::Invalid(format!(
                "the search stopped after {evaluated} of the lattice's nodes without proving the best; raise the limit or give fewer levels"
            )));
        }
        evaluated += 1;
        if let Some(mut plan) = evaluate(&node, &levels, sensitive.as_ref(), rows, target) {
            plan.precision_loss = loss_of(&node);
            satisfied.push(node);
            // Equal loss: the finer partition (lower discernibility) wins.
            if best.as_ref().is_none_or(|b| plan.discernibility < b.discernibility) {
                best = Some(plan);
            }
        }
    }
    match best {
        Some(mut plan) => {
            plan.evaluated = evaluated;
            Ok(plan)
        }
        None => Err(AnonError::Invalid(format!(
            "no generalization meets k = {} with at most {} rows suppressed",
            target.k, target.max_suppressed
        ))),
    }
}

fn evaluate(node: &[usize], levels: &[Levels], sensitive: Option<&(Vec<u32>, usize)>, rows: usize, target: &Target) -> Option<Plan> {
    let (keys, n) = crate::check::class_keys(
        node.iter().enumerate().map(|(q, &level)| (levels[q].codes[level].as_slice(), levels[q].cardinality[level])),
        rows,
    );
    let mut size = vec![0usize; n];
    for &c in &keys {
        size[c as usize] += 1;
    }
    let mut ok: Vec<bool> = size.iter().map(|&s| s >= target.k).collect();
    if let Some((codes, l)) = sensitive {
        let mut seen: std::collections::HashSet<(u64, u32)> = std::collections::HashSet::new();
        let mut distinct = vec![0usize; n];
        for (&c, &s) in keys.iter().zip(codes) {
            if seen.insert((c, s)) {
                distinct[c as usize] += 1;
            }
        }
        for c in 0..n {
            ok[c] &= distinct[c] >= *l;
        }
    }
    let suppressed: usize = (0..n).filter(|&c| !ok[c]).map(|c| size[c]).sum();
    if suppressed > target.max_suppressed || suppressed == rows {
        return None;
    }
    let k = (0..n).filter(|&c| ok[c]).map(|c| size[c]).min().unwrap_or(0);
    let discernibility = (0..n).filter(|&c| ok[c]).map(|c| (size[c] * size[c]) as u64).sum::<u64>() + (rows as u64) * (suppressed as u64);
    let released = keys.iter().map(|&c| ok[c as usize]).collect();
    Some(Plan { levels: node.to_vec(), suppressed, k, precision_loss: 0.0, discernibility, evaluated: 0, released })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CheckOptions, check};

    #[test]
    fn hierarchies_coarsen_values() {
        let ages = Hierarchy::Intervals(vec![5.0, 10.0, 20.0]);
        assert_eq!(ages.levels(), 5);
        assert_eq!(ages.generalize("37", 0), "37");
        assert_eq!(ages.generalize("37", 1), "[35, 40)");
        assert_eq!(ages.generalize("37", 3), "[20, 40)");
        assert_eq!(ages.generalize("37", 4), "*");
        let zip = Hierarchy::Prefix { levels: 3 };
        assert_eq!(zip.generalize("47677", 2), "476**");
        assert_eq!(zip.generalize("47677", 4), "*");
        assert_eq!(Hierarchy::Dates.generalize("2026-12-04", 1), "2026-12");
        assert_eq!(Hierarchy::Dates.generalize("2026-12-04", 2), "2026-Q4");
        assert_eq!(Hierarchy::Dates.generalize("2026-12-04", 3), "2026");
        let tree = Hierarchy::Tree(vec![
            HashMap::from([("flu".to_owned(), "respiratory".to_owned()), ("asthma".to_owned(), "respiratory".to_owned())]),
            HashMap::from([("respiratory".to_owned(), "illness".to_owned())]),
        ]);
        assert_eq!(tree.generalize("asthma", 2), "illness");
        assert_eq!(tree.generalize("gout", 1), "*");
    }

    fn sample(rows: &[(u8, u8, u8)]) -> Table {
        let mut t = Table::new();
        t.push("age", Column::Numeric(rows.iter().map(|r| f64::from(r.0)).collect())).expect("age");
        t.push("zip", Column::categorical(rows.iter().map(|r| format!("47{:03}", r.1)))).expect("zip");
        t.push("d", Column::categorical(rows.iter().map(|r| format!("d{}", r.2)))).expect("d");
        t
    }

    proptest::proptest! {
        /// Whatever the table, a plan meets k (checked again by the checker on the released,
        /// generalized rows) and never suppresses more than allowed.
        #[test]
        fn plans_meet_k_and_the_suppression_limit(
            rows in proptest::collection::vec((18u8..90, 0u8..40, 0u8..4), 5..80),
            k in 2usize..6,
            limit in 0usize..10,
        ) {
            let t = sample(&rows);
            let quasi = [("age", Hierarchy::Intervals(vec![5.0, 10.0, 30.0])), ("zip", Hierarchy::Prefix { levels: 3 })];
            let target = Target { k, l: None, max_suppressed: limit, max_nodes: 10_000 };
            match search(&t, &quasi, &target) {
                Ok(plan) => {
                    proptest::prop_assert!(plan.suppressed <= limit);
                    proptest::prop_assert!(plan.k >= k);
                    // Re-check the released rows, generalized, with the checker.
                    let kept: Vec<usize> = (0..rows.len()).filter(|&i| plan.released[i]).collect();
                    let mut g = Table::new();
                    for (q, (name, h)) in quasi.iter().enumerate() {
                        let col = match t.column(name).expect("col") {
                            Column::Categorical { codes, values } => kept.iter().map(|&i| h.generalize(&values[codes[i] as usize], plan.levels[q])).collect::<Vec<_>>(),
                            Column::Numeric(v) => kept.iter().map(|&i| h.generalize(&trim(v[i]), plan.levels[q])).collect(),
                        };
                        g.push(*name, Column::categorical(col)).expect("push");
                    }
                    let r = check(&g, &["age", "zip"], &[], &CheckOptions::default()).expect("check");
                    proptest::prop_assert!(r.k >= k, "released k {} < {}", r.k, k);
                }
                Err(_) => {
                    // Only when even withholding both columns leaves too much to suppress: with
                    // all rows in one class, that is fewer rows than k.
                    proptest::prop_assert!(rows.len() < k);
                }
            }
        }
    }

    #[test]
    fn the_search_prefers_less_generalization_and_honours_l() {
        // Ages 20-29 twice per zip: k=2 holds at ages by decade with zips as given.
        let rows: Vec<(u8, u8, u8)> = (0..12).map(|i| (20 + (i % 2) * 3, i / 2, i % 2)).collect();
        let t = sample(&rows);
        let quasi = [("age", Hierarchy::Intervals(vec![5.0, 10.0, 30.0])), ("zip", Hierarchy::Prefix { levels: 3 })];
        let plan = search(&t, &quasi, &Target { k: 2, l: None, max_suppressed: 0, max_nodes: 1_000 }).expect("plan");
        assert_eq!(plan.levels, vec![1, 0], "ages in fives merge 20 and 23; zips stay");
        assert_eq!((plan.k, plan.suppressed), (2, 0));
        let with_l = search(&t, &quasi, &Target { k: 2, l: Some(("d".into(), 2)), max_suppressed: 0, max_nodes: 1_000 }).expect("plan");
        assert_eq!(with_l.levels, vec![1, 0], "each pair holds d0 and d1");
        assert!(search(&t, &quasi, &Target { k: 20, l: None, max_suppressed: 0, max_nodes: 1_000 }).is_err(), "12 rows cannot make k = 20");
        let capped = search(&t, &quasi, &Target { k: 12, l: None, max_suppressed: 0, max_nodes: 2 });
        assert!(matches!(capped, Err(AnonError::Invalid(m)) if m.contains("stopped after 2")));
    }
}
