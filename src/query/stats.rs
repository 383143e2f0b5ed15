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
}
