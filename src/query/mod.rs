//! The read side: ranked full-text search, entity profiles, co-occurrence with PMI,
//! mentions in context, timelines, statistics and streaming export. Every function
//! takes a `&Connection` (use [`crate::Store::conn`]) and never writes.
//!
//! ```
//! use newsdb::query::{self, Level, SearchOptions};
//! use newsdb::{EntityKind, Field, NewArticle, NewMention, Store};
//!
//! let mut store = Store::open_in_memory()?;
//! let body = "Bashar al-Assad met Ali Khamenei in Tehran.";
//! let id = store
//!     .upsert_article(&NewArticle {
//!         external_id: "a1".into(),
//!         title: "Assad in Tehran".into(),
//!         body: body.into(),
//!         ..Default::default()
//!     })?
//!     .id;
//! let mut spans = Vec::new();
//! for (kind, name) in [(EntityKind::Person, "Bashar al-Assad"), (EntityKind::Person, "Ali Khamenei")] {
//!     let e = store.entity_get_or_create(kind, name)?;
//!     let start = body.find(name).expect("the name is in the body");
//!     let mut m = NewMention::from_byte_range(e, Field::Body, body, start, start + name.len())?;
//!     m.sentence = Some(0);
//!     m.paragraph = Some(0);
//!     spans.push(m);
//! }
//! store.add_mentions(id, &spans)?;
//!
//! let hits = query::search(store.conn(), "tehran", &SearchOptions::default())?;
//! assert_eq!(hits[0].external_id, "a1");
//! let assad = query::resolve_entity(store.conn(), "Bashar al-Assad")?.expect("stored above");
//! let with = query::cooccurrences(store.conn(), assad.id, Level::Sentence, 10)?;
//! assert_eq!(with[0].name, "Ali Khamenei");
//! # Ok::<(), newsdb::Error>(())
//! ```

mod context;
mod cooccur;
pub(crate) mod deadline;
mod export;
mod matching;
mod network;
#[cfg(feature = "parquet")]
mod parquet;
mod profile;
mod search;
mod stats;
mod suggest;
mod timeline;

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;
use crate::model::Entity;
use crate::store::entities::entity_from_row;

pub use context::{
    boilerplate_paragraphs, escape_marked, mark, marked_segments, marked_text, mentions_in_context,
    mentions_in_context_during, split_paragraphs, KwicRow, Segment, MARK_CLOSE, MARK_OPEN,
};
pub use cooccur::{cooccurrences, cooccurrences_during, Cooccurrence, Level};
pub use export::{export_articles, export_entities, export_mentions, ExportFormat};
pub use matching::{match_entities, EntityMatch};
pub use network::{
    neighbourhood, network, write_network, write_network_csv, xml_escape, Edge, GraphFormat,
    Network, NetworkOptions, Node,
};
#[cfg(feature = "parquet")]
pub use parquet::{
    export_parquet, parquet_schema_json, ColumnType, ParquetColumn, ParquetFile, ParquetOptions,
    ParquetTable, Partition, BATCH_BYTES, BATCH_ROWS, PARQUET_TABLES, SCHEMA_FILE, UNKNOWN_MONTH,
};
pub use profile::{
    entities_in_article, entity_profile, entity_profile_of, top_entities, EntityCount,
    EntityProfile, Period, PROFILE_FULL_NAMES,
};
pub use search::{
    count_hits, list_articles, search, ArticleRow, Filters, SearchHit, SearchOptions, Sort,
    MAX_QUERY_CHARS, MAX_QUERY_TERMS,
};
pub use stats::{
    database_stats, recent_imports, ImportProblem, ImportRun, Stats, IMPORT_ERRORS_SHOWN,
};
pub use suggest::{suggest_merges, MergeSuggestion};
pub use timeline::{timeline, Bucket, Timeline, TimelineRow};

// Among entities of several kinds with the same name, the one in most articles wins.
const SQL_BY_NAME: &str = "SELECT e.id, e.kind, e.name FROM entities e
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.name = ?1 ORDER BY COALESCE(u.units, 0) DESC, e.id LIMIT 1";
const SQL_BY_ALIAS: &str = "SELECT e.id, e.kind, e.name FROM entity_aliases al
    JOIN entities e ON e.id = al.entity_id
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE al.alias = ?1 ORDER BY COALESCE(u.units, 0) DESC, e.id LIMIT 1";
const SQL_BY_ID: &str = "SELECT id, kind, name FROM entities WHERE id = ?1";
const SQL_BY_NAME_NOCASE: &str = "SELECT e.id, e.kind, e.name FROM entities e
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.name = ?1 COLLATE NOCASE ORDER BY COALESCE(u.units, 0) DESC, e.id LIMIT 1";
const SQL_BY_ALIAS_NOCASE: &str = "SELECT e.id, e.kind, e.name FROM entity_aliases al
    JOIN entities e ON e.id = al.entity_id
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE al.alias = ?1 COLLATE NOCASE ORDER BY COALESCE(u.units, 0) DESC, e.id LIMIT 1";
const SQL_LIKE: &str = "SELECT e.name FROM entities e
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.name LIKE '%' || ?1 || '%' ESCAPE '\\'
    GROUP BY e.name ORDER BY MAX(COALESCE(u.units, 0)) DESC, e.name LIMIT ?2";
const SQL_ALL_NAMES: &str = "SELECT DISTINCT name FROM entities";

/// How many names [`suggest`] returns at most.
pub const MAX_SUGGESTIONS: usize = 5;

/// Finds an entity by what a person typed: the exact canonical name, then an exact
/// alias, then a row id (when `name_or_id` is a number), then the name and the alias
/// ignoring ASCII case. Among entities of several kinds with the same name the one in
/// most articles is chosen. `Ok(None)` when nothing matches.
pub fn resolve_entity(conn: &Connection, name_or_id: &str) -> Result<Option<Entity>> {
    let name = name_or_id.trim();
    let lookup = |sql: &str, value: &dyn rusqlite::ToSql| -> Result<Option<Entity>> {
        Ok(conn
            .prepare_cached(sql)?
            .query_row([value], entity_from_row)
            .optional()?)
    };
    if let Some(e) = lookup(SQL_BY_NAME, &name)? {
        return Ok(Some(e));
    }
    if let Some(e) = lookup(SQL_BY_ALIAS, &name)? {
        return Ok(Some(e));
    }
    if let Ok(id) = name.parse::<i64>() {
        if let Some(e) = lookup(SQL_BY_ID, &id)? {
            return Ok(Some(e));
        }
    }
    if let Some(e) = lookup(SQL_BY_NAME_NOCASE, &name)? {
        return Ok(Some(e));
    }
    lookup(SQL_BY_ALIAS_NOCASE, &name)
}

// Every entity a typed name could mean, at each step of [`find_entities`].
const SQL_ALL_BY_NAME: &str = "SELECT e.id FROM entities e
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.name = ?1 ORDER BY COALESCE(u.units, 0) DESC, e.id";
const SQL_ALL_BY_ALIAS: &str = "SELECT e.id FROM entity_aliases al
    JOIN entities e ON e.id = al.entity_id
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE al.alias = ?1 ORDER BY COALESCE(u.units, 0) DESC, e.id";
const SQL_ALL_BY_ID: &str = "SELECT id FROM entities WHERE id = ?1";
const SQL_ALL_BY_NAME_NOCASE: &str = "SELECT e.id FROM entities e
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.name = ?1 COLLATE NOCASE ORDER BY COALESCE(u.units, 0) DESC, e.id";
const SQL_ALL_BY_ALIAS_NOCASE: &str = "SELECT e.id FROM entity_aliases al
    JOIN entities e ON e.id = al.entity_id
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE al.alias = ?1 COLLATE NOCASE ORDER BY COALESCE(u.units, 0) DESC, e.id";
const SQL_ALL_BY_KEY: &str = "SELECT e.id FROM entities e
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.key = ?1 ORDER BY COALESCE(u.units, 0) DESC, e.id";
const SQL_MERGED_INTO: &str = "SELECT merged_into FROM entities WHERE id = ?1";

/// Every entity `name_or_id` may mean, of `kind` if given, most written about first:
/// the first of these steps that finds any decides, exact canonical name, exact
/// alias, row id, name and alias ignoring case, then the identity key ("kilroy silk"
/// finds "Kilroy-Silk"). An entity merged into another stands for its target. More
/// than one entity means the name is ambiguous: a caller should say so and list them,
/// never pick one silently.
pub fn find_entities(
    conn: &Connection,
    name_or_id: &str,
    kind: Option<crate::model::EntityKind>,
) -> Result<Vec<Entity>> {
    let name = name_or_id.trim();
    let key = crate::resolve::identity_key(name);
    let id: Option<i64> = name.parse().ok();
    let steps: [(&str, &dyn rusqlite::ToSql); 6] = [
        (SQL_ALL_BY_NAME, &name),
        (SQL_ALL_BY_ALIAS, &name),
        (SQL_ALL_BY_ID, &id),
        (SQL_ALL_BY_NAME_NOCASE, &name),
        (SQL_ALL_BY_ALIAS_NOCASE, &name),
        (SQL_ALL_BY_KEY, &key),
    ];
    for (sql, value) in steps {
        let ids: Vec<i64> = conn
            .prepare_cached(sql)?
            .query_map([value], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut found: Vec<Entity> = Vec::new();
        for id in ids {
            let Some(e) = live_entity(conn, crate::model::EntityId(id))? else {
                continue;
            };
            if kind.is_none_or(|k| k == e.kind) && !found.iter().any(|f| f.id == e.id) {
                found.push(e);
            }
        }
        if !found.is_empty() {
            return Ok(found);
        }
    }
    Ok(Vec::new())
}

/// The entity with row id `id`, or the one it was merged into (merges followed to
/// the end of the chain); `Ok(None)` when there is no such row.
pub fn live_entity(conn: &Connection, id: crate::model::EntityId) -> Result<Option<Entity>> {
    let mut id = id.0;
    // A chain is short; a cycle stops at the bound.
    for _ in 0..32 {
        let next: Option<i64> = conn
            .prepare_cached(SQL_MERGED_INTO)?
            .query_row([id], |r| r.get(0))
            .optional()?
            .flatten();
        match next {
            Some(n) => id = n,
            None => break,
        }
    }
    Ok(conn
        .prepare_cached(SQL_BY_ID)?
        .query_row([id], entity_from_row)
        .optional()?)
}

/// Canonical names close to `name`, for "did you mean" messages: names containing it
/// (most frequent first), then names within a small edit distance (ignoring case).
/// At most [`MAX_SUGGESTIONS`]; empty when nothing is close.
pub fn suggest(conn: &Connection, name: &str) -> Result<Vec<String>> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(Vec::new());
    }
    let escaped = name
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut out: Vec<String> = conn
        .prepare_cached(SQL_LIKE)?
        .query_map(rusqlite::params![escaped, MAX_SUGGESTIONS as i64], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?;
    if out.len() < MAX_SUGGESTIONS {
        let wanted = name.to_lowercase();
        let budget = (wanted.chars().count() / 3).max(2);
        let mut near: Vec<(usize, String)> = Vec::new();
        let mut stmt = conn.prepare_cached(SQL_ALL_NAMES)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let candidate: String = r.get(0)?;
            let d = edit_distance(&wanted, &candidate.to_lowercase(), budget);
            if d <= budget && !out.contains(&candidate) {
                near.push((d, candidate));
            }
        }
        near.sort();
        out.extend(
            near.into_iter()
                .map(|(_, n)| n)
                .take(MAX_SUGGESTIONS - out.len()),
        );
    }
    Ok(out)
}

/// Levenshtein distance in characters, giving up (returning `budget + 1`) as soon as
/// it must exceed `budget`.
fn edit_distance(a: &str, b: &str, budget: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > budget {
        return budget + 1;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > budget {
            return budget + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A small store shared by the unit tests of this module.
#[cfg(test)]
pub(crate) mod fixture {
    use crate::model::{ArticleId, EntityId, EntityKind, Field, NewArticle, NewMention};
    use crate::Store;

    /// (external id, title, body, published_at).
    pub type Text = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    );

    /// Article texts.
    pub const ARTICLES: [Text; 3] = [
        (
            "a1",
            "Assad meets Khamenei in Tehran",
            "Bashar al-Assad travelled to Tehran to meet Ali Khamenei.\n\
             Khamenei praised Assad on Monday. The US was not pleased.",
            Some("2019-02-25T10:00:00Z"),
        ),
        (
            "a2",
            "Trump talks about Iran",
            "Donald Trump spoke about Iran and Tehran.\nAssad was not named by Trump.",
            Some("2019-03-10T08:00:00Z"),
        ),
        (
            "a3",
            "Zoë in Zürich",
            "Zoë visited Zürich with Bashar al-Assad. Zoë liked Zürich.",
            None,
        ),
    ];

    /// The fixture: ids of the three articles and of the entities by name.
    pub struct Fixture {
        /// The store.
        pub store: Store,
        /// Article ids in the order of [`ARTICLES`].
        pub articles: Vec<ArticleId>,
    }

    impl Fixture {
        /// The id of an entity by canonical name.
        pub fn entity(&self, name: &str) -> EntityId {
            self.store.entities_named(name).unwrap()[0].id
        }
    }

    /// Marks the first occurrence of `needle` in `field` of article `i`: its prefix
    /// `surface` becomes a mention of `name`, with the paragraph (newlines before) and
    /// sentence (periods before) indexes.
    #[allow(clippy::too_many_arguments)]
    fn mark(
        store: &mut Store,
        article: ArticleId,
        i: usize,
        field: Field,
        needle: &str,
        surface: &str,
        kind: EntityKind,
        name: &str,
    ) {
        let (_, title, body, _) = ARTICLES[i];
        let text = if field == Field::Title { title } else { body };
        let e = store.entity_get_or_create(kind, name).unwrap();
        store.add_alias(e, surface).unwrap();
        let start = text.find(needle).unwrap();
        let mut m =
            NewMention::from_byte_range(e, field, text, start, start + surface.len()).unwrap();
        m.paragraph = Some(text[..start].matches('\n').count() as i64);
        m.sentence = Some(text[..start].matches('.').count() as i64);
        store.add_mentions(article, &[m]).unwrap();
    }

    /// Builds the fixture store.
    pub fn build() -> Fixture {
        use EntityKind::*;
        use Field::*;
        let mut store = Store::open_in_memory().unwrap();
        let mut articles = Vec::new();
        for (ext, title, body, published) in ARTICLES {
            let a = NewArticle {
                external_id: ext.into(),
                title: title.into(),
                body: body.into(),
                source: Some(if ext == "a3" { "blog" } else { "wire" }.into()),
                language: Some("eng".into()),
                published_at: published.map(String::from),
                ..Default::default()
            };
            articles.push(store.upsert_article(&a).unwrap().id);
        }
        let assad = (Person, "Bashar al-Assad");
        let khamenei = (Person, "Ali Khamenei");
        let tehran = (Location, "Tehran");
        type Mark = (
            usize,
            Field,
            &'static str,
            &'static str,
            (EntityKind, &'static str),
        );
        #[rustfmt::skip]
        let marks: &[Mark] = &[
            (0, Title, "Assad", "Assad", assad),
            (0, Title, "Khamenei", "Khamenei", khamenei),
            (0, Title, "Tehran", "Tehran", tehran),
            (0, Body, "Bashar al-Assad", "Bashar al-Assad", assad),
            (0, Body, "Tehran", "Tehran", tehran),
            (0, Body, "Ali Khamenei", "Ali Khamenei", khamenei),
            (0, Body, "Khamenei praised", "Khamenei", khamenei),
            (0, Body, "Assad on", "Assad", assad),
            (0, Body, "US", "US", (Location, "United States")),
            (1, Body, "Donald Trump", "Donald Trump", (Person, "Donald Trump")),
            (1, Body, "Iran", "Iran", (Location, "Iran")),
            (1, Body, "Tehran", "Tehran", tehran),
            (1, Body, "Assad was", "Assad", assad),
            (2, Body, "Zoë visited", "Zoë", (Person, "Zoë")),
            (2, Body, "Zürich with", "Zürich", (Location, "Zürich")),
            (2, Body, "Bashar al-Assad", "Bashar al-Assad", assad),
        ];
        for &(i, field, needle, surface, (kind, name)) in marks {
            mark(
                &mut store,
                articles[i],
                i,
                field,
                needle,
                surface,
                kind,
                name,
            );
        }
        Fixture { store, articles }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_resolve_by_name_alias_id_and_case() {
        let f = fixture::build();
        let c = f.store.conn();
        let assad = f.entity("Bashar al-Assad");
        for key in [
            "Bashar al-Assad".to_string(),
            "Assad".into(),
            assad.0.to_string(),
            "bashar AL-assad".into(),
            "assad".into(),
        ] {
            assert_eq!(resolve_entity(c, &key).unwrap().unwrap().id, assad, "{key}");
        }
        assert!(resolve_entity(c, "Nobody").unwrap().is_none());
    }

    #[test]
    fn live_entity_follows_merges_and_misses_unknown_ids() {
        let mut f = fixture::build();
        let (assad, zoe) = (f.entity("Bashar al-Assad"), f.entity("Zoë"));
        f.store.merge_entities(zoe, assad).unwrap();
        let c = f.store.conn();
        assert_eq!(live_entity(c, zoe).unwrap().unwrap().id, assad);
        assert_eq!(live_entity(c, assad).unwrap().unwrap().id, assad);
        assert!(live_entity(c, crate::model::EntityId(9999))
            .unwrap()
            .is_none());
    }

    #[test]
    fn suggestions_find_substrings_and_typos() {
        let f = fixture::build();
        let c = f.store.conn();
        assert_eq!(suggest(c, "Khamenei").unwrap(), vec!["Ali Khamenei"]);
        assert!(suggest(c, "Donald Trupm")
            .unwrap()
            .contains(&"Donald Trump".to_string()));
        assert!(suggest(c, "qqqqqqqqqq").unwrap().is_empty());
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("zoë", "zoe", 3), 1);
        assert_eq!(edit_distance("kitten", "sitting", 5), 3);
        assert_eq!(edit_distance("a", "abcdef", 2), 3);
    }
}
