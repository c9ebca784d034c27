//! `custos fairness check-data`: the file's batches through `custos_frames::fairness::DataCheck`
//! (the Python package's `check_data` runs the same).

use std::io::Write;

use custos_frames::fairness::{CheckDataOptions, DataCheck};
use custos_tabular::TableReader;

use crate::cmd::pii::open_output;

use super::{CheckDataArgs, parse_distribution};

/// `check-data`: one pass counting, per sensitive attribute, rows and favourable labels per
/// value, and for every other low-cardinality column its joint counts with the attribute.
pub(super) fn check_data(args: CheckDataArgs) -> anyhow::Result<()> {
    let reference =
        args.reference_distributions.iter().map(|d| parse_distribution(d, &args.data.sensitive)).collect::<anyhow::Result<_>>()?;
    let reader = TableReader::open(&args.data.input, 65_536)?;
    let options = CheckDataOptions { max_categories: args.max_categories, proxy_threshold: args.proxy_threshold, reference };
    let mut check = DataCheck::new(&reader.schema(), &args.data.input.display().to_string(), args.data.columns(), options)?;
    for batch in reader {
        check.add(&batch?)?;
    }
    let report = check.finish()?;
    let mut out = open_output(args.output.as_deref())?;
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
