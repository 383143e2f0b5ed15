//! `newsdb articles`: list articles, optionally filtered.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::query::{self, Filters};

use super::{entity, Ctx};

/// List articles (id, external id, title, language, source, published date), in id
/// order, optionally only those mentioning an entity, from a source or in a date range.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb articles
  newsdb articles --limit 10 --offset 20 --format csv
  newsdb articles --entity \"Bashar al-Assad\" --since 2019-01 --until 2019-06
  newsdb articles --source wire --format json")]
pub struct Args {
    /// How many articles to list.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// How many to skip first.
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// Only articles mentioning this entity (name, alias or id).
    #[arg(long)]
    entity: Option<String>,
    /// The kind of the --entity, when its name means entities of several kinds.
    #[arg(long, requires = "entity")]
    kind: Option<newsdb::EntityKind>,
    /// Only articles published on or after this date (e.g. 2019-02-01).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    since: Option<String>,
    /// Only articles published on or before this date (2019-03 includes March).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    until: Option<String>,
    /// Only articles from this source.
    #[arg(long)]
    source: Option<String>,
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
    let mut entity_id = None;
    if let Some(name) = &args.entity {
        let Some(e) = entity::resolve(&store, name, args.kind)? else {
            return Ok(ExitCode::from(1));
        };
        entity_id = Some(e.id.to_string());
    }
    let filters = Filters {
        entity: entity_id,
        since: args.since,
        until: args.until,
        source: args.source,
        ..Default::default()
    };
    let rows = query::list_articles(store.conn(), &filters, args.limit, args.offset)?;
    ctx.print(&Table::from_rows(&rows, COLUMNS)?)?;
    Ok(ExitCode::SUCCESS)
}
