//! Posting the bot's own messages (reminders, digests, notices, DMs) through Discord's REST API.

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{ChannelId, GuildId, Http, UserId};

use super::render;
use crate::commands::{Reply, reminders::Poster, upkeep::MemberDirectory};

pub struct DiscordPoster {
    pub http: Arc<Http>,
}

#[async_trait]
impl Poster for DiscordPoster {
    async fn post(&self, channel: u64, reply: &Reply) -> anyhow::Result<()> {
        ChannelId::new(channel)
            .send_message(&self.http, render::channel_message(reply))
            .await?;
        Ok(())
    }

    async fn dm(&self, user: u64, reply: &Reply) -> anyhow::Result<()> {
        let channel = UserId::new(user).create_dm_channel(&self.http).await?;
        channel
            .id
            .send_message(&self.http, render::channel_message(reply))
            .await?;
        Ok(())
    }
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
