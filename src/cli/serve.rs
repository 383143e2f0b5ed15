//! `newsdb serve`: the read-only web view (see [`newsdb::serve`]).

use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use newsdb::serve::{ServeOptions, Server};

use super::Ctx;

/// Serve a local, read-only web view of the database: search, articles with their
/// entities marked, entity pages with a timeline and co-occurring entities, the
/// co-occurrence network, stats, and a JSON API under /api/.
///
/// The database is opened read-only for every request (as `newsdb sql` opens it), so
/// the server can run beside an import and shows what it has committed. It listens
/// on loopback (127.0.0.1) unless --host says otherwise, prints its URL on stdout,
/// and stops on Ctrl-C. --port 0 takes any free port (the URL printed says which).
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  newsdb serve                          # http://127.0.0.1:8080/ until Ctrl-C
  newsdb serve --port 0                 # any free port; the URL printed says which
  newsdb serve --port 8081 --timeout 5  # another port, 5 s at most per request")]
pub struct Args {
    /// The port to listen on (0: any free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The address to listen on: 127.0.0.1 (this machine only) unless you mean to
    /// share the archive, e.g. 0.0.0.0 for every network interface.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Stop a request's queries after this many seconds (the page then says so).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = super::parse_timeout)]
    timeout: f64,
    /// Requests answered at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    threads: u16,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let options = ServeOptions {
        db: ctx.db.clone(),
        host: args.host,
        port: args.port,
        // 0 means no limit elsewhere; a server without one would let one request
        // hold a worker forever, so it means a day here.
        timeout: match args.timeout {
            0.0 => Duration::from_secs(86_400),
            t => Duration::from_secs_f64(t),
        },
        threads: usize::from(args.threads),
    };
    // The same checks and messages as every reading command, before listening.
    drop(ctx.open_existing()?);
    let server = Server::bind(&options)?;
    let stopper = server.stopper();
    ctrlc::set_handler(move || stopper.stop()).context("setting the Ctrl-C handler")?;
    if !args.host.is_loopback() {
        eprintln!(
            "note: listening on {}: other machines can read this archive",
            args.host
        );
    }
    println!("newsdb serve: {} (read-only; Ctrl-C stops)", server.url());
    use std::io::Write;
    std::io::stdout().flush()?;
    server.run();
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}
