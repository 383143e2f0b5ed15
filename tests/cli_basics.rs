//! The foundation CLI: import of the seed, idempotency, read-only SQL, output formats
//! and errors, run through the real binary.

mod common;

use common::{newsdb, scalar, seeds};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn importing_the_seed_creates_one_article_with_thirteen_paragraphs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();

    let seed = std::fs::read_to_string(seeds().join("000_74746990a53cdcfb.txt")).unwrap();
    let first_line = seed.lines().next().unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (title, body): (String, String) = conn
        .query_row("SELECT title, body FROM articles", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(title, first_line);
    assert_eq!(body.split('\n').count(), 13);
    for table in [
        "articles",
        "entities",
        "mentions",
        "refinery_schema_history",
    ] {
        let n = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM sqlite_master WHERE name = '{table}'"),
        );
        assert_eq!(n, 1, "table {table} exists");
    }
}

#[test]
fn reimporting_unchanged_file_inserts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let imported_at = scalar(&db, "SELECT COUNT(*) FROM articles");
    newsdb(&db)
        .arg("import")
        .arg(seeds())
        .assert()
        .success()
        .stderr(contains("0 inserted").and(contains("1 unchanged")));
    assert_eq!(imported_at, 1);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
}

#[test]
fn sql_refuses_writes_and_leaves_the_database_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let entities = scalar(&db, "SELECT COUNT(*) FROM entities");
    for stmt in [
        "DELETE FROM articles",
        "UPDATE articles SET title = 'x'",
        "DROP TABLE articles",
        "INSERT INTO entities (kind, name) VALUES ('person', 'x')",
        "CREATE TABLE t (x)",
    ] {
        newsdb(&db)
            .args(["sql", stmt])
            .assert()
            .code(2)
            .stderr(contains("read-only"));
    }
    newsdb(&db)
        .args(["sql", "ATTACH DATABASE 'other.sqlite' AS other"])
        .current_dir(dir.path())
        .assert()
        .code(2);
    assert!(!dir.path().join("other.sqlite").exists());
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM entities"), entities);
}

#[test]
fn sql_prints_valid_json_and_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();

    let out = newsdb(&db)
        .args(["sql", "select count(*) from articles", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["count(*)"], 1);

    let q = "SELECT id, external_id FROM articles";
    let run = |fmt: &str| {
        let out = newsdb(&db)
            .args(["--format", fmt, "sql", q])
            .output()
            .unwrap();
        assert!(out.status.success(), "{fmt}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run("csv"), "id,external_id\n1,000_74746990a53cdcfb\n");
    assert_eq!(run("tsv"), "id\texternal_id\n1\t000_74746990a53cdcfb\n");
    let line: serde_json::Value = serde_json::from_str(run("jsonl").trim()).unwrap();
    assert_eq!(line["external_id"], "000_74746990a53cdcfb");
    let table = run("table");
    assert!(table.starts_with("id"), "{table}");
    assert!(table.contains("000_74746990a53cdcfb"));

    // An empty result is still valid JSON.
    let out = newsdb(&db)
        .args(["sql", "SELECT * FROM entities WHERE 0", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn articles_and_show_and_schema_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let out = newsdb(&db)
        .args(["articles", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);

    let by_ext = newsdb(&db)
        .args(["show", "000_74746990a53cdcfb", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&by_ext.stdout).unwrap();
    assert_eq!(v["id"], 1);
    // Every mention of the article, each one the exact slice of its field.
    let mentions = v["mentions"].as_array().expect("a mentions array");
    assert_eq!(
        mentions.len() as i64,
        common::scalar(&db, "SELECT COUNT(*) FROM mentions WHERE article_id = 1")
    );
    let title: Vec<char> = v["title"].as_str().unwrap().chars().collect();
    let body: Vec<char> = v["body"].as_str().unwrap().chars().collect();
    for m in mentions {
        assert_eq!(m["article_id"], 1, "{m}");
        let text = if m["field"] == "title" { &title } else { &body };
        let (s, e) = (
            m["start_char"].as_u64().unwrap() as usize,
            m["end_char"].as_u64().unwrap() as usize,
        );
        assert_eq!(
            text[s..e].iter().collect::<String>(),
            m["surface"].as_str().unwrap(),
            "{m}"
        );
    }
    let surfaces: Vec<&str> = mentions
        .iter()
        .map(|m| m["surface"].as_str().unwrap())
        .collect();
    for expected in [
        "Bashar al-Assad",
        "Ayatollah Ali Khamenei",
        "Tehran",
        "Damascus",
    ] {
        assert!(
            surfaces.contains(&expected),
            "{expected} not in {surfaces:?}"
        );
    }

    newsdb(&db)
        .args(["schema", "--format", "csv"])
        .assert()
        .success()
        .stdout(contains("articles_fts"));
}

#[test]
fn errors_for_a_missing_path_and_an_unknown_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db)
        .args(["import", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(contains("/definitely/not/here"));
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    newsdb(&db)
        .args(["show", "no-such-article"])
        .assert()
        .code(1)
        .stderr(contains("no-such-article"));
    // Reading commands never create a database.
    let missing = dir.path().join("missing.sqlite");
    newsdb(&missing)
        .arg("articles")
        .assert()
        .code(2)
        .stderr(contains("does not exist"));
    assert!(!missing.exists());
}

#[test]
fn global_flags_work_before_and_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let mut c = assert_cmd::Command::cargo_bin("newsdb").unwrap();
    c.arg("--db")
        .arg(&db)
        .arg("import")
        .arg(seeds())
        .assert()
        .success();
    let mut c = assert_cmd::Command::cargo_bin("newsdb").unwrap();
    c.args(["articles", "--format", "csv", "--db"])
        .arg(&db)
        .assert()
        .success()
        .stdout(contains("000_74746990a53cdcfb"));
}

#[test]
fn help_has_examples() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    for cmd in ["import", "articles", "show", "schema", "sql"] {
        newsdb(&db)
            .args([cmd, "--help"])
            .assert()
            .success()
            .stdout(contains("Example"));
    }
}

#[test]
fn entity_changes_have_examples_and_training_shows_its_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    let help = |args: &[&str]| {
        let out = newsdb(&db).args(args).arg("--help").output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    for sub in ["merge", "unmerge", "rename", "merges"] {
        let text = help(&["entities", sub]);
        assert!(
            text.contains(&format!("Examples:\n  newsdb entities {sub}"))
                || text.contains("Examples:\n  newsdb entities merges"),
            "entities {sub} --help: {text}"
        );
    }
    let train = help(&["ner", "train"]);
    for default in ["[default: 20]", "[default: 1]"] {
        assert!(train.contains(default), "ner train --help lacks {default}");
    }
    for command in ["entities", "mentions", "cooccur"] {
        assert!(help(&[command]).contains("--offset"), "{command} --help");
    }
}

#[test]
fn completions_cover_every_subcommand_in_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = newsdb(&db).args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for sub in [
            "import",
            "reextract",
            "cooccur",
            "timeline",
            "aliases",
            "completions",
        ] {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    // Completion needs no database: none is created.
    assert!(!db.exists());
    newsdb(&db)
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(contains("invalid value 'tcsh'"));
}

#[test]
fn schema_says_table_or_view_with_columns_and_the_version_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let out = newsdb(&db)
        .args(["schema", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let version = newsdb::db::latest_schema_version();
    assert_eq!(stderr.trim(), format!("schema version {version}"));
    assert_eq!(csv.lines().next(), Some("name,type,columns"));
    assert!(csv.contains("cooccurrence,view,"), "{csv}");
    assert!(csv.contains("paragraphs,table,"), "{csv}");
    assert!(
        csv.contains("mentions,table,\"id, article_id, entity_id,"),
        "{csv}"
    );
    let out = newsdb(&db)
        .args(["schema", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema_version"], version);
    assert!(json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "entity_stats" && o["type"] == "view"));
}

#[test]
fn sql_help_names_every_table_and_view_a_user_queries() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let help = newsdb(&db).args(["sql", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    // Every view, and the base tables, as the schema has them.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'view'
             OR name IN ('articles', 'paragraphs', 'entities', 'entity_aliases', 'mentions')",
        )
        .unwrap();
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        assert!(help.contains(&name), "sql --help does not name {name}");
    }
}
