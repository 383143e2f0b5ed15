//! `newsdb search`: full-text search with snippets and filters.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Result;
use newsdb::output::{Format, Table};
use newsdb::query::{self, Filters, SearchOptions, Sort};
use newsdb::EntityKind;

use super::{entity, Ctx};

/// Search titles and bodies, best matches first (title matches weigh more).
///
/// QUERY is FTS5 syntax: words (all must match, stemmed), "exact phrases", OR, NOT,
/// prefix*, title:word. Invalid syntax exits with code 2 and the reason; --literal
/// searches the words as typed.
///
/// The relevance column is minus SQLite's bm25 score: higher is better, 0 is barely
/// relevant (words in more than half of the articles score near 0). Tables, CSV and
/// TSV round it to 2 decimals; JSON keeps full precision. With table output the
/// total number of hits is printed on stderr ("37 hits, showing 1-20").
///
/// A query has at most 1000 characters and 64 terms (each word, and each part of a
/// word such as Kilroy-Silk); a longer one exits with code 2, and so does a search
/// still running after --timeout seconds (5 by default).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb search Khamenei
  newsdb search '\"civil war\" AND syria' --sort newest --limit 5
  newsdb search iran --entity \"Bashar al-Assad\" --since 2019-01 --format json
  newsdb search --literal 'US \"troops'
  newsdb search 'assad* OR khamen*' --timeout 10")]
pub struct Args {
    /// The search query (FTS5 syntax unless --literal).
    query: String,
    /// Search the words as typed: quotes and operators are plain text.
    #[arg(long)]
    literal: bool,
    /// Order: relevance (bm25) or newest (published_at).
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    sort: SortArg,
    /// Only articles mentioning this entity (name, alias or id).
    #[arg(long)]
    entity: Option<String>,
    /// Only articles mentioning an entity of this kind (person, organization, location, misc).
    #[arg(long)]
    kind: Option<EntityKind>,
    /// Only articles published on or after this date (e.g. 2019-02-01).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    since: Option<String>,
    /// Only articles published on or before this date (2019-03 includes March).
    #[arg(long, value_parser = newsdb::load::dates::date_bound)]
    until: Option<String>,
    /// Only articles from this source.
    #[arg(long)]
    source: Option<String>,
    /// Only articles in this language (ISO 639-3, e.g. eng).
    #[arg(long)]
    language: Option<String>,
    /// How many hits to show.
    #[arg(long, default_value_t = 20)]
    limit: u32,
    /// How many hits to skip first.
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// Stop a search still running after this many seconds (0: no limit).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = super::parse_timeout)]
    timeout: f64,
}

/// Result orders for `--sort`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SortArg {
    /// Best bm25 score first.
    Relevance,
    /// Latest publication date first.
    Newest,
}

/// The least time the count of hits gets, however little of the timeout is left (a
/// zero timeout would mean none).
const MIN_LEFT: Duration = Duration::from_millis(1);

const COLUMNS: &[&str] = &[
    "id",
    "external_id",
    "published_at",
    "title",
    "relevance",
    "snippet",
];

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let timeout = (args.timeout > 0.0).then(|| Duration::from_secs_f64(args.timeout));
    let started = Instant::now();
    if let Some(t) = timeout {
        super::stop_after(t, "search");
    }
    let store = ctx.open_existing()?;
    if let Some(name) = &args.entity {
        if entity::resolve(&store, name, args.kind)?.is_none() {
            return Ok(ExitCode::from(1));
        }
    }
    let options = SearchOptions {
        literal: args.literal,
        sort: match args.sort {
            SortArg::Relevance => Sort::Relevance,
            SortArg::Newest => Sort::Newest,
        },
        filters: Filters {
            entity: args.entity,
            kind: args.kind,
            since: args.since,
            until: args.until,
            source: args.source,
            language: args.language,
        },
        limit: args.limit,
        offset: args.offset,
        timeout,
        ..Default::default()
    };
    let hits = query::search(store.conn(), &args.query, &options)?;
    let mut table = Table::from_rows(&hits, COLUMNS)?;
    if !ctx.format.is_json() {
        table.round_column("relevance", 2);
    }
    ctx.print(&table)?;
    if ctx.format == Format::Table {
        // The total is part of the command: it gets what is left of the timeout.
        let left = SearchOptions {
            timeout: timeout.map(|t| t.saturating_sub(started.elapsed()).max(MIN_LEFT)),
            ..options
        };
        let total = match query::count_hits(store.conn(), &args.query, &left) {
            // The hits are shown; only their number is unknown.
            Err(newsdb::Error::Timeout { .. }) => {
                eprintln!(
                    "{} hits shown; counting all of them ran past the timeout",
                    hits.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            total => total?,
        };
        let first = u64::from(options.offset) + 1;
        let last = u64::from(options.offset) + hits.len() as u64;
        match total {
            1 => eprintln!("1 hit"),
            n if hits.is_empty() || (first == 1 && last == n) => eprintln!("{n} hits"),
            n => eprintln!("{n} hits, showing {first}-{last}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
