//! Beyond one machine: `newsdb extract --format parquet` and the store-less
//! `newsdb resolve --parquet` give the entities of a direct `newsdb import` (issue 13,
//! items 2 and 3), on the seed and on the whole BBC corpus.
#![cfg(feature = "parquet")]

mod common;

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::Array;
use common::{newsdb, seeds, shared_file};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// Every row of some columns of a Parquet file, each row its cells joined by tabs
/// (integers and text; a null is empty), sorted.
fn parquet_rows(path: &Path, columns: &[&str]) -> Vec<String> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for i in 0..batch.num_rows() {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| {
                    let col = batch
                        .column_by_name(c)
                        .unwrap_or_else(|| panic!("{} has no column {c}", path.display()));
                    if col.is_null(i) {
                        String::new()
                    } else if let Some(s) = col.as_string_opt::<i32>() {
                        s.value(i).to_string()
                    } else {
                        col.as_primitive::<Int64Type>().value(i).to_string()
                    }
                })
                .collect();
            rows.push(cells.join("\t"));
        }
    }
    rows.sort();
    rows
}

/// The rows of a query on a store, cells joined by tabs, sorted.
fn store_rows(db: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut rows: Vec<String> = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => String::new(),
                        rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                        v => v.as_str().unwrap_or_default().to_string(),
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
                .map(|c| c.join("\t"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

/// Asserts two sorted row lists are equal, showing the first rows that differ.
fn assert_same(what: &str, direct: &[String], parquet: &[String]) {
    if direct == parquet {
        return;
    }
    let only_direct: Vec<_> = direct
        .iter()
        .filter(|r| parquet.binary_search(r).is_err())
        .take(15)
        .collect();
    let only_parquet: Vec<_> = parquet
        .iter()
        .filter(|r| direct.binary_search(r).is_err())
        .take(15)
        .collect();
    panic!(
        "{what}: {} rows from the direct import, {} from resolve --parquet\n\
         only in the import: {only_direct:#?}\nonly in resolve --parquet: {only_parquet:#?}",
        direct.len(),
        parquet.len()
    );
}

const SQL_MENTION_ENTITIES: &str = "SELECT a.external_id, m.field, m.start_char, m.end_char,
    e.name, e.kind FROM mentions m JOIN articles a ON a.id = m.article_id
    JOIN entities e ON e.id = m.entity_id";
const SQL_ENTITY_TABLE: &str = "SELECT e.name, e.kind, COUNT(*), COUNT(DISTINCT m.article_id)
    FROM mentions m JOIN entities e ON e.id = m.entity_id GROUP BY e.id";

/// Imports `input` into a store and resolves its Parquet extract; compares both.
fn direct_import_equals_parquet_resolution(input: &Path, dir: &Path) {
    let db = dir.join("direct.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(input)
        .arg("--quiet")
        .assert()
        .success();
    let extract = dir.join("extract");
    newsdb(&db)
        .arg("extract")
        .arg(input)
        .args(["--format", "parquet", "--quiet", "--out"])
        .arg(&extract)
        .assert()
        .success();
    let resolved = dir.join("resolved");
    newsdb(&db)
        .args(["resolve", "--parquet"])
        .arg(&extract)
        .arg("--out")
        .arg(&resolved)
        .assert()
        .success();
    let mentions = parquet_rows(
        &resolved.join("mention_entities.parquet"),
        &[
            "article_external_id",
            "field",
            "start_char",
            "end_char",
            "entity_name",
            "entity_kind",
        ],
    );
    assert!(!mentions.is_empty());
    assert_same(
        "each mention's entity",
        &store_rows(&db, SQL_MENTION_ENTITIES),
        &mentions,
    );
    let entities = parquet_rows(
        &resolved.join("entities.parquet"),
        &["name", "kind", "mentions", "articles"],
    );
    assert_same(
        "the entity table",
        &store_rows(&db, SQL_ENTITY_TABLE),
        &entities,
    );
}

#[test]
fn the_seed_resolved_over_parquet_equals_its_import() {
    let dir = tempfile::tempdir().unwrap();
    direct_import_equals_parquet_resolution(&seeds(), dir.path());
}

#[test]
fn extract_parquet_needs_a_directory_and_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.sqlite");
    newsdb(&db)
        .args(["extract", "--format", "parquet", "--quiet"])
        .arg(seeds())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--out DIR"));
    let out = dir.path().join("x");
    let run = |force: bool| {
        let mut c = newsdb(&db);
        c.args(["extract", "--format", "parquet", "--quiet", "--out"])
            .arg(&out)
            .arg(seeds());
        if force {
            c.arg("--force");
        }
        c.assert()
    };
    run(false).success();
    run(false)
        .code(2)
        .stderr(predicates::str::contains("--force"));
    run(true).success();
    assert!(!db.exists(), "extract never creates a database");
    newsdb(&db)
        .args(["sql", "SELECT 1", "--format", "parquet"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("extract"));
}

/// Issue 13 #3: on the BBC corpus, the mentions' entities and the entity table of
/// `extract --format parquet` + `resolve --parquet` equal a direct import's, ids aside.
#[test]
fn bbc_resolved_over_parquet_equals_a_direct_import() {
    let Some(bbc) = shared_file("bbc") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    direct_import_equals_parquet_resolution(&bbc, dir.path());
}
