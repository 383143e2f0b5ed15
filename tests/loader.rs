//! The loader through the real binary: formats, bad input, idempotency, updates,
//! duplicates, dry runs and strict rollback.

mod common;

use std::io::Write;
use std::path::Path;

use common::{newsdb, scalar, seeds};
use predicates::prelude::*;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const PARA: &str = "The central bank raised interest rates on Thursday, saying inflation had stayed too high for too long.";

/// external_id, title, source, published_at, body.
type StoredRow = (String, String, Option<String>, Option<String>, String);

fn counts(db: &Path) -> (i64, i64, i64) {
    (
        scalar(db, "SELECT COUNT(*) FROM articles"),
        scalar(db, "SELECT COUNT(*) FROM paragraphs"),
        scalar(db, "SELECT COUNT(*) FROM mentions"),
    )
}

#[test]
fn a_mixed_directory_imports_every_good_record_and_records_every_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(
        &input,
        "a_lf.txt",
        format!("Title A\n\n{PARA}\nSecond paragraph.\n").as_bytes(),
    );
    write(
        &input,
        "b_crlf.txt",
        format!("Title B\r\n\r\n{PARA} B\r\n").as_bytes(),
    );
    write(
        &input,
        "c_bom.txt",
        format!("\u{feff}Title C\n{PARA} C\n").as_bytes(),
    );
    write(&input, "d_empty.txt", b"");
    write(&input, "e_title_only.txt", b"Just a title\n\n");
    write(
        &input,
        "f_bad_utf8.txt",
        b"Title F\nGood start \xff\xfe bad bytes\n",
    );
    write(
        &input,
        "g.jsonl",
        format!(
            "{{\"id\": \"j1\", \"title\": \"J one\", \"body\": \"{PARA} J1\"}}\n\
             {{\"id\": \"j2\", \"title\": \"J two\", \"body\": \n\
             [1, 2, 3]\n\
             {{\"id\": \"j4\", \"title\": \"J four\"}}\n\
             \n\
             {{\"id\": \"j6\", \"title\": \"J six\", \"text\": \"{PARA} J6\", \"published\": \"2018-02-25\"}}\n"
        )
        .as_bytes(),
    );
    let db = dir.path().join("news.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(&input)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("d_empty.txt")
                .and(predicate::str::contains("e_title_only.txt"))
                .and(predicate::str::contains("f_bad_utf8.txt"))
                .and(predicate::str::contains("byte 19"))
                .and(predicate::str::contains("g.jsonl, line 2"))
                .and(predicate::str::contains("g.jsonl, line 3"))
                .and(predicate::str::contains("g.jsonl, line 4")),
        );
    let ids: Vec<String> = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut s = conn
            .prepare("SELECT external_id FROM articles ORDER BY external_id")
            .unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(ids, ["a_lf", "b_crlf", "c_bom", "j1", "j6"]);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM import_errors WHERE severity = 'error'"
        ),
        6
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM import_errors WHERE origin LIKE '%g.jsonl' AND record = 'line 3'"
        ),
        1
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE external_id = 'c_bom' AND title = 'Title C'"
        ),
        1
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE published_at = '2018-02-25'"
        ),
        1
    );

    // Importing again changes nothing (and reports the same bad records).
    let before = counts(&db);
    newsdb(&db)
        .arg("import")
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("0 inserted"));
    assert_eq!(counts(&db), before);
}

#[test]
fn every_structured_format_and_gzip_and_stdin_import() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(
        &input,
        "a.json",
        format!(r#"[{{"id": 1, "title": "Json one", "body": "{PARA} 1", "source": "Wire", "unknown": true}}]"#).as_bytes(),
    );
    write(
        &input,
        "b.csv",
        format!("id,title,body,published\nc1,Csv one,\"{PARA}, quoted \"\"x\"\"\nsecond line\",26-FEB-1987 15:01:01.79\n").as_bytes(),
    );
    write(
        &input,
        "c.tsv",
        format!("id\ttitle\ttext\nt1\tTsv one\t{PARA} t\n").as_bytes(),
    );
    write(
        &input,
        "d.jsonl.gz",
        &gz(
            format!("{{\"id\": \"z1\", \"title\": \"Gz one\", \"body\": \"{PARA} z\"}}\n")
                .as_bytes(),
        ),
    );
    write(
        &input,
        "e.txt.gz",
        &gz(format!("Gz text\n{PARA} e\n").as_bytes()),
    );
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(&input).assert().success();
    newsdb(&db)
        .args(["import", "-", "--input-format", "jsonl"])
        .write_stdin(format!(
            "{{\"id\": \"s1\", \"title\": \"Stdin one\", \"body\": \"{PARA} s\"}}\n"
        ))
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut s = conn
        .prepare("SELECT external_id, title, source, published_at, body FROM articles ORDER BY external_id")
        .unwrap();
    let rows: Vec<StoredRow> = s
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(ids, ["1", "c1", "e", "s1", "t1", "z1"]);
    assert_eq!(rows[0].2.as_deref(), Some("Wire"));
    assert_eq!(rows[1].3.as_deref(), Some("1987-02-26T15:01:01.790"));
    assert_eq!(rows[1].4, format!("{PARA}, quoted \"x\"\nsecond line"));
    assert_eq!(rows[2].1, "Gz text");
}

#[test]
fn stdin_starting_with_a_brace_is_json_lines_and_other_stdin_one_text_article() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    // No --input-format: a blank line and a byte-order mark before the first `{` still
    // make it JSON Lines, as `cat items.jsonl | newsdb import -` needs.
    newsdb(&db)
        .args(["import", "-", "--json"])
        .write_stdin(format!(
            "\u{feff}\n{{\"id\": \"wire-1\", \"title\": \"First\", \"body\": \"{PARA} 1\"}}\n\
             {{\"id\": \"wire-2\", \"title\": \"Second\", \"body\": \"{PARA} 2\"}}\n"
        ))
        .assert()
        .success();
    let ids = |db: &Path| -> Vec<(String, String)> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut s = conn
            .prepare("SELECT external_id, title FROM articles ORDER BY id")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        ids(&db),
        [
            ("wire-1".to_string(), "First".to_string()),
            ("wire-2".to_string(), "Second".to_string())
        ]
    );
    // Text whose first line is not an object stays one article, titled by that line.
    let text_db = dir.path().join("text.sqlite");
    newsdb(&text_db)
        .args(["import", "-"])
        .write_stdin(format!("\n A {{braced}} title\n{PARA}\n"))
        .assert()
        .success();
    let stored = ids(&text_db);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].1, "A {braced} title");
}

#[test]
fn an_export_imports_back_under_its_own_external_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    for ext in ["csv", "jsonl", "json", "tsv"] {
        let out = dir.path().join(format!("export.{ext}"));
        newsdb(&db)
            .args(["export", "articles", "--out"])
            .arg(&out)
            .assert()
            .success();
        // The export's `id` is the row id; its `external_id` must be the one kept.
        let copy = dir.path().join(format!("copy-{ext}.sqlite"));
        newsdb(&copy).arg("import").arg(&out).assert().success();
        let conn = rusqlite::Connection::open(&copy).unwrap();
        let ids: Vec<String> = conn
            .prepare("SELECT external_id FROM articles")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(ids, ["000_74746990a53cdcfb"], "{ext}");
    }
}

#[test]
fn changed_content_updates_the_article_and_its_search_index() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("story.txt");
    std::fs::write(&f, format!("Old title\n{PARA}\n")).unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(&f).assert().success();
    std::fs::write(
        &f,
        "New title\nThe zeppelin landed in Paris, where Emmanuel Macron greeted it.\n",
    )
    .unwrap();
    newsdb(&db)
        .arg("import")
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains("1 updated"));
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'zeppelin'"
        ),
        1
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'inflation'"
        ),
        0
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM paragraphs"), 1);
    // Mentions come from the new text only, and every one satisfies the invariant.
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM mentions m JOIN articles a ON a.id = m.article_id
                     WHERE m.field = 'body' AND m.surface <> substr(a.body, m.start_char + 1, m.end_char - m.start_char)"),
        0
    );
    assert!(scalar(&db, "SELECT COUNT(*) FROM mentions WHERE surface = 'Paris'") >= 1);
    // The co-occurrence unit counts followed the replaced mentions.
    newsdb(&db).arg("check").assert().success();
}

#[test]
fn duplicates_are_skipped_unless_kept() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(&input, "one.txt", format!("Same\n{PARA}\n").as_bytes());
    write(&input, "two.txt", format!("Same\n{PARA}\n").as_bytes());
    let db = dir.path().join("news.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(&input)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("duplicate of article \"one\"")
                .and(predicate::str::contains("1 duplicates")),
        );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
    newsdb(&db)
        .arg("import")
        .arg("--keep-duplicates")
        .arg(&input)
        .assert()
        .success();
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 2);
}

#[test]
fn dry_run_writes_nothing_and_strict_rolls_everything_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write(&input, "a.txt", format!("A\n{PARA}\n").as_bytes());
    write(&input, "b.txt", b"title only\n");
    write(&input, "c.txt", format!("C\n{PARA} c\n").as_bytes());
    let db = dir.path().join("news.sqlite");

    let out = newsdb(&db)
        .args(["import", "--dry-run", "--json"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["inserted"], 2);
    assert_eq!(report["failed"], 1);
    assert_eq!(report["rolled_back"], true);
    // Not even the schema of a new file is written.
    assert!(!db.exists());

    newsdb(&db)
        .args(["import", "--strict"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("b.txt")
                .and(predicate::str::contains("--strict"))
                // It says that it holds the write lock for the whole run.
                .and(predicate::str::contains("one transaction")),
        );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 0);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM imports"), 0);
}

#[test]
fn oversized_records_are_refused_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let big = "word ".repeat(400);
    write(
        &input,
        "a.jsonl",
        format!(
            "{{\"id\": \"big\", \"title\": \"Big\", \"body\": \"{big}\"}}\n{{\"id\": \"small\", \"title\": \"Small\", \"body\": \"{PARA}\"}}\n"
        )
        .as_bytes(),
    );
    let db = dir.path().join("news.sqlite");
    newsdb(&db)
        .args(["import", "--max-record-bytes", "1000"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("line 1").and(predicate::str::contains("--max-record-bytes")),
        );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE external_id = 'small'"
        ),
        1
    );
}

#[test]
fn the_seeds_french_notice_is_boilerplate_and_not_extracted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM paragraphs"), 13);
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM paragraphs WHERE boilerplate = 1"),
        1
    );
    assert_eq!(
        scalar(&db, "SELECT idx FROM paragraphs WHERE boilerplate = 1"),
        12
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT language = 'fra' FROM paragraphs WHERE idx = 12"
        ),
        1
    );
    assert_eq!(scalar(&db, "SELECT language = 'eng' FROM articles"), 1);
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM mentions WHERE paragraph = 12"),
        0
    );
}

#[test]
fn repeated_paragraphs_of_one_source_become_boilerplate() {
    let dir = tempfile::tempdir().unwrap();
    let notice = "Copyright Example Wire. All rights reserved. Contact the Example Wire desk in London for reuse.";
    let mut lines = String::new();
    for i in 0..6 {
        lines.push_str(&format!(
            "{{\"id\": \"w{i}\", \"source\": \"Example Wire\", \"title\": \"Story {i}\", \"body\": \"{PARA} Story number {i}.\\n{notice}\"}}\n"
        ));
    }
    let f = dir.path().join("wire.jsonl");
    std::fs::write(&f, lines).unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(&f).assert().success();
    // Once the notice has been seen in enough articles, every copy is flagged and
    // none keeps mentions from it.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM paragraphs WHERE idx = 1 AND boilerplate = 1"
        ),
        6
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM mentions WHERE paragraph = 1"),
        0
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM paragraphs WHERE idx = 0 AND boilerplate = 1"
        ),
        0
    );
}

#[test]
fn files_of_the_same_name_in_different_folders_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    for sub in ["business", "politics"] {
        std::fs::create_dir_all(input.join(sub)).unwrap();
        write(
            &input.join(sub),
            "001.txt",
            format!("A {sub} story\n{PARA} ({sub})\n").as_bytes(),
        );
    }
    write(&input, "top.txt", format!("Top\n{PARA} (top)\n").as_bytes());
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(&input).assert().success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut s = conn
        .prepare("SELECT external_id FROM articles ORDER BY external_id")
        .unwrap();
    let ids: Vec<String> = s
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids, ["business/001", "politics/001", "top"]);
    // Importing again is a no-op, not a flip between the two.
    newsdb(&db)
        .arg("import")
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains("3 unchanged"));
    newsdb(&db)
        .args(["show", "politics/001"])
        .assert()
        .success();
}

#[test]
fn the_same_external_id_twice_in_one_batch_keeps_the_last_version() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // `x.txt` and `x.txt.gz` would both be the article "x": two files never share an
    // id, so the first (in sorted order) is imported and the other refused (issue 14
    // #14). The two records of `a.jsonl` are one batch's two versions of "a".
    write(
        &input,
        "x.txt",
        b"Blair visits Paris\n\nTony Blair met Jacques Chirac in Paris on Monday to talk about Iraq.\n",
    );
    write(
        &input,
        "x.txt.gz",
        &gz(b"Blair visits Berlin\n\nTony Blair met Gerhard Schroeder in Berlin on Tuesday to talk about Iran.\n"),
    );
    let jsonl = "{\"id\": \"a\", \"title\": \"Brown in Washington\", \"body\": \"The chancellor Gordon Brown met Alan Greenspan in Washington on Monday to talk about the economy.\"}\n\
                 {\"id\": \"a\", \"title\": \"Brown in New York\", \"body\": \"The chancellor Gordon Brown met Kofi Annan in New York on Tuesday to talk about the economy.\"}\n";
    write(&input, "a.jsonl", jsonl.as_bytes());
    for extract in [true, false] {
        let db = dir.path().join(format!("news-{extract}.sqlite"));
        let mut cmd = newsdb(&db);
        cmd.arg("import").arg(&input);
        if !extract {
            cmd.arg("--no-extract");
        }
        cmd.assert().code(1).stderr(predicate::str::contains(
            "x.txt.gz would have the external id \"x\"",
        ));
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 2);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let body = |id: &str| -> String {
            conn.query_row(
                "SELECT body FROM articles WHERE external_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert!(body("x").contains("Chirac"), "{}", body("x"));
        assert!(body("a").contains("Kofi Annan"), "{}", body("a"));
        if extract {
            // Only the last version's entities are mentioned, once each.
            let names: Vec<String> = conn
                .prepare(
                    "SELECT e.name FROM mentions m JOIN entities e ON e.id = m.entity_id
                     JOIN articles a ON a.id = m.article_id
                     WHERE a.external_id = 'a' AND m.field = 'body' ORDER BY m.start_char",
                )
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(names, ["Gordon Brown", "Kofi Annan", "New York"]);
        }
        newsdb(&db).arg("check").assert().success();
    }
}

#[test]
fn a_changed_url_or_date_updates_in_place_and_a_changed_source_re_extracts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let body = "Tony Blair met Jacques Chirac in Paris on Monday to talk about trade.";
    let record = |published: &str, source: &str| {
        serde_json::json!({
            "id": "m1", "title": "Leaders meet", "body": body,
            "published": published, "url": "https://example.com/m1", "source": source,
        })
        .to_string()
    };
    let file = dir.path().join("m.jsonl");
    let import = |line: String| -> serde_json::Value {
        std::fs::write(&file, line + "\n").unwrap();
        let out = newsdb(&db)
            .args(["import", "--json"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let first = import(record("2005-01-01", "bbc"));
    assert_eq!(first["inserted"], 1);
    let mentions = scalar(&db, "SELECT COUNT(*) FROM mentions");
    assert!(mentions >= 3, "{mentions} mentions");
    let max_id = scalar(&db, "SELECT MAX(id) FROM mentions");

    // Only the date changed: an update, the mentions untouched (same rows).
    let second = import(record("2005-02-03", "bbc"));
    assert_eq!(
        (second["updated"].as_u64(), second["unchanged"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE published_at LIKE '2005-02-03%'"
        ),
        1
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM mentions"), mentions);
    assert_eq!(scalar(&db, "SELECT MAX(id) FROM mentions"), max_id);
    assert_eq!(second["mentions"], 0, "nothing extracted again");

    // The same again: unchanged.
    let third = import(record("2005-02-03", "bbc"));
    assert_eq!(third["unchanged"], 1);

    // Another source decides which paragraphs are boilerplate: extracted again.
    let fourth = import(record("2005-02-03", "reuters"));
    assert_eq!(fourth["updated"], 1);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE source = 'reuters'"
        ),
        1
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM mentions"), mentions);
    assert_eq!(fourth["mentions"].as_i64(), Some(mentions));
}

#[test]
fn source_and_date_for_a_whole_import_and_sources_from_folders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("news");
    for folder in ["sport", "tech"] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        write(
            &root.join(folder),
            "001.txt",
            format!("{folder} story\n{PARA} ({folder})\n").as_bytes(),
        );
    }
    write(
        &root,
        "top.txt",
        format!("Top story\n{PARA} (top)\n").as_bytes(),
    );
    // A record that names its own source and date keeps them.
    write(
        &root,
        "feed.jsonl",
        format!(
            "{}\n",
            serde_json::json!({"id": "own", "title": "Own", "body": format!("{PARA} (own)"),
                "source": "reuters", "published": "2004-07-01"})
        )
        .as_bytes(),
    );
    let db = dir.path().join("news.sqlite");
    let stored = |db: &Path| -> Vec<(String, Option<String>, Option<String>)> {
        let conn = rusqlite::Connection::open(db).unwrap();
        let mut stmt = conn
            .prepare("SELECT external_id, source, published_at FROM articles ORDER BY external_id")
            .unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        rows.map(Result::unwrap).collect()
    };
    newsdb(&db)
        .args(["import", "-q", "--source-from-dir", "--source", "wire"])
        .args(["--published", "1 March 2005"])
        .arg(&root)
        .assert()
        .success();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        stored(&db),
        [
            ("own".into(), some("reuters"), some("2004-07-01")),
            ("sport/001".into(), some("sport"), some("2005-03-01")),
            ("tech/001".into(), some("tech"), some("2005-03-01")),
            ("top".into(), some("wire"), some("2005-03-01")),
        ]
    );
    // A date newsdb cannot read is refused before anything is imported.
    let other = dir.path().join("other.sqlite");
    newsdb(&other)
        .args(["import", "--published", "next tuesday"])
        .arg(&root)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("next tuesday"));
    assert!(!other.exists());
}

/// The counts of an import report that a dry run must predict.
fn predicted(report: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    [
        "inserted",
        "updated",
        "unchanged",
        "duplicates",
        "failed",
        "warnings",
        "not_english",
        "mentions",
    ]
    .iter()
    .map(|k| (k.to_string(), report[*k].clone()))
    .collect()
}

fn import_json(db: &Path, extra: &[&str], input: &Path) -> serde_json::Value {
    let out = newsdb(db)
        .args(["import", "--json", "--batch-size", "7"])
        .args(extra)
        .arg(input)
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_dry_run_predicts_the_import_and_takes_no_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    // Records of one source with a footer in each (boilerplate once four hold it),
    // a repeated id, a duplicate and a bad record; batches of 7 split them.
    let footer = "Copyright 2005 Example News. All rights reserved.";
    let stories = [
        "Tony Blair met Jacques Chirac in Paris on Monday.",
        "Gordon Brown spoke to the Treasury in London about the budget.",
        "Michael Howard said the Conservative Party would cut taxes.",
        "Microsoft and Google compete for search users in Seattle.",
        "The United Nations met in New York to discuss Iraq.",
        "Manchester United beat Arsenal at Old Trafford on Sunday.",
        "Kelly Holmes won gold for Britain in Athens.",
        "Vladimir Putin visited Berlin to meet Gerhard Schroeder.",
        "BP reported record profits in London and Houston.",
        "George W Bush spoke in Washington about Iran.",
    ];
    let record = |id: &str, body: &str| {
        let title: String = body.split(' ').take(4).collect::<Vec<_>>().join(" ");
        serde_json::json!({"id": id, "title": title,
            "body": format!("{body}\n{footer} Jack Straw"), "source": "example"})
        .to_string()
    };
    let mut lines: Vec<String> = stories
        .iter()
        .enumerate()
        .map(|(i, s)| record(&format!("s{i}"), s))
        .collect();
    let first = dir.path().join("first.jsonl");
    std::fs::write(&first, lines.join("\n") + "\n").unwrap();

    let dry = import_json(&db, &["--dry-run"], &first);
    assert!(!db.exists(), "a dry run on a new file creates nothing");
    let real = import_json(&db, &[], &first);
    assert_eq!(predicted(&dry), predicted(&real));
    assert_eq!(real["inserted"], 10);

    // Second run: changes, repeats, a duplicate and a bad line.
    lines[0] = record("s0", "Tony Blair met Jacques Chirac in Lyon on Tuesday.");
    lines.push(record("s1", stories[1])); // unchanged, repeated in the run
    lines.push(record("copy", stories[2])); // same content as s2: a duplicate
    lines.push(record(
        "new1",
        "Angela Merkel met Silvio Berlusconi in Rome.",
    ));
    lines.push(record(
        "new1",
        "Angela Merkel met Silvio Berlusconi in Milan.",
    ));
    lines.push("{not json".into());
    let second = dir.path().join("second.jsonl");
    std::fs::write(&second, lines.join("\n") + "\n").unwrap();
    let before = std::fs::read(&db).unwrap();

    // Another writer holds the write lock for the whole dry run: it still runs.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let dry = import_json(&db, &["--dry-run"], &second);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the dry run waited for the write lock"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert_eq!(dry["rolled_back"], true);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the dry run wrote nothing"
    );

    let real = import_json(&db, &[], &second);
    assert_eq!(predicted(&dry), predicted(&real));
    assert!(real["updated"].as_u64() >= Some(2), "{real}");
    assert_eq!(real["duplicates"], 1);
    assert_eq!(real["failed"], 1);
}

#[test]
fn import_extracted_refuses_records_that_do_not_match_their_text_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsdb(&dir.path().join("none.sqlite"))
        .args(["extract", "--quiet"])
        .arg(seeds())
        .output()
        .unwrap();
    assert!(out.status.success());
    let good: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mentions = good["mentions"].as_array().unwrap();
    assert!(mentions.len() > 40, "{} mentions", mentions.len());
    // Every mention's surface is the text it spans.
    for m in mentions {
        let field = m["field"].as_str().unwrap();
        let text = good[field].as_str().unwrap();
        let (s, e) = (
            m["start_byte"].as_u64().unwrap() as usize,
            m["end_byte"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[s..e], m["surface"].as_str().unwrap());
    }
    // A record whose mention was moved by a byte, one whose paragraph was cut, a
    // record of another format, and the good one under another id.
    let mut moved = good.clone();
    moved["external_id"] = "moved".into();
    let end = moved["mentions"][3]["end_byte"].as_u64().unwrap();
    moved["mentions"][3]["end_byte"] = (end - 1).into();
    let mut cut = good.clone();
    cut["external_id"] = "cut".into();
    cut["paragraphs"][0]["end_byte"] = 100_000.into();
    let mut renamed = good.clone();
    renamed["external_id"] = "renamed".into();
    let file = dir.path().join("extracted.jsonl");
    std::fs::write(
        &file,
        format!(
            "{moved}\n{cut}\n{}\n{renamed}\n",
            serde_json::json!({"id": "plain", "title": "T", "body": "B"})
        ),
    )
    .unwrap();
    let db = dir.path().join("news.sqlite");
    let out = newsdb(&db)
        .args(["import", "--extracted"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "line 1: mention",
        "does not match the text there",
        "line 2: paragraph 0 spans bytes",
        "line 3: not a record of `newsdb extract`",
        "3 failed",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE external_id = 'renamed'"
        ),
        1
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM mentions") as usize,
        mentions.len()
    );
    // The extractor of the file is recorded on each mention.
    assert_eq!(
        scalar(&db, "SELECT COUNT(DISTINCT extractor) FROM mentions"),
        1
    );
    newsdb(&db).arg("check").assert().success();
}

/// Inside a batch the writer indexes new articles for search when the batch ends; a
/// record that updates an article written earlier in the same batch must find it
/// indexed (the update takes the old text out of the index), and search must then
/// see the new text only.
#[test]
fn an_article_updated_later_in_its_own_batch_is_searched_by_its_new_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let lines = [
        serde_json::json!({"id": "a1", "title": "Zoo news", "body": "A zebra was born at the zoo on Monday."}),
        serde_json::json!({"id": "b1", "title": "Other news", "body": "The council met on Tuesday."}),
        serde_json::json!({"id": "a1", "title": "Zoo news", "body": "A giraffe was born at the zoo on Monday."}),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    write(dir.path(), "batch.jsonl", lines.as_bytes());
    newsdb(&db)
        .args(["import", "--quiet", "--no-extract"])
        .arg(dir.path().join("batch.jsonl"))
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .expect("the full-text index matches the articles");
    let hits = |word: &str| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?1",
            [word],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(hits("giraffe"), 1);
    assert_eq!(hits("zebra"), 0);
    assert_eq!(hits("council"), 1);
}
