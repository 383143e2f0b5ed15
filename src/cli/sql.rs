//! `newsdb sql`: read-only ad hoc SQL.

use std::process::ExitCode;
use std::time::Duration;

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use newsdb::store::run_read_only_sql;

use super::Ctx;

/// Run one read-only SQL statement and print its rows.
///
/// The database is opened read-only: INSERT, UPDATE, DELETE, DDL and ATTACH are
/// refused (exit code 2) and nothing is changed. A query still running after
/// `--timeout` seconds is interrupted (exit code 2). Tables: articles, paragraphs,
/// entities, entity_aliases, mentions, imports, import_errors, articles_fts
/// (full-text), and the summaries behind kinds and co-occurrence; views:
/// entity_stats, mention_context, cooccurrence. `newsdb schema` lists every table
/// and view with its columns.
///
/// The statement is the QUERY argument, or read from a file with -f FILE; `-` as
/// QUERY or FILE reads it from stdin.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb sql \"SELECT id, title FROM articles ORDER BY id LIMIT 5\"
  newsdb sql \"SELECT name, kind, mentions FROM entity_stats ORDER BY mentions DESC LIMIT 10\"
  newsdb sql \"SELECT title FROM articles_fts WHERE articles_fts MATCH 'iran'\" --format json
  newsdb sql --timeout 5 \"SELECT COUNT(*) FROM mentions\"
  newsdb sql -f query.sql --format csv
  echo \"SELECT name FROM entities LIMIT 3\" | newsdb sql -")]
pub struct Args {
    /// The SQL statement; `-` reads it from stdin.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    query: Option<String>,
    /// Read the SQL statement from this file (`-`: stdin).
    #[arg(short = 'f', long, value_name = "FILE")]
    file: Option<PathBuf>,
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

/// The statement: the argument itself, or the text of the file or stdin it names.
fn statement(args: &Args) -> Result<String> {
    let source = match (&args.query, &args.file) {
        (Some(q), _) if q != "-" => return Ok(q.clone()),
        (_, Some(file)) if file.as_os_str() != "-" => Some(file),
        _ => None,
    };
    let sql = match source {
        Some(file) => std::fs::read_to_string(file)
            .with_context(|| format!("reading the SQL statement from {}", file.display()))?,
        None => {
            let mut sql = String::new();
            std::io::stdin()
                .read_to_string(&mut sql)
                .context("reading the SQL statement from stdin")?;
            sql
        }
    };
    if sql.trim().is_empty() {
        let from = source.map_or("stdin".to_string(), |f| f.display().to_string());
        anyhow::bail!("no SQL statement in {from} (it is empty)");
    }
    Ok(sql)
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let sql = statement(&args)?;
    let result = run_read_only_sql(
        &ctx.db,
        &sql,
        (args.timeout > 0.0).then(|| Duration::from_secs_f64(args.timeout)),
    )?;
    ctx.print(&result.into())?;
    Ok(ExitCode::SUCCESS)
}
