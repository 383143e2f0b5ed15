//! The read side (issue 14, items 8, 11, 12, 21, 22): commands that only read never
//! change a file (not a foreign database, not an older newsdb one, not a journal
//! mode), read a database in a folder they cannot write, stream `sql` rows under a
//! timeout that covers the whole command, bound `search`, and check large articles in
//! linear time.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{newsdb, scalar, seeds, Immutable};
use rusqlite::Connection;

/// A database of the seed article, imported by the binary, in `dir`.
fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("news.sqlite");
    newsdb(&db)
        .args(["import", "--quiet"])
        .arg(seeds())
        .assert()
        .success();
    db
}

fn run(db: &Path, args: &[&str]) -> Output {
    newsdb(db).args(args).output().expect("newsdb runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The journal mode of `db`, read by a separate connection.
fn journal_mode(db: &Path) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap()
}

/// Every command that takes `--db`, with arguments that would succeed on a newsdb
/// database of the seed.
fn every_command() -> Vec<Vec<String>> {
    let seed = seeds().display().to_string();
    [
        "stats",
        "search|assad",
        "check",
        "entities",
        "entities|--match|assad",
        "entity|Tehran",
        "mentions|Tehran",
        "cooccur|Tehran",
        "timeline|Tehran",
        "schema",
        "sql|SELECT 1",
        "articles",
        "show|#1",
        "export|articles",
        "aliases|list",
        "aliases|add|Tories|organization|Conservative Party",
        "resolve",
        "reextract|--all",
        "entities|rename|Tehran|Teheran",
        "init",
        "import|--quiet|SEED",
        "import|--dry-run|--quiet|SEED",
    ]
    .iter()
    .map(|c| {
        c.split('|')
            .map(|a| if a == "SEED" { seed.clone() } else { a.into() })
            .collect()
    })
    .collect()
}

#[test]
fn no_command_changes_a_sqlite_file_of_another_program() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("other.sqlite");
    {
        // Another program's database, with a table named like one of newsdb's.
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = DELETE;
             CREATE TABLE articles (isbn TEXT PRIMARY KEY, shelf INTEGER);
             INSERT INTO articles VALUES ('978-0', 3);",
        )
        .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let expected = format!(
        "error: {} is a SQLite database but not a newsdb one; newsdb leaves it untouched \
         (check --db or NEWSDB_DB, or import into a new file)\n",
        db.display()
    );
    for args in every_command() {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(&db, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), expected, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
    assert_eq!(journal_mode(&db), "delete", "the journal mode is unchanged");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["other.sqlite"],
        "no -wal or -shm file, nothing else"
    );
}

#[test]
fn only_import_and_init_set_up_an_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.sqlite");
    std::fs::write(&db, b"").unwrap();
    let out = run(&db, &["stats"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {0} holds no newsdb schema yet (new, or an import stopped before \
             creating it); set it up with `newsdb import PATH` or `newsdb init --db {0}`\n",
            db.display()
        )
    );
    // Nothing in it can be wrong: check says so, and sets nothing up either.
    let out = run(&db, &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains(": ok, but empty"), "{}", stderr(&out));
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "still empty");
    let out = run(&db, &["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("created, schema v"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        scalar(&db, "SELECT MAX(version) FROM refinery_schema_history"),
        newsdb::db::latest_schema_version()
    );
    let out = run(&db, &["init"]);
    assert!(
        stderr(&out).contains("already at schema"),
        "{}",
        stderr(&out)
    );
    newsdb(&db).arg("stats").assert().success();
    // A missing file is an error for every command but import and init.
    let missing = dir.path().join("missing.sqlite");
    for args in [
        &["stats"][..],
        &["aliases", "add", "A", "misc", "B"],
        &["resolve"],
    ] {
        let out = run(&missing, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("does not exist"), "{args:?}");
        assert!(!missing.exists(), "{args:?} created the file");
    }
}

#[test]
fn reading_commands_never_migrate_an_older_newsdb_file_and_say_how_to() {
    let latest = newsdb::db::latest_schema_version();
    let older = latest as i32 - 1;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.sqlite");
    drop(newsdb::db::open_at_version(&db, older).unwrap());
    let version = |db: &Path| scalar(db, "SELECT MAX(version) FROM refinery_schema_history");
    for args in [
        &["stats"][..],
        &["search", "assad"],
        &["check"],
        &["sql", "SELECT 1"],
    ] {
        let out = run(&db, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            stderr(&out),
            format!(
                "error: {0} has schema v{older}, older than this newsdb's v{latest}; upgrade \
                 it with `newsdb init --db {0}` (or any `newsdb import`), then run this again\n",
                db.display()
            ),
            "{args:?}"
        );
        assert_eq!(version(&db), i64::from(older), "{args:?} migrated the file");
    }
    let out = run(&db, &["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("upgraded from schema v{older} to v{latest}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(version(&db), latest);
    newsdb(&db).arg("stats").assert().success();
    // A command that changes the database brings it up to date itself.
    let db2 = dir.path().join("old2.sqlite");
    drop(newsdb::db::open_at_version(&db2, older).unwrap());
    newsdb(&db2).arg("resolve").assert().success();
    assert_eq!(version(&db2), latest);
}

/// `chattr +i` on a folder where it stops everyone, root included, from creating a
/// file in it; `None` where it does not.
fn immutable_dir(dir: &Path) -> Option<Immutable> {
    let guard = Immutable::set(dir)?;
    let probe = dir.join("probe");
    if std::fs::write(&probe, b"x").is_ok() {
        let _ = std::fs::remove_file(&probe);
        return None;
    }
    Some(guard)
}

/// A folder no process can create files in: SQLite cannot create the `-shm` file a
/// WAL database needs beside it. Tests run as root, for whom permission bits do not
/// count, so this uses the immutable attribute (`chattr +i`), which stops root too.
#[test]
fn a_database_in_a_read_only_folder_is_read_as_immutable_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("archive");
    std::fs::create_dir(&folder).unwrap();
    let db = seeded(&folder);
    assert_eq!(journal_mode(&db), "wal");
    let before = std::fs::read(&db).unwrap();
    let Some(_guard) = immutable_dir(&folder) else {
        assert!(
            !common::in_ci(),
            "chattr +i is unavailable: cannot make a read-only folder for this test"
        );
        common::skip("a_database_in_a_read_only_folder_...: chattr +i is unavailable");
        return;
    };
    let note = format!(
        "note: {} is read as an unchanging file: SQLite cannot create its -shm file in \
         that folder (read-only), so changes by other programs are not seen\n",
        db.display()
    );
    for (args, shows) in [
        (&["stats", "--format", "json"][..], "\"articles\": 1"),
        (
            &["search", "assad", "--format", "csv"],
            "000_74746990a53cdcfb",
        ),
        (
            &[
                "sql",
                "SELECT COUNT(*) AS n FROM articles",
                "--format",
                "csv",
            ],
            "n\n1\n",
        ),
        (
            &["entity", "Bashar al-Assad", "--format", "json"],
            "Bashar al-Assad",
        ),
    ] {
        let out = run(&db, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).starts_with(&note),
            "{args:?}: {}",
            stderr(&out)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains(shows), "{args:?}: {stdout}");
    }
    // check reads everything it can, and says what it could not check.
    let out = run(&db, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("not checked: the full-text index: its check is a write in FTS5, and the database's folder is read-only"),
        "{err}"
    );
    assert!(
        !err.contains("does not match") && !err.contains("readonly"),
        "{err}"
    );
    // A command that writes cannot, and says why.
    let out = run(&db, &["resolve"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "error: cannot change {}: SQLite cannot create its -wal and -shm files in that \
             folder (is it read-only?); commands that only read still work\n",
            db.display()
        )
    );
    drop(_guard);
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
}

/// Rows without end, quick to make.
const ENDLESS: &str =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";

#[test]
fn sql_streams_rows_until_its_timeout_in_machine_formats() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    // Endless rows: printed as they come, until the timeout stops the command. (When
    // rows were collected first, nothing was printed and memory grew until then.)
    for (format, first) in [("csv", "x\n1\n2\n3\n"), ("jsonl", "{\"x\":1}\n{\"x\":2}\n")] {
        let out = newsdb(&db)
            .args(["sql", "--timeout", "1", "--format", format, ENDLESS])
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}: {}", stderr(&out));
        assert!(stderr(&out).contains("timeout of 1 s"), "{}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with(first), "{format}: {}", &stdout[..50]);
        assert!(
            stdout.lines().count() > 10_000,
            "{format}: rows were streamed"
        );
    }
    // JSON stays one valid document, ended where the timeout stopped it.
    let out = newsdb(&db)
        .args(["sql", "--timeout", "0.5", "--format", "json", ENDLESS])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["x"], 1);
    assert!(rows.as_array().unwrap().len() > 1000);
}

#[test]
fn sql_timeout_covers_turning_a_value_into_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    // A statement of a few steps (SQLite's progress handler never runs) whose one value
    // takes long to print: 200 MB of blob is 400 MB of hex. The timeout used to cover
    // SQLite's steps only, so this ran to the end and exited 0.
    let out = newsdb(&db)
        .args([
            "sql",
            "--timeout",
            "0.005",
            "--format",
            "json",
            "SELECT zeroblob(200000000) AS b",
        ])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("query interrupted: it ran longer than the timeout of 0.005 s"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sql_tables_show_a_bounded_preview_and_say_when_rows_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    // Endless rows, no timeout: the table shows the first 1000 and stops reading.
    let out = newsdb(&db)
        .args(["sql", "--timeout", "0", ENDLESS])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1002, "header, rule and 1000 rows");
    assert_eq!(lines[2], "1");
    assert_eq!(lines[1001], "1000");
    assert_eq!(
        stderr(&out),
        "showing the first 1000 rows, there are more: add LIMIT and OFFSET, or use \
         --format csv, tsv, json or jsonl, which print every row\n"
    );
    // Exactly 1000 rows are all shown, without the note.
    let out = run(
        &db,
        &[
            "sql",
            &format!("{} LIMIT 1000", ENDLESS.trim_end_matches(';')),
        ],
    );
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1002);
    assert_eq!(stderr(&out), "");
    // A huge value shows its start: the table reads 1000 characters of it at most.
    let out = run(&db, &["sql", "SELECT 7 AS n, zeroblob(50000000) AS b"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row = stdout.lines().nth(2).unwrap();
    assert!(row.starts_with("7  0000"), "{row}");
    assert!(row.ends_with('…') && row.chars().count() <= 120, "{row}");
}

#[test]
fn search_refuses_queries_too_long_to_run_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    // 30,000 repeated words ran for minutes; now refused before any work. (One
    // argument holds at most 128 KiB on Linux.)
    let words = "war ".repeat(30_000);
    let out = newsdb(&db)
        .args(["search", &words])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: search query too long: 120000 characters, at most 1000; search for fewer words\n"
    );
    // 200 prefix terms (600 characters) ran for minutes too.
    let prefixes = "t* ".repeat(200);
    let out = newsdb(&db)
        .args(["search", prefixes.trim()])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: search query too long: 200 terms, at most 64 (each word, and each part of \
         a word such as Kilroy-Silk, is a term); search for fewer words\n"
    );
    // Operators and column names are not terms: 64 words with them pass.
    let fine = vec!["title:assad OR tehran"; 32].join(" OR ");
    newsdb(&db).args(["search", &fine]).assert().success();
    let out = run(&db, &["search", &format!("{fine} OR syria")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("65 terms, at most 64"),
        "{}",
        stderr(&out)
    );
}

/// A database of `n` generated articles, each 40 words of a vocabulary of 4,000 (`w0`
/// ... `w3999`), written with plain SQL (the full-text index follows by trigger).
fn generated(dir: &Path, n: usize) -> PathBuf {
    let db = dir.join("generated.sqlite");
    newsdb(&db).arg("init").assert().success();
    let mut conn = Connection::open(&db).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO articles (external_id, title, body, content_hash, imported_at)
                 VALUES (?1, ?2, ?3, ?1, '2020-01-01T00:00:00Z')",
            )
            .unwrap();
        let mut x: u64 = 42;
        let mut word = || {
            // A small linear congruential generator: the same words at every run.
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            format!("w{}", (x >> 33) % 4000)
        };
        for i in 0..n {
            let title: Vec<String> = (0..5).map(|_| word()).collect();
            let body: Vec<String> = (0..40).map(|_| word()).collect();
            insert
                .execute(rusqlite::params![
                    format!("g{i}"),
                    title.join(" "),
                    body.join(" ")
                ])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    db
}

#[test]
fn search_stops_at_its_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = generated(dir.path(), 20_000);
    // 60 prefix terms, each matching about 1,100 words in every article: FTS5 merges
    // hundreds of thousands of doclists, far more than 50 ms of work.
    let query: Vec<String> = (1..=60).map(|i| format!("w{}*", i % 10)).collect();
    let query = query.join(" OR ");
    let out = newsdb(&db)
        .args(["search", &query, "--timeout", "0.05"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "error: search interrupted: it ran longer than the timeout of 0.05 s (raise it with \
         --timeout SECONDS, 0 for none)\n"
    );
    // A plain word is found well within the default timeout.
    let out = run(&db, &["search", "w7", "--limit", "3", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
    // And a bad value is a usage error.
    assert_eq!(
        run(&db, &["search", "w7", "--timeout", "-1"]).status.code(),
        Some(2)
    );
}

/// `chattr +i` on a file: even root cannot write it.
fn immutable_file(path: &Path) -> Option<Immutable> {
    let writable = |p: &Path| std::fs::OpenOptions::new().write(true).open(p).is_ok();
    Immutable::set(path).filter(|_| !writable(path))
}

#[test]
fn check_on_a_read_only_file_reports_no_false_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let before = std::fs::read(&db).unwrap();
    let Some(_guard) = immutable_file(&db) else {
        assert!(!common::in_ci(), "chattr +i is unavailable");
        common::skip("check_on_a_read_only_file_...: chattr +i is unavailable");
        return;
    };
    let out = run(&db, &["check", "--format", "json"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    assert!(
        err.contains("not checked: the full-text index: its check needs write access to the file"),
        "{err}"
    );
    assert!(!err.contains("does not match"), "{err}");
    drop(_guard);
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
}

#[test]
fn streamed_sql_rows_stop_quietly_when_the_reader_goes_away() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let bin = assert_cmd::cargo::cargo_bin("newsdb");
    for format in ["csv", "tsv", "json", "jsonl"] {
        // Endless rows and no timeout: only the closed pipe (`| head`) ends the command.
        let mut child = std::process::Command::new(&bin)
            .env("NEWSDB_DB", &db)
            .args(["sql", "--timeout", "0", "--format", format, ENDLESS])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 64];
        child
            .stdout
            .as_mut()
            .unwrap()
            .read_exact(&mut first)
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{format}");
    }
}
