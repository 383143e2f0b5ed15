//! Entity profiles (counts, first and last seen, aliases, co-occurring entities) and
//! entity rankings.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::cooccur::{cooccurrences, Cooccurrence, Level};
use crate::error::Result;
use crate::model::{ArticleId, Entity, EntityId, EntityKind};
use crate::resolve::corpus::Family;

/// How many co-occurring entities a profile lists.
pub const PROFILE_COOCCURRING: usize = 10;

/// Everything about one entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityProfile {
    /// Row id.
    pub id: EntityId,
    /// Canonical name.
    pub name: String,
    /// Person, organization, location or misc.
    pub kind: EntityKind,
    /// Every other surface it was named by, sorted.
    pub aliases: Vec<String>,
    /// Articles mentioning it.
    pub articles: i64,
    /// Mentions of it.
    pub mentions: i64,
    /// Earliest `published_at` of those articles.
    pub first_seen: Option<String>,
    /// Latest `published_at` of those articles.
    pub last_seen: Option<String>,
    /// The entities most often named in the same sentence (see [`cooccurrences`]).
    pub cooccurring: Vec<Cooccurrence>,
    /// For a person named by one word ("Howard"), the full-name persons that word is
    /// the surname of ("Michael Howard", "Ron Howard"): the people a lone surname may
    /// mean where its context did not say which (see the README, "Across the store"),
    /// most mentioned first, at most [`PROFILE_FULL_NAMES`]. Empty otherwise.
    pub full_names: Vec<EntityCount>,
}

/// How many full names a profile of a lone surname lists.
pub const PROFILE_FULL_NAMES: usize = 5;

/// An entity with its article and mention counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityCount {
    /// Row id.
    pub id: EntityId,
    /// Person, organization, location or misc.
    pub kind: EntityKind,
    /// Canonical name.
    pub name: String,
    /// Articles mentioning it (within the period or article asked about).
    pub articles: i64,
    /// Mentions of it (within the period or article asked about).
    pub mentions: i64,
}

/// A range of `published_at`: on or after `from`, on or before `to` at the precision
/// given (`2019-03` includes all of March); either end may be open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Period {
    /// First date included.
    pub from: Option<String>,
    /// Last date included.
    pub to: Option<String>,
}

const SQL_ARTICLES: &str =
    "SELECT units FROM entity_units WHERE entity_id = ?1 AND level = 'article'";
const SQL_MENTIONS: &str = "SELECT COUNT(*) FROM mentions WHERE entity_id = ?1";
const SQL_TOTAL_ARTICLES: &str = "SELECT COUNT(*) FROM articles";
/// Live persons whose name ends with `?1` ("Bashar al-Assad" ends with "Assad"; ASCII
/// case ignored: the surname rule in Rust decides), most mentioned first. Reads every
/// person row: a few thousand, even for a million articles.
const SQL_ENDING_WITH: &str = "SELECT e.id, e.kind, e.name, COALESCE(u.units, 0), c.mentions
    FROM entities e JOIN entity_mentions c ON c.entity_id = e.id
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.kind = 'person' AND e.merged_into IS NULL AND e.name LIKE '%_' || ?1
    ORDER BY c.mentions DESC, e.name";
const SQL_ALIASES: &str =
    "SELECT alias FROM entity_aliases WHERE entity_id = ?1 AND alias != ?2 ORDER BY alias";
// Few articles: read their dates. Many: walk the date index from either end until one
// of them turns up, which takes about (all articles / its articles) probes.
const SQL_SEEN_JOIN: &str = "SELECT MIN(a.published_at), MAX(a.published_at) FROM articles a
    WHERE a.id IN (SELECT article_id FROM mentions WHERE entity_id = ?1)";
const SQL_FIRST_WALK: &str = "SELECT a.published_at FROM articles a
    WHERE a.published_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = ?1 AND m.article_id = a.id)
    ORDER BY a.published_at LIMIT 1";
const SQL_LAST_WALK: &str = "SELECT a.published_at FROM articles a
    WHERE a.published_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = ?1 AND m.article_id = a.id)
    ORDER BY a.published_at DESC LIMIT 1";

/// From the summaries (`entity_mentions`, `entity_units`), not the mentions: the
/// `cut` walks the most mentioned entities (of the kind) down to the `?2`-th, and the
/// entities with at least its count are ranked in full, so ties at the cut are ranked
/// as the rest.
const SQL_TOP: &str = "WITH cut AS (
        SELECT c.mentions FROM entity_mentions c JOIN entities e ON e.id = c.entity_id
        WHERE ?1 IS NULL OR e.kind = ?1
        ORDER BY c.mentions DESC LIMIT 1 OFFSET max(?2 - 1, 0))
    SELECT e.id, e.kind, e.name, COALESCE(u.units, 0) AS articles, c.mentions AS mentions
    FROM entity_mentions c JOIN entities e ON e.id = c.entity_id
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE (?1 IS NULL OR e.kind = ?1) AND c.mentions >= COALESCE((SELECT mentions FROM cut), 0)
    ORDER BY mentions DESC, articles DESC, e.name LIMIT ?2";
const SQL_TOP_PERIOD: &str = "SELECT e.id, e.kind, e.name,
        COUNT(DISTINCT m.article_id) AS articles, COUNT(*) AS mentions
    FROM articles a JOIN mentions m ON m.article_id = a.id JOIN entities e ON e.id = m.entity_id
    WHERE (?1 IS NULL OR e.kind = ?1)
      AND (?3 IS NULL OR (a.published_at >= ?3
           AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
      AND (?4 IS NULL OR (substr(a.published_at, 1, length(?4)) <= ?4
           AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
    GROUP BY m.entity_id ORDER BY mentions DESC, articles DESC, e.name LIMIT ?2";
const SQL_IN_ARTICLE: &str = "SELECT e.id, e.kind, e.name, 1, COUNT(*) AS mentions
    FROM mentions m JOIN entities e ON e.id = m.entity_id
    WHERE m.article_id = ?1
    GROUP BY m.entity_id ORDER BY mentions DESC, e.kind, e.name";

fn count_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntityCount> {
    Ok(EntityCount {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        articles: r.get(3)?,
        mentions: r.get(4)?,
    })
}

/// The profile of the entity `name_or_id` names (resolved as
/// [`super::resolve_entity`] does), `Ok(None)` when it names none. Co-occurring
/// entities are counted per sentence, the top ten.
pub fn entity_profile(conn: &Connection, name_or_id: &str) -> Result<Option<EntityProfile>> {
    match super::resolve_entity(conn, name_or_id)? {
        Some(entity) => entity_profile_of(conn, entity).map(Some),
        None => Ok(None),
    }
}

/// The profile of `entity`, found already (by row id, say, where
/// [`entity_profile`] would try the text as a name first).
pub fn entity_profile_of(conn: &Connection, entity: Entity) -> Result<EntityProfile> {
    let id = entity.id;
    let articles: i64 = conn
        .prepare_cached(SQL_ARTICLES)?
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let mentions: i64 = conn
        .prepare_cached(SQL_MENTIONS)?
        .query_row([id], |r| r.get(0))?;
    let total: i64 = conn
        .prepare_cached(SQL_TOTAL_ARTICLES)?
        .query_row([], |r| r.get(0))?;
    let (first_seen, last_seen) = if articles.saturating_mul(articles) > total.saturating_mul(16) {
        let first = conn
            .prepare_cached(SQL_FIRST_WALK)?
            .query_row([id], |r| r.get(0))
            .optional()?;
        let last = conn
            .prepare_cached(SQL_LAST_WALK)?
            .query_row([id], |r| r.get(0))
            .optional()?;
        (first, last)
    } else {
        conn.prepare_cached(SQL_SEEN_JOIN)?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?
    };
    let aliases = conn
        .prepare_cached(SQL_ALIASES)?
        .query_map(params![id, entity.name], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let cooccurring = cooccurrences(conn, id, Level::Sentence, PROFILE_COOCCURRING)?;
    let full_names = full_names_of(conn, &entity)?;
    Ok(EntityProfile {
        id,
        name: entity.name,
        kind: entity.kind,
        aliases,
        articles,
        mentions,
        first_seen,
        last_seen,
        cooccurring,
        full_names,
    })
}

/// The full-name persons a one-word person name is the surname of, by the rule the
/// linking pass uses for its candidates ([`Family::Person`]).
fn full_names_of(conn: &Connection, entity: &Entity) -> Result<Vec<EntityCount>> {
    let family = Family::Person;
    if entity.kind != family.kind() {
        return Ok(Vec::new());
    }
    let Some(key) = family.lone_key(&entity.name) else {
        return Ok(Vec::new());
    };
    let word = entity.name.rsplit(' ').next().unwrap_or_default();
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached(SQL_ENDING_WITH)?;
    for row in stmt.query_map([word], count_from_row)? {
        let row = row?;
        if row.id != entity.id && family.candidate_key(&row.name).as_ref() == Some(&key) {
            out.push(row);
            if out.len() == PROFILE_FULL_NAMES {
                break;
            }
        }
    }
    Ok(out)
}

/// The most mentioned entities, optionally of one kind and within a period of
/// `published_at` (counts then cover that period only).
pub fn top_entities(
    conn: &Connection,
    kind: Option<EntityKind>,
    period: Option<&Period>,
    limit: u32,
) -> Result<Vec<EntityCount>> {
    let rows = match period {
        None => conn
            .prepare_cached(SQL_TOP)?
            .query_map(params![kind, limit], count_from_row)?
            .collect::<rusqlite::Result<_>>()?,
        Some(p) => conn
            .prepare_cached(SQL_TOP_PERIOD)?
            .query_map(params![kind, limit, p.from, p.to], count_from_row)?
            .collect::<rusqlite::Result<_>>()?,
    };
    Ok(rows)
}

/// The entities named in one article with their mention counts there (`articles` is
/// 1), most mentioned first.
pub fn entities_in_article(conn: &Connection, article: ArticleId) -> Result<Vec<EntityCount>> {
    let rows = conn
        .prepare_cached(SQL_IN_ARTICLE)?
        .query_map([article], count_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    #[test]
    fn a_lone_surname_lists_the_full_names_it_may_mean() {
        use crate::model::{Field, NewMention};
        let mut f = fixture::build();
        // "Assad was not named by Trump.": both surnames as entities of their own.
        let (_, _, body, _) = fixture::ARTICLES[1];
        for (needle, name) in [("Trump.", "Trump"), ("Assad was", "Assad")] {
            let e = f
                .store
                .entity_get_or_create(EntityKind::Person, name)
                .unwrap();
            let start = body.find(needle).unwrap();
            let m = NewMention::from_byte_range(e, Field::Body, body, start, start + name.len())
                .unwrap();
            f.store.add_mentions(f.articles[1], &[m]).unwrap();
        }
        let full = |name: &str| -> Vec<String> {
            let id = f.store.entities_named(name).unwrap()[0].id;
            entity_profile(f.store.conn(), &id.to_string())
                .unwrap()
                .unwrap()
                .full_names
                .into_iter()
                .map(|c| c.name)
                .collect()
        };
        assert_eq!(full("Trump"), ["Donald Trump"]);
        // The surname of "Bashar al-Assad" is "Assad": the particle is not part of it.
        assert_eq!(full("Assad"), ["Bashar al-Assad"]);
        // Full names, places and one-word names that are no one's surname list none.
        assert!(full("Donald Trump").is_empty());
        assert!(full("Tehran").is_empty());
        assert!(full("Zoë").is_empty());
    }

    #[test]
    fn profile_counts_dates_aliases_and_cooccurring() {
        let f = fixture::build();
        let p = entity_profile(f.store.conn(), "Assad").unwrap().unwrap();
        assert_eq!(p.name, "Bashar al-Assad");
        assert_eq!(p.kind, EntityKind::Person);
        assert_eq!(p.aliases, ["Assad"]);
        assert_eq!(p.articles, 3);
        assert_eq!(p.mentions, 5);
        assert_eq!(p.first_seen.as_deref(), Some("2019-02-25T10:00:00Z"));
        assert_eq!(p.last_seen.as_deref(), Some("2019-03-10T08:00:00Z"));
        let names: Vec<_> = p.cooccurring.iter().map(|c| c.name.as_str()).collect();
        assert!(names.contains(&"Ali Khamenei"), "{names:?}");
        assert!(entity_profile(f.store.conn(), "Nobody").unwrap().is_none());
    }

    #[test]
    fn frequent_entities_walk_the_date_index_to_the_same_answer() {
        let f = fixture::build();
        let c = f.store.conn();
        let id = f.entity("Bashar al-Assad");
        let walk = |sql: &str| -> Option<String> {
            c.query_row(sql, [id], |r| r.get(0)).optional().unwrap()
        };
        let (first, last): (Option<String>, Option<String>) = c
            .query_row(SQL_SEEN_JOIN, [id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
        assert_eq!(walk(SQL_FIRST_WALK), first);
        assert_eq!(walk(SQL_LAST_WALK), last);
    }

    #[test]
    fn top_entities_rank_by_mentions_with_kind_and_period() {
        let f = fixture::build();
        let c = f.store.conn();
        let top = top_entities(c, None, None, 2).unwrap();
        assert_eq!(top[0].name, "Bashar al-Assad");
        assert_eq!(top[0].mentions, 5);
        let places = top_entities(c, Some(EntityKind::Location), None, 10).unwrap();
        assert!(places.iter().all(|e| e.kind == EntityKind::Location));
        assert_eq!(places[0].name, "Tehran");
        let march = Period {
            from: Some("2019-03".into()),
            to: Some("2019-03".into()),
        };
        let in_march = top_entities(c, None, Some(&march), 10).unwrap();
        let names: Vec<_> = in_march.iter().map(|e| e.name.as_str()).collect();
        assert!(
            names.contains(&"Donald Trump") && !names.contains(&"Zoë"),
            "{names:?}"
        );
        let in_a3 = entities_in_article(c, f.articles[2]).unwrap();
        assert_eq!(in_a3.len(), 3);
    }
}
