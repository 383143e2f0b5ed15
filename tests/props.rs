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

/// A whitespace-only line: blank once trimmed.
fn blank_line() -> impl Strategy<Value = String> {
    "[ \t]{0,3}"
}

/// One line of a generated seed-format file.
#[derive(Debug, Clone)]
struct FileLine {
    /// Blank lines before it.
    blanks: Vec<String>,
    /// Whitespace before and after the content.
    padding: (String, String),
    /// Never blank, no whitespace at either end, no line break, no BOM.
    content: String,
    /// CRLF rather than LF after it (and after its blank lines).
    crlf: bool,
}

impl FileLine {
    fn render(&self, out: &mut String) {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        for b in &self.blanks {
            out.push_str(b);
            out.push_str(eol);
        }
        out.push_str(&self.padding.0);
        out.push_str(&self.content);
        out.push_str(&self.padding.1);
        out.push_str(eol);
    }
}

fn file_line() -> impl Strategy<Value = FileLine> {
    (
        prop::collection::vec(blank_line(), 0..3),
        ("[ \t]{0,2}", "[ \t]{0,2}"),
        "[^\\s\u{feff}]([^\r\n\u{feff}]{0,30}[^\\s\u{feff}])?",
        any::<bool>(),
    )
        .prop_map(|(blanks, padding, content, crlf)| FileLine {
            blanks,
            padding,
            content,
            crlf,
        })
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

    /// The documented seed format (README, `src/load/text.rs`): the first non-empty line
    /// is the title, each following non-empty line a paragraph; lines are trimmed,
    /// blank ones dropped, LF or CRLF, a UTF-8 BOM accepted. The file is built from
    /// the expected title and paragraphs, so the oracle is the generator itself.
    #[test]
    fn a_text_file_parses_as_documented(
        title in file_line(),
        paragraphs in prop::collection::vec(file_line(), 0..6),
        trailing in prop::collection::vec(blank_line(), 0..3),
        bom in any::<bool>(),
    ) {
        let mut file = String::new();
        if bom { file.push('\u{feff}'); }
        for line in std::iter::once(&title).chain(&paragraphs) {
            line.render(&mut file);
        }
        for blank in &trailing { file.push_str(blank); file.push('\n'); }
        match parse_text(file.as_bytes(), "p.txt", "p") {
            Ok(a) => {
                prop_assert!(!paragraphs.is_empty(), "{:?} parsed without a paragraph", file);
                prop_assert_eq!(&a.title, &title.content);
                let body: Vec<&str> = paragraphs.iter().map(|l| l.content.as_str()).collect();
                prop_assert_eq!(a.body, body.join("\n"));
            }
            Err(e) => prop_assert!(paragraphs.is_empty(), "{} for {:?}", e, file),
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

/// Article hashes pinned to values computed outside this code: `content_hash` is
/// blake3 over the title's byte length (u64, little-endian), the title and the body.
/// Each value came from the `b3sum` tool (1.2.0, Debian package; checked against the
/// BLAKE3 test vector for empty input, af1349b9...3262) fed those bytes by Python:
/// `python3 -c 'import struct,sys; t="Title".encode(); b="One.\nTwo.".encode();
/// sys.stdout.buffer.write(struct.pack("<Q", len(t)) + t + b)' | b3sum`.
/// A change to the hash would make every stored article look changed on re-import.
#[test]
fn content_hash_matches_independently_computed_blake3_values() {
    let hash = |title: &str, body: &str| {
        NewArticle {
            title: title.into(),
            body: body.into(),
            ..Default::default()
        }
        .content_hash()
    };
    let known = [
        (
            "Title",
            "One.\nTwo.",
            "4c544a147c759b8a01cd104e58fedf9e3263eae804014dfb27f2889beea0be6b",
        ),
        (
            "Zoë in Zürich",
            "Zoë visited Zürich.\nShe liked it.",
            "89f65944db872037c22c9fb5b2564baa50492d8a3acb7b4596b51b667fc26b24",
        ),
        // Moving text between title and body changes the hash.
        (
            "ab",
            "c",
            "6be7040d8b39c8af58301d73c82c81ca14058dfb5c4ad7d9990113dd56e67ad9",
        ),
        (
            "a",
            "bc",
            "459d2c485143766658f1d6eb529aff39175164a0793c2a12e038a8d9386ceb96",
        ),
        (
            "",
            "",
            "71e0a99173564931c0b8acc52d2685a8e39c64dc52e3d02390fdac2a12b155cb",
        ),
    ];
    for (title, body, want) in known {
        assert_eq!(hash(title, body), want, "{title:?} / {body:?}");
    }
    // A file in the seed format carries the hash of its title and paragraphs.
    let parsed = parse_text(b"\xEF\xBB\xBFTitle\r\n\r\n  One.\r\nTwo.\r\n", "f.txt", "f").unwrap();
    assert_eq!(parsed.content_hash(), known[0].2);
}
