//! The response clock: when a contracted first response is overdue, say so in the case's
//! channel, once, whichever replica gets there first.

use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::watch;

use super::{CommandError, Core, Reply, case_views};
use crate::{
    domain::case::{Delivery, EventKind, NotifyTarget, Recipient},
    store::{NewEvent, StoreError},
};

/// Sends a message to a channel outside any interaction (the bot's own initiative).
#[async_trait]
pub trait Poster: Send + Sync {
    async fn post(&self, channel: u64, reply: &Reply) -> anyhow::Result<()>;
    /// A direct message to one user.
    async fn dm(&self, user: u64, reply: &Reply) -> anyhow::Result<()>;
    /// Posts a reply that fits one message and returns that message's ID, to edit it later.
    async fn send(&self, channel: u64, reply: &Reply) -> anyhow::Result<u64>;
    /// Replaces what a message sent with `send` says.
    async fn edit(&self, channel: u64, message: u64, reply: &Reply) -> anyhow::Result<()>;
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
            let delivery = match case.channel_id {
                Some(channel) => match poster
                    .post(channel, &case_views::reminder_message(&case, vendor.as_ref()))
                    .await
                {
                    Ok(()) => {
                        posted += 1;
                        Delivery::Sent
                    }
                    Err(error) => {
                        tracing::warn!(guild = %guild, case = case.number, error = %format!("{error:#}"), "could not post a reminder");
                        Delivery::Failed
                    }
                },
                None => Delivery::Failed,
            };
            self.store
                .mark_delivery(guild, recorded.event_id, delivery)
                .await?;
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
