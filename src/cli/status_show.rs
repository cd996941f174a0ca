//! `backline status`: what `/vendor status` shows, in the terminal.

use std::{process::ExitCode, sync::Arc};

use crate::{
    commands::{Caller, Command, CommandError, Core, SystemClock},
    domain::GuildId,
    store::DatabaseUrl,
};

pub async fn status(
    database_url: &DatabaseUrl,
    guild: GuildId,
    vendor: Option<String>,
) -> anyhow::Result<ExitCode> {
    let store = super::startup::open_store(database_url).await?;
    let core = Core::new(Arc::clone(&store), Arc::new(SystemClock));
    let result = core
        .execute(&Command::VendorStatus { vendor }, &Caller::terminal(guild))
        .await;
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
