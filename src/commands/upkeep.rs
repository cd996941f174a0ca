//! Keeping the registry true: the audit, verification, owners who left, the digest.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Button, Caller, CommandError, Core, Mentions, Reply, reminders::Poster};
use crate::domain::{
    ChangeSource, Date, GuildId, HistoryEntry, Vendor, VendorSlug,
    findings::{self, Finding, FindingLevel},
};

/// Asks Discord whether someone is still a member of a server.
#[async_trait]
pub trait MemberDirectory: Send + Sync {
    /// `Ok(false)` only when Discord says the user is not a member.
    async fn is_member(&self, guild: GuildId, user: u64) -> anyhow::Result<bool>;
}

/// The vendor with a Discord-side verification applied: a person's `verified` date is the
/// later of the file's and the last `/vendor verify`.
pub fn with_verification(mut vendor: Vendor, verified: Option<DateTime<Utc>>) -> Vendor {
    let Some(at) = verified else { return vendor };
    let date = Date::new(at.date_naive());
    let bump = |current: &mut Option<Date>| {
        if current.is_none_or(|c| c < date) {
            *current = Some(date);
        }
    };
    bump(&mut vendor.owner.verified);
    if let Some(backup) = vendor.backup.as_mut() {
        bump(&mut backup.verified);
    }
    for level in &mut vendor.escalation {
        for contact in &mut level.contacts {
            bump(&mut contact.verified);
        }
    }
    vendor
}

/// A vendor's findings, with who has left the server and the latest verification known.
pub struct Audited {
    pub vendor: Vendor,
    pub findings: Vec<Finding>,
}

impl Audited {
    fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.level == FindingLevel::Error)
            .count()
    }
}

/// Vendors with findings, worst first: most errors, then most warnings, then criticality.
pub fn worst_first(mut audited: Vec<Audited>) -> Vec<Audited> {
    audited.retain(|a| !a.findings.is_empty());
    audited.sort_by(|a, b| {
        b.errors()
            .cmp(&a.errors())
            .then(b.findings.len().cmp(&a.findings.len()))
            .then(a.vendor.criticality.cmp(&b.vendor.criticality))
            .then_with(|| a.vendor.slug.cmp(&b.vendor.slug))
    });
    audited
}

impl Core {
    /// Every vendor of the guild as it stands now (verifications applied), with its findings.
    pub async fn audit(&self, guild: GuildId) -> Result<Vec<Audited>, CommandError> {
        let today = Date::new(self.clock.now().date_naive());
        let departed = self.store.departed(guild).await?;
        let verified = self.store.verifications(guild).await?;
        let vendors = self.store.vendors(guild).await?;
        Ok(vendors
            .into_iter()
            .map(|v| {
                let at = verified.get(&v.slug).map(|(_, at)| *at);
                let vendor = with_verification(v, at);
                let findings = findings::findings_with_members(&vendor, today, &|u| departed.contains(&u));
                Audited { vendor, findings }
            })
            .collect())
    }

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
            let lines: Vec<String> = owned
                .iter()
                .map(|(v, role)| format!("• **{}** ({}): was the {role}", v.name, v.slug))
                .collect();
            let notice = Reply {
                content: Some(format!(
                    "⚠️ A vendor contact left the server (Discord user {user}). These vendors need a new owner or backup:\n{}\nFix it with `/vendor set-owner` or `/vendor set-backup`, and in the plans file.",
                    lines.join("\n")
                )),
                ..Reply::default()
            };
            if let Err(error) = poster.post(channel, &notice).await {
                tracing::warn!(guild = %guild, error = %format!("{error:#}"), "could not post an owner-left notice");
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

/// The direct message asking an owner whether the vendor's contacts are still right.
pub fn verify_request(guild: GuildId, vendor: &Vendor) -> Reply {
    Reply {
        content: Some(format!(
            "Are the support contacts of **{}** ({}) still right? backline's records are due for review. Check the plan, filing steps and escalation ladder (`/support {}`), then answer:",
            vendor.name, vendor.slug, vendor.slug
        )),
        buttons: vec![
            Button {
                custom_id: format!("verify-yes:{guild}:{}", vendor.slug),
                label: "Still correct".into(),
            },
            Button {
                custom_id: format!("verify-no:{guild}:{}", vendor.slug),
                label: "Needs update".into(),
            },
        ],
        ..Reply::default()
    }
}

/// Who may change the registry from Discord: Manage Server, Administrator, or the manager role.
pub fn is_manager(caller: &Caller, manager_role: Option<u64>) -> bool {
    const ADMINISTRATOR: u64 = 1 << 3;
    const MANAGE_GUILD: u64 = 1 << 5;
    caller
        .permissions
        .is_some_and(|p| p & (ADMINISTRATOR | MANAGE_GUILD) != 0)
        || manager_role.is_some_and(|role| caller.roles.contains(&role))
}
