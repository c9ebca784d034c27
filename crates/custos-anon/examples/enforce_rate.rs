//! The enforcement figure: the least-loss generalization meeting k = 10 with at most
//! 1 % of rows suppressed, on a generated table of 1,000,000 rows x 8 quasi-identifiers, each
//! with a 4-level hierarchy (the value, two nested interval widths, withheld): a lattice of
//! 4^8 = 65,536 nodes. The table is a fixed linear congruential sequence with cardinalities of
//! age, region, gender, income, children, month, postal area and tenure, so nearly every row is
//! unique at the bottom of the lattice.
//!
//! `cargo run --release -p custos-anon --example enforce_rate [rows] [k] [t]`: with t, a
//! numeric sensitive attribute (0-999) must also be t-close, with the same 1 % suppression
//! limit (the search's non-monotone path).

use std::time::Instant;

use custos_anon::enforce::{Hierarchy, Sensitive, Target, search};
use custos_anon::{Column, Table};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let k: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10);
    let t: Option<f64> = args.get(3).and_then(|a| a.parse().ok());
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    // (cardinality, offset, the two interval widths)
    let columns: [(u64, u64, [f64; 2]); 8] = [
        (73, 18, [5.0, 20.0]),
        (400, 0, [10.0, 100.0]),
        (3, 0, [2.0, 4.0]),
        (200, 0, [10.0, 50.0]),
        (7, 0, [2.0, 4.0]),
        (12, 1, [3.0, 6.0]),
        (1000, 0, [10.0, 100.0]),
        (40, 0, [5.0, 20.0]),
    ];
    let mut table = Table::new();
    for (i, (card, offset, _)) in columns.iter().enumerate() {
        let values: Vec<f64> = (0..rows).map(|_| (next() % card + offset) as f64).collect();
        table.push(format!("q{i}"), Column::Numeric(values)).expect("column");
    }
    if t.is_some() {
        let spend: Vec<f64> = (0..rows).map(|_| (next() % 1000) as f64).collect();
        table.push("spend", Column::Numeric(spend)).expect("column");
    }
    let names: Vec<String> = (0..columns.len()).map(|i| format!("q{i}")).collect();
    let quasi: Vec<(&str, Hierarchy)> =
        names.iter().zip(&columns).map(|(n, (_, _, w))| (n.as_str(), Hierarchy::Intervals(w.to_vec()))).collect();
    let sensitive = t.map(|t| Sensitive { attribute: "spend".into(), l: 1, t: Some(t) }).into_iter().collect();
    let target = Target { k, sensitive, max_suppressed: rows / 100, max_nodes: 200_000 };
    let started = Instant::now();
    let plan = search(&table, &quasi, &target).expect("a plan");
    let took = started.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {rows}, \"quasi_identifiers\": 8, \"lattice_nodes\": 65536, \"k\": {}, \"levels\": {:?}, \"suppressed\": {}, \"precision_loss\": {:.4}, \"evaluated\": {}, \"seconds\": {took:.2}}}",
        plan.k, plan.levels, plan.suppressed, plan.precision_loss, plan.evaluated
    );
}
