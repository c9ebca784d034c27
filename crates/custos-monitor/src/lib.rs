//! custos's monitoring engine: is today's data (or today's model behaviour) different from the
//! reference, by how much, and is that a real change or noise? Pure: samples in, figures out,
//! no I/O. The statistics equal scipy's (fixtures in `testdata/monitor`, made by the script
//! beside them); see `docs/MONITORING.md` for the choices.

pub mod ad;
pub mod categorical;
pub mod correct;
pub mod drift;
pub mod effect;
pub mod kll;
pub mod ks;
pub mod location;
pub mod performance;
pub mod sketch;

pub use correct::Correction;
pub use drift::{ColumnDrift, ColumnInput, DriftError, DriftOptions, DriftReport, Sample, Verdict, compare};
pub use sketch::{ColumnProfile, Profile, SketchError};

/// The finite values of `x`, sorted (NaNs are dropped before every test).
pub fn sorted_finite(x: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    sort_f64(&mut v);
    v
}

/// Sorts finite floats ascending (see [`sort_f64_with`]).
pub fn sort_f64(v: &mut [f64]) {
    sort_f64_with(v, &mut Vec::new());
}

/// Sorts finite floats ascending, using `scratch` as the radix sort's second buffer (reuse it
/// across columns: fresh pages for every sort cost more than the sort). Large inputs go
/// through an LSD radix sort on the floats' order-preserving bit patterns (6 passes of 11
/// bits, a counter table that stays in L1), keys kept in `v`'s own memory: on the benchmark's
/// 28 million values it is several times faster than a comparison sort (docs/BENCHMARKS.md),
/// and sorting is most of a drift comparison's work. Small or already sorted inputs take the
/// standard path.
pub fn sort_f64_with(v: &mut [f64], scratch: &mut Vec<f64>) {
    if v.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    if v.len() < 4096 {
        v.sort_unstable_by(f64::total_cmp);
        return;
    }
    // Flip so that unsigned order is float order: negatives reversed, positives above them.
    let key = |x: f64| {
        let b = x.to_bits();
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    };
    let unkey = |k: u64| f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k });
    // The keys live in the floats' own slots (as bit patterns; no arithmetic is done on them).
    for x in v.iter_mut() {
        *x = f64::from_bits(key(*x));
    }
    scratch.clear();
    scratch.resize(v.len(), 0.0);
    const BITS: u32 = 11;
    const MASK: u64 = (1 << BITS) - 1;
    const PASSES: usize = 64usize.div_ceil(BITS as usize);
    // Every pass's digit counts in one read of the keys.
    let mut counts = vec![[0usize; 1 << BITS]; PASSES];
    for k in v.iter() {
        let bits = k.to_bits();
        for (pass, c) in counts.iter_mut().enumerate() {
            c[((bits >> (pass as u32 * BITS)) & MASK) as usize] += 1;
        }
    }
    let mut in_v = true;
    for (pass, c) in counts.iter_mut().enumerate() {
        // Skip a pass where every key has the same digit.
        if c.contains(&v.len()) {
            continue;
        }
        let shift = pass as u32 * BITS;
        let (src, dst): (&[f64], &mut [f64]) = if in_v { (&v[..], &mut scratch[..]) } else { (&scratch[..], &mut v[..]) };
        let mut at = 0usize;
        for n in c.iter_mut() {
            let here = *n;
            *n = at;
            at += here;
        }
        for k in src {
            let d = ((k.to_bits() >> shift) & MASK) as usize;
            dst[c[d]] = *k;
            c[d] += 1;
        }
        in_v = !in_v;
    }
    if !in_v {
        v.copy_from_slice(scratch);
    }
    for x in v.iter_mut() {
        *x = unkey(x.to_bits());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn radix_sort_orders_like_total_cmp() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut v: Vec<f64> = (0..50_000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let x = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                match i % 5 {
                    0 => x * 1e300,
                    1 => -x * 1e-300,
                    2 => (x * 10.0).round(),
                    3 => -0.0,
                    _ => x,
                }
            })
            .collect();
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        super::sort_f64(&mut v);
        assert_eq!(v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
    }
}
