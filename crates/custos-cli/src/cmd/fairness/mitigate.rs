//! `custos fairness mitigate`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, bail};
use custos_fairness::Favorable;
use custos_fairness::report::MISSING;
use custos_tabular::{Array as _, TableReader};
use serde_json::json;

use crate::cmd::pii::open_output;

use super::audit::labels;
use super::{MitigateArgs, MitigationMethod, ThresholdConstraint};

/// The combination key of every row of a batch, and its labels.
fn batch_keys(batch: &custos_tabular::RecordBatch, args: &MitigateArgs, favorable: &Favorable) -> anyhow::Result<(Vec<String>, Vec<bool>)> {
    let column = |name: &str| batch.column_by_name(name).with_context(|| format!("no column {name:?} in {}", args.data.input.display()));
    let columns: Vec<custos_tabular::StringArray> =
        args.data.sensitive.iter().map(|s| Ok(custos_tabular::column_as_strings(column(s)?.as_ref())?)).collect::<anyhow::Result<_>>()?;
    let keys = (0..batch.num_rows())
        .map(|i| columns.iter().map(|c| if c.is_null(i) { MISSING } else { c.value(i) }).collect::<Vec<_>>().join("\u{1f}"))
        .collect();
    let y = labels(column(&args.data.y_true)?.as_ref(), favorable, &args.data.y_true)?;
    Ok((keys, y))
}

/// `mitigate`: two passes, counting (group, label) cells, then writing each row with its weight.
pub(super) fn mitigate(args: MitigateArgs) -> anyhow::Result<()> {
    if args.method == MitigationMethod::Thresholds {
        return mitigate_thresholds(&args);
    }
    let output = args.output.clone().context("--method reweighing needs --output (the weighted copy of the table)")?;
    let favorable = Favorable::new(&args.data.favorable);
    let mut cells: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for batch in TableReader::open(&args.data.input, 65_536)? {
        let (keys, y) = batch_keys(&batch?, &args, &favorable)?;
        for (k, label) in keys.into_iter().zip(y) {
            let c = cells.entry(k).or_default();
            if label {
                c.1 += 1;
            } else {
                c.0 += 1;
            }
        }
    }
    if cells.is_empty() {
        bail!("{} has no rows", args.data.input.display());
    }
    let keys: Vec<&String> = cells.keys().collect();
    let weights = custos_fairness::reweighing(&cells.values().copied().collect::<Vec<_>>());
    let weight_of: BTreeMap<&String, (f64, f64)> = keys.into_iter().zip(weights).collect();
    let reader = TableReader::open(&args.data.input, 65_536)?;
    let in_schema = reader.schema();
    if in_schema.field_with_name(&args.weight_column).is_ok() {
        bail!("{} already has a column {:?} (choose another --weight-column)", args.data.input.display(), args.weight_column);
    }
    let mut fields: Vec<custos_tabular::Field> = in_schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(custos_tabular::Field::new(&args.weight_column, custos_tabular::DataType::Float64, false));
    let schema = std::sync::Arc::new(custos_tabular::Schema::new(fields));
    let tmp = output.with_extension(format!("partial.{}", output.extension().and_then(|e| e.to_str()).unwrap_or("out")));
    let mut writer = custos_tabular::TableWriter::create(&tmp, schema.clone())?;
    for batch in reader {
        let batch = batch?;
        let (keys, y) = batch_keys(&batch, &args, &favorable)?;
        let w: Vec<f64> =
            keys.iter().zip(&y).map(|(k, label)| weight_of.get(k).map_or(0.0, |(wn, wp)| if *label { *wp } else { *wn })).collect();
        let mut columns = batch.columns().to_vec();
        columns.push(std::sync::Arc::new(custos_tabular::Float64Array::from(w)));
        writer.write(&custos_tabular::RecordBatch::try_new(schema.clone(), columns)?)?;
    }
    writer.finish()?;
    std::fs::rename(&tmp, &output).with_context(|| format!("cannot move the weighted table to {}", output.display()))?;
    Ok(())
}

/// `mitigate --method thresholds`: the most accurate per-group thresholds whose rates differ by
/// at most the tolerance, compared with one shared threshold.
fn mitigate_thresholds(args: &MitigateArgs) -> anyhow::Result<()> {
    use custos_fairness::thresholds::{self, Constraint, GroupThreshold};
    let score_column = args.score.as_deref().context("--method thresholds needs --score (the column the thresholds apply to)")?;
    if !(0.0..=1.0).contains(&args.tolerance) {
        bail!("--tolerance must be between 0 and 1");
    }
    let favorable = Favorable::new(&args.data.favorable);
    let mut groups: BTreeMap<String, Vec<(f64, bool)>> = BTreeMap::new();
    let mut rows = 0u64;
    for batch in TableReader::open(&args.data.input, 65_536)? {
        let batch = batch?;
        let (keys, y) = batch_keys(&batch, args, &favorable)?;
        let column =
            batch.column_by_name(score_column).with_context(|| format!("no column {score_column:?} in {}", args.data.input.display()))?;
        let scores = custos_tabular::column_as_f64(column.as_ref()).with_context(|| format!("column {score_column} is not numeric"))?;
        if scores.null_count() > 0 || scores.values().iter().any(|s| !s.is_finite()) {
            bail!("column {score_column} must hold a number in every row");
        }
        for ((k, label), s) in keys.into_iter().zip(y).zip(scores.values().iter()) {
            groups.entry(k).or_default().push((*s, label));
        }
        rows += batch.num_rows() as u64;
    }
    if rows == 0 {
        bail!("{} has no rows", args.data.input.display());
    }
    let constraint = match args.constraint {
        ThresholdConstraint::DemographicParity => Constraint::DemographicParity,
        ThresholdConstraint::TruePositiveRateParity => Constraint::TruePositiveRateParity,
    };
    let names: Vec<&String> = groups.keys().collect();
    let mut scored: Vec<Vec<(f64, bool)>> = groups.values().cloned().collect();
    let baseline = thresholds::at_threshold(&scored, args.baseline_threshold);
    let unconstrained = thresholds::optimize(&mut scored, constraint, 1.0).context("no group can take part")?;
    let chosen = thresholds::optimize(&mut scored, constraint, args.tolerance)
        .context("no group has actual positives, so true positive rates cannot be equalized")?;
    let summary = |gs: &[GroupThreshold]| {
        let n: u64 = gs.iter().map(|g| g.count).sum();
        let correct: f64 = gs.iter().map(|g| g.accuracy * g.count as f64).sum();
        let rates: Vec<f64> = gs
            .iter()
            .filter(|g| g.constrained)
            .map(|g| if constraint == Constraint::DemographicParity { g.selection_rate } else { g.true_positive_rate })
            .collect();
        let spread = rates.iter().cloned().fold(f64::MIN, f64::max) - rates.iter().cloned().fold(f64::MAX, f64::min);
        json!({"accuracy": correct / n as f64, "rate_difference": spread})
    };
    let group_of = |key: &str| -> BTreeMap<String, String> {
        args.data.sensitive.iter().cloned().zip(key.split('\u{1f}').map(str::to_owned)).collect()
    };
    let (before, after) = (summary(&baseline), summary(&chosen));
    let cost = before["accuracy"].as_f64().unwrap_or(0.0) - after["accuracy"].as_f64().unwrap_or(0.0);
    let report = json!({
        "method": "per-group thresholds, deterministic (Fairlearn ThresholdOptimizer's idea without its randomization); exact optimum of accuracy under the tolerance",
        "constraint": constraint,
        "tolerance": args.tolerance,
        "rows": rows,
        "groups": names.iter().zip(chosen.iter().zip(&baseline)).map(|(k, (c, b))| json!({"group": group_of(k), "chosen": c, "baseline": b})).collect::<Vec<_>>(),
        "baseline": {"threshold": args.baseline_threshold, "accuracy": before["accuracy"], "rate_difference": before["rate_difference"]},
        "optimized": after,
        "accuracy_cost": cost,
        "most_accurate_unconstrained": summary(&unconstrained),
    });
    let mut out = open_output(args.output.as_deref())?;
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
