//! Corpus-level resolution over the whole store, without re-tagging, and the user's
//! own alias list.
//!
//! [`Store::resolve_entities`] sends every mention to the entity its local name
//! resolves to now (identity key, the user's aliases, merges), the way an import
//! would, and decides every entity's kind and name again from the evidence of its
//! mentions, then links lone surnames across articles ([`super::linking`]). Imports
//! do the same for the entities and surnames they touch; this brings a
//! file written by an older newsdb, changed by hand, or given new aliases, to the
//! state a fresh import would give.

use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::{entities, linking, units, Store};
use crate::error::{Error, Result};
use crate::model::{ArticleId, EntityId, EntityKind};
use crate::resolve::identity_key;

/// What [`Store::resolve_entities`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResolveReport {
    /// Entities whose mentions all moved to another entity (and that were removed
    /// unless a merge refers to them).
    pub entities_joined: u64,
    /// Mentions that moved to another entity.
    pub mentions_moved: u64,
    /// Entities whose kind changed.
    pub kinds_changed: u64,
    /// Entities whose displayed name changed.
    pub names_changed: u64,
    /// Lone surnames ("Mr Howard") linked to a full-name person of other articles by
    /// context, or unlinked because the context no longer supports it.
    pub surnames_linked: u64,
}

/// One row of a user's alias list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserAlias {
    /// The name as mentions may give it ("Tories").
    pub alias: String,
    /// The kind of the entity it means.
    pub kind: EntityKind,
    /// The name of the entity it means ("Conservative Party").
    pub canonical: String,
}

const SQL_WITHOUT_KEY: &str = "SELECT id, name FROM entities WHERE key IS NULL";
const SQL_SET_KEY: &str = "UPDATE entities SET key = ?2 WHERE id = ?1";
const SQL_NAMED: &str = "SELECT n.entity_id, n.name, e.kind FROM entity_names n
    JOIN entities e ON e.id = n.entity_id WHERE n.mentions > 0
    ORDER BY n.entity_id, n.name";
const SQL_ARTICLES_NAMED: &str = "SELECT DISTINCT article_id FROM mentions
    WHERE entity_id = ?1 AND COALESCE(linked_name, local_name) = ?2";
const SQL_MOVE_NAMED: &str = "UPDATE mentions SET entity_id = ?3
    WHERE entity_id = ?1 AND COALESCE(linked_name, local_name) = ?2";
const SQL_ACTIVE_KEYS: &str =
    "SELECT id, key FROM entities WHERE merged_into IS NULL AND key IS NOT NULL ORDER BY id";
const SQL_ARTICLES_OF: &str = "SELECT DISTINCT article_id FROM mentions WHERE entity_id = ?1";
const SQL_MOVE_ALL: &str = "UPDATE mentions SET entity_id = ?2 WHERE entity_id = ?1";
const SQL_COPY_ALIASES: &str = "INSERT OR IGNORE INTO entity_aliases (entity_id, alias)
    SELECT ?2, alias FROM entity_aliases WHERE entity_id = ?1";
const SQL_ALIASES_OF: &str = "SELECT alias FROM entity_aliases WHERE entity_id = ?1";
const SQL_ADD_ALIAS: &str =
    "INSERT OR IGNORE INTO entity_aliases (entity_id, alias) VALUES (?1, ?2)";
const SQL_EMPTIED: &str = "SELECT e.id FROM entities e WHERE e.merged_into IS NULL
    AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id) ORDER BY e.id";
const SQL_ACTIVE: &str =
    "SELECT id, kind, name FROM entities WHERE merged_into IS NULL ORDER BY id";
const SQL_KIND_NAME: &str = "SELECT kind, name FROM entities WHERE id = ?1";
const SQL_PUT_USER_ALIAS: &str = "INSERT INTO user_aliases
    (alias_key, alias, kind, canonical, canonical_key) VALUES (?1, ?2, ?3, ?4, ?5)
    ON CONFLICT (alias_key) DO UPDATE SET alias = excluded.alias, kind = excluded.kind,
        canonical = excluded.canonical, canonical_key = excluded.canonical_key";
const SQL_DEL_USER_ALIAS: &str = "DELETE FROM user_aliases WHERE alias_key = ?1";
const SQL_USER_ALIASES: &str =
    "SELECT alias, kind, canonical FROM user_aliases ORDER BY canonical_key, alias_key";
const SQL_ENTITY_OF_KEY: &str = "SELECT id FROM entities WHERE key = ?1
    ORDER BY merged_into IS NOT NULL, id LIMIT 1";
const SQL_FIX: &str = "UPDATE entities SET kind = ?2, name = ?3, user_fixed = 3 WHERE id = ?1";
const SQL_FIX_KIND_ONLY: &str = "UPDATE entities SET kind = ?2, user_fixed = 3 WHERE id = ?1";
const SQL_TAKEN: &str = "SELECT 1 FROM entities WHERE kind = ?1 AND name = ?2 AND id <> ?3";
const SQL_INSERT_FIXED: &str =
    "INSERT INTO entities (kind, name, key, user_fixed) VALUES (?1, ?2, ?3, 3)";

impl Store {
    /// Re-runs corpus-level resolution over the whole store in one transaction and
    /// reports what changed. Merges, unmerges, renames and kinds a person set still
    /// hold.
    pub fn resolve_entities(&mut self) -> Result<ResolveReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = ResolveReport::default();
        let unkeyed: Vec<(EntityId, String)> = tx
            .prepare(SQL_WITHOUT_KEY)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, name) in unkeyed {
            tx.execute(SQL_SET_KEY, params![id, identity_key(&name)])?;
        }
        let before: Vec<(EntityId, EntityKind, String)> = tx
            .prepare(SQL_ACTIVE)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        // Every (entity, local name) to the entity that name resolves to now.
        let named: Vec<(EntityId, String, EntityKind)> = tx
            .prepare(SQL_NAMED)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut delta = units::Delta::default();
        for (id, name, kind) in named {
            let (target, _) = entities::lookup_or_create(&tx, kind, &name)?;
            if target == id {
                continue;
            }
            let articles: Vec<ArticleId> = tx
                .prepare_cached(SQL_ARTICLES_NAMED)?
                .query_map(params![id, name], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let moved = units::refresh_into(&tx, &articles, &mut delta, || {
                Ok(tx.execute(SQL_MOVE_NAMED, params![id, name, target])?)
            })?;
            report.mentions_moved += moved as u64;
            let aliases: Vec<String> = tx
                .prepare_cached(SQL_ALIASES_OF)?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for a in aliases {
                tx.execute(SQL_ADD_ALIAS, params![target, a])?;
            }
        }
        // Mentions without a local name (written through the library) follow their
        // entity's key: entities of one key become one.
        let keyed: Vec<(EntityId, String)> = tx
            .prepare(SQL_ACTIVE_KEYS)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, key) in keyed {
            let Some((target, _)) = entities::lookup_key(&tx, &key, None)? else {
                continue;
            };
            if target == id {
                continue;
            }
            let articles: Vec<ArticleId> = tx
                .prepare_cached(SQL_ARTICLES_OF)?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let moved = units::refresh_into(&tx, &articles, &mut delta, || {
                Ok(tx.execute(SQL_MOVE_ALL, params![id, target])?)
            })?;
            report.mentions_moved += moved as u64;
            tx.execute(SQL_COPY_ALIASES, params![id, target])?;
        }
        delta.apply(&tx)?;
        report.surnames_linked = linking::link_all(&tx)?;
        let emptied: Vec<EntityId> = tx
            .prepare(SQL_EMPTIED)?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in emptied {
            let was_named = before.iter().any(|(b, _, _)| *b == id);
            if entities::drop_if_unused(&tx, id)? && was_named {
                report.entities_joined += 1;
            }
        }
        for (id, kind, name) in before {
            if tx
                .query_row(SQL_KIND_NAME, [id], |_| Ok(()))
                .optional()?
                .is_none()
            {
                continue;
            }
            entities::decide(&tx, id)?;
            let (k, n): (EntityKind, String) =
                tx.query_row(SQL_KIND_NAME, [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            report.kinds_changed += u64::from(k != kind);
            report.names_changed += u64::from(n != name);
        }
        tx.commit()?;
        Ok(report)
    }

    /// Adds (or replaces) aliases of the user's own: each alias's name means the
    /// entity of `canonical`, of `kind`, which keeps that name and kind whatever its
    /// mentions say. Then re-resolves the store so stored mentions follow; new imports
    /// follow at once.
    pub fn add_user_aliases(&mut self, aliases: &[UserAlias]) -> Result<ResolveReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for a in aliases {
            let (alias_key, canonical_key) = (identity_key(&a.alias), identity_key(&a.canonical));
            if a.alias.trim().is_empty() || a.canonical.trim().is_empty() {
                return Err(Error::InvalidArgument(format!(
                    "an alias needs a name and a canonical name (got {:?} -> {:?})",
                    a.alias, a.canonical
                )));
            }
            tx.execute(
                SQL_PUT_USER_ALIAS,
                params![alias_key, a.alias, a.kind, a.canonical, canonical_key],
            )?;
            let existing: Option<EntityId> = tx
                .query_row(SQL_ENTITY_OF_KEY, [&canonical_key], |r| r.get(0))
                .optional()?;
            match existing {
                Some(id) => {
                    let taken = tx
                        .query_row(SQL_TAKEN, params![a.kind, a.canonical, id], |_| Ok(()))
                        .optional()?
                        .is_some();
                    if taken {
                        tx.execute(SQL_FIX_KIND_ONLY, params![id, a.kind])?;
                    } else {
                        tx.execute(SQL_FIX, params![id, a.kind, a.canonical])?;
                    }
                }
                None => {
                    tx.execute(
                        SQL_INSERT_FIXED,
                        params![a.kind, a.canonical, canonical_key],
                    )?;
                }
            }
        }
        tx.commit()?;
        self.resolve_entities()
    }

    /// Removes a user alias (by any spelling of its name) and re-resolves the store:
    /// mentions of that name go back to the entity of their own name. Returns `None`
    /// when no such alias exists.
    pub fn remove_user_alias(&mut self, alias: &str) -> Result<Option<ResolveReport>> {
        let n = self
            .conn
            .execute(SQL_DEL_USER_ALIAS, [identity_key(alias)])?;
        if n == 0 {
            return Ok(None);
        }
        self.resolve_entities().map(Some)
    }

    /// The user's aliases, grouped by canonical name.
    pub fn user_aliases(&self) -> Result<Vec<UserAlias>> {
        let mut stmt = self.conn.prepare(SQL_USER_ALIASES)?;
        let rows = stmt.query_map([], |r| {
            Ok(UserAlias {
                alias: r.get(0)?,
                kind: r.get(1)?,
                canonical: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Reads an alias file: `alias<TAB>kind<TAB>canonical` per line, `#` comments and
/// blank lines ignored (the format of the shipped `data/aliases.tsv`). An error names
/// the line that is wrong.
pub fn parse_alias_file(text: &str, origin: &str) -> Result<Vec<UserAlias>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        let bad = |why: String| Error::Parse {
            origin: format!("{origin}, line {}", i + 1),
            message: why,
        };
        let [alias, kind, canonical] = cols.as_slice() else {
            return Err(bad(format!(
                "expected 3 tab-separated columns (alias, kind, canonical name), found {}",
                cols.len()
            )));
        };
        let kind: EntityKind = kind.parse().map_err(|e: Error| bad(e.to_string()))?;
        if alias.is_empty() || canonical.is_empty() {
            return Err(bad(
                "the alias and the canonical name must not be empty".into()
            ));
        }
        out.push(UserAlias {
            alias: alias.to_string(),
            kind,
            canonical: canonical.to_string(),
        });
    }
    Ok(out)
}
