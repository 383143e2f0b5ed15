//! The corpus pass that links lone surnames ("Mr Howard" in an article that never
//! names him in full) to a full-name person of other articles, by context
//! ([`crate::resolve::link`] decides; this gathers the evidence and moves mentions).
//!
//! The evidence is a function of the mentions that are not lone surnames (their
//! entities, their articles), never of earlier links: the pass decides the same
//! whatever order articles came in and however often it runs. Linked mentions keep
//! their local name and carry the person's name in `linked_name`; a mention the
//! context no longer supports goes back to the entity of its own name. Names a person
//! merged or fixed by hand are left alone.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::{params, Connection};

use super::{entities, units};
use crate::error::Result;
use crate::model::{ArticleId, EntityId, EntityKind};
use crate::resolve::link::{self, Candidate, Profile};
use crate::resolve::{full_name_surname, identity_key, plausible_full_name, surname_only};

/// Every name of every person entity: the candidates a lone surname may mean.
const SQL_PERSON_NAMES: &str = "SELECT n.entity_id, n.name FROM entity_names n
    JOIN entities e ON e.id = n.entity_id
    WHERE e.kind = 'person' AND e.merged_into IS NULL AND n.mentions > 0
    ORDER BY n.entity_id, n.name";
/// Lone person mentions: a one-word local name (index `mentions_lone_persons`).
const SQL_LONE: &str = "SELECT id, article_id, entity_id, local_name, surface FROM mentions
    WHERE local_kind = 'person' AND instr(local_name, ' ') = 0
    ORDER BY article_id, id";
/// The condition of a mention that is not a lone person mention.
macro_rules! not_lone {
    () => {
        "NOT (local_kind IS 'person' AND instr(COALESCE(local_name, ' '), ' ') = 0)"
    };
}
const SQL_CONTEXT: &str = concat!(
    "SELECT DISTINCT entity_id FROM mentions WHERE article_id = ?1 AND ",
    not_lone!(),
    " ORDER BY entity_id"
);
const SQL_ARTICLES_OF: &str = concat!(
    "SELECT DISTINCT article_id FROM mentions WHERE entity_id = ?1 AND ",
    not_lone!(),
    " ORDER BY article_id"
);
const SQL_ARTICLE_COUNT: &str = "SELECT COUNT(*) FROM articles";
const SQL_USER_FIXED: &str = "SELECT user_fixed FROM entities WHERE id = ?1";
const SQL_NAME_OF: &str = "SELECT name FROM entities WHERE id = ?1";
const SQL_LINK: &str = "UPDATE mentions SET entity_id = ?2, linked_name = ?3 WHERE id = ?1";
const SQL_MARK_PENDING: &str = "INSERT OR IGNORE INTO pending_surname_links (key) VALUES (?1)";
const SQL_PENDING: &str = "SELECT key FROM pending_surname_links";
const SQL_CLEAR_PENDING: &str = "DELETE FROM pending_surname_links";

/// Records that lone surnames with this key (or full names ending with it) were
/// written, for [`link_pending`] to link.
pub(crate) fn mark_pending(conn: &Connection, key: &str) -> Result<()> {
    conn.prepare_cached(SQL_MARK_PENDING)?.execute([key])?;
    Ok(())
}

/// Links the lone surnames of every pending key and clears the list, on the caller's
/// transaction. Returns how many mentions changed entity.
pub(crate) fn link_pending(conn: &Connection) -> Result<u64> {
    let keys: HashSet<String> = conn
        .prepare(SQL_PENDING)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if keys.is_empty() {
        return Ok(0);
    }
    let moved = link_lone_names(conn, Some(&keys))?;
    conn.execute(SQL_CLEAR_PENDING, [])?;
    Ok(moved)
}

/// Links every lone surname of the store and clears the pending list.
pub(crate) fn link_all(conn: &Connection) -> Result<u64> {
    let moved = link_lone_names(conn, None)?;
    conn.execute(SQL_CLEAR_PENDING, [])?;
    Ok(moved)
}

/// One lone mention as the pass reads it.
struct Lone {
    id: i64,
    entity: EntityId,
    name: String,
    surface: String,
}

/// Caches of one pass: every query result is a function of the store as it was when
/// the pass began (lone mentions are never part of them).
struct Evidence<'c> {
    conn: &'c Connection,
    articles: f64,
    contexts: HashMap<ArticleId, Vec<EntityId>>,
    shares: HashMap<EntityId, f64>,
    profiles: HashMap<EntityId, (Profile<EntityId>, HashSet<ArticleId>)>,
}

impl Evidence<'_> {
    fn context(&mut self, article: ArticleId) -> Result<&Vec<EntityId>> {
        if !self.contexts.contains_key(&article) {
            let ids: Vec<EntityId> = self
                .conn
                .prepare_cached(SQL_CONTEXT)?
                .query_map([article], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            self.contexts.insert(article, ids);
        }
        Ok(&self.contexts[&article])
    }

    fn articles_of(&self, entity: EntityId) -> Result<Vec<ArticleId>> {
        Ok(self
            .conn
            .prepare_cached(SQL_ARTICLES_OF)?
            .query_map([entity], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// The share of all articles that mention `entity` (other than as a lone name).
    fn share(&mut self, entity: EntityId) -> Result<f64> {
        if let Some(&s) = self.shares.get(&entity) {
            return Ok(s);
        }
        let s = self.articles_of(entity)?.len() as f64 / self.articles.max(1.0);
        self.shares.insert(entity, s);
        Ok(s)
    }

    fn profile(&mut self, entity: EntityId) -> Result<&(Profile<EntityId>, HashSet<ArticleId>)> {
        if !self.profiles.contains_key(&entity) {
            let articles = self.articles_of(entity)?;
            let mut shared: HashMap<EntityId, u32> = HashMap::new();
            for &a in &articles {
                for &e in self.context(a)? {
                    if e != entity {
                        *shared.entry(e).or_default() += 1;
                    }
                }
            }
            let profile = Profile {
                articles: articles.len() as u32,
                shared,
            };
            self.profiles
                .insert(entity, (profile, articles.into_iter().collect()));
        }
        Ok(&self.profiles[&entity])
    }
}

/// Links (or unlinks) the lone person mentions whose surname key is in `keys` (every
/// one when `None`), on the caller's transaction. Returns how many mentions changed
/// entity.
fn link_lone_names(conn: &Connection, keys: Option<&HashSet<String>>) -> Result<u64> {
    let wanted = |key: &str| keys.is_none_or(|k| k.contains(key));
    // Candidates per surname key, in entity order.
    let mut candidates: BTreeMap<String, Vec<EntityId>> = BTreeMap::new();
    {
        let mut stmt = conn.prepare(SQL_PERSON_NAMES)?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, EntityId>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (id, name) = row?;
            if !plausible_full_name(&name) {
                continue;
            }
            let Some(key) = full_name_surname(&name) else {
                continue;
            };
            if !wanted(&key) {
                continue;
            }
            let ids = candidates.entry(key).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    // Lone mentions per (article, surname key).
    let mut groups: BTreeMap<(ArticleId, String), Vec<Lone>> = BTreeMap::new();
    {
        let mut stmt = conn.prepare(SQL_LONE)?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, ArticleId>(1)?,
                Lone {
                    id: r.get(0)?,
                    entity: r.get(2)?,
                    name: r.get(3)?,
                    surface: r.get(4)?,
                },
            ))
        })?;
        for row in rows {
            let (article, lone) = row?;
            let Some(key) = surname_only(&lone.name) else {
                continue;
            };
            if wanted(&key) {
                groups.entry((article, key)).or_default().push(lone);
            }
        }
    }
    let mut evidence = Evidence {
        conn,
        articles: conn.query_row(SQL_ARTICLE_COUNT, [], |r| r.get::<_, i64>(0))? as f64,
        contexts: HashMap::new(),
        shares: HashMap::new(),
        profiles: HashMap::new(),
    };
    let mut delta = units::Delta::default();
    let mut moved = 0u64;
    let mut left: Vec<EntityId> = Vec::new();
    for ((article, key), lones) in groups {
        let cands = candidates.get(&key).map(Vec::as_slice).unwrap_or_default();
        let target = choose(&mut evidence, article, cands)?;
        let mut changes: Vec<(&Lone, EntityId, Option<String>)> = Vec::new();
        for lone in &lones {
            // A name a person merged away or fixed is theirs to decide.
            let own = entities::lookup_key(conn, &identity_key(&lone.name), None)?;
            if let Some((id, merges)) = &own {
                let fixed: i64 = conn
                    .prepare_cached(SQL_USER_FIXED)?
                    .query_row([id], |r| r.get(0))?;
                if !merges.is_empty() || fixed != 0 {
                    continue;
                }
            }
            let (entity, linked) = match target {
                Some(t) => {
                    let name: String = conn
                        .prepare_cached(SQL_NAME_OF)?
                        .query_row([t], |r| r.get(0))?;
                    (t, Some(name))
                }
                None => match own {
                    Some((id, _)) => (id, None),
                    None => (
                        entities::lookup_or_create(conn, EntityKind::Person, &lone.name)?.0,
                        None,
                    ),
                },
            };
            if entity != lone.entity {
                changes.push((lone, entity, linked));
            }
        }
        if changes.is_empty() {
            continue;
        }
        units::refresh_into(conn, &[article], &mut delta, || {
            for (lone, entity, linked) in &changes {
                conn.prepare_cached(SQL_LINK)?
                    .execute(params![lone.id, entity, linked])?;
                entities::add_alias(conn, *entity, &lone.surface)?;
            }
            Ok(())
        })?;
        moved += changes.len() as u64;
        left.extend(changes.iter().map(|(lone, _, _)| lone.entity));
    }
    delta.apply(conn)?;
    left.sort_unstable();
    left.dedup();
    for id in left {
        entities::drop_if_unused(conn, id)?;
    }
    Ok(moved)
}

/// The candidate the article's context points to, if any.
fn choose(
    evidence: &mut Evidence<'_>,
    article: ArticleId,
    candidates: &[EntityId],
) -> Result<Option<EntityId>> {
    if candidates.is_empty() {
        return Ok(None);
    }
    let context_ids = evidence.context(article)?.clone();
    let mut context = Vec::with_capacity(context_ids.len());
    for e in context_ids {
        if !candidates.contains(&e) {
            context.push((e, evidence.share(e)?));
        }
    }
    for &c in candidates {
        evidence.profile(c)?;
    }
    let seen: Vec<Candidate<'_, EntityId>> = candidates
        .iter()
        .map(|c| {
            let (profile, articles) = &evidence.profiles[c];
            Candidate {
                profile,
                in_article: articles.contains(&article),
            }
        })
        .collect();
    Ok(link::choose(&seen, &context).map(|i| candidates[i]))
}
