//! Tabular files for the engines: streaming CSV, JSON Lines and Parquet readers and writers
//! over Arrow record batches.
//!
//! One crate owns the heavy arrow/parquet dependency so that it is compiled once and every
//! engine (PII scanning, fairness audits, drift) reads tables the same way. Readers yield
//! bounded batches, so memory does not grow with the file. CSV columns are read as text
//! (identifiers such as `00123` or `+44...` keep their exact spelling); JSON Lines types are
//! inferred from the first records; Parquet keeps its own schema.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::sync::Arc;

pub use arrow::array::{Array, ArrayRef, Float64Array, StringArray};
pub use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
pub use arrow::error::ArrowError;
pub use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

/// Why a table could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    /// The file name does not say which format it is.
    #[error("{0}: unknown table format (use .csv, .jsonl/.ndjson or .parquet)")]
    UnknownFormat(String),
    /// Opening, reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The content is not valid for its format.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What the parser said.
        message: String,
    },
}

/// A table file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The format a file name's extension names.
    pub fn from_path(path: &Path) -> Result<Self, TabularError> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("jsonl" | "ndjson" | "json") => Ok(Format::Jsonl),
            Some("parquet" | "pq") => Ok(Format::Parquet),
            _ => Err(TabularError::UnknownFormat(path.display().to_string())),
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TabularError + '_ {
    move |source| TabularError::Io { path: path.display().to_string(), source }
}

fn fmt_err(path: &Path, e: impl std::fmt::Display) -> TabularError {
    TabularError::Format { path: path.display().to_string(), message: e.to_string() }
}

type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch, arrow::error::ArrowError>> + Send>;

/// A table being read batch by batch.
pub struct TableReader {
    schema: SchemaRef,
    batches: BatchIter,
    path: String,
    /// The file's size in bytes (for progress bars).
    pub file_bytes: u64,
    /// Rows in the file when its format says so up front (Parquet), for progress bars and
    /// to size buffers once.
    pub rows: Option<u64>,
}

impl std::fmt::Debug for TableReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableReader").field("path", &self.path).field("columns", &self.schema.fields().len()).finish()
    }
}

impl TableReader {
    /// Opens `path` in the format its extension names, reading `batch_rows` rows at a time.
    pub fn open(path: &Path, batch_rows: usize) -> Result<Self, TabularError> {
        Self::open_with(path, batch_rows, false)
    }

    /// Like [`TableReader::open`]; with `text_as_dictionary`, Parquet text columns come back
    /// dictionary-encoded as stored (codes plus a few distinct values) instead of one string
    /// per row: much cheaper for grouping columns such as sensitive attributes.
    pub fn open_with(path: &Path, batch_rows: usize, text_as_dictionary: bool) -> Result<Self, TabularError> {
        let format = Format::from_path(path)?;
        let file = File::open(path).map_err(io_err(path))?;
        let file_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut rows = None;
        let (schema, batches): (SchemaRef, BatchIter) = match format {
            Format::Csv => {
                let (inferred, _) = arrow::csv::reader::Format::default()
                    .with_header(true)
                    .infer_schema(BufReader::new(&file), Some(0))
                    .map_err(|e| fmt_err(path, e))?;
                let fields: Vec<Field> = inferred.fields().iter().map(|f| Field::new(f.name(), DataType::Utf8, true)).collect();
                let schema = Arc::new(Schema::new(fields));
                let file = File::open(path).map_err(io_err(path))?;
                let reader = arrow::csv::ReaderBuilder::new(schema.clone())
                    .with_header(true)
                    .with_batch_size(batch_rows)
                    .build(BufReader::with_capacity(1 << 20, file))
                    .map_err(|e| fmt_err(path, e))?;
                (schema, Box::new(reader))
            }
            Format::Jsonl => {
                let (schema, _) =
                    arrow::json::reader::infer_json_schema(BufReader::new(&file), Some(1000)).map_err(|e| fmt_err(path, e))?;
                let schema = Arc::new(schema);
                let file = File::open(path).map_err(io_err(path))?;
                let reader = arrow::json::ReaderBuilder::new(schema.clone())
                    .with_batch_size(batch_rows)
                    .build(BufReader::with_capacity(1 << 20, file))
                    .map_err(|e| fmt_err(path, e))?;
                (schema, Box::new(reader))
            }
            Format::Parquet => {
                let mut builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| fmt_err(path, e))?;
                if text_as_dictionary {
                    let hinted: Vec<Field> = builder
                        .schema()
                        .fields()
                        .iter()
                        .map(|f| {
                            if is_text(f.data_type()) {
                                Field::new(
                                    f.name(),
                                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                                    f.is_nullable(),
                                )
                            } else {
                                f.as_ref().clone()
                            }
                        })
                        .collect();
                    let options = parquet::arrow::arrow_reader::ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(hinted)));
                    let file = File::open(path).map_err(io_err(path))?;
                    builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).map_err(|e| fmt_err(path, e))?;
                }
                let schema = builder.schema().clone();
                rows = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
                let reader = builder.with_batch_size(batch_rows).build().map_err(|e| fmt_err(path, e))?;
                (schema, Box::new(reader))
            }
        };
        Ok(Self { schema, batches, path: path.display().to_string(), file_bytes, rows })
    }

    /// Reads a table held in memory (a decrypted upload) in `format`, `batch_rows` rows at a
    /// time; `name` names it in errors.
    pub fn from_bytes(bytes: Vec<u8>, format: Format, batch_rows: usize, name: &str) -> Result<Self, TabularError> {
        let path = Path::new(name);
        let file_bytes = bytes.len() as u64;
        let mut rows = None;
        let (schema, batches): (SchemaRef, BatchIter) = match format {
            Format::Csv => {
                let (inferred, _) = arrow::csv::reader::Format::default()
                    .with_header(true)
                    .infer_schema(std::io::Cursor::new(&bytes[..]), Some(0))
                    .map_err(|e| fmt_err(path, e))?;
                let fields: Vec<Field> = inferred.fields().iter().map(|f| Field::new(f.name(), DataType::Utf8, true)).collect();
                let schema = Arc::new(Schema::new(fields));
                let reader = arrow::csv::ReaderBuilder::new(schema.clone())
                    .with_header(true)
                    .with_batch_size(batch_rows)
                    .build(std::io::Cursor::new(bytes))
                    .map_err(|e| fmt_err(path, e))?;
                (schema, Box::new(reader))
            }
            Format::Jsonl => {
                let (schema, _) =
                    arrow::json::reader::infer_json_schema(std::io::Cursor::new(&bytes[..]), Some(1000)).map_err(|e| fmt_err(path, e))?;
                let schema = Arc::new(schema);
                let reader = arrow::json::ReaderBuilder::new(schema.clone())
                    .with_batch_size(batch_rows)
                    .build(std::io::Cursor::new(bytes))
                    .map_err(|e| fmt_err(path, e))?;
                (schema, Box::new(reader))
            }
            Format::Parquet => {
                let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).map_err(|e| fmt_err(path, e))?;
                let schema = builder.schema().clone();
                rows = u64::try_from(builder.metadata().file_metadata().num_rows()).ok();
                let reader = builder.with_batch_size(batch_rows).build().map_err(|e| fmt_err(path, e))?;
                (schema, Box::new(reader))
            }
        };
        Ok(Self { schema, batches, path: name.to_owned(), file_bytes, rows })
    }

    /// The table's columns.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
}

impl Iterator for TableReader {
    type Item = Result<RecordBatch, TabularError>;

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.path.clone();
        self.batches.next().map(|r| r.map_err(|e| TabularError::Format { path, message: e.to_string() }))
    }
}

enum Sink {
    Csv(arrow::csv::Writer<BufWriter<File>>),
    Jsonl(arrow::json::LineDelimitedWriter<BufWriter<File>>),
    Parquet(ArrowWriter<File>),
}

/// A table being written batch by batch.
pub struct TableWriter {
    sink: Sink,
    path: String,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter").field("path", &self.path).finish()
    }
}

impl TableWriter {
    /// Creates `path` in the format its extension names (Parquet: ZSTD-compressed).
    pub fn create(path: &Path, schema: SchemaRef) -> Result<Self, TabularError> {
        let format = Format::from_path(path)?;
        let file = File::create(path).map_err(io_err(path))?;
        let sink = match format {
            Format::Csv => Sink::Csv(arrow::csv::WriterBuilder::new().with_header(true).build(BufWriter::with_capacity(1 << 20, file))),
            Format::Jsonl => Sink::Jsonl(arrow::json::LineDelimitedWriter::new(BufWriter::with_capacity(1 << 20, file))),
            Format::Parquet => {
                let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
                Sink::Parquet(ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| fmt_err(path, e))?)
            }
        };
        Ok(Self { sink, path: path.display().to_string() })
    }

    /// Appends a batch.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), TabularError> {
        let path = Path::new(&self.path);
        match &mut self.sink {
            Sink::Csv(w) => w.write(batch).map_err(|e| fmt_err(path, e)),
            Sink::Jsonl(w) => w.write(batch).map_err(|e| fmt_err(path, e)),
            Sink::Parquet(w) => w.write(batch).map_err(|e| fmt_err(path, e)),
        }
    }

    /// Flushes and closes the file; a table is complete only after this returns `Ok`.
    pub fn finish(self) -> Result<(), TabularError> {
        let path = Path::new(&self.path);
        match self.sink {
            Sink::Csv(w) => {
                let mut inner = w.into_inner();
                std::io::Write::flush(&mut inner).map_err(io_err(path))?;
                inner.get_ref().sync_all().map_err(io_err(path))
            }
            Sink::Jsonl(mut w) => {
                w.finish().map_err(|e| fmt_err(path, e))?;
                let mut inner = w.into_inner();
                std::io::Write::flush(&mut inner).map_err(io_err(path))?;
                inner.get_ref().sync_all().map_err(io_err(path))
            }
            Sink::Parquet(w) => w.close().map(|_| ()).map_err(|e| fmt_err(path, e)),
        }
    }
}

/// A table of text columns encoded in memory in `format` (CSV with a header row, JSON Lines, or
/// ZSTD-compressed Parquet): for files that must never reach the disk unencrypted (the caller
/// seals the bytes). Null entries are written as empty (CSV) or null.
pub fn encode_text_table(columns: &[(String, Vec<Option<String>>)], format: Format) -> Result<Vec<u8>, TabularError> {
    let here = Path::new("(export)");
    let schema = Arc::new(Schema::new(columns.iter().map(|(n, _)| Field::new(n, DataType::Utf8, true)).collect::<Vec<_>>()));
    let arrays: Vec<ArrayRef> = columns.iter().map(|(_, v)| Arc::new(StringArray::from(v.clone())) as ArrayRef).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| fmt_err(here, e))?;
    let mut out = Vec::new();
    match format {
        Format::Csv => {
            let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(&mut out);
            w.write(&batch).map_err(|e| fmt_err(here, e))?;
        }
        Format::Jsonl => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut out);
            w.write(&batch).map_err(|e| fmt_err(here, e))?;
            w.finish().map_err(|e| fmt_err(here, e))?;
        }
        Format::Parquet => {
            let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
            let mut w = ArrowWriter::try_new(&mut out, schema, Some(props)).map_err(|e| fmt_err(here, e))?;
            w.write(&batch).map_err(|e| fmt_err(here, e))?;
            w.close().map_err(|e| fmt_err(here, e))?;
        }
    }
    Ok(out)
}

/// The values of a column as text (`None` for nulls), whatever its type: strings as they are,
/// numbers, dates and nested values as Arrow displays them.
pub fn column_text(array: &dyn Array) -> Result<Vec<Option<String>>, arrow::error::ArrowError> {
    if let Some(strings) = array.as_any().downcast_ref::<StringArray>() {
        return Ok(strings.iter().map(|v| v.map(str::to_owned)).collect());
    }
    let formatter = ArrayFormatter::try_new(array, &FormatOptions::default())?;
    Ok((0..array.len()).map(|i| array.is_valid(i).then(|| formatter.value(i).to_string())).collect())
}

/// A column as text in one bulk conversion (dictionary-encoded, numeric and boolean columns
/// included), for engines that compare values without allocating per cell.
pub fn column_as_strings(array: &dyn Array) -> Result<StringArray, arrow::error::ArrowError> {
    let cast = arrow::compute::cast(&arrow::array::make_array(array.to_data()), &DataType::Utf8)?;
    cast.as_any().downcast_ref::<StringArray>().cloned().ok_or_else(|| arrow::error::ArrowError::CastError("not text".into()))
}

/// A column as 64-bit floats in one bulk conversion: numeric and boolean columns, and text
/// columns whose every value parses as a number (CSV columns arrive as text). `None` otherwise.
pub fn column_as_f64(array: &dyn Array) -> Option<arrow::array::Float64Array> {
    let convertible = array.data_type().is_numeric() || matches!(array.data_type(), DataType::Boolean) || is_text(array.data_type());
    if !convertible {
        return None;
    }
    let cast = arrow::compute::cast(&arrow::array::make_array(array.to_data()), &DataType::Float64).ok()?;
    let floats = cast.as_any().downcast_ref::<arrow::array::Float64Array>().cloned()?;
    // A text value that is not a number becomes null in the cast: then this is not a numeric column.
    (floats.null_count() == array.null_count()).then_some(floats)
}

/// A dictionary-encoded column as its codes (one per row; `usize::MAX` for nulls) and its distinct
/// values as text; `None` when the column is not dictionary-encoded. Lets engines work on a
/// handful of distinct values instead of every row's string.
pub fn dictionary_codes(array: &dyn Array) -> Option<(Vec<usize>, StringArray)> {
    use arrow::array::AsArray;
    let dict = array.as_any_dictionary_opt()?;
    let values = column_as_strings(dict.values().as_ref()).ok()?;
    let mut codes = dict.normalized_keys();
    if array.null_count() > 0 {
        for (i, c) in codes.iter_mut().enumerate() {
            if array.is_null(i) {
                *c = usize::MAX;
            }
        }
    }
    Some((codes, values))
}

/// Whether a column holds text (the columns redaction rewrites in place).
pub fn is_text(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(ext: &str) -> Vec<Option<String>> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let src = dir.path().join("in.csv");
        std::fs::write(&src, "id,email,phone\n1,a@example.com,00123\n2,,+44 20 7946 0958\n").unwrap_or_else(|e| panic!("{e}"));
        let reader = TableReader::open(&src, 1).unwrap_or_else(|e| panic!("{e}"));
        let schema = reader.schema();
        let dst = dir.path().join(format!("out.{ext}"));
        let mut writer = TableWriter::create(&dst, schema).unwrap_or_else(|e| panic!("{e}"));
        for batch in reader {
            writer.write(&batch.unwrap_or_else(|e| panic!("{e}"))).unwrap_or_else(|e| panic!("{e}"));
        }
        writer.finish().unwrap_or_else(|e| panic!("{e}"));
        let mut values = Vec::new();
        for batch in TableReader::open(&dst, 1024).unwrap_or_else(|e| panic!("{e}")) {
            let batch = batch.unwrap_or_else(|e| panic!("{e}"));
            let col = batch.column_by_name("phone").unwrap_or_else(|| panic!("no phone column"));
            values.extend(column_text(col.as_ref()).unwrap_or_else(|e| panic!("{e}")));
        }
        values
    }

    #[test]
    fn csv_text_survives_every_format() {
        for ext in ["csv", "parquet", "jsonl"] {
            assert_eq!(round_trip(ext), vec![Some("00123".to_owned()), Some("+44 20 7946 0958".to_owned())], "{ext}");
        }
    }

    #[test]
    fn unknown_extension_is_refused() {
        assert!(matches!(Format::from_path(Path::new("x.xlsx")), Err(TabularError::UnknownFormat(_))));
    }
}
