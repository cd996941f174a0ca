//! Reply model → Discord message, cut to Discord's limits, mentions exactly as intended.

use serenity::all::{
    CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateInteractionResponse,
    CreateInteractionResponseMessage, RoleId, UserId,
};

use super::limits;
use crate::commands::{Mentions, Reply};

/// Exactly the users and roles the reply names; never @everyone, never "all users".
pub fn allowed_mentions(mentions: &Mentions) -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .users(mentions.users.iter().map(|&u| UserId::new(u)))
        .roles(mentions.roles.iter().map(|&r| RoleId::new(r)))
}

pub fn message(reply: &Reply) -> CreateInteractionResponseMessage {
    let reply = limits::fit(reply);
    let mut message =
        CreateInteractionResponseMessage::new().allowed_mentions(allowed_mentions(&reply.mentions));
    if let Some(content) = &reply.content {
        message = message.content(content);
    }
    if reply.title.is_some() || reply.description.is_some() || !reply.fields.is_empty() {
        message = message.embed(embed(&reply));
    }
    if reply.ephemeral {
        message = message.ephemeral(true);
    }
    message
}

pub fn response(reply: &Reply) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(message(reply))
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
