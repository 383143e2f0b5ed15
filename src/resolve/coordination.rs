//! Names listed together are usually of one kind: "Google, Ask Jeeves, MSN and Yahoo",
//! "France, Italy and Jordan". The tagger reads an unfamiliar one-word company as a
//! person when nothing around it says otherwise ("Yahoo has tweaked ..."); in a list
//! whose other members are organizations (or places) it is one too.
//!
//! A list is a run of at least [`MIN_MEMBERS`] spans of one field separated only by
//! ", ", " and ", ", and ", " or " or ", or ". Only a one-word member the tagger calls a
//! person changes kind, and only when no other member is a person and at least two of
//! the others share the organization or location kind that outnumbers the other, some
//! of them looking the part on their own (two gazetteer places; a firm's name of several
//! words or with a capital inside), since team sheets list surnames the tagger often
//! calls places or firms:
//! lists of people ("Blair, Brown and Prescott", team sheets) never lose a member, and a
//! full name ("Tony Blair, Microsoft and Sony") stays a person.
//!
//! The other way round, a team sheet ("Murphy, Horgan, O'Driscoll, D'Arcy, Hickie,
//! O'Gara; Corrigan, Byrne, Hayes", with semicolons between units) is a long list of
//! people, and the surnames the tagger reads as places or firms there ("Hayes",
//! "Parisse", "Lo Cicero") are people too: in a list of at least [`MIN_SHEET`]
//! members, two thirds of them people (a majority when [`SHEET_SEMICOLONS`] or more
//! semicolons split it into units) and most of those written as a sheet writes
//! players (a surname, alone or after initials), every member of another kind of at most
//! [`MAX_SHEET_WORDS`] words becomes a person. A country or an acronym ("TBC") in such a
//! list keeps its kind; a list of stars' full names ("Michael Jackson, Aerosmith, Diana
//! Ross") is no team sheet.

use crate::EntityKind;

use super::Found;

/// The fewest members of a list whose kinds say something.
const MIN_MEMBERS: usize = 3;

/// What may stand between two members of a list.
const SEPARATORS: [&str; 5] = [", ", " and ", ", and ", " or ", ", or "];

/// What may stand between two names of a team sheet, which groups units with
/// semicolons and marks the captain ("Palmer (capt), Morgan").
const SHEET_SEPARATORS: [&str; 8] = [
    ", ",
    "; ",
    " and ",
    ", and ",
    " (capt), ",
    " (capt); ",
    " (c), ",
    " (c); ",
];

/// The fewest semicolons that make a list a team sheet's units whatever its members'
/// kinds (then a majority of people is enough, not two thirds): "Balshaw; Rees,
/// Christophers, Bell, Doherty; McMullen, Dickens; ...", where the tagger read five of
/// twelve surnames as firms or places.
const SHEET_SEMICOLONS: usize = 2;

/// The fewest members of a list read as a team sheet.
const MIN_SHEET: usize = 5;

/// The most words of a member a team sheet makes a person ("Lo Cicero", "De Marigny").
const MAX_SHEET_WORDS: usize = 2;

/// Every one-word person span of a list whose other members say it is an organization
/// or a location, with that kind, as (index into `spans`, kind). `surfaces` holds each
/// span's text (`None` when its offsets do not slice its field).
pub(crate) fn sibling_kinds(
    title: &str,
    body: &str,
    spans: &[Found],
    surfaces: &[Option<&str>],
) -> Vec<(usize, EntityKind)> {
    let mut out = Vec::new();
    for (text, order) in super::spans_by_field(title, body, spans, surfaces) {
        for list in lists(text, &order, spans, &SEPARATORS) {
            judge(&list, spans, surfaces, &mut out);
        }
        for list in lists(text, &order, spans, &SHEET_SEPARATORS) {
            let semicolons = list
                .windows(2)
                .filter_map(|w| super::gap_between(text, &spans[w[0]], &spans[w[1]]))
                .filter(|gap| gap.ends_with("; "))
                .count();
            judge_sheet(&list, semicolons, spans, surfaces, &mut out);
        }
    }
    out
}

/// The runs of `order` (span indexes in text order) that only `separators` join.
fn lists(text: &str, order: &[usize], spans: &[Found], separators: &[&str]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for &i in order {
        let joined = out.last().and_then(|l| l.last()).is_some_and(|&prev| {
            super::gap_between(text, &spans[prev], &spans[i])
                .is_some_and(|gap| separators.contains(&gap))
        });
        if joined {
            out.last_mut().expect("joined to a list").push(i);
        } else {
            out.push(vec![i]);
        }
    }
    out
}

/// Adds the members of a team sheet that are not people yet; `semicolons` counts the
/// semicolons between its members.
fn judge_sheet(
    list: &[usize],
    semicolons: usize,
    spans: &[Found],
    surfaces: &[Option<&str>],
    out: &mut Vec<(usize, EntityKind)>,
) {
    if list.len() < MIN_SHEET {
        return;
    }
    let people: Vec<usize> = list
        .iter()
        .copied()
        .filter(|&i| spans[i].kind == EntityKind::Person)
        .collect();
    let players = people
        .iter()
        .filter(|&&i| surfaces[i].is_some_and(is_player_name))
        .count();
    let enough = if semicolons >= SHEET_SEMICOLONS {
        people.len() * 2 > list.len()
    } else {
        people.len() * 3 >= list.len() * 2
    };
    if !enough || players * 2 <= people.len() {
        return;
    }
    for &member in list {
        let Some(surface) = surfaces[member].map(str::trim) else {
            continue;
        };
        let short = surface.split_whitespace().count() <= MAX_SHEET_WORDS;
        let acronym = surface.chars().filter(|c| c.is_alphabetic()).count() > 1
            && !surface.chars().any(char::is_lowercase);
        if spans[member].kind != EntityKind::Person
            && short
            && !acronym
            && !crate::ner::is_country(surface)
        {
            out.push((member, EntityKind::Person));
        }
    }
}

/// Whether a person's surface is written as team sheets write players: a surname
/// alone ("O'Driscoll") or after initials ("G Murphy"), not a full name ("Diana
/// Ross": a list of stars, where a one-word member may be a band).
fn is_player_name(surface: &str) -> bool {
    let surface = surface.trim();
    !surface.contains(' ') || super::names::initials_name(surface).is_some()
}

/// Adds the members of one list whose siblings give them a kind.
fn judge(
    list: &[usize],
    spans: &[Found],
    surfaces: &[Option<&str>],
    out: &mut Vec<(usize, EntityKind)>,
) {
    if list.len() < MIN_MEMBERS {
        return;
    }
    for &member in list {
        let one_word = surfaces[member].is_some_and(|s| !s.trim().contains(' '));
        if spans[member].kind != EntityKind::Person || !one_word {
            continue;
        }
        let others = || {
            list.iter()
                .filter(|&&i| i != member)
                .map(|&i| spans[i].kind)
        };
        if others().any(|k| k == EntityKind::Person) {
            continue;
        }
        let count = |kind| others().filter(|&k| k == kind).count();
        let (orgs, places) = (count(EntityKind::Organization), count(EntityKind::Location));
        // Team sheets list surnames the tagger often calls places or firms: only
        // members that look like what their kind says vouch for the list.
        let vouching = |kind| {
            list.iter()
                .filter(|&&i| i != member && spans[i].kind == kind)
                .filter_map(|&i| surfaces[i])
                .filter(|s| vouches(s, kind))
                .count()
        };
        let orgs = if vouching(EntityKind::Organization) > 0 {
            orgs
        } else {
            0
        };
        let places = if vouching(EntityKind::Location) >= 2 {
            places
        } else {
            0
        };
        let kind = match orgs.cmp(&places) {
            std::cmp::Ordering::Greater if orgs >= 2 => EntityKind::Organization,
            std::cmp::Ordering::Less if places >= 2 => EntityKind::Location,
            _ => continue,
        };
        out.push((member, kind));
    }
}

/// Whether a sibling's surface looks like its kind on its own: a place of the bundled
/// gazetteer; a firm's name of several words or with a capital inside ("Ask Jeeves",
/// "MSN", "eBay"), which surnames seldom have.
fn vouches(surface: &str, kind: EntityKind) -> bool {
    let surface = surface.trim();
    match kind {
        EntityKind::Location => crate::ner::is_proper_place(surface),
        EntityKind::Organization => {
            surface.contains(' ') || surface.chars().skip(1).any(char::is_uppercase)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityKind::{Location as L, Misc as M, Organization as O, Person as P};

    /// The kinds the lists of `body` give, for spans placed on the given words.
    fn given(body: &str, words: &[(&str, EntityKind)]) -> Vec<(String, EntityKind)> {
        let (spans, surfaces) = super::super::spans_on(body, words);
        sibling_kinds("", body, &spans, &surfaces)
            .into_iter()
            .map(|(i, k)| (words[i].0.to_string(), k))
            .collect()
    }

    #[test]
    fn a_one_word_person_among_organizations_or_places_is_one() {
        let body = "People use Google, Ask Jeeves, MSN and Yahoo when online.";
        let words = [("Google", O), ("Ask Jeeves", O), ("MSN", O), ("Yahoo", P)];
        assert_eq!(given(body, &words), [("Yahoo".to_string(), O)]);
        let body = "Talks with France, Italy or Jordan failed.";
        let words = [("France", L), ("Italy", L), ("Jordan", P)];
        assert_eq!(given(body, &words), [("Jordan".to_string(), L)]);
    }

    #[test]
    fn surnames_of_a_team_sheet_vouch_for_nothing() {
        // The tagger called two surnames places and firms: they look like neither.
        let body = "Subs not used: Lehmann, Fabregas, Senderos, Hoyte.";
        let words = [
            ("Lehmann", P),
            ("Fabregas", O),
            ("Senderos", O),
            ("Hoyte", P),
        ];
        assert_eq!(given(body, &words), []);
        let body = "Caillet, Carter, Chabal.";
        let words = [("Caillet", L), ("Carter", P), ("Chabal", L)];
        assert_eq!(given(body, &words), []);
        // One place vouches for too little.
        let words = [("Paris", L), ("Carter", P), ("Chabal", L)];
        assert_eq!(given("Paris, Carter, Chabal.", &words), []);
    }

    #[test]
    fn people_full_names_short_or_split_lists_keep_their_kinds() {
        // Another person in the list.
        let body = "Blair, Brown, Sony and Microsoft met.";
        let words = [("Blair", P), ("Brown", P), ("Sony", O), ("Microsoft", O)];
        assert_eq!(given(body, &words), []);
        // A full name.
        let body = "Tony Blair, Sony and Microsoft met.";
        let words = [("Tony Blair", P), ("Sony", O), ("Microsoft", O)];
        assert_eq!(given(body, &words), []);
        // Two members only.
        let body = "Microsoft and Yahoo met.";
        assert_eq!(given(body, &[("Microsoft", O), ("Yahoo", P)]), []);
        // Not a list: other words between.
        let body = "Google said Yahoo, AOL and MSN are rivals.";
        let words = [("Google", O), ("Yahoo", P), ("AOL", O), ("MSN", O)];
        assert_eq!(given(body, &words), [("Yahoo".to_string(), O)]);
        let words = [("Google", O), ("Yahoo", P), ("AOL", O)];
        assert_eq!(given("Google said Yahoo and AOL", &words), []);
        // Kinds split evenly, or only misc beside it.
        let body = "Sony, Paris, Fox and Rome.";
        // (Sony says nothing alone; Paris and Rome are places.)
        let words = [("Sony", O), ("Paris", L), ("Fox", P), ("Rome", L)];
        assert_eq!(given(body, &words), [("Fox".to_string(), L)]);
        let words = [("Sony", O), ("Paris", L), ("Fox", P)];
        assert_eq!(given("Sony, Paris, Fox.", &words), []);
        let words = [("Oscars", M), ("Baftas", M), ("Fox", P)];
        assert_eq!(given("Oscars, Baftas and Fox", &words), []);
    }

    #[test]
    fn a_team_sheet_makes_its_other_members_people() {
        // BBC sport/302: Italy's side, units split by semicolons.
        let body = "De Marigny; Mi Bergamasco, Canale, Masi, Nitoglia; Orquera, Troncon; \
                    Lo Cicero, Ongaro, Castrogiovanni; Dellape, Bortolami; Persico.";
        let words = [
            ("De Marigny", P),
            ("Mi Bergamasco", P),
            ("Canale", P),
            ("Masi", P),
            ("Nitoglia", P),
            ("Orquera", P),
            ("Troncon", L),
            ("Lo Cicero", O),
            ("Ongaro", P),
            ("Castrogiovanni", P),
            ("Dellape", P),
            ("Bortolami", P),
            ("Persico", O),
        ];
        assert_eq!(
            given(body, &words),
            [
                ("Troncon".to_string(), P),
                ("Lo Cicero".to_string(), P),
                ("Persico".to_string(), P)
            ]
        );
        // BBC sport/324: units split by semicolons, the captain marked, and five of
        // fifteen surnames read as firms or places: a majority of people is enough.
        let body = "Balshaw; Rees, Christophers, Bell, Doherty; McMullen, Dickens; McGee, \
                    Rawlinson, Gerber; Murphy, Palmer (capt), Morgan, Parks, Popham.";
        let words = [
            ("Balshaw", O),
            ("Rees", O),
            ("Christophers", P),
            ("Bell", P),
            ("Doherty", P),
            ("McMullen", P),
            ("Dickens", O),
            ("McGee", P),
            ("Rawlinson", P),
            ("Gerber", P),
            ("Murphy", L),
            ("Palmer", L),
            ("Morgan", P),
            ("Parks", P),
            ("Popham", L),
        ];
        let people: Vec<String> = ["Balshaw", "Rees", "Dickens", "Murphy", "Palmer", "Popham"]
            .map(String::from)
            .into();
        let given_people: Vec<String> = given(body, &words)
            .into_iter()
            .map(|(name, kind)| {
                assert_eq!(kind, P, "{name}");
                name
            })
            .collect();
        assert_eq!(given_people, people);
        // Without the semicolons, two thirds it is.
        let commas = body.replace("; ", ", ");
        assert_eq!(given(&commas, &words), []);
        // A country and an acronym keep their kinds.
        let body = "Murphy, Horgan, TBC, D'Arcy, Hickie, Ireland, O'Gara.";
        let words = [
            ("Murphy", P),
            ("Horgan", P),
            ("TBC", L),
            ("D'Arcy", P),
            ("Hickie", P),
            ("Ireland", L),
            ("O'Gara", P),
        ];
        assert_eq!(given(body, &words), []);
    }

    #[test]
    fn short_lists_and_lists_of_stars_are_no_team_sheets() {
        // Full names: a one-word member may be a band.
        let body = "Michael Jackson, Aerosmith, Diana Ross, Gloria Estefan and Phil Collins.";
        let words = [
            ("Michael Jackson", P),
            ("Aerosmith", O),
            ("Diana Ross", P),
            ("Gloria Estefan", P),
            ("Phil Collins", P),
        ];
        assert_eq!(given(body, &words), []);
        // Four members, or people fewer than two thirds.
        let body = "Murphy, Horgan, Hayes and Hickie.";
        let words = [("Murphy", P), ("Horgan", P), ("Hayes", L), ("Hickie", P)];
        assert_eq!(given(body, &words), []);
        let body = "Murphy, Horgan, Hayes, Foley, Hickie.";
        let words = [
            ("Murphy", P),
            ("Horgan", P),
            ("Hayes", L),
            ("Foley", L),
            ("Hickie", P),
        ];
        assert_eq!(given(body, &words), []);
    }
}
