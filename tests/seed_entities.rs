//! Importing the seed article runs the real extractor and resolver: the entities the
//! issue names come out with the right kinds and names, every short form points to the
//! full entity, and every span satisfies the invariant.

mod common;

use common::{newsdb, scalar, seeds};

fn entity_exists(db: &std::path::Path, kind: &str, name: &str) -> bool {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT COUNT(*) FROM entities e WHERE e.kind = ?1 AND e.name = ?2
           AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)",
        [kind, name],
        |r| r.get::<_, i64>(0),
    )
    .unwrap()
        == 1
}

#[test]
fn the_seed_yields_its_people_places_and_organisations() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();

    let mut missing = Vec::new();
    let expected = [
        ("person", "Bashar al-Assad"),
        ("person", "Ali Khamenei"),
        ("person", "Hassan Rouhani"),
        ("person", "Donald Trump"),
        ("location", "Tehran"),
        ("location", "Iran"),
        ("location", "Syria"),
        ("location", "Damascus"),
        ("location", "Israel"),
        ("location", "Lebanon"),
        ("location", "Washington"),
        ("location", "United States"),
        ("organization", "SANA"),
        ("organization", "Islamic State"),
        ("organization", "Hezbollah"),
    ];
    for (kind, name) in expected {
        if !entity_exists(&db, kind, name) {
            missing.push(format!("{kind} {name}"));
        }
    }
    assert!(missing.is_empty(), "missing: {missing:?}");

    // Every short form points to the full entity.
    for (surface, name) in [
        ("Assad", "Bashar al-Assad"),
        ("Khamenei", "Ali Khamenei"),
        ("IS", "Islamic State"),
        ("US", "United States"),
    ] {
        let total = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM mentions WHERE surface = '{surface}'"),
        );
        let right = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id
                 WHERE m.surface = '{surface}' AND e.name = '{name}'"
            ),
        );
        assert!(total > 0, "{surface} is found");
        assert_eq!(right, total, "every {surface} is {name}");
    }
    // "Assad" occurs in the title and seven times in the body (once inside "Bashar
    // al-Assad"); "Khamenei" in the title and five times in the body, four of them on
    // its own and once in "Ayatollah Ali Khamenei". Counted in the seed file with
    // `grep -o`; the file is checked here so that an edit to the seed shows up as such.
    let seed = std::fs::read_to_string(seeds().join("000_74746990a53cdcfb.txt")).unwrap();
    let (title, body) = seed.split_once('\n').unwrap();
    assert_eq!(
        (
            title.matches("Assad").count(),
            body.matches("Assad").count()
        ),
        (1, 7)
    );
    assert_eq!(
        (
            title.matches("Khamenei").count(),
            body.matches("Khamenei").count()
        ),
        (1, 5)
    );
    let mentions_of = |name: &str, field: &str| {
        scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id
                 WHERE e.name = '{name}' AND m.field = '{field}'"
            ),
        )
    };
    // Every Assad in title and body is a mention ("Bashar al-Assad" is one mention).
    assert_eq!(mentions_of("Bashar al-Assad", "title"), 1);
    assert_eq!(mentions_of("Bashar al-Assad", "body"), 7);
    assert_eq!(mentions_of("Ali Khamenei", "title"), 1);
    assert_eq!(mentions_of("Ali Khamenei", "body"), 5);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM mentions WHERE surface = 'Khamenei' AND field = 'body'"
        ),
        4,
        "Khamenei on its own four times in the body"
    );

    // The span invariant, by characters in SQL.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM mentions m JOIN articles a ON a.id = m.article_id
             WHERE m.surface <> substr(CASE m.field WHEN 'title' THEN a.title ELSE a.body END,
                                       m.start_char + 1, m.end_char - m.start_char)"
        ),
        0
    );
    // The honorific is dropped from the name but kept in the surface.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM mentions WHERE surface = 'Ayatollah Ali Khamenei'"
        ),
        1
    );
    // Every surface is recorded as an alias of its entity.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM mentions m WHERE NOT EXISTS (SELECT 1 FROM entity_aliases a
               WHERE a.entity_id = m.entity_id AND a.alias = m.surface)"
        ),
        0
    );
    newsdb(&db).arg("check").assert().success();
}
