//! One dispatcher for both transports: a serenity `Interaction` in, the response to send out.

use serenity::all::{
    CommandInteraction, ComponentInteraction, CreateAutocompleteResponse, CreateInteractionResponse,
    Interaction, ModalInteraction,
};
use tracing::Instrument as _;

use super::{limits, parse::parse_command, render};
use crate::{
    commands::{Caller, Command, CommandError, Core, Delivers, OpenCase, Reply, UpdateCase},
    domain::{GuildId, case::Delivery},
};

#[derive(Clone)]
pub struct Dispatcher {
    core: Core,
    pub(super) deadline: super::deadline::Deadline,
}

/// The response to send, and the case event whose notifications it carries (if any).
pub struct Answer {
    pub response: CreateInteractionResponse,
    pub delivers: Option<Delivers>,
}

impl Answer {
    fn plain(response: CreateInteractionResponse) -> Self {
        Self {
            response,
            delivers: None,
        }
    }
}

impl Dispatcher {
    pub fn new(core: Core) -> Self {
        Self {
            core,
            deadline: super::deadline::Deadline::default(),
        }
    }

    pub fn core(&self) -> &Core {
        &self.core
    }

    /// The response to an interaction. Never fails: a user error becomes an ephemeral
    /// explanation, an internal one is logged and answered with its error ID.
    pub async fn dispatch(&self, interaction: &Interaction) -> Answer {
        let span = tracing::info_span!(
            "interaction",
            id = %interaction.id(),
            kind = ?interaction.kind(),
            guild = tracing::field::Empty,
            command = tracing::field::Empty,
        );
        async move {
            match interaction {
                Interaction::Ping(_) => Answer::plain(CreateInteractionResponse::Pong),
                Interaction::Command(command) => self.command(command).await,
                Interaction::Autocomplete(command) => Answer::plain(self.autocomplete(command).await),
                Interaction::Component(component) => self.component(component).await,
                Interaction::Modal(modal) => self.modal(modal).await,
                _ => Answer::plain(render::response(&Reply::notice(
                    "backline does not handle this kind of interaction.",
                ))),
            }
        }
        .instrument(span)
        .await
    }

    /// Records whether the message carrying a case event's notifications reached Discord.
    pub async fn confirm(&self, delivers: Option<Delivers>, sent: bool) {
        let Some(delivers) = delivers else { return };
        let delivery = if sent { Delivery::Sent } else { Delivery::Failed };
        if let Err(error) = self
            .core
            .store()
            .mark_delivery(delivers.guild, delivers.event_id, delivery)
            .await
        {
            tracing::error!(event = delivers.event_id, %error, "could not record a notification's delivery");
        }
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
        self.respond_over_http(interaction).await
    }

    async fn run(
        &self,
        command: Result<Command, String>,
        caller: Caller,
        interaction_id: u64,
        name: &str,
    ) -> Answer {
        let reply = match command {
            Ok(command) => match self.core.execute(&command, &caller).await {
                Ok(reply) => reply,
                Err(CommandError::User(message)) => Reply::notice(message),
                Err(error) => {
                    log_internal(&error, interaction_id, name);
                    Reply::notice(format!(
                        "Something went wrong on backline's side. It is logged as error ID {interaction_id}; give that to whoever runs the bot."
                    ))
                }
            },
            Err(message) => Reply::notice(message),
        };
        Answer {
            response: render::response(&reply),
            delivers: reply.delivers,
        }
    }

    async fn command(&self, interaction: &CommandInteraction) -> Answer {
        let span = tracing::Span::current();
        span.record("command", interaction.data.name.as_str());
        if let Some(guild) = interaction.guild_id {
            span.record("guild", guild.get());
        }
        let caller = interaction.caller();
        self.run(
            parse_command(interaction),
            caller,
            interaction.id.get(),
            &interaction.data.name,
        )
        .await
    }

    async fn component(&self, interaction: &ComponentInteraction) -> Answer {
        let caller = interaction.caller();
        let id = interaction.data.custom_id.as_str();
        let mut caller = caller;
        let command = match id.split_once(':') {
            // Sent by direct message, where no guild comes with the click: it is in the button.
            Some((answer @ ("verify-yes" | "verify-no"), rest)) => match rest.split_once(':') {
                Some((guild, vendor))
                    if caller.guild.is_none()
                        || caller.guild.map(|g| g.to_string()).as_deref() == Some(guild) =>
                {
                    caller.guild = guild.parse().ok();
                    Ok(Command::VerifyAnswer {
                        vendor: vendor.to_owned(),
                        still_correct: answer == "verify-yes",
                    })
                }
                _ => Err("This button belongs to another server.".to_owned()),
            },
            Some(("case-open", vendor)) => Ok(Command::CaseForm {
                vendor: vendor.to_owned(),
            }),
            Some(("case-escalate", case)) => Ok(Command::CaseEscalate {
                case: case.to_owned(),
            }),
            Some(("case-responded", case)) => Ok(Command::CaseUpdate(UpdateCase {
                case: case.to_owned(),
                status: Some("vendor-responded".to_owned()),
                ..UpdateCase::default()
            })),
            _ => Err("This button is no longer active. Run the command again.".to_owned()),
        };
        self.run(command, caller, interaction.id.get(), id).await
    }

    async fn modal(&self, interaction: &ModalInteraction) -> Answer {
        let caller = interaction.caller();
        let id = interaction.data.custom_id.as_str();
        let input = |name: &str| {
            interaction
                .data
                .components
                .iter()
                .flat_map(|row| &row.components)
                .find_map(|c| match c {
                    serenity::all::ActionRowComponent::InputText(t) if t.custom_id == name => t.value.clone(),
                    _ => None,
                })
        };
        let command = match id.split_once(':') {
            Some(("case-open", vendor)) => Ok(Command::CaseOpen(OpenCase {
                vendor: vendor.to_owned(),
                severity: input("severity").unwrap_or_default(),
                summary: input("summary").unwrap_or_default(),
                vendor_case_id: input("vendor_case_id"),
                link: input("link"),
            })),
            _ => Err("This form is no longer active. Run the command again.".to_owned()),
        };
        self.run(command, caller, interaction.id.get(), id).await
    }

    async fn autocomplete(&self, interaction: &CommandInteraction) -> CreateInteractionResponse {
        let focused = interaction.data.autocomplete();
        let option = focused.as_ref().map(|o| o.name).unwrap_or("vendor");
        let typed: String = focused
            .as_ref()
            .map(|o| o.value)
            .unwrap_or_default()
            .chars()
            .take(limits::CHOICE_VALUE)
            .collect();
        let caller = interaction.caller();
        let choices = match option {
            "case" => {
                self.core
                    .case_choices(&caller, &typed, limits::AUTOCOMPLETE_CHOICES)
                    .await
            }
            _ => {
                self.core
                    .vendor_choices(&caller, &typed, limits::AUTOCOMPLETE_CHOICES)
                    .await
            }
        };
        let choices = choices.unwrap_or_else(|error| {
            // Autocomplete has no room for a message: log it and offer nothing.
            log_internal(&error, interaction.id.get(), &interaction.data.name);
            Vec::new()
        });
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

/// Who and where, from any kind of interaction that has them.
trait CallerOf {
    fn caller(&self) -> Caller;
}

/// The same fields under the same names on each interaction type.
macro_rules! caller_of {
    ($($kind:ty => $member:ident),*) => {$(
        impl CallerOf for $kind {
            fn caller(&self) -> Caller {
                let member = self.member.$member();
                Caller {
                    guild: self.guild_id.and_then(|g| GuildId::new(g.get()).ok()),
                    channel: Some(self.channel_id.get()),
                    user: self.user.id.get(),
                    interaction: Some(self.id.get()),
                    // What Discord sent with the interaction, not a cache: current by construction.
                    permissions: member.and_then(|m| m.permissions).map(|p| p.bits()),
                    roles: member.map(|m| m.roles.iter().map(|r| r.get()).collect()).unwrap_or_default(),
                }
            }
        }
    )*};
}

caller_of!(CommandInteraction => as_deref, ComponentInteraction => as_ref, ModalInteraction => as_ref);

fn log_internal(error: &CommandError, interaction_id: u64, command: &str) {
    let error: &dyn std::error::Error = error;
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    tracing::error!(error_id = interaction_id, command, error = %chain, "internal error");
}
