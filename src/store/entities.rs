//! Entities and their aliases.

use rusqlite::{params, Connection, OptionalExtension, Row};

use super::Store;
use crate::error::Result;
use crate::model::{ArticleId, Entity, EntityId, EntityKind};

const SQL_FIND: &str = "SELECT id FROM entities WHERE kind = ?1 AND name = ?2";
const SQL_INSERT: &str = "INSERT INTO entities (kind, name) VALUES (?1, ?2)";
const SQL_BY_ID: &str = "SELECT id, kind, name FROM entities WHERE id = ?1";
const SQL_BY_NAME: &str = "SELECT id, kind, name FROM entities WHERE name = ?1 ORDER BY id";
const SQL_ADD_ALIAS: &str =
    "INSERT OR IGNORE INTO entity_aliases (entity_id, alias) VALUES (?1, ?2)";
const SQL_ALIASES: &str = "SELECT alias FROM entity_aliases WHERE entity_id = ?1 ORDER BY alias";
const SQL_OF_ARTICLE: &str = "SELECT DISTINCT e.id, e.kind, e.name
    FROM mentions m JOIN entities e ON e.id = m.entity_id
    WHERE m.article_id = ?1 ORDER BY e.kind, e.name";
const SQL_LIST: &str = "SELECT id, kind, name FROM entities ORDER BY kind, name LIMIT ?1 OFFSET ?2";

const SQL_FIND_WITH_MERGE: &str =
    "SELECT id, merged_into FROM entities WHERE kind = ?1 AND name = ?2";
const SQL_FIND_BY_ALIAS: &str = "SELECT e.id FROM entity_aliases a
    JOIN entities e ON e.id = a.entity_id
    WHERE a.alias = ?2 AND e.kind = ?1 AND e.merged_into IS NULL
    ORDER BY e.id LIMIT 1";
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
    conn.prepare_cached(SQL_INSERT)?
        .execute(params![kind, name])?;
    Ok(EntityId(conn.last_insert_rowid()))
}

/// The entity the loader should attach a mention of `(kind, name)` to: the entity
/// with that canonical name, else the entity with that alias, else a new one; then
/// followed through active merges. Returns the ids of the merges it went through.
pub(crate) fn lookup_or_create(
    conn: &Connection,
    kind: EntityKind,
    name: &str,
) -> Result<(EntityId, Vec<i64>)> {
    let found: Option<(EntityId, Option<i64>)> = conn
        .prepare_cached(SQL_FIND_WITH_MERGE)?
        .query_row(params![kind, name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (mut id, mut merged) = match found {
        Some(hit) => hit,
        None => match conn
            .prepare_cached(SQL_FIND_BY_ALIAS)?
            .query_row(params![kind, name], |r| r.get(0))
            .optional()?
        {
            Some(id) => (id, None),
            None => {
                conn.prepare_cached(SQL_INSERT)?
                    .execute(params![kind, name])?;
                (EntityId(conn.last_insert_rowid()), None)
            }
        },
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
    Ok((id, merges))
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
