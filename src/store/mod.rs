//! The store: a migrated SQLite connection with typed accessors, one file per table
//! family. Everything that writes to the database goes through here or `load`.

mod adhoc;
pub(crate) mod articles;
mod check;
mod corpus;
mod delete;
pub(crate) mod entities;
pub(crate) mod linking;
pub(crate) mod mentions;
mod merges;
pub(crate) mod paragraphs;
mod repair;
pub(crate) mod units;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;

use crate::db;
use crate::error::Result;

pub use adhoc::{read_only_sql, run_read_only_sql, QueryResult, SqlOptions, SqlRows};
pub use articles::{UpsertOutcome, Upserted};
pub use check::{CheckReport, Problem};
pub use corpus::{parse_alias_file, ResolveReport, UserAlias};
pub use delete::DeleteReport;
pub use merges::Merge;
pub use paragraphs::REPEATED_PARAGRAPH_ARTICLES;
pub use repair::{RepairReport, Repaired};

/// A newsdb database: one SQLite file (or an in-memory database) with the current schema.
pub struct Store {
    conn: Connection,
    path: Option<PathBuf>,
    /// How a read-only store reads its file; `None` for a store that may write.
    read_mode: Option<db::ReadMode>,
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
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
}

const SQL_COUNTS: &str = "SELECT
    (SELECT COUNT(*) FROM articles),
    (SELECT COUNT(*) FROM entities),
    (SELECT COUNT(*) FROM mentions),
    (SELECT COUNT(*) FROM entity_aliases),
    (SELECT COUNT(*) FROM import_errors)";

const SQL_SCHEMA_OBJECTS: &str = "SELECT m.name, m.type,
        (SELECT group_concat(c.name, ', ') FROM pragma_table_info(m.name) c)
    FROM sqlite_master m
    WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'
      AND m.name NOT LIKE 'articles_fts_%'
    ORDER BY m.name";

/// A table or view of the schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaObject {
    /// Its name.
    pub name: String,
    /// `table` or `view`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its column names, comma-separated, in order.
    pub columns: String,
}

const SQL_TABLES: &str = "SELECT name FROM sqlite_master
    WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'
      AND name NOT LIKE 'articles_fts_%'
    ORDER BY name";

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it to the
    /// current schema. Fails with [`crate::Error::SchemaTooNew`] if a newer newsdb
    /// wrote it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        Ok(Store {
            conn: db::open(path)?,
            path: Some(path.to_path_buf()),
            read_mode: None,
        })
    }

    /// Opens an existing newsdb database to change it, bringing an older schema up to
    /// date; never creates a file, and refuses a file that is not a newsdb database
    /// (see [`db::open_existing`]).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        Ok(Store {
            conn: db::open_existing(path)?,
            path: Some(path.to_path_buf()),
            read_mode: None,
        })
    }

    /// Opens an existing newsdb database for reading only: nothing is written, not
    /// even a migration or a journal mode (see [`db::open_reader`]); every write
    /// fails.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        let (conn, mode) = db::open_reader(path)?;
        Ok(Store {
            conn,
            path: Some(path.to_path_buf()),
            read_mode: Some(mode),
        })
    }

    /// How a store opened with [`Store::open_read_only`] reads its file; `None` for a
    /// store that may write.
    pub fn read_mode(&self) -> Option<db::ReadMode> {
        self.read_mode
    }

    /// A fresh in-memory database with the current schema (tests, scratch work).
    pub fn open_in_memory() -> Result<Store> {
        Ok(Store {
            conn: db::open_in_memory()?,
            path: None,
            read_mode: None,
        })
    }

    /// The underlying connection, for reading with plain SQL.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The mutable connection, for modules that write in transactions.
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The database file, or `None` for an in-memory store.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version of this database (the highest applied migration).
    pub fn schema_version(&self) -> Result<i64> {
        db::schema_version(&self.conn)
    }

    /// Names of the tables and views users can query (FTS5 shadow tables left out).
    pub fn tables(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(SQL_TABLES)?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The tables and views a user may query, with their columns, by name.
    pub fn schema_objects(&self) -> Result<Vec<SchemaObject>> {
        let mut stmt = self.conn.prepare(SQL_SCHEMA_OBJECTS)?;
        let rows = stmt.query_map([], |r| {
            Ok(SchemaObject {
                name: r.get(0)?,
                kind: r.get(1)?,
                columns: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Row counts of the main tables.
    pub fn counts(&self) -> Result<Counts> {
        Ok(self.conn.query_row(SQL_COUNTS, [], |r| {
            Ok(Counts {
                articles: r.get(0)?,
                entities: r.get(1)?,
                mentions: r.get(2)?,
                aliases: r.get(3)?,
                import_errors: r.get(4)?,
            })
        })?)
    }
}
