//! `newsdb resolve`: corpus-level entity resolution over the whole store.

use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;

/// Re-run entity resolution over the whole store, without re-tagging: entities whose
/// names differ only in case, punctuation, hyphens, diacritics or a leading "the"
/// become one, and every entity's kind and displayed name are decided again from all
/// its mentions (their kinds weighted by confidence, the most frequent well-cased
/// name), and lone surnames ("Mr Howard") are linked to a full-name person of other
/// articles where the context says clearly which. Merges, unmerges and renames made with `newsdb entities` still hold. Imports
/// do this for the entities they touch; run it after upgrading a file written by an
/// older newsdb. Prints what changed.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb resolve
  newsdb resolve --db archive.sqlite --format json")]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    let mut store = ctx.open_writable()?;
    let report = store.resolve_entities()?;
    ctx.print_record(&report)?;
    Ok(ExitCode::SUCCESS)
}
