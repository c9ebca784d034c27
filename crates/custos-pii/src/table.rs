//! Per-column PII counts of a table scan as a mergeable partial aggregate: each worker, batch
//! or Spark partition counts its own rows ([`TableScan::add_value`]), partials combine with
//! [`TableScan::merge`] (associative and commutative: sums of counts), and
//! [`TableScan::finish`] turns the total into the report `custos pii scan-table` prints. The
//! same structure backs the CLI, the Python package and the Spark path, so all three answer
//! alike whatever the partitioning.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counts of one column: how many rows held a value and in how many rows each entity type was
/// found (a row counts once per type however many findings it holds).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnCounts {
    /// The column's name.
    pub name: String,
    /// Its data type as Arrow names it (`Utf8`, `Int64`, ...).
    pub data_type: String,
    /// Rows whose value was neither null nor empty.
    pub rows_with_values: u64,
    /// Rows per entity type.
    pub entities: BTreeMap<String, u64>,
}

/// The partial aggregate of a PII table scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableScan {
    /// Rows seen.
    pub rows: u64,
    /// One entry per column, in the table's order.
    pub columns: Vec<ColumnCounts>,
}

/// Why two partials cannot be merged.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot merge scans of different tables: columns {left:?} and {right:?}")]
pub struct MergeError {
    /// The receiving partial's columns.
    pub left: Vec<String>,
    /// The other partial's columns.
    pub right: Vec<String>,
}

/// One entity type's share of a column (the report's unit).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EntityShare {
    /// The entity type.
    pub entity_type: String,
    /// Rows where it was found.
    pub rows: u64,
    /// `rows` over the column's rows with values, rounded to 4 decimals.
    pub share: f64,
}

/// One column of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnReport {
    /// The column's name.
    pub name: String,
    /// Its Arrow data type.
    pub data_type: String,
    /// Rows with a non-empty value.
    pub rows_with_values: u64,
    /// Entity types found, most rows first (ties by name).
    pub entities: Vec<EntityShare>,
    /// The most frequent entity type when its share reaches the classification share.
    pub classification: Option<String>,
}

/// What `scan-table` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScanReport {
    /// Where the table came from (a path, or a description for in-memory tables).
    pub file: String,
    /// Rows scanned.
    pub rows: u64,
    /// Per column, in the table's order.
    pub columns: Vec<ColumnReport>,
}

impl TableScan {
    /// An empty partial for a table with these `(name, data type)` columns.
    pub fn new<I, N, T>(columns: I) -> Self
    where
        I: IntoIterator<Item = (N, T)>,
        N: Into<String>,
        T: Into<String>,
    {
        let columns =
            columns.into_iter().map(|(n, t)| ColumnCounts { name: n.into(), data_type: t.into(), ..ColumnCounts::default() }).collect();
        Self { rows: 0, columns }
    }

    /// Counts one cell of `column` (its index): whether it held a value and the entity types
    /// found in it (duplicates count once). Rows are counted separately, by [`Self::add_rows`].
    ///
    /// # Panics
    /// If `column` is not a column of this scan.
    pub fn add_value<'a>(&mut self, column: usize, has_value: bool, found: impl IntoIterator<Item = &'a str>) {
        let counts = &mut self.columns[column];
        counts.rows_with_values += u64::from(has_value);
        let mut seen: Vec<&str> = found.into_iter().collect();
        seen.sort_unstable();
        seen.dedup();
        for e in seen {
            *counts.entities.entry(e.to_owned()).or_default() += 1;
        }
    }

    /// Counts `n` more rows.
    pub fn add_rows(&mut self, n: u64) {
        self.rows += n;
    }

    /// Adds `other`'s counts to this one's; both must describe the same columns.
    pub fn merge(&mut self, other: &TableScan) -> Result<(), MergeError> {
        if self.columns.len() != other.columns.len() || self.columns.iter().zip(&other.columns).any(|(a, b)| a.name != b.name) {
            return Err(MergeError {
                left: self.columns.iter().map(|c| c.name.clone()).collect(),
                right: other.columns.iter().map(|c| c.name.clone()).collect(),
            });
        }
        self.rows += other.rows;
        for (mine, theirs) in self.columns.iter_mut().zip(&other.columns) {
            mine.rows_with_values += theirs.rows_with_values;
            for (e, n) in &theirs.entities {
                *mine.entities.entry(e.clone()).or_default() += n;
            }
        }
        Ok(())
    }

    /// The report: each type's share of the column's rows with values, and the column's
    /// classification when its most frequent type reaches `classify_share`.
    pub fn finish(&self, file: &str, classify_share: f64) -> ScanReport {
        let columns = self
            .columns
            .iter()
            .map(|c| {
                let denom = c.rows_with_values.max(1) as f64;
                let mut entities: Vec<EntityShare> = c
                    .entities
                    .iter()
                    .map(|(t, n)| EntityShare {
                        entity_type: t.clone(),
                        rows: *n,
                        share: ((*n as f64 / denom) * 10_000.0).round() / 10_000.0,
                    })
                    .collect();
                entities.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.entity_type.cmp(&b.entity_type)));
                let classification = entities.first().filter(|e| e.share >= classify_share).map(|e| e.entity_type.clone());
                ColumnReport {
                    name: c.name.clone(),
                    data_type: c.data_type.clone(),
                    rows_with_values: c.rows_with_values,
                    entities,
                    classification,
                }
            })
            .collect();
        ScanReport { file: file.to_owned(), rows: self.rows, columns }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partial(cells: &[(usize, bool, &[&str])], rows: u64) -> TableScan {
        let mut s = TableScan::new([("note", "Utf8"), ("id", "Int64")]);
        s.add_rows(rows);
        for (c, has, found) in cells {
            s.add_value(*c, *has, found.iter().copied());
        }
        s
    }

    #[test]
    fn merged_partials_equal_one_scan_of_all_rows() {
        let cells: Vec<(usize, bool, &[&str])> = vec![
            (0, true, &["PERSON", "PERSON", "EMAIL_ADDRESS"]),
            (0, false, &[]),
            (0, true, &["PERSON"]),
            (1, true, &[]),
            (0, true, &["PHONE_NUMBER"]),
        ];
        let whole = partial(&cells, 5);
        let mut left = partial(&cells[..2], 2);
        let right = partial(&cells[2..], 3);
        left.merge(&right).expect("same columns");
        assert_eq!(left, whole);
        let report = whole.finish("t", 0.5);
        let note = &report.columns[0];
        assert_eq!(note.rows_with_values, 3);
        assert_eq!(note.entities[0].entity_type, "PERSON");
        assert_eq!(note.entities[0].rows, 2, "a row counts once per type");
        assert_eq!(note.entities[0].share, 0.6667);
        assert_eq!(note.classification.as_deref(), Some("PERSON"));
        assert_eq!(report.columns[1].classification, None);
    }

    #[test]
    fn partials_of_other_tables_do_not_merge() {
        let mut a = TableScan::new([("a", "Utf8")]);
        let b = TableScan::new([("b", "Utf8")]);
        assert!(a.merge(&b).is_err());
        assert_eq!(a, TableScan::new([("a", "Utf8")]), "a failed merge changes nothing");
    }
}
