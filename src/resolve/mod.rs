//! Entity resolution: decides which canonical entity each span the tagger found in one
//! article names. Pure functions over one article's text, no database: the store maps the
//! resulting (kind, name) pairs to entity rows.
//!
//! First, each span gets the kind it starts resolution with:
//!
//! 0. **Hypernym patterns** (`data/hypernyms.tsv`, Hearst 1992). In "Tehran-backed
//!    groups, including Lebanon's Hezbollah", "countries such as France and Germany" or
//!    "Shell, BP and other companies", the listed names take the kind of the plural noun
//!    ("groups" -> organization). A possessive name before a member only modifies it
//!    ("Lebanon" stays a location). The kind applies to every span of the article with the
//!    same surface, so all mentions of "Hezbollah" agree; if two lists disagree about a
//!    surface, its spans keep the tagger's kinds. Spans the tagger calls MISC are never
//!    listed. Apposition ("search giant Google", `appositives.rs`) works the same way,
//!    and so do a role noun after a name read as a person ("Nissan chairman", "a Fox
//!    spokesman": `data/roles.tsv`), where an analyst works ("an analyst at Nomura":
//!    `data/employers.tsv`) and a firm's last word ("Warner Bros":
//!    `data/designators.txt`). The kind of these explicit cues is marked as such
//!    ([`resolve_article_cued`]): the store counts it as ten of the tagger's readings
//!    in the entity's kind vote.
//!    Weaker: a one-word person in a list of names that are otherwise organizations or
//!    places takes their kind, and the members of a team sheet that are not people
//!    become people (`coordination.rs`); one a full-name person is "of" ("Yonca Brunini
//!    of Yahoo", "Yahoo's Yonca Brunini") is an organization or a place
//!    (`affiliation.rs`); a name after a title only a person bears ("Lord Goldsmith",
//!    "Mr Jobs") is a person (`titled_kinds`); all for surfaces no cue spoke of.
//!    Otherwise a span starts with the tagger's kind.
//!
//! That kind is only a starting point: every rule below that decides a kind itself beats
//! it, because each rests on stronger evidence than a list (an explicit definition, a
//! curated list, a full name in the same article). Then a span is resolved by the first
//! rule that applies:
//!
//! 1. **Acronyms the article defines.** "the Islamic State (IS)" (or "IS (Islamic
//!    State)") makes every "IS" of that article, title included, name the long form, with
//!    the long form's kind. The long form is a tagger span ending just before "(" or,
//!    failing that, the capitalised words before it whose initials spell the acronym.
//! 2. **The shipped alias list** (`data/aliases.tsv`): "US", "U.S.", "America" ->
//!    location "United States", "EU" -> organization "European Union", country long forms
//!    ("Syrian Arab Republic" -> "Syria"). The list's kind wins over the tagger's. All-caps
//!    aliases match case-sensitively, so "us" is never the United States.
//! 3. **Surname coreference.** A surname on its own ("Assad", "al-Assad", "President
//!    Assad") names the one full-name person of the same article with that surname
//!    ("Bashar al-Assad"), wherever the full name appears (titles often use the surname
//!    before the body names the person). A single capitalised word that matches such a
//!    surname resolves to the person **even if the tagger gave it another kind**: taggers
//!    often call a bare surname ORG or LOC in titles. The price is that a place sharing
//!    a surname of the same article ("Washington" next to "George Washington") is read as
//!    the person, even in "cities such as Washington". When two different full names share
//!    the surname, a surname the tagger calls a person names the one the article names
//!    first (title, then body): news introduces its subject first and names a later
//!    namesake in full where it means them ("Robinson" in a story on Jason Robinson
//!    that later quotes the coach Andy Robinson). After an initial the tagger left out
//!    of the span ("S Williams") it names the one full name the initial fits, with one
//!    full name of that surname or several, and is otherwise the name of initials "S
//!    Williams" (which the store links as it does one the tagger found whole). It stays
//!    a person named by the surname alone before "family" and when the tagger gave it
//!    another kind ("Disney" the firm beside Walt and Roy Disney). Full names are
//!    collected with the kinds of step 0, so "banks such as Goldman Sachs" does not make
//!    "Sachs" a person. A name of initials ("K Holmes" in a line-up) names the one full
//!    name of the article its first initial fits ("Kelly Holmes") and does not count as
//!    a second full name. A surname the article leaves alone or ambiguous may still be
//!    linked by the store, across articles, by context ([`link`]).
//! 4. **The canonical form of the surface** ([`canonical_name`]) with the kind of step 0:
//!    whitespace normalised, quotes, edge punctuation and a trailing possessive stripped
//!    and, for persons, titles and honorifics dropped from the start
//!    (`data/honorifics.txt`).

mod acronyms;
mod affiliation;
mod aliases;
mod appositives;
mod coordination;
pub mod corpus;
mod hypernyms;
mod identity;
pub mod link;
mod names;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

pub use identity::{identity_key, well_cased};
pub(crate) use names::{full_name_surname, initials_name, plausible_full_name, surname_only};

use serde::Serialize;

use crate::{EntityKind, Field};

/// A span the tagger found, before resolution.
#[derive(Debug, Clone)]
pub struct Found {
    /// Title or body.
    pub field: Field,
    /// Start byte in that field's text (on a character boundary).
    pub start_byte: usize,
    /// End byte (exclusive).
    pub end_byte: usize,
    /// The kind the tagger gave it.
    pub kind: EntityKind,
}

/// The entity a span names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Resolved {
    /// Person, organization, location or misc; may differ from the tagger's kind.
    pub kind: EntityKind,
    /// Canonical name, never empty for a non-empty surface.
    pub name: String,
}

/// Resolves every span of one article (title and body given so surfaces are slices).
/// Output has one entry per input, same order.
///
/// A span whose offsets do not slice its field (out of range or not on character
/// boundaries) resolves to its tagger kind with an empty name; the store rejects such a
/// span anyway when it builds the mention.
pub fn resolve_article(title: &str, body: &str, spans: &[Found]) -> Vec<Resolved> {
    resolve_article_cued(title, body, spans)
        .into_iter()
        .map(|(r, _)| r)
        .collect()
}

/// [`resolve_article`], with whether each span's kind is the one an explicit cue of
/// the article's text gave it (a hypernym list, an apposition or a role noun: step 0
/// of the module docs, not the weaker lists of names), which the store counts as
/// stronger evidence for the entity's kind than the tagger's reading of one sentence.
pub fn resolve_article_cued(title: &str, body: &str, spans: &[Found]) -> Vec<(Resolved, bool)> {
    PreparedArticle::new(title, body, spans).resolve_cued()
}

/// One article's spans with what resolving them and finding its [`Anchors`] both
/// start from: each span's surface, the kind its article's cues give it, the acronyms
/// the article defines and its persons by surname. The extractor prepares an article
/// once for both, and again only when the anchors added mentions.
#[derive(Debug, Clone)]
pub struct PreparedArticle<'a> {
    title: &'a str,
    body: &'a str,
    surfaces: Vec<Option<&'a str>>,
    spans: Vec<Found>,
    cued: Vec<bool>,
    acronyms: HashMap<String, Resolved>,
    persons: HashMap<String, Vec<String>>,
}

impl<'a> PreparedArticle<'a> {
    /// Prepares the spans of one article (title and body given so surfaces are slices).
    pub fn new(title: &'a str, body: &'a str, spans: &[Found]) -> PreparedArticle<'a> {
        let (surfaces, spans, cued) = with_surfaces(title, body, spans);
        let acronyms = acronym_map(title, body, &spans, &surfaces);
        let persons = persons_by_surname(&spans, &surfaces);
        PreparedArticle {
            title,
            body,
            surfaces,
            spans,
            cued,
            acronyms,
            persons,
        }
    }

    /// [`resolve_article_cued`] of the prepared spans.
    pub fn resolve_cued(&self) -> Vec<(Resolved, bool)> {
        let (spans, surfaces) = (&self.spans, &self.surfaces);
        // One-word person names the article uses ("Flight", "Mr Flight"): the surnames
        // it calls people by.
        let lone: HashSet<String> = spans
            .iter()
            .zip(surfaces)
            .filter(|(span, _)| span.kind == EntityKind::Person)
            .filter_map(|(_, surface)| {
                let bare = names::strip_honorifics(&names::clean((*surface)?));
                (!bare.contains(' ')).then_some(bare)
            })
            .collect();

        spans
            .iter()
            .zip(surfaces)
            .zip(&self.cued)
            .map(|((span, surface), &cued)| match surface {
                Some(surface) => {
                    let text = match span.field {
                        Field::Title => self.title,
                        Field::Body => self.body,
                    };
                    let around = Around::of(text, span.start_byte, span.end_byte);
                    let r = resolve_one(
                        span.kind,
                        surface,
                        around,
                        &self.acronyms,
                        &self.persons,
                        &lone,
                    );
                    // A later rule (an alias, an acronym, a full name) may have decided
                    // the kind instead.
                    let cued = cued && r.kind == span.kind;
                    (r, cued)
                }
                None => (
                    Resolved {
                        kind: span.kind,
                        name: String::new(),
                    },
                    false,
                ),
            })
            .collect()
    }

    /// The [`Anchors`] of the prepared spans.
    pub fn anchors(&self) -> Anchors {
        let surnames = self
            .persons
            .iter()
            .filter_map(|(key, names)| match names.as_slice() {
                [only] => Some((key.clone(), only.clone())),
                _ => None,
            })
            .collect();
        Anchors {
            acronyms: self.acronyms.clone(),
            surnames,
        }
    }
}

/// Long forms of acronyms a text defines ("the Islamic State (IS)") that the tagger
/// found only part of ("Islamic"): each as its byte range and a kind, from the shipped
/// aliases if they know the long form, else from the part the tagger found. The
/// extractor puts such a long form in place of its parts, so the definition (and
/// with it every use of the acronym) resolves. `spans` are the tagger's spans of
/// `text` (start byte, end byte, kind).
pub fn partial_long_forms(
    text: &str,
    spans: &[(usize, usize, EntityKind)],
) -> Vec<(usize, usize, EntityKind)> {
    let mut out = Vec::new();
    for def in acronyms::find_definitions(text, spans) {
        if def.kind.is_some() {
            continue;
        }
        let (s, e) = def.long_range;
        // Within one paragraph (a line of the text).
        if text.get(s..e).is_none_or(|t| t.contains('\n')) {
            continue;
        }
        let Some(&(_, _, inner)) = spans
            .iter()
            .find(|&&(a, b, _)| s <= a && b <= e && (a, b) != (s, e))
        else {
            continue;
        };
        let kind = known_alias(&def.long).map_or(inner, |r| r.kind);
        if !out.iter().any(|&(a, b, _)| a < e && s < b) {
            out.push((s, e, kind));
        }
    }
    out
}

/// Canonical form of one surface of the given kind, without document context
/// (honorifics stripped, alias list applied).
///
/// "Ayatollah Ali Khamenei" (person) -> person "Ali Khamenei"; "U.S." (any kind) ->
/// location "United States"; "Iran's" -> "Iran". Titles are only stripped from persons,
/// so "King's College" or "Prince Edward Island" keep theirs. If cleaning would leave
/// nothing, the surface is kept as it was.
pub fn canonical_name(kind: EntityKind, surface: &str) -> Resolved {
    let cleaned = names::clean(surface);
    if cleaned.is_empty() {
        let trimmed = surface.trim();
        let name = if trimmed.is_empty() { surface } else { trimmed };
        return Resolved {
            kind,
            name: name.to_string(),
        };
    }
    if let Some(alias) = aliases::lookup(&cleaned) {
        return alias;
    }
    let name = match kind {
        EntityKind::Person => names::strip_honorifics(&cleaned),
        _ => names::drop_leading_the(&cleaned).to_string(),
    };
    aliases::lookup(&name).unwrap_or(Resolved { kind, name })
}

/// The alias list entry for a surface, if any: "US" -> location "United States". The
/// surface is cleaned first ("the U.S.'s" finds "U.S."); all-caps aliases match only as
/// written.
pub fn known_alias(surface: &str) -> Option<Resolved> {
    aliases::lookup(surface).or_else(|| {
        let cleaned = names::clean(surface);
        aliases::lookup(&cleaned).or_else(|| aliases::lookup(names::drop_leading_the(&cleaned)))
    })
}

/// Single words that, in one article, name an entity the tagger found somewhere in it:
/// the surnames of its full-name persons (when only one person has that surname) and
/// the acronyms it defines. The extractor uses them to add the mentions the tagger
/// missed ("Assad" in a title, a bare "IS" after "Islamic State (IS)"), so every
/// mention of the entity in the article is recorded.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    acronyms: HashMap<String, Resolved>,
    surnames: HashMap<String, String>,
}

impl Anchors {
    /// Builds the anchors of one article from the tagger's spans (see
    /// [`PreparedArticle::anchors`] to share the work with resolving them).
    pub fn new(title: &str, body: &str, spans: &[Found]) -> Anchors {
        PreparedArticle::new(title, body, spans).anchors()
    }

    /// The entity a single word names in this article, if it is an anchor. Words must
    /// be capitalised; acronyms match exactly as defined.
    pub fn lookup(&self, word: &str) -> Option<Resolved> {
        if !names::starts_uppercase(word) {
            return None;
        }
        if let Some(r) = self.acronyms.get(word) {
            return Some(r.clone());
        }
        let key = names::surname_only(word)?;
        self.surnames.get(&key).map(|name| Resolved {
            kind: EntityKind::Person,
            name: name.clone(),
        })
    }

    /// Whether there is nothing to look for.
    pub fn is_empty(&self) -> bool {
        self.acronyms.is_empty() && self.surnames.is_empty()
    }
}

/// The rows of a shipped tab-separated data file (`data/*.tsv`): blank lines and `#`
/// comments skipped, cells trimmed.
fn tsv_rows(tsv: &str) -> impl Iterator<Item = Vec<&str>> {
    tsv.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

/// Each span's surface (`None` when its offsets do not slice its field), the spans
/// with the kinds resolution starts from and whether an explicit cue gave that kind
/// ([`with_article_kinds`]).
fn with_surfaces<'a>(
    title: &'a str,
    body: &'a str,
    spans: &[Found],
) -> (Vec<Option<&'a str>>, Vec<Found>, Vec<bool>) {
    let text_of = |field: Field| match field {
        Field::Title => title,
        Field::Body => body,
    };
    let surfaces: Vec<Option<&str>> = spans
        .iter()
        .map(|s| text_of(s.field).get(s.start_byte..s.end_byte))
        .collect();
    let (spans, cued) = with_article_kinds(title, body, spans, &surfaces);
    (surfaces, spans, cued)
}

/// Per field, its text and the indexes of its spans that slice it, in text order: what
/// the context cues ([`coordination`], [`affiliation`]) walk.
fn spans_by_field<'a>(
    title: &'a str,
    body: &'a str,
    spans: &[Found],
    surfaces: &[Option<&str>],
) -> [(&'a str, Vec<usize>); 2] {
    [(Field::Title, title), (Field::Body, body)].map(|(field, text)| {
        let mut order: Vec<usize> = (0..spans.len())
            .filter(|&i| spans[i].field == field && surfaces[i].is_some())
            .collect();
        order.sort_by_key(|&i| (spans[i].start_byte, spans[i].end_byte));
        (text, order)
    })
}

/// The text between two spans of one field, `None` when they overlap.
fn gap_between<'a>(text: &'a str, first: &Found, second: &Found) -> Option<&'a str> {
    let (end, start) = (first.end_byte, second.start_byte);
    (end <= start).then(|| text.get(end..start)).flatten()
}

/// Test support: spans of the given kinds on the first occurrence of each word of
/// `body`, with their surfaces.
#[cfg(test)]
fn spans_on<'a>(body: &'a str, words: &[(&str, EntityKind)]) -> (Vec<Found>, Vec<Option<&'a str>>) {
    let spans: Vec<Found> = words
        .iter()
        .map(|&(w, kind)| {
            let start_byte = body.find(w).expect("the word is in the body");
            Found {
                field: Field::Body,
                start_byte,
                end_byte: start_byte + w.len(),
                kind,
            }
        })
        .collect();
    let surfaces = spans
        .iter()
        .map(|s| body.get(s.start_byte..s.end_byte))
        .collect();
    (spans, surfaces)
}

/// The spans with the kinds resolution starts from (step 0 of the module docs): the kind
/// a hypernym pattern gives a surface applies to every span with that surface. With
/// each, whether that kind is an explicit cue's (a list, an apposition, a role noun).
fn with_article_kinds(
    title: &str,
    body: &str,
    spans: &[Found],
    surfaces: &[Option<&str>],
) -> (Vec<Found>, Vec<bool>) {
    // `None` marks a surface that two lists give different kinds.
    let mut listed: HashMap<String, Option<EntityKind>> = HashMap::new();
    let cues = hypernyms::listed_kinds(title, body, spans)
        .into_iter()
        .chain(appositives::appositive_kinds(title, body, spans));
    for (idx, kind) in cues {
        let Some(surface) = surfaces[idx] else {
            continue;
        };
        match listed.entry(names::clean(surface)) {
            Entry::Vacant(e) => {
                e.insert(Some(kind));
            }
            Entry::Occupied(mut e) => {
                if *e.get() != Some(kind) {
                    e.insert(None);
                }
            }
        }
    }
    // Each span with the kind `listed` gives its surface, and whether it gave one.
    let with_kinds = |listed: &HashMap<String, Option<EntityKind>>| -> (Vec<Found>, Vec<bool>) {
        spans
            .iter()
            .zip(surfaces)
            .map(|(span, surface)| {
                let listed_kind =
                    surface.and_then(|s| listed.get(&names::clean(s)).copied().flatten());
                let found = Found {
                    kind: listed_kind.unwrap_or(span.kind),
                    ..span.clone()
                };
                (found, listed_kind.is_some())
            })
            .unzip()
    };
    let (explicit, cued) = with_kinds(&listed);
    // Lists of names and "X of Y" are weaker evidence than the cues above: they decide
    // only surfaces no cue spoke of, and only when they agree.
    let mut siblings: HashMap<String, Option<EntityKind>> = HashMap::new();
    let context_cues = coordination::sibling_kinds(title, body, &explicit, surfaces)
        .into_iter()
        .chain(affiliation::affiliated_kinds(
            title, body, &explicit, surfaces,
        ))
        .chain(titled_kinds(surfaces));
    for (idx, kind) in context_cues {
        let Some(surface) = surfaces[idx] else {
            continue;
        };
        let key = names::clean(surface);
        if listed.contains_key(&key) {
            continue;
        }
        let seen = siblings.entry(key).or_insert(Some(kind));
        if *seen != Some(kind) {
            *seen = None;
        }
    }
    if siblings.is_empty() {
        return (explicit, cued);
    }
    listed.extend(siblings);
    (with_kinds(&listed).0, cued)
}

/// Every span written as a personal title and a name ("Lord Goldsmith", "Mr Jobs",
/// [`names::is_titled_name`]) is a person, whatever the tagger read: as a list's cue,
/// it decides the kind of its surface in its article only, and casts no weightier vote
/// than the tagger's ("Mr Justice Forbes" says nothing of the magazine Forbes).
fn titled_kinds(surfaces: &[Option<&str>]) -> Vec<(usize, EntityKind)> {
    surfaces
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_some_and(names::is_titled_name))
        .map(|(i, _)| (i, EntityKind::Person))
        .collect()
}

/// What the words right around a span say about a surname in it.
#[derive(Debug, Clone, Copy, Default)]
struct Around {
    /// The initial written just before it ("S" in "S Williams" of a line-up, where the
    /// tagger's span holds only "Williams").
    initial: Option<char>,
    /// It is followed by "family" ("the Ambani family"): a family, not one person.
    family: bool,
}

impl Around {
    /// The cues around bytes `start..end` of `text`.
    fn of(text: &str, start: usize, end: usize) -> Around {
        let before = text.get(..start).unwrap_or_default().trim_end_matches(' ');
        let before = before.strip_suffix('.').unwrap_or(before);
        let mut letters = before.chars().rev();
        let initial = match (letters.next(), letters.next()) {
            (Some(c), None) if c.is_uppercase() => Some(c),
            // After a space or a list's punctuation ("W Johnson/B Deacon"); never
            // after an apostrophe ("MILAN 'S LENTINI") or a dot ("J.P.R. Williams").
            (Some(c), Some(b))
                if c.is_uppercase()
                    && (b.is_whitespace() || matches!(b, ',' | ';' | '(' | '/')) =>
            {
                Some(c)
            }
            _ => None,
        }
        // Only when something separated it from the span ("S Williams", "S. Williams").
        .filter(|_| before.len() < start);
        let after = text.get(end..).unwrap_or_default().trim_start_matches(' ');
        let family = after
            .split(|c: char| !c.is_alphabetic())
            .next()
            .is_some_and(|w| w == "family" || w == "families");
        Around { initial, family }
    }
}

/// Applies the rules of the module docs, in order, to one span.
fn resolve_one(
    kind: EntityKind,
    surface: &str,
    around: Around,
    acronyms: &HashMap<String, Resolved>,
    persons: &HashMap<String, Vec<String>>,
    lone: &HashSet<String>,
) -> Resolved {
    let cleaned = names::clean(surface);
    let surname_title = names::takes_surname(&cleaned);
    if let Some(long) = acronyms.get(&cleaned) {
        return long.clone();
    }
    if let Some(alias) = known_alias(surface) {
        return alias;
    }
    let bare = match kind {
        EntityKind::Person => names::strip_honorifics(&cleaned),
        _ => cleaned,
    };
    let may_be_person = kind == EntityKind::Person || names::starts_uppercase(&bare);
    if kind == EntityKind::Person {
        if let Some((_, key)) = names::initials_name(&bare) {
            if let Some(full) = persons.get(&key).and_then(|all| initials_fit(all, &bare)) {
                return Resolved {
                    kind: EntityKind::Person,
                    name: full,
                };
            }
        }
    }
    if kind == EntityKind::Person {
        // A form of a full name the article uses less ("Freddie Forsyth" beside
        // "Frederick Forsyth"): `persons` keeps only the form it gave way to.
        if let Some(all) = names::full_name_surname(&bare).and_then(|key| persons.get(&key)) {
            if !all.contains(&bare) {
                if let Some(full) = all.iter().find(|n| names::given_name_variants(n, &bare)) {
                    return Resolved {
                        kind: EntityKind::Person,
                        name: full.clone(),
                    };
                }
            }
        }
    }
    if may_be_person {
        if let Some(full) = names::surname_only(&bare).and_then(|key| persons.get(&key)) {
            let name = match around.initial {
                // An initial the tagger left out of the span ("S Williams" in a
                // line-up, the span "Williams"): the one full name it fits, else the
                // name of initials, which the store links by context as it does an
                // "S Williams" the tagger found whole. Linking the surname to the only
                // "… Williams" of the article sent "S Williams" to Rhys Williams.
                Some(initial) if kind == EntityKind::Person && !around.family => {
                    let written = format!("{initial} {bare}");
                    initials_fit(full, &written).unwrap_or(written)
                }
                _ => match full.as_slice() {
                    [only] => only.clone(),
                    // Namesakes ("Jason Robinson" and, later, his coach "Andy
                    // Robinson"): a surname the tagger calls a person names the one the
                    // article names first, its subject as news is written, where a
                    // namesake named later is named in full where meant. "The Ambani
                    // family", or a name of another kind beside "Walt Disney" and "Roy
                    // Disney" ("Disney" the firm): the surname stays its own.
                    [first, ..] if kind == EntityKind::Person && !around.family => first.clone(),
                    _ => bare,
                },
            };
            return Resolved {
                kind: EntityKind::Person,
                name,
            };
        }
    }
    if kind == EntityKind::Person && !bare.contains(' ') {
        // "Mr Howard" beside "Howard Flight": a title that takes a surname names Howard
        // Flight only if the article never calls him by his surname ("Mr Flight");
        // otherwise Howard is his first name, and "Mr Howard" someone else. (Names
        // written family name first, "Mr Park" for Park Seung, keep their link.)
        let called_by_surname = |full: &String| {
            full.rsplit(' ')
                .next()
                .is_some_and(|last| lone.contains(last))
        };
        if let Some(full) =
            by_first_name(persons, &bare).filter(|full| !(surname_title && called_by_surname(full)))
        {
            return Resolved {
                kind: EntityKind::Person,
                name: full,
            };
        }
    }
    canonical_name(kind, surface)
}

/// The one full name of the article whose first given name is `first` ("Kelly" ->
/// "Kelly Holmes", "Sir John" -> "John Bourn"), if exactly one has it.
fn by_first_name(persons: &HashMap<String, Vec<String>>, first: &str) -> Option<String> {
    let mut fits = persons
        .values()
        .flatten()
        .filter(|n| names::plausible_full_name(n) && n.split(' ').next() == Some(first));
    match (fits.next(), fits.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => None,
    }
}

/// Every acronym the article defines, mapped to its long form's resolution. The first
/// definition of an acronym wins.
fn acronym_map(
    title: &str,
    body: &str,
    spans: &[Found],
    surfaces: &[Option<&str>],
) -> HashMap<String, Resolved> {
    let mut map = HashMap::new();
    for (field, text) in [(Field::Title, title), (Field::Body, body)] {
        let ranges: Vec<acronyms::SpanRange> = spans
            .iter()
            .filter(|s| s.field == field)
            .map(|s| (s.start_byte, s.end_byte, s.kind))
            .collect();
        for def in acronyms::find_definitions(text, &ranges) {
            if map.contains_key(&def.short) {
                continue;
            }
            // Without a tagger span for the long form, take the kind the tagger gave the
            // acronym; if it tagged neither, the definition names nothing to resolve.
            let kind = def.kind.or_else(|| {
                spans
                    .iter()
                    .zip(surfaces)
                    .find(|(_, surface)| surface.is_some_and(|s| names::clean(s) == def.short))
                    .map(|(span, _)| span.kind)
            });
            if let Some(kind) = kind {
                map.insert(def.short, canonical_name(kind, &def.long));
            }
        }
    }
    map
}

/// The distinct full names of the article's persons, keyed by surname ("assad" ->
/// ["Bashar al-Assad"]), each list in the order the article first names them (title
/// first, then the body).
fn persons_by_surname(spans: &[Found], surfaces: &[Option<&str>]) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    // Where the article first names each full name: (in the body, byte offset).
    let mut first: HashMap<String, (bool, usize)> = HashMap::new();
    for (span, surface) in spans.iter().zip(surfaces) {
        let Some(surface) = surface else { continue };
        if span.kind != EntityKind::Person {
            continue;
        }
        let person = canonical_name(EntityKind::Person, surface);
        if person.kind != EntityKind::Person {
            continue;
        }
        if let Some(key) = names::full_name_surname(&person.name) {
            *counts.entry(person.name.clone()).or_default() += 1;
            let at = (span.field == Field::Body, span.start_byte);
            first
                .entry(person.name.clone())
                .and_modify(|seen| *seen = (*seen).min(at))
                .or_insert(at);
            let names = map.entry(key).or_default();
            if !names.contains(&person.name) {
                names.push(person.name);
            }
        }
    }
    // "K Holmes" in a line-up next to "Kelly Holmes" is the same person: a name of
    // initials gives way to the one full name its first initial fits. "Freddie Forsyth"
    // next to "Frederick Forsyth" too: the less used form gives way.
    for names in map.values_mut() {
        let all = names.clone();
        names
            .retain(|n| initials_fit(&all, n).is_none() && variant_fit(&all, &counts, n).is_none());
        names.sort_by_key(|n| first.get(n).copied());
    }
    map
}

/// The form of `name` with another first given name ("Frederick Forsyth" for "Freddie
/// Forsyth") that the article uses more (or as much and first), if one is among
/// `names`.
fn variant_fit(names: &[String], counts: &HashMap<String, usize>, name: &str) -> Option<String> {
    let count = |n: &str| counts.get(n).copied().unwrap_or(0);
    let at = |n: &str| names.iter().position(|m| m == n).unwrap_or(usize::MAX);
    names
        .iter()
        .filter(|m| names::given_name_variants(m, name))
        .filter(|m| {
            (count(m), std::cmp::Reverse(at(m))) > (count(name), std::cmp::Reverse(at(name)))
        })
        .max_by_key(|m| (count(m), std::cmp::Reverse(at(m))))
        .cloned()
}

/// The one full name among `names` that `name`, if it is a name of initials ("K
/// Holmes"), abbreviates ("Kelly Holmes"); `None` when there is none or several.
fn initials_fit(names: &[String], name: &str) -> Option<String> {
    let (initial, _) = names::initials_name(name)?;
    let mut fits = names.iter().filter(|n| names::matches_initial(n, initial));
    match (fits.next(), fits.next()) {
        (Some(only), None) => Some(only.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans_of(title: &str, body: &str, wanted: &[(&str, EntityKind)]) -> Vec<Found> {
        let mut out = Vec::new();
        for &(surface, kind) in wanted {
            for (field, text) in [(Field::Title, title), (Field::Body, body)] {
                for (start, m) in text.match_indices(surface) {
                    out.push(Found {
                        field,
                        start_byte: start,
                        end_byte: start + m.len(),
                        kind,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn canonical_name_strips_titles_only_from_persons() {
        let p = canonical_name(EntityKind::Person, "Ayatollah Ali Khamenei");
        assert_eq!(p.name, "Ali Khamenei");
        let l = canonical_name(EntityKind::Location, "Prince Edward Island");
        assert_eq!(l.name, "Prince Edward Island");
        assert_eq!(canonical_name(EntityKind::Misc, "“”").name, "“”");
        assert_eq!(canonical_name(EntityKind::Misc, "").name, "");
    }

    #[test]
    fn alias_kind_wins_over_tagger_kind() {
        let r = canonical_name(EntityKind::Organization, "US");
        assert_eq!(r.kind, EntityKind::Location);
        assert_eq!(r.name, "United States");
        assert_eq!(
            known_alias("the U.S.'s").map(|r| r.name),
            Some("United States".into())
        );
        assert_eq!(known_alias("us"), None);
    }

    #[test]
    fn a_kind_is_cued_when_an_explicit_cue_gave_it_and_no_later_rule_changed_it() {
        let body = "Japanese carmaker Nissan grew. Nissan has named a boss. \
                    A Fox spokesman said Fox was fine. \
                    Officials from firms such as Acme and Globex came. Zeta spoke. \
                    Jane Doe met the firm Doe.";
        let mut spans = spans_of(
            "",
            body,
            &[
                ("Nissan", EntityKind::Person),
                ("Fox", EntityKind::Person),
                ("Acme", EntityKind::Person),
                ("Globex", EntityKind::Person),
                ("Zeta", EntityKind::Person),
                ("Jane Doe", EntityKind::Person),
            ],
        );
        let doe = body.rfind("Doe").unwrap();
        spans.push(Found {
            field: Field::Body,
            start_byte: doe,
            end_byte: doe + 3,
            kind: EntityKind::Person,
        });
        let cued: Vec<(EntityKind, bool)> = resolve_article_cued("", body, &spans)
            .into_iter()
            .map(|(r, cued)| (r.kind, cued))
            .collect();
        use EntityKind::{Organization as Org, Person};
        assert_eq!(
            cued,
            [
                (Org, true), // "carmaker Nissan"
                (Org, true), // the same surface elsewhere in the article
                (Org, true), // a role noun after the name
                (Org, true),
                (Org, true), // a hypernym list
                (Org, true),
                (Person, false), // no cue
                (Person, false),
                (Person, false), // "firm Doe", but the article's Jane Doe wins
            ]
        );
        let plain: Vec<Resolved> = resolve_article_cued("", body, &spans)
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        assert_eq!(plain, resolve_article("", body, &spans));
    }

    #[test]
    fn bare_surname_of_other_kind_becomes_the_person() {
        let title = "Smith visits Paris";
        let body = "Jane Smith arrived on Monday.";
        let spans = spans_of(
            title,
            body,
            &[
                ("Smith visits", EntityKind::Organization),
                ("Jane Smith", EntityKind::Person),
            ],
        );
        // "Smith visits" is two words: not a bare surname, so it keeps its kind.
        let r = resolve_article(title, body, &spans);
        assert_eq!(r[0].kind, EntityKind::Organization);
        let spans = vec![
            Found {
                field: Field::Title,
                start_byte: 0,
                end_byte: 5,
                kind: EntityKind::Organization,
            },
            spans[1].clone(),
        ];
        let r = resolve_article(title, body, &spans);
        assert_eq!(
            r[0],
            Resolved {
                kind: EntityKind::Person,
                name: "Jane Smith".into()
            }
        );
    }

    #[test]
    fn a_short_first_name_gives_way_to_the_form_the_article_uses_more() {
        // politics/290: readers write "Frederick Forsyth" 10 times and "Freddie Forsyth"
        // twice; "Mr Forsyth" is the writer either way.
        let body = "Frederick Forsyth spoke. Freddie Forsyth is right. Mr Forsyth said so. \
                    I agree with Frederick Forsyth. Andy Murray met Andrew Murray.";
        let spans = spans_of(
            "",
            body,
            &[
                ("Frederick Forsyth", EntityKind::Person),
                ("Freddie Forsyth", EntityKind::Person),
                ("Mr Forsyth", EntityKind::Person),
                ("Andy Murray", EntityKind::Person),
                ("Andrew Murray", EntityKind::Person),
            ],
        );
        let r = resolve_article("", body, &spans);
        let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Frederick Forsyth",
                "Frederick Forsyth",
                "Frederick Forsyth",
                "Frederick Forsyth",
                // As often as each other: the first seen wins.
                "Andy Murray",
                "Andy Murray",
            ]
        );
    }

    #[test]
    fn initials_give_way_to_the_full_name_they_fit() {
        let title = "Holmes eyes double";
        let body = "Kelly Holmes won. K Holmes and J Robinson, Jason Robinson, Andy Robinson. Holmes said so.";
        let spans = spans_of(
            title,
            body,
            &[
                ("Kelly Holmes", EntityKind::Person),
                ("K Holmes", EntityKind::Person),
                ("J Robinson", EntityKind::Person),
                ("Jason Robinson", EntityKind::Person),
                ("Andy Robinson", EntityKind::Person),
            ],
        );
        let r = resolve_article(title, body, &spans);
        let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Kelly Holmes",
                "Kelly Holmes",
                "Jason Robinson",
                "Jason Robinson",
                "Andy Robinson"
            ]
        );
        // The lone surname has one full name left to link to; "Robinson" would not.
        let anchors = Anchors::new(title, body, &spans);
        assert_eq!(anchors.lookup("Holmes").unwrap().name, "Kelly Holmes");
        assert_eq!(anchors.lookup("Robinson"), None);
        // A first name on its own names the one full name of the article it starts.
        let body = "Kelly Holmes won gold. Kelly said she was delighted.";
        let i = body.rfind("Kelly").unwrap();
        let mut spans = spans_of("", body, &[("Kelly Holmes", EntityKind::Person)]);
        spans.push(Found {
            field: Field::Body,
            start_byte: i,
            end_byte: i + 5,
            kind: EntityKind::Person,
        });
        assert_eq!(resolve_article("", body, &spans)[1].name, "Kelly Holmes");
        // After "Mr" the first word of a full name is its family name ("Mr Park" for
        // Park Seung), unless the article calls that person by the last word ("Mr
        // Flight"): then "Mr Howard" is not Howard Flight. "Sir Howard" always is.
        for (text, expected) in [
            ("Park Seung spoke. Mr Park said so.", "Park Seung"),
            (
                "Howard Flight quit. Mr Flight left. Mr Howard said so.",
                "Howard",
            ),
            (
                "Howard Flight quit. Mr Flight left. Sir Howard said so.",
                "Howard Flight",
            ),
        ] {
            let (full, _) = text.split_once(" quit").unwrap_or(("Park Seung", ""));
            let mut spans = spans_of("", text, &[(full, EntityKind::Person)]);
            for lone in ["Mr Flight", "Mr Park", "Mr Howard", "Sir Howard"] {
                if let Some(i) = text.find(lone) {
                    spans.push(Found {
                        field: Field::Body,
                        start_byte: i,
                        end_byte: i + lone.len(),
                        kind: EntityKind::Person,
                    });
                }
            }
            let last = resolve_article("", text, &spans).pop().unwrap();
            assert_eq!(last.name, expected, "{text}");
        }
        // Two full names starting with it: the first name stays its own.
        let body = "Paul Smith and Paul Jones met. Paul left.";
        let i = body.rfind("Paul").unwrap();
        let mut spans = spans_of(
            "",
            body,
            &[
                ("Paul Smith", EntityKind::Person),
                ("Paul Jones", EntityKind::Person),
            ],
        );
        spans.push(Found {
            field: Field::Body,
            start_byte: i,
            end_byte: i + 4,
            kind: EntityKind::Person,
        });
        assert_eq!(resolve_article("", body, &spans)[2].name, "Paul");
        // Two full names fitting one initial: the initials stay their own name.
        let body = "J Smith, John Smith and Jane Smith.";
        let spans = spans_of(
            "",
            body,
            &[
                ("J Smith", EntityKind::Person),
                ("John Smith", EntityKind::Person),
                ("Jane Smith", EntityKind::Person),
            ],
        );
        assert_eq!(resolve_article("", body, &spans)[0].name, "J Smith");
    }

    #[test]
    fn bad_offsets_do_not_panic() {
        let spans = vec![
            Found {
                field: Field::Body,
                start_byte: 1,
                end_byte: 2,
                kind: EntityKind::Misc,
            },
            Found {
                field: Field::Title,
                start_byte: 3,
                end_byte: 99,
                kind: EntityKind::Misc,
            },
        ];
        let r = resolve_article("abc", "é", &spans);
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|r| r.name.is_empty()));
    }
}
