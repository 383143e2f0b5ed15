//! Command-line interface: one module per subcommand, each parsing its arguments,
//! calling the library and rendering the result through [`newsdb::output`].

mod aliases;
mod articles;
mod check;
mod completions;
mod cooccur;
mod delete;
mod entities;
mod entity;
mod export;
mod extract;
mod import;
mod init;
mod man;
mod mentions;
mod ner;
mod reextract;
mod resolve;
mod schema;
mod search;
#[cfg(feature = "serve")]
mod serve;
mod show;
mod sql;
mod stats;
mod timeline;

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use newsdb::output::{self, Format, Table};
use newsdb::{Article, Store};
use serde::Serialize;

/// An embedded store for news articles and the entities in them.
///
/// Import news files into one SQLite file, then search, explore entities and run
/// read-only SQL on it.
#[derive(Debug, Parser)]
#[command(name = "newsdb", version, propagate_version = true)]
#[command(after_help = "Examples:
  newsdb import seeds/                                 # import every file under seeds/
  newsdb search khamenei                               # ranked full-text search
  newsdb entity \"Bashar al-Assad\"                      # an entity's profile
  newsdb cooccur \"Bashar al-Assad\" --level sentence    # who is named with it
  newsdb show 000_74746990a53cdcfb                     # one article, its mentions marked
  newsdb sql \"SELECT title FROM articles\" --format json
  newsdb check                                         # verify the database")]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Flags every command accepts, before or after the subcommand.
#[derive(Debug, clap::Args)]
struct Global {
    /// Database file (created by `import` or `init` if missing; other commands only
    /// open a newsdb database, and those that only read never change it).
    #[arg(
        long,
        global = true,
        env = "NEWSDB_DB",
        default_value = "newsdb.sqlite"
    )]
    db: PathBuf,
    /// Output format [default: table; for `export`, from the --out file's extension,
    /// else jsonl; gexf and graphml are for `export network` only].
    #[arg(long, global = true, value_enum)]
    format: Option<FormatArg>,
}

/// Output format names for `--format`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Aligned columns fitted to the terminal.
    Table,
    /// A JSON array (an object for single records).
    Json,
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header.
    Csv,
    /// Tab-separated values with a header, one line per record: a tab, newline,
    /// carriage return or backslash in a field is written \t, \n, \r or \\.
    Tsv,
    /// GEXF, for Gephi (`export network` only).
    Gexf,
    /// GraphML, for Cytoscape, networkx and yEd (`export network` only).
    Graphml,
    /// Parquet files in the `--out` directory (`extract` only).
    Parquet,
}

impl FormatArg {
    /// The row format, or the graph format (`export network`).
    fn split(self) -> Result<Format, newsdb::query::GraphFormat> {
        match self {
            FormatArg::Table => Ok(Format::Table),
            FormatArg::Json => Ok(Format::Json),
            FormatArg::Jsonl => Ok(Format::Jsonl),
            FormatArg::Csv => Ok(Format::Csv),
            FormatArg::Tsv => Ok(Format::Tsv),
            FormatArg::Gexf => Err(newsdb::query::GraphFormat::Gexf),
            FormatArg::Graphml => Err(newsdb::query::GraphFormat::Graphml),
            // Only `extract` takes it, and it prints no rows.
            FormatArg::Parquet => Ok(Format::Jsonl),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    Import(import::Args),
    Extract(extract::Args),
    Init(init::Args),
    Articles(articles::Args),
    Show(show::Args),
    Schema(schema::Args),
    Sql(sql::Args),
    Check(check::Args),
    Reextract(reextract::Args),
    Delete(delete::Args),
    Aliases(aliases::Args),
    Resolve(resolve::Args),
    Ner(ner::Args),
    Search(search::Args),
    #[cfg(feature = "serve")]
    Serve(serve::Args),
    Entities(entities::Args),
    Entity(entity::Args),
    Mentions(mentions::Args),
    Cooccur(cooccur::Args),
    Timeline(timeline::Args),
    Stats(stats::Args),
    Export(export::Args),
    Completions(completions::Args),
    Man(man::Args),
}

/// A name or id given on the command line that matches nothing: `main` exits with
/// code 1 for it, as for an unknown entity.
#[derive(Debug)]
pub struct NotFound(String);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotFound {}

/// The article with this external id, else this row id (`#N` always names row id N;
/// see [`Store::find_article`]); none is a [`NotFound`] error.
fn find_article(store: &Store, key: &str) -> Result<Article> {
    store.find_article(key)?.ok_or_else(|| {
        NotFound(format!(
            "no article with external id or row id {key:?} (list them with `newsdb articles`)"
        ))
        .into()
    })
}

/// `--since`/`--until` for the commands that read an entity's mentions over time,
/// checked as `articles` and `search` check theirs.
#[derive(Debug, clap::Args)]
struct Dates {
    /// Only articles published on or after this date (e.g. 2019-02-01).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    since: Option<String>,
    /// Only articles published on or before this date (2019-03 includes March).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    until: Option<String>,
}

impl Dates {
    /// The period asked for; `None` when neither bound was given.
    fn period(&self) -> Option<newsdb::query::Period> {
        (self.since.is_some() || self.until.is_some()).then(|| newsdb::query::Period {
            from: self.since.clone(),
            to: self.until.clone(),
        })
    }
}

/// What every command gets: where the database is and how to print.
pub struct Ctx {
    db: PathBuf,
    format: Format,
    /// Whether --format was given (commands with another default need to know).
    format_given: bool,
    /// `--format parquet`, which only `extract` takes.
    parquet: bool,
    /// `--format gexf` or `graphml`, which only `export network` takes.
    graph_format: Option<newsdb::query::GraphFormat>,
}

impl Ctx {
    /// Opens (creating and migrating) the database for writing: `import` and `init`
    /// only.
    fn open(&self) -> Result<Store> {
        self.opened(Store::open(&self.db))
    }

    /// Opens an existing newsdb database for reading only: nothing is written to it,
    /// not even a migration or a journal mode; a missing file, a file of another
    /// program and an older schema are clear errors. In a read-only folder the file is
    /// read as immutable, and stderr says so.
    fn open_existing(&self) -> Result<Store> {
        let store = self.opened(Store::open_read_only(&self.db))?;
        if store.read_mode() == Some(newsdb::db::ReadMode::Immutable) {
            self.note_immutable();
        }
        Ok(store)
    }

    /// Says on stderr that the database is read as immutable, and what that means.
    fn note_immutable(&self) {
        eprintln!(
            "note: {} is read as an unchanging file: SQLite cannot create its -shm \
             file in that folder (read-only), so changes by other programs are not seen",
            self.db.display()
        );
    }

    /// Opens an existing newsdb database for a command that changes it, bringing an
    /// older schema up to date; never creates a file.
    fn open_writable(&self) -> Result<Store> {
        self.opened(Store::open_existing(&self.db))
    }

    /// The store, or the error: as it is when it names the file, else with the file.
    fn opened(&self, store: newsdb::Result<Store>) -> Result<Store> {
        use newsdb::Error as E;
        match store {
            Err(
                e @ (E::NotADatabase { .. }
                | E::NotNewsdb { .. }
                | E::EmptyDatabase { .. }
                | E::SchemaTooOld { .. }
                | E::InvalidArgument(_)),
            ) => Err(e.into()),
            opened => opened.with_context(|| format!("opening {}", self.db.display())),
        }
    }

    fn width(&self) -> usize {
        terminal_size::terminal_size()
            .map(|(w, _)| w.0 as usize)
            .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
            .unwrap_or(120)
    }

    /// Prints rows to stdout in the chosen format.
    fn print(&self, table: &Table) -> Result<()> {
        let mut out = io::stdout().lock();
        output::render(table, self.format, self.width(), &mut out)?;
        out.flush()?;
        Ok(())
    }

    /// Prints one record to stdout in the chosen format.
    fn print_record<T: Serialize>(&self, item: &T) -> Result<()> {
        let mut out = io::stdout().lock();
        output::render_record(item, self.format, self.width(), &mut out)?;
        out.flush()?;
        Ok(())
    }

    /// Whether progress may be drawn on stderr.
    fn stderr_is_terminal(&self) -> bool {
        io::stderr().is_terminal()
    }
}

/// Ends the process with exit code 2 once `timeout` (and a short grace) has passed:
/// the library stops a query at its timeout, between rows and in SQLite's own steps;
/// this also covers time spent where it cannot look at the clock, such as writing one
/// huge value to a slow pipe. `what` names the work in the message.
fn stop_after(timeout: Duration, what: &'static str) {
    std::thread::spawn(move || {
        std::thread::sleep(timeout + STOP_GRACE);
        let late = newsdb::Error::Timeout {
            what,
            seconds: timeout.as_secs_f64(),
        };
        eprintln!("error: {late}");
        std::process::exit(2);
    });
}

/// Parses `--timeout SECONDS`: a number of seconds, 0 for no limit.
fn parse_timeout(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t >= 0.0 && Duration::try_from_secs_f64(t).is_ok() => Ok(t),
        _ => Err(format!(
            "{s:?} is not a number of seconds (use e.g. 30, 0.5, or 0 for no limit)"
        )),
    }
}

/// How long after its timeout a command is ended if it has not stopped by itself.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let (format, graph_format) = match cli.global.format.unwrap_or(FormatArg::Table).split() {
        Ok(format) => (format, None),
        Err(graph) => (Format::Table, Some(graph)),
    };
    if graph_format.is_some() && !matches!(&cli.command, Command::Export(a) if a.is_network()) {
        anyhow::bail!(
            "--format gexf and --format graphml are for `newsdb export network` only \
             (other commands print table, json, jsonl, csv or tsv)"
        );
    }
    let parquet = matches!(cli.global.format, Some(FormatArg::Parquet));
    if parquet && !matches!(&cli.command, Command::Extract(_)) {
        anyhow::bail!(
            "--format parquet is for `newsdb extract` only (a store is written as Parquet \
             by `newsdb export parquet DIR`)"
        );
    }
    let ctx = Ctx {
        db: cli.global.db,
        format,
        parquet,
        format_given: cli.global.format.is_some(),
        graph_format,
    };
    match cli.command {
        Command::Import(a) => import::run(&ctx, a),
        Command::Extract(a) => extract::run(&ctx, a),
        Command::Init(a) => init::run(&ctx, a),
        Command::Articles(a) => articles::run(&ctx, a),
        Command::Show(a) => show::run(&ctx, a),
        Command::Schema(a) => schema::run(&ctx, a),
        Command::Sql(a) => sql::run(&ctx, a),
        Command::Check(a) => check::run(&ctx, a),
        Command::Reextract(a) => reextract::run(&ctx, a),
        Command::Delete(a) => delete::run(&ctx, a),
        Command::Aliases(a) => aliases::run(&ctx, a),
        Command::Resolve(a) => resolve::run(&ctx, a),
        Command::Ner(a) => ner::run(&ctx, a),
        Command::Search(a) => search::run(&ctx, a),
        #[cfg(feature = "serve")]
        Command::Serve(a) => serve::run(&ctx, a),
        Command::Entities(a) => entities::run(&ctx, a),
        Command::Entity(a) => entity::run(&ctx, a),
        Command::Mentions(a) => mentions::run(&ctx, a),
        Command::Cooccur(a) => cooccur::run(&ctx, a),
        Command::Timeline(a) => timeline::run(&ctx, a),
        Command::Stats(a) => stats::run(&ctx, a),
        Command::Export(a) => export::run(&ctx, a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
    }
}
