//! `/case show`'s record of who was notified: every person and role, however many, with
//! whether the message that should have pinged them was sent and, when not, why.

use super::{
    format,
    text::{Text, TimeStyle},
};
use crate::domain::{
    Timeline,
    case::{Case, Delivery, Notification, Recipient},
};

/// A recipient shown by mention (showing it pings nobody: the reply allows no mentions).
fn mention(recipient: Recipient) -> Text {
    match recipient {
        Recipient::User(id) => format::person_mention(None, id),
        Recipient::Role(id) => Text::new().role(id),
    }
}

fn mark(delivery: Delivery) -> &'static str {
    match delivery {
        Delivery::Failed => "❌",
        Delivery::Pending => "⏳",
        Delivery::Sent => "✅",
    }
}

/// One line per notification.
pub(super) fn line(n: &Notification, event: &str) -> Text {
    let line = Text::from(format!("{} ", mark(n.delivery)))
        .then(mention(n.recipient))
        .plain(format!(
            " {} · {event} · {} · {} ",
            n.label,
            n.method,
            n.delivery.as_str()
        ))
        .time(n.at, TimeStyle::Time);
    match &n.reason {
        Some(reason) => line.plain(format!(" · {reason}")),
        None => line,
    }
}

/// The timeline's line under an event: how many it notified, and how that went.
pub(super) fn summary(notifications: &[&Notification]) -> Option<Text> {
    if notifications.is_empty() {
        return None;
    }
    let count = |d: Delivery| notifications.iter().filter(|n| n.delivery == d).count();
    let mut parts = vec![format!("{} sent", count(Delivery::Sent))];
    for (delivery, word) in [(Delivery::Failed, "failed"), (Delivery::Pending, "pending")] {
        if count(delivery) > 0 {
            parts.push(format!("{} {word}", count(delivery)));
        }
    }
    Some(Text::from(format!(
        "   → notified {}: {} (each listed below)",
        notifications.len(),
        parts.join(", ")
    )))
}

/// Every notification of the case, the ones that failed first (then pending, then sent),
/// each with its event, as lines sent after the card.
pub(super) fn listing(case: &Case, timeline: &Timeline) -> Vec<Text> {
    if timeline.notifications.is_empty() {
        return Vec::new();
    }
    let kind_of = |event_id: i64| {
        timeline
            .events
            .iter()
            .find(|e| e.id == event_id)
            .map_or("event", |e| e.kind.as_str())
    };
    let mut ordered: Vec<&Notification> = timeline.notifications.iter().collect();
    ordered.sort_by_key(|n| match n.delivery {
        Delivery::Failed => 0,
        Delivery::Pending => 1,
        Delivery::Sent => 2,
    });
    let failed = ordered.iter().filter(|n| n.delivery == Delivery::Failed).count();
    let mut lines = vec![Text::new().bold(format!(
        "Case #{}: everyone notified ({}, {failed} failed{})",
        case.number,
        ordered.len(),
        if failed > 0 { ", listed first" } else { "" }
    ))];
    lines.extend(ordered.into_iter().map(|n| line(n, kind_of(n.event_id))));
    lines
}
