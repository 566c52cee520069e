//! `aisle`: parse the command line, send logs to a file, dispatch.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use aisle::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = init_logging(&cli) {
        eprintln!("aisle: logging is off: {e:#}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("aisle: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "command failed");
            eprintln!("aisle: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to `<data dir>/aisle.log`: the terminal belongs to the screen.
fn init_logging(cli: &Cli) -> anyhow::Result<()> {
    let dir = aisle::db::data_dir::resolve_data_dir(cli.global.data_dir.clone())
        .context("finding the data directory")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("aisle.log");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("AISLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}
