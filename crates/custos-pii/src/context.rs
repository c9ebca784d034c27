//! Looking around a candidate: neighbouring characters, sentence starts and context words.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

use crate::entity::BUILTIN_ENTITIES;

/// How many words before a candidate count as its context (Presidio's default prefix window).
pub(crate) const WORDS_BEFORE: usize = 5;
/// How many words after a candidate count as its context.
pub(crate) const WORDS_AFTER: usize = 2;

/// The character just before byte `at`, if any.
pub(crate) fn prev_char(text: &str, at: usize) -> Option<char> {
    text.get(..at)?.chars().next_back()
}

/// The character at byte `at`, if any.
pub(crate) fn next_char(text: &str, at: usize) -> Option<char> {
    text.get(at..)?.chars().next()
}

/// Whether byte `at` begins a sentence: only spaces/quotes separate it from the start of the
/// text, a line break, or a `.`, `!`, `?`, `:` or bullet.
/// Looks back at most 256 characters (past that, as if the text began there), so the work per
/// candidate stays bounded.
pub(crate) fn is_sentence_start(text: &str, at: usize) -> bool {
    for c in text[..at].chars().rev().take(256) {
        match c {
            ' ' | '\t' | '"' | '\'' | '“' | '‘' | '(' | '*' | '-' | '¿' | '¡' => {}
            '\n' | '\r' | '.' | '!' | '?' | ':' | '•' | '>' | '|' => return true,
            _ => return false,
        }
    }
    true
}

/// Iterates the words (runs of letters, digits, `'` and `#`) before byte `at`, nearest first.
pub(crate) fn words_before(text: &str, at: usize) -> impl Iterator<Item = &str> {
    let head = &text[..at];
    head.rsplit(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '#' || c == '’')).filter(|w| !w.is_empty())
}

/// Iterates the words after byte `at`, nearest first.
pub(crate) fn words_after(text: &str, at: usize) -> impl Iterator<Item = &str> {
    text[at..].split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '#' || c == '’')).filter(|w| !w.is_empty())
}

/// Every constant word list the engine consults, registered once: each word maps to a bit
/// mask of the lists that hold it, so a membership test is one hash lookup (no per-list scan;
/// the last word asked about is remembered per thread, see [`LastWord`]).
struct WordLists {
    words: FxHashMap<&'static str, u64>,
    /// Each list's bit by the list's address, open-addressed (`SLOTS` entries, linear
    /// probing): the resolver asks about a list about once per byte of text, and a scan of
    /// every registered list for its position was a tenth of its time.
    slots: Box<[(usize, u8)]>,
}

/// Entries of [`WordLists::slots`] (a power of two, well above the number of lists).
const SLOTS: usize = 256;

fn slot_of(ptr: usize) -> usize {
    (ptr >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (usize::BITS - 8) as usize & (SLOTS - 1)
}

impl WordLists {
    /// The bit of `list` in every word's mask, if it is registered.
    fn bit_of(&self, list: &'static [&'static str]) -> Option<u32> {
        let ptr = list.as_ptr() as usize;
        let mut at = slot_of(ptr);
        loop {
            match self.slots[at] {
                (0, _) => return None,
                (p, bit) if p == ptr => return Some(u32::from(bit)),
                _ => at = (at + 1) & (SLOTS - 1),
            }
        }
    }
}

static WORD_LISTS: LazyLock<WordLists> = LazyLock::new(|| {
    let all: Vec<&'static [&'static str]> = crate::names::WORD_LISTS
        .iter()
        .copied()
        .chain(std::iter::once(NOT_A_PHONE))
        .chain(BUILTIN_ENTITIES.iter().map(|(_, words)| *words))
        .collect();
    let mut words: FxHashMap<&'static str, u64> = FxHashMap::default();
    for (bit, list) in all.iter().enumerate().take(64) {
        for w in list.iter() {
            *words.entry(w).or_default() |= 1 << bit;
        }
    }
    let mut slots = vec![(0usize, 0u8); SLOTS].into_boxed_slice();
    for (bit, list) in all.iter().enumerate().take(64) {
        let ptr = list.as_ptr() as usize;
        let mut at = slot_of(ptr);
        while slots[at].0 != 0 && slots[at].0 != ptr {
            at = (at + 1) & (SLOTS - 1);
        }
        // Two lists with the same contents may share an address: the first one's bit holds.
        if slots[at].0 == 0 {
            slots[at] = (ptr, bit as u8);
        }
    }
    WordLists { words, slots }
});

/// `word` in lower case, without allocating for short ASCII words (the common case).
pub(crate) fn lowered<'a>(word: &'a str, buf: &'a mut [u8; 32]) -> std::borrow::Cow<'a, str> {
    if word.is_ascii() && word.len() <= buf.len() {
        let b = &mut buf[..word.len()];
        b.copy_from_slice(word.as_bytes());
        b.make_ascii_lowercase();
        // INVARIANT: lower-casing ASCII keeps it valid UTF-8.
        std::borrow::Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default())
    } else {
        std::borrow::Cow::Owned(word.to_lowercase())
    }
}

/// Every registered list holding `word` (ignoring case), one bit per list: one lookup answers
/// every [`mask_has`] question about the word.
pub(crate) fn word_mask(word: &str) -> u64 {
    let mut buf = [0u8; 32];
    let lowered = lowered(word, &mut buf);
    WORD_LISTS.words.get(&*lowered).copied().unwrap_or(0)
}

/// Whether a word whose [`word_mask`] is `mask` is in `list` (a registered list).
pub(crate) fn mask_has(mask: u64, list: &'static [&'static str]) -> bool {
    mask != 0 && WORD_LISTS.bit_of(list).is_some_and(|bit| mask & (1 << bit) != 0)
}

/// The last word [`word_in`] looked up on this thread (its bytes as given, up to 32) and its
/// [`word_mask`]: the name resolver asks about the same token many times in a row (is it a
/// title, a calendar word, a joiner, never a name, ...), and one byte comparison answers every
/// question after the first instead of lower-casing and hashing the word again (measured: an
/// eighth of the resolver's time).
#[derive(Clone, Copy)]
struct LastWord {
    len: usize,
    bytes: [u8; 32],
    mask: u64,
}

thread_local! {
    static LAST_WORD: std::cell::Cell<LastWord> = const { std::cell::Cell::new(LastWord { len: usize::MAX, bytes: [0; 32], mask: 0 }) };
}

/// [`word_mask`] through the one-word cache above (words longer than 32 bytes are not cached).
fn cached_mask(word: &str) -> u64 {
    let b = word.as_bytes();
    if b.len() > 32 {
        return word_mask(word);
    }
    LAST_WORD.with(|cell| {
        let last = cell.get();
        if last.len == b.len() && last.bytes[..b.len()] == *b {
            return last.mask;
        }
        let mask = word_mask(word);
        let mut bytes = [0u8; 32];
        bytes[..b.len()].copy_from_slice(b);
        cell.set(LastWord { len: b.len(), bytes, mask });
        mask
    })
}

/// Whether `word` equals any of `list` (lower-case entries), ignoring case.
pub(crate) fn word_in(word: &str, list: &'static [&'static str]) -> bool {
    if list.is_empty() {
        return false;
    }
    let lists = &*WORD_LISTS;
    match lists.bit_of(list) {
        Some(bit) => cached_mask(word) & (1 << bit) != 0,
        _ => {
            let mut buf = [0u8; 32];
            let lowered = lowered(word, &mut buf);
            list.iter().any(|w| *w == lowered)
        }
    }
}

/// The context word supporting the candidate at `start..end`, lower case: one of its type's
/// words (`builtin`, or a custom recognizer's `custom`) among the words within the window, or
/// among the words of the caller's `extra` context, which describes the whole text and so
/// counts as near every candidate (Presidio's request `context`).
pub(crate) fn context_word(
    text: &str,
    start: usize,
    end: usize,
    builtin: &'static [&'static str],
    custom: &[String],
    extra: &[String],
) -> Option<String> {
    let hit = |w: &str| {
        if word_in(w, builtin) {
            Some(w.to_lowercase())
        } else {
            custom.iter().find(|c| c.eq_ignore_ascii_case(w)).map(|c| c.to_lowercase())
        }
    };
    if let Some(found) = words_before(text, start).take(WORDS_BEFORE).chain(words_after(text, end).take(WORDS_AFTER)).find_map(hit) {
        return Some(found);
    }
    // The caller's context, phrase by phrase and word by word (bounded by the request's size).
    extra.iter().flat_map(|phrase| words_after(phrase, 0)).find_map(hit)
}

/// Words that, just before a number, say it is not a phone number but a reference of some
/// other kind (`order number 388-4611274`, `Invoice 0935613038`).
pub(crate) static NOT_A_PHONE: &[&str] = &[
    "order",
    "invoice",
    "tracking",
    "ticket",
    "reference",
    "ref",
    "booking",
    "case",
    "policy",
    "serial",
    "sku",
    "claim",
    "receipt",
    "transaction",
    "confirmation",
    "account",
    "acct",
    "customer",
    "member",
    "membership",
    "id",
    "isbn",
    "version",
    "parcel",
    "shipment",
    "item",
    "article",
    "batch",
    "lot",
    "amount",
    "total",
    "price",
    "postcode",
    "zip",
];

/// Whether a word among the three before `start` names another kind of reference
/// ([`NOT_A_PHONE`]).
pub(crate) fn not_a_phone(text: &str, start: usize) -> bool {
    words_before(text, start).take(3).any(|w| word_in(w, NOT_A_PHONE))
}

/// Whether `my number`, `her new number`, `your contact number` ... stands among the four
/// words before `start`: a person's number is a phone number. `number` alone is no phone
/// context word: `NHS number`, `passport number` and `card number` name other identifiers.
pub(crate) fn a_persons_number(text: &str, start: usize) -> bool {
    const WHOSE: &[&str] = &["my", "your", "his", "her", "our", "their", "new", "contact", "home", "work", "direct", "private", "best"];
    let mut words = words_before(text, start).take(4);
    while let Some(w) = words.next() {
        if w.eq_ignore_ascii_case("number") {
            return words.next().is_some_and(|o| WHOSE.iter().any(|x| o.eq_ignore_ascii_case(x)));
        }
    }
    false
}

/// How far either way of a span its line is looked for, in bytes.
pub(crate) const LINE_WINDOW: usize = 256;

/// The bounds of the line holding `start..end`, when the line begins and ends within
/// [`LINE_WINDOW`] bytes of the span; `None` for a longer line (prose, not a line of a
/// signature or an address block). The work is bounded, so a text of one long line stays
/// linear to scan.
pub(crate) fn short_line(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let lo = crate::scan::floor_boundary(text, start.saturating_sub(LINE_WINDOW));
    let hi = crate::scan::floor_boundary(text, (end + LINE_WINDOW).min(text.len()));
    let line_start = match text[lo..start].rfind('\n') {
        Some(i) => lo + i + 1,
        None if lo == 0 => 0,
        None => return None,
    };
    let line_end = match text[end..hi].find('\n') {
        Some(i) => end + i,
        None if hi == text.len() => text.len(),
        None => return None,
    };
    Some((line_start, line_end))
}

/// Whether the number at `start..end` stands on a line of its own, alone or after a short
/// label and a colon (`T: 022 234 6569`, `Mobile: ...`): how signatures and address blocks
/// write telephone numbers, so the line counts as the number's context word.
pub(crate) fn alone_on_line(text: &str, start: usize, end: usize) -> bool {
    let Some((line_start, line_end)) = short_line(text, start, end) else { return false };
    let before = text[line_start..start].trim();
    let after = text[end..line_end].trim();
    // A line of its own within a longer text: a one-line text is a sentence, not a block.
    let block = line_start > 0 || line_end < text.len();
    let label_ok = before.is_empty()
        || before
            .strip_suffix(':')
            .is_some_and(|label| label.len() <= 12 && label.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '.'));
    block && label_ok && after.chars().all(|c| matches!(c, '.' | ',' | ';'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_window_looks_both_ways() {
        let t = "my account number is 12345678 thanks";
        let s = t.find("1234").unwrap_or(0);
        assert_eq!(context_word(t, s, s + 8, &["account"], &[], &[]).as_deref(), Some("account"));
        assert_eq!(context_word(t, s, s + 8, &["thanks"], &[], &[]).as_deref(), Some("thanks"));
        assert_eq!(context_word(t, s, s + 8, &["routing"], &[], &[]), None);
        // The caller's context counts as near every candidate, word by word.
        let extra = vec!["Routing details".to_owned()];
        assert_eq!(context_word(t, s, s + 8, &["routing"], &[], &extra).as_deref(), Some("routing"));
        assert_eq!(context_word(t, s, s + 8, &[], &["Thanks".to_owned()], &[]).as_deref(), Some("thanks"));
        // Every list fits the 64-bit mask, or `mask_has` would answer no for the overflow.
        let registered = crate::names::WORD_LISTS.len() + 1 + BUILTIN_ENTITIES.len();
        assert!(registered <= 64, "{registered} word lists");
        // Every registered list is found by its address, and an unregistered one is not.
        assert!(WORD_LISTS.bit_of(NOT_A_PHONE).is_some());
        static UNREGISTERED: &[&str] = &["zzz"];
        assert!(WORD_LISTS.bit_of(UNREGISTERED).is_none());
        assert!(word_in("ZZZ", UNREGISTERED));
        // The per-thread last word: asking about two words in turn answers each correctly.
        assert!(word_in("Mr", crate::names::WORD_LISTS[0]) && !word_in("Payroll", crate::names::WORD_LISTS[0]));
        assert!(word_in("mr", crate::names::WORD_LISTS[0]));
        assert!(mask_has(word_mask("Near"), crate::names::WORD_LISTS[3]));
        assert!(is_sentence_start("Hello. John", 7));
        assert!(!is_sentence_start("Hello John", 6));
        assert!(is_sentence_start("John", 0));
        // Telephone lines of a signature, and numbers that are references of another kind.
        let sig = "Ingrid Solberg\nT: 022 234 6569\nSales";
        let at = sig.find("022").unwrap_or(0);
        assert!(alone_on_line(sig, at, at + 12));
        let one_line = "022 234 6569";
        assert!(!alone_on_line(one_line, 0, one_line.len()));
        let prose = "Ingrid\nshe paid 022 234 6569 today";
        let at = prose.find("022").unwrap_or(0);
        assert!(!alone_on_line(prose, at, at + 12));
        // A line too long to look across is no signature line, and costs nothing to rule out.
        let long = format!("{}\n022 234 6569", "x".repeat(10_000));
        assert!(alone_on_line(&long, 10_001, 10_013));
        let long_line = format!("{}022 234 6569", "x ".repeat(5_000));
        assert!(short_line(&long_line, 10_000, 10_012).is_none());
        let order = "Your order number is 388-4611274";
        assert!(not_a_phone(order, order.find("388").unwrap_or(0)));
        assert!(!not_a_phone("call me on 388-4611274", 11));
        assert!(a_persons_number("My number is 555-867-5309", 13));
        assert!(a_persons_number("her new number: 555", 16));
        assert!(!a_persons_number("NHS number 943 476 5919", 11));
        assert!(!a_persons_number("my number of tries was 5", 23));
    }
}
