//! `/vendor audit|verify|set-owner|set-backup|note|history`: maintaining the registry from Discord.

use chrono::{Duration, Utc};

use super::{Caller, CommandError, Core, Reply, case_views::when, upkeep};
use crate::{
    domain::{
        ChangeSource, Date, DiscordUserId, GuildId, HistoryEntry, Person, Vendor, case::bounded_text,
        findings::FindingLevel,
    },
    store::StoreError,
};

/// Who becomes owner or backup: a Discord user, with what Discord knows and what was typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonEdit {
    pub user: u64,
    /// The name to record: typed, else the member's display name.
    pub name: String,
    pub team: Option<String>,
    pub email: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    Owner,
    Backup,
}

pub const NOTE_MAX: usize = 1000;

fn user(message: impl Into<String>) -> CommandError {
    CommandError::User(message.into())
}

const AS_CODE: &str = "The registry is kept as code: make the same change in the plans file (`backline export` shows it), or the next import undoes it.";

impl Core {
    pub(super) async fn vendor_audit(&self, guild: GuildId) -> Result<Reply, CommandError> {
        let audited = upkeep::worst_first(self.audit(guild).await?);
        if audited.is_empty() {
            let total = self.store.vendor_summaries(guild).await?.len();
            return Ok(Reply::notice(format!(
                "✅ No findings: all {total} vendors have a plan, owners, filing steps and verified contacts."
            )));
        }
        let errors: usize = audited
            .iter()
            .map(|a| {
                a.findings
                    .iter()
                    .filter(|f| f.level == FindingLevel::Error)
                    .count()
            })
            .sum();
        let warnings: usize = audited.iter().map(|a| a.findings.len()).sum::<usize>() - errors;
        let mut reply = Reply {
            title: Some("Vendor support audit".into()),
            description: Some(format!(
                "{errors} errors, {warnings} warnings in {} vendors, worst first.",
                audited.len()
            )),
            ephemeral: true,
            ..Reply::default()
        };
        for a in &audited {
            let lines: Vec<String> = a
                .findings
                .iter()
                .map(|f| match f.level {
                    FindingLevel::Error => format!("❗ {}", f.message),
                    FindingLevel::Warning => format!("⚠️ {}", f.message),
                })
                .collect();
            reply = reply.field(
                format!("{} ({}, {})", a.vendor.name, a.vendor.slug, a.vendor.criticality),
                lines.join("\n"),
            );
        }
        Ok(reply)
    }

    async fn may_edit(&self, guild: GuildId, caller: &Caller) -> Result<(), CommandError> {
        let settings = self.store.guild_settings(guild).await?;
        if upkeep::is_manager(caller, settings.manager_role) {
            return Ok(());
        }
        let role = settings
            .manager_role
            .map(|r| format!(" or the <@&{r}> role"))
            .unwrap_or_default();
        Err(user(format!(
            "Only members with the Manage Server permission{role} can change the registry from Discord. Nothing was changed."
        )))
    }

    pub(super) async fn verify_vendor(
        &self,
        guild: GuildId,
        caller: &Caller,
        query: &str,
    ) -> Result<Reply, CommandError> {
        let vendor = self.find_vendor(guild, query).await?;
        let is_owner = [Some(&vendor.owner), vendor.backup.as_ref()]
            .into_iter()
            .flatten()
            .any(|p| p.discord_id.map(|d| d.get()) == Some(caller.user));
        if !is_owner && self.may_edit(guild, caller).await.is_err() {
            return Err(user(format!(
                "Only {}'s owner or backup (or a manager) can verify its contacts. Nothing was recorded.",
                vendor.name
            )));
        }
        let now = self.now_seconds();
        self.store
            .record_verification(
                guild,
                &vendor.slug,
                caller.user,
                now,
                "contacts confirmed with /vendor verify",
            )
            .await?;
        let next =
            now + Duration::days(vendor.review_every.minutes() as i64 / (24 * 60)).max(Duration::days(1));
        Ok(Reply {
            content: Some(format!(
                "✅ **{}**: contacts verified by <@{}> on {}. Next review due {}. Update the `verified` dates in the plans file when you next edit it (`backline export` shows them).",
                vendor.name,
                caller.user,
                now.format("%Y-%m-%d"),
                when(next)
            )),
            ..Reply::default()
        })
    }

    pub(super) async fn verify_answer(
        &self,
        guild: GuildId,
        caller: &Caller,
        slug: &str,
        still_correct: bool,
    ) -> Result<Reply, CommandError> {
        if still_correct {
            return self.verify_vendor(guild, caller, slug).await;
        }
        let vendor = self.find_vendor(guild, slug).await?;
        let entry = HistoryEntry {
            slug: vendor.slug.clone(),
            at: self.now_seconds(),
            source: ChangeSource::Discord(caller.user),
            action: "needs-update".to_owned(),
            detail: "the owner says the contacts need updating".to_owned(),
        };
        self.store.record_history(guild, &[entry]).await?;
        Ok(Reply::notice(format!(
            "Thanks. Recorded that {}'s contacts need updating: fix them in the plans file and import it, then `/vendor verify`.",
            vendor.name
        )))
    }

    async fn save_edit(
        &self,
        guild: GuildId,
        caller: &Caller,
        before: &Vendor,
        after: &Vendor,
        action: &str,
    ) -> Result<(), CommandError> {
        match self
            .store
            .save_vendor_edit(
                guild,
                before,
                after,
                &ChangeSource::Discord(caller.user),
                action,
                Utc::now(),
            )
            .await
        {
            Err(StoreError::Conflict(_)) => Err(user(format!(
                "{} was changed by someone else a moment ago. Try again.",
                before.name
            ))),
            other => Ok(other?),
        }
    }

    pub(super) async fn set_person(
        &self,
        guild: GuildId,
        caller: &Caller,
        query: &str,
        edit: &PersonEdit,
        role: Role,
    ) -> Result<Reply, CommandError> {
        self.may_edit(guild, caller).await?;
        let before = self.find_vendor(guild, query).await?;
        let name = bounded_text("name", &edit.name, 100)
            .map_err(user)?
            .ok_or_else(|| user("The name cannot be empty."))?;
        let person = Person {
            name,
            team: edit
                .team
                .as_deref()
                .map(|t| bounded_text("team", t, 100))
                .transpose()
                .map_err(user)?
                .flatten(),
            email: edit
                .email
                .as_deref()
                .map(|e| bounded_text("email", e, 200))
                .transpose()
                .map_err(user)?
                .flatten(),
            discord_id: Some(DiscordUserId::new(edit.user).map_err(user)?),
            verified: Some(Date::new(self.clock.now().date_naive())),
        };
        let mut after = before.clone();
        let (label, action) = match role {
            Role::Owner => {
                after.owner = person;
                ("owner", "set-owner")
            }
            Role::Backup => {
                after.backup = Some(person);
                ("backup", "set-backup")
            }
        };
        if after == before {
            return Ok(Reply::notice(format!(
                "<@{}> is already {}'s {label}. Nothing changed.",
                edit.user, before.name
            )));
        }
        self.save_edit(guild, caller, &before, &after, action).await?;
        // The new person is here now, whatever was recorded about them leaving.
        self.store.clear_departure(guild, edit.user).await?;
        Ok(Reply::notice(format!(
            "✅ <@{}> is now {}'s {label}. {AS_CODE}",
            edit.user, before.name
        )))
    }

    pub(super) async fn set_note(
        &self,
        guild: GuildId,
        caller: &Caller,
        query: &str,
        text: &str,
    ) -> Result<Reply, CommandError> {
        self.may_edit(guild, caller).await?;
        let note = bounded_text("note", text, NOTE_MAX).map_err(user)?;
        let before = self.find_vendor(guild, query).await?;
        let mut after = before.clone();
        after.notes = note;
        if after == before {
            return Ok(Reply::notice("The note is already that. Nothing changed."));
        }
        self.save_edit(guild, caller, &before, &after, "note").await?;
        Ok(Reply::notice(format!(
            "✅ Note on {} saved; `/support {}` shows it. {AS_CODE}",
            before.name, before.slug
        )))
    }

    pub(super) async fn vendor_history(&self, guild: GuildId, query: &str) -> Result<Reply, CommandError> {
        let vendor = self.find_vendor(guild, query).await?;
        let entries = self.store.history(guild, Some(&vendor.slug), 20).await?;
        if entries.is_empty() {
            return Ok(Reply::notice(format!(
                "No changes recorded for {} yet.",
                vendor.name
            )));
        }
        let lines: Vec<String> = entries
            .iter()
            .map(|e| {
                let who = e
                    .actor()
                    .map(|a| format!("<@{a}>"))
                    .unwrap_or_else(|| e.source.as_str().to_owned());
                let detail: Vec<&str> = e.detail.lines().take(6).collect();
                let more = e.detail.lines().count().saturating_sub(6);
                let more = if more > 0 {
                    format!("\n  … and {more} more")
                } else {
                    String::new()
                };
                format!(
                    "<t:{}:f> **{}** by {who}\n  {}{more}",
                    e.at.timestamp(),
                    e.action,
                    detail.join("\n  ")
                )
            })
            .collect();
        Ok(Reply {
            title: Some(format!("Changes to {} ({})", vendor.name, vendor.slug)),
            description: Some(lines.join("\n")),
            footer: Some("Newest first; the 20 most recent. `backline history` has them all.".into()),
            ephemeral: true,
            ..Reply::default()
        })
    }
}
