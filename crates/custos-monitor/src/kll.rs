//! A seeded KLL quantile sketch (Karnin, Lang and Liberty 2016, in the parameterization of
//! Apache DataSketches: level capacities `k (2/3)^depth`, at least 8).
//!
//! Why not `datasketches::kll`: its compactions draw their coins from a thread-local
//! generator seeded from the process's random hash keys, which cannot be set, so one table
//! profiled twice gives two different sketches and two different drift figures. Here the
//! coin is a SplitMix64 stream whose state lives in the sketch (and in its bytes): the same
//! values in the same order, or the same shards merged in the same order, give the same
//! sketch, bit for bit. The rank error is DataSketches' published bound for the same
//! capacities (checked in the tests on a million values).

use crate::sketch::SketchError;

/// Default accuracy: k = 400, a normalized rank error of 0.86 % at 99 % confidence, about
/// 10 KB retained.
pub const DEFAULT_K: u16 = 400;
/// Smallest accepted k.
pub const MIN_K: u16 = 8;
/// Largest accepted k (a bound on what a hostile profile can make us hold).
pub const MAX_K: u16 = 4096;
/// The smallest capacity of a level.
const MIN_WIDTH: usize = 8;
/// The coin's starting state: any fixed value does; this one is the fractional part of the
/// golden ratio.
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;
/// Bytes of the serialized form's header.
const HEADER: usize = 1 + 2 + 8 + 8 + 8 + 8 + 1;
/// Most levels a sketch can have (2^64 values fill 64 levels at most).
const MAX_LEVELS: usize = 64;

/// A mergeable quantile sketch of finite numbers with a rank-error guarantee.
#[derive(Clone, Debug, PartialEq)]
pub struct Kll {
    k: u16,
    n: u64,
    min: f64,
    max: f64,
    coin: u64,
    /// Level h holds items of weight 2^h; level 0 is unsorted, the others sorted.
    levels: Vec<Vec<f64>>,
    retained: usize,
    /// Capacity of a level by its depth below the top (computed once per sketch).
    caps: [u32; MAX_LEVELS],
    /// Whether level 0 happens to be in order (after a compaction, a read, or [`Kll::seal`]):
    /// merging two sorted level 0s is a linear merge instead of a sort.
    sorted0: bool,
}

impl Default for Kll {
    fn default() -> Self {
        Self::new(DEFAULT_K).unwrap_or_else(|_| unreachable!("the default k is valid"))
    }
}

impl Kll {
    /// An empty sketch with accuracy `k` (between [`MIN_K`] and [`MAX_K`]).
    pub fn new(k: u16) -> Result<Self, SketchError> {
        if !(MIN_K..=MAX_K).contains(&k) {
            return Err(SketchError::Invalid(format!("k must be between {MIN_K} and {MAX_K}")));
        }
        let mut caps = [0u32; MAX_LEVELS];
        for (depth, c) in caps.iter_mut().enumerate() {
            *c = ((f64::from(k) * (2.0f64 / 3.0).powi(depth as i32)).ceil() as u32).max(MIN_WIDTH as u32);
        }
        Ok(Self {
            k,
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            coin: SEED,
            levels: vec![Vec::new()],
            retained: 0,
            caps,
            sorted0: true,
        })
    }

    /// The accuracy parameter.
    pub fn k(&self) -> u16 {
        self.k
    }

    /// Values seen.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The smallest and largest values seen (exact), `None` when empty.
    pub fn range(&self) -> Option<(f64, f64)> {
        (self.n > 0).then_some((self.min, self.max))
    }

    /// Items held.
    pub fn retained(&self) -> usize {
        self.retained
    }

    /// Whether every value is still held (ranks are exact).
    pub fn is_exact(&self) -> bool {
        self.levels.len() == 1
    }

    /// The normalized rank error bound at 99 % confidence over all ranks at once (the "PMF"
    /// form of DataSketches' empirical bound, 2.446 / k^0.9433); 0 while exact.
    pub fn rank_error(&self) -> f64 {
        if self.is_exact() { 0.0 } else { 2.446 / f64::from(self.k).powf(0.9433) }
    }

    fn capacity(&self, level: usize) -> usize {
        self.caps[self.levels.len() - 1 - level] as usize
    }

    fn total_capacity(&self) -> usize {
        self.caps[..self.levels.len()].iter().map(|c| *c as usize).sum()
    }

    fn flip(&mut self) -> usize {
        self.coin = self.coin.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.coin;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) & 1) as usize
    }

    /// Adds one value; non-finite values are ignored (the caller counts them as missing).
    pub fn update(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.n += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if self.levels[0].last().is_some_and(|l| *l > x) {
            self.sorted0 = false;
        }
        self.levels[0].push(x);
        self.retained += 1;
        if self.retained >= self.total_capacity() {
            self.compress();
        }
    }

    /// Halves the lowest full level into the next until the sketch fits its capacity.
    fn compress(&mut self) {
        while self.retained >= self.total_capacity() {
            let Some(h) = (0..self.levels.len()).find(|&h| self.levels[h].len() >= self.capacity(h)) else { return };
            if h + 1 == self.levels.len() {
                self.levels.push(Vec::new());
            }
            let mut items = std::mem::take(&mut self.levels[h]);
            if h == 0 && !self.sorted0 {
                items.sort_unstable_by(f64::total_cmp);
            }
            // An odd item stays behind (the smallest), the rest pair up; the coin picks which
            // of each pair goes up with double weight.
            let odd = items.len() % 2;
            // The data stirs the coin (deterministically): sketches of different shards do
            // not repeat one another's coin sequence, so their errors do not line up.
            self.coin = self.coin.wrapping_add(items[items.len() / 2].to_bits().rotate_left(h as u32));
            let offset = self.flip();
            // The promoted items, gathered in place behind the one that stays.
            let pairs = (items.len() - odd) / 2;
            for i in 0..pairs {
                items[odd + i] = items[odd + 2 * i + offset];
            }
            self.retained -= pairs;
            merge_into(&mut self.levels[h + 1], &items[odd..odd + pairs]);
            items.truncate(odd);
            self.levels[h] = items;
            if h == 0 {
                self.sorted0 = true;
            }
        }
    }

    /// Puts level 0 in order (the same sketch, cheaper to merge): done before a sketch is
    /// written or merged into many others.
    pub fn seal(&mut self) {
        if !self.sorted0 {
            self.levels[0].sort_unstable_by(f64::total_cmp);
            self.sorted0 = true;
        }
    }

    /// Adds another sketch's values (same k). Merging is deterministic: the same sketches in
    /// the same order give the same result.
    pub fn merge(&mut self, other: &Kll) -> Result<(), SketchError> {
        if other.k != self.k {
            return Err(SketchError::Invalid(format!("cannot merge sketches of k {} and {}", self.k, other.k)));
        }
        if other.n == 0 {
            return Ok(());
        }
        self.n = self.n.checked_add(other.n).ok_or_else(|| SketchError::Invalid("too many values".into()))?;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        while self.levels.len() < other.levels.len() {
            self.levels.push(Vec::new());
        }
        for (h, items) in other.levels.iter().enumerate() {
            if h == 0 {
                if self.sorted0 && other.sorted0 {
                    merge_into(&mut self.levels[0], items);
                } else {
                    self.levels[0].extend_from_slice(items);
                    self.sorted0 = false;
                }
            } else {
                merge_into(&mut self.levels[h], items);
            }
            self.retained += items.len();
        }
        // The coin goes on from a state both sketches' histories decide.
        self.coin ^= other.coin.rotate_left(17);
        self.compress();
        Ok(())
    }

    /// The values themselves, in order, while the sketch still holds them all.
    pub fn exact_values(&self) -> Option<Vec<f64>> {
        if !self.is_exact() {
            return None;
        }
        let mut v = self.levels[0].clone();
        v.sort_unstable_by(f64::total_cmp);
        Some(v)
    }

    /// The held items with their weights, sorted by value, equal values together.
    pub fn sorted_view(&self) -> SortedView {
        let mut items: Vec<(f64, u64)> = Vec::with_capacity(self.retained);
        for (h, level) in self.levels.iter().enumerate() {
            items.extend(level.iter().map(|x| (*x, 1u64 << h)));
        }
        items.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let mut values: Vec<f64> = Vec::with_capacity(items.len());
        let mut cumulative: Vec<u64> = Vec::with_capacity(items.len());
        let mut total = 0u64;
        for (x, w) in items {
            total += w;
            if values.last() == Some(&x) {
                if let Some(c) = cumulative.last_mut() {
                    *c = total;
                }
            } else {
                values.push(x);
                cumulative.push(total);
            }
        }
        SortedView { values, cumulative, n: total }
    }

    /// The compact byte form: a header (format 1, k, n, min, max, coin, level count), then
    /// per level its length (u32) and its items (f64, in order), all little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER + self.levels.len() * 4 + self.retained * 8);
        out.push(1);
        out.extend_from_slice(&self.k.to_le_bytes());
        out.extend_from_slice(&self.n.to_le_bytes());
        out.extend_from_slice(&self.min.to_le_bytes());
        out.extend_from_slice(&self.max.to_le_bytes());
        out.extend_from_slice(&self.coin.to_le_bytes());
        out.push(self.levels.len() as u8);
        for (h, level) in self.levels.iter().enumerate() {
            out.extend_from_slice(&(level.len() as u32).to_le_bytes());
            let sorted;
            let level = if h == 0 && !self.sorted0 {
                let mut copy = level.clone();
                copy.sort_unstable_by(f64::total_cmp);
                sorted = copy;
                &sorted
            } else {
                level
            };
            for x in level {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }

    /// Reads [`Kll::to_bytes`], checking everything a hostile file could get wrong: sizes,
    /// finite and ordered items, weights that add up to n, a level count and sizes within
    /// what k allows.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SketchError> {
        let bad = |why: &str| SketchError::Invalid(format!("quantile sketch: {why}"));
        let mut r = Reader { bytes, at: 0 };
        if r.take(1).ok_or_else(|| bad("truncated"))?[0] != 1 {
            return Err(bad("unknown format"));
        }
        let k = u16::from_le_bytes(r.array().ok_or_else(|| bad("truncated"))?);
        let mut sketch = Kll::new(k)?;
        sketch.n = u64::from_le_bytes(r.array().ok_or_else(|| bad("truncated"))?);
        sketch.min = f64::from_le_bytes(r.array().ok_or_else(|| bad("truncated"))?);
        sketch.max = f64::from_le_bytes(r.array().ok_or_else(|| bad("truncated"))?);
        sketch.coin = u64::from_le_bytes(r.array().ok_or_else(|| bad("truncated"))?);
        let count = usize::from(r.take(1).ok_or_else(|| bad("truncated"))?[0]);
        if count == 0 || count > MAX_LEVELS {
            return Err(bad("level count out of range"));
        }
        // A sketch at rest holds fewer items than its levels' total capacity.
        sketch.levels = vec![Vec::new(); count];
        let room = sketch.total_capacity();
        let mut weight: u128 = 0;
        for h in 0..count {
            let len = u32::from_le_bytes(r.array().ok_or_else(|| bad("truncated"))?) as usize;
            if sketch.retained + len >= room {
                return Err(bad("more items than k allows"));
            }
            let raw = r.take(len * 8).ok_or_else(|| bad("truncated"))?;
            let items: Vec<f64> = raw.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
            if items.iter().any(|x| !x.is_finite() || *x < sketch.min || *x > sketch.max) {
                return Err(bad("an item is not finite or outside the sketch's range"));
            }
            // Every level is written in order (level 0 included, see `to_bytes`).
            if items.windows(2).any(|w| w[0] > w[1]) {
                return Err(bad("a level is out of order"));
            }
            weight += (items.len() as u128) << h;
            sketch.retained += items.len();
            sketch.levels[h] = items;
        }
        if r.at != bytes.len() {
            return Err(bad("trailing bytes"));
        }
        if weight != u128::from(sketch.n) {
            return Err(bad("the items' weights do not add up to the count"));
        }
        if sketch.n == 0 {
            sketch.min = f64::INFINITY;
            sketch.max = f64::NEG_INFINITY;
        } else if !(sketch.min.is_finite() && sketch.max.is_finite() && sketch.min <= sketch.max) {
            return Err(bad("range is not finite"));
        }
        Ok(sketch)
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
}

/// Merges sorted `src` into sorted `dst` in place, from the back (no allocation beyond
/// `dst`'s growth).
fn merge_into(dst: &mut Vec<f64>, src: &[f64]) {
    if src.is_empty() {
        return;
    }
    let mut i = dst.len();
    let mut j = src.len();
    dst.resize(i + j, 0.0);
    let mut k = dst.len();
    // Branch-free while both have items (random data mispredicts a branch half the time).
    while i > 0 && j > 0 {
        let (a, b) = (dst[i - 1], src[j - 1]);
        let take_a = a > b;
        k -= 1;
        dst[k] = if take_a { a } else { b };
        i -= usize::from(take_a);
        j -= usize::from(!take_a);
    }
    // What is left of `dst` is already in place.
    dst[..j].copy_from_slice(&src[..j]);
}

/// A sketch's items in order with cumulative weights: ranks and quantiles.
#[derive(Clone, Debug)]
pub struct SortedView {
    values: Vec<f64>,
    cumulative: Vec<u64>,
    n: u64,
}

impl SortedView {
    /// The estimated share of values at most `x`.
    pub fn cdf(&self, x: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let i = self.values.partition_point(|v| *v <= x);
        if i == 0 { 0.0 } else { self.cumulative[i - 1] as f64 / self.n as f64 }
    }

    /// The smallest held value whose estimated share at or below it reaches `p` (0..=1).
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let target = (p.clamp(0.0, 1.0) * self.n as f64).ceil().max(1.0) as u64;
        let i = self.cumulative.partition_point(|c| *c < target).min(self.values.len() - 1);
        Some(self.values[i])
    }

    /// The distinct held values, in order (the points where the estimated CDF steps).
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn small_streams_are_exact_and_large_ones_stay_within_the_bound() {
        let mut small = Kll::default();
        for x in [3.0, 1.0, 2.0, 2.0] {
            small.update(x);
        }
        let view = small.sorted_view();
        assert!(small.is_exact());
        assert_eq!((view.cdf(0.5), view.cdf(1.0), view.cdf(2.0), view.cdf(3.0)), (0.0, 0.25, 0.75, 1.0));
        assert_eq!(view.quantile(0.5), Some(2.0));

        let values = stream(1_000_000, 7);
        let mut sketch = Kll::default();
        for x in &values {
            sketch.update(*x);
        }
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let view = sketch.sorted_view();
        let worst = (1..1000)
            .map(|i| {
                let x = sorted[i * 1000];
                let truth = sorted.partition_point(|v| *v <= x) as f64 / 1e6;
                (view.cdf(x) - truth).abs()
            })
            .fold(0.0, f64::max);
        assert!(worst <= sketch.rank_error(), "worst rank error {worst} above {}", sketch.rank_error());
        assert!(sketch.to_bytes().len() <= 16 * 1024, "{} bytes", sketch.to_bytes().len());
        assert_eq!(sketch.range(), Some((sorted[0], sorted[999_999])));
    }

    #[test]
    fn the_same_values_give_the_same_sketch_and_bytes_round_trip() {
        let values = stream(200_000, 11);
        let build = || {
            let mut s = Kll::default();
            values.iter().for_each(|x| s.update(*x));
            s
        };
        let (a, b) = (build(), build());
        assert_eq!(a.to_bytes(), b.to_bytes());
        let back = Kll::from_bytes(&a.to_bytes()).expect("round trip");
        assert_eq!(back.to_bytes(), a.to_bytes());
        let mut sealed = a.clone();
        sealed.seal();
        assert_eq!(back, sealed);
    }

    #[test]
    fn merged_shards_answer_like_one_sketch_of_the_union() {
        let values = stream(500_000, 3);
        let mut merged = Kll::default();
        for shard in values.chunks(1_000) {
            let mut s = Kll::default();
            shard.iter().for_each(|x| s.update(*x));
            merged.merge(&s).expect("merge");
        }
        assert_eq!(merged.n(), 500_000);
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let view = merged.sorted_view();
        for q in [0.01, 0.1, 0.5, 0.9, 0.99] {
            let x = sorted[(q * 500_000.0) as usize];
            let truth = sorted.partition_point(|v| *v <= x) as f64 / 5e5;
            assert!((view.cdf(x) - truth).abs() <= merged.rank_error(), "rank {q}: {} vs {truth}", view.cdf(x));
        }
        assert!(merged.to_bytes().len() <= 16 * 1024);
    }

    #[test]
    fn hostile_bytes_are_refused_without_panicking() {
        let mut s = Kll::default();
        stream(5_000, 5).iter().for_each(|x| s.update(*x));
        let bytes = s.to_bytes();
        assert!(Kll::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        let mut wrong_n = bytes.clone();
        wrong_n[3] ^= 1;
        assert!(Kll::from_bytes(&wrong_n).is_err());
        let mut nan = bytes.clone();
        let last = nan.len() - 8;
        nan[last..].copy_from_slice(&f64::NAN.to_le_bytes());
        assert!(Kll::from_bytes(&nan).is_err());
        let mut huge = vec![1u8, 0x90, 0x01];
        huge.extend_from_slice(&[0; 32]);
        huge.push(64);
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(Kll::from_bytes(&huge).is_err());
        for cut in 0..bytes.len().min(200) {
            let _ = Kll::from_bytes(&bytes[..cut]);
        }
    }
}
