//! Opening databases: pragmas, embedded migrations, schema-version checks and the
//! read-only connections used for ad hoc SQL.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Result};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// How long a connection waits for another writer before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The newest schema version this build knows (the highest `V{n}` in `migrations/`).
pub fn latest_schema_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0)
}

const SQL_SCHEMA_VERSION: &str = "SELECT MAX(version) FROM refinery_schema_history";
const SQL_HAS_HISTORY: &str =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'";

/// The schema version recorded in the database, or 0 for a database newsdb never touched.
pub fn schema_version(conn: &Connection) -> Result<i64> {
    let has_history = conn
        .query_row(SQL_HAS_HISTORY, [], |_| Ok(()))
        .optional()?
        .is_some();
    if !has_history {
        return Ok(0);
    }
    Ok(conn
        .query_row(SQL_SCHEMA_VERSION, [], |r| r.get::<_, Option<i64>>(0))?
        .unwrap_or(0))
}

fn set_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    tune_statements(conn)?;
    // journal_mode returns a row; an in-memory database answers "memory".
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    // A 64 MB page cache: imports write several indexes per mention, and the default
    // 2 MB cache makes them re-read pages through the kernel.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;",
    )?;
    Ok(())
}

/// Keeps prepared statements prepared.
///
/// SQLite 3.54 re-plans a statement at every new binding when its plan looked at a
/// bound value (an equality such as `key = ?1` is also costed as a residual filter of a
/// full scan); with the query planner stability guarantee on, a plan is made once per
/// statement. An import runs a few dozen distinct statements per mention, so the
/// statement cache holds 64 rather than rusqlite's 16: a cache smaller than the working
/// set prepares every statement again on every use.
pub(crate) fn tune_statements(conn: &Connection) -> Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

/// Prepared statements kept per connection (see [`tune_statements`]).
const STATEMENT_CACHE: usize = 64;

/// Refuses a database written by a newer newsdb, then applies pending migrations.
fn migrate(conn: &mut Connection, target: Option<i32>) -> Result<()> {
    let found = schema_version(conn)?;
    let supported = latest_schema_version();
    if found > supported {
        return Err(Error::SchemaTooNew { found, supported });
    }
    let before = found;
    let mut found = found;
    let mut attempts = 0;
    loop {
        // Grouped: all pending migrations in one transaction, so another process
        // never sees tables of a migration whose history row is not written yet.
        let mut runner = embedded::migrations::runner().set_grouped(true);
        if let Some(v) = target {
            runner = runner.set_target(refinery::Target::Version(v));
        }
        let Err(e) = runner.run(conn) else {
            // V2 brought the paragraphs table; articles stored before it get theirs now.
            if before < 2 && schema_version(conn)? >= 2 {
                crate::store::paragraphs::backfill(conn)?;
            }
            // V7 keyed entities by the identity of their name, which SQL cannot fold.
            if before < 7 && schema_version(conn)? >= 7 {
                crate::store::entities::backfill_keys(conn)?;
            }
            // V11 moved unreadable dates out of published_at, which SQL cannot parse.
            if before < 11 && schema_version(conn)? >= 11 {
                crate::store::articles::backfill_dates(conn)?;
            }
            // V14 counts mentions per publication day: from the dates just read.
            if before < 14 && schema_version(conn)? >= 14 {
                let tx = conn.transaction()?;
                tx.execute_batch(crate::store::units::SQL_REBUILD_DAYS)?;
                tx.commit()?;
            }
            return Ok(());
        };
        // Another process migrating the same file at the same moment (two imports
        // started at once into a new file) makes our copy of a migration fail: once
        // it has moved the schema on, or while it holds the lock, try again.
        let message = e.to_string();
        // Whatever the runner left open is not ours to keep.
        let _ = conn.execute_batch("ROLLBACK");
        attempts += 1;
        let busy = message.contains("locked") || message.contains("busy");
        let now = match schema_version(conn) {
            Ok(v) => v,
            Err(e) if is_busy(&e) => found,
            Err(e) => return Err(e),
        };
        if attempts >= MIGRATION_ATTEMPTS || (now <= found && !busy) {
            return Err(Error::Migration(message));
        }
        found = now;
        std::thread::sleep(MIGRATION_RETRY);
    }
}

/// Whether an error is SQLite saying another connection holds the lock.
fn is_busy(e: &Error) -> bool {
    matches!(
        e,
        Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
            if matches!(f.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Runs `f`, retrying while another process holds the lock (for up to as long as the
/// busy timeout): setting up a new file races with a second process doing the same.
fn retry_busy<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let mut attempts = 0;
    loop {
        match f() {
            Err(e) if is_busy(&e) && attempts < MIGRATION_ATTEMPTS => {
                attempts += 1;
                std::thread::sleep(MIGRATION_RETRY);
            }
            other => return other,
        }
    }
}

/// Pause between two attempts at a migration that raced with another process.
const MIGRATION_RETRY: Duration = Duration::from_millis(20);

/// How often opening retries migrations that raced with another process: as long as
/// the busy timeout, since the other process may be migrating a large file.
const MIGRATION_ATTEMPTS: u32 = 1500;

/// What a file given as a database holds, as far as opening it is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// No file at that path.
    Missing,
    /// A SQLite database without any table (a new or empty file): `import` and
    /// `init` may set it up.
    Empty,
    /// A newsdb database at this schema version.
    Newsdb(i64),
    /// A SQLite database of some other program: no newsdb command touches it.
    Foreign,
}

/// Tables, views, indexes and triggers other than SQLite's own and refinery's history.
const SQL_OTHER_OBJECTS: &str = "SELECT COUNT(*) FROM sqlite_master
    WHERE name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'";
/// newsdb's first migration as refinery records it: what marks a newsdb file (another
/// program using refinery has its own first migration).
const SQL_HAS_FIRST_MIGRATION: &str =
    "SELECT 1 FROM refinery_schema_history WHERE version = 1 AND name = 'initial'";

/// What the database open on `conn` holds; only reads.
fn kind_of(conn: &Connection) -> Result<FileKind> {
    let others: i64 = conn.query_row(SQL_OTHER_OBJECTS, [], |r| r.get(0))?;
    let has_history = conn
        .query_row(SQL_HAS_HISTORY, [], |_| Ok(()))
        .optional()?
        .is_some();
    if has_history {
        let ours = conn
            .query_row(SQL_HAS_FIRST_MIGRATION, [], |_| Ok(()))
            .optional()?
            .is_some();
        if ours {
            return Ok(FileKind::Newsdb(schema_version(conn)?));
        }
    }
    // A history table alone, without rows, is another newsdb setting the file up
    // (refinery creates it before the migrations' transaction).
    Ok(if others == 0 {
        FileKind::Empty
    } else {
        FileKind::Foreign
    })
}

/// What the file at `path` holds, found by reading it only: no journal mode change,
/// no file created (a WAL file in a folder newsdb cannot write is read as immutable).
pub fn file_kind(path: &Path) -> Result<FileKind> {
    if !path.exists() {
        return Ok(FileKind::Missing);
    }
    let (conn, _) = connect_read_only(path)?;
    kind_of(&conn).map_err(|e| name_not_a_database(e, path))
}

/// The error for a file that holds a SQLite database of another program.
fn foreign(path: &Path) -> Error {
    Error::NotNewsdb {
        path: path.to_path_buf(),
    }
}

/// Opens (creating if needed) the database at `path` for reading and writing, with
/// the standard pragmas, and brings its schema up to date: what `import` and `init`
/// do. A SQLite file of another program is refused with [`Error::NotNewsdb`] before
/// anything is written to it (its journal mode stays as it is).
pub fn open(path: &Path) -> Result<Connection> {
    let mut conn = open_path(path, true)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if retry_busy(|| kind_of(&conn)).map_err(|e| name_unwritable(e, path))? == FileKind::Foreign {
        return Err(foreign(path));
    }
    retry_busy(|| set_pragmas(&conn)).map_err(|e| name_not_a_database(e, path))?;
    retry_busy(|| migrate(&mut conn, None))?;
    Ok(conn)
}

/// Opens an existing newsdb database for a command that changes it (`resolve`,
/// `reextract`, `entities merge`...): a missing file is an error, not a new file; a
/// file that is not a newsdb database is refused untouched ([`Error::NotNewsdb`]); an
/// older schema is brought up to date, as the change needs it.
pub fn open_existing(path: &Path) -> Result<Connection> {
    if !path.exists() {
        return Err(missing(path));
    }
    let mut conn = open_path(path, false)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    match retry_busy(|| kind_of(&conn)).map_err(|e| name_unwritable(e, path))? {
        FileKind::Newsdb(_) => {}
        _ => return Err(foreign(path)),
    }
    retry_busy(|| set_pragmas(&conn)).map_err(|e| name_not_a_database(e, path))?;
    retry_busy(|| migrate(&mut conn, None))?;
    Ok(conn)
}

/// The error for a database file that does not exist (a setup error, exit code 2).
fn missing(path: &Path) -> Error {
    Error::InvalidArgument(format!(
        "database {} does not exist (create it with `newsdb import PATH`, or pass --db)",
        path.display()
    ))
}

/// What a writing command's first read of `path` failing to open the file means: a
/// WAL database whose folder newsdb cannot write (SQLite cannot create the `-shm` file
/// beside it); anything else as [`name_not_a_database`] says.
fn name_unwritable(e: Error, path: &Path) -> Error {
    if cannot_share(&e) && path.exists() {
        return Error::InvalidArgument(format!(
            "cannot change {}: SQLite cannot create its -wal and -shm files in that folder \
             (is it read-only?); commands that only read still work",
            path.display()
        ));
    }
    name_not_a_database(e, path)
}

/// Opens (creating if needed) `path` as a file path, never as a URI: `--db
/// file:x.sqlite` is a file of that name, not the URI of `x.sqlite`.
fn open_path(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    Ok(Connection::open_with_flags(not_a_uri(path), flags)?)
}

/// `path` in a form SQLite never reads as a URI: the bundled SQLite takes any name
/// starting with `file:` as one, whatever the open flags say, so such a relative
/// path gets a leading `./`.
pub(crate) fn not_a_uri(path: &Path) -> std::borrow::Cow<'_, Path> {
    if path.as_os_str().as_encoded_bytes().starts_with(b"file:") {
        std::borrow::Cow::Owned(Path::new(".").join(path))
    } else {
        std::borrow::Cow::Borrowed(path)
    }
}

/// SQLite finds out that a file is not a database only at its first statement, and
/// its message does not say which file: [`Error::NotADatabase`] names it.
fn name_not_a_database(e: Error, path: &Path) -> Error {
    match e {
        Error::Sqlite(s) if s.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
            Error::NotADatabase {
                path: path.to_path_buf(),
            }
        }
        other => other,
    }
}

/// Opens a fresh in-memory database with the current schema.
pub fn open_in_memory() -> Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    set_pragmas(&conn)?;
    migrate(&mut conn, None)?;
    Ok(conn)
}

/// Creates or opens `path` but migrates only up to `version`: used to build databases
/// as an older newsdb would have left them (upgrade tests).
#[doc(hidden)]
pub fn open_at_version(path: &Path, version: i32) -> Result<Connection> {
    let mut conn = open_path(path, true)?;
    set_pragmas(&conn)?;
    migrate(&mut conn, Some(version))?;
    Ok(conn)
}

/// How a read-only connection reads its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadMode {
    /// As usual: it sees what other connections commit.
    Shared,
    /// As an unchanging file (SQLite's `immutable`), because the folder is read-only
    /// and a WAL database cannot be read there otherwise (SQLite needs to create its
    /// `-shm` file beside it). Changes by other programs are not seen, nor is a `-wal`
    /// file left beside it.
    Immutable,
}

/// Opens an existing database read-only: no migrations, writes refused by SQLite
/// itself, no ATTACH, no extension loading. A file that is not a newsdb database is
/// refused ([`Error::NotNewsdb`]), and so is one whose schema is older
/// ([`Error::SchemaTooOld`]: reading commands never migrate) or newer than this
/// build's; a file without any table is [`Error::EmptyDatabase`]. In a folder newsdb cannot write, the file is read as immutable.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    Ok(open_reader(path)?.0)
}

/// [`open_read_only`], and how the file is read.
pub fn open_reader(path: &Path) -> Result<(Connection, ReadMode)> {
    if !path.exists() {
        // A setup error, not a lookup that found nothing (exit code 2, not 1).
        return Err(missing(path));
    }
    let (conn, mode) = connect_read_only(path)?;
    match kind_of(&conn).map_err(|e| name_not_a_database(e, path))? {
        FileKind::Newsdb(found) => {
            let supported = latest_schema_version();
            if found > supported {
                return Err(Error::SchemaTooNew { found, supported });
            }
            if found < supported {
                return Err(Error::SchemaTooOld {
                    path: path.to_path_buf(),
                    found,
                    supported,
                });
            }
        }
        FileKind::Empty => {
            return Err(Error::EmptyDatabase {
                path: path.to_path_buf(),
            })
        }
        FileKind::Foreign | FileKind::Missing => return Err(foreign(path)),
    }
    Ok((conn, mode))
}

/// A read-only connection to `path` that has read its schema: shared if SQLite can
/// read the file so, else (a WAL file in a folder it cannot write) immutable.
fn connect_read_only(path: &Path) -> Result<(Connection, ReadMode)> {
    let conn = Connection::open_with_flags(
        not_a_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let conn = match read_schema(conn) {
        Ok(conn) => return Ok((conn, ReadMode::Shared)),
        Err(e) if cannot_share(&e) => Connection::open_with_flags(
            immutable_uri(path)?,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?,
        Err(e) => return Err(name_not_a_database(e, path)),
    };
    let conn = read_schema(conn).map_err(|e| name_not_a_database(e, path))?;
    Ok((conn, ReadMode::Immutable))
}

/// Sets up a read-only connection and reads its schema, which is when SQLite finds
/// out whether it can read the file at all.
fn read_schema(conn: Connection) -> Result<Connection> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    tune_statements(&conn)?;
    conn.execute_batch("PRAGMA query_only = ON;")?;
    // No attached databases at all: a read-only tool has no business opening others.
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |_| Ok(()))?;
    Ok(conn)
}

/// Whether reading failed because SQLite could not create or write the `-shm` file a
/// WAL database needs (a read-only folder), rather than because of the file itself.
fn cannot_share(e: &Error) -> bool {
    matches!(
        e,
        Error::Sqlite(s) if matches!(
            s.sqlite_error_code(),
            Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
        )
    )
}

/// The `file:` URI that opens `path` as immutable, every byte that URIs give a
/// meaning to (`?`, `#`, `%`, and anything not plainly ASCII) percent-encoded.
fn immutable_uri(path: &Path) -> Result<String> {
    let absolute = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    let mut uri = String::from("file:");
    for &b in absolute.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    Ok(uri)
}

/// A connection that may write to an existing database, for the one check that is a
/// write in FTS5 (`check`'s full-text index check): no file created, no pragma
/// changed, no migration; waits at most `wait` for another writer.
pub fn open_for_check(path: &Path, wait: Duration) -> Result<Connection> {
    let conn = open_path(path, false)?;
    conn.busy_timeout(wait)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_immutable_uri_of_a_path_with_uri_characters_opens_that_file() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let folder = dir.path().join("a?b#c%d é:f");
        std::fs::create_dir(&folder).expect("the folder is created");
        let path = folder.join("file:news.sqlite");
        drop(open(&path).expect("the database is created"));
        let uri = immutable_uri(&path).expect("the path is absolute");
        assert!(
            uri.starts_with("file:/") && uri.ends_with("?immutable=1"),
            "{uri}"
        );
        assert!(!uri[5..uri.len() - 12].contains(['?', '#', ' ']), "{uri}");
        let conn = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .expect("the URI opens");
        assert_eq!(
            kind_of(&conn).unwrap(),
            FileKind::Newsdb(latest_schema_version())
        );
        assert_eq!(
            file_kind(&path).unwrap(),
            FileKind::Newsdb(latest_schema_version())
        );
        assert_eq!(file_kind(&folder.join("none")).unwrap(), FileKind::Missing);
    }
}
