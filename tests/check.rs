//! `newsdb check` finds each kind of damage it promises to find: a store built by
//! importing the seed with the binary is corrupted one way at a time with plain SQL
//! (as another program writing to the file could), and `check` must exit 1 and name
//! the problem. Many other tests use `check` as their oracle, so its detectors need
//! their own tests. (Merge cycles are not checked yet: no case for them.)

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{newsdb, scalar, seeds};
use predicates::prelude::*;
use rusqlite::Connection;
use serde_json::Value;

/// A healthy store: the seed article imported by the binary.
fn healthy(dir: &Path) -> PathBuf {
    let db = dir.join("healthy.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    newsdb(&db)
        .arg("check")
        .assert()
        .success()
        .stderr(predicate::str::ends_with("ok\n"));
    db
}

/// A copy of `db` (a clean one, WAL folded in) named after the case.
fn copy_of(db: &Path, case: &str) -> PathBuf {
    let to = db.with_file_name(format!("{case}.sqlite"));
    let conn = Connection::open(db).unwrap();
    conn.execute("VACUUM INTO ?1", [to.to_str().unwrap()])
        .unwrap();
    to
}

/// Runs `newsdb check --format json` on a damaged file: exit 1, the count on stderr,
/// and the problems as (check, message) pairs.
fn problems(db: &Path) -> Vec<(String, String)> {
    let out = newsdb(db)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<(String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["check"].as_str().unwrap().to_string(),
                r["problem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        stderr.contains(&format!("{} problem(s)", rows.len())),
        "{stderr}"
    );
    rows
}

/// Applies `sql` to a copy of the healthy store and returns what `check` reports,
/// after asserting that exactly the checks in `expected` fired.
fn damaged(healthy: &Path, case: &str, sql: &str, expected: &[&str]) -> Vec<String> {
    let db = copy_of(healthy, case);
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{case}: {e}"));
    }
    let found = problems(&db);
    let checks: BTreeSet<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
    let wanted: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(checks, wanted, "{case}: {found:?}");
    found.into_iter().map(|(_, m)| m).collect()
}

fn assert_reported(messages: &[String], fragments: &[&str]) {
    assert!(
        messages
            .iter()
            .any(|m| fragments.iter().all(|f| m.contains(f))),
        "no problem mentions all of {fragments:?}: {messages:?}"
    );
}

#[test]
fn check_reports_each_kind_of_damage() {
    let dir = tempfile::tempdir().unwrap();
    let db = healthy(dir.path());
    let n = |sql: &str| scalar(&db, sql);
    let assad = n("SELECT id FROM entities WHERE name = 'Bashar al-Assad'");
    let khamenei = n("SELECT id FROM entities WHERE name = 'Ali Khamenei'");
    // Counts recomputed here from the mentions, as the documented unit definitions say.
    let assad_sentences = n(&format!(
        "SELECT COUNT(*) FROM (SELECT DISTINCT article_id, field, sentence FROM mentions
         WHERE entity_id = {assad} AND sentence IS NOT NULL)"
    ));
    let paragraphs_with_mentions = n("SELECT COUNT(*) FROM (SELECT DISTINCT article_id, field,
         paragraph FROM mentions WHERE paragraph IS NOT NULL)");
    let shared_sentences = n(&format!(
        "SELECT COUNT(*) FROM (SELECT DISTINCT a.article_id, a.field, a.sentence
         FROM mentions a JOIN mentions b ON b.article_id = a.article_id
           AND b.field = a.field AND b.sentence = a.sentence
         WHERE a.entity_id = {assad} AND b.entity_id = {khamenei})"
    ));
    assert!(
        assad_sentences > 3 && paragraphs_with_mentions > 3 && shared_sentences >= 2,
        "the seed names Assad and Khamenei together often"
    );
    let mention = n(&format!(
        "SELECT MIN(id) FROM mentions WHERE entity_id = {assad} AND field = 'body'"
    ));

    // The full-text index loses an article (its text stays in `articles`).
    let m = damaged(
        &db,
        "fts-row",
        "INSERT INTO articles_fts(articles_fts, rowid, title, body)
         SELECT 'delete', id, title, body FROM articles WHERE id = 1",
        &["fts"],
    );
    assert_reported(
        &m,
        &["full-text index does not match the articles", "rebuild"],
    );

    // A trigger that keeps the index in step is gone.
    let m = damaged(&db, "no-trigger", "DROP TRIGGER articles_ai", &["fts"]);
    assert_reported(&m, &["1 of the triggers", "missing"]);
    let m = damaged(
        &db,
        "no-triggers",
        "DROP TRIGGER articles_ad; DROP TRIGGER articles_au",
        &["fts"],
    );
    assert_reported(&m, &["2 of the triggers", "missing"]);

    // entity_units: a count off by one, and a row gone.
    let m = damaged(
        &db,
        "entity-units",
        &format!(
            "UPDATE entity_units SET units = units + 1
             WHERE entity_id = {assad} AND level = 'sentence'"
        ),
        &["units"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_reported(
        &m,
        &[
            &format!("entity {assad} occurs in {assad_sentences} sentence unit(s)"),
            &format!("entity_units says {}", assad_sentences + 1),
        ],
    );
    let m = damaged(
        &db,
        "entity-units-row",
        &format!("DELETE FROM entity_units WHERE entity_id = {khamenei} AND level = 'article'"),
        &["units"],
    );
    assert_reported(
        &m,
        &[
            &format!("entity {khamenei} occurs in 1 article unit(s)"),
            "entity_units says 0",
        ],
    );

    // entity_mentions: what `newsdb entities` ranks by.
    let m = damaged(
        &db,
        "entity-mentions",
        &format!("UPDATE entity_mentions SET mentions = mentions + 2 WHERE entity_id = {assad}"),
        &["units"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    let assad_mentions = scalar(
        &db,
        &format!("SELECT COUNT(*) FROM mentions WHERE entity_id = {assad}"),
    );
    assert_reported(
        &m,
        &[
            &format!("entity {assad} has {assad_mentions} mention(s)"),
            &format!("entity_mentions says {}", assad_mentions + 2),
        ],
    );

    // unit_totals: the N of PMI.
    let m = damaged(
        &db,
        "unit-totals",
        "UPDATE unit_totals SET units = units - 1 WHERE level = 'paragraph'",
        &["units"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_reported(
        &m,
        &[&format!(
            "{paragraphs_with_mentions} paragraph unit(s) hold mentions but unit_totals says {}",
            paragraphs_with_mentions - 1
        )],
    );

    // sentence_pairs: one direction of a pair lost.
    let m = damaged(
        &db,
        "sentence-pairs",
        &format!("DELETE FROM sentence_pairs WHERE entity_id = {assad} AND other_id = {khamenei}"),
        &["units"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_reported(
        &m,
        &[&format!(
            "entities {assad} and {khamenei} share {shared_sentences} sentence(s) but sentence_pairs says 0"
        )],
    );
    let m = damaged(
        &db,
        "sentence-pairs-count",
        &format!(
            "UPDATE sentence_pairs SET sentences = sentences + 5
             WHERE entity_id = {khamenei} AND other_id = {assad}"
        ),
        &["units"],
    );
    assert_reported(
        &m,
        &[&format!(
            "entities {khamenei} and {assad} share {shared_sentences} sentence(s) but sentence_pairs says {}",
            shared_sentences + 5
        )],
    );

    // paragraph_pairs: a pair's count drifts, another pair is lost.
    let shared_paragraphs = scalar(
        &db,
        &format!(
            "SELECT COUNT(*) FROM (SELECT DISTINCT a.article_id, a.field, a.paragraph
             FROM mentions a JOIN mentions b ON b.article_id = a.article_id
                  AND b.field = a.field AND b.paragraph = a.paragraph
             WHERE a.entity_id = {assad} AND b.entity_id = {khamenei})"
        ),
    );
    assert!(
        shared_paragraphs > 0,
        "the seed names both in one paragraph"
    );
    let m = damaged(
        &db,
        "paragraph-pairs-count",
        &format!(
            "UPDATE paragraph_pairs SET paragraphs = paragraphs + 3
             WHERE entity_id = {assad} AND other_id = {khamenei}"
        ),
        &["units"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_reported(
        &m,
        &[&format!(
            "entities {assad} and {khamenei} share {shared_paragraphs} paragraph(s) but \
             paragraph_pairs says {}",
            shared_paragraphs + 3
        )],
    );
    let m = damaged(
        &db,
        "paragraph-pairs-row",
        &format!("DELETE FROM paragraph_pairs WHERE entity_id = {khamenei} AND other_id = {assad}"),
        &["units"],
    );
    assert_reported(
        &m,
        &[&format!(
            "entities {khamenei} and {assad} share {shared_paragraphs} paragraph(s) but \
             paragraph_pairs says 0"
        )],
    );

    // entity_days: a day's mention count drifts.
    let (assad_mentions_day, day): (i64, String) = Connection::open(&db)
        .unwrap()
        .query_row(
            &format!("SELECT mentions, day FROM entity_days WHERE entity_id = {assad}"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let m = damaged(
        &db,
        "entity-days",
        &format!("UPDATE entity_days SET mentions = mentions + 4 WHERE entity_id = {assad}"),
        &["units"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    let day = if day.is_empty() {
        "no date".to_string()
    } else {
        day
    };
    assert_reported(
        &m,
        &[&format!(
            "entity {assad} has {assad_mentions_day} mention(s) in 1 article(s) of {day} but \
             entity_days says {} in 1",
            assad_mentions_day + 4
        )],
    );

    // An article without its paragraphs.
    let m = damaged(
        &db,
        "no-paragraphs",
        "DELETE FROM paragraphs WHERE article_id = 1",
        &["paragraphs"],
    );
    assert_eq!(m, ["article 1 has no paragraphs"]);

    // A mention whose span no longer slices its surface: by characters, and by bytes.
    let m = damaged(
        &db,
        "char-span",
        &format!(
            "UPDATE mentions SET start_char = start_char + 1, end_char = end_char + 1
             WHERE id = {mention}"
        ),
        &["spans"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_reported(
        &m,
        &[
            &format!("mention {mention}: characters"),
            "are not its surface",
        ],
    );
    let m = damaged(
        &db,
        "byte-span",
        &format!("UPDATE mentions SET end_byte = end_byte - 1 WHERE id = {mention}"),
        &["spans"],
    );
    assert_eq!(m.len(), 1, "{m:?}");
    assert_reported(
        &m,
        &[&format!("mention {mention}: bytes"), "are not its surface"],
    );

    // A mention pointing at an entity that is gone (written with foreign keys off).
    let m = damaged(
        &db,
        "foreign-key",
        &format!(
            "PRAGMA foreign_keys = OFF; DELETE FROM entity_aliases WHERE entity_id = {khamenei};
             DELETE FROM entities WHERE id = {khamenei}"
        ),
        &["foreign_keys"],
    );
    assert_reported(&m, &["mentions row", "points to a missing row of entities"]);

    // The healthy store is still healthy: the damage went to copies only.
    newsdb(&db).arg("check").assert().success();
}

/// A name and its span: characters, then bytes.
type NameSpan = (&'static str, usize, usize, usize, usize);

/// The text of a generated article: `units` sentences naming Zürich and Genève, so
/// that character and byte offsets differ, with each name's character and byte spans.
fn long_article(units: usize) -> (String, Vec<NameSpan>) {
    const UNIT: &str = "Der Präsident reiste über Zürich nach Genève. ";
    let mut body = String::with_capacity(UNIT.len() * units);
    let mut spans = Vec::with_capacity(units * 2);
    let mut chars = 0;
    for _ in 0..units {
        for name in ["Zürich", "Genève"] {
            let b = UNIT.find(name).unwrap();
            let c = UNIT[..b].chars().count();
            let n = name.chars().count();
            spans.push((
                name,
                chars + c,
                chars + c + n,
                body.len() + b,
                body.len() + b + name.len(),
            ));
        }
        body.push_str(UNIT);
        chars += UNIT.chars().count();
    }
    (body, spans)
}

/// `check` walks each article's text once: two 4.5 MB articles with 200,000 mentions
/// each (it used to slice the text from its start for every mention, which took hours
/// on input of this size) are checked completely, and exactly the two spans damaged
/// on purpose are reported.
#[test]
fn check_of_large_articles_with_many_mentions_completes_and_finds_each_bad_span() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("large.sqlite");
    newsdb(&db).arg("init").assert().success();
    let (body, spans) = long_article(100_000);
    assert!(body.len() > 4_500_000 && spans.len() == 200_000);
    let mut conn = Connection::open(&db).unwrap();
    let tx = conn.transaction().unwrap();
    tx.execute_batch(
        "INSERT INTO entities (id, kind, name) VALUES (1, 'location', 'Zürich'),
                                                     (2, 'location', 'Genève');",
    )
    .unwrap();
    for article in 1..=2_i64 {
        tx.execute(
            "INSERT INTO articles (id, external_id, title, body, content_hash, imported_at)
             VALUES (?1, ?2, 'Reisen', ?3, ?2, '2020-01-01T00:00:00Z')",
            rusqlite::params![article, format!("large-{article}"), body],
        )
        .unwrap();
        let mut insert = tx
            .prepare(
                "INSERT INTO mentions (article_id, entity_id, field, start_char, end_char,
                                       start_byte, end_byte, surface)
                 VALUES (?1, ?2, 'body', ?3, ?4, ?5, ?6, ?7)",
            )
            .unwrap();
        for &(name, sc, ec, sb, eb) in &spans {
            let entity = if name == "Zürich" { 1 } else { 2 };
            insert
                .execute(rusqlite::params![
                    article, entity, sc as i64, ec as i64, sb as i64, eb as i64, name
                ])
                .unwrap();
        }
    }
    // Near the end of article 2: one mention one character off, one a byte off.
    tx.execute_batch(
        "UPDATE mentions SET start_char = start_char + 1, end_char = end_char + 1
             WHERE id = 399990;
         UPDATE mentions SET start_byte = start_byte + 1, end_byte = end_byte + 1
             WHERE id = 399999;",
    )
    .unwrap();
    tx.commit().unwrap();
    drop(conn);
    let started = std::time::Instant::now();
    let out = newsdb(&db)
        .args(["check", "--format", "json"])
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    eprintln!(
        "check of 2 x {} MB, 400,000 mentions: {:.1} s",
        body.len() / 1_000_000,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let spans: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["check"] == "spans")
        .map(|r| r["problem"].as_str().unwrap())
        .collect();
    let (sc, ec, sb, eb) = (
        scalar(&db, "SELECT start_char FROM mentions WHERE id = 399990"),
        scalar(&db, "SELECT end_char FROM mentions WHERE id = 399990"),
        scalar(&db, "SELECT start_byte FROM mentions WHERE id = 399999"),
        scalar(&db, "SELECT end_byte FROM mentions WHERE id = 399999"),
    );
    assert_eq!(
        spans,
        [
            format!(
                "mention 399990: characters {sc}..{ec} of article 2's body are not its surface"
            ),
            format!("mention 399999: bytes {sb}..{eb} of article 2 are not its surface"),
        ]
    );
}
