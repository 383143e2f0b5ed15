//! The crate's one error type. Every variant carries the value that was wrong, so a
//! message can say what happened and, where it helps, what to do about it.

use std::path::PathBuf;

/// Everything that can go wrong in the newsdb library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error from SQLite, described in one sentence (see [`describe_sqlite`]). The
    /// rusqlite error is kept to match on, but is not also the [`source`]: its message
    /// is already in this one, and printing the chain would repeat it.
    ///
    /// [`source`]: std::error::Error::source
    #[error("{}", describe_sqlite(.0))]
    Sqlite(rusqlite::Error),

    /// A file that should be a database is not one.
    #[error("{} is not a newsdb/SQLite database (check --db or NEWSDB_DB)", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },

    /// A SQLite database of another program where a newsdb database was expected:
    /// refused before anything is written to it.
    #[error("{} is a SQLite database but not a newsdb one; newsdb leaves it untouched (check --db or NEWSDB_DB, or import into a new file)", path.display())]
    NotNewsdb {
        /// The file.
        path: PathBuf,
    },

    /// A SQLite file without any table (new, or left by an import stopped before it
    /// created the schema), opened by a command that needs a newsdb database.
    #[error("{} holds no newsdb schema yet (new, or an import stopped before creating it); set it up with `newsdb import PATH` or `newsdb init --db {}`", path.display(), path.display())]
    EmptyDatabase {
        /// The file.
        path: PathBuf,
    },

    /// A newsdb database with an older schema, opened by a command that only reads:
    /// reading never migrates.
    #[error("{} has schema v{found}, older than this newsdb's v{supported}; upgrade it with `newsdb init --db {}` (or any `newsdb import`), then run this again", path.display(), path.display())]
    SchemaTooOld {
        /// The file.
        path: PathBuf,
        /// Version recorded in the database.
        found: i64,
        /// Latest version this binary knows.
        supported: i64,
    },

    /// Ad hoc SQL held more than one statement.
    #[error("only one SQL statement at a time (found a second one after {first:?})")]
    MultipleStatements {
        /// The first statement, as given.
        first: String,
    },

    /// Applying the embedded schema migrations failed.
    #[error("schema migration failed: {0}")]
    Migration(String),

    /// The database was written by a newer newsdb than this one.
    #[error("database schema v{found} is newer than this newsdb (v{supported}); upgrade newsdb to open it")]
    SchemaTooNew {
        /// Version recorded in the database.
        found: i64,
        /// Latest version this binary knows.
        supported: i64,
    },

    /// Reading or writing a file failed.
    #[error("cannot access {path}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A file or record is not valid UTF-8.
    #[error("invalid UTF-8 in {origin} at byte {offset}")]
    InvalidUtf8 {
        /// Where the bytes came from (path, or path and record number).
        origin: String,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },

    /// A record could not be parsed into an article.
    #[error("{origin}: {message}")]
    Parse {
        /// Where the record came from (path, line or record number).
        origin: String,
        /// What was wrong with it.
        message: String,
    },

    /// A mention's offsets do not slice its surface text out of the article.
    #[error("invalid mention span {field}[{start}..{end}] in article {article}: {reason}")]
    InvalidSpan {
        /// Article id.
        article: i64,
        /// `title` or `body`.
        field: String,
        /// Start character offset.
        start: i64,
        /// End character offset.
        end: i64,
        /// Why the span was rejected.
        reason: String,
    },

    /// A string that should name an entity kind does not.
    #[error("unknown entity kind {0:?} (expected person, organization, location, misc)")]
    UnknownEntityKind(String),

    /// A referenced row does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// Kind of row (article, entity, merge).
        what: &'static str,
        /// The id or name that was looked up.
        id: String,
    },

    /// A full-text search query is not valid FTS5 syntax.
    #[error(
        "invalid search query {query:?}: {reason} (use --literal to search the words as typed)"
    )]
    InvalidQuery {
        /// The query as given.
        query: String,
        /// SQLite's explanation.
        reason: String,
    },

    /// An ad hoc SQL statement tried to change the database.
    #[error(
        "refused: {0}; `newsdb sql` is read-only (use `newsdb import` to change the database)"
    )]
    ReadOnly(String),

    /// The NER model could not be loaded, trained or applied.
    #[error("ner model: {0}")]
    Model(String),

    /// A CoNLL file is malformed.
    #[error("{path}:{line}: {message}")]
    Conll {
        /// The CoNLL file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        message: String,
    },

    /// A `--since`/`--until` bound that is not a date newsdb can compare.
    #[error(
        "invalid date {value:?}: {reason} (expected YYYY, YYYY-MM, YYYY-MM-DD or \
         YYYY-MM-DDTHH:MM[:SS], e.g. 2019, 2019-03, 2019-03-01, 2019-03-01T10:00)"
    )]
    InvalidDate {
        /// The value as given.
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },

    /// A query (or the printing of its rows) ran longer than its timeout.
    #[error("{what} interrupted: it ran longer than the timeout of {seconds} s (raise it with --timeout SECONDS, 0 for none)")]
    Timeout {
        /// What was stopped: `query`, `search`.
        what: &'static str,
        /// The timeout, in seconds.
        seconds: f64,
    },

    /// An invalid argument was passed to a library function.
    #[error("{0}")]
    InvalidArgument(String),
}

/// Result type used throughout newsdb.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Sqlite(e)
    }
}

/// A SQLite error as one sentence that says what was wrong and where, without
/// SQLite's repetitions (its message, then the same message again with its code).
pub fn describe_sqlite(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqlInputError {
            msg, sql, offset, ..
        } => match msg.strip_suffix(": syntax error") {
            Some(near) => format!("SQL syntax error {near} (at offset {offset}) in: {sql}"),
            None => format!("SQL error: {msg} (at offset {offset}) in: {sql}"),
        },
        rusqlite::Error::MultipleStatement => {
            "only one SQL statement at a time (found a second one)".to_string()
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            "the file is not a newsdb/SQLite database".to_string()
        }
        rusqlite::Error::SqliteFailure(f, msg) => {
            format!(
                "database error: {}",
                msg.as_deref().unwrap_or(&f.to_string())
            )
        }
        other => format!("database error: {other}"),
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
