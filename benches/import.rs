//! Import benchmark: builds N unique articles from the BBC corpus (paragraphs
//! reshuffled within a category, unique ids, dates over 2004-2005), then imports them
//! into fresh files three ways, each in its own process so peak RSS is its own:
//!
//! 1. baseline: a raw rusqlite insert of the same rows into the same schema (same
//!    FTS5 index and triggers), no parsing pipeline, no extraction;
//! 2. `newsdb` import with `--no-extract`;
//! 3. `newsdb` import with extraction (NER and resolution).
//!
//! Run: `cargo bench --bench import` (N = 100000; set NEWSDB_BENCH_ARTICLES to change
//! it). Needs ../shared/data/bbc.

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

/// Writes the corpus as JSON Lines (reused when it already exists).
fn build_corpus(n: usize) -> (PathBuf, u64) {
    let path = work_dir().join(format!("corpus-{n}.jsonl"));
    if let Ok(md) = std::fs::metadata(&path) {
        return (path, md.len());
    }
    std::fs::create_dir_all(work_dir()).expect("target/bench-data can be created");
    let categories = read_bbc();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let tmp = path.with_extension("tmp");
    let mut out = BufWriter::new(std::fs::File::create(&tmp).expect("corpus file"));
    for i in 0..n {
        let cat = &categories[rng.below(categories.len())];
        let base = &cat[rng.below(cat.len())];
        let k = 3 + rng.below(6);
        let mut body = Vec::with_capacity(k);
        body.push(base.paragraphs[0].clone());
        for _ in 1..k {
            let other = &cat[rng.below(cat.len())];
            body.push(other.paragraphs[rng.below(other.paragraphs.len())].clone());
        }
        let day = rng.below(730);
        let date = chrono_like_date(day);
        let record = serde_json::json!({
            "id": format!("bench-{i:06}"),
            "title": format!("{} ({i})", base.title),
            "body": body.join("\n"),
            "published": date,
        });
        writeln!(out, "{record}").expect("corpus write");
    }
    out.flush().expect("corpus flush");
    drop(out);
    std::fs::rename(&tmp, &path).expect("corpus rename");
    let len = std::fs::metadata(&path).expect("corpus exists").len();
    (path, len)
}

/// Day `d` after 2004-01-01 as YYYY-MM-DD (no calendar crate needed for a bench).
fn chrono_like_date(d: usize) -> String {
    const DAYS: [usize; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut year, mut d) = (2004, d);
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

/// Phase run in a child process: prints `seconds articles peak_rss_mb`.
fn phase(name: &str, corpus: &Path, db: &Path) {
    let _ = std::fs::remove_file(db);
    let started = Instant::now();
    let articles = match name {
        "raw" => {
            let mut store = Store::open(db).expect("bench database opens");
            drop(store.counts());
            let conn = rusqlite::Connection::open(db).expect("raw connection");
            conn.execute_batch("PRAGMA synchronous = NORMAL; BEGIN")
                .expect("begin");
            let mut n = 0u64;
            {
                let mut stmt = conn.prepare(SQL_RAW_INSERT).expect("prepare");
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
                    n += 1;
                    if n % 256 == 0 {
                        conn.execute_batch("COMMIT; BEGIN").expect("commit");
                    }
                }
            }
            conn.execute_batch("COMMIT").expect("commit");
            store = Store::open(db).expect("reopen");
            store.counts().expect("counts").articles as u64
        }
        "no-extract" | "extract" => {
            let mut store = Store::open(db).expect("bench database opens");
            let opts = ImportOptions {
                extract: name == "extract",
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
    let n: usize = std::env::var("NEWSDB_BENCH_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let t = Instant::now();
    let (corpus, bytes) = build_corpus(n);
    eprintln!(
        "corpus: {n} articles, {:.1} MB ({:.1} s to build or find)",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let me = std::env::current_exe().expect("bench binary path");
    let mut results = Vec::new();
    for name in ["raw", "no-extract", "extract"] {
        let db = work_dir().join(format!("bench-{name}.sqlite"));
        let out = Command::new(&me)
            .args(["--phase", name])
            .arg(&corpus)
            .arg(&db)
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
        let (secs, articles, rss) = (f[0], f[1], f[2]);
        let db_mb = std::fs::metadata(&db).map_or(0.0, |m| m.len() as f64 / 1e6);
        results.push((name, secs, articles, rss, db_mb));
    }
    let raw_mbs = bytes as f64 / 1e6 / results[0].1;
    println!("| run | seconds | articles | articles/s | MB/s | vs raw | peak RSS MB | db MB |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, secs, articles, rss, db_mb) in &results {
        let mbs = bytes as f64 / 1e6 / secs;
        println!(
            "| {name} | {secs:.1} | {articles:.0} | {:.0} | {mbs:.2} | {:.0}% | {rss:.0} | {db_mb:.0} |",
            articles / secs,
            100.0 * mbs / raw_mbs
        );
    }
}
