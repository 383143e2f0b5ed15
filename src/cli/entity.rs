//! `newsdb entity`: the profile of one entity.

use std::process::ExitCode;

use anyhow::Result;
use newsdb::output::Table;
use newsdb::{query, Entity, EntityKind, Store};
use serde::Serialize;

use super::Ctx;

/// Show an entity's profile: kind, aliases, article and mention counts, first and
/// last seen, the entities most often named in the same sentence, and for a surname
/// alone ("Howard") the full-name persons it may mean.
///
/// NAME is a canonical name, an alias or a row id; case is ignored when nothing
/// matches exactly. An unknown name prints near names and exits with code 1.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb entity \"Bashar al-Assad\"
  newsdb entity Assad --format json")]
pub struct Args {
    /// Canonical name, alias or row id of the entity.
    name: String,
    /// The entity's kind, when the name means entities of several kinds.
    #[arg(long)]
    kind: Option<EntityKind>,
}

/// Resolves `name` (of `kind` if given). Prints "no entity named ..." with suggestions,
/// or, when the name means entities of several kinds, the list of them, on stderr and
/// returns `None` (exit code 1): a name is never resolved to one of several silently.
pub(super) fn resolve(
    store: &Store,
    name: &str,
    kind: Option<EntityKind>,
) -> Result<Option<Entity>> {
    let mut found = query::find_entities(store.conn(), name, kind)?;
    if found.len() == 1 {
        return Ok(found.pop());
    }
    if found.len() > 1 {
        let one_kind = found.iter().all(|e| e.kind == found[0].kind);
        let how = if one_kind {
            // --kind cannot tell them apart.
            format!("choose one by id (e.g. {})", found[0].id.0)
        } else {
            "choose one with --kind or by id".to_string()
        };
        eprintln!("error: {name:?} names {} entities; {how}:", found.len());
        for e in &found {
            eprintln!("  {:>8}  {:<12}  {}", e.id.0, e.kind.to_string(), e.name);
        }
        return Ok(None);
    }
    if let Some(k) = kind {
        if !query::find_entities(store.conn(), name, None)?.is_empty() {
            eprintln!("error: no {k} named {name:?} (drop --kind to see the others)");
            return Ok(None);
        }
    }
    let near = query::suggest(store.conn(), name)?;
    if near.is_empty() {
        eprintln!("error: no entity named {name:?} (list them with `newsdb entities`)");
    } else {
        eprintln!(
            "error: no entity named {name:?}; did you mean {}?",
            near.iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(None)
}

/// The profile without its list, for the field/value table.
#[derive(Serialize)]
struct Summary<'a> {
    id: i64,
    name: &'a str,
    kind: String,
    aliases: &'a [String],
    articles: i64,
    mentions: i64,
    first_seen: Option<&'a str>,
    last_seen: Option<&'a str>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let Some(entity) = resolve(&store, &args.name, args.kind)? else {
        return Ok(ExitCode::from(1));
    };
    let profile = query::entity_profile(store.conn(), &entity.id.to_string())?
        .ok_or_else(|| anyhow::anyhow!("entity {} vanished while reading it", entity.id))?;
    if ctx.format == newsdb::output::Format::Table {
        ctx.print_record(&Summary {
            id: profile.id.0,
            name: &profile.name,
            kind: profile.kind.to_string(),
            aliases: &profile.aliases,
            articles: profile.articles,
            mentions: profile.mentions,
            first_seen: profile.first_seen.as_deref(),
            last_seen: profile.last_seen.as_deref(),
        })?;
        if !profile.cooccurring.is_empty() {
            use std::io::Write;
            writeln!(std::io::stdout(), "\nNamed in the same sentence:")?;
            let mut table =
                Table::from_rows(&profile.cooccurring, &["name", "kind", "count", "pmi"])?;
            // As `cooccur` shows it: PMI to 3 decimals.
            table.round_column("pmi", 3);
            ctx.print(&table)?;
        }
        if !profile.full_names.is_empty() {
            use std::io::Write;
            writeln!(
                std::io::stdout(),
                "\nFull names with this surname (link by hand: `newsdb entities merge`):"
            )?;
            let table =
                Table::from_rows(&profile.full_names, &["id", "name", "articles", "mentions"])?;
            ctx.print(&table)?;
        }
    } else {
        ctx.print_record(&profile)?;
    }
    Ok(ExitCode::SUCCESS)
}
