//! `backline list`: the vendor directory in a terminal, and `backline migrate`.

use std::{process::ExitCode, sync::Arc};

use anyhow::Context as _;
use clap::ValueEnum;

use super::{GuildArg, startup};
use crate::{
    commands::{CommandError, Core, DirectoryFilter, SystemClock, directory_export},
    domain::Criticality,
    store::DatabaseUrl,
};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    guild: GuildArg,
    /// Only vendors this critical: critical, high, medium or low.
    #[arg(long, value_parser = Criticality::parse)]
    criticality: Option<Criticality>,
    /// Only vendors whose owner is in this team (any case).
    #[arg(long)]
    team: Option<String>,
    /// Only vendors whose support plan answers right now.
    #[arg(long)]
    covered_now: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub async fn list(database_url: &DatabaseUrl, args: ListArgs) -> anyhow::Result<ExitCode> {
    let filter = match DirectoryFilter::new(args.criticality, args.team.as_deref(), args.covered_now) {
        Ok(filter) => filter,
        Err(message) => {
            eprintln!("--team: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let store = startup::open_store(database_url).await?;
    let core = Core::new(Arc::clone(&store), Arc::new(SystemClock));
    let entries = core.directory(args.guild.get(), &filter).await;
    store.close().await;
    let entries = match entries {
        Ok(entries) => entries,
        Err(CommandError::User(message)) => {
            eprintln!("{message}");
            return Ok(ExitCode::FAILURE);
        }
        Err(CommandError::Internal(e)) => return Err(e),
    };
    match args.format {
        Format::Human => print!("{}", directory_export::human(&entries)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&directory_export::json(&entries))?
        ),
        Format::Csv => print!("{}", directory_export::csv(&entries)?),
    }
    Ok(ExitCode::SUCCESS)
}

/// `backline migrate`: applies the pending migrations and exits (a deployment's one-shot
/// step before the replicas start), then checks the database is ready for them.
pub async fn migrate(database_url: &DatabaseUrl) -> anyhow::Result<ExitCode> {
    let store = startup::open_store(database_url).await?;
    let ready = store.readiness().await;
    store.close().await;
    ready.context("checking the migrated database")?;
    println!("Migrations applied: {} is up to date.", database_url.redacted());
    Ok(ExitCode::SUCCESS)
}
