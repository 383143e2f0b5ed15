//! Acronyms an article defines in parentheses: "the Islamic State (IS)" makes every "IS"
//! of that article mean "Islamic State"; the reverse "IS (Islamic State)" too.

use super::aliases::is_all_caps;
use crate::EntityKind;

/// Words left out of an acronym's initials ("Organisation *of* the Petroleum ...").
const SMALL_WORDS: &[&str] = &[
    "of", "the", "and", "for", "in", "on", "at", "to", "a", "an", "&", "de", "des", "du", "la",
    "le", "et", "y", "del", "da", "di", "von", "van", "al",
];

/// How far back from "(" a long form may start, in words.
const MAX_LONG_WORDS: usize = 10;

/// Longest parenthesised text considered, in bytes.
const MAX_PAREN_BYTES: usize = 120;

/// One definition found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Definition {
    /// The acronym as written ("IS").
    pub short: String,
    /// The long form as written ("Islamic State").
    pub long: String,
    /// The kind of the tagger span that is exactly the long form, if any.
    pub kind: Option<EntityKind>,
    /// The long form's byte range in the text.
    pub long_range: (usize, usize),
}

/// A tagger span of the same text: byte range and kind.
pub(crate) type SpanRange = (usize, usize, EntityKind);

/// Finds every acronym definition in `text`. `spans` are the tagger's spans of the same
/// text; a span ending just before "(" is preferred as the long form.
pub(crate) fn find_definitions(text: &str, spans: &[SpanRange]) -> Vec<Definition> {
    let mut out = Vec::new();
    for (open, _) in text.match_indices('(') {
        let after = &text[open + 1..];
        let Some(close) = after.find(')') else {
            continue;
        };
        if close > MAX_PAREN_BYTES {
            continue;
        }
        let inner = after[..close].trim();
        let before = text[..open].trim_end();
        let end = before.len();
        if is_acronym(inner) {
            if let Some(def) = long_then_short(text, end, inner, spans) {
                out.push(def);
            }
        } else if let Some(def) = short_then_long(before, inner, open + 1, after, spans) {
            out.push(def);
        }
    }
    out
}

/// "Islamic State (IS)": the long form ends at byte `end` of `text`.
fn long_then_short(text: &str, end: usize, short: &str, spans: &[SpanRange]) -> Option<Definition> {
    // A tagger span that ends right before the parenthesis.
    for &(s, e, kind) in spans {
        if e != end || s >= e {
            continue;
        }
        let Some(long) = text.get(s..e) else {
            continue;
        };
        let lead = long.len() - long.trim_start().len();
        let long = long.trim();
        let loose = kind != EntityKind::Person
            && is_all_caps(short)
            && (2..=6).contains(&short.chars().filter(|c| c.is_alphabetic()).count())
            && first_letter(long) == first_letter(short);
        if initials_match(long, short) || loose {
            return Some(Definition {
                short: short.to_string(),
                long: long.to_string(),
                kind: Some(kind),
                long_range: (s + lead, s + lead + long.len()),
            });
        }
    }
    // Otherwise the shortest run of preceding words, starting with a capital, whose
    // initials spell the acronym.
    let before = &text[..end];
    let mut start = before.len();
    for _ in 0..MAX_LONG_WORDS {
        let head = before[..start].trim_end();
        if head.is_empty() {
            break;
        }
        // A clause boundary ends the long form ("..., SANA (...)").
        if start < before.len() && head.ends_with([',', '.', ';', ':', '!', '?', '"', '”']) {
            break;
        }
        start = after_last_space(head);
        let candidate = &before[start..];
        let Some(first_word) = candidate.split_whitespace().next() else {
            break;
        };
        if first_word.ends_with([',', ';', ':']) {
            break;
        }
        if super::names::starts_uppercase(candidate) && initials_match(candidate, short) {
            let kind = spans
                .iter()
                .find(|&&(s, e, _)| s == start && e == end)
                .map(|&(_, _, k)| k);
            return Some(Definition {
                short: short.to_string(),
                long: candidate.to_string(),
                kind,
                long_range: (start, end),
            });
        }
    }
    None
}

/// "IS (Islamic State)": `before` ends with the acronym, `inner` is the long form, which
/// starts at byte `inner_start` of the text (before trimming) and `after` is the text
/// from there on.
fn short_then_long(
    before: &str,
    inner: &str,
    inner_start: usize,
    after: &str,
    spans: &[SpanRange],
) -> Option<Definition> {
    let short_start = after_last_space(before);
    let short = &before[short_start..];
    if !is_acronym(short) || !is_all_caps(short) || inner.split_whitespace().count() < 2 {
        return None;
    }
    if !super::names::starts_uppercase(inner) || !initials_match(inner, short) {
        return None;
    }
    let lead = after.len() - after.trim_start().len();
    let (s, e) = (inner_start + lead, inner_start + lead + inner.len());
    let kind = spans
        .iter()
        .find(|&&(a, b, _)| a == s && b == e)
        .map(|&(_, _, k)| k);
    Some(Definition {
        short: short.to_string(),
        long: inner.to_string(),
        kind,
        long_range: (s, e),
    })
}

/// Looks like an acronym: 2 to 10 characters, no spaces, starts with a capital, at least
/// two capitals, only letters, digits, dots, `&` and `-` ("IS", "U.S.", "SOHR", "G7").
pub(crate) fn is_acronym(s: &str) -> bool {
    let n = s.chars().count();
    (2..=10).contains(&n)
        && super::names::starts_uppercase(s)
        && s.chars().filter(|c| c.is_uppercase()).count() >= 2
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '&' | '-'))
}

/// Byte index just after the last whitespace character of `s` (0 if none); multi-byte
/// spaces such as U+00A0 are stepped over whole.
fn after_last_space(s: &str) -> usize {
    s.char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8())
}

fn first_letter(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_alphabetic())
        .map(|c| c.to_uppercase().next().unwrap_or(c))
}

/// The acronym's letters are the initials of the long form's words, with or without its
/// small words, treating hyphenated parts as words or not.
pub(crate) fn initials_match(long: &str, short: &str) -> bool {
    let letters: String = short
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect();
    if letters.chars().count() < 2 {
        return false;
    }
    [false, true].into_iter().any(|split_hyphens| {
        let words: Vec<&str> = long
            .split(|c: char| c.is_whitespace() || (split_hyphens && c == '-'))
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| !w.is_empty())
            .collect();
        let all = initials(words.iter().copied());
        let significant = initials(
            words
                .iter()
                .copied()
                .filter(|w| !SMALL_WORDS.contains(&w.to_lowercase().as_str())),
        );
        letters == significant || letters == all
    })
}

fn initials<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_found_from_text_alone() {
        let text = "militants such as the Islamic State (IS) group. Later IS fled.";
        let defs = find_definitions(text, &[]);
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].short, "IS");
        assert_eq!(defs[0].long, "Islamic State");
        assert_eq!(defs[0].kind, None);
    }

    #[test]
    fn small_words_are_skipped_in_initials() {
        let text = "said the Syrian Observatory for Human Rights (SOHR) on Monday";
        let defs = find_definitions(text, &[]);
        assert_eq!(defs[0].long, "Syrian Observatory for Human Rights");
        assert!(initials_match(
            "Islamic State of Iraq and the Levant",
            "ISIL"
        ));
        assert!(initials_match(
            "North Atlantic Treaty Organization",
            "N.A.T.O."
        ));
        assert!(!initials_match("Islamic State", "ISIL"));
    }

    #[test]
    fn tagger_span_before_parenthesis_is_preferred() {
        let text = "the Free Syrian Army (FSA) said";
        let start = text.find("Free").expect("in text");
        let end = text.find(" (").expect("in text");
        let defs = find_definitions(text, &[(start, end, EntityKind::Organization)]);
        assert_eq!(defs[0].long, "Free Syrian Army");
        assert_eq!(defs[0].kind, Some(EntityKind::Organization));
    }

    #[test]
    fn reverse_form_is_found() {
        let text = "fighters of ISIL (Islamic State of Iraq and the Levant) left";
        let defs = find_definitions(text, &[]);
        assert_eq!(defs[0].short, "ISIL");
        assert_eq!(defs[0].long, "Islamic State of Iraq and the Levant");
    }

    #[test]
    fn clause_boundary_and_non_acronyms_are_ignored() {
        assert!(find_definitions("in Syria, (IS) said", &[]).is_empty());
        assert!(find_definitions("Mr Smith (aged 40)", &[]).is_empty());
        assert!(find_definitions("unclosed ( IS", &[]).is_empty());
        assert!(find_definitions("((", &[]).is_empty());
    }
}
