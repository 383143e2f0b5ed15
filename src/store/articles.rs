//! Articles: insert-or-update keyed by external id, lookups and listing.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::units::{refresh_into, Delta};
use super::{paragraphs, Store};
use crate::dates::published_columns;
use crate::error::Result;
use crate::model::{Article, ArticleId, NewArticle};

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpsertOutcome {
    /// A new article was inserted.
    Inserted,
    /// An article with the same external id but other content was replaced; its
    /// mentions were deleted so they can be extracted again.
    Updated,
    /// An article with the same external id and content exists: nothing written.
    Unchanged,
    /// An article with the same external id, content, source and language exists but
    /// its URL or publication date changed: those were updated in place and its
    /// mentions kept (a changed source or language is a full update: both decide
    /// which paragraphs are extracted).
    MetadataUpdated,
}

/// The article id and what an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Upserted {
    /// The article's row id.
    pub id: ArticleId,
    /// Inserted, updated or unchanged.
    pub outcome: UpsertOutcome,
}

const SQL_BY_ID: &str =
    "SELECT id, external_id, title, body, language, source, url, published_at, \
     content_hash, origin, imported_at, published_raw FROM articles WHERE id = ?1";
const SQL_BY_EXTERNAL_ID: &str = "SELECT id, external_id, title, body, language, source, url, \
     published_at, content_hash, origin, imported_at, published_raw FROM articles \
     WHERE external_id = ?1";
const SQL_LIST: &str = "SELECT id, external_id, title, body, language, source, url, published_at, \
     content_hash, origin, imported_at, published_raw FROM articles ORDER BY id \
     LIMIT ?1 OFFSET ?2";
// The date as it was given: the unreadable text when there was one, else the ISO date.
const SQL_HASH_BY_EXTERNAL_ID: &str = "SELECT id, content_hash, source, language, url,
    COALESCE(published_raw, published_at) FROM articles WHERE external_id = ?1";
const SQL_UPDATE_METADATA: &str = "UPDATE articles SET url = ?2, published_at = ?3, origin = ?4,
    published_raw = ?5, imported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE id = ?1";
const SQL_BY_HASH: &str = "SELECT id FROM articles WHERE content_hash = ?1 ORDER BY id LIMIT 1";
const SQL_INSERT: &str = "INSERT INTO articles
    (external_id, title, body, language, source, url, published_at, content_hash, origin,
     published_raw, imported_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
const SQL_UPDATE: &str = "UPDATE articles SET title = ?2, body = ?3, language = ?4, source = ?5,
    url = ?6, published_at = ?7, content_hash = ?8, origin = ?9, published_raw = ?10,
    imported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE id = ?1";
const SQL_EXTERNAL_ID: &str = "SELECT external_id FROM articles WHERE id = ?1";
/// One row of values, not `INSERT ... SELECT`: SQLite opens a statement journal for an
/// insert that takes its rows from a query, and FTS5 writes its pending terms to disk
/// at each one (see [`FtsInsert::Deferred`]).
const SQL_INDEX_FTS: &str = "INSERT INTO articles_fts (rowid, title, body) VALUES (?1, ?2, ?3)";
const SQL_TEXT: &str = "SELECT title, body FROM articles WHERE id = ?1";
const SQL_DELETE_MENTIONS: &str = "DELETE FROM mentions WHERE article_id = ?1";

fn article_from_row(r: &Row<'_>) -> rusqlite::Result<Article> {
    Ok(Article {
        id: r.get(0)?,
        external_id: r.get(1)?,
        title: r.get(2)?,
        body: r.get(3)?,
        language: r.get(4)?,
        source: r.get(5)?,
        url: r.get(6)?,
        published_at: r.get(7)?,
        content_hash: r.get(8)?,
        origin: r.get(9)?,
        imported_at: r.get(10)?,
        published_raw: r.get(11)?,
    })
}

/// How a new article row gets into the full-text index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FtsInsert {
    /// The `articles_ai` trigger indexes it (the schema's default).
    Trigger,
    /// The caller dropped `articles_ai` inside its transaction: the new rows wait
    /// here and [`FtsInsert::flush`] indexes them, before the transaction commits.
    ///
    /// Why wait: FTS5 writes its pending terms to disk whenever a statement opens a
    /// statement journal (an upsert, an insert into a table with indexes, a trigger),
    /// so indexing each article as it is inserted left one tiny index segment per
    /// article, which FTS5 then had to merge again. Indexed together at the end, a
    /// batch's terms go to disk once.
    Deferred(Vec<ArticleId>),
}

impl FtsInsert {
    /// Indexes the rows waiting in a [`FtsInsert::Deferred`]; a no-op otherwise.
    pub(crate) fn flush(&mut self, conn: &Connection) -> Result<()> {
        if let FtsInsert::Deferred(ids) = self {
            let mut text = conn.prepare_cached(SQL_TEXT)?;
            let mut index = conn.prepare_cached(SQL_INDEX_FTS)?;
            for id in ids.drain(..) {
                let (title, body): (String, String) =
                    text.query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                index.execute(params![id, title, body])?;
            }
        }
        Ok(())
    }
}

/// Inserts `a`, or replaces the article with the same external id when its content
/// differs. Runs on any connection or transaction; the caller owns atomicity.
pub(crate) fn upsert(conn: &Connection, a: &NewArticle) -> Result<Upserted> {
    let mut delta = Delta::default();
    let done = upsert_with(conn, a, &mut FtsInsert::Trigger, &mut delta)?;
    delta.apply(conn)?;
    Ok(done)
}

/// Like [`upsert`]; a new row is indexed as `fts` says (updates always go through the
/// `articles_au` trigger). An update deletes the article's mentions and paragraphs;
/// the change to the unit counts is added to `delta` for the caller to apply.
pub(crate) fn upsert_with(
    conn: &Connection,
    a: &NewArticle,
    fts: &mut FtsInsert,
    delta: &mut Delta,
) -> Result<Upserted> {
    let hash = a.content_hash();
    let existing = stored(conn, &a.external_id)?;
    let (published_at, published_raw) = published_columns(a.published_at.as_deref());
    let values = params![
        a.external_id,
        a.title,
        a.body,
        a.language,
        a.source,
        a.url,
        published_at,
        hash,
        a.origin,
        published_raw
    ];
    match (outcome_against(existing.as_ref(), a, &hash), existing) {
        (UpsertOutcome::Unchanged, Some(old)) => Ok(Upserted {
            id: old.id,
            outcome: UpsertOutcome::Unchanged,
        }),
        (UpsertOutcome::MetadataUpdated, Some(old)) => {
            // The mentions stay, but a new date moves them to another day.
            refresh_into(conn, &[old.id], delta, || {
                Ok(conn.prepare_cached(SQL_UPDATE_METADATA)?.execute(params![
                    old.id,
                    a.url,
                    published_at,
                    a.origin,
                    published_raw
                ])?)
            })?;
            Ok(Upserted {
                id: old.id,
                outcome: UpsertOutcome::MetadataUpdated,
            })
        }
        (
            _,
            Some(Stored {
                id,
                source: old_source,
                ..
            }),
        ) => {
            // The update trigger takes the old text out of the full-text index: it
            // must be there, also when the article came earlier in this batch.
            fts.flush(conn)?;
            // Into the caller's delta: the same article may have been written earlier
            // in the caller's batch, with its counts not yet applied.
            refresh_into(conn, &[id], delta, || {
                Ok(conn.prepare_cached(SQL_DELETE_MENTIONS)?.execute([id])?)
            })?;
            paragraphs::delete(conn, id, old_source.as_deref())?;
            conn.prepare_cached(SQL_UPDATE)?.execute(params![
                id,
                a.title,
                a.body,
                a.language,
                a.source,
                a.url,
                published_at,
                hash,
                a.origin,
                published_raw
            ])?;
            Ok(Upserted {
                id,
                outcome: UpsertOutcome::Updated,
            })
        }
        (_, None) => {
            conn.prepare_cached(SQL_INSERT)?.execute(values)?;
            let id = ArticleId(conn.last_insert_rowid());
            if let FtsInsert::Deferred(ids) = fts {
                ids.push(id);
            }
            Ok(Upserted {
                id,
                outcome: UpsertOutcome::Inserted,
            })
        }
    }
}

/// What an upsert compares of the stored article with the same external id.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub id: ArticleId,
    pub hash: String,
    pub source: Option<String>,
    pub language: Option<String>,
    pub url: Option<String>,
    /// The date as given: `published_raw` when the record's date was unreadable, else
    /// `published_at`.
    pub published_at: Option<String>,
}

/// What an upsert compares of the stored article with this external id, if any.
pub(crate) fn stored(conn: &Connection, external_id: &str) -> Result<Option<Stored>> {
    Ok(conn
        .prepare_cached(SQL_HASH_BY_EXTERNAL_ID)?
        .query_row([external_id], |r| {
            Ok(Stored {
                id: r.get(0)?,
                hash: r.get(1)?,
                source: r.get(2)?,
                language: r.get(3)?,
                url: r.get(4)?,
                published_at: r.get(5)?,
            })
        })
        .optional()?)
}

/// What upserting `a` (whose content hash is `hash`) over `old` does: insert when
/// there is none; nothing when text, source, language, URL and date are the same;
/// a metadata update when only URL or date changed; else a full update.
pub(crate) fn outcome_against(old: Option<&Stored>, a: &NewArticle, hash: &str) -> UpsertOutcome {
    match old {
        None => UpsertOutcome::Inserted,
        Some(old) if old.hash == hash && old.source == a.source && old.language == a.language => {
            let given = published_columns(a.published_at.as_deref());
            if old.url == a.url && old.published_at == given.1.or(given.0) {
                UpsertOutcome::Unchanged
            } else {
                UpsertOutcome::MetadataUpdated
            }
        }
        Some(_) => UpsertOutcome::Updated,
    }
}

/// The first article with this content hash, if any.
pub(crate) fn by_content_hash(conn: &Connection, hash: &str) -> Result<Option<ArticleId>> {
    Ok(conn
        .prepare_cached(SQL_BY_HASH)?
        .query_row([hash], |r| r.get(0))
        .optional()?)
}

/// The external id of an article.
pub(crate) fn external_id_of(conn: &Connection, id: ArticleId) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(SQL_EXTERNAL_ID)?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

pub(crate) fn get(conn: &Connection, id: ArticleId) -> Result<Option<Article>> {
    Ok(conn
        .prepare_cached(SQL_BY_ID)?
        .query_row([id], article_from_row)
        .optional()?)
}

/// Articles with a publication date, for [`backfill_dates`].
const SQL_DATED: &str = "SELECT id, published_at FROM articles WHERE published_at IS NOT NULL";
const SQL_SET_DATES: &str = "UPDATE articles SET published_at = ?2, published_raw = ?3
    WHERE id = ?1";

/// Reads every stored `published_at` again (migration V11): a date the parser reads is
/// stored normalised, anything else moves to `published_raw`, leaving `published_at`
/// NULL. Returns how many rows changed.
pub(crate) fn backfill_dates(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let dated: Vec<(ArticleId, String)> = tx
        .prepare(SQL_DATED)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut changed = 0;
    for (id, stored) in &dated {
        let (at, raw) = published_columns(Some(stored));
        if at.as_deref() != Some(stored.as_str()) {
            tx.prepare_cached(SQL_SET_DATES)?
                .execute(params![id, at, raw])?;
            changed += 1;
        }
    }
    tx.commit()?;
    Ok(changed)
}

impl Store {
    /// Inserts an article, or updates the one with the same external id if its title,
    /// body, source or language changed (deleting its mentions), or only its URL and
    /// publication date if just those changed, or does nothing if it is unchanged.
    pub fn upsert_article(&mut self, article: &NewArticle) -> Result<Upserted> {
        let tx = self.conn.transaction()?;
        let done = upsert(&tx, article)?;
        tx.commit()?;
        Ok(done)
    }

    /// The article with this row id.
    pub fn article(&self, id: ArticleId) -> Result<Option<Article>> {
        get(&self.conn, id)
    }

    /// The article with this external id.
    pub fn article_by_external_id(&self, external_id: &str) -> Result<Option<Article>> {
        Ok(self
            .conn
            .prepare_cached(SQL_BY_EXTERNAL_ID)?
            .query_row([external_id], article_from_row)
            .optional()?)
    }

    /// Looks an article up the way a person names it: an external id always wins,
    /// so an archive whose ids are numbers (`"1"`, `"2"`) can reach every article;
    /// otherwise `#N` or `N` is the row id `N` (`#N` asks for the row id explicitly,
    /// for when `N` is also some article's external id).
    pub fn find_article(&self, key: &str) -> Result<Option<Article>> {
        if let Some(a) = self.article_by_external_id(key)? {
            return Ok(Some(a));
        }
        match key.strip_prefix('#').unwrap_or(key).parse::<i64>() {
            Ok(n) => self.article(ArticleId(n)),
            Err(_) => Ok(None),
        }
    }

    /// Articles in id order, `limit` at a time starting at `offset`.
    pub fn articles(&self, limit: u32, offset: u32) -> Result<Vec<Article>> {
        let mut stmt = self.conn.prepare_cached(SQL_LIST)?;
        let rows = stmt.query_map([limit, offset], article_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The first stored article with the same content hash as `hash`.
    pub fn article_by_content_hash(&self, hash: &str) -> Result<Option<ArticleId>> {
        by_content_hash(&self.conn, hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(id: &str, body: &str) -> NewArticle {
        NewArticle {
            external_id: id.into(),
            title: "A title".into(),
            body: body.into(),
            ..Default::default()
        }
    }

    #[test]
    fn upsert_inserts_then_leaves_unchanged_then_updates() {
        let mut s = Store::open_in_memory().unwrap();
        let a = s.upsert_article(&sample("x", "one")).unwrap();
        assert_eq!(a.outcome, UpsertOutcome::Inserted);
        let b = s.upsert_article(&sample("x", "one")).unwrap();
        assert_eq!(
            b,
            Upserted {
                id: a.id,
                outcome: UpsertOutcome::Unchanged
            }
        );
        let c = s.upsert_article(&sample("x", "two")).unwrap();
        assert_eq!(
            c,
            Upserted {
                id: a.id,
                outcome: UpsertOutcome::Updated
            }
        );
        assert_eq!(s.article(a.id).unwrap().unwrap().body, "two");
        assert_eq!(s.counts().unwrap().articles, 1);
    }

    #[test]
    fn fts_follows_updates() {
        let mut s = Store::open_in_memory().unwrap();
        s.upsert_article(&sample("x", "zebra")).unwrap();
        let n = |s: &Store, w: &str| -> i64 {
            s.conn()
                .query_row(
                    "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?1",
                    [w],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(n(&s, "zebra"), 1);
        s.upsert_article(&sample("x", "giraffe")).unwrap();
        assert_eq!(n(&s, "zebra"), 0);
        assert_eq!(n(&s, "giraffe"), 1);
    }

    #[test]
    fn missing_article_is_none() {
        let s = Store::open_in_memory().unwrap();
        assert!(s.article(ArticleId(42)).unwrap().is_none());
        assert!(s.article_by_external_id("nope").unwrap().is_none());
        assert!(s.find_article("42").unwrap().is_none());
        assert!(s.find_article("#42").unwrap().is_none());
    }

    #[test]
    fn external_ids_win_over_row_ids_and_hash_n_names_a_row_id() {
        let mut s = Store::open_in_memory().unwrap();
        // Row 1 has external id "2", row 2 has external id "1".
        let two = s.upsert_article(&sample("2", "first stored")).unwrap().id;
        let one = s.upsert_article(&sample("1", "second stored")).unwrap().id;
        let x = s.upsert_article(&sample("x", "third stored")).unwrap().id;
        assert_eq!((two, one, x), (ArticleId(1), ArticleId(2), ArticleId(3)));
        let found = |key: &str| s.find_article(key).unwrap().map(|a| a.external_id);
        assert_eq!(found("1").as_deref(), Some("1"));
        assert_eq!(found("2").as_deref(), Some("2"));
        assert_eq!(found("#1").as_deref(), Some("2"));
        assert_eq!(found("#2").as_deref(), Some("1"));
        // A number that is no external id is still a row id.
        assert_eq!(found("3").as_deref(), Some("x"));
        assert_eq!(found("#3").as_deref(), Some("x"));
        assert_eq!(found("x").as_deref(), Some("x"));
        assert_eq!(found("#x"), None);
    }
}
