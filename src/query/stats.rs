//! Database statistics: row counts, date range, schema version and file size.

use rusqlite::Connection;
use serde::Serialize;

use crate::error::Result;
use crate::Store;

/// A summary of a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Rows in `articles`.
    pub articles: i64,
    /// Rows in `entities`.
    pub entities: i64,
    /// Rows in `mentions`.
    pub mentions: i64,
    /// Rows in `entity_aliases`.
    pub aliases: i64,
    /// Rows in `import_errors`.
    pub import_errors: i64,
    /// Distinct sources.
    pub sources: i64,
    /// Earliest `published_at`.
    pub first_published: Option<String>,
    /// Latest `published_at`.
    pub last_published: Option<String>,
    /// Schema version (highest applied migration).
    pub schema_version: i64,
    /// Size of the database file plus its write-ahead log, in bytes (`None` in memory).
    pub file_bytes: Option<u64>,
}

// MIN and MAX of an indexed column are single index seeks.
const SQL_DATES: &str = "SELECT (SELECT MIN(published_at) FROM articles),
    (SELECT MAX(published_at) FROM articles),
    (SELECT COUNT(DISTINCT source) FROM articles)";

fn dates(conn: &Connection) -> Result<(Option<String>, Option<String>, i64)> {
    Ok(conn
        .prepare_cached(SQL_DATES)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}

/// Counts, date range, schema version and file size of `store`.
pub fn database_stats(store: &Store) -> Result<Stats> {
    let counts = store.counts()?;
    let (first_published, last_published, sources) = dates(store.conn())?;
    let file_bytes = store.path().map(|p| {
        let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let mut wal = p.as_os_str().to_owned();
        wal.push("-wal");
        size(p) + size(std::path::Path::new(&wal))
    });
    Ok(Stats {
        articles: counts.articles,
        entities: counts.entities,
        mentions: counts.mentions,
        aliases: counts.aliases,
        import_errors: counts.import_errors,
        sources,
        first_published,
        last_published,
        schema_version: store.schema_version()?,
        file_bytes,
    })
}

/// One `newsdb import` run and the first of the records it could not store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportRun {
    /// Row id in `imports`.
    pub id: i64,
    /// When it started (UTC, ISO-8601).
    pub started_at: String,
    /// When it ended; `None` while it runs (or if it was stopped).
    pub finished_at: Option<String>,
    /// The paths it was given.
    pub arguments: Option<String>,
    /// Articles inserted.
    pub inserted: i64,
    /// Articles updated.
    pub updated: i64,
    /// Articles already stored as they were.
    pub unchanged: i64,
    /// Records that failed.
    pub failed: i64,
    /// Records stored with a warning.
    pub warnings: i64,
    /// Its errors and warnings, the first [`IMPORT_ERRORS_SHOWN`].
    pub errors: Vec<ImportProblem>,
}

/// A record an import could not store, or stored with a warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    /// `error` or `warning`.
    pub severity: String,
    /// The file (and record) it came from.
    pub origin: String,
    /// What was wrong.
    pub message: String,
}

/// How many problems [`recent_imports`] lists per run.
pub const IMPORT_ERRORS_SHOWN: u32 = 20;

const SQL_IMPORTS: &str = "SELECT id, started_at, finished_at, arguments, inserted, updated,
        unchanged, failed, warnings
    FROM imports ORDER BY id DESC LIMIT ?1";
const SQL_IMPORT_ERRORS: &str = "SELECT severity, origin, message FROM import_errors
    WHERE import_id = ?1 ORDER BY id LIMIT ?2";

/// The latest `limit` import runs, newest first, each with its first problems.
pub fn recent_imports(conn: &Connection, limit: u32) -> Result<Vec<ImportRun>> {
    let mut runs: Vec<ImportRun> = conn
        .prepare_cached(SQL_IMPORTS)?
        .query_map([limit], |r| {
            Ok(ImportRun {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                arguments: r.get(3)?,
                inserted: r.get(4)?,
                updated: r.get(5)?,
                unchanged: r.get(6)?,
                failed: r.get(7)?,
                warnings: r.get(8)?,
                errors: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut problems = conn.prepare_cached(SQL_IMPORT_ERRORS)?;
    for run in &mut runs {
        run.errors = problems
            .query_map(rusqlite::params![run.id, IMPORT_ERRORS_SHOWN], |r| {
                Ok(ImportProblem {
                    severity: r.get(0)?,
                    origin: r.get(1)?,
                    message: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn stats_count_rows_and_dates() {
        let f = fixture::build();
        let s = database_stats(&f.store).unwrap();
        assert_eq!(s.articles, 3);
        assert_eq!(s.mentions, 16);
        assert_eq!(s.sources, 2);
        assert_eq!(s.first_published.as_deref(), Some("2019-02-25T10:00:00Z"));
        assert_eq!(s.schema_version, crate::db::latest_schema_version());
        assert_eq!(s.file_bytes, None);
    }

    #[test]
    fn recent_imports_list_runs_newest_first_with_their_problems() {
        let mut store = Store::open_in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.jsonl");
        std::fs::write(&bad, "{\"id\": \"x\", \"title\": \"t\", \"body\": \"b\", \"published\": \"next tuesday\"}\nnot json\n").unwrap();
        store
            .import(&[bad], &crate::ImportOptions::default())
            .unwrap();
        let good = dir.path().join("good.txt");
        std::fs::write(&good, "A title\nA body.\n").unwrap();
        store
            .import(&[good], &crate::ImportOptions::default())
            .unwrap();
        let runs = recent_imports(store.conn(), 5).unwrap();
        assert_eq!(runs.len(), 2);
        assert!(runs[0].id > runs[1].id);
        assert!(
            runs[1].errors.iter().any(|e| e.severity == "error"),
            "{runs:?}"
        );
        assert!(recent_imports(store.conn(), 1).unwrap().len() == 1);
    }
}
