//! `backline serve`: the HTTP endpoint and/or the gateway, until SIGINT or SIGTERM; then a
//! shutdown bounded by a grace period, whether or not Discord can be reached.

use std::{net::SocketAddr, process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context as _;
use tokio::{sync::watch, task::JoinSet};

use super::limits::{self, parse_duration};
use crate::{
    commands::{Core, SystemClock, reminders::repeat},
    discord::{
        Dispatcher, SignatureVerifier, auth::DiscordAuth, follow_up_client, gateway::Gateway,
        poster::DiscordPoster,
    },
    http::{self, AppState, ServerLimits},
    secret::Secret,
    store::DatabaseUrl,
};

/// How often to look for a digest period that has started (each is posted once).
const DIGEST_SWEEP: Duration = Duration::from_secs(600);
/// After the grace period: how long closing the database may take before exiting anyway.
const CLOSE_DATABASE: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug)]
enum Job {
    Reminders,
    Digests,
}

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The application's public key (hex): serves the HTTP interactions endpoint.
    #[arg(long, env = "DISCORD_PUBLIC_KEY", hide_env_values = true)]
    public_key: Option<String>,
    /// The bot token: connects to the gateway.
    #[arg(long, env = "DISCORD_TOKEN", hide_env_values = true)]
    token: Option<Secret>,
    /// Where the HTTP endpoint listens.
    #[arg(
        long,
        hide_env_values = true,
        env = "BACKLINE_HTTP_ADDR",
        default_value = "127.0.0.1:8080"
    )]
    http_addr: SocketAddr,
    /// Where `GET /metrics` (Prometheus) listens; off unless set. Never the interactions port.
    #[arg(long, hide_env_values = true, env = "BACKLINE_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Replaces https://discord.com for REST calls and gateway discovery (a Discord API proxy).
    #[arg(long, hide_env_values = true, env = "DISCORD_API_BASE")]
    discord_api_base: Option<String>,
    /// Time a client has to send a request's header, counted from when the connection opens
    /// or its previous response was sent (so it also closes idle keep-alive connections).
    #[arg(long, hide_env_values = true, env = "BACKLINE_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    header_timeout: Duration,
    /// Time a client has to send a request's body once its header is in.
    #[arg(long, hide_env_values = true, env = "BACKLINE_BODY_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    body_timeout: Duration,
    /// HTTP connections open at once (lowered to stay below the open-file limit).
    #[arg(long, hide_env_values = true, env = "BACKLINE_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// After SIGTERM or SIGINT: how long work in flight may take before backline exits anyway.
    #[arg(long, hide_env_values = true, env = "BACKLINE_SHUTDOWN_GRACE", default_value = "10s", value_parser = parse_duration)]
    shutdown_grace: Duration,
    /// Answer an interaction inline only if it is done within this time; later work is
    /// deferred and finished through the follow-up webhook (Discord drops answers after 3 s).
    #[arg(long, hide_env_values = true, env = "BACKLINE_ANSWER_WITHIN", default_value = "2s", value_parser = parse_answer_within)]
    answer_within: Duration,
    /// How often each vendor status page is fetched (at most once per interval, whichever
    /// replica does it).
    #[arg(long, hide_env_values = true, env = "BACKLINE_STATUS_INTERVAL", default_value = "60s", value_parser = parse_duration)]
    status_interval: Duration,
    /// The longest a request waits for a database connection.
    #[arg(long, hide_env_values = true, env = "BACKLINE_DB_ACQUIRE_TIMEOUT", default_value = "3s", value_parser = parse_duration)]
    db_acquire_timeout: Duration,
    /// With DISCORD_TOKEN: also hold a gateway connection (member events, interactions over
    /// the websocket). `false` on extra replicas: they still post reminders and digests
    /// through Discord's REST API.
    #[arg(long, hide_env_values = true, env = "BACKLINE_GATEWAY", default_value_t = true, action = clap::ArgAction::Set)]
    gateway: bool,
    /// How often the response clock looks for overdue cases.
    #[arg(long, hide_env_values = true, env = "BACKLINE_REMINDER_EVERY", default_value = "30s", value_parser = parse_duration)]
    reminder_every: Duration,
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
    let limits_db = crate::store::ConnectLimits {
        acquire_timeout: args.db_acquire_timeout,
    };
    let store = super::startup::open_store_with(database_url, limits_db).await?;
    let clock = Arc::new(SystemClock);
    let dispatcher = Dispatcher::new(Core::new(Arc::clone(&store), clock.clone())).with_deadline(
        args.answer_within,
        follow_up_client(args.discord_api_base.as_deref(), args.token.as_ref()),
    );
    let (stop_tx, stop_rx) = watch::channel(false);
    let stop_tx = Arc::new(stop_tx);
    let signalled = Arc::clone(&stop_tx);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight interactions");
        signalled.send_replace(true);
    });
    let stopped = |mut stop: watch::Receiver<bool>| async move {
        let _ = stop.wait_for(|s| *s).await;
    };

    let mut tasks = JoinSet::new();
    // With a token, not ready until Discord has accepted it (READY on the gateway, or the
    // REST API answering as the bot on a replica without one).
    let discord_auth = args.token.as_ref().map(|_| Arc::new(DiscordAuth::default()));
    if let Some(addr) = args.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("listening for metrics on {addr} (choose another BACKLINE_METRICS_ADDR)")
        })?;
        eprintln!("Metrics: http://{}/metrics", listener.local_addr()?);
        let limits = ServerLimits {
            shutdown_grace: args.shutdown_grace,
            ..ServerLimits::default()
        };
        let core = dispatcher.core().clone();
        tasks.spawn(http::serve_metrics(
            listener,
            core,
            limits,
            stopped(stop_rx.clone()),
        ));
    }
    if let Some(verifier) = verifier {
        let open_files = limits::raise_open_file_limit();
        let limits = ServerLimits {
            header_timeout: args.header_timeout,
            body_timeout: args.body_timeout,
            max_connections: open_files.connection_cap(args.max_connections as usize),
            shutdown_grace: args.shutdown_grace,
        };
        tracing::debug!(?open_files, ?limits, "HTTP limits");
        eprintln!(
            "Open files: soft limit {} (was {}), hard limit {}; at most {} HTTP connections.",
            show(open_files.soft),
            show(open_files.soft_before),
            show(open_files.hard),
            limits.max_connections
        );
        let listener = tokio::net::TcpListener::bind(args.http_addr)
            .await
            .with_context(|| {
                format!(
                    "listening on {} (is another process using it? choose another address with BACKLINE_HTTP_ADDR)",
                    args.http_addr
                )
            })?;
        let state = Arc::new(AppState {
            dispatcher: dispatcher.clone(),
            verifier,
            clock,
            discord_auth: discord_auth.clone(),
        });
        eprintln!(
            "Interactions endpoint: http://{}/interactions",
            listener.local_addr()?
        );
        tasks.spawn(http::serve(listener, state, limits, stopped(stop_rx.clone())));
    }
    let mut status_poster: Option<Arc<DiscordPoster>> = None;
    match &args.token {
        Some(token) if !args.gateway => {
            let http = Arc::new(follow_up_client(args.discord_api_base.as_deref(), Some(token)));
            let poster = Arc::new(DiscordPoster { http: http.clone() });
            spawn_jobs(&mut tasks, &dispatcher, &poster, &stop_rx, args.reminder_every);
            status_poster = Some(poster.clone());
            if let Some(auth) = discord_auth.clone() {
                let stop = stopped(stop_rx.clone());
                tasks.spawn(async move {
                    tokio::select! {
                        () = auth.check_rest(&http) => {}
                        () = stop => {}
                    }
                    Ok(())
                });
            }
            eprintln!(
                "No gateway connection (BACKLINE_GATEWAY=false): posting through Discord's REST API only."
            );
        }
        Some(token) => {
            let api_base = args.discord_api_base.as_deref();
            // Creating the client asks Discord for the gateway's address: not worth waiting
            // for once asked to stop.
            let gateway = tokio::select! {
                gateway = Gateway::new(token, dispatcher.clone(), api_base, discord_auth.clone().unwrap_or_default()) => Some(gateway?),
                () = stopped(stop_rx.clone()) => None,
            };
            if let Some(gateway) = gateway {
                let poster = Arc::new(gateway.poster());
                spawn_jobs(&mut tasks, &dispatcher, &poster, &stop_rx, args.reminder_every);
                status_poster = Some(poster.clone());
                eprintln!("Connecting to the Discord gateway…");
                tasks.spawn(gateway.run(stopped(stop_rx.clone())));
            }
        }
        None => {
            eprintln!(
                "Note: without DISCORD_TOKEN, overdue-response reminders, digests and owner-left notices are not posted."
            );
        }
    }

    spawn_status_poller(
        &mut tasks,
        &dispatcher,
        status_poster,
        args.status_interval,
        &stop_rx,
    )?;

    let failed = wait_for_tasks(tasks, &stop_tx, stopped(stop_rx.clone()), args.shutdown_grace).await;
    if tokio::time::timeout(CLOSE_DATABASE, store.close()).await.is_err() {
        tracing::warn!("the database did not close in time; exiting anyway");
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// The jobs that post through the bot's REST client: the response clock and the digests.
fn spawn_jobs(
    tasks: &mut JoinSet<anyhow::Result<()>>,
    dispatcher: &Dispatcher,
    poster: &Arc<DiscordPoster>,
    stop_rx: &watch::Receiver<bool>,
    reminder_every: Duration,
) {
    for (every, job) in [(reminder_every, Job::Reminders), (DIGEST_SWEEP, Job::Digests)] {
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
}

/// The status poller: records what vendors' status pages say (always), and posts alerts and
/// case notes when there is a bot token to post with.
fn spawn_status_poller(
    tasks: &mut JoinSet<anyhow::Result<()>>,
    dispatcher: &Dispatcher,
    poster: Option<Arc<DiscordPoster>>,
    interval: Duration,
    stop_rx: &watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let fetcher =
        Arc::new(crate::status::poller::HttpFetcher::new().context("building the status page client")?);
    let poller = Arc::new(crate::status::poller::Poller::new(
        dispatcher.core().clone(),
        fetcher,
        interval,
    ));
    // Rounds are cheap when nothing is due (each source is claimed once per interval).
    let every = (interval / 4).clamp(Duration::from_secs(1), Duration::from_secs(15));
    let stop = stop_rx.clone();
    tasks.spawn(async move {
        repeat(every, stop, || {
            let (poller, poster) = (poller.clone(), poster.clone());
            async move {
                let poster = poster
                    .as_deref()
                    .map(|p| p as &dyn crate::commands::reminders::Poster);
                if let Err(error) = poller.poll_due(poster).await {
                    tracing::error!(error = format!("{error:#}"), "status poll failed");
                }
            }
        })
        .await;
        Ok(())
    });
    Ok(())
}

/// Waits for every task; the first failure stops the others. Once stopped, tasks still
/// running after `grace` are cancelled. Returns the first failure.
async fn wait_for_tasks(
    mut tasks: JoinSet<anyhow::Result<()>>,
    stop_tx: &watch::Sender<bool>,
    stopped: impl Future<Output = ()>,
    grace: Duration,
) -> Option<anyhow::Error> {
    let grace_over = async move {
        stopped.await;
        tokio::time::sleep(grace).await;
    };
    tokio::pin!(grace_over);
    let mut failed = None;
    loop {
        tokio::select! {
            joined = tasks.join_next() => {
                let error = match joined {
                    None => break,
                    Some(Ok(Ok(()))) => continue,
                    Some(Ok(Err(error))) => error,
                    Some(Err(join_error)) => join_error.into(),
                };
                tracing::error!(error = format!("{error:#}"), "stopping: a part of the bot failed");
                failed.get_or_insert(error);
                stop_tx.send_replace(true);
            }
            () = &mut grace_over => {
                tracing::warn!(
                    still_running = tasks.len(),
                    ?grace,
                    "shutdown grace period over: cancelling what is still running"
                );
                tasks.shutdown().await;
                break;
            }
        }
    }
    failed
}

fn show(limit: Option<u64>) -> String {
    limit.map_or_else(|| "unlimited".to_owned(), |n| n.to_string())
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

/// A deadline for inline answers: Discord drops an answer that comes after 3 s, so the
/// margin must leave time for the answer to travel.
fn parse_answer_within(input: &str) -> Result<Duration, String> {
    let within = parse_duration(input)?;
    if within >= Duration::from_millis(2900) {
        return Err(format!(
            "`{input}` leaves no time before Discord's 3 s deadline: answer within 2900ms or less (default 2s)"
        ));
    }
    Ok(within)
}
