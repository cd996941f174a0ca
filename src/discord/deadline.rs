//! Discord's 3-second rule: an interaction whose answer is not ready a margin before the
//! deadline is deferred (type 5), and its answer delivered later by editing the original
//! response through the interaction's webhook, for both the HTTP endpoint and the gateway.

use std::{
    panic::AssertUnwindSafe,
    sync::{Arc, OnceLock},
    time::Duration,
};

use futures_util::{FutureExt as _, future::BoxFuture};

use serde_json::Value;
use serenity::all::{
    ApplicationId, CreateAutocompleteResponse, CreateInteractionResponse, CreateInteractionResponseMessage,
    Http, HttpBuilder, Interaction,
};
use tokio::{sync::oneshot, task::JoinHandle};
use tracing::Instrument as _;

use super::{
    Answer, Dispatcher,
    deliver::{deliver, with_retry},
    notify,
};
use crate::{
    commands::{ComponentId, Reply},
    domain::GuildId,
    secret::Secret,
};

/// Answer inline when the work is done within this; defer otherwise. Discord allows 3 s
/// from the interaction; the rest is margin for the network and for Discord.
pub const DEFAULT_ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// The interaction token is valid 15 minutes: an answer later than this cannot be delivered.
const FOLLOW_UP_WITHIN: Duration = Duration::from_secs(14 * 60);

/// When to defer, and the REST client that finishes interactions that came over HTTP.
#[derive(Clone)]
pub struct Deadline {
    answer_within: Duration,
    /// Built on first use when none was given: most answers never need it, and building
    /// one (a TLS client) costs more than answering `/support`.
    follow_up: Arc<OnceLock<Arc<Http>>>,
}

impl Default for Deadline {
    fn default() -> Self {
        Self {
            answer_within: DEFAULT_ANSWER_WITHIN,
            follow_up: Arc::default(),
        }
    }
}

impl Deadline {
    fn follow_up(&self) -> Arc<Http> {
        Arc::clone(
            self.follow_up
                .get_or_init(|| Arc::new(follow_up_client(None, None))),
        )
    }
}

/// A REST client for interaction webhooks. `api_base` replaces https://discord.com (tests
/// point it at a fake Discord). The webhook routes need no bot token; serenity sends one
/// when there is one.
pub fn follow_up_client(api_base: Option<&str>, token: Option<&Secret>) -> Http {
    let mut http = HttpBuilder::new(token.map(Secret::expose).unwrap_or_default());
    if let Some(base) = api_base {
        // serenity ignores the proxy while its ratelimiter is on.
        http = http.proxy(base).ratelimiter_disabled(true);
    }
    http.build()
}

/// An answer ready in time, or the deferral to send now while the work goes on.
enum Timely {
    Inline(Answer),
    Deferred {
        response: CreateInteractionResponse,
        /// Whether the deferral reached Discord: the edit waits for it.
        sent: oneshot::Sender<bool>,
    },
}

impl Dispatcher {
    /// The same dispatcher, deferring what is not answered within `answer_within`; answers
    /// that came over the HTTP endpoint are finished through `follow_up`.
    pub fn with_deadline(mut self, answer_within: Duration, follow_up: Http) -> Self {
        self.deadline = Deadline {
            answer_within,
            follow_up: Arc::new(OnceLock::from(Arc::new(follow_up))),
        };
        self
    }

    /// The HTTP endpoint's response body for an interaction: the answer, or a deferral
    /// whose answer follows through the webhook.
    pub(super) async fn answer_over_http(&self, interaction: Interaction) -> Option<Value> {
        let hook = webhook(&interaction);
        let (body, sent, answer) = match self.in_time(interaction, || self.deadline.follow_up()).await {
            Timely::Inline(answer) => (serde_json::to_value(&answer.response), None, Some(answer)),
            Timely::Deferred { response, sent } => (serde_json::to_value(&response), Some(sent), None),
        };
        // The body is the message: handing it back to Discord is as far as we can follow it.
        match (sent, answer) {
            (Some(sent), _) => {
                let _ = sent.send(body.is_ok());
            }
            (None, Some(answer)) => {
                let outcome = body
                    .as_ref()
                    .map(drop)
                    .map_err(|_| "the answer could not be built".to_owned());
                self.confirm_first(&answer, &outcome).await;
                if let (Ok(()), Some((application, token))) = (outcome, hook)
                    && answer.parts.len() > 1
                {
                    // Discord takes follow-ups once it has the response this body carries.
                    let (dispatcher, follow_up) = (self.clone(), self.deadline.follow_up());
                    tokio::spawn(
                        async move {
                            follow_up.set_application_id(application);
                            dispatcher.follow_ups(&follow_up, &token, &answer).await;
                        }
                        .in_current_span(),
                    );
                }
            }
            (None, None) => {}
        }
        body.map_err(|error| tracing::error!(%error, "could not serialise an interaction response"))
            .ok()
    }

    /// Answers an interaction that came over the gateway, through `http`.
    pub(super) async fn answer_over_gateway(&self, http: Arc<Http>, interaction: Interaction) {
        match self.in_time(interaction.clone(), || Arc::clone(&http)).await {
            Timely::Inline(answer) => {
                let sent = send_callback(&http, &interaction, answer.response.clone()).await;
                self.confirm_first(&answer, &sent).await;
                if sent.is_ok()
                    && let Some((application, token)) = webhook(&interaction)
                {
                    http.set_application_id(application);
                    self.follow_ups(&http, &token, &answer).await;
                }
            }
            Timely::Deferred { response, sent } => {
                let deferred = send_callback(&http, &interaction, response).await;
                let _ = sent.send(deferred.is_ok());
            }
        }
    }

    /// Sends the messages after the first of a split answer, each recorded on its own.
    async fn follow_ups(&self, http: &Http, token: &str, answer: &Answer) {
        let mut failed = Vec::new();
        for part in answer.parts.iter().skip(1) {
            let outcome = match serde_json::to_value(notify::follow_up(part, answer.ephemeral)) {
                Ok(data) => with_retry(|| http.create_followup_message(token, &data, Vec::new()))
                    .await
                    .map(drop)
                    .map_err(|error| {
                        tracing::error!(%error, "could not send a follow-up message");
                        notify::reason(&error)
                    }),
                Err(_) => Err("the message could not be built".to_owned()),
            };
            self.confirm(answer.delivers.as_ref(), part, &outcome).await;
            // Only a message that pinged someone leaves someone not notified.
            let pinged = !part.mentions.users.is_empty() || !part.mentions.roles.is_empty();
            if let Err(reason) = outcome
                && pinged
            {
                failed.push((part, reason));
            }
        }
        if failed.is_empty() {
            return;
        }
        // The person who asked learns who was not pinged, and why; nobody is pinged by it.
        let notice = serde_json::to_value(notify::undelivered(&failed));
        if let Ok(data) = notice
            && let Err(error) = http.create_followup_message(token, &data, Vec::new()).await
        {
            tracing::error!(%error, "could not say who was not notified");
        }
    }

    async fn in_time(&self, interaction: Interaction, follow_up: impl FnOnce() -> Arc<Http>) -> Timely {
        let Some((application, token)) = webhook(&interaction) else {
            // PING and unknown kinds touch no database: nothing to wait for.
            return Timely::Inline(self.dispatch(&interaction).await);
        };
        let work = {
            let (dispatcher, interaction) = (self.clone(), interaction.clone());
            AssertUnwindSafe(async move { dispatcher.dispatch(&interaction).await })
                .catch_unwind()
                .map(Result::ok)
                .in_current_span()
        };
        // A read runs in this task while it is in time: no hand-off to another task for the
        // usual answer. Work that may write runs in a task of its own from the start, so a
        // connection dropped by the client cannot cut it short.
        let mut work: BoxFuture<'static, Option<Answer>> = if only_reads(&interaction) {
            Box::pin(work)
        } else {
            let task = tokio::spawn(work);
            Box::pin(async move { task.await.ok().flatten() })
        };
        match tokio::time::timeout(self.deadline.answer_within, &mut work).await {
            Ok(Some(answer)) => return Timely::Inline(answer),
            Ok(None) => return Timely::Inline(crashed(&"it panicked")),
            Err(_) => {}
        }
        let work = tokio::spawn(async move { work.await.unwrap_or_else(|| crashed(&"it panicked")) });
        if let Interaction::Autocomplete(_) = interaction {
            // Suggestions cannot be deferred: none is better than none in time.
            return Timely::Inline(Answer::plain(CreateInteractionResponse::Autocomplete(
                CreateAutocompleteResponse::new(),
            )));
        }
        // A page button updates the message it is on: the deferral says so (type 6) and the
        // edit of the original then replaces that message.
        let turns_page = matches!(&interaction, Interaction::Component(c)
                if matches!(c.data.custom_id.parse(), Ok(ComponentId::VendorList { .. })));
        let private = !turns_page && !self.answers_publicly(&interaction);
        tracing::info!(interaction = %interaction.id(), private, "not answered in time: deferring");
        let (sent, deferral) = oneshot::channel();
        let finish = self
            .clone()
            .finish(application, token, work, private, deferral, follow_up());
        tokio::spawn(finish.in_current_span());
        let response = if turns_page {
            CreateInteractionResponse::Acknowledge
        } else {
            CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new().ephemeral(private))
        };
        Timely::Deferred { response, sent }
    }

    /// Waits for the work and delivers its answer by editing the deferred response; records
    /// the notifications it carries as sent only when Discord took the edit.
    async fn finish(
        self,
        application: ApplicationId,
        token: String,
        mut work: JoinHandle<Answer>,
        private: bool,
        deferral: oneshot::Receiver<bool>,
        http: Arc<Http>,
    ) {
        let answer = match tokio::time::timeout(FOLLOW_UP_WITHIN, &mut work).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => crashed(&error),
            Err(_) => {
                work.abort();
                notice(
                    "backline gave up after 14 minutes without an answer from its database. \
                     If you were opening a case, check `/case list` before opening it again.",
                )
            }
        };
        if !deferral.await.unwrap_or(false) {
            tracing::error!("the deferral never reached Discord: the answer cannot be delivered");
            let outcome = Err("the interaction could not be answered".to_owned());
            self.confirm_first(&answer, &outcome).await;
            return;
        }
        http.set_application_id(application);
        let delivered = deliver(&http, &token, &answer.response, private).await;
        self.confirm_first(&answer, &delivered).await;
        if delivered.is_ok() {
            self.follow_ups(&http, &token, &answer).await;
        }
    }

    /// Whether the answer, when it comes, is for the whole channel: case changes (they
    /// notify people), and `/support` and `/owner` where contacts are not sensitive. When
    /// unsure, private: a deferral's visibility cannot be changed by the edit.
    fn answers_publicly(&self, interaction: &Interaction) -> bool {
        match interaction {
            Interaction::Command(command) => match command.data.name.as_str() {
                "support" | "owner" => {
                    command
                        .guild_id
                        .and_then(|g| GuildId::new(g.get()).ok())
                        .and_then(|g| self.core().sensitive_contacts_in_memory(g))
                        == Some(false)
                }
                "case" => command
                    .data
                    .options
                    .first()
                    .is_some_and(|o| matches!(o.name.as_str(), "open" | "escalate" | "update" | "close")),
                _ => false,
            },
            Interaction::Component(component) => ["case-escalate:", "case-responded:"]
                .iter()
                .any(|p| component.data.custom_id.starts_with(p)),
            Interaction::Modal(modal) => modal.data.custom_id.starts_with("case-open:"),
            _ => false,
        }
    }
}

/// Interactions whose answer only reads: `/support`, `/owner` and suggestions.
fn only_reads(interaction: &Interaction) -> bool {
    match interaction {
        Interaction::Autocomplete(_) => true,
        Interaction::Command(command) => matches!(command.data.name.as_str(), "support" | "owner"),
        _ => false,
    }
}

/// The application and token an interaction's webhook is addressed by, for kinds that can
/// be deferred or have to be answered in time.
fn webhook(interaction: &Interaction) -> Option<(ApplicationId, String)> {
    match interaction {
        Interaction::Command(i) | Interaction::Autocomplete(i) => Some((i.application_id, i.token.clone())),
        Interaction::Component(i) => Some((i.application_id, i.token.clone())),
        Interaction::Modal(i) => Some((i.application_id, i.token.clone())),
        _ => None,
    }
}

fn notice(text: &str) -> Answer {
    Answer::of(&Reply::notice(text))
}

fn crashed(error: &dyn std::fmt::Display) -> Answer {
    tracing::error!(error = %error, "an interaction's work crashed");
    notice("Something went wrong on backline's side; it is logged. Try again.")
}

/// Sends an interaction callback; why not when Discord did not accept it.
async fn send_callback(
    http: &Http,
    interaction: &Interaction,
    response: CreateInteractionResponse,
) -> Result<(), String> {
    let sent = match interaction {
        Interaction::Command(i) | Interaction::Autocomplete(i) => i.create_response(http, response).await,
        Interaction::Component(i) => i.create_response(http, response).await,
        Interaction::Modal(i) => i.create_response(http, response).await,
        _ => Ok(()),
    };
    sent.map_err(|error| {
        tracing::error!(interaction = %interaction.id(), %error, "could not answer the interaction");
        notify::reason(&error)
    })
}
