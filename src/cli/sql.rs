//! `newsdb sql`: read-only ad hoc SQL.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use newsdb::store::run_read_only_sql;

use super::Ctx;

/// Run one read-only SQL statement and print its rows.
///
/// The database is opened read-only: INSERT, UPDATE, DELETE, DDL and ATTACH are
/// refused (exit code 2) and nothing is changed. A query still running after
/// `--timeout` seconds is interrupted (exit code 2). Tables: articles, entities,
/// entity_aliases, mentions, imports, import_errors, articles_fts (full-text).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb sql \"SELECT id, title FROM articles ORDER BY id LIMIT 5\"
  newsdb sql \"SELECT name, kind, mentions FROM entity_stats ORDER BY mentions DESC LIMIT 10\"
  newsdb sql \"SELECT title FROM articles_fts WHERE articles_fts MATCH 'iran'\" --format json
  newsdb sql --timeout 5 \"SELECT COUNT(*) FROM mentions\"")]
pub struct Args {
    /// The SQL statement.
    query: String,
    /// Interrupt the query after this many seconds (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = parse_timeout)]
    timeout: f64,
}

fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t >= 0.0 && Duration::try_from_secs_f64(t).is_ok() => Ok(t),
        _ => Err(format!(
            "{s:?} is not a number of seconds (use e.g. 30, 0.5, or 0 for no limit)"
        )),
    }
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let result = run_read_only_sql(
        &ctx.db,
        &args.query,
        (args.timeout > 0.0).then(|| Duration::from_secs_f64(args.timeout)),
    )?;
    ctx.print(&result.into())?;
    Ok(ExitCode::SUCCESS)
}
