//! PERSON, LOCATION, NRP and ORGANIZATION without a statistical model: gazetteers built from
//! openly licensed lists (see `data/SOURCES.md`) combined with capitalization, titles,
//! greetings, legal-form suffixes and the words around a phrase.
//!
//! The scanner hands over each run of capitalized words; this module splits it into the
//! entities it holds. Scores follow Presidio's meaning: 0.85 where a named-entity model would
//! be confident, lower where only one weak signal agrees, so thresholds carry over.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::Candidate;
use crate::context::{is_sentence_start, word_in, words_after, words_before};
use crate::entity::id;

/// What the gazetteers know about one lower-cased word or phrase.
#[derive(Clone, Copy, Default, Debug)]
struct Info {
    given: f32,
    surname: f32,
    place: f32,
    place_kind: PlaceKind,
    nrp: bool,
    org: OrgWord,
    common: bool,
}

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
enum PlaceKind {
    #[default]
    None,
    City,
    Region,
    Country,
}

#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
enum OrgWord {
    #[default]
    None,
    /// A legal form (`Inc`, `GmbH`): ends an organization name on its own.
    Legal,
    /// An organization kind (`Bank`, `University`): an organization with another capitalized word.
    Kind,
}

struct Gazetteer {
    words: FxHashMap<String, Info>,
    /// The longest phrase (in words) any place name has.
    max_place_words: usize,
}

fn rows(data: &str) -> impl Iterator<Item = Vec<&str>> {
    data.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(|l| l.split('\t').collect())
}

fn weight(field: Option<&&str>) -> f32 {
    field.and_then(|w| w.trim().parse::<f32>().ok()).unwrap_or(0.5)
}

fn gazetteer() -> &'static Gazetteer {
    static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
    GAZETTEER.get_or_init(|| {
        let mut words: FxHashMap<String, Info> = FxHashMap::default();
        let mut max_place_words = 1;
        for r in rows(include_str!("../data/given_names.txt")) {
            let e = words.entry(r[0].to_lowercase()).or_default();
            e.given = e.given.max(weight(r.get(1)));
        }
        for r in rows(include_str!("../data/surnames.txt")) {
            let e = words.entry(r[0].to_lowercase()).or_default();
            e.surname = e.surname.max(weight(r.get(1)));
        }
        for r in rows(include_str!("../data/places.txt")) {
            let key = r[0].to_lowercase();
            max_place_words = max_place_words.max(key.split(' ').count());
            let kind = match r.get(1).copied().unwrap_or("city") {
                "country" | "continent" => PlaceKind::Country,
                "region" => PlaceKind::Region,
                _ => PlaceKind::City,
            };
            let w = weight(r.get(2));
            let e = words.entry(key).or_default();
            if w > e.place || kind as u8 > e.place_kind as u8 {
                e.place = e.place.max(w);
                e.place_kind = if kind as u8 > e.place_kind as u8 { kind } else { e.place_kind };
            }
        }
        for r in rows(include_str!("../data/nrp.txt")) {
            words.entry(r[0].to_lowercase()).or_default().nrp = true;
        }
        for r in rows(include_str!("../data/org_suffixes.txt")) {
            let kind = if r.get(1).is_some_and(|k| k.trim() == "legal") { OrgWord::Legal } else { OrgWord::Kind };
            words.entry(r[0].to_lowercase().trim_end_matches('.').to_owned()).or_default().org = kind;
        }
        for r in rows(include_str!("../data/common_words.txt")) {
            words.entry(r[0].to_lowercase()).or_default().common = true;
        }
        Gazetteer { words, max_place_words }
    })
}

/// Forces the gazetteers to load (so the first request does not pay for it).
pub(crate) fn warm_up() {
    let _ = gazetteer();
}

fn lookup(word: &str) -> Info {
    let g = gazetteer();
    let w = word.trim_end_matches('.').trim_end_matches("'s").trim_end_matches("’s");
    let mut buf = [0u8; 48];
    if w.is_ascii() && w.len() <= buf.len() {
        let b = &mut buf[..w.len()];
        b.copy_from_slice(w.as_bytes());
        b.make_ascii_lowercase();
        // INVARIANT: lower-casing ASCII bytes keeps them valid UTF-8.
        let key = std::str::from_utf8(b).unwrap_or_default();
        return g.words.get(key).copied().unwrap_or_default();
    }
    g.words.get(&w.to_lowercase()).copied().unwrap_or_default()
}

fn lookup_phrase(words: &[&str]) -> Info {
    let key = words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join(" ");
    gazetteer().words.get(&key).copied().unwrap_or_default()
}

/// Titles and greetings: a capitalized word right after one is a person's name.
const PERSON_CUES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "madam",
    "dear",
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "regards",
    "cheers",
    "sincerely",
    "herr",
    "frau",
    "hallo",
    "liebe",
    "lieber",
    "monsieur",
    "madame",
    "mme",
    "mlle",
    "bonjour",
    "salut",
    "señor",
    "señora",
    "sr",
    "sra",
    "srta",
    "hola",
    "doña",
    "signor",
    "signora",
    "sig",
    "sig.ra",
    "dott",
    "ciao",
    "gentile",
    "caro",
    "cara",
];

/// Words before a name that make it likely a person even without a title.
const PERSON_LEAD_WORDS: &[&str] = &[
    "name",
    "named",
    "i'm",
    "im",
    "is",
    "called",
    "customer",
    "client",
    "agent",
    "rep",
    "representative",
    "contact",
    "spoke",
    "speak",
    "talked",
    "ask",
    "cc",
    "by",
    "with",
    "manager",
    "colleague",
    "patient",
    "user",
    "member",
    "heißt",
    "heiße",
    "appelle",
    "llamo",
    "chiamo",
    "von",
    "für",
    "per",
    "para",
    "pour",
    "avec",
    "con",
    "mit",
    "attn",
    "attention",
    "from",
    "to",
    "for",
    "assigned",
    "signed",
    "wrote",
    "says",
    "said",
];

const LOCATION_CUES: &[&str] = &[
    "in",
    "from",
    "to",
    "at",
    "near",
    "city",
    "town",
    "visit",
    "visiting",
    "moved",
    "based",
    "located",
    "live",
    "lives",
    "living",
    "headquartered",
    "office",
    "store",
    "branch",
    "ship",
    "shipping",
    "deliver",
    "delivered",
    "travel",
    "trip",
    "flight",
    "via",
    "nach",
    "aus",
    "bei",
    "en",
    "à",
    "de",
    "desde",
    "da",
    "a",
    "di",
    "zu",
    "im",
    "around",
    "across",
    "outside",
    "downtown",
];

const ORG_CUES: &[&str] = &[
    "at", "for", "with", "from", "company", "employer", "works", "worked", "working", "joined", "partner", "vendor", "supplier", "client",
    "customer", "firm", "bei", "chez", "para", "presso", "by",
];

/// Capitalized words that are never names on their own however a list spells them.
const NEVER_NAMES: &[&str] = &[
    "i",
    "i'm",
    "i'll",
    "i've",
    "i'd",
    "ok",
    "okay",
    "the",
    "a",
    "an",
    "re",
    "fw",
    "fwd",
    "ps",
    "n/a",
    "tbd",
    "asap",
    "faq",
    "id",
    "vip",
    "ceo",
    "cto",
    "cfo",
    "hr",
    "it",
    "eu",
    "us",
    "uk",
    "usa",
    "pdf",
    "sms",
    "url",
    "api",
    "crm",
    "gdpr",
    "ccpa",
    "dsr",
    "iban",
    "ssn",
    "dob",
    "nhs",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Lower-case connecting words allowed inside names (`Rio de Janeiro`, `Ludwig van Beethoven`).
const PARTICLES: &[&str] =
    &["van", "von", "de", "der", "del", "della", "di", "da", "du", "le", "la", "den", "dos", "das", "do", "bin", "al", "el"];

/// Words joining parts of an organization or place name, never part of a person's name.
const JOINERS: &[&str] = &["of", "and", "&", "for", "the", "y", "et", "und"];

struct Token<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

fn tokens(text: &str, start: usize, end: usize) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut pos = start;
    for part in text[start..end].split(' ') {
        if !part.is_empty() {
            out.push(Token { text: part, start: pos, end: pos + part.len() });
        }
        pos += part.len() + 1;
    }
    out
}

fn is_lower_word(t: &str) -> bool {
    t.chars().next().is_some_and(|c| !c.is_uppercase())
}

fn is_all_caps(t: &str) -> bool {
    t.chars().filter(|c| c.is_alphabetic()).count() > 1 && t.chars().all(|c| !c.is_lowercase())
}

/// Whether the token could be part of a person's name (capitalized, not a common word, not a
/// place that is a country or region, not an organization word).
fn name_like(t: &str, info: &Info) -> bool {
    !is_lower_word(t)
        && !is_all_caps(t)
        && !word_in(t.trim_end_matches('.'), NEVER_NAMES)
        && info.org == OrgWord::None
        && !info.nrp
        && !matches!(info.place_kind, PlaceKind::Country | PlaceKind::Region)
        && (!info.common || info.surname > 0.0 || info.given > 0.0)
        && t.chars().filter(|c| c.is_alphabetic()).count() >= 2
}

fn is_initial(t: &str) -> bool {
    let mut c = t.chars();
    matches!((c.next(), c.next(), c.next()), (Some(a), Some('.'), None) if a.is_uppercase())
}

/// Splits the capitalized run `start..end` into entities.
pub(crate) fn resolve(text: &str, start: usize, end: usize, out: &mut Vec<Candidate>) {
    let toks = tokens(text, start, end);
    if toks.is_empty() {
        return;
    }
    let infos: Vec<Info> = toks.iter().map(|t| lookup(t.text)).collect();
    let g = gazetteer();
    let mut person_cue = words_before(text, start).next().is_some_and(|w| word_in(w, PERSON_CUES));
    let lead_cue = words_before(text, start).take(2).any(|w| word_in(w, PERSON_LEAD_WORDS));
    let loc_cue = words_before(text, start).take(2).any(|w| word_in(w, LOCATION_CUES));
    let org_cue = words_before(text, start).take(2).any(|w| word_in(w, ORG_CUES));
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let info = infos[i];
        let at_sentence_start = i == 0 && is_sentence_start(text, t.start);
        if word_in(t.text.trim_end_matches('.'), PERSON_CUES) {
            person_cue = true;
            i += 1;
            continue;
        }
        if is_lower_word(t.text) || word_in(t.text, JOINERS) {
            i += 1;
            continue;
        }
        // Organizations: capitalized words closed by a legal form, or holding an organization kind.
        if let Some(k) = (i..toks.len().min(i + 6)).find(|&k| infos[k].org == OrgWord::Legal && k > i) {
            push(out, id::ORGANIZATION, &toks[i], &toks[k], 0.85);
            i = k + 1;
            continue;
        }
        if let Some(k) = (i..toks.len().min(i + 5)).find(|&k| infos[k].org == OrgWord::Kind) {
            let span_end = extend_org(&toks, k);
            if span_end > i || k > i {
                push(out, id::ORGANIZATION, &toks[i], &toks[span_end], 0.85);
                i = span_end + 1;
                continue;
            }
        }
        // Multi-word places (`New York`, `Rio de Janeiro`), longest first.
        let mut place_len = 0;
        for len in (2..=g.max_place_words.min(toks.len() - i)).rev() {
            let words: Vec<&str> = toks[i..i + len].iter().map(|t| t.text.trim_end_matches(['.', ','])).collect();
            if lookup_phrase(&words).place > 0.0 {
                place_len = len;
                break;
            }
        }
        if place_len > 0 && !(info.given > 0.3 && !loc_cue && i + 1 < toks.len() && infos[i + 1].surname > 0.3 && infos[i + 1].place == 0.0)
        {
            push(out, id::LOCATION, t, &toks[i + place_len - 1], 0.85);
            i += place_len;
            continue;
        }
        // People: a given name followed by surname-like words, or any name after a title.
        let given = info.given > 0.0 && (!info.common || person_cue || lead_cue || info.given > 0.6);
        let next_name = i + 1 < toks.len() && (name_like(toks[i + 1].text, &infos[i + 1]) || is_initial(toks[i + 1].text));
        if (given || person_cue) && name_like(t.text, &info) && next_name {
            let mut j = i + 1;
            while j + 1 < toks.len()
                && j - i < 3
                && (name_like(toks[j + 1].text, &infos[j + 1]) || word_in(toks[j + 1].text, PARTICLES))
                && infos[j + 1].place_kind != PlaceKind::Country
            {
                j += 1;
            }
            while j > i && word_in(toks[j].text, PARTICLES) {
                j -= 1;
            }
            let score = if person_cue || lead_cue || (given && infos[j].surname > 0.0) { 0.85 } else { 0.7 };
            push(out, id::PERSON, t, &toks[j], score);
            person_cue = false;
            i = j + 1;
            continue;
        }
        if info.nrp {
            push(out, id::NRP, t, t, 0.85);
            i += 1;
            continue;
        }
        if person_cue && name_like(t.text, &info) {
            push(out, id::PERSON, t, t, 0.85);
            person_cue = false;
            i += 1;
            continue;
        }
        if info.place > 0.0 {
            let strong_kind = matches!(info.place_kind, PlaceKind::Country | PlaceKind::Region);
            let followed_by_place =
                words_after(text, t.end).next().is_some_and(|w| lookup(w).place_kind != PlaceKind::None) && text[t.end..].starts_with(", ");
            let personish = info.given > 0.3 || info.surname > 0.5;
            let score = if strong_kind && !info.common {
                0.85
            } else if loc_cue || followed_by_place {
                if personish && lead_cue { 0.5 } else { 0.85 }
            } else if info.common || personish {
                0.3
            } else if info.place > 0.5 {
                0.6
            } else {
                0.45
            };
            push(out, id::LOCATION, t, t, score);
            i += 1;
            continue;
        }
        if info.given > 0.0 && name_like(t.text, &info) {
            let score = if lead_cue {
                0.75
            } else if info.common {
                0.2
            } else if at_sentence_start {
                0.5
            } else {
                0.6
            };
            push(out, id::PERSON, t, t, score);
            i += 1;
            continue;
        }
        if org_cue
            && i == 0
            && !info.common
            && !is_all_caps(t.text)
            && info.surname > 0.0
            && words_before(text, start).next().is_some_and(|w| word_in(w, &["at", "bei", "chez"]))
        {
            push(out, id::ORGANIZATION, t, t, 0.4);
        }
        i += 1;
    }
}

/// After an organization kind word, takes `of X` / `& X` tails (`Bank of America`).
fn extend_org(toks: &[Token<'_>], k: usize) -> usize {
    let mut j = k;
    while j + 2 < toks.len() && word_in(toks[j + 1].text, JOINERS) && !is_lower_word(toks[j + 2].text) {
        j += 2;
    }
    j
}

fn push(out: &mut Vec<Candidate>, entity: u16, first: &Token<'_>, last: &Token<'_>, score: f32) {
    let end = first.start + (last.end - first.start) - trailing_trim(last.text);
    if end > first.start {
        out.push(Candidate::new(entity, first.start, end, score, false));
    }
}

/// Bytes of trailing punctuation and possessive `'s` to leave out of an entity.
fn trailing_trim(t: &str) -> usize {
    let trimmed = t.trim_end_matches(['.', ',', '-', '\'', '’']);
    let trimmed = trimmed.strip_suffix("'s").or_else(|| trimmed.strip_suffix("’s")).unwrap_or(trimmed);
    if trimmed.len() < t.len() && t.ends_with('.') && trimmed.chars().count() == 1 {
        // An initial keeps its dot.
        return 0;
    }
    t.len() - trimmed.len()
}
