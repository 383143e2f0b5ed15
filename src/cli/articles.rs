//! `newsdb articles`: list articles.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use serde::Serialize;

use super::Ctx;

/// List articles (id, external id, title, language, source, published date).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb articles
  newsdb articles --limit 10 --offset 20 --format csv")]
pub struct Args {
    /// How many articles to list.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// How many to skip first.
    #[arg(long, default_value_t = 0)]
    offset: u32,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    external_id: String,
    title: String,
    language: Option<String>,
    source: Option<String>,
    published_at: Option<String>,
}

const COLUMNS: &[&str] = &[
    "id",
    "external_id",
    "title",
    "language",
    "source",
    "published_at",
];

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let rows: Vec<Row> = store
        .articles(args.limit, args.offset)?
        .into_iter()
        .map(|a| Row {
            id: a.id.0,
            external_id: a.external_id,
            title: a.title,
            language: a.language,
            source: a.source,
            published_at: a.published_at,
        })
        .collect();
    ctx.print(&Table::from_rows(&rows, COLUMNS)?)?;
    Ok(ExitCode::SUCCESS)
}
