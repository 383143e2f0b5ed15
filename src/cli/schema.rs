//! `newsdb schema`: schema version and tables.

use std::process::ExitCode;

use anyhow::Result;
use std::io::Write;

use newsdb::output::{Format, Table};

use super::Ctx;

/// Show the schema version and the tables and views of the database, with their
/// columns. The version goes to stderr with table, csv and tsv output; JSON gives an
/// object with `schema_version` and `objects`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb schema
  newsdb schema --format json")]
pub struct Args {}

/// What `schema --format json` prints.
#[derive(serde::Serialize)]
struct Schema {
    schema_version: i64,
    objects: Vec<newsdb::store::SchemaObject>,
}

pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let schema = Schema {
        schema_version: store.schema_version()?,
        objects: store.schema_objects()?,
    };
    match ctx.format {
        Format::Json | Format::Jsonl => {
            let text = if ctx.format == Format::Json {
                serde_json::to_string_pretty(&schema)?
            } else {
                serde_json::to_string(&schema)?
            };
            let mut out = std::io::stdout().lock();
            writeln!(out, "{text}")?;
            out.flush()?;
        }
        _ => {
            eprintln!("schema version {}", schema.schema_version);
            let mut t = Table::new(&["name", "type", "columns"]);
            for o in schema.objects {
                t.rows
                    .push(vec![o.name.into(), o.kind.into(), o.columns.into()]);
            }
            ctx.print(&t)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
