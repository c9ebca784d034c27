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
use crate::context::{is_sentence_start, mask_has, word_in, word_mask, words_after, words_before};
use crate::entity::id;

mod words;

pub(crate) use words::WORD_LISTS;
use words::*;

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
    /// The first word of some multi-word place name (`new` of `New York`).
    phrase_start: bool,
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
        for r in rows(include_str!("../../data/given_names.txt")) {
            let e = words.entry(fold(r[0])).or_default();
            e.given = e.given.max(weight(r.get(1)));
        }
        // GFDL-licensed, so only in builds that ask for it (`--features custos-pii/intl-names`).
        #[cfg(feature = "intl-names")]
        for r in rows(include_str!("../../data/given_names_intl.txt")) {
            let e = words.entry(fold(r[0])).or_default();
            e.given = e.given.max(weight(r.get(1)));
        }
        for r in rows(include_str!("../../data/surnames.txt")) {
            let e = words.entry(fold(r[0])).or_default();
            e.surname = e.surname.max(weight(r.get(1)));
        }
        for r in rows(include_str!("../../data/places.txt")) {
            let key = fold(r[0]);
            max_place_words = max_place_words.max(key.split(' ').count());
            if let Some((first, _)) = key.split_once(' ') {
                words.entry(first.to_owned()).or_default().phrase_start = true;
            }
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
        for r in rows(include_str!("../../data/nrp.txt")) {
            words.entry(fold(r[0])).or_default().nrp = true;
        }
        for r in rows(include_str!("../../data/org_suffixes.txt")) {
            let kind = if r.get(1).is_some_and(|k| k.trim() == "legal") { OrgWord::Legal } else { OrgWord::Kind };
            words.entry(fold(r[0].trim_end_matches('.'))).or_default().org = kind;
        }
        for r in rows(include_str!("../../data/common_words.txt")) {
            words.entry(fold(r[0])).or_default().common = true;
        }
        Gazetteer { words, max_place_words }
    })
}

/// Forces the gazetteers to load (so the first request does not pay for it).
pub(crate) fn warm_up() {
    let _ = gazetteer();
}

/// The gazetteer key of a word: lower case, Latin diacritics removed, apostrophes dropped, so
/// `Müller`, `García` and `O'Brien` meet the census spellings `muller`, `garcia`, `obrien`.
fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' | 'đ' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ğ' => 'g',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => 'i',
            'ł' | 'ľ' | 'ĺ' => 'l',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ř' | 'ŕ' => 'r',
            'ś' | 'š' | 'ş' | 'ș' => 's',
            'ť' | 'ţ' | 'ț' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => 'u',
            'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            '\'' | '’' => continue,
            other => other,
        };
        out.push(base);
    }
    out
}

fn lookup(word: &str) -> Info {
    let g = gazetteer();
    let w = word.trim_end_matches('.');
    let w = w.strip_suffix("'s").or_else(|| w.strip_suffix("’s")).unwrap_or(w);
    let mut buf = [0u8; 48];
    if w.is_ascii() && w.len() <= buf.len() && !w.contains('\'') {
        let b = &mut buf[..w.len()];
        b.copy_from_slice(w.as_bytes());
        b.make_ascii_lowercase();
        // INVARIANT: lower-casing ASCII bytes keeps them valid UTF-8.
        let key = std::str::from_utf8(b).unwrap_or_default();
        return g.words.get(key).copied().unwrap_or_default();
    }
    g.words.get(&fold(w)).copied().unwrap_or_default()
}

fn lookup_phrase(words: &[&str]) -> Info {
    let key = words.iter().map(|w| fold(w)).collect::<Vec<_>>().join(" ");
    gazetteer().words.get(&key).copied().unwrap_or_default()
}

struct Token<'a> {
    text: &'a str,
    start: usize,
    end: usize,
}

/// A run's tokens: on the stack for runs of up to eight words (nearly all), since every
/// capitalized run of the text is split this way.
type Tokens<'a> = smallvec::SmallVec<[Token<'a>; 8]>;

fn tokens(text: &str, start: usize, end: usize) -> Tokens<'_> {
    let mut out = Tokens::new();
    let mut pos = start;
    for part in text[start..end].split(' ') {
        if !part.is_empty() {
            out.push(Token { text: part, start: pos, end: pos + part.len() });
        }
        pos += part.len() + 1;
    }
    out
}

fn bare(t: &str) -> &str {
    let t = t.trim_end_matches(['.', ',']);
    t.strip_suffix("'s").or_else(|| t.strip_suffix("’s")).unwrap_or(t)
}

fn is_lower_word(t: &str) -> bool {
    t.chars().next().is_some_and(|c| !c.is_uppercase())
}

fn is_all_caps(t: &str) -> bool {
    t.chars().filter(|c| c.is_alphabetic()).count() > 1 && t.chars().all(|c| !c.is_lowercase())
}

fn is_initial(t: &str) -> bool {
    let mut c = t.chars();
    matches!((c.next(), c.next(), c.next()), (Some(a), Some('.'), None) if a.is_uppercase())
}

fn is_number(w: &str) -> bool {
    !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
}

fn is_street_token(t: &str) -> bool {
    let b = bare(t);
    if word_in(b, STREET_SUFFIXES) {
        return true;
    }
    // (Lower-cased on the stack for the common short ASCII word: this runs for every token.)
    let mut buf = [0u8; 32];
    let lower = crate::context::lowered(b, &mut buf);
    STREET_ENDINGS.iter().any(|e| lower.len() > e.len() + 2 && lower.ends_with(e))
}

/// Whether the token can be part of a person's name at all.
fn nameish(t: &str, info: &Info) -> bool {
    // French and Italian elisions (`J'ai`, `L'ordine`) are not names.
    let elided = t.chars().nth(1).is_some_and(|c| c == '\'' || c == '’');
    !elided
        && !is_lower_word(t)
        && !is_all_caps(t)
        && !word_in(bare(t), NEVER_NAMES)
        && info.org == OrgWord::None
        && t.chars().filter(|c| c.is_alphabetic()).count() >= 2
}

/// Whether the token is likely a surname (or an unknown capitalized word after a first name).
fn surname_like(t: &str, info: &Info) -> bool {
    nameish(t, info)
        && (info.surname > 0.0 || (!info.common && info.place_kind == PlaceKind::None && !info.nrp) || info.given > 0.0)
        && !word_in(bare(t), CALENDAR_WORDS)
}

/// Where a capitalized run should stop so that a date inside it is read as a date
/// (`DOB Jul 23, 1967`): the byte offset of the first month or weekday word after the first.
pub(crate) fn calendar_cut(text: &str, start: usize, end: usize) -> Option<usize> {
    if !text[start..end].contains(' ') {
        return None;
    }
    tokens(text, start, end)
        .iter()
        .skip(1)
        .find(|t| word_in(bare(t.text), CALENDAR_WORDS) && text[t.end..].trim_start_matches([',', '.']).starts_with(' '))
        .map(|t| t.start)
}

/// Splits the capitalized run `start..end` into entities.
pub(crate) fn resolve(text: &str, start: usize, end: usize, out: &mut Vec<Candidate>) {
    let toks = tokens(text, start, end);
    if toks.is_empty() {
        return;
    }
    let sentence_start = is_sentence_start(text, start);
    // `Ask Mbeki about it`: an imperative that addresses someone opens the sentence and the
    // run; what follows it is read as a run of its own, with the verb as its cue.
    if toks.len() >= 2 && sentence_start && word_in(bare(toks[0].text), IMPERATIVE_NAME_CUES) {
        resolve(text, toks[1].start, end, out);
        return;
    }
    // `Nurse Palesa`, `Driver Tomasi`: a role opening the sentence and the run (some are
    // surnames too) is the cue for the name after it. (`Son` is a Korean surname first.)
    if toks.len() >= 2 && sentence_start && word_in(bare(toks[0].text), PERSON_ROLES) && !toks[0].text.eq_ignore_ascii_case("son") {
        resolve(text, toks[1].start, end, out);
        return;
    }
    // `Can Aigerim Bekova reset ...?`: an auxiliary opening a question and the run; the
    // subject follows, with the auxiliary as its cue. (`Will` and `May` are names too.)
    if toks.len() >= 2
        && sentence_start
        && word_in(bare(toks[0].text), AUXILIARIES)
        && !["will", "may"].iter().any(|w| toks[0].text.eq_ignore_ascii_case(w))
        && asks(&text[end..near(text, end, 64)])
    {
        // (`Is the Oamaru branch open?`: the rest starts at its first capitalized word.)
        if let Some(k) = (1..toks.len()).find(|&k| !is_lower_word(toks[k].text)) {
            resolve(text, toks[k].start, end, out);
        }
        return;
    }
    // `Standort Genthin`, `Filiale Lübz`: a German noun of place opens the run (German
    // capitalizes nouns); the place follows, with the noun as its cue.
    if toks.len() >= 2 && ["standort", "wohnort", "filiale", "niederlassung"].iter().any(|w| toks[0].text.eq_ignore_ascii_case(w)) {
        resolve(text, toks[1].start, end, out);
        return;
    }
    // `1016 DV Amsterdam`: the letters of a Dutch postcode open the run; the town follows.
    if toks.len() >= 2
        && toks[0].text.len() == 2
        && toks[0].text.bytes().all(|b| b.is_ascii_uppercase())
        && words_before(text, start).next().is_some_and(|w| w.len() == 4 && is_number(w))
    {
        resolve(text, toks[1].start, end, out);
        return;
    }
    let infos: smallvec::SmallVec<[Info; 8]> = toks.iter().map(|t| lookup(t.text)).collect();
    // `Aroha Ngata` on a line of its own, above a street line or below `Ship to:`: the
    // addressee of an address block.
    let fills_line = (start == 0 || text[..start].trim_end_matches([' ', '\t']).ends_with('\n'))
        && text[end..].trim_start_matches([' ', '\t', ',']).chars().next().is_none_or(|c| c == '\n' || c == '\r');
    if (2..=3).contains(&toks.len())
        && fills_line
        && toks.iter().zip(&infos).enumerate().all(|(k, (t, inf))| {
            // (`Nomvula Zulu`: a people's name may be a surname after the first word.)
            nameish(t.text, inf)
                && !inf.common
                && inf.org == OrgWord::None
                && (!inf.nrp || k > 0)
                && !matches!(inf.place_kind, PlaceKind::Country | PlaceKind::Region)
                && !is_street_token(t.text)
                && !word_in(bare(t.text), CALENDAR_WORDS)
        })
        && address_block_name_line(text, start, end)
    {
        push(out, id::PERSON, &toks[0], &toks[toks.len() - 1], 0.6);
        return;
    }
    // `Grey Lynn` on the line below `45 Ponsonby Road`: the locality of an address block.
    if (1..=3).contains(&toks.len())
        && fills_line
        && toks
            .iter()
            .zip(&infos)
            .all(|(t, inf)| nameish(t.text, inf) && inf.org == OrgWord::None && !word_in(bare(t.text), CALENDAR_WORDS))
        && below_street_line(text, start, end)
    {
        push(out, id::LOCATION, &toks[0], &toks[toks.len() - 1], if infos.iter().any(|i| i.place > 0.0) { 0.85 } else { 0.6 });
        return;
    }
    // `Kowalski sp. z o.o.`, `Kovač d.o.o.`, `Jensen A/S`: a legal form the capitalized run does
    // not hold (lower case, or with a slash) closes a firm's name right after it; the firm is
    // the run's last words no list knows as ordinary ones.
    if let Some(len) = legal_form_after(text, end) {
        let first = (0..toks.len()).rev().take(3).take_while(|&k| !infos[k].common && !is_lower_word(toks[k].text)).last();
        if let Some(k) = first {
            if k > 0 {
                resolve(text, toks[0].start, toks[k - 1].end, out);
            }
            out.push(Candidate::new(id::ORGANIZATION, toks[k].start, end + 1 + len, 0.85, false));
            return;
        }
    }
    // `Then Okonkwo said ...`: an ordinary word no list knows opens the sentence and the run;
    // the rest is read as a run of its own (titles and greetings are cues the loop reads).
    if toks.len() >= 2 && sentence_start {
        let i0 = infos[0];
        // (`Booked for Erdene Batbayar`: a word no list knows, then `for`/`the`/`of` in lower
        // case, opens a sentence the way an ordinary word does.)
        let joined = toks.len() >= 3 && is_lower_word(toks[1].text);
        let plain = (i0.common || joined)
            && i0.given == 0.0
            && i0.surname == 0.0
            && i0.place == 0.0
            && !i0.nrp
            && !i0.phrase_start
            && i0.org == OrgWord::None
            && !word_in(bare(toks[0].text), PERSON_CUES)
            && !word_in(bare(toks[0].text), ROLE_WORDS)
            && !toks[0].text.ends_with([',', ':', '.']);
        if plain {
            // (Only when the rest holds something to read: a run of ordinary words has none.)
            let rest_known = infos[1..].iter().any(|i| {
                !i.common || i.given > 0.0 || i.surname > 0.0 || i.place > 0.0 || i.nrp || i.phrase_start || i.org != OrgWord::None
            });
            // (`Booked for Erdene Batbayar`: the rest starts at its first capitalized word.)
            if rest_known
                && let Some(k) = (1..toks.len()).find(|&k| !is_lower_word(toks[k].text) || word_in(bare(toks[k].text), DETERMINERS))
            {
                resolve(text, toks[k].start, end, out);
            }
            return;
        }
    }
    // Fast exit for the common case: capitalized words the gazetteers know nothing about
    // (`The`, `Please`, `Order`) with no title or lead word before them.
    let known =
        infos.iter().any(|i| i.given > 0.0 || i.surname > 0.0 || i.place > 0.0 || i.nrp || i.org != OrgWord::None || i.phrase_start);
    let mut words_back = words_before(text, start);
    let before1 = words_back.next();
    let before2 = words_back.next();
    // The text before the run, without its trailing blanks (many cues read its last character).
    let head = text[..start].trim_end();
    // Whether the word right before the run opens its sentence (`Can Aigerim ...?`, `Nurse Palesa`).
    let opens_sentence = |w: &str| head.ends_with(w) && is_sentence_start(text, head.len() - w.len());
    let after_word = words_after(text, end).next();
    // One gazetteer-of-cues lookup per neighbouring word answers every list question below.
    let (m1, m2, ma) = (before1.map_or(0, word_mask), before2.map_or(0, word_mask), after_word.map_or(0, word_mask));
    // A word that puts an unknown name in a place (`lives in`, `near`, `moved to`, a postcode,
    // `..., Road, <town>`) or on a person (`I'm`, `call`, `this is`).
    let opens_with_determiner = word_in(bare(toks[0].text), DETERMINERS);
    let place_cue = !opens_with_determiner
        && !sentence_start
        && (mask_has(m1, UNKNOWN_PLACE_CUES)
            || (before1.is_some_and(|w| w.eq_ignore_ascii_case("to") || w.eq_ignore_ascii_case("from")) && mask_has(m2, MOTION_WORDS))
            || before1.is_some_and(|w| is_number(w) && (4..=6).contains(&w.len()))
            || postcode_before(text, start)
            || (mask_has(m1, STREET_SUFFIXES) && head.ends_with(',')));
    // `Tuleborough 4021` / `..., Zambrów 12-345`: a run right before a postcode, opening a line
    // or after a comma, is a town.
    let postcode_after = after_word.is_some_and(|w| w.len() >= 4 && w.len() <= 6 && w.bytes().all(|b| b.is_ascii_digit()))
        && text[end..].starts_with(' ')
        && (text[..start].trim_end_matches([' ', '\t']).ends_with(['\n', ',']) || text[..start].trim().is_empty());
    // `Tuleborough, Finland`: a run followed by a known country or region is a town;
    // `the Kelverton office`: a run between `the` and a kind of site is one too. (The
    // gazetteer is asked only when a comma follows: most runs are not.)
    let country_after = text[end..].starts_with(", ")
        && after_word.map(lookup).is_some_and(|i| matches!(i.place_kind, PlaceKind::Country | PlaceKind::Region) && i.given == 0.0);
    let site_after = mask_has(ma, SITE_NOUNS)
        && before1.is_some_and(|w| {
            ["the", "at", "in", "from", "to", "near", "our", "your", "their", "my"].iter().any(|c| w.eq_ignore_ascii_case(c))
        });
    // `Tarnów is a small city`, `Pukekohe is where I grew up`: a sentence that says so.
    let said_to_be_place = toks.len() <= 2 && sentence_start && is_said_to_be_place(&text[end..near(text, end, 64)]);
    // `Shipped to Rangi Parata, 14 Kowhai Street`: the addressee right before a street
    // line is a person, whatever word put it there. (`Bill to: Sara Brown, Torres-Jones,
    // 85 Drake Crescent`: after a comma, the firm between person and street is none.)
    let street_line_after = !head.ends_with(',') && street_line_follows(&text[end..near(text, end, 64)]);
    let place_cue =
        (place_cue || (!opens_with_determiner && postcode_after) || country_after || site_after || said_to_be_place) && !street_line_after;
    // `From: Ama Macedo <ama@example.net>`, `Çevregül said`, `Barsen's birthday`: a run
    // before an address in angle brackets, a reporting verb, or a possessive person's thing.
    // (`Julie from Lane-Harrison says`: after an organization cue, the firm rule decides.)
    let email_after = text[end..].starts_with(" <") && text[end..].split('>').next().is_some_and(|b| b.contains('@'));
    let verb_after = mask_has(ma, PERSON_VERBS)
        && text[end..].starts_with(' ')
        && !mask_has(m1, ORG_CUES)
        && !(toks.len() == 1 && toks[0].text.contains('-'));
    let possessive_owner =
        toks.last().is_some_and(|t| t.text.ends_with("'s") || t.text.ends_with("’s")) && mask_has(ma, PERSONAL_POSSESSIONS);
    // `spoke with Ngozi`, `talked to Aroha`: talking is done with people.
    let talk_cue = before1.is_some_and(|w| w.eq_ignore_ascii_case("with") || w.eq_ignore_ascii_case("to")) && mask_has(m2, TALK_VERBS);
    // Cues strong enough to make a person of a word some list knows as a small place or a
    // surname (`Okonkwo said`, `Ask Mbeki`), unlike `with`, `and` or `for` alone.
    let strong_name_cue = email_after
        || (verb_after && toks.len() <= 3)
        || possessive_owner
        || talk_cue
        || (mask_has(m1, SINGLE_NAME_CUES) && !before1.is_some_and(|w| ["with", "and", "for"].iter().any(|c| w.eq_ignore_ascii_case(c))));
    // `Ngaire and I will attend`: someone named with oneself.
    let with_me =
        text[end..].starts_with(" and ") && ["I ", "me ", "me.", "I'll ", "myself"].iter().any(|w| text[end + 5..].starts_with(w));
    // `..., Ryan.` / `Dawn, we miss you!`: someone addressed by name, at a sentence's end
    // after a comma, or at its start before a comma and a pronoun; `Elizabeth, who ...`.
    // What follows the run, bounded: every look ahead here reads a few words at most, so a
    // text of many runs stays linear to scan.
    let tail = &text[end..near(text, end, 64)];
    let vocative_end = toks.len() == 1
        && text[..start].trim_end_matches(' ').ends_with(',')
        && tail.starts_with(['.', '!', '?'])
        && tail[1..].trim_start().chars().next().is_none_or(|c| c.is_uppercase() || c == '\n');
    let vocative_start = toks.len() == 1
        && sentence_start
        && tail.strip_prefix(", ").is_some_and(|r| {
            r.split(' ')
                .next()
                .is_some_and(|w| ["we", "you", "i", "your", "our", "please", "thanks", "thank"].iter().any(|p| w.eq_ignore_ascii_case(p)))
        });
    let who_after = tail.starts_with(", who ") || tail.starts_with(" who ");
    let lead_before = mask_has(m1, PERSON_LEAD_WORDS)
        && !before1
            .is_some_and(|w| ["and", "with", "from", "by", "for", "said", "says", "wrote"].iter().any(|c| w.eq_ignore_ascii_case(c)));
    // `the Okafor family`, `c/o Haukur Sigurðsson`.
    let family_after = before1.is_some_and(|w| w.eq_ignore_ascii_case("the"))
        && after_word.is_some_and(|w| {
            ["family", "household", "residence", "twins", "brothers", "sisters"].iter().any(|f| w.eq_ignore_ascii_case(f))
        });
    let care_of = head.len() >= 3 && head.is_char_boundary(head.len() - 3) && head[head.len() - 3..].eq_ignore_ascii_case("c/o");
    // `Nurse Palesa`, `our stylist Tavita`, `Shoutout to Thandeka`: a role names the person
    // after it. (In lower case or opening the sentence: `Guest WiFi`, `Driver App` are features.)
    let role_before = (mask_has(m1, PERSON_ROLES)
        && before1.is_some_and(|w| w.starts_with(|c: char| c.is_lowercase()) || opens_sentence(w)))
        || (before1.is_some_and(|w| w.eq_ignore_ascii_case("to")) && before2.is_some_and(|w| w.eq_ignore_ascii_case("shoutout")));
    let strong_name_cue = strong_name_cue || with_me || who_after || street_line_after || family_after || care_of;
    // `Can Aigerim Bekova reset her password?`: the subject of a question opened by an
    // auxiliary, before a verb in lower case.
    let aux_question = mask_has(m1, AUXILIARIES)
        && (before2.is_none() || mask_has(m2, QUESTION_WORDS))
        && after_word.is_some_and(is_lower_word)
        && asks(tail)
        && (before2.is_some() || before1.is_some_and(opens_sentence));
    // `Thank you Pania, ...`, `Thanks Hemi!`: someone thanked by name.
    let thanked = toks.len() <= 2
        && (before1.is_some_and(|w| w.eq_ignore_ascii_case("thanks"))
            || before1.is_some_and(|w| w.eq_ignore_ascii_case("you")) && before2.is_some_and(|w| w.eq_ignore_ascii_case("thank")))
        && tail.trim_start_matches(' ').chars().next().is_none_or(|c| matches!(c, ',' | '!' | '.' | '\n'));
    let name_cue = strong_name_cue
        || role_before
        || aux_question
        || thanked
        || mask_has(m1, SINGLE_NAME_CUES)
        || (before1.is_some_and(|w| w.eq_ignore_ascii_case("is")) && before2.is_some_and(|w| w.eq_ignore_ascii_case("this")));
    let unknown_speaker = toks.len() == 1 && text[toks[0].end..].starts_with(": ") && dialogue_turn(text, start);
    // `works at Brightwater`, `CEO of Tidewater`, `my account at Nordbank`: a preposition after
    // a word of employment or custom puts a firm after it.
    // (`with` only after custom: one works *with* people, but holds an account with a bank.)
    let employer_cue = !opens_with_determiner
        && ((before1.is_some_and(|w| ["at", "for", "by", "of"].iter().any(|c| w.eq_ignore_ascii_case(c))) && mask_has(m2, EMPLOYER_WORDS))
            || (before1.is_some_and(|w| w.eq_ignore_ascii_case("with"))
                && before2.is_some_and(|w| {
                    ["account", "accounts", "contract", "policy", "subscription", "insured", "bank", "banking", "banks"]
                        .iter()
                        .any(|c| w.eq_ignore_ascii_case(c))
                }))
            // `ordered from Kapiti Cheese`, `a rep from Fonterra`.
            || (before1.is_some_and(|w| w.eq_ignore_ascii_case("from")) && mask_has(m2, COMMERCE_WORDS))
            // `Spark's billing`, `my Kiwibank account`.
            || (mask_has(ma, FIRM_THINGS)
                && (toks.last().is_some_and(|t| t.text.ends_with("'s") || t.text.ends_with("’s"))
                    || before1.is_some_and(|w| ["my", "our", "your", "his", "her", "their"].iter().any(|c| w.eq_ignore_ascii_case(c))))));
    // (Two or three words no list knows, inside a sentence, may still be a name: read below.)
    let unknown_pair = (2..=3).contains(&toks.len()) && !sentence_start && infos.iter().all(|i| !i.common);
    if !known
        && !unknown_pair
        && !place_cue
        && !name_cue
        && !unknown_speaker
        && !employer_cue
        && !toks.iter().any(|t| {
            t.text.contains('-')
                || word_in(bare(t.text), PERSON_CUES)
                || word_in(t.text.trim_start_matches('(').trim_end_matches([',', '.']), PERSON_LEAD_WORDS)
        })
        && !mask_has(m1, PERSON_CUES)
        && !mask_has(m1, PERSON_LEAD_WORDS)
        && !(before1.is_some_and(|w| w.eq_ignore_ascii_case("is") || w.eq_ignore_ascii_case("was")) && mask_has(m2, PERSON_LEAD_WORDS))
        && !head.ends_with(':')
    {
        return;
    }
    let g = gazetteer();
    // `Name: Tuomas Lehtinen`, `Cc: Nguyễn Thị Hoa`: a label and a colon on the same line
    // open a new "sentence" but are the run's cue word all the same.
    let label_head = text[..start].trim_end_matches([' ', '\t']);
    let colon_label = label_head.strip_suffix(':').filter(|h| !h.ends_with([' ', '\n'])).and_then(|h| words_before(h, h.len()).next());
    let prev = if sentence_start { colon_label } else { before1 };
    let prev2 = if sentence_start { None } else { before2 };
    let prev_in = |list: &'static [&'static str]| prev.is_some_and(|w| word_in(w, list));
    let mut person_cue = prev_in(PERSON_CUES) || (sentence_start && mask_has(m1, PERSON_CUES));
    // `The account holder is Thandiwe Mokoena`: a lead word, then `is`/`was`.
    let lead_then_is = prev.is_some_and(|w| w.eq_ignore_ascii_case("is") || w.eq_ignore_ascii_case("was"))
        && prev2.is_some_and(|w| word_in(w, PERSON_LEAD_WORDS) && !["and", "with", "from", "by"].iter().any(|c| w.eq_ignore_ascii_case(c)));
    // `moved from Wagga Wagga`: after a motion word, `from` and `to` lead to places, not people.
    let motion_from = place_cue && prev.is_some_and(|w| w.eq_ignore_ascii_case("from") || w.eq_ignore_ascii_case("to"));
    let lead_cue = (prev_in(PERSON_LEAD_WORDS) && !motion_from)
        || lead_then_is
        || prev2.is_some_and(|w| word_in(w, &["name", "heißt", "appelle", "llamo", "chiamo"]));
    let comma_before = head.ends_with(',');
    let loc_cue = prev_in(LOCATION_CUES)
        || prev.is_some_and(|w| is_number(w) && (4..=5).contains(&w.len()))
        || postcode_before(text, start)
        || (comma_before && prev.is_some_and(|w| lookup(w).place > 0.0 && !is_number(w)));
    let org_cue = prev_in(ORG_CUES);
    // `Scott: did u get my msg?`, `Donald (agent): I see ...`: a given name opening a line
    // before a colon (a common word only when it is a frequent given name, not a month).
    let role_colon = text[toks[0].end..]
        .strip_prefix(" (")
        .and_then(|r| r[..crate::scan::floor_boundary(r, r.len().min(32))].find("):").filter(|&at| !r[..at].contains(['\n', '('])))
        .is_some();
    // (`[04:00] Catherine: ...`: a chat log's timestamp opens the line.)
    let after_stamp = || {
        let line_head = crate::context::short_line(text, start, end).map_or("", |(s, _)| &text[s..start]);
        line_head.trim().starts_with('[') && line_head.trim().ends_with(']') && line_head.len() <= 24
    };
    let speaker = toks.len() == 1
        && (text[toks[0].end..].starts_with(':') || role_colon)
        && (sentence_start || head.ends_with(']') && after_stamp())
        && (!infos[0].common || infos[0].given >= 0.5)
        && !word_in(bare(toks[0].text), CALENDAR_WORDS)
        && (infos[0].given > 0.0 || (unknown_speaker && infos[0].place == 0.0 && !infos[0].nrp));

    // Address lines: after a house number or a street word, or ending in a street type.
    // (A house number stands right before the street: `[04:00] Catherine` is no address.)
    let after_number = prev.is_some_and(is_number) && head.ends_with(|c: char| c.is_ascii_digit()) && !postcode_before(text, start);
    let street_end = toks.iter().rposition(|t| is_street_token(t.text));
    // `Rue de la Paix`, `Rua Augusta 120`: a street named after its prefix word.
    let number_after = text[end..].strip_prefix(' ').is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()));
    let street_word_first =
        toks.len() >= 2 && word_in(bare(toks[0].text), STREET_PREFIXES) && (is_lower_word(toks[1].text) || number_after);
    if street_word_first || prev_in(STREET_PREFIXES) || (after_number && (street_end.is_some() || toks.len() <= 3)) {
        let skip = street_end.map_or(toks.len(), |k| k + 1);
        if after_number && street_end.is_none() && infos[0].place > 0.0 && loc_cue {
            push(out, id::LOCATION, &toks[0], &toks[0], 0.85);
        }
        if skip < toks.len() {
            resolve(text, toks[skip].start, end, out);
        }
        return;
    }
    // (`Hey Dale`: a greeting opens no address line.)
    if let Some(k) = street_end
        && !word_in(bare(toks[0].text), PERSON_CUES)
        // (`Guest name: Sun-hee Park`: after a title or a name label, a person.)
        && !((person_cue || (colon_label.is_some() && lead_cue)) && k > 0 && toks.len() <= 3)
        // (`Terri Ford`, `Patient Janice Green`: a first name before a surname that is also a
        // street type is a person, wherever the pair stands in the run.)
        && (k > 0 && !(infos[k].surname > 0.3 && infos[k - 1].given > 0.3 && infos[k - 1].given >= infos[k - 1].surname)
            || (k == 0 && toks.len() == 1 && STREET_ENDINGS.iter().any(|e| toks[0].text.to_lowercase().ends_with(e))))
    {
        if k + 1 < toks.len() {
            resolve(text, toks[k + 1].start, end, out);
        }
        return;
    }

    // `a Bendigo-based designer`: the part before `-based` is a place.
    if let Some(last) = toks.last()
        && let Some(place) = bare(last.text).strip_suffix("-based")
        && !place.is_empty()
        && !lookup(place).common
        && lookup(place).org == OrgWord::None
    {
        if toks.len() > 1 {
            resolve(text, toks[0].start, toks[toks.len() - 2].end, out);
        }
        out.push(Candidate::new(id::LOCATION, last.start, last.start + place.len(), 0.6, false));
        return;
    }
    // Someone addressed or named with oneself: a given name here is a person even when it is
    // also an ordinary word or a town.
    let addressed = toks.len() == 1 && (vocative_end || vocative_start || who_after || with_me || lead_before || thanked);
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        let info = infos[i];
        let word = bare(t.text);
        // Titles and greetings, and lead words written capitalized inside the run
        // (`(Kontoinhaber Traugott Kusch)`, `Patient Janice Green`).
        let lead_here = i + 1 < toks.len()
            && info.given == 0.0
            && info.surname == 0.0
            && info.place == 0.0
            && word_in(t.text.trim_start_matches('(').trim_end_matches([',', '.']), PERSON_LEAD_WORDS)
            && !["and", "with", "from", "by", "for"].iter().any(|w| word.eq_ignore_ascii_case(w));
        if word_in(word, PERSON_CUES) || lead_here {
            person_cue = true;
            i += 1;
            continue;
        }
        if is_lower_word(t.text) || word_in(t.text, JOINERS) {
            // `Both Eero and Saija`: a word no list knows, joined by `and` to a person just
            // read, is a person too.
            let joins_people = ["and", "&", "und", "et", "y", "e", "og", "och", "és"].contains(&t.text)
                && out
                    .last()
                    .is_some_and(|c| c.entity == id::PERSON && i > 0 && c.end == toks[i - 1].end - trailing_trim(toks[i - 1].text));
            if joins_people
                && let Some(next) = toks.get(i + 1)
                && nameish(next.text, &infos[i + 1])
                && !infos[i + 1].common
                && infos[i + 1].place == 0.0
                && infos[i + 1].org == OrgWord::None
                && !infos[i + 1].nrp
                && !word_in(bare(next.text), CALENDAR_WORDS)
            {
                let mut j = i + 1;
                while j + 1 < toks.len() && j - i < 3 && surname_like(toks[j + 1].text, &infos[j + 1]) {
                    j += 1;
                }
                push(out, id::PERSON, next, &toks[j], 0.6);
                i = j + 1;
                continue;
            }
            i += 1;
            continue;
        }
        // Organizations: capitalized words closed by a legal form, or holding an organization kind.
        if let Some(mut k) = (i + 1..toks.len().min(i + 7)).find(|&k| infos[k].org == OrgWord::Legal) {
            // `Smith Pty Ltd`, `Nguyen Co., Ltd.`: legal forms in a row close one name.
            while k + 1 < toks.len() && infos[k + 1].org == OrgWord::Legal {
                k += 1;
            }
            // `Albert Gargallo de Fábrica Iberia S.Com.`: the firm starts after the last particle.
            if let Some(p) = (i + 1..k).rev().find(|&p| word_in(toks[p].text, PARTICLES) && p > i + 1) {
                resolve(text, toks[i].start, toks[p - 1].end, out);
                push(out, id::ORGANIZATION, &toks[p + 1], &toks[k], 0.85);
                i = k + 1;
                continue;
            }
            push(out, id::ORGANIZATION, &toks[i], &toks[k], 0.85);
            i = k + 1;
            continue;
        }
        if let Some(k) = (i..toks.len().min(i + 5)).find(|&k| infos[k].org == OrgWord::Kind)
            && !word_in(word, ROLE_WORDS)
        {
            let person_then_kind = k == i + 1 && infos[i].given > 0.3 && infos[k].surname > 0.0;
            // `Cobalt Savings Bank`: kinds in a row belong to one name.
            // (Only after a name word: `International Bank` alone is two kinds, no firm.)
            let mut span_end = extend_org(&toks, k);
            while k > i && span_end + 1 < toks.len() && infos[span_end + 1].org == OrgWord::Kind {
                span_end = extend_org(&toks, span_end + 1);
            }
            if !person_then_kind && (span_end > i || k > i) {
                push(out, id::ORGANIZATION, &toks[i], &toks[span_end], 0.85);
                i = span_end + 1;
                continue;
            }
        }
        // `J. Mwangi`, `A. K. Osei`: initials before a surname-like word no list knows as an
        // ordinary word or a place.
        if is_initial(t.text) {
            let mut j = i;
            while j + 1 < toks.len() && j - i < 2 && is_initial(toks[j + 1].text) {
                j += 1;
            }
            if let Some(next) = toks.get(j + 1)
                && surname_like(next.text, &infos[j + 1])
                && !infos[j + 1].common
                && infos[j + 1].place == 0.0
                && !infos[j + 1].nrp
                && infos[j + 1].org == OrgWord::None
            {
                push(out, id::PERSON, t, next, if infos[j + 1].surname > 0.0 { 0.85 } else { 0.6 });
                i = j + 2;
                continue;
            }
        }
        // People: a first name followed by surname-like words.
        let next_surname = i + 1 < toks.len() && (surname_like(toks[i + 1].text, &infos[i + 1]) || is_initial(toks[i + 1].text));
        let first = nameish(t.text, &info) && !word_in(word, CALENDAR_WORDS) && (info.given > 0.0 || person_cue || lead_cue);
        let first_strong = info.given > 0.0 && (!info.common || person_cue || lead_cue || info.given >= 0.7);
        if first && next_surname && (first_strong || person_cue || lead_cue || infos[i + 1].surname > 0.3) {
            let mut j = i + 1;
            while j + 1 < toks.len()
                && j - i < 3
                && (surname_like(toks[j + 1].text, &infos[j + 1]) || word_in(toks[j + 1].text, PARTICLES))
                && infos[j + 1].place_kind != PlaceKind::Country
                && infos[j + 1].org == OrgWord::None
            {
                j += 1;
            }
            while j > i && word_in(toks[j].text, PARTICLES) {
                j -= 1;
            }
            // A known place phrase starting here (`Santa Cruz`) wins over an unknown surname.
            let (place_phrase, phrase_weight) = match place_phrase_at(&toks, &infos, i, g.max_place_words) {
                Some((len, w)) => (Some(len), w),
                None => (None, 0.0),
            };
            if let Some(len) = place_phrase
                && (infos[i + 1].surname == 0.0 || loc_cue || (phrase_weight >= 0.5 && info.given < 0.7 && !person_cue))
            {
                push(out, id::LOCATION, t, &toks[i + len - 1], 0.85);
                i += len;
                continue;
            }
            let score = if person_cue || lead_cue || (first_strong && infos[j].surname > 0.0) { 0.85 } else { 0.7 };
            push(out, id::PERSON, t, &toks[j], score);
            person_cue = false;
            i = j + 1;
            continue;
        }
        // Multi-word places (`New York`, `Rio de Janeiro`), longest first.
        if let Some((len, _)) = place_phrase_at(&toks, &infos, i, g.max_place_words) {
            push(out, id::LOCATION, t, &toks[i + len - 1], 0.85);
            i += len;
            continue;
        }
        if info.nrp {
            let mut j = i;
            while j + 1 < toks.len() && infos[j + 1].nrp {
                j += 1;
            }
            let lead = words_before(text, t.start).next().is_some_and(|w| word_in(w, NRP_LEAD_WORDS));
            let trail = words_after(text, toks[j].end).next().is_some_and(|w| word_in(w, NRP_TRAIL_WORDS));
            push(out, id::NRP, t, &toks[j], if lead || trail { 0.85 } else { 0.6 });
            i = j + 1;
            continue;
        }
        let unknown = info.given == 0.0 && info.surname == 0.0 && info.place == 0.0 && !info.nrp && !info.common;
        // A firm after an employment cue: one to three name-shaped words no list knows as a
        // given name or a place (a surname may name a firm: `Halvorsen`).
        // (`Kapiti Coast Cheese`, `Tui Brewing`: after two or more such words, a last word may
        // be an ordinary one, the firm's trade; its first words may name a small place.)
        if i == 0
            && employer_cue
            && toks.len() <= 3
            && toks.iter().zip(&infos).enumerate().all(|(k, (t, inf))| {
                let last = k + 1 == toks.len();
                let trade = last && k > 0 && inf.common && !is_lower_word(t.text);
                let small_place = !last
                    && k == 0
                    && toks.len() > 1
                    && inf.place <= 0.5
                    && !matches!(inf.place_kind, PlaceKind::Country | PlaceKind::Region);
                (trade || (nameish(t.text, inf) && !inf.common))
                    && inf.given < 0.3
                    && (inf.place == 0.0 || small_place)
                    && !inf.nrp
                    && !word_in(bare(t.text), CALENDAR_WORDS)
            })
        {
            push(out, id::ORGANIZATION, t, &toks[toks.len() - 1], 0.6);
            break;
        }
        if i == 0 && place_cue && !person_cue && nameish(t.text, &info) && !word_in(word, CALENDAR_WORDS) {
            // An unknown town the sentence makes plain (`moved to Tuleborough`, `near New
            // Davidmouth`): the capitalized run, when its last word is known to no list.
            let mut j = i;
            while j + 1 < toks.len() && nameish(toks[j + 1].text, &infos[j + 1]) && infos[j + 1].org == OrgWord::None {
                j += 1;
            }
            let last = infos[j];
            if last.given == 0.0 && last.surname == 0.0 && last.place == 0.0 && !last.nrp && !last.common {
                push(out, id::LOCATION, t, &toks[j], 0.6);
                i = j + 1;
                continue;
            }
        }
        // A word some list holds only as a small place or a surname, after a strong cue
        // (`Okonkwo said`, `spoke with Ngozi`), is a person too.
        let minor_place_or_surname = !info.common
            && !info.nrp
            && info.org == OrgWord::None
            && info.place <= 0.5
            && !matches!(info.place_kind, PlaceKind::Country | PlaceKind::Region);
        if i == 0
            && name_cue
            && (unknown || (strong_name_cue && minor_place_or_surname && !place_cue && !loc_cue))
            && toks.len() <= 3
            && nameish(t.text, &info)
            && !word_in(word, CALENDAR_WORDS)
        {
            let mut j = i;
            while j + 1 < toks.len() && j < 2 && surname_like(toks[j + 1].text, &infos[j + 1]) {
                j += 1;
            }
            push(out, id::PERSON, t, &toks[j], 0.6);
            i = j + 1;
            continue;
        }
        // `sent the contract to Tiina Honkanen`: two or three name-shaped words no list knows as
        // anything else, inside a sentence, not after a determiner, the last one surname-like.
        if i == 0
            && (2..=3).contains(&toks.len())
            && (!sentence_start || colon_label.is_some())
            && !(mask_has(m1, DETERMINERS) || mask_has(m1, ORG_CUES))
            && toks.iter().zip(&infos).enumerate().all(|(k, (t, inf))| {
                // (A first word some list knows as a small place only, `Haukur Sigurðsson`,
                // `Erdene Batbayar`, still opens a name: the last word decides.)
                let small_place = k + 1 < toks.len()
                    && inf.place <= 0.5
                    && inf.surname == 0.0
                    && !matches!(inf.place_kind, PlaceKind::Country | PlaceKind::Region);
                nameish(t.text, inf)
                    && !inf.common
                    && (inf.place == 0.0 || small_place)
                    && !inf.nrp
                    && inf.org == OrgWord::None
                    && !word_in(bare(t.text), CALENDAR_WORDS)
                    && !t.text.ends_with(',')
            })
            && infos[toks.len() - 1].place == 0.0
            && surname_like(toks[toks.len() - 1].text, &infos[toks.len() - 1])
            && infos.iter().any(|inf| inf.given == 0.0 && inf.surname == 0.0)
        {
            push(out, id::PERSON, t, &toks[toks.len() - 1], 0.6);
            break;
        }
        if (person_cue || speaker) && nameish(t.text, &info) && !word_in(word, CALENDAR_WORDS) {
            push(out, id::PERSON, t, t, 0.85);
            person_cue = false;
            i += 1;
            continue;
        }
        let short = word.chars().count() <= 2 || (is_all_caps(word) && word.chars().count() <= 3);
        // (`Support rep Frederick`: after a lead word, a given name outweighing a town's.)
        let named_not_placed = (lead_cue || person_cue || addressed) && info.given > info.place && !loc_cue;
        if info.place > 0.0
            && !short
            && (!info.common || loc_cue || info.place >= 0.6)
            && !word_in(word, CALENDAR_WORDS)
            && !named_not_placed
        {
            let strong_kind = matches!(info.place_kind, PlaceKind::Country | PlaceKind::Region);
            let name_weight = info.given.max(info.surname);
            let score = if loc_cue || (i == 0 && (country_after || postcode_after || said_to_be_place)) {
                if name_weight > info.place && lead_cue { 0.5 } else { 0.85 }
            } else if sentence_start && i == 0 && info.place_kind != PlaceKind::Country {
                0.3
            } else if strong_kind && name_weight < 0.5 {
                0.85
            } else if info.place >= name_weight {
                if info.place > 0.5 { 0.6 } else { 0.45 }
            } else {
                0.3
            };
            push(out, id::LOCATION, t, t, score);
            i += 1;
            continue;
        }
        if info.given > 0.0 && nameish(t.text, &info) && !word_in(word, CALENDAR_WORDS) {
            // `Kate's social security number`: a first name owning something only people have.
            let owner = (t.text.ends_with("'s") || t.text.ends_with("’s"))
                && words_after(text, t.end).next().is_some_and(|w| word_in(w, PERSONAL_POSSESSIONS));
            let score = if lead_cue || owner || addressed {
                0.75
            } else if info.common {
                0.2
            } else if sentence_start && i == 0 {
                0.5
            } else {
                0.6
            };
            push(out, id::PERSON, t, t, score);
            i += 1;
            continue;
        }
        // `Robinson-Smith`: two surnames joined, alone, is a firm name more often than a person.
        if toks.len() == 1 && t.text.contains('-') && !info.common {
            let parts: Vec<&str> = bare(t.text).split('-').collect();
            if parts.len() == 2 && parts.iter().all(|p| lookup(p).surname > 0.0 && !is_lower_word(p)) {
                push(out, id::ORGANIZATION, t, t, if org_cue { 0.85 } else { 0.6 });
            }
        }
        i += 1;
    }
}

/// The byte offset `len` bytes after `at`, or the text's end, on a character boundary.
/// Whether the sentence that `tail` continues is a question: a `?` comes before any other
/// end of sentence or line (within the bounded tail the caller passes).
fn asks(tail: &str) -> bool {
    tail.find(['?', '.', '!', '\n']).is_some_and(|at| tail.as_bytes()[at] == b'?')
}

/// Whether `tail` (the text after a run, bounded by the caller) opens with `, ` and a street
/// line: a house number, then up to four words one of which is a street type
/// (`, 14 Kowhai Street`, `, 7b Rua Augusta`).
fn street_line_follows(tail: &str) -> bool {
    let Some(rest) = tail.strip_prefix(", ") else { return false };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !(1..=5).contains(&digits) {
        return false;
    }
    let rest = rest[digits..].trim_start_matches(|c: char| c.is_ascii_alphabetic() && c.is_ascii_lowercase());
    let Some(rest) = rest.strip_prefix(' ') else { return false };
    rest.split(' ').take(4).take_while(|w| w.starts_with(char::is_uppercase)).any(|w| is_street_token(w.trim_end_matches([',', '.'])))
}

fn near(text: &str, at: usize, len: usize) -> usize {
    crate::scan::floor_boundary(text, (at + len).min(text.len()))
}

/// Whether `rest` (what follows a capitalized run) says the run is a place: `is where`, or
/// `is a`/`is an` and at most two words before a kind of place (`is a lovely village`).
fn is_said_to_be_place(rest: &str) -> bool {
    const KINDS: &[&str] = &[
        "city",
        "town",
        "village",
        "suburb",
        "place",
        "country",
        "region",
        "island",
        "province",
        "state",
        "county",
        "port",
        "resort",
        "municipality",
    ];
    let mut words = rest.split([' ', ',']).filter(|w| !w.is_empty());
    if !words.next().is_some_and(|w| w == "is" || w == "was") {
        return false;
    }
    match words.next() {
        Some("where") => true,
        Some("a" | "an" | "the") => words.take(3).any(|w| KINDS.contains(&w.trim_end_matches(['.', '!', '?']))),
        _ => false,
    }
}

/// Whether `start..end` fills its line, and the next line is a street line (a house number
/// first, a street prefix or type, `Flat`, `Unit`, `ul.`, `PO Box`) or the line before is a
/// label (`Ship to:`, `Address:`, `Bill to`).
/// Whether a line of an address block is its street line: a house number first, a unit
/// word (`Flat`, `Unit`, `Apt`, ...), a street prefix word (`Rue`, `Calle`, `Ul.`) or a street
/// type (`Road`, `Straße`) in it.
fn is_street_line(line: &str) -> bool {
    let first = line.split(' ').next().unwrap_or("");
    line.starts_with(|c: char| c.is_ascii_digit())
        || ["flat", "unit", "apt", "apartment", "ul.", "po", "p.o.", "c/o", "suite", "house"].iter().any(|w| first.eq_ignore_ascii_case(w))
        || word_in(first.trim_end_matches(','), STREET_PREFIXES)
        || line.split(' ').any(|w| is_street_token(w.trim_end_matches(',')))
}

/// Whether the run `start..end` fills a line right below an address block's street line:
/// the locality (`Grey Lynn`, `Victoria Island`) or the town.
fn below_street_line(text: &str, start: usize, end: usize) -> bool {
    let Some((line_start, line_end)) = crate::context::short_line(text, start, end) else { return false };
    if line_start == 0 || !text[line_start..start].trim().is_empty() || !text[end..line_end].trim().trim_end_matches(',').is_empty() {
        return false;
    }
    // (A number and a street type: `Flat 2, 45 Ponsonby Road`, `17 Adeola Odeku Street`; or
    // one short locality line between them and the run: `Victoria Island` above `Lagos`.)
    let street = |line: &str| is_street_line(line) && line.contains(|c: char| c.is_ascii_digit());
    let Some((s, e)) = crate::context::short_line(text, line_start - 1, line_start - 1) else { return false };
    let prev = text[s..e].trim();
    if street(prev) {
        return true;
    }
    let locality = !prev.is_empty()
        && prev.split(' ').count() <= 3
        && prev.split(' ').all(|w| w.starts_with(char::is_uppercase) && !w.contains(|c: char| c.is_ascii_digit()));
    locality && s > 0 && crate::context::short_line(text, s - 1, s - 1).is_some_and(|(s2, e2)| street(text[s2..e2].trim()))
}

fn address_block_name_line(text: &str, start: usize, end: usize) -> bool {
    let Some((line_start, line_end)) = crate::context::short_line(text, start, end) else { return false };
    if !text[line_start..start].trim().is_empty() || !text[end..line_end].trim().trim_end_matches(',').is_empty() {
        return false;
    }
    let next = match line_end < text.len() {
        true => crate::context::short_line(text, line_end + 1, line_end + 1).map_or("", |(s, e)| text[s..e].trim()),
        false => "",
    };
    let street_next = is_street_line(next);
    let prev_line = match line_start > 0 {
        true => crate::context::short_line(text, line_start - 1, line_start - 1)
            .map_or(String::new(), |(s, e)| text[s..e].trim().to_lowercase()),
        false => String::new(),
    };
    let label_before = line_start > 0
        && (prev_line.ends_with(':') && prev_line.split(' ').count() <= 5
            || prev_line.ends_with(" to") && prev_line.split(' ').count() <= 3);
    street_next || label_before
}

/// Legal forms written in lower case or with a slash, which no capitalized run holds.
const LOWER_LEGAL_FORMS: &[&str] = &[
    "sp. z o.o.",
    "sp.z o.o.",
    "sp. j.",
    "sp. k.",
    "spol. s r.o.",
    "s.r.o.",
    "d.o.o.",
    "d.d.",
    "a.s.",
    "s.a.",
    "s.p.a.",
    "s.r.l.",
    "s.l.",
    "e.v.",
    "k.s.",
    "v.o.s.",
    "A/S",
    "I/S",
    "K/S",
    "P/S",
];

/// The length of a legal form from [`LOWER_LEGAL_FORMS`] standing right after `end` (after one
/// space), ending at a word boundary.
fn legal_form_after(text: &str, end: usize) -> Option<usize> {
    let rest = text[end..].strip_prefix(' ')?;
    // Every form opens with a lower-case letter or a capital before a slash.
    if !rest.as_bytes().first().is_some_and(|b| b.is_ascii_lowercase() || rest.as_bytes().get(1) == Some(&b'/')) {
        return None;
    }
    LOWER_LEGAL_FORMS.iter().find_map(|form| {
        let tail = rest.strip_prefix(form)?;
        let boundary = tail.chars().next().is_none_or(|c| c.is_whitespace() || matches!(c, ',' | ';' | ')' | '!' | '?' | '.'));
        boundary.then_some(form.len())
    })
}

/// Whether a postcode written the way much of Europe writes it ends right before `start`
/// (`20-020 Lublin`, `411 38 Göteborg`, `D-80331 München`, `L-1234`): two to three digits, a
/// hyphen or space, two to three more, or a country letter, a hyphen and four or five digits.
fn postcode_before(text: &str, start: usize) -> bool {
    let head = text[..start].trim_end_matches(' ');
    if head.len() == text[..start].len() {
        return false;
    }
    let b = head.as_bytes();
    let digits_back = |end: usize| b[..end].iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let boundary = |at: usize| at == 0 || matches!(b[at - 1], b' ' | b',' | b'\n' | b'\t');
    // `1016 DV Amsterdam`: four digits and two capital letters.
    let letters = b.iter().rev().take_while(|c| c.is_ascii_uppercase()).count();
    if letters == 2 && b.len() >= 7 && b[b.len() - 3] == b' ' && digits_back(b.len() - 3) == 4 && boundary(b.len() - 7) {
        return true;
    }
    let last = digits_back(b.len());
    if last == 0 || last > 5 {
        return false;
    }
    let sep_at = b.len() - last;
    match sep_at.checked_sub(1).map(|i| b[i]) {
        Some(b'-' | b' ') if (2..=3).contains(&last) => {
            let first = digits_back(sep_at - 1);
            (2..=4).contains(&first) && boundary(sep_at - 1 - first)
        }
        Some(b'-') if (4..=5).contains(&last) => {
            let letters = b[..sep_at - 1].iter().rev().take_while(|c| c.is_ascii_uppercase()).count();
            (1..=2).contains(&letters) && boundary(sep_at - 1 - letters)
        }
        _ => false,
    }
}

/// Whether `start` opens a line of a dialogue: the line starts there with `Word: ` and another
/// line within a kilobyte either way does too (`Katja: ...` / `Lerato: ...`). A lone
/// `Reminder: ...` is not a turn.
fn dialogue_turn(text: &str, start: usize) -> bool {
    let line_start = text[..start].trim_end_matches([' ', '\t']).is_empty() || text[..start].trim_end_matches([' ', '\t']).ends_with('\n');
    if !line_start {
        return false;
    }
    let lo = crate::scan::floor_boundary(text, start.saturating_sub(1024));
    let hi = crate::scan::floor_boundary(text, (start + 1024).min(text.len()));
    let turns = text[lo..hi]
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.split_once(": ").is_some_and(|(who, _)| {
                !who.is_empty() && who.len() <= 40 && who.chars().next().is_some_and(char::is_uppercase) && !who.contains(' ')
            })
        })
        .count();
    turns >= 2
}

/// `X, Y and Z` (and `X and Y`): a firm of partners' names, unless the names are first names
/// (a list of people).
pub(crate) fn resolve_org_list(text: &str, start: usize, end: usize, out: &mut Vec<Candidate>) {
    let toks = tokens(text, start, end);
    let names: Vec<(&Token<'_>, Info)> =
        toks.iter().filter(|t| !word_in(t.text, JOINERS)).map(|t| (t, lookup(t.text.trim_end_matches(',')))).collect();
    let people = names.iter().filter(|(_, i)| i.given > 0.3 && i.given >= i.surname).count();
    let places = names.iter().filter(|(_, i)| i.place > 0.0 && i.surname == 0.0).count();
    let all_caps_words = names.iter().all(|(t, i)| !is_lower_word(t.text) && !i.common || i.surname > 0.0 || i.org != OrgWord::None);
    // `between Ennis and Limerick`, `in Tralee and Ennis`: after a place word, a list of places.
    let place_before =
        words_before(text, start).next().is_some_and(|w| word_in(w, UNKNOWN_PLACE_CUES) || w.eq_ignore_ascii_case("between"));
    if people == 0 && places < names.len() && all_caps_words && names.len() >= 2 && !place_before {
        let last = toks.last().unwrap_or(&toks[0]);
        let end_trim = last.end - trailing_trim(last.text);
        if end_trim > start {
            out.push(Candidate::new(id::ORGANIZATION, start, end_trim, 0.85, false));
        }
        return;
    }
    // Not a firm: read each comma-separated part on its own. (The list's shape ends at one
    // word; the capitalized words right after it belong to its last part: `Priya and Arjun
    // Raghunathan`.)
    let run_end = capitalized_tail(text, end);
    let mut part_start = start;
    for (k, t) in toks.iter().enumerate() {
        let closes = t.text.ends_with(',') || word_in(t.text, JOINERS) || k + 1 == toks.len();
        if closes {
            let part_end = if word_in(t.text, JOINERS) {
                t.start.saturating_sub(1)
            } else if k + 1 == toks.len() && !t.text.ends_with(',') {
                run_end
            } else {
                t.end - usize::from(t.text.ends_with(','))
            };
            if part_end > part_start {
                resolve(text, part_start, part_end, out);
            }
            part_start = t.end + 1;
        }
    }
}

/// `my name is ngozi okafor`: the one or two lower-case words after the introduction are a
/// name unless they are ordinary words (`my name is not important`).
pub(crate) fn resolve_name_intro(text: &str, start: usize, end: usize, out: &mut Vec<Candidate>) {
    let s = &text[start..end];
    // The introduction is three words (`my name is`, `i am called`) or two (`my name's`).
    let lead =
        if s.split(' ').nth(1).is_some_and(|w| w.eq_ignore_ascii_case("name's") || w.eq_ignore_ascii_case("called")) { 2 } else { 3 };
    let mut at = start;
    let mut words = Vec::with_capacity(2);
    for (k, w) in s.split(' ').enumerate() {
        if k >= lead {
            words.push((at, w));
        }
        at += w.len() + 1;
    }
    let name_word = |w: &str| {
        let info = lookup(w);
        (!info.common || info.given >= 0.5) && !word_in(w, CALENDAR_WORDS) && w.chars().filter(|c| c.is_alphabetic()).count() >= 2
    };
    let Some(&(first_at, first)) = words.first() else { return };
    if !name_word(first) {
        return;
    }
    let last_end = match words.get(1) {
        Some(&(second_at, second)) if (name_word(second) && lookup(second).given < 0.5) || lookup(second).surname >= 0.5 => {
            second_at + second.len()
        }
        _ => first_at + first.len(),
    };
    out.push(Candidate::new(id::PERSON, first_at, last_end, 0.85, false));
}

/// Where the capitalized words right after `end` stop (at most three, within 64 bytes):
/// `end` itself when none follows.
fn capitalized_tail(text: &str, end: usize) -> usize {
    let limit = near(text, end, 64);
    let mut at = end;
    for _ in 0..3 {
        let Some(rest) = text[at..limit].strip_prefix(' ') else { break };
        if !rest.starts_with(char::is_uppercase) {
            break;
        }
        let len = rest.find(|c: char| !(c.is_alphabetic() || c == '-' || c == '\'' || c == '’')).unwrap_or(rest.len());
        if len < 2 || at + 1 + len == limit && limit < text.len() {
            break;
        }
        at += 1 + len;
    }
    at
}

/// The longest multi-word place name starting at token `i`: its length in tokens and weight.
fn place_phrase_at(toks: &[Token<'_>], infos: &[Info], i: usize, max_words: usize) -> Option<(usize, f32)> {
    if !infos[i].phrase_start {
        return None;
    }
    (2..=max_words.min(toks.len() - i)).rev().find_map(|len| {
        let info = lookup_phrase(&toks[i..i + len].iter().map(|t| bare(t.text)).collect::<Vec<_>>());
        (info.place > 0.0).then_some((len, info.place))
    })
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
    let end = last.end - trailing_trim(last.text);
    if end > first.start {
        out.push(Candidate::new(entity, first.start, end, score, false));
    }
}

/// Bytes of trailing punctuation and possessive `'s` to leave out of an entity.
fn trailing_trim(t: &str) -> usize {
    let trimmed = t.trim_end_matches([',', '-', '\'', '’', ':', ';']);
    let trimmed = trimmed.strip_suffix("'s").or_else(|| trimmed.strip_suffix("’s")).unwrap_or(trimmed);
    // A dot ends a sentence unless it closes an initial or an abbreviation (`J.`, `S.A.`).
    let trimmed = if trimmed.ends_with('.') && !(is_initial(trimmed) || trimmed.matches('.').count() > 1) {
        &trimmed[..trimmed.len() - 1]
    } else {
        trimmed
    };
    t.len() - trimmed.len()
}
