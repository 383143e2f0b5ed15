//! `newsdb cooccur`: entities named together with another.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::query::{self, Level};

use newsdb::EntityKind;

use super::{entity, Ctx};

/// List the entities named in the same sentence, paragraph or article as an entity,
/// with the number of shared units and their PMI (pointwise mutual information, in
/// bits). Sorted by count, then PMI. With --since/--until every count is of the
/// articles published in that period. Tables, CSV and TSV round PMI to 3 decimals;
/// JSON keeps full precision.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb cooccur \"Bashar al-Assad\" --level sentence
  newsdb cooccur Iran --level article --limit 50 --format json
  newsdb cooccur Iran --level article --limit 5 --offset 5
  newsdb cooccur Tehran --level article --since 2019-02 --until 2019-02")]
pub struct Args {
    /// Canonical name, alias or row id of the entity.
    name: String,
    /// The entity's kind, when the name means entities of several kinds.
    #[arg(long)]
    kind: Option<EntityKind>,
    /// The shared unit: sentence, paragraph or article.
    #[arg(long, default_value = "sentence")]
    level: Level,
    /// How many entities to list.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Skip this many first rows (with --limit, to page through a long list).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    #[command(flatten)]
    dates: super::Dates,
}

const COLUMNS: &[&str] = &["entity_id", "name", "kind", "count", "pmi"];

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let Some(e) = entity::resolve(&store, &args.name, args.kind)? else {
        return Ok(ExitCode::from(1));
    };
    let upto = args.limit.saturating_add(args.offset);
    let mut rows = match args.dates.period() {
        Some(p) => query::cooccurrences_during(store.conn(), e.id, args.level, upto, &p)?,
        None => query::cooccurrences(store.conn(), e.id, args.level, upto)?,
    };
    rows.drain(..args.offset.min(rows.len()));
    let mut table = Table::from_rows(&rows, COLUMNS)?;
    if !ctx.format.is_json() {
        table.round_column("pmi", 3);
    }
    ctx.print(&table)?;
    Ok(ExitCode::SUCCESS)
}
