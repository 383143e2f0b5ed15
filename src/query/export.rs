//! Streaming export of articles, entities and mentions as JSON Lines, JSON, CSV or
//! TSV. Rows go from the SQLite cursor to the writer one at a time, so memory stays
//! constant however large the database.

use std::io::Write;

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::output::write_tsv_record;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    /// One JSON object per line.
    #[default]
    Jsonl,
    /// One JSON array of objects.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Tab-separated values with a header row, one line per record (fields escaped as
    /// [`crate::output::tsv_escape`] does).
    Tsv,
}

const SQL_ARTICLES: &str = "SELECT id, external_id, title, body, language, source, url,
    published_at, content_hash, origin, imported_at, published_raw FROM articles ORDER BY id";
// Aliases as a JSON array (text), expanded into a real array in JSON output.
const SQL_ENTITIES: &str = "SELECT e.id, e.kind, e.name,
    (SELECT json_group_array(alias) FROM (SELECT alias FROM entity_aliases
        WHERE entity_id = e.id ORDER BY alias)) AS aliases,
    (SELECT COUNT(*) FROM mentions m WHERE m.entity_id = e.id) AS mentions,
    (SELECT COUNT(DISTINCT m.article_id) FROM mentions m WHERE m.entity_id = e.id)
        AS articles,
    e.merged_into
    FROM entities e ORDER BY e.id";
// The entity's name and kind and the article's external id ride along, so a mention
// row is readable without joins (and joins in other engines are not needed).
const SQL_MENTIONS: &str = "SELECT m.id, m.article_id, m.entity_id, m.field, m.start_char,
    m.end_char, m.start_byte, m.end_byte, m.surface, m.sentence, m.paragraph, m.extractor,
    m.confidence, a.external_id AS article_external_id, e.name AS entity_name,
    e.kind AS entity_kind, m.local_kind, m.local_name, m.linked_name
    FROM mentions m JOIN entities e ON e.id = m.entity_id
    JOIN articles a ON a.id = m.article_id
    ORDER BY m.id";

/// Writes every article (all columns), in id order; returns the number of rows.
pub fn export_articles(
    conn: &Connection,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64> {
    export(conn, SQL_ARTICLES, &[], format, out)
}

/// Writes every entity (`id`, `kind`, `name`, `aliases`, `mentions`, `articles`,
/// `merged_into`), in id order; `aliases` is an array in JSON and a JSON array text in
/// CSV and TSV. Returns the number of rows.
pub fn export_entities(
    conn: &Connection,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64> {
    export(conn, SQL_ENTITIES, &["aliases"], format, out)
}

/// Writes every mention (all columns, with `article_external_id`, `entity_name` and
/// `entity_kind` beside the ids), in id order; returns the number of rows.
pub fn export_mentions(
    conn: &Connection,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64> {
    export(conn, SQL_MENTIONS, &[], format, out)
}

fn io(e: std::io::Error) -> Error {
    Error::io("<export>", e)
}

fn csv_err(e: csv::Error) -> Error {
    Error::InvalidArgument(format!("writing CSV: {e}"))
}

fn to_json(v: ValueRef<'_>, json_text: bool) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            if json_text {
                serde_json::from_str(&s).unwrap_or_else(|_| Value::String(s.into_owned()))
            } else {
                Value::String(s.into_owned())
            }
        }
        ValueRef::Blob(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

fn to_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

/// Runs `sql` and writes its rows; columns named in `json_columns` hold JSON text.
fn export(
    conn: &Connection,
    sql: &str,
    json_columns: &[&str],
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64> {
    let mut stmt = conn.prepare(sql)?;
    let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
    let is_json: Vec<bool> = columns
        .iter()
        .map(|c| json_columns.contains(&c.as_str()))
        .collect();
    let mut rows = stmt.query([])?;
    let mut n = 0u64;
    match format {
        ExportFormat::Jsonl | ExportFormat::Json => {
            let array = format == ExportFormat::Json;
            if array {
                out.write_all(b"[").map_err(io)?;
            }
            while let Some(r) = rows.next()? {
                let mut obj = Map::with_capacity(columns.len());
                for (i, c) in columns.iter().enumerate() {
                    obj.insert(c.clone(), to_json(r.get_ref(i)?, is_json[i]));
                }
                if array {
                    out.write_all(if n == 0 { b"\n" } else { b",\n" })
                        .map_err(io)?;
                }
                serde_json::to_writer(&mut *out, &obj)
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
                if !array {
                    out.write_all(b"\n").map_err(io)?;
                }
                n += 1;
            }
            if array {
                out.write_all(b"\n]\n").map_err(io)?;
            }
        }
        ExportFormat::Tsv => {
            write_tsv_record(&columns, out).map_err(io)?;
            let mut record = Vec::with_capacity(columns.len());
            while let Some(r) = rows.next()? {
                record.clear();
                for i in 0..columns.len() {
                    record.push(to_text(r.get_ref(i)?));
                }
                write_tsv_record(&record, out).map_err(io)?;
                n += 1;
            }
        }
        ExportFormat::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(&mut *out);
            w.write_record(&columns).map_err(csv_err)?;
            let mut record = Vec::with_capacity(columns.len());
            while let Some(r) = rows.next()? {
                record.clear();
                for i in 0..columns.len() {
                    record.push(to_text(r.get_ref(i)?));
                }
                w.write_record(&record).map_err(csv_err)?;
                n += 1;
            }
            w.flush().map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    fn run(
        f: fn(&Connection, ExportFormat, &mut dyn Write) -> Result<u64>,
        format: ExportFormat,
    ) -> (u64, String) {
        let fx = fixture::build();
        let mut buf = Vec::new();
        let n = f(fx.store.conn(), format, &mut buf).unwrap();
        (n, String::from_utf8(buf).unwrap())
    }

    #[test]
    fn jsonl_has_one_object_per_row() {
        let (n, text) = run(export_mentions, ExportFormat::Jsonl);
        assert_eq!(n, 16);
        let rows: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), 16);
        assert!(rows[0]["surface"].is_string());
        let (_, entities) = run(export_entities, ExportFormat::Jsonl);
        let first: Value = serde_json::from_str(entities.lines().next().unwrap()).unwrap();
        assert_eq!(
            first["aliases"],
            serde_json::json!(["Assad", "Bashar al-Assad"])
        );
    }

    #[test]
    fn json_is_an_array_and_csv_has_a_header() {
        let (n, text) = run(export_articles, ExportFormat::Json);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len() as u64, n);
        let (_, csv) = run(export_articles, ExportFormat::Csv);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        assert_eq!(&reader.headers().unwrap()[1], "external_id");
        assert_eq!(reader.records().count(), 3);
        let (_, tsv) = run(export_entities, ExportFormat::Tsv);
        assert!(tsv.starts_with("id\tkind\tname\taliases\tmentions\tarticles\tmerged_into\n"));
    }

    #[test]
    fn empty_tables_export_valid_json() {
        let s = crate::Store::open_in_memory().unwrap();
        let mut buf = Vec::new();
        export_mentions(s.conn(), ExportFormat::Json, &mut buf).unwrap();
        let v: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v, serde_json::json!([]));
    }
}
