//! Crash safety and concurrency through the real binary: imports killed with SIGKILL
//! at several points leave a valid database that a second run completes; readers
//! running beside an import never see "database is locked" or a count going down;
//! two imports into one file serialize; a full disk or a read-only file is a clear
//! error with nothing half-written.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use common::{newsdb, scalar, Immutable};
use newsdb::{ImportOptions, Store};
use predicates::prelude::*;
use rusqlite::{Connection, OpenFlags};

/// BBC categories copied for the tests: enough articles that an import takes a few
/// seconds on a loaded 2-core machine.
const CATEGORIES: &[&str] = &["business", "politics"];

/// `../shared/data/bbc`, or `None` with a visible skip line (a panic in CI).
fn bbc() -> Option<PathBuf> {
    common::shared_file("bbc")
}

/// Row counts compared between interrupted and uninterrupted imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    articles: i64,
    paragraphs: i64,
    entities: i64,
    mentions: i64,
    aliases: i64,
}

fn counts(db: &Path) -> Counts {
    let conn = Connection::open(db).unwrap();
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM paragraphs),
                (SELECT COUNT(*) FROM entities), (SELECT COUNT(*) FROM mentions),
                (SELECT COUNT(*) FROM entity_aliases)",
        [],
        |r| {
            Ok(Counts {
                articles: r.get(0)?,
                paragraphs: r.get(1)?,
                entities: r.get(2)?,
                mentions: r.get(3)?,
                aliases: r.get(4)?,
            })
        },
    )
    .unwrap()
}

/// The corpus (copied once into a temp dir) and the counts of one uninterrupted import.
struct Reference {
    _dir: tempfile::TempDir,
    corpus: PathBuf,
    db: PathBuf,
    counts: Counts,
}

fn reference() -> Option<&'static Reference> {
    static REF: OnceLock<Option<Reference>> = OnceLock::new();
    REF.get_or_init(|| {
        let bbc = bbc()?;
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("bbc");
        for cat in CATEGORIES {
            let to = corpus.join(cat);
            std::fs::create_dir_all(&to).unwrap();
            for e in std::fs::read_dir(bbc.join(cat)).unwrap() {
                let p = e.unwrap().path();
                // Every category has a 001.txt; the external id is the file stem, so
                // prefix the category to keep the articles apart.
                let name = format!("{cat}-{}", p.file_name().unwrap().to_string_lossy());
                std::fs::copy(&p, to.join(name)).unwrap();
            }
        }
        let db = dir.path().join("reference.sqlite");
        newsdb(&db).arg("import").arg(&corpus).assert().success();
        let counts = counts(&db);
        assert!(counts.articles > 500 && counts.mentions > 0, "{counts:?}");
        Some(Reference {
            _dir: dir,
            corpus,
            db,
            counts,
        })
    })
    .as_ref()
}

fn spawn_import(db: &Path, corpus: &Path) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
        .arg("import")
        .arg(corpus)
        .arg("--db")
        .arg(db)
        .arg("--quiet")
        // Several batches in the corpus, so kills land inside and between them.
        .args(["--batch-size", "100"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Articles committed so far, read as another process would (0 before the schema exists).
fn committed_articles(db: &Path) -> i64 {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| {
            c.busy_timeout(Duration::from_secs(5))?;
            c.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0))
        })
        .unwrap_or(0)
}

/// Everything `newsdb check` promises, checked with plain SQL, then `newsdb check`.
fn assert_healthy(db: &Path, reference: Option<&Path>, when: &str) {
    {
        let conn = Connection::open(db).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok", "{when}");
        let has_schema: bool = conn
            .query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'articles_fts'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if has_schema {
            conn.execute(
                "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .unwrap_or_else(|e| panic!("{when}: fts index: {e}"));
            // The loader drops `articles_ai` inside each batch's transaction and creates
            // it again before committing: a kill must never leave it missing.
            let triggers: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'
                     AND name IN ('articles_ai', 'articles_ad', 'articles_au')",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(triggers, 3, "{when}: full-text index triggers");
            let fk: i64 = conn
                .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(fk, 0, "{when}: foreign keys");
            let orphans: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM articles a
                     WHERE NOT EXISTS (SELECT 1 FROM paragraphs p WHERE p.article_id = a.id)",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(orphans, 0, "{when}: articles without paragraphs");
            if let Some(reference) = reference {
                // Each committed article has all its paragraphs and mentions: the
                // same numbers as in the uninterrupted import.
                conn.execute("ATTACH ?1 AS ref", [reference.to_str().unwrap()])
                    .unwrap();
                let incomplete: i64 = conn
                    .query_row(
                        "SELECT COUNT(*) FROM articles a JOIN ref.articles r USING (external_id)
                         WHERE (SELECT COUNT(*) FROM mentions WHERE article_id = a.id)
                            <> (SELECT COUNT(*) FROM ref.mentions WHERE article_id = r.id)
                            OR (SELECT COUNT(*) FROM paragraphs WHERE article_id = a.id)
                            <> (SELECT COUNT(*) FROM ref.paragraphs WHERE article_id = r.id)",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(incomplete, 0, "{when}: articles with missing rows");
                conn.execute("DETACH ref", []).unwrap();
            }
        }
    }
    newsdb(db)
        .arg("check")
        .assert()
        .success()
        .stderr(predicate::str::contains("ok"));
}

#[test]
fn imports_killed_at_any_point_leave_a_valid_database_that_a_rerun_completes() {
    let Some(reference) = reference() else { return };
    let total = reference.counts.articles;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.sqlite");

    // (label, kill once this many articles are committed (None: as soon as the file
    // exists), then wait this long so the kill lands inside the next batch)
    let points: [(&str, Option<i64>, u64); 7] = [
        ("while creating the file", None, 0),
        ("right after the first batch", Some(1), 0),
        ("inside the second batch", Some(1), 150),
        ("a quarter in", Some(total / 4), 80),
        ("half-way", Some(total / 2), 300),
        ("three quarters in", Some(total * 3 / 4), 40),
        ("near the end", Some(total * 19 / 20), 0),
    ];
    let mut survived = Vec::new();
    for (label, threshold, delay) in points {
        let mut child = spawn_import(&db, &reference.corpus);
        let killed_at = loop {
            if let Some(status) = child.try_wait().unwrap() {
                eprintln!("import finished ({status}) before the kill point {label:?}");
                break None;
            }
            let reached = match threshold {
                None => db.exists(),
                Some(n) => committed_articles(&db) >= n,
            };
            if reached {
                std::thread::sleep(Duration::from_millis(delay));
                if child.try_wait().unwrap().is_some() {
                    eprintln!("import finished before the kill point {label:?}");
                    break None;
                }
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                break Some(committed_articles(&db));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if let Some(n) = killed_at {
            survived.push(format!("{label} ({n} of {total} articles committed)"));
        }
        assert_healthy(&db, Some(&reference.db), label);
    }
    eprintln!(
        "kills survived: {}: {}",
        survived.len(),
        survived.join("; ")
    );
    assert!(
        survived.len() >= 3,
        "too few kills landed during an import: {survived:?}"
    );

    // Running the import again finishes the job: the same rows as one clean run.
    newsdb(&db)
        .arg("import")
        .arg(&reference.corpus)
        .assert()
        .success();
    assert_healthy(&db, Some(&reference.db), "after the re-run");
    assert_eq!(counts(&db), reference.counts);
}

/// Runs `newsdb sql QUERY --format csv` and returns the single number it prints.
fn sql_number(db: &Path, query: &str) -> i64 {
    let out = newsdb(db)
        .args(["sql", query, "--format", "csv"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{query}: {:?}: {stderr}",
        out.status.code()
    );
    assert!(!stderr.contains("locked"), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("{query} printed {stdout:?}"))
}

#[test]
fn readers_beside_an_import_see_growing_counts_and_never_a_lock() {
    let Some(reference) = reference() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("busy.sqlite");
    let mut import = spawn_import(&db, &reference.corpus);
    // Readers start once the schema exists and a first batch is in.
    while committed_articles(&db) == 0 {
        if import.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    let done = AtomicBool::new(false);
    let runs = AtomicUsize::new(0);
    let during = AtomicUsize::new(0);
    // Per reader (three SQL readers, then search): runs started while the import ran.
    let during_by_reader: [AtomicUsize; 4] = Default::default();
    // The smallest article count a reader saw while the import ran.
    let partial = AtomicI64::new(i64::MAX);
    let queries: [&str; 3] = [
        "SELECT COUNT(*) FROM articles",
        "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'government OR market'",
        "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id",
    ];
    std::thread::scope(|s| {
        for (k, query) in queries.into_iter().enumerate() {
            let (db, done, runs, during) = (&db, &done, &runs, &during);
            let (mine, partial) = (&during_by_reader[k], &partial);
            s.spawn(move || {
                let mut last = 0;
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let n = sql_number(db, query);
                    assert!(n >= last, "{query}: {n} after {last}");
                    last = n;
                    runs.fetch_add(1, Ordering::SeqCst);
                    if !finished {
                        during.fetch_add(1, Ordering::SeqCst);
                        mine.fetch_add(1, Ordering::SeqCst);
                        if k == 0 {
                            partial.fetch_min(n, Ordering::SeqCst);
                        }
                    }
                    if finished {
                        break;
                    }
                }
            });
        }
        let (db, done, runs, during) = (&db, &done, &runs, &during);
        let mine = &during_by_reader[3];
        s.spawn(move || loop {
            let finished = done.load(Ordering::SeqCst);
            newsdb(db)
                .args(["search", "government", "--limit", "3", "--format", "json"])
                .assert()
                .success()
                .stderr(predicate::str::contains("locked").not());
            runs.fetch_add(1, Ordering::SeqCst);
            if !finished {
                during.fetch_add(1, Ordering::SeqCst);
                mine.fetch_add(1, Ordering::SeqCst);
            } else {
                break;
            }
        });
        let out = import.wait_with_output().unwrap();
        done.store(true, Ordering::SeqCst);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    eprintln!(
        "reader runs: {} ({} while the import ran)",
        runs.load(Ordering::SeqCst),
        during.load(Ordering::SeqCst)
    );
    // The readers really ran beside the import: each of them at least once (the
    // import runs for seconds, a reader for a fraction of one), and one of them saw the
    // import half done, with some articles committed and not all.
    let by_reader: Vec<usize> = during_by_reader
        .iter()
        .map(|n| n.load(Ordering::SeqCst))
        .collect();
    assert!(
        by_reader.iter().all(|&n| n >= 1) && during.load(Ordering::SeqCst) >= 8,
        "too few reader runs overlapped the import: {by_reader:?}"
    );
    let partial = partial.load(Ordering::SeqCst);
    assert!(
        partial >= 1 && partial < reference.counts.articles,
        "no reader saw a partial import ({partial} of {} articles)",
        reference.counts.articles
    );
    assert_eq!(counts(&db), reference.counts);
    assert_healthy(&db, Some(&reference.db), "after the import with readers");
}

#[test]
fn two_imports_into_one_file_serialize() {
    let Some(reference) = reference() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("twice.sqlite");
    let a = spawn_import(&db, &reference.corpus);
    let b = spawn_import(&db, &reference.corpus);
    for (name, child) in [("first", a), ("second", b)] {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{name} import: {:?}: {stderr}",
            out.status.code()
        );
    }
    assert_healthy(&db, Some(&reference.db), "after two imports at once");
    assert_eq!(counts(&db), reference.counts);
    let runs: i64 = common::scalar(
        &db,
        "SELECT COUNT(*) FROM imports WHERE finished_at IS NOT NULL",
    );
    assert_eq!(runs, 2);
}

#[test]
fn a_full_disk_rolls_the_batch_back_and_a_rerun_completes() {
    let Some(reference) = reference() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("full.sqlite");
    let mut store = Store::open(&db).unwrap();
    let opts = ImportOptions {
        jobs: 2,
        batch_size: 100,
        ..ImportOptions::default()
    };
    store.import(&[common::seeds()], &opts).unwrap();
    let pages: i64 = store
        .conn()
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    // The "disk" holds about 3.6 MB more: a few batches of 100 articles (about 1 MB
    // each), not the whole corpus (about 9.5 MB). (600 KB did not hold even one batch,
    // so "the batch rolls back" could not be told from "everything rolls back".)
    store
        .conn()
        .query_row(
            &format!("PRAGMA max_page_count = {}", pages + 900),
            [],
            |_| Ok(()),
        )
        .unwrap();
    let err = store
        .import(std::slice::from_ref(&reference.corpus), &opts)
        .expect_err("the import does not fit");
    assert!(err.to_string().contains("full"), "{err}");
    let problems = store.check().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    // The failed batch rolled back, the batches before it stayed: more than the seed,
    // less than everything. ("Everything rolls back" would leave the seed alone.)
    let stored = store.counts().unwrap().articles;
    eprintln!("the full disk kept {stored} articles");
    assert!(
        stored > 100 && stored < reference.counts.articles + 1,
        "{stored} articles stored of 1 + {}",
        reference.counts.articles
    );
    drop(store);
    assert_healthy(&db, Some(&reference.db), "after a full disk");

    // With room again, the same import finishes the job.
    newsdb(&db)
        .arg("import")
        .arg(&reference.corpus)
        .assert()
        .success();
    assert_healthy(&db, Some(&reference.db), "after the re-run");
    let c = counts(&db);
    assert_eq!(
        c.articles,
        reference.counts.articles + 1,
        "the seed and the corpus"
    );
}

fn writable(path: &Path) -> bool {
    std::fs::OpenOptions::new().write(true).open(path).is_ok()
}

/// `chattr +i` on a file that it then stops from being written, root included.
fn immutable(path: &Path) -> Option<Immutable> {
    Immutable::set(path).filter(|_| !writable(path))
}

#[test]
fn importing_into_a_read_only_file_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ro.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(common::seeds())
        .assert()
        .success();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    // Root writes to a 0444 file anyway; the immutable attribute stops root too.
    let _immutable = if writable(&db) {
        match immutable(&db) {
            Some(guard) => Some(guard),
            None => {
                // Root writes through 0444; without the immutable attribute there is
                // no read-only file to test. CI must not pass without this test.
                assert!(
                    !common::in_ci(),
                    "running as root and chattr +i is unavailable: cannot make a \
                     read-only file for this test (run it as a normal user)"
                );
                common::skip("importing_into_a_read_only_file_is_a_clear_error: running as root and chattr +i is unavailable");
                return;
            }
        }
    } else {
        None
    };
    let before = std::fs::read(&db).unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(
        input.join("new.txt"),
        "A new title\nA paragraph about the Bank of England.\n",
    )
    .unwrap();
    newsdb(&db)
        .arg("import")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("ro.sqlite")
                .and(predicate::str::contains("read-only"))
                .and(predicate::str::contains("panicked").not()),
        );
    assert_eq!(std::fs::read(&db).unwrap(), before, "the file is untouched");
    // Reading still works.
    newsdb(&db)
        .args([
            "sql",
            "SELECT COUNT(*) AS n FROM articles",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout("n\n1\n");
}

const RUNAWAY: &str =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";

#[test]
fn a_runaway_query_is_interrupted_by_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(common::seeds())
        .assert()
        .success();
    newsdb(&db)
        .args(["sql", "--timeout", "1", RUNAWAY])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("timeout of 1 s"));
    let err = newsdb::store::run_read_only_sql(&db, RUNAWAY, Some(Duration::from_millis(200)))
        .unwrap_err();
    assert!(err.to_string().contains("timeout"), "{err}");
    // A quick query is not affected, and a bad value is a usage error.
    newsdb(&db)
        .args([
            "sql",
            "--timeout",
            "0.5",
            "SELECT COUNT(*) AS n FROM articles",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout("n\n1\n");
    newsdb(&db)
        .args(["sql", "--timeout", "-1", "SELECT 1"])
        .assert()
        .code(2);
}

#[test]
fn sql_refuses_attach_extensions_pragmas_and_vacuum_into_and_leaves_the_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(common::seeds())
        .assert()
        .success();
    let before = std::fs::read(&db).unwrap();
    let other = dir.path().join("other.sqlite");
    let copy = dir.path().join("copy.sqlite");
    let refused = [
        format!("ATTACH '{}' AS x", other.display()),
        "SELECT load_extension('/nonexistent/ext')".to_string(),
        "PRAGMA writable_schema = ON".to_string(),
        "PRAGMA journal_mode = DELETE".to_string(),
        "PRAGMA user_version = 7".to_string(),
        format!("VACUUM INTO '{}'", copy.display()),
        "VACUUM".to_string(),
        "DELETE FROM articles".to_string(),
        "UPDATE articles SET title = 'x'".to_string(),
        "DROP TABLE mentions".to_string(),
        "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')".to_string(),
    ];
    for q in &refused {
        newsdb(&db)
            .args(["sql", q])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("refused").and(predicate::str::contains("read-only")));
    }
    assert!(
        !other.exists() && !copy.exists(),
        "no other file was created"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database file is untouched"
    );
    // Pragmas that read are still allowed, those SQLite counts as writers whatever
    // their argument (journal_mode) included.
    for q in [
        "PRAGMA table_info(articles)",
        "PRAGMA writable_schema",
        "PRAGMA integrity_check",
        "PRAGMA journal_mode",
        "pragma main.journal_mode;",
    ] {
        newsdb(&db).args(["sql", q]).assert().success();
    }
    newsdb(&db)
        .args(["sql", "PRAGMA journal_mode", "--format", "csv"])
        .assert()
        .success()
        .stdout(predicate::str::contains("wal"));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the database file is untouched"
    );
}

#[test]
fn missing_shared_data_is_a_skip_locally_and_a_failure_in_ci() {
    let missing = common::repo().join("../shared/data/no-such-folder");
    assert_eq!(common::required(missing.clone(), false), None);
    let in_ci = std::panic::catch_unwind(|| common::required(missing, true));
    let message = in_ci.expect_err("a missing ../shared fails in CI");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("no-such-folder") && message.contains("CI"),
        "{message}"
    );
    // Present data is returned as is.
    let seeds = common::seeds();
    assert_eq!(common::required(seeds.clone(), true), Some(seeds));
}

#[test]
fn check_beside_a_writer_says_what_it_could_not_check_and_never_cries_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("busy.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(common::seeds())
        .assert()
        .success();
    // Another writer holds the write lock for the whole check.
    let writer = Connection::open(&db).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = newsdb(&db).arg("check").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("not checked: the full-text index: another program is writing"),
        "{stderr}"
    );
    assert!(!stderr.contains("does not match"), "{stderr}");
    assert!(
        stderr.contains("no problem found in what could be checked"),
        "{stderr}"
    );
    writer.execute_batch("ROLLBACK").unwrap();
    // Once the writer is gone, everything is checked.
    let out = newsdb(&db).arg("check").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("not checked"), "{stderr}");
    assert!(stderr.contains(": ok"), "{stderr}");
}

#[test]
fn a_db_path_that_looks_like_a_uri_is_a_file_of_that_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("newsdb").unwrap();
        cmd.current_dir(dir.path())
            .args(["--db", "file:real.sqlite"])
            .args(args);
        cmd.assert().success()
    };
    run(&["import", "--quiet", common::seeds().to_str().unwrap()]);
    assert!(dir.path().join("file:real.sqlite").is_file());
    assert!(!dir.path().join("real.sqlite").exists());
    // Read-only commands open the same file.
    let out = run(&["sql", "SELECT COUNT(*) FROM articles", "--format", "csv"]);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert_eq!(stdout.lines().nth(1), Some("1"), "{stdout}");
    assert!(!dir.path().join("real.sqlite").exists());
}

#[test]
fn a_dry_run_without_a_database_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("missing.sqlite");
    let out = newsdb(&db)
        .args(["import", "--dry-run", "--format", "json"])
        .arg(common::seeds())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["inserted"], 1, "{report}");
    assert_eq!(report["rolled_back"], true, "{report}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "a dry run left {left:?}");
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_imported_not_a_panic() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    let file = dir.path().join(name);
    std::fs::copy(common::seeds().join("000_74746990a53cdcfb.txt"), &file).unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(&file).assert().success();
    assert_eq!(
        counts(&db).articles,
        1,
        "the file named by a non-UTF-8 argument is imported"
    );
}

#[test]
fn out_of_range_batch_sizes_and_job_counts_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    for args in [
        ["--batch-size", "18446744073709551615"],
        ["--batch-size", "100000000000"],
        ["--batch-size", "0"],
        ["--jobs", "100000"],
    ] {
        newsdb(&db)
            .arg("import")
            .args(args)
            .arg(common::seeds())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("invalid value"));
    }
    assert!(!db.exists(), "a refused command created the database");
    newsdb(&db)
        .args(["reextract", "--all", "--jobs", "100000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value"));
    // The largest limit is a limit, not an allocation.
    newsdb(&db)
        .arg("import")
        .arg(common::seeds())
        .assert()
        .success();
    newsdb(&db)
        .args([
            "search",
            "syria",
            "--sort",
            "newest",
            "--limit",
            "4294967295",
        ])
        .args(["--format", "jsonl"])
        .assert()
        .success()
        .stdout(predicate::str::contains("000_74746990a53cdcfb"));
}

#[test]
fn show_never_prints_terminal_control_sequences_from_imported_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let record = serde_json::json!({
        "id": "esc",
        "title": "Markets \u{1b}]0;pwned\u{7} rally",
        "body": "Shares in London rose \u{1b}[2J\u{1b}[31msharply\u{1b}[0m on Monday.\nA second paragraph.",
    });
    let file = dir.path().join("esc.jsonl");
    std::fs::write(&file, format!("{record}\n")).unwrap();
    newsdb(&db).arg("import").arg(&file).assert().success();
    let out = newsdb(&db).args(["show", "esc"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{text:?}"
    );
    assert!(
        text.contains("Markets \u{FFFD}]0;pwned\u{FFFD} rally"),
        "{text}"
    );
    assert!(text.contains("\u{FFFD}[31msharply"), "{text}");
    assert!(text.contains("A second paragraph."), "{text}");
}

#[test]
fn a_failure_after_the_last_commit_says_what_was_committed() {
    // The full-text index is merged once an import has written 1000 articles: after
    // its last commit, or with extraction inside the linking pass's transaction while
    // a second connection reads the evidence. A full disk there (simulated with a
    // failpoint that debug builds have) must not read as a failed import, nor undo
    // the pass.
    for extract in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t.sqlite");
        let file = dir.path().join("many.jsonl");
        let lines: Vec<String> = (0..1000)
            .map(|i| {
                serde_json::json!({"id": format!("a{i}"), "title": format!("Story {i}"),
                    "body": format!("Paragraph number {i} of the archive. \
                        Gordon Brown met Tony Blair in London. Mr Brown said so.")})
                .to_string()
            })
            .collect();
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        let mut import = newsdb(&db);
        import.env("NEWSDB_FAILPOINT", "fts-optimize").arg("import");
        if !extract {
            import.arg("--no-extract");
        }
        import.arg(&file).assert().success().stderr(
            predicate::str::contains("all 1000 new or updated article(s) were committed")
                .and(predicate::str::contains("disk is full")),
        );
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 1000);
        // The pass committed: nothing is left for a later one.
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM pending_name_links"), 0);
        if extract {
            assert!(
                scalar(&db, "SELECT COUNT(*) FROM mentions") >= 3000,
                "every article's names are stored"
            );
        }
        newsdb(&db).arg("check").assert().success();
        newsdb(&db)
            .args(["search", "archive", "--limit", "1"])
            .assert()
            .success();
    }
}
