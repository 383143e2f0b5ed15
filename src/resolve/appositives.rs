//! Apposition: a singular common noun written right before a name classifies it
//! ("search giant Google", "Japanese firm Sony", "Chelsea boss Jose Mourinho"). The
//! nouns and their kinds are shipped in `data/appositives.tsv`.
//!
//! The tagger reads an unfamiliar one-word company name as a person when it starts a
//! clause ("Yahoo is planning ..."); the noun before it is evidence no tagger context
//! window weighs. Like a hypernym list's, the kind applies to every span of the
//! article with the same surface, and so votes for the entity's kind across the store.
//!
//! The same holds for a noun right after a name the tagger reads as a person, when
//! only an organization takes it ("Nissan chairman", "a Fox spokesman", "Oracle
//! shares"): `data/roles.tsv`; for where an analyst or economist works ("an
//! analyst at Nomura"): `data/employers.tsv`; and for a name read as a person that ends
//! with a word only firms and institutions end with ("Warner Bros", "Daiwa
//! Securities"): `data/designators.txt`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

use super::Found;
use crate::{EntityKind, Field};

/// `noun<TAB>kind` (a noun may be two words: "car maker"), `#` comments; see the file's
/// header.
const APPOSITIVES_TSV: &str = include_str!("../../data/appositives.tsv");

/// `noun<TAB>kind` (a noun may be two words: "chief executive"), `#` comments; see the
/// file's header.
const ROLES_TSV: &str = include_str!("../../data/roles.tsv");

/// `noun<TAB>kind`, `#` comments; see the file's header.
const EMPLOYERS_TSV: &str = include_str!("../../data/employers.tsv");

/// One word per line, `#` comments; see the file's header.
const DESIGNATORS_TXT: &str = include_str!("../../data/designators.txt");

/// The rows of a `noun<TAB>kind` file, nouns lowercase.
fn read_nouns(tsv: &str) -> HashMap<String, EntityKind> {
    super::tsv_rows(tsv)
        .filter_map(|row| match row.as_slice() {
            [noun, kind] if !noun.is_empty() => {
                Some((noun.to_lowercase(), EntityKind::from_str(kind).ok()?))
            }
            _ => None,
        })
        .collect()
}

/// The shipped nouns written before a name, lowercase.
fn lexicon() -> &'static HashMap<String, EntityKind> {
    static LEXICON: OnceLock<HashMap<String, EntityKind>> = OnceLock::new();
    LEXICON.get_or_init(|| read_nouns(APPOSITIVES_TSV))
}

/// The shipped nouns written after a person-like name, lowercase.
fn roles() -> &'static HashMap<String, EntityKind> {
    static ROLES: OnceLock<HashMap<String, EntityKind>> = OnceLock::new();
    ROLES.get_or_init(|| read_nouns(ROLES_TSV))
}

/// The shipped nouns written with "at" before a name, lowercase.
fn employers() -> &'static HashMap<String, EntityKind> {
    static EMPLOYERS: OnceLock<HashMap<String, EntityKind>> = OnceLock::new();
    EMPLOYERS.get_or_init(|| read_nouns(EMPLOYERS_TSV))
}

/// Whether `surface`, a name of two words or more, ends with a word of
/// `data/designators.txt` ("Warner Bros", "Daiwa Securities").
fn ends_with_designator(surface: &str) -> bool {
    static WORDS: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    let words = WORDS.get_or_init(|| {
        super::tsv_rows(DESIGNATORS_TXT)
            .filter_map(|cells| cells.first().copied())
            .collect()
    });
    surface
        .trim()
        .rsplit_once(' ')
        .is_some_and(|(_, last)| words.contains(last))
}

/// Where the run of characters `in_word` accepts that ends `text` starts: 0 when all
/// of `text` is one, `text.len()` when its last character is not accepted.
fn last_word_start(text: &str, in_word: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .rev()
        .find(|&(_, c)| !in_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
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
    let word_start = last_word_start(trimmed, |c| c.is_ascii_lowercase());
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
    // A noun of two words ("car maker") before one of one word.
    let two = trimmed[..word_start]
        .strip_suffix(' ')
        .and_then(|rest| rest.rsplit(' ').next())
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        .and_then(|w| lexicon().get(&format!("{w} {word}")));
    two.or_else(|| lexicon().get(word)).copied()
}

/// The noun of `data/roles.tsv` written just after `end` in `text`, one space
/// between, as whole lowercase words ("chief executive" before "chief"; "shares" but
/// not "shareware").
fn role_after(text: &str, end: usize) -> Option<EntityKind> {
    let after = text.get(end..)?.strip_prefix(' ')?;
    // Where the phrase of the first one or two lowercase words ends; punctuation
    // ends it early.
    let mut ends = Vec::with_capacity(2);
    let mut offset = 0;
    for word in after.split(' ').take(2) {
        let len = word
            .find(|c: char| !c.is_ascii_lowercase())
            .unwrap_or(word.len());
        let rest = &word[len..];
        if len == 0 || rest.starts_with(char::is_alphanumeric) {
            break;
        }
        ends.push(offset + len);
        if !rest.is_empty() {
            break;
        }
        offset += word.len() + 1;
    }
    ends.iter()
        .rev()
        .find_map(|&e| roles().get(&after[..e]).copied())
}

/// The kind a noun of `data/employers.tsv` and " at " written just before `start` give
/// the name there ("an analyst at Nomura").
fn employer_before(text: &str, start: usize) -> Option<EntityKind> {
    let before = text.get(..start)?.strip_suffix(" at ")?;
    let word_start = last_word_start(before, |c| c.is_ascii_alphabetic());
    let word = &before[word_start..];
    // Lowercase, or capitalised at the start of a sentence ("Economists at ...").
    if word.chars().skip(1).any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    employers().get(&word.to_ascii_lowercase()).copied()
}

/// Every span right after a noun of the lexicon, with the noun's kind, every span
/// read as a person or an organization right before a role noun ([`role_after`]) and
/// every span not read as misc nor a place of the gazetteer right after an employer
/// noun and "at" ([`employer_before`]), and every name read as a person that ends with
/// a designator ([`ends_with_designator`]: an organization), as (index into `spans`,
/// kind). A cue that agrees with the tagger counts too: it is evidence all the same.
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
            let surface = text.get(s.start_byte..s.end_byte)?;
            noun_before(text, s.start_byte)
                .or_else(|| {
                    matches!(s.kind, EntityKind::Person | EntityKind::Organization)
                        .then(|| role_after(text, s.end_byte))
                        .flatten()
                })
                .or_else(|| {
                    (s.kind == EntityKind::Person && ends_with_designator(surface))
                        .then_some(EntityKind::Organization)
                })
                .or_else(|| {
                    (s.kind != EntityKind::Misc)
                        .then(|| employer_before(text, s.start_byte))
                        .flatten()
                        .filter(|_| !crate::ner::is_proper_place(surface))
                })
                .map(|k| (i, k))
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
        // A noun of two words; "maker" alone is no cue.
        assert_eq!(
            kinds(
                "UK car maker Rover and games maker Peter Molyneux, browser maker Netscape",
                &["Rover", "Peter", "Netscape"]
            ),
            [
                Some(EntityKind::Organization),
                None,
                Some(EntityKind::Organization)
            ]
        );
        // A quote glued to the noun is no apposition.
        assert_eq!(kinds("the film'Ray'", &["Ray"]), [None]);
        assert_eq!(noun_before("firm Sony", 99), None);
    }

    #[test]
    fn a_role_noun_after_a_name_says_it_is_an_organization() {
        let body = "Nissan chairman Carlos Ghosn, a Fox spokesman, Oracle shares rose, \
                    Ladbrokes spokeswoman; Marsh chief executive Jeff Greenberg. Blair said \
                    Apple shareware and Sony chief Howard Stringer.";
        let after = |name: &str| {
            let start = body.find(name).unwrap();
            role_after(body, start + name.len())
        };
        let org = Some(EntityKind::Organization);
        assert_eq!(
            [
                "Nissan",
                "Fox",
                "Oracle",
                "Ladbrokes",
                "Marsh",
                "Blair",
                "Apple",
                "Sony"
            ]
            .map(after),
            [org, org, org, org, org, None, None, None]
        );
        assert_eq!(role_after("Fox spokesman", 99), None);
        assert_eq!(role_after("Fox  spokesman", 3), None, "one space only");
        assert_eq!(role_after("Fox shares.", 3), org);
        assert_eq!(role_after("Fox chief, executive", 3), None);
    }

    #[test]
    fn where_an_analyst_works_is_an_organization_unless_the_gazetteer_knows_the_place() {
        let body = "said an analyst at Nomura. Economists at Daiwa Securities agree. \
                    A strategist at Moscow and an analyst at Swiss Re; analyst at Gimme \
                    Credit; the catalyst at Acme; an analyst in Paris.";
        let (spans, _) = super::super::spans_on(
            body,
            &[
                ("Nomura", EntityKind::Location),
                ("Daiwa Securities", EntityKind::Person),
                ("Moscow", EntityKind::Location),
                ("Swiss", EntityKind::Misc),
                ("Gimme Credit", EntityKind::Location),
                ("Acme", EntityKind::Location),
                ("Paris", EntityKind::Location),
            ],
        );
        let org = EntityKind::Organization;
        assert_eq!(
            appositive_kinds("", body, &spans),
            [(0, org), (1, org), (4, org)]
        );
        assert_eq!(employer_before("analyst at Gimme", 11), Some(org));
        assert_eq!(
            employer_before("catalyst at Acme", 12),
            None,
            "a whole word"
        );
    }

    #[test]
    fn a_span_read_as_a_place_never_takes_the_kind_of_a_role_noun() {
        let body = "England boss Sven-Goran Eriksson and Nissan boss Carlos Ghosn met.";
        let (spans, _) = super::super::spans_on(
            body,
            &[
                ("England", EntityKind::Location),
                ("Nissan", EntityKind::Person),
            ],
        );
        assert_eq!(
            appositive_kinds("", body, &spans),
            [(1, EntityKind::Organization)]
        );
    }

    #[test]
    fn a_name_that_ends_like_a_firm_is_no_person() {
        for firm in [
            "Warner Bros",
            "Daiwa Securities",
            "Roxy Music",
            "Morehouse College",
        ] {
            assert!(ends_with_designator(firm), "{firm}");
        }
        for other in [
            "Games",
            "Gordon Brown",
            "Mervyn King",
            "Yahoo Messenger",
            "Bros ",
        ] {
            assert!(!ends_with_designator(other), "{other}");
        }
    }

    #[test]
    fn every_shipped_row_parses() {
        let rows = super::super::tsv_rows(APPOSITIVES_TSV).count();
        assert!(rows > 40);
        assert_eq!(lexicon().len(), rows);
        let rows = super::super::tsv_rows(ROLES_TSV).count();
        assert!(rows >= 9);
        assert_eq!(roles().len(), rows);
        let rows = super::super::tsv_rows(EMPLOYERS_TSV).count();
        assert!(rows >= 6);
        assert_eq!(employers().len(), rows);
    }
}
