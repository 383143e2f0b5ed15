//! The pure rules of corpus-level resolution, shared by the SQLite store
//! (`store::entities`, `store::units`, `store::linking`) and the store-less resolver
//! over an extract (`newsdb resolve --parquet`): an entity's kind from its mentions'
//! votes, its displayed name from their names, and which lone names may be linked to
//! which full names. A rule changed here changes both, so they cannot drift apart.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use super::link::{self, Candidate, Profile};
use super::{
    full_name_surname, identity_key, initials_name, plausible_full_name, surname_only, well_cased,
};
use crate::model::EntityKind;
use crate::ner::is_proper_place;

/// A mention's vote for its entity's kind: its confidence in thousandths, a title
/// mention counting a quarter of a body mention (headlines are where the tagger errs),
/// and a mention whose kind an explicit cue gave (`cued`) counting [`CUE_VOTES`] times.
/// Migration V7 and `check` compute the same in SQL.
pub fn vote_weight(confidence: Option<f64>, body: bool, cued: bool) -> i64 {
    let thousandths = (confidence.unwrap_or(1.0).clamp(0.0, 1.0) * 1000.0).round() as i64;
    thousandths * if body { 4 } else { 1 } * if cued { CUE_VOTES } else { 1 }
}

/// How many of the tagger's readings one mention with an explicit cue counts as in its
/// entity's kind vote. "Japanese carmaker Nissan" says what Nissan is; the tagger's
/// "Nissan has named a new boss" is a guess from one sentence, which it repeats in
/// every article (an unfamiliar one-word company reads as a surname). `check` computes
/// the same in SQL.
pub const CUE_VOTES: i64 = 10;

/// The kind an entity's mentions vote for: first a person against every other kind
/// pooled, then, if not a person, the other kind with the most weight; ties go to the
/// first kind in [`EntityKind`] order (a person on a tie with the pool). `None` when no
/// vote has weight.
///
/// The pool is why: the tagger seldom confuses a real person with a thing, but reads
/// one company as a place in one sentence, an organization in the next and misc in a
/// third, and such split votes let its person readings win by plurality. On BBC,
/// Siemens had 13,480 person against 10,980 organization, 9,204 misc and 2,472
/// location; Bafta, Cebit and al-Qaeda were persons the same way. On the whole BBC
/// corpus the pool changes eight entities (98 mentions), each from person to a thing.
pub fn decide_kind(votes: &[(EntityKind, i64)]) -> Option<EntityKind> {
    let weight = |kind: EntityKind| -> i64 {
        votes
            .iter()
            .filter(|(k, w)| *k == kind && *w > 0)
            .map(|(_, w)| w)
            .sum()
    };
    let person = weight(EntityKind::Person);
    let things: Vec<(EntityKind, i64)> = EntityKind::ALL
        .into_iter()
        .filter(|&k| k != EntityKind::Person)
        .map(|k| (k, weight(k)))
        .collect();
    let pooled: i64 = things.iter().map(|(_, w)| w).sum();
    if person > 0 && person >= pooled {
        return Some(EntityKind::Person);
    }
    things
        .into_iter()
        .filter(|(_, w)| *w > 0)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(k, _)| k)
}

/// The name an entity is shown by: the most frequent well-cased name of its mentions
/// (never a headline's capitals when another casing exists), then the most frequent,
/// then the first in byte order; `None` when it has no named mention.
pub fn decide_name<S: AsRef<str>>(names: &[(S, i64)]) -> Option<&str> {
    names
        .iter()
        .filter(|(_, n)| *n > 0)
        .max_by(|a, b| {
            let (an, bn) = (a.0.as_ref(), b.0.as_ref());
            (well_cased(an), a.1)
                .cmp(&(well_cased(bn), b.1))
                .then(bn.cmp(an))
        })
        .map(|(n, _)| n.as_ref())
}

/// The kinds of lone name the linking pass links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// A surname ("Mr Howard") and the full-name persons ending with it.
    Person,
    /// A one-word club or firm name ("United") and the organizations named by a place
    /// and that word ("Manchester United", "Newcastle United").
    Club,
    /// A person written with initials ("P O'Connell" in a team line-up) and the
    /// full-name persons of that surname whose first given name has that initial
    /// ("Paul O'Connell").
    Initials,
}

impl Family {
    /// Every family, in the order the pass takes them.
    pub const ALL: [Family; 3] = [Family::Person, Family::Club, Family::Initials];

    /// The entity kind of the lone names and candidates of this family.
    pub fn kind(self) -> EntityKind {
        match self {
            Family::Person | Family::Initials => EntityKind::Person,
            Family::Club => EntityKind::Organization,
        }
    }

    /// How a key of this family is recorded in the store's `pending_name_links`.
    pub fn pending(self, key: &str) -> String {
        match self {
            Family::Person => key.to_string(),
            Family::Club => format!("club:{key}"),
            Family::Initials => format!("initials:{key}"),
        }
    }

    /// The key a full name of this family is a candidate for ("Michael Howard" →
    /// "howard", "Manchester United" → "united"). A surname written with its particles
    /// ("Del Fava") is a fuller name than the bare surname: a candidate for it too.
    pub fn candidate_key(self, name: &str) -> Option<String> {
        match self {
            Family::Person => plausible_full_name(name)
                .then(|| full_name_surname(name))
                .flatten()
                .or_else(|| name.contains(' ').then(|| surname_only(name)).flatten()),
            Family::Club => {
                let (place, last) = name.rsplit_once(' ')?;
                let capitalised = last.chars().next().is_some_and(char::is_uppercase);
                (capitalised && is_proper_place(place)).then(|| identity_key(last))
            }
            Family::Initials => {
                let initial = name.chars().next().filter(char::is_ascii_uppercase)?;
                let surname = plausible_full_name(name)
                    .then(|| full_name_surname(name))
                    .flatten()?;
                Some(format!("{initial} {surname}"))
            }
        }
    }

    /// The least number of articles that must name a candidate in full for it to
    /// compete for a lone name of another article. A person named in full once is
    /// still a person (a line-up names a player once, a later report only his
    /// surname); a place and a word named once are as often a run-on of the tagger
    /// ("in Las Vegas Microsoft said ...") as a club, and every lone "Microsoft" of
    /// the store would follow it.
    pub fn min_candidate_articles(self) -> u32 {
        match self {
            Family::Person | Family::Initials => 1,
            Family::Club => 2,
        }
    }

    /// Whether a lone name of this family that is a fragment ([`is_fragment`]) may be
    /// linked. A club or firm word may not: the "Re" of "Swiss Re" is not Munich Re. A
    /// surname split from its first names ("Juan Carlos" and "Ferrero") may: its full
    /// name is usually the candidate.
    pub fn links_fragments(self) -> bool {
        self != Family::Club
    }

    /// The key of a lone local name of this family: one word for a surname or a club,
    /// a name written with initials for [`Family::Initials`].
    pub fn lone_key(self, name: &str) -> Option<String> {
        let one_word = !name.contains(' ');
        match self {
            Family::Person => one_word.then(|| surname_only(name)).flatten(),
            Family::Club => Some(identity_key(name)).filter(|k| one_word && !k.is_empty()),
            Family::Initials => initials_key(name),
        }
    }
}

/// The key of a person written with initials: its first initial and surname key ("P
/// O'Connell" -> "P o'connell", "J.P.R. Williams" -> "J williams"). Only names that
/// start with an ASCII capital and a space or a period: the store finds them by
/// [`INITIALS_GLOB`], and the extracts must find the same.
fn initials_key(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let (first, second) = (chars.next()?, chars.next()?);
    if !first.is_ascii_uppercase() || !matches!(second, ' ' | '.') {
        return None;
    }
    let (initial, surname) = initials_name(name)?;
    Some(format!("{initial} {surname}"))
}

/// The SQL `GLOB` pattern that every name of [`Family::Initials`] matches (and a few
/// more, which [`Family::lone_key`] refuses).
pub const INITIALS_GLOB: &str = "[A-Z][ .]*";

/// The pending keys a mention of this kind and local name makes: the lone names it may
/// be, and the lone names its full name may be linked from. A mention of the other kind
/// marks the keys of its name too: its entity's kind is a vote of all its mentions, so
/// it may make (or unmake) the entity a candidate of the key.
pub fn pending_keys(kind: EntityKind, name: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for family in Family::ALL {
        let key = if family.kind() == kind {
            family.lone_key(name).or_else(|| family.candidate_key(name))
        } else {
            family.candidate_key(name)
        };
        if let Some(key) = key {
            keys.push(family.pending(&key));
        }
    }
    keys
}

/// Which mentions are lone names, left out of every context: all lone surnames, all
/// persons written with initials, and the lone club names that have candidates. None
/// depends on earlier links.
#[derive(Debug, Clone, Default)]
pub struct Lonely {
    /// The keys of lone club names that have candidates.
    pub clubs: HashSet<String>,
}

impl Lonely {
    /// Whether a mention of this local kind and name is a lone name.
    pub fn is_lone(&self, kind: Option<EntityKind>, name: Option<&str>) -> bool {
        let Some(name) = name else {
            return false;
        };
        match kind {
            Some(EntityKind::Person) => {
                !name.contains(' ') || Family::Initials.lone_key(name).is_some()
            }
            Some(EntityKind::Organization) => Family::Club
                .lone_key(name)
                .is_some_and(|k| self.clubs.contains(&k)),
            _ => false,
        }
    }
}

/// An article that names more distinct entities than this is no context for linking.
/// A news story names a few dozen; a BBC article at most 115.
pub const MAX_CONTEXT_ENTITIES: usize = 1000;

/// The context of an article from the entities of its mentions that are not lone names
/// (each with how many such mentions it has): how many mentions each entity has, empty
/// when the article names more than [`MAX_CONTEXT_ENTITIES`] (a list or a pasted feed,
/// not a story: no evidence for anyone).
pub fn context_counts<E: Eq + Hash>(mentions: impl IntoIterator<Item = E>) -> HashMap<E, u32> {
    let mut counts: HashMap<E, u32> = HashMap::new();
    for e in mentions {
        *counts.entry(e).or_default() += 1;
    }
    if counts.len() > MAX_CONTEXT_ENTITIES {
        counts.clear();
    }
    counts
}

/// Whether a lone name is a piece of a longer name that the tagger split in two ("Swiss
/// Re" tagged as "Swiss" and "Re", "Dundee United" as "Dundee" and "United"): another
/// mention of its field (title or body) ends one character before it starts, given
/// `ends`, the end offsets of the field's mentions. See [`Family::links_fragments`].
pub fn is_fragment(start_char: i64, ends: &HashSet<i64>) -> bool {
    start_char > 0 && ends.contains(&(start_char - 1))
}

/// The context entities a lone name is judged by: the article's context without the
/// candidates themselves.
pub fn context_without<E: Eq + Copy>(context: &[E], candidates: &[E]) -> Vec<E> {
    context
        .iter()
        .copied()
        .filter(|e| !candidates.contains(e))
        .collect()
}

/// The candidate (of `candidates`, in entity order) an article's context points a lone
/// name of `family` to, if any: `context` holds the entities of [`context_without`]
/// with their share of all articles, `profile` gives each candidate's profile and
/// `in_article` how many context mentions the article itself has of it. A candidate
/// named in full in fewer articles than [`Family::min_candidate_articles`] competes
/// only in an article that names it.
pub fn choose_candidate<'p, C: Copy, E: Ord + 'p>(
    family: Family,
    candidates: &[C],
    context: &[(E, f64)],
    profile: impl Fn(&C) -> &'p Profile<E>,
    in_article: impl Fn(&C) -> u32,
) -> Option<C> {
    let (kept, seen): (Vec<C>, Vec<Candidate<'_, E>>) = candidates
        .iter()
        .map(|c| {
            (
                *c,
                Candidate {
                    profile: profile(c),
                    in_article: in_article(c),
                },
            )
        })
        .filter(|(_, seen)| {
            seen.in_article > 0 || seen.profile.articles >= family.min_candidate_articles()
        })
        .unzip();
    if kept.is_empty() {
        return None;
    }
    link::choose(&seen, context).map(|i| kept[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_with_most_weight_wins_and_ties_go_to_the_first_kind() {
        use EntityKind::*;
        assert_eq!(
            decide_kind(&[(Person, 3), (Organization, 5)]),
            Some(Organization)
        );
        assert_eq!(decide_kind(&[(Location, 4), (Person, 4)]), Some(Person));
        assert_eq!(
            decide_kind(&[(Misc, 4), (Location, 4)]),
            Some(Location),
            "ties among things go to the first kind"
        );
        assert_eq!(decide_kind(&[(Person, 0)]), None);
        assert_eq!(decide_kind(&[]), None);
    }

    #[test]
    fn a_cued_mention_votes_as_ten_and_a_title_as_a_quarter() {
        assert_eq!(vote_weight(Some(0.5), true, false), 2000);
        assert_eq!(vote_weight(Some(0.5), false, false), 500);
        assert_eq!(vote_weight(Some(0.5), true, true), 20_000);
        assert_eq!(vote_weight(None, true, false), 4000);
        assert_eq!(vote_weight(Some(7.0), false, false), 1000, "clamped");
        // Nissan on BBC: two cued organization mentions outweigh 16 read as a person.
        let person = 16 * vote_weight(Some(0.6), true, false);
        let org = 2 * vote_weight(Some(0.5), true, true);
        assert_eq!(
            decide_kind(&[
                (EntityKind::Person, person),
                (EntityKind::Organization, org)
            ]),
            Some(EntityKind::Organization)
        );
    }

    #[test]
    fn a_person_is_weighed_against_every_other_kind_pooled() {
        use EntityKind::*;
        // Siemens on BBC: more person weight than any other kind, less than all of them.
        let siemens = [
            (Location, 2472),
            (Misc, 9204),
            (Organization, 10980),
            (Person, 13480),
        ];
        assert_eq!(decide_kind(&siemens), Some(Organization));
        // A person the tagger sometimes reads as a place or a team stays a person.
        assert_eq!(
            decide_kind(&[(Person, 50), (Location, 30), (Organization, 20)]),
            Some(Person)
        );
        assert_eq!(decide_kind(&[(Person, 40), (Misc, 40)]), Some(Person));
    }

    #[test]
    fn a_club_named_in_full_once_wins_no_lone_name_of_another_article() {
        // "in Las Vegas Microsoft said ...", once: the place and the firm run together.
        // Its one article shares a rare entity (the Xbox) with this one.
        let once = Profile::from_counts(1, [(7u32, 1)]);
        let twice = Profile::from_counts(2, [(7u32, 2)]);
        let context = [(7u32, 0.003)];
        let choose = |family, profile: &Profile<u32>, here: u32| {
            choose_candidate(family, &[0u32], &context, |_| profile, |_| here)
        };
        assert_eq!(choose(Family::Club, &once, 0), None);
        assert_eq!(choose(Family::Club, &twice, 0), Some(0));
        // A person is named in full once and by surname elsewhere all the time (a
        // line-up, then a match report).
        assert_eq!(choose(Family::Person, &once, 0), Some(0));
    }

    #[test]
    fn a_mention_of_either_kind_marks_the_key_of_its_full_name() {
        // "Michael Howard" tagged as an organization may still make the entity a
        // person by the votes of its other mentions: key "howard" must be re-decided.
        // "M Howard" of a line-up may mean him too.
        assert_eq!(
            pending_keys(EntityKind::Organization, "Michael Howard"),
            ["howard", "initials:M howard"]
        );
        assert_eq!(
            pending_keys(EntityKind::Person, "Michael Howard"),
            ["howard", "initials:M howard"]
        );
        assert_eq!(pending_keys(EntityKind::Person, "Howard"), ["howard"]);
        // A surname with its particles is a candidate for the bare surname.
        assert_eq!(pending_keys(EntityKind::Person, "Del Fava"), ["fava"]);
        assert_eq!(Family::Person.candidate_key("Fava"), None);
        assert_eq!(
            pending_keys(EntityKind::Person, "M Howard"),
            ["initials:M howard"]
        );
    }

    #[test]
    fn a_well_cased_name_beats_a_more_frequent_headline() {
        assert_eq!(
            decide_name(&[("TONY BLAIR", 5), ("Tony Blair", 2)]),
            Some("Tony Blair")
        );
        assert_eq!(decide_name(&[("B", 2), ("A", 2)]), Some("A"));
        assert_eq!(decide_name::<&str>(&[]), None);
    }
}
