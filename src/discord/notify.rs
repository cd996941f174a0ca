//! Sending the messages of a split reply and recording, per message, whom it notified:
//! sent only when Discord took the message, failed with Discord's reason otherwise.

use serenity::all::{CreateAllowedMentions, CreateInteractionResponseFollowup, CreateMessage};

use super::{Answer, Dispatcher, limits, render::allowed_mentions, render::markdown_within, split::Part};
use crate::{
    commands::{Delivers, Text},
    domain::case::{Delivery, Recipient},
};

impl Dispatcher {
    /// Records whether one message carrying a case event's notifications reached Discord:
    /// exactly the people and roles it mentions are marked, with the reason it failed.
    pub(super) async fn confirm(
        &self,
        delivers: Option<&Delivers>,
        part: &Part,
        outcome: &Result<(), String>,
    ) {
        let Some(delivers) = delivers else { return };
        let recipients: Vec<Recipient> = part
            .mentions
            .users
            .iter()
            .map(|&u| Recipient::User(u))
            .chain(part.mentions.roles.iter().map(|&r| Recipient::Role(r)))
            .collect();
        self.core()
            .metrics()
            .notifications(outcome.is_ok(), recipients.len());
        let (delivery, reason) = match outcome {
            Ok(()) => (Delivery::Sent, None),
            Err(reason) => (Delivery::Failed, Some(reason.as_str())),
        };
        if let Err(error) = self
            .core()
            .store()
            .mark_recipients(
                delivers.guild,
                delivers.event_id,
                Some(&recipients),
                delivery,
                reason,
            )
            .await
        {
            tracing::error!(event = delivers.event_id, %error, "could not record a notification's delivery");
        }
    }

    /// Records the first message's outcome; when it failed, the follow-ups cannot be sent
    /// either (they answer the same interaction) and are recorded failed with it.
    pub(super) async fn confirm_first(&self, answer: &Answer, outcome: &Result<(), String>) {
        let mut parts = answer.parts.iter();
        if let Some(first) = parts.next() {
            self.confirm(answer.delivers.as_ref(), first, outcome).await;
        }
        if let Err(reason) = outcome {
            let reason = Err(format!("the case message was not delivered: {reason}"));
            for part in parts {
                self.confirm(answer.delivers.as_ref(), part, &reason).await;
            }
        }
    }
}

/// A follow-up message: a continuation line and the mentions it carries, nothing else.
pub(super) fn channel_follow_up(part: &Part) -> CreateMessage {
    CreateMessage::new()
        .allowed_mentions(allowed_mentions(&part.mentions))
        .content(part.content.clone().unwrap_or_default())
}

/// A follow-up of an interaction's answer, as the webhook takes it.
pub fn follow_up(part: &Part, ephemeral: bool) -> CreateInteractionResponseFollowup {
    CreateInteractionResponseFollowup::new()
        .allowed_mentions(allowed_mentions(&part.mentions))
        .content(part.content.clone().unwrap_or_default())
        .ephemeral(ephemeral)
}

/// An ephemeral follow-up for the person who asked: who was not notified, and why. It
/// shows the mentions and pings nobody.
pub fn undelivered(failed: &[(&Part, String)]) -> CreateInteractionResponseFollowup {
    let mut text = Text::from("⚠️ Discord did not take every notification. Not notified:");
    for (part, reason) in failed {
        text = text.line_break().plain(format!("{reason}:"));
        for &user in &part.mentions.users {
            text = text.plain(" ").user(user, None);
        }
        for &role in &part.mentions.roles {
            text = text.plain(" ").role(role);
        }
    }
    CreateInteractionResponseFollowup::new()
        .allowed_mentions(CreateAllowedMentions::new())
        .content(markdown_within(text.spans(), limits::CONTENT))
        .ephemeral(true)
}

/// Why Discord did not take a message, for the record and the person who asked: the status
/// and Discord's own words, never the request's address (it holds the interaction token).
pub fn reason(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(serenity::all::HttpError::UnsuccessfulRequest(response)) => format!(
            "Discord answered {} ({})",
            response.status_code.as_u16(),
            response.error.message
        ),
        serenity::Error::Http(_) => "Discord could not be reached".to_owned(),
        _ => "the message could not be built".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::super::render::channel_messages;
    use crate::commands::{Mentions, Reply, Text};

    #[test]
    fn a_posted_message_that_pings_150_people_goes_out_as_two_each_allowing_its_own() {
        let users: Vec<u64> = (0..150).map(|i| 10u64.pow(17) + i).collect();
        let text = users.iter().fold(Text::from("Digest: re-verify"), |t, &u| {
            t.plain(" ").user(u, None)
        });
        let reply = Reply {
            content: Some(text),
            title: Some("Weekly digest".into()),
            mentions: Mentions {
                users: users.clone(),
                roles: Vec::new(),
            },
            ..Reply::default()
        };
        let messages = channel_messages(&reply);
        assert_eq!(messages.len(), 2);
        let mut all = Vec::new();
        for (message, mentions) in messages {
            let body: Value = serde_json::to_value(&message).unwrap();
            let allowed: Vec<u64> = body["allowed_mentions"]["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_str().unwrap().parse().unwrap())
                .collect();
            assert_eq!(allowed, mentions.users);
            let content = body["content"].as_str().unwrap();
            assert!(content.chars().count() <= 2000);
            assert!(allowed.iter().all(|u| content.contains(&format!("<@{u}>"))));
            all.extend(allowed);
        }
        assert_eq!(all, users, "each person in exactly one message, none left out");
    }
}
