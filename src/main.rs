//! `tip-audit`: parse the command line, run, map the outcome to an exit status.

use std::process::ExitCode;

use clap::Parser;
use tip_audit::cli::Cli;
use tip_audit::commands::{self, Outcome};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let usage = error.use_stderr();
            // clap prints help and version to stdout, usage errors to stderr.
            let _ = error.print();
            return if usage {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match commands::run(cli) {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Ok(Outcome::Incomplete) => ExitCode::from(2),
        Err(error) => {
            #[allow(clippy::print_stderr)] // main is the one place that reports a fatal error
            {
                eprintln!("tip-audit: {error:#}");
            }
            ExitCode::from(2)
        }
    }
}
