//! Reading inputs (issue 14, the input side): every record is read with bounded memory
//! or refused with a recorded error, file names never collapse into one id, TSV is
//! read as `export` writes it, and repeated or odd ids are said out loud.

mod common;

use std::io::Write;
use std::path::Path;

use common::{newsdb, scalar};
use predicates::prelude::*;
use rusqlite::Connection;

const PARA: &str =
    "The Bank of England raised interest rates on Thursday, Governor Andrew Bailey said in London.";

/// `(severity, record, message)` of every `import_errors` row, in order.
fn problems(db: &Path) -> Vec<(String, Option<String>, String)> {
    let conn = Connection::open(db).unwrap();
    let mut s = conn
        .prepare("SELECT severity, record, message FROM import_errors ORDER BY id")
        .unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// `(external_id, title, body)` of every article, by external id.
fn articles(db: &Path) -> Vec<(String, String, String)> {
    let conn = Connection::open(db).unwrap();
    let mut s = conn
        .prepare("SELECT external_id, title, body FROM articles ORDER BY external_id")
        .unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn ids(db: &Path) -> Vec<String> {
    articles(db).into_iter().map(|a| a.0).collect()
}

// --- #19: NUL in ids, blank bodies beside a text, blanks between array elements ---

#[test]
fn a_nul_in_an_id_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("nul.jsonl");
    std::fs::write(
        &f,
        format!(
            "{{\"id\": \"x\\u0000y\", \"title\": \"Nul id\", \"body\": \"{PARA}\"}}\n\
             {{\"id\": \"ok\", \"title\": \"Fine\", \"body\": \"{PARA} Fine.\"}}\n"
        ),
    )
    .unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&f)
        .assert()
        .code(1);
    assert_eq!(ids(&db), ["ok"]);
    assert_eq!(
        problems(&db),
        [(
            "error".to_string(),
            Some("line 1".to_string()),
            "the id \"x\\0y\" contains a NUL character at byte 1: no command could name this \
             article (remove the NUL from the id)"
                .to_string()
        )]
    );
}

#[test]
fn a_null_or_empty_body_beside_a_text_falls_back_to_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bodies.jsonl");
    std::fs::write(
        &f,
        format!(
            "{{\"id\": \"null\", \"title\": \"Null body\", \"body\": null, \"text\": \"{PARA} Null.\"}}\n\
             {{\"id\": \"empty\", \"title\": \"Empty body\", \"body\": \"\", \"text\": \"{PARA} Empty.\"}}\n\
             {{\"id\": \"none\", \"title\": \"No body at all\", \"body\": \"\"}}\n"
        ),
    )
    .unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&f)
        .assert()
        .code(1);
    assert_eq!(
        articles(&db),
        [
            (
                "empty".to_string(),
                "Empty body".to_string(),
                format!("{PARA} Empty.")
            ),
            (
                "null".to_string(),
                "Null body".to_string(),
                format!("{PARA} Null.")
            ),
        ]
    );
    let p = problems(&db);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].1.as_deref(), Some("line 3"));
    assert!(p[0].2.contains("missing required field \"body\""), "{p:?}");
}

#[test]
fn blanks_between_array_elements_do_not_count_toward_the_next_ones_size() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("spaced.json");
    let gap = format!("\n{}\n", " ".repeat(20_000));
    std::fs::write(
        &f,
        format!(
            "[{{\"id\": \"a\", \"title\": \"First\", \"body\": \"{PARA} A.\"}}{gap},{gap}\
             {{\"id\": \"b\", \"title\": \"Second\", \"body\": \"{PARA} B.\"}}{gap}]\n"
        ),
    )
    .unwrap();
    let db = dir.path().join("t.sqlite");
    // Each element is about 130 bytes; the blanks around the comma are 40 KB.
    newsdb(&db)
        .args(["import", "--no-extract", "--max-record-bytes", "1000"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(ids(&db), ["a", "b"]);
    assert_eq!(problems(&db), []);
}

// --- #14, #15: file names ---

#[test]
fn files_of_one_stem_never_share_an_id_the_first_is_kept_the_others_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // Sorted, as the walk reads them: 001.TXT, 001.text, 001.txt, 001.txt.gz.
    for (name, city) in [
        ("001.TXT", "Paris"),
        ("001.text", "Berlin"),
        ("001.txt", "Madrid"),
    ] {
        std::fs::write(
            input.join(name),
            format!("Visit to {city}\n{PARA} {city}.\n"),
        )
        .unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(format!("Visit to Rome\n{PARA} Rome.\n").as_bytes())
        .unwrap();
    std::fs::write(input.join("001.txt.gz"), gz.finish().unwrap()).unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("0 updated"));
    let stored = articles(&db);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].0, "001");
    assert_eq!(stored[0].1, "Visit to Paris");
    let first = input.join("001.TXT");
    let expected: Vec<_> = ["001.text", "001.txt", "001.txt.gz"]
        .iter()
        .map(|name| {
            (
                "error".to_string(),
                None,
                format!(
                    "{} would have the external id \"001\" of {}, imported before it: two files \
                     never share an id, so it was not imported (rename one of them)",
                    input.join(name).display(),
                    first.display()
                ),
            )
        })
        .collect();
    assert_eq!(problems(&db), expected);
    // Importing again changes nothing: no flip-flop between the files.
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "0 inserted, 0 updated, 1 unchanged",
        ));
    // Two files named directly clash too.
    let db2 = dir.path().join("t2.sqlite");
    newsdb(&db2)
        .args(["import", "--no-extract"])
        .arg(input.join("001.txt"))
        .arg(input.join("001.text"))
        .assert()
        .code(1);
    assert_eq!(articles(&db2)[0].1, "Visit to Madrid");
    // One file named twice is no clash.
    newsdb(&db2)
        .args(["import", "--no-extract"])
        .arg(&input)
        .arg(input.join("001.TXT"))
        .arg(input.join("001.TXT"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("3 failed"));
}

#[test]
fn a_file_name_that_is_not_utf8_is_imported_under_a_lossless_id() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(input.join(std::ffi::OsStr::from_bytes(b"d\xe9p\xeaches"))).unwrap();
    let latin1 = |name: &[u8]| input.join(std::ffi::OsStr::from_bytes(name));
    std::fs::write(
        latin1(b"caf\xe9.txt"),
        format!("Latin-1 name\n{PARA} Cafe.\n"),
    )
    .unwrap();
    std::fs::write(
        latin1(b"d\xe9p\xeaches/na\xefve.txt"),
        format!("Latin-1 folder\n{PARA} Naive.\n"),
    )
    .unwrap();
    std::fs::write(
        input.join("plain.txt"),
        format!("Plain name\n{PARA} Plain.\n"),
    )
    .unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&input)
        .assert()
        .success();
    assert_eq!(ids(&db), ["caf%E9", "d%E9p%EAches/na%EFve", "plain"]);
    newsdb(&db)
        .args(["show", "caf%E9"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Latin-1 name"));
    // A UTF-8 name spelling the same id is a clash, refused with an error: never nothing.
    std::fs::write(
        input.join("caf%E9.txt"),
        format!("Percent name\n{PARA} Pct.\n"),
    )
    .unwrap();
    let db2 = dir.path().join("t2.sqlite");
    newsdb(&db2)
        .args(["import", "--no-extract"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "would have the external id \"caf%E9\" of",
        ));
    assert_eq!(ids(&db2).len(), 3);
}

// --- #5, #6: bounded memory for long and wide CSV rows ---

/// Runs `newsdb` with `args` on `db` and returns its exit code and its peak resident
/// memory in MB (VmHWM, read from /proc while it runs).
fn peak_mb(db: &Path, args: &[&std::ffi::OsStr]) -> (Option<i32>, u64) {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
        .env("NEWSDB_DB", db)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), peak_kb / 1024);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_csv_field_over_the_limit_is_refused_without_being_held_and_the_rows_around_it_import() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::io::BufWriter::new(std::fs::File::create(&f).unwrap()),
        flate2::Compression::fast(),
    );
    gz.write_all(format!("id,title,body\nr1,Before,\"{PARA} One.\"\n").as_bytes())
        .unwrap();
    // A 200 MB quoted field (a line break inside it too), limit 1 MiB.
    let chunk = vec![b'a'; 1 << 20];
    gz.write_all(b"r2,Huge,\"").unwrap();
    for i in 0..200 {
        gz.write_all(&chunk).unwrap();
        if i == 100 {
            gz.write_all(b"\n").unwrap();
        }
    }
    gz.write_all(b"\"\n").unwrap();
    let huge = 9 + 200 * (1 << 20) + 1 + 2;
    gz.write_all(format!("r3,After,\"{PARA} Three.\"\n").as_bytes())
        .unwrap();
    gz.finish().unwrap().flush().unwrap();

    let db = dir.path().join("t.sqlite");
    let (code, mb) = peak_mb(
        &db,
        &[
            "import".as_ref(),
            "--no-extract".as_ref(),
            "--max-record-bytes".as_ref(),
            "1048576".as_ref(),
            f.as_os_str(),
        ],
    );
    assert_eq!(code, Some(1));
    assert!(mb < 100, "peak memory {mb} MB for a 200 MB field");
    assert_eq!(ids(&db), ["r1", "r3"]);
    assert_eq!(
        problems(&db),
        [(
            "error".to_string(),
            Some("row 3".to_string()),
            format!(
                "record of {huge} bytes is larger than --max-record-bytes (1048576); raise the \
                 limit to import it (the row starts on line 3)"
            )
        )]
    );
}

#[test]
fn wide_csv_rows_are_refused_with_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    // A header of a million columns: refused as a whole, the rows never read.
    let wide = dir.path().join("wide_header.csv");
    let mut text = String::from("id,title,body");
    text.push_str(&",x".repeat(999_997));
    text.push('\n');
    for i in 0..10 {
        text.push_str(&format!("r{i},T,B"));
        text.push_str(&",v".repeat(999_997));
        text.push('\n');
    }
    std::fs::write(&wide, text).unwrap();
    let db = dir.path().join("t.sqlite");
    let (code, mb) = peak_mb(
        &db,
        &["import".as_ref(), "--no-extract".as_ref(), wide.as_os_str()],
    );
    assert_eq!(code, Some(1));
    assert!(mb < 100, "peak memory {mb} MB for a million columns");
    assert_eq!(
        problems(&db),
        [(
            "error".to_string(),
            None,
            "the header row has 1000000 columns, more than newsdb reads (1000); keep the \
             columns an article needs (id, title, body, url, source, published, language) and \
             remove the others"
                .to_string()
        )]
    );
    assert_eq!(ids(&db), Vec::<String>::new());

    // A narrow header and rows of 300,000 fields between good ones: each wide row is
    // one error, read without keeping its fields.
    let rows = dir.path().join("wide_rows.csv");
    let mut text = format!("id,title,body\nok1,First,\"{PARA}\"\n");
    for _ in 0..3 {
        text.push_str(&",".repeat(299_999));
        text.push('\n');
    }
    text.push_str(&format!("ok2,Last,\"{PARA}\"\n"));
    std::fs::write(&rows, text).unwrap();
    let db = dir.path().join("rows.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&rows)
        .assert()
        .code(1);
    assert_eq!(ids(&db), ["ok1", "ok2"]);
    let p = problems(&db);
    assert_eq!(p.len(), 3, "{p:?}");
    for (i, (severity, record, message)) in p.iter().enumerate() {
        assert_eq!(severity, "error");
        assert_eq!(record.as_deref(), Some(format!("row {}", i + 3).as_str()));
        assert_eq!(message, "row has 300000 fields but the header has 3");
    }
}

#[test]
fn a_header_of_a_thousand_columns_is_read_and_one_more_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (columns, ok) in [(1000, true), (1001, false)] {
        let f = dir.path().join(format!("c{columns}.csv"));
        let extra: String = (3..columns).map(|i| format!(",c{i}")).collect();
        let values = ",".repeat(columns - 3);
        std::fs::write(
            &f,
            format!("id,title,body{extra}\nw1,Wide,\"{PARA}\"{values}\n"),
        )
        .unwrap();
        let db = dir.path().join(format!("c{columns}.sqlite"));
        let assert = newsdb(&db)
            .args(["import", "--no-extract"])
            .arg(&f)
            .assert();
        if ok {
            assert.success();
            assert_eq!(ids(&db), ["w1"]);
        } else {
            assert.code(1).stderr(predicate::str::contains(
                "the header row has 1001 columns, more than newsdb reads (1000)",
            ));
            assert_eq!(ids(&db), Vec::<String>::new());
        }
    }
}

// --- #16: TSV as export writes it, quotes in CSV ---

/// Row 2's body opens a quote that row 4's body closes; row 2's title is quoted words.
const QUOTY_TSV: &str = "id\ttitle\tbody\n\
    1\t\"Hope\" and fear\t\"Big screens are back, said the makers.\n\
    2\tSecond\tPlain body of the second row.\n\
    3\tThird\tA body with \"quoted\" words.\n\
    4\tFourth\tThe last body.\n";

#[test]
fn tsv_is_read_without_quotes_by_default_and_quotes_are_kept_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("quotes.tsv");
    std::fs::write(&f, QUOTY_TSV).unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(
        articles(&db),
        [
            (
                "1".to_string(),
                "\"Hope\" and fear".to_string(),
                "\"Big screens are back, said the makers.".to_string()
            ),
            (
                "2".to_string(),
                "Second".to_string(),
                "Plain body of the second row.".to_string()
            ),
            (
                "3".to_string(),
                "Third".to_string(),
                "A body with \"quoted\" words.".to_string()
            ),
            (
                "4".to_string(),
                "Fourth".to_string(),
                "The last body.".to_string()
            ),
        ]
    );
    assert_eq!(problems(&db), []);
}

/// The warning recorded when the quoted field of row `row` spans `lines` and lines
/// `inside` it look like rows of their own.
fn swallowed(row: u32, lines: &str, inside: &str) -> (String, Option<String>, String) {
    (
        "warning".to_string(),
        Some(format!("row {row}")),
        format!(
            "the quoted field in column \"body\" spans lines {lines}, and line(s) {inside} \
             inside it look like rows of their own: if a quote lacks its closing pair, those \
             rows were read into this field (check the quotes)"
        ),
    )
}

#[test]
fn quoted_tsv_is_an_option_and_a_quote_spanning_rows_is_a_warning_with_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("quotes.tsv");
    std::fs::write(&f, QUOTY_TSV).unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract", "--tsv-quoted"])
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning"));
    // The quote of row 2 closes in row 4: rows 3 and 4 are in its body.
    assert_eq!(ids(&db), ["1", "4"]);
    assert_eq!(problems(&db), [swallowed(2, "2-4", "3, 4")]);
}

#[test]
fn a_csv_quote_that_swallows_rows_is_a_warning_and_a_real_multiline_field_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("swallow.csv");
    std::fs::write(
        &f,
        "id,title,body\n\
         a,Fine,\"A body over\ntwo lines, with one comma\"\n\
         b,Open,\"Big screens\n\
         c,Swallowed,plain body\n\
         d,Also swallowed,has \"quoted\" text\n\
         e,After,The last body.\n",
    )
    .unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&f)
        .assert()
        .success();
    assert_eq!(ids(&db), ["a", "b", "e"]);
    assert_eq!(problems(&db), [swallowed(3, "4-6", "5, 6")]);
}

#[test]
fn an_export_as_tsv_imports_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    let records = dir.path().join("odd.jsonl");
    std::fs::write(
        &records,
        format!(
            "{{\"id\": \"odd\", \"title\": \"Back\\\\slash \\\"quoted\\\"\", \
             \"body\": \"{PARA}\\nA tab\\there, a path C:\\\\new\\\\table and \\\\t typed.\"}}\n"
        ),
    )
    .unwrap();
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&records)
        .arg(common::seeds())
        .assert()
        .success();
    let before = articles(&db);
    assert!(before
        .iter()
        .any(|a| a.2.contains("C:\\new\\table and \\t typed")));
    let out = dir.path().join("articles.tsv");
    newsdb(&db)
        .args(["export", "articles", "--out"])
        .arg(&out)
        .assert()
        .success();
    // Into the same database: every article is unchanged.
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "0 inserted, 0 updated, 2 unchanged",
        ));
    // Into a new one: the same text.
    let copy = dir.path().join("copy.sqlite");
    newsdb(&copy)
        .args(["import", "--no-extract"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(articles(&copy), before);
}

// --- #18: repeated ids ---

#[test]
fn an_id_repeated_in_a_file_or_written_as_number_and_string_is_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("repeats.jsonl");
    std::fs::write(
        &f,
        format!(
            "{{\"id\": \"a\", \"title\": \"First version\", \"body\": \"{PARA} A1.\"}}\n\
             {{\"id\": 1, \"title\": \"Numbered\", \"body\": \"{PARA} N.\"}}\n\
             {{\"id\": \"a\", \"title\": \"Second version\", \"body\": \"{PARA} A2.\"}}\n\
             {{\"id\": \"1\", \"title\": \"Numbered\", \"body\": \"{PARA} N.\"}}\n\
             {{\"id\": \"b\", \"title\": \"Same twice\", \"body\": \"{PARA} B.\"}}\n\
             {{\"id\": \"b\", \"title\": \"Same twice\", \"body\": \"{PARA} B.\"}}\n"
        ),
    )
    .unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .args(["import", "--no-extract", "--batch-size", "2"])
        .arg(&f)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 warnings"));
    assert_eq!(ids(&db), ["1", "a", "b"]);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE title = 'Second version'"
        ),
        1
    );
    assert_eq!(
        problems(&db),
        [
            (
                "warning".to_string(),
                Some("line 3".to_string()),
                "id \"a\" is also the id of line 1 of this file, with other content: this \
                 record replaces that one (give each article its own id)"
                    .to_string()
            ),
            (
                "warning".to_string(),
                Some("line 4".to_string()),
                "id \"1\" is a string here and a number in line 2: both name the same \
                 article \"1\""
                    .to_string()
            ),
        ]
    );
}

#[test]
fn an_oversized_compressed_or_piped_text_reports_its_real_size() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let text = format!("Big\n{}\n", "word ".repeat(600_000));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let file = dir.path().join("big.txt.gz");
    std::fs::write(&file, gz.finish().unwrap()).unwrap();
    let want = format!("record of {} bytes", text.len());
    newsdb(&db)
        .args(["import", "--max-record-bytes", "100000"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(want.as_str()));
    newsdb(&db)
        .args(["import", "--max-record-bytes", "100000", "-"])
        .write_stdin(text.clone())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(want.as_str()));
}

// --- #7: memory bounded whatever the record size ---

#[test]
fn a_huge_article_is_extracted_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let seed = std::fs::read_to_string(common::seeds().join("000_74746990a53cdcfb.txt")).unwrap();
    let english: Vec<&str> = seed
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .take(8)
        .collect();
    // About 3 MB of news paragraphs in one record: the tagger holds about a hundred
    // bytes per byte of the text it tags at once (~330 MB for this one whole).
    let mut body = String::new();
    while body.len() < 3_000_000 {
        for (i, p) in english.iter().enumerate() {
            body.push_str(&format!("{p} ({i}/{})\n", body.len()));
        }
    }
    let file = dir.path().join("huge.jsonl");
    std::fs::write(
        &file,
        serde_json::json!({"id": "huge", "title": "Assad visits Tehran", "body": body}).to_string(),
    )
    .unwrap();
    let (code, peak) = peak_mb(
        &db,
        &[
            "import".as_ref(),
            "--max-record-bytes".as_ref(),
            "5000000".as_ref(),
            file.as_os_str(),
        ],
    );
    assert_eq!(code, Some(0));
    println!("peak RSS {peak} MB importing a 3 MB article with extraction");
    assert!(peak < 200, "peak RSS {peak} MB");
    let mentions = scalar(&db, "SELECT COUNT(*) FROM mentions");
    assert!(mentions > 10_000, "{mentions} mentions");
    newsdb(&db).arg("check").assert().success();
}
