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
fn tune_statements(conn: &Connection) -> Result<()> {
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

/// Opens (creating if needed) the database at `path` for reading and writing, with
/// the standard pragmas, and brings its schema up to date.
pub fn open(path: &Path) -> Result<Connection> {
    let mut conn = open_path(path)?;
    retry_busy(|| set_pragmas(&conn)).map_err(|e| name_not_a_database(e, path))?;
    retry_busy(|| migrate(&mut conn, None))?;
    Ok(conn)
}

/// Opens (creating if needed) `path` as a file path, never as a URI: `--db
/// file:x.sqlite` is a file of that name, not the URI of `x.sqlite`.
fn open_path(path: &Path) -> Result<Connection> {
    Ok(Connection::open_with_flags(
        not_a_uri(path),
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?)
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
    let mut conn = open_path(path)?;
    set_pragmas(&conn)?;
    migrate(&mut conn, Some(version))?;
    Ok(conn)
}

/// Opens an existing database read-only: no migrations, writes refused by SQLite
/// itself, no ATTACH, no extension loading.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    if !path.exists() {
        // A setup error, not a lookup that found nothing (exit code 2, not 1).
        return Err(Error::InvalidArgument(format!(
            "database {} does not exist (create it with `newsdb import PATH`, or pass --db)",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(
        not_a_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    tune_statements(&conn)?;
    conn.execute_batch("PRAGMA query_only = ON;")?;
    // No attached databases at all: a read-only tool has no business opening others.
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    let found = schema_version(&conn).map_err(|e| name_not_a_database(e, path))?;
    let supported = latest_schema_version();
    if found > supported {
        return Err(Error::SchemaTooNew { found, supported });
    }
    Ok(conn)
}
