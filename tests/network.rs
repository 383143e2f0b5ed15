//! `newsdb export network` (issue 12 #26): the co-occurrence network of an imported
//! BBC sample as GEXF, GraphML and CSV, parsed back and compared with plain SQL over
//! the mentions; names that XML must escape survive the trip.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{newsdb, shared_file};
use rusqlite::Connection;

/// A store of the first 25 texts of two BBC topics, and one record whose entity names
/// hold XML's special characters.
fn sample(dir: &Path) -> Option<PathBuf> {
    let bbc = shared_file("bbc")?;
    let input = dir.join("input");
    for topic in ["business", "politics"] {
        std::fs::create_dir_all(input.join(topic)).unwrap();
        let mut files: Vec<PathBuf> = std::fs::read_dir(bbc.join(topic))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files.iter().take(25) {
            std::fs::copy(f, input.join(topic).join(f.file_name().unwrap())).unwrap();
        }
    }
    let db = dir.join("news.sqlite");
    newsdb(&db).arg("import").arg(&input).assert().success();
    Some(db)
}

/// The edges at a level as SQL computes them from the mentions: (a, b) -> shared units,
/// for a < b and at least `min` units.
fn sql_edges(db: &Path, level: &str, min: i64) -> BTreeMap<(i64, i64), i64> {
    let unit = match level {
        "sentence" => "m.field || ':' || m.sentence",
        "paragraph" => "m.field || ':' || m.paragraph",
        _ => "''",
    };
    let not_null = match level {
        "sentence" => "m.sentence IS NOT NULL",
        "paragraph" => "m.paragraph IS NOT NULL",
        _ => "1",
    };
    let sql = format!(
        "WITH u AS (SELECT DISTINCT m.article_id, {unit} AS unit, m.entity_id FROM mentions m
                    WHERE {not_null})
         SELECT a.entity_id, b.entity_id, COUNT(*) FROM u a
         JOIN u b ON b.article_id = a.article_id AND b.unit = a.unit
                 AND b.entity_id > a.entity_id
         GROUP BY 1, 2 HAVING COUNT(*) >= ?1"
    );
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare(&sql).unwrap();
    stmt.query_map([min], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// An entity's name, kind and mentions, from SQL.
fn sql_node(conn: &Connection, id: i64) -> (String, String, i64) {
    conn.query_row(
        "SELECT name, kind, (SELECT COUNT(*) FROM mentions WHERE entity_id = ?1)
         FROM entities WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

/// Nodes (id -> name, kind, mentions) and edges ((a, b) -> count) of a GEXF document.
type Graph = (
    BTreeMap<i64, (String, String, i64)>,
    BTreeMap<(i64, i64), i64>,
);

fn parse_gexf(xml: &str) -> Graph {
    let doc = roxmltree::Document::parse(xml).expect("valid XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "gexf");
    let attr = |n: roxmltree::Node<'_, '_>, key: &str| -> String {
        n.descendants()
            .find(|a| a.has_tag_name("attvalue") && a.attribute("for") == Some(key))
            .and_then(|a| a.attribute("value"))
            .unwrap_or_else(|| panic!("attvalue {key}"))
            .to_string()
    };
    let mut nodes = BTreeMap::new();
    let mut edges = BTreeMap::new();
    for n in root.descendants() {
        if n.has_tag_name("node") {
            let id: i64 = n.attribute("id").unwrap().parse().unwrap();
            let label = n.attribute("label").unwrap().to_string();
            nodes.insert(
                id,
                (label, attr(n, "kind"), attr(n, "mentions").parse().unwrap()),
            );
        } else if n.has_tag_name("edge") {
            let a: i64 = n.attribute("source").unwrap().parse().unwrap();
            let b: i64 = n.attribute("target").unwrap().parse().unwrap();
            let count: i64 = attr(n, "count").parse().unwrap();
            assert_eq!(n.attribute("weight").unwrap(), count.to_string());
            let pmi: f64 = attr(n, "pmi").parse().unwrap();
            assert!(pmi.is_finite());
            assert!(edges.insert((a, b), count).is_none(), "one edge per pair");
        }
    }
    (nodes, edges)
}

fn parse_graphml(xml: &str) -> Graph {
    let doc = roxmltree::Document::parse(xml).expect("valid XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "graphml");
    let data = |n: roxmltree::Node<'_, '_>, key: &str| -> String {
        n.children()
            .find(|d| d.has_tag_name("data") && d.attribute("key") == Some(key))
            .and_then(|d| d.text())
            .unwrap_or_else(|| panic!("data {key}"))
            .to_string()
    };
    let id = |s: &str| -> i64 { s.strip_prefix('n').unwrap().parse().unwrap() };
    let mut nodes = BTreeMap::new();
    let mut edges = BTreeMap::new();
    for n in root.descendants() {
        if n.has_tag_name("node") {
            nodes.insert(
                id(n.attribute("id").unwrap()),
                (
                    data(n, "name"),
                    data(n, "kind"),
                    data(n, "mentions").parse().unwrap(),
                ),
            );
        } else if n.has_tag_name("edge") {
            let key = (
                id(n.attribute("source").unwrap()),
                id(n.attribute("target").unwrap()),
            );
            edges.insert(key, data(n, "count").parse().unwrap());
        }
    }
    (nodes, edges)
}

/// The network as SQL sees it: the edges, and every entity they link.
fn expected(db: &Path, level: &str, min: i64) -> Graph {
    let edges = sql_edges(db, level, min);
    let conn = Connection::open(db).unwrap();
    let nodes = edges
        .keys()
        .flat_map(|&(a, b)| [a, b])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|id| (id, sql_node(&conn, id)))
        .collect();
    (nodes, edges)
}

fn export(db: &Path, args: &[&str]) -> String {
    let out = newsdb(db)
        .args(["export", "network"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_network_export_matches_sql_at_every_level_in_gexf_graphml_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = sample(dir.path()) else {
        return;
    };
    for (level, min) in [("sentence", 1), ("paragraph", 2), ("article", 3)] {
        let want = expected(&db, level, min);
        assert!(want.1.len() > 5, "{level}: a network worth the name");
        let min_s = min.to_string();
        let gexf = export(&db, &["--level", level, "--min-count", &min_s]);
        assert_eq!(parse_gexf(&gexf), want, "gexf {level}");
        let graphml = export(
            &db,
            &[
                "--level",
                level,
                "--min-count",
                &min_s,
                "--format",
                "graphml",
            ],
        );
        assert_eq!(parse_graphml(&graphml), want, "graphml {level}");
    }
    // Into files: the extension chooses, CSV is two files in a directory.
    let file = dir.path().join("net.graphml");
    newsdb(&db)
        .args([
            "export",
            "network",
            "--level",
            "paragraph",
            "--min-count",
            "2",
            "--out",
        ])
        .arg(&file)
        .assert()
        .success();
    let want = expected(&db, "paragraph", 2);
    assert_eq!(
        parse_graphml(&std::fs::read_to_string(&file).unwrap()),
        want
    );
    let csv_dir = dir.path().join("csv");
    newsdb(&db)
        .args([
            "export",
            "network",
            "--level",
            "paragraph",
            "--min-count",
            "2",
            "--format",
            "csv",
            "--out",
        ])
        .arg(&csv_dir)
        .assert()
        .success();
    let mut nodes = csv::Reader::from_path(csv_dir.join("nodes.csv")).unwrap();
    assert_eq!(
        nodes.headers().unwrap(),
        vec!["id", "name", "kind", "mentions"]
    );
    let got_nodes: BTreeMap<i64, (String, String, i64)> = nodes
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].parse().unwrap(),
                (r[1].to_string(), r[2].to_string(), r[3].parse().unwrap()),
            )
        })
        .collect();
    let mut edges = csv::Reader::from_path(csv_dir.join("edges.csv")).unwrap();
    assert_eq!(
        edges.headers().unwrap(),
        vec!["source", "target", "count", "pmi"]
    );
    let got_edges: BTreeMap<(i64, i64), i64> = edges
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                (r[0].parse().unwrap(), r[1].parse().unwrap()),
                r[2].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!((got_nodes, got_edges), want);

    // --kind keeps the pairs of that kind only.
    let people = parse_gexf(&export(&db, &["--level", "article", "--kind", "person"]));
    let conn = Connection::open(&db).unwrap();
    let kind_of = |id: i64| sql_node(&conn, id).1;
    let all = expected(&db, "article", 1).1;
    let want: BTreeMap<(i64, i64), i64> = all
        .into_iter()
        .filter(|&((a, b), _)| kind_of(a) == "person" && kind_of(b) == "person")
        .collect();
    assert!(!want.is_empty());
    assert_eq!(people.1, want);
    assert!(people.0.values().all(|(_, k, _)| k == "person"));
}

#[test]
fn names_with_xml_special_characters_stay_valid_xml() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("init").assert().success();
    // Entities named by hand: the exporter must escape what the tagger rarely finds.
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "INSERT INTO articles (id, external_id, title, body, content_hash, imported_at)
             VALUES (1, 'a', 'AT&T and <Q> \"quoted\"', 'x', 'h', 'now');
         INSERT INTO entities (id, kind, name, key) VALUES
             (1, 'organization', 'AT&T', 'at&t'), (2, 'misc', '<Q> \"quoted\" O''Brien', 'q');
         INSERT INTO mentions (article_id, entity_id, field, start_char, end_char, start_byte,
                               end_byte, surface, sentence, paragraph)
             VALUES (1, 1, 'title', 0, 4, 0, 4, 'AT&T', 0, NULL),
                    (1, 2, 'title', 9, 12, 9, 12, '<Q>', 0, NULL);
         INSERT INTO sentence_pairs VALUES (1, 2, 1), (2, 1, 1);
         INSERT INTO entity_units VALUES (1, 'sentence', 1), (2, 'sentence', 1);
         INSERT INTO unit_totals VALUES ('sentence', 1)
             ON CONFLICT (level) DO UPDATE SET units = 1;
         INSERT INTO entity_mentions VALUES (1, 1), (2, 1);",
    )
    .unwrap();
    drop(conn);
    let (nodes, edges) = parse_gexf(&export(&db, &[]));
    assert_eq!(nodes[&1].0, "AT&T");
    assert_eq!(nodes[&2].0, "<Q> \"quoted\" O'Brien");
    assert_eq!(edges, BTreeMap::from([((1, 2), 1)]));
    let (nodes, _) = parse_graphml(&export(&db, &["--format", "graphml"]));
    assert_eq!(nodes[&2].0, "<Q> \"quoted\" O'Brien");
}
