//! Column profiles: mergeable sketches of a table, so a reference can be kept (and shards
//! combined) without its rows.
//!
//! Per column:
//! - numeric: a seeded KLL quantile sketch ([`crate::kll`], rank-error guarantee), the exact
//!   count, mean and sum of squared deviations (merged by Chan's formula), the missing count,
//!   and a HyperLogLog distinct count (`datasketches::hll`, 2^11 one-byte registers, about
//!   2.3 % relative error; bytes rather than four bits because merging a thousand shards
//!   spent most of its time unpacking nibbles);
//! - categorical: the `datasketches` frequent-items sketch, sized so that up to
//!   [`MAX_CATEGORIES`] values are counted exactly (a column with more is an identifier, not a
//!   category, and is refused), the missing count and the distinct count. A profile file
//!   holds the counts themselves (not the sketch's bytes, whose header would let a hostile
//!   file size the sketch's map).
//!
//! Drift against a profile runs, for numbers, KS from the two quantile sketches (its
//! statistic within the sum of their rank errors, stated with the result, and a p-value
//! taken at the statistic minus that bound, so it never claims more than the sketches know),
//! Welch's t from the moments (exact), and the missing-rate test; for categories the same
//! chi-square as on raw tables (the counts are exact).

use std::collections::BTreeMap;

use data_encoding::BASE64;
use datasketches::frequencies::{ErrorType, FrequentItemsSketch};
use datasketches::hll::{HllSketch, HllType, HllUnion};
use serde::{Deserialize, Serialize};

use crate::drift::Sample;
use crate::kll::Kll;

/// Most distinct values a categorical column may hold in a profile.
pub const MAX_CATEGORIES: usize = 10_000;
/// The frequent-items map: room for [`MAX_CATEGORIES`] exact counts (it purges at three
/// quarters full).
const FREQUENT_MAP: usize = 16_384;
/// HyperLogLog registers: 2^11.
const HLL_LG_K: u8 = 11;
/// The profile format written in every file.
pub const FORMAT: &str = "custos-drift-profile";
/// The current profile version.
pub const VERSION: u32 = 1;
/// Most columns one profile may hold.
pub const MAX_COLUMNS: usize = 10_000;

/// Why a sketch or profile cannot be built, read or merged.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SketchError {
    /// Malformed bytes, a parameter out of range, or sketches that do not fit together.
    #[error("{0}")]
    Invalid(String),
}

/// Count, mean and sum of squared deviations: mergeable, and all Welch's t needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    /// Values seen.
    pub n: u64,
    /// Their mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl Moments {
    /// Adds a value (Welford).
    pub fn update(&mut self, x: f64) {
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// Adds another's values (Chan, Golub and LeVeque).
    pub fn merge(&mut self, o: &Moments) {
        if o.n == 0 {
            return;
        }
        let n = self.n + o.n;
        let d = o.mean - self.mean;
        let (a, b) = (self.n as f64, o.n as f64);
        self.mean += d * b / n as f64;
        self.m2 += o.m2 + d * d * a * b / n as f64;
        self.n = n;
    }

    /// The unbiased variance (NaN below two values).
    pub fn variance(&self) -> f64 {
        if self.n > 1 { self.m2 / (self.n - 1) as f64 } else { f64::NAN }
    }

    /// The standard deviation with ddof 0 (what the Wasserstein effect is normed by).
    pub fn sd(&self) -> f64 {
        if self.n > 0 { (self.m2 / self.n as f64).sqrt() } else { 0.0 }
    }
}

/// A numeric column's sketch as drift compares it.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericSketch {
    /// The quantile sketch of the finite values.
    pub quantiles: Kll,
    /// Their moments.
    pub moments: Moments,
    /// Missing values (null or not finite).
    pub missing: u64,
}

impl NumericSketch {
    /// Sketches a sample's finite values.
    pub fn of(values: &[f64], missing: u64) -> Self {
        let mut s = NumericSketch { quantiles: Kll::default(), moments: Moments::default(), missing };
        for x in values {
            s.add(Some(*x));
        }
        s
    }

    /// Adds one value (`None` or non-finite counts as missing).
    pub fn add(&mut self, x: Option<f64>) {
        match x {
            Some(v) if v.is_finite() => {
                self.quantiles.update(v);
                self.moments.update(v);
            }
            _ => self.missing += 1,
        }
    }
}

/// What a column profile holds.
#[derive(Clone, Debug)]
pub enum ColumnValues {
    /// Numbers.
    Numeric(Box<NumericSketch>),
    /// Categories: exact counts in a frequent-items sketch.
    Categorical {
        /// The counts.
        frequent: FrequentItemsSketch<String>,
        /// Missing values.
        missing: u64,
    },
}

/// One column's profile.
#[derive(Clone, Debug)]
pub struct ColumnProfile {
    /// The column's name.
    pub name: String,
    /// Its sketches.
    pub values: ColumnValues,
    distinct: HllSketch,
}

fn new_hll() -> HllSketch {
    HllSketch::new(HLL_LG_K, HllType::Hll8).unwrap_or_else(|_| unreachable!("2^11 registers are valid"))
}

fn new_frequent() -> FrequentItemsSketch<String> {
    FrequentItemsSketch::new(FREQUENT_MAP).unwrap_or_else(|_| unreachable!("a power of two is a valid map size"))
}

impl ColumnProfile {
    /// An empty numeric column.
    pub fn numeric(name: &str) -> Self {
        let values = ColumnValues::Numeric(Box::new(NumericSketch::of(&[], 0)));
        Self { name: name.to_owned(), values, distinct: new_hll() }
    }

    /// An empty categorical column.
    pub fn categorical(name: &str) -> Self {
        Self { name: name.to_owned(), values: ColumnValues::Categorical { frequent: new_frequent(), missing: 0 }, distinct: new_hll() }
    }

    /// `numeric` or `categorical`.
    pub fn kind(&self) -> &'static str {
        match self.values {
            ColumnValues::Numeric(_) => "numeric",
            ColumnValues::Categorical { .. } => "categorical",
        }
    }

    /// Adds a number (to a numeric column; `None` is missing).
    pub fn add_number(&mut self, x: Option<f64>) {
        if let ColumnValues::Numeric(s) = &mut self.values {
            if let Some(v) = x.filter(|v| v.is_finite()) {
                self.distinct.update(v.to_bits());
            }
            s.add(x);
        }
    }

    /// Adds `count` occurrences of a category (to a categorical column; `None` is missing).
    /// Refused past [`MAX_CATEGORIES`] distinct values.
    pub fn add_category(&mut self, value: Option<&str>, count: u64) -> Result<(), SketchError> {
        if let ColumnValues::Categorical { frequent, missing } = &mut self.values {
            match value {
                None => *missing += count,
                Some(v) => {
                    if frequent.estimate(v) == 0 && frequent.num_active_items() >= MAX_CATEGORIES {
                        return Err(too_many(&self.name));
                    }
                    frequent.update_with_count_ref(v, count);
                    self.distinct.update(v);
                }
            }
        }
        Ok(())
    }

    /// Adds another profile's values of the same column and kind.
    pub fn merge(&mut self, other: &ColumnProfile) -> Result<(), SketchError> {
        self.merge_values(other)?;
        let mut union = HllUnion::new(HLL_LG_K).map_err(|e| SketchError::Invalid(e.to_string()))?;
        union.update(&self.distinct);
        union.update(&other.distinct);
        self.distinct = union.to_sketch(HllType::Hll8);
        Ok(())
    }

    /// Adds another profile's values, all but the distinct count.
    fn merge_values(&mut self, other: &ColumnProfile) -> Result<(), SketchError> {
        match (&mut self.values, &other.values) {
            (ColumnValues::Numeric(a), ColumnValues::Numeric(b)) => {
                a.quantiles.merge(&b.quantiles)?;
                a.moments.merge(&b.moments);
                a.missing = a.missing.checked_add(b.missing).ok_or_else(|| SketchError::Invalid("too many values".into()))?;
            }
            (ColumnValues::Categorical { frequent: a, missing: ma }, ColumnValues::Categorical { frequent: b, missing: mb }) => {
                if a.total_weight().checked_add(b.total_weight()).is_none_or(|t| t > MAX_WEIGHT) {
                    return Err(SketchError::Invalid("too many values".into()));
                }
                a.merge(b);
                if a.maximum_error() > 0 || a.num_active_items() > MAX_CATEGORIES {
                    return Err(too_many(&self.name));
                }
                *ma = ma.checked_add(*mb).ok_or_else(|| SketchError::Invalid("too many values".into()))?;
            }
            _ => {
                return Err(SketchError::Invalid(format!("column {:?} is numeric in one profile and categorical in the other", self.name)));
            }
        }
        Ok(())
    }

    /// Puts a numeric column's newest items in order (see [`Profile::seal`]).
    pub fn seal_quantiles(&mut self) {
        if let ColumnValues::Numeric(s) = &mut self.values {
            s.quantiles.seal();
        }
    }

    /// A categorical column's counts (empty for numbers).
    pub fn counts(&self) -> BTreeMap<String, u64> {
        match &self.values {
            ColumnValues::Categorical { frequent, .. } => frequent
                .frequent_items_with_threshold(ErrorType::NoFalsePositives, 0)
                .into_iter()
                .map(|row| (row.item().clone(), row.estimate()))
                .collect(),
            ColumnValues::Numeric(_) => BTreeMap::new(),
        }
    }

    /// The estimated number of distinct values (exact for categories).
    pub fn distinct(&self) -> f64 {
        if let ColumnValues::Categorical { frequent, .. } = &self.values {
            return frequent.num_active_items() as f64;
        }
        self.distinct.estimate()
    }

    /// Rows seen (values and missing).
    pub fn rows(&self) -> u64 {
        match &self.values {
            ColumnValues::Numeric(s) => s.moments.n + s.missing,
            ColumnValues::Categorical { frequent, missing } => frequent.total_weight() + missing,
        }
    }

    /// The column as drift compares it.
    pub fn sample(&self) -> Sample {
        match &self.values {
            ColumnValues::Numeric(s) => Sample::Sketch(s.clone()),
            ColumnValues::Categorical { missing, .. } => Sample::Categorical { counts: self.counts(), missing: *missing },
        }
    }

    /// The serialized sketch sizes in bytes (quantiles or frequent items, and the distinct
    /// count).
    pub fn sizes(&self) -> (usize, usize) {
        let main = match &self.values {
            ColumnValues::Numeric(s) => s.quantiles.to_bytes().len(),
            ColumnValues::Categorical { frequent, .. } => frequent.serialize().len(),
        };
        (main, self.distinct.serialize().len())
    }
}

/// The most values a profile may count (2^53: counts stay exact as JSON numbers, and sums of
/// merged profiles cannot overflow).
const MAX_WEIGHT: u64 = 1 << 53;

fn too_many(name: &str) -> SketchError {
    SketchError::Invalid(format!("column {name:?} has more than {MAX_CATEGORIES} distinct values: an identifier is not a category"))
}

/// A table's profile: every column's sketches and the rows seen.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// Rows seen.
    pub rows: u64,
    /// The columns, in the table's order.
    pub columns: Vec<ColumnProfile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    format: String,
    version: u32,
    rows: u64,
    columns: Vec<ColumnFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnFile {
    name: String,
    kind: String,
    missing: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    moments: Option<Moments>,
    /// Base64 of the quantile sketch (numeric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sketch: Option<String>,
    /// Each category's count (categorical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    counts: Option<BTreeMap<String, u64>>,
    /// Base64 of the HyperLogLog sketch.
    distinct: String,
}

impl Profile {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Adds another profile of the same columns (shards of one table).
    pub fn merge(&mut self, other: &Profile) -> Result<(), SketchError> {
        let names = |p: &Profile| p.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(self) != names(other) {
            return Err(SketchError::Invalid("the profiles do not have the same columns".into()));
        }
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.merge(b)?;
        }
        self.rows =
            self.rows.checked_add(other.rows).filter(|r| *r <= MAX_WEIGHT).ok_or_else(|| SketchError::Invalid("too many rows".into()))?;
        Ok(())
    }

    /// Puts every quantile sketch's newest items in order (the same profile, cheaper to
    /// merge; what a profile read from a file already is).
    pub fn seal(&mut self) {
        for c in &mut self.columns {
            if let ColumnValues::Numeric(s) = &mut c.values {
                s.quantiles.seal();
            }
        }
    }

    /// Merges many profiles of the same columns (shards of one table) into one: like
    /// [`Profile::merge`] in a loop, with one distinct-count union per column for the whole
    /// run instead of one per pair.
    pub fn merge_all(profiles: &[Profile]) -> Result<Profile, SketchError> {
        let first = profiles.first().ok_or_else(|| SketchError::Invalid("no profile to merge".into()))?;
        for p in &profiles[1..] {
            if p.columns.len() != first.columns.len() || p.columns.iter().zip(&first.columns).any(|(a, b)| a.name != b.name) {
                return Err(SketchError::Invalid("the profiles do not have the same columns".into()));
            }
        }
        let rows = profiles
            .iter()
            .try_fold(0u64, |a, p| a.checked_add(p.rows).filter(|r| *r <= MAX_WEIGHT))
            .ok_or_else(|| SketchError::Invalid("too many rows".into()))?;
        // Columns are independent: each core merges whichever column is next.
        let merge_column = |i: usize| -> Result<ColumnProfile, SketchError> {
            let mut out = first.columns[i].clone();
            if let ColumnValues::Numeric(s) = &mut out.values {
                s.quantiles.seal();
            }
            let mut union = HllUnion::new(HLL_LG_K).map_err(|e| SketchError::Invalid(e.to_string()))?;
            union.update(&out.distinct);
            for p in &profiles[1..] {
                out.merge_values(&p.columns[i])?;
                union.update(&p.columns[i].distinct);
            }
            out.distinct = union.to_sketch(HllType::Hll8);
            Ok(out)
        };
        let n = first.columns.len();
        let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).min(n).max(1);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let mut done: Vec<(usize, Result<ColumnProfile, SketchError>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            if i >= n {
                                break out;
                            }
                            out.push((i, merge_column(i)));
                        }
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        done.sort_by_key(|(i, _)| *i);
        let columns = done.into_iter().map(|(_, c)| c).collect::<Result<Vec<_>, _>>()?;
        Ok(Profile { rows, columns })
    }

    /// The JSON form (sketches as base64), for a file or a request body.
    pub fn to_json(&self) -> String {
        let file = ProfileFile {
            format: FORMAT.into(),
            version: VERSION,
            rows: self.rows,
            columns: self
                .columns
                .iter()
                .map(|c| {
                    let (kind, missing, moments, sketch, counts) = match &c.values {
                        ColumnValues::Numeric(s) => {
                            ("numeric", s.missing, Some(s.moments), Some(BASE64.encode(&s.quantiles.to_bytes())), None)
                        }
                        ColumnValues::Categorical { missing, .. } => ("categorical", *missing, None, None, Some(c.counts())),
                    };
                    ColumnFile {
                        name: c.name.clone(),
                        kind: kind.into(),
                        missing,
                        moments,
                        sketch,
                        counts,
                        distinct: BASE64.encode(&c.distinct.serialize()),
                    }
                })
                .collect(),
        };
        serde_json::to_string(&file).unwrap_or_else(|_| unreachable!("a profile always serializes"))
    }

    /// Reads [`Profile::to_json`] of at most `max_columns` columns, checking every sketch
    /// before it is built (hostile files are refused, not trusted).
    pub fn from_json(text: &str, max_columns: usize) -> Result<Self, SketchError> {
        let bad = |why: String| SketchError::Invalid(why);
        let file: ProfileFile = serde_json::from_str(text).map_err(|e| bad(format!("not a drift profile: {e}")))?;
        if file.format != FORMAT {
            return Err(bad(format!("format must be {FORMAT:?}")));
        }
        if file.version != VERSION {
            return Err(bad(format!("profile version {} is not supported (this build reads {VERSION})", file.version)));
        }
        if file.columns.len() > max_columns.min(MAX_COLUMNS) {
            return Err(bad(format!("more than {} columns", max_columns.min(MAX_COLUMNS))));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(c) = file.columns.iter().find(|c| !seen.insert(c.name.as_str())) {
            return Err(bad(format!("column {:?} appears twice", c.name)));
        }
        if file.rows > MAX_WEIGHT {
            return Err(bad("too many rows".into()));
        }
        let mut columns = Vec::with_capacity(file.columns.len());
        for c in file.columns {
            let decode = |s: &str| BASE64.decode(s.as_bytes()).map_err(|_| bad(format!("column {:?}: a sketch is not base64", c.name)));
            let hll = decode(&c.distinct)?;
            // The header's size byte is checked before the sketch is built (it sizes the
            // registers).
            if hll.get(3) != Some(&HLL_LG_K) {
                return Err(bad(format!("column {:?}: distinct count of another size", c.name)));
            }
            let distinct = HllSketch::deserialize(&hll).map_err(|e| bad(format!("column {:?}: distinct count: {e}", c.name)))?;
            if c.missing > MAX_WEIGHT {
                return Err(bad(format!("column {:?}: too many values", c.name)));
            }
            let values = match (c.kind.as_str(), &c.sketch, &c.counts) {
                ("numeric", Some(sketch), None) => {
                    let quantiles = Kll::from_bytes(&decode(sketch)?).map_err(|e| bad(format!("column {:?}: {e}", c.name)))?;
                    let moments = c.moments.ok_or_else(|| bad(format!("column {:?}: moments missing", c.name)))?;
                    if moments.n != quantiles.n() || !moments.mean.is_finite() || !(moments.m2.is_finite() && moments.m2 >= 0.0) {
                        return Err(bad(format!("column {:?}: moments do not match the sketch", c.name)));
                    }
                    if quantiles.k() != crate::kll::DEFAULT_K {
                        return Err(bad(format!("column {:?}: quantile sketch of another accuracy", c.name)));
                    }
                    if moments.n.checked_add(c.missing).is_none_or(|t| t > file.rows) {
                        return Err(bad(format!("column {:?}: more values than the profile has rows", c.name)));
                    }
                    ColumnValues::Numeric(Box::new(NumericSketch { quantiles, moments, missing: c.missing }))
                }
                ("categorical", None, Some(counts)) => {
                    if counts.len() > MAX_CATEGORIES {
                        return Err(bad(format!("column {:?}: more than {MAX_CATEGORIES} categories", c.name)));
                    }
                    let total = counts.values().try_fold(c.missing, |a, n| a.checked_add(*n).filter(|_| *n > 0));
                    if total.is_none_or(|t| t > file.rows) {
                        return Err(bad(format!("column {:?}: category counts must be positive and add up to at most the rows", c.name)));
                    }
                    let mut frequent = new_frequent();
                    for (v, n) in counts {
                        frequent.update_with_count_ref(v.as_str(), *n);
                    }
                    ColumnValues::Categorical { frequent, missing: c.missing }
                }
                ("numeric" | "categorical", _, _) => {
                    return Err(bad(format!("column {:?}: a numeric column holds `sketch`, a categorical one `counts`", c.name)));
                }
                (other, _, _) => return Err(bad(format!("column {:?}: kind {other:?} is not numeric or categorical", c.name))),
            };
            columns.push(ColumnProfile { name: c.name, values, distinct });
        }
        Ok(Profile { rows: file.rows, columns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(values: &[f64], tiers: &[&str]) -> Profile {
        let mut x = ColumnProfile::numeric("income");
        let mut t = ColumnProfile::categorical("tier");
        for v in values {
            x.add_number(Some(*v));
        }
        x.add_number(None);
        for v in tiers {
            t.add_category(Some(v), 1).expect("category");
        }
        Profile { rows: values.len() as u64 + 1, columns: vec![x, t] }
    }

    #[test]
    fn profiles_round_trip_and_merge_like_one_profile() {
        let values: Vec<f64> = (0..20_000).map(|i| f64::from(i % 1_000) * 1.5).collect();
        let tiers: Vec<&str> = (0..20_000).map(|i| ["gold", "silver", "bronze"][i % 3]).collect();
        let whole = profile(&values, &tiers);
        let mut halves = profile(&values[..10_000], &tiers[..10_000]);
        halves.merge(&profile(&values[10_000..], &tiers[10_000..])).expect("merge");
        let back = Profile::from_json(&whole.to_json(), MAX_COLUMNS).expect("read back");
        assert_eq!(back.to_json(), whole.to_json());
        let (m, w) = (halves.column("income").expect("column"), whole.column("income").expect("column"));
        let (ColumnValues::Numeric(a), ColumnValues::Numeric(b)) = (&m.values, &w.values) else { panic!("numeric") };
        assert_eq!((a.moments.n, a.missing), (20_000, 2));
        assert!((a.moments.mean - b.moments.mean).abs() < 1e-9 && (a.moments.variance() / b.moments.variance() - 1.0).abs() < 1e-9);
        let (va, vb) = (a.quantiles.sorted_view(), b.quantiles.sorted_view());
        for x in [10.0, 300.0, 750.0, 1400.0] {
            assert!((va.cdf(x) - vb.cdf(x)).abs() <= a.quantiles.rank_error() + b.quantiles.rank_error());
        }
        assert!((m.distinct() - 1_000.0).abs() < 30.0, "{}", m.distinct());
        let Sample::Categorical { counts, .. } = halves.column("tier").expect("tier").sample() else { panic!("categorical") };
        assert_eq!(counts.get("gold"), Some(&6_667));
        assert!(m.sizes().0 + m.sizes().1 <= 16 * 1024);
    }

    #[test]
    fn identifiers_and_hostile_profiles_are_refused() {
        let mut t = ColumnProfile::categorical("customer_id");
        let mut refused = None;
        for i in 0..=MAX_CATEGORIES {
            if let Err(e) = t.add_category(Some(&format!("c{i}")), 1) {
                refused = Some(e);
            }
        }
        assert!(refused.is_some());
        let good = profile(&[1.0, 2.0, 3.0], &["a"]).to_json();
        for bad in [
            good.replace("custos-drift-profile", "other"),
            good.replace("\"version\":1", "\"version\":9"),
            good.replace("\"kind\":\"numeric\"", "\"kind\":\"text\""),
            good.replace("\"n\":3", "\"n\":4"),
            good.replace("\"rows\":4", "\"rows\":2"),
            good.replace("\"a\":1", "\"a\":0"),
            "{}".to_owned(),
            good[..good.len() / 2].to_owned(),
        ] {
            assert!(Profile::from_json(&bad, MAX_COLUMNS).is_err(), "accepted {bad}");
        }
    }
}
