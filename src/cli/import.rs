//! `backline import`: validate plans files and load them into one guild's registry, all or
//! nothing.

use std::{
    path::PathBuf,
    process::ExitCode,
    sync::{Arc, mpsc::SyncSender},
};

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
    // The files are parsed on a thread of their own, a batch ahead of the writer, so that the
    // parse and the database work overlap. Any problem abandons the transaction; the files
    // are then parsed whole for the report.
    let sources = Arc::new(sources);
    let (parsed, batches) = std::sync::mpsc::sync_channel(1);
    let parser = std::thread::spawn({
        let sources = Arc::clone(&sources);
        move || parse_ahead(&sources, &parsed)
    });
    let mut count = 0;
    let abandoned = || StoreError::Conflict("the plans files did not validate".into());
    // Taken by the writer's `next` as an iterator: it must be `Send`, which a borrowed
    // receiver is not.
    let mut batches = batches.into_iter();
    let mut next = || match batches.next() {
        Some(Some(batch)) => {
            count += batch.len();
            Some(Ok(batch))
        }
        Some(None) if prune && count == 0 => Some(Err(abandoned())),
        Some(None) => None,
        // The parser stopped without saying the files are done: something is wrong in them.
        None => Some(Err(abandoned())),
    };
    let streamed = store.import_batches(guild, &mut next, prune).await;
    // The parser stops at its next batch once nobody waits for it.
    drop(batches);
    let failed = parser.join().unwrap_or(true);
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

/// Sends the files' vendors batch by batch, then `None` once they are all sent and valid.
/// True when something in the files is wrong.
fn parse_ahead(
    sources: &[plans_file::SourceFile],
    to_writer: &SyncSender<Option<Vec<plans_file::VendorDocument>>>,
) -> bool {
    let mut batches = plans_file::VendorBatches::new(sources);
    for batch in batches.by_ref() {
        if to_writer.send(Some(batch)).is_err() {
            return batches.failed();
        }
    }
    if !batches.failed() {
        // The writer may have stopped already (a database error): nothing to tell it then.
        let _ = to_writer.send(None);
    }
    batches.failed()
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
