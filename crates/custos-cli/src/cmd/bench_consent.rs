//! `custos bench consent`: TC and GPP string decode/encode throughput on one core, on the
//! reference library's own strings (the median-length TC string among those with about 200
//! vendors, as real strings have), in process.

use std::{path::Path, time::Instant};

use anyhow::Context;
use custos_consent_signals::{Mode, gpp, tcf};
use serde_json::{Value, json};

/// Operations per second of `f` over at least `seconds`.
fn rate(seconds: f64, mut f: impl FnMut() -> usize) -> f64 {
    // Warm up, then time batches until the clock says enough.
    for _ in 0..1_000 {
        std::hint::black_box(f());
    }
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed().as_secs_f64() < seconds {
        for _ in 0..1_000 {
            std::hint::black_box(f());
        }
        n += 1_000;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn strings(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let items: Vec<Value> = serde_json::from_str(&text).with_context(|| format!("{} is not a JSON array", path.display()))?;
    Ok(items.iter().filter_map(|i| i["string"].as_str().map(str::to_owned)).collect())
}

/// Runs the benchmark and prints one JSON line.
pub fn run(tcf_path: &Path, gpp_path: &Path, seconds: f64) -> anyhow::Result<()> {
    let tc_strings = strings(tcf_path)?;
    // Strings of a real-world size: 150-250 vendors consented; the median length among them.
    let mut sized: Vec<(usize, &String)> = tc_strings
        .iter()
        .filter_map(|s| {
            let d = tcf::decode(s, Mode::Lenient).ok()?;
            (150..=250).contains(&d.value.vendor_consents.len()).then_some((s.len(), s))
        })
        .collect();
    sized.sort();
    let tc = sized
        .get(sized.len().saturating_sub(1) / 2)
        .map(|(_, s)| (*s).clone())
        .context("no TC string with 150-250 vendors in the fixtures")?;
    let value = tcf::decode(&tc, Mode::Strict).map_err(|v| anyhow::anyhow!("{v}"))?.value;
    // GPP: the median-length string holding only a usnat (version 2) section, as the reference
    // script picks it.
    let gpp_strings = strings(gpp_path)?;
    let mut by_len: Vec<&String> = gpp_strings
        .iter()
        .filter(|s| {
            gpp::decode(s, Mode::Strict).is_ok_and(|d| d.value.header.section_ids == [7] && d.value.sections["usnat"]["version"] == 2)
        })
        .collect();
    by_len.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    let g = by_len.get(by_len.len().saturating_sub(1) / 2).map(|s| (*s).clone()).context("no usnat GPP string in the fixtures")?;
    let gvalue = gpp::decode(&g, Mode::Strict).map_err(|v| anyhow::anyhow!("{v}"))?.value;
    let tcf_decode = rate(seconds, || tcf::decode(&tc, Mode::Strict).map(|d| d.value.vendor_consents.len()).unwrap_or(0));
    let tcf_encode = rate(seconds, || tcf::encode(&value).map(|s| s.len()).unwrap_or(0));
    let gpp_decode = rate(seconds, || gpp::decode(&g, Mode::Strict).map(|d| d.value.sections.len()).unwrap_or(0));
    let gpp_encode = rate(seconds, || gpp::encode(&gvalue).map(|s| s.len()).unwrap_or(0));
    println!(
        "{}",
        json!({
            "tool": "custos", "tc_string": tc, "gpp_string": g, "tc_string_chars": tc.len(), "tc_vendors": value.vendor_consents.len(), "gpp_string_chars": g.len(),
            "tcf_decode_per_s": tcf_decode.round(), "tcf_encode_per_s": tcf_encode.round(),
            "gpp_decode_per_s": gpp_decode.round(), "gpp_encode_per_s": gpp_encode.round(),
        })
    );
    Ok(())
}
