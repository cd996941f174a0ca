//! Members who leave or rejoin: owners and backups who left the server are caught and reported.

use std::collections::HashSet;

use async_trait::async_trait;

use crate::{
    commands::{CommandError, Core, Reply, Text, reminders::Poster},
    domain::{ChangeSource, GuildId, HistoryEntry, Vendor, VendorSlug},
};

/// Asks Discord whether someone is still a member of a server.
#[async_trait]
pub trait MemberDirectory: Send + Sync {
    /// `Ok(false)` only when Discord says the user is not a member.
    async fn is_member(&self, guild: GuildId, user: u64) -> anyhow::Result<bool>;
}

impl Core {
    /// Someone left the server. If they own or back up vendors, records it (once, whichever
    /// replica sees it first), writes the history and posts a notice. Returns the vendors.
    pub async fn member_left(
        &self,
        guild: GuildId,
        user: u64,
        poster: &dyn Poster,
    ) -> Result<Vec<VendorSlug>, CommandError> {
        let vendors = self.store.vendors(guild).await?;
        let owned: Vec<(&Vendor, &'static str)> = vendors
            .iter()
            .flat_map(|v| {
                let owner = (v.owner.discord_id.map(|d| d.get()) == Some(user)).then_some((v, "owner"));
                let backup = (v.backup.as_ref().and_then(|b| b.discord_id).map(|d| d.get()) == Some(user))
                    .then_some((v, "backup"));
                owner.into_iter().chain(backup)
            })
            .collect();
        if owned.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now_seconds();
        if !self.store.record_departure(guild, user, now).await? {
            return Ok(owned.iter().map(|(v, _)| v.slug.clone()).collect());
        }
        let entries: Vec<HistoryEntry> = owned
            .iter()
            .map(|(v, role)| HistoryEntry {
                slug: v.slug.clone(),
                at: now,
                source: ChangeSource::Gateway,
                action: format!("{role}-left"),
                detail: format!(
                    "{role} {} (Discord {user}) left the server",
                    if *role == "owner" {
                        &v.owner.name
                    } else {
                        v.backup.as_ref().map_or("", |b| b.name.as_str())
                    }
                ),
            })
            .collect();
        self.store.record_history(guild, &entries).await?;
        if let Some(channel) = self.store.guild_settings(guild).await?.notice_channel {
            let lines = owned.iter().map(|(v, role)| {
                Text::from("• ")
                    .bold(v.name.as_str())
                    .plain(format!(" ({}): was the {role}", v.slug))
            });
            let content = Text::from(format!(
                "⚠️ A vendor contact left the server (Discord user {user}). These vendors need a new owner or backup:"
            ))
            .line_break()
            .then(Text::lines(lines))
            .line_break()
            .plain("Fix it with ")
            .code("/vendor set-owner")
            .plain(" or ")
            .code("/vendor set-backup")
            .plain(", and in the plans file.");
            let notice = Reply {
                content: Some(content),
                ..Reply::default()
            };
            // The notice pings nobody: there is no notification to record, only the failure.
            let sent = poster.post(channel, &notice).await;
            self.metrics.posted(
                crate::metrics::Post::OwnerLeftNotice,
                sent.failures().next().is_none(),
            );
            if sent.failures().next().is_some() {
                tracing::warn!(guild = %guild, error = %sent.summary(), "could not post an owner-left notice");
            }
        }
        Ok(owned.iter().map(|(v, _)| v.slug.clone()).collect())
    }

    /// Someone (re)joined: they are no longer missing.
    pub async fn member_joined(&self, guild: GuildId, user: u64) -> Result<(), CommandError> {
        Ok(self.store.clear_departure(guild, user).await?)
    }

    /// At start-up: asks Discord about every owner and backup of every registry, so owners
    /// who left while the bot was down are caught too. Returns how many departures it found.
    pub async fn check_owners(
        &self,
        directory: &dyn MemberDirectory,
        poster: &dyn Poster,
    ) -> Result<usize, CommandError> {
        let mut found = 0;
        for guild in self.store.registry_guilds().await? {
            let mut people: HashSet<u64> = HashSet::new();
            for vendor in self.store.vendors(guild).await? {
                people.extend(vendor.owner.discord_id.map(|d| d.get()));
                people.extend(vendor.backup.and_then(|b| b.discord_id).map(|d| d.get()));
            }
            // Only departures recorded before the check may be cleared by it: one recorded
            // meanwhile (a member-remove event) is newer than what Discord told the check.
            let departed = self.store.departed(guild).await?;
            for user in people {
                match directory.is_member(guild, user).await {
                    Ok(true) if departed.contains(&user) => self.member_joined(guild, user).await?,
                    Ok(true) => {}
                    Ok(false) => {
                        self.member_left(guild, user, poster).await?;
                        found += 1;
                    }
                    Err(error) => {
                        tracing::warn!(guild = %guild, user, error = %format!("{error:#}"), "could not check a member")
                    }
                }
            }
        }
        Ok(found)
    }
}
