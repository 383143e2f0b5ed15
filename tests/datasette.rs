//! Datasette (issue 12 #25): the full-text index is declared in a form Datasette's own
//! detection finds, and the canned queries of `datasette/metadata.json` run against a
//! newsdb file.

mod common;

use common::{newsdb, repo, seeds};
use newsdb::db::{latest_schema_version, open_at_version};
use newsdb::Store;
use rusqlite::Connection;

/// Datasette's `detect_fts_sql(table)`, from `datasette/utils/__init__.py` in
/// simonw/datasette, with `{table}` written as `articles`: how Datasette decides
/// which virtual table, if any, gives a table full-text search.
const DATASETTE_DETECT_FTS: &str = r#"
        select name from sqlite_master
            where rootpage = 0
            and (
                sql like '%VIRTUAL TABLE%USING FTS%content="articles"%'
                or sql like '%VIRTUAL TABLE%USING FTS%content=[articles]%'
                or (
                    tbl_name = "articles"
                    and sql like '%VIRTUAL TABLE%USING FTS%'
                )
            )
    "#;

/// The FTS table Datasette detects for `articles` in the file at `conn`, if any.
fn detected(conn: &Connection) -> Option<String> {
    let mut stmt = conn.prepare(DATASETTE_DETECT_FTS).unwrap();
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names.into_iter().next()
}

#[test]
fn datasette_detects_the_full_text_index_of_a_migrated_store() {
    let dir = tempfile::tempdir().unwrap();
    // Before V12 the declaration (`content = 'articles'`) is not detected: this is
    // what the migration fixes.
    let old = dir.path().join("v11.sqlite");
    let conn = open_at_version(&old, 11).unwrap();
    assert_eq!(detected(&conn), None);
    conn.execute(
        "INSERT INTO articles (external_id, title, body, content_hash, imported_at)
         VALUES ('a', 'Assad in Tehran', 'Bashar al-Assad met Ali Khamenei.', 'h', 'now')",
        [],
    )
    .unwrap();
    let tokenizer = |conn: &Connection| -> String {
        conn.query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let before = tokenizer(&conn);
    drop(conn);
    // Migrated: detected, same tokenizer options, the old rows still found (the index
    // was rebuilt), and the triggers index new rows.
    drop(Store::open(&old).unwrap());
    let conn = Connection::open(&old).unwrap();
    assert_eq!(detected(&conn).as_deref(), Some("articles_fts"));
    let after = tokenizer(&conn);
    let options = "tokenize = 'porter unicode61 remove_diacritics 2'";
    assert!(
        before.contains(options) && after.contains(options),
        "{after}"
    );
    let hits = |conn: &Connection, q: &str| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?1",
            [q],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(hits(&conn, "khamenei"), 1);
    assert_eq!(hits(&conn, "khaménei"), 1, "remove_diacritics 2, as before");
    drop(conn);
    newsdb(&old).arg("import").arg(seeds()).assert().success();
    let conn = Connection::open(&old).unwrap();
    assert_eq!(hits(&conn, "hezbollah"), 1);

    // A new file is created detected.
    let new = dir.path().join("new.sqlite");
    newsdb(&new).arg("init").assert().success();
    let conn = Connection::open(&new).unwrap();
    assert_eq!(detected(&conn).as_deref(), Some("articles_fts"));
    assert_eq!(
        newsdb::db::schema_version(&conn).unwrap(),
        latest_schema_version()
    );
}

#[test]
fn every_canned_query_of_the_datasette_metadata_runs_on_the_seed() {
    let metadata: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("datasette/metadata.json")).unwrap(),
    )
    .unwrap();
    let db_meta = &metadata["databases"]["newsdb"];
    assert_eq!(db_meta["tables"]["articles"]["fts_table"], "articles_fts");
    let queries = db_meta["queries"].as_object().unwrap();
    for wanted in ["entity_profile", "cooccurrence", "mentions_in_context"] {
        assert!(queries.contains_key(wanted), "no canned query {wanted}");
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newsdb.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let conn =
        Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    // Datasette binds each `:name` of a canned query from a form field.
    let value = |param: &str| match param {
        ":name" | ":first" => "Bashar al-Assad",
        ":second" => "Ali Khamenei",
        other => panic!("no test value for parameter {other}"),
    };
    for (name, query) in queries {
        let sql = query["sql"].as_str().unwrap();
        assert!(query["title"].is_string(), "{name} has a title");
        let mut stmt = conn
            .prepare(sql)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{sql}"));
        let params: Vec<(String, &str)> = (1..=stmt.parameter_count())
            .map(|i| {
                let p = stmt
                    .parameter_name(i)
                    .expect("named parameters")
                    .to_string();
                let v = value(&p);
                (p, v)
            })
            .collect();
        let named: Vec<(&str, &dyn rusqlite::ToSql)> = params
            .iter()
            .map(|(p, v)| (p.as_str(), v as &dyn rusqlite::ToSql))
            .collect();
        let mut rows = stmt.query(named.as_slice()).unwrap();
        let mut n = 0;
        while let Some(row) = rows.next().unwrap_or_else(|e| panic!("{name}: {e}")) {
            let _ = row.get_ref(0).unwrap();
            n += 1;
        }
        assert!(n > 0, "canned query {name} returns no row on the seed");
    }
}
