//! `newsdb delete`: deleting articles leaves the store as if they had never been
//! imported, summaries included, and `check` finds nothing.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{newsdb, scalar, seeds, shared_file};
use rusqlite::Connection;

/// Every summary row keyed by entity kind and name (ids differ between stores), plus
/// the mentions per entity and the unit totals.
fn summaries(db: &Path) -> BTreeMap<String, i64> {
    let conn = Connection::open(db).unwrap();
    let queries = [
        "SELECT 'mentions ' || e.kind || ' ' || e.name, COUNT(*) FROM mentions m
             JOIN entities e ON e.id = m.entity_id GROUP BY e.id",
        "SELECT 'units ' || e.kind || ' ' || e.name || ' ' || u.level, u.units
             FROM entity_units u JOIN entities e ON e.id = u.entity_id",
        "SELECT 'total ' || level, units FROM unit_totals",
        "SELECT 'pair ' || a.kind || ' ' || a.name || ' / ' || b.kind || ' ' || b.name,
             p.sentences FROM sentence_pairs p
             JOIN entities a ON a.id = p.entity_id JOIN entities b ON b.id = p.other_id",
        "SELECT 'paragraph pair ' || a.kind || ' ' || a.name || ' / ' || b.kind || ' ' || b.name,
             p.paragraphs FROM paragraph_pairs p
             JOIN entities a ON a.id = p.entity_id JOIN entities b ON b.id = p.other_id",
        "SELECT 'day ' || e.kind || ' ' || e.name || ' ' || d.day,
             d.mentions * 1000000 + d.articles FROM entity_days d
             JOIN entities e ON e.id = d.entity_id",
        "SELECT 'vote ' || e.kind || ' ' || e.name || ' ' || v.kind, v.weight
             FROM entity_kind_votes v JOIN entities e ON e.id = v.entity_id",
        "SELECT 'name ' || e.kind || ' ' || e.name || ' ' || n.name, n.mentions
             FROM entity_names n JOIN entities e ON e.id = n.entity_id",
        "SELECT 'entity ' || kind || ' ' || name, 1 FROM entities",
        "SELECT 'paragraph ' || source || ' ' || text_hash, articles FROM source_paragraphs",
    ];
    let mut out = BTreeMap::new();
    for sql in queries {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .unwrap();
        for row in rows {
            let (k, v) = row.unwrap();
            *out.entry(k).or_default() += v;
        }
    }
    out
}

/// The first `n` articles of a BBC folder, copied into `to`.
fn copy_first(from: &Path, to: &Path, n: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(to).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.truncate(n);
    files
        .iter()
        .map(|f| {
            let dest = to.join(f.file_name().unwrap());
            std::fs::copy(f, &dest).unwrap();
            dest
        })
        .collect()
}

#[test]
fn deleting_articles_equals_never_importing_them() {
    let Some(politics) = shared_file("bbc/politics") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // 40 politics articles: Blair, Brown, Howard and their lone surnames, linked
    // across articles.
    let all = dir.path().join("all/politics");
    let files = copy_first(&politics, &all, 40);
    let kept = dir.path().join("kept/politics");
    std::fs::create_dir_all(&kept).unwrap();
    let doomed: Vec<String> = (0..40)
        .filter(|i| i % 4 == 1)
        .map(|i| format!("politics/{:03}", i + 1))
        .collect();
    for f in &files {
        let id = format!("politics/{}", f.file_stem().unwrap().to_string_lossy());
        if !doomed.contains(&id) {
            std::fs::copy(f, kept.join(f.file_name().unwrap())).unwrap();
        }
    }

    let db = dir.path().join("deleted.sqlite");
    newsdb(&db)
        .args(["import", "-q"])
        .arg(seeds())
        .assert()
        .success();
    newsdb(&db)
        .args(["import", "-q"])
        .arg(dir.path().join("all"))
        .assert()
        .success();
    let before = scalar(&db, "SELECT COUNT(*) FROM articles");

    // A dry run lists them and deletes nothing.
    let out = newsdb(&db)
        .args(["delete", "--dry-run", "--format", "json"])
        .args(&doomed)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), doomed.len());
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM articles"), before);

    let out = newsdb(&db)
        .args(["delete", "--format", "json"])
        .args(&doomed)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["articles"], doomed.len());
    assert!(report["mentions"].as_u64().unwrap() > 100, "{report}");
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM articles"),
        before - doomed.len() as i64
    );
    // Nothing of them is left, the search index included.
    for id in &doomed {
        newsdb(&db).args(["show", id]).assert().code(1);
    }
    // The index answers only for articles that exist ("the" is in every one).
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'the'
             AND rowid NOT IN (SELECT id FROM articles)"
        ),
        0
    );
    newsdb(&db).arg("check").assert().success();

    let fresh = dir.path().join("fresh.sqlite");
    newsdb(&fresh)
        .args(["import", "-q"])
        .arg(seeds())
        .assert()
        .success();
    newsdb(&fresh)
        .args(["import", "-q"])
        .arg(dir.path().join("kept"))
        .assert()
        .success();
    let (got, want) = (summaries(&db), summaries(&fresh));
    let differ: Vec<String> = want
        .keys()
        .chain(got.keys())
        .filter(|k| got.get(*k) != want.get(*k))
        .map(|k| {
            format!(
                "{k}: after delete {:?}, fresh {:?}",
                got.get(k),
                want.get(k)
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{} summary rows differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

#[test]
fn delete_by_source_and_date_and_refuses_nothing_to_delete() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let jsonl = dir.path().join("a.jsonl");
    let body = "Tony Blair met Jacques Chirac in Paris on Monday to talk about trade.";
    let lines: Vec<String> = [
        ("a", "bbc", "2004-12-31"),
        ("b", "bbc", "2005-01-02"),
        ("c", "reuters", "2004-06-01"),
    ]
    .iter()
    .map(|(id, source, date)| {
        serde_json::json!({"id": id, "title": format!("Story {id}"),
            "body": format!("{body} ({id})"), "source": source, "published": date})
        .to_string()
    })
    .collect();
    std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
    newsdb(&db)
        .args(["import", "-q"])
        .arg(&jsonl)
        .assert()
        .success();

    newsdb(&db)
        .arg("delete")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--source"));
    newsdb(&db)
        .args(["delete", "--source", "bbc", "--before", "2005-01"])
        .assert()
        .success();
    let left = |sql: &str| scalar(&db, sql);
    assert_eq!(
        left("SELECT COUNT(*) FROM articles WHERE external_id IN ('b', 'c')"),
        2
    );
    assert_eq!(left("SELECT COUNT(*) FROM articles"), 2);
    newsdb(&db).arg("check").assert().success();
}
