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

fn to_json(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
        ValueRef::Blob(b) => {
            serde_json::Value::String(b.iter().map(|x| format!("{x:02x}")).collect())
        }
    }
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
    if timed_out {
        if let Some(t) = timeout {
            return Error::InvalidArgument(format!(
                "query interrupted: it ran longer than the timeout of {} s (raise it with --timeout SECONDS, 0 for none)",
                t.as_secs_f64()
            ));
        }
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

/// Runs one SQL statement against the database at `path` opened read-only. Any
/// statement that would write, attach a file, load an extension or change a pragma
/// is refused with [`Error::ReadOnly`] before it runs. With a `timeout`, a statement
/// still running after it is interrupted and an error names the timeout.
pub fn run_read_only_sql(path: &Path, sql: &str, timeout: Option<Duration>) -> Result<QueryResult> {
    let mut conn = db::open_read_only(path)?;
    conn.authorizer(Some(authorize))?;
    let timed_out = Arc::new(AtomicBool::new(false));
    if let Some(t) = timeout {
        let deadline = Instant::now() + t;
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
    let fail = |e: rusqlite::Error| explain(e, sql, timeout, timed_out.load(Ordering::Relaxed));
    let mut stmt = match conn.prepare(sql) {
        Err(rusqlite::Error::MultipleStatement) => {
            return Err(Error::MultipleStatements {
                first: first_statement(&conn, sql),
            })
        }
        prepared => prepared.map_err(fail)?,
    };
    if !stmt.readonly() {
        return Err(Error::ReadOnly(format!(
            "{:?} would modify the database",
            sql.trim()
        )));
    }
    let columns = unique_names(stmt.column_names());
    let n = columns.len();
    let mut rows = Vec::new();
    let mut it = stmt.query([]).map_err(fail)?;
    while let Some(r) = it.next().map_err(fail)? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(to_json(r.get_ref(i).map_err(fail)?));
        }
        rows.push(row);
    }
    Ok(QueryResult { columns, rows })
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
}
