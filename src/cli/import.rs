//! `newsdb import`: load news files into the database.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use newsdb::ImportOptions;

use super::Ctx;

/// Import articles from files and directories.
///
/// A `.txt` file is one article: the first non-empty line is the title, each
/// following non-empty line a paragraph. Directories are walked recursively in
/// sorted order. Importing an unchanged file again writes nothing; a changed file
/// updates its article. Records that cannot be imported are reported on stderr and
/// recorded in the `import_errors` table, and the run goes on (exit code 1).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb import seeds/
  newsdb import --db archive.sqlite a.txt b.txt
  newsdb import news/ --json")]
pub struct Args {
    /// Files and directories to import.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Store articles even when another external id has the same content.
    #[arg(long)]
    keep_duplicates: bool,
    /// Print the import report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No summary line on stderr.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut store = ctx.open()?;
    let opts = ImportOptions {
        keep_duplicates: args.keep_duplicates,
        arguments: Some(std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
        ..Default::default()
    };
    let report = store.import(&args.paths, &opts)?;
    for e in &report.errors {
        match &e.record {
            Some(r) => eprintln!("error: {} (record {r}): {}", e.origin, e.message),
            None => eprintln!("error: {}: {}", e.origin, e.message),
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    if !args.quiet {
        eprintln!(
            "imported into {}: {} inserted, {} updated, {} unchanged, {} duplicates, {} failed ({:.1} MB in {:.2} s)",
            ctx.db.display(),
            report.inserted,
            report.updated,
            report.unchanged,
            report.duplicates,
            report.failed,
            report.bytes as f64 / 1e6,
            report.seconds
        );
    }
    let _ = ctx.stderr_is_terminal();
    Ok(if report.failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
