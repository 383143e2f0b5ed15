//! Article-level co-occurrence from `article_pairs` (migration V16, issue 16): the
//! shared-article counts of frequently named entities with every other entity stay
//! exact through imports (which make entities frequent as they reach the threshold),
//! merges, unmerges and deletes, and an answer read from them equals the one counted
//! from the mentions.
//!
//! The threshold is 5,000 articles in a new store; here it is lowered so that BBC
//! articles have frequent entities.

mod common;

use std::path::Path;

use common::{newsdb, scalar, shared_file, summaries};
use newsdb::query::{cooccurrences, Level};
use newsdb::{EntityId, ImportOptions, Store};
use rusqlite::Connection;

const THRESHOLD: i64 = 8;
const LIMITS: [usize; 3] = [3, 10, 30];

/// The entity ids `sql` selects.
fn ids(db: &Path, sql: &str) -> Vec<EntityId> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let ids = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    ids
}

/// The frequent entities, in id order.
fn frequent(db: &Path) -> Vec<EntityId> {
    ids(
        db,
        "SELECT entity_id FROM frequent_entities ORDER BY entity_id",
    )
}

/// How many entities are named in at least `THRESHOLD` articles, and how many of
/// those are not frequent.
fn named_enough(db: &Path) -> (i64, i64) {
    let named = format!(
        "SELECT entity_id FROM mentions GROUP BY entity_id
         HAVING COUNT(DISTINCT article_id) >= {THRESHOLD}"
    );
    (
        scalar(db, &format!("SELECT COUNT(*) FROM ({named})")),
        scalar(
            db,
            &format!(
                "SELECT COUNT(*) FROM ({named})
                 WHERE entity_id NOT IN (SELECT entity_id FROM frequent_entities)"
            ),
        ),
    )
}

/// Asserts that `check` finds nothing, that every entity named in at least
/// `THRESHOLD` articles is frequent, and that every article-level answer for the
/// frequent entities equals the one of a copy of the store without frequent entities
/// (so that it counts the mentions).
fn answers_match_a_recount(db: &Path, label: &str) {
    let store = Store::open_existing(db).unwrap();
    assert_eq!(store.check().unwrap(), vec![], "{label}: check");
    drop(store);
    assert_eq!(named_enough(db).1, 0, "{label}: entities left out");
    let ids = frequent(db);

    let copy = db.with_extension("recount.sqlite");
    std::fs::copy(db, &copy).unwrap();
    Connection::open(&copy)
        .unwrap()
        .execute_batch("DELETE FROM frequent_entities; DELETE FROM article_pairs;")
        .unwrap();
    let (store, recount) = (
        Store::open_existing(db).unwrap(),
        Store::open_existing(&copy).unwrap(),
    );
    let mut rows = 0;
    for &id in &ids {
        for limit in LIMITS {
            let got = cooccurrences(store.conn(), id, Level::Article, limit).unwrap();
            let want = cooccurrences(recount.conn(), id, Level::Article, limit).unwrap();
            assert_eq!(got, want, "{label}: entity {id}, top {limit}");
            rows += got.len();
        }
    }
    // (An entity stays frequent when its mentions move to another.)
    assert!(rows > ids.len() * 20, "{label}: {rows} rows");
}

#[test]
fn article_pairs_stay_exact_and_answer_as_a_recount_through_imports_merges_and_deletes() {
    let (Some(politics), Some(business)) =
        (shared_file("bbc/politics"), shared_file("bbc/business"))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("pairs.sqlite");
    newsdb(&db).arg("init").assert().success();
    Connection::open(&db)
        .unwrap()
        .execute(
            "UPDATE article_pair_threshold SET min_articles = ?1",
            [THRESHOLD],
        )
        .unwrap();

    // Entities become frequent during the import, batch by batch.
    newsdb(&db)
        .args(["import", "-q", "--batch-size", "50"])
        .arg(&politics)
        .assert()
        .success();
    let after_politics = frequent(&db).len();
    assert!(after_politics > 50, "{after_politics} frequent entities");
    // Exactly those reached the threshold: imports only add (merges and deletes
    // below leave entities frequent below it).
    assert_eq!(named_enough(&db), (after_politics as i64, 0));
    answers_match_a_recount(&db, "politics");

    newsdb(&db)
        .args(["import", "-q"])
        .arg(&business)
        .assert()
        .success();
    assert!(frequent(&db).len() > after_politics);
    answers_match_a_recount(&db, "politics and business");

    // A merge of two frequent entities moves their pairs; the unmerge moves them back.
    let pair = ids(
        &db,
        "SELECT f.entity_id FROM frequent_entities f
         JOIN entity_units u ON u.entity_id = f.entity_id AND u.level = 'article'
         JOIN entities e ON e.id = f.entity_id AND e.kind = 'person'
         ORDER BY u.units DESC, f.entity_id LIMIT 2",
    );
    let mut store = Store::open_existing(&db).unwrap();
    let merge = store.merge_entities(pair[1], pair[0]).unwrap();
    drop(store);
    answers_match_a_recount(&db, "merged");
    let mut store = Store::open_existing(&db).unwrap();
    store.unmerge(merge.id).unwrap();
    drop(store);
    answers_match_a_recount(&db, "unmerged");

    // Deleting articles (by row id) lowers the counts (and removes pairs that reach zero).
    let before = scalar(&db, "SELECT SUM(articles) FROM article_pairs");
    newsdb(&db)
        .arg("delete")
        .args((1..=40).map(|i| i.to_string()))
        .assert()
        .success();
    assert!(scalar(&db, "SELECT SUM(articles) FROM article_pairs") < before);
    answers_match_a_recount(&db, "deleted");
}

#[test]
fn summaries_written_between_parts_equal_those_written_at_the_commit() {
    let Some(bbc) = shared_file("bbc") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut stores = Vec::new();
    // 2,225 articles in one transaction of three parts (of at most 1,024): with one
    // summary row allowed, the summaries are written at the end of every part.
    for summary_rows in [ImportOptions::default().summary_rows, 1] {
        let db = dir.path().join(format!("rows-{summary_rows}.sqlite"));
        let mut store = Store::open(&db).unwrap();
        store
            .conn()
            .execute(
                "UPDATE article_pair_threshold SET min_articles = ?1",
                [THRESHOLD],
            )
            .unwrap();
        let opts = ImportOptions {
            summary_rows,
            ..ImportOptions::default()
        };
        let report = store.import(std::slice::from_ref(&bbc), &opts).unwrap();
        assert_eq!(report.inserted + report.duplicates, 2225, "{report:?}");
        assert_eq!(store.check().unwrap(), vec![], "check, {summary_rows} rows");
        drop(store);
        stores.push(db);
    }
    let (at_commit, between_parts) = (summaries(&stores[0]), summaries(&stores[1]));
    assert!(
        at_commit.len() > 100_000,
        "{} summary rows",
        at_commit.len()
    );
    assert_eq!(at_commit, between_parts);
}
