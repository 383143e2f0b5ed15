//! `newsdb check`: everything that must hold in a newsdb file, checked at once.

use std::time::Duration;

use rusqlite::{ErrorCode, Row};
use serde::Serialize;

use super::Store;
use crate::db::{self, ReadMode, BUSY_TIMEOUT};
use crate::error::{Error, Result};

/// How long `check` waits for another writer before it leaves the full-text index
/// unchecked (its check is a write in FTS5).
const FTS_CHECK_WAIT: Duration = Duration::from_secs(3);

/// What `check` found, and what it could not look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Everything found wrong.
    pub problems: Vec<Problem>,
    /// Checks that could not run, each with the reason ("the full-text index: the
    /// database is locked by another writer"); nothing is known to be wrong there.
    pub not_checked: Vec<String>,
}

/// One thing wrong with a database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Which check found it (`integrity`, `fts`, `foreign_keys`, `spans`, `units`,
    /// `paragraphs`: missing paragraphs, repeated-text counts and flags; `resolution`:
    /// the kind votes and name counts behind each entity's kind and name; `merges`:
    /// cycles and merge marks without a merge).
    pub check: &'static str,
    /// What is wrong.
    pub message: String,
}

pub(crate) const SQL_FTS_TRIGGERS: &str =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'
    AND name IN ('articles_ai', 'articles_ad', 'articles_au')";
pub(crate) const SQL_FTS_CHECK: &str =
    "INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)";
/// Articles that have mentions, each read once with its text.
const SQL_ARTICLES_WITH_MENTIONS: &str = "SELECT a.id, a.title, a.body FROM articles a
    WHERE EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id) ORDER BY a.id";
/// The mentions of one article (`mentions_by_article`).
const SQL_ARTICLE_SPANS: &str = "SELECT id, field, start_char, end_char, start_byte, end_byte,
    surface FROM mentions WHERE article_id = ?1";
/// The most character-span problems reported (byte-span problems are all reported).
const MAX_CHAR_SPAN_PROBLEMS: usize = 100;
// Each summary table's recount is written once, as a macro (so that `concat!` can
// build statements from it): the `WITH actual(...)` below is what `check` compares
// the table with and what `check --repair` writes into it (`store/repair.rs`).

/// The unit counts recounted from the mentions.
macro_rules! actual_units {
    () => {
        "WITH actual(entity_id, level, units) AS (
        SELECT entity_id, 'article', COUNT(DISTINCT article_id) FROM mentions GROUP BY entity_id
        UNION ALL
        SELECT entity_id, 'paragraph', COUNT(*) FROM (SELECT DISTINCT entity_id, article_id,
            field, paragraph FROM mentions WHERE paragraph IS NOT NULL) GROUP BY entity_id
        UNION ALL
        SELECT entity_id, 'sentence', COUNT(*) FROM (SELECT DISTINCT entity_id, article_id,
            field, sentence FROM mentions WHERE sentence IS NOT NULL) GROUP BY entity_id)"
    };
}
pub(crate) use actual_units;
/// Rows where the stored unit counts differ from a recount over the mentions.
macro_rules! unit_drift {
    () => {
        concat!(
            $crate::store::check::actual_units!(),
            "
    SELECT COALESCE(a.entity_id, s.entity_id), COALESCE(a.level, s.level),
           COALESCE(a.units, 0), COALESCE(s.units, 0)
    FROM actual a FULL OUTER JOIN entity_units s
         ON s.entity_id = a.entity_id AND s.level = a.level
    WHERE COALESCE(a.units, 0) <> COALESCE(s.units, 0)"
        )
    };
}
pub(crate) use unit_drift;
const SQL_UNIT_DRIFT: &str = concat!(unit_drift!(), " LIMIT 100");

/// The units holding mentions, per level, recounted.
macro_rules! actual_totals {
    () => {
        "WITH actual(level, units) AS (
        SELECT 'article', COUNT(DISTINCT article_id) FROM mentions
        UNION ALL
        SELECT 'paragraph', COUNT(*) FROM (SELECT DISTINCT article_id, field, paragraph
            FROM mentions WHERE paragraph IS NOT NULL)
        UNION ALL
        SELECT 'sentence', COUNT(*) FROM (SELECT DISTINCT article_id, field, sentence
            FROM mentions WHERE sentence IS NOT NULL))"
    };
}
pub(crate) use actual_totals;
macro_rules! total_drift {
    () => {
        concat!(
            $crate::store::check::actual_totals!(),
            "
    SELECT a.level, a.units, COALESCE(t.units, 0) FROM actual a
    LEFT JOIN unit_totals t ON t.level = a.level
    WHERE a.units <> COALESCE(t.units, 0)"
        )
    };
}
pub(crate) use total_drift;
const SQL_TOTAL_DRIFT: &str = total_drift!();

/// The sentences each ordered pair of entities shares, recounted.
macro_rules! actual_pairs {
    () => {
        "WITH s AS (SELECT DISTINCT article_id, field, sentence, entity_id
                   FROM mentions WHERE sentence IS NOT NULL),
    actual(entity_id, other_id, sentences) AS (
        SELECT a.entity_id, b.entity_id, COUNT(*) FROM s a
        JOIN s b ON b.article_id = a.article_id AND b.field = a.field
                AND b.sentence = a.sentence AND b.entity_id <> a.entity_id
        GROUP BY a.entity_id, b.entity_id)"
    };
}
pub(crate) use actual_pairs;
/// Pairs whose stored shared-sentence count differs from a recount.
macro_rules! pair_drift {
    () => {
        concat!(
            $crate::store::check::actual_pairs!(),
            "
    SELECT COALESCE(a.entity_id, p.entity_id), COALESCE(a.other_id, p.other_id),
           COALESCE(a.sentences, 0), COALESCE(p.sentences, 0)
    FROM actual a FULL OUTER JOIN sentence_pairs p
         ON p.entity_id = a.entity_id AND p.other_id = a.other_id
    WHERE COALESCE(a.sentences, 0) <> COALESCE(p.sentences, 0)"
        )
    };
}
pub(crate) use pair_drift;
const SQL_PAIR_DRIFT: &str = concat!(pair_drift!(), " LIMIT 100");

/// The paragraphs each ordered pair of entities shares, recounted (an article naming
/// over `units::MAX_PAIRED_ENTITIES` entities pairs none).
macro_rules! actual_paragraph_pairs {
    () => {
        "WITH p AS (SELECT DISTINCT article_id, field, paragraph, entity_id FROM mentions
          WHERE paragraph IS NOT NULL AND article_id IN (SELECT article_id FROM mentions
              GROUP BY article_id HAVING COUNT(DISTINCT entity_id) <= 1000)),
    actual(entity_id, other_id, paragraphs) AS (
        SELECT x.entity_id, y.entity_id, COUNT(*) FROM p x
        JOIN p y ON y.article_id = x.article_id AND y.field = x.field
                AND y.paragraph = x.paragraph AND y.entity_id <> x.entity_id
        GROUP BY x.entity_id, y.entity_id)"
    };
}
pub(crate) use actual_paragraph_pairs;
/// Pairs whose stored shared-paragraph count differs from a recount.
macro_rules! paragraph_pair_drift {
    () => {
        concat!(
            $crate::store::check::actual_paragraph_pairs!(),
            "
    SELECT COALESCE(a.entity_id, s.entity_id), COALESCE(a.other_id, s.other_id),
           COALESCE(a.paragraphs, 0), COALESCE(s.paragraphs, 0)
    FROM actual a FULL OUTER JOIN paragraph_pairs s
         ON s.entity_id = a.entity_id AND s.other_id = a.other_id
    WHERE COALESCE(a.paragraphs, 0) <> COALESCE(s.paragraphs, 0)"
        )
    };
}
pub(crate) use paragraph_pair_drift;
const SQL_PARAGRAPH_PAIR_DRIFT: &str = concat!(paragraph_pair_drift!(), " LIMIT 100");

/// The articles each frequent entity (`frequent_entities`) shares with each other
/// entity, recounted.
macro_rules! actual_article_pairs {
    () => {
        "WITH f AS (SELECT DISTINCT m.article_id, m.entity_id
              FROM frequent_entities f JOIN mentions m ON m.entity_id = f.entity_id),
    o AS (SELECT DISTINCT article_id, entity_id FROM mentions
          WHERE article_id IN (SELECT article_id FROM f)),
    actual(entity_id, other_id, articles) AS (
        SELECT x.entity_id, y.entity_id, COUNT(*) FROM f x
        JOIN o y ON y.article_id = x.article_id AND y.entity_id <> x.entity_id
        GROUP BY x.entity_id, y.entity_id)"
    };
}
pub(crate) use actual_article_pairs;
/// Pairs whose stored shared-article count differs from a recount.
macro_rules! article_pair_drift {
    () => {
        concat!(
            $crate::store::check::actual_article_pairs!(),
            "
    SELECT COALESCE(a.entity_id, s.entity_id), COALESCE(a.other_id, s.other_id),
           COALESCE(a.articles, 0), COALESCE(s.articles, 0)
    FROM actual a FULL OUTER JOIN article_pairs s
         ON s.entity_id = a.entity_id AND s.other_id = a.other_id
    WHERE COALESCE(a.articles, 0) <> COALESCE(s.articles, 0)"
        )
    };
}
pub(crate) use article_pair_drift;
const SQL_ARTICLE_PAIR_DRIFT: &str = concat!(article_pair_drift!(), " LIMIT 100");
/// Entities named in as many articles as the threshold that are not frequent (not
/// wrong, only slower to answer: `check --repair` makes them frequent, as after a
/// change of the threshold).
macro_rules! unlisted_frequent {
    () => {
        "SELECT u.entity_id, u.units, t.min_articles
    FROM entity_units u JOIN article_pair_threshold t
    WHERE u.level = 'article' AND u.units >= t.min_articles
      AND u.entity_id NOT IN (SELECT entity_id FROM frequent_entities)"
    };
}
pub(crate) use unlisted_frequent;

/// The kind votes recounted over the mentions (the weight as in
/// `units::vote_weight`).
macro_rules! actual_votes {
    () => {
        "WITH actual(entity_id, kind, weight) AS (
        SELECT entity_id, local_kind,
               SUM(CAST(ROUND(MIN(MAX(COALESCE(confidence, 1.0), 0.0), 1.0) * 1000) AS INTEGER)
                   * CASE field WHEN 'title' THEN 1 ELSE 4 END
                   * CASE kind_cue WHEN 1 THEN 10 ELSE 1 END)
        FROM mentions WHERE local_kind IS NOT NULL AND linked_name IS NULL
        GROUP BY entity_id, local_kind)"
    };
}
pub(crate) use actual_votes;
/// Kind votes that differ from a recount over the mentions.
macro_rules! vote_drift {
    () => {
        concat!(
            $crate::store::check::actual_votes!(),
            "
    SELECT COALESCE(a.entity_id, v.entity_id), COALESCE(a.kind, v.kind),
           COALESCE(a.weight, 0), COALESCE(v.weight, 0)
    FROM actual a FULL OUTER JOIN entity_kind_votes v
         ON v.entity_id = a.entity_id AND v.kind = a.kind
    WHERE COALESCE(a.weight, 0) <> COALESCE(v.weight, 0)"
        )
    };
}
pub(crate) use vote_drift;
const SQL_VOTE_DRIFT: &str = concat!(vote_drift!(), " LIMIT 100");

/// The names the mentions were resolved to, recounted.
macro_rules! actual_names {
    () => {
        "WITH actual(entity_id, name, mentions) AS (
        SELECT entity_id, COALESCE(linked_name, local_name) AS name, COUNT(*) FROM mentions
        WHERE COALESCE(linked_name, local_name) IS NOT NULL GROUP BY entity_id, name)"
    };
}
pub(crate) use actual_names;
/// Name counts that differ from a recount over the mentions.
macro_rules! name_drift {
    () => {
        concat!(
            $crate::store::check::actual_names!(),
            "
    SELECT COALESCE(a.entity_id, n.entity_id), COALESCE(a.name, n.name),
           COALESCE(a.mentions, 0), COALESCE(n.mentions, 0)
    FROM actual a FULL OUTER JOIN entity_names n
         ON n.entity_id = a.entity_id AND n.name = a.name
    WHERE COALESCE(a.mentions, 0) <> COALESCE(n.mentions, 0)"
        )
    };
}
pub(crate) use name_drift;
const SQL_NAME_DRIFT: &str = concat!(name_drift!(), " LIMIT 100");

/// The mentions per entity, recounted.
macro_rules! actual_mention_counts {
    () => {
        "WITH actual(entity_id, mentions) AS (
        SELECT entity_id, COUNT(*) FROM mentions GROUP BY entity_id)"
    };
}
pub(crate) use actual_mention_counts;
/// Mention counts per entity that differ from a recount over the mentions.
macro_rules! mention_count_drift {
    () => {
        concat!(
            $crate::store::check::actual_mention_counts!(),
            "
    SELECT COALESCE(a.entity_id, c.entity_id), COALESCE(a.mentions, 0),
           COALESCE(c.mentions, 0)
    FROM actual a FULL OUTER JOIN entity_mentions c ON c.entity_id = a.entity_id
    WHERE COALESCE(a.mentions, 0) <> COALESCE(c.mentions, 0)"
        )
    };
}
pub(crate) use mention_count_drift;
const SQL_MENTION_COUNT_DRIFT: &str = concat!(mention_count_drift!(), " LIMIT 100");
/// The mentions and articles of each entity per publication day, recounted (`day`:
/// the date part of an ISO `published_at`, '' for an article without one).
macro_rules! actual_days {
    () => {
        "WITH actual(entity_id, day, mentions, articles) AS (
        SELECT m.entity_id,
               CASE WHEN a.published_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'
                    THEN substr(a.published_at, 1, 10) ELSE '' END AS day,
               COUNT(*), COUNT(DISTINCT m.article_id)
        FROM mentions m JOIN articles a ON a.id = m.article_id
        GROUP BY m.entity_id, day)"
    };
}
pub(crate) use actual_days;
/// Per-day counts that differ from a recount over the mentions.
macro_rules! day_drift {
    () => {
        concat!(
            $crate::store::check::actual_days!(),
            "
    SELECT COALESCE(a.entity_id, d.entity_id), COALESCE(a.day, d.day),
           COALESCE(a.mentions, 0), COALESCE(a.articles, 0),
           COALESCE(d.mentions, 0), COALESCE(d.articles, 0)
    FROM actual a FULL OUTER JOIN entity_days d
         ON d.entity_id = a.entity_id AND d.day = a.day
    WHERE COALESCE(a.mentions, 0) <> COALESCE(d.mentions, 0)
       OR COALESCE(a.articles, 0) <> COALESCE(d.articles, 0)"
        )
    };
}
pub(crate) use day_drift;
const SQL_DAY_DRIFT: &str = concat!(day_drift!(), " LIMIT 100");
/// Entities whose chain of merges comes back to them.
const SQL_MERGE_CYCLES: &str = "WITH RECURSIVE walk(start, cur, depth) AS (
        SELECT id, merged_into, 1 FROM entities WHERE merged_into IS NOT NULL
        UNION ALL
        SELECT w.start, e.merged_into, w.depth + 1 FROM walk w JOIN entities e ON e.id = w.cur
        WHERE e.merged_into IS NOT NULL AND w.depth < 64 AND w.cur <> w.start)
    SELECT DISTINCT start FROM walk WHERE cur = start ORDER BY start LIMIT 100";
/// Entities marked merged without an active merge that says so.
const SQL_MERGE_UNRECORDED: &str = "SELECT e.id, e.merged_into FROM entities e
    WHERE e.merged_into IS NOT NULL AND NOT EXISTS (SELECT 1 FROM entity_merges m
        WHERE m.from_entity = e.id AND m.into_entity = e.merged_into AND m.undone_at IS NULL)
    LIMIT 100";
/// The articles of each source holding each paragraph text, recounted.
macro_rules! actual_repeats {
    () => {
        "WITH actual(source, text_hash, articles) AS (
        SELECT a.source, p.text_hash, COUNT(DISTINCT p.article_id)
        FROM paragraphs p JOIN articles a ON a.id = p.article_id
        WHERE a.source IS NOT NULL GROUP BY a.source, p.text_hash)"
    };
}
pub(crate) use actual_repeats;
/// Per-source paragraph text counts that differ from a recount.
macro_rules! repeat_drift {
    () => {
        concat!(
            $crate::store::check::actual_repeats!(),
            "
    SELECT COALESCE(a.source, s.source), COALESCE(a.text_hash, s.text_hash),
           COALESCE(a.articles, 0), COALESCE(s.articles, 0)
    FROM actual a FULL OUTER JOIN source_paragraphs s
         ON s.source = a.source AND s.text_hash = a.text_hash
    WHERE COALESCE(a.articles, 0) <> COALESCE(s.articles, 0)"
        )
    };
}
pub(crate) use repeat_drift;
const SQL_REPEAT_DRIFT: &str = concat!(repeat_drift!(), " LIMIT 100");
/// Copies of a text repeated in more articles of their source than the threshold
/// allows, yet not flagged as boilerplate.
const SQL_UNFLAGGED_REPEATS: &str = "SELECT p.article_id, p.idx, s.source, s.articles
    FROM source_paragraphs s
    JOIN paragraphs p ON p.text_hash = s.text_hash AND p.boilerplate = 0
    JOIN articles a ON a.id = p.article_id AND a.source = s.source
    WHERE s.articles > ?1
    LIMIT 100";
/// Body mentions inside boilerplate paragraphs, which extraction skips.
const SQL_BOILERPLATE_MENTIONS: &str = "SELECT m.id, m.article_id, m.paragraph
    FROM paragraphs p
    JOIN mentions m ON m.article_id = p.article_id AND m.paragraph = p.idx AND m.field = 'body'
    WHERE p.boilerplate = 1
    LIMIT 100";
const SQL_NO_PARAGRAPHS: &str = "SELECT a.id FROM articles a
    WHERE NOT EXISTS (SELECT 1 FROM paragraphs p WHERE p.article_id = a.id) LIMIT 100";

/// One mention's span as stored.
struct Span {
    id: i64,
    field: String,
    chars: (i64, i64),
    bytes: (i64, i64),
    surface: String,
}

/// The mentions whose spans do not slice their surface out of their article's text,
/// by characters (at most [`MAX_CHAR_SPAN_PROBLEMS`]) and by bytes. Each article's
/// text is read once and walked once, whatever its number of mentions: time linear
/// in the size of the texts and the number of mentions (plus sorting each article's
/// offsets), where slicing by characters in SQL walked the text from its start for
/// every mention.
fn span_problems(conn: &rusqlite::Connection) -> Result<(Vec<Problem>, Vec<Problem>)> {
    let (mut by_char, mut by_byte) = (Vec::new(), Vec::new());
    let mut articles = conn.prepare(SQL_ARTICLES_WITH_MENTIONS)?;
    let mut spans = conn.prepare(SQL_ARTICLE_SPANS)?;
    let mut rows = articles.query([])?;
    while let Some(r) = rows.next()? {
        let article: i64 = r.get(0)?;
        let title = r.get_ref(1)?.as_str().unwrap_or_default();
        let body = r.get_ref(2)?.as_str().unwrap_or_default();
        let mentions: Vec<Span> = spans
            .query_map([article], |m| {
                Ok(Span {
                    id: m.get(0)?,
                    field: m.get(1)?,
                    chars: (m.get(2)?, m.get(3)?),
                    bytes: (m.get(4)?, m.get(5)?),
                    surface: m.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (field, text) in [("title", title), ("body", body)] {
            let of_field: Vec<&Span> = mentions
                .iter()
                .filter(|m| (m.field == "title") == (field == "title"))
                .collect();
            if of_field.is_empty() {
                continue;
            }
            let offsets =
                byte_offsets_of_chars(text, of_field.iter().flat_map(|m| [m.chars.0, m.chars.1]));
            for m in &of_field {
                let by_chars = offsets
                    .get(&m.chars.0)
                    .zip(offsets.get(&m.chars.1))
                    .and_then(|(&s, &e)| text.get(s..e));
                if by_chars != Some(m.surface.as_str()) && by_char.len() < MAX_CHAR_SPAN_PROBLEMS {
                    by_char.push(Problem {
                        check: "spans",
                        message: format!(
                            "mention {}: characters {}..{} of article {article}'s {} are not its surface",
                            m.id, m.chars.0, m.chars.1, m.field
                        ),
                    });
                }
                let by_bytes = usize::try_from(m.bytes.0)
                    .ok()
                    .zip(usize::try_from(m.bytes.1).ok())
                    .and_then(|(s, e)| text.get(s..e));
                if by_bytes != Some(m.surface.as_str()) {
                    by_byte.push(Problem {
                        check: "spans",
                        message: format!(
                            "mention {}: bytes {}..{} of article {article} are not its surface",
                            m.id, m.bytes.0, m.bytes.1
                        ),
                    });
                }
            }
        }
    }
    Ok((by_char, by_byte))
}

/// The byte offset of each of the character offsets `wanted` that lies within
/// `text` (its length in characters included), found in one walk over the text.
fn byte_offsets_of_chars(
    text: &str,
    wanted: impl IntoIterator<Item = i64>,
) -> std::collections::HashMap<i64, usize> {
    let mut wanted: Vec<i64> = wanted.into_iter().filter(|&c| c >= 0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut found = std::collections::HashMap::with_capacity(wanted.len());
    let mut next = wanted.into_iter().peekable();
    let ends = text.char_indices().map(|(b, _)| b).chain([text.len()]);
    for (c, b) in ends.enumerate() {
        let Some(&want) = next.peek() else { break };
        if want == c as i64 {
            found.insert(want, b);
            next.next();
        }
    }
    found
}

impl Store {
    /// Runs FTS5's own check of the full-text index against the articles, which is a
    /// write in FTS5: on this store's connection if it may write, else on a second
    /// connection to the file that may (no pragma changed, no migration). `None` when
    /// no connection may write (an immutable read); `Some(Err)` is SQLite's answer,
    /// a mismatch or a reason it could not look.
    fn fts_check(&self) -> Result<Option<rusqlite::Result<()>>> {
        let run = |conn: &rusqlite::Connection| conn.execute(SQL_FTS_CHECK, []).map(|_| ());
        match (self.read_mode(), self.path()) {
            (None, _) | (Some(ReadMode::Shared), None) => {
                let conn = self.conn();
                conn.busy_timeout(FTS_CHECK_WAIT)?;
                let fts = run(conn);
                conn.busy_timeout(BUSY_TIMEOUT)?;
                Ok(Some(fts))
            }
            (Some(ReadMode::Immutable), _) => Ok(None),
            (Some(ReadMode::Shared), Some(path)) => {
                match db::open_for_check(path, FTS_CHECK_WAIT) {
                    Ok(conn) => Ok(Some(run(&conn))),
                    Err(Error::Sqlite(e)) => Ok(Some(Err(e))),
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// Runs every check and returns what is wrong (nothing, for a healthy file):
    /// SQLite's integrity check, the FTS5 index against the articles, foreign keys,
    /// the mention span invariant (by characters in SQL and by bytes in Rust), and
    /// that every article has its paragraphs, and the unit counts behind co-occurrence.
    pub fn check(&self) -> Result<Vec<Problem>> {
        Ok(self.check_report()?.problems)
    }

    /// Like [`Store::check`], and says which checks could not run. The full-text
    /// index's check is a write in FTS5: beside a running import (after a short wait)
    /// or on a read-only file it is left out and said so, never reported as a
    /// mismatch.
    pub fn check_report(&self) -> Result<CheckReport> {
        let mut problems = Vec::new();
        let mut not_checked = Vec::new();
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let line = row?;
            if line != "ok" {
                problems.push(Problem {
                    check: "integrity",
                    message: line,
                });
            }
        }
        match self.fts_check()? {
            None => not_checked.push(
                "the full-text index: its check is a write in FTS5, and the database's \
                 folder is read-only"
                    .to_string(),
            ),
            Some(Ok(())) => {}
            Some(Err(e)) => match e.sqlite_error_code() {
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => not_checked.push(
                    "the full-text index: another program is writing to the database; \
                     run check again when it has finished"
                        .to_string(),
                ),
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen) => not_checked.push(
                    "the full-text index: its check needs write access to the file".to_string(),
                ),
                _ => problems.push(Problem {
                    check: "fts",
                    message: format!(
                        "the full-text index does not match the articles ({e}); rebuild it \
                         with `newsdb check --repair`"
                    ),
                }),
            },
        }
        let triggers: i64 = conn.query_row(SQL_FTS_TRIGGERS, [], |r| r.get(0))?;
        if triggers != 3 {
            problems.push(Problem {
                check: "fts",
                message: format!(
                    "{} of the triggers articles_ai, articles_ad, articles_au that keep the \
                     full-text index in step with the articles are missing; articles \
                     written by other programs will not be searchable (`newsdb check \
                     --repair` creates them again)",
                    3 - triggers
                ),
            });
        }
        let mut stmt = conn.prepare("PRAGMA foreign_key_check")?;
        for row in stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })? {
            let (table, rowid, parent) = row?;
            problems.push(Problem {
                check: "foreign_keys",
                message: format!(
                    "{table} row {} points to a missing row of {parent}",
                    rowid.map_or("?".into(), |r| r.to_string())
                ),
            });
        }
        let (chars, bytes) = span_problems(conn)?;
        problems.extend(chars);
        problems.extend(bytes);
        let mut add = |check: &'static str,
                       sql: &str,
                       params: &[&dyn rusqlite::ToSql],
                       message: &dyn Fn(&Row<'_>) -> rusqlite::Result<String>|
         -> Result<()> {
            let mut stmt = conn.prepare(sql)?;
            let rows = stmt.query_map(params, |r| message(r))?;
            for m in rows {
                problems.push(Problem { check, message: m? });
            }
            Ok(())
        };
        add("units", SQL_UNIT_DRIFT, &[], &|r| {
            let (entity, level, actual, stored): (i64, String, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!(
                "entity {entity} occurs in {actual} {level} unit(s) but entity_units says {stored}"
            ))
        })?;
        add("units", SQL_TOTAL_DRIFT, &[], &|r| {
            let (level, actual, stored): (String, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok(format!(
                "{actual} {level} unit(s) hold mentions but unit_totals says {stored}"
            ))
        })?;
        add("units", SQL_PAIR_DRIFT, &[], &|r| {
            let (a, b, actual, stored): (i64, i64, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!(
                "entities {a} and {b} share {actual} sentence(s) but sentence_pairs says {stored}"
            ))
        })?;
        add("units", SQL_PARAGRAPH_PAIR_DRIFT, &[], &|r| {
            let (a, b, actual, stored): (i64, i64, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!(
                "entities {a} and {b} share {actual} paragraph(s) but paragraph_pairs says {stored}"
            ))
        })?;
        add("units", SQL_ARTICLE_PAIR_DRIFT, &[], &|r| {
            let (a, b, actual, stored): (i64, i64, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!(
                "frequent entity {a} shares {actual} article(s) with entity {b} but \
                 article_pairs says {stored}"
            ))
        })?;
        add("units", SQL_DAY_DRIFT, &[], &|r| {
            let (entity, day): (i64, String) = (r.get(0)?, r.get(1)?);
            let actual: (i64, i64) = (r.get(2)?, r.get(3)?);
            let stored: (i64, i64) = (r.get(4)?, r.get(5)?);
            let day = if day.is_empty() { "no date" } else { &day };
            Ok(format!(
                "entity {entity} has {} mention(s) in {} article(s) of {day} but \
                 entity_days says {} in {}",
                actual.0, actual.1, stored.0, stored.1
            ))
        })?;
        add("units", SQL_MENTION_COUNT_DRIFT, &[], &|r| {
            let (entity, actual, stored): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok(format!(
                "entity {entity} has {actual} mention(s) but entity_mentions says {stored}"
            ))
        })?;
        add("paragraphs", SQL_NO_PARAGRAPHS, &[], &|r| {
            Ok(format!("article {} has no paragraphs", r.get::<_, i64>(0)?))
        })?;
        add("merges", SQL_MERGE_CYCLES, &[], &|r| {
            Ok(format!(
                "entity {}'s merges lead back to it (a cycle); undo one of them with \
                 `newsdb entities unmerge`",
                r.get::<_, i64>(0)?
            ))
        })?;
        add("merges", SQL_MERGE_UNRECORDED, &[], &|r| {
            let (id, into): (i64, i64) = (r.get(0)?, r.get(1)?);
            Ok(format!(
                "entity {id} is marked merged into entity {into} but no active merge says so"
            ))
        })?;
        add("resolution", SQL_VOTE_DRIFT, &[], &|r| {
            let (entity, kind, actual, stored): (i64, String, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!(
                "entity {entity}'s mentions give kind {kind} a weight of {actual} but \
                 entity_kind_votes says {stored}"
            ))
        })?;
        add("resolution", SQL_NAME_DRIFT, &[], &|r| {
            let (entity, name, actual, stored): (i64, String, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!(
                "{actual} mention(s) of entity {entity} are resolved to {name:?} but \
                 entity_names says {stored}"
            ))
        })?;
        add("paragraphs", SQL_REPEAT_DRIFT, &[], &|r| {
            let (source, hash, actual, stored): (String, String, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            Ok(format!(
                "paragraph text {hash} occurs in {actual} article(s) of source {source:?} \
                 but source_paragraphs says {stored}"
            ))
        })?;
        add(
            "paragraphs",
            SQL_UNFLAGGED_REPEATS,
            &[&super::REPEATED_PARAGRAPH_ARTICLES],
            &|r| {
                let (article, idx, source, n): (i64, i64, String, i64) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
                Ok(format!(
                    "paragraph {idx} of article {article} repeats in {n} articles of source \
                     {source:?} but is not flagged as boilerplate"
                ))
            },
        )?;
        add("paragraphs", SQL_BOILERPLATE_MENTIONS, &[], &|r| {
            let (id, article, idx): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            Ok(format!(
                "mention {id} lies in paragraph {idx} of article {article}, which is \
                 boilerplate"
            ))
        })?;
        Ok(CheckReport {
            problems,
            not_checked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_offsets_map_to_byte_offsets_in_one_walk() {
        let text = "Zürich – Genève";
        let found = byte_offsets_of_chars(text, [0, 2, 6, 15, 16, -1, 2]);
        assert_eq!(found.get(&0), Some(&0));
        assert_eq!(found.get(&2), Some(&3));
        assert_eq!(&text[found[&2]..], "rich – Genève");
        assert_eq!(found.get(&15), Some(&text.len()), "the end of the text");
        assert_eq!(found.get(&16), None, "past the end");
        assert_eq!(found.get(&-1), None);
    }
}
