//! The command line (clap): every subcommand, and configuration read here, once. Reaches
//! Discord, HTTP and the database only through `discord`, `http` and `store`, never through
//! their libraries directly.

mod check;
mod files;
mod guild;
mod import;
mod limits;
mod list;
mod logging;
mod serve;
mod startup;
mod status;
mod status_show;
mod subcommands;

use std::{io::Write as _, path::PathBuf, process::ExitCode, sync::Arc};
use subcommands::{CasesCommand, CasesFormat, DiscordCommand};

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};

use crate::{
    commands::{self, CommandError, Core, SystemClock},
    domain::{Date, GuildId, plans_file},
    store::DatabaseUrl,
};

#[derive(Parser, Debug)]
#[command(
    name = "backline",
    version,
    about = "Vendor support plans for incident responders, answered in Discord"
)]
pub struct Cli {
    /// Database: sqlite://FILE (default: ./backline.db, created on first use) or postgres://…
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<DatabaseUrl>,

    /// Log format on stderr: json or text (default: text on a terminal, json otherwise).
    #[arg(
        long,
        value_enum,
        env = "BACKLINE_LOG_FORMAT",
        global = true,
        hide_env_values = true
    )]
    log_format: Option<logging::LogFormat>,

    #[command(subcommand)]
    command: CliCommand,
}

#[derive(Subcommand, Debug)]
enum CliCommand {
    /// Validate plans files and load them into the registry (all or nothing).
    Import {
        #[command(flatten)]
        guild: GuildArg,
        /// Remove vendors that are in the registry but not in the files.
        #[arg(long)]
        prune: bool,
        /// List every vendor added, updated or removed, however many.
        #[arg(long)]
        verbose: bool,
        /// Plans files, or directories of *.toml files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print the registry as a plans file (re-importable) or as a Markdown wiki page.
    Export {
        #[command(flatten)]
        guild: GuildArg,
        #[arg(long, value_enum, default_value_t = ExportFormat::Toml)]
        format: ExportFormat,
    },
    /// Answer a command as the bot would, e.g. backline ask "/support aws".
    Ask {
        #[command(flatten)]
        guild: GuildArg,
        /// The command line: "/support <vendor>" or "/owner <vendor>".
        command: String,
    },
    /// Run the bot: the HTTP interactions endpoint and/or the gateway connection.
    Serve(serve::ServeArgs),
    /// Talk to Discord's API on the bot's behalf.
    Discord {
        #[command(subcommand)]
        command: DiscordCommand,
    },
    /// Cases recorded with `/case`.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// List what is wrong with a plans file (no database needed) or the stored registry;
    /// exits 1 when anything is an error. For the CI of the repository that keeps the plans.
    Check {
        #[command(flatten)]
        guild: GuildArg,
        #[arg(long, value_enum, default_value_t = check::Format::Human)]
        format: check::Format,
        /// Plans files or directories; without them, the stored registry is checked.
        paths: Vec<PathBuf>,
    },
    /// Print the change history of the registry (imports, verifications, edits, owners who left).
    History {
        #[command(flatten)]
        guild: GuildArg,
        /// Only this vendor (slug).
        #[arg(long)]
        vendor: Option<String>,
    },
    /// Show or change a guild's settings.
    Guild {
        #[command(flatten)]
        guild: GuildArg,
        /// Reply to /support and /owner only to the asker (they show phones and account IDs).
        #[arg(long)]
        sensitive_contacts: Option<bool>,
        /// Channel for the verification digest and owner-left notices (0 turns them off).
        #[arg(long)]
        notice_channel: Option<u64>,
        /// Role whose members may edit vendors from Discord, besides Manage Server (0: none).
        #[arg(long)]
        manager_role: Option<u64>,
        /// How often the digest is posted, e.g. 7d or 1d.
        #[arg(long)]
        digest_every: Option<String>,
        /// Also ask owners of stale vendors by direct message.
        #[arg(long)]
        dm_owners: Option<bool>,
        /// Which vendors' incidents are announced in the notice channel: critical, high
        /// (high and critical vendors; the default), all or off.
        #[arg(long, value_parser = crate::domain::StatusAlerts::parse)]
        status_alerts: Option<crate::domain::StatusAlerts>,
        /// Role pinged by vendor-incident alerts (0: nobody, the default).
        #[arg(long)]
        status_role: Option<u64>,
    },
    /// Print the JSON Schema of the plans file (kept in docs/plans.schema.json for editors).
    Schema,
    /// List every vendor: tier, hours, covered now, owner and worst finding.
    List(list::ListArgs),
    /// Apply the database migrations and exit (every other command also applies them).
    Migrate,
    /// Vendor status pages: without a subcommand, what they report now (the vendors with a
    /// problem, worst first, or one vendor's recent status changes, as /vendor status shows).
    #[command(args_conflicts_with_subcommands = true)]
    Status {
        #[command(subcommand)]
        command: Option<status::StatusCommand>,
        #[command(flatten)]
        guild: GuildArg,
        /// Only this vendor: its recent status changes.
        #[arg(long)]
        vendor: Option<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct GuildArg {
    /// The Discord server (guild) ID whose registry to use; without it, the local registry.
    #[arg(long = "guild", hide_env_values = true, env = "BACKLINE_GUILD_ID")]
    id: Option<GuildId>,
}

impl GuildArg {
    pub fn get(&self) -> GuildId {
        self.id.unwrap_or(GuildId::LOCAL)
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ExportFormat {
    Toml,
    Markdown,
}

/// Entry point of the binary: parse arguments, set up logging, run, map to an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", startup::describe(&e));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let database_url = cli
        .database_url
        .unwrap_or_else(|| DatabaseUrl::new(DatabaseUrl::DEFAULT));
    match cli.command {
        CliCommand::Import {
            guild,
            prune,
            verbose,
            paths,
        } => import::import(&database_url, guild.get(), prune, verbose, &paths).await,
        CliCommand::Export { guild, format } => {
            let store = startup::open_store(&database_url).await?;
            let verified = store
                .verifications(guild.get())
                .await
                .context("reading verifications")?;
            // What the registry holds now, `/vendor verify` confirmations and Discord edits included.
            let vendors: Vec<_> = store
                .vendors(guild.get())
                .await
                .context("reading the registry")?
                .into_iter()
                .map(|v| {
                    let at = verified.get(&v.slug).map(|(_, at)| *at);
                    v.with_verification(at)
                })
                .collect();
            let text = match format {
                ExportFormat::Toml => {
                    plans_file::to_toml(&vendors).context("writing the registry as TOML")?
                }
                ExportFormat::Markdown => {
                    commands::wiki::markdown(&vendors, Date::new(chrono::Utc::now().date_naive()))
                }
            };
            print!("{text}");
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        CliCommand::Serve(args) => serve::serve(&database_url, args).await,
        CliCommand::Cases {
            command: CasesCommand::Export { guild, format, since },
        } => {
            let since = match since.as_deref().map(Date::parse).transpose() {
                Ok(since) => since.map(|d| d.naive().and_time(chrono::NaiveTime::MIN).and_utc()),
                Err(message) => {
                    eprintln!("--since: {message}");
                    return Ok(ExitCode::from(2));
                }
            };
            let store = startup::open_store(&database_url).await?;
            let cases = store
                .cases_with_timelines(guild.get(), since)
                .await
                .context("reading cases")?;
            store.close().await;
            // Written as it is produced: a guild's history is tens of megabytes of text.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match format {
                CasesFormat::Csv => commands::export::write_cases_csv(&mut out, &cases)?,
                CasesFormat::Json => {
                    commands::export::write_cases_json(&mut out, &cases)?;
                    writeln!(out)?;
                }
            }
            out.flush().context("writing the export")?;
            Ok(ExitCode::SUCCESS)
        }
        CliCommand::Discord {
            command:
                DiscordCommand::Register {
                    guild,
                    dry_run,
                    token,
                    application_id,
                },
        } => {
            if dry_run {
                let body = crate::discord::registration::registration_body();
                println!("{}", serde_json::to_string_pretty(&body)?);
                return Ok(ExitCode::SUCCESS);
            }
            let (Some(token), Some(application_id)) = (token, application_id) else {
                anyhow::bail!("set DISCORD_TOKEN and DISCORD_APPLICATION_ID to register commands");
            };
            let count = crate::discord::registration::register(&token, application_id, guild)
                .await
                .context("registering the slash commands with Discord")?;
            match guild {
                Some(guild) => println!("Registered {count} commands for guild {guild}."),
                None => println!(
                    "Registered {count} global commands (Discord may take up to an hour to show them)."
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        CliCommand::Check { guild, format, paths } => {
            check::check(&database_url, &guild, &paths, format).await
        }
        CliCommand::History { guild, vendor } => {
            check::history(&database_url, &guild, vendor.as_deref()).await
        }
        CliCommand::Guild {
            guild,
            sensitive_contacts,
            notice_channel,
            manager_role,
            digest_every,
            dm_owners,
            status_alerts,
            status_role,
        } => {
            let changes = guild::Changes {
                sensitive_contacts,
                notice_channel,
                manager_role,
                digest_every,
                dm_owners,
                status_alerts,
                status_role,
            };
            guild::settings(&database_url, guild.get(), changes).await
        }
        CliCommand::List(args) => list::list(&database_url, args).await,
        CliCommand::Migrate => list::migrate(&database_url).await,
        CliCommand::Status {
            command: Some(status::StatusCommand::Check { paths }),
            ..
        } => status::check(&paths).await,
        CliCommand::Status {
            command: None,
            guild,
            vendor,
        } => status_show::status(&database_url, guild.get(), vendor).await,
        CliCommand::Schema => {
            print!("{}", plans_file::json_schema());
            Ok(ExitCode::SUCCESS)
        }
        CliCommand::Ask { guild, command } => {
            let command = match commands::parse::parse_command_line(&command) {
                Ok(c) => c,
                Err(message) => {
                    eprintln!("{message}");
                    return Ok(ExitCode::from(2));
                }
            };
            let store = startup::open_store(&database_url).await?;
            let core = Core::new(Arc::clone(&store), Arc::new(SystemClock));
            let caller = commands::Caller::terminal(guild.get());
            let result = core.execute(&command, &caller).await;
            store.close().await;
            match result {
                Ok(reply) => {
                    print!("{}", reply.to_terminal());
                    Ok(ExitCode::SUCCESS)
                }
                Err(CommandError::User(message)) => {
                    eprintln!("{message}");
                    Ok(ExitCode::FAILURE)
                }
                Err(CommandError::Internal(e)) => Err(e),
            }
        }
    }
}
