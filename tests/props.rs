//! Property tests: arbitrary Unicode through the tokenizer, the NER model and the
//! store keeps every span exact; what is stored reads back as given (normalised the
//! way the loader normalises it); importing the same articles again changes nothing.

use newsdb::load::records::normalize_body;
use newsdb::load::text::parse_text;
use newsdb::ner::{tokenize, Model};
use newsdb::{Field, ImportOptions, NewArticle, Store};
use proptest::prelude::*;

/// Text that looks like news often enough to yield entities, mixed with anything.
fn newsy_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        4 => prop::sample::select(vec![
            "Bashar", "al-Assad", "Tehran", "United", "Nations", "said", "the", "in",
            "Zürich", "Москва", "東京", "São", "Paulo", "Reuters", "BBC", "U.S.", "Mr.",
            "Ångström", "🇺🇸", "👩‍👩‍👧", "e\u{301}", "\u{200d}", "\u{feff}", "مرحبا", "שלום",
            "\u{202e}", ",", ".", "\"", "'s", "-", "\t", "\n", "\r\n", "  ",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[A-Z][a-z]{1,8}",
    ];
    prop::collection::vec(word, 0..40).prop_map(|ws| ws.join(" "))
}

/// Offsets that slice `text` and agree with each other as chars and bytes.
fn assert_span(text: &str, sb: usize, eb: usize, sc: usize, ec: usize) {
    assert!(sb < eb && eb <= text.len(), "{sb}..{eb} in {}", text.len());
    assert!(text.is_char_boundary(sb) && text.is_char_boundary(eb));
    assert_eq!(text[..sb].chars().count(), sc, "start char of {sb}");
    assert_eq!(text[sb..eb].chars().count(), ec - sc, "char length");
    let by_chars: String = text.chars().skip(sc).take(ec - sc).collect();
    assert_eq!(by_chars, &text[sb..eb]);
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn tokens_are_exact_slices_on_char_boundaries(text in newsy_text()) {
        let mut last_end = 0;
        for t in tokenize(&text) {
            assert_span(&text, t.start_byte, t.end_byte, t.start_char, t.end_char);
            prop_assert!(t.start_byte >= last_end, "tokens do not overlap");
            prop_assert_eq!(t.text(&text), &text[t.start_byte..t.end_byte]);
            last_end = t.end_byte;
        }
    }

    #[test]
    fn extracted_spans_are_exact_slices(text in newsy_text()) {
        for s in Model::embedded().extract(&text) {
            assert_span(&text, s.start_byte, s.end_byte, s.start_char, s.end_char);
            prop_assert!((0.0..=1.0).contains(&s.confidence));
        }
    }

    #[test]
    fn stored_mentions_keep_the_span_invariant_and_reimport_is_idempotent(
        articles in prop::collection::vec((newsy_text(), newsy_text()), 1..4)
    ) {
        let input: Vec<NewArticle> = articles
            .iter()
            .enumerate()
            .map(|(i, (title, body))| NewArticle {
                external_id: format!("p-{i}"),
                title: format!("{} {i}", title.split_whitespace().collect::<Vec<_>>().join(" "))
                    .trim()
                    .to_string(),
                body: normalize_body(&format!("{body}\nParagraph {i}.")),
                ..Default::default()
            })
            .collect();
        // NUL characters are refused (SQLite's substr stops at them).
        let has_nul = |a: &NewArticle| a.title.contains('\0') || a.body.contains('\0');
        let refused = input.iter().filter(|a| has_nul(a)).count() as u64;
        let mut store = Store::open_in_memory().unwrap();
        let opts = ImportOptions { jobs: 1, ..ImportOptions::default() };
        let first = store.import_articles(input.clone(), &opts).unwrap();
        prop_assert_eq!(first.failed, refused);
        prop_assert_eq!(first.inserted + first.duplicates + refused, input.len() as u64);
        let problems = store.check().unwrap();
        prop_assert!(problems.is_empty(), "{:?}", problems);

        for a in &input {
            let Some(stored) = store.article_by_external_id(&a.external_id).unwrap() else {
                prop_assert!(has_nul(a), "{:?} was not stored", a.external_id);
                continue;
            };
            prop_assert_eq!(&stored.title, &a.title);
            prop_assert_eq!(&stored.body, &a.body);
            for m in store.mentions_of_article(stored.id).unwrap() {
                let text = match m.field { Field::Title => &stored.title, Field::Body => &stored.body };
                assert_span(text, m.start_byte as usize, m.end_byte as usize,
                            m.start_char as usize, m.end_char as usize);
                prop_assert_eq!(&text[m.start_byte as usize..m.end_byte as usize], m.surface.as_str());
            }
        }

        let before = store.counts().unwrap();
        let second = store.import_articles(input.clone(), &opts).unwrap();
        prop_assert_eq!(second.inserted, 0);
        prop_assert_eq!(second.updated, 0);
        prop_assert_eq!(second.unchanged, first.inserted);
        prop_assert_eq!(second.duplicates, first.duplicates);
        prop_assert_eq!(second.failed, refused);
        prop_assert_eq!(second.mentions, 0);
        let after = store.counts().unwrap();
        prop_assert_eq!(
            (before.articles, before.entities, before.mentions, before.aliases),
            (after.articles, after.entities, after.mentions, after.aliases)
        );
    }

    #[test]
    fn a_text_file_parses_to_its_trimmed_lines(
        title in "[^\r\n]{0,30}",
        lines in prop::collection::vec("[^\r\n]{0,40}", 0..6),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut file = String::new();
        if bom { file.push('\u{feff}'); }
        file.push_str(&title);
        for l in &lines { file.push_str(eol); file.push_str(l); }
        // What the loader promises: lines trimmed, blank ones dropped, the first is the title.
        let kept: Vec<String> = file
            .strip_prefix('\u{feff}')
            .unwrap_or(&file)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        match parse_text(file.as_bytes(), "p.txt", "p") {
            Ok(a) => {
                prop_assert!(kept.len() >= 2);
                prop_assert_eq!(&a.title, &kept[0]);
                prop_assert_eq!(a.body, kept[1..].join("\n"));
            }
            Err(e) => prop_assert!(kept.len() < 2, "{} for {:?}", e, file),
        }
    }

    #[test]
    fn a_text_article_reads_back_from_the_store_as_parsed(
        title in "[^\r\n]{1,30}",
        lines in prop::collection::vec(newsy_text(), 1..5),
    ) {
        let file = format!("{title}\n{}", lines.join("\n"));
        let Ok(parsed) = parse_text(file.as_bytes(), "p.txt", "p") else {
            return Ok(()); // blank title or body: covered by the test above
        };
        let mut store = Store::open_in_memory().unwrap();
        let opts = ImportOptions { jobs: 1, ..ImportOptions::default() };
        let report = store.import_articles(vec![parsed.clone()], &opts).unwrap();
        let stored = store.article_by_external_id("p").unwrap();
        if parsed.title.contains('\0') || parsed.body.contains('\0') {
            prop_assert_eq!(report.failed, 1);
            prop_assert!(stored.is_none());
            return Ok(());
        }
        let stored = stored.expect("stored");
        prop_assert_eq!(&stored.title, &parsed.title);
        prop_assert_eq!(&stored.body, &parsed.body);
        prop_assert_eq!(normalize_body(&stored.body), stored.body.clone());
        prop_assert_eq!(stored.content_hash, parsed.content_hash());
        let problems = store.check().unwrap();
        prop_assert!(problems.is_empty(), "{:?}", problems);
    }
}
