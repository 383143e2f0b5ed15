//! The `newsdb` command: parse arguments, run the command, map errors to exit codes
//! (0 ok, 1 some records failed, 2 usage or setup error).

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
