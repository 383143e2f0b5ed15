//! `newsdb export`: stream a table to stdout or a file.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use newsdb::output::Format;
use newsdb::query::{self, ExportFormat, GraphFormat, Level, NetworkOptions};
use newsdb::EntityKind;

use super::Ctx;

/// Export articles, entities or mentions, streamed row by row (constant memory), or
/// the co-occurrence network.
///
/// The global --format chooses the encoding: jsonl, json, csv or tsv; without it, the
/// --out file's extension does (.jsonl, .json, .csv, .tsv), else jsonl. A file is
/// written under a temporary name and renamed when complete; the database itself is
/// never a valid --out.
///
/// `export network` writes the entities (nodes: name, kind, mentions) and the pairs
/// named in the same sentence, paragraph or article at least --min-count times
/// (undirected edges: count, PMI in bits, as `cooccur` computes them) as GEXF
/// (Gephi), GraphML (Cytoscape, networkx, yEd) or CSV: --format gexf|graphml|csv, or
/// the --out extension (.gexf, .graphml); CSV writes nodes.csv and edges.csv into the
/// --out directory. Without --out, GEXF or GraphML goes to stdout.
///
/// `export parquet DIR` (or --out DIR) writes articles, paragraphs, entities,
/// entity_aliases, mentions (with the entity's name and kind and the article's
/// external id), sentence_pairs, paragraph_pairs, entity_units and unit_totals as
/// zstd-compressed Parquet files (DIR/NAME.parquet) with typed columns, and
/// DIR/_schema.json describing every column; `published_at` stays an ISO-8601
/// string. Rows are streamed in batches, so memory stays bounded. DIR must be new or
/// empty unless --force (files of the same names are then replaced); the files are
/// renamed into place only when all are written. It prints one row per file
/// (JSON Lines, or --format).
/// --partition month writes articles and mentions hive-style by the article's
/// publication month: DIR/articles/published_month=2005-01/part-0.parquet (undated
/// articles under published_month=unknown), read in DuckDB with
/// read_parquet('DIR/articles/*/*.parquet', hive_partitioning = true).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb export articles --format jsonl --out articles.jsonl
  newsdb export mentions --format csv > mentions.csv
  newsdb export entities --out entities.csv
  newsdb export entities
  newsdb export network --level sentence --min-count 2 --out network.gexf
  newsdb export network --level article --kind person --format graphml --out people.graphml
  newsdb export network --level paragraph --format csv --out network/
  newsdb export parquet parquet/
  newsdb export parquet --out parquet/ --force
  newsdb export parquet --partition month by-month/")]
pub struct Args {
    /// What to export.
    #[arg(value_enum)]
    what: What,
    /// `export parquet`: the directory to write the Parquet files into (or --out).
    #[arg(value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Write to this file instead of stdout (`export network --format csv` and
    /// `export parquet`: this directory).
    #[arg(long)]
    out: Option<PathBuf>,
    /// `export parquet`: write into a directory that is not empty, replacing the
    /// files of the same names.
    #[arg(long)]
    force: bool,
    /// `export parquet`: partition articles and mentions by the article's month,
    /// hive-style (articles/published_month=2005-01/part-0.parquet; undated
    /// articles under published_month=unknown).
    #[arg(long, value_enum, value_name = "BY")]
    partition: Option<PartitionBy>,
    /// `export network`: the unit two entities must share: sentence, paragraph or
    /// article.
    #[arg(long, default_value = "sentence")]
    level: Level,
    /// `export network`: the fewest shared units an edge needs.
    #[arg(long, default_value_t = 1)]
    min_count: u64,
    /// `export network`: only entities of this kind.
    #[arg(long)]
    kind: Option<EntityKind>,
}

impl Args {
    /// Whether this is `export network`, the one export that takes --format gexf or
    /// graphml.
    pub fn is_network(&self) -> bool {
        matches!(self.what, What::Network)
    }
}

/// The tables `export` can write.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum What {
    /// Every article with all its columns.
    Articles,
    /// Every entity with its aliases.
    Entities,
    /// Every mention with all its columns.
    Mentions,
    /// The co-occurrence network (GEXF, GraphML or nodes and edges CSV).
    Network,
    /// Every table as Parquet files in a directory, for DuckDB, Spark or Polars.
    Parquet,
}

/// How `export parquet --partition` splits articles and mentions.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PartitionBy {
    /// By the article's publication month (YYYY-MM, or unknown).
    Month,
}

/// Where and how `export network` writes.
enum NetworkOut {
    /// A GEXF or GraphML document.
    Graph(GraphFormat),
    /// nodes.csv and edges.csv in a directory.
    Csv(PathBuf),
}

/// `export network`'s encoding: --format gexf, graphml or csv, else the --out
/// extension (.gexf, .graphml), else a directory of CSV files when --out names one,
/// else GEXF on stdout.
fn network_out(ctx: &Ctx, out: Option<&Path>) -> Result<NetworkOut> {
    if let Some(g) = ctx.graph_format {
        return Ok(NetworkOut::Graph(g));
    }
    if ctx.format_given {
        return match (ctx.format, out) {
            (Format::Csv, Some(dir)) => Ok(NetworkOut::Csv(dir.to_path_buf())),
            (Format::Csv, None) => bail!(
                "export network --format csv writes two files (nodes.csv, edges.csv): \
                 name their directory with --out"
            ),
            _ => bail!("export network writes gexf, graphml or csv; pass one of those to --format"),
        };
    }
    let ext = out
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match (ext.as_deref(), out) {
        (Some("gexf"), _) => NetworkOut::Graph(GraphFormat::Gexf),
        (Some("graphml" | "xml"), _) => NetworkOut::Graph(GraphFormat::Graphml),
        (None, Some(dir)) => NetworkOut::Csv(dir.to_path_buf()),
        (Some(other), Some(_)) => bail!(
            "export network cannot tell the format from the extension .{other}: use \
             .gexf, .graphml, a directory (CSV), or --format gexf|graphml|csv"
        ),
        (_, None) => NetworkOut::Graph(GraphFormat::Gexf),
    })
}

/// Writes `path` through a temporary file beside it, renamed when `write` succeeds.
fn write_file(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    let file = File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut out = BufWriter::new(file);
    let done = write(&mut out).and_then(|()| Ok(out.flush()?));
    drop(out);
    if let Err(e) = done {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path).with_context(|| format!("moving the export to {}", path.display()))
}

fn export_network(ctx: &Ctx, args: &Args) -> Result<ExitCode> {
    let how = network_out(ctx, args.out.as_deref())?;
    let store = ctx.open_existing()?;
    let opts = NetworkOptions {
        level: args.level,
        min_count: args.min_count,
        kind: args.kind,
    };
    let net = query::network(store.conn(), &opts)?;
    let summary = format!(
        "{} node(s), {} edge(s) (entities sharing at least {} {}(s))",
        net.nodes.len(),
        net.edges.len(),
        args.min_count.max(1),
        args.level
    );
    match (how, &args.out) {
        (NetworkOut::Graph(g), Some(path)) => {
            check_not_the_database(ctx, path)?;
            write_file(path, |out| Ok(query::write_network(&net, g, out)?))?;
            eprintln!("exported {summary} to {}", path.display());
        }
        (NetworkOut::Graph(g), None) => {
            let mut out = BufWriter::new(io::stdout().lock());
            query::write_network(&net, g, &mut out)?;
            out.flush()?;
        }
        (NetworkOut::Csv(dir), _) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let (nodes, edges) = (dir.join("nodes.csv"), dir.join("edges.csv"));
            for p in [&nodes, &edges] {
                check_not_the_database(ctx, p)?;
            }
            // Both written before either is renamed: never a nodes file beside stale
            // edges.
            let mut node_bytes = Vec::new();
            let mut edge_bytes = Vec::new();
            query::write_network_csv(&net, &mut node_bytes, &mut edge_bytes)?;
            write_file(&nodes, |out| Ok(out.write_all(&node_bytes)?))?;
            write_file(&edges, |out| Ok(out.write_all(&edge_bytes)?))?;
            eprintln!(
                "exported {summary} to {} and {}",
                nodes.display(),
                edges.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The export encoding: the --format given, else the --out file's extension, else
/// JSON Lines. A table cannot be exported (it is cut to the terminal's width).
fn export_format(ctx: &Ctx, out: Option<&Path>) -> Result<ExportFormat> {
    if ctx.format_given {
        return match ctx.format {
            Format::Jsonl => Ok(ExportFormat::Jsonl),
            Format::Json => Ok(ExportFormat::Json),
            Format::Csv => Ok(ExportFormat::Csv),
            Format::Tsv => Ok(ExportFormat::Tsv),
            Format::Table => bail!(
                "export writes jsonl, json, csv or tsv, not a table (a table is cut to the terminal); \
                 pass one of those to --format"
            ),
        };
    }
    let ext = out
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    Ok(match ext.as_deref() {
        Some("json") => ExportFormat::Json,
        Some("csv") => ExportFormat::Csv,
        Some("tsv" | "tab") => ExportFormat::Tsv,
        _ => ExportFormat::Jsonl,
    })
}

/// Refuses an output path that is the database or one of its WAL files: writing
/// there would destroy the archive being exported.
fn check_not_the_database(ctx: &Ctx, out: &Path) -> Result<()> {
    let canon = |p: &Path| p.canonicalize().ok();
    let Some(db) = canon(&ctx.db) else {
        return Ok(());
    };
    let target = match out.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => canon(dir).map(|d| d.join(out.file_name().unwrap_or_default())),
        None => std::env::current_dir().ok().map(|d| d.join(out)),
    };
    let Some(target) = target else {
        return Ok(());
    };
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        if target.as_os_str() == name {
            bail!(
                "refusing to export into {}: it is the database (or its {}) being exported",
                out.display(),
                if suffix.is_empty() {
                    "file"
                } else {
                    &suffix[1..]
                }
            );
        }
    }
    Ok(())
}

#[cfg(feature = "parquet")]
fn export_parquet(ctx: &Ctx, args: &Args) -> Result<ExitCode> {
    use newsdb::output::Table;
    let dir = match (&args.dir, &args.out) {
        (Some(d), None) | (None, Some(d)) => d,
        (Some(_), Some(_)) => bail!("export parquet takes its directory once: DIR or --out DIR"),
        (None, None) => bail!("export parquet needs a directory: newsdb export parquet DIR"),
    };
    if dir.is_file() {
        bail!(
            "{} is a file; export parquet writes a directory",
            dir.display()
        );
    }
    if dir.is_dir() && !args.force {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; pass --force to replace its Parquet files, or name a new directory",
                dir.display()
            );
        }
    }
    for t in query::PARQUET_TABLES {
        check_not_the_database(ctx, &dir.join(format!("{}.parquet", t.name)))?;
    }
    let store = ctx.open_existing()?;
    let opts = query::ParquetOptions {
        partition: args
            .partition
            .map(|PartitionBy::Month| query::Partition::Month),
    };
    let files = query::export_parquet(store.conn(), dir, &opts)
        .with_context(|| format!("exporting Parquet to {}", dir.display()))?;
    let rows: u64 = files.iter().map(|f| f.rows).sum();
    // One row per file, in --format; JSON Lines without it, as every export.
    let format = if ctx.format_given {
        ctx.format
    } else {
        Format::Jsonl
    };
    let table = Table::from_rows(&files, &["table", "rows", "bytes", "path"])?;
    let mut out = io::stdout().lock();
    newsdb::output::render(&table, format, ctx.width(), &mut out)?;
    out.flush()?;
    eprintln!(
        "exported {rows} rows in {} Parquet files to {}",
        files.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "parquet"))]
fn export_parquet(_ctx: &Ctx, _args: &Args) -> Result<ExitCode> {
    bail!("this newsdb was built without Parquet support (cargo feature `parquet`)")
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let network_flags = args.kind.is_some() || args.min_count != 1 || args.level != Level::Sentence;
    if network_flags && !args.is_network() {
        bail!("--level, --min-count and --kind are for `newsdb export network` only");
    }
    if matches!(args.what, What::Parquet) {
        return export_parquet(ctx, &args);
    }
    if args.dir.is_some() || args.force || args.partition.is_some() {
        bail!(
            "a DIR argument, --force and --partition are for `newsdb export parquet` only; \
             use --out FILE"
        );
    }
    if args.is_network() {
        return export_network(ctx, &args);
    }
    let store = ctx.open_existing()?;
    let format = export_format(ctx, args.out.as_deref())?;
    if let Some(p) = &args.out {
        check_not_the_database(ctx, p)?;
    }
    // Written to a temporary file beside the target, renamed when complete: a failed
    // export never leaves half a file under the name asked for.
    let tmp = args.out.as_ref().map(|p| {
        let mut name = p.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tmp-{}", std::process::id()));
        p.with_file_name(name)
    });
    let mut out: Box<dyn Write> = match &tmp {
        Some(p) => Box::new(BufWriter::new(
            File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    let conn = store.conn();
    let written = match args.what {
        What::Articles => query::export_articles(conn, format, &mut out),
        What::Entities => query::export_entities(conn, format, &mut out),
        What::Mentions => query::export_mentions(conn, format, &mut out),
        What::Network | What::Parquet => {
            unreachable!("export network and parquet returned above")
        }
    };
    let n = match written.map_err(anyhow::Error::from).and_then(|n| {
        out.flush()?;
        Ok(n)
    }) {
        Ok(n) => n,
        Err(e) => {
            if let Some(t) = &tmp {
                let _ = std::fs::remove_file(t);
            }
            return Err(e);
        }
    };
    drop(out);
    if let (Some(t), Some(p)) = (&tmp, &args.out) {
        std::fs::rename(t, p).with_context(|| format!("moving the export to {}", p.display()))?;
        eprintln!("exported {n} rows to {}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}
