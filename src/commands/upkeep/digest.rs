//! The periodic digest: stale contacts (owners pinged) and error findings, once per period.

use chrono::{DateTime, Utc};

use super::{Audited, verify_request};
use crate::{
    commands::{
        CommandError, Core, Mentions, Reply, Text,
        reminders::{Posted, Poster},
    },
    domain::{
        ChangeSource, Date, GuildId, HistoryEntry,
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
            let sent = poster.post(channel, &digest).await;
            self.metrics
                .posted(crate::metrics::Post::Digest, sent.failures().next().is_none());
            if sent.card_taken() {
                posted += 1;
            }
            self.record_unpinged_owners(guild, &audited, &sent, now).await?;
            if settings.dm_owners {
                for a in audited
                    .iter()
                    .filter(|a| !findings::stale_contacts(&a.vendor, Date::new(now.date_naive())).is_empty())
                {
                    let Some(owner) = a.vendor.owner.discord_id else {
                        continue;
                    };
                    let sent = poster.dm(owner.get(), &verify_request(guild, &a.vendor)).await;
                    if sent.failures().next().is_some() {
                        tracing::warn!(guild = %guild, vendor = %a.vendor.slug, error = %sent.summary(), "could not DM an owner");
                    }
                }
            }
        }
        Ok(posted)
    }

    /// An owner whose mention was in a digest message Discord refused was not pinged: that is
    /// written in the history of each stale vendor they own (`/vendor history`), with the
    /// reason, so nobody believes they were told.
    async fn record_unpinged_owners(
        &self,
        guild: GuildId,
        audited: &[Audited],
        sent: &Posted,
        now: DateTime<Utc>,
    ) -> Result<(), CommandError> {
        if sent.failures().next().is_none() {
            return Ok(());
        }
        tracing::warn!(guild = %guild, error = %sent.summary(), "could not post the whole digest");
        let today = Date::new(now.date_naive());
        let mut entries = Vec::new();
        for (mentions, reason) in sent.failures() {
            for a in audited {
                let Some(owner) = a.vendor.owner.discord_id.map(|d| d.get()) else {
                    continue;
                };
                if mentions.users.contains(&owner) && !findings::stale_contacts(&a.vendor, today).is_empty() {
                    entries.push(HistoryEntry {
                        slug: a.vendor.slug.clone(),
                        at: now,
                        source: ChangeSource::Backline,
                        action: "digest-not-delivered".to_owned(),
                        detail: format!(
                            "the digest could not ping owner {} (Discord {owner}): {reason}",
                            a.vendor.owner.name
                        ),
                    });
                }
            }
        }
        if entries.is_empty() {
            return Ok(());
        }
        Ok(self.store.record_history(guild, &entries).await?)
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
                Text::new().user(id.get(), Some(&a.vendor.owner.name))
            }
            None => Text::from(a.vendor.owner.name.as_str()),
        };
        stale_lines.push(
            Text::from("• ")
                .bold(a.vendor.name.as_str())
                .plain(format!(" ({}) — ", a.vendor.slug))
                .then(owner)
                .plain(format!(": {} to re-verify", stale.len())),
        );
    }
    owners.sort_unstable();
    owners.dedup();
    let errors: Vec<Text> = audited
        .iter()
        .flat_map(|a| {
            a.findings
                .iter()
                .filter(|f| f.level == FindingLevel::Error)
                .map(move |f| {
                    Text::from("• ")
                        .bold(a.vendor.slug.as_str())
                        .plain(format!(": {}", f.message))
                })
        })
        .collect();
    if stale_lines.is_empty() && errors.is_empty() {
        return Reply {
            content: Some(Text::from(
                "📋 Vendor support digest: every vendor's contacts are verified and nothing is broken.",
            )),
            ..Reply::default()
        };
    }
    let mut content = Text::from(format!(
        "📋 Vendor support digest: {} vendor{} to re-verify, {} error{}. Owners: confirm with ",
        stale_lines.len(),
        if stale_lines.len() == 1 { "" } else { "s" },
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    ))
    .code("/vendor verify")
    .plain(".");
    // The owners are pinged from the content, where mentions work.
    for owner in &owners {
        content = content.plain(" ").user(*owner, None);
    }
    Reply {
        content: Some(content),
        mentions: Mentions {
            users: owners,
            roles: Vec::new(),
        },
        title: Some("Vendor support digest".into()),
        ..Reply::default()
    }
    .field("Contacts to re-verify", Text::lines(stale_lines))
    .field("Errors", Text::lines(errors))
}
