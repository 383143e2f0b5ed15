//! The import pipeline: sources → parse → write, with an [`ImportReport`].
//!
//! A bad record never stops the run: it becomes a row in `import_errors` and an entry
//! in the report, and every good record beside it is stored.

mod source;
pub mod text;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{ImportId, NewArticle};
use crate::store::{articles, Store, UpsertOutcome};

pub use source::{collect_files, SourceFile};

/// How an import behaves.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Store an article even when another external id already has the same content.
    pub keep_duplicates: bool,
    /// Articles written per transaction.
    pub batch_size: usize,
    /// The command line (or other description) recorded in `imports.arguments`.
    pub arguments: Option<String>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            keep_duplicates: false,
            batch_size: 500,
            arguments: None,
        }
    }
}

/// One record that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    /// The file (or `-` for standard input).
    pub origin: String,
    /// Line or record number within the file, when there is one.
    pub record: Option<String>,
    /// What was wrong.
    pub message: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// The `imports` row of this run.
    pub import_id: Option<ImportId>,
    /// Articles inserted.
    pub inserted: u64,
    /// Articles whose content changed and were replaced.
    pub updated: u64,
    /// Articles already stored with the same content.
    pub unchanged: u64,
    /// Articles skipped because another external id has the same content.
    pub duplicates: u64,
    /// Records that could not be imported.
    pub failed: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// The failed records.
    pub errors: Vec<RecordError>,
}

impl ImportReport {
    /// Articles read successfully, whatever happened to them.
    pub fn articles(&self) -> u64 {
        self.inserted + self.updated + self.unchanged + self.duplicates
    }
}

const SQL_START_IMPORT: &str = "INSERT INTO imports (started_at, arguments)
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1)";
const SQL_FINISH_IMPORT: &str =
    "UPDATE imports SET finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    inserted = ?2, updated = ?3, unchanged = ?4, duplicates = ?5, failed = ?6, bytes = ?7
    WHERE id = ?1";
const SQL_IMPORT_ERROR: &str =
    "INSERT INTO import_errors (import_id, origin, record, message) VALUES (?1, ?2, ?3, ?4)";

/// Reads and parses one source file into articles.
fn parse_file(file: &SourceFile) -> Result<(u64, Vec<NewArticle>)> {
    let bytes = std::fs::read(&file.path).map_err(|e| Error::io(&file.path, e))?;
    let origin = file.path.display().to_string();
    let article = text::parse_text(&bytes, &origin, &file.stem())?;
    Ok((bytes.len() as u64, vec![article]))
}

/// Writes one parsed article, counting the outcome in `report`.
fn write_article(
    conn: &Connection,
    article: &NewArticle,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<()> {
    if !opts.keep_duplicates {
        if let Some(first) = articles::by_content_hash(conn, &article.content_hash())? {
            let same = articles::external_id_of(conn, first)?;
            if same.as_deref() != Some(article.external_id.as_str()) {
                report.duplicates += 1;
                return Ok(());
            }
        }
    }
    match articles::upsert(conn, article)?.outcome {
        UpsertOutcome::Inserted => report.inserted += 1,
        UpsertOutcome::Updated => report.updated += 1,
        UpsertOutcome::Unchanged => report.unchanged += 1,
    }
    Ok(())
}

fn record_error(conn: &Connection, import: ImportId, e: &RecordError) -> Result<()> {
    conn.prepare_cached(SQL_IMPORT_ERROR)?
        .execute(params![import, e.origin, e.record, e.message])?;
    Ok(())
}

impl Store {
    /// Imports every article under `paths` (files and directories, walked in sorted
    /// order). Bad records are recorded and skipped; the returned report counts them.
    /// Fails only when the database itself fails or a path does not exist.
    pub fn import(&mut self, paths: &[PathBuf], opts: &ImportOptions) -> Result<ImportReport> {
        let started = Instant::now();
        let mut report = ImportReport::default();
        let files = collect_files(paths, &mut |origin: &Path, message: String| {
            report.errors.push(RecordError {
                origin: origin.display().to_string(),
                record: None,
                message,
            });
        })?;
        let conn = self.conn_mut();
        conn.prepare_cached(SQL_START_IMPORT)?
            .execute([&opts.arguments])?;
        let import = ImportId(conn.last_insert_rowid());
        report.import_id = Some(import);

        for chunk in files.chunks(opts.batch_size.max(1)) {
            let tx = conn.transaction()?;
            for file in chunk {
                match parse_file(file) {
                    Ok((bytes, articles)) => {
                        report.bytes += bytes;
                        for a in &articles {
                            write_article(&tx, a, opts, &mut report)?;
                        }
                    }
                    Err(e) => report.errors.push(RecordError {
                        origin: file.path.display().to_string(),
                        record: None,
                        message: e.to_string(),
                    }),
                }
            }
            tx.commit()?;
        }

        report.failed = report.errors.len() as u64;
        let tx = conn.transaction()?;
        for e in &report.errors {
            record_error(&tx, import, e)?;
        }
        tx.prepare_cached(SQL_FINISH_IMPORT)?.execute(params![
            import,
            report.inserted as i64,
            report.updated as i64,
            report.unchanged as i64,
            report.duplicates as i64,
            report.failed as i64,
            report.bytes as i64
        ])?;
        tx.commit()?;
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }
}
