//! One dispatcher for both transports: a serenity `Interaction` in, the response to send out.

use serenity::all::{CommandInteraction, CreateAutocompleteResponse, CreateInteractionResponse, Interaction};
use tracing::Instrument as _;

use super::{limits, render};
use crate::commands::{Caller, Command, CommandError, Core, Reply};

#[derive(Clone)]
pub struct Dispatcher {
    core: Core,
}

impl Dispatcher {
    pub fn new(core: Core) -> Self {
        Self { core }
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    /// The response to an interaction. Never fails: a user error becomes an ephemeral
    /// explanation, an internal one is logged and answered with its error ID.
    pub async fn dispatch(&self, interaction: &Interaction) -> CreateInteractionResponse {
        let span = tracing::info_span!(
            "interaction",
            id = %interaction.id(),
            kind = ?interaction.kind(),
            guild = tracing::field::Empty,
            command = tracing::field::Empty,
        );
        async move {
            match interaction {
                Interaction::Ping(_) => CreateInteractionResponse::Pong,
                Interaction::Command(command) => self.command(command).await,
                Interaction::Autocomplete(command) => self.autocomplete(command).await,
                Interaction::Component(_) | Interaction::Modal(_) => render::response(&Reply::notice(
                    "This button or form is no longer active. Run the command again.",
                )),
                _ => render::response(&Reply::notice(
                    "backline does not handle this kind of interaction.",
                )),
            }
        }
        .instrument(span)
        .await
    }

    /// For the HTTP endpoint: a verified body in, the JSON response body out, or `None`
    /// when the body is not an interaction.
    pub async fn dispatch_body(&self, body: &[u8]) -> Option<serde_json::Value> {
        let interaction: Interaction = match serde_json::from_slice(body) {
            Ok(interaction) => interaction,
            Err(error) => {
                tracing::warn!(%error, "signed request whose body is not an interaction");
                return None;
            }
        };
        let response = self.dispatch(&interaction).await;
        match serde_json::to_value(&response) {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::error!(%error, "could not serialise an interaction response");
                None
            }
        }
    }

    async fn command(&self, interaction: &CommandInteraction) -> CreateInteractionResponse {
        let span = tracing::Span::current();
        span.record("command", interaction.data.name.as_str());
        if let Some(guild) = interaction.guild_id {
            span.record("guild", guild.get());
        }
        let reply = match parse_command(interaction) {
            Ok(command) => {
                let result = self.core.execute(&command, &caller(interaction)).await;
                reply_or_error(result, interaction)
            }
            Err(message) => Reply::notice(message),
        };
        render::response(&reply)
    }

    async fn autocomplete(&self, interaction: &CommandInteraction) -> CreateInteractionResponse {
        let typed = interaction
            .data
            .autocomplete()
            .map(|o| o.value.to_owned())
            .unwrap_or_default();
        let typed: String = typed.chars().take(limits::CHOICE_VALUE).collect();
        let choices = match self
            .core
            .vendor_choices(&caller(interaction), &typed, limits::AUTOCOMPLETE_CHOICES)
            .await
        {
            Ok(choices) => choices,
            Err(error) => {
                // Autocomplete has no room for a message: log it and offer nothing.
                log_internal(&error, interaction);
                Vec::new()
            }
        };
        let mut response = CreateAutocompleteResponse::new();
        for choice in choices {
            response = response.add_string_choice(
                limits::truncate(&choice.label, limits::CHOICE_NAME),
                limits::truncate(&choice.value, limits::CHOICE_VALUE),
            );
        }
        CreateInteractionResponse::Autocomplete(response)
    }
}

fn caller(interaction: &CommandInteraction) -> Caller {
    Caller {
        guild: interaction
            .guild_id
            .and_then(|g| crate::domain::GuildId::new(g.get()).ok()),
        channel: Some(interaction.channel_id.get()),
        user: interaction.user.id.get(),
    }
}

fn string_option<'a>(interaction: &'a CommandInteraction, name: &str) -> Option<&'a str> {
    interaction
        .data
        .options
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| o.value.as_str())
}

fn parse_command(interaction: &CommandInteraction) -> Result<Command, String> {
    let vendor = || {
        string_option(interaction, "vendor")
            .map(str::to_owned)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| "Name a vendor, e.g. `/support vendor:aws`.".to_owned())
    };
    match interaction.data.name.as_str() {
        "support" => Ok(Command::Support { vendor: vendor()? }),
        "owner" => Ok(Command::Owner { vendor: vendor()? }),
        other => Err(format!(
            "backline has no `/{other}` command any more. An admin can refresh the list with `backline discord register`."
        )),
    }
}

fn reply_or_error(result: Result<Reply, CommandError>, interaction: &CommandInteraction) -> Reply {
    match result {
        Ok(reply) => reply,
        Err(CommandError::User(message)) => Reply::notice(message),
        Err(error) => {
            log_internal(&error, interaction);
            Reply::notice(format!(
                "Something went wrong on backline's side. It is logged as error ID {}; give that to whoever runs the bot.",
                interaction.id
            ))
        }
    }
}

fn log_internal(error: &CommandError, interaction: &CommandInteraction) {
    let error: &dyn std::error::Error = error;
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    tracing::error!(error_id = %interaction.id, command = %interaction.data.name, error = %chain, "internal error");
}
