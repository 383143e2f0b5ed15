//! Import benchmark: builds corpora of N articles from the BBC texts (paragraphs
//! reshuffled within a category, unique ids, dates over 2004-2005) in four shapes real
//! feeds have, then imports each into a fresh file, each run in its own process so
//! peak RSS is its own:
//!
//! - (a) `plain`: unique articles, no source;
//! - (b) `footer`: one source, the same footer line in every article;
//! - (c) `updates`: one source, 20% of records updated versions of earlier stories;
//! - (d) `sources`: ten sources, each with its footer line;
//! - (e) `large`, only when asked for (`NEWSDB_BENCH_CORPORA=large`): one record of
//!   9 MB (a whole feed pasted into one record) per 1000 articles asked for, at least
//!   two: the memory a huge record costs (peak RSS), imported with
//!   `--max-record-bytes` 10 MB;
//! - (f) `archive`, only when asked for: the shape of (d) dated over 30 years
//!   (1996-2025), the corpus of `scripts/run_1m.sh`.
//!
//! On (a) it runs a baseline, a raw rusqlite insert of the same rows into the same
//! schema (same batch size, page cache and batch-level FTS5 indexing), then `newsdb`
//! import with `--no-extract` and with extraction; on (b)-(d) the import with
//! extraction. It ends with each corpus's rate against (a) and the largest size's
//! rate against the smallest (a linear import keeps it within 15%).
//!
//! Run: `cargo bench --bench import` (sizes 10000 and 100000;
//! `NEWSDB_BENCH_ARTICLES=10000,100000` and `NEWSDB_BENCH_CORPORA=plain,footer` to
//! choose). Needs ../shared/data/bbc.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use newsdb::{ImportOptions, Store};

fn bbc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/bbc")
}

fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data")
}

/// A small deterministic generator (xorshift64*): the corpus is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Source {
    title: String,
    paragraphs: Vec<String>,
}

fn read_bbc() -> Vec<Vec<Source>> {
    let mut categories = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(bbc_dir())
        .expect("../shared/data/bbc is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("category directory")
            .map(|e| e.expect("directory entry").path())
            .collect();
        files.sort();
        let mut articles = Vec::new();
        for f in files {
            let bytes = std::fs::read(&f).expect("BBC file is readable");
            let text = String::from_utf8_lossy(&bytes);
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let Some(title) = lines.next() else { continue };
            let paragraphs: Vec<String> = lines.map(str::to_string).collect();
            if !paragraphs.is_empty() {
                articles.push(Source {
                    title: title.to_string(),
                    paragraphs,
                });
            }
        }
        categories.push(articles);
    }
    categories
}

/// What a generated corpus contains, beside unique articles built from BBC texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Corpus {
    /// (a) Unique articles, no source.
    Plain,
    /// (b) The same articles from one source, each ending with the same footer line.
    Footer,
    /// (c) One source; 20% of records are updated versions of earlier stories under new
    /// ids (a paragraph replaced, most paragraphs shared), as feeds re-publish them.
    Updates,
    /// (d) Ten sources, each with its own footer line.
    Sources,
    /// (e) Records of 9 MB, one per 1000 articles asked for (at least two).
    Large,
    /// (f) The shape of (d) dated over 30 years (1996-2025): the archive of the
    /// million-article run (`scripts/run_1m.sh`).
    Archive,
}

impl Corpus {
    const ALL: [Corpus; 6] = [
        Corpus::Plain,
        Corpus::Footer,
        Corpus::Updates,
        Corpus::Sources,
        Corpus::Large,
        Corpus::Archive,
    ];

    fn name(self) -> &'static str {
        match self {
            Corpus::Plain => "plain",
            Corpus::Footer => "footer",
            Corpus::Updates => "updates",
            Corpus::Sources => "sources",
            Corpus::Large => "large",
            Corpus::Archive => "archive",
        }
    }
}

/// Bumped whenever the generator changes, so a cached corpus is never stale.
const GENERATOR_VERSION: u32 = 2;

/// Writes the corpus as JSON Lines (reused when it already exists).
///
/// Every paragraph gets a short numeric suffix unique to its article, as real stories
/// rarely share whole paragraphs: without it, every paragraph of a source would repeat
/// and become boilerplate. Only the footers (and the shared paragraphs of updated
/// stories) repeat.
fn build_corpus(n: usize, kind: Corpus) -> (PathBuf, u64) {
    let path = work_dir().join(format!(
        "corpus-v{GENERATOR_VERSION}-{}-{n}.jsonl",
        kind.name()
    ));
    if let Ok(md) = std::fs::metadata(&path) {
        return (path, md.len());
    }
    std::fs::create_dir_all(work_dir()).expect("target/bench-data can be created");
    let categories = read_bbc();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let tmp = path.with_extension("tmp");
    let mut out = BufWriter::new(std::fs::File::create(&tmp).expect("corpus file"));
    if kind == Corpus::Large {
        for i in 0..(n / 1000).max(2) {
            let mut body = String::new();
            let mut j = 0;
            while body.len() < 9_000_000 {
                let cat = &categories[rng.below(categories.len())];
                let story = &cat[rng.below(cat.len())];
                let p = &story.paragraphs[rng.below(story.paragraphs.len())];
                body.push_str(&format!("{p} ({i}.{j})\n"));
                j += 1;
            }
            let record = serde_json::json!({
                "id": format!("large-{i:04}"),
                "title": format!("Feed dump {i}"),
                "body": body.trim_end(),
            });
            writeln!(out, "{record}").expect("corpus write");
        }
    }
    // Articles of the other shapes (none more for `large`).
    let articles = if kind == Corpus::Large { 0 } else { n };
    // Earlier stories (title, paragraphs) that an update may re-publish.
    let mut stories: Vec<(String, Vec<String>)> = Vec::new();
    for i in 0..articles {
        let cat = &categories[rng.below(categories.len())];
        let (title, mut body) = if kind == Corpus::Updates && i > 0 && rng.below(5) == 0 {
            let (title, body) = &stories[rng.below(stories.len())];
            let mut body = body.clone();
            let other = &cat[rng.below(cat.len())];
            let k = rng.below(body.len());
            body[k] = format!(
                "{} ({i}.u)",
                other.paragraphs[rng.below(other.paragraphs.len())]
            );
            (format!("{title} (updated {i})"), body)
        } else {
            let base = &cat[rng.below(cat.len())];
            let k = 3 + rng.below(6);
            let mut body = Vec::with_capacity(k + 1);
            body.push(format!("{} ({i}.0)", base.paragraphs[0]));
            for j in 1..k {
                let other = &cat[rng.below(cat.len())];
                body.push(format!(
                    "{} ({i}.{j})",
                    other.paragraphs[rng.below(other.paragraphs.len())]
                ));
            }
            (format!("{} ({i})", base.title), body)
        };
        if kind == Corpus::Updates {
            stories.push((title.clone(), body.clone()));
        }
        let source = match kind {
            Corpus::Plain | Corpus::Large => None,
            Corpus::Footer | Corpus::Updates => Some("bbc".to_string()),
            Corpus::Sources | Corpus::Archive => Some(format!("source-{}", rng.below(10))),
        };
        match (kind, &source) {
            (Corpus::Footer, _) => body.push(
                "Copyright 2005 BBC News. All rights reserved. Follow us for more stories."
                    .to_string(),
            ),
            (Corpus::Sources | Corpus::Archive, Some(s)) => body.push(format!(
                "Copyright 2005 {s}. All rights reserved. Sign up to the {s} newsletter."
            )),
            _ => {}
        }
        let (first_year, days) = if kind == Corpus::Archive {
            (1996, 10_958)
        } else {
            (2004, 730)
        };
        let day = rng.below(days);
        let mut record = serde_json::json!({
            "id": format!("bench-{i:06}"),
            "title": title,
            "body": body.join("\n"),
            "published": chrono_like_date(first_year, day),
        });
        if let Some(s) = source {
            record["source"] = s.into();
        }
        writeln!(out, "{record}").expect("corpus write");
    }
    out.flush().expect("corpus flush");
    drop(out);
    std::fs::rename(&tmp, &path).expect("corpus rename");
    let len = std::fs::metadata(&path).expect("corpus exists").len();
    (path, len)
}

/// Day `d` after January 1 of `first_year` as YYYY-MM-DD (no calendar crate needed for
/// a bench; every fourth year is a leap year, true from 1901 to 2099).
fn chrono_like_date(first_year: usize, d: usize) -> String {
    const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut year, mut d) = (first_year, d);
    loop {
        let len = if year % 4 == 0 { 366 } else { 365 };
        if d < len {
            break;
        }
        d -= len;
        year += 1;
    }
    for (m, days) in DAYS.iter().enumerate() {
        let days = if m == 1 && year % 4 == 0 { 29 } else { *days };
        if d < days {
            return format!("{year}-{:02}-{:02}", m + 1, d + 1);
        }
        d -= days;
    }
    unreachable!("a day index within the year always lands in a month")
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

const SQL_RAW_INSERT: &str = "INSERT INTO articles
    (external_id, title, body, published_at, content_hash, origin, imported_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";
const SQL_RAW_FTS: &str = "INSERT INTO articles_fts (rowid, title, body) VALUES (?1, ?2, ?3)";
const SQL_FTS_TRIGGER: &str =
    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'articles_ai'";

/// Phase run in a child process: prints `seconds articles peak_rss_mb`.
fn phase(name: &str, corpus: &Path, db: &Path) {
    let _ = std::fs::remove_file(db);
    let started = Instant::now();
    let articles = match name {
        "raw" => {
            // Like for like with the loader: the same batch size, page cache and
            // batch-level full-text indexing (the trigger dropped inside each
            // transaction, rows indexed explicitly, the trigger restored before commit).
            let mut store = Store::open(db).expect("bench database opens");
            drop(store.counts());
            let conn = rusqlite::Connection::open(db).expect("raw connection");
            conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;")
                .expect("pragmas");
            let trigger: String = conn
                .query_row(SQL_FTS_TRIGGER, [], |r| r.get(0))
                .expect("the schema has articles_ai");
            let batch = ImportOptions::default().batch_size as u64;
            let begin = || {
                conn.execute_batch("BEGIN IMMEDIATE; DROP TRIGGER articles_ai;")
                    .expect("begin")
            };
            let commit = || {
                conn.execute_batch(&trigger).expect("trigger restored");
                conn.execute_batch("COMMIT").expect("commit");
            };
            begin();
            let mut n = 0u64;
            {
                let mut stmt = conn.prepare(SQL_RAW_INSERT).expect("prepare");
                let mut fts = conn.prepare(SQL_RAW_FTS).expect("prepare");
                let f = std::io::BufReader::new(std::fs::File::open(corpus).expect("corpus"));
                for line in f.lines() {
                    let line = line.expect("corpus line");
                    let v: serde_json::Value = serde_json::from_str(&line).expect("corpus JSON");
                    let (title, body) = (
                        v["title"].as_str().unwrap_or(""),
                        v["body"].as_str().unwrap_or(""),
                    );
                    stmt.execute(rusqlite::params![
                        v["id"].as_str(),
                        title,
                        body,
                        v["published"].as_str(),
                        newsdb::content_hash(title, body),
                        corpus.display().to_string(),
                    ])
                    .expect("raw insert");
                    fts.execute(rusqlite::params![conn.last_insert_rowid(), title, body])
                        .expect("raw index");
                    n += 1;
                    if n % batch == 0 {
                        commit();
                        begin();
                    }
                }
            }
            commit();
            conn.execute_batch("INSERT INTO articles_fts(articles_fts) VALUES ('optimize')")
                .expect("optimize, as the loader does after a bulk import");
            store = Store::open(db).expect("reopen");
            store.counts().expect("counts").articles as u64
        }
        "no-extract" | "extract" => {
            let mut store = Store::open(db).expect("bench database opens");
            let opts = ImportOptions {
                extract: name == "extract",
                max_record_bytes: 10 * 1024 * 1024,
                ..Default::default()
            };
            let report = store
                .import(&[corpus.to_path_buf()], &opts)
                .expect("import runs");
            assert_eq!(report.failed, 0, "the bench corpus imports cleanly");
            report.inserted
        }
        other => panic!("unknown phase {other}"),
    };
    println!(
        "{} {} {}",
        started.elapsed().as_secs_f64(),
        articles,
        peak_rss_mb()
    );
}

/// Runs one phase in its own process: (seconds, articles, peak RSS MB, db MB).
fn run_phase(name: &str, corpus: &Path, db: &Path) -> (f64, f64, f64, f64) {
    let me = std::env::current_exe().expect("bench binary path");
    let out = Command::new(&me)
        .args(["--phase", name])
        .arg(corpus)
        .arg(db)
        .output()
        .expect("phase runs");
    assert!(
        out.status.success(),
        "phase {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<f64> = text
        .split_whitespace()
        .map(|x| x.parse().expect("phase output is numbers"))
        .collect();
    let db_mb = std::fs::metadata(db).map_or(0.0, |m| m.len() as f64 / 1e6);
    (f[0], f[1], f[2], db_mb)
}

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--phase") {
        phase(
            &args[i + 1],
            Path::new(&args[i + 2]),
            Path::new(&args[i + 3]),
        );
        return;
    }
    if !bbc_dir().is_dir() {
        eprintln!("skipping: {} is absent", bbc_dir().display());
        return;
    }
    let sizes: Vec<usize> = env_list("NEWSDB_BENCH_ARTICLES", "10000,100000")
        .iter()
        .map(|v| {
            v.parse()
                .expect("NEWSDB_BENCH_ARTICLES is a list of numbers")
        })
        .collect();
    let wanted = env_list("NEWSDB_BENCH_CORPORA", "plain,footer,updates,sources");
    let corpora: Vec<Corpus> = Corpus::ALL
        .into_iter()
        .filter(|c| wanted.iter().any(|w| w == c.name()))
        .collect();
    println!(
        "| articles | corpus | run | seconds | articles/s | MB/s | vs raw | peak RSS MB | db MB |"
    );
    println!("|---:|---|---|---:|---:|---:|---:|---:|---:|");
    // MB/s with extraction per (size, corpus), for the ratios below.
    let mut rates: Vec<(usize, Corpus, f64)> = Vec::new();
    for &n in &sizes {
        let mut raw_mbs = f64::NAN;
        for &kind in &corpora {
            let t = Instant::now();
            let (corpus, bytes) = build_corpus(n, kind);
            eprintln!(
                "corpus {}: {n} articles, {:.1} MB ({:.1} s to build or find)",
                kind.name(),
                bytes as f64 / 1e6,
                t.elapsed().as_secs_f64()
            );
            let runs: &[&str] = if kind == Corpus::Plain {
                &["raw", "no-extract", "extract"]
            } else {
                &["extract"]
            };
            for &name in runs {
                let db = work_dir().join(format!("bench-{name}.sqlite"));
                let (secs, articles, rss, db_mb) = run_phase(name, &corpus, &db);
                let mbs = bytes as f64 / 1e6 / secs;
                if name == "raw" {
                    raw_mbs = mbs;
                }
                if name == "extract" {
                    rates.push((n, kind, mbs));
                }
                // Only (a) runs the raw baseline: the others compare with (a) below.
                let vs_raw = if raw_mbs.is_nan() {
                    "-".to_string()
                } else {
                    format!("{:.0}%", 100.0 * mbs / raw_mbs)
                };
                println!(
                    "| {n} | {} | {name} | {secs:.1} | {:.0} | {mbs:.2} | {vs_raw} | {rss:.0} | {db_mb:.0} |",
                    kind.name(),
                    articles / secs,
                );
            }
        }
    }
    let rate = |n: usize, k: Corpus| rates.iter().find(|r| r.0 == n && r.1 == k).map(|r| r.2);
    println!();
    println!("With extraction: each corpus against (a) plain, and the largest size against the smallest (linear: within 15%).");
    println!("| corpus | MB/s per size | vs plain at the largest size | largest / smallest |");
    println!("|---|---|---:|---:|");
    let (small, large) = (sizes.iter().min(), sizes.iter().max());
    for &kind in &corpora {
        let per_size: Vec<String> = sizes
            .iter()
            .filter_map(|&n| rate(n, kind).map(|r| format!("{n}: {r:.2}")))
            .collect();
        let vs_plain = large
            .and_then(|&n| Some(rate(n, kind)? / rate(n, Corpus::Plain)?))
            .map_or("-".to_string(), |r| format!("{:.0}%", 100.0 * r));
        let scale = small
            .zip(large)
            .and_then(|(&a, &b)| Some(rate(b, kind)? / rate(a, kind)?))
            .map_or("-".to_string(), |r| format!("{:.0}%", 100.0 * r));
        println!(
            "| {} | {} | {vs_plain} | {scale} |",
            kind.name(),
            per_size.join(", ")
        );
    }
}
