//! Entities and their aliases.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Store;
use crate::error::Result;
use crate::model::{ArticleId, Entity, EntityId, EntityKind};
use crate::resolve::corpus::{decide_kind, decide_name};
use crate::resolve::identity_key;

const SQL_FIND: &str = "SELECT id FROM entities WHERE kind = ?1 AND name = ?2";
const SQL_BY_ID: &str = "SELECT id, kind, name FROM entities WHERE id = ?1";
const SQL_BY_NAME: &str = "SELECT id, kind, name FROM entities WHERE name = ?1 ORDER BY id";
const SQL_ADD_ALIAS: &str =
    "INSERT OR IGNORE INTO entity_aliases (entity_id, alias) VALUES (?1, ?2)";
const SQL_ALIASES: &str = "SELECT alias FROM entity_aliases WHERE entity_id = ?1 ORDER BY alias";
const SQL_OF_ARTICLE: &str = "SELECT DISTINCT e.id, e.kind, e.name
    FROM mentions m JOIN entities e ON e.id = m.entity_id
    WHERE m.article_id = ?1 ORDER BY e.kind, e.name";
const SQL_LIST: &str = "SELECT id, kind, name FROM entities ORDER BY kind, name LIMIT ?1 OFFSET ?2";

/// The entity of a key: the one not merged away first, then the oldest (a file from
/// before keys may hold several entities per key until `newsdb resolve` runs).
const SQL_FIND_BY_KEY: &str = "SELECT id, merged_into FROM entities WHERE key = ?1
    ORDER BY merged_into IS NOT NULL, id LIMIT 1";
const SQL_INSERT_KEYED: &str = "INSERT INTO entities (kind, name, key) VALUES (?1, ?2, ?3)";
const SQL_INSERT_FIXED: &str =
    "INSERT INTO entities (kind, name, key, user_fixed) VALUES (?1, ?2, ?3, 3)";
const SQL_USER_ALIAS: &str =
    "SELECT canonical_key, kind, canonical FROM user_aliases WHERE alias_key = ?1";
const SQL_CURRENT: &str = "SELECT kind, name, user_fixed FROM entities WHERE id = ?1";
const SQL_VOTES: &str = "SELECT kind, weight FROM entity_kind_votes WHERE entity_id = ?1";
const SQL_NAMES: &str =
    "SELECT name, mentions FROM entity_names WHERE entity_id = ?1 AND mentions > 0";
const SQL_TAKEN: &str = "SELECT 1 FROM entities WHERE kind = ?1 AND name = ?2 AND id <> ?3";
const SQL_SET_KIND_NAME: &str = "UPDATE entities SET kind = ?2, name = ?3 WHERE id = ?1";
const SQL_BY_ID_MERGED: &str = "SELECT merged_into FROM entities WHERE id = ?1";
const SQL_ACTIVE_MERGE_FROM: &str = "SELECT id, into_entity FROM entity_merges
    WHERE from_entity = ?1 AND undone_at IS NULL ORDER BY id DESC LIMIT 1";

pub(crate) fn entity_from_row(r: &Row<'_>) -> rusqlite::Result<Entity> {
    Ok(Entity {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
    })
}

/// The entity of this kind and canonical name, created if it does not exist.
pub(crate) fn get_or_create(conn: &Connection, kind: EntityKind, name: &str) -> Result<EntityId> {
    if let Some(id) = conn
        .prepare_cached(SQL_FIND)?
        .query_row(params![kind, name], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    conn.prepare_cached(SQL_INSERT_KEYED)?
        .execute(params![kind, name, identity_key(name)])?;
    Ok(EntityId(conn.last_insert_rowid()))
}

/// The entity the loader should attach a mention of `(kind, name)` to: the entity
/// with the identity key of `name` whatever its kind (created with this kind and name
/// if there is none), followed through active merges. Returns the ids of the merges
/// it went through. The entity's kind and name are decided later, by [`decide`], from
/// the evidence of all its mentions.
pub(crate) fn lookup_or_create(
    conn: &Connection,
    kind: EntityKind,
    name: &str,
) -> Result<(EntityId, Vec<i64>)> {
    lookup_key(conn, &identity_key(name), Some((kind, name)))
        .map(|found| found.expect("an entity is created when a name is given"))
}

/// The entity of an identity key, after the user's aliases and active merges, with
/// the merges it went through; created from `create` (kind and name) if there is
/// none, else `None`.
pub(crate) fn lookup_key(
    conn: &Connection,
    key: &str,
    create: Option<(EntityKind, &str)>,
) -> Result<Option<(EntityId, Vec<i64>)>> {
    // A user's alias sends the name to its canonical entity.
    let user: Option<(String, EntityKind, String)> = conn
        .prepare_cached(SQL_USER_ALIAS)?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let key = user.as_ref().map_or(key, |u| u.0.as_str());
    let found: Option<(EntityId, Option<i64>)> = conn
        .prepare_cached(SQL_FIND_BY_KEY)?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (mut id, mut merged) = match (found, &user, create) {
        (Some(hit), _, _) => hit,
        (None, Some((_, kind, canonical)), _) => {
            conn.prepare_cached(SQL_INSERT_FIXED)?
                .execute(params![kind, canonical, key])?;
            (EntityId(conn.last_insert_rowid()), None)
        }
        (None, None, Some((kind, name))) => {
            conn.prepare_cached(SQL_INSERT_KEYED)?
                .execute(params![kind, name, key])?;
            (EntityId(conn.last_insert_rowid()), None)
        }
        (None, None, None) => return Ok(None),
    };
    let mut merges = Vec::new();
    // A merged entity points at its target; chains are short, but guard against cycles.
    while merged.is_some() && merges.len() < 32 {
        let Some((merge, into)) = conn
            .prepare_cached(SQL_ACTIVE_MERGE_FROM)?
            .query_row([id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, EntityId>(1)?))
            })
            .optional()?
        else {
            break;
        };
        merges.push(merge);
        id = into;
        merged = conn
            .prepare_cached(SQL_BY_ID_MERGED)?
            .query_row([id], |r| r.get(0))?;
    }
    Ok(Some((id, merges)))
}

/// Sets an entity's kind and displayed name from the evidence of its mentions
/// (`entity_kind_votes`, `entity_names`): the kind the votes decide
/// ([`crate::resolve::corpus::decide_kind`]), and the most frequent well-cased name (then the most frequent, then
/// the first in order). A name or kind a person set (`user_fixed`) stays. If another
/// entity already has the decided kind and name (an entity merged away), the old name
/// stays. A function of the summary tables alone, so of the set of mentions, never
/// of the order they came in.
pub(crate) fn decide(conn: &Connection, id: EntityId) -> Result<()> {
    let Some((kind, name, fixed)) = conn
        .prepare_cached(SQL_CURRENT)?
        .query_row([id], |r| {
            Ok((
                r.get::<_, EntityKind>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })
        .optional()?
    else {
        return Ok(());
    };
    let votes: Vec<(EntityKind, i64)> = conn
        .prepare_cached(SQL_VOTES)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let names: Vec<(String, i64)> = conn
        .prepare_cached(SQL_NAMES)?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let new_kind = if fixed & 2 != 0 {
        kind
    } else {
        decide_kind(&votes).unwrap_or(kind)
    };
    let new_name = if fixed & 1 != 0 {
        name.clone()
    } else {
        decide_name(&names).map_or(name.clone(), str::to_string)
    };
    if new_kind == kind && new_name == name {
        return Ok(());
    }
    let taken = |k: EntityKind, n: &str| -> Result<bool> {
        Ok(conn
            .prepare_cached(SQL_TAKEN)?
            .query_row(params![k, n, id], |_| Ok(()))
            .optional()?
            .is_some())
    };
    let (k, n) = if !taken(new_kind, &new_name)? {
        (new_kind, new_name)
    } else if !taken(new_kind, &name)? {
        (new_kind, name)
    } else {
        return Ok(());
    };
    conn.prepare_cached(SQL_SET_KIND_NAME)?
        .execute(params![id, k, n])?;
    Ok(())
}

/// An emptied entity is deleted unless a merge refers to it (it stays, with no
/// mentions, so the merge can still be undone) or a person fixed it.
const SQL_DROP_UNREFERENCED: &str = "DELETE FROM entities WHERE id = ?1 AND user_fixed = 0
    AND NOT EXISTS (SELECT 1 FROM mentions WHERE entity_id = ?1)
    AND NOT EXISTS (SELECT 1 FROM entity_merges WHERE from_entity = ?1 OR into_entity = ?1)
    AND NOT EXISTS (SELECT 1 FROM entities WHERE merged_into = ?1)";

/// Deletes an entity left without mentions, unless a merge refers to it (it stays, with
/// no mentions, so the merge can still be undone) or a person fixed it. Returns whether
/// it was deleted.
pub(crate) fn drop_if_unused(conn: &Connection, id: EntityId) -> Result<bool> {
    Ok(conn.prepare_cached(SQL_DROP_UNREFERENCED)?.execute([id])? > 0)
}

const SQL_WITHOUT_KEY: &str = "SELECT id, name FROM entities WHERE key IS NULL";
const SQL_SET_KEY: &str = "UPDATE entities SET key = ?2 WHERE id = ?1";

/// Fills in the identity key of entities stored before keys existed (schema V7).
/// Returns how many were filled in.
pub(crate) fn backfill_keys(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let missing: Vec<(EntityId, String)> = tx
        .prepare(SQL_WITHOUT_KEY)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, name) in &missing {
        tx.prepare_cached(SQL_SET_KEY)?
            .execute(params![id, identity_key(name)])?;
    }
    tx.commit()?;
    Ok(missing.len())
}

/// Records `alias` as a surface of `entity` (no-op if already known).
pub(crate) fn add_alias(conn: &Connection, entity: EntityId, alias: &str) -> Result<()> {
    conn.prepare_cached(SQL_ADD_ALIAS)?
        .execute(params![entity, alias])?;
    Ok(())
}

impl Store {
    /// The entity of this kind and canonical name, created if needed.
    pub fn entity_get_or_create(&mut self, kind: EntityKind, name: &str) -> Result<EntityId> {
        get_or_create(&self.conn, kind, name)
    }

    /// The entity with this id.
    pub fn entity(&self, id: EntityId) -> Result<Option<Entity>> {
        Ok(self
            .conn
            .prepare_cached(SQL_BY_ID)?
            .query_row([id], entity_from_row)
            .optional()?)
    }

    /// Entities with exactly this canonical name (one per kind at most).
    pub fn entities_named(&self, name: &str) -> Result<Vec<Entity>> {
        let mut stmt = self.conn.prepare_cached(SQL_BY_NAME)?;
        let rows = stmt.query_map([name], entity_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Entities ordered by kind and name, `limit` at a time.
    pub fn entities(&self, limit: u32, offset: u32) -> Result<Vec<Entity>> {
        let mut stmt = self.conn.prepare_cached(SQL_LIST)?;
        let rows = stmt.query_map([limit, offset], entity_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records `alias` as a surface form of `entity`.
    pub fn add_alias(&mut self, entity: EntityId, alias: &str) -> Result<()> {
        add_alias(&self.conn, entity, alias)
    }

    /// Every surface recorded for `entity`, sorted.
    pub fn aliases(&self, entity: EntityId) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(SQL_ALIASES)?;
        let rows = stmt.query_map([entity], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The distinct entities mentioned in an article.
    pub fn entities_of_article(&self, article: ArticleId) -> Result<Vec<Entity>> {
        let mut stmt = self.conn.prepare_cached(SQL_OF_ARTICLE)?;
        let rows = stmt.query_map([article], entity_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
