//! Accuracy regression on the labeled corpus (`testdata/pii/corpus.jsonl`, both splits): the
//! analyzer with its defaults, scored as `testdata/pii/score.py` scores (overlap match, one
//! to one, greedy by overlap length), must keep micro F1 above a floor, every well-represented
//! type above its own, and flag none of the corpus's look-alike negatives (order numbers,
//! tracking codes, invalid-checksum cards, ...). The floors sit just under the figures in
//! `docs/BENCHMARKS.md`, so a change that costs accuracy fails CI instead of slipping by.
//!
//! Three corpora: `corpus.jsonl`, which shares its sources with what the rules were tuned on;
//! `heldout/heldout.jsonl`, built from other templates, Faker locales and names and frozen
//! before any tuning against it; and `third/third.jsonl`, made by Presidio's own evaluation
//! generator (presidio-evaluator), measured and never tuned on; and
//! `handwritten/handwritten.jsonl`, 420 items written by hand, frozen before its first
//! measurement and never tuned on. All catch regressions; none is the held-out corpus that
//! decides (see `docs/BENCHMARKS.md`). One more file, `phones/phones.jsonl`, is the
//! development set phone numbers were tuned on.
//!
//! Two labeling conventions of `corpus.jsonl` are older than the engine's: it marks relative
//! dates (`last week`, `tomorrow`) as look-alike negatives and leaves nationality words outside
//! descriptions of people (`a Swedish agency`) unlabeled. Presidio's held-out evaluation counts
//! both as personal data (DATE_TIME, NRP), and so does the engine now: on that corpus the
//! negatives check skips `RELATIVE_DATE`, and NRP has its own floor.

use std::collections::{BTreeMap, HashMap};

use custos_pii::{AnalyzeOptions, Analyzer, offsets};
use serde_json::Value;

/// F1 every type with at least [`MIN_SPANS`] gold spans keeps, unless [`floors`] names it.
const TYPE_F1_FLOOR: f64 = 0.80;
const MIN_SPANS: usize = 30;

/// Greedy one-to-one overlap matching, as `score.py`'s `match_overlap`.
fn matched(gold: &[(usize, usize)], pred: &[(usize, usize)]) -> usize {
    let mut pairs = Vec::new();
    for (gi, &(gs, ge)) in gold.iter().enumerate() {
        for (pi, &(ps, pe)) in pred.iter().enumerate() {
            let ov = ge.min(pe) as i64 - gs.max(ps) as i64;
            if ov > 0 {
                pairs.push((-ov, gs, ps, gi, pi));
            }
        }
    }
    pairs.sort_unstable();
    let (mut used_g, mut used_p, mut tp) = (vec![false; gold.len()], vec![false; pred.len()], 0);
    for (_, _, _, gi, pi) in pairs {
        if !used_g[gi] && !used_p[pi] {
            used_g[gi] = true;
            used_p[pi] = true;
            tp += 1;
        }
    }
    tp
}

fn f1(tp: usize, predicted: usize, gold: usize) -> f64 {
    let p = if predicted == 0 { 0.0 } else { tp as f64 / predicted as f64 };
    let r = if gold == 0 { 0.0 } else { tp as f64 / gold as f64 };
    if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
}

/// Scores the analyzer on one corpus and checks its floors: the micro F1, a floor per type
/// (`type_floors`, else [`TYPE_F1_FLOOR`]), and the look-alike negatives (none flagged, except
/// the kinds in `skip_negatives`).
fn check(file: &str, micro_floor: f64, type_floors: &[(&str, f64)], skip_negatives: &[&str]) {
    check_types(file, None, micro_floor, type_floors, skip_negatives);
}

/// [`check`], scoring only the type `only` when given (a corpus labeled for one type).
fn check_types(file: &str, only: Option<&str>, micro_floor: f64, type_floors: &[(&str, f64)], skip_negatives: &[&str]) {
    let path = format!("{}/../../testdata/pii/{file}", env!("CARGO_MANIFEST_DIR"));
    let corpus = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let analyzer = Analyzer::default();
    let options = AnalyzeOptions::default();
    // type -> (true positives, predicted, gold)
    let mut tally: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let (mut sentences, mut negatives, mut flagged) = (0, 0, Vec::new());
    for line in corpus.lines().filter(|l| !l.trim().is_empty()) {
        let doc: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("corpus line: {e}"));
        let text = doc["text"].as_str().unwrap_or_default();
        sentences += 1;
        let findings = analyzer.analyze(text, &options);
        let mut spans: Vec<(usize, usize)> = findings.iter().map(|f| (f.start, f.end)).collect();
        {
            let mut refs: Vec<&mut usize> = spans.iter_mut().flat_map(|(s, e)| [s, e]).collect();
            offsets::bytes_to_code_points(text, &mut refs);
        }
        // Spans of types the engine does not report (the third corpus's street addresses,
        // titles, ages): findings inside them count neither way, as `filter_pred.py` does.
        let ignored: Vec<(usize, usize)> = doc["ignore"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| (s["start"].as_u64().unwrap_or(0) as usize, s["end"].as_u64().unwrap_or(0) as usize))
            .collect();
        let mut pred: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (f, span) in findings.iter().zip(&spans).filter(|(_, (s, e))| !ignored.iter().any(|(a, b)| s < b && a < e)) {
            let list = pred.entry(&f.entity_type).or_default();
            if !list.contains(span) {
                list.push(*span);
            }
        }
        let mut gold: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for s in doc["spans"].as_array().into_iter().flatten() {
            let span = (s["start"].as_u64().unwrap_or(0) as usize, s["end"].as_u64().unwrap_or(0) as usize);
            gold.entry(s["type"].as_str().unwrap_or_default().to_owned()).or_default().push(span);
        }
        let types: std::collections::BTreeSet<String> = gold.keys().cloned().chain(pred.keys().map(|k| (*k).to_owned())).collect();
        for t in types.into_iter().filter(|t| only.is_none_or(|o| o == t)) {
            let g = gold.get(&t).cloned().unwrap_or_default();
            let p = pred.get(t.as_str()).cloned().unwrap_or_default();
            let e = tally.entry(t).or_default();
            e.0 += matched(&g, &p);
            e.1 += p.len();
            e.2 += g.len();
        }
        for n in doc["neg"].as_array().into_iter().flatten() {
            if skip_negatives.contains(&n["kind"].as_str().unwrap_or_default()) {
                continue;
            }
            negatives += 1;
            let (ns, ne) = (n["start"].as_u64().unwrap_or(0) as usize, n["end"].as_u64().unwrap_or(0) as usize);
            if let Some(((s, e), f)) = spans.iter().zip(&findings).find(|((s, e), _)| *s < ne && ns < *e) {
                flagged.push(format!("{} {}..{} as {} in {:?}", n["kind"], s, e, f.entity_type, doc["id"]));
            }
        }
    }
    let min_negatives = if file.starts_with("third/") || file.starts_with("handwritten/") { 0 } else { 250 };
    let min_sentences = if file.starts_with("handwritten/") { 420 } else { 1_500 };
    assert!(sentences >= min_sentences && negatives >= min_negatives, "{file} is whole: {sentences} sentences, {negatives} negatives");
    let (tp, predicted, gold) = tally.values().fold((0, 0, 0), |a, v| (a.0 + v.0, a.1 + v.1, a.2 + v.2));
    let micro = f1(tp, predicted, gold);
    let report: Vec<String> =
        tally.iter().map(|(t, &(tp, p, g))| format!("{t}: F1 {:.3} ({tp} of {g} found, {p} predicted)", f1(tp, p, g))).collect();
    eprintln!("{file}: micro F1 {micro:.4}\n{}", report.join("\n"));
    assert!(micro >= micro_floor, "{file}: micro F1 {micro:.4} fell below {micro_floor}:\n{}", report.join("\n"));
    for (t, &(tp, p, g)) in &tally {
        let floor = type_floors.iter().find(|(n, _)| n == t).map_or(TYPE_F1_FLOOR, |f| f.1);
        if g >= MIN_SPANS {
            assert!(f1(tp, p, g) >= floor, "{file}: {t}: F1 {:.3} fell below {floor}", f1(tp, p, g));
        }
    }
    assert!(flagged.is_empty(), "{file}: look-alike negatives flagged: {flagged:?}");
}

#[test]
fn accuracy_on_the_first_corpus_stays_above_its_floors() {
    // Measured 0.961 micro (NRP 0.61: nationality words outside descriptions of people are
    // unlabeled there) when the floors were last raised (2026-12-05; 0.953 before).
    check("corpus.jsonl", 0.958, &[("NRP", 0.55)], &["RELATIVE_DATE"]);
}

#[test]
fn accuracy_on_the_second_corpus_stays_above_its_floors() {
    // Measured 0.891 micro (PERSON 0.87, LOCATION 0.78, ORGANIZATION 0.62, PHONE_NUMBER 0.93)
    // when the floors were last raised (2026-12-05, evening); 0.637 before the rules for
    // unknown names, places, dates and phones, 0.871 and 0.888 before that day's two rounds.
    check("heldout/heldout.jsonl", 0.886, &[("LOCATION", 0.76), ("ORGANIZATION", 0.60), ("PERSON", 0.85)], &[]);
}

#[test]
fn accuracy_on_the_third_corpus_stays_above_its_floors() {
    // `third/third.jsonl`: Presidio's own evaluation generator (presidio-evaluator 0.3.2),
    // measured, never tuned on. Measured 0.798 micro (PERSON 0.78, LOCATION 0.76, NRP 0.63,
    // PHONE_NUMBER 0.68, DATE_TIME 0.74, ORGANIZATION 0.80, CREDIT_CARD 1.0) when the floor
    // was last raised (0.778 when it was set); Presidio's best single configuration 0.621.
    check(
        "third/third.jsonl",
        0.790,
        &[("PERSON", 0.75), ("LOCATION", 0.73), ("NRP", 0.60), ("PHONE_NUMBER", 0.64), ("DATE_TIME", 0.70), ("ORGANIZATION", 0.77)],
        &[],
    );
}

#[test]
fn accuracy_on_the_handwritten_set_stays_above_its_floors() {
    // `handwritten/handwritten.jsonl`: 420 items written by hand for custos (chat, e-mail,
    // address blocks, minutes, SMS, ...), frozen and hashed before its first measurement,
    // never tuned on. Measured 0.798 micro (PERSON 0.78, LOCATION 0.83, ORGANIZATION 0.56,
    // DATE_TIME 0.83, PHONE_NUMBER 0.99, NRP 0.96) at its first measurement; Presidio with
    // spaCy 0.605 on the same items.
    check(
        "handwritten/handwritten.jsonl",
        0.785,
        &[("PERSON", 0.75), ("LOCATION", 0.80), ("ORGANIZATION", 0.52), ("DATE_TIME", 0.80), ("NRP", 0.90)],
        &[],
    );
}

#[test]
fn phone_numbers_of_every_region_are_read_with_their_context() {
    // `phones/phones.jsonl`: libphonenumber's example numbers of every region, varied, written
    // nationally and internationally, with and without a context word; plus order, invoice and
    // tracking numbers. Measured PHONE_NUMBER F1 0.941 (recall 0.888, precision 1.0; 0.705
    // recall and 53 look-alikes flagged before national lengths of every region, telephone
    // lines and reference words were read) when the floor was set.
    check_types("phones/phones.jsonl", Some("PHONE_NUMBER"), 0.93, &[], &[]);
}
