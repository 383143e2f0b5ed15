//! `newsdb export parquet DIR`: every table's file holds the store's rows with typed
//! columns, read back with the `parquet` crate's reader, and the directory rules
//! (new or empty unless --force, no temporary files left) hold.
#![cfg(feature = "parquet")]

mod common;

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::DataType;
use common::{newsdb, scalar, seeds, shared_file};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

const TABLES: [&str; 9] = [
    "articles",
    "paragraphs",
    "entities",
    "entity_aliases",
    "mentions",
    "sentence_pairs",
    "paragraph_pairs",
    "entity_units",
    "unit_totals",
];

/// Every batch of a Parquet file.
fn read(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// The text cells of `column` across batches (`None` for null).
fn texts(batches: &[RecordBatch], column: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for b in batches {
        let a = b
            .column_by_name(column)
            .unwrap_or_else(|| panic!("no column {column}"))
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap_or_else(|| panic!("{column} is not Utf8"));
        out.extend((0..a.len()).map(|i| a.is_valid(i).then(|| a.value(i).to_string())));
    }
    out
}

fn ints(batches: &[RecordBatch], column: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for b in batches {
        let a = b
            .column_by_name(column)
            .unwrap_or_else(|| panic!("no column {column}"))
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap_or_else(|| panic!("{column} is not Int64"));
        out.extend(a.values().iter().copied());
    }
    out
}

fn export(db: &Path, dir: &Path) {
    newsdb(db)
        .args(["export", "parquet"])
        .arg(dir)
        .assert()
        .success();
}

/// Checks every file against the store: row counts, column types, and each mention's
/// surface, entity name and article external id as SQL gives them.
fn check_against_the_store(db: &Path, dir: &Path) {
    for t in TABLES {
        let batches = read(&dir.join(format!("{t}.parquet")));
        let expected = scalar(db, &format!("SELECT COUNT(*) FROM {t}"));
        assert_eq!(rows(&batches) as i64, expected, "{t}");
    }
    let articles = read(&dir.join("articles.parquet"));
    let schema = articles[0].schema();
    assert_eq!(
        schema.field_with_name("id").unwrap().data_type(),
        &DataType::Int64
    );
    let published = schema.field_with_name("published_at").unwrap();
    assert_eq!(published.data_type(), &DataType::Utf8);
    assert!(published.is_nullable());
    assert!(!schema.field_with_name("title").unwrap().is_nullable());

    let paragraphs = read(&dir.join("paragraphs.parquet"));
    let boilerplate: usize = paragraphs
        .iter()
        .map(|b| {
            let a = b
                .column_by_name("boilerplate")
                .unwrap()
                .as_any()
                .downcast_ref::<BooleanArray>()
                .expect("boilerplate is Boolean");
            a.true_count()
        })
        .sum();
    assert_eq!(
        boilerplate as i64,
        scalar(db, "SELECT COUNT(*) FROM paragraphs WHERE boilerplate = 1")
    );

    let mentions = read(&dir.join("mentions.parquet"));
    let confidence = mentions[0].column_by_name("confidence").unwrap();
    assert!(confidence.as_any().downcast_ref::<Float64Array>().is_some());
    let ids = ints(&mentions, "id");
    let surfaces = texts(&mentions, "surface");
    let names = texts(&mentions, "entity_name");
    let external = texts(&mentions, "article_external_id");
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT m.id, m.surface, e.name, a.external_id FROM mentions m
             JOIN entities e ON e.id = m.entity_id JOIN articles a ON a.id = m.article_id
             ORDER BY m.id",
        )
        .unwrap();
    let expected: Vec<(i64, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(expected.len(), ids.len());
    for (i, (id, surface, name, ext)) in expected.iter().enumerate() {
        assert_eq!(ids[i], *id);
        assert_eq!(
            surfaces[i].as_deref(),
            Some(surface.as_str()),
            "mention {id}"
        );
        assert_eq!(names[i].as_deref(), Some(name.as_str()), "mention {id}");
        assert_eq!(external[i].as_deref(), Some(ext.as_str()), "mention {id}");
    }
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("_schema.json")).unwrap()).unwrap();
    let documented: Vec<&str> = schema["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(documented, TABLES);
}

/// Files in `dir` whose names mark them temporary.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".tmp-"))
        .collect()
}

#[test]
fn the_seed_exports_every_table_with_typed_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let dir = tmp.path().join("parquet");
    export(&db, &dir);
    check_against_the_store(&db, &dir);
    assert!(leftovers(&dir).is_empty());
    // A known value: the seed names Bashar al-Assad.
    let mentions = read(&dir.join("mentions.parquet"));
    assert!(texts(&mentions, "entity_name")
        .iter()
        .any(|n| n.as_deref() == Some("Bashar al-Assad")));
    let kinds = texts(&mentions, "entity_kind");
    assert!(kinds.iter().all(|k| matches!(
        k.as_deref(),
        Some("person" | "organization" | "location" | "misc")
    )));
}

#[test]
fn a_bbc_sample_exports_the_same_rows_as_sql() {
    let Some(bbc) = shared_file("bbc") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("bbc");
    std::fs::create_dir(&input).unwrap();
    for category in ["business", "politics", "tech"] {
        for n in 1..=8 {
            let name = format!("{n:03}.txt");
            std::fs::copy(
                bbc.join(category).join(&name),
                input.join(format!("{category}-{name}")),
            )
            .unwrap();
        }
    }
    let db = tmp.path().join("news.sqlite");
    newsdb(&db)
        .args(["import", "--quiet"])
        .arg(seeds())
        .arg(&input)
        .assert()
        .success();
    let dir = tmp.path().join("out");
    let out = newsdb(&db)
        .args(["export", "parquet", "--format", "csv", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.starts_with("table,rows,bytes,path\n"), "{report}");
    assert_eq!(report.lines().count(), TABLES.len() + 1, "{report}");
    check_against_the_store(&db, &dir);
    assert!(scalar(&db, "SELECT COUNT(*) FROM paragraph_pairs") > 0);
    let pairs = read(&dir.join("paragraph_pairs.parquet"));
    let total: i64 = ints(&pairs, "paragraphs").iter().sum();
    assert_eq!(
        total,
        scalar(&db, "SELECT SUM(paragraphs) FROM paragraph_pairs")
    );
}

#[test]
fn a_non_empty_directory_needs_force_and_other_exports_take_no_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let dir = tmp.path().join("parquet");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = newsdb(&db)
        .args(["export", "parquet"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&dir.display().to_string()), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(!dir.join("articles.parquet").exists());

    newsdb(&db)
        .args(["export", "parquet", "--force"])
        .arg(&dir)
        .assert()
        .success();
    assert!(dir.join("notes.txt").exists(), "--force keeps other files");
    // Again over its own files: they are replaced.
    newsdb(&db)
        .args(["export", "parquet", "--force"])
        .arg(&dir)
        .assert()
        .success();
    check_against_the_store(&db, &dir);
    assert!(leftovers(&dir).is_empty());

    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = newsdb(&db)
        .args(["export", "parquet"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a-file"));

    let out = newsdb(&db)
        .args(["export", "mentions", "somewhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("export parquet"));
}

#[test]
fn partition_by_month_splits_articles_and_mentions_hive_style() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("dated.jsonl");
    let records = [
        (
            "a1",
            Some("2005-01-03"),
            "Tony Blair met Gordon Brown in London.",
        ),
        (
            "a2",
            Some("2005-01-20T10:00:00Z"),
            "Gordon Brown spoke in Edinburgh.",
        ),
        (
            "a3",
            Some("2005-02-01"),
            "Tony Blair visited Paris with Jacques Chirac.",
        ),
        (
            "a4",
            None,
            "Jacques Chirac met Gerhard Schroeder in Berlin.",
        ),
    ];
    let lines: Vec<String> = records
        .iter()
        .map(|(id, date, body)| {
            let mut r = serde_json::json!({"id": id, "title": format!("Story {id}"), "body": body});
            if let Some(d) = date {
                r["published"] = serde_json::json!(d);
            }
            r.to_string()
        })
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let db = tmp.path().join("news.sqlite");
    newsdb(&db)
        .args(["import", "--quiet"])
        .arg(seeds())
        .arg(&input)
        .assert()
        .success();
    let dir = tmp.path().join("by-month");
    newsdb(&db)
        .args(["export", "parquet", "--partition", "month"])
        .arg(&dir)
        .assert()
        .success();
    let conn = rusqlite::Connection::open(&db).unwrap();
    for (table, month, sql) in [
        (
            "articles",
            "2005-01",
            "SELECT COUNT(*) FROM articles WHERE published_at LIKE '2005-01%'",
        ),
        (
            "articles",
            "2005-02",
            "SELECT COUNT(*) FROM articles WHERE published_at LIKE '2005-02%'",
        ),
        (
            "articles",
            "unknown",
            "SELECT COUNT(*) FROM articles WHERE published_at IS NULL",
        ),
        (
            "mentions",
            "2005-01",
            "SELECT COUNT(*) FROM mentions m JOIN articles a ON a.id = m.article_id
             WHERE a.published_at LIKE '2005-01%'",
        ),
        (
            "mentions",
            "unknown",
            "SELECT COUNT(*) FROM mentions m JOIN articles a ON a.id = m.article_id
             WHERE a.published_at IS NULL",
        ),
    ] {
        let path = dir
            .join(table)
            .join(format!("published_month={month}"))
            .join("part-0.parquet");
        let batches = read(&path);
        let expected: i64 = conn.query_row(sql, [], |r| r.get(0)).unwrap();
        assert!(expected > 0, "{sql}");
        assert_eq!(rows(&batches) as i64, expected, "{}", path.display());
        if table == "articles" && month != "unknown" {
            assert!(texts(&batches, "published_at")
                .iter()
                .all(|d| d.as_deref().is_some_and(|d| d.starts_with(month))));
        }
    }
    // Every mention is in exactly one partition; the other tables are single files.
    let mut total = 0;
    for entry in std::fs::read_dir(dir.join("mentions")).unwrap() {
        total += rows(&read(&entry.unwrap().path().join("part-0.parquet")));
    }
    assert_eq!(total as i64, scalar(&db, "SELECT COUNT(*) FROM mentions"));
    assert!(dir.join("entities.parquet").exists());
    assert!(!dir.join("articles.parquet").exists());
}
