//! `newsdb export`: stream a table to stdout or a file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use newsdb::output::Format;
use newsdb::query::{self, ExportFormat};

use super::Ctx;

/// Export articles, entities or mentions, streamed row by row (constant memory).
///
/// The global --format chooses the encoding: jsonl (the default here), json, csv or
/// tsv.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb export articles --format jsonl --out articles.jsonl
  newsdb export mentions --format csv > mentions.csv
  newsdb export entities")]
pub struct Args {
    /// What to export.
    #[arg(value_enum)]
    what: What,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The tables `export` can write.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum What {
    /// Every article with all its columns.
    Articles,
    /// Every entity with its aliases.
    Entities,
    /// Every mention with all its columns.
    Mentions,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let format = match ctx.format {
        Format::Table | Format::Jsonl => ExportFormat::Jsonl,
        Format::Json => ExportFormat::Json,
        Format::Csv => ExportFormat::Csv,
        Format::Tsv => ExportFormat::Tsv,
    };
    let mut out: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let conn = store.conn();
    let n = match args.what {
        What::Articles => query::export_articles(conn, format, &mut out)?,
        What::Entities => query::export_entities(conn, format, &mut out)?,
        What::Mentions => query::export_mentions(conn, format, &mut out)?,
    };
    out.flush()?;
    if let Some(p) = &args.out {
        eprintln!("exported {n} rows to {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
