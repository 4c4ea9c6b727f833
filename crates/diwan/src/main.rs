//! The `diwan` binary: one program that serves, checks catalogues, benchmarks and administers.

mod catalog_files;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "diwan",
    version,
    about = "Diwan: government services online, end to end"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a catalogue folder and report every problem with file and line.
    Check {
        /// The folder holding agencies.toml, workflows/ and services/.
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { dir } => check(&dir),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    match catalog_files::load(dir)? {
        Ok(catalog) => {
            println!(
                "ok: {} services, {} agencies",
                catalog.services.len(),
                catalog.agencies.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in &problems {
                println!("{p}");
            }
            println!("{} problem(s) found", problems.len());
            Ok(ExitCode::FAILURE)
        }
    }
}
