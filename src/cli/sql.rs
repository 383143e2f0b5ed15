//! `newsdb sql`: read-only ad hoc SQL.

use std::process::ExitCode;
use std::time::Duration;

use std::io::Read;
use std::path::PathBuf;

use std::io::{BufWriter, Write};

use anyhow::{Context, Result};
use newsdb::output::{self, Format};
use newsdb::store::{read_only_sql, SqlOptions};

use super::Ctx;

/// Run one read-only SQL statement and print its rows.
///
/// The database is opened read-only: INSERT, UPDATE, DELETE, DDL and ATTACH are
/// refused (exit code 2) and nothing is changed. The timeout covers the whole
/// command: a query still running, or still printing, after `--timeout` seconds is
/// stopped (exit code 2).
///
/// Rows are printed as they come in every format but the table, which fits its
/// columns to the terminal: it shows the first 1000 rows (stderr says when there are
/// more) and at most 1000 characters of each value. Use --format csv, tsv, json or
/// jsonl for every row and whole values. Tables: articles, paragraphs,
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
    /// Stop the query, and the printing of its rows, after this many seconds (0: no
    /// limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0, value_parser = super::parse_timeout)]
    timeout: f64,
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

/// Rows a table shows at most: it needs them all to fit its columns to the terminal.
/// The other formats stream every row.
const TABLE_PREVIEW_ROWS: usize = 1000;

/// Characters of one value a table reads at most (text, or a blob as hex): it shows
/// a few dozen.
const TABLE_VALUE_CHARS: usize = 1000;

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let sql = statement(&args)?;
    let timeout = (args.timeout > 0.0).then(|| Duration::from_secs_f64(args.timeout));
    if let Some(t) = timeout {
        super::stop_after(t, "query");
    }
    let table = ctx.format == Format::Table;
    let options = SqlOptions {
        timeout,
        max_value_chars: table.then_some(TABLE_VALUE_CHARS),
    };
    let streamed = read_only_sql(&ctx.db, &sql, options, |rows| {
        if rows.read_mode() == newsdb::db::ReadMode::Immutable {
            ctx.note_immutable();
        }
        let columns = rows.columns().to_vec();
        let mut next = || rows.next_row();
        let mut out = BufWriter::new(std::io::stdout().lock());
        let streamed = output::render_stream(
            &columns,
            &mut next,
            ctx.format,
            ctx.width(),
            TABLE_PREVIEW_ROWS,
            &mut out,
        )?;
        out.flush().map_err(|e| newsdb::Error::io("<stdout>", e))?;
        Ok(streamed)
    })?;
    if streamed.cut {
        eprintln!(
            "showing the first {TABLE_PREVIEW_ROWS} rows, there are more: add LIMIT and \
             OFFSET, or use --format csv, tsv, json or jsonl, which print every row"
        );
    }
    Ok(ExitCode::SUCCESS)
}
