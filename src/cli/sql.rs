//! `newsdb sql`: read-only ad hoc SQL.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::store::run_read_only_sql;

use super::Ctx;

/// Run one read-only SQL statement and print its rows.
///
/// The database is opened read-only: INSERT, UPDATE, DELETE, DDL and ATTACH are
/// refused (exit code 2) and nothing is changed. Tables: articles, entities,
/// entity_aliases, mentions, imports, import_errors, articles_fts (full-text).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb sql \"SELECT id, title FROM articles ORDER BY id LIMIT 5\"
  newsdb sql \"SELECT e.name, COUNT(*) AS n FROM mentions m JOIN entities e ON e.id = m.entity_id GROUP BY e.id ORDER BY n DESC LIMIT 10\"
  newsdb sql \"SELECT title FROM articles_fts WHERE articles_fts MATCH 'iran'\" --format json")]
pub struct Args {
    /// The SQL statement.
    query: String,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let result = run_read_only_sql(&ctx.db, &args.query)?;
    ctx.print(&result.into())?;
    Ok(ExitCode::SUCCESS)
}
