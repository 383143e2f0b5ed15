//! Parquet export (`newsdb export parquet DIR`): the articles, paragraphs, entities,
//! aliases, mentions and co-occurrence summaries as zstd-compressed Parquet files with
//! typed columns, for DuckDB, Spark, Polars and the like. Rows stream from SQLite into
//! record batches of [`BATCH_ROWS`], so memory stays bounded however large the store.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};

/// Rows per record batch handed to the Parquet writer (fewer when their text reaches
/// [`BATCH_BYTES`]).
pub const BATCH_ROWS: usize = 65_536;

/// A record batch is handed to the writer once its text reaches this many bytes:
/// 64k article bodies would be hundreds of megabytes.
pub const BATCH_BYTES: usize = 16 << 20;

/// The most rows in one Parquet row group.
const ROW_GROUP_ROWS: usize = 8 * BATCH_ROWS;

/// A row group is closed early once its encoded pages reach this many bytes (articles
/// with long bodies), which bounds the writer's memory.
const ROW_GROUP_BYTES: usize = 64 << 20;

/// The name of the file documenting every table and column, written beside them.
pub const SCHEMA_FILE: &str = "_schema.json";

/// The Parquet type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// A 64-bit signed integer (Parquet INT64).
    Int64,
    /// A 64-bit float (Parquet DOUBLE).
    Float64,
    /// UTF-8 text (Parquet BYTE_ARRAY, logical type STRING).
    Utf8,
    /// A boolean (SQLite 0 or 1).
    Boolean,
}

impl ColumnType {
    fn arrow(self) -> DataType {
        match self {
            ColumnType::Int64 => DataType::Int64,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Utf8 => DataType::Utf8,
            ColumnType::Boolean => DataType::Boolean,
        }
    }
}

/// One column of an exported table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParquetColumn {
    /// Column name (as in the SQLite table).
    pub name: &'static str,
    /// Parquet type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether the column may hold nulls (as its SQLite column may).
    pub nullable: bool,
    /// What the column holds.
    pub description: &'static str,
}

/// One exported table: a file `NAME.parquet`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ParquetTable {
    /// Table (and file) name.
    pub name: &'static str,
    /// What a row is, and the order rows are written in.
    pub description: &'static str,
    /// The columns, in file order.
    pub columns: &'static [ParquetColumn],
    /// The query producing the rows, columns in the order of `columns`.
    #[serde(skip)]
    sql: &'static str,
    /// With `--partition month`: the queries for one month (`?1`, YYYY-MM) and for
    /// the undated articles; `None` for a table that is not partitioned.
    #[serde(skip)]
    by_month: Option<(&'static str, &'static str)>,
}

const fn col(
    name: &'static str,
    ty: ColumnType,
    nullable: bool,
    description: &'static str,
) -> ParquetColumn {
    ParquetColumn {
        name,
        ty,
        nullable,
        description,
    }
}

use ColumnType::{Boolean, Float64, Int64, Utf8};

/// The condition for an article without a month: no date, or one not starting YYYY-MM.
macro_rules! undated {
    ($column:literal) => {
        concat!(
            "(",
            $column,
            " IS NULL OR ",
            $column,
            " NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*')"
        )
    };
}

macro_rules! articles_select {
    () => {
        "SELECT id, external_id, title, body, language, source, url, published_at,
        content_hash, origin, imported_at, published_raw FROM articles "
    };
}
const SQL_ARTICLES: &str = concat!(articles_select!(), "ORDER BY id");
// A month `?1` (YYYY-MM) is the range [?1, ?1 || '~') of the date index: every ISO date
// of that month starts with it, and '~' sorts after any character that follows.
const SQL_ARTICLES_MONTH: &str = concat!(
    articles_select!(),
    "WHERE published_at >= ?1 AND published_at < ?1 || '~' ORDER BY id"
);
const SQL_ARTICLES_UNDATED: &str = concat!(
    articles_select!(),
    "WHERE ",
    undated!("published_at"),
    " ORDER BY id"
);
/// The months (YYYY-MM) of the dated articles, in order.
const SQL_MONTHS: &str = concat!(
    "SELECT DISTINCT substr(published_at, 1, 7) FROM articles WHERE NOT ",
    undated!("published_at"),
    " ORDER BY 1"
);
const SQL_PARAGRAPHS: &str = "SELECT article_id, idx, start_char, end_char, start_byte,
    end_byte, language, boilerplate, text_hash FROM paragraphs ORDER BY article_id, idx";
const SQL_ENTITIES: &str = "SELECT e.id, e.kind, e.name, e.key, e.merged_into, e.user_fixed,
    COALESCE(c.mentions, 0) AS mentions
    FROM entities e LEFT JOIN entity_mentions c ON c.entity_id = e.id ORDER BY e.id";
const SQL_ALIASES: &str = "SELECT entity_id, alias FROM entity_aliases ORDER BY entity_id, alias";
// The entity's name and kind and the article's external id ride along, so a mention
// row is readable without joins.
macro_rules! mentions_select {
    () => {
        "SELECT m.id, m.article_id, a.external_id, m.entity_id, e.name,
        e.kind, m.field, m.start_char, m.end_char, m.start_byte, m.end_byte, m.surface,
        m.sentence, m.paragraph, m.extractor, m.confidence, m.local_kind, m.local_name,
        m.linked_name, m.kind_cue
        FROM mentions m JOIN entities e ON e.id = m.entity_id
        JOIN articles a ON a.id = m.article_id "
    };
}
const SQL_MENTIONS: &str = concat!(mentions_select!(), "ORDER BY m.id");
const SQL_MENTIONS_MONTH: &str = concat!(
    mentions_select!(),
    "WHERE a.published_at >= ?1 AND a.published_at < ?1 || '~' ORDER BY m.id"
);
const SQL_MENTIONS_UNDATED: &str = concat!(
    mentions_select!(),
    "WHERE ",
    undated!("a.published_at"),
    " ORDER BY m.id"
);
const SQL_SENTENCE_PAIRS: &str =
    "SELECT entity_id, other_id, sentences FROM sentence_pairs ORDER BY entity_id, other_id";
const SQL_PARAGRAPH_PAIRS: &str = "SELECT entity_id, other_id, paragraphs
    FROM paragraph_pairs ORDER BY entity_id, other_id";
const SQL_ENTITY_UNITS: &str =
    "SELECT entity_id, level, units FROM entity_units ORDER BY entity_id, level";
const SQL_UNIT_TOTALS: &str = "SELECT level, units FROM unit_totals ORDER BY level";

const ENTITY_ID: &str = "the entity (`entities.id`)";
const OTHER_ID: &str = "the other entity of the ordered pair (`entities.id`)";

/// Every table `export parquet` writes, in the order it writes them.
pub const PARQUET_TABLES: &[ParquetTable] = &[
    ParquetTable {
        name: "articles",
        description: "one row per article, by id",
        sql: SQL_ARTICLES,
        by_month: Some((SQL_ARTICLES_MONTH, SQL_ARTICLES_UNDATED)),
        columns: &[
            col("id", Int64, false, "row id, the `article_id` of other tables"),
            col("external_id", Utf8, false, "the source's stable id (unique)"),
            col("title", Utf8, false, "headline"),
            col("body", Utf8, false, "full text, paragraphs separated by newlines"),
            col("language", Utf8, true, "ISO 639-3 code detected from the text"),
            col("source", Utf8, true, "publisher or feed name"),
            col("url", Utf8, true, "link to the original"),
            col("published_at", Utf8, true, "publication date as an ISO-8601 string (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with an optional offset), kept as text so no precision or offset is invented; cast with `CAST(published_at AS TIMESTAMP)` or `substr(published_at, 1, 7)` for the month"),
            col("content_hash", Utf8, false, "blake3 of title and body (hex)"),
            col("origin", Utf8, true, "the file (and record) the article came from"),
            col("imported_at", Utf8, false, "when it was imported, ISO-8601 UTC"),
            col("published_raw", Utf8, true, "a date as given that newsdb could not read (`published_at` is then null)"),
        ],
    },
    ParquetTable {
        name: "paragraphs",
        description: "one row per paragraph of an article body, by article and index",
        sql: SQL_PARAGRAPHS,
        by_month: None,
        columns: &[
            col("article_id", Int64, false, "the article (`articles.id`)"),
            col("idx", Int64, false, "paragraph index in the body, from 0"),
            col("start_char", Int64, false, "first character in the body (0-based, in characters)"),
            col("end_char", Int64, false, "character after the last"),
            col("start_byte", Int64, false, "first byte in the UTF-8 body"),
            col("end_byte", Int64, false, "byte after the last"),
            col("language", Utf8, true, "detected language of the paragraph"),
            col("boilerplate", Boolean, false, "true when extraction skipped it (another language, or repeated across a source's articles)"),
            col("text_hash", Utf8, false, "hash of the paragraph text (finds repeated paragraphs)"),
        ],
    },
    ParquetTable {
        name: "entities",
        description: "one row per entity, by id",
        sql: SQL_ENTITIES,
        by_month: None,
        columns: &[
            col("id", Int64, false, "row id, the `entity_id` of other tables"),
            col("kind", Utf8, false, "person, organization, location or misc"),
            col("name", Utf8, false, "canonical (displayed) name"),
            col("key", Utf8, true, "identity key of the name (case, accents and punctuation folded)"),
            col("merged_into", Int64, true, "the entity this one was merged into, else null"),
            col("user_fixed", Int64, false, "1: name, 2: kind, 3: both set by a person; 0: by the rules"),
            col("mentions", Int64, false, "how many mentions name it"),
        ],
    },
    ParquetTable {
        name: "entity_aliases",
        description: "every surface form an entity was named by, by entity and alias",
        sql: SQL_ALIASES,
        by_month: None,
        columns: &[
            col("entity_id", Int64, false, ENTITY_ID),
            col("alias", Utf8, false, "the surface form"),
        ],
    },
    ParquetTable {
        name: "mentions",
        description: "one row per mention (an exact span of a title or body), by id",
        sql: SQL_MENTIONS,
        by_month: Some((SQL_MENTIONS_MONTH, SQL_MENTIONS_UNDATED)),
        columns: &[
            col("id", Int64, false, "row id"),
            col("article_id", Int64, false, "the article (`articles.id`)"),
            col("article_external_id", Utf8, false, "the article's `external_id` (denormalised)"),
            col("entity_id", Int64, false, ENTITY_ID),
            col("entity_name", Utf8, false, "the entity's canonical name (denormalised)"),
            col("entity_kind", Utf8, false, "the entity's kind (denormalised)"),
            col("field", Utf8, false, "title or body"),
            col("start_char", Int64, false, "first character of the span in the field (0-based)"),
            col("end_char", Int64, false, "character after the span"),
            col("start_byte", Int64, false, "first byte of the span in the UTF-8 field"),
            col("end_byte", Int64, false, "byte after the span"),
            col("surface", Utf8, false, "the text of the span"),
            col("sentence", Int64, true, "sentence index in the field"),
            col("paragraph", Int64, true, "paragraph index in the field"),
            col("extractor", Utf8, true, "model name@version that found it"),
            col("confidence", Float64, true, "the tagger's confidence, 0 to 1"),
            col("local_kind", Utf8, true, "the kind its own article gave it"),
            col("local_name", Utf8, true, "the name its own article resolved it to"),
            col("linked_name", Utf8, true, "the full name a lone surname was linked to across articles, else null"),
            col("kind_cue", Int64, false, "1 when an explicit cue of its article gave local_kind (its vote counts ten), else 0"),
        ],
    },
    ParquetTable {
        name: "sentence_pairs",
        description: "sentences shared per ordered pair of entities (both orders stored)",
        sql: SQL_SENTENCE_PAIRS,
        by_month: None,
        columns: &[
            col("entity_id", Int64, false, ENTITY_ID),
            col("other_id", Int64, false, OTHER_ID),
            col("sentences", Int64, false, "sentences naming both"),
        ],
    },
    ParquetTable {
        name: "paragraph_pairs",
        description: "paragraphs shared per ordered pair of entities (both orders stored)",
        sql: SQL_PARAGRAPH_PAIRS,
        by_month: None,
        columns: &[
            col("entity_id", Int64, false, ENTITY_ID),
            col("other_id", Int64, false, OTHER_ID),
            col("paragraphs", Int64, false, "paragraphs naming both"),
        ],
    },
    ParquetTable {
        name: "entity_units",
        description: "how many articles, paragraphs and sentences each entity occurs in",
        sql: SQL_ENTITY_UNITS,
        by_month: None,
        columns: &[
            col("entity_id", Int64, false, ENTITY_ID),
            col("level", Utf8, false, "article, paragraph or sentence"),
            col("units", Int64, false, "distinct units of that level naming the entity"),
        ],
    },
    ParquetTable {
        name: "unit_totals",
        description: "how many units of each level name any entity (the N of PMI)",
        sql: SQL_UNIT_TOTALS,
        by_month: None,
        columns: &[
            col("level", Utf8, false, "article, paragraph or sentence"),
            col("units", Int64, false, "distinct units of that level with a mention"),
        ],
    },
];

/// What `export parquet` wrote for one table.
#[derive(Debug, Clone, Serialize)]
pub struct ParquetFile {
    /// The table.
    pub table: &'static str,
    /// The file written.
    pub path: PathBuf,
    /// Rows written.
    pub rows: u64,
    /// File size in bytes.
    pub bytes: u64,
}

/// The `_schema.json` document: every table with its columns, types and meanings.
pub fn parquet_schema_json() -> serde_json::Value {
    serde_json::json!({
        "format": "parquet",
        "compression": "zstd",
        "tables": PARQUET_TABLES,
    })
}

/// A column being filled for the current batch.
enum Builder {
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(ty: ColumnType) -> Builder {
        match ty {
            ColumnType::Int64 => Builder::Int(Int64Builder::with_capacity(BATCH_ROWS)),
            ColumnType::Float64 => Builder::Float(Float64Builder::with_capacity(BATCH_ROWS)),
            ColumnType::Utf8 => Builder::Text(StringBuilder::new()),
            ColumnType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(BATCH_ROWS)),
        }
    }

    /// Appends one SQLite value; `Err` names what it was when it does not fit.
    /// Returns the bytes of text appended.
    fn append(&mut self, v: ValueRef<'_>) -> std::result::Result<usize, String> {
        let bytes = match v {
            ValueRef::Text(t) => t.len(),
            _ => 0,
        };
        match (self, v) {
            (Builder::Int(b), ValueRef::Null) => b.append_null(),
            (Builder::Float(b), ValueRef::Null) => b.append_null(),
            (Builder::Text(b), ValueRef::Null) => b.append_null(),
            (Builder::Bool(b), ValueRef::Null) => b.append_null(),
            (Builder::Int(b), ValueRef::Integer(i)) => b.append_value(i),
            (Builder::Float(b), ValueRef::Real(f)) => b.append_value(f),
            (Builder::Float(b), ValueRef::Integer(i)) => b.append_value(i as f64),
            (Builder::Bool(b), ValueRef::Integer(i @ (0 | 1))) => b.append_value(i == 1),
            (Builder::Text(b), ValueRef::Text(t)) => b.append_value(
                std::str::from_utf8(t).map_err(|e| format!("text that is not UTF-8 ({e})"))?,
            ),
            (_, other) => return Err(format!("the value {}", describe(other))),
        }
        Ok(bytes)
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }
}

fn describe(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => format!("{i} (integer)"),
        ValueRef::Real(f) => format!("{f} (real)"),
        ValueRef::Text(t) => format!("{:?} (text)", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("a blob of {} bytes", b.len()),
    }
}

fn parquet_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}

fn arrow_schema(table: &ParquetTable) -> SchemaRef {
    Arc::new(Schema::new(
        table
            .columns
            .iter()
            .map(|c| Field::new(c.name, c.ty.arrow(), c.nullable))
            .collect::<Vec<_>>(),
    ))
}

fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("newsdb {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Streams the rows of `sql` (with `params`; its columns those of `table`) into a
/// Parquet file at `path`; returns the row count.
fn write_table(
    conn: &Connection,
    table: &ParquetTable,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
    path: &Path,
) -> Result<u64> {
    let schema = arrow_schema(table);
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    let mut writer = ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        schema.clone(),
        Some(writer_properties()),
    )
    .map_err(|e| parquet_err(path, e))?;
    let mut builders: Vec<Builder> = table.columns.iter().map(|c| Builder::new(c.ty)).collect();
    let mut stmt = conn.prepare(sql)?;
    debug_assert_eq!(stmt.column_count(), table.columns.len());
    let mut rows = stmt.query(params)?;
    let mut n = 0u64;
    let mut pending = 0usize;
    let mut pending_bytes = 0usize;
    let flush = |builders: &mut [Builder], writer: &mut ArrowWriter<_>| -> Result<()> {
        let arrays: Vec<ArrayRef> = builders.iter_mut().map(Builder::finish).collect();
        let batch =
            RecordBatch::try_new(schema.clone(), arrays).map_err(|e| parquet_err(path, e))?;
        writer.write(&batch).map_err(|e| parquet_err(path, e))?;
        if writer.in_progress_size() >= ROW_GROUP_BYTES {
            writer.flush().map_err(|e| parquet_err(path, e))?;
        }
        Ok(())
    };
    while let Some(r) = rows.next()? {
        for (i, (b, c)) in builders.iter_mut().zip(table.columns).enumerate() {
            let v = r.get_ref(i)?;
            if matches!(v, ValueRef::Null) && !c.nullable {
                return Err(Error::InvalidArgument(format!(
                    "{}.{} is NULL in row {} though the column is NOT NULL; run `newsdb check`",
                    table.name,
                    c.name,
                    n + 1
                )));
            }
            pending_bytes += b.append(v).map_err(|what| {
                Error::InvalidArgument(format!(
                    "{}.{} holds {what} in row {}, not a {:?} value; run `newsdb check`",
                    table.name,
                    c.name,
                    n + 1,
                    c.ty
                ))
            })?;
        }
        n += 1;
        pending += 1;
        if pending == BATCH_ROWS || pending_bytes >= BATCH_BYTES {
            flush(&mut builders, &mut writer)?;
            pending = 0;
            pending_bytes = 0;
        }
    }
    if pending > 0 || n == 0 {
        flush(&mut builders, &mut writer)?;
    }
    let mut out = writer.into_inner().map_err(|e| parquet_err(path, e))?;
    out.flush().map_err(|e| Error::io(path, e))?;
    Ok(n)
}

/// A temporary name beside `path`, renamed to it once every file is complete.
fn temporary(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

/// How `export parquet` lays out a table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// Articles and mentions by the article's publication month, hive-style:
    /// `articles/published_month=2005-01/part-0.parquet`, the undated under
    /// `published_month=unknown`.
    Month,
}

/// Options of [`export_parquet`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ParquetOptions {
    /// Partition articles and mentions (the other tables are one file each).
    pub partition: Option<Partition>,
}

/// The directory name of the undated articles' partition.
pub const UNKNOWN_MONTH: &str = "unknown";

/// Writes every table of [`PARQUET_TABLES`] to `DIR/NAME.parquet` (with
/// [`Partition::Month`], articles and mentions to
/// `DIR/NAME/published_month=YYYY-MM/part-0.parquet`) and the column documentation to
/// `DIR/_schema.json`, creating directories as needed. Each file is written under a
/// temporary name; they are renamed to their names only when all are complete, so a
/// failed export leaves no partial file under a final name (and none of the previous
/// files replaced). Existing files of the same names are replaced.
pub fn export_parquet(
    conn: &Connection,
    dir: &Path,
    opts: &ParquetOptions,
) -> Result<Vec<ParquetFile>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let months: Vec<String> = match opts.partition {
        Some(Partition::Month) => conn
            .prepare(SQL_MONTHS)?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        None => Vec::new(),
    };
    let mut written: Vec<(PathBuf, ParquetFile)> = Vec::new();
    let result = (|| -> Result<()> {
        for table in PARQUET_TABLES {
            // (file, query, its month parameter)
            let mut parts: Vec<(PathBuf, &str, Option<&str>)> = Vec::new();
            match (opts.partition, table.by_month) {
                (Some(Partition::Month), Some((by_month, undated))) => {
                    let part = |month: &str| {
                        dir.join(table.name)
                            .join(format!("published_month={month}"))
                            .join("part-0.parquet")
                    };
                    for m in &months {
                        parts.push((part(m), by_month, Some(m.as_str())));
                    }
                    parts.push((part(UNKNOWN_MONTH), undated, None));
                }
                _ => parts.push((dir.join(format!("{}.parquet", table.name)), table.sql, None)),
            }
            for (path, sql, month) in parts {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
                }
                let tmp = temporary(&path);
                // Recorded before writing, so a failure removes the partial file.
                written.push((
                    tmp.clone(),
                    ParquetFile {
                        table: table.name,
                        path,
                        rows: 0,
                        bytes: 0,
                    },
                ));
                let rows = match month {
                    Some(m) => write_table(conn, table, sql, &[&m], &tmp)?,
                    None => write_table(conn, table, sql, &[], &tmp)?,
                };
                let bytes = std::fs::metadata(&tmp)
                    .map_err(|e| Error::io(&tmp, e))?
                    .len();
                let last = written.last_mut().expect("pushed above");
                last.1.rows = rows;
                last.1.bytes = bytes;
            }
        }
        let path = dir.join(SCHEMA_FILE);
        let tmp = temporary(&path);
        let text = serde_json::to_string_pretty(&parquet_schema_json())
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        std::fs::write(&tmp, text + "\n").map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        Ok(())
    })();
    if let Err(e) = result {
        for (tmp, _) in &written {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let mut files = Vec::with_capacity(written.len());
    for (tmp, file) in written {
        std::fs::rename(&tmp, &file.path).map_err(|e| Error::io(&file.path, e))?;
        files.push(file);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    #[test]
    fn every_table_is_written_with_its_rows() {
        let fx = fixture::build();
        let dir = tempfile::tempdir().unwrap();
        let files =
            export_parquet(fx.store.conn(), dir.path(), &ParquetOptions::default()).unwrap();
        assert_eq!(files.len(), PARQUET_TABLES.len());
        for f in &files {
            let count: i64 = fx
                .store
                .conn()
                .query_row(
                    match f.table {
                        "articles" => "SELECT COUNT(*) FROM articles",
                        "mentions" => "SELECT COUNT(*) FROM mentions",
                        "entities" => "SELECT COUNT(*) FROM entities",
                        _ => "SELECT -1",
                    },
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let reader = SerializedFileReader::new(File::open(&f.path).unwrap()).unwrap();
            let rows = reader.metadata().file_metadata().num_rows();
            assert_eq!(rows as u64, f.rows, "{}", f.table);
            if count >= 0 {
                assert_eq!(rows, count, "{}", f.table);
            }
        }
        assert!(dir.path().join(SCHEMA_FILE).exists());
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp-")
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn every_query_has_one_column_per_declared_column() {
        let store = crate::Store::open_in_memory().unwrap();
        for t in PARQUET_TABLES {
            let (month, undated) = t.by_month.unwrap_or((t.sql, t.sql));
            for sql in [t.sql, month, undated] {
                let stmt = store.conn().prepare(sql).unwrap();
                assert_eq!(stmt.column_count(), t.columns.len(), "{}", t.name);
            }
        }
    }

    #[test]
    fn month_partitions_hold_each_article_once() {
        let fx = fixture::build();
        let dir = tempfile::tempdir().unwrap();
        let opts = ParquetOptions {
            partition: Some(Partition::Month),
        };
        let files = export_parquet(fx.store.conn(), dir.path(), &opts).unwrap();
        let articles: Vec<_> = files.iter().filter(|f| f.table == "articles").collect();
        let names: Vec<String> = articles
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            [
                "articles/published_month=2019-02/part-0.parquet",
                "articles/published_month=2019-03/part-0.parquet",
                "articles/published_month=unknown/part-0.parquet",
            ]
        );
        assert_eq!(
            articles.iter().map(|f| f.rows).collect::<Vec<_>>(),
            [1, 1, 1]
        );
        let mentions: u64 = files
            .iter()
            .filter(|f| f.table == "mentions")
            .map(|f| f.rows)
            .sum();
        assert_eq!(mentions, 16);
    }
}
