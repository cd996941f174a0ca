//! One dispatcher for both transports: a serenity `Interaction` in, the response to send out.

use serenity::all::{
    CommandInteraction, ComponentInteraction, CreateAutocompleteResponse, CreateInteractionResponse,
    Interaction, ModalInteraction,
};
use tracing::Instrument as _;

use super::{limits, parse::parse_command, render, split::Part};
use crate::{
    commands::{
        Caller, Command, CommandError, ComponentId, Core, Delivers, OpenCase, Reply, Text, UnknownComponent,
        UpdateCase,
    },
    domain::{GuildId, Rights},
    metrics::Outcome,
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
    /// The messages the answer takes: the first is in `response`, the others follow it.
    pub parts: Vec<Part>,
    pub ephemeral: bool,
    /// How the interaction ended, for the logs and the metrics.
    pub outcome: Outcome,
}

impl Answer {
    pub(super) fn plain(response: CreateInteractionResponse) -> Self {
        Self {
            response,
            delivers: None,
            parts: Vec::new(),
            ephemeral: true,
            outcome: Outcome::Answered,
        }
    }

    pub(super) fn of(reply: &Reply) -> Self {
        let (response, parts) = render::responses(reply);
        Self {
            response,
            delivers: reply.delivers,
            parts,
            ephemeral: reply.ephemeral,
            outcome: Outcome::Answered,
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
        let span = super::observe::current_or_new_span(interaction);
        let started = std::time::Instant::now();
        let answer = async move {
            match interaction {
                Interaction::Ping(_) => Answer::plain(CreateInteractionResponse::Pong),
                Interaction::Command(command) => self.command(command).await,
                Interaction::Autocomplete(command) => {
                    let (response, outcome) = self.autocomplete(command).await;
                    Answer {
                        outcome,
                        ..Answer::plain(response)
                    }
                }
                Interaction::Component(component) => self.component(component).await,
                Interaction::Modal(modal) => self.modal(modal).await,
                _ => Answer::plain(render::response(&Reply::notice(
                    "backline does not handle this kind of interaction.",
                ))),
            }
        }
        .instrument(span.clone())
        .await;
        self.observe(&span, interaction, &answer, started);
        answer
    }

    async fn run(
        &self,
        command: Result<Command, Text>,
        caller: (Caller, Standing),
        interaction_id: u64,
        name: &str,
    ) -> Answer {
        let (reply, outcome) = self.reply(command, caller, interaction_id, name).await;
        Answer {
            outcome,
            ..Answer::of(&reply)
        }
    }

    /// The reply to a parsed command, and how the interaction ended.
    async fn reply(
        &self,
        command: Result<Command, Text>,
        (mut caller, standing): (Caller, Standing),
        interaction_id: u64,
        name: &str,
    ) -> (Reply, Outcome) {
        match command {
            Ok(command) => match self.execute(&command, &mut caller, &standing).await {
                Ok(reply) => (reply, Outcome::Answered),
                Err(CommandError::User(message)) => (Reply::notice(message), Outcome::UserError),
                Err(error) => {
                    tracing::Span::current().record("outcome", Outcome::InternalError.as_str());
                    log_internal(&error, interaction_id, name);
                    let message = format!(
                        "Something went wrong on backline's side. It is logged as error ID {interaction_id}; give that to whoever runs the bot."
                    );
                    (Reply::notice(message), Outcome::InternalError)
                }
            },
            Err(message) => (Reply::notice(message), Outcome::UserError),
        }
    }

    /// Runs a command, first deciding the caller's rights when the command depends on them.
    async fn execute(
        &self,
        command: &Command,
        caller: &mut Caller,
        standing: &Standing,
    ) -> Result<Reply, CommandError> {
        if let Some(guild) = caller.guild
            && command.depends_on_rights()
        {
            let manager_role = self.core.manager_role(guild).await?;
            caller.rights = standing.rights(manager_role);
        }
        self.core.execute(command, caller).await
    }

    async fn command(&self, interaction: &CommandInteraction) -> Answer {
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
        let mut caller = interaction.caller();
        let id = interaction.data.custom_id.as_str();
        let command = component_command(id.parse(), &mut caller.0);
        let turns_page = matches!(command, Ok(Command::VendorList { .. }));
        let (mut reply, outcome) = self.reply(command, caller, interaction.id.get(), id).await;
        // A page button shows the page in place of the one it is on; a problem is said apart.
        reply.replaces = turns_page && outcome == Outcome::Answered;
        Answer {
            outcome,
            ..Answer::of(&reply)
        }
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
        let command = match id.parse() {
            Ok(ComponentId::OpenCase(vendor)) => Ok(Command::CaseOpen(OpenCase {
                vendor: vendor.to_string(),
                severity: input("severity").unwrap_or_default(),
                summary: input("summary").unwrap_or_default(),
                vendor_case_id: input("vendor_case_id"),
                link: input("link"),
            })),
            _ => Err("This form is no longer active. Run the command again.".into()),
        };
        self.run(command, caller, interaction.id.get(), id).await
    }

    async fn autocomplete(&self, interaction: &CommandInteraction) -> (CreateInteractionResponse, Outcome) {
        let focused = interaction.data.autocomplete();
        let option = focused.as_ref().map(|o| o.name).unwrap_or("vendor");
        let typed: String = focused
            .as_ref()
            .map(|o| o.value)
            .unwrap_or_default()
            .chars()
            .take(limits::CHOICE_VALUE)
            .collect();
        let (caller, _) = interaction.caller();
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
        let mut outcome = Outcome::Answered;
        let choices = choices.unwrap_or_else(|error| {
            // Autocomplete has no room for a message: log it and offer nothing.
            outcome = Outcome::InternalError;
            tracing::Span::current().record("outcome", outcome.as_str());
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
        (CreateInteractionResponse::Autocomplete(response), outcome)
    }
}

/// The command behind a clicked button. A verification answer is clicked in a direct
/// message, where no guild comes with the click: the button carries it.
fn component_command(
    id: Result<ComponentId, UnknownComponent>,
    caller: &mut Caller,
) -> Result<Command, Text> {
    match id {
        Ok(ComponentId::VerifyAnswer {
            guild,
            vendor,
            still_correct,
        }) => {
            if caller.guild.is_some_and(|g| g != guild) {
                return Err("This button belongs to another server.".into());
            }
            caller.guild = Some(guild);
            Ok(Command::VerifyAnswer {
                vendor: vendor.to_string(),
                still_correct,
            })
        }
        Ok(ComponentId::OpenCase(vendor)) => Ok(Command::CaseForm {
            vendor: vendor.to_string(),
        }),
        Ok(ComponentId::Escalate(case)) => Ok(Command::CaseEscalate {
            case: case.to_string(),
        }),
        Ok(ComponentId::VendorResponded(case)) => Ok(Command::CaseUpdate(UpdateCase {
            case: case.to_string(),
            status: Some("vendor-responded".to_owned()),
            ..UpdateCase::default()
        })),
        Ok(ComponentId::VendorList { page, filter }) => Ok(Command::VendorList { filter, page }),
        Err(UnknownComponent) => Err("This button is no longer active. Run the command again.".into()),
    }
}

/// What Discord says of the caller's standing in the guild, with the interaction: current
/// by construction, not a cache.
#[derive(Debug, Default)]
struct Standing {
    permissions: Option<u64>,
    roles: Vec<u64>,
}

impl Standing {
    /// Manage Server, Administrator, or the guild's manager role make a manager.
    fn rights(&self, manager_role: Option<u64>) -> Rights {
        const ADMINISTRATOR: u64 = 1 << 3;
        const MANAGE_GUILD: u64 = 1 << 5;
        let by_permission = self
            .permissions
            .is_some_and(|p| p & (ADMINISTRATOR | MANAGE_GUILD) != 0);
        let by_role = manager_role.is_some_and(|role| self.roles.contains(&role));
        if by_permission || by_role {
            Rights::Manager
        } else {
            Rights::Member
        }
    }
}

/// Who and where, from any kind of interaction that has them.
trait CallerOf {
    fn caller(&self) -> (Caller, Standing);
}

/// The same fields under the same names on each interaction type.
macro_rules! caller_of {
    ($($kind:ty => $member:ident),*) => {$(
        impl CallerOf for $kind {
            fn caller(&self) -> (Caller, Standing) {
                let member = self.member.$member();
                let caller = Caller {
                    guild: self.guild_id.and_then(|g| GuildId::new(g.get()).ok()),
                    channel: Some(self.channel_id.get()),
                    user: self.user.id.get(),
                    interaction: Some(self.id.get()),
                    rights: Rights::Member,
                };
                let standing = Standing {
                    permissions: member.and_then(|m| m.permissions).map(|p| p.bits()),
                    roles: member.map(|m| m.roles.iter().map(|r| r.get()).collect()).unwrap_or_default(),
                };
                (caller, standing)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_server_administrator_or_the_manager_role_make_a_manager() {
        const MANAGER_ROLE: u64 = 4242;
        let table = [
            (None, vec![], Some(MANAGER_ROLE), Rights::Member),
            (Some(0), vec![1, 2], Some(MANAGER_ROLE), Rights::Member),
            (Some(1 << 5), vec![], None, Rights::Manager),
            (Some(1 << 3), vec![], None, Rights::Manager),
            (Some((1 << 5) | (1 << 11)), vec![], None, Rights::Manager),
            (Some(1 << 11), vec![], None, Rights::Member),
            (
                Some(0),
                vec![7, MANAGER_ROLE],
                Some(MANAGER_ROLE),
                Rights::Manager,
            ),
            (Some(0), vec![MANAGER_ROLE], None, Rights::Member),
        ];
        for (permissions, roles, manager_role, expected) in table {
            let standing = Standing { permissions, roles };
            assert_eq!(
                standing.rights(manager_role),
                expected,
                "{standing:?} with {manager_role:?}"
            );
        }
    }
}
