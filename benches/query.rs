//! Query-layer latency, each query timed beside a bare-SQL baseline in the same run:
//! the bare FTS5 ranking query for relevance search, the plain "newest matching
//! articles" SQL for newest-first, and the SQL a user would write over `mentions` for
//! the entity queries (profile counts, sentence co-occurrence, KWIC rows, timeline).
//!
//! ```sh
//! NEWSDB_BENCH_DB=big.sqlite cargo bench --bench query
//! NEWSDB_BENCH_ARTICLES=2000 cargo bench --bench query    # a quick run
//! NEWSDB_BENCH_ONLY=search cargo bench --bench query       # search queries only
//! ```
//!
//! Without `NEWSDB_BENCH_DB` it builds (once, in the temp directory) a database of
//! `NEWSDB_BENCH_ARTICLES` articles (default 100000) through the loader, as `newsdb
//! import` does: copies of `../shared/data/bbc/*/*.txt` (`NEWSDB_BENCH_CORPUS` points
//! elsewhere), each with its own external id, scrambled publication date and a source
//! per pass over the corpus (so a copy's paragraphs are not taken for boilerplate),
//! extracted by the tagger and resolved, so mentions, entity units and sentence pairs
//! are the ones a real import leaves. Words are chosen by their measured document
//! frequency.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newsdb::query::{self, Bucket, Level, SearchOptions, Sort};
use newsdb::{EntityId, EntityKind, ImportOptions, Store};
use rusqlite::{Connection, OptionalExtension};

const RUNS: usize = 20;

/// Bumped whenever `build` makes a different database, so a cached file of an older
/// generator is not reused.
const GENERATOR: u32 = 2;

fn bbc_articles(root: &Path) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("the BBC corpus is readable")
        .flatten()
        .filter(|d| d.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|f| f.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let text = String::from_utf8_lossy(&bytes);
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let title = lines.next()?.to_string();
            let body = lines.collect::<Vec<_>>().join("\n");
            Some((title, body))
        })
        .collect()
}

/// Builds a benchmark database of `n` articles at `path` through the loader.
fn build(path: &Path, n: usize) {
    let root = std::env::var_os("NEWSDB_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc"));
    let corpus = bbc_articles(&root);
    assert!(!corpus.is_empty(), "no articles under {}", root.display());
    eprintln!(
        "building {} ({n} articles, with extraction)...",
        path.display()
    );
    let started = Instant::now();
    let jsonl = path.with_extension("jsonl");
    {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(&jsonl).expect("the corpus file is writable"),
        );
        for i in 0..n {
            let (title, body) = &corpus[i % corpus.len()];
            let pass = i / corpus.len();
            // Dates scrambled against ids, so newest-first cannot lean on rowid order.
            let k = (i as u64).wrapping_mul(2_654_435_761) % 3_650;
            let date = format!(
                "{}-{:02}-{:02}T12:00:00Z",
                2010 + k / 365,
                1 + (k % 365) / 31 % 12,
                1 + k % 28
            );
            // The pass number in the title keeps a copy from being skipped as a
            // duplicate of the first.
            let title = if pass == 0 {
                title.clone()
            } else {
                format!("{title} ({pass})")
            };
            let record = serde_json::json!({
                "id": format!("bbc-{i}"),
                "title": title,
                "body": body,
                "source": format!("bbc-{pass}"),
                "published": date,
            });
            writeln!(out, "{record}").expect("the corpus file is writable");
        }
    }
    // Built under another name and renamed when complete, so an interrupted build is
    // never taken for a cached database.
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut store = Store::open(&partial).expect("the benchmark database opens");
    // The BBC corpus repeats some stories word for word: keep them, so the database
    // holds exactly `n` articles.
    let options = ImportOptions {
        keep_duplicates: true,
        ..ImportOptions::default()
    };
    let report = store
        .import(std::slice::from_ref(&jsonl), &options)
        .expect("the benchmark corpus imports");
    drop(store);
    let _ = std::fs::remove_file(&jsonl);
    assert_eq!(report.inserted as usize, n, "{:?}", report.errors.first());
    let conn = Connection::open(&partial).unwrap();
    conn.execute_batch("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    std::fs::rename(&partial, path).expect("the benchmark database is renamed");
    eprintln!(
        "built in {:.1} s ({} mentions)",
        started.elapsed().as_secs_f64(),
        report.mentions
    );
}

/// p50 and p95 in ms of `RUNS` runs after two warm-ups; a query slower than a second
/// (a bare join on a store of a million articles) runs 5 times, so a run ends.
fn time<T>(mut f: impl FnMut() -> T) -> (f64, f64) {
    let first = Instant::now();
    std::hint::black_box(f());
    let runs = if first.elapsed() > Duration::from_secs(1) {
        5
    } else {
        std::hint::black_box(f());
        RUNS
    };
    let mut d: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1e3;
    (ms(d[runs / 2]), ms(d[(runs * 95 / 100).min(runs - 1)]))
}

fn df(conn: &Connection, word: &str) -> i64 {
    conn.query_row(
        "SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?1",
        [word],
        |r| r.get(0),
    )
    .unwrap()
}

fn main() {
    let path = match std::env::var_os("NEWSDB_BENCH_DB") {
        Some(p) => PathBuf::from(p),
        None => {
            let n: usize = std::env::var("NEWSDB_BENCH_ARTICLES")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(100_000);
            let p = std::env::temp_dir().join(format!(
                "newsdb-bench-g{GENERATOR}-v{}-{n}.sqlite",
                newsdb::db::latest_schema_version()
            ));
            if !p.exists() {
                build(&p, n);
            }
            p
        }
    };
    let store = Store::open(&path).expect("the benchmark database opens");
    let conn = store.conn();
    let total: i64 = conn
        .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    println!("database: {} ({total} articles)", path.display());

    // Words by measured document frequency: rare (< 1%), mid (closest to 10%), common (> 50%).
    let candidates = [
        "yukos",
        "ebbers",
        "tsunami",
        "playstation",
        "broadband",
        "chelsea",
        "election",
        "music",
        "film",
        "mobile",
        "market",
        "minister",
        "government",
        "people",
        "year",
        "said",
        "the",
    ];
    let freqs: Vec<(&str, f64)> = candidates
        .iter()
        .map(|w| (*w, df(conn, w) as f64 / total.max(1) as f64))
        .collect();
    // No listed word may be rare in a corpus of reshuffled paragraphs: then take a
    // word from the index's own vocabulary in 0.3-1% of the articles.
    let vocab_rare: Option<(String, f64)> = {
        conn.execute_batch(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab USING fts5vocab(main, 'articles_fts', 'row')",
        )
        .unwrap();
        conn.query_row(
            "SELECT term, doc FROM temp.bench_vocab WHERE doc BETWEEN ?1 AND ?2
             AND term GLOB '[a-z][a-z][a-z][a-z]*' ORDER BY doc DESC LIMIT 1",
            [total * 3 / 1000, total / 100],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)? as f64 / total.max(1) as f64,
                ))
            },
        )
        .ok()
    };
    let rare_word: Option<(&str, f64)> = freqs
        .iter()
        .filter(|(_, f)| *f > 0.0 && *f < 0.01)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .copied()
        .or(vocab_rare.as_ref().map(|(w, f)| (w.as_str(), *f)));
    let rare = rare_word.as_ref();
    let mid = freqs
        .iter()
        .min_by(|a, b| (a.1 - 0.1).abs().total_cmp(&(b.1 - 0.1).abs()));
    let common = freqs
        .iter()
        .filter(|(_, f)| *f > 0.5)
        .min_by(|a, b| a.1.total_cmp(&b.1));

    println!(
        "\n{:<48} {:>9} {:>9} {:>11} {:>7}",
        "query", "p50 ms", "p95 ms", "bare p50", "ratio"
    );
    let row = |label: String, (p50, p95): (f64, f64), bare: Option<f64>| match bare {
        Some(b) => println!(
            "{label:<48} {p50:>9.2} {p95:>9.2} {b:>11.2} {:>7.2}",
            p50 / b
        ),
        None => println!("{label:<48} {p50:>9.2} {p95:>9.2}"),
    };
    for (class, found) in [("rare", rare), ("mid", mid), ("common", common)] {
        let Some(&(word, f)) = found else {
            println!("{class}: no candidate word has that frequency here");
            continue;
        };
        let mut bare_stmt = conn
            .prepare(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1
                 ORDER BY bm25(articles_fts) LIMIT 10",
            )
            .unwrap();
        let bare = time(|| {
            bare_stmt
                .query_map([word], |r| r.get::<_, i64>(0))
                .unwrap()
                .count()
        });
        let label = format!("{class} '{word}' ({:.1}%)", f * 100.0);
        row(format!("{label} bare FTS5"), bare, None);
        let relevance = SearchOptions {
            limit: 10,
            ..Default::default()
        };
        let newest = SearchOptions {
            limit: 10,
            sort: Sort::Newest,
            ..Default::default()
        };
        let r = time(|| query::search(conn, word, &relevance).unwrap());
        row(format!("{label} relevance"), r, Some(bare.0));
        // The plain SQL for the newest ten matching articles: every match sorted by date.
        let mut bare_newest_stmt = conn
            .prepare(
                "SELECT a.id FROM articles a WHERE a.id IN
                     (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1)
                 ORDER BY a.published_at DESC, a.id DESC LIMIT 10",
            )
            .unwrap();
        let bare_newest = time(|| {
            bare_newest_stmt
                .query_map([word], |r| r.get::<_, i64>(0))
                .unwrap()
                .count()
        });
        row(format!("{label} newest, bare SQL"), bare_newest, None);
        let n = time(|| query::search(conn, word, &newest).unwrap());
        row(format!("{label} newest"), n, Some(bare_newest.0));
    }

    if std::env::var("NEWSDB_BENCH_ONLY").is_ok_and(|only| only == "search") {
        return;
    }
    let top = query::top_entities(conn, None, None, 1).unwrap();
    let Some(frequent) = top.first() else {
        println!("no entities: skipping entity queries");
        return;
    };
    let id_text = frequent.id.to_string();
    let label = format!("'{}' ({} articles)", frequent.name, frequent.articles);
    // Each entity query beside the SQL a user would write over the tables.
    let bare = |sql: &str| {
        let mut stmt = conn.prepare(sql).unwrap();
        time(|| {
            stmt.query_map([frequent.id.0], |r| r.get::<_, rusqlite::types::Value>(0))
                .unwrap()
                .count()
        })
    };
    let profile_bare = bare(
        "SELECT COUNT(*), COUNT(DISTINCT m.article_id), MIN(a.published_at), MAX(a.published_at)
         FROM mentions m JOIN articles a ON a.id = m.article_id WHERE m.entity_id = ?1",
    );
    row(format!("profile {label}, bare SQL"), profile_bare, None);
    row(
        format!("profile {label}"),
        time(|| query::entity_profile(conn, &id_text).unwrap()),
        Some(profile_bare.0),
    );
    let cooccur_bare = bare(
        "SELECT o.entity_id, COUNT(DISTINCT o.article_id || '/' || o.field || '/' || o.sentence) AS n
         FROM mentions s JOIN mentions o ON o.article_id = s.article_id AND o.field = s.field
              AND o.sentence = s.sentence
         WHERE s.entity_id = ?1 AND o.entity_id <> ?1
         GROUP BY o.entity_id ORDER BY n DESC LIMIT 20",
    );
    row(
        "co-occurrence, sentence, top 20, bare SQL".into(),
        cooccur_bare,
        None,
    );
    row(
        "co-occurrence, sentence, top 20".into(),
        time(|| query::cooccurrences(conn, frequent.id, Level::Sentence, 20).unwrap()),
        Some(cooccur_bare.0),
    );
    // Paragraph level reads `paragraph_pairs` (V13), article level `article_pairs` for a
    // frequent entity (V16); the bare SQL is the live join over the entity's articles.
    let wide = [
        (
            Level::Paragraph,
            "SELECT o.entity_id, COUNT(DISTINCT o.article_id || '/' || o.field || '/' || o.paragraph) AS n
             FROM mentions s JOIN mentions o ON o.article_id = s.article_id AND o.field = s.field
                  AND o.paragraph = s.paragraph
             WHERE s.entity_id = ?1 AND o.entity_id <> ?1
             GROUP BY o.entity_id ORDER BY n DESC LIMIT 20",
        ),
        (
            Level::Article,
            "SELECT o.entity_id, COUNT(DISTINCT o.article_id) AS n
             FROM mentions s JOIN mentions o ON o.article_id = s.article_id
             WHERE s.entity_id = ?1 AND o.entity_id <> ?1
             GROUP BY o.entity_id ORDER BY n DESC LIMIT 20",
        ),
    ];
    for (level, sql) in wide {
        let baseline = bare(sql);
        row(
            format!("co-occurrence, {}, top 20, bare SQL", level.as_str()),
            baseline,
            None,
        );
        row(
            format!("co-occurrence, {}, top 20", level.as_str()),
            time(|| query::cooccurrences(conn, frequent.id, level, 20).unwrap()),
            Some(baseline.0),
        );
    }
    // The slowest article level: the entity named in the most articles of those not
    // frequent, whose articles are read.
    let below: Option<(i64, i64)> = conn
        .query_row(
            "SELECT entity_id, units FROM entity_units WHERE level = 'article'
               AND entity_id NOT IN (SELECT entity_id FROM frequent_entities)
             ORDER BY units DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .unwrap();
    if let Some((id, articles)) = below {
        let mut stmt = conn.prepare(wide[1].1).unwrap();
        let baseline = time(|| {
            stmt.query_map([id], |r| r.get::<_, i64>(0))
                .unwrap()
                .count()
        });
        // (The most named entity of those below the threshold.)
        let label = format!("co-occurrence, article, {articles} articles");
        row(format!("{label}, bare SQL"), baseline, None);
        row(
            label,
            time(|| query::cooccurrences(conn, EntityId(id), Level::Article, 20).unwrap()),
            Some(baseline.0),
        );
    }
    let kwic_bare = bare(
        "SELECT substr(CASE m.field WHEN 'title' THEN a.title ELSE a.body END,
                       max(m.start_char - 39, 1), m.end_char - m.start_char + 80)
         FROM mentions m JOIN articles a ON a.id = m.article_id
         WHERE m.entity_id = ?1 ORDER BY m.article_id, m.start_char LIMIT 50",
    );
    row("50 KWIC rows, bare SQL".into(), kwic_bare, None);
    row(
        "50 KWIC rows".into(),
        time(|| query::mentions_in_context(conn, frequent.id, 40, 50).unwrap()),
        Some(kwic_bare.0),
    );
    let timeline_bare = bare(
        "SELECT substr(a.published_at, 1, 7) AS month, COUNT(*), COUNT(DISTINCT a.id)
         FROM mentions m JOIN articles a ON a.id = m.article_id
         WHERE m.entity_id = ?1 AND a.published_at IS NOT NULL
         GROUP BY month ORDER BY month",
    );
    row("timeline by month, bare SQL".into(), timeline_bare, None);
    row(
        "timeline by month".into(),
        time(|| query::timeline(conn, frequent.id, Bucket::Month, None).unwrap()),
        Some(timeline_bare.0),
    );

    // The entity list (`newsdb entities`), all kinds and per kind, beside counting the
    // mentions of every entity.
    let list_bare = {
        let mut stmt = conn
            .prepare(
                "SELECT entity_id, COUNT(*) AS n FROM mentions GROUP BY entity_id
                 ORDER BY n DESC LIMIT 50",
            )
            .unwrap();
        time(|| stmt.query_map([], |r| r.get::<_, i64>(0)).unwrap().count())
    };
    row("top 50 entities, bare SQL".into(), list_bare, None);
    row(
        "top 50 entities".into(),
        time(|| query::top_entities(conn, None, None, 50).unwrap()),
        Some(list_bare.0),
    );
    for kind in [EntityKind::Person, EntityKind::Misc] {
        row(
            format!("top 50 entities, {}", kind.as_str()),
            time(|| query::top_entities(conn, Some(kind), None, 50).unwrap()),
            Some(list_bare.0),
        );
    }

    // `newsdb check` once (it reads everything), and the file's size.
    let started = Instant::now();
    let problems = store.check().unwrap();
    println!(
        "check: {:.1} s, {} problem(s); file {:.0} MB",
        started.elapsed().as_secs_f64(),
        problems.len(),
        std::fs::metadata(&path).map_or(0, |m| m.len()) as f64 / 1e6
    );
}
