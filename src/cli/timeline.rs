//! `newsdb timeline`: an entity's mentions per period.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::query::{self, Bucket};

use newsdb::EntityKind;

use super::{entity, Ctx};

/// Count an entity's mentions and articles per day, month or year of publication,
/// every period from the first to the last (zero rows for the ones without mentions).
///
/// Articles without a publication date newsdb could read are in no period: how many
/// mentions that leaves out is said on stderr.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb timeline \"Bashar al-Assad\" --by month
  newsdb timeline Iran --by year --format csv
  newsdb timeline \"Bashar al-Assad\" --by day --since 2019-02-01 --until 2019-02")]
pub struct Args {
    /// Canonical name, alias or row id of the entity.
    name: String,
    /// The entity's kind, when the name means entities of several kinds.
    #[arg(long)]
    kind: Option<EntityKind>,
    /// Period length: day, month or year.
    #[arg(long, default_value = "month")]
    by: Bucket,
    #[command(flatten)]
    dates: super::Dates,
}

const COLUMNS: &[&str] = &["period", "mentions", "articles"];

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let Some(e) = entity::resolve(&store, &args.name, args.kind)? else {
        return Ok(ExitCode::from(1));
    };
    let t = query::timeline(store.conn(), e.id, args.by, args.dates.period().as_ref())?;
    ctx.print(&Table::from_rows(&t.rows, COLUMNS)?)?;
    if t.undated_mentions > 0 {
        eprintln!(
            "note: {} mention(s) in {} article(s) left out: no publication date newsdb could read",
            t.undated_mentions, t.undated_articles
        );
    }
    Ok(ExitCode::SUCCESS)
}
