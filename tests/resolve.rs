//! Entity resolution on whole articles: honorifics, surname coreference, acronyms defined
//! in the text, the shipped alias list, and the seed article.

use newsdb::resolve::{canonical_name, known_alias, resolve_article, Found, Resolved};
use newsdb::{EntityKind, Field};

use EntityKind::{Location, Misc, Organization, Person};

const SEED: &str = include_str!("../seeds/000_74746990a53cdcfb.txt");

/// A hand-built tagger: every whole-word occurrence of each surface, longest surfaces
/// first, never overlapping a span already taken.
fn tag(title: &str, body: &str, wanted: &[(&str, EntityKind)]) -> Vec<Found> {
    let mut wanted = wanted.to_vec();
    wanted.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    let mut out: Vec<Found> = Vec::new();
    for (surface, kind) in wanted {
        for (field, text) in [(Field::Title, title), (Field::Body, body)] {
            for (start, m) in text.match_indices(surface) {
                let end = start + m.len();
                let word_char = |c: char| c.is_alphanumeric() || c == '-';
                let before_ok = !text[..start].chars().next_back().is_some_and(word_char);
                let after_ok = !text[end..].chars().next().is_some_and(word_char);
                let overlaps = out
                    .iter()
                    .any(|f| f.field == field && f.start_byte < end && start < f.end_byte);
                if before_ok && after_ok && !overlaps {
                    out.push(Found {
                        field,
                        start_byte: start,
                        end_byte: end,
                        kind,
                    });
                }
            }
        }
    }
    out
}

/// The resolution of every span whose surface is `surface`.
fn resolved_as<'a>(
    title: &'a str,
    body: &'a str,
    spans: &'a [Found],
    resolved: &'a [Resolved],
    surface: &'a str,
) -> impl Iterator<Item = &'a Resolved> + 'a {
    spans.iter().zip(resolved).filter_map(move |(span, r)| {
        let text = match span.field {
            Field::Title => title,
            Field::Body => body,
        };
        (text.get(span.start_byte..span.end_byte) == Some(surface)).then_some(r)
    })
}

fn person(name: &str) -> Resolved {
    Resolved {
        kind: Person,
        name: name.to_string(),
    }
}

#[test]
fn honorifics_and_titles_are_dropped_from_person_names() {
    assert_eq!(
        canonical_name(Person, "Ayatollah Ali Khamenei"),
        person("Ali Khamenei")
    );
    assert_eq!(
        canonical_name(Person, "Mr. John  Smith"),
        person("John Smith")
    );
    assert_eq!(
        canonical_name(Person, "Crown Prince Mohammed bin Salman"),
        person("Mohammed bin Salman")
    );
    assert_eq!(
        canonical_name(Person, "Former Prime Minister Jane Roe"),
        person("Jane Roe")
    );
    // A title alone is kept rather than emptied.
    assert_eq!(canonical_name(Person, "President"), person("President"));
    // Not a person: the title is part of the name.
    assert_eq!(
        canonical_name(Organization, "King's College").name,
        "King's College"
    );
}

#[test]
fn possessives_quotes_and_whitespace_are_normalised() {
    assert_eq!(canonical_name(Location, "Iran's").name, "Iran");
    assert_eq!(canonical_name(Location, "Damascus’s").name, "Damascus");
    assert_eq!(
        canonical_name(Person, "“Bashar\n al-Assad’s”").name,
        "Bashar al-Assad"
    );
    assert_eq!(canonical_name(Misc, "\"").name, "\"");
}

#[test]
fn surname_in_title_and_body_resolves_to_the_full_name() {
    let title = "Smith meets Jones";
    let body = "Mary Smith met Dr. Peter Jones in London. Later Jones said Smith's plan worked.";
    let spans = tag(
        title,
        body,
        &[
            ("Mary Smith", Person),
            ("Peter Jones", Person),
            ("Smith", Person),
            ("Jones", Organization),
            ("London", Location),
        ],
    );
    let resolved = resolve_article(title, body, &spans);
    assert_eq!(resolved.len(), spans.len());
    // The title's "Smith" and the body's "Smith's" (the other is inside "Mary Smith").
    let smith: Vec<_> = resolved_as(title, body, &spans, &resolved, "Smith").collect();
    assert_eq!(smith, [&person("Mary Smith"), &person("Mary Smith")]);
    // Tagged ORG, but it is the surname of a person of this article.
    let jones: Vec<_> = resolved_as(title, body, &spans, &resolved, "Jones").collect();
    assert_eq!(jones.len(), 2);
    assert!(jones.iter().all(|r| **r == person("Peter Jones")));
    assert!(resolved.contains(&Resolved {
        kind: Location,
        name: "London".into()
    }));
}

#[test]
fn surname_shared_by_two_persons_names_the_one_named_first() {
    let title = "Clinton wins";
    let body = "Hillary Clinton and Bill Clinton spoke. Clinton thanked voters.";
    let spans = tag(
        title,
        body,
        &[
            ("Hillary Clinton", Person),
            ("Bill Clinton", Person),
            ("Clinton", Person),
        ],
    );
    let resolved = resolve_article(title, body, &spans);
    let names: Vec<&str> = resolved.iter().map(|r| r.name.as_str()).collect();
    assert!(names.contains(&"Hillary Clinton"));
    assert!(names.contains(&"Bill Clinton"));
    // The title's and the last sentence's bare "Clinton".
    let clinton: Vec<_> = resolved_as(title, body, &spans, &resolved, "Clinton").collect();
    assert_eq!(
        clinton,
        [&person("Hillary Clinton"), &person("Hillary Clinton")]
    );
}

#[test]
fn surname_shared_by_two_persons_stays_apart_unless_the_person_is_clear() {
    // An initial just before the surname (the tagger's span only the surname) picks
    // the namesake it fits; fitting none, it is a name of initials, as if the tagger
    // had found "W. Clinton" whole.
    let body = "Hillary Clinton and Bill Clinton spoke. B Clinton, W. Clinton and the \
                Clinton family thanked voters.";
    let spans = tag(
        "",
        body,
        &[
            ("Hillary Clinton", Person),
            ("Bill Clinton", Person),
            ("Clinton", Person),
        ],
    );
    let resolved = resolve_article("", body, &spans);
    let clinton: Vec<_> = resolved_as("", body, &spans, &resolved, "Clinton").collect();
    assert_eq!(
        clinton,
        // "B Clinton"; "W. Clinton" fits neither; "the Clinton family" is a family.
        [
            &person("Bill Clinton"),
            &person("W Clinton"),
            &person("Clinton")
        ]
    );
    // The same beside one full name: "S Williams" of a line-up is not Rhys Williams,
    // "R Williams" is.
    // The "S" of an upper-case possessive ("WALES 'S WILLIAMS") is no initial.
    let body = "Rhys Williams starts. Wales: S Williams, R Williams. WALES 'S Williams scored.";
    let spans = tag("", body, &[("Rhys Williams", Person), ("Williams", Person)]);
    let resolved = resolve_article("", body, &spans);
    let williams: Vec<_> = resolved_as("", body, &spans, &resolved, "Williams").collect();
    assert_eq!(
        williams,
        [
            &person("S Williams"),
            &person("Rhys Williams"),
            &person("Rhys Williams")
        ]
    );
    // A name the tagger gives another kind beside two namesakes: the firm "Disney"
    // beside Walt and Roy Disney is neither of them.
    let body = "Walt Disney and Roy Disney founded it. Disney shares fell.";
    let spans = tag(
        "",
        body,
        &[
            ("Walt Disney", Person),
            ("Roy Disney", Person),
            ("Disney", Organization),
        ],
    );
    let resolved = resolve_article("", body, &spans);
    let disney: Vec<_> = resolved_as("", body, &spans, &resolved, "Disney").collect();
    assert_eq!(disney, [&person("Disney")]);
}

#[test]
fn particle_surnames_match_with_or_without_the_particle() {
    let title = "Assad and de Gaulle";
    let body = "Bashar al-Assad quoted Charles de Gaulle. al-Assad then met Gaulle's heirs.";
    let spans = tag(
        title,
        body,
        &[
            ("Bashar al-Assad", Person),
            ("Charles de Gaulle", Person),
            ("Assad", Location),
            ("de Gaulle", Person),
            ("al-Assad", Person),
            ("Gaulle's", Person),
        ],
    );
    let resolved = resolve_article(title, body, &spans);
    // Each surface once: the others are inside the full names.
    for surface in ["Assad", "al-Assad"] {
        let hits: Vec<_> = resolved_as(title, body, &spans, &resolved, surface).collect();
        assert_eq!(hits.len(), 1, "{surface}: {hits:?}");
        assert!(
            hits.iter().all(|r| **r == person("Bashar al-Assad")),
            "{surface}: {hits:?}"
        );
    }
    for surface in ["de Gaulle", "Gaulle's"] {
        let hits: Vec<_> = resolved_as(title, body, &spans, &resolved, surface).collect();
        assert_eq!(hits.len(), 1, "{surface}: {hits:?}");
        assert!(
            hits.iter().all(|r| **r == person("Charles de Gaulle")),
            "{surface}: {hits:?}"
        );
    }
}

#[test]
fn acronym_defined_in_parentheses_names_the_long_form_everywhere() {
    let title = "FSA retakes town";
    let body = "The Free Syrian Army (FSA) said on Monday that FSA units had entered the town.";
    let spans = tag(
        title,
        body,
        &[("Free Syrian Army", Organization), ("FSA", Organization)],
    );
    let resolved = resolve_article(title, body, &spans);
    let fsa: Vec<_> = resolved_as(title, body, &spans, &resolved, "FSA").collect();
    assert_eq!(fsa.len(), 3);
    let long = Resolved {
        kind: Organization,
        name: "Free Syrian Army".into(),
    };
    assert!(fsa.iter().all(|r| **r == long));

    // The long form's kind wins, and the long form need not be a tagger span.
    let body = "Fighters of the Syrian Democratic Forces (SDF) advanced; the SDF said so.";
    let spans = tag("", body, &[("SDF", Location)]);
    let resolved = resolve_article("", body, &spans);
    assert_eq!(resolved.len(), 2, "both SDF");
    assert!(resolved
        .iter()
        .all(|r| r.name == "Syrian Democratic Forces" && r.kind == Location));
    let spans = tag(
        "",
        body,
        &[
            ("Syrian Democratic Forces", Organization),
            ("SDF", Location),
        ],
    );
    let resolved = resolve_article("", body, &spans);
    assert_eq!(resolved.len(), 3, "the long form and both SDF");
    assert!(resolved
        .iter()
        .all(|r| r.name == "Syrian Democratic Forces" && r.kind == Organization));
}

#[test]
fn alias_list_maps_short_forms_and_its_kind_wins() {
    for surface in [
        "US",
        "U.S.",
        "USA",
        "U.S.A.",
        "United States of America",
        "America",
    ] {
        let r = known_alias(surface).unwrap_or_else(|| panic!("{surface} missing"));
        assert_eq!(
            (r.kind, r.name.as_str()),
            (Location, "United States"),
            "{surface}"
        );
        assert_eq!(canonical_name(Organization, surface).kind, Location);
    }
    assert_eq!(
        known_alias("Britain").map(|r| r.name),
        Some("United Kingdom".into())
    );
    assert_eq!(
        known_alias("EU").map(|r| (r.kind, r.name)),
        Some((Organization, "European Union".into()))
    );
    assert_eq!(
        known_alias("U.N.").map(|r| r.name),
        Some("United Nations".into())
    );
    assert_eq!(known_alias("Nato"), known_alias("NATO"));
    assert_eq!(
        known_alias("Russian Federation").map(|r| r.name),
        Some("Russia".into())
    );
    // Case matters for all-caps acronyms: the pronoun is not the country.
    assert_eq!(known_alias("us"), None);
    assert_eq!(canonical_name(Misc, "us").name, "us");
}

#[test]
fn seed_article_resolves_surnames_acronyms_and_aliases() {
    let (title, body) = SEED
        .split_once('\n')
        .expect("seed has a title line and a body");
    let spans = tag(
        title,
        body,
        &[
            ("Bashar al-Assad", Person),
            ("Ayatollah Ali Khamenei", Person),
            ("Hassan Rouhani", Person),
            ("Donald Trump", Person),
            ("Assad", Person),
            ("Khamenei", Person),
            ("Tehran", Location),
            ("Iran", Location),
            ("Syria", Location),
            ("Damascus", Location),
            ("Washington", Location),
            ("Lebanon", Location),
            ("Israel", Location),
            ("United States", Location),
            ("US", Organization),
            ("SANA", Organization),
            ("Islamic State", Organization),
            ("IS", Organization),
            // As the real tagger labels it: the word is not in its training data.
            ("Hezbollah", Person),
            ("Middle East Eye", Organization),
            ("Syrian", Misc),
            ("Iranian", Misc),
        ],
    );
    // The title's bare surnames, as a tagger often labels them.
    let mut spans = spans;
    for span in spans.iter_mut().filter(|s| s.field == Field::Title) {
        match &title[span.start_byte..span.end_byte] {
            "Assad" => span.kind = Organization,
            "Khamenei" => span.kind = Location,
            _ => {}
        }
    }
    let resolved = resolve_article(title, body, &spans);
    assert_eq!(resolved.len(), spans.len());

    // `count`: the whole-word occurrences of the surface in the seed not inside a
    // longer tagged surface, counted in the file by hand.
    let check = |surface: &str, want: &Resolved, count: usize| {
        let hits: Vec<_> = resolved_as(title, body, &spans, &resolved, surface).collect();
        assert_eq!(hits.len(), count, "{surface}: {} hits", hits.len());
        for r in hits {
            assert_eq!(r, want, "{surface}");
        }
    };
    check("Assad", &person("Bashar al-Assad"), 7);
    check("Bashar al-Assad", &person("Bashar al-Assad"), 1);
    check("Khamenei", &person("Ali Khamenei"), 5);
    check("Ayatollah Ali Khamenei", &person("Ali Khamenei"), 1);
    check("Hassan Rouhani", &person("Hassan Rouhani"), 1);
    let islamic_state = Resolved {
        kind: Organization,
        name: "Islamic State".into(),
    };
    check("IS", &islamic_state, 1);
    check("Islamic State", &islamic_state, 1);
    let united_states = Resolved {
        kind: Location,
        name: "United States".into(),
    };
    check("US", &united_states, 4);
    check("United States", &united_states, 1);
    check(
        "Iran",
        &Resolved {
            kind: Location,
            name: "Iran".into(),
        },
        5,
    );
    // "Tehran-backed groups, including Lebanon's Hezbollah": the hypernym types the
    // possessed name, and the possessive owner keeps its kind.
    check(
        "Hezbollah",
        &Resolved {
            kind: Organization,
            name: "Hezbollah".into(),
        },
        1,
    );
    check(
        "Lebanon",
        &Resolved {
            kind: Location,
            name: "Lebanon".into(),
        },
        1,
    );
}

#[test]
fn hypernym_kind_reaches_every_mention_of_the_surface() {
    let title = "Acme shares rise";
    let body = "Firms such as Acme and Zenith gained. Acme's profits rose, Acme said.";
    let spans = tag(
        title,
        body,
        &[("Acme", Person), ("Zenith", Location), ("Acme's", Person)],
    );
    let resolved = resolve_article(title, body, &spans);
    let acme = Resolved {
        kind: Organization,
        name: "Acme".into(),
    };
    // "Acme" in the title and twice in the body, "Acme's" once.
    for (surface, n) in [("Acme", 3), ("Acme's", 1)] {
        let hits: Vec<_> = resolved_as(title, body, &spans, &resolved, surface).collect();
        assert_eq!(hits.len(), n, "{surface}: {hits:?}");
        assert!(hits.iter().all(|r| **r == acme), "{surface}: {hits:?}");
    }
    assert_eq!(resolved.iter().filter(|r| **r == acme).count(), 4);
    let zenith: Vec<_> = resolved_as(title, body, &spans, &resolved, "Zenith").collect();
    assert_eq!(zenith.len(), 1);
    assert_eq!(zenith[0].kind, Organization);
}

#[test]
fn hypernym_kind_yields_to_aliases_acronyms_and_full_names() {
    // The alias list's kind wins: "EU" stays the organization.
    let body = "Countries such as the EU and Chad objected.";
    let spans = tag("", body, &[("EU", Organization), ("Chad", Person)]);
    let resolved = resolve_article("", body, &spans);
    assert_eq!(
        resolved_as("", body, &spans, &resolved, "EU").next(),
        Some(&Resolved {
            kind: Organization,
            name: "European Union".into()
        })
    );
    assert_eq!(
        resolved_as("", body, &spans, &resolved, "Chad").next(),
        Some(&Resolved {
            kind: Location,
            name: "Chad".into()
        })
    );
    // A defined acronym takes its long form's kind.
    let body = "The Free Syrian Army (FSA) fought. Countries like FSA were hit.";
    let spans = tag(
        "",
        body,
        &[("Free Syrian Army", Organization), ("FSA", Organization)],
    );
    let resolved = resolve_article("", body, &spans);
    assert_eq!(resolved.len(), 3, "the long form and both FSA");
    assert!(resolved.iter().all(|r| r.kind == Organization));
    // A surname of a full-name person of the article stays the person.
    let body = "Henry Ford spoke. Firms such as Ford rose.";
    let spans = tag("", body, &[("Henry Ford", Person), ("Ford", Location)]);
    let resolved = resolve_article("", body, &spans);
    let ford: Vec<_> = resolved_as("", body, &spans, &resolved, "Ford").collect();
    assert_eq!(ford, [&person("Henry Ford")]);
}

#[test]
fn hypernym_retyped_names_do_not_lend_surnames() {
    // "Goldman Sachs" is a bank here, so a bare "Sachs" is not a person's surname.
    let body = "Banks such as Goldman Sachs gained. Sachs said so.";
    let spans = tag(
        "",
        body,
        &[("Goldman Sachs", Person), ("Sachs", Organization)],
    );
    let resolved = resolve_article("", body, &spans);
    assert_eq!(
        resolved_as("", body, &spans, &resolved, "Goldman Sachs").next(),
        Some(&Resolved {
            kind: Organization,
            name: "Goldman Sachs".into()
        })
    );
    assert_eq!(
        resolved_as("", body, &spans, &resolved, "Sachs").next(),
        Some(&Resolved {
            kind: Organization,
            name: "Sachs".into()
        })
    );
}

#[test]
fn arbitrary_text_never_panics_and_names_are_never_empty() {
    let samples = [
        "",
        " ",
        "’s",
        "((IS)",
        "Dr.",
        "é (É)",
        "al-",
        "\u{a0}Mr\u{a0}X (MX)",
        "日本 (NHK) 放送協会 NHK",
        "ب (AB) الأسد",
        "A (AA) B ( ) ) (",
    ];
    for text in samples {
        let _ = canonical_name(Person, text);
        let _ = known_alias(text);
        // Every char-boundary span of the text.
        let bounds: Vec<usize> = text
            .char_indices()
            .map(|(i, _)| i)
            .chain([text.len()])
            .collect();
        let mut spans = Vec::new();
        for (a, &s) in bounds.iter().enumerate() {
            for &e in &bounds[a + 1..] {
                for kind in [Person, Organization] {
                    spans.push(Found {
                        field: Field::Body,
                        start_byte: s,
                        end_byte: e,
                        kind,
                    });
                    spans.push(Found {
                        field: Field::Title,
                        start_byte: s,
                        end_byte: e,
                        kind,
                    });
                }
            }
        }
        let resolved = resolve_article(text, text, &spans);
        assert_eq!(resolved.len(), spans.len());
        for (span, r) in spans.iter().zip(&resolved) {
            let surface = &text[span.start_byte..span.end_byte];
            assert!(!r.name.is_empty(), "empty name for {surface:?} in {text:?}");
        }
    }
}

proptest::proptest! {
    /// Any text, any char-boundary spans: one non-empty name per non-empty span, no panic.
    #[test]
    fn resolution_is_total_on_arbitrary_text(
        chars in proptest::collection::vec(proptest::prop_oneof![
            proptest::char::range('A', 'Z'),
            proptest::char::range('a', 'c'),
            proptest::sample::select(vec![' ', '(', ')', '.', '\'', '’', '-', 'é', '\u{a0}', '日', 'ب']),
        ], 0..40),
        cuts in proptest::collection::vec((0usize..41, 0usize..41, 0u8..4), 0..12),
    ) {
        let text: String = chars.into_iter().collect();
        let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let spans: Vec<Found> = cuts
            .into_iter()
            .filter_map(|(a, b, k)| {
                let (s, e) = (*bounds.get(a.min(b))?, *bounds.get(a.max(b))?);
                (s < e).then_some(Found {
                    field: if k % 2 == 0 { Field::Title } else { Field::Body },
                    start_byte: s,
                    end_byte: e,
                    kind: EntityKind::ALL[usize::from(k)],
                })
            })
            .collect();
        let resolved = resolve_article(&text, &text, &spans);
        proptest::prop_assert_eq!(resolved.len(), spans.len());
        for r in &resolved {
            proptest::prop_assert!(!r.name.is_empty());
        }
    }
}
