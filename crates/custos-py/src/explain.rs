//! `custos.explain`: exact TreeSHAP of XGBoost and LightGBM models (and custos's linear
//! models) as the CLI computes it. Rows come as a row-major f64 buffer (numpy) or an Arrow
//! table read by feature name; attributions go back as one f64 buffer the Python side views
//! as a numpy array shaped like shap's.

use arrow::array::Array;
use custos_explain::{Limits, Model, ShapMode};
use custos_tabular::column_as_f64;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::{arrow_io, error};

/// A parsed model, explained many times.
#[pyclass(module = "custos._native", frozen)]
pub struct TreeModel {
    model: Model,
}

fn rows_from_buffer(model: &Model, data: &[u8], n_rows: usize, n_cols: usize) -> PyResult<Vec<Vec<f64>>> {
    let n_features = model.feature_names().len();
    if n_cols != n_features {
        return Err(error(format!("X: {n_cols} columns, the model has {n_features} features")));
    }
    if data.len() != n_rows * n_cols * 8 {
        return Err(error(format!("X: {} bytes for {n_rows} x {n_cols} float64 values", data.len())));
    }
    let values: Vec<f64> = data.chunks_exact(8).map(|b| f64::from_ne_bytes(b.try_into().unwrap_or([0; 8]))).collect();
    Ok(values.chunks(n_cols.max(1)).take(n_rows).map(<[f64]>::to_vec).collect())
}

#[pymethods]
impl TreeModel {
    /// Parses a model file's bytes (XGBoost JSON, LightGBM text or dump JSON, linear JSON).
    #[new]
    #[pyo3(signature = (data, max_depth=64, max_nodes=2_000_000, max_leaves=1_000_000))]
    fn new(py: Python<'_>, data: Vec<u8>, max_depth: usize, max_nodes: usize, max_leaves: usize) -> PyResult<Self> {
        let limits = Limits { max_depth, max_nodes, max_leaves, ..Limits::default() };
        let model = py.detach(|| Model::parse_with(&data, &limits)).map_err(|e| error(format!("model: {e}")))?;
        Ok(Self { model })
    }

    /// The model's feature names, in column order.
    #[getter]
    fn feature_names(&self) -> Vec<String> {
        self.model.feature_names().to_vec()
    }

    /// Outputs (1, or the number of classes).
    #[getter]
    fn n_outputs(&self) -> usize {
        self.model.n_outputs()
    }

    /// The expected margin per output (shap's `expected_value`).
    #[getter]
    fn expected_margin(&self) -> Vec<f64> {
        self.model.expected_margin()
    }

    /// The rows of an Arrow table as the model's features (missing values as NaN), row-major.
    fn rows_from_table<'py>(&self, py: Python<'py>, table: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyBytes>, usize)> {
        let reader = arrow_io::stream(table)?;
        let schema = arrow_io::schema(&reader);
        let names = self.model.feature_names();
        let missing: Vec<&str> = names.iter().filter(|f| schema.field_with_name(f).is_err()).map(String::as_str).collect();
        if !missing.is_empty() {
            return Err(error(format!("X: the table lacks the model's feature column(s): {}", missing.join(", "))));
        }
        let mut out: Vec<f64> = Vec::new();
        let mut n = 0usize;
        for batch in reader {
            let batch = batch.map_err(|e| error(format!("X: {e}")))?;
            let start = out.len();
            out.resize(start + batch.num_rows() * names.len(), f64::NAN);
            for (f, name) in names.iter().enumerate() {
                let column = batch.column_by_name(name).ok_or_else(|| error(format!("X: column {name} vanished")))?;
                let values = column_as_f64(column.as_ref()).ok_or_else(|| {
                    error(format!("X: column {name} is not numeric (categorical features must hold the model's category codes)"))
                })?;
                for i in 0..batch.num_rows() {
                    if !values.is_null(i) {
                        out[start + i * names.len() + f] = values.value(i);
                    }
                }
            }
            n += batch.num_rows();
        }
        let bytes: Vec<u8> = out.iter().flat_map(|v| v.to_ne_bytes()).collect();
        Ok((PyBytes::new(py, &bytes), n))
    }

    /// TreeSHAP attributions of `n_rows` x `n_cols` float64 values (row-major bytes): returns
    /// bytes of `n_rows x n_features x n_outputs` f64 values. `background` (same layout, with
    /// `n_background` rows) switches to interventional TreeSHAP.
    #[pyo3(signature = (data, n_rows, n_cols, background=None, n_background=0))]
    fn shap<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        n_rows: usize,
        n_cols: usize,
        background: Option<&[u8]>,
        n_background: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let rows = rows_from_buffer(&self.model, data, n_rows, n_cols)?;
        let background = match background {
            Some(b) => {
                let rows = rows_from_buffer(&self.model, b, n_background, n_cols).map_err(|e| error(format!("data (background): {e}")))?;
                if rows.is_empty() {
                    return Err(error("data: the background needs at least one row"));
                }
                Some(rows)
            }
            None => None,
        };
        let model = &self.model;
        let attributions = py
            .detach(|| -> Result<Vec<Vec<custos_explain::Attribution>>, custos_explain::ExplainError> {
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                let chunk = rows.len().div_ceil(threads).max(1);
                match &background {
                    None => {
                        // The per-leaf tables are built once and shared; each core explains a
                        // block of rows with them.
                        model.prepare();
                        std::thread::scope(|s| {
                            let handles: Vec<_> = rows.chunks(chunk).map(|part| s.spawn(move || model.shap_many(part))).collect();
                            let mut out = Vec::with_capacity(rows.len());
                            for h in handles {
                                out.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?);
                            }
                            Ok(out)
                        })
                    }
                    Some(bg) => std::thread::scope(|s| {
                        let handles: Vec<_> = rows
                            .chunks(chunk)
                            .map(|part| {
                                s.spawn(move || {
                                    part.iter().map(|r| model.shap(r, ShapMode::Interventional, bg)).collect::<Result<Vec<_>, _>>()
                                })
                            })
                            .collect();
                        let mut out = Vec::with_capacity(rows.len());
                        for h in handles {
                            out.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?);
                        }
                        Ok(out)
                    }),
                }
            })
            .map_err(|e| error(format!("X: {e}")))?;
        let (nf, no) = (model.feature_names().len(), model.n_outputs());
        let mut out = Vec::with_capacity(rows.len() * nf * no * 8);
        for row in &attributions {
            for f in 0..nf {
                for a in row.iter().take(no) {
                    out.extend_from_slice(&a.values[f].to_ne_bytes());
                }
            }
        }
        Ok(PyBytes::new(py, &out))
    }

    /// Predictions (probabilities for classifiers), `n_rows x n_outputs` f64 bytes.
    fn predict<'py>(&self, py: Python<'py>, data: &[u8], n_rows: usize, n_cols: usize) -> PyResult<Bound<'py, PyBytes>> {
        let rows = rows_from_buffer(&self.model, data, n_rows, n_cols)?;
        let mut out = Vec::with_capacity(rows.len() * self.model.n_outputs() * 8);
        for r in &rows {
            for v in self.model.predict(r).map_err(|e| error(format!("X: {e}")))? {
                out.extend_from_slice(&v.to_ne_bytes());
            }
        }
        Ok(PyBytes::new(py, &out))
    }
}

/// Adds `custos.explain`'s classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<TreeModel>()?;
    Ok(())
}
