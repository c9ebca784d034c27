//! TC string decodes per second on one core, on the string `custos bench consent` picks (the
//! median-length fixture string with 150-250 vendors): a quick loop for tuning the decoder
//! without building the whole CLI (`cargo run --release --example decode_rate`), with the
//! binary's allocator (mimalloc).

use custos_consent_signals::{Mode, tcf};

/// The allocator the `custos` binary uses, so the figure is the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/consent-signals/tcf_valid.json");
    let items: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path).expect("fixtures")).expect("json");
    let mut sized: Vec<(usize, String)> = items
        .iter()
        .filter_map(|i| i["string"].as_str())
        .filter_map(|s| {
            let d = tcf::decode(s, Mode::Lenient).ok()?;
            (150..=250).contains(&d.value.vendor_consents.len()).then(|| (s.len(), s.to_owned()))
        })
        .collect();
    sized.sort();
    let tc = sized[(sized.len() - 1) / 2].1.clone();
    for round in 0..5 {
        let started = std::time::Instant::now();
        let mut n = 0u64;
        while started.elapsed().as_secs_f64() < 2.0 {
            for _ in 0..1_000 {
                std::hint::black_box(
                    tcf::decode(std::hint::black_box(&tc), Mode::Strict).map(|d| d.value.vendor_consents.len()).unwrap_or(0),
                );
            }
            n += 1_000;
        }
        println!("round {round}: {:.0} decodes/s ({} chars)", n as f64 / started.elapsed().as_secs_f64(), tc.len());
    }
}
