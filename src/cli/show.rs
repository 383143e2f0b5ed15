//! `newsdb show`: one article with its mentions.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::{without_controls, Format, Table};
use newsdb::{query, Article, EntityId, EntityKind, Field, Mention};
use serde::Serialize;

use super::Ctx;

/// Show one article, by external id or row id, with its mentions.
///
/// An external id wins: `show 1` is the article whose external id is 1 when there is
/// one, else the article with row id 1; `show '#1'` always means row id 1.
///
/// As a table, the title and body are printed with every mention marked as
/// [surface|kind], followed by the list of mentions; other formats give the article's
/// columns and a `mentions` array.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb show 1
  newsdb show '#1'
  newsdb show 000_74746990a53cdcfb --format json")]
pub struct Args {
    /// External id of the article, else its row id (`#N` is always row id N).
    id: String,
}

#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    article: Article,
    mentions: Vec<ShownMention>,
}

/// A mention with the name and kind of its entity.
#[derive(Serialize)]
struct ShownMention {
    #[serde(flatten)]
    mention: Mention,
    entity_name: String,
    entity_kind: EntityKind,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let article = super::find_article(&store, &args.id)?;
    let mentions = store.mentions_of_article(article.id)?;
    if ctx.format != Format::Table {
        let mut entities: HashMap<EntityId, (String, EntityKind)> = HashMap::new();
        let mut shown = Vec::with_capacity(mentions.len());
        for mention in mentions {
            if !entities.contains_key(&mention.entity_id) {
                let e = store
                    .entity(mention.entity_id)?
                    .ok_or_else(|| anyhow::anyhow!("mention {} has no entity", mention.id.0))?;
                entities.insert(e.id, (e.name, e.kind));
            }
            let (entity_name, entity_kind) = entities[&mention.entity_id].clone();
            shown.push(ShownMention {
                mention,
                entity_name,
                entity_kind,
            });
        }
        ctx.print_record(&Shown {
            article,
            mentions: shown,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let conn = store.conn();
    let title = query::marked_text(conn, article.id, Field::Title, &article.title)?;
    let body = query::marked_text(conn, article.id, Field::Body, &article.body)?;
    let meta = [
        Some(format!("#{} {}", article.id, article.external_id)),
        article.published_at.clone(),
        article.source.clone(),
        article.language.clone(),
        article.url.clone(),
    ];
    // writeln!, not println!: a closed pipe (`| head`) is an error to end on
    // quietly, not a panic.
    // Control characters from imported text never reach the terminal.
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", without_controls(&title))?;
    let meta = meta
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join(" · ");
    writeln!(out, "{}", without_controls(&meta))?;
    writeln!(out)?;
    for paragraph in body.split('\n') {
        writeln!(out, "{}", without_controls(paragraph))?;
        writeln!(out)?;
    }
    out.flush()?;
    drop(out);
    let entities = query::entities_in_article(conn, article.id)?;
    if entities.is_empty() {
        writeln!(std::io::stdout(), "(no mentions)")?;
    } else {
        ctx.print(&Table::from_rows(
            &entities,
            &["id", "kind", "name", "mentions"],
        )?)?;
    }
    Ok(ExitCode::SUCCESS)
}
