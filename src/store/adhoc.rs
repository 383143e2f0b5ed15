//! Ad hoc SQL for people: run one statement on a read-only connection and return
//! its rows as JSON values, ready for any output format.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use rusqlite::{Batch, Connection, ErrorCode};
use serde::Serialize;

use crate::db;
use crate::error::{Error, Result};

/// Column names and rows of a query, values as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// One vector of values per row.
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// How many SQLite virtual-machine steps run between two looks at the clock: often
/// enough to stop within milliseconds, rare enough to cost nothing measurable.
const PROGRESS_OPS: i32 = 10_000;

/// Pragmas whose argument names what to read (`PRAGMA table_info(articles)`), not a
/// setting to change. Any other pragma with an argument is refused.
const READING_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
];

/// How many bytes of a blob are turned into hex between two looks at the clock.
const HEX_CHUNK: usize = 1 << 20;

/// A value as JSON: text as a string, a blob as hex. With `max_chars`, longer text
/// and blobs are cut to that many characters and end with `…` (a table shows a few
/// dozen anyway, and a 1 GB blob must not become 2 GB of hex to show them). A large
/// blob is converted a chunk at a time, each after `on_time` says there is time left.
fn to_json(
    v: ValueRef<'_>,
    max_chars: Option<usize>,
    on_time: &dyn Fn() -> Result<()>,
) -> Result<serde_json::Value> {
    Ok(match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        ValueRef::Text(t) => match max_chars {
            // Bytes first: never decode more than the characters kept need.
            Some(max) if t.len() > max => {
                let head = String::from_utf8_lossy(&t[..t.len().min(max.saturating_mul(4))]);
                cut(&head, max).unwrap_or_else(|| head.into_owned()).into()
            }
            _ => String::from_utf8_lossy(t).into_owned().into(),
        },
        ValueRef::Blob(b) => {
            let (bytes, cut) = match max_chars {
                Some(max) if b.len() * 2 > max => (&b[..max.saturating_sub(1) / 2], true),
                _ => (b, false),
            };
            let mut hex = String::with_capacity(bytes.len() * 2 + 3);
            for chunk in bytes.chunks(HEX_CHUNK) {
                on_time()?;
                for byte in chunk {
                    hex.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
                    hex.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
                }
            }
            if cut {
                hex.push('…');
            }
            hex.into()
        }
    })
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `s` cut to `max` characters, the last one `…`; `None` when it is short enough.
fn cut(s: &str, max: usize) -> Option<String> {
    let (end, _) = s.char_indices().nth(max)?;
    let keep = s[..end].char_indices().last().map_or(0, |(i, _)| i);
    Some(format!("{}…", &s[..keep]))
}

/// Refuses, while a statement is prepared, what a read-only tool must never do even
/// where SQLite's read-only flags would let it: open other files, load code, or
/// change connection settings such as `writable_schema`.
fn authorize(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Function { function_name }
            if function_name.eq_ignore_ascii_case("load_extension") =>
        {
            Authorization::Deny
        }
        AuthAction::Pragma {
            pragma_name,
            pragma_value: Some(_),
        } if !READING_PRAGMAS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(pragma_name)) =>
        {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }
}

/// What a refused or interrupted statement becomes.
fn explain(e: rusqlite::Error, sql: &str, timeout: Option<Duration>, timed_out: bool) -> Error {
    if timed_out && timeout.is_some() {
        return timeout_error(timeout);
    }
    // A denied function (load_extension) comes back as a plain SQL error.
    let denied = e.sqlite_error_code() == Some(ErrorCode::AuthorizationForStatementDenied)
        || e.to_string().contains("not authorized");
    if denied {
        Error::ReadOnly(format!(
            "{:?} opens another database, loads an extension or changes a setting",
            sql.trim()
        ))
    } else if e.sqlite_error_code() == Some(ErrorCode::ApiMisuse) {
        // What SQLite says of a string without a statement (blank, ";", a comment).
        Error::InvalidArgument(format!(
            "no SQL statement in {sql:?}: give one, such as \
             newsdb sql \"SELECT COUNT(*) FROM articles\""
        ))
    } else {
        Error::Sqlite(e)
    }
}

/// The first statement of `sql`, as the user wrote it (for the error that says only
/// one is allowed); all of `sql` if SQLite cannot say where it ends.
fn first_statement(conn: &Connection, sql: &str) -> String {
    match Batch::new(conn, sql).next() {
        Ok(Some(stmt)) => stmt.expanded_sql().unwrap_or_else(|| sql.to_string()),
        _ => sql.to_string(),
    }
    .trim()
    .to_string()
}

/// Column names made unique, so that no format loses a column: `SELECT m.id, e.id`
/// names both `id`, and JSON objects keep one value per key. A repeated name gets a
/// suffix (`id`, `id_2`, `id_3`...) that no other column already has.
fn unique_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let names: Vec<&str> = names.into_iter().collect();
    let mut used: HashSet<String> = HashSet::with_capacity(names.len());
    let mut unique = Vec::with_capacity(names.len());
    for name in &names {
        let mut candidate = name.to_string();
        let mut n = 1;
        while used.contains(&candidate) || (n > 1 && names.contains(&candidate.as_str())) {
            n += 1;
            candidate = format!("{name}_{n}");
        }
        used.insert(candidate.clone());
        unique.push(candidate);
    }
    unique
}

/// How [`read_only_sql`] runs a statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqlOptions {
    /// Interrupt the statement, and the reading of its rows, after this long.
    pub timeout: Option<Duration>,
    /// Cut text and blobs longer than this many characters (blobs as hex), ending
    /// them with `…`: for output that shows a few characters of each value.
    pub max_value_chars: Option<usize>,
}

/// The rows of a running read-only statement, read one at a time (see
/// [`read_only_sql`]).
pub struct SqlRows<'stmt> {
    rows: rusqlite::Rows<'stmt>,
    columns: Vec<String>,
    mode: db::ReadMode,
    options: SqlOptions,
    deadline: Option<Instant>,
    timed_out: Arc<AtomicBool>,
    sql: &'stmt str,
}

impl SqlRows<'_> {
    /// Column names, made unique (`id`, `id_2`: no format loses a column).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// How the database file is read.
    pub fn read_mode(&self) -> db::ReadMode {
        self.mode
    }

    /// The error when the timeout has passed (the statement itself is interrupted by
    /// SQLite; this covers the time spent on rows between two steps).
    fn on_time(&self) -> Result<()> {
        match self.deadline {
            Some(d) if Instant::now() >= d => Err(timeout_error(self.options.timeout)),
            _ => Ok(()),
        }
    }

    /// The next row, its values as JSON (cut as the options say); `None` after the
    /// last. Past the timeout, an error that names it.
    pub fn next_row(&mut self) -> Result<Option<Vec<serde_json::Value>>> {
        self.on_time()?;
        let (sql, timeout, timed_out) = (self.sql, self.options.timeout, &self.timed_out);
        let fail = |e| explain(e, sql, timeout, timed_out.load(Ordering::Relaxed));
        let Some(r) = self.rows.next().map_err(fail)? else {
            return Ok(None);
        };
        let deadline = self.deadline;
        let on_time = || match deadline {
            Some(d) if Instant::now() >= d => Err(timeout_error(timeout)),
            _ => Ok(()),
        };
        let mut row = Vec::with_capacity(self.columns.len());
        for i in 0..self.columns.len() {
            let value = r.get_ref(i).map_err(fail)?;
            row.push(to_json(value, self.options.max_value_chars, &on_time)?);
        }
        Ok(Some(row))
    }
}

/// The error for a statement (or the reading of its rows) that ran out of time.
fn timeout_error(timeout: Option<Duration>) -> Error {
    Error::Timeout {
        what: "query",
        seconds: timeout.unwrap_or_default().as_secs_f64(),
    }
}

/// Whether `sql` reads a pragma without setting it (`PRAGMA journal_mode`,
/// `PRAGMA main.page_size;`). SQLite calls some of those statements writers whatever
/// their argument; without one they only answer, and the connection is read-only
/// anyway.
fn is_pragma_query(sql: &str) -> bool {
    let s = sql.trim().trim_end_matches(';').trim_end();
    let Some(rest) = s
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("pragma"))
        .map(|_| &s[6..])
    else {
        return false;
    };
    let name = rest.trim_start();
    rest.starts_with(char::is_whitespace)
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Runs one SQL statement against the database at `path` opened read-only and hands
/// its rows to `read`, which takes them one at a time: nothing holds more than a row.
/// Any statement that would write, attach a file, load an extension or change a pragma
/// is refused with [`Error::ReadOnly`] before it runs. With a timeout, the statement
/// and the reading of its rows stop once it has passed, with an error that names it.
pub fn read_only_sql<T>(
    path: &Path,
    sql: &str,
    options: SqlOptions,
    read: impl FnOnce(&mut SqlRows<'_>) -> Result<T>,
) -> Result<T> {
    let (mut conn, mode) = db::open_reader(path)?;
    conn.authorizer(Some(authorize))?;
    let timed_out = Arc::new(AtomicBool::new(false));
    let deadline = options.timeout.map(|t| Instant::now() + t);
    if let Some(deadline) = deadline {
        let flag = Arc::clone(&timed_out);
        conn.progress_handler(
            PROGRESS_OPS,
            Some(move || {
                let late = Instant::now() >= deadline;
                if late {
                    flag.store(true, Ordering::Relaxed);
                }
                late
            }),
        )?;
    }
    let timeout = options.timeout;
    let fail = |e: rusqlite::Error| explain(e, sql, timeout, timed_out.load(Ordering::Relaxed));
    let mut stmt = match conn.prepare(sql) {
        Err(rusqlite::Error::MultipleStatement) => {
            return Err(Error::MultipleStatements {
                first: first_statement(&conn, sql),
            })
        }
        prepared => prepared.map_err(fail)?,
    };
    if !stmt.readonly() && !is_pragma_query(sql) {
        return Err(Error::ReadOnly(format!(
            "{:?} would modify the database",
            sql.trim()
        )));
    }
    let columns = unique_names(stmt.column_names());
    let rows = stmt.query([]).map_err(fail)?;
    let mut rows = SqlRows {
        rows,
        columns,
        mode,
        options,
        deadline,
        timed_out: Arc::clone(&timed_out),
        sql,
    };
    read(&mut rows)
}

/// Runs one SQL statement as [`read_only_sql`] does and returns all its rows: for
/// results known to be small. With a `timeout`, a statement still running after it
/// is interrupted and an error names the timeout.
pub fn run_read_only_sql(path: &Path, sql: &str, timeout: Option<Duration>) -> Result<QueryResult> {
    let options = SqlOptions {
        timeout,
        ..SqlOptions::default()
    };
    read_only_sql(path, sql, options, |rows| {
        let mut all = Vec::new();
        while let Some(row) = rows.next_row()? {
            all.push(row);
        }
        Ok(QueryResult {
            columns: rows.columns().to_vec(),
            rows: all,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_column_names_get_suffixes_no_other_column_has() {
        assert_eq!(
            unique_names(["id", "id", "name", "id"]),
            ["id", "id_2", "name", "id_3"]
        );
        // `id_2` is taken by a real column, so the second `id` becomes `id_3`.
        assert_eq!(unique_names(["id", "id_2", "id"]), ["id", "id_2", "id_3"]);
        assert_eq!(unique_names(["a", "b"]), ["a", "b"]);
    }

    #[test]
    fn long_values_are_cut_when_asked_and_never_otherwise() {
        let fine = || Ok(());
        let text = ValueRef::Text("héllo wörld".as_bytes());
        assert_eq!(to_json(text, Some(5), &fine).unwrap(), "héll…");
        assert_eq!(to_json(text, Some(11), &fine).unwrap(), "héllo wörld");
        assert_eq!(to_json(text, None, &fine).unwrap(), "héllo wörld");
        let blob = ValueRef::Blob(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(to_json(blob, None, &fine).unwrap(), "deadbeef");
        assert_eq!(to_json(blob, Some(5), &fine).unwrap(), "dead…");
        let late = || Err(Error::InvalidArgument("late".into()));
        assert!(to_json(blob, None, &late).is_err());
    }
}
