//! Co-occurrence: which entities are named in the same sentence, paragraph or article
//! as a given one, with counts and pointwise mutual information.
//!
//! A unit is an article, an (article, field, paragraph) or an (article, field,
//! sentence); mentions without a sentence or paragraph index take part only at the
//! levels they have. For entities `a` and `b` over `N` units (those holding any
//! mention), `PMI = log2(n(a,b) * N / (n(a) * n(b)))`. The marginals come from the
//! `entity_units` and `unit_totals` tables (migration V4), so only the units of `a`
//! are read.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{EntityId, EntityKind};

/// The unit two mentions must share to co-occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The same sentence of the same field.
    #[default]
    Sentence,
    /// The same paragraph of the same field.
    Paragraph,
    /// The same article.
    Article,
}

impl Level {
    /// The name used in `entity_units.level` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Sentence => "sentence",
            Level::Paragraph => "paragraph",
            Level::Article => "article",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "sentence" => Ok(Level::Sentence),
            "paragraph" => Ok(Level::Paragraph),
            "article" => Ok(Level::Article),
            _ => Err(Error::InvalidArgument(format!(
                "unknown co-occurrence level {s:?} (expected sentence, paragraph, article)"
            ))),
        }
    }
}

/// An entity named in the same units as another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cooccurrence {
    /// Row id of the other entity.
    pub entity_id: EntityId,
    /// Its canonical name.
    pub name: String,
    /// Its kind.
    pub kind: EntityKind,
    /// Units holding both entities.
    pub count: i64,
    /// Pointwise mutual information (bits) over the units of the level.
    pub pmi: f64,
}

/// Per level: the other entities in the units of `?1`, with their shared-unit count
/// and their own unit count.
/// Sentence level reads the pair counts of `sentence_pairs` (migration V5), only the
/// partners with at least `?2` shared sentences (the count of the `limit`-th partner).
const SQL_SENTENCE: &str = "SELECT p.other_id, e.name, e.kind, p.sentences, COALESCE(u.units, 0)
    FROM sentence_pairs p
    JOIN entities e ON e.id = p.other_id
    LEFT JOIN entity_units u ON u.entity_id = p.other_id AND u.level = 'sentence'
    WHERE p.entity_id = ?1 AND p.sentences >= ?2";
const SQL_SENTENCE_CUTOFF: &str = "SELECT sentences FROM sentence_pairs WHERE entity_id = ?1
    ORDER BY sentences DESC LIMIT 1 OFFSET ?2";
/// Paragraph level reads the pair counts of `paragraph_pairs` (migration V13) the same
/// way.
const SQL_PARAGRAPH: &str = "SELECT p.other_id, e.name, e.kind, p.paragraphs, COALESCE(u.units, 0)
    FROM paragraph_pairs p
    JOIN entities e ON e.id = p.other_id
    LEFT JOIN entity_units u ON u.entity_id = p.other_id AND u.level = 'paragraph'
    WHERE p.entity_id = ?1 AND p.paragraphs >= ?2";
const SQL_PARAGRAPH_CUTOFF: &str = "SELECT paragraphs FROM paragraph_pairs WHERE entity_id = ?1
    ORDER BY paragraphs DESC LIMIT 1 OFFSET ?2";
/// Article level reads the pair counts of `article_pairs` (V16) the same way when
/// `?1` is a frequent entity (named in thousands of articles: every partner of those
/// is counted there); otherwise [`article_cooccurrences`] counts the entities of
/// `?1`'s articles, which are fewer.
const SQL_ARTICLE: &str = "SELECT p.other_id, e.name, e.kind, p.articles, COALESCE(u.units, 0)
    FROM article_pairs p
    JOIN entities e ON e.id = p.other_id
    LEFT JOIN entity_units u ON u.entity_id = p.other_id AND u.level = 'article'
    WHERE p.entity_id = ?1 AND p.articles >= ?2";
const SQL_ARTICLE_CUTOFF: &str = "SELECT articles FROM article_pairs WHERE entity_id = ?1
    ORDER BY articles DESC LIMIT 1 OFFSET ?2";
const SQL_IS_FREQUENT: &str = "SELECT 1 FROM frequent_entities WHERE entity_id = ?1";
/// A partner's name, kind and article count.
const SQL_PARTNER: &str = "SELECT e.name, e.kind, COALESCE(u.units, 0) FROM entities e
    LEFT JOIN entity_units u ON u.entity_id = e.id AND u.level = 'article'
    WHERE e.id = ?1";
const SQL_UNITS: &str = "SELECT units FROM entity_units WHERE entity_id = ?1 AND level = ?2";
const SQL_TOTAL: &str = "SELECT units FROM unit_totals WHERE level = ?1";

/// PMI in bits; 0 when a count is missing (cannot happen with consistent tables).
pub(crate) fn pmi(both: i64, a: i64, b: i64, total: i64) -> f64 {
    if both <= 0 || a <= 0 || b <= 0 || total <= 0 {
        return 0.0;
    }
    ((both as f64 * total as f64) / (a as f64 * b as f64)).log2()
}

/// The entities sharing units with `entity` at `level`, most associated first: by
/// shared-unit count, then PMI, then name. Count first because PMI alone favours
/// entities seen once (a name met in a single sentence with `entity` has the highest
/// PMI possible); PMI then ranks entities with equal counts.
pub fn cooccurrences(
    conn: &Connection,
    entity: EntityId,
    level: Level,
    limit: usize,
) -> Result<Vec<Cooccurrence>> {
    let own: i64 = conn
        .prepare_cached(SQL_UNITS)?
        .query_row(rusqlite::params![entity, level.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    if own == 0 {
        return Ok(Vec::new());
    }
    let total: i64 = conn
        .prepare_cached(SQL_TOTAL)?
        .query_row([level.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let (sql, cutoff_sql) = match level {
        Level::Sentence => (SQL_SENTENCE, SQL_SENTENCE_CUTOFF),
        Level::Paragraph => (SQL_PARAGRAPH, SQL_PARAGRAPH_CUTOFF),
        Level::Article if is_frequent(conn, entity)? => (SQL_ARTICLE, SQL_ARTICLE_CUTOFF),
        Level::Article => return article_cooccurrences(conn, entity, own, total, limit),
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let row = |r: &rusqlite::Row<'_>| {
        let count: i64 = r.get(3)?;
        let theirs: i64 = r.get(4)?;
        Ok(Cooccurrence {
            entity_id: r.get(0)?,
            name: r.get(1)?,
            kind: r.get(2)?,
            count,
            pmi: pmi(count, own, theirs, total),
        })
    };
    // Partners tied with the last one kept still compete on PMI and name.
    let cutoff: i64 = conn
        .prepare_cached(cutoff_sql)?
        .query_row(
            rusqlite::params![entity, limit.saturating_sub(1) as i64],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let rows: Vec<Cooccurrence> = stmt
        .query_map(rusqlite::params![entity, cutoff], row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(most_shared(rows, limit))
}

/// Whether `entity` is frequent, so that `article_pairs` holds its partners.
fn is_frequent(conn: &Connection, entity: EntityId) -> Result<bool> {
    Ok(conn
        .prepare_cached(SQL_IS_FREQUENT)?
        .query_row([entity], |_| Ok(()))
        .optional()?
        .is_some())
}

/// [`cooccurrences`] at article level: counts the distinct entities of each article of
/// `entity` (`own` of them, of `total`), then reads names only for the partners that
/// can still make the first `limit` (those with at least the `limit`-th count: ties
/// compete on PMI and name).
fn article_cooccurrences(
    conn: &Connection,
    entity: EntityId,
    own: i64,
    total: i64,
    limit: usize,
) -> Result<Vec<Cooccurrence>> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let shared = crate::store::units::shared_articles(conn, entity)?;
    let mut counts: Vec<i64> = shared.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let cutoff = counts.get(limit - 1).copied().unwrap_or(0);
    let mut out = Vec::new();
    let mut partner = conn.prepare_cached(SQL_PARTNER)?;
    for (other, count) in shared {
        if count < cutoff {
            continue;
        }
        let (name, kind, theirs): (String, EntityKind, i64) =
            partner.query_row([other], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        out.push(Cooccurrence {
            entity_id: other,
            name,
            kind,
            count,
            pmi: pmi(count, own, theirs, total),
        });
    }
    Ok(most_shared(out, limit))
}

/// Every count of [`cooccurrences`] recomputed from the mentions in articles published
/// in a period (`?2`, `?3`; an article without a readable date is in none), at the
/// level `?4`: a unit is (article, field, sentence or paragraph), or the article. Per
/// partner: shared units, its own units, then `?1`'s units and all units in the period.
const SQL_DURING: &str = "WITH u AS (
        SELECT DISTINCT m.entity_id, m.article_id,
            CASE WHEN ?4 = 'article' THEN '' ELSE m.field END AS field,
            CASE ?4 WHEN 'sentence' THEN m.sentence WHEN 'paragraph' THEN m.paragraph
                ELSE 0 END AS unit
        FROM mentions m JOIN articles a ON a.id = m.article_id
        WHERE a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'
          AND (?2 IS NULL OR a.published_at >= ?2)
          AND (?3 IS NULL OR substr(a.published_at, 1, length(?3)) <= ?3)),
    units AS (SELECT * FROM u WHERE unit IS NOT NULL),
    own AS (SELECT article_id, field, unit FROM units WHERE entity_id = ?1),
    pairs AS (SELECT x.entity_id, COUNT(*) AS n FROM units x
        JOIN own o ON o.article_id = x.article_id AND o.field = x.field AND o.unit = x.unit
        WHERE x.entity_id != ?1 GROUP BY x.entity_id)
    SELECT p.entity_id, e.name, e.kind, p.n,
        (SELECT COUNT(*) FROM units t WHERE t.entity_id = p.entity_id),
        (SELECT COUNT(*) FROM own),
        (SELECT COUNT(*) FROM (SELECT DISTINCT article_id, field, unit FROM units))
    FROM pairs p JOIN entities e ON e.id = p.entity_id";

/// [`cooccurrences`] counted only in articles published in `period`: shared units,
/// both entities' units and the total are all those of the period, so the PMI says
/// how strongly the two were associated then. Reads every mention of the period.
pub fn cooccurrences_during(
    conn: &Connection,
    entity: EntityId,
    level: Level,
    limit: usize,
    period: &super::Period,
) -> Result<Vec<Cooccurrence>> {
    let rows: Vec<Cooccurrence> = conn
        .prepare_cached(SQL_DURING)?
        .query_map(
            rusqlite::params![entity, period.from, period.to, level.as_str()],
            |r| {
                let count: i64 = r.get(3)?;
                Ok(Cooccurrence {
                    entity_id: r.get(0)?,
                    name: r.get(1)?,
                    kind: r.get(2)?,
                    count,
                    pmi: pmi(count, r.get(5)?, r.get(4)?, r.get(6)?),
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(most_shared(rows, limit))
}

/// The `limit` rows with the most shared units, then the highest PMI, then by name.
fn most_shared(mut rows: Vec<Cooccurrence>, limit: usize) -> Vec<Cooccurrence> {
    rows.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then(y.pmi.partial_cmp(&x.pmi).unwrap_or(Ordering::Equal))
            .then_with(|| x.name.cmp(&y.name))
            // Two entities of one name (another kind): the order of their ids, never
            // the order a hash map happened to hold them in.
            .then(x.entity_id.cmp(&y.entity_id))
    });
    rows.truncate(limit);
    rows
}

#[cfg(test)]
mod tests {
    use super::super::fixture;
    use super::*;

    fn names(rows: &[Cooccurrence]) -> Vec<(&str, i64)> {
        rows.iter().map(|c| (c.name.as_str(), c.count)).collect()
    }

    fn unit_total(c: &Connection, level: &str) -> i64 {
        c.query_row(SQL_TOTAL, [level], |r| r.get(0)).unwrap()
    }

    fn assert_pmis(rows: &[Cooccurrence], expected: &[f64]) {
        let got: Vec<f64> = rows.iter().map(|r| r.pmi).collect();
        assert_eq!(got.len(), expected.len(), "{got:?} vs {expected:?}");
        for (g, w) in got.iter().zip(expected) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {expected:?}");
        }
    }

    #[test]
    fn sentence_cooccurrence_counts_shared_sentences() {
        let f = fixture::build();
        let assad = f.entity("Bashar al-Assad");
        let rows = cooccurrences(f.store.conn(), assad, Level::Sentence, 10).unwrap();
        assert_eq!(
            names(&rows),
            [
                ("Ali Khamenei", 3),
                ("Tehran", 2),
                ("Zoë", 1),
                ("Zürich", 1)
            ]
        );
        // Sentence units of the fixture, counted by hand from `fixture::ARTICLES` (the
        // sentence index is the number of periods before the mention):
        //   a1 title s0: Assad, Khamenei, Tehran      a1 body s0: Assad, Tehran, Khamenei
        //   a1 body s1: Khamenei, Assad                a1 body s2: United States
        //   a2 body s0: Trump, Iran, Tehran            a2 body s1: Assad
        //   a3 body s0: Zoë, Zürich, Assad
        // N = 7 units; Assad is in 5, Khamenei in 3, Tehran in 3, Zoë and Zürich in 1.
        //   Khamenei: log2(3 * 7 / (5 * 3)) = log2(1.4)   =  0.485426827170242
        //   Tehran:   log2(2 * 7 / (5 * 3)) = log2(14/15) = -0.099535673550914
        //   Zoë, Zürich: log2(1 * 7 / (5 * 1)) = log2(1.4) = 0.485426827170242
        assert_eq!(unit_total(f.store.conn(), "sentence"), 7);
        assert_pmis(
            &rows,
            &[
                0.485_426_827_170_242,
                -0.099_535_673_550_914,
                0.485_426_827_170_242,
                0.485_426_827_170_242,
            ],
        );
        assert_eq!(
            cooccurrences(f.store.conn(), assad, Level::Sentence, 1)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn article_and_paragraph_levels_are_coarser() {
        let f = fixture::build();
        let c = f.store.conn();
        let trump = f.entity("Donald Trump");
        let by_article = cooccurrences(c, trump, Level::Article, 10).unwrap();
        assert_eq!(
            names(&by_article),
            [("Iran", 1), ("Tehran", 1), ("Bashar al-Assad", 1)]
        );
        // By hand: 3 articles hold mentions; Trump and Iran are in 1 (a2), Tehran in 2,
        // Assad in 3: log2(1*3/(1*1)) = 1.584962500721156, log2(1*3/(1*2)) =
        // 0.584962500721156, log2(1*3/(1*3)) = 0.
        assert_eq!(unit_total(c, "article"), 3);
        assert_pmis(
            &by_article,
            &[1.584_962_500_721_156, 0.584_962_500_721_156, 0.0],
        );
        let by_paragraph = cooccurrences(c, trump, Level::Paragraph, 10).unwrap();
        assert_eq!(names(&by_paragraph), [("Iran", 1), ("Tehran", 1)]);
        // Paragraph units (newlines before the mention): a1 title p0, a1 body p0 and p1,
        // a2 body p0 and p1, a3 body p0: N = 6. Trump and Iran are in 1 (a2 p0), Tehran
        // in 3 (a1 title, a1 p0, a2 p0): log2(1*6/(1*1)) = 2.584962500721156 and
        // log2(1*6/(1*3)) = 1.
        assert_eq!(unit_total(c, "paragraph"), 6);
        assert_pmis(&by_paragraph, &[2.584_962_500_721_156, 1.0]);
        assert!("word".parse::<Level>().is_err());
    }

    #[test]
    fn unit_counts_stay_exact_through_merges_updates_and_more_mentions() {
        let mut f = fixture::build();
        // `check` holds the one recount of the summaries (its detectors are tested
        // in tests/check.rs): no unit problem after each step.
        let check = |store: &crate::Store, step: &str| {
            let problems: Vec<_> = store
                .check()
                .unwrap()
                .into_iter()
                .filter(|p| p.check == "units")
                .collect();
            assert!(problems.is_empty(), "after {step}: {problems:?}");
        };
        check(&f.store, "inserts");
        let khamenei = f.entity("Ali Khamenei");
        let tehran = f.entity("Tehran");
        let merge = f.store.merge_entities(tehran, khamenei).unwrap();
        check(&f.store, "a merge");
        f.store.unmerge(merge.id).unwrap();
        check(&f.store, "an unmerge");
        // More mentions in an article that already has some: units seen before are
        // not counted twice.
        let (_, title, _, _) = fixture::ARTICLES[0];
        let start = title.find("Tehran").or_else(|| title.find("Khamenei"));
        if let Some(start) = start {
            let word = if title[start..].starts_with("Tehran") {
                "Tehran"
            } else {
                "Khamenei"
            };
            let mut m = crate::NewMention::from_byte_range(
                tehran,
                crate::Field::Title,
                title,
                start,
                start + word.len(),
            )
            .unwrap();
            m.sentence = Some(0);
            f.store.add_mentions(f.articles[0], &[m]).unwrap();
            check(&f.store, "an added mention");
        }
        // Re-importing changed text deletes the article's mentions.
        let (ext, title, _, _) = fixture::ARTICLES[1];
        f.store
            .upsert_article(&crate::NewArticle {
                external_id: ext.into(),
                title: title.into(),
                body: "Changed.".into(),
                ..Default::default()
            })
            .unwrap();
        check(&f.store, "an updated article");
        // `check` recounts the same way (the fixture has no paragraphs: skip those).
        let problems: Vec<_> = f
            .store
            .check()
            .unwrap()
            .into_iter()
            .filter(|p| p.check != "paragraphs")
            .collect();
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn pmi_is_positive_for_attracted_pairs() {
        assert!((pmi(1, 1, 1, 8) - 3.0).abs() < 1e-12);
        assert_eq!(pmi(0, 1, 1, 8), 0.0);
    }

    #[test]
    fn a_period_counts_only_its_articles_and_an_open_one_matches_all_dated_ones() {
        let f = fixture::build();
        let assad = f.entity("Bashar al-Assad");
        let c = f.store.conn();
        let all = super::super::Period::default();
        // a3 (undated) is left out even without bounds; a1 and a2 are dated.
        let article = cooccurrences_during(c, assad, Level::Article, 50, &all).unwrap();
        assert!(
            !names(&article).iter().any(|(n, _)| *n == "Zoë"),
            "{article:?}"
        );
        assert!(names(&article).iter().any(|(n, _)| *n == "Ali Khamenei"));
        let february = super::super::Period {
            from: None,
            to: Some("2019-02".into()),
        };
        let feb = cooccurrences_during(c, assad, Level::Article, 50, &february).unwrap();
        assert!(names(&feb).iter().any(|(n, _)| *n == "Ali Khamenei"));
        assert!(
            !names(&feb).iter().any(|(n, _)| *n == "Donald Trump"),
            "{feb:?}"
        );
        let march = super::super::Period {
            from: Some("2019-03".into()),
            to: None,
        };
        let mar = cooccurrences_during(c, assad, Level::Article, 50, &march).unwrap();
        assert!(
            !names(&mar).iter().any(|(n, _)| *n == "Ali Khamenei"),
            "{mar:?}"
        );
        // Sentence level in February: every partner's count is at most its article count.
        let sent = cooccurrences_during(c, assad, Level::Sentence, 50, &february).unwrap();
        assert!(
            sent.iter().all(|r| r.count >= 1 && r.pmi.is_finite()),
            "{sent:?}"
        );
    }
}
