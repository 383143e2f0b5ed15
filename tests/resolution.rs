//! Corpus-level resolution through the real binary: name variants become one entity,
//! kinds follow the evidence, ambiguous names are listed (never picked silently),
//! kinds set by a person hold, and `newsdb resolve` joins what older files split.

mod common;

use std::path::Path;

use common::{newsdb, scalar};

/// Writes `records` (id, title, body) as JSON Lines in `dir`; returns the file.
fn write_records(dir: &Path, records: &[(&str, &str, &str)]) -> std::path::PathBuf {
    let mut lines = String::new();
    for (id, title, body) in records {
        lines.push_str(&format!(
            "{}\n",
            serde_json::json!({"id": id, "title": title, "body": body})
        ));
    }
    let f = dir.join(format!("batch-{}.jsonl", records[0].0));
    std::fs::write(&f, lines).unwrap();
    f
}

fn import_records(db: &Path, dir: &Path, records: &[(&str, &str, &str)]) {
    let f = write_records(dir, records);
    newsdb(db).arg("import").arg(&f).assert().success();
}

fn entities_with_key(db: &Path, key: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let rows = conn
        .prepare(
            "SELECT DISTINCT e.kind, e.name FROM mentions m JOIN entities e ON e.id = m.entity_id
         WHERE e.key = ?1",
        )
        .unwrap()
        .query_map([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    rows
}

#[test]
fn spelling_variants_of_a_name_are_one_entity_with_the_well_cased_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    import_records(
        &db,
        dir.path(),
        &[
            ("k1", "Kilroy-Silk quits", "The former presenter Robert Kilroy-Silk said on Monday that he would leave the party he joined last year."),
            ("k2", "Party row", "The former presenter Robert Kilroy Silk said on Tuesday that he would form a new party of his own."),
            ("w1", "WORLDCOM BOSS JAILED", "The former chief executive of WorldCom was jailed on Wednesday for his part in the fraud at WorldCom."),
            ("w2", "Worldcom fraud", "Investors who lost money when Worldcom collapsed said the sentence handed down in New York was fair."),
        ],
    );
    let kilroy = entities_with_key(&db, "robert kilroy silk");
    assert_eq!(kilroy.len(), 1, "{kilroy:?}");
    let worldcom = entities_with_key(&db, "worldcom");
    assert_eq!(worldcom.len(), 1, "{worldcom:?}");
    // The headline's capitals never become the displayed name.
    assert_ne!(worldcom[0].1, "WORLDCOM");
    // Typed as a user would, any variant finds it.
    for typed in ["worldcom", "Worldcom", "WORLDCOM"] {
        newsdb(&db)
            .args(["entity", typed, "--format", "json"])
            .assert()
            .success();
    }
    newsdb(&db).arg("check").assert().success();
}

#[test]
fn a_name_of_several_kinds_is_listed_and_kind_choices_hold() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    import_records(
        &db,
        dir.path(),
        &[
            ("j1", "King visits Jordan", "King Abdullah returned to Jordan on Monday after talks in Washington about the peace process."),
            ("j2", "Bulls win", "The former Chicago Bulls star Michael Jordan said on Tuesday that he would not return to basketball."),
        ],
    );
    let jordan = entities_with_key(&db, "jordan");
    assert_eq!(jordan, [("location".to_string(), "Jordan".to_string())]);
    // A person named just "Jordan" next to the country: two entities of one name.
    newsdb(&db)
        .args(["entities", "rename", "Michael Jordan", "Jordan"])
        .assert()
        .success();
    let out = newsdb(&db).args(["entity", "Jordan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"Jordan\" names 2 entities"), "{err}");
    assert!(err.contains("location") && err.contains("person"), "{err}");
    assert!(err.contains("with --kind"), "{err}");
    for (kind, expected) in [("person", "person"), ("location", "location")] {
        let out = newsdb(&db)
            .args(["entity", "Jordan", "--kind", kind, "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["kind"], expected, "{v}");
    }
    for cmd in [
        &["mentions", "Jordan"][..],
        &["cooccur", "Jordan"],
        &["timeline", "Jordan"],
        &["articles", "--entity", "Jordan"],
    ] {
        let out = newsdb(&db).args(cmd).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd:?} must not pick one");
        let mut with_kind = cmd.to_vec();
        with_kind.extend(["--kind", "person"]);
        newsdb(&db).args(&with_kind).assert().success();
    }

    // A kind set by a person holds through later imports; `auto` gives it back.
    newsdb(&db)
        .args(["entities", "set-kind", "Abdullah", "location"])
        .assert()
        .success();
    import_records(
        &db,
        dir.path(),
        &[(
            "j3",
            "King speaks",
            "King Abdullah said on Wednesday that Jordan would host the summit next year.",
        )],
    );
    assert_eq!(
        entities_with_key(&db, "abdullah"),
        [("location".to_string(), "Abdullah".to_string())]
    );
    newsdb(&db)
        .args(["entities", "set-kind", "Abdullah", "auto"])
        .assert()
        .success();
    assert_eq!(
        entities_with_key(&db, "abdullah"),
        [("person".to_string(), "Abdullah".to_string())]
    );
    newsdb(&db).arg("check").assert().success();
}

#[test]
fn resolve_joins_entities_an_older_store_split_by_kind_or_case() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let body =
        "Microsoft said on Monday that profits at its games division in Seattle rose by a third.";
    import_records(&db, dir.path(), &[("s1", "Microsoft results", body)]);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(DISTINCT entity_id) FROM mentions WHERE surface = 'Microsoft'"
        ),
        1
    );
    // As a newsdb before V7 left it: the same name under another kind and casing,
    // written through the library (which keeps every summary exact).
    {
        let mut store = newsdb::Store::open(&db).unwrap();
        let other = store
            .entity_get_or_create(newsdb::EntityKind::Location, "MICROSOFT")
            .unwrap();
        let article = store.article_by_external_id("s1").unwrap().unwrap();
        let span =
            newsdb::NewMention::from_byte_range(other, newsdb::Field::Body, body, 0, 9).unwrap();
        store.add_mentions(article.id, &[span]).unwrap();
    }
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(DISTINCT entity_id) FROM mentions WHERE surface = 'Microsoft'"
        ),
        2
    );
    newsdb(&db).arg("check").assert().success();
    let out = newsdb(&db)
        .args(["resolve", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entities_joined"], 1, "{report}");
    assert_eq!(report["mentions_moved"], 1, "{report}");
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(DISTINCT entity_id) FROM mentions WHERE surface = 'Microsoft'"
        ),
        1
    );
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM entities WHERE key = 'microsoft'"),
        1
    );
    newsdb(&db).arg("check").assert().success();
    // A second run changes nothing.
    let out = newsdb(&db)
        .args(["resolve", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entities_joined"], 0, "{report}");
    assert_eq!(report["kinds_changed"], 0, "{report}");
    assert_eq!(report["names_changed"], 0, "{report}");
}

#[test]
fn a_lone_surname_stays_apart_and_is_suggested_with_the_full_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    import_records(
        &db,
        dir.path(),
        &[
            ("h1", "Tory leader speaks", "The Conservative leader Michael Howard said on Monday that taxes would fall under his party."),
            ("h2", "Film news", "The director Ron Howard said on Tuesday that his new film would open in Los Angeles in May."),
            ("h3", "Tax row", "Mr Howard told the party conference in Blackpool that the plans were affordable and fair."),
        ],
    );
    // With no full name in its own article, "Mr Howard" is linked to neither namesake.
    let linked = scalar(
        &db,
        "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id
         JOIN articles a ON a.id = m.article_id
         WHERE a.external_id = 'h3' AND m.surface LIKE '%Howard' AND e.name LIKE '% Howard'",
    );
    assert_eq!(linked, 0);
    let out = newsdb(&db)
        .args(["entities", "--suggest-merges", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut into: Vec<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["from_name"] == "Howard" && r["reason"] == "surname")
        .map(|r| r["into_name"].as_str().unwrap().to_string())
        .collect();
    into.sort();
    assert_eq!(into, ["Michael Howard", "Ron Howard"], "{rows}");
}

#[test]
fn a_users_alias_moves_stored_mentions_holds_for_imports_and_is_undone_by_removing_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    import_records(
        &db,
        dir.path(),
        &[
            ("g1", "Microsoft founder", "Bill Gates said on Monday that Microsoft would give more money to schools in Seattle."),
            ("g2", "Charity plans", "Mr Gates told reporters in London on Tuesday that the foundation would double its budget."),
        ],
    );
    let gates_alone = |db: &Path| {
        scalar(
            db,
            "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id
             WHERE m.surface LIKE '%Gates' AND m.surface NOT LIKE 'Bill%' AND e.name = 'Bill Gates'",
        )
    };
    assert_eq!(
        gates_alone(&db),
        0,
        "no rule links a lone surname across articles"
    );
    let file = dir.path().join("mine.tsv");
    std::fs::write(&file, "# my aliases\nGates\tperson\tBill Gates\n").unwrap();
    newsdb(&db)
        .args(["aliases", "import"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(gates_alone(&db), 1);
    newsdb(&db).arg("check").assert().success();
    // New imports follow the alias at once.
    import_records(
        &db,
        dir.path(),
        &[(
            "g3",
            "Foundation grows",
            "Mr Gates said on Wednesday that the foundation would open an office in Delhi.",
        )],
    );
    assert_eq!(gates_alone(&db), 2);
    let out = newsdb(&db)
        .args(["aliases", "list", "--format", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["alias"], "Gates");
    assert_eq!(rows[0]["canonical"], "Bill Gates");
    // Removing it sends the lone surnames back to their own entity.
    newsdb(&db)
        .args(["aliases", "remove", "gates"])
        .assert()
        .success();
    assert_eq!(gates_alone(&db), 0);
    newsdb(&db).arg("check").assert().success();
    // A malformed file is refused with its line, and changes nothing.
    std::fs::write(&file, "Gates\tpersn\tBill Gates\n").unwrap();
    let out = newsdb(&db)
        .args(["aliases", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 1") && err.contains("persn"), "{err}");
}

#[test]
fn check_reports_a_merge_cycle_and_opposite_merges_at_once_make_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    import_records(
        &db,
        dir.path(),
        &[("m1", "Talks in London", "Tony Blair met Gordon Brown in London on Monday to discuss the budget and the election.")],
    );
    // Two opposite merges started while another connection holds the write lock:
    // both wait, then the second one must see the first and refuse.
    let lock = rusqlite::Connection::open(&db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("newsdb");
    let spawn = |a: &str, b: &str| {
        std::process::Command::new(&bin)
            .env("NEWSDB_DB", &db)
            .args(["entities", "merge", a, b])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = spawn("Tony Blair", "Gordon Brown");
    let mut second = spawn("Gordon Brown", "Tony Blair");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    lock.execute_batch("COMMIT").unwrap();
    let ok = [first.wait().unwrap(), second.wait().unwrap()]
        .iter()
        .filter(|s| s.success())
        .count();
    assert_eq!(ok, 1, "exactly one of two opposite merges succeeds");
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM entities WHERE merged_into IS NOT NULL"
        ),
        1
    );
    newsdb(&db).arg("check").assert().success();

    // A cycle written by hand is reported.
    lock.execute_batch(
        "UPDATE entities SET merged_into = (SELECT id FROM entities WHERE name = 'Tony Blair')
         WHERE name = 'Gordon Brown';
         UPDATE entities SET merged_into = (SELECT id FROM entities WHERE name = 'Gordon Brown')
         WHERE name = 'Tony Blair';",
    )
    .unwrap();
    let out = newsdb(&db).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(a cycle)"), "{text}");
}

#[test]
fn a_merge_committed_during_an_import_holds_for_the_rest_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let filler = "The minister told the committee that the plans for schools and hospitals were affordable. ".repeat(30);
    let mut lines = String::new();
    let n = 400;
    for i in 0..n {
        let body = format!(
            "Tony Blair met Gordon Brown in London on day {i} to discuss the budget.\n{filler}"
        );
        lines.push_str(&format!(
            "{}\n",
            serde_json::json!({"id": format!("d{i}"), "title": format!("Talks {i}"), "body": body})
        ));
    }
    let f = dir.path().join("many.jsonl");
    std::fs::write(&f, lines).unwrap();
    import_records(
        &db,
        dir.path(),
        &[(
            "d-first",
            "Talks",
            "Tony Blair met Gordon Brown in London on Monday to discuss the budget.",
        )],
    );
    let mut import = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
        .env("NEWSDB_DB", &db)
        .args(["import", "--quiet", "--jobs", "1", "--batch-size", "5"])
        .arg(&f)
        .spawn()
        .unwrap();
    // Once some batches are in, merge.
    let mut seen = 0;
    for _ in 0..600 {
        seen = scalar(&db, "SELECT COUNT(*) FROM articles");
        if seen > 20 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    newsdb(&db)
        .args(["entities", "merge", "Gordon Brown", "Tony Blair"])
        .assert()
        .success();
    let at_merge = scalar(&db, "SELECT COUNT(*) FROM articles");
    assert!(import.wait().unwrap().success());
    assert!(
        seen > 20 && at_merge < n + 1,
        "the merge must land while the import runs ({at_merge} of {} articles were in)",
        n + 1
    );
    // No mention was attached to the merged-away entity after the merge.
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM mentions WHERE entity_id = (SELECT id FROM entities WHERE merged_into IS NOT NULL)"
        ),
        0
    );
    newsdb(&db).arg("check").assert().success();
}

#[test]
fn reextraction_beside_an_import_that_changes_the_articles_keeps_every_span_exact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let filler =
        "The minister told the committee in London that the plans for schools were affordable. "
            .repeat(60);
    let corpus = |prefix: &str| {
        let mut lines = String::new();
        for i in 0..200 {
            let body =
                format!("{prefix}Tony Blair met Gordon Brown in London on day {i}.\n{filler}");
            lines.push_str(&format!(
                "{}\n",
                serde_json::json!({"id": format!("r{i}"), "title": format!("Talks {i}"), "body": body})
            ));
        }
        lines
    };
    let v1 = dir.path().join("v1.jsonl");
    let v2 = dir.path().join("v2.jsonl");
    std::fs::write(&v1, corpus("")).unwrap();
    std::fs::write(&v2, corpus("Updated: ")).unwrap();
    newsdb(&db).arg("import").arg(&v1).assert().success();
    let started = std::time::Instant::now();
    let mut reextract = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdb"))
        .env("NEWSDB_DB", &db)
        .args(["reextract", "--all", "--jobs", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(150));
    // Changes every article's text while the re-extraction tags the old text.
    newsdb(&db)
        .args(["import", "--no-extract", "--quiet"])
        .arg(&v2)
        .assert()
        .success();
    let imported_after = started.elapsed();
    assert!(reextract.wait().unwrap().success());
    let reextracted_after = started.elapsed();
    assert!(
        imported_after < reextracted_after,
        "the import must land while the re-extraction runs ({imported_after:?} vs {reextracted_after:?})"
    );
    newsdb(&db).arg("check").assert().success();
    assert!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM mentions WHERE surface = 'Tony Blair'"
        ) >= 200
    );
}

#[test]
fn a_name_of_several_entities_of_one_kind_is_chosen_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    import_records(
        &db,
        dir.path(),
        &[
            (
                "b1",
                "Blair speaks",
                "Tony Blair spoke in London on Monday. Mr Blair said the talks went well.",
            ),
            (
                "b2",
                "Talks",
                "Mr Blair said on Tuesday that nothing had been agreed.",
            ),
        ],
    );
    // "Mr Blair" is an alias of Tony Blair (b1) and of the lone "Blair" (b2).
    let out = newsdb(&db).args(["entity", "Mr Blair"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"Mr Blair\" names 2 entities"), "{err}");
    assert!(
        err.contains("choose one by id") && !err.contains("--kind"),
        "{err}"
    );
    // The id it shows works.
    let id = err
        .split("(e.g. ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("no example id in {err}"));
    newsdb(&db).args(["entity", id]).assert().success();
}

/// The writer remembers the entities it looked up from one batch to the next; a merge
/// another connection commits between two batches must still be followed by the next.
#[test]
fn a_merge_committed_between_two_batches_of_an_import_is_followed_by_the_next() {
    use newsdb::load::ImportEvent;
    use newsdb::{ImportOptions, Store};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let input = write_records(
        dir.path(),
        &[
            (
                "r1",
                "Talks in London",
                "Tony Blair met Gordon Brown in London on Monday to discuss the budget.",
            ),
            (
                "r2",
                "Talks in Paris",
                "Tony Blair met Gordon Brown in Paris on Tuesday to discuss the election.",
            ),
        ],
    );
    let opts = ImportOptions {
        batch_size: 1,
        ..ImportOptions::default()
    };
    let mut store = Store::open(&db).unwrap();
    let mut merged = None;
    store
        .import_with(&[input], &opts, &mut |event| {
            if let (ImportEvent::Progress(_), None) = (&event, merged) {
                // The first batch is committed: merge on a connection of our own.
                let mut other = Store::open(&db).unwrap();
                let blair = other.entities_named("Tony Blair").unwrap()[0].id;
                let brown = other.entities_named("Gordon Brown").unwrap()[0].id;
                other.merge_entities(blair, brown).unwrap();
                merged = Some((blair, brown));
            }
        })
        .unwrap();
    let (blair, brown) = merged.expect("the import reports progress after its first batch");
    let entity_of = |article: &str| -> Vec<i64> {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let ids = conn
            .prepare(
                "SELECT m.entity_id FROM mentions m JOIN articles a ON a.id = m.article_id
                 WHERE a.external_id = ?1 AND m.surface = 'Tony Blair'",
            )
            .unwrap()
            .query_map([article], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        ids
    };
    // The first article's mention moved with the merge; the second's was written to
    // the merge's target directly.
    assert_eq!(entity_of("r1"), vec![brown.0]);
    assert_eq!(
        entity_of("r2"),
        vec![brown.0],
        "not the merged-away {blair:?}"
    );
}
