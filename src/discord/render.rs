//! Reply model → Discord message: spans rendered as Discord markdown (plain text escaped,
//! names single-line), cut to Discord's limits, mentions exactly as intended.

use serenity::all::{
    CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateInteractionResponse,
    CreateInteractionResponseMessage, CreateMessage, EditMessage, RoleId, UserId,
};

pub use super::markdown::{literal, markdown, markdown_within};
use super::{
    components::{buttons, modal},
    limits::{self, Fitted},
    split::{Part, appendix, split},
};
use crate::commands::{Mentions, Reply};

/// Exactly the users and roles the reply names; never @everyone, never "all users".
pub fn allowed_mentions(mentions: &Mentions) -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .users(mentions.users.iter().map(|&u| UserId::new(u)))
        .roles(mentions.roles.iter().map(|&r| RoleId::new(r)))
}

/// Sets the parts every message has, on either kind of message builder.
/// The content and mentions come from the first part of the reply's split.
macro_rules! with_parts {
    ($builder:expr, $reply:expr, $fitted:expr, $part:expr) => {{
        let (reply, fitted, part): (&Reply, &Fitted, &Part) = ($reply, $fitted, $part);
        let mut message = $builder.allowed_mentions(allowed_mentions(&part.mentions));
        if let Some(content) = &part.content {
            message = message.content(content);
        }
        if fitted.has_embed() {
            message = message.embed(embed(fitted));
        }
        if !reply.buttons.is_empty() {
            message = message.components(vec![buttons(&reply.buttons)]);
        }
        message
    }};
}

/// The first message of a reply (its card and the mentions that fit), with the parts
/// still to send after it as follow-ups.
fn message_of(reply: &Reply) -> (CreateInteractionResponseMessage, Vec<Part>) {
    let mut parts = split(reply).into_iter();
    let first = parts.next().unwrap_or_default();
    let message = with_parts!(
        CreateInteractionResponseMessage::new(),
        reply,
        &limits::fit(reply),
        &first
    );
    let message = if reply.ephemeral {
        message.ephemeral(true)
    } else {
        message
    };
    let parts = std::iter::once(first).chain(parts).chain(appendix(reply));
    (message, parts.collect())
}

pub fn message(reply: &Reply) -> CreateInteractionResponseMessage {
    message_of(reply).0
}

/// The same reply as the channel messages the bot posts on its own (reminders, digests),
/// with the users and roles each one mentions: one message unless the mentions need more.
pub fn channel_messages(reply: &Reply) -> Vec<(CreateMessage, Mentions)> {
    let fitted = limits::fit(reply);
    split(reply)
        .into_iter()
        .chain(appendix(reply))
        .enumerate()
        .map(|(i, part)| {
            let message = if i == 0 {
                with_parts!(CreateMessage::new(), reply, &fitted, &part)
            } else {
                super::notify::channel_follow_up(&part)
            };
            (message, part.mentions)
        })
        .collect()
}

/// An edit that makes a message the bot posted say `reply` (its first part: an edited
/// message carries one card).
pub fn edit_message(reply: &Reply) -> EditMessage {
    let first = split(reply).into_iter().next().unwrap_or_default();
    with_parts!(EditMessage::new(), reply, &limits::fit(reply), &first)
}

pub fn response(reply: &Reply) -> CreateInteractionResponse {
    responses(reply).0
}

/// The response to an interaction and the message parts it takes: the first part is in
/// the response, the others are to be sent as follow-ups. No parts for a form.
pub fn responses(reply: &Reply) -> (CreateInteractionResponse, Vec<Part>) {
    match &reply.modal {
        Some(form) => (CreateInteractionResponse::Modal(modal(form)), Vec::new()),
        None if reply.replaces => {
            // The message being replaced keeps its own visibility: an update sets no flags.
            let (message, parts) = message_of(&Reply {
                ephemeral: false,
                ..reply.clone()
            });
            (CreateInteractionResponse::UpdateMessage(message), parts)
        }
        None => {
            let (message, parts) = message_of(reply);
            (CreateInteractionResponse::Message(message), parts)
        }
    }
}

fn embed(fitted: &Fitted) -> CreateEmbed {
    let mut embed = CreateEmbed::new();
    if let Some(title) = &fitted.title {
        embed = embed.title(title);
    }
    if let Some(url) = &fitted.url {
        embed = embed.url(url);
    }
    if let Some(description) = &fitted.description {
        embed = embed.description(description);
    }
    if let Some(color) = fitted.color {
        embed = embed.color(color);
    }
    for field in &fitted.fields {
        embed = embed.field(&field.name, &field.value, field.inline);
    }
    if let Some(footer) = &fitted.footer {
        embed = embed.footer(CreateEmbedFooter::new(footer));
    }
    embed
}
