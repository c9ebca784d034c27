//! Speed of TreeSHAP (bench/explain.sh runs it): rows/s on one thread and on every core for a
//! model and a CSV of rows (header row, numeric cells, no id), and the latency of one row.
//!
//!     cargo run --release -p custos-explain --example explain_bench -- MODEL ROWS.csv [SMALL_MODEL]

use std::time::Instant;

use custos_explain::{Model, ShapMode};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(model_path), Some(rows_path)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: explain_bench MODEL ROWS.csv [SMALL_MODEL]");
        std::process::exit(2);
    };
    let model = Model::parse(&std::fs::read(model_path).expect("model")).expect("parse model");
    let text = std::fs::read_to_string(rows_path).expect("rows");
    let rows: Vec<Vec<f64>> = text.lines().skip(1).map(|l| l.split(',').map(|c| c.parse().unwrap_or(f64::NAN)).collect()).collect();
    let n = rows.len() as f64;
    // The recursive algorithm, one row at a time (no tables), on a tenth of the rows.
    let sample = &rows[..rows.len().div_ceil(10)];
    let t = Instant::now();
    for row in sample {
        std::hint::black_box(model.shap(row, ShapMode::PathDependent, &[]).expect("shap"));
    }
    let recursive = sample.len() as f64 / t.elapsed().as_secs_f64();
    // Tables: built once, then rows tree by tree.
    let t = Instant::now();
    let bytes = model.prepare();
    let prepare = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let out = model.shap_many(&rows).expect("shap");
    let one = t.elapsed().as_secs_f64();
    let checksum: f64 = out.iter().flatten().map(|a| a.values.iter().sum::<f64>()).sum();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let t = Instant::now();
    std::thread::scope(|s| {
        for part in rows.chunks(rows.len().div_ceil(threads)) {
            let model = &model;
            s.spawn(move || std::hint::black_box(model.shap_many(part).expect("shap")));
        }
    });
    let all = t.elapsed().as_secs_f64();
    println!(
        "{{\"tool\": \"custos\", \"trees\": {}, \"depth\": {}, \"rows\": {}, \"recursive_rows_per_s_1_thread\": {recursive:.1}, \"tables_mb\": {:.1}, \"prepare_s\": {prepare:.3}, \"rows_per_s_1_thread\": {:.1}, \"rows_per_s_{threads}_threads\": {:.1}, \"checksum\": {checksum}}}",
        model.n_trees(),
        model.max_depth(),
        rows.len(),
        bytes as f64 / 1e6,
        n / one,
        n / all
    );
    if let Some(small) = args.get(3) {
        let small = Model::parse(&std::fs::read(small).expect("small model")).expect("parse small model");
        // A server builds the tables when a model version is registered.
        small.prepare();
        let mut times: Vec<f64> = rows
            .iter()
            .take(2000)
            .map(|row| {
                let t = Instant::now();
                std::hint::black_box(small.shap(row, ShapMode::PathDependent, &[]).expect("shap"));
                t.elapsed().as_secs_f64() * 1e6
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        println!(
            "{{\"tool\": \"custos\", \"latency_model\": \"{} trees, depth {}\", \"p50_us\": {:.1}, \"p99_us\": {:.1}}}",
            small.n_trees(),
            small.max_depth(),
            at(0.5),
            at(0.99)
        );
    }
}
