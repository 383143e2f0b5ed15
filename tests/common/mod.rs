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

/// `../shared/data`, or `None` (with a message) when it is absent.
pub fn shared_data() -> Option<PathBuf> {
    let p = repo().join("../shared/data");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: {} is absent", p.display());
        None
    }
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
