//! Looking around a candidate: neighbouring characters, sentence starts and context words.

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
pub(crate) fn is_sentence_start(text: &str, at: usize) -> bool {
    for c in text[..at].chars().rev() {
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

/// Whether `word` equals any of `list` (lower-case entries), ignoring case.
pub(crate) fn word_in(word: &str, list: &[&str]) -> bool {
    if word.is_ascii() {
        list.iter().any(|w| w.eq_ignore_ascii_case(word))
    } else {
        let lower = word.to_lowercase();
        list.iter().any(|w| *w == lower)
    }
}

/// Whether a context word for the candidate at `start..end` appears within the window.
pub(crate) fn has_context(text: &str, start: usize, end: usize, builtin: &[&str], extra: &[String]) -> bool {
    let hit = |w: &str| word_in(w, builtin) || extra.iter().any(|e| e.eq_ignore_ascii_case(w));
    words_before(text, start).take(WORDS_BEFORE).any(hit) || words_after(text, end).take(WORDS_AFTER).any(hit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_window_looks_both_ways() {
        let t = "my account number is 12345678 thanks";
        let s = t.find("1234").unwrap_or(0);
        assert!(has_context(t, s, s + 8, &["account"], &[]));
        assert!(has_context(t, s, s + 8, &["thanks"], &[]));
        assert!(!has_context(t, s, s + 8, &["routing"], &[]));
        assert!(is_sentence_start("Hello. John", 7));
        assert!(!is_sentence_start("Hello John", 6));
        assert!(is_sentence_start("John", 0));
    }
}
