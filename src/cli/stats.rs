//! `newsdb stats`: what the database holds.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::query;

use super::Ctx;

/// Show row counts, the publication date range, the schema version and the file size.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb stats
  newsdb stats --format json")]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    ctx.print_record(&query::database_stats(&store)?)?;
    Ok(ExitCode::SUCCESS)
}
