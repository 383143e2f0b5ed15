//! `newsdb schema`: schema version and tables.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;

use super::Ctx;

/// Show the schema version and the tables and views of the database.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:
  newsdb schema --format json")]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let version = store.schema_version()?;
    let mut t = Table::new(&["schema_version", "table"]);
    for name in store.tables()? {
        t.rows.push(vec![version.into(), name.into()]);
    }
    ctx.print(&t)?;
    Ok(ExitCode::SUCCESS)
}
