//! Ad hoc SQL for people: run one statement on a read-only connection and return
//! its rows as JSON values, ready for any output format.

use std::path::Path;

use rusqlite::types::ValueRef;
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

/// Runs one SQL statement against the database at `path` opened read-only. Any
/// statement that would write is refused with [`Error::ReadOnly`] before it runs.
pub fn run_read_only_sql(path: &Path, sql: &str) -> Result<QueryResult> {
    let conn = db::open_read_only(path)?;
    let mut stmt = conn.prepare(sql)?;
    if !stmt.readonly() {
        return Err(Error::ReadOnly(format!(
            "{:?} would modify the database",
            sql.trim()
        )));
    }
    let columns: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let n = columns.len();
    let mut rows = Vec::new();
    let mut it = stmt.query([])?;
    while let Some(r) = it.next()? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(to_json(r.get_ref(i)?));
        }
        rows.push(row);
    }
    Ok(QueryResult { columns, rows })
}
