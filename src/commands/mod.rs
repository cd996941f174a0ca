//! The command core: typed commands plus who and where, in; a reply model, out. No transport here.

mod case_notifications;
mod case_views;
pub mod cases;
mod choices;
mod clock;
mod command;
mod component_id;
pub mod directory;
pub mod directory_export;
pub mod export;
mod format;
pub mod markdown;
mod owner;
pub mod parse;
mod registry_cache;
mod registry_slot;
pub mod reminders;
mod reply;
pub mod status_alerts;
mod status_cache;
pub mod status_card;
mod status_list;
mod status_view;
mod support;
mod terminal;
mod text;
pub mod upkeep;
mod vendor_admin;
pub mod wiki;

use std::sync::Arc;

use crate::{
    domain::{GuildId, Rights, Vendor, lookup::Lookup},
    metrics::Metrics,
    store::Store,
};

pub use cases::{OpenCase, UpdateCase};
pub use choices::{VendorChoice, VendorChoices};
pub use clock::{Clock, FixedClock, SystemClock};
pub use command::Command;
pub use component_id::{ComponentId, UnknownComponent};
pub use directory::{DirectoryEntry, DirectoryFilter};
pub use reply::{Button, Delivers, Field, Mentions, Modal, Reply, TextInput};
pub use status_alerts::StatusWatch;
pub use text::{Span, Text, TimeStyle};
pub use vendor_admin::PersonEdit;

/// One autocomplete suggestion: what is shown, and what is sent back when picked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub value: String,
}

/// Who asked and where. `guild` is `None` in a direct message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub guild: Option<GuildId>,
    pub channel: Option<u64>,
    pub user: u64,
    /// The Discord interaction, when there is one: a redelivered interaction changes nothing twice.
    pub interaction: Option<u64>,
    /// What the caller may change, as the adapter decided from what the platform says.
    pub rights: Rights,
}

impl Caller {
    /// Someone at a terminal: no interaction, no rights to edit from a chat.
    pub fn terminal(guild: GuildId) -> Self {
        Self {
            guild: Some(guild),
            channel: None,
            user: 0,
            interaction: None,
            rights: Rights::Member,
        }
    }
}

/// The two kinds of failure: one the user can fix, shown as is; one that is ours,
/// logged in full and shown only as an error ID (never a database message).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    User(Text),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::store::StoreError> for CommandError {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_unreachable() {
            tracing::warn!(error = %e, "the database is unreachable");
            return CommandError::User(registry_cache::UNREACHABLE.into());
        }
        CommandError::Internal(e.into())
    }
}

/// Runs commands against a store. Cheap to clone (clones share the registry cache);
/// shared by every transport.
#[derive(Clone)]
pub struct Core {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    registry: Arc<registry_cache::RegistryCache>,
    /// What this core has done, for `/metrics`: each core counts on its own.
    metrics: Arc<Metrics>,
    status: Arc<status_cache::StatusCache>,
}

impl Core {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        let metrics = Arc::new(Metrics::new());
        Self {
            registry: Arc::new(registry_cache::RegistryCache::new(
                &store,
                Arc::clone(&clock),
                Arc::clone(&metrics),
            )),
            status: Arc::default(),
            store,
            clock,
            metrics,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    #[tracing::instrument(skip(self), fields(guild = ?caller.guild, user = caller.user))]
    pub async fn execute(&self, command: &Command, caller: &Caller) -> Result<Reply, CommandError> {
        let Some(guild) = caller.guild else {
            return Err(CommandError::User(Text::from(
                "backline answers in a server, not in direct messages: run the command in a channel of the server whose registry you need.",
            )));
        };
        self.refuse_while_down(command)?;
        let (mut reply, registry) = match command {
            Command::Support { vendor } => {
                let registry = self.registry.registry(self.store.as_ref(), guild).await?;
                let vendor = self.vendor_in(&registry, guild, vendor).await?;
                let verified = registry.verified.get(&vendor.slug).copied();
                let vendor = vendor.with_verification(verified);
                let today = crate::domain::Date::new(self.clock.now().date_naive());
                let found = crate::domain::findings::findings_with_members(&vendor, today, &|u| {
                    registry.departed.contains(&u)
                });
                let mut card = support::support_card(&vendor, &found, self.clock.now());
                self.put_status_on_card(&vendor, &mut card).await;
                (card, registry)
            }
            Command::Owner { vendor } => {
                let registry = self.registry.registry(self.store.as_ref(), guild).await?;
                let vendor = self.vendor_in(&registry, guild, vendor).await?;
                let verified = registry.verified.get(&vendor.slug).copied();
                let vendor = vendor.with_verification(verified);
                (owner::owner_card(&vendor, &registry.departed), registry)
            }
            Command::CaseForm { vendor } => {
                let vendor = self.find_vendor(guild, vendor).await?;
                return Ok(support::case_form(&vendor));
            }
            Command::CaseOpen(open) => return self.open_case(guild, caller, open).await,
            Command::CaseEscalate { case } => return self.escalate_case(guild, caller, case).await,
            Command::CaseUpdate(update) => return self.update_case(guild, caller, update).await,
            Command::CaseClose { case, resolution } => {
                return self.close_case(guild, caller, case, resolution.as_deref()).await;
            }
            Command::CaseList { vendor, status } => {
                return self.list_cases(guild, vendor.as_deref(), status.as_deref()).await;
            }
            Command::VendorAudit => return self.vendor_audit(guild).await,
            Command::VendorVerify { vendor } => return self.verify_vendor(guild, caller, vendor).await,
            Command::VerifyAnswer {
                vendor,
                still_correct,
            } => {
                return self.verify_answer(guild, caller, vendor, *still_correct).await;
            }
            Command::VendorSetOwner { vendor, person } => {
                return self
                    .set_person(guild, caller, vendor, person, vendor_admin::Role::Owner)
                    .await;
            }
            Command::VendorSetBackup { vendor, person } => {
                return self
                    .set_person(guild, caller, vendor, person, vendor_admin::Role::Backup)
                    .await;
            }
            Command::VendorNote { vendor, text } => return self.set_note(guild, caller, vendor, text).await,
            Command::VendorHistory { vendor } => return self.vendor_history(guild, vendor).await,
            Command::VendorList { filter, page } => return self.vendor_list(guild, filter, *page).await,
            Command::VendorStatus { vendor } => return self.vendor_status(guild, vendor.as_deref()).await,
            Command::CaseShow { case } => {
                let case = self.existing_case(guild, case).await?;
                let timeline = self.store.timeline(guild, case.number).await?;
                return Ok(case_views::show_card(&case, &timeline, self.clock.now()));
            }
        };
        // Both cards carry phone numbers, emails and account IDs.
        if registry.settings.sensitive_contacts {
            reply.ephemeral = true;
        }
        registry.mark(&mut reply, self.clock.now());
        Ok(reply)
    }

    /// Cases matching what someone is typing into a `case` option: open ones first.
    pub async fn case_choices(
        &self,
        caller: &Caller,
        typed: &str,
        limit: usize,
    ) -> Result<Vec<Choice>, CommandError> {
        let Some(guild) = caller.guild else {
            return Ok(Vec::new());
        };
        let typed = typed.trim().trim_start_matches('#');
        let cases = self.store.search_cases(guild, typed, limit as i64).await?;
        Ok(cases
            .iter()
            .map(|c| Choice {
                label: format!(
                    "#{} {} {} ({}): {}",
                    c.number, c.vendor_name, c.severity, c.status, c.summary
                ),
                value: c.number.to_string(),
            })
            .collect())
    }

    async fn list_cases(
        &self,
        guild: GuildId,
        vendor: Option<&str>,
        status: Option<&str>,
    ) -> Result<Reply, CommandError> {
        let status = status
            .map(crate::domain::case::CaseStatus::parse)
            .transpose()
            .map_err(|e| CommandError::User(e.into()))?;
        let vendor = match vendor {
            Some(v) => Some(self.find_vendor(guild, v).await?),
            None => None,
        };
        let cases = self
            .store
            .cases(guild, vendor.as_ref().map(|v| &v.slug), status, 25)
            .await?;
        let mut filter = String::new();
        if let Some(status) = status {
            filter.push_str(&format!(" ({status})"));
        }
        if let Some(v) = &vendor {
            filter.push_str(&format!(" with {}", v.name));
        }
        Ok(case_views::list_card(&cases, &filter))
    }

    /// The vendor someone named, or a user error with "did you mean …" suggestions.
    async fn find_vendor(&self, guild: GuildId, query: &str) -> Result<Vendor, CommandError> {
        let registry = self.registry.registry(self.store.as_ref(), guild).await?;
        self.vendor_in(&registry, guild, query).await
    }

    async fn vendor_in(
        &self,
        registry: &registry_cache::Current,
        guild: GuildId,
        query: &str,
    ) -> Result<Vendor, CommandError> {
        let index = &registry.index;
        if index.is_empty() {
            return Err(CommandError::User(
                Text::from("This server has no vendor registry yet. Import one with ")
                    .code("backline import --guild <server ID> plans.toml")
                    .plain(" (see examples/plans.toml)."),
            ));
        }
        match index.resolve(query) {
            Lookup::Found(slug) => self
                .registry
                .vendor(self.store.as_ref(), guild, registry, &slug)
                .await?
                .ok_or_else(|| {
                    CommandError::User(
                        Text::from("Vendor ")
                            .code(slug.as_str())
                            .plain(" was just removed from the registry."),
                    )
                }),
            Lookup::NotFound { suggestions } => {
                let shown: String = query.chars().take(60).collect();
                let mut message = Text::from("No vendor named ").code(shown).plain(" here.");
                if suggestions.is_empty() {
                    message = message
                        .plain(" See every vendor with ")
                        .code("/vendor list")
                        .plain(" in Discord or ")
                        .code("backline list")
                        .plain(" in a terminal.")
                        .chat_hint(" Or start typing a vendor name to see the list.");
                } else {
                    message = message.plain(" Did you mean ");
                    for (i, s) in suggestions.iter().enumerate() {
                        if i > 0 {
                            message = message.plain(", ");
                        }
                        message = message.code(s.slug.as_str()).plain(format!(" ({})", s.name));
                    }
                    message = message.plain("?");
                }
                Err(CommandError::User(message))
            }
        }
    }
}
