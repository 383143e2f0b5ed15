//! Hypernym (Hearst) patterns: in "Tehran-backed groups, including Lebanon's Hezbollah",
//! "countries such as France and Germany" or "Shell, BP and other companies", the names
//! listed are instances of the plural common noun (the hypernym), so they take its kind.
//! The nouns and their kinds are shipped in `data/hypernyms.tsv`.
//!
//! Two patterns (Hearst 1992), over the tokens of one field:
//!
//! - **Noun, then a list**: `<noun> [,] such as | including | like | especially | notably |
//!   particularly E1 [, E2 ...] [, and|or En]`. The noun is the word just before the cue
//!   (or before its comma), so modifiers are free ("Tehran-backed groups"). A member
//!   reached through a comma counts only if the list goes on to close with "and"/"or"
//!   ("countries such as France, Germany and Italy"): a comma after the last name may
//!   as well start a new clause ("footballers such as Beckham, England will ...").
//! - **A name, then "and/or other" and the noun**: `E and other <noun>`, with up to two
//!   modifiers before the noun ("the United States and other Western countries"). Only
//!   the name just before "and" is a member: a comma further left may end an earlier
//!   phrase ("In London, Blair and other leaders").
//!
//! A member is a span the tagger found, optionally after "the". A possessive name before
//! it is a modifier, so in "including Lebanon's Hezbollah" the member is "Hezbollah" and
//! "Lebanon" keeps its own kind. A member must end its noun phrase: a name followed by
//! lowercase words that lead to another name modifies a role noun, so "footballers such
//! as Arsenal striker Thierry Henry" has no member ("Arsenal" is not a footballer).
//! Spans the tagger calls MISC are never re-typed: they are mostly words for peoples and
//! nationalities ("ethnic groups such as the Kurds", "British and other European banks")
//! that stand in such lists without being instances of the noun.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use super::Found;
use crate::ner::{tokenize, Token};
use crate::{EntityKind, Field};

/// `noun<TAB>kind`, `#` comments; see the file's header.
const HYPERNYMS_TSV: &str = include_str!("../../data/hypernyms.tsv");

/// The words that introduce a list of examples after the noun, as token sequences.
const CUES: &[&[&str]] = &[
    &["such", "as"],
    &["including"],
    &["like"],
    &["especially"],
    &["notably"],
    &["particularly"],
];

/// Words that join list members.
const CONJUNCTIONS: &[&str] = &["and", "or"];

/// Function words that may follow a complete noun phrase: auxiliaries, prepositions,
/// relative pronouns, conjunctions and a few adverbs and reporting verbs. They never
/// are role nouns a name modifies ("Arsenal striker").
const PHRASE_END_WORDS: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did",
    "will", "would", "shall", "should", "can", "could", "may", "might", "must", "who", "which",
    "that", "whose", "whom", "where", "when", "while", "whilst", "as", "than", "but", "nor", "yet",
    "so", "if", "because", "though", "although", "since", "until", "in", "on", "at", "to", "from",
    "for", "with", "by", "of", "into", "onto", "over", "under", "about", "against", "between",
    "among", "amongst", "after", "before", "during", "through", "across", "within", "without",
    "near", "also", "all", "both", "too", "now", "already", "still", "even", "then", "not", "said",
    "says", "say",
];

/// How many lowercase words after a name are searched for a following name, which makes
/// them role nouns the name modifies ("Arsenal club captain Patrick Vieira").
const MAX_ROLE_WORDS: usize = 3;

/// How many modifiers may stand between "other" and the noun.
const MAX_MODIFIERS: usize = 2;

/// The shipped lexicon, keyed by the lowercased noun.
fn lexicon() -> &'static HashMap<String, EntityKind> {
    static LEXICON: OnceLock<HashMap<String, EntityKind>> = OnceLock::new();
    LEXICON.get_or_init(|| {
        parse(HYPERNYMS_TSV)
            .map(|(noun, kind)| (noun.to_lowercase(), kind))
            .collect()
    })
}

/// The rows of a lexicon file. Malformed rows are skipped (a unit test checks the shipped
/// file has none).
fn parse(tsv: &str) -> impl Iterator<Item = (&str, EntityKind)> {
    super::tsv_rows(tsv).filter_map(|row| match row.as_slice() {
        [noun, kind] if !noun.is_empty() => Some((*noun, EntityKind::from_str(kind).ok()?)),
        _ => None,
    })
}

/// Every span that a hypernym pattern lists, with the noun's kind, as (index into
/// `spans`, kind). A span may appear more than once (in two lists). Spans the tagger
/// calls MISC, and spans whose offsets are not token boundaries of their field, are
/// never listed.
pub(crate) fn listed_kinds(title: &str, body: &str, spans: &[Found]) -> Vec<(usize, EntityKind)> {
    let mut out = Vec::new();
    for (field, text) in [(Field::Title, title), (Field::Body, body)] {
        if !spans.iter().any(|s| s.field == field) {
            continue;
        }
        let tokens = tokenize(text);
        let view = View::new(text, &tokens, field, spans);
        for i in 0..tokens.len() {
            for (members, kind) in [view.list_after_cue(i), view.name_before_other(i)]
                .into_iter()
                .flatten()
            {
                out.extend(
                    members
                        .into_iter()
                        .filter(|&s| spans[s].kind != EntityKind::Misc)
                        .map(|s| (s, kind)),
                );
            }
        }
    }
    out
}

/// One field's tokens with the tagger's spans placed on them.
struct View<'a> {
    text: &'a str,
    tokens: &'a [Token],
    /// Token index -> the span starting there, and that span's end token (exclusive).
    starts: HashMap<usize, (usize, usize)>,
    /// Token index (exclusive end) -> the span ending there.
    ends: HashMap<usize, usize>,
    /// Whether a span covers the token.
    covered: Vec<bool>,
}

impl<'a> View<'a> {
    fn new(text: &'a str, tokens: &'a [Token], field: Field, spans: &[Found]) -> View<'a> {
        let mut starts = HashMap::new();
        let mut ends = HashMap::new();
        let mut covered = vec![false; tokens.len()];
        for (idx, span) in spans.iter().enumerate().filter(|(_, s)| s.field == field) {
            let from = tokens.partition_point(|t| t.end_byte <= span.start_byte);
            let to = tokens.partition_point(|t| t.start_byte < span.end_byte);
            for c in covered.iter_mut().take(to).skip(from) {
                *c = true;
            }
            let first = tokens.binary_search_by_key(&span.start_byte, |t| t.start_byte);
            let last = tokens.binary_search_by_key(&span.end_byte, |t| t.end_byte);
            if let (Ok(first), Ok(last)) = (first, last) {
                if first <= last {
                    starts.entry(first).or_insert((idx, last + 1));
                    ends.entry(last + 1).or_insert(idx);
                }
            }
        }
        View {
            text,
            tokens,
            starts,
            ends,
            covered,
        }
    }

    /// The text of token `i`, if there is one.
    fn word(&self, i: usize) -> Option<&'a str> {
        self.tokens.get(i).map(|t| t.text(self.text))
    }

    /// Whether token `i` is `word`, ignoring case.
    fn is(&self, i: usize, word: &str) -> bool {
        self.word(i).is_some_and(|w| w.eq_ignore_ascii_case(word))
    }

    /// Whether token `i` is one of `words`, ignoring case.
    fn is_one_of(&self, i: usize, words: &[&str]) -> bool {
        words.iter().any(|w| self.is(i, w))
    }

    /// The kind of the lexicon noun at token `i`, unless a span covers it (the noun of
    /// "Glasgow Rangers" is part of a name).
    fn hypernym_at(&self, i: usize) -> Option<EntityKind> {
        if self.covered.get(i).copied().unwrap_or(true) {
            return None;
        }
        let word = self.word(i)?;
        lexicon().get(&word.to_lowercase()).copied()
    }

    /// `<noun> [,] such as E1, E2 and E3`: the members and the noun's kind, if a cue
    /// starts at token `i`.
    fn list_after_cue(&self, i: usize) -> Option<(Vec<usize>, EntityKind)> {
        let cue = CUES
            .iter()
            .find(|cue| cue.iter().enumerate().all(|(k, w)| self.is(i + k, w)))?;
        let noun = match i.checked_sub(1)? {
            comma if self.is(comma, ",") => comma.checked_sub(1)?,
            noun => noun,
        };
        let kind = self.hypernym_at(noun)?;
        let (first, mut pos) = self.member_at(i + cue.len())?;
        let mut members = vec![first];
        let mut closed = 1;
        loop {
            let (conjunction, next) = if self.is(pos, ",") {
                if self.is_one_of(pos + 1, CONJUNCTIONS) {
                    (true, pos + 2)
                } else {
                    (false, pos + 1)
                }
            } else if self.is_one_of(pos, CONJUNCTIONS) {
                (true, pos + 1)
            } else {
                break;
            };
            let Some((member, end)) = self.member_at(next) else {
                break;
            };
            members.push(member);
            pos = end;
            if conjunction {
                closed = members.len();
                break;
            }
        }
        members.truncate(closed);
        Some((members, kind))
    }

    /// `E and other <noun>`: the name just before "and" and the noun's kind, if token `i`
    /// is that "other".
    fn name_before_other(&self, i: usize) -> Option<(Vec<usize>, EntityKind)> {
        if !self.is(i, "other") || !self.is_one_of(i.checked_sub(1)?, CONJUNCTIONS) {
            return None;
        }
        let member = *self.ends.get(&(i - 1))?;
        for j in i + 1..=i + 1 + MAX_MODIFIERS {
            let word = self.word(j)?;
            if is_apostrophe_token(word) {
                continue;
            }
            if !word.chars().next().is_some_and(char::is_alphanumeric) {
                return None;
            }
            // "and other countries' leaders": a possessive noun is a modifier.
            let possessive = self.word(j + 1).is_some_and(is_apostrophe_token);
            if let Some(kind) = self.hypernym_at(j).filter(|_| !possessive) {
                return Some((vec![member], kind));
            }
        }
        None
    }

    /// The list member starting at token `pos`, and the token after it: a span (after an
    /// optional "the"), or the span a possessive name before it modifies. `None` if no
    /// span starts there or the span does not end its noun phrase.
    fn member_at(&self, pos: usize) -> Option<(usize, usize)> {
        let (mut span, mut end) = match self.starts.get(&pos) {
            Some(&found) => found,
            None if self.is(pos, "the") => *self.starts.get(&(pos + 1))?,
            None => return None,
        };
        // "Lebanon's Hezbollah": the possessive ends the span, or is the next token.
        loop {
            let after = if self.word(end - 1).is_some_and(is_possessive) {
                end
            } else if self.word(end).is_some_and(is_possessive) {
                end + 1
            } else {
                break;
            };
            match self.starts.get(&after) {
                Some(&next) => (span, end) = next,
                None => break,
            }
        }
        self.ends_phrase(end).then_some((span, end))
    }

    /// Whether the noun phrase of a name may end before token `i`: at punctuation, at the
    /// end of the text, before a conjunction or function word, or before lowercase words
    /// that do not lead to another name. "Arsenal striker Thierry Henry" and "Arsenal
    /// club captain Patrick Vieira" have the name modify a role noun; "Germany and Italy
    /// fell" has a verb after it.
    fn ends_phrase(&self, i: usize) -> bool {
        let Some(word) = self.word(i) else {
            return true;
        };
        if is_apostrophe_token(word) {
            return false;
        }
        if !word.chars().next().is_some_and(char::is_alphanumeric) {
            return true;
        }
        if self.is_one_of(i, CONJUNCTIONS) || is_function_word(word) {
            return true;
        }
        // A capitalised word the tagger left out continues the name ("France Telecom").
        for k in i..i + MAX_ROLE_WORDS {
            match self.word(k) {
                Some(w) if is_lowercase_word(w) && !is_function_word(w) => {
                    if self.starts.contains_key(&(k + 1)) {
                        return false;
                    }
                }
                _ => return k > i,
            }
        }
        true
    }
}

/// A word written in lowercase letters (hyphens and digits allowed).
fn is_lowercase_word(token: &str) -> bool {
    token.chars().next().is_some_and(char::is_lowercase) && !token.chars().any(char::is_uppercase)
}

/// A lowercase function word from [`PHRASE_END_WORDS`].
fn is_function_word(token: &str) -> bool {
    PHRASE_END_WORDS.contains(&token)
}

/// A possessive ending: "'s" or "’s".
fn is_possessive(token: &str) -> bool {
    matches!(token, "'s" | "’s" | "'S" | "’S")
}

/// A possessive token or a bare apostrophe ("countries' ").
fn is_apostrophe_token(token: &str) -> bool {
    is_possessive(token) || matches!(token, "'" | "’")
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityKind::{Location, Misc, Organization, Person};

    /// Every whole-word occurrence of each surface in the body, tagged with its kind.
    fn tag(body: &str, wanted: &[(&str, EntityKind)]) -> Vec<Found> {
        let mut out = Vec::new();
        for &(surface, kind) in wanted {
            for (start, m) in body.match_indices(surface) {
                let end = start + m.len();
                let word = |c: char| c.is_alphanumeric();
                if body[..start].chars().next_back().is_some_and(word)
                    || body[end..].chars().next().is_some_and(word)
                {
                    continue;
                }
                out.push(Found {
                    field: Field::Body,
                    start_byte: start,
                    end_byte: end,
                    kind,
                });
            }
        }
        out.sort_by_key(|s| s.start_byte);
        out
    }

    /// The listed surfaces and their kinds, in text order.
    fn listed(body: &str, wanted: &[(&str, EntityKind)]) -> Vec<(String, EntityKind)> {
        let spans = tag(body, wanted);
        let mut out: Vec<(usize, EntityKind)> = listed_kinds("", body, &spans);
        out.sort_by_key(|&(s, _)| spans[s].start_byte);
        out.dedup();
        out.into_iter()
            .map(|(s, k)| (body[spans[s].start_byte..spans[s].end_byte].to_string(), k))
            .collect()
    }

    fn owned(pairs: &[(&str, EntityKind)]) -> Vec<(String, EntityKind)> {
        pairs.iter().map(|&(s, k)| (s.to_string(), k)).collect()
    }

    #[test]
    fn every_shipped_row_parses() {
        let rows = HYPERNYMS_TSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count();
        assert_eq!(parse(HYPERNYMS_TSV).count(), rows);
        assert_eq!(lexicon().get("groups"), Some(&Organization));
        assert_eq!(lexicon().get("mps"), Some(&Person));
    }

    #[test]
    fn location_hypernym_types_a_list_joined_by_and() {
        let body = "Exports to countries such as France, Germany and Italy fell.";
        assert_eq!(
            listed(
                body,
                &[
                    ("France", Person),
                    ("Germany", Location),
                    ("Italy", Organization)
                ]
            ),
            owned(&[
                ("France", Location),
                ("Germany", Location),
                ("Italy", Location)
            ])
        );
        let body = "He toured cities like Lyon or Nantes.";
        assert_eq!(
            listed(body, &[("Lyon", Person), ("Nantes", Location)]),
            owned(&[("Lyon", Location), ("Nantes", Location)])
        );
    }

    #[test]
    fn organization_hypernym_with_modifiers_and_possessive_owner() {
        let body = "Iranian forces, as well as Tehran-backed groups, including Lebanon's \
                    Hezbollah, have been fighting.";
        assert_eq!(
            listed(body, &[("Lebanon", Location), ("Hezbollah", Person)]),
            owned(&[("Hezbollah", Organization)])
        );
        // The possessive may also be inside the tagger's span.
        let body = "Oil companies including Britain's BP and Shell gained.";
        assert_eq!(
            listed(
                body,
                &[("Britain's", Location), ("BP", Person), ("Shell", Location)]
            ),
            owned(&[("BP", Organization), ("Shell", Organization)])
        );
    }

    #[test]
    fn person_hypernym_after_a_comma_cue() {
        let body = "Stars, notably Kate Winslet, attended.";
        assert_eq!(
            listed(body, &[("Kate Winslet", Organization)]),
            owned(&[("Kate Winslet", Person)])
        );
        let body = "England footballers such as Rooney were rested.";
        assert_eq!(
            listed(body, &[("England", Location), ("Rooney", Organization)]),
            owned(&[("Rooney", Person)]),
            "'England' modifies 'footballers', it is not listed"
        );
    }

    #[test]
    fn and_other_form_types_the_name_before_it() {
        let body = "Talks with the United States and other Western countries stalled.";
        assert_eq!(
            listed(body, &[("United States", Organization), ("Western", Misc)]),
            owned(&[("United States", Location)])
        );
        let body = "Shares in Barclays, Lloyds and other banks rose.";
        assert_eq!(
            listed(body, &[("Barclays", Person), ("Lloyds", Person)]),
            owned(&[("Lloyds", Organization)])
        );
        // A possessive noun after "other" is a modifier of what follows.
        let body = "Blair and other countries' leaders met.";
        assert_eq!(
            listed(body, &[("Blair", Organization)]),
            owned(&[("Blair", Person)])
        );
    }

    #[test]
    fn no_cue_or_an_unknown_noun_leaves_kinds_alone() {
        // No cue: the noun is there but nothing introduces a list.
        let body = "Groups in Lebanon said Hezbollah was ready.";
        assert!(listed(body, &[("Lebanon", Location), ("Hezbollah", Person)]).is_empty());
        // Not in the lexicon: "militants such as" lists groups and persons alike.
        let body = "Hardline militants such as the Islamic State group fought.";
        assert!(listed(body, &[("Islamic State", Organization)]).is_empty());
        let body = "Fans like Beckham.";
        assert!(listed(body, &[("Beckham", Person)]).is_empty());
        // "players" is left out: in business and technology news they are firms or devices.
        let body = "MP3 players such as the Apple iPod sold well.";
        assert!(listed(body, &[("Apple iPod", Organization)]).is_empty());
    }

    #[test]
    fn a_list_ends_where_the_names_stop_being_whole_phrases() {
        // "Arsenal" modifies "striker": no member.
        let body = "Footballers such as Arsenal striker Thierry Henry agreed.";
        assert!(listed(
            body,
            &[("Arsenal", Organization), ("Thierry Henry", Person)]
        )
        .is_empty());
        let body = "Stars like Arsenal club captain Patrick Vieira came.";
        assert!(listed(
            body,
            &[("Arsenal", Organization), ("Patrick Vieira", Person)]
        )
        .is_empty());
        // A capitalised word the tagger left out belongs to the name.
        let body = "Firms such as France Telecom agreed.";
        assert!(listed(body, &[("France", Location)]).is_empty());
        // A comma not followed by a closing "and": the second name starts a new clause.
        let body = "Footballers such as Beckham, England will rest them.";
        assert_eq!(
            listed(body, &[("Beckham", Person), ("England", Location)]),
            owned(&[("Beckham", Person)])
        );
        // Names the tagger calls MISC keep their kind.
        let body = "Ethnic groups such as the Kurds and Mr Smith's Yazidis protested.";
        assert!(listed(body, &[("Kurds", Misc), ("Yazidis", Misc)]).is_empty());
    }

    #[test]
    fn a_noun_inside_a_name_is_not_a_hypernym() {
        let body = "Bolton Wanderers Football Clubs, including Smith, objected.";
        assert!(listed(
            body,
            &[
                ("Bolton Wanderers Football Clubs", Organization),
                ("Smith", Person)
            ]
        )
        .is_empty());
    }
}
