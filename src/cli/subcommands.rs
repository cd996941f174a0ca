//! The `cases` and `discord` subcommands' arguments.

use clap::{Subcommand, ValueEnum};

use super::GuildArg;
use crate::secret::Secret;

#[derive(Subcommand, Debug)]
pub enum CasesCommand {
    /// Print the cases and every notification sent for them, for post-incident reviews.
    Export {
        #[command(flatten)]
        guild: GuildArg,
        #[arg(long, value_enum)]
        format: CasesFormat,
        /// Only cases opened on or after this date (YYYY-MM-DD, UTC).
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CasesFormat {
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum DiscordCommand {
    /// Overwrite the bot's slash commands, globally or for one guild (instant; global takes up to an hour).
    Register {
        /// Register for this guild only.
        #[arg(long)]
        guild: Option<u64>,
        /// Print the request body instead of sending it.
        #[arg(long)]
        dry_run: bool,
        #[arg(
            long,
            env = "DISCORD_TOKEN",
            hide_env_values = true,
            required_unless_present = "dry_run"
        )]
        token: Option<Secret>,
        #[arg(
            long,
            hide_env_values = true,
            env = "DISCORD_APPLICATION_ID",
            required_unless_present = "dry_run"
        )]
        application_id: Option<u64>,
    },
}
