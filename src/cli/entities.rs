//! `newsdb entities`: list entities with their counts.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::{query, EntityKind};

use super::Ctx;

/// List entities, most mentioned first, with article and mention counts; merge,
/// unmerge and rename them.
///
/// With --article, the entities named in that article and their mentions there.
///
/// With --match TEXT, the entities whose name or an alias contains TEXT, ignoring
/// case and accents ("zurich" finds Zürich): exact names first, then exact aliases,
/// then names or aliases starting with TEXT, then containing it; most mentioned
/// first within each.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
#[command(after_help = "Examples:
  newsdb entities --kind person --limit 20
  newsdb entities --kind person --limit 20 --offset 20
  newsdb entities --match blair
  newsdb entities --match bbc --kind organization --limit 5
  newsdb entities --since 2019-01 --until 2019-03 --format csv
  newsdb entities --article 000_74746990a53cdcfb
  newsdb entities --suggest-merges --limit 30
  newsdb entities merge Washington \"United States\"
  newsdb entities merges
  newsdb entities unmerge 1
  newsdb entities rename \"Bashar al-Assad\" \"Bashar Hafez al-Assad\"
  newsdb entities set-kind Hezbollah organization
  newsdb entities set-kind Hezbollah auto")]
pub struct Args {
    #[command(subcommand)]
    command: Option<Change>,
    /// Only this kind: person, organization, location or misc.
    #[arg(long)]
    kind: Option<EntityKind>,
    /// Only the entities of this article (external id, else row id; `#N` is row id N).
    #[arg(long)]
    article: Option<String>,
    /// Count only articles published on or after this date (e.g. 2019-02-01).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    since: Option<String>,
    /// Count only articles published on or before this date (2019-03 includes March).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    until: Option<String>,
    /// Find entities by part of a name or alias (case and accents ignored).
    #[arg(
        long = "match",
        value_name = "TEXT",
        conflicts_with_all = ["article", "since", "until"]
    )]
    match_text: Option<String>,
    /// How many entities to list.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Skip this many first rows (with --limit, to page through a long list).
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// List likely duplicates that no rule merged, for a person to confirm with
    /// `entities merge`: a lone surname and the full names ending with it, an initial
    /// and a full first name, names one letter apart (not on a word's first letter nor
    /// on a digit).
    #[arg(long, conflicts_with_all = ["article", "since", "until", "kind", "match_text"])]
    suggest_merges: bool,
}

/// Changes to entities.
#[derive(Debug, clap::Subcommand)]
enum Change {
    /// Merge an entity into another: its mentions and aliases move, its name becomes
    /// an alias, and later imports and re-extractions follow the merge. Undo with
    /// `unmerge`.
    #[command(after_help = "Examples:
  newsdb entities merge Washington \"United States\" --format json")]
    Merge {
        /// The entity to merge away (name, alias or id).
        from: String,
        /// The entity to keep (name, alias or id).
        into: String,
    },
    /// Undo a merge exactly (ids are listed by `entities merges`).
    #[command(after_help = "Examples:
  newsdb entities merges
  newsdb entities unmerge 2")]
    Unmerge {
        /// The merge id.
        merge_id: i64,
    },
    /// Give an entity a new canonical name; the old one stays as an alias.
    #[command(after_help = "Examples:
  newsdb entities rename \"Bashar Hafez al-Assad\" \"Bashar al-Assad\"
  newsdb entities rename \"Bashar al-Assad\" Assad --kind person --format json")]
    Rename {
        /// The entity (name, alias or id).
        entity: String,
        /// Its new canonical name.
        new_name: String,
        /// The entity's kind, when its name means entities of several kinds.
        #[arg(long)]
        kind: Option<EntityKind>,
    },
    /// Set an entity's kind, which no rule changes afterwards; `auto` gives the
    /// decision back to the evidence of its mentions (undoing a set kind).
    SetKind {
        /// The entity (name, alias or id).
        entity: String,
        /// person, organization, location, misc, or auto.
        new_kind: String,
    },
    /// List merges, oldest first.
    #[command(after_help = "Examples:
  newsdb entities merges
  newsdb entities merges --format json")]
    Merges,
}

const COLUMNS: &[&str] = &["id", "kind", "name", "articles", "mentions"];

fn change(ctx: &Ctx, change: Change) -> Result<ExitCode> {
    let mut store = ctx.open_writable()?;
    let find = |store: &newsdb::Store, name: &str| super::entity::resolve(store, name, None);
    match change {
        Change::Merge { from, into } => {
            let (Some(f), Some(i)) = (find(&store, &from)?, find(&store, &into)?) else {
                return Ok(ExitCode::from(1));
            };
            let m = store.merge_entities(f.id, i.id)?;
            eprintln!(
                "merged {} {:?} into {} {:?}: {} mention(s) moved (undo: newsdb entities unmerge {})",
                f.kind, f.name, i.kind, i.name, m.mentions, m.id
            );
            ctx.print_record(&m)?;
        }
        Change::Unmerge { merge_id } => {
            let m = store.unmerge(merge_id)?;
            eprintln!("undid merge {merge_id}: {} mention(s) restored", m.mentions);
            ctx.print_record(&m)?;
        }
        Change::SetKind { entity, new_kind } => {
            let Some(e) = find(&store, &entity)? else {
                return Ok(ExitCode::from(1));
            };
            let kind = match new_kind.as_str() {
                "auto" => None,
                k => Some(k.parse::<EntityKind>()?),
            };
            let now = store.set_entity_kind(e.id, kind)?;
            match kind {
                Some(_) => eprintln!(
                    "{:?} is now a {} (undo: newsdb entities set-kind {} auto)",
                    e.name, now.kind, e.id
                ),
                None => eprintln!(
                    "{:?}'s kind follows its mentions again: {}",
                    e.name, now.kind
                ),
            }
            ctx.print_record(&now)?;
        }
        Change::Rename {
            entity,
            new_name,
            kind,
        } => {
            let Some(e) = super::entity::resolve(&store, &entity, kind)? else {
                return Ok(ExitCode::from(1));
            };
            store.rename_entity(e.id, &new_name)?;
            eprintln!("renamed {} {:?} to {new_name:?}", e.kind, e.name);
        }
        Change::Merges => {
            ctx.print(&Table::from_rows(
                &store.merges()?,
                &[
                    "id",
                    "from_entity",
                    "into_entity",
                    "merged_at",
                    "undone_at",
                    "mentions",
                ],
            )?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if let Some(c) = args.command {
        return change(ctx, c);
    }
    let store = ctx.open_existing()?;
    // Rows up to the end of the page; the first `offset` are dropped below.
    let upto = args.limit.saturating_add(args.offset);
    let skip = args.offset as usize;
    if args.suggest_merges {
        let mut rows = query::suggest_merges(store.conn(), upto as usize)?;
        rows.drain(..skip.min(rows.len()));
        ctx.print(&Table::from_rows(
            &rows,
            &[
                "from_id",
                "from_kind",
                "from_name",
                "from_articles",
                "into_id",
                "into_kind",
                "into_name",
                "into_articles",
                "reason",
            ],
        )?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(text) = &args.match_text {
        let mut rows = query::match_entities(store.conn(), text, args.kind, upto as usize)?;
        rows.drain(..skip.min(rows.len()));
        ctx.print(&Table::from_rows(
            &rows,
            &["id", "kind", "name", "matched", "articles", "mentions"],
        )?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = match &args.article {
        Some(key) => {
            let article = super::find_article(&store, key)?;
            let mut rows = query::entities_in_article(store.conn(), article.id)?;
            rows.retain(|e| args.kind.is_none_or(|k| e.kind == k));
            rows.truncate(upto as usize);
            rows
        }
        None => {
            let period = (args.since.is_some() || args.until.is_some()).then(|| query::Period {
                from: args.since.clone(),
                to: args.until.clone(),
            });
            query::top_entities(store.conn(), args.kind, period.as_ref(), upto)?
        }
    };
    rows.drain(..skip.min(rows.len()));
    ctx.print(&Table::from_rows(&rows, COLUMNS)?)?;
    Ok(ExitCode::SUCCESS)
}
