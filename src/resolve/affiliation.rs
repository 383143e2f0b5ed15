//! The name a person is "of" is where they work or come from: "Yonca Brunini of Yahoo",
//! "Yahoo's Yonca Brunini", "Arsenal's Thierry Henry". The tagger reads an unfamiliar
//! one-word company as a person when it starts a clause ("Yahoo has ..."); written next
//! to a person's full name this way it is an organization, or a location when the
//! bundled gazetteer knows it as a place ("Jacques Rogge of Belgium").
//!
//! Only a one-word span the tagger calls a person changes kind, and only when the span
//! beside it is a person of at least two words, joined by exactly " of " (person first)
//! or "'s " (person second).

use crate::EntityKind;

use super::Found;

/// Every one-word person span that a full-name person is "of", with the kind it takes,
/// as (index into `spans`, kind). `surfaces` holds each span's text (`None` when its
/// offsets do not slice its field).
pub(crate) fn affiliated_kinds(
    title: &str,
    body: &str,
    spans: &[Found],
    surfaces: &[Option<&str>],
) -> Vec<(usize, EntityKind)> {
    let mut out = Vec::new();
    for (text, order) in super::spans_by_field(title, body, spans, surfaces) {
        for pair in order.windows(2) {
            let (first, second) = (pair[0], pair[1]);
            let Some(gap) = super::gap_between(text, &spans[first], &spans[second]) else {
                continue;
            };
            // The full-name person and the one-word name it is "of".
            let (full, of) = match gap {
                " of " => (first, second),
                "'s " | "\u{2019}s " => (second, first),
                _ => continue,
            };
            let is_full_name = surfaces[full].is_some_and(|s| s.trim().contains(' '));
            let word = surfaces[of].map(str::trim).filter(|s| !s.contains(' '));
            let (Some(word), true, true, true) = (
                word,
                is_full_name,
                spans[full].kind == EntityKind::Person,
                spans[of].kind == EntityKind::Person,
            ) else {
                continue;
            };
            let kind = if crate::ner::is_proper_place(word) {
                EntityKind::Location
            } else {
                EntityKind::Organization
            };
            out.push((of, kind));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityKind::{Location as L, Organization as O, Person as P};

    fn given(body: &str, words: &[(&str, EntityKind)]) -> Vec<(String, EntityKind)> {
        let (spans, surfaces) = super::super::spans_on(body, words);
        affiliated_kinds("", body, &spans, &surfaces)
            .into_iter()
            .map(|(i, k)| (words[i].0.to_string(), k))
            .collect()
    }

    #[test]
    fn the_name_a_full_name_person_is_of_is_a_firm_or_a_place() {
        let body = "said Yonca Brunini of Yahoo.";
        let words = [("Yonca Brunini", P), ("Yahoo", P)];
        assert_eq!(given(body, &words), [("Yahoo".to_string(), O)]);
        let body = "Yahoo's Yonca Brunini said.";
        let words = [("Yahoo", P), ("Yonca Brunini", P)];
        assert_eq!(given(body, &words), [("Yahoo".to_string(), O)]);
        let body = "Jacques Rogge of Belgium spoke.";
        let words = [("Jacques Rogge", P), ("Belgium", P)];
        assert_eq!(given(body, &words), [("Belgium".to_string(), L)]);
    }

    #[test]
    fn other_shapes_change_nothing() {
        // Already not a person, or a lone surname beside it.
        let words = [("Yonca Brunini", P), ("Yahoo", O)];
        assert_eq!(given("Yonca Brunini of Yahoo", &words), []);
        let words = [("Brunini", P), ("Yahoo", P)];
        assert_eq!(given("Brunini of Yahoo", &words), []);
        // Two words, or other words between.
        let words = [("Yonca Brunini", P), ("Blue Yahoo", P)];
        assert_eq!(given("Yonca Brunini of Blue Yahoo", &words), []);
        let words = [("Blair", P), ("Alastair Campbell", P)];
        assert_eq!(given("Blair's aide Alastair Campbell", &words), []);
    }
}
