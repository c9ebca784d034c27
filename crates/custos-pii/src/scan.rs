//! The single pass over the text: one multi-pattern automaton finds candidate spans of a few
//! broad shapes (numbers, alphanumeric codes, e-mails, URLs, dates, capitalized phrases);
//! each shape's resolver then runs only the validators that apply to that span.
//!
//! Shapes are matched leftmost-first in the order of [`FAMILIES`], so a span is claimed by the
//! most specific shape that starts there (the domain inside an e-mail address is never seen as
//! a URL, an IBAN is not broken into numbers).

use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input, MatchKind};

use crate::context::{is_sentence_start, next_char, prev_char};
use crate::entity::id;
use crate::validate;
use crate::{Candidate, names};

/// The candidate shapes, in preference order (earlier wins when two start at the same byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    Email,
    UrlScheme,
    Uuid,
    Mac,
    Eth,
    BtcBech32,
    BtcBase58,
    Iban,
    NinoSpaced,
    DateIso,
    DateNumeric,
    DateWords,
    DateRelative,
    Time,
    Ipv6,
    Numeric,
    UrlBare,
    Alnum,
    OrgList,
    NameIntro,
    Capitalized,
}

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|\
jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|\
januar|jänner|februar|märz|mai|juni|juli|oktober|dezember|\
janvier|février|fevrier|mars|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|\
enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|\
gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre";

const WEEKDAYS: &str = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|\
montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|\
lunes|martes|miércoles|jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica";

/// Words before a four-digit number that make it a year (`in 2019`, `since 1998`).
pub(crate) static YEAR_CUES: &[&str] = &[
    "in", "since", "from", "until", "till", "by", "born", "year", "circa", "around", "before", "after", "during", "early", "late", "mid",
    "summer", "winter", "spring", "autumn", "fall", "seit", "im", "jahr", "depuis", "en", "année", "desde", "año", "dal", "nel", "anno",
];

/// Legal forms that close an organization name, spelled as they are written.
const LEGAL_FORMS: &str = r"(?:Inc\.?(?-u:\b)|LLC(?-u:\b)|L\.L\.C\.|Ltd\.?(?-u:\b)|GmbH(?:[ ]&[ ]Co\.[ ]KG)?(?-u:\b)|AG(?-u:\b)|KG(?-u:\b)|OHG(?-u:\b)|e\.V\.|mbH(?-u:\b)|S\.A\.S\.|S\.A\.|SA(?-u:\b)|SAS(?-u:\b)|SARL(?-u:\b)|S\.à[ ]r\.l\.|S\.L\.L\.|S\.L\.|S\.Com\.|S\.Coop\.|S\.p\.A\.|s\.p\.a\.|SpA(?-u:\b)|S\.r\.l\.|s\.r\.l\.|Srl(?-u:\b)|S\.n\.c\.|s\.n\.c\.|PLC(?-u:\b)|plc(?-u:\b)|Corp\.?(?-u:\b)|Co\.|B\.V\.|BV(?-u:\b)|N\.V\.|NV(?-u:\b)|AB(?-u:\b)|Oy(?-u:\b)|Pty[ ]Ltd(?-u:\b)|LLP(?-u:\b)|LP(?-u:\b))";

const TLDS: &str = "com|org|net|edu|gov|mil|int|io|co|uk|de|fr|es|it|nl|eu|info|biz|app|dev|ai|us|ca|au|ch|at|be|se|no|dk|fi|pl|pt|ie|\
me|tv|shop|store|online|site|xyz|tech|ly|gl|to|cz|ru|jp|cn|in|br|mx|ar|nz|za|gr|hu|ro|sk|lu|li|is|ee|lv|lt|si|hr|tr|il|ae|sg|hk|kr|tw|cloud|email|news|blog|cat|gal|eus";

/// English month names as written, capitalized (`May`, `June` are words and names too: the
/// patterns that use them ask for a word of time before them).
const FULL_MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December";

/// Where the month starts in a `DateRelative` match that names one after a word of time
/// (`in June`, `end of March 2021`); `None` for the family's other shapes.
fn month_after_cue(s: &str) -> Option<usize> {
    // (The month is the match's first capital after its first byte: one look per month there.)
    let m = s.bytes().skip(1).position(|b| b.is_ascii_uppercase())? + 1;
    FULL_MONTHS.split('|').any(|month| s[m..].starts_with(month)).then_some(m)
}

/// Dates said rather than written: weekdays (`Monday`, `Friday evening`), relative dates
/// (`last Friday`, `next week`, `yesterday morning`, `two days ago`, `the day before
/// yesterday`) and `noon`/`midnight`. Weekdays must be capitalized (`may`/`sun` are words).
fn date_relative() -> String {
    let days = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday";
    let parts = "(?i:morning|afternoon|evening|night)";
    let units = "(?i:days?|weeks?|months?|years?|hours?)";
    let counts = "(?i:[0-9]{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a[ ]few|several|a[ ]couple[ ]of)";
    [
        format!(
            "(?i:last|next|this|past|coming)[ ](?:(?i:week(?:end)?|month|year|night|morning|afternoon|evening|summer|winter|spring|autumn|fall)|(?:{days}))"
        ),
        format!("(?i:yesterday|today|tomorrow|tonight)(?:[ ]{parts})?"),
        "(?i:the[ ]day[ ](?:before[ ]yesterday|after[ ]tomorrow))".to_owned(),
        format!("{counts}[ ]{units}[ ]ago"),
        // `on the 14th`, `Wednesday the 9th` (the resolver asks for a word of time before a
        // bare `the 14th`).
        format!("(?:(?:{days})[ ])?(?i:the)[ ][0-9]{{1,2}}(?i:st|nd|rd|th)"),
        format!("(?:{days})(?:[ ]{parts})?"),
        // `in June`, `end of March 2021`, `mid-July`: a month named after a word of time (the
        // resolver reports the month and year, not the word).
        format!("(?i:in|since|until|till|during|early|late|mid-?|end[ ]of|start[ ]of|beginning[ ]of)[ ]?(?:{FULL_MONTHS})(?:[ ][0-9]{{4}})?"),
        // `Q3 2023`, `H1 2024`: a quarter or half of a year.
        "Q[1-4][ ][0-9]{4}|H[12][ ][0-9]{4}".to_owned(),
        "(?i:noon|midnight)".to_owned(),
    ]
    .join("|")
}

fn family_patterns() -> Vec<(Family, String)> {
    let person_joiners = "van|von|de|der|del|della|di|da|du|le|la|den|dos|das|do|bin|al|el|of|and|&|for|the|y|et|und";
    // A capitalized word (letters, apostrophes, inner hyphens), an initial, or a dotted abbreviation.
    let word = r"(?:\p{Lu}(?:\.\p{Lu})+\.|\p{Lu}\.|\p{Lu}[\p{Ll}\p{Lu}\p{M}'’\-]*)";
    vec![
        // Bounded as RFC 5321 bounds them (64-octet local part, 63-octet labels, and at most
        // 8 labels): an unbounded local part kept the search alive to the end of every long run
        // of digits or dots, to rule out an `@` there, from every start (quadratic).
        (Family::Email, r"[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?){0,7}\.[A-Za-z]{2,24}".into()),
        (Family::UrlScheme, r#"(?:(?i:https?|ftp)://|(?i:www)\.)[^\s<>"'`]+"#.into()),
        (Family::Uuid, r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}".into()),
        (Family::Mac, r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}".into()),
        (Family::Eth, r"0[xX][0-9a-fA-F]{40}".into()),
        (Family::BtcBech32, r"(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87}".into()),
        (Family::BtcBase58, r"[13][1-9A-HJ-NP-Za-km-z]{24,34}".into()),
        (Family::Iban, r"[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?".into()),
        (Family::NinoSpaced, r"[A-Z]{2}[ ][0-9]{2}[ ][0-9]{2}[ ][0-9]{2}[ ][A-D]".into()),
        (
            Family::DateIso,
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+\-][0-9]{2}:?[0-9]{2})?)?".into(),
        ),
        (
            Family::DateNumeric,
            r"(?:[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-](?:[0-9]{4}|[0-9]{2})|[0-9]{4}[/.][0-9]{1,2}[/.][0-9]{1,2})(?:,?[ ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:[ ]?(?i:am|pm))?)?"
                .into(),
        ),
        (
            Family::DateWords,
            format!(
                r"(?i:(?:(?:{WEEKDAYS})\.?,?[ ])?(?:(?:{MONTHS})\.?[ ][0-9]{{4}}|(?:{MONTHS})\.?[ ][0-9]{{1,2}}(?:st|nd|rd|th)?(?:,?[ ][0-9]{{4}})?|[0-9]{{1,2}}(?:st|nd|rd|th|er|\.|º)?[ ](?:of[ ]|de[ ])?(?:{MONTHS})\.?(?:,?[ ](?:de[ ])?[0-9]{{4}})?))(?:(?:,[ ]|[ ]at[ ]|[ ]um[ ]|[ ]à[ ]|[ ]a[ ]las[ ]|[ ]alle[ ]|[ ])[0-9]{{1,2}}(?::[0-9]{{2}}|[ ]?(?i:am|pm|h))(?:[ ]?(?i:am|pm))?)?"
            ),
        ),
        (Family::DateRelative, date_relative()),
        (Family::Time, r"[0-9]{1,2}(?::[0-9]{2}(?::[0-9]{2})?(?:[ ]?(?i:am|pm|a\.m\.|p\.m\.|uhr))?|h[0-9]{2}|[ ]?(?i:am|pm|a\.m\.|p\.m\.))".into()),
        (Family::Ipv6, r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){0,5}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3})?".into()),
        (Family::Numeric, r"\+?(?:\([0-9]{1,5}\)[ \-.]?)?[0-9]+(?:(?:[ \-./]|[ ]?\([0-9]{1,5}\)[ ]?)[0-9]+)*".into()),
        (Family::UrlBare, format!(r#"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{{0,61}}[A-Za-z0-9])?\.){{1,8}}(?i:{TLDS})(?:/[^\s<>"'`]*)?"#)),
        (Family::Alnum, r"[A-Za-z]+[0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*".into()),
        // The list is bounded: an unbounded one made every search over a long comma-separated
        // run of capitalized words read to its end to rule the shape out (quadratic).
        (Family::OrgList, format!(r"{word}(?:,[ ]{word}){{0,{MAX_LIST_ITEMS}}},?[ ](?:and|&|und|et|y|e)[ ]{word}(?:[ ]{LEGAL_FORMS})?")),
        // `my name is ngozi okafor`: a name introduced in lower case (chat); capitalized
        // names after the same words are read by the capitalized run.
        (Family::NameIntro, r"(?i:my[ ]name[ ]is|my[ ]name's|i[ ]am[ ]called|i'm[ ]called)[ ]\p{Ll}[\p{Ll}'’\-]+(?:[ ]\p{Ll}[\p{Ll}'’\-]+)?".into()),
        (Family::Capitalized, format!(r"{word}(?:[ ](?:(?:{person_joiners})[ ])?{word})*(?:,?[ ]{LEGAL_FORMS})?")),
    ]
}

/// Most items before the last in an organization list (`Smith, Jones, Brown and Partners`).
const MAX_LIST_ITEMS: usize = 6;

/// Most words one capitalized run is read as at once; a longer run (a heading in capitals, a
/// list of names without commas) is read in pieces of this many words, so the work per run
/// stays bounded however long it is.
pub(crate) const MAX_RUN_WORDS: usize = 16;

/// Longest numeric run read as one candidate when a more specific shape fails. No identifier
/// the engine knows has more than 19 digits, and 96 bytes of the numeric shape hold at least
/// 32; a longer run is nothing, and reading it to its end from every start inside it was
/// quadratic.
const MAX_NUMERIC_RUN: usize = 96;

/// The compiled scanner: the combined automaton plus anchored single-shape fallbacks.
pub(crate) struct Scanner {
    combined: Regex,
    families: Vec<Family>,
    numeric: Regex,
}

impl Scanner {
    pub(crate) fn new() -> Self {
        let patterns = family_patterns();
        let families = patterns.iter().map(|(f, _)| *f).collect();
        let sources: Vec<&str> = patterns.iter().map(|(_, p)| p.as_str()).collect();
        let config = regex_automata::meta::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .which_captures(regex_automata::nfa::thompson::WhichCaptures::Implicit)
            .hybrid_cache_capacity(64 << 20);
        // INVARIANT: the patterns are constants covered by every test run; a typo fails them all.
        let combined = Regex::builder().configure(config).build_many(&sources).expect("built-in PII patterns compile");
        let numeric_src = patterns.iter().find(|(f, _)| *f == Family::Numeric).map(|(_, p)| p.clone()).unwrap_or_default();
        let numeric = Regex::new(&numeric_src).expect("numeric pattern compiles");
        Self { combined, families, numeric }
    }

    /// Appends the candidates found in `text` to `out`.
    pub(crate) fn scan(&self, text: &str, phone_regions: &[phonenumber::country::Id], out: &mut Vec<Candidate>) {
        let mut at = 0;
        while at < text.len() {
            let Some(m) = self.combined.search(&Input::new(text).range(at..)) else { break };
            let family = self.families[m.pattern().as_usize()];
            let (start, mut end) = (m.start(), m.end());
            if matches!(family, Family::Capitalized | Family::OrgList) {
                // A run must not end inside a word (`IBAN DE89...`): drop a last word glued to
                // what follows, so the next search starts at it.
                while next_char(text, end).is_some_and(|c| c.is_alphanumeric()) {
                    match text[start..end].rfind(' ') {
                        Some(sp) => end = start + sp,
                        None => {
                            end = start;
                            break;
                        }
                    }
                }
            }
            if family == Family::Capitalized {
                // `DOB Jul 23, 1967`: stop before a month or weekday so the date is read as one.
                if let Some(cut) = names::calendar_cut(text, start, end) {
                    end = cut.saturating_sub(1).max(start);
                }
            }
            // `since June 22, 2021`: a month after a word of time, with its day after it, is
            // read from the month on as a date written in words.
            if family == Family::DateRelative
                && text[end..].strip_prefix(' ').is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
                && let Some(m) = month_after_cue(&text[start..end])
            {
                at = start + m;
                continue;
            }
            // `the 14th of March 2021`: so is an ordinal followed by `of`, from its digits on.
            if family == Family::DateRelative
                && text[end..].starts_with(" of ")
                && let Some(d) = text[start..end].find(|c: char| c.is_ascii_digit())
            {
                at = start + d;
                continue;
            }
            if end > start {
                if family == Family::Capitalized {
                    for (piece_start, piece_end) in word_pieces(text, start, end, MAX_RUN_WORDS) {
                        self.resolve(family, text, piece_start, piece_end, phone_regions, out);
                    }
                } else {
                    self.resolve(family, text, start, end, phone_regions, out);
                }
            }
            at = if end > start { end } else { m.end().max(start + text[start..].chars().next().map_or(1, char::len_utf8)) };
        }
    }

    fn resolve(
        &self,
        family: Family,
        text: &str,
        start: usize,
        end: usize,
        regions: &[phonenumber::country::Id],
        out: &mut Vec<Candidate>,
    ) {
        let s = &text[start..end];
        let before = prev_char(text, start);
        let after = next_char(text, end);
        let glued = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        match family {
            Family::Email => {
                if !glued(after) {
                    let tld_ok = s.rsplit('.').next().is_some_and(|t| t.bytes().all(|b| b.is_ascii_alphabetic()));
                    out.push(Candidate::new(id::EMAIL_ADDRESS, start, end, if tld_ok { 1.0 } else { 0.5 }, true));
                }
            }
            Family::UrlScheme | Family::UrlBare => {
                let end = start + trim_url(s);
                if family == Family::UrlBare && (glued(after) && end == start + s.len() || before == Some('@') || before == Some('.')) {
                    return;
                }
                let score = if family == Family::UrlScheme { 0.6 } else { 0.5 };
                if end > start + 4 {
                    out.push(Candidate::new(id::URL, start, end, score, false));
                }
            }
            Family::Uuid => {
                if !glued(before) && !glued(after) {
                    out.push(Candidate::new(id::UUID, start, end, 0.6, false));
                }
            }
            Family::Mac => {
                if !glued(before) && !glued(after) && after != Some(':') {
                    out.push(Candidate::new(id::MAC_ADDRESS, start, end, 0.6, false));
                }
            }
            Family::Eth => {
                if !glued(after) && validate::eth(s) {
                    let score = if validate::eth_is_checksummed(s) { 1.0 } else { 0.5 };
                    out.push(Candidate::new(id::CRYPTO, start, end, score, score >= 1.0));
                }
            }
            Family::BtcBech32 | Family::BtcBase58 => {
                if !glued(before) && !glued(after) && validate::btc(s) {
                    out.push(Candidate::new(id::CRYPTO, start, end, 1.0, true));
                } else if family == Family::BtcBase58 {
                    self.numeric_fallback(text, start, regions, out);
                }
            }
            Family::Iban => {
                if glued(before) {
                    return;
                }
                // The pattern may swallow a following group; shrink until the checksum agrees.
                let mut e = end;
                while e > start + 14 {
                    let cand = text[start..e].trim_end();
                    if validate::iban(cand) && !glued(next_char(text, start + cand.len())) {
                        out.push(Candidate::new(id::IBAN_CODE, start, start + cand.len(), 1.0, true));
                        return;
                    }
                    e = match text[start..e].rfind(' ') {
                        Some(sp) if sp > 4 => start + sp,
                        _ => start + e.saturating_sub(start).saturating_sub(1).max(14),
                    };
                    if e <= start + 14 {
                        break;
                    }
                }
                if !glued(after) {
                    resolve_alnum(s, start, end, out);
                }
            }
            Family::NinoSpaced => {
                if !glued(before) && !glued(after) && validate::uk_nino(s) {
                    out.push(Candidate::new(id::UK_NINO, start, end, 0.85, false));
                }
            }
            Family::DateIso | Family::DateNumeric => {
                // `06.12.34.56.78`: the date shape took the head of a longer dotted number.
                let continues = after == Some('.') && next_char(text, end + 1).is_some_and(|c| c.is_ascii_digit());
                if glued(before) || glued(after) || continues {
                    // `10.66.219.142`: the date shape took the head of a longer number.
                    self.numeric_fallback(text, start, regions, out);
                    return;
                }
                if plausible_numeric_date(s) {
                    // `5.24.17` is more often a version than a date; `@1.2.3` and `1.2.3-rc` always are.
                    let versionish = family == Family::DateNumeric && s.contains('.') && !s.contains(' ') && {
                        let tail = s.rsplit('.').next().unwrap_or("");
                        tail.len() == 2
                    };
                    if versionish && (matches!(before, Some('@' | 'v' | 'V')) || matches!(after, Some('-' | '.'))) {
                        return;
                    }
                    out.push(Candidate::new(id::DATE_TIME, start, end, if versionish { 0.3 } else { 0.6 }, false));
                } else {
                    self.numeric_fallback(text, start, regions, out);
                }
            }
            Family::DateRelative => {
                if glued(before) || glued(after) {
                    return;
                }
                // `in June`: the month (and year) is the date; the word before it only says so.
                // (`in June Lee's office`: a name follows, so no date.)
                if let Some(m) = month_after_cue(s) {
                    let rest = &text[end..];
                    if rest.strip_prefix(' ').is_some_and(|r| r.starts_with(char::is_uppercase)) {
                        return;
                    }
                    out.push(Candidate::new(id::DATE_TIME, start + m, end, 0.6, false));
                    return;
                }
                // `the 14th` needs a word of time before it (`on`, `by`, `until`, ...).
                if s.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("the "))
                    && s.ends_with(|c: char| c.is_ascii_alphabetic())
                    && s.contains(|c: char| c.is_ascii_digit())
                {
                    let cue = crate::context::words_before(text, start).next().is_some_and(|w| {
                        ["on", "by", "until", "till", "before", "after", "from", "since", "of", "due", "starting"]
                            .iter()
                            .any(|c| w.eq_ignore_ascii_case(c))
                    });
                    if !cue {
                        return;
                    }
                }
                out.push(Candidate::new(id::DATE_TIME, start, end, 0.6, false));
            }
            Family::DateWords => {
                if glued(before) || glued(after) {
                    return;
                }
                if words_date_ok(s) {
                    // `on 3 March.`: the full stop after a month written out ends the sentence.
                    let word = s.strip_suffix('.').map(|h| &h[h.rfind(' ').map_or(0, |i| i + 1)..]);
                    let full = word.is_some_and(|w| FULL_MONTHS.split('|').any(|m| m.eq_ignore_ascii_case(w)));
                    out.push(Candidate::new(id::DATE_TIME, start, end - usize::from(full), 0.85, false));
                }
            }
            Family::Time => {
                if glued(before) || (glued(after) && !s.ends_with(|c: char| c.is_ascii_alphabetic())) {
                    return;
                }
                if time_ok(s) {
                    out.push(Candidate::new(id::DATE_TIME, start, end, 0.6, false));
                } else {
                    self.numeric_fallback(text, start, regions, out);
                }
            }
            Family::Ipv6 => {
                if !glued(before) && !glued(after) && s.matches(':').count() >= 2 && validate::ipv6(s) {
                    out.push(Candidate::new(id::IP_ADDRESS, start, end, 0.6, false));
                } else if s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                    self.numeric_fallback(text, start, regions, out);
                }
            }
            Family::Numeric => resolve_numeric(text, start, end, regions, out),
            Family::Alnum => {
                if !glued(before) && !glued(after) {
                    resolve_alnum(s, start, end, out);
                }
            }
            Family::OrgList => names::resolve_org_list(text, start, end, out),
            Family::NameIntro => {
                if !glued(before) && !glued(after) {
                    names::resolve_name_intro(text, start, end, out);
                }
            }
            Family::Capitalized => names::resolve(text, start, end, out),
        }
    }

    /// Re-reads the span at `start` as a plain number when a more specific shape failed. Reads
    /// at most [`MAX_NUMERIC_RUN`] bytes: a run that fills them is too long to be anything.
    fn numeric_fallback(&self, text: &str, start: usize, regions: &[phonenumber::country::Id], out: &mut Vec<Candidate>) {
        let limit = floor_boundary(text, start.saturating_add(MAX_NUMERIC_RUN).min(text.len()));
        let input = Input::new(&text[..limit]).range(start..).anchored(Anchored::Yes);
        if let Some(m) = self.numeric.search(&input) {
            if m.end() == limit && limit < text.len() {
                return;
            }
            resolve_numeric(text, m.start(), m.end(), regions, out);
        }
    }
}

/// The largest char boundary at or below `at`.
pub(crate) fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `start..end` (words separated by single spaces) cut into pieces of at most `words` words.
fn word_pieces(text: &str, start: usize, end: usize, words: usize) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut piece_start = start;
    let mut count = 0;
    for (i, b) in text.as_bytes()[start..end].iter().enumerate() {
        if *b == b' ' {
            count += 1;
            if count == words {
                pieces.push((piece_start, start + i));
                piece_start = start + i + 1;
                count = 0;
            }
        }
    }
    if piece_start < end {
        pieces.push((piece_start, end));
    }
    pieces
}

/// Strips trailing punctuation a sentence put after a URL (keeping a `)` that closes one
/// opened inside the URL); returns the kept length.
fn trim_url(s: &str) -> usize {
    let mut end = s.len();
    while let Some(c) = s[..end].chars().next_back() {
        let drop = match c {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | ']' | '}' | '>' => true,
            ')' => s[..end].matches('(').count() < s[..end].matches(')').count(),
            _ => false,
        };
        if !drop {
            break;
        }
        end -= c.len_utf8();
    }
    end
}

fn numbers_in(s: &str) -> impl Iterator<Item = u32> + '_ {
    s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(|p| p.parse::<u32>().unwrap_or(u32::MAX))
}

fn plausible_numeric_date(s: &str) -> bool {
    let mut parts = numbers_in(s);
    let (Some(a), Some(b), Some(c)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let first_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let date_ok = if first_len == 4 {
        (1000..=2999).contains(&a) && (1..=12).contains(&b) && (1..=31).contains(&c)
    } else {
        let year_ok = c <= 99 || (1000..=2999).contains(&c);
        year_ok && (((1..=12).contains(&a) && (1..=31).contains(&b)) || ((1..=31).contains(&a) && (1..=12).contains(&b)))
    };
    if !date_ok {
        return false;
    }
    // Optional time part: hours and minutes in range.
    match (parts.next(), parts.next()) {
        (Some(h), Some(m)) => h < 24 && m < 60,
        (None, _) => true,
        _ => false,
    }
}

fn words_date_ok(s: &str) -> bool {
    numbers_in(s).all(|n| n <= 31 || (1000..=2999).contains(&n) || n < 60)
}

fn time_ok(s: &str) -> bool {
    let mut parts = numbers_in(s);
    let h = parts.next().unwrap_or(99);
    let m = parts.next();
    let lower = s.to_ascii_lowercase();
    let meridiem = lower.contains("am") || lower.contains("pm") || lower.contains("a.m.") || lower.contains("p.m.");
    match m {
        Some(m) => h < 24 && m < 60 && (!meridiem || (1..=12).contains(&h)),
        None => meridiem && (1..=12).contains(&h),
    }
}

/// Digits, separators and their layout in a numeric span.
struct Shape {
    digits: usize,
    groups: usize,
    plus: bool,
    paren: bool,
    seps: Vec<u8>,
}

fn shape(s: &str) -> Shape {
    let mut digits = 0;
    let mut groups = 0;
    let mut in_group = false;
    let mut seps = Vec::new();
    for b in s.bytes() {
        if b.is_ascii_digit() {
            digits += 1;
            if !in_group {
                groups += 1;
                in_group = true;
            }
        } else {
            in_group = false;
            if matches!(b, b' ' | b'-' | b'.' | b'/') {
                seps.push(b);
            }
        }
    }
    Shape { digits, groups, plus: s.starts_with('+'), paren: s.contains('('), seps }
}

fn group_lengths(s: &str) -> Vec<usize> {
    s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty()).map(str::len).collect()
}

/// Resolves a run of digits and separators; when the whole run is nothing, retries its
/// space-separated pieces (two identifiers written next to each other).
pub(crate) fn resolve_numeric(text: &str, start: usize, end: usize, regions: &[phonenumber::country::Id], out: &mut Vec<Candidate>) {
    let before = prev_char(text, start);
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '/' || c == '-' || c == '#') {
        // The tail of some longer code (`A-2024-118832`, `v2.13.4`, `#118832`): not an identifier on its own.
        return;
    }
    let after = next_char(text, end);
    let s = &text[start..end];
    // `12345678Z` / `12345678-Z`: a Spanish DNI when exactly one letter follows.
    let letter_at = if after == Some('-') && next_char(text, end + 1).is_some_and(|c| c.is_ascii_alphabetic()) { end + 1 } else { end };
    if s.len() == 8 && next_char(text, letter_at).is_some_and(|c| c.is_ascii_alphabetic()) {
        let letter_end = letter_at + 1;
        if !next_char(text, letter_end).is_some_and(char::is_alphanumeric) && validate::es_nif(&text[start..letter_end]) {
            out.push(Candidate::new(id::ES_NIF, start, letter_end, 0.7, false));
            return;
        }
    }
    // `in 2019`, `since 1998`, `born 1975`: a year, when a word before it says so.
    if s.len() == 4
        && (s.starts_with("19") || s.starts_with("20"))
        && s.bytes().all(|b| b.is_ascii_digit())
        && !after.is_some_and(|c| c.is_alphanumeric() || c == '%' || c == '-' || c == '/' || c == '.' && next_char(text, end + 1).is_some_and(|c| c.is_ascii_digit()))
        && crate::context::words_before(text, start).next().is_some_and(|w| crate::context::word_in(w, YEAR_CUES))
        // `card ending in 1985` is four digits of a card.
        && !crate::context::words_before(text, start).nth(1).is_some_and(|w| w.eq_ignore_ascii_case("ending") || w.eq_ignore_ascii_case("ends"))
    {
        out.push(Candidate::new(id::DATE_TIME, start, end, 0.6, false));
        return;
    }
    // `1234567A`, `12345678AB`: digits closed by one or two capitals, a driver's licence
    // shape of several US states; weak, so it needs a context word.
    if (7..=9).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        let letters = text[end..].bytes().take_while(u8::is_ascii_uppercase).count();
        if (1..=2).contains(&letters) && !next_char(text, end + letters).is_some_and(|c| c.is_alphanumeric() || c == '_') {
            out.push(Candidate::new(id::US_DRIVER_LICENSE, start, end + letters, 0.3, false));
            return;
        }
    }
    // `(231)587-8877x123`: a phone number with its extension glued on; the extension is part
    // of the number.
    if matches!(after, Some('x' | 'X')) {
        let ext = text[end + 1..].bytes().take(6).take_while(u8::is_ascii_digit).count();
        if (1..=5).contains(&ext) && !next_char(text, end + 1 + ext).is_some_and(|c| c.is_alphanumeric() || c == '_') {
            let mut readings = Vec::new();
            numeric_span(s, start, regions, &mut readings);
            out.extend(readings.into_iter().filter(|c| c.entity == id::PHONE_NUMBER).map(|c| Candidate { end: end + 1 + ext, ..c }));
            return;
        }
    }
    // `12ABC12345` (New Hampshire), `123AB4567` (Iowa): digits, capitals, digits.
    if (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        let token_end = end + text[end..].bytes().take_while(u8::is_ascii_alphanumeric).count();
        if !next_char(text, token_end).is_some_and(|c| c.is_alphanumeric() || c == '_')
            && digit_first_licence(&text.as_bytes()[start..token_end])
        {
            out.push(Candidate::new(id::US_DRIVER_LICENSE, start, token_end, 0.3, false));
            return;
        }
    }
    if after.is_some_and(|c| c.is_ascii_alphabetic()) {
        return;
    }
    if after.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '@') {
        return;
    }
    numeric_span(s, start, regions, out);
}

/// Pushes every reading of one numeric span; `true` when at least one applied.
fn numeric_span(s: &str, start: usize, regions: &[phonenumber::country::Id], out: &mut Vec<Candidate>) -> bool {
    let end = start + s.len();
    let sh = shape(s);
    let before = out.len();
    let consistent = sh.seps.windows(2).all(|w| w[0] == w[1]);
    let compact = sh.groups == 1 && !sh.plus && !sh.paren;
    let groups = group_lengths(s);

    if sh.groups == 4 && sh.seps.iter().all(|&b| b == b'.') && validate::ipv4(s) {
        out.push(Candidate::new(id::IP_ADDRESS, start, end, 0.6, false));
        return true;
    }
    if (12..=19).contains(&sh.digits) && consistent && !sh.plus && !sh.paren && !sh.seps.contains(&b'.') && !sh.seps.contains(&b'/') {
        let grouping_ok = compact || groups.iter().all(|&g| (3..=6).contains(&g));
        if grouping_ok && validate::luhn(s) {
            if validate::card_network(s).is_some() {
                out.push(Candidate::new(id::CREDIT_CARD, start, end, 1.0, true));
                return true;
            }
            // A network this table does not list (issuers' ranges change): a number that
            // passes Luhn, starts as banking and travel cards do (1-6) and is printed in a
            // card's groups (4-4-4-4, Amex's 4-6-5, Diners' 4-6-4) is a card; the same digits
            // run together need a context word (`card`, `visa`, ...).
            let issuer = s.as_bytes().first().is_some_and(|b| (b'1'..=b'6').contains(b));
            let card_groups = matches!(groups.as_slice(), [4, 4, 4, 4] | [4, 6, 5] | [4, 6, 4] | [4, 4, 4, 4, 3] | [4, 4, 4, 3]);
            if issuer && sh.digits >= 13 && card_groups {
                out.push(Candidate::new(id::CREDIT_CARD, start, end, 0.5, false));
                return true;
            }
            if issuer && sh.digits >= 13 && compact {
                out.push(Candidate::new(id::CREDIT_CARD, start, end, 0.3, false));
            }
        }
    }
    if sh.digits == 9 && !sh.plus && !sh.paren && (compact || groups == [3, 2, 4]) && consistent {
        let score = if compact { 0.05 } else { 0.5 };
        if validate::us_itin(s) {
            out.push(Candidate::new(id::US_ITIN, start, end, score, false));
        } else if validate::us_ssn(s) {
            out.push(Candidate::new(id::US_SSN, start, end, score, false));
        }
    }
    if sh.digits == 10 && !sh.plus && !sh.paren && (compact || groups == [3, 3, 4]) && validate::uk_nhs(s) {
        out.push(Candidate::new(id::UK_NHS, start, end, if compact { 0.3 } else { 0.5 }, false));
    }
    if sh.digits == 11 && !sh.plus && !sh.paren && (compact || groups == [2, 3, 3, 3] || groups == [3, 3, 3, 2]) && validate::de_tax_id(s) {
        out.push(Candidate::new(id::DE_TAX_ID, start, end, 0.3, false));
    }
    if sh.digits == 15 && !sh.plus && validate::fr_nir(s) {
        out.push(Candidate::new(id::FR_NIR, start, end, 0.7, false));
    }
    // Dotted groups of three or fewer digits are versions and addresses (`1.2.3`), except eight
    // digits and more in dotted pairs and triples: phone numbers as much of the world writes
    // them (`06.12.34.56.78`, `70.12.82.10`, `022.341.775`). Those stay weak readings that need
    // a context word unless a national plan the analyzer checks holds them.
    let dotted_phone = sh.digits >= 8 && groups.iter().all(|&g| (2..=4).contains(&g));
    if (7..=15).contains(&sh.digits)
        && !(sh.seps.contains(&b'.') && sh.groups >= 3 && !sh.plus && groups.iter().all(|&g| g <= 3) && !dotted_phone)
        && let Some(score) = phone_score(s, &sh, regions)
    {
        out.push(Candidate::new(id::PHONE_NUMBER, start, end, score, false));
    }
    if compact {
        if (8..=17).contains(&sh.digits) {
            out.push(Candidate::new(id::US_BANK_NUMBER, start, end, 0.05, false));
        }
        if sh.digits == 9 {
            out.push(Candidate::new(id::US_PASSPORT, start, end, 0.05, false));
        }
        if (6..=14).contains(&sh.digits) || sh.digits == 16 {
            out.push(Candidate::new(id::US_DRIVER_LICENSE, start, end, 0.01, false));
        }
    }
    out.len() > before
}

fn phone_score(s: &str, sh: &Shape, regions: &[phonenumber::country::Id]) -> Option<f32> {
    use phonenumber::country::Id;
    let mut buf = [0u8; 24];
    let mut n = 0;
    for b in s.bytes().filter(u8::is_ascii_digit) {
        *buf.get_mut(n)? = b;
        n += 1;
    }
    // INVARIANT: only ASCII digits were copied.
    let digits_only = std::str::from_utf8(&buf[..n]).unwrap_or_default();
    let international = sh.plus || digits_only.starts_with("00");
    let formatted = sh.groups >= 2 || sh.paren || sh.plus;
    if international {
        let rest = if sh.plus { digits_only } else { &digits_only[2..] };
        if crate::phone::valid_international(rest) {
            return Some(if formatted { 0.85 } else { 0.75 });
        }
        // A number no plan lists but a country's numbers could be (`+61 8317 0669`): weak.
        // So is one dialled with `00` and written in groups (`001-452-870-9124`).
        return ((sh.plus || formatted) && crate::phone::possible_international(rest)).then_some(0.3);
    }
    let groups = group_lengths(s);
    // Shorter national numbers (seven or eight digits: much of Africa, the Caribbean, the Gulf,
    // Scandinavia) written in groups, of a length some region in libphonenumber's metadata
    // dials: a weak
    // reading (0.3) that a context word or a telephone label must confirm.
    if digits_only.len() < 9 {
        let weak = digits_only.len() >= 7 && formatted && groups.len() <= 5 && crate::phone::national_length_somewhere(digits_only);
        return weak.then_some(0.3);
    }
    // National numbers of nine digits and more, and not a ZIP+4 code.
    if groups == [5, 4] {
        return None;
    }
    let score = if formatted { 0.6 } else { 0.4 };
    let first = digits_only.as_bytes().first().copied()?;
    for &region in regions {
        // National formats: Europe dials a trunk 0 (Spain has none); NANP numbers never start with 0/1
        // unless the country code 1 is written.
        let plausible = match region {
            Id::US | Id::CA => {
                first != b'0'
                    && (digits_only.len() == 10 || (digits_only.len() == 11 && first == b'1' && (groups.len() == 1 || groups[0] == 1)))
            }
            Id::ES => matches!(first, b'6' | b'7' | b'8' | b'9') && digits_only.len() == 9,
            Id::IT => matches!(first, b'0' | b'3'),
            _ => first == b'0',
        };
        if plausible && crate::phone::valid_national(region.as_ref(), digits_only) {
            return Some(score);
        }
    }
    // The other regions of the North American plan (Canada's and the Caribbean's area codes)
    // in the US format, `(264) 461-4366`: as strong as a US number.
    if digits_only.len() == 10 && first != b'0' && first != b'1' && (sh.paren || groups == [3, 3, 4]) {
        let mut with_code = [b'1'; 11];
        with_code[1..].copy_from_slice(digits_only.as_bytes());
        // INVARIANT: ASCII digits only.
        if crate::phone::valid_international(std::str::from_utf8(&with_code).unwrap_or_default()) {
            return Some(score);
        }
    }
    // Other countries' national formats, written in groups (`07 7631706`, `534 177 763`,
    // `(06) 776 3170`, `06.12.34.56.78`): a length one of them allows reads as a weak phone
    // number (0.3), so a context word (`call`, `mobile`, `tel`, ...) must stand near it.
    // And any region's national length, written in groups (as above).
    let weak = formatted
        && groups.len() <= 5
        && (EXTRA_PHONE_REGIONS.iter().any(|r| crate::phone::possible_national(r, digits_only))
            || crate::phone::national_length_somewhere(digits_only));
    weak.then_some(0.3)
}

/// Regions whose national formats are read weakly (see `phone_score`), beyond the analyzer's
/// validated regions.
const EXTRA_PHONE_REGIONS: &[&str] = &[
    "AU", "NZ", "IE", "IN", "NL", "BE", "SE", "NO", "FI", "DK", "PL", "CZ", "SK", "HU", "TR", "BR", "PT", "AT", "CH", "VN", "JP", "MX",
    "ZA", "SG", "PH", "FR", "DE", "GB",
];

fn resolve_alnum(s: &str, start: usize, end: usize, out: &mut Vec<Candidate>) {
    let b = s.as_bytes();
    let n = b.len();
    let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    let rest_digits = b[letters..].iter().all(u8::is_ascii_digit);
    if n == 9 && letters == 2 && rest_digits && validate::dea(s) {
        out.push(Candidate::new(id::MEDICAL_LICENSE, start, end, 0.7, false));
        return;
    }
    if n == 9 && validate::es_nie(s) {
        out.push(Candidate::new(id::ES_NIE, start, end, 0.8, false));
        return;
    }
    if n == 16 && validate::it_fiscal_code(s) {
        out.push(Candidate::new(id::IT_FISCAL_CODE, start, end, 0.9, true));
        return;
    }
    if n == 9 && validate::uk_nino(s) {
        out.push(Candidate::new(id::UK_NINO, start, end, 0.85, false));
        return;
    }
    if !s.contains('-') && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        if letters == 1 && n == 9 && rest_digits {
            out.push(Candidate::new(id::US_PASSPORT, start, end, 0.1, false));
        }
        if letter_first_licence(b, letters, rest_digits) {
            out.push(Candidate::new(id::US_DRIVER_LICENSE, start, end, 0.3, false));
        }
    }
}

/// Whether capitals and digits starting with a capital have the shape of some US state's
/// driver's licence (the states' published formats): one letter and 3-14 or 18 digits, two
/// letters and 2-14 digits, three letters and six digits (North Dakota), `AB123456C` (Idaho),
/// `A123456R` (Missouri), `A1B2C` (Kansas), and Washington's twelve characters. Weak shapes,
/// so a context word (`driver`, `license`, `DL`, ...) must stand near them.
fn letter_first_licence(b: &[u8], letters: usize, rest_digits: bool) -> bool {
    let n = b.len();
    let digits = n - letters;
    let digit = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let upper = |i: usize| b[i].is_ascii_uppercase();
    match letters {
        1 if rest_digits => (3..=14).contains(&digits) || digits == 18,
        2 if rest_digits => (2..=14).contains(&digits),
        3 if rest_digits => digits == 6,
        _ if n == 9 && letters == 2 => digit(2..8) && upper(8),
        _ if n == 8 && letters == 1 => digit(1..7) && b[7] == b'R',
        _ if n == 5 && letters == 1 => b[1].is_ascii_digit() && upper(2) && b[3].is_ascii_digit() && upper(4),
        _ => n == 12 && letters <= 7 && b.iter().any(u8::is_ascii_digit),
    }
}

/// Whether a token of digits, capitals and digits has the shape of a US state's driver's
/// licence: `12ABC12345` / `12ABC123456` (New Hampshire) or `123AB4567` (Iowa).
fn digit_first_licence(b: &[u8]) -> bool {
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let caps = b[lead..].iter().take_while(|c| c.is_ascii_uppercase()).count();
    let tail = &b[lead + caps..];
    let tail_digits = !tail.is_empty() && tail.iter().all(u8::is_ascii_digit);
    tail_digits && matches!((lead, caps, tail.len()), (2, 3, 5..=6) | (3, 2, 4))
}

/// Whether `start` opens a sentence (used by the name resolver and exposed for tests).
#[allow(dead_code)]
pub(crate) fn sentence_start(text: &str, start: usize) -> bool {
    is_sentence_start(text, start)
}
