//! Engine inputs from Arrow record batches. The engines take plain Rust values (numbers,
//! category counts, sketches); the CLI reads files and the Python package receives in-memory
//! tables, both as streams of record batches. This crate turns batches into engine inputs once,
//! so the two front ends cannot disagree on a number (dictionary-encoded text counted by code,
//! missing values, the rule that decides whether a column is numeric).

pub mod anon;
pub mod drift;
pub mod fairness;
