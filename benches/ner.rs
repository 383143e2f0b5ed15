//! Tagging speed over a directory of news texts (default: the BBC corpus), single
//! thread: `cargo bench --bench ner [-- DIR]`. Prints tokens per second
//! of `tokenize` alone and of `Model::extract` (tokenize + split + tag) in the same run.

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

    let t0 = Instant::now();
    let tokens: usize = texts.iter().map(|t| tokenize(t).len()).sum();
    let tok_secs = t0.elapsed().as_secs_f64();

    let t0 = Instant::now();
    let spans: usize = texts.iter().map(|t| model.extract(t).len()).sum();
    let tag_secs = t0.elapsed().as_secs_f64();

    println!(
        "tokenize: {tokens} tokens in {tok_secs:.3}s = {:.0} tokens/s",
        tokens as f64 / tok_secs
    );
    println!(
        "extract:  {tokens} tokens in {tag_secs:.3}s = {:.0} tokens/s ({spans} spans)",
        tokens as f64 / tag_secs
    );
    Ok(())
}
