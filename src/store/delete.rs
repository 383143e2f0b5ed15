//! Deleting articles with everything that hangs off them: their mentions, paragraphs
//! and search-index entry, with the summaries (unit counts, shared sentences, kind
//! votes, names, repeated-paragraph counts) kept exact, the lone names whose context
//! they were linked again, and the entities they alone named dropped.

use std::collections::BTreeSet;

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::{entities, linking, paragraphs, units, Store};
use crate::error::Result;
use crate::model::{ArticleId, EntityId, EntityKind};

const SQL_SOURCE_OF: &str = "SELECT source FROM articles WHERE id = ?1";
const SQL_MENTIONS_OF: &str = "SELECT entity_id, local_kind, local_name FROM mentions
    WHERE article_id = ?1";
const SQL_DELETE_MENTIONS: &str = "DELETE FROM mentions WHERE article_id = ?1";
// The `articles_ad` trigger takes the article out of the full-text index.
const SQL_DELETE_ARTICLE: &str = "DELETE FROM articles WHERE id = ?1";
const SQL_MATCHING: &str = "SELECT id FROM articles
    WHERE (?1 IS NULL OR source = ?1) AND (?2 IS NULL OR published_at < ?2)
    ORDER BY id";

/// What [`Store::delete_articles`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeleteReport {
    /// Articles deleted.
    pub articles: u64,
    /// Their mentions, deleted with them.
    pub mentions: u64,
    /// Entities deleted because no mention named them any more (entities a merge
    /// refers to, or that a person fixed, stay).
    pub entities_dropped: u64,
    /// Lone names of other articles linked anew now that the deleted articles no
    /// longer count as context.
    pub surnames_linked: u64,
}

impl Store {
    /// The articles of `source` (any source when `None`) published before `before`
    /// (an ISO date or its start, "2005-01"; no bound when `None`), in row order.
    /// Undated articles are never before a date.
    pub fn articles_matching(
        &self,
        source: Option<&str>,
        before: Option<&str>,
    ) -> Result<Vec<ArticleId>> {
        Ok(self
            .conn
            .prepare(SQL_MATCHING)?
            .query_map(params![source, before], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Deletes articles and everything that depends on them, in one transaction:
    /// afterwards the store is as if they had never been imported (ids aside), and
    /// `check` finds nothing. Ids that name no article are skipped.
    pub fn delete_articles(&mut self, ids: &[ArticleId]) -> Result<DeleteReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = DeleteReport::default();
        let mut delta = units::Delta::default();
        let mut touched: BTreeSet<EntityId> = BTreeSet::new();
        for &id in ids {
            // Inside the transaction: another writer may have deleted or changed it.
            let Some(source) = tx
                .prepare_cached(SQL_SOURCE_OF)?
                .query_row([id], |r| r.get::<_, Option<String>>(0))
                .optional()?
            else {
                continue;
            };
            let mentions: Vec<(EntityId, Option<EntityKind>, Option<String>)> = tx
                .prepare_cached(SQL_MENTIONS_OF)?
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            for (entity, kind, name) in &mentions {
                touched.insert(*entity);
                if let (Some(kind), Some(name)) = (kind, name) {
                    for key in linking::pending_keys(*kind, name) {
                        linking::mark_pending(&tx, &key)?;
                    }
                }
            }
            units::refresh_into(&tx, &[id], &mut delta, || {
                Ok(tx.prepare_cached(SQL_DELETE_MENTIONS)?.execute([id])?)
            })?;
            paragraphs::delete(&tx, id, source.as_deref())?;
            tx.prepare_cached(SQL_DELETE_ARTICLE)?.execute([id])?;
            report.articles += 1;
            report.mentions += mentions.len() as u64;
        }
        delta.apply(&tx)?;
        report.surnames_linked = linking::link_pending(&tx)?;
        for id in touched {
            if entities::drop_if_unused(&tx, id)? {
                report.entities_dropped += 1;
            }
        }
        tx.commit()?;
        Ok(report)
    }
}
