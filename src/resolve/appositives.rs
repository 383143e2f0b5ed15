//! Apposition: a singular common noun written right before a name classifies it
//! ("search giant Google", "Japanese firm Sony", "Chelsea boss Jose Mourinho"). The
//! nouns and their kinds are shipped in `data/appositives.tsv`.
//!
//! The tagger reads an unfamiliar one-word company name as a person when it starts a
//! clause ("Yahoo is planning ..."); the noun before it is evidence no tagger context
//! window weighs. Like a hypernym list's, the kind applies to every span of the
//! article with the same surface, and so votes for the entity's kind across the store.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use super::Found;
use crate::{EntityKind, Field};

/// `noun<TAB>kind`, `#` comments; see the file's header.
const APPOSITIVES_TSV: &str = include_str!("../../data/appositives.tsv");

/// The shipped nouns, lowercase.
fn lexicon() -> &'static HashMap<String, EntityKind> {
    static LEXICON: OnceLock<HashMap<String, EntityKind>> = OnceLock::new();
    LEXICON.get_or_init(|| {
        super::tsv_rows(APPOSITIVES_TSV)
            .filter_map(|row| match row.as_slice() {
                [noun, kind] if !noun.is_empty() => {
                    Some((noun.to_lowercase(), EntityKind::from_str(kind).ok()?))
                }
                _ => None,
            })
            .collect()
    })
}

/// The noun of the lexicon written just before `start` in `text`, separated from it
/// by spaces and at most one opening quote ("the film 'Ray'"), as a whole lowercase
/// word.
fn noun_before(text: &str, start: usize) -> Option<EntityKind> {
    let before = text.get(..start)?;
    let before = before
        .strip_suffix(['\'', '"', '\u{2018}', '\u{201c}'])
        .unwrap_or(before);
    let trimmed = before.trim_end_matches(' ');
    if trimmed.len() == before.len() {
        return None;
    }
    let word_start = trimmed
        .char_indices()
        .rev()
        .find(|(_, c)| !c.is_ascii_lowercase())
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &trimmed[word_start..];
    // The word must stand on its own: "Rockstar" is not "star".
    let glued = trimmed[..word_start]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    if word.is_empty() || glued {
        return None;
    }
    // "the best actress Oscar", "best director Oscar": an award, not a person.
    if trimmed[..word_start].trim_end().ends_with("best") {
        return None;
    }
    lexicon().get(word).copied()
}

/// Every span right after a noun of the lexicon, with the noun's kind, as (index into
/// `spans`, kind).
pub(crate) fn appositive_kinds(
    title: &str,
    body: &str,
    spans: &[Found],
) -> Vec<(usize, EntityKind)> {
    spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let text = match s.field {
                Field::Title => title,
                Field::Body => body,
            };
            noun_before(text, s.start_byte).map(|k| (i, k))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(body: &str, names: &[&str]) -> Vec<Option<EntityKind>> {
        names
            .iter()
            .map(|n| noun_before(body, body.find(n).unwrap()))
            .collect()
    }

    #[test]
    fn the_noun_right_before_a_name_gives_its_kind() {
        let body = "Shares in search giant Google rose. Chelsea boss Jose Mourinho said \
                    Rockstar Games and the firm, Sony, and market leader Nintendo.";
        assert_eq!(
            kinds(
                body,
                &["Google", "Jose", "Games", "Sony", "Nintendo", "Chelsea"]
            ),
            [
                Some(EntityKind::Organization),
                Some(EntityKind::Person),
                None, // "Rockstar" is not "star"
                None, // a comma between
                None, // "leader" is left out
                None, // start of a sentence
            ]
        );
        assert_eq!(noun_before("firm Sony", 0), None);
        assert_eq!(kinds("won the best actress Oscar", &["Oscar"]), [None]);
        // A work, not its title's look-alike person or firm; "play" is a verb too.
        assert_eq!(
            kinds(
                "the biopic Ray and comedy Sideways. Tautou will play Hanks",
                &["Ray", "Sideways", "Hanks"]
            ),
            [Some(EntityKind::Misc), Some(EntityKind::Misc), None]
        );
        assert_eq!(
            kinds(
                "Universal's film 'Ray', and the drama “Closer”",
                &["Ray", "Closer"]
            ),
            [Some(EntityKind::Misc), Some(EntityKind::Misc)]
        );
        // A quote glued to the noun is no apposition.
        assert_eq!(kinds("the film'Ray'", &["Ray"]), [None]);
        assert_eq!(noun_before("firm Sony", 99), None);
    }

    #[test]
    fn every_shipped_row_parses() {
        let rows = super::super::tsv_rows(APPOSITIVES_TSV).count();
        assert!(rows > 40);
        assert_eq!(lexicon().len(), rows);
    }
}
