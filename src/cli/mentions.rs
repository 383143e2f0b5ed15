//! `newsdb mentions`: an entity's mentions in context.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::query;

use newsdb::EntityKind;

use super::{entity, Ctx};

/// Show an entity's mentions with the text around them (keyword in context).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb mentions \"Bashar al-Assad\" --context 30
  newsdb mentions Tehran --limit 200 --format csv
  newsdb mentions Syria --limit 3 --offset 3
  newsdb mentions Tehran --since 2019-02 --until 2019-03")]
pub struct Args {
    /// Canonical name, alias or row id of the entity.
    name: String,
    /// The entity's kind, when the name means entities of several kinds.
    #[arg(long)]
    kind: Option<EntityKind>,
    /// Characters of context on each side.
    #[arg(long, default_value_t = 40)]
    context: usize,
    /// How many mentions to show.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Skip this many first rows (with --limit, to page through a long list).
    #[arg(long, default_value_t = 0)]
    offset: u32,
    #[command(flatten)]
    dates: super::Dates,
}

const COLUMNS: &[&str] = &[
    "article_id",
    "external_id",
    "field",
    "left",
    "surface",
    "right",
];

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let Some(e) = entity::resolve(&store, &args.name, args.kind)? else {
        return Ok(ExitCode::from(1));
    };
    let mut rows = query::mentions_in_context_during(
        store.conn(),
        e.id,
        args.context,
        args.limit.saturating_add(args.offset),
        args.dates.period().as_ref(),
    )?;
    rows.drain(..(args.offset as usize).min(rows.len()));
    let mut table = Table::from_rows(&rows, COLUMNS)?;
    table.cut_start = vec!["left".into()];
    ctx.print(&table)?;
    Ok(ExitCode::SUCCESS)
}
