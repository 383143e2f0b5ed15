//! Mixed publication dates (RFC 3339 with `Z` or an offset, naive date-times with
//! fractions, plain dates, a date newsdb cannot parse, no date) through `--since` and
//! `--until` on `articles`, `search`, `entities`, `mentions`, `cooccur` and `timeline`,
//! `timeline` and `search --sort newest`; invalid bounds refused everywhere.

mod common;

use std::path::Path;

use common::newsdb;

/// Articles with the date each record gives and, in the comment, what newsdb stores
/// (`load/dates.rs`: offsets become UTC with `Z`, naive times keep no offset, plain
/// dates stay dates, anything else is kept as given in `published_raw`, leaving
/// `published_at` NULL). Each body names Tehran once.
const RECORDS: [(&str, Option<&str>); 6] = [
    ("n", Some("1987-02-26T15:01:01.790")), // 1987-02-26T15:01:01.790
    ("z", Some("2005-01-02T10:00:00Z")),    // 2005-01-02T10:00:00Z
    ("d", Some("2005-03-01")),              // 2005-03-01
    ("t", Some("2005-03-01T09:00:00+01:00")), // 2005-03-01T08:00:00Z
    ("u", Some("next tuesday")),            // NULL, published_raw "next tuesday"
    ("x", None),                            // NULL
];

fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let mut lines = String::new();
    for (i, (id, date)) in RECORDS.iter().enumerate() {
        let mut rec = serde_json::json!({
            "id": id,
            "title": format!("Visit number {}", i + 1),
            "body": format!(
                "Bashar al-Assad travelled to Tehran for talks number {} with officials.",
                i + 1
            ),
        });
        if let Some(d) = date {
            rec["published"] = serde_json::Value::from(*d);
        }
        lines.push_str(&rec.to_string());
        lines.push('\n');
    }
    let file = dir.path().join("dates.jsonl");
    std::fs::write(&file, lines).unwrap();
    // The unparsed date is a warning, not a failure; every record is stored.
    newsdb(&db)
        .arg("import")
        .arg(&file)
        .assert()
        .success()
        .stderr(predicates::str::contains("next tuesday"));
    assert_eq!(common::scalar(&db, "SELECT COUNT(*) FROM articles"), 6);
    let stored = |id: &str| -> Option<String> {
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT published_at FROM articles WHERE external_id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(stored("n").as_deref(), Some("1987-02-26T15:01:01.790"));
    assert_eq!(stored("t").as_deref(), Some("2005-03-01T08:00:00Z"));
    // Only ISO-8601 in published_at (issue 12 #11); the unreadable date kept as given
    // in a column of its own.
    assert_eq!(stored("u"), None);
    assert_eq!(
        rusqlite::Connection::open(&db)
            .unwrap()
            .query_row(
                "SELECT published_raw FROM articles WHERE external_id = 'u'",
                [],
                |r| r.get::<_, String>(0)
            )
            .unwrap(),
        "next tuesday"
    );
    assert_eq!(
        common::scalar(
            &db,
            "SELECT COUNT(*) FROM articles WHERE published_raw IS NOT NULL"
        ),
        1
    );
    (dir, db)
}

/// The external ids a command lists (`--format json`), in its order.
fn ids(db: &Path, args: &[&str]) -> Vec<String> {
    let out = newsdb(db)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    rows.iter()
        .map(|r| r["external_id"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn since_and_until_compare_mixed_formats_as_dates_and_skip_unparsed_ones() {
    let (_dir, db) = setup();
    // (filters, expected ids), from the stored dates above: `since` is inclusive,
    // `until` inclusive at its own precision (a day includes every time of that day),
    // an unparsed or missing date is never in a date range.
    let cases: [(&[&str], &[&str]); 11] = [
        (&["--since", "2005-01-01"], &["d", "t", "z"]),
        (&["--since", "2005-03-01"], &["d", "t"]),
        (&["--since", "2005-03-02"], &[]),
        (&["--until", "2005-01-02"], &["n", "z"]),
        (&["--until", "2005-01"], &["n", "z"]),
        (&["--until", "2005-03-01"], &["d", "n", "t", "z"]),
        (&["--until", "2004"], &["n"]),
        (&["--since", "1987-02-26T15:01:02"], &["d", "t", "z"]),
        (&["--until", "1987-02-26T15:01:01"], &["n"]),
        (&["--since", "2005", "--until", "2005"], &["d", "t", "z"]),
        (
            &["--since", "0000", "--until", "9999"],
            &["d", "n", "t", "z"],
        ),
    ];
    for (filters, expected) in cases {
        let mut articles = vec!["articles"];
        articles.extend_from_slice(filters);
        assert_eq!(
            sorted(ids(&db, &articles)),
            expected,
            "articles {filters:?}"
        );
        let mut search = vec!["search", "tehran"];
        search.extend_from_slice(filters);
        assert_eq!(sorted(ids(&db, &search)), expected, "search {filters:?}");
        search.extend_from_slice(&["--sort", "newest"]);
        assert_eq!(
            sorted(ids(&db, &search)),
            expected,
            "search newest {filters:?}"
        );
    }
    // Without a filter every article is listed, dated or not.
    assert_eq!(ids(&db, &["articles"]).len(), 6);
}

#[test]
fn newest_first_orders_mixed_formats_by_time_and_puts_undated_articles_last() {
    let (_dir, db) = setup();
    let newest = ids(&db, &["search", "tehran", "--sort", "newest"]);
    assert_eq!(
        sorted(newest.clone()),
        ["d", "n", "t", "u", "x"]
            .iter()
            .chain(&["z"])
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    // Newest first: 2005-03-01T08:00Z, then the plain date 2005-03-01 (a day without a
    // time sorts before the times of that day), 2005-01-02T10:00Z, 1987; the articles
    // without a readable date last, the newest row first: x, then u, whose unreadable
    // "next tuesday" is no date (before V11 it sorted first, as text).
    assert_eq!(newest, ["t", "d", "z", "n", "x", "u"]);
}

/// A command's `--format json` rows and its stderr.
fn json_rows(db: &Path, args: &[&str]) -> (Vec<serde_json::Value>, String) {
    let out = newsdb(db)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

/// `timeline` rows as (period, mentions, articles), and its stderr.
fn periods(db: &Path, args: &[&str]) -> (Vec<(String, i64, i64)>, String) {
    let mut all = vec!["timeline", "Tehran"];
    all.extend_from_slice(args);
    let (rows, stderr) = json_rows(db, &all);
    let rows = rows
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap().to_string(),
                r["mentions"].as_i64().unwrap(),
                r["articles"].as_i64().unwrap(),
            )
        })
        .collect();
    (rows, stderr)
}

#[test]
fn timeline_counts_mixed_formats_by_period_and_leaves_out_unparsed_dates() {
    let (_dir, db) = setup();
    let with_mentions = |by: &str| -> Vec<(String, i64, i64)> {
        let (rows, _) = periods(&db, &["--by", by]);
        rows.into_iter().filter(|r| r.1 > 0).collect()
    };
    // One Tehran per article: n in 1987-02; z in 2005-01; d and t in 2005-03; u (unparsed)
    // and x (no date) in no period.
    let p = |s: &str, n: i64| (s.to_string(), n, n);
    assert_eq!(with_mentions("year"), [p("1987", 1), p("2005", 3)]);
    assert_eq!(
        with_mentions("month"),
        [p("1987-02", 1), p("2005-01", 1), p("2005-03", 2)]
    );
    assert_eq!(
        with_mentions("day"),
        [p("1987-02-26", 1), p("2005-01-02", 1), p("2005-03-01", 2)]
    );
}

#[test]
fn timeline_fills_empty_periods_and_says_what_undated_articles_it_left_out() {
    let (_dir, db) = setup();
    let p = |s: &str, n: i64| (s.to_string(), n, n);
    // Every year from 1987 to 2005, the ones without mentions as zero rows.
    let (years, stderr) = periods(&db, &["--by", "year"]);
    assert_eq!(years.len(), 2005 - 1987 + 1, "{years:?}");
    assert_eq!(years[0], p("1987", 1));
    assert_eq!(years[1], p("1988", 0));
    assert_eq!(years[18], p("2005", 3));
    // u (unparsed date) and x (no date) each name Tehran once.
    assert!(
        stderr.contains("2 mention(s) in 2 article(s) left out")
            && stderr.contains("no publication date"),
        "{stderr}"
    );
    let (months, _) = periods(&db, &["--by", "month", "--since", "2005"]);
    assert_eq!(months, [p("2005-01", 1), p("2005-02", 0), p("2005-03", 2)]);
    let (days, _) = periods(&db, &["--by", "day", "--until", "2004"]);
    assert_eq!(days, [p("1987-02-26", 1)]);
    // The table says nothing of it on stdout: the note is on stderr only.
    let out = newsdb(&db).args(["timeline", "Tehran"]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("left out"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("left out"));
}

#[test]
fn mentions_and_cooccur_take_since_and_until() {
    let (_dir, db) = setup();
    // The articles of the mentions listed.
    let mentioned = |filters: &[&str]| -> Vec<String> {
        let mut args = vec!["mentions", "Tehran"];
        args.extend_from_slice(filters);
        let (rows, _) = json_rows(&db, &args);
        sorted(
            rows.iter()
                .map(|r| r["external_id"].as_str().unwrap().to_string())
                .collect(),
        )
    };
    assert_eq!(mentioned(&[]), ["d", "n", "t", "u", "x", "z"]);
    assert_eq!(mentioned(&["--since", "2005-01-01"]), ["d", "t", "z"]);
    assert_eq!(mentioned(&["--until", "2005-01"]), ["n", "z"]);
    assert_eq!(
        mentioned(&["--since", "2005-03-01", "--until", "2005-03-01"]),
        ["d", "t"]
    );
    // Assad and Tehran share every article; in a period, only its articles count.
    let shared = |filters: &[&str]| -> i64 {
        let mut args = vec!["cooccur", "Tehran", "--level", "article"];
        args.extend_from_slice(filters);
        let (rows, _) = json_rows(&db, &args);
        rows.iter()
            .find(|r| r["name"] == "Bashar al-Assad")
            .map_or(0, |r| r["count"].as_i64().unwrap())
    };
    assert_eq!(shared(&[]), 6);
    assert_eq!(shared(&["--since", "2005-01-01"]), 3);
    assert_eq!(shared(&["--since", "2005-03", "--until", "2005-03"]), 2);
    assert_eq!(shared(&["--until", "1987"]), 1);
    assert_eq!(shared(&["--since", "2006"]), 0);
    let sentence = [
        "cooccur", "Tehran", "--level", "sentence", "--until", "2004",
    ];
    let (rows, _) = json_rows(&db, &sentence);
    assert!(
        rows.iter()
            .any(|r| r["name"] == "Bashar al-Assad" && r["count"] == 1),
        "{rows:?}"
    );
}

#[test]
fn an_invalid_date_exits_2_naming_it_and_the_accepted_forms_on_every_command() {
    let (_dir, db) = setup();
    let commands: [&[&str]; 6] = [
        &["articles"],
        &["search", "tehran"],
        &["entities"],
        &["mentions", "Tehran"],
        &["cooccur", "Tehran"],
        &["timeline", "Tehran"],
    ];
    for command in commands {
        for flag in ["--since", "--until"] {
            for bad in ["garbage", "2005-02-30", "20050101", "2005/01/01"] {
                let mut args = command.to_vec();
                args.extend_from_slice(&[flag, bad]);
                let out = newsdb(&db).args(&args).output().unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
                assert!(out.stdout.is_empty(), "{args:?}");
                assert!(
                    stderr.contains(&format!("invalid date \"{bad}\""))
                        && stderr.contains("YYYY-MM-DD")
                        && stderr.contains("YYYY-MM,"),
                    "{args:?}: {stderr}"
                );
            }
        }
    }
}

/// A date newsdb cannot read no longer corrupts what is computed from dates (issue 12
/// #11): `03/02/2005` is read day first, `next tuesday` is kept in `published_raw`,
/// and neither `stats`, `timeline`, newest-first `search` nor `--since` sees text where
/// a date belongs.
#[test]
fn unreadable_dates_stay_out_of_published_at_and_out_of_every_date_computation() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("news.sqlite");
    let file = dir.path().join("dates.jsonl");
    let records = [
        ("slash", "03/02/2005"),
        ("words", "next tuesday"),
        ("iso", "2005-03-01"),
    ];
    let lines: String = records
        .iter()
        .map(|(id, date)| {
            serde_json::json!({"id": id, "published": date, "title": format!("Visit {id}"),
                "body": "Bashar al-Assad travelled to Tehran for talks with officials."})
            .to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&file, lines).unwrap();
    newsdb(&db).arg("import").arg(&file).assert().success();
    // published_at: ISO-8601 only; published_raw: the unreadable text only.
    let rows = json_rows(
        &db,
        &[
            "sql",
            "SELECT external_id, published_at, published_raw FROM articles ORDER BY id",
        ],
    )
    .0;
    let got: Vec<(String, Option<String>, Option<String>)> = rows
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().map(str::to_string);
            (
                s("external_id").unwrap(),
                s("published_at"),
                s("published_raw"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("slash".to_string(), Some("2005-02-03".to_string()), None),
            ("words".to_string(), None, Some("next tuesday".to_string())),
            ("iso".to_string(), Some("2005-03-01".to_string()), None),
        ]
    );
    // stats: the first and last dates are dates.
    let out = newsdb(&db)
        .args(["stats", "--format", "json"])
        .output()
        .unwrap();
    let stats = String::from_utf8(out.stdout).unwrap();
    assert!(!stats.contains("next tuesday"), "{stats}");
    assert!(
        stats.contains("2005-03-01") && stats.contains("2005-02-03"),
        "{stats}"
    );
    // timeline: only real periods.
    let (rows, _) = periods(&db, &["--by", "day"]);
    assert!(
        rows.iter().all(|(p, _, _)| p.starts_with("2005-0")),
        "{rows:?}"
    );
    assert_eq!(rows.first().unwrap().0, "2005-02-03");
    // newest first: the undated article last; --since leaves it out.
    assert_eq!(
        ids(&db, &["search", "tehran", "--sort", "newest"]),
        ["iso", "slash", "words"]
    );
    assert_eq!(
        sorted(ids(&db, &["articles", "--since", "2005"])),
        ["iso", "slash"]
    );
    // Re-importing the same file changes nothing: the raw date compares as given.
    let out = newsdb(&db)
        .args(["import", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["unchanged"], 3, "{report}");
    // show names the unreadable date as given.
    newsdb(&db)
        .args(["show", "words"])
        .assert()
        .success()
        .stdout(predicates::str::contains("next tuesday"));
}

#[test]
fn a_changed_date_moves_the_timeline_and_a_bound_with_a_time_gives_the_same_periods() {
    let (dir, db) = setup();
    let p = |s: &str, n: i64| (s.to_string(), n, n);
    // "z" comes again with the same text and another date: only its date is updated,
    // and its mention moves from 2005-01 to 2005-02.
    let again = dir.path().join("again.jsonl");
    let rec = serde_json::json!({
        "id": "z", "published": "2005-02-10",
        "title": "Visit number 2",
        "body": "Bashar al-Assad travelled to Tehran for talks number 2 with officials.",
    });
    std::fs::write(&again, format!("{rec}\n")).unwrap();
    newsdb(&db)
        .args(["import", "--quiet"])
        .arg(&again)
        .assert()
        .success();
    let (months, _) = periods(&db, &["--by", "month", "--since", "2005"]);
    assert_eq!(months, [p("2005-02", 1), p("2005-03", 2)]);
    newsdb(&db).arg("check").assert().success();
    // Bounds with a time of day are finer than a day: the same periods, counted from
    // the mentions (t is 2005-03-01T08:00:00Z, after the bound; d is 2005-03-01, a
    // date without a time, which sorts before it).
    let (late, _) = periods(&db, &["--by", "day", "--since", "2005-03-01T07:30:00Z"]);
    assert_eq!(late, [p("2005-03-01", 1)]);
    let (all_day, _) = periods(&db, &["--by", "day", "--since", "2005-03-01"]);
    assert_eq!(all_day, [p("2005-03-01", 2)]);
}
