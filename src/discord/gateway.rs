//! The gateway transport: a serenity client whose interaction events go to the dispatcher.

use anyhow::Context as _;
use serenity::{
    all::{Context, EventHandler, GatewayIntents, Interaction, Member, Ready, User},
    async_trait,
};

use std::sync::Arc;

use super::{
    Dispatcher,
    auth::{AuthState, DiscordAuth},
    poster::DiscordPoster,
};

pub struct Handler {
    pub dispatcher: Dispatcher,
    /// Told when Discord says READY (the token is good): `/readyz` waits for it.
    pub auth: Arc<DiscordAuth>,
}

/// What backline needs from the gateway: guild events, and members (privileged: enable
/// "Server Members Intent" in the developer portal) to notice owners who leave.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MEMBERS
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to the Discord gateway");
        self.auth.set(AuthState::Authenticated);
        // Owners may have left while the bot was down: ask Discord about each of them.
        let core = self.dispatcher.core().clone();
        tokio::spawn(async move {
            let discord = DiscordPoster {
                http: ctx.http.clone(),
            };
            match core.check_owners(&discord, &discord).await {
                Ok(found) => tracing::info!(found, "start-up check of vendor owners done"),
                Err(error) => tracing::error!(%error, "start-up check of vendor owners failed"),
            }
        });
    }

    async fn guild_member_removal(
        &self,
        ctx: Context,
        guild: serenity::all::GuildId,
        user: User,
        _member: Option<Member>,
    ) {
        let Ok(guild) = crate::domain::GuildId::new(guild.get()) else {
            return;
        };
        let poster = DiscordPoster {
            http: ctx.http.clone(),
        };
        match self
            .dispatcher
            .core()
            .member_left(guild, user.id.get(), &poster)
            .await
        {
            Ok(vendors) if !vendors.is_empty() => {
                tracing::info!(guild = %guild, vendors = vendors.len(), "a vendor owner left")
            }
            Ok(_) => {}
            Err(error) => tracing::error!(guild = %guild, %error, "could not record a member leaving"),
        }
    }

    async fn guild_member_addition(&self, _ctx: Context, member: Member) {
        let Ok(guild) = crate::domain::GuildId::new(member.guild_id.get()) else {
            return;
        };
        if let Err(error) = self
            .dispatcher
            .core()
            .member_joined(guild, member.user.id.get())
            .await
        {
            tracing::error!(guild = %guild, %error, "could not record a member joining");
        }
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        self.dispatcher
            .respond_over_gateway(ctx.http.clone(), interaction)
            .await;
    }
}

/// A serenity client for `token` that answers interactions through `dispatcher`.
/// `api_base` replaces https://discord.com (tests point it at a fake Discord).
pub async fn client(
    token: &crate::secret::Secret,
    dispatcher: Dispatcher,
    api_base: Option<&str>,
) -> serenity::Result<serenity::Client> {
    client_with_auth(token, dispatcher, api_base, Arc::default()).await
}

async fn client_with_auth(
    token: &crate::secret::Secret,
    dispatcher: Dispatcher,
    api_base: Option<&str>,
    auth: Arc<DiscordAuth>,
) -> serenity::Result<serenity::Client> {
    let mut http = serenity::http::HttpBuilder::new(token.expose());
    if let Some(base) = api_base {
        // serenity ignores the proxy while its ratelimiter is on.
        http = http.proxy(base).ratelimiter_disabled(true);
    }
    serenity::all::ClientBuilder::new_with_http(http.build(), intents())
        .event_handler(Handler { dispatcher, auth })
        .await
}

/// A gateway connection, created and not yet started: what `backline serve` runs.
pub struct Gateway {
    client: serenity::Client,
}

impl Gateway {
    /// Creates the client (asking Discord, or `api_base`, where the gateway is).
    pub async fn new(
        token: &crate::secret::Secret,
        dispatcher: Dispatcher,
        api_base: Option<&str>,
        auth: Arc<DiscordAuth>,
    ) -> anyhow::Result<Self> {
        let client = client_with_auth(token, dispatcher, api_base, auth)
            .await
            .context("creating the Discord gateway client")?;
        Ok(Self { client })
    }

    /// Posts the bot's own messages through the same REST client.
    pub fn poster(&self) -> DiscordPoster {
        DiscordPoster {
            http: self.client.http.clone(),
        }
    }

    /// Runs the connection until `stop` completes, then asks the shards to close. While
    /// Discord is unreachable that can wait for a shard's next retry or longer: the caller
    /// bounds it with its grace period.
    pub async fn run(mut self, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let shards = self.client.shard_manager.clone();
        tokio::spawn(async move {
            stop.await;
            shards.shutdown_all().await;
        });
        self.client
            .start()
            .await
            .context("running the Discord gateway client")
    }
}
