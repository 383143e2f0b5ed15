//! Entity merges and unmerges round-trip exactly, survive re-extraction and later
//! imports (with changed content, through the CLI too); `check` finds nothing wrong in
//! a healthy file and reports a broken span.

mod common;

use common::{newsdb, seeds};
use newsdb::{EntityKind, ImportOptions, Store};
use rusqlite::Connection;

/// Mention → entity, entity → alias, entity → merged_into.
type Snapshot = (Vec<(i64, i64)>, Vec<(i64, String)>, Vec<(i64, Option<i64>)>);

/// Everything an entity merge touches, in a comparable form.
fn snapshot(conn: &Connection) -> Snapshot {
    let q = |sql: &str| -> Vec<(i64, String)> {
        let mut s = conn.prepare(sql).unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut s = conn
        .prepare("SELECT id, entity_id FROM mentions ORDER BY id")
        .unwrap();
    let mentions = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let aliases = q("SELECT entity_id, alias FROM entity_aliases ORDER BY entity_id, alias");
    let mut s = conn
        .prepare("SELECT id, merged_into FROM entities ORDER BY id")
        .unwrap();
    let entities = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (mentions, aliases, entities)
}

fn entity_named(store: &Store, kind: EntityKind, name: &str) -> newsdb::EntityId {
    store
        .entities_named(name)
        .unwrap()
        .into_iter()
        .find(|e| e.kind == kind)
        .unwrap_or_else(|| panic!("the seed yields {kind} {name}"))
        .id
}

#[test]
fn merge_and_unmerge_round_trip_and_merges_survive_reextraction_and_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let mut store = Store::open(&db).unwrap();
    store.import(&[seeds()], &ImportOptions::default()).unwrap();
    let iran = entity_named(&store, EntityKind::Location, "Iran");
    let tehran = entity_named(&store, EntityKind::Location, "Tehran");
    let before = snapshot(store.conn());
    let tehran_mentions = store.mentions_of_entity(tehran, 1000, 0).unwrap().len();
    let iran_mentions = store.mentions_of_entity(iran, 1000, 0).unwrap().len();
    assert!(tehran_mentions > 0 && iran_mentions > 0);

    let merge = store.merge_entities(tehran, iran).unwrap();
    assert_eq!(merge.mentions as usize, tehran_mentions);
    assert!(store
        .mentions_of_entity(tehran, 1000, 0)
        .unwrap()
        .is_empty());
    assert_eq!(
        store.mentions_of_entity(iran, 1000, 0).unwrap().len(),
        iran_mentions + tehran_mentions
    );
    assert!(store.aliases(iran).unwrap().contains(&"Tehran".to_string()));

    // Re-extraction and a changed re-import both send Tehran's mentions to Iran.
    store.reextract(None, &ImportOptions::default()).unwrap();
    assert!(store
        .mentions_of_entity(tehran, 1000, 0)
        .unwrap()
        .is_empty());
    assert_eq!(
        store.mentions_of_entity(iran, 1000, 0).unwrap().len(),
        iran_mentions + tehran_mentions
    );

    // Unmerge restores exactly what was there (mention ids changed with the
    // re-extraction, so compare after re-extracting the unmerged state too).
    store.unmerge(merge.id).unwrap();
    assert_eq!(
        store.mentions_of_entity(tehran, 1000, 0).unwrap().len(),
        tehran_mentions
    );
    assert_eq!(
        store.mentions_of_entity(iran, 1000, 0).unwrap().len(),
        iran_mentions
    );
    let after = snapshot(store.conn());
    assert_eq!(before.1, after.1, "aliases are restored exactly");
    assert_eq!(before.2, after.2, "no entity stays merged");
    assert!(store.unmerge(merge.id).is_err(), "a merge is undone once");
}

#[test]
fn unmerge_without_changes_in_between_restores_every_row() {
    let mut store = Store::open_in_memory().unwrap();
    store.import(&[seeds()], &ImportOptions::default()).unwrap();
    let syria = entity_named(&store, EntityKind::Location, "Syria");
    let damascus = entity_named(&store, EntityKind::Location, "Damascus");
    let before = snapshot(store.conn());
    let m = store.merge_entities(damascus, syria).unwrap();
    assert_ne!(snapshot(store.conn()), before);
    store.unmerge(m.id).unwrap();
    assert_eq!(snapshot(store.conn()), before);
}

#[test]
fn rename_keeps_the_old_name_as_an_alias_and_refuses_collisions() {
    let mut store = Store::open_in_memory().unwrap();
    store.import(&[seeds()], &ImportOptions::default()).unwrap();
    let syria = entity_named(&store, EntityKind::Location, "Syria");
    let iran = entity_named(&store, EntityKind::Location, "Iran");
    store.rename_entity(syria, "Syrian Arab Republic").unwrap();
    assert_eq!(
        store.entity(syria).unwrap().unwrap().name,
        "Syrian Arab Republic"
    );
    assert!(store.aliases(syria).unwrap().contains(&"Syria".to_string()));
    let err = store
        .rename_entity(iran, "Syrian Arab Republic")
        .unwrap_err();
    assert!(err.to_string().contains("merge"), "{err}");
    // Re-extraction still finds "Syria" and attaches it to the renamed entity.
    store.reextract(None, &ImportOptions::default()).unwrap();
    assert!(store
        .entities_named("Syria")
        .unwrap()
        .iter()
        .all(|e| e.kind != EntityKind::Location));
    assert!(!store.mentions_of_entity(syria, 10, 0).unwrap().is_empty());
}

#[test]
fn check_passes_on_a_fresh_import_and_reports_a_broken_span() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    newsdb(&db).arg("check").assert().success();
    {
        let conn = Connection::open(&db).unwrap();
        conn.execute("UPDATE mentions SET surface = 'nonsense' WHERE id = 1", [])
            .unwrap();
    }
    newsdb(&db)
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicates::str::contains("mention 1"));
}

#[test]
fn reextract_cli_replaces_mentions_without_duplicating_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let n = common::scalar(&db, "SELECT COUNT(*) FROM mentions");
    assert!(n > 0);
    newsdb(&db).args(["reextract", "--all"]).assert().success();
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM mentions"), n);
    newsdb(&db)
        .args(["reextract", "000_74746990a53cdcfb"])
        .assert()
        .success();
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM mentions"), n);
    // The same article named twice in one batch: counts stay exact.
    newsdb(&db)
        .args(["reextract", "1", "000_74746990a53cdcfb"])
        .assert()
        .success();
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM mentions"), n);
    newsdb(&db).arg("check").assert().success();
    newsdb(&db).args(["reextract"]).assert().code(2);
}

#[test]
fn entities_merge_unmerge_and_rename_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db).arg("import").arg(seeds()).assert().success();
    let tehran = "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id WHERE e.name = 'Tehran'";
    let before = common::scalar(&db, tehran);
    let out = newsdb(&db)
        .args(["entities", "merge", "Tehran", "Iran", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let merge: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(merge["mentions"], before);
    assert_eq!(common::scalar(&db, tehran), 0);
    let id = merge["id"].as_i64().unwrap().to_string();
    newsdb(&db)
        .args(["entities", "unmerge", &id])
        .assert()
        .success();
    assert_eq!(common::scalar(&db, tehran), before);
    newsdb(&db)
        .args(["entities", "unmerge", &id])
        .assert()
        .code(2);
    newsdb(&db)
        .args(["entities", "rename", "Syria", "Syrian Arab Republic"])
        .assert()
        .success();
    assert_eq!(
        common::scalar(&db, "SELECT COUNT(*) FROM entity_aliases a JOIN entities e ON e.id = a.entity_id WHERE e.name = 'Syrian Arab Republic' AND a.alias = 'Syria'"),
        1
    );
    newsdb(&db)
        .args(["entities", "merge", "Nobody", "Iran"])
        .assert()
        .code(1);
    newsdb(&db).arg("check").assert().success();
}

/// The seed paragraph the changed-content tests replace, and what replaces it: the new
/// text names Damascus and Tehran, which the old one did not, and keeps Rouhani.
const OLD_PARAGRAPH: &str =
    "The Syrian president also met with his Iranian counterpart, Hassan Rouhani, on Monday.";
const NEW_PARAGRAPH: &str =
    "The Syrian president later flew from Damascus to Tehran, where Hassan Rouhani met him on Monday.";

/// A directory holding the seed article as `in/seed.txt`, optionally with the changed
/// paragraph; importing `in/` gives it the external id `seed` either way.
fn seed_dir(root: &std::path::Path, changed: bool) -> std::path::PathBuf {
    let text = std::fs::read_to_string(seeds().join("000_74746990a53cdcfb.txt")).unwrap();
    assert_eq!(text.matches(OLD_PARAGRAPH).count(), 1);
    let text = if changed {
        text.replace(OLD_PARAGRAPH, NEW_PARAGRAPH)
    } else {
        text
    };
    let dir = root.join("in");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("seed.txt"), text).unwrap();
    dir
}

/// A mention's place: field, start and end character, surface.
type Span = (String, i64, i64, String);

/// Every mention's span and the id of its entity.
fn mapping(db: &std::path::Path) -> std::collections::BTreeMap<Span, i64> {
    let conn = Connection::open(db).unwrap();
    let mut s = conn
        .prepare("SELECT field, start_char, end_char, surface, entity_id FROM mentions")
        .unwrap();
    s.query_map([], |r| {
        Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Every mention's span and the kind and name of its entity (comparable across files).
fn named_mapping(db: &std::path::Path) -> std::collections::BTreeMap<Span, (String, String)> {
    let conn = Connection::open(db).unwrap();
    let mut s = conn
        .prepare(
            "SELECT m.field, m.start_char, m.end_char, m.surface, e.kind, e.name
             FROM mentions m JOIN entities e ON e.id = m.entity_id",
        )
        .unwrap();
    s.query_map([], |r| {
        Ok((
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?),
            (r.get(4)?, r.get(5)?),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The id of the entity of this kind and name.
fn entity_id(db: &std::path::Path, kind: &str, name: &str) -> i64 {
    let conn = Connection::open(db).unwrap();
    conn.query_row(
        "SELECT id FROM entities WHERE kind = ?1 AND name = ?2",
        [kind, name],
        |r| r.get(0),
    )
    .unwrap_or_else(|e| panic!("no {kind} {name}: {e}"))
}

/// How many mentions an entity has.
fn mentions_of(db: &std::path::Path, id: i64) -> i64 {
    common::scalar(
        db,
        &format!("SELECT COUNT(*) FROM mentions WHERE entity_id = {id}"),
    )
}

/// Runs `entities merge FROM INTO` and returns the merge id.
fn merge_cli(db: &std::path::Path, from: &str, into: &str) -> String {
    let out = newsdb(db)
        .args(["entities", "merge", from, into, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "merge {from} into {into}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merge: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    merge["id"].as_i64().unwrap().to_string()
}

#[test]
fn a_merge_holds_for_a_changed_reimport_and_reextract_all_and_other_links_stay() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(seed_dir(dir.path(), false))
        .assert()
        .success();
    let tehran = entity_id(&db, "location", "Tehran");
    let iran = entity_id(&db, "location", "Iran");
    merge_cli(&db, "Tehran", "Iran");
    let before = mapping(&db);
    let body_before: String = Connection::open(&db)
        .unwrap()
        .query_row("SELECT body FROM articles", [], |r| r.get(0))
        .unwrap();

    // The changed paragraph, in characters of the old body; spans after it move by
    // the difference in length, spans before it and in the title stay.
    let start = body_before[..body_before.find(OLD_PARAGRAPH).unwrap()]
        .chars()
        .count() as i64;
    let old_end = start + OLD_PARAGRAPH.chars().count() as i64;
    let new_end = start + NEW_PARAGRAPH.chars().count() as i64;
    let shift = new_end - old_end;

    newsdb(&db)
        .arg("import")
        .arg(seed_dir(dir.path(), true))
        .assert()
        .success();
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM articles"), 1);
    let after = mapping(&db);

    // The merged name: no mention goes to Tehran, every "Tehran" goes to Iran,
    // including the one the new paragraph brought.
    assert_eq!(mentions_of(&db, tehran), 0);
    let tehrans: Vec<_> = after
        .iter()
        .filter(|(span, _)| span.3 == "Tehran")
        .collect();
    assert!(tehrans.iter().all(|(_, e)| **e == iran), "{tehrans:?}");
    assert!(
        tehrans
            .iter()
            .any(|(span, _)| span.0 == "body" && span.1 >= start && span.2 <= new_end),
        "the new paragraph's Tehran is a mention: {tehrans:?}"
    );
    // Three Tehrans of the old text ("Tehran-backed" is one token, not a mention) and
    // the new one.
    assert_eq!(tehrans.len(), 4);

    // Outside the changed paragraph, the same spans link to the same entities.
    let outside = |m: &std::collections::BTreeMap<Span, i64>, end: i64, shift: i64| {
        m.iter()
            .filter(|(s, _)| s.0 == "title" || s.2 <= start || s.1 >= end)
            .map(|(s, e)| {
                let moved = if s.0 == "body" && s.1 >= end {
                    shift
                } else {
                    0
                };
                ((s.0.clone(), s.1 + moved, s.2 + moved, s.3.clone()), *e)
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let unchanged_before = outside(&before, old_end, shift);
    let unchanged_after = outside(&after, new_end, 0);
    assert!(unchanged_before.len() > 40, "{}", unchanged_before.len());
    assert_eq!(unchanged_after, unchanged_before);
    newsdb(&db).arg("check").assert().success();

    // Re-extracting everything gives the same links, the merge included.
    newsdb(&db).args(["reextract", "--all"]).assert().success();
    assert_eq!(mapping(&db), after);
    assert_eq!(mentions_of(&db, tehran), 0);
    newsdb(&db).arg("check").assert().success();
}

#[test]
fn merge_chains_and_merges_across_kinds_hold_through_a_changed_reimport_and_undo_exactly() {
    let dir = tempfile::tempdir().unwrap();
    // The oracle: the changed article imported into a file nobody merged anything in.
    let fresh = dir.path().join("fresh.sqlite");
    let changed = seed_dir(&dir.path().join("fresh"), true);
    newsdb(&fresh)
        .arg("import")
        .arg(&changed)
        .assert()
        .success();
    let count = |name: &str, kind: &str| mentions_of(&fresh, entity_id(&fresh, kind, name));
    let (damascus_n, syria_n, iran_n) = (
        count("Damascus", "location"),
        count("Syria", "location"),
        count("Iran", "location"),
    );
    let (rouhani_n, sana_n) = (
        count("Hassan Rouhani", "person"),
        count("SANA", "organization"),
    );
    // The new paragraph names Damascus a third time; Rouhani stays once, SANA thrice.
    assert_eq!((damascus_n, rouhani_n, sana_n), (3, 1, 3));

    let db = dir.path().join("news.sqlite");
    newsdb(&db)
        .arg("import")
        .arg(seed_dir(dir.path(), false))
        .assert()
        .success();
    let damascus = entity_id(&db, "location", "Damascus");
    let syria = entity_id(&db, "location", "Syria");
    let iran = entity_id(&db, "location", "Iran");
    let rouhani = entity_id(&db, "person", "Hassan Rouhani");
    let sana = entity_id(&db, "organization", "SANA");
    // The old text: two Damascus, and the same Syria, Iran, SANA and Rouhani counts
    // (the changed paragraph named none of those).
    assert_eq!(mentions_of(&db, damascus), 2);
    assert_eq!(mentions_of(&db, syria), syria_n);
    assert_eq!(mentions_of(&db, iran), iran_n);

    // A chain: Damascus -> Syria, then Syria -> Iran.
    let m1 = merge_cli(&db, "Damascus", "Syria");
    let m2 = merge_cli(&db, "Syria", "Iran");
    assert_eq!(mentions_of(&db, damascus), 0);
    assert_eq!(mentions_of(&db, syria), 0);
    assert_eq!(mentions_of(&db, iran), 2 + syria_n + iran_n);
    // Across kinds: the person Rouhani into the organization SANA.
    let m3 = merge_cli(&db, "Hassan Rouhani", "SANA");
    assert_eq!(mentions_of(&db, rouhani), 0);
    assert_eq!(mentions_of(&db, sana), 1 + sana_n);
    newsdb(&db).arg("check").assert().success();

    // The changed article: its new Damascus follows the whole chain, its Rouhani the
    // merge across kinds.
    newsdb(&db)
        .arg("import")
        .arg(seed_dir(dir.path(), true))
        .assert()
        .success();
    assert_eq!(mentions_of(&db, damascus), 0);
    assert_eq!(mentions_of(&db, syria), 0);
    assert_eq!(mentions_of(&db, iran), damascus_n + syria_n + iran_n);
    assert_eq!(mentions_of(&db, rouhani), 0);
    assert_eq!(mentions_of(&db, sana), rouhani_n + sana_n);
    // SANA's three organization votes outweigh Rouhani's one person vote.
    assert_eq!(
        common::scalar(
            &db,
            &format!("SELECT kind = 'organization' FROM entities WHERE id = {sana}")
        ),
        1
    );
    newsdb(&db).arg("check").assert().success();

    // Undone, newest first, every mention links as in the file nobody merged in.
    for m in [&m3, &m2, &m1] {
        newsdb(&db)
            .args(["entities", "unmerge", m])
            .assert()
            .success();
        newsdb(&db).arg("check").assert().success();
    }
    assert_eq!(mentions_of(&db, damascus), damascus_n);
    assert_eq!(mentions_of(&db, syria), syria_n);
    assert_eq!(mentions_of(&db, iran), iran_n);
    assert_eq!(mentions_of(&db, rouhani), rouhani_n);
    assert_eq!(named_mapping(&db), named_mapping(&fresh));
}
