//! A rule-based tokenizer for English news text with exact byte and char offsets, and
//! a sentence splitter that knows common abbreviations and initials.
//!
//! Tokens never split a char, so every token is a valid slice of its source for any
//! input, including emoji, combining marks, right-to-left text and control characters.

use std::ops::Range;

/// One token: a non-empty slice of the source text, with byte and char offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Token {
    /// Byte offset of the first byte.
    pub start_byte: usize,
    /// Byte offset one past the last byte.
    pub end_byte: usize,
    /// Char (Unicode scalar value) offset of the first char.
    pub start_char: usize,
    /// Char offset one past the last char.
    pub end_char: usize,
}

impl Token {
    /// The token's text, sliced out of the `source` it was produced from.
    ///
    /// Panics if `source` is not the text the token came from and the offsets do not
    /// fall on char boundaries of it.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start_byte..self.end_byte]
    }
}

/// Chars that never start a token but stick to the one before them (combining marks,
/// variation selectors, zero-width joiners, emoji skin-tone modifiers).
fn is_joining_mark(c: char) -> bool {
    // Most text is below the first range: one comparison instead of sixteen.
    (c as u32) >= 0x0300
        && matches!(c as u32,
        0x0300..=0x036F
        | 0x0483..=0x0489
        | 0x0591..=0x05BD
        | 0x0610..=0x061A
        | 0x064B..=0x065F
        | 0x0900..=0x0903
        | 0x093A..=0x094F
        | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF
        | 0x200C..=0x200D
        | 0x20D0..=0x20FF
        | 0xFE00..=0xFE0F
        | 0xFE20..=0xFE2F
        | 0x1F3FB..=0x1F3FF
        | 0xE0020..=0xE007F
        | 0xE0100..=0xE01EF)
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || (c.is_control() && !is_joining_mark(c))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Abbreviations that keep their trailing period (compared case-sensitively, without the
/// period).
const ABBREVIATIONS: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Capt", "Sgt", "Maj",
    "Adm", "Cmdr", "Rev", "Fr", "St", "Jr", "Sr", "Mt", "Ft", "Hon", "Pres", "Supt", "Jan", "Feb",
    "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Mon", "Tue", "Tues",
    "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Inc", "Corp", "Co", "Ltd", "Bros", "Plc", "plc",
    "vs", "etc", "approx", "No", "Nos", "Vol", "Ave", "Rd", "Blvd", "Dept", "Univ", "Assn", "Est",
    "Fig", "al", "cf", "ca",
];

/// Abbreviations after which a sentence essentially never ends (titles, initials).
const TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Gen", "Sen", "Rep", "Gov", "Lt", "Col", "Capt", "Sgt", "Maj",
    "Adm", "Cmdr", "Rev", "Fr", "St", "Mt", "Ft", "Hon", "Pres", "Supt", "No", "Nos", "Vol", "vs",
    "cf", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
];

/// Splits `text` into tokens. See the module docs for the rules.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let n = chars.len();
    let byte_at = |i: usize| if i < n { chars[i].0 } else { text.len() };
    let ch = |i: usize| if i < n { Some(chars[i].1) } else { None };
    let mut out = Vec::with_capacity(n / 5 + 1);
    let mut i = 0;
    while i < n {
        let c = chars[i].1;
        if is_space(c) {
            i += 1;
            continue;
        }
        let start = i;
        if is_word(c) {
            i = scan_word(&chars, i);
            // Keep the period of "U.S.", "e.g.", initials "J." and known abbreviations.
            if ch(i) == Some('.') {
                let word = &text[byte_at(start)..byte_at(i)];
                if keeps_period(word) {
                    i += 1;
                }
            }
        } else if let Some(len) = clitic_len(&chars, i).filter(|_| i > 0 && is_word(chars[i - 1].1))
        {
            // A possessive "'s" or a clitic ("'m", "'ll") that follows a word.
            i += len;
        } else if is_word_punct_run(c) {
            i += 1;
            while ch(i) == Some(c) {
                i += 1;
            }
        } else {
            i += 1;
        }
        while i < n && is_joining_mark(chars[i].1) {
            i += 1;
        }
        out.push(Token {
            start_byte: byte_at(start),
            end_byte: byte_at(i),
            start_char: start,
            end_char: i,
        });
    }
    out
}

/// Punctuation that forms one token when repeated ("...", "--", "!!").
fn is_word_punct_run(c: char) -> bool {
    matches!(c, '.' | '-' | '!' | '?' | '*' | '=' | '_' | '#' | '~')
}

/// Scans a word starting at `i`: alphanumerics joined by internal hyphens, dots,
/// apostrophes, commas and colons between digits, and "&" between capitals ("AT&T").
fn scan_word(chars: &[(usize, char)], start: usize) -> usize {
    let mut i = start;
    let n = chars.len();
    let at = |k: usize| if k < n { Some(chars[k].1) } else { None };
    loop {
        while i < n && (is_word(chars[i].1) || is_joining_mark(chars[i].1)) {
            i += 1;
        }
        let Some(c) = at(i) else { return i };
        let prev = chars[i - 1].1;
        let next = at(i + 1);
        let next_is_word = next.is_some_and(is_word);
        let joined = match c {
            '-' | '\u{2010}' | '\u{2011}' | '/' if c != '/' => next_is_word,
            '.' => next_is_word,
            ',' | ':' => prev.is_ascii_digit() && next.is_some_and(|d| d.is_ascii_digit()),
            '/' => prev.is_ascii_digit() && next.is_some_and(|d| d.is_ascii_digit()),
            '&' => prev.is_uppercase() && next.is_some_and(char::is_uppercase),
            c if is_apostrophe(c) => {
                let negation = (prev == 'n' || prev == 'N')
                    && next.is_some_and(|t| t == 't' || t == 'T')
                    && !at(i + 2).is_some_and(is_word);
                if negation && i - 1 > start {
                    // "don't" -> "do" "n't", as in the Penn Treebank.
                    return i - 1;
                }
                // Possessives and clitics ("'s", "'ll") are split off; "O'Neill" is not.
                negation || (next_is_word && clitic_len(chars, i).is_none() && prev.is_alphabetic())
            }
            _ => false,
        };
        if !joined {
            return i;
        }
        i += 1;
    }
}

/// Length in chars of a possessive or clitic starting with the apostrophe at `i`
/// ("'s", "'m", "'d", "'re", "'ve", "'ll" followed by a non-word char).
fn clitic_len(chars: &[(usize, char)], i: usize) -> Option<usize> {
    if !is_apostrophe(chars[i].1) {
        return None;
    }
    for suffix in ["s", "m", "d", "re", "ve", "ll"] {
        let len = suffix.len();
        let matches = suffix.chars().enumerate().all(|(k, c)| {
            chars
                .get(i + 1 + k)
                .is_some_and(|x| x.1.to_ascii_lowercase() == c)
        });
        if matches && !chars.get(i + 1 + len).is_some_and(|x| is_word(x.1)) {
            return Some(1 + len);
        }
    }
    None
}

/// Whether a word followed by "." keeps the period: initials and dotted abbreviations
/// ("J", "U.S", "e.g") and known abbreviations ("Mr", "Inc", "Jan").
fn keeps_period(word: &str) -> bool {
    let mut chars = word.chars();
    if let (Some(first), None) = (chars.next(), chars.next()) {
        return first.is_alphabetic() && first.is_uppercase();
    }
    if word.contains('.') {
        return word.split('.').all(|part| {
            !part.is_empty() && part.chars().count() <= 2 && part.chars().all(char::is_alphabetic)
        });
    }
    ABBREVIATIONS.contains(&word)
}

/// Words that usually begin a sentence; used to decide whether "U.S." or "Inc." ends one.
const SENTENCE_STARTERS: &[&str] = &[
    "The",
    "A",
    "An",
    "He",
    "She",
    "It",
    "They",
    "We",
    "I",
    "You",
    "In",
    "On",
    "At",
    "But",
    "And",
    "This",
    "That",
    "These",
    "Those",
    "There",
    "His",
    "Her",
    "Its",
    "Their",
    "Our",
    "If",
    "When",
    "While",
    "After",
    "Before",
    "As",
    "For",
    "So",
    "Yet",
    "However",
    "Meanwhile",
    "Some",
    "Many",
    "Most",
    "Other",
    "Officials",
    "Analysts",
];

/// Splits tokens into sentences; returns ranges of token indexes that cover every token
/// in order.
///
/// A sentence ends after ".", "!", "?" or "..." (taking closing quotes and brackets along),
/// after a blank line, and after a line break followed by a capitalised token or
/// preceded by a sentence-final token. Titles and initials ("Mr.", "J.") never end a
/// sentence; other abbreviations ("U.S.", "Inc.") end one only before a typical
/// sentence starter ("The", "He").
pub fn split_sentences(text: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].text(text);
        let mut end_here = false;
        if matches!(t, "." | "!" | "?" | "..." | "!!" | "??" | "\u{2026}") || t.starts_with("..") {
            end_here = true;
        } else if t.len() > 1 && t.ends_with('.') {
            let word = &t[..t.len() - 1];
            let single_initial = word.chars().count() == 1;
            if !single_initial && !TITLES.contains(&word) {
                if let Some(next) = tokens.get(i + 1) {
                    end_here = SENTENCE_STARTERS.contains(&next.text(text));
                }
            }
        }
        if end_here {
            // Take closing quotes and brackets along with the sentence.
            while let Some(next) = tokens.get(i + 1) {
                let nt = next.text(text);
                if matches!(
                    nt,
                    "\"" | "'" | ")" | "]" | "}" | "\u{201D}" | "\u{2019}" | "\u{BB}"
                ) && !gap_has_newline(text, &tokens[i], next)
                {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(start..i + 1);
            start = i + 1;
        } else if let Some(next) = tokens.get(i + 1) {
            let gap = &text[tokens[i].end_byte..next.start_byte];
            let newlines = gap.matches('\n').count();
            let next_upper = next
                .text(text)
                .chars()
                .next()
                .is_some_and(|c| !c.is_lowercase());
            if newlines >= 2 || (newlines == 1 && next_upper) {
                out.push(start..i + 1);
                start = i + 1;
            }
        }
        i += 1;
    }
    if start < tokens.len() {
        out.push(start..tokens.len());
    }
    out
}

fn gap_has_newline(text: &str, a: &Token, b: &Token) -> bool {
    text[a.end_byte..b.start_byte].contains('\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.text(text)).collect()
    }

    #[test]
    fn keeps_hyphenated_words_and_dotted_abbreviations() {
        assert_eq!(
            words("Bashar al-Assad, Tehran-backed U.S. e-mail 1,000.5 AT&T"),
            [
                "Bashar",
                "al-Assad",
                ",",
                "Tehran-backed",
                "U.S.",
                "e-mail",
                "1,000.5",
                "AT&T"
            ]
        );
    }

    #[test]
    fn splits_possessives_and_punctuation() {
        assert_eq!(
            words("Damascus's gains (in Syria’s \"north\") players' O'Neill"),
            [
                "Damascus", "'s", "gains", "(", "in", "Syria", "’s", "\"", "north", "\"", ")",
                "players", "'", "O'Neill"
            ]
        );
    }

    #[test]
    fn splits_clitics_like_the_treebank() {
        assert_eq!(
            words("I'm sure they'll say he's right, don't you? O'Donnell's can't"),
            [
                "I",
                "'m",
                "sure",
                "they",
                "'ll",
                "say",
                "he",
                "'s",
                "right",
                ",",
                "do",
                "n't",
                "you",
                "?",
                "O'Donnell",
                "'s",
                "ca",
                "n't"
            ]
        );
        assert_eq!(words("n't 'll x'"), ["n't", "'", "ll", "x", "'"]);
    }

    #[test]
    fn offsets_follow_chars_on_any_input() {
        let text = "Café 中文 e\u{301}t\u{e9} 👍🏽 \u{0}x\u{5e9}\u{5dc}\u{5d5}\u{5dd} \u{301}a";
        let chars: Vec<char> = text.chars().collect();
        for t in tokenize(text) {
            let s = t.text(text);
            assert!(!s.is_empty());
            let by_chars: String = chars[t.start_char..t.end_char].iter().collect();
            assert_eq!(s, by_chars);
        }
    }

    #[test]
    fn titles_and_initials_do_not_end_sentences() {
        let text = "Mr. Smith met J. Doe in the U.S. The talks ended. Dr. Who left!";
        let tokens = tokenize(text);
        let sents: Vec<String> = split_sentences(text, &tokens)
            .into_iter()
            .map(|r| text[tokens[r.start].start_byte..tokens[r.end - 1].end_byte].to_string())
            .collect();
        assert_eq!(
            sents,
            [
                "Mr. Smith met J. Doe in the U.S.",
                "The talks ended.",
                "Dr. Who left!"
            ]
        );
    }
}
