//! `newsdb check`: verify a database.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;

use super::Ctx;

/// Check a database: SQLite integrity, the full-text index, foreign keys, the mention
/// span invariant and paragraphs. Prints each problem; exit code 1 if there is any.
/// A check that cannot run (the full-text index's, beside a running import or on a
/// read-only file) is named on stderr as not checked, never reported as a problem.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  newsdb check --db archive.sqlite")]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
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
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
