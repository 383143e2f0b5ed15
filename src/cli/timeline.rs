//! `newsdb timeline`: an entity's mentions per period.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::query::{self, Bucket};

use newsdb::EntityKind;

use super::{entity, Ctx};

/// Count an entity's mentions and articles per day, month or year of publication.
/// Articles without a publication date are left out.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb timeline \"Bashar al-Assad\" --by month
  newsdb timeline Iran --by year --format csv")]
pub struct Args {
    /// Canonical name, alias or row id of the entity.
    name: String,
    /// The entity's kind, when the name means entities of several kinds.
    #[arg(long)]
    kind: Option<EntityKind>,
    /// Period length: day, month or year.
    #[arg(long, default_value = "month")]
    by: Bucket,
}

const COLUMNS: &[&str] = &["period", "mentions", "articles"];

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let Some(e) = entity::resolve(&store, &args.name, args.kind)? else {
        return Ok(ExitCode::from(1));
    };
    let rows = query::timeline(store.conn(), e.id, args.by)?;
    ctx.print(&Table::from_rows(&rows, COLUMNS)?)?;
    Ok(ExitCode::SUCCESS)
}
