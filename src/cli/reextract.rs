//! `newsdb reextract`: run entity extraction again on stored articles.

use std::process::ExitCode;

use anyhow::{bail, Result};
use newsdb::{ArticleId, ImportOptions};

use super::Ctx;

/// Extract entities again from stored articles (after a model or rule change).
///
/// Mentions of the chosen articles are replaced; articles, paragraphs and entity
/// merges stay. Articles not in English are skipped.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb reextract --all
  newsdb reextract 12 13 000_74746990a53cdcfb")]
pub struct Args {
    /// Every article.
    #[arg(long, conflicts_with = "ids")]
    all: bool,
    /// External ids of the articles, else row ids (`#N` is always row id N).
    ids: Vec<String>,
    /// Worker threads; 0 (the default) uses every core.
    #[arg(long, short = 'j', default_value_t = 0, hide_default_value = true,
          value_parser = clap::value_parser!(u16).range(0..=1024))]
    jobs: u16,
    /// Add your aliases from this file first (`alias<TAB>kind<TAB>canonical` per
    /// line; see `newsdb aliases --help`). They stay in the database.
    #[arg(long, value_name = "FILE")]
    aliases: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if !args.all && args.ids.is_empty() {
        bail!("name the articles to re-extract (ids or external ids), or pass --all");
    }
    let mut store = ctx.open_writable()?;
    if let Some(file) = &args.aliases {
        super::aliases::add_file(&mut store, file)?;
    }
    let ids = if args.all {
        None
    } else {
        let mut ids: Vec<ArticleId> = Vec::new();
        for key in &args.ids {
            ids.push(super::find_article(&store, key)?.id);
        }
        Some(ids)
    };
    let opts = ImportOptions {
        jobs: usize::from(args.jobs),
        arguments: Some(std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
        ..Default::default()
    };
    let report = store.reextract(ids.as_deref(), &opts)?;
    eprintln!(
        "re-extracted {} article(s), {} mentions; {} skipped (not English); {:.2} s",
        report.updated, report.mentions, report.not_english, report.seconds
    );
    Ok(ExitCode::SUCCESS)
}
