//! The query commands run through the real binary on the imported seed, with
//! entities added through the library (offsets found in the text, never hard-coded).

mod common;

use std::path::{Path, PathBuf};

use common::{newsdb, seeds};
use newsdb::{EntityKind, Field, NewArticle, NewMention, Store};
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;

const SEED: &str = "000_74746990a53cdcfb";

/// Marks the first occurrence of `surface` in the article's `field` as `name`,
/// numbering paragraphs by newlines and sentences by periods before it.
fn mark(
    store: &mut Store,
    external_id: &str,
    field: Field,
    surface: &str,
    kind: EntityKind,
    name: &str,
) {
    let article = store.article_by_external_id(external_id).unwrap().unwrap();
    let text = match field {
        Field::Title => article.title.clone(),
        Field::Body => article.body.clone(),
    };
    let start = text.find(surface).expect("the surface is in the text");
    let entity = store.entity_get_or_create(kind, name).unwrap();
    store.add_alias(entity, surface).unwrap();
    let mut m =
        NewMention::from_byte_range(entity, field, &text, start, start + surface.len()).unwrap();
    m.paragraph = Some(text[..start].matches('\n').count() as i64);
    m.sentence = Some(text[..start].matches('.').count() as i64);
    store.add_mentions(article.id, &[m]).unwrap();
}

/// Imports the seed with the binary (its entities come from the NER extractor), then
/// adds a dated second article with mentions marked through the library.
fn database() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let mut store = Store::open(&db).unwrap();
    store
        .upsert_article(&NewArticle {
            external_id: "dated-1".into(),
            title: "Bashar al-Assad returns to Damascus".into(),
            body: "Bashar al-Assad flew home on Tuesday.".into(),
            source: Some("wire".into()),
            published_at: Some("2019-02-26T09:00:00Z".into()),
            ..Default::default()
        })
        .unwrap();
    use EntityKind::*;
    mark(
        &mut store,
        "dated-1",
        Field::Title,
        "Bashar al-Assad",
        Person,
        "Bashar al-Assad",
    );
    mark(
        &mut store,
        "dated-1",
        Field::Title,
        "Damascus",
        Location,
        "Damascus",
    );
    mark(
        &mut store,
        "dated-1",
        Field::Body,
        "Bashar al-Assad",
        Person,
        "Bashar al-Assad",
    );
    (dir, db)
}

fn stdout(db: &Path, args: &[&str]) -> String {
    let out = newsdb(db).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&stdout(db, &all)).unwrap()
}

/// Runs `args` in every format and checks each is well formed and has `needle`.
fn every_format(db: &Path, args: &[&str], needle: &str) {
    for format in ["table", "json", "jsonl", "csv", "tsv"] {
        let mut all = args.to_vec();
        all.extend(["--format", format]);
        let text = stdout(db, &all);
        assert!(text.contains(needle), "{args:?} as {format}: {text}");
        match format {
            "json" => {
                serde_json::from_str::<Value>(&text).unwrap();
            }
            "jsonl" => {
                for line in text.lines() {
                    serde_json::from_str::<Value>(line).unwrap();
                }
            }
            "csv" | "tsv" => {
                let delimiter = if format == "csv" { b',' } else { b'\t' };
                // TSV fields are escaped, never quoted.
                let mut r = csv::ReaderBuilder::new()
                    .delimiter(delimiter)
                    .quoting(format == "csv")
                    .from_reader(text.as_bytes());
                let width = r.headers().unwrap().len();
                let records: Vec<csv::StringRecord> = r
                    .records()
                    .collect::<Result<_, _>>()
                    .unwrap_or_else(|e| panic!("{format}: {e}: {text}"));
                assert!(!records.is_empty(), "{format}: no rows: {text}");
                assert!(
                    records.iter().all(|rec| rec.len() == width),
                    "{format}: {text}"
                );
            }
            _ => {}
        }
    }
}

#[test]
fn search_finds_khamenei_in_every_format() {
    let (_dir, db) = database();
    every_format(&db, &["search", "Khamenei"], SEED);
    let hits = json(&db, &["search", "Khamenei"]);
    assert_eq!(hits[0]["external_id"], SEED);
    assert!(hits[0]["snippet"].as_str().unwrap().contains("«Khamenei»"));
    let newest = json(&db, &["search", "assad", "--sort", "newest"]);
    assert_eq!(newest[0]["external_id"], "dated-1");
    let filtered = json(&db, &["search", "assad", "--entity", "Ali Khamenei"]);
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    let dated = json(
        &db,
        &["search", "assad", "--since", "2019-02", "--source", "wire"],
    );
    assert_eq!(dated[0]["external_id"], "dated-1");
}

#[test]
fn search_with_bad_syntax_exits_2_and_literal_works() {
    let (_dir, db) = database();
    newsdb(&db)
        .args(["search", "\"unbalanced"])
        .assert()
        .code(2)
        .stderr(contains("invalid search query").and(contains("--literal")));
    let hits = json(&db, &["search", "--literal", "\"Khamenei"]);
    assert_eq!(hits[0]["external_id"], SEED);
}

#[test]
fn empty_results_are_valid_json() {
    let (_dir, db) = database();
    assert_eq!(json(&db, &["search", "xylophone"]), serde_json::json!([]));
    assert_eq!(
        json(&db, &["timeline", "Ali Khamenei"]),
        serde_json::json!([])
    );
    assert_eq!(
        stdout(&db, &["search", "xylophone", "--format", "jsonl"]),
        ""
    );
}

#[test]
fn entity_profile_has_the_documented_fields() {
    let (_dir, db) = database();
    let p = json(&db, &["entity", "Bashar al-Assad"]);
    assert_eq!(p["name"], "Bashar al-Assad");
    assert_eq!(p["kind"], "person");
    // The seed names him "Bashar al-Assad" once and "Assad" seven times; the dated
    // article uses the full name. The canonical name is not listed as an alias.
    assert_eq!(p["aliases"], serde_json::json!(["Assad"]));
    let count = |sql: &str| common::scalar(&db, sql);
    assert_eq!(
        p["articles"],
        count("SELECT COUNT(DISTINCT m.article_id) FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE e.name = 'Bashar al-Assad'")
    );
    assert_eq!(
        p["mentions"],
        count("SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE e.name = 'Bashar al-Assad'")
    );
    assert!(
        p["mentions"].as_i64().unwrap() >= 7,
        "the seed names Assad often"
    );
    assert_eq!(p["first_seen"], "2019-02-26T09:00:00Z");
    let names: Vec<&str> = p["cooccurring"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Ali Khamenei"), "{names:?}");
    every_format(&db, &["entity", "Bashar al-Assad"], "Bashar al-Assad");
}

#[test]
fn unknown_entities_exit_1_with_suggestions() {
    let (_dir, db) = database();
    for cmd in ["entity", "mentions", "cooccur", "timeline"] {
        newsdb(&db)
            .args([cmd, "Bashar al-Asad"])
            .assert()
            .code(1)
            .stderr(contains("no entity named").and(contains("Bashar al-Assad")));
    }
    newsdb(&db)
        .args(["search", "assad", "--entity", "Nobody At All"])
        .assert()
        .code(1);
}

#[test]
fn mentions_show_context_of_at_most_n_characters() {
    let (_dir, db) = database();
    let rows = json(&db, &["mentions", "Bashar al-Assad", "--context", "30"]);
    let rows = rows.as_array().unwrap();
    let mentions = common::scalar(
        &db,
        "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE e.name = 'Bashar al-Assad'",
    );
    assert_eq!(rows.len() as i64, mentions);
    for r in rows {
        let surface = r["surface"].as_str().unwrap();
        assert!(
            surface == "Bashar al-Assad" || surface == "Assad",
            "{surface}"
        );
        assert!(r["left"].as_str().unwrap().chars().count() <= 30);
        assert!(r["right"].as_str().unwrap().chars().count() <= 30);
    }
    assert!(rows.iter().any(|r| r["right"]
        .as_str()
        .unwrap()
        .starts_with(" has travelled to Tehran")));
    every_format(
        &db,
        &["mentions", "Bashar al-Assad", "--context", "30"],
        "Bashar al-Assad",
    );
}

#[test]
fn cooccur_lists_khamenei_in_the_same_sentence() {
    let (_dir, db) = database();
    let rows = json(&db, &["cooccur", "Bashar al-Assad", "--level", "sentence"]);
    let khamenei = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Ali Khamenei")
        .expect("Ali Khamenei shares a sentence with Bashar al-Assad");
    assert_eq!(khamenei["kind"], "person");
    // Sentences holding both, counted directly.
    let shared = common::scalar(
        &db,
        "SELECT COUNT(*) FROM (SELECT DISTINCT a.article_id, a.field, a.sentence
           FROM mentions a JOIN entities ea ON ea.id = a.entity_id
           JOIN mentions b ON b.article_id = a.article_id AND b.field = a.field AND b.sentence = a.sentence
           JOIN entities eb ON eb.id = b.entity_id
           WHERE ea.name = 'Bashar al-Assad' AND eb.name = 'Ali Khamenei')",
    );
    assert!(
        shared >= 3,
        "Assad and Khamenei share sentences in the seed"
    );
    assert_eq!(khamenei["count"], shared);
    assert!(khamenei["pmi"].is_number());
    every_format(
        &db,
        &["cooccur", "Bashar al-Assad", "--level", "sentence"],
        "Ali Khamenei",
    );
    let by_article = json(&db, &["cooccur", "Bashar al-Assad", "--level", "article"]);
    assert!(by_article
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "Damascus"));
}

#[test]
fn timeline_entities_articles_show_stats_and_export() {
    let (dir, db) = database();
    let t = json(&db, &["timeline", "Bashar al-Assad", "--by", "month"]);
    assert_eq!(
        t,
        serde_json::json!([{"period": "2019-02", "mentions": 2, "articles": 1}])
    );
    every_format(
        &db,
        &["timeline", "Bashar al-Assad", "--by", "day"],
        "2019-02-26",
    );

    let people = json(&db, &["entities", "--kind", "person"]);
    let people = people.as_array().unwrap();
    assert!(people.iter().all(|e| e["kind"] == "person"), "{people:?}");
    let names: Vec<&str> = people.iter().map(|e| e["name"].as_str().unwrap()).collect();
    for name in [
        "Bashar al-Assad",
        "Ali Khamenei",
        "Hassan Rouhani",
        "Donald Trump",
    ] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
    every_format(&db, &["entities", "--article", "dated-1"], "Damascus");

    let arts = json(&db, &["articles", "--entity", "Damascus"]);
    // The importer's own NER may find Damascus in the seed too.
    assert!(arts
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["external_id"] == "dated-1"));
    let arts = json(
        &db,
        &["articles", "--entity", "Damascus", "--since", "2019"],
    );
    assert_eq!(arts.as_array().unwrap().len(), 1);
    let none = json(&db, &["articles", "--until", "2000"]);
    assert_eq!(none, serde_json::json!([]));

    let shown = stdout(&db, &["show", "dated-1"]);
    assert!(
        shown.starts_with("⟦Bashar al-Assad|person⟧ returns to ⟦Damascus|location⟧"),
        "{shown}"
    );
    assert!(stdout(&db, &["show", SEED]).contains("⟦Bashar al-Assad|"));
    let shown = json(&db, &["show", "dated-1"]);
    assert_eq!(shown["mentions"].as_array().unwrap().len(), 3);

    let stats = json(&db, &["stats"]);
    assert_eq!(stats["articles"], 2);
    assert_eq!(stats["schema_version"], newsdb::db::latest_schema_version());
    assert!(stats["file_bytes"].as_u64().unwrap() > 0);

    let out = dir.path().join("articles.jsonl");
    newsdb(&db)
        .args(["export", "articles", "--format", "jsonl", "--out"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["external_id"], SEED);
    let csv = stdout(&db, &["export", "mentions", "--format", "csv"]);
    assert!(csv.starts_with("id,article_id,entity_id,field,"));
    assert!(csv.contains("Ali Khamenei"));
    let entities = stdout(&db, &["export", "entities"]);
    let entities: Vec<Value> = entities
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        entities.len() as i64,
        common::scalar(&db, "SELECT COUNT(*) FROM entities")
    );
    assert!(entities
        .iter()
        .any(|e| e["name"] == "Damascus" && e["kind"] == "location"));
}

#[test]
fn query_commands_have_examples_in_help() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    for cmd in [
        "search", "entity", "entities", "mentions", "cooccur", "timeline", "stats", "export",
        "articles", "show",
    ] {
        newsdb(&db)
            .args([cmd, "--help"])
            .assert()
            .success()
            .stdout(contains("Example"));
    }
}

#[test]
fn exported_and_shown_mentions_carry_their_entity_and_article() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    // Mentions: the entity's name and kind and the article's external id beside the ids.
    let csv = stdout(&db, &["export", "mentions", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        rows.len() as i64,
        common::scalar(&db, "SELECT COUNT(*) FROM mentions")
    );
    assert!(rows.iter().all(|r| r[col("article_external_id")] == *SEED));
    let khamenei = rows
        .iter()
        .find(|r| &r[col("surface")] == "Ayatollah Ali Khamenei")
        .expect("the seed names Khamenei");
    assert_eq!(&khamenei[col("entity_name")], "Ali Khamenei");
    assert_eq!(&khamenei[col("entity_kind")], "person");
    // Entities: their mention and article counts.
    let entities: Vec<Value> = stdout(&db, &["export", "entities"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let assad = entities
        .iter()
        .find(|e| e["name"] == "Bashar al-Assad")
        .unwrap();
    let id = assad["id"].as_i64().unwrap();
    assert_eq!(
        assad["mentions"].as_i64().unwrap(),
        common::scalar(
            &db,
            &format!("SELECT COUNT(*) FROM mentions WHERE entity_id = {id}")
        )
    );
    assert!(assad["mentions"].as_i64().unwrap() >= 5);
    assert_eq!(assad["articles"], 1);
    // `show --format json`: every mention with its entity's name and kind.
    let shown = json(&db, &["show", SEED]);
    let mentions = shown["mentions"].as_array().unwrap();
    assert!(!mentions.is_empty());
    assert!(mentions
        .iter()
        .all(|m| m["entity_name"].is_string() && m["entity_kind"].is_string()));
    assert!(mentions
        .iter()
        .any(|m| m["surface"] == "Ayatollah Ali Khamenei" && m["entity_name"] == "Ali Khamenei"));
}

#[test]
fn offset_pages_through_entities_mentions_and_cooccurrences() {
    let (_dir, db) = database();
    for (command, page) in [
        (vec!["entities"], 3),
        (vec!["entities", "--kind", "location"], 2),
        (vec!["entities", "--match", "s"], 2),
        (vec!["entities", "--article", "000_74746990a53cdcfb"], 3),
        (vec!["mentions", "Syria"], 2),
        (vec!["cooccur", "Iran", "--level", "article"], 3),
    ] {
        let with = |extra: &[&str]| -> Vec<Value> {
            let mut args = command.clone();
            args.extend_from_slice(extra);
            json(&db, &args).as_array().unwrap().clone()
        };
        let two_pages = with(&["--limit", &(2 * page).to_string()]);
        assert_eq!(
            two_pages.len(),
            2 * page,
            "{command:?}: the seed has two pages"
        );
        let first = with(&["--limit", &page.to_string()]);
        let second = with(&["--limit", &page.to_string(), "--offset", &page.to_string()]);
        assert_eq!(first, two_pages[..page], "{command:?}");
        assert_eq!(second, two_pages[page..], "{command:?}");
        let past = with(&["--offset", "100000"]);
        assert!(past.is_empty(), "{command:?}: {past:?}");
    }
}
