//! The whole BBC corpus (../shared/data/bbc, 2,225 articles) through the real binary:
//! what a user meets after `newsdb import bbc/`; a 150-article sample through every
//! pipeline setting (jobs, batch sizes, import without extraction then reextract).

mod common;

use common::{newsdb, scalar, shared_data, shared_file};

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
    lone_surnames_are_linked_by_context(&db);
    article_cooccurrence_counts_what_sql_counts(&db);
    // No person's name holds a word that joins two names: the tagger's run-ons over a
    // team sheet's replacements ("Birkett for Hart") and "Tait or Noon" are a mention
    // each, linked to the players the other articles name in full. Nor a headline's
    // epithet before a name the body gives in full.
    let run_ons = strings(
        &db,
        "SELECT e.name FROM entities e WHERE e.kind = 'person'
           AND (e.name LIKE '% for %' OR e.name LIKE '% or %' OR e.name LIKE '% nor %'
                OR e.name LIKE '% and %')
           AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)",
        [],
    );
    assert_eq!(run_ons, Vec::<String>::new());
    for (article, surface, person) in [
        ("sport/294", "Birkett", "Richard Birkett"),
        ("sport/299", "Tait", "Mathew Tait"),
        ("sport/299", "Noon", "Jamie Noon"),
        ("sport/178", "Lupoli", "Arturo Lupoli"),
        // Headline epithets cut off: "Classy Henman makes winning start", and "Fuming
        // Robinson blasts officials", whose run-on had held the body's "Robinson".
        ("sport/468", "Henman", "Tim Henman"),
        ("sport/289", "Robinson", "Andy Robinson"),
    ] {
        let linked = strings(
            &db,
            "SELECT DISTINCT e.name FROM mentions m JOIN entities e ON e.id = m.entity_id
             JOIN articles a ON a.id = m.article_id
             WHERE a.external_id = ?1 AND m.surface = ?2",
            [article, surface],
        );
        assert_eq!(linked, [person], "{surface} in {article}");
    }
    // Companies the tagger reads as persons when they start a clause ("Google has
    // released ...") are organizations by the nouns written before them elsewhere
    // ("search giant Google", "airline Qantas", "phone operator Verizon"), the lists
    // they stand in ("Google, AOL, Yahoo and ...") and the people who work there
    // ("Yonca Brunini of Yahoo").
    for company in [
        "Google",
        "Qantas",
        "Verizon",
        "Citigroup",
        "Unilever",
        "Disney",
        "Sony",
        "BT",
        "Yahoo",
        "Zanussi",
        "Oxfam",
    ] {
        let kinds = strings(
            &db,
            "SELECT DISTINCT e.kind FROM entities e
             WHERE e.name = ?1 AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)",
            [company],
        );
        assert_eq!(kinds, ["organization"], "{company}");
    }
    // Names whose votes the tagger split over three kinds that are not person are no
    // longer persons by plurality: the other kinds are pooled against person. Names
    // that an explicit cue of some article types ("Japanese carmaker Nissan", "Nissan
    // chairman", "the film Jailhouse Rock") take the cue's kind over the tagger's
    // readings of other articles: a cue votes as ten mentions.
    for (name, kind) in [
        ("Siemens", "organization"),
        ("Bafta", "organization"),
        ("al-Qaeda", "organization"),
        ("Fox", "organization"),
        ("Nissan", "organization"),
        ("Samsung", "organization"),
        ("Qwest", "organization"),
        ("DaimlerChrysler", "organization"),
        ("Hewlett Packard", "organization"),
        ("Jailhouse Rock", "misc"),
        ("Tony Blair", "person"),
        ("Kimberly Quinn", "person"),
    ] {
        let kinds = strings(
            &db,
            "SELECT DISTINCT e.kind FROM entities e
             WHERE e.name = ?1 AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)",
            [name],
        );
        assert_eq!(kinds, [kind], "{name}");
    }
    // The film awards are one entity whatever form the text uses (the shipped aliases).
    let awards = strings(
        &db,
        "SELECT DISTINCT e.kind || ' ' || e.name FROM mentions m
         JOIN entities e ON e.id = m.entity_id
         WHERE m.surface IN ('Oscar', 'Oscars', 'Academy Award', 'Academy Awards')",
        [],
    );
    assert_eq!(awards, ["misc Oscars"]);
    // So are the other awards BBC names in several forms, which the tagger read as
    // persons ("Grammy": 16 mentions) or firms ("Golden Globe": 17).
    for (forms, entity) in [
        (&["Grammy", "Grammys", "Grammy Awards"][..], "misc Grammys"),
        (
            &["Golden Globe", "Golden Globes", "Golden Globe Awards"][..],
            "misc Golden Globes",
        ),
        (&["Brit Award", "Brit Awards"][..], "misc Brit Awards"),
        (&["Olympics", "Olympic Games"][..], "misc Olympics"),
    ] {
        let mut entities = Vec::new();
        for form in forms {
            let found = strings(
                &db,
                "SELECT DISTINCT e.kind || ' ' || e.name FROM mentions m
                 JOIN entities e ON e.id = m.entity_id WHERE m.surface = ?1",
                [form],
            );
            assert!(!found.is_empty(), "no mention of {form:?}");
            entities.extend(found);
        }
        entities.dedup();
        assert_eq!(entities, [entity], "{forms:?}");
    }
    // Films are misc, not the person or firm their titles look like ("comedy Sideways",
    // "the drama Vera Drake", "the biopic Ray", data/appositives.tsv).
    for film in [
        "Sideways",
        "Vera Drake",
        "Ray",
        "Hotel Rwanda",
        "Million Dollar Baby",
    ] {
        let kinds = strings(
            &db,
            "SELECT DISTINCT e.kind FROM mentions m JOIN entities e ON e.id = m.entity_id
             WHERE m.surface = ?1",
            [film],
        );
        assert_eq!(kinds, ["misc"], "{film}");
    }
}

/// The text column of every row `sql` returns.
fn strings(db: &std::path::Path, sql: &str, params: impl rusqlite::Params) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt.query_map(params, |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Article-level co-occurrence (counted in Rust over the entities of each article) gives
/// the partners and counts of the plain SQL a user would write, for frequent and rare
/// entities, with the partners tied at the cut kept or dropped as the ranking says.
fn article_cooccurrence_counts_what_sql_counts(db: &std::path::Path) {
    use newsdb::query::{cooccurrences, Level};
    let conn = rusqlite::Connection::open(db).unwrap();
    let ids: Vec<i64> = conn
        .prepare(
            "SELECT entity_id FROM entity_mentions ORDER BY mentions DESC, entity_id
             LIMIT 400",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut sql = conn
        .prepare(
            "SELECT o.entity_id, COUNT(DISTINCT o.article_id) FROM mentions s
             JOIN mentions o ON o.article_id = s.article_id
             WHERE s.entity_id = ?1 AND o.entity_id <> ?1 GROUP BY o.entity_id",
        )
        .unwrap();
    // The 20 most mentioned, then every 20th down to entities of a few mentions.
    for &id in ids.iter().take(20).chain(ids.iter().skip(20).step_by(20)) {
        let all: std::collections::HashMap<i64, i64> = sql
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut counts: Vec<i64> = all.values().copied().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        for limit in [1, 15, 100_000] {
            let got =
                cooccurrences(&conn, newsdb::model::EntityId(id), Level::Article, limit).unwrap();
            let got_counts: Vec<i64> = got.iter().map(|c| c.count).collect();
            let want: Vec<i64> = counts.iter().copied().take(limit).collect();
            assert_eq!(got_counts, want, "entity {id}, limit {limit}");
            for c in &got {
                assert_eq!(all.get(&c.entity_id.0), Some(&c.count), "entity {id}");
            }
        }
    }
}

/// The people and clubs lone names of the BBC corpus were linked to, across articles,
/// by the company they keep; checked by reading each article.
fn lone_surnames_are_linked_by_context(db: &std::path::Path) {
    // The entities of an article's mentions with a local name, or a surface.
    const BY_LOCAL_NAME: &str = "SELECT DISTINCT e.name FROM mentions m
        JOIN entities e ON e.id = m.entity_id JOIN articles a ON a.id = m.article_id
        WHERE a.external_id = ?1 AND m.local_name = ?2 ORDER BY e.name";
    const BY_SURFACE: &str = "SELECT DISTINCT e.name FROM mentions m
        JOIN entities e ON e.id = m.entity_id JOIN articles a ON a.id = m.article_id
        WHERE a.external_id = ?1 AND m.surface = ?2 ORDER BY e.name";
    let linked_to = |article: &str, surname: &str| strings(db, BY_LOCAL_NAME, [article, surname]);
    let named_by = |article: &str, surface: &str| strings(db, BY_SURFACE, [article, surface]);
    // "Mr Howard" of Conservative politics is Michael Howard, in articles that never
    // name him in full; "Howard" on a Manchester United team sheet is Tim Howard.
    assert_eq!(linked_to("politics/399", "Howard"), ["Michael Howard"]);
    assert_eq!(linked_to("politics/014", "Howard"), ["Michael Howard"]);
    assert_eq!(linked_to("sport/095", "Howard"), ["Tim Howard"]);
    assert_eq!(linked_to("sport/101", "Howard"), ["Tim Howard"]);
    // "President Bush", title included.
    assert_eq!(linked_to("business/204", "Bush"), ["George W Bush"]);
    // A club by its last word: "United" and "City" of a Manchester derby report.
    assert_eq!(linked_to("sport/137", "United"), ["Manchester United"]);
    assert_eq!(linked_to("sport/101", "City"), ["Manchester City"]);
    assert_eq!(linked_to("sport/162", "Villa"), ["Aston Villa"]);
    // But not a club word the tagger split from its first word: "Swiss Re" tagged as
    // "Swiss" and "Re" is not Munich Re, however alike the reinsurers' company (all 12
    // of its mentions were linked to Munich Re).
    assert_eq!(linked_to("business/311", "Re"), ["Re"]);
    assert_eq!(linked_to("business/346", "Re"), ["Re"]);
    // "Microsoft" is Microsoft: not "Las Vegas Microsoft", a run-on of the tagger in
    // one article ("... in Las Vegas Microsoft said ...") that no other article names.
    assert_eq!(linked_to("tech/052", "Microsoft"), ["Microsoft"]);
    assert_eq!(linked_to("business/254", "Microsoft"), ["Microsoft"]);
    // The pronoun "I" is nobody's surname: "... Nirvana and Korn I am a ..." once made
    // every "I" of entertainment/131 a mention of "Korn I".
    assert_eq!(
        scalar(
            db,
            "SELECT COUNT(*) FROM mentions m JOIN entities e ON e.id = m.entity_id
             WHERE m.surface = 'I' AND e.kind = 'person'"
        ),
        0
    );
    // A surname alone in an article that names two namesakes in full is the one it
    // names first: "Mr Blair" beside Tony Blair, then Cherie; "Robinson" in a story
    // on the captain Jason Robinson that later names the coach Andy Robinson, and in
    // one on the coach that later names the captain; "S Williams" and "M Williams"
    // of a line-up (the tagger's span only the surname) by their initials.
    assert_eq!(named_by("politics/184", "Mr Blair"), ["Tony Blair"]);
    assert_eq!(named_by("sport/342", "Robinson"), ["Jason Robinson"]);
    assert_eq!(named_by("sport/330", "Robinson"), ["Andy Robinson"]);
    assert_eq!(
        named_by("sport/312", "Williams"),
        ["Martyn Williams", "Shane Williams"]
    );
    // Beside the one "… Williams" an article names in full (Rhys), a line-up's
    // "S Williams" and "M Williams" are not him; "M Worsley" is not Joe Worsley.
    assert_eq!(
        named_by("sport/320", "Williams"),
        ["Martyn Williams", "Shane Williams"]
    );
    assert_eq!(named_by("sport/383", "Worsley"), ["M Worsley"]);
    // "The Ambani family" is no one brother of the three named in full.
    assert_eq!(named_by("business/486", "Ambani"), ["Ambani"]);
    // Lone-name person entities equal to a full-name person's surname: 413 before
    // in-article initials and first names and the cross-article pass, 239 after, 225
    // once namesakes named in one article resolve to the first.
    let lone = scalar(
        db,
        "WITH full AS (SELECT DISTINCT lower(substr(name, length(rtrim(name,
                 replace(name, ' ', ''))) + 1)) AS last
             FROM entities WHERE kind = 'person' AND name LIKE '% %')
         SELECT COUNT(*) FROM entities e WHERE kind = 'person' AND name NOT LIKE '% %'
           AND lower(name) IN (SELECT last FROM full)
           AND EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)",
    );
    assert!(lone <= 226, "{lone} lone-name person entities");
    // The import ended with the pass; running it again changes nothing.
    let out = newsdb(db)
        .args(["resolve", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in [
        "surnames_linked",
        "mentions_moved",
        "kinds_changed",
        "entities_joined",
    ] {
        assert_eq!(report[field], 0, "{report}");
    }
}

/// The BBC corpus as JSON Lines records (id `folder/stem`), in folder order.
fn bbc_records(bbc: &std::path::Path) -> Vec<String> {
    let mut dirs: Vec<_> = std::fs::read_dir(bbc)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for d in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        for f in files {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            let lines: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let id = format!(
                "{}/{}",
                d.file_name().unwrap().to_string_lossy(),
                f.file_stem().unwrap().to_string_lossy()
            );
            let record =
                serde_json::json!({"id": id, "title": lines[0], "body": lines[1..].join("\n")});
            out.push(format!("{record}\n"));
        }
    }
    out
}

/// The first column of every row of `sql`, as text, sorted.
fn sorted_rows(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    let mut v: Vec<String> = conn
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    v.sort();
    v
}

/// Everything a user sees of the entity table, ids aside: each entity's kind, name
/// and mention count, and each mention's article (by content), span and entity.
fn entity_table(db: &std::path::Path) -> (Vec<String>, Vec<String>) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let rows = |sql: &str| sorted_rows(&conn, sql);
    (
        rows(
            "SELECT e.kind || '|' || e.name || '|' || COUNT(m.id) FROM entities e
             JOIN mentions m ON m.entity_id = e.id GROUP BY e.id",
        ),
        rows(
            "SELECT a.content_hash || '|' || m.field || '|' || m.start_char || '|' || m.end_char
                    || '|' || e.kind || '|' || e.name
             FROM mentions m JOIN articles a ON a.id = m.article_id
             JOIN entities e ON e.id = m.entity_id",
        ),
    )
}

#[test]
fn the_entity_table_does_not_depend_on_order_batching_or_import_runs_and_reextraction_changes_nothing(
) {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let records = bbc_records(&data.join("bbc"));
    assert!(records.len() > 2200);
    let forward = dir.path().join("forward.jsonl");
    std::fs::write(&forward, records.concat()).unwrap();
    // A fixed permutation: every 7th record, cycling (7 and the count are coprime
    // unless the count is a multiple of 7, which it is not).
    let n = records.len();
    assert_ne!(n % 7, 0);
    let shuffled: String = (0..n).map(|i| records[(i * 7 + 3) % n].as_str()).collect();
    let backward = dir.path().join("shuffled.jsonl");
    std::fs::write(&backward, shuffled).unwrap();

    let import = |name: &str, file: &std::path::Path, extra: &[&str]| {
        let db = dir.path().join(name);
        newsdb(&db)
            .args(["import", "--quiet"])
            .args(extra)
            .arg(file)
            .assert()
            .success();
        db
    };
    let a = import("a.sqlite", &forward, &[]);
    let b = import("b.sqlite", &backward, &[]);
    let c = import("c.sqlite", &forward, &["--batch-size", "1"]);
    // Two imports of the shuffled records' halves into one store. The second re-decides
    // the names it touches (kinds, displayed names, lone-name links, including every
    // surname whose candidate it names in full, of any kind); a lone name it does not
    // touch keeps the link decided with the first half's evidence. Each context
    // entity's share of all articles has changed since, which may in principle move
    // such a link until `newsdb resolve`; on BBC none moves. After `resolve` too the
    // store must equal one import of everything.
    let halves = [0..n / 2, n / 2..n].map(|range| {
        let path = dir.path().join(format!("half-{}.jsonl", range.start));
        let text: String = range.map(|i| records[(i * 7 + 3) % n].as_str()).collect();
        std::fs::write(&path, text).unwrap();
        path
    });
    let d = import("d.sqlite", &halves[0], &[]);
    newsdb(&d)
        .args(["import", "--quiet"])
        .arg(&halves[1])
        .assert()
        .success();
    let (ea, ma) = entity_table(&a);
    let before_resolve = entity_table(&d).1;
    let stale = ma
        .iter()
        .filter(|m| before_resolve.binary_search(m).is_err())
        .count();
    assert_eq!(
        stale,
        0,
        "two imports: {stale} of {} mention links differ from one import before `resolve`",
        ma.len()
    );
    newsdb(&d).arg("resolve").assert().success();
    assert!(
        ea.len() > 10_000 && ma.len() > 60_000,
        "{} {}",
        ea.len(),
        ma.len()
    );
    let (eb, mb) = entity_table(&b);
    let (ec, mc) = entity_table(&c);
    let (ed, md) = entity_table(&d);
    for (other, (e, m)) in [
        ("shuffled", (&eb, &mb)),
        ("batch size 1", (&ec, &mc)),
        ("two imports and resolve", (&ed, &md)),
    ] {
        let only_a: Vec<_> = ea.iter().filter(|x| !e.contains(x)).take(5).collect();
        let only_o: Vec<_> = e.iter().filter(|x| !ea.contains(x)).take(5).collect();
        assert!(
            only_a.is_empty() && only_o.is_empty(),
            "entities differ with {other}: {only_a:?} vs {only_o:?}"
        );
        assert!(ma == *m, "mention links differ with {other}");
    }

    // Re-extraction right after an import changes no mention, entity or alias.
    let snapshot =
        |db: &std::path::Path| {
            let conn = rusqlite::Connection::open(db).unwrap();
            let q = |sql: &str| -> Vec<String> {
                conn.prepare(sql)
                    .unwrap()
                    .query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            };
            (
            q("SELECT article_id || '|' || field || '|' || start_char || '|' || end_char || '|'
                      || entity_id || '|' || local_kind || '|' || local_name
               FROM mentions ORDER BY article_id, field, start_char, end_char"),
            q("SELECT id || '|' || kind || '|' || name FROM entities ORDER BY id"),
            q("SELECT entity_id || '|' || alias FROM entity_aliases ORDER BY entity_id, alias"),
        )
        };
    let before = snapshot(&a);
    newsdb(&a).args(["reextract", "--all"]).assert().success();
    let after = snapshot(&a);
    assert!(before.0 == after.0, "reextract changed mentions");
    assert!(before.1 == after.1, "reextract changed entities");
    assert!(before.2 == after.2, "reextract changed aliases");
    newsdb(&a).arg("check").assert().success();
}

/// Everything of a store a user sees, ids aside and sorted: entities (kind, name,
/// mention count, aliases), every mention (article, span, surface, sentence, paragraph,
/// confidence, local evidence, entity), and the unit and sentence-pair summaries by
/// entity name.
fn store_view(db: &std::path::Path) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let rows = |sql: &str| sorted_rows(&conn, sql);
    vec![
        rows(
            "SELECT e.kind || '|' || e.name || '|' || COUNT(m.id) FROM entities e
             JOIN mentions m ON m.entity_id = e.id GROUP BY e.id",
        ),
        rows(
            "SELECT e.kind || '|' || e.name || '|' || a.alias FROM entity_aliases a
             JOIN entities e ON e.id = a.entity_id
             WHERE EXISTS (SELECT 1 FROM mentions m WHERE m.entity_id = e.id)",
        ),
        rows(
            "SELECT a.external_id || '|' || m.field || '|' || m.start_char || '|' || m.end_char
                    || '|' || m.start_byte || '|' || m.end_byte || '|' || m.surface
                    || '|' || IFNULL(m.sentence, '-') || '|' || IFNULL(m.paragraph, '-')
                    || '|' || IFNULL(m.confidence, '-') || '|' || IFNULL(m.local_kind, '-')
                    || '|' || IFNULL(m.local_name, '-') || '|' || e.kind || '|' || e.name
             FROM mentions m JOIN articles a ON a.id = m.article_id
             JOIN entities e ON e.id = m.entity_id",
        ),
        rows(
            "SELECT e.kind || '|' || e.name || '|' || u.level || '|' || u.units
             FROM entity_units u JOIN entities e ON e.id = u.entity_id WHERE u.units > 0",
        ),
        rows(
            "SELECT a.kind || '|' || a.name || '|' || b.kind || '|' || b.name || '|' || p.sentences
             FROM sentence_pairs p JOIN entities a ON a.id = p.entity_id
             JOIN entities b ON b.id = p.other_id WHERE p.sentences > 0",
        ),
        rows(
            "SELECT a.kind || '|' || a.name || '|' || b.kind || '|' || b.name || '|'
                    || p.paragraphs
             FROM paragraph_pairs p JOIN entities a ON a.id = p.entity_id
             JOIN entities b ON b.id = p.other_id",
        ),
        rows(
            "SELECT e.kind || '|' || e.name || '|' || d.day || '|' || d.mentions || '|'
                    || d.articles
             FROM entity_days d JOIN entities e ON e.id = d.entity_id",
        ),
        rows("SELECT level || '|' || units FROM unit_totals"),
        rows(
            "SELECT external_id || '|' || language || '|' || content_hash || '|'
                    || (SELECT COUNT(*) FROM paragraphs p WHERE p.article_id = articles.id)
             FROM articles",
        ),
    ]
}

#[test]
fn jobs_batch_sizes_and_no_extract_then_reextract_give_the_same_store() {
    let Some(bbc) = shared_file("bbc") else {
        return;
    };
    // A real sample: the first 30 files of each of the five folders, imported as a
    // directory (ids `business/001`, ...), 150 articles.
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("bbc");
    for folder in ["business", "entertainment", "politics", "sport", "tech"] {
        let mut files: Vec<_> = std::fs::read_dir(bbc.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        std::fs::create_dir_all(sample.join(folder)).unwrap();
        for f in files.iter().take(30) {
            std::fs::copy(f, sample.join(folder).join(f.file_name().unwrap())).unwrap();
        }
    }
    let import = |name: &str, extra: &[&str]| {
        let db = dir.path().join(name);
        newsdb(&db)
            .args(["import", "--quiet"])
            .args(extra)
            .arg(&sample)
            .assert()
            .success();
        db
    };
    // The BBC corpus repeats a few stories word for word: a copy is skipped as a
    // duplicate, so the store holds one article per distinct file.
    let distinct: std::collections::HashSet<Vec<u8>> =
        ["business", "entertainment", "politics", "sport", "tech"]
            .iter()
            .flat_map(|f| std::fs::read_dir(sample.join(f)).unwrap())
            .map(|e| std::fs::read(e.unwrap().path()).unwrap())
            .collect();
    let reference = import("jobs1.sqlite", &["--jobs", "1"]);
    let view = store_view(&reference);
    assert_eq!(
        common::scalar(&reference, "SELECT COUNT(*) FROM articles"),
        distinct.len() as i64
    );
    assert!(
        view[0].len() > 500 && view[2].len() > 3000,
        "{} entities, {} mentions",
        view[0].len(),
        view[2].len()
    );
    newsdb(&reference).arg("check").assert().success();

    let mut variants: Vec<(&str, std::path::PathBuf)> = vec![
        ("--jobs 2", import("jobs2.sqlite", &["--jobs", "2"])),
        (
            "--batch-size 1",
            import("b1.sqlite", &["--batch-size", "1", "--jobs", "2"]),
        ),
        (
            "--batch-size 7",
            import("b7.sqlite", &["--batch-size", "7", "--jobs", "2"]),
        ),
        (
            "--batch-size 1024",
            import("b1024.sqlite", &["--batch-size", "1024", "--jobs", "1"]),
        ),
    ];
    let plain = import("plain.sqlite", &["--no-extract"]);
    assert_eq!(common::scalar(&plain, "SELECT COUNT(*) FROM mentions"), 0);
    newsdb(&plain)
        .args(["reextract", "--all"])
        .assert()
        .success();
    variants.push(("--no-extract, then reextract --all", plain));

    // The extract stage: the same bytes whatever the workers, and its records, split
    // in two pieces imported in the other order, give the same store.
    let extract = |jobs: &str| {
        let out = dir.path().join(format!("extracted-{jobs}.jsonl"));
        newsdb(&dir.path().join("unused.sqlite"))
            .args(["extract", "--quiet", "--jobs", jobs, "--out"])
            .arg(&out)
            .arg(&sample)
            .assert()
            .success();
        std::fs::read_to_string(out).unwrap()
    };
    let extracted = extract("2");
    assert!(extracted == extract("1"), "extract depends on --jobs");
    assert!(
        !dir.path().join("unused.sqlite").exists(),
        "extract made a database"
    );
    let lines: Vec<&str> = extracted.lines().collect();
    assert_eq!(lines.len(), 150);
    let (first, second) = lines.split_at(lines.len() / 2);
    let pieces = [("second.jsonl", second), ("first.jsonl", first)].map(|(name, part)| {
        let path = dir.path().join(name);
        std::fs::write(&path, part.join("\n") + "\n").unwrap();
        path
    });
    let from_extract = dir.path().join("extracted.sqlite");
    newsdb(&from_extract)
        .args(["import", "--quiet", "--extracted"])
        .args(&pieces)
        .assert()
        .success();
    variants.push(("extract, then import --extracted", from_extract));

    let names = [
        "entities",
        "aliases",
        "mentions",
        "entity units",
        "sentence pairs",
        "paragraph pairs",
        "days",
        "unit totals",
        "articles",
    ];
    for (what, db) in &variants {
        newsdb(db).arg("check").assert().success();
        let other = store_view(db);
        for ((name, a), b) in names.iter().zip(&view).zip(&other) {
            let only_ref: Vec<_> = a.iter().filter(|x| !b.contains(x)).take(3).collect();
            let only_other: Vec<_> = b.iter().filter(|x| !a.contains(x)).take(3).collect();
            assert!(
                a == b,
                "{name} differ between --jobs 1 and {what}: {only_ref:?} vs {only_other:?}"
            );
        }
    }
}
