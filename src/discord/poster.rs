//! Posting the bot's own messages (reminders) to a channel through Discord's REST API.

use std::sync::Arc;

use async_trait::async_trait;
use serenity::all::{ChannelId, Http};

use super::render;
use crate::commands::{Reply, reminders::Poster};

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
}
