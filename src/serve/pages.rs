//! The HTML pages, rendered with maud: every value from the archive goes through its
//! escaping (`(value)` in a template), never through `PreEscaped`, except the search
//! snippets, which are escaped here before their highlight markers become `<mark>`.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::url::{link, segment};
use super::{svg, Failure, Outcome, Reply, Request, MAX_OFFSET};
use crate::model::{EntityId, EntityKind, Field};
use crate::query::{
    self, Bucket, Filters, GraphFormat, Level, NetworkOptions, SearchOptions, Segment, Sort,
};

/// Rows per page of search results and entity lists.
const PAGE: u32 = 20;
/// Co-occurring entities listed on an entity page.
const COOCCURRING: usize = 20;
/// Mentions in context on an entity page, and characters on either side.
const KWIC_ROWS: u32 = 30;
const KWIC_CHARS: usize = 60;
/// Partners drawn in a network at most.
pub(super) const NETWORK_PARTNERS: usize = 40;
/// Private-use characters around matched terms in search snippets: they survive
/// HTML escaping and become `<mark>` afterwards.
pub(super) const HIT_OPEN: &str = "\u{E000}";
pub(super) const HIT_CLOSE: &str = "\u{E001}";

/// The page frame: title, navigation, the stylesheet and optional script.
fn layout(title: &str, script: bool, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · newsdb" }
                link rel="stylesheet" href="/assets/style.css";
                @if script { script src="/assets/network.js" defer {} }
            }
            body {
                header {
                    nav {
                        a class="brand" href="/" { "newsdb" }
                        a href="/" { "Search" }
                        a href="/entities" { "Entities" }
                        a href="/network" { "Network" }
                        a href="/stats" { "Stats" }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// The page for a failure: what went wrong and where to go.
pub(super) fn failure(f: &Failure) -> Markup {
    let heading = match f.status() {
        404 => "Not found",
        400 => "Bad request",
        503 => "Took too long",
        _ => "Something went wrong",
    };
    layout(
        heading,
        false,
        html! {
            h1 { (heading) " " span class="status" { "(" (f.status()) ")" } }
            p class="error" { (f.message()) }
            p { a href="/" { "Back to the search" } }
        },
    )
}

/// A kind as a badge: colour for the eye, the word for everyone.
fn kind_badge(kind: EntityKind) -> Markup {
    html! { span class={"kind " (kind)} { (kind) } }
}

fn entity_link(id: EntityId, name: &str) -> Markup {
    html! { a href={"/entities/" (id.0)} { (name) } }
}

fn article_href(external_id: &str) -> String {
    format!("/articles/{}", segment(external_id))
}

/// The value of `name` read as a `T`, or its default.
fn param<T: std::str::FromStr>(
    req: &Request<'_>,
    name: &str,
    expected: &str,
    default: T,
) -> Result<T, Failure> {
    Ok(req.params.parsed(name, expected)?.unwrap_or(default))
}

/// The page number asked for (1 first) and the rows it skips, refused past
/// [`MAX_OFFSET`].
fn page(req: &Request<'_>, size: u32) -> Result<(u32, u32), Failure> {
    let page: u32 = param(req, "page", "a page number (1, 2, ...)", 1)?;
    if page == 0 {
        return Err(Failure::BadInput("page=0: pages start at 1".into()));
    }
    let offset = (page - 1).saturating_mul(size);
    if offset > MAX_OFFSET {
        return Err(Failure::BadInput(format!(
            "page {page} is too deep (at most {MAX_OFFSET} rows are skipped); narrow the \
             search instead"
        )));
    }
    Ok((page, offset))
}

fn kind_param(req: &Request<'_>) -> Result<Option<EntityKind>, Failure> {
    req.params
        .parsed("kind", "a kind (person, organization, location, misc)")
}

fn level_param(req: &Request<'_>) -> Result<Level, Failure> {
    param(
        req,
        "level",
        "a level (sentence, paragraph, article)",
        Level::Sentence,
    )
}

/// `since`/`until` checked as the CLI checks them.
fn date_param(req: &Request<'_>, name: &str) -> Result<Option<String>, Failure> {
    req.params
        .get(name)
        .map(crate::load::dates::date_bound)
        .transpose()
        .map_err(Failure::from)
}

/// The search's filters from the query parameters.
pub(super) fn filters(req: &Request<'_>) -> Result<Filters, Failure> {
    Ok(Filters {
        entity: req.params.get("entity").map(String::from),
        kind: kind_param(req)?,
        since: date_param(req, "since")?,
        until: date_param(req, "until")?,
        source: req.params.get("source").map(String::from),
        language: None,
    })
}

pub(super) fn sort_param(req: &Request<'_>) -> Result<Sort, Failure> {
    match req.params.get("sort") {
        None | Some("relevance") => Ok(Sort::Relevance),
        Some("newest") => Ok(Sort::Newest),
        Some(other) => Err(Failure::BadInput(format!(
            "sort={other:?} is not an order (relevance, newest)"
        ))),
    }
}

/// The snippet escaped, its highlighted terms in `<mark>`.
fn snippet(text: &str) -> Markup {
    let escaped = html! { (text) }.into_string();
    PreEscaped(
        escaped
            .replace(HIT_OPEN, "<mark>")
            .replace(HIT_CLOSE, "</mark>"),
    )
}

/// Previous and next links keeping every other parameter.
fn pager(req: &Request<'_>, path: &str, page: u32, more: bool, keys: &[&str]) -> Markup {
    let with_page = |p: u32| {
        let p = p.to_string();
        let mut params: Vec<(&str, &str)> = keys
            .iter()
            .filter_map(|k| req.params.get(k).map(|v| (*k, v)))
            .collect();
        params.push(("page", &p));
        link(path, &params)
    };
    html! {
        nav class="pager" {
            @if page > 1 { a href=(with_page(page - 1)) { "← previous" } }
            span { "page " (page) }
            @if more { a href=(with_page(page + 1)) { "next →" } }
        }
    }
}

const SEARCH_KEYS: &[&str] = &["q", "sort", "since", "until", "source", "entity", "kind"];

/// `/`: the search form, and the hits or, without a query, the articles matching the
/// filters.
pub(super) fn search(req: &Request<'_>) -> Outcome {
    let q = req.params.get("q").unwrap_or("");
    let sort = sort_param(req)?;
    let filters = filters(req)?;
    let (page, offset) = page(req, PAGE)?;
    let conn = req.store.conn();
    let form = html! {
        form class="search" action="/" method="get" {
            input type="search" name="q" value=(q) placeholder="words, \"a phrase\", iran AND nuclear, assad*" autofocus;
            button type="submit" { "Search" }
            details open[filters != Filters::default() || sort != Sort::Relevance] {
                summary { "Filters" }
                label { "from " input type="text" name="since" value=[req.params.get("since")] placeholder="2005-01"; }
                label { "to " input type="text" name="until" value=[req.params.get("until")] placeholder="2005-12-31"; }
                label { "source " input type="text" name="source" value=[req.params.get("source")]; }
                label { "entity " input type="text" name="entity" value=[req.params.get("entity")] placeholder="name or id"; }
                label { "kind "
                    select name="kind" {
                        option value="" { "any" }
                        @for k in EntityKind::ALL {
                            option value=(k) selected[filters.kind == Some(k)] { (k) }
                        }
                    }
                }
                label { "order "
                    select name="sort" {
                        option value="relevance" selected[sort == Sort::Relevance] { "relevance" }
                        option value="newest" selected[sort == Sort::Newest] { "newest" }
                    }
                }
            }
        }
    };
    let results = if q.is_empty() {
        let rows = query::list_articles(conn, &filters, PAGE + 1, offset)?;
        let more = rows.len() > PAGE as usize;
        html! {
            h2 { "Articles" @if filters != Filters::default() { " matching the filters" } }
            @if rows.is_empty() { p class="empty" { "No article matches." } }
            ol class="hits" start=(offset + 1) {
                @for a in rows.iter().take(PAGE as usize) {
                    li {
                        a class="title" href=(article_href(&a.external_id)) { (a.title) }
                        div class="meta" {
                            (a.external_id)
                            @if let Some(d) = &a.published_at { " · " (d) }
                            @if let Some(s) = &a.source { " · " (s) }
                        }
                    }
                }
            }
            (pager(req, "/", page, more, SEARCH_KEYS))
        }
    } else {
        let options = SearchOptions {
            sort,
            filters: filters.clone(),
            limit: PAGE,
            offset,
            highlight: (HIT_OPEN.into(), HIT_CLOSE.into()),
            timeout: Some(req.timeout),
            ..SearchOptions::default()
        };
        let total = query::count_hits(conn, q, &options)?;
        let hits = query::search(conn, q, &options)?;
        let shown = offset as u64 + hits.len() as u64;
        html! {
            p class="count" {
                @if total == 0 { "No hits." }
                @else { (total) " hits" @if !hits.is_empty() { ", showing " (offset + 1) "–" (shown) } }
            }
            ol class="hits" start=(offset + 1) {
                @for h in &hits {
                    li {
                        a class="title" href=(article_href(&h.external_id)) { (h.title) }
                        div class="meta" {
                            (h.external_id)
                            @if let Some(d) = &h.published_at { " · " (d) }
                            @if let Some(s) = &h.source { " · " (s) }
                            @if let Some(r) = h.relevance { " · relevance " (format!("{r:.2}")) }
                        }
                        p class="snippet" { (snippet(&h.snippet)) }
                    }
                }
            }
            (pager(req, "/", page, shown < total, SEARCH_KEYS))
        }
    };
    let title = if q.is_empty() {
        "Search".to_string()
    } else {
        format!("{q} – search")
    };
    Ok(Reply::html(
        200,
        layout(&title, false, html! { (form) (results) }),
    ))
}

/// Segments as HTML: each mention a link to its entity, with its kind as a class
/// (the colour) and in its title (for everyone).
fn marked(segments: &[Segment<'_>]) -> Markup {
    html! {
        @for s in segments {
            @match *s {
                Segment::Text(t) => (t),
                Segment::Mention { surface, kind, entity } => {
                    a class={"mention " (kind)} href={"/entities/" (entity.0)} title=(kind) data-kind=(kind) { (surface) }
                }
            }
        }
    }
}

/// `/articles/{external_id}`: the article with its mentions marked.
pub(super) fn article(req: &Request<'_>, key: &str) -> Outcome {
    let store = req.store;
    let Some(a) = store.find_article(key)? else {
        return Err(Failure::NotFound(format!(
            "no article with external id or row id {key:?}"
        )));
    };
    let conn = store.conn();
    let title = query::marked_segments(conn, a.id, Field::Title, &a.title)?;
    let body = query::marked_segments(conn, a.id, Field::Body, &a.body)?;
    let boilerplate = query::boilerplate_paragraphs(conn, a.id)?;
    let entities = query::entities_in_article(conn, a.id)?;
    let markup = html! {
        article {
            h1 { (marked(&title)) }
            p class="meta" {
                (a.external_id) " · row " (a.id.0)
                @if let Some(d) = &a.published_at { " · " (d) }
                @if let Some(raw) = &a.published_raw { " · date “" (raw) "” (not read)" }
                @if let Some(s) = &a.source { " · " (s) }
                @if let Some(l) = &a.language { " · " (l) }
                @if let Some(u) = &a.url { " · " span class="url" { (u) } }
            }
            (legend())
            @for (i, p) in query::split_paragraphs(&body).iter().enumerate() {
                @if boilerplate.contains(&i) {
                    p class="boilerplate" title="boilerplate: repeated across this source's articles or in another language; not extracted" { (marked(p)) }
                } @else {
                    p { (marked(p)) }
                }
            }
        }
        section {
            h2 { "Entities in this article" }
            @if entities.is_empty() { p class="empty" { "No mentions." } }
            @else {
                table {
                    thead { tr { th { "name" } th { "kind" } th class="num" { "mentions" } } }
                    tbody {
                        @for e in &entities {
                            tr { td { (entity_link(e.id, &e.name)) } td { (kind_badge(e.kind)) } td class="num" { (e.mentions) } }
                        }
                    }
                }
            }
        }
    };
    Ok(Reply::html(200, layout(&a.title, false, markup)))
}

/// What the colours mean.
fn legend() -> Markup {
    html! {
        p class="legend" {
            @for k in EntityKind::ALL { span class={"mention " (k)} { (k) } " " }
            span class="boilerplate-key" { "boilerplate" }
        }
    }
}

/// The entity a path segment names: a row id (a merged one redirects to its target),
/// else a name or alias, which redirects to the id.
fn entity_from_segment(
    req: &Request<'_>,
    key: &str,
) -> Result<Result<crate::model::Entity, Reply>, Failure> {
    let conn = req.store.conn();
    if let Ok(id) = key.parse::<i64>() {
        if let Some(e) = query::live_entity(conn, EntityId(id))? {
            if e.id.0 != id {
                return Ok(Err(Reply::redirect(format!("/entities/{}", e.id.0))));
            }
            return Ok(Ok(e));
        }
    }
    let named = match query::resolve_entity(conn, key)? {
        Some(e) => query::live_entity(conn, e.id)?,
        None => None,
    };
    match named {
        Some(e) => Ok(Err(Reply::redirect(format!("/entities/{}", e.id.0)))),
        None => Err(Failure::NotFound(format!(
            "no entity with id or name {key:?}"
        ))),
    }
}

/// `/entities/{id}`: profile, timeline, co-occurring entities, mentions in context,
/// merges.
pub(super) fn entity(req: &Request<'_>, key: &str) -> Outcome {
    let e = match entity_from_segment(req, key)? {
        Ok(e) => e,
        Err(redirect) => return Ok(redirect),
    };
    let level = level_param(req)?;
    let bucket: Bucket = param(req, "by", "a period (day, month, year)", Bucket::Month)?;
    let conn = req.store.conn();
    let id = e.id;
    let profile = query::entity_profile_of(conn, e)?;
    let timeline = query::timeline(conn, id, bucket, None)?;
    let partners = query::cooccurrences(conn, id, level, COOCCURRING)?;
    let kwic = query::mentions_in_context(conn, id, KWIC_CHARS, KWIC_ROWS)?;
    let merges: Vec<_> = req
        .store
        .merges()?
        .into_iter()
        .filter(|m| m.from_entity == id || m.into_entity == id)
        .collect();
    let name_of = |other: EntityId| -> String {
        req.store
            .entity(other)
            .ok()
            .flatten()
            .map_or_else(|| format!("#{}", other.0), |x| x.name)
    };
    let here = format!("/entities/{}", id.0);
    let markup = html! {
        h1 { (profile.name) " " (kind_badge(profile.kind)) }
        dl class="facts" {
            dt { "articles" } dd { (profile.articles) }
            dt { "mentions" } dd { (profile.mentions) }
            dt { "first seen" } dd { (profile.first_seen.as_deref().unwrap_or("–")) }
            dt { "last seen" } dd { (profile.last_seen.as_deref().unwrap_or("–")) }
            dt { "also named" } dd {
                @if profile.aliases.is_empty() { "–" }
                @for (i, a) in profile.aliases.iter().enumerate() { @if i > 0 { ", " } (a) }
            }
        }
        p class="links" {
            a href=(link("/", &[("entity", &id.0.to_string())])) { "Articles naming it" }
            " · "
            a href=(link("/network", &[("entity", &id.0.to_string()), ("level", level.as_str())])) { "Its network" }
        }
        section {
            h2 { "Articles per " (bucket) }
            nav class="choices" {
                @for b in [Bucket::Year, Bucket::Month, Bucket::Day] {
                    @if b == bucket { strong { (b) } } @else {
                        a href=(link(&here, &[("by", &b.to_string()), ("level", level.as_str())])) { (b) }
                    }
                }
            }
            @if timeline.rows.is_empty() {
                p class="empty" { "No dated article mentions it." }
            } @else {
                (svg::timeline(&timeline.rows))
            }
            @if timeline.undated_mentions > 0 {
                p class="note" { (timeline.undated_mentions) " mentions in " (timeline.undated_articles) " undated articles are not in the chart." }
            }
        }
        section {
            h2 { "Named in the same " (level) }
            nav class="choices" {
                @for l in [Level::Sentence, Level::Paragraph, Level::Article] {
                    @if l == level { strong { (l) } } @else {
                        a href=(link(&here, &[("level", l.as_str()), ("by", &bucket.to_string())])) { (l) }
                    }
                }
            }
            @if partners.is_empty() { p class="empty" { "Nothing is named with it at this level." } }
            @else {
                table {
                    thead { tr { th { "name" } th { "kind" } th class="num" { (level) "s" } th class="num" { "PMI" } } }
                    tbody {
                        @for c in &partners {
                            tr {
                                td { (entity_link(c.entity_id, &c.name)) }
                                td { (kind_badge(c.kind)) }
                                td class="num" { (c.count) }
                                td class="num" { (format!("{:.3}", c.pmi)) }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { "Mentions in context" }
            @if kwic.is_empty() { p class="empty" { "No mentions." } }
            table class="kwic" {
                colgroup { col class="left"; col class="kw"; col class="right"; col class="where"; }
                tbody {
                    @for k in &kwic {
                        tr {
                            td class="left" { span { (k.left) } }
                            td class="kw" { a href=(article_href(&k.external_id)) { (k.surface) } }
                            td class="right" { (k.right) }
                            td class="where" title=(k.external_id) { a href=(article_href(&k.external_id)) { (k.external_id) } @if k.field == Field::Title { " (title)" } }
                        }
                    }
                }
            }
            @if kwic.len() as u32 == KWIC_ROWS { p class="note" { "The first " (KWIC_ROWS) " mentions." } }
        }
        @if !merges.is_empty() {
            section {
                h2 { "Merges" }
                ul {
                    @for m in &merges {
                        li {
                            (entity_link(m.from_entity, &name_of(m.from_entity))) " merged into "
                            (entity_link(m.into_entity, &name_of(m.into_entity)))
                            " on " (m.merged_at) " (" (m.mentions) " mentions)"
                            @if let Some(u) = &m.undone_at { ", undone on " (u) }
                        }
                    }
                }
            }
        }
    };
    Ok(Reply::html(200, layout(&profile.name, false, markup)))
}

/// `/entities`: the most mentioned entities, or those matching a name, by kind.
pub(super) fn entities(req: &Request<'_>) -> Outcome {
    let kind = kind_param(req)?;
    let text = req.params.get("match").unwrap_or("");
    let (page, offset) = page(req, PAGE)?;
    let conn = req.store.conn();
    let wanted = offset + PAGE + 1;
    let rows: Vec<(EntityId, EntityKind, String, i64, i64)> = if text.is_empty() {
        query::top_entities(conn, kind, None, wanted)?
            .into_iter()
            .map(|e| (e.id, e.kind, e.name, e.articles, e.mentions))
            .collect()
    } else {
        query::match_entities(conn, text, kind, wanted as usize)?
            .into_iter()
            .map(|e| (e.id, e.kind, e.name, e.articles, e.mentions))
            .collect()
    };
    let more = rows.len() > (offset + PAGE) as usize;
    let markup = html! {
        h1 { "Entities" }
        form class="search" action="/entities" method="get" {
            input type="search" name="match" value=(text) placeholder="part of a name, e.g. assad";
            select name="kind" {
                option value="" { "any kind" }
                @for k in EntityKind::ALL { option value=(k) selected[kind == Some(k)] { (k) } }
            }
            button type="submit" { "Find" }
        }
        @if rows.len() <= offset as usize { p class="empty" { "No entity matches." } }
        @else {
            table {
                thead { tr { th { "#" } th { "name" } th { "kind" } th class="num" { "articles" } th class="num" { "mentions" } } }
                tbody {
                    @for (i, (id, k, name, articles, mentions)) in rows.iter().enumerate().skip(offset as usize).take(PAGE as usize) {
                        tr {
                            td class="num" { (i + 1) }
                            td { (entity_link(*id, name)) }
                            td { (kind_badge(*k)) }
                            td class="num" { (articles) }
                            td class="num" { (mentions) }
                        }
                    }
                }
            }
        }
        (pager(req, "/entities", page, more, &["match", "kind"]))
    };
    Ok(Reply::html(200, layout("Entities", false, markup)))
}

/// The neighbourhood a network request asks for, and the entity at its centre.
pub(super) fn neighbourhood(
    req: &Request<'_>,
    key: &str,
) -> Result<(crate::model::Entity, NetworkOptions, query::Network), Failure> {
    let conn = req.store.conn();
    let Some(entity) = query::find_entities(conn, key, None)?.into_iter().next() else {
        return Err(Failure::NotFound(format!(
            "no entity with name or id {key:?}"
        )));
    };
    let min: u64 = param(req, "min", "a whole number of shared units", 1)?;
    let opts = NetworkOptions {
        level: level_param(req)?,
        min_count: min.max(1),
        kind: kind_param(req)?,
    };
    let net = query::neighbourhood(conn, entity.id, &opts, NETWORK_PARTNERS)?;
    Ok((entity, opts, net))
}

/// `/network?entity=...&level=sentence&min=3`: the neighbourhood as a graph.
pub(super) fn network(req: &Request<'_>) -> Outcome {
    let Some(key) = req.params.get("entity") else {
        let top = query::top_entities(req.store.conn(), None, None, 12)?;
        let markup = html! {
            h1 { "Network" }
            p { "The entities named together with one entity, and how often they are named together. Pick one:" }
            (network_form(None, Level::Sentence, 1))
            ul class="picks" {
                @for e in &top {
                    li { a href=(link("/network", &[("entity", &e.id.0.to_string())])) { (e.name) } " " (kind_badge(e.kind)) }
                }
            }
        };
        return Ok(Reply::html(200, layout("Network", false, markup)));
    };
    let (entity, opts, net) = neighbourhood(req, key)?;
    let id = entity.id.0.to_string();
    let level = opts.level.as_str();
    let min = opts.min_count.to_string();
    let kind = opts.kind.map(|k| k.to_string()).unwrap_or_default();
    let file_params = [
        ("entity", id.as_str()),
        ("level", level),
        ("min", min.as_str()),
        ("kind", kind.as_str()),
    ];
    let markup = html! {
        h1 { "Network of " (entity_link(entity.id, &entity.name)) " " (kind_badge(entity.kind)) }
        (network_form(Some(&entity.name), opts.level, opts.min_count))
        p class="note" {
            (net.nodes.len()) " entities, " (net.edges.len()) " links: entities named in the same " (level)
            " at least " (opts.min_count) " time" @if opts.min_count != 1 { "s" }
            " (the " (NETWORK_PARTNERS) " most associated at most). Circles grow with mentions, lines with shared " (level) "s; click an entity to centre on it. "
            "Download: " a href=(link("/network.gexf", &file_params)) { "GEXF" } " · " a href=(link("/network.graphml", &file_params)) { "GraphML" }
        }
        (legend_kinds())
        @if net.edges.is_empty() {
            p class="empty" { "Nothing is named with " (entity.name) " that often at this level; lower the minimum or choose a wider level." }
        } @else {
            div class="graph" { (svg::network(&net, entity.id, level, opts.min_count)) }
        }
    };
    Ok(Reply::html(
        200,
        layout(&format!("Network of {}", entity.name), true, markup),
    ))
}

fn legend_kinds() -> Markup {
    html! {
        p class="legend" { @for k in EntityKind::ALL { span class={"dot " (k)} {} (k) " " } }
    }
}

fn network_form(entity: Option<&str>, level: Level, min: u64) -> Markup {
    html! {
        form class="search" action="/network" method="get" {
            input type="search" name="entity" value=[entity] placeholder="entity name or id" required;
            select name="level" {
                @for l in [Level::Sentence, Level::Paragraph, Level::Article] {
                    option value=(l) selected[l == level] { "same " (l) }
                }
            }
            label { "at least " input type="number" name="min" min="1" value=(min) class="narrow"; " times" }
            button type="submit" { "Draw" }
        }
    }
}

/// `/network.gexf`, `/network.graphml`: the neighbourhood as a file.
pub(super) fn network_file(req: &Request<'_>, format: GraphFormat) -> Outcome {
    let Some(key) = req.params.get("entity") else {
        return Err(Failure::BadInput(
            "entity= is missing: whose network?".into(),
        ));
    };
    let (entity, _, net) = neighbourhood(req, key)?;
    let mut body = Vec::new();
    query::write_network(&net, format, &mut body)?;
    let ext = match format {
        GraphFormat::Gexf => "gexf",
        GraphFormat::Graphml => "graphml",
    };
    let mut reply = Reply::new(200, "application/xml; charset=utf-8", body);
    reply.headers.push((
        "Content-Disposition",
        format!(
            "attachment; filename=\"newsdb-network-{}.{ext}\"",
            entity.id.0
        ),
    ));
    Ok(reply)
}

/// `/stats`: counts, dates, schema version, the latest imports and their problems.
pub(super) fn stats(req: &Request<'_>) -> Outcome {
    let s = query::database_stats(req.store)?;
    let imports = query::recent_imports(req.store.conn(), 10)?;
    let markup = html! {
        h1 { "Stats" }
        dl class="facts" {
            dt { "articles" } dd { (s.articles) }
            dt { "entities" } dd { (s.entities) }
            dt { "mentions" } dd { (s.mentions) }
            dt { "aliases" } dd { (s.aliases) }
            dt { "sources" } dd { (s.sources) }
            dt { "published" } dd { (s.first_published.as_deref().unwrap_or("–")) " to " (s.last_published.as_deref().unwrap_or("–")) }
            dt { "schema version" } dd { (s.schema_version) }
            dt { "file size" } dd { @if let Some(b) = s.file_bytes { (format!("{:.1} MB", b as f64 / 1e6)) } @else { "–" } }
            dt { "import problems" } dd { (s.import_errors) }
        }
        h2 { "Latest imports" }
        @if imports.is_empty() { p class="empty" { "None recorded." } }
        @for run in &imports {
            section class="import" {
                h3 { "#" (run.id) " · " (run.started_at) @if run.finished_at.is_none() { " (running or stopped)" } }
                p class="meta" {
                    @if let Some(a) = &run.arguments { (a) " · " }
                    (run.inserted) " inserted, " (run.updated) " updated, " (run.unchanged) " unchanged, "
                    (run.failed) " failed, " (run.warnings) " warnings"
                }
                @if !run.errors.is_empty() {
                    ul class="problems" {
                        @for p in &run.errors {
                            li class=(p.severity) { strong { (p.severity) } " " (p.origin) ": " (p.message) }
                        }
                    }
                }
            }
        }
    };
    Ok(Reply::html(200, layout("Stats", false, markup)))
}
