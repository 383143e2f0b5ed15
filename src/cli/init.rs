//! `newsdb init`: create a database, or bring an older one's schema up to date.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::db::{file_kind, latest_schema_version, FileKind};

use super::Ctx;

/// Create an empty newsdb database, or upgrade one written by an older newsdb to
/// this version's schema (`import` does the same before importing). Commands that
/// only read never change a file: on an older database they ask for this. A SQLite
/// file of another program is refused and left untouched (exit code 2).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb init
  newsdb init --db archive.sqlite")]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    // What the file held before, for the message; reading it changes nothing.
    let before = file_kind(&ctx.db).ok();
    ctx.open()?;
    let latest = latest_schema_version();
    let db = ctx.db.display();
    match before {
        Some(FileKind::Newsdb(v)) if v == latest => {
            eprintln!("{db}: already at schema v{latest}, nothing to do")
        }
        Some(FileKind::Newsdb(v)) => eprintln!("{db}: upgraded from schema v{v} to v{latest}"),
        _ => eprintln!("{db}: created, schema v{latest}"),
    }
    Ok(ExitCode::SUCCESS)
}
