//! Anonymity inputs from Arrow batches: the named columns of a table as `custos_anon::Table`
//! ([`TableReader`], for the check and DP statistics), the combinations of their values with
//! their numbers of rows ([`ClassCounts`]: the check's mergeable partial aggregate and the
//! first pass of an enforcement), the enforcement's release ([`Release`]) and DP statistics
//! ([`dp_statistics`]). A column is numbers while every value is one (missing values as NaN);
//! one that turns out to hold text, or is named categorical, is text (missing values as an
//! empty value).

use std::collections::HashMap;
use std::sync::Arc;

use custos_anon::dp::{self, Mechanism, OsRandom};
use custos_anon::enforce::{Hierarchy, Plan, Target};
use custos_anon::{AnonError, Column, Table};
use custos_tabular::{ArrayRef, DataType, Field, RecordBatch, Schema, SchemaRef, StringArray};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::drift::FramesError;

/// The most lattice nodes an enforcement evaluates (the CLI's and Python's bound on its cost).
pub const MAX_SEARCH_NODES: usize = 200_000;

/// Accumulates the named columns of a table.
#[derive(Debug)]
pub struct TableReader {
    names: Vec<String>,
    numeric: Vec<bool>,
    numbers: Vec<Vec<f64>>,
    texts: Vec<Vec<String>>,
}

impl TableReader {
    /// A reader of `names` of a table with `schema` (`source` names the table in errors).
    pub fn new(schema: &Schema, source: &str, names: &[&str], categorical: &[String]) -> Result<Self, FramesError> {
        for name in names {
            schema.field_with_name(name).map_err(|_| FramesError::NoColumn((*name).to_owned(), source.to_owned()))?;
        }
        Ok(Self {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            numeric: names.iter().map(|n| !categorical.iter().any(|c| c == n)).collect(),
            numbers: vec![Vec::new(); names.len()],
            texts: vec![Vec::new(); names.len()],
        })
    }

    /// Adds one batch's values.
    pub fn add_batch(&mut self, batch: &RecordBatch) -> Result<(), FramesError> {
        for (i, name) in self.names.iter().enumerate() {
            let array = batch.column_by_name(name).ok_or_else(|| FramesError::Vanished(name.clone()))?;
            if self.numeric[i] {
                if let Some(floats) = custos_tabular::column_as_f64(array.as_ref()) {
                    self.numbers[i].extend(floats.iter().map(|v| v.unwrap_or(f64::NAN)));
                    continue;
                }
                // Not a number after all: the numbers so far become text again.
                self.numeric[i] = false;
                self.texts[i] = self.numbers[i].drain(..).map(|x| if x.is_nan() { String::new() } else { x.to_string() }).collect();
            }
            let text = custos_tabular::column_text(array.as_ref())?;
            self.texts[i].extend(text.into_iter().map(Option::unwrap_or_default));
        }
        Ok(())
    }

    /// The table.
    pub fn finish(mut self) -> Result<Table, custos_anon::AnonError> {
        let mut table = Table::new();
        for (i, name) in self.names.iter().enumerate() {
            let column =
                if self.numeric[i] { Column::Numeric(std::mem::take(&mut self.numbers[i])) } else { Column::categorical(&self.texts[i]) };
            table.push(name.clone(), column)?;
        }
        Ok(table)
    }
}

/// How cells become the values combinations are made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cells {
    /// As the anonymity check reads them: a column is numbers while every value converts to one
    /// (missing values as NaN), and its values are those numbers; otherwise text.
    AsChecked,
    /// The cells' text as the table holds it (missing as empty), what `anon enforce` releases.
    Text,
}

/// Distinct combinations of the named columns' values and their numbers of rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassCounts {
    names: Vec<String>,
    cells: Cells,
    /// Per column: still numbers (only with [`Cells::AsChecked`]; columns named categorical
    /// start as text).
    numeric: Vec<bool>,
    /// Per column, its distinct values.
    values: Vec<Vec<String>>,
    /// Per combination, its codes (one per column, flattened).
    codes: Vec<u32>,
    /// Per combination, its rows.
    counts: Vec<u32>,
    /// Rows counted.
    rows: u64,
    #[serde(skip)]
    index: Vec<HashMap<String, u32>>,
    #[serde(skip)]
    group_of: HashMap<Box<[u32]>, u32>,
}

impl ClassCounts {
    /// Counts of `names` in a table with `schema` (`source` names it in errors); `categorical`
    /// columns are text even when they hold numbers.
    pub fn new(schema: &Schema, source: &str, names: &[String], categorical: &[String], cells: Cells) -> Result<Self, FramesError> {
        for name in names {
            schema.field_with_name(name).map_err(|_| FramesError::NoColumn(name.clone(), source.to_owned()))?;
        }
        Ok(Self {
            numeric: names.iter().map(|n| cells == Cells::AsChecked && !categorical.contains(n)).collect(),
            names: names.to_vec(),
            cells,
            values: vec![Vec::new(); names.len()],
            codes: Vec::new(),
            counts: Vec::new(),
            rows: 0,
            index: vec![HashMap::new(); names.len()],
            group_of: HashMap::new(),
        })
    }

    /// Checks a partial read from elsewhere (JSON) for consistency: every combination has a
    /// code per column within that column's values, and the rows add up.
    pub fn validate(&self) -> Result<(), FramesError> {
        let w = self.names.len();
        let bad = |why: &str| Err(FramesError::Mismatch(format!("not a consistent partial: {why}")));
        if w == 0 || self.values.len() != w || self.numeric.len() != w {
            return bad("one list of values per column");
        }
        if self.codes.len() != self.counts.len() * w {
            return bad("one code per column and combination");
        }
        if self.codes.chunks(w).any(|key| key.iter().enumerate().any(|(c, &code)| code as usize >= self.values[c].len())) {
            return bad("codes within their column's values");
        }
        if self.counts.iter().map(|&n| u64::from(n)).sum::<u64>() != self.rows || self.counts.contains(&0) {
            return bad("rows are the sum of the combinations' counts");
        }
        Ok(())
    }

    /// The columns, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Rows counted.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Distinct combinations.
    pub fn combinations(&self) -> usize {
        self.counts.len()
    }

    /// Per combination, its rows.
    pub fn counts(&self) -> &[u32] {
        &self.counts
    }

    /// The distinct values of the `column`th named column ([`ClassCounts::code`] indexes them).
    pub fn values(&self, column: usize) -> &[String] {
        &self.values[column]
    }

    /// The code of combination `g`'s value of `column`.
    pub fn code(&self, g: usize, column: usize) -> u32 {
        self.codes[g * self.names.len() + column]
    }

    /// Per named column, each row's value of a batch.
    fn cells(&mut self, batch: &RecordBatch) -> Result<Vec<Vec<Option<String>>>, FramesError> {
        let mut out = Vec::with_capacity(self.names.len());
        for (c, name) in self.names.iter().enumerate() {
            let array = batch.column_by_name(name).ok_or_else(|| FramesError::Vanished(name.clone()))?;
            if self.numeric[c] {
                if let Some(floats) = custos_tabular::column_as_f64(array.as_ref()) {
                    out.push(floats.iter().map(|v| Some(v.filter(|x| !x.is_nan()).map(|x| x.to_string()).unwrap_or_default())).collect());
                    continue;
                }
                // Not numbers after all: the column is text from here on (the values counted
                // so far are the numbers' text, as the check reads them).
                self.numeric[c] = false;
            }
            out.push(custos_tabular::column_text(array.as_ref())?);
        }
        Ok(out)
    }

    fn rebuild(&mut self) {
        if self.index.len() != self.names.len() {
            self.index = self.values.iter().map(|v| v.iter().enumerate().map(|(i, s)| (s.clone(), i as u32)).collect()).collect();
        }
        if self.group_of.len() != self.counts.len() {
            let w = self.names.len();
            self.group_of = (0..self.counts.len()).map(|g| (self.codes[g * w..(g + 1) * w].into(), g as u32)).collect();
        }
    }

    /// The combination of a row (its cells of the named columns), if one was counted.
    pub fn find(&self, cells: &[Option<&str>]) -> Option<u32> {
        let key: Vec<u32> =
            cells.iter().enumerate().map(|(c, cell)| self.index.get(c)?.get(cell.unwrap_or("")).copied()).collect::<Option<_>>()?;
        self.group_of.get(key.as_slice()).copied()
    }

    /// Counts `n` rows with these cells in their combination, made on first sight.
    fn add_row(&mut self, cells: &[Option<&str>], n: u32) -> Result<(), FramesError> {
        let mut key = Vec::with_capacity(cells.len());
        for (c, cell) in cells.iter().enumerate() {
            let v = cell.unwrap_or("");
            let code = match self.index[c].get(v) {
                Some(&code) => code,
                None => {
                    let code = self.values[c].len() as u32;
                    self.index[c].insert(v.to_owned(), code);
                    self.values[c].push(v.to_owned());
                    code
                }
            };
            key.push(code);
        }
        let key = key.into_boxed_slice();
        if let Some(&g) = self.group_of.get(&key) {
            let c = &mut self.counts[g as usize];
            *c = c.checked_add(n).ok_or_else(|| FramesError::Limit("more than 4,294,967,295 rows in one combination".into()))?;
            return Ok(());
        }
        if self.counts.len() >= u32::MAX as usize - 1 {
            return Err(FramesError::Limit("more than 4 billion distinct combinations".into()));
        }
        let g = self.counts.len() as u32;
        self.codes.extend_from_slice(&key);
        self.group_of.insert(key, g);
        self.counts.push(n);
        Ok(())
    }

    /// Counts one batch's rows.
    pub fn add_batch(&mut self, batch: &RecordBatch) -> Result<(), FramesError> {
        self.rebuild();
        let cells = self.cells(batch)?;
        let mut row: Vec<Option<&str>> = vec![None; self.names.len()];
        for r in 0..batch.num_rows() {
            for (c, column) in cells.iter().enumerate() {
                row[c] = column[r].as_deref();
            }
            self.add_row(&row, 1)?;
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Adds the counts of `other` (another part of the same table, counted over the same
    /// columns the same way).
    pub fn merge(&mut self, other: &ClassCounts) -> Result<(), FramesError> {
        if other.names != self.names || other.cells != self.cells {
            return Err(FramesError::Mismatch("partials of different columns cannot be merged".into()));
        }
        self.rebuild();
        // A column that stayed numbers in one part but not the other is text: the numbers'
        // text is what the check would have read.
        for c in 0..self.numeric.len() {
            self.numeric[c] = self.numeric[c] && other.numeric[c];
        }
        let w = self.names.len();
        for g in 0..other.counts.len() {
            let cells: Vec<Option<&str>> = (0..w).map(|c| Some(other.values[c][other.codes[g * w + c] as usize].as_str())).collect();
            self.add_row(&cells, other.counts[g])?;
        }
        self.rows += other.rows;
        Ok(())
    }

    /// The grouped table (one row per combination) for `custos_anon::check_grouped` or the
    /// enforcement search. With [`Cells::AsChecked`] a column is numeric while it stayed
    /// numbers; with [`Cells::Text`] the columns `numeric_if_numbers` selects are numeric when
    /// every value is a number or empty.
    pub fn table(&self, numeric_if_numbers: &dyn Fn(usize) -> bool) -> Result<Table, custos_anon::AnonError> {
        let w = self.names.len();
        let n = self.counts.len();
        let mut table = Table::new();
        for (c, name) in self.names.iter().enumerate() {
            let values = &self.values[c];
            let parsed = || -> Option<Vec<f64>> {
                values.iter().map(|v| if v.trim().is_empty() { Some(f64::NAN) } else { v.trim().parse::<f64>().ok() }).collect()
            };
            let numbers = match self.cells {
                Cells::AsChecked if self.numeric[c] => parsed(),
                Cells::Text if numeric_if_numbers(c) => parsed(),
                _ => None,
            };
            let column = match numbers {
                Some(numbers) => Column::Numeric((0..n).map(|g| numbers[self.codes[g * w + c] as usize]).collect()),
                None => Column::categorical((0..n).map(|g| values[self.codes[g * w + c] as usize].as_str())),
            };
            table.push(name.as_str(), column)?;
        }
        Ok(table)
    }
}

/// Why an enforcement's second pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A row the first pass did not count, or a combination with a different number of rows:
    /// the table changed between the passes.
    #[error("the table changed while it was being read")]
    Changed,
    /// A column could not be read.
    #[error(transparent)]
    Frames(#[from] FramesError),
}

/// The least-loss generalization of the counted table (`counts` over the quasi-identifiers
/// then the sensitive attributes, [`Cells::Text`]) that meets `target`. A sensitive attribute
/// whose every value is a number is numeric (t-closeness then uses the ordered distance) unless
/// named in `categorical`.
pub fn enforcement_plan(
    counts: &ClassCounts,
    quasi: &[(&str, Hierarchy)],
    target: &Target,
    categorical: &[String],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Plan, AnonError> {
    let table = counts.table(&|c| c >= quasi.len() && !categorical.contains(&counts.names()[c]))?;
    custos_anon::enforce::search_grouped(&table, counts.counts(), quasi, target, progress)
}

/// The second pass of an enforcement: each batch's released rows, quasi-identifiers
/// generalized to the plan's levels, every other column as it was (as text).
#[derive(Debug)]
pub struct Release<'a> {
    counts: &'a ClassCounts,
    plan: &'a Plan,
    /// Per quasi-identifier (by position in the table's columns), its generalized values.
    generalized: Vec<Vec<String>>,
    quasi: Vec<String>,
    schema: SchemaRef,
    seen: Vec<u32>,
    released: u64,
}

impl<'a> Release<'a> {
    /// The release of a table with `schema` by `plan` (from [`enforcement_plan`] on `counts`).
    pub fn new(counts: &'a ClassCounts, plan: &'a Plan, quasi: &[(&str, Hierarchy)], schema: &Schema) -> Self {
        let generalized = quasi
            .iter()
            .enumerate()
            .map(|(q, (_, h))| counts.values(q).iter().map(|v| h.generalize(v, plan.levels[q])).collect())
            .collect();
        let schema = Arc::new(Schema::new(schema.fields().iter().map(|f| Field::new(f.name(), DataType::Utf8, true)).collect::<Vec<_>>()));
        Self {
            counts,
            plan,
            generalized,
            quasi: quasi.iter().map(|(q, _)| (*q).to_owned()).collect(),
            schema,
            seen: vec![0; counts.combinations()],
            released: 0,
        }
    }

    /// The released table's schema: the input's columns, as text.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// The released rows of one batch.
    pub fn apply(&mut self, batch: &RecordBatch) -> Result<RecordBatch, ReleaseError> {
        let names = self.counts.names();
        let cells: Vec<Vec<Option<String>>> = names
            .iter()
            .map(|n| {
                let array = batch.column_by_name(n).ok_or_else(|| FramesError::Vanished(n.clone()))?;
                custos_tabular::column_text(array.as_ref()).map_err(FramesError::from)
            })
            .collect::<Result<_, FramesError>>()?;
        let mut row: Vec<Option<&str>> = vec![None; names.len()];
        let mut kept = Vec::with_capacity(batch.num_rows());
        for r in 0..batch.num_rows() {
            for (c, column) in cells.iter().enumerate() {
                row[c] = column[r].as_deref();
            }
            let g = self.counts.find(&row).ok_or(ReleaseError::Changed)?;
            self.seen[g as usize] = self.seen[g as usize].saturating_add(1);
            if self.plan.released[g as usize] {
                kept.push((r, g));
            }
        }
        self.released += kept.len() as u64;
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        for field in self.schema.fields() {
            let name = field.name();
            let values: StringArray = match self.quasi.iter().position(|q| q == name) {
                Some(q) => {
                    kept.iter().map(|&(_, g)| Some(self.generalized[q][self.counts.code(g as usize, q) as usize].as_str())).collect()
                }
                None => {
                    let array = batch.column_by_name(name).ok_or_else(|| FramesError::Vanished(name.clone()))?;
                    let text = custos_tabular::column_text(array.as_ref()).map_err(FramesError::from)?;
                    kept.iter().map(|&(r, _)| text[r].as_deref()).collect()
                }
            };
            columns.push(Arc::new(values));
        }
        Ok(RecordBatch::try_new(self.schema.clone(), columns).map_err(FramesError::from)?)
    }

    /// Checks that every combination had as many rows as the first pass counted (a table that
    /// changed in between is refused, not released with classes below k); the rows released.
    pub fn finish(self) -> Result<u64, ReleaseError> {
        if self.seen != self.counts.counts() {
            return Err(ReleaseError::Changed);
        }
        Ok(self.released)
    }
}

/// What an enforcement reports: the level chosen per quasi-identifier, k reached, rows,
/// combinations, rows released and suppressed, the information lost.
pub fn enforcement_report(quasi: &[(&str, Hierarchy)], plan: &Plan, counts: &ClassCounts, released: u64) -> Value {
    json!({
        "levels": quasi.iter().zip(&plan.levels).map(|((q, h), l)| ((*q).to_owned(), json!({"level": l, "of": h.levels() - 1}))).collect::<serde_json::Map<_, _>>(),
        "k": plan.k,
        "rows": counts.rows(),
        "combinations": counts.combinations(),
        "released": released,
        "suppressed": plan.suppressed,
        "precision_loss": plan.precision_loss,
        "discernibility": plan.discernibility,
        "nodes_evaluated": plan.evaluated,
    })
}

/// One quasi-identifier's hierarchy as written in a hierarchies file (TOML for the CLI, a dict
/// in Python): exactly one of `intervals`, `prefix`, `dates` or `tree`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HierarchySpec {
    intervals: Option<Vec<f64>>,
    prefix: Option<usize>,
    dates: Option<bool>,
    tree: Option<Vec<HashMap<String, String>>>,
}

impl HierarchySpec {
    /// The hierarchy of quasi-identifier `name`, or why the spec is not one.
    pub fn hierarchy(self, name: &str) -> Result<Hierarchy, String> {
        Ok(match self {
            HierarchySpec { intervals: Some(w), prefix: None, dates: None, tree: None } => {
                if w.is_empty() || w.iter().any(|x| !(x.is_finite() && *x > 0.0)) || w.windows(2).any(|p| p[1] <= p[0]) {
                    return Err(format!("hierarchy {name:?}: intervals must be positive widths in increasing order"));
                }
                Hierarchy::Intervals(w)
            }
            HierarchySpec { intervals: None, prefix: Some(levels), dates: None, tree: None } if (1..=32).contains(&levels) => {
                Hierarchy::Prefix { levels }
            }
            HierarchySpec { intervals: None, prefix: None, dates: Some(true), tree: None } => Hierarchy::Dates,
            HierarchySpec { intervals: None, prefix: None, dates: None, tree: Some(t) } if !t.is_empty() && t.len() <= 16 => {
                Hierarchy::Tree(t)
            }
            _ => {
                return Err(format!(
                    "hierarchy {name:?}: give exactly one of intervals, prefix (1-32), dates = true or tree (1-16 levels)"
                ));
            }
        })
    }
}

/// What to release in differentially private segment statistics.
#[derive(Debug, Clone)]
pub struct DpRequest {
    /// The column whose values are the segments.
    pub segment_by: String,
    /// The segments to report (all of them, held or not); `None` with `select_keys`.
    pub keys: Option<Vec<String>>,
    /// Instead of `keys`: report the keys whose noisy count clears the threshold that shows a
    /// key one person alone holds with at most this probability (needs Laplace noise).
    pub select_keys: Option<f64>,
    /// A numeric column to sum (and average) per segment, with the integer bounds its values
    /// are clamped to.
    pub sum: Option<(String, (i64, i64))>,
    /// The noise.
    pub mechanism: Mechanism,
    /// With Gaussian noise, the delta at which to state the (epsilon, delta) guarantee.
    pub delta: f64,
}

/// Differentially private counts (and sums) per segment of `table` (read with the segment
/// column as text and the summed one as numbers), as `custos dp stats` reports them; and the
/// rows of segments not among the keys (left out).
pub fn dp_statistics(table: &Table, request: &DpRequest) -> Result<(Value, u64), AnonError> {
    let segments: Vec<&str> = match table.column(&request.segment_by)? {
        Column::Categorical { codes, values } => codes.iter().map(|&c| values[c as usize].as_str()).collect(),
        Column::Numeric(_) => return Err(AnonError::Invalid(format!("column {:?} was not read as text", request.segment_by))),
    };
    let values = match &request.sum {
        Some((s, bounds)) => match table.column(s)? {
            Column::Numeric(v) => Some((v.as_slice(), *bounds)),
            Column::Categorical { .. } => return Err(AnonError::Invalid(format!("column {s:?} is not numeric"))),
        },
        None => None,
    };
    match (request.select_keys, request.mechanism, &request.keys) {
        (Some(delta), Mechanism::Laplace { epsilon }, _) => {
            let selected = dp::segment_statistics_selected(&mut OsRandom, &segments, values, epsilon, delta)?;
            let release = selected.release;
            let doc = json!({
                "mechanism": "discrete_laplace",
                "keys": "selected",
                "threshold": selected.threshold,
                "segments": release.segments,
                "count_noise_scale": release.count_noise,
                "sum_noise_scale": release.sum_noise,
                "spend": {"epsilon": epsilon, "delta": delta},
            });
            Ok((doc, 0))
        }
        (Some(_), Mechanism::Gaussian { .. }, _) => {
            Err(AnonError::Invalid("selecting keys needs epsilon (the threshold is set for discrete Laplace noise)".into()))
        }
        (None, mechanism, Some(keys)) => {
            let release = dp::segment_statistics(&mut OsRandom, &segments, keys, values, mechanism)?;
            let guarantee = release.spend.epsilon_at(request.delta);
            let doc = json!({
                "mechanism": match mechanism { Mechanism::Laplace { .. } => "discrete_laplace", Mechanism::Gaussian { .. } => "discrete_gaussian" },
                "segments": release.segments,
                "count_noise_scale": release.count_noise,
                "sum_noise_scale": release.sum_noise,
                "spend": {"epsilon": release.spend.epsilon, "rho": release.spend.rho, "epsilon_at_delta": guarantee, "delta": if release.spend.epsilon.is_some() { 0.0 } else { request.delta }},
            });
            Ok((doc, release.undeclared_rows as u64))
        }
        (None, _, None) => Err(AnonError::Invalid("give the keys to report, or select them".into())),
    }
}
