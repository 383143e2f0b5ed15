//! Tagging speed over a directory of news texts (default: the BBC corpus), single
//! thread: `cargo bench --bench ner [-- DIR]`. Prints tokens per second of `tokenize`
//! alone (the baseline) and of `Model::extract` (tokenize + split + tag) in the same
//! run: one untimed warm-up pass over all texts (page cache, allocator, the per-thread
//! word caches), then `NEWSDB_BENCH_PASSES` timed passes (default 5), reported as the
//! median with the fastest and slowest pass and their spread around the median.

use std::path::{Path, PathBuf};
use std::time::Instant;

use newsdb::ner::{tokenize, Model};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    // `cargo bench` passes `--bench`; any other argument is the directory.
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/bbc"))
        });
    let mut files = Vec::new();
    collect(&dir, &mut files)?;
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|p| std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()))
        .collect::<Result<_, _>>()?;
    let bytes: usize = texts.iter().map(String::len).sum();
    let model = Model::embedded();
    println!(
        "{} texts, {} bytes, model {} {}",
        texts.len(),
        bytes,
        model.name(),
        model.version()
    );

    let passes: usize = std::env::var("NEWSDB_BENCH_PASSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(5);
    let tokens: usize = texts.iter().map(|t| tokenize(t).len()).sum();
    let spans: usize = texts.iter().map(|t| model.extract(t).len()).sum();
    println!("{tokens} tokens, {spans} spans; warm-up pass done, {passes} timed passes");

    report(
        "tokenize",
        tokens,
        &timed(passes, || texts.iter().map(|t| tokenize(t).len()).sum()),
    );
    report(
        "extract",
        tokens,
        &timed(passes, || {
            texts.iter().map(|t| model.extract(t).len()).sum()
        }),
    );
    Ok(())
}

/// Seconds of each of `passes` runs of `f`, sorted.
fn timed(passes: usize, mut f: impl FnMut() -> usize) -> Vec<f64> {
    let mut secs: Vec<f64> = (0..passes)
        .map(|_| {
            let t0 = Instant::now();
            std::hint::black_box(f());
            t0.elapsed().as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    secs
}

/// Median tokens/s, the slowest and fastest pass, and their spread around the median.
fn report(label: &str, tokens: usize, secs: &[f64]) {
    let median = if secs.len() % 2 == 1 {
        secs[secs.len() / 2]
    } else {
        (secs[secs.len() / 2 - 1] + secs[secs.len() / 2]) / 2.0
    };
    let rate = |s: f64| tokens as f64 / s;
    let (fastest, slowest) = (secs[0], secs[secs.len() - 1]);
    println!(
        "{label:<9} median {:.0} tokens/s ({median:.3} s/pass); slowest {:.0}, fastest {:.0} \
         (-{:.1}% / +{:.1}%)",
        rate(median),
        rate(slowest),
        rate(fastest),
        (1.0 - rate(slowest) / rate(median)) * 100.0,
        (rate(fastest) / rate(median) - 1.0) * 100.0,
    );
}
