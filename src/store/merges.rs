//! Undoable entity merges and renames.
//!
//! A merge moves every mention and alias of one entity to another and records exactly
//! what it moved, so an unmerge restores the state before it. The merged entity keeps
//! its row with `merged_into` set: the loader follows it, so the merge holds for
//! mentions that later imports and re-extractions find.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::{units, Store};
use crate::error::{Error, Result};
use crate::model::{ArticleId, Entity, EntityId, EntityKind};

/// One row of `entity_merges`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Merge {
    /// The merge's id (what `unmerge` takes).
    pub id: i64,
    /// The entity merged away.
    pub from_entity: EntityId,
    /// The entity it was merged into.
    pub into_entity: EntityId,
    /// When.
    pub merged_at: String,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
    /// Mentions the merge covers (moved, or sent to the target since).
    pub mentions: i64,
}

const SQL_ENTITY_STATE: &str = "SELECT merged_into FROM entities WHERE id = ?1";
const SQL_INSERT_MERGE: &str = "INSERT INTO entity_merges (from_entity, into_entity, merged_at)
    VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
const SQL_RECORD_MOVED_MENTIONS: &str = "INSERT INTO entity_merge_mentions (merge_id, mention_id)
    SELECT ?1, id FROM mentions WHERE entity_id = ?2";
const SQL_MOVE_MENTIONS: &str = "UPDATE mentions SET entity_id = ?2 WHERE entity_id = ?1";
const SQL_RECORD_ALIASES: &str = "INSERT INTO entity_merge_aliases (merge_id, alias, moved, added)
    SELECT ?1, alias, 1,
           NOT EXISTS (SELECT 1 FROM entity_aliases t WHERE t.entity_id = ?3 AND t.alias = f.alias)
    FROM entity_aliases f WHERE f.entity_id = ?2";
const SQL_RECORD_NAME_ALIAS: &str =
    "INSERT OR IGNORE INTO entity_merge_aliases (merge_id, alias, moved, added)
    SELECT ?1, e.name, 0,
           NOT EXISTS (SELECT 1 FROM entity_aliases t WHERE t.entity_id = ?3 AND t.alias = e.name)
    FROM entities e WHERE e.id = ?2";
const SQL_ADD_RECORDED_ALIASES: &str = "INSERT OR IGNORE INTO entity_aliases (entity_id, alias)
    SELECT ?2, alias FROM entity_merge_aliases WHERE merge_id = ?1 AND added = 1";
const SQL_DROP_FROM_ALIASES: &str = "DELETE FROM entity_aliases WHERE entity_id = ?1";
const SQL_SET_MERGED_INTO: &str = "UPDATE entities SET merged_into = ?2 WHERE id = ?1";
const SQL_MERGE: &str = "SELECT m.id, m.from_entity, m.into_entity, m.merged_at, m.undone_at,
    (SELECT COUNT(*) FROM entity_merge_mentions x WHERE x.merge_id = m.id)
    FROM entity_merges m WHERE m.id = ?1";
const SQL_MERGES: &str = "SELECT m.id, m.from_entity, m.into_entity, m.merged_at, m.undone_at,
    (SELECT COUNT(*) FROM entity_merge_mentions x WHERE x.merge_id = m.id)
    FROM entity_merges m ORDER BY m.id";
const SQL_RESTORE_MENTIONS: &str = "UPDATE mentions SET entity_id = ?2
    WHERE id IN (SELECT mention_id FROM entity_merge_mentions WHERE merge_id = ?1)";
const SQL_REMOVE_ADDED_ALIASES: &str = "DELETE FROM entity_aliases
    WHERE entity_id = ?2 AND alias IN
        (SELECT alias FROM entity_merge_aliases WHERE merge_id = ?1 AND added = 1)";
const SQL_RESTORE_ALIASES: &str = "INSERT OR IGNORE INTO entity_aliases (entity_id, alias)
    SELECT ?2, alias FROM entity_merge_aliases WHERE merge_id = ?1 AND moved = 1";
const SQL_UNDO: &str =
    "UPDATE entity_merges SET undone_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1";
const SQL_SAME_KIND_AND_NAME: &str = "SELECT o.id FROM entities e JOIN entities o
    ON o.name = e.name AND o.kind = ?2 AND o.id <> e.id WHERE e.id = ?1";
const SQL_FIX_KIND: &str =
    "UPDATE entities SET kind = ?2, user_fixed = user_fixed | 2 WHERE id = ?1";
const SQL_UNFIX_KIND: &str = "UPDATE entities SET user_fixed = user_fixed & 1 WHERE id = ?1";
const SQL_ENTITY: &str = "SELECT id, kind, name FROM entities WHERE id = ?1";
/// A renamed entity keeps its name whatever its mentions say (`user_fixed` bit 1).
const SQL_RENAME: &str = "UPDATE entities SET name = ?2, user_fixed = user_fixed | 1 WHERE id = ?1";
const SQL_SAME_NAME: &str =
    "SELECT id FROM entities WHERE kind = (SELECT kind FROM entities WHERE id = ?1) AND name = ?2 AND id <> ?1";
const SQL_ADD_ALIAS: &str = "INSERT OR IGNORE INTO entity_aliases (entity_id, alias)
    SELECT id, name FROM entities WHERE id = ?1";

const SQL_ARTICLES_OF_ENTITY: &str =
    "SELECT DISTINCT article_id FROM mentions WHERE entity_id = ?1";
const SQL_ARTICLES_OF_MERGE: &str = "SELECT DISTINCT m.article_id FROM mentions m
    JOIN entity_merge_mentions x ON x.mention_id = m.id WHERE x.merge_id = ?1";

/// The articles a query over one id names.
fn articles_of(conn: &rusqlite::Connection, sql: &str, id: i64) -> Result<Vec<ArticleId>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn merge_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Merge> {
    Ok(Merge {
        id: r.get(0)?,
        from_entity: r.get(1)?,
        into_entity: r.get(2)?,
        merged_at: r.get(3)?,
        undone_at: r.get(4)?,
        mentions: r.get(5)?,
    })
}

impl Store {
    fn merged_into(&self, id: EntityId) -> Result<Option<Option<EntityId>>> {
        Ok(self
            .conn
            .query_row(SQL_ENTITY_STATE, [id], |r| r.get(0))
            .optional()?)
    }

    /// Merges entity `from` into `into`: its mentions and aliases move, its name
    /// becomes an alias of `into`, and later imports send its mentions to `into`.
    /// Returns the merge, whose id undoes it with [`Store::unmerge`].
    pub fn merge_entities(&mut self, from: EntityId, into: EntityId) -> Result<Merge> {
        if from == into {
            return Err(Error::InvalidArgument(format!(
                "cannot merge entity {from} into itself"
            )));
        }
        // The checks run inside the write transaction: two opposite merges started at
        // once must not both pass them and leave a cycle.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for id in [from, into] {
            let state: Option<Option<EntityId>> = tx
                .query_row(SQL_ENTITY_STATE, [id], |r| r.get(0))
                .optional()?;
            match state {
                None => {
                    return Err(Error::NotFound {
                        what: "entity",
                        id: id.to_string(),
                    })
                }
                Some(Some(target)) => {
                    return Err(Error::InvalidArgument(format!(
                        "entity {id} is already merged into entity {target}; merge into {target} instead"
                    )))
                }
                Some(None) => {}
            }
        }
        tx.execute(SQL_INSERT_MERGE, params![from, into])?;
        let merge = tx.last_insert_rowid();
        tx.execute(SQL_RECORD_MOVED_MENTIONS, params![merge, from])?;
        let articles = articles_of(&tx, SQL_ARTICLES_OF_ENTITY, from.0)?;
        units::refresh(&tx, &articles, || {
            Ok(tx.execute(SQL_MOVE_MENTIONS, params![from, into])?)
        })?;
        tx.execute(SQL_RECORD_ALIASES, params![merge, from, into])?;
        tx.execute(SQL_RECORD_NAME_ALIAS, params![merge, from, into])?;
        tx.execute(SQL_ADD_RECORDED_ALIASES, params![merge, into])?;
        tx.execute(SQL_DROP_FROM_ALIASES, [from])?;
        tx.execute(SQL_SET_MERGED_INTO, params![from, into])?;
        let m = tx.query_row(SQL_MERGE, [merge], merge_from_row)?;
        tx.commit()?;
        Ok(m)
    }

    /// Undoes a merge: the mentions it covers go back to the merged entity, aliases are
    /// restored on both sides, and later imports keep the two apart again.
    pub fn unmerge(&mut self, merge_id: i64) -> Result<Merge> {
        // Read and checked inside the write transaction (see `merge_entities`).
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let m = tx
            .query_row(SQL_MERGE, [merge_id], merge_from_row)
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "merge",
                id: merge_id.to_string(),
            })?;
        if let Some(when) = &m.undone_at {
            return Err(Error::InvalidArgument(format!(
                "merge {merge_id} was already undone at {when}"
            )));
        }
        let articles = articles_of(&tx, SQL_ARTICLES_OF_MERGE, merge_id)?;
        units::refresh(&tx, &articles, || {
            Ok(tx.execute(SQL_RESTORE_MENTIONS, params![merge_id, m.from_entity])?)
        })?;
        tx.execute(SQL_REMOVE_ADDED_ALIASES, params![merge_id, m.into_entity])?;
        tx.execute(SQL_RESTORE_ALIASES, params![merge_id, m.from_entity])?;
        tx.execute(
            SQL_SET_MERGED_INTO,
            params![m.from_entity, Option::<i64>::None],
        )?;
        tx.execute(SQL_UNDO, [merge_id])?;
        let m = tx.query_row(SQL_MERGE, [merge_id], merge_from_row)?;
        tx.commit()?;
        Ok(m)
    }

    /// Every merge, oldest first.
    pub fn merges(&self) -> Result<Vec<Merge>> {
        let mut stmt = self.conn.prepare(SQL_MERGES)?;
        let rows = stmt.query_map([], merge_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets an entity's kind (`Some`), which no rule changes afterwards, or gives the
    /// decision back to the evidence of its mentions (`None`). Returns the entity.
    pub fn set_entity_kind(&mut self, id: EntityId, kind: Option<EntityKind>) -> Result<Entity> {
        if self.merged_into(id)?.is_none() {
            return Err(Error::NotFound {
                what: "entity",
                id: id.to_string(),
            });
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        match kind {
            Some(k) => {
                if let Some(other) = tx
                    .query_row(SQL_SAME_KIND_AND_NAME, params![id, k], |r| {
                        r.get::<_, i64>(0)
                    })
                    .optional()?
                {
                    return Err(Error::InvalidArgument(format!(
                        "entity {other} is already a {k} of the same name; merge the two instead (`newsdb entities merge {id} {other}`)"
                    )));
                }
                tx.execute(SQL_FIX_KIND, params![id, k])?;
            }
            None => {
                tx.execute(SQL_UNFIX_KIND, [id])?;
                super::entities::decide(&tx, id)?;
            }
        }
        let e = tx.query_row(SQL_ENTITY, [id], super::entities::entity_from_row)?;
        tx.commit()?;
        Ok(e)
    }

    /// Gives an entity a new canonical name; the old name stays as an alias, so later
    /// imports that find it still attach to this entity.
    pub fn rename_entity(&mut self, id: EntityId, new_name: &str) -> Result<()> {
        let new_name = new_name.trim();
        if new_name.is_empty() {
            return Err(Error::InvalidArgument("the new name is empty".into()));
        }
        if self.merged_into(id)?.is_none() {
            return Err(Error::NotFound {
                what: "entity",
                id: id.to_string(),
            });
        }
        if let Some(other) = self
            .conn
            .query_row(SQL_SAME_NAME, params![id, new_name], |r| r.get::<_, i64>(0))
            .optional()?
        {
            return Err(Error::InvalidArgument(format!(
                "entity {other} of the same kind is already named {new_name:?}; merge the two instead (`newsdb entities merge {id} {other}`)"
            )));
        }
        let tx = self.conn.transaction()?;
        tx.execute(SQL_ADD_ALIAS, [id])?;
        tx.execute(SQL_RENAME, params![id, new_name])?;
        tx.commit()?;
        Ok(())
    }
}
