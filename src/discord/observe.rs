//! What an interaction is called in logs and metrics: its span (ID, kind, guild, command,
//! outcome on every line logged while it is handled) and bounded labels for its kind and
//! command.

use std::{sync::Arc, time::Instant};

use serde_json::Value;
use serenity::all::{CommandOptionType, Http, Interaction};
use tracing::Instrument as _;

use super::{Answer, Dispatcher};

/// A command name is at most 32 characters in Discord; a label never grows past that twice.
const LABEL_MAX: usize = 65;

/// The span every log line of one interaction is written in. Fields: `id`, `kind`,
/// `guild` (absent in a direct message), `command`, and `outcome` once it is known.
pub(super) fn interaction_span(interaction: &Interaction) -> tracing::Span {
    let span = tracing::info_span!(
        "interaction",
        id = %interaction.id(),
        kind = kind_label(interaction),
        guild = tracing::field::Empty,
        command = command_label(interaction),
        outcome = tracing::field::Empty,
    );
    if let Some(guild) = interaction.guild_id() {
        span.record("guild", guild.get());
    }
    span
}

/// The span to handle `interaction` in: the transport's, when it opened one already.
pub(super) fn current_or_new_span(interaction: &Interaction) -> tracing::Span {
    let current = tracing::Span::current();
    if current.metadata().is_some_and(|m| m.name() == "interaction") {
        current
    } else {
        interaction_span(interaction)
    }
}

pub(super) fn kind_label(interaction: &Interaction) -> &'static str {
    match interaction {
        Interaction::Ping(_) => "ping",
        Interaction::Command(_) => "command",
        Interaction::Autocomplete(_) => "autocomplete",
        Interaction::Component(_) => "component",
        Interaction::Modal(_) => "modal",
        _ => "other",
    }
}

/// The command and its subcommand (`case open`), or the kind of a button or form (the part
/// of its custom ID before `:`): never a vendor or case, so the label set stays small.
pub(super) fn command_label(interaction: &Interaction) -> String {
    let label = match interaction {
        Interaction::Command(c) | Interaction::Autocomplete(c) => {
            let sub = c.data.options.first().filter(|o| {
                matches!(
                    o.kind(),
                    CommandOptionType::SubCommand | CommandOptionType::SubCommandGroup
                )
            });
            return command_and_sub(&c.data.name, sub.map(|o| o.name.as_str()));
        }
        Interaction::Component(c) => custom_id_kind(&c.data.custom_id),
        Interaction::Modal(m) => custom_id_kind(&m.data.custom_id),
        Interaction::Ping(_) => "ping".to_owned(),
        _ => "other".to_owned(),
    };
    label.chars().take(LABEL_MAX).collect()
}

/// The label of a command and its subcommand, if any.
pub(super) fn command_and_sub(name: &str, sub: Option<&str>) -> String {
    let label = match sub {
        Some(sub) => format!("{name} {sub}"),
        None => name.to_owned(),
    };
    label.chars().take(LABEL_MAX).collect()
}

fn custom_id_kind(custom_id: &str) -> String {
    custom_id.split(':').next().unwrap_or_default().to_owned()
}

impl Dispatcher {
    /// The HTTP endpoint's response body for an interaction, handled in its span.
    pub(super) async fn respond_over_http(&self, interaction: Interaction) -> Option<Value> {
        let span = interaction_span(&interaction);
        self.answer_over_http(interaction).instrument(span).await
    }

    /// Answers an interaction that came over the gateway, through `http`, in its span.
    pub async fn respond_over_gateway(&self, http: Arc<Http>, interaction: Interaction) {
        let span = interaction_span(&interaction);
        self.answer_over_gateway(http, interaction).instrument(span).await;
    }

    /// Counts a handled interaction, records its outcome in its span and logs that it was
    /// answered (at info: `RUST_LOG=info` shows one line per interaction).
    pub(super) fn observe(
        &self,
        span: &tracing::Span,
        interaction: &Interaction,
        answer: &Answer,
        started: Instant,
    ) {
        let took = started.elapsed();
        span.record("outcome", answer.outcome.as_str());
        let command = command_label(interaction);
        self.core()
            .metrics()
            .interaction(kind_label(interaction), &command, answer.outcome, took);
        span.in_scope(|| tracing::info!(took_ms = took.as_millis() as u64, "interaction handled"));
    }
}
