//! The gateway transport: a serenity client whose interaction events go to the dispatcher.

use serenity::{
    all::{Context, EventHandler, GatewayIntents, Interaction, Ready},
    async_trait,
};

use super::Dispatcher;

pub struct Handler {
    pub dispatcher: Dispatcher,
}

/// What backline needs from the gateway: guild events (and members, for owners who leave).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to the Discord gateway");
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let answer = self.dispatcher.dispatch(&interaction).await;
        let response = answer.response;
        let sent = match &interaction {
            Interaction::Command(i) | Interaction::Autocomplete(i) => {
                i.create_response(&ctx.http, response).await
            }
            Interaction::Component(i) => i.create_response(&ctx.http, response).await,
            Interaction::Modal(i) => i.create_response(&ctx.http, response).await,
            _ => Ok(()),
        };
        if let Err(error) = &sent {
            tracing::error!(interaction = %interaction.id(), %error, "could not answer the interaction");
        }
        self.dispatcher.confirm(answer.delivers, sent.is_ok()).await;
    }
}

/// A serenity client for `token` that answers interactions through `dispatcher`.
/// `api_base` replaces https://discord.com (tests point it at a fake Discord).
pub async fn client(
    token: &crate::secret::Secret,
    dispatcher: Dispatcher,
    api_base: Option<&str>,
) -> serenity::Result<serenity::Client> {
    let mut http = serenity::http::HttpBuilder::new(token.expose());
    if let Some(base) = api_base {
        // serenity ignores the proxy while its ratelimiter is on.
        http = http.proxy(base).ratelimiter_disabled(true);
    }
    serenity::all::ClientBuilder::new_with_http(http.build(), intents())
        .event_handler(Handler { dispatcher })
        .await
}
