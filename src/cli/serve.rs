//! `backline serve`: the HTTP endpoint and/or the gateway, until SIGINT or SIGTERM.

use std::{net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context as _;
use tokio::sync::watch;

use crate::{
    commands::{Core, SystemClock, reminders::repeat},
    discord::{Dispatcher, SignatureVerifier, follow_up_client, gateway},
    http::{self, AppState},
    secret::Secret,
    store::{self, DatabaseUrl},
};

/// How often the response clock looks for overdue cases.
const REMINDER_SWEEP: std::time::Duration = std::time::Duration::from_secs(30);
/// How often to look for a digest period that has started (each is posted once).
const DIGEST_SWEEP: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(Clone, Copy, Debug)]
enum Job {
    Reminders,
    Digests,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The application's public key (hex): serves the HTTP interactions endpoint.
    #[arg(long, env = "DISCORD_PUBLIC_KEY")]
    public_key: Option<String>,
    /// The bot token: connects to the gateway.
    #[arg(long, env = "DISCORD_TOKEN", hide_env_values = true)]
    token: Option<Secret>,
    /// Where the HTTP endpoint listens.
    #[arg(long, env = "BACKLINE_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    http_addr: SocketAddr,
    /// Answer an interaction inline only if done within this many ms; later, defer it and
    /// finish through the follow-up webhook (Discord drops answers after 3 s).
    #[arg(long, env = "BACKLINE_ANSWER_WITHIN_MS", default_value_t = 2000)]
    answer_within_ms: u64,
    /// The longest a request waits for a database connection, in ms.
    #[arg(long, env = "BACKLINE_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 3000)]
    db_acquire_timeout_ms: u64,
    /// Discord's API base (default https://discord.com); for tests and proxies.
    #[arg(long, env = "BACKLINE_DISCORD_API_URL")]
    discord_api_url: Option<String>,
}

pub async fn serve(database_url: &DatabaseUrl, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if args.public_key.is_none() && args.token.is_none() {
        eprintln!(
            "Nothing to serve. Set DISCORD_PUBLIC_KEY to serve the HTTP interactions endpoint, \
             DISCORD_TOKEN to connect to the gateway, or both (see README: Running the bot)."
        );
        return Ok(ExitCode::from(2));
    }
    let verifier = match args
        .public_key
        .as_deref()
        .map(SignatureVerifier::from_hex)
        .transpose()
    {
        Ok(verifier) => verifier,
        Err(message) => {
            eprintln!("{message}");
            return Ok(ExitCode::from(2));
        }
    };
    let limits = store::ConnectLimits {
        acquire_timeout: Duration::from_millis(args.db_acquire_timeout_ms),
    };
    let store = store::connect_with(database_url, limits).await?;
    let clock = Arc::new(SystemClock);
    let api_base = args.discord_api_url.as_deref();
    let dispatcher = Dispatcher::new(Core::new(Arc::clone(&store), clock.clone())).with_deadline(
        Duration::from_millis(args.answer_within_ms),
        follow_up_client(api_base, args.token.as_ref()),
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight interactions");
        let _ = stop_tx.send(true);
    });

    let mut tasks = tokio::task::JoinSet::new();
    if let Some(verifier) = verifier {
        let listener = tokio::net::TcpListener::bind(args.http_addr)
            .await
            .with_context(|| format!("listening on {}", args.http_addr))?;
        let app = http::router(Arc::new(AppState {
            dispatcher: dispatcher.clone(),
            verifier,
            clock,
        }));
        eprintln!(
            "Interactions endpoint: http://{}/interactions",
            listener.local_addr()?
        );
        let mut stop = stop_rx.clone();
        tasks.spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await
                .context("serving HTTP")
        });
    }
    if args.token.is_none() {
        tracing::warn!("DISCORD_TOKEN is not set: overdue-response reminders cannot be posted");
        eprintln!(
            "Note: without DISCORD_TOKEN, overdue-response reminders, digests and owner-left notices are not posted."
        );
    }
    if let Some(token) = args.token {
        let mut client = gateway::client(&token, dispatcher.clone(), api_base)
            .await
            .context("creating the Discord gateway client")?;
        let shards = client.shard_manager.clone();
        // The response clock and the digests post through the bot's REST client.
        let poster = Arc::new(crate::discord::poster::DiscordPoster {
            http: client.http.clone(),
        });
        for (every, job) in [(REMINDER_SWEEP, Job::Reminders), (DIGEST_SWEEP, Job::Digests)] {
            let (core, poster, stop) = (dispatcher.core().clone(), poster.clone(), stop_rx.clone());
            tasks.spawn(async move {
                repeat(every, stop, || {
                    let (core, poster) = (core.clone(), poster.clone());
                    async move {
                        let result = match job {
                            Job::Reminders => core.post_overdue_reminders(poster.as_ref()).await,
                            Job::Digests => core.post_digests(poster.as_ref()).await,
                        };
                        if let Err(error) = result {
                            tracing::error!(?job, %error, "background job failed");
                        }
                    }
                })
                .await;
                Ok(())
            });
        }
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _ = stop.wait_for(|s| *s).await;
            shards.shutdown_all().await;
        });
        eprintln!("Connecting to the Discord gateway…");
        tasks.spawn(async move { client.start().await.context("running the Discord gateway client") });
    }
    let mut failed = None;
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => failed = Some(error),
            Err(join_error) => failed = Some(join_error.into()),
        }
    }
    store.close().await;
    match failed {
        Some(error) => Err(error),
        None => Ok(ExitCode::SUCCESS),
    }
}

async fn wait_for_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
