//! What every command prints, as a user meets it: machine formats are valid JSON,
//! a closed pipe ends a command quietly, documentation files are not articles,
//! warnings are recorded once, and words with punctuation can be searched.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use common::{newsdb, scalar, seeds};

fn record(i: usize) -> String {
    let body = format!(
        "Robert Kilroy-Silk told reporters in London on day {i} that AT&T and al-Qaeda were in the news. {}",
        "The minister said the plans for schools and hospitals were affordable. ".repeat(8)
    );
    format!(
        "{}\n",
        serde_json::json!({"id": format!("o{i}"), "title": format!("Story {i}"), "body": body})
    )
}

#[test]
fn documentation_files_in_a_directory_are_skipped_and_said_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("a.jsonl"), record(1)).unwrap();
    std::fs::write(
        input.join("README.TXT"),
        "About this data set\n\nIt has articles.\n",
    )
    .unwrap();
    std::fs::write(input.join("license.txt"), "Licence\n\nUse freely.\n").unwrap();
    let db = dir.path().join("news.sqlite");
    let out = newsdb(&db)
        .args(["import", "--format", "json"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["inserted"], 1, "{report}");
    assert_eq!(
        report["skipped_files"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("skipped 2 documentation file(s)"), "{err}");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
    // Named on the command line, a README is read: the user asked for it.
    newsdb(&db)
        .arg("import")
        .arg(input.join("README.TXT"))
        .assert()
        .success();
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 2);
}

#[test]
fn warnings_are_recorded_once_and_quiet_hides_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // Two files with the same content: the second is a duplicate (a warning).
    std::fs::write(input.join("a.jsonl"), record(1)).unwrap();
    std::fs::write(input.join("b.jsonl"), record(1).replace("\"o1\"", "\"o2\"")).unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(&input).assert().success();
    let warnings = "SELECT COUNT(*) FROM import_errors WHERE severity = 'warning'";
    assert_eq!(scalar(&db, warnings), 1);
    let out = newsdb(&db)
        .args(["import", "--quiet"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        scalar(&db, warnings),
        1,
        "a re-import records the warning once"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("duplicate"), "--quiet hides warnings: {err}");
}

#[test]
fn json_formats_always_print_one_valid_document() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let out = newsdb(&db)
        .args(["import", "--format", "json"])
        .arg(seeds())
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["inserted"], 1);
    let out = newsdb(&db)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn a_closed_pipe_ends_a_command_quietly_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let f = dir.path().join("many.jsonl");
    std::fs::write(&f, (0..400).map(record).collect::<String>()).unwrap();
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&f)
        .assert()
        .success();
    for args in [
        &["export", "articles"][..],
        &["show", "o1"],
        &["articles", "--limit", "400"],
    ] {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
            .env("NEWSDB_DB", &db)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, then hang up, as `| head -c 10` does.
        let mut first = [0u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(status.success(), "{args:?}: {status} {err}");
        assert!(
            !err.contains("Broken pipe") && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn words_with_punctuation_can_be_searched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let f = dir.path().join("one.jsonl");
    std::fs::write(&f, record(1)).unwrap();
    newsdb(&db).arg("import").arg(&f).assert().success();
    for q in [
        "Kilroy-Silk",
        "al-Qaeda",
        "AT&T",
        "\"Robert Kilroy-Silk\"",
        "e-mail",
    ] {
        let out = newsdb(&db)
            .args(["search", q, "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected = usize::from(q != "e-mail");
        assert_eq!(hits.as_array().unwrap().len(), expected, "{q}: {hits}");
    }
}

#[test]
fn export_infers_its_format_refuses_a_table_and_never_overwrites_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let entities = scalar(&db, "SELECT COUNT(*) FROM entities");
    // The extension chooses the format when --format is not given.
    let csv = dir.path().join("entities.csv");
    newsdb(&db)
        .args(["export", "entities", "--out"])
        .arg(&csv)
        .assert()
        .success();
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    assert!(
        rows.headers().unwrap().iter().any(|h| h == "name"),
        "{text}"
    );
    assert_eq!(rows.records().count() as i64, entities);
    let json = dir.path().join("entities.json");
    newsdb(&db)
        .args(["export", "entities", "--out"])
        .arg(&json)
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v.as_array().unwrap().len() as i64, entities);
    // A table cannot be exported: usage error, nothing written.
    let out = newsdb(&db)
        .args(["export", "entities", "--format", "table"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    // The database itself is never a target.
    let before = std::fs::read(&db).unwrap();
    let out = newsdb(&db)
        .args(["export", "articles", "--out"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing"));
    assert_eq!(std::fs::read(&db).unwrap(), before);
    newsdb(&db).arg("check").assert().success();
}

/// Undoes the TSV escaping (`\t`, `\n`, `\r`, `\\`), as a reader of the format does.
fn tsv_unescape(field: &str) -> String {
    let mut text = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => text.push('\t'),
            Some('n') => text.push('\n'),
            Some('r') => text.push('\r'),
            Some('\\') => text.push('\\'),
            other => panic!("unknown escape \\{other:?} in {field:?}"),
        }
    }
    text
}

/// The lines of a TSV text, each split into its unescaped fields.
fn tsv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|l| l.split('\t').map(tsv_unescape).collect())
        .collect()
}

/// The stdout of a command that must succeed.
fn stdout_of(db: &std::path::Path, args: &[&str]) -> String {
    let out = newsdb(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tsv_is_one_line_per_record_and_unescapes_to_the_stored_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let f = dir.path().join("awkward.jsonl");
    let records: String = (0..3)
        .map(|i| {
            let body = format!(
                "First paragraph {i}\twith a tab, a \"quote\" and C:\\path\\n.\n\nSecond paragraph,\r\nafter CR LF.\n{}",
                "The minister said the plans were affordable. ".repeat(4)
            );
            format!(
                "{}\n",
                serde_json::json!({"id": format!("t{i}"), "title": format!("Story {i}"), "body": body})
            )
        })
        .collect();
    std::fs::write(&f, records).unwrap();
    newsdb(&db)
        .args(["import", "--no-extract"])
        .arg(&f)
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, title, body FROM articles ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored.len(), 3);
    assert!(
        stored
            .iter()
            .all(|(_, _, b)| b.contains('\t') && b.contains('\n') && b.contains('\\')),
        "the bodies keep their tabs, newlines and backslashes: {stored:?}"
    );
    // Import turns CR LF into LF, so SQL makes the carriage return.
    let sql =
        "SELECT id, title, body, 'a' || char(13, 10) || 'b' AS crlf FROM articles ORDER BY id";
    for args in [
        &["export", "articles", "--format", "tsv"][..],
        &["sql", sql, "--format", "tsv"],
    ] {
        let text = stdout_of(&db, args);
        assert_eq!(text.lines().count(), stored.len() + 1, "{args:?}: {text}");
        let rows = tsv_rows(&text);
        let header = &rows[0];
        assert!(
            rows.iter().all(|r| r.len() == header.len()),
            "{args:?}: {text}"
        );
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        for (row, (id, title, body)) in rows[1..].iter().zip(&stored) {
            assert_eq!(row[col("id")], id.to_string(), "{args:?}");
            assert_eq!(&row[col("title")], title, "{args:?}");
            assert_eq!(&row[col("body")], body, "{args:?}");
            if let Some(crlf) = header.iter().position(|h| h == "crlf") {
                assert_eq!(row[crlf], "a\r\nb");
            }
        }
    }
    // A query command's one record: a header and one line.
    let text = stdout_of(&db, &["show", "t1", "--format", "tsv"]);
    let rows = tsv_rows(&text);
    assert_eq!(rows.len(), 2, "{text}");
    let body = rows[0].iter().position(|h| h == "body").unwrap();
    assert_eq!(rows[1][body], stored[1].2);
    // A list: one line per article.
    let text = stdout_of(&db, &["articles", "--format", "tsv"]);
    assert_eq!(text.lines().count(), stored.len() + 1, "{text}");
}

#[test]
fn sql_keeps_repeated_column_names_apart_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let sql = "SELECT m.id, e.id, m.id FROM mentions m JOIN entities e ON e.id = m.entity_id \
               ORDER BY m.id LIMIT 3";
    let conn = rusqlite::Connection::open(&db).unwrap();
    let expected: Vec<(i64, i64)> = conn
        .prepare("SELECT id, entity_id FROM mentions ORDER BY id LIMIT 3")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(expected.len(), 3);
    let names = ["id", "id_2", "id_3"];
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&db, &["sql", sql, "--format", "json"])).unwrap();
    let jsonl: Vec<serde_json::Value> = stdout_of(&db, &["sql", sql, "--format", "jsonl"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for rows in [json.as_array().unwrap(), &jsonl] {
        assert_eq!(rows.len(), 3);
        for (row, (mention, entity)) in rows.iter().zip(&expected) {
            let keys: Vec<&str> = row
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.as_str())
                .collect();
            assert_eq!(keys, names, "{row}");
            assert_eq!(row["id"], *mention);
            assert_eq!(row["id_2"], *entity);
            assert_eq!(row["id_3"], *mention);
        }
    }
    let csv = stdout_of(&db, &["sql", sql, "--format", "csv"]);
    let tsv = stdout_of(&db, &["sql", sql, "--format", "tsv"]);
    for (text, sep) in [(&csv, ','), (&tsv, '\t')] {
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0].split(sep).collect::<Vec<_>>(), names, "{text}");
        assert_eq!(
            lines[1].split(sep).collect::<Vec<_>>(),
            [expected[0].0, expected[0].1, expected[0].0].map(|n| n.to_string()),
            "{text}"
        );
    }
    let table = stdout_of(&db, &["sql", sql]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, names, "{table}");
}

/// Runs a command that must fail and returns its exit code and stderr.
fn failure(db: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = newsdb(db).args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(out.stdout.is_empty(), "{args:?}");
    (out.status.code(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn errors_are_one_sentence_that_says_each_thing_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let (code, err) = failure(&db, &["sql", "selec 1"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: SQL syntax error near \"selec\" (at offset 0) in: selec 1\n"
    );
    assert_eq!(err.matches("syntax error").count(), 1, "{err}");
    let (code, err) = failure(&db, &["sql", "select 1; select 2"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: only one SQL statement at a time (found a second one after \"select 1;\")\n"
    );
    assert_eq!(err.matches("statement").count(), 1, "{err}");
    // A file that is not a database, read by `sql` and opened by other commands.
    let not_db = dir.path().join("notes.txt");
    std::fs::write(&not_db, "These are notes, not a database.\n".repeat(200)).unwrap();
    for args in [
        &["sql", "SELECT 1"][..],
        &["stats"],
        &["import", "--no-extract"],
    ] {
        let mut all = args.to_vec();
        let seed = seeds();
        if args[0] == "import" {
            all.push(seed.to_str().unwrap());
        }
        let (code, err) = failure(&not_db, &all);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(
            err,
            format!(
                "error: {} is not a newsdb/SQLite database (check --db or NEWSDB_DB)\n",
                not_db.display()
            ),
            "{args:?}"
        );
        assert_eq!(err.matches("not a ").count(), 1, "{args:?}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(&not_db).unwrap(),
        "These are notes, not a database.\n".repeat(200),
        "the file is left as it was"
    );
}

#[test]
fn a_name_or_id_that_matches_nothing_exits_1_in_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    for args in [
        &["show", "nosuch"][..],
        &["entities", "--article", "nosuch"],
        &["reextract", "nosuch"],
        &["entity", "nosuch"],
        &["articles", "--entity", "nosuch"],
        &["entities", "unmerge", "999"],
    ] {
        let (code, err) = failure(&db, args);
        assert_eq!(code, Some(1), "{args:?}: {err}");
        let key = args[args.len() - 1];
        assert!(
            err.starts_with("error: ") && err.contains(key) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // A missing database is a setup error, not a lookup that found nothing.
    let missing = dir.path().join("missing.sqlite");
    for args in [&["sql", "SELECT 1"][..], &["show", "1"]] {
        let (code, err) = failure(&missing, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("does not exist"), "{args:?}: {err}");
    }
}

/// The JSON a command prints.
fn json_of(db: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = newsdb(db)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn numeric_external_ids_win_over_row_ids_and_hash_n_names_a_row_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    // Stored in this order: row 1 has external id "2", row 2 has external id "1".
    let file = dir.path().join("numbered.jsonl");
    let records = [
        (
            "2",
            "Tony Blair visited Paris on Monday for talks with officials.",
        ),
        (
            "1",
            "Gordon Brown visited Berlin on Tuesday for talks with officials.",
        ),
    ];
    let lines: String = records
        .iter()
        .map(|(id, body)| {
            format!(
                "{}\n",
                serde_json::json!({"id": id, "title": format!("Story {id}"), "body": body})
            )
        })
        .collect();
    std::fs::write(&file, lines).unwrap();
    newsdb(&db).arg("import").arg(&file).assert().success();
    assert_eq!(
        scalar(&db, "SELECT id FROM articles WHERE external_id = '1'"),
        2
    );

    let shown = |key: &str| json_of(&db, &["show", key])["external_id"].clone();
    assert_eq!(shown("1"), "1");
    assert_eq!(shown("2"), "2");
    assert_eq!(shown("#1"), "2");
    assert_eq!(shown("#2"), "1");

    let names = |key: &str| -> Vec<String> {
        json_of(&db, &["entities", "--article", key])
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        names("1").contains(&"Gordon Brown".to_string()),
        "{:?}",
        names("1")
    );
    assert!(
        !names("1").contains(&"Tony Blair".to_string()),
        "{:?}",
        names("1")
    );
    assert!(
        names("#1").contains(&"Tony Blair".to_string()),
        "{:?}",
        names("#1")
    );

    // `reextract 1` re-extracts the article whose external id is 1 (row 2).
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute("DELETE FROM mentions WHERE article_id = 2", [])
        .unwrap();
    drop(conn);
    newsdb(&db).args(["reextract", "1"]).assert().success();
    assert!(scalar(&db, "SELECT COUNT(*) FROM mentions WHERE article_id = 2") > 0);
    let (code, err) = failure(&db, &["show", "#3"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("#3"), "{err}");
}

/// A database of the seed and a few BBC technology articles (three about Google),
/// or `None` (with a skip line) when `../shared` is absent.
fn seed_and_bbc(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let tech = common::shared_file("bbc/tech")?;
    let input = dir.join("bbc");
    std::fs::create_dir(&input).unwrap();
    for name in ["010.txt", "076.txt", "186.txt", "001.txt", "002.txt"] {
        std::fs::copy(tech.join(name), input.join(name)).unwrap();
    }
    let db = dir.join("news.sqlite");
    newsdb(&db)
        .args(["import", "--quiet"])
        .arg(seeds())
        .arg(&input)
        .assert()
        .success();
    Some(db)
}

/// The cells of a CSV column.
fn csv_column(text: &str, column: &str) -> Vec<String> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let i = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no {column} column in {text}"));
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

fn has_decimals(cell: &str, n: usize) -> bool {
    cell.split_once('.').is_some_and(|(whole, frac)| {
        !whole.is_empty()
            && whole.chars().all(|c| c.is_ascii_digit())
            && frac.len() == n
            && frac.chars().all(|c| c.is_ascii_digit())
    })
}

#[test]
fn search_shows_a_rounded_relevance_higher_is_better_and_the_number_of_hits() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = seed_and_bbc(dir.path()) else {
        return;
    };
    let csv_out = stdout_of(&db, &["search", "google", "--format", "csv"]);
    let cells = csv_column(&csv_out, "relevance");
    assert_eq!(cells.len(), 3, "{csv_out}");
    assert!(cells.iter().all(|c| has_decimals(c, 2)), "{cells:?}");
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&db, &["search", "google", "--format", "json"])).unwrap();
    let scores: Vec<f64> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["relevance"].as_f64().unwrap())
        .collect();
    // Best first, and higher is better: positive and falling.
    assert!(scores.iter().all(|s| *s > 0.0), "{scores:?}");
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Full precision in JSON, the same value rounded in CSV.
    assert_eq!(format!("{:.2}", scores[0]), cells[0]);
    // The table says how many hits there are in all, beyond the page shown.
    let out = newsdb(&db)
        .args(["search", "google", "--limit", "2"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("3 hits, showing 1-2"), "{stderr}");
}

#[test]
fn cooccur_rounds_pmi_to_three_decimals_except_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let args = ["cooccur", "Bashar al-Assad", "--level", "article"];
    let csv_out = stdout_of(&db, &[&args[..], &["--format", "csv"]].concat());
    let cells = csv_column(&csv_out, "pmi");
    assert!(!cells.is_empty(), "{csv_out}");
    assert!(
        cells
            .iter()
            .all(|c| has_decimals(c.trim_start_matches('-'), 3)),
        "{cells:?}"
    );
    let tsv = stdout_of(&db, &[&args[..], &["--format", "tsv"]].concat());
    let pmi_at = tsv_rows(&tsv)[0].iter().position(|h| h == "pmi").unwrap();
    assert!(tsv_rows(&tsv)[1..]
        .iter()
        .all(|r| has_decimals(r[pmi_at].trim_start_matches('-'), 3)));
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &db,
        &[&args[..], &["--format", "json"]].concat(),
    ))
    .unwrap();
    assert!(json[0]["pmi"].is_number(), "{json}");
    // The profile's table of co-occurring entities rounds it the same way.
    let profile = stdout_of(&db, &["entity", "Bashar al-Assad"]);
    let section = profile
        .split("Named in the same sentence:")
        .nth(1)
        .unwrap_or_else(|| panic!("no co-occurrence table in {profile}"));
    let last_cells: Vec<&str> = section
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|c| c.parse::<f64>().is_ok())
        .collect();
    assert!(!last_cells.is_empty(), "{section}");
    assert!(
        last_cells
            .iter()
            .all(|c| has_decimals(c.trim_start_matches('-'), 3)),
        "{section}"
    );
}

#[test]
fn mention_context_keeps_the_words_next_to_the_name_and_cuts_the_far_end() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = seed_and_bbc(dir.path()) else {
        return;
    };
    // 010.txt: "...websites.\n\nThe AutoLink feature comes with Google's latest
    // toolbar and provides links ..."
    let rows: serde_json::Value = serde_json::from_str(&stdout_of(
        &db,
        &[
            "mentions",
            "Google",
            "--context",
            "30",
            "--limit",
            "200",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["right"].as_str().unwrap().starts_with("'s latest"))
        .expect("the mention before \"'s latest toolbar\"");
    assert_eq!(row["left"], "… AutoLink feature comes with ");
    assert_eq!(row["right"], "'s latest toolbar and …");
    for r in rows.as_array().unwrap() {
        for side in ["left", "right"] {
            let text = r[side].as_str().unwrap();
            assert!(text.chars().count() <= 30, "{side}: {text:?}");
        }
    }
    // A narrow table cuts the left context at its start, next to nothing it needs.
    let out = newsdb(&db)
        .env("COLUMNS", "70")
        .args(["mentions", "Google", "--limit", "200"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    let line = table
        .lines()
        .find(|l| l.contains("'s latest"))
        .unwrap_or_else(|| panic!("{table}"));
    let (left, _) = line.split_once("Google").unwrap();
    assert!(left.trim_end().ends_with("comes with"), "{line}");
}

#[test]
fn entities_match_finds_part_of_a_name_ignoring_case_and_accents() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    newsdb(&db)
        .args(["entities", "rename", "Tehran", "Téhéran"])
        .assert()
        .success();
    let matches = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = stdout_of(&db, &[&["entities", "--format", "json"][..], args].concat());
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let found = matches(&["--match", "TEHERAN"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["name"], "Téhéran");
    assert!(found[0]["mentions"].as_i64().unwrap() > 0);
    assert!(found[0]["articles"].as_i64().unwrap() == 1);
    // An alias matches: "Assad" is an alias of Bashar al-Assad.
    let found = matches(&["--match", "assad"]);
    assert_eq!(found[0]["name"], "Bashar al-Assad", "{found:?}");
    assert_eq!(found[0]["matched"], "Assad");
    // Best matches first, at most --limit of them.
    let found = matches(&["--match", "a", "--limit", "3"]);
    assert_eq!(found.len(), 3);
    assert!(matches(&["--match", "xylophone"]).is_empty());
}

#[test]
fn sql_reads_the_statement_from_a_file_or_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let file = dir.path().join("query.sql");
    std::fs::write(&file, "SELECT COUNT(*) AS n\nFROM articles\n").unwrap();
    let out = newsdb(&db)
        .args(["sql", "--format", "csv", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n1\n");
    for args in [
        &["sql", "--format", "csv", "-"][..],
        &["sql", "--format", "csv", "-f", "-"],
    ] {
        let out = newsdb(&db)
            .args(args)
            .write_stdin("SELECT 40 + 2 AS answer")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "answer\n42\n");
    }
    let empty = dir.path().join("empty.sql");
    std::fs::write(&empty, "  \n").unwrap();
    let out = newsdb(&db)
        .args(["sql", "-f"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty.sql"));
}

#[test]
fn an_empty_statement_and_a_strict_failure_say_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    for sql in ["", ";", " -- a comment"] {
        let (code, err) = failure(&db, &["sql", sql]);
        assert_eq!(code, Some(2), "{sql:?}: {err}");
        assert!(
            err.starts_with("error: no SQL statement in "),
            "{sql:?}: {err}"
        );
        assert!(!err.contains("misuse"), "{err}");
    }
    // --strict: the first bad record ends the import, and its message is printed once.
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("b.txt"), "title only\n").unwrap();
    let fresh = dir.path().join("strict.sqlite");
    let (code, err) = failure(&fresh, &["import", "--strict", input.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.matches("has no body").count(), 1, "{err}");
    assert!(err.contains("--strict: nothing was imported"), "{err}");
}
