//! Corpus-level resolution over the whole store, without re-tagging: entities sharing
//! an identity key become one, and every entity's kind and name are decided again
//! from the evidence of its mentions (`newsdb resolve`). Imports do the same for the
//! entities each batch touches; this brings a file written by an older newsdb, or
//! changed by hand, to the state a fresh import would give.

use rusqlite::{params, TransactionBehavior};
use serde::Serialize;

use super::{entities, units, Store};
use crate::error::Result;
use crate::model::{ArticleId, EntityId, EntityKind};
use crate::resolve::identity_key;

/// What [`Store::resolve_entities`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolveReport {
    /// Entities whose mentions moved to another entity of the same identity key.
    pub entities_joined: u64,
    /// Mentions that moved with them.
    pub mentions_moved: u64,
    /// Entities whose kind changed.
    pub kinds_changed: u64,
    /// Entities whose displayed name changed.
    pub names_changed: u64,
}

const SQL_ACTIVE: &str =
    "SELECT id, kind, name, key FROM entities WHERE merged_into IS NULL ORDER BY id";
const SQL_SET_KEY: &str = "UPDATE entities SET key = ?2 WHERE id = ?1";
const SQL_ARTICLES_OF: &str = "SELECT DISTINCT article_id FROM mentions WHERE entity_id = ?1";
const SQL_MOVE: &str = "UPDATE mentions SET entity_id = ?2 WHERE entity_id = ?1";
const SQL_MOVE_ALIASES: &str = "INSERT OR IGNORE INTO entity_aliases (entity_id, alias)
    SELECT ?2, alias FROM entity_aliases WHERE entity_id = ?1";
const SQL_DROP_ALIASES: &str = "DELETE FROM entity_aliases WHERE entity_id = ?1";
/// An emptied entity is deleted unless a merge refers to it (it stays, with no
/// mentions, so the merge can still be undone).
const SQL_DROP_UNREFERENCED: &str = "DELETE FROM entities WHERE id = ?1
    AND NOT EXISTS (SELECT 1 FROM mentions WHERE entity_id = ?1)
    AND NOT EXISTS (SELECT 1 FROM entity_merges WHERE from_entity = ?1 OR into_entity = ?1)
    AND NOT EXISTS (SELECT 1 FROM entities WHERE merged_into = ?1)";
const SQL_KIND_NAME: &str = "SELECT kind, name FROM entities WHERE id = ?1";

impl Store {
    /// Re-runs corpus-level resolution over the whole store in one transaction and
    /// reports what changed. Merges, unmerges and renames a person made still hold.
    pub fn resolve_entities(&mut self) -> Result<ResolveReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = ResolveReport::default();
        let active: Vec<(EntityId, EntityKind, String, Option<String>)> = tx
            .prepare(SQL_ACTIVE)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut first_of_key: std::collections::HashMap<String, EntityId> =
            std::collections::HashMap::new();
        let mut delta = units::Delta::default();
        let mut before: Vec<(EntityId, EntityKind, String)> = Vec::new();
        for (id, kind, name, key) in active {
            // The key of an entity stays what it was created with (a rename keeps it),
            // unless it has none.
            let key = match key {
                Some(k) => k,
                None => {
                    let k = identity_key(&name);
                    tx.execute(SQL_SET_KEY, params![id, k])?;
                    k
                }
            };
            match first_of_key.entry(key) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(id);
                    before.push((id, kind, name));
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    let into = *e.get();
                    let articles: Vec<ArticleId> = tx
                        .prepare_cached(SQL_ARTICLES_OF)?
                        .query_map([id], |r| r.get(0))?
                        .collect::<rusqlite::Result<_>>()?;
                    let moved = units::refresh_into(&tx, &articles, &mut delta, || {
                        Ok(tx.execute(SQL_MOVE, params![id, into])?)
                    })?;
                    tx.execute(SQL_MOVE_ALIASES, params![id, into])?;
                    tx.execute(SQL_DROP_ALIASES, [id])?;
                    report.entities_joined += 1;
                    report.mentions_moved += moved as u64;
                    // Applied before the delete: the summaries still name it.
                    delta.apply(&tx)?;
                    tx.execute(SQL_DROP_UNREFERENCED, [id])?;
                }
            }
        }
        delta.apply(&tx)?;
        for (id, kind, name) in before {
            entities::decide(&tx, id)?;
            let (k, n): (EntityKind, String) =
                tx.query_row(SQL_KIND_NAME, [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            report.kinds_changed += u64::from(k != kind);
            report.names_changed += u64::from(n != name);
        }
        tx.commit()?;
        Ok(report)
    }
}
