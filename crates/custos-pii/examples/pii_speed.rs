//! Single-core analyzer throughput over a JSON Lines file (a profiling aid; `custos bench pii`
//! is the reported benchmark).
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("usage: pii_speed FILE.jsonl [passes]");
    let passes: usize = std::env::args().nth(2).and_then(|p| p.parse().ok()).unwrap_or(3);
    let texts: Vec<String> = std::fs::read_to_string(&path)
        .expect("read")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_owned))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let a = custos_pii::Analyzer::default();
    let o = custos_pii::AnalyzeOptions::default();
    let mut n = 0;
    for t in &texts {
        n += a.analyze(t, &o).len();
    }
    let t0 = Instant::now();
    for _ in 0..passes {
        for t in &texts {
            n += std::hint::black_box(a.analyze(t, &o)).len();
        }
    }
    let s = t0.elapsed().as_secs_f64();
    println!("{:.1} MB/s ({n} findings)", (bytes * passes) as f64 / 1e6 / s);
}
