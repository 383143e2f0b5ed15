//! The import pipeline: read → parse → extract → write.
//!
//! One thread reads inputs in order and splits them into units; a rayon pool parses
//! and extracts batches of units in parallel (order kept); the calling thread owns
//! the connection and writes each batch in one transaction, so an article, its
//! paragraphs and its mentions are always committed together. Channels are bounded,
//! so memory stays flat however large the input.
//!
//! A bad record never stops the run (unless [`ImportOptions::strict`]): it becomes a
//! row in `import_errors` and an [`ImportEvent::Problem`], and every good record beside
//! it is stored.

/// Publication dates (the loader normalises them; the store and queries share the rules).
pub use crate::dates;
pub mod extract;
pub mod extracted;
pub mod records;
mod reextract;
mod source;
pub mod text;
mod write;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{ImportId, NewArticle};
use crate::ner::Model;
use crate::store::Store;

use crate::paragraphs::{self, Paragraph};
use extract::Extracted;
pub use source::{collect_files, InputFormat, SourceFile, Unit, UnitBody, MAX_COLUMNS};

/// Input bytes after which a part of a batch ends whatever its record count: with a
/// part being read, one waiting, one extracted and one written, about four of them are
/// in memory.
pub const BATCH_BYTES: u64 = 8 << 20;

/// Records per part, at most: the pipeline reads, extracts and writes a batch in parts
/// of this many records, so that the articles in memory do not grow with
/// [`ImportOptions::batch_size`], the records per transaction.
pub const PART_RECORDS: usize = 1024;

/// Input bytes after which a batch's transaction commits whatever its record count
/// (four parts of [`BATCH_BYTES`]).
pub const TRANSACTION_BYTES: u64 = 4 * BATCH_BYTES;

/// The records of each part of a batch of `batch_size` records.
pub(crate) fn part_records(batch_size: usize) -> usize {
    batch_size.clamp(1, PART_RECORDS)
}

/// How an import behaves.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Force one input format instead of choosing by file extension (standard input
    /// without it is JSON Lines when it starts with `{`, else one text article).
    pub format: Option<InputFormat>,
    /// Store an article even when another external id already has the same content.
    pub keep_duplicates: bool,
    /// Run entity extraction (NER and resolution) on each new or changed article.
    pub extract: bool,
    /// Parse, extract and report, but roll everything back.
    pub dry_run: bool,
    /// Stop at the first bad record and roll the whole import back.
    pub strict: bool,
    /// Records larger than this are refused (an error, not memory exhaustion).
    pub max_record_bytes: usize,
    /// Read TSV with `"` quoting, as CSV, instead of the IANA convention (no quotes;
    /// `\t`, `\n`, `\r`, `\\` escapes, as `export --format tsv` writes).
    pub tsv_quoted: bool,
    /// Worker threads for parsing and extraction (0: one per core for `extract`; for an
    /// import, one per core but one, which the writer keeps busy).
    pub jobs: usize,
    /// Records per batch (one transaction each), at most: a batch also ends once it
    /// holds [`TRANSACTION_BYTES`] of input. Every batch pays a fixed cost: the pages
    /// its summary counts, indexes and full-text segments share with the next batch
    /// are written again at each commit, which at 100,000 articles was most of what an
    /// import wrote; so larger batches import faster. A crash loses at most one batch,
    /// which a re-run redoes. The pipeline carries a batch in parts of at most
    /// [`PART_RECORDS`] records and [`BATCH_BYTES`], so memory does not grow with it.
    pub batch_size: usize,
    /// Summary rows (co-occurrence pairs, entity-days, counts) an open transaction
    /// may hold in memory, 600,000 by default (10-20 MB): they are summed over a
    /// batch and written just before it commits, so each summary page is written
    /// once per batch, unless they reach this many at the end of a part, when they
    /// are written then (and the rest at the commit). A batch of 4,096 articles of
    /// the million-article benchmark corpus gathers about 1.2 million (most of them
    /// article and paragraph pairs), so there they are written twice a batch: that
    /// import wrote 270 GB in all and peaked at 286 MiB while reading, against
    /// 273 GB and 297 MiB for a build whose bound (1,500,000) was never reached. The
    /// summaries are the same either way.
    pub summary_rows: usize,
    /// The command line (or other description) recorded in `imports.arguments`.
    pub arguments: Option<String>,
    /// The source of every record that names none (text files name none).
    pub source: Option<String>,
    /// The publication date (ISO 8601) of every record that gives none.
    pub published: Option<String>,
    /// Take the source of a record that names none from the first folder below the
    /// directory being imported (`business` for `bbc/business/001.txt` when importing
    /// `bbc/`); before `source`, which then covers files outside any folder.
    pub source_from_dir: bool,
    /// The inputs are JSON Lines records of `newsdb extract` (see
    /// [`extracted::ExtractedArticle`]): their paragraphs and mentions are stored as
    /// they are, without tagging again.
    pub extracted: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            format: None,
            keep_duplicates: false,
            extract: true,
            dry_run: false,
            strict: false,
            max_record_bytes: 10 * 1024 * 1024,
            tsv_quoted: false,
            jobs: 0,
            batch_size: 4096,
            summary_rows: 600_000,
            arguments: None,
            source: None,
            published: None,
            source_from_dir: false,
            extracted: false,
        }
    }
}

/// How bad a recorded problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record was not imported.
    Error,
    /// The record was imported, with a caveat (a date kept as given, a duplicate).
    Warning,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem with one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordError {
    /// The file (or `<stdin>`).
    pub origin: String,
    /// Line, record or row number within the file, when there is one.
    pub record: Option<String>,
    /// What was wrong.
    pub message: String,
    /// Error (not imported) or warning (imported).
    pub severity: Severity,
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.severity.as_str(), self.origin)?;
        if let Some(r) = &self.record {
            write!(f, ", {r}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// The `imports` row of this run (none for a dry run).
    pub import_id: Option<ImportId>,
    /// Articles inserted.
    pub inserted: u64,
    /// Articles whose content changed and were replaced (mentions re-extracted).
    pub updated: u64,
    /// Articles already stored with the same content.
    pub unchanged: u64,
    /// Articles skipped because another external id has the same content.
    pub duplicates: u64,
    /// Records that could not be imported.
    pub failed: u64,
    /// Records imported with a warning.
    pub warnings: u64,
    /// New or changed articles not in English, stored but not extracted.
    pub not_english: u64,
    /// Mentions written.
    pub mentions: u64,
    /// Lone surnames ("Mr Howard") linked to, or unlinked from, a full-name person of
    /// other articles at the end of the run (see `newsdb resolve`).
    pub surnames_linked: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// Wall-clock seconds of the whole run: reading, the linking of lone names across
    /// articles that ends it and the merge of the search index.
    pub seconds: f64,
    /// Whether everything was rolled back (dry run or strict failure).
    pub rolled_back: bool,
    /// The first problems (at most [`MAX_REPORTED_PROBLEMS`]; all are in `import_errors`).
    pub errors: Vec<RecordError>,
    /// Documentation files (README, LICENSE, CHANGELOG) skipped in walked directories.
    pub skipped_files: Vec<String>,
}

/// How many problems an [`ImportReport`] keeps in memory.
pub const MAX_REPORTED_PROBLEMS: usize = 1000;

impl ImportReport {
    /// Articles read successfully, whatever happened to them.
    pub fn articles(&self) -> u64 {
        self.inserted + self.updated + self.unchanged + self.duplicates
    }

    /// Counts a problem of `extract_to` (the writer keeps its own books for imports)
    /// and tells `on_event`.
    fn problem(&mut self, e: RecordError, on_event: &mut dyn FnMut(ImportEvent<'_>)) {
        match e.severity {
            Severity::Error => self.failed += 1,
            Severity::Warning => self.warnings += 1,
        }
        on_event(ImportEvent::Problem(&e));
        if self.errors.len() < MAX_REPORTED_PROBLEMS {
            self.errors.push(e);
        }
    }

    /// Input megabytes per second.
    pub fn mb_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.bytes as f64 / 1e6 / self.seconds
        } else {
            0.0
        }
    }
}

/// What an import tells its caller while it runs.
#[derive(Debug)]
pub enum ImportEvent<'a> {
    /// The inputs were found: how many and their total size on disk.
    Started {
        /// Number of inputs.
        files: usize,
        /// Their total size in bytes (compressed size for `.gz`).
        bytes: u64,
    },
    /// A batch was written; the report so far.
    Progress(&'a ImportReport),
    /// A record failed or was imported with a warning.
    Problem(&'a RecordError),
    /// Every record is read and written: the run now links lone names across articles
    /// and merges the search index (minutes at a million articles).
    Finishing,
}

/// An article ready to write: parsed, split into paragraphs, maybe extracted.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The article.
    pub article: NewArticle,
    /// Caveats found while parsing.
    pub warnings: Vec<String>,
    /// Whether the record's id was a JSON number (`1` rather than `"1"`).
    pub numeric_id: bool,
}

/// The output of the parallel stage for one unit.
#[derive(Debug)]
pub(crate) struct Processed {
    origin: String,
    record: Option<String>,
    bytes: u64,
    outcome: std::result::Result<Ready, String>,
}

#[derive(Debug)]
pub(crate) struct Ready {
    parsed: Parsed,
    paragraphs: Vec<Paragraph>,
    /// `None` when extraction was not run (disabled, not English, or unchanged), or
    /// not finished: then `tagged` holds what [`Ready::resolve`] finishes.
    extracted: Option<Vec<Extracted>>,
    /// The article tagged, its spans not yet resolved ([`prepare_tagged`]).
    tagged: Option<extract::Tagged>,
    not_english: bool,
    /// The model that extracted `extracted` when not the writer's own (a record of
    /// `newsdb extract` read by `import --extracted`).
    extractor: Option<String>,
}

/// Whether a stored article already has this content: lets workers skip extraction
/// for unchanged articles (the writer still decides).
struct ReadPool {
    path: Option<PathBuf>,
    conns: Mutex<Vec<Connection>>,
}

const SQL_HASH_OF: &str = "SELECT content_hash FROM articles WHERE external_id = ?1";

impl ReadPool {
    fn is_unchanged(&self, a: &NewArticle) -> bool {
        let Some(path) = &self.path else { return false };
        let conn = self.conns.lock().ok().and_then(|mut v| v.pop());
        let conn = match conn {
            Some(c) => c,
            None => match Connection::open_with_flags(
                crate::db::not_a_uri(path),
                OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .map_err(crate::Error::from)
            .and_then(|c| crate::db::tune_statements(&c).map(|()| c))
            {
                Ok(c) => c,
                Err(_) => return false,
            },
        };
        let stored: Option<String> = conn
            .prepare_cached(SQL_HASH_OF)
            .and_then(|mut s| s.query_row([&a.external_id], |r| r.get(0)).optional())
            .ok()
            .flatten();
        if let Ok(mut v) = self.conns.lock() {
            v.push(conn);
        }
        stored.is_some_and(|h| h == a.content_hash())
    }
}

/// Parse stage: one unit into a parsed article.
pub fn parse_unit(unit: &Unit) -> std::result::Result<Parsed, String> {
    match &unit.body {
        UnitBody::Failed(message) => Err(message.clone()),
        UnitBody::Text { bytes, external_id } => {
            let mut a = text::parse_text(bytes, &unit.origin, "").map_err(|e| match e {
                Error::Parse { message, .. } => message,
                Error::InvalidUtf8 { offset, .. } => {
                    format!("invalid UTF-8 at byte {offset} (convert the file to UTF-8)")
                }
                other => other.to_string(),
            })?;
            a.external_id = match external_id {
                Some(id) => id.clone(),
                None => format!("sha-{}", &a.content_hash()[..16]),
            };
            Ok(Parsed {
                article: a,
                warnings: Vec::new(),
                numeric_id: false,
            })
        }
        UnitBody::Json(bytes) => records::from_json_bytes(bytes, &unit.origin),
        UnitBody::Row(map) => records::from_object(map, &unit.origin),
    }
}

/// Paragraphs, language and (when wanted) extraction for a parsed article.
pub(crate) fn prepare(parsed: Parsed, model: Option<&Model>) -> Ready {
    let mut ready = prepare_tagged(parsed, model);
    if let Some(m) = model {
        ready.resolve(m);
    }
    ready
}

/// [`prepare`] but for the resolution of the spans, which [`Ready::resolve`] does.
fn prepare_tagged(parsed: Parsed, model: Option<&Model>) -> Ready {
    let (paragraphs, language) = paragraphs::analyze(
        &parsed.article.title,
        &parsed.article.body,
        parsed.article.language.as_deref(),
    );
    let mut parsed = parsed;
    parsed.article.language = language;
    let not_english = parsed
        .article
        .language
        .as_deref()
        .is_some_and(|l| !paragraphs::is_english(l));
    let tagged = match model {
        Some(m) if !not_english => Some(extract::tag(
            m,
            &parsed.article.title,
            &parsed.article.body,
            &paragraphs,
        )),
        _ => None,
    };
    Ready {
        parsed,
        paragraphs,
        extracted: None,
        tagged,
        not_english,
        extractor: None,
    }
}

impl Ready {
    /// Resolves the spans of an article tagged with `model` ([`prepare_tagged`]).
    fn resolve(&mut self, model: &Model) {
        if let Some(tagged) = self.tagged.take() {
            let a = &self.parsed.article;
            self.extracted = Some(tagged.resolve(model, &a.title, &a.body, &self.paragraphs));
        }
    }
}

/// Refuses NUL characters: SQLite's text functions stop at the first one, so
/// `substr` could no longer check a mention's span, and a file full of them is
/// usually UTF-16 read as UTF-8.
fn refuse_nul(a: &NewArticle) -> std::result::Result<(), String> {
    // An id with a NUL could be stored but never named: no shell argument holds one.
    if let Some(at) = a.external_id.find('\0') {
        return Err(format!(
            "the id {:?} contains a NUL character at byte {at}: no command could name this \
             article (remove the NUL from the id)",
            a.external_id
        ));
    }
    for (name, text) in [("title", &a.title), ("body", &a.body)] {
        if let Some(at) = text.find('\0') {
            return Err(format!(
                "the {name} contains a NUL character at byte {at} (is the input UTF-16? convert it to UTF-8)"
            ));
        }
    }
    Ok(())
}

fn process(unit: Unit, model: Option<&Model>, pool: &ReadPool, opts: &ImportOptions) -> Processed {
    if opts.extracted {
        let outcome = match &unit.body {
            UnitBody::Failed(message) => Err(message.clone()),
            UnitBody::Json(bytes) => serde_json::from_slice::<extracted::ExtractedArticle>(bytes)
                .map_err(|e| format!("not a record of `newsdb extract`: {e}"))
                .and_then(extracted::ExtractedArticle::into_ready),
            _ => Err("--extracted reads the JSON Lines that `newsdb extract` writes".into()),
        };
        return Processed {
            origin: unit.origin,
            record: unit.record,
            bytes: unit.bytes,
            outcome,
        };
    }
    let parsed = parse_unit(&unit).and_then(|p| refuse_nul(&p.article).map(|()| p));
    let parsed = parsed.map(|mut p| {
        p.warnings.extend(unit.warnings);
        let a = &mut p.article;
        if a.source.is_none() {
            a.source = unit.folder.clone().or_else(|| opts.source.clone());
        }
        if a.published_at.is_none() {
            a.published_at.clone_from(&opts.published);
        }
        p
    });
    let outcome = parsed.map(|parsed| {
        let skip = model.is_none() || pool.is_unchanged(&parsed.article);
        prepare_tagged(parsed, if skip { None } else { model })
    });
    Processed {
        origin: unit.origin,
        record: unit.record,
        bytes: unit.bytes,
        outcome,
    }
}

/// Reads every article under `paths` as `import` does, extracts it (paragraphs,
/// language, mentions; no database) and writes one [`extracted::ExtractedArticle`] per
/// line to `out`, in input order. Bad records are told to `on_event` and counted in
/// the report (`failed`), and the run goes on; `inserted` counts the records written.
/// The output is the same whatever `opts.jobs`, and each record depends only on its
/// article, so pieces of a corpus can be extracted anywhere and imported together
/// with [`ImportOptions::extracted`].
pub fn extract_to(
    paths: &[PathBuf],
    opts: &ImportOptions,
    out: &mut dyn std::io::Write,
    on_event: &mut dyn FnMut(ImportEvent<'_>),
) -> Result<ImportReport> {
    let mut line = Vec::new();
    let report = extract_each(
        paths,
        opts,
        &mut |record| {
            line.clear();
            serde_json::to_writer(&mut line, &record)
                .map_err(|e| Error::InvalidArgument(format!("cannot write JSON: {e}")))?;
            line.push(b'\n');
            out.write_all(&line)
                .map_err(|e| Error::io(Path::new("<output>"), e))
        },
        on_event,
    )?;
    out.flush()
        .map_err(|e| Error::io(Path::new("<output>"), e))?;
    Ok(report)
}

/// Like [`extract_to`], but hands each record to `write` (in input order) instead of
/// writing JSON Lines: the Parquet output of `newsdb extract` is written this way.
pub fn extract_each(
    paths: &[PathBuf],
    opts: &ImportOptions,
    write: &mut dyn FnMut(extracted::ExtractedArticle) -> Result<()>,
    on_event: &mut dyn FnMut(ImportEvent<'_>),
) -> Result<ImportReport> {
    let started = Instant::now();
    let mut report = ImportReport::default();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    let files = collect_files(
        paths,
        &mut |origin: &Path, message: String| {
            problems.push(RecordError {
                origin: origin.display().to_string(),
                record: None,
                message,
                severity: Severity::Error,
            });
        },
        &mut skipped,
    )?;
    on_event(ImportEvent::Started {
        files: files.len(),
        bytes: files
            .iter()
            .filter(|f| !f.is_stdin())
            .filter_map(|f| std::fs::metadata(&f.path).ok())
            .map(|m| m.len())
            .sum(),
    });
    for e in problems {
        report.problem(e, on_event);
    }
    let model = opts.extract.then(Model::embedded);
    let extractor = model.map(extract::extractor_name);
    let pool = ReadPool {
        path: None,
        conns: Mutex::new(Vec::new()),
    };
    let stop = AtomicBool::new(false);
    pipeline(&files, opts, opts.jobs, model, &pool, &stop, &mut |batch| {
        for p in batch {
            report.bytes += p.bytes;
            match p.outcome {
                Err(message) => report.problem(
                    RecordError {
                        origin: p.origin,
                        record: p.record,
                        message,
                        severity: Severity::Error,
                    },
                    on_event,
                ),
                Ok(ready) => {
                    for w in &ready.parsed.warnings {
                        let warning = RecordError {
                            origin: p.origin.clone(),
                            record: p.record.clone(),
                            message: w.clone(),
                            severity: Severity::Warning,
                        };
                        report.problem(warning, on_event);
                    }
                    let record =
                        extracted::ExtractedArticle::of_ready(&ready, extractor.as_deref());
                    report.inserted += 1;
                    report.not_english += u64::from(ready.not_english);
                    report.mentions += record.mentions.as_ref().map_or(0, |m| m.len() as u64);
                    write(record)?;
                }
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        on_event(ImportEvent::Progress(&report));
        Ok(())
    })?;
    report.seconds = started.elapsed().as_secs_f64();
    report.skipped_files = skipped.iter().map(|p| p.display().to_string()).collect();
    Ok(report)
}

/// Reads `files` in order on one thread, parses and (with `model`) tags batches of
/// units on a pool of `jobs` workers (0: one per core), order kept, resolves their
/// spans on one more thread, and hands each batch to `consume` on the calling thread.
/// An error from `consume` stops the reader and is returned.
fn pipeline(
    files: &[SourceFile],
    opts: &ImportOptions,
    jobs: usize,
    model: Option<&'static Model>,
    pool: &ReadPool,
    stop: &AtomicBool,
    consume: &mut dyn FnMut(Vec<Processed>) -> Result<()>,
) -> Result<()> {
    let workers = thread_pool(jobs)?;
    let part_size = part_records(opts.batch_size);
    let done = std::thread::scope(|s| -> Result<()> {
        // One part waiting at each hand-over keeps every stage busy; more would only
        // hold more articles in memory (a part is up to `part_size` of them).
        let (unit_tx, unit_rx) = sync_channel::<Vec<Unit>>(1);
        let (done_tx, done_rx) = sync_channel::<Vec<Processed>>(1);
        let clashes = source::id_clashes(files, opts.format);
        let read_opts = source::ReadOptions {
            format: opts.format,
            max_record_bytes: opts.max_record_bytes,
            tsv_quoted: opts.tsv_quoted,
        };
        s.spawn(move || {
            let mut batch = Vec::with_capacity(part_size);
            let mut batch_bytes = 0u64;
            for (file, clash) in files.iter().zip(clashes) {
                let folder = if opts.source_from_dir {
                    file.folder()
                } else {
                    None
                };
                let mut emit = |mut u: Unit| {
                    u.folder.clone_from(&folder);
                    batch_bytes += u.bytes;
                    batch.push(u);
                    if batch.len() >= part_size || batch_bytes >= BATCH_BYTES {
                        batch_bytes = 0;
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(part_size));
                        if unit_tx.send(full).is_err() {
                            return false;
                        }
                    }
                    !stop.load(Ordering::Relaxed)
                };
                let go_on = match clash {
                    Some(message) => emit(Unit {
                        origin: file.origin(),
                        record: None,
                        bytes: 0,
                        body: UnitBody::Failed(message),
                        warnings: Vec::new(),
                        folder: None,
                    }),
                    None => source::read_units(file, &read_opts, &mut emit),
                };
                if !go_on || stop.load(Ordering::Relaxed) {
                    return;
                }
            }
            if !batch.is_empty() {
                let _ = unit_tx.send(batch);
            }
        });
        let workers = &workers;
        s.spawn(move || {
            let mut repeated = records::RepeatedIds::default();
            for batch in unit_rx {
                let mut out: Vec<Processed> = workers.install(|| {
                    batch
                        .into_par_iter()
                        .map(|u| process(u, model, pool, opts))
                        .collect()
                });
                // In input order: a repeated id is found at its later record.
                for p in &mut out {
                    if let Ok(ready) = &mut p.outcome {
                        let found = repeated.check(&p.origin, p.record.as_deref(), &ready.parsed);
                        ready.parsed.warnings.extend(found);
                    }
                }
                if done_tx.send(out).is_err() {
                    return;
                }
            }
        });
        // The spans are resolved on a stage of their own: a tenth of a worker's time,
        // which the writer's core has to spare while the workers' cores tag.
        let (resolved_tx, resolved_rx) = sync_channel::<Vec<Processed>>(1);
        s.spawn(move || {
            for mut batch in done_rx {
                if let Some(model) = model {
                    for p in &mut batch {
                        if let Ok(ready) = &mut p.outcome {
                            ready.resolve(model);
                        }
                    }
                }
                if resolved_tx.send(batch).is_err() {
                    return;
                }
            }
        });
        for batch in resolved_rx {
            if let Err(e) = consume(batch) {
                stop.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(())
    });
    // What comes next (an import's linking pass) runs on this thread: the workers'
    // caches and the freed batches would otherwise stay with the process.
    workers.broadcast(|_| crate::ner::release_thread_cache());
    if let Some(model) = model {
        model.release_cache();
    }
    crate::memory::release_freed();
    done
}

/// Worker threads for an import's pipeline: `jobs`, or for 0 one per core but one.
///
/// The writer is one more thread, and so is the stage that resolves the tagged names
/// (see [`pipeline`]). On 2 cores the writer and that stage fill the time the one
/// tagging worker leaves: a second worker (`--jobs 2`) was 5-15% faster on 10,000
/// articles before the stage existed, and is no faster since (alternate runs of the
/// 10k plain corpus: medians 14.8 s with two, 15.0 s with one), for about 16 MB more.
/// A million-article import is bound by the writer, whose inserts slow as the store
/// grows, and there the second worker gained nothing measurable but took the peak to
/// 300 MiB (275 with one): so the default leaves the writer its core (see the README's
/// import benchmark).
fn import_workers(jobs: usize) -> usize {
    if jobs > 0 {
        return jobs;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
}

fn thread_pool(jobs: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::InvalidArgument(format!("cannot start {jobs} worker threads: {e}")))
}

impl Store {
    /// Imports every article under `paths` (files, directories walked in sorted order,
    /// `-` for standard input). See [`Store::import_with`].
    pub fn import(&mut self, paths: &[PathBuf], opts: &ImportOptions) -> Result<ImportReport> {
        self.import_with(paths, opts, &mut |_| {})
    }

    /// Imports every article under `paths`, telling `on_event` about progress and
    /// problems. Bad records are recorded and skipped; the report counts them. Fails
    /// only when a path does not exist, the database fails, or (`strict`) a record is
    /// bad, in which case nothing is kept.
    pub fn import_with(
        &mut self,
        paths: &[PathBuf],
        opts: &ImportOptions,
        on_event: &mut dyn FnMut(ImportEvent<'_>),
    ) -> Result<ImportReport> {
        self.ensure_writable()?;
        let started = Instant::now();
        let mut walk_errors = Vec::new();
        let mut skipped = Vec::new();
        let files = collect_files(
            paths,
            &mut |origin: &Path, message: String| {
                walk_errors.push(RecordError {
                    origin: origin.display().to_string(),
                    record: None,
                    message,
                    severity: Severity::Error,
                });
            },
            &mut skipped,
        )?;
        let total_bytes = files
            .iter()
            .filter(|f| !f.is_stdin())
            .filter_map(|f| std::fs::metadata(&f.path).ok())
            .map(|m| m.len())
            .sum();
        on_event(ImportEvent::Started {
            files: files.len(),
            bytes: total_bytes,
        });

        let model = opts.extract.then(Model::embedded);
        let pool = ReadPool {
            path: self.path().map(Path::to_path_buf),
            conns: Mutex::new(Vec::new()),
        };
        let stop = AtomicBool::new(false);
        let file = self.path().map(Path::to_path_buf);
        let mut writer = write::Writer::start(self.conn_mut(), opts, model)?;
        writer.set_file(file.as_deref());
        for e in walk_errors {
            writer.problem(e, on_event)?;
        }

        let jobs = import_workers(opts.jobs);
        let result = pipeline(&files, opts, jobs, model, &pool, &stop, &mut |batch| {
            writer.write_batch(batch, on_event)
        });
        match result {
            Ok(()) => writer.finish(started, on_event).map(|mut report| {
                report.skipped_files = skipped.iter().map(|p| p.display().to_string()).collect();
                report
            }),
            Err(e) => {
                writer.abort();
                Err(e)
            }
        }
    }

    /// Fails before anything is read when SQLite could only open the file read-only,
    /// naming the file instead of the first write's "attempt to write a readonly
    /// database".
    fn ensure_writable(&self) -> Result<()> {
        if !self.conn().is_readonly(rusqlite::MAIN_DB)? {
            return Ok(());
        }
        Err(Error::io(
            self.path().unwrap_or(Path::new(":memory:")),
            std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "the database file is read-only (check its permissions)",
            ),
        ))
    }

    /// Imports articles an application already has in memory, with the same
    /// semantics as file imports (idempotent, duplicates, extraction).
    pub fn import_articles(
        &mut self,
        articles: Vec<NewArticle>,
        opts: &ImportOptions,
    ) -> Result<ImportReport> {
        let started = Instant::now();
        let model = opts.extract.then(Model::embedded);
        let workers = thread_pool(opts.jobs)?;
        let file = self.path().map(Path::to_path_buf);
        let mut writer = write::Writer::start(self.conn_mut(), opts, model)?;
        writer.set_file(file.as_deref());
        let mut no_events = |_: ImportEvent<'_>| {};
        let mut it = articles.into_iter().enumerate().peekable();
        while it.peek().is_some() {
            let chunk: Vec<(usize, NewArticle)> =
                it.by_ref().take(part_records(opts.batch_size)).collect();
            let batch: Vec<Processed> = workers.install(|| {
                chunk
                    .into_par_iter()
                    .map(|(i, a)| Processed {
                        origin: a.origin.clone().unwrap_or_else(|| "<api>".into()),
                        record: Some(format!("record {}", i + 1)),
                        bytes: (a.title.len() + a.body.len()) as u64,
                        outcome: refuse_nul(&a).map(|()| {
                            prepare(
                                Parsed {
                                    article: a,
                                    warnings: Vec::new(),
                                    numeric_id: false,
                                },
                                model,
                            )
                        }),
                    })
                    .collect()
            });
            if let Err(e) = writer.write_batch(batch, &mut no_events) {
                writer.abort();
                return Err(e);
            }
        }
        writer.finish(started, &mut no_events)
    }
}
