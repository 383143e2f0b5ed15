//! The per-entity unit counts behind co-occurrence PMI (`entity_units`, `unit_totals`,
//! created by migration V4) and the shared-sentence counts of entity pairs
//! (`sentence_pairs`, V5), with the other summaries kept the same way: shared
//! paragraphs (`paragraph_pairs`, V13), the articles each frequent entity shares with
//! every other (`article_pairs`, V16; an entity becomes frequent in [`Delta::apply`]
//! once named in `article_pair_threshold.min_articles` articles), kind votes, names,
//! mention counts and days. All are kept exact by the code that changes mentions.
//!
//! Units never span articles (an article, a paragraph or a sentence of one), so the
//! counts change only through the articles whose mentions change. Every writer wraps
//! its change in [`refresh`]: the articles' contributions are subtracted before and
//! added after, a few indexed reads per article instead of a trigger per mention row.

use std::collections::{HashMap, HashSet};

use foldhash::fast::RandomState as Fast;

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::Result;
use crate::model::{ArticleId, EntityId, EntityKind, Field, NewMention};

const LEVELS: [&str; 3] = ["article", "paragraph", "sentence"];

/// The mentions of an article as they are stored ([`StoredMention`]).
const SQL_ARTICLE_MENTION_ROWS: &str = "SELECT id, entity_id, field, sentence, paragraph,
    local_kind, local_name, linked_name, confidence, kind_cue FROM mentions
    WHERE article_id = ?1";
/// Moves one mention (see [`Move`]).
const SQL_MOVE: &str = "UPDATE mentions SET entity_id = ?2, linked_name = ?3 WHERE id = ?1";
pub(super) const SQL_ADD_VOTE: &str = "INSERT INTO entity_kind_votes (entity_id, kind, weight)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, kind) DO UPDATE SET weight = weight + excluded.weight";
const SQL_SUB_VOTE: &str =
    "UPDATE entity_kind_votes SET weight = weight + ?3 WHERE entity_id = ?1 AND kind = ?2";
const SQL_DROP_VOTE: &str =
    "DELETE FROM entity_kind_votes WHERE entity_id = ?1 AND kind = ?2 AND weight <= 0";
const SQL_ADD_NAME: &str = "INSERT INTO entity_names (entity_id, name, mentions)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, name) DO UPDATE SET mentions = mentions + excluded.mentions";
const SQL_SUB_NAME: &str =
    "UPDATE entity_names SET mentions = mentions + ?3 WHERE entity_id = ?1 AND name = ?2";
const SQL_DROP_NAME: &str =
    "DELETE FROM entity_names WHERE entity_id = ?1 AND name = ?2 AND mentions <= 0";

pub(crate) use crate::resolve::corpus::vote_weight;

/// An article naming more entities than this (a dump of many articles in one record)
/// pairs none of them in `paragraph_pairs`: its pairs alone could be millions of rows.
/// Migration V13 and `check` apply the same bound.
pub(crate) const MAX_PAIRED_ENTITIES: usize = 1000;

/// What the summaries need to know of one mention.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub entity: EntityId,
    pub body: bool,
    pub sentence: Option<i64>,
    pub paragraph: Option<i64>,
    pub local_kind: Option<EntityKind>,
    pub local_name: Option<String>,
    pub confidence: Option<f64>,
    pub kind_cue: bool,
}

impl Facts {
    /// The facts of a mention about to be inserted.
    pub(crate) fn of_new(m: &NewMention) -> Facts {
        Facts {
            entity: m.entity_id,
            body: m.field == Field::Body,
            sentence: m.sentence,
            paragraph: m.paragraph,
            local_kind: m.local_kind,
            local_name: m.local_name.clone(),
            confidence: m.confidence,
            kind_cue: m.kind_cue,
        }
    }
}
// No `RETURNING`: SQLite gathers returned rows in a temporary table, built and dropped
// at every execution, which cost more than the upsert; the article count an entity
// reaches is read back only for entities not yet frequent (`SQL_ENTITY_ARTICLES`).
pub(super) const SQL_ADD_ENTITY_UNITS: &str = "INSERT INTO entity_units (entity_id, level, units)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, level) DO UPDATE SET units = units + excluded.units";
const SQL_ENTITY_ARTICLES: &str =
    "SELECT units FROM entity_units WHERE entity_id = ?1 AND level = 'article'";
// A decrement is an UPDATE: an upsert would CHECK its negative candidate row first.
const SQL_SUB_ENTITY_UNITS: &str =
    "UPDATE entity_units SET units = units + ?3 WHERE entity_id = ?1 AND level = ?2";
const SQL_DROP_EMPTY: &str =
    "DELETE FROM entity_units WHERE entity_id = ?1 AND level = ?2 AND units <= 0";
const SQL_ADD_TOTAL: &str = "INSERT INTO unit_totals (level, units) VALUES (?1, ?2)
    ON CONFLICT (level) DO UPDATE SET units = units + excluded.units";
const SQL_ADD_PAIR: &str = "INSERT INTO sentence_pairs (entity_id, other_id, sentences)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, other_id) DO UPDATE SET sentences = sentences + excluded.sentences";
const SQL_SUB_PAIR: &str =
    "UPDATE sentence_pairs SET sentences = sentences + ?3 WHERE entity_id = ?1 AND other_id = ?2";
const SQL_DROP_PAIR: &str =
    "DELETE FROM sentence_pairs WHERE entity_id = ?1 AND other_id = ?2 AND sentences <= 0";
/// Shared paragraphs of an ordered pair (`paragraph_pairs`, V13).
const SQL_ADD_PARAGRAPH_PAIR: &str = "INSERT INTO paragraph_pairs (entity_id, other_id, paragraphs)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, other_id) DO UPDATE SET paragraphs = paragraphs + excluded.paragraphs";
const SQL_SUB_PARAGRAPH_PAIR: &str = "UPDATE paragraph_pairs SET paragraphs = paragraphs + ?3
    WHERE entity_id = ?1 AND other_id = ?2";
const SQL_DROP_PARAGRAPH_PAIR: &str =
    "DELETE FROM paragraph_pairs WHERE entity_id = ?1 AND other_id = ?2 AND paragraphs <= 0";
/// Mentions and articles of an entity on a day (`entity_days`, V14); a decrement is
/// an update, then the row is dropped once no article is left.
const SQL_ADD_DAY: &str = "INSERT INTO entity_days (entity_id, day, mentions, articles)
    VALUES (?1, ?2, ?3, ?4)
    ON CONFLICT (entity_id, day) DO UPDATE SET mentions = mentions + excluded.mentions,
        articles = articles + excluded.articles";
const SQL_CHANGE_DAY: &str = "UPDATE entity_days SET mentions = mentions + ?3,
    articles = articles + ?4 WHERE entity_id = ?1 AND day = ?2";
const SQL_DROP_DAY: &str =
    "DELETE FROM entity_days WHERE entity_id = ?1 AND day = ?2 AND articles <= 0";
/// Rebuilds `entity_days` from the mentions and the articles' dates (upgrades, repair).
pub(crate) const SQL_REBUILD_DAYS: &str = concat!(
    "DELETE FROM entity_days;
     INSERT INTO entity_days (entity_id, day, mentions, articles) ",
    super::check::actual_days!(),
    " SELECT entity_id, day, mentions, articles FROM actual;"
);
const SQL_ARTICLE_DATE: &str = "SELECT published_at FROM articles WHERE id = ?1";

/// The `entity_days` key of a publication date: its date part when it is an ISO date
/// (what timelines count), else '' (migration V14 and `check` decide the same in SQL).
pub(crate) fn day_key(published_at: Option<&str>) -> String {
    let iso = published_at.filter(|d| {
        let b = d.as_bytes();
        b.len() >= 7
            && b[..4].iter().all(u8::is_ascii_digit)
            && b[4] == b'-'
            && b[5..7].iter().all(u8::is_ascii_digit)
    });
    iso.map_or_else(String::new, |d| d.chars().take(10).collect())
}

/// The `entity_days` key of a stored article.
pub(crate) fn day_of_article(conn: &Connection, article: ArticleId) -> Result<String> {
    let date: Option<Option<String>> = conn
        .prepare_cached(SQL_ARTICLE_DATE)?
        .query_row([article], |r| r.get(0))
        .optional()?;
    Ok(day_key(date.flatten().as_deref()))
}
const SQL_ADD_MENTIONS: &str = "INSERT INTO entity_mentions (entity_id, mentions)
    VALUES (?1, ?2)
    ON CONFLICT (entity_id) DO UPDATE SET mentions = mentions + excluded.mentions";
const SQL_SUB_MENTIONS: &str =
    "UPDATE entity_mentions SET mentions = mentions + ?2 WHERE entity_id = ?1";
const SQL_DROP_MENTIONS: &str =
    "DELETE FROM entity_mentions WHERE entity_id = ?1 AND mentions <= 0";
const SQL_SUB_TOTAL: &str = "UPDATE unit_totals SET units = units + ?2 WHERE level = ?1";
/// Shared articles of a frequent entity and another (`article_pairs`, V16).
const SQL_ADD_ARTICLE_PAIR: &str = "INSERT INTO article_pairs (entity_id, other_id, articles)
    VALUES (?1, ?2, ?3)
    ON CONFLICT (entity_id, other_id) DO UPDATE SET articles = articles + excluded.articles";
const SQL_SUB_ARTICLE_PAIR: &str = "UPDATE article_pairs SET articles = articles + ?3
    WHERE entity_id = ?1 AND other_id = ?2";
const SQL_DROP_ARTICLE_PAIR: &str =
    "DELETE FROM article_pairs WHERE entity_id = ?1 AND other_id = ?2 AND articles <= 0";
/// A pair's count written whole, when its entity becomes frequent.
const SQL_SET_ARTICLE_PAIR: &str =
    "INSERT OR REPLACE INTO article_pairs (entity_id, other_id, articles) VALUES (?1, ?2, ?3)";
const SQL_FREQUENT: &str = "SELECT entity_id FROM frequent_entities";
const SQL_ADD_FREQUENT: &str = "INSERT OR IGNORE INTO frequent_entities (entity_id) VALUES (?1)";
/// How many articles make an entity frequent (V16).
const SQL_FREQUENT_THRESHOLD: &str = "SELECT min_articles FROM article_pair_threshold WHERE id = 1";
/// Every mention's entity in the articles of `?1`, article by article (the `ORDER BY`
/// costs no sort: the index `mentions_by_article` gives that order, and since V15 it
/// holds the entity too, so no row of the table is read). Counted in Rust: a `DISTINCT`
/// and `GROUP BY` in SQL sort millions of rows for a frequent entity.
const SQL_ARTICLE_ENTITIES: &str = "SELECT m.article_id, m.entity_id FROM mentions m
    WHERE m.article_id IN (SELECT article_id FROM mentions WHERE entity_id = ?1)
    ORDER BY m.article_id";

/// How many articles `entity` shares with each other entity, counted from the
/// mentions of its articles.
pub(crate) fn shared_articles(
    conn: &Connection,
    entity: EntityId,
) -> Result<HashMap<EntityId, i64, Fast>> {
    // Per partner: shared articles, and the last article counted (the rows come in
    // article order, so a partner named twice in one article counts once).
    let mut shared: HashMap<EntityId, (i64, i64), Fast> = HashMap::default();
    let mut stmt = conn.prepare_cached(SQL_ARTICLE_ENTITIES)?;
    let mut rows = stmt.query([entity])?;
    while let Some(row) = rows.next()? {
        let (article, other): (i64, EntityId) = (row.get(0)?, row.get(1)?);
        if other == entity {
            continue;
        }
        let seen = shared.entry(other).or_insert((0, -1));
        if seen.1 != article {
            *seen = (seen.0 + 1, article);
        }
    }
    Ok(shared.into_iter().map(|(e, (n, _))| (e, n)).collect())
}

/// Signed counts per ordered pair of entities. A batch of a large store gathers
/// hundreds of thousands of pairs, so the two ids are packed in one 8-byte key when
/// both fit in 32 bits (16 bytes an entry instead of 24); a pair with a larger id
/// (possible, never seen) is kept whole beside them.
#[derive(Debug, Default)]
struct PairCounts {
    packed: HashMap<u64, i64, Fast>,
    wide: HashMap<(EntityId, EntityId), i64, Fast>,
}

impl PairCounts {
    /// Adds `n` to the count of `(a, b)`.
    fn add(&mut self, (a, b): (EntityId, EntityId), n: i64) {
        match (u32::try_from(a.0), u32::try_from(b.0)) {
            (Ok(x), Ok(y)) => {
                *self
                    .packed
                    .entry(u64::from(x) << 32 | u64::from(y))
                    .or_default() += n;
            }
            _ => *self.wide.entry((a, b)).or_default() += n,
        }
    }

    /// How many pairs it holds.
    fn len(&self) -> usize {
        self.packed.len() + self.wide.len()
    }

    /// The pairs whose count is not zero, in key order, emptying it. (The packed keys
    /// sort as their pairs do; the wide ones come after.) The list is built at its
    /// final size while the map is freed, and unpacked as it is read, so the memory
    /// of the two together is the map's plus 16 bytes a pair.
    fn take_sorted(&mut self) -> impl Iterator<Item = ((EntityId, EntityId), i64)> {
        let packed = std::mem::take(&mut self.packed);
        let mut keys: Vec<(u64, i64)> = Vec::with_capacity(packed.len());
        keys.extend(packed.into_iter().filter(|&(_, n)| n != 0));
        keys.sort_unstable();
        let mut wide: Vec<_> = std::mem::take(&mut self.wide)
            .into_iter()
            .filter(|&(_, n)| n != 0)
            .collect();
        wide.sort_unstable();
        let unpack = |k: u64| {
            (
                EntityId((k >> 32) as i64),
                EntityId((k & 0xffff_ffff) as i64),
            )
        };
        keys.into_iter()
            .map(move |(k, n)| (unpack(k), n))
            .chain(wide)
    }
}

/// Signed unit counts of some articles' mentions.
#[derive(Debug, Default)]
pub(crate) struct Delta {
    entity: HashMap<(EntityId, usize), i64, Fast>,
    totals: [i64; 3],
    /// Shared sentences per ordered pair of entities (table `sentence_pairs`).
    pairs: PairCounts,
    /// Shared paragraphs per ordered pair (table `paragraph_pairs`).
    paragraph_pairs: PairCounts,
    /// Kind votes per entity (table `entity_kind_votes`).
    votes: HashMap<(EntityId, EntityKind), i64, Fast>,
    /// Local names per entity (table `entity_names`).
    names: HashMap<(EntityId, String), i64, Fast>,
    /// Mentions per entity (table `entity_mentions`).
    counts: HashMap<EntityId, i64, Fast>,
    /// Mentions and articles per entity and publication day (table `entity_days`),
    /// the day given by its number in `day_numbers`: a batch names a few thousand
    /// days and a hundred thousand entity-days.
    days: HashMap<(EntityId, u32), [i64; 2], Fast>,
    /// Day key ([`day_key`]) -> its number, in order of first use.
    day_numbers: HashMap<String, u32, Fast>,
    /// The frequent entities (`frequent_entities`), read when the delta first needs
    /// them: a delta never spans a change of that table.
    frequent: Option<HashSet<EntityId, Fast>>,
    /// Shared articles per frequent entity and other entity (table `article_pairs`).
    article_pairs: PairCounts,
}

impl Delta {
    /// Adds (`sign` = 1) or removes (-1) the units of one article's mentions.
    fn article(&mut self, conn: &Connection, article: ArticleId, sign: i64) -> Result<()> {
        let rows = stored_mentions(conn, article)?;
        let day = day_of_article(conn, article)?;
        self.mentions_only(
            conn,
            rows.iter().map(StoredMention::facts),
            &day,
            sign,
            None,
        )
        .map(|_| ())
    }

    /// The number of a day key, given one if it has none yet.
    fn day_number(&mut self, day: &str) -> u32 {
        if let Some(&n) = self.day_numbers.get(day) {
            return n;
        }
        let n = u32::try_from(self.day_numbers.len()).expect("fewer than 2^32 day keys");
        self.day_numbers.insert(day.to_string(), n);
        n
    }

    /// Reads the frequent entities, once per delta.
    fn load_frequent(&mut self, conn: &Connection) -> Result<()> {
        if self.frequent.is_none() {
            let set = conn
                .prepare_cached(SQL_FREQUENT)?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            self.frequent = Some(set);
        }
        Ok(())
    }

    /// Adds (`sign` = 1) or removes (-1) the units and votes of one article's mentions
    /// (`day`: the article's [`day_key`]; `conn` for the frequent entities).
    pub(crate) fn mentions(
        &mut self,
        conn: &Connection,
        rows: impl IntoIterator<Item = Facts>,
        day: &str,
        sign: i64,
    ) -> Result<()> {
        self.mentions_only(conn, rows, day, sign, None).map(|_| ())
    }

    /// Like [`Delta::mentions`], counting only what involves an entity of `only`
    /// (every count when `None`): an entity's own counts, and the pairs it is one of.
    /// Returns how many distinct entities the mentions name.
    fn mentions_only(
        &mut self,
        conn: &Connection,
        rows: impl IntoIterator<Item = Facts>,
        day: &str,
        sign: i64,
        only: Option<&HashSet<EntityId, Fast>>,
    ) -> Result<usize> {
        let keep = |e: &EntityId| only.is_none_or(|only| only.contains(e));
        let keep_pair = |(a, b): &(EntityId, EntityId)| keep(a) || keep(b);
        self.load_frequent(conn)?;
        // Distinct units per entity, and of the article as a whole, per level.
        let mut seen: HashSet<(Option<EntityId>, usize, bool, i64), Fast> = HashSet::default();
        // The distinct entities of each sentence.
        let mut sentences: HashMap<(bool, i64), Vec<EntityId>, Fast> = HashMap::default();
        // The distinct entities of each paragraph, and of the article (either can hold
        // thousands: sets, not list scans).
        let mut in_paragraph: HashSet<(bool, i64, EntityId), Fast> = HashSet::default();
        let mut paragraphs: HashMap<(bool, i64), Vec<EntityId>, Fast> = HashMap::default();
        let mut in_article: HashSet<EntityId, Fast> = HashSet::default();
        let mut mentions_of: HashMap<EntityId, i64, Fast> = HashMap::default();
        for f in rows {
            in_article.insert(f.entity);
            let kept = keep(&f.entity);
            if kept {
                *self.counts.entry(f.entity).or_default() += sign;
                *mentions_of.entry(f.entity).or_default() += sign;
                if let Some(kind) = f.local_kind {
                    *self.votes.entry((f.entity, kind)).or_default() +=
                        sign * vote_weight(f.confidence, f.body, f.kind_cue);
                }
                if let Some(name) = f.local_name {
                    *self.names.entry((f.entity, name)).or_default() += sign;
                }
            }
            let (entity, body, sentence, paragraph) = (f.entity, f.body, f.sentence, f.paragraph);
            if let Some(n) = sentence {
                let members = sentences.entry((body, n)).or_default();
                if !members.contains(&entity) {
                    members.push(entity);
                }
            }
            if let Some(n) = paragraph {
                if in_paragraph.insert((body, n, entity)) {
                    paragraphs.entry((body, n)).or_default().push(entity);
                }
            }
            let units = [Some(0), paragraph, sentence];
            for (level, unit) in units.into_iter().enumerate() {
                let Some(unit) = unit else { continue };
                // An article is one unit whatever the field; paragraphs and sentences
                // are numbered per field.
                let body = body && level > 0;
                if kept && seen.insert((Some(entity), level, body, unit)) {
                    *self.entity.entry((entity, level)).or_default() += sign;
                }
                if seen.insert((None, level, body, unit)) {
                    self.totals[level] += sign;
                }
            }
        }
        for members in sentences.values() {
            for_pairs(members, |pair| {
                if keep_pair(&pair) {
                    self.pairs.add(pair, sign);
                }
            });
        }
        let day = self.day_number(day);
        for (&entity, &n) in &mentions_of {
            let on_day = self.days.entry((entity, day)).or_default();
            on_day[0] += n;
            on_day[1] += sign;
        }
        let frequent = self.frequent.as_ref().expect("loaded above");
        for &a in in_article.iter().filter(|e| frequent.contains(e)) {
            for &b in &in_article {
                if a != b && keep_pair(&(a, b)) {
                    self.article_pairs.add((a, b), sign);
                }
            }
        }
        if in_article.len() > MAX_PAIRED_ENTITIES {
            return Ok(in_article.len());
        }
        for members in paragraphs.values() {
            for_pairs(members, |pair| {
                if keep_pair(&pair) {
                    self.paragraph_pairs.add(pair, sign);
                }
            });
        }
        Ok(in_article.len())
    }

    /// Writes the counts to the summary tables and starts over.
    pub(crate) fn apply(&mut self, conn: &Connection) -> Result<()> {
        // In key order, so that the upserts walk each table's B-tree forward.
        let mut entity: Vec<_> = self.entity.iter().map(|(&k, &n)| (k, n)).collect();
        entity.sort_unstable();
        // Entities not yet frequent named in more articles than before, with their
        // article count now.
        self.load_frequent(conn)?;
        let mut grown: Vec<(EntityId, i64)> = Vec::new();
        for ((entity, level), n) in entity {
            if n == 0 {
                continue;
            }
            if n > 0 {
                conn.prepare_cached(SQL_ADD_ENTITY_UNITS)?.execute(params![
                    entity,
                    LEVELS[level],
                    n
                ])?;
                let frequent = self.frequent.as_ref().expect("loaded above");
                if level == 0 && !frequent.contains(&entity) {
                    let units: i64 = conn
                        .prepare_cached(SQL_ENTITY_ARTICLES)?
                        .query_row([entity], |r| r.get(0))?;
                    grown.push((entity, units));
                }
            } else {
                conn.prepare_cached(SQL_SUB_ENTITY_UNITS)?.execute(params![
                    entity,
                    LEVELS[level],
                    n
                ])?;
                conn.prepare_cached(SQL_DROP_EMPTY)?
                    .execute(params![entity, LEVELS[level]])?;
            }
        }
        // The pair tables take most rows.
        write_pairs(
            conn,
            &mut self.pairs,
            [SQL_ADD_PAIR, SQL_SUB_PAIR, SQL_DROP_PAIR],
        )?;
        write_pairs(
            conn,
            &mut self.paragraph_pairs,
            [
                SQL_ADD_PARAGRAPH_PAIR,
                SQL_SUB_PARAGRAPH_PAIR,
                SQL_DROP_PARAGRAPH_PAIR,
            ],
        )?;
        write_pairs(
            conn,
            &mut self.article_pairs,
            [
                SQL_ADD_ARTICLE_PAIR,
                SQL_SUB_ARTICLE_PAIR,
                SQL_DROP_ARTICLE_PAIR,
            ],
        )?;
        self.promote(conn, &grown)?;
        for (level, &n) in self.totals.iter().enumerate() {
            let sql = match n {
                0 => continue,
                1.. => SQL_ADD_TOTAL,
                _ => SQL_SUB_TOTAL,
            };
            conn.prepare_cached(sql)?
                .execute(params![LEVELS[level], n])?;
        }
        let mut counts: Vec<_> = self.counts.iter().map(|(&k, &n)| (k, n)).collect();
        counts.sort_unstable();
        for (entity, n) in counts {
            let sql = match n {
                0 => continue,
                1.. => SQL_ADD_MENTIONS,
                _ => SQL_SUB_MENTIONS,
            };
            conn.prepare_cached(sql)?.execute(params![entity, n])?;
            if n < 0 {
                conn.prepare_cached(SQL_DROP_MENTIONS)?.execute([entity])?;
            }
        }
        let mut days: Vec<_> = self.days.drain().filter(|(_, n)| *n != [0, 0]).collect();
        // The day keys by number.
        let mut day_keys = vec![String::new(); self.day_numbers.len()];
        for (key, n) in self.day_numbers.drain() {
            day_keys[n as usize] = key;
        }
        days.sort_unstable_by(|((e1, d1), _), ((e2, d2), _)| {
            (e1, &day_keys[*d1 as usize]).cmp(&(e2, &day_keys[*d2 as usize]))
        });
        for ((entity, day), [mentions, articles]) in days {
            let day = &day_keys[day as usize];
            if mentions >= 0 && articles >= 0 {
                conn.prepare_cached(SQL_ADD_DAY)?
                    .execute(params![entity, day, mentions, articles])?;
            } else {
                conn.prepare_cached(SQL_CHANGE_DAY)?
                    .execute(params![entity, day, mentions, articles])?;
                conn.prepare_cached(SQL_DROP_DAY)?
                    .execute(params![entity, day])?;
            }
        }
        let mut touched: Vec<EntityId> = Vec::new();
        let votes = std::mem::take(&mut self.votes);
        write_signed(
            conn,
            votes,
            [SQL_ADD_VOTE, SQL_SUB_VOTE, SQL_DROP_VOTE],
            &mut touched,
        )?;
        let names = std::mem::take(&mut self.names);
        write_signed(
            conn,
            names,
            [SQL_ADD_NAME, SQL_SUB_NAME, SQL_DROP_NAME],
            &mut touched,
        )?;
        touched.sort_unstable();
        touched.dedup();
        for entity in touched {
            super::entities::decide(conn, entity)?;
        }
        *self = Delta::default();
        Ok(())
    }

    /// Makes frequent the entities whose article count grew to the threshold (after
    /// `entity_units` and `article_pairs` are written): their pairs are counted from
    /// the mentions, which hold this delta's change.
    /// (`grown`: the entities not yet frequent named in more articles than before,
    /// with their article count now, in id order.)
    fn promote(&mut self, conn: &Connection, grown: &[(EntityId, i64)]) -> Result<()> {
        if grown.is_empty() {
            return Ok(());
        }
        self.load_frequent(conn)?;
        let frequent = self.frequent.as_mut().expect("loaded above");
        let threshold: i64 = conn
            .prepare_cached(SQL_FREQUENT_THRESHOLD)?
            .query_row([], |r| r.get(0))?;
        for &(entity, articles) in grown {
            if articles >= threshold && !frequent.contains(&entity) {
                make_frequent(conn, entity, frequent)?;
            }
        }
        Ok(())
    }

    /// How many summary rows the delta holds (its memory: 30-80 bytes a row).
    pub(crate) fn len(&self) -> usize {
        self.entity.len()
            + self.pairs.len()
            + self.paragraph_pairs.len()
            + self.votes.len()
            + self.names.len()
            + self.counts.len()
            + self.days.len()
            + self.article_pairs.len()
    }

    /// Forgets counts that will not be written (the transaction rolled back).
    pub(crate) fn clear(&mut self) {
        *self = Delta::default();
    }
}

/// Adds (or subtracts, dropping rows that reach zero) pair counts, in key order so the
/// upserts walk the table's B-tree forward; the statements are looked up once.
fn write_pairs(
    conn: &Connection,
    pairs: &mut PairCounts,
    [add, sub, drop]: [&str; 3],
) -> Result<()> {
    // Counts that cancelled out (an article's units taken out and put back) are most
    // of a refresh's pairs: they are left out before the sort.
    let pairs = pairs.take_sorted();
    let (mut add, mut sub, mut drop) = (
        conn.prepare_cached(add)?,
        conn.prepare_cached(sub)?,
        conn.prepare_cached(drop)?,
    );
    for ((a, b), n) in pairs {
        match n {
            0 => continue,
            1.. => add.execute(params![a, b, n])?,
            _ => {
                sub.execute(params![a, b, n])?;
                drop.execute(params![a, b])?
            }
        };
    }
    Ok(())
}

/// Adds `entity` to the frequent entities (`frequent`), writing how many articles it
/// shares with each other entity. (A frequent partner already has its row for
/// `entity`: frequent entities count every partner.)
fn make_frequent(
    conn: &Connection,
    entity: EntityId,
    frequent: &mut HashSet<EntityId, Fast>,
) -> Result<()> {
    let mut shared: Vec<_> = shared_articles(conn, entity)?.into_iter().collect();
    shared.sort_unstable();
    let mut set = conn.prepare_cached(SQL_SET_ARTICLE_PAIR)?;
    for (other, n) in shared {
        set.execute(params![entity, other, n])?;
    }
    conn.prepare_cached(SQL_ADD_FREQUENT)?.execute([entity])?;
    frequent.insert(entity);
    Ok(())
}

/// Calls `f` with every ordered pair of distinct members.
fn for_pairs(members: &[EntityId], mut f: impl FnMut((EntityId, EntityId))) {
    for &a in members {
        for &b in members {
            if a != b {
                f((a, b));
            }
        }
    }
}

/// Writes signed counts keyed by entity and value, in key order: an upsert adds, an
/// update subtracts and a delete drops what reaches zero (`sql` is add, subtract,
/// drop, each taking entity, value and count, the drop only the first two). Records
/// the entities it changed in `touched`.
fn write_signed<V: rusqlite::ToSql + Ord>(
    conn: &Connection,
    counts: HashMap<(EntityId, V), i64, Fast>,
    [add, sub, drop]: [&str; 3],
    touched: &mut Vec<EntityId>,
) -> Result<()> {
    let mut rows: Vec<_> = counts.into_iter().filter(|(_, n)| *n != 0).collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for ((entity, value), n) in rows {
        touched.push(entity);
        if n > 0 {
            conn.prepare_cached(add)?
                .execute(params![entity, value, n])?;
        } else {
            conn.prepare_cached(sub)?
                .execute(params![entity, value, n])?;
            conn.prepare_cached(drop)?.execute(params![entity, value])?;
        }
    }
    Ok(())
}

/// Runs `change`, which may insert, delete or update mentions of `articles` only,
/// and updates the unit counts to match. Runs on the caller's transaction.
pub(crate) fn refresh<T>(
    conn: &Connection,
    articles: &[ArticleId],
    change: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let mut delta = Delta::default();
    let out = refresh_into(conn, articles, &mut delta, change)?;
    delta.apply(conn)?;
    Ok(out)
}

/// Like [`refresh`], but adds the change to `delta` for the caller to apply later in
/// the same transaction: the loader applies one delta per batch, so a pair of
/// entities met in many articles of the batch is one write, not one per article.
pub(crate) fn refresh_into<T>(
    conn: &Connection,
    articles: &[ArticleId],
    delta: &mut Delta,
    change: impl FnOnce() -> Result<T>,
) -> Result<T> {
    for &a in articles {
        delta.article(conn, a, -1)?;
    }
    let out = change()?;
    for &a in articles {
        delta.article(conn, a, 1)?;
    }
    Ok(out)
}

/// One mention moved to another entity: `linked` is the name it is linked under (a
/// link across articles), `None` for a mention that names its entity itself.
#[derive(Debug, Clone)]
pub(crate) struct Move {
    /// The mention's id.
    pub mention: i64,
    /// The entity it moves to.
    pub entity: EntityId,
    /// Its `linked_name` after the move.
    pub linked: Option<String>,
}

/// One stored mention as [`move_mentions`] reads it.
struct StoredMention {
    id: i64,
    entity: EntityId,
    body: bool,
    sentence: Option<i64>,
    paragraph: Option<i64>,
    local_kind: Option<EntityKind>,
    local_name: Option<String>,
    linked_name: Option<String>,
    confidence: Option<f64>,
    kind_cue: bool,
}

impl StoredMention {
    /// What the summaries count of it. A linked mention (`linked_name`) counts under
    /// its linked name and casts no kind vote: it was linked because its entity is of
    /// that kind, and so links never change which entities are candidates.
    fn facts(&self) -> Facts {
        Facts {
            entity: self.entity,
            body: self.body,
            sentence: self.sentence,
            paragraph: self.paragraph,
            local_kind: self.local_kind.filter(|_| self.linked_name.is_none()),
            local_name: self.linked_name.clone().or_else(|| self.local_name.clone()),
            confidence: self.confidence,
            kind_cue: self.kind_cue,
        }
    }
}

/// The mentions of an article as they are stored.
fn stored_mentions(conn: &Connection, article: ArticleId) -> Result<Vec<StoredMention>> {
    let mut stmt = conn.prepare_cached(SQL_ARTICLE_MENTION_ROWS)?;
    let rows = stmt.query_map([article], |r| {
        Ok(StoredMention {
            id: r.get(0)?,
            entity: r.get(1)?,
            body: r.get::<_, String>(2)? == "body",
            sentence: r.get(3)?,
            paragraph: r.get(4)?,
            local_kind: r.get(5)?,
            local_name: r.get(6)?,
            linked_name: r.get(7)?,
            confidence: r.get(8)?,
            kind_cue: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Moves mentions of `article` to other entities (`moves`; none added or deleted) and
/// adds the change of the summaries to `delta`, for the caller to apply later in the
/// same transaction. The article's mentions are read once: only the counts that
/// involve an entity the moves leave or join are taken out and put back, as every
/// other count is the same before and after. (An article that the moves may take
/// across [`MAX_PAIRED_ENTITIES`] changes every one of its paragraph pairs, and is
/// counted whole.)
pub(crate) fn move_mentions(
    conn: &Connection,
    article: ArticleId,
    moves: &[Move],
    delta: &mut Delta,
) -> Result<()> {
    if moves.is_empty() {
        return Ok(());
    }
    let mut stored = stored_mentions(conn, article)?;
    let at: HashMap<i64, usize, Fast> = stored.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut entities: HashSet<EntityId, Fast> = HashSet::default();
    for m in moves {
        let Some(&i) = at.get(&m.mention) else {
            return Err(crate::error::Error::InvalidArgument(format!(
                "mention {} is not a mention of article {}",
                m.mention, article.0
            )));
        };
        entities.insert(stored[i].entity);
        entities.insert(m.entity);
    }
    let day = day_of_article(conn, article)?;
    let distinct = stored
        .iter()
        .map(|m| m.entity)
        .collect::<HashSet<EntityId, Fast>>()
        .len();
    // A moved mention changes the number of distinct entities by one at most.
    let crosses = distinct + moves.len() > MAX_PAIRED_ENTITIES
        && distinct <= MAX_PAIRED_ENTITIES + moves.len();
    let only = (!crosses).then_some(&entities);
    delta.mentions_only(
        conn,
        stored.iter().map(StoredMention::facts),
        &day,
        -1,
        only,
    )?;
    let mut update = conn.prepare_cached(SQL_MOVE)?;
    for m in moves {
        update.execute(params![m.mention, m.entity, m.linked])?;
        let row = &mut stored[at[&m.mention]];
        row.entity = m.entity;
        row.linked_name.clone_from(&m.linked);
    }
    delta.mentions_only(conn, stored.iter().map(StoredMention::facts), &day, 1, only)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NewArticle;
    use crate::Store;

    /// Whether SQLite runs `sql` with a temporary table or index (`OpenEphemeral`),
    /// which it builds again at every execution.
    fn builds_a_temporary_index(conn: &Connection, sql: &str) -> bool {
        let mut stmt = conn.prepare(&format!("EXPLAIN {sql}")).unwrap();
        // Unbound parameters are NULL: EXPLAIN only lists the program.
        let mut rows = stmt.raw_query();
        let mut found = false;
        while let Some(row) = rows.next().unwrap() {
            found |= row.get::<_, String>(1).unwrap() == "OpenEphemeral";
        }
        found
    }

    /// The statements an import runs once per mention, entity unit and kind vote check
    /// their rows without a temporary index. A CHECK of `IN` a list of three or more
    /// values built one per row, as the schema before V19 shows (it made an import's
    /// writer spend about a tenth of its time on them).
    #[test]
    fn the_per_row_inserts_check_their_rows_without_a_temporary_index() {
        let dir = tempfile::tempdir().unwrap();
        let statements = [
            super::super::mentions::SQL_INSERT,
            SQL_ADD_ENTITY_UNITS,
            SQL_ADD_VOTE,
        ];
        let before = crate::db::open_at_version(&dir.path().join("v18.sqlite"), 18).unwrap();
        for sql in statements {
            assert!(builds_a_temporary_index(&before, sql), "V18: {sql}");
        }
        let store = Store::open(dir.path().join("new.sqlite")).unwrap();
        for sql in statements {
            assert!(!builds_a_temporary_index(store.conn(), sql), "{sql}");
        }
    }

    /// An article "N0 N1 N2 …" in one paragraph per `per_paragraph` names, each name
    /// a mention of its own entity, added through the store (so the summaries are
    /// the ones the store keeps).
    fn article_of_names(store: &mut Store, id: &str, names: usize, per_paragraph: usize) {
        let words: Vec<String> = (0..names).map(|i| format!("N{i}")).collect();
        let body = words
            .chunks(per_paragraph)
            .map(|c| c.join(" "))
            .collect::<Vec<_>>()
            .join("\n");
        let article = store
            .upsert_article(&NewArticle {
                external_id: id.into(),
                title: "Names".into(),
                body: body.clone(),
                ..NewArticle::default()
            })
            .unwrap()
            .id;
        let mut mentions = Vec::new();
        let mut at = 0;
        for (i, w) in words.iter().enumerate() {
            let start = body[at..].find(w.as_str()).unwrap() + at;
            at = start + w.len();
            mentions.push(NewMention {
                entity_id: store.entity_get_or_create(EntityKind::Person, w).unwrap(),
                field: Field::Body,
                start_char: start as i64,
                end_char: at as i64,
                start_byte: start as i64,
                end_byte: at as i64,
                surface: w.clone(),
                sentence: None,
                paragraph: Some((i / per_paragraph) as i64),
                extractor: None,
                confidence: None,
                local_kind: None,
                local_name: None,
                kind_cue: false,
            });
        }
        store.add_mentions(article, &mentions).unwrap();
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn paragraph_pairs_count_shared_paragraphs_and_skip_an_article_of_too_many_names() {
        let mut store = Store::open_in_memory().unwrap();
        // Four names, two per paragraph: N0-N1 and N2-N3 share a paragraph.
        article_of_names(&mut store, "small", 4, 2);
        let rows = |store: &Store| {
            let mut stmt = store
                .conn()
                .prepare(
                    "SELECT a.name, b.name, p.paragraphs FROM paragraph_pairs p
                     JOIN entities a ON a.id = p.entity_id JOIN entities b ON b.id = p.other_id
                     ORDER BY 1, 2",
                )
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<(String, String, i64)>>()
        };
        let expected: Vec<(String, String, i64)> =
            [("N0", "N1"), ("N1", "N0"), ("N2", "N3"), ("N3", "N2")]
                .iter()
                .map(|&(a, b)| (a.to_string(), b.to_string(), 1))
                .collect();
        assert_eq!(rows(&store), expected);

        // One record naming one more entity than the bound pairs none of them, and
        // `check` (which recounts in SQL with the same bound) agrees.
        article_of_names(&mut store, "dump", MAX_PAIRED_ENTITIES + 1, 50);
        assert_eq!(rows(&store), expected);
        // At the bound it pairs them all, 50 to a paragraph: N0-N1 again, now in 2
        // paragraphs.
        article_of_names(&mut store, "long", MAX_PAIRED_ENTITIES, 50);
        let n = MAX_PAIRED_ENTITIES as i64;
        assert_eq!(
            count(&store, "SELECT COUNT(*) FROM paragraph_pairs"),
            n / 50 * 50 * 49
        );
        assert_eq!(
            count(
                &store,
                "SELECT paragraphs FROM paragraph_pairs p JOIN entities a ON a.id = p.entity_id
                 JOIN entities b ON b.id = p.other_id WHERE a.name = 'N0' AND b.name = 'N1'"
            ),
            2
        );
        // (Paragraph rows are the loader's; this store API writes none.)
        let problems = store.check().unwrap();
        let units: Vec<_> = problems.iter().filter(|p| p.check == "units").collect();
        assert!(units.is_empty(), "{units:?}");
    }

    /// Moves the mentions named `from` in article `id` to the entity named `to`
    /// (created if need be) through [`move_mentions`], and applies the delta.
    fn move_mentions(store: &mut Store, id: &str, moves: &[(&str, &str)]) {
        let to: Vec<EntityId> = moves
            .iter()
            .map(|(_, to)| store.entity_get_or_create(EntityKind::Person, to).unwrap())
            .collect();
        let conn = store.conn();
        let article: ArticleId = conn
            .query_row(
                "SELECT id FROM articles WHERE external_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        let mut rows = Vec::new();
        for ((from, _), &to) in moves.iter().zip(&to) {
            let mention: i64 = conn
                .query_row(
                    "SELECT id FROM mentions WHERE article_id = ?1 AND surface = ?2",
                    params![article, from],
                    |r| r.get(0),
                )
                .unwrap();
            rows.push(Move {
                mention,
                entity: to,
                linked: None,
            });
        }
        let mut delta = Delta::default();
        super::move_mentions(conn, article, &rows, &mut delta).unwrap();
        delta.apply(conn).unwrap();
    }

    fn unit_problems(store: &Store) -> Vec<String> {
        store
            .check()
            .unwrap()
            .into_iter()
            .filter(|p| p.check == "units")
            .map(|p| format!("{p:?}"))
            .collect()
    }

    #[test]
    fn a_refresh_of_moved_mentions_keeps_every_summary_exact() {
        let mut store = Store::open_in_memory().unwrap();
        article_of_names(&mut store, "small", 6, 3);
        article_of_names(&mut store, "other", 4, 4);
        // Onto an entity the article names already (N0 and N1 share a paragraph), and
        // onto a new one.
        move_mentions(&mut store, "small", &[("N0", "N1"), ("N4", "Someone")]);
        assert_eq!(unit_problems(&store), Vec::<String>::new());
        assert_eq!(
            count(
                &store,
                "SELECT COUNT(*) FROM paragraph_pairs p JOIN entities a ON a.id = p.entity_id
                 WHERE a.name = 'Someone'"
            ),
            2
        );

        // Names one more entity than the bound: the move takes it down to the bound,
        // where all of its paragraph pairs count, not only those of the moved names.
        let pairs = "SELECT COUNT(*) FROM paragraph_pairs";
        let before = count(&store, pairs);
        article_of_names(&mut store, "dump", MAX_PAIRED_ENTITIES + 1, 50);
        assert_eq!(count(&store, pairs), before);
        move_mentions(&mut store, "dump", &[("N999", "N0")]);
        assert_eq!(unit_problems(&store), Vec::<String>::new());
        assert!(count(&store, pairs) > before + 40_000);
    }

    /// Pair counts pack two ids in one key when both fit in 32 bits; a pair with a
    /// larger id is counted beside them, and every summary stays exact either way.
    #[test]
    fn pairs_of_ids_past_32_bits_are_counted_like_the_others() {
        let mut store = Store::open_in_memory().unwrap();
        for name in ["N0", "N1"] {
            store
                .entity_get_or_create(EntityKind::Person, name)
                .unwrap();
        }
        // Every entity created after this one has an id past 2^32.
        store
            .conn()
            .execute(
                "INSERT INTO entities (id, kind, name, key) VALUES (?1, 'person', 'Far', 'far')",
                [(1i64 << 32) + 10],
            )
            .unwrap();
        // N0-N2 share a paragraph (packed and wide pairs), N3-N5 another (wide only).
        article_of_names(&mut store, "mixed", 6, 3);
        assert!(count(&store, "SELECT id FROM entities WHERE name = 'N2'") > 1 << 32);
        let shared = "SELECT COALESCE(SUM(paragraphs), 0) FROM paragraph_pairs p
            JOIN entities a ON a.id = p.entity_id JOIN entities b ON b.id = p.other_id
            WHERE a.name = 'N0' AND b.name = ?1";
        let shared_with = |store: &Store, name: &str| -> i64 {
            store
                .conn()
                .query_row(shared, [name], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&store, "SELECT COUNT(*) FROM paragraph_pairs"), 12);
        assert_eq!(
            (shared_with(&store, "N2"), shared_with(&store, "N3")),
            (1, 0)
        );
        assert_eq!(unit_problems(&store), Vec::<String>::new());
        // N2 becomes N3, now in both paragraphs: N0-N3 replaces N0-N2.
        move_mentions(&mut store, "mixed", &[("N2", "N3")]);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM paragraph_pairs"), 12);
        assert_eq!(
            (shared_with(&store, "N2"), shared_with(&store, "N3")),
            (0, 1)
        );
        assert_eq!(unit_problems(&store), Vec::<String>::new());
    }

    #[test]
    fn pair_counts_come_out_in_key_order_without_the_zeros() {
        let mut counts = PairCounts::default();
        let wide = EntityId(1 << 40);
        counts.add((EntityId(7), EntityId(2)), 1);
        counts.add((wide, EntityId(1)), 3);
        counts.add((EntityId(2), EntityId(9)), 2);
        counts.add((EntityId(2), EntityId(3)), 1);
        counts.add((EntityId(2), EntityId(3)), -1);
        counts.add((EntityId(2), EntityId(u32::MAX.into())), -4);
        assert_eq!(counts.len(), 5);
        assert_eq!(
            counts.take_sorted().collect::<Vec<_>>(),
            vec![
                ((EntityId(2), EntityId(9)), 2),
                ((EntityId(2), EntityId(u32::MAX.into())), -4),
                ((EntityId(7), EntityId(2)), 1),
                ((wide, EntityId(1)), 3),
            ]
        );
        assert_eq!(counts.len(), 0);
    }
}
