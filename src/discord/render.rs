//! Reply model → Discord message, cut to Discord's limits, mentions exactly as intended.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed, CreateEmbedFooter,
    CreateInputText, CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, CreateModal,
    InputTextStyle, RoleId, UserId,
};

use super::limits;
use crate::commands::{Button, Mentions, Modal, Reply};

/// Exactly the users and roles the reply names; never @everyone, never "all users".
pub fn allowed_mentions(mentions: &Mentions) -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .users(mentions.users.iter().map(|&u| UserId::new(u)))
        .roles(mentions.roles.iter().map(|&r| RoleId::new(r)))
}

/// Sets the parts every message has, on either kind of message builder.
macro_rules! with_parts {
    ($builder:expr, $reply:expr) => {{
        let reply = $reply;
        let mut message = $builder.allowed_mentions(allowed_mentions(&reply.mentions));
        if let Some(content) = &reply.content {
            message = message.content(content);
        }
        if has_embed(reply) {
            message = message.embed(embed(reply));
        }
        if !reply.buttons.is_empty() {
            message = message.components(vec![buttons(&reply.buttons)]);
        }
        message
    }};
}

pub fn message(reply: &Reply) -> CreateInteractionResponseMessage {
    let reply = limits::fit(reply);
    let message = with_parts!(CreateInteractionResponseMessage::new(), &reply);
    if reply.ephemeral {
        message.ephemeral(true)
    } else {
        message
    }
}

/// The same reply as a channel message the bot posts on its own (reminders, digests).
pub fn channel_message(reply: &Reply) -> CreateMessage {
    with_parts!(CreateMessage::new(), &limits::fit(reply))
}

pub fn response(reply: &Reply) -> CreateInteractionResponse {
    match &reply.modal {
        Some(form) => CreateInteractionResponse::Modal(modal(form)),
        None => CreateInteractionResponse::Message(message(reply)),
    }
}

fn has_embed(reply: &Reply) -> bool {
    reply.title.is_some() || reply.description.is_some() || !reply.fields.is_empty()
}

fn buttons(buttons: &[Button]) -> CreateActionRow {
    CreateActionRow::Buttons(
        buttons
            .iter()
            .take(limits::BUTTONS_PER_ROW)
            .map(|b| {
                CreateButton::new(b.id.to_string())
                    .label(limits::truncate(&b.label, limits::BUTTON_LABEL))
                    .style(ButtonStyle::Secondary)
            })
            .collect(),
    )
}

fn modal(form: &Modal) -> CreateModal {
    let rows = form
        .inputs
        .iter()
        .take(limits::MODAL_INPUTS)
        .map(|input| {
            let style = if input.paragraph {
                InputTextStyle::Paragraph
            } else {
                InputTextStyle::Short
            };
            let mut text = CreateInputText::new(
                style,
                limits::truncate(&input.label, limits::TEXT_INPUT_LABEL),
                limits::truncate(&input.custom_id, limits::CUSTOM_ID),
            )
            .required(input.required)
            .max_length(input.max_length.min(limits::TEXT_INPUT_MAX));
            if let Some(placeholder) = &input.placeholder {
                text = text.placeholder(limits::truncate(placeholder, limits::TEXT_INPUT_PLACEHOLDER));
            }
            CreateActionRow::InputText(text)
        })
        .collect();
    CreateModal::new(
        form.id.to_string(),
        limits::truncate(&form.title, limits::MODAL_TITLE),
    )
    .components(rows)
}

fn embed(reply: &Reply) -> CreateEmbed {
    let mut embed = CreateEmbed::new();
    if let Some(title) = &reply.title {
        embed = embed.title(title);
    }
    if let Some(url) = &reply.url {
        embed = embed.url(url);
    }
    if let Some(description) = &reply.description {
        embed = embed.description(description);
    }
    if let Some(color) = reply.color {
        embed = embed.color(color);
    }
    for field in &reply.fields {
        embed = embed.field(&field.name, &field.value, field.inline);
    }
    if let Some(footer) = &reply.footer {
        embed = embed.footer(CreateEmbedFooter::new(footer));
    }
    embed
}
