//! Schema upgrades: a database left by each older newsdb (built with only the
//! migrations up to that version, then filled with plain SQL as that version would
//! have) opens with the current code, is migrated and keeps its data; a database
//! from a newer newsdb is refused by the library and by the binary.

mod common;

use std::path::Path;

use common::{newsdb, scalar};
use newsdb::db::{latest_schema_version, open_at_version};
use newsdb::{content_hash, Error, Store};
use predicates::prelude::*;
use rusqlite::{params, Connection};

const EXTERNAL_ID: &str = "old-1";
const TITLE: &str = "Assad visits Tehran";
const PARAGRAPHS: [&str; 2] = [
    "Bashar al-Assad travelled to Tehran on Monday.",
    "Later he flew on to Zürich, where officials met him.",
];

fn body() -> String {
    PARAGRAPHS.join("\n")
}

/// Character and byte offsets of the first `needle` in `text`.
fn span(text: &str, needle: &str) -> (i64, i64, i64, i64) {
    let sb = text.find(needle).expect("the needle is in the text");
    let eb = sb + needle.len();
    let sc = text[..sb].chars().count();
    let ec = sc + needle.chars().count();
    (sc as i64, ec as i64, sb as i64, eb as i64)
}

/// The mentions the old database holds: (entity id, field, surface).
const MENTIONS: [(i64, &str, &str); 4] = [
    (1, "title", "Tehran"),
    (1, "body", "Tehran"),
    (2, "body", "Bashar al-Assad"),
    (3, "body", "Zürich"),
];

// The summaries of MENTIONS, counted by hand (not with the migrations' SQL, so a wrong
// formula in a migration shows). Units: every entity is in the one article. The title
// mention has neither paragraph nor sentence (old files left both NULL), so it counts
// at article level only. In the body, Tehran and Bashar al-Assad share paragraph 0 and
// sentence 0, and Zürich is alone in paragraph 1 and sentence 1. So each entity is in 1
// article, 1 paragraph and 1 sentence; the file holds 1 article with mentions, 2
// paragraphs with mentions (0 and 1) and 2 sentences with mentions (0 and 1).
// `entity_units` rows: (entity, level, units).
const ENTITY_UNITS: [(i64, &str, i64); 9] = [
    (1, "article", 1),
    (1, "paragraph", 1),
    (1, "sentence", 1),
    (2, "article", 1),
    (2, "paragraph", 1),
    (2, "sentence", 1),
    (3, "article", 1),
    (3, "paragraph", 1),
    (3, "sentence", 1),
];
/// `unit_totals` rows: (level, units), see above.
const UNIT_TOTALS: [(&str, i64); 3] = [("article", 1), ("paragraph", 2), ("sentence", 2)];
/// `sentence_pairs` rows (entity, other, sentences): only body sentence 0 holds two
/// entities, Tehran (1) and Bashar al-Assad (2), once, in both orders; Zürich's sentence
/// holds nobody else and the title mention has no sentence.
const SENTENCE_PAIRS: [(i64, i64, i64); 2] = [(1, 2, 1), (2, 1, 1)];
/// `entity_mentions` rows (entity, mentions): Tehran twice, the others once.
const ENTITY_MENTIONS: [(i64, i64, i64); 3] = [(1, 2, 0), (2, 1, 0), (3, 1, 0)];
/// `entity_days` rows (entity, day, mentions, articles): the one article is published
/// 2019-02-28; Tehran twice, the others once, each in that one article.
const ENTITY_DAYS: [(i64, &str, i64, i64); 3] = [
    (1, "2019-02-28", 2, 1),
    (2, "2019-02-28", 1, 1),
    (3, "2019-02-28", 1, 1),
];
/// `paragraph_pairs` rows (entity, other, paragraphs): only Tehran (1) and Bashar
/// al-Assad (2) share a paragraph (body paragraph 0; the title mention has none).
const PARAGRAPH_PAIRS: [(i64, i64, i64); 2] = [(1, 2, 1), (2, 1, 1)];
/// `entity_kind_votes` rows (entity, kind, weight): confidence 0.9 is 900 thousandths,
/// a body mention weighs 4 times a title mention. Tehran: title 900 + body 3600 = 4500;
/// Bashar al-Assad and Zürich: one body mention each, 3600.
const KIND_VOTES: [(i64, &str, i64); 3] = [
    (1, "location", 4500),
    (2, "person", 3600),
    (3, "location", 3600),
];
/// `entity_names` rows (entity, name, mentions): two mentions named Tehran, one each of
/// the others.
const ENTITY_NAMES: [(i64, &str, i64); 3] = [
    (1, "Tehran", 2),
    (2, "Bashar al-Assad", 1),
    (3, "Zürich", 1),
];

/// Writes the hand-counted summaries a newsdb of schema `version` kept.
fn fill_summaries(conn: &Connection, version: i32) {
    if version >= 4 {
        // From V4 on, newsdb keeps per-entity unit counts beside the mentions.
        conn.execute_batch("DELETE FROM unit_totals; DELETE FROM entity_units;")
            .unwrap();
        for (level, units) in UNIT_TOTALS {
            conn.execute(
                "INSERT INTO unit_totals (level, units) VALUES (?1, ?2)",
                params![level, units],
            )
            .unwrap();
        }
        for (entity, level, units) in ENTITY_UNITS {
            conn.execute(
                "INSERT INTO entity_units (entity_id, level, units) VALUES (?1, ?2, ?3)",
                params![entity, level, units],
            )
            .unwrap();
        }
    }
    if version >= 5 {
        for (entity, other, sentences) in SENTENCE_PAIRS {
            conn.execute(
                "INSERT INTO sentence_pairs (entity_id, other_id, sentences) VALUES (?1, ?2, ?3)",
                params![entity, other, sentences],
            )
            .unwrap();
        }
    }
    if version >= 10 {
        for (entity, mentions, _) in ENTITY_MENTIONS {
            conn.execute(
                "INSERT INTO entity_mentions (entity_id, mentions) VALUES (?1, ?2)",
                params![entity, mentions],
            )
            .unwrap();
        }
    }
    if version >= 14 {
        for (entity, day, mentions, articles) in ENTITY_DAYS {
            conn.execute(
                "INSERT INTO entity_days (entity_id, day, mentions, articles)
                 VALUES (?1, ?2, ?3, ?4)",
                params![entity, day, mentions, articles],
            )
            .unwrap();
        }
    }
    if version >= 13 {
        for (entity, other, paragraphs) in PARAGRAPH_PAIRS {
            conn.execute(
                "INSERT INTO paragraph_pairs (entity_id, other_id, paragraphs)
                 VALUES (?1, ?2, ?3)",
                params![entity, other, paragraphs],
            )
            .unwrap();
        }
    }
    if version >= 7 {
        // From V7 on, entities carry the identity key of their name, mentions their
        // local evidence, and the evidence is summed per entity.
        conn.execute_batch(
            "UPDATE entities SET key = CASE id WHEN 1 THEN 'tehran'
                 WHEN 2 THEN 'bashar al assad' ELSE 'zurich' END;
             UPDATE mentions SET
                 local_kind = CASE entity_id WHEN 2 THEN 'person' ELSE 'location' END,
                 local_name = CASE entity_id WHEN 1 THEN 'Tehran'
                     WHEN 2 THEN 'Bashar al-Assad' ELSE 'Zürich' END;",
        )
        .unwrap();
        for (entity, kind, weight) in KIND_VOTES {
            conn.execute(
                "INSERT INTO entity_kind_votes (entity_id, kind, weight) VALUES (?1, ?2, ?3)",
                params![entity, kind, weight],
            )
            .unwrap();
        }
        for (entity, name, mentions) in ENTITY_NAMES {
            conn.execute(
                "INSERT INTO entity_names (entity_id, name, mentions) VALUES (?1, ?2, ?3)",
                params![entity, name, mentions],
            )
            .unwrap();
        }
    }
}

/// The rows of a query of three columns, in order.
fn rows3<A, B, C>(db: &Path, sql: &str) -> Vec<(A, B, C)>
where
    A: rusqlite::types::FromSql,
    B: rusqlite::types::FromSql,
    C: rusqlite::types::FromSql,
{
    let conn = Connection::open(db).unwrap();
    let mut s = conn.prepare(sql).unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The summaries of the old mentions are the hand-counted ones, whether an older
/// version kept them or a migration backfilled them.
fn assert_summaries(db: &Path) {
    let own = |v: Vec<(i64, String, i64)>| -> Vec<(i64, String, i64)> { v };
    assert_eq!(
        own(rows3(
            db,
            "SELECT entity_id, level, units FROM entity_units ORDER BY entity_id, level"
        )),
        ENTITY_UNITS
            .iter()
            .map(|(e, l, u)| (*e, l.to_string(), *u))
            .collect::<Vec<_>>()
    );
    let totals: Vec<(String, i64, i64)> =
        rows3(db, "SELECT level, units, 0 FROM unit_totals ORDER BY level");
    assert_eq!(
        totals,
        UNIT_TOTALS
            .iter()
            .map(|(l, u)| (l.to_string(), *u, 0))
            .collect::<Vec<_>>()
    );
    let pairs: Vec<(i64, i64, i64)> = rows3(
        db,
        "SELECT entity_id, other_id, sentences FROM sentence_pairs ORDER BY 1, 2",
    );
    assert_eq!(pairs, SENTENCE_PAIRS);
    let mentions: Vec<(i64, i64, i64)> = rows3(
        db,
        "SELECT entity_id, mentions, 0 FROM entity_mentions ORDER BY 1",
    );
    assert_eq!(mentions, ENTITY_MENTIONS);
    let days_mentions: Vec<(i64, String, i64)> = rows3(
        db,
        "SELECT entity_id, day, mentions FROM entity_days ORDER BY 1, 2",
    );
    let days_articles: Vec<(i64, String, i64)> = rows3(
        db,
        "SELECT entity_id, day, articles FROM entity_days ORDER BY 1, 2",
    );
    assert_eq!(
        (days_mentions, days_articles),
        ENTITY_DAYS
            .iter()
            .map(|&(e, d, m, a)| ((e, d.to_string(), m), (e, d.to_string(), a)))
            .unzip()
    );
    let paragraph_pairs: Vec<(i64, i64, i64)> = rows3(
        db,
        "SELECT entity_id, other_id, paragraphs FROM paragraph_pairs ORDER BY 1, 2",
    );
    assert_eq!(paragraph_pairs, PARAGRAPH_PAIRS);
    assert_eq!(
        own(rows3(
            db,
            "SELECT entity_id, kind, weight FROM entity_kind_votes ORDER BY 1, 2"
        )),
        KIND_VOTES
            .iter()
            .map(|(e, k, w)| (*e, k.to_string(), *w))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        own(rows3(
            db,
            "SELECT entity_id, name, mentions FROM entity_names ORDER BY 1, 2"
        )),
        ENTITY_NAMES
            .iter()
            .map(|(e, n, m)| (*e, n.to_string(), *m))
            .collect::<Vec<_>>()
    );
}

/// Fills a database at schema `version` the way that version of newsdb would have.
fn fill(conn: &Connection, version: i32) {
    let body = body();
    conn.execute(
        "INSERT INTO imports (id, started_at, finished_at, arguments, inserted)
         VALUES (1, '2019-03-01T00:00:00Z', '2019-03-01T00:00:01Z', 'import old/', 1)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO import_errors (import_id, origin, record, message)
         VALUES (1, 'old/bad.txt', NULL, 'empty file')",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO articles (id, external_id, title, body, language, source, content_hash,
                               origin, imported_at, published_at)
         VALUES (1, ?1, ?2, ?3, 'eng', 'Old Wire', ?4, 'old/old-1.txt',
                 '2019-03-01T00:00:00Z', '2019-02-28')",
        params![EXTERNAL_ID, TITLE, body, content_hash(TITLE, &body)],
    )
    .unwrap();
    conn.execute_batch(
        "INSERT INTO entities (id, kind, name) VALUES
             (1, 'location', 'Tehran'), (2, 'person', 'Bashar al-Assad'), (3, 'location', 'Zürich');
         INSERT INTO entity_aliases (entity_id, alias) VALUES
             (1, 'Tehran'), (2, 'Bashar al-Assad'), (2, 'Assad'), (3, 'Zürich');",
    )
    .unwrap();
    for (entity, field, surface) in MENTIONS {
        let text = if field == "title" { TITLE } else { &body };
        let (sc, ec, sb, eb) = span(text, surface);
        let paragraph: Option<i64> = (field == "body").then(|| i64::from(surface == "Zürich"));
        conn.execute(
            "INSERT INTO mentions (article_id, entity_id, field, start_char, end_char,
                                   start_byte, end_byte, surface, sentence, paragraph,
                                   extractor, confidence)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 'old-model', 0.9)",
            params![entity, field, sc, ec, sb, eb, surface, paragraph],
        )
        .unwrap();
    }
    fill_summaries(conn, version);
    if version >= 3 {
        // An undone merge whose record names a mention that exists (4, Zürich) and,
        // before V8, one deleted since (99): V8 drops the record of the deleted one, and
        // from V8 on a delete takes its record with it, so no file holds such a row.
        conn.execute_batch(
            "INSERT INTO entity_merges (id, from_entity, into_entity, merged_at, undone_at)
             VALUES (1, 3, 1, '2019-03-01T00:00:00Z', '2019-03-01T00:00:01Z');
             INSERT INTO entity_merge_mentions (merge_id, mention_id) VALUES (1, 4);",
        )
        .unwrap();
        if version < 8 {
            conn.execute(
                "INSERT INTO entity_merge_mentions (merge_id, mention_id) VALUES (1, 99)",
                [],
            )
            .unwrap();
        }
    }
    if version >= 2 {
        let mut start_byte = 0usize;
        for (idx, p) in PARAGRAPHS.iter().enumerate() {
            let (sc, ec, sb, eb) = span(&body, p);
            assert_eq!(sb as usize, start_byte);
            start_byte = eb as usize + 1;
            conn.execute(
                "INSERT INTO paragraphs (article_id, idx, start_char, end_char, start_byte,
                                         end_byte, language, boilerplate, text_hash)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, 'eng', 0, ?6)",
                params![idx as i64, sc, ec, sb, eb, format!("hash-{idx}")],
            )
            .unwrap();
        }
    }
    if version >= 6 {
        // From V6 on, newsdb counts the articles of a source holding each paragraph
        // text: one article of "Old Wire" holds each of the two.
        conn.execute_batch(
            "INSERT INTO source_paragraphs (source, text_hash, articles)
             VALUES ('Old Wire', 'hash-0', 1), ('Old Wire', 'hash-1', 1)",
        )
        .unwrap();
    }
}

/// Everything the old database held is still there and queryable.
fn assert_data_intact(db: &Path, only_old_data: bool) {
    let store = Store::open(db).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_schema_version());
    let a = store
        .article_by_external_id(EXTERNAL_ID)
        .unwrap()
        .expect("the old article is kept");
    assert_eq!(a.title, TITLE);
    assert_eq!(a.body, body());
    assert_eq!(a.published_at.as_deref(), Some("2019-02-28"));
    let mut surfaces: Vec<String> = store
        .mentions_of_article(a.id)
        .unwrap()
        .into_iter()
        .map(|m| m.surface)
        .collect();
    surfaces.sort();
    let mut expected: Vec<String> = MENTIONS.iter().map(|m| m.2.to_string()).collect();
    expected.sort();
    assert_eq!(surfaces, expected);
    if only_old_data {
        let counts = store.counts().unwrap();
        assert_eq!(
            (
                counts.articles,
                counts.entities,
                counts.mentions,
                counts.aliases
            ),
            (1, 3, 4, 4)
        );
        assert_eq!(counts.import_errors, 1);
    }
    drop(store);

    // V7: every entity is keyed by the identity of its name (folded case, hyphens and
    // diacritics), and the old mentions keep their entity's kind and name as their
    // local evidence.
    let conn = Connection::open(db).unwrap();
    let keys: Vec<(String, String)> = conn
        .prepare("SELECT name, key FROM entities WHERE id <= 3 ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        [
            ("Tehran".to_string(), "tehran".to_string()),
            ("Bashar al-Assad".to_string(), "bashar al assad".to_string()),
            ("Zürich".to_string(), "zurich".to_string()),
        ]
    );
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id
             WHERE m.entity_id <= 3 AND (m.local_kind IS NOT e.kind OR m.local_name IS NOT e.name)"
        ),
        0
    );
    drop(conn);

    // The full-text index and the V4 unit counts (backfilled for older files) work.
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'zürich'"
        ),
        1
    );
    if only_old_data {
        assert_eq!(
            scalar(
                db,
                "SELECT units FROM entity_units WHERE entity_id = 1 AND level = 'article'"
            ),
            1
        );
        assert_eq!(
            scalar(db, "SELECT units FROM unit_totals WHERE level = 'article'"),
            1
        );
        assert_eq!(
            scalar(
                db,
                "SELECT mentions FROM entity_stats WHERE name = 'Tehran'"
            ),
            2
        );
    }

    // And through the binary.
    newsdb(db)
        .args(["show", EXTERNAL_ID])
        .assert()
        .success()
        .stdout(predicate::str::contains("Zürich"));
    newsdb(db)
        .args([
            "sql",
            "SELECT COUNT(*) AS n FROM mentions WHERE article_id = 1",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout("n\n4\n");
}

#[test]
fn every_older_schema_is_upgraded_and_keeps_its_data() {
    let latest = latest_schema_version();
    assert!(latest >= 2, "there is something to upgrade from");
    for version in 1..latest {
        let version = version as i32;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join(format!("v{version}.sqlite"));
        let conn = open_at_version(&db, version).unwrap();
        assert_eq!(
            newsdb::db::schema_version(&conn).unwrap(),
            i64::from(version)
        );
        fill(&conn, version);
        drop(conn);

        assert_data_intact(&db, true);
        assert_summaries(&db);
        if version >= 3 {
            assert_eq!(scalar(&db, "SELECT COUNT(*) FROM entity_merge_mentions"), 1);
            assert_eq!(
                scalar(&db, "SELECT mention_id FROM entity_merge_mentions"),
                4
            );
        }

        // A V1 file had no paragraphs table: opening it fills in the paragraphs.
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM paragraphs"), 2);
        assert_eq!(
            scalar(
                &db,
                "SELECT COUNT(*) FROM paragraphs WHERE idx = 1 AND start_byte = 47"
            ),
            1
        );
        newsdb(&db).arg("check").assert().success();
        // Opening again is a no-op: no migration runs twice.
        assert_data_intact(&db, true);
    }
}

#[test]
fn an_upgraded_database_accepts_new_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.sqlite");
    let conn = open_at_version(&db, 1).unwrap();
    fill(&conn, 1);
    drop(conn);
    newsdb(&db)
        .arg("import")
        .arg(common::seeds())
        .assert()
        .success();
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 2);
    assert_data_intact(&db, false);
}

#[test]
fn a_database_from_a_newer_newsdb_is_refused() {
    let latest = latest_schema_version();
    let newer = latest + 1;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("future.sqlite");
    drop(Store::open(&db).unwrap());
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (?1, 'from_the_future', '2030-01-01T00:00:00Z', '0')",
            [newer],
        )
        .unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let expected = format!("database schema v{newer} is newer than this newsdb (v{latest})");

    match Store::open(&db) {
        Err(e @ Error::SchemaTooNew { .. }) => {
            assert!(e.to_string().contains(&expected), "{e}")
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a newer database was opened"),
    }
    let read_only = newsdb::db::open_read_only(&db);
    assert!(
        matches!(read_only, Err(Error::SchemaTooNew { .. })),
        "read-only opening refuses it too"
    );

    for args in [
        vec!["articles"],
        vec!["check"],
        vec!["sql", "SELECT 1"],
        vec!["import", "SEEDS"],
    ] {
        let args: Vec<String> = args
            .into_iter()
            .map(|a| {
                if a == "SEEDS" {
                    common::seeds().display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        newsdb(&db)
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected.as_str()));
    }
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "the newer file is untouched"
    );
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 0);
}

/// V11 (issue 12 #11): a database from before it kept unreadable dates as given in
/// `published_at`; opening it reads every stored date again, so that `published_at`
/// holds ISO-8601 only: `03/02/2005` (now read, day first) becomes `2005-02-03`, an ISO
/// date stays, and `next tuesday` moves to `published_raw`.
#[test]
fn upgrading_past_v11_moves_unreadable_dates_to_published_raw() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v10.sqlite");
    let conn = open_at_version(&db, 10).unwrap();
    fill(&conn, 10);
    for (id, date) in [(2, "next tuesday"), (3, "03/02/2005")] {
        let (title, body) = (format!("Dated {id}"), format!("Body of article {id}."));
        conn.execute(
            "INSERT INTO articles (id, external_id, title, body, content_hash, imported_at,
                                   published_at)
             VALUES (?1, ?2, ?3, ?4, ?5, '2019-03-01T00:00:00Z', ?6)",
            params![
                id,
                format!("old-{id}"),
                title,
                body,
                content_hash(&title, &body),
                date
            ],
        )
        .unwrap();
    }
    drop(conn);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.schema_version().unwrap(), latest_schema_version());
    drop(store);
    let dates = rows3::<i64, Option<String>, Option<String>>(
        &db,
        "SELECT id, published_at, published_raw FROM articles ORDER BY id",
    );
    assert_eq!(
        dates,
        [
            (1, Some("2019-02-28".to_string()), None),
            (2, None, Some("next tuesday".to_string())),
            (3, Some("2005-02-03".to_string()), None),
        ]
    );
    // Opening again changes nothing.
    drop(Store::open(&db).unwrap());
    assert_eq!(
        rows3::<i64, Option<String>, Option<String>>(
            &db,
            "SELECT id, published_at, published_raw FROM articles ORDER BY id",
        ),
        dates
    );
}
