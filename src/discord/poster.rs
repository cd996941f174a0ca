//! Posting the bot's own messages (reminders, digests, notices, DMs) through Discord's REST API.

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{ChannelId, GuildId, Http, MessageId, UserId};

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

    async fn send(&self, channel: u64, reply: &Reply) -> anyhow::Result<u64> {
        let mut messages = render::channel_messages(reply).into_iter();
        let Some((first, _)) = messages.next() else {
            anyhow::bail!("nothing to send");
        };
        let sent = ChannelId::new(channel)
            .send_message(&self.http, first)
            .await
            .map_err(|e| anyhow::anyhow!("Discord refused the message: {}", notify::reason(&e)))?;
        for (message, _) in messages {
            ChannelId::new(channel)
                .send_message(&self.http, message)
                .await
                .map_err(|e| anyhow::anyhow!("Discord refused a follow-up: {}", notify::reason(&e)))?;
        }
        Ok(sent.id.get())
    }

    async fn edit(&self, channel: u64, message: u64, reply: &Reply) -> anyhow::Result<()> {
        ChannelId::new(channel)
            .edit_message(&self.http, MessageId::new(message), render::edit_message(reply))
            .await
            .map_err(|e| anyhow::anyhow!("Discord refused the edit: {}", notify::reason(&e)))?;
        Ok(())
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
