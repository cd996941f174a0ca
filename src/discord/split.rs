//! A reply that pings more people than one Discord message allows (100 users, 100 roles,
//! 2000 characters of content) becomes several messages: the first carries the card and as
//! many mentions as fit, follow-ups carry the rest. A mention is never cut or left out; the
//! free text around the mentions is shortened instead.

use super::{
    limits::{CONTENT, truncate},
    render::{markdown, markdown_within},
};
use crate::commands::{Mentions, Reply, Span, Text};

/// Users Discord accepts in one message's `allowed_mentions`.
pub const MENTIONED_USERS: usize = 100;
/// Roles Discord accepts in one message's `allowed_mentions`.
pub const MENTIONED_ROLES: usize = 100;
/// Free text (headline, vendor name, names) keeps at least this much of the first message.
const FREE_MIN: usize = 600;

/// One message's content and exactly the users and roles whose mention is in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Part {
    pub content: Option<String>,
    pub mentions: Mentions,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ping {
    User(u64),
    Role(u64),
}

impl Ping {
    fn token(self) -> String {
        match self {
            Self::User(id) => format!("<@{id}>"),
            Self::Role(id) => format!("<@&{id}>"),
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

fn is_blank(span: &Span) -> bool {
    matches!(span, Span::Plain(s) if s.trim().is_empty())
}

/// The reply's content as the messages it takes. One part when everything fits (the content
/// as `fit` renders it); otherwise the first part is the free text (shortened only when the
/// mentions need the room) followed by as many mentions as fit, and each further part a
/// continuation line followed by more mentions. Every user and role in `reply.mentions` is
/// mentioned in exactly one part and allowed in exactly that part.
pub fn split(reply: &Reply) -> Vec<Part> {
    let intended = &reply.mentions;
    let content = reply.content.clone().unwrap_or_default();
    let mut free: Vec<Span> = Vec::new();
    let mut pings: Vec<Ping> = Vec::new();
    for span in content.spans() {
        let ping = match span {
            Span::User { id, .. } if intended.users.contains(id) => Some(Ping::User(*id)),
            Span::Role(id) if intended.roles.contains(id) => Some(Ping::Role(*id)),
            _ => None,
        };
        match ping {
            Some(ping) if !pings.contains(&ping) => {
                // The blank that separated this mention goes with it.
                while free.last().is_some_and(is_blank) {
                    free.pop();
                }
                pings.push(ping);
            }
            // A second mention of the same person is shown by name: it must not ping twice.
            Some(_) => free.push(Span::Plain(match span {
                Span::User { name: Some(name), .. } => name.clone(),
                _ => "(mentioned above)".to_owned(),
            })),
            None => free.push(span.clone()),
        }
    }
    let in_content = pings.len();
    // Intended but not in the text: mentioned anyway, so nobody is silently left out.
    for ping in
        (intended.users.iter().map(|&u| Ping::User(u))).chain(intended.roles.iter().map(|&r| Ping::Role(r)))
    {
        if !pings.contains(&ping) {
            pings.push(ping);
        }
    }
    let users = pings.iter().filter(|p| matches!(p, Ping::User(_))).count();
    let roles = pings.len() - users;
    let whole = markdown(&content);
    if in_content == pings.len()
        && users <= MENTIONED_USERS
        && roles <= MENTIONED_ROLES
        && chars(&whole) <= CONTENT
    {
        return vec![Part {
            content: reply.content.as_ref().map(|_| whole),
            mentions: intended.clone(),
        }];
    }
    let pings_size: usize = pings.iter().map(|p| chars(&p.token()) + 1).sum();
    let free_budget = CONTENT.saturating_sub(pings_size).max(FREE_MIN);
    let first = markdown_within(&free, free_budget);
    let continued = markdown(&Text::from(format!(
        "↳ {} (continued):",
        truncate(reply.title.as_deref().unwrap_or("Notification"), 100)
    )));
    let mut parts = Vec::new();
    let mut current = Part {
        content: Some(first),
        mentions: Mentions::default(),
    };
    for ping in pings {
        let token = ping.token();
        let text = current.content.get_or_insert_with(String::new);
        let full = match ping {
            Ping::User(_) => current.mentions.users.len() >= MENTIONED_USERS,
            Ping::Role(_) => current.mentions.roles.len() >= MENTIONED_ROLES,
        };
        if full || chars(text) + 1 + chars(&token) > CONTENT {
            parts.push(std::mem::replace(
                &mut current,
                Part {
                    content: Some(continued.clone()),
                    mentions: Mentions::default(),
                },
            ));
        }
        let text = current.content.get_or_insert_with(String::new);
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&token);
        match ping {
            Ping::User(id) => current.mentions.users.push(id),
            Ping::Role(id) => current.mentions.roles.push(id),
        }
    }
    parts.push(current);
    parts
}

/// The reply's appendix as messages of their own after the split: its lines packed into as
/// few messages as the content limit allows (a line longer than a message is shortened),
/// each allowing no mention.
pub fn appendix(reply: &Reply) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut current = String::new();
    for line in &reply.appendix {
        let text = markdown_within(line.spans(), CONTENT);
        if !current.is_empty() && chars(&current) + 1 + chars(&text) > CONTENT {
            parts.push(Part {
                content: Some(std::mem::take(&mut current)),
                mentions: Mentions::default(),
            });
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(&text);
    }
    if !current.is_empty() {
        parts.push(Part {
            content: Some(current),
            mentions: Mentions::default(),
        });
    }
    parts
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    fn reply(free: &str, users: &[u64], roles: &[u64], title: &str) -> Reply {
        let mut text = Text::from(free).plain(" by ").user(7, None).plain(". Notifying");
        for &u in users {
            text = text.plain(" ").user(u, Some(format!("Person {u}").as_str()));
        }
        for &r in roles {
            text = text.plain(" ").role(r);
        }
        Reply {
            content: Some(text),
            title: Some(title.to_owned()),
            mentions: Mentions {
                users: users.to_vec(),
                roles: roles.to_vec(),
            },
            ..Reply::default()
        }
    }

    /// Every intended ID is mentioned and allowed in exactly one part, no part allows what
    /// it does not mention, and every part is within Discord's limits.
    fn check(reply: &Reply, parts: &[Part]) {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, part) in parts.iter().enumerate() {
            let content = part.content.as_deref().unwrap_or_default();
            assert!(
                chars(content) <= CONTENT,
                "part {i}: {} characters",
                chars(content)
            );
            assert!(part.mentions.users.len() <= MENTIONED_USERS);
            assert!(part.mentions.roles.len() <= MENTIONED_ROLES);
            let tokens = part
                .mentions
                .users
                .iter()
                .map(|&u| Ping::User(u).token())
                .chain(part.mentions.roles.iter().map(|&r| Ping::Role(r).token()));
            for token in tokens {
                assert_eq!(
                    content.matches(&token).count(),
                    1,
                    "part {i} mentions {token} once"
                );
                *seen.entry(token).or_default() += 1;
            }
        }
        let intended: Vec<String> = reply
            .mentions
            .users
            .iter()
            .map(|&u| Ping::User(u).token())
            .chain(reply.mentions.roles.iter().map(|&r| Ping::Role(r).token()))
            .collect();
        for token in &intended {
            assert_eq!(seen.get(token), Some(&1), "{token} in exactly one part");
            let mentioned = parts
                .iter()
                .filter(|p| p.content.as_deref().unwrap_or_default().contains(token.as_str()))
                .count();
            assert_eq!(mentioned, 1, "{token} written in exactly one part");
        }
        assert_eq!(
            seen.len(),
            intended.len(),
            "nothing allowed that was not intended"
        );
    }

    #[test]
    fn a_small_reply_stays_one_message_as_written() {
        let reply = reply("🚨 Case #1 opened with AWS", &[11, 12], &[21], "Case #1");
        let parts = split(&reply);
        assert_eq!(parts.len(), 1);
        assert_eq!(
            parts[0].content.as_deref(),
            Some("🚨 Case #1 opened with AWS by <@7>. Notifying <@11> <@12> <@&21>")
        );
        check(&reply, &parts);
    }

    #[test]
    fn two_hundred_fifty_users_and_two_roles_take_three_messages_or_more() {
        let users: Vec<u64> = (0..252).map(|i| 100_000_000_000_000_000 + i).collect();
        let reply = reply(&"V".repeat(100), &users, &[31, 32], "Case #9 · vendor · sev1");
        let parts = split(&reply);
        assert!(parts.len() >= 3, "{}", parts.len());
        assert!(parts[0].content.as_deref().unwrap().starts_with(&"V".repeat(100)));
        assert!(parts[1].content.as_deref().unwrap().starts_with("↳ Case #9"));
        check(&reply, &parts);
    }

    #[test]
    fn free_text_is_shortened_before_a_mention_moves() {
        let reply = reply(&"long summary ".repeat(200), &[11, 12], &[21], "Case #2");
        let parts = split(&reply);
        assert_eq!(parts.len(), 1, "three mentions fit beside shortened text");
        let content = parts[0].content.as_deref().unwrap();
        assert!(content.contains('…') && content.ends_with("<@&21>"), "{content}");
        check(&reply, &parts);
    }

    #[test]
    fn an_intended_mention_missing_from_the_text_is_added() {
        let mut reply = reply("Reminder", &[11], &[], "Case #3");
        reply.mentions.users.push(99);
        let parts = split(&reply);
        assert!(
            parts
                .iter()
                .any(|p| p.content.as_deref().unwrap().contains("<@99>"))
        );
        check(&reply, &parts);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_number_of_mentions_and_any_text_split_exactly(
            users in 0usize..400,
            roles in 0usize..250,
            free in "[a-z*_<@# ]{0,3000}",
        ) {
            let users: Vec<u64> = (0..users as u64).map(|i| 10u64.pow(17) + i * 7).collect();
            let roles: Vec<u64> = (0..roles as u64).map(|i| 10u64.pow(18) + i).collect();
            let reply = reply(&free, &users, &roles, "Case #4");
            check(&reply, &split(&reply));
        }
    }
}
