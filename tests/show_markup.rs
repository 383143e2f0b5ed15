//! `newsdb show` markup (issue 12 #22): outside a terminal each mention is written
//! `⟦surface|kind⟧`, which cannot be confused with the text's own brackets (the seed
//! ends with "[en anglais]"): decoding the output gives back the article's exact text
//! and exactly its mentions. `--color always` colours by kind instead.

mod common;

use common::{newsdb, scalar, seeds};

const SEED: &str = "000_74746990a53cdcfb";

/// Decodes one line of the plain form: the text without markup, and the mentions as
/// (surface, kind).
fn decode(line: &str) -> (String, Vec<(String, String)>) {
    let mut text = String::new();
    let mut mentions = Vec::new();
    let mut chars = line.chars();
    let mut inside: Option<String> = None;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().expect("an escape escapes something");
                assert!(matches!(next, '⟦' | '⟧' | '\\'), "escaped {next:?}");
                inside.as_mut().unwrap_or(&mut text).push(next);
            }
            '⟦' => {
                assert!(inside.is_none(), "nested markup in {line}");
                inside = Some(String::new());
            }
            '⟧' => {
                let mark = inside.take().expect("a closing mark closes one");
                let (surface, kind) = mark.rsplit_once('|').expect("surface|kind");
                text.push_str(surface);
                mentions.push((surface.to_string(), kind.to_string()));
            }
            c => inside.as_mut().unwrap_or(&mut text).push(c),
        }
    }
    assert!(inside.is_none(), "unclosed markup in {line}");
    (text, mentions)
}

#[test]
fn show_marks_mentions_unambiguously_outside_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let out = newsdb(&db).args(["show", SEED]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains('\x1b'), "no colour into a pipe");
    assert!(stdout.contains("⟦Bashar al-Assad|person⟧"), "{stdout}");
    assert!(stdout.contains("⟦Tehran|location⟧"), "{stdout}");
    // The text's own brackets are left as they are, and are not markup.
    assert!(stdout.contains("formulaire [en anglais]."), "{stdout}");

    // Decoded, the title and each paragraph are the stored text, one line each (no
    // wrapping outside a terminal), and the mentions are all the article's.
    let file = std::fs::read_to_string(seeds().join(format!("{SEED}.txt"))).unwrap();
    let expected: Vec<&str> = file
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let lines: Vec<&str> = stdout.lines().collect();
    let mut decoded = vec![decode(lines[0])];
    // Title, the metadata line, a blank line, then each paragraph and a blank line.
    for paragraph in lines[3..].chunks(2).take(expected.len() - 1) {
        assert_eq!(paragraph.get(1).copied(), Some(""), "{paragraph:?}");
        decoded.push(decode(paragraph[0]));
    }
    let texts: Vec<&str> = decoded.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, expected);
    let marked = decoded.iter().map(|(_, m)| m.len() as i64).sum::<i64>();
    assert_eq!(marked, scalar(&db, "SELECT COUNT(*) FROM mentions"));
    assert!(decoded.iter().flat_map(|(_, m)| m).all(|(_, kind)| [
        "person",
        "organization",
        "location",
        "misc"
    ]
    .contains(&kind.as_str())));
    // `--color never` is the same plain form.
    let never = newsdb(&db)
        .args(["show", SEED, "--color", "never"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(never.stdout).unwrap(), stdout);
}

#[test]
fn show_colours_mentions_by_kind_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let out = newsdb(&db)
        .args(["show", SEED, "--color", "always"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    // Person cyan, location yellow; no plain markup beside the colours.
    assert!(
        stdout.contains("\x1b[1;36mBashar\x1b[0m \x1b[1;36mal-Assad\x1b[0m"),
        "{stdout}"
    );
    assert!(stdout.contains("\x1b[1;33mTehran\x1b[0m"), "{stdout}");
    assert!(!stdout.contains('⟦'));
    assert!(stdout.contains("[en anglais]"));
    // NO_COLOR does not override an explicit --color always, and auto into a pipe
    // stays plain.
    let auto = newsdb(&db).args(["show", SEED]).output().unwrap();
    assert!(!String::from_utf8(auto.stdout).unwrap().contains('\x1b'));
}
