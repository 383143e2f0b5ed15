//! Repeated-paragraph boilerplate through the real binary: the threshold boundary,
//! sources kept apart, updates, re-extraction, and `check` after mentions are dropped.

mod common;

use std::path::Path;

use common::{newsdb, scalar};

/// A notice naming entities, so that flagging it visibly drops mentions.
const NOTICE: &str = "Follow Reuters in London and New York for more stories from Tony Blair and the European Union.";

/// One JSON Lines record of `source` whose body is a unique first paragraph, then the
/// notice when `notice` is set.
fn record(id: &str, source: Option<&str>, notice: bool) -> String {
    let mut body = format!(
        "The central bank in Frankfurt raised interest rates on Thursday, story {id} said."
    );
    if notice {
        body.push('\n');
        body.push_str(NOTICE);
    }
    let mut v = serde_json::json!({ "id": id, "title": format!("Story {id}"), "body": body });
    if let Some(s) = source {
        v["source"] = s.into();
    }
    format!("{v}\n")
}

fn import(db: &Path, dir: &Path, name: &str, lines: &[String]) {
    let f = dir.join(name);
    std::fs::write(&f, lines.concat()).unwrap();
    newsdb(db).arg("import").arg(&f).assert().success();
}

/// Copies of the notice flagged as boilerplate, and mentions still inside copies.
fn notice_state(db: &Path) -> (i64, i64, i64) {
    let copies = scalar(db, "SELECT COUNT(*) FROM paragraphs WHERE idx = 1");
    let flagged = scalar(
        db,
        "SELECT COUNT(*) FROM paragraphs WHERE idx = 1 AND boilerplate = 1",
    );
    let mentions = scalar(
        db,
        "SELECT COUNT(*) FROM mentions WHERE field = 'body' AND paragraph = 1",
    );
    (copies, flagged, mentions)
}

fn check_is_clean(db: &Path) {
    let out = newsdb(db).args(["check"]).output().unwrap();
    assert!(
        out.status.success(),
        "check found problems: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_text_in_three_articles_of_a_source_is_kept_and_the_fourth_copy_flags_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let three: Vec<String> = (0..3)
        .map(|i| record(&format!("a{i}"), Some("Wire"), true))
        .collect();
    import(&db, dir.path(), "three.jsonl", &three);
    let (copies, flagged, mentions) = notice_state(&db);
    assert_eq!(
        (copies, flagged),
        (3, 0),
        "two other articles are below the threshold"
    );
    assert!(
        mentions >= 3,
        "each unflagged notice keeps its mentions, got {mentions}"
    );
    check_is_clean(&db);

    // The fourth article sees three others: every copy becomes boilerplate, the
    // earlier copies lose their mentions.
    import(
        &db,
        dir.path(),
        "fourth.jsonl",
        &[record("a3", Some("Wire"), true)],
    );
    assert_eq!(notice_state(&db), (4, 4, 0));
    assert_eq!(
        scalar(&db, "SELECT articles FROM source_paragraphs WHERE source = 'Wire' AND text_hash = (SELECT text_hash FROM paragraphs WHERE idx = 1 LIMIT 1)"),
        4
    );
    check_is_clean(&db);

    // Later copies are flagged as they come, in one batch or several.
    let more: Vec<String> = (4..9)
        .map(|i| record(&format!("a{i}"), Some("Wire"), true))
        .collect();
    import(&db, dir.path(), "more.jsonl", &more);
    assert_eq!(notice_state(&db), (9, 9, 0));
    check_is_clean(&db);
}

#[test]
fn copies_in_other_sources_or_without_a_source_do_not_count() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let mut lines = Vec::new();
    for (i, source) in [
        Some("Wire"),
        Some("Wire"),
        Some("Other"),
        Some("Other"),
        None,
        None,
    ]
    .into_iter()
    .enumerate()
    {
        lines.push(record(&format!("b{i}"), source, true));
    }
    import(&db, dir.path(), "mixed.jsonl", &lines);
    let (copies, flagged, mentions) = notice_state(&db);
    assert_eq!((copies, flagged), (6, 0), "no source holds four copies");
    assert!(mentions >= 6);
    // Two more of Other: four there, flagged there only.
    import(
        &db,
        dir.path(),
        "other.jsonl",
        &[
            record("b6", Some("Other"), true),
            record("b7", Some("Other"), true),
        ],
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM paragraphs p JOIN articles a ON a.id = p.article_id
             WHERE p.idx = 1 AND p.boilerplate = 1 AND a.source = 'Other'"
        ),
        4
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM paragraphs p JOIN articles a ON a.id = p.article_id
             WHERE p.idx = 1 AND p.boilerplate = 1 AND (a.source IS NOT 'Other')"
        ),
        0
    );
    check_is_clean(&db);
}

#[test]
fn updates_take_their_copies_out_of_the_count_and_reextraction_keeps_flags() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let three: Vec<String> = (0..3)
        .map(|i| record(&format!("c{i}"), Some("Wire"), true))
        .collect();
    import(&db, dir.path(), "three.jsonl", &three);
    // c0 is updated without the notice, and c1 moves to another source with a changed
    // body (the source alone is not part of an article's content): one copy left.
    import(
        &db,
        dir.path(),
        "update.jsonl",
        &[record("c0", Some("Wire"), false)],
    );
    import(
        &db,
        dir.path(),
        "moved.jsonl",
        &[record("c1", Some("Elsewhere"), true).replace("Thursday", "Friday")],
    );
    assert_eq!(
        scalar(&db, "SELECT COALESCE(SUM(articles), 0) FROM source_paragraphs WHERE source = 'Wire' AND articles > 1"),
        0,
        "only one Wire article holds the notice now"
    );
    check_is_clean(&db);
    // Two new Wire copies make three: still below the threshold.
    import(
        &db,
        dir.path(),
        "two.jsonl",
        &[
            record("c3", Some("Wire"), true),
            record("c4", Some("Wire"), true),
        ],
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM paragraphs WHERE idx = 1 AND boilerplate = 1"
        ),
        0
    );
    // The fourth Wire copy flags the Wire copies, not the one in Elsewhere.
    import(
        &db,
        dir.path(),
        "four.jsonl",
        &[record("c5", Some("Wire"), true)],
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM paragraphs WHERE idx = 1 AND boilerplate = 1"
        ),
        4
    );
    let kept = scalar(
        &db,
        "SELECT COUNT(*) FROM mentions m JOIN articles a ON a.id = m.article_id
         WHERE a.external_id = 'c1' AND m.paragraph = 1",
    );
    assert!(kept > 0, "the copy in another source keeps its mentions");
    check_is_clean(&db);
    // Re-extraction keeps the flags and adds no mention inside boilerplate.
    let before = scalar(&db, "SELECT COUNT(*) FROM mentions");
    newsdb(&db).args(["reextract", "--all"]).assert().success();
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM mentions"), before);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM mentions m JOIN paragraphs p
             ON p.article_id = m.article_id AND p.idx = m.paragraph AND m.field = 'body'
             WHERE p.boilerplate = 1"
        ),
        0
    );
    check_is_clean(&db);
}

#[test]
fn check_reports_a_drifted_count_and_an_unflagged_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let four: Vec<String> = (0..4)
        .map(|i| record(&format!("d{i}"), Some("Wire"), true))
        .collect();
    import(&db, dir.path(), "four.jsonl", &four);
    check_is_clean(&db);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("UPDATE paragraphs SET boilerplate = 0 WHERE article_id = (SELECT id FROM articles WHERE external_id = 'd2') AND idx = 1")
        .unwrap();
    let out = newsdb(&db).args(["check"]).output().unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("is not flagged as boilerplate"), "{text}");
    conn.execute_batch(
        "UPDATE paragraphs SET boilerplate = 1 WHERE idx = 1;
         UPDATE source_paragraphs SET articles = 7 WHERE articles = 4",
    )
    .unwrap();
    let out = newsdb(&db).args(["check"]).output().unwrap();
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("occurs in 4 article(s) of source \"Wire\" but source_paragraphs says 7"),
        "{text}"
    );
}
