//! The context model for capitalized words no rule settles: a multinomial logistic regression
//! over hashed features of one word (the word, its affixes and shape, what the gazetteers say
//! of it, the two words on each side, the punctuation after it, where it stands in its sentence
//! and in its run of capitalized words) that reads it as PERSON, LOCATION, ORGANIZATION or
//! none. Trained by `tools/pii-model/train.py` on generated text (its own templates, Faker
//! locales no evaluation corpus uses), shipped in the crate (`data/name_model.bin`, 128 KiB of
//! int8 weights), run only on runs the rules leave undecided. The features here must stay the
//! ones `train.py` computes.

use std::sync::LazyLock;

use super::{Info, OrgWord, Token, bare, fold};
use crate::context::{words_after, words_before};

const CLASSES: usize = 4;
/// The classes in the model's order (index 0 is "none").
pub(super) const PERSON: usize = 1;
pub(super) const LOCATION: usize = 2;
pub(super) const ORGANIZATION: usize = 3;

struct Model {
    buckets: usize,
    scales: [f32; CLASSES],
    weights: &'static [u8],
}

static MODEL: LazyLock<Option<Model>> = LazyLock::new(|| {
    let raw: &'static [u8] = include_bytes!("../../data/name_model.bin");
    let rest = raw.strip_prefix(b"CPNM1")?;
    let buckets = u32::from_le_bytes(rest.get(..4)?.try_into().ok()?) as usize;
    let mut scales = [0f32; CLASSES];
    for (c, s) in scales.iter_mut().enumerate() {
        *s = f32::from_le_bytes(rest.get(4 + 4 * c..8 + 4 * c)?.try_into().ok()?);
    }
    let weights = rest.get(4 + 4 * CLASSES..)?;
    (weights.len() == CLASSES * buckets && buckets > 0).then_some(Model { buckets, scales, weights })
});

/// FNV-1a 64 of a feature string (the hash `train.py` uses).
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for p in parts {
        for &b in p.as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
    }
    h
}

fn bin3(x: f32) -> &'static str {
    if x <= 0.0 {
        "0"
    } else if x < 0.3 {
        "lo"
    } else if x < 0.6 {
        "mid"
    } else {
        "hi"
    }
}

fn last_chars(s: &str, n: usize) -> &str {
    let count = s.chars().count();
    if count <= n {
        return s;
    }
    let skip = count - n;
    s.char_indices().nth(skip).map_or(s, |(i, _)| &s[i..])
}

fn first_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// The class probabilities of the word `tok` in `text`, or `None` when no model is shipped.
fn probabilities(text: &str, tok: &Token<'_>, info: &Info, run_pos: &str) -> Option<[f32; CLASSES]> {
    let model = MODEL.as_ref()?;
    // The word without trailing punctuation, as `train.py` reads words.
    let word = tok.text.trim_end_matches([',', '.', ';', ':']);
    let tok = &Token { text: word, start: tok.start, end: tok.start + word.len() };
    let b = fold(bare(word));
    let lowered_plain: String = word.to_lowercase().chars().filter(|c| *c != '\'' && *c != '’').collect();
    let before: Vec<&str> = words_before(text, tok.start).take(2).collect();
    let after: Vec<&str> = words_after(text, tok.end).take(2).collect();
    let lower = |w: Option<&&str>, edge: &str| w.map_or_else(|| edge.to_owned(), |w| w.to_lowercase());
    let (p1, p2, n1, n2) = (lower(before.first(), "^"), lower(before.get(1), "^"), lower(after.first(), "$"), lower(after.get(1), "$"));
    let cap = |w: Option<&&str>| if w.is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase)) { "1" } else { "0" };
    let head = text[..tok.start].trim_end_matches([' ', '\t']);
    let next = text[tok.end..].chars().next();
    let punct = if word.ends_with("'s") || word.ends_with("’s") {
        "poss"
    } else {
        match next {
            Some(',') => ",",
            Some(':') => ":",
            Some('.') => ".",
            Some('(') => "(",
            Some(')') => ")",
            Some('\n') => "nl",
            Some(';') => ";",
            Some('!') => "!",
            Some('?') => "?",
            Some(' ') => "sp",
            None => "end",
            Some(_) => "other",
        }
    };
    let sentence_start = head.is_empty() || head.ends_with(['.', '!', '?', ':', '\n']);
    let line_start = head.is_empty() || head.ends_with('\n');
    let org = match info.org {
        OrgWord::None => "none",
        OrgWord::Legal => "legal",
        OrgWord::Kind => "kind",
    };
    let len = (b.chars().count().min(12) / 3).to_string();
    let features: [[&str; 4]; 25] = [
        ["b", "", "", ""],
        ["w=", &b, "", ""],
        ["s3=", last_chars(&b, 3), "", ""],
        ["s2=", last_chars(&b, 2), "", ""],
        ["p3=", first_chars(&b, 3), "", ""],
        ["len=", &len, "", ""],
        ["g=", bin3(info.given), "", ""],
        ["sn=", bin3(info.surname), "", ""],
        ["pl=", bin3(info.place), "", ""],
        ["c=", if info.common { "1" } else { "0" }, "", ""],
        ["n=", if info.nrp { "1" } else { "0" }, "", ""],
        ["o=", org, "", ""],
        ["p1=", &p1, "", ""],
        ["p2=", &p2, "", ""],
        ["n1=", &n1, "", ""],
        ["n2=", &n2, "", ""],
        ["p1cap=", cap(before.first()), "", ""],
        ["n1cap=", cap(after.first()), "", ""],
        ["after=", punct, "", ""],
        ["ss=", if sentence_start { "1" } else { "0" }, "", ""],
        ["ls=", if line_start { "1" } else { "0" }, "", ""],
        ["pos=", run_pos, "", ""],
        ["hy=", if word.contains('-') { "1" } else { "0" }, "", ""],
        ["dia=", if b != lowered_plain { "1" } else { "0" }, "", ""],
        ["p1&pos=", &p1, "&", run_pos],
    ];
    let mut z = [0f32; CLASSES];
    for f in &features {
        let bucket = (fnv(f) % model.buckets as u64) as usize;
        for (c, zc) in z.iter_mut().enumerate() {
            let q = model.weights[c * model.buckets + bucket] as i8;
            *zc += f32::from(q) * model.scales[c];
        }
    }
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut p = z.map(|v| (v - max).exp());
    let sum: f32 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= sum);
    Some(p)
}

/// Reads the run `toks[from..]` word by word and returns the spans the model is sure of
/// (`min_p` or more): `(first token, last token, class, probability)`, neighbours of one class
/// merged.
pub(super) fn read_run(text: &str, toks: &[Token<'_>], infos: &[Info], from: usize, min_p: f32) -> Vec<(usize, usize, usize, f32)> {
    let n = toks.len();
    let mut out: Vec<(usize, usize, usize, f32)> = Vec::new();
    for i in from..n {
        let pos = if n == 1 {
            "single"
        } else if i == 0 {
            "first"
        } else if i == n - 1 {
            "last"
        } else {
            "inner"
        };
        let Some(p) = probabilities(text, &toks[i], &infos[i], pos) else { return Vec::new() };
        let (class, prob) = (1..CLASSES).map(|c| (c, p[c])).fold((0, p[0]), |best, x| if x.1 > best.1 { x } else { best });
        if class == 0 || prob < min_p {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.2 == class && last.1 + 1 == i => {
                last.1 = i;
                last.3 = last.3.min(prob);
            }
            _ => out.push((i, i, class, prob)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_loads_and_reads_context() {
        assert!(MODEL.is_some(), "data/name_model.bin parses");
        assert_eq!(last_chars("müller", 3), "ler");
        assert_eq!(first_chars("żak", 2), "ża");
    }
}
