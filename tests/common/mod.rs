//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed directory.
pub fn seeds() -> PathBuf {
    repo().join("seeds")
}

/// Whether the tests run in CI (`CI` set to `true` or `1`, as CI services do).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// `path` if it exists; otherwise `None` with a skip line, or, in CI, a panic: a CI run
/// where `../shared` is missing must fail instead of passing with its data tests skipped.
pub fn required(path: PathBuf, ci: bool) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(
        !ci,
        "{} is absent and CI is set: the tests that need ../shared must run in CI \
         (check out the shared data beside the repository)",
        path.display()
    );
    skip(&format!("{} is absent", path.display()));
    None
}

/// `../shared/data`, or `None` (with a skip line) when it is absent; a panic in CI.
pub fn shared_data() -> Option<PathBuf> {
    required(repo().join("../shared/data"), in_ci())
}

/// A file or folder under `../shared/data` (`conll2003/eng.testa`), or `None` (with a
/// skip line) when it is absent; a panic in CI.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    shared_data().and_then(|d| required(d.join(relative), in_ci()))
}

/// Reports a skipped test on the real stderr: `eprintln!` output is captured by the
/// test harness and shown only for failures, so a skip would otherwise go unseen.
pub fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// A `newsdb` command using the database `db`.
pub fn newsdb(db: &Path) -> Command {
    let mut c = Command::cargo_bin("newsdb").expect("the newsdb binary is built for tests");
    c.env("NEWSDB_DB", db).env_remove("COLUMNS");
    c
}

/// Runs a query with rusqlite and returns the first column of the first row.
pub fn scalar(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("test database opens");
    conn.query_row(sql, [], |r| r.get(0))
        .expect("scalar query runs")
}

/// Every row of the summary tables (and of `source_paragraphs` and `paragraphs`), in
/// key order, as text: for comparing two stores that must hold the same.
pub fn summaries(db: &Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut out = Vec::new();
    for table in [
        "entity_units",
        "unit_totals",
        "sentence_pairs",
        "paragraph_pairs",
        "article_pairs",
        "frequent_entities",
        "entity_days",
        "entity_mentions",
        "entity_kind_votes",
        "entity_names",
        "source_paragraphs",
        "paragraphs",
    ] {
        let n = conn
            .prepare(&format!("SELECT * FROM {table}"))
            .unwrap()
            .column_count();
        let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT * FROM {table} ORDER BY {}",
                order.join(", ")
            ))
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap();
        for row in rows {
            out.push(format!("{table}: {}", row.unwrap().join(", ")));
        }
    }
    out
}

/// The immutable attribute (`chattr +i`) on a file or folder for as long as the guard
/// lives: even root, for whom permission bits do not count, cannot change it then.
/// `None` where `chattr` or the attribute is unavailable.
pub struct Immutable(PathBuf);

impl Immutable {
    pub fn set(path: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}
