//! The figure: a k-anonymity check (with l-diversity and t-closeness of one sensitive
//! attribute) of 10,000,000 rows x 8 quasi-identifiers, timed in process. The table is
//! generated (a fixed linear congruential sequence): cardinalities 2 to 90 like age bands,
//! regions, genders and postal prefixes; a numeric sensitive attribute.
//!
//! `cargo run --release -p custos-anon --example check_rate [rows]`, or with `--csv FILE` a
//! numeric CSV whose first 8 columns are the quasi-identifiers (`bench/anon.sh` writes one and
//! times pycanon on it); the time printed is the check's, after reading.

use std::time::Instant;

use custos_anon::{CheckOptions, Column, Table, check};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--csv") {
        return from_csv(args.get(2).expect("a CSV path"));
    }
    let rows: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let cardinalities = [90u64, 2, 3, 12, 20, 5, 50, 7];
    let built = Instant::now();
    let mut table = Table::new();
    for (i, &c) in cardinalities.iter().enumerate() {
        let values: Vec<f64> = (0..rows).map(|_| (next() % c) as f64).collect();
        table.push(format!("q{i}"), Column::Numeric(values)).expect("column");
    }
    let spend: Vec<f64> = (0..rows).map(|_| (next() % 1000) as f64).collect();
    table.push("spend", Column::Numeric(spend)).expect("column");
    let quasi: Vec<String> = (0..cardinalities.len()).map(|i| format!("q{i}")).collect();
    let quasi: Vec<&str> = quasi.iter().map(String::as_str).collect();
    eprintln!("generated {rows} rows in {:.1} s", built.elapsed().as_secs_f64());
    let started = Instant::now();
    let report = check(&table, &quasi, &["spend"], &CheckOptions::default()).expect("check");
    let took = started.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {rows}, \"quasi_identifiers\": {}, \"classes\": {}, \"k\": {}, \"t\": {:.4}, \"seconds\": {took:.2}}}",
        quasi.len(),
        report.classes,
        report.k,
        report.sensitive[0].t
    );
}

/// Checks a numeric CSV's first 8 columns as quasi-identifiers (k only: no sensitive attribute,
/// as pycanon's `k_anonymity` computes).
fn from_csv(path: &str) {
    let text = std::fs::read_to_string(path).expect("read the CSV");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').take(8).collect();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); header.len()];
    for line in lines {
        for (i, cell) in line.split(',').take(header.len()).enumerate() {
            columns[i].push(cell.parse().expect("a number"));
        }
    }
    let mut table = Table::new();
    for (name, values) in header.iter().zip(columns) {
        table.push(*name, Column::Numeric(values)).expect("column");
    }
    let started = Instant::now();
    let report = check(&table, &header, &[], &CheckOptions::default()).expect("check");
    println!(
        "{{\"rows\": {}, \"quasi_identifiers\": {}, \"classes\": {}, \"k\": {}, \"seconds\": {:.3}}}",
        report.rows,
        header.len(),
        report.classes,
        report.k,
        started.elapsed().as_secs_f64()
    );
}
