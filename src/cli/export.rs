//! `newsdb export`: stream a table to stdout or a file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use newsdb::output::Format;
use newsdb::query::{self, ExportFormat};

use super::Ctx;

/// Export articles, entities or mentions, streamed row by row (constant memory).
///
/// The global --format chooses the encoding: jsonl, json, csv or tsv; without it, the
/// --out file's extension does (.jsonl, .json, .csv, .tsv), else jsonl. A file is
/// written under a temporary name and renamed when complete; the database itself is
/// never a valid --out.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb export articles --format jsonl --out articles.jsonl
  newsdb export mentions --format csv > mentions.csv
  newsdb export entities --out entities.csv
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

/// The export encoding: the --format given, else the --out file's extension, else
/// JSON Lines. A table cannot be exported (it is cut to the terminal's width).
fn export_format(ctx: &Ctx, out: Option<&Path>) -> Result<ExportFormat> {
    if ctx.format_given {
        return match ctx.format {
            Format::Jsonl => Ok(ExportFormat::Jsonl),
            Format::Json => Ok(ExportFormat::Json),
            Format::Csv => Ok(ExportFormat::Csv),
            Format::Tsv => Ok(ExportFormat::Tsv),
            Format::Table => bail!(
                "export writes jsonl, json, csv or tsv, not a table (a table is cut to the terminal); \
                 pass one of those to --format"
            ),
        };
    }
    let ext = out
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match ext.as_deref() {
        Some("json") => ExportFormat::Json,
        Some("csv") => ExportFormat::Csv,
        Some("tsv" | "tab") => ExportFormat::Tsv,
        _ => ExportFormat::Jsonl,
    })
}

/// Refuses an output path that is the database or one of its WAL files: writing
/// there would destroy the archive being exported.
fn check_not_the_database(ctx: &Ctx, out: &Path) -> Result<()> {
    let canon = |p: &Path| p.canonicalize().ok();
    let Some(db) = canon(&ctx.db) else {
        return Ok(());
    };
    let target = match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => canon(dir).map(|d| d.join(out.file_name().unwrap_or_default())),
        None => std::env::current_dir().ok().map(|d| d.join(out)),
    };
    let Some(target) = target else {
        return Ok(());
    };
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        if target.as_os_str() == name {
            bail!(
                "refusing to export into {}: it is the database (or its {}) being exported",
                out.display(),
                if suffix.is_empty() {
                    "file"
                } else {
                    &suffix[1..]
                }
            );
        }
    }
    Ok(())
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let format = export_format(ctx, args.out.as_deref())?;
    if let Some(p) = &args.out {
        check_not_the_database(ctx, p)?;
    }
    // Written to a temporary file beside the target, renamed when complete: a failed
    // export never leaves half a file under the name asked for.
    let tmp = args.out.as_ref().map(|p| {
        let mut name = p.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        p.with_file_name(name)
    });
    let mut out: Box<dyn Write> = match &tmp {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let conn = store.conn();
    let written = match args.what {
        What::Articles => query::export_articles(conn, format, &mut out),
        What::Entities => query::export_entities(conn, format, &mut out),
        What::Mentions => query::export_mentions(conn, format, &mut out),
    };
    let n = match written.map_err(anyhow::Error::from).and_then(|n| {
        out.flush()?;
        Ok(n)
    }) {
        Ok(n) => n,
        Err(e) => {
            if let Some(t) = &tmp {
                let _ = std::fs::remove_file(t);
            }
            return Err(e);
        }
    };
    drop(out);
    if let (Some(t), Some(p)) = (&tmp, &args.out) {
        std::fs::rename(t, p).with_context(|| format!("moving the export to {}", p.display()))?;
        eprintln!("exported {n} rows to {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
