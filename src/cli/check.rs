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
    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::…`): a pull request
    /// to the plans repository is annotated on the lines at fault.
    Github,
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
    let mut positions = std::collections::HashMap::new();
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
                if let Format::Github = format {
                    println!("{}", github::command("error", None, "backline check", &message));
                }
                eprintln!("error: {message}");
                return Ok(ExitCode::FAILURE);
            }
        };
        positions = plans_file::vendor_positions(&sources);
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
                    if let Format::Github = format {
                        println!("{}", github::plan_error(error));
                    }
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
        Format::Github => {
            for a in &audited {
                let at = positions
                    .get(a.vendor.slug.as_str())
                    .map(|(f, l, c)| (f.as_str(), *l, *c));
                let title = format!("backline check: {}", a.vendor.slug);
                for f in &a.findings {
                    let level = match f.level {
                        FindingLevel::Error => "error",
                        FindingLevel::Warning => "warning",
                    };
                    println!("{}", github::command(level, at, &title, &f.message));
                }
            }
            println!(
                "{errors} error(s), {warnings} warning(s) in {} of {total} vendor(s).",
                audited.len()
            );
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

/// GitHub Actions workflow commands, escaped as the runner unescapes them.
mod github {
    use crate::domain::plans_file::PlanError;

    /// A message: `%`, carriage return and newline are escaped.
    pub fn data(s: &str) -> String {
        s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }

    /// A property value: as a message, and `:` and `,` too (they delimit properties).
    pub fn property(s: &str) -> String {
        data(s).replace(':', "%3A").replace(',', "%2C")
    }

    /// `::level file=…,line=…,col=…,title=…::message`; without a place, only the title.
    pub fn command(level: &str, at: Option<(&str, usize, usize)>, title: &str, message: &str) -> String {
        let mut properties = Vec::new();
        if let Some((file, line, column)) = at {
            properties.push(format!("file={}", property(file)));
            properties.push(format!("line={line}"));
            properties.push(format!("col={column}"));
        }
        properties.push(format!("title={}", property(title)));
        format!("::{level} {}::{}", properties.join(","), data(message))
    }

    /// A plans-file error on its file, line and column, titled with its vendor and field.
    pub fn plan_error(error: &PlanError) -> String {
        let title = match (&error.vendor, &error.field) {
            (Some(v), Some(f)) => format!("backline check: vendor {v}, field {f}"),
            (Some(v), None) => format!("backline check: vendor {v}"),
            (None, Some(f)) => format!("backline check: field {f}"),
            (None, None) => "backline check".to_owned(),
        };
        command(
            "error",
            Some((&error.file, error.line, error.column)),
            &title,
            &error.message,
        )
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn messages_and_properties_are_escaped_as_github_reads_them() {
            assert_eq!(data("100% down\r\nnext"), "100%25 down%0D%0Anext");
            assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
            assert_eq!(
                command(
                    "warning",
                    Some(("plans/a,b:c.toml", 3, 7)),
                    "t: x, y",
                    "line1\nline2 50%"
                ),
                "::warning file=plans/a%2Cb%3Ac.toml,line=3,col=7,title=t%3A x%2C y::line1%0Aline2 50%25"
            );
            assert_eq!(
                command("error", None, "backline check", "no files"),
                "::error title=backline check::no files"
            );
        }
    }
}
