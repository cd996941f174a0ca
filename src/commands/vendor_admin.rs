//! `/vendor audit|verify|set-owner|set-backup|note|history`: maintaining the registry from Discord.

use chrono::{Duration, Utc};

use super::{
    Caller, CommandError, Core, Reply, Text, TimeStyle,
    format::{self, when},
    upkeep,
};
use crate::{
    domain::{
        ChangeSource, Date, DiscordUserId, GuildId, HistoryEntry, Person, Rights, Vendor, case::bounded_text,
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

fn user(message: impl Into<Text>) -> CommandError {
    CommandError::User(message.into())
}

/// Said after every edit from Discord.
fn as_code() -> Text {
    Text::from("The registry is kept as code: make the same change in the plans file (")
        .code("backline export")
        .plain(" shows it), or the next import undoes it.")
}

impl super::Command {
    /// Whether what the command may do depends on the caller's `Rights`: an adapter needs to
    /// work them out only for these.
    pub fn depends_on_rights(&self) -> bool {
        use super::Command::*;
        matches!(
            self,
            VendorVerify { .. }
                | VerifyAnswer { .. }
                | VendorSetOwner { .. }
                | VendorSetBackup { .. }
                | VendorNote { .. }
        )
    }
}

impl Core {
    /// The role a guild names as registry managers, for the adapter that decides `Rights`.
    pub async fn manager_role(&self, guild: GuildId) -> Result<Option<u64>, CommandError> {
        Ok(self.store.guild_settings(guild).await?.manager_role)
    }

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
            description: Some(Text::from(format!(
                "{errors} errors, {warnings} warnings in {} vendors, worst first.",
                audited.len()
            ))),
            ephemeral: true,
            ..Reply::default()
        };
        for a in &audited {
            reply = reply.field(
                format!("{} ({}, {})", a.vendor.name, a.vendor.slug, a.vendor.criticality),
                Text::lines(a.findings.iter().map(format::finding_line)),
            );
        }
        Ok(reply)
    }

    async fn may_edit(&self, guild: GuildId, caller: &Caller) -> Result<(), CommandError> {
        if caller.rights == Rights::Manager {
            return Ok(());
        }
        let settings = self.store.guild_settings(guild).await?;
        let mut message = Text::from("Only members with the Manage Server permission");
        if let Some(role) = settings.manager_role {
            message = message.plain(" or the ").role(role).plain(" role");
        }
        Err(user(message.plain(
            " can change the registry from Discord. Nothing was changed.",
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
        if !is_owner && caller.rights != Rights::Manager {
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
        let content = Text::from("✅ ")
            .bold(vendor.name.as_str())
            .plain(": contacts verified by ")
            .then(format::person_mention(Some(&vendor), caller.user))
            .plain(format!(" on {}. Next review due ", now.format("%Y-%m-%d")))
            .then(when(next))
            .plain(". Update the ")
            .code("verified")
            .plain(" dates in the plans file when you next edit it (")
            .code("backline export")
            .plain(" shows them).");
        Ok(Reply {
            content: Some(content),
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
        Ok(Reply::notice(
            Text::from(format!(
                "Thanks. Recorded that {}'s contacts need updating: fix them in the plans file and import it, then ",
                vendor.name
            ))
            .code("/vendor verify")
            .plain("."),
        ))
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
            return Ok(Reply::notice(
                Text::new()
                    .user(edit.user, Some(&edit.name))
                    .plain(format!(" is already {}'s {label}. Nothing changed.", before.name)),
            ));
        }
        self.save_edit(guild, caller, &before, &after, action).await?;
        // The new person is here now, whatever was recorded about them leaving.
        self.store.clear_departure(guild, edit.user).await?;
        Ok(Reply::notice(
            Text::from("✅ ")
                .user(edit.user, Some(&edit.name))
                .plain(format!(" is now {}'s {label}. ", before.name))
                .then(as_code()),
        ))
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
        Ok(Reply::notice(
            Text::from(format!("✅ Note on {} saved; ", before.name))
                .code(format!("/support {}", before.slug))
                .plain(" shows it. ")
                .then(as_code()),
        ))
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
        let lines = entries.iter().map(|e| {
            let who = match e.actor() {
                Some(a) => Text::new().then(format::person_mention(Some(&vendor), a)),
                None => Text::from(e.source.as_str()),
            };
            let detail: Vec<&str> = e.detail.lines().take(6).collect();
            let more = e.detail.lines().count().saturating_sub(6);
            let mut line = Text::new()
                .time(e.at, TimeStyle::DateTime)
                .plain(" ")
                .bold(e.action.as_str())
                .plain(" by ")
                .then(who);
            for d in detail {
                line = line.line_break().plain(format!("  {d}"));
            }
            if more > 0 {
                line = line.line_break().plain(format!("  … and {more} more"));
            }
            line
        });
        Ok(Reply {
            title: Some(format!("Changes to {} ({})", vendor.name, vendor.slug)),
            description: Some(Text::lines(lines)),
            footer: Some(
                Text::from("Newest first; the 20 most recent. ")
                    .code("backline history")
                    .plain(" has them all."),
            ),
            ephemeral: true,
            ..Reply::default()
        })
    }
}
