//! The response clock: when a contracted first response is overdue, say so in the case's
//! channel, once, whichever replica gets there first.

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;

use super::{CommandError, Core, Mentions, Reply, case_views};
use crate::{
    domain::case::{Delivery, EventKind, NotifyTarget, Recipient},
    store::{NewEvent, StoreError},
};

/// Sends a message to a channel outside any interaction (the bot's own initiative).
/// A reply that pings more people than one message allows goes out as several messages;
/// what became of each is reported on its own, so nobody is recorded as pinged by a
/// message Discord refused.
#[async_trait]
pub trait Poster: Send + Sync {
    async fn post(&self, channel: u64, reply: &Reply) -> Posted;
    /// A direct message to one user.
    async fn dm(&self, user: u64, reply: &Reply) -> Posted;
    /// Posts a reply that fits one message and returns that message's ID, to edit it later.
    async fn send(&self, channel: u64, reply: &Reply) -> anyhow::Result<u64>;
    /// Replaces what a message sent with `send` says.
    async fn edit(&self, channel: u64, message: u64, reply: &Reply) -> anyhow::Result<()>;
}

/// What became of one message of a posted reply: exactly the users and roles it mentioned,
/// and whether Discord took it (with Discord's reason when not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub mentions: Mentions,
    pub outcome: Result<(), String>,
}

/// The messages a posted reply took, in order (the first carries the card).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Posted {
    pub messages: Vec<Delivered>,
}

impl Posted {
    /// Nothing went out: one failed "message" carrying everyone the reply meant to ping.
    pub fn refused(reply: &Reply, reason: impl Into<String>) -> Self {
        Self {
            messages: vec![Delivered {
                mentions: reply.mentions.clone(),
                outcome: Err(reason.into()),
            }],
        }
    }

    /// Whether the first message (the one with the card) was taken.
    pub fn card_taken(&self) -> bool {
        self.messages.first().is_some_and(|m| m.outcome.is_ok())
    }

    /// The messages Discord refused, with why.
    pub fn failures(&self) -> impl Iterator<Item = (&Mentions, &str)> {
        self.messages.iter().filter_map(|m| match &m.outcome {
            Ok(()) => None,
            Err(reason) => Some((&m.mentions, reason.as_str())),
        })
    }

    /// One line for a log: which messages failed and why (empty when none did).
    pub fn summary(&self) -> String {
        let total = self.messages.len();
        self.messages
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                m.outcome
                    .as_ref()
                    .err()
                    .map(|reason| format!("message {} of {total}: {reason}", i + 1))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The recipients one message mentioned, as notification rows name them.
fn recipients(mentions: &Mentions) -> Vec<Recipient> {
    mentions
        .users
        .iter()
        .map(|&u| Recipient::User(u))
        .chain(mentions.roles.iter().map(|&r| Recipient::Role(r)))
        .collect()
}

/// How many overdue cases one sweep handles; the next sweep takes the rest.
const BATCH: i64 = 50;

impl Core {
    /// One sweep: claims the overdue cases nobody has been reminded about, records a
    /// reminder event for each (notifying the person who opened it), posts it, and records
    /// whether the post went out. Returns how many reminders were posted.
    pub async fn post_overdue_reminders(&self, poster: &dyn Poster) -> Result<usize, CommandError> {
        let now = self.now_seconds();
        let claimed = self.store.claim_overdue_reminders(now, BATCH).await?;
        let mut posted = 0;
        for (guild, case) in claimed {
            let vendor = self.store.vendor(guild, &case.vendor).await?;
            let event = NewEvent {
                kind: EventKind::Reminder,
                actor: None,
                detail: "first response overdue; escalation proposed".to_owned(),
                at: now,
                interaction_id: None,
            };
            let opener = NotifyTarget {
                recipient: Recipient::User(case.opened_by),
                label: "opened the case".to_owned(),
            };
            let recorded = match self
                .store
                .record_case_event(guild, &case, &case, &event, &[opener])
                .await
            {
                Ok(recorded) => recorded,
                // Escalated or answered since the claim: the reminder would be stale.
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            };
            let Some(channel) = case.channel_id else {
                self.store
                    .mark_recipients(
                        guild,
                        recorded.event_id,
                        None,
                        Delivery::Failed,
                        Some("the case has no channel to post the reminder in"),
                    )
                    .await?;
                continue;
            };
            let sent = poster
                .post(channel, &case_views::reminder_message(&case, vendor.as_ref()))
                .await;
            if sent.card_taken() {
                posted += 1;
            }
            self.metrics
                .posted(crate::metrics::Post::Reminder, sent.failures().next().is_none());
            if sent.failures().next().is_some() {
                tracing::warn!(guild = %guild, case = case.number, error = %sent.summary(), "could not post a reminder");
            }
            // Each message records exactly the people it mentioned: sent only if Discord took it.
            for message in sent.messages.iter().filter(|m| m.mentions != Mentions::default()) {
                let (delivery, reason) = match &message.outcome {
                    Ok(()) => (Delivery::Sent, None),
                    Err(reason) => (Delivery::Failed, Some(reason.as_str())),
                };
                self.store
                    .mark_recipients(
                        guild,
                        recorded.event_id,
                        Some(&recipients(&message.mentions)),
                        delivery,
                        reason,
                    )
                    .await?;
            }
        }
        Ok(posted)
    }
}

/// Runs `tick` every `every` until `stop` turns true (the background loops of `serve`).
pub async fn repeat<F, Fut>(every: Duration, mut stop: watch::Receiver<bool>, mut tick: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => tick().await,
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
    }
}
