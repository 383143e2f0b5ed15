//! `newsdb resolve`: corpus-level entity resolution over the whole store, or over the
//! Parquet output of `newsdb extract` without a store (`--parquet`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::Ctx;

/// Re-run entity resolution over the whole store, without re-tagging: entities whose
/// names differ only in case, punctuation, hyphens, diacritics or a leading "the"
/// become one, and every entity's kind and displayed name are decided again from all
/// its mentions (their kinds weighted by confidence, the most frequent well-cased
/// name), and lone surnames ("Mr Howard") and names written with initials ("P
/// O'Connell") are linked to a full-name person of other articles where the context
/// says clearly which. Merges, unmerges and renames made
/// with `newsdb entities` still hold. Imports do this for the entities they touch; run
/// it after upgrading a file written by an older newsdb. Prints what changed.
///
/// With `--parquet DIR...` it resolves the output of `newsdb extract --format parquet`
/// (directories searched recursively for `articles.parquet`, `paragraphs.parquet` and
/// `mentions.parquet`) without any database, by the same rules, and writes
/// `entities.parquet` and `mention_entities.parquet` to `--out DIR`: the entities a
/// direct import of the same articles gives. Its memory grows with distinct names, not
/// with mentions. User aliases and merges live in a store and do not apply.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb resolve
  newsdb resolve --db archive.sqlite --format json
  newsdb extract seeds/ --format parquet --out seeds.extract --force
  newsdb resolve --parquet seeds.extract --out seeds.resolved --force --format json")]
pub struct Args {
    /// Resolve these extract directories (written by `newsdb extract --format parquet`)
    /// instead of the store.
    #[arg(long, value_name = "DIR", num_args = 1.., requires = "out")]
    parquet: Vec<PathBuf>,
    /// With `--parquet`: the directory to write `entities.parquet` and
    /// `mention_entities.parquet` to.
    #[arg(long, value_name = "DIR", requires = "parquet")]
    out: Option<PathBuf>,
    /// With `--parquet`: replace those files if they exist.
    #[arg(long, requires = "parquet")]
    force: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if let Some(out) = &args.out {
        return parquet(ctx, &args.parquet, out, args.force);
    }
    let mut store = ctx.open_writable()?;
    let report = store.resolve_entities()?;
    ctx.print_record(&report)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(feature = "parquet")]
fn parquet(ctx: &Ctx, dirs: &[PathBuf], out: &std::path::Path, force: bool) -> Result<ExitCode> {
    let report = newsdb::scale::resolve_parquet(dirs, out, force)?;
    ctx.print_record(&report)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "parquet"))]
fn parquet(_: &Ctx, _: &[PathBuf], _: &std::path::Path, _: bool) -> Result<ExitCode> {
    anyhow::bail!("this newsdb was built without the `parquet` feature")
}
