//! `newsdb import`: load news files into the database.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newsdb::load::{ImportEvent, InputFormat, Severity};
use newsdb::ImportOptions;

use super::Ctx;

/// Import articles from files, directories and standard input.
///
/// Formats are chosen by extension (`.gz` is decompressed on the fly):
/// `.txt` is one article (first non-empty line the title, each following non-empty
/// line a paragraph); `.jsonl`/`.ndjson` one JSON object per line; `.json` a JSON
/// array; `.csv`/`.tsv` a table with a header row. Records use the fields `id` (or
/// `external_id`, which wins), `title`, `body` (or `text`), and optionally `url`,
/// `source`, `published` (or `published_at`, `date`) and `language`.
///
/// Importing unchanged articles again writes nothing; an article whose content changed
/// is updated and its entities extracted again; the same content under another id is
/// skipped as a duplicate. Bad records are printed on stderr and recorded in the
/// `import_errors` table, and the run goes on: the exit code is 1 if any failed.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb import seeds/
  newsdb import archive/ --jobs 2 --json
  newsdb import feed.jsonl.gz --dry-run
  cat items.jsonl | newsdb import - --input-format jsonl
  newsdb import export.csv --strict
  newsdb import archive/ --source-from-dir
  newsdb import archive/ --source bbc --published 2005-03-01")]
pub struct Args {
    /// Files and directories to import (`-` reads standard input: JSON Lines when its
    /// first non-blank character is `{`, else one text article).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The source of every record that names none (text files never do).
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// The publication date of every record that gives none (e.g. 2005-03-01).
    #[arg(long, value_name = "DATE", value_parser = newsdb::load::dates::published_date)]
    published: Option<String>,
    /// A record that names no source gets the first folder below the imported
    /// directory as its source (`sport` for `bbc/sport/001.txt` when importing
    /// `bbc/`); --source then covers files outside any folder.
    #[arg(long)]
    source_from_dir: bool,
    /// Input format for every file, instead of choosing by extension.
    #[arg(long = "input-format", alias = "in", value_parser = parse_format)]
    input_format: Option<InputFormat>,
    /// Store articles even when another external id has the same content.
    #[arg(long)]
    keep_duplicates: bool,
    /// Skip entity extraction (store articles and paragraphs only).
    #[arg(long)]
    no_extract: bool,
    /// The inputs are JSON Lines written by `newsdb extract`: store their paragraphs
    /// and mentions as they are, without tagging again (the store equals a direct
    /// import of the same articles).
    #[arg(long, conflicts_with_all = ["input_format", "source", "published", "source_from_dir"])]
    extracted: bool,
    /// Add your aliases from this file first (`alias<TAB>kind<TAB>canonical` per
    /// line; see `newsdb aliases --help`). They stay in the database.
    #[arg(long, value_name = "FILE")]
    aliases: Option<PathBuf>,
    /// Parse, extract and report what the import would do, but write nothing: a dry
    /// run only reads the database and takes no write lock.
    #[arg(long)]
    dry_run: bool,
    /// Stop at the first bad record and roll the whole import back. The import is one
    /// transaction: other writers wait until it ends.
    #[arg(long)]
    strict: bool,
    /// Refuse records larger than this many bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    max_record_bytes: usize,
    /// Read TSV fields that may be quoted with `"`, as in CSV. By default TSV is read as
    /// `newsdb export --format tsv` writes it (the IANA convention): never quoted, with
    /// `\t`, `\n`, `\r` and `\\` inside a field for a tab, newline, carriage return
    /// and backslash.
    #[arg(long)]
    tsv_quoted: bool,
    /// Worker threads for parsing and extraction; 0 (the default) uses every core but
    /// one, which the writer (one thread committing every batch) and the stage that
    /// resolves names keep busy. On 2 cores `--jobs 2` is no faster (the cores are full)
    /// and takes about 16 MB more.
    #[arg(long, short = 'j', default_value_t = 0, hide_default_value = true,
          value_parser = clap::value_parser!(u16).range(0..=1024))]
    jobs: u16,
    /// Articles per transaction: a crash or a failed batch loses at most this many
    /// (a re-run redoes them); larger batches import faster. A batch is read and
    /// extracted in parts of at most 1,024 articles, so memory does not grow with it.
    #[arg(long, default_value_t = newsdb::ImportOptions::default().batch_size as u32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    batch_size: u32,
    /// Print the import report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bar and no summary line.
    #[arg(long, short)]
    quiet: bool,
}

/// A progress bar on a terminal's stderr (bytes read, rate, ETA), hidden otherwise.
pub(super) fn progress_bar(ctx: &Ctx, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    if !quiet && ctx.stderr_is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
            )
            .expect("the progress template is valid"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
    }
    bar
}

/// Shows an import or extract event: progress on the bar, problems on stderr.
pub(super) fn show_event(bar: &ProgressBar, event: ImportEvent<'_>, quiet: bool, strict: bool) {
    match event {
        ImportEvent::Started { bytes, .. } => bar.set_length(bytes),
        ImportEvent::Progress(r) => {
            bar.set_position(r.bytes);
            let secs = r.seconds.max(bar.elapsed().as_secs_f64()).max(1e-9);
            bar.set_message(format!("{:.0} articles/s", r.articles() as f64 / secs));
        }
        // --quiet hides warnings; errors are always shown, once: under --strict the
        // first error ends the import and is the command's own error message.
        ImportEvent::Problem(p) if quiet && p.severity == Severity::Warning => {}
        ImportEvent::Problem(p) if strict && p.severity == Severity::Error => {}
        ImportEvent::Problem(p) => bar.suspend(|| eprintln!("{p}")),
        ImportEvent::Finishing => {
            bar.set_message("all read; linking names across articles");
        }
    }
}

fn parse_format(s: &str) -> Result<InputFormat, String> {
    s.parse().map_err(|e: newsdb::Error| e.to_string())
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    // A dry run writes nothing, not even a new file's schema: without a database it
    // imports into an empty one in memory.
    let mut store = if args.dry_run && !ctx.db.exists() {
        if !args.quiet {
            eprintln!(
                "dry run: {} does not exist; importing into an empty database in memory",
                ctx.db.display()
            );
        }
        newsdb::Store::open_in_memory()?
    } else {
        ctx.open()?
    };
    if let Some(file) = &args.aliases {
        super::aliases::add_file(&mut store, file)?;
    }
    if args.strict && !args.dry_run && !args.quiet {
        eprintln!(
            "--strict: the import is one transaction; other imports and changes to {} \
             wait until it ends",
            ctx.db.display()
        );
    }
    let opts = ImportOptions {
        format: args.input_format,
        keep_duplicates: args.keep_duplicates,
        extract: !args.no_extract,
        dry_run: args.dry_run,
        strict: args.strict,
        max_record_bytes: args.max_record_bytes,
        tsv_quoted: args.tsv_quoted,
        jobs: usize::from(args.jobs),
        batch_size: args.batch_size as usize,
        source: args.source,
        published: args.published,
        source_from_dir: args.source_from_dir,
        extracted: args.extracted,
        arguments: Some(
            std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        ..ImportOptions::default()
    };
    let bar = progress_bar(ctx, args.quiet);
    let mut on_event = |event: ImportEvent<'_>| show_event(&bar, event, args.quiet, args.strict);
    let report = store.import_with(&args.paths, &opts, &mut on_event)?;
    bar.finish_and_clear();
    if args.json || ctx.format == newsdb::output::Format::Json {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        out.flush()?;
    } else if ctx.format == newsdb::output::Format::Jsonl {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
        out.flush()?;
    }
    if !args.quiet && !report.skipped_files.is_empty() {
        eprintln!(
            "skipped {} documentation file(s), not articles: {}",
            report.skipped_files.len(),
            report.skipped_files.join(", ")
        );
    }
    if !args.quiet {
        eprintln!(
            "{}{}: {} inserted, {} updated, {} unchanged, {} duplicates, {} failed, {} warnings, {} mentions; {:.1} MB in {:.2} s ({:.2} MB/s)",
            if report.rolled_back { "dry run, nothing written to " } else { "imported into " },
            ctx.db.display(),
            report.inserted,
            report.updated,
            report.unchanged,
            report.duplicates,
            report.failed,
            report.warnings,
            report.mentions,
            report.bytes as f64 / 1e6,
            report.seconds,
            report.mb_per_second()
        );
        if report.failed > 0 {
            eprintln!(
                "{} record(s) failed; see above, or: newsdb sql \"SELECT * FROM import_errors WHERE import_id = {}\"",
                report.failed,
                report.import_id.map_or(0, |i| i.0)
            );
        }
    }
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
