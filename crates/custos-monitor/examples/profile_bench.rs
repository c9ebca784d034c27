//! Profile + compare of 1,000 merged shard sketches: 1,000 shards of 1,000 rows x 20 columns
//! (14 numeric of mixed shapes, 6 categorical) are profiled, merged into one reference
//! profile, and compared with a current profile. The target (issue 17) is merge + compare
//! under 100 ms. `cargo run --release -p custos-monitor --example profile_bench`
use std::time::Instant;

use custos_monitor::{ColumnInput, ColumnProfile, DriftOptions, Profile, compare};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Exp, LogNormal, StandardNormal, Uniform};

const SHARDS: usize = 1_000;
const SHARD_ROWS: usize = 1_000;

fn shard(rng: &mut StdRng, shift: f64) -> Profile {
    let mut columns: Vec<ColumnProfile> = (0..14).map(|i| ColumnProfile::numeric(&format!("x{i}"))).collect();
    columns.extend((0..6).map(|i| ColumnProfile::categorical(&format!("c{i}"))));
    let lognormal = LogNormal::new(0.0, 0.8).unwrap_or_else(|_| unreachable!());
    let exp = Exp::new(1.0).unwrap_or_else(|_| unreachable!());
    let uniform = Uniform::new(0.0f64, 1.0).unwrap_or_else(|_| unreachable!());
    for _ in 0..SHARD_ROWS {
        for (i, c) in columns.iter_mut().enumerate().take(14) {
            let z: f64 = StandardNormal.sample(rng);
            let v = match i % 4 {
                0 => z + if i == 0 { shift } else { 0.0 },
                1 => lognormal.sample(rng),
                2 => exp.sample(rng),
                _ => (uniform.sample(rng) * 100.0).round(),
            };
            c.add_number((i != 7 || uniform.sample(rng) > 0.05).then_some(v));
        }
        for (j, c) in columns.iter_mut().skip(14).enumerate() {
            let levels = [2, 4, 8, 12, 20, 40][j];
            let k = (uniform.sample(rng) * levels as f64) as usize;
            let _ = c.add_category(Some(&format!("v{k}")), 1);
        }
    }
    // What a shard's profile is once written: sealed.
    let mut p = Profile { rows: SHARD_ROWS as u64, columns };
    p.seal();
    p
}

fn main() {
    let mut rng = StdRng::seed_from_u64(17);
    let t = Instant::now();
    let shards: Vec<Profile> = (0..SHARDS).map(|_| shard(&mut rng, 0.0)).collect();
    let current = (0..100).map(|_| shard(&mut rng, 0.1)).reduce(|mut a, b| {
        let _ = a.merge(&b);
        a
    });
    let build = t.elapsed();
    let Some(current) = current else { return };
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let reference = Profile::merge_all(&shards).unwrap_or_else(|e| panic!("{e}"));
        let merged = t.elapsed();
        let mut inputs: Vec<ColumnInput> = reference
            .columns
            .iter()
            .zip(&current.columns)
            .map(|(r, c)| ColumnInput { name: r.name.clone(), reference: r.sample(), current: c.sample(), min_effect: None })
            .collect();
        let report = compare(&mut inputs, &DriftOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let total = t.elapsed();
        times.push((merged, total, report.drifted_columns, reference.rows));
    }
    times.sort_by_key(|t| t.1);
    let (merged, total, drifted, rows) = times[times.len() / 2];
    let json = shards[0].to_json().len();
    println!("profiling {SHARDS} shards of {SHARD_ROWS} rows x 20 columns (+100 current): {:.0} ms", build.as_secs_f64() * 1e3);
    println!(
        "merge {SHARDS} shard profiles ({rows} rows): {:.1} ms; + compare 20 columns: {:.1} ms total (median of 5); {drifted} column(s) drifted; one shard profile {json} bytes of JSON",
        merged.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3
    );
}
