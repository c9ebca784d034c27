//! custos's monitoring engine: is today's data (or today's model behaviour) different from the
//! reference, by how much, and is that a real change or noise? Pure: samples in, figures out,
//! no I/O. The statistics equal scipy's (fixtures in `testdata/monitor`, made by the script
//! beside them); see `docs/MONITORING.md` for the choices.

pub mod ad;
pub mod categorical;
pub mod correct;
pub mod drift;
pub mod effect;
pub mod ks;
pub mod location;

pub use correct::Correction;
pub use drift::{ColumnDrift, ColumnInput, DriftError, DriftOptions, DriftReport, Sample, Verdict, compare};

/// The finite values of `x`, sorted (NaNs are dropped before every test).
pub fn sorted_finite(x: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}
