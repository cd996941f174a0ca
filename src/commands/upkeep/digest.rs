//! The periodic digest: stale contacts (owners pinged) and error findings, once per period.

use chrono::DateTime;

use super::{Audited, verify_request};
use crate::{
    commands::{CommandError, Core, Mentions, Reply, reminders::Poster},
    domain::{
        Date,
        findings::{self, FindingLevel},
    },
};

impl Core {
    /// Posts each guild's verification digest once per period (whichever replica claims it):
    /// stale vendors with their owners mentioned, and error findings. Returns how many posted.
    pub async fn post_digests(&self, poster: &dyn Poster) -> Result<usize, CommandError> {
        let now = self.now_seconds();
        let mut posted = 0;
        for guild in self.store.registry_guilds().await? {
            let settings = self.store.guild_settings(guild).await?;
            let Some(channel) = settings.notice_channel else {
                continue;
            };
            let every = i64::try_from(settings.digest_every.minutes()).unwrap_or(i64::MAX / 60) * 60;
            let period_start =
                DateTime::from_timestamp(now.timestamp() - now.timestamp().rem_euclid(every), 0)
                    .unwrap_or(now);
            if !self.store.claim_digest(guild, period_start, now).await? {
                continue;
            }
            let audited = self.audit(guild).await?;
            let digest = digest(&audited, Date::new(now.date_naive()));
            match poster.post(channel, &digest).await {
                Ok(()) => posted += 1,
                Err(error) => {
                    tracing::warn!(guild = %guild, error = %format!("{error:#}"), "could not post the digest")
                }
            }
            if settings.dm_owners {
                for a in audited
                    .iter()
                    .filter(|a| !findings::stale_contacts(&a.vendor, Date::new(now.date_naive())).is_empty())
                {
                    let Some(owner) = a.vendor.owner.discord_id else {
                        continue;
                    };
                    if let Err(error) = poster.dm(owner.get(), &verify_request(guild, &a.vendor)).await {
                        tracing::warn!(guild = %guild, vendor = %a.vendor.slug, error = %format!("{error:#}"), "could not DM an owner");
                    }
                }
            }
        }
        Ok(posted)
    }
}

/// The digest message: stale vendors (owners pinged) and every error finding.
pub fn digest(audited: &[Audited], today: Date) -> Reply {
    let mut stale_lines = Vec::new();
    let mut owners = Vec::new();
    for a in audited {
        let stale = findings::stale_contacts(&a.vendor, today);
        if stale.is_empty() {
            continue;
        }
        let owner = match a.vendor.owner.discord_id {
            Some(id) => {
                owners.push(id.get());
                format!("<@{id}>")
            }
            None => a.vendor.owner.name.clone(),
        };
        stale_lines.push(format!(
            "• **{}** ({}) — {owner}: {} to re-verify",
            a.vendor.name,
            a.vendor.slug,
            stale.len()
        ));
    }
    owners.sort_unstable();
    owners.dedup();
    let errors: Vec<String> = audited
        .iter()
        .flat_map(|a| {
            a.findings
                .iter()
                .filter(|f| f.level == FindingLevel::Error)
                .map(move |f| format!("• **{}**: {}", a.vendor.slug, f.message))
        })
        .collect();
    if stale_lines.is_empty() && errors.is_empty() {
        return Reply {
            content: Some(
                "📋 Vendor support digest: every vendor's contacts are verified and nothing is broken."
                    .into(),
            ),
            ..Reply::default()
        };
    }
    let mut reply = Reply {
        content: Some(format!(
            "📋 Vendor support digest: {} vendor{} to re-verify, {} error{}. Owners: confirm with `/vendor verify`.",
            stale_lines.len(),
            if stale_lines.len() == 1 { "" } else { "s" },
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        )),
        mentions: Mentions {
            users: owners,
            roles: Vec::new(),
        },
        title: Some("Vendor support digest".into()),
        ..Reply::default()
    };
    reply = reply
        .field("Contacts to re-verify", stale_lines.join("\n"))
        .field("Errors", errors.join("\n"));
    // The owners are pinged from the content, where mentions work.
    let pings: Vec<String> = reply.mentions.users.iter().map(|u| format!("<@{u}>")).collect();
    if let Some(content) = reply.content.as_mut()
        && !pings.is_empty()
    {
        content.push(' ');
        content.push_str(&pings.join(" "));
    }
    reply
}
