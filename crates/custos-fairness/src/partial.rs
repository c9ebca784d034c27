//! An audit as a mergeable partial aggregate: per group (combination of sensitive values) its
//! confusion counts and score statistics. Parts of a table (batches, files, Spark partitions)
//! are counted apart ([`AuditPartial::add_rows`]), combined with [`AuditPartial::merge`]
//! (sums of counts; exact score pairs concatenated, histograms summed) and turned into the
//! report with [`AuditPartial::finish`], the same [`report::build`] the CLI and the server
//! use. Everything computed from counts is therefore identical however the rows were split;
//! groups keep the order in which they were first seen, so partials merged in the table's
//! order list them as one pass would.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::report::{self, FairnessReport, GroupTally, MISSING, ReportError, ReportOptions};
use crate::{Confusion, FairnessError};

/// The partial aggregate of a fairness audit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPartial {
    /// The sensitive attributes, in key order.
    pub sensitive: Vec<String>,
    /// Whether rows carry a score.
    pub has_score: bool,
    /// Whether scores are kept as histograms (constant memory) instead of exact pairs.
    pub streaming: bool,
    /// Rows counted.
    pub rows: u64,
    /// One tally per group, in first-seen order.
    pub groups: Vec<GroupTally>,
    #[serde(skip)]
    index: HashMap<Vec<String>, usize>,
}

/// Why rows or partials were refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PartialError {
    /// Partials of audits with different attributes or score settings.
    #[error("cannot merge audits of different shapes: {0}")]
    Shape(String),
    /// Columns of different lengths (or a score column where none was declared).
    #[error(transparent)]
    Rows(#[from] FairnessError),
    /// A score outside [0, 1] or not a number.
    #[error("score {0} at row {1} is not between 0 and 1")]
    Score(f64, usize),
    /// More groups than an audit reads.
    #[error("more than {max} groups by {attributes} (audit fewer attributes at once, or bin their values)")]
    TooManyGroups {
        /// The limit.
        max: usize,
        /// The attributes, joined.
        attributes: String,
    },
}

impl AuditPartial {
    /// An empty partial for groups by `sensitive`.
    pub fn new(sensitive: Vec<String>, has_score: bool, streaming: bool) -> Self {
        Self { sensitive, has_score, streaming, ..Self::default() }
    }

    fn group(&mut self, key: Vec<String>) -> Result<usize, PartialError> {
        if self.index.len() != self.groups.len() {
            self.index = self.groups.iter().enumerate().map(|(i, g)| (g.key.clone(), i)).collect();
        }
        if let Some(g) = self.index.get(&key) {
            return Ok(*g);
        }
        if self.groups.len() >= report::MAX_GROUPS {
            return Err(PartialError::TooManyGroups { max: report::MAX_GROUPS, attributes: self.sensitive.join(" x ") });
        }
        self.groups.push(GroupTally { key: key.clone(), ..GroupTally::default() });
        self.index.insert(key, self.groups.len() - 1);
        Ok(self.groups.len() - 1)
    }

    /// Counts rows: `attributes[a][i]` is row `i`'s value of attribute `a` (`None` when
    /// missing), with its actual outcome, decision and score (favourable = `true`).
    pub fn add_rows(
        &mut self,
        attributes: &[Vec<Option<&str>>],
        y_true: &[bool],
        y_pred: &[bool],
        score: Option<&[f64]>,
    ) -> Result<(), PartialError> {
        let n = y_true.len();
        if attributes.len() != self.sensitive.len()
            || attributes.iter().any(|a| a.len() != n)
            || y_pred.len() != n
            || score.is_some_and(|s| s.len() != n)
            || score.is_some() != self.has_score
        {
            return Err(PartialError::Rows(FairnessError::LengthMismatch(format!(
                "{} attribute columns for {} attributes, y_true {n}, y_pred {}, score {}",
                attributes.len(),
                self.sensitive.len(),
                y_pred.len(),
                score.map_or("none".to_owned(), |s| s.len().to_string())
            ))));
        }
        if let Some((i, s)) = score.and_then(|s| s.iter().enumerate().find(|(_, v)| !(0.0..=1.0).contains(*v))) {
            return Err(PartialError::Score(*s, i));
        }
        // Rows of one group in a batch usually repeat a few keys: look each distinct key up once.
        let mut seen: HashMap<Vec<&str>, usize> = HashMap::new();
        for i in 0..n {
            let key: Vec<&str> = attributes.iter().map(|a| a[i].unwrap_or(MISSING)).collect();
            let g = match seen.get(&key) {
                Some(g) => *g,
                None => {
                    let g = self.group(key.iter().map(|s| (*s).to_owned()).collect())?;
                    seen.insert(key, g);
                    g
                }
            };
            let tally = &mut self.groups[g];
            let c = &mut tally.labelled;
            match (y_true[i], y_pred[i]) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (false, false) => c.tn += 1,
                (true, false) => c.fn_ += 1,
            }
            if let Some(s) = score {
                tally.scores.add(s[i], y_true[i], self.streaming);
            }
        }
        self.rows += n as u64;
        Ok(())
    }

    /// Adds `other` (a partial of another part of the same table) to this one.
    pub fn merge(&mut self, other: &AuditPartial) -> Result<(), PartialError> {
        if self.sensitive != other.sensitive || self.has_score != other.has_score || self.streaming != other.streaming {
            return Err(PartialError::Shape(format!(
                "groups by {:?} (scores {}, streaming {}) and by {:?} (scores {}, streaming {})",
                self.sensitive, self.has_score, self.streaming, other.sensitive, other.has_score, other.streaming
            )));
        }
        for t in &other.groups {
            let g = self.group(t.key.clone())?;
            let mine = &mut self.groups[g];
            mine.labelled = crate::pooled([&mine.labelled, &t.labelled]);
            mine.unlabelled.0 += t.unlabelled.0;
            mine.unlabelled.1 += t.unlabelled.1;
            mine.scores.merge(&t.scores);
        }
        self.rows += other.rows;
        Ok(())
    }

    /// The report, as `custos fairness audit` computes it (`options.has_score` and
    /// `options.streaming` are taken from the partial).
    pub fn finish(&self, options: &ReportOptions) -> Result<FairnessReport, ReportError> {
        let mut tallies = self.groups.clone();
        let options = ReportOptions { has_score: self.has_score, streaming: self.streaming, ..options.clone() };
        report::build(&self.sensitive, &mut tallies, &options)
    }

    /// Total confusion counts per group key (for callers that only need counts).
    pub fn counts(&self) -> impl Iterator<Item = (&[String], &Confusion)> {
        self.groups.iter().map(|g| (g.key.as_slice(), &g.labelled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = (Vec<Vec<Option<&'static str>>>, Vec<bool>, Vec<bool>, Vec<f64>);

    fn rows(n: usize) -> Rows {
        let sex = (0..n).map(|i| Some(if i % 3 == 0 { "f" } else { "m" })).collect();
        let age = (0..n).map(|i| if i % 11 == 0 { None } else { Some(if i % 2 == 0 { "young" } else { "old" }) }).collect();
        let y_true = (0..n).map(|i| i % 5 < 2).collect();
        let y_pred = (0..n).map(|i| i % 7 < 3).collect();
        let score = (0..n).map(|i| (i * 37 % 101) as f64 / 100.0).collect();
        (vec![sex, age], y_true, y_pred, score)
    }

    fn options() -> ReportOptions {
        ReportOptions { min_group_size: 5, bootstrap: 0, seed: 1, has_score: true, streaming: false, reference: None }
    }

    #[test]
    fn merged_partials_give_the_one_pass_report() {
        let (attrs, t, p, s) = rows(500);
        let names = vec!["sex".to_owned(), "age".to_owned()];
        let mut whole = AuditPartial::new(names.clone(), true, false);
        whole.add_rows(&attrs, &t, &p, Some(&s)).expect("valid rows");
        let mut merged = AuditPartial::new(names.clone(), true, false);
        for (from, to) in [(0, 130), (130, 131), (131, 500)] {
            let part: Vec<Vec<Option<&str>>> = attrs.iter().map(|a| a[from..to].to_vec()).collect();
            let mut partial = AuditPartial::new(names.clone(), true, false);
            partial.add_rows(&part, &t[from..to], &p[from..to], Some(&s[from..to])).expect("valid rows");
            let wire = serde_json::to_string(&partial).expect("serializes");
            merged.merge(&serde_json::from_str(&wire).expect("deserializes")).expect("same shape");
        }
        assert_eq!(merged.rows, 500);
        let a = serde_json::to_value(whole.finish(&options()).expect("report")).expect("json");
        let b = serde_json::to_value(merged.finish(&options()).expect("report")).expect("json");
        // Counts and everything computed from counts are equal; sums of scores (mean score,
        // calibration) are added in another order, so they agree to rounding.
        assert_close(&a, &b, "");
        assert_eq!(
            a["by_group"].as_array().map(|g| g.iter().map(|x| x["count"].clone()).collect::<Vec<_>>()),
            b["by_group"].as_array().map(|g| g.iter().map(|x| x["count"].clone()).collect::<Vec<_>>())
        );
        assert!(a["by_group"].as_array().is_some_and(|g| g.len() == 6), "2 sexes x (2 ages + missing)");
    }

    fn assert_close(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
        use serde_json::Value;
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "keys at {at}");
                for (k, v) in x {
                    assert_close(v, &y[k], &format!("{at}.{k}"));
                }
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "length at {at}");
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    assert_close(v, w, &format!("{at}[{i}]"));
                }
            }
            (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
                let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
                assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{at}: {x} vs {y}");
            }
            _ => assert_eq!(a, b, "at {at}"),
        }
    }

    #[test]
    fn bad_rows_and_shapes_are_refused_without_change() {
        let (attrs, t, p, s) = rows(10);
        let mut a = AuditPartial::new(vec!["sex".into(), "age".into()], true, false);
        assert!(a.add_rows(&attrs, &t[..9], &p, Some(&s)).is_err());
        let mut bad = s.clone();
        bad[4] = 1.5;
        assert_eq!(a.add_rows(&attrs, &t, &p, Some(&bad)), Err(PartialError::Score(1.5, 4)));
        assert_eq!(a.rows, 0);
        assert!(a.groups.is_empty());
        let b = AuditPartial::new(vec!["sex".into()], true, false);
        assert!(matches!(a.merge(&b), Err(PartialError::Shape(_))));
    }
}
