//! Stored paragraphs and the per-source count of each paragraph text
//! (`source_paragraphs`, V6) that finds repeated boilerplate in constant time.
//!
//! A paragraph text found in more than [`REPEATED_PARAGRAPH_ARTICLES`] other articles
//! of the same source is boilerplate there and in all of them. The count is read and
//! bumped once per distinct text of a new article; the earlier copies are flagged once,
//! when the count crosses the threshold, and never looked at again.

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::error::Result;
use crate::model::ArticleId;
use crate::paragraphs::{self, Paragraph};

/// A paragraph text seen in this many other articles of the same source is
/// boilerplate (a publisher's notice, a byline), here and in those articles.
pub const REPEATED_PARAGRAPH_ARTICLES: i64 = 3;

const SQL_INSERT: &str = "INSERT INTO paragraphs
    (article_id, idx, start_char, end_char, start_byte, end_byte, language, boilerplate, text_hash)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const SQL_HASHES: &str = "SELECT DISTINCT text_hash FROM paragraphs WHERE article_id = ?1";
const SQL_DELETE: &str = "DELETE FROM paragraphs WHERE article_id = ?1";
const SQL_COPIES: &str =
    "SELECT articles FROM source_paragraphs WHERE source = ?1 AND text_hash = ?2";
const SQL_ARTICLE_HOLDS: &str = "SELECT 1 FROM articles a JOIN paragraphs p ON p.article_id = a.id
    WHERE a.external_id = ?1 AND a.source = ?2 AND p.text_hash = ?3 LIMIT 1";
// No `RETURNING` (SQLite builds a temporary table for it at every execution): the
// count is read back with `SQL_COPIES`.
const SQL_COUNT_COPY: &str = "INSERT INTO source_paragraphs (source, text_hash, articles)
    VALUES (?1, ?2, 1)
    ON CONFLICT (source, text_hash) DO UPDATE SET articles = articles + 1";
// A decrement is an UPDATE: an upsert would CHECK its candidate row first.
const SQL_UNCOUNT_COPY: &str = "UPDATE source_paragraphs SET articles = articles - 1
    WHERE source = ?1 AND text_hash = ?2";
const SQL_DROP_UNCOUNTED: &str =
    "DELETE FROM source_paragraphs WHERE source = ?1 AND text_hash = ?2 AND articles <= 0";
const SQL_RECOUNT: &str = "DELETE FROM source_paragraphs;
    INSERT INTO source_paragraphs (source, text_hash, articles)
    SELECT a.source, p.text_hash, COUNT(DISTINCT p.article_id)
    FROM paragraphs p JOIN articles a ON a.id = p.article_id
    WHERE a.source IS NOT NULL
    GROUP BY a.source, p.text_hash;";
/// Articles of a source holding a not yet flagged copy of a text.
pub(crate) const SQL_UNFLAGGED_COPIES: &str = "SELECT DISTINCT p.article_id FROM paragraphs p
    JOIN articles a ON a.id = p.article_id
    WHERE p.text_hash = ?1 AND a.source = ?2 AND p.boilerplate = 0";
/// Drops the body mentions in unflagged copies of a text in a source.
pub(crate) const SQL_DROP_COPY_MENTIONS: &str =
    "DELETE FROM mentions WHERE field = 'body' AND id IN (
    SELECT m.id FROM paragraphs p
    JOIN articles a ON a.id = p.article_id
    JOIN mentions m ON m.article_id = p.article_id AND m.paragraph = p.idx AND m.field = 'body'
    WHERE p.text_hash = ?1 AND a.source = ?2 AND p.boilerplate = 0)";
/// Flags every copy of a text in a source as boilerplate. The source is checked per
/// copy through the article's primary key: an `IN (SELECT id FROM articles WHERE
/// source = ?2)` would list every article of the source at each flagging, which made
/// a feed of updated stories quadratic.
pub(crate) const SQL_FLAG_COPIES: &str = "UPDATE paragraphs SET boilerplate = 1
    WHERE text_hash = ?1 AND boilerplate = 0
      AND (SELECT a.source FROM articles a WHERE a.id = paragraphs.article_id) = ?2";

/// Writes one paragraph row.
pub(crate) fn insert(
    conn: &Connection,
    article: ArticleId,
    p: &Paragraph,
    boilerplate: bool,
) -> Result<()> {
    conn.prepare_cached(SQL_INSERT)?.execute(params![
        article,
        p.idx as i64,
        p.start_char as i64,
        p.end_char as i64,
        p.start_byte as i64,
        p.end_byte as i64,
        p.language,
        boilerplate,
        p.text_hash
    ])?;
    Ok(())
}

/// Counts one more article of `source` holding `text_hash`; returns how many hold it
/// now. Call once per distinct text of an article.
/// How many articles of `source` hold the text, without counting anything (dry runs).
pub(crate) fn copies(conn: &Connection, source: &str, text_hash: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(SQL_COPIES)?
        .query_row(params![source, text_hash], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// Whether the stored article with this external id is of `source` and holds the text.
pub(crate) fn article_holds(
    conn: &Connection,
    external_id: &str,
    source: &str,
    text_hash: &str,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(SQL_ARTICLE_HOLDS)?
        .query_row(params![external_id, source, text_hash], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(crate) fn count_copy(conn: &Connection, source: &str, text_hash: &str) -> Result<i64> {
    conn.prepare_cached(SQL_COUNT_COPY)?
        .execute(params![source, text_hash])?;
    Ok(conn
        .prepare_cached(SQL_COPIES)?
        .query_row(params![source, text_hash], |r| r.get(0))?)
}

/// Deletes an article's paragraphs and takes them out of the per-source counts.
/// `source` is the source the article had when they were written.
pub(crate) fn delete(conn: &Connection, article: ArticleId, source: Option<&str>) -> Result<()> {
    if let Some(source) = source {
        let hashes: Vec<String> = conn
            .prepare_cached(SQL_HASHES)?
            .query_map([article], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for h in hashes {
            conn.prepare_cached(SQL_UNCOUNT_COPY)?
                .execute(params![source, h])?;
            conn.prepare_cached(SQL_DROP_UNCOUNTED)?
                .execute(params![source, h])?;
        }
    }
    conn.prepare_cached(SQL_DELETE)?.execute([article])?;
    Ok(())
}

/// The distinct texts of `paragraphs`, each with the indexes that hold it, in order.
pub(crate) fn distinct_texts(paragraphs: &[Paragraph]) -> Vec<(&str, Vec<usize>)> {
    let mut seen = HashSet::new();
    let mut out: Vec<(&str, Vec<usize>)> = Vec::new();
    for p in paragraphs {
        if seen.insert(p.text_hash.as_str()) {
            out.push((&p.text_hash, vec![p.idx]));
        } else if let Some((_, idx)) = out.iter_mut().find(|(h, _)| *h == p.text_hash) {
            idx.push(p.idx);
        }
    }
    out
}

const SQL_WITHOUT_PARAGRAPHS: &str = "SELECT id, title, body, language FROM articles a
    WHERE NOT EXISTS (SELECT 1 FROM paragraphs p WHERE p.article_id = a.id)";

/// Writes the paragraphs of stored articles that have none (those a newsdb older than
/// the paragraphs table imported) and recounts the repeated texts per source. Returns
/// how many articles were filled in.
pub(crate) fn backfill(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let filled = fill_missing(&tx)?;
    if filled > 0 {
        tx.execute_batch(SQL_RECOUNT)?;
    }
    tx.commit()?;
    Ok(filled)
}

/// Writes the paragraphs of the stored articles that have none, on the caller's
/// transaction, without recounting `source_paragraphs`; returns how many articles
/// were filled in.
pub(crate) fn fill_missing(conn: &Connection) -> Result<usize> {
    let missing: Vec<(ArticleId, String, String, Option<String>)> = conn
        .prepare(SQL_WITHOUT_PARAGRAPHS)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, title, body, language) in &missing {
        let (ps, _) = paragraphs::analyze(title, body, language.as_deref());
        for p in &ps {
            insert(conn, *id, p, p.boilerplate)?;
        }
    }
    Ok(missing.len())
}
