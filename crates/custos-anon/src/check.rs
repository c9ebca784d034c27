//! How re-identifiable a table is: equivalence classes over the quasi-identifiers (rows that
//! agree on all of them), and per sensitive attribute how varied and how typical each class's
//! values are.
//!
//! Definitions (as pycanon computes them; `testdata/anon/expected.json` holds its values):
//! - **k**: the size of the smallest class.
//! - **distinct l**: the fewest distinct sensitive values in a class.
//! - **entropy l**: the smallest exp(entropy) of a class's sensitive values (natural log).
//! - **recursive (c,l)**: with a class's value counts sorted r1 >= r2 >= ... >= rm, a class is
//!   (c,l)-diverse when r1 < c (rl + ... + rm); the figure is the largest r1 / (rl + ... + rm)
//!   over classes, so any c above it holds.
//! - **t-closeness**: the largest Earth Mover's Distance between a class's distribution of the
//!   sensitive attribute and the whole table's: for a numeric attribute with the ordered
//!   distance over the table's m distinct values, 1/(m-1) sum_i |sum_{j<=i} (p_j - q_j)|; for a
//!   categorical one with equal distance, 1/2 sum_i |p_i - q_i|.
//! - **prosecutor risk**: an attacker who knows a person is in the table and their
//!   quasi-identifiers picks one record of their class: max 1/k, average classes/rows, and the
//!   share of records whose class makes that chance exceed a threshold.
//!
//! Cost: one pass to give every row its class (one hash per row), a counting sort of the
//! sensitive values by class, then per class only the values it holds (t-closeness of a numeric
//! attribute by binary search over the table's cumulative distribution), so O(rows + classes x
//! values per class x log m).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::AnonError;

/// One column of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Values as codes into a list of distinct values (compared for equality only).
    Categorical {
        /// Each row's value, as an index into `values`.
        codes: Vec<u32>,
        /// The distinct values.
        values: Vec<String>,
    },
    /// Numbers (ordered; t-closeness uses the ordered distance).
    Numeric(Vec<f64>),
}

impl Column {
    /// A categorical column from its values.
    pub fn categorical<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut distinct = Vec::new();
        let codes = values
            .into_iter()
            .map(|v| {
                let v = v.as_ref();
                match index.get(v) {
                    Some(&c) => c,
                    None => {
                        let c = distinct.len() as u32;
                        index.insert(v.to_owned(), c);
                        distinct.push(v.to_owned());
                        c
                    }
                }
            })
            .collect();
        Self::Categorical { codes, values: distinct }
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::Categorical { codes, .. } => codes.len(),
            Self::Numeric(v) => v.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Each row's code and the number of codes; numeric values are coded in ascending order
    /// (NaN last, all NaN one value), so code order is value order.
    pub(crate) fn codes(&self) -> (Vec<u32>, usize) {
        match self {
            Self::Categorical { codes, values } => (codes.clone(), values.len()),
            Self::Numeric(v) => {
                // Distinct values by hashing (a column has far fewer than rows), sorted, then
                // each row looked up: sorting every row cost a quarter of a large check.
                let mut index: HashMap<u64, u32, KeyBuild> = HashMap::default();
                let mut has_nan = false;
                for x in v {
                    if x.is_nan() {
                        has_nan = true;
                    } else {
                        index.entry(x.to_bits()).or_insert(0);
                    }
                }
                let mut distinct: Vec<f64> = index.keys().map(|&b| f64::from_bits(b)).collect();
                distinct.sort_by(f64::total_cmp);
                for (i, d) in distinct.iter().enumerate() {
                    index.insert(d.to_bits(), i as u32);
                }
                let nan = distinct.len() as u32;
                let codes = v.iter().map(|x| if x.is_nan() { nan } else { index[&x.to_bits()] }).collect();
                (codes, distinct.len() + usize::from(has_nan))
            }
        }
    }
}

/// A table: named columns of equal length.
#[derive(Debug, Clone, Default)]
pub struct Table {
    columns: Vec<(String, Column)>,
}

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a column (all columns must have the same number of rows).
    pub fn push(&mut self, name: impl Into<String>, column: Column) -> Result<(), AnonError> {
        let name = name.into();
        if let Some((_, first)) = self.columns.first()
            && first.len() != column.len()
        {
            return Err(AnonError::Invalid(format!("column `{name}` has {} rows, the table {}", column.len(), first.len())));
        }
        if self.columns.iter().any(|(n, _)| *n == name) {
            return Err(AnonError::Invalid(format!("column `{name}` appears twice")));
        }
        self.columns.push((name, column));
        Ok(())
    }

    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Result<&Column, AnonError> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c).ok_or_else(|| AnonError::NoSuchColumn(name.to_owned()))
    }
}

/// What to compute besides k.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// A record is at risk when its class gives an attacker a chance above this (default 0.2,
    /// a class of fewer than 5).
    pub risk_threshold: f64,
    /// The l values to give recursive (c,l)-diversity's c for (default 2 and 3).
    pub recursive_l: Vec<usize>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        Self { risk_threshold: 0.2, recursive_l: vec![2, 3] }
    }
}

/// Prosecutor re-identification risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// 1 / k: the chance of picking the right record in the smallest class.
    pub max: f64,
    /// The average chance over records: classes / rows.
    pub average: f64,
    /// The share of records whose chance exceeds the threshold.
    pub records_at_risk: f64,
    /// That threshold.
    pub threshold: f64,
}

/// One sensitive attribute's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitiveReport {
    /// The attribute.
    pub attribute: String,
    /// `numeric` (ordered distance) or `categorical` (equal distance).
    pub kind: &'static str,
    /// Distinct l-diversity.
    pub l: usize,
    /// Entropy l-diversity (exp of the smallest class entropy, natural log).
    pub entropy_l: f64,
    /// Recursive (c,l)-diversity: per l, the largest r1 / (rl + ... + rm) over classes
    /// (`None` when some class has fewer than l distinct values, so no c holds).
    pub recursive_c: BTreeMap<usize, Option<f64>>,
    /// t-closeness.
    pub t: f64,
}

/// The figures of a table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// Rows checked.
    pub rows: usize,
    /// Equivalence classes.
    pub classes: usize,
    /// k-anonymity: the smallest class size (0 for an empty table).
    pub k: usize,
    /// How many classes have each size.
    pub class_sizes: BTreeMap<usize, usize>,
    /// Prosecutor re-identification risk.
    pub risk: Risk,
    /// Per sensitive attribute.
    pub sensitive: Vec<SensitiveReport>,
}

/// Each row's class (dense ids, in order of first appearance) from coded columns given as
/// (codes, number of codes), and the number of classes. Mixed-radix keys while the
/// cardinalities' product fits in 64 bits, re-densified when it would not (ids stay below the
/// row count, so each step fits).
pub(crate) fn class_keys<'a>(columns: impl IntoIterator<Item = (&'a [u32], usize)>, rows: usize) -> (Vec<u64>, usize) {
    let mut ids: Vec<u64> = vec![0; rows];
    let mut radix: u64 = 1;
    for (codes, cardinality) in columns {
        let c = cardinality.max(1) as u64;
        if radix.checked_mul(c).is_none() {
            radix = densify(&mut ids) as u64;
        }
        for (id, &code) in ids.iter_mut().zip(codes) {
            *id = *id * c + u64::from(code);
        }
        radix *= c;
    }
    let n = densify(&mut ids);
    (ids, n)
}

/// A multiply-shift hasher for the u64 class keys: the keys are not chosen by an attacker
/// who sees the table's hash layout (at worst a slow check, bounded by the row count), and
/// SipHash doubled the check's time at 10 million rows.
#[derive(Default, Clone, Copy)]
pub(crate) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
        }
    }

    fn write_u64(&mut self, n: u64) {
        // Fibonacci hashing, folded so the high bits reach the table's low index bits.
        let h = (n ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

/// Hash maps keyed by u64 with [`KeyHasher`].
pub(crate) type KeyBuild = std::hash::BuildHasherDefault<KeyHasher>;

/// Replaces keys by dense ids in order of first appearance; returns how many.
fn densify(keys: &mut [u64]) -> usize {
    let mut map: HashMap<u64, u64, KeyBuild> = HashMap::with_capacity_and_hasher(keys.len().min(1 << 20), Default::default());
    for k in keys.iter_mut() {
        let next = map.len() as u64;
        *k = *map.entry(*k).or_insert(next);
    }
    map.len()
}

/// Checks `table` with the given quasi-identifiers and sensitive attributes.
pub fn check(table: &Table, quasi: &[&str], sensitive: &[&str], options: &CheckOptions) -> Result<CheckReport, AnonError> {
    check_inner(table, None, quasi, sensitive, options)
}

/// Checks a grouped table: each of its rows stands for `counts[row]` rows of the table it
/// groups (the distinct combinations of the named columns with their numbers of rows, as a
/// mergeable partial aggregate holds them). The figures are those of the ungrouped table.
pub fn check_grouped(
    table: &Table,
    counts: &[u32],
    quasi: &[&str],
    sensitive: &[&str],
    options: &CheckOptions,
) -> Result<CheckReport, AnonError> {
    if counts.len() != table.rows() {
        return Err(AnonError::Invalid(format!("{} counts for a grouped table of {} rows", counts.len(), table.rows())));
    }
    check_inner(table, Some(counts), quasi, sensitive, options)
}

fn check_inner(
    table: &Table,
    weights: Option<&[u32]>,
    quasi: &[&str],
    sensitive: &[&str],
    options: &CheckOptions,
) -> Result<CheckReport, AnonError> {
    if quasi.is_empty() {
        return Err(AnonError::Invalid("name at least one quasi-identifier".into()));
    }
    if let Some(s) = sensitive.iter().find(|s| quasi.contains(s)) {
        return Err(AnonError::Invalid(format!("`{s}` is both a quasi-identifier and sensitive")));
    }
    let table_rows = table.rows();
    let weight = |row: usize| weights.map_or(1, |w| w[row] as usize);
    let rows: usize = weights.map_or(table_rows, |w| w.iter().map(|&x| x as usize).sum());
    // Coding is independent per column: every column named, spread over the cores.
    let columns: Vec<&Column> = quasi.iter().chain(sensitive).map(|n| table.column(n)).collect::<Result<_, _>>()?;
    let coded = crate::parallel_map(&columns, |c| c.codes());
    let (quasi_codes, sensitive_codes) = coded.split_at(quasi.len());
    let (ids, n_classes) = class_keys(quasi_codes.iter().map(|(codes, cardinality)| (codes.as_slice(), *cardinality)), table_rows);
    let class_of: Vec<u32> = ids.into_iter().map(|x| x as u32).collect();
    let mut sizes = vec![0usize; n_classes];
    let mut members = vec![0usize; n_classes];
    for (row, &c) in class_of.iter().enumerate() {
        sizes[c as usize] += weight(row);
        members[c as usize] += 1;
    }
    let k = sizes.iter().copied().min().unwrap_or(0);
    let mut class_sizes = BTreeMap::new();
    for &s in &sizes {
        *class_sizes.entry(s).or_insert(0) += 1;
    }
    let at_risk: usize = sizes.iter().filter(|&&s| 1.0 / s as f64 > options.risk_threshold).sum();
    let risk = Risk {
        max: if k == 0 { 0.0 } else { 1.0 / k as f64 },
        average: if rows == 0 { 0.0 } else { n_classes as f64 / rows as f64 },
        records_at_risk: if rows == 0 { 0.0 } else { at_risk as f64 / rows as f64 },
        threshold: options.risk_threshold,
    };
    // Rows grouped by class (a counting sort), so each class's values are contiguous.
    let mut start = vec![0usize; n_classes + 1];
    for c in 0..n_classes {
        start[c + 1] = start[c] + members[c];
    }
    // Each sensitive attribute's figures are independent: spread over the cores too.
    let attributes: Vec<usize> = (0..sensitive.len()).collect();
    let reports = crate::parallel_map(&attributes, |&i| {
        let (codes, m) = &sensitive_codes[i];
        let mut grouped = vec![0u32; table_rows];
        let mut grouped_weights = weights.map(|_| vec![0u32; table_rows]);
        let mut fill = start.clone();
        for (row, (&c, &code)) in class_of.iter().zip(codes).enumerate() {
            grouped[fill[c as usize]] = code;
            if let (Some(g), Some(w)) = (grouped_weights.as_mut(), weights) {
                g[fill[c as usize]] = w[row];
            }
            fill[c as usize] += 1;
        }
        let class = Classes { grouped: &grouped, weights: grouped_weights.as_deref(), start: &start };
        attribute_report(sensitive[i], columns[quasi.len() + i], codes, weights, *m, &class, options)
    });
    Ok(CheckReport { rows, classes: n_classes, k, class_sizes, risk, sensitive: reports })
}

/// A sensitive attribute's codes grouped by class (`start[c]..start[c + 1]` is class c), with
/// each grouped row's weight when the table is grouped.
struct Classes<'a> {
    grouped: &'a [u32],
    weights: Option<&'a [u32]>,
    start: &'a [usize],
}

fn attribute_report(
    name: &str,
    column: &Column,
    codes: &[u32],
    weights: Option<&[u32]>,
    m: usize,
    classes: &Classes<'_>,
    options: &CheckOptions,
) -> SensitiveReport {
    let numeric = matches!(column, Column::Numeric(_));
    let closeness = Closeness::new(codes, weights, m, numeric);
    let (grouped, start) = (classes.grouped, classes.start);
    let mut counts = vec![0usize; m];
    let mut touched: Vec<u32> = Vec::new();
    let mut l = usize::MAX;
    let mut entropy_l = f64::INFINITY;
    let mut recursive: BTreeMap<usize, Option<f64>> = options.recursive_l.iter().map(|&l| (l, Some(0.0))).collect();
    let mut t = 0f64;
    let mut sorted: Vec<usize> = Vec::new();
    for w in start.windows(2) {
        let (from, to) = (w[0], w[1]);
        touched.clear();
        let mut size = 0usize;
        for (j, &code) in grouped[from..to].iter().enumerate() {
            if counts[code as usize] == 0 {
                touched.push(code);
            }
            let weight = classes.weights.map_or(1, |w| w[from + j] as usize);
            counts[code as usize] += weight;
            size += weight;
        }
        let n = size as f64;
        l = l.min(touched.len());
        let entropy: f64 = touched
            .iter()
            .map(|&c| {
                let p = counts[c as usize] as f64 / n;
                -p * p.ln()
            })
            .sum();
        entropy_l = entropy_l.min(entropy.exp());
        sorted.clear();
        sorted.extend(touched.iter().map(|&c| counts[c as usize]));
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        for (&ll, c) in recursive.iter_mut() {
            if ll == 0 || sorted.len() < ll {
                *c = None;
                continue;
            }
            let tail: usize = sorted[ll - 1..].iter().sum();
            if let Some(c) = c {
                *c = f64::max(*c, sorted[0] as f64 / tail as f64);
            }
        }
        t = t.max(closeness.distance(&touched, &counts, n));
        for &c in &touched {
            counts[c as usize] = 0;
        }
    }
    SensitiveReport {
        attribute: name.to_owned(),
        kind: if numeric { "numeric" } else { "categorical" },
        l: if l == usize::MAX { 0 } else { l },
        entropy_l: if entropy_l.is_finite() { entropy_l } else { 0.0 },
        recursive_c: recursive,
        t,
    }
}

/// A sensitive attribute's distribution over the whole table, against which a class's is
/// measured (t-closeness): the earth mover's distance with the ordered distance for numbers
/// (codes in value order) and the equal distance otherwise.
pub(crate) struct Closeness {
    numeric: bool,
    /// The whole table's distribution q.
    q: Vec<f64>,
    /// For the ordered distance: q's cumulative Q, and prefix sums of Q (to sum |c - Q(i)|
    /// over a run of i by binary search).
    cum: Vec<f64>,
    cum_prefix: Vec<f64>,
}

impl Closeness {
    /// The distribution of `codes` (each row counting `weights[row]` times, or once) over `m`
    /// codes.
    pub(crate) fn new(codes: &[u32], weights: Option<&[u32]>, m: usize, numeric: bool) -> Self {
        let mut q = vec![0f64; m];
        let mut total = 0f64;
        for (i, &c) in codes.iter().enumerate() {
            let w = weights.map_or(1.0, |w| f64::from(w[i]));
            q[c as usize] += w;
            total += w;
        }
        for x in &mut q {
            *x /= total.max(1.0);
        }
        let mut cum = vec![0f64; m];
        let mut acc = 0.0;
        for (i, x) in q.iter().enumerate() {
            acc += x;
            cum[i] = acc;
        }
        let mut cum_prefix = vec![0f64; m + 1];
        for i in 0..m {
            cum_prefix[i + 1] = cum_prefix[i] + cum[i];
        }
        Self { numeric, q, cum, cum_prefix }
    }

    /// Whether the attribute is numeric (the ordered distance).
    pub(crate) fn numeric(&self) -> bool {
        self.numeric
    }

    /// The distance of a class of `n` rows holding `counts[c]` rows of each code `c` in
    /// `touched` (the codes it holds) from the whole table.
    pub(crate) fn distance(&self, touched: &[u32], counts: &[usize], n: f64) -> f64 {
        if self.numeric { ordered_emd(touched, counts, n, &self.cum, &self.cum_prefix) } else { equal_emd(touched, counts, n, &self.q) }
    }
}

/// 1/2 sum_i |p_i - q_i| over all values, from the values the class holds.
fn equal_emd(touched: &[u32], counts: &[usize], n: f64, q: &[f64]) -> f64 {
    // Values the class lacks contribute q_i each: sum of those = 1 - sum over touched q_i.
    let mut inside = 0.0;
    let mut q_touched = 0.0;
    for &c in touched {
        let p = counts[c as usize] as f64 / n;
        inside += (p - q[c as usize]).abs();
        q_touched += q[c as usize];
    }
    0.5 * (inside + (1.0 - q_touched).max(0.0))
}

/// 1/(m-1) sum_i |P(i) - Q(i)| with P, Q the cumulative distributions over the table's m
/// ordered values; P is a step function that moves only at the class's values.
fn ordered_emd(touched: &[u32], counts: &[usize], n: f64, cum: &[f64], cum_prefix: &[f64]) -> f64 {
    let m = cum.len();
    if m < 2 {
        return 0.0;
    }
    let mut positions: Vec<u32> = touched.to_vec();
    positions.sort_unstable();
    // Sum of |c - Q(i)| for i in [a, b), Q non-decreasing: split where Q reaches c.
    let run = |c: f64, a: usize, b: usize| -> f64 {
        if a >= b {
            return 0.0;
        }
        let split = a + cum[a..b].partition_point(|&x| x < c);
        let below = (split - a) as f64 * c - (cum_prefix[split] - cum_prefix[a]);
        let above = (cum_prefix[b] - cum_prefix[split]) - (b - split) as f64 * c;
        below + above
    };
    let mut total = 0.0;
    let mut p = 0.0;
    let mut from = 0usize;
    for &pos in &positions {
        let pos = pos as usize;
        total += run(p, from, pos);
        p += counts[pos] as f64 / n;
        from = pos;
    }
    total += run(p, from, m);
    total / (m - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(cols: &[(&str, Column)]) -> Table {
        let mut t = Table::new();
        for (n, c) in cols {
            t.push(*n, c.clone()).expect("column");
        }
        t
    }

    /// t-closeness of one class by the textbook loop over every value, to check the fast path.
    fn ordered_emd_slow(p: &[f64], q: &[f64]) -> f64 {
        let (mut acc, mut total) = (0.0, 0.0);
        for i in 0..p.len() {
            acc += p[i] - q[i];
            total += f64::abs(acc);
        }
        total / (p.len() - 1) as f64
    }

    #[test]
    fn classes_and_figures_of_a_small_table() {
        let t = table(&[
            ("zip", Column::categorical(["476", "476", "476", "479", "479", "479", "479"])),
            ("age", Column::Numeric(vec![20.0, 20.0, 20.0, 30.0, 30.0, 30.0, 30.0])),
            ("salary", Column::Numeric(vec![3.0, 4.0, 5.0, 6.0, 8.0, 11.0, 11.0])),
            ("disease", Column::categorical(["flu", "flu", "cancer", "flu", "flu", "flu", "flu"])),
        ]);
        let r = check(&t, &["zip", "age"], &["salary", "disease"], &CheckOptions::default()).expect("check");
        assert_eq!((r.rows, r.classes, r.k), (7, 2, 3));
        assert_eq!(r.class_sizes, BTreeMap::from([(3, 1), (4, 1)]));
        assert_eq!(r.risk.max, 1.0 / 3.0);
        assert_eq!(r.risk.records_at_risk, 1.0, "every class is under 5");
        let salary = &r.sensitive[0];
        assert_eq!((salary.kind, salary.l), ("numeric", 3));
        // Class {3,4,5} against the table's {3,4,5,6,8,11,11}: the slow textbook sum.
        let q = [1.0 / 7.0, 1.0 / 7.0, 1.0 / 7.0, 1.0 / 7.0, 1.0 / 7.0, 2.0 / 7.0];
        let first = ordered_emd_slow(&[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0, 0.0, 0.0], &q);
        let second = ordered_emd_slow(&[0.0, 0.0, 0.0, 0.25, 0.25, 0.5], &q);
        assert!((salary.t - first.max(second)).abs() < 1e-12, "{} vs {}", salary.t, first.max(second));
        let disease = &r.sensitive[1];
        assert_eq!(disease.l, 1);
        assert_eq!(disease.recursive_c[&2], None, "a class with one value is never (c,2)-diverse");
        // Class 1 (2/3 flu, 1/3 cancer) against 6/7 and 1/7: 1/2 (4/21 + 4/21); class 2 (all
        // flu) is closer, 1/2 (1/7 + 1/7).
        assert!((disease.t - 4.0 / 21.0).abs() < 1e-12, "{}", disease.t);
        assert!((disease.entropy_l - 1.0).abs() < 1e-12);
    }

    proptest::proptest! {
        /// A table given as its distinct rows with their counts is checked as the table itself:
        /// every count, k, class sizes, risk and l exactly; entropy l, recursive c and t to 1e-12.
        #[test]
        fn grouped_rows_check_as_the_rows(rows in proptest::collection::vec((0u8..4, 0u8..3, 0u8..5, 0u8..4), 1..300)) {
            let col = |f: fn(&(u8, u8, u8, u8)) -> u8| rows.iter().map(f).collect::<Vec<u8>>();
            let (a, b, s, n) = (col(|r| r.0), col(|r| r.1), col(|r| r.2), col(|r| r.3));
            let whole = table(&[
                ("a", Column::categorical(a.iter().map(|v| format!("a{v}")))),
                ("b", Column::Numeric(b.iter().map(|&v| f64::from(v)).collect())),
                ("s", Column::categorical(s.iter().map(|v| format!("s{v}")))),
                ("n", Column::Numeric(n.iter().map(|&v| f64::from(v) * 1.5).collect())),
            ]);
            let mut counts: BTreeMap<(u8, u8, u8, u8), u32> = BTreeMap::new();
            for r in &rows {
                *counts.entry(*r).or_default() += 1;
            }
            // Distinct rows in reverse order: the grouped table's order is not the rows'.
            let distinct: Vec<((u8, u8, u8, u8), u32)> = counts.into_iter().rev().collect();
            let grouped = table(&[
                ("a", Column::categorical(distinct.iter().map(|(r, _)| format!("a{}", r.0)))),
                ("b", Column::Numeric(distinct.iter().map(|(r, _)| f64::from(r.1)).collect())),
                ("s", Column::categorical(distinct.iter().map(|(r, _)| format!("s{}", r.2)))),
                ("n", Column::Numeric(distinct.iter().map(|(r, _)| f64::from(r.3) * 1.5).collect())),
            ]);
            let weights: Vec<u32> = distinct.iter().map(|(_, c)| *c).collect();
            let options = CheckOptions::default();
            let expected = check(&whole, &["a", "b"], &["s", "n"], &options).expect("check");
            let got = check_grouped(&grouped, &weights, &["a", "b"], &["s", "n"], &options).expect("grouped");
            // Counts exactly; the figures summed over a class's values (t, entropy) to 1e-12:
            // a class's values are met in another order, so sums may differ in the last bit.
            proptest::prop_assert_eq!((got.rows, got.classes, got.k, &got.class_sizes), (expected.rows, expected.classes, expected.k, &expected.class_sizes));
            proptest::prop_assert_eq!(&got.risk, &expected.risk);
            for (g, e) in got.sensitive.iter().zip(&expected.sensitive) {
                proptest::prop_assert_eq!((&g.attribute, g.kind, g.l), (&e.attribute, e.kind, e.l));
                proptest::prop_assert!((g.t - e.t).abs() <= 1e-12 && (g.entropy_l - e.entropy_l).abs() <= 1e-12, "{g:?} vs {e:?}");
                for (l, c) in &e.recursive_c {
                    let other = g.recursive_c[l];
                    let same = match (c, other) {
                        (Some(a), Some(b)) => (a - b).abs() <= 1e-12,
                        (None, None) => true,
                        _ => false,
                    };
                    proptest::prop_assert!(same, "recursive c for l = {}: {:?} vs {:?}", l, other, c);
                }
            }
        }
    }

    #[test]
    fn grouped_counts_must_match_the_rows() {
        let t = table(&[("a", Column::categorical(["x", "y"]))]);
        assert!(matches!(check_grouped(&t, &[1], &["a"], &[], &CheckOptions::default()), Err(AnonError::Invalid(_))));
    }

    #[test]
    fn bad_requests_are_named() {
        let t = table(&[("a", Column::categorical(["x"])), ("b", Column::categorical(["y"]))]);
        assert!(matches!(check(&t, &[], &["a"], &CheckOptions::default()), Err(AnonError::Invalid(_))));
        assert_eq!(check(&t, &["zz"], &[], &CheckOptions::default()).err(), Some(AnonError::NoSuchColumn("zz".into())));
        assert!(check(&t, &["a"], &["a"], &CheckOptions::default()).is_err());
        let mut u = Table::new();
        u.push("a", Column::categorical(["x", "y"])).expect("a");
        assert!(u.push("b", Column::categorical(["x"])).is_err(), "unequal lengths");
        assert!(u.push("a", Column::categorical(["x", "y"])).is_err(), "twice");
    }

    #[test]
    fn wide_keys_are_densified_not_overflowed() {
        // Nine columns of 2^8 distinct values: 2^72 combinations, past 64 bits.
        let rows = 600;
        let mut t = Table::new();
        for c in 0..9 {
            t.push(format!("c{c}"), Column::Numeric((0..rows).map(|r| ((r * (c + 1)) % 256) as f64).collect())).expect("c");
        }
        t.push("s", Column::categorical((0..rows).map(|r| if r % 2 == 0 { "a" } else { "b" }))).expect("s");
        let names: Vec<String> = (0..9).map(|c| format!("c{c}")).collect();
        let quasi: Vec<&str> = names.iter().map(String::as_str).collect();
        let r = check(&t, &quasi, &["s"], &CheckOptions::default()).expect("check");
        // Rows r and r + 256 agree on c0 only up to period 256; the key is the row mod 256.
        assert_eq!(r.classes, 256);
        assert_eq!(r.k, 2);
    }

    proptest::proptest! {
        /// On random small tables the fast check equals a brute-force one: the classes by
        /// grouping rows as tuples, k, distinct l, the risk figures, and t by the textbook sums.
        #[test]
        fn the_check_equals_brute_force(
            rows in proptest::collection::vec((0u8..4, 0u8..3, 0u8..5, 0u8..6), 1..120),
        ) {
            let t = table(&[
                ("a", Column::Numeric(rows.iter().map(|r| f64::from(r.0)).collect())),
                ("b", Column::categorical(rows.iter().map(|r| format!("b{}", r.1)))),
                ("s", Column::Numeric(rows.iter().map(|r| f64::from(r.2)).collect())),
                ("c", Column::categorical(rows.iter().map(|r| format!("c{}", r.3)))),
            ]);
            let r = check(&t, &["a", "b"], &["s", "c"], &CheckOptions::default()).expect("check");
            let mut groups: BTreeMap<(u8, u8), Vec<(u8, u8)>> = BTreeMap::new();
            for row in &rows {
                groups.entry((row.0, row.1)).or_default().push((row.2, row.3));
            }
            let n = rows.len() as f64;
            proptest::prop_assert_eq!(r.classes, groups.len());
            proptest::prop_assert_eq!(r.k, groups.values().map(Vec::len).min().unwrap_or(0));
            let at_risk: usize = groups.values().map(Vec::len).filter(|&s| 1.0 / s as f64 > 0.2).sum();
            proptest::prop_assert!((r.risk.records_at_risk - at_risk as f64 / n).abs() < 1e-12);
            let distinct = |f: &dyn Fn(&(u8, u8)) -> u8| {
                groups.values().map(|g| g.iter().map(f).collect::<std::collections::BTreeSet<_>>().len()).min().unwrap_or(0)
            };
            proptest::prop_assert_eq!(r.sensitive[0].l, distinct(&|v| v.0));
            proptest::prop_assert_eq!(r.sensitive[1].l, distinct(&|v| v.1));
            // t for the numeric attribute over the table's distinct values, the slow way.
            let values: Vec<u8> = rows.iter().map(|r| r.2).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let dist = |of: &[u8]| values.iter().map(|v| of.iter().filter(|x| *x == v).count() as f64 / of.len() as f64).collect::<Vec<_>>();
            let q = dist(&rows.iter().map(|r| r.2).collect::<Vec<_>>());
            let t_slow = if values.len() < 2 {
                0.0
            } else {
                groups.values().map(|g| ordered_emd_slow(&dist(&g.iter().map(|v| v.0).collect::<Vec<_>>()), &q)).fold(0.0, f64::max)
            };
            proptest::prop_assert!((r.sensitive[0].t - t_slow).abs() < 1e-9, "{} vs {}", r.sensitive[0].t, t_slow);
        }
    }
}
