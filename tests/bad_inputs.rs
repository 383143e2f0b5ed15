//! The hostile-input corpus: every file in `tests/data/bad/` (plus the big ones and
//! the symlinks made at test time) has an expected outcome, imported with N articles
//! or a recorded error naming what was wrong; good files beside them still import,
//! the database stays valid and a second import changes nothing.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::newsdb;
use predicates::prelude::*;
use rusqlite::Connection;

/// One input and what importing it must do.
struct Expect {
    /// Path under the input directory.
    file: &'static str,
    /// Articles stored from it.
    articles: i64,
    /// One substring per `import_errors` row of severity `error`, in order.
    errors: &'static [&'static str],
    /// Rows of severity `warning`.
    warnings: i64,
}

const fn ok(file: &'static str, articles: i64) -> Expect {
    Expect {
        file,
        articles,
        errors: &[],
        warnings: 0,
    }
}

const fn bad(file: &'static str, articles: i64, errors: &'static [&'static str]) -> Expect {
    Expect {
        file,
        articles,
        errors,
        warnings: 0,
    }
}

const MALFORMED: &str = "malformed JSON";
const NOT_OBJECT: &str = "expected a JSON object with title and body";
const NO_BODY: &str = "missing required field \"body\"";
const NO_TITLE: &str = "missing required field \"title\"";
const TOO_BIG: &str = "larger than --max-record-bytes (10485760)";
const DEEP: &str = "recursion limit exceeded";

/// Every input of the corpus and its outcome.
const EXPECTED: &[Expect] = &[
    // Encodings.
    bad("utf8_start.txt", 0, &["invalid UTF-8 at byte 0"]),
    bad("utf8_middle.txt", 0, &["invalid UTF-8 at byte 31"]),
    bad("utf8_end.txt", 0, &["invalid UTF-8 at byte 122"]),
    bad("utf16_bom.txt", 0, &["invalid UTF-8 at byte 0"]),
    bad(
        "utf16le_no_bom.txt",
        0,
        &["NUL character at byte 1 (is the input UTF-16?"],
    ),
    bad(
        "nul_bytes.txt",
        0,
        &["title contains a NUL character at byte 12"],
    ),
    bad("nul_escape.jsonl", 0, &["title contains a NUL character"]),
    bad(
        "bad_utf8_line.jsonl",
        1,
        &["invalid UTF-8 at byte 173 of the file"],
    ),
    bad(
        "bad_utf8_field.csv",
        1,
        &["invalid UTF-8 in column \"title\""],
    ),
    ok("bom_middle.txt", 1),
    ok("bom_start.jsonl", 2),
    ok("bom_line.jsonl", 2),
    ok("crlf.jsonl", 2),
    // Empty and nearly empty.
    bad("empty.txt", 0, &["empty file"]),
    bad("only_whitespace.txt", 0, &["empty file"]),
    bad("title_only.txt", 0, &["has no body"]),
    bad("empty.csv", 0, &["the header row has 0 column(s)"]),
    ok("header_only.csv", 0),
    bad("one_column.csv", 0, &["the header row has 1 column(s)"]),
    // Odd but valid text: stored as given, spans exact.
    ok("control_chars.txt", 1),
    ok("mixed_scripts.txt", 1),
    ok("right_to_left.txt", 1),
    ok("combining_emoji.txt", 1),
    ok("markup.txt", 1),
    ok("long_word.txt", 1),
    // JSON.
    ok("duplicate_keys.jsonl", 1),
    bad(
        "number_ids.jsonl",
        5,
        &["field \"id\" must be a string, not an array"],
    ),
    Expect {
        file: "bad_records.jsonl",
        articles: 1,
        errors: &[
            NO_BODY,
            NO_TITLE,
            "field \"title\" must be a string, not an object",
            MALFORMED,
            MALFORMED,
            MALFORMED,
            NOT_OBJECT,
            NOT_OBJECT,
            NO_TITLE,
            NO_BODY,
        ],
        warnings: 1,
    },
    bad("deep.jsonl", 1, &[DEEP]),
    bad("deep.json", 0, &[DEEP]),
    bad("deep_value.jsonl", 0, &[DEEP]),
    bad(
        "array_mixed.json",
        2,
        &[
            "found a number",
            "found a string",
            "found null",
            "found an array",
        ],
    ),
    bad("not_an_array.json", 0, &["not a JSON array of objects"]),
    // Read element by element: the complete record before the cut is imported.
    bad(
        "truncated.json",
        1,
        &["invalid JSON: EOF while parsing a string at line 1 column 177 (the records before"],
    ),
    // CSV and TSV.
    ok("embedded_newlines.csv", 2),
    bad(
        "wrong_field_count.csv",
        2,
        &[
            "row has 2 fields but the header has 3",
            "row has 5 fields but the header has 3",
        ],
    ),
    bad(
        "wrong_field_count.tsv",
        1,
        &["row has 2 fields but the header has 3"],
    ),
    // An unterminated quote runs to the end of the file: that row is refused (rows after
    // it would be inside its field), the rows before it import.
    bad(
        "unterminated_quote.csv",
        1,
        &["a quoted field of this row is never closed"],
    ),
    bad(
        "unterminated_mid.csv",
        0,
        &["never closed: it runs to the end of the file (3 line break(s) inside it"],
    ),
    // A stray quote in an unquoted field is kept as text.
    ok("stray_quote.csv", 2),
    // Compression.
    bad("not_gzip.txt.gz", 0, &["invalid gzip header"]),
    bad(
        "truncated.jsonl.gz",
        14,
        &["cannot read: incomplete deflate stream"],
    ),
    // Made at test time.
    ok("generated/good.txt.gz", 1),
    bad("generated/big_line.jsonl", 1, &[TOO_BIG]),
    // A 50 MB element between two good ones: the first is imported, the big one refused
    // once 10 MB of it were read (an array cannot be read past an element it skipped).
    bad("generated/big_element.json", 1, &[TOO_BIG]),
    bad("generated/big.txt", 0, &[TOO_BIG]),
    bad("generated/gone.txt", 0, &["cannot read file"]),
    ok("generated/loop/inside.txt", 1),
    // Good files beside the bad ones.
    ok("good/plain.txt", 1),
    ok("good/records.jsonl", 3),
];

const PARA: &str =
    "The Bank of England raised interest rates on Thursday, Governor Andrew Bailey said in London.";

/// Copies the committed corpus and adds what is too big or too odd to commit.
fn build_corpus(root: &Path) -> PathBuf {
    let input = root.join("in");
    std::fs::create_dir(&input).unwrap();
    let committed = common::repo().join("tests/data/bad");
    for e in std::fs::read_dir(&committed).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, input.join(p.file_name().unwrap())).unwrap();
    }

    let gen = input.join("generated");
    std::fs::create_dir(&gen).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(format!("A gzipped article\n{PARA} Gzip.\n").as_bytes())
        .unwrap();
    std::fs::write(gen.join("good.txt.gz"), gz.finish().unwrap()).unwrap();

    // A 50 MB record, as a single JSON line and as an array element between good ones:
    // the big record is refused, not loaded.
    let big_record = |path: PathBuf, before: &str, after: &str| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        f.write_all(before.as_bytes()).unwrap();
        f.write_all(b"{\"id\": \"big\", \"title\": \"Huge\", \"body\": \"")
            .unwrap();
        let chunk = "word ".repeat(1000);
        for _ in 0..(50 * 1024 * 1024 / chunk.len()) {
            f.write_all(chunk.as_bytes()).unwrap();
        }
        f.write_all(b"\"}").unwrap();
        f.write_all(after.as_bytes()).unwrap();
    };
    big_record(
        gen.join("big_line.jsonl"),
        "",
        &format!(
            "\n{{\"id\": \"after-big\", \"title\": \"After the big line\", \"body\": \"{PARA} Big.\"}}\n"
        ),
    );
    big_record(
        gen.join("big_element.json"),
        &format!(
            "[{{\"id\": \"before-big\", \"title\": \"Before the big element\", \"body\": \"{PARA} Before.\"}},\n"
        ),
        &format!(
            ",\n{{\"id\": \"after-big\", \"title\": \"After\", \"body\": \"{PARA} After.\"}}]\n"
        ),
    );
    let mut big = format!("A text file over the limit\n{PARA}\n").into_bytes();
    big.resize(11 * 1024 * 1024, b'x');
    std::fs::write(gen.join("big.txt"), big).unwrap();

    // A file removed during the walk: a link whose target is gone.
    std::os::unix::fs::symlink(gen.join("removed.txt"), gen.join("gone.txt")).unwrap();
    // A directory symlink loop, and a link to a directory: neither is followed.
    let lp = gen.join("loop");
    std::fs::create_dir(&lp).unwrap();
    std::fs::write(
        lp.join("inside.txt"),
        format!("Inside the loop\n{PARA} Loop.\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&lp, lp.join("again")).unwrap();
    std::os::unix::fs::symlink("..", lp.join("up")).unwrap();
    std::os::unix::fs::symlink(&gen, input.join("generated_link")).unwrap();
    // Ignored: hidden files and unknown extensions.
    std::fs::write(gen.join(".hidden.txt"), b"\xff\xfe not read").unwrap();
    std::fs::write(gen.join("README.md"), b"\xff\xfe not read").unwrap();

    let good = input.join("good");
    std::fs::create_dir(&good).unwrap();
    std::fs::write(
        good.join("plain.txt"),
        format!("A good plain article\n{PARA}\nA second paragraph about the European Union.\n"),
    )
    .unwrap();
    let records: String = (1..=3)
        .map(|i| {
            format!(
                "{{\"id\": \"good-{i}\", \"title\": \"Good record {i}\", \"body\": \"{PARA} Record {i}.\", \"published\": \"2019-0{i}-01\"}}\n"
            )
        })
        .collect();
    std::fs::write(good.join("records.jsonl"), records).unwrap();
    input
}

/// Input files the import will see (what the table must cover).
fn listed(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let md = std::fs::symlink_metadata(&p).unwrap();
        if name.starts_with('.') || name.ends_with(".md") {
            continue;
        }
        if md.is_dir() {
            listed(&p, base, out);
        } else if md.is_file() || std::fs::metadata(&p).is_err() {
            out.push(p.strip_prefix(base).unwrap().display().to_string());
        }
    }
}

fn data_counts(db: &Path) -> [i64; 5] {
    let conn = Connection::open(db).unwrap();
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM paragraphs),
                (SELECT COUNT(*) FROM entities), (SELECT COUNT(*) FROM mentions),
                (SELECT COUNT(*) FROM entity_aliases)",
        [],
        |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]),
    )
    .unwrap()
}

#[test]
fn every_hostile_input_has_its_expected_outcome_and_good_files_still_import() {
    let dir = tempfile::tempdir().unwrap();
    let input = build_corpus(dir.path());
    let db = dir.path().join("bad.sqlite");

    let mut files = Vec::new();
    listed(&input, &input, &mut files);
    files.sort();
    let mut covered: Vec<String> = EXPECTED.iter().map(|e| e.file.to_string()).collect();
    covered.sort();
    assert_eq!(files, covered, "the table covers exactly the corpus");
    assert!(files.len() >= 30, "{} inputs", files.len());

    newsdb(&db)
        .arg("import")
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("panicked").not());

    let conn = Connection::open(&db).unwrap();
    let mut report = Vec::new();
    for e in EXPECTED {
        let origin = input.join(e.file).display().to_string();
        let articles: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM articles WHERE origin = ?1",
                [&origin],
                |r| r.get(0),
            )
            .unwrap();
        let errors: Vec<String> = conn
            .prepare(
                "SELECT message FROM import_errors WHERE origin = ?1 AND severity = 'error'
                 ORDER BY id",
            )
            .unwrap()
            .query_map([&origin], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let warnings: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM import_errors WHERE origin = ?1 AND severity = 'warning'",
                [&origin],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(articles, e.articles, "{}: articles ({errors:?})", e.file);
        assert_eq!(errors.len(), e.errors.len(), "{}: {errors:?}", e.file);
        for (got, want) in errors.iter().zip(e.errors) {
            assert!(
                got.contains(want),
                "{}: {got:?} does not say {want:?}",
                e.file
            );
        }
        assert_eq!(warnings, e.warnings, "{}: warnings", e.file);
        report.push(format!(
            "{}: {} article(s), {} error(s)",
            e.file,
            articles,
            errors.len()
        ));
    }
    eprintln!("{} inputs:\n  {}", EXPECTED.len(), report.join("\n  "));

    // Nothing else was recorded: one row per bad record, no more.
    let expected_errors: usize = EXPECTED.iter().map(|e| e.errors.len()).sum();
    let expected_articles: i64 = EXPECTED.iter().map(|e| e.articles).sum();
    let rows: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM import_errors WHERE severity = 'error'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, expected_errors as i64);
    let failed: i64 = conn
        .query_row("SELECT failed FROM imports", [], |r| r.get(0))
        .unwrap();
    assert_eq!(failed, expected_errors as i64);
    assert_eq!(data_counts(&db)[0], expected_articles);

    // Odd text is stored exactly, with exact spans.
    let title: String = conn
        .query_row(
            "SELECT title FROM articles WHERE external_id = 'dupkey-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(title, "Second title wins");
    let ids: Vec<String> = conn
        .prepare(
            "SELECT external_id FROM articles WHERE origin LIKE '%number_ids.jsonl' ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    // A float id is written as a float; an integer too large for 64 bits keeps its digits.
    assert_eq!(
        &ids[..3],
        ["12345", "1500.0", "123456789012345678901234567890"]
    );
    let emoji_mentions: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM mentions m JOIN articles a ON a.id = m.article_id
             WHERE a.origin LIKE '%combining_emoji.txt'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(emoji_mentions > 0, "entities are found beside emoji");
    drop(conn);
    newsdb(&db).arg("check").assert().success();

    // Importing the same inputs again changes no data.
    let before = data_counts(&db);
    let out = newsdb(&db)
        .args(["import", "--json", "--quiet"])
        .arg(&input)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let again: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(again["inserted"], 0, "{again}");
    assert_eq!(again["updated"], 0, "{again}");
    assert_eq!(again["unchanged"], expected_articles, "{again}");
    assert_eq!(again["failed"], expected_errors as i64, "{again}");
    assert_eq!(data_counts(&db), before);
    newsdb(&db).arg("check").assert().success();
}

#[test]
fn a_big_line_is_refused_over_a_lowered_limit_and_imported_under_a_raised_one() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("lines.jsonl");
    let body = "word ".repeat(300);
    std::fs::write(
        &f,
        format!(
            "{{\"id\": \"a\", \"title\": \"Long\", \"body\": \"{body}\"}}\n{{\"id\": \"b\", \"title\": \"Short\", \"body\": \"{PARA}\"}}\n"
        ),
    )
    .unwrap();
    // Lowered from the default 10 MiB to 1000 bytes: the 1.5 KB line is refused.
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--max-record-bytes", "1000"])
        .arg(&f)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("line 1: record of").and(predicate::str::contains(
                "larger than --max-record-bytes (1000)",
            )),
        );
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
    assert_eq!(
        common::scalar(&db, "SELECT COUNT(*) FROM articles WHERE external_id = 'b'"),
        1
    );

    // Raised above the default: a line over 10 MiB is refused by default and stored
    // under the raised limit (no extraction: the record is only words).
    let big = dir.path().join("big.jsonl");
    let words = "word ".repeat(2_200_000);
    std::fs::write(
        &big,
        format!("{{\"id\": \"huge\", \"title\": \"Huge\", \"body\": \"{words}\"}}\n"),
    )
    .unwrap();
    assert!(std::fs::metadata(&big).unwrap().len() > 10 * 1024 * 1024);
    let db = dir.path().join("raised.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&big)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(TOO_BIG));
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM articles"), 0);
    newsdb(&db)
        .args(["import", "--no-extract", "--max-record-bytes", "16000000"])
        .arg(&big)
        .assert()
        .success();
    assert_eq!(
        common::scalar(
            &db,
            "SELECT length(body) FROM articles WHERE external_id = 'huge'"
        ),
        words.trim_end().len() as i64
    );
}
