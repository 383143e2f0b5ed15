//! The whole BBC corpus (../shared/data/bbc, 2,225 articles) through the real binary:
//! what a user meets after `newsdb import bbc/`.

mod common;

use common::{newsdb, scalar, shared_data};

#[test]
fn every_bbc_article_is_english_and_extracted_and_the_store_checks_clean() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bbc.sqlite");
    newsdb(&db)
        .args(["import", "--quiet"])
        .arg(data.join("bbc"))
        .assert()
        .success();
    let articles = scalar(&db, "SELECT COUNT(*) FROM articles");
    assert!(articles > 2100, "{articles} articles imported");
    // Every BBC paragraph is English: none is skipped as another language, however
    // name-dense (team line-ups) or short.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE language IS NOT 'eng'"
        ),
        0
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM paragraphs WHERE boilerplate = 1"),
        0
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM paragraphs WHERE language IS NOT 'eng'"
        ),
        0
    );
    // No English article without mentions.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM articles a
             WHERE NOT EXISTS (SELECT 1 FROM mentions m WHERE m.article_id = a.id)"
        ),
        0
    );
    newsdb(&db).arg("check").assert().success();
}
