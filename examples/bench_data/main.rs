//! Data for bench/run.sh: generated registries, pre-signed requests, case counts, the results table.
//!
//! ```text
//! bench_data registry COUNT                          a plans file of COUNT vendors, on stdout
//! bench_data public-key                              the hex public key the requests are signed with
//! bench_data requests SCENARIO COUNT SIZE GUILD ID   COUNT signed requests, on stdout
//! bench_data count-cases DATABASE_URL GUILD          how many cases the guild has
//! bench_data fill-cases DATABASE_URL GUILD CASES NOTIFICATIONS
//!                                                    CASES cases in a guild without any,
//!                                                    NOTIFICATIONS each (sent), for export
//! bench_data settle DATABASE_URL                     checkpoint (and analyse) after a bulk import
//! bench_data table RESULTS_TSV                       the Markdown table of a run
//! ```

mod cases;
mod registry;
mod requests;
mod table;
mod targets;

use std::{io::Write as _, process::ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_data: {message}");
            ExitCode::FAILURE
        }
    }
}

fn number<T: std::str::FromStr>(what: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{what} must be a number, got `{value}`"))
}

fn run(args: &[&str]) -> Result<(), String> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| e.to_string();
    match args {
        ["registry", count] => {
            let text = registry::plans_file(number("COUNT", count)?)?;
            out.write_all(text.as_bytes()).map_err(io)?;
        }
        ["public-key"] => writeln!(out, "{}", requests::public_key_hex()).map_err(io)?,
        ["requests", scenario, count, size, guild, first_id] => requests::write(
            &mut out,
            requests::Scenario::parse(scenario)?,
            number("COUNT", count)?,
            number("SIZE", size)?,
            number("GUILD", guild)?,
            number("ID", first_id)?,
        )
        .map_err(io)?,
        ["count-cases", url, guild] => {
            let count = count_cases(url, number("GUILD", guild)?)?;
            writeln!(out, "{count}").map_err(io)?;
        }
        ["fill-cases", url, guild, cases, notifications] => cases::fill(
            url,
            number("GUILD", guild)?,
            number("CASES", cases)?,
            number("NOTIFICATIONS", notifications)?,
        )?,
        ["settle", url] => settle(url)?,
        ["table", results] => {
            let text = std::fs::read_to_string(results).map_err(|e| format!("{results}: {e}"))?;
            out.write_all(table::markdown(&text)?.as_bytes()).map_err(io)?;
        }
        _ => return Err("usage: see the comment at the top of examples/bench_data/main.rs".into()),
    }
    out.flush().map_err(io)
}

/// Lets the database finish with a bulk import before the load starts, as an operator's
/// registry would be by the time an incident comes: statistics gathered, the write-ahead
/// log checkpointed. Otherwise the first scenarios share the two cores with autovacuum
/// and the checkpointer.
fn settle(url: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        if url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(url).await.map_err(|e| e.to_string())?;
            for sql in ["VACUUM ANALYZE", "CHECKPOINT"] {
                sqlx::raw_sql(sql)
                    .execute(&pool)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        } else {
            let pool = sqlx::SqlitePool::connect(url).await.map_err(|e| e.to_string())?;
            for sql in ["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"] {
                sqlx::raw_sql(sql)
                    .execute(&pool)
                    .await
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// Counts the guild's rows in `cases` directly, not through backline: the check that no
/// acknowledged case was lost must not trust the code under test.
fn count_cases(url: &str, guild: i64) -> Result<i64, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(count_cases_async(url, guild))
}

async fn count_cases_async(url: &str, guild: i64) -> Result<i64, String> {
    let sql = "SELECT COUNT(*) FROM cases WHERE guild_id = $1";
    let count: (i64,) = if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.map_err(|e| e.to_string())?;
        sqlx::query_as(sql).bind(guild).fetch_one(&pool).await
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.map_err(|e| e.to_string())?;
        sqlx::query_as(sql).bind(guild).fetch_one(&pool).await
    }
    .map_err(|e| e.to_string())?;
    Ok(count.0)
}
