//! Full-text search over titles and bodies (FTS5, bm25 with the title weighted five
//! times the body), with snippets, filters and two orders, plus filtered article lists.
//!
//! Two stages keep ranked search as fast as the bare FTS5 query: the first finds the
//! page of row ids (ranking only, no article columns, no snippets), the second fetches
//! columns and a snippet for those few rows alone.
//!
//! Newest-first without filters never ranks or sorts every match: it walks
//! `articles_by_published_at` from the newest article and asks FTS5 whether each one
//! matches (`MATCH ?1 AND rowid = ?2`, a doclist seek, about 50 µs at 1M articles).
//! Frequent words fill the page within a few probes. Beside the walk, each probe
//! pays for reading a few hundred match ids (in rowid order, under 0.1 µs each):
//! an article below the highest id read needs no probe, and once every id is read
//! (a rare word) the walk tests each article against that set. Either way the cost
//! stays within about twice the cheaper of the two. Only when the rest of the walk
//! would cost more than reading each match's date from its row (the matches are
//! few, or all old) are the matches sorted by date instead.

use std::collections::HashSet;
use std::time::Duration;

use foldhash::fast::RandomState as Fast;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};
use serde::Serialize;

use super::deadline::Deadline;

use crate::error::{Error, Result};
use crate::model::{ArticleId, EntityKind};

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best bm25 score first (title matches weigh five times body matches).
    #[default]
    Relevance,
    /// Latest `published_at` first (articles without a date last), then highest id.
    Newest,
}

/// Restrictions shared by [`search`] and [`list_articles`]; `None` means no restriction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Only articles mentioning this entity (canonical name, alias or id, resolved as
    /// [`super::resolve_entity`] does).
    pub entity: Option<String>,
    /// Only articles mentioning some entity of this kind.
    pub kind: Option<EntityKind>,
    /// Only articles published on or after this date (ISO-8601 prefix, e.g. `2019-03`).
    pub since: Option<String>,
    /// Only articles published on or before this date, inclusive at the precision
    /// given (`2019-03` includes all of March).
    pub until: Option<String>,
    /// Only articles from this source.
    pub source: Option<String>,
    /// Only articles in this language (ISO 639-3).
    pub language: Option<String>,
}

impl Filters {
    fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// What [`search`] should do besides matching.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchOptions {
    /// Search the words as typed: every word is quoted, so FTS5 operators and
    /// punctuation lose their meaning.
    pub literal: bool,
    /// Result order.
    pub sort: Sort,
    /// Restrictions.
    pub filters: Filters,
    /// How many hits to return.
    pub limit: u32,
    /// How many hits to skip first.
    pub offset: u32,
    /// Text placed before and after each matched term in snippets.
    pub highlight: (String, String),
    /// Stop a search still running after this long (an error that names the
    /// timeout); `None` for no limit.
    pub timeout: Option<Duration>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            literal: false,
            sort: Sort::Relevance,
            filters: Filters::default(),
            limit: 20,
            offset: 0,
            highlight: ("«".into(), "»".into()),
            timeout: None,
        }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// Article row id.
    pub id: ArticleId,
    /// Stable external id.
    pub external_id: String,
    /// Publication time.
    pub published_at: Option<String>,
    /// The title.
    pub title: String,
    /// Relevance: minus the FTS5 bm25 score (title weight 5, body weight 1), so that
    /// higher is better and 0 means barely relevant (a word in more than half of the
    /// articles scores near 0). `None` when sorting newest first: scoring a page of a
    /// common word would cost more than finding it.
    pub relevance: Option<f64>,
    /// A short extract around the matches, matched terms highlighted.
    pub snippet: String,
    /// Publisher or feed name.
    pub source: Option<String>,
    /// Language code.
    pub language: Option<String>,
}

/// An article in a filtered list (no body).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleRow {
    /// Row id.
    pub id: ArticleId,
    /// Stable external id.
    pub external_id: String,
    /// The title.
    pub title: String,
    /// Language code.
    pub language: Option<String>,
    /// Publisher or feed name.
    pub source: Option<String>,
    /// Publication time.
    pub published_at: Option<String>,
}

/// Ranked page of row ids, no filters: the same work as the bare FTS5 query.
/// One statement for an unfiltered relevance page: the inner query is the bare
/// ranked FTS5 query (bm25 with the title weighted 5:1) returning ids only; the outer
/// one adds columns and `snippet()` for the page's rows alone. (FTS5's own
/// `rank MATCH 'bm25(5.0, 1.0)' ORDER BY rank` measured 40% slower.)
/// `CROSS JOIN` keeps the page `f` the outer loop: with the limit a bound parameter,
/// SQLite cannot tell the page is small and otherwise drives the join from the second
/// `MATCH` (every matching article, each probed into `f`): 4x the bare ranking on a
/// million articles.
const SQL_RANKED_HITS: &str = "SELECT a.id, a.external_id, a.published_at, a.title,
        f.score, snippet(articles_fts, -1, ?4, ?5, '…', 16), a.source, a.language
    FROM (SELECT rowid AS id, bm25(articles_fts, 5.0, 1.0) AS score FROM articles_fts
          WHERE articles_fts MATCH ?1 ORDER BY score LIMIT ?2 OFFSET ?3) f
    CROSS JOIN articles a ON a.id = f.id
    CROSS JOIN articles_fts ON articles_fts.rowid = f.id AND articles_fts MATCH ?1
    ORDER BY f.score, f.id";

/// The filter clauses, `?2`..`?7`: entity id, kind, since, until, source, language.
/// A date filter admits only dates newsdb parsed (ISO-8601, `YYYY-MM...`): a date kept
/// as given ("next tuesday") compares as text and would pass every `since`.
macro_rules! filtered {
    ($select:literal, $order:literal) => {
        concat!(
            $select,
            " WHERE articles_fts MATCH ?1
              AND (?2 IS NULL OR EXISTS (SELECT 1 FROM mentions m
                   WHERE m.entity_id = ?2 AND m.article_id = a.id))
              AND (?3 IS NULL OR EXISTS (SELECT 1 FROM mentions m
                   JOIN entities e ON e.id = m.entity_id
                   WHERE m.article_id = a.id AND e.kind = ?3))
              AND (?4 IS NULL OR (a.published_at >= ?4
                   AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
              AND (?5 IS NULL OR (substr(a.published_at, 1, length(?5)) <= ?5
                   AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
              AND (?6 IS NULL OR a.source = ?6)
              AND (?7 IS NULL OR a.language = ?7) ",
            $order,
            " LIMIT ?8 OFFSET ?9"
        )
    };
}

const SQL_FILTERED_RANKED: &str = filtered!(
    "SELECT a.id, bm25(articles_fts, 5.0, 1.0) AS score
     FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid",
    "ORDER BY score"
);
const SQL_FILTERED_NEWEST: &str = filtered!(
    "SELECT a.id, 0.0 FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid",
    "ORDER BY a.published_at DESC, a.id DESC"
);
/// How many articles match, under the filters (`?8`, `?9`: no limit, no offset).
const SQL_FILTERED_COUNT: &str = filtered!(
    "SELECT COUNT(*) FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid",
    ""
);
const SQL_COUNT: &str = "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?1";
const SQL_NEWEST_FALLBACK: &str = "SELECT a.id FROM articles_fts
    JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH ?1
    ORDER BY a.published_at DESC, a.id DESC LIMIT ?2 OFFSET ?3";
const SQL_ANY_MATCH: &str = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1 LIMIT 1";
const SQL_WALK_NEWEST: &str = "SELECT id FROM articles ORDER BY published_at DESC, id DESC";
const SQL_PROBE: &str = "SELECT 1 FROM articles_fts WHERE articles_fts MATCH ?1 AND rowid = ?2";
const SQL_MATCH_IDS: &str =
    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1 ORDER BY rowid";
const SQL_HIT: &str = "SELECT a.id, a.external_id, a.published_at, a.title,
        bm25(articles_fts, 5.0, 1.0), snippet(articles_fts, -1, ?3, ?4, '…', 16),
        a.source, a.language
    FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
    WHERE articles_fts MATCH ?1 AND articles_fts.rowid = ?2";
/// The same without bm25, which reads the whole doclist of every term of the query.
const SQL_HIT_UNRANKED: &str = "SELECT a.id, a.external_id, a.published_at, a.title,
        NULL, snippet(articles_fts, -1, ?3, ?4, '…', 16),
        a.source, a.language
    FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
    WHERE articles_fts MATCH ?1 AND articles_fts.rowid = ?2";

const SQL_LIST: &str = "SELECT a.id, a.external_id, a.title, a.language, a.source, a.published_at
    FROM articles a
    WHERE (?2 IS NULL OR EXISTS (SELECT 1 FROM mentions m
           WHERE m.entity_id = ?2 AND m.article_id = a.id))
      AND (?3 IS NULL OR EXISTS (SELECT 1 FROM mentions m
           JOIN entities e ON e.id = m.entity_id WHERE m.article_id = a.id AND e.kind = ?3))
      AND (?4 IS NULL OR (a.published_at >= ?4
                   AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
      AND (?5 IS NULL OR (substr(a.published_at, 1, length(?5)) <= ?5
                   AND a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'))
      AND (?6 IS NULL OR a.source = ?6)
      AND (?7 IS NULL OR a.language = ?7)
    ORDER BY a.id LIMIT ?8 OFFSET ?9";

/// Match ids read beside each probe of the newest-first walk: a probe costs about as
/// much as reading 300 ids into the set (at 1M articles, ~45 µs against ~0.15 µs).
const IDS_PER_PROBE: usize = 300;
/// Steps of the date walk that one match of a rare word pays for before sorting the
/// matches is cheaper: reading an article's date from its row (past its title and
/// body) costs about as much as 30 steps of `articles_by_published_at` (at 1M
/// articles: 4-7 µs against 0.17 µs).
const WALK_STEPS_PER_MATCH: usize = 30;

/// How [`newest_ids_within`] spends its work.
#[derive(Debug, Clone, Copy)]
struct WalkBudget {
    /// Match ids read per FTS5 probe (0: probe every article).
    ids_per_probe: usize,
    /// Articles the walk may test against the complete set of matches, per match,
    /// before it sorts the matches instead.
    steps_per_match: usize,
}

/// Quotes every whitespace-separated word, so FTS5 searches them as typed (all of
/// them, in any order).
pub(crate) fn literal_query(query: &str) -> String {
    query
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether FTS5 reads `word` as one bareword (letters, digits, `_`, any non-ASCII),
/// optionally a prefix query (`assad*`).
fn is_bareword(word: &str) -> bool {
    let w = word.strip_suffix('*').unwrap_or(word);
    !w.is_empty()
        && w.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || !c.is_ascii())
}

/// Keeps a query's deliberate FTS5 syntax (quoted phrases, AND/OR/NOT, NEAR,
/// parentheses, `*` prefixes, `title:`/`body:` filters) and quotes every other word,
/// so that words people type with punctuation ("Kilroy-Silk", "al-Qaeda", "AT&T",
/// "O'Driscoll", "9/11", "$100m", "Mr.") are searched as typed (as phrases of their
/// parts) instead of failing with "no such column".
pub(crate) fn prepare_query(query: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut rest = query.trim();
    while !rest.is_empty() {
        if rest.starts_with('"') {
            // A quoted phrase up to its closing quote (`""` inside is a quote); an
            // unclosed one is left for FTS5 to refuse.
            let mut end = None;
            let bytes = rest.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    end = Some(i + 1);
                    break;
                }
                i += 1;
            }
            let end = end.unwrap_or(rest.len());
            let mut phrase = rest[..end].to_string();
            rest = &rest[end..];
            if rest.starts_with('*') {
                phrase.push('*');
                rest = &rest[1..];
            }
            out.push(phrase);
        } else if rest.starts_with("NEAR(") {
            // NEAR(a b, 5) is syntax through its closing parenthesis.
            let end = rest.find(')').map_or(rest.len(), |i| i + 1);
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            let mut word = &rest[..end];
            rest = &rest[end..];
            let mut open = String::new();
            while let Some(w) = word.strip_prefix('(') {
                open.push('(');
                word = w;
            }
            let mut close = String::new();
            while let Some(w) = word.strip_suffix(')') {
                close.push(')');
                word = w;
            }
            let (column, bare) = match word.split_once(':') {
                Some((c, b)) if matches!(c, "title" | "body") => (format!("{c}:"), b),
                _ => (String::new(), word),
            };
            let kept = if bare.is_empty()
                || is_bareword(bare)
                || matches!(bare, "AND" | "OR" | "NOT")
                || bare.starts_with("NEAR")
            {
                bare.to_string()
            } else {
                format!("\"{}\"", bare.replace('"', "\"\""))
            };
            out.push(format!("{open}{column}{kept}{close}"));
        }
        rest = rest.trim_start();
    }
    out.join(" ")
}

/// Turns SQLite's complaint about a MATCH expression into [`Error::InvalidQuery`].
fn query_error(query: &str) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| match e {
        rusqlite::Error::SqliteFailure(f, msg) if f.code == ErrorCode::Unknown => {
            Error::InvalidQuery {
                query: query.to_string(),
                reason: msg.unwrap_or_else(|| f.to_string()),
            }
        }
        e => e.into(),
    }
}

/// The entity id a filter names; [`Error::NotFound`] when it names none.
fn filter_entity(conn: &Connection, f: &Filters) -> Result<Option<i64>> {
    match &f.entity {
        None => Ok(None),
        Some(name) => match super::resolve_entity(conn, name)? {
            Some(e) => Ok(Some(e.id.0)),
            None => Err(Error::NotFound {
                what: "entity",
                id: name.clone(),
            }),
        },
    }
}

/// The longest search query, in characters: what people type is far shorter, and
/// FTS5's work grows with every term.
pub const MAX_QUERY_CHARS: usize = 1000;

/// The most terms a search query may have: each word, and each part of a word with
/// punctuation (`Kilroy-Silk` is two), prefix terms (`assad*`) included.
pub const MAX_QUERY_TERMS: usize = 64;

/// The terms of an FTS5 expression: runs of letters and digits (as FTS5's unicode61
/// tokenizer splits text), leaving out the operators and column names.
fn count_terms(expr: &str) -> usize {
    let mut n = 0;
    let mut rest = expr;
    while let Some(start) = rest.find(|c: char| c.is_alphanumeric() || c == '_') {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let word = &tail[..end];
        let column = tail[end..].starts_with(':') && matches!(word, "title" | "body");
        if !column && !matches!(word, "AND" | "OR" | "NOT" | "NEAR") {
            n += 1;
        }
        rest = &tail[end..];
    }
    n
}

/// Refuses a query too long to search in reasonable time, before FTS5 sees it.
fn check_size(query: &str, expr: &str) -> Result<()> {
    let chars = query.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(Error::InvalidArgument(format!(
            "search query too long: {chars} characters, at most {MAX_QUERY_CHARS}; search \
             for fewer words"
        )));
    }
    let terms = count_terms(expr);
    if terms > MAX_QUERY_TERMS {
        return Err(Error::InvalidArgument(format!(
            "search query too long: {terms} terms, at most {MAX_QUERY_TERMS} (each word, and \
             each part of a word such as Kilroy-Silk, is a term); search for fewer words"
        )));
    }
    Ok(())
}

/// The FTS5 expression of what a user typed (as typed when `literal`); an empty one is
/// [`Error::InvalidQuery`], one too long to search an [`Error::InvalidArgument`]
/// (see [`MAX_QUERY_CHARS`], [`MAX_QUERY_TERMS`]).
fn expression(query: &str, literal: bool) -> Result<String> {
    if query.chars().count() > MAX_QUERY_CHARS {
        // Before preparing it: a huge query is refused without work.
        check_size(query, "")?;
    }
    let expr = if literal {
        literal_query(query)
    } else {
        prepare_query(query)
    };
    if expr.is_empty() {
        return Err(Error::InvalidQuery {
            query: query.to_string(),
            reason: "the query is empty".into(),
        });
    }
    check_size(query, &expr)?;
    Ok(expr)
}

/// Searches titles and bodies with an FTS5 query (`iran AND nuclear`, `"civil war"`,
/// `assad*`, `title:tehran`...). Invalid syntax is [`Error::InvalidQuery`] with
/// SQLite's reason; `options.literal` searches the words as typed instead. An entity
/// filter naming no entity is [`Error::NotFound`]. A query longer than
/// [`MAX_QUERY_CHARS`] or [`MAX_QUERY_TERMS`] is refused ([`Error::InvalidArgument`]),
/// and so is a search still running after `options.timeout`.
pub fn search(conn: &Connection, query: &str, options: &SearchOptions) -> Result<Vec<SearchHit>> {
    let expr = expression(query, options.literal)?;
    let deadline = Deadline::start(conn, options.timeout);
    search_expr(conn, query, &expr, options).map_err(|e| deadline.explain(e, "search"))
}

fn search_expr(
    conn: &Connection,
    query: &str,
    expr: &str,
    options: &SearchOptions,
) -> Result<Vec<SearchHit>> {
    let bad = query_error(query);
    if options.filters.is_empty() && options.sort == Sort::Relevance {
        // One statement does it all; a syntax error surfaces on its first step.
        return conn
            .prepare_cached(SQL_RANKED_HITS)?
            .query_map(
                params![
                    expr,
                    options.limit,
                    options.offset,
                    options.highlight.0,
                    options.highlight.1
                ],
                hit_from_row,
            )?
            .collect::<rusqlite::Result<_>>()
            .map_err(&bad);
    }
    // Validates the expression (errors surface on the first step) and skips all
    // further work when nothing matches.
    let any: Option<i64> = conn
        .prepare_cached(SQL_ANY_MATCH)?
        .query_row([&expr], |r| r.get(0))
        .optional()
        .map_err(&bad)?;
    if any.is_none() || options.limit == 0 {
        return Ok(Vec::new());
    }
    let f = &options.filters;
    // Unfiltered relevance pages returned above; unfiltered here means newest first.
    let ids: Vec<i64> = if f.is_empty() {
        newest_ids(conn, expr, options.limit, options.offset).map_err(&bad)?
    } else {
        let sql = match options.sort {
            Sort::Relevance => SQL_FILTERED_RANKED,
            Sort::Newest => SQL_FILTERED_NEWEST,
        };
        let entity = filter_entity(conn, f)?;
        conn.prepare_cached(sql)?
            .query_map(
                params![
                    expr,
                    entity,
                    f.kind,
                    f.since,
                    f.until,
                    f.source,
                    f.language,
                    options.limit,
                    options.offset
                ],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()
            .map_err(&bad)?
    };
    let mut hit = conn.prepare_cached(match options.sort {
        Sort::Relevance => SQL_HIT,
        Sort::Newest => SQL_HIT_UNRANKED,
    })?;
    let mut hits = Vec::with_capacity(ids.len());
    for id in ids {
        let row = hit
            .query_row(
                params![expr, id, options.highlight.0, options.highlight.1],
                hit_from_row,
            )
            .optional()
            .map_err(&bad)?;
        hits.extend(row);
    }
    Ok(hits)
}

/// How many articles [`search`] would find with no limit: the total behind a page of
/// hits. Errors (and the timeout) as [`search`]'s.
pub fn count_hits(conn: &Connection, query: &str, options: &SearchOptions) -> Result<u64> {
    let expr = expression(query, options.literal)?;
    let deadline = Deadline::start(conn, options.timeout);
    count_expr(conn, query, &expr, options).map_err(|e| deadline.explain(e, "search"))
}

fn count_expr(conn: &Connection, query: &str, expr: &str, options: &SearchOptions) -> Result<u64> {
    let bad = query_error(query);
    let f = &options.filters;
    let n: i64 = if f.is_empty() {
        conn.prepare_cached(SQL_COUNT)?
            .query_row([&expr], |r| r.get(0))
            .map_err(&bad)?
    } else {
        let entity = filter_entity(conn, f)?;
        conn.prepare_cached(SQL_FILTERED_COUNT)?
            .query_row(
                params![expr, entity, f.kind, f.since, f.until, f.source, f.language, -1, 0],
                |r| r.get(0),
            )
            .map_err(&bad)?
    };
    Ok(n.try_into().unwrap_or(0))
}

fn hit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SearchHit> {
    Ok(SearchHit {
        id: r.get(0)?,
        external_id: r.get(1)?,
        published_at: r.get(2)?,
        title: r.get(3)?,
        // FTS5's bm25 is negative, lower better; people expect higher to be better.
        relevance: r.get::<_, Option<f64>>(4)?.map(|bm25| -bm25),
        snippet: r.get(5)?,
        source: r.get(6)?,
        language: r.get(7)?,
    })
}

/// Newest-first page of matching ids without ranking every match (see the module docs).
fn newest_ids(
    conn: &Connection,
    expr: &str,
    limit: u32,
    offset: u32,
) -> rusqlite::Result<Vec<i64>> {
    let budget = WalkBudget {
        ids_per_probe: IDS_PER_PROBE,
        steps_per_match: WALK_STEPS_PER_MATCH,
    };
    newest_ids_within(conn, expr, limit, offset, budget)
}

/// [`newest_ids`] with the budget as a parameter: every budget gives the same ids,
/// only the cost differs.
fn newest_ids_within(
    conn: &Connection,
    expr: &str,
    limit: u32,
    offset: u32,
    budget: WalkBudget,
) -> rusqlite::Result<Vec<i64>> {
    let wanted = limit as usize + offset as usize;
    let mut probe = conn.prepare_cached(SQL_PROBE)?;
    let mut walk = conn.prepare_cached(SQL_WALK_NEWEST)?;
    let mut match_ids = conn.prepare_cached(SQL_MATCH_IDS)?;
    let mut rows = walk.query([])?;
    let mut ids = match_ids.query([expr])?;
    // The match ids read so far: all of them up to `frontier`.
    let mut read: HashSet<i64, Fast> = HashSet::default();
    let mut frontier = i64::MIN;
    // Walk steps left once every match id is read.
    let mut steps: Option<usize> = None;
    // `wanted` comes from the command line (`--limit 4294967295`): never reserve it.
    let mut found = Vec::with_capacity(wanted.min(1024));
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let hit = match &mut steps {
            Some(0) => {
                drop((rows, ids));
                return conn
                    .prepare_cached(SQL_NEWEST_FALLBACK)?
                    .query_map(params![expr, limit, offset], |r| r.get(0))?
                    .collect();
            }
            Some(left) => {
                *left -= 1;
                read.contains(&id)
            }
            None if id <= frontier => read.contains(&id),
            None => {
                for _ in 0..budget.ids_per_probe {
                    let Some(m) = ids.next()? else {
                        steps = Some(read.len().saturating_mul(budget.steps_per_match));
                        break;
                    };
                    frontier = m.get(0)?;
                    read.insert(frontier);
                }
                if steps.is_some() || id <= frontier {
                    read.contains(&id)
                } else {
                    probe.exists(params![expr, id])?
                }
            }
        };
        if hit {
            found.push(id);
        }
        // Every match found: the rest of the walk holds none.
        if found.len() == wanted || (steps.is_some() && found.len() == read.len()) {
            break;
        }
    }
    Ok(found.into_iter().skip(offset as usize).collect())
}

/// Articles matching `filters` (no text query), in id order, `limit` at a time. An
/// entity filter naming no entity is [`Error::NotFound`].
pub fn list_articles(
    conn: &Connection,
    filters: &Filters,
    limit: u32,
    offset: u32,
) -> Result<Vec<ArticleRow>> {
    let entity = filter_entity(conn, filters)?;
    let f = filters;
    let mut stmt = conn.prepare_cached(SQL_LIST)?;
    let rows = stmt.query_map(
        params![
            Option::<i64>::None,
            entity,
            f.kind,
            f.since,
            f.until,
            f.source,
            f.language,
            limit,
            offset
        ],
        |r| {
            Ok(ArticleRow {
                id: r.get(0)?,
                external_id: r.get(1)?,
                title: r.get(2)?,
                language: r.get(3)?,
                source: r.get(4)?,
                published_at: r.get(5)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    /// The ranked page is read first, then each of its articles: never every match of
    /// the query probed into the page (see [`SQL_RANKED_HITS`]).
    #[test]
    fn the_ranked_page_drives_the_join() {
        let s = crate::Store::open_in_memory().unwrap();
        let sql = format!("EXPLAIN QUERY PLAN {SQL_RANKED_HITS}");
        let plan: Vec<String> = s
            .conn()
            .prepare(&sql)
            .unwrap()
            .query_map(params!["mobile", 10, 0, "[", "]"], |r| r.get(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let scan_f = plan.iter().position(|l| l == "SCAN f");
        let article = plan.iter().position(|l| l.starts_with("SEARCH a "));
        let automatic = plan.iter().any(|l| l.contains("AUTOMATIC"));
        assert!(
            scan_f.is_some() && scan_f < article && !automatic,
            "{plan:#?}"
        );
    }

    fn ids(hits: &[SearchHit]) -> Vec<&str> {
        hits.iter().map(|h| h.external_id.as_str()).collect()
    }

    #[test]
    fn title_matches_rank_above_body_matches_and_snippets_highlight() {
        let f = fixture::build();
        // "Tehran" is in a1's title and body, only in a2's body.
        let hits = search(f.store.conn(), "tehran", &SearchOptions::default()).unwrap();
        assert_eq!(ids(&hits), ["a1", "a2"]);
        // Higher relevance is better, and both are above 0.
        let (best, next) = (hits[0].relevance.unwrap(), hits[1].relevance.unwrap());
        assert!(best > next && next > 0.0, "{best} {next}");
        assert!(hits[0].snippet.contains("«Tehran»"), "{}", hits[0].snippet);
    }

    #[test]
    fn newest_first_orders_by_date_with_undated_last() {
        let f = fixture::build();
        let opts = SearchOptions {
            sort: Sort::Newest,
            ..Default::default()
        };
        let hits = search(f.store.conn(), "assad", &opts).unwrap();
        assert_eq!(ids(&hits), ["a2", "a1", "a3"]);
        let page = SearchOptions {
            limit: 1,
            offset: 1,
            ..opts.clone()
        };
        assert_eq!(
            ids(&search(f.store.conn(), "assad", &page).unwrap()),
            ["a1"]
        );
    }

    #[test]
    fn newest_first_finds_every_match_of_a_rare_word_in_date_order() {
        let mut s = crate::Store::open_in_memory().unwrap();
        for i in 0..3000 {
            let rare = if i % 1000 == 7 { " zebra" } else { "" };
            s.upsert_article(&crate::NewArticle {
                external_id: format!("x{i}"),
                title: "t".into(),
                body: format!("common words{rare}"),
                published_at: Some(format!("2020-01-01T00:00:{:02}Z", i % 60)),
                ..Default::default()
            })
            .unwrap();
        }
        let opts = SearchOptions {
            sort: Sort::Newest,
            limit: 5,
            ..Default::default()
        };
        let hits = search(s.conn(), "zebra", &opts).unwrap();
        assert_eq!(hits.len(), 3);
        let dates: Vec<_> = hits.iter().map(|h| h.published_at.clone()).collect();
        let mut sorted = dates.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(dates, sorted);
    }

    #[test]
    fn every_walk_budget_gives_the_page_a_sort_by_date_gives() {
        let mut s = crate::Store::open_in_memory().unwrap();
        for i in 0..300u32 {
            // Words of every density; "old" only in the oldest articles; ties on the
            // date (broken by id) and undated articles (last).
            let mut body = String::from("every");
            for (word, every) in [("half", 2), ("tenth", 10), ("rare", 97)] {
                if i % every == 1 {
                    body.push(' ');
                    body.push_str(word);
                }
            }
            if i % 50 == 3 {
                body.push_str(" old");
            }
            let published_at = match i % 50 {
                3 => Some("1999-01-01".to_string()),
                17 => None,
                _ => Some(format!("2020-01-{:02}", 1 + (i * 7) % 28)),
            };
            s.upsert_article(&crate::NewArticle {
                external_id: format!("x{i}"),
                title: "t".into(),
                body,
                published_at,
                ..Default::default()
            })
            .unwrap();
        }
        let c = s.conn();
        let budgets = [(0, 1), (1, 0), (1, 1), (3, 1), (3, 30), (40, 2), (1000, 30)];
        for word in ["every", "half", "tenth", "rare", "old"] {
            for (limit, offset) in [(5, 0), (5, 3), (1000, 0), (2, 290)] {
                let sorted: Vec<i64> = c
                    .prepare(SQL_NEWEST_FALLBACK)
                    .unwrap()
                    .query_map(params![word, limit, offset], |r| r.get(0))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                for (ids_per_probe, steps_per_match) in budgets {
                    let budget = WalkBudget {
                        ids_per_probe,
                        steps_per_match,
                    };
                    let walked = newest_ids_within(c, word, limit, offset, budget).unwrap();
                    assert_eq!(
                        walked, sorted,
                        "{word} limit {limit} offset {offset} {budget:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn filters_restrict_hits() {
        let f = fixture::build();
        let c = f.store.conn();
        let with = |filters: Filters| {
            let opts = SearchOptions {
                filters,
                ..Default::default()
            };
            ids(&search(c, "assad", &opts).unwrap())
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let entity = Filters {
            entity: Some("Donald Trump".into()),
            ..Default::default()
        };
        assert_eq!(with(entity), ["a2"]);
        let since = Filters {
            since: Some("2019-03".into()),
            ..Default::default()
        };
        assert_eq!(with(since), ["a2"]);
        let until = Filters {
            until: Some("2019-02-25".into()),
            ..Default::default()
        };
        assert_eq!(with(until), ["a1"]);
        let source = Filters {
            source: Some("blog".into()),
            ..Default::default()
        };
        assert_eq!(with(source), ["a3"]);
        let kind = Filters {
            kind: Some(EntityKind::Misc),
            ..Default::default()
        };
        assert!(with(kind).is_empty());
        let unknown = SearchOptions {
            filters: Filters {
                entity: Some("Nobody".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(matches!(
            search(c, "assad", &unknown),
            Err(Error::NotFound { .. })
        ));
    }

    /// The fixture plus a German wire article naming Assad and an organization, so
    /// that every filter keeps some hits of "assad" and drops others.
    fn fixture_with_a4() -> fixture::Fixture {
        let mut f = fixture::build();
        let body = "The Bundestag debated Assad on Tuesday.";
        let a4 = f
            .store
            .upsert_article(&crate::NewArticle {
                external_id: "a4".into(),
                title: "Bundestag und Assad".into(),
                body: body.into(),
                source: Some("wire".into()),
                language: Some("deu".into()),
                published_at: Some("2019-04-02T12:00:00Z".into()),
                ..Default::default()
            })
            .unwrap()
            .id;
        let org = f
            .store
            .entity_get_or_create(EntityKind::Organization, "Bundestag")
            .unwrap();
        let start = body.find("Bundestag").unwrap();
        let m = crate::NewMention::from_byte_range(
            org,
            crate::Field::Body,
            body,
            start,
            start + "Bundestag".len(),
        )
        .unwrap();
        f.store.add_mentions(a4, &[m]).unwrap();
        f
    }

    #[test]
    fn every_filter_keeps_the_matching_hits_and_drops_the_others() {
        let f = fixture_with_a4();
        let c = f.store.conn();
        // Every article says "Assad": without filters all four match.
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        let run = |filters: &Filters, sort: Sort| -> Vec<String> {
            let opts = SearchOptions {
                filters: filters.clone(),
                sort,
                ..Default::default()
            };
            let hits = ids(&search(c, "assad", &opts).unwrap())
                .into_iter()
                .map(String::from)
                .collect();
            sorted(hits)
        };
        let listed = |filters: &Filters| -> Vec<String> {
            let rows = list_articles(c, filters, 10, 0).unwrap();
            rows.into_iter().map(|r| r.external_id).collect()
        };
        assert_eq!(
            run(&Filters::default(), Sort::Relevance),
            ["a1", "a2", "a3", "a4"]
        );
        // (filter, the articles it keeps): each keeps at least one and drops at least one.
        let cases: Vec<(Filters, Vec<&str>)> = vec![
            (
                Filters {
                    entity: Some("Donald Trump".into()),
                    ..Default::default()
                },
                vec!["a2"],
            ),
            (
                Filters {
                    entity: Some("Tehran".into()),
                    ..Default::default()
                },
                vec!["a1", "a2"],
            ),
            (
                Filters {
                    kind: Some(EntityKind::Organization),
                    ..Default::default()
                },
                vec!["a4"],
            ),
            (
                Filters {
                    kind: Some(EntityKind::Person),
                    ..Default::default()
                },
                vec!["a1", "a2", "a3"],
            ),
            (
                Filters {
                    since: Some("2019-03".into()),
                    ..Default::default()
                },
                vec!["a2", "a4"],
            ),
            // Inclusive at the precision given: all of 2019-03-10, but not April.
            (
                Filters {
                    since: Some("2019-03-10".into()),
                    until: Some("2019-03-10".into()),
                    ..Default::default()
                },
                vec!["a2"],
            ),
            (
                Filters {
                    until: Some("2019-03".into()),
                    ..Default::default()
                },
                vec!["a1", "a2"],
            ),
            (
                Filters {
                    source: Some("wire".into()),
                    ..Default::default()
                },
                vec!["a1", "a2", "a4"],
            ),
            (
                Filters {
                    source: Some("blog".into()),
                    ..Default::default()
                },
                vec!["a3"],
            ),
            (
                Filters {
                    language: Some("deu".into()),
                    ..Default::default()
                },
                vec!["a4"],
            ),
            (
                Filters {
                    language: Some("eng".into()),
                    ..Default::default()
                },
                vec!["a1", "a2", "a3"],
            ),
            // Filters combine with AND.
            (
                Filters {
                    source: Some("wire".into()),
                    kind: Some(EntityKind::Person),
                    since: Some("2019-03".into()),
                    ..Default::default()
                },
                vec!["a2"],
            ),
        ];
        for (filters, kept) in &cases {
            assert!(!kept.is_empty() && kept.len() < 4, "{filters:?}");
            for sort in [Sort::Relevance, Sort::Newest] {
                assert_eq!(&run(filters, sort), kept, "{filters:?} {sort:?}");
            }
            assert_eq!(&listed(filters), kept, "list_articles {filters:?}");
        }
        // Newest first keeps the date order under a filter; the undated article is last.
        let opts = SearchOptions {
            sort: Sort::Newest,
            filters: Filters {
                kind: Some(EntityKind::Person),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(ids(&search(c, "assad", &opts).unwrap()), ["a2", "a1", "a3"]);
        // A filter no article satisfies drops everything.
        let misc = Filters {
            kind: Some(EntityKind::Misc),
            ..Default::default()
        };
        assert!(run(&misc, Sort::Relevance).is_empty());
        assert!(listed(&misc).is_empty());
    }

    #[test]
    fn bad_syntax_is_invalid_query_and_literal_searches_as_typed() {
        let f = fixture::build();
        let c = f.store.conn();
        for q in ["\"unbalanced", "AND", "  "] {
            let err = search(c, q, &SearchOptions::default()).unwrap_err();
            assert!(matches!(err, Error::InvalidQuery { .. }), "{q}: {err}");
        }
        let literal = SearchOptions {
            literal: true,
            ..Default::default()
        };
        assert_eq!(ids(&search(c, "\"Tehran", &literal).unwrap()), ["a1", "a2"]);
        assert_eq!(literal_query("a \"b\" OR"), "\"a\" \"\"\"b\"\"\" \"OR\"");
    }

    #[test]
    fn words_with_punctuation_are_searched_as_typed_and_syntax_is_kept() {
        for (typed, fts) in [
            ("Kilroy-Silk", "\"Kilroy-Silk\""),
            ("al-Assad Tehran-backed", "\"al-Assad\" \"Tehran-backed\""),
            (
                "AT&T O'Driscoll 9/11 $100m",
                "\"AT&T\" \"O'Driscoll\" \"9/11\" \"$100m\"",
            ),
            ("\"Mr. Blair\"", "\"Mr. Blair\""),
            ("iran NOT syria", "iran NOT syria"),
            ("(iran OR syria) AND assad*", "(iran OR syria) AND assad*"),
            (
                "title:tehran body:al-Assad",
                "title:tehran body:\"al-Assad\"",
            ),
            ("NEAR(iran syria, 5)", "NEAR(iran syria, 5)"),
            ("nosuchcolumn:x", "\"nosuchcolumn:x\""),
            ("e-mail", "\"e-mail\""),
        ] {
            assert_eq!(prepare_query(typed), fts, "{typed}");
        }
        let f = fixture::build();
        let c = f.store.conn();
        for q in [
            "al-Assad",
            "Tehran-backed",
            "nosuchcolumn:x",
            "AT&T",
            "O'Driscoll",
            "9/11",
        ] {
            assert!(search(c, q, &SearchOptions::default()).is_ok(), "{q}");
        }
        // "al-Assad" finds what "al Assad" as a phrase finds.
        assert_eq!(
            ids(&search(c, "al-Assad", &SearchOptions::default()).unwrap()),
            ids(&search(c, "\"al Assad\"", &SearchOptions::default()).unwrap())
        );
    }

    #[test]
    fn count_hits_counts_every_match_beyond_the_page() {
        let f = fixture_with_a4();
        let c = f.store.conn();
        let page = SearchOptions {
            limit: 1,
            ..Default::default()
        };
        assert_eq!(search(c, "assad", &page).unwrap().len(), 1);
        assert_eq!(count_hits(c, "assad", &page).unwrap(), 4);
        let filtered = SearchOptions {
            filters: Filters {
                source: Some("wire".into()),
                ..Default::default()
            },
            ..page
        };
        assert_eq!(count_hits(c, "assad", &filtered).unwrap(), 3);
        assert_eq!(count_hits(c, "xylophone", &filtered).unwrap(), 0);
        assert!(matches!(
            count_hits(c, "\"unbalanced", &SearchOptions::default()),
            Err(Error::InvalidQuery { .. })
        ));
    }

    #[test]
    fn list_articles_filters_without_a_query() {
        let f = fixture::build();
        let filters = Filters {
            entity: Some("Assad".into()),
            source: Some("wire".into()),
            ..Default::default()
        };
        let rows = list_articles(f.store.conn(), &filters, 10, 0).unwrap();
        let ext: Vec<_> = rows.iter().map(|r| r.external_id.as_str()).collect();
        assert_eq!(ext, ["a1", "a2"]);
    }
}
