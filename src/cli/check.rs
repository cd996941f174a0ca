//! `backline check` and `backline history`: the registry's findings and changes, for people and CI.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use serde_json::json;

use super::{GuildArg, files};
use crate::{
    commands::upkeep::{Audited, worst_first},
    domain::{
        Date,
        findings::{self, FindingLevel},
        plans_file,
    },
    store::DatabaseUrl,
};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// Checks plans files (no database needed) or, without paths, the stored registry.
/// Exit 1 when any error-level finding (or any error in the files) exists.
pub async fn check(
    database_url: &DatabaseUrl,
    guild: &GuildArg,
    paths: &[PathBuf],
    format: Format,
) -> anyhow::Result<ExitCode> {
    let today = Date::new(chrono::Utc::now().date_naive());
    let audited: Vec<Audited> = if paths.is_empty() {
        let store = super::startup::open_store(database_url).await?;
        let core =
            crate::commands::Core::new(store.clone(), std::sync::Arc::new(crate::commands::SystemClock));
        let audited = core
            .audit(guild.get())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("auditing the registry")?;
        store.close().await;
        audited
    } else {
        let sources = match files::read_plans(paths) {
            Ok(sources) => sources,
            Err(message) => {
                eprintln!("error: {message}");
                return Ok(ExitCode::FAILURE);
            }
        };
        match plans_file::parse_files(&sources) {
            Ok(vendors) => vendors
                .into_iter()
                .map(|vendor| {
                    let findings = findings::findings(&vendor, today);
                    Audited { vendor, findings }
                })
                .collect(),
            Err(errors) => {
                for error in &errors {
                    eprintln!("{error}");
                }
                eprintln!(
                    "{} error(s) in the plans files; fix them first (nothing else was checked).",
                    errors.len()
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    };
    let total = audited.len();
    let audited = worst_first(audited);
    let count = |level| {
        audited
            .iter()
            .flat_map(|a| &a.findings)
            .filter(|f| f.level == level)
            .count()
    };
    let (errors, warnings) = (count(FindingLevel::Error), count(FindingLevel::Warning));
    match format {
        Format::Human => {
            for a in &audited {
                println!("{} ({}, {})", a.vendor.slug, a.vendor.name, a.vendor.criticality);
                for f in &a.findings {
                    println!("  {}: {}", f.level, f.message);
                }
            }
            println!(
                "{errors} error(s), {warnings} warning(s) in {} of {total} vendor(s).",
                audited.len()
            );
        }
        Format::Json => {
            let vendors: Vec<_> = audited
                .iter()
                .map(|a| {
                    let findings: Vec<_> = a.findings.iter().map(|f| json!({"level": f.level.to_string(), "message": f.message})).collect();
                    json!({"slug": a.vendor.slug.as_str(), "name": a.vendor.name, "criticality": a.vendor.criticality.as_str(), "findings": findings})
                })
                .collect();
            let report =
                json!({"vendors_checked": total, "errors": errors, "warnings": warnings, "vendors": vendors});
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
    }
    Ok(if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints the change history, newest first.
pub async fn history(
    database_url: &DatabaseUrl,
    guild: &GuildArg,
    vendor: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let vendor = match vendor.map(crate::domain::VendorSlug::parse).transpose() {
        Ok(v) => v,
        Err(message) => {
            eprintln!("--vendor: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let store = super::startup::open_store(database_url).await?;
    let entries = store
        .history(guild.get(), vendor.as_ref(), i64::MAX)
        .await
        .context("reading the history")?;
    store.close().await;
    for e in &entries {
        let who = e
            .actor()
            .map(|a| format!("Discord user {a}"))
            .unwrap_or_else(|| e.source.as_str().to_owned());
        println!(
            "{} {} {} by {who}",
            e.at.format("%Y-%m-%d %H:%M:%S UTC"),
            e.slug,
            e.action
        );
        for line in e.detail.lines() {
            println!("    {line}");
        }
    }
    if entries.is_empty() {
        println!("No changes recorded.");
    }
    Ok(ExitCode::SUCCESS)
}
