//! `backline import`: validate plans files and load them into one guild's registry, all or
//! nothing.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;

use super::files;
use crate::{
    domain::{GuildId, plans_file},
    store::DatabaseUrl,
};

/// Up to this many vendors, `import` names those added, updated or removed.
const FEW_NAMES: usize = 10;

pub async fn import(
    database_url: &DatabaseUrl,
    guild: GuildId,
    prune: bool,
    verbose: bool,
    paths: &[PathBuf],
) -> anyhow::Result<ExitCode> {
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
            for error in &errors {
                eprintln!("{error}");
            }
            eprintln!(
                "{} error{} found; nothing was imported.",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    // The files' text is no longer needed: a 100k-vendor file is 250 MB.
    drop(sources);
    if prune && vendors.is_empty() {
        eprintln!(
            "error: the files hold no vendors; refusing to --prune the whole registry. Remove vendors one by one, or import without --prune."
        );
        return Ok(ExitCode::FAILURE);
    }
    let store = super::startup::open_store(database_url).await?;
    let summary = store
        .import(guild, &vendors, prune)
        .await
        .context("importing the registry")?;
    store.close().await;
    println!(
        "Imported {} vendor{} into guild {guild}: {summary}",
        vendors.len(),
        if vendors.len() == 1 { "" } else { "s" }
    );
    for (label, slugs) in [
        ("added", &summary.added),
        ("updated", &summary.updated),
        ("removed", &summary.removed),
    ] {
        if slugs.is_empty() {
            continue;
        }
        if verbose || slugs.len() <= FEW_NAMES {
            let names: Vec<&str> = slugs.iter().map(|s| s.as_str()).collect();
            println!("  {label}: {}", names.join(", "));
        } else {
            println!("  {label}: {} vendors (--verbose lists them)", slugs.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}
