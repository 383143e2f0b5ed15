//! The write stage: one thread owns the connection and writes each batch in one
//! transaction (articles, paragraphs, mentions and recorded problems together).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension};

use super::extract::{self, Extracted};
use super::{ImportEvent, ImportOptions, ImportReport, Processed, Ready, RecordError, Severity};
use crate::error::{Error, Result};
use crate::model::{
    ArticleId, CharOffsets, EntityId, EntityKind, Field, ImportId, NewArticle, NewMention,
};
use crate::ner::Model;
use crate::paragraphs::Paragraph;
use crate::resolve::identity_key;
use crate::store::paragraphs::{self as stored, REPEATED_PARAGRAPH_ARTICLES};
use crate::store::{articles, entities, linking, mentions, units, UpsertOutcome};

const SQL_START_IMPORT: &str = "INSERT INTO imports (started_at, arguments, extractor)
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?1, ?2)";
const SQL_FINISH_IMPORT: &str = "UPDATE imports SET
    finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
    inserted = ?2, updated = ?3, unchanged = ?4, duplicates = ?5, failed = ?6, bytes = ?7,
    warnings = ?8, not_extracted = ?9, mentions = ?10, seconds = ?11
    WHERE id = ?1";
const SQL_IMPORT_ERROR: &str =
    "INSERT INTO import_errors (import_id, origin, record, message, severity)
    VALUES (?1, ?2, ?3, ?4, ?5)";
/// The same warning about the same record, recorded by an earlier run.
const SQL_KNOWN_WARNING: &str = "SELECT 1 FROM import_errors
    WHERE origin = ?1 AND message = ?3 AND record IS ?2 AND severity = 'warning' LIMIT 1";
const SQL_DELETE_MENTIONS: &str = "DELETE FROM mentions WHERE article_id = ?1";
const SQL_MERGE_MENTION: &str =
    "INSERT OR IGNORE INTO entity_merge_mentions (merge_id, mention_id) VALUES (?1, ?2)";

/// The trigger that indexes each inserted article, as the schema defines it.
const SQL_FTS_TRIGGER: &str =
    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_ai'";
const SQL_DROP_FTS_TRIGGER: &str = "DROP TRIGGER articles_ai";

/// Imports that write at least this many articles end by merging the full-text
/// index into one segment.
pub const OPTIMIZE_AFTER: u64 = 1000;
const SQL_DATA_VERSION: &str = "PRAGMA data_version";
/// Looked-up names the writer keeps from one batch to the next, at most (a few hundred
/// bytes each with their entity's known aliases, some 10 MB in all): past it, it starts
/// over, so memory stays flat in a long import.
const MAX_CACHED_NAMES: usize = 50_000;
const SQL_FTS_OPTIMIZE: &str = "INSERT INTO articles_fts(articles_fts) VALUES ('optimize')";
const SQL_SAVEPOINT_OPTIMIZE: &str = "SAVEPOINT fts_optimize";
const SQL_ROLLBACK_OPTIMIZE: &str = "ROLLBACK TO fts_optimize";
const SQL_RELEASE_OPTIMIZE: &str = "RELEASE fts_optimize";

/// What a dry run's earlier records would have written, for its later ones to see.
#[derive(Debug, Default)]
struct DryRun {
    /// External id -> what an upsert compares.
    seen: HashMap<String, articles::Stored>,
    /// Content hash -> the external id of the first record with that content.
    hashes: HashMap<String, String>,
    /// (source, paragraph text hash) -> the external ids of this run holding it whose
    /// stored version (if any) does not.
    copies: HashMap<(String, String), HashSet<String>>,
}

/// Owns the connection for one import run.
pub(crate) struct Writer<'c> {
    conn: &'c mut Connection,
    opts: ImportOptions,
    model: Option<&'static Model>,
    extractor: Option<String>,
    import: Option<ImportId>,
    report: ImportReport,
    /// Strict runs are one transaction, committed at the end (or rolled back).
    single_transaction: bool,
    /// A dry run: it reads the store and writes nothing, so it takes no write lock;
    /// what its earlier records would have written is kept here.
    dry: Option<DryRun>,
    in_transaction: bool,
    /// Records and input bytes written in the open transaction ([`Writer::end_part`]).
    transaction_records: usize,
    transaction_bytes: u64,
    /// Records committed since freed heap pages were last handed back.
    records_since_trim: usize,
    /// Entity (and merges it came through) per identity key, looked up this run.
    entities: HashMap<String, (EntityId, Vec<i64>)>,
    /// Aliases already recorded during this run: most mentions repeat a known surface.
    aliases: HashMap<EntityId, HashSet<String>>,
    /// `PRAGMA data_version` when `entities` and `aliases` were last known to hold:
    /// it changes when another connection commits (a merge, a user alias).
    cached_version: Option<i64>,
    /// Co-occurrence summary counts of the current batch, written before it commits.
    units: units::Delta,
    /// The `articles_ai` trigger's SQL, if the schema has it. See [`Writer::begin`].
    fts_trigger: Option<String>,
    /// How this transaction's new articles reach the full-text index.
    fts: articles::FtsInsert,
    /// Surname keys of the persons the current batch wrote, full names and lone
    /// surnames, recorded in `pending_name_links` with the batch: the surnames the
    /// run ends by linking across articles.
    surnames: HashSet<String>,
    /// The (kind, name) pairs whose keys are in `surnames` already: most mentions
    /// repeat a name.
    keyed_names: HashSet<(EntityKind, String)>,
    /// The store's file, when it has one: the linking pass at the end then decides on
    /// a second connection to it ([`linking::link_pending_committed`]).
    file: Option<PathBuf>,
}

impl<'c> Writer<'c> {
    pub(crate) fn start(
        conn: &'c mut Connection,
        opts: &ImportOptions,
        model: Option<&'static Model>,
    ) -> Result<Writer<'c>> {
        let extractor = model.map(extract::extractor_name);
        let single_transaction = opts.strict && !opts.dry_run;
        let mut w = Writer {
            conn,
            opts: opts.clone(),
            model,
            extractor,
            import: None,
            report: ImportReport::default(),
            single_transaction,
            dry: opts.dry_run.then(DryRun::default),
            in_transaction: false,
            transaction_records: 0,
            transaction_bytes: 0,
            records_since_trim: 0,
            entities: HashMap::new(),
            aliases: HashMap::new(),
            cached_version: None,
            units: units::Delta::default(),
            fts_trigger: None,
            fts: articles::FtsInsert::Trigger,
            surnames: HashSet::new(),
            keyed_names: HashSet::new(),
            file: None,
        };
        w.fts_trigger = w
            .conn
            .query_row(SQL_FTS_TRIGGER, [], |r| r.get(0))
            .optional()?;
        if single_transaction {
            w.begin()?;
        }
        if w.dry.is_some() {
            return Ok(w);
        }
        w.conn
            .prepare_cached(SQL_START_IMPORT)?
            .execute(params![w.opts.arguments, w.extractor])?;
        w.import = Some(ImportId(w.conn.last_insert_rowid()));
        w.report.import_id = w.import;
        Ok(w)
    }

    /// Starts a transaction.
    ///
    /// Inside it, the `articles_ai` trigger is dropped and [`Writer::commit`] creates it
    /// again from the same SQL, so no other connection ever sees the schema without it
    /// and a rollback restores it. Meanwhile the writer indexes new articles itself:
    /// an insert that fires a trigger runs in a statement journal, and FTS5 flushes its
    /// pending terms to disk at every such statement, one tiny index segment per
    /// article that it must then merge again. Indexed explicitly, a batch's terms are
    /// flushed once, at commit (a third of the time of a trigger-indexed insert).
    fn begin(&mut self) -> Result<()> {
        // IMMEDIATE: take the write lock up front, so a second writer waits (busy
        // timeout) instead of failing with "database is locked" half-way.
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        self.in_transaction = true;
        // Another connection may have merged entities or added aliases since the last
        // batch: then look every name up again inside this transaction.
        let version: i64 = self.conn.query_row(SQL_DATA_VERSION, [], |r| r.get(0))?;
        if self.cached_version != Some(version) || self.entities.len() > MAX_CACHED_NAMES {
            self.forget_lookups();
        }
        self.cached_version = Some(version);
        if self.fts_trigger.is_some() {
            self.conn.execute_batch(SQL_DROP_FTS_TRIGGER)?;
            self.fts = articles::FtsInsert::Deferred(Vec::new());
        }
        Ok(())
    }

    /// Tells the writer the store's file (`None` for a store in memory), so that the
    /// linking pass at the end may read it on a second connection.
    pub(crate) fn set_file(&mut self, file: Option<&Path>) {
        self.file = file.map(Path::to_path_buf);
    }

    /// Records the surname keys gathered since the last call in `pending_name_links`.
    fn mark_pending_surnames(&mut self) -> Result<()> {
        self.keyed_names.clear();
        for key in self.surnames.drain() {
            linking::mark_pending(self.conn, &key)?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.units.apply(self.conn)?;
        self.mark_pending_surnames()?;
        self.fts.flush(self.conn)?;
        if let Some(sql) = &self.fts_trigger {
            self.conn.execute_batch(sql)?;
        }
        self.fts = articles::FtsInsert::Trigger;
        self.conn.execute_batch("COMMIT")?;
        self.in_transaction = false;
        self.records_since_trim += self.transaction_records;
        self.transaction_records = 0;
        self.transaction_bytes = 0;
        // What the batches' summaries and the workers' documents freed would otherwise
        // stay with each thread's heap, and those add up over a long import. Not after
        // every small batch: a `--batch-size 1` import would walk the heaps per record.
        if self.records_since_trim >= super::PART_RECORDS {
            self.records_since_trim = 0;
            crate::memory::release_freed();
        }
        Ok(())
    }

    /// The connection, for stages that read stored articles.
    pub(crate) fn conn(&self) -> &Connection {
        self.conn
    }

    /// Starts a batch's transaction (unless the whole run is one, or the batch's
    /// transaction is open: [`Writer::end_part`]).
    pub(crate) fn begin_batch(&mut self) -> Result<()> {
        if self.single_transaction || self.dry.is_some() || self.in_transaction {
            Ok(())
        } else {
            self.begin()
        }
    }

    /// Ends one part of a batch of `articles` records and `bytes` of input: commits
    /// the transaction once it holds [`ImportOptions::batch_size`] records or
    /// [`super::TRANSACTION_BYTES`]; else writes the part's pending names and
    /// search-index rows and leaves the transaction open for the next part. The
    /// summary counts wait in memory for the commit, summed over the batch's parts:
    /// written once, they dirty each summary page once per batch; but once they are
    /// [`ImportOptions::summary_rows`] rows they are written at the part's end, so
    /// their memory stays bounded whatever the batch (or a `--strict` run's one
    /// transaction).
    pub(crate) fn end_part(&mut self, articles: usize, bytes: u64) -> Result<()> {
        self.transaction_records += articles;
        self.transaction_bytes += bytes;
        if self.dry.is_some() {
            return Ok(());
        }
        if self.units.len() >= self.opts.summary_rows {
            self.units.apply(self.conn)?;
        }
        if self.single_transaction {
            // One flush of the search index per part, as when each commits.
            return self.fts.flush(self.conn);
        }
        if self.transaction_records >= self.opts.batch_size
            || self.transaction_bytes >= super::TRANSACTION_BYTES
        {
            return self.commit();
        }
        self.mark_pending_surnames()?;
        self.fts.flush(self.conn)
    }

    /// Deletes an article's mentions, counting the change in this batch's summary delta.
    pub(crate) fn delete_mentions(&mut self, article: ArticleId) -> Result<()> {
        let conn = &*self.conn;
        units::refresh_into(conn, &[article], &mut self.units, || {
            conn.prepare_cached(SQL_DELETE_MENTIONS)?
                .execute([article])?;
            Ok(())
        })
    }

    /// Counts an article whose mentions were replaced.
    pub(crate) fn count_updated(&mut self) {
        self.report.updated += 1;
    }

    /// Counts an article skipped by extraction for its language.
    pub(crate) fn count_not_english(&mut self) {
        self.report.not_english += 1;
    }

    /// Forgets the entities and aliases looked up so far, freeing their memory.
    fn forget_lookups(&mut self) {
        self.entities = HashMap::new();
        self.aliases = HashMap::new();
        self.cached_version = None;
    }

    /// Rolls back whatever is uncommitted.
    pub(crate) fn abort(&mut self) {
        if self.in_transaction {
            let _ = self.conn.execute_batch("ROLLBACK");
            self.in_transaction = false;
        }
        self.transaction_records = 0;
        self.transaction_bytes = 0;
        // Rows created in the rolled-back transaction are gone.
        self.forget_lookups();
        self.fts = articles::FtsInsert::Trigger;
        self.units.clear();
        self.surnames.clear();
        self.keyed_names.clear();
    }

    /// Records a problem (an `import_errors` row and an event). In strict mode an
    /// error stops the import.
    pub(crate) fn problem(
        &mut self,
        e: RecordError,
        on_event: &mut dyn FnMut(ImportEvent<'_>),
    ) -> Result<()> {
        match e.severity {
            Severity::Error => self.report.failed += 1,
            Severity::Warning => self.report.warnings += 1,
        }
        on_event(ImportEvent::Problem(&e));
        if self.opts.strict && e.severity == Severity::Error {
            return Err(Error::Parse {
                origin: match &e.record {
                    Some(r) => format!("{}, {r}", e.origin),
                    None => e.origin.clone(),
                },
                message: format!("{} (--strict: nothing was imported)", e.message),
            });
        }
        let known = e.severity == Severity::Warning
            && self
                .conn
                .prepare_cached(SQL_KNOWN_WARNING)?
                .query_row(params![e.origin, e.record, e.message], |_| Ok(()))
                .optional()?
                .is_some();
        if let (Some(import), false) = (self.import, known) {
            self.conn
                .prepare_cached(SQL_IMPORT_ERROR)?
                .execute(params![
                    import,
                    e.origin,
                    e.record,
                    e.message,
                    e.severity.as_str()
                ])?;
        }
        if self.report.errors.len() < super::MAX_REPORTED_PROBLEMS {
            self.report.errors.push(e);
        }
        Ok(())
    }

    /// Writes one part of a batch in the batch's transaction (or in the run's single
    /// transaction), committing it once the batch is complete ([`Writer::end_part`]).
    pub(crate) fn write_batch(
        &mut self,
        batch: Vec<Processed>,
        on_event: &mut dyn FnMut(ImportEvent<'_>),
    ) -> Result<()> {
        self.begin_batch()?;
        let (records, bytes) = (batch.len(), batch.iter().map(|p| p.bytes).sum());
        for p in batch {
            self.report.bytes += p.bytes;
            let result = match p.outcome {
                Err(message) => self.problem(
                    RecordError {
                        origin: p.origin,
                        record: p.record,
                        message,
                        severity: Severity::Error,
                    },
                    on_event,
                ),
                Ok(ready) => self.write_ready(ready, &p.origin, &p.record, on_event),
            };
            if let Err(e) = result {
                self.abort();
                return Err(e);
            }
        }
        if let Err(e) = self.end_part(records, bytes) {
            self.abort();
            return Err(e);
        }
        on_event(ImportEvent::Progress(&self.report));
        Ok(())
    }

    fn write_ready(
        &mut self,
        ready: Ready,
        origin: &str,
        record: &Option<String>,
        on_event: &mut dyn FnMut(ImportEvent<'_>),
    ) -> Result<()> {
        let Ready {
            parsed,
            paragraphs,
            extracted,
            tagged,
            not_english,
            extractor,
        } = ready;
        debug_assert!(
            tagged.is_none(),
            "the pipeline resolves every tagged article"
        );
        let a = &parsed.article;
        let warn = |message: String| RecordError {
            origin: origin.to_string(),
            record: record.clone(),
            message,
            severity: Severity::Warning,
        };
        if !self.opts.keep_duplicates {
            if let Some((first, first_ext)) = self.first_with_content(&a.content_hash())? {
                if first_ext != a.external_id {
                    self.report.duplicates += 1;
                    return self.problem(
                        warn(format!(
                            "duplicate of article {first_ext:?} ({first}, same title and body); \
                             skipped (use --keep-duplicates to store it)"
                        )),
                        on_event,
                    );
                }
            }
        }
        for w in &parsed.warnings {
            self.problem(warn(w.clone()), on_event)?;
        }
        if self.dry.is_some() {
            return self.count_dry(a, &paragraphs, extracted, not_english);
        }
        let up = articles::upsert_with(self.conn, a, &mut self.fts, &mut self.units)?;
        match up.outcome {
            UpsertOutcome::Unchanged => {
                self.report.unchanged += 1;
                return Ok(());
            }
            UpsertOutcome::MetadataUpdated => {
                // Same text, source and language: paragraphs and mentions stand.
                self.report.updated += 1;
                return Ok(());
            }
            UpsertOutcome::Inserted => self.report.inserted += 1,
            UpsertOutcome::Updated => self.report.updated += 1,
        }
        if not_english {
            self.report.not_english += 1;
        }
        let repeated = self.write_paragraphs(up.id, a.source.as_deref(), &paragraphs)?;
        let extracted: Vec<Extracted> = self
            .extracted(a, &paragraphs, extracted, not_english)
            .into_iter()
            .filter(|e| e.paragraph.is_none_or(|p| !repeated.contains(&p)))
            .collect();
        self.write_mentions(up.id, &a.title, &a.body, &extracted, extractor)
    }

    /// Writes paragraphs; returns the indexes newly found to be repeated boilerplate.
    ///
    /// Each distinct text of the article bumps its per-source count once. The copy
    /// that takes a text over [`REPEATED_PARAGRAPH_ARTICLES`] other articles flags the
    /// earlier copies and drops their mentions; later copies are flagged as they come,
    /// without looking at earlier articles again.
    fn write_paragraphs(
        &mut self,
        article: ArticleId,
        source: Option<&str>,
        paragraphs: &[Paragraph],
    ) -> Result<Vec<usize>> {
        let mut boilerplate: Vec<bool> = paragraphs.iter().map(|p| p.boilerplate).collect();
        let mut repeated = Vec::new();
        if let Some(source) = source {
            for (hash, idxs) in stored::distinct_texts(paragraphs) {
                let others = stored::count_copy(self.conn, source, hash)? - 1;
                if others < REPEATED_PARAGRAPH_ARTICLES {
                    continue;
                }
                if others == REPEATED_PARAGRAPH_ARTICLES {
                    self.flag_earlier_copies(source, hash)?;
                }
                for i in idxs {
                    if !boilerplate[i] {
                        boilerplate[i] = true;
                        repeated.push(i);
                    }
                }
            }
        }
        for (p, &flag) in paragraphs.iter().zip(&boilerplate) {
            stored::insert(self.conn, article, p, flag)?;
        }
        Ok(repeated)
    }

    /// Flags the stored copies of a text that has just become boilerplate in `source`,
    /// dropping their mentions (counted in this batch's summary delta).
    fn flag_earlier_copies(&mut self, source: &str, hash: &str) -> Result<()> {
        let conn = &*self.conn;
        let affected: Vec<ArticleId> = conn
            .prepare_cached(stored::SQL_UNFLAGGED_COPIES)?
            .query_map(params![hash, source], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if affected.is_empty() {
            return Ok(());
        }
        units::refresh_into(conn, &affected, &mut self.units, || {
            Ok(conn
                .prepare_cached(stored::SQL_DROP_COPY_MENTIONS)?
                .execute(params![hash, source])?)
        })?;
        conn.prepare_cached(stored::SQL_FLAG_COPIES)?
            .execute(params![hash, source])?;
        Ok(())
    }

    /// The first article with this content (`id N`, or one an earlier record of this
    /// dry run would have written) and its external id.
    fn first_with_content(&self, hash: &str) -> Result<Option<(String, String)>> {
        if let Some(ext) = self.dry.as_ref().and_then(|d| d.hashes.get(hash)) {
            return Ok(Some(("earlier in this dry run".into(), ext.clone())));
        }
        let Some(first) = articles::by_content_hash(self.conn, hash)? else {
            return Ok(None);
        };
        let ext = articles::external_id_of(self.conn, first)?.unwrap_or_default();
        Ok(Some((format!("id {first}"), ext)))
    }

    /// The mentions the workers extracted, or, as they skip articles that looked
    /// unchanged in the store, extracted here if the article turned out to need them
    /// (another writer changed it meanwhile, or only its source or language changed).
    fn extracted(
        &self,
        a: &NewArticle,
        paragraphs: &[Paragraph],
        extracted: Option<Vec<Extracted>>,
        not_english: bool,
    ) -> Vec<Extracted> {
        match (extracted, self.model) {
            (Some(x), _) => x,
            (None, Some(m)) if !not_english => extract::extract(m, &a.title, &a.body, paragraphs),
            (None, _) => Vec::new(),
        }
    }

    /// A dry run's account of a record: what writing it would do, from reads of the
    /// store and of what this run's earlier records would have written.
    fn count_dry(
        &mut self,
        a: &NewArticle,
        paragraphs: &[Paragraph],
        extracted: Option<Vec<Extracted>>,
        not_english: bool,
    ) -> Result<()> {
        let hash = a.content_hash();
        let dry = self.dry.as_mut().expect("a dry run");
        let before = match dry.seen.get(&a.external_id) {
            Some(earlier) => Some(earlier.clone()),
            None => articles::stored(self.conn, &a.external_id)?,
        };
        let outcome = articles::outcome_against(before.as_ref(), a, &hash);
        match outcome {
            UpsertOutcome::Unchanged => {
                self.report.unchanged += 1;
                return Ok(());
            }
            UpsertOutcome::MetadataUpdated => self.report.updated += 1,
            UpsertOutcome::Inserted => self.report.inserted += 1,
            UpsertOutcome::Updated => self.report.updated += 1,
        }
        dry.hashes
            .entry(hash.clone())
            .or_insert_with(|| a.external_id.clone());
        dry.seen.insert(
            a.external_id.clone(),
            articles::Stored {
                id: before.as_ref().map_or(ArticleId(0), |b| b.id),
                hash,
                source: a.source.clone(),
                language: a.language.clone(),
                url: a.url.clone(),
                published_at: a.published_at.clone(),
            },
        );
        if outcome == UpsertOutcome::MetadataUpdated {
            return Ok(());
        }
        if not_english {
            self.report.not_english += 1;
        }
        // Paragraphs that are boilerplate in their source once this article holds them:
        // the store's other copies and this run's.
        let mut repeated: HashSet<usize> = HashSet::new();
        if let Some(source) = a.source.as_deref() {
            for (text, idxs) in stored::distinct_texts(paragraphs) {
                // Copies in the store, this article's stored version aside, plus this
                // run's articles whose stored version did not hold it.
                let own = stored::article_holds(self.conn, &a.external_id, source, text)?;
                let stored_copies = stored::copies(self.conn, source, text)? - i64::from(own);
                let key = (source.to_string(), text.to_string());
                let holders = dry.copies.entry(key).or_default();
                if !own {
                    holders.insert(a.external_id.clone());
                }
                let others =
                    stored_copies + holders.iter().filter(|h| **h != a.external_id).count() as i64;
                if others >= REPEATED_PARAGRAPH_ARTICLES {
                    repeated.extend(idxs);
                }
            }
        }
        self.report.mentions += self
            .extracted(a, paragraphs, extracted, not_english)
            .iter()
            .filter(|e| e.paragraph.is_none_or(|p| !repeated.contains(&p)))
            .count() as u64;
        Ok(())
    }

    fn entity_for(&mut self, kind: EntityKind, name: &str) -> Result<(EntityId, Vec<i64>)> {
        let key = identity_key(name);
        if let Some(hit) = self.entities.get(&key) {
            return Ok(hit.clone());
        }
        let found = entities::lookup_or_create(self.conn, kind, name)?;
        self.entities.insert(key, found.clone());
        Ok(found)
    }

    /// Resolves each extracted span to an entity row and writes the mentions, marked
    /// as found by `extractor` (`None`: this run's model).
    pub(crate) fn write_mentions(
        &mut self,
        article: ArticleId,
        title: &str,
        body: &str,
        extracted: &[Extracted],
        extractor: Option<String>,
    ) -> Result<()> {
        let extractor = extractor.or_else(|| self.extractor.clone());
        let mut new = Vec::with_capacity(extracted.len());
        let mut via_merges = Vec::with_capacity(extracted.len());
        let (title_offsets, body_offsets) = (CharOffsets::new(title), CharOffsets::new(body));
        for e in extracted {
            let (entity, merges) = self.entity_for(e.kind, &e.name)?;
            let offsets = match e.field {
                Field::Title => &title_offsets,
                Field::Body => &body_offsets,
            };
            let mut m =
                NewMention::from_byte_range_in(entity, e.field, offsets, e.start_byte, e.end_byte)?;
            m.sentence = Some(e.sentence as i64);
            m.paragraph = e.paragraph.map(|p| p as i64);
            m.extractor.clone_from(&extractor);
            m.confidence = Some(f64::from(e.confidence.clamp(0.0, 1.0)));
            m.local_kind = Some(e.kind);
            m.local_name = Some(e.name.clone());
            m.kind_cue = e.cued;
            if self.keyed_names.insert((e.kind, e.name.clone())) {
                self.surnames.extend(linking::pending_keys(e.kind, &e.name));
            }
            let known = self.aliases.entry(entity).or_default();
            if !known.contains(&m.surface) {
                entities::add_alias(self.conn, entity, &m.surface)?;
                known.insert(m.surface.clone());
            }
            new.push(m);
            via_merges.push(merges);
        }
        // The article has no mentions here: new, updated (cleared by the upsert) or
        // re-extracted (cleared by `delete_mentions`).
        let ids =
            mentions::insert_into_empty(self.conn, article, title, body, &new, &mut self.units)?;
        for (id, merges) in ids.iter().zip(&via_merges) {
            for merge in merges {
                self.conn
                    .prepare_cached(SQL_MERGE_MENTION)?
                    .execute(params![merge, id])?;
            }
        }
        self.report.mentions += ids.len() as u64;
        Ok(())
    }

    /// Links the lone surnames of the persons written since the last pass (by this run
    /// or a run stopped before its end) across the store, in a transaction of its own
    /// (or the run's single one).
    ///
    /// With `optimize`, the search index is merged ([`optimize_index`]) in that
    /// transaction while a second connection reads what the pass needs, and the merge's
    /// outcome is left there; it stays `None` when the pass had no such time to give.
    fn link_surnames(&mut self, optimize: Option<&mut Option<Result<()>>>) -> Result<()> {
        let own = !self.in_transaction;
        if own {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.in_transaction = true;
        }
        self.mark_pending_surnames()?;
        // The pass looks nothing up through these, and needs the memory.
        self.forget_lookups();
        self.report.surnames_linked = match &self.file {
            // Every batch is committed: only the pending list differs from the file.
            Some(path) if own => {
                let mut optimize = optimize;
                let mut beside = |conn: &Connection| -> Result<()> {
                    if let Some(outcome) = optimize.as_deref_mut() {
                        *outcome = Some(optimize_beside(conn)?);
                    }
                    Ok(())
                };
                linking::link_pending_committed(self.conn, path, &mut beside)?
            }
            _ => linking::link_pending(self.conn)?,
        };
        // The pass deletes the entities it left without mentions.
        self.forget_lookups();
        if own {
            self.conn.execute_batch("COMMIT")?;
            self.in_transaction = false;
        }
        Ok(())
    }

    /// Links surnames, records the run's counts and commits (a dry run has nothing to
    /// commit). The report's seconds are the whole run's since `started`, the linking
    /// pass and the merge of the search index included; the `imports` row records
    /// them up to the pass's end, when it is written (with the merge when it ran
    /// during the pass).
    pub(crate) fn finish(
        mut self,
        started: Instant,
        on_event: &mut dyn FnMut(ImportEvent<'_>),
    ) -> Result<ImportReport> {
        if self.dry.is_some() {
            self.report.seconds = started.elapsed().as_secs_f64();
            self.report.rolled_back = true;
            return Ok(self.report);
        }
        on_event(ImportEvent::Finishing);
        if self.in_transaction && !self.single_transaction {
            // The last batch, short of `batch_size` records.
            if let Err(e) = self.commit() {
                self.abort();
                return Err(e);
            }
        }
        let optimize =
            !self.opts.dry_run && self.report.inserted + self.report.updated >= OPTIMIZE_AFTER;
        // The merge's outcome, when it ran during the pass.
        let mut optimized = None;
        if let Err(e) = self.link_surnames(optimize.then_some(&mut optimized)) {
            self.abort();
            return Err(e);
        }
        self.report.seconds = started.elapsed().as_secs_f64();
        if let Some(import) = self.import {
            let r = &self.report;
            self.conn
                .prepare_cached(SQL_FINISH_IMPORT)?
                .execute(params![
                    import,
                    r.inserted as i64,
                    r.updated as i64,
                    r.unchanged as i64,
                    r.duplicates as i64,
                    r.failed as i64,
                    r.bytes as i64,
                    r.warnings as i64,
                    r.not_english as i64,
                    r.mentions as i64,
                    r.seconds
                ])?;
        }
        if self.single_transaction {
            self.commit()?;
        }
        if optimize {
            // A bulk load leaves the full-text index in many small segments; merging
            // them once makes every later search several times faster.
            if let Err(e) = optimized.unwrap_or_else(|| optimize_index(self.conn)) {
                // Every batch is committed: a failure here (a full disk) loses nothing,
                // and the merge is atomic, so the index stays as it was.
                let committed = self.report.inserted + self.report.updated;
                self.report.warnings += 1;
                let problem = RecordError {
                    origin: "full-text index".into(),
                    record: None,
                    message: format!(
                        "all {committed} new or updated article(s) were committed, but merging \
                         the search index afterwards failed ({e}); search works, more slowly, \
                         until a later import merges it (free some disk space first)"
                    ),
                    severity: Severity::Warning,
                };
                on_event(ImportEvent::Problem(&problem));
                if self.report.errors.len() < super::MAX_REPORTED_PROBLEMS {
                    self.report.errors.push(problem);
                }
            }
        }
        self.report.seconds = started.elapsed().as_secs_f64();
        Ok(self.report)
    }
}

/// Merges the full-text index into one segment. In debug builds the environment
/// variable `NEWSDB_FAILPOINT=fts-optimize` makes it fail as a full disk would, for
/// the test of what the import then reports.
fn optimize_index(conn: &Connection) -> Result<()> {
    #[cfg(debug_assertions)]
    if std::env::var("NEWSDB_FAILPOINT").is_ok_and(|v| v == "fts-optimize") {
        return Err(Error::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            Some("database or disk is full (NEWSDB_FAILPOINT)".into()),
        )));
    }
    conn.execute_batch(SQL_FTS_OPTIMIZE)?;
    Ok(())
}

/// [`optimize_index`] inside the linking pass's transaction, in a savepoint of its
/// own: a merge that fails is undone and leaves the pass's changes as they were. The
/// outer `Result` fails only when SQLite rolled the whole transaction back (after a
/// full disk, say), which stops the pass.
fn optimize_beside(conn: &Connection) -> Result<Result<()>> {
    conn.execute_batch(SQL_SAVEPOINT_OPTIMIZE)?;
    let merged = optimize_index(conn);
    if conn.is_autocommit() {
        // SQLite ended the transaction on the error: the pass cannot go on.
        return Err(merged.err().unwrap_or_else(|| {
            Error::InvalidArgument("the linking pass's transaction ended early".into())
        }));
    }
    if merged.is_err() {
        conn.execute_batch(SQL_ROLLBACK_OPTIMIZE)?;
    }
    conn.execute_batch(SQL_RELEASE_OPTIMIZE)?;
    Ok(merged)
}
