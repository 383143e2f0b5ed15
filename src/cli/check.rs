//! `newsdb check`: verify a database.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;

use super::Ctx;

/// Check a database: SQLite integrity, the full-text index, foreign keys, the mention
/// span invariant and paragraphs. Prints each problem; exit code 1 if there is any.
/// A check that cannot run (the full-text index's, beside a running import or on a
/// read-only file) is named on stderr as not checked, never reported as a problem.
///
/// With --repair, first rebuilds every summary table (unit counts, shared sentences,
/// paragraphs and articles, mention counts, kind votes, name counts, repeated-paragraph
/// counts; entities that reached the article-pair threshold become frequent), the missing
/// paragraphs and the full-text index with its triggers from the articles and
/// mentions, in one transaction; prints what was wrong in each (table, wrong rows),
/// then checks. What a repair cannot fix (integrity, foreign keys, spans, merges,
/// unflagged boilerplate) is still reported.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb check --db archive.sqlite
  newsdb check --repair          # after deleting rows with sqlite3, say")]
pub struct Args {
    /// Rebuild the summary tables and the full-text index from the base tables, then
    /// check.
    #[arg(long)]
    repair: bool,
}

/// Rebuilds what `check --repair` rebuilds and says on stderr what was wrong: stdout
/// keeps the check's problems, so `--format json` still prints one JSON document.
fn repair(ctx: &Ctx) -> Result<()> {
    let mut store = ctx.open_writable()?;
    let report = store.repair()?;
    for t in &report.tables {
        if t.wrong > 0 {
            eprintln!("repaired {}: {} wrong", t.table, t.wrong);
        }
    }
    eprintln!(
        "repair: {} wrong row(s) in {} table(s) rebuilt; {} table(s) were right",
        report.wrong(),
        report.tables.iter().filter(|t| t.wrong > 0).count(),
        report.tables.iter().filter(|t| t.wrong == 0).count()
    );
    Ok(())
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if args.repair {
        repair(ctx)?;
    }
    let store = match ctx.open_existing() {
        // Nothing there to be wrong (an import killed before it created the schema);
        // checking never sets a file up.
        Err(e)
            if matches!(
                e.downcast_ref::<newsdb::Error>(),
                Some(newsdb::Error::EmptyDatabase { .. })
            ) =>
        {
            if ctx.format != newsdb::output::Format::Table {
                ctx.print(&Table::new(&["check", "problem"]))?;
            }
            eprintln!(
                "{}: ok, but empty: no newsdb schema yet (`newsdb import` or `newsdb init` \
                 sets it up)",
                ctx.db.display()
            );
            return Ok(ExitCode::SUCCESS);
        }
        store => store?,
    };
    let report = store.check_report()?;
    let problems = report.problems;
    let mut t = Table::new(&["check", "problem"]);
    for p in &problems {
        t.rows.push(vec![p.check.into(), p.message.clone().into()]);
    }
    // Machine formats always print a document, empty when all is well.
    if ctx.format != newsdb::output::Format::Table {
        ctx.print(&t)?;
    }
    for what in &report.not_checked {
        eprintln!("not checked: {what}");
    }
    if problems.is_empty() && report.not_checked.is_empty() {
        eprintln!("{}: ok", ctx.db.display());
    } else if problems.is_empty() {
        eprintln!(
            "{}: no problem found in what could be checked",
            ctx.db.display()
        );
    } else {
        if ctx.format == newsdb::output::Format::Table {
            ctx.print(&t)?;
        }
        eprintln!("{}: {} problem(s)", ctx.db.display(), problems.len());
        let repairable = ["units", "resolution", "fts", "paragraphs"];
        if !args.repair && problems.iter().any(|p| repairable.contains(&p.check)) {
            eprintln!(
                "`newsdb check --repair` rebuilds the summary tables, missing paragraphs \
                 and the full-text index from the articles and mentions"
            );
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
