//! `custos fairness mitigate`: the file's batches through `custos_frames::fairness`
//! (`Reweighing`, `ThresholdSearch`; the Python package's `mitigate` runs the same).

use std::io::Write;

use anyhow::{Context, bail};
use custos_fairness::thresholds::Constraint;
use custos_frames::fairness::{Reweighing, ThresholdOptions, ThresholdSearch};
use custos_tabular::TableReader;

use crate::cmd::pii::open_output;

use super::{MitigateArgs, MitigationMethod, ThresholdConstraint};

/// `mitigate`: two passes, counting (group, label) cells, then writing each row with its weight.
pub(super) fn mitigate(args: MitigateArgs) -> anyhow::Result<()> {
    if args.method == MitigationMethod::Thresholds {
        return mitigate_thresholds(&args);
    }
    let output = args.output.clone().context("--method reweighing needs --output (the weighted copy of the table)")?;
    let source = args.data.input.display().to_string();
    let reader = TableReader::open(&args.data.input, 65_536)?;
    let in_schema = reader.schema();
    if in_schema.field_with_name(&args.weight_column).is_ok() {
        bail!("{source} already has a column {:?} (choose another --weight-column)", args.weight_column);
    }
    let mut counts = Reweighing::new(&in_schema, &source, args.data.columns())?;
    for batch in reader {
        counts.add(&batch?)?;
    }
    let weights = counts.finish()?;
    let mut fields: Vec<custos_tabular::Field> = in_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(custos_tabular::Field::new(&args.weight_column, custos_tabular::DataType::Float64, false));
    let schema = std::sync::Arc::new(custos_tabular::Schema::new(fields));
    let tmp = output.with_extension(format!("partial.{}", output.extension().and_then(|e| e.to_str()).unwrap_or("out")));
    let mut writer = custos_tabular::TableWriter::create(&tmp, schema.clone())?;
    for batch in TableReader::open(&args.data.input, 65_536)? {
        let batch = batch?;
        let mut columns = batch.columns().to_vec();
        columns.push(std::sync::Arc::new(weights.of(&batch)?));
        writer.write(&custos_tabular::RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    writer.finish()?;
    std::fs::rename(&tmp, &output).with_context(|| format!("cannot move the weighted table to {}", output.display()))?;
    Ok(())
}

/// `mitigate --method thresholds`: the most accurate per-group thresholds whose rates differ by
/// at most the tolerance, compared with one shared threshold.
fn mitigate_thresholds(args: &MitigateArgs) -> anyhow::Result<()> {
    let score = args.score.clone().context("--method thresholds needs --score (the column the thresholds apply to)")?;
    if !(0.0..=1.0).contains(&args.tolerance) {
        bail!("--tolerance must be between 0 and 1");
    }
    let constraint = match args.constraint {
        ThresholdConstraint::DemographicParity => Constraint::DemographicParity,
        ThresholdConstraint::TruePositiveRateParity => Constraint::TruePositiveRateParity,
    };
    let source = args.data.input.display().to_string();
    let reader = TableReader::open(&args.data.input, 65_536)?;
    let options = ThresholdOptions { score, constraint, tolerance: args.tolerance, baseline_threshold: args.baseline_threshold };
    let mut search = ThresholdSearch::new(&reader.schema(), &source, args.data.columns(), options)?;
    for batch in reader {
        search.add(&batch?)?;
    }
    let report = search.finish()?;
    let mut out = open_output(args.output.as_deref())?;
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
