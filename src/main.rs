//! The `newsdb` command: parse arguments, run the command, map errors to exit codes
//! (0 ok, 1 some records failed, 2 usage or setup error).

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

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        // A reader that stops early (`| head`) is not an error, as in ripgrep.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
