//! The JSON API under `/api/`: the library's query functions over HTTP, returning
//! the same rows as `newsdb ... --format json`. Errors are `{"error", "status"}`.

use serde::Serialize;

use super::pages::{self, HIT_CLOSE, HIT_OPEN};
use super::{Failure, Outcome, Reply, Request, MAX_OFFSET, MAX_ROWS};
use crate::model::{Article, EntityId, Mention};
use crate::query::{self, Bucket, SearchOptions};

/// The routes, for the 404 message.
const ROUTES: &str = "/api/search?q=..., /api/articles/ID, /api/entities/ID, \
    /api/entities/ID/cooccur, /api/entities/ID/mentions, /api/entities/ID/timeline, /api/stats";

pub(super) fn route(req: &Request<'_>, rest: &[&str]) -> Outcome {
    match rest {
        ["search"] => search(req),
        ["articles", key] => article(req, key),
        ["entities", key] => entity(req, key),
        ["entities", key, "cooccur"] => cooccur(req, key),
        ["entities", key, "mentions"] => mentions(req, key),
        ["entities", key, "timeline"] => timeline(req, key),
        ["stats"] => Ok(Reply::json(200, &query::database_stats(req.store)?)),
        _ => Err(Failure::NotFound(format!(
            "no API route at /api/{} (routes: {ROUTES})",
            rest.join("/")
        ))),
    }
}

/// `limit` and `offset`, capped at [`MAX_ROWS`] and [`MAX_OFFSET`].
fn window(req: &Request<'_>, default: u32) -> Result<(u32, u32), Failure> {
    let limit: u32 = req
        .params
        .parsed("limit", "a number of rows")?
        .unwrap_or(default);
    let offset: u32 = req
        .params
        .parsed("offset", "a number of rows")?
        .unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(Failure::BadInput(format!(
            "offset={offset} is more than {MAX_OFFSET}; narrow the query instead"
        )));
    }
    Ok((limit.min(MAX_ROWS), offset))
}

/// The entity an API path names: a row id (merges followed), else a name or alias.
fn entity_id(req: &Request<'_>, key: &str) -> Result<crate::model::Entity, Failure> {
    let conn = req.store.conn();
    if let Ok(id) = key.parse::<i64>() {
        if let Some(e) = query::live_entity(conn, EntityId(id))? {
            return Ok(e);
        }
    }
    let named = match query::resolve_entity(conn, key)? {
        Some(e) => query::live_entity(conn, e.id)?,
        None => None,
    };
    named.ok_or_else(|| Failure::NotFound(format!("no entity with id or name {key:?}")))
}

#[derive(Serialize)]
struct Hits {
    query: String,
    total: u64,
    offset: u32,
    limit: u32,
    hits: Vec<query::SearchHit>,
}

fn search(req: &Request<'_>) -> Outcome {
    let Some(q) = req.params.get("q") else {
        return Err(Failure::BadInput(
            "q= is missing: what to search for?".into(),
        ));
    };
    let (limit, offset) = window(req, 20)?;
    let options = SearchOptions {
        sort: pages::sort_param(req)?,
        filters: pages::filters(req)?,
        limit,
        offset,
        highlight: (HIT_OPEN.into(), HIT_CLOSE.into()),
        timeout: Some(req.timeout),
        ..SearchOptions::default()
    };
    let conn = req.store.conn();
    let total = query::count_hits(conn, q, &options)?;
    let mut hits = query::search(conn, q, &options)?;
    // The CLI's markers in JSON: the private-use ones are for the HTML page.
    for h in &mut hits {
        h.snippet = h.snippet.replace(HIT_OPEN, "«").replace(HIT_CLOSE, "»");
    }
    Ok(Reply::json(
        200,
        &Hits {
            query: q.to_string(),
            total,
            offset,
            limit,
            hits,
        },
    ))
}

#[derive(Serialize)]
struct ArticleJson {
    #[serde(flatten)]
    article: Article,
    entities: Vec<query::EntityCount>,
    mentions: Vec<Mention>,
    boilerplate_paragraphs: Vec<usize>,
}

fn article(req: &Request<'_>, key: &str) -> Outcome {
    let Some(article) = req.store.find_article(key)? else {
        return Err(Failure::NotFound(format!(
            "no article with external id or row id {key:?}"
        )));
    };
    let conn = req.store.conn();
    Ok(Reply::json(
        200,
        &ArticleJson {
            entities: query::entities_in_article(conn, article.id)?,
            mentions: req.store.mentions_of_article(article.id)?,
            boilerplate_paragraphs: query::boilerplate_paragraphs(conn, article.id)?,
            article,
        },
    ))
}

fn entity(req: &Request<'_>, key: &str) -> Outcome {
    let e = entity_id(req, key)?;
    Ok(Reply::json(
        200,
        &query::entity_profile_of(req.store.conn(), e)?,
    ))
}

fn cooccur(req: &Request<'_>, key: &str) -> Outcome {
    let e = entity_id(req, key)?;
    let level = req
        .params
        .parsed("level", "a level (sentence, paragraph, article)")?
        .unwrap_or_default();
    let (limit, _) = window(req, 20)?;
    let rows = query::cooccurrences(req.store.conn(), e.id, level, limit as usize)?;
    Ok(Reply::json(200, &rows))
}

fn mentions(req: &Request<'_>, key: &str) -> Outcome {
    let e = entity_id(req, key)?;
    let (limit, _) = window(req, 20)?;
    let chars: usize = req
        .params
        .parsed("context", "a number of characters")?
        .unwrap_or(40);
    let rows = query::mentions_in_context(req.store.conn(), e.id, chars.min(500), limit)?;
    Ok(Reply::json(200, &rows))
}

fn timeline(req: &Request<'_>, key: &str) -> Outcome {
    let e = entity_id(req, key)?;
    let bucket: Bucket = req
        .params
        .parsed("by", "a period (day, month, year)")?
        .unwrap_or_default();
    Ok(Reply::json(
        200,
        &query::timeline(req.store.conn(), e.id, bucket, None)?,
    ))
}
