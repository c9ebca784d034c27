//! Privacy-preserving segmentation: how re-identifiable a table is, and noise that makes
//! statistics differentially private.
//!
//! - [`check`]: k-anonymity (the smallest equivalence class over the quasi-identifiers), the
//!   distribution of class sizes, distinct, entropy and recursive (c,l)-diversity and
//!   t-closeness of each sensitive attribute, and prosecutor re-identification risk; the values
//!   are pycanon's on the committed fixtures (`testdata/anon/`).
//! - [`enforce`]: generalization along hierarchies plus bounded suppression, the least-loss
//!   node of the lattice that meets k (and distinct l).
//! - [`dp`]: the discrete Laplace and discrete Gaussian mechanisms sampled exactly from the
//!   operating system's CSPRNG, and the accounting of what releases spend (pure epsilon, zCDP
//!   rho, and the (epsilon, delta) they imply).
//!
//! Pure: tables come in as columns ([`Table`]), reports go out as values; reading files is the
//! caller's.

pub mod check;
pub mod dp;
pub mod enforce;

pub use check::{CheckOptions, CheckReport, Column, Risk, SensitiveReport, Table, check, check_grouped};

/// `f` over `items`, the items spread over the machine's cores in contiguous chunks (one
/// thread per core at most), results in order. For work that is independent per item, such
/// as coding one column; a panic in `f` is raised again here.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> =
            items.chunks(items.len().div_ceil(threads)).map(|chunk| s.spawn(move || chunk.iter().map(f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// What can go wrong.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AnonError {
    /// A column was named that the table does not have.
    #[error("no column `{0}` in the table")]
    NoSuchColumn(String),
    /// The request itself is not usable (no quasi-identifiers, columns of unequal length, ...).
    #[error("{0}")]
    Invalid(String),
    /// A mechanism's parameter is out of range.
    #[error("{0}")]
    Parameter(String),
    /// The operating system's random source failed.
    #[error("the operating system's random source failed")]
    Randomness,
}
