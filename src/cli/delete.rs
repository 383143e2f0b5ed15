//! `newsdb delete`: delete articles and everything that depends on them.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::ArticleId;
use serde::Serialize;

use super::Ctx;

/// Delete articles with their mentions, paragraphs and search-index entry, keeping
/// every summary table exact: afterwards the store is as if they had never been
/// imported (ids aside), and `newsdb check` finds nothing. Entities no other article
/// names are deleted too (unless a merge refers to them or you fixed them).
///
/// Name articles by external id (`#N` for row id N), or choose them with --source
/// and --before (both must match when given together); --dry-run lists what would
/// go. Deleting with `sqlite3` instead leaves the summaries wrong.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb delete --dry-run --source reuters --before 2005-01
  newsdb delete --dry-run business/027
  newsdb delete business/028 business/029
  newsdb delete business/030 --format json")]
pub struct Args {
    /// Articles to delete (external id, else row id; `#N` is row id N).
    ids: Vec<String>,
    /// Delete the articles of this source.
    #[arg(long)]
    source: Option<String>,
    /// Delete the articles published before this date (2005-01 means before January
    /// 2005); undated articles are kept.
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    before: Option<String>,
    /// List the articles that would be deleted, and delete nothing.
    #[arg(long)]
    dry_run: bool,
}

/// An article a dry run would delete.
#[derive(Serialize)]
struct Doomed {
    id: ArticleId,
    external_id: String,
    title: String,
    source: Option<String>,
    published_at: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if args.ids.is_empty() && args.source.is_none() && args.before.is_none() {
        return Err(newsdb::Error::InvalidArgument(
            "name the articles to delete (external ids), or choose them with --source \
             and/or --before (see `newsdb delete --help`)"
                .into(),
        )
        .into());
    }
    let mut store = ctx.open_writable()?;
    let mut ids: Vec<ArticleId> = Vec::new();
    for key in &args.ids {
        ids.push(super::find_article(&store, key)?.id);
    }
    if args.source.is_some() || args.before.is_some() {
        ids.extend(store.articles_matching(args.source.as_deref(), args.before.as_deref())?);
    }
    ids.sort_unstable();
    ids.dedup();
    if args.dry_run {
        let mut rows = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(a) = store.article(*id)? {
                rows.push(Doomed {
                    id: a.id,
                    external_id: a.external_id,
                    title: a.title,
                    source: a.source,
                    published_at: a.published_at,
                });
            }
        }
        ctx.print(&Table::from_rows(
            &rows,
            &["id", "external_id", "title", "source", "published_at"],
        )?)?;
        eprintln!(
            "dry run: {} article(s) would be deleted; nothing was",
            rows.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let report = store.delete_articles(&ids)?;
    eprintln!(
        "deleted {} article(s), {} mention(s); {} entities no longer named were dropped",
        report.articles, report.mentions, report.entities_dropped
    );
    ctx.print_record(&report)?;
    Ok(ExitCode::SUCCESS)
}
