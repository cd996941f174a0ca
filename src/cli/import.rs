//! `backline import`: validate plans files and load them into one guild's registry, all or
//! nothing.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;

use super::files;
use crate::{
    domain::{GuildId, plans_file},
    store::{DatabaseUrl, StoreError},
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
    let store = match super::startup::open_store(database_url).await {
        Ok(store) => store,
        // A bad file is said first, whether or not the database answers.
        Err(error) => match plans_file::parse_files(&sources) {
            Err(errors) => return Ok(report(&errors)),
            Ok(_) => return Err(error),
        },
    };
    // Vendor by vendor into the store's batches: a 100k-vendor registry is never held whole.
    // Any problem abandons the transaction; the files are then parsed whole for the report.
    let mut batches = plans_file::VendorBatches::new(&sources);
    let mut count = 0;
    let abandoned = || StoreError::Conflict("the plans files did not validate".into());
    let mut next = || match batches.next() {
        Some(batch) => {
            count += batch.len();
            Some(Ok(batch))
        }
        None if batches.failed() => Some(Err(abandoned())),
        None if prune && count == 0 => Some(Err(abandoned())),
        None => None,
    };
    let streamed = store.import_batches(guild, &mut next, prune).await;
    let failed = batches.failed();
    let mut summary = match streamed {
        Ok(summary) => summary,
        Err(_) if failed => match plans_file::parse_files(&sources) {
            Err(errors) => {
                store.close().await;
                return Ok(report(&errors));
            }
            // Stricter than the files' own rules: import them the plain way.
            Ok(vendors) => {
                count = vendors.len();
                store
                    .import(guild, &vendors, prune)
                    .await
                    .context("importing the registry")?
            }
        },
        Err(_) if prune && count == 0 => {
            store.close().await;
            eprintln!(
                "error: the files hold no vendors; refusing to --prune the whole registry. Remove vendors one by one, or import without --prune."
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => return Err(error).context("importing the registry"),
    };
    store.close().await;
    drop(sources);
    for list in [&mut summary.added, &mut summary.updated, &mut summary.unchanged] {
        list.sort();
    }
    let vendors_len = count;
    println!(
        "Imported {} vendor{} into guild {guild}: {summary}",
        vendors_len,
        if vendors_len == 1 { "" } else { "s" }
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

/// Every error in the files, then that nothing was imported.
fn report(errors: &[plans_file::PlanError]) -> ExitCode {
    for error in errors {
        eprintln!("{error}");
    }
    eprintln!(
        "{} error{} found; nothing was imported.",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    ExitCode::FAILURE
}
