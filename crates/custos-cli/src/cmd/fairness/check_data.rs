//! `custos fairness check-data`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Context, bail};
use custos_fairness::Favorable;
use custos_fairness::report::MISSING;
use custos_fairness::stats;
use custos_tabular::{Array as _, TableReader};
use serde_json::{Value, json};

use crate::cmd::pii::open_output;

use super::audit::labels;
use super::{CheckDataArgs, parse_distribution};

/// Rows per (feature value, sensitive value); `None` once a feature has too many values.
type JointCounts = BTreeMap<(String, String), u64>;

/// `check-data`: one pass counting, per sensitive attribute, rows and favourable labels per
/// value, and for every other low-cardinality column its joint counts with the attribute.
pub(super) fn check_data(args: CheckDataArgs) -> anyhow::Result<()> {
    let favorable = Favorable::new(&args.data.favorable);
    let references: Vec<(String, BTreeMap<String, f64>)> =
        args.reference_distributions.iter().map(|d| parse_distribution(d, &args.data.sensitive)).collect::<anyhow::Result<_>>()?;
    let reader = TableReader::open(&args.data.input, 65_536)?;
    let schema = reader.schema();
    for name in args.data.sensitive.iter().chain(std::iter::once(&args.data.y_true)) {
        if schema.field_with_name(name).is_err() {
            bail!("no column {name:?} in {}", args.data.input.display());
        }
    }
    let features: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).filter(|n| !args.data.sensitive.contains(n)).collect();
    // Per sensitive attribute: value -> (rows, favourable).
    let mut groups: Vec<BTreeMap<String, (u64, u64)>> = vec![BTreeMap::new(); args.data.sensitive.len()];
    // Per (feature, attribute): (feature value, attribute value) -> rows; None once too many values.
    let mut joint: Vec<Vec<Option<JointCounts>>> = vec![vec![Some(BTreeMap::new()); args.data.sensitive.len()]; features.len()];
    let mut distinct: Vec<std::collections::HashSet<String>> = vec![Default::default(); features.len()];
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch?;
        let text = |name: &str| -> anyhow::Result<custos_tabular::StringArray> {
            Ok(custos_tabular::column_as_strings(batch.column_by_name(name).with_context(|| format!("column {name} vanished"))?.as_ref())?)
        };
        let sens: Vec<custos_tabular::StringArray> = args.data.sensitive.iter().map(|s| text(s)).collect::<anyhow::Result<_>>()?;
        let y = labels(
            batch.column_by_name(&args.data.y_true).with_context(|| "label column vanished")?.as_ref(),
            &favorable,
            &args.data.y_true,
        )?;
        let value = |c: &custos_tabular::StringArray, i: usize| if c.is_null(i) { MISSING.to_owned() } else { c.value(i).to_owned() };
        for (a, col) in sens.iter().enumerate() {
            for (i, label) in y.iter().enumerate() {
                let e = groups[a].entry(value(col, i)).or_default();
                e.0 += 1;
                e.1 += u64::from(*label);
            }
        }
        for (f, name) in features.iter().enumerate() {
            if joint[f].iter().all(Option::is_none) {
                continue;
            }
            let col = text(name)?;
            for i in 0..batch.num_rows() {
                let v = value(&col, i);
                if distinct[f].len() < args.max_categories || distinct[f].contains(&v) {
                    distinct[f].insert(v.clone());
                    for (a, s) in sens.iter().enumerate() {
                        if let Some(map) = joint[f][a].as_mut() {
                            *map.entry((v.clone(), value(s, i))).or_default() += 1;
                        }
                    }
                } else {
                    joint[f].iter_mut().for_each(|m| *m = None);
                    break;
                }
            }
        }
        rows += batch.num_rows() as u64;
    }
    let mut proxies = Vec::new();
    let mut skipped = Vec::new();
    for (f, name) in features.iter().enumerate() {
        for (a, attr) in args.data.sensitive.iter().enumerate() {
            let Some(map) = &joint[f][a] else {
                if a == 0 {
                    skipped.push(name.clone());
                }
                continue;
            };
            let row_keys: Vec<&String> = map.keys().map(|k| &k.0).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let col_keys: Vec<&String> = map.keys().map(|k| &k.1).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
            let table: Vec<Vec<u64>> = row_keys
                .iter()
                .map(|r| col_keys.iter().map(|c| map.get(&((*r).clone(), (*c).clone())).copied().unwrap_or(0)).collect())
                .collect();
            if let Some(v) = stats::cramers_v(&table) {
                let mi = stats::mutual_information(&table);
                proxies.push(json!({"feature": name, "sensitive": attr, "cramers_v": v, "mutual_information": mi, "flagged": v >= args.proxy_threshold}));
            }
        }
    }
    let by_attribute: serde_json::Map<String, Value> = args
        .data
        .sensitive
        .iter()
        .zip(&groups)
        .map(|(attr, g)| {
            let list: Vec<Value> = g
                .iter()
                .map(|(v, (n, fav))| json!({"value": v, "count": n, "share": *n as f64 / rows.max(1) as f64, "base_rate": *fav as f64 / (*n).max(1) as f64}))
                .collect();
            (attr.clone(), Value::Array(list))
        })
        .collect();
    let mut representation = serde_json::Map::new();
    for (attr, shares) in &references {
        let a = args.data.sensitive.iter().position(|s| s == attr).unwrap_or(0);
        let unknown: Vec<&String> = groups[a].keys().filter(|v| !shares.contains_key(*v)).collect();
        if !unknown.is_empty() {
            bail!(
                "--reference-distribution for {attr} has no share for {} (found in the data)",
                unknown.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
            );
        }
        let observed: Vec<u64> = shares.keys().map(|v| groups[a].get(v).map_or(0, |g| g.0)).collect();
        let expected: Vec<f64> = shares.values().copied().collect();
        let values: Vec<Value> = shares
            .iter()
            .zip(&observed)
            .map(|((value, share), n)| {
                let observed_share = *n as f64 / rows.max(1) as f64;
                json!({"value": value, "count": n, "observed_share": observed_share, "expected_share": share, "difference": observed_share - share})
            })
            .collect();
        let test = stats::goodness_of_fit(&observed, &expected)
            .map(|(chi2, dof, p)| json!({"test": "Pearson chi-square goodness of fit", "statistic": chi2, "dof": dof, "p_value": p}));
        representation.insert(attr.clone(), json!({"values": values, "goodness_of_fit": test}));
    }
    let mut report = json!({"rows": rows, "groups": by_attribute, "proxies": proxies, "skipped_high_cardinality": skipped,
        "proxy_method": format!("Cramér's V (no continuity correction), flagged at >= {}; mutual information in nats", args.proxy_threshold)});
    if !representation.is_empty() {
        report["representation"] = Value::Object(representation);
    }
    let mut out = open_output(args.output.as_deref())?;
    serde_json::to_writer_pretty(&mut out, &report)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}
