//! `newsdb extract`: tag articles without a database, one JSON Lines record each.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use newsdb::load::InputFormat;
use newsdb::ImportOptions;

use super::import::{progress_bar, show_event};
use super::Ctx;

/// Extract articles to JSON Lines, without a database: the map step of a corpus too
/// large for one machine.
///
/// Reads the inputs `import` reads (files, directories, `-` for standard input) and
/// writes one record per article, in input order: the article, its paragraphs (each
/// with its language and boilerplate flag) and its mentions (byte and character
/// spans, surface, sentence and paragraph, the tagger's confidence, the kind and
/// canonical name the in-article rules gave it). A record depends only on its
/// article, so a corpus can be extracted in pieces anywhere (`xargs -P`, GNU
/// parallel, Spark's `pipe`, Hadoop streaming) and the pieces imported together with
/// `newsdb import --extracted`, which gives the same store as importing the articles
/// directly. What needs the whole corpus is done there: paragraphs repeated across a
/// source's articles become boilerplate, and names are resolved across articles.
///
/// With `--format parquet --out DIR` it writes `DIR/articles.parquet`,
/// `DIR/paragraphs.parquet` and `DIR/mentions.parquet` instead (every row carries the
/// article's external id), which `newsdb resolve --parquet` resolves across articles
/// without a store, and DuckDB or Spark read as they are.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb extract seeds/ --out seeds.extracted.jsonl
  newsdb import --extracted seeds.extracted.jsonl
  newsdb extract archive/ --jobs 2 | gzip > archive.extracted.jsonl.gz
  newsdb import --extracted archive.extracted.jsonl.gz
  newsdb extract seeds/ --format parquet --out seeds.extract --force")]
pub struct Args {
    /// Files and directories to extract (`-` reads standard input: JSON Lines when
    /// its first non-blank character is `{`, else one text article).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write to this file instead of standard output (with `--format parquet`: the
    /// directory to write the Parquet files to).
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// With `--format parquet`: replace the Parquet files in `--out` if they exist.
    #[arg(long)]
    force: bool,
    /// The source of every record that names none (text files never do).
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// The publication date of every record that gives none (e.g. 2005-03-01).
    #[arg(long, value_name = "DATE", value_parser = newsdb::load::dates::published_date)]
    published: Option<String>,
    /// A record that names no source gets the first folder below the given
    /// directory as its source.
    #[arg(long)]
    source_from_dir: bool,
    /// Input format for every file, instead of choosing by extension.
    #[arg(long = "input-format", value_parser = parse_format)]
    input_format: Option<InputFormat>,
    /// Refuse records larger than this many bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_record_bytes: usize,
    /// Worker threads; 0 (the default) uses every core.
    #[arg(long, short = 'j', default_value_t = 0, hide_default_value = true,
          value_parser = clap::value_parser!(u16).range(0..=1024))]
    jobs: u16,
    /// No progress bar and no summary line.
    #[arg(long, short)]
    quiet: bool,
}

fn parse_format(s: &str) -> Result<InputFormat, String> {
    s.parse().map_err(|e: newsdb::Error| e.to_string())
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let opts = ImportOptions {
        format: args.input_format,
        max_record_bytes: args.max_record_bytes,
        jobs: usize::from(args.jobs),
        source: args.source,
        published: args.published,
        source_from_dir: args.source_from_dir,
        ..ImportOptions::default()
    };
    let bar = progress_bar(ctx, args.quiet);
    let mut on_event =
        |event: newsdb::load::ImportEvent<'_>| show_event(&bar, event, args.quiet, false);
    let report = if ctx.parquet {
        let Some(dir) = &args.out else {
            anyhow::bail!("--format parquet writes files: give the directory with --out DIR");
        };
        parquet(&args.paths, &opts, dir, args.force, &mut on_event)?
    } else {
        let mut out: Box<dyn Write> = match &args.out {
            Some(path) => Box::new(BufWriter::new(
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
            )),
            None => Box::new(BufWriter::new(std::io::stdout().lock())),
        };
        newsdb::load::extract_to(&args.paths, &opts, &mut out, &mut on_event)?
    };
    bar.finish_and_clear();
    if !args.quiet {
        eprintln!(
            "extracted {} article(s) ({} not in English), {} mentions, {} failed, {} warnings; \
             {:.1} MB in {:.2} s ({:.2} MB/s)",
            report.inserted,
            report.not_english,
            report.mentions,
            report.failed,
            report.warnings,
            report.bytes as f64 / 1e6,
            report.seconds,
            report.mb_per_second()
        );
    }
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(feature = "parquet")]
fn parquet(
    paths: &[PathBuf],
    opts: &ImportOptions,
    dir: &std::path::Path,
    force: bool,
    on_event: &mut dyn FnMut(newsdb::load::ImportEvent<'_>),
) -> Result<newsdb::load::ImportReport> {
    let mut writer = newsdb::scale::ExtractWriter::create(dir, force)
        .with_context(|| format!("writing Parquet to {}", dir.display()))?;
    let report =
        newsdb::load::extract_each(paths, opts, &mut |record| writer.write(&record), on_event)?;
    writer.finish()?;
    Ok(report)
}

#[cfg(not(feature = "parquet"))]
fn parquet(
    _: &[PathBuf],
    _: &ImportOptions,
    _: &std::path::Path,
    _: bool,
    _: &mut dyn FnMut(newsdb::load::ImportEvent<'_>),
) -> Result<newsdb::load::ImportReport> {
    anyhow::bail!("this newsdb was built without the `parquet` feature")
}
