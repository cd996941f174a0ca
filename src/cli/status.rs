//! `backline status check PATH…`: read every status source of some plans files once, to
//! see which answer and which components their pages really have.

use std::{path::PathBuf, process::ExitCode};

use clap::Subcommand;
use futures_util::StreamExt as _;

use super::files;
use crate::{
    domain::{
        Vendor, plans_file,
        status::{ComponentState, Indicator, Snapshot, StatusKind},
    },
    status::{self as fetcher, StatusClient},
};

/// How many sources are read at once.
const PARALLEL_FETCHES: usize = 8;

#[derive(Subcommand, Debug)]
pub enum StatusCommand {
    /// Fetch every status source in plans files once: which answer, the components each page
    /// really has (to write `components`), the configured ones it lacks. Exits 1 when a
    /// source fails.
    Check {
        /// Plans files, or directories of *.toml files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

pub async fn check(paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let sources = match files::read_plans(paths) {
        Ok(sources) => sources,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let vendors = match plans_file::parse_files(&sources) {
        Ok(vendors) => vendors,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let watched: Vec<Vendor> = vendors.into_iter().filter(|v| v.status.is_some()).collect();
    if watched.is_empty() {
        println!("No vendor in these files declares `status`.");
        return Ok(ExitCode::SUCCESS);
    }
    let client = StatusClient::new()?;
    let readings: Vec<_> = futures_util::stream::iter(watched.iter())
        .map(|vendor| {
            let client = &client;
            async move {
                let source = vendor.status.as_ref();
                match source {
                    Some(source) => Some(fetcher::read_source(client, source).await),
                    None => None,
                }
            }
        })
        .buffered(PARALLEL_FETCHES)
        .collect()
        .await;
    let mut failed = 0;
    for (vendor, reading) in watched.iter().zip(readings) {
        let (Some(source), Some(reading)) = (&vendor.status, reading) else {
            continue;
        };
        println!(
            "{} ({} {})",
            vendor.slug,
            source.kind.as_str(),
            source.document_url()
        );
        match reading {
            Err(e) => {
                failed += 1;
                println!("  FAILED: {e}");
            }
            Ok(snapshot) => {
                for line in describe(source, &snapshot) {
                    println!("  {line}");
                }
            }
        }
    }
    let total = watched.len();
    println!("{total} source(s) read, {failed} failed.");
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// What a successful reading says, for the operator writing `components`.
fn describe(source: &crate::domain::StatusSource, snapshot: &Snapshot) -> Vec<String> {
    let mut lines = vec![format!(
        "answered: {}, {} open incident(s), {} maintenance(s) in progress",
        snapshot
            .indicator
            .map_or("no overall status (feed)", Indicator::as_str),
        snapshot.incidents.len(),
        snapshot.maintenances.len()
    )];
    match source.kind {
        StatusKind::Feed => {}
        StatusKind::Slack => lines.push(
            "components: Slack lists only the services an incident affects, so the names cannot be checked here"
                .into(),
        ),
        StatusKind::Statuspage | StatusKind::BetterStack => {
            let names: Vec<String> = snapshot
                .components
                .iter()
                .map(|c| match c.state {
                    // Quoted as Rust writes strings: a page's control characters cannot reach the terminal.
                    ComponentState::Operational => format!("{:?}", c.name),
                    state => format!("{:?} ({})", c.name, state.as_str()),
                })
                .collect();
            lines.push(format!("components ({}): {}", names.len(), names.join(", ")));
            let missing = source.missing_components(snapshot);
            if !missing.is_empty() {
                let missing: Vec<String> = missing.iter().map(|m| format!("{m:?}")).collect();
                lines.push(format!("warning: not on the page: {}", missing.join(", ")));
            }
        }
    }
    lines
}
