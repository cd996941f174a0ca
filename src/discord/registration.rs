//! The slash commands backline offers, and registering them with Discord.

use serenity::all::{
    CommandOptionType, CreateCommand, CreateCommandOption, GuildId, Http, InteractionContext,
};

/// The command set, as Discord's bulk-overwrite endpoint takes it.
pub fn commands() -> Vec<CreateCommand> {
    let vendor = || {
        CreateCommandOption::new(CommandOptionType::String, "vendor", "Vendor slug, name or alias")
            .required(true)
            .set_autocomplete(true)
            .max_length(100)
    };
    vec![
        CreateCommand::new("support")
            .description("How to get help from a vendor now: plan, hours, response times, filing, escalation")
            .contexts(vec![InteractionContext::Guild])
            .add_option(vendor()),
        CreateCommand::new("owner")
            .description("Who owns the relationship with a vendor, and their backup")
            .contexts(vec![InteractionContext::Guild])
            .add_option(vendor()),
    ]
}

/// The JSON body `register --dry-run` prints and the registration sends.
pub fn registration_body() -> serde_json::Value {
    serde_json::to_value(commands()).unwrap_or_default()
}

/// Overwrites the application's commands globally, or for one guild (instant, for testing).
pub async fn register(http: &Http, guild: Option<u64>) -> anyhow::Result<usize> {
    let registered = match guild {
        Some(id) => GuildId::new(id).set_commands(http, commands()).await?,
        None => serenity::all::Command::set_global_commands(http, commands()).await?,
    };
    Ok(registered.len())
}
