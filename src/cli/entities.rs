//! `newsdb entities`: list entities with their counts.

use std::process::ExitCode;

use anyhow::{bail, Result};
use newsdb::output::Table;
use newsdb::{query, EntityKind};

use super::Ctx;

/// List entities, most mentioned first, with article and mention counts.
///
/// With --article, the entities named in that article and their mentions there.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb entities --kind person --limit 20
  newsdb entities --since 2019-01 --until 2019-03 --format csv
  newsdb entities --article 000_74746990a53cdcfb")]
pub struct Args {
    /// Only this kind: person, organization, location or misc.
    #[arg(long)]
    kind: Option<EntityKind>,
    /// Only the entities of this article (row id or external id).
    #[arg(long)]
    article: Option<String>,
    /// Count only articles published on or after this date (e.g. 2019-02-01).
    #[arg(long)]
    since: Option<String>,
    /// Count only articles published on or before this date (2019-03 includes March).
    #[arg(long)]
    until: Option<String>,
    /// How many entities to list.
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

const COLUMNS: &[&str] = &["id", "kind", "name", "articles", "mentions"];

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let rows = match &args.article {
        Some(key) => {
            let Some(article) = store.find_article(key)? else {
                bail!(
                    "no article with id or external id {key:?} (list them with `newsdb articles`)"
                );
            };
            let mut rows = query::entities_in_article(store.conn(), article.id)?;
            rows.retain(|e| args.kind.is_none_or(|k| e.kind == k));
            rows.truncate(args.limit as usize);
            rows
        }
        None => {
            let period = (args.since.is_some() || args.until.is_some()).then(|| query::Period {
                from: args.since.clone(),
                to: args.until.clone(),
            });
            query::top_entities(store.conn(), args.kind, period.as_ref(), args.limit)?
        }
    };
    ctx.print(&Table::from_rows(&rows, COLUMNS)?)?;
    Ok(ExitCode::SUCCESS)
}
