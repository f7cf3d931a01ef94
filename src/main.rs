use std::process::ExitCode;

use clap::Parser;

use backup_help_bot::cli::{self, Cli};
use backup_help_bot::logging;

fn main() -> ExitCode {
    logging::init();
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
