//! `newsdb check --repair`: every summary table rebuilt from the base tables (articles,
//! paragraphs, mentions) and the full-text index from the articles, in one write
//! transaction, with a count of what was wrong.
//!
//! The recounts are the ones `check` compares with (the `actual_*` macros of
//! `check.rs`): after a repair, `check` finds none of these tables wrong.

use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;

use super::{paragraphs, Store};
use crate::error::Result;

/// One summary table and how many of its rows a repair found wrong (missing, extra
/// or with another count) and wrote anew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repaired {
    /// The table (`entity_units`, `sentence_pairs`, ...; `articles_fts` for the
    /// full-text index, `paragraphs` for articles that had none).
    pub table: &'static str,
    /// Rows that were wrong: for `articles_fts`, 1 if the index did not match the
    /// articles; for `paragraphs`, the articles whose paragraphs were written; for
    /// the triggers, how many were created again.
    pub wrong: u64,
}

/// What [`Store::repair`] did: every table it rebuilt, with what was wrong in it
/// (nothing, for a healthy store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepairReport {
    /// Each rebuilt table, in the order of the repair.
    pub tables: Vec<Repaired>,
}

impl RepairReport {
    /// How many rows were wrong in all.
    pub fn wrong(&self) -> u64 {
        self.tables.iter().map(|t| t.wrong).sum()
    }
}

/// One summary table: how to count its wrong rows, and how to rebuild it.
struct Summary {
    table: &'static str,
    /// `SELECT COUNT(*)` of the rows `check` would report.
    count_wrong: &'static str,
    /// Empties the table and writes the recount.
    rebuild: &'static str,
}

/// The summaries, in dependency order (source_paragraphs reads the paragraphs that
/// the repair may have written first).
const SUMMARIES: &[Summary] = &[
    Summary {
        table: "entity_units",
        count_wrong: concat!("SELECT COUNT(*) FROM (", super::check::unit_drift!(), ")"),
        rebuild: concat!(
            "DELETE FROM entity_units;
             INSERT INTO entity_units (entity_id, level, units) ",
            super::check::actual_units!(),
            " SELECT entity_id, level, units FROM actual WHERE units > 0;"
        ),
    },
    Summary {
        table: "unit_totals",
        count_wrong: concat!("SELECT COUNT(*) FROM (", super::check::total_drift!(), ")"),
        rebuild: concat!(
            "DELETE FROM unit_totals;
             INSERT INTO unit_totals (level, units) ",
            super::check::actual_totals!(),
            " SELECT level, units FROM actual;"
        ),
    },
    Summary {
        table: "sentence_pairs",
        count_wrong: concat!("SELECT COUNT(*) FROM (", super::check::pair_drift!(), ")"),
        rebuild: concat!(
            "DELETE FROM sentence_pairs;
             INSERT INTO sentence_pairs (entity_id, other_id, sentences) ",
            super::check::actual_pairs!(),
            " SELECT entity_id, other_id, sentences FROM actual;"
        ),
    },
    Summary {
        table: "paragraph_pairs",
        count_wrong: concat!(
            "SELECT COUNT(*) FROM (",
            super::check::paragraph_pair_drift!(),
            ")"
        ),
        rebuild: concat!(
            "DELETE FROM paragraph_pairs;
             INSERT INTO paragraph_pairs (entity_id, other_id, paragraphs) ",
            super::check::actual_paragraph_pairs!(),
            " SELECT entity_id, other_id, paragraphs FROM actual;"
        ),
    },
    Summary {
        table: "article_pairs",
        count_wrong: concat!(
            "SELECT (SELECT COUNT(*) FROM (",
            super::check::article_pair_drift!(),
            ")) + (SELECT COUNT(*) FROM (",
            super::check::unlisted_frequent!(),
            "))"
        ),
        // Entities that reached the threshold become frequent first (after
        // entity_units, above, is right).
        rebuild: concat!(
            "INSERT OR IGNORE INTO frequent_entities (entity_id) SELECT entity_id FROM (",
            super::check::unlisted_frequent!(),
            ");
             DELETE FROM article_pairs;
             INSERT INTO article_pairs (entity_id, other_id, articles) ",
            super::check::actual_article_pairs!(),
            " SELECT entity_id, other_id, articles FROM actual;"
        ),
    },
    Summary {
        table: "entity_days",
        count_wrong: concat!("SELECT COUNT(*) FROM (", super::check::day_drift!(), ")"),
        rebuild: super::units::SQL_REBUILD_DAYS,
    },
    Summary {
        table: "entity_mentions",
        count_wrong: concat!(
            "SELECT COUNT(*) FROM (",
            super::check::mention_count_drift!(),
            ")"
        ),
        rebuild: concat!(
            "DELETE FROM entity_mentions;
             INSERT INTO entity_mentions (entity_id, mentions) ",
            super::check::actual_mention_counts!(),
            " SELECT entity_id, mentions FROM actual;"
        ),
    },
    Summary {
        table: "entity_kind_votes",
        count_wrong: concat!("SELECT COUNT(*) FROM (", super::check::vote_drift!(), ")"),
        rebuild: concat!(
            "DELETE FROM entity_kind_votes;
             INSERT INTO entity_kind_votes (entity_id, kind, weight) ",
            super::check::actual_votes!(),
            " SELECT entity_id, kind, weight FROM actual;"
        ),
    },
    Summary {
        table: "entity_names",
        count_wrong: concat!("SELECT COUNT(*) FROM (", super::check::name_drift!(), ")"),
        rebuild: concat!(
            "DELETE FROM entity_names;
             INSERT INTO entity_names (entity_id, name, mentions) ",
            super::check::actual_names!(),
            " SELECT entity_id, name, mentions FROM actual;"
        ),
    },
    Summary {
        table: "source_paragraphs",
        count_wrong: concat!("SELECT COUNT(*) FROM (", super::check::repeat_drift!(), ")"),
        rebuild: concat!(
            "DELETE FROM source_paragraphs;
             INSERT INTO source_paragraphs (source, text_hash, articles) ",
            super::check::actual_repeats!(),
            " SELECT source, text_hash, articles FROM actual;"
        ),
    },
];

const SQL_FTS_REBUILD: &str = "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')";
/// The triggers that keep the full-text index in step with the articles, as the
/// schema declares them (migration V12), created when missing.
const SQL_FTS_TRIGGERS_CREATE: &str = "
CREATE TRIGGER IF NOT EXISTS articles_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER IF NOT EXISTS articles_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER IF NOT EXISTS articles_au AFTER UPDATE OF title, body ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;";

fn count(conn: &Connection, sql: &str) -> Result<u64> {
    let n: i64 = conn.query_row(sql, [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

impl Store {
    /// Rebuilds every summary table (`entity_units`, `unit_totals`, `sentence_pairs`,
    /// `paragraph_pairs`, `article_pairs` with `frequent_entities`, `entity_days`,
    /// `entity_mentions`, `entity_kind_votes`, `entity_names`, `source_paragraphs`),
    /// the paragraphs of articles that have none, the full-text index and its
    /// triggers, from the base tables, in one write transaction: afterwards `check`
    /// finds none of them wrong, and every query answers as after a fresh import of
    /// the same articles and mentions. Returns what was wrong in each.
    ///
    /// Not repaired, because they are not summaries: SQLite's own integrity, foreign
    /// keys, mention spans, merges, and repeated paragraphs that are not flagged as
    /// boilerplate (re-extracting the articles concerned does that).
    pub fn repair(&mut self) -> Result<RepairReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut report = RepairReport::default();
        let filled = paragraphs::fill_missing(&tx)?;
        report.tables.push(Repaired {
            table: "paragraphs",
            wrong: filled as u64,
        });
        for s in SUMMARIES {
            let wrong = count(&tx, s.count_wrong)?;
            tx.execute_batch(s.rebuild)?;
            report.tables.push(Repaired {
                table: s.table,
                wrong,
            });
        }
        let triggers = count(&tx, super::check::SQL_FTS_TRIGGERS)?;
        tx.execute_batch(SQL_FTS_TRIGGERS_CREATE)?;
        report.tables.push(Repaired {
            table: "articles_fts triggers",
            wrong: 3u64.saturating_sub(triggers),
        });
        // FTS5's own check says whether the index matched; rebuilt either way.
        let fts_wrong = tx.execute(super::check::SQL_FTS_CHECK, []).is_err();
        tx.execute(SQL_FTS_REBUILD, [])?;
        report.tables.push(Repaired {
            table: "articles_fts",
            wrong: u64::from(fts_wrong),
        });
        tx.commit()?;
        Ok(report)
    }
}
