//! Query-layer latency, with the bare FTS5 ranking query timed in the same run as a
//! baseline.
//!
//! ```sh
//! NEWSDB_BENCH_DB=big.sqlite cargo bench --bench query
//! ```
//!
//! Without `NEWSDB_BENCH_DB` it builds (once, in the temp directory) a database of
//! `NEWSDB_BENCH_ARTICLES` articles (default 100000) from copies of
//! `../shared/data/bbc/*/*.txt`, each with its own external id and a scrambled
//! publication date, and a few gazetteer mentions per article with sentence and
//! paragraph numbers (`NEWSDB_BENCH_CORPUS` points elsewhere). Words are chosen by
//! their measured document frequency.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use newsdb::query::{self, Bucket, Level, SearchOptions, Sort};
use newsdb::{EntityKind, Field, NewMention, Store};
use rusqlite::{params, Connection};

const RUNS: usize = 20;

/// Names the fixture builder marks wherever they occur.
const GAZETTEER: &[(&str, EntityKind)] = &[
    ("Blair", EntityKind::Person),
    ("Brown", EntityKind::Person),
    ("Howard", EntityKind::Person),
    ("Bush", EntityKind::Person),
    ("Labour", EntityKind::Organization),
    ("Microsoft", EntityKind::Organization),
    ("Apple", EntityKind::Organization),
    ("Google", EntityKind::Organization),
    ("BBC", EntityKind::Organization),
    ("Chelsea", EntityKind::Organization),
    ("Arsenal", EntityKind::Organization),
    ("UK", EntityKind::Location),
    ("US", EntityKind::Location),
    ("London", EntityKind::Location),
    ("Europe", EntityKind::Location),
    ("China", EntityKind::Location),
    ("Iraq", EntityKind::Location),
    ("Japan", EntityKind::Location),
    ("England", EntityKind::Location),
    ("Wales", EntityKind::Location),
    ("British", EntityKind::Misc),
    ("European", EntityKind::Misc),
];

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

/// Builds a benchmark database of `n` articles at `path`.
fn build(path: &Path, n: usize) {
    let root = std::env::var_os("NEWSDB_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc"));
    let corpus = bbc_articles(&root);
    assert!(!corpus.is_empty(), "no articles under {}", root.display());
    eprintln!("building {} ({n} articles)...", path.display());
    let started = Instant::now();
    let mut store = Store::open(path).expect("the benchmark database opens");
    let ids: Vec<_> = GAZETTEER
        .iter()
        .map(|(name, kind)| store.entity_get_or_create(*kind, name).unwrap())
        .collect();
    drop(store);
    // One transaction for everything: the store's per-article transactions would
    // make building 100k articles take minutes.
    let mut conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = OFF;")
        .unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut art = tx
            .prepare(
                "INSERT INTO articles (external_id, title, body, language, source, published_at,
                 content_hash, imported_at) VALUES (?1, ?2, ?3, 'eng', 'bbc', ?4, ?5, '2024-01-01')",
            )
            .unwrap();
        let mut men = tx
            .prepare(
                "INSERT INTO mentions (article_id, entity_id, field, start_char, end_char,
                 start_byte, end_byte, surface, sentence, paragraph) VALUES
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .unwrap();
        for i in 0..n {
            let (title, body) = &corpus[i % corpus.len()];
            // Dates scrambled against ids, so newest-first cannot lean on rowid order.
            let k = (i as u64).wrapping_mul(2_654_435_761) % 3_650;
            let date = format!(
                "{}-{:02}-{:02}T12:00:00Z",
                2010 + k / 365,
                1 + (k % 365) / 31 % 12,
                1 + k % 28
            );
            let hash = newsdb::content_hash(title, body);
            art.execute(params![format!("bbc-{i}"), title, body, date, hash])
                .unwrap();
            let article = tx.last_insert_rowid();
            let mut marked = 0;
            for ((name, _), id) in GAZETTEER.iter().zip(&ids) {
                for (start, _) in body.match_indices(name).take(3) {
                    let end = start + name.len();
                    let word_edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
                    if !word_edge(body[..start].chars().next_back())
                        || !word_edge(body[end..].chars().next())
                    {
                        continue;
                    }
                    let m =
                        NewMention::from_byte_range(*id, Field::Body, body, start, end).unwrap();
                    let before = &body[..start];
                    men.execute(params![
                        article,
                        id,
                        "body",
                        m.start_char,
                        m.end_char,
                        m.start_byte,
                        m.end_byte,
                        m.surface,
                        before.matches(". ").count() as i64 + before.matches('\n').count() as i64,
                        before.matches('\n').count() as i64
                    ])
                    .unwrap();
                    marked += 1;
                }
                if marked >= 12 {
                    break;
                }
            }
        }
    }
    tx.commit().unwrap();
    conn.execute_batch("ANALYZE").unwrap();
    eprintln!("built in {:.1} s", started.elapsed().as_secs_f64());
}

fn time<T>(mut f: impl FnMut() -> T) -> (f64, f64) {
    for _ in 0..2 {
        std::hint::black_box(f());
    }
    let mut d: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect();
    d.sort();
    let ms = |x: Duration| x.as_secs_f64() * 1e3;
    (ms(d[RUNS / 2]), ms(d[(RUNS * 95 / 100).min(RUNS - 1)]))
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
                "newsdb-bench-v{}-{n}.sqlite",
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
        "\n{:<34} {:>9} {:>9} {:>11} {:>7}",
        "query", "p50 ms", "p95 ms", "bare p50", "ratio"
    );
    let row = |label: String, (p50, p95): (f64, f64), bare: Option<f64>| match bare {
        Some(b) => println!(
            "{label:<34} {p50:>9.2} {p95:>9.2} {b:>11.2} {:>7.2}",
            p50 / b
        ),
        None => println!("{label:<34} {p50:>9.2} {p95:>9.2}"),
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
        let n = time(|| query::search(conn, word, &newest).unwrap());
        row(format!("{label} newest"), n, None);
    }

    let top = query::top_entities(conn, None, None, 1).unwrap();
    let Some(frequent) = top.first() else {
        println!("no entities: skipping entity queries");
        return;
    };
    let id_text = frequent.id.to_string();
    let label = format!("'{}' ({} articles)", frequent.name, frequent.articles);
    row(
        format!("profile {label}"),
        time(|| query::entity_profile(conn, &id_text).unwrap()),
        None,
    );
    row(
        "co-occurrence, sentence, top 20".into(),
        time(|| query::cooccurrences(conn, frequent.id, Level::Sentence, 20).unwrap()),
        None,
    );
    row(
        "50 KWIC rows".into(),
        time(|| query::mentions_in_context(conn, frequent.id, 40, 50).unwrap()),
        None,
    );
    row(
        "timeline by month".into(),
        time(|| query::timeline(conn, frequent.id, Bucket::Month).unwrap()),
        None,
    );
}
