//! `newsdb show`: one article with its mentions.

use std::process::ExitCode;

use anyhow::{bail, Result};
use newsdb::{Article, Mention};
use serde::Serialize;

use super::Ctx;

/// Show one article, by row id or external id, with its mentions.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb show 1
  newsdb show 000_74746990a53cdcfb --format json")]
pub struct Args {
    /// Row id or external id of the article.
    id: String,
}

#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    article: Article,
    mentions: Vec<Mention>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let Some(article) = store.find_article(&args.id)? else {
        bail!(
            "no article with id or external id {:?} (list them with `newsdb articles`)",
            args.id
        );
    };
    let mentions = store.mentions_of_article(article.id)?;
    ctx.print_record(&Shown { article, mentions })?;
    Ok(ExitCode::SUCCESS)
}
