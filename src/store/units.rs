//! The per-entity unit counts behind co-occurrence PMI (`entity_units`, `unit_totals`,
//! created by migration V4) and the shared-sentence counts of entity pairs
//! (`sentence_pairs`, V5), kept exact by the code that changes mentions.
//!
//! Units never span articles (an article, a paragraph or a sentence of one), so the
//! counts change only through the articles whose mentions change. Every writer wraps
//! its change in [`refresh`]: the articles' contributions are subtracted before and
//! added after, a few indexed reads per article instead of a trigger per mention row.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::model::{ArticleId, EntityId};

const LEVELS: [&str; 3] = ["article", "paragraph", "sentence"];

const SQL_ARTICLE_MENTIONS: &str =
    "SELECT entity_id, field, sentence, paragraph FROM mentions WHERE article_id = ?1";
const SQL_ADD_ENTITY_UNITS: &str = "INSERT INTO entity_units (entity_id, level, units)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, level) DO UPDATE SET units = units + excluded.units";
// A decrement is an UPDATE: an upsert would CHECK its negative candidate row first.
const SQL_SUB_ENTITY_UNITS: &str =
    "UPDATE entity_units SET units = units + ?3 WHERE entity_id = ?1 AND level = ?2";
const SQL_DROP_EMPTY: &str =
    "DELETE FROM entity_units WHERE entity_id = ?1 AND level = ?2 AND units <= 0";
const SQL_ADD_TOTAL: &str = "INSERT INTO unit_totals (level, units) VALUES (?1, ?2)
    ON CONFLICT (level) DO UPDATE SET units = units + excluded.units";
const SQL_ADD_PAIR: &str = "INSERT INTO sentence_pairs (entity_id, other_id, sentences)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, other_id) DO UPDATE SET sentences = sentences + excluded.sentences";
const SQL_SUB_PAIR: &str =
    "UPDATE sentence_pairs SET sentences = sentences + ?3 WHERE entity_id = ?1 AND other_id = ?2";
const SQL_DROP_PAIR: &str =
    "DELETE FROM sentence_pairs WHERE entity_id = ?1 AND other_id = ?2 AND sentences <= 0";
const SQL_SUB_TOTAL: &str = "UPDATE unit_totals SET units = units + ?2 WHERE level = ?1";

/// Signed unit counts of some articles' mentions.
#[derive(Debug, Default)]
pub(crate) struct Delta {
    entity: HashMap<(EntityId, usize), i64>,
    totals: [i64; 3],
    /// Shared sentences per ordered pair of entities (table `sentence_pairs`).
    pairs: HashMap<(EntityId, EntityId), i64>,
}

impl Delta {
    /// Adds (`sign` = 1) or removes (-1) the units of one article's mentions.
    fn article(&mut self, conn: &Connection, article: ArticleId, sign: i64) -> Result<()> {
        let mut stmt = conn.prepare_cached(SQL_ARTICLE_MENTIONS)?;
        let rows = stmt
            .query_map([article], |r| {
                Ok((
                    r.get::<_, EntityId>(0)?,
                    r.get::<_, String>(1)? == "body",
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        self.mentions(rows, sign);
        Ok(())
    }

    /// Adds (`sign` = 1) or removes (-1) the units of one article's mentions, given as
    /// (entity, in the body, sentence, paragraph).
    pub(crate) fn mentions(
        &mut self,
        rows: impl IntoIterator<Item = (EntityId, bool, Option<i64>, Option<i64>)>,
        sign: i64,
    ) {
        // Distinct units per entity, and of the article as a whole, per level.
        let mut seen: HashSet<(Option<EntityId>, usize, bool, i64)> = HashSet::new();
        // The distinct entities of each sentence.
        let mut sentences: HashMap<(bool, i64), Vec<EntityId>> = HashMap::new();
        for (entity, body, sentence, paragraph) in rows {
            if let Some(n) = sentence {
                let members = sentences.entry((body, n)).or_default();
                if !members.contains(&entity) {
                    members.push(entity);
                }
            }
            let units = [Some(0), paragraph, sentence];
            for (level, unit) in units.into_iter().enumerate() {
                let Some(unit) = unit else { continue };
                // An article is one unit whatever the field; paragraphs and sentences
                // are numbered per field.
                let body = body && level > 0;
                if seen.insert((Some(entity), level, body, unit)) {
                    *self.entity.entry((entity, level)).or_default() += sign;
                }
                if seen.insert((None, level, body, unit)) {
                    self.totals[level] += sign;
                }
            }
        }
        for members in sentences.values() {
            for &a in members {
                for &b in members {
                    if a != b {
                        *self.pairs.entry((a, b)).or_default() += sign;
                    }
                }
            }
        }
    }

    /// Writes the counts to the summary tables and starts over.
    pub(crate) fn apply(&mut self, conn: &Connection) -> Result<()> {
        // In key order, so that the upserts walk each table's B-tree forward.
        let mut entity: Vec<_> = self.entity.iter().map(|(&k, &n)| (k, n)).collect();
        entity.sort_unstable();
        let mut pairs: Vec<_> = self.pairs.iter().map(|(&k, &n)| (k, n)).collect();
        pairs.sort_unstable();
        for ((entity, level), n) in entity {
            if n == 0 {
                continue;
            }
            if n > 0 {
                conn.prepare_cached(SQL_ADD_ENTITY_UNITS)?.execute(params![
                    entity,
                    LEVELS[level],
                    n
                ])?;
            } else {
                conn.prepare_cached(SQL_SUB_ENTITY_UNITS)?.execute(params![
                    entity,
                    LEVELS[level],
                    n
                ])?;
                conn.prepare_cached(SQL_DROP_EMPTY)?
                    .execute(params![entity, LEVELS[level]])?;
            }
        }
        for ((a, b), n) in pairs {
            let sql = match n {
                0 => continue,
                1.. => SQL_ADD_PAIR,
                _ => SQL_SUB_PAIR,
            };
            conn.prepare_cached(sql)?.execute(params![a, b, n])?;
            if n < 0 {
                conn.prepare_cached(SQL_DROP_PAIR)?.execute(params![a, b])?;
            }
        }
        for (level, &n) in self.totals.iter().enumerate() {
            let sql = match n {
                0 => continue,
                1.. => SQL_ADD_TOTAL,
                _ => SQL_SUB_TOTAL,
            };
            conn.prepare_cached(sql)?
                .execute(params![LEVELS[level], n])?;
        }
        *self = Delta::default();
        Ok(())
    }

    /// Forgets counts that will not be written (the transaction rolled back).
    pub(crate) fn clear(&mut self) {
        *self = Delta::default();
    }
}

/// Runs `change`, which may insert, delete or update mentions of `articles` only,
/// and updates the unit counts to match. Runs on the caller's transaction.
pub(crate) fn refresh<T>(
    conn: &Connection,
    articles: &[ArticleId],
    change: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let mut delta = Delta::default();
    let out = refresh_into(conn, articles, &mut delta, change)?;
    delta.apply(conn)?;
    Ok(out)
}

/// Like [`refresh`], but adds the change to `delta` for the caller to apply later in
/// the same transaction: the loader applies one delta per batch, so a pair of
/// entities met in many articles of the batch is one write, not one per article.
pub(crate) fn refresh_into<T>(
    conn: &Connection,
    articles: &[ArticleId],
    delta: &mut Delta,
    change: impl FnOnce() -> Result<T>,
) -> Result<T> {
    for &a in articles {
        delta.article(conn, a, -1)?;
    }
    let out = change()?;
    for &a in articles {
        delta.article(conn, a, 1)?;
    }
    Ok(out)
}
