//! The `diwan` binary: one program that serves, checks catalogues, benchmarks and administers.

mod audit;
mod backup;
mod bench;
mod bench_ledger;
mod bench_search;
mod citizen;
mod config;
mod serve;
mod store;
mod verify;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;

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
    /// Run the server.
    Serve {
        /// Demo mode: create a clerk and a manager per agency (passwords in <data>/demo-credentials.json).
        #[arg(long)]
        demo: bool,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Serve Prometheus metrics (GET /metrics) on this separate address [default: off].
        #[arg(long, value_name = "ADDR")]
        metrics_listen: Option<SocketAddr>,
        /// Data folder [default: ./diwan-data].
        #[arg(long)]
        data: Option<PathBuf>,
        /// Configuration file (TOML); `diwan config print-default` shows one.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Catalogue folder [default: catalog/eg].
        #[arg(long)]
        catalog: Option<PathBuf>,
        /// PostgreSQL URL (postgres://…) [default: the embedded SQLite file in the data folder].
        #[arg(long)]
        database: Option<String>,
    },
    /// Check a catalogue folder and report every problem with file and line.
    Check {
        /// The folder holding agencies.toml, workflows/ and services/.
        dir: PathBuf,
    },
    /// Measure throughput and latency over real HTTP against a fresh server.
    Bench {
        /// The scenario: submit, lifecycle, status, search (accuracy and speed of search) or
        /// ledger (appends, and proofs from the stored tree).
        scenario: String,
        /// search: the labelled queries (`query<TAB>service_id`, or `none`).
        file: Option<PathBuf>,
        /// search: also show what each step of the search pipeline adds.
        #[arg(long)]
        steps: bool,
        /// search: also list every query answered wrongly, with what it was read as.
        #[arg(long)]
        misses: bool,
        /// ledger: how many leaves to append before timing proofs.
        #[arg(long, default_value_t = 1 << 20)]
        leaves: u64,
        /// Concurrent HTTP clients.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Seconds each measured run lasts.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Catalogue folder.
        #[arg(long, default_value = "catalog/eg")]
        catalog: PathBuf,
        /// Country rules file.
        #[arg(long, default_value = "countries/eg.toml")]
        country: PathBuf,
        /// Folder for the temporary databases (the disk being measured) [default: the system temp folder].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Measure PostgreSQL at this URL instead of the embedded store.
        #[arg(long)]
        database: Option<String>,
    },
    /// Write a consistent copy of the database while the server runs.
    Backup {
        /// The backup file to create.
        out: PathBuf,
        /// Data folder [default: from the configuration, ./diwan-data].
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Replace the database with a backup (the server must be stopped).
    Restore {
        /// The backup file.
        backup: PathBuf,
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Citizens on record.
    Citizen {
        #[command(subcommand)]
        command: CitizenCommand,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Audit a running Diwan's tamper-evident log over HTTP.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Verify a certificate offline against a published key set (exit 2 if it is not valid).
    Verify {
        /// The `DW1:` payload, or `-` to read it from standard input.
        payload: String,
        /// The key set file (the JSON served at /.well-known/diwan/keys).
        #[arg(long)]
        keys: PathBuf,
        /// Verify as of this time, in Unix seconds [default: now].
        #[arg(long, value_name = "UNIX_SECONDS", allow_negative_numbers = true)]
        at: Option<i64>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the log: signed checkpoint, every entry, consistency with the last run, proofs
    /// (exit 2 if it does not verify).
    Verify {
        /// The server's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: String,
        /// Where to keep the pinned key and the last verified size and root between runs.
        #[arg(long)]
        state: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CitizenCommand {
    /// Record the mobile number on file for a national ID (what the civil registry provides).
    Add {
        national_id: String,
        phone: String,
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the default configuration file, with comments.
    PrintDefault,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            demo,
            listen,
            metrics_listen,
            data,
            config,
            catalog,
            database,
        } => serve_command(
            demo,
            listen,
            metrics_listen,
            data,
            config,
            catalog,
            database,
        ),
        Command::Check { dir } => check(&dir),
        Command::Bench {
            scenario,
            file,
            steps,
            misses,
            catalog,
            ..
        } if scenario == "search" => match file {
            Some(file) => bench_search::run(&file, &catalog, steps, misses),
            None => Err(anyhow::anyhow!(
                "usage: diwan bench search FILE [--steps] [--misses] [--catalog DIR]"
            )),
        }
        .map(|()| ExitCode::SUCCESS),
        Command::Bench {
            scenario,
            leaves,
            clients,
            dir,
            database,
            ..
        } if scenario == "ledger" => bench_ledger::run(bench_ledger::LedgerBenchOptions {
            leaves,
            clients,
            dir,
            database,
        })
        .map(|()| ExitCode::SUCCESS),
        Command::Bench {
            scenario,
            clients,
            seconds,
            catalog,
            country,
            dir,
            database,
            ..
        } => bench::run(bench::BenchOptions {
            scenario,
            clients,
            seconds,
            catalog,
            country,
            dir,
            database,
        })
        .map(|()| ExitCode::SUCCESS),
        Command::Backup { out, data, config } => data_dir(data, config)
            .and_then(|d| backup::backup(&d, &out))
            .map(|()| ExitCode::SUCCESS),
        Command::Restore {
            backup: file,
            data,
            config,
        } => data_dir(data, config)
            .and_then(|d| backup::restore(&d, &file, unix_now()))
            .map(|()| ExitCode::SUCCESS),
        Command::Citizen {
            command:
                CitizenCommand::Add {
                    national_id,
                    phone,
                    data,
                    config,
                },
        } => citizen_add(&national_id, &phone, data, config),
        Command::Config {
            command: ConfigCommand::PrintDefault,
        } => {
            print!("{}", config::DEFAULT_FILE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { url, state },
        } => audit::verify(&url, state.as_deref()),
        Command::Verify { payload, keys, at } => {
            verify::run(&payload, &keys, at.unwrap_or_else(|| unix_now_ms() / 1000))
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve_command(
    demo: bool,
    listen: Option<SocketAddr>,
    metrics_listen: Option<SocketAddr>,
    data: Option<PathBuf>,
    config_file: Option<PathBuf>,
    catalog: Option<PathBuf>,
    database: Option<String>,
) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(config_file.as_deref())?;
    if database.is_some() {
        config.database = database;
    }
    config.demo |= demo;
    if let Some(listen) = listen {
        config.listen = listen.to_string();
    }
    if let Some(addr) = metrics_listen {
        config.metrics_listen = Some(addr.to_string());
    }
    if let Some(data) = data {
        config.data_dir = data;
    }
    if let Some(catalog) = catalog {
        config.catalog = catalog;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&config.log).unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve::run(config))?;
    Ok(ExitCode::SUCCESS)
}

fn citizen_add(
    national_id: &str,
    phone: &str,
    data: Option<PathBuf>,
    config_file: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(config_file.as_deref())?;
    if let Some(data) = data {
        config.data_dir = data;
    }
    let now_ms = unix_now_ms();
    let today = time::OffsetDateTime::from_unix_timestamp(now_ms / 1000)?.date();
    tokio::runtime::Runtime::new()?.block_on(citizen::add(
        &config,
        national_id,
        phone,
        today,
        now_ms,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The data folder of the embedded store; PostgreSQL is backed up with its own tools.
fn data_dir(data: Option<PathBuf>, config_file: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let config = Config::load(config_file.as_deref())?;
    if !matches!(
        store::backend(config.database.as_deref())?,
        store::Backend::Sqlite
    ) {
        anyhow::bail!(
            "the configured database is PostgreSQL: back it up with pg_dump and restore with pg_restore (see docs/operations.md)"
        );
    }
    Ok(data.unwrap_or(config.data_dir))
}

fn unix_now() -> u64 {
    (unix_now_ms() / 1000) as u64
}

#[allow(clippy::disallowed_methods)] // the binary is the edge that reads the clock
fn unix_now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn check(dir: &Path) -> anyhow::Result<ExitCode> {
    match diwan_server::catalog_files::load(dir)? {
        Ok(catalog) => {
            println!(
                "ok: {} services, {} agencies, {} done elsewhere",
                catalog.services.len(),
                catalog.agencies.len(),
                catalog.elsewhere.len()
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
