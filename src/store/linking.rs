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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use rusqlite::{params, Connection};

use super::{entities, units};
use crate::error::Result;
use crate::model::{ArticleId, EntityId, EntityKind};
use crate::resolve::corpus::{
    choose_candidate, context_counts, context_without, is_fragment, Family, Lonely,
};
use crate::resolve::identity_key;
use crate::resolve::link::{CompanyCounter, Profile};

/// Every name of every entity of a kind: the candidates a lone name may mean.
const SQL_NAMES_OF_KIND: &str = "SELECT n.entity_id, n.name FROM entity_names n
    JOIN entities e ON e.id = n.entity_id
    WHERE e.kind = ?1 AND e.merged_into IS NULL AND n.mentions > 0
    ORDER BY n.entity_id, n.name";
/// The distinct one-word local names of a kind, person or organization (read from the
/// index `mentions_lone_names` alone, which holds those two kinds: V20).
const SQL_LONE_NAMES: &str = "SELECT DISTINCT local_name FROM mentions
    WHERE local_kind = ?1 AND instr(local_name, ' ') = 0
      AND (local_kind = 'person' OR local_kind = 'organization')";
/// The articles with a lone mention of this local kind and name (the `instr` and kind
/// terms, the partial index's own, let `mentions_lone_names` answer; without them
/// SQLite scans the table).
const SQL_ARTICLES_WITH_NAME: &str = "SELECT DISTINCT article_id FROM mentions
    WHERE local_kind = ?1 AND local_name = ?2 AND instr(local_name, ' ') = 0
      AND (local_kind = 'person' OR local_kind = 'organization')";
/// The distinct local names of a kind that may be written with initials (the `GLOB`
/// term, [`crate::resolve::corpus::INITIALS_GLOB`], lets the partial index `mentions_initials_names` answer).
const SQL_INITIALS_NAMES: &str = "SELECT DISTINCT local_name FROM mentions
    WHERE local_kind = ?1 AND local_name GLOB '[A-Z][ .]*'";
/// The articles with a mention of this local kind and name written with initials.
const SQL_ARTICLES_WITH_INITIALS: &str = "SELECT DISTINCT article_id FROM mentions
    WHERE local_kind = ?1 AND local_name = ?2 AND local_name GLOB '[A-Z][ .]*'";
/// The mentions of an article, `lone` when they are a one-word local name of a linked
/// kind or a name that may be written with initials. All of them, in id order: the
/// pass finds which lone ones are a fragment (another mention of the field ends one
/// character before it, see [`crate::resolve::corpus::is_fragment`]) from their
/// offsets, in one read of the article.
const SQL_LONE_IN: &str = "SELECT id, entity_id, local_kind, local_name, surface, field,
      start_char, end_char,
      (local_kind = ?2 OR local_kind = ?3)
        AND (instr(local_name, ' ') = 0 OR local_name GLOB '[A-Z][ .]*') AS lone
    FROM mentions
    WHERE article_id = ?1
    ORDER BY id";
/// The mentions of an article that the context is made of (lone names filtered out
/// by [`Lonely::is_lone`]).
const SQL_CONTEXT: &str = "SELECT entity_id, local_kind, local_name FROM mentions
    WHERE article_id = ?1 AND linked_name IS NULL";
/// The articles that name an entity themselves (not through a link).
const SQL_ARTICLES_OF: &str = "SELECT DISTINCT article_id FROM mentions
    WHERE entity_id = ?1 AND linked_name IS NULL ORDER BY article_id";
/// The mentions by which articles name an entity themselves (lone names are filtered
/// out by [`Lonely::is_lone`], so the count never depends on links).
const SQL_NAMED_IN: &str = "SELECT article_id, local_kind, local_name FROM mentions
    WHERE entity_id = ?1 AND linked_name IS NULL";
/// Every mention that is not a link, article by article: one scan instead of a query
/// per candidate article when a pass needs most profiles.
const SQL_ALL_NAMED: &str = "SELECT article_id, entity_id, local_kind, local_name FROM mentions
    WHERE linked_name IS NULL ORDER BY article_id";
const SQL_ARTICLE_COUNT: &str = "SELECT COUNT(*) FROM articles";
const SQL_USER_FIXED: &str = "SELECT user_fixed FROM entities WHERE id = ?1";
const SQL_NAME_OF: &str = "SELECT name FROM entities WHERE id = ?1";
const SQL_MARK_PENDING: &str = "INSERT OR IGNORE INTO pending_name_links (key) VALUES (?1)";
const SQL_PENDING: &str = "SELECT key FROM pending_name_links";
const SQL_CLEAR_PENDING: &str = "DELETE FROM pending_name_links";

pub(crate) use crate::resolve::corpus::pending_keys;

/// Records that lone surnames with this key (or full names ending with it) were
/// written, for [`link_pending`] to link.
pub(crate) fn mark_pending(conn: &Connection, key: &str) -> Result<()> {
    conn.prepare_cached(SQL_MARK_PENDING)?.execute([key])?;
    Ok(())
}

/// Links the lone surnames of every pending key and clears the list, on the caller's
/// transaction. Returns how many mentions changed entity.
pub(crate) fn link_pending(conn: &Connection) -> Result<u64> {
    link_pending_reading(conn, None)
}

/// [`link_pending`] for a caller whose transaction has changed nothing since the last
/// commit but the pending list, on the store file `path`: the pass decides on a second
/// connection to it while this one writes, so it takes the time of the slower of the
/// two rather than of both.
///
/// `beside` runs on `conn`, in its transaction, while the second connection reads the
/// evidence and this one would wait: work the caller would do after the pass (an
/// error from it stops the pass). It runs at most once, and not at all when there is
/// nothing to link or no second connection can read the store.
pub(crate) fn link_pending_committed(
    conn: &Connection,
    path: &Path,
    beside: &mut dyn FnMut(&Connection) -> Result<()>,
) -> Result<u64> {
    link_pending_reading(conn, Some((path, beside)))
}

/// The store file a pass may read on a second connection, and what the writing
/// connection does meanwhile ([`link_pending_committed`]).
type Snapshot<'a> = (&'a Path, &'a mut dyn FnMut(&Connection) -> Result<()>);

/// [`link_pending`], deciding on a second connection to `snapshot` when given (see
/// [`link_lone_names`]).
fn link_pending_reading(conn: &Connection, snapshot: Option<Snapshot<'_>>) -> Result<u64> {
    let keys: HashSet<String> = conn
        .prepare(SQL_PENDING)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if keys.is_empty() {
        return Ok(0);
    }
    let moved = link_lone_names(conn, Some(&keys), snapshot)?;
    conn.execute(SQL_CLEAR_PENDING, [])?;
    Ok(moved)
}

/// Links every lone surname of the store and clears the pending list.
pub(crate) fn link_all(conn: &Connection) -> Result<u64> {
    let moved = link_lone_names(conn, None, None)?;
    conn.execute(SQL_CLEAR_PENDING, [])?;
    Ok(moved)
}

/// One lone mention as the pass reads it.
struct Lone {
    id: i64,
    entity: EntityId,
    name: String,
    surface: String,
    /// Right after another mention: a piece of a longer name
    /// ([`Family::links_fragments`]).
    fragment: bool,
}

/// Article contexts a pass keeps at most: each is a few dozen ids, so the cache stays
/// within tens of MB however large the store (a profile reads every article of its
/// candidate, and an article is in the profiles of several candidates).
const CONTEXT_CACHE: usize = 20_000;

/// Caches of one pass: every query result is a function of the mentions that are not
/// lone names and of no link, so the same whatever the pass already changed.
struct Evidence<'c> {
    conn: &'c Connection,
    lonely: Lonely,
    articles: f64,
    contexts: HashMap<ArticleId, Vec<EntityId>>,
    /// Per article, how many of its context mentions each entity has.
    counts: HashMap<ArticleId, HashMap<EntityId, u32>>,
    shares: HashMap<EntityId, f64>,
    /// Whether `shares` holds every entity an article names ([`Evidence::preload`]).
    shares_complete: bool,
    /// Each candidate's profile, over the entities' numbers in `index`.
    profiles: HashMap<EntityId, Profile<u32>>,
    /// A small number per entity (every entity a profile holds has one; a preload
    /// numbers every entity of the store), so an entry of a profile takes 8 bytes: a
    /// large store's profiles hold millions of entries, its entities thousands.
    index: HashMap<EntityId, u32>,
}

/// The number of `entity` in `index`, given it on first sight.
fn intern(index: &mut HashMap<EntityId, u32>, entity: EntityId) -> u32 {
    let next = u32::try_from(index.len()).expect("fewer than 2^32 entities in a pass");
    *index.entry(entity).or_insert(next)
}

impl Evidence<'_> {
    fn context(&mut self, article: ArticleId) -> Result<&Vec<EntityId>> {
        if !self.contexts.contains_key(&article) {
            if self.contexts.len() >= CONTEXT_CACHE {
                // Dropping the cache changes no result, only what is read again.
                self.contexts.clear();
                self.counts.clear();
            }
            let rows: Vec<(EntityId, Option<EntityKind>, Option<String>)> = self
                .conn
                .prepare_cached(SQL_CONTEXT)?
                .query_map([article], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let counts = context_counts(
                rows.into_iter()
                    .filter(|(_, kind, name)| !self.lonely.is_lone(*kind, name.as_deref()))
                    .map(|(id, _, _)| id),
            );
            let mut ids: Vec<EntityId> = counts.keys().copied().collect();
            ids.sort_unstable();
            self.contexts.insert(article, ids);
            self.counts.insert(article, counts);
        }
        Ok(&self.contexts[&article])
    }

    /// The articles that name `entity` themselves, with it among their context.
    fn articles_of(&mut self, entity: EntityId) -> Result<Vec<ArticleId>> {
        let all: Vec<ArticleId> = self
            .conn
            .prepare_cached(SQL_ARTICLES_OF)?
            .query_map([entity], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::with_capacity(all.len());
        for a in all {
            if self.context(a)?.contains(&entity) {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// The share of all articles that name `entity` themselves.
    fn share(&mut self, entity: EntityId) -> Result<f64> {
        if let Some(&s) = self.shares.get(&entity) {
            return Ok(s);
        }
        if self.shares_complete {
            // Preloaded: an entity no article names has no share.
            return Ok(0.0);
        }
        let rows: Vec<(ArticleId, Option<EntityKind>, Option<String>)> = self
            .conn
            .prepare_cached(SQL_NAMED_IN)?
            .query_map([entity], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let named: HashSet<ArticleId> = rows
            .into_iter()
            .filter(|(_, kind, name)| !self.lonely.is_lone(*kind, name.as_deref()))
            .map(|(a, _, _)| a)
            .collect();
        let s = named.len() as f64 / self.articles.max(1.0);
        self.shares.insert(entity, s);
        Ok(s)
    }

    /// Computes the profiles of `wanted` and the share of every entity in one scan of
    /// the mentions, as [`Evidence::profile`] and [`Evidence::share`] would one by one
    /// (the same values: an article's context and named entities are built by the same
    /// rules). Worth it when a pass needs the profiles of most candidates.
    fn preload(&mut self, wanted: &HashSet<EntityId>) -> Result<()> {
        // The candidates are numbered first: 0 to `wanted.len()`.
        debug_assert!(self.index.is_empty());
        for &c in wanted {
            intern(&mut self.index, c);
        }
        let candidates = u32::try_from(wanted.len()).expect("fewer than 2^32 candidates");
        let mut named: HashMap<EntityId, u32> = HashMap::new();
        let mut company = CompanyCounter::new();
        let mut context: Vec<u32> = Vec::new();
        let index = &mut self.index;
        let mut flush = |ids: &mut Vec<EntityId>| {
            let counts = context_counts(ids.iter().copied());
            ids.sort_unstable();
            ids.dedup();
            for &e in ids.iter() {
                *named.entry(e).or_default() += 1;
            }
            context.clear();
            context.extend(counts.keys().map(|&e| intern(index, e)));
            company.add_article(&context, |c| c < candidates);
            ids.clear();
        };
        let mut stmt = self.conn.prepare(SQL_ALL_NAMED)?;
        let mut rows = stmt.query([])?;
        let mut current: Option<ArticleId> = None;
        let mut ids: Vec<EntityId> = Vec::new();
        while let Some(row) = rows.next()? {
            let article: ArticleId = row.get(0)?;
            if current != Some(article) {
                flush(&mut ids);
                current = Some(article);
            }
            let kind: Option<EntityKind> = row.get(2)?;
            let name: Option<String> = row.get(3)?;
            if !self.lonely.is_lone(kind, name.as_deref()) {
                ids.push(row.get(1)?);
            }
        }
        flush(&mut ids);
        let total = self.articles.max(1.0);
        self.shares = named
            .into_iter()
            .map(|(e, n)| (e, f64::from(n) / total))
            .collect();
        self.shares_complete = true;
        let mut profiles = company.finish();
        for &c in wanted {
            let profile = profiles.remove(&self.index[&c]).unwrap_or_default();
            self.profiles.insert(c, profile);
        }
        drop(profiles);
        // The counter's hash table and fold lists (some 30 MB) were freed on this
        // thread, whose heap the writer's thread does not reuse: handed back, they
        // are not part of the pass's peak.
        crate::memory::release_freed();
        Ok(())
    }

    /// About the bytes the profiles and shares hold (what a preload keeps for the
    /// whole pass): their entries, the hash tables' slots and control bytes included.
    fn held_bytes(&self) -> usize {
        fn table<K, V>(map: &HashMap<K, V>) -> usize {
            map.capacity() * (std::mem::size_of::<(K, V)>() + 1)
        }
        let profiles: usize = self.profiles.values().map(Profile::heap_bytes).sum();
        profiles + table(&self.profiles) + table(&self.shares) + table(&self.index)
    }

    /// Drops the cached context of an article no later decision reads again.
    fn forget(&mut self, article: ArticleId) {
        self.contexts.remove(&article);
        self.counts.remove(&article);
    }

    fn profile(&mut self, entity: EntityId) -> Result<()> {
        if self.profiles.contains_key(&entity) {
            return Ok(());
        }
        let articles = self.articles_of(entity)?;
        let mut shared: HashMap<EntityId, u32> = HashMap::new();
        for &a in &articles {
            for &e in self.context(a)? {
                if e != entity {
                    *shared.entry(e).or_default() += 1;
                }
            }
        }
        let index = &mut self.index;
        let profile = Profile::from_counts(
            articles.len() as u32,
            shared.into_iter().map(|(e, n)| (intern(index, e), n)),
        );
        self.profiles.insert(entity, profile);
        Ok(())
    }
}

/// The candidates of each family and key, in entity order.
type Candidates = BTreeMap<Key, Vec<EntityId>>;

/// The store's candidates per family and key.
fn read_candidates(conn: &Connection) -> Result<Candidates> {
    let mut out = Candidates::new();
    for family in Family::ALL {
        let mut stmt = conn.prepare(SQL_NAMES_OF_KIND)?;
        let rows = stmt.query_map([family.kind()], |r| {
            Ok((r.get::<_, EntityId>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (id, name) = row?;
            let Some(key) = family.candidate_key(&name) else {
                continue;
            };
            let ids = out.entry((family, key)).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(out)
}

/// Links (or unlinks) the lone names whose pending key is in `keys` (every one when
/// `None`), on the caller's transaction. Returns how many mentions changed entity.
///
/// With `snapshot`, the store's file, the pass decides on a second, read-only
/// connection to it, on another thread, while this one writes what was decided (and
/// first runs the snapshot's other part, see [`link_pending_committed`]): only
/// for a caller whose transaction has changed nothing the decisions read (the
/// committed store is then what this transaction sees). The decisions are the same
/// either way: they read only mentions that are not lone names, which the pass never
/// changes, and each article's lone mentions before its own change.
///
/// The candidates are the one input a pass changes: a moved mention takes its kind
/// vote along, so an entity may become a person or stop being one ("Mr Hague" said
/// in many articles made The Hague a person, a candidate beside William Hague, until
/// the pass linked those mentions to him). The names whose candidates changed are
/// decided again, in further rounds ([`MAX_ROUNDS`] in all), until none change: the
/// result is then the same as a pass over the finished store.
fn link_lone_names(
    conn: &Connection,
    keys: Option<&HashSet<String>>,
    snapshot: Option<Snapshot<'_>>,
) -> Result<u64> {
    let mut candidates = read_candidates(conn)?;
    let mut moved = link_round(conn, keys, snapshot, &candidates)?;
    for _ in 1..MAX_ROUNDS {
        let now = read_candidates(conn)?;
        let Some(again) = changed_keys(&candidates, &now) else {
            break;
        };
        candidates = now;
        // The transaction holds this round's changes: the next reads on it.
        moved += link_round(conn, again.as_ref(), None, &candidates)?;
    }
    Ok(moved)
}

/// Rounds a pass runs at most ([`link_lone_names`]). Each round after the first
/// decides only the names whose candidates the one before changed, a handful; on
/// every store measured the second round changed none.
const MAX_ROUNDS: usize = 4;

/// The pending keys whose candidates differ between `before` and `after`: `None`
/// when none do, `Some(None)` (every key) when a club's key came or went (that
/// changes which mentions are lone names, and with them every article's context).
fn changed_keys(before: &Candidates, after: &Candidates) -> Option<Option<HashSet<String>>> {
    let mut changed = HashSet::new();
    let mut clubs_changed = false;
    for key in before.keys().chain(after.keys()) {
        let (b, a) = (before.get(key), after.get(key));
        if b != a {
            clubs_changed |= key.0 == Family::Club && (b.is_none() || a.is_none());
            changed.insert(key.0.pending(&key.1));
        }
    }
    if changed.is_empty() {
        None
    } else {
        Some((!clubs_changed).then_some(changed))
    }
}

/// One round of [`link_lone_names`], with the store's `candidates`.
fn link_round(
    conn: &Connection,
    keys: Option<&HashSet<String>>,
    snapshot: Option<Snapshot<'_>>,
    candidates: &Candidates,
) -> Result<u64> {
    let cache: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    // A pass that preloads first reads every mention once in order, with a small page
    // cache: the preload's counts need the memory. Then it holds the profiles while it
    // relinks, and the page cache gets what the budget leaves.
    let preloads = Preloading {
        before: &|| {
            conn.pragma_update(None, "cache_size", -PASS_CACHE_KIB)?;
            crate::memory::release_freed();
            Ok(())
        },
        after: &|held| {
            let kib = relink_cache_kib(held, cache);
            conn.pragma_update(None, "cache_size", -kib)?;
            Ok(())
        },
    };
    let beside = snapshot.and_then(|(path, beside)| Some((open_reader(conn, path)?, beside)));
    let moved = match beside {
        Some((reader, beside)) => decide_beside(conn, keys, candidates, reader, &preloads, beside),
        None => Plan::new(conn, keys, candidates, &|preloading| {
            if preloading {
                (preloads.before)()
            } else {
                Ok(())
            }
        })
        .and_then(|mut plan| {
            if plan.preloaded {
                (preloads.after)(plan.evidence.held_bytes())?;
            }
            let mut decided = std::iter::from_fn(|| plan.next_article().transpose());
            write_decisions(conn, &mut decided)
        }),
    };
    // The cache comes back even when the pass failed: the connection lives on.
    conn.pragma_update(None, "cache_size", cache)?;
    moved
}

/// What the writing connection does around a preload of the profiles.
struct Preloading<'a> {
    /// Runs before the preload.
    before: &'a dyn Fn() -> Result<()>,
    /// Runs after it, given the bytes the preloaded evidence holds.
    after: &'a dyn Fn(usize) -> Result<()>,
}

/// What the reader of [`decide_beside`] tells the writer before its first decision.
enum Planned {
    /// It is about to preload the profiles ([`Evidence::preload`]), or not.
    Preloads(bool),
    /// It preloaded them, and they hold this many bytes.
    Holds(usize),
}

/// The page cache (KiB) of the writing connection while a pass that preloaded relinks,
/// given the bytes the preloaded evidence holds and the connection's own `cache_size`:
/// what [`PASS_MEMORY_KIB`] leaves beside the evidence, at least [`PASS_CACHE_KIB`],
/// at most the connection's own cache.
fn relink_cache_kib(held: usize, cache_size: i64) -> i64 {
    // A positive `cache_size` counts pages: the budget bounds it.
    let own = if cache_size < 0 {
        -cache_size
    } else {
        PASS_MEMORY_KIB
    };
    let held_kib = i64::try_from(held / 1024).unwrap_or(i64::MAX);
    PASS_MEMORY_KIB
        .saturating_sub(held_kib)
        .clamp(PASS_CACHE_KIB, own.max(PASS_CACHE_KIB))
}

/// [`link_lone_names`] with the decisions read on `reader`, a second connection to
/// the store on another thread, in one snapshot; `preloads` runs on this thread
/// around the reader's preload, and `beside` right after the reader starts.
fn decide_beside(
    conn: &Connection,
    keys: Option<&HashSet<String>>,
    candidates: &Candidates,
    reader: Connection,
    preloads: &Preloading<'_>,
    beside: &mut dyn FnMut(&Connection) -> Result<()>,
) -> Result<u64> {
    std::thread::scope(|s| {
        // Made here, so that the writer returning early on an error of its own drops
        // the receivers before the scope joins the reader, whose sends then fail and
        // stop it.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Decided>>(DECIDED_AHEAD);
        let (plan_tx, plan_rx) = std::sync::mpsc::sync_channel::<Planned>(1);
        s.spawn(move || {
            let run = || -> Result<()> {
                reader.execute_batch("BEGIN")?;
                let mut plan = Plan::new(&reader, keys, candidates, &|preloading| {
                    // The writer waits for this before its first decision.
                    let _ = plan_tx.send(Planned::Preloads(preloading));
                    Ok(())
                })?;
                if plan.preloaded {
                    let _ = plan_tx.send(Planned::Holds(plan.evidence.held_bytes()));
                }
                while let Some(decided) = plan.next_article()? {
                    if tx.send(Ok(decided)).is_err() {
                        // The writer stopped (on an error of its own).
                        break;
                    }
                }
                Ok(())
            };
            if let Err(e) = run() {
                // The writer reports it; if it stopped already, there is no one to tell.
                let _ = tx.send(Err(e));
            }
        });
        // The reader says whether it preloads before it does, and what the preload
        // holds after; or it fails first (and then the decisions hold its error).
        let preloading = matches!(plan_rx.recv(), Ok(Planned::Preloads(true)));
        if preloading {
            (preloads.before)()?;
        }
        // The reader sees only what was committed: what this connection writes
        // meanwhile (in its transaction, touching nothing the pass reads) is not seen.
        beside(conn)?;
        if preloading {
            if let Ok(Planned::Holds(held)) = plan_rx.recv() {
                (preloads.after)(held)?;
            }
        }
        let mut decided = rx.into_iter();
        write_decisions(conn, &mut decided)
        // Returning drops the receiver, so a reader still sending stops, and is then
        // joined.
    })
}

/// A read-only connection to the store file `path` for [`decide_beside`], `None` when
/// it cannot be opened or `conn` is not in WAL mode (only then may another connection
/// read while `conn` writes; the pass then reads on `conn`).
fn open_reader(conn: &Connection, path: &Path) -> Option<Connection> {
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .ok()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return None;
    }
    let reader = Connection::open_with_flags(
        crate::db::not_a_uri(path),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .ok()?;
    // Planned once per statement, as on every other connection: without it the pass's
    // per-article read of lone names was planned again at every execution (a tenth of
    // the reader's time).
    crate::db::tune_statements(&reader).ok()?;
    reader
        .pragma_update(None, "cache_size", -PASS_CACHE_KIB)
        .ok()?;
    Some(reader)
}

/// Decided articles a reader may be ahead of the writer (see [`decide_beside`]).
const DECIDED_AHEAD: usize = 256;

/// The lone names of one article, each with the candidate its context chose.
struct Decided {
    article: ArticleId,
    names: Vec<(Family, Option<EntityId>, Vec<Lone>)>,
}

/// What a pass reads to decide: the candidates, the articles to relink and the
/// evidence, walked article by article.
struct Plan<'c> {
    evidence: Evidence<'c>,
    candidates: &'c Candidates,
    keys: Option<&'c HashSet<String>>,
    articles: std::vec::IntoIter<ArticleId>,
    /// Every profile is in `evidence`, and each article's context is dropped once
    /// decided.
    preloaded: bool,
}

impl<'c> Plan<'c> {
    /// Reads what the pass needs to decide the lone names of `keys` (every one when
    /// `None`) among `candidates`. `planned` learns whether the pass reads every
    /// profile at once (a pass over most articles), before it does.
    fn new(
        conn: &'c Connection,
        keys: Option<&'c HashSet<String>>,
        candidates: &'c Candidates,
        planned: &dyn Fn(bool) -> Result<()>,
    ) -> Result<Plan<'c>> {
        let clubs = candidates
            .keys()
            .filter(|(f, _)| *f == Family::Club)
            .map(|(_, k)| k.clone())
            .collect();
        let (articles, lone_keys) =
            articles_with_lone_names(conn, &|f, name| wanted(keys, f, name))?;
        let mut evidence = Evidence {
            conn,
            lonely: Lonely { clubs },
            articles: conn.query_row(SQL_ARTICLE_COUNT, [], |r| r.get::<_, i64>(0))? as f64,
            contexts: HashMap::new(),
            counts: HashMap::new(),
            shares: HashMap::new(),
            shares_complete: false,
            profiles: HashMap::new(),
            index: HashMap::new(),
        };
        let preloaded = articles.len() as f64 >= PRELOAD_SHARE * evidence.articles;
        planned(preloaded)?;
        if preloaded {
            let needed: HashSet<EntityId> = lone_keys
                .iter()
                .filter_map(|k| candidates.get(k))
                .flatten()
                .copied()
                .collect();
            evidence.preload(&needed)?;
        }
        Ok(Plan {
            evidence,
            candidates,
            keys,
            articles: articles.into_iter(),
            preloaded,
        })
    }

    /// The decisions of the next article, `None` after the last.
    fn next_article(&mut self) -> Result<Option<Decided>> {
        let Some(article) = self.articles.next() else {
            return Ok(None);
        };
        let keys = self.keys;
        let groups = lone_names_of(self.evidence.conn, article, &|f, name| {
            wanted(keys, f, name)
        })?;
        let mut names = Vec::with_capacity(groups.len());
        for ((family, key), lones) in groups {
            let cands = self
                .candidates
                .get(&(family, key))
                .map(Vec::as_slice)
                .unwrap_or_default();
            let target = choose(&mut self.evidence, family, article, cands)?;
            names.push((family, target, lones));
        }
        if self.preloaded {
            // Every profile is in memory: no later decision reads this context.
            self.evidence.forget(article);
        }
        Ok(Some(Decided { article, names }))
    }
}

/// The key of a lone name the pass relinks: its family's key, when `keys` (every key
/// when `None`) holds it.
fn wanted(keys: Option<&HashSet<String>>, family: Family, name: &str) -> Option<String> {
    family
        .lone_key(name)
        .filter(|key| keys.is_none_or(|k| k.contains(&family.pending(key))))
}

/// Relinks the lone names of each decided article, in order. Returns how many
/// mentions changed entity.
fn write_decisions(
    conn: &Connection,
    decided: &mut dyn Iterator<Item = Result<Decided>>,
) -> Result<u64> {
    let mut delta = units::Delta::default();
    let mut moved = 0u64;
    // A set: a pass over a large store moves millions of mentions, out of thousands of
    // entities.
    let mut left: BTreeSet<EntityId> = BTreeSet::new();
    let mut known = Known::default();
    for (done, d) in decided.enumerate() {
        let Decided { article, names } = d?;
        // The changes of one article are written together: its summaries are
        // refreshed once, not once per name of it.
        let mut changes = Vec::new();
        for (family, target, lones) in names {
            decide(conn, family, target, lones, &mut known, &mut changes)?;
        }
        moved += relink(conn, article, &changes, &mut delta, &mut left)?;
        if (done + 1) % DELTA_ARTICLES == 0 {
            // Summary changes add up: applying them in parts keeps memory bounded.
            delta.apply(conn)?;
            // Applying them decides the entities' names again.
            known.names.clear();
        }
    }
    delta.apply(conn)?;
    for id in left {
        entities::drop_if_unused(conn, id)?;
    }
    Ok(moved)
}

/// The page cache (KiB) of a pass that preloads, while it reads every mention once in
/// order (both connections), and of its reading connection after: a larger cache
/// saves those reads little time, and the preload needs the memory.
const PASS_CACHE_KIB: i64 = 8 * 1024;

/// The memory (KiB) the writing connection's page cache and the preloaded evidence
/// share while a pass relinks ([`relink_cache_kib`]). Moving mentions rewrites entries
/// all over the mentions' entity index: with 8 MiB those pages spill to the
/// write-ahead log in mid-transaction, and relinking the 6,084 articles of a
/// 10,000-article import took 0.87 s against 0.58 s with 64 MiB. The evidence grows
/// with the store (4.9 MB at 10,000 articles, 25 MB at 150,000, 52 MB at a million,
/// whose pass so gets 14 MiB), so a large store's pass keeps a small cache.
const PASS_MEMORY_KIB: i64 = 64 * 1024;

/// A pass that relinks at least this share of the store's articles reads every
/// profile in one scan ([`Evidence::preload`]) rather than article by article.
const PRELOAD_SHARE: f64 = 0.1;

/// Articles a pass relinks between two writes of the summary changes. The changes
/// are held per key (pairs of entities, names, days), so their memory grows with the
/// distinct keys of these articles: at 10,000 the pass over a million-article store
/// grew by tens of MB while deciding.
const DELTA_ARTICLES: usize = 2_000;

/// A lone name's family and key.
type Key = (Family, String);

/// The articles with a lone name that `wanted` keys, in id order, and the keys.
fn articles_with_lone_names(
    conn: &Connection,
    wanted: &dyn Fn(Family, &str) -> Option<String>,
) -> Result<(Vec<ArticleId>, HashSet<Key>)> {
    let mut articles = Vec::new();
    let mut keys = HashSet::new();
    for family in Family::ALL {
        let (sql_names, sql_articles) = match family {
            Family::Person | Family::Club => (SQL_LONE_NAMES, SQL_ARTICLES_WITH_NAME),
            Family::Initials => (SQL_INITIALS_NAMES, SQL_ARTICLES_WITH_INITIALS),
        };
        let names: Vec<String> = conn
            .prepare(sql_names)?
            .query_map([family.kind()], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for name in &names {
            let Some(key) = wanted(family, name) else {
                continue;
            };
            keys.insert((family, key));
            let mut stmt = conn.prepare_cached(sql_articles)?;
            for row in stmt.query_map(params![family.kind(), name], |r| r.get(0))? {
                articles.push(row?);
            }
        }
    }
    articles.sort_unstable();
    articles.dedup();
    Ok((articles, keys))
}

/// The lone mentions of one article that `wanted` keys, per family and key, each list
/// in mention order.
fn lone_names_of(
    conn: &Connection,
    article: ArticleId,
    wanted: &dyn Fn(Family, &str) -> Option<String>,
) -> Result<BTreeMap<(Family, String), Vec<Lone>>> {
    let mut groups: BTreeMap<(Family, String), Vec<Lone>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(SQL_LONE_IN)?;
    let rows = stmt.query_map(
        params![article, Family::Person.kind(), Family::Club.kind()],
        |r| {
            let field: String = r.get(5)?;
            let end: i64 = r.get(7)?;
            // NULL when the mention has no local kind or name: not lone.
            let lone = r.get::<_, Option<bool>>(8)? == Some(true);
            let lone = if lone {
                let kind: EntityKind = r.get(2)?;
                let mention = Lone {
                    id: r.get(0)?,
                    entity: r.get(1)?,
                    name: r.get(3)?,
                    surface: r.get(4)?,
                    fragment: false,
                };
                Some((r.get::<_, i64>(6)?, kind, mention))
            } else {
                None
            };
            Ok((field, end, lone))
        },
    )?;
    // The end offsets of each field's mentions, and the lone mentions with their field
    // and start.
    let mut ends: HashMap<String, HashSet<i64>> = HashMap::new();
    let mut lones = Vec::new();
    for row in rows {
        let (field, end, lone) = row?;
        if let Some((start, kind, mention)) = lone {
            lones.push((field.clone(), start, kind, mention));
        }
        ends.entry(field).or_default().insert(end);
    }
    for (field, start, kind, mut lone) in lones {
        lone.fragment = ends.get(&field).is_some_and(|e| is_fragment(start, e));
        let found = Family::ALL
            .into_iter()
            .filter(|f| f.kind() == kind)
            .find_map(|f| wanted(f, &lone.name).map(|key| (f, key)));
        if let Some(found) = found {
            groups.entry(found).or_default().push(lone);
        }
    }
    Ok(groups)
}

/// Where each lone mention of one name goes: to `target` when the context chose one,
/// else back to the entity of its own name. Adds a change for each that moves.
fn decide(
    conn: &Connection,
    family: Family,
    target: Option<EntityId>,
    lones: Vec<Lone>,
    known: &mut Known,
    changes: &mut Vec<Change>,
) -> Result<()> {
    for lone in lones {
        let key = identity_key(&lone.name);
        let own = match known.own.get(&key) {
            Some(&own) => own,
            None => {
                let own = match entities::lookup_key(conn, &key, None)? {
                    Some((id, merges)) => {
                        let fixed: i64 = conn
                            .prepare_cached(SQL_USER_FIXED)?
                            .query_row([id], |r| r.get(0))?;
                        Some((id, !merges.is_empty() || fixed != 0))
                    }
                    None => None,
                };
                known.own.insert(key.clone(), own);
                own
            }
        };
        // A name a person merged away, fixed or aliased is theirs to decide.
        if own.is_some_and(|(_, theirs)| theirs) {
            continue;
        }
        let target = target.filter(|_| family.links_fragments() || !lone.fragment);
        let (entity, linked) = match target {
            Some(t) => {
                let name = match known.names.get(&t) {
                    Some(name) => name.clone(),
                    None => {
                        let name: String = conn
                            .prepare_cached(SQL_NAME_OF)?
                            .query_row([t], |r| r.get(0))?;
                        known.names.insert(t, name.clone());
                        name
                    }
                };
                (t, Some(name))
            }
            None => match own {
                Some((id, _)) => (id, None),
                None => {
                    // The name has an entity now: the next lookup finds it.
                    known.own.remove(&key);
                    (
                        entities::lookup_or_create(conn, family.kind(), &lone.name)?.0,
                        None,
                    )
                }
            },
        };
        if entity != lone.entity {
            changes.push((lone, entity, linked));
        }
    }
    Ok(())
}

/// What a pass has looked up of the entities its lone names may move to. No entity is
/// merged, fixed or given another key during a pass, and the entity the pass creates
/// for a name is looked up again; a displayed name may change when the pass writes its
/// summary changes (the names' counts decide it), so `names` is dropped then.
#[derive(Default)]
struct Known {
    /// Per identity key of a lone name, the entity of that name, if any, and whether a
    /// person merged, fixed or aliased it (then the name is theirs to decide).
    own: HashMap<String, Option<(EntityId, bool)>>,
    /// The displayed name of each candidate a name was linked to, since the summary
    /// changes were last written.
    names: HashMap<EntityId, String>,
}

/// A lone mention, the entity it moves to and the name it is linked under.
type Change = (Lone, EntityId, Option<String>);

/// Moves the lone mentions of one article, counting the change in `delta` and the
/// entities they leave in `left`. Returns how many moved.
fn relink(
    conn: &Connection,
    article: ArticleId,
    changes: &[Change],
    delta: &mut units::Delta,
    left: &mut BTreeSet<EntityId>,
) -> Result<u64> {
    if changes.is_empty() {
        return Ok(0);
    }
    let moves: Vec<units::Move> = changes
        .iter()
        .map(|(lone, entity, linked)| units::Move {
            mention: lone.id,
            entity: *entity,
            linked: linked.clone(),
        })
        .collect();
    units::move_mentions(conn, article, &moves, delta)?;
    for (lone, entity, _) in changes {
        entities::add_alias(conn, *entity, &lone.surface)?;
    }
    left.extend(changes.iter().map(|(lone, _, _)| lone.entity));
    Ok(changes.len() as u64)
}

/// The candidate the article's context points to, if any.
fn choose(
    evidence: &mut Evidence<'_>,
    family: Family,
    article: ArticleId,
    candidates: &[EntityId],
) -> Result<Option<EntityId>> {
    if candidates.is_empty() {
        return Ok(None);
    }
    // Profiles first: reading them may empty the context cache, which the article's
    // own context and counts are then read back into.
    for &c in candidates {
        evidence.profile(c)?;
    }
    let context_ids = context_without(evidence.context(article)?, candidates);
    let mut context = Vec::with_capacity(context_ids.len());
    for e in context_ids {
        // An entity without a number is in no profile: it adds no evidence.
        if let Some(&number) = evidence.index.get(&e) {
            context.push((number, evidence.share(e)?));
        }
    }
    let here = &evidence.counts[&article];
    Ok(choose_candidate(
        family,
        candidates,
        &context,
        |c| &evidence.profiles[c],
        |c| here.get(c).copied().unwrap_or(0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt.query_map(params, |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    }

    /// The pass looks up the articles of each touched lone name: a scan of all mentions
    /// there makes every import's end grow with the store (it did, until the `instr`
    /// term let the partial index answer).
    #[test]
    fn the_lookups_of_the_pass_use_an_index_never_a_scan() {
        let store = crate::Store::open_in_memory().unwrap();
        let conn = store.conn();
        let kind = EntityKind::Person;
        for (sql, p) in [
            (
                SQL_ARTICLES_WITH_NAME,
                plan(conn, SQL_ARTICLES_WITH_NAME, params![kind, "Howard"]),
            ),
            (SQL_LONE_NAMES, plan(conn, SQL_LONE_NAMES, params![kind])),
            (
                SQL_INITIALS_NAMES,
                plan(conn, SQL_INITIALS_NAMES, params![kind]),
            ),
            (
                SQL_ARTICLES_WITH_INITIALS,
                plan(
                    conn,
                    SQL_ARTICLES_WITH_INITIALS,
                    params![kind, "P O'Connell"],
                ),
            ),
            (SQL_LONE_IN, plan(conn, SQL_LONE_IN, params![1, kind, kind])),
            (SQL_CONTEXT, plan(conn, SQL_CONTEXT, params![1])),
            (SQL_ARTICLES_OF, plan(conn, SQL_ARTICLES_OF, params![1])),
            (SQL_NAMED_IN, plan(conn, SQL_NAMED_IN, params![1])),
        ] {
            assert!(p.contains("USING"), "{sql}\n  is planned as: {p}");
            assert!(!p.starts_with("SCAN mentions"), "{sql}\n  scans: {p}");
        }
        for kind in [EntityKind::Person, EntityKind::Organization] {
            let p = plan(conn, SQL_ARTICLES_WITH_NAME, params![kind, "Howard"]);
            assert!(p.contains("mentions_lone_names"), "{p}");
            let p = plan(conn, SQL_LONE_NAMES, params![kind]);
            assert!(p.contains("mentions_lone_names"), "{p}");
        }
        let p = plan(conn, SQL_INITIALS_NAMES, params![kind]);
        assert!(p.contains("mentions_initials_names"), "{p}");
    }

    /// Articles of two Howards, `football` on football, and `lone` that say only "Mr
    /// Howard" beside Michael Howard's company.
    fn howard_articles(football: usize, lone: usize) -> Vec<crate::NewArticle> {
        let article = |id: &str, title: &str, body: &str| crate::NewArticle {
            external_id: id.into(),
            title: title.into(),
            body: body.into(),
            ..Default::default()
        };
        let party = "Tony Blair, Oliver Letwin and the Conservative Party in Westminster";
        let mut articles = Vec::new();
        for i in 0..8 {
            let id = format!("m{i}");
            let body = format!("Michael Howard attacked {party} on day {i}.");
            articles.push(article(&id, "Tory plans", &body));
        }
        for i in 0..4 {
            let id = format!("r{i}");
            let body = format!(
                "Ron Howard said his film with Tom Hanks would open in Los Angeles on day {i}."
            );
            articles.push(article(&id, "Film", &body));
        }
        for i in 0..football {
            let id = format!("f{i}");
            let body = format!(
                "Arsenal beat Chelsea at Highbury on day {i}, Thierry Henry scoring twice."
            );
            articles.push(article(&id, "Football", &body));
        }
        for i in 0..lone {
            let id = format!("h{i}");
            let body = format!("Mr Howard told {party} that the plans were fair on day {i}.");
            articles.push(article(&id, "Vote", &body));
        }
        articles
    }

    fn cache_size(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "cache_size", |r| r.get(0))
            .unwrap()
    }

    /// The writer's page cache while relinking is what the budget leaves beside the
    /// preloaded evidence: never below the small cache, never above the connection's.
    #[test]
    fn the_relinking_cache_is_what_the_evidence_leaves_of_the_budget() {
        let mib = 1024 * 1024;
        // A 10,000-article import's evidence holds about 5 MB.
        assert_eq!(relink_cache_kib(5 * mib, -65536), 59 * 1024);
        assert_eq!(relink_cache_kib(0, -65536), PASS_MEMORY_KIB);
        assert_eq!(
            relink_cache_kib(0, -16384),
            16384,
            "not above the connection's own cache"
        );
        assert_eq!(relink_cache_kib(60 * mib, -65536), PASS_CACHE_KIB);
        assert_eq!(relink_cache_kib(usize::MAX, -65536), PASS_CACHE_KIB);
        // 2,000 pages: the budget bounds a cache given in pages.
        assert_eq!(relink_cache_kib(0, 2000), PASS_MEMORY_KIB);
        assert_eq!(
            relink_cache_kib(0, -1024),
            PASS_CACHE_KIB,
            "at least the floor"
        );
    }

    /// A pass over a tenth of the store or more preloads the profiles with a small page
    /// cache, then gives the connection its cache back: the import's own pass and a
    /// `resolve` after it.
    #[test]
    fn a_preloading_pass_gives_the_page_cache_back() {
        let mut store = crate::Store::open_in_memory().unwrap();
        // Four of the 36 articles say only "Mr Howard": more than `PRELOAD_SHARE`.
        store
            .import_articles(howard_articles(20, 4), &crate::ImportOptions::default())
            .unwrap();
        let conn = store.conn();
        let before = cache_size(conn);
        assert_eq!(
            before, -65536,
            "the import's pass restored the cache of `db::open`"
        );
        conn.execute_batch("BEGIN").unwrap();
        link_all(conn).unwrap();
        conn.execute_batch("COMMIT").unwrap();
        assert_eq!(cache_size(conn), before);
    }

    /// An import into a file decides the pass on a second connection
    /// ([`decide_beside`]); a pass on the import's own connection then finds nothing to
    /// change: the two decide the same.
    #[test]
    fn the_pass_decides_the_same_on_a_second_connection() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::Store::open(dir.path().join("news.sqlite")).unwrap();
        // Ten of 82 articles say only "Mr Howard" (a pass that preloads), and the
        // party's company is rare enough to be evidence for Michael Howard.
        let report = store
            .import_articles(howard_articles(60, 10), &crate::ImportOptions::default())
            .unwrap();
        let conn = store.conn();
        let linked: Vec<String> = conn
            .prepare(
                "SELECT DISTINCT e.name FROM mentions m JOIN entities e ON e.id = m.entity_id
                 JOIN articles a ON a.id = m.article_id
                 WHERE a.external_id LIKE 'h%' AND m.surface = 'Mr Howard'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(linked, ["Michael Howard"]);
        assert_eq!(report.surnames_linked, 10);
        assert_eq!(cache_size(conn), -65536);
        conn.execute_batch("BEGIN").unwrap();
        assert_eq!(
            link_all(conn).unwrap(),
            0,
            "the same pass on one connection"
        );
        conn.execute_batch("COMMIT").unwrap();
    }

    /// What the writing connection does while the reader plans ([`decide_beside`]'s
    /// `beside`) runs once in the pass's transaction; when it fails, the pass stops
    /// with its error even with more decisions waiting than the channel holds (the
    /// reader is then stopped, not left blocked on a send).
    #[test]
    fn work_beside_the_reader_runs_once_and_its_error_stops_the_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.sqlite");
        let mut store = crate::Store::open(&path).unwrap();
        // More articles with a lone name than the reader may be ahead of the writer.
        let lone = DECIDED_AHEAD + 44;
        store
            .import_articles(howard_articles(10, lone), &crate::ImportOptions::default())
            .unwrap();
        let conn = store.conn();
        let pass = |beside: &mut dyn FnMut(&Connection) -> Result<()>| {
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            mark_pending(conn, "howard").unwrap();
            let moved = link_pending_committed(conn, &path, beside);
            conn.execute_batch("ROLLBACK").unwrap();
            moved
        };
        let mut runs = 0;
        let moved = pass(&mut |c: &Connection| {
            runs += 1;
            // In the pass's transaction: the pending list written just before is seen.
            let pending: i64 = c
                .query_row("SELECT COUNT(*) FROM pending_name_links", [], |r| r.get(0))
                .unwrap();
            assert_eq!(pending, 1);
            Ok(())
        });
        assert_eq!(runs, 1);
        assert_eq!(moved.unwrap(), 0, "the import linked them already");
        let failed = pass(&mut |_: &Connection| {
            Err(crate::error::Error::InvalidArgument(
                "the disk is full".into(),
            ))
        });
        assert!(
            matches!(&failed, Err(e) if e.to_string().contains("the disk is full")),
            "{failed:?}"
        );
    }

    /// The pass's reader plans a statement once, however often it runs with new
    /// values: without the planner's stability guarantee SQLite planned the per-article
    /// reads again at every execution, a tenth of the reader's time.
    #[test]
    fn the_reader_of_the_pass_plans_each_statement_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("news.sqlite");
        let mut store = crate::Store::open(&path).unwrap();
        store
            .import_articles(howard_articles(3, 5), &crate::ImportOptions::default())
            .unwrap();
        let reader = open_reader(store.conn(), &path).expect("a WAL store has a reader");
        let articles: Vec<ArticleId> = reader
            .prepare("SELECT id FROM articles ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(articles.len(), 20);
        for &article in &articles {
            lone_names_of(&reader, article, &|_, name| Some(name.to_owned())).unwrap();
        }
        for name in ["Howard", "Blair", "Letwin"] {
            let mut stmt = reader.prepare_cached(SQL_ARTICLES_WITH_NAME).unwrap();
            let found: Vec<ArticleId> = stmt
                .query_map(params![EntityKind::Person, name], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(name != "Howard" || found.len() >= 5, "{name}: {found:?}");
        }
        for sql in [SQL_LONE_IN, SQL_ARTICLES_WITH_NAME] {
            let stmt = reader.prepare_cached(sql).unwrap();
            assert_eq!(
                stmt.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "planned again: {sql}"
            );
        }
    }

    /// A changed candidate list names its key for the next round; a club key that
    /// comes or goes asks for every key (it changes which mentions are lone names).
    #[test]
    fn the_next_round_decides_the_keys_whose_candidates_changed() {
        let key = |f: Family, k: &str| (f, k.to_string());
        let before = Candidates::from([
            (key(Family::Person, "hague"), vec![EntityId(1), EntityId(2)]),
            (key(Family::Person, "howard"), vec![EntityId(3)]),
            (key(Family::Club, "united"), vec![EntityId(4)]),
        ]);
        assert_eq!(changed_keys(&before, &before), None);
        let mut after = before.clone();
        after.insert(key(Family::Person, "hague"), vec![EntityId(2)]);
        after.insert(key(Family::Initials, "M howard"), vec![EntityId(3)]);
        after.insert(key(Family::Club, "united"), vec![EntityId(5)]);
        let want: HashSet<String> = ["hague", "initials:M howard", "club:united"]
            .map(String::from)
            .into();
        assert_eq!(changed_keys(&before, &after), Some(Some(want)));
        after.insert(key(Family::Club, "city"), vec![EntityId(6)]);
        assert_eq!(changed_keys(&before, &after), Some(None));
        assert_eq!(changed_keys(&after, &before), Some(None));
    }

    /// The store's names and their kinds, and where each "Hague" mention went.
    fn hague_links(conn: &Connection) -> Vec<(String, String, String)> {
        conn.prepare(
            "SELECT a.external_id, m.surface, e.kind || ' ' || e.name FROM mentions m
             JOIN entities e ON e.id = m.entity_id JOIN articles a ON a.id = m.article_id
             WHERE m.surface LIKE '%Hague' ORDER BY m.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    /// Linking moves kind votes, so a pass can change the candidates of a name: "Mr
    /// Hague" said in many articles makes the entity of the key "hague" (The Hague) a
    /// person, a candidate beside William Hague, until the pass links those mentions
    /// to him. An article that names The Hague in full and says "Mr Hague" then had
    /// only The Hague to choose from, and stayed unlinked, where a `resolve` after the
    /// import, seeing The Hague a place again, linked it. The pass decides again the
    /// names whose candidates it changed, so the two agree.
    #[test]
    fn a_pass_decides_again_the_names_whose_candidates_it_changed() {
        let article = |id: String, title: &str, body: String| crate::NewArticle {
            external_id: id,
            title: title.into(),
            body,
            ..Default::default()
        };
        let party = "Tony Blair, Oliver Letwin and the Conservative Party in Westminster";
        let mut articles = Vec::new();
        for i in 0..20 {
            let body = format!("William Hague attacked {party} on day {i}.");
            articles.push(article(format!("w{i}"), "Tory plans", body));
        }
        for i in 0..24 {
            let body = format!("Mr Hague told {party} that the plans were fair on day {i}.");
            articles.push(article(format!("m{i}"), "Vote", body));
        }
        for i in 0..8 {
            let body = format!("Judges met at the court in The Hague on day {i}.");
            articles.push(article(format!("c{i}"), "Court", body));
        }
        for i in 0..200 {
            let body = format!(
                "Arsenal beat Chelsea at Highbury on day {i}, Thierry Henry scoring twice."
            );
            articles.push(article(format!("f{i}"), "Football", body));
        }
        let body = format!("Mr Hague flew to The Hague and told {party} on day 0.");
        articles.push(article("x".into(), "Trip", body));
        // A store file: the first round decides on a second connection.
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::Store::open(dir.path().join("news.sqlite")).unwrap();
        store
            .import_articles(articles, &crate::ImportOptions::default())
            .unwrap();
        let conn = store.conn();
        let links = hague_links(conn);
        let of = |id: &str, surface: &str| {
            links
                .iter()
                .filter(|(a, s, _)| a == id && s == surface)
                .map(|(_, _, e)| e.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(of("m3", "Mr Hague"), ["person William Hague"], "{links:?}");
        assert_eq!(of("c3", "The Hague"), ["location The Hague"], "{links:?}");
        assert_eq!(of("x", "Mr Hague"), ["person William Hague"], "{links:?}");
        conn.execute_batch("BEGIN").unwrap();
        assert_eq!(
            link_all(conn).unwrap(),
            0,
            "a pass after it changes nothing"
        );
        conn.execute_batch("COMMIT").unwrap();
        assert_eq!(hague_links(conn), links);
    }

    /// The SQL finds the names [`Family::Initials`] keys by the same pattern.
    #[test]
    fn the_initials_queries_use_the_pattern_of_the_family() {
        use crate::resolve::corpus::INITIALS_GLOB;
        for sql in [SQL_INITIALS_NAMES, SQL_ARTICLES_WITH_INITIALS, SQL_LONE_IN] {
            assert!(sql.contains(&format!("GLOB '{INITIALS_GLOB}'")), "{sql}");
        }
        let conn = Connection::open_in_memory().unwrap();
        for (name, key) in [
            ("P O'Connell", Some("P o'connell")),
            ("J.P.R. Williams", Some("J williams")),
            ("Paul O'Connell", None),
            ("JP Morgan", None),
        ] {
            let matched: bool = conn
                .query_row("SELECT ?1 GLOB ?2", params![name, INITIALS_GLOB], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(Family::Initials.lone_key(name).as_deref(), key, "{name}");
            assert!(matched || key.is_none(), "{name}");
        }
    }
}
