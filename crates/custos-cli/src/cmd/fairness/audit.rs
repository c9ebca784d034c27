//! `custos fairness audit`.

use custos_frames::fairness::labels;
use std::io::Write;

use anyhow::{Context, bail};
use custos_fairness::report::{self, GroupTally, MISSING, ReportOptions, ScoreStats};
use custos_fairness::{Confusion, Favorable, confusion_by_group, pooled};
use custos_tabular::{Array as _, TableReader};

use crate::cmd::pii::{open_output, progress};

use super::{AuditArgs, AuditFormat};

/// Largest dense group table (product of the attributes' distinct values) before falling back
/// to hashing.
const DENSE_CELLS: usize = 1 << 20;

/// The mixed-radix code of attribute ids under the given cardinalities.
fn mixed_radix(ids: impl Iterator<Item = u32>, cards: &[usize]) -> usize {
    ids.zip(cards).fold(0usize, |code, (id, card)| code * card + id as usize)
}

/// Everything an audit needs, accumulated batch by batch in memory proportional to the number
/// of groups (plus one (score, label) pair per row for the exact ROC AUC unless streaming).
struct Accumulated {
    rows: u64,
    /// Combination groups: the attribute values, in first-seen order.
    groups: Vec<Vec<String>>,
    counts: Vec<Confusion>,
    scores: Vec<ScoreStats>,
    has_score: bool,
}

fn accumulate(args: &AuditArgs) -> anyhow::Result<Accumulated> {
    let reader = TableReader::open_with(&args.data.input, 65_536, true)?;
    let schema = reader.schema();
    let mut needed: Vec<&str> = args.data.sensitive.iter().map(String::as_str).collect();
    needed.push(&args.data.y_true);
    needed.push(&args.y_pred);
    if let Some(s) = &args.score {
        needed.push(s);
    }
    for name in &needed {
        if schema.field_with_name(name).is_err() {
            bail!(
                "no column {name:?} in {} (columns: {})",
                args.data.input.display(),
                schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let favorable = Favorable::new(&args.data.favorable);
    let mut acc = Accumulated { rows: 0, groups: Vec::new(), counts: Vec::new(), scores: Vec::new(), has_score: args.score.is_some() };
    // Attribute value -> id per attribute, and combination of ids -> group.
    let mut value_ids: Vec<rustc_hash::FxHashMap<String, u32>> = vec![rustc_hash::FxHashMap::default(); args.data.sensitive.len()];
    let mut attribute_values: Vec<Vec<String>> = vec![Vec::new(); args.data.sensitive.len()];
    if args.data.sensitive.len() > 4 {
        bail!("at most 4 sensitive attributes (combinations of more are too sparse to audit)");
    }
    let mut group_of: rustc_hash::FxHashMap<u128, u32> = rustc_hash::FxHashMap::default();
    let mut group_ids: Vec<Vec<u32>> = Vec::new();
    let mut dense: (Vec<usize>, Vec<u32>) = (Vec::new(), Vec::new());
    let bar = progress(None);
    let (mut decode, mut count) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut reader = reader;
    loop {
        let started = std::time::Instant::now();
        let Some(batch) = reader.next() else { break };
        let batch = batch?;
        decode += started.elapsed();
        let started = std::time::Instant::now();
        let column = |name: &str| batch.column_by_name(name).with_context(|| format!("column {name} vanished"));
        let sensitive: Vec<custos_tabular::StringArray> = args
            .data
            .sensitive
            .iter()
            .map(|s| {
                let array = column(s)?;
                if matches!(array.data_type(), custos_tabular::DataType::Dictionary(_, _)) {
                    return Ok(custos_tabular::StringArray::from(Vec::<Option<&str>>::new()));
                }
                Ok(custos_tabular::column_as_strings(array.as_ref())?)
            })
            .collect::<anyhow::Result<_>>()?;
        let y_true = labels(column(&args.data.y_true)?.as_ref(), &favorable, &args.data.y_true)?;
        let y_pred = labels(column(&args.y_pred)?.as_ref(), &favorable, &args.y_pred)?;
        let score = match &args.score {
            Some(name) => {
                let values =
                    custos_tabular::column_as_f64(column(name)?.as_ref()).with_context(|| format!("column {name} is not numeric"))?;
                if values.null_count() > 0 || values.values().iter().any(|s| !(0.0..=1.0).contains(s)) {
                    bail!("column {name} must hold numbers between 0 and 1 in every row");
                }
                Some(values)
            }
            None => None,
        };
        // Attribute ids per row: dictionary columns map their few distinct values once per
        // batch; plain text columns look each row's value up.
        let n = batch.num_rows();
        let mut attr_ids: Vec<Vec<u32>> = Vec::with_capacity(args.data.sensitive.len());
        for (a, name) in args.data.sensitive.iter().enumerate() {
            let array = column(name)?;
            let mut intern = |v: &str| -> u32 {
                match value_ids[a].get(v) {
                    Some(id) => *id,
                    None => {
                        let id = attribute_values[a].len() as u32;
                        value_ids[a].insert(v.to_owned(), id);
                        attribute_values[a].push(v.to_owned());
                        id
                    }
                }
            };
            let ids: Vec<u32> = match custos_tabular::dictionary_codes(array.as_ref()) {
                Some((codes, values)) => {
                    let lut: Vec<u32> =
                        (0..values.len()).map(|k| intern(if values.is_null(k) { MISSING } else { values.value(k) })).collect();
                    let missing = intern(MISSING);
                    codes.iter().map(|&k| if k == usize::MAX { missing } else { lut[k] }).collect()
                }
                None => {
                    let strings = &sensitive[a];
                    (0..n).map(|i| intern(if strings.is_null(i) { MISSING } else { strings.value(i) })).collect()
                }
            };
            attr_ids.push(ids);
        }
        // Combination groups. With few distinct values (the usual case) a dense table indexed by
        // the mixed-radix code of the attribute ids; otherwise a hash of the packed ids.
        let cards: Vec<usize> = attribute_values.iter().map(Vec::len).collect();
        let cells: usize = cards.iter().product();
        let mut row_groups = Vec::with_capacity(n);
        // Groups are refused as they appear past the limit, before they take memory.
        let too_many = || {
            anyhow::anyhow!(
                "more than {} groups by {} (audit fewer attributes at once, or bin their values)",
                custos_fairness::report::MAX_GROUPS,
                args.data.sensitive.join(" x ")
            )
        };
        let new_group = |ids_of_row: Vec<u32>, acc: &mut Accumulated, group_ids: &mut Vec<Vec<u32>>| -> anyhow::Result<u32> {
            let g = acc.groups.len() as u32;
            if acc.groups.len() >= custos_fairness::report::MAX_GROUPS {
                return Err(too_many());
            }
            acc.groups.push(ids_of_row.iter().enumerate().map(|(a, id)| attribute_values[a][*id as usize].clone()).collect());
            acc.counts.push(Confusion::default());
            acc.scores.push(ScoreStats::default());
            group_ids.push(ids_of_row);
            Ok(g)
        };
        if cells <= DENSE_CELLS {
            if dense.0 != cards {
                // The cardinalities grew: re-place the known groups in a table of the new shape.
                dense = (cards.clone(), vec![u32::MAX; cells]);
                for (g, ids) in group_ids.iter().enumerate() {
                    dense.1[mixed_radix(ids.iter().copied(), &cards)] = g as u32;
                }
            }
            for i in 0..n {
                let code = mixed_radix(attr_ids.iter().map(|ids| ids[i]), &cards);
                let mut g = dense.1[code];
                if g == u32::MAX {
                    g = new_group(attr_ids.iter().map(|ids| ids[i]).collect(), &mut acc, &mut group_ids)?;
                    dense.1[code] = g;
                    let key = attr_ids.iter().fold(0u128, |k, ids| (k << 32) | u128::from(ids[i]));
                    group_of.insert(key, g);
                }
                row_groups.push(g);
            }
        } else {
            for i in 0..n {
                let key = attr_ids.iter().fold(0u128, |k, ids| (k << 32) | u128::from(ids[i]));
                let g = match group_of.get(&key) {
                    Some(g) => *g,
                    None => {
                        let g = new_group(attr_ids.iter().map(|ids| ids[i]).collect(), &mut acc, &mut group_ids)?;
                        group_of.insert(key, g);
                        g
                    }
                };
                row_groups.push(g);
            }
        }
        let batch_counts = confusion_by_group(&row_groups, &y_true, &y_pred, acc.groups.len())?;
        for (total, c) in acc.counts.iter_mut().zip(&batch_counts) {
            *total = pooled([&*total, c]);
        }
        if let Some(values) = &score {
            if !args.streaming {
                // The exact ROC AUC keeps every (score, label) pair; ask for the memory first so
                // that running out is an error with advice, not an abort.
                let mut per_group = vec![0usize; acc.scores.len()];
                for g in &row_groups {
                    per_group[*g as usize] += 1;
                }
                for (stats, n) in acc.scores.iter_mut().zip(per_group) {
                    if stats.try_reserve(n).is_err() {
                        bail!(
                            "not enough memory to keep every score for the exact ROC AUC after {} rows; run with --streaming (binned ROC AUC, constant memory)",
                            acc.rows
                        );
                    }
                }
            }
            for ((g, s), t) in row_groups.iter().zip(values.values().iter()).zip(&y_true) {
                acc.scores[*g as usize].add(*s, *t, args.streaming);
            }
        }
        acc.rows += batch.num_rows() as u64;
        bar.inc(batch.num_rows() as u64);
        count += started.elapsed();
    }
    bar.finish_and_clear();
    if args.timings {
        eprintln!("timings: decode {:.3} s, group and count {:.3} s ({} rows)", decode.as_secs_f64(), count.as_secs_f64(), acc.rows);
    }
    if acc.rows == 0 {
        bail!("{} has no rows", args.data.input.display());
    }
    Ok(acc)
}

pub(super) fn audit(args: AuditArgs) -> anyhow::Result<()> {
    let acc = accumulate(&args)?;
    let reference = args
        .reference_group
        .as_deref()
        .map(|spec| Ok::<_, anyhow::Error>((spec.to_owned(), parse_reference(spec, &args.data.sensitive)?)))
        .transpose()?;
    let options = ReportOptions {
        min_group_size: args.min_group_size,
        bootstrap: args.bootstrap as usize,
        seed: args.seed,
        has_score: acc.has_score,
        streaming: args.streaming,
        reference,
    };
    let rows = acc.rows;
    let mut tallies: Vec<GroupTally> = acc
        .groups
        .into_iter()
        .zip(acc.counts)
        .zip(acc.scores)
        .map(|((key, c), scores)| GroupTally { key, labelled: c, unlabelled: (0, 0), scores })
        .collect();
    let report = report::build(&args.data.sensitive, &mut tallies, &options).map_err(|e| match e {
        report::ReportError::NoReferenceRows(spec) => anyhow::anyhow!("--reference-group {spec}: no rows have those values"),
        other => anyhow::anyhow!(other),
    })?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let mut out = open_output(args.output.as_deref())?;
    match args.format {
        AuditFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        AuditFormat::Html => {
            let digest = file_sha256(&args.data.input)?;
            let command = std::env::args().collect::<Vec<_>>().join(" ");
            let input = args.data.input.display().to_string();
            let provenance = [("Input", input.as_str()), ("SHA-256", digest.as_str()), ("Produced by", command.as_str())];
            out.write_all(custos_web::fairness_report_file(&report, &provenance)?.as_bytes())?;
        }
        AuditFormat::Table => {
            writeln!(out, "{} rows; groups by {}", rows, args.data.sensitive.join(" x "))?;
            writeln!(out, "{:<32} {:>8} {:>9} {:>9} {:>9} {:>9}", "group", "count", "selected", "TPR", "FPR", "accuracy")?;
            let num = |v: Option<f64>| v.unwrap_or(f64::NAN);
            for g in &report.by_group {
                let key: Vec<&str> = args.data.sensitive.iter().map(|a| g.group.get(a).map_or("", String::as_str)).collect();
                let m = &g.metrics;
                writeln!(
                    out,
                    "{:<32} {:>8} {:>9.4} {:>9.4} {:>9.4} {:>9.4}",
                    key.join(", "),
                    m.count,
                    m.selection_rate,
                    m.true_positive_rate,
                    m.false_positive_rate,
                    m.accuracy
                )?;
            }
            let d = &report.disparities;
            writeln!(
                out,
                "demographic parity difference {:.4}, ratio {:.4}",
                num(d.demographic_parity_difference),
                num(d.demographic_parity_ratio)
            )?;
            writeln!(out, "equalized odds difference {:.4}, ratio {:.4}", num(d.equalized_odds_difference), num(d.equalized_odds_ratio))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Parses `attr=value[,attr=value]` against the sensitive attributes.
pub(super) fn parse_reference(spec: &str, sensitive: &[String]) -> anyhow::Result<Vec<(usize, String)>> {
    spec.split(',')
        .map(|part| {
            let (attr, value) = part.split_once('=').with_context(|| format!("--reference-group {spec:?}: expected ATTRIBUTE=VALUE"))?;
            let idx = sensitive
                .iter()
                .position(|s| s == attr.trim())
                .with_context(|| format!("--reference-group: {attr} is not one of --sensitive"))?;
            Ok((idx, value.trim().to_owned()))
        })
        .collect()
}

/// The SHA-256 of a file, hex, read in blocks.
pub(super) fn file_sha256(path: &std::path::Path) -> anyhow::Result<String> {
    use sha2::{Digest as _, Sha256};
    let mut file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(data_encoding::HEXLOWER.encode(&hasher.finalize()))
}
