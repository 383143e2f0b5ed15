//! `newsdb check --repair` (issue 12 #19): a store whose summaries, paragraphs and
//! full-text index were damaged with plain SQL (as a user deleting rows with sqlite3
//! would) is reported by `check`, repaired by `check --repair` in one go, then clean,
//! and every query answers exactly as before the damage.

mod common;

use std::path::Path;

use common::{newsdb, seeds, summaries};
use rusqlite::Connection;

/// Dated wire records with a shared footer line: a source, so `source_paragraphs`
/// has rows, and a second article naming the seed's people.
const WIRE: &str = r#"{"id": "wire-1", "source": "wire", "published": "2019-02-26", "title": "Assad back from Iran", "body": "Bashar al-Assad met Ali Khamenei in Tehran on Monday.\nHassan Rouhani said the visit was a success.\nSubscribe to the Wire newsletter."}
{"id": "wire-2", "source": "wire", "published": "2019-02-27", "title": "Rouhani and Zarif", "body": "Hassan Rouhani rejected the resignation of Mohammad Javad Zarif in Tehran.\nSubscribe to the Wire newsletter."}
"#;

/// What the queries a user runs print (JSON), for comparing a store before the damage
/// with the repaired one.
fn answers(db: &Path) -> Vec<String> {
    let queries: &[&[&str]] = &[
        &["entities", "--limit", "100"],
        &["entity", "Bashar al-Assad"],
        &["cooccur", "Bashar al-Assad", "--level", "sentence"],
        &["cooccur", "Hassan Rouhani", "--level", "paragraph"],
        &["cooccur", "Tehran", "--level", "article"],
        &["search", "khamenei"],
        &["search", "newsletter"],
        &["timeline", "Tehran", "--by", "day"],
        &["stats"],
    ];
    queries
        .iter()
        .map(|q| {
            let out = newsdb(db)
                .args(*q)
                .args(["--format", "json"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{q:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            // The file size is the only thing a repair may change.
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| !k.contains("bytes") && !k.contains("size"));
            }
            format!("{q:?} {v}")
        })
        .collect()
}

/// `check --format json`: exit code and the names of the checks that found problems.
fn check(db: &Path) -> (Option<i32>, Vec<String>) {
    let out = newsdb(db)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut checks: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["check"].as_str().unwrap().to_string())
        .collect();
    checks.sort();
    checks.dedup();
    (out.status.code(), checks)
}

#[test]
fn check_repair_rebuilds_damaged_summaries_and_index_so_queries_answer_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let wire = dir.path().join("wire.jsonl");
    std::fs::write(&wire, WIRE).unwrap();
    // Every entity named in an article is frequent, so that article_pairs has rows.
    newsdb(&db).arg("init").assert().success();
    Connection::open(&db)
        .unwrap()
        .execute("UPDATE article_pair_threshold SET min_articles = 1", [])
        .unwrap();
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    newsdb(&db).arg("import").arg(&wire).assert().success();
    assert_eq!(check(&db), (Some(0), vec![]));
    let before = answers(&db);
    let tables = summaries(&db);
    // A repair of a healthy store changes nothing and says so.
    newsdb(&db)
        .args(["check", "--repair"])
        .assert()
        .success()
        .stderr(predicates::str::contains("repair: 0 wrong row(s)"));
    assert_eq!(summaries(&db), tables);

    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "DELETE FROM entity_units WHERE entity_id = (SELECT MIN(entity_id) FROM entity_units);
         UPDATE unit_totals SET units = units + 5;
         UPDATE sentence_pairs SET sentences = sentences + 1;
         INSERT INTO sentence_pairs (entity_id, other_id, sentences) VALUES (999998, 999999, 3);
         UPDATE paragraph_pairs SET paragraphs = paragraphs + 2 WHERE entity_id % 3 = 0;
         DELETE FROM paragraph_pairs WHERE entity_id % 3 = 1;
         UPDATE article_pairs SET articles = articles + 1 WHERE entity_id % 2 = 0;
         DELETE FROM frequent_entities WHERE entity_id = (SELECT MAX(entity_id)
                                                          FROM frequent_entities);
         UPDATE entity_days SET mentions = mentions + 1 WHERE entity_id % 2 = 0;
         DELETE FROM entity_mentions;
         UPDATE entity_kind_votes SET weight = weight * 2;
         DELETE FROM entity_names WHERE entity_id IN (SELECT entity_id FROM entity_names LIMIT 3);
         UPDATE source_paragraphs SET articles = 7;
         DELETE FROM paragraphs WHERE article_id = (SELECT id FROM articles
                                                    WHERE external_id = 'wire-2');
         INSERT INTO articles_fts(articles_fts, rowid, title, body)
             SELECT 'delete', id, title, body FROM articles WHERE external_id = 'wire-1';
         DROP TRIGGER articles_au;",
    )
    .unwrap();
    drop(conn);
    let (code, found) = check(&db);
    assert_eq!(code, Some(1));
    assert_eq!(found, ["fts", "paragraphs", "resolution", "units"]);
    assert_ne!(answers(&db), before, "the damage shows in the queries");

    let out = newsdb(&db).args(["check", "--repair"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    for table in [
        "entity_units",
        "unit_totals",
        "sentence_pairs",
        "paragraph_pairs",
        "article_pairs",
        "entity_days",
        "entity_mentions",
        "entity_kind_votes",
        "entity_names",
        "source_paragraphs",
        "paragraphs",
        "articles_fts triggers",
        "articles_fts",
    ] {
        assert!(
            stderr.contains(&format!("repaired {table}: ")),
            "{table}: {stderr}"
        );
    }
    assert!(
        stderr.contains(": ok"),
        "checked clean after the repair: {stderr}"
    );
    assert_eq!(check(&db), (Some(0), vec![]));
    assert_eq!(summaries(&db), tables);
    assert_eq!(answers(&db), before);
    // The trigger is back: an update through SQL reaches the index again.
    let conn = Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE articles SET title = 'Zarif resigns' WHERE external_id = 'wire-2'",
        [],
    )
    .unwrap();
    let hits: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'resigns'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hits, 1);
}
