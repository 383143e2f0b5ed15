//! `newsdb aliases`: the user's own alias list, applied across the store.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use newsdb::output::Table;
use newsdb::{EntityKind, Store, UserAlias};

use super::Ctx;

/// Your own aliases: names that always mean one entity ("Tories" -> organization
/// "Conservative Party"), beside the shipped `data/aliases.tsv`. They are stored in
/// the database, applied to stored mentions at once (the store is re-resolved) and to
/// every later import. The entity of a canonical name keeps that name and kind.
///
/// Alias files have the shipped list's format: one `alias<TAB>kind<TAB>canonical`
/// per line, `#` comments and blank lines ignored. `import --aliases FILE` and
/// `reextract --aliases FILE` add a file before they start.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb aliases add Tories organization \"Conservative Party\"
  newsdb aliases add \"Man Utd\" organization \"Manchester United\"
  newsdb aliases import my-aliases.tsv
  newsdb aliases list --format tsv
  newsdb aliases remove Tories")]
pub struct Args {
    #[command(subcommand)]
    command: Change,
}

#[derive(Debug, clap::Subcommand)]
enum Change {
    /// List your aliases.
    List,
    /// Add an alias (or change what it means).
    Add {
        /// The name as articles give it.
        alias: String,
        /// The kind of the entity it means: person, organization, location or misc.
        kind: EntityKind,
        /// The name of the entity it means.
        canonical: String,
    },
    /// Add every alias of a file (alias, kind, canonical name; tab-separated).
    Import {
        /// The alias file.
        file: PathBuf,
    },
    /// Remove an alias; its mentions go back to the entity of their own name.
    Remove {
        /// The alias (any spelling that folds to it).
        alias: String,
    },
}

/// Reads an alias file and adds it to the store; prints what re-resolution changed.
pub(super) fn add_file(store: &mut Store, file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading alias file {}", file.display()))?;
    let rows = newsdb::store::parse_alias_file(&text, &file.display().to_string())?;
    let n = rows.len();
    let report = store.add_user_aliases(&rows)?;
    eprintln!(
        "{n} alias(es) from {}: {} mention(s) moved, {} entit(y/ies) joined",
        file.display(),
        report.mentions_moved,
        report.entities_joined
    );
    Ok(())
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    // Only listing reads; every other change writes (to an existing database).
    let mut store = match args.command {
        Change::List => ctx.open_existing()?,
        _ => ctx.open_writable()?,
    };
    match args.command {
        Change::List => {
            ctx.print(&Table::from_rows(
                &store.user_aliases()?,
                &["alias", "kind", "canonical"],
            )?)?;
        }
        Change::Add {
            alias,
            kind,
            canonical,
        } => {
            let report = store.add_user_aliases(&[UserAlias {
                alias: alias.clone(),
                kind,
                canonical: canonical.clone(),
            }])?;
            eprintln!(
                "{alias:?} now means {kind} {canonical:?}: {} mention(s) moved (undo: newsdb aliases remove {alias:?})",
                report.mentions_moved
            );
            ctx.print_record(&report)?;
        }
        Change::Import { file } => {
            add_file(&mut store, &file)?;
        }
        Change::Remove { alias } => match store.remove_user_alias(&alias)? {
            Some(report) => {
                eprintln!(
                    "removed {alias:?}: {} mention(s) moved back",
                    report.mentions_moved
                );
                ctx.print_record(&report)?;
            }
            None => {
                eprintln!("error: no alias {alias:?} (list them with `newsdb aliases list`)");
                return Ok(ExitCode::from(1));
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}
