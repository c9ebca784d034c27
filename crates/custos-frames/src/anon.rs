//! Anonymity-check input: the named columns of a table as `custos_anon::Table`, read batch by
//! batch. A column is numbers while every value is one (missing values as NaN); one that turns
//! out to hold text, or is named categorical, is text (missing values as an empty value).

use custos_anon::{Column, Table};
use custos_tabular::{RecordBatch, Schema};

use crate::drift::FramesError;

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
