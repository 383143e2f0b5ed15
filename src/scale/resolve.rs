//! `newsdb resolve --parquet DIR...`: the cross-article part of entity resolution
//! (identity keys, kind votes, displayed names, lone-name links by context) over the
//! Parquet output of `newsdb extract`, without a store.
//!
//! Three streaming passes over the mention files: the first sums, per identity key,
//! the kind votes and name counts (an entity's kind and name); the second builds the
//! linking evidence (per article its context, per candidate full name the company it
//! keeps, per entity how many articles name it) and keeps the context of each article
//! that holds a lone name with candidates; the third writes each mention's entity.
//! Memory grows with distinct names, candidate-entity pairs and lone-name contexts,
//! not with mentions. The rules are the store's ([`crate::resolve::corpus`],
//! [`crate::resolve::link`]), so the entities equal a direct import's.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::columns::{read, Cell, Columns, TableWriter, Ty};
use super::extract::{ARTICLES_FILE, MENTIONS_FILE, PARAGRAPHS_FILE};
use crate::error::{Error, Result};
use crate::model::EntityKind;
use crate::resolve::corpus::{
    choose_candidate, context_counts, context_without, decide_kind, decide_name, is_fragment,
    vote_weight, Family, Lonely,
};
use crate::resolve::identity_key;
use crate::resolve::link::{CompanyCounter, Profile};
use crate::store::paragraphs::REPEATED_PARAGRAPH_ARTICLES;

/// The entity table written by [`resolve_parquet`].
pub const ENTITIES_FILE: &str = "entities.parquet";
/// Each mention with its entity, written by [`resolve_parquet`].
pub const MENTION_ENTITIES_FILE: &str = "mention_entities.parquet";

/// What a resolution over Parquet did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ResolveReport {
    /// Articles in the input, duplicates aside.
    pub articles: u64,
    /// Articles left out as duplicates of an earlier one (same title and body), as an
    /// import skips them.
    pub duplicates: u64,
    /// Mentions resolved.
    pub mentions: u64,
    /// Mentions left out because their paragraph repeats across its source's articles
    /// (boilerplate, as an import drops them).
    pub boilerplate_mentions: u64,
    /// Entities written.
    pub entities: u64,
    /// Lone names linked to a full name by context.
    pub linked: u64,
    /// Distinct identity keys seen (the size of the per-name state).
    pub keys: u64,
    /// Lone-name groups whose context was kept for a decision.
    pub lone_groups: u64,
    /// Seconds taken.
    pub seconds: f64,
}

/// One mention as the passes read it.
struct Mention {
    body: bool,
    start_char: i64,
    end_char: i64,
    surface: String,
    kind: EntityKind,
    name: String,
    confidence: f64,
    kind_cue: bool,
}

/// One entity: an identity key and the evidence of its mentions.
struct Entity {
    key: String,
    first_kind: EntityKind,
    votes: [i64; 4],
    names: HashMap<String, i64>,
    mentions: i64,
    kind: EntityKind,
    name: String,
}

impl Entity {
    fn decide(&mut self) {
        let votes: Vec<(EntityKind, i64)> = EntityKind::ALL
            .iter()
            .map(|&k| (k, self.votes[kind_index(k)]))
            .collect();
        self.kind = decide_kind(&votes).unwrap_or(self.first_kind);
        let names: Vec<(&str, i64)> = self.names.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        if let Some(name) = decide_name(&names) {
            self.name = name.to_string();
        }
    }
}

fn kind_index(kind: EntityKind) -> usize {
    EntityKind::ALL
        .iter()
        .position(|&k| k == kind)
        .expect("ALL holds every kind")
}

/// A lone name of one article with candidates, waiting for the evidence to be complete.
struct LoneGroup {
    article: u64,
    family: Family,
    key: String,
    candidates: Vec<u32>,
    context: Vec<u32>,
    in_article: Vec<u32>,
    /// Kind, vote weight and local name of each of its mentions, and whether it is a
    /// fragment its family never links ([`Family::links_fragments`]).
    mentions: Vec<(EntityKind, i64, String, bool)>,
}

/// The end offsets of an article's mentions, per field: title, then body.
fn field_ends(mentions: &[Mention]) -> [HashSet<i64>; 2] {
    let mut ends = [HashSet::new(), HashSet::new()];
    for m in mentions {
        ends[usize::from(m.body)].insert(m.end_char);
    }
    ends
}

/// The input files under some directories (searched recursively), by name, in path
/// order.
#[derive(Default)]
struct Inputs {
    articles: Vec<PathBuf>,
    paragraphs: Vec<PathBuf>,
    mentions: Vec<PathBuf>,
}

impl Inputs {
    fn find(dirs: &[PathBuf]) -> Result<Inputs> {
        let mut out = Inputs::default();
        let mut stack: Vec<PathBuf> = dirs.to_vec();
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
            for entry in entries {
                let path = entry.map_err(|e| Error::io(&dir, e))?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                match path.file_name().and_then(|n| n.to_str()) {
                    Some(ARTICLES_FILE) => out.articles.push(path),
                    Some(PARAGRAPHS_FILE) => out.paragraphs.push(path),
                    Some(MENTIONS_FILE) => out.mentions.push(path),
                    _ => {}
                }
            }
        }
        out.articles.sort();
        out.paragraphs.sort();
        out.mentions.sort();
        if out.articles.is_empty() || out.mentions.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "no {ARTICLES_FILE} and {MENTIONS_FILE} under {} (expected the output of \
                 `newsdb extract --format parquet --out DIR`)",
                dirs.iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(out)
    }
}

/// The paragraph texts that repeat across more than [`REPEATED_PARAGRAPH_ARTICLES`]
/// other articles of their source: an import makes them boilerplate and drops their
/// mentions.
fn repeated_paragraphs(
    files: &[PathBuf],
    duplicates: &HashSet<String>,
) -> Result<HashSet<(String, String)>> {
    let mut copies: HashMap<(String, String), i64> = HashMap::new();
    for path in files {
        let mut current: Option<String> = None;
        let mut seen: HashSet<String> = HashSet::new();
        for batch in read(path, &["article_external_id", "source", "text_hash"])? {
            let batch = batch.map_err(|e| super::columns::parquet_err(path, e))?;
            let c = Columns::new(&batch, path);
            let (article, source, hash) = (
                c.str("article_external_id")?,
                c.str("source")?,
                c.str("text_hash")?,
            );
            for i in 0..batch.num_rows() {
                let (Some(source), Some(hash)) = (source(i), hash(i)) else {
                    continue;
                };
                let id = article(i).unwrap_or_default();
                if duplicates.contains(id) {
                    continue;
                }
                if current.as_deref() != Some(id) {
                    current = Some(id.to_string());
                    seen.clear();
                }
                if seen.insert(hash.to_string()) {
                    *copies
                        .entry((source.to_string(), hash.to_string()))
                        .or_default() += 1;
                }
            }
        }
    }
    Ok(copies
        .into_iter()
        .filter(|(_, n)| *n > REPEATED_PARAGRAPH_ARTICLES)
        .map(|(k, _)| k)
        .collect())
}

/// Calls `f` with each article's mentions (articles numbered from 0 in file order; an
/// article's mentions are consecutive rows), leaving out those in repeated paragraphs.
/// What a pass does with one article: its number, external id and mentions.
type OnArticle<'f> = dyn FnMut(u64, &str, &[Mention]) -> Result<()> + 'f;

/// What the passes leave out, as an import does.
struct Skip<'a> {
    /// Paragraph texts repeated across a source's articles (source, text hash).
    repeated: &'a HashSet<(String, String)>,
    /// Articles that duplicate an earlier one.
    duplicates: &'a HashSet<String>,
}

fn for_each_article(
    files: &[PathBuf],
    skip: &Skip<'_>,
    dropped: &mut u64,
    f: &mut OnArticle<'_>,
) -> Result<()> {
    let mut seq = 0u64;
    let mut started = false;
    let mut current = String::new();
    let mut pending: Vec<Mention> = Vec::new();
    const COLUMNS: [&str; 11] = [
        "article_external_id",
        "source",
        "field",
        "start_char",
        "end_char",
        "surface",
        "paragraph_hash",
        "confidence",
        "kind",
        "name",
        "kind_cue",
    ];
    for path in files {
        for batch in read(path, &COLUMNS)? {
            let batch = batch.map_err(|e| super::columns::parquet_err(path, e))?;
            let c = Columns::new(&batch, path);
            let article = c.str("article_external_id")?;
            let source = c.str("source")?;
            let field = c.str("field")?;
            let start = c.i64("start_char")?;
            let end = c.i64("end_char")?;
            let surface = c.str("surface")?;
            let hash = c.str("paragraph_hash")?;
            let confidence = c.f64("confidence")?;
            let kind = c.str("kind")?;
            let name = c.str("name")?;
            let kind_cue = c.bool("kind_cue")?;
            for i in 0..batch.num_rows() {
                let id = article(i).unwrap_or_default();
                if skip.duplicates.contains(id) {
                    continue;
                }
                if !started || id != current {
                    if started {
                        f(seq, &current, &pending)?;
                        pending.clear();
                        seq += 1;
                    }
                    started = true;
                    current = id.to_string();
                }
                if let (Some(s), Some(h)) = (source(i), hash(i)) {
                    if skip.repeated.contains(&(s.to_string(), h.to_string())) {
                        *dropped += 1;
                        continue;
                    }
                }
                let kind: EntityKind = kind(i).unwrap_or_default().parse()?;
                pending.push(Mention {
                    body: field(i) == Some("body"),
                    start_char: start(i).unwrap_or_default(),
                    end_char: end(i).unwrap_or_default(),
                    surface: surface(i).unwrap_or_default().to_string(),
                    kind,
                    name: name(i).unwrap_or_default().to_string(),
                    confidence: confidence(i).unwrap_or(1.0),
                    kind_cue: kind_cue(i).unwrap_or(false),
                });
            }
        }
    }
    if started {
        f(seq, &current, &pending)?;
    }
    Ok(())
}

/// The number of articles an import stores, and the external ids of those it skips
/// as duplicates (the same title and body as an earlier article, in file order).
fn articles_and_duplicates(files: &[PathBuf]) -> Result<(u64, HashSet<String>)> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut duplicates: HashSet<String> = HashSet::new();
    for path in files {
        for batch in read(path, &["external_id", "content_hash"])? {
            let batch = batch.map_err(|e| super::columns::parquet_err(path, e))?;
            let c = Columns::new(&batch, path);
            let (id, hash) = (c.str("external_id")?, c.str("content_hash")?);
            for i in 0..batch.num_rows() {
                if !seen.insert(hash(i).unwrap_or_default().to_string()) {
                    duplicates.insert(id(i).unwrap_or_default().to_string());
                }
            }
        }
    }
    Ok((seen.len() as u64, duplicates))
}

/// The family whose lone names a mention of this kind may be, and its lone key.
fn lone_of(kind: EntityKind, name: &str) -> Option<(Family, String)> {
    Family::ALL
        .into_iter()
        .filter(|f| f.kind() == kind)
        .find_map(|f| f.lone_key(name).map(|k| (f, k)))
}

/// Resolves the mentions of the extracts under `inputs` (directories written by
/// `newsdb extract --format parquet`, searched recursively) across articles, as an
/// import into one store would, and writes [`ENTITIES_FILE`] and
/// [`MENTION_ENTITIES_FILE`] to `out` (created if needed; files there are replaced
/// only with `force`). User aliases and merges live in a store and do not apply.
pub fn resolve_parquet(inputs: &[PathBuf], out: &Path, force: bool) -> Result<ResolveReport> {
    let started = Instant::now();
    let files = Inputs::find(inputs)?;
    let (articles, duplicates) = articles_and_duplicates(&files.articles)?;
    let mut report = ResolveReport {
        articles,
        duplicates: duplicates.len() as u64,
        ..ResolveReport::default()
    };
    let repeated = repeated_paragraphs(&files.paragraphs, &duplicates)?;
    let skip = Skip {
        repeated: &repeated,
        duplicates: &duplicates,
    };

    // Pass 1: per identity key, the votes and names of its mentions.
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut entities: Vec<Entity> = Vec::new();
    let mut dropped = 0u64;
    for_each_article(
        &files.mentions,
        &skip,
        &mut dropped,
        &mut |_, _, mentions| {
            for m in mentions {
                let key = identity_key(&m.name);
                let id = *index.entry(key.clone()).or_insert_with(|| {
                    entities.push(Entity {
                        key,
                        first_kind: m.kind,
                        votes: [0; 4],
                        names: HashMap::new(),
                        mentions: 0,
                        kind: m.kind,
                        name: m.name.to_string(),
                    });
                    (entities.len() - 1) as u32
                });
                let e = &mut entities[id as usize];
                e.votes[kind_index(m.kind)] += vote_weight(Some(m.confidence), m.body, m.kind_cue);
                *e.names.entry(m.name.to_string()).or_default() += 1;
                e.mentions += 1;
            }
            Ok(())
        },
    )?;
    report.boilerplate_mentions = dropped;
    report.keys = entities.len() as u64;
    for e in &mut entities {
        e.decide();
    }

    // The candidates of each lone key, in entity order, from every name of every
    // entity of the family's kind.
    let mut candidates: HashMap<(Family, String), Vec<u32>> = HashMap::new();
    for family in Family::ALL {
        for (id, e) in entities.iter().enumerate() {
            if e.kind != family.kind() {
                continue;
            }
            let mut names: Vec<&String> = e.names.keys().collect();
            names.sort();
            for name in names {
                if let Some(key) = family.candidate_key(name) {
                    let ids = candidates.entry((family, key)).or_default();
                    if !ids.contains(&(id as u32)) {
                        ids.push(id as u32);
                    }
                }
            }
        }
    }
    let lonely = Lonely {
        clubs: candidates
            .keys()
            .filter(|(f, _)| *f == Family::Club)
            .map(|(_, k)| k.clone())
            .collect(),
    };
    let is_candidate: HashSet<u32> = candidates.values().flatten().copied().collect();

    // Pass 2: the evidence, and the lone names waiting for it.
    let mut named = vec![0u32; entities.len()];
    let mut company = CompanyCounter::new();
    let mut groups: Vec<LoneGroup> = Vec::new();
    let mut ignored = 0u64;
    for_each_article(
        &files.mentions,
        &skip,
        &mut ignored,
        &mut |seq, _, mentions| {
            let ids: Vec<u32> = mentions
                .iter()
                .map(|m| index[&identity_key(&m.name)])
                .collect();
            let lone: Vec<bool> = mentions
                .iter()
                .map(|m| lonely.is_lone(Some(m.kind), Some(&m.name)))
                .collect();
            let counts = context_counts(
                ids.iter()
                    .zip(&lone)
                    .filter(|(_, l)| !**l)
                    .map(|(id, _)| *id),
            );
            let mut distinct: Vec<u32> = ids
                .iter()
                .zip(&lone)
                .filter(|(_, l)| !**l)
                .map(|(id, _)| *id)
                .collect();
            distinct.sort_unstable();
            distinct.dedup();
            for &e in &distinct {
                named[e as usize] += 1;
            }
            let mut context: Vec<u32> = counts.keys().copied().collect();
            context.sort_unstable();
            company.add_article(&context, |c| is_candidate.contains(&c));
            let ends = field_ends(mentions);
            let mut here: Vec<LoneGroup> = Vec::new();
            for m in mentions {
                let Some((family, key)) = lone_of(m.kind, &m.name) else {
                    continue;
                };
                let Some(cands) = candidates.get(&(family, key.clone())) else {
                    continue;
                };
                let weight = vote_weight(Some(m.confidence), m.body, m.kind_cue);
                let fragment = !family.links_fragments()
                    && is_fragment(m.start_char, &ends[usize::from(m.body)]);
                let lone = (m.kind, weight, m.name.to_string(), fragment);
                if let Some(g) = here.iter_mut().find(|g| g.family == family && g.key == key) {
                    g.mentions.push(lone);
                    continue;
                }
                here.push(LoneGroup {
                    article: seq,
                    family,
                    key,
                    candidates: cands.clone(),
                    context: context_without(&context, cands),
                    in_article: cands
                        .iter()
                        .map(|c| counts.get(c).copied().unwrap_or(0))
                        .collect(),
                    mentions: vec![lone],
                });
            }
            groups.extend(here);
            Ok(())
        },
    )?;
    report.lone_groups = groups.len() as u64;
    let profiles = company.finish();

    // The decisions, and their effect on the entities' votes and names.
    let articles = (report.articles as f64).max(1.0);
    let empty = Profile::default();
    let names_before: Vec<String> = entities.iter().map(|e| e.name.clone()).collect();
    let mut links: HashMap<(u64, Family, String), u32> = HashMap::new();
    for g in groups {
        let context: Vec<(u32, f64)> = g
            .context
            .iter()
            .map(|&e| (e, f64::from(named[e as usize]) / articles))
            .collect();
        let in_article = |c: &u32| {
            g.candidates
                .iter()
                .position(|x| x == c)
                .map_or(0, |i| g.in_article[i])
        };
        let Some(target) = choose_candidate(
            g.family,
            &g.candidates,
            &context,
            |c| profiles.get(c).unwrap_or(&empty),
            in_article,
        ) else {
            continue;
        };
        for (kind, weight, name, fragment) in &g.mentions {
            let own = index[&identity_key(name)];
            if own == target || *fragment {
                continue;
            }
            let e = &mut entities[own as usize];
            e.votes[kind_index(*kind)] -= weight;
            *e.names.entry(name.clone()).or_default() -= 1;
            e.mentions -= 1;
            let t = &mut entities[target as usize];
            *t.names
                .entry(names_before[target as usize].clone())
                .or_default() += 1;
            t.mentions += 1;
            report.linked += 1;
        }
        links.insert((g.article, g.family, g.key), target);
    }
    for e in &mut entities {
        e.decide();
    }

    // Pass 3: each mention's entity, and the entity table.
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    for name in [ENTITIES_FILE, MENTION_ENTITIES_FILE] {
        let p = out.join(name);
        if p.exists() && !force {
            return Err(Error::InvalidArgument(format!(
                "{} exists (use --force to replace it)",
                p.display()
            )));
        }
    }
    let mut writer = TableWriter::create(
        &out.join(MENTION_ENTITIES_FILE),
        &[
            ("article_external_id", Ty::Str, false),
            ("field", Ty::Str, false),
            ("start_char", Ty::I64, false),
            ("end_char", Ty::I64, false),
            ("surface", Ty::Str, false),
            ("local_kind", Ty::Str, false),
            ("local_name", Ty::Str, false),
            ("entity_id", Ty::I64, false),
            ("entity_name", Ty::Str, false),
            ("entity_kind", Ty::Str, false),
            ("linked_name", Ty::Str, true),
        ],
    )?;
    let mut mention_count = vec![0i64; entities.len()];
    let mut article_count_of = vec![0i64; entities.len()];
    for_each_article(
        &files.mentions,
        &skip,
        &mut ignored,
        &mut |seq, id, mentions| {
            let mut seen: HashSet<u32> = HashSet::new();
            let ends = field_ends(mentions);
            for m in mentions {
                let own = index[&identity_key(&m.name)];
                let linked = lone_of(m.kind, &m.name)
                    .filter(|(family, _)| {
                        family.links_fragments()
                            || !is_fragment(m.start_char, &ends[usize::from(m.body)])
                    })
                    .and_then(|(family, key)| links.get(&(seq, family, key)).copied())
                    .filter(|&t| t != own);
                let entity = linked.unwrap_or(own);
                let e = &entities[entity as usize];
                writer.row(&[
                    Cell::Str(Some(id)),
                    Cell::Str(Some(if m.body { "body" } else { "title" })),
                    Cell::I64(Some(m.start_char)),
                    Cell::I64(Some(m.end_char)),
                    Cell::Str(Some(&m.surface)),
                    Cell::Str(Some(m.kind.as_str())),
                    Cell::Str(Some(&m.name)),
                    Cell::I64(Some(i64::from(entity) + 1)),
                    Cell::Str(Some(&e.name)),
                    Cell::Str(Some(e.kind.as_str())),
                    Cell::Str(linked.map(|t| names_before[t as usize].as_str())),
                ])?;
                mention_count[entity as usize] += 1;
                if seen.insert(entity) {
                    article_count_of[entity as usize] += 1;
                }
            }
            Ok(())
        },
    )?;
    report.mentions = writer.finish()?;
    let mut table = TableWriter::create(
        &out.join(ENTITIES_FILE),
        &[
            ("id", Ty::I64, false),
            ("kind", Ty::Str, false),
            ("name", Ty::Str, false),
            ("key", Ty::Str, false),
            ("mentions", Ty::I64, false),
            ("articles", Ty::I64, false),
        ],
    )?;
    for (id, e) in entities.iter().enumerate() {
        if mention_count[id] == 0 {
            continue;
        }
        table.row(&[
            Cell::I64(Some(id as i64 + 1)),
            Cell::Str(Some(e.kind.as_str())),
            Cell::Str(Some(&e.name)),
            Cell::Str(Some(&e.key)),
            Cell::I64(Some(mention_count[id])),
            Cell::I64(Some(article_count_of[id])),
        ])?;
    }
    report.entities = table.finish()?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
