//! The `newsdb` command: parse arguments, run the command, map errors to exit codes
//! (0 ok, 1 some records failed or a name or id matched nothing, 2 usage or setup
//! error).

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// Whether writing to standard output failed because its reader went away.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<newsdb::Error>()
                .is_some_and(|n| n.to_string().contains("Broken pipe"))
    })
}

/// Whether the error is a name or id that matched nothing (exit code 1, as for an
/// unknown entity), from the library or from a command.
fn is_not_found(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause.is::<cli::NotFound>()
            || matches!(
                cause.downcast_ref::<newsdb::Error>(),
                Some(newsdb::Error::NotFound { .. })
            )
    })
}

/// The error and its causes on one line, each said once: a cause whose message is
/// already part of the text so far (an error that prints its source and also returns
/// it, as SQLite's do) adds nothing and is left out.
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if part.is_empty() || text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        // A reader that stops early (`| head`) is not an error, as in ripgrep.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::from(if is_not_found(&e) { 1 } else { 2 })
        }
    }
}
