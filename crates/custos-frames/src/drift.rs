//! Drift inputs: the columns of a reference or current table accumulated batch by batch,
//! as raw samples ([`SampleReader`], for exact comparisons) or as mergeable sketches
//! ([`Profiler`], for profiles of any size).

use std::collections::{BTreeMap, BTreeSet};

use custos_monitor::{ColumnProfile, Profile, Sample, SketchError};
use custos_tabular::{Array as _, DataType, RecordBatch, Schema};

/// Most distinct values a categorical column may hold before it is refused (a bound on
/// memory: an id column is not a category).
pub const MAX_CATEGORIES: usize = 10_000;

/// Why a table could not be read as drift input.
#[derive(Debug, thiserror::Error)]
pub enum FramesError {
    /// A named column is not in the table.
    #[error("no column {0:?} in {1}")]
    NoColumn(String, String),
    /// A column disappeared from a later batch.
    #[error("column {0} vanished")]
    Vanished(String),
    /// A categorical column with too many distinct values.
    #[error("column {0:?} has more than {MAX_CATEGORIES} distinct values: an identifier is not a category")]
    TooManyCategories(String),
    /// A column read as numbers turned to text (profiles fix a column's kind from its first rows).
    #[error("{0}")]
    KindChanged(String),
    /// A bound on what is held was reached.
    #[error("{0}")]
    Limit(String),
    /// Partials that cannot be combined, or one that is not consistent.
    #[error("{0}")]
    Mismatch(String),
    /// Arrow could not convert a column.
    #[error(transparent)]
    Arrow(#[from] custos_tabular::ArrowError),
    /// A sketch refused a value.
    #[error(transparent)]
    Sketch(#[from] SketchError),
}

/// One column being read.
#[derive(Debug)]
enum Accumulator {
    Numeric { values: Vec<f64>, missing: u64 },
    Categorical { counts: BTreeMap<String, u64>, missing: u64 },
}

impl Accumulator {
    fn into_sample(self) -> Sample {
        match self {
            Accumulator::Numeric { values, missing } => Sample::Numeric { values, missing },
            Accumulator::Categorical { counts, missing } => Sample::Categorical { counts, missing },
        }
    }

    /// Turns numbers read so far into categories (a column that turned out not to be numeric).
    fn make_categorical(&mut self) {
        if let Accumulator::Numeric { values, missing } = self {
            let mut counts = BTreeMap::new();
            for v in values.iter() {
                *counts.entry(format!("{v}")).or_insert(0) += 1;
            }
            *self = Accumulator::Categorical { counts, missing: *missing };
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Accumulator::Numeric { .. })
    }
}

/// Every value of the compared columns of one table: numbers kept for the exact tests,
/// categories counted. A column is numeric unless forced categorical, boolean, or holding
/// something that is not a number (then everything read so far becomes a category).
#[derive(Debug)]
pub struct SampleReader {
    columns: Vec<String>,
    acc: Vec<Accumulator>,
}

impl SampleReader {
    /// A reader of `columns` of a table with `schema` (`source` names the table in errors);
    /// numbers are reserved for `capacity` rows.
    pub fn new(schema: &Schema, source: &str, columns: &[String], forced: &BTreeSet<String>, capacity: usize) -> Result<Self, FramesError> {
        let acc = columns
            .iter()
            .map(|c| {
                let field = schema.field_with_name(c).map_err(|_| FramesError::NoColumn(c.clone(), source.to_owned()))?;
                let categorical = forced.contains(c) || matches!(field.data_type(), DataType::Boolean);
                Ok(if categorical {
                    Accumulator::Categorical { counts: BTreeMap::new(), missing: 0 }
                } else {
                    Accumulator::Numeric { values: Vec::with_capacity(capacity), missing: 0 }
                })
            })
            .collect::<Result<_, FramesError>>()?;
        Ok(Self { columns: columns.to_vec(), acc })
    }

    /// Adds one batch's values.
    pub fn add_batch(&mut self, batch: &RecordBatch) -> Result<(), FramesError> {
        for (i, name) in self.columns.iter().enumerate() {
            let array = batch.column_by_name(name).ok_or_else(|| FramesError::Vanished(name.clone()))?;
            if let Accumulator::Numeric { values, missing } = &mut self.acc[i] {
                match custos_tabular::column_as_f64(array.as_ref()) {
                    Some(floats) => {
                        for v in floats.iter() {
                            match v {
                                Some(x) if x.is_finite() => values.push(x),
                                _ => *missing += 1,
                            }
                        }
                        continue;
                    }
                    None => self.acc[i].make_categorical(),
                }
            }
            if let Accumulator::Categorical { counts, missing } = &mut self.acc[i] {
                let mut add = |v: &str, n: u64| -> Result<(), FramesError> {
                    match counts.get_mut(v) {
                        Some(c) => *c += n,
                        None => {
                            if counts.len() >= MAX_CATEGORIES {
                                return Err(FramesError::TooManyCategories(name.clone()));
                            }
                            counts.insert(v.to_owned(), n);
                        }
                    }
                    Ok(())
                };
                if let Some((codes, values)) = custos_tabular::dictionary_codes(array.as_ref()) {
                    let mut by_code = vec![0u64; values.len()];
                    for c in codes {
                        match by_code.get_mut(c) {
                            Some(n) => *n += 1,
                            None => *missing += 1,
                        }
                    }
                    for (code, n) in by_code.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                        add(values.value(code), n)?;
                    }
                } else {
                    let text = custos_tabular::column_as_strings(array.as_ref())?;
                    for r in 0..text.len() {
                        if text.is_null(r) {
                            *missing += 1;
                        } else {
                            add(text.value(r), 1)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The samples of both tables, column by column: a column numeric in one table and not
    /// the other is compared as categories in both.
    pub fn finish_pair(reference: SampleReader, current: SampleReader) -> Vec<(String, Sample, Sample)> {
        let (mut r, mut c) = (reference.acc, current.acc);
        for i in 0..r.len().min(c.len()) {
            if r[i].is_numeric() != c[i].is_numeric() {
                r[i].make_categorical();
                c[i].make_categorical();
            }
        }
        reference.columns.into_iter().zip(r.into_iter().zip(c)).map(|(name, (r, c))| (name, r.into_sample(), c.into_sample())).collect()
    }
}

/// A table's column sketches, batch by batch: bounded memory whatever the table's size.
#[derive(Debug)]
pub struct Profiler {
    columns: Vec<String>,
    forced: BTreeSet<String>,
    /// Kinds fixed by another profile (a comparison against it).
    fixed: bool,
    profile: Option<Profile>,
    rows: u64,
}

impl Profiler {
    /// A profiler of `columns` of a table with `schema`. `kinds` fixes each column's kind
    /// (the other side of a comparison); otherwise the first batch decides (text that parses
    /// as numbers is numeric unless forced categorical).
    pub fn new(
        schema: &Schema,
        source: &str,
        columns: &[String],
        forced: &BTreeSet<String>,
        kinds: Option<&Profile>,
    ) -> Result<Self, FramesError> {
        for c in columns {
            schema.field_with_name(c).map_err(|_| FramesError::NoColumn(c.clone(), source.to_owned()))?;
        }
        let profile = kinds.map(|k| Profile {
            rows: 0,
            columns: columns
                .iter()
                .map(|c| match k.column(c).map(ColumnProfile::kind) {
                    Some("numeric") => ColumnProfile::numeric(c),
                    _ => ColumnProfile::categorical(c),
                })
                .collect(),
        });
        Ok(Self { columns: columns.to_vec(), forced: forced.clone(), fixed: kinds.is_some(), profile, rows: 0 })
    }

    /// Adds one batch's values to the sketches.
    pub fn add_batch(&mut self, batch: &RecordBatch) -> Result<(), FramesError> {
        let (columns, forced) = (&self.columns, &self.forced);
        let profile = self.profile.get_or_insert_with(|| Profile {
            rows: 0,
            columns: columns
                .iter()
                .map(|c| {
                    let array = batch.column_by_name(c);
                    let categorical = forced.contains(c)
                        || array.is_none_or(|a| {
                            matches!(a.data_type(), DataType::Boolean) || custos_tabular::column_as_f64(a.as_ref()).is_none()
                        });
                    if categorical { ColumnProfile::categorical(c) } else { ColumnProfile::numeric(c) }
                })
                .collect(),
        });
        for column in profile.columns.iter_mut() {
            let name = column.name.clone();
            let array = batch.column_by_name(&name).ok_or_else(|| FramesError::Vanished(name.clone()))?;
            if column.kind() == "numeric" {
                let floats = custos_tabular::column_as_f64(array.as_ref()).ok_or_else(|| {
                    FramesError::KindChanged(if self.fixed {
                        format!("column {name:?} holds text after row {}, but the other side holds it as numbers", self.rows)
                    } else {
                        format!("column {name:?} holds text after row {} but numbers before it: pass --categorical {name}", self.rows)
                    })
                })?;
                for v in floats.iter() {
                    column.add_number(v);
                }
                continue;
            }
            if let Some((codes, values)) = custos_tabular::dictionary_codes(array.as_ref()) {
                let mut by_code = vec![0u64; values.len()];
                let mut missing = 0u64;
                for c in codes {
                    match by_code.get_mut(c) {
                        Some(n) => *n += 1,
                        None => missing += 1,
                    }
                }
                column.add_category(None, missing)?;
                for (code, n) in by_code.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                    column.add_category(Some(values.value(code)), n)?;
                }
            } else {
                let text = custos_tabular::column_as_strings(array.as_ref())?;
                for r in 0..text.len() {
                    column.add_category((!text.is_null(r)).then(|| text.value(r)), 1)?;
                }
            }
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// The sealed profile (an empty table gives empty sketches of the columns' default kinds).
    pub fn finish(self) -> Profile {
        let forced = self.forced;
        let mut profile = self.profile.unwrap_or_else(|| Profile {
            rows: 0,
            columns: self
                .columns
                .iter()
                .map(|c| if forced.contains(c) { ColumnProfile::categorical(c) } else { ColumnProfile::numeric(c) })
                .collect(),
        });
        profile.rows = self.rows;
        profile.seal();
        profile
    }
}
