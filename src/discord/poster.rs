//! Posting the bot's own messages (reminders, digests, notices, DMs) through Discord's REST API.

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{ChannelId, GuildId, Http, UserId};

use super::{notify, render};
use crate::commands::{
    Reply,
    reminders::{Delivered, Posted, Poster},
    upkeep::MemberDirectory,
};

pub struct DiscordPoster {
    pub http: Arc<Http>,
}

#[async_trait]
impl Poster for DiscordPoster {
    async fn post(&self, channel: u64, reply: &Reply) -> Posted {
        send_all(&self.http, ChannelId::new(channel), reply).await
    }

    async fn dm(&self, user: u64, reply: &Reply) -> Posted {
        match UserId::new(user).create_dm_channel(&self.http).await {
            Ok(channel) => send_all(&self.http, channel.id, reply).await,
            Err(error) => Posted::refused(reply, notify::reason(&error)),
        }
    }
}

/// Sends every message of the reply's split, even after one fails (its mentions are no less
/// owed), and says what became of each: the caller records exactly the people of a refused
/// message as not notified, with Discord's reason.
async fn send_all(http: &Http, channel: ChannelId, reply: &Reply) -> Posted {
    let mut posted = Posted::default();
    for (message, mentions) in render::channel_messages(reply) {
        let outcome = channel
            .send_message(http, message)
            .await
            .map(drop)
            .map_err(|error| notify::reason(&error));
        posted.messages.push(Delivered { mentions, outcome });
    }
    posted
}

#[async_trait]
impl MemberDirectory for DiscordPoster {
    async fn is_member(&self, guild: crate::domain::GuildId, user: u64) -> anyhow::Result<bool> {
        match self
            .http
            .get_member(GuildId::new(guild.get()), UserId::new(user))
            .await
        {
            Ok(_) => Ok(true),
            // Discord answers 404 (Unknown Member) for someone who is not in the server.
            Err(serenity::Error::Http(e)) if e.status_code().is_some_and(|s| s.as_u16() == 404) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}
