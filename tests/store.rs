//! The library store on files: migrations on a new and an existing file, refusing a
//! newer schema, the span invariant.

use newsdb::{db, EntityKind, Error, Field, NewArticle, NewMention, Store};

#[test]
fn migrations_apply_to_a_new_file_and_reopen_an_existing_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    {
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), db::latest_schema_version());
        s.upsert_article(&NewArticle {
            external_id: "x".into(),
            title: "T".into(),
            body: "B".into(),
            ..Default::default()
        })
        .unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.counts().unwrap().articles, 1);
    let mode: String = s
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = s
        .conn()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.sqlite");
    drop(Store::open(&path).unwrap());
    let future = db::latest_schema_version() + 1;
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES (?1, 'future', '2030-01-01T00:00:00Z', '0')",
            [future],
        )
        .unwrap();
    let err = Store::open(&path).err().expect("a newer schema is refused");
    assert!(matches!(err, Error::SchemaTooNew { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "database schema v{future} is newer than this newsdb (v{}); upgrade newsdb to open it",
            db::latest_schema_version()
        )
    );
}

#[test]
fn mention_spans_are_checked_on_insert() {
    let mut s = Store::open_in_memory().unwrap();
    let body = "Über Köln: Angela Merkel sprach.";
    let a = s
        .upsert_article(&NewArticle {
            external_id: "de".into(),
            title: "Köln".into(),
            body: body.into(),
            ..Default::default()
        })
        .unwrap()
        .id;
    let e = s
        .entity_get_or_create(EntityKind::Person, "Angela Merkel")
        .unwrap();
    let start = body.find("Angela").unwrap();
    let good = NewMention::from_byte_range(e, Field::Body, body, start, start + 13).unwrap();
    assert_eq!(good.start_char, 11);
    s.add_mentions(a, std::slice::from_ref(&good)).unwrap();

    let mut shifted = good.clone();
    shifted.start_char += 1;
    shifted.end_char += 1;
    assert!(matches!(
        s.add_mentions(a, &[shifted]),
        Err(Error::InvalidSpan { .. })
    ));
    assert_eq!(s.mentions_of_article(a).unwrap().len(), 1);
}
